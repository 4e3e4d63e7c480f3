//! Errors, and how each becomes a response: all in this one module.
//!
//! Which error type is used where:
//!
//! - Handlers and extractors return [`AppError`] (alias [`AppResult`]). It says *what kind* of
//!   failure happened; this module decides what the user sees. A [`StoreError`] converts with
//!   `?`: a stale write becomes [`AppError::Conflict`], a case that is missing *or belongs to
//!   another LA* becomes [`AppError::NotFound`] (never reveal that a record exists elsewhere),
//!   anything else a 500.
//! - Form checks collect [`FieldErrors`]. A page with a form renders itself again with them
//!   (`error_summary(errors)` and `field_error(errors, "field")` in `templates/macros.html`);
//!   an API handler returns [`AppError::Validation`], which answers 422 with the messages.
//! - Starting the server returns [`ServeError`]. `anyhow` is for the `waymark` binary only.
//!
//! What the user sees: on pages, the GOV.UK error pages (`templates/errors/`); under `/api/`,
//! RFC 9457 problem details (`application/problem+json`: `type` (a URI under
//! [`PROBLEM_TYPE_BASE`] naming the kind of problem), `title`, `status`, `detail`, `instance`
//! (the path asked for, without the query string), and `errors: {field: message}` for 422).
//! [`AppError::Unauthorized`], [`AppError::Forbidden`] and [`AppError::Refused`] come from the
//! JSON API (bearer tokens, roles with no access to personal data, the case rules saying no);
//! a page that meets one shows the "Page not found" page, which reveals nothing. [`AppError::into_response`] cannot see the request,
//! so it attaches an [`ErrorReport`] to the response and [`render_error_pages`], a middleware
//! that can, renders it in the right form.
//!
//! Logging: 500s are logged with `tracing::error!` naming only the kind of failure and ids,
//! never the error's text or the request's data, which can hold personal data (a child's name
//! in a duplicate reference, a value in a database error). 4xx are not logged as errors.

use std::any::Any;
use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;
use serde::ser::SerializeMap;
use waymark_store::{Store, StoreError};

use crate::AppState;
use crate::templates::{Nav, Templates};

/// Result of a handler.
pub type AppResult<T, E = AppError> = Result<T, E>;

/// Why a request failed. Each variant has one response; see the module documentation.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such page or record, or one the user may not see: 404.
    #[error("not found")]
    NotFound,

    /// The input has mistakes: 422 with a message per field.
    #[error("the input has {} mistake(s)", .0.len())]
    Validation(FieldErrors),

    /// Someone else changed the case since the user loaded it: 409, "reload and try again".
    #[error("someone else changed this case")]
    Conflict,

    /// The case rules refused the change (the domain's refusal, which says what to do
    /// instead): 422 with the refusal's text. Nothing was written.
    #[error("the change was refused")]
    Refused(String),

    /// No credentials, or credentials that are unknown, revoked or belong to a disabled
    /// account: 401 with `WWW-Authenticate: Bearer` (the JSON API).
    #[error("not authenticated")]
    Unauthorized,

    /// The user's role may not use this at all (a viewer or scrutiny member asking for
    /// personal data): 403. Never used for one record the user may not see: that is
    /// [`AppError::NotFound`], so as not to reveal that it exists.
    #[error("forbidden")]
    Forbidden,

    /// A state-changing page request without the right CSRF token (see `crate::csrf`): 403
    /// and "Your form has expired. Go back and try again." Nothing was changed.
    #[error("the form's CSRF token is missing or wrong")]
    FormExpired,

    /// The store failed (the database is down, the data is inconsistent): 500.
    #[error("the store failed ({})", store_error_kind(.0))]
    Store(StoreError),

    /// Anything else that is a bug or an outage, named by a short fixed label for the log
    /// (`"template"`, `"panic"`): 500.
    #[error("internal error ({0})")]
    Internal(&'static str),
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> AppError {
        match err {
            StoreError::Conflict { .. } => AppError::Conflict,
            StoreError::NotFound { .. } | StoreError::UserNotFound { .. } => AppError::NotFound,
            other => AppError::Store(other),
        }
    }
}

impl From<waymark_app::Error> for AppError {
    fn from(err: waymark_app::Error) -> AppError {
        use waymark_app::Error;
        match err {
            Error::NotFound => AppError::NotFound,
            Error::Forbidden => AppError::Forbidden,
            Error::Conflict => AppError::Conflict,
            Error::Refused(refusal) => AppError::Refused(refusal.to_string()),
            Error::Declined(text) => AppError::Refused(text),
            Error::Store(err) => AppError::from(err),
            Error::Internal(label) => AppError::Internal(label),
        }
    }
}

impl AppError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict => StatusCode::CONFLICT,
            AppError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::FormExpired => StatusCode::FORBIDDEN,
            AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let report = match self {
            AppError::NotFound => ErrorReport::new(ErrorKind::NotFound),
            AppError::Validation(errors) => ErrorReport {
                kind: ErrorKind::Validation,
                errors,
                detail: None,
            },
            AppError::Conflict => ErrorReport::new(ErrorKind::Conflict),
            AppError::Refused(reason) => ErrorReport {
                kind: ErrorKind::Refused,
                errors: FieldErrors::new(),
                detail: Some(reason),
            },
            AppError::Unauthorized => ErrorReport::new(ErrorKind::Unauthorized),
            AppError::Forbidden => ErrorReport::new(ErrorKind::Forbidden),
            AppError::FormExpired => ErrorReport::new(ErrorKind::FormExpired),
            AppError::Store(err) => {
                tracing::error!(
                    kind = store_error_kind(&err),
                    case = case_of(&err),
                    "request failed: store error"
                );
                ErrorReport::new(ErrorKind::Internal)
            }
            AppError::Internal(what) => {
                tracing::error!(kind = what, "request failed: internal error");
                ErrorReport::new(ErrorKind::Internal)
            }
        };
        // Plain text until `render_error_pages` replaces it; seen only if that layer is
        // missing (e.g. a handler tested on its own).
        let mut response = (status, report.kind.title()).into_response();
        if report.kind == ErrorKind::Unauthorized {
            // RFC 6750 section 3: how to authenticate (the JSON API's bearer tokens).
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="waymark""#),
            );
        }
        response.extensions_mut().insert(report);
        response
    }
}

/// A short, fixed name for a store error, safe to log: never the error's text.
///
/// Errors that only maintenance commands meet (backup, restore, connecting) and variants
/// added to the store later are `"other"` until they are named here.
pub fn store_error_kind(err: &StoreError) -> &'static str {
    match err {
        StoreError::Conflict { .. } => "conflict",
        StoreError::NotFound { .. } => "not_found",
        StoreError::DuplicateReference { .. } => "duplicate_reference",
        StoreError::UnknownLa { .. } => "unknown_la",
        StoreError::DuplicateEmail => "duplicate_email",
        StoreError::UserNotFound { .. } => "user_not_found",
        StoreError::UnknownRelation { .. } => "unknown_relation",
        StoreError::NoEvents { .. } => "no_events",
        StoreError::Corrupt(_) => "corrupt",
        StoreError::Inconsistent { .. } => "inconsistent",
        StoreError::Decode(_) => "decode",
        StoreError::Io { .. } => "io",
        StoreError::Background(_) => "background",
        StoreError::Migrate(_) => "migrate",
        StoreError::Database(_) => "database",
        _ => "other",
    }
}

/// The case an error is about, if it names one (an id, never a reference or a name).
fn case_of(err: &StoreError) -> Option<i64> {
    match err {
        StoreError::Conflict { case, .. }
        | StoreError::NotFound { case }
        | StoreError::NoEvents { case }
        | StoreError::Inconsistent { case, .. } => Some(case.0),
        _ => None,
    }
}

/// Mistakes in a form or an API request: at most one message per field, in the order the
/// fields appear on the page (the order of the GOV.UK error summary).
///
/// `field` is the id of the input the message belongs to, so the error summary can link to
/// it (`#field`) and the input can point at its message (`field-error`).
///
/// Templates see `{ list: [{field, message}], by_field: {field: message} }`; the API shows
/// `by_field` as `errors`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    list: Vec<FieldError>,
}

/// One field's mistake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The input's id (and form field name).
    pub field: String,
    /// What is wrong and how to fix it, in GOV.UK error message style ("Enter the date the
    /// request was received").
    pub message: String,
}

impl FieldErrors {
    /// No mistakes yet.
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    /// Records a mistake. A field keeps its first message: GOV.UK pages show one per field.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        if self.get(&field).is_none() {
            self.list.push(FieldError {
                field,
                message: message.into(),
            });
        }
    }

    /// The message for a field, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Whether there are no mistakes.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// How many fields have mistakes.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// The mistakes in order.
    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.list.iter()
    }

    /// `Ok(())` if there are no mistakes, else [`AppError::Validation`] (for API handlers).
    ///
    /// # Errors
    /// [`AppError::Validation`] with these mistakes.
    pub fn into_result(self) -> AppResult<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self))
        }
    }

    fn by_field(&self) -> BTreeMap<&str, &str> {
        self.list
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect()
    }
}

impl Serialize for FieldErrors {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("list", &self.list)?;
        map.serialize_entry("by_field", &self.by_field())?;
        map.end()
    }
}

/// Where the `type` URIs of Waymark's problem details live: `type` is this followed by the
/// problem's name (`not-found`, `validation`, `refused`, `conflict`, `unauthorized`,
/// `forbidden`, `internal`; for errors axum answers itself, the status's reason phrase in
/// lower case with dashes, such as `method-not-allowed`). docs/api.md describes each.
pub const PROBLEM_TYPE_BASE: &str = "https://waymark.example/problems/";

/// Which error page or problem a failed response shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorKind {
    NotFound,
    Validation,
    Refused,
    Conflict,
    Unauthorized,
    Forbidden,
    FormExpired,
    Internal,
}

impl ErrorKind {
    fn status(self) -> StatusCode {
        match self {
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Validation | ErrorKind::Refused => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden | ErrorKind::FormExpired => StatusCode::FORBIDDEN,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The last part of the problem's `type` URI.
    fn slug(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not-found",
            ErrorKind::Validation => "validation",
            ErrorKind::Refused => "refused",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::FormExpired => "form-expired",
            ErrorKind::Internal => "internal",
        }
    }

    /// The page's heading, and the problem's `title` (the same for every problem of a type,
    /// as RFC 9457 asks).
    fn title(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "Page not found",
            ErrorKind::Validation => "There is a problem",
            ErrorKind::Refused => "The change was refused",
            ErrorKind::Conflict => "Someone else changed this case",
            ErrorKind::Unauthorized => "Authentication needed",
            ErrorKind::Forbidden => "Not allowed",
            ErrorKind::FormExpired => "Your form has expired",
            ErrorKind::Internal => "Sorry, there is a problem with the service",
        }
    }

    /// The `detail` of a problem: what happened and what to do.
    fn detail(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "There is nothing at this address, or you cannot see it.",
            ErrorKind::Validation => "The request has mistakes: see errors.",
            ErrorKind::Refused => "The case rules do not allow this change.",
            ErrorKind::Conflict => {
                "Someone else changed this case while you were working on it. \
                 Reload the case and try again."
            }
            ErrorKind::Unauthorized => {
                "Send a valid API token: 'Authorization: Bearer TOKEN'. Tokens are made on the \
                 'API tokens' page of your account; a revoked token, or the token of a disabled \
                 account, is refused."
            }
            ErrorKind::Forbidden => "Your role cannot use this.",
            ErrorKind::FormExpired => "Your form has expired. Go back and try again.",
            ErrorKind::Internal => "Something went wrong on our side. Try again later.",
        }
    }

    fn template(self) -> &'static str {
        match self {
            // API-only problems: a page shows nothing more than "not found".
            ErrorKind::NotFound
            | ErrorKind::Refused
            | ErrorKind::Unauthorized
            | ErrorKind::Forbidden => "errors/not_found.html",
            ErrorKind::Validation => "errors/validation.html",
            ErrorKind::FormExpired => "errors/form_expired.html",
            ErrorKind::Conflict => "errors/conflict.html",
            ErrorKind::Internal => "errors/server_error.html",
        }
    }
}

/// What [`AppError::into_response`] leaves in a response's extensions for
/// [`render_error_pages`] to render.
#[derive(Debug, Clone)]
pub struct ErrorReport {
    kind: ErrorKind,
    errors: FieldErrors,
    /// A `detail` more specific than the kind's own (a refusal's text).
    detail: Option<String>,
}

impl ErrorReport {
    fn new(kind: ErrorKind) -> ErrorReport {
        ErrorReport {
            kind,
            errors: FieldErrors::new(),
            detail: None,
        }
    }
}

/// Middleware: replaces the body of a failed response that carries an [`ErrorReport`] with
/// the GOV.UK error page, or with problem details for `/api/` paths.
///
/// The page's navigation is worked out only when a page is needed, from a copy of the
/// request's head (so the signed-in user's navigation costs nothing on successful requests).
pub async fn render_error_pages<S: Store>(
    State(state): State<AppState<S>>,
    request: Request,
    next: Next,
) -> Response {
    let (head, body) = request.into_parts();
    let mut saved_head = head.clone();
    let mut response = next.run(Request::from_parts(head, body)).await;
    let Some(report) = response.extensions_mut().remove::<ErrorReport>() else {
        if is_api(saved_head.uri.path()) {
            return bare_api_error(response, saved_head.uri.path());
        }
        return response;
    };
    let (content_type, body) = if is_api(saved_head.uri.path()) {
        (
            "application/problem+json",
            problem_json(&report, saved_head.uri.path()),
        )
    } else {
        // An error page must render even if working out the navigation fails.
        let nav = Nav::from_request_parts(&mut saved_head, &state)
            .await
            .unwrap_or_else(|_| Nav::signed_out());
        match error_page(&state.templates, &nav, &report) {
            Some(html) => ("text/html; charset=utf-8", html),
            None => ("text/plain; charset=utf-8", report.kind.title().to_string()),
        }
    };
    let (mut parts, _) = response.into_parts();
    parts.status = report.kind.status();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Response::from_parts(parts, Body::from(body))
}

/// An error under `/api/` that axum answered itself rather than a handler (a method the
/// address does not take, a body too large): the same status as problem details, the headers
/// (such as `Allow`) kept. Successes and JSON answers pass through.
fn bare_api_error(response: Response, path: &str) -> Response {
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/json") || v.starts_with("application/problem+json")
        });
    if !(status.is_client_error() || status.is_server_error()) || json {
        return response;
    }
    let title = status.canonical_reason().unwrap_or("Error");
    let detail = if status == StatusCode::METHOD_NOT_ALLOWED {
        "This address does not take that method: the Allow header lists those it does."
    } else {
        title
    };
    let problem = serde_json::json!({
        "type": format!("{PROBLEM_TYPE_BASE}{}", title.to_ascii_lowercase().replace(' ', "-")),
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
        "instance": path,
    });
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    Response::from_parts(parts, Body::from(problem.to_string()))
}

/// Whether a path is part of the JSON API, which answers errors with problem details.
pub(crate) fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// RFC 9457 problem details for a request to `path`. A refusal's text is its `detail`, and
/// also its `errors.command`, so that every 422 has `errors`.
fn problem_json(report: &ErrorReport, path: &str) -> String {
    let status = report.kind.status();
    let detail = report.detail.as_deref().unwrap_or(report.kind.detail());
    let mut problem = serde_json::json!({
        "type": format!("{PROBLEM_TYPE_BASE}{}", report.kind.slug()),
        "title": report.kind.title(),
        "status": status.as_u16(),
        "detail": detail,
        "instance": path,
    });
    match report.kind {
        ErrorKind::Validation => problem["errors"] = serde_json::json!(report.errors.by_field()),
        ErrorKind::Refused => problem["errors"] = serde_json::json!({ "command": detail }),
        _ => {}
    }
    problem.to_string()
}

fn error_page(templates: &Templates, nav: &Nav, report: &ErrorReport) -> Option<String> {
    let ctx = context! { errors => Serde(&report.errors) };
    // A broken error template is already logged by `render`; plain text is the fallback.
    templates
        .render(report.kind.template(), nav, ctx)
        .ok()
        .map(|html| html.0)
}

/// A panicking handler (a bug) answers with the 500 page instead of a dropped connection.
/// What it panicked with is not logged: the message may quote the request's data.
pub fn panic_response(_panic: Box<dyn Any + Send + 'static>) -> Response {
    AppError::Internal("panic").into_response()
}

/// `GET` of an address with no route: the GOV.UK "Page not found" page (or a problem under
/// `/api/`).
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A compiled-in template does not parse.
    #[error("a page template is broken: {0}")]
    Templates(#[source] minijinja::Error),

    /// The address could not be listened on.
    #[error(
        "could not listen on {addr}: {source} (is another program using the port, or is the \
         address not on this machine?)"
    )]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// The server stopped with an error.
    #[error("the web server failed: {0}")]
    Serve(#[source] std::io::Error),

    /// Single sign-on is configured wrongly.
    #[error("single sign-on: {0}")]
    Sso(#[source] crate::oidc::SetupError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use waymark_store::CaseId;

    fn templates() -> Templates {
        match Templates::new(&Config::new("Northshire County Council")) {
            Ok(t) => t,
            Err(err) => panic!("{err:#}"),
        }
    }

    fn report_of(err: AppError) -> (StatusCode, ErrorReport) {
        let mut response = err.into_response();
        let report = response.extensions_mut().remove::<ErrorReport>();
        match report {
            Some(report) => (response.status(), report),
            None => panic!("no report on the response"),
        }
    }

    fn json(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    #[test]
    fn stale_write_is_a_conflict_and_a_missing_case_is_not_found() {
        let case = CaseId(7);
        let conflict = StoreError::Conflict {
            case,
            expected: 1,
            found: 2,
        };
        assert!(matches!(AppError::from(conflict), AppError::Conflict));
        assert!(matches!(
            AppError::from(StoreError::NotFound { case }),
            AppError::NotFound
        ));
        assert!(matches!(
            AppError::from(StoreError::NotEmpty),
            AppError::Store(_)
        ));
    }

    #[test]
    fn store_errors_are_logged_by_kind_not_by_their_text() {
        let err = StoreError::DuplicateReference {
            reference: "Jane Smith 2014".into(),
        };
        let app = AppError::from(err);
        assert_eq!(app.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!app.to_string().contains("Smith"), "{app}");
        assert!(app.to_string().contains("duplicate_reference"), "{app}");
    }

    #[test]
    fn validation_problem_lists_errors_by_field() {
        let mut errors = FieldErrors::new();
        errors.add("upn", "Enter a UPN in the correct format");
        errors.add("upn", "a second message for the same field is dropped");
        errors.add("received", "Enter the date the request was received");
        let (status, report) = report_of(AppError::Validation(errors));
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let problem = json(&problem_json(&report, "/api/v1/cases"));
        assert_eq!(problem["status"], 422);
        assert_eq!(problem["title"], "There is a problem");
        assert_eq!(
            problem["type"],
            "https://waymark.example/problems/validation"
        );
        assert_eq!(problem["instance"], "/api/v1/cases");
        assert_eq!(
            problem["errors"],
            serde_json::json!({
                "upn": "Enter a UPN in the correct format",
                "received": "Enter the date the request was received",
            })
        );
    }

    #[test]
    fn conflict_problem_and_page_say_to_reload() {
        let (status, report) = report_of(AppError::Conflict);
        assert_eq!(status, StatusCode::CONFLICT);
        let problem = json(&problem_json(&report, "/api/v1/cases/1/commands"));
        assert_eq!(problem["type"], "https://waymark.example/problems/conflict");
        assert_eq!(problem["status"], 409);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("Reload")
        );
        assert!(problem.get("errors").is_none());
        let page = error_page(&templates(), &Nav::signed_out(), &report).unwrap_or_default();
        assert!(page.contains("Someone else changed this case"), "{page}");
        assert!(page.contains("reload"), "{page}");
    }

    #[test]
    fn refusal_problem_carries_the_refusal_text() {
        let text = "a final plan can only be issued after a draft has been sent to the family";
        let (status, report) = report_of(AppError::Refused(text.to_string()));
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let problem = json(&problem_json(&report, "/api/v1/cases/1/commands"));
        assert_eq!(problem["type"], "https://waymark.example/problems/refused");
        assert_eq!(problem["detail"], text);
        assert_eq!(problem["errors"]["command"], text);
    }

    #[test]
    fn unauthorized_answers_with_the_bearer_challenge() {
        let response = AppError::Unauthorized.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers().get(header::WWW_AUTHENTICATE),
            Some(&HeaderValue::from_static(r#"Bearer realm="waymark""#))
        );
        let (status, report) = report_of(AppError::Forbidden);
        assert_eq!(status, StatusCode::FORBIDDEN);
        let problem = json(&problem_json(&report, "/api/v1/cases"));
        assert_eq!(
            problem["type"],
            "https://waymark.example/problems/forbidden"
        );
    }

    #[test]
    fn internal_error_page_is_the_govuk_problem_with_the_service_page() {
        let (status, report) = report_of(AppError::Internal("test"));
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let page = error_page(&templates(), &Nav::signed_out(), &report).unwrap_or_default();
        assert!(page.contains(
            r#"<h1 class="govuk-heading-l">Sorry, there is a problem with the service</h1>"#
        ));
        let panic = panic_response(Box::new("boom"));
        assert_eq!(panic.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(panic.extensions().get::<ErrorReport>().is_some());
    }

    #[test]
    fn validation_page_shows_the_error_summary() {
        let mut errors = FieldErrors::new();
        errors.add("reference", "Enter the case reference");
        let (_, report) = report_of(AppError::Validation(errors));
        let page = error_page(&templates(), &Nav::signed_out(), &report).unwrap_or_default();
        assert!(page.contains("govuk-error-summary__list"), "{page}");
        assert!(page.contains("Enter the case reference"), "{page}");
        // This page does not show the form, so the messages do not link to fields.
        assert!(!page.contains(r##"href="#reference""##), "{page}");
    }

    #[test]
    fn api_paths_are_recognised() {
        assert!(is_api("/api/v1/cases"));
        assert!(is_api("/api"));
        assert!(!is_api("/apiary"));
        assert!(!is_api("/cases"));
    }
}
