//! What a caseload shows for each case: the next statutory deadline the council must meet,
//! its RAG rating on a given day, and the weight a case adds to a caseworker's load.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::WorkingDayCalendar;
use crate::case::{Case, Stage};
use crate::clock::{self, ClockError, ClockKind, DUE_SOON_DAYS, Party};

/// The next deadline on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextDeadline {
    /// Which clock.
    pub kind: ClockKind,
    /// What it is about when a case has several ("Health: Riverside NHS Trust").
    pub about: Option<String>,
    /// Its due date.
    pub due: NaiveDate,
}

/// The earliest due date among the clocks still open on which the council, or someone it
/// asked, must act. A family's window is their right, not a duty, so it is left out; a
/// closed case has none. Does not depend on "today": it changes only when the case does.
pub fn next_deadline(
    case: &Case,
    calendar: &WorkingDayCalendar,
) -> Result<Option<NextDeadline>, ClockError> {
    if case.closure.is_some() {
        return Ok(None);
    }
    Ok(clock::case_clocks(&case.clock_dates(), calendar)?
        .into_iter()
        .filter(|c| c.done.is_none() && c.kind.party() != Party::Family)
        .filter_map(|c| {
            c.due.map(|due| NextDeadline {
                kind: c.kind,
                about: c.about,
                due,
            })
        })
        .min_by_key(|n| n.due))
}

/// Red, amber or green, as caseload lists show a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rag {
    /// Past its due date.
    Red,
    /// Due within the due-soon margin (14 days), or today.
    Amber,
    /// More time than that.
    Green,
}

impl Rag {
    /// The rating of a deadline due on `due`, read on `today`.
    pub fn of(due: NaiveDate, today: NaiveDate) -> Rag {
        let left = (due - today).num_days();
        if left < 0 {
            Rag::Red
        } else if left <= DUE_SOON_DAYS {
            Rag::Amber
        } else {
            Rag::Green
        }
    }

    /// The rating in words, for people who cannot tell colours apart.
    pub fn label(self) -> &'static str {
        match self {
            Rag::Red => "Overdue",
            Rag::Amber => "Due soon",
            Rag::Green => "On track",
        }
    }
}

/// How much work a case at this stage is, relative to a maintained plan (1): assessment and
/// drafting carry the statutory clock and most of the contact with families and advisers.
pub fn stage_weight(stage: Stage) -> u32 {
    match stage {
        Stage::Requested => 2,
        Stage::Assessing | Stage::Drafting | Stage::DraftServed => 3,
        Stage::PlanIssued | Stage::NotAssessing | Stage::NotIssuing => 1,
        Stage::Closed => 0,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::actor::{Actor, Role};
    use crate::case::{Child, Request};
    use crate::command::{Command, NewRequest, decide, decide_new};
    use crate::ids::LaCode;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn case_received(on: &str) -> (Case, Actor) {
        let actor = Actor {
            user: "cw".into(),
            role: Role::Caseworker,
            la: LaCode::parse("202").unwrap(),
        };
        let new = NewRequest {
            reference: "R".into(),
            child: Child {
                given_name: "A".into(),
                family_name: "B".into(),
                date_of_birth: d("2018-01-01"),
                upn: None,
                uln: None,
                nhs_number: None,
                address: None,
                parents: vec![],
                school: None,
            },
            request: Request {
                received: d(on),
                source: "PAR".into(),
                reasons: "r".into(),
            },
        };
        let events = decide_new(&new, &actor, d("2026-11-23")).unwrap();
        (Case::from_events(actor.la.clone(), &events).unwrap(), actor)
    }

    #[test]
    fn a_new_request_is_next_due_for_the_decision_to_assess() {
        let (case, _) = case_received("2026-01-05");
        let next = next_deadline(&case, &WorkingDayCalendar::england_and_wales())
            .unwrap()
            .unwrap();
        assert_eq!(next.kind, ClockKind::DecideWhetherToAssess);
        assert_eq!(next.due, d("2026-02-16"));
    }

    #[test]
    fn after_deciding_to_assess_the_next_deadline_moves_on() {
        let (mut case, actor) = case_received("2026-01-05");
        let events = decide(
            &case,
            &Command::DecideWhetherToAssess {
                on: d("2026-02-10"),
                yes: true,
                reasons: String::new(),
            },
            &actor,
            d("2026-11-23"),
        )
        .unwrap();
        case.apply(&events[0]);
        let next = next_deadline(&case, &WorkingDayCalendar::england_and_wales())
            .unwrap()
            .unwrap();
        assert_eq!(next.kind, ClockKind::NotifyNotIssuing);
        assert_eq!(next.due, d("2026-04-27"));
    }

    #[test]
    fn rag_is_red_past_due_amber_within_fourteen_days_green_otherwise() {
        let due = d("2026-05-25");
        assert_eq!(Rag::of(due, d("2026-05-26")), Rag::Red);
        assert_eq!(Rag::of(due, d("2026-05-25")), Rag::Amber);
        assert_eq!(Rag::of(due, d("2026-05-11")), Rag::Amber);
        assert_eq!(Rag::of(due, d("2026-05-10")), Rag::Green);
    }

    #[test]
    fn assessment_work_weighs_more_than_a_maintained_plan() {
        assert!(stage_weight(Stage::Assessing) > stage_weight(Stage::PlanIssued));
        assert_eq!(stage_weight(Stage::Closed), 0);
    }
}
