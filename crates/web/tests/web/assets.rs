//! Static assets: compiled in, served at content-hashed URLs, cached for a year.

use crate::app::{TestApp, asset_urls};

/// Whether the part of a URL's file name after the last `-` and before the first `.` is eight
/// lowercase hex digits (the content hash).
fn short_hash_looks_right(url: &str) -> bool {
    let file = url.rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    let hash = stem.rsplit('-').next().unwrap_or_default();
    hash.len() == 8
        && hash
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

#[tokio::test]
async fn assets_are_served_at_hashed_urls_with_immutable_caching() {
    let app = TestApp::spawn().await;
    let html = app.get("/").await.body;
    let urls = asset_urls(&html);
    for prefix in [
        "/assets/waymark-",
        "/assets/init-",
        "/assets/favicon-",
        "/assets/icon-180-",
    ] {
        assert!(
            urls.iter().any(|u| u.starts_with(prefix)),
            "no {prefix}* in {urls:?}"
        );
    }
    for url in urls {
        assert!(short_hash_looks_right(url), "{url}");
        let (status, headers, body) = app.get_bytes(url).await;
        assert_eq!(status, 200, "{url}");
        assert!(!body.is_empty(), "{url}");
        assert_eq!(
            headers["cache-control"], "public, max-age=31536000, immutable",
            "{url}"
        );
        let content_type = headers["content-type"].to_str().unwrap_or_default();
        let expected = match url.rsplit('.').next() {
            Some("css") => "text/css; charset=utf-8",
            Some("js") => "text/javascript; charset=utf-8",
            Some("svg") => "image/svg+xml",
            Some("ico") => "image/x-icon",
            Some("png") => "image/png",
            other => panic!("unexpected asset type {other:?}"),
        };
        assert_eq!(content_type, expected, "{url}");
    }
}

#[tokio::test]
async fn stylesheet_uses_arial_and_not_the_gds_transport_font() {
    let app = TestApp::spawn().await;
    let html = app.get("/").await.body;
    let css_url = asset_urls(&html)
        .into_iter()
        .find(|u| u.starts_with("/assets/waymark-"))
        .unwrap_or_else(|| panic!("no stylesheet"));
    let css = app.get(css_url).await.body;
    assert!(css.contains("font-family:arial,sans-serif"));
    assert!(!css.contains("GDS Transport"));
}

#[tokio::test]
async fn asset_with_a_wrong_or_missing_hash_is_not_found() {
    let app = TestApp::spawn().await;
    for path in [
        "/assets/waymark-00000000.css",
        "/assets/waymark.css",
        "/assets/govuk-frontend.min.js",
        "/assets/../Cargo.toml",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        assert_eq!(page.header("cache-control"), "no-store", "{path}");
    }
}

#[tokio::test]
async fn init_script_starts_govuk_frontend_from_its_hashed_url() {
    let app = TestApp::spawn().await;
    let html = app.get("/").await.body;
    let init = asset_urls(&html)
        .into_iter()
        .find(|u| u.starts_with("/assets/init-"))
        .unwrap_or_else(|| panic!("no init script"));
    assert!(html.contains(&format!(r#"<script type="module" src="{init}"></script>"#)));
    let script = app.get(init).await.body;
    assert!(
        script
            .contains("document.body.classList.add(\"js-enabled\", \"govuk-frontend-supported\")")
    );
    assert!(script.contains("initAll()"));
    let module = script
        .split('"')
        .find(|s| s.starts_with("/assets/govuk-frontend-"))
        .unwrap_or_else(|| panic!("no import in {script}"));
    assert!(short_hash_looks_right(module), "{module}");
    let govuk = app.get(module).await;
    assert_eq!(govuk.status, 200);
    assert!(govuk.body.contains("initAll"));
}

#[tokio::test]
async fn favicon_is_also_served_at_the_root() {
    let app = TestApp::spawn().await;
    let (status, headers, body) = app.get_bytes("/favicon.ico").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/x-icon");
    assert_eq!(body.get(..4), Some(&[0u8, 0, 1, 0][..]), "an ICO file");
}
