//! The JSON form of a change to a case: the domain's [`Command`], mirrored here so that the
//! OpenAPI document can describe it without the domain crate knowing about OpenAPI.
//!
//! The JSON is exactly the domain's serde form (`{"type": "decide_whether_to_assess", "on":
//! "2026-02-10", "yes": true, "reasons": ""}`), so a command a client sends is the command the
//! event log's tests know. The conversions below match every variant by name, both ways (the
//! domain-to-API one in the tests), so a command added to the domain does not compile here
//! until the API has it too; `every_domain_command_has_the_same_json_here` checks the field
//! names and tags agree.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use waymark_store::domain::case::{
    AdviceKind, ClosureReason, Placement, PlanSections, ReviewOutcome,
};
use waymark_store::domain::clock::ExceptionKind;
use waymark_store::domain::command::Command;

/// `POST /api/v1/cases/{id}/commands`: a change to a case, made on the version the client last
/// saw.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandRequest {
    /// The case's version when the client read it. If the case has changed since, nothing is
    /// written and the answer is 409: read the case again and decide again.
    pub expected_version: i64,
    /// The change.
    pub command: CaseCommand,
}

/// A change to a case. `type` says which; the case rules (SEND Regulations 2014) decide
/// whether it is allowed now, for this user, with these dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CaseCommand {
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
        kind: AdviceKindName,
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
    /// The organisation asked for advice declines to give it (staff, or a professional of
    /// that organisation). The request is answered without advice that day: its 6-week clock
    /// stops.
    DeclineAdviceRequest {
        /// Which advice request (its `number` on the case).
        number: u32,
        /// Why, in the organisation's words.
        reason: String,
    },
    /// Record an exception to the time limits (reg 5(4), 8(2), 10(4), 13(3)).
    RecordException {
        /// Which exception.
        kind: ExceptionKindName,
        /// First day.
        from: NaiveDate,
        /// Last day (the re-opening day for a closure), if known.
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
        sections: PlanSectionsBody,
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
        setting: PlacementBody,
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
        placement: PlacementBody,
    },
    /// Record an annual review meeting held (reg 18; staff, or a professional). The review
    /// gets the next `number` on the case; a new meeting waits for the decision after the last.
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
        outcome: ReviewOutcomeName,
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
    /// Record the ranked types of need (SEN2 codes).
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
    /// Add a note to the case record (staff; never shown to the family).
    AddNote {
        /// The note (up to 10,000 characters).
        text: String,
    },
    /// Close the case.
    CloseCase {
        /// When.
        on: NaiveDate,
        /// Why.
        reason: ClosureReasonBody,
    },
}

/// Who statutory advice is asked of (reg 6(1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdviceKindName {
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

/// What the local authority decided after an annual review meeting (reg 21).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcomeName {
    /// Keep the plan as it is.
    Maintain,
    /// Amend the plan: proposed amendments go to the family (reg 22).
    Amend,
    /// Cease to maintain the plan (appealable).
    Cease,
}

/// A statutory reason why a time limit does not apply (reg 5(4), 8(2), 10(4), 13(3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKindName {
    /// The school or post-16 institution closed for 4 weeks or more.
    SchoolClosure,
    /// The early years provider closed for 4 weeks or more.
    EarlyYearsClosure,
    /// Exceptional personal circumstances of the child or the family.
    ExceptionalPersonalCircumstances,
    /// Absent from the area for 4 or more continuous weeks.
    AbsentFromArea,
    /// A missed appointment (reg 8(2), 13(3) only).
    MissedAppointment,
}

/// The sections of an EHC plan (reg 12), A to K.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PlanSectionsBody {
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
    /// I: placement (must be empty in a draft).
    pub i: String,
    /// J: personal budget.
    pub j: String,
    /// K: advice and information.
    pub k: String,
}

/// A school, college or setting: by GIAS URN / UKPRN, or an SEN2 setting code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlacementBody {
    /// GIAS URN (6 digits) or UKPRN (8 digits), when the setting has one.
    pub urn: Option<String>,
    /// SEN2 setting code (OLA, EHE, NEET...) when it does not.
    pub setting_code: Option<String>,
    /// The setting's name.
    pub name: String,
    /// SEN2 placement type code.
    pub placement_type: String,
}

/// Why a case is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ClosureReasonBody {
    /// The request was withdrawn.
    Withdrawn,
    /// The family moved to another local authority's area.
    MovedAway,
    /// A plan ceased to be maintained.
    Ceased {
        /// The SEN2 cease reason code (1–9).
        cease_reason: String,
    },
    /// Closed after a decision not to assess or not to issue, with no appeal.
    NoPlan,
}

impl From<AdviceKindName> for AdviceKind {
    fn from(kind: AdviceKindName) -> AdviceKind {
        match kind {
            AdviceKindName::Education => AdviceKind::Education,
            AdviceKindName::EducationalPsychology => AdviceKind::EducationalPsychology,
            AdviceKindName::Health => AdviceKind::Health,
            AdviceKindName::SocialCare => AdviceKind::SocialCare,
            AdviceKindName::Other => AdviceKind::Other,
        }
    }
}

impl From<AdviceKind> for AdviceKindName {
    fn from(kind: AdviceKind) -> AdviceKindName {
        match kind {
            AdviceKind::Education => AdviceKindName::Education,
            AdviceKind::EducationalPsychology => AdviceKindName::EducationalPsychology,
            AdviceKind::Health => AdviceKindName::Health,
            AdviceKind::SocialCare => AdviceKindName::SocialCare,
            AdviceKind::Other => AdviceKindName::Other,
        }
    }
}

impl From<ReviewOutcomeName> for ReviewOutcome {
    fn from(outcome: ReviewOutcomeName) -> ReviewOutcome {
        match outcome {
            ReviewOutcomeName::Maintain => ReviewOutcome::Maintain,
            ReviewOutcomeName::Amend => ReviewOutcome::Amend,
            ReviewOutcomeName::Cease => ReviewOutcome::Cease,
        }
    }
}

impl From<ReviewOutcome> for ReviewOutcomeName {
    fn from(outcome: ReviewOutcome) -> ReviewOutcomeName {
        match outcome {
            ReviewOutcome::Maintain => ReviewOutcomeName::Maintain,
            ReviewOutcome::Amend => ReviewOutcomeName::Amend,
            ReviewOutcome::Cease => ReviewOutcomeName::Cease,
        }
    }
}

impl From<ExceptionKindName> for ExceptionKind {
    fn from(kind: ExceptionKindName) -> ExceptionKind {
        match kind {
            ExceptionKindName::SchoolClosure => ExceptionKind::SchoolClosure,
            ExceptionKindName::EarlyYearsClosure => ExceptionKind::EarlyYearsClosure,
            ExceptionKindName::ExceptionalPersonalCircumstances => {
                ExceptionKind::ExceptionalPersonalCircumstances
            }
            ExceptionKindName::AbsentFromArea => ExceptionKind::AbsentFromArea,
            ExceptionKindName::MissedAppointment => ExceptionKind::MissedAppointment,
        }
    }
}

impl From<ExceptionKind> for ExceptionKindName {
    fn from(kind: ExceptionKind) -> ExceptionKindName {
        match kind {
            ExceptionKind::SchoolClosure => ExceptionKindName::SchoolClosure,
            ExceptionKind::EarlyYearsClosure => ExceptionKindName::EarlyYearsClosure,
            ExceptionKind::ExceptionalPersonalCircumstances => {
                ExceptionKindName::ExceptionalPersonalCircumstances
            }
            ExceptionKind::AbsentFromArea => ExceptionKindName::AbsentFromArea,
            ExceptionKind::MissedAppointment => ExceptionKindName::MissedAppointment,
        }
    }
}

impl From<PlanSectionsBody> for PlanSections {
    fn from(s: PlanSectionsBody) -> PlanSections {
        let PlanSectionsBody {
            a,
            b,
            c,
            d,
            e,
            f,
            g,
            h1,
            h2,
            i,
            j,
            k,
        } = s;
        PlanSections {
            a,
            b,
            c,
            d,
            e,
            f,
            g,
            h1,
            h2,
            i,
            j,
            k,
        }
    }
}

impl From<&PlanSections> for PlanSectionsBody {
    fn from(s: &PlanSections) -> PlanSectionsBody {
        let PlanSections {
            a,
            b,
            c,
            d,
            e,
            f,
            g,
            h1,
            h2,
            i,
            j,
            k,
        } = s.clone();
        PlanSectionsBody {
            a,
            b,
            c,
            d,
            e,
            f,
            g,
            h1,
            h2,
            i,
            j,
            k,
        }
    }
}

impl From<PlacementBody> for Placement {
    fn from(p: PlacementBody) -> Placement {
        Placement {
            urn: p.urn,
            setting_code: p.setting_code,
            name: p.name,
            placement_type: p.placement_type,
        }
    }
}

impl From<&Placement> for PlacementBody {
    fn from(p: &Placement) -> PlacementBody {
        PlacementBody {
            urn: p.urn.clone(),
            setting_code: p.setting_code.clone(),
            name: p.name.clone(),
            placement_type: p.placement_type.clone(),
        }
    }
}

impl From<ClosureReasonBody> for ClosureReason {
    fn from(r: ClosureReasonBody) -> ClosureReason {
        match r {
            ClosureReasonBody::Withdrawn => ClosureReason::Withdrawn,
            ClosureReasonBody::MovedAway => ClosureReason::MovedAway,
            ClosureReasonBody::Ceased { cease_reason } => ClosureReason::Ceased { cease_reason },
            ClosureReasonBody::NoPlan => ClosureReason::NoPlan,
        }
    }
}

impl From<&ClosureReason> for ClosureReasonBody {
    fn from(r: &ClosureReason) -> ClosureReasonBody {
        match r {
            ClosureReason::Withdrawn => ClosureReasonBody::Withdrawn,
            ClosureReason::MovedAway => ClosureReasonBody::MovedAway,
            ClosureReason::Ceased { cease_reason } => ClosureReasonBody::Ceased {
                cease_reason: cease_reason.clone(),
            },
            ClosureReason::NoPlan => ClosureReasonBody::NoPlan,
        }
    }
}

impl CaseCommand {
    /// The command's `type`, for the audit trail (`"decide_whether_to_assess"`).
    pub fn name(&self) -> &'static str {
        match self {
            CaseCommand::AllocateCaseworker { .. } => "allocate_caseworker",
            CaseCommand::DecideWhetherToAssess { .. } => "decide_whether_to_assess",
            CaseCommand::RequestAdvice { .. } => "request_advice",
            CaseCommand::RecordAdviceReceived { .. } => "record_advice_received",
            CaseCommand::DeclineAdviceRequest { .. } => "decline_advice_request",
            CaseCommand::RecordException { .. } => "record_exception",
            CaseCommand::DecideWhetherToIssue { .. } => "decide_whether_to_issue",
            CaseCommand::SavePlan { .. } => "save_plan",
            CaseCommand::ServeDraft { .. } => "serve_draft",
            CaseCommand::RecordRepresentations { .. } => "record_representations",
            CaseCommand::ConsultSchool { .. } => "consult_school",
            CaseCommand::RecordConsultationResponse { .. } => "record_consultation_response",
            CaseCommand::IssueFinalPlan { .. } => "issue_final_plan",
            CaseCommand::RecordReviewMeeting { .. } => "record_review_meeting",
            CaseCommand::DecideAfterReview { .. } => "decide_after_review",
            CaseCommand::SendProposedAmendments { .. } => "send_proposed_amendments",
            CaseCommand::IssueAmendedPlan { .. } => "issue_amended_plan",
            CaseCommand::RecordSenNeeds { .. } => "record_sen_needs",
            CaseCommand::RecordDisagreement { .. } => "record_disagreement",
            CaseCommand::AddNote { .. } => "add_note",
            CaseCommand::CloseCase { .. } => "close_case",
        }
    }
}

impl From<CaseCommand> for Command {
    fn from(command: CaseCommand) -> Command {
        match command {
            CaseCommand::AllocateCaseworker { caseworker, note } => {
                Command::AllocateCaseworker { caseworker, note }
            }
            CaseCommand::DecideWhetherToAssess { on, yes, reasons } => {
                Command::DecideWhetherToAssess { on, yes, reasons }
            }
            CaseCommand::RequestAdvice {
                kind,
                organisation,
                on,
            } => Command::RequestAdvice {
                kind: kind.into(),
                organisation,
                on,
            },
            CaseCommand::RecordAdviceReceived {
                number,
                on,
                document,
            } => Command::RecordAdviceReceived {
                number,
                on,
                document,
            },
            CaseCommand::DeclineAdviceRequest { number, reason } => {
                Command::DeclineAdviceRequest { number, reason }
            }
            CaseCommand::RecordException {
                kind,
                from,
                to,
                note,
            } => Command::RecordException {
                kind: kind.into(),
                from,
                to,
                note,
            },
            CaseCommand::DecideWhetherToIssue { on, yes, reasons } => {
                Command::DecideWhetherToIssue { on, yes, reasons }
            }
            CaseCommand::SavePlan { sections } => Command::SavePlan {
                sections: sections.into(),
            },
            CaseCommand::ServeDraft { version, on } => Command::ServeDraft { version, on },
            CaseCommand::RecordRepresentations {
                on,
                requested_school,
            } => Command::RecordRepresentations {
                on,
                requested_school,
            },
            CaseCommand::ConsultSchool { setting, on } => Command::ConsultSchool {
                setting: setting.into(),
                on,
            },
            CaseCommand::RecordConsultationResponse { number, on, agreed } => {
                Command::RecordConsultationResponse { number, on, agreed }
            }
            CaseCommand::IssueFinalPlan {
                version,
                on,
                placement,
            } => Command::IssueFinalPlan {
                version,
                on,
                placement: placement.into(),
            },
            CaseCommand::RecordReviewMeeting { on } => Command::RecordReviewMeeting { on },
            CaseCommand::DecideAfterReview {
                number,
                on,
                outcome,
                reasons,
            } => Command::DecideAfterReview {
                number,
                on,
                outcome: outcome.into(),
                reasons,
            },
            CaseCommand::SendProposedAmendments { number, on } => {
                Command::SendProposedAmendments { number, on }
            }
            CaseCommand::IssueAmendedPlan { number, on } => {
                Command::IssueAmendedPlan { number, on }
            }
            CaseCommand::RecordSenNeeds { ranked } => Command::RecordSenNeeds { ranked },
            CaseCommand::RecordDisagreement {
                mediation_requested,
                certificate_issued,
                mediation_held,
                appeal_lodged,
            } => Command::RecordDisagreement {
                mediation_requested,
                certificate_issued,
                mediation_held,
                appeal_lodged,
            },
            CaseCommand::AddNote { text } => Command::AddNote { text },
            CaseCommand::CloseCase { on, reason } => Command::CloseCase {
                on,
                reason: reason.into(),
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The domain's command as the API's: every variant by name, so a new domain command
    /// fails to compile here until the API mirrors it.
    fn from_domain(command: &Command) -> CaseCommand {
        match command.clone() {
            Command::AllocateCaseworker { caseworker, note } => {
                CaseCommand::AllocateCaseworker { caseworker, note }
            }
            Command::DecideWhetherToAssess { on, yes, reasons } => {
                CaseCommand::DecideWhetherToAssess { on, yes, reasons }
            }
            Command::RequestAdvice {
                kind,
                organisation,
                on,
            } => CaseCommand::RequestAdvice {
                kind: kind.into(),
                organisation,
                on,
            },
            Command::RecordAdviceReceived {
                number,
                on,
                document,
            } => CaseCommand::RecordAdviceReceived {
                number,
                on,
                document,
            },
            Command::DeclineAdviceRequest { number, reason } => {
                CaseCommand::DeclineAdviceRequest { number, reason }
            }
            Command::RecordException {
                kind,
                from,
                to,
                note,
            } => CaseCommand::RecordException {
                kind: kind.into(),
                from,
                to,
                note,
            },
            Command::DecideWhetherToIssue { on, yes, reasons } => {
                CaseCommand::DecideWhetherToIssue { on, yes, reasons }
            }
            Command::SavePlan { sections } => CaseCommand::SavePlan {
                sections: (&sections).into(),
            },
            Command::ServeDraft { version, on } => CaseCommand::ServeDraft { version, on },
            Command::RecordRepresentations {
                on,
                requested_school,
            } => CaseCommand::RecordRepresentations {
                on,
                requested_school,
            },
            Command::ConsultSchool { setting, on } => CaseCommand::ConsultSchool {
                setting: (&setting).into(),
                on,
            },
            Command::RecordConsultationResponse { number, on, agreed } => {
                CaseCommand::RecordConsultationResponse { number, on, agreed }
            }
            Command::IssueFinalPlan {
                version,
                on,
                placement,
            } => CaseCommand::IssueFinalPlan {
                version,
                on,
                placement: (&placement).into(),
            },
            Command::RecordReviewMeeting { on } => CaseCommand::RecordReviewMeeting { on },
            Command::DecideAfterReview {
                number,
                on,
                outcome,
                reasons,
            } => CaseCommand::DecideAfterReview {
                number,
                on,
                outcome: outcome.into(),
                reasons,
            },
            Command::SendProposedAmendments { number, on } => {
                CaseCommand::SendProposedAmendments { number, on }
            }
            Command::IssueAmendedPlan { number, on } => {
                CaseCommand::IssueAmendedPlan { number, on }
            }
            Command::RecordSenNeeds { ranked } => CaseCommand::RecordSenNeeds { ranked },
            Command::RecordDisagreement {
                mediation_requested,
                certificate_issued,
                mediation_held,
                appeal_lodged,
            } => CaseCommand::RecordDisagreement {
                mediation_requested,
                certificate_issued,
                mediation_held,
                appeal_lodged,
            },
            Command::AddNote { text } => CaseCommand::AddNote { text },
            Command::CloseCase { on, reason } => CaseCommand::CloseCase {
                on,
                reason: (&reason).into(),
            },
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 2, d).unwrap()
    }

    fn placement() -> Placement {
        Placement {
            urn: Some("100001".into()),
            setting_code: None,
            name: "Oakfield Primary".into(),
            placement_type: "MS".into(),
        }
    }

    /// One of every domain command.
    fn every_command() -> Vec<Command> {
        vec![
            Command::AllocateCaseworker {
                caseworker: "cw-01".into(),
                note: Some("handover".into()),
            },
            Command::DecideWhetherToAssess {
                on: day(1),
                yes: true,
                reasons: String::new(),
            },
            Command::RequestAdvice {
                kind: AdviceKind::EducationalPsychology,
                organisation: "EP service".into(),
                on: day(2),
            },
            Command::RecordAdviceReceived {
                number: 1,
                on: day(3),
                document: None,
            },
            Command::DeclineAdviceRequest {
                number: 2,
                reason: "Not known to our service".into(),
            },
            Command::RecordException {
                kind: ExceptionKind::ExceptionalPersonalCircumstances,
                from: day(4),
                to: None,
                note: "illness".into(),
            },
            Command::DecideWhetherToIssue {
                on: day(5),
                yes: false,
                reasons: "needs met".into(),
            },
            Command::SavePlan {
                sections: PlanSections {
                    a: "views".into(),
                    h1: "care".into(),
                    ..PlanSections::default()
                },
            },
            Command::ServeDraft {
                version: 1,
                on: day(6),
            },
            Command::RecordRepresentations {
                on: day(7),
                requested_school: Some("Oakfield".into()),
            },
            Command::ConsultSchool {
                setting: placement(),
                on: day(8),
            },
            Command::RecordConsultationResponse {
                number: 1,
                on: day(9),
                agreed: true,
            },
            Command::IssueFinalPlan {
                version: 1,
                on: day(10),
                placement: placement(),
            },
            Command::RecordSenNeeds {
                ranked: vec!["ASD".into(), "SLCN".into()],
            },
            Command::RecordDisagreement {
                mediation_requested: Some(day(11)),
                certificate_issued: None,
                mediation_held: None,
                appeal_lodged: Some(day(12)),
            },
            Command::CloseCase {
                on: day(13),
                reason: ClosureReason::Ceased {
                    cease_reason: "1".into(),
                },
            },
            Command::CloseCase {
                on: day(13),
                reason: ClosureReason::MovedAway,
            },
            Command::AddNote {
                text: "Phoned the family".into(),
            },
            Command::RecordReviewMeeting { on: day(14) },
            Command::DecideAfterReview {
                number: 1,
                on: day(15),
                outcome: ReviewOutcome::Cease,
                reasons: "Needs met without a plan".into(),
            },
            Command::SendProposedAmendments {
                number: 1,
                on: day(16),
            },
            Command::IssueAmendedPlan {
                number: 1,
                on: day(17),
            },
        ]
    }

    #[test]
    fn every_domain_command_has_the_same_json_here() {
        for command in every_command() {
            let domain_json = serde_json::to_value(&command).unwrap();
            let api: CaseCommand = serde_json::from_value(domain_json.clone())
                .unwrap_or_else(|e| panic!("{e}: {domain_json}"));
            assert_eq!(api, from_domain(&command));
            assert_eq!(serde_json::to_value(&api).unwrap(), domain_json);
            assert_eq!(Some(api.name()), domain_json["type"].as_str());
            assert_eq!(Command::from(api), command);
        }
    }

    #[test]
    fn a_command_reads_from_the_documented_example() {
        let request: CommandRequest = serde_json::from_str(
            r#"{"expected_version": 3, "command": {"type": "decide_whether_to_assess",
                "on": "2026-02-10", "yes": true, "reasons": ""}}"#,
        )
        .unwrap();
        assert_eq!(request.expected_version, 3);
        assert_eq!(
            Command::from(request.command),
            Command::DecideWhetherToAssess {
                on: NaiveDate::from_ymd_opt(2026, 2, 10).unwrap(),
                yes: true,
                reasons: String::new(),
            }
        );
    }
}
