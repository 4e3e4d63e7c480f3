//! A case: one child or young person's EHC needs assessment and plan, as current state built
//! from its events. The only way to change a case is [`crate::command::decide`], whose events
//! [`Case::apply`] folds in; so the event log always rebuilds the same state.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::clock::{self, Amendments, Asked, CaseDates, Decided, Disagreement, Exception};
use crate::ids::LaCode;
use crate::nhs_number::NhsNumber;
use crate::uln::Uln;
use crate::upn::Upn;

/// Where a case is in the EHC process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Request received; deciding whether to assess (reg 5).
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
    /// Final plan issued: the plan is maintained and reviewed (reg 18).
    PlanIssued,
    /// Closed: withdrawn, moved away or ceased.
    Closed,
}

impl Stage {
    /// Every stage, in process order.
    pub const ALL: [Stage; 8] = [
        Stage::Requested,
        Stage::Assessing,
        Stage::NotAssessing,
        Stage::Drafting,
        Stage::DraftServed,
        Stage::NotIssuing,
        Stage::PlanIssued,
        Stage::Closed,
    ];

    /// The stage whose key this is.
    pub fn from_key(key: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The stable key stored in the database and used in URLs.
    pub fn key(self) -> &'static str {
        match self {
            Stage::Requested => "requested",
            Stage::Assessing => "assessing",
            Stage::NotAssessing => "not_assessing",
            Stage::Drafting => "drafting",
            Stage::DraftServed => "draft_served",
            Stage::NotIssuing => "not_issuing",
            Stage::PlanIssued => "plan_issued",
            Stage::Closed => "closed",
        }
    }

    /// The stage in plain words.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Requested => "Deciding whether to assess",
            Stage::Assessing => "Assessing",
            Stage::NotAssessing => "Not assessing",
            Stage::Drafting => "Writing the draft plan",
            Stage::DraftServed => "Draft plan sent",
            Stage::NotIssuing => "Not issuing a plan",
            Stage::PlanIssued => "Plan issued",
            Stage::Closed => "Closed",
        }
    }
}

/// How a parent or carer prefers to be contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactPreference {
    /// By email.
    Email,
    /// By phone.
    Phone,
    /// By post.
    Post,
    /// Through the Waymark portal.
    Portal,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    /// Street lines.
    pub lines: Vec<String>,
    /// Town or city.
    pub town: String,
    /// Postcode.
    pub postcode: String,
}

/// A parent or carer with parental responsibility, or another named contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentCarer {
    /// Full name.
    pub name: String,
    /// Relationship to the child ("Mother", "Foster carer").
    pub relationship: String,
    /// Email address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Preferred way to be contacted.
    pub contact_preference: ContactPreference,
}

/// The child or young person (0–25).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Child {
    /// Given name(s).
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// Unique Pupil Number, if known.
    pub upn: Option<Upn>,
    /// Unique Learner Number, if known.
    pub uln: Option<Uln>,
    /// NHS number, if known.
    pub nhs_number: Option<NhsNumber>,
    /// Home address.
    pub address: Option<Address>,
    /// Parents and carers.
    pub parents: Vec<ParentCarer>,
    /// The school, college or setting the child attends now, if any.
    #[serde(default)]
    pub school: Option<Placement>,
}

/// The request for an EHC needs assessment, which starts the statutory clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The day it was received (or the LA became responsible).
    pub received: NaiveDate,
    /// Who made it: an SEN2 request source code.
    pub source: String,
    /// Why: what the requester says.
    pub reasons: String,
}

/// A yes/no decision with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The day it was made.
    pub on: NaiveDate,
    /// Yes or no.
    pub yes: bool,
    /// The reasons given (required for a "no", which can be appealed).
    pub reasons: String,
}

/// Who statutory advice is asked of (reg 6(1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AdviceKind {
    /// The child's school or setting (reg 6(1)(b)).
    Education,
    /// An educational psychologist (reg 6(1)(d)).
    EducationalPsychology,
    /// Health care professionals (reg 6(1)(c)).
    Health,
    /// Social care (reg 6(1)(e)).
    SocialCare,
    /// Anyone else the LA thinks appropriate (reg 6(1)(f)–(h)).
    Other,
}

impl AdviceKind {
    /// The kind in plain words.
    pub fn label(self) -> &'static str {
        match self {
            AdviceKind::Education => "Education",
            AdviceKind::EducationalPsychology => "Educational psychology",
            AdviceKind::Health => "Health",
            AdviceKind::SocialCare => "Social care",
            AdviceKind::Other => "Other",
        }
    }
}

/// One advice request with its own 6-week clock (reg 8(1)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdviceRequest {
    /// Its number within the case, from 1.
    pub number: u32,
    /// Who it is asked of.
    pub kind: AdviceKind,
    /// The organisation asked ("Northfield NHS Trust").
    pub organisation: String,
    /// When it was requested.
    pub requested: NaiveDate,
    /// When it was received.
    pub received: Option<NaiveDate>,
    /// The stored document holding the advice.
    pub document: Option<String>,
}

/// An exception recorded on the case with a note (evidence kept elsewhere).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedException {
    /// The exception and its dates.
    pub exception: Exception,
    /// What happened, in the caseworker's words.
    pub note: String,
}

/// The sections of an EHC plan (SEND Regulations 2014, reg 12).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// A section left out is empty: a client saving a plan sends only the sections it has written.
#[serde(default)]
pub struct PlanSections {
    /// A: views, interests and aspirations.
    pub a: String,
    /// B: special educational needs.
    pub b: String,
    /// C: health needs.
    pub c: String,
    /// D: social care needs.
    pub d: String,
    /// E: outcomes.
    pub e: String,
    /// F: special educational provision.
    pub f: String,
    /// G: health provision.
    pub g: String,
    /// H1: social care provision under s.2 CSDPA 1970.
    pub h1: String,
    /// H2: other social care provision.
    pub h2: String,
    /// I: placement (empty in a draft).
    pub i: String,
    /// J: personal budget.
    pub j: String,
    /// K: advice and information.
    pub k: String,
}

/// One saved version of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanVersion {
    /// Its number, from 1.
    pub version: u32,
    /// The text of each section.
    pub sections: PlanSections,
    /// When it was saved.
    pub saved_on: NaiveDate,
    /// When it was served on the family as a draft, if it was.
    pub served_on: Option<NaiveDate>,
}

/// A school, college or setting: by GIAS URN / UKPRN, or an SEN2 setting code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Placement {
    /// GIAS URN (6 digits) or UKPRN (8 digits), when the setting has one.
    pub urn: Option<String>,
    /// SEN2 setting code (OLA, EHE, NEET...) when it does not.
    pub setting_code: Option<String>,
    /// Setting name.
    pub name: String,
    /// SEN2 placement type code.
    pub placement_type: String,
}

/// A consultation with a school about being named (s.39 CFA 2014).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consultation {
    /// Its number within the case, from 1.
    pub number: u32,
    /// The school consulted.
    pub setting: Placement,
    /// When it was sent.
    pub sent: NaiveDate,
    /// When the school answered.
    pub responded: Option<NaiveDate>,
    /// Whether the school agreed it can meet the child's needs.
    pub agreed: Option<bool>,
}

/// The final plan as issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalPlan {
    /// The day it was issued.
    pub issued: NaiveDate,
    /// The plan version issued.
    pub version: u32,
    /// The placement named in section I.
    pub placement: Placement,
}

/// Why a case was closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ClosureReason {
    /// The request was withdrawn.
    Withdrawn,
    /// The family moved to another local authority's area.
    MovedAway,
    /// A plan ceased to be maintained, with its SEN2 cease reason code (1–9).
    Ceased {
        /// The SEN2 cease reason code.
        cease_reason: String,
    },
    /// Closed after a decision not to assess or not to issue, with no appeal.
    NoPlan,
}

/// A closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// When.
    pub on: NaiveDate,
    /// Why.
    pub reason: ClosureReason,
}

/// What the local authority decided after an annual review meeting (reg 21).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    /// Keep the plan as it is.
    Maintain,
    /// Amend the plan: proposed amendments go to the family (reg 22).
    Amend,
    /// Cease to maintain the plan (appealable; the case closes when the plan ceases).
    Cease,
}

impl ReviewOutcome {
    /// Every outcome, in the order a form offers them.
    pub const ALL: [ReviewOutcome; 3] = [
        ReviewOutcome::Maintain,
        ReviewOutcome::Amend,
        ReviewOutcome::Cease,
    ];

    /// The stable key used in JSON and forms.
    pub fn key(self) -> &'static str {
        match self {
            ReviewOutcome::Maintain => "maintain",
            ReviewOutcome::Amend => "amend",
            ReviewOutcome::Cease => "cease",
        }
    }

    /// The outcome whose key this is.
    pub fn from_key(key: &str) -> Option<ReviewOutcome> {
        ReviewOutcome::ALL.into_iter().find(|o| o.key() == key)
    }

    /// The outcome in plain words ("Amend the plan").
    pub fn label(self) -> &'static str {
        match self {
            ReviewOutcome::Maintain => "Maintain the plan",
            ReviewOutcome::Amend => "Amend the plan",
            ReviewOutcome::Cease => "Cease to maintain the plan",
        }
    }
}

/// The decision after an annual review meeting: maintain, amend or cease (reg 20, 21), due
/// within 4 weeks of the meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDecision {
    /// The day it was made.
    pub on: NaiveDate,
    /// What was decided.
    pub outcome: ReviewOutcome,
}

/// One review of a maintained plan (reg 18–22): the meeting, the decision after it and, when
/// the plan is amended, the proposed amendments and the final amended plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualReview {
    /// Its number within the case, from 1.
    pub number: u32,
    /// The day the review meeting was held.
    pub meeting_on: NaiveDate,
    /// The decision after the meeting, once made (reg 21: within 4 weeks of it).
    pub decision: Option<ReviewDecision>,
    /// When the proposed amendments were sent to the family (reg 22), after a decision to
    /// amend.
    pub amendments_sent: Option<NaiveDate>,
    /// When the final amended plan was issued (reg 22(3): within 8 weeks of the amendments).
    pub amended_plan_issued: Option<NaiveDate>,
}

impl AnnualReview {
    /// reg 20, 21: the last day for the decision after this meeting.
    pub fn decision_by(&self) -> Result<NaiveDate, clock::ClockError> {
        clock::review_decision_by(self.meeting_on)
    }

    /// reg 22(3): the last day for the final amended plan, once amendments were sent.
    pub fn amended_plan_by(&self) -> Option<Result<NaiveDate, clock::ClockError>> {
        self.amendments_sent.map(clock::amended_plan_by)
    }
}

/// The case: current state, rebuilt from events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// The local authority the case belongs to.
    pub la: LaCode,
    /// The local authority's own case reference.
    pub reference: String,
    /// Where the case is.
    pub stage: Stage,
    /// The child or young person.
    pub child: Child,
    /// The request that started the case.
    pub request: Request,
    /// The named caseworker's user reference.
    pub caseworker: Option<String>,
    /// The decision whether to assess.
    pub assessment_decision: Option<Decision>,
    /// Advice requests.
    pub advice: Vec<AdviceRequest>,
    /// Exceptions recorded.
    pub exceptions: Vec<RecordedException>,
    /// The decision whether to issue a plan.
    pub issue_decision: Option<Decision>,
    /// Every version of the plan, oldest first.
    pub plan_versions: Vec<PlanVersion>,
    /// When the family's representations on the draft arrived.
    pub representations_received: Option<NaiveDate>,
    /// The school the family asked to be named, if any.
    pub requested_school: Option<String>,
    /// Consultations with schools.
    pub consultations: Vec<Consultation>,
    /// The final plan, once issued.
    pub final_plan: Option<FinalPlan>,
    /// SEN2 types of need, most significant first.
    pub sen_needs: Vec<String>,
    /// Mediation and appeal after an appealable decision.
    pub disagreement: Option<Disagreement>,
    /// The closure, if closed.
    pub closure: Option<Closure>,
    /// Reviews of the plan once issued, oldest first (reg 18–22). Absent from state stored
    /// before reviews were recorded, hence the default.
    #[serde(default)]
    pub reviews: Vec<AnnualReview>,
}

impl Case {
    /// The latest version of the plan, if any was saved.
    pub fn latest_plan(&self) -> Option<&PlanVersion> {
        self.plan_versions.last()
    }

    /// The latest version served as a draft, if any.
    pub fn served_draft(&self) -> Option<&PlanVersion> {
        self.plan_versions
            .iter()
            .rev()
            .find(|v| v.served_on.is_some())
    }

    /// The latest review of the plan, if any was held.
    pub fn last_review(&self) -> Option<&AnnualReview> {
        self.reviews.last()
    }

    /// The review with this number.
    pub fn review(&self, number: u32) -> Option<&AnnualReview> {
        self.reviews.iter().find(|r| r.number == number)
    }

    /// reg 18: the day the next review meeting is due by, once a final plan was issued: 12
    /// months after the plan or the last meeting (6 for a child under 5 on that day).
    pub fn next_review_by(&self) -> Option<Result<NaiveDate, clock::ClockError>> {
        let issued = self.final_plan.as_ref()?.issued;
        let from = self
            .last_review()
            .map_or(issued, |r| r.meeting_on.max(issued));
        Some(clock::annual_review_by(
            from,
            Some(self.child.date_of_birth),
        ))
    }

    /// The dates that drive the statutory clock (see [`crate::clock::case_clocks`]).
    pub fn clock_dates(&self) -> CaseDates {
        let decided = |d: &Option<Decision>| {
            d.as_ref().map(|d| Decided {
                on: d.on,
                yes: d.yes,
            })
        };
        CaseDates {
            date_of_birth: Some(self.child.date_of_birth),
            request_received: Some(self.request.received),
            assessment_decision: decided(&self.assessment_decision),
            advice: self
                .advice
                .iter()
                .map(|a| Asked {
                    who: format!("{}: {}", a.kind.label(), a.organisation),
                    on: a.requested,
                    answered: a.received,
                })
                .collect(),
            issue_decision: decided(&self.issue_decision),
            draft: self.served_draft().and_then(|v| {
                v.served_on.map(|on| Asked {
                    who: format!("Draft version {}", v.version),
                    on,
                    answered: self.representations_received,
                })
            }),
            consultations: self
                .consultations
                .iter()
                .map(|c| Asked {
                    who: c.setting.name.clone(),
                    on: c.sent,
                    answered: c.responded,
                })
                .collect(),
            final_plan_issued: self.final_plan.as_ref().map(|p| p.issued),
            // reg 18: the next review runs from the latest meeting; reg 20, 21: its decision
            // is due 4 weeks after it.
            previous_review_meeting: self.last_review().map(|r| r.meeting_on),
            review_decision: self.last_review().map(|r| Asked {
                who: format!("Annual review {}", r.number),
                on: r.meeting_on,
                answered: r.decision.map(|d| d.on),
            }),
            // reg 22(3): the latest amendments sent; a later review seldom overlaps an earlier
            // amendment still open, and then the later one is the one that matters.
            amendments: self.reviews.iter().rev().find_map(|r| {
                r.amendments_sent.map(|sent| Amendments {
                    sent,
                    comments_received: None,
                    plan_issued: r.amended_plan_issued,
                })
            }),
            closed: self.closure.as_ref().map(|c| c.on),
            disagreement: self.disagreement.clone(),
            exceptions: self
                .exceptions
                .iter()
                .map(|e| e.exception.clone())
                .collect(),
            ..CaseDates::default()
        }
    }

    /// The case's clocks read on `today`.
    pub fn clocks(
        &self,
        calendar: &crate::calendar::WorkingDayCalendar,
        today: NaiveDate,
    ) -> Result<Vec<clock::ClockReading>, clock::ClockError> {
        clock::read_case(&self.clock_dates(), calendar, today)
    }
}
