-- The audit trail (PostgreSQL): who read or wrote which record, when and from where.
-- Append-only and hash-chained: each row's hash covers its contents and the previous row's
-- hash, and audit_head holds the last row's number and hash, so an edited, removed or
-- reordered row, including the last one, breaks the chain (`waymark audit verify`). Ids only,
-- never names.

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY CHECK (seq >= 1),
    at TIMESTAMPTZ NOT NULL,
    user_id BIGINT,
    la_code TEXT,
    action TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id TEXT,
    case_id BIGINT,
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
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
