//! Figures for the whole LA.
//!
//! - `GET /reports/advice`: advice by agency — which organisations owe the council advice,
//!   how many requests are overdue and by how long, and how often each answers within the
//!   6 weeks, month by month ([`waymark_store::domain::agency`]). Managers, admins, viewers
//!   and scrutiny members; it names organisations, never children.
//! - `GET /reports/advice/overdue?organisation=NAME`: the cases behind an organisation's
//!   overdue figure, for LA staff (who may see the children).

pub mod export;

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Html;
use minijinja::context;
use serde::Deserialize;
use waymark_store::domain::agency::{self, AgencyAdvice};
use waymark_store::domain::case::Case;
use waymark_store::domain::clock;
use waymark_store::{CaseId, LaCode, Store};

use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult};
use crate::routes::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, policy, uk_time};

/// How many months the trend covers.
pub const TREND_MONTHS: u32 = 6;

/// Cases read per query while working out the figures.
const PAGE: i64 = 2_000;

/// The report routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/reports/advice", advice::<S>)
        .get("/reports/advice/overdue", overdue::<S>)
}

/// Every case of the LA with advice requested, with its id.
async fn cases_with_advice<S: Store>(store: &S, la: &LaCode) -> AppResult<Vec<(CaseId, Case)>> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = store.list_cases(la, PAGE, offset).await?;
        let n = page.len();
        for stored in page {
            // Cases still deciding whether to assess have asked no one yet.
            if stored.summary.stage == "requested" {
                continue;
            }
            let case: Case = serde_json::from_value(stored.state)
                .map_err(|_| AppError::Internal("case_unreadable"))?;
            if !case.advice.is_empty() {
                out.push((stored.id, case));
            }
        }
        if i64::try_from(n).unwrap_or(0) < PAGE {
            return Ok(out);
        }
        offset += PAGE;
    }
}

fn month_label((year, month): agency::Month) -> String {
    chrono::NaiveDate::from_ymd_opt(year, month, 1)
        .map(|d| d.format("%b %Y").to_string())
        .unwrap_or_default()
}

fn row(a: &AgencyAdvice) -> minijinja::Value {
    context! {
        organisation => &a.organisation,
        href => format!(
            "/reports/advice/overdue?organisation={}",
            percent_encoding::utf8_percent_encode(&a.organisation, percent_encoding::NON_ALPHANUMERIC)
        ),
        kind => a.kind.label(),
        open => a.open,
        overdue => a.overdue,
        most_days_overdue => a.most_days_overdue,
        answered => a.answered,
        on_time => a.on_time_percent().map(|p| format!("{p:.0}%")),
        months => a.by_month.iter().map(|m| context! {
            due => m.due,
            on_time => m.on_time,
            percent => (m.due > 0).then(|| (f64::from(m.on_time) * 100.0 / f64::from(m.due)).round()),
        }).collect::<Vec<_>>(),
    }
}

/// `GET /reports/advice`.
async fn advice<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    user: CurrentUser,
) -> AppResult<Html<String>> {
    let reports = policy::can_see_reports(&user).ok_or(AppError::Forbidden)?;
    let today = uk_time::today();
    let cases = cases_with_advice(&state.store, reports.la()).await?;
    let figures = agency::advice_by_organisation(cases.iter().map(|(_, c)| c), today, TREND_MONTHS);
    let owed: u32 = figures.iter().map(|a| a.open).sum();
    let overdue: u32 = figures.iter().map(|a| a.overdue).sum();
    state.templates.render(
        "reports/advice.html",
        &nav,
        context! {
            today => uk_time::date(today),
            months => agency::months_to(today, TREND_MONTHS).into_iter().map(month_label).collect::<Vec<_>>(),
            rows => figures.iter().map(row).collect::<Vec<_>>(),
            owed => owed,
            overdue => overdue,
            drill_down => policy::can_list_cases(&user).is_some(),
        },
    )
}

/// `?organisation=NAME`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OverdueQuery {
    organisation: String,
}

/// `GET /reports/advice/overdue`.
async fn overdue<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Query(query): Query<OverdueQuery>,
) -> AppResult<Html<String>> {
    policy::can_list_cases(&user).ok_or(AppError::Forbidden)?;
    let today = uk_time::today();
    let cases = cases_with_advice(&state.store, user.la()).await?;
    audit::record(
        &state.store,
        &user,
        Action::ViewCaseload,
        Record::Caseload,
        &ip,
    )
    .await?;
    let mut rows = Vec::new();
    let mut names: HashMap<String, String> = HashMap::new();
    for u in state.store.list_users(user.la()).await? {
        names.insert(u.id.to_string(), u.name);
    }
    for (id, case) in &cases {
        if case.closure.is_some() {
            continue;
        }
        for advice in case
            .advice
            .iter()
            .filter(|a| a.received.is_none() && a.organisation == query.organisation)
        {
            let Ok(due) = clock::advice_by(advice.requested) else {
                continue;
            };
            if due >= today {
                continue;
            }
            rows.push((
                (today - due).num_days(),
                context! {
                    id => id.0,
                    name => format!("{} {}", case.child.given_name, case.child.family_name),
                    reference => &case.reference,
                    requested => uk_time::date(advice.requested),
                    due => uk_time::date(due),
                    days => (today - due).num_days(),
                    caseworker => case.caseworker.as_ref().and_then(|c| names.get(c)).cloned(),
                },
            ));
        }
    }
    rows.sort_by_key(|row| std::cmp::Reverse(row.0));
    state.templates.render(
        "reports/advice_overdue.html",
        &nav,
        context! {
            organisation => &query.organisation,
            rows => rows.into_iter().map(|(_, r)| r).collect::<Vec<_>>(),
        },
    )
}
