//! Writing the audit trail from a request: the entry is `waymark_app::audit`'s, with the
//! client's address as the request gives it ([`ClientIp`]). A read is recorded before the page
//! is shown; a change is recorded by `waymark_app::cases` in the change's own transaction.

use chrono::Utc;
use waymark_store::{LaCode, Store, UserId};

pub use waymark_app::audit::{Action, Record};

use crate::client_ip::ClientIp;
use crate::error::AppResult;
use crate::session::CurrentUser;

/// Records that the signed-in `user` did `action` to `record` from `ip`.
///
/// # Errors
/// [`crate::AppError::Store`] if the entry could not be written (the caller must not go on to
/// show or change the data).
pub async fn record<S: Store>(
    store: &S,
    user: &CurrentUser,
    action: Action,
    record: Record,
    ip: &ClientIp,
) -> AppResult<()> {
    Ok(waymark_app::audit::record(store, user, action, record, ip.0, Utc::now()).await?)
}

/// Records an action by a user who is not (yet) signed in: a sign-in, or a failed one.
///
/// # Errors
/// [`crate::AppError::Store`] if the entry could not be written.
pub async fn record_for<S: Store>(
    store: &S,
    user: Option<UserId>,
    la: &LaCode,
    action: Action,
    record: Record,
    ip: &ClientIp,
) -> AppResult<()> {
    Ok(waymark_app::audit::record_for(store, user, la, action, record, ip.0, Utc::now()).await?)
}
