use super::*;
use crate::ids::LaCode;
use proptest::prelude::*;

mod reviews;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn la() -> LaCode {
    LaCode::parse("202").unwrap()
}

fn actor(role: Role) -> Actor {
    Actor {
        user: format!("user-{role:?}"),
        role,
        la: la(),
    }
}

fn caseworker() -> Actor {
    actor(Role::Caseworker)
}

fn new_request() -> NewRequest {
    NewRequest {
        reference: "EHC-0001".into(),
        child: Child {
            given_name: "Ada".into(),
            family_name: "Okafor-Lindqvist".into(),
            date_of_birth: d("2017-05-14"),
            upn: None,
            uln: None,
            nhs_number: None,
            address: None,
            parents: vec![],
            school: None,
        },
        request: Request {
            received: d("2026-01-05"),
            source: "par".into(),
            reasons: "Not making progress despite SEN support".into(),
        },
    }
}

const TODAY: &str = "2026-11-23";

/// Runs a command, applies its events, and returns the events.
fn run(case: &mut Case, command: Command, who: &Actor) -> Result<Vec<Event>, Refusal> {
    let events = decide(case, &command, who, d(TODAY))?;
    for e in &events {
        case.apply(e);
    }
    Ok(events)
}

fn requested() -> (Case, Vec<Event>) {
    let events = decide_new(&new_request(), &caseworker(), d(TODAY)).unwrap();
    (Case::from_events(la(), &events).unwrap(), events)
}

fn school() -> Placement {
    Placement {
        urn: Some("100000".into()),
        setting_code: None,
        name: "Northgate Primary School".into(),
        placement_type: "ms".into(),
    }
}

/// Drives a case from request to final plan, keeping the whole log.
fn to_final_plan() -> (Case, Vec<Event>) {
    let (mut case, mut log) = requested();
    let cw = caseworker();
    let steps = vec![
        Command::DecideWhetherToAssess {
            on: d("2026-02-10"),
            yes: true,
            reasons: String::new(),
        },
        Command::RequestAdvice {
            kind: AdviceKind::EducationalPsychology,
            organisation: "County EP Service".into(),
            on: d("2026-02-11"),
        },
        Command::RecordAdviceReceived {
            number: 1,
            on: d("2026-03-20"),
            document: None,
        },
        Command::DecideWhetherToIssue {
            on: d("2026-04-01"),
            yes: true,
            reasons: String::new(),
        },
        Command::SavePlan {
            sections: PlanSections {
                a: "Ada loves drawing.".into(),
                ..PlanSections::default()
            },
        },
        Command::ServeDraft {
            version: 1,
            on: d("2026-04-02"),
        },
        Command::ConsultSchool {
            setting: school(),
            on: d("2026-04-03"),
        },
        Command::RecordConsultationResponse {
            number: 1,
            on: d("2026-04-10"),
            agreed: true,
        },
        Command::IssueFinalPlan {
            version: 1,
            on: d("2026-04-20"),
            placement: school(),
        },
    ];
    for step in steps {
        log.extend(run(&mut case, step.clone(), &cw).unwrap_or_else(|r| panic!("{step:?}: {r}")));
    }
    (case, log)
}

#[test]
fn a_case_runs_from_request_to_final_plan_and_its_log_rebuilds_it() {
    let (case, log) = to_final_plan();
    assert_eq!(case.stage, Stage::PlanIssued);
    assert_eq!(case.request.source, "PAR");
    assert_eq!(
        case.final_plan.as_ref().unwrap().placement.placement_type,
        "MS"
    );
    assert_eq!(Case::from_events(la(), &log).unwrap(), case);
    let clocks = case
        .clocks(&crate::WorkingDayCalendar::england_and_wales(), d(TODAY))
        .unwrap();
    let final_plan = clocks
        .iter()
        .find(|c| c.clock.kind == clock::ClockKind::FinalPlan)
        .unwrap();
    assert_eq!(final_plan.status, clock::ClockStatus::MetOnTime);
}

#[test]
fn a_final_plan_before_a_draft_is_refused() {
    let (mut case, _) = requested();
    let cw = caseworker();
    run(
        &mut case,
        Command::DecideWhetherToAssess {
            on: d("2026-02-10"),
            yes: true,
            reasons: String::new(),
        },
        &cw,
    )
    .unwrap();
    let refusal = run(
        &mut case,
        Command::IssueFinalPlan {
            version: 1,
            on: d("2026-04-20"),
            placement: school(),
        },
        &cw,
    )
    .unwrap_err();
    assert!(refusal.to_string().contains("after a draft"), "{refusal}");
}

#[test]
fn a_decision_recorded_twice_is_refused_naming_the_first() {
    let (mut case, _) = requested();
    let decision = Command::DecideWhetherToAssess {
        on: d("2026-02-10"),
        yes: true,
        reasons: String::new(),
    };
    run(&mut case, decision.clone(), &caseworker()).unwrap();
    let refusal = run(&mut case, decision, &caseworker()).unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "The decision whether to assess was already recorded on 10 February 2026"
    );
}

#[test]
fn dates_in_the_future_or_before_the_request_are_refused() {
    let (case, _) = requested();
    for (on, expected) in [
        (
            "2026-11-24",
            "cannot be in the future: 24 November 2026 is after today, 23 November 2026",
        ),
        (
            "2026-01-04",
            "cannot be before the request was received (5 January 2026)",
        ),
    ] {
        let refusal = decide(
            &case,
            &Command::DecideWhetherToAssess {
                on: d(on),
                yes: true,
                reasons: String::new(),
            },
            &caseworker(),
            d(TODAY),
        )
        .unwrap_err();
        assert!(refusal.to_string().contains(expected), "{refusal}");
    }
}

#[test]
fn a_no_to_assess_needs_reasons() {
    let (case, _) = requested();
    let refusal = decide(
        &case,
        &Command::DecideWhetherToAssess {
            on: d("2026-02-10"),
            yes: false,
            reasons: "  ".into(),
        },
        &caseworker(),
        d(TODAY),
    )
    .unwrap_err();
    assert_eq!(
        refusal,
        Refusal::Missing {
            field: Field::Reasons,
            what: "the reasons for not assessing"
        }
    );
}

#[test]
fn only_the_latest_plan_version_can_be_issued() {
    let (mut case, _) = requested();
    let cw = caseworker();
    for step in [
        Command::DecideWhetherToAssess {
            on: d("2026-02-10"),
            yes: true,
            reasons: String::new(),
        },
        Command::DecideWhetherToIssue {
            on: d("2026-04-01"),
            yes: true,
            reasons: String::new(),
        },
        Command::SavePlan {
            sections: PlanSections {
                b: "First".into(),
                ..PlanSections::default()
            },
        },
        Command::ServeDraft {
            version: 1,
            on: d("2026-04-02"),
        },
        Command::SavePlan {
            sections: PlanSections {
                b: "Second, after comments".into(),
                ..PlanSections::default()
            },
        },
    ] {
        run(&mut case, step, &cw).unwrap();
    }
    let refusal = run(
        &mut case,
        Command::IssueFinalPlan {
            version: 1,
            on: d("2026-05-01"),
            placement: school(),
        },
        &cw,
    )
    .unwrap_err();
    assert_eq!(
        refusal,
        Refusal::NotLatest {
            given: 1,
            latest: 2
        }
    );
}

#[test]
fn the_plan_cannot_be_issued_inside_the_families_fifteen_days() {
    let (_, log) = to_final_plan();
    // rewind: rebuild without the final plan event, then try to issue on day 15
    let case = Case::from_events(la(), &log[..log.len() - 1]).unwrap();
    let refusal = decide(
        &case,
        &Command::IssueFinalPlan {
            version: 1,
            on: d("2026-04-16"),
            placement: school(),
        },
        &caseworker(),
        d(TODAY),
    )
    .unwrap_err();
    assert!(
        refusal
            .to_string()
            .contains("until 16 April 2026 to comment"),
        "{refusal}"
    );
}

#[test]
fn a_draft_must_not_name_a_school() {
    let (mut case, _) = requested();
    let cw = caseworker();
    for step in [
        Command::DecideWhetherToAssess {
            on: d("2026-02-10"),
            yes: true,
            reasons: String::new(),
        },
        Command::DecideWhetherToIssue {
            on: d("2026-04-01"),
            yes: true,
            reasons: String::new(),
        },
        Command::SavePlan {
            sections: PlanSections {
                i: "Northgate Primary".into(),
                ..PlanSections::default()
            },
        },
    ] {
        run(&mut case, step, &cw).unwrap();
    }
    let refusal = run(
        &mut case,
        Command::ServeDraft {
            version: 1,
            on: d("2026-04-02"),
        },
        &cw,
    )
    .unwrap_err();
    assert!(refusal.to_string().contains("section I"), "{refusal}");
}

#[test]
fn deciding_to_issue_waits_for_advice_still_in_time() {
    let (mut case, _) = requested();
    let cw = caseworker();
    for step in [
        Command::DecideWhetherToAssess {
            on: d("2026-02-10"),
            yes: true,
            reasons: String::new(),
        },
        Command::RequestAdvice {
            kind: AdviceKind::Health,
            organisation: "Riverside NHS Trust".into(),
            on: d("2026-02-11"),
        },
    ] {
        run(&mut case, step, &cw).unwrap();
    }
    let early = Command::DecideWhetherToIssue {
        on: d("2026-03-01"),
        yes: true,
        reasons: String::new(),
    };
    let refusal = decide(&case, &early, &cw, d(TODAY)).unwrap_err();
    assert!(
        refusal.to_string().contains("not due until 25 March 2026"),
        "{refusal}"
    );
    let after_due = Command::DecideWhetherToIssue {
        on: d("2026-03-26"),
        yes: true,
        reasons: String::new(),
    };
    assert!(decide(&case, &after_due, &cw, d(TODAY)).is_ok());
}

/// reg 8(1): a declined request is answered without advice, so its clock stops and the
/// decision whether to issue no longer waits for it.
#[test]
fn a_declined_advice_request_stops_its_clock_and_cannot_be_answered_again() {
    let (mut case, mut log) = requested();
    let cw = caseworker();
    for step in [
        Command::DecideWhetherToAssess {
            on: d("2026-02-10"),
            yes: true,
            reasons: String::new(),
        },
        Command::RequestAdvice {
            kind: AdviceKind::Health,
            organisation: "Riverside NHS Trust".into(),
            on: d("2026-02-11"),
        },
    ] {
        log.extend(run(&mut case, step, &cw).unwrap());
    }
    let professional = actor(Role::Professional);
    let no_reason = Command::DeclineAdviceRequest {
        number: 1,
        reason: "  ".into(),
    };
    assert_eq!(
        decide(&case, &no_reason, &professional, d("2026-02-20")).unwrap_err(),
        Refusal::Missing {
            field: Field::Reason,
            what: "why the request for advice is declined"
        }
    );
    let unknown = Command::DeclineAdviceRequest {
        number: 2,
        reason: "Not known to us".into(),
    };
    assert!(matches!(
        decide(&case, &unknown, &professional, d("2026-02-20")),
        Err(Refusal::NoSuch { number: 2, .. })
    ));
    let parent = decide(
        &case,
        &Command::DeclineAdviceRequest {
            number: 1,
            reason: "x".into(),
        },
        &actor(Role::Parent),
        d("2026-02-20"),
    );
    assert!(matches!(parent, Err(Refusal::NotAllowed { .. })));
    let decline = Command::DeclineAdviceRequest {
        number: 1,
        reason: " The child is not known to our service ".into(),
    };
    let events = decide(&case, &decline, &professional, d("2026-02-20")).unwrap();
    assert_eq!(
        events,
        [Event::AdviceDeclined {
            number: 1,
            on: d("2026-02-20"),
            reason: "The child is not known to our service".into(),
        }]
    );
    assert_eq!(
        events[0].describe(),
        "Advice request 1 declined on 20 February 2026: The child is not known to our service"
    );
    for e in &events {
        case.apply(e);
    }
    log.extend(events);
    assert_eq!(case.advice[0].received, Some(d("2026-02-20")));
    assert_eq!(case.advice[0].document, None);
    assert_eq!(case.clock_dates().advice[0].answered, Some(d("2026-02-20")));
    assert_eq!(Case::from_events(la(), &log).unwrap(), case);
    // The clock reads it as answered, and the decision no longer waits for it.
    let issue = Command::DecideWhetherToIssue {
        on: d("2026-03-01"),
        yes: true,
        reasons: String::new(),
    };
    assert!(decide(&case, &issue, &cw, d(TODAY)).is_ok());
    // Neither declined again nor answered afterwards.
    assert!(matches!(
        decide(&case, &decline, &professional, d("2026-02-21")),
        Err(Refusal::AlreadyRecorded { .. })
    ));
    let late = Command::RecordAdviceReceived {
        number: 1,
        on: d("2026-02-21"),
        document: None,
    };
    assert!(matches!(
        decide(&case, &late, &cw, d(TODAY)),
        Err(Refusal::AlreadyRecorded { .. })
    ));
}

#[test]
fn roles_and_tenants_are_checked() {
    let (case, _) = requested();
    let allocate = Command::AllocateCaseworker {
        caseworker: "cw-7".into(),
        note: None,
    };
    assert_eq!(
        decide(&case, &allocate, &caseworker(), d(TODAY)).unwrap_err(),
        Refusal::NotAllowed {
            role: "caseworker",
            action: "allocate cases"
        }
    );
    assert!(decide(&case, &allocate, &actor(Role::Manager), d(TODAY)).is_ok());
    let other_la = Actor {
        la: LaCode::parse("203").unwrap(),
        ..actor(Role::Manager)
    };
    assert_eq!(
        decide(&case, &allocate, &other_la, d(TODAY)).unwrap_err(),
        Refusal::OtherAuthority
    );
    for role in [Role::Viewer, Role::Scrutiny, Role::Parent] {
        let decision = Command::DecideWhetherToAssess {
            on: d("2026-02-10"),
            yes: true,
            reasons: String::new(),
        };
        assert!(matches!(
            decide(&case, &decision, &actor(role), d(TODAY)),
            Err(Refusal::NotAllowed { .. })
        ));
    }
}

#[test]
fn a_closed_case_refuses_everything() {
    let (mut case, _) = requested();
    run(
        &mut case,
        Command::CloseCase {
            on: d("2026-01-20"),
            reason: ClosureReason::Withdrawn,
        },
        &caseworker(),
    )
    .unwrap();
    let refusal = decide(
        &case,
        &Command::DecideWhetherToAssess {
            on: d("2026-02-10"),
            yes: true,
            reasons: String::new(),
        },
        &caseworker(),
        d(TODAY),
    )
    .unwrap_err();
    assert_eq!(refusal, Refusal::Closed("20 January 2026".into()));
}

#[test]
fn a_plan_ceases_only_with_a_cease_reason_code() {
    let (mut case, _) = to_final_plan();
    let bad = Command::CloseCase {
        on: d("2026-09-01"),
        reason: ClosureReason::Ceased {
            cease_reason: "12".into(),
        },
    };
    let refusal = decide(&case, &bad, &caseworker(), d(TODAY)).unwrap_err();
    assert!(
        refusal.to_string().contains("not a cease reason code"),
        "{refusal}"
    );
    let withdrawn = Command::CloseCase {
        on: d("2026-09-01"),
        reason: ClosureReason::Withdrawn,
    };
    assert!(decide(&case, &withdrawn, &caseworker(), d(TODAY)).is_err());
    run(
        &mut case,
        Command::CloseCase {
            on: d("2026-09-01"),
            reason: ClosureReason::Ceased {
                cease_reason: "6".into(),
            },
        },
        &caseworker(),
    )
    .unwrap();
    assert_eq!(case.stage, Stage::Closed);
}

#[test]
fn new_requests_are_checked() {
    let who = caseworker();
    let today = d(TODAY);
    let mut too_old = new_request();
    too_old.child.date_of_birth = d("1999-01-01");
    assert!(
        decide_new(&too_old, &who, today)
            .unwrap_err()
            .to_string()
            .contains("aged 0 to 25")
    );
    let mut future = new_request();
    future.request.received = d("2026-12-01");
    assert!(matches!(
        decide_new(&future, &who, today),
        Err(Refusal::FutureDate { .. })
    ));
    let mut bad_source = new_request();
    bad_source.request.source = "ZZZ".into();
    assert!(
        decide_new(&bad_source, &who, today)
            .unwrap_err()
            .to_string()
            .contains("not a request source code")
    );
    let mut nameless = new_request();
    nameless.child.family_name = " ".into();
    assert_eq!(
        decide_new(&nameless, &who, today).unwrap_err(),
        Refusal::Missing {
            field: Field::FamilyName,
            what: "the child's family name"
        }
    );
    assert!(decide_new(&new_request(), &actor(Role::Viewer), today).is_err());
}

#[test]
fn a_refusal_of_a_new_request_names_the_input_it_is_about() {
    let who = caseworker();
    let today = d(TODAY);
    type Change = fn(&mut NewRequest);
    let field = |change: Change| {
        let mut new = new_request();
        change(&mut new);
        decide_new(&new, &who, today).unwrap_err().field()
    };
    let rows: [(Change, Field); 9] = [
        (|n| n.reference = " ".into(), Field::Reference),
        (|n| n.child.given_name.clear(), Field::GivenName),
        (|n| n.child.family_name.clear(), Field::FamilyName),
        (|n| n.request.reasons.clear(), Field::RequestReasons),
        (
            |n| n.request.received = d("2026-12-01"),
            Field::RequestReceived,
        ),
        // Received before the child was born.
        (
            |n| n.request.received = d("2014-01-01"),
            Field::RequestReceived,
        ),
        (
            |n| n.child.date_of_birth = d("2026-12-01"),
            Field::DateOfBirth,
        ),
        // Over 25 when the request was received: plans run to age 25.
        (
            |n| n.child.date_of_birth = d("1990-01-01"),
            Field::DateOfBirth,
        ),
        (|n| n.request.source = "ZZZ".into(), Field::RequestSource),
    ];
    for (change, expected) in rows {
        assert_eq!(field(change), Some(expected));
    }
}

#[test]
fn a_refusal_of_a_command_names_the_input_it_is_about() {
    let (case, _) = requested();
    let cw = caseworker();
    let today = d(TODAY);
    let rows = [
        (
            Command::DecideWhetherToAssess {
                on: d("2026-12-01"),
                yes: true,
                reasons: String::new(),
            },
            Some(Field::On),
        ),
        (
            Command::DecideWhetherToAssess {
                on: d("2026-02-01"),
                yes: false,
                reasons: " ".into(),
            },
            Some(Field::Reasons),
        ),
        (
            Command::RecordException {
                kind: ExceptionKind::MissedAppointment,
                from: d("2026-12-01"),
                to: None,
                note: "Away".into(),
            },
            Some(Field::From),
        ),
        (
            Command::RecordException {
                kind: ExceptionKind::MissedAppointment,
                from: d("2026-02-10"),
                to: Some(d("2026-02-01")),
                note: "Away".into(),
            },
            Some(Field::To),
        ),
        (
            Command::RecordException {
                kind: ExceptionKind::MissedAppointment,
                from: d("2026-02-10"),
                to: None,
                note: String::new(),
            },
            Some(Field::Note),
        ),
        (Command::AddNote { text: " ".into() }, Some(Field::Text)),
        (
            Command::RecordAdviceReceived {
                number: 7,
                on: d("2026-02-01"),
                document: None,
            },
            Some(Field::Number),
        ),
        (
            Command::CloseCase {
                on: d("2026-02-01"),
                reason: ClosureReason::NoPlan,
            },
            Some(Field::ClosureReason),
        ),
        // About the stage, not an input.
        (
            Command::RequestAdvice {
                kind: AdviceKind::Health,
                organisation: "Trust".into(),
                on: d("2026-02-01"),
            },
            None,
        ),
    ];
    for (command, expected) in rows {
        let refusal = decide(&case, &command, &cw, today).unwrap_err();
        assert_eq!(refusal.field(), expected, "{command:?}: {refusal}");
    }
}

#[test]
fn a_log_that_does_not_start_with_a_request_cannot_be_rebuilt() {
    let (_, log) = to_final_plan();
    assert!(matches!(
        Case::from_events(la(), &log[1..]),
        Err(crate::event::RebuildError::NoStart("assessment_decided"))
    ));
    let doubled: Vec<_> = log.iter().chain(log.iter().take(1)).cloned().collect();
    assert!(Case::from_events(la(), &doubled).is_err());
}

fn any_command() -> impl Strategy<Value = Command> {
    let date = (0i64..330).prop_map(|n| d("2026-01-01") + chrono::Duration::days(n));
    prop_oneof![
        (date.clone(), any::<bool>()).prop_map(|(on, yes)| Command::DecideWhetherToAssess {
            on,
            yes,
            reasons: "reasons".into()
        }),
        date.clone().prop_map(|on| Command::RequestAdvice {
            kind: AdviceKind::Health,
            organisation: "Trust".into(),
            on
        }),
        (1u32..3, date.clone()).prop_map(|(number, on)| Command::RecordAdviceReceived {
            number,
            on,
            document: None
        }),
        (1u32..3).prop_map(|number| Command::DeclineAdviceRequest {
            number,
            reason: "Not known to us".into()
        }),
        (date.clone(), any::<bool>()).prop_map(|(on, yes)| Command::DecideWhetherToIssue {
            on,
            yes,
            reasons: "reasons".into()
        }),
        "[a-z]{0,3}".prop_map(|b| Command::SavePlan {
            sections: PlanSections {
                b,
                ..PlanSections::default()
            }
        }),
        (1u32..4, date.clone()).prop_map(|(version, on)| Command::ServeDraft { version, on }),
        date.clone().prop_map(|on| Command::RecordRepresentations {
            on,
            requested_school: None
        }),
        (1u32..4, date.clone()).prop_map(|(version, on)| Command::IssueFinalPlan {
            version,
            on,
            placement: school()
        }),
        date.clone()
            .prop_map(|on| Command::RecordReviewMeeting { on }),
        (1u32..3, date.clone(), 0usize..3).prop_map(|(number, on, o)| {
            Command::DecideAfterReview {
                number,
                on,
                outcome: ReviewOutcome::ALL[o],
                reasons: "reasons".into(),
            }
        }),
        (1u32..3, date.clone())
            .prop_map(|(number, on)| Command::SendProposedAmendments { number, on }),
        (1u32..3, date.clone()).prop_map(|(number, on)| Command::IssueAmendedPlan { number, on }),
        date.prop_map(|on| Command::CloseCase {
            on,
            reason: ClosureReason::MovedAway
        }),
    ]
}

proptest! {
    /// Whatever is tried, in any order: refused commands change nothing, the log always
    /// rebuilds the state, and a final plan only ever follows a served draft of that version.
    #[test]
    fn any_command_sequence_keeps_log_and_state_in_step(commands in proptest::collection::vec(any_command(), 0..30)) {
        let (mut case, mut log) = requested();
        for command in commands {
            let before = case.clone();
            match decide(&case, &command, &caseworker(), d(TODAY)) {
                Ok(events) => {
                    for e in &events {
                        case.apply(e);
                    }
                    log.extend(events);
                }
                Err(_) => prop_assert_eq!(&case, &before),
            }
            prop_assert_eq!(&Case::from_events(la(), &log).unwrap(), &case);
            if let Some(plan) = &case.final_plan {
                let served = case.plan_versions.iter().find(|v| v.version == plan.version).and_then(|v| v.served_on);
                prop_assert!(served.is_some_and(|s| s <= plan.issued));
                prop_assert!(plan.issued >= case.request.received);
            }
        }
    }
}

#[test]
fn a_commands_name_is_its_json_type() {
    let day = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
    for command in [
        Command::AddNote { text: "x".into() },
        Command::DecideWhetherToAssess {
            on: day,
            yes: true,
            reasons: String::new(),
        },
        Command::DeclineAdviceRequest {
            number: 1,
            reason: "x".into(),
        },
        Command::CloseCase {
            on: day,
            reason: ClosureReason::Withdrawn,
        },
        Command::RecordReviewMeeting { on: day },
        Command::DecideAfterReview {
            number: 1,
            on: day,
            outcome: ReviewOutcome::Amend,
            reasons: String::new(),
        },
        Command::SendProposedAmendments { number: 1, on: day },
        Command::IssueAmendedPlan { number: 1, on: day },
    ] {
        let json = serde_json::to_value(&command).unwrap();
        assert_eq!(json["type"], command.name());
    }
}
