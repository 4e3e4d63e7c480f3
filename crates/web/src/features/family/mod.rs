//! The family's own pages: what a parent or carer, or a young person, sees of their case.
//! Plain English (short sentences, common words), one column that works on a phone, and
//! nothing internal: no caseworker notes, no history, no other child, no document that was not
//! sent to them. Every page asks [`policy::can_use_family_pages`] first, so another child's case
//! is not found (404) whatever id is typed, and staff or professionals are refused (403).
//!
//! - `GET /my-cases`: a family's home page, the cases they can see.
//! - `GET /my-cases/{id}`: where the request is (a list of steps), what happens next and by
//!   when (from the statutory clocks), what the council is waiting for, what they can do now,
//!   their caseworker's name and their messages, their letters and plans, and, after a "no" or
//!   a final plan, their right to mediation and appeal with their own dates.
//! - `GET /my-cases/{id}/documents/{doc}`: a letter or plan of their case, or a file they sent.
//! - Their views ("All about me", [`views`]) and their comments on the draft plan ([`draft`]),
//!   both saved as they type (`assets/src/autosave.js`).
//!
//! `GET /cases/{id}` sends a family here (`routes::cases`).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};
use waymark_store::documents::{Document, NewDocument};
use waymark_store::portal::Contribution;
use waymark_store::{CaseId, LaCode, Store};

use crate::audit::{self, Action as AuditAction, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::features::cases::case_id;
use crate::forms::{self, FormData, ScanVerdict, Upload};
use crate::policy::{self, FamilyCase};
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, uk_time};

pub mod draft;
pub mod progress;
pub mod views;

/// The family's routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/my-cases", home::<S>)
        .get("/my-cases/{id}", case_page::<S>)
        .get("/my-cases/{id}/documents/{doc}", document::<S>)
        .merge(views::routes())
        .merge(draft::routes())
}

/// The child's name as the family's pages use it.
fn full_name(case: &waymark_store::domain::case::Case) -> String {
    format!("{} {}", case.child.given_name, case.child.family_name)
}

/// `GET /my-cases`.
async fn home<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
) -> AppResult<Html<String>> {
    if user.role() != waymark_store::domain::actor::Role::Parent {
        return Err(AppError::Forbidden);
    }
    let mut cases = Vec::new();
    for id in state.store.cases_for_user(user.id()).await? {
        let Ok(family) = policy::can_use_family_pages(&state.store, &user, id).await else {
            continue;
        };
        let Ok(loaded) = family.load(&state.store).await else {
            continue;
        };
        audit::record(
            &state.store,
            &user,
            AuditAction::ViewCase,
            Record::Case(id),
            &ip,
        )
        .await?;
        cases.push(context! {
            id => id.0,
            name => full_name(&loaded.case),
            now => progress::now_label(&loaded.case),
        });
    }
    state
        .templates
        .render("family/home.html", &nav, context! { cases => cases })
}

/// `?done=...` after sending something: which banner to show.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Done {
    done: String,
}

/// A letter, plan or file the family may download, as listed.
#[derive(Debug, Serialize)]
pub(crate) struct DocumentLink {
    id: i64,
    title: String,
    filename: String,
    date: String,
    about: String,
}

impl DocumentLink {
    fn of(d: &waymark_store::documents::DocumentInfo) -> DocumentLink {
        DocumentLink {
            id: d.id,
            title: if d.version > 1 {
                format!("{} (version {})", d.title, d.version)
            } else {
                d.title.clone()
            },
            filename: d.filename.clone(),
            date: uk_time::date(uk_time::local(d.uploaded_at).date()),
            about: if d.content_type == "application/pdf" {
                format!("PDF, {}", size(d.size))
            } else {
                size(d.size)
            },
        }
    }
}

/// "1.2 MB", "34 KB".
fn size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// The caseworker's name (nothing else about them), if the case has one.
pub(crate) async fn caseworker_name<S: Store>(
    store: &S,
    la: &LaCode,
    case: &waymark_store::domain::case::Case,
) -> AppResult<Option<String>> {
    Ok(caseworker(store, la, case).await?.map(|u| u.name))
}

/// The case's caseworker's account, if the case has one in this LA.
pub(crate) async fn caseworker<S: Store>(
    store: &S,
    la: &LaCode,
    case: &waymark_store::domain::case::Case,
) -> AppResult<Option<waymark_store::User>> {
    let Some(id) = case
        .caseworker
        .as_deref()
        .and_then(|c| c.parse::<i64>().ok())
    else {
        return Ok(None);
    };
    Ok(store
        .find_user(waymark_store::UserId(id))
        .await?
        .filter(|u| &u.la == la))
}

/// `GET /my-cases/{id}`.
async fn case_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> AppResult<Html<String>> {
    let id = case_id(&id)?;
    let family = policy::can_use_family_pages(&state.store, &user, id).await?;
    let loaded = family.load(&state.store).await?;
    audit::record(
        &state.store,
        &user,
        AuditAction::ViewCase,
        Record::Case(id),
        &ip,
    )
    .await?;
    let case = &loaded.case;
    let today = state.app.today();
    let progress = progress::progress(case, today);
    let documents: Vec<_> = family
        .documents(&state.store)
        .await?
        .iter()
        .rev()
        .filter(|d| policy::FAMILY_DOCUMENT_KINDS.contains(&d.kind.as_str()))
        .map(DocumentLink::of)
        .collect();
    let unread = state
        .store
        .thread(user.la(), id, user.id())
        .await?
        .iter()
        .filter(|m| m.author_id != user.id() && m.read_at.is_none())
        .count();
    let views = mine(&state.store, &family, views::KIND).await?;
    let views_sent = last_sent(&views);
    state.templates.render(
        "family/case.html",
        &nav,
        context! {
            id => id.0,
            name => full_name(case),
            given_name => &case.child.given_name,
            reference => &case.reference,
            progress => Serde(&progress),
            caseworker => caseworker_name(&state.store, user.la(), case).await?,
            documents => Serde(&documents),
            unread => unread,
            messages_href => format!("/cases/{}/messages/{}", id.0, user.id().0),
            views_sent => views_sent.map(uk_time::date_and_time),
            done => match done.done.as_str() {
                "views" => Some("Thank you. We have your views."),
                "draft" => Some("Thank you. We have your comments on the draft plan."),
                _ => None,
            },
        },
    )
}

/// `GET /my-cases/{id}/documents/{doc}`.
async fn document<S: Store>(
    State(state): State<AppState<S>>,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, doc)): Path<(String, String)>,
) -> AppResult<Response> {
    let id = case_id(&id)?;
    let doc: i64 = doc.parse().map_err(|_| AppError::NotFound)?;
    let family = policy::can_use_family_pages(&state.store, &user, id).await?;
    let document = family.document(&state.store, doc).await?;
    audit::record(
        &state.store,
        &user,
        AuditAction::CaseCommand("download_document"),
        Record::Case(id),
        &ip,
    )
    .await?;
    Ok(download(document))
}

/// A stored document as a download.
pub(crate) fn download(document: Document) -> Response {
    crate::download::document(document)
}

/// Checks an uploaded file (type from its content, size, virus scan) and keeps it as a
/// document of the case. The message is for the page's error summary.
///
/// # Errors
/// `Ok(Err(message))` for a file that is refused; `Err` if the store failed.
pub(crate) async fn keep_upload<S: Store>(
    state: &AppState<S>,
    la: &LaCode,
    case: CaseId,
    user: &CurrentUser,
    upload: &Upload,
    kind: &str,
    title: &str,
) -> AppResult<Result<i64, String>> {
    let file_type = match forms::check_upload(upload) {
        Ok(file_type) => file_type,
        Err(message) => return Ok(Err(message)),
    };
    let verdict = match state.config.virus_scanner.scan(&upload.bytes).await {
        Ok(ScanVerdict::Infected) => {
            return Ok(Err("The selected file contains a virus".to_string()));
        }
        Ok(verdict) => verdict,
        Err(message) => return Ok(Err(message)),
    };
    let stored = state
        .store
        .add_document(
            la,
            NewDocument {
                case_id: case,
                kind: kind.to_string(),
                title: title.to_string(),
                filename: upload.filename.clone(),
                content_type: file_type.media_type().to_string(),
                scan: verdict.key().to_string(),
                content: upload.bytes.to_vec(),
                uploaded_by: user.id().to_string(),
                uploaded_at: Utc::now(),
            },
        )
        .await?;
    Ok(Ok(stored.id))
}

// ---------------------------------------------------------------------------------------------
// What the family writes: saved part by part as they type.

/// What the user has written of one kind on the case, by part.
pub(crate) async fn mine<S: Store>(
    store: &S,
    family: &FamilyCase<'_>,
    kind: &str,
) -> AppResult<HashMap<String, Contribution>> {
    Ok(store
        .contributions(family.la(), family.case_id(), kind)
        .await?
        .into_iter()
        .filter(|c| c.user_id == family.user().id())
        .map(|c| (c.part.clone(), c))
        .collect())
}

/// When what was written was last sent, if every part with text has been sent since it was
/// last changed.
pub(crate) fn last_sent(parts: &HashMap<String, Contribution>) -> Option<DateTime<Utc>> {
    let written: Vec<_> = parts
        .values()
        .filter(|c| !c.text.trim().is_empty())
        .collect();
    if written.is_empty() || written.iter().any(|c| c.submitted_at.is_none()) {
        return None;
    }
    written.iter().filter_map(|c| c.submitted_at).max()
}

/// Text as typed in a box, with Windows line ends made plain.
pub(crate) fn typed(form: &FormData, name: &str) -> String {
    form.raw(name).replace("\r\n", "\n").trim_end().to_string()
}

/// The longest answer kept (a few pages of writing).
pub(crate) const MAX_CHARS: usize = 20_000;

/// Saves one part as typed. A part saved again with the same text keeps its "sent" date; a
/// changed part is not sent until the family sends it again.
pub(crate) async fn save_part<S: Store>(
    store: &S,
    family: &FamilyCase<'_>,
    saved: &HashMap<String, Contribution>,
    kind: &str,
    part: &str,
    text: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let before = saved.get(part);
    if before.is_some_and(|c| c.text == text) || (before.is_none() && text.is_empty()) {
        return Ok(());
    }
    store
        .save_contribution(
            family.la(),
            &Contribution {
                case_id: family.case_id(),
                user_id: family.user().id(),
                kind: kind.to_string(),
                part: part.to_string(),
                text: text.to_string(),
                updated_at: now,
                submitted_at: None,
            },
        )
        .await?;
    Ok(())
}

/// Marks every part the user wrote of a kind as sent now.
pub(crate) async fn mark_sent<S: Store>(
    store: &S,
    family: &FamilyCase<'_>,
    kind: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for (_, mut part) in mine(store, family, kind).await? {
        part.submitted_at = Some(now);
        store.save_contribution(family.la(), &part).await?;
    }
    Ok(())
}

/// What an autosave answers: when the part was saved.
#[derive(Serialize)]
struct Autosaved {
    saved_at: String,
}

/// Saves the one part an autosave sends (`part`, `text`), if it is one of `parts`; answers
/// JSON with the time.
///
/// # Errors
/// An unknown part or too long a text (422), or the store failed.
pub(crate) async fn autosave<S: Store>(
    store: &S,
    family: &FamilyCase<'_>,
    kind: &str,
    parts: &[&str],
    form: &FormData,
) -> AppResult<Response> {
    let part = form.text("part");
    let mut errors = FieldErrors::new();
    if !parts.contains(&part.as_str()) {
        errors.add("part", "Choose a question to save");
        return Err(AppError::Validation(errors));
    }
    let text = typed(form, "text");
    if text.chars().count() > MAX_CHARS {
        errors.add(part, "Your answer must be 20,000 characters or fewer");
        return Err(AppError::Validation(errors));
    }
    let now = Utc::now();
    let saved = mine(store, family, kind).await?;
    save_part(store, family, &saved, kind, &part, &text, now).await?;
    let body = serde_json::to_string(&Autosaved {
        saved_at: uk_time::time(now),
    })
    .map_err(|_| AppError::Internal("json"))?;
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size(10), "1 KB");
        assert_eq!(size(3 * 1024 * 1024 / 2), "1.5 MB");
    }
}
