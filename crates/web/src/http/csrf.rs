//! Cross-site request forgery protection: every state-changing request to a page route
//! (`POST`, `PUT`, `PATCH`, `DELETE`) must carry the request's [`CsrfToken`], in the form field
//! `csrf_token` (every form has it: `{{ csrf_input() }}` in a template) or the `X-CSRF-Token`
//! header. Anything else is refused with 403 and the "Your form has expired" page, and the
//! handler never runs, so nothing changes.
//!
//! - Signed in, the token is the session's own (a synchronizer token kept in the database
//!   with the session, new at every sign-in).
//! - Signed out (the sign-in form), it is a double-submit cookie: a random token in the
//!   `waymark-csrf` cookie (`SameSite=Strict`, `__Host-` behind TLS) that the form repeats.
//!   It is not signed: before sign-in there is nothing to bind a signature to, so an attacker
//!   could get a validly signed pair for themselves just as well; what stops them planting
//!   their own cookie is the `__Host-` prefix (no subdomain can set it) and `SameSite=Strict`.
//!
//! The JSON API (`/api/...`) is exempt: it authenticates with bearer tokens, never cookies,
//! so another site cannot make a browser send its credentials.
//!
//! [`require_token`] wraps every state-changing route's handler
//! ([`crate::router::RouteTable::post`]), so it runs only for a method and path that have a
//! handler: an unknown address is still 404 and a wrong method 405.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::session::CsrfToken;
use crate::token;

/// The form field that carries the token.
pub const FIELD: &str = "csrf_token";

/// The header that carries the token for requests sent by script.
pub const HEADER: &str = "x-csrf-token";

/// The largest form body read to find the token (Waymark's forms are small; file uploads will
/// send the token in the header or a multipart field of their own).
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// Whether a method changes state (RFC 9110 section 9.2.1: the others are safe).
pub fn changes_state(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Middleware: refuses a state-changing page request without the right token (see the module
/// documentation) with [`AppError::FormExpired`].
pub async fn require_token(request: Request, next: Next) -> Response {
    if !changes_state(request.method()) || crate::error::is_api(request.uri().path()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // The session layer leaves the token; without it nothing can match.
    let Some(expected) = parts.extensions.get::<CsrfToken>().cloned() else {
        return form_expired();
    };
    if let Some(sent) = header_token(&parts.headers) {
        if token::same(sent, expected.as_str()) {
            return next.run(Request::from_parts(parts, body)).await;
        }
        return form_expired();
    }
    if is_multipart(&parts.headers) {
        // A form with a file: the token is one of its fields.
        let Ok(bytes) = to_bytes(body, crate::forms::MAX_MULTIPART_BYTES).await else {
            let mut errors = crate::error::FieldErrors::new();
            errors.add("file", "The selected file must be smaller than 20MB");
            return crate::error::AppError::Validation(errors).into_response();
        };
        let sent = crate::forms::FormData::parse(&parts.headers, bytes.clone())
            .await
            .map(|form| form.text(FIELD))
            .unwrap_or_default();
        if !sent.is_empty() && token::same(&sent, expected.as_str()) {
            return next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
        }
        return form_expired();
    }
    if !is_form(&parts.headers) {
        return form_expired();
    }
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return form_expired();
    };
    let sent = url::form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == FIELD)
        .map(|(_, value)| value.into_owned());
    match sent {
        Some(sent) if token::same(&sent, expected.as_str()) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => form_expired(),
    }
}

fn header_token(headers: &HeaderMap) -> Option<&str> {
    headers.get(HEADER).and_then(|value| value.to_str().ok())
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// 403 with the GOV.UK "Your form has expired" page (rendered by the error-page layer).
fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("multipart/form-data"))
}

fn form_expired() -> Response {
    tracing::info!("refused a form without a valid CSRF token");
    AppError::FormExpired.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unsafe_methods_need_a_token() {
        assert!(!changes_state(&Method::GET));
        assert!(!changes_state(&Method::HEAD));
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(changes_state(&method), "{method}");
        }
    }

    #[test]
    fn form_content_type_is_recognised_with_parameters() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=UTF-8"
                .parse()
                .unwrap_or_else(|e| panic!("{e}")),
        );
        assert!(is_form(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            "application/json".parse().unwrap_or_else(|e| panic!("{e}")),
        );
        assert!(!is_form(&headers));
    }
}
