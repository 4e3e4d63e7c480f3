//! The body of `POST /api/v1/cases/{id}/commands`: the domain's [`Command`] itself, with the
//! version of the case it was decided on. The command's JSON is the domain's serde form
//! (`{"type": "decide_whether_to_assess", "on": "2026-02-10", "yes": true, "reasons": ""}`) and
//! its schema in the OpenAPI document is derived from the domain's types (the domain's
//! `openapi` feature), so a command added to the domain is in the API and its document at once.
//!
//! The value types below are how the answers ([`super::json`]) show the domain's advice
//! kinds, exceptions, plan sections, placements, review outcomes and closure reasons, with the
//! same JSON as the domain's; each converts from the domain's variant by variant, so a new
//! variant does not compile until the answers show it. (A new request's `school` is a
//! [`PlacementBody`] too.)

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
    /// The change. `type` says which; the case rules (SEND Regulations 2014) decide whether it
    /// is allowed now, for this user, with these dates.
    pub command: Command,
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

impl From<ReviewOutcome> for ReviewOutcomeName {
    fn from(outcome: ReviewOutcome) -> ReviewOutcomeName {
        match outcome {
            ReviewOutcome::Maintain => ReviewOutcomeName::Maintain,
            ReviewOutcome::Amend => ReviewOutcomeName::Amend,
            ReviewOutcome::Cease => ReviewOutcomeName::Cease,
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn a_command_reads_from_the_documented_example() {
        let request: CommandRequest = serde_json::from_str(
            r#"{"expected_version": 3, "command": {"type": "decide_whether_to_assess",
                "on": "2026-02-10", "yes": true, "reasons": ""}}"#,
        )
        .unwrap();
        assert_eq!(request.expected_version, 3);
        assert_eq!(
            request.command,
            Command::DecideWhetherToAssess {
                on: NaiveDate::from_ymd_opt(2026, 2, 10).unwrap(),
                yes: true,
                reasons: String::new(),
            }
        );
    }

    #[test]
    fn a_plan_saved_with_sections_left_out_has_them_empty() {
        let command: Command =
            serde_json::from_value(json!({"type": "save_plan", "sections": {"a": "views"}}))
                .unwrap();
        let Command::SavePlan { sections } = command else {
            panic!("{command:?}");
        };
        assert_eq!(
            sections,
            PlanSections {
                a: "views".into(),
                ..PlanSections::default()
            }
        );
    }

    fn json_of(value: impl Serialize) -> Value {
        serde_json::to_value(value).unwrap()
    }

    #[test]
    fn the_answers_show_the_domains_values_as_the_domain_writes_them() {
        use AdviceKind as A;
        for kind in [
            A::Education,
            A::EducationalPsychology,
            A::Health,
            A::SocialCare,
            A::Other,
        ] {
            assert_eq!(json_of(AdviceKindName::from(kind)), json_of(kind));
        }
        use ExceptionKind as E;
        for kind in [
            E::SchoolClosure,
            E::EarlyYearsClosure,
            E::ExceptionalPersonalCircumstances,
            E::AbsentFromArea,
            E::MissedAppointment,
        ] {
            assert_eq!(json_of(ExceptionKindName::from(kind)), json_of(kind));
        }
        for outcome in [
            ReviewOutcome::Maintain,
            ReviewOutcome::Amend,
            ReviewOutcome::Cease,
        ] {
            assert_eq!(json_of(ReviewOutcomeName::from(outcome)), json_of(outcome));
        }
        for reason in [
            ClosureReason::Withdrawn,
            ClosureReason::MovedAway,
            ClosureReason::Ceased {
                cease_reason: "1".into(),
            },
            ClosureReason::NoPlan,
        ] {
            assert_eq!(json_of(ClosureReasonBody::from(&reason)), json_of(&reason));
        }
        let sections = PlanSections {
            a: "views".into(),
            h1: "care".into(),
            ..PlanSections::default()
        };
        assert_eq!(
            json_of(PlanSectionsBody::from(&sections)),
            json_of(&sections)
        );
        let placement = Placement {
            urn: Some("100001".into()),
            setting_code: None,
            name: "Oakfield Primary".into(),
            placement_type: "MS".into(),
        };
        assert_eq!(
            json_of(PlacementBody::from(&placement)),
            json_of(&placement)
        );
        assert_eq!(Placement::from(PlacementBody::from(&placement)), placement);
    }
}
