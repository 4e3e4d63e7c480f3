-- The next statutory deadline of each case (worked out by the domain when the case changes),
-- so caseload lists can sort and filter by it without reading every case's state.
ALTER TABLE cases ADD COLUMN next_due_date DATE;
ALTER TABLE cases ADD COLUMN next_due_clock TEXT;
CREATE INDEX cases_la_next_due ON cases (la_code, next_due_date);
