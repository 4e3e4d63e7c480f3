//! Accounts, sign-in rate limiting, sessions, API tokens, relationship access and the
//! hash-chained audit trail, on both backends. The audit trail is tampered with directly in the
//! database (after dropping or disabling its append-only triggers, as its owner could), and
//! `verify_audit` must name the first broken row.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use tokio::sync::Barrier;
use waymark_domain::actor::Role;
use waymark_store::prelude::*;
use waymark_store::testing::{TestBackend, TestDb};
use waymark_store::{
    Backend, CaseAccess, CaseId, NewAuditEntry, NewUser, OIDC_LOGIN_EXPIRY, OidcLogin, Session,
    StoreError, User, UserId, restore,
};

use super::{fresh, la, new_case, raw_execute};

/// `seconds` after 09:00 on 3 March 2025 (whole seconds round-trip exactly on both backends).
fn t(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap() + Duration::seconds(seconds)
}

fn new_user(email: &str, role: Role, la_code: &str) -> NewUser {
    NewUser {
        email: email.to_string(),
        name: "Ada O'Hara <b>".to_string(),
        role,
        la: la(la_code),
        organisation: None,
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string()),
    }
}

async fn user(store: &Backend, email: &str, role: Role) -> User {
    store
        .create_user(new_user(email, role, "202"))
        .await
        .unwrap()
}

async fn users_are_created_found_and_changed(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let mut professional = new_user("  Sam.Jones@Riverside.NHS.uk ", Role::Professional, "202");
    professional.organisation = Some("Riverside NHS Trust".to_string());
    let created = store.create_user(professional).await.unwrap();
    assert_eq!(created.email, "sam.jones@riverside.nhs.uk");
    assert_eq!(created.role, Role::Professional);
    assert_eq!(created.organisation.as_deref(), Some("Riverside NHS Trust"));
    assert_eq!((created.failed_sign_ins, created.disabled), (0, false));
    assert_eq!(created.locked_until, None);

    assert_eq!(
        store.find_user(created.id).await.unwrap().as_ref(),
        Some(&created)
    );
    let by_email = store
        .find_user_by_email("SAM.JONES@riverside.nhs.UK")
        .await
        .unwrap();
    assert_eq!(by_email.as_ref(), Some(&created));
    assert_eq!(
        store.find_user(UserId(created.id.0 + 100)).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .find_user_by_email("nobody@example.org")
            .await
            .unwrap(),
        None
    );

    let admin = user(&store, "admin@camden.gov.uk", Role::Admin).await;
    store
        .create_user(new_user("admin@greenwich.gov.uk", Role::Admin, "203"))
        .await
        .unwrap();
    let camden: Vec<UserId> = store
        .list_users(&la("202"))
        .await
        .unwrap()
        .iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(camden, [created.id, admin.id]);

    store
        .set_password(created.id, "$argon2id$new")
        .await
        .unwrap();
    store
        .set_totp_secret(created.id, Some("JBSWY3DPEHPK3PXP"))
        .await
        .unwrap();
    store.set_role(created.id, Role::Caseworker).await.unwrap();
    let changed = store.find_user(created.id).await.unwrap().unwrap();
    assert_eq!(changed.password_hash.as_deref(), Some("$argon2id$new"));
    assert_eq!(changed.totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
    assert_eq!(changed.role, Role::Caseworker);
    store.set_totp_secret(created.id, None).await.unwrap();
    assert_eq!(
        store
            .find_user(created.id)
            .await
            .unwrap()
            .unwrap()
            .totp_secret,
        None
    );
}

async fn duplicate_email_is_refused_whatever_its_case(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    user(&store, "ada@example.org", Role::Caseworker).await;
    for email in ["ada@example.org", "ADA@Example.Org", " ada@example.org"] {
        let err = store
            .create_user(new_user(email, Role::Parent, "203"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::DuplicateEmail),
            "{email}: {err:?}"
        );
        assert!(!err.to_string().contains("ada@"), "{err}");
    }
    assert_eq!(store.list_users(&la("203")).await.unwrap(), []);
}

async fn users_of_an_unregistered_la_or_missing_users_are_refused(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let err = store
        .create_user(new_user("ada@example.org", Role::Admin, "999"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownLa { .. }), "{err:?}");
    let missing = UserId(4242);
    for err in [
        store.set_password(missing, "x").await.unwrap_err(),
        store.set_role(missing, Role::Admin).await.unwrap_err(),
        store.set_disabled(missing, true).await.unwrap_err(),
        store.clear_failed_sign_ins(missing).await.unwrap_err(),
        store
            .record_failed_sign_in(missing, t(0), 5, Duration::minutes(15))
            .await
            .unwrap_err(),
    ] {
        assert!(
            matches!(err, StoreError::UserNotFound { user } if user == missing),
            "{err:?}"
        );
    }
}

async fn failed_sign_ins_lock_the_account_at_the_threshold_until_cleared(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let ada = user(&store, "ada@example.org", Role::Caseworker).await;
    let lock_for = Duration::minutes(15);
    for attempt in 1..=4 {
        let after = store
            .record_failed_sign_in(ada.id, t(attempt), 5, lock_for)
            .await
            .unwrap();
        assert_eq!(after.failed_sign_ins, i32::try_from(attempt).unwrap());
        assert_eq!(after.locked_until, None, "attempt {attempt}");
    }
    let locked = store
        .record_failed_sign_in(ada.id, t(5), 5, lock_for)
        .await
        .unwrap();
    assert_eq!(locked.failed_sign_ins, 5);
    assert_eq!(locked.locked_until, Some(t(5) + lock_for));
    assert!(locked.is_locked(t(5) + Duration::minutes(14)));
    assert!(!locked.is_locked(t(5) + lock_for));
    assert_eq!(store.find_user(ada.id).await.unwrap().unwrap(), locked);

    store.clear_failed_sign_ins(ada.id).await.unwrap();
    let cleared = store.find_user(ada.id).await.unwrap().unwrap();
    assert_eq!((cleared.failed_sign_ins, cleared.locked_until), (0, None));
}

async fn concurrent_failed_sign_ins_all_count(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let ada = user(&store, "ada@example.org", Role::Caseworker).await;
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .record_failed_sign_in(ada.id, t(i), 100, Duration::minutes(15))
                    .await
                    .unwrap()
                    .failed_sign_ins
            })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        counts.push(task.await.unwrap());
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=10).collect::<Vec<_>>());
}

async fn rate_limit_counts_hits_within_the_window_and_forgets_older_ones(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let window = Duration::minutes(1);
    let key = "signin:ip:192.0.2.1";
    for (second, expected) in [(0, 1), (10, 2), (59, 3)] {
        let hits = store.count_and_record_hit(key, t(second), window).await;
        assert_eq!(hits.unwrap(), expected, "hit at {second}s");
    }
    // Another key counts on its own.
    let other = store
        .count_and_record_hit("signin:user:7", t(59), window)
        .await;
    assert_eq!(other.unwrap(), 1);
    // At 60 s the hit at 0 s is outside the window; at 200 s every earlier one is.
    assert_eq!(
        store
            .count_and_record_hit(key, t(60), window)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        store
            .count_and_record_hit(key, t(200), window)
            .await
            .unwrap(),
        1
    );
    let remaining = raw_execute(
        &store,
        "DELETE FROM rate_limit_hits WHERE key = 'signin:ip:192.0.2.1'",
    )
    .await
    .unwrap();
    assert_eq!(remaining, 1, "old hits of the key are pruned as it is hit");

    assert_eq!(store.prune_rate_limit_hits(t(60)).await.unwrap(), 1);
    assert_eq!(
        store
            .count_and_record_hit("signin:user:7", t(61), window)
            .await
            .unwrap(),
        1
    );
}

async fn concurrent_hits_on_one_key_from_two_instances_each_get_their_own_count(
    backend: TestBackend,
) {
    let (db, first) = fresh(backend).await;
    let second = db.store().await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = if i % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tokio::spawn(async move {
                store
                    .count_and_record_hit("signin:user:1", t(i), Duration::hours(1))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        counts.push(task.await.unwrap());
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=20).collect::<Vec<i64>>());
}

fn session(token_hash: &str, user: UserId, expires_at: DateTime<Utc>) -> Session {
    Session {
        token_hash: token_hash.to_string(),
        user_id: user,
        csrf_token: format!("csrf-{token_hash}"),
        created_at: t(0),
        last_seen_at: t(0),
        expires_at,
    }
}

async fn sessions_are_found_touched_deleted_and_expire(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let ada = user(&store, "ada@example.org", Role::Caseworker).await;
    let short = session("a1", ada.id, t(600));
    let long = session("b2", ada.id, t(3600));
    store.create_session(short.clone()).await.unwrap();
    store.create_session(long.clone()).await.unwrap();
    assert_eq!(store.find_session("a1").await.unwrap(), Some(short));
    assert_eq!(store.find_session("zz").await.unwrap(), None);

    store.touch_session("b2", t(120)).await.unwrap();
    let touched = store.find_session("b2").await.unwrap().unwrap();
    assert_eq!(touched.last_seen_at, t(120));
    assert_eq!(touched.created_at, t(0));

    // Expiry is inclusive: a session whose absolute timeout is now is over.
    assert_eq!(store.delete_expired_sessions(t(599)).await.unwrap(), 0);
    assert_eq!(store.delete_expired_sessions(t(600)).await.unwrap(), 1);
    assert_eq!(store.find_session("a1").await.unwrap(), None);

    store.delete_session("b2").await.unwrap();
    store.delete_session("b2").await.unwrap();
    assert_eq!(store.find_session("b2").await.unwrap(), None);

    let err = store
        .create_session(session("c3", UserId(4242), t(600)))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UserNotFound { .. }), "{err:?}");
}

async fn sign_out_everywhere_ends_every_session_of_that_user_only(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let ada = user(&store, "ada@example.org", Role::Caseworker).await;
    let ben = user(&store, "ben@example.org", Role::Manager).await;
    for hash in ["a1", "a2", "a3"] {
        store
            .create_session(session(hash, ada.id, t(600)))
            .await
            .unwrap();
    }
    store
        .create_session(session("b1", ben.id, t(600)))
        .await
        .unwrap();
    assert_eq!(store.delete_sessions_for_user(ada.id).await.unwrap(), 3);
    assert_eq!(store.find_session("a2").await.unwrap(), None);
    assert!(store.find_session("b1").await.unwrap().is_some());

    // Disabling an account signs it out everywhere too.
    store.set_disabled(ben.id, true).await.unwrap();
    assert_eq!(store.find_session("b1").await.unwrap(), None);
    assert!(store.find_user(ben.id).await.unwrap().unwrap().disabled);
    store.set_disabled(ben.id, false).await.unwrap();
    assert!(!store.find_user(ben.id).await.unwrap().unwrap().disabled);
}

async fn api_tokens_are_found_by_hash_until_revoked(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let ada = user(&store, "ada@example.org", Role::Caseworker).await;
    let ben = user(&store, "ben@example.org", Role::Manager).await;
    let export = store
        .create_api_token(ada.id, "SEN2 export", "hash-1", t(0))
        .await
        .unwrap();
    let other = store
        .create_api_token(ada.id, "Dashboard", "hash-2", t(5))
        .await
        .unwrap();
    assert_eq!(export.name, "SEN2 export");
    assert_eq!((export.last_used_at, export.revoked_at), (None, None));

    let (found, owner) = store.find_api_token("hash-1").await.unwrap().unwrap();
    assert_eq!(found, export);
    assert_eq!(owner, ada);
    assert_eq!(store.find_api_token("hash-9").await.unwrap(), None);

    store.touch_api_token(export.id, t(30)).await.unwrap();
    let listed = store.list_api_tokens(ada.id).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].last_used_at, Some(t(30)));
    assert_eq!(listed[1], other);
    assert_eq!(store.list_api_tokens(ben.id).await.unwrap(), []);

    // Only the owner can revoke a token, and only once.
    assert!(
        !store
            .revoke_api_token(export.id, ben.id, t(40))
            .await
            .unwrap()
    );
    assert!(store.find_api_token("hash-1").await.unwrap().is_some());
    assert!(
        store
            .revoke_api_token(export.id, ada.id, t(40))
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_api_token(export.id, ada.id, t(41))
            .await
            .unwrap()
    );
    assert_eq!(store.find_api_token("hash-1").await.unwrap(), None);
    let listed = store.list_api_tokens(ada.id).await.unwrap();
    assert_eq!(listed[0].revoked_at, Some(t(40)));

    // A disabled user's tokens stop working.
    store.set_disabled(ada.id, true).await.unwrap();
    assert_eq!(store.find_api_token("hash-2").await.unwrap(), None);

    let err = store
        .create_api_token(UserId(4242), "x", "hash-3", t(0))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UserNotFound { .. }), "{err:?}");
}

async fn case_access_is_granted_once_closed_and_kept_as_history(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let camden = la("202");
    let first = store
        .create_case(new_case(&camden, "CAM-1", &["request_received"]))
        .await
        .unwrap();
    let second = store
        .create_case(new_case(&camden, "CAM-2", &["request_received"]))
        .await
        .unwrap();
    let greenwich = store
        .create_case(new_case(&la("203"), "GRE-1", &["request_received"]))
        .await
        .unwrap();
    let ed_psych = user(&store, "ep@example.org", Role::Professional).await;
    let parent = user(&store, "parent@example.org", Role::Parent).await;

    for _ in 0..2 {
        store
            .grant_case_access(ed_psych.id, first.id, &camden, CaseAccess::ADVICE, t(0))
            .await
            .unwrap();
    }
    store
        .grant_case_access(ed_psych.id, first.id, &camden, CaseAccess::NAMED, t(1))
        .await
        .unwrap();
    store
        .grant_case_access(ed_psych.id, second.id, &camden, CaseAccess::ADVICE, t(2))
        .await
        .unwrap();
    store
        .grant_case_access(parent.id, second.id, &camden, CaseAccess::PARENT, t(3))
        .await
        .unwrap();

    let open = store.open_case_access(ed_psych.id, first.id).await.unwrap();
    let relations: Vec<&str> = open.iter().map(|a| a.relation.as_str()).collect();
    assert_eq!(relations, [CaseAccess::ADVICE, CaseAccess::NAMED]);
    assert_eq!(open[0].la, camden);
    assert_eq!((open[0].opened_at, open[0].closed_at), (t(0), None));
    assert_eq!(
        store.cases_for_user(ed_psych.id).await.unwrap(),
        [first.id, second.id]
    );
    assert_eq!(store.cases_for_user(parent.id).await.unwrap(), [second.id]);
    assert_eq!(
        store.open_case_access(parent.id, first.id).await.unwrap(),
        []
    );

    // Advice given: that relation closes, being named keeps the case open to them.
    assert!(
        store
            .close_case_access(ed_psych.id, first.id, CaseAccess::ADVICE, t(10))
            .await
            .unwrap()
    );
    assert!(
        !store
            .close_case_access(ed_psych.id, first.id, CaseAccess::ADVICE, t(11))
            .await
            .unwrap()
    );
    let open = store.open_case_access(ed_psych.id, first.id).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].relation, CaseAccess::NAMED);
    store
        .close_case_access(ed_psych.id, first.id, CaseAccess::NAMED, t(12))
        .await
        .unwrap();
    assert_eq!(
        store.cases_for_user(ed_psych.id).await.unwrap(),
        [second.id]
    );
    // A new request for advice opens it again; the closed rows stay as history.
    store
        .grant_case_access(ed_psych.id, first.id, &camden, CaseAccess::ADVICE, t(20))
        .await
        .unwrap();
    let reopened = store.open_case_access(ed_psych.id, first.id).await.unwrap();
    assert_eq!(reopened.len(), 1);
    assert_eq!(reopened[0].opened_at, t(20));
    let rows = raw_execute(&store, "UPDATE case_access SET relation = relation")
        .await
        .unwrap();
    assert_eq!(rows, 5, "closed grants are kept");

    // A case of another LA, or named under the wrong LA, is not found.
    let err = store
        .grant_case_access(ed_psych.id, greenwich.id, &camden, CaseAccess::ADVICE, t(0))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    let err = store
        .grant_case_access(ed_psych.id, first.id, &camden, "friend", t(0))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownRelation { .. }), "{err:?}");
    let err = store
        .grant_case_access(UserId(4242), first.id, &camden, CaseAccess::ADVICE, t(0))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UserNotFound { .. }), "{err:?}");
}

fn audit(action: &str, user: Option<UserId>, case: Option<CaseId>, second: i64) -> NewAuditEntry {
    NewAuditEntry {
        at: t(second),
        user_id: user,
        la: Some(la("202")),
        action: action.to_string(),
        record_type: "case".to_string(),
        record_id: case.map(|c| c.0.to_string()),
        case_id: case,
        ip: Some("192.0.2.10".to_string()),
    }
}

/// A store with `n` audit rows (seq 1..=n).
async fn with_audit_rows(backend: TestBackend, n: i64) -> (TestDb, Backend) {
    let (db, store) = fresh(backend).await;
    for i in 0..n {
        store
            .append_audit(audit(
                "view_case",
                Some(UserId(1)),
                Some(CaseId(i % 3 + 1)),
                i,
            ))
            .await
            .unwrap();
    }
    let report = store.verify_audit().await.unwrap();
    assert_eq!(
        (report.rows, report.first_broken),
        (u64::try_from(n).unwrap(), None)
    );
    (db, store)
}

/// Removes the append-only protection, as the database's owner could.
async fn disable_audit_triggers(store: &Backend) {
    let statements: &[&str] = match store {
        Backend::Sqlite(_) => &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ],
        Backend::Postgres(_) => &["ALTER TABLE audit_log DISABLE TRIGGER USER"],
    };
    for sql in statements {
        raw_execute(store, sql).await.unwrap();
    }
}

/// The first broken row's number and reason, which there must be.
async fn first_broken(store: &Backend) -> (i64, String) {
    let report = store.verify_audit().await.unwrap();
    let broken = report.first_broken.expect("the damage was not detected");
    (broken.seq, broken.reason)
}

async fn concurrent_audit_appends_from_two_instances_form_one_valid_chain(backend: TestBackend) {
    let (db, first) = fresh(backend).await;
    let second = db.store().await;
    let start = Arc::new(Barrier::new(4));
    let tasks: Vec<_> = (0..4_i64)
        .map(|task| {
            let store = if task % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                for i in 0..50 {
                    let entry = audit("view_case", Some(UserId(task)), Some(CaseId(i)), i);
                    store.append_audit(entry).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let report = second.verify_audit().await.unwrap();
    assert_eq!(report.rows, 200);
    assert_eq!(report.first_broken, None);
    let all = first
        .search_audit(&la("202"), None, None, 1000)
        .await
        .unwrap();
    let seqs: Vec<i64> = all.iter().rev().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=200).collect::<Vec<_>>());
}

async fn audit_rows_cannot_be_updated_or_deleted(backend: TestBackend) {
    let (_db, store) = with_audit_rows(backend, 3).await;
    for sql in [
        "UPDATE audit_log SET action = 'nothing_to_see'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_head",
    ] {
        let err = raw_execute(&store, sql).await.unwrap_err();
        assert!(
            err.to_string().contains("append-only") || err.to_string().contains("never"),
            "{sql}: {err}"
        );
    }
    if backend == TestBackend::Postgres {
        assert!(raw_execute(&store, "TRUNCATE audit_log").await.is_err());
    }
    assert_eq!(store.verify_audit().await.unwrap().rows, 3);
}

async fn audit_verify_detects_an_edited_row(backend: TestBackend) {
    let (_db, store) = with_audit_rows(backend, 10).await;
    disable_audit_triggers(&store).await;
    raw_execute(&store, "UPDATE audit_log SET user_id = 99 WHERE seq = 4")
        .await
        .unwrap();
    let (seq, reason) = first_broken(&store).await;
    assert_eq!(seq, 4, "{reason}");
    assert!(reason.contains("changed"), "{reason}");
    assert_eq!(store.verify_audit().await.unwrap().rows, 3);
}

async fn audit_verify_detects_a_deleted_middle_row(backend: TestBackend) {
    let (_db, store) = with_audit_rows(backend, 10).await;
    disable_audit_triggers(&store).await;
    raw_execute(&store, "DELETE FROM audit_log WHERE seq = 6")
        .await
        .unwrap();
    let (seq, reason) = first_broken(&store).await;
    assert_eq!(seq, 6, "{reason}");
    assert!(reason.contains("missing"), "{reason}");
}

async fn audit_verify_detects_a_deleted_last_row(backend: TestBackend) {
    let (_db, store) = with_audit_rows(backend, 10).await;
    disable_audit_triggers(&store).await;
    raw_execute(&store, "DELETE FROM audit_log WHERE seq = 10")
        .await
        .unwrap();
    let (seq, reason) = first_broken(&store).await;
    assert_eq!(seq, 10, "{reason}");
    assert!(reason.contains("should end at row 10"), "{reason}");
}

async fn audit_verify_detects_two_rows_swapped(backend: TestBackend) {
    let (_db, store) = with_audit_rows(backend, 10).await;
    disable_audit_triggers(&store).await;
    for sql in [
        "UPDATE audit_log SET seq = 1000 WHERE seq = 3",
        "UPDATE audit_log SET seq = 3 WHERE seq = 4",
        "UPDATE audit_log SET seq = 4 WHERE seq = 1000",
    ] {
        raw_execute(&store, sql).await.unwrap();
    }
    let (seq, reason) = first_broken(&store).await;
    assert_eq!(seq, 3, "{reason}");
}

async fn audit_verify_detects_a_row_added_behind_waymarks_back(backend: TestBackend) {
    let (_db, store) = with_audit_rows(backend, 3).await;
    raw_execute(
        &store,
        "INSERT INTO audit_log (seq, at, action, record_type, prev_hash, hash) \
         SELECT 4, at, 'view_case', 'case', hash, hash FROM audit_log WHERE seq = 3",
    )
    .await
    .unwrap();
    let (seq, reason) = first_broken(&store).await;
    assert_eq!(seq, 4, "{reason}");
    assert!(reason.contains("outside"), "{reason}");
}

async fn audit_search_shows_who_looked_at_a_case_newest_first_within_the_la(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let (case, other_case) = (CaseId(7), CaseId(8));
    let (ada, ben) = (UserId(1), UserId(2));
    store
        .append_audit(audit("view_case", Some(ada), Some(case), 0))
        .await
        .unwrap();
    store
        .append_audit(audit("view_case", Some(ben), Some(other_case), 1))
        .await
        .unwrap();
    store
        .append_audit(audit("record_decision", Some(ben), Some(case), 2))
        .await
        .unwrap();
    let mut elsewhere = audit("view_case", Some(ada), Some(case), 3);
    elsewhere.la = Some(la("203"));
    store.append_audit(elsewhere).await.unwrap();
    let mut sign_in = audit("sign_in", Some(ada), None, 4);
    sign_in.record_type = "session".to_string();
    store.append_audit(sign_in).await.unwrap();

    let who = store
        .search_audit(&la("202"), Some(case), None, 50)
        .await
        .unwrap();
    let seen: Vec<(i64, Option<UserId>, &str)> = who
        .iter()
        .map(|e| (e.seq, e.user_id, e.action.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (3, Some(ben), "record_decision"),
            (1, Some(ada), "view_case")
        ]
    );
    assert_eq!(who[1].at, t(0));
    assert_eq!(who[1].ip.as_deref(), Some("192.0.2.10"));
    assert_eq!(who[1].record_id.as_deref(), Some("7"));

    let by_ben = store
        .search_audit(&la("202"), None, Some(ben), 50)
        .await
        .unwrap();
    assert_eq!(by_ben.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 2]);
    let latest = store.search_audit(&la("202"), None, None, 2).await.unwrap();
    assert_eq!(latest.iter().map(|e| e.seq).collect::<Vec<_>>(), [5, 3]);
    let greenwich = store
        .search_audit(&la("203"), Some(case), Some(ada), 50)
        .await
        .unwrap();
    assert_eq!(greenwich.iter().map(|e| e.seq).collect::<Vec<_>>(), [4]);
}

async fn backup_and_restore_keep_accounts_and_an_intact_audit_trail(backend: TestBackend) {
    let (_db, store) = with_audit_rows(backend, 5).await;
    let ada = user(&store, "ada@example.org", Role::Admin).await;
    store
        .create_session(session("a1", ada.id, t(600)))
        .await
        .unwrap();
    // Accounts alone do not make a database "non-empty" for restore: only cases and events do.
    assert!(store.is_empty().await.unwrap());
    store
        .create_case(new_case(&la("202"), "CAM-1", &["request_received"]))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("waymark.backup");
    store.backup_to(&backup).await.unwrap();

    let target = TestDb::new(backend).await;
    restore(target.url(), &backup, false).await.unwrap();
    let restored = target.store().await;
    restored.integrity_check().await.unwrap();
    assert_eq!(restored.find_user(ada.id).await.unwrap(), Some(ada));
    assert!(restored.find_session("a1").await.unwrap().is_some());
    let report = restored.verify_audit().await.unwrap();
    assert_eq!((report.rows, report.first_broken), (5, None));
    // The restored trail carries on from where it was.
    restored
        .append_audit(audit("view_case", None, None, 99))
        .await
        .unwrap();
    assert_eq!(restored.verify_audit().await.unwrap().rows, 6);
    // And stays append-only.
    assert!(
        raw_execute(&restored, "DELETE FROM audit_log")
            .await
            .is_err()
    );
}

fn oidc_login(state_hash: &str, created_at: DateTime<Utc>) -> OidcLogin {
    OidcLogin {
        state_hash: state_hash.to_string(),
        nonce: format!("nonce-of-{state_hash}"),
        pkce_verifier: format!("verifier-of-{state_hash}"),
        created_at,
    }
}

async fn oidc_login_is_taken_once_by_its_state_hash(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    store
        .create_oidc_login(&oidc_login("state-a", t(0)))
        .await
        .unwrap();
    store
        .create_oidc_login(&oidc_login("state-b", t(1)))
        .await
        .unwrap();

    assert_eq!(store.take_oidc_login("state-x", t(2)).await.unwrap(), None);
    let taken = store.take_oidc_login("state-a", t(2)).await.unwrap();
    assert_eq!(taken, Some(oidc_login("state-a", t(0))));
    // Single use: a replayed state finds nothing; the other login is untouched.
    assert_eq!(store.take_oidc_login("state-a", t(3)).await.unwrap(), None);
    assert_eq!(
        store.take_oidc_login("state-b", t(3)).await.unwrap(),
        Some(oidc_login("state-b", t(1)))
    );
}

async fn oidc_login_expires_ten_minutes_after_it_was_started(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let ten_minutes = OIDC_LOGIN_EXPIRY.num_seconds();
    assert_eq!(ten_minutes, 600);
    store
        .create_oidc_login(&oidc_login("in-time", t(0)))
        .await
        .unwrap();
    store
        .create_oidc_login(&oidc_login("too-late", t(0)))
        .await
        .unwrap();
    assert!(
        store
            .take_oidc_login("in-time", t(ten_minutes - 1))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .take_oidc_login("too-late", t(ten_minutes))
            .await
            .unwrap(),
        None
    );

    // Abandoned logins are deleted when another is started after they expire.
    store
        .create_oidc_login(&oidc_login("abandoned", t(0)))
        .await
        .unwrap();
    store
        .create_oidc_login(&oidc_login("later", t(ten_minutes)))
        .await
        .unwrap();
    let left = raw_execute(
        &store,
        "DELETE FROM oidc_logins WHERE state_hash = 'abandoned'",
    )
    .await
    .unwrap();
    assert_eq!(left, 0, "the expired login should have been deleted");
}

async fn concurrent_callbacks_take_an_oidc_login_once(backend: TestBackend) {
    let (db, first) = fresh(backend).await;
    let second = db.store().await;
    for i in 0..10 {
        first
            .create_oidc_login(&oidc_login(&format!("state-{i}"), t(0)))
            .await
            .unwrap();
    }
    // Each state is taken twice at once, from two instances: a double click, or a replay
    // racing the real callback.
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = if i % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tokio::spawn(async move {
                let state = format!("state-{}", i / 2);
                store.take_oidc_login(&state, t(1)).await.unwrap()
            })
        })
        .collect();
    let mut taken = Vec::new();
    for task in tasks {
        if let Some(login) = task.await.unwrap() {
            taken.push(login.state_hash);
        }
    }
    taken.sort_unstable();
    let mut expected: Vec<String> = (0..10).map(|i| format!("state-{i}")).collect();
    expected.sort_unstable();
    assert_eq!(taken, expected);
}

on_both_backends!(
    users_are_created_found_and_changed,
    duplicate_email_is_refused_whatever_its_case,
    users_of_an_unregistered_la_or_missing_users_are_refused,
    failed_sign_ins_lock_the_account_at_the_threshold_until_cleared,
    concurrent_failed_sign_ins_all_count,
    rate_limit_counts_hits_within_the_window_and_forgets_older_ones,
    concurrent_hits_on_one_key_from_two_instances_each_get_their_own_count,
    sessions_are_found_touched_deleted_and_expire,
    sign_out_everywhere_ends_every_session_of_that_user_only,
    api_tokens_are_found_by_hash_until_revoked,
    case_access_is_granted_once_closed_and_kept_as_history,
    concurrent_audit_appends_from_two_instances_form_one_valid_chain,
    audit_rows_cannot_be_updated_or_deleted,
    audit_verify_detects_an_edited_row,
    audit_verify_detects_a_deleted_middle_row,
    audit_verify_detects_a_deleted_last_row,
    audit_verify_detects_two_rows_swapped,
    audit_verify_detects_a_row_added_behind_waymarks_back,
    audit_search_shows_who_looked_at_a_case_newest_first_within_the_la,
    backup_and_restore_keep_accounts_and_an_intact_audit_trail,
    oidc_login_is_taken_once_by_its_state_hash,
    oidc_login_expires_ten_minutes_after_it_was_started,
    concurrent_callbacks_take_an_oidc_login_once,
);
