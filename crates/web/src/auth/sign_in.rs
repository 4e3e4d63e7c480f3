//! Signing in with an email address and password (and, for staff who have set one up, a code
//! from an authenticator app), and signing out. GOV.UK patterns; works without JavaScript.
//!
//! What a person trying addresses learns is nothing: a wrong password and an unknown email
//! get the same message ("Enter a correct email address and password"), and take as long (an
//! unknown email is verified against a dummy hash). Attempts are limited per IP address and
//! per email address (counted in the database, so every instance shares them:
//! [`crate::AuthSettings`]); too many get a 429 page. Five wrong passwords (or codes) in a
//! row lock the account for 30 minutes, and say so.
//!
//! With a second factor, a right password starts a half-done sign-in: a row in `sessions`
//! under the hash of `two-factor:` and a random token, for 5 minutes, named by the
//! `waymark-two-factor` cookie. A session cookie can never name it (its hash has another
//! preimage), and only a right code turns it into a session.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;
use waymark_store::{Session, Store, User};

use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::cookies::{self, SameSite};
use crate::error::{AppResult, FieldErrors};
use crate::router::RouteTable;
use crate::session::{self, CurrentUser};
use crate::templates::Nav;
use crate::{AppState, token, two_factor, uk_time};

/// The message for any wrong email and password, whether or not the account exists.
pub const WRONG_CREDENTIALS: &str = "Enter a correct email address and password";

/// The message for a wrong second-factor code.
pub const WRONG_CODE: &str = "Enter the correct code from your authenticator app";

/// How long the second step of a sign-in may take.
const TWO_FACTOR_WINDOW: chrono::Duration = chrono::Duration::minutes(5);

/// The sign-in routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/sign-in", sign_in_page::<S>)
        .post("/sign-in", sign_in::<S>)
        .get("/sign-in/two-factor", two_factor_page::<S>)
        .post("/sign-in/two-factor", two_factor_sign_in::<S>)
        .post("/sign-out", sign_out::<S>)
        .post("/sign-out-everywhere", sign_out_everywhere::<S>)
}

/// Where to go after signing in (`?next=`), kept through the form.
#[derive(Debug, Default, Deserialize)]
struct Next {
    #[serde(default)]
    next: String,
}

/// The sign-in form as sent.
#[derive(Default, Deserialize)]
#[serde(default)]
struct SignInForm {
    email: String,
    password: String,
    next: String,
}

/// The second step's form.
#[derive(Default, Deserialize)]
#[serde(default)]
struct CodeForm {
    code: String,
    next: String,
}

/// A local path to return to after signing in, or `None` for anything that could lead
/// elsewhere (another site, `//host`, a backslash trick) or back to signing in.
fn safe_next(next: &str) -> Option<&str> {
    // A path as it appears in a URL is printable ASCII (anything else is percent-encoded);
    // anything else here was typed into the form, and could not go in a `Location` header.
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.chars().all(|c| c.is_ascii_graphic());
    (local && !next.starts_with("/sign-in") && !next.starts_with("/sign-out")).then_some(next)
}

/// A page with a status.
fn page(status: StatusCode, html: Html<String>) -> Response {
    (status, html).into_response()
}

/// `GET /sign-in`.
async fn sign_in_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    Query(next): Query<Next>,
) -> AppResult<Response> {
    let html = render_form(&state, &nav, &FieldErrors::new(), "", &next.next)?;
    Ok(page(StatusCode::OK, html))
}

fn render_form<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    errors: &FieldErrors,
    email: &str,
    next: &str,
) -> AppResult<Html<String>> {
    state.templates.render(
        "sign_in.html",
        nav,
        context! {
            errors => Serde(errors),
            email => email,
            next => safe_next(next).unwrap_or_default(),
        },
    )
}

/// `POST /sign-in`.
async fn sign_in<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    previous: Option<CurrentUser>,
    Form(form): Form<SignInForm>,
) -> AppResult<Response> {
    let email = form.email.trim().to_string();
    let mut errors = FieldErrors::new();
    if email.is_empty() {
        errors.add("email", "Enter your email address");
    }
    if form.password.is_empty() {
        errors.add("password", "Enter your password");
    }
    if !errors.is_empty() {
        let html = render_form(&state, &nav, &errors, &email, &form.next)?;
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, html));
    }

    let now = Utc::now();
    let store = &state.store;
    let settings = &state.config.auth;
    // The email's hash names the account's limit, so the table holds no addresses and an
    // unknown address is limited exactly like a known one.
    let account_key = format!("signin:account:{}", token::hash(&email.to_lowercase()));
    let ip_hits = store
        .count_and_record_hit(
            &format!("signin:ip:{}", ip.as_text()),
            now,
            settings.attempt_window,
        )
        .await?;
    let account_hits = store
        .count_and_record_hit(&account_key, now, settings.attempt_window)
        .await?;
    if ip_hits > settings.attempts_per_ip || account_hits > settings.attempts_per_account {
        return too_many_attempts(&state, &nav);
    }

    let user = store.find_user_by_email(&email).await?;
    let hash = user
        .as_ref()
        .filter(|u| !u.disabled)
        .and_then(|u| u.password_hash.clone());
    let right = crate::passwords::verify_or_pretend(form.password, hash).await?;
    let wrong = |errors: &mut FieldErrors| errors.add("email", WRONG_CREDENTIALS);

    let Some(user) = user else {
        wrong(&mut errors);
        let html = render_form(&state, &nav, &errors, &email, &form.next)?;
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, html));
    };
    if user.is_locked(now) {
        return locked(&state, &nav, &email, &form.next, &user, now);
    }
    if !right || user.disabled {
        if !user.disabled {
            let counted = store
                .record_failed_sign_in(user.id, now, settings.lock_after, settings.lock_for)
                .await?;
            audit::record_for(
                store,
                Some(user.id),
                &user.la,
                Action::SignInFailed,
                Record::User(user.id),
                &ip,
            )
            .await?;
            if counted.is_locked(now) {
                return locked(&state, &nav, &email, &form.next, &counted, now);
            }
        }
        wrong(&mut errors);
        let html = render_form(&state, &nav, &errors, &email, &form.next)?;
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, html));
    }

    if user.totp_secret.is_some() {
        // The failure count is cleared only when the whole sign-in succeeds, so a right
        // password cannot be used to reset the count between guesses at the code.
        return start_second_step(&state, &user, now, &form.next).await;
    }
    finish(&state, previous.as_ref(), &user, &ip, &form.next, now).await
}

/// A signed-in session for a user who has proved who they are: the failure count cleared,
/// any earlier session in this browser ended, a new session, the sign-in audited, and a
/// redirect to where they were going (or their home page).
async fn finish<S: Store>(
    state: &AppState<S>,
    previous: Option<&CurrentUser>,
    user: &User,
    ip: &ClientIp,
    next: &str,
    now: DateTime<Utc>,
) -> AppResult<Response> {
    if user.failed_sign_ins > 0 || user.locked_until.is_some() {
        state.store.clear_failed_sign_ins(user.id).await?;
    }
    if let Some(previous) = previous {
        session::end(state, previous).await?;
    }
    let cookie = session::start(state, user, now).await?;
    audit::record_for(
        &state.store,
        Some(user.id),
        &user.la,
        Action::SignIn,
        Record::Session,
        ip,
    )
    .await?;
    let to = safe_next(next).unwrap_or(crate::nav::home(user.role));
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// 429 "Too many attempts".
fn too_many_attempts<S: Store>(state: &AppState<S>, nav: &Nav) -> AppResult<Response> {
    let minutes = state.config.auth.attempt_window.num_minutes();
    let html = state.templates.render(
        "errors/too_many_attempts.html",
        nav,
        context! { minutes => minutes },
    )?;
    Ok(page(StatusCode::TOO_MANY_REQUESTS, html))
}

/// The form again, saying the account is locked and until when.
fn locked<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    email: &str,
    next: &str,
    user: &User,
    now: DateTime<Utc>,
) -> AppResult<Response> {
    let until = user.locked_until.unwrap_or(now);
    let when = if uk_time::local(until).date() == uk_time::local(now).date() {
        uk_time::time(until)
    } else {
        uk_time::date_and_time(until)
    };
    let mut errors = FieldErrors::new();
    errors.add(
        "email",
        format!(
            "Your account is locked because of too many wrong passwords. Try again after \
             {when}, or ask your administrator to unlock it."
        ),
    );
    let html = render_form(state, nav, &errors, email, next)?;
    Ok(page(StatusCode::UNPROCESSABLE_ENTITY, html))
}

/// The hash a half-done sign-in is stored under.
fn pending_hash(token: &str) -> String {
    token::hash(&format!("two-factor:{token}"))
}

async fn start_second_step<S: Store>(
    state: &AppState<S>,
    user: &User,
    now: DateTime<Utc>,
    next: &str,
) -> AppResult<Response> {
    let pending = token::new_token()?;
    state
        .store
        .create_session(Session {
            token_hash: pending_hash(&pending),
            user_id: user.id,
            csrf_token: token::new_token()?,
            created_at: now,
            last_seen_at: now,
            expires_at: now + TWO_FACTOR_WINDOW,
        })
        .await?;
    let tls = state.config.behind_tls;
    let cookie = cookies::set_for(
        &cookies::name(cookies::TWO_FACTOR, tls),
        &pending,
        SameSite::Strict,
        tls,
        TWO_FACTOR_WINDOW.num_seconds(),
    );
    let to = match safe_next(next) {
        Some(next) => {
            let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
            format!("/sign-in/two-factor?next={encoded}")
        }
        None => "/sign-in/two-factor".to_string(),
    };
    let mut response = Redirect::to(&to).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// The half-done sign-in named by the request's cookie, if it is still valid: its hash and
/// its user (who must still have a second factor and not be disabled).
async fn pending_sign_in<S: Store>(
    state: &AppState<S>,
    headers: &axum::http::HeaderMap,
    now: DateTime<Utc>,
) -> AppResult<Option<(String, User)>> {
    let name = cookies::name(cookies::TWO_FACTOR, state.config.behind_tls);
    let Some(pending) = cookies::get(headers, &name).filter(|t| token::is_well_formed(t)) else {
        return Ok(None);
    };
    let hash = pending_hash(pending);
    let Some(row) = state.store.find_session(&hash).await? else {
        return Ok(None);
    };
    if now >= row.expires_at {
        state.store.delete_session(&hash).await?;
        return Ok(None);
    }
    match state.store.find_user(row.user_id).await? {
        Some(user) if !user.disabled && user.totp_secret.is_some() => Ok(Some((hash, user))),
        _ => Ok(None),
    }
}

fn render_code_form<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    errors: &FieldErrors,
    next: &str,
) -> AppResult<Html<String>> {
    state.templates.render(
        "sign_in_two_factor.html",
        nav,
        context! { errors => Serde(errors), next => safe_next(next).unwrap_or_default() },
    )
}

/// `GET /sign-in/two-factor`: the code, after the password.
async fn two_factor_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    headers: axum::http::HeaderMap,
    Query(next): Query<Next>,
) -> AppResult<Response> {
    if pending_sign_in(&state, &headers, Utc::now())
        .await?
        .is_none()
    {
        return Ok(Redirect::to("/sign-in").into_response());
    }
    let html = render_code_form(&state, &nav, &FieldErrors::new(), &next.next)?;
    Ok(page(StatusCode::OK, html))
}

/// `POST /sign-in/two-factor`.
async fn two_factor_sign_in<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    previous: Option<CurrentUser>,
    headers: axum::http::HeaderMap,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let now = Utc::now();
    let Some((pending, user)) = pending_sign_in(&state, &headers, now).await? else {
        return Ok(Redirect::to("/sign-in").into_response());
    };
    let store = &state.store;
    let settings = &state.config.auth;
    let hits = store
        .count_and_record_hit(
            &format!("signin:two-factor:{}", user.id),
            now,
            settings.attempt_window,
        )
        .await?;
    if hits > settings.attempts_per_account {
        return too_many_attempts(&state, &nav);
    }
    if user.is_locked(now) {
        store.delete_session(&pending).await?;
        return locked(&state, &nav, "", &form.next, &user, now);
    }
    let unix = u64::try_from(now.timestamp()).unwrap_or_default();
    let step = user
        .totp_secret
        .as_deref()
        .and_then(|secret| two_factor::accepted_step(secret, &form.code, unix));
    // A code works once: a second use of the same step is a replay.
    let fresh = match step {
        Some(step) => {
            let uses = store
                .count_and_record_hit(
                    &format!("totp:used:{}:{step}", user.id),
                    now,
                    chrono::Duration::minutes(3),
                )
                .await?;
            uses == 1
        }
        None => false,
    };
    if !fresh {
        let counted = store
            .record_failed_sign_in(user.id, now, settings.lock_after, settings.lock_for)
            .await?;
        audit::record_for(
            store,
            Some(user.id),
            &user.la,
            Action::SignInFailed,
            Record::User(user.id),
            &ip,
        )
        .await?;
        if counted.is_locked(now) {
            store.delete_session(&pending).await?;
            return locked(&state, &nav, "", &form.next, &counted, now);
        }
        let mut errors = FieldErrors::new();
        let message = if form.code.trim().is_empty() {
            "Enter the 6-digit code from your authenticator app"
        } else {
            WRONG_CODE
        };
        errors.add("code", message);
        let html = render_code_form(&state, &nav, &errors, &form.next)?;
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, html));
    }
    store.delete_session(&pending).await?;
    let mut response = finish(&state, previous.as_ref(), &user, &ip, &form.next, now).await?;
    let tls = state.config.behind_tls;
    response.headers_mut().append(
        header::SET_COOKIE,
        cookies::clear(&cookies::name(cookies::TWO_FACTOR, tls), tls),
    );
    Ok(response)
}

/// `POST /sign-out`: ends this session and goes to the start page.
async fn sign_out<S: Store>(
    State(state): State<AppState<S>>,
    ip: ClientIp,
    user: Option<CurrentUser>,
) -> AppResult<Response> {
    let mut response = Redirect::to("/").into_response();
    if let Some(user) = user {
        audit::record(&state.store, &user, Action::SignOut, Record::Session, &ip).await?;
        let cookie: HeaderValue = session::end(&state, &user).await?;
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// `POST /sign-out-everywhere`: ends every session of the user (other browsers and devices
/// too), then goes to the start page.
async fn sign_out_everywhere<S: Store>(
    State(state): State<AppState<S>>,
    ip: ClientIp,
    user: CurrentUser,
) -> AppResult<Response> {
    audit::record(
        &state.store,
        &user,
        Action::SignOutEverywhere,
        Record::Session,
        &ip,
    )
    .await?;
    state.store.delete_sessions_for_user(user.id()).await?;
    let tls = state.config.behind_tls;
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookies::clear(&cookies::name(cookies::SESSION, tls), tls),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(
            safe_next("/cases/12?tab=history"),
            Some("/cases/12?tab=history")
        );
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "/sign-in",
            "/sign-out",
            "cases/12",
            "/a\nb",
            "/café",
            "/a b",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
