//! Allocation: a manager gives the LA's unallocated cases to its caseworkers, seeing how much
//! each caseworker already holds.
//!
//! - `GET /allocation`: the open cases with no caseworker (50 a page, soonest deadline first,
//!   `page=N`), each with a checkbox; a form to allocate the ticked ones to one caseworker with
//!   an optional handover note; and the caseload per caseworker: open cases, and a load
//!   weighted by stage ([`stage_weight`]).
//! - `POST /allocation`: allocates each ticked case through the case rules
//!   ([`policy::Allocator::allocate`], `AllocateCaseworker` on the version read just before),
//!   then shows the page again with a notification banner: how many were allocated, and which
//!   were not and why (allocated meanwhile by someone else, changed at the same moment, not a
//!   case of this LA). Nothing ticked, or no caseworker chosen, is an error summary (422) and
//!   nothing changes; a caseworker who is not an active caseworker of this LA is refused the
//!   same way.
//!
//! Managers and admins only ([`policy::can_allocate`]; 403 for everyone else). Changing the
//! caseworker of an allocated case, with a handover note, is done on the case page.
//!
//! The list is personal data: viewing it is audited, and so is each allocation (as the case
//! command `allocate_caseworker`, like the same change made through the API).

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use minijinja::value::{Serde, Value};
use url::form_urlencoded;
use waymark_store::documents::CaseworkerLoad;
use waymark_store::domain::case::Stage;
use waymark_store::domain::caseload::stage_weight;
use waymark_store::{CaseId, Store, User};

use super::caseload::{self, PER_PAGE};
use crate::AppState;
use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::policy::{self, Allocator};
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;

/// The longest handover note accepted.
const MAX_NOTE: usize = 2000;

/// The most cases one allocation may tick (a page holds 50; more is not a form we sent).
const MAX_CASES: usize = 200;

/// The allocation routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/allocation", page::<S>)
        .post("/allocation", allocate::<S>)
}

fn allocator(user: &CurrentUser) -> AppResult<Allocator<'_>> {
    policy::can_allocate(user).ok_or(AppError::Forbidden)
}

/// The allocation form as sent.
#[derive(Debug, Default)]
struct AllocationForm {
    /// The ticked cases, as sent (numbers, unless someone edited the form).
    cases: Vec<String>,
    caseworker: String,
    note: String,
    /// The page of the list the form was on, to show it again.
    page: i64,
}

impl AllocationForm {
    fn parse(body: &[u8]) -> AllocationForm {
        let mut form = AllocationForm {
            page: 1,
            ..AllocationForm::default()
        };
        for (name, value) in form_urlencoded::parse(body) {
            match name.as_ref() {
                "cases" => form.cases.push(value.trim().to_string()),
                "caseworker" => form.caseworker = value.trim().to_string(),
                "note" => form.note = value.trim().to_string(),
                "page" => form.page = page_number(&value),
                _ => {}
            }
        }
        form.cases.dedup();
        form
    }
}

/// A page number from text; anything else is page 1.
fn page_number(text: &str) -> i64 {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=1_000_000).contains(n))
        .unwrap_or(1)
}

/// What a POST did, for the notification banner.
#[derive(Debug, Default)]
struct Outcome {
    /// How many cases were allocated.
    allocated: usize,
    /// To whom (their name).
    to: String,
    /// Their team caseload, to look at what they now hold.
    to_href: String,
    /// The cases that were not, each with why.
    refused: Vec<Value>,
}

/// `GET /allocation`.
async fn page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> AppResult<Html<String>> {
    let allocator = allocator(&user)?;
    let page = form_urlencoded::parse(raw.as_deref().unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "page")
        .map_or(1, |(_, value)| page_number(&value));
    let form = AllocationForm {
        page,
        ..AllocationForm::default()
    };
    render(
        &state,
        &nav,
        &ip,
        &user,
        &allocator,
        &form,
        &FieldErrors::new(),
        None,
    )
    .await
}

/// `POST /allocation`.
async fn allocate<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    body: Bytes,
) -> AppResult<Response> {
    let allocator = allocator(&user)?;
    let mut form = AllocationForm::parse(&body);
    let caseworkers = allocator.caseworkers(&state.store).await?;
    let mut errors = FieldErrors::new();
    if form.cases.is_empty() {
        errors.add("cases", "Select at least one case");
    } else if form.cases.len() > MAX_CASES {
        errors.add(
            "cases",
            format!("Select no more than {MAX_CASES} cases at a time"),
        );
    }
    let to = caseworkers
        .iter()
        .find(|u| u.id.to_string() == form.caseworker);
    if form.caseworker.is_empty() {
        errors.add("caseworker", "Select a caseworker");
    } else if to.is_none() {
        // Someone else's account number: another LA's caseworker, or not a caseworker.
        errors.add(
            "caseworker",
            "Select a caseworker from the list: cases can only be allocated to an active \
             caseworker of your council",
        );
    }
    if form.note.chars().count() > MAX_NOTE {
        errors.add(
            "note",
            format!("The handover note must be {MAX_NOTE} characters or fewer"),
        );
    }
    let Some(to) = to.filter(|_| errors.is_empty()) else {
        let html = render(&state, &nav, &ip, &user, &allocator, &form, &errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    };
    let note = (!form.note.is_empty()).then(|| form.note.clone());
    let mut outcome = Outcome {
        to: to.name.clone(),
        to_href: format!("/caseload?who=team&caseworker={}", to.id),
        ..Outcome::default()
    };
    for sent in &form.cases {
        let Ok(id) = sent.parse::<i64>().map(CaseId) else {
            outcome.refused.push(refused(None, "there is no such case"));
            continue;
        };
        match allocator
            .allocate(&state.app, ip.0, id, to, note.clone())
            .await
        {
            Ok(_) => {
                outcome.allocated += 1;
            }
            Err(err) => {
                let why = match AppError::from(err) {
                    AppError::Refused(reason) => reason,
                    AppError::Conflict => {
                        "someone else changed it at the same moment: try again".to_string()
                    }
                    AppError::NotFound => "there is no such case".to_string(),
                    other => return Err(other),
                };
                let case = case_named(&state, &user, id).await?;
                outcome.refused.push(refused(case, &why));
            }
        }
    }
    // The ticks are spent: the page shows the list as it is now.
    form.cases.clear();
    form.note.clear();
    let html = render(
        &state,
        &nav,
        &ip,
        &user,
        &allocator,
        &form,
        &FieldErrors::new(),
        Some(outcome),
    )
    .await?;
    Ok(html.into_response())
}

/// The name and reference of a case of the user's LA, to say which case was not allocated;
/// `None` for a case they may not see (another LA's), which is named by nothing.
async fn case_named<S: Store>(
    state: &AppState<S>,
    user: &CurrentUser,
    id: CaseId,
) -> AppResult<Option<(String, String)>> {
    let Some(view) = policy::can_view_case(&state.store, user, id).await? else {
        return Ok(None);
    };
    match view.load(&state.store).await {
        Ok(loaded) => {
            let child = &loaded.case.child;
            Ok(Some((
                format!("{} {}", child.given_name, child.family_name),
                loaded.case.reference,
            )))
        }
        Err(waymark_app::Error::NotFound) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// A case that was not allocated (its name and reference, if it is one of the LA's), and why
/// (the case rules' words, as a sentence).
fn refused(case: Option<(String, String)>, why: &str) -> Value {
    let mut chars = why.chars();
    let why: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    let (name, reference) = case.unzip();
    context! { name => name, reference => reference, why => why }
}

/// The allocation page: the unallocated cases at `form.page`, the form as sent, the
/// caseworkers' loads, and what a POST did. Audited before it is returned.
#[allow(clippy::too_many_arguments)]
async fn render<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    ip: &ClientIp,
    user: &CurrentUser,
    allocator: &Allocator<'_>,
    form: &AllocationForm,
    errors: &FieldErrors,
    outcome: Option<Outcome>,
) -> AppResult<Html<String>> {
    let mut page = form.page;
    let mut found = allocator
        .unallocated(&state.store, PER_PAGE, (page - 1).saturating_mul(PER_PAGE))
        .await?;
    if found.items.is_empty() && found.total > 0 {
        page = caseload::last_page(found.total);
        found = allocator
            .unallocated(&state.store, PER_PAGE, (page - 1) * PER_PAGE)
            .await?;
    }
    let caseworkers = allocator.caseworkers(&state.store).await?;
    let colleagues = policy::can_list_cases(user)
        .ok_or(AppError::Forbidden)?
        .colleagues(&state.store)
        .await?;
    let names = caseload::names(&colleagues);
    let loads = loads(&caseworkers, &names, &allocator.loads(&state.store).await?);
    audit::record(
        &state.store,
        user,
        Action::ViewAllocation,
        Record::Caseload,
        ip,
    )
    .await?;
    let today = state.app.today();
    let rows = caseload::case_rows(&found.items, &names, today);
    let options: Vec<Value> = loads
        .iter()
        .filter(|l| l.active)
        .map(|l| {
            context! {
                value => &l.id,
                label => format!("{} ({} open {}, weighted load {})", l.name, l.cases,
                    if l.cases == 1 { "case" } else { "cases" }, l.weighted),
            }
        })
        .collect();
    let outcome = outcome.map(|o| {
        context! {
            allocated => o.allocated,
            heading => match o.allocated {
                0 => "No cases were allocated".to_string(),
                1 => format!("1 case allocated to {}", o.to),
                n => format!("{n} cases allocated to {}", o.to),
            },
            refused => o.refused,
            to => o.to,
            to_href => o.to_href,
        }
    });
    state.templates.render(
        "allocation.html",
        nav,
        context! {
            errors => Serde(errors),
            outcome => outcome,
            cases => rows,
            ticked => &form.cases,
            caseworker => &form.caseworker,
            note => &form.note,
            page => page,
            showing => caseload::showing(page, found.items.len(), found.total, "unallocated case", "unallocated cases"),
            pagination => Serde(caseload::pagination(page, found.total, |n| {
                if n > 1 { format!("/allocation?page={n}") } else { "/allocation".to_string() }
            })),
            caseworkers => options,
            loads => loads.iter().map(|l| context! {
                name => &l.name, cases => l.cases, weighted => l.weighted, active => l.active,
            }).collect::<Vec<_>>(),
            weights => Stage::ALL.iter().filter(|s| **s != Stage::Closed).map(|s| context! {
                stage => s.label(), weight => stage_weight(*s),
            }).collect::<Vec<_>>(),
        },
    )
}

/// One row of "Caseload per caseworker".
#[derive(Debug, Clone, PartialEq, Eq)]
struct Load {
    /// The account number, as cases hold it.
    id: String,
    name: String,
    /// Open cases.
    cases: i64,
    /// Open cases weighted by stage.
    weighted: i64,
    /// Whether they can be given cases (an active caseworker account); otherwise someone who
    /// still holds cases (a disabled account, a manager).
    active: bool,
}

/// Every active caseworker (with none if they hold none), then anyone else who holds open
/// cases (named from `names`): their count and weighted load, by name.
fn loads(
    caseworkers: &[User],
    names: &HashMap<String, String>,
    counts: &[CaseworkerLoad],
) -> Vec<Load> {
    let mut by_id: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for count in counts {
        let weight = Stage::ALL
            .into_iter()
            .find(|s| s.key() == count.stage)
            .map_or(1, stage_weight);
        let entry = by_id.entry(count.caseworker.clone()).or_default();
        entry.0 += count.cases;
        entry.1 += count.cases * i64::from(weight);
    }
    let active: HashMap<String, &User> =
        caseworkers.iter().map(|u| (u.id.to_string(), u)).collect();
    let mut rows: Vec<Load> = caseworkers
        .iter()
        .map(|u| {
            let id = u.id.to_string();
            let (cases, weighted) = by_id.get(&id).copied().unwrap_or_default();
            Load {
                id,
                name: u.name.clone(),
                cases,
                weighted,
                active: true,
            }
        })
        .collect();
    rows.extend(
        by_id
            .iter()
            .filter(|(id, _)| !active.contains_key(*id))
            .map(|(id, (cases, weighted))| Load {
                id: id.clone(),
                name: names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format!("Account {id}")),
                cases: *cases,
                weighted: *weighted,
                active: false,
            }),
    );
    rows.sort_by_key(|l| (!l.active, caseload::name_order(&l.name)));
    rows
}
