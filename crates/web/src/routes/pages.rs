//! Pages anyone can see without signing in: the start page, the cookies page and the
//! accessibility statement.

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use minijinja::context;
use minijinja::value::Serde;
use waymark_store::Store;

use crate::error::AppResult;
use crate::templates::Nav;
use crate::{AppState, cookies};

/// The public pages.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/", get(start::<S>))
        .route("/cookies", get(cookies_page::<S>))
        .route("/accessibility", get(accessibility::<S>))
}

/// `GET /`: what Waymark is, who it is for, and the way in ("Sign in").
async fn start<S: Store>(State(state): State<AppState<S>>, nav: Nav) -> AppResult<Html<String>> {
    state.templates.render("start.html", &nav, context! {})
}

/// `GET /cookies`: the cookies Waymark sets, all strictly necessary.
async fn cookies_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
) -> AppResult<Html<String>> {
    state.templates.render(
        "cookies.html",
        &nav,
        context! { cookies => Serde(cookies::ALL) },
    )
}

/// `GET /accessibility`: the accessibility statement (WCAG 2.2 AA).
async fn accessibility<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
) -> AppResult<Html<String>> {
    state
        .templates
        .render("accessibility.html", &nav, context! {})
}
