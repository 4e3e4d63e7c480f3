//! Error responses: GOV.UK pages for people, problem details for the API.

use crate::app::{LA_NAME, TestApp};

#[tokio::test]
async fn unknown_page_shows_the_govuk_page_not_found() {
    let app = TestApp::spawn().await;
    let page = app.get("/no-such-page?name=Jane").await;
    assert_eq!(page.status, 404);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert!(
        page.body
            .contains(r#"<h1 class="govuk-heading-l">Page not found</h1>"#)
    );
    assert!(
        page.body
            .contains("If you typed the web address, check it is correct.")
    );
    assert!(page.body.contains("<title>Page not found – Waymark – "));
    assert!(
        page.body.contains(LA_NAME),
        "in the layout, with the header"
    );
    assert!(
        !page.body.contains("Jane"),
        "the address is not echoed back"
    );
}

#[tokio::test]
async fn unknown_api_path_answers_problem_details() {
    let app = TestApp::spawn().await;
    let page = app.get("/api/v1/nope").await;
    assert_eq!(page.status, 404);
    assert_eq!(page.header("content-type"), "application/problem+json");
    let problem: serde_json::Value =
        serde_json::from_str(&page.body).unwrap_or_else(|e| panic!("{e}: {}", page.body));
    assert_eq!(
        problem["type"],
        "https://waymark.example/problems/not-found"
    );
    assert_eq!(problem["title"], "Page not found");
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["instance"], "/api/v1/nope");
    assert!(problem["detail"].is_string());
}

#[tokio::test]
async fn wrong_method_on_a_page_is_refused() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/cookies"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 405);
}
