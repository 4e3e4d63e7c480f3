-- Accounts, sign-in rate limiting, sessions, API tokens and relationship access (SQLite).
-- Timestamps are TEXT as sqlx writes a UTC DateTime (RFC 3339, '+00:00'); always bound from
-- Rust, never defaulted in SQL, so that text order is time order.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    -- Lower-cased by the store, so uniqueness is case-insensitive.
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('caseworker', 'manager', 'admin', 'professional',
                                       'parent', 'viewer', 'scrutiny')),
    la_code TEXT NOT NULL REFERENCES local_authorities (code),
    organisation TEXT,
    -- Argon2id PHC string; NULL for accounts that sign in only through single sign-on.
    password_hash TEXT,
    totp_secret TEXT,
    failed_sign_ins INTEGER NOT NULL DEFAULT 0 CHECK (failed_sign_ins >= 0),
    locked_until TEXT,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at TEXT NOT NULL
);

CREATE INDEX users_la ON users (la_code);

-- One row per sign-in attempt per key ('signin:ip:...', 'signin:user:7'), shared by every
-- instance; old rows of a key are pruned when it is hit again.
CREATE TABLE rate_limit_hits (
    key TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE INDEX rate_limit_hits_key_at ON rate_limit_hits (key, at);

-- Only a SHA-256 hash of the session token is stored: a copy of the database signs no one in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);

CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Why a professional or parent may see a case: 'parent' (their child), 'advice' (an open
-- request for their advice), 'named' (named on the plan). Closed rows are kept as history.
CREATE TABLE case_access (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    case_id INTEGER NOT NULL REFERENCES cases (id),
    la_code TEXT NOT NULL REFERENCES local_authorities (code),
    relation TEXT NOT NULL CHECK (relation IN ('parent', 'advice', 'named')),
    opened_at TEXT NOT NULL,
    closed_at TEXT
);

-- At most one open grant per user, case and relation (granting again is a no-op).
CREATE UNIQUE INDEX case_access_open ON case_access (user_id, case_id, relation)
    WHERE closed_at IS NULL;
CREATE INDEX case_access_case ON case_access (case_id);
