//! What the store keeps for a case: a row of summary columns, a JSON state blob, a version, and
//! the append-only events that led to it. The store does not know what the columns mean; the
//! domain's typed layer fills them in.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use waymark_domain::{CaseId, LaCode};

/// The columns of a case that caseload pages and reports filter and sort on, kept in step with
/// the state blob by the caller on every write.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseSummary {
    /// Where the case is in the EHC process, as the domain names it (e.g. `"assessment"`).
    pub stage: String,
    /// The child or young person's given name.
    pub given_name: String,
    /// The child or young person's family name.
    pub family_name: String,
    /// Date of birth, if known.
    pub date_of_birth: Option<NaiveDate>,
    /// Unique pupil number, if the child has one.
    pub upn: Option<String>,
    /// The day the request for an EHC needs assessment was received (starts the clock).
    pub request_received: Option<NaiveDate>,
    /// Who the case is allocated to, if anyone.
    pub caseworker: Option<String>,
    /// Whether the case is closed (withdrawn, moved away, plan ceased).
    pub closed: bool,
    /// The date of the next statutory deadline the council must meet, if any is open.
    pub next_due: Option<NaiveDate>,
    /// Which clock that deadline belongs to (its stable key, e.g. `final_plan_by`).
    pub next_due_clock: Option<String>,
    /// The child's school or setting now (the placement named in the final plan, else the
    /// current setting recorded with the request), for filtering caseloads.
    pub school: Option<String>,
    /// Whether an exception to the time limits is recorded on the case.
    pub has_exception: bool,
    /// The decision whether to assess: its date.
    pub assess_on: Option<NaiveDate>,
    /// The decision whether to assess: yes or no.
    pub assess_yes: Option<bool>,
    /// The decision whether to issue a plan: its date.
    pub issue_on: Option<NaiveDate>,
    /// The decision whether to issue a plan: yes or no.
    pub issue_yes: Option<bool>,
    /// The day the final plan was issued.
    pub final_issued_on: Option<NaiveDate>,
    /// Whether an exception excused the final plan's lateness.
    pub final_excused: bool,
    /// The day the case closed.
    pub closed_on: Option<NaiveDate>,
    /// The primary type of need (SEN2 code).
    pub primary_need: Option<String>,
    /// The placement type in the final plan (SEN2 code).
    pub placement_type: Option<String>,
    /// The plan's review and amendment flows, as the domain writes them
    /// (`domain::kpi::encode_flows`); empty when there are none.
    pub review_flows: String,
}

/// An event to be written to a case's log. The store numbers it (`seq`) on write.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// What happened, as the domain names it (e.g. `"request_received"`).
    pub kind: String,
    /// The event's data, as the domain serialises it.
    pub payload: Value,
    /// Who did it (a user id, or `"import"`, `"system"`).
    pub actor: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A case to be created, with the events that created it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    /// The local authority (tenant) the case belongs to; it must have been registered with
    /// [`AdminStore::ensure_la`](crate::AdminStore::ensure_la).
    pub la: LaCode,
    /// The LA's own reference for the case (e.g. from the system it was imported from): unique
    /// within the LA, and what makes a re-run import skip cases it already created.
    pub reference: String,
    /// The summary columns.
    pub summary: CaseSummary,
    /// The case's current state, as the domain serialises it.
    pub state: Value,
    /// The events that created the case; the case's version is their number.
    pub events: Vec<NewEvent>,
}

/// A case as stored: its current state and version.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCase {
    /// The case's id.
    pub id: CaseId,
    /// The local authority the case belongs to.
    pub la: LaCode,
    /// The LA's own reference for the case.
    pub reference: String,
    /// The number of events in the case's log; a write must name it to succeed.
    pub version: i64,
    /// The summary columns.
    pub summary: CaseSummary,
    /// The case's current state.
    pub state: Value,
}

/// One event of a case's log, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// The case the event belongs to.
    pub case_id: CaseId,
    /// The event's position in the case's log, from 1; the case's version after it was written.
    pub seq: i64,
    /// What happened.
    pub kind: String,
    /// The event's data.
    pub payload: Value,
    /// Who did it.
    pub actor: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// What a batch import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BatchOutcome {
    /// Cases written by this batch.
    pub created: u64,
    /// Cases skipped because their (LA, reference) was already stored, e.g. by an earlier run of
    /// an interrupted import.
    pub already_present: u64,
}
