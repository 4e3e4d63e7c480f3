//! A professional's pages: the advice, consultations and reviews asked of their organisation.
//! Professionals set up two-factor authentication before any of these open
//! ([`two_factor_first`]); everything they read comes through [`policy::AgencyDesk`].
//!
//! - `GET /advice` (their home page): "Advice requested from us", each open request on a case
//!   they have `advice` access to and addressed to their organisation (the child's name and
//!   date of birth, what is asked, the due date and days left or overdue); children they asked
//!   the council to assess, while no advice is asked yet; and for a school, its consultations
//!   and the annual reviews of the plans naming it.
//! - `GET|POST /advice/{id}/{number}`: one request. Upload the advice (PDF, Word, JPG or PNG,
//!   checked and passed to the virus scanner, kept as a document of the case of kind `advice`)
//!   with a summary (needs, provision, outcomes, kept as what they wrote on the case, kind
//!   `advice_summary`): that records `RecordAdviceReceived` with the document.
//!   `POST /advice/{id}/{number}/decline`: decline with a reason (`DeclineAdviceRequest`).
//!   Once no request to their organisation is open on the case, their access to it closes, so
//!   the child is no longer theirs to see. Questions go to the case's message thread
//!   (`/cases/{id}/messages`).
//! - `GET|POST /consultations/{id}/{number}` (schools): answer the council's consultation about
//!   naming the school (s.39 CFA 2014: within 15 days), for consultations naming the school's
//!   URN only.
//! - `GET|POST /advice/request-assessment` (schools): request an EHC needs assessment for a
//!   pupil (source `EDU`). The school is the natural source of education advice (reg 6(1)(b)),
//!   so the professional who asked gets `advice` access to the new case: they see it until the
//!   advice the council asks of the school is given, like any other advice request.
//!
//! Annual reviews: the domain's [`clock::annual_review_by`] from the plan's issue date (reg 18;
//! Waymark records no review meetings yet, so each plan's first review is what shows).
//!
//! The home page and what every page shares are here; one advice request's pages are in
//! [`advice`], a school's consultations and requests for assessment in [`schools`].

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;
use waymark_store::cases::LoadedCase;
use waymark_store::domain::clock;
use waymark_store::domain::command::{Command, Refusal};
use waymark_store::{CaseId, Store};

use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult};
use crate::features::cases::case_id;
use crate::policy::{self, AgencyDesk};
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, uk_time};

/// The professional's routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/advice", home::<S>)
        .get("/advice/request-assessment", schools::request_page::<S>)
        .post(
            "/advice/request-assessment",
            schools::request_assessment::<S>,
        )
        .get("/advice/{id}/{number}", advice::request_advice_page::<S>)
        .post_with_files("/advice/{id}/{number}", advice::send_advice::<S>)
        .post("/advice/{id}/{number}/decline", advice::decline::<S>)
        .get(
            "/consultations/{id}/{number}",
            schools::consultation_page::<S>,
        )
        .post(
            "/consultations/{id}/{number}",
            schools::answer_consultation::<S>,
        )
}

/// For a professional who has no second factor yet: the redirect to set one up. Every
/// professional page starts with it.
pub(crate) fn two_factor_first(user: &CurrentUser) -> Option<Response> {
    policy::must_set_up_two_factor(user)
        .then(|| Redirect::to("/account/two-factor").into_response())
}

/// The desk, for a professional with a second factor; 403 for other roles, the set-up page
/// for a professional without one.
async fn desk<'u, S: Store>(
    state: &AppState<S>,
    user: &'u CurrentUser,
) -> AppResult<Result<AgencyDesk<'u>, Response>> {
    let desk = policy::can_use_agency_desk(&state.store, user)
        .await?
        .ok_or(AppError::Forbidden)?;
    Ok(match two_factor_first(user) {
        Some(first) => Err(first),
        None => Ok(desk),
    })
}

/// Takes the desk or returns the set-up redirect from the handler.
macro_rules! desk_or_return {
    ($state:expr, $user:expr) => {
        match desk($state, $user).await? {
            Ok(desk) => desk,
            Err(response) => return Ok(response),
        }
    };
}

mod advice;
mod schools;

pub use advice::SUMMARY_KIND;

/// A due date read on `today`: the date, a GOV.UK tag and the days left or overdue. `soon`
/// is how many days ahead counts as "due soon".
fn due(due: NaiveDate, today: NaiveDate, soon: i64) -> Value {
    let days = (due - today).num_days();
    let (status, tag, count) = if days < 0 {
        (
            "Overdue",
            "govuk-tag--red",
            format!("{} {} overdue", -days, plural(-days, "day", "days")),
        )
    } else if days == 0 {
        ("Due today", "govuk-tag--orange", "Due today".to_string())
    } else if days <= soon {
        (
            "Due soon",
            "govuk-tag--yellow",
            format!("{days} {} left", plural(days, "day", "days")),
        )
    } else {
        (
            "Not due yet",
            "govuk-tag--grey",
            format!("{days} {} left", plural(days, "day", "days")),
        )
    };
    context! { date => uk_time::date(due), status => status, tag => tag, days => count }
}

fn plural<'a>(n: i64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// The first `max` characters of `text`, cut at a word, with an ellipsis if cut.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let words = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", words.trim_end_matches([',', '.', ';', ':']))
}

fn child_name(loaded: &LoadedCase) -> String {
    let child = &loaded.case.child;
    format!("{} {}", child.given_name, child.family_name)
}

/// What the home page says has just happened (`?done=`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Done {
    done: String,
}

fn done_message(key: &str) -> Option<&'static str> {
    Some(match key {
        "advice-sent" => "Your advice has been sent to the council. Thank you.",
        "declined" => "The council has been told you cannot give this advice.",
        "consultation" => "Your answer to the consultation has been sent to the council.",
        "requested" => {
            "Your request for an assessment has been sent. The council decides within 6 weeks \
             whether to assess."
        }
        _ => return None,
    })
}

/// `GET /advice`.
async fn home<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Query(done): Query<Done>,
) -> AppResult<Response> {
    let desk = desk_or_return!(&state, &user);
    let today = state.app.today();
    let now = Utc::now();
    let mut requests = Vec::new();
    let mut waiting = Vec::new();
    for loaded in desk.advice_cases(&state.store).await? {
        // Answered since (by the council, perhaps): the child is no longer theirs to see.
        if desk.close_if_answered(&state.store, &loaded, now).await? {
            continue;
        }
        let case = &loaded.case;
        let open: Vec<_> = case
            .advice
            .iter()
            .filter(|a| a.received.is_none() && desk.is_asked(&a.organisation))
            .collect();
        if open.is_empty() {
            if case.advice.iter().all(|a| !desk.is_asked(&a.organisation)) {
                waiting.push(context! {
                    name => child_name(&loaded),
                    date_of_birth => uk_time::date(case.child.date_of_birth),
                    stage => case.stage.label(),
                    received => uk_time::date(case.request.received),
                });
            }
            continue;
        }
        for advice in open {
            let Ok(by) = clock::advice_by(advice.requested) else {
                continue;
            };
            requests.push((
                by,
                context! {
                    href => format!("/advice/{}/{}", loaded.id.0, advice.number),
                    name => child_name(&loaded),
                    date_of_birth => uk_time::date(case.child.date_of_birth),
                    kind => advice.kind.label(),
                    organisation => &advice.organisation,
                    reasons => short(&case.request.reasons, 140),
                    requested => uk_time::date(advice.requested),
                    due => due(by, today, 7),
                },
            ));
        }
    }
    requests.sort_by_key(|(by, _)| *by);
    let requests: Vec<_> = requests.into_iter().map(|(_, row)| row).collect();
    let school = desk.school();
    let mut consultations = Vec::new();
    let mut reviews = Vec::new();
    if let Some(school) = school {
        let urn = school.urn.as_deref().unwrap_or_default();
        for loaded in desk.consulting_cases(&state.store).await? {
            for c in loaded
                .case
                .consultations
                .iter()
                .filter(|c| c.responded.is_none() && c.setting.urn.as_deref() == Some(urn))
            {
                let Ok(by) = clock::consultation_response_by(c.sent) else {
                    continue;
                };
                consultations.push((
                    by,
                    context! {
                        href => format!("/consultations/{}/{}", loaded.id.0, c.number),
                        name => child_name(&loaded),
                        date_of_birth => uk_time::date(loaded.case.child.date_of_birth),
                        sent => uk_time::date(c.sent),
                        due => due(by, today, 5),
                    },
                ));
            }
        }
        for loaded in desk.cases_naming_school(&state.store).await? {
            let Some(plan) = &loaded.case.final_plan else {
                continue;
            };
            let dob = loaded.case.child.date_of_birth;
            let Ok(by) = clock::annual_review_by(plan.issued, Some(dob)) else {
                continue;
            };
            reviews.push((
                by,
                context! {
                    name => child_name(&loaded),
                    date_of_birth => uk_time::date(dob),
                    issued => uk_time::date(plan.issued),
                    due => due(by, today, 56),
                },
            ));
        }
    }
    consultations.sort_by_key(|(by, _)| *by);
    reviews.sort_by_key(|(by, _)| *by);
    audit::record(
        &state.store,
        &user,
        Action::ViewAdviceRequests,
        Record::Caseload,
        &ip,
    )
    .await?;
    let manages = !policy::can_manage_organisations(&state.store, &user)
        .await?
        .is_empty();
    let names: Vec<String> = desk
        .organisations()
        .iter()
        .map(|o| o.name.clone())
        .collect();
    let html = state.templates.render(
        "professional/home.html",
        &nav,
        context! {
            done => done_message(&done.done),
            organisations => names,
            requests => requests,
            waiting => waiting,
            school => school.map(|s| &s.name),
            consultations => consultations.into_iter().map(|(_, row)| row).collect::<Vec<_>>(),
            reviews => reviews.into_iter().map(|(_, row)| row).collect::<Vec<_>>(),
            manages => manages,
        },
    )?;
    Ok(html.into_response())
}

/// A case and advice request number from a path.
fn request_path(id: &str, number: &str) -> AppResult<(CaseId, u32)> {
    let number = number.parse::<u32>().map_err(|_| AppError::NotFound)?;
    Ok((case_id(id)?, number))
}

/// Runs a command on the case as it is now, as the professional. They decide about their own
/// request only, so a change the council made meanwhile does not stop them (the case rules
/// still check the request is open); a change in the instant between reading and writing is
/// a conflict, which `Err` carries as a message for the page.
async fn run<S: Store>(
    state: &AppState<S>,
    user: &CurrentUser,
    ip: &ClientIp,
    loaded: &LoadedCase,
    command: &Command,
    upload: Option<waymark_store::documents::NewDocument>,
) -> AppResult<Result<LoadedCase, String>> {
    let by = waymark_app::cases::By { user, ip: ip.0 };
    let changed =
        waymark_app::cases::run(&state.app, by, loaded.id, loaded.version, command, upload).await;
    match changed {
        Ok(changed) => Ok(Ok(changed)),
        Err(waymark_app::Error::Refused(refusal)) => Ok(Err(refused(&refusal))),
        Err(waymark_app::Error::Conflict) => Ok(Err(
            "The council changed this case as you sent this. Send it again".to_string(),
        )),
        Err(other) => Err(other.into()),
    }
}

fn refused(refusal: &Refusal) -> String {
    crate::features::cases::api::sentence(&refusal.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn due_dates_read_as_days_left_or_overdue() {
        let today = d("2026-03-10");
        let text = |v: Value| {
            (
                v.get_attr("status")
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                v.get_attr("days")
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
            )
        };
        assert_eq!(
            text(due(d("2026-03-09"), today, 7)),
            ("Overdue".into(), "1 day overdue".into())
        );
        assert_eq!(
            text(due(d("2026-03-10"), today, 7)),
            ("Due today".into(), "Due today".into())
        );
        assert_eq!(
            text(due(d("2026-03-15"), today, 7)),
            ("Due soon".into(), "5 days left".into())
        );
        assert_eq!(
            text(due(d("2026-04-15"), today, 7)),
            ("Not due yet".into(), "36 days left".into())
        );
    }

    #[test]
    fn long_reasons_are_cut_at_a_word() {
        assert_eq!(short("Needs are not met", 140), "Needs are not met");
        assert_eq!(short("Needs are not met, at all", 12), "Needs are…");
    }
}
