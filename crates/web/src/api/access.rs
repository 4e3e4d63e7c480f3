//! Who may see and change which case through the API, and the audit trail of what they did:
//! the API's side of [`crate::policy`] and [`crate::audit`], which decide and record for pages
//! and API alike.
//!
//! - A role that sees no personal data (viewer, scrutiny) may not use the case endpoints at
//!   all: 403, whatever the case (so it reveals nothing).
//! - A case the user may not see (another LA's, a professional's without an open advice
//!   request or naming, another family's) is 404: [`crate::policy::can_view_case`].
//! - Only LA staff list cases and open new ones: [`crate::policy::can_list_cases`].
//! - What a user may *do* to a case they can see is the case rules' decision (`decide` checks
//!   the role and says why not), not this module's.
//! - A case's documents (advice, evidence, letters, plans) are LA staff's only, as on the
//!   pages: [`crate::policy::can_work_on_case`] ([`work_on`]). A family or professional who
//!   may see the case is refused (403); anyone else is told it does not exist (404).
//!
//! Reads are recorded with [`crate::audit::record`] before the data goes out. Changes are
//! recorded under the command's own name (`decide_whether_to_assess`, `open_case`, ...) with
//! [`audit_change`], exactly as the pages record them; documents under `upload_document` and
//! `download_document` (the pages' name for a download).

use waymark_store::cases::{CaseError, LoadedCase};
use waymark_store::domain::actor::Actor;
use waymark_store::{CaseId, Store};

use super::ApiUser;
use crate::AppState;
use crate::audit::{self, Action, Record};
use crate::error::{AppError, AppResult};
use crate::policy::{self, CaseList, CaseWork};

/// The user as the case rules see them: the reference written into the event log (their
/// number, never their name), their role and LA.
pub fn actor(api: &ApiUser) -> Actor {
    crate::features::cases::actor(&api.user)
}

/// The capability to list the user's LA's cases: LA staff only, 403 for anyone else.
///
/// # Errors
/// [`AppError::Forbidden`].
pub fn list(api: &ApiUser) -> AppResult<CaseList<'_>> {
    policy::can_list_cases(&api.user).ok_or(AppError::Forbidden)
}

/// Whether the user may record new requests through the API: LA staff (those who may list
/// the LA's cases). The case rules also let parents and professionals make a request; they do
/// it on the pages, which link them to the case they made.
///
/// # Errors
/// [`AppError::Forbidden`] for anyone else.
pub fn may_open_cases(api: &ApiUser) -> AppResult<()> {
    list(api).map(|_| ())
}

/// The case, if the user may see it: 404 if it does not exist, belongs to another LA, or is
/// not theirs to see; 403 for roles that see no personal data.
///
/// # Errors
/// As above, or a store failure.
pub async fn case_for<S: Store>(
    state: &AppState<S>,
    api: &ApiUser,
    id: CaseId,
) -> AppResult<LoadedCase> {
    Ok(view_of(state, api, id).await?.load(&state.store).await?)
}

/// The capability to read the case, for what the user's audience may see of it (its
/// history, a change's answer): as [`case_for`].
///
/// # Errors
/// As [`case_for`].
pub async fn view_of<'a, S: Store>(
    state: &AppState<S>,
    api: &'a ApiUser,
    id: CaseId,
) -> AppResult<policy::CaseView<'a>> {
    // The policy answers "not found" for every case to a role that sees no personal data;
    // the API answers 403 for the whole endpoint instead, as the policy's rule for "a page
    // the role may not use at all" says, so a viewer learns nothing either way.
    if !policy::sees_personal_data(api.user.role()) {
        return Err(AppError::Forbidden);
    }
    policy::can_view_case(&state.store, &api.user, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The capability to work on the case (its documents, the letters a change makes): LA staff
/// of its LA. 403 for roles that see no personal data and for a family or professional who
/// may see the case; 404 for a case the user may not see at all.
///
/// # Errors
/// As above, or a store failure.
pub async fn work_on<'a, S: Store>(
    state: &AppState<S>,
    api: &'a ApiUser,
    id: CaseId,
) -> AppResult<CaseWork<'a>> {
    if !policy::sees_personal_data(api.user.role()) {
        return Err(AppError::Forbidden);
    }
    Ok(policy::can_work_on_case(&state.store, &api.user, id).await?)
}

/// A change to a case that did not happen, as the response it gives: the domain's refusal
/// (422 with its text), a stale version (409), a case not found (404), or a 500.
pub fn case_error(err: CaseError) -> AppError {
    match err {
        CaseError::Refused(refusal) => AppError::Refused(refusal.to_string()),
        CaseError::Store(err) => err.into(),
        CaseError::Unreadable { .. } => AppError::Internal("case_unreadable"),
    }
}

/// Records that the user read a case (its summary, clocks or history).
///
/// # Errors
/// A store failure: the data must then not be sent.
pub async fn audit_view<S: Store>(state: &AppState<S>, api: &ApiUser, id: CaseId) -> AppResult<()> {
    audit::record(
        &state.store,
        &api.user,
        Action::ViewCase,
        Record::Case(id),
        &api.ip,
    )
    .await
}

/// Records that the user read a list of the LA's cases.
///
/// # Errors
/// A store failure: the list must then not be sent.
pub async fn audit_list<S: Store>(state: &AppState<S>, api: &ApiUser) -> AppResult<()> {
    audit::record(
        &state.store,
        &api.user,
        Action::ViewCaseload,
        Record::Caseload,
        &api.ip,
    )
    .await
}

/// Records a change to a case: [`Action::OpenCase`] for a new one, [`Action::CaseCommand`]
/// with the command's name (or `upload_document`, `download_document`) otherwise.
///
/// # Errors
/// A store failure.
pub async fn audit_change<S: Store>(
    state: &AppState<S>,
    api: &ApiUser,
    action: Action,
    id: CaseId,
) -> AppResult<()> {
    audit::record(&state.store, &api.user, action, Record::Case(id), &api.ip).await
}
