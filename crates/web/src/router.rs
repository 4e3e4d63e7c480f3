//! The route table: every route of the service, from each feature's `routes()`
//! ([`crate::features`], [`crate::auth`], [`crate::api`]), with its handlers, form types and
//! page contexts beside it in that feature.
//!
//! A route is added through [`RouteTable::get`] or [`RouteTable::post`], which both put it in
//! the router and list it ([`RouteTable::list`]). The route × role test walks that list, so a
//! new route fails the test until its expected status for every role is written down.
//! Routes that need a signed-in user take a [`crate::CurrentUser`] as an argument, so a route
//! cannot forget to check; what they may see is decided in [`crate::policy`].

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::from_fn;
use axum::routing::{MethodRouter, get, post};
use waymark_store::Store;

use crate::{AppState, assets, csrf, error, metrics};

/// One route: a method and a path pattern as axum writes it (`/cases/{id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// The HTTP method.
    pub method: Method,
    /// The path pattern.
    pub path: &'static str,
}

/// Routes being put together: the router and the list of what is in it.
pub struct RouteTable<S> {
    router: Router<AppState<S>>,
    list: Vec<RouteInfo>,
}

impl<S: Store> Default for RouteTable<S> {
    fn default() -> Self {
        RouteTable {
            router: Router::new(),
            list: Vec::new(),
        }
    }
}

impl<S: Store> RouteTable<S> {
    /// No routes yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn add(mut self, method: Method, path: &'static str, route: MethodRouter<AppState<S>>) -> Self {
        self.router = self.router.route(path, route);
        self.list.push(RouteInfo { method, path });
        self
    }

    /// A `GET` route.
    pub fn get<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState<S>>,
        T: 'static,
    {
        self.add(Method::GET, path, get(handler))
    }

    /// A `POST` route (the CSRF check applies: see [`crate::csrf`]).
    pub fn post<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState<S>>,
        T: 'static,
    {
        self.add(
            Method::POST,
            path,
            post(handler).route_layer(from_fn(csrf::require_token)),
        )
    }

    /// A `POST` route whose form may carry a file (multipart, up to
    /// [`crate::forms::MAX_MULTIPART_BYTES`]); the CSRF check applies as for any other.
    pub fn post_with_files<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState<S>>,
        T: 'static,
    {
        self.add(
            Method::POST,
            path,
            post(handler)
                .route_layer(from_fn(csrf::require_token))
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::forms::MAX_MULTIPART_BYTES,
                )),
        )
    }

    /// Both tables' routes.
    pub fn merge(mut self, other: RouteTable<S>) -> Self {
        self.router = self.router.merge(other.router);
        self.list.extend(other.list);
        self
    }

    /// The routes listed so far.
    pub fn list(&self) -> &[RouteInfo] {
        &self.list
    }
}

/// Every route of the application, listed.
pub fn table<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .merge(crate::features::pages::routes())
        .merge(crate::auth::sign_in::routes())
        .merge(crate::auth::sso::routes())
        .merge(crate::auth::account::routes())
        .merge(crate::features::caseload::routes())
        .merge(crate::features::allocation::routes())
        .merge(crate::features::cases::routes())
        .merge(crate::features::plan::routes())
        .merge(crate::features::cases::steps::routes())
        .merge(crate::features::invitations::routes())
        .merge(crate::features::professional::routes())
        .merge(crate::features::organisation::routes())
        .merge(crate::features::family::routes())
        .merge(crate::features::messages::routes())
        .merge(crate::features::reports::routes())
        .merge(crate::features::admin::users::routes())
        .merge(crate::features::admin::audit::routes())
        .merge(crate::features::health::routes())
        .merge(crate::auth::tokens::routes())
        .merge(crate::api::routes())
        .get("/metrics", metrics::render::<S>)
        .get("/assets/{file}", assets::serve)
        .get("/favicon.ico", assets::favicon)
}

/// Every route of the application as a router, with the "Page not found" fallback, before
/// the layers [`crate::router`] adds.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    table::<S>().router.fallback(error::not_found)
}

/// Every route's method and path, for tests that visit them all.
pub fn list() -> Vec<RouteInfo> {
    table::<waymark_store::Backend>().list
}
