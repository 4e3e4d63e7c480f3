//! `/health`: is this instance alive, and can it reach its database?

use crate::app::TestApp;

#[tokio::test]
async fn health_is_ok_when_the_database_answers() {
    let app = TestApp::spawn().await;
    let page = app.get("/health").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), "application/json");
    assert_eq!(page.body, r#"{"status":"ok","database":"ok"}"#);
}

#[tokio::test]
async fn health_is_unavailable_when_the_database_is_not() {
    let app = TestApp::spawn().await;
    app.store.close().await;
    let page = app.get("/health").await;
    assert_eq!(page.status, 503);
    assert_eq!(
        page.body,
        r#"{"status":"unavailable","database":"unreachable"}"#
    );
}
