//! A case: the page that shows everything about one child's EHC needs assessment and plan,
//! a new request, and the case's documents.
//!
//! - `GET /cases/{id}`: the child, where the case is, every statutory clock, advice,
//!   consultations, plan versions, documents, notes, the timeline with who did what, and the
//!   actions this user may take now (from [`waymark_store::domain::actions::available`]).
//!   Anyone [`policy::can_view_case`] allows; anyone else, and any case of another LA, 404.
//! - `GET|POST /cases/new`: record a new request, warning of possible duplicates (same UPN,
//!   or same name and date of birth) before a second case is opened for a child. LA staff.
//! - `GET /cases/{id}/documents/{doc}`: download a document (LA staff).
//!
//! Everything here is personal data, so every view is audited before it is shown.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};
use waymark_store::caseload::CaseloadQuery;
use waymark_store::cases::{self, HistoryEntry, LoadedCase};
use waymark_store::documents::DocumentInfo;
use waymark_store::domain::WorkingDayCalendar;
use waymark_store::domain::actions::{self, Action};
use waymark_store::domain::actor::Actor;
use waymark_store::domain::case::{Case, ParentCarer, Stage};
use waymark_store::domain::clock;
use waymark_store::domain::codes::{CodeList, CodeLists};
use waymark_store::domain::command::{Field, NewRequest, Refusal};
use waymark_store::domain::event::Event;
use waymark_store::domain::{NhsNumber, Upn};
use waymark_store::{CaseId, Store};

use crate::audit::{self, Action as AuditAction, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::forms::FormData;
use crate::policy::{self, Reach};
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, uk_time};

pub mod api;
pub mod commands;
pub mod documents;
pub mod json;
mod reviews;
pub mod steps;

/// The case routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/cases/new", new_request_page::<S>)
        .post("/cases/new", new_request::<S>)
        .get("/cases/{id}", case::<S>)
        .get("/cases/{id}/documents/{doc}", document::<S>)
}

/// A stage's plain words from its stored key.
pub(crate) fn stage_label(key: &str) -> &str {
    Stage::ALL
        .iter()
        .find(|stage| stage.key() == key)
        .map_or(key, |stage| stage.label())
}

/// A case id from the path: a malformed one is just a page that does not exist.
pub(crate) fn case_id(raw: &str) -> AppResult<CaseId> {
    raw.parse::<i64>()
        .map(CaseId)
        .map_err(|_| AppError::NotFound)
}

/// The signed-in user as the case rules see them: their number (never their name), role
/// and LA.
pub(crate) fn actor(user: &CurrentUser) -> Actor {
    user.actor()
}

/// Names of the LA's users by the reference the event log keeps (their number).
pub(crate) async fn user_names<S: Store>(
    store: &S,
    user: &CurrentUser,
) -> AppResult<HashMap<String, String>> {
    Ok(store
        .list_users(user.la())
        .await?
        .into_iter()
        .map(|u| (u.id.to_string(), u.name))
        .collect())
}

/// Who did something, as a person reads it.
pub(crate) fn who(names: &HashMap<String, String>, reference: &str) -> String {
    match reference {
        "import" => "Imported from the previous system".to_string(),
        "demo" => "Demo data".to_string(),
        "system" => "Waymark".to_string(),
        other => names
            .get(other)
            .cloned()
            .unwrap_or_else(|| format!("User {other}")),
    }
}

/// One clock row.
#[derive(Serialize)]
struct ClockRow {
    label: &'static str,
    about: Option<String>,
    due: Option<String>,
    done: Option<String>,
    status: &'static str,
    tag: &'static str,
    days_remaining: Option<i64>,
    days_overdue: Option<i64>,
    excused: bool,
}

/// One row of the timeline.
#[derive(Serialize)]
struct TimelineRow {
    when: String,
    who: String,
    what: String,
    detail: Option<String>,
}

/// A document row.
#[derive(Serialize)]
pub(crate) struct DocumentRow {
    id: i64,
    title: String,
    kind: String,
    filename: String,
    version: i32,
    size: String,
    uploaded: String,
    who: String,
    scan: &'static str,
}

impl DocumentRow {
    pub(crate) fn of(doc: &DocumentInfo, names: &HashMap<String, String>) -> DocumentRow {
        DocumentRow {
            id: doc.id,
            title: doc.title.clone(),
            kind: doc.kind.clone(),
            filename: doc.filename.clone(),
            version: doc.version,
            size: file_size(doc.size),
            uploaded: uk_time::date_and_time(doc.uploaded_at),
            who: who(names, &doc.uploaded_by),
            scan: match doc.scan.as_str() {
                "clean" => "Checked for viruses",
                "not_scanned" => "Not checked for viruses",
                "rendered" => "Made by Waymark",
                _ => "Waiting for virus check",
            },
        }
    }
}

/// "1.2 MB", "34 KB".
fn file_size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// A GOV.UK tag colour for a clock status.
fn status_tag(status: clock::ClockStatus) -> &'static str {
    use clock::ClockStatus as S;
    match status {
        S::Overdue | S::MetLate => "govuk-tag--red",
        S::DueSoon => "govuk-tag--yellow",
        S::Due => "govuk-tag--blue",
        S::MetOnTime => "govuk-tag--green",
        S::MetLateWithException => "govuk-tag--orange",
        _ => "govuk-tag--grey",
    }
}

fn clock_rows(
    case: &Case,
    calendar: &WorkingDayCalendar,
    today: chrono::NaiveDate,
) -> AppResult<Vec<ClockRow>> {
    let readings = case
        .clocks(calendar, today)
        .map_err(|_| AppError::Internal("clock"))?;
    Ok(readings
        .iter()
        .filter(|reading| reading.clock.trigger.is_some())
        .map(|reading| ClockRow {
            label: reading.clock.kind.label(),
            about: reading.clock.about.clone(),
            due: reading.clock.due.map(uk_time::date),
            done: reading.clock.done.map(uk_time::date),
            status: reading.status.label(),
            tag: status_tag(reading.status),
            days_remaining: reading.days_remaining,
            days_overdue: reading.days_overdue,
            // Beside clocks still running or met late: a clock met on time needs no excuse.
            excused: !reading.exceptions.is_empty()
                && reading.status != clock::ClockStatus::MetOnTime,
        })
        .collect())
}

fn timeline(history: &[HistoryEntry], names: &HashMap<String, String>) -> Vec<TimelineRow> {
    history
        .iter()
        .rev()
        .map(|entry| TimelineRow {
            when: uk_time::date_and_time(entry.recorded_at),
            who: who(names, &entry.actor),
            what: entry.event.describe(),
            detail: match &entry.event {
                Event::CaseworkerAllocated {
                    caseworker, note, ..
                } => Some(match note {
                    Some(note) => format!("To {}. Handover note: {note}", who(names, caseworker)),
                    None => format!("To {}", who(names, caseworker)),
                }),
                Event::AssessmentDecided(d) | Event::IssueDecided(d) if !d.reasons.is_empty() => {
                    Some(format!("Reasons: {}", d.reasons))
                }
                Event::ReviewDecided { reasons, .. } if !reasons.is_empty() => {
                    Some(format!("Reasons: {reasons}"))
                }
                Event::ExceptionRecorded(e) => Some(e.note.clone()),
                Event::NoteAdded { text } => Some(text.clone()),
                _ => None,
            },
        })
        .collect()
}

fn parent_row(p: &ParentCarer) -> minijinja::Value {
    context! {
        name => &p.name,
        relationship => &p.relationship,
        email => &p.email,
        phone => &p.phone,
        contact => format!("{:?}", p.contact_preference),
    }
}

/// `?done=...` after an action: which banner to show.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CaseQuery {
    done: String,
}

/// `GET /cases/{id}`.
async fn case<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<CaseQuery>,
) -> AppResult<Response> {
    let id = case_id(&id)?;
    let Some(view) = policy::can_view_case(&state.store, &user, id).await? else {
        return Err(AppError::NotFound);
    };
    // A family has its own page of the case (routes::family).
    if view.reach() == Reach::Parent {
        return Ok(Redirect::to(&format!("/my-cases/{}", id.0)).into_response());
    }
    let loaded = view.load(&state.store).await?;
    audit::record(
        &state.store,
        &user,
        AuditAction::ViewCase,
        Record::Case(id),
        &ip,
    )
    .await?;
    let today = state.app.today();
    let staff = view.reach() == Reach::Staff;
    let case = &loaded.case;
    let clocks = clock_rows(case, &state.app.calendar, today)?;
    // Only LA staff see the history, documents and notes here; families and professionals
    // get their own views of what is theirs to see.
    let (history, documents, names) = if staff {
        let names = user_names(&state.store, &user).await?;
        let history = cases::history(&state.store, user.la(), id)
            .await
            .map_err(|_| AppError::Internal("case_unreadable"))?;
        let documents = state.store.documents(user.la(), id).await?;
        (history, documents, names)
    } else {
        (Vec::new(), Vec::new(), HashMap::new())
    };
    let allowed: Vec<_> = if staff {
        actions::available(case, &actor(&user), today)
    } else {
        Vec::new()
    };
    let action_link = |a: &Action| context! { href => format!("/cases/{}/{}", id.0, a.key()), label => a.label() };
    let steps: Vec<_> = allowed
        .iter()
        .filter(|a| a.is_step())
        .map(action_link)
        .collect();
    let others: Vec<_> = allowed
        .iter()
        .filter(|a| !a.is_step())
        .map(action_link)
        .collect();
    let notes: Vec<_> = history
        .iter()
        .rev()
        .filter_map(|h| match &h.event {
            Event::NoteAdded { text } => Some(context! {
                text => text,
                who => who(&names, &h.actor),
                when => uk_time::date_and_time(h.recorded_at),
            }),
            _ => None,
        })
        .collect();
    let advice: Vec<_> = case
        .advice
        .iter()
        .map(|a| {
            let due = clock::advice_by(a.requested).ok();
            context! {
                number => a.number,
                kind => a.kind.label(),
                organisation => &a.organisation,
                requested => uk_time::date(a.requested),
                due => due.map(uk_time::date),
                received => a.received.map(uk_time::date),
                late => a.received.is_none() && due.is_some_and(|d| d < today),
                document => a.document.as_deref().and_then(|d| d.parse::<i64>().ok()),
            }
        })
        .collect();
    let consultations: Vec<_> = case
        .consultations
        .iter()
        .map(|c| {
            context! {
                number => c.number,
                school => &c.setting.name,
                urn => &c.setting.urn,
                sent => uk_time::date(c.sent),
                responded => c.responded.map(uk_time::date),
                agreed => c.agreed,
            }
        })
        .collect();
    let plans: Vec<_> = case
        .plan_versions
        .iter()
        .rev()
        .map(|v| {
            context! {
                version => v.version,
                saved => uk_time::date(v.saved_on),
                served => v.served_on.map(uk_time::date),
                issued => case.final_plan.as_ref().is_some_and(|p| p.version == v.version),
            }
        })
        .collect();
    let exceptions: Vec<_> = case
        .exceptions
        .iter()
        .map(|e| {
            context! {
                kind => e.exception.kind().label(),
                from => uk_time::date(e.exception.from()),
                to => e.exception.to().map(uk_time::date),
                note => &e.note,
            }
        })
        .collect();
    let documents: Vec<_> = documents
        .iter()
        .rev()
        .map(|d| DocumentRow::of(d, &names))
        .collect();
    let child = &case.child;
    let age = today.years_since(child.date_of_birth).unwrap_or(0);
    let caseworker = case.caseworker.as_deref().map(|c| who(&names, c));
    let needs = CodeLists::current();
    let needs: Vec<_> = case
        .sen_needs
        .iter()
        .map(|code| {
            needs
                .describe(CodeList::SenType, code)
                .unwrap_or(code)
                .to_string()
        })
        .collect();
    // Messages with the family and professionals (routes::messages): staff only.
    let threads = if staff {
        Some(crate::features::messages::case_summary(&state.store, user.la(), id).await?)
    } else {
        None
    };
    let html = state.templates.render(
        "case.html",
        &nav,
        context! {
            threads => threads,
            id => id.0,
            version => loaded.version,
            reference => &case.reference,
            name => format!("{} {}", child.given_name, child.family_name),
            date_of_birth => uk_time::date(child.date_of_birth),
            age => age,
            upn => child.upn.as_ref().map(|u| u.as_str().to_string()),
            uln => child.uln.as_ref().map(|u| u.to_string()),
            nhs_number => child.nhs_number.as_ref().map(|n| n.to_string()),
            address => child.address.as_ref().map(|a| {
                let mut lines = a.lines.clone();
                lines.push(a.town.clone());
                lines.push(a.postcode.clone());
                lines.retain(|l| !l.trim().is_empty());
                lines
            }),
            school => child.school.as_ref().map(|s| &s.name),
            parents => child.parents.iter().map(parent_row).collect::<Vec<_>>(),
            stage => case.stage.label(),
            stage_key => case.stage.key(),
            received => uk_time::date(case.request.received),
            request_reasons => &case.request.reasons,
            caseworker => caseworker,
            needs => needs,
            closure => case.closure.as_ref().map(|c| uk_time::date(c.on)),
            final_placement => case.final_plan.as_ref().map(|p| &p.placement.name),
            reviews => Serde(reviews::rows(case, today)),
            next_review_by => case.next_review_by().and_then(Result::ok).map(uk_time::date),
            clocks => Serde(&clocks),
            today => uk_time::date(today),
            staff => staff,
            steps => steps,
            others => others,
            advice => advice,
            consultations => consultations,
            plans => plans,
            exceptions => exceptions,
            documents => Serde(&documents),
            notes => notes,
            timeline => Serde(&timeline(&history, &names)),
            done => match query.done.as_str() {
                "opened" => Some("Request recorded"),
                other => Action::from_key(other).map(done_message),
            },
        },
    )?;
    Ok(html.into_response())
}

/// The banner after an action.
fn done_message(action: Action) -> &'static str {
    match action {
        Action::Allocate => "Caseworker changed",
        Action::DecideWhetherToAssess => "Decision whether to assess recorded",
        Action::RequestAdvice => "Advice requested",
        Action::RecordAdvice => "Advice recorded",
        Action::RecordException => "Exception recorded",
        Action::DecideWhetherToIssue => "Decision whether to issue a plan recorded",
        Action::EditPlan => "Plan saved as a new version",
        Action::ServeDraft => "Draft plan sent to the family",
        Action::RecordRepresentations => "The family's comments recorded",
        Action::ConsultSchool => "School consulted",
        Action::RecordConsultationResponse => "School's response recorded",
        Action::IssueFinalPlan => "Final plan issued",
        Action::RecordReviewMeeting => "Annual review meeting recorded",
        Action::DecideAfterReview => "Decision after the annual review recorded",
        Action::SendProposedAmendments => "Proposed amendments sent to the family",
        Action::IssueAmendedPlan => "Final amended plan issued",
        Action::AddNote => "Note added",
        Action::Close => "Case closed",
    }
}

/// `GET /cases/{id}/documents/{doc}`: the file, as an attachment.
async fn document<S: Store>(
    State(state): State<AppState<S>>,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, doc)): Path<(String, String)>,
) -> AppResult<Response> {
    let id = case_id(&id)?;
    let doc: i64 = doc.parse().map_err(|_| AppError::NotFound)?;
    let work = policy::can_work_on_case(&state.store, &user, id).await?;
    let Some(document) = state.store.document(work.la(), id, doc).await? else {
        return Err(AppError::NotFound);
    };
    audit::record(
        &state.store,
        &user,
        AuditAction::CaseCommand("download_document"),
        Record::Case(id),
        &ip,
    )
    .await?;
    Ok(crate::download::document(document))
}

// ---------------------------------------------------------------------------------------------
// A new request.

/// What the new-request form holds, as typed.
#[derive(Debug, Default, Serialize)]
struct NewRequestForm {
    reference: String,
    given_name: String,
    family_name: String,
    dob: (String, String, String),
    upn: String,
    nhs_number: String,
    parent_name: String,
    parent_relationship: String,
    parent_email: String,
    parent_phone: String,
    school_urn: String,
    school_name: String,
    received: (String, String, String),
    source: String,
    reasons: String,
    confirm_duplicate: bool,
}

impl NewRequestForm {
    fn of(form: &FormData) -> NewRequestForm {
        NewRequestForm {
            reference: form.text("reference"),
            given_name: form.text("given_name"),
            family_name: form.text("family_name"),
            dob: form.date_parts("dob"),
            upn: form.text("upn"),
            nhs_number: form.text("nhs_number"),
            parent_name: form.text("parent_name"),
            parent_relationship: form.text("parent_relationship"),
            parent_email: form.text("parent_email"),
            parent_phone: form.text("parent_phone"),
            school_urn: form.text("school_urn"),
            school_name: form.text("school_name"),
            received: form.date_parts("received"),
            source: form.text("source"),
            reasons: form.text("reasons"),
            confirm_duplicate: form.text("confirm_duplicate") == "yes",
        }
    }
}

fn request_sources() -> Vec<minijinja::Value> {
    let codes = CodeLists::current();
    codes
        .entries(CodeList::RequestSource)
        .map(|(code, label)| context! { value => code, label => label })
        .collect()
}

fn render_new_request<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    errors: &FieldErrors,
    form: &NewRequestForm,
    duplicates: &[minijinja::Value],
) -> AppResult<Html<String>> {
    state.templates.render(
        "case_new.html",
        nav,
        context! {
            errors => Serde(errors),
            form => Serde(form),
            sources => request_sources(),
            duplicates => duplicates,
        },
    )
}

/// `GET /cases/new`.
async fn new_request_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    user: CurrentUser,
) -> AppResult<Html<String>> {
    policy::can_list_cases(&user).ok_or(AppError::Forbidden)?;
    let today = state.app.today();
    let form = NewRequestForm {
        received: (
            today.format("%-d").to_string(),
            today.format("%-m").to_string(),
            today.format("%Y").to_string(),
        ),
        ..NewRequestForm::default()
    };
    render_new_request(&state, &nav, &FieldErrors::new(), &form, &[])
}

/// The form field a refusal of a new request is about.
fn new_request_field(refusal: &Refusal) -> &'static str {
    match refusal.field() {
        Some(Field::Reference) => "reference",
        Some(Field::GivenName) => "given_name",
        Some(Field::FamilyName) => "family_name",
        Some(Field::DateOfBirth) => "dob",
        Some(Field::RequestReasons) => "reasons",
        Some(Field::RequestSource) => "source",
        _ => "received",
    }
}

/// `POST /cases/new`.
async fn new_request<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    policy::can_list_cases(&user).ok_or(AppError::Forbidden)?;
    let form = FormData::parse(&headers, body)
        .await
        .map_err(|_| AppError::FormExpired)?;
    let typed = NewRequestForm::of(&form);
    let mut errors = FieldErrors::new();
    if typed.reference.is_empty() {
        errors.add("reference", "Enter a case reference");
    }
    if typed.given_name.is_empty() {
        errors.add("given_name", "Enter the child's given name");
    }
    if typed.family_name.is_empty() {
        errors.add("family_name", "Enter the child's family name");
    }
    let dob = form.date("dob", "the child's date of birth", &mut errors);
    let upn = (!typed.upn.is_empty())
        .then(|| Upn::parse(&typed.upn))
        .transpose()
        .map_err(|e| errors.add("upn", crate::features::cases::api::sentence(&e.to_string())))
        .ok()
        .flatten();
    let nhs_number = (!typed.nhs_number.is_empty())
        .then(|| NhsNumber::parse(&typed.nhs_number))
        .transpose()
        .map_err(|e| {
            errors.add(
                "nhs_number",
                crate::features::cases::api::sentence(&e.to_string()),
            )
        })
        .ok()
        .flatten();
    if !typed.parent_name.is_empty() && typed.parent_relationship.is_empty() {
        errors.add(
            "parent_relationship",
            "Enter the parent or carer's relationship to the child",
        );
    }
    let received = form.date("received", "the date the request was received", &mut errors);
    if typed.source.is_empty() {
        errors.add("source", "Select who made the request");
    }
    if typed.reasons.is_empty() {
        errors.add("reasons", "Enter the reasons for the request");
    }
    let school = if typed.school_urn.is_empty() && typed.school_name.is_empty() {
        None
    } else {
        let registered = if typed.school_urn.is_empty() {
            None
        } else {
            state.store.find_setting(&typed.school_urn).await?
        };
        let name = if typed.school_name.is_empty() {
            registered
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default()
        } else {
            typed.school_name.clone()
        };
        if name.is_empty() {
            errors.add(
                "school_name",
                "Enter the name of the school or setting: the URN is not in the register",
            );
        }
        Some(waymark_store::domain::case::Placement {
            urn: (!typed.school_urn.is_empty()).then(|| typed.school_urn.clone()),
            setting_code: None,
            name,
            placement_type: String::new(),
        })
    };
    let (Some(dob), Some(received), true) = (dob, received, errors.is_empty()) else {
        let html = render_new_request(&state, &nav, &errors, &typed, &[])?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    };
    // Possible duplicates: the same UPN, or the same name and date of birth.
    if !typed.confirm_duplicate {
        let mut found = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let searches = [
            upn.as_ref().map(|u| u.as_str().to_string()),
            Some(dob.format("%Y-%m-%d").to_string()),
        ];
        for search in searches.into_iter().flatten() {
            let page = state
                .store
                .caseload(
                    user.la(),
                    &CaseloadQuery {
                        search: Some(search),
                        include_closed: true,
                        limit: 50,
                        ..CaseloadQuery::default()
                    },
                )
                .await?;
            for item in page.items {
                let same_upn = upn.as_ref().map(|u| u.as_str()) == item.summary.upn.as_deref()
                    && upn.is_some();
                let same_person = item.summary.date_of_birth == Some(dob)
                    && item
                        .summary
                        .family_name
                        .eq_ignore_ascii_case(&typed.family_name)
                    && item
                        .summary
                        .given_name
                        .eq_ignore_ascii_case(&typed.given_name);
                if (same_upn || same_person) && seen.insert(item.id) {
                    found.push(context! {
                        id => item.id.0,
                        reference => item.reference,
                        name => format!("{} {}", item.summary.given_name, item.summary.family_name),
                        date_of_birth => item.summary.date_of_birth.map(uk_time::date),
                        stage => stage_label(&item.summary.stage).to_string(),
                        why => if same_upn { "Same UPN" } else { "Same name and date of birth" },
                    });
                }
            }
        }
        if !found.is_empty() {
            let mut errors = FieldErrors::new();
            errors.add(
                "confirm_duplicate",
                "This child may already have a case. Check the cases below, or confirm this is a new request",
            );
            let html = render_new_request(&state, &nav, &errors, &typed, &found)?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
        }
    }
    let parents = if typed.parent_name.is_empty() {
        Vec::new()
    } else {
        vec![ParentCarer {
            name: typed.parent_name.clone(),
            relationship: typed.parent_relationship.clone(),
            email: (!typed.parent_email.is_empty()).then(|| typed.parent_email.clone()),
            phone: (!typed.parent_phone.is_empty()).then(|| typed.parent_phone.clone()),
            contact_preference: if typed.parent_email.is_empty() {
                waymark_store::domain::case::ContactPreference::Phone
            } else {
                waymark_store::domain::case::ContactPreference::Email
            },
        }]
    };
    let new = NewRequest {
        reference: typed.reference.clone(),
        child: waymark_store::domain::case::Child {
            given_name: typed.given_name.clone(),
            family_name: typed.family_name.clone(),
            date_of_birth: dob,
            upn,
            uln: None,
            nhs_number,
            address: None,
            parents,
            school,
        },
        request: waymark_store::domain::case::Request {
            received,
            source: typed.source.clone(),
            reasons: typed.reasons.clone(),
        },
    };
    let by = waymark_app::cases::By {
        user: &user,
        ip: ip.0,
    };
    let opened: LoadedCase = match waymark_app::cases::open(&state.app, by, &new).await {
        Ok(opened) => opened,
        Err(waymark_app::Error::Refused(refusal)) => {
            let mut errors = FieldErrors::new();
            errors.add(
                new_request_field(&refusal),
                crate::features::cases::api::sentence(&refusal.to_string()),
            );
            let html = render_new_request(&state, &nav, &errors, &typed, &[])?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
        }
        Err(waymark_app::Error::Store(waymark_store::StoreError::DuplicateReference {
            ..
        })) => {
            let mut errors = FieldErrors::new();
            errors.add(
                "reference",
                "A case with this reference already exists: enter a different reference",
            );
            let html = render_new_request(&state, &nav, &errors, &typed, &[])?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
        }
        Err(err) => return Err(err.into()),
    };
    Ok(Redirect::to(&format!("/cases/{}?done=opened", opened.id.0)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_keys_read_as_words() {
        assert_eq!(stage_label("draft_served"), "Draft plan sent");
        assert_eq!(stage_label("something_new"), "something_new");
    }

    #[test]
    fn file_sizes_read_as_people_say_them() {
        assert_eq!(file_size(10), "1 KB");
        assert_eq!(file_size(2048), "2 KB");
        assert_eq!(file_size(3 * 1024 * 1024 / 2), "1.5 MB");
    }
}
