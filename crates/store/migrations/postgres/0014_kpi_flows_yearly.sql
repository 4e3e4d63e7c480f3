-- The flow counts added up per calendar year as well, kept in step with the monthly ones:
-- figures for all authorities over many years read a row per year rather than twelve.
CREATE TABLE kpi_flows_yearly (
    flow TEXT NOT NULL,
    year INTEGER NOT NULL,
    la_code TEXT NOT NULL REFERENCES local_authorities (code),
    n BIGINT NOT NULL,
    PRIMARY KEY (flow, year, la_code) INCLUDE (n)
);
CREATE INDEX kpi_flows_yearly_la ON kpi_flows_yearly (la_code, flow, year) INCLUDE (n);
INSERT INTO kpi_flows_yearly (flow, year, la_code, n)
    SELECT flow, EXTRACT(YEAR FROM month)::integer, la_code, SUM(n)
    FROM kpi_flows GROUP BY 1, 2, 3;
