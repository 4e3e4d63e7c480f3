//! The case page's "Reviews" section: each review of the plan (reg 18–22) with its meeting,
//! the decision after it and any amendments, each said to be in time or late.

use chrono::NaiveDate;
use serde::Serialize;
use waymark_store::domain::case::{Case, ReviewOutcome};
use waymark_store::domain::clock;

use crate::uk_time;

/// Whether a step was, or still is, in time.
#[derive(Debug, Serialize)]
pub(super) struct Timeliness {
    /// "In time", "Late", "Overdue" or "Due".
    label: &'static str,
    /// The GOV.UK tag colour.
    tag: &'static str,
    /// The last day it was due.
    due: String,
}

impl Timeliness {
    /// A step due on `due`, done on `done` if it was, read on `today`. `None` if the due date
    /// cannot be worked out (a date out of range).
    fn of(
        due: Result<NaiveDate, clock::ClockError>,
        done: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Option<Timeliness> {
        let due = due.ok()?;
        let (label, tag) = match done {
            Some(done) if done <= due => ("In time", "govuk-tag--green"),
            Some(_) => ("Late", "govuk-tag--red"),
            None if today > due => ("Overdue", "govuk-tag--red"),
            None => ("Due", "govuk-tag--blue"),
        };
        Some(Timeliness {
            label,
            tag,
            due: uk_time::date(due),
        })
    }
}

/// One review, as the case page shows it.
#[derive(Debug, Serialize)]
pub(super) struct ReviewRow {
    number: u32,
    meeting: String,
    /// reg 18: the meeting against 12 months (6 for under-5s) from the plan or the last one.
    meeting_time: Option<Timeliness>,
    outcome: Option<&'static str>,
    decided: Option<String>,
    /// reg 20, 21: the decision within 4 weeks of the meeting.
    decision_time: Option<Timeliness>,
    /// Whether the amendments rows apply: after a decision to amend.
    amending: bool,
    amendments_sent: Option<String>,
    amended_plan_issued: Option<String>,
    /// reg 22(3): the final amended plan within 8 weeks of the amendments.
    amended_plan_time: Option<Timeliness>,
}

/// The case's reviews, oldest first.
pub(super) fn rows(case: &Case, today: NaiveDate) -> Vec<ReviewRow> {
    let Some(plan) = &case.final_plan else {
        return Vec::new();
    };
    let mut previous = plan.issued;
    case.reviews
        .iter()
        .map(|r| {
            let meeting_due = clock::annual_review_by(previous, Some(case.child.date_of_birth));
            previous = r.meeting_on.max(previous);
            ReviewRow {
                number: r.number,
                meeting: uk_time::date(r.meeting_on),
                meeting_time: Timeliness::of(meeting_due, Some(r.meeting_on), today),
                outcome: r.decision.map(|d| d.outcome.label()),
                decided: r.decision.map(|d| uk_time::date(d.on)),
                decision_time: Timeliness::of(r.decision_by(), r.decision.map(|d| d.on), today),
                amending: r
                    .decision
                    .is_some_and(|d| d.outcome == ReviewOutcome::Amend),
                amendments_sent: r.amendments_sent.map(uk_time::date),
                amended_plan_issued: r.amended_plan_issued.map(uk_time::date),
                amended_plan_time: r
                    .amended_plan_by()
                    .and_then(|due| Timeliness::of(due, r.amended_plan_issued, today)),
            }
        })
        .collect()
}
