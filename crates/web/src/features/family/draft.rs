//! The family's comments on the draft plan (SEND Regulations 2014, reg 13(1)): at least 15 days
//! beginning with the day the draft was served to comment and to ask for a school or college to
//! be named in it.
//!
//! - `GET /my-cases/{id}/draft`: each section of the draft served, with a box for comments
//!   (contributions of kind [`KIND`], part = the section's key), and a box for the school they
//!   want (part `school`); after the window, what they sent or that it has closed.
//! - `POST /my-cases/{id}/draft/autosave`: saves one box as it is typed, while the window is
//!   open.
//! - `POST /my-cases/{id}/draft`: `action=save` keeps the comments; `action=send` records the
//!   representations through the case rules as the parent (`Command::RecordRepresentations`,
//!   dated today, with the school asked for) and marks the comments sent.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;
use waymark_app::letters;
use waymark_store::Store;
use waymark_store::cases::LoadedCase;
use waymark_store::domain::case::PlanSections;
use waymark_store::domain::command::Command;

use super::progress::{draft_open, draft_window};
use super::{MAX_CHARS, mark_sent, mine, save_part, typed};
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

/// The kind of contribution.
pub const KIND: &str = "draft_comment";

/// The part holding the school or college the family asks for.
pub const SCHOOL: &str = "school";

/// The sections a family comments on, with plain headings (section I, the placement, is blank
/// in a draft: the family asks for a school instead).
pub const SECTIONS: [(&str, &str, &str); 11] = [
    ("a", "A", "Views, interests and hopes"),
    ("b", "B", "Needs for learning"),
    ("c", "C", "Health needs"),
    ("d", "D", "Care needs"),
    ("e", "E", "What we want to achieve"),
    ("f", "F", "Help with learning"),
    ("g", "G", "Health help"),
    ("h1", "H1", "Care help"),
    ("h2", "H2", "Other care help"),
    ("j", "J", "Personal budget"),
    ("k", "K", "The advice we used"),
];

/// The draft's text of one section.
fn section(sections: &PlanSections, key: &str) -> String {
    match key {
        "a" => &sections.a,
        "b" => &sections.b,
        "c" => &sections.c,
        "d" => &sections.d,
        "e" => &sections.e,
        "f" => &sections.f,
        "g" => &sections.g,
        "h1" => &sections.h1,
        "h2" => &sections.h2,
        "j" => &sections.j,
        "k" => &sections.k,
        _ => "",
    }
    .to_string()
}

/// Every box on the page: the sections and the school.
fn parts() -> Vec<&'static str> {
    SECTIONS
        .iter()
        .map(|(key, _, _)| *key)
        .chain([SCHOOL])
        .collect()
}

/// The draft routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/my-cases/{id}/draft", page::<S>)
        .post("/my-cases/{id}/draft", save::<S>)
        .post("/my-cases/{id}/draft/autosave", autosave::<S>)
}

/// One section as the page shows it.
#[derive(Serialize)]
struct Section {
    key: &'static str,
    letter: &'static str,
    heading: &'static str,
    draft: String,
    comment: String,
}

async fn render<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    family: &FamilyCase<'_>,
    loaded: &LoadedCase,
    form: Option<&FormData>,
    errors: &FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let case = &loaded.case;
    let saved = mine(&state.store, family, KIND).await?;
    let text = |key: &str| match form {
        Some(form) => typed(form, key),
        None => saved.get(key).map(|c| c.text.clone()).unwrap_or_default(),
    };
    let draft = case.served_draft();
    let sections: Vec<_> = SECTIONS
        .iter()
        .map(|(key, letter, heading)| Section {
            key,
            letter,
            heading,
            draft: draft.map(|v| section(&v.sections, key)).unwrap_or_default(),
            comment: text(key),
        })
        .collect();
    let served = letters::served_draft_document(case);
    let pdf = family
        .documents(&state.store)
        .await?
        .into_iter()
        .find(|d| {
            d.kind == letters::PLAN_KIND
                && d.title == letters::DRAFT_PLAN_TITLE
                && Some(d.version) == served
        })
        .map(|d| d.id);
    let today = uk_time::today();
    let html = state.templates.render(
        "family/draft.html",
        nav,
        context! {
            id => loaded.id.0,
            name => super::full_name(case),
            given_name => &case.child.given_name,
            served => draft.and_then(|v| v.served_on).map(uk_time::date),
            last_day => draft_window(case).map(uk_time::date),
            open => draft_open(case, today),
            received => case.representations_received.map(uk_time::date),
            requested_school => &case.requested_school,
            sections => Serde(&sections),
            school => text(SCHOOL),
            pdf => pdf,
            errors => Serde(errors),
        },
    )?;
    Ok((status, html).into_response())
}

/// `GET /my-cases/{id}/draft`.
async fn page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let family = policy::can_use_family_pages(&state.store, &user, case_id(&id)?).await?;
    let loaded = family.load(&state.store).await?;
    audit::record(
        &state.store,
        &user,
        AuditAction::ViewCase,
        Record::Case(family.case_id()),
        &ip,
    )
    .await?;
    render(
        &state,
        &nav,
        &family,
        &loaded,
        None,
        &FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST /my-cases/{id}/draft`.
async fn save<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let family = policy::can_use_family_pages(&state.store, &user, case_id(&id)?).await?;
    let loaded = family.load(&state.store).await?;
    let form = FormData::parse(&headers, body)
        .await
        .map_err(|_| AppError::FormExpired)?;
    let today = uk_time::today();
    if !draft_open(&loaded.case, today) {
        // The page says why: no draft yet, the window has closed, or the comments are in.
        return render(
            &state,
            &nav,
            &family,
            &loaded,
            Some(&form),
            &FieldErrors::new(),
            StatusCode::CONFLICT,
        )
        .await;
    }
    let mut errors = FieldErrors::new();
    for key in parts() {
        if typed(&form, key).chars().count() > MAX_CHARS {
            errors.add(key, "Your comments must be 20,000 characters or fewer");
        }
    }
    if !errors.is_empty() {
        return render(
            &state,
            &nav,
            &family,
            &loaded,
            Some(&form),
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let now = Utc::now();
    let saved = mine(&state.store, &family, KIND).await?;
    for key in parts() {
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
    if form.text("action") != "send" {
        audit::record(
            &state.store,
            &user,
            AuditAction::SaveContribution,
            Record::Case(family.case_id()),
            &ip,
        )
        .await?;
        return Ok(
            Redirect::to(&format!("/my-cases/{}/draft", family.case_id().0)).into_response(),
        );
    }
    let school = form.text(SCHOOL);
    let command = Command::RecordRepresentations {
        on: today,
        requested_school: (!school.is_empty()).then_some(school),
    };
    let by = waymark_app::cases::By {
        user: &user,
        ip: ip.0,
    };
    let result = waymark_app::cases::run(
        &state.app,
        by,
        family.case_id(),
        loaded.version,
        &command,
        None,
    )
    .await;
    match result {
        Ok(_) => {}
        Err(waymark_app::Error::Refused(refusal)) => {
            errors.add(
                SCHOOL,
                crate::features::cases::api::sentence(&refusal.to_string()),
            );
            return render(
                &state,
                &nav,
                &family,
                &loaded,
                Some(&form),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(other) => return Err(other.into()),
    }
    mark_sent(&state.store, &family, KIND, now).await?;
    Ok(Redirect::to(&format!("/my-cases/{}?done=draft", family.case_id().0)).into_response())
}

/// `POST /my-cases/{id}/draft/autosave`.
async fn autosave<S: Store>(
    State(state): State<AppState<S>>,
    user: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let family = policy::can_use_family_pages(&state.store, &user, case_id(&id)?).await?;
    let loaded = family.load(&state.store).await?;
    if !draft_open(&loaded.case, uk_time::today()) {
        return Err(AppError::Refused(
            "The time to comment on the draft plan has ended".to_string(),
        ));
    }
    let form = FormData::parse(&headers, body)
        .await
        .map_err(|_| AppError::FormExpired)?;
    super::autosave(&state.store, &family, KIND, &parts(), &form).await
}
