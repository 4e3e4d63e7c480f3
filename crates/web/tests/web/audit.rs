//! Reading and changing personal data leaves an entry in the audit trail (ids only), and
//! administrators can see who looked at a case.

use waymark_store::domain::actor::Role;
use waymark_store::prelude::*;

use crate::app::{LA_CODE, TestApp, la_code};

#[tokio::test]
async fn viewing_a_case_is_audited_with_ids_only() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Ada", "Secretname").await;
    let (user, mut browser) = app.sign_in_as(Role::Caseworker).await;
    assert_eq!(
        browser.get(&format!("/cases/{}", case.id.0)).await.status,
        200
    );
    let entries = app
        .store
        .search_audit(&la_code(LA_CODE), Some(case.id), None, 10)
        .await
        .unwrap_or_default();
    let view = entries
        .iter()
        .find(|e| e.action == "view_case")
        .unwrap_or_else(|| panic!("no view_case entry in {entries:?}"));
    assert_eq!(view.user_id, Some(user.id));
    assert_eq!(view.record_type, "case");
    assert_eq!(
        view.record_id.as_deref(),
        Some(case.id.0.to_string().as_str())
    );
    assert_eq!(view.ip.as_deref(), Some("127.0.0.1"));
    assert!(!format!("{entries:?}").contains("Secretname"));
    assert!(
        app.store
            .verify_audit()
            .await
            .is_ok_and(|r| r.first_broken.is_none())
    );
}

#[tokio::test]
async fn a_refused_look_at_a_case_is_not_shown_and_not_recorded_as_a_view() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Ada", "Smith").await;
    let (_, mut viewer) = app.sign_in_as(Role::Viewer).await;
    assert_eq!(
        viewer.get(&format!("/cases/{}", case.id.0)).await.status,
        404
    );
    let entries = app
        .store
        .search_audit(&la_code(LA_CODE), Some(case.id), None, 10)
        .await
        .unwrap_or_default();
    assert!(
        entries.iter().all(|e| e.action != "view_case"),
        "{entries:?}"
    );
}

#[tokio::test]
async fn admins_see_who_looked_at_a_case_newest_first() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Ada", "Smith").await;
    let first = app
        .add_user_in(
            Role::Caseworker,
            LA_CODE,
            "first@northshire.example",
            "First Looker",
        )
        .await;
    let second = app
        .add_user_in(
            Role::Manager,
            LA_CODE,
            "second@northshire.example",
            "Second Looker",
        )
        .await;
    for user in [&first, &second] {
        let mut browser = app.session_for(user).await;
        assert_eq!(
            browser.get(&format!("/cases/{}", case.id.0)).await.status,
            200
        );
    }
    let (_, mut admin) = app.sign_in_as(Role::Admin).await;
    let page = admin.get(&format!("/admin/audit?case={}", case.id.0)).await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    assert!(body.contains(&format!("Who looked at or changed case {}", case.id.0)));
    let (a, b) = (body.find("Second Looker"), body.find("First Looker"));
    assert!(a.is_some() && b.is_some() && a < b, "newest first: {body}");
    assert!(body.contains("Viewed the case"));
    // "4 March 2026 at 2:45pm"
    assert!(
        body.contains(" at ") && (body.contains("am</td>") || body.contains("pm</td>")),
        "{body}"
    );
    // The search itself is recorded.
    let entries = app
        .store
        .search_audit(&la_code(LA_CODE), Some(case.id), None, 10)
        .await
        .unwrap_or_default();
    assert_eq!(
        entries.first().map(|e| e.action.as_str()),
        Some("view_audit")
    );
    let bad = admin.get("/admin/audit?case=abc").await;
    assert!(bad.body.contains("Enter a case number, like 1234"));
}
