-- Single sign-on (OIDC) logins in progress (PostgreSQL): what the callback needs to finish a
-- login started on any instance. Keyed by a SHA-256 hash of the `state` sent to the provider;
-- each row is taken (deleted) by its callback, and rows older than the expiry are deleted as
-- others are taken.

CREATE TABLE oidc_logins (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX oidc_logins_created_at ON oidc_logins (created_at);
