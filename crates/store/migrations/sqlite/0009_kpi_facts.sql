-- What the figures need about each case (domain::kpi::KpiFacts), kept as columns beside it
-- so reports read them for every case of every LA without opening the state blobs.
ALTER TABLE cases ADD COLUMN assess_on TEXT;
ALTER TABLE cases ADD COLUMN assess_yes INTEGER CHECK (assess_yes IN (0, 1));
ALTER TABLE cases ADD COLUMN issue_on TEXT;
ALTER TABLE cases ADD COLUMN issue_yes INTEGER CHECK (issue_yes IN (0, 1));
ALTER TABLE cases ADD COLUMN final_issued_on TEXT;
ALTER TABLE cases ADD COLUMN final_excused INTEGER NOT NULL DEFAULT 0
    CHECK (final_excused IN (0, 1));
ALTER TABLE cases ADD COLUMN closed_on TEXT;
ALTER TABLE cases ADD COLUMN primary_need TEXT;
ALTER TABLE cases ADD COLUMN placement_type TEXT;
CREATE INDEX cases_la_final_issued ON cases (la_code, final_issued_on);
CREATE INDEX cases_la_received ON cases (la_code, request_received);
