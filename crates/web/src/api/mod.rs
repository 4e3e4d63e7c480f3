//! The JSON API (`/api/v1/...`), for integrations: school MIS, health systems, BI tools, and
//! any other system that drives the EHC journey instead of a person.
//!
//! - [`auth`]: `Authorization: Bearer TOKEN` with a personal access token ([`ApiUser`]); the
//!   token acts as its user, with the user's role and local authority.
//! - [`tokens`]: making tokens (256 random bits, shown once) and hashing them (only the SHA-256
//!   is stored); the `/account/tokens` page uses it too.
//! - [`cases`]: list, open, read, history and commands. Every change is a domain `Command` run
//!   through `waymark_app::cases::run`, exactly as the pages do: the same events, audit
//!   entry, letters and notifications.
//! - [`documents`]: a case's documents listed, downloaded, and uploaded as a raw request body
//!   (checked and virus-scanned as the pages' uploads are, by [`crate::forms`]).
//! - [`case_json`]: how a case looks in JSON (the response types, built from the domain's).
//! - [`commands`]: the body of a command request, which carries the domain's `Command` itself
//!   (its schema derived from the domain's types, under the domain's `openapi` feature), and
//!   the answers' names for the domain's value types.
//! - [`access`]: who may see and change which case, and the audit of every read and write.
//! - [`openapi`]: the OpenAPI 3.1 document at `/api/v1/openapi.json`, generated from the
//!   handlers' annotations.
//!
//! Errors are [`AppError`]s like everywhere else; under `/api/` they answer as RFC 9457 problem
//! details (see [`crate::error`]). A body that is not the JSON asked for is a 422 with
//! `errors.body`, not axum's plain-text rejection.
//!
//! The routes are added through the application's [`RouteTable`], which also lists them
//! ([`crate::router::list`]): a test checks the OpenAPI document against that list, and the
//! route × role test covers them like every other route.

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use waymark_store::Store;

use crate::error::{AppError, FieldErrors};
use crate::router::RouteTable;

pub mod access;
pub mod auth;
pub mod openapi;
pub mod tokens;

pub use auth::ApiUser;

/// Every route of the API, for [`crate::router::table`] to merge. A new endpoint is one line
/// here, plus its `#[utoipa::path]` and a line in [`openapi::ApiDoc`] (the test
/// `openapi_document_lists_every_api_route` walks the router's route list and fails until it
/// is documented).
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/api/v1/openapi.json", openapi::document)
        .get("/api/v1/me", auth::me)
        .get("/api/v1/cases", crate::features::cases::api::list::<S>)
        .post("/api/v1/cases", crate::features::cases::api::create::<S>)
        .get("/api/v1/cases/{id}", crate::features::cases::api::show::<S>)
        .get(
            "/api/v1/cases/{id}/history",
            crate::features::cases::api::history::<S>,
        )
        .post(
            "/api/v1/cases/{id}/commands",
            crate::features::cases::api::run_command::<S>,
        )
        .get(
            "/api/v1/cases/{id}/documents",
            crate::features::cases::documents::list::<S>,
        )
        // The body is the file: the limit is raised for this route alone.
        .post_with_files(
            "/api/v1/cases/{id}/documents",
            crate::features::cases::documents::upload::<S>,
        )
        .get(
            "/api/v1/cases/{id}/documents/{doc}",
            crate::features::cases::documents::download::<S>,
        )
}

/// A JSON request body. Unlike `axum::Json`, a body that is missing, not JSON, or not the
/// shape asked for answers 422 problem details with the reason in `errors.body`.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => {
                // The reason names the field and the JSON error; it quotes only what the client
                // itself sent, and it is not logged.
                let mut errors = FieldErrors::new();
                errors.add("body", rejection.body_text());
                Err(AppError::Validation(errors))
            }
        }
    }
}
