//! Waymark's persistence: a generic event-sourced case store on SQLite (embedded default, one
//! file) or PostgreSQL (scale), behind one interface, the [`Store`] trait.
//!
//! The store keeps, per case, a row of summary columns, a JSON state blob and a version, plus an
//! append-only event log; both are written in one transaction with optimistic concurrency (a
//! write names the version it was based on and is refused with [`StoreError::Conflict`] if the
//! case has moved on). It knows nothing of the case rules: the domain decides which events
//! happen and what the state becomes. Every method that touches a case is scoped by the local
//! authority ([`LaCode`]): a case of another LA is simply not found.
//!
//! Pick the backend once from the URL with [`connect`]; code that uses the store is generic over
//! `S: Store`, or uses the [`Backend`] enum, which implements [`Store`] by delegation. See
//! `docs/storage.md` for URLs, migrations, backup and restore.
#![forbid(unsafe_code)]

use std::future::Future;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;
use waymark_domain::actor::Role;

pub use waymark_domain as domain;
pub use waymark_domain::{CaseId, LaCode};

mod access;
mod audit;
mod backend;
mod batch;
mod case_methods;
pub mod caseload;
pub mod cases;
pub mod change;
pub mod documents;
mod error;
mod files;
pub mod flows;
mod identity;
pub mod kpi;
mod migrations;
mod model;
mod oidc;
pub mod outbox;
mod pg_tools;
pub mod portal;
mod postgres;
mod rows;
mod settings;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;

pub use access::CaseAccess;
pub use audit::{AuditEntry, AuditReport, BrokenRow, NewAuditEntry};
pub use backend::{Backend, connect, restore};
pub use change::{CaseChange, ChangeStore, Effects};
pub use error::{Result, StoreError};
pub use identity::{
    ApiToken, ApiTokenId, NewUser, ROLES, Session, User, UserId, role_from_name, role_name,
};
pub use model::{BatchOutcome, CaseSummary, NewCase, NewEvent, StoredCase, StoredEvent};
pub use oidc::{OIDC_LOGIN_EXPIRY, OidcLogin};
pub use postgres::PgStore;
pub use settings::Setting;
pub use sqlite::SqliteStore;

/// A case store. Implemented by [`SqliteStore`], [`PgStore`] and [`Backend`] (either of them);
/// the web layer is generic over it.
pub trait Store: ChangeStore + Clone + Send + Sync + 'static {
    /// Brings the schema up to date with the migrations embedded in this binary
    /// (`crates/store/migrations/{sqlite,postgres}/`).
    fn migrate(&self) -> impl Future<Output = Result<()>> + Send;

    /// Registers a local authority (tenant), or renames it if it exists. Cases can only be
    /// created for a registered LA.
    fn ensure_la(&self, la: &LaCode, name: &str) -> impl Future<Output = Result<()>> + Send;

    /// Creates a case with its first events, numbered 1..=n; its version is n.
    ///
    /// Refused with [`StoreError::DuplicateReference`] if the LA already has a case with the
    /// reference, and [`StoreError::UnknownLa`] if the LA is not registered.
    fn create_case(&self, case: NewCase) -> impl Future<Output = Result<StoredCase>> + Send;

    /// Creates many cases in one transaction, skipping (and counting) those whose reference the
    /// LA already has, so an interrupted import can be run again without duplicating cases.
    fn create_cases_batch(
        &self,
        cases: Vec<NewCase>,
    ) -> impl Future<Output = Result<BatchOutcome>> + Send;

    /// The case with this id in this LA, if there is one.
    fn load_case(
        &self,
        la: &LaCode,
        id: CaseId,
    ) -> impl Future<Output = Result<Option<StoredCase>>> + Send;

    /// The case with this reference in this LA, if there is one.
    fn find_by_reference(
        &self,
        la: &LaCode,
        reference: &str,
    ) -> impl Future<Output = Result<Option<StoredCase>>> + Send;

    /// Appends events to a case and replaces its summary and state, if the case is still at
    /// `expected_version`; returns the new version (`expected_version + events.len()`).
    ///
    /// Refused, writing nothing, with [`StoreError::Conflict`] if the case has another version,
    /// [`StoreError::NotFound`] if the LA has no such case, and [`StoreError::NoEvents`] if
    /// `events` is empty.
    fn append(
        &self,
        la: &LaCode,
        id: CaseId,
        expected_version: i64,
        events: Vec<NewEvent>,
        summary: CaseSummary,
        state: Value,
    ) -> impl Future<Output = Result<i64>> + Send;

    /// A case's events in order (`seq` 1..=version); [`StoreError::NotFound`] if the LA has no
    /// such case.
    fn events(
        &self,
        la: &LaCode,
        id: CaseId,
    ) -> impl Future<Output = Result<Vec<StoredEvent>>> + Send;

    /// A page of an LA's cases, in the order they were created.
    fn list_cases(
        &self,
        la: &LaCode,
        limit: i64,
        offset: i64,
    ) -> impl Future<Output = Result<Vec<StoredCase>>> + Send;

    /// How many cases an LA has.
    fn count_cases(&self, la: &LaCode) -> impl Future<Output = Result<i64>> + Send;

    /// Checks the database: on SQLite its file structure (`PRAGMA integrity_check`) and foreign
    /// keys; on both backends that every case's version equals the number of its events,
    /// numbered 1..=version. Reports the first problem found.
    fn integrity_check(&self) -> impl Future<Output = Result<()>> + Send;

    /// Writes a consistent snapshot of the whole database to a new file while writers carry on
    /// (SQLite: `VACUUM INTO`; PostgreSQL: `pg_dump --format=custom`). Refuses to overwrite an
    /// existing file. Restore it with [`restore`].
    fn backup_to(&self, to: &Path) -> impl Future<Output = Result<()>> + Send;

    /// Whether the database holds no cases and no events.
    fn is_empty(&self) -> impl Future<Output = Result<bool>> + Send;

    /// A page of an LA's caseload, filtered, searched and sorted by the summary columns.
    fn caseload(
        &self,
        la: &LaCode,
        query: &caseload::CaseloadQuery,
    ) -> impl Future<Output = Result<caseload::CaseloadPage>> + Send;

    /// What the figures need about each case (`domain::kpi::KpiFacts`), for one LA or all,
    /// from the summary columns alone: up to `limit` cases with ids after `after`, in id
    /// order (page on by passing the last id back).
    fn kpi_facts(
        &self,
        la: Option<&LaCode>,
        after: CaseId,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<(CaseId, LaCode, waymark_domain::kpi::KpiFacts)>>> + Send;

    /// Flow counts (`domain::kpi::Flow`) summed over the months from `months.0` to
    /// `months.1` (first days of months, both included), for one LA or every LA, grouped by
    /// LA or by month ([`flows::FlowGrouping`]), of the flows in `only` (every flow when it
    /// is empty), in no particular order. Kept in step with every case write.
    fn flow_counts(
        &self,
        la: Option<&LaCode>,
        months: (chrono::NaiveDate, chrono::NaiveDate),
        grouping: flows::FlowGrouping,
        only: &[waymark_domain::kpi::Flow],
    ) -> impl Future<Output = Result<Vec<flows::FlowCount>>> + Send;

    /// Counts every case's flows again from the summary columns, replacing the counts kept
    /// (after a migration added them, or to repair them).
    fn rebuild_flow_counts(&self) -> impl Future<Output = Result<()>> + Send;

    /// The facts of an LA's cases that may be open on `on` (received by then and not closed
    /// before it), without review flows: what the figures "on the last day" of a period need
    /// (backlog, plans maintained, caseloads), read from an index that holds them. Paged by
    /// id like [`Store::kpi_facts`].
    fn kpi_open_facts(
        &self,
        la: &LaCode,
        on: chrono::NaiveDate,
        after: CaseId,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<(CaseId, waymark_domain::kpi::KpiFacts)>>> + Send;

    // Documents and plan drafts (see [`documents`]), and caseload sizes (see [`caseload`]).

    /// Stores a document as the next version of its kind and title on the case.
    /// [`StoreError::NotFound`] if the case is not one of the LA's.
    fn add_document(
        &self,
        la: &LaCode,
        document: documents::NewDocument,
    ) -> impl Future<Output = Result<documents::DocumentInfo>> + Send;

    /// A case's documents, oldest first, without their bytes.
    fn documents(
        &self,
        la: &LaCode,
        case: CaseId,
    ) -> impl Future<Output = Result<Vec<documents::DocumentInfo>>> + Send;

    /// One document of a case with its bytes, if the case is the LA's and has it.
    fn document(
        &self,
        la: &LaCode,
        case: CaseId,
        id: i64,
    ) -> impl Future<Output = Result<Option<documents::Document>>> + Send;

    /// Records the virus scan's verdict on a document.
    fn set_document_scan(&self, id: i64, scan: &str) -> impl Future<Output = Result<()>> + Send;

    /// Saves the text of a plan section as typed (replacing what was saved before).
    fn save_plan_draft(
        &self,
        la: &LaCode,
        case: CaseId,
        draft: &documents::PlanDraft,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The plan sections typed but not yet saved as a version.
    fn plan_drafts(
        &self,
        la: &LaCode,
        case: CaseId,
    ) -> impl Future<Output = Result<Vec<documents::PlanDraft>>> + Send;

    /// Forgets the typed sections (once they are saved as a version of the plan).
    fn clear_plan_drafts(
        &self,
        la: &LaCode,
        case: CaseId,
    ) -> impl Future<Output = Result<()>> + Send;

    /// How many open cases each caseworker holds at each stage.
    fn caseworker_loads(
        &self,
        la: &LaCode,
    ) -> impl Future<Output = Result<Vec<caseload::CaseworkerLoad>>> + Send;

    // The multi-agency portal (see [`portal`]).

    /// Registers an organisation the council works with.
    fn create_organisation(
        &self,
        la: &LaCode,
        kind: &str,
        name: &str,
        urn: Option<&str>,
    ) -> impl Future<Output = Result<portal::Organisation>> + Send;

    /// An LA's organisations, by name.
    fn organisations(
        &self,
        la: &LaCode,
    ) -> impl Future<Output = Result<Vec<portal::Organisation>>> + Send;

    /// Adds a user to an organisation's staff (or changes whether they are its admin).
    fn add_organisation_member(
        &self,
        organisation: i64,
        user: UserId,
        admin: bool,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The organisations a user works for, and whether they are its admin.
    fn memberships(
        &self,
        user: UserId,
    ) -> impl Future<Output = Result<Vec<(portal::Organisation, bool)>>> + Send;

    /// An organisation's staff, and which are its admins.
    fn organisation_members(
        &self,
        organisation: i64,
    ) -> impl Future<Output = Result<Vec<(UserId, bool)>>> + Send;

    /// Stores an invitation. [`StoreError::NotFound`] if its case is not one of the LA's.
    fn create_invitation(
        &self,
        invitation: &portal::NewInvitation,
    ) -> impl Future<Output = Result<i64>> + Send;

    /// The invitation with this token hash.
    fn find_invitation(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<portal::Invitation>>> + Send;

    /// An LA's invitations, newest first.
    fn invitations(
        &self,
        la: &LaCode,
    ) -> impl Future<Output = Result<Vec<portal::Invitation>>> + Send;

    /// Uses an invitation, once: in one transaction, marks it used, makes the account (or
    /// takes the signed-in one), joins the organisation and opens the access to the case.
    /// `Ok(Err(problem))` if it is unknown, used or expired: nothing is changed.
    fn accept_invitation(
        &self,
        token_hash: &str,
        acceptance: portal::Acceptance,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<std::result::Result<User, portal::InvitationProblem>>> + Send;

    /// Adds a message to a case's thread with a participant; returns its number.
    fn post_message(
        &self,
        la: &LaCode,
        message: &portal::Message,
    ) -> impl Future<Output = Result<i64>> + Send;

    /// A thread, oldest first.
    fn thread(
        &self,
        la: &LaCode,
        case: CaseId,
        participant: UserId,
    ) -> impl Future<Output = Result<Vec<portal::Message>>> + Send;

    /// A case's threads, most recent first.
    fn threads(
        &self,
        la: &LaCode,
        case: CaseId,
    ) -> impl Future<Output = Result<Vec<portal::ThreadSummary>>> + Send;

    /// Marks the other side's messages in a thread as read; returns how many.
    fn mark_thread_read(
        &self,
        la: &LaCode,
        case: CaseId,
        participant: UserId,
        by_participant: bool,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<u64>> + Send;

    /// Saves what someone is writing on a case (replacing what was saved of that part).
    fn save_contribution(
        &self,
        la: &LaCode,
        contribution: &portal::Contribution,
    ) -> impl Future<Output = Result<()>> + Send;

    /// What has been written on a case of one kind, by everyone.
    fn contributions(
        &self,
        la: &LaCode,
        case: CaseId,
        kind: &str,
    ) -> impl Future<Output = Result<Vec<portal::Contribution>>> + Send;

    /// Who outside the council may see a case now (open parent, advice and named access).
    fn case_participants(
        &self,
        la: &LaCode,
        case: CaseId,
    ) -> impl Future<Output = Result<Vec<CaseAccess>>> + Send;

    /// Queues a notification; `false` if its idempotency key was queued before.
    fn enqueue_notification(
        &self,
        notification: &outbox::NewNotification,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Claims up to `limit` notifications due at `now` for `lease` (no other worker gets
    /// them until it ends), counting an attempt on each.
    fn claim_notifications(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<outbox::Notification>>> + Send;

    /// Records a notification as sent.
    fn mark_notification_sent(
        &self,
        id: i64,
        now: DateTime<Utc>,
        provider_reference: Option<&str>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Records a failed attempt and when to try again.
    fn mark_notification_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The latest notifications, newest first.
    fn notifications(
        &self,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<outbox::Notification>>> + Send;

    /// Adds settings to the register, or updates those whose URN it has; returns how many
    /// rows were written.
    fn upsert_settings(&self, settings: Vec<Setting>) -> impl Future<Output = Result<u64>> + Send;

    /// The setting with this URN, if the register has it.
    fn find_setting(&self, urn: &str) -> impl Future<Output = Result<Option<Setting>>> + Send;

    /// Every URN in the register, for checking many placements at once (an import).
    fn setting_urns(
        &self,
    ) -> impl Future<Output = Result<std::collections::HashSet<String>>> + Send;

    // Accounts.

    /// Creates a user account; the email is stored trimmed and lower-cased.
    ///
    /// Refused with [`StoreError::DuplicateEmail`] if another account has the address (in any
    /// case), and [`StoreError::UnknownLa`] if the LA is not registered.
    fn create_user(&self, user: NewUser) -> impl Future<Output = Result<User>> + Send;

    /// The user with this id, if there is one.
    fn find_user(&self, id: UserId) -> impl Future<Output = Result<Option<User>>> + Send;

    /// The user with this email address, compared case-insensitively, if there is one.
    fn find_user_by_email(&self, email: &str) -> impl Future<Output = Result<Option<User>>> + Send;

    /// An LA's users, in the order they were created.
    fn list_users(&self, la: &LaCode) -> impl Future<Output = Result<Vec<User>>> + Send;

    /// Replaces a user's password hash (an Argon2id PHC string).
    /// [`StoreError::UserNotFound`] if there is no such user.
    fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Sets up (`Some`) or removes (`None`) a user's TOTP second factor.
    fn set_totp_secret(
        &self,
        id: UserId,
        secret: Option<&str>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Changes a user's role.
    fn set_role(&self, id: UserId, role: Role) -> impl Future<Output = Result<()>> + Send;

    /// Disables or re-enables an account. Disabling also deletes the user's sessions (signs
    /// them out everywhere), in the same transaction; a disabled user's API tokens stop working.
    fn set_disabled(&self, id: UserId, disabled: bool) -> impl Future<Output = Result<()>> + Send;

    /// Counts a failed sign-in and returns the user as it now is. In one statement, so
    /// concurrent failures all count: when the count reaches `lock_after` (and at every failure
    /// after that, until [`Store::clear_failed_sign_ins`]), sign-in is locked until
    /// `now + lock_for`.
    fn record_failed_sign_in(
        &self,
        id: UserId,
        now: DateTime<Utc>,
        lock_after: i32,
        lock_for: chrono::Duration,
    ) -> impl Future<Output = Result<User>> + Send;

    /// Resets the failed sign-in count and any lock (after a successful sign-in, or an admin
    /// unlocking the account).
    fn clear_failed_sign_ins(&self, id: UserId) -> impl Future<Output = Result<()>> + Send;

    // Rate limiting, shared by every instance on the database.

    /// Records a hit on `key` (e.g. `"signin:ip:192.0.2.1"`, `"signin:user:7"`) at `now` and
    /// returns how many hits the key has had in the `window` up to `now`, this one included.
    /// Hits on the key older than the window are deleted. Concurrent hits on one key are
    /// serialised, so each sees a different count.
    fn count_and_record_hit(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: chrono::Duration,
    ) -> impl Future<Output = Result<i64>> + Send;

    /// Deletes every key's hits from before `before` (housekeeping for keys that are never hit
    /// again); returns how many were deleted.
    fn prune_rate_limit_hits(
        &self,
        before: DateTime<Utc>,
    ) -> impl Future<Output = Result<u64>> + Send;

    // Sessions (only a SHA-256 hash of each token is stored).

    /// Stores a new session. [`StoreError::UserNotFound`] if the user does not exist.
    fn create_session(&self, session: Session) -> impl Future<Output = Result<()>> + Send;

    /// The session with this token hash, if there is one. Expired sessions are returned too
    /// until [`Store::delete_expired_sessions`] removes them: the caller checks `expires_at`
    /// and the idle timeout against `last_seen_at`.
    fn find_session(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<Session>>> + Send;

    /// Records activity on a session (for the idle timeout).
    fn touch_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Deletes one session (sign out). Deleting a session that is not there is not an error.
    fn delete_session(&self, token_hash: &str) -> impl Future<Output = Result<()>> + Send;

    /// Deletes every session of a user ("sign out everywhere"); returns how many there were.
    fn delete_sessions_for_user(&self, id: UserId) -> impl Future<Output = Result<u64>> + Send;

    /// Deletes sessions whose absolute timeout is at or before `now`; returns how many.
    fn delete_expired_sessions(
        &self,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<u64>> + Send;

    // API tokens (personal access tokens; only a SHA-256 hash of each is stored).

    /// Stores a new API token for a user. [`StoreError::UserNotFound`] if there is no such user.
    fn create_api_token(
        &self,
        user: UserId,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<ApiToken>> + Send;

    /// The token with this hash and its user, if the token is not revoked and the user not
    /// disabled.
    fn find_api_token(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<(ApiToken, User)>>> + Send;

    /// Records that a token was used.
    fn touch_api_token(
        &self,
        id: ApiTokenId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// A user's tokens, revoked ones included, oldest first.
    fn list_api_tokens(&self, user: UserId) -> impl Future<Output = Result<Vec<ApiToken>>> + Send;

    /// Revokes one of a user's tokens; `false` if the user has no such unrevoked token (a
    /// token of another user is never revoked).
    fn revoke_api_token(
        &self,
        id: ApiTokenId,
        user: UserId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool>> + Send;

    // Relationship access: why a professional or parent may see a case.

    /// Opens access to a case for a user, for a relation ([`CaseAccess::PARENT`],
    /// [`CaseAccess::ADVICE`], [`CaseAccess::NAMED`]). Granting a relation that is already
    /// open does nothing. [`StoreError::NotFound`] if the LA has no such case,
    /// [`StoreError::UserNotFound`], [`StoreError::UnknownRelation`].
    fn grant_case_access(
        &self,
        user: UserId,
        case: CaseId,
        la: &LaCode,
        relation: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Closes a user's open access to a case for one relation (the advice was given, the
    /// school is no longer named); `false` if it was not open. The row is kept as history.
    fn close_case_access(
        &self,
        user: UserId,
        case: CaseId,
        relation: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// A user's open access to one case, one entry per open relation (empty: no access).
    fn open_case_access(
        &self,
        user: UserId,
        case: CaseId,
    ) -> impl Future<Output = Result<Vec<CaseAccess>>> + Send;

    /// The cases a user has any open access to, in id order.
    fn cases_for_user(&self, user: UserId) -> impl Future<Output = Result<Vec<CaseId>>> + Send;

    // The audit trail.

    /// Appends an entry to the hash-chained audit trail, in one transaction serialised across
    /// writers and instances, updating the recorded end of the trail with it.
    fn append_audit(&self, entry: NewAuditEntry) -> impl Future<Output = Result<()>> + Send;

    /// Walks the whole audit trail in order (a page at a time, in one snapshot) and reports
    /// the first row that was changed, removed, inserted or reordered, if any.
    fn verify_audit(&self) -> impl Future<Output = Result<AuditReport>> + Send;

    /// An LA's audit entries, newest first, optionally only those about one case ("who looked
    /// at this case") and/or by one user; at most `limit`.
    fn search_audit(
        &self,
        la: &LaCode,
        case: Option<CaseId>,
        user: Option<UserId>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<AuditEntry>>> + Send;

    // Single sign-on logins in progress (see the `oidc` module).

    /// Stores a login started with the identity provider, and deletes logins that have
    /// expired by its `created_at` ([`OIDC_LOGIN_EXPIRY`]).
    fn create_oidc_login(&self, login: &OidcLogin) -> impl Future<Output = Result<()>> + Send;

    /// Takes (returns and deletes) the login whose state has this hash, if there is one and it
    /// was started within [`OIDC_LOGIN_EXPIRY`] before `now`. A login can be taken once: a
    /// replayed or expired state finds nothing. Expired logins are deleted too.
    fn take_oidc_login(
        &self,
        state_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<OidcLogin>>> + Send;
}

/// Converts a count of events to a version number.
fn version_of(events: usize) -> i64 {
    i64::try_from(events).unwrap_or(i64::MAX)
}
