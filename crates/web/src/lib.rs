//! Waymark's web layer: server-rendered GOV.UK Frontend pages and the JSON API, on axum,
//! generic over the [`Store`]. HTTP only: every rule and every change is `waymark_app`'s.
//!
//! - [`http`]: the kernel (errors, session, CSRF, cookies, forms, templates, navigation,
//!   assets, security headers, metrics, the audit entry of a request);
//! - [`auth`]: signing in (password, second factor, single sign-on), the account, API tokens;
//! - [`api`]: the JSON API's kernel (bearer tokens, problem details, the OpenAPI document);
//! - [`features`]: one module per capability, its pages and API handlers side by side;
//! - [`router`]: the route table, from every feature's `routes()`.
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
//! 5. the routes ([`router`]), one module per capability ([`features`]).
//!
//! Between the error pages and the security headers, [`session::layer`] finds the signed-in
//! user from the session cookie and the CSRF token for the request; inside the routes,
//! [`csrf::require_token`] refuses a state-changing request whose form does not carry it.
//!
//! Adding pages: write `features/<capability>.rs` (or a folder) with a `routes()` function
//! returning a [`router::RouteTable`] and merge it in `router.rs` (every route is listed there, and the
//! route × role test fails until the new route has its expected statuses); put its templates
//! in `templates/` and list them in [`templates`]. A handler that needs a signed-in user takes
//! a [`CurrentUser`]; one that reads or writes personal data gets a capability from
//! [`policy`] (`waymark_app::access`) first, records a read with [`audit::record`], and makes
//! a change through `waymark_app::cases` (which audits it in the change's transaction).
#![forbid(unsafe_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

pub use waymark_store as store;
use waymark_store::Store;

pub mod api;
pub mod auth;
pub mod features;
pub mod http;
pub mod router;

// The HTTP kernel's modules by their short names (`crate::error`, `crate::session`, ...).
pub use auth::{oidc, two_factor};
pub use http::{
    assets, audit, client_ip, cookies, csrf, download, error, forms, metrics, nav, security,
    session, templates,
};

pub use error::{AppError, FieldErrors, ServeError};
// The use cases live in `waymark-app`; these names are the ones the handlers know them by.
pub use session::CurrentUser;
pub use templates::{Nav, NavItem, Templates};
pub use waymark_app::access as policy;
pub use waymark_app::time as uk_time;
pub use waymark_app::{letters, notices, passwords, token};

/// How this instance of the web service is set up. The binary fills it from its flags and
/// environment; everything has a sensible default except the LA's name.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The local authority running this instance, shown in the header of every page
    /// (e.g. "Northshire County Council").
    pub la_name: String,
    /// Whether users reach the service over HTTPS (usually through a reverse proxy that
    /// terminates TLS). Turns on `Strict-Transport-Security`, `Secure` cookies and the
    /// `__Host-` cookie name prefix.
    pub behind_tls: bool,
    /// Whether the client's address is taken from the last `X-Forwarded-For` entry (set this
    /// only behind a reverse proxy that sets it; otherwise anyone could claim any address).
    /// Used for sign-in rate limiting and the audit trail.
    pub trust_proxy: bool,
    /// Session timeouts and sign-in limits.
    pub auth: AuthSettings,
    /// Single sign-on for LA staff through the council's OpenID Connect provider, if set up
    /// (docs/sso.md).
    pub oidc: Option<oidc::OidcConfig>,
    /// The virus scanner that uploaded files are passed to (none: stored as not scanned).
    pub virus_scanner: forms::VirusScanner,
    /// The address users reach this instance at (`https://send.example.gov.uk`), for links in
    /// emails. Empty: links are relative paths.
    pub public_url: String,
    /// The bank holidays working days are counted with (`--calendar`, `WAYMARK_CALENDAR`);
    /// `None`: England and Wales's, built in.
    pub calendar: Option<waymark_store::domain::WorkingDayCalendar>,
}

impl Config {
    /// A configuration for the named LA, served over plain HTTP (development, or behind a
    /// proxy that is not yet configured for TLS).
    pub fn new(la_name: impl Into<String>) -> Config {
        Config {
            la_name: la_name.into(),
            ..Config::default()
        }
    }
}

/// Session timeouts and sign-in limits. The defaults follow the NCSC's guidance for services
/// holding sensitive personal data; tests shorten them.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// A session ends after this long without a request (default 30 minutes).
    pub session_idle: chrono::Duration,
    /// A session ends this long after signing in, however active (default 12 hours).
    pub session_absolute: chrono::Duration,
    /// Sign-in attempts allowed from one IP address in [`AuthSettings::attempt_window`]
    /// (default 50: a council's staff may all come from one proxy address).
    pub attempts_per_ip: i64,
    /// Sign-in attempts allowed for one email address in [`AuthSettings::attempt_window`]
    /// (default 10), whether or not it has an account.
    pub attempts_per_account: i64,
    /// The window the attempt limits count over (default 15 minutes).
    pub attempt_window: chrono::Duration,
    /// Wrong passwords (or second-factor codes) in a row that lock an account (default 5).
    pub lock_after: i32,
    /// How long a locked account stays locked (default 30 minutes).
    pub lock_for: chrono::Duration,
}

impl Default for AuthSettings {
    fn default() -> AuthSettings {
        AuthSettings {
            session_idle: chrono::Duration::minutes(30),
            session_absolute: chrono::Duration::hours(12),
            attempts_per_ip: 50,
            attempts_per_account: 10,
            attempt_window: chrono::Duration::minutes(15),
            lock_after: 5,
            lock_for: chrono::Duration::minutes(30),
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
    /// The use cases, on the same store, with the clock and calendar.
    pub app: waymark_app::App<S>,
    /// This instance's configuration.
    pub config: Arc<Config>,
    /// The page templates.
    pub templates: Templates,
    /// Request counters and latency histograms, shown at `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// The OpenID Connect client for single sign-on, if [`Config::oidc`] is set.
    pub sso: Option<Arc<oidc::Sso>>,
}

impl<S: Store> AppState<S> {
    /// Loads the templates and sets up the metrics registry for `store`.
    ///
    /// # Errors
    /// [`ServeError::Templates`] if a compiled-in template does not parse (a bug that the
    /// crate's tests catch); [`ServeError::Sso`] if single sign-on is configured wrongly.
    pub fn new(store: S, config: Config) -> Result<AppState<S>, ServeError> {
        let templates = Templates::new(&config).map_err(ServeError::Templates)?;
        let metrics = Arc::new(metrics::Metrics::new(&store));
        let sso = config
            .oidc
            .clone()
            .map(oidc::Sso::new)
            .transpose()
            .map_err(ServeError::Sso)?
            .map(Arc::new);
        let mut app = waymark_app::App::new(store.clone(), config.la_name.clone())
            .with_public_url(config.public_url.clone());
        if let Some(calendar) = config.calendar.clone() {
            app = app.with_calendar(calendar);
        }
        Ok(AppState {
            app,
            store,
            config: Arc::new(config),
            templates,
            metrics,
            sso,
        })
    }
}

impl<S> AppState<S> {
    /// The same state with the use cases reading the time from `clock` (tests set the date
    /// this way).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn waymark_app::time::Clock>) -> AppState<S> {
        self.app = self.app.with_clock(clock);
        self
    }
}

/// The whole web application: every route, with security headers, error pages and metrics.
pub fn router<S: Store>(state: AppState<S>) -> Router {
    use axum::middleware::from_fn_with_state;

    let headers = security::SecurityHeaders::new(&state.config);
    router::routes::<S>()
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .layer(from_fn_with_state(
            state.clone(),
            error::render_error_pages::<S>,
        ))
        .layer(from_fn_with_state(state.clone(), session::layer::<S>))
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
    let housekeeping = tokio::spawn(session::sweep_forever(
        state.store.clone(),
        state.config.auth.clone(),
    ));
    serve_on(listener, state, shutdown_signal()).await?;
    housekeeping.abort();
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
