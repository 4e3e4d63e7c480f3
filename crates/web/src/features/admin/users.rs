//! Administrators manage their LA's accounts: list them, add one (with a one-time password
//! shown once), change a role, disable and re-enable (disabling signs the user out
//! everywhere), unlock after too many wrong passwords, and reset a forgotten password.
//! `waymark user add` stays the way to make the first administrator.
//!
//! Every page needs [`policy::can_manage_users`] (403 for other roles); an account of another
//! LA is not found (404). An administrator cannot disable themselves or change their own role,
//! so an LA cannot lose its last administrator by a slip.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Deserialize;
use waymark_store::domain::{EmailAddress, EmailAddressError};
use waymark_store::{NewUser, ROLES, Store, StoreError, User, UserId, role_from_name, role_name};

use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, passwords, policy, uk_time};

/// The user-management routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/admin/users", list::<S>)
        .post("/admin/users", add::<S>)
        .get("/admin/users/new", new_page::<S>)
        .get("/admin/users/{id}", show::<S>)
        .post("/admin/users/{id}/role", change_role::<S>)
        .post("/admin/users/{id}/disable", disable::<S>)
        .post("/admin/users/{id}/enable", enable::<S>)
        .post("/admin/users/{id}/unlock", unlock::<S>)
        .post("/admin/users/{id}/reset-password", reset_password::<S>)
}

fn admin(user: &CurrentUser) -> AppResult<policy::UserAdmin<'_>> {
    policy::can_manage_users(user).ok_or(AppError::Forbidden)
}

fn user_id(text: &str) -> AppResult<UserId> {
    text.parse::<i64>()
        .map(UserId)
        .map_err(|_| AppError::NotFound)
}

/// "Active", "Locked" or "Disabled".
fn status(user: &User) -> &'static str {
    if user.disabled {
        "Disabled"
    } else if user.is_locked(Utc::now()) {
        "Locked"
    } else {
        "Active"
    }
}

fn role_options() -> Vec<Value> {
    ROLES
        .iter()
        .map(|role| context! { value => role_name(*role), label => role.label() })
        .collect()
}

/// `GET /admin/users`.
async fn list<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
) -> AppResult<Html<String>> {
    let admin = admin(&user)?;
    let users = admin.list(&state.store).await?;
    audit::record(&state.store, &user, Action::ViewUsers, Record::Users, &ip).await?;
    let rows: Vec<_> = users
        .iter()
        .map(|u| {
            context! {
                id => u.id.0,
                name => &u.name,
                email => &u.email,
                role => u.role.label(),
                organisation => &u.organisation,
                status => status(u),
            }
        })
        .collect();
    state
        .templates
        .render("admin/users.html", &nav, context! { users => rows })
}

/// The add-a-user form.
#[derive(Default, Deserialize)]
#[serde(default)]
struct NewUserForm {
    email: String,
    name: String,
    role: String,
    organisation: String,
}

fn render_new<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    errors: &FieldErrors,
    form: &NewUserForm,
) -> AppResult<Html<String>> {
    state.templates.render(
        "admin/user_new.html",
        nav,
        context! {
            errors => Serde(errors),
            email => &form.email,
            name => &form.name,
            role => &form.role,
            organisation => &form.organisation,
            roles => role_options(),
        },
    )
}

/// `GET /admin/users/new`.
async fn new_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    user: CurrentUser,
) -> AppResult<Html<String>> {
    admin(&user)?;
    render_new(&state, &nav, &FieldErrors::new(), &NewUserForm::default())
}

/// `POST /admin/users`: makes the account and shows its one-time password, once.
async fn add<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Form(mut form): Form<NewUserForm>,
) -> AppResult<Response> {
    let admin = admin(&user)?;
    form.email = form.email.trim().to_string();
    form.name = form.name.trim().to_string();
    form.organisation = form.organisation.trim().to_string();
    let mut errors = FieldErrors::new();
    match EmailAddress::parse(&form.email) {
        Ok(_) => {}
        Err(EmailAddressError::Empty) => errors.add("email", "Enter their email address"),
        Err(EmailAddressError::Format(_)) => errors.add(
            "email",
            "Enter an email address in the correct format, like name@example.com",
        ),
    }
    if form.name.is_empty() {
        errors.add("name", "Enter their name");
    }
    let role = role_from_name(&form.role);
    match role {
        None => errors.add("role", "Select their role"),
        Some(waymark_store::domain::actor::Role::Professional) if form.organisation.is_empty() => {
            errors.add("organisation", "Enter the organisation they work for");
        }
        Some(_) => {}
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        let html = render_new(&state, &nav, &errors, &form)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    };
    let password = passwords::one_time_password()?;
    let hash = passwords::hash(password.clone()).await?;
    let created = state
        .store
        .create_user(NewUser {
            email: form.email.clone(),
            name: form.name.clone(),
            role,
            la: admin.la().clone(),
            organisation: (!form.organisation.is_empty()).then(|| form.organisation.clone()),
            password_hash: Some(hash),
        })
        .await;
    let created = match created {
        Ok(created) => created,
        Err(StoreError::DuplicateEmail) => {
            errors.add(
                "email",
                "There is already an account with this email address",
            );
            let html = render_new(&state, &nav, &errors, &form)?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
        }
        Err(err) => return Err(err.into()),
    };
    audit::record(
        &state.store,
        &user,
        Action::CreateUser,
        Record::User(created.id),
        &ip,
    )
    .await?;
    let html = render_password(&state, &nav, &created, &password, true)?;
    Ok(html.into_response())
}

fn render_password<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    target: &User,
    password: &str,
    new: bool,
) -> AppResult<Html<String>> {
    state.templates.render(
        "admin/user_created.html",
        nav,
        context! {
            id => target.id.0,
            name => &target.name,
            email => &target.email,
            password => password,
            new => new,
        },
    )
}

/// `GET /admin/users/{id}`.
async fn show<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let admin = admin(&user)?;
    let target = admin.find(&state.store, user_id(&id)?).await?;
    audit::record(
        &state.store,
        &user,
        Action::ViewUser,
        Record::User(target.id),
        &ip,
    )
    .await?;
    let now = Utc::now();
    state.templates.render(
        "admin/user.html",
        &nav,
        context! {
            id => target.id.0,
            name => &target.name,
            email => &target.email,
            role => role_name(target.role),
            role_label => target.role.label(),
            organisation => &target.organisation,
            status => status(&target),
            locked => target.is_locked(now),
            locked_until => target.locked_until.filter(|_| target.is_locked(now)).map(uk_time::date_and_time),
            failed_sign_ins => target.failed_sign_ins,
            disabled => target.disabled,
            two_factor => target.totp_secret.is_some(),
            created => uk_time::date_and_time(target.created_at),
            is_self => admin.is_self(&target),
            roles => role_options(),
        },
    )
}

/// Records an administrator's action on an account, then goes back to that account's page.
async fn recorded<S: Store>(
    state: &AppState<S>,
    user: &CurrentUser,
    ip: &ClientIp,
    action: Action,
    target: waymark_store::UserId,
) -> AppResult<Response> {
    audit::record(&state.store, user, action, Record::User(target), ip).await?;
    Ok(Redirect::to(&format!("/admin/users/{target}")).into_response())
}

/// The change-role form.
#[derive(Default, Deserialize)]
#[serde(default)]
struct RoleForm {
    role: String,
}

/// `POST /admin/users/{id}/role`.
async fn change_role<S: Store>(
    State(state): State<AppState<S>>,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> AppResult<Response> {
    let admin = admin(&user)?;
    let target = admin.find(&state.store, user_id(&id)?).await?;
    let Some(role) = role_from_name(&form.role) else {
        let mut errors = FieldErrors::new();
        errors.add("role", "Select a role");
        return Err(AppError::Validation(errors));
    };
    if admin.is_self(&target) {
        return Err(AppError::Forbidden);
    }
    state.store.set_role(target.id, role).await?;
    recorded(&state, &user, &ip, Action::ChangeRole, target.id).await
}

/// `POST /admin/users/{id}/disable`: the store also ends their sessions.
async fn disable<S: Store>(
    State(state): State<AppState<S>>,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let admin = admin(&user)?;
    let target = admin.find(&state.store, user_id(&id)?).await?;
    if admin.is_self(&target) {
        return Err(AppError::Forbidden);
    }
    state.store.set_disabled(target.id, true).await?;
    recorded(&state, &user, &ip, Action::DisableUser, target.id).await
}

/// `POST /admin/users/{id}/enable`.
async fn enable<S: Store>(
    State(state): State<AppState<S>>,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let admin = admin(&user)?;
    let target = admin.find(&state.store, user_id(&id)?).await?;
    state.store.set_disabled(target.id, false).await?;
    recorded(&state, &user, &ip, Action::EnableUser, target.id).await
}

/// `POST /admin/users/{id}/unlock`.
async fn unlock<S: Store>(
    State(state): State<AppState<S>>,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let admin = admin(&user)?;
    let target = admin.find(&state.store, user_id(&id)?).await?;
    state.store.clear_failed_sign_ins(target.id).await?;
    recorded(&state, &user, &ip, Action::UnlockUser, target.id).await
}

/// `POST /admin/users/{id}/reset-password`: a new one-time password, shown once; the user's
/// sessions end and any lock is cleared.
async fn reset_password<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let admin = admin(&user)?;
    let target = admin.find(&state.store, user_id(&id)?).await?;
    if admin.is_self(&target) {
        // Their own password is changed on their account page, which asks for the old one.
        return Err(AppError::Forbidden);
    }
    let password = passwords::one_time_password()?;
    let hash = passwords::hash(password.clone()).await?;
    state.store.set_password(target.id, &hash).await?;
    state.store.delete_sessions_for_user(target.id).await?;
    state.store.clear_failed_sign_ins(target.id).await?;
    audit::record(
        &state.store,
        &user,
        Action::ResetPassword,
        Record::User(target.id),
        &ip,
    )
    .await?;
    Ok(render_password(&state, &nav, &target, &password, false)?.into_response())
}
