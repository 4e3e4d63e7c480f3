-- Cases: current-state rows plus the append-only event log (SQLite).
-- Dates are TEXT 'YYYY-MM-DD'; timestamps TEXT RFC 3339 in UTC; JSON is TEXT.

CREATE TABLE local_authorities (
    code TEXT PRIMARY KEY NOT NULL CHECK (length(code) = 3),
    name TEXT NOT NULL
);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    la_code TEXT NOT NULL REFERENCES local_authorities (code),
    reference TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 0),
    stage TEXT NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    date_of_birth TEXT,
    upn TEXT,
    request_received TEXT,
    caseworker TEXT,
    closed INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
    state TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (la_code, reference)
);

-- Caseload queries: by stage, by caseworker, by pupil, by name; always within one LA.
CREATE INDEX cases_la_stage ON cases (la_code, stage);
CREATE INDEX cases_la_caseworker ON cases (la_code, caseworker);
CREATE INDEX cases_la_upn ON cases (la_code, upn);
CREATE INDEX cases_la_family_name ON cases (la_code, family_name);

CREATE TABLE case_events (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    seq INTEGER NOT NULL CHECK (seq >= 1),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    actor TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);

-- The event log is the audit trail: rows are never changed or removed.
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only: events are never updated');
END;

CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only: events are never deleted');
END;
