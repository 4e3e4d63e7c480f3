-- Caseload filters: the child's school or setting now, and whether an exception is recorded.
ALTER TABLE cases ADD COLUMN school TEXT;
ALTER TABLE cases ADD COLUMN has_exception INTEGER NOT NULL DEFAULT 0
    CHECK (has_exception IN (0, 1));
CREATE INDEX cases_la_school ON cases (la_code, school);

-- Documents kept with a case: advice received, evidence for an exception, and the letters
-- and plans Waymark renders. Each upload or rendering is a new row (a new version); rows
-- are never changed except for the virus scan's verdict.
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size >= 0),
    sha256 TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    scan TEXT NOT NULL,
    content BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    UNIQUE (case_id, kind, title, version)
);
CREATE INDEX documents_case ON documents (case_id, id);

-- The plan section being edited, saved as it is typed so a dropped connection loses
-- nothing. Saving a version of the plan (an event) starts afresh from it.
CREATE TABLE plan_drafts (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (case_id, section)
);
