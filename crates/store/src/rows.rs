//! Rows as both backends return them, their conversion to the public model, and the queries
//! whose SQL is the same on both backends (sqlx binds `$N` placeholders on SQLite too).

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::types::Json;
use waymark_domain::{CaseId, LaCode};

use crate::error::{Result, StoreError};
use crate::model::{CaseSummary, StoredCase, StoredEvent};

/// One row of `cases`.
pub(crate) struct CaseRow {
    id: i64,
    la_code: String,
    reference: String,
    version: i64,
    stage: String,
    given_name: String,
    family_name: String,
    date_of_birth: Option<NaiveDate>,
    upn: Option<String>,
    request_received: Option<NaiveDate>,
    caseworker: Option<String>,
    closed: bool,
    next_due_date: Option<NaiveDate>,
    next_due_clock: Option<String>,
    school: Option<String>,
    has_exception: bool,
    assess_on: Option<NaiveDate>,
    assess_yes: Option<bool>,
    issue_on: Option<NaiveDate>,
    issue_yes: Option<bool>,
    final_issued_on: Option<NaiveDate>,
    final_excused: bool,
    closed_on: Option<NaiveDate>,
    primary_need: Option<String>,
    placement_type: Option<String>,
    review_flows: String,
    state: Json<Value>,
}

impl CaseRow {
    /// The stored case, or an error if the row holds a value the domain would refuse.
    pub(crate) fn into_case(self) -> Result<StoredCase> {
        let la = LaCode::parse(&self.la_code)
            .map_err(|e| StoreError::Decode(format!("case {} has a bad LA code: {e}", self.id)))?;
        Ok(StoredCase {
            id: CaseId(self.id),
            la,
            reference: self.reference,
            version: self.version,
            summary: CaseSummary {
                stage: self.stage,
                given_name: self.given_name,
                family_name: self.family_name,
                date_of_birth: self.date_of_birth,
                upn: self.upn,
                request_received: self.request_received,
                caseworker: self.caseworker,
                closed: self.closed,
                next_due: self.next_due_date,
                next_due_clock: self.next_due_clock,
                school: self.school,
                has_exception: self.has_exception,
                assess_on: self.assess_on,
                assess_yes: self.assess_yes,
                issue_on: self.issue_on,
                issue_yes: self.issue_yes,
                final_issued_on: self.final_issued_on,
                final_excused: self.final_excused,
                closed_on: self.closed_on,
                primary_need: self.primary_need,
                placement_type: self.placement_type,
                review_flows: self.review_flows,
            },
            state: self.state.0,
        })
    }
}

/// One row of `case_events`.
pub(crate) struct EventRow {
    case_id: i64,
    seq: i64,
    kind: String,
    payload: Json<Value>,
    actor: String,
    recorded_at: DateTime<Utc>,
}

impl From<EventRow> for StoredEvent {
    fn from(row: EventRow) -> Self {
        StoredEvent {
            case_id: CaseId(row.case_id),
            seq: row.seq,
            kind: row.kind,
            payload: row.payload.0,
            actor: row.actor,
            recorded_at: row.recorded_at,
        }
    }
}

/// Reads [`CaseRow`] and [`EventRow`] from a backend's rows by column name (what
/// `#[derive(sqlx::FromRow)]` would write, without its proc-macro).
macro_rules! from_row {
    ($row:ty) => {
        impl sqlx::FromRow<'_, $row> for CaseRow {
            fn from_row(row: &$row) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(CaseRow {
                    id: row.try_get("id")?,
                    la_code: row.try_get("la_code")?,
                    reference: row.try_get("reference")?,
                    version: row.try_get("version")?,
                    stage: row.try_get("stage")?,
                    given_name: row.try_get("given_name")?,
                    family_name: row.try_get("family_name")?,
                    date_of_birth: row.try_get("date_of_birth")?,
                    upn: row.try_get("upn")?,
                    request_received: row.try_get("request_received")?,
                    caseworker: row.try_get("caseworker")?,
                    closed: row.try_get("closed")?,
                    next_due_date: row.try_get("next_due_date")?,
                    next_due_clock: row.try_get("next_due_clock")?,
                    school: row.try_get("school")?,
                    has_exception: row.try_get("has_exception")?,
                    assess_on: row.try_get("assess_on")?,
                    assess_yes: row.try_get("assess_yes")?,
                    issue_on: row.try_get("issue_on")?,
                    issue_yes: row.try_get("issue_yes")?,
                    final_issued_on: row.try_get("final_issued_on")?,
                    final_excused: row.try_get("final_excused")?,
                    closed_on: row.try_get("closed_on")?,
                    primary_need: row.try_get("primary_need")?,
                    placement_type: row.try_get("placement_type")?,
                    review_flows: row.try_get("review_flows")?,
                    state: row.try_get("state")?,
                })
            }
        }

        impl sqlx::FromRow<'_, $row> for EventRow {
            fn from_row(row: &$row) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(EventRow {
                    case_id: row.try_get("case_id")?,
                    seq: row.try_get("seq")?,
                    kind: row.try_get("kind")?,
                    payload: row.try_get("payload")?,
                    actor: row.try_get("actor")?,
                    recorded_at: row.try_get("recorded_at")?,
                })
            }
        }
    };
}

from_row!(sqlx::sqlite::SqliteRow);
from_row!(sqlx::postgres::PgRow);

/// Converts fetched case rows, stopping at the first bad one.
pub(crate) fn into_cases(rows: Vec<CaseRow>) -> Result<Vec<StoredCase>> {
    rows.into_iter().map(CaseRow::into_case).collect()
}

/// A `(case, version, events, last_seq)` row of the version/event-log consistency check.
pub(crate) type MismatchRow = (i64, i64, i64, i64);

/// The consistency check's answer as an error.
pub(crate) fn mismatch_error((case, version, events, last_seq): MismatchRow) -> StoreError {
    StoreError::Inconsistent {
        case: CaseId(case),
        version,
        events,
        last_seq,
    }
}

/// Finds the first case whose version is not the number of its events, or whose events are not
/// numbered 1..=version (with `seq >= 1` and the `(case_id, seq)` key, count and maximum both
/// equal to the version means exactly that). Same SQL on both backends.
pub(crate) const MISMATCH_SQL: &str = "SELECT c.id, c.version, count(e.seq), \
     coalesce(max(e.seq), 0) FROM cases c LEFT JOIN case_events e ON e.case_id = c.id \
     GROUP BY c.id, c.version \
     HAVING count(e.seq) <> c.version OR coalesce(max(e.seq), 0) <> c.version \
     ORDER BY c.id LIMIT 1";

/// The columns every `SELECT` of a case names, in [`CaseRow`]'s order.
macro_rules! case_columns {
    () => {
        "id, la_code, reference, version, stage, given_name, family_name, date_of_birth, upn, \
         request_received, caseworker, closed, next_due_date, next_due_clock, school, \
         has_exception, assess_on, assess_yes, issue_on, issue_yes, final_issued_on, \
         final_excused, closed_on, primary_need, placement_type, review_flows, state"
    };
}

/// One case of one LA. Same SQL on both backends (sqlx binds `$N` on SQLite too).
pub(crate) const LOAD_CASE: &str = concat!(
    "SELECT ",
    case_columns!(),
    " FROM cases WHERE id = $1 AND la_code = $2"
);

/// One case of one LA by the LA's reference.
pub(crate) const FIND_BY_REFERENCE: &str = concat!(
    "SELECT ",
    case_columns!(),
    " FROM cases WHERE la_code = $1 AND reference = $2"
);

/// A page of an LA's cases, oldest first.
pub(crate) const LIST_CASES: &str = concat!(
    "SELECT ",
    case_columns!(),
    " FROM cases WHERE la_code = $1 ORDER BY id LIMIT $2 OFFSET $3"
);

/// How many cases an LA has.
pub(crate) const COUNT_CASES: &str = "SELECT count(*) FROM cases WHERE la_code = $1";

/// Whether a case exists in an LA.
pub(crate) const CASE_EXISTS: &str = "SELECT count(*) FROM cases WHERE id = $1 AND la_code = $2";

/// A case's version, if it exists in the LA.
pub(crate) const CASE_VERSION: &str = "SELECT version FROM cases WHERE id = $1 AND la_code = $2";

/// A case's events in order, scoped by LA through the case.
pub(crate) const CASE_EVENTS: &str = "SELECT e.case_id, e.seq, e.kind, e.payload, e.actor, \
     e.recorded_at FROM case_events e JOIN cases c ON c.id = e.case_id \
     WHERE c.id = $1 AND c.la_code = $2 ORDER BY e.seq";

/// Whether a local authority is registered.
pub(crate) const LA_EXISTS: &str = "SELECT count(*) FROM local_authorities WHERE code = $1";

/// Whether the database holds no cases and no events.
pub(crate) const HAS_DATA: &str =
    "SELECT EXISTS (SELECT 1 FROM cases) OR EXISTS (SELECT 1 FROM case_events)";

/// The columns a batch insert writes, in the order its values are pushed.
pub(crate) const INSERT_CASE_COLUMNS: &str = "INSERT INTO cases (la_code, reference, version, \
     stage, given_name, family_name, date_of_birth, upn, request_received, caseworker, closed, \
     next_due_date, next_due_clock, school, has_exception, assess_on, assess_yes, issue_on, \
     issue_yes, final_issued_on, final_excused, closed_on, primary_need, placement_type, \
     review_flows, state) ";

/// Cases per multi-row `INSERT`: 26 parameters each keeps a statement well under both
/// backends' parameter limits (SQLite 32,766; PostgreSQL 65,535).
pub(crate) const CASES_PER_INSERT: usize = 500;

/// Events per multi-row `INSERT` (6 parameters each).
pub(crate) const EVENTS_PER_INSERT: usize = 1000;

/// Reads an optional LA code column.
pub(crate) fn la_of(code: Option<String>) -> crate::Result<Option<LaCode>> {
    code.map(|c| {
        LaCode::parse(&c).map_err(|e| crate::StoreError::Decode(format!("bad LA code: {e}")))
    })
    .transpose()
}
