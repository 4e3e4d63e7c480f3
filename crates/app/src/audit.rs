//! The audit trail: every read and write of personal data, and
//! signing in and out, is recorded with [`record`] before the page is shown ("Security
//! model"). If the entry cannot be written the request fails: a read that could
//! not be recorded does not happen.
//!
//! Entries hold ids only ([`Record`] cannot carry a name or an email), the user's LA and the
//! client's address. The store chains them by hash (`waymark audit verify`).

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use waymark_store::{CaseId, LaCode, NewAuditEntry, Store, UserId};

use crate::access::CurrentUser;
use crate::error::Result;

/// What was done, as the audit trail names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Opened a new case (a request for an assessment recorded).
    OpenCase,
    /// Imported cases from another system (`waymark import cases`): one entry a batch.
    ImportCases,
    /// Changed a case with a command of the case rules, named as the domain names it
    /// (`"decide_whether_to_assess"`, `"issue_final_plan"`, ...).
    CaseCommand(&'static str),
    /// Signed in (password, and second factor if set up).
    SignIn,
    /// A wrong password or code for an account.
    SignInFailed,
    /// Signed out.
    SignOut,
    /// Signed out of every session.
    SignOutEverywhere,
    /// Changed their own password.
    ChangePassword,
    /// Set up a second factor.
    SetUpTwoFactor,
    /// Removed their second factor.
    RemoveTwoFactor,
    /// Opened a case.
    ViewCase,
    /// Listed the LA's cases (names and dates of birth).
    ViewCaseload,
    /// Listed the LA's unallocated cases and caseworkers' loads, to allocate cases.
    ViewAllocation,
    /// Listed the LA's accounts.
    ViewUsers,
    /// Opened an account.
    ViewUser,
    /// Made an account.
    CreateUser,
    /// Changed an account's role.
    ChangeRole,
    /// Disabled an account.
    DisableUser,
    /// Re-enabled an account.
    EnableUser,
    /// Unlocked an account locked by wrong passwords.
    UnlockUser,
    /// Gave an account a new one-time password.
    ResetPassword,
    /// Searched the audit trail.
    ViewAudit,
    /// Invited someone to Waymark (to a case, or to an organisation's staff).
    Invite,
    /// Accepted an invitation (made their account, or joined with the one they had).
    AcceptInvitation,
    /// Registered an organisation the council works with.
    RegisterOrganisation,
    /// Removed a colleague from their organisation's staff.
    RemoveColleague,
    /// Listed the advice, consultations and reviews asked of their organisation.
    ViewAdviceRequests,
    /// Listed their organisation's staff.
    ViewOrganisation,
    /// Read a message thread on a case (or the list of a case's threads).
    ViewMessages,
    /// Sent a message on a case.
    SendMessage,
    /// Saved what a family wrote on a case (their views, comments on the draft plan) or a
    /// file they added. Autosaves as they type are not entries: the send is.
    SaveContribution,
    /// Sent what a family wrote to the council.
    SendContribution,
}

impl Action {
    /// The action's name in the trail.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::OpenCase => "open_case",
            Action::ImportCases => "import_cases",
            Action::CaseCommand(name) => name,
            Action::SignIn => "sign_in",
            Action::SignInFailed => "sign_in_failed",
            Action::SignOut => "sign_out",
            Action::SignOutEverywhere => "sign_out_everywhere",
            Action::ChangePassword => "change_password",
            Action::SetUpTwoFactor => "set_up_two_factor",
            Action::RemoveTwoFactor => "remove_two_factor",
            Action::ViewCase => "view_case",
            Action::ViewCaseload => "view_caseload",
            Action::ViewAllocation => "view_allocation",
            Action::ViewUsers => "view_users",
            Action::ViewUser => "view_user",
            Action::CreateUser => "create_user",
            Action::ChangeRole => "change_role",
            Action::DisableUser => "disable_user",
            Action::EnableUser => "enable_user",
            Action::UnlockUser => "unlock_user",
            Action::ResetPassword => "reset_password",
            Action::ViewAudit => "view_audit",
            Action::Invite => "invite",
            Action::AcceptInvitation => "accept_invitation",
            Action::RegisterOrganisation => "register_organisation",
            Action::RemoveColleague => "remove_colleague",
            Action::ViewAdviceRequests => "view_advice_requests",
            Action::ViewOrganisation => "view_organisation",
            Action::ViewMessages => "view_messages",
            Action::SendMessage => "send_message",
            Action::SaveContribution => "save_contribution",
            Action::SendContribution => "send_contribution",
        }
    }

    /// The action in plain words, for the audit page. A case command reads as its name in
    /// words ("decide_whether_to_assess" → "Decide whether to assess").
    pub fn label(name: &str) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(match name {
            "open_case" => "Opened the case",
            "import_cases" => "Imported cases",
            "sign_in" => "Signed in",
            "sign_in_failed" => "Wrong password or code",
            "sign_out" => "Signed out",
            "sign_out_everywhere" => "Signed out everywhere",
            "change_password" => "Changed their password",
            "set_up_two_factor" => "Set up two-factor authentication",
            "remove_two_factor" => "Turned off two-factor authentication",
            "view_case" => "Viewed the case",
            "view_caseload" => "Viewed the caseload",
            "view_allocation" => "Viewed the unallocated cases",
            "view_users" => "Viewed the list of users",
            "view_user" => "Viewed a user",
            "create_user" => "Added a user",
            "change_role" => "Changed a user’s role",
            "disable_user" => "Disabled a user",
            "enable_user" => "Re-enabled a user",
            "unlock_user" => "Unlocked a user",
            "reset_password" => "Reset a user’s password",
            "view_audit" => "Searched the audit trail",
            "invite" => "Invited someone",
            "accept_invitation" => "Accepted an invitation",
            "register_organisation" => "Registered an organisation",
            "remove_colleague" => "Removed a colleague",
            "view_advice_requests" => "Viewed the advice asked of them",
            "view_organisation" => "Viewed their organisation’s staff",
            "view_messages" => "Read messages",
            "send_message" => "Sent a message",
            "save_contribution" => "Saved their views or comments",
            "send_contribution" => "Sent their views or comments to the council",
            other => return std::borrow::Cow::Owned(in_words(other)),
        })
    }
}

/// `snake_case` as a sentence: "issue_final_plan" → "Issue final plan".
fn in_words(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The record an action was about: its kind and id, never its contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// A case.
    Case(CaseId),
    /// The LA's list of cases.
    Caseload,
    /// A user account.
    User(UserId),
    /// The LA's list of accounts.
    Users,
    /// A session (signing in and out).
    Session,
    /// The audit trail, optionally for one case.
    AuditTrail(Option<CaseId>),
    /// An invitation, by its number (its case, if any, is the invitation's).
    Invitation(i64, Option<CaseId>),
    /// An organisation, by its number.
    Organisation(i64),
}

impl Record {
    /// The kind of record, as the trail names it.
    pub fn record_type(self) -> &'static str {
        match self {
            Record::Case(_) => "case",
            Record::Caseload => "caseload",
            Record::User(_) | Record::Users => "user",
            Record::Session => "session",
            Record::AuditTrail(_) => "audit",
            Record::Invitation(..) => "invitation",
            Record::Organisation(_) => "organisation",
        }
    }

    /// Which record, if there is one.
    pub fn record_id(self) -> Option<String> {
        match self {
            Record::Case(id) => Some(id.0.to_string()),
            Record::User(id) => Some(id.to_string()),
            Record::Invitation(id, _) | Record::Organisation(id) => Some(id.to_string()),
            _ => None,
        }
    }

    /// The case it concerns, if any.
    pub fn case_id(self) -> Option<CaseId> {
        match self {
            Record::Case(id) => Some(id),
            Record::AuditTrail(case) | Record::Invitation(_, case) => case,
            _ => None,
        }
    }
}

/// The audit entry for `user` (if anyone is signed in) doing `action` to `record` of `la`
/// from `ip` at `at`. A change's entry is written in the change's own transaction
/// ([`crate::cases`]); a read's entry by [`record`] before the data is shown.
pub fn entry(
    user: Option<UserId>,
    la: &LaCode,
    action: Action,
    record: Record,
    ip: Option<IpAddr>,
    at: DateTime<Utc>,
) -> NewAuditEntry {
    NewAuditEntry {
        at,
        user_id: user,
        la: Some(la.clone()),
        action: action.as_str().to_string(),
        record_type: record.record_type().to_string(),
        record_id: record.record_id(),
        case_id: record.case_id(),
        ip: ip.map(|ip| ip.to_string()),
    }
}

/// Records that the signed-in `user` did `action` to `record` from `ip`.
///
/// # Errors
/// [`Error::Store`](crate::Error::Store) if the entry could not be written (the caller must
/// not go on to show or change the data).
pub async fn record<S: Store>(
    store: &S,
    user: &CurrentUser,
    action: Action,
    record: Record,
    ip: Option<IpAddr>,
    at: DateTime<Utc>,
) -> Result<()> {
    record_for(store, Some(user.id()), user.la(), action, record, ip, at).await
}

/// Records an action by a user who is not (yet) signed in: a sign-in, or a failed one.
///
/// # Errors
/// [`Error::Store`](crate::Error::Store) if the entry could not be written.
pub async fn record_for<S: Store>(
    store: &S,
    user: Option<UserId>,
    la: &LaCode,
    action: Action,
    record: Record,
    ip: Option<IpAddr>,
    at: DateTime<Utc>,
) -> Result<()> {
    store
        .append_audit(entry(user, la, action, record, ip, at))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_carry_ids_only() {
        assert_eq!(Record::Case(CaseId(12)).record_id().as_deref(), Some("12"));
        assert_eq!(Record::Case(CaseId(12)).case_id(), Some(CaseId(12)));
        assert_eq!(Record::User(UserId(3)).record_type(), "user");
        assert_eq!(
            Record::AuditTrail(Some(CaseId(4))).case_id(),
            Some(CaseId(4))
        );
        assert_eq!(Record::Session.record_id(), None);
    }

    #[test]
    fn every_action_has_a_label() {
        for action in [
            Action::SignIn,
            Action::ViewCase,
            Action::UnlockUser,
            Action::OpenCase,
            Action::ImportCases,
            Action::ViewAllocation,
            Action::Invite,
            Action::AcceptInvitation,
            Action::RegisterOrganisation,
            Action::RemoveColleague,
            Action::ViewAdviceRequests,
            Action::ViewOrganisation,
            Action::ViewMessages,
            Action::SendMessage,
            Action::SaveContribution,
            Action::SendContribution,
        ] {
            assert_ne!(Action::label(action.as_str()), action.as_str());
        }
        let command = Action::CaseCommand("decide_whether_to_assess");
        assert_eq!(command.as_str(), "decide_whether_to_assess");
        assert_eq!(Action::label(command.as_str()), "Decide whether to assess");
    }
}
