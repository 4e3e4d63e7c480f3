//! Figures for the whole LA.
//!
//! - `GET /reports`: the KPI dashboard ([`waymark_store::domain::kpi`]) for a period (GOV.UK
//!   date inputs `from` and `to`; the last 12 whole months by default): headline figures with
//!   their numerators and denominators, monthly trends as SVG with a table alternative, open
//!   requests by stage and age, plans by age, need and placement, caseloads. Managers,
//!   admins, viewers and scrutiny members.
//! - `GET /reports/kpis.csv`, `/reports/kpis.xlsx`: the same figures as a file.
//! - `GET /reports/cases?figure=…`: the cases behind a figure, for LA staff.
//! - `GET /reports/advice`: advice by agency — which organisations owe the council advice,
//!   how many requests are overdue and by how long, and how often each answers within the
//!   6 weeks, month by month ([`waymark_store::domain::agency`]). Managers, admins, viewers
//!   and scrutiny members; it names organisations, never children.
//! - `GET /reports/advice/overdue?organisation=NAME`: the cases behind an organisation's
//!   overdue figure, for LA staff (who may see the children).

pub use waymark_app::export;

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::Datelike;
use minijinja::context;
use serde::Deserialize;
use waymark_store::domain::agency::{self, AgencyAdvice};
use waymark_store::domain::codes::{CodeList, CodeLists};
use waymark_store::domain::kpi::{self, Figure, KpiFacts, OpenStage, Period, RequestAge, Share};
use waymark_store::{CaseId, LaCode, Store};

use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::forms::FormData;
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, policy, uk_time};

/// How many months the trend covers.
pub const TREND_MONTHS: u32 = 6;

/// The report routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/reports", dashboard::<S>)
        .get("/reports/kpis.csv", kpis_csv::<S>)
        .get("/reports/kpis.xlsx", kpis_xlsx::<S>)
        .get("/reports/cases", figure_cases::<S>)
        .get("/reports/advice", advice::<S>)
        .get("/reports/advice/overdue", overdue::<S>)
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
    let today = state.app.today();
    let figures =
        waymark_app::reports::advice_by_agency(&state.store, reports.la(), today, TREND_MONTHS)
            .await?;
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
    let today = state.app.today();
    let overdue =
        waymark_app::reports::overdue_advice(&state.store, user.la(), &query.organisation, today)
            .await?;
    audit::record(
        &state.store,
        &user,
        Action::ViewCaseload,
        Record::Caseload,
        &ip,
    )
    .await?;
    let rows: Vec<_> = overdue
        .iter()
        .map(|row| {
            context! {
                id => row.id.0,
                name => &row.child_name,
                reference => &row.reference,
                requested => uk_time::date(row.advice.requested),
                due => uk_time::date(row.advice.due),
                days => row.advice.days_overdue,
                caseworker => &row.caseworker,
            }
        })
        .collect();
    state.templates.render(
        "reports/advice_overdue.html",
        &nav,
        context! {
            organisation => &query.organisation,
            rows => rows,
        },
    )
}

/// The figures' period from the query: GOV.UK date inputs `from` and `to`, or the last 12
/// whole months when neither is given.
fn period_of(
    query: &HashMap<String, String>,
    today: chrono::NaiveDate,
) -> (Period, FormData, FieldErrors) {
    let mut form = FormData::default();
    for (k, v) in query {
        form.set(k, v.clone());
    }
    let mut errors = FieldErrors::new();
    let given = ["from", "to"]
        .iter()
        .any(|n| form.date_parts(n) != (String::new(), String::new(), String::new()));
    let fallback = Period::last_twelve_months(today);
    if !given {
        for (name, day) in [("from", fallback.from()), ("to", fallback.to())] {
            form.set(&format!("{name}-day"), day.day().to_string());
            form.set(&format!("{name}-month"), day.month().to_string());
            form.set(&format!("{name}-year"), day.year().to_string());
        }
        return (fallback, form, errors);
    }
    let from = form.date("from", "the first day of the period", &mut errors);
    let to = form.date("to", "the last day of the period", &mut errors);
    if let (Some(from), Some(to)) = (from, to) {
        match Period::new(from, to) {
            Ok(period) => return (period, form, errors),
            Err(err) => errors.add("to", capitalise(&err.to_string())),
        }
    }
    (fallback, form, errors)
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The period as the query string the dashboard's links carry.
fn period_query(p: Period) -> String {
    let part = |name: &str, d: chrono::NaiveDate| {
        format!(
            "{name}-day={}&{name}-month={}&{name}-year={}",
            d.day(),
            d.month(),
            d.year()
        )
    };
    format!("{}&{}", part("from", p.from()), part("to", p.to()))
}

/// Every stored fact of the LA's cases, with the case's id.
async fn facts_of<S: Store>(store: &S, la: &LaCode) -> AppResult<Vec<(CaseId, KpiFacts)>> {
    Ok(waymark_store::caseload::all_kpi_facts(store, Some(la))
        .await?
        .into_iter()
        .map(|(id, _, facts)| (id, facts))
        .collect())
}

/// The period figures of every LA in the database together, from the flow counts the store
/// keeps per LA and month: for the whole calendar months of `period` (none if it holds no
/// whole month). Returns the months covered and the figures.
async fn national<S: Store>(
    store: &S,
    period: Period,
) -> AppResult<Option<(Period, kpi::PeriodFigures)>> {
    let Some((first, last)) = period.whole_months() else {
        return Ok(None);
    };
    let counts = store
        .flow_counts(
            None,
            (first, last),
            // By LA: whole years are read from the yearly counts.
            waymark_store::flows::FlowGrouping::ByLa,
            &[],
        )
        .await?;
    let mut figures = kpi::PeriodFigures::default();
    for c in counts {
        figures.add_flow(c.flow, u32::try_from(c.n).unwrap_or(0));
    }
    let end = last
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(last);
    let months = Period::new(first, end).map_err(|_| AppError::Internal("kpi_period"))?;
    Ok(Some((months, figures)))
}

/// Every figure of the LA for the period, and its monthly trend. For a period of whole
/// months (the dashboard's default) the figures in the period come from the flow counts the
/// store keeps per month, and only the cases that may be open on the last day are read (for
/// the backlog, plans and caseloads); otherwise every case's facts are read.
async fn figures_of<S: Store>(
    store: &S,
    la: &LaCode,
    period: Period,
) -> AppResult<(kpi::Kpis, Vec<kpi::MonthFigures>)> {
    let internal = |_| AppError::Internal("kpi_dates");
    let Some(months) = period.whole_months().filter(|_| period.is_whole_months()) else {
        let facts = facts_of(store, la).await?;
        let k = kpi::kpis(facts.iter().map(|(_, f)| f), period).map_err(internal)?;
        let trend = kpi::trend(facts.iter().map(|(_, f)| f), period).map_err(internal)?;
        return Ok((k, trend));
    };
    let open: Vec<KpiFacts> = waymark_store::caseload::all_open_kpi_facts(store, la, period.to())
        .await?
        .into_iter()
        .map(|(_, f)| f)
        .collect();
    let mut k = kpi::kpis(&open, period).map_err(internal)?;
    let mut trend: Vec<kpi::MonthFigures> = period
        .months()
        .into_iter()
        .map(|month| kpi::MonthFigures {
            month,
            figures: kpi::PeriodFigures::default(),
        })
        .collect();
    let counts = store
        .flow_counts(
            Some(la),
            months,
            waymark_store::flows::FlowGrouping::ByMonth,
            &[],
        )
        .await?;
    let mut figures = kpi::PeriodFigures::default();
    for c in counts {
        let n = u32::try_from(c.n).unwrap_or(0);
        figures.add_flow(c.flow, n);
        if let Some(m) = trend.iter_mut().find(|m| Some(m.month.from()) == c.month) {
            m.figures.add_flow(c.flow, n);
        }
    }
    k.figures = figures;
    Ok((k, trend))
}

fn share(s: Share) -> minijinja::Value {
    context! {
        part => s.part,
        whole => s.whole,
        percent => s.percent().map(|p| format!("{p:.1}%")),
        text => s.to_string(),
    }
}

/// Bars of a chart: each month's value scaled to `max` in a 100-high box.
fn bars(values: &[(String, Option<f64>, String)], max: f64) -> minijinja::Value {
    let n = values.len().max(1);
    let width = 600.0 / n as f64;
    let list: Vec<minijinja::Value> = values
        .iter()
        .enumerate()
        .map(|(i, (label, value, text))| {
            let h = value.map_or(0.0, |v| if max > 0.0 { v / max * 100.0 } else { 0.0 });
            context! {
                x => format!("{:.1}", 40.0 + i as f64 * width + width * 0.1),
                width => format!("{:.1}", width * 0.8),
                y => format!("{:.1}", 110.0 - h),
                height => format!("{h:.1}"),
                label => label,
                text => text,
            }
        })
        .collect();
    context! { bars => list, max => format!("{max:.0}") }
}

/// `GET /reports`: the KPI dashboard.
async fn dashboard<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    user: CurrentUser,
    Query(query): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let reports = policy::can_see_reports(&user).ok_or(AppError::Forbidden)?;
    let today = uk_time::today();
    let (period, form, errors) = period_of(&query, today);
    if !errors.is_empty() {
        let html = state.templates.render(
            "reports/kpis.html",
            &nav,
            context! { errors => minijinja::value::Serde(&errors), form => context! {
                from => form.date_parts("from"), to => form.date_parts("to"),
            } },
        )?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    }
    let (k, trend) = figures_of(&state.store, reports.la(), period).await?;
    let national = national(&state.store, period).await?;
    let q = period_query(period);
    let drill = policy::can_list_cases(&user).is_some();
    let cases = |figure: &str| drill.then(|| format!("/reports/cases?figure={figure}&{q}"));
    let months: Vec<minijinja::Value> = trend
        .iter()
        .map(|m| {
            context! {
                label => m.month.from().format("%b %Y").to_string(),
                requests => m.figures.requests_received,
                twenty => share(m.figures.twenty_weeks.share()),
                twenty_excl => share(m.figures.twenty_weeks.share_excluding_exceptions()),
                reviews_due => share(m.figures.reviews.held_by_due_date),
            }
        })
        .collect();
    let label = |m: &kpi::MonthFigures| m.month.from().format("%b %Y").to_string();
    let twenty_chart = bars(
        &trend
            .iter()
            .map(|m| {
                let s = m.figures.twenty_weeks.share();
                (label(m), s.percent(), s.to_string())
            })
            .collect::<Vec<_>>(),
        100.0,
    );
    let most = trend
        .iter()
        .map(|m| m.figures.requests_received)
        .max()
        .unwrap_or(0);
    let requests_chart = bars(
        &trend
            .iter()
            .map(|m| {
                let n = m.figures.requests_received;
                (label(m), Some(f64::from(n)), n.to_string())
            })
            .collect::<Vec<_>>(),
        f64::from(most.max(1)),
    );
    let codes = CodeLists::current();
    let tally = |list: CodeList, t: &kpi::Tally| {
        context! {
            code => &t.code,
            label => t.code.as_deref().map_or("Not recorded".to_string(), |c| {
                codes.describe(list, c).map_or(c.to_string(), |d| format!("{d} ({c})"))
            }),
            count => t.count,
        }
    };
    let names: HashMap<String, String> = state
        .store
        .list_users(reports.la())
        .await?
        .into_iter()
        .map(|u| (u.id.to_string(), u.name))
        .collect();
    let b = &k.backlog;
    let html = state.templates.render(
        "reports/kpis.html",
        &nav,
        context! {
            errors => minijinja::value::Serde(&errors),
            form => context! { from => form.date_parts("from"), to => form.date_parts("to") },
            from => uk_time::date(period.from()),
            to => uk_time::date(period.to()),
            query => &q,
            requests => k.figures.requests_received,
            requests_href => cases("requests"),
            decided => share(k.figures.decided_within_six_weeks),
            decided_late_href => cases("decided_late"),
            refused_assess => share(k.figures.refused_to_assess),
            refused_assess_href => cases("refused_assess"),
            refused_issue => share(k.figures.refused_to_issue),
            refused_issue_href => cases("refused_issue"),
            twenty => share(k.figures.twenty_weeks.share()),
            twenty_excl => share(k.figures.twenty_weeks.share_excluding_exceptions()),
            issued_late_href => cases("issued_late"),
            reviews_due => share(k.figures.reviews.held_by_due_date),
            reviews_overdue => k.figures.reviews.overdue(),
            reviews_overdue_href => cases("reviews_overdue"),
            reviews_held => k.figures.reviews.held,
            review_decisions => share(k.figures.reviews.decided_within_four_weeks),
            amended => share(k.figures.reviews.amended_within_eight_weeks),
            amended_late_href => cases("amended_late"),
            national => national.map(|(months, n)| context! {
                from => uk_time::date(months.from()),
                to => uk_time::date(months.to()),
                whole => months == period,
                twenty => share(n.twenty_weeks.share()),
                twenty_excl => share(n.twenty_weeks.share_excluding_exceptions()),
                decided => share(n.decided_within_six_weeks),
                refused_assess => share(n.refused_to_assess),
                reviews_due => share(n.reviews.held_by_due_date),
                review_decisions => share(n.reviews.decided_within_four_weeks),
                amended => share(n.reviews.amended_within_eight_weeks),
            }),
            months => months,
            twenty_chart => twenty_chart,
            requests_chart => requests_chart,
            ages => RequestAge::ALL.map(|a| context! { label => a.label(), count => b.of_age(a),
                href => cases(&format!("open&age={}", a.key())) }),
            backlog => OpenStage::ALL.map(|s| context! {
                label => s.label(),
                total => b.at_stage(s),
                href => cases(&format!("open&stage={}", s.key())),
                cells => RequestAge::ALL.map(|a| context! {
                    count => b.count(s, a),
                    href => cases(&format!("open&stage={}&age={}", s.key(), a.key())),
                }),
            }),
            backlog_total => b.total(),
            backlog_href => cases("open"),
            active => k.active_plans.total,
            active_href => cases("active"),
            plan_ages => kpi::AgeGroup::ALL.iter().zip(k.active_plans.by_age)
                .map(|(g, n)| context! { label => g.label(), count => n }).collect::<Vec<_>>(),
            needs => k.active_plans.by_need.iter().map(|t| tally(CodeList::SenType, t)).collect::<Vec<_>>(),
            placements => k.active_plans.by_placement.iter().map(|t| tally(CodeList::PlacementType, t)).collect::<Vec<_>>(),
            caseload => k.caseload.iter().map(|c| context! {
                name => c.caseworker.as_ref().map_or("Not allocated".to_string(),
                    |id| names.get(id).cloned().unwrap_or_else(|| id.clone())),
                open_cases => c.open_cases,
                open_requests => c.open_requests,
            }).collect::<Vec<_>>(),
        },
    )?;
    Ok(html.into_response())
}

/// `GET /reports/kpis.csv` and `/reports/kpis.xlsx`: the dashboard's figures as a file.
async fn download<S: Store>(
    state: AppState<S>,
    user: CurrentUser,
    query: HashMap<String, String>,
    xlsx: bool,
) -> AppResult<Response> {
    let reports = policy::can_see_reports(&user).ok_or(AppError::Forbidden)?;
    let (period, _, errors) = period_of(&query, uk_time::today());
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (k, trend) = figures_of(&state.store, reports.la(), period).await?;
    let rows = kpi::export_rows(reports.la().as_str(), &k, &trend);
    let (bytes, content_type, ext) = if xlsx {
        (export::xlsx(&rows), export::XLSX_TYPE, "xlsx")
    } else {
        (export::csv(&rows), export::CSV_TYPE, "csv")
    };
    let bytes = bytes.map_err(|_| AppError::Internal("kpi_export"))?;
    let name = format!(
        "kpis-{}-{}-to-{}.{ext}",
        reports.la(),
        period.from(),
        period.to()
    );
    Ok(crate::download::attachment(content_type, &name, bytes))
}

/// `GET /reports/kpis.csv`.
async fn kpis_csv<S: Store>(
    State(state): State<AppState<S>>,
    user: CurrentUser,
    Query(query): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    download(state, user, query, false).await
}

/// `GET /reports/kpis.xlsx`.
async fn kpis_xlsx<S: Store>(
    State(state): State<AppState<S>>,
    user: CurrentUser,
    Query(query): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    download(state, user, query, true).await
}

/// The figure a drill-down link names.
fn figure_of(query: &HashMap<String, String>) -> Option<Figure> {
    let get = |k: &str| query.get(k).map(String::as_str).unwrap_or("");
    Some(match get("figure") {
        "" | "requests" => Figure::RequestsReceived,
        "decided_late" => Figure::DecidedLate,
        "refused_assess" => Figure::RefusedToAssess,
        "refused_issue" => Figure::RefusedToIssue,
        "issued_late" => Figure::IssuedLate,
        "active" => Figure::ActivePlans,
        "reviews_overdue" => Figure::ReviewsOverdue,
        "amended_late" => Figure::AmendedLate,
        "open" => Figure::Open(
            OpenStage::from_key(get("stage")),
            RequestAge::from_key(get("age")),
        ),
        _ => return None,
    })
}

/// The most cases a drill-down lists.
const CASES_SHOWN: usize = 500;

/// `GET /reports/cases?figure=…`: the cases behind a figure, for LA staff.
async fn figure_cases<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Query(query): Query<HashMap<String, String>>,
) -> AppResult<Html<String>> {
    policy::can_list_cases(&user).ok_or(AppError::Forbidden)?;
    let (period, _, errors) = period_of(&query, uk_time::today());
    let figure = figure_of(&query).ok_or(AppError::NotFound)?;
    if !errors.is_empty() {
        return Err(AppError::NotFound);
    }
    let facts = facts_of(&state.store, user.la()).await?;
    audit::record(
        &state.store,
        &user,
        Action::ViewCaseload,
        Record::Caseload,
        &ip,
    )
    .await?;
    let mut ids = Vec::new();
    for (id, f) in &facts {
        if figure
            .counts(f, period)
            .map_err(|_| AppError::Internal("kpi_dates"))?
        {
            ids.push(*id);
        }
    }
    let mut rows = Vec::new();
    for id in ids.iter().take(CASES_SHOWN) {
        if let Some(stored) = state.store.load_case(user.la(), *id).await? {
            let s = &stored.summary;
            rows.push(context! {
                id => id.0,
                name => format!("{} {}", s.given_name, s.family_name),
                received => s.request_received.map(uk_time::date),
            });
        }
    }
    state.templates.render(
        "reports/cases.html",
        &nav,
        context! {
            total => ids.len(),
            shown => rows.len(),
            rows => rows,
            from => uk_time::date(period.from()),
            to => uk_time::date(period.to()),
            back => format!("/reports?{}", period_query(period)),
        },
    )
}
