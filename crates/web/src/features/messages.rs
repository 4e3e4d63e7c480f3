//! Messages on a case between the council and the people outside it: one thread per
//! participant (a parent or carer, a young person, a professional), kept with the case.
//!
//! - `GET /cases/{id}/messages`: LA staff see every thread of the case (with each person who
//!   can see the case, or could when they wrote); a participant is sent to their own thread.
//! - `GET /cases/{id}/messages/{participant}`: the thread, oldest first, each message with
//!   its attachment and, for the sender, when the other side read it. Opening it marks the
//!   other side's messages read. Staff reading a family's thread also see the views and
//!   comments on the draft the family has sent.
//! - `POST /cases/{id}/messages/{participant}`: sends a message, with an optional file (checked
//!   as every upload is, kept as a case document of kind `message`), and queues a
//!   `message_received` notification to the other side: the participant, or the case's
//!   caseworker (a case with no caseworker yet shows the unread count to every caseworker on
//!   its page).
//! - `GET /cases/{id}/messages/{participant}/files/{doc}`: a file attached to a message of
//!   that thread (and no other document).
//!
//! Who may open which thread is [`policy::can_open_thread`]: a participant reaches only their
//! own, on a case they may see now; any other id is "not found".

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};
use waymark_store::domain::actor::Role;
use waymark_store::{CaseAccess, CaseId, LaCode, Store, UserId};

use crate::audit::{self, Action as AuditAction, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::features::cases::{case_id, user_names};
use crate::features::family;
use crate::forms::FormData;
use crate::notices;
use crate::policy::{self, Reach, Side, Thread};
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, uk_time};

/// The longest message kept.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// The kind of document a message's attachment is kept as.
pub const ATTACHMENT_KIND: &str = "message";

/// The message routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/cases/{id}/messages", threads::<S>)
        .get("/cases/{id}/messages/{participant}", thread::<S>)
        .post_with_files("/cases/{id}/messages/{participant}", send::<S>)
        .get(
            "/cases/{id}/messages/{participant}/files/{doc}",
            attachment::<S>,
        )
}

/// A participant's number from the path: a malformed one is just a page that does not exist.
fn participant_id(raw: &str) -> AppResult<UserId> {
    raw.parse::<i64>()
        .map(UserId)
        .map_err(|_| AppError::NotFound)
}

/// A relation to a case in words.
fn relation_label(relation: &str) -> &'static str {
    match relation {
        CaseAccess::PARENT => "Parent, carer or young person",
        CaseAccess::ADVICE => "Asked for advice",
        CaseAccess::NAMED => "Named in the plan",
        _ => "No longer has access",
    }
}

/// The case page's summary of its messages (LA staff): how many threads, how many messages
/// the council has not read, and where they are.
///
/// # Errors
/// The store failed.
pub(crate) async fn case_summary<S: Store>(
    store: &S,
    la: &LaCode,
    case: CaseId,
) -> AppResult<minijinja::Value> {
    let threads = store.threads(la, case).await?;
    Ok(context! {
        href => format!("/cases/{}/messages", case.0),
        count => threads.len(),
        unread => threads.iter().map(|t| t.unread_by_council).sum::<i64>(),
    })
}

/// `GET /cases/{id}/messages`.
async fn threads<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = case_id(&id)?;
    let view = policy::can_view_case(&state.store, &user, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if view.reach() != Reach::Staff {
        return Ok(
            Redirect::to(&format!("/cases/{}/messages/{}", id.0, user.id().0)).into_response(),
        );
    }
    let loaded = view.load(&state.store).await?;
    audit::record(
        &state.store,
        &user,
        AuditAction::ViewMessages,
        Record::Case(id),
        &ip,
    )
    .await?;
    let summaries: HashMap<UserId, _> = state
        .store
        .threads(user.la(), id)
        .await?
        .into_iter()
        .map(|t| (t.participant_id, t))
        .collect();
    let access = state.store.case_participants(user.la(), id).await?;
    // Everyone who can see the case now, then anyone else a thread was with.
    let mut people: Vec<(UserId, &'static str)> = Vec::new();
    for a in &access {
        if !people.iter().any(|(p, _)| *p == a.user_id) {
            people.push((a.user_id, relation_label(&a.relation)));
        }
    }
    for participant in summaries.keys() {
        if !people.iter().any(|(p, _)| p == participant) {
            people.push((*participant, relation_label("")));
        }
    }
    let mut rows = Vec::new();
    for (participant, relation) in people {
        let Some(person) = state.store.find_user(participant).await? else {
            continue;
        };
        if &person.la != user.la() || person.role.is_la_staff() {
            continue;
        }
        let summary = summaries.get(&participant);
        rows.push(context! {
            href => format!("/cases/{}/messages/{}", id.0, participant.0),
            name => person.name,
            organisation => person.organisation,
            relation => relation,
            messages => summary.map_or(0, |s| s.messages),
            unread => summary.map_or(0, |s| s.unread_by_council),
            last => summary.map(|s| uk_time::date_and_time(s.last_at)),
        });
    }
    let case = &loaded.case;
    let html = state.templates.render(
        "messages/threads.html",
        &nav,
        context! {
            id => id.0,
            name => format!("{} {}", case.child.given_name, case.child.family_name),
            reference => &case.reference,
            threads => rows,
        },
    )?;
    Ok(html.into_response())
}

/// One message as the thread shows it.
#[derive(Serialize)]
struct MessageRow {
    id: i64,
    mine: bool,
    council: bool,
    who: String,
    sent: String,
    body: String,
    file: Option<FileLink>,
    read: Option<String>,
}

/// An attachment's link.
#[derive(Serialize)]
struct FileLink {
    href: String,
    name: String,
}

/// `?sent=1` after sending.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Sent {
    sent: String,
}

async fn render<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    user: &CurrentUser,
    access: &Thread<'_>,
    body: &str,
    errors: &FieldErrors,
    sent: bool,
) -> AppResult<Response> {
    let loaded = access.load(&state.store).await?;
    let case = &loaded.case;
    let id = access.case_id();
    let participant = access.participant();
    let council = access.side() == Side::Council;
    let names = user_names(&state.store, user).await?;
    let base = format!("/cases/{}/messages/{}", id.0, participant.id.0);
    let documents: HashMap<i64, String> = state
        .store
        .documents(user.la(), id)
        .await?
        .into_iter()
        .filter(|d| d.kind == ATTACHMENT_KIND)
        .map(|d| (d.id, d.filename))
        .collect();
    let messages: Vec<_> = access
        .messages(&state.store)
        .await?
        .into_iter()
        .map(|m| {
            let by_council = m.author_id != m.participant_id;
            let mine = by_council == council;
            MessageRow {
                id: m.id,
                mine,
                council: by_council,
                who: if m.author_id == user.id() {
                    "You".to_string()
                } else if by_council {
                    match names.get(&m.author_id.to_string()) {
                        Some(name) if council => name.clone(),
                        Some(name) => format!("{name}, {}", state.config.la_name),
                        None => state.config.la_name.clone(),
                    }
                } else {
                    participant.name.clone()
                },
                sent: uk_time::date_and_time(m.sent_at),
                body: m.body,
                file: m.document_id.map(|doc| FileLink {
                    href: format!("{base}/files/{doc}"),
                    name: documents
                        .get(&doc)
                        .cloned()
                        .unwrap_or_else(|| "Attached file".to_string()),
                }),
                read: m.read_at.map(uk_time::date_and_time).filter(|_| mine),
            }
        })
        .collect();
    // Staff reading a family's thread see what the family has sent them.
    let sent_by_family = if council && participant.role == Role::Parent {
        family_contributions(&state.store, user.la(), id, participant.id).await?
    } else {
        Vec::new()
    };
    let back = match (access.side(), participant.role) {
        (Side::Council, _) => format!("/cases/{}/messages", id.0),
        (Side::Participant, Role::Parent) => format!("/my-cases/{}", id.0),
        (Side::Participant, _) => format!("/cases/{}", id.0),
    };
    let html = state.templates.render(
        "messages/thread.html",
        nav,
        context! {
            action => base,
            back => back,
            council => council,
            family => participant.role == Role::Parent,
            name => format!("{} {}", case.child.given_name, case.child.family_name),
            given_name => &case.child.given_name,
            with => &participant.name,
            organisation => &participant.organisation,
            open => access.open(),
            messages => Serde(&messages),
            contributions => sent_by_family,
            body => body,
            errors => Serde(errors),
            sent => sent,
        },
    )?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

/// What a family has sent the council on a case: their views and their comments on the draft,
/// sent parts only, question by question.
async fn family_contributions<S: Store>(
    store: &S,
    la: &LaCode,
    case: CaseId,
    participant: UserId,
) -> AppResult<Vec<minijinja::Value>> {
    let mut out = Vec::new();
    let views: Vec<(&str, String)> = family::views::QUESTIONS
        .iter()
        .map(|(key, question, _)| (*key, (*question).to_string()))
        .collect();
    let comments: Vec<(&str, String)> = family::draft::SECTIONS
        .iter()
        .map(|(key, letter, heading)| (*key, format!("Section {letter}: {heading}")))
        .chain([(
            family::draft::SCHOOL,
            "School or college asked for".to_string(),
        )])
        .collect();
    let groups = [
        (family::views::KIND, "Their views (All about me)", views),
        (
            family::draft::KIND,
            "Their comments on the draft plan",
            comments,
        ),
    ];
    for (kind, title, parts) in groups {
        let theirs: HashMap<String, _> = store
            .contributions(la, case, kind)
            .await?
            .into_iter()
            .filter(|c| c.user_id == participant && c.submitted_at.is_some())
            .map(|c| (c.part.clone(), c))
            .collect();
        let answers: Vec<_> = parts
            .iter()
            .filter_map(|(key, label)| {
                theirs
                    .get(*key)
                    .filter(|c| !c.text.trim().is_empty())
                    .map(|c| context! { label => label, text => &c.text })
            })
            .collect();
        let sent = theirs.values().filter_map(|c| c.submitted_at).max();
        if let Some(sent) = sent {
            out.push(context! {
                title => title,
                sent => uk_time::date_and_time(sent),
                answers => answers,
            });
        }
    }
    Ok(out)
}

/// `GET /cases/{id}/messages/{participant}`.
async fn thread<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, participant)): Path<(String, String)>,
    Query(sent): Query<Sent>,
) -> AppResult<Response> {
    let id = case_id(&id)?;
    let access =
        policy::can_open_thread(&state.store, &user, id, participant_id(&participant)?).await?;
    audit::record(
        &state.store,
        &user,
        AuditAction::ViewMessages,
        Record::Case(id),
        &ip,
    )
    .await?;
    access.mark_read(&state.store, Utc::now()).await?;
    render(
        &state,
        &nav,
        &user,
        &access,
        "",
        &FieldErrors::new(),
        sent.sent == "1",
    )
    .await
}

/// `POST /cases/{id}/messages/{participant}`: `body` and an optional `file`.
async fn send<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, participant)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let id = case_id(&id)?;
    let access =
        policy::can_open_thread(&state.store, &user, id, participant_id(&participant)?).await?;
    let form = FormData::parse(&headers, body)
        .await
        .map_err(|_| AppError::FormExpired)?;
    let text = form.raw("body").replace("\r\n", "\n").trim().to_string();
    let mut errors = FieldErrors::new();
    if !access.open() {
        errors.add(
            "body",
            "This person can no longer see the case, so they cannot get new messages",
        );
    } else if text.is_empty() && form.file("file").is_none() {
        errors.add("body", "Write your message");
    } else if text.chars().count() > MAX_MESSAGE_CHARS {
        errors.add("body", "Your message must be 10,000 characters or fewer");
    }
    if !errors.is_empty() {
        return render(&state, &nav, &user, &access, &text, &errors, false).await;
    }
    let document = match form.file("file") {
        Some(upload) => {
            let kept = family::keep_upload(
                &state,
                user.la(),
                id,
                &user,
                upload,
                ATTACHMENT_KIND,
                "Sent with a message",
            )
            .await?;
            match kept {
                Ok(doc) => Some(doc),
                Err(message) => {
                    errors.add("file", message);
                    return render(&state, &nav, &user, &access, &text, &errors, false).await;
                }
            }
        }
        None => None,
    };
    let message = access
        .post(&state.store, &text, document, Utc::now())
        .await?;
    audit::record(
        &state.store,
        &user,
        AuditAction::SendMessage,
        Record::Case(id),
        &ip,
    )
    .await?;
    let participant = access.participant();
    let to = match access.side() {
        Side::Council => Some(participant.clone()),
        Side::Participant => {
            let loaded = access.load(&state.store).await?;
            family::caseworker(&state.store, user.la(), &loaded.case).await?
        }
    };
    let path = format!("/cases/{}/messages/{}", id.0, participant.id.0);
    if let Some(to) = to.filter(|u| !u.disabled) {
        notices::Notice {
            la: user.la(),
            template: notices::template::MESSAGE_RECEIVED,
            public_url: &state.config.public_url,
            path: &path,
            due: None,
            key: &message.to_string(),
        }
        .queue(&state.store, &to)
        .await?;
    }
    Ok(Redirect::to(&format!("{path}?sent=1#m{message}")).into_response())
}

/// `GET /cases/{id}/messages/{participant}/files/{doc}`.
async fn attachment<S: Store>(
    State(state): State<AppState<S>>,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, participant, doc)): Path<(String, String, String)>,
) -> AppResult<Response> {
    let id = case_id(&id)?;
    let doc: i64 = doc.parse().map_err(|_| AppError::NotFound)?;
    let access =
        policy::can_open_thread(&state.store, &user, id, participant_id(&participant)?).await?;
    let document = access.attachment(&state.store, doc).await?;
    audit::record(
        &state.store,
        &user,
        AuditAction::CaseCommand("download_document"),
        Record::Case(id),
        &ip,
    )
    .await?;
    Ok(family::download(document))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relations_read_as_words() {
        assert_eq!(relation_label("advice"), "Asked for advice");
        assert_eq!(relation_label("gone"), "No longer has access");
    }
}
