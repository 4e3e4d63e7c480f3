//! Security headers, on every response.
//!
//! - `Content-Security-Policy`: scripts, styles, fonts and images only from Waymark itself;
//!   no inline script or style (so an injected `<script>` or `style=` does nothing), no
//!   plugins, no `<base>`, forms post only to Waymark, and no other site may frame it.
//! - `X-Frame-Options: DENY` for browsers that predate `frame-ancestors`.
//! - `X-Content-Type-Options: nosniff`; `Referrer-Policy: same-origin` (addresses can hold
//!   case ids; they never leave the site).
//! - `Permissions-Policy`: no camera, microphone, location, payment or USB.
//! - `Cross-Origin-Opener-Policy: same-origin`: a page another site opens cannot reach back.
//! - `Strict-Transport-Security`, only when [`crate::Config::behind_tls`] says users come in
//!   over HTTPS (sent over plain HTTP it would lock a development server out of browsers).
//! - `Cache-Control: no-store` unless the handler set its own (static assets are immutable):
//!   pages hold personal data, which must not stay in shared or browser caches.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::Config;

/// The Content Security Policy every response carries.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Browser features Waymark never uses, switched off.
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

/// Two years, including subdomains: the instance's own host only ever serves HTTPS.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000; includeSubDomains";

/// The headers for this instance, worked out once at start-up.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl SecurityHeaders {
    /// The headers for `config` (HSTS only when behind TLS).
    pub fn new(config: &Config) -> SecurityHeaders {
        let mut headers = vec![
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            ),
            (
                HeaderName::from_static("permissions-policy"),
                HeaderValue::from_static(PERMISSIONS_POLICY),
            ),
            (
                HeaderName::from_static("cross-origin-opener-policy"),
                HeaderValue::from_static("same-origin"),
            ),
        ];
        if config.behind_tls {
            headers.push((
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
            ));
        }
        SecurityHeaders { headers }
    }

    /// Sets the headers on a response, replacing any a handler set, and `no-store` caching
    /// unless the handler chose its own.
    pub fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        if !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }
}

/// Middleware: adds the security headers to every response.
pub async fn add_headers(
    State(security): State<SecurityHeaders>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    security.apply(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsts_only_when_behind_tls() {
        let mut plain = HeaderMap::new();
        SecurityHeaders::new(&Config::new("LA")).apply(&mut plain);
        assert!(!plain.contains_key(header::STRICT_TRANSPORT_SECURITY));

        let mut tls = HeaderMap::new();
        let config = Config {
            behind_tls: true,
            ..Config::new("LA")
        };
        SecurityHeaders::new(&config).apply(&mut tls);
        assert_eq!(
            tls[header::STRICT_TRANSPORT_SECURITY],
            STRICT_TRANSPORT_SECURITY
        );
    }

    #[test]
    fn handler_cache_control_is_kept_otherwise_no_store() {
        let security = SecurityHeaders::new(&Config::new("LA"));
        let mut page = HeaderMap::new();
        security.apply(&mut page);
        assert_eq!(page[header::CACHE_CONTROL], "no-store");

        let mut asset = HeaderMap::new();
        asset.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
        security.apply(&mut asset);
        assert_eq!(
            asset[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
    }

    #[test]
    fn csp_has_no_unsafe_directives() {
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    }
}
