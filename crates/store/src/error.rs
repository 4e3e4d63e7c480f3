//! The store's one error type. Every message says what went wrong in words an operator or
//! caseworker can act on; the web layer maps [`StoreError::Conflict`] to 409 and
//! [`StoreError::NotFound`] to 404.

use std::path::PathBuf;

use waymark_domain::{CaseId, LaCode};

use crate::access::CaseAccess;
use crate::identity::UserId;

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A write named a version that is no longer current: someone else changed the case first.
    /// Nothing was written.
    #[error(
        "case {case} was changed by someone else while you were working on it \
         (you had version {expected}, it is now at version {found}); reload the case and try again"
    )]
    Conflict {
        /// The case.
        case: CaseId,
        /// The version the write was based on.
        expected: i64,
        /// The version stored now.
        found: i64,
    },

    /// No such case in this local authority (a case of another LA is reported the same way).
    #[error("case {case} was not found")]
    NotFound {
        /// The case asked for.
        case: CaseId,
    },

    /// The LA already has a case with this reference.
    #[error("a case with reference '{reference}' already exists in this local authority")]
    DuplicateReference {
        /// The reference.
        reference: String,
    },

    /// A case was written for a local authority that has not been registered.
    #[error(
        "local authority {la} is not set up in this database; add it first \
         with `waymark la add {la} NAME`"
    )]
    UnknownLa {
        /// The LA code.
        la: LaCode,
    },

    /// Another account already has this email address (compared case-insensitively). The
    /// address is not repeated here, so the message can be logged.
    #[error("an account with this email address already exists")]
    DuplicateEmail,

    /// No user has this id.
    #[error("user {user} was not found")]
    UserNotFound {
        /// The id asked for.
        user: UserId,
    },

    /// Case access was asked for with a relation Waymark does not know.
    #[error("'{relation}' is not a relation to a case; use parent, advice or named")]
    UnknownRelation {
        /// The relation given.
        relation: String,
    },

    /// An append carried no events; every change to a case must be recorded as an event.
    #[error("nothing to write to case {case}: a change must record at least one event")]
    NoEvents {
        /// The case.
        case: CaseId,
    },

    /// A restore was asked for into a database that already holds cases.
    #[error(
        "the target database already holds cases; restore only writes into an empty database \
         unless forced (--force replaces everything in it)"
    )]
    NotEmpty,

    /// The database file is open in another process (a restore must not replace it under a
    /// running server).
    #[error("the database {path} is in use by another process; stop `waymark serve` and try again")]
    InUse {
        /// The database file.
        path: PathBuf,
    },

    /// A backup would overwrite an existing file.
    #[error("backup file {path} already exists; choose a new file name or remove it first")]
    BackupExists {
        /// The file.
        path: PathBuf,
    },

    /// The database URL names no supported backend.
    #[error(
        "database URL scheme '{scheme}' is not supported; use sqlite://PATH (e.g. \
         sqlite://waymark.db) or postgres://USER@HOST/DATABASE"
    )]
    UnsupportedUrl {
        /// The scheme given (never the whole URL, which may hold a password).
        scheme: String,
    },

    /// The database or a backup file failed an integrity check.
    #[error("integrity check failed: {0}")]
    Corrupt(String),

    /// A case's version does not match its event log: the current state cannot be trusted.
    #[error(
        "integrity check failed: case {case} is at version {version} but its event log has \
         {events} events numbered up to {last_seq}; restore from a backup taken before the damage"
    )]
    Inconsistent {
        /// The first mismatching case.
        case: CaseId,
        /// Its version.
        version: i64,
        /// How many events it has.
        events: i64,
        /// Its highest event number.
        last_seq: i64,
    },

    /// A stored value could not be read back (e.g. an LA code that is not 3 digits).
    #[error("stored data could not be read: {0}")]
    Decode(String),

    /// An external tool (`pg_dump`, `pg_restore`) could not be run or failed.
    #[error("{tool} failed: {message}")]
    Tool {
        /// The tool.
        tool: String,
        /// What it said, or why it could not be started.
        message: String,
    },

    /// A file operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("could not read", "could not create", ...).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// Blocking work handed to a background thread did not finish (it panicked or the runtime
    /// is shutting down).
    #[error("a background task failed: {0}")]
    Background(String),

    /// Running the schema migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// The database refused or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// An [`StoreError::Io`] for `path`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        StoreError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Whether a database error is a unique-constraint violation.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Whether a database error is a foreign-key violation.
pub(crate) fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_foreign_key_violation())
}

/// `Ok` if an update of one user's row changed it, else [`StoreError::UserNotFound`].
pub(crate) fn user_updated(user: UserId, rows_affected: u64) -> Result<()> {
    if rows_affected == 0 {
        Err(StoreError::UserNotFound { user })
    } else {
        Ok(())
    }
}

/// `Ok` if `relation` is one of [`CaseAccess::RELATIONS`].
pub(crate) fn check_relation(relation: &str) -> Result<()> {
    if CaseAccess::RELATIONS.contains(&relation) {
        Ok(())
    } else {
        Err(StoreError::UnknownRelation {
            relation: relation.to_string(),
        })
    }
}
