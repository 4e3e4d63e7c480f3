//! Waymark's web layer: server-rendered GOV.UK Frontend pages and (later) the JSON API, on
//! axum, generic over the [`Store`].
//!
//! One binary runs the service: templates ([`templates`]) and static assets ([`assets`]) are
//! compiled in. [`router`] builds the whole application from an [`AppState`]; [`serve`] binds
//! an address and runs it until Ctrl-C or SIGTERM.
//!
//! How the pieces fit (outermost first, for every request):
//!
//! 1. [`metrics`]: a tracing span and Prometheus counters per request, labelled by the matched
//!    route (never the raw path or query string, which can carry personal data);
//! 2. [`security`]: security headers, and `Cache-Control: no-store` on anything that is not a
//!    static asset;
//! 3. [`error`]: turns an [`AppError`] into a GOV.UK error page, or RFC 9457 problem details
//!    under `/api/`;
//! 4. panics become the 500 page instead of a dropped connection;
//! 5. the routes ([`routes`]), one module per user journey.
//!
//! Adding pages: write `routes/<journey>.rs` with a `routes()` function and merge it in
//! `routes/mod.rs`; put its templates in `templates/` and list them in [`templates`].
//! Authentication plugs in as extractors on [`AppState`] (see [`Nav`], which is where the
//! signed-in user's role will choose the navigation) and, for CSRF, as one more layer in
//! [`router`].
#![forbid(unsafe_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

pub use waymark_store as store;
use waymark_store::Store;

pub mod assets;
pub mod cookies;
pub mod error;
pub mod metrics;
pub mod routes;
pub mod security;
pub mod templates;

pub use error::{AppError, FieldErrors, ServeError};
pub use templates::{Nav, NavItem, Templates};

/// How this instance of the web service is set up. The binary fills it from its flags and
/// environment; everything has a sensible default except the LA's name.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The local authority running this instance, shown in the header of every page
    /// (e.g. "Northshire County Council").
    pub la_name: String,
    /// Whether users reach the service over HTTPS (usually through a reverse proxy that
    /// terminates TLS). Turns on `Strict-Transport-Security`; later, `Secure` cookies.
    pub behind_tls: bool,
}

impl Config {
    /// A configuration for the named LA, served over plain HTTP (development, or behind a
    /// proxy that is not yet configured for TLS).
    pub fn new(la_name: impl Into<String>) -> Config {
        Config {
            la_name: la_name.into(),
            behind_tls: false,
        }
    }
}

/// What every handler can reach: the store, the configuration, the templates and the metrics
/// registry. Cheap to clone (everything is shared).
///
/// It is the router's state type, so extractors for later features (the signed-in user, the
/// CSRF token) are written as `impl<S: Store> FromRequestParts<AppState<S>> for ...` and can
/// read the store (sessions live in the database, so several instances can share them).
#[derive(Clone)]
pub struct AppState<S> {
    /// The case store (SQLite or PostgreSQL).
    pub store: S,
    /// This instance's configuration.
    pub config: Arc<Config>,
    /// The page templates.
    pub templates: Templates,
    /// Request counters and latency histograms, shown at `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
}

impl<S: Store> AppState<S> {
    /// Loads the templates and sets up the metrics registry for `store`.
    ///
    /// # Errors
    /// [`ServeError::Templates`] if a compiled-in template does not parse (a bug that the
    /// crate's tests catch).
    pub fn new(store: S, config: Config) -> Result<AppState<S>, ServeError> {
        let templates = Templates::new(&config).map_err(ServeError::Templates)?;
        let metrics = Arc::new(metrics::Metrics::new(&store));
        Ok(AppState {
            store,
            config: Arc::new(config),
            templates,
            metrics,
        })
    }
}

/// The whole web application: every route, with security headers, error pages and metrics.
pub fn router<S: Store>(state: AppState<S>) -> Router {
    use axum::middleware::from_fn_with_state;

    let headers = security::SecurityHeaders::new(&state.config);
    routes::routes::<S>()
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .layer(from_fn_with_state(
            state.clone(),
            error::render_error_pages::<S>,
        ))
        .layer(from_fn_with_state(headers, security::add_headers))
        .layer(from_fn_with_state(
            state.metrics.clone(),
            metrics::observe_request,
        ))
        .with_state(state)
}

/// Runs the service on `bind` until Ctrl-C or SIGTERM, then finishes the requests in flight.
///
/// The store should already be migrated. Logging goes through `tracing`: the binary installs
/// a subscriber.
///
/// # Errors
/// [`ServeError::Bind`] if the address cannot be listened on, [`ServeError::Templates`] if a
/// template is broken, [`ServeError::Serve`] if the server fails.
pub async fn serve<S: Store>(store: S, config: Config, bind: SocketAddr) -> Result<(), ServeError> {
    let state = AppState::new(store, config)?;
    let listener = TcpListener::bind(bind)
        .await
        .map_err(|source| ServeError::Bind { addr: bind, source })?;
    let local = listener.local_addr().unwrap_or(bind);
    tracing::info!(%local, "Waymark is listening");
    serve_on(listener, state, shutdown_signal()).await?;
    tracing::info!("Waymark has stopped");
    Ok(())
}

/// Runs the service on a listener that is already bound, until `shutdown` completes. Tests use
/// it with a listener on port 0; [`serve`] uses it with the Ctrl-C/SIGTERM signal.
///
/// Handlers can extract `ConnectInfo<SocketAddr>` (the peer's address, for rate limiting).
///
/// # Errors
/// [`ServeError::Serve`] if the server fails.
pub async fn serve_on<S: Store>(
    listener: TcpListener,
    state: AppState<S>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(ServeError::Serve)
}

/// Completes on Ctrl-C, or on SIGTERM (what service managers and container runtimes send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No signal handler could be installed: only SIGTERM (below) can stop us.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
