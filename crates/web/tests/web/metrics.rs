//! `/metrics`: request counts and latencies by matched route, and the database pool.

use crate::app::TestApp;

/// The value of the first sample line starting with `series`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_method_route_and_status() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        assert_eq!(app.get("/cookies").await.status, 200);
    }
    let page = app.get("/metrics").await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .starts_with("application/openmetrics-text")
    );
    let text = &page.body;
    assert_eq!(
        sample(
            text,
            r#"waymark_http_requests_total{method="GET",route="/cookies",status="200"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            text,
            r#"waymark_http_request_duration_seconds_count{method="GET",route="/cookies",status="200"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert!(text.contains(r#"waymark_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/cookies",status="200"}"#)
        || text.contains(r#"waymark_http_request_duration_seconds_bucket{method="GET",route="/cookies",status="200",le="0.005"}"#),
        "{text}");
}

#[tokio::test]
async fn requests_for_unknown_addresses_share_one_label_and_never_show_the_path() {
    let app = TestApp::spawn().await;
    app.get("/children/Jane-Smith").await;
    app.get("/assets/waymark-00000000.css").await;
    let text = app.get("/metrics").await.body;
    assert_eq!(
        sample(
            text.as_str(),
            r#"waymark_http_requests_total{method="GET",route="unmatched",status="404"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            text.as_str(),
            r#"waymark_http_requests_total{method="GET",route="/assets/{file}",status="404"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert!(!text.contains("Jane"), "{text}");
}

#[tokio::test]
async fn metrics_show_the_database_pool() {
    let app = TestApp::spawn().await;
    app.get("/health").await;
    let text = app.get("/metrics").await.body;
    assert!(
        sample(&text, "waymark_db_pool_max_connections ").is_some_and(|max| max >= 1.0),
        "{text}"
    );
    assert!(
        sample(&text, r#"waymark_db_pool_connections{state="idle"}"#).is_some(),
        "{text}"
    );
    assert!(
        sample(&text, r#"waymark_db_pool_connections{state="in_use"}"#).is_some(),
        "{text}"
    );
}
