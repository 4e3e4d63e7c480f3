//! The LA's figures over HTTP: advice by agency, for managers, viewers and scrutiny, with the
//! cases behind an overdue figure for staff only.

use chrono::{Duration, Utc};
use waymark_store::cases;
use waymark_store::domain::actor::{Actor, Role};
use waymark_store::domain::case::AdviceKind;
use waymark_store::domain::command::Command;

use crate::app::{LA_CODE, TestApp, la_code};

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
