//! The caseload and a case, kept small: they prove the access policy end to end until the
//! caseworker journey's pages replace them (issue 6).
//!
//! - `GET /caseload`: the first 50 cases of the user's LA (LA staff only; 403 for others).
//! - `GET /cases/{id}`: the child's name, the stage and the statutory clocks, for whoever
//!   [`policy::can_view_case`] allows; anyone else, and any case of another LA, gets 404.
//!
//! Both are personal data, so both are audited before they are shown.

use axum::extract::{Path, State};
use axum::response::Html;
use minijinja::context;
use waymark_store::domain::WorkingDayCalendar;
use waymark_store::domain::case::Stage;
use waymark_store::{CaseId, Store};

use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult};
use crate::routes::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, policy, uk_time};

/// The case routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new().get("/cases/{id}", case::<S>)
}

/// A stage's plain words from its stored key.
pub(crate) fn stage_label(key: &str) -> &str {
    Stage::ALL
        .iter()
        .find(|stage| stage.key() == key)
        .map_or(key, |stage| stage.label())
}

/// `GET /cases/{id}`.
async fn case<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    // A malformed id is just a page that does not exist.
    let id = CaseId(id.parse::<i64>().map_err(|_| AppError::NotFound)?);
    let Some(view) = policy::can_view_case(&state.store, &user, id).await? else {
        return Err(AppError::NotFound);
    };
    let loaded = view.load(&state.store).await?;
    audit::record(&state.store, &user, Action::ViewCase, Record::Case(id), &ip).await?;
    let case = &loaded.case;
    let today = uk_time::today();
    let clocks = case
        .clocks(&WorkingDayCalendar::england_and_wales(), today)
        .map_err(|_| AppError::Internal("clock"))?;
    let clocks: Vec<_> = clocks
        .iter()
        .filter(|reading| reading.clock.trigger.is_some())
        .map(|reading| {
            context! {
                label => reading.clock.kind.label(),
                about => &reading.clock.about,
                due => reading.clock.due.map(uk_time::date),
                done => reading.clock.done.map(uk_time::date),
                status => reading.status.label(),
                days_remaining => reading.days_remaining,
                days_overdue => reading.days_overdue,
            }
        })
        .collect();
    state.templates.render(
        "case.html",
        &nav,
        context! {
            reference => &case.reference,
            name => format!("{} {}", case.child.given_name, case.child.family_name),
            date_of_birth => uk_time::date(case.child.date_of_birth),
            stage => case.stage.label(),
            received => uk_time::date(case.request.received),
            clocks => clocks,
            today => uk_time::date(today),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_keys_read_as_words() {
        assert_eq!(stage_label("draft_served"), "Draft plan sent");
        assert_eq!(stage_label("something_new"), "something_new");
    }
}
