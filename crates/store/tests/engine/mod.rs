//! The case engine through the store: domain commands checked by `decide`, their events and
//! state written together, on both backends. The event log must always rebuild the stored state.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use tokio::sync::Barrier;
use waymark_domain::actor::{Actor, Role};
use waymark_domain::case::{AdviceKind, Child, Placement, PlanSections, Request, Stage};
use waymark_domain::command::{Command, NewRequest, Refusal};
use waymark_store::cases::{self, CaseError, LoadedCase};
use waymark_store::prelude::*;
use waymark_store::testing::TestBackend;
use waymark_store::{Backend, Setting, StoreError};

use super::{fresh, la};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn today() -> NaiveDate {
    d("2026-11-23")
}

fn caseworker(user: &str) -> Actor {
    Actor {
        user: user.into(),
        role: Role::Caseworker,
        la: la("202"),
    }
}

fn request(reference: &str) -> NewRequest {
    NewRequest {
        reference: reference.into(),
        child: Child {
            given_name: "Robert'); DROP TABLE cases;--".into(),
            family_name: "O'Hara <b>".into(),
            date_of_birth: d("2016-03-01"),
            upn: None,
            uln: None,
            nhs_number: None,
            address: None,
            parents: vec![],
            school: None,
        },
        request: Request {
            received: d("2026-01-05"),
            source: "PAR".into(),
            reasons: "Needs are not being met".into(),
        },
    }
}

fn school() -> Placement {
    Placement {
        urn: Some("100001".into()),
        setting_code: None,
        name: "Hillside Primary School".into(),
        placement_type: "MS".into(),
    }
}

async fn run(store: &Backend, case: &LoadedCase, command: Command) -> LoadedCase {
    cases::execute(
        store,
        &la("202"),
        case.id,
        case.version,
        &command,
        &caseworker("cw-1"),
        today(),
        Utc::now(),
    )
    .await
    .unwrap_or_else(|e| panic!("{command:?}: {e}"))
}

async fn assert_log_rebuilds_state(store: &Backend, case: &LoadedCase) {
    let stored = cases::load(store, &la("202"), case.id)
        .await
        .unwrap()
        .unwrap();
    let rebuilt = cases::rebuild(store, &la("202"), case.id).await.unwrap();
    assert_eq!(rebuilt, stored.case);
    assert_eq!(stored, *case);
}

async fn a_case_runs_from_request_to_final_plan_and_its_log_rebuilds_it(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let mut case = cases::open(
        &store,
        &request("J-1"),
        &caseworker("cw-1"),
        today(),
        Utc::now(),
    )
    .await
    .unwrap();
    for command in [
        Command::DecideWhetherToAssess {
            on: d("2026-02-10"),
            yes: true,
            reasons: String::new(),
        },
        Command::RequestAdvice {
            kind: AdviceKind::Health,
            organisation: "Riverside NHS Trust".into(),
            on: d("2026-02-11"),
        },
        Command::RecordAdviceReceived {
            number: 1,
            on: d("2026-03-20"),
            document: None,
        },
        Command::DecideWhetherToIssue {
            on: d("2026-04-01"),
            yes: true,
            reasons: String::new(),
        },
        Command::SavePlan {
            sections: PlanSections {
                a: "Likes trains".into(),
                ..PlanSections::default()
            },
        },
        Command::ServeDraft {
            version: 1,
            on: d("2026-04-02"),
        },
        Command::IssueFinalPlan {
            version: 1,
            on: d("2026-04-20"),
            placement: school(),
        },
    ] {
        case = run(&store, &case, command).await;
        assert_log_rebuilds_state(&store, &case).await;
    }
    assert_eq!(case.case.stage, Stage::PlanIssued);
    assert_eq!(case.version, 8);
    let stored = store.load_case(&la("202"), case.id).await.unwrap().unwrap();
    assert_eq!(stored.summary.stage, "plan_issued");
    // SQL-looking text is stored and read back literally.
    assert_eq!(stored.summary.given_name, "Robert'); DROP TABLE cases;--");
    let history = cases::history(&store, &la("202"), case.id).await.unwrap();
    assert_eq!(history.len(), 8);
    assert!(history.iter().all(|h| h.actor == "cw-1"));
    store.integrity_check().await.unwrap();
}

async fn a_refused_command_writes_nothing(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let case = cases::open(
        &store,
        &request("J-2"),
        &caseworker("cw-1"),
        today(),
        Utc::now(),
    )
    .await
    .unwrap();
    let err = cases::execute(
        &store,
        &la("202"),
        case.id,
        case.version,
        &Command::IssueFinalPlan {
            version: 1,
            on: d("2026-04-20"),
            placement: school(),
        },
        &caseworker("cw-1"),
        today(),
        Utc::now(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, CaseError::Refused(Refusal::Invalid { .. })),
        "{err:?}"
    );
    assert_log_rebuilds_state(&store, &case).await;
}

async fn a_stale_command_is_refused_even_when_it_would_be_allowed(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let seen = cases::open(
        &store,
        &request("J-3"),
        &caseworker("cw-1"),
        today(),
        Utc::now(),
    )
    .await
    .unwrap();
    // Someone else decides first.
    let moved_on = run(
        &store,
        &seen,
        Command::DecideWhetherToAssess {
            on: d("2026-02-10"),
            yes: true,
            reasons: String::new(),
        },
    )
    .await;
    // A change based on the old version is refused although allocation is allowed now.
    let err = cases::execute(
        &store,
        &la("202"),
        seen.id,
        seen.version,
        &Command::AllocateCaseworker {
            caseworker: "cw-9".into(),
            note: None,
        },
        &Actor {
            role: Role::Manager,
            ..caseworker("mgr")
        },
        today(),
        Utc::now(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            CaseError::Store(StoreError::Conflict {
                expected: 1,
                found: 2,
                ..
            })
        ),
        "{err:?}"
    );
    assert_log_rebuilds_state(&store, &moved_on).await;
}

async fn two_caseworkers_deciding_at_once_give_one_decision(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    for round in 0..5 {
        let case = cases::open(
            &store,
            &request(&format!("RACE-{round}")),
            &caseworker("cw-1"),
            today(),
            Utc::now(),
        )
        .await
        .unwrap();
        let barrier = Arc::new(Barrier::new(2));
        let tasks: Vec<_> = [true, false]
            .into_iter()
            .map(|yes| {
                let (store, barrier, case) = (store.clone(), barrier.clone(), case.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    cases::execute(
                        &store,
                        &la("202"),
                        case.id,
                        case.version,
                        &Command::DecideWhetherToAssess {
                            on: d("2026-02-10"),
                            yes,
                            reasons: "Needs can be met at SEN support".into(),
                        },
                        &caseworker(if yes { "cw-yes" } else { "cw-no" }),
                        today(),
                        Utc::now(),
                    )
                    .await
                })
            })
            .collect();
        let mut ok = Vec::new();
        let mut conflicts = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(done) => ok.push(done),
                Err(CaseError::Store(StoreError::Conflict { .. })) => conflicts += 1,
                Err(other) => panic!("unexpected: {other:?}"),
            }
        }
        assert_eq!((ok.len(), conflicts), (1, 1), "round {round}");
        assert_log_rebuilds_state(&store, &ok[0]).await;
        let history = cases::history(&store, &la("202"), case.id).await.unwrap();
        assert_eq!(history.len(), 2, "exactly one decision was written");
    }
}

async fn the_settings_register_upserts_and_looks_up_by_urn(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let setting = |urn: &str, name: &str| Setting {
        urn: urn.into(),
        name: name.into(),
        placement_type: "MS".into(),
        phase: "Primary".into(),
        la_code: "202".into(),
    };
    let many: Vec<_> = (0..2500)
        .map(|n| setting(&format!("{}", 200000 + n), "School"))
        .collect();
    assert_eq!(store.upsert_settings(many).await.unwrap(), 2500);
    store
        .upsert_settings(vec![setting("200001", "Renamed School")])
        .await
        .unwrap();
    let found = store.find_setting("200001").await.unwrap().unwrap();
    assert_eq!(found.name, "Renamed School");
    assert_eq!(store.find_setting("999999").await.unwrap(), None);
    assert_eq!(store.setting_urns().await.unwrap().len(), 2500);
}

async fn caseload_lists_filter_search_and_sort_by_the_next_deadline(backend: TestBackend) {
    use waymark_store::caseload::{CaseloadQuery, CaseloadSort};
    let (_db, store) = fresh(backend).await;
    let mut ids = Vec::new();
    for (n, (family, received)) in [
        ("Zephyr", "2026-03-02"),
        ("Abbott", "2026-01-05"),
        ("O'Hara_50%", "2026-02-02"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut new = request(&format!("L-{n}"));
        new.child.family_name = family.into();
        new.request.received = d(received);
        let case = cases::open(&store, &new, &caseworker("cw-1"), today(), Utc::now())
            .await
            .unwrap();
        ids.push(case.id);
    }
    // decide on Abbott: its next deadline moves from 16 February to 27 April
    let abbott = cases::load(&store, &la("202"), ids[1])
        .await
        .unwrap()
        .unwrap();
    run(
        &store,
        &abbott,
        Command::DecideWhetherToAssess {
            on: d("2026-02-10"),
            yes: true,
            reasons: String::new(),
        },
    )
    .await;
    let all = CaseloadQuery {
        limit: 10,
        ..CaseloadQuery::default()
    };
    let page = store.caseload(&la("202"), &all).await.unwrap();
    assert_eq!(page.total, 3);
    let names: Vec<_> = page
        .items
        .iter()
        .map(|i| i.summary.family_name.as_str())
        .collect();
    // next deadlines: O'Hara 16 March, Zephyr 13 April, Abbott 27 April
    assert_eq!(names, ["O'Hara_50%", "Zephyr", "Abbott"]);
    assert_eq!(page.items[2].summary.next_due, Some(d("2026-04-27")));
    assert_eq!(
        page.items[2].summary.next_due_clock.as_deref(),
        Some("notify_not_issuing_by")
    );
    let by_name = CaseloadQuery {
        sort: CaseloadSort::Name,
        ..all.clone()
    };
    let names: Vec<_> = store
        .caseload(&la("202"), &by_name)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.summary.family_name)
        .collect();
    assert_eq!(names, ["Abbott", "O'Hara_50%", "Zephyr"]);
    let search = |text: &str| CaseloadQuery {
        search: Some(text.into()),
        ..all.clone()
    };
    // wildcards in search text are literal
    assert_eq!(
        store
            .caseload(&la("202"), &search("_50%"))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        store
            .caseload(&la("202"), &search("a%"))
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        store
            .caseload(&la("202"), &search("abb"))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        store
            .caseload(&la("202"), &search("L-2"))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        store
            .caseload(&la("202"), &search("2016-03-01"))
            .await
            .unwrap()
            .total,
        3
    );
    let overdue = CaseloadQuery {
        due_before: Some(d("2026-04-01")),
        ..all.clone()
    };
    assert_eq!(store.caseload(&la("202"), &overdue).await.unwrap().total, 1);
    let assessing = CaseloadQuery {
        stage: Some("assessing".into()),
        ..all.clone()
    };
    assert_eq!(
        store.caseload(&la("202"), &assessing).await.unwrap().total,
        1
    );
    let unallocated = CaseloadQuery {
        unallocated: true,
        ..all.clone()
    };
    assert_eq!(
        store
            .caseload(&la("202"), &unallocated)
            .await
            .unwrap()
            .total,
        3
    );
    // another LA sees none of them
    assert_eq!(store.caseload(&la("203"), &all).await.unwrap().total, 0);
    let paged = CaseloadQuery {
        limit: 2,
        offset: 2,
        ..all
    };
    let page = store.caseload(&la("202"), &paged).await.unwrap();
    assert_eq!((page.total, page.items.len()), (3, 1));
}

on_both_backends!(
    a_case_runs_from_request_to_final_plan_and_its_log_rebuilds_it,
    a_refused_command_writes_nothing,
    a_stale_command_is_refused_even_when_it_would_be_allowed,
    two_caseworkers_deciding_at_once_give_one_decision,
    the_settings_register_upserts_and_looks_up_by_urn,
    caseload_lists_filter_search_and_sort_by_the_next_deadline,
);
