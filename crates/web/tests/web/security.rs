//! Security headers and caching on every kind of response.

use waymark_web::Config;

use crate::app::{LA_NAME, PAGES, TestApp, asset_urls};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Pages, error pages, the API, health, metrics and an asset.
async fn every_kind_of_path(app: &TestApp) -> Vec<String> {
    let mut paths: Vec<String> = PAGES.iter().map(|p| p.to_string()).collect();
    paths.extend(
        [
            "/no-such-page",
            "/api/v1/nope",
            "/health",
            "/metrics",
            "/favicon.ico",
        ]
        .map(String::from),
    );
    let start = app.get("/").await.body;
    paths.extend(asset_urls(&start).into_iter().map(String::from));
    paths
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in every_kind_of_path(&app).await {
        let page = app.get(&path).await;
        assert_eq!(page.header("content-security-policy"), CSP, "{path}");
        assert_eq!(page.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(page.header("x-frame-options"), "DENY", "{path}");
        assert_eq!(page.header("referrer-policy"), "same-origin", "{path}");
        assert!(
            page.header("permissions-policy").contains("camera=()"),
            "{path}"
        );
        assert_eq!(
            page.header("strict-transport-security"),
            "",
            "{path}: HSTS over plain HTTP"
        );
    }
}

#[tokio::test]
async fn csp_allows_no_inline_script_or_style() {
    let app = TestApp::spawn().await;
    let csp = app
        .get("/")
        .await
        .header("content-security-policy")
        .to_string();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("style-src 'self'"), "{csp}");
}

#[tokio::test]
async fn hsts_is_sent_when_behind_tls() {
    let config = Config {
        behind_tls: true,
        ..Config::new(LA_NAME)
    };
    let app = TestApp::spawn_with(config).await;
    for path in ["/", "/no-such-page", "/health"] {
        let page = app.get(path).await;
        assert_eq!(
            page.header("strict-transport-security"),
            "max-age=63072000; includeSubDomains",
            "{path}"
        );
    }
}

#[tokio::test]
async fn pages_and_errors_are_never_stored_in_a_cache() {
    let app = TestApp::spawn().await;
    for path in PAGES
        .iter()
        .chain(&["/no-such-page", "/api/v1/nope", "/health"])
    {
        assert_eq!(
            app.get(path).await.header("cache-control"),
            "no-store",
            "{path}"
        );
    }
}
