//! Bearer authentication: `Authorization: Bearer TOKEN` with a personal access token, and
//! `GET /api/v1/me`, which says whose token it is.
//!
//! A token acts as its user: the same role, the same local authority, the same access to
//! cases. It stops working when it is revoked or the account is disabled (the store will not
//! find it). A missing, malformed, unknown, revoked or disabled token all answer the same 401
//! with `WWW-Authenticate: Bearer`, so a caller learns nothing about which it was.

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use waymark_store::{ApiToken, Store, role_name};

use super::tokens::{looks_like_token, token_hash};
use crate::AppState;
use crate::client_ip::ClientIp;
use crate::error::AppError;
use crate::session::CurrentUser;

/// How often a token's "last used" time is written: at most once a minute, so a busy
/// integration does not turn every read into a write.
const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

/// The user a request's bearer token belongs to. Extract it in an API handler to require a
/// valid token. It carries a [`CurrentUser`], so the API asks [`crate::policy`] and writes
/// [`crate::audit`] exactly as pages do.
#[derive(Debug, Clone)]
pub struct ApiUser {
    /// Who the token acts as.
    pub user: CurrentUser,
    /// The token used (its hash, never the token itself).
    pub token: ApiToken,
    /// The client's address, for the audit trail.
    pub ip: ClientIp,
}

impl<S: Store> FromRequestParts<AppState<S>> for ApiUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<ApiUser, AppError> {
        let token = bearer_token(parts).ok_or(AppError::Unauthorized)?;
        if !looks_like_token(token) {
            return Err(AppError::Unauthorized);
        }
        let (token, user) = state
            .store
            .find_api_token(&token_hash(token))
            .await?
            .ok_or(AppError::Unauthorized)?;
        // The store leaves these out already; checked again because a token that slipped
        // through would act as someone who should not be acting at all.
        if token.revoked_at.is_some() || user.disabled {
            return Err(AppError::Unauthorized);
        }
        let now = Utc::now();
        if needs_touch(token.last_used_at, now) {
            state.store.touch_api_token(token.id, now).await?;
        }
        Ok(ApiUser {
            user: CurrentUser::for_api_token(user),
            token,
            ip: ClientIp::of(parts, state.config.trust_proxy),
        })
    }
}

/// The token in `Authorization: Bearer TOKEN` (the scheme in any case, RFC 7235 2.1).
fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn needs_touch(last_used: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_used.is_none_or(|at| now - at >= TOUCH_EVERY)
}

/// Who a token belongs to (no secrets).
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The user's number.
    pub id: i64,
    /// Their name.
    pub name: String,
    /// Their email address.
    pub email: String,
    /// Their role: `caseworker`, `manager`, `admin`, `professional`, `parent`, `viewer` or
    /// `scrutiny`.
    pub role: String,
    /// The local authority they act for (3-digit DfE code).
    pub la: String,
    /// For professionals, who they work for.
    pub organisation: Option<String>,
    /// The token this request used.
    pub token: TokenInfo,
}

/// A token's name and dates (never the token or its hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    /// The token's number.
    pub id: i64,
    /// What its owner called it.
    pub name: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was last used (to the minute), before this request.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// `GET /api/v1/me`: whose token this is.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "account",
    responses(
        (status = 200, description = "The token's user", body = Me),
        (status = 401, description = "No valid token", body = super::openapi::Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn me(api: ApiUser) -> Json<Me> {
    let ApiUser { user, token, .. } = api;
    let user = user.user().clone();
    Json(Me {
        id: user.id.0,
        name: user.name,
        email: user.email,
        role: role_name(user.role).to_string(),
        la: user.la.to_string(),
        organisation: user.organisation,
        token: TokenInfo {
            id: token.id.0,
            name: token.name,
            created_at: token.created_at,
            last_used_at: token.last_used_at,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(authorization: Option<&str>) -> Parts {
        let mut builder = Request::builder().uri("/api/v1/me");
        if let Some(value) = authorization {
            builder = builder.header(AUTHORIZATION, value);
        }
        match builder.body(()) {
            Ok(request) => request.into_parts().0,
            Err(err) => panic!("{err}"),
        }
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_other_schemes_are_ignored() {
        assert_eq!(bearer_token(&parts(Some("Bearer abc"))), Some("abc"));
        assert_eq!(bearer_token(&parts(Some("bearer  abc "))), Some("abc"));
        assert_eq!(bearer_token(&parts(Some("Basic abc"))), None);
        assert_eq!(bearer_token(&parts(Some("Bearer "))), None);
        assert_eq!(bearer_token(&parts(None)), None);
    }

    #[test]
    fn last_used_is_written_at_most_once_a_minute() {
        let now = Utc::now();
        assert!(needs_touch(None, now));
        assert!(!needs_touch(Some(now - TimeDelta::seconds(59)), now));
        assert!(needs_touch(Some(now - TimeDelta::seconds(60)), now));
    }
}
