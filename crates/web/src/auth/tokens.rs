//! `/account/tokens`: the signed-in user's personal access tokens for the JSON API — list them,
//! make one (shown once, never again), revoke one.
//!
//! A token acts as its owner (role and local authority) until it is revoked or the account is
//! disabled. Making and revoking tokens is recorded in the audit trail (ids only).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};
use waymark_store::{ApiTokenId, NewAuditEntry, Store};

use crate::api::tokens::{NewToken, check_name};
use crate::client_ip::ClientIp;
use crate::error::{AppResult, FieldErrors};
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, uk_time};

/// The token page's routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/account/tokens", list::<S>)
        .post("/account/tokens", create::<S>)
        .post("/account/tokens/{id}/revoke", revoke::<S>)
}

/// A token as the page lists it.
#[derive(Debug, Serialize)]
struct TokenRow {
    id: i64,
    name: String,
    created: String,
    last_used: Option<String>,
    revoked: Option<String>,
}

fn when(at: DateTime<Utc>) -> String {
    uk_time::date_and_time(at)
}

async fn rows<S: Store>(state: &AppState<S>, user: &CurrentUser) -> AppResult<Vec<TokenRow>> {
    let mut tokens = state.store.list_api_tokens(user.id()).await?;
    // Newest first; revoked ones after the ones still in use.
    tokens.sort_by_key(|t| (t.revoked_at.is_some(), std::cmp::Reverse(t.created_at)));
    Ok(tokens
        .into_iter()
        .map(|t| TokenRow {
            id: t.id.0,
            name: t.name,
            created: when(t.created_at),
            last_used: t.last_used_at.map(when),
            revoked: t.revoked_at.map(when),
        })
        .collect())
}

/// What the list page says has just happened (`?revoked=1`).
#[derive(Debug, Default, Deserialize)]
struct Done {
    #[serde(default)]
    revoked: Option<String>,
}

/// `GET /account/tokens`.
async fn list<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    user: CurrentUser,
    Query(done): Query<Done>,
) -> AppResult<Html<String>> {
    page(
        &state,
        &nav,
        &user,
        &FieldErrors::new(),
        "",
        done.revoked.is_some(),
    )
    .await
}

async fn page<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    user: &CurrentUser,
    errors: &FieldErrors,
    name: &str,
    revoked: bool,
) -> AppResult<Html<String>> {
    state.templates.render(
        "account_tokens.html",
        nav,
        context! {
            errors => Serde(errors),
            tokens => Serde(rows(state, user).await?),
            name => name,
            revoked => revoked,
        },
    )
}

/// The "make a token" form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewTokenForm {
    name: String,
}

/// `POST /account/tokens`: makes a token and shows it, once. The answer is a page rather than
/// a redirect, so the token is never in an address (or a browser's history).
async fn create<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Form(form): Form<NewTokenForm>,
) -> AppResult<Response> {
    let name = match check_name(&form.name) {
        Ok(name) => name,
        Err(message) => {
            let mut errors = FieldErrors::new();
            errors.add("name", message);
            let html = page(&state, &nav, &user, &errors, &form.name, false).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
        }
    };
    let token = NewToken::generate()?;
    let now = Utc::now();
    let made = state
        .store
        .create_api_token(user.id(), &name, &token.hash(), now)
        .await?;
    record(&state, &user, &ip, "create_api_token", made.id).await?;
    let html = state.templates.render(
        "account_token_created.html",
        &nav,
        context! { name => &made.name, token => token.secret() },
    )?;
    Ok(html.into_response())
}

/// `POST /account/tokens/{id}/revoke`: revokes one of the user's own tokens. Another user's
/// token, or one already revoked, is left alone and the page says nothing happened.
async fn revoke<S: Store>(
    State(state): State<AppState<S>>,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Redirect> {
    let id = ApiTokenId(id);
    if state
        .store
        .revoke_api_token(id, user.id(), Utc::now())
        .await?
    {
        record(&state, &user, &ip, "revoke_api_token", id).await?;
        Ok(Redirect::to("/account/tokens?revoked=1"))
    } else {
        Ok(Redirect::to("/account/tokens"))
    }
}

/// Audits a token being made or revoked (`audit::Action` has no token actions yet).
async fn record<S: Store>(
    state: &AppState<S>,
    user: &CurrentUser,
    ip: &ClientIp,
    action: &str,
    token: ApiTokenId,
) -> AppResult<()> {
    state
        .store
        .append_audit(NewAuditEntry {
            at: Utc::now(),
            user_id: Some(user.id()),
            la: Some(user.la().clone()),
            action: action.to_string(),
            record_type: "api_token".to_string(),
            record_id: Some(token.to_string()),
            case_id: None,
            ip: ip.0.map(|ip| ip.to_string()),
        })
        .await?;
    Ok(())
}
