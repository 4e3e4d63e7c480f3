//! Crash test: acknowledged writes survive the writer being killed at random moments.
//!
//! `acknowledged_writes_survive_sigkill` runs this same test binary again as a child
//! (`crash_writer_child`, told the database path by `WAYMARK_CRASH_DB`). The child writes cases
//! through the store on SQLite in a loop (single creates, appends, batches) and prints one `ACK`
//! line to stdout after each write commits. The parent kills it with SIGKILL 20–300 ms after it
//! is ready, reopens the database, and checks that every write the child acknowledged is there
//! and that the database passes its integrity check; 25 rounds on one database file.
//!
//! Run it alone: `cargo test -p waymark-store --test crash -- --nocapture` (it prints a summary).
//! Results are in docs/crash-test.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::*;
use waymark_store::connect;
use waymark_store::prelude::*;

const DB_ENV: &str = "WAYMARK_CRASH_DB";
const ROUND_ENV: &str = "WAYMARK_CRASH_ROUND";
const CHILD_TEST: &str = "crash_writer_child";
const ROUNDS: u32 = 25;

/// The writer. Ignored so that it only runs when the parent starts it; without `WAYMARK_CRASH_DB`
/// (e.g. under `--include-ignored`) it does nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the crash test's writer process; acknowledged_writes_survive_sigkill runs it"]
async fn crash_writer_child() {
    let Some(path) = std::env::var_os(DB_ENV) else {
        return;
    };
    let round: u32 = std::env::var(ROUND_ENV).unwrap().parse().unwrap();
    let store = connect(&format!("sqlite://{}", Path::new(&path).display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let camden = la("202");
    store.ensure_la(&camden, "Camden").await.unwrap();
    println!("READY");

    // Cases this child created, with their current version and kinds, to append to.
    let mut mine: Vec<(waymark_store::CaseId, Vec<String>)> = Vec::new();
    for i in 0.. {
        if i % 10 == 0 {
            let references: Vec<String> = (0..20).map(|k| format!("r{round}-b{i}-{k}")).collect();
            let batch = references
                .iter()
                .map(|r| new_case(&camden, r, &["imported"]))
                .collect();
            let outcome = store.create_cases_batch(batch).await.unwrap();
            assert_eq!(outcome.created, 20);
            for reference in &references {
                println!("ACK case {reference}");
            }
        } else if i % 2 == 1 && !mine.is_empty() {
            let pick = fastrand::usize(..mine.len());
            let (id, kinds) = &mut mine[pick];
            let version = kinds.len() as i64;
            kinds.push(format!("step{i}"));
            let all: Vec<&str> = kinds.iter().map(String::as_str).collect();
            let new_version = store
                .append(
                    &camden,
                    *id,
                    version,
                    vec![event(&kinds[kinds.len() - 1])],
                    summary_of(all.iter().copied()),
                    state_of(all.iter().copied()),
                )
                .await
                .unwrap();
            println!("ACK append {} {new_version}", id.0);
        } else {
            let reference = format!("r{round}-c{i}");
            let case = store
                .create_case(new_case(&camden, &reference, &["request_received"]))
                .await
                .unwrap();
            mine.push((case.id, vec!["request_received".to_string()]));
            println!("ACK case {reference}");
        }
    }
}

/// What the children acknowledged, across all rounds.
#[derive(Default)]
struct Acknowledged {
    /// References of created cases.
    cases: Vec<String>,
    /// Case id → highest acknowledged version.
    versions: HashMap<i64, i64>,
    /// Acknowledged appends.
    appends: usize,
}

impl Acknowledged {
    fn record(&mut self, line: &str) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["ACK", "case", reference] => self.cases.push(reference.to_string()),
            ["ACK", "append", id, version] => {
                let (id, version) = (id.parse().unwrap(), version.parse().unwrap());
                let highest = self.versions.entry(id).or_insert(0);
                *highest = (*highest).max(version);
                self.appends += 1;
            }
            _ => {}
        }
    }

    fn count(&self) -> usize {
        self.cases.len() + self.appends
    }
}

/// Starts a writer child and returns it with a channel of its complete stdout lines.
fn start_child(
    db: &Path,
    round: u32,
    stderr: &Path,
) -> (std::process::Child, mpsc::Receiver<String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            CHILD_TEST,
            "--nocapture",
            "--include-ignored",
            "--test-threads=1",
        ])
        .env(DB_ENV, db)
        .env(ROUND_ENV, round.to_string())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(stderr).unwrap())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        // A line cut short by the kill has no newline: it was never fully printed, so it does
        // not count as acknowledged.
        while stdout.read_line(&mut line).map(|n| n > 0).unwrap_or(false) && line.ends_with('\n') {
            if lines.send(std::mem::take(&mut line)).is_err() {
                break;
            }
        }
    });
    (child, received)
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let stderr = dir.path().join("child.stderr");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut acked = Acknowledged::default();
    let mut killed_after = Vec::new();

    for round in 0..ROUNDS {
        let (mut child, lines) = start_child(&db, round, &stderr);
        // The test harness prints its own lines first.
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut ready = false;
        while let Ok(line) = lines.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            // The harness's "test crash_writer_child ... " has no newline of its own.
            if line.trim_end().ends_with("READY") {
                ready = true;
                break;
            }
        }
        if !ready {
            let _ = child.kill();
            panic!(
                "round {round}: the writer did not start\n{}",
                std::fs::read_to_string(&stderr).unwrap_or_default()
            );
        }
        // Wait for the first acknowledged write, so that on a loaded machine (a slow first
        // fsync) every round still kills a writer in the middle of writing.
        let first = lines
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_default();
        let delay = Duration::from_millis(fastrand::u64(20..=300));
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        killed_after.push(delay);
        let before = acked.count();
        acked.record(&first);
        for line in lines.iter() {
            acked.record(&line);
        }
        assert!(
            acked.count() > before,
            "round {round}: the writer acknowledged nothing in {delay:?}\n{}",
            std::fs::read_to_string(&stderr).unwrap_or_default()
        );

        runtime.block_on(async {
            let store = connect(&format!("sqlite://{}", db.display()))
                .await
                .unwrap();
            store.migrate().await.unwrap();
            store
                .integrity_check()
                .await
                .unwrap_or_else(|e| panic!("round {round}: {e}"));
            let camden = la("202");
            let stored: HashMap<String, (i64, i64)> = store
                .list_cases(&camden, i64::MAX, 0)
                .await
                .unwrap()
                .into_iter()
                .map(|case| (case.reference, (case.id.0, case.version)))
                .collect();
            for reference in &acked.cases {
                assert!(
                    stored.contains_key(reference),
                    "round {round}: acknowledged case {reference} is missing"
                );
            }
            let versions: HashMap<i64, i64> = stored.values().copied().collect();
            for (id, version) in &acked.versions {
                let found = versions.get(id).copied().unwrap_or(-1);
                assert!(
                    found >= *version,
                    "round {round}: case {id} acknowledged at version {version} is at {found}"
                );
            }
            store.close().await;
        });
    }
    eprintln!(
        "crash test: {ROUNDS} SIGKILLs at {:?}..{:?}; {} acknowledged writes ({} cases created, {} \
         appends), every one present after each kill, integrity check passed every round; {:.1} s",
        killed_after.iter().min().unwrap(),
        killed_after.iter().max().unwrap(),
        acked.count(),
        acked.cases.len(),
        acked.appends,
        started.elapsed().as_secs_f64()
    );
}
