//! The LA's figures over HTTP: the KPI dashboard, its exports and the cases behind its figures,
//! and advice by agency, for managers, viewers and scrutiny, with the cases for staff only.

#![allow(clippy::unwrap_used)]

use chrono::{Duration, NaiveDate, Utc};
use waymark_store::domain::actor::{Actor, Role};
use waymark_store::domain::case::AdviceKind;
use waymark_store::domain::command::Command;
use waymark_store::domain::kpi::{self, Period};
use waymark_store::prelude::*;
use waymark_store::{CaseId, cases};

use crate::app::{LA_CODE, OTHER_LA_CODE, TestApp, la_code};

#[tokio::test]
async fn advice_by_agency_shows_who_owes_what_and_the_cases_to_staff_only() {
    let app = TestApp::spawn().await;
    let today = waymark_web::uk_time::today();
    let staff = Actor {
        user: "seed".into(),
        role: Role::Manager,
        la: la_code(LA_CODE),
    };
    // Ada: health advice asked 60 days ago (overdue by 18 days), EP advice answered on time.
    let ada = app.add_case("Ada", "Okafor").await;
    let mut version = ada.version;
    for command in [
        Command::DecideWhetherToAssess {
            on: today - Duration::days(70),
            yes: true,
            reasons: String::new(),
        },
        Command::RequestAdvice {
            kind: AdviceKind::Health,
            organisation: "Northby NHS Trust".into(),
            on: today - Duration::days(60),
        },
        Command::RequestAdvice {
            kind: AdviceKind::EducationalPsychology,
            organisation: "County EP Service".into(),
            on: today - Duration::days(60),
        },
        Command::RecordAdviceReceived {
            number: 2,
            on: today - Duration::days(30),
            document: None,
        },
    ] {
        version = cases::execute(
            &app.store,
            &la_code(LA_CODE),
            ada.id,
            version,
            &command,
            &staff,
            today,
            Utc::now(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e:?}"))
        .version;
    }
    let (_, mut manager) = app.sign_in_as(Role::Manager).await;
    let page = manager.get("/reports/advice").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let trust = page
        .body
        .find("Northby NHS Trust")
        .unwrap_or_else(|| panic!("{}", page.body));
    let ep = page.body.find("County EP Service").unwrap_or_default();
    assert!(trust < ep, "the organisation that owes most comes first");
    assert!(page.body.contains("18 days"), "{}", page.body);
    assert!(
        page.body
            .contains("/reports/advice/overdue?organisation=Northby%20NHS%20Trust")
    );
    let cases = manager
        .get("/reports/advice/overdue?organisation=Northby%20NHS%20Trust")
        .await;
    assert_eq!(cases.status, 200);
    assert!(cases.body.contains("Ada Okafor"));
    assert!(
        !manager
            .get("/reports/advice/overdue?organisation=County%20EP%20Service")
            .await
            .body
            .contains("Ada Okafor")
    );
    // A viewer sees the figures, no names and no way to the cases.
    let (_, mut viewer) = app.sign_in_as(Role::Viewer).await;
    let page = viewer.get("/reports/advice").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Northby NHS Trust"));
    assert!(!page.body.contains("Ada"));
    assert!(!page.body.contains("/reports/advice/overdue"));
    assert_eq!(
        viewer
            .get("/reports/advice/overdue?organisation=Northby%20NHS%20Trust")
            .await
            .status,
        403
    );
}

/// Three requests received 5 January 2026: Ada assessed on 10 February (within 6 weeks: due
/// 16 February), Ben refused on 1 March (late), Cy not decided. Returns the app.
async fn seeded() -> TestApp {
    let app = TestApp::spawn().await;
    let staff = Actor {
        user: "seed".into(),
        role: Role::Manager,
        la: la_code(LA_CODE),
    };
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    for (given, decision) in [
        ("Ada", Some(("2026-02-10", true))),
        ("Ben", Some(("2026-03-01", false))),
        ("Cy", None),
    ] {
        let case = app.add_case(given, "Okafor").await;
        if let Some((on, yes)) = decision {
            cases::execute(
                &app.store,
                &la_code(LA_CODE),
                case.id,
                case.version,
                &Command::DecideWhetherToAssess {
                    on: day(on),
                    yes,
                    reasons: "Reasons given to the family".into(),
                },
                &staff,
                day(on),
                Utc::now(),
            )
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        }
    }
    app
}

const Q1: &str = "from-day=1&from-month=1&from-year=2026&to-day=31&to-month=3&to-year=2026";

#[tokio::test]
async fn the_dashboard_shows_the_domains_figures_with_drill_down_for_staff_only() {
    let app = seeded().await;
    // The same figures worked out by the domain over the stored facts.
    let facts: Vec<_> = app
        .store
        .kpi_facts(Some(&la_code(LA_CODE)), CaseId(0), 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, _, f)| f)
        .collect();
    let period = Period::new(
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
    )
    .unwrap();
    let k = kpi::kpis(&facts, period).unwrap();
    // Worked by hand: 3 received; Ada within 6 weeks, Ben late: 1 of 2; Ben refused: 1 of 2;
    // Ada assessing and Cy deciding on 31 March.
    assert_eq!(k.figures.requests_received, 3);
    assert_eq!(
        k.figures.decided_within_six_weeks.to_string(),
        "1 of 2 (50.0%)"
    );
    assert_eq!(k.backlog.total(), 2);

    let (_, mut manager) = app.sign_in_as(Role::Manager).await;
    let page = manager.get(&format!("/reports?{Q1}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("1 of 2 (50.0%) decisions"),
        "{}",
        page.body
    );
    assert!(page.body.contains(">3</p>"), "3 requests received");
    assert!(page.body.contains(r#"role="img""#) && page.body.contains("<desc"));
    assert!(page.body.contains("Month by month as a table"));
    assert!(
        page.body
            .contains("/reports/cases?figure=decided_late&amp;")
    );
    let behind = manager
        .get(&format!("/reports/cases?figure=decided_late&{Q1}"))
        .await;
    assert_eq!(behind.status, 200);
    assert!(behind.body.contains("Ben Okafor"));
    assert!(!behind.body.contains("Ada Okafor"));
    let open = manager
        .get(&format!("/reports/cases?figure=open&{Q1}"))
        .await;
    assert!(open.body.contains("Ada Okafor") && open.body.contains("Cy Okafor"));
    assert!(!open.body.contains("Ben Okafor"), "refused: not open");
    // The default period (last 12 whole months) renders too, and the navigation leads here.
    let default = manager.get("/reports").await;
    assert_eq!(default.status, 200);
    assert!(default.body.contains(r#"href="/reports""#));

    // A viewer: the same figures, no way to the cases.
    let (_, mut viewer) = app.sign_in_as(Role::Viewer).await;
    let page = viewer.get(&format!("/reports?{Q1}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("1 of 2 (50.0%) decisions"));
    assert!(!page.body.contains("/reports/cases"));
    assert!(!page.body.contains("Okafor"));
    assert_eq!(
        viewer
            .get(&format!("/reports/cases?figure=open&{Q1}"))
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn the_dashboard_compares_with_all_authorities_and_counts_reviews() {
    let app = seeded().await;
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    // Another authority: one request received 5 January, decided on 6 January (in time).
    let other = app.add_case_in(OTHER_LA_CODE, "Eve", "Marsh").await;
    cases::execute(
        &app.store,
        &la_code(OTHER_LA_CODE),
        other.id,
        other.version,
        &Command::DecideWhetherToAssess {
            on: day("2026-01-06"),
            yes: true,
            reasons: String::new(),
        },
        &Actor {
            user: "seed".into(),
            role: Role::Manager,
            la: la_code(OTHER_LA_CODE),
        },
        day("2026-01-06"),
        Utc::now(),
    )
    .await
    .unwrap();
    let (_, mut manager) = app.sign_in_as(Role::Manager).await;
    let page = manager.get(&format!("/reports?{Q1}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // Here: Ada in time, Ben late (1 of 2). All authorities: Ada and Eve in time, Ben late.
    assert!(page.body.contains("1 of 2 (50.0%) decisions"));
    assert!(
        page.body
            .contains("All authorities: <strong>66.7%</strong> (2 of 3)"),
        "{}",
        page.body
    );
    // A period of part months: the comparison covers the whole months inside it.
    let part = manager
        .get("/reports?from-day=15&from-month=12&from-year=2025&to-day=10&to-month=3&to-year=2026")
        .await;
    assert_eq!(part.status, 200);
    assert!(
        part.body.contains("1 January 2026 to 28 February 2026"),
        "{}",
        part.body
    );
    let none = manager
        .get("/reports?from-day=2&from-month=1&from-year=2026&to-day=30&to-month=1&to-year=2026")
        .await;
    assert!(none.body.contains("given for whole calendar months"));

    // A plan issued 1 March 2026, reviewed on 15 September, decided on 20 October: 35 days
    // after the meeting, late.
    let dee = app.add_case_with_plan("Dee", day("2026-03-01")).await;
    let mut version = dee.version;
    for command in [
        Command::RecordReviewMeeting {
            on: day("2026-09-15"),
        },
        Command::DecideAfterReview {
            number: 1,
            on: day("2026-10-20"),
            outcome: waymark_store::domain::case::ReviewOutcome::Maintain,
            reasons: String::new(),
        },
    ] {
        version = cases::execute(
            &app.store,
            &la_code(LA_CODE),
            dee.id,
            version,
            &command,
            &Actor {
                user: "seed".into(),
                role: Role::Manager,
                la: la_code(LA_CODE),
            },
            waymark_web::uk_time::today(),
            Utc::now(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e:?}"))
        .version;
    }
    let autumn = manager
        .get("/reports?from-day=1&from-month=7&from-year=2026&to-day=31&to-month=10&to-year=2026")
        .await;
    assert_eq!(autumn.status, 200);
    assert!(
        autumn
            .body
            .contains("0 of 1 (0.0%) decisions. Review meetings held: 1"),
        "{}",
        autumn.body
    );
}

#[tokio::test]
async fn bad_dates_on_the_dashboard_answer_422_with_an_error_summary() {
    let app = TestApp::spawn().await;
    let (_, mut manager) = app.sign_in_as(Role::Manager).await;
    let page = manager
        .get("/reports?from-day=31&from-month=2&from-year=2026&to-day=1&to-month=3&to-year=2026")
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("There is a problem"));
    assert!(page.body.contains(r##"href="#from""##));
    let page = manager
        .get("/reports?from-day=1&from-month=4&from-year=2026&to-day=1&to-month=3&to-year=2026")
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("ends before that"), "{}", page.body);
}

#[tokio::test]
async fn the_figures_download_as_csv_and_xlsx() {
    let app = seeded().await;
    let (_, mut viewer) = app.sign_in_as(Role::Viewer).await;
    let csv = viewer.get(&format!("/reports/kpis.csv?{Q1}")).await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    assert!(csv.header("content-disposition").contains("attachment"));
    assert!(
        csv.body
            .starts_with("table,la,from,to,measure,breakdown,value,of,percent\n")
    );
    assert!(csv.body.contains(&format!(
        "figures,{LA_CODE},2026-01-01,2026-03-31,requests_received,,3,,"
    )));
    assert!(csv.body.contains("decided_within_six_weeks,,1,2,50.0"));
    let xlsx = viewer.get(&format!("/reports/kpis.xlsx?{Q1}")).await;
    assert_eq!(xlsx.status, 200);
    assert_eq!(
        xlsx.header("content-type"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(xlsx.body.starts_with("PK"));
}
