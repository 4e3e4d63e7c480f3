//! Caseloads: the cases a caseworker or a team holds, with their next statutory deadline.
//!
//! - `GET /caseload`: the first 50 cases of the user's LA (LA staff only; 403 for others).
//!
//! Personal data, so audited before it is shown.

use axum::extract::State;
use axum::response::Html;
use minijinja::context;
use waymark_store::Store;

use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult};
use crate::routes::RouteTable;
use crate::routes::cases::stage_label;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, policy, uk_time};

/// How many cases the caseload shows.
pub const CASELOAD_PAGE: i64 = 50;

/// The caseload routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new().get("/caseload", caseload::<S>)
}

/// `GET /caseload`.
async fn caseload<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
) -> AppResult<Html<String>> {
    let Some(list) = policy::can_list_cases(&user) else {
        return Err(AppError::Forbidden);
    };
    let cases = list.page(&state.store, CASELOAD_PAGE, 0).await?;
    let total = list.count(&state.store).await?;
    audit::record(
        &state.store,
        &user,
        Action::ViewCaseload,
        Record::Caseload,
        &ip,
    )
    .await?;
    let rows: Vec<_> = cases
        .iter()
        .map(|case| {
            context! {
                id => case.id.0,
                reference => &case.reference,
                name => format!("{} {}", case.summary.given_name, case.summary.family_name),
                date_of_birth => case.summary.date_of_birth.map(uk_time::date),
                stage => stage_label(&case.summary.stage),
                received => case.summary.request_received.map(uk_time::date),
            }
        })
        .collect();
    state.templates.render(
        "caseload.html",
        &nav,
        context! { cases => rows, shown => cases.len(), total => total },
    )
}
