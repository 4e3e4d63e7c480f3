//! Request metrics and per-request tracing, and `GET /metrics` for Prometheus.
//!
//! Every request gets a `tracing` span with its method and *matched route* (`/cases/{id}`),
//! never the path or query string, which can carry names or ids; when it finishes, one event
//! logs its status and latency. The same labels feed:
//!
//! - `waymark_http_requests_total{method, route, status}`: a counter;
//! - `waymark_http_request_duration_seconds{method, route, status}`: a latency histogram;
//! - `waymark_db_pool_connections{state="idle"|"in_use"}` and
//!   `waymark_db_pool_max_connections`: the database connection pool, read at scrape time.
//!
//! Requests that match no route are labelled `route="unmatched"`, so a scan of random
//! addresses cannot create a series per address.
//!
//! Built on `prometheus-client` (the Prometheus project's Rust client): each [`Metrics`] is
//! its own registry rather than a process-wide recorder, so several apps in one test binary do
//! not mix their counts. `/metrics` answers in the OpenMetrics text format, which Prometheus
//! reads natively.

use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tracing::Instrument;
use waymark_store::{Backend, PgStore, SqliteStore, Store};

use crate::AppState;
use crate::error::AppError;

/// The `route` label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// Latency buckets in seconds: Prometheus's defaults, 5 ms to 10 s.
const LATENCY_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The labels of a request's metrics.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

/// The labels of a pool gauge.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

type LatencyFamily = Family<RequestLabels, Histogram, fn() -> Histogram>;

/// This app's metrics registry.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    pool: Option<PoolGauges>,
}

#[derive(Debug)]
struct PoolGauges {
    connections: Family<PoolLabels, Gauge>,
    max: Gauge,
}

impl Metrics {
    /// A registry with the request metrics, and the pool gauges if `store` is one of the
    /// store crate's backends (whose pools can be read).
    pub fn new<S: Store>(store: &S) -> Metrics {
        let mut registry = Registry::with_prefix("waymark");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, matched route and status",
            requests.clone(),
        );
        let latency: LatencyFamily =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request (to the response head), by method, matched route \
             and status",
            latency.clone(),
        );
        let pool = pool_stats(store).map(|_| {
            let gauges = PoolGauges {
                connections: Family::default(),
                max: Gauge::default(),
            };
            registry.register(
                "db_pool_connections",
                "Database connections open, by whether they are idle or in use",
                gauges.connections.clone(),
            );
            registry.register(
                "db_pool_max_connections",
                "The most database connections the pool will open",
                gauges.max.clone(),
            );
            gauges
        });
        Metrics {
            registry,
            requests,
            latency,
            pool,
        }
    }

    fn record(&self, labels: &RequestLabels, elapsed: Duration) {
        self.requests.get_or_create(labels).inc();
        self.latency
            .get_or_create(labels)
            .observe(elapsed.as_secs_f64());
    }

    /// The registry in the OpenMetrics text format, after reading the pool's current state
    /// from `store`.
    pub fn render<S: Store>(&self, store: &S) -> Result<String, std::fmt::Error> {
        if let (Some(gauges), Some(stats)) = (&self.pool, pool_stats(store)) {
            let open = i64::from(stats.size);
            let idle = i64::try_from(stats.idle).unwrap_or(i64::MAX);
            gauges
                .connections
                .get_or_create(&PoolLabels { state: "idle" })
                .set(idle);
            gauges
                .connections
                .get_or_create(&PoolLabels { state: "in_use" })
                .set((open - idle).max(0));
            gauges.max.set(i64::from(stats.max));
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// A connection pool's state.
struct PoolStats {
    size: u32,
    idle: usize,
    max: u32,
}

/// The pool's state, if `store` is a [`Backend`], [`SqliteStore`] or [`PgStore`]. The
/// [`Store`] trait has no method for this (it is not the store's business), and the web layer
/// is generic over the store, so it looks at the concrete type.
fn pool_stats<S: Store>(store: &S) -> Option<PoolStats> {
    let any: &dyn Any = store;
    let (sqlite, postgres) = match any.downcast_ref::<Backend>() {
        Some(Backend::Sqlite(s)) => (Some(s), None),
        Some(Backend::Postgres(p)) => (None, Some(p)),
        None => (
            any.downcast_ref::<SqliteStore>(),
            any.downcast_ref::<PgStore>(),
        ),
    };
    if let Some(s) = sqlite {
        let pool = s.pool();
        return Some(PoolStats {
            size: pool.size(),
            idle: pool.num_idle(),
            max: pool.options().get_max_connections(),
        });
    }
    postgres.map(|p| {
        let pool = p.pool();
        PoolStats {
            size: pool.size(),
            idle: pool.num_idle(),
            max: pool.options().get_max_connections(),
        }
    })
}

/// A bounded `method` label: the standard methods by name, anything else as `OTHER`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Middleware: a span per request, a log line when it finishes, and its metrics.
pub async fn observe_request(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_string();
    let span = tracing::info_span!("request", method, route = %route);
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request finished"
        );
    });
    metrics.record(
        &RequestLabels {
            method,
            route,
            status,
        },
        elapsed,
    );
    response
}

/// `GET /metrics`: the registry for Prometheus. It holds no personal data (routes, not
/// paths); restrict it at the reverse proxy if the figures themselves are sensitive.
pub async fn render<S: Store>(State(state): State<AppState<S>>) -> Result<Response, AppError> {
    let text = state
        .metrics
        .render(&state.store)
        .map_err(|_| AppError::Internal("metrics"))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}
