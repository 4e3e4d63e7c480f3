-- The flow counts laid out for reading them: the primary key keeps the rows of one flow and
-- month together for every LA and carries the count (the all-authorities roll-up reads a
-- range of months of a few flows from the index alone), and an index holds each LA's counts
-- in order (one LA's months).
ALTER TABLE kpi_flows DROP CONSTRAINT kpi_flows_pkey;
ALTER TABLE kpi_flows ADD PRIMARY KEY (flow, month, la_code) INCLUDE (n);
DROP INDEX kpi_flows_month;
CREATE INDEX kpi_flows_la ON kpi_flows (la_code, flow, month) INCLUDE (n);

-- The figures on a period's last day (backlog, plans maintained, caseloads) read one LA's
-- cases in id order from this index (alone, once the table is vacuumed).
CREATE INDEX cases_la_kpi ON cases (la_code, id) INCLUDE (stage, date_of_birth,
    request_received, assess_on, assess_yes, issue_on, issue_yes, final_issued_on,
    final_excused, closed_on, primary_need, placement_type, caseworker);
