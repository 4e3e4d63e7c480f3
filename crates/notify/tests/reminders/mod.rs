//! Advice reminders on both backends: each is queued once, at the configured points before
//! the due date and the day after it, only to the asked organisation's professionals with
//! open advice access, and never for advice already received.

use chrono::{NaiveDate, Utc};
use waymark_notify::ReminderSettings;
use waymark_notify::reminders::queue_reminders;
use waymark_store::cases::{self, LoadedCase};
use waymark_store::domain::actor::{Actor, Role};
use waymark_store::domain::case::{AdviceKind, Child, Request};
use waymark_store::domain::command::{Command, NewRequest};
use waymark_store::prelude::*;
use waymark_store::testing::TestBackend;
use waymark_store::{Backend, CaseAccess, NewUser, User};

use crate::on_both_backends;
use crate::support::{fresh, la, outbox};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn caseworker() -> Actor {
    Actor {
        user: "cw-1".into(),
        role: Role::Caseworker,
        la: la(),
    }
}

/// A case at the assessing stage with advice asked of Riverside NHS Trust (number 1, due
/// 25 March 2026) and of Hillside Primary School (number 2, already received).
async fn assessing_case(store: &Backend, reference: &str) -> LoadedCase {
    let today = d("2026-03-01");
    let new = NewRequest {
        reference: reference.into(),
        child: Child {
            given_name: "Ada".into(),
            family_name: "Okafor".into(),
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
            reasons: "Needs".into(),
        },
    };
    let mut case = cases::open(store, &new, &caseworker(), today, Utc::now())
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
        Command::RequestAdvice {
            kind: AdviceKind::Education,
            organisation: "Hillside Primary School".into(),
            on: d("2026-02-11"),
        },
        Command::RecordAdviceReceived {
            number: 2,
            on: d("2026-02-27"),
            document: None,
        },
    ] {
        case = cases::execute(
            store,
            &la(),
            case.id,
            case.version,
            &command,
            &caseworker(),
            today,
            Utc::now(),
        )
        .await
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    }
    case
}

async fn user(store: &Backend, email: &str, role: Role, organisation: Option<&str>) -> User {
    store
        .create_user(NewUser {
            email: email.into(),
            name: format!("{} Smith", email.split('@').next().unwrap()),
            role,
            la: la(),
            organisation: organisation.map(str::to_string),
            password_hash: Some("x".into()),
        })
        .await
        .unwrap()
}

async fn advice_reminders_are_queued_once_at_each_point_to_the_organisation_asked(
    backend: TestBackend,
) {
    let (_db, store) = fresh(backend).await;
    let riverside = Some("Riverside NHS Trust");
    let nurse = user(
        &store,
        "nurse@riverside.example",
        Role::Professional,
        riverside,
    )
    .await;
    let left = user(
        &store,
        "left@riverside.example",
        Role::Professional,
        riverside,
    )
    .await;
    // Works for the trust asked, but has no access to these cases.
    let _no_access = user(
        &store,
        "other@riverside.example",
        Role::Professional,
        riverside,
    )
    .await;
    let senco = user(
        &store,
        "senco@hillside.example",
        Role::Professional,
        Some("Hillside Primary School"),
    )
    .await;
    let parent = user(&store, "grace@example.org", Role::Parent, None).await;
    let mut cases_made = Vec::new();
    for reference in ["R-1", "R-2"] {
        let case = assessing_case(&store, reference).await;
        for (who, relation) in [
            (&nurse, CaseAccess::ADVICE),
            (&left, CaseAccess::ADVICE),
            (&senco, CaseAccess::ADVICE),
            (&parent, CaseAccess::PARENT),
        ] {
            store
                .grant_case_access(who.id, case.id, &la(), relation, Utc::now())
                .await
                .unwrap();
        }
        cases_made.push(case);
    }
    store.set_disabled(left.id, true).await.unwrap();
    let settings = ReminderSettings {
        // One case a page, so the scan has to page through the caseload.
        page_size: 1,
        ..ReminderSettings::new(vec![la()], "https://send.example/")
    };

    // One row per day the scan runs: how many notices are new that day.
    let days = [
        ("2026-03-17", 0), // 8 days before: nothing yet
        ("2026-03-18", 2), // 7 days before: a reminder on each case
        ("2026-03-18", 0), // the same day again: nothing new
        ("2026-03-20", 0),
        ("2026-03-23", 2), // 2 days before
        ("2026-03-25", 0), // the due date
        ("2026-03-26", 2), // the day after: overdue
        ("2026-03-27", 0),
    ];
    for (day, expected) in days {
        let scan = queue_reminders(&store, &settings, d(day)).await.unwrap();
        assert_eq!(scan.cases, 2, "{day}");
        assert_eq!(scan.queued, expected, "{day}");
        assert_eq!(scan.failed, 0, "{day}");
    }

    let queued = outbox(&store).await;
    let keys: Vec<&str> = queued.iter().map(|n| n.idempotency_key.as_str()).collect();
    let (one, two, nurse_id) = (cases_made[0].id.0, cases_made[1].id.0, nurse.id.0);
    assert_eq!(
        keys,
        [
            format!("advice_reminder:{one}:1:7:{nurse_id}"),
            format!("advice_reminder:{two}:1:7:{nurse_id}"),
            format!("advice_reminder:{one}:1:2:{nurse_id}"),
            format!("advice_reminder:{two}:1:2:{nurse_id}"),
            format!("advice_overdue:{one}:1:{nurse_id}"),
            format!("advice_overdue:{two}:1:{nurse_id}"),
        ]
    );
    for n in &queued {
        assert_eq!(n.recipient, "nurse@riverside.example");
        assert_eq!(n.la, Some(la()));
        assert_eq!(n.personalisation["first_name"], "nurse");
        assert_eq!(n.personalisation["due_date"], "25 March 2026");
        let link = n.personalisation["link"].as_str().unwrap();
        assert!(
            link == format!("https://send.example/cases/{one}")
                || link == format!("https://send.example/cases/{two}"),
            "{link}"
        );
    }
}

async fn a_late_scan_queues_only_the_latest_point_passed(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let nurse = user(
        &store,
        "nurse@riverside.example",
        Role::Professional,
        Some("Riverside NHS Trust"),
    )
    .await;
    let case = assessing_case(&store, "R-1").await;
    store
        .grant_case_access(nurse.id, case.id, &la(), CaseAccess::ADVICE, Utc::now())
        .await
        .unwrap();
    let settings = ReminderSettings::new(vec![la()], "https://send.example");

    // The service was down from 8 days before the due date until 1 day before.
    let scan = queue_reminders(&store, &settings, d("2026-03-24"))
        .await
        .unwrap();

    assert_eq!(scan.queued, 1);
    let keys: Vec<String> = outbox(&store)
        .await
        .into_iter()
        .map(|n| n.idempotency_key)
        .collect();
    assert_eq!(
        keys,
        [format!("advice_reminder:{}:1:2:{}", case.id.0, nurse.id.0)]
    );
}

on_both_backends!(
    advice_reminders_are_queued_once_at_each_point_to_the_organisation_asked,
    a_late_scan_queues_only_the_latest_point_passed,
);
