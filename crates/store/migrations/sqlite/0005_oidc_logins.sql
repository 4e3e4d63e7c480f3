-- Single sign-on (OIDC) logins in progress (SQLite): what the callback needs to finish a login
-- started on any instance. Keyed by a SHA-256 hash of the `state` sent to the provider; each row
-- is taken (deleted) by its callback, and rows older than the expiry are deleted as others are
-- taken. Timestamps are TEXT as sqlx writes a UTC DateTime, always bound from Rust.

CREATE TABLE oidc_logins (
    state_hash TEXT PRIMARY KEY NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX oidc_logins_created_at ON oidc_logins (created_at);
