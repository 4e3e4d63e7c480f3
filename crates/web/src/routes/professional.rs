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

use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::{Deserialize, Serialize};
use waymark_store::cases::{self, CaseError, LoadedCase};
use waymark_store::documents::NewDocument;
use waymark_store::domain::Upn;
use waymark_store::domain::case::{Child, ContactPreference, ParentCarer, Placement, Request};
use waymark_store::domain::clock;
use waymark_store::domain::command::{self, Command, NewRequest, Refusal};
use waymark_store::portal::Contribution;
use waymark_store::{CaseAccess, CaseId, Store, StoreError};

use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::forms::{self, FormData, ScanVerdict};
use crate::policy::{self, AgencyDesk};
use crate::routes::RouteTable;
use crate::routes::cases::{actor, case_id, stage_label};
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, token, uk_time};

/// The professional's routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/advice", home::<S>)
        .get("/advice/request-assessment", request_page::<S>)
        .post("/advice/request-assessment", request_assessment::<S>)
        .get("/advice/{id}/{number}", request_advice_page::<S>)
        .post_with_files("/advice/{id}/{number}", send_advice::<S>)
        .post("/advice/{id}/{number}/decline", decline::<S>)
        .get("/consultations/{id}/{number}", consultation_page::<S>)
        .post("/consultations/{id}/{number}", answer_consultation::<S>)
}

/// What a contribution of kind `advice_summary` holds: the parts of the summary.
pub const SUMMARY_KIND: &str = "advice_summary";

/// The summary's parts: form field, heading, hint.
const SUMMARY_PARTS: [(&str, &str, &str); 3] = [
    (
        "needs",
        "The child’s needs",
        "What you know of their needs, as your service sees them",
    ),
    (
        "provision",
        "Provision",
        "The help you advise, and how much and how often",
    ),
    (
        "outcomes",
        "Outcomes",
        "What the help should achieve, in a year and by the end of the phase",
    ),
];

/// The most text a summary part or a reason holds.
const MAX_TEXT_CHARS: usize = command::MAX_NOTE_CHARS;

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
    let today = uk_time::today();
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

/// The case of an open advice request addressed to the professional; 404 otherwise.
async fn open_request<S: Store>(
    state: &AppState<S>,
    desk: &AgencyDesk<'_>,
    id: CaseId,
    number: u32,
) -> AppResult<LoadedCase> {
    let loaded = desk.advice_case(&state.store, id).await?;
    let open = loaded
        .case
        .advice
        .iter()
        .any(|a| a.number == number && a.received.is_none() && desk.is_asked(&a.organisation));
    if open && loaded.case.closure.is_none() {
        Ok(loaded)
    } else {
        Err(AppError::NotFound)
    }
}

/// What was typed on a request page.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct RequestValues {
    needs: String,
    provision: String,
    outcomes: String,
    reason: String,
    details: String,
}

impl RequestValues {
    fn part(&self, part: &str) -> &str {
        match part {
            "needs" => &self.needs,
            "provision" => &self.provision,
            _ => &self.outcomes,
        }
    }

    fn part_mut(&mut self, part: &str) -> &mut String {
        match part {
            "needs" => &mut self.needs,
            "provision" => &mut self.provision,
            _ => &mut self.outcomes,
        }
    }
}

/// A summary part's key among the case's contributions: one set per advice request.
fn summary_part(number: u32, part: &str) -> String {
    format!("{number}:{part}")
}

/// The summary this professional saved for request `number`, as last saved.
async fn saved_summary<S: Store>(
    state: &AppState<S>,
    user: &CurrentUser,
    id: CaseId,
    number: u32,
) -> AppResult<RequestValues> {
    let mut values = RequestValues::default();
    for saved in state
        .store
        .contributions(user.la(), id, SUMMARY_KIND)
        .await?
        .into_iter()
        .filter(|c| c.user_id == user.id())
    {
        for (part, _, _) in SUMMARY_PARTS {
            if saved.part == summary_part(number, part) {
                *values.part_mut(part) = saved.text.clone();
            }
        }
    }
    Ok(values)
}

async fn render_request<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    loaded: &LoadedCase,
    number: u32,
    values: &RequestValues,
    errors: &FieldErrors,
) -> AppResult<Response> {
    let case = &loaded.case;
    let advice = case
        .advice
        .iter()
        .find(|a| a.number == number)
        .ok_or(AppError::NotFound)?;
    let today = uk_time::today();
    let by = clock::advice_by(advice.requested).map_err(|_| AppError::Internal("clock"))?;
    let parts: Vec<_> = SUMMARY_PARTS
        .iter()
        .map(|(key, heading, hint)| {
            context! { key => *key, heading => *heading, hint => *hint, text => values.part(key) }
        })
        .collect();
    let html = state.templates.render(
        "professional/request.html",
        nav,
        context! {
            errors => Serde(errors),
            id => loaded.id.0,
            number => number,
            name => child_name(loaded),
            date_of_birth => uk_time::date(case.child.date_of_birth),
            age => today.years_since(case.child.date_of_birth).unwrap_or(0),
            reference => &case.reference,
            school => case.child.school.as_ref().map(|s| &s.name),
            kind => advice.kind.label(),
            organisation => &advice.organisation,
            reasons => &case.request.reasons,
            stage => stage_label(case.stage.key()),
            requested => uk_time::date(advice.requested),
            due => due(by, today, 7),
            parts => parts,
            values => Serde(values),
            messages_href => format!("/cases/{}/messages", loaded.id.0),
        },
    )?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

/// `GET /advice/{id}/{number}`.
async fn request_advice_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, number)): Path<(String, String)>,
) -> AppResult<Response> {
    let desk = desk_or_return!(&state, &user);
    let (id, number) = request_path(&id, &number)?;
    let loaded = open_request(&state, &desk, id, number).await?;
    audit::record(&state.store, &user, Action::ViewCase, Record::Case(id), &ip).await?;
    let values = saved_summary(&state, &user, id, number).await?;
    render_request(&state, &nav, &loaded, number, &values, &FieldErrors::new()).await
}

/// Saves the summary as typed; `sent` marks it sent to the council.
async fn save_summary<S: Store>(
    state: &AppState<S>,
    user: &CurrentUser,
    id: CaseId,
    number: u32,
    values: &RequestValues,
    sent: bool,
) -> AppResult<()> {
    let now = Utc::now();
    for (part, _, _) in SUMMARY_PARTS {
        state
            .store
            .save_contribution(
                user.la(),
                &Contribution {
                    case_id: id,
                    user_id: user.id(),
                    kind: SUMMARY_KIND.to_string(),
                    part: summary_part(number, part),
                    text: values.part(part).to_string(),
                    updated_at: now,
                    submitted_at: sent.then_some(now),
                },
            )
            .await?;
    }
    Ok(())
}

/// Runs a command on the case as it is now, as the professional. They decide about their own
/// request only, so a change the council made meanwhile does not stop them (the case rules
/// still check the request is open); a change in the instant between reading and writing is
/// a conflict, which `Err` carries as a message for the page.
async fn run<S: Store>(
    state: &AppState<S>,
    user: &CurrentUser,
    loaded: &LoadedCase,
    command: &Command,
) -> AppResult<Result<LoadedCase, String>> {
    let changed = cases::execute(
        &state.store,
        user.la(),
        loaded.id,
        loaded.version,
        command,
        &actor(user),
        uk_time::today(),
        Utc::now(),
    )
    .await;
    match changed {
        Ok(changed) => Ok(Ok(changed)),
        Err(CaseError::Refused(refusal)) => Ok(Err(refused(&refusal))),
        Err(CaseError::Store(StoreError::Conflict { .. })) => Ok(Err(
            "The council changed this case as you sent this. Send it again".to_string(),
        )),
        Err(other) => Err(crate::api::access::case_error(other)),
    }
}

fn refused(refusal: &Refusal) -> String {
    crate::api::cases::sentence(&refusal.to_string())
}

/// After their answer: closes their access once nothing is asked of them on the case, and
/// records what they did.
async fn answered<S: Store>(
    state: &AppState<S>,
    desk: &AgencyDesk<'_>,
    user: &CurrentUser,
    ip: &ClientIp,
    changed: &LoadedCase,
    command: &Command,
) -> AppResult<()> {
    audit::record(
        &state.store,
        user,
        Action::CaseCommand(crate::routes::case_actions::command_name(command)),
        Record::Case(changed.id),
        ip,
    )
    .await?;
    desk.close_if_answered(&state.store, changed, Utc::now())
        .await?;
    Ok(())
}

/// `POST /advice/{id}/{number}` (multipart): the advice and its summary.
async fn send_advice<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, number)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let desk = desk_or_return!(&state, &user);
    let (id, number) = request_path(&id, &number)?;
    let loaded = open_request(&state, &desk, id, number).await?;
    let form = FormData::parse(&headers, body)
        .await
        .map_err(|_| AppError::FormExpired)?;
    let mut values = RequestValues::default();
    let mut errors = FieldErrors::new();
    for (part, heading, _) in SUMMARY_PARTS {
        *values.part_mut(part) = form.text(part);
        if values.part(part).chars().count() > MAX_TEXT_CHARS {
            errors.add(
                part,
                format!("{heading} must be {MAX_TEXT_CHARS} characters or fewer"),
            );
        }
    }
    if errors.is_empty() {
        // Kept even if the file is refused, so nothing typed is lost.
        save_summary(&state, &user, id, number, &values, false).await?;
    }
    let upload = form.file("file");
    if upload.is_none() {
        errors.add("file", "Select the file with your advice");
    }
    let today = uk_time::today();
    let mut command = Command::RecordAdviceReceived {
        number,
        on: today,
        document: None,
    };
    if let Err(refusal) = command::decide(&loaded.case, &command, &actor(&user), today) {
        errors.add("file", refused(&refusal));
    }
    let file_type = match upload.map(forms::check_upload) {
        Some(Ok(file_type)) if errors.is_empty() => Some(file_type),
        Some(Err(message)) => {
            errors.add("file", message);
            None
        }
        _ => None,
    };
    let (Some(upload), Some(file_type), true) = (upload, file_type, errors.is_empty()) else {
        return render_request(&state, &nav, &loaded, number, &values, &errors).await;
    };
    let verdict = match state.config.virus_scanner.scan(&upload.bytes).await {
        Ok(ScanVerdict::Infected) => Err("The selected file contains a virus".to_string()),
        Ok(verdict) => Ok(verdict),
        Err(message) => Err(message),
    };
    let verdict = match verdict {
        Ok(verdict) => verdict,
        Err(message) => {
            errors.add("file", message);
            return render_request(&state, &nav, &loaded, number, &values, &errors).await;
        }
    };
    let organisation = loaded
        .case
        .advice
        .iter()
        .find(|a| a.number == number)
        .map(|a| a.organisation.clone())
        .unwrap_or_default();
    let stored = state
        .store
        .add_document(
            user.la(),
            NewDocument {
                case_id: id,
                kind: "advice".to_string(),
                title: format!("Advice from {organisation}"),
                filename: upload.filename.clone(),
                content_type: file_type.media_type().to_string(),
                scan: verdict.key().to_string(),
                content: upload.bytes.to_vec(),
                uploaded_by: user.id().to_string(),
                uploaded_at: Utc::now(),
            },
        )
        .await?;
    if let Command::RecordAdviceReceived { document, .. } = &mut command {
        *document = Some(stored.id.to_string());
    }
    let changed = match run(&state, &user, &loaded, &command).await? {
        Ok(changed) => changed,
        Err(message) => {
            errors.add("file", message);
            return render_request(&state, &nav, &loaded, number, &values, &errors).await;
        }
    };
    save_summary(&state, &user, id, number, &values, true).await?;
    answered(&state, &desk, &user, &ip, &changed, &command).await?;
    Ok(Redirect::to("/advice?done=advice-sent").into_response())
}

/// The reasons a request can be declined for, with the words the council reads.
const DECLINE_REASONS: [(&str, &str); 3] = [
    (
        "wrong_service",
        "We are not the right service to give this advice",
    ),
    ("not_known", "The child is not known to our service"),
    ("other", "Another reason"),
];

/// `POST /advice/{id}/{number}/decline`.
async fn decline<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, number)): Path<(String, String)>,
    Form(typed): Form<RequestValues>,
) -> AppResult<Response> {
    let desk = desk_or_return!(&state, &user);
    let (id, number) = request_path(&id, &number)?;
    let loaded = open_request(&state, &desk, id, number).await?;
    let mut values = saved_summary(&state, &user, id, number).await?;
    values.reason = typed.reason.trim().to_string();
    values.details = typed.details.trim().to_string();
    let mut errors = FieldErrors::new();
    let said = DECLINE_REASONS
        .iter()
        .find(|(key, _)| *key == values.reason)
        .map(|(_, words)| *words);
    let reason = match (said, values.reason.as_str(), values.details.is_empty()) {
        (None, _, _) => {
            errors.add("reason", "Select why you cannot give this advice");
            String::new()
        }
        (Some(_), "other", true) => {
            errors.add("details", "Enter why you cannot give this advice");
            String::new()
        }
        (Some(_), "other", false) => values.details.clone(),
        (Some(words), _, true) => words.to_string(),
        (Some(words), _, false) => format!("{words}: {}", values.details),
    };
    if values.details.chars().count() > MAX_TEXT_CHARS {
        errors.add(
            "details",
            format!("The reason must be {MAX_TEXT_CHARS} characters or fewer"),
        );
    }
    if !errors.is_empty() {
        return render_request(&state, &nav, &loaded, number, &values, &errors).await;
    }
    let command = Command::DeclineAdviceRequest { number, reason };
    let changed = match run(&state, &user, &loaded, &command).await? {
        Ok(changed) => changed,
        Err(message) => {
            errors.add("reason", message);
            return render_request(&state, &nav, &loaded, number, &values, &errors).await;
        }
    };
    answered(&state, &desk, &user, &ip, &changed, &command).await?;
    Ok(Redirect::to("/advice?done=declined").into_response())
}

/// The consultation form.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct ConsultationForm {
    agreed: String,
}

async fn render_consultation<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    loaded: &LoadedCase,
    number: u32,
    form: &ConsultationForm,
    errors: &FieldErrors,
) -> AppResult<Response> {
    let case = &loaded.case;
    let consultation = case
        .consultations
        .iter()
        .find(|c| c.number == number)
        .ok_or(AppError::NotFound)?;
    let today = uk_time::today();
    let by = clock::consultation_response_by(consultation.sent)
        .map_err(|_| AppError::Internal("clock"))?;
    let html = state.templates.render(
        "professional/consultation.html",
        nav,
        context! {
            errors => Serde(errors),
            id => loaded.id.0,
            number => number,
            name => child_name(loaded),
            date_of_birth => uk_time::date(case.child.date_of_birth),
            age => today.years_since(case.child.date_of_birth).unwrap_or(0),
            school => &consultation.setting.name,
            urn => &consultation.setting.urn,
            sent => uk_time::date(consultation.sent),
            due => due(by, today, 5),
            reasons => &case.request.reasons,
            form => Serde(form),
        },
    )?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

/// `GET /consultations/{id}/{number}` (the consulted school).
async fn consultation_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, number)): Path<(String, String)>,
) -> AppResult<Response> {
    let desk = desk_or_return!(&state, &user);
    let (id, number) = request_path(&id, &number)?;
    let loaded = desk.consulting_case(&state.store, id, number).await?;
    audit::record(&state.store, &user, Action::ViewCase, Record::Case(id), &ip).await?;
    render_consultation(
        &state,
        &nav,
        &loaded,
        number,
        &ConsultationForm::default(),
        &FieldErrors::new(),
    )
    .await
}

/// `POST /consultations/{id}/{number}`: the school's answer, dated today.
async fn answer_consultation<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, number)): Path<(String, String)>,
    Form(form): Form<ConsultationForm>,
) -> AppResult<Response> {
    let desk = desk_or_return!(&state, &user);
    let (id, number) = request_path(&id, &number)?;
    let loaded = desk.consulting_case(&state.store, id, number).await?;
    let mut errors = FieldErrors::new();
    let agreed = match form.agreed.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.add(
                "agreed",
                "Select whether the school can meet the child’s needs",
            );
            None
        }
    };
    let Some(agreed) = agreed else {
        return render_consultation(&state, &nav, &loaded, number, &form, &errors).await;
    };
    let command = Command::RecordConsultationResponse {
        number,
        on: uk_time::today(),
        agreed,
    };
    if let Err(message) = run(&state, &user, &loaded, &command).await? {
        errors.add("agreed", message);
        return render_consultation(&state, &nav, &loaded, number, &form, &errors).await;
    }
    audit::record(
        &state.store,
        &user,
        Action::CaseCommand(crate::routes::case_actions::command_name(&command)),
        Record::Case(id),
        &ip,
    )
    .await?;
    Ok(Redirect::to("/advice?done=consultation").into_response())
}

/// The request-an-assessment form as typed.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct PupilForm {
    given_name: String,
    family_name: String,
    dob: (String, String, String),
    upn: String,
    parent_name: String,
    parent_relationship: String,
    parent_email: String,
    reasons: String,
}

fn render_pupil_form<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    school: &str,
    form: &PupilForm,
    errors: &FieldErrors,
) -> AppResult<Response> {
    let html = state.templates.render(
        "professional/request_assessment.html",
        nav,
        context! { errors => Serde(errors), school => school, form => Serde(form) },
    )?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

/// `GET /advice/request-assessment` (schools).
async fn request_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    user: CurrentUser,
) -> AppResult<Response> {
    let desk = desk_or_return!(&state, &user);
    let school = desk.school().ok_or(AppError::Forbidden)?;
    render_pupil_form(
        &state,
        &nav,
        &school.name,
        &PupilForm::default(),
        &FieldErrors::new(),
    )
}

/// `POST /advice/request-assessment`: opens the case (the request is received today) and
/// gives the professional `advice` access to it (see the module documentation).
async fn request_assessment<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let desk = desk_or_return!(&state, &user);
    let school = desk.school().ok_or(AppError::Forbidden)?;
    let form = FormData::parse(&headers, body)
        .await
        .map_err(|_| AppError::FormExpired)?;
    let typed = PupilForm {
        given_name: form.text("given_name"),
        family_name: form.text("family_name"),
        dob: form.date_parts("dob"),
        upn: form.text("upn"),
        parent_name: form.text("parent_name"),
        parent_relationship: form.text("parent_relationship"),
        parent_email: form.text("parent_email"),
        reasons: form.text("reasons"),
    };
    let mut errors = FieldErrors::new();
    if typed.given_name.is_empty() {
        errors.add("given_name", "Enter the pupil’s given name");
    }
    if typed.family_name.is_empty() {
        errors.add("family_name", "Enter the pupil’s family name");
    }
    let dob = form.date("dob", "the pupil’s date of birth", &mut errors);
    let upn = if typed.upn.is_empty() {
        None
    } else {
        match Upn::parse(&typed.upn) {
            Ok(upn) => Some(upn),
            Err(e) => {
                errors.add("upn", crate::api::cases::sentence(&e.to_string()));
                None
            }
        }
    };
    if !typed.parent_name.is_empty() && typed.parent_relationship.is_empty() {
        errors.add(
            "parent_relationship",
            "Enter the parent or carer’s relationship to the pupil",
        );
    }
    if !typed.parent_email.is_empty()
        && !crate::routes::invitations::looks_like_email(&typed.parent_email)
    {
        errors.add(
            "parent_email",
            "Enter an email address in the correct format, like name@example.com",
        );
    }
    if typed.reasons.is_empty() {
        errors.add(
            "reasons",
            "Enter why the school is asking for an assessment",
        );
    }
    let (Some(dob), true) = (dob, errors.is_empty()) else {
        return render_pupil_form(&state, &nav, &school.name, &typed, &errors);
    };
    let reference = format!(
        "SCH-{}",
        token::new_token()?
            .get(..8)
            .unwrap_or_default()
            .to_uppercase()
    );
    let parents = if typed.parent_name.is_empty() {
        Vec::new()
    } else {
        vec![ParentCarer {
            name: typed.parent_name.clone(),
            relationship: typed.parent_relationship.clone(),
            email: (!typed.parent_email.is_empty()).then(|| typed.parent_email.clone()),
            phone: None,
            contact_preference: if typed.parent_email.is_empty() {
                ContactPreference::Post
            } else {
                ContactPreference::Email
            },
        }]
    };
    let request = NewRequest {
        reference,
        child: Child {
            given_name: typed.given_name.clone(),
            family_name: typed.family_name.clone(),
            date_of_birth: dob,
            upn,
            uln: None,
            nhs_number: None,
            address: None,
            parents,
            school: Some(Placement {
                urn: school.urn.clone(),
                setting_code: None,
                name: school.name.clone(),
                placement_type: String::new(),
            }),
        },
        request: Request {
            received: uk_time::today(),
            source: "EDU".to_string(),
            reasons: typed.reasons.clone(),
        },
    };
    let now = Utc::now();
    let opened =
        match cases::open(&state.store, &request, &actor(&user), uk_time::today(), now).await {
            Ok(opened) => opened,
            Err(CaseError::Refused(refusal)) => {
                let field = match crate::api::cases::new_request_field(&refusal) {
                    "child.given_name" => "given_name",
                    "child.family_name" => "family_name",
                    "child.date_of_birth" => "dob",
                    _ => "reasons",
                };
                errors.add(field, refused(&refusal));
                return render_pupil_form(&state, &nav, &school.name, &typed, &errors);
            }
            Err(other) => return Err(crate::api::access::case_error(other)),
        };
    state
        .store
        .grant_case_access(user.id(), opened.id, user.la(), CaseAccess::ADVICE, now)
        .await?;
    audit::record(
        &state.store,
        &user,
        Action::OpenCase,
        Record::Case(opened.id),
        &ip,
    )
    .await?;
    Ok(Redirect::to("/advice?done=requested").into_response())
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

    #[test]
    fn summary_parts_are_kept_per_request() {
        assert_eq!(summary_part(2, "needs"), "2:needs");
        let mut values = RequestValues::default();
        *values.part_mut("provision") = "Speech therapy weekly".into();
        assert_eq!(values.part("provision"), "Speech therapy weekly");
        assert_eq!(values.part("needs"), "");
    }
}
