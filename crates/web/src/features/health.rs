//! `GET /health`: liveness for load balancers and monitoring, including whether the database
//! answers.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use waymark_store::Store;

use crate::AppState;
use crate::error::store_error_kind;
use crate::router::RouteTable;

/// How long the database may take to answer before the instance is reported unhealthy: less
/// than a load balancer's usual health-check timeout.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(3);

/// The health route.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new().get("/health", health::<S>)
}

/// The health report.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok`, or `unavailable` if anything below is not `ok`.
    pub status: &'static str,
    /// `ok`, `unreachable` (an error) or `timeout`.
    pub database: &'static str,
}

/// 200 `{"status":"ok","database":"ok"}` if a query answers, else 503.
async fn health<S: Store>(State(state): State<AppState<S>>) -> Response {
    // `is_empty` is the cheapest query the store has: one indexed read.
    let database = match tokio::time::timeout(DATABASE_TIMEOUT, state.store.is_empty()).await {
        Ok(Ok(_)) => "ok",
        Ok(Err(err)) => {
            tracing::warn!(
                kind = store_error_kind(&err),
                "health check: database error"
            );
            "unreachable"
        }
        Err(_) => {
            tracing::warn!("health check: database did not answer in time");
            "timeout"
        }
    };
    let (status, overall) = if database == "ok" {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    (
        status,
        Json(Health {
            status: overall,
            database,
        }),
    )
        .into_response()
}
