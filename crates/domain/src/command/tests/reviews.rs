//! Annual reviews and amended plans (reg 18–22): the rules `decide` applies and the clocks
//! they start.

use super::*;
use crate::WorkingDayCalendar;
use crate::case::{ReviewDecision, ReviewOutcome};
use crate::caseload::next_deadline;
use crate::clock::{ClockKind, ClockReading, ClockStatus};

fn meeting(on: &str) -> Command {
    Command::RecordReviewMeeting { on: d(on) }
}

fn decision(number: u32, on: &str, outcome: ReviewOutcome) -> Command {
    Command::DecideAfterReview {
        number,
        on: d(on),
        outcome,
        reasons: "Outcomes in section E updated".into(),
    }
}

fn clocks(case: &Case, today: &str) -> Vec<ClockReading> {
    case.clocks(&WorkingDayCalendar::england_and_wales(), d(today))
        .unwrap()
}

fn clock(case: &Case, today: &str, kind: ClockKind) -> Option<ClockReading> {
    clocks(case, today)
        .into_iter()
        .find(|c| c.clock.kind == kind)
}

fn next(case: &Case) -> (ClockKind, NaiveDate) {
    let n = next_deadline(case, &WorkingDayCalendar::england_and_wales())
        .unwrap()
        .unwrap();
    (n.kind, n.due)
}

/// The final plan of `to_final_plan` was issued on 20 April 2026.
fn plan_issued() -> Case {
    to_final_plan().0
}

#[test]
fn a_review_runs_from_meeting_to_amended_plan_and_its_log_rebuilds_it() {
    let (mut case, mut log) = to_final_plan();
    let cw = caseworker();
    for command in [
        meeting("2026-10-01"),
        decision(1, "2026-10-20", ReviewOutcome::Amend),
        Command::SendProposedAmendments {
            number: 1,
            on: d("2026-10-21"),
        },
        Command::IssueAmendedPlan {
            number: 1,
            on: d("2026-11-20"),
        },
    ] {
        log.extend(run(&mut case, command, &cw).unwrap());
    }
    assert_eq!(
        case.reviews,
        vec![AnnualReview {
            number: 1,
            meeting_on: d("2026-10-01"),
            decision: Some(ReviewDecision {
                on: d("2026-10-20"),
                outcome: ReviewOutcome::Amend,
            }),
            amendments_sent: Some(d("2026-10-21")),
            amended_plan_issued: Some(d("2026-11-20")),
        }]
    );
    assert_eq!(case.stage, Stage::PlanIssued);
    assert_eq!(Case::from_events(la(), &log).unwrap(), case);
    let told: Vec<String> = log
        .iter()
        .rev()
        .take(4)
        .rev()
        .map(Event::describe)
        .collect();
    assert_eq!(
        told,
        [
            "Annual review 1: meeting held on 1 October 2026",
            "Annual review 1: decided on 20 October 2026 to amend the plan",
            "Annual review 1: proposed amendments sent to the family on 21 October 2026",
            "Annual review 1: final amended plan issued on 20 November 2026",
        ]
    );
    // The next review is numbered on, once this one is decided.
    run(&mut case, meeting("2026-11-23"), &cw).unwrap();
    assert_eq!(case.last_review().unwrap().number, 2);
}

#[test]
fn state_stored_before_reviews_existed_still_loads() {
    let case = plan_issued();
    let mut json = serde_json::to_value(&case).unwrap();
    json.as_object_mut().unwrap().remove("reviews");
    let loaded: Case = serde_json::from_value(json).unwrap();
    assert!(loaded.reviews.is_empty());
    assert_eq!(loaded, case);
}

#[test]
fn a_review_meeting_needs_an_issued_plan() {
    let (case, _) = requested();
    assert_eq!(
        decide(&case, &meeting("2026-02-01"), &caseworker(), d(TODAY)).unwrap_err(),
        Refusal::WrongStage {
            action: "record an annual review meeting",
            stage: "Deciding whether to assess",
        }
    );
}

#[test]
fn a_review_meeting_cannot_be_in_the_future_or_before_the_plan_or_the_last_meeting() {
    let mut case = plan_issued();
    let cw = caseworker();
    assert!(matches!(
        decide(&case, &meeting("2026-11-24"), &cw, d(TODAY)),
        Err(Refusal::FutureDate { .. })
    ));
    // Backdated to before the plan it reviews.
    assert_eq!(
        decide(&case, &meeting("2026-04-19"), &cw, d(TODAY)).unwrap_err(),
        Refusal::TooEarly {
            field: Field::On,
            what: "The date of the review meeting",
            date: "19 April 2026".into(),
            earlier: "the final plan was issued",
            earlier_date: "20 April 2026".into(),
        }
    );
    // The day the plan was issued is allowed.
    assert!(decide(&case, &meeting("2026-04-20"), &cw, d(TODAY)).is_ok());
    run(&mut case, meeting("2026-09-01"), &cw).unwrap();
    run(
        &mut case,
        decision(1, "2026-09-02", ReviewOutcome::Maintain),
        &cw,
    )
    .unwrap();
    assert!(matches!(
        decide(&case, &meeting("2026-08-31"), &cw, d(TODAY)),
        Err(Refusal::TooEarly {
            earlier: "the last review meeting",
            ..
        })
    ));
}

#[test]
fn a_new_meeting_waits_for_the_decision_after_the_last() {
    let mut case = plan_issued();
    let cw = caseworker();
    run(&mut case, meeting("2026-09-01"), &cw).unwrap();
    let refused = decide(&case, &meeting("2026-11-01"), &cw, d(TODAY)).unwrap_err();
    assert!(matches!(refused, Refusal::Invalid { .. }));
    assert!(
        refused
            .to_string()
            .contains("the decision after annual review 1 (meeting on 1 September 2026)")
    );
}

#[test]
fn the_decision_follows_its_meeting_and_is_made_once() {
    let mut case = plan_issued();
    let cw = caseworker();
    assert_eq!(
        decide(
            &case,
            &decision(1, "2026-10-01", ReviewOutcome::Maintain),
            &cw,
            d(TODAY)
        )
        .unwrap_err(),
        Refusal::NoSuch {
            what: "annual review",
            number: 1,
        }
    );
    run(&mut case, meeting("2026-10-01"), &cw).unwrap();
    assert!(matches!(
        decide(
            &case,
            &decision(1, "2026-09-30", ReviewOutcome::Maintain),
            &cw,
            d(TODAY)
        ),
        Err(Refusal::TooEarly {
            earlier: "the review meeting",
            ..
        })
    ));
    assert!(matches!(
        decide(
            &case,
            &decision(1, "2026-11-24", ReviewOutcome::Maintain),
            &cw,
            d(TODAY)
        ),
        Err(Refusal::FutureDate { .. })
    ));
    // The meeting day itself is allowed.
    run(
        &mut case,
        decision(1, "2026-10-01", ReviewOutcome::Maintain),
        &cw,
    )
    .unwrap();
    assert_eq!(
        decide(
            &case,
            &decision(1, "2026-10-02", ReviewOutcome::Amend),
            &cw,
            d(TODAY)
        )
        .unwrap_err(),
        Refusal::AlreadyRecorded {
            what: "The decision after this review",
            on: "1 October 2026".into(),
        }
    );
}

#[test]
fn ceasing_to_maintain_a_plan_needs_reasons() {
    let mut case = plan_issued();
    let cw = caseworker();
    run(&mut case, meeting("2026-10-01"), &cw).unwrap();
    let cease = Command::DecideAfterReview {
        number: 1,
        on: d("2026-10-05"),
        outcome: ReviewOutcome::Cease,
        reasons: "  ".into(),
    };
    assert_eq!(
        decide(&case, &cease, &cw, d(TODAY)).unwrap_err(),
        Refusal::Missing {
            field: Field::Reasons,
            what: "the reasons for ceasing to maintain the plan"
        }
    );
    // Ceasing does not close the case: the plan is maintained until it ceases.
    run(
        &mut case,
        decision(1, "2026-10-05", ReviewOutcome::Cease),
        &cw,
    )
    .unwrap();
    assert_eq!(case.stage, Stage::PlanIssued);
}

#[test]
fn amendments_follow_only_a_decision_to_amend() {
    let mut case = plan_issued();
    let cw = caseworker();
    let send = |on: &str| Command::SendProposedAmendments {
        number: 1,
        on: d(on),
    };
    run(&mut case, meeting("2026-10-01"), &cw).unwrap();
    assert!(
        decide(&case, &send("2026-10-10"), &cw, d(TODAY))
            .unwrap_err()
            .to_string()
            .contains("record the decision after annual review 1")
    );
    let mut maintained = case.clone();
    run(
        &mut maintained,
        decision(1, "2026-10-05", ReviewOutcome::Maintain),
        &cw,
    )
    .unwrap();
    assert_eq!(
        decide(&maintained, &send("2026-10-10"), &cw, d(TODAY)).unwrap_err(),
        Refusal::Invalid {
            field: Field::Number,
            reason: "proposed amendments follow a decision to amend the plan; after annual \
                     review 1 the decision was to maintain the plan"
                .into()
        }
    );
    run(
        &mut case,
        decision(1, "2026-10-05", ReviewOutcome::Amend),
        &cw,
    )
    .unwrap();
    assert!(matches!(
        decide(&case, &send("2026-10-04"), &cw, d(TODAY)),
        Err(Refusal::TooEarly {
            earlier: "the decision to amend",
            ..
        })
    ));
    run(&mut case, send("2026-10-05"), &cw).unwrap();
    assert_eq!(
        decide(&case, &send("2026-10-06"), &cw, d(TODAY)).unwrap_err(),
        Refusal::AlreadyRecorded {
            what: "The proposed amendments after this review",
            on: "5 October 2026".into(),
        }
    );
}

#[test]
fn the_amended_plan_follows_the_amendments_sent() {
    let mut case = plan_issued();
    let cw = caseworker();
    let issue = |on: &str| Command::IssueAmendedPlan {
        number: 1,
        on: d(on),
    };
    run(&mut case, meeting("2026-10-01"), &cw).unwrap();
    run(
        &mut case,
        decision(1, "2026-10-05", ReviewOutcome::Amend),
        &cw,
    )
    .unwrap();
    assert!(
        decide(&case, &issue("2026-10-10"), &cw, d(TODAY))
            .unwrap_err()
            .to_string()
            .contains("send the proposed amendments after annual review 1")
    );
    run(
        &mut case,
        Command::SendProposedAmendments {
            number: 1,
            on: d("2026-10-12"),
        },
        &cw,
    )
    .unwrap();
    assert!(matches!(
        decide(&case, &issue("2026-10-11"), &cw, d(TODAY)),
        Err(Refusal::TooEarly {
            earlier: "the proposed amendments were sent",
            ..
        })
    ));
    assert!(matches!(
        decide(&case, &issue("2026-11-24"), &cw, d(TODAY)),
        Err(Refusal::FutureDate { .. })
    ));
    run(&mut case, issue("2026-10-12"), &cw).unwrap();
    assert!(matches!(
        decide(&case, &issue("2026-10-13"), &cw, d(TODAY)),
        Err(Refusal::AlreadyRecorded { .. })
    ));
}

#[test]
fn a_professional_may_record_the_meeting_but_only_the_council_decides() {
    let mut case = plan_issued();
    let senco = actor(Role::Professional);
    for role in [Role::Parent, Role::Viewer, Role::Scrutiny] {
        assert!(matches!(
            decide(&case, &meeting("2026-10-01"), &actor(role), d(TODAY)),
            Err(Refusal::NotAllowed { .. })
        ));
    }
    run(&mut case, meeting("2026-10-01"), &senco).unwrap();
    assert_eq!(
        decide(
            &case,
            &decision(1, "2026-10-02", ReviewOutcome::Amend),
            &senco,
            d(TODAY)
        )
        .unwrap_err(),
        Refusal::NotAllowed {
            role: "professional",
            action: "decide after an annual review",
        }
    );
}

#[test]
fn a_closed_case_refuses_reviews_and_runs_no_clocks() {
    let mut case = plan_issued();
    let cw = caseworker();
    run(&mut case, meeting("2026-10-01"), &cw).unwrap();
    run(
        &mut case,
        Command::CloseCase {
            on: d("2026-10-02"),
            reason: ClosureReason::Ceased {
                cease_reason: "1".into(),
            },
        },
        &cw,
    )
    .unwrap();
    assert_eq!(
        decide(
            &case,
            &decision(1, "2026-10-02", ReviewOutcome::Cease),
            &cw,
            d(TODAY)
        )
        .unwrap_err(),
        Refusal::Closed("2 October 2026".into())
    );
    let readings = clocks(&case, TODAY);
    assert!(readings.iter().all(|c| c.clock.done.is_some()));
    assert!(readings.iter().all(|c| !matches!(
        c.clock.kind,
        ClockKind::AnnualReview | ClockKind::ReviewDecision
    )));
    assert_eq!(
        next_deadline(&case, &WorkingDayCalendar::england_and_wales()).unwrap(),
        None
    );
}

// reg 18: the first review is due 12 months after the plan was issued.
#[test]
fn a_maintained_plan_is_next_due_for_its_annual_review() {
    let case = plan_issued();
    let review = clock(&case, TODAY, ClockKind::AnnualReview).unwrap();
    assert_eq!(review.clock.due, Some(d("2027-04-20")));
    assert_eq!(review.status, ClockStatus::Due);
    assert_eq!(next(&case), (ClockKind::AnnualReview, d("2027-04-20")));
}

// reg 18, 20, 21: after a meeting the next review runs from it, and the decision is due
// 4 weeks (28 days) after it.
#[test]
fn after_a_meeting_the_decision_is_due_in_four_weeks_and_the_next_review_in_a_year() {
    let mut case = plan_issued();
    run(&mut case, meeting("2026-11-02"), &caseworker()).unwrap();
    let review = clock(&case, TODAY, ClockKind::AnnualReview).unwrap();
    assert_eq!(review.clock.due, Some(d("2027-11-02")));
    assert_eq!(review.clock.done, None);
    assert_eq!(case.next_review_by().unwrap().unwrap(), d("2027-11-02"));
    let decision_clock = clock(&case, TODAY, ClockKind::ReviewDecision).unwrap();
    assert_eq!(decision_clock.clock.due, Some(d("2026-11-30")));
    assert_eq!(
        decision_clock.clock.about.as_deref(),
        Some("Annual review 1")
    );
    assert_eq!(decision_clock.status, ClockStatus::DueSoon);
    assert_eq!(next(&case), (ClockKind::ReviewDecision, d("2026-11-30")));
    // The papers and report are not tracked, so their clocks do not run.
    assert!(clock(&case, TODAY, ClockKind::ReviewPapers).is_none());
    assert!(clock(&case, TODAY, ClockKind::ReviewReport).is_none());
}

// reg 20, 21: a decision 28 days after the meeting is in time; 29 days is late.
#[test]
fn a_decision_twenty_eight_days_after_the_meeting_is_in_time_and_twenty_nine_late() {
    for (decided, status) in [
        ("2026-10-29", ClockStatus::MetOnTime),
        ("2026-10-30", ClockStatus::MetLate),
    ] {
        let mut case = plan_issued();
        run(&mut case, meeting("2026-10-01"), &caseworker()).unwrap();
        assert_eq!(
            case.last_review().unwrap().decision_by().unwrap(),
            d("2026-10-29")
        );
        run(
            &mut case,
            decision(1, decided, ReviewOutcome::Maintain),
            &caseworker(),
        )
        .unwrap();
        let reading = clock(&case, TODAY, ClockKind::ReviewDecision).unwrap();
        assert_eq!(reading.status, status, "decided on {decided}");
        // Decided: the next deadline is the next review, a year after the meeting.
        assert_eq!(next(&case), (ClockKind::AnnualReview, d("2027-10-01")));
    }
}

// An undecided review goes overdue on day 29.
#[test]
fn an_undecided_review_is_overdue_the_day_after_four_weeks() {
    let mut case = plan_issued();
    run(&mut case, meeting("2026-10-01"), &caseworker()).unwrap();
    let on_the_day = clock(&case, "2026-10-29", ClockKind::ReviewDecision).unwrap();
    assert_eq!(on_the_day.status, ClockStatus::DueSoon);
    let after = clock(&case, "2026-10-30", ClockKind::ReviewDecision).unwrap();
    assert_eq!(after.status, ClockStatus::Overdue);
    assert_eq!(after.days_overdue, Some(1));
}

// reg 22(3): the final amended plan is due 8 weeks (56 days) after the amendments were sent.
#[test]
fn the_amended_plan_is_due_eight_weeks_after_the_amendments() {
    let mut case = plan_issued();
    let cw = caseworker();
    run(&mut case, meeting("2026-10-01"), &cw).unwrap();
    run(
        &mut case,
        decision(1, "2026-10-20", ReviewOutcome::Amend),
        &cw,
    )
    .unwrap();
    assert!(clock(&case, TODAY, ClockKind::AmendedPlan).is_none());
    run(
        &mut case,
        Command::SendProposedAmendments {
            number: 1,
            on: d("2026-10-21"),
        },
        &cw,
    )
    .unwrap();
    let amended = clock(&case, TODAY, ClockKind::AmendedPlan).unwrap();
    assert_eq!(amended.clock.due, Some(d("2026-12-16")));
    assert_eq!(
        case.last_review()
            .unwrap()
            .amended_plan_by()
            .unwrap()
            .unwrap(),
        d("2026-12-16")
    );
    assert_eq!(next(&case), (ClockKind::AmendedPlan, d("2026-12-16")));
    assert_eq!(
        clock(&case, "2026-12-17", ClockKind::AmendedPlan)
            .unwrap()
            .status,
        ClockStatus::Overdue
    );
    run(
        &mut case,
        Command::IssueAmendedPlan {
            number: 1,
            on: d("2026-11-23"),
        },
        &cw,
    )
    .unwrap();
    assert_eq!(
        clock(&case, TODAY, ClockKind::AmendedPlan).unwrap().status,
        ClockStatus::MetOnTime
    );
    assert_eq!(next(&case), (ClockKind::AnnualReview, d("2027-10-01")));
}

// reg 18, Code of Practice 9.178: a child under 5 is reviewed within 6 months, counted from
// the plan or the last meeting; from the fifth birthday on, 12 months.
#[test]
fn a_child_under_five_is_reviewed_within_six_months() {
    let mut case = plan_issued();
    case.child.date_of_birth = d("2022-01-10");
    let due = |case: &Case| {
        clock(case, TODAY, ClockKind::AnnualReview)
            .unwrap()
            .clock
            .due
    };
    assert_eq!(due(&case), Some(d("2026-10-20")));
    run(&mut case, meeting("2026-10-19"), &caseworker()).unwrap();
    run(
        &mut case,
        decision(1, "2026-10-19", ReviewOutcome::Maintain),
        &caseworker(),
    )
    .unwrap();
    assert_eq!(due(&case), Some(d("2027-04-19")));
    // A meeting on the fifth birthday: the next review is a year on.
    case.child.date_of_birth = d("2021-10-19");
    assert_eq!(due(&case), Some(d("2027-10-19")));
}

/// The KPI flows of reviews, worked by hand. The plan was issued on 20 April 2026; the child
/// is over 5, so each review is due 12 months after the plan or the last meeting.
#[test]
fn review_flows_count_due_dates_meetings_decisions_and_amendments() {
    use crate::kpi::{Flow, Period, PeriodFigures, review_flows};
    let mut case = plan_issued();
    case.reviews = vec![
        crate::case::AnnualReview {
            number: 1,
            // Due 20 April 2027; held 10 April: by the due date.
            meeting_on: d("2027-04-10"),
            // 28 days after the meeting: the last day in time.
            decision: Some(ReviewDecision {
                on: d("2027-05-08"),
                outcome: ReviewOutcome::Amend,
            }),
            // Final amended plan due 10 May + 56 days = 5 July 2027; issued 6 July: late.
            amendments_sent: Some(d("2027-05-10")),
            amended_plan_issued: Some(d("2027-07-06")),
        },
        crate::case::AnnualReview {
            number: 2,
            // Due 12 months after the last meeting, 10 April 2028; held 25 April: late.
            meeting_on: d("2028-04-25"),
            decision: None,
            amendments_sent: None,
            amended_plan_issued: None,
        },
    ];
    let mut flows = review_flows(&case).unwrap();
    flows.sort();
    let mut expected = vec![
        (Flow::ReviewDue, d("2027-04-20")),
        (Flow::ReviewDueMet, d("2027-04-20")),
        (Flow::ReviewHeld, d("2027-04-10")),
        (Flow::ReviewDecided, d("2027-05-08")),
        (Flow::ReviewDecidedInTime, d("2027-05-08")),
        (Flow::AmendedPlanDue, d("2027-07-05")),
        (Flow::ReviewDue, d("2028-04-10")),
        (Flow::ReviewHeld, d("2028-04-25")),
        // The next review: 12 months after 25 April 2028.
        (Flow::ReviewDue, d("2029-04-25")),
    ];
    expected.sort();
    assert_eq!(flows, expected);

    // 2027: one review due and held in time, one decision in time, one amended plan late.
    let figures = |from: &str, to: &str, flows: &[(Flow, NaiveDate)]| {
        let period = Period::new(d(from), d(to)).unwrap();
        let mut f = PeriodFigures::default();
        for (flow, day) in flows {
            if period.contains(*day) {
                f.add_flow(*flow, 1);
            }
        }
        f.reviews
    };
    let y2027 = figures("2027-01-01", "2027-12-31", &flows);
    assert_eq!(
        (y2027.held_by_due_date.part, y2027.held_by_due_date.whole),
        (1, 1)
    );
    assert_eq!(y2027.held, 1);
    assert_eq!(
        (
            y2027.decided_within_four_weeks.part,
            y2027.decided_within_four_weeks.whole
        ),
        (1, 1)
    );
    assert_eq!(y2027.amended_late(), 1);
    // 2028: one review due (10 April) and held late: overdue.
    let y2028 = figures("2028-01-01", "2028-12-31", &flows);
    assert_eq!((y2028.overdue(), y2028.held), (1, 1));
    // The period's edge: due on 10 April 2028 counts in a period ending that day, not in
    // one starting the day after.
    assert_eq!(
        figures("2028-01-01", "2028-04-10", &flows)
            .held_by_due_date
            .whole,
        1
    );
    assert_eq!(
        figures("2028-04-11", "2028-12-31", &flows)
            .held_by_due_date
            .whole,
        0
    );

    // Ceased on 1 January 2029, before the next review fell due: that review is not due.
    case.closure = Some(crate::case::Closure {
        on: d("2029-01-01"),
        reason: crate::case::ClosureReason::Ceased {
            cease_reason: "1".into(),
        },
    });
    let closed = review_flows(&case).unwrap();
    assert!(!closed.contains(&(Flow::ReviewDue, d("2029-04-25"))));
    assert_eq!(closed.len(), expected.len() - 1);
}
