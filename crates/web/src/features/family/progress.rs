//! Where a family's case is, in plain words: the steps from the request to the final plan,
//! what happens next and by when (from the statutory clocks), what the council is waiting
//! for, and, after a "no" or a final plan, the family's right to mediation and appeal with
//! their own dates.
//!
//! Pure: the case and today in, sentences out, so every stage reads the same on the page and
//! in the tests. Sentences are short and use common words (see the readability test in
//! `tests/web/portal_family.rs`). Nothing here reads internal data: notes, the history,
//! exceptions and who did what are not used.

use chrono::NaiveDate;
use serde::Serialize;
use waymark_store::domain::WorkingDayCalendar;
use waymark_store::domain::appeal::{self, AppealableDecision};
use waymark_store::domain::case::{Case, Stage};
use waymark_store::domain::clock::{self, ClockKind, ClockReading, ClockStatus};

use crate::uk_time::date;

/// One step of the request, as the family's page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// What happens in this step.
    pub label: &'static str,
    /// `done`, `now`, `next` (not yet) or `no` (a decision not to go on).
    pub state: &'static str,
}

/// The steps of a request for an EHC plan, in order.
const STEPS: [&str; 6] = [
    "We get the request",
    "We decide if we will assess",
    "We find out what help is needed",
    "We write a draft plan",
    "You check the draft plan",
    "We send the final plan",
];

/// The steps with the one the case is at. A closed case has no steps (the page says it is
/// closed).
pub fn steps(case: &Case) -> Vec<Step> {
    // (index of the current step, whether it ended in a "no")
    let (at, no) = match case.stage {
        Stage::Requested => (1, false),
        Stage::Assessing => (2, false),
        Stage::NotAssessing => (1, true),
        Stage::Drafting => (3, false),
        Stage::DraftServed => (4, false),
        Stage::NotIssuing => (3, true),
        Stage::PlanIssued => (STEPS.len(), false),
        Stage::Closed => return Vec::new(),
    };
    STEPS
        .iter()
        .enumerate()
        .filter(|(i, _)| !no || *i <= at)
        .map(|(i, label)| Step {
            label,
            state: match i.cmp(&at) {
                std::cmp::Ordering::Less => "done",
                std::cmp::Ordering::Equal if no => "no",
                std::cmp::Ordering::Equal => "now",
                std::cmp::Ordering::Greater => "next",
            },
        })
        .collect()
}

/// Something the council is waiting for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiting {
    /// Who from.
    pub what: String,
    /// By when.
    pub due: String,
    /// Whether it is late.
    pub late: bool,
}

/// The family's right to mediation and appeal after a decision, with their dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rights {
    /// What was decided, in a few words ("not to assess Ada").
    pub decision: String,
    /// The date of the decision letter.
    pub letter_date: String,
    /// The last day to contact a mediation adviser (reg 33: 2 months from the letter).
    pub mediation_by: String,
    /// The last day to appeal (tribunal rule 20: 2 months from the letter, or 1 month after a
    /// mediation certificate if that is later).
    pub appeal_by: String,
    /// The date of the mediation certificate, once there is one.
    pub certificate: Option<String>,
    /// Whether the dates have passed.
    pub passed: bool,
    /// Whether the decision is a final plan (an appeal can be about the school named, and
    /// then mediation advice is not needed).
    pub final_plan: bool,
}

/// The family's case in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The steps, with the current one.
    pub steps: Vec<Step>,
    /// What is happening now and what happens next, with dates: short sentences.
    pub next: Vec<String>,
    /// What the council is waiting for.
    pub waiting: Vec<Waiting>,
    /// Their rights after a decision, if there was one they can challenge.
    pub rights: Option<Rights>,
    /// Whether the family may comment on the draft plan now.
    pub draft_open: bool,
    /// When the case was closed, if it was.
    pub closed: Option<String>,
}

/// The first clock of a kind.
fn reading(readings: &[ClockReading], kind: ClockKind) -> Option<&ClockReading> {
    readings.iter().find(|r| r.clock.kind == kind)
}

/// A sentence about a date the council must keep: "We must ... by 3 June 2026.", or, once
/// it has passed, "We should have ... by 3 June 2026. We are sorry this is late."
fn promise(reading: Option<&ClockReading>, must: &str, late: &str) -> Option<String> {
    let reading = reading?;
    let due = reading.clock.due?;
    if reading.clock.done.is_some() {
        return None;
    }
    Some(if reading.status == ClockStatus::Overdue {
        format!("{late} by {}. We are sorry this is late.", date(due))
    } else {
        format!("{must} by {}.", date(due))
    })
}

/// The window for comments on the served draft: its last day, if a draft was served and the
/// family's comments have not been recorded.
pub fn draft_window(case: &Case) -> Option<NaiveDate> {
    if case.stage != Stage::DraftServed || case.representations_received.is_some() {
        return None;
    }
    let served = case.served_draft()?.served_on?;
    clock::representations_by(served).ok()
}

/// Whether the family may still comment on the draft on `today` (reg 13(1): at least 15 days
/// beginning with the day it was served).
pub fn draft_open(case: &Case, today: NaiveDate) -> bool {
    draft_window(case).is_some_and(|last| last >= today)
}

/// The family's rights after an appealable decision, in words, with the dates the domain
/// gives ([`appeal::right_of_appeal`]).
fn rights(case: &Case, today: NaiveDate) -> Option<Rights> {
    let right = appeal::right_of_appeal(case).ok()??;
    let name = &case.child.given_name;
    let decision = match right.decision {
        AppealableDecision::NotToAssess => format!("not to assess {name}"),
        AppealableDecision::NotToIssue => format!("not to write a plan for {name}"),
        AppealableDecision::FinalPlan => format!("what is in {name}'s final plan"),
    };
    Some(Rights {
        decision,
        letter_date: date(right.notice),
        mediation_by: date(right.deadlines.mediation_by),
        appeal_by: date(right.deadlines.appeal_by),
        certificate: right.certificate.map(date),
        passed: right.deadlines.appeal_by < today,
        final_plan: right.decision == AppealableDecision::FinalPlan,
    })
}

/// The case in plain words on `today`.
pub fn progress(case: &Case, today: NaiveDate) -> Progress {
    let readings = case
        .clocks(&WorkingDayCalendar::england_and_wales(), today)
        .unwrap_or_default();
    let name = &case.child.given_name;
    let mut next = Vec::new();
    let mut waiting = Vec::new();
    let final_plan = || {
        promise(
            reading(&readings, ClockKind::FinalPlan),
            "If we write a plan, we must send you the final plan",
            "We should have sent you the final plan",
        )
    };
    match case.stage {
        Stage::Requested => {
            next.push(format!("We are deciding if we will assess {name}."));
            next.extend(promise(
                reading(&readings, ClockKind::DecideWhetherToAssess),
                &format!("We must tell you if we will assess {name}"),
                &format!("We should have told you if we will assess {name}"),
            ));
        }
        Stage::Assessing => {
            next.push(format!("We are asking people who know {name} for advice."));
            for advice in case.advice.iter().filter(|a| a.received.is_none()) {
                let Ok(due) = clock::advice_by(advice.requested) else {
                    continue;
                };
                waiting.push(Waiting {
                    what: format!(
                        "{} advice from {}",
                        advice.kind.label(),
                        advice.organisation
                    ),
                    due: date(due),
                    late: due < today,
                });
            }
            next.extend(promise(
                reading(&readings, ClockKind::NotifyNotIssuing),
                "If we will not write a plan, we must tell you",
                "We should have told you if we will write a plan",
            ));
            next.extend(final_plan());
        }
        Stage::Drafting => {
            next.push(format!("We are writing a draft plan for {name}."));
            next.push("We will send it to you to check.".to_string());
            next.extend(final_plan());
        }
        Stage::DraftServed => {
            match (draft_window(case), case.representations_received) {
                (Some(last), _) if last >= today => {
                    next.push("Please read the draft plan.".to_string());
                    next.push(format!("Tell us what you think by {}.", date(last)));
                    next.push("You can also ask us to name a school.".to_string());
                }
                (Some(last), _) => {
                    next.push(format!("The time to comment ended on {}.", date(last)));
                    next.push("You can still send your caseworker a message.".to_string());
                }
                (None, Some(on)) => {
                    next.push(format!("We got your comments on {}. Thank you.", date(on)));
                }
                (None, None) => {}
            }
            for school in case.consultations.iter().filter(|c| c.responded.is_none()) {
                if let Ok(due) = clock::consultation_response_by(school.sent) {
                    waiting.push(Waiting {
                        what: format!("An answer from {} about a place", school.setting.name),
                        due: date(due),
                        late: due < today,
                    });
                }
            }
            next.extend(promise(
                reading(&readings, ClockKind::FinalPlan),
                "We must send you the final plan",
                "We should have sent you the final plan",
            ));
        }
        Stage::NotAssessing => {
            if let Some(d) = &case.assessment_decision {
                next.push(format!(
                    "On {} we decided not to assess {name}.",
                    date(d.on)
                ));
            }
        }
        Stage::NotIssuing => {
            if let Some(d) = &case.issue_decision {
                next.push(format!(
                    "On {} we decided not to write a plan for {name}.",
                    date(d.on)
                ));
            }
        }
        Stage::PlanIssued => {
            if let Some(plan) = &case.final_plan {
                next.push(format!("We sent the final plan on {}.", date(plan.issued)));
                next.push(format!("It names {}.", plan.placement.name));
            }
            if let Some(review) =
                reading(&readings, ClockKind::AnnualReview).and_then(|r| r.clock.due)
            {
                next.push(format!(
                    "We will check the plan with you at a review meeting by {}.",
                    date(review)
                ));
            }
        }
        Stage::Closed => {}
    }
    Progress {
        steps: steps(case),
        next,
        waiting,
        rights: rights(case, today),
        draft_open: draft_open(case, today),
        closed: case.closure.as_ref().map(|c| date(c.on)),
    }
}

/// A stage in a few plain words, for the list of a family's cases.
pub fn now_label(case: &Case) -> &'static str {
    match case.stage {
        Stage::Requested => "We are deciding if we will assess",
        Stage::Assessing => "We are finding out what help is needed",
        Stage::NotAssessing => "We decided not to assess",
        Stage::Drafting => "We are writing a draft plan",
        Stage::DraftServed => "The draft plan is ready for you to check",
        Stage::NotIssuing => "We decided not to write a plan",
        Stage::PlanIssued => "The final plan has been sent",
        Stage::Closed => "Closed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waymark_store::domain::case::{
        AdviceKind, AdviceRequest, Child, Decision, FinalPlan, Placement, PlanSections,
        PlanVersion, Request,
    };

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn case(stage: Stage) -> Case {
        Case {
            la: waymark_store::LaCode::parse("990").unwrap_or_else(|e| panic!("{e}")),
            reference: "R1".into(),
            stage,
            child: Child {
                given_name: "Ada".into(),
                family_name: "Lovelace".into(),
                date_of_birth: day("2016-03-01"),
                upn: None,
                uln: None,
                nhs_number: None,
                address: None,
                parents: vec![],
                school: None,
            },
            request: Request {
                received: day("2026-03-02"),
                source: "PAR".into(),
                reasons: "Private reasons".into(),
            },
            caseworker: None,
            assessment_decision: None,
            advice: vec![],
            exceptions: vec![],
            issue_decision: None,
            plan_versions: vec![],
            representations_received: None,
            requested_school: None,
            consultations: vec![],
            final_plan: None,
            sen_needs: vec![],
            disagreement: None,
            closure: None,
            reviews: vec![],
        }
    }

    fn states(case: &Case) -> Vec<&'static str> {
        steps(case).iter().map(|s| s.state).collect()
    }

    #[test]
    fn the_step_list_marks_where_the_request_is() {
        assert_eq!(
            states(&case(Stage::Requested)),
            ["done", "now", "next", "next", "next", "next"]
        );
        assert_eq!(
            states(&case(Stage::DraftServed)),
            ["done", "done", "done", "done", "now", "next"]
        );
        assert_eq!(states(&case(Stage::PlanIssued)), ["done"; 6]);
        // A "no" ends the list at the decision.
        assert_eq!(states(&case(Stage::NotAssessing)), ["done", "no"]);
        assert_eq!(
            states(&case(Stage::NotIssuing)),
            ["done", "done", "done", "no"]
        );
        assert!(steps(&case(Stage::Closed)).is_empty());
    }

    #[test]
    fn a_new_request_says_when_the_decision_to_assess_is_due() {
        // reg 4(1), 5(1): 6 weeks from 2 March 2026 is 13 April 2026.
        let p = progress(&case(Stage::Requested), day("2026-03-10"));
        assert!(
            p.next
                .contains(&"We must tell you if we will assess Ada by 13 April 2026.".to_string()),
            "{:?}",
            p.next
        );
        let late = progress(&case(Stage::Requested), day("2026-05-01"));
        assert!(
            late.next
                .iter()
                .any(|s| s.contains("We are sorry this is late"))
        );
        assert!(p.rights.is_none());
    }

    #[test]
    fn assessing_lists_the_advice_still_awaited_with_its_due_date() {
        let mut c = case(Stage::Assessing);
        c.assessment_decision = Some(Decision {
            on: day("2026-04-01"),
            yes: true,
            reasons: String::new(),
        });
        c.advice = vec![
            AdviceRequest {
                number: 1,
                kind: AdviceKind::Health,
                organisation: "Riverside NHS Trust".into(),
                requested: day("2026-04-02"),
                received: None,
                document: None,
            },
            AdviceRequest {
                number: 2,
                kind: AdviceKind::Education,
                organisation: "Hillside Primary".into(),
                requested: day("2026-04-02"),
                received: Some(day("2026-04-20")),
                document: None,
            },
        ];
        let p = progress(&c, day("2026-04-10"));
        assert_eq!(
            p.waiting,
            [Waiting {
                what: "Health advice from Riverside NHS Trust".into(),
                due: "14 May 2026".into(),
                late: false,
            }]
        );
        // reg 13(2): 20 weeks from 2 March 2026.
        assert!(
            p.next.iter().any(|s| s.ends_with("by 20 July 2026.")),
            "{:?}",
            p.next
        );
    }

    #[test]
    fn the_draft_window_is_fifteen_days_counting_the_day_it_was_served() {
        let mut c = case(Stage::DraftServed);
        c.plan_versions = vec![PlanVersion {
            version: 1,
            sections: PlanSections::default(),
            saved_on: day("2026-06-01"),
            served_on: Some(day("2026-06-01")),
        }];
        // reg 13(1): served 1 June, the last day is 15 June.
        assert!(draft_open(&c, day("2026-06-15")));
        assert!(!draft_open(&c, day("2026-06-16")));
        let open = progress(&c, day("2026-06-10"));
        assert!(
            open.next
                .contains(&"Tell us what you think by 15 June 2026.".to_string())
        );
        let closed = progress(&c, day("2026-06-16"));
        assert!(closed.next[0].starts_with("The time to comment ended on 15 June 2026"));
        c.representations_received = Some(day("2026-06-05"));
        assert!(!draft_open(&c, day("2026-06-10")));
    }

    #[test]
    fn a_no_gives_appeal_rights_dated_from_the_letter() {
        let mut c = case(Stage::NotAssessing);
        c.assessment_decision = Some(Decision {
            on: day("2026-04-10"),
            yes: false,
            reasons: "Needs met at school".into(),
        });
        let p = progress(&c, day("2026-04-11"));
        let rights = p.rights.unwrap_or_else(|| panic!("no rights"));
        assert_eq!(rights.letter_date, "10 April 2026");
        assert_eq!(rights.mediation_by, "10 June 2026");
        assert_eq!(rights.appeal_by, "10 June 2026");
        assert!(!rights.passed);
        // The reasons are in the letter, not repeated on the page's summary.
        assert!(!p.next.concat().contains("Needs met"));
        // A mediation certificate late in the 2 months moves the appeal date: 1 month after.
        c.disagreement = Some(clock::Disagreement {
            decision_notice: day("2026-04-10"),
            adviser_contacted: Some(day("2026-05-01")),
            mediation_requested: Some(day("2026-05-01")),
            certificate_issued: Some(day("2026-05-20")),
            mediation_held: None,
            appeal_lodged: None,
        });
        let rights = progress(&c, day("2026-05-21"))
            .rights
            .unwrap_or_else(|| panic!("no rights"));
        assert_eq!(rights.appeal_by, "20 June 2026");
        assert_eq!(rights.certificate.as_deref(), Some("20 May 2026"));
    }

    #[test]
    fn a_final_plan_names_the_school_and_the_review() {
        let mut c = case(Stage::PlanIssued);
        c.final_plan = Some(FinalPlan {
            issued: day("2026-07-01"),
            version: 1,
            placement: Placement {
                urn: None,
                setting_code: None,
                name: "Hillside Primary".into(),
                placement_type: String::new(),
            },
        });
        let p = progress(&c, day("2026-07-02"));
        assert!(p.next.contains(&"It names Hillside Primary.".to_string()));
        assert!(
            p.next
                .iter()
                .any(|s| s.contains("review meeting by 1 July 2027")),
            "{:?}",
            p.next
        );
        assert!(
            p.rights
                .is_some_and(|r| r.final_plan && r.appeal_by == "1 September 2026")
        );
    }
}
