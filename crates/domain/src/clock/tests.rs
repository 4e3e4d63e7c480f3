use super::*;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

type DueFn = fn(NaiveDate) -> Result<NaiveDate, ClockError>;

/// One row per statutory rule and awkward date: (rule, trigger, expected due).
#[test]
fn every_single_trigger_clock_falls_on_the_statutory_date() {
    let rows: &[(&str, DueFn, &str, &str)] = &[
        // reg 5(1): 6 weeks = 42 days
        (
            "reg 5(1)",
            decide_whether_to_assess_by,
            "2026-01-05",
            "2026-02-16",
        ),
        (
            "reg 5(1) across leap day",
            decide_whether_to_assess_by,
            "2024-02-01",
            "2024-03-14",
        ),
        (
            "reg 5(1) same in a common year",
            decide_whether_to_assess_by,
            "2025-02-01",
            "2025-03-15",
        ),
        (
            "reg 5(1) across year end",
            decide_whether_to_assess_by,
            "2025-11-20",
            "2026-01-01",
        ),
        // reg 8(1): advice 6 weeks
        ("reg 8(1)", advice_by, "2026-03-31", "2026-05-12"),
        (
            "reg 8(1) across year end",
            advice_by,
            "2026-12-31",
            "2027-02-11",
        ),
        // reg 10(1): 16 weeks = 112 days
        (
            "reg 10(1)",
            notify_not_issuing_by,
            "2026-01-05",
            "2026-04-27",
        ),
        (
            "reg 10(1) across leap day",
            notify_not_issuing_by,
            "2023-12-01",
            "2024-03-22",
        ),
        // reg 13(2): 20 weeks = 140 days
        ("reg 13(2)", final_plan_by, "2026-01-05", "2026-05-25"),
        (
            "reg 13(2) across year end",
            final_plan_by,
            "2025-12-01",
            "2026-04-20",
        ),
        (
            "reg 13(2) from a month end",
            final_plan_by,
            "2026-08-31",
            "2027-01-18",
        ),
        // reg 13(1): at least 15 days beginning with the day of service: day 1 + 14
        ("reg 13(1)", representations_by, "2026-02-20", "2026-03-06"),
        (
            "reg 13(1) in a leap February",
            representations_by,
            "2024-02-20",
            "2024-03-05",
        ),
        (
            "reg 13(1) across year end",
            representations_by,
            "2025-12-25",
            "2026-01-08",
        ),
        // s.39(2)/s.40(2) CFA 2014: 15 days
        (
            "s.39(2)",
            consultation_response_by,
            "2026-03-02",
            "2026-03-17",
        ),
        (
            "s.39(2) across year end",
            consultation_response_by,
            "2026-12-20",
            "2027-01-04",
        ),
        // reg 27: 14 weeks = 98 days
        ("reg 27", reassessment_plan_by, "2026-01-05", "2026-04-13"),
        // reg 20: papers at least 2 weeks before the meeting
        (
            "reg 20 papers",
            review_papers_by,
            "2026-01-08",
            "2025-12-25",
        ),
        (
            "reg 20 papers in a leap March",
            review_papers_by,
            "2024-03-10",
            "2024-02-25",
        ),
        // reg 20: report 2 weeks after the meeting
        (
            "reg 20 report",
            review_report_by,
            "2026-12-20",
            "2027-01-03",
        ),
        // reg 20, 21: decision 4 weeks after the meeting
        (
            "reg 21 decision",
            review_decision_by,
            "2026-12-20",
            "2027-01-17",
        ),
        (
            "reg 21 decision across leap day",
            review_decision_by,
            "2028-02-10",
            "2028-03-09",
        ),
        // reg 22: at least 15 days beginning with the day amendments were sent
        (
            "reg 22 comments",
            amendment_comments_by,
            "2026-02-15",
            "2026-03-01",
        ),
        (
            "reg 22 comments in a leap year",
            amendment_comments_by,
            "2028-02-15",
            "2028-02-29",
        ),
        // reg 22(3): 8 weeks = 56 days
        ("reg 22(3)", amended_plan_by, "2026-02-15", "2026-04-12"),
        // reg 33: 2 calendar months; no 31 February, so the month's last day
        ("reg 33", mediation_adviser_by, "2026-01-10", "2026-03-10"),
        (
            "reg 33 from a month end",
            mediation_adviser_by,
            "2025-12-31",
            "2026-02-28",
        ),
        (
            "reg 33 from a month end, leap year",
            mediation_adviser_by,
            "2023-12-31",
            "2024-02-29",
        ),
        // reg 37: mediation held within 30 days
        ("reg 37", mediation_held_by, "2026-04-02", "2026-05-02"),
        (
            "reg 37 across year end",
            mediation_held_by,
            "2026-12-15",
            "2027-01-14",
        ),
    ];
    for (rule, due, trigger, expected) in rows {
        assert_eq!(
            due(d(trigger)).unwrap(),
            d(expected),
            "{rule} from {trigger}"
        );
    }
}

#[test]
fn annual_review_is_twelve_months_or_six_for_under_fives() {
    let rows = [
        // reg 18: 12 months from issue
        ("2025-03-31", None, "2026-03-31"),
        // reg 18: 29 February has no counterpart: last day of February
        ("2024-02-29", None, "2025-02-28"),
        // reg 18: over five on the start date
        ("2026-08-31", Some("2020-01-01"), "2027-08-31"),
        // Code of Practice 9.178: under five, 6 months, month end clamps to 28 February
        ("2026-08-31", Some("2022-06-01"), "2027-02-28"),
        // fifth birthday on the start date: no longer under five
        ("2027-06-01", Some("2022-06-01"), "2028-06-01"),
    ];
    for (from, dob, expected) in rows {
        assert_eq!(
            annual_review_by(d(from), dob.map(d)).unwrap(),
            d(expected),
            "from {from} with birth date {dob:?}"
        );
    }
}

#[test]
fn phase_transfer_deadlines_follow_reg_18() {
    let rows = [
        // reg 18(1)(a): school moves by 15 February of the transfer year
        (TransferKind::School, "2027-09-01", "2027-02-15"),
        // reg 18(1)(b): secondary to post-16 by 31 March
        (TransferKind::SecondaryToPost16, "2027-09-01", "2027-03-31"),
        // reg 18(1)(c): post-16 to post-16, 5 months before
        (TransferKind::Post16ToPost16, "2027-09-01", "2027-04-01"),
        (TransferKind::Post16ToPost16, "2027-07-31", "2027-02-28"),
        (TransferKind::Post16ToPost16, "2028-07-31", "2028-02-29"),
    ];
    for (kind, transfer, expected) in rows {
        assert_eq!(
            phase_transfer_by(kind, d(transfer)).unwrap(),
            d(expected),
            "{kind:?} on {transfer}"
        );
    }
}

#[test]
fn mediation_certificate_counts_three_working_days_past_easter() {
    let calendar = WorkingDayCalendar::england_and_wales();
    // reg 34: Thursday 2 April 2026, then Good Friday and Easter Monday are not working days
    assert_eq!(
        mediation_certificate_by(d("2026-04-02"), &calendar).unwrap(),
        d("2026-04-09")
    );
}

#[test]
fn mediation_certificate_outside_the_calendar_is_an_error_not_a_guess() {
    let calendar = WorkingDayCalendar::england_and_wales();
    let err = mediation_certificate_by(d("2031-06-02"), &calendar).unwrap_err();
    assert!(matches!(err, ClockError::Calendar(_)), "{err}");
}

#[test]
fn appeal_is_two_months_from_notice_or_one_month_after_a_later_certificate() {
    // Tribunal rule 20
    assert_eq!(appeal_by(d("2026-01-10"), None).unwrap(), d("2026-03-10"));
    assert_eq!(
        appeal_by(d("2026-01-10"), Some(d("2026-03-01"))).unwrap(),
        d("2026-04-01")
    );
    assert_eq!(
        appeal_by(d("2026-01-10"), Some(d("2026-01-20"))).unwrap(),
        d("2026-03-10")
    );
}

#[test]
fn a_due_date_beyond_representable_dates_is_an_error() {
    let err = final_plan_by(NaiveDate::MAX).unwrap_err();
    assert!(err.to_string().contains("Final EHC plan issued"), "{err}");
}

#[test]
fn deadlines_give_only_the_clocks_whose_triggers_were_given() {
    let calendar = WorkingDayCalendar::england_and_wales();
    let only_received = deadlines(
        &Triggers {
            request_received: Some(d("2026-01-05")),
            ..Triggers::default()
        },
        &calendar,
    )
    .unwrap();
    let keys: Vec<_> = only_received.iter().map(|x| x.kind.key()).collect();
    assert_eq!(
        keys,
        [
            "decide_whether_to_assess_by",
            "notify_not_issuing_by",
            "final_plan_by"
        ]
    );
    let review_only = deadlines(
        &Triggers {
            review_meeting: Some(d("2026-06-10")),
            ..Triggers::default()
        },
        &calendar,
    )
    .unwrap();
    let keys: Vec<_> = review_only.iter().map(|x| x.kind.key()).collect();
    assert_eq!(
        keys,
        ["review_papers_by", "review_report_by", "review_decision_by"]
    );
}

#[test]
fn every_clock_has_a_distinct_key_and_a_regulation() {
    let mut keys: Vec<_> = ClockKind::ALL.iter().map(|k| k.key()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), ClockKind::ALL.len());
    assert!(ClockKind::ALL.iter().all(|k| !k.regulation().is_empty()));
}

fn final_plan_clock(done: Option<&str>) -> Clock {
    Clock::started(
        ClockKind::FinalPlan,
        d("2026-01-05"),
        final_plan_by(d("2026-01-05")),
        done.map(d),
    )
    .unwrap()
}

/// (done, today, status, days remaining, days overdue)
type ReadingRow = (
    Option<&'static str>,
    &'static str,
    ClockStatus,
    Option<i64>,
    Option<i64>,
);

#[test]
fn reading_a_clock_gives_status_and_days_on_the_day() {
    // due 25 May 2026
    let rows: &[ReadingRow] = &[
        (None, "2026-03-01", ClockStatus::Due, Some(85), None),
        (None, "2026-05-11", ClockStatus::DueSoon, Some(14), None),
        (None, "2026-05-25", ClockStatus::DueSoon, Some(0), None),
        (None, "2026-05-26", ClockStatus::Overdue, None, Some(1)),
        (
            Some("2026-05-25"),
            "2026-06-30",
            ClockStatus::MetOnTime,
            None,
            None,
        ),
        (
            Some("2026-06-04"),
            "2026-06-30",
            ClockStatus::MetLate,
            None,
            Some(10),
        ),
        // an action dated after today has not happened yet
        (
            Some("2026-06-04"),
            "2026-05-01",
            ClockStatus::Due,
            Some(24),
            None,
        ),
    ];
    for (done, today, status, left, over) in rows {
        let reading = read(&final_plan_clock(*done), &[], d(today), DUE_SOON_DAYS);
        assert_eq!(reading.status, *status, "done {done:?} on {today}");
        assert_eq!(reading.days_remaining, *left, "done {done:?} on {today}");
        assert_eq!(reading.days_overdue, *over, "done {done:?} on {today}");
    }
}

#[test]
fn a_clock_not_started_has_no_due_date() {
    let reading = read(
        &Clock::not_started(ClockKind::Representations),
        &[],
        d("2026-01-01"),
        DUE_SOON_DAYS,
    );
    assert_eq!(reading.status, ClockStatus::NotStarted);
    assert_eq!(reading.clock.due, None);
}

#[test]
fn an_unused_family_window_closes_rather_than_goes_overdue() {
    let clock = Clock::started(
        ClockKind::Representations,
        d("2026-02-20"),
        representations_by(d("2026-02-20")),
        None,
    )
    .unwrap();
    let reading = read(&clock, &[], d("2026-03-07"), DUE_SOON_DAYS);
    assert_eq!(reading.status, ClockStatus::Closed);
}

#[test]
fn an_exception_marks_late_as_late_with_exception_without_moving_the_due_date() {
    let absent = Exception::new(
        ExceptionKind::AbsentFromArea,
        d("2026-03-01"),
        Some(d("2026-04-15")),
    )
    .unwrap();
    let reading = read(
        &final_plan_clock(Some("2026-06-04")),
        &[absent],
        d("2026-06-30"),
        DUE_SOON_DAYS,
    );
    assert_eq!(reading.status, ClockStatus::MetLateWithException);
    assert_eq!(reading.clock.due, Some(d("2026-05-25")));
    assert_eq!(reading.days_overdue, Some(10));
    assert_eq!(reading.exceptions, [ExceptionKind::AbsentFromArea]);
}

#[test]
fn an_exception_after_the_due_date_does_not_excuse_lateness() {
    let late_absence = Exception::new(
        ExceptionKind::AbsentFromArea,
        d("2026-05-26"),
        Some(d("2026-07-01")),
    )
    .unwrap();
    let reading = read(
        &final_plan_clock(Some("2026-06-04")),
        &[late_absence],
        d("2026-07-30"),
        DUE_SOON_DAYS,
    );
    assert_eq!(reading.status, ClockStatus::MetLate);
}

#[test]
fn a_missed_appointment_excuses_advice_and_final_plan_but_not_the_decision_to_assess() {
    // reg 5(4) has no missed-appointment exception; reg 8(2) and 13(3) do
    assert!(ExceptionKind::MissedAppointment.excuses(ClockKind::Advice));
    assert!(ExceptionKind::MissedAppointment.excuses(ClockKind::FinalPlan));
    assert!(!ExceptionKind::MissedAppointment.excuses(ClockKind::DecideWhetherToAssess));
    assert!(!ExceptionKind::MissedAppointment.excuses(ClockKind::NotifyNotIssuing));
    // no exception excuses review clocks
    assert!(
        ExceptionKind::ALL
            .iter()
            .all(|e| !e.excuses(ClockKind::AnnualReview))
    );
}

#[test]
fn a_school_closure_counts_from_a_week_before_closing_to_a_week_before_reopening() {
    // closed 20 July to 2 September: effect 13 July to 26 August
    let summer = Exception::new(
        ExceptionKind::SchoolClosure,
        d("2026-07-20"),
        Some(d("2026-09-02")),
    )
    .unwrap();
    assert!(summer.overlaps(d("2026-06-01"), d("2026-07-13")));
    assert!(!summer.overlaps(d("2026-06-01"), d("2026-07-12")));
    assert!(summer.overlaps(d("2026-08-26"), d("2026-10-01")));
    assert!(!summer.overlaps(d("2026-08-27"), d("2026-10-01")));
}

#[test]
fn closures_and_absences_shorter_than_four_weeks_are_refused() {
    let err = Exception::new(
        ExceptionKind::SchoolClosure,
        d("2026-04-01"),
        Some(d("2026-04-20")),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "School or college closed for 4 weeks or more must last at least 4 weeks (28 days); this lasts 19 days"
    );
    let err = Exception::new(
        ExceptionKind::MissedAppointment,
        d("2026-04-02"),
        Some(d("2026-04-01")),
    )
    .unwrap_err();
    assert!(matches!(err, ExceptionError::EndsBeforeStart { .. }));
    assert!(
        Exception::new(
            ExceptionKind::MissedAppointment,
            d("2026-04-01"),
            Some(d("2026-04-01"))
        )
        .is_ok()
    );
}

fn kinds(clocks: &[Clock]) -> Vec<ClockKind> {
    clocks.iter().map(|c| c.kind).collect()
}

#[test]
fn a_new_request_runs_the_assessment_clocks() {
    let calendar = WorkingDayCalendar::england_and_wales();
    let case = CaseDates {
        request_received: Some(d("2026-01-05")),
        ..CaseDates::default()
    };
    let clocks = case_clocks(&case, &calendar).unwrap();
    assert_eq!(
        kinds(&clocks),
        [
            ClockKind::DecideWhetherToAssess,
            ClockKind::NotifyNotIssuing,
            ClockKind::Representations,
            ClockKind::FinalPlan
        ]
    );
    let readings = read_case(&case, &calendar, d("2026-02-17")).unwrap();
    assert_eq!(readings[0].status, ClockStatus::Overdue);
    assert_eq!(readings[0].days_overdue, Some(1));
    assert_eq!(readings[2].status, ClockStatus::NotStarted);
}

#[test]
fn deciding_not_to_assess_stops_the_sixteen_and_twenty_week_clocks() {
    let calendar = WorkingDayCalendar::england_and_wales();
    let case = CaseDates {
        request_received: Some(d("2026-01-05")),
        assessment_decision: Some(Decided {
            on: d("2026-02-10"),
            yes: false,
        }),
        ..CaseDates::default()
    };
    let clocks = case_clocks(&case, &calendar).unwrap();
    assert_eq!(kinds(&clocks), [ClockKind::DecideWhetherToAssess]);
}

#[test]
fn deciding_to_issue_stops_the_notice_clock_and_each_advice_has_its_own() {
    let calendar = WorkingDayCalendar::england_and_wales();
    let case = CaseDates {
        request_received: Some(d("2026-01-05")),
        assessment_decision: Some(Decided {
            on: d("2026-02-10"),
            yes: true,
        }),
        advice: vec![
            Asked {
                who: "Educational psychology".into(),
                on: d("2026-02-11"),
                answered: Some(d("2026-03-20")),
            },
            Asked {
                who: "Health".into(),
                on: d("2026-02-12"),
                answered: None,
            },
        ],
        issue_decision: Some(Decided {
            on: d("2026-04-01"),
            yes: true,
        }),
        ..CaseDates::default()
    };
    let readings = read_case(&case, &calendar, d("2026-04-02")).unwrap();
    assert_eq!(
        readings.iter().map(|r| r.clock.kind).collect::<Vec<_>>(),
        [
            ClockKind::DecideWhetherToAssess,
            ClockKind::Advice,
            ClockKind::Advice,
            ClockKind::Representations,
            ClockKind::FinalPlan
        ]
    );
    assert_eq!(readings[1].status, ClockStatus::MetOnTime);
    assert_eq!(readings[2].status, ClockStatus::Overdue);
    assert_eq!(readings[2].clock.about.as_deref(), Some("Health"));
    assert_eq!(readings[2].clock.due, Some(d("2026-03-26")));
}

#[test]
fn a_plan_runs_review_amendment_transfer_and_appeal_clocks() {
    let calendar = WorkingDayCalendar::england_and_wales();
    let case = CaseDates {
        final_plan_issued: Some(d("2025-03-10")),
        previous_review_meeting: Some(d("2025-12-01")),
        review: Some(ReviewCycle {
            meeting: Some(d("2026-11-20")),
            held: true,
            papers_sent: Some(d("2026-11-01")),
            report_sent: None,
            decision_sent: None,
        }),
        amendments: Some(Amendments {
            sent: d("2026-11-22"),
            comments_received: None,
            plan_issued: None,
        }),
        transfer: Some(Transfer {
            kind: TransferKind::School,
            date: d("2027-09-01"),
            plan_amended: None,
        }),
        disagreement: Some(Disagreement {
            decision_notice: d("2026-10-01"),
            adviser_contacted: Some(d("2026-10-05")),
            mediation_requested: Some(d("2026-10-05")),
            certificate_issued: Some(d("2026-10-09")),
            mediation_held: None,
            appeal_lodged: None,
        }),
        ..CaseDates::default()
    };
    let readings = read_case(&case, &calendar, d("2026-11-23")).unwrap();
    let status = |k: ClockKind| {
        readings
            .iter()
            .find(|r| r.clock.kind == k)
            .map(|r| (r.clock.due.unwrap(), r.status))
            .unwrap()
    };
    // reg 18: from the later of issue and the last meeting
    assert_eq!(
        status(ClockKind::AnnualReview),
        (d("2026-12-01"), ClockStatus::MetOnTime)
    );
    assert_eq!(
        status(ClockKind::ReviewPapers),
        (d("2026-11-06"), ClockStatus::MetOnTime)
    );
    assert_eq!(
        status(ClockKind::ReviewDecision),
        (d("2026-12-18"), ClockStatus::Due)
    );
    assert_eq!(
        status(ClockKind::AmendmentComments),
        (d("2026-12-06"), ClockStatus::DueSoon)
    );
    assert_eq!(
        status(ClockKind::PhaseTransfer),
        (d("2027-02-15"), ClockStatus::Due)
    );
    assert_eq!(
        status(ClockKind::MediationCertificate),
        (d("2026-10-08"), ClockStatus::MetLate)
    );
    assert_eq!(
        status(ClockKind::MediationHeld),
        (d("2026-11-04"), ClockStatus::Overdue)
    );
    // later of notice + 2 months (1 December) and certificate + 1 month (9 November)
    assert_eq!(
        status(ClockKind::TribunalAppeal),
        (d("2026-12-01"), ClockStatus::DueSoon)
    );
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (0i64..365 * 40).prop_map(|n| d("2000-01-01") + chrono::Duration::days(n))
}

proptest! {
    #[test]
    fn assessment_clocks_are_fixed_calendar_spans_in_order(received in any_date()) {
        let decide = decide_whether_to_assess_by(received).unwrap();
        let notify = notify_not_issuing_by(received).unwrap();
        let plan = final_plan_by(received).unwrap();
        prop_assert_eq!((decide - received).num_days(), 42);
        prop_assert_eq!((notify - received).num_days(), 112);
        prop_assert_eq!((plan - received).num_days(), 140);
        prop_assert_eq!(decide.weekday(), received.weekday());
    }

    #[test]
    fn a_clock_met_on_or_before_its_due_date_is_on_time(
        received in any_date(), early in 0i64..140, today_after in 0i64..400
    ) {
        let due = final_plan_by(received).unwrap();
        let done = due - chrono::Duration::days(early);
        let clock = Clock::started(ClockKind::FinalPlan, received, Ok(due), Some(done)).unwrap();
        let today = done + chrono::Duration::days(today_after);
        prop_assert_eq!(read(&clock, &[], today, DUE_SOON_DAYS).status, ClockStatus::MetOnTime);
    }
}
