//! Every stage action on a case, as a form: `GET /cases/{id}/{action}` shows it and
//! `POST /cases/{id}/{action}` does it, for the actions in
//! [`waymark_store::domain::actions::Action`] (the plan editor has its own module,
//! [`super::plan`]).
//!
//! Each form carries the case's version as the user saw it. The change is made through
//! [`cases::run`] (the use case the API runs too), which runs the case rules (`decide`)
//! against that version and writes the change with its audit entry, letters and
//! notifications in one transaction: a case that
//! someone else changed in the meantime is refused as a conflict (409, the form shown again
//! with what was typed and a message saying what happened), a refusal of the rules shows
//! their words in the error summary (422), and nothing is written either way. An action the
//! case rules do not offer this user now is not shown (409 page saying so).
//!
//! Files (advice, evidence of an exception) are checked for size and type from their
//! content, passed to the virus-scan hook, and stored only once the change itself is known
//! to be allowed. Decisions and plans produce their letters and PDFs ([`crate::letters`]).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use minijinja::context;
use minijinja::value::{Serde, Value};
use waymark_app::Error;
use waymark_app::cases::{self, By};
use waymark_store::Store;
use waymark_store::cases::LoadedCase;
use waymark_store::documents::NewDocument;
use waymark_store::domain::actions::{self, Action};
use waymark_store::domain::actor::Role;
use waymark_store::domain::case::{
    AdviceKind, AnnualReview, Case, ClosureReason, Placement, ReviewOutcome,
};
use waymark_store::domain::clock::ExceptionKind;
use waymark_store::domain::codes::{CodeList, CodeLists};
use waymark_store::domain::command::{self, Command, Field, Refusal};

use crate::audit::{self, Action as AuditAction, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::features::cases::{actor, case_id};
use crate::forms::{self, FormData, ScanVerdict};
use crate::policy::{self, CaseWork};
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, uk_time};

/// The action routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/cases/{id}/{action}", page::<S>)
        .post_with_files("/cases/{id}/{action}", submit::<S>)
}

/// The actions whose form sends a file.
fn takes_file(action: Action) -> bool {
    matches!(action, Action::RecordAdvice | Action::RecordException)
}

fn options<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<Value> {
    items
        .into_iter()
        .map(|(value, label)| context! { value => value, label => label })
        .collect()
}

fn advice_kind_key(kind: AdviceKind) -> &'static str {
    match kind {
        AdviceKind::Education => "education",
        AdviceKind::EducationalPsychology => "educational_psychology",
        AdviceKind::Health => "health",
        AdviceKind::SocialCare => "social_care",
        AdviceKind::Other => "other",
    }
}

const ADVICE_KINDS: [AdviceKind; 5] = [
    AdviceKind::Education,
    AdviceKind::EducationalPsychology,
    AdviceKind::Health,
    AdviceKind::SocialCare,
    AdviceKind::Other,
];

fn exception_key(kind: ExceptionKind) -> &'static str {
    match kind {
        ExceptionKind::SchoolClosure => "school_closure",
        ExceptionKind::EarlyYearsClosure => "early_years_closure",
        ExceptionKind::ExceptionalPersonalCircumstances => "personal_circumstances",
        ExceptionKind::AbsentFromArea => "absent_from_area",
        ExceptionKind::MissedAppointment => "missed_appointment",
    }
}

/// A closure reason as the closing form offers it: its value and label.
fn closure_choice(reason: &ClosureReason) -> (&'static str, &'static str) {
    match reason {
        ClosureReason::Withdrawn => ("withdrawn", "The request was withdrawn"),
        ClosureReason::MovedAway => ("moved_away", "The family moved to another council's area"),
        ClosureReason::NoPlan => (
            "no_plan",
            "No plan: decided not to assess or not to issue, with no appeal",
        ),
        ClosureReason::Ceased { .. } => ("ceased", "The plan ceased"),
    }
}

/// What the form offers to choose from, for this case.
fn choices(case: &Case, caseworkers: &[(String, String)]) -> Value {
    let codes = CodeLists::current();
    let advice_open: Vec<_> = case
        .advice
        .iter()
        .filter(|a| a.received.is_none())
        .map(|a| {
            context! {
                value => a.number,
                label => format!("{} ({})", a.organisation, a.kind.label()),
                hint => format!("Requested {}", uk_time::date(a.requested)),
            }
        })
        .collect();
    let consultations_open: Vec<_> = case
        .consultations
        .iter()
        .filter(|c| c.responded.is_none())
        .map(|c| {
            context! {
                value => c.number,
                label => &c.setting.name,
                hint => format!("Consulted {}", uk_time::date(c.sent)),
            }
        })
        .collect();
    let agreed_schools: Vec<_> = case
        .consultations
        .iter()
        .filter(|c| c.agreed == Some(true))
        .map(|c| {
            context! {
                value => c.number,
                label => &c.setting.name,
                hint => c.setting.urn.as_ref().map(|u| format!("URN {u}")),
            }
        })
        .collect();
    let closure: Vec<_> = actions::closure_reasons(case)
        .iter()
        .map(closure_choice)
        .collect();
    let review_choice = |r: &AnnualReview, hint: String| {
        context! {
            value => r.number,
            label => format!("Annual review {}, meeting on {}", r.number, uk_time::date(r.meeting_on)),
            hint => hint,
        }
    };
    let due = |d: Result<chrono::NaiveDate, _>| d.map(uk_time::date).unwrap_or_default();
    // A new meeting waits for the last decision, so only the last review can be undecided.
    let reviews_to_decide: Vec<_> = case
        .last_review()
        .filter(|r| r.decision.is_none())
        .map(|r| {
            review_choice(
                r,
                format!(
                    "Decision due by {} (4 weeks after the meeting)",
                    due(r.decision_by())
                ),
            )
        })
        .into_iter()
        .collect();
    let reviews_to_amend: Vec<_> = case
        .reviews
        .iter()
        .filter(|r| r.amendments_sent.is_none())
        .filter_map(|r| {
            let d = r.decision.filter(|d| d.outcome == ReviewOutcome::Amend)?;
            Some(review_choice(
                r,
                format!("Decided to amend on {}", uk_time::date(d.on)),
            ))
        })
        .collect();
    let amended_plans_due: Vec<_> = case
        .reviews
        .iter()
        .filter(|r| r.amended_plan_issued.is_none())
        .filter_map(|r| {
            let sent = r.amendments_sent?;
            Some(review_choice(
                r,
                format!(
                    "Amendments sent {}; final amended plan due by {}",
                    uk_time::date(sent),
                    due(waymark_store::domain::clock::amended_plan_by(sent))
                ),
            ))
        })
        .collect();
    context! {
        review_outcomes => ReviewOutcome::ALL.iter().map(|o| context! { value => o.key(), label => o.label() }).collect::<Vec<_>>(),
        reviews_to_decide => reviews_to_decide,
        reviews_to_amend => reviews_to_amend,
        amended_plans_due => amended_plans_due,
        annual_review_by => case.next_review_by().and_then(Result::ok).map(uk_time::date),
        advice_kinds => ADVICE_KINDS.iter().map(|k| context! { value => advice_kind_key(*k), label => k.label() }).collect::<Vec<_>>(),
        exception_kinds => ExceptionKind::ALL.iter().map(|k| context! { value => exception_key(*k), label => k.label() }).collect::<Vec<_>>(),
        placement_types => options(codes.entries(CodeList::PlacementType)),
        setting_codes => options(codes.entries(CodeList::SettingCode)),
        cease_reasons => options(codes.entries(CodeList::CeaseReason)),
        closure_reasons => options(closure),
        advice_open => advice_open,
        consultations_open => consultations_open,
        agreed_schools => agreed_schools,
        caseworkers => caseworkers.iter().map(|(id, name)| context! { value => id, label => name }).collect::<Vec<_>>(),
        latest_version => case.latest_plan().map(|v| v.version),
        requested_school => &case.requested_school,
        representations_by => case.served_draft().and_then(|v| v.served_on).and_then(|s| waymark_store::domain::clock::representations_by(s).ok()).map(uk_time::date),
    }
}

/// The page for one action: the form, with what was typed and any errors.
struct Form<'a> {
    action: Action,
    work: &'a CaseWork<'a>,
    loaded: &'a LoadedCase,
    /// The version the user is working from (the form's hidden field).
    version: i64,
    values: FormData,
    errors: FieldErrors,
    conflict: bool,
}

async fn caseworkers<S: Store>(store: &S, user: &CurrentUser) -> AppResult<Vec<(String, String)>> {
    Ok(store
        .list_users(user.la())
        .await?
        .into_iter()
        .filter(|u| u.role == Role::Caseworker && !u.disabled)
        .map(|u| (u.id.to_string(), u.name))
        .collect())
}

async fn render<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    user: &CurrentUser,
    form: Form<'_>,
) -> AppResult<Response> {
    let case = &form.loaded.case;
    let caseworkers = if form.action == Action::Allocate {
        caseworkers(&state.store, user).await?
    } else {
        Vec::new()
    };
    let today = state.app.today();
    let date = |name: &str| {
        let (d, m, y) = form.values.date_parts(name);
        vec![d, m, y]
    };
    let dates: HashMap<&str, Vec<String>> = ["on", "from", "to"]
        .into_iter()
        .map(|name| (name, date(name)))
        .collect();
    let values: HashMap<&str, String> = [
        "yes",
        "reasons",
        "kind",
        "organisation",
        "number",
        "note",
        "text",
        "school_urn",
        "school_name",
        "placement_type",
        "setting_code",
        "agreed",
        "requested_school",
        "consultation",
        "caseworker",
        "reason",
        "cease_reason",
        "outcome",
    ]
    .into_iter()
    .map(|name| (name, form.values.text(name)))
    .collect();
    let html = state.templates.render(
        "actions/form.html",
        nav,
        context! {
            id => form.work.case_id().0,
            action => form.action.key(),
            title => form.action.label(),
            name => format!("{} {}", case.child.given_name, case.child.family_name),
            reference => &case.reference,
            stage => case.stage.label(),
            // After a conflict the user has been told what happened: a second try is made on
            // the case as it is now, with what they typed.
            version => if form.conflict { form.loaded.version } else { form.version },
            multipart => takes_file(form.action),
            errors => Serde(&form.errors),
            conflict => form.conflict,
            v => Serde(values),
            dates => Serde(dates),
            c => choices(case, &caseworkers),
            today => uk_time::date(today),
        },
    )?;
    let status = if form.conflict {
        StatusCode::CONFLICT
    } else if form.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

/// The action named in the path, if the case rules offer it to this user now.
fn offered(
    action: &str,
    loaded: &LoadedCase,
    user: &CurrentUser,
    today: chrono::NaiveDate,
) -> AppResult<Action> {
    let action = Action::from_key(action).ok_or(AppError::NotFound)?;
    if action == Action::EditPlan {
        // The plan editor has its own page.
        return Err(AppError::NotFound);
    }
    if actions::available(&loaded.case, &actor(user), today).contains(&action) {
        Ok(action)
    } else {
        Err(AppError::Refused(format!(
            "You cannot {} now: the case is at '{}'",
            action.label().to_lowercase(),
            loaded.case.stage.label()
        )))
    }
}

/// A page saying the action cannot be done now, with a link back to the case.
async fn not_now<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    id: i64,
    message: &str,
) -> AppResult<Response> {
    let html = state.templates.render(
        "actions/form.html",
        nav,
        context! { id => id, not_now => message, title => "You cannot do this now" },
    )?;
    Ok((StatusCode::CONFLICT, html).into_response())
}

/// `GET /cases/{id}/{action}`.
async fn page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, action)): Path<(String, String)>,
) -> AppResult<Response> {
    let id = case_id(&id)?;
    let work = policy::can_work_on_case(&state.store, &user, id).await?;
    let loaded = work.load(&state.store).await?;
    audit::record(
        &state.store,
        &user,
        AuditAction::ViewCase,
        Record::Case(id),
        &ip,
    )
    .await?;
    let action = match offered(&action, &loaded, &user, state.app.today()) {
        Ok(action) => action,
        Err(AppError::Refused(message)) => return not_now(&state, &nav, id.0, &message).await,
        Err(other) => return Err(other),
    };
    let mut values = FormData::default();
    let today = state.app.today();
    for name in ["on", "from"] {
        values.set(&format!("{name}-day"), today.format("%-d").to_string());
        values.set(&format!("{name}-month"), today.format("%-m").to_string());
        values.set(&format!("{name}-year"), today.format("%Y").to_string());
    }
    if action == Action::IssueFinalPlan {
        if let Some(school) = &loaded.case.requested_school {
            values.set("school_name", school.clone());
        }
    }
    let form = Form {
        action,
        work: &work,
        loaded: &loaded,
        version: loaded.version,
        values,
        errors: FieldErrors::new(),
        conflict: false,
    };
    render(&state, &nav, &user, form).await
}

fn yes_no(form: &FormData, errors: &mut FieldErrors, message: &str) -> Option<bool> {
    match form.text("yes").as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.add("yes", message);
            None
        }
    }
}

fn number(form: &FormData, name: &str, errors: &mut FieldErrors, message: &str) -> Option<u32> {
    let n = form.text(name).parse().ok();
    if n.is_none() {
        errors.add(name, message);
    }
    n
}

/// A placement from the form: a school consulted that agreed, or a URN / setting code typed.
async fn placement<S: Store>(
    store: &S,
    form: &FormData,
    case: &Case,
    errors: &mut FieldErrors,
) -> AppResult<Option<Placement>> {
    if let Ok(number) = form.text("consultation").parse::<u32>() {
        if let Some(c) = case.consultations.iter().find(|c| c.number == number) {
            return Ok(Some(c.setting.clone()));
        }
    }
    let urn = form.text("school_urn");
    let code = form.text("setting_code");
    let mut name = form.text("school_name");
    if urn.is_empty() && code.is_empty() {
        errors.add(
            "school_urn",
            "Enter the school's URN, or choose a setting code where it has none",
        );
        return Ok(None);
    }
    if name.is_empty() && !urn.is_empty() {
        if let Some(setting) = store.find_setting(&urn).await? {
            name = setting.name;
        }
    }
    if name.is_empty() {
        errors.add("school_name", "Enter the name of the school or setting");
    }
    let placement_type = form.text("placement_type");
    if placement_type.is_empty() {
        errors.add("placement_type", "Select the type of placement");
    }
    Ok(Some(Placement {
        urn: (!urn.is_empty()).then_some(urn),
        setting_code: (!code.is_empty()).then_some(code),
        name,
        placement_type,
    }))
}

/// The command the form asks for, or the mistakes in it.
async fn command_from<S: Store>(
    store: &S,
    action: Action,
    form: &FormData,
    case: &Case,
    la: &waymark_store::LaCode,
) -> AppResult<Result<Command, FieldErrors>> {
    let mut e = FieldErrors::new();
    let command = match action {
        Action::DecideWhetherToAssess | Action::DecideWhetherToIssue => {
            let yes = yes_no(form, &mut e, "Select yes or no");
            let on = form.date("on", "the date of the decision", &mut e);
            let reasons = form.text("reasons");
            if yes == Some(false) && reasons.is_empty() {
                e.add(
                    "reasons",
                    "Enter the reasons for the decision: the family can appeal against it",
                );
            }
            match (yes, on) {
                (Some(yes), Some(on)) if action == Action::DecideWhetherToAssess => {
                    Some(Command::DecideWhetherToAssess { on, yes, reasons })
                }
                (Some(yes), Some(on)) => Some(Command::DecideWhetherToIssue { on, yes, reasons }),
                _ => None,
            }
        }
        Action::RequestAdvice => {
            let kind = ADVICE_KINDS
                .into_iter()
                .find(|k| advice_kind_key(*k) == form.text("kind"));
            if kind.is_none() {
                e.add("kind", "Select who the advice is from");
            }
            let organisation = form.text("organisation");
            if organisation.is_empty() {
                e.add("organisation", "Enter the organisation asked for advice");
            }
            let on = form.date("on", "the date advice was requested", &mut e);
            match (kind, on) {
                (Some(kind), Some(on)) => Some(Command::RequestAdvice {
                    kind,
                    organisation,
                    on,
                }),
                _ => None,
            }
        }
        Action::RecordAdvice => {
            let number = number(form, "number", &mut e, "Select which advice arrived");
            let on = form.date("on", "the date the advice was received", &mut e);
            match (number, on) {
                (Some(number), Some(on)) => Some(Command::RecordAdviceReceived {
                    number,
                    on,
                    document: None,
                }),
                _ => None,
            }
        }
        Action::RecordException => {
            let kind = ExceptionKind::ALL
                .into_iter()
                .find(|k| exception_key(*k) == form.text("kind"));
            if kind.is_none() {
                e.add("kind", "Select the reason for the exception");
            }
            let from = form.date("from", "the first day of the exception", &mut e);
            let to = form.optional_date("to", "the last day of the exception", &mut e);
            let note = form.text("note");
            if note.is_empty() {
                e.add("note", "Enter what happened");
            }
            match (kind, from) {
                (Some(kind), Some(from)) => Some(Command::RecordException {
                    kind,
                    from,
                    to,
                    note,
                }),
                _ => None,
            }
        }
        Action::ServeDraft => {
            let on = form.date("on", "the date the draft was sent", &mut e);
            let version = number(form, "plan_version", &mut e, "Select the version to send");
            match (on, version) {
                (Some(on), Some(version)) => Some(Command::ServeDraft { version, on }),
                _ => None,
            }
        }
        Action::RecordRepresentations => {
            let on = form.date("on", "the date of the family's comments", &mut e);
            let requested = form.text("requested_school");
            on.map(|on| Command::RecordRepresentations {
                on,
                requested_school: (!requested.is_empty()).then_some(requested),
            })
        }
        Action::ConsultSchool => {
            let setting = placement(store, form, case, &mut e).await?;
            let on = form.date("on", "the date of the consultation", &mut e);
            match (setting, on) {
                (Some(setting), Some(on)) => Some(Command::ConsultSchool { setting, on }),
                _ => None,
            }
        }
        Action::RecordConsultationResponse => {
            let number = number(form, "number", &mut e, "Select which school answered");
            let on = form.date("on", "the date of the answer", &mut e);
            let agreed = match form.text("agreed").as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => {
                    e.add(
                        "agreed",
                        "Select whether the school can meet the child's needs",
                    );
                    None
                }
            };
            match (number, on, agreed) {
                (Some(number), Some(on), Some(agreed)) => {
                    Some(Command::RecordConsultationResponse { number, on, agreed })
                }
                _ => None,
            }
        }
        Action::IssueFinalPlan => {
            let placement = placement(store, form, case, &mut e).await?;
            let on = form.date("on", "the date the plan was issued", &mut e);
            let version = number(form, "plan_version", &mut e, "Select the version to issue");
            match (placement, on, version) {
                (Some(placement), Some(on), Some(version)) => Some(Command::IssueFinalPlan {
                    version,
                    on,
                    placement,
                }),
                _ => None,
            }
        }
        Action::RecordReviewMeeting => form
            .date("on", "the date of the review meeting", &mut e)
            .map(|on| Command::RecordReviewMeeting { on }),
        Action::DecideAfterReview => {
            let number = number(form, "number", &mut e, "Select which review");
            let outcome = ReviewOutcome::from_key(&form.text("outcome"));
            if outcome.is_none() {
                e.add(
                    "outcome",
                    "Select whether to maintain, amend or cease the plan",
                );
            }
            let on = form.date("on", "the date of the decision", &mut e);
            let reasons = form.text("reasons");
            if outcome == Some(ReviewOutcome::Cease) && reasons.is_empty() {
                e.add(
                    "reasons",
                    "Enter the reasons for ceasing to maintain the plan",
                );
            }
            match (number, outcome, on) {
                (Some(number), Some(outcome), Some(on)) => Some(Command::DecideAfterReview {
                    number,
                    on,
                    outcome,
                    reasons,
                }),
                _ => None,
            }
        }
        Action::SendProposedAmendments => {
            let number = number(form, "number", &mut e, "Select which review");
            let on = form.date("on", "the date the amendments were sent", &mut e);
            match (number, on) {
                (Some(number), Some(on)) => Some(Command::SendProposedAmendments { number, on }),
                _ => None,
            }
        }
        Action::IssueAmendedPlan => {
            let number = number(form, "number", &mut e, "Select which review");
            let on = form.date("on", "the date the amended plan was issued", &mut e);
            match (number, on) {
                (Some(number), Some(on)) => Some(Command::IssueAmendedPlan { number, on }),
                _ => None,
            }
        }
        Action::AddNote => {
            let text = form.text("text");
            if text.is_empty() {
                e.add("text", "Enter the note");
            } else if text.chars().count() > command::MAX_NOTE_CHARS {
                e.add("text", "The note must be 10,000 characters or fewer");
            }
            Some(Command::AddNote { text })
        }
        Action::Allocate => {
            let caseworker = form.text("caseworker");
            let known = !caseworker.is_empty()
                && store
                    .list_users(la)
                    .await?
                    .iter()
                    .any(|u| u.id.to_string() == caseworker && u.role == Role::Caseworker);
            if caseworker.is_empty() {
                e.add("caseworker", "Select a caseworker");
            } else if !known {
                e.add("caseworker", "Select a caseworker of this council");
            }
            let note = form.text("note");
            Some(Command::AllocateCaseworker {
                caseworker,
                note: (!note.is_empty()).then_some(note),
            })
        }
        Action::Close => {
            let on = form.date("on", "the date the case closed", &mut e);
            let reason = match form.text("reason").as_str() {
                "withdrawn" => Some(ClosureReason::Withdrawn),
                "moved_away" => Some(ClosureReason::MovedAway),
                "no_plan" => Some(ClosureReason::NoPlan),
                "ceased" => {
                    let code = form.text("cease_reason");
                    if code.is_empty() {
                        e.add("cease_reason", "Select why the plan ceased");
                    }
                    Some(ClosureReason::Ceased { cease_reason: code })
                }
                _ => {
                    e.add("reason", "Select why the case is closing");
                    None
                }
            };
            match (on, reason) {
                (Some(on), Some(reason)) => Some(Command::CloseCase { on, reason }),
                _ => None,
            }
        }
        Action::EditPlan => None,
    };
    Ok(match command {
        Some(command) if e.is_empty() => Ok(command),
        _ => Err(e),
    })
}

/// The form field a refusal of the case rules is about (its typed [`Field`]), so its words
/// appear beside it; for a refusal about the case rather than an input, the action's main
/// field.
fn refusal_field(action: Action, refusal: &Refusal) -> &'static str {
    match refusal.field() {
        Some(Field::On) => "on",
        Some(Field::From) => "from",
        Some(Field::To) => "to",
        Some(Field::Reasons) => "reasons",
        Some(Field::Number) => "number",
        Some(Field::Version) => "plan_version",
        Some(Field::Caseworker) => "caseworker",
        Some(Field::Organisation) => "organisation",
        Some(Field::Note) => "note",
        Some(Field::Text) => "text",
        Some(Field::ClosureReason) => "reason",
        Some(Field::CeaseReason) => "cease_reason",
        Some(Field::PlacementName) => "school_name",
        Some(Field::PlacementUrn) => "school_urn",
        Some(Field::SettingCode) => "setting_code",
        Some(Field::PlacementType) => "placement_type",
        _ => match action {
            Action::RecordException => "kind",
            Action::ConsultSchool | Action::IssueFinalPlan => "school_urn",
            Action::Allocate => "caseworker",
            Action::AddNote => "text",
            Action::Close => "reason",
            Action::RecordAdvice | Action::RecordConsultationResponse => "number",
            _ => "on",
        },
    }
}

/// Checks and stores the file sent with the form, as the next version of its title.
/// `Ok(None)` when no file was sent.
#[allow(clippy::too_many_arguments)]
async fn store_file<S: Store>(
    state: &AppState<S>,
    work: &CaseWork<'_>,
    user: &CurrentUser,
    form: &FormData,
    kind: &str,
    title: String,
    errors: &mut FieldErrors,
) -> AppResult<Option<i64>> {
    let Some(upload) = form.file("file") else {
        return Ok(None);
    };
    let file_type = match forms::check_upload(upload) {
        Ok(file_type) => file_type,
        Err(message) => {
            errors.add("file", message);
            return Ok(None);
        }
    };
    let verdict = match state.config.virus_scanner.scan(&upload.bytes).await {
        Ok(ScanVerdict::Infected) => {
            errors.add("file", "The selected file contains a virus");
            return Ok(None);
        }
        Ok(verdict) => verdict,
        Err(message) => {
            errors.add("file", message);
            return Ok(None);
        }
    };
    let stored = state
        .store
        .add_document(
            work.la(),
            NewDocument {
                case_id: work.case_id(),
                kind: kind.to_string(),
                title,
                filename: upload.filename.clone(),
                content_type: file_type.media_type().to_string(),
                scan: verdict.key().to_string(),
                content: upload.bytes.to_vec(),
                uploaded_by: user.id().to_string(),
                uploaded_at: Utc::now(),
            },
        )
        .await?;
    Ok(Some(stored.id))
}

/// `POST /cases/{id}/{action}`.
async fn submit<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let id = case_id(&id)?;
    let work = policy::can_work_on_case(&state.store, &user, id).await?;
    let loaded = work.load(&state.store).await?;
    let form = FormData::parse(&headers, body)
        .await
        .map_err(|_| AppError::FormExpired)?;
    let version: i64 = form.text("version").parse().unwrap_or(-1);
    let action = match offered(&action, &loaded, &user, state.app.today()) {
        Ok(action) => action,
        // Someone else moved the case on since this form was loaded.
        Err(AppError::Refused(_)) if version != loaded.version => {
            let action = Action::from_key(&action).ok_or(AppError::NotFound)?;
            let form = Form {
                action,
                work: &work,
                loaded: &loaded,
                version,
                values: form,
                errors: FieldErrors::new(),
                conflict: true,
            };
            return render(&state, &nav, &user, form).await;
        }
        Err(AppError::Refused(message)) => return not_now(&state, &nav, id.0, &message).await,
        Err(other) => return Err(other),
    };
    let today = state.app.today();
    let mut command =
        match command_from(&state.store, action, &form, &loaded.case, user.la()).await? {
            Ok(command) => command,
            Err(errors) => {
                let form = Form {
                    action,
                    work: &work,
                    loaded: &loaded,
                    version,
                    values: form,
                    errors,
                    conflict: false,
                };
                return render(&state, &nav, &user, form).await;
            }
        };
    let refused = |refusal: Refusal, form: FormData| {
        let mut errors = FieldErrors::new();
        errors.add(
            refusal_field(action, &refusal),
            crate::features::cases::api::sentence(&refusal.to_string()),
        );
        Form {
            action,
            work: &work,
            loaded: &loaded,
            version,
            values: form,
            errors,
            conflict: false,
        }
    };
    if version != loaded.version {
        let form = Form {
            action,
            work: &work,
            loaded: &loaded,
            version,
            values: form,
            errors: FieldErrors::new(),
            conflict: true,
        };
        return render(&state, &nav, &user, form).await;
    }
    // The file is stored only once the change is known to be allowed.
    if takes_file(action) && form.file("file").is_some() {
        if let Err(refusal) = command::decide(&loaded.case, &command, &actor(&user), today) {
            return render(&state, &nav, &user, refused(refusal, form)).await;
        }
        let mut errors = FieldErrors::new();
        let title = match &command {
            Command::RecordAdviceReceived { number, .. } => loaded
                .case
                .advice
                .iter()
                .find(|a| a.number == *number)
                .map_or_else(
                    || "Advice".to_string(),
                    |a| format!("Advice from {}", a.organisation),
                ),
            _ => "Evidence for an exception".to_string(),
        };
        let kind = if action == Action::RecordAdvice {
            "advice"
        } else {
            "evidence"
        };
        let stored = store_file(&state, &work, &user, &form, kind, title, &mut errors).await?;
        if !errors.is_empty() {
            let form = Form {
                action,
                work: &work,
                loaded: &loaded,
                version,
                values: form,
                errors,
                conflict: false,
            };
            return render(&state, &nav, &user, form).await;
        }
        if let (Command::RecordAdviceReceived { document, .. }, Some(stored)) =
            (&mut command, stored)
        {
            *document = Some(stored.to_string());
        }
    }
    let by = By {
        user: &user,
        ip: ip.0,
    };
    match cases::run(&state.app, by, id, version, &command, None).await {
        Ok(_) => {}
        Err(Error::Refused(refusal)) => {
            return render(&state, &nav, &user, refused(refusal, form)).await;
        }
        Err(Error::Conflict) => {
            let form = Form {
                action,
                work: &work,
                loaded: &loaded,
                version,
                values: form,
                errors: FieldErrors::new(),
                conflict: true,
            };
            return render(&state, &nav, &user, form).await;
        }
        Err(other) => return Err(other.into()),
    }
    Ok(Redirect::to(&format!("/cases/{}?done={}", id.0, action.key())).into_response())
}
