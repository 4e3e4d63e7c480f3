//! Pages anyone can see without signing in: the start page, the cookies page and the
//! accessibility statement.

use axum::extract::State;
use axum::response::Html;
use minijinja::context;
use waymark_store::Store;

use crate::error::AppResult;
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, cookies};

/// The public pages.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/", start::<S>)
        .get("/cookies", cookies_page::<S>)
        .get("/accessibility", accessibility::<S>)
}

/// `GET /`: what Waymark is, who it is for, and the way in ("Sign in", or "Continue" to their
/// home page for someone already signed in).
async fn start<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    user: Option<CurrentUser>,
) -> AppResult<Html<String>> {
    let home = user.map(|user| crate::nav::home(user.role()));
    state
        .templates
        .render("start.html", &nav, context! { home => home })
}

/// `GET /cookies`: the cookies Waymark sets, all strictly necessary.
async fn cookies_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
) -> AppResult<Html<String>> {
    // Behind TLS the names carry the `__Host-` prefix: show them as the browser has them.
    let shown: Vec<_> = cookies::ALL
        .iter()
        .map(|c| {
            context! {
                name => cookies::name(c.name, state.config.behind_tls),
                purpose => c.purpose,
                expires => c.expires,
            }
        })
        .collect();
    state
        .templates
        .render("cookies.html", &nav, context! { cookies => shown })
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
