//! `/api/v1/cases`: list, open, read, history and change cases.
//!
//! Every change goes through the same use case as the pages (`waymark_app::cases::open` /
//! `run`: the domain's `decide`, letters, notifications and the audit entry in one
//! transaction), with the version the client last saw: a stale version is 409, a refusal 422
//! with the rule's own words, and nothing is written either way. Every read is audited before
//! the answer goes out ([`access`]), and shows what the user's audience may see
//! (`waymark_app::views`).
//!
//! What the answers look like is in [`super::json`].

use std::collections::HashMap;

use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use waymark_app::cases::By;
use waymark_store::caseload::{CaseloadPage, CaseloadQuery, CaseloadSort};
use waymark_store::cases::LoadedCase;
use waymark_store::domain::case::{Address, Child, ParentCarer, Request, Stage};
use waymark_store::domain::command::{Command, Field, NewRequest, Refusal};
use waymark_store::domain::{NhsNumber, Uln, Upn};
use waymark_store::{CaseId, LaCode, Store, StoreError, UserId};

use super::commands::CommandRequest;
use super::documents;
use super::json::{
    ActorView, CaseDetail, CaseHistory, CaseList, CaseListItem, ChildBody, HistoryItem, RequestBody,
};
use crate::AppState;
use crate::api::access;
use crate::api::openapi::Problem;
use crate::api::{ApiJson, ApiUser};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::policy::CaseList as ListCapability;

/// How many cases a page of the list holds.
pub const PER_PAGE: usize = 50;

// ---------------------------------------------------------------------------------------------
// What a client sends to open a case.

/// `POST /api/v1/cases`: a new request for an EHC needs assessment.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseRequest {
    /// The LA's own case reference (unique within the LA).
    pub reference: String,
    /// The child or young person.
    pub child: ChildBody,
    /// The request.
    pub request: RequestBody,
}

impl NewCaseRequest {
    /// The domain's new request, or the identifiers that do not parse (by field).
    fn into_domain(self) -> Result<NewRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        let given = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let upn = given(self.child.upn).and_then(|v| {
            Upn::parse(&v)
                .map_err(|e| errors.add("child.upn", sentence(&e.to_string())))
                .ok()
        });
        let uln = given(self.child.uln).and_then(|v| {
            Uln::parse(&v)
                .map_err(|e| errors.add("child.uln", sentence(&e.to_string())))
                .ok()
        });
        let nhs_number = given(self.child.nhs_number).and_then(|v| {
            NhsNumber::parse(&v)
                .map_err(|e| errors.add("child.nhs_number", sentence(&e.to_string())))
                .ok()
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewRequest {
            reference: self.reference,
            child: Child {
                given_name: self.child.given_name,
                family_name: self.child.family_name,
                date_of_birth: self.child.date_of_birth,
                upn,
                uln,
                nhs_number,
                address: self.child.address.map(|a| Address {
                    lines: a.lines,
                    town: a.town,
                    postcode: a.postcode,
                }),
                parents: self
                    .child
                    .parents
                    .into_iter()
                    .map(|p| ParentCarer {
                        name: p.name,
                        relationship: p.relationship,
                        email: p.email,
                        phone: p.phone,
                        contact_preference: p.contact_preference.into(),
                    })
                    .collect(),
                school: self.child.school.map(Into::into),
            },
            request: Request {
                received: self.request.received,
                source: self.request.source,
                reasons: self.request.reasons,
            },
        })
    }
}

/// A message as a sentence: the domain's messages start in lower case so they can follow
/// other words; on their own, GOV.UK style starts them with a capital.
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The JSON field of a new request that a refusal of it is about (the domain's typed
/// [`Field`]), so that the 422 can say which.
pub(crate) fn new_request_field(refusal: &Refusal) -> &'static str {
    match refusal.field() {
        Some(Field::Reference) => "reference",
        Some(Field::GivenName) => "child.given_name",
        Some(Field::FamilyName) => "child.family_name",
        Some(Field::DateOfBirth) => "child.date_of_birth",
        Some(Field::RequestReceived) => "request.received",
        Some(Field::RequestReasons) => "request.reasons",
        Some(Field::RequestSource) => "request.source",
        _ => "request",
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/// The `{id}` of a case's address. Anything that is not a case number is "not found" (as
/// problem details), not axum's plain-text 400.
#[derive(Debug, Clone, Copy)]
pub struct CasePath(pub CaseId);

impl<S: Send + Sync> FromRequestParts<S> for CasePath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<CasePath, AppError> {
        let Path(id) = Path::<i64>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        Ok(CasePath(CaseId(id)))
    }
}

/// The filters of the case list, as given (checked in [`list`], so that a mistake is a 422
/// with the field, not a bare 400).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only cases at this stage (`requested`, `assessing`, `not_assessing`, `drafting`,
    /// `draft_served`, `not_issuing`, `plan_issued`, `closed`).
    pub stage: Option<String>,
    /// Only cases allocated to this caseworker (their user reference).
    pub caseworker: Option<String>,
    /// Which page, from 1 (50 cases a page).
    pub page: Option<String>,
}

/// The checked filters.
struct ListFilter {
    stage: Option<Stage>,
    caseworker: Option<String>,
    page: usize,
}

impl ListQuery {
    fn check(self) -> AppResult<ListFilter> {
        let mut errors = FieldErrors::new();
        let stage = match self.stage.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(key) => {
                let stage = Stage::ALL.into_iter().find(|s| s.key() == key);
                if stage.is_none() {
                    errors.add(
                        "stage",
                        "Stage must be one of requested, assessing, not_assessing, drafting, \
                         draft_served, not_issuing, plan_issued, closed",
                    );
                }
                stage
            }
        };
        let page = match self.page.as_deref().map(str::trim) {
            None | Some("") => 1,
            Some(text) => match text.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    errors.add("page", "Page must be a whole number, 1 or more");
                    1
                }
            },
        };
        errors.into_result()?;
        Ok(ListFilter {
            stage,
            caseworker: self
                .caseworker
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
            page,
        })
    }
}

/// `GET /api/v1/cases`: the cases the user may see, filtered, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/cases",
    tag = "cases",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of cases", body = CaseList),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 403, description = "The user's role sees no personal data (viewer, scrutiny)",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not valid", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    api: ApiUser,
    Query(query): Query<ListQuery>,
) -> AppResult<Json<CaseList>> {
    let filter = query.check()?;
    let capability = access::list(&api)?;
    let found = matching_cases(&state.store, &capability, api.user.la(), &filter).await?;
    let today = state.app.today();
    let cases = found
        .items
        .into_iter()
        .map(|item| CaseListItem::of(item, today))
        .collect::<AppResult<Vec<_>>>()?;
    access::audit_list(&state, &api).await?;
    Ok(Json(CaseList {
        page: filter.page,
        per_page: PER_PAGE,
        total: usize::try_from(found.total).unwrap_or_default(),
        cases,
    }))
}

/// The LA's cases that match the filter, a page of them and how many in all, oldest request
/// first (closed cases included: an integration asks for `stage=closed` to see them).
///
/// It takes the list capability as proof that the user may list the LA's cases: the policy's
/// `CaseList` has no caseload query of its own yet, so the store's is called here, scoped by
/// the user's LA as the capability is.
async fn matching_cases<S: Store>(
    store: &S,
    _may_list: &ListCapability<'_>,
    la: &LaCode,
    filter: &ListFilter,
) -> AppResult<CaseloadPage> {
    let per_page = i64::try_from(PER_PAGE).unwrap_or(50);
    let page = i64::try_from(filter.page).unwrap_or(i64::MAX);
    let query = CaseloadQuery {
        stage: filter.stage.map(|s| s.key().to_string()),
        caseworker: filter.caseworker.clone(),
        include_closed: true,
        sort: CaseloadSort::Received,
        limit: per_page,
        offset: page.saturating_sub(1).saturating_mul(per_page),
        ..CaseloadQuery::default()
    };
    Ok(store.caseload(la, &query).await?)
}

/// `POST /api/v1/cases`: record a new request for an EHC needs assessment.
#[utoipa::path(
    post,
    path = "/api/v1/cases",
    tag = "cases",
    request_body = NewCaseRequest,
    responses(
        (status = 201, description = "The case, opened: its version is 1",
            body = CaseDetail, headers(("Location" = String, description = "The case's address"))),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 403, description = "Only LA staff open cases through the API", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "The request has mistakes, or the case rules refuse it: \
            `errors` names the fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn create<S: Store>(
    State(state): State<AppState<S>>,
    api: ApiUser,
    body: Result<ApiJson<NewCaseRequest>, AppError>,
) -> AppResult<Response> {
    // Who may do this is answered before what they sent.
    access::may_open_cases(&api)?;
    let ApiJson(body) = body?;
    let new = body.into_domain().map_err(AppError::Validation)?;
    let by = By {
        user: &api.user,
        ip: api.ip.0,
    };
    let opened = waymark_app::cases::open(&state.app, by, &new)
        .await
        .map_err(|err| match err {
            waymark_app::Error::Refused(refusal) => {
                let mut errors = FieldErrors::new();
                errors.add(new_request_field(&refusal), sentence(&refusal.to_string()));
                AppError::Validation(errors)
            }
            waymark_app::Error::Store(StoreError::DuplicateReference { .. }) => {
                let mut errors = FieldErrors::new();
                errors.add(
                    "reference",
                    "There is already a case with this reference: use another reference",
                );
                AppError::Validation(errors)
            }
            other => other.into(),
        })?;
    let detail = CaseDetail::of(
        &opened,
        &access::actor(&api),
        &state.app.calendar,
        state.app.today(),
    )?;
    let location = HeaderValue::from_str(&format!("/api/v1/cases/{}", opened.id))
        .map_err(|_| AppError::Internal("location"))?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(detail),
    )
        .into_response())
}

/// `GET /api/v1/cases/{id}`: the case, its version, and its statutory clocks read today.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}",
    tag = "cases",
    params(("id" = i64, Path, description = "The case's number")),
    responses(
        (status = 200, description = "The case", body = CaseDetail),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 403, description = "The user's role sees no personal data (viewer, scrutiny)",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not one the user may see", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn show<S: Store>(
    State(state): State<AppState<S>>,
    api: ApiUser,
    CasePath(id): CasePath,
) -> AppResult<Json<CaseDetail>> {
    let loaded = access::case_for(&state, &api, id).await?;
    access::audit_view(&state, &api, loaded.id).await?;
    Ok(Json(CaseDetail::of(
        &loaded,
        &access::actor(&api),
        &state.app.calendar,
        state.app.today(),
    )?))
}

/// `GET /api/v1/cases/{id}/history`: every event on the case, with who and when.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/history",
    tag = "cases",
    params(("id" = i64, Path, description = "The case's number")),
    responses(
        (status = 200, description = "The case's history, oldest first", body = CaseHistory),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 403, description = "The user's role sees no personal data (viewer, scrutiny)",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not one the user may see", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn history<S: Store>(
    State(state): State<AppState<S>>,
    api: ApiUser,
    CasePath(id): CasePath,
) -> AppResult<Json<CaseHistory>> {
    let view = access::view_of(&state, &api, id).await?;
    let loaded = view.load(&state.store).await?;
    let entries = view.history(&state.store).await?;
    access::audit_view(&state, &api, loaded.id).await?;
    let mut names = ActorNames::default();
    let mut events = Vec::with_capacity(entries.len());
    for entry in entries {
        let actor = names.of(&state.store, api.user.la(), &entry.actor).await?;
        events.push(HistoryItem::of(entry, actor)?);
    }
    Ok(Json(CaseHistory {
        id: loaded.id.0,
        version: loaded.version,
        events,
    }))
}

/// Who the references of the event log and the documents are, each looked up once per
/// answer.
#[derive(Debug, Default)]
pub(super) struct ActorNames(HashMap<String, ActorView>);

impl ActorNames {
    /// Who `reference` is: a user of `la` by name, anyone else by reference.
    pub(super) async fn of<S: Store>(
        &mut self,
        store: &S,
        la: &LaCode,
        reference: &str,
    ) -> AppResult<ActorView> {
        if let Some(actor) = self.0.get(reference) {
            return Ok(actor.clone());
        }
        let actor = actor_view(store, la, reference).await?;
        self.0.insert(reference.to_string(), actor.clone());
        Ok(actor)
    }
}

/// Who an event-log reference is: a user of the same LA by name, anyone else by reference.
async fn actor_view<S: Store>(store: &S, la: &LaCode, reference: &str) -> AppResult<ActorView> {
    let name = match reference.parse::<i64>() {
        Ok(id) => store
            .find_user(UserId(id))
            .await?
            .filter(|u| &u.la == la)
            .map(|u| u.name),
        Err(_) => None,
    };
    Ok(ActorView {
        reference: reference.to_string(),
        name,
    })
}

/// `POST /api/v1/cases/{id}/commands`: change the case, on the version the client last saw.
/// Runs exactly as the pages do (`waymark_app::cases::run`): a decision, a draft served or a
/// final plan issued also makes its letter or plan as PDF and queues its notifications, with
/// the audit entry, in one transaction.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/commands",
    tag = "cases",
    params(("id" = i64, Path, description = "The case's number")),
    request_body = CommandRequest,
    responses(
        (status = 200, description = "Done: the case at its new version", body = CaseDetail),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 403, description = "The user's role sees no personal data (viewer, scrutiny)",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not one the user may see", body = Problem,
            content_type = "application/problem+json"),
        (status = 409, description = "The case changed since `expected_version`: nothing was \
            written; read it again", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The case rules refused the change (`detail` says why), \
            the body is not a command, or `document` names no advice document of the case: \
            nothing was written", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn run_command<S: Store>(
    State(state): State<AppState<S>>,
    api: ApiUser,
    CasePath(id): CasePath,
    body: Result<ApiJson<CommandRequest>, AppError>,
) -> AppResult<Json<CaseDetail>> {
    // Whether the case is there for this user is answered before what they sent.
    let view = access::view_of(&state, &api, id).await?;
    let current = view.load(&state.store).await?;
    let ApiJson(body) = body?;
    if let Command::RecordAdviceReceived {
        document: Some(document),
        ..
    } = &body.command
    {
        documents::check_advice_document(&state, &api, current.id, document).await?;
    }
    let command = body.command;
    let actor = access::actor(&api);
    let by = By {
        user: &api.user,
        ip: api.ip.0,
    };
    let changed = waymark_app::cases::run(
        &state.app,
        by,
        current.id,
        body.expected_version,
        &command,
        None,
    )
    .await?;
    // The answer is the case as this user may see it, like every read.
    let changed = LoadedCase {
        case: waymark_app::views::case_for(view.audience(), &changed.case),
        ..changed
    };
    let today = state.app.today();
    Ok(Json(CaseDetail::of(
        &changed,
        &actor,
        &state.app.calendar,
        today,
    )?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use waymark_store::domain::actor::{Actor, Role};
    use waymark_store::domain::command::decide_new;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn good() -> NewRequest {
        NewRequest {
            reference: "R1".into(),
            child: Child {
                given_name: "Ada".into(),
                family_name: "Stone".into(),
                date_of_birth: d("2018-03-01"),
                upn: None,
                uln: None,
                nhs_number: None,
                address: None,
                parents: vec![],
                school: None,
            },
            request: Request {
                received: d("2026-01-05"),
                source: "PAR".into(),
                reasons: "needs".into(),
            },
        }
    }

    fn field_for(change: impl FnOnce(&mut NewRequest)) -> &'static str {
        let mut new = good();
        change(&mut new);
        let actor = Actor {
            user: "1".into(),
            role: Role::Caseworker,
            la: LaCode::parse("202").unwrap(),
        };
        match decide_new(&new, &actor, d("2026-11-23")) {
            Err(refusal) => new_request_field(&refusal),
            Ok(_) => panic!("not refused"),
        }
    }

    #[test]
    fn refusals_of_a_new_request_name_their_field() {
        assert_eq!(field_for(|n| n.reference = " ".into()), "reference");
        assert_eq!(
            field_for(|n| n.child.given_name.clear()),
            "child.given_name"
        );
        assert_eq!(
            field_for(|n| n.child.family_name.clear()),
            "child.family_name"
        );
        assert_eq!(field_for(|n| n.request.reasons.clear()), "request.reasons");
        assert_eq!(
            field_for(|n| n.request.received = d("2027-01-01")),
            "request.received"
        );
        assert_eq!(
            field_for(|n| n.child.date_of_birth = d("2026-12-01")),
            "child.date_of_birth"
        );
        assert_eq!(
            field_for(|n| n.request.received = d("2017-01-01")),
            "request.received"
        );
        assert_eq!(
            field_for(|n| n.child.date_of_birth = d("1990-01-01")),
            "child.date_of_birth"
        );
        assert_eq!(
            field_for(|n| n.request.source = "NOPE".into()),
            "request.source"
        );
    }

    #[test]
    fn messages_start_with_a_capital() {
        assert_eq!(sentence("enter a case reference"), "Enter a case reference");
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn list_filters_are_checked() {
        let bad = ListQuery {
            stage: Some("nowhere".into()),
            caseworker: None,
            page: Some("0".into()),
        };
        let Err(AppError::Validation(errors)) = bad.check() else {
            panic!("accepted");
        };
        assert!(errors.get("stage").is_some());
        assert!(errors.get("page").is_some());
        let good = ListQuery {
            stage: Some("assessing".into()),
            caseworker: Some(" cw-01 ".into()),
            page: Some("2".into()),
        };
        let filter = good.check().unwrap();
        assert_eq!(filter.stage, Some(Stage::Assessing));
        assert_eq!(filter.caseworker.as_deref(), Some("cw-01"));
        assert_eq!(filter.page, 2);
    }
}
