-- Flows (domain::kpi::Flow) counted per LA and month, kept in step with the cases on every
-- write, so figures for every LA together are sums of counts rather than reads of every case.
CREATE TABLE kpi_flows (
    la_code TEXT NOT NULL REFERENCES local_authorities (code),
    flow TEXT NOT NULL,
    month DATE NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (la_code, flow, month)
);
CREATE INDEX kpi_flows_month ON kpi_flows (month, flow);

-- Work the store does once after migrating: here, counting the flows of the cases already
-- stored.
CREATE TABLE maintenance (task TEXT PRIMARY KEY);
INSERT INTO maintenance (task) VALUES ('rebuild_kpi_flows');
