//! The PostgreSQL backend, for many LAs or several `waymark serve` instances.
//!
//! Concurrent appends to one case serialise on the case's row lock: the second `UPDATE ...
//! WHERE version = $expected` re-reads the row after the first commits, matches nothing, and is
//! reported as a conflict.

use std::ffi::OsString;
use std::fmt;
use std::path::Path;

use serde_json::Value;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::types::Json;
use sqlx::{Connection, PgConnection, Postgres, Transaction};

use crate::batch::{distinct_las, events_of_created};
use crate::error::{Result, StoreError, is_foreign_key_violation, is_unique_violation};
use crate::files::{blocking, remove_if_present, sibling, sync_file, sync_parent_dir};
use crate::migrations;
use crate::model::{BatchOutcome, CaseSummary, NewCase, NewEvent, StoredCase, StoredEvent};
use crate::pg_tools::{self, split_password};
use crate::rows::{self, CaseRow, EventRow};
use crate::{
    AccessStore, AdminStore, AuditStore, CaseId, CaseStore, CaseloadStore, DocumentStore,
    IdentityStore, KpiStore, LaCode, OidcStore, OutboxStore, PortalStore, SettingStore,
};

/// A case store in a PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Kept for `pg_dump`; may hold a password, so never printed.
    url: String,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to the database a `postgres://` URL names.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new().connect(url).await?;
        Ok(PgStore {
            pool,
            url: url.to_string(),
        })
    }

    /// Closes every connection, waiting for those in use to be returned. Before restoring over
    /// an SQLite file, every store on it must be closed.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The connection pool, for maintenance tools and tests that need plain SQL.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl PgStore {
    /// A write transaction (READ COMMITTED; rows are locked as they are written).
    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    /// A write transaction holding the advisory lock `lock` until it ends, so that writers
    /// holding the same lock, in this or any other instance, run one at a time.
    async fn begin_serialised(&self, lock: i64) -> Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(lock)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// A read-only transaction in which every query sees one snapshot.
    async fn begin_snapshot(&self) -> Result<Transaction<'static, Postgres>> {
        Ok(self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?)
    }
}

impl AdminStore for PgStore {
    async fn migrate(&self) -> Result<()> {
        migrations::postgres().await?.run(&self.pool).await?;
        if flows_need_counting(&self.pool).await? {
            self.rebuild_flow_counts().await?;
        }
        Ok(())
    }

    async fn ensure_la(&self, la: &LaCode, name: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO local_authorities (code, name) VALUES ($1, $2) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name",
        )
        .bind(la.as_str())
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn integrity_check(&self) -> Result<()> {
        let mismatch: Option<rows::MismatchRow> = sqlx::query_as(rows::MISMATCH_SQL)
            .fetch_optional(&self.pool)
            .await?;
        match mismatch {
            Some(row) => Err(rows::mismatch_error(row)),
            None => Ok(()),
        }
    }

    async fn backup_to(&self, to: &Path) -> Result<()> {
        if to.exists() {
            return Err(StoreError::BackupExists {
                path: to.to_path_buf(),
            });
        }
        let (url, password) = split_password(&self.url)?;
        let to = to.to_path_buf();
        blocking(move || {
            let partial = sibling(&to, "partial");
            remove_if_present(&partial)?;
            // pg_dump reads in one repeatable-read snapshot: writers carry on, and the dump is
            // the database as of its start.
            let args: Vec<OsString> = vec![
                "--format=custom".into(),
                "--file".into(),
                partial.clone().into(),
                "--dbname".into(),
                url.into(),
            ];
            pg_tools::run("pg_dump", &args, password.as_deref())?;
            sync_file(&partial)?;
            std::fs::rename(&partial, &to)
                .map_err(|e| StoreError::io("could not move the backup into place at", &to, e))?;
            sync_parent_dir(&to)
        })
        .await
    }

    async fn is_empty(&self) -> Result<bool> {
        let has_data: bool = sqlx::query_scalar(rows::HAS_DATA)
            .fetch_one(&self.pool)
            .await?;
        Ok(!has_data)
    }
}

impl CaseStore for PgStore {
    crate::case_methods::case_methods!(sqlx::Postgres, "now()");
}

impl CaseloadStore for PgStore {
    crate::caseload::caseload_methods!(sqlx::Postgres, "'{}'::jsonb");
}

impl KpiStore for PgStore {
    crate::kpi::kpi_methods!(sqlx::Postgres, "cases");
    crate::flows::flow_methods!(sqlx::Postgres);
}

impl DocumentStore for PgStore {
    crate::documents::document_methods!(sqlx::Postgres);
}

impl PortalStore for PgStore {
    crate::portal::portal_methods!(sqlx::Postgres);
}

impl OutboxStore for PgStore {
    crate::outbox::outbox_methods!(sqlx::Postgres);
}

impl SettingStore for PgStore {
    crate::settings::settings_methods!(sqlx::Postgres);
}

impl IdentityStore for PgStore {
    crate::identity::identity_methods!(sqlx::Postgres);
}

impl AccessStore for PgStore {
    crate::access::access_methods!(sqlx::Postgres);
}

impl AuditStore for PgStore {
    crate::audit::audit_methods!(sqlx::Postgres);
}

impl OidcStore for PgStore {
    crate::oidc::oidc_methods!(sqlx::Postgres);
}

crate::flows::flow_helpers!(sqlx::Postgres);

crate::batch::insert_events!(sqlx::Postgres);
crate::change::unit_of_work!(PgStore, sqlx::Postgres, "now()");

/// Restores a `pg_dump --format=custom` archive into the database a `postgres://` URL names,
/// in one transaction, then runs the version/event-log check on the result.
pub(crate) async fn restore(url: &str, from: &Path, force: bool) -> Result<()> {
    if !from.is_file() {
        return Err(StoreError::io(
            "there is no backup file at",
            from,
            std::io::ErrorKind::NotFound.into(),
        ));
    }
    let mut conn = PgConnection::connect(url).await?;
    let has_data = target_has_data(&mut conn).await;
    conn.close().await?;
    if has_data? && !force {
        return Err(StoreError::NotEmpty);
    }
    let (safe_url, password) = split_password(url)?;
    let from = from.to_path_buf();
    blocking(move || {
        pg_tools::run("pg_restore", &["--list".into(), from.clone().into()], None).map_err(
            |e| {
                StoreError::Corrupt(format!(
                    "{} is not a usable pg_dump custom-format backup: {e}",
                    from.display()
                ))
            },
        )?;
        let args: Vec<OsString> = vec![
            "--clean".into(),
            "--if-exists".into(),
            "--no-owner".into(),
            "--no-acl".into(),
            "--single-transaction".into(),
            "--exit-on-error".into(),
            "--dbname".into(),
            safe_url.into(),
            from.into(),
        ];
        pg_tools::run("pg_restore", &args, password.as_deref()).map(|_| ())
    })
    .await?;
    let restored = PgStore::connect(url).await?;
    let checked = restored.integrity_check().await;
    restored.pool.close().await;
    checked
}

/// Whether a possibly unmigrated database holds cases or events.
async fn target_has_data(conn: &mut PgConnection) -> Result<bool> {
    let migrated: bool = sqlx::query_scalar(
        "SELECT to_regclass('cases') IS NOT NULL AND to_regclass('case_events') IS NOT NULL",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !migrated {
        return Ok(false);
    }
    Ok(sqlx::query_scalar(rows::HAS_DATA)
        .fetch_one(&mut *conn)
        .await?)
}

crate::portal::portal_rows!(PgStore, sqlx::postgres::PgRow);
crate::outbox::outbox_rows!(PgStore, sqlx::postgres::PgRow);
