//! "All about me": the child's or young person's views, interests and hopes (what section A of
//! the plan is written from; Children and Families Act 2014 s.19: the council must have regard
//! to them), in the family's words.
//!
//! - `GET /my-cases/{id}/views`: a few questions, each saved as a contribution of kind
//!   [`KIND`], part = the question's key, as it is typed (`autosave.js`).
//! - `POST /my-cases/{id}/views/autosave`: saves one answer (`part`, `text`).
//! - `POST /my-cases/{id}/views`: saves every answer and any file added (a drawing, a photo, a
//!   document: kept as a case document of kind [`KIND`]); "Send to the council" also marks the
//!   answers as sent. Without JavaScript this is all there is.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;
use waymark_store::Store;
use waymark_store::domain::case::Stage;

use super::{DocumentLink, MAX_CHARS, keep_upload, last_sent, mark_sent, mine, save_part, typed};
use crate::audit::{self, Action as AuditAction, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::features::cases::case_id;
use crate::forms::FormData;
use crate::policy::{self, FamilyCase};
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, uk_time};

/// The kind of contribution (and of the documents added with it).
pub const KIND: &str = "views";

/// The questions: key, question, hint. Written to be read by a child with an adult, or by a
/// young person.
pub const QUESTIONS: [(&str, &str, &str); 5] = [
    (
        "likes",
        "What I like",
        "For example, games, places, people, or things I am good at.",
    ),
    (
        "hard",
        "What I find hard",
        "For example, at school, at home, or with friends.",
    ),
    (
        "better",
        "What I want to get better at",
        "Big or small things. Both matter.",
    ),
    (
        "helps",
        "What helps me",
        "For example, people, things, or ways of doing things.",
    ),
    (
        "future",
        "What I hope for when I am older",
        "For example, a job, where I live, or things I want to do.",
    ),
];

/// The views routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/my-cases/{id}/views", page::<S>)
        .post_with_files("/my-cases/{id}/views", save::<S>)
        .post("/my-cases/{id}/views/autosave", autosave::<S>)
}

/// One question as the form shows it.
#[derive(Serialize)]
struct Question {
    key: &'static str,
    question: &'static str,
    hint: &'static str,
    text: String,
}

/// The case, for writing views: not once it is closed.
async fn open_for_views<'u, S: Store>(
    state: &AppState<S>,
    user: &'u CurrentUser,
    id: &str,
) -> AppResult<(FamilyCase<'u>, waymark_store::cases::LoadedCase)> {
    let family = policy::can_use_family_pages(&state.store, user, case_id(id)?).await?;
    let loaded = family.load(&state.store).await?;
    Ok((family, loaded))
}

async fn render<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    family: &FamilyCase<'_>,
    loaded: &waymark_store::cases::LoadedCase,
    typed: Option<&FormData>,
    errors: &FieldErrors,
) -> AppResult<Response> {
    let saved = mine(&state.store, family, KIND).await?;
    let questions: Vec<_> = QUESTIONS
        .iter()
        .map(|(key, question, hint)| Question {
            key,
            question,
            hint,
            text: match typed {
                Some(form) => super::typed(form, key),
                None => saved.get(*key).map(|c| c.text.clone()).unwrap_or_default(),
            },
        })
        .collect();
    let files: Vec<_> = family
        .documents(&state.store)
        .await?
        .iter()
        .filter(|d| d.kind == KIND)
        .map(DocumentLink::of)
        .collect();
    let written = saved.values().any(|c| !c.text.trim().is_empty());
    let sent = last_sent(&saved);
    let ever_sent = saved.values().filter_map(|c| c.submitted_at).max();
    let case = &loaded.case;
    let html = state.templates.render(
        "family/views.html",
        nav,
        context! {
            id => loaded.id.0,
            name => super::full_name(case),
            given_name => &case.child.given_name,
            questions => Serde(&questions),
            files => Serde(&files),
            closed => case.stage == Stage::Closed,
            sent => sent.map(uk_time::date_and_time),
            changed_since_sent => sent.is_none() && written && ever_sent.is_some(),
            errors => Serde(errors),
        },
    )?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

/// `GET /my-cases/{id}/views`.
async fn page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (family, loaded) = open_for_views(&state, &user, &id).await?;
    audit::record(
        &state.store,
        &user,
        AuditAction::ViewCase,
        Record::Case(family.case_id()),
        &ip,
    )
    .await?;
    render(&state, &nav, &family, &loaded, None, &FieldErrors::new()).await
}

/// `POST /my-cases/{id}/views`: `action=save` or `action=send`.
async fn save<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let (family, loaded) = open_for_views(&state, &user, &id).await?;
    let form = FormData::parse(&headers, body)
        .await
        .map_err(|_| AppError::FormExpired)?;
    let mut errors = FieldErrors::new();
    if loaded.case.stage == Stage::Closed {
        errors.add(
            QUESTIONS[0].0,
            "This case is closed, so we cannot take new views here. Send your caseworker a \
             message instead",
        );
        return render(&state, &nav, &family, &loaded, Some(&form), &errors).await;
    }
    for (key, question, _) in QUESTIONS {
        if typed(&form, key).chars().count() > MAX_CHARS {
            errors.add(
                key,
                format!("‘{question}’ must be 20,000 characters or fewer"),
            );
        }
    }
    if !errors.is_empty() {
        return render(&state, &nav, &family, &loaded, Some(&form), &errors).await;
    }
    let now = Utc::now();
    let saved = mine(&state.store, &family, KIND).await?;
    for (key, _, _) in QUESTIONS {
        save_part(
            &state.store,
            &family,
            &saved,
            KIND,
            key,
            &typed(&form, key),
            now,
        )
        .await?;
    }
    if let Some(upload) = form.file("file") {
        let kept = keep_upload(
            &state,
            family.la(),
            family.case_id(),
            &user,
            upload,
            KIND,
            "Added to All about me",
        )
        .await?;
        if let Err(message) = kept {
            errors.add("file", message);
            return render(&state, &nav, &family, &loaded, Some(&form), &errors).await;
        }
    }
    let send = form.text("action") == "send";
    let action = if send {
        let anything = QUESTIONS
            .iter()
            .any(|(key, _, _)| !typed(&form, key).trim().is_empty())
            || family
                .documents(&state.store)
                .await?
                .iter()
                .any(|d| d.kind == KIND);
        if !anything {
            errors.add(
                QUESTIONS[0].0,
                "Write an answer to at least one question, or add a file",
            );
            return render(&state, &nav, &family, &loaded, Some(&form), &errors).await;
        }
        mark_sent(&state.store, &family, KIND, now).await?;
        AuditAction::SendContribution
    } else {
        AuditAction::SaveContribution
    };
    audit::record(
        &state.store,
        &user,
        action,
        Record::Case(family.case_id()),
        &ip,
    )
    .await?;
    let to = if send {
        format!("/my-cases/{}?done=views", family.case_id().0)
    } else {
        format!("/my-cases/{}/views", family.case_id().0)
    };
    Ok(Redirect::to(&to).into_response())
}

/// `POST /my-cases/{id}/views/autosave`.
async fn autosave<S: Store>(
    State(state): State<AppState<S>>,
    user: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let (family, loaded) = open_for_views(&state, &user, &id).await?;
    if loaded.case.stage == Stage::Closed {
        return Err(AppError::Refused("This case is closed".to_string()));
    }
    let form = FormData::parse(&headers, body)
        .await
        .map_err(|_| AppError::FormExpired)?;
    let parts: Vec<&str> = QUESTIONS.iter().map(|(key, _, _)| *key).collect();
    super::autosave(&state.store, &family, KIND, &parts, &form).await
}
