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

use serde_json::Value;

pub use waymark_domain as domain;
pub use waymark_domain::{CaseId, LaCode};

mod backend;
mod batch;
pub mod cases;
mod error;
mod files;
mod migrations;
mod model;
mod pg_tools;
mod postgres;
mod rows;
mod settings;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;

pub use backend::{Backend, connect, restore};
pub use error::{Result, StoreError};
pub use model::{BatchOutcome, CaseSummary, NewCase, NewEvent, StoredCase, StoredEvent};
pub use postgres::PgStore;
pub use settings::Setting;
pub use sqlite::SqliteStore;

/// A case store. Implemented by [`SqliteStore`], [`PgStore`] and [`Backend`] (either of them);
/// the web layer is generic over it.
pub trait Store: Clone + Send + Sync + 'static {
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

    /// Adds settings to the register, or updates those whose URN it has; returns how many
    /// rows were written.
    fn upsert_settings(&self, settings: Vec<Setting>) -> impl Future<Output = Result<u64>> + Send;

    /// The setting with this URN, if the register has it.
    fn find_setting(&self, urn: &str) -> impl Future<Output = Result<Option<Setting>>> + Send;

    /// Every URN in the register, for checking many placements at once (an import).
    fn setting_urns(
        &self,
    ) -> impl Future<Output = Result<std::collections::HashSet<String>>> + Send;
}

/// Converts a count of events to a version number.
fn version_of(events: usize) -> i64 {
    i64::try_from(events).unwrap_or(i64::MAX)
}
