//! Looking after the database itself: its schema, its tenants (local authorities), checks and
//! backups: what `waymark migrate`, `check` and `backup` do. Unlike the other store traits,
//! each backend writes these methods itself (`sqlite.rs`, `postgres.rs`): a backup, a check
//! and the migrations are different work on each.

use std::path::Path;

use crate::LaCode;
use crate::error::Result;

crate::backend::store_trait! {
    /// The database's schema, tenants, checks and backups. See `docs/storage.md`.
    pub trait AdminStore {
        /// Brings the schema up to date with the migrations embedded in this binary
        /// (`crates/store/migrations/{sqlite,postgres}/`).
        async fn migrate(&self) -> Result<()>;

        /// Registers a local authority (tenant), or renames it if it exists. Cases can only be
        /// created for a registered LA.
        async fn ensure_la(&self, la: &LaCode, name: &str) -> Result<()>;

        /// Checks the database: on SQLite its file structure (`PRAGMA integrity_check`) and
        /// foreign keys; on both backends that every case's version equals the number of its
        /// events, numbered 1..=version. Reports the first problem found.
        async fn integrity_check(&self) -> Result<()>;

        /// Writes a consistent snapshot of the whole database to a new file while writers
        /// carry on (SQLite: `VACUUM INTO`; PostgreSQL: `pg_dump --format=custom`). Refuses to
        /// overwrite an existing file. Restore it with [`restore`](crate::restore).
        async fn backup_to(&self, to: &Path) -> Result<()>;

        /// Whether the database holds no cases and no events.
        async fn is_empty(&self) -> Result<bool>;
    }
}
