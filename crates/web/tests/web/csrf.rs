//! Every state-changing form needs the page's CSRF token: without it the answer is 403 "Your
//! form has expired" and nothing changes.

use waymark_store::domain::actor::Role;
use waymark_store::prelude::*;

use crate::app::{Browser, LA_CODE, PASSWORD, TestApp, la_code};

#[tokio::test]
async fn sign_out_without_the_token_is_refused_and_the_session_lives_on() {
    let app = TestApp::spawn().await;
    let (_, mut browser) = app.sign_in_as(Role::Caseworker).await;
    let page = browser.post_raw("/sign-out", &[]).await;
    assert_eq!(page.status, 403);
    assert!(
        page.body
            .contains("<h1 class=\"govuk-heading-l\">Your form has expired</h1>")
    );
    assert!(
        page.body
            .contains("Your form has expired. Go back and try again.")
    );
    assert_eq!(
        browser.get("/caseload").await.status,
        200,
        "still signed in"
    );
}

#[tokio::test]
async fn adding_a_user_without_the_token_is_refused_and_no_account_is_made() {
    let app = TestApp::spawn().await;
    let (_, mut admin) = app.sign_in_as(Role::Admin).await;
    let before = app
        .store
        .list_users(&la_code(LA_CODE))
        .await
        .unwrap_or_default()
        .len();
    let fields = [
        ("email", "new.person@northshire.example"),
        ("name", "New Person"),
        ("role", "caseworker"),
    ];
    assert_eq!(admin.post_raw("/admin/users", &fields).await.status, 403);
    let mut with_wrong = vec![("csrf_token", "0".repeat(64))];
    with_wrong.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
    let wrong: Vec<(&str, &str)> = with_wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(admin.post_raw("/admin/users", &wrong).await.status, 403);
    let after = app
        .store
        .list_users(&la_code(LA_CODE))
        .await
        .unwrap_or_default()
        .len();
    assert_eq!(before, after);
    // With the token it works.
    assert_eq!(admin.post("/admin/users", &fields).await.status, 200);
}

#[tokio::test]
async fn another_sessions_token_is_refused() {
    let app = TestApp::spawn().await;
    let (_, mut alice) = app.sign_in_as(Role::Caseworker).await;
    let (_, bob) = app.sign_in_as(Role::Caseworker).await;
    let stolen = bob.csrf.clone();
    assert_ne!(alice.csrf, stolen);
    let page = alice
        .post_raw("/sign-out", &[("csrf_token", &stolen)])
        .await;
    assert_eq!(page.status, 403);
}

#[tokio::test]
async fn sign_in_without_the_token_is_refused() {
    let app = TestApp::spawn().await;
    let user = app.add_user(Role::Caseworker, "ada").await;
    let mut browser = Browser::new(&app);
    browser.get("/sign-in").await;
    let page = browser
        .post_raw(
            "/sign-in",
            &[("email", &user.email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(page.headers.get_all("set-cookie").iter().all(|c| {
        !c.to_str()
            .unwrap_or_default()
            .starts_with("waymark-session=")
    }));
    // A browser that never had the sign-in page has no cookie to match.
    let mut fresh = Browser::new(&app);
    let page = fresh
        .post_raw(
            "/sign-in",
            &[
                ("csrf_token", &"a".repeat(64)),
                ("email", &user.email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
}

#[tokio::test]
async fn the_token_may_come_in_the_x_csrf_token_header() {
    let app = TestApp::spawn().await;
    let (_, browser) = app.sign_in_as(Role::Caseworker).await;
    let response = browser
        .client
        .post(format!("{}/sign-out", browser.base))
        .header("x-csrf-token", &browser.csrf)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 303);
}
