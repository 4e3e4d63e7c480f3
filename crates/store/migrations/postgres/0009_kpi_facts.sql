-- What the figures need about each case (domain::kpi::KpiFacts), kept as columns beside it
-- so reports read them for every case of every LA without opening the state blobs.
ALTER TABLE cases ADD COLUMN assess_on DATE;
ALTER TABLE cases ADD COLUMN assess_yes BOOLEAN;
ALTER TABLE cases ADD COLUMN issue_on DATE;
ALTER TABLE cases ADD COLUMN issue_yes BOOLEAN;
ALTER TABLE cases ADD COLUMN final_issued_on DATE;
ALTER TABLE cases ADD COLUMN final_excused BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE cases ADD COLUMN closed_on DATE;
ALTER TABLE cases ADD COLUMN primary_need TEXT;
ALTER TABLE cases ADD COLUMN placement_type TEXT;
CREATE INDEX cases_la_final_issued ON cases (la_code, final_issued_on);
CREATE INDEX cases_la_received ON cases (la_code, request_received);
