//! One advice request, as the professional asked sees it: `GET|POST /advice/{id}/{number}`
//! (the request, and sending the advice with its summary) and
//! `POST /advice/{id}/{number}/decline`. See [`super`] for the rules.

use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};
use waymark_store::cases::LoadedCase;
use waymark_store::documents::NewDocument;
use waymark_store::domain::clock;
use waymark_store::domain::command::{self, Command};
use waymark_store::portal::Contribution;
use waymark_store::{CaseId, Store};

use super::{child_name, desk, due, refused, request_path, run};
use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::features::cases::{actor, stage_label};
use crate::forms::{self, FormData, ScanVerdict};
use crate::policy::AgencyDesk;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, uk_time};

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
pub(super) struct RequestValues {
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
    let today = state.app.today();
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
pub(super) async fn request_advice_page<S: Store>(
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

/// `POST /advice/{id}/{number}` (multipart): the advice and its summary.
pub(super) async fn send_advice<S: Store>(
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
    let today = state.app.today();
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
    match run(&state, &user, &ip, &loaded, &command, None).await? {
        Ok(_) => {}
        Err(message) => {
            errors.add("file", message);
            return render_request(&state, &nav, &loaded, number, &values, &errors).await;
        }
    };
    save_summary(&state, &user, id, number, &values, true).await?;
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
pub(super) async fn decline<S: Store>(
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
    match run(&state, &user, &ip, &loaded, &command, None).await? {
        Ok(_) => {}
        Err(message) => {
            errors.add("reason", message);
            return render_request(&state, &nav, &loaded, number, &values, &errors).await;
        }
    };
    Ok(Redirect::to("/advice?done=declined").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_parts_are_kept_per_request() {
        assert_eq!(summary_part(2, "needs"), "2:needs");
        let mut values = RequestValues::default();
        *values.part_mut("provision") = "Speech therapy weekly".into();
        assert_eq!(values.part("provision"), "Speech therapy weekly");
        assert_eq!(values.part("needs"), "");
    }
}
