//! The SQLite backend: one file in WAL mode, the embedded default.
//!
//! Writes take the write lock up front (`BEGIN IMMEDIATE`) so a writer waits for another (up to
//! the 5 s busy timeout) instead of failing half-way; `synchronous=FULL` makes every
//! acknowledged commit survive a crash or power cut.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use serde_json::Value;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqliteLockingMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::types::Json;
use sqlx::{Connection, Sqlite, SqliteConnection, Transaction};

use crate::batch::{distinct_las, events_of_created};
use crate::error::{Result, StoreError, is_foreign_key_violation, is_unique_violation};
use crate::files::{blocking, remove_if_present, sibling, sync_file, sync_parent_dir};
use crate::migrations;
use crate::model::{BatchOutcome, CaseSummary, NewCase, NewEvent, StoredCase, StoredEvent};
use crate::rows::{self, CaseRow, EventRow};
use crate::{
    AccessStore, AdminStore, AuditStore, CaseId, CaseStore, CaseloadStore, DocumentStore,
    IdentityStore, KpiStore, LaCode, OidcStore, OutboxStore, PortalStore, SettingStore,
};

/// How long a statement waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Starts a write transaction holding the write lock from the start.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// A case store in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// One connection for write transactions: SQLite lets one writer in at a time, and a
    /// writer that finds the lock taken sleeps in its busy handler (for up to 100 ms at a
    /// time) instead of queueing. Through this pool, writers of this process queue in turn;
    /// readers (WAL) never wait for them.
    writer: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file a `sqlite://PATH` URL names, in WAL mode
    /// with full synchronous commits, foreign keys enforced and a 5 s busy timeout.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = connect_options(url)?.create_if_missing(true);
        let pool = SqlitePoolOptions::new()
            .connect_with(options.clone())
            .await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        Ok(SqliteStore { pool, writer })
    }

    /// Closes every connection, waiting for those in use to be returned. Before restoring over
    /// an SQLite file, every store on it must be closed.
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }

    /// The connection pool, for maintenance tools and tests that need plain SQL.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// The connection settings every Waymark SQLite connection uses, for a `sqlite://PATH` URL.
fn connect_options(url: &str) -> Result<SqliteConnectOptions> {
    Ok(with_settings(SqliteConnectOptions::from_str(url)?))
}

/// WAL, full synchronous commits, foreign keys enforced, 5 s busy timeout.
fn with_settings(options: SqliteConnectOptions) -> SqliteConnectOptions {
    options
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
}

impl SqliteStore {
    /// A write transaction holding the write lock from the start.
    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.writer.begin_with(BEGIN_WRITE).await?)
    }

    /// A write transaction that no other writer runs beside: SQLite has one write lock per
    /// file, taken up front, so `lock` (which serialises PostgreSQL writers) is not needed.
    async fn begin_serialised(&self, _lock: i64) -> Result<Transaction<'static, Sqlite>> {
        self.begin_write().await
    }

    /// A read transaction: in WAL mode, its first read fixes the snapshot it sees.
    async fn begin_snapshot(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin().await?)
    }
}

impl AdminStore for SqliteStore {
    async fn migrate(&self) -> Result<()> {
        migrations::sqlite().await?.run(&self.pool).await?;
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
        let mut conn = self.pool.acquire().await?;
        check_database(&mut conn).await
    }

    async fn backup_to(&self, to: &Path) -> Result<()> {
        if to.exists() {
            return Err(StoreError::BackupExists {
                path: to.to_path_buf(),
            });
        }
        let partial = sibling(to, "partial");
        remove_if_present(&partial)?;
        let partial_text = partial.to_str().ok_or_else(|| {
            StoreError::io(
                "the backup path must be valid UTF-8:",
                &partial,
                std::io::ErrorKind::InvalidInput.into(),
            )
        })?;
        // A read transaction: writers carry on, and the copy is the database as of its start.
        sqlx::query("VACUUM INTO $1")
            .bind(partial_text)
            .execute(&self.pool)
            .await?;
        let (partial, to) = (partial.clone(), to.to_path_buf());
        blocking(move || {
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

impl CaseStore for SqliteStore {
    crate::case_methods::case_methods!(sqlx::Sqlite, "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
}

impl CaseloadStore for SqliteStore {
    crate::caseload::caseload_methods!(sqlx::Sqlite, "'{}'");
}

impl KpiStore for SqliteStore {
    crate::kpi::kpi_methods!(sqlx::Sqlite, "cases INDEXED BY cases_la_kpi");
    crate::flows::flow_methods!(sqlx::Sqlite);
}

impl DocumentStore for SqliteStore {
    crate::documents::document_methods!(sqlx::Sqlite);
}

impl PortalStore for SqliteStore {
    crate::portal::portal_methods!(sqlx::Sqlite);
}

impl OutboxStore for SqliteStore {
    crate::outbox::outbox_methods!(sqlx::Sqlite);
}

impl SettingStore for SqliteStore {
    crate::settings::settings_methods!(sqlx::Sqlite);
}

impl IdentityStore for SqliteStore {
    crate::identity::identity_methods!(sqlx::Sqlite);
}

impl AccessStore for SqliteStore {
    crate::access::access_methods!(sqlx::Sqlite);
}

impl AuditStore for SqliteStore {
    crate::audit::audit_methods!(sqlx::Sqlite);
}

impl OidcStore for SqliteStore {
    crate::oidc::oidc_methods!(sqlx::Sqlite);
}

crate::flows::flow_helpers!(sqlx::Sqlite);

crate::batch::insert_events!(sqlx::Sqlite);
crate::change::unit_of_work!(
    SqliteStore,
    sqlx::Sqlite,
    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
);

/// `PRAGMA integrity_check`, `PRAGMA foreign_key_check`, then the version/event-log check.
async fn check_database(conn: &mut SqliteConnection) -> Result<()> {
    let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await?;
    if problems != ["ok"] {
        return Err(StoreError::Corrupt(format!(
            "SQLite reports: {}",
            problems.join("; ")
        )));
    }
    let orphan: Option<(String, Option<i64>, String)> =
        sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    if let Some((table, rowid, parent)) = orphan {
        return Err(StoreError::Corrupt(format!(
            "row {} of {table} refers to a missing row of {parent}",
            rowid.map_or_else(|| "?".to_string(), |r| r.to_string())
        )));
    }
    let mismatch: Option<rows::MismatchRow> = sqlx::query_as(rows::MISMATCH_SQL)
        .fetch_optional(&mut *conn)
        .await?;
    match mismatch {
        Some(row) => Err(rows::mismatch_error(row)),
        None => Ok(()),
    }
}

/// Restores a `VACUUM INTO` snapshot over the database file a `sqlite://` URL names.
///
/// The snapshot is copied next to the target, checked there, and renamed over the target, so
/// the target is never half-written. The target's stale `-wal` and `-shm` files are removed
/// first: SQLite would otherwise replay the old log onto the restored file.
pub(crate) async fn restore(url: &str, from: &Path, force: bool) -> Result<()> {
    let options = connect_options(url)?;
    let target = options.get_filename().to_path_buf();
    if !from.is_file() {
        return Err(StoreError::io(
            "there is no backup file at",
            from,
            std::io::ErrorKind::NotFound.into(),
        ));
    }
    if target.exists() {
        check_target(&target, force).await?;
    }
    let staged = sibling(&target, "restoring");
    {
        let (from, staged) = (from.to_path_buf(), staged.clone());
        blocking(move || {
            remove_if_present(&staged)?;
            std::fs::copy(&from, &staged)
                .map_err(|e| StoreError::io("could not copy the backup to", &staged, e))?;
            Ok(())
        })
        .await?;
    }
    if let Err(e) = check_snapshot(&staged).await {
        let _ = std::fs::remove_file(&staged);
        return Err(match e {
            StoreError::Database(e) => StoreError::Corrupt(format!(
                "{} is not a usable Waymark SQLite backup: {e}",
                from.display()
            )),
            other => other,
        });
    }
    blocking(move || {
        sync_file(&staged)?;
        remove_if_present(&sibling(&target, "wal"))?;
        remove_if_present(&sibling(&target, "shm"))?;
        std::fs::rename(&staged, &target)
            .map_err(|e| StoreError::io("could not move the restored database to", &target, e))?;
        sync_parent_dir(&target)
    })
    .await
}

/// Refuses to restore over a database that another process has open, or that holds data
/// (unless `force`).
async fn check_target(target: &Path, force: bool) -> Result<()> {
    // A connection that was just closed may take a moment to let go of the file (sqlx closes
    // pool connections on background tasks), so "in use" is only believed after a short while.
    let deadline = tokio::time::Instant::now() + IN_USE_GRACE;
    loop {
        match target_has_data(target).await {
            Err(e) if is_busy(&e) && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) if is_busy(&e) => {
                return Err(StoreError::InUse {
                    path: target.to_path_buf(),
                });
            }
            Err(e) => return Err(e.into()),
            Ok(true) if !force => return Err(StoreError::NotEmpty),
            Ok(_) => return Ok(()),
        }
    }
}

/// How long a restore waits for the target file to be free before reporting it in use.
const IN_USE_GRACE: Duration = Duration::from_secs(2);

/// Whether a possibly unmigrated database holds cases or events, read through a connection in
/// exclusive locking mode. Its first read needs an exclusive lock on the file, which SQLite
/// cannot get while another connection (e.g. a running server) has the file open in WAL mode:
/// that fails as "busy". Closing the connection also checkpoints and removes the target's WAL.
async fn target_has_data(target: &Path) -> Result<bool, sqlx::Error> {
    let options = with_settings(SqliteConnectOptions::new())
        .filename(target)
        .locking_mode(SqliteLockingMode::Exclusive)
        .busy_timeout(Duration::from_millis(100));
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let has_data = read_has_data(&mut conn).await;
    conn.close().await?;
    has_data
}

/// Whether a possibly unmigrated database holds cases or events.
async fn read_has_data(conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' \
         AND name IN ('cases', 'case_events')",
    )
    .fetch_one(&mut *conn)
    .await?;
    if tables < 2 {
        return Ok(tables > 0);
    }
    sqlx::query_scalar(rows::HAS_DATA)
        .fetch_one(&mut *conn)
        .await
}

/// Whether SQLite gave up waiting for a lock.
fn is_busy(err: &sqlx::Error) -> bool {
    const SQLITE_BUSY: i64 = 5;
    matches!(err, sqlx::Error::Database(db)
        if db.code().and_then(|code| code.parse::<i64>().ok())
            .is_some_and(|code| code & 0xff == SQLITE_BUSY))
}

/// Checks a staged snapshot, leaving it in rollback-journal mode so that it is one
/// self-contained file when renamed into place (the server switches it back to WAL).
async fn check_snapshot(staged: &Path) -> Result<()> {
    let options = with_settings(SqliteConnectOptions::new())
        .filename(staged)
        .journal_mode(SqliteJournalMode::Delete);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let outcome = check_database(&mut conn).await;
    conn.close().await?;
    outcome
}

crate::portal::portal_rows!(SqliteStore, sqlx::sqlite::SqliteRow);
crate::outbox::outbox_rows!(SqliteStore, sqlx::sqlite::SqliteRow);
