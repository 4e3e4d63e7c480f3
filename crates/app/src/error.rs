//! The one error type of the use cases. Each variant says what the caller should tell the
//! person: the web layer maps it to a page or a problem document in one place
//! (`waymark_web::error`), the CLI to one plain line, the worker to a retry.
//!
//! A refusal keeps the domain's typed [`Refusal`], so a form can put it beside the field it is
//! about without reading its text.

use waymark_store::StoreError;
use waymark_store::cases::CaseError;
use waymark_store::domain::command::Refusal;

/// What went wrong in a use case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such record, or one the user may not see (never revealing which).
    #[error("not found")]
    NotFound,
    /// The user's role may not do this at all.
    #[error("forbidden")]
    Forbidden,
    /// Someone else changed the record since the user loaded it; nothing was written.
    #[error("someone else changed this case")]
    Conflict,
    /// The case rules refused the change; nothing was written.
    #[error(transparent)]
    Refused(Refusal),
    /// A rule outside the case rules refused it (allocation to someone who takes no cases),
    /// in words the user can act on; nothing was written.
    #[error("{0}")]
    Declined(String),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
    /// A bug or an outage, named by a short fixed label for the log (`"letter"`, `"random"`).
    #[error("internal error ({0})")]
    Internal(&'static str),
}

/// The result of a use case.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Error {
        match err {
            StoreError::Conflict { .. } => Error::Conflict,
            StoreError::NotFound { .. } | StoreError::UserNotFound { .. } => Error::NotFound,
            other => Error::Store(other),
        }
    }
}

impl From<CaseError> for Error {
    fn from(err: CaseError) -> Error {
        match err {
            CaseError::Refused(refusal) => Error::Refused(refusal),
            CaseError::Store(err) => Error::from(err),
            CaseError::Unreadable { .. } => Error::Internal("case_unreadable"),
        }
    }
}
