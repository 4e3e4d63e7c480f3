//! Writing the EHC plan, section by section, and its versions.
//!
//! - `GET /cases/{id}/plan`: the editor, sections A to K. Each section starts from what was
//!   last typed (autosaved), else the latest version.
//! - `POST /cases/{id}/plan/autosave`: saves the section being edited as it is typed
//!   (`section`, `text`), so nothing is lost to a dropped connection. The page's script sends
//!   it; without JavaScript the "Save as a new version" button is all there is.
//! - `POST /cases/{id}/plan`: saves every section as the next version of the plan (a case
//!   event, through the case rules, refused as a conflict if the case moved on) and forgets
//!   the autosaved text.
//! - `GET /cases/{id}/plan/versions/{version}`: one version, read only, with its PDF at
//!   `.../pdf`.
//! - `GET /cases/{id}/plan/changes?from=N&to=M`: what changed between two versions, section
//!   by section, word by word.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};
use similar::{ChangeTag, TextDiff};
use waymark_store::Store;
use waymark_store::cases::LoadedCase;
use waymark_store::documents::PlanDraft;
use waymark_store::domain::actions::{self, Action};
use waymark_store::domain::case::{PlanSections, PlanVersion};
use waymark_store::domain::command::Command;

use crate::audit::{self, Action as AuditAction, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::features::cases::{actor, case_id};
use crate::forms::FormData;
use crate::policy::{self, CaseWork};
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, letters, uk_time};

/// The plan routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/cases/{id}/plan", editor::<S>)
        .post("/cases/{id}/plan", save::<S>)
        .post("/cases/{id}/plan/autosave", autosave::<S>)
        .get("/cases/{id}/plan/changes", changes::<S>)
        .get("/cases/{id}/plan/versions/{version}", version::<S>)
        .get("/cases/{id}/plan/versions/{version}/pdf", version_pdf::<S>)
}

/// The sections of a plan: key, letter and heading (reg 12).
pub const SECTIONS: [(&str, &str, &str); 12] = [
    (
        "a",
        "A",
        "The views, interests and aspirations of the child and their parents, or of the young person",
    ),
    (
        "b",
        "B",
        "The child or young person's special educational needs",
    ),
    (
        "c",
        "C",
        "The child or young person's health needs related to their SEN or disability",
    ),
    (
        "d",
        "D",
        "The child or young person's social care needs related to their SEN or disability",
    ),
    (
        "e",
        "E",
        "The outcomes sought for the child or young person",
    ),
    ("f", "F", "The special educational provision required"),
    ("g", "G", "Any health provision reasonably required"),
    (
        "h1",
        "H1",
        "Social care provision under section 2 of the Chronically Sick and Disabled Persons Act 1970",
    ),
    (
        "h2",
        "H2",
        "Any other social care provision reasonably required",
    ),
    (
        "i",
        "I",
        "The name and type of the school or other institution (left blank in a draft)",
    ),
    ("j", "J", "Any personal budget, and how it will be used"),
    (
        "k",
        "K",
        "The advice and information gathered during the assessment",
    ),
];

/// The text of one section by key.
fn section(sections: &PlanSections, key: &str) -> String {
    let text: &String = match key {
        "a" => &sections.a,
        "b" => &sections.b,
        "c" => &sections.c,
        "d" => &sections.d,
        "e" => &sections.e,
        "f" => &sections.f,
        "g" => &sections.g,
        "h1" => &sections.h1,
        "h2" => &sections.h2,
        "i" => &sections.i,
        "j" => &sections.j,
        "k" => &sections.k,
        _ => return String::new(),
    };
    text.clone()
}

/// Sections from the form's fields (`section_a` ...).
fn sections_from(form: &FormData) -> PlanSections {
    let get = |key: &str| {
        form.raw(&format!("section_{key}"))
            .replace("\r\n", "\n")
            .trim_end()
            .to_string()
    };
    PlanSections {
        a: get("a"),
        b: get("b"),
        c: get("c"),
        d: get("d"),
        e: get("e"),
        f: get("f"),
        g: get("g"),
        h1: get("h1"),
        h2: get("h2"),
        i: get("i"),
        j: get("j"),
        k: get("k"),
    }
}

#[derive(Serialize)]
struct SectionField {
    key: &'static str,
    letter: &'static str,
    heading: &'static str,
    text: String,
    autosaved: Option<String>,
}

fn render_editor<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    loaded: &LoadedCase,
    version: i64,
    fields: Vec<SectionField>,
    errors: &FieldErrors,
    conflict: bool,
) -> AppResult<Response> {
    let case = &loaded.case;
    let html = state.templates.render(
        "plan.html",
        nav,
        context! {
            id => loaded.id.0,
            name => format!("{} {}", case.child.given_name, case.child.family_name),
            reference => &case.reference,
            version => version,
            latest => case.latest_plan().map(|v| v.version),
            sections => Serde(&fields),
            errors => Serde(errors),
            conflict => conflict,
        },
    )?;
    let status = if conflict {
        StatusCode::CONFLICT
    } else if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

/// Loads the case for writing its plan: LA staff, and the case rules must offer it now.
async fn load_for_writing<'u, S: Store>(
    state: &AppState<S>,
    user: &'u CurrentUser,
    id: &str,
) -> AppResult<(CaseWork<'u>, LoadedCase)> {
    let id = case_id(id)?;
    let work = policy::can_work_on_case(&state.store, user, id).await?;
    let loaded = work.load(&state.store).await?;
    if !actions::available(&loaded.case, &actor(user), state.app.today())
        .contains(&Action::EditPlan)
    {
        return Err(AppError::Refused(format!(
            "The plan cannot be written while the case is at '{}'",
            loaded.case.stage.label()
        )));
    }
    Ok((work, loaded))
}

/// The page saying the plan cannot be written now.
fn not_now<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    id: &str,
    message: &str,
) -> AppResult<Response> {
    let html = state.templates.render(
        "actions/form.html",
        nav,
        context! { id => id, not_now => message, title => "You cannot do this now" },
    )?;
    Ok((StatusCode::CONFLICT, html).into_response())
}

/// `GET /cases/{id}/plan`.
async fn editor<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (work, loaded) = match load_for_writing(&state, &user, &id).await {
        Err(AppError::Refused(message)) => return not_now(&state, &nav, &id, &message),
        other => other?,
    };
    audit::record(
        &state.store,
        &user,
        AuditAction::ViewCase,
        Record::Case(work.case_id()),
        &ip,
    )
    .await?;
    let drafts: HashMap<String, PlanDraft> = state
        .store
        .plan_drafts(work.la(), work.case_id())
        .await?
        .into_iter()
        .map(|d| (d.section.clone(), d))
        .collect();
    let latest = loaded
        .case
        .latest_plan()
        .map(|v| v.sections.clone())
        .unwrap_or_default();
    let fields = SECTIONS
        .iter()
        .map(|(key, letter, heading)| {
            let draft = drafts.get(*key);
            SectionField {
                key,
                letter,
                heading,
                text: draft.map_or_else(|| section(&latest, key), |d| d.text.clone()),
                autosaved: draft.map(|d| uk_time::date_and_time(d.saved_at)),
            }
        })
        .collect();
    render_editor(
        &state,
        &nav,
        &loaded,
        loaded.version,
        fields,
        &FieldErrors::new(),
        false,
    )
}

/// `POST /cases/{id}/plan`: a new version.
async fn save<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let (work, loaded) = match load_for_writing(&state, &user, &id).await {
        Err(AppError::Refused(message)) => return not_now(&state, &nav, &id, &message),
        other => other?,
    };
    let form = FormData::parse(&headers, body)
        .await
        .map_err(|_| AppError::FormExpired)?;
    let version: i64 = form.text("version").parse().unwrap_or(-1);
    let sections = sections_from(&form);
    let fields = |sections: &PlanSections| {
        SECTIONS
            .iter()
            .map(|(key, letter, heading)| SectionField {
                key,
                letter,
                heading,
                text: section(sections, key),
                autosaved: None,
            })
            .collect::<Vec<_>>()
    };
    let command = Command::SavePlan {
        sections: sections.clone(),
    };
    let by = waymark_app::cases::By {
        user: &user,
        ip: ip.0,
    };
    let result =
        waymark_app::cases::run(&state.app, by, work.case_id(), version, &command, None).await;
    match result {
        Ok(_) => {
            state
                .store
                .clear_plan_drafts(work.la(), work.case_id())
                .await?;
            Ok(Redirect::to(&format!("/cases/{}?done=plan", work.case_id().0)).into_response())
        }
        Err(waymark_app::Error::Refused(refusal)) => {
            let mut errors = FieldErrors::new();
            errors.add(
                "section_a",
                crate::features::cases::api::sentence(&refusal.to_string()),
            );
            render_editor(
                &state,
                &nav,
                &loaded,
                version,
                fields(&sections),
                &errors,
                false,
            )
        }
        Err(waymark_app::Error::Conflict) => render_editor(
            &state,
            &nav,
            &loaded,
            loaded.version,
            fields(&sections),
            &FieldErrors::new(),
            true,
        ),
        Err(other) => Err(other.into()),
    }
}

/// What the autosave answers: when the section was saved.
#[derive(Serialize)]
struct Autosaved {
    saved_at: String,
}

/// `POST /cases/{id}/plan/autosave`.
async fn autosave<S: Store>(
    State(state): State<AppState<S>>,
    user: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let (work, _) = load_for_writing(&state, &user, &id).await?;
    let form = FormData::parse(&headers, body)
        .await
        .map_err(|_| AppError::FormExpired)?;
    let key = form.text("section");
    let Some((key, _, _)) = SECTIONS.iter().find(|(k, _, _)| *k == key) else {
        let mut errors = FieldErrors::new();
        errors.add("section", "Choose a section of the plan, A to K");
        return Err(AppError::Validation(errors));
    };
    let now = Utc::now();
    state
        .store
        .save_plan_draft(
            work.la(),
            work.case_id(),
            &PlanDraft {
                section: (*key).to_string(),
                text: form.raw("text").replace("\r\n", "\n"),
                saved_by: user.id().to_string(),
                saved_at: now,
            },
        )
        .await?;
    let body = serde_json::to_string(&Autosaved {
        saved_at: uk_time::date_and_time(now),
    })
    .map_err(|_| AppError::Internal("json"))?;
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// A version of the case's plan that the user may read (LA staff).
async fn plan_version<'u, S: Store>(
    state: &AppState<S>,
    user: &'u CurrentUser,
    id: &str,
    version: &str,
) -> AppResult<(CaseWork<'u>, LoadedCase, PlanVersion)> {
    let id = case_id(id)?;
    let version: u32 = version.parse().map_err(|_| AppError::NotFound)?;
    let work = policy::can_work_on_case(&state.store, user, id).await?;
    let loaded = work.load(&state.store).await?;
    let found = loaded
        .case
        .plan_versions
        .iter()
        .find(|v| v.version == version)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((work, loaded, found))
}

/// `GET /cases/{id}/plan/versions/{version}`.
async fn version<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, version)): Path<(String, String)>,
) -> AppResult<Html<String>> {
    let (work, loaded, v) = plan_version(&state, &user, &id, &version).await?;
    audit::record(
        &state.store,
        &user,
        AuditAction::ViewCase,
        Record::Case(work.case_id()),
        &ip,
    )
    .await?;
    let case = &loaded.case;
    let sections: Vec<_> = SECTIONS
        .iter()
        .map(|(key, letter, heading)| context! { letter => *letter, heading => *heading, text => section(&v.sections, key) })
        .collect();
    state.templates.render(
        "plan_version.html",
        &nav,
        context! {
            id => loaded.id.0,
            name => format!("{} {}", case.child.given_name, case.child.family_name),
            reference => &case.reference,
            version => v.version,
            saved => uk_time::date(v.saved_on),
            served => v.served_on.map(uk_time::date),
            issued => case.final_plan.as_ref().filter(|p| p.version == v.version).map(|p| uk_time::date(p.issued)),
            latest => case.latest_plan().map(|l| l.version),
            sections => sections,
        },
    )
}

/// `GET /cases/{id}/plan/versions/{version}/pdf`.
async fn version_pdf<S: Store>(
    State(state): State<AppState<S>>,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, version)): Path<(String, String)>,
) -> AppResult<Response> {
    let (work, loaded, v) = plan_version(&state, &user, &id, &version).await?;
    audit::record(
        &state.store,
        &user,
        AuditAction::CaseCommand("download_plan"),
        Record::Case(work.case_id()),
        &ip,
    )
    .await?;
    let pdf = letters::plan_pdf(&state.config.la_name, &loaded.case, &v)?;
    Ok(crate::download::attachment(
        "application/pdf",
        &format!("plan-{}-version-{}.pdf", loaded.id.0, v.version),
        pdf,
    ))
}

/// `?from=N&to=M`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ChangesQuery {
    from: String,
    to: String,
}

/// One run of words in a diff: unchanged, added or removed.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Run {
    /// `same`, `added` or `removed`.
    pub tag: &'static str,
    /// The text.
    pub text: String,
}

/// What changed from `old` to `new`, word by word.
pub fn word_diff(old: &str, new: &str) -> Vec<Run> {
    let diff = TextDiff::from_words(old, new);
    let mut runs: Vec<Run> = Vec::new();
    for change in diff.iter_all_changes() {
        let tag = match change.tag() {
            ChangeTag::Equal => "same",
            ChangeTag::Insert => "added",
            ChangeTag::Delete => "removed",
        };
        match runs.last_mut() {
            Some(run) if run.tag == tag => run.text.push_str(change.value()),
            _ => runs.push(Run {
                tag,
                text: change.value().to_string(),
            }),
        }
    }
    runs
}

/// `GET /cases/{id}/plan/changes`.
async fn changes<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<ChangesQuery>,
) -> AppResult<Html<String>> {
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
    let versions = &loaded.case.plan_versions;
    let latest = versions.last().map_or(0, |v| v.version);
    let pick = |text: &str, default: u32| {
        text.parse::<u32>()
            .ok()
            .filter(|n| versions.iter().any(|v| v.version == *n))
            .unwrap_or(default)
    };
    let to = pick(&query.to, latest);
    let from = pick(&query.from, to.saturating_sub(1).max(1));
    let get = |n: u32| {
        versions
            .iter()
            .find(|v| v.version == n)
            .map(|v| v.sections.clone())
            .unwrap_or_default()
    };
    let (old, new) = (get(from), get(to));
    let sections: Vec<_> = SECTIONS
        .iter()
        .map(|(key, letter, heading)| {
            let (a, b) = (section(&old, key), section(&new, key));
            context! {
                letter => *letter,
                heading => *heading,
                changed => a != b,
                runs => Serde(word_diff(&a, &b)),
            }
        })
        .collect();
    let case = &loaded.case;
    state.templates.render(
        "plan_changes.html",
        &nav,
        context! {
            id => id.0,
            name => format!("{} {}", case.child.given_name, case.child.family_name),
            reference => &case.reference,
            from => from,
            to => to,
            versions => versions.iter().map(|v| context! { value => v.version, label => format!("Version {} ({})", v.version, uk_time::date(v.saved_on)) }).collect::<Vec<_>>(),
            sections => sections,
            any_changed => old != new,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_diffs_group_runs() {
        let runs = word_diff(
            "Ada needs help with reading",
            "Ada needs daily help with reading and writing",
        );
        let tags: Vec<_> = runs.iter().map(|r| (r.tag, r.text.as_str())).collect();
        assert_eq!(
            tags,
            [
                ("same", "Ada needs "),
                ("added", "daily "),
                ("same", "help with reading"),
                ("added", " and writing"),
            ]
        );
        assert!(word_diff("same", "same").iter().all(|r| r.tag == "same"));
    }
}
