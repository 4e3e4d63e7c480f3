//! Every route, grouped by user journey: one module per journey, each with a `routes()`
//! function giving its part of the router, and its handlers, form types and page contexts
//! beside it.
//!
//! A new journey (`cases.rs`, `portal.rs`, `api.rs`...) is one `mod` line and one `.merge`
//! below. Routes that need a signed-in user take the user as an extractor argument, so a route
//! cannot forget to check.

use axum::Router;
use axum::routing::get;
use waymark_store::Store;

use crate::{AppState, assets, error, metrics};

pub mod health;
pub mod pages;

/// Every route of the application, before the layers [`crate::router`] adds.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .merge(pages::routes())
        .merge(health::routes())
        .route("/metrics", get(metrics::render::<S>))
        .route("/assets/{file}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .fallback(error::not_found)
}
