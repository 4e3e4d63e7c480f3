//! The case state machine: every change to a case is a [`Command`], checked by [`decide`]
//! (is this allowed now, by this user, with this input, on this day?) and turned into
//! [`Event`]s. Pages, the API, the importer and the CLI all go through here.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Role};
use crate::appeal;
use crate::calendar::long_date;
use crate::case::{
    AdviceKind, AnnualReview, Case, Child, Closure, ClosureReason, Decision, FinalPlan, Placement,
    PlanSections, RecordedException, Request, ReviewOutcome, Stage,
};
use crate::clock::{self, Disagreement, Exception, ExceptionKind};
use crate::codes::{CodeList, CodeLists};
use crate::event::Event;

mod refusal;

pub use refusal::{Field, Refusal};

/// The oldest a young person can be when a request is made: plans run to age 25.
const MAX_AGE_YEARS: u32 = 25;

/// A request to change a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Name (or change) the case's caseworker, with a handover note (managers, admins).
    AllocateCaseworker {
        /// The caseworker's user reference.
        caseworker: String,
        /// A handover note.
        note: Option<String>,
    },
    /// Decide whether to assess (reg 5; within 6 weeks of the request).
    DecideWhetherToAssess {
        /// The decision date.
        on: NaiveDate,
        /// Assess or not.
        yes: bool,
        /// Reasons (required for "no", which can be appealed).
        reasons: String,
    },
    /// Ask for advice (reg 6); each request has its own 6-week clock (reg 8(1)).
    RequestAdvice {
        /// Whom.
        kind: AdviceKind,
        /// Which organisation.
        organisation: String,
        /// When.
        on: NaiveDate,
    },
    /// Record advice as received.
    RecordAdviceReceived {
        /// Which advice request (its `number` on the case).
        number: u32,
        /// When it arrived.
        on: NaiveDate,
        /// The stored document.
        document: Option<String>,
    },
    /// The organisation asked for advice says it cannot give it (the wrong service, the child
    /// is not known to it...). The request is then answered without advice: its 6-week clock
    /// (reg 8(1)) stops on the day it was declined, as if advice had arrived, and the decision
    /// whether to issue no longer waits for it. The caseworker asks someone else if needed.
    /// Declined by staff, or by a professional.
    DeclineAdviceRequest {
        /// Which advice request (its `number` on the case).
        number: u32,
        /// Why, in the organisation's words.
        reason: String,
    },
    /// Record an exception to the time limits (reg 5(4), 8(2), 10(4), 13(3)).
    RecordException {
        /// Which exception.
        kind: ExceptionKind,
        /// First day.
        from: NaiveDate,
        /// Last day (re-opening day for a closure), if known.
        to: Option<NaiveDate>,
        /// What happened.
        note: String,
    },
    /// Decide whether to issue a plan (reg 10).
    DecideWhetherToIssue {
        /// The decision date.
        on: NaiveDate,
        /// Issue or not.
        yes: bool,
        /// Reasons (required for "no").
        reasons: String,
    },
    /// Save a new version of the plan.
    SavePlan {
        /// The text of every section.
        sections: PlanSections,
    },
    /// Serve a version of the plan on the family as the draft (reg 13(1)).
    ServeDraft {
        /// Which version: must be the latest.
        version: u32,
        /// When.
        on: NaiveDate,
    },
    /// Record the family's representations on the draft.
    RecordRepresentations {
        /// When they arrived.
        on: NaiveDate,
        /// The school the family asked for.
        requested_school: Option<String>,
    },
    /// Consult a school about being named (s.39 CFA 2014).
    ConsultSchool {
        /// The school.
        setting: Placement,
        /// When.
        on: NaiveDate,
    },
    /// Record a consulted school's answer.
    RecordConsultationResponse {
        /// Which consultation.
        number: u32,
        /// When.
        on: NaiveDate,
        /// Whether the school agreed.
        agreed: bool,
    },
    /// Issue the final plan naming a placement (reg 13(2); within 20 weeks of the request,
    /// and not before the family's 15 days on the draft have passed unless they have
    /// commented).
    IssueFinalPlan {
        /// Which version: must be the latest.
        version: u32,
        /// When.
        on: NaiveDate,
        /// The placement named in section I.
        placement: Placement,
    },
    /// Record an annual review meeting held (reg 18): staff, or a professional (the school's
    /// SENCO holds most reviews). The review gets the next `number` on the case; a new meeting
    /// waits for the decision after the last one.
    RecordReviewMeeting {
        /// The day of the meeting.
        on: NaiveDate,
    },
    /// Decide after a review meeting to maintain, amend or cease the plan (reg 20, 21; within
    /// 4 weeks of the meeting; staff).
    DecideAfterReview {
        /// Which review (its `number` on the case).
        number: u32,
        /// The decision date.
        on: NaiveDate,
        /// Maintain, amend or cease.
        outcome: ReviewOutcome,
        /// Reasons (required to cease, which can be appealed).
        reasons: String,
    },
    /// Send the family the proposed amendments after a decision to amend (reg 22; staff).
    SendProposedAmendments {
        /// Which review (its `number` on the case).
        number: u32,
        /// When they were sent.
        on: NaiveDate,
    },
    /// Issue the final amended plan (reg 22(3); within 8 weeks of the proposed amendments;
    /// staff).
    IssueAmendedPlan {
        /// Which review (its `number` on the case).
        number: u32,
        /// When it was issued.
        on: NaiveDate,
    },
    /// Record the ranked types of need (SEN2).
    RecordSenNeeds {
        /// SEN2 type codes, most significant first.
        ranked: Vec<String>,
    },
    /// Record mediation and appeal after an appealable decision.
    RecordDisagreement {
        /// When mediation was requested.
        mediation_requested: Option<NaiveDate>,
        /// When the mediation certificate was issued.
        certificate_issued: Option<NaiveDate>,
        /// When mediation took place.
        mediation_held: Option<NaiveDate>,
        /// When an appeal was lodged.
        appeal_lodged: Option<NaiveDate>,
    },
    /// Add a note to the case record (staff; internal: never shown to the family).
    AddNote {
        /// The note (up to 10,000 characters).
        text: String,
    },
    /// Close the case.
    CloseCase {
        /// When.
        on: NaiveDate,
        /// Why.
        reason: ClosureReason,
    },
}

impl Command {
    /// The command's stable name, as its JSON `type` and the audit trail give it
    /// (`"decide_whether_to_assess"`).
    pub fn name(&self) -> &'static str {
        match self {
            Command::AllocateCaseworker { .. } => "allocate_caseworker",
            Command::DecideWhetherToAssess { .. } => "decide_whether_to_assess",
            Command::RequestAdvice { .. } => "request_advice",
            Command::RecordAdviceReceived { .. } => "record_advice_received",
            Command::DeclineAdviceRequest { .. } => "decline_advice_request",
            Command::RecordException { .. } => "record_exception",
            Command::DecideWhetherToIssue { .. } => "decide_whether_to_issue",
            Command::SavePlan { .. } => "save_plan",
            Command::ServeDraft { .. } => "serve_draft",
            Command::RecordRepresentations { .. } => "record_representations",
            Command::ConsultSchool { .. } => "consult_school",
            Command::RecordConsultationResponse { .. } => "record_consultation_response",
            Command::IssueFinalPlan { .. } => "issue_final_plan",
            Command::RecordReviewMeeting { .. } => "record_review_meeting",
            Command::DecideAfterReview { .. } => "decide_after_review",
            Command::SendProposedAmendments { .. } => "send_proposed_amendments",
            Command::IssueAmendedPlan { .. } => "issue_amended_plan",
            Command::RecordSenNeeds { .. } => "record_sen_needs",
            Command::RecordDisagreement { .. } => "record_disagreement",
            Command::AddNote { .. } => "add_note",
            Command::CloseCase { .. } => "close_case",
        }
    }
}

/// A new request for an EHC needs assessment: the command that starts a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRequest {
    /// The LA's case reference.
    pub reference: String,
    /// The child or young person.
    pub child: Child,
    /// The request.
    pub request: Request,
}

fn check_role(actor: &Actor, allowed: &[Role], action: &'static str) -> Result<(), Refusal> {
    if allowed.contains(&actor.role) {
        Ok(())
    } else {
        Err(Refusal::NotAllowed {
            role: actor.role.label(),
            action,
        })
    }
}

const STAFF: &[Role] = &[Role::Caseworker, Role::Manager, Role::Admin];

fn not_future(
    field: Field,
    what: &'static str,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<(), Refusal> {
    if date > today {
        Err(Refusal::FutureDate {
            field,
            what,
            date: long_date(date),
            today: long_date(today),
        })
    } else {
        Ok(())
    }
}

fn not_before(
    field: Field,
    what: &'static str,
    date: NaiveDate,
    earlier: &'static str,
    earlier_date: NaiveDate,
) -> Result<(), Refusal> {
    if date < earlier_date {
        Err(Refusal::TooEarly {
            field,
            what,
            date: long_date(date),
            earlier,
            earlier_date: long_date(earlier_date),
        })
    } else {
        Ok(())
    }
}

/// A command's date (`on`) must be real (not after today) and not before the request.
fn dated(
    case: &Case,
    what: &'static str,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<(), Refusal> {
    not_future(Field::On, what, date, today)?;
    not_before(
        Field::On,
        what,
        date,
        "the request was received",
        case.request.received,
    )
}

fn required(field: Field, value: &str, what: &'static str) -> Result<(), Refusal> {
    if value.trim().is_empty() {
        Err(Refusal::Missing { field, what })
    } else {
        Ok(())
    }
}

fn wrong_stage(case: &Case, action: &'static str) -> Refusal {
    Refusal::WrongStage {
        action,
        stage: case.stage.label(),
    }
}

/// Checks a new request and gives the event that starts the case.
pub fn decide_new(
    new: &NewRequest,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Vec<Event>, Refusal> {
    check_role(
        actor,
        &[
            Role::Caseworker,
            Role::Manager,
            Role::Admin,
            Role::Professional,
            Role::Parent,
        ],
        "record a request for an assessment",
    )?;
    required(Field::Reference, &new.reference, "a case reference")?;
    required(
        Field::GivenName,
        &new.child.given_name,
        "the child's given name",
    )?;
    required(
        Field::FamilyName,
        &new.child.family_name,
        "the child's family name",
    )?;
    required(
        Field::RequestReasons,
        &new.request.reasons,
        "the reasons for the request",
    )?;
    let received = new.request.received;
    not_future(
        Field::RequestReceived,
        "The date the request was received",
        received,
        today,
    )?;
    let dob = new.child.date_of_birth;
    not_future(Field::DateOfBirth, "The date of birth", dob, today)?;
    not_before(
        Field::RequestReceived,
        "The date the request was received",
        received,
        "the child's date of birth",
        dob,
    )?;
    let age = received.years_since(dob).unwrap_or(0);
    if age > MAX_AGE_YEARS {
        return Err(Refusal::invalid(
            Field::DateOfBirth,
            format!(
                "the young person was {age} when the request was received; \
                 EHC needs assessments are for children and young people aged 0 to 25"
            ),
        ));
    }
    let source = CodeLists::current()
        .check(CodeList::RequestSource, &new.request.source)
        .map_err(|e| Refusal::invalid(Field::RequestSource, e.to_string()))?;
    Ok(vec![Event::RequestReceived {
        reference: new.reference.trim().to_string(),
        child: new.child.clone(),
        request: Request {
            source,
            ..new.request.clone()
        },
    }])
}

pub(crate) fn check_placement(placement: &Placement) -> Result<Placement, Refusal> {
    let codes = CodeLists::current();
    required(
        Field::PlacementName,
        &placement.name,
        "the name of the school or setting",
    )?;
    let urn = placement
        .urn
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    let setting_code = placement
        .setting_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let setting_code = match (urn, setting_code) {
        (Some(urn), _) => {
            if !(urn.len() == 6 || urn.len() == 8) || !urn.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Refusal::invalid(
                    Field::PlacementUrn,
                    format!("'{urn}' is not a URN (6 digits) or UKPRN (8 digits)"),
                ));
            }
            None
        }
        (None, Some(code)) => Some(
            codes
                .check(CodeList::SettingCode, code)
                .map_err(|e| Refusal::invalid(Field::SettingCode, e.to_string()))?,
        ),
        (None, None) => {
            return Err(Refusal::Missing {
                field: Field::PlacementUrn,
                what: "the school's URN, or a setting code where it has none",
            });
        }
    };
    let placement_type = codes
        .check(CodeList::PlacementType, &placement.placement_type)
        .map_err(|e| Refusal::invalid(Field::PlacementType, e.to_string()))?;
    Ok(Placement {
        urn: urn.map(str::to_string),
        setting_code,
        name: placement.name.trim().to_string(),
        placement_type,
    })
}

/// Checks a command against the case as it stands and gives the events it causes.
pub fn decide(
    case: &Case,
    command: &Command,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Vec<Event>, Refusal> {
    if actor.la != case.la {
        return Err(Refusal::OtherAuthority);
    }
    if let Some(closure) = &case.closure {
        return Err(Refusal::Closed(long_date(closure.on)));
    }
    match command {
        Command::AllocateCaseworker { caseworker, note } => {
            check_role(actor, &[Role::Manager, Role::Admin], "allocate cases")?;
            required(Field::Caseworker, caseworker, "the caseworker")?;
            if case.caseworker.as_deref() == Some(caseworker.as_str()) {
                return Err(Refusal::invalid(
                    Field::Caseworker,
                    "that caseworker already has this case",
                ));
            }
            Ok(vec![Event::CaseworkerAllocated {
                caseworker: caseworker.clone(),
                note: note.clone().filter(|n| !n.trim().is_empty()),
            }])
        }
        Command::DecideWhetherToAssess { on, yes, reasons } => {
            check_role(actor, STAFF, "decide whether to assess")?;
            if let Some(d) = &case.assessment_decision {
                return Err(Refusal::AlreadyRecorded {
                    what: "The decision whether to assess",
                    on: long_date(d.on),
                });
            }
            if case.stage != Stage::Requested {
                return Err(wrong_stage(case, "decide whether to assess"));
            }
            dated(case, "The decision date", *on, today)?;
            if !yes {
                required(Field::Reasons, reasons, "the reasons for not assessing")?;
            }
            Ok(vec![Event::AssessmentDecided(Decision {
                on: *on,
                yes: *yes,
                reasons: reasons.trim().to_string(),
            })])
        }
        Command::RequestAdvice {
            kind,
            organisation,
            on,
        } => {
            check_role(actor, STAFF, "request advice")?;
            if case.stage != Stage::Assessing {
                return Err(wrong_stage(case, "request advice"));
            }
            required(
                Field::Organisation,
                organisation,
                "the organisation asked for advice",
            )?;
            dated(case, "The date advice was requested", *on, today)?;
            if let Some(d) = &case.assessment_decision {
                not_before(
                    Field::On,
                    "The date advice was requested",
                    *on,
                    "the decision to assess",
                    d.on,
                )?;
            }
            Ok(vec![Event::AdviceRequested {
                number: next_number(case.advice.iter().map(|a| a.number)),
                kind: *kind,
                organisation: organisation.trim().to_string(),
                requested: *on,
            }])
        }
        Command::RecordAdviceReceived {
            number,
            on,
            document,
        } => {
            check_role(
                actor,
                &[
                    Role::Caseworker,
                    Role::Manager,
                    Role::Admin,
                    Role::Professional,
                ],
                "record advice",
            )?;
            let advice =
                case.advice
                    .iter()
                    .find(|a| a.number == *number)
                    .ok_or(Refusal::NoSuch {
                        what: "advice request",
                        number: *number,
                    })?;
            if let Some(received) = advice.received {
                return Err(Refusal::AlreadyRecorded {
                    what: "This advice",
                    on: long_date(received),
                });
            }
            not_future(Field::On, "The date advice was received", *on, today)?;
            not_before(
                Field::On,
                "The date advice was received",
                *on,
                "the date it was requested",
                advice.requested,
            )?;
            Ok(vec![Event::AdviceReceived {
                number: *number,
                received: *on,
                document: document.clone(),
            }])
        }
        Command::DeclineAdviceRequest { number, reason } => {
            check_role(
                actor,
                &[
                    Role::Caseworker,
                    Role::Manager,
                    Role::Admin,
                    Role::Professional,
                ],
                "decline a request for advice",
            )?;
            let advice =
                case.advice
                    .iter()
                    .find(|a| a.number == *number)
                    .ok_or(Refusal::NoSuch {
                        what: "advice request",
                        number: *number,
                    })?;
            if let Some(answered) = advice.received {
                return Err(Refusal::AlreadyRecorded {
                    what: "An answer to this advice request",
                    on: long_date(answered),
                });
            }
            required(
                Field::Reason,
                reason,
                "why the request for advice is declined",
            )?;
            if reason.chars().count() > MAX_NOTE_CHARS {
                return Err(Refusal::invalid(
                    Field::Reason,
                    format!("the reason must be {MAX_NOTE_CHARS} characters or fewer"),
                ));
            }
            // Declined today: a request cannot be declined before it was made.
            not_before(
                Field::Number,
                "The date the request was declined",
                today,
                "the date it was requested",
                advice.requested,
            )?;
            Ok(vec![Event::AdviceDeclined {
                number: *number,
                on: today,
                reason: reason.trim().to_string(),
            }])
        }
        Command::RecordException {
            kind,
            from,
            to,
            note,
        } => {
            check_role(actor, STAFF, "record exceptions")?;
            required(Field::Note, note, "what happened")?;
            not_future(Field::From, "The start of the exception", *from, today)?;
            let exception = Exception::new(*kind, *from, *to)
                .map_err(|e| Refusal::invalid(Field::To, e.to_string()))?;
            Ok(vec![Event::ExceptionRecorded(RecordedException {
                exception,
                note: note.trim().to_string(),
            })])
        }
        Command::DecideWhetherToIssue { on, yes, reasons } => {
            check_role(actor, STAFF, "decide whether to issue a plan")?;
            if let Some(d) = &case.issue_decision {
                return Err(Refusal::AlreadyRecorded {
                    what: "The decision whether to issue a plan",
                    on: long_date(d.on),
                });
            }
            if case.stage != Stage::Assessing {
                return Err(wrong_stage(case, "decide whether to issue a plan"));
            }
            dated(case, "The decision date", *on, today)?;
            if let Some(d) = &case.assessment_decision {
                not_before(
                    Field::On,
                    "The decision date",
                    *on,
                    "the decision to assess",
                    d.on,
                )?;
            }
            if !yes {
                required(
                    Field::Reasons,
                    reasons,
                    "the reasons for not issuing a plan",
                )?;
            }
            // reg 8(1): those asked have 6 weeks; the decision waits for advice still in time.
            for advice in case.advice.iter().filter(|a| a.received.is_none()) {
                let due = clock::advice_by(advice.requested)
                    .map_err(|e| Refusal::invalid(Field::On, e.to_string()))?;
                if *on <= due {
                    return Err(Refusal::invalid(
                        Field::On,
                        format!(
                            "advice from {} ({}) is still awaited and not due until {}; \
                         record it, or decide after that date",
                            advice.organisation,
                            advice.kind.label(),
                            long_date(due)
                        ),
                    ));
                }
            }
            Ok(vec![Event::IssueDecided(Decision {
                on: *on,
                yes: *yes,
                reasons: reasons.trim().to_string(),
            })])
        }
        Command::SavePlan { sections } => {
            check_role(actor, STAFF, "write the plan")?;
            if !matches!(case.stage, Stage::Drafting | Stage::DraftServed) {
                return Err(wrong_stage(case, "write the plan"));
            }
            if case.latest_plan().is_some_and(|v| &v.sections == sections) {
                return Err(Refusal::invalid(
                    Field::Sections,
                    "nothing has changed since the latest version".to_string(),
                ));
            }
            Ok(vec![Event::PlanSaved {
                version: next_number(case.plan_versions.iter().map(|v| v.version)),
                sections: sections.clone(),
                saved_on: today,
            }])
        }
        Command::ServeDraft { version, on } => {
            check_role(actor, STAFF, "send the draft plan")?;
            if !matches!(case.stage, Stage::Drafting | Stage::DraftServed) {
                return Err(wrong_stage(case, "send the draft plan"));
            }
            let latest = case.latest_plan().ok_or(Refusal::Missing {
                field: Field::Version,
                what: "the draft plan: save a version of the plan first",
            })?;
            if latest.version != *version {
                return Err(Refusal::NotLatest {
                    given: *version,
                    latest: latest.version,
                });
            }
            if latest.served_on.is_some() {
                return Err(Refusal::AlreadyRecorded {
                    what: "This version",
                    on: latest.served_on.map(long_date).unwrap_or_default(),
                });
            }
            if !latest.sections.i.trim().is_empty() {
                return Err(Refusal::invalid(
                    Field::Sections,
                    "a draft plan must not name a school or setting: clear section I".to_string(),
                ));
            }
            dated(case, "The date the draft was sent", *on, today)?;
            if let Some(d) = &case.issue_decision {
                not_before(
                    Field::On,
                    "The date the draft was sent",
                    *on,
                    "the decision to issue",
                    d.on,
                )?;
            }
            Ok(vec![Event::DraftServed {
                version: *version,
                on: *on,
            }])
        }
        Command::RecordRepresentations {
            on,
            requested_school,
        } => {
            check_role(
                actor,
                &[Role::Caseworker, Role::Manager, Role::Admin, Role::Parent],
                "record comments on the draft",
            )?;
            if case.stage != Stage::DraftServed {
                return Err(wrong_stage(case, "record comments on the draft"));
            }
            if let Some(received) = case.representations_received {
                return Err(Refusal::AlreadyRecorded {
                    what: "The family's comments on this draft",
                    on: long_date(received),
                });
            }
            not_future(Field::On, "The date of the comments", *on, today)?;
            if let Some(served) = case.served_draft().and_then(|v| v.served_on) {
                not_before(
                    Field::On,
                    "The date of the comments",
                    *on,
                    "the draft was sent",
                    served,
                )?;
            }
            Ok(vec![Event::RepresentationsReceived {
                on: *on,
                requested_school: requested_school
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            }])
        }
        Command::ConsultSchool { setting, on } => {
            check_role(actor, STAFF, "consult schools")?;
            if case.stage != Stage::DraftServed {
                return Err(wrong_stage(case, "consult schools"));
            }
            let setting = check_placement(setting)?;
            not_future(Field::On, "The date of the consultation", *on, today)?;
            if let Some(served) = case.served_draft().and_then(|v| v.served_on) {
                not_before(
                    Field::On,
                    "The date of the consultation",
                    *on,
                    "the draft was sent",
                    served,
                )?;
            }
            Ok(vec![Event::SchoolConsulted {
                number: next_number(case.consultations.iter().map(|c| c.number)),
                setting,
                sent: *on,
            }])
        }
        Command::RecordConsultationResponse { number, on, agreed } => {
            check_role(
                actor,
                &[
                    Role::Caseworker,
                    Role::Manager,
                    Role::Admin,
                    Role::Professional,
                ],
                "record a school's response",
            )?;
            let consultation = case
                .consultations
                .iter()
                .find(|c| c.number == *number)
                .ok_or(Refusal::NoSuch {
                    what: "consultation",
                    number: *number,
                })?;
            if let Some(responded) = consultation.responded {
                return Err(Refusal::AlreadyRecorded {
                    what: "This school's response",
                    on: long_date(responded),
                });
            }
            not_future(Field::On, "The date of the response", *on, today)?;
            not_before(
                Field::On,
                "The date of the response",
                *on,
                "the consultation was sent",
                consultation.sent,
            )?;
            Ok(vec![Event::ConsultationAnswered {
                number: *number,
                on: *on,
                agreed: *agreed,
            }])
        }
        Command::IssueFinalPlan {
            version,
            on,
            placement,
        } => {
            check_role(actor, STAFF, "issue the final plan")?;
            if case.stage != Stage::DraftServed {
                return Err(match case.stage {
                    Stage::Drafting | Stage::Assessing | Stage::Requested => Refusal::invalid(
                        Field::Version,
                        "a final plan can only be issued after a draft has been sent to the family"
                            .to_string(),
                    ),
                    _ => wrong_stage(case, "issue the final plan"),
                });
            }
            let latest = case.latest_plan().ok_or(Refusal::Missing {
                field: Field::Version,
                what: "the plan",
            })?;
            if latest.version != *version {
                return Err(Refusal::NotLatest {
                    given: *version,
                    latest: latest.version,
                });
            }
            let placement = check_placement(placement)?;
            dated(case, "The date the plan was issued", *on, today)?;
            let served = case
                .served_draft()
                .and_then(|v| v.served_on)
                .ok_or(Refusal::Missing {
                    field: Field::Version,
                    what: "the date the draft was sent",
                })?;
            not_before(
                Field::On,
                "The date the plan was issued",
                *on,
                "the draft was sent",
                served,
            )?;
            // reg 13(1): the family has at least 15 days to comment, unless they already have.
            let window_ends = clock::representations_by(served)
                .map_err(|e| Refusal::invalid(Field::On, e.to_string()))?;
            if case.representations_received.is_none() && *on <= window_ends {
                return Err(Refusal::invalid(
                    Field::On,
                    format!(
                        "the family has until {} to comment on the draft; \
                     record their comments, or issue the plan after that date",
                        long_date(window_ends)
                    ),
                ));
            }
            Ok(vec![Event::FinalPlanIssued(FinalPlan {
                issued: *on,
                version: *version,
                placement,
            })])
        }
        Command::RecordReviewMeeting { on } => {
            check_role(
                actor,
                &[
                    Role::Caseworker,
                    Role::Manager,
                    Role::Admin,
                    Role::Professional,
                ],
                "record an annual review meeting",
            )?;
            let issued = match (&case.final_plan, case.stage) {
                (Some(plan), Stage::PlanIssued) => plan.issued,
                _ => return Err(wrong_stage(case, "record an annual review meeting")),
            };
            not_future(Field::On, "The date of the review meeting", *on, today)?;
            not_before(
                Field::On,
                "The date of the review meeting",
                *on,
                "the final plan was issued",
                issued,
            )?;
            if let Some(last) = case.last_review() {
                if last.decision.is_none() {
                    return Err(Refusal::invalid(
                        Field::On,
                        format!(
                            "the decision after annual review {} (meeting on {}) has not been \
                         recorded; record it before the next review meeting",
                            last.number,
                            long_date(last.meeting_on)
                        ),
                    ));
                }
                not_before(
                    Field::On,
                    "The date of the review meeting",
                    *on,
                    "the last review meeting",
                    last.meeting_on,
                )?;
            }
            Ok(vec![Event::ReviewMeetingRecorded {
                number: next_number(case.reviews.iter().map(|r| r.number)),
                on: *on,
            }])
        }
        Command::DecideAfterReview {
            number,
            on,
            outcome,
            reasons,
        } => {
            check_role(actor, STAFF, "decide after an annual review")?;
            let review = find_review(case, *number)?;
            if let Some(d) = &review.decision {
                return Err(Refusal::AlreadyRecorded {
                    what: "The decision after this review",
                    on: long_date(d.on),
                });
            }
            not_future(Field::On, "The decision date", *on, today)?;
            not_before(
                Field::On,
                "The decision date",
                *on,
                "the review meeting",
                review.meeting_on,
            )?;
            if *outcome == ReviewOutcome::Cease {
                required(
                    Field::Reasons,
                    reasons,
                    "the reasons for ceasing to maintain the plan",
                )?;
            }
            Ok(vec![Event::ReviewDecided {
                number: *number,
                on: *on,
                outcome: *outcome,
                reasons: reasons.trim().to_string(),
            }])
        }
        Command::SendProposedAmendments { number, on } => {
            check_role(actor, STAFF, "send proposed amendments")?;
            let review = find_review(case, *number)?;
            let decided = match review.decision {
                Some(d) if d.outcome == ReviewOutcome::Amend => d.on,
                Some(d) => {
                    return Err(Refusal::invalid(
                        Field::Number,
                        format!(
                            "proposed amendments follow a decision to amend the plan; after annual \
                         review {number} the decision was to {}",
                            d.outcome.label().to_lowercase()
                        ),
                    ));
                }
                None => {
                    return Err(Refusal::invalid(
                        Field::Number,
                        format!(
                            "record the decision after annual review {number} before sending \
                         proposed amendments"
                        ),
                    ));
                }
            };
            if let Some(sent) = review.amendments_sent {
                return Err(Refusal::AlreadyRecorded {
                    what: "The proposed amendments after this review",
                    on: long_date(sent),
                });
            }
            not_future(Field::On, "The date the amendments were sent", *on, today)?;
            not_before(
                Field::On,
                "The date the amendments were sent",
                *on,
                "the decision to amend",
                decided,
            )?;
            Ok(vec![Event::ProposedAmendmentsSent {
                number: *number,
                on: *on,
            }])
        }
        Command::IssueAmendedPlan { number, on } => {
            check_role(actor, STAFF, "issue the amended plan")?;
            let review = find_review(case, *number)?;
            let Some(sent) = review.amendments_sent else {
                return Err(Refusal::invalid(
                    Field::Number,
                    format!(
                        "send the proposed amendments after annual review {number} before issuing \
                     the amended plan"
                    ),
                ));
            };
            if let Some(issued) = review.amended_plan_issued {
                return Err(Refusal::AlreadyRecorded {
                    what: "The amended plan after this review",
                    on: long_date(issued),
                });
            }
            not_future(
                Field::On,
                "The date the amended plan was issued",
                *on,
                today,
            )?;
            not_before(
                Field::On,
                "The date the amended plan was issued",
                *on,
                "the proposed amendments were sent",
                sent,
            )?;
            Ok(vec![Event::AmendedPlanIssued {
                number: *number,
                on: *on,
            }])
        }
        Command::RecordSenNeeds { ranked } => {
            check_role(actor, STAFF, "record types of need")?;
            if ranked.is_empty() {
                return Err(Refusal::Missing {
                    field: Field::SenNeeds,
                    what: "at least one type of need",
                });
            }
            let codes = CodeLists::current();
            let mut checked = Vec::with_capacity(ranked.len());
            for code in ranked {
                let code = codes
                    .check(CodeList::SenType, code)
                    .map_err(|e| Refusal::invalid(Field::SenNeeds, e.to_string()))?;
                if checked.contains(&code) {
                    return Err(Refusal::invalid(
                        Field::SenNeeds,
                        format!("{code} is listed twice"),
                    ));
                }
                checked.push(code);
            }
            Ok(vec![Event::SenNeedsRecorded { ranked: checked }])
        }
        Command::RecordDisagreement {
            mediation_requested,
            certificate_issued,
            mediation_held,
            appeal_lodged,
        } => {
            check_role(actor, STAFF, "record mediation and appeals")?;
            let (_, notice) = appeal::appealable_decision(case)
                .ok_or_else(|| wrong_stage(case, "record mediation or an appeal"))?;
            for (field, what, date) in [
                (
                    Field::MediationRequested,
                    "The date mediation was requested",
                    mediation_requested,
                ),
                (
                    Field::CertificateIssued,
                    "The date of the mediation certificate",
                    certificate_issued,
                ),
                (
                    Field::MediationHeld,
                    "The date of mediation",
                    mediation_held,
                ),
                (Field::AppealLodged, "The date of the appeal", appeal_lodged),
            ] {
                if let Some(date) = date {
                    not_future(field, what, *date, today)?;
                    not_before(field, what, *date, "the decision", notice)?;
                }
            }
            Ok(vec![Event::DisagreementRecorded(Disagreement {
                decision_notice: notice,
                adviser_contacted: *mediation_requested,
                mediation_requested: *mediation_requested,
                certificate_issued: *certificate_issued,
                mediation_held: *mediation_held,
                appeal_lodged: *appeal_lodged,
            })])
        }
        Command::AddNote { text } => {
            check_role(actor, STAFF, "add notes")?;
            required(Field::Text, text, "the note")?;
            if text.chars().count() > MAX_NOTE_CHARS {
                return Err(Refusal::invalid(
                    Field::Text,
                    format!("a note must be {MAX_NOTE_CHARS} characters or fewer"),
                ));
            }
            Ok(vec![Event::NoteAdded {
                text: text.trim().to_string(),
            }])
        }
        Command::CloseCase { on, reason } => {
            check_role(actor, STAFF, "close cases")?;
            dated(case, "The closing date", *on, today)?;
            check_closure_reason(case, reason)?;
            let reason = match reason {
                ClosureReason::Ceased { cease_reason } => ClosureReason::Ceased {
                    cease_reason: CodeLists::current()
                        .check(CodeList::CeaseReason, cease_reason)
                        .map_err(|e| Refusal::invalid(Field::CeaseReason, e.to_string()))?,
                },
                other => other.clone(),
            };
            Ok(vec![Event::CaseClosed(Closure { on: *on, reason })])
        }
    }
}

/// Whether a case at its stage can close for `reason` (the SEN2 cease reason code of a
/// `Ceased` is checked on its own). [`crate::actions::closure_reasons`] offers exactly the
/// reasons this accepts.
///
/// - Only a plan that was issued can cease (s.45 CFA 2014), and an issued plan closes only by
///   ceasing: a family that moves to another council's area takes the plan with them (reg 15,
///   cease reason 1) or leaves England (cease reason 6), so SEN2 has its cease reason.
/// - "No plan" closes a case after a decision not to assess (reg 5) or not to issue (reg 10).
/// - Before a plan is issued, the request can be withdrawn or the family can move away.
pub(crate) fn check_closure_reason(case: &Case, reason: &ClosureReason) -> Result<(), Refusal> {
    match reason {
        ClosureReason::Ceased { .. } if case.stage != Stage::PlanIssued => Err(Refusal::invalid(
            Field::ClosureReason,
            "only a plan that was issued can cease; use 'withdrawn' or 'no plan' instead"
                .to_string(),
        )),
        ClosureReason::NoPlan if !matches!(case.stage, Stage::NotAssessing | Stage::NotIssuing) => {
            Err(Refusal::invalid(
                Field::ClosureReason,
                "'no plan' closes a case after a decision not to assess or not to issue"
                    .to_string(),
            ))
        }
        ClosureReason::Withdrawn if case.stage == Stage::PlanIssued => Err(Refusal::invalid(
            Field::ClosureReason,
            "a plan that was issued cannot be withdrawn; record why it ceased".to_string(),
        )),
        ClosureReason::MovedAway if case.stage == Stage::PlanIssued => Err(Refusal::invalid(
            Field::ClosureReason,
            "a plan that was issued ceases when the family moves away; record why it ceased \
             (1 if another local authority now maintains it, 6 if they left England)"
                .to_string(),
        )),
        _ => Ok(()),
    }
}

/// The longest note accepted.
pub const MAX_NOTE_CHARS: usize = 10_000;

fn find_review(case: &Case, number: u32) -> Result<&AnnualReview, Refusal> {
    case.review(number).ok_or(Refusal::NoSuch {
        what: "annual review",
        number,
    })
}

fn next_number(existing: impl Iterator<Item = u32>) -> u32 {
    existing.max().unwrap_or(0) + 1
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
