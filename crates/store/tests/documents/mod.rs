//! Documents, plan drafts, caseload sizes and the school / age / exception filters, on both
//! backends.

use chrono::{NaiveDate, TimeZone, Utc};
use waymark_domain::actor::{Actor, Role};
use waymark_domain::case::{Child, Placement, Request};
use waymark_domain::clock::ExceptionKind;
use waymark_domain::command::{Command, NewRequest};
use waymark_store::caseload::CaseloadQuery;
use waymark_store::cases;
use waymark_store::documents::{NewDocument, PlanDraft};
use waymark_store::prelude::*;
use waymark_store::testing::TestBackend;
use waymark_store::{Backend, CaseId, StoreError};

use super::{fresh, la};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn manager() -> Actor {
    Actor {
        user: "7".into(),
        role: Role::Manager,
        la: la("202"),
    }
}

fn request(reference: &str, dob: &str, school: Option<&str>) -> NewRequest {
    NewRequest {
        reference: reference.into(),
        child: Child {
            given_name: "Ada".into(),
            family_name: "Okafor".into(),
            date_of_birth: d(dob),
            upn: None,
            uln: None,
            nhs_number: None,
            address: None,
            parents: vec![],
            school: school.map(|name| Placement {
                urn: Some("100001".into()),
                setting_code: None,
                name: name.into(),
                placement_type: "MS".into(),
            }),
        },
        request: Request {
            received: d("2026-01-05"),
            source: "PAR".into(),
            reasons: "Needs are not being met".into(),
        },
    }
}

fn document(case_id: CaseId, title: &str, bytes: &[u8]) -> NewDocument {
    NewDocument {
        case_id,
        kind: "advice".into(),
        title: title.into(),
        filename: "advice.pdf".into(),
        content_type: "application/pdf".into(),
        scan: "pending".into(),
        content: bytes.to_vec(),
        uploaded_by: "7".into(),
        uploaded_at: Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap(),
    }
}

async fn documents_are_versioned_kept_whole_and_scoped_to_the_la(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let today = d("2026-11-23");
    let case = cases::open(
        &store,
        &request("D-1", "2016-03-01", None),
        &manager(),
        today,
        Utc::now(),
    )
    .await
    .unwrap();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let first = store
        .add_document(&la("202"), document(case.id, "Health advice", &bytes))
        .await
        .unwrap();
    assert_eq!((first.version, first.size), (1, 70_000));
    assert_eq!(first.sha256.len(), 64);
    let second = store
        .add_document(
            &la("202"),
            document(case.id, "Health advice", b"%PDF-1.7 v2"),
        )
        .await
        .unwrap();
    assert_eq!(second.version, 2);
    let other_title = store
        .add_document(&la("202"), document(case.id, "EP advice", b"%PDF-1.7"))
        .await
        .unwrap();
    assert_eq!(other_title.version, 1);

    let listed = store.documents(&la("202"), case.id).await.unwrap();
    assert_eq!(listed, vec![first.clone(), second, other_title]);
    let whole = store
        .document(&la("202"), case.id, first.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(whole.content, bytes);
    assert_eq!(whole.info, first);

    store.set_document_scan(first.id, "clean").await.unwrap();
    let rescanned = store
        .document(&la("202"), case.id, first.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rescanned.info.scan, "clean");

    // Another LA neither sees nor adds to the case's documents.
    assert!(
        store
            .documents(&la("203"), case.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.document(&la("203"), case.id, first.id).await.unwrap(),
        None
    );
    let refused = store
        .add_document(&la("203"), document(case.id, "Health advice", b"x"))
        .await;
    assert!(
        matches!(refused, Err(StoreError::NotFound { .. })),
        "{refused:?}"
    );
    // A document asked for through the wrong case is not found.
    assert_eq!(
        store
            .document(&la("202"), CaseId(case.id.0 + 1), first.id)
            .await
            .unwrap(),
        None
    );
}

async fn plan_drafts_keep_the_latest_text_per_section(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let case = cases::open(
        &store,
        &request("P-1", "2016-03-01", None),
        &manager(),
        d("2026-11-23"),
        Utc::now(),
    )
    .await
    .unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
    let draft = |section: &str, text: &str| PlanDraft {
        section: section.into(),
        text: text.into(),
        saved_by: "7".into(),
        saved_at: at,
    };
    store
        .save_plan_draft(&la("202"), case.id, &draft("b", "First"))
        .await
        .unwrap();
    store
        .save_plan_draft(&la("202"), case.id, &draft("b", "Second, longer"))
        .await
        .unwrap();
    store
        .save_plan_draft(&la("202"), case.id, &draft("a", "Views"))
        .await
        .unwrap();
    let drafts = store.plan_drafts(&la("202"), case.id).await.unwrap();
    assert_eq!(
        drafts,
        vec![draft("a", "Views"), draft("b", "Second, longer")]
    );
    // Another LA can neither read nor write them.
    assert!(
        store
            .plan_drafts(&la("203"), case.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        store
            .save_plan_draft(&la("203"), case.id, &draft("c", "x"))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    store.clear_plan_drafts(&la("203"), case.id).await.unwrap();
    assert_eq!(
        store.plan_drafts(&la("202"), case.id).await.unwrap().len(),
        2
    );
    store.clear_plan_drafts(&la("202"), case.id).await.unwrap();
    assert!(
        store
            .plan_drafts(&la("202"), case.id)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn caseloads_filter_by_school_age_and_exception_and_count_per_caseworker(
    backend: TestBackend,
) {
    let (_db, store) = fresh(backend).await;
    let today = d("2026-11-23");
    let mut ids = Vec::new();
    for (n, (dob, school)) in [
        ("2022-05-01", None),
        ("2016-03-01", Some("Hillside Primary School")),
        ("2010-09-09", Some("Northby Academy")),
    ]
    .into_iter()
    .enumerate()
    {
        let case = cases::open(
            &store,
            &request(&format!("F-{n}"), dob, school),
            &manager(),
            today,
            Utc::now(),
        )
        .await
        .unwrap();
        ids.push(case);
    }
    for (case, who) in [(&ids[0], "cw-1"), (&ids[1], "cw-1"), (&ids[2], "cw-2")] {
        cases::execute(
            &store,
            &la("202"),
            case.id,
            case.version,
            &Command::AllocateCaseworker {
                caseworker: who.into(),
                note: None,
            },
            &manager(),
            today,
            Utc::now(),
        )
        .await
        .unwrap();
    }
    let latest = cases::load(&store, &la("202"), ids[2].id)
        .await
        .unwrap()
        .unwrap();
    cases::execute(
        &store,
        &la("202"),
        latest.id,
        latest.version,
        &Command::RecordException {
            kind: ExceptionKind::MissedAppointment,
            from: d("2026-02-01"),
            to: Some(d("2026-02-01")),
            note: "Missed the EP visit".into(),
        },
        &manager(),
        today,
        Utc::now(),
    )
    .await
    .unwrap();
    let all = CaseloadQuery {
        limit: 10,
        ..CaseloadQuery::default()
    };
    let total = |q: CaseloadQuery| {
        let store = store.clone();
        async move { store.caseload(&la("202"), &q).await.unwrap().total }
    };
    assert_eq!(
        total(CaseloadQuery {
            school: Some("hillside".into()),
            ..all.clone()
        })
        .await,
        1
    );
    assert_eq!(
        total(CaseloadQuery {
            school: Some("%".into()),
            ..all.clone()
        })
        .await,
        0
    );
    // Born 1 September 2014 to 31 August 2019: the primary-school child only.
    assert_eq!(
        total(CaseloadQuery {
            born_from: Some(d("2014-09-01")),
            born_to: Some(d("2019-08-31")),
            ..all.clone()
        })
        .await,
        1
    );
    assert_eq!(
        total(CaseloadQuery {
            with_exception: true,
            ..all.clone()
        })
        .await,
        1
    );
    let page = store
        .caseload(
            &la("202"),
            &CaseloadQuery {
                with_exception: true,
                ..all
            },
        )
        .await
        .unwrap();
    assert_eq!(
        page.items[0].summary.school.as_deref(),
        Some("Northby Academy")
    );
    assert!(page.items[0].summary.has_exception);

    let loads = store.caseworker_loads(&la("202")).await.unwrap();
    let counted: Vec<_> = loads
        .iter()
        .map(|l| (l.caseworker.as_str(), l.stage.as_str(), l.cases))
        .collect();
    assert_eq!(
        counted,
        [("cw-1", "requested", 2), ("cw-2", "requested", 1)]
    );
    assert!(store.caseworker_loads(&la("203")).await.unwrap().is_empty());
}

async fn kpi_facts_are_kept_in_step_with_every_case(backend: TestBackend) {
    use waymark_domain::WorkingDayCalendar;
    use waymark_domain::kpi::KpiFacts;
    let (_db, store) = fresh(backend).await;
    let today = d("2026-11-23");
    let mut expected = Vec::new();
    for n in 0..5 {
        let case = cases::open(
            &store,
            &request(&format!("K-{n}"), "2016-03-01", Some("Hillside")),
            &manager(),
            today,
            Utc::now(),
        )
        .await
        .unwrap();
        let mut loaded = case;
        if n % 2 == 0 {
            loaded = cases::execute(
                &store,
                &la("202"),
                loaded.id,
                loaded.version,
                &Command::DecideWhetherToAssess {
                    on: d("2026-02-01"),
                    yes: n == 0,
                    reasons: "Needs met at school".into(),
                },
                &manager(),
                today,
                Utc::now(),
            )
            .await
            .unwrap();
        }
        expected.push((
            loaded.id,
            KpiFacts::of(&loaded.case, &WorkingDayCalendar::england_and_wales()).unwrap(),
        ));
    }
    // Another LA's case is left out when asking for one LA, and included for all.
    cases::open(
        &store,
        &request("OTHER", "2016-03-01", None),
        &Actor {
            la: la("203"),
            ..manager()
        },
        today,
        Utc::now(),
    )
    .await
    .unwrap();
    let mut got = Vec::new();
    let mut after = CaseId(0);
    loop {
        let page = store.kpi_facts(Some(&la("202")), after, 2).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.0;
        got.extend(page.into_iter().map(|(id, la_code, facts)| {
            assert_eq!(la_code, la("202"));
            (id, facts)
        }));
    }
    assert_eq!(got, expected);
    assert_eq!(got[0].1.assessment, Some((d("2026-02-01"), true)));
    assert_eq!(got[2].1.assessment, Some((d("2026-02-01"), false)));
    assert_eq!(
        store.kpi_facts(None, CaseId(0), 100).await.unwrap().len(),
        6
    );
    // The cases that may be open on a day: none before the requests came (5 January), all
    // five of the LA's after, paged by id, without review flows.
    let open = |on: &str, after: i64| {
        let store = store.clone();
        let on = d(on);
        async move {
            store
                .kpi_open_facts(&la("202"), on, CaseId(after), 3)
                .await
                .unwrap()
        }
    };
    assert!(open("2026-01-04", 0).await.is_empty());
    let first = open("2026-11-23", 0).await;
    assert_eq!(first.len(), 3);
    let rest = open("2026-11-23", first[2].0.0).await;
    let ids: Vec<_> = first.iter().chain(&rest).map(|(id, _)| *id).collect();
    assert_eq!(ids, expected.iter().map(|(id, _)| *id).collect::<Vec<_>>());
    assert_eq!(first[0].1.assessment, expected[0].1.assessment);
}

/// The flow counts every LA's figures are rolled up from, summed independently here from the
/// facts of each case (`KpiFacts::flows`), by month and by LA.
async fn expected_flows(
    store: &Backend,
) -> (
    std::collections::BTreeMap<(String, &'static str), i64>,
    std::collections::BTreeMap<(chrono::NaiveDate, &'static str), i64>,
) {
    use chrono::Datelike;
    let mut by_la = std::collections::BTreeMap::new();
    let mut by_month = std::collections::BTreeMap::new();
    for (_, la_code, facts) in store.kpi_facts(None, CaseId(0), 1000).await.unwrap() {
        for (flow, day) in facts.flows().unwrap() {
            *by_la
                .entry((la_code.as_str().to_string(), flow.key()))
                .or_default() += 1;
            *by_month
                .entry((day.with_day(1).unwrap(), flow.key()))
                .or_default() += 1;
        }
    }
    (by_la, by_month)
}

async fn counted_flows(
    store: &Backend,
) -> (
    std::collections::BTreeMap<(String, &'static str), i64>,
    std::collections::BTreeMap<(chrono::NaiveDate, &'static str), i64>,
) {
    use waymark_store::flows::FlowGrouping;
    let months = (d("2000-01-01"), d("2100-01-01"));
    let by_la = store
        .flow_counts(None, months, FlowGrouping::ByLa, &[])
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.n != 0)
        .map(|c| ((c.la.unwrap().as_str().to_string(), c.flow.key()), c.n))
        .collect();
    let by_month = store
        .flow_counts(None, months, FlowGrouping::ByMonth, &[])
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.n != 0)
        .map(|c| ((c.month.unwrap(), c.flow.key()), c.n))
        .collect();
    (by_la, by_month)
}

async fn flow_counts_follow_every_write_and_rebuild_to_the_same(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let today = d("2026-11-23");
    for n in 0..4 {
        let case = cases::open(
            &store,
            &request(&format!("F-{n}"), "2016-03-01", None),
            &manager(),
            today,
            Utc::now(),
        )
        .await
        .unwrap();
        if n % 2 == 0 {
            // Decided in February: a flow in a month other than the request's.
            cases::execute(
                &store,
                &la("202"),
                case.id,
                case.version,
                &Command::DecideWhetherToAssess {
                    on: d("2026-02-20"),
                    yes: n == 0,
                    reasons: "Needs met at school".into(),
                },
                &manager(),
                today,
                Utc::now(),
            )
            .await
            .unwrap();
        }
    }
    cases::open(
        &store,
        &request("F-OTHER", "2016-03-01", None),
        &Actor {
            la: la("203"),
            ..manager()
        },
        today,
        Utc::now(),
    )
    .await
    .unwrap();
    // A plan's review flows are kept as the domain writes them and counted like the others;
    // a later write that changes them moves the counts.
    let mut reviewed = super::new_case(&la("202"), "F-REVIEWED", &["plan_issued"]);
    reviewed.summary.review_flows = "review_due:2027-04-20 review_held:2027-04-10".into();
    let reviewed = store.create_case(reviewed).await.unwrap();
    let loaded = store
        .load_case(&la("202"), reviewed.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(loaded.summary.review_flows, reviewed.summary.review_flows);
    let mut summary = reviewed.summary.clone();
    summary.review_flows =
        "review_due:2027-04-20 review_due_met:2027-04-20 review_held:2027-04-10".into();
    store
        .append(
            &la("202"),
            reviewed.id,
            reviewed.version,
            vec![super::event("review_meeting_recorded")],
            summary,
            reviewed.state.clone(),
        )
        .await
        .unwrap();
    let expected = expected_flows(&store).await;
    assert_eq!(counted_flows(&store).await, expected);
    assert_eq!(
        expected.0.get(&("202".to_string(), "review_due_met")),
        Some(&1)
    );
    assert_eq!(
        expected.0.get(&("202".to_string(), "review_held")),
        Some(&1)
    );
    // Two decisions, one of them a refusal, in February; five requests over two LAs.
    assert_eq!(
        expected.0.get(&("202".to_string(), "assess_decided")),
        Some(&2)
    );
    assert_eq!(
        expected.0.get(&("202".to_string(), "assess_refused")),
        Some(&1)
    );
    assert_eq!(
        expected.0.get(&("203".to_string(), "request_received")),
        Some(&1)
    );
    // One LA only, and a window of months that leaves some out.
    let feb = store
        .flow_counts(
            Some(&la("202")),
            (d("2026-02-01"), d("2026-02-01")),
            waymark_store::flows::FlowGrouping::ByMonth,
            &[],
        )
        .await
        .unwrap();
    assert!(feb.iter().all(|c| c.month == Some(d("2026-02-01"))));
    // Received 5 January, decided 20 February: 46 days, not within 6 weeks.
    assert_eq!(feb.iter().map(|c| c.n).sum::<i64>(), 2 + 1);
    // Only the flows asked for.
    let refused = store
        .flow_counts(
            None,
            (d("2026-01-01"), d("2026-12-01")),
            waymark_store::flows::FlowGrouping::ByLa,
            &[waymark_domain::kpi::Flow::AssessRefused],
        )
        .await
        .unwrap();
    assert_eq!(
        refused
            .iter()
            .map(|c| (c.la.clone().unwrap(), c.flow, c.n))
            .collect::<Vec<_>>(),
        [(la("202"), waymark_domain::kpi::Flow::AssessRefused, 1)]
    );
    // By LA over part years and whole years (yearly counts) the sums are the monthly ones.
    let by_la = |first: &str, last: &str| {
        let store = store.clone();
        let months = (d(first), d(last));
        async move {
            let mut got: Vec<_> = store
                .flow_counts(None, months, waymark_store::flows::FlowGrouping::ByLa, &[])
                .await
                .unwrap()
                .into_iter()
                .filter(|c| c.n != 0)
                .map(|c| (c.la.unwrap().as_str().to_string(), c.flow.key(), c.n))
                .collect();
            got.sort();
            got
        }
    };
    assert_eq!(
        by_la("2025-06-01", "2027-03-01").await,
        by_la("2026-01-01", "2026-12-01").await,
        "the months around 2026 hold nothing, so both are 2026's counts"
    );
    assert_eq!(
        by_la("2026-02-01", "2026-02-01").await,
        vec![
            ("202".to_string(), "assess_decided", 2),
            ("202".to_string(), "assess_refused", 1)
        ]
    );
    // Counted again from the cases, the counts are the same.
    store.rebuild_flow_counts().await.unwrap();
    assert_eq!(counted_flows(&store).await, expected);
}

on_both_backends!(
    flow_counts_follow_every_write_and_rebuild_to_the_same,
    kpi_facts_are_kept_in_step_with_every_case,
    documents_are_versioned_kept_whole_and_scoped_to_the_la,
    plan_drafts_keep_the_latest_text_per_section,
    caseloads_filter_by_school_age_and_exception_and_count_per_caseworker,
);
