//! Choosing the backend once, from the database URL.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;
use waymark_domain::actor::Role;

use crate::access::CaseAccess;
use crate::audit::{AuditEntry, AuditReport, NewAuditEntry};
use crate::error::{Result, StoreError};
use crate::identity::{ApiToken, ApiTokenId, NewUser, Session, User, UserId};
use crate::model::{BatchOutcome, CaseSummary, NewCase, NewEvent, StoredCase, StoredEvent};
use crate::oidc::OidcLogin;
use crate::postgres::{self, PgStore};
use crate::sqlite::{self, SqliteStore};
use crate::{CaseId, LaCode, Store};

/// Either backend, chosen at run time from the URL by [`connect`]. Implements [`Store`] by
/// delegating to the backend it holds, so callers need not be generic.
#[derive(Debug, Clone)]
pub enum Backend {
    /// `sqlite://PATH`: one file, the embedded default.
    Sqlite(SqliteStore),
    /// `postgres://...` or `postgresql://...`.
    Postgres(PgStore),
}

impl Backend {
    /// Closes every connection (see [`SqliteStore::close`]).
    pub async fn close(&self) {
        match self {
            Backend::Sqlite(store) => store.close().await,
            Backend::Postgres(store) => store.close().await,
        }
    }
}

/// Which backend a URL names.
enum Kind {
    Sqlite,
    Postgres,
}

fn kind_of(url: &str) -> Result<Kind> {
    let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
    match scheme {
        "sqlite" => Ok(Kind::Sqlite),
        "postgres" | "postgresql" => Ok(Kind::Postgres),
        other => Err(StoreError::UnsupportedUrl {
            scheme: other.to_string(),
        }),
    }
}

/// Connects to the database a URL names: `sqlite://PATH` (the file is created if missing) or
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`. Does not migrate: call
/// [`Store::migrate`].
pub async fn connect(url: &str) -> Result<Backend> {
    Ok(match kind_of(url)? {
        Kind::Sqlite => Backend::Sqlite(SqliteStore::connect(url).await?),
        Kind::Postgres => Backend::Postgres(PgStore::connect(url).await?),
    })
}

/// Restores a backup made by [`Store::backup_to`] into the database a URL names.
///
/// Refuses a target that holds cases or events ([`StoreError::NotEmpty`]) unless `force`, in
/// which case its contents are replaced. SQLite: the snapshot is checked
/// (`PRAGMA integrity_check` and the version/event-log check) and then copied into place; no
/// server may have the file open ([`StoreError::InUse`] where that can be detected). PostgreSQL:
/// `pg_restore --clean --if-exists --single-transaction`, then the version/event-log check.
pub async fn restore(url: &str, from: &Path, force: bool) -> Result<()> {
    match kind_of(url)? {
        Kind::Sqlite => sqlite::restore(url, from, force).await,
        Kind::Postgres => postgres::restore(url, from, force).await,
    }
}

/// Calls the same method on whichever backend `self` holds.
macro_rules! delegate {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Backend::Sqlite($store) => $call.await,
            Backend::Postgres($store) => $call.await,
        }
    };
}

impl Store for Backend {
    async fn migrate(&self) -> Result<()> {
        delegate!(self, s => s.migrate())
    }

    async fn ensure_la(&self, la: &LaCode, name: &str) -> Result<()> {
        delegate!(self, s => s.ensure_la(la, name))
    }

    async fn create_case(&self, case: NewCase) -> Result<StoredCase> {
        delegate!(self, s => s.create_case(case))
    }

    async fn create_cases_batch(&self, cases: Vec<NewCase>) -> Result<BatchOutcome> {
        delegate!(self, s => s.create_cases_batch(cases))
    }

    async fn load_case(&self, la: &LaCode, id: CaseId) -> Result<Option<StoredCase>> {
        delegate!(self, s => s.load_case(la, id))
    }

    async fn find_by_reference(&self, la: &LaCode, reference: &str) -> Result<Option<StoredCase>> {
        delegate!(self, s => s.find_by_reference(la, reference))
    }

    async fn append(
        &self,
        la: &LaCode,
        id: CaseId,
        expected_version: i64,
        events: Vec<NewEvent>,
        summary: CaseSummary,
        state: Value,
    ) -> Result<i64> {
        delegate!(self, s => s.append(la, id, expected_version, events, summary, state))
    }

    async fn events(&self, la: &LaCode, id: CaseId) -> Result<Vec<StoredEvent>> {
        delegate!(self, s => s.events(la, id))
    }

    async fn list_cases(&self, la: &LaCode, limit: i64, offset: i64) -> Result<Vec<StoredCase>> {
        delegate!(self, s => s.list_cases(la, limit, offset))
    }

    async fn count_cases(&self, la: &LaCode) -> Result<i64> {
        delegate!(self, s => s.count_cases(la))
    }

    async fn integrity_check(&self) -> Result<()> {
        delegate!(self, s => s.integrity_check())
    }

    async fn backup_to(&self, to: &Path) -> Result<()> {
        delegate!(self, s => s.backup_to(to))
    }

    async fn is_empty(&self) -> Result<bool> {
        delegate!(self, s => s.is_empty())
    }

    async fn add_document(
        &self,
        la: &LaCode,
        document: crate::documents::NewDocument,
    ) -> Result<crate::documents::DocumentInfo> {
        delegate!(self, s => s.add_document(la, document))
    }

    async fn documents(
        &self,
        la: &LaCode,
        case: CaseId,
    ) -> Result<Vec<crate::documents::DocumentInfo>> {
        delegate!(self, s => s.documents(la, case))
    }

    async fn document(
        &self,
        la: &LaCode,
        case: CaseId,
        id: i64,
    ) -> Result<Option<crate::documents::Document>> {
        delegate!(self, s => s.document(la, case, id))
    }

    async fn set_document_scan(&self, id: i64, scan: &str) -> Result<()> {
        delegate!(self, s => s.set_document_scan(id, scan))
    }

    async fn save_plan_draft(
        &self,
        la: &LaCode,
        case: CaseId,
        draft: &crate::documents::PlanDraft,
    ) -> Result<()> {
        delegate!(self, s => s.save_plan_draft(la, case, draft))
    }

    async fn plan_drafts(
        &self,
        la: &LaCode,
        case: CaseId,
    ) -> Result<Vec<crate::documents::PlanDraft>> {
        delegate!(self, s => s.plan_drafts(la, case))
    }

    async fn clear_plan_drafts(&self, la: &LaCode, case: CaseId) -> Result<()> {
        delegate!(self, s => s.clear_plan_drafts(la, case))
    }

    async fn caseworker_loads(&self, la: &LaCode) -> Result<Vec<crate::caseload::CaseworkerLoad>> {
        delegate!(self, s => s.caseworker_loads(la))
    }

    async fn create_organisation(
        &self,
        la: &LaCode,
        kind: &str,
        name: &str,
        urn: Option<&str>,
    ) -> Result<crate::portal::Organisation> {
        delegate!(self, s => s.create_organisation(la, kind, name, urn))
    }

    async fn organisations(&self, la: &LaCode) -> Result<Vec<crate::portal::Organisation>> {
        delegate!(self, s => s.organisations(la))
    }

    async fn add_organisation_member(
        &self,
        organisation: i64,
        user: UserId,
        admin: bool,
    ) -> Result<()> {
        delegate!(self, s => s.add_organisation_member(organisation, user, admin))
    }

    async fn memberships(&self, user: UserId) -> Result<Vec<(crate::portal::Organisation, bool)>> {
        delegate!(self, s => s.memberships(user))
    }

    async fn organisation_members(&self, organisation: i64) -> Result<Vec<(UserId, bool)>> {
        delegate!(self, s => s.organisation_members(organisation))
    }

    async fn create_invitation(&self, invitation: &crate::portal::NewInvitation) -> Result<i64> {
        delegate!(self, s => s.create_invitation(invitation))
    }

    async fn find_invitation(&self, token_hash: &str) -> Result<Option<crate::portal::Invitation>> {
        delegate!(self, s => s.find_invitation(token_hash))
    }

    async fn invitations(&self, la: &LaCode) -> Result<Vec<crate::portal::Invitation>> {
        delegate!(self, s => s.invitations(la))
    }

    async fn accept_invitation(
        &self,
        token_hash: &str,
        acceptance: crate::portal::Acceptance,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<User, crate::portal::InvitationProblem>> {
        delegate!(self, s => s.accept_invitation(token_hash, acceptance, now))
    }

    async fn post_message(&self, la: &LaCode, message: &crate::portal::Message) -> Result<i64> {
        delegate!(self, s => s.post_message(la, message))
    }

    async fn thread(
        &self,
        la: &LaCode,
        case: CaseId,
        participant: UserId,
    ) -> Result<Vec<crate::portal::Message>> {
        delegate!(self, s => s.thread(la, case, participant))
    }

    async fn threads(
        &self,
        la: &LaCode,
        case: CaseId,
    ) -> Result<Vec<crate::portal::ThreadSummary>> {
        delegate!(self, s => s.threads(la, case))
    }

    async fn mark_thread_read(
        &self,
        la: &LaCode,
        case: CaseId,
        participant: UserId,
        by_participant: bool,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        delegate!(self, s => s.mark_thread_read(la, case, participant, by_participant, now))
    }

    async fn save_contribution(
        &self,
        la: &LaCode,
        contribution: &crate::portal::Contribution,
    ) -> Result<()> {
        delegate!(self, s => s.save_contribution(la, contribution))
    }

    async fn contributions(
        &self,
        la: &LaCode,
        case: CaseId,
        kind: &str,
    ) -> Result<Vec<crate::portal::Contribution>> {
        delegate!(self, s => s.contributions(la, case, kind))
    }

    async fn case_participants(&self, la: &LaCode, case: CaseId) -> Result<Vec<CaseAccess>> {
        delegate!(self, s => s.case_participants(la, case))
    }

    async fn enqueue_notification(
        &self,
        notification: &crate::outbox::NewNotification,
    ) -> Result<bool> {
        delegate!(self, s => s.enqueue_notification(notification))
    }

    async fn claim_notifications(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: i64,
    ) -> Result<Vec<crate::outbox::Notification>> {
        delegate!(self, s => s.claim_notifications(now, lease, limit))
    }

    async fn mark_notification_sent(
        &self,
        id: i64,
        now: DateTime<Utc>,
        provider_reference: Option<&str>,
    ) -> Result<()> {
        delegate!(self, s => s.mark_notification_sent(id, now, provider_reference))
    }

    async fn mark_notification_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<()> {
        delegate!(self, s => s.mark_notification_failed(id, error, next_attempt_at))
    }

    async fn notifications(&self, limit: i64) -> Result<Vec<crate::outbox::Notification>> {
        delegate!(self, s => s.notifications(limit))
    }

    async fn kpi_facts(
        &self,
        la: Option<&LaCode>,
        after: CaseId,
        limit: i64,
    ) -> Result<Vec<(CaseId, LaCode, waymark_domain::kpi::KpiFacts)>> {
        delegate!(self, s => s.kpi_facts(la, after, limit))
    }

    async fn kpi_open_facts(
        &self,
        la: &LaCode,
        on: chrono::NaiveDate,
        after: CaseId,
        limit: i64,
    ) -> Result<Vec<(CaseId, waymark_domain::kpi::KpiFacts)>> {
        delegate!(self, s => s.kpi_open_facts(la, on, after, limit))
    }

    async fn flow_counts(
        &self,
        la: Option<&LaCode>,
        months: (chrono::NaiveDate, chrono::NaiveDate),
        grouping: crate::flows::FlowGrouping,
        only: &[waymark_domain::kpi::Flow],
    ) -> Result<Vec<crate::flows::FlowCount>> {
        delegate!(self, s => s.flow_counts(la, months, grouping, only))
    }

    async fn rebuild_flow_counts(&self) -> Result<()> {
        delegate!(self, s => s.rebuild_flow_counts())
    }

    async fn caseload(
        &self,
        la: &LaCode,
        query: &crate::caseload::CaseloadQuery,
    ) -> Result<crate::caseload::CaseloadPage> {
        delegate!(self, s => s.caseload(la, query))
    }

    async fn upsert_settings(&self, settings: Vec<crate::Setting>) -> Result<u64> {
        delegate!(self, s => s.upsert_settings(settings))
    }

    async fn find_setting(&self, urn: &str) -> Result<Option<crate::Setting>> {
        delegate!(self, s => s.find_setting(urn))
    }

    async fn setting_urns(&self) -> Result<std::collections::HashSet<String>> {
        delegate!(self, s => s.setting_urns())
    }

    async fn create_user(&self, user: NewUser) -> Result<User> {
        delegate!(self, s => s.create_user(user))
    }

    async fn find_user(&self, id: UserId) -> Result<Option<User>> {
        delegate!(self, s => s.find_user(id))
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        delegate!(self, s => s.find_user_by_email(email))
    }

    async fn list_users(&self, la: &LaCode) -> Result<Vec<User>> {
        delegate!(self, s => s.list_users(la))
    }

    async fn set_password(&self, id: UserId, password_hash: &str) -> Result<()> {
        delegate!(self, s => s.set_password(id, password_hash))
    }

    async fn set_totp_secret(&self, id: UserId, secret: Option<&str>) -> Result<()> {
        delegate!(self, s => s.set_totp_secret(id, secret))
    }

    async fn set_role(&self, id: UserId, role: Role) -> Result<()> {
        delegate!(self, s => s.set_role(id, role))
    }

    async fn set_disabled(&self, id: UserId, disabled: bool) -> Result<()> {
        delegate!(self, s => s.set_disabled(id, disabled))
    }

    async fn record_failed_sign_in(
        &self,
        id: UserId,
        now: DateTime<Utc>,
        lock_after: i32,
        lock_for: chrono::Duration,
    ) -> Result<User> {
        delegate!(self, s => s.record_failed_sign_in(id, now, lock_after, lock_for))
    }

    async fn clear_failed_sign_ins(&self, id: UserId) -> Result<()> {
        delegate!(self, s => s.clear_failed_sign_ins(id))
    }

    async fn count_and_record_hit(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: chrono::Duration,
    ) -> Result<i64> {
        delegate!(self, s => s.count_and_record_hit(key, now, window))
    }

    async fn prune_rate_limit_hits(&self, before: DateTime<Utc>) -> Result<u64> {
        delegate!(self, s => s.prune_rate_limit_hits(before))
    }

    async fn create_session(&self, session: Session) -> Result<()> {
        delegate!(self, s => s.create_session(session))
    }

    async fn find_session(&self, token_hash: &str) -> Result<Option<Session>> {
        delegate!(self, s => s.find_session(token_hash))
    }

    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        delegate!(self, s => s.touch_session(token_hash, now))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        delegate!(self, s => s.delete_session(token_hash))
    }

    async fn delete_sessions_for_user(&self, id: UserId) -> Result<u64> {
        delegate!(self, s => s.delete_sessions_for_user(id))
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        delegate!(self, s => s.delete_expired_sessions(now))
    }

    async fn create_api_token(
        &self,
        user: UserId,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<ApiToken> {
        delegate!(self, s => s.create_api_token(user, name, token_hash, now))
    }

    async fn find_api_token(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>> {
        delegate!(self, s => s.find_api_token(token_hash))
    }

    async fn touch_api_token(&self, id: ApiTokenId, now: DateTime<Utc>) -> Result<()> {
        delegate!(self, s => s.touch_api_token(id, now))
    }

    async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        delegate!(self, s => s.list_api_tokens(user))
    }

    async fn revoke_api_token(
        &self,
        id: ApiTokenId,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        delegate!(self, s => s.revoke_api_token(id, user, now))
    }

    async fn grant_case_access(
        &self,
        user: UserId,
        case: CaseId,
        la: &LaCode,
        relation: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        delegate!(self, s => s.grant_case_access(user, case, la, relation, now))
    }

    async fn close_case_access(
        &self,
        user: UserId,
        case: CaseId,
        relation: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        delegate!(self, s => s.close_case_access(user, case, relation, now))
    }

    async fn open_case_access(&self, user: UserId, case: CaseId) -> Result<Vec<CaseAccess>> {
        delegate!(self, s => s.open_case_access(user, case))
    }

    async fn cases_for_user(&self, user: UserId) -> Result<Vec<CaseId>> {
        delegate!(self, s => s.cases_for_user(user))
    }

    async fn append_audit(&self, entry: NewAuditEntry) -> Result<()> {
        delegate!(self, s => s.append_audit(entry))
    }

    async fn verify_audit(&self) -> Result<AuditReport> {
        delegate!(self, s => s.verify_audit())
    }

    async fn search_audit(
        &self,
        la: &LaCode,
        case: Option<CaseId>,
        user: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        delegate!(self, s => s.search_audit(la, case, user, limit))
    }

    async fn create_oidc_login(&self, login: &OidcLogin) -> Result<()> {
        delegate!(self, s => s.create_oidc_login(login))
    }

    async fn take_oidc_login(
        &self,
        state_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<OidcLogin>> {
        delegate!(self, s => s.take_oidc_login(state_hash, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_url_names_the_scheme_but_not_the_password() {
        let Err(err) = kind_of("mysql://admin:hunter2@db/waymark") else {
            panic!("mysql URL accepted");
        };
        let message = err.to_string();
        assert!(message.contains("'mysql'"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}
