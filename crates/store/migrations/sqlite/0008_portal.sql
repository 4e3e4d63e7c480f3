-- The multi-agency portal (SQLite): organisations outside the council and their staff,
-- single-use invitations, messages on a case, what families write (their views, comments
-- on the draft), and the outbox of notifications. Timestamps are TEXT bound from Rust (UTC).

-- A school (by URN), NHS trust, social care team, educational psychology service or other
-- organisation that a council works with. Settings over the border are organisations too.
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    la_code TEXT NOT NULL REFERENCES local_authorities (code),
    kind TEXT NOT NULL CHECK (kind IN ('school', 'health', 'social_care',
                                       'educational_psychology', 'other')),
    name TEXT NOT NULL,
    urn TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX organisations_la ON organisations (la_code);

-- Who works for an organisation; its admins manage its staff.
CREATE TABLE organisation_members (
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    admin INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
    PRIMARY KEY (organisation_id, user_id)
);
CREATE INDEX organisation_members_user ON organisation_members (user_id);

-- An invitation: a single-use link (only its hash is kept) that expires.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    la_code TEXT NOT NULL REFERENCES local_authorities (code),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('parent', 'professional')),
    young_person INTEGER NOT NULL DEFAULT 0 CHECK (young_person IN (0, 1)),
    organisation_id INTEGER REFERENCES organisations (id),
    organisation_admin INTEGER NOT NULL DEFAULT 0 CHECK (organisation_admin IN (0, 1)),
    case_id INTEGER REFERENCES cases (id),
    relation TEXT,
    invited_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    user_id INTEGER REFERENCES users (id)
);
CREATE INDEX invitations_la ON invitations (la_code, created_at);

-- Messages on a case between the council and one participant (the thread's person).
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    participant_id INTEGER NOT NULL REFERENCES users (id),
    author_id INTEGER NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    document_id INTEGER REFERENCES documents (id),
    sent_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX messages_thread ON messages (case_id, participant_id, id);

-- What a family or professional writes on a case before and when they send it: a parent's
-- views (section A), comments on each section of the draft, a professional's advice summary.
-- Saved as it is typed; `submitted_at` is set when they send it.
CREATE TABLE contributions (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    part TEXT NOT NULL,
    text TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    UNIQUE (case_id, user_id, kind, part)
);

-- Notifications waiting to be sent, being sent, and sent: a worker claims due rows for a
-- lease, sends, and marks them sent; a failure is retried later with back-off. The
-- idempotency key stops the same event being queued twice.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    la_code TEXT,
    template TEXT NOT NULL,
    recipient TEXT NOT NULL,
    personalisation TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    sent_at TEXT,
    provider_reference TEXT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);
