//! Fixtures shared by the store's test binaries: a tiny stand-in for the domain in which a
//! case's state is the list of its event kinds, so that "state rebuilt from events equals the
//! stored state" can be checked without the real case model.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use waymark_store::{CaseSummary, LaCode, NewCase, NewEvent, StoredCase, StoredEvent};

pub fn la(code: &str) -> LaCode {
    LaCode::parse(code).unwrap()
}

/// A fixed time with whole seconds, so it round-trips exactly on both backends (PostgreSQL
/// keeps microseconds, SQLite the text sqlx writes).
pub fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 9, minute % 60, 0).unwrap()
}

pub fn event(kind: &str) -> NewEvent {
    NewEvent {
        kind: kind.to_string(),
        payload: json!({ "kind": kind, "note": "made by the store tests" }),
        actor: "caseworker:1".to_string(),
        recorded_at: at(kind.len() as u32),
    }
}

/// The state after events of these kinds: `{"kinds": [...]}`.
pub fn state_of<'a>(kinds: impl IntoIterator<Item = &'a str>) -> Value {
    json!({ "kinds": kinds.into_iter().collect::<Vec<_>>() })
}

/// The summary after events of these kinds: the stage is the last kind.
pub fn summary_of<'a>(kinds: impl IntoIterator<Item = &'a str>) -> CaseSummary {
    let stage = kinds.into_iter().last().unwrap_or("none").to_string();
    CaseSummary {
        stage,
        given_name: "Ada".to_string(),
        family_name: "Lovelace".to_string(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(2015, 12, 10),
        upn: Some("A80120010000K".to_string()),
        request_received: chrono::NaiveDate::from_ymd_opt(2025, 1, 6),
        caseworker: Some("caseworker:1".to_string()),
        closed: false,
        next_due: None,
        next_due_clock: None,
        school: None,
        has_exception: false,
        ..CaseSummary::default()
    }
}

pub fn new_case(la: &LaCode, reference: &str, kinds: &[&str]) -> NewCase {
    NewCase {
        la: la.clone(),
        reference: reference.to_string(),
        summary: summary_of(kinds.iter().copied()),
        state: state_of(kinds.iter().copied()),
        events: kinds.iter().map(|kind| event(kind)).collect(),
    }
}

/// The state rebuilt from a case's events.
pub fn rebuild(events: &[StoredEvent]) -> Value {
    state_of(events.iter().map(|event| event.kind.as_str()))
}

/// The kinds of a stored case's state.
pub fn kinds_of(case: &StoredCase) -> Vec<String> {
    case.state["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|kind| kind.as_str().unwrap().to_string())
        .collect()
}
