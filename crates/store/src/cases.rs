//! The typed layer over the generic store: domain [`Case`]s and [`Event`]s in, summary rows,
//! JSON state and the event log out. Every change runs the domain's `decide` on the state as
//! stored and writes its events with the version it was based on, so a stale change is refused.

use chrono::{DateTime, SubsecRound, Utc};
use waymark_domain::WorkingDayCalendar;
use waymark_domain::actor::Actor;
use waymark_domain::case::Case;
use waymark_domain::caseload::next_deadline;
use waymark_domain::command::{self, Command, NewRequest, Refusal};
use waymark_domain::event::Event;
use waymark_domain::import::ImportedCase;
use waymark_domain::kpi::KpiFacts;
use waymark_domain::{CaseId, LaCode};

use crate::{BatchOutcome, CaseSummary, NewCase, NewEvent, Store, StoreError, StoredEvent};

/// Why a change to a case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The domain refused the command; nothing was written.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The store failed or refused (conflict, not found, database error).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored state or event could not be read back as the domain's types.
    #[error("case {case} cannot be read: {reason}")]
    Unreadable {
        /// The case.
        case: String,
        /// What went wrong.
        reason: String,
    },
}

/// A case as stored: its id, version and state.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedCase {
    /// The case's id.
    pub id: CaseId,
    /// The version the state is at (the number of its events).
    pub version: i64,
    /// The state.
    pub case: Case,
}

/// One entry of a case's history: when, who, and what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// Its place in the case's history, from 1.
    pub seq: i64,
    /// The user reference of whoever did it.
    pub actor: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// What happened.
    pub event: Event,
}

/// The summary columns pages and reports read, taken from the state.
pub fn summary_of(case: &Case) -> CaseSummary {
    // A date outside the bank holiday calendar only affects the mediation certificate;
    // the case then shows no next deadline rather than a wrong one.
    let calendar = WorkingDayCalendar::england_and_wales();
    let next = next_deadline(case, &calendar).ok().flatten();
    // As for the next deadline: the domain says what a date outside the calendar changes.
    let facts = KpiFacts::of_lenient(case, &calendar);
    CaseSummary {
        stage: case.stage.key().to_string(),
        given_name: case.child.given_name.clone(),
        family_name: case.child.family_name.clone(),
        date_of_birth: Some(case.child.date_of_birth),
        upn: case.child.upn.as_ref().map(|u| u.as_str().to_string()),
        request_received: Some(case.request.received),
        caseworker: case.caseworker.clone(),
        closed: case.closure.is_some(),
        next_due: next.as_ref().map(|n| n.due),
        next_due_clock: next.map(|n| n.kind.key().to_string()),
        school: case
            .final_plan
            .as_ref()
            .map(|plan| &plan.placement)
            .or(case.child.school.as_ref())
            .map(|setting| setting.name.clone()),
        has_exception: !case.exceptions.is_empty(),
        assess_on: facts.assessment.map(|(on, _)| on),
        assess_yes: facts.assessment.map(|(_, yes)| yes),
        issue_on: facts.issue.map(|(on, _)| on),
        issue_yes: facts.issue.map(|(_, yes)| yes),
        final_issued_on: facts.final_issued,
        final_excused: facts.final_excused,
        closed_on: facts.closed_on,
        primary_need: facts.primary_need,
        placement_type: facts.placement_type,
        review_flows: waymark_domain::kpi::encode_flows(&facts.review_flows),
    }
}

fn unreadable(case: impl ToString, reason: impl ToString) -> CaseError {
    CaseError::Unreadable {
        case: case.to_string(),
        reason: reason.to_string(),
    }
}

/// The rows for the events of a change, recorded by `actor` at `at`.
///
/// # Errors
/// An event could not be written as JSON (a bug).
pub fn new_events(
    events: &[Event],
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Vec<NewEvent>, CaseError> {
    events
        .iter()
        .map(|event| {
            Ok(NewEvent {
                kind: event.kind().to_string(),
                payload: serde_json::to_value(event).map_err(|e| unreadable("(new)", e))?,
                actor: actor.to_string(),
                // PostgreSQL keeps microseconds; round so both backends read back the same.
                recorded_at: at.trunc_subsecs(6),
            })
        })
        .collect()
}

/// The rows for a new case built from its first events.
pub fn new_case(
    reference: &str,
    events: &[Event],
    case: &Case,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<NewCase, CaseError> {
    Ok(NewCase {
        la: case.la.clone(),
        reference: reference.to_string(),
        summary: summary_of(case),
        state: serde_json::to_value(case).map_err(|e| unreadable(reference, e))?,
        events: new_events(events, actor, at)?,
    })
}

fn decode(stored: crate::StoredCase) -> Result<LoadedCase, CaseError> {
    let case = serde_json::from_value(stored.state).map_err(|e| unreadable(stored.id, e))?;
    Ok(LoadedCase {
        id: stored.id,
        version: stored.version,
        case,
    })
}

/// The case with this id in this LA, if there is one.
pub async fn load<S: Store>(
    store: &S,
    la: &LaCode,
    id: CaseId,
) -> Result<Option<LoadedCase>, CaseError> {
    store.load_case(la, id).await?.map(decode).transpose()
}

/// Records a new request for an assessment: the case begins. Writes no audit entry, letter or
/// notification: the service goes through `waymark_app::cases::open`; this is for seeding
/// test and demo data.
pub async fn open<S: Store>(
    store: &S,
    new: &NewRequest,
    actor: &Actor,
    today: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Result<LoadedCase, CaseError> {
    let events = command::decide_new(new, actor, today)?;
    let case =
        Case::from_events(actor.la.clone(), &events).map_err(|e| unreadable(&new.reference, e))?;
    let stored = store
        .create_case(new_case(&case.reference, &events, &case, &actor.user, now)?)
        .await?;
    Ok(LoadedCase {
        id: stored.id,
        version: stored.version,
        case,
    })
}

/// Runs a command on a case that the caller last saw at `expected_version`. A case that has
/// moved on since is refused with [`StoreError::Conflict`], even if the command would still
/// be allowed: the user decided on what they saw. Writes no audit entry, letter or
/// notification: the service goes through `waymark_app::cases::run`; this is for seeding test
/// and demo data.
#[allow(clippy::too_many_arguments)]
pub async fn execute<S: Store>(
    store: &S,
    la: &LaCode,
    id: CaseId,
    expected_version: i64,
    command: &Command,
    actor: &Actor,
    today: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Result<LoadedCase, CaseError> {
    let current = load(store, la, id)
        .await?
        .ok_or(StoreError::NotFound { case: id })?;
    if current.version != expected_version {
        return Err(StoreError::Conflict {
            case: id,
            expected: expected_version,
            found: current.version,
        }
        .into());
    }
    let events = command::decide(&current.case, command, actor, today)?;
    let mut case = current.case;
    for event in &events {
        case.apply(event);
    }
    let version = store
        .append(
            la,
            id,
            expected_version,
            new_events(&events, &actor.user, now)?,
            summary_of(&case),
            serde_json::to_value(&case).map_err(|e| unreadable(id, e))?,
        )
        .await?;
    Ok(LoadedCase { id, version, case })
}

fn entry(stored: StoredEvent) -> Result<HistoryEntry, CaseError> {
    Ok(HistoryEntry {
        seq: stored.seq,
        event: serde_json::from_value(stored.payload)
            .map_err(|e| unreadable(stored.case_id, format!("event {}: {e}", stored.seq)))?,
        actor: stored.actor,
        recorded_at: stored.recorded_at,
    })
}

/// A case's whole history, oldest first.
pub async fn history<S: Store>(
    store: &S,
    la: &LaCode,
    id: CaseId,
) -> Result<Vec<HistoryEntry>, CaseError> {
    store.events(la, id).await?.into_iter().map(entry).collect()
}

/// The case rebuilt from its event log alone, to check against the stored state.
pub async fn rebuild<S: Store>(store: &S, la: &LaCode, id: CaseId) -> Result<Case, CaseError> {
    let events: Vec<Event> = history(store, la, id)
        .await?
        .into_iter()
        .map(|h| h.event)
        .collect();
    Case::from_events(la.clone(), &events).map_err(|e| unreadable(id, e))
}

/// Writes imported cases in one transaction, skipping references the LA already has.
pub async fn import_batch<S: Store>(
    store: &S,
    cases: &[ImportedCase],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<BatchOutcome, CaseError> {
    let rows = cases
        .iter()
        .map(|c| new_case(&c.reference, &c.events, &c.case, actor, now))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(store.create_cases_batch(rows).await?)
}
