//! The signed-in user's own account: their details, changing their password, the optional
//! second factor (LA staff), and signing out everywhere (a button on the account page that
//! posts to `/sign-out-everywhere`).

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;
use waymark_store::Store;
use waymark_store::domain::password::check_password;

use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::router::RouteTable;
use crate::session::{self, CurrentUser};
use crate::templates::{Nav, SERVICE_NAME};
use crate::{AppState, passwords, policy, two_factor};

/// The account routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/account", account::<S>)
        .get("/account/password", password_page::<S>)
        .post("/account/password", change_password::<S>)
        .get("/account/two-factor", two_factor_page::<S>)
        .post("/account/two-factor", set_up_two_factor::<S>)
        .post("/account/two-factor/remove", remove_two_factor::<S>)
}

/// What the account page says has just changed (`?changed=`).
#[derive(Debug, Default, Deserialize)]
struct Changed {
    #[serde(default)]
    changed: String,
}

/// `GET /account`.
async fn account<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    user: CurrentUser,
    Query(changed): Query<Changed>,
) -> AppResult<Html<String>> {
    let me = user.user();
    let banner = match changed.changed.as_str() {
        "password" => {
            Some("Your password has been changed. You have been signed out everywhere else.")
        }
        "two-factor-on" => Some(
            "Two-factor authentication is on. You will need a code from your app when you sign in.",
        ),
        "two-factor-off" => Some("Two-factor authentication is off."),
        _ => None,
    };
    state.templates.render(
        "account.html",
        &nav,
        context! {
            name => &me.name,
            email => &me.email,
            role => me.role.label(),
            organisation => &me.organisation,
            la => me.la.as_str(),
            two_factor_allowed => policy::can_use_two_factor(&user),
            two_factor_on => me.totp_secret.is_some(),
            banner => banner,
        },
    )
}

/// The change-password form.
#[derive(Default, Deserialize)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

/// `GET /account/password`.
async fn password_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    _user: CurrentUser,
) -> AppResult<Html<String>> {
    state.templates.render(
        "account_password.html",
        &nav,
        context! { errors => Serde(FieldErrors::new()) },
    )
}

/// `POST /account/password`: checks the current password and the new one (NCSC rules), then
/// replaces the hash, ends every session of the user and starts a new one here.
async fn change_password<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::new();
    if form.current_password.is_empty() {
        errors.add("current_password", "Enter your current password");
    } else {
        let hash = user.user().password_hash.clone();
        if !passwords::verify_or_pretend(form.current_password, hash).await? {
            errors.add("current_password", "Your current password is not correct");
        }
    }
    if form.new_password.is_empty() {
        errors.add("new_password", "Enter a new password");
    } else if let Err(problem) = check_password(&form.new_password, &user.user().email) {
        errors.add("new_password", problem.to_string());
    } else if form.new_password != form.confirm_password {
        errors.add("confirm_password", "Enter the same new password twice");
    }
    if !errors.is_empty() {
        let html = state.templates.render(
            "account_password.html",
            &nav,
            context! { errors => Serde(&errors) },
        )?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    }
    let hash = passwords::hash(form.new_password).await?;
    state.store.set_password(user.id(), &hash).await?;
    audit::record(
        &state.store,
        &user,
        Action::ChangePassword,
        Record::User(user.id()),
        &ip,
    )
    .await?;
    // Anyone else signed in with the old password is signed out; this browser carries on.
    state.store.delete_sessions_for_user(user.id()).await?;
    let cookie = session::start(&state, user.user(), Utc::now()).await?;
    let mut response = Redirect::to("/account?changed=password").into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// The form that confirms a new second factor.
#[derive(Default, Deserialize)]
#[serde(default)]
struct SetUpForm {
    secret: String,
    code: String,
}

fn two_factor_context(
    user: &CurrentUser,
    la_name: &str,
    secret: &str,
    errors: &FieldErrors,
) -> minijinja::Value {
    let issuer = format!("{SERVICE_NAME} {la_name}").replace(':', " ");
    context! {
        errors => Serde(errors),
        on => user.user().totp_secret.is_some(),
        secret => secret,
        secret_grouped => two_factor::grouped(secret),
        uri => two_factor::otpauth_uri(secret, &issuer, &user.user().email),
    }
}

/// `GET /account/two-factor` (LA staff): set up an authenticator app, or turn it off.
async fn two_factor_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    user: CurrentUser,
) -> AppResult<Html<String>> {
    if !policy::can_use_two_factor(&user) {
        return Err(AppError::Forbidden);
    }
    let secret = two_factor::new_secret()?;
    state.templates.render(
        "account_two_factor.html",
        &nav,
        two_factor_context(&user, &state.config.la_name, &secret, &FieldErrors::new()),
    )
}

/// `POST /account/two-factor`: saves the secret once a code from it proves the app has it.
async fn set_up_two_factor<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Form(form): Form<SetUpForm>,
) -> AppResult<Response> {
    if !policy::can_use_two_factor(&user) {
        return Err(AppError::Forbidden);
    }
    let secret = form.secret.trim();
    let unix = u64::try_from(Utc::now().timestamp()).unwrap_or_default();
    if secret.len() != 32 || two_factor::accepted_step(secret, &form.code, unix).is_none() {
        let mut errors = FieldErrors::new();
        errors.add("code", crate::auth::sign_in::WRONG_CODE);
        // A secret that is not one of ours is replaced by a new one.
        let secret = if secret.len() == 32 && secret.bytes().all(|b| b.is_ascii_alphanumeric()) {
            secret.to_string()
        } else {
            two_factor::new_secret()?
        };
        let html = state.templates.render(
            "account_two_factor.html",
            &nav,
            two_factor_context(&user, &state.config.la_name, &secret, &errors),
        )?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    }
    state.store.set_totp_secret(user.id(), Some(secret)).await?;
    audit::record(
        &state.store,
        &user,
        Action::SetUpTwoFactor,
        Record::User(user.id()),
        &ip,
    )
    .await?;
    Ok(Redirect::to("/account?changed=two-factor-on").into_response())
}

/// `POST /account/two-factor/remove`.
async fn remove_two_factor<S: Store>(
    State(state): State<AppState<S>>,
    ip: ClientIp,
    user: CurrentUser,
) -> AppResult<Response> {
    if !policy::can_use_two_factor(&user) {
        return Err(AppError::Forbidden);
    }
    state.store.set_totp_secret(user.id(), None).await?;
    audit::record(
        &state.store,
        &user,
        Action::RemoveTwoFactor,
        Record::User(user.id()),
        &ip,
    )
    .await?;
    Ok(Redirect::to("/account?changed=two-factor-off").into_response())
}
