//! `GET /admin/audit?case=ID`: administrators search their LA's audit trail, most usefully
//! "who looked at this case", newest first (the latest [`LIMIT`] entries).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Html;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;
use waymark_store::{CaseId, Store};

use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, policy, uk_time};

/// The most entries one search shows.
pub const LIMIT: i64 = 200;

/// The audit route.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new().get("/admin/audit", search::<S>)
}

/// `?case=`.
#[derive(Debug, Default, Deserialize)]
struct Search {
    #[serde(default)]
    case: String,
}

/// `GET /admin/audit`.
async fn search<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Query(search): Query<Search>,
) -> AppResult<Html<String>> {
    let Some(trail) = policy::can_search_audit(&user) else {
        return Err(AppError::Forbidden);
    };
    let text = search.case.trim();
    let mut errors = FieldErrors::new();
    let case = if text.is_empty() {
        None
    } else {
        match text.parse::<i64>() {
            Ok(id) if id > 0 => Some(CaseId(id)),
            _ => {
                errors.add("case", "Enter a case number, like 1234");
                None
            }
        }
    };
    let entries = if errors.is_empty() {
        trail.entries(&state.store, case, LIMIT).await?
    } else {
        Vec::new()
    };
    audit::record(
        &state.store,
        &user,
        Action::ViewAudit,
        Record::AuditTrail(case),
        &ip,
    )
    .await?;
    // Names of the LA's users, to say who; the trail itself holds ids only.
    let names: HashMap<i64, String> = state
        .store
        .list_users(user.la())
        .await?
        .into_iter()
        .map(|u| (u.id.0, u.name))
        .collect();
    let rows: Vec<_> = entries
        .iter()
        .map(|entry| {
            let who = entry.user_id.map_or_else(
                || "No one signed in".to_string(),
                |id| {
                    names
                        .get(&id.0)
                        .cloned()
                        .unwrap_or_else(|| format!("User {id}"))
                },
            );
            context! {
                who => who,
                user_id => entry.user_id.map(|id| id.0),
                action => Action::label(&entry.action),
                record => match (&entry.record_type[..], &entry.record_id) {
                    ("case", Some(id)) => format!("Case {id}"),
                    ("user", Some(id)) => format!("User {id}"),
                    (kind, _) => kind.to_string(),
                },
                when => uk_time::date_and_time(entry.at),
                ip => &entry.ip,
            }
        })
        .collect();
    state.templates.render(
        "admin/audit.html",
        &nav,
        context! {
            errors => Serde(&errors),
            case => text,
            searched => case.map(|c| c.0),
            entries => rows,
            limit => LIMIT,
        },
    )
}
