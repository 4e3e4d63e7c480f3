//! Who is signed in: browser sessions stored in the database, and the [`CurrentUser`]
//! extractor every signed-in page takes.
//!
//! A session is a random 256-bit token in the session cookie (`HttpOnly`, `SameSite=Lax`,
//! `Secure` and `__Host-` behind TLS); the database keeps only its SHA-256
//! (`waymark_store::Session`), so sessions are shared by every instance and a copy of the
//! database signs no one in. A session ends:
//!
//! - when the user signs out, or signs out everywhere (all their sessions);
//! - after [`crate::AuthSettings::session_idle`] without a request (30 minutes), and
//!   [`crate::AuthSettings::session_absolute`] after signing in (12 hours), whatever happens;
//! - when an administrator disables the account (the store deletes its sessions).
//!
//! [`layer`] runs on every page request (not on static assets, `/health`, `/metrics` or the
//! JSON API, which uses bearer tokens and never cookies): it looks the session up, ends it if
//! it has expired, records activity at most once a minute ([`TOUCH_EVERY`]), and leaves the
//! [`CurrentUser`] and the request's [`CsrfToken`] in the request's extensions for the
//! extractors, the navigation and the CSRF check.

use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use minijinja::context;
use waymark_store::{Session, Store, StoreError, User};

use crate::cookies::{self, SameSite};
use crate::error::{AppError, AppResult, store_error_kind};
use crate::templates::Nav;
use crate::{AppState, token};

/// A session's activity is written at most this often: the idle timeout does not need more
/// precision than a minute, and a write per request would make every page a database write.
pub const TOUCH_EVERY: chrono::Duration = chrono::Duration::minutes(1);

/// The signed-in user. Take it as a handler argument to require sign-in: without a valid
/// session a page redirects to the sign-in page (coming back afterwards), and the JSON API
/// answers 401.
///
/// It says who the user is, not what they may see: ask [`crate::policy`] for that.
/// `Debug` shows ids and role only (no name or email).
pub use waymark_app::access::CurrentUser;

impl<S: Store> FromRequestParts<AppState<S>> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState<S>,
    ) -> Result<CurrentUser, Response> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(user.clone());
        }
        if crate::error::is_api(parts.uri.path()) {
            return Err(AppError::Unauthorized.into_response());
        }
        // Come back to the page after signing in (only for a GET: a form's data is gone).
        let target = if parts.method == Method::GET {
            let wanted = parts
                .uri
                .path_and_query()
                .map_or("/", |pq| pq.as_str())
                .to_string();
            let encoded: String = url::form_urlencoded::byte_serialize(wanted.as_bytes()).collect();
            format!("/sign-in?next={encoded}")
        } else {
            "/sign-in".to_string()
        };
        Err(Redirect::to(&target).into_response())
    }
}

impl<S: Store> OptionalFromRequestParts<AppState<S>> for CurrentUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState<S>,
    ) -> Result<Option<CurrentUser>, Self::Rejection> {
        Ok(parts.extensions.get::<CurrentUser>().cloned())
    }
}

/// The token that a state-changing request must carry (see [`crate::csrf`]): the session's
/// own while signed in, else the one in the CSRF cookie.
#[derive(Clone)]
pub struct CsrfToken(String);

impl CsrfToken {
    /// The token, for a form's hidden `csrf_token` field.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfToken(..)")
    }
}

/// Whether requests to `path` carry a session: not static assets, health checks, metrics, or
/// the JSON API (bearer tokens only, so that no cookie can act for the user there and the API
/// needs no CSRF protection).
pub fn uses_session(path: &str) -> bool {
    !(path.starts_with("/assets/")
        || path == "/favicon.ico"
        || path == "/health"
        || path == "/metrics"
        || crate::error::is_api(path))
}

/// Middleware: finds the signed-in user and the CSRF token (see the module documentation).
pub async fn layer<S: Store>(
    State(state): State<AppState<S>>,
    mut request: Request,
    next: Next,
) -> Response {
    if !uses_session(request.uri().path()) {
        return next.run(request).await;
    }
    let tls = state.config.behind_tls;
    let session_cookie = cookies::name(cookies::SESSION, tls);
    let csrf_cookie = cookies::name(cookies::CSRF, tls);
    let now = Utc::now();
    let mut set_cookies: Vec<HeaderValue> = Vec::new();

    let mut signed_in = None;
    if let Some(token) = cookies::get(request.headers(), &session_cookie) {
        match resolve(&state, token, now).await {
            Ok(Some(found)) => signed_in = Some(found),
            // Expired or unknown: forget the cookie too.
            Ok(None) => set_cookies.push(cookies::clear(&session_cookie, tls)),
            Err(err) => return server_error(&state, &err),
        }
    }
    let csrf = match signed_in.as_ref() {
        Some((_, session_csrf)) => session_csrf.clone(),
        None => match cookies::get(request.headers(), &csrf_cookie)
            .filter(|value| token::is_well_formed(value))
        {
            Some(existing) => existing.to_string(),
            None => match token::new_token() {
                Ok(fresh) => {
                    set_cookies.push(cookies::set(&csrf_cookie, &fresh, SameSite::Strict, tls));
                    fresh
                }
                Err(err) => return AppError::from(err).into_response(),
            },
        },
    };
    request.extensions_mut().insert(CsrfToken(csrf));
    if let Some((user, _)) = signed_in {
        request.extensions_mut().insert(user);
    }
    let mut response = next.run(request).await;
    for cookie in set_cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The user and CSRF token of the session named by a cookie's token, if it is valid now.
/// An expired session, or one of a disabled or deleted account, is deleted.
async fn resolve<S: Store>(
    state: &AppState<S>,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(CurrentUser, String)>, StoreError> {
    if !token::is_well_formed(token) {
        return Ok(None);
    }
    let store = &state.store;
    let hash = token::hash(token);
    let Some(session) = store.find_session(&hash).await? else {
        return Ok(None);
    };
    let settings = &state.config.auth;
    if now >= session.expires_at || now - session.last_seen_at >= settings.session_idle {
        store.delete_session(&hash).await?;
        return Ok(None);
    }
    let user = match store.find_user(session.user_id).await? {
        Some(user) if !user.disabled => user,
        _ => {
            store.delete_session(&hash).await?;
            return Ok(None);
        }
    };
    if now - session.last_seen_at >= TOUCH_EVERY {
        store.touch_session(&hash, now).await?;
    }
    Ok(Some((
        CurrentUser::with_session(user, hash),
        session.csrf_token,
    )))
}

/// The 500 page, for a database failure before the request reached the error-page layer.
fn server_error<S: Store>(state: &AppState<S>, err: &StoreError) -> Response {
    tracing::error!(
        kind = store_error_kind(err),
        "could not look up the session"
    );
    let body = state
        .templates
        .render("errors/server_error.html", &Nav::signed_out(), context! {})
        .map_or_else(
            |_| "Sorry, there is a problem with the service".to_string(),
            |html| html.0,
        );
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Starts a session for a user who has just proved who they are (password and, if they have
/// one, second factor; or single sign-on), and returns the `Set-Cookie` header that gives the
/// browser its token. The token is new, so a token planted before sign-in is worth nothing.
///
/// # Errors
/// [`AppError::Store`] if the session cannot be stored.
pub async fn start<S: Store>(
    state: &AppState<S>,
    user: &User,
    now: DateTime<Utc>,
) -> AppResult<HeaderValue> {
    let token = token::new_token()?;
    state
        .store
        .create_session(Session {
            token_hash: token::hash(&token),
            user_id: user.id,
            csrf_token: token::new_token()?,
            created_at: now,
            last_seen_at: now,
            expires_at: now + state.config.auth.session_absolute,
        })
        .await?;
    let tls = state.config.behind_tls;
    Ok(cookies::set(
        &cookies::name(cookies::SESSION, tls),
        &token,
        SameSite::Lax,
        tls,
    ))
}

/// Ends the signed-in user's session and returns the `Set-Cookie` header that makes the
/// browser forget it.
///
/// # Errors
/// [`AppError::Store`] if the session cannot be deleted.
pub async fn end<S: Store>(state: &AppState<S>, user: &CurrentUser) -> AppResult<HeaderValue> {
    if let Some(hash) = user.session_hash() {
        state.store.delete_session(hash).await?;
    }
    Ok(cookies::clear(
        &cookies::name(cookies::SESSION, state.config.behind_tls),
        state.config.behind_tls,
    ))
}

/// How often [`sweep_forever`] tidies up while the service runs.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Deletes what has run out: sessions (and half-done second-factor sign-ins) past their
/// absolute timeout, and rate-limit hits older than the attempt window (and older than the
/// few minutes a used second-factor code is remembered). Sessions that ended by the idle
/// timeout are deleted when next used, or by this once their absolute timeout passes.
///
/// # Errors
/// The store failed.
pub async fn sweep<S: Store>(
    store: &S,
    settings: &crate::AuthSettings,
    now: DateTime<Utc>,
) -> Result<(u64, u64), StoreError> {
    let sessions = store.delete_expired_sessions(now).await?;
    let keep = settings.attempt_window.max(chrono::Duration::minutes(3));
    let hits = store.prune_rate_limit_hits(now - keep).await?;
    Ok((sessions, hits))
}

/// Runs [`sweep`] every [`SWEEP_EVERY`], for as long as the service runs. Several instances
/// may all do it: the deletes are idempotent.
pub async fn sweep_forever<S: Store>(store: S, settings: crate::AuthSettings) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    loop {
        every.tick().await;
        match sweep(&store, &settings, Utc::now()).await {
            Ok((sessions, hits)) => {
                tracing::debug!(
                    sessions,
                    hits,
                    "deleted expired sessions and rate-limit hits"
                );
            }
            Err(err) => tracing::warn!(kind = store_error_kind(&err), "housekeeping failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_files_health_metrics_and_the_api_have_no_session() {
        for path in [
            "/assets/waymark-0123abcd.css",
            "/favicon.ico",
            "/health",
            "/metrics",
            "/api/v1/cases",
        ] {
            assert!(!uses_session(path), "{path}");
        }
        for path in ["/", "/sign-in", "/cases/1", "/apiary"] {
            assert!(uses_session(path), "{path}");
        }
    }
}
