//! Waymark's persistence: a generic event-sourced case store on SQLite (embedded default, one
//! file) or PostgreSQL (scale), behind one interface, [`Store`].
//!
//! The store keeps, per case, a row of summary columns, a JSON state blob and a version, plus an
//! append-only event log; both are written in one transaction with optimistic concurrency (a
//! write names the version it was based on and is refused with [`StoreError::Conflict`] if the
//! case has moved on). It knows nothing of the case rules: the domain decides which events
//! happen and what the state becomes. Every method that touches a case is scoped by the local
//! authority ([`LaCode`]): a case of another LA is simply not found.
//!
//! The interface is one trait per capability, each in its module beside its types and its
//! SQL: [`AdminStore`] (schema, tenants, checks, backup), [`CaseStore`] (cases and their event
//! log), [`ChangeStore`] (a change to a case with its audit entry, documents and notifications,
//! in one transaction), [`CaseloadStore`] (caseload lists and sizes), [`KpiStore`] (KPI facts
//! and flow counts), [`DocumentStore`] (documents and plan drafts), [`PortalStore`]
//! (organisations, invitations, messages, contributions), [`OutboxStore`] (notifications to
//! send), [`SettingStore`] (the register of schools and settings), [`IdentityStore`]
//! (accounts, rate limits, sessions, API tokens), [`AccessStore`] (who outside the council may
//! see a case), [`AuditStore`] (the audit trail) and [`OidcStore`] (single sign-on logins in
//! progress). [`Store`] is all of them together.
//!
//! Pick the backend once from the URL with [`connect`]; code that uses the store is generic over
//! `S: Store` (or over the capabilities it needs), or uses the [`Backend`] enum, which
//! implements every store trait by delegation. Calling methods on a concrete store needs the
//! traits in scope: `use waymark_store::prelude::*;`. See `docs/storage.md` for URLs,
//! migrations, backup and restore.
#![forbid(unsafe_code)]

pub use waymark_domain as domain;
pub use waymark_domain::{CaseId, LaCode};

mod access;
mod admin;
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

pub use access::{AccessStore, CaseAccess};
pub use admin::AdminStore;
pub use audit::{AuditEntry, AuditReport, AuditStore, BrokenRow, NewAuditEntry};
pub use backend::{Backend, connect, restore};
pub use case_methods::CaseStore;
pub use caseload::CaseloadStore;
pub use change::{CaseChange, ChangeStore, Effects};
pub use documents::DocumentStore;
pub use error::{Result, StoreError};
pub use identity::{
    ApiToken, ApiTokenId, IdentityStore, NewUser, ROLES, Session, User, UserId, role_from_name,
    role_name,
};
pub use kpi::KpiStore;
pub use model::{BatchOutcome, CaseSummary, NewCase, NewEvent, StoredCase, StoredEvent};
pub use oidc::{OIDC_LOGIN_EXPIRY, OidcLogin, OidcStore};
pub use outbox::OutboxStore;
pub use portal::PortalStore;
pub use postgres::PgStore;
pub use settings::{Setting, SettingStore};
pub use sqlite::SqliteStore;

/// The whole store: every capability. Implemented by [`SqliteStore`], [`PgStore`] and
/// [`Backend`] (either of them), and by anything else that implements every capability; the
/// web layer is generic over it. A bound `S: Store` brings every capability's methods with it.
pub trait Store:
    AdminStore
    + CaseStore
    + ChangeStore
    + CaseloadStore
    + KpiStore
    + DocumentStore
    + PortalStore
    + OutboxStore
    + SettingStore
    + IdentityStore
    + AccessStore
    + AuditStore
    + OidcStore
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> Store for S where
    S: AdminStore
        + CaseStore
        + ChangeStore
        + CaseloadStore
        + KpiStore
        + DocumentStore
        + PortalStore
        + OutboxStore
        + SettingStore
        + IdentityStore
        + AccessStore
        + AuditStore
        + OidcStore
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// Every store trait, for code that calls the store's methods on a concrete store
/// ([`Backend`], [`SqliteStore`], [`PgStore`]): `use waymark_store::prelude::*;`. Code generic
/// over `S: Store` needs none of them.
pub mod prelude {
    pub use crate::{
        AccessStore, AdminStore, AuditStore, CaseStore, CaseloadStore, ChangeStore, DocumentStore,
        IdentityStore, KpiStore, OidcStore, OutboxStore, PortalStore, SettingStore, Store,
    };
}
/// Converts a count of events to a version number.
fn version_of(events: usize) -> i64 {
    i64::try_from(events).unwrap_or(i64::MAX)
}
