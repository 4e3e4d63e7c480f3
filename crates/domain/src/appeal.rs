//! The family's right of appeal to the First-tier Tribunal (SEND): which decisions on a case
//! give it, and until when. One definition for the decision letters, the family's pages and
//! the record of mediation and appeals ([`crate::command::Command::RecordDisagreement`]).
//!
//! - s.51 CFA 2014: a decision not to assess (reg 5), a decision not to issue a plan
//!   (reg 10), and the final plan's sections B, F and I (reg 14) can be appealed.
//! - reg 33: before appealing, the family contacts a mediation adviser, within 2 months of
//!   the decision notice ([`clock::mediation_adviser_by`]).
//! - Tribunal Procedure (First-tier Tribunal) (HESC) Rules 2008, rule 20: the appeal is due
//!   2 months after the decision notice, or 1 month after the mediation certificate if that is
//!   later ([`clock::appeal_by`]).

use chrono::NaiveDate;
use serde::Serialize;

use crate::case::{Case, Stage};
use crate::clock::{self, ClockError};

/// A decision on a case that the family can appeal to the Tribunal (s.51 CFA 2014).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealableDecision {
    /// reg 5: the council will not carry out an EHC needs assessment.
    NotToAssess,
    /// reg 10: after the assessment, the council will not issue a plan.
    NotToIssue,
    /// reg 14: the final plan, about section B (needs), F (provision) or I (placement).
    FinalPlan,
}

/// The family's deadlines after a decision notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AppealDeadlines {
    /// reg 33: the last day to contact a mediation adviser (2 months after the notice).
    pub mediation_by: NaiveDate,
    /// Tribunal rule 20: the last day for the appeal to reach the Tribunal (2 months after the
    /// notice, or 1 month after the mediation certificate if later).
    pub appeal_by: NaiveDate,
}

/// The family's deadlines after a decision notice sent on `notice`, and a mediation
/// certificate issued on `certificate` if there is one.
///
/// # Errors
/// A date too near the end of the calendar.
pub fn deadlines(
    notice: NaiveDate,
    certificate: Option<NaiveDate>,
) -> Result<AppealDeadlines, ClockError> {
    Ok(AppealDeadlines {
        mediation_by: clock::mediation_adviser_by(notice)?,
        appeal_by: clock::appeal_by(notice, certificate)?,
    })
}

/// The decision on `case` the family can appeal now, and the day it was made: a "no" to
/// assess or to a plan while the case rests on it, or the final plan while it is maintained.
/// `None` at any other stage (nothing decided yet can be appealed; a closed case has ended).
pub fn appealable_decision(case: &Case) -> Option<(AppealableDecision, NaiveDate)> {
    match case.stage {
        Stage::NotAssessing => case
            .assessment_decision
            .as_ref()
            .map(|d| (AppealableDecision::NotToAssess, d.on)),
        Stage::NotIssuing => case
            .issue_decision
            .as_ref()
            .map(|d| (AppealableDecision::NotToIssue, d.on)),
        Stage::PlanIssued => case
            .final_plan
            .as_ref()
            .map(|p| (AppealableDecision::FinalPlan, p.issued)),
        _ => None,
    }
}

/// The family's right of appeal on a case now: which decision, the notice it runs from and
/// the deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RightOfAppeal {
    /// The decision.
    pub decision: AppealableDecision,
    /// The day the decision notice was sent: as the council recorded it with mediation and
    /// appeals, or else the day of the decision (its letter is dated that day).
    pub notice: NaiveDate,
    /// The day the mediation certificate was issued, if it has been.
    pub certificate: Option<NaiveDate>,
    /// The deadlines that follow.
    pub deadlines: AppealDeadlines,
}

/// The family's right of appeal on `case` now, if a decision on it can be appealed.
///
/// # Errors
/// A date too near the end of the calendar.
pub fn right_of_appeal(case: &Case) -> Result<Option<RightOfAppeal>, ClockError> {
    let Some((decision, decided)) = appealable_decision(case) else {
        return Ok(None);
    };
    let disagreement = case.disagreement.as_ref();
    let notice = disagreement.map_or(decided, |d| d.decision_notice);
    let certificate = disagreement.and_then(|d| d.certificate_issued);
    Ok(Some(RightOfAppeal {
        decision,
        notice,
        certificate,
        deadlines: deadlines(notice, certificate)?,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::case::{Child, Decision, FinalPlan, Placement, Request};
    use crate::clock::Disagreement;
    use crate::ids::LaCode;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn case(stage: Stage) -> Case {
        let mut case = Case::start(
            LaCode::parse("990").unwrap(),
            "R".into(),
            Child {
                given_name: "A".into(),
                family_name: "B".into(),
                date_of_birth: d("2016-01-01"),
                upn: None,
                uln: None,
                nhs_number: None,
                address: None,
                parents: vec![],
                school: None,
            },
            Request {
                received: d("2026-01-05"),
                source: "PAR".into(),
                reasons: "x".into(),
            },
        );
        let decision = |on: &str, yes| Decision {
            on: d(on),
            yes,
            reasons: String::new(),
        };
        case.stage = stage;
        match stage {
            Stage::NotAssessing => case.assessment_decision = Some(decision("2026-02-10", false)),
            Stage::NotIssuing => case.issue_decision = Some(decision("2026-04-20", false)),
            Stage::PlanIssued => {
                case.final_plan = Some(FinalPlan {
                    issued: d("2026-12-31"),
                    version: 1,
                    placement: Placement {
                        urn: Some("100000".into()),
                        setting_code: None,
                        name: "Northby Primary".into(),
                        placement_type: "MS".into(),
                    },
                });
            }
            _ => {}
        }
        case
    }

    #[test]
    fn a_no_and_the_final_plan_can_be_appealed_and_nothing_else() {
        let rows = [
            // s.51(2)(a), reg 5: a decision not to assess.
            (
                Stage::NotAssessing,
                Some((AppealableDecision::NotToAssess, d("2026-02-10"))),
            ),
            // s.51(2)(b), reg 10: a decision not to issue a plan.
            (
                Stage::NotIssuing,
                Some((AppealableDecision::NotToIssue, d("2026-04-20"))),
            ),
            // s.51(2)(c), reg 14: the final plan (sections B, F, I).
            (
                Stage::PlanIssued,
                Some((AppealableDecision::FinalPlan, d("2026-12-31"))),
            ),
            // Nothing decided yet that can be appealed.
            (Stage::Requested, None),
            (Stage::Assessing, None),
            (Stage::Drafting, None),
            (Stage::DraftServed, None),
            (Stage::Closed, None),
        ];
        for (stage, expected) in rows {
            assert_eq!(appealable_decision(&case(stage)), expected, "{stage:?}");
        }
    }

    #[test]
    fn deadlines_run_from_the_notice_and_a_later_certificate() {
        let rows = [
            // (notice, certificate, mediation by, appeal by)
            // rule 20: 2 months on, clamped to the month's end (31 December → 28 February).
            ("2026-12-31", None, "2027-02-28", "2027-02-28"),
            ("2026-03-04", None, "2026-05-04", "2026-05-04"),
            // A certificate soon after the notice: 2 months from the notice is later.
            ("2026-03-04", Some("2026-03-20"), "2026-05-04", "2026-05-04"),
            // A certificate late in the 2 months: 1 month from it is later.
            ("2026-03-04", Some("2026-04-20"), "2026-05-04", "2026-05-20"),
            // Month-end clamping on the certificate too.
            ("2026-11-30", Some("2027-01-31"), "2027-01-30", "2027-02-28"),
        ];
        for (notice, certificate, mediation_by, appeal_by) in rows {
            assert_eq!(
                deadlines(d(notice), certificate.map(d)).unwrap(),
                AppealDeadlines {
                    mediation_by: d(mediation_by),
                    appeal_by: d(appeal_by),
                },
                "notice {notice}, certificate {certificate:?}"
            );
        }
        assert!(deadlines(NaiveDate::MAX, None).is_err());
    }

    #[test]
    fn the_right_runs_from_the_notice_recorded_with_mediation() {
        let mut refused = case(Stage::NotAssessing);
        let right = right_of_appeal(&refused).unwrap().unwrap();
        assert_eq!(right.notice, d("2026-02-10"));
        assert_eq!(right.deadlines.appeal_by, d("2026-04-10"));
        refused.disagreement = Some(Disagreement {
            decision_notice: d("2026-02-12"),
            adviser_contacted: None,
            mediation_requested: Some(d("2026-03-01")),
            certificate_issued: Some(d("2026-04-01")),
            mediation_held: None,
            appeal_lodged: None,
        });
        let right = right_of_appeal(&refused).unwrap().unwrap();
        assert_eq!(
            (right.notice, right.certificate),
            (d("2026-02-12"), Some(d("2026-04-01")))
        );
        assert_eq!(right.deadlines.mediation_by, d("2026-04-12"));
        assert_eq!(right.deadlines.appeal_by, d("2026-05-01"));
        assert_eq!(right_of_appeal(&case(Stage::Assessing)).unwrap(), None);
    }
}
