-- The audit trail (SQLite): who read or wrote which record, when and from where. Append-only
-- and hash-chained: each row's hash covers its contents and the previous row's hash, and
-- audit_head holds the last row's number and hash, so an edited, removed or reordered row,
-- including the last one, breaks the chain (`waymark audit verify`). Ids only, never names.

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    at TEXT NOT NULL,
    user_id INTEGER,
    la_code TEXT,
    action TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id TEXT,
    case_id INTEGER,
    ip TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

-- "Who looked at this case", "what did this user look at", newest first, within one LA.
CREATE INDEX audit_log_la_case ON audit_log (la_code, case_id, seq);
CREATE INDEX audit_log_la_user ON audit_log (la_code, user_id, seq);

-- The chain's head: the last row's number and hash (0 and 64 zeros before the first row).
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);

INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: entries are never updated');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: entries are never deleted');
END;

CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'audit_head is never deleted');
END;
