//! The public pages and the layout around them.

use crate::app::{LA_NAME, PAGES, TestApp};

#[tokio::test]
async fn every_page_is_served_in_the_govuk_layout_in_british_english() {
    let app = TestApp::spawn().await;
    for path in PAGES {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(
            page.header("content-type"),
            "text/html; charset=utf-8",
            "{path}"
        );
        let html = &page.body;
        assert!(html.starts_with("<!DOCTYPE html>"), "{path}");
        assert!(
            html.contains(r#"<html lang="en-GB" class="govuk-template">"#),
            "{path}"
        );
        assert!(
            html.contains(r#"<body class="govuk-template__body">"#),
            "{path}"
        );
        assert!(
            html.contains(r##"<a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>"##),
            "{path}"
        );
        assert!(
            html.contains(r#"<main class="govuk-main-wrapper" id="main-content">"#),
            "{path}"
        );
        assert!(
            html.contains(&format!(
                r#"class="govuk-generic-header__homepage-link">{LA_NAME}</a>"#
            )),
            "{path}"
        );
        assert!(
            html.contains(r#"<a href="/" class="govuk-service-navigation__link">Waymark</a>"#),
            "{path}"
        );
        assert!(
            html.contains(
                r#"<strong class="govuk-tag govuk-phase-banner__content__tag">Beta</strong>"#
            ),
            "{path}"
        );
        assert!(
            html.contains(r#"<a class="govuk-footer__link" href="/cookies">Cookies</a>"#),
            "{path}"
        );
        assert!(
            html.contains(
                r#"<a class="govuk-footer__link" href="/accessibility">Accessibility statement</a>"#
            ),
            "{path}"
        );
        assert!(html.contains("GNU Affero General Public License"), "{path}");
        assert!(
            html.contains(&format!(" – Waymark – {LA_NAME}</title>")),
            "{path}"
        );
        // Nobody is signed in: no navigation items.
        assert!(!html.contains("govuk-service-navigation__list"), "{path}");
        // Not GOV.UK: no crown, no GOV.UK logo, no Crown copyright.
        assert!(!html.contains("govuk-header__logotype"), "{path}");
        assert!(!html.contains("Crown copyright"), "{path}");
    }
}

#[tokio::test]
async fn start_page_explains_the_service_and_has_a_sign_in_start_button() {
    let app = TestApp::spawn().await;
    let html = app.get("/").await.body;
    assert!(html.contains(r#"<h1 class="govuk-heading-xl">Education, health and care plans</h1>"#));
    assert!(html.contains(
        r#"<a href="/sign-in" role="button" draggable="false" class="govuk-button govuk-button--start" data-module="govuk-button">"#
    ));
    assert!(html.contains("Sign in"));
    assert!(html.contains(&format!("contact the SEND team at {LA_NAME}")));
}

#[tokio::test]
async fn cookies_page_lists_only_strictly_necessary_cookies() {
    let app = TestApp::spawn().await;
    let html = app.get("/cookies").await.body;
    assert!(html.contains("strictly necessary"));
    for name in [
        "waymark-session",
        "waymark-csrf",
        "waymark-two-factor",
        "waymark-sso",
    ] {
        assert!(
            html.contains(&format!(
                r#"<h3 class="govuk-summary-card__title">{name}</h3>"#
            )),
            "{name}"
        );
    }
    assert_eq!(
        html.matches(r#"<div class="govuk-summary-card">"#).count(),
        4,
        "four cookies, no more"
    );
    assert!(html.contains("We do not use cookies to track you"));
}

#[tokio::test]
async fn accessibility_statement_has_the_required_sections() {
    let app = TestApp::spawn().await;
    let html = app.get("/accessibility").await.body;
    for heading in [
        "Accessibility statement for Waymark",
        "How accessible this service is",
        "Feedback and contact information",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "Technical information about this service’s accessibility",
        "Compliance status",
        "Non-accessible content",
        "What we are doing to improve accessibility",
        "Preparation of this accessibility statement",
    ] {
        assert!(
            html.contains(&format!(">{heading}</h")),
            "missing section: {heading}"
        );
    }
    assert!(html.contains("Web Content Accessibility Guidelines version 2.2"));
    assert!(html.contains("Equality Advisory and Support Service"));
}

#[tokio::test]
async fn pages_have_no_inline_script_or_style() {
    let app = TestApp::spawn().await;
    for path in PAGES.iter().chain(&["/no-such-page"]) {
        let html = app.get(path).await.body;
        for (i, _) in html.match_indices("<script") {
            let tag = &html[i..i + html[i..].find('>').unwrap_or(0)];
            assert!(
                tag.contains(" src=\"/assets/"),
                "{path}: inline script {tag}"
            );
        }
        assert!(!html.contains(" style="), "{path}: style attribute");
        assert!(!html.contains("<style"), "{path}: style element");
        assert!(
            !html.contains(" onclick=") && !html.contains(" onload="),
            "{path}: event handler"
        );
    }
}
