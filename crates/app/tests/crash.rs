//! Crash test of the application layer: a change to a case is never in the database without
//! its audit entry, its letter and its notification, however the process dies.
//!
//! Each backend's test (`sqlite_…`, `postgres_…`) runs this same test binary again as a child
//! (`app_crash_writer_child`, told the database URL in `WAYMARK_APP_CRASH_URL`). The child builds
//! a [`waymark_app::App`] on the store, registers an LA, a caseworker, a manager and a parent
//! (who has `parent` access to every case it works on, so that decisions queue notifications),
//! and runs four concurrent tasks that open cases (`cases::open`) and change them
//! (`cases::run`: allocate a caseworker, add a note, decide whether to assess, yes or no, which
//! renders a PDF letter and queues a `decision_made` email for the parent), printing an `ACK`
//! line after each one returns. The parent kills it with SIGKILL 20–300 ms after its first
//! acknowledged write, reopens the database and checks that
//!
//! - every acknowledged case and change is there;
//! - every change has exactly one audit entry and every audit entry about a case its change:
//!   `cases::run` and `cases::open` write a change's events with one `recorded_at`, the audit
//!   entry's `at`, so the audit entries of a case (action `open_case` or a command's name) must
//!   be exactly its batches of events, one for one, the action matching the events;
//! - every decision whether to assess has its decision letter and its outbox row, and there
//!   are no letters or outbox rows without their decision;
//! - the audit trail's hash chain verifies (`verify_audit`) and `integrity_check` passes.
//!
//! Up to 20 rounds on one database, stopping after ~30 s on a slow machine. On PostgreSQL the
//! parent starts a throwaway cluster (`waymark_store::testing::PgCluster`) and kills only the
//! child, never the server. The checks read the tables directly (one query each), not through
//! the store's per-case methods.
//!
//! Missing audit entries, letters or notifications are collected over every round and reported
//! together at the end (how many changes, of which kinds, on how many cases), so that a broken
//! build says how broken it is; a lost acknowledged write or a damaged database fails at once.
//!
//! Run it: `cargo test -p waymark-app --test crash -- --nocapture` (prints a summary per
//! backend). Results are in docs/crash-test.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use waymark_app::App;
use waymark_app::access::CurrentUser;
use waymark_app::cases::{self as use_case, By};
use waymark_store::cases as case_rows;
use waymark_store::domain::actor::Role;
use waymark_store::domain::case::{Child, Request, Stage};
use waymark_store::domain::command::{Command, NewRequest};
use waymark_store::prelude::*;
use waymark_store::testing::PgCluster;
use waymark_store::{Backend, CaseAccess, CaseId, LaCode, NewUser, User, UserId, connect};

const URL_ENV: &str = "WAYMARK_APP_CRASH_URL";
const ROUND_ENV: &str = "WAYMARK_APP_CRASH_ROUND";
const CHILD_TEST: &str = "app_crash_writer_child";
/// Rounds per backend, unless the time budget runs out first.
const ROUNDS: u32 = 20;
/// Rounds run whatever the time.
const MIN_ROUNDS: u32 = 5;
/// No new round starts after this (per backend).
const BUDGET: Duration = Duration::from_secs(30);
/// Concurrent writers in the child, like API clients.
const TASKS: usize = 4;
const LA_CODE: &str = "202";
const CASEWORKER: &str = "caseworker@crash.test";
const MANAGER: &str = "manager@crash.test";
const PARENT: &str = "parent@crash.test";
/// The title `waymark_app::letters` gives the decision letter.
const DECISION_LETTER: &str = "Decision whether to assess";

/// The audit action of each change the child makes, and the event it appends.
const CHANGES: [(&str, &str); 4] = [
    ("open_case", "request_received"),
    ("allocate_caseworker", "caseworker_allocated"),
    ("add_note", "note_added"),
    ("decide_whether_to_assess", "assessment_decided"),
];

fn event_of(action: &str) -> Option<&'static str> {
    CHANGES
        .iter()
        .find(|(a, _)| *a == action)
        .map(|(_, event)| *event)
}

fn la() -> LaCode {
    LaCode::parse(LA_CODE).unwrap()
}

// The child: the application writing through `cases::open` and `cases::run`.

/// What the child's tasks share.
struct Writer {
    app: App<Backend>,
    la: LaCode,
    round: u32,
    caseworker: CurrentUser,
    manager: CurrentUser,
    parent: UserId,
    /// The cases being worked on: the newest few of earlier rounds, and those opened now.
    cases: Mutex<Vec<CaseId>>,
}

/// The account with this email, made if it is not there yet (the first round makes them).
async fn account(store: &Backend, email: &str, name: &str, role: Role) -> User {
    if let Some(user) = store.find_user_by_email(email).await.unwrap() {
        return user;
    }
    store
        .create_user(NewUser {
            email: email.to_string(),
            name: name.to_string(),
            role,
            la: la(),
            organisation: None,
            password_hash: None,
        })
        .await
        .unwrap()
}

/// The writer. Ignored so that it runs only when a parent starts it; without
/// `WAYMARK_APP_CRASH_URL` (e.g. under `--include-ignored`) it does nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the app crash test's writer process; the sqlite_/postgres_ tests run it"]
async fn app_crash_writer_child() {
    let Ok(url) = std::env::var(URL_ENV) else {
        return;
    };
    let round: u32 = std::env::var(ROUND_ENV).unwrap().parse().unwrap();
    let store = connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let la = la();
    store.ensure_la(&la, "Camden").await.unwrap();
    let caseworker = account(&store, CASEWORKER, "Grace Okafor", Role::Caseworker).await;
    let manager = account(&store, MANAGER, "Sam Patel", Role::Manager).await;
    let parent = account(&store, PARENT, "Jo Lovelace", Role::Parent).await;

    // Carry on with the newest open cases of earlier rounds (a kill may have left one just
    // opened, without the parent's access yet: grant it, as the open would have).
    let count = store.count_cases(&la).await.unwrap();
    let mut cases = Vec::new();
    for case in store
        .list_cases(&la, 16, (count - 16).max(0))
        .await
        .unwrap()
    {
        if case.summary.closed {
            continue;
        }
        let open = store.open_case_access(parent.id, case.id).await.unwrap();
        if !open.iter().any(|a| a.relation == CaseAccess::PARENT) {
            store
                .grant_case_access(parent.id, case.id, &la, CaseAccess::PARENT, Utc::now())
                .await
                .unwrap();
        }
        cases.push(case.id);
    }

    let writer = Arc::new(Writer {
        app: App::new(store, "Camden Council"),
        la,
        round,
        caseworker: CurrentUser::for_api_token(caseworker),
        manager: CurrentUser::for_api_token(manager),
        parent: parent.id,
        cases: Mutex::new(cases),
    });
    println!("READY");
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| tokio::spawn(work(Arc::clone(&writer), task)))
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

/// One client: opens a case about a third of the time, else changes one of the newest cases.
async fn work(writer: Arc<Writer>, task: usize) {
    for step in 0u64.. {
        let pick = {
            let cases = writer.cases.lock().unwrap();
            if cases.len() < 8 || fastrand::u8(..10) < 3 {
                None
            } else {
                let newest = &cases[cases.len().saturating_sub(16)..];
                Some(newest[fastrand::usize(..newest.len())])
            }
        };
        match pick {
            None => open_case(&writer, task, step).await,
            Some(id) => change_case(&writer, id, task, step).await,
        }
    }
}

async fn open_case(writer: &Writer, task: usize, step: u64) {
    let app = &writer.app;
    let reference = format!("R{}-T{task}-{step}", writer.round);
    let today = app.today();
    let new = NewRequest {
        reference: reference.clone(),
        child: Child {
            given_name: "Ada".to_string(),
            family_name: "Lovelace".to_string(),
            date_of_birth: NaiveDate::from_ymd_opt(2016, 3, 1).unwrap(),
            upn: None,
            uln: None,
            nhs_number: None,
            address: None,
            parents: Vec::new(),
            school: None,
        },
        request: Request {
            received: today - chrono::Days::new(7),
            source: "PAR".to_string(),
            reasons: "Her needs are not being met at school".to_string(),
        },
    };
    let by = By {
        user: &writer.caseworker,
        ip: None,
    };
    let opened = use_case::open(app, by, &new)
        .await
        .unwrap_or_else(|e| panic!("open {reference}: {e}"));
    println!("ACK open {} {reference}", opened.id.0);
    // The family's access, so that the decisions on the case are notified to them.
    app.store
        .grant_case_access(
            writer.parent,
            opened.id,
            &writer.la,
            CaseAccess::PARENT,
            app.now(),
        )
        .await
        .unwrap();
    writer.cases.lock().unwrap().push(opened.id);
}

async fn change_case(writer: &Writer, id: CaseId, task: usize, step: u64) {
    let app = &writer.app;
    let current = case_rows::load(&app.store, &writer.la, id)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("case {} is not there", id.0));
    let (user, command) = if current.case.caseworker.is_none() {
        let command = Command::AllocateCaseworker {
            caseworker: writer.caseworker.id().to_string(),
            note: Some("New request: please phone the family this week".to_string()),
        };
        (&writer.manager, command)
    } else if current.case.stage == Stage::Requested && fastrand::bool() {
        let yes = fastrand::bool();
        let command = Command::DecideWhetherToAssess {
            on: app.today(),
            yes,
            reasons: if yes {
                String::new()
            } else {
                "Her needs can be met from the school's own resources".to_string()
            },
        };
        (&writer.caseworker, command)
    } else {
        let command = Command::AddNote {
            text: format!(
                "Phoned the family (round {}, task {task}, step {step})",
                writer.round
            ),
        };
        (&writer.caseworker, command)
    };
    let by = By { user, ip: None };
    match use_case::run(app, by, id, current.version, &command, None).await {
        Ok(changed) => println!("ACK run {} {} {}", id.0, changed.version, command.name()),
        // Another task changed the case since it was loaded: nothing was written.
        Err(waymark_app::Error::Conflict) => {}
        Err(e) => panic!("{} on case {}: {e}", command.name(), id.0),
    }
}

// The parent: kills the child and checks what it left.

/// What the children acknowledged, across all rounds.
#[derive(Default)]
struct Acknowledged {
    /// Case id → reference, of acknowledged opens.
    opens: Vec<(i64, String)>,
    /// (case id, version after the change, command name), of acknowledged changes.
    runs: Vec<(i64, i64, String)>,
}

impl Acknowledged {
    fn record(&mut self, line: &str) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["ACK", "open", id, reference] => {
                self.opens
                    .push((id.parse().unwrap(), reference.to_string()));
            }
            ["ACK", "run", id, version, command] => {
                self.runs.push((
                    id.parse().unwrap(),
                    version.parse().unwrap(),
                    command.to_string(),
                ));
            }
            _ => {}
        }
    }

    fn count(&self) -> usize {
        self.opens.len() + self.runs.len()
    }

    fn runs_of(&self, command: &str) -> usize {
        self.runs.iter().filter(|(_, _, c)| c == command).count()
    }
}

/// A change: a case and the time its events were recorded (to the microsecond).
type Change = (i64, DateTime<Utc>);

/// What the checks found missing or left over, over every round (a change missing its audit
/// entry in one round is still missing in the next: each is counted once).
#[derive(Default)]
struct Problems {
    /// Changes without an audit entry, with the kinds of their events.
    unaudited: BTreeMap<Change, String>,
    /// Audit entries about a case with no change at their time (or more than one).
    orphan_audit: BTreeSet<Change>,
    /// Changes whose audit entry names another action.
    mismatched: BTreeSet<Change>,
    /// Decisions (case, version) without their letter.
    no_letter: BTreeSet<(i64, i64)>,
    /// Decisions (case, version) without their outbox row.
    no_outbox: BTreeSet<(i64, i64)>,
    /// Letters without their decision.
    stray_letters: BTreeSet<Change>,
    /// Outbox rows without their decision.
    stray_outbox: BTreeSet<String>,
    /// Rounds whose check found any of the above.
    rounds: BTreeSet<u32>,
}

impl Problems {
    fn total(&self) -> usize {
        self.unaudited.len()
            + self.orphan_audit.len()
            + self.mismatched.len()
            + self.no_letter.len()
            + self.no_outbox.len()
            + self.stray_letters.len()
            + self.stray_outbox.len()
    }

    fn report(&self, backend: &str, rounds: u32) -> String {
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for kind in self.unaudited.values() {
            *kinds.entry(kind.as_str()).or_default() += 1;
        }
        let cases: BTreeSet<i64> = self.unaudited.keys().map(|(case, _)| *case).collect();
        format!(
            "{backend}: {} of {rounds} kills left a change written without all of its unit of \
             work: {} changes on {} cases without their audit entry (by event: {kinds:?}); {} \
             audit entries without their change; {} changes audited as another action; {} \
             decisions without their letter, {} without their outbox row; {} letters and {} \
             outbox rows without their decision. First unaudited changes: {:?}",
            self.rounds.len(),
            self.unaudited.len(),
            cases.len(),
            self.orphan_audit.len(),
            self.mismatched.len(),
            self.no_letter.len(),
            self.no_outbox.len(),
            self.stray_letters.len(),
            self.stray_outbox.len(),
            self.unaudited.iter().take(5).collect::<Vec<_>>(),
        )
    }
}

/// The database as the checks read it.
struct Snapshot {
    /// Case id → reference.
    cases: HashMap<i64, String>,
    /// (case, seq) → (kind, recorded_at).
    events: BTreeMap<(i64, i64), (String, DateTime<Utc>)>,
    /// Audit entries about a case: (case, action, at).
    audit: Vec<(i64, String, DateTime<Utc>)>,
    /// Every audit row.
    audit_rows: i64,
    /// Decision letters: (case, uploaded_at).
    letters: Vec<Change>,
    /// Outbox rows: (template, idempotency key).
    outbox: Vec<(String, String)>,
}

/// Every row of a query, on either backend.
async fn rows<T>(store: &Backend, sql: &str) -> Vec<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    let found = match store {
        Backend::Sqlite(store) => sqlx::query_as(sql).fetch_all(store.pool()).await,
        Backend::Postgres(store) => sqlx::query_as(sql).fetch_all(store.pool()).await,
    };
    found.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// To the microsecond, as PostgreSQL keeps times (SQLite keeps what it was given).
fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

async fn snapshot(store: &Backend) -> Snapshot {
    let cases = rows::<(i64, String)>(store, "SELECT id, reference FROM cases")
        .await
        .into_iter()
        .collect();
    let events = rows::<(i64, i64, String, DateTime<Utc>)>(
        store,
        "SELECT case_id, seq, kind, recorded_at FROM case_events",
    )
    .await
    .into_iter()
    .map(|(case, seq, kind, at)| ((case, seq), (kind, micros(at))))
    .collect();
    let audit = rows::<(i64, String, DateTime<Utc>)>(
        store,
        "SELECT case_id, action, at FROM audit_log WHERE case_id IS NOT NULL",
    )
    .await
    .into_iter()
    .map(|(case, action, at)| (case, action, micros(at)))
    .collect();
    let (audit_rows,) = rows::<(i64,)>(store, "SELECT count(*) FROM audit_log")
        .await
        .remove(0);
    let letters = rows::<(i64, DateTime<Utc>)>(
        store,
        &format!(
            "SELECT case_id, uploaded_at FROM documents \
             WHERE kind = 'letter' AND title = '{DECISION_LETTER}'"
        ),
    )
    .await
    .into_iter()
    .map(|(case, at)| (case, micros(at)))
    .collect();
    let outbox =
        rows::<(String, String)>(store, "SELECT template, idempotency_key FROM outbox").await;
    Snapshot {
        cases,
        events,
        audit,
        audit_rows,
        letters,
        outbox,
    }
}

/// What the last round's check counted in the database.
#[derive(Default)]
struct Counts {
    cases: usize,
    changes: usize,
    audit_entries: usize,
    decisions: usize,
    letters: usize,
    outbox: usize,
}

/// Checks the database after a kill: acknowledged writes and the database's own integrity
/// fail at once; changes without their audit entry, letter or notification are added to
/// `problems`.
async fn check(url: &str, round: u32, acked: &Acknowledged, problems: &mut Problems) -> Counts {
    let store = connect(url).await.unwrap();
    store.migrate().await.unwrap();
    store
        .integrity_check()
        .await
        .unwrap_or_else(|e| panic!("round {round}: integrity check: {e}"));
    let chain = store.verify_audit().await.unwrap();
    assert!(
        chain.first_broken.is_none(),
        "round {round}: the audit chain is broken: {:?}",
        chain.first_broken
    );
    let parent = store
        .find_user_by_email(PARENT)
        .await
        .unwrap()
        .expect("the parent's account");
    let found = snapshot(&store).await;
    store.close().await;
    assert_eq!(
        u64::try_from(found.audit_rows).unwrap(),
        chain.rows,
        "round {round}: verify_audit did not walk every row"
    );

    // Every acknowledged write is there.
    for (id, reference) in &acked.opens {
        assert_eq!(
            found.cases.get(id),
            Some(reference),
            "round {round}: acknowledged case {reference} (id {id}) is missing"
        );
    }
    for (id, version, command) in &acked.runs {
        let kind = found
            .events
            .get(&(*id, *version))
            .map(|(kind, _)| kind.as_str());
        assert_eq!(
            kind,
            event_of(command),
            "round {round}: acknowledged {command} on case {id} (version {version}) is missing"
        );
    }

    // The changes, each a batch of events with one time, and the audit entries about cases.
    let mut batches: BTreeMap<Change, Vec<&str>> = BTreeMap::new();
    for ((case, _), (kind, at)) in &found.events {
        batches.entry((*case, *at)).or_default().push(kind);
    }
    let mut entries: BTreeMap<Change, Vec<&str>> = BTreeMap::new();
    for (case, action, at) in &found.audit {
        assert!(
            event_of(action).is_some(),
            "round {round}: unexpected audit action {action} on case {case}"
        );
        entries.entry((*case, *at)).or_default().push(action);
    }
    let before = problems.total();
    for (change, kinds) in &batches {
        match entries.get(change).map(Vec::as_slice) {
            None => {
                problems.unaudited.insert(*change, kinds.join("+"));
            }
            Some([action]) if event_of(action) == Some(kinds[0]) && kinds.len() == 1 => {}
            Some(_) => {
                problems.mismatched.insert(*change);
            }
        }
    }
    for (change, actions) in &entries {
        if !batches.contains_key(change) || actions.len() > 1 {
            problems.orphan_audit.insert(*change);
        }
    }

    // Every decision has its letter and its outbox row, and nothing else is there.
    let letters: HashSet<Change> = found.letters.iter().copied().collect();
    let outbox: HashSet<&str> = found.outbox.iter().map(|(_, key)| key.as_str()).collect();
    let mut decisions = HashSet::new();
    let mut decision_keys = HashSet::new();
    for ((case, seq), (kind, at)) in &found.events {
        if kind != "assessment_decided" {
            continue;
        }
        decisions.insert((*case, *at));
        let key = format!("decision_made:{case}:{seq}:{}", parent.id.0);
        if !letters.contains(&(*case, *at)) {
            problems.no_letter.insert((*case, *seq));
        }
        if !outbox.contains(key.as_str()) {
            problems.no_outbox.insert((*case, *seq));
        }
        decision_keys.insert(key);
    }
    for letter in &letters {
        if !decisions.contains(letter) {
            problems.stray_letters.insert(*letter);
        }
    }
    for (template, key) in &found.outbox {
        if template != "decision_made" || !decision_keys.contains(key) {
            problems.stray_outbox.insert(key.clone());
        }
    }
    if problems.total() > before {
        problems.rounds.insert(round);
    }
    Counts {
        cases: found.cases.len(),
        changes: batches.len(),
        audit_entries: found.audit.len(),
        decisions: decisions.len(),
        letters: found.letters.len(),
        outbox: found.outbox.len(),
    }
}

/// Starts a writer child and returns it with a channel of its complete stdout lines.
fn start_child(
    url: &str,
    round: u32,
    stderr: &Path,
) -> (std::process::Child, mpsc::Receiver<String>) {
    let mut child = Process::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            CHILD_TEST,
            "--nocapture",
            "--include-ignored",
            "--test-threads=1",
        ])
        .env(URL_ENV, url)
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

fn child_stderr(stderr: &Path) -> String {
    std::fs::read_to_string(stderr).unwrap_or_default()
}

/// Rounds of start, kill at a random moment, check, on the database at `url`.
fn crash_rounds(backend: &str, url: &str, scratch: &Path) {
    let started = Instant::now();
    let stderr = scratch.join("child.stderr");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut acked = Acknowledged::default();
    let mut problems = Problems::default();
    let mut killed_after = Vec::new();
    let mut counts = Counts::default();
    let mut round = 0;
    while round < ROUNDS && (round < MIN_ROUNDS || started.elapsed() < BUDGET) {
        let (mut child, lines) = start_child(url, round, &stderr);
        // The test harness prints its own lines first; its "test … " has no newline of its own.
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut ready = false;
        while let Ok(line) = lines.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            if line.trim_end().ends_with("READY") {
                ready = true;
                break;
            }
        }
        if !ready {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{backend} round {round}: the writer did not start\n{}",
                child_stderr(&stderr)
            );
        }
        // Kill only once it is writing, so that on a loaded machine (a slow first commit) every
        // round still kills a writer in the middle of its work.
        let first = lines
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_default();
        let delay = Duration::from_millis(fastrand::u64(20..=300));
        std::thread::sleep(delay);
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "{backend} round {round}: the writer stopped by itself ({status})\n{}",
                child_stderr(&stderr)
            );
        }
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
            "{backend} round {round}: the writer acknowledged nothing in {delay:?}\n{}",
            child_stderr(&stderr)
        );
        counts = runtime.block_on(check(url, round, &acked, &mut problems));
        round += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!(
        "app crash test ({backend}): {round} SIGKILLs at {:?}..{:?}, 4 concurrent clients; {} \
         acknowledged writes ({} cases opened; {} changes: {} allocations, {} notes, {} \
         decisions), every one present after each kill; after the last kill the database held \
         {} cases, {} changes ({} committed but never acknowledged), {} audit entries about \
         them, {} decisions with {} letters and {} outbox rows; audit chain and integrity \
         check passed every round; changes without their audit entry: {}, decisions without \
         their letter or outbox row: {}, other mismatches: {}; {elapsed:.1} s",
        killed_after.iter().min().unwrap(),
        killed_after.iter().max().unwrap(),
        acked.count(),
        acked.opens.len(),
        acked.runs.len(),
        acked.runs_of("allocate_caseworker"),
        acked.runs_of("add_note"),
        acked.runs_of("decide_whether_to_assess"),
        counts.cases,
        counts.changes,
        counts.changes.saturating_sub(acked.count()),
        counts.audit_entries,
        counts.decisions,
        counts.letters,
        counts.outbox,
        problems.unaudited.len(),
        problems.no_letter.union(&problems.no_outbox).count(),
        problems.orphan_audit.len()
            + problems.mismatched.len()
            + problems.stray_letters.len()
            + problems.stray_outbox.len(),
    );
    assert_eq!(problems.total(), 0, "{}", problems.report(backend, round));
}

#[test]
fn sqlite_every_change_keeps_its_audit_entry_through_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("crash.db").display());
    crash_rounds("SQLite", &url, dir.path());
}

#[test]
fn postgres_every_change_keeps_its_audit_entry_through_sigkill() {
    let cluster = PgCluster::start();
    let url = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(cluster.create_database());
    let dir = tempfile::tempdir().unwrap();
    crash_rounds("PostgreSQL", &url, dir.path());
}
