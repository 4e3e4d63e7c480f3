//! Test harness (cargo feature `testing`): throwaway PostgreSQL clusters and a fresh database
//! per test, so one scenario runs unchanged on SQLite and on PostgreSQL.
//!
//! [`PgCluster::start`] runs `initdb` and `pg_ctl start` in a new temporary directory
//! (127.0.0.1 on a free port, trust authentication, fsync off: it is thrown away). The programs
//! come from `$WAYMARK_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin`, else `PATH`; if
//! they are missing the test fails saying so (`scripts/test` installs them). PostgreSQL refuses
//! to run as root, so as root the programs run as the `postgres` user (`runuser`).
//!
//! Each cluster has a watchdog process that stops it (`pg_ctl stop -m immediate`) and removes
//! its directory as soon as its owner drops it or the test process exits, however it exits.
//! That is what lets [`PgCluster::shared`] give one cluster to every test in a test binary: a
//! `static` is never dropped, but the watchdog still cleans up.
//!
//! Everything here panics with a clear message instead of returning errors: it is for tests.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use sqlx::{Connection, PgConnection};
use tempfile::TempDir;

use crate::pg_tools::{PG_BIN_ENV, pg_program};
use crate::{AdminStore, Backend};

/// A throwaway PostgreSQL cluster, stopped and deleted when dropped.
#[derive(Debug)]
pub struct PgCluster {
    dir: PathBuf,
    port: u16,
    watchdog: Mutex<Option<(Child, ChildStdin)>>,
}

impl PgCluster {
    /// Starts a new cluster (about a second; see `docs/storage.md`).
    ///
    /// # Panics
    /// If the PostgreSQL server programs are missing or the cluster does not start.
    pub fn start() -> PgCluster {
        let started = Instant::now();
        let initdb = server_program("initdb");
        let pg_ctl = server_program("pg_ctl");
        let as_postgres = rustix::process::geteuid().is_root();
        let dir = tempfile::Builder::new()
            .prefix("waymark-pg-")
            .tempdir()
            .unwrap_or_else(|e| panic!("could not create a temporary directory: {e}"))
            .keep();
        if as_postgres {
            run_checked(
                Command::new("chown").arg("postgres:postgres").arg(&dir),
                "chown the cluster directory to postgres",
            );
        }
        let data = dir.join("data");
        run_checked(
            as_user(as_postgres, &initdb, &dir)
                .arg("--pgdata")
                .arg(&data)
                .args(["--username=postgres", "--auth=trust", "--encoding=UTF8"])
                .args(["--locale=C", "--no-sync", "--no-instructions"]),
            "initdb",
        );
        append_settings(&data, &dir);

        let log = dir.join("server.log");
        let mut port = 0;
        for attempt in 1..=3 {
            port = free_port();
            let status = as_user(as_postgres, &pg_ctl, &dir)
                .arg("start")
                .arg("--pgdata")
                .arg(&data)
                .arg("--log")
                .arg(&log)
                .arg("--wait")
                .args(["--timeout", "60", "-o"])
                .arg(format!("-p {port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap_or_else(|e| panic!("could not run {}: {e}", pg_ctl.display()));
            if status.success() {
                break;
            }
            // Another process may have taken the port between our probe and the start.
            if attempt == 3 {
                let log_text = std::fs::read_to_string(&log).unwrap_or_default();
                panic!(
                    "PostgreSQL test cluster did not start in {}:\n{log_text}",
                    dir.display()
                );
            }
        }

        let watchdog = start_watchdog(as_postgres, &pg_ctl, &data, &dir);
        eprintln!(
            "started PostgreSQL test cluster on port {port} in {:.2} s",
            started.elapsed().as_secs_f64()
        );
        PgCluster {
            dir,
            port,
            watchdog: Mutex::new(Some(watchdog)),
        }
    }

    /// One cluster for every test of this test binary, started on first use and stopped when
    /// the process exits.
    pub fn shared() -> &'static PgCluster {
        static SHARED: OnceLock<PgCluster> = OnceLock::new();
        SHARED.get_or_init(PgCluster::start)
    }

    /// The TCP port the cluster listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's temporary directory (data, socket, `server.log`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The URL of a database on this cluster, as the `postgres` superuser.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a new, empty database with a unique name and returns its URL.
    ///
    /// # Panics
    /// If the cluster refuses.
    pub async fn create_database(&self) -> String {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let name = format!(
            "waymark_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = PgConnection::connect(&self.url("postgres"))
            .await
            .unwrap_or_else(|e| panic!("could not connect to the test cluster: {e}"));
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("could not create database {name}: {e}"));
        let _ = admin.close().await;
        self.url(&name)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let watchdog = match self.watchdog.get_mut() {
            Ok(watchdog) => watchdog.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some((mut child, stdin)) = watchdog {
            // Closing its stdin tells the watchdog to stop the cluster and delete the directory.
            drop(stdin);
            let _ = child.wait();
        }
    }
}

/// Which backend a [`TestDb`] is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    /// A file in a temporary directory.
    Sqlite,
    /// A new database on [`PgCluster::shared`].
    Postgres,
}

/// A fresh, empty database for one test. An SQLite file is deleted when this is dropped; a
/// PostgreSQL database goes with its cluster.
#[derive(Debug)]
pub struct TestDb {
    url: String,
    path: Option<PathBuf>,
    _dir: Option<TempDir>,
}

impl TestDb {
    /// A fresh database on the given backend.
    ///
    /// # Panics
    /// If it cannot be created (e.g. the PostgreSQL programs are missing).
    pub async fn new(backend: TestBackend) -> TestDb {
        match backend {
            TestBackend::Sqlite => TestDb::sqlite(),
            TestBackend::Postgres => TestDb::postgres().await,
        }
    }

    /// `sqlite://<tempdir>/test.db` (the file is created on first connect).
    ///
    /// # Panics
    /// If the temporary directory cannot be created.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::Builder::new()
            .prefix("waymark-test-")
            .tempdir()
            .unwrap_or_else(|e| panic!("could not create a temporary directory: {e}"));
        let path = dir.path().join("test.db");
        TestDb {
            url: format!("sqlite://{}", path.display()),
            path: Some(path),
            _dir: Some(dir),
        }
    }

    /// A new database on the cluster shared by this test binary.
    ///
    /// # Panics
    /// If the cluster cannot be started or the database created.
    pub async fn postgres() -> TestDb {
        TestDb::postgres_on(PgCluster::shared()).await
    }

    /// A new database on the given cluster.
    ///
    /// # Panics
    /// If the database cannot be created.
    pub async fn postgres_on(cluster: &PgCluster) -> TestDb {
        TestDb {
            url: cluster.create_database().await,
            path: None,
            _dir: None,
        }
    }

    /// The database URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The SQLite file, for SQLite databases.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// A migrated store on this database.
    ///
    /// # Panics
    /// If connecting or migrating fails.
    pub async fn store(&self) -> Backend {
        let store = crate::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("could not connect to the test database: {e}"));
        store
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("could not migrate the test database: {e}"));
        store
    }
}

/// A PostgreSQL server program, or a panic that says how to get it.
fn server_program(name: &str) -> PathBuf {
    pg_program(name).unwrap_or_else(|| {
        panic!(
            "the PostgreSQL server program {name} was not found (looked in ${PG_BIN_ENV} if set, \
             else /usr/lib/postgresql/*/bin and PATH). The PostgreSQL tests need PostgreSQL 15 or \
             later: run scripts/test, which installs it, or `apt-get install postgresql`, or set \
             {PG_BIN_ENV} to the directory holding initdb and pg_ctl"
        )
    })
}

/// `program`, run as the `postgres` user when we are root, from `cwd` (so that the `postgres`
/// user need not be able to read our working directory).
fn as_user(as_postgres: bool, program: &Path, cwd: &Path) -> Command {
    let mut command = if as_postgres {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    };
    command.current_dir(cwd);
    command
}

fn run_checked(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("could not {what}: {e}"));
    if !output.status.success() {
        panic!(
            "{what} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Settings for a fast, private, disposable server.
fn append_settings(data: &Path, dir: &Path) {
    let settings = format!(
        "\n# waymark test cluster\nlisten_addresses = '127.0.0.1'\n\
         unix_socket_directories = '{}'\nfsync = off\nsynchronous_commit = off\n\
         full_page_writes = off\nmax_connections = 200\n",
        dir.display()
    );
    let conf = data.join("postgresql.conf");
    std::fs::OpenOptions::new()
        .append(true)
        .open(&conf)
        .and_then(|mut file| file.write_all(settings.as_bytes()))
        .unwrap_or_else(|e| panic!("could not write {}: {e}", conf.display()));
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|e| panic!("could not find a free port: {e}"))
}

/// A shell that waits for its stdin to close (our drop, or this process ending in any way),
/// then stops the cluster and deletes its directory. It ignores Ctrl-C so that an interrupted
/// test run still cleans up.
fn start_watchdog(
    as_postgres: bool,
    pg_ctl: &Path,
    data: &Path,
    dir: &Path,
) -> (Child, ChildStdin) {
    let mut stop = as_user(as_postgres, pg_ctl, dir);
    stop.arg("stop")
        .arg("--pgdata")
        .arg(data)
        .args(["--mode", "immediate"]);
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("trap '' INT HUP; cat > /dev/null; \"$@\"; rm -rf -- \"$WAYMARK_PG_DIR\"")
        .arg("waymark-pg-watchdog")
        .arg(stop.get_program())
        .args(stop.get_args())
        .current_dir(dir)
        .env("WAYMARK_PG_DIR", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("could not start the test cluster's watchdog: {e}"));
    let Some(stdin) = child.stdin.take() else {
        panic!("the test cluster's watchdog has no stdin");
    };
    (child, stdin)
}
