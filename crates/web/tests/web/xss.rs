//! Text from users is shown as text: script in a name is escaped on every page that shows it,
//! and SQL-looking input is stored and shown exactly as typed.

use waymark_store::domain::actor::Role;
use waymark_store::prelude::*;

use crate::app::{Browser, LA_CODE, TestApp, la_code};

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";
const SQL: &str = "Robert'); DROP TABLE cases;--";

/// Neither payload appears raw, and both appear escaped.
fn assert_inert(html: &str, what: &str) {
    assert!(!html.contains(SCRIPT), "{what}: raw script");
    assert!(!html.contains("<img src=x"), "{what}: raw img");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{what}: {html}"
    );
    assert!(
        html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        "{what}"
    );
}

#[tokio::test]
async fn a_childs_name_with_script_is_inert_on_the_caseload_and_case_pages() {
    let app = TestApp::spawn().await;
    let case = app.add_case(SCRIPT, IMG).await;
    let (_, mut browser) = app.sign_in_as(Role::Caseworker).await;
    assert_inert(&browser.get("/caseload?who=team").await.body, "caseload");
    let page = browser.get(&format!("/cases/{}", case.id.0)).await;
    assert_eq!(page.status, 200);
    assert_inert(&page.body, "case page");
    // The title too.
    assert!(page.body.contains("<title>&lt;script&gt;"), "{}", page.body);
}

#[tokio::test]
async fn a_users_name_with_script_is_inert_wherever_it_is_shown() {
    let app = TestApp::spawn().await;
    let name = format!("{SCRIPT} {IMG}");
    let user = app
        .add_user_in(Role::Caseworker, LA_CODE, "xss@northshire.example", &name)
        .await;
    let case = app.add_case("Ada", "Smith").await;
    let mut own = Browser::new(&app);
    own.sign_in(&user.email, crate::app::PASSWORD).await;
    assert_inert(&own.get("/account").await.body, "account");
    own.get(&format!("/cases/{}", case.id.0)).await;

    let (_, mut admin) = app.sign_in_as(Role::Admin).await;
    assert_inert(&admin.get("/admin/users").await.body, "users");
    assert_inert(
        &admin.get(&format!("/admin/users/{}", user.id.0)).await.body,
        "user",
    );
    assert_inert(
        &admin
            .get(&format!("/admin/audit?case={}", case.id.0))
            .await
            .body,
        "audit",
    );
}

#[tokio::test]
async fn a_typed_email_with_script_is_echoed_escaped_on_the_sign_in_page() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    browser.get("/sign-in").await;
    let page = browser
        .post("/sign-in", &[("email", IMG), ("password", "")])
        .await;
    assert_eq!(page.status, 422);
    assert!(!page.body.contains("<img src=x"));
    assert!(
        page.body
            .contains("value=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\"")
    );
}

#[tokio::test]
async fn sql_looking_input_is_stored_and_shown_literally() {
    let app = TestApp::spawn().await;
    let case = app.add_case(SQL, "O'Hara").await;
    let (_, mut admin) = app.sign_in_as(Role::Admin).await;
    // Through the admin form, as an administrator would type it.
    let page = admin
        .post(
            "/admin/users",
            &[
                ("email", "bobby@northshire.example"),
                ("name", SQL),
                ("role", "caseworker"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let stored = app
        .store
        .find_user_by_email("bobby@northshire.example")
        .await
        .ok()
        .flatten()
        .map(|u| u.name);
    assert_eq!(stored.as_deref(), Some(SQL));
    let shown = "Robert&#x27;); DROP TABLE cases;--";
    assert!(admin.get("/admin/users").await.body.contains(shown));
    let page = admin.get(&format!("/cases/{}", case.id.0)).await;
    assert!(
        page.body.contains(&format!("{shown} O&#x27;Hara")),
        "{}",
        page.body
    );
    // And the table is still there.
    assert_eq!(app.store.count_cases(&la_code(LA_CODE)).await.ok(), Some(1));
}
