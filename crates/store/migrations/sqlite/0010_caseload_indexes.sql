-- The team caseload's default order (open cases by next deadline, then name) read from an
-- index rather than by sorting every row; and caseworkers' loads by stage.
CREATE INDEX cases_la_open_due ON cases (la_code, closed, (next_due_date IS NULL), next_due_date, family_name, id);
CREATE INDEX cases_la_open_caseworker_stage ON cases (la_code, closed, caseworker, stage);
