//! How a case looks in the API's JSON: the response types (and the parts of a new request
//! that are shaped like them), with `ToSchema` for the OpenAPI document, each built from the
//! domain's types. The domain crate knows nothing of the API; the enums here mirror the
//! domain's variant by variant, so a new stage, status or kind does not compile until the
//! API shows it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use waymark_store::caseload;
use waymark_store::cases::{HistoryEntry, LoadedCase};
use waymark_store::domain::WorkingDayCalendar;
use waymark_store::domain::actions;
use waymark_store::domain::actor::Actor;
use waymark_store::domain::case::{Case, Child, ContactPreference, Request, Stage};
use waymark_store::domain::caseload::{self as deadlines, Rag};
use waymark_store::domain::clock::{ClockKind, ClockReading, ClockStatus};

use super::commands::{
    AdviceKindName, ClosureReasonBody, ExceptionKindName, PlacementBody, PlanSectionsBody,
    ReviewOutcomeName,
};
use crate::error::{AppError, AppResult};

/// A case in full: the child, the request, every decision and document, the statutory clocks
/// read today, and the version to send with the next change.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    /// The case's number (in the API's addresses).
    pub id: i64,
    /// The LA's own case reference.
    pub reference: String,
    /// The case's version: send it as `expected_version` with the next command.
    pub version: i64,
    /// Where the case is.
    pub stage: StageName,
    /// The stage in plain words.
    pub stage_label: String,
    /// The child or young person.
    pub child: ChildBody,
    /// The request for an assessment that started the case.
    pub request: RequestBody,
    /// The named caseworker's user reference.
    pub caseworker: Option<String>,
    /// The decision whether to assess (reg 5).
    pub assessment_decision: Option<DecisionView>,
    /// Advice requests (reg 6), each with its own 6-week clock.
    pub advice: Vec<AdviceView>,
    /// Exceptions to the time limits recorded on the case.
    pub exceptions: Vec<ExceptionView>,
    /// The decision whether to issue a plan (reg 10).
    pub issue_decision: Option<DecisionView>,
    /// Every saved version of the plan, oldest first.
    pub plan_versions: Vec<PlanVersionView>,
    /// When the family's representations on the draft arrived.
    pub representations_received: Option<NaiveDate>,
    /// The school the family asked to be named.
    pub requested_school: Option<String>,
    /// Schools consulted about being named.
    pub consultations: Vec<ConsultationView>,
    /// The final plan, once issued.
    pub final_plan: Option<FinalPlanView>,
    /// Reviews of the plan (reg 18–22), oldest first.
    pub reviews: Vec<ReviewView>,
    /// SEN2 types of need, most significant first.
    pub sen_needs: Vec<String>,
    /// The closure, if the case is closed.
    pub closure: Option<ClosureView>,
    /// Every statutory clock of the case, read today.
    pub clocks: Vec<ClockView>,
    /// The next deadline the council (or someone it asked) must meet.
    pub next_deadline: Option<NextDeadlineView>,
    /// What the token's user may do to the case today, as the case rules see it: action keys
    /// (`decide-assessment`, `request-advice`, `record-advice`, `record-exception`,
    /// `decide-plan`, `plan`, `send-draft`, `record-comments`, `consult-school`,
    /// `record-school-response`, `issue-plan`, `record-review`, `decide-review`,
    /// `send-amendments`, `issue-amended-plan`, `add-note`, `allocate`, `close`). Each is done
    /// with its command; a command for an action not listed is refused.
    pub allowed_actions: Vec<String>,
}

/// Where a case is in the EHC process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageName {
    /// Deciding whether to assess (reg 5).
    Requested,
    /// Assessing: advice requested and gathered (reg 6–8).
    Assessing,
    /// Decided not to assess (appealable).
    NotAssessing,
    /// Decided to issue a plan; the draft is being written.
    Drafting,
    /// Draft served: the family is commenting and schools are consulted (reg 13(1)).
    DraftServed,
    /// Decided not to issue a plan (reg 10; appealable).
    NotIssuing,
    /// Final plan issued (reg 13(2)).
    PlanIssued,
    /// Closed.
    Closed,
}

impl From<Stage> for StageName {
    fn from(stage: Stage) -> StageName {
        match stage {
            Stage::Requested => StageName::Requested,
            Stage::Assessing => StageName::Assessing,
            Stage::NotAssessing => StageName::NotAssessing,
            Stage::Drafting => StageName::Drafting,
            Stage::DraftServed => StageName::DraftServed,
            Stage::NotIssuing => StageName::NotIssuing,
            Stage::PlanIssued => StageName::PlanIssued,
            Stage::Closed => StageName::Closed,
        }
    }
}

/// The child or young person (0–25).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildBody {
    /// Given name(s).
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// Unique Pupil Number (13 characters with a check letter), if known.
    #[serde(default)]
    pub upn: Option<String>,
    /// Unique Learner Number (10 digits), if known.
    #[serde(default)]
    pub uln: Option<String>,
    /// NHS number (10 digits, modulus 11 check digit), if known.
    #[serde(default)]
    pub nhs_number: Option<String>,
    /// Home address.
    #[serde(default)]
    pub address: Option<AddressBody>,
    /// Parents and carers.
    #[serde(default)]
    pub parents: Vec<ParentCarerBody>,
    /// The school, college or setting the child attends now, if any.
    #[serde(default)]
    pub school: Option<PlacementBody>,
}

/// A postal address.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    /// Street lines.
    #[serde(default)]
    pub lines: Vec<String>,
    /// Town or city.
    pub town: String,
    /// Postcode.
    pub postcode: String,
}

/// A parent or carer with parental responsibility, or another named contact.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParentCarerBody {
    /// Full name.
    pub name: String,
    /// Relationship to the child ("Mother", "Foster carer").
    pub relationship: String,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// How they prefer to be contacted.
    pub contact_preference: ContactPreferenceName,
}

/// How a parent or carer prefers to be contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactPreferenceName {
    /// By email.
    Email,
    /// By phone.
    Phone,
    /// By post.
    Post,
    /// Through the Waymark portal.
    Portal,
}

impl From<ContactPreference> for ContactPreferenceName {
    fn from(p: ContactPreference) -> ContactPreferenceName {
        match p {
            ContactPreference::Email => ContactPreferenceName::Email,
            ContactPreference::Phone => ContactPreferenceName::Phone,
            ContactPreference::Post => ContactPreferenceName::Post,
            ContactPreference::Portal => ContactPreferenceName::Portal,
        }
    }
}

impl From<ContactPreferenceName> for ContactPreference {
    fn from(p: ContactPreferenceName) -> ContactPreference {
        match p {
            ContactPreferenceName::Email => ContactPreference::Email,
            ContactPreferenceName::Phone => ContactPreference::Phone,
            ContactPreferenceName::Post => ContactPreference::Post,
            ContactPreferenceName::Portal => ContactPreference::Portal,
        }
    }
}

impl From<&Child> for ChildBody {
    fn from(c: &Child) -> ChildBody {
        ChildBody {
            given_name: c.given_name.clone(),
            family_name: c.family_name.clone(),
            date_of_birth: c.date_of_birth,
            upn: c.upn.as_ref().map(|u| u.as_str().to_string()),
            uln: c.uln.as_ref().map(|u| u.as_str().to_string()),
            nhs_number: c.nhs_number.as_ref().map(|n| n.as_str().to_string()),
            address: c.address.as_ref().map(|a| AddressBody {
                lines: a.lines.clone(),
                town: a.town.clone(),
                postcode: a.postcode.clone(),
            }),
            parents: c
                .parents
                .iter()
                .map(|p| ParentCarerBody {
                    name: p.name.clone(),
                    relationship: p.relationship.clone(),
                    email: p.email.clone(),
                    phone: p.phone.clone(),
                    contact_preference: p.contact_preference.into(),
                })
                .collect(),
            school: c.school.as_ref().map(PlacementBody::from),
        }
    }
}

/// The request for an EHC needs assessment, which starts the statutory clock.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestBody {
    /// The day it was received (or the LA became responsible): day 0 of every clock.
    pub received: NaiveDate,
    /// Who made it: an SEN2 request source code (e.g. `PAR` for a parent).
    pub source: String,
    /// Why: what the requester says.
    pub reasons: String,
}

impl From<&Request> for RequestBody {
    fn from(r: &Request) -> RequestBody {
        RequestBody {
            received: r.received,
            source: r.source.clone(),
            reasons: r.reasons.clone(),
        }
    }
}

/// A yes/no decision with its reasons.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    /// The day it was made.
    pub on: NaiveDate,
    /// Yes or no.
    pub yes: bool,
    /// The reasons given.
    pub reasons: String,
}

/// One advice request.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdviceView {
    /// Its number within the case (for `record_advice_received`).
    pub number: u32,
    /// Who it was asked of.
    pub kind: AdviceKindName,
    /// The organisation asked.
    pub organisation: String,
    /// When it was requested.
    pub requested: NaiveDate,
    /// When it was received.
    pub received: Option<NaiveDate>,
    /// The stored document holding the advice.
    pub document: Option<String>,
}

/// An exception recorded on the case.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExceptionView {
    /// Which exception.
    pub kind: ExceptionKindName,
    /// First day.
    pub from: Option<NaiveDate>,
    /// Last day, if known.
    pub to: Option<NaiveDate>,
    /// What happened.
    pub note: String,
}

/// One saved version of the plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanVersionView {
    /// Its number, from 1 (for `serve_draft` and `issue_final_plan`).
    pub version: u32,
    /// The text of each section.
    pub sections: PlanSectionsBody,
    /// When it was saved.
    pub saved_on: NaiveDate,
    /// When it was served on the family as the draft, if it was.
    pub served_on: Option<NaiveDate>,
}

/// A consultation with a school about being named.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationView {
    /// Its number within the case.
    pub number: u32,
    /// The school consulted.
    pub setting: PlacementBody,
    /// When it was sent.
    pub sent: NaiveDate,
    /// When the school answered.
    pub responded: Option<NaiveDate>,
    /// Whether the school agreed it can meet the child's needs.
    pub agreed: Option<bool>,
}

/// One review of the plan: the meeting, the decision after it, and any amendments.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    /// Its number within the case (the `number` its commands take).
    pub number: u32,
    /// The day of the review meeting.
    pub meeting_on: NaiveDate,
    /// The last day for the decision after it (reg 20, 21: 4 weeks).
    pub decision_by: Option<NaiveDate>,
    /// The decision, once made.
    pub decision: Option<ReviewDecisionView>,
    /// When the proposed amendments were sent (reg 22).
    pub amendments_sent: Option<NaiveDate>,
    /// The last day for the final amended plan (reg 22(3): 8 weeks after the amendments).
    pub amended_plan_by: Option<NaiveDate>,
    /// When the final amended plan was issued.
    pub amended_plan_issued: Option<NaiveDate>,
}

/// The decision after a review meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewDecisionView {
    /// The day it was made.
    pub on: NaiveDate,
    /// Maintain, amend or cease.
    pub outcome: ReviewOutcomeName,
}

/// The final plan as issued.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinalPlanView {
    /// The day it was issued.
    pub issued: NaiveDate,
    /// The plan version issued.
    pub version: u32,
    /// The placement named in section I.
    pub placement: PlacementBody,
}

/// Why and when a case was closed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClosureView {
    /// When.
    pub on: NaiveDate,
    /// Why.
    pub reason: ClosureReasonBody,
}

/// One statutory clock read today.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClockView {
    /// Which clock (`decide_whether_to_assess_by`, `advice_by`, `final_plan_by`, ...).
    pub kind: String,
    /// The clock in plain words.
    pub label: String,
    /// Where the time limit comes from ("reg 13(2)").
    pub regulation: String,
    /// What it is about when a case has several of the kind.
    pub about: Option<String>,
    /// The trigger date; none while the clock has not started.
    pub trigger: Option<NaiveDate>,
    /// The due date; none while the clock has not started.
    pub due: Option<NaiveDate>,
    /// When the action happened, if it has.
    pub done: Option<NaiveDate>,
    /// Where it stands today.
    pub status: ClockStatusName,
    /// The status in plain words.
    pub status_label: String,
    /// Days left until the due date (0 on the day), while running and not late.
    pub days_remaining: Option<i64>,
    /// Days past the due date: while still open, or how late it was met.
    pub days_overdue: Option<i64>,
    /// Recorded exceptions that excuse lateness on this clock.
    pub exceptions: Vec<ExceptionKindName>,
}

/// Where a clock stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockStatusName {
    /// Its trigger has not happened.
    NotStarted,
    /// Running, with more than 14 days left.
    Due,
    /// Running, due within 14 days (or today).
    DueSoon,
    /// Running and past its due date.
    Overdue,
    /// A family's window that ended unused.
    Closed,
    /// Done on or before the due date.
    MetOnTime,
    /// Done after the due date, with no exception that excuses it.
    MetLate,
    /// Done after the due date, with an exception that excuses it.
    MetLateWithException,
}

impl From<ClockStatus> for ClockStatusName {
    fn from(s: ClockStatus) -> ClockStatusName {
        match s {
            ClockStatus::NotStarted => ClockStatusName::NotStarted,
            ClockStatus::Due => ClockStatusName::Due,
            ClockStatus::DueSoon => ClockStatusName::DueSoon,
            ClockStatus::Overdue => ClockStatusName::Overdue,
            ClockStatus::Closed => ClockStatusName::Closed,
            ClockStatus::MetOnTime => ClockStatusName::MetOnTime,
            ClockStatus::MetLate => ClockStatusName::MetLate,
            ClockStatus::MetLateWithException => ClockStatusName::MetLateWithException,
        }
    }
}

impl From<&ClockReading> for ClockView {
    fn from(r: &ClockReading) -> ClockView {
        ClockView {
            kind: r.clock.kind.key().to_string(),
            label: r.clock.kind.label().to_string(),
            regulation: r.clock.kind.regulation().to_string(),
            about: r.clock.about.clone(),
            trigger: r.clock.trigger,
            due: r.clock.due,
            done: r.clock.done,
            status: r.status.into(),
            status_label: r.status.label().to_string(),
            days_remaining: r.days_remaining,
            days_overdue: r.days_overdue,
            exceptions: r.exceptions.iter().map(|k| (*k).into()).collect(),
        }
    }
}

/// The next statutory deadline on a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct NextDeadlineView {
    /// Which clock.
    pub kind: String,
    /// The clock in plain words.
    pub label: String,
    /// What it is about, when a case has several of the kind (on a case; lists leave it out).
    pub about: Option<String>,
    /// Its due date.
    pub due: NaiveDate,
    /// Red (overdue), amber (due within 14 days) or green, today.
    pub rag: RagName,
}

/// A deadline's rating today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RagName {
    /// Past its due date.
    Red,
    /// Due within 14 days, or today.
    Amber,
    /// More time than that.
    Green,
}

impl From<Rag> for RagName {
    fn from(r: Rag) -> RagName {
        match r {
            Rag::Red => RagName::Red,
            Rag::Amber => RagName::Amber,
            Rag::Green => RagName::Green,
        }
    }
}

fn next_deadline_of(
    case: &Case,
    calendar: &WorkingDayCalendar,
    today: NaiveDate,
) -> AppResult<Option<NextDeadlineView>> {
    let next = deadlines::next_deadline(case, calendar).map_err(|_| AppError::Internal("clock"))?;
    Ok(next.map(|n| NextDeadlineView {
        kind: n.kind.key().to_string(),
        label: n.kind.label().to_string(),
        about: n.about,
        due: n.due,
        rag: Rag::of(n.due, today).into(),
    }))
}

/// The start and end of an exception, read from the domain's stored form (its fields are
/// private: it is built only through `Exception::new`, which checks them).
#[derive(Deserialize)]
struct ExceptionDates {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl CaseDetail {
    /// The API's view of a case for `actor`, with its clocks (working days by `calendar`) and
    /// the actions allowed read on `today`.
    ///
    /// # Errors
    /// [`AppError::Internal`] if a clock cannot be worked out (a date out of range).
    pub fn of(
        loaded: &LoadedCase,
        actor: &Actor,
        calendar: &WorkingDayCalendar,
        today: NaiveDate,
    ) -> AppResult<CaseDetail> {
        let case = &loaded.case;
        let clocks = case
            .clocks(calendar, today)
            .map_err(|_| AppError::Internal("clock"))?;
        let decision = |d: &Option<waymark_store::domain::case::Decision>| {
            d.as_ref().map(|d| DecisionView {
                on: d.on,
                yes: d.yes,
                reasons: d.reasons.clone(),
            })
        };
        Ok(CaseDetail {
            id: loaded.id.0,
            reference: case.reference.clone(),
            version: loaded.version,
            stage: case.stage.into(),
            stage_label: case.stage.label().to_string(),
            child: (&case.child).into(),
            request: (&case.request).into(),
            caseworker: case.caseworker.clone(),
            assessment_decision: decision(&case.assessment_decision),
            advice: case
                .advice
                .iter()
                .map(|a| AdviceView {
                    number: a.number,
                    kind: a.kind.into(),
                    organisation: a.organisation.clone(),
                    requested: a.requested,
                    received: a.received,
                    document: a.document.clone(),
                })
                .collect(),
            exceptions: case
                .exceptions
                .iter()
                .map(|e| {
                    let dates = serde_json::to_value(&e.exception)
                        .ok()
                        .and_then(|v| serde_json::from_value::<ExceptionDates>(v).ok());
                    ExceptionView {
                        kind: e.exception.kind().into(),
                        from: dates.as_ref().and_then(|d| d.from),
                        to: dates.as_ref().and_then(|d| d.to),
                        note: e.note.clone(),
                    }
                })
                .collect(),
            issue_decision: decision(&case.issue_decision),
            plan_versions: case
                .plan_versions
                .iter()
                .map(|v| PlanVersionView {
                    version: v.version,
                    sections: (&v.sections).into(),
                    saved_on: v.saved_on,
                    served_on: v.served_on,
                })
                .collect(),
            representations_received: case.representations_received,
            requested_school: case.requested_school.clone(),
            consultations: case
                .consultations
                .iter()
                .map(|c| ConsultationView {
                    number: c.number,
                    setting: (&c.setting).into(),
                    sent: c.sent,
                    responded: c.responded,
                    agreed: c.agreed,
                })
                .collect(),
            final_plan: case.final_plan.as_ref().map(|p| FinalPlanView {
                issued: p.issued,
                version: p.version,
                placement: (&p.placement).into(),
            }),
            reviews: case
                .reviews
                .iter()
                .map(|r| ReviewView {
                    number: r.number,
                    meeting_on: r.meeting_on,
                    decision_by: r.decision_by().ok(),
                    decision: r.decision.map(|d| ReviewDecisionView {
                        on: d.on,
                        outcome: d.outcome.into(),
                    }),
                    amendments_sent: r.amendments_sent,
                    amended_plan_by: r.amended_plan_by().and_then(Result::ok),
                    amended_plan_issued: r.amended_plan_issued,
                })
                .collect(),
            sen_needs: case.sen_needs.clone(),
            closure: case.closure.as_ref().map(|c| ClosureView {
                on: c.on,
                reason: (&c.reason).into(),
            }),
            clocks: clocks.iter().map(ClockView::from).collect(),
            next_deadline: next_deadline_of(case, calendar, today)?,
            allowed_actions: actions::available(case, actor, today)
                .into_iter()
                .map(|action| action.key().to_string())
                .collect(),
        })
    }
}

/// A case in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseListItem {
    /// The case's number.
    pub id: i64,
    /// The LA's own case reference.
    pub reference: String,
    /// The child's name ("given family").
    pub child_name: String,
    /// Where the case is.
    pub stage: StageName,
    /// The stage in plain words.
    pub stage_label: String,
    /// The named caseworker's user reference.
    pub caseworker: Option<String>,
    /// When the request was received.
    pub request_received: Option<NaiveDate>,
    /// The next deadline the council (or someone it asked) must meet, if any.
    pub next_deadline: Option<NextDeadlineView>,
}

/// A page of cases.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseList {
    /// This page's number, from 1.
    pub page: usize,
    /// How many cases a page holds.
    pub per_page: usize,
    /// How many cases match the filters, on every page.
    pub total: usize,
    /// The cases on this page, oldest first.
    pub cases: Vec<CaseListItem>,
}

/// One entry of a case's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryItem {
    /// Its place in the history, from 1: the case's version after it.
    pub seq: i64,
    /// What happened (`request_received`, `assessment_decided`, ...).
    pub kind: String,
    /// What happened in plain words ("Decided to assess on 10 February 2026").
    pub summary: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who did it.
    pub actor: ActorView,
    /// The event as the event log keeps it: `type` and its fields.
    #[schema(value_type = Object)]
    pub event: serde_json::Value,
}

/// Who did something.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActorView {
    /// Their user reference as the event log keeps it (a user number, or `import`,
    /// `demo`, `system`).
    pub reference: String,
    /// Their name, when the reference is a user of the same local authority.
    pub name: Option<String>,
}

/// A case's history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseHistory {
    /// The case's number.
    pub id: i64,
    /// The case's version (the number of entries).
    pub version: i64,
    /// Every event, oldest first.
    pub events: Vec<HistoryItem>,
}

impl CaseListItem {
    /// A row of the caseload as the API lists it, from the summary columns alone.
    ///
    /// # Errors
    /// [`AppError::Internal`] for a stage the domain does not know (a damaged row).
    pub fn of(item: caseload::CaseListItem, today: NaiveDate) -> AppResult<CaseListItem> {
        let summary = item.summary;
        let stage = Stage::ALL
            .into_iter()
            .find(|s| s.key() == summary.stage)
            .ok_or(AppError::Internal("unknown stage"))?;
        let next_deadline = match (summary.next_due, summary.next_due_clock) {
            (Some(due), Some(key)) => {
                let kind = ClockKind::ALL.into_iter().find(|k| k.key() == key);
                Some(NextDeadlineView {
                    label: kind.map_or_else(|| key.clone(), |k| k.label().to_string()),
                    kind: key,
                    about: None,
                    due,
                    rag: Rag::of(due, today).into(),
                })
            }
            _ => None,
        };
        Ok(CaseListItem {
            id: item.id.0,
            reference: item.reference,
            child_name: format!("{} {}", summary.given_name, summary.family_name),
            stage: stage.into(),
            stage_label: stage.label().to_string(),
            caseworker: summary.caseworker,
            request_received: summary.request_received,
            next_deadline,
        })
    }
}

impl HistoryItem {
    /// An entry of the history, done by `actor`.
    ///
    /// # Errors
    /// [`AppError::Internal`] if the event cannot be written as JSON (never: it was read
    /// from JSON).
    pub fn of(entry: HistoryEntry, actor: ActorView) -> AppResult<HistoryItem> {
        Ok(HistoryItem {
            seq: entry.seq,
            kind: entry.event.kind().to_string(),
            summary: entry.event.describe(),
            recorded_at: entry.recorded_at,
            actor,
            event: serde_json::to_value(&entry.event).map_err(|_| AppError::Internal("event"))?,
        })
    }
}
