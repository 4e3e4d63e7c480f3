//! The store's behaviour, run unchanged on SQLite and on a throwaway PostgreSQL cluster: each
//! scenario below is one `async fn(TestBackend)`, and `on_both_backends!` makes a test of it
//! per backend (`sqlite::NAME`, `postgres::NAME`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use support::*;
use tokio::sync::Barrier;
use waymark_store::prelude::*;
use waymark_store::testing::{TestBackend, TestDb};
use waymark_store::{Backend, BatchOutcome, CaseId, StoreError, restore};

/// Runs plain SQL that the store's interface never would, returning the database's answer.
async fn raw_execute(store: &Backend, sql: &str) -> Result<u64, sqlx::Error> {
    match store {
        Backend::Sqlite(s) => sqlx::query(sql)
            .execute(s.pool())
            .await
            .map(|r| r.rows_affected()),
        Backend::Postgres(s) => sqlx::query(sql)
            .execute(s.pool())
            .await
            .map(|r| r.rows_affected()),
    }
}

/// A migrated store on a fresh database with LAs 202 (Camden) and 203 (Greenwich).
async fn fresh(backend: TestBackend) -> (TestDb, Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    store.ensure_la(&la("202"), "Camden").await.unwrap();
    store.ensure_la(&la("203"), "Greenwich").await.unwrap();
    (db, store)
}

async fn fresh_database_is_empty_and_passes_integrity_check(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    assert!(store.is_empty().await.unwrap());
    store.integrity_check().await.unwrap();
    // Running the migrations again is harmless.
    store.migrate().await.unwrap();
}

async fn a_new_case_loads_back_as_created(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let camden = la("202");
    let kinds = ["request_received", "caseworker_allocated"];
    let created = store
        .create_case(new_case(&camden, "CAM-1", &kinds))
        .await
        .unwrap();
    assert_eq!(created.version, 2);
    assert_eq!(created.reference, "CAM-1");

    let loaded = store.load_case(&camden, created.id).await.unwrap().unwrap();
    assert_eq!(loaded, created);
    let found = store
        .find_by_reference(&camden, "CAM-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, created);
    assert_eq!(
        store.find_by_reference(&camden, "CAM-2").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .load_case(&camden, CaseId(created.id.0 + 1000))
            .await
            .unwrap(),
        None
    );

    let events = store.events(&camden, created.id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
    for (stored, kind) in events.iter().zip(kinds) {
        let sent = event(kind);
        assert_eq!(stored.case_id, created.id);
        assert_eq!(stored.kind, sent.kind);
        assert_eq!(stored.payload, sent.payload);
        assert_eq!(stored.actor, sent.actor);
        assert_eq!(stored.recorded_at, sent.recorded_at);
    }
    assert!(!store.is_empty().await.unwrap());
}

async fn append_advances_the_version_and_replaces_summary_and_state(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let camden = la("202");
    let case = store
        .create_case(new_case(&camden, "CAM-1", &["request_received"]))
        .await
        .unwrap();
    let kinds = ["request_received", "decided_to_assess", "advice_requested"];
    let mut summary = summary_of(kinds);
    summary.caseworker = None;
    summary.closed = true;
    let version = store
        .append(
            &camden,
            case.id,
            1,
            vec![event(kinds[1]), event(kinds[2])],
            summary.clone(),
            state_of(kinds),
        )
        .await
        .unwrap();
    assert_eq!(version, 3);

    let loaded = store.load_case(&camden, case.id).await.unwrap().unwrap();
    assert_eq!(loaded.version, 3);
    assert_eq!(loaded.summary, summary);
    assert_eq!(loaded.state, state_of(kinds));
    let events = store.events(&camden, case.id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(rebuild(&events), loaded.state);
}

async fn stale_append_is_refused_as_conflict_and_writes_nothing(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let camden = la("202");
    let case = store
        .create_case(new_case(&camden, "CAM-1", &["request_received"]))
        .await
        .unwrap();
    let first = ["request_received", "decided_to_assess"];
    store
        .append(
            &camden,
            case.id,
            1,
            vec![event(first[1])],
            summary_of(first),
            state_of(first),
        )
        .await
        .unwrap();

    let stale = ["request_received", "decided_not_to_assess"];
    let err = store
        .append(
            &camden,
            case.id,
            1,
            vec![event(stale[1])],
            summary_of(stale),
            state_of(stale),
        )
        .await
        .unwrap_err();
    match &err {
        StoreError::Conflict {
            case: c,
            expected,
            found,
        } => {
            assert_eq!((*c, *expected, *found), (case.id, 1, 2));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(err.to_string().contains("reload the case"), "{err}");

    let loaded = store.load_case(&camden, case.id).await.unwrap().unwrap();
    assert_eq!(loaded.version, 2);
    assert_eq!(loaded.state, state_of(first));
    assert_eq!(loaded.summary.stage, "decided_to_assess");
    let events = store.events(&camden, case.id).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].kind, "decided_to_assess");

    // A version from the future is as stale as one from the past.
    let err = store
        .append(
            &camden,
            case.id,
            7,
            vec![event("x")],
            summary_of(["x"]),
            state_of(["x"]),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: 7,
                found: 2,
                ..
            }
        ),
        "{err:?}"
    );
}

async fn append_without_events_or_to_a_missing_case_is_refused(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let camden = la("202");
    let case = store
        .create_case(new_case(&camden, "CAM-1", &["request_received"]))
        .await
        .unwrap();
    let err = store
        .append(
            &camden,
            case.id,
            1,
            vec![],
            summary_of(["x"]),
            state_of(["x"]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NoEvents { .. }), "{err:?}");
    let missing = CaseId(case.id.0 + 1000);
    let err = store
        .append(
            &camden,
            missing,
            1,
            vec![event("x")],
            summary_of(["x"]),
            state_of(["x"]),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound { case } if case == missing),
        "{err:?}"
    );
    assert_eq!(
        store
            .load_case(&camden, case.id)
            .await
            .unwrap()
            .unwrap()
            .version,
        1
    );
}

async fn other_local_authority_cannot_see_or_change_a_case(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let (camden, greenwich) = (la("202"), la("203"));
    let case = store
        .create_case(new_case(&camden, "CAM-1", &["request_received"]))
        .await
        .unwrap();

    assert_eq!(store.load_case(&greenwich, case.id).await.unwrap(), None);
    assert_eq!(
        store.find_by_reference(&greenwich, "CAM-1").await.unwrap(),
        None
    );
    let err = store.events(&greenwich, case.id).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    let err = store
        .append(
            &greenwich,
            case.id,
            1,
            vec![event("x")],
            summary_of(["x"]),
            state_of(["x"]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert_eq!(store.count_cases(&greenwich).await.unwrap(), 0);
    assert!(
        store
            .list_cases(&greenwich, 10, 0)
            .await
            .unwrap()
            .is_empty()
    );

    let loaded = store.load_case(&camden, case.id).await.unwrap().unwrap();
    assert_eq!(loaded.version, 1);
}

async fn duplicate_reference_is_refused_within_an_la_but_not_across(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let (camden, greenwich) = (la("202"), la("203"));
    store
        .create_case(new_case(&camden, "REF-1", &["request_received"]))
        .await
        .unwrap();
    let err = store
        .create_case(new_case(&camden, "REF-1", &["request_received", "other"]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::DuplicateReference { reference } if reference == "REF-1"),
        "{err:?}"
    );
    assert_eq!(store.count_cases(&camden).await.unwrap(), 1);

    store
        .create_case(new_case(&greenwich, "REF-1", &["request_received"]))
        .await
        .unwrap();
    assert_eq!(store.count_cases(&greenwich).await.unwrap(), 1);
    store.integrity_check().await.unwrap();
}

async fn case_for_an_unregistered_la_is_refused(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let unknown = la("999");
    let err = store
        .create_case(new_case(&unknown, "X-1", &["request_received"]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::UnknownLa { la } if *la == unknown),
        "{err:?}"
    );
    let err = store
        .create_cases_batch(vec![
            new_case(&la("202"), "X-2", &["a"]),
            new_case(&unknown, "X-3", &["a"]),
        ])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::UnknownLa { la } if *la == unknown),
        "{err:?}"
    );
    assert!(
        store.is_empty().await.unwrap(),
        "a refused batch writes nothing"
    );
}

async fn rerun_batch_import_creates_nothing_new(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let (camden, greenwich) = (la("202"), la("203"));
    store
        .create_case(new_case(&camden, "IMP-0007", &["imported"]))
        .await
        .unwrap();
    // More than one INSERT's worth, across two LAs, with one reference already stored and one
    // given twice.
    let mut batch: Vec<_> = (0..1200)
        .map(|i| {
            new_case(
                &camden,
                &format!("IMP-{i:04}"),
                &["imported", "caseworker_allocated"],
            )
        })
        .collect();
    batch.push(new_case(&greenwich, "IMP-0001", &["imported"]));
    batch.push(new_case(&camden, "IMP-0002", &["imported"]));

    let first = store.create_cases_batch(batch.clone()).await.unwrap();
    assert_eq!(
        first,
        BatchOutcome {
            created: 1200,
            already_present: 2
        }
    );
    let again = store.create_cases_batch(batch).await.unwrap();
    assert_eq!(
        again,
        BatchOutcome {
            created: 0,
            already_present: 1202
        }
    );

    assert_eq!(store.count_cases(&camden).await.unwrap(), 1200);
    assert_eq!(store.count_cases(&greenwich).await.unwrap(), 1);
    let imported = store
        .find_by_reference(&camden, "IMP-1199")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(imported.version, 2);
    let events = store.events(&camden, imported.id).await.unwrap();
    assert_eq!(rebuild(&events), imported.state);
    // The case stored before the import kept its own events.
    let earlier = store
        .find_by_reference(&camden, "IMP-0007")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kinds_of(&earlier), ["imported"]);
    assert_eq!(store.events(&camden, earlier.id).await.unwrap().len(), 1);
    store.integrity_check().await.unwrap();
}

async fn cases_are_listed_and_counted_per_la(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let (camden, greenwich) = (la("202"), la("203"));
    for i in 0..5 {
        store
            .create_case(new_case(&camden, &format!("C-{i}"), &["a"]))
            .await
            .unwrap();
    }
    store
        .create_case(new_case(&greenwich, "G-0", &["a"]))
        .await
        .unwrap();
    assert_eq!(store.count_cases(&camden).await.unwrap(), 5);
    let page = store.list_cases(&camden, 2, 1).await.unwrap();
    let references: Vec<_> = page.iter().map(|c| c.reference.as_str()).collect();
    assert_eq!(references, ["C-1", "C-2"]);
    assert!(page.iter().all(|c| c.la == camden));
    assert_eq!(store.list_cases(&camden, 10, 0).await.unwrap().len(), 5);
}

async fn event_log_rows_cannot_be_updated_or_deleted(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let camden = la("202");
    let case = store
        .create_case(new_case(&camden, "CAM-1", &["request_received"]))
        .await
        .unwrap();
    let update = raw_execute(&store, "UPDATE case_events SET kind = 'forged'").await;
    let err = update.expect_err("an UPDATE of case_events must fail");
    assert!(err.to_string().contains("append-only"), "{err}");
    let delete = raw_execute(&store, "DELETE FROM case_events").await;
    assert!(
        delete
            .expect_err("a DELETE of case_events must fail")
            .to_string()
            .contains("append-only")
    );
    if backend == TestBackend::Postgres {
        let truncate = raw_execute(&store, "TRUNCATE case_events CASCADE").await;
        assert!(truncate.is_err(), "a TRUNCATE of case_events must fail");
    }
    let events = store.events(&camden, case.id).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, "request_received");
}

async fn integrity_check_reports_a_case_whose_version_disagrees_with_its_events(
    backend: TestBackend,
) {
    let (_db, store) = fresh(backend).await;
    let camden = la("202");
    store
        .create_case(new_case(&camden, "CAM-1", &["a"]))
        .await
        .unwrap();
    let case = store
        .create_case(new_case(&camden, "CAM-2", &["a", "b"]))
        .await
        .unwrap();
    store.integrity_check().await.unwrap();
    raw_execute(
        &store,
        &format!("UPDATE cases SET version = 3 WHERE id = {}", case.id.0),
    )
    .await
    .unwrap();
    let err = store.integrity_check().await.unwrap_err();
    match err {
        StoreError::Inconsistent {
            case: c,
            version,
            events,
            last_seq,
        } => {
            assert_eq!((c, version, events, last_seq), (case.id, 3, 2, 2));
        }
        other => panic!("expected an inconsistency, got {other:?}"),
    }
}

async fn concurrent_appends_to_one_case_give_one_success_and_one_conflict(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let camden = la("202");
    let case = store
        .create_case(new_case(&camden, "CAM-1", &["request_received"]))
        .await
        .unwrap();
    for round in 0..10 {
        let current = store.load_case(&camden, case.id).await.unwrap().unwrap();
        let barrier = Arc::new(Barrier::new(2));
        let writers: Vec<_> = (0..2)
            .map(|writer| {
                let (store, barrier, camden, current) = (
                    store.clone(),
                    barrier.clone(),
                    camden.clone(),
                    current.clone(),
                );
                tokio::spawn(async move {
                    // Each writer decides from the same version, as two caseworkers would.
                    let kind = format!("round{round}_writer{writer}");
                    let mut kinds = kinds_of(&current);
                    kinds.push(kind.clone());
                    let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
                    barrier.wait().await;
                    store
                        .append(
                            &camden,
                            current.id,
                            current.version,
                            vec![event(&kind)],
                            summary_of(kinds.iter().copied()),
                            state_of(kinds.iter().copied()),
                        )
                        .await
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for writer in writers {
            outcomes.push(writer.await.unwrap());
        }
        let successes = outcomes.iter().filter(|o| o.is_ok()).count();
        let conflicts = outcomes
            .iter()
            .filter(|o| {
                matches!(o, Err(StoreError::Conflict { expected, found, .. })
                    if *expected == current.version && *found == current.version + 1)
            })
            .count();
        assert_eq!(
            (successes, conflicts),
            (1, 1),
            "round {round}: {outcomes:?}"
        );

        let after = store.load_case(&camden, case.id).await.unwrap().unwrap();
        let events = store.events(&camden, case.id).await.unwrap();
        assert_eq!(after.version, current.version + 1);
        assert_eq!(events.len() as i64, after.version);
        assert_eq!(
            rebuild(&events),
            after.state,
            "state must be what the events say"
        );
    }
    store.integrity_check().await.unwrap();
}

/// Appends to random cases (and now and then creates one) until told to stop; returns how many
/// writes it made.
fn spawn_writer(
    store: Backend,
    stop: Arc<AtomicBool>,
    writes: Arc<AtomicU64>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let camden = la("202");
        let mut created = 0;
        while !stop.load(Ordering::Relaxed) {
            let n = writes.load(Ordering::Relaxed);
            if n % 5 == 0 {
                let reference = format!("LIVE-{created}");
                created += 1;
                store
                    .create_case(new_case(&camden, &reference, &["request_received"]))
                    .await
                    .unwrap();
            } else {
                let cases = store.list_cases(&camden, 1000, 0).await.unwrap();
                let case = &cases[fastrand::usize(..cases.len())];
                let mut kinds = kinds_of(case);
                kinds.push(format!("step{n}"));
                let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
                let kind = kinds[kinds.len() - 1];
                store
                    .append(
                        &camden,
                        case.id,
                        case.version,
                        vec![event(kind)],
                        summary_of(kinds.iter().copied()),
                        state_of(kinds.iter().copied()),
                    )
                    .await
                    .unwrap();
            }
            writes.fetch_add(1, Ordering::Relaxed);
        }
    })
}

/// Every case's state is what its events say, and the version is their number.
async fn assert_consistent(store: &Backend) {
    store.integrity_check().await.unwrap();
    let camden = la("202");
    for case in store.list_cases(&camden, 100_000, 0).await.unwrap() {
        let events = store.events(&camden, case.id).await.unwrap();
        assert_eq!(events.len() as i64, case.version, "case {}", case.id);
        assert_eq!(rebuild(&events), case.state, "case {}", case.id);
    }
}

async fn backup_taken_during_writes_restores_to_a_consistent_database(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let camden = la("202");
    let seed: Vec<_> = (0..20)
        .map(|i| new_case(&camden, &format!("SEED-{i}"), &["request_received"]))
        .collect();
    store.create_cases_batch(seed).await.unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let writes = Arc::new(AtomicU64::new(0));
    let writer = spawn_writer(store.clone(), stop.clone(), writes.clone());
    tokio::time::sleep(Duration::from_millis(150)).await;
    let before = writes.load(Ordering::Relaxed);
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("waymark.backup");
    store.backup_to(&backup).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    let total = writes.load(Ordering::Relaxed);
    assert!(
        before > 0 && total > before,
        "the writer ran before and after the backup ({before}, {total})"
    );
    let err = store.backup_to(&backup).await.unwrap_err();
    assert!(matches!(err, StoreError::BackupExists { .. }), "{err:?}");

    let target = TestDb::new(backend).await;
    restore(target.url(), &backup, false).await.unwrap();
    let restored = target.store().await;
    assert_consistent(&restored).await;
    let count = restored.count_cases(&camden).await.unwrap();
    assert!(
        (20..=store.count_cases(&camden).await.unwrap()).contains(&count),
        "{count}"
    );
    assert_consistent(&store).await;
}

async fn restore_refuses_a_non_empty_database_unless_forced(backend: TestBackend) {
    let (db, store) = fresh(backend).await;
    let camden = la("202");
    store
        .create_case(new_case(&camden, "BEFORE", &["a"]))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("waymark.backup");
    store.backup_to(&backup).await.unwrap();
    store
        .create_case(new_case(&camden, "AFTER", &["a"]))
        .await
        .unwrap();
    // A restore must not run under a server: close the store as `waymark restore` would find it.
    store.close().await;
    drop(store);

    let err = restore(db.url(), &backup, false).await.unwrap_err();
    assert!(matches!(err, StoreError::NotEmpty), "{err:?}");
    assert!(err.to_string().contains("--force"), "{err}");
    let untouched = db.store().await;
    assert_eq!(untouched.count_cases(&camden).await.unwrap(), 2);
    untouched.close().await;
    drop(untouched);

    restore(db.url(), &backup, true).await.unwrap();
    let restored = db.store().await;
    assert_eq!(restored.count_cases(&camden).await.unwrap(), 1);
    assert!(
        restored
            .find_by_reference(&camden, "BEFORE")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        restored
            .find_by_reference(&camden, "AFTER")
            .await
            .unwrap()
            .is_none()
    );
    // The restored database takes writes.
    restored
        .create_case(new_case(&camden, "AFTER", &["a"]))
        .await
        .unwrap();
    assert_consistent(&restored).await;
}

async fn restore_rejects_a_file_that_is_not_a_backup(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("notes.txt");
    std::fs::write(&bogus, "this is not a database backup\n".repeat(200)).unwrap();
    let target = TestDb::new(backend).await;
    let err = restore(target.url(), &bogus, false).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert!(err.to_string().contains("notes.txt"), "{err}");
    let store = target.store().await;
    assert!(store.is_empty().await.unwrap());
}

macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(waymark_store::testing::TestBackend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(waymark_store::testing::TestBackend::Postgres).await;
                }
            )*
        }
    };
}

on_both_backends!(
    fresh_database_is_empty_and_passes_integrity_check,
    a_new_case_loads_back_as_created,
    append_advances_the_version_and_replaces_summary_and_state,
    stale_append_is_refused_as_conflict_and_writes_nothing,
    append_without_events_or_to_a_missing_case_is_refused,
    other_local_authority_cannot_see_or_change_a_case,
    duplicate_reference_is_refused_within_an_la_but_not_across,
    case_for_an_unregistered_la_is_refused,
    rerun_batch_import_creates_nothing_new,
    cases_are_listed_and_counted_per_la,
    event_log_rows_cannot_be_updated_or_deleted,
    integrity_check_reports_a_case_whose_version_disagrees_with_its_events,
    concurrent_appends_to_one_case_give_one_success_and_one_conflict,
    backup_taken_during_writes_restores_to_a_consistent_database,
    restore_refuses_a_non_empty_database_unless_forced,
    restore_rejects_a_file_that_is_not_a_backup,
);

mod documents;
mod engine;
mod identity;
mod portal;

/// SQLite only: a restore must not replace the file under a running server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_restore_refuses_a_database_that_a_server_has_open() {
    let (db, store) = fresh(TestBackend::Sqlite).await;
    store
        .create_case(new_case(&la("202"), "OPEN", &["a"]))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("waymark.backup");
    store.backup_to(&backup).await.unwrap();
    let err = restore(db.url(), &backup, true).await.unwrap_err();
    assert!(matches!(err, StoreError::InUse { .. }), "{err:?}");
    assert_eq!(store.count_cases(&la("202")).await.unwrap(), 1);
}
