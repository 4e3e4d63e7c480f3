-- The flow counts laid out for reading them: the rows of one flow and month sit together for
-- every LA (the all-authorities roll-up reads a range of months of a few flows straight from
-- the table, with no lookups and no sort), and an index holds each LA's counts in order (one
-- LA's months).
CREATE TABLE kpi_flows_by_month (
    flow TEXT NOT NULL,
    month DATE NOT NULL,
    la_code TEXT NOT NULL REFERENCES local_authorities (code),
    n BIGINT NOT NULL,
    PRIMARY KEY (flow, month, la_code)
) WITHOUT ROWID;
INSERT INTO kpi_flows_by_month (flow, month, la_code, n)
    SELECT flow, month, la_code, n FROM kpi_flows;
DROP TABLE kpi_flows;
ALTER TABLE kpi_flows_by_month RENAME TO kpi_flows;
CREATE INDEX kpi_flows_la ON kpi_flows (la_code, flow, month, n);

-- The figures on a period's last day (backlog, plans maintained, caseloads) read one LA's
-- cases in id order from this index alone, never the rows with their state.
CREATE INDEX cases_la_kpi ON cases (la_code, id, stage, date_of_birth, request_received,
    assess_on, assess_yes, issue_on, issue_yes, final_issued_on, final_excused, closed_on,
    primary_need, placement_type, caseworker);
