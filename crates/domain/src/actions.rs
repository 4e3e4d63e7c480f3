//! The actions a user may take on a case now: what the case page offers, worked out from
//! the state machine and the user's role rather than in a template.
//!
//! [`available`] mirrors the stage and role checks in [`crate::command::decide`]; a test
//! checks that every action it offers is accepted by `decide` with sensible input, and that
//! every action it withholds is refused whatever the input.

use chrono::NaiveDate;
use serde::Serialize;

use crate::actor::{Actor, Role};
use crate::case::{Case, ClosureReason, ReviewOutcome, Stage};
use crate::clock;
use crate::command::check_closure_reason;

/// One thing that can be done to a case, each with its own page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Name or change the caseworker, with a handover note.
    Allocate,
    /// Decide whether to assess (reg 5).
    DecideWhetherToAssess,
    /// Ask an organisation for advice (reg 6).
    RequestAdvice,
    /// Record advice that arrived.
    RecordAdvice,
    /// Record an exception to the time limits.
    RecordException,
    /// Decide whether to issue a plan (reg 10).
    DecideWhetherToIssue,
    /// Write the plan, section by section.
    EditPlan,
    /// Send the latest version to the family as the draft (reg 13(1)).
    ServeDraft,
    /// Record the family's comments on the draft.
    RecordRepresentations,
    /// Consult a school about being named.
    ConsultSchool,
    /// Record a consulted school's answer.
    RecordConsultationResponse,
    /// Issue the final plan (reg 13(2)).
    IssueFinalPlan,
    /// Record an annual review meeting (reg 18).
    RecordReviewMeeting,
    /// Decide to maintain, amend or cease the plan after a review (reg 20, 21).
    DecideAfterReview,
    /// Send the family proposed amendments after a decision to amend (reg 22).
    SendProposedAmendments,
    /// Issue the final amended plan (reg 22(3)).
    IssueAmendedPlan,
    /// Add a note to the case record.
    AddNote,
    /// Close the case with a reason.
    Close,
}

impl Action {
    /// Every action, in the order the case page lists them.
    pub const ALL: [Action; 18] = [
        Action::DecideWhetherToAssess,
        Action::RequestAdvice,
        Action::RecordAdvice,
        Action::DecideWhetherToIssue,
        Action::EditPlan,
        Action::ServeDraft,
        Action::RecordRepresentations,
        Action::ConsultSchool,
        Action::RecordConsultationResponse,
        Action::IssueFinalPlan,
        Action::RecordReviewMeeting,
        Action::DecideAfterReview,
        Action::SendProposedAmendments,
        Action::IssueAmendedPlan,
        Action::RecordException,
        Action::AddNote,
        Action::Allocate,
        Action::Close,
    ];

    /// The action's path segment (`/cases/{id}/{key}`).
    pub fn key(self) -> &'static str {
        match self {
            Action::Allocate => "allocate",
            Action::DecideWhetherToAssess => "decide-assessment",
            Action::RequestAdvice => "request-advice",
            Action::RecordAdvice => "record-advice",
            Action::RecordException => "record-exception",
            Action::DecideWhetherToIssue => "decide-plan",
            Action::EditPlan => "plan",
            Action::ServeDraft => "send-draft",
            Action::RecordRepresentations => "record-comments",
            Action::ConsultSchool => "consult-school",
            Action::RecordConsultationResponse => "record-school-response",
            Action::IssueFinalPlan => "issue-plan",
            Action::RecordReviewMeeting => "record-review",
            Action::DecideAfterReview => "decide-review",
            Action::SendProposedAmendments => "send-amendments",
            Action::IssueAmendedPlan => "issue-amended-plan",
            Action::AddNote => "add-note",
            Action::Close => "close",
        }
    }

    /// The action as a link or button says it.
    pub fn label(self) -> &'static str {
        match self {
            Action::Allocate => "Change caseworker",
            Action::DecideWhetherToAssess => "Decide whether to assess",
            Action::RequestAdvice => "Request advice",
            Action::RecordAdvice => "Record advice received",
            Action::RecordException => "Record an exception to the time limits",
            Action::DecideWhetherToIssue => "Decide whether to issue a plan",
            Action::EditPlan => "Write the plan",
            Action::ServeDraft => "Send the draft plan to the family",
            Action::RecordRepresentations => "Record the family's comments on the draft",
            Action::ConsultSchool => "Consult a school",
            Action::RecordConsultationResponse => "Record a school's response",
            Action::IssueFinalPlan => "Issue the final plan",
            Action::RecordReviewMeeting => "Record an annual review meeting",
            Action::DecideAfterReview => "Decide after the annual review",
            Action::SendProposedAmendments => "Send proposed amendments to the family",
            Action::IssueAmendedPlan => "Issue the final amended plan",
            Action::AddNote => "Add a note",
            Action::Close => "Close the case",
        }
    }

    /// The action whose path segment is `key`.
    pub fn from_key(key: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.key() == key)
    }

    /// Whether this is one of the main steps of the process (shown first, as buttons), as
    /// against an action available at many stages (shown as links).
    pub fn is_step(self) -> bool {
        !matches!(
            self,
            Action::RecordException | Action::AddNote | Action::Allocate | Action::Close
        )
    }
}

/// The actions `actor` may take on `case` on `today`, in [`Action::ALL`] order.
///
/// Professionals may record their own advice, a school's answer and an annual review
/// meeting, and parents their comments on the draft, as [`decide`](crate::command::decide)
/// allows; which of these the web pages offer them is the portal's business.
pub fn available(case: &Case, actor: &Actor, today: NaiveDate) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|action| allowed(case, actor, *action, today))
        .collect()
}

/// The reasons `case` can be closed for now, in the order the closing form offers them:
/// exactly those [`decide`](crate::command::decide) accepts in a
/// [`CloseCase`](crate::command::Command::CloseCase) (the rule is
/// `command::check_closure_reason`: an issued plan only ceases, s.45 CFA 2014; "no plan"
/// only after a decision not to assess or issue, reg 5 and reg 10). A closed case has none.
///
/// `Ceased` is offered with an empty `cease_reason`: the SEN2 cease reason code is chosen
/// with it.
pub fn closure_reasons(case: &Case) -> Vec<ClosureReason> {
    if case.closure.is_some() {
        return Vec::new();
    }
    [
        ClosureReason::Withdrawn,
        ClosureReason::MovedAway,
        ClosureReason::NoPlan,
        ClosureReason::Ceased {
            cease_reason: String::new(),
        },
    ]
    .into_iter()
    .filter(|reason| check_closure_reason(case, reason).is_ok())
    .collect()
}

fn allowed(case: &Case, actor: &Actor, action: Action, today: NaiveDate) -> bool {
    if actor.la != case.la || case.closure.is_some() {
        return false;
    }
    let staff = matches!(actor.role, Role::Caseworker | Role::Manager | Role::Admin);
    let professional = staff || actor.role == Role::Professional;
    let stage = case.stage;
    match action {
        Action::Allocate => matches!(actor.role, Role::Manager | Role::Admin),
        Action::DecideWhetherToAssess => {
            staff && stage == Stage::Requested && case.assessment_decision.is_none()
        }
        Action::RequestAdvice => staff && stage == Stage::Assessing,
        Action::RecordAdvice => professional && case.advice.iter().any(|a| a.received.is_none()),
        Action::RecordException | Action::AddNote => staff,
        // reg 8(1): the decision waits for advice still in time.
        Action::DecideWhetherToIssue => {
            staff
                && stage == Stage::Assessing
                && case.issue_decision.is_none()
                && case
                    .advice
                    .iter()
                    .filter(|a| a.received.is_none())
                    .all(|a| clock::advice_by(a.requested).is_ok_and(|due| today > due))
        }
        Action::EditPlan => staff && matches!(stage, Stage::Drafting | Stage::DraftServed),
        Action::ServeDraft => {
            staff
                && matches!(stage, Stage::Drafting | Stage::DraftServed)
                && case
                    .latest_plan()
                    .is_some_and(|v| v.served_on.is_none() && v.sections.i.trim().is_empty())
        }
        Action::RecordRepresentations => {
            (staff || actor.role == Role::Parent)
                && stage == Stage::DraftServed
                && case.representations_received.is_none()
        }
        Action::ConsultSchool => staff && stage == Stage::DraftServed,
        Action::RecordConsultationResponse => {
            professional && case.consultations.iter().any(|c| c.responded.is_none())
        }
        // reg 13(1): not inside the family's 15 days, unless they have already commented.
        Action::IssueFinalPlan => {
            staff
                && stage == Stage::DraftServed
                && (case.representations_received.is_some()
                    || case
                        .served_draft()
                        .and_then(|v| v.served_on)
                        .and_then(|served| clock::representations_by(served).ok())
                        .is_some_and(|window_ends| today > window_ends))
        }
        // reg 18: a new meeting once the last one's decision is made.
        Action::RecordReviewMeeting => {
            professional
                && stage == Stage::PlanIssued
                && case.final_plan.as_ref().is_some_and(|p| p.issued <= today)
                && case
                    .last_review()
                    .is_none_or(|r| r.decision.is_some() && r.meeting_on <= today)
        }
        Action::DecideAfterReview => {
            staff
                && case
                    .last_review()
                    .is_some_and(|r| r.decision.is_none() && r.meeting_on <= today)
        }
        Action::SendProposedAmendments => {
            staff
                && case.reviews.iter().any(|r| {
                    r.amendments_sent.is_none()
                        && r.decision
                            .is_some_and(|d| d.outcome == ReviewOutcome::Amend && d.on <= today)
                })
        }
        Action::IssueAmendedPlan => {
            staff
                && case.reviews.iter().any(|r| {
                    r.amended_plan_issued.is_none()
                        && r.amendments_sent.is_some_and(|sent| sent <= today)
                })
        }
        Action::Close => staff,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::Days;

    use super::*;
    use crate::case::{AdviceKind, Child, ClosureReason, Placement, PlanSections, Request};
    use crate::clock::ExceptionKind;
    use crate::command::{Command, decide};
    use crate::event::Event;
    use crate::ids::LaCode;

    fn la() -> LaCode {
        LaCode::parse("990").unwrap()
    }

    fn actor(role: Role) -> Actor {
        Actor {
            user: "user-1".to_string(),
            role,
            la: la(),
        }
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn school() -> Placement {
        Placement {
            urn: Some("100000".to_string()),
            setting_code: None,
            name: "Northby Primary".to_string(),
            placement_type: "MS".to_string(),
        }
    }

    /// Sensible input for each action on `case` on `today`: what a form would send.
    fn command_for(case: &Case, action: Action, today: NaiveDate) -> Command {
        let latest = case.latest_plan().map_or(1, |v| v.version);
        match action {
            Action::Allocate => Command::AllocateCaseworker {
                caseworker: "someone-else".to_string(),
                note: None,
            },
            Action::DecideWhetherToAssess => Command::DecideWhetherToAssess {
                on: today,
                yes: true,
                reasons: String::new(),
            },
            Action::RequestAdvice => Command::RequestAdvice {
                kind: AdviceKind::Health,
                organisation: "Northby NHS Trust".to_string(),
                on: today,
            },
            Action::RecordAdvice => Command::RecordAdviceReceived {
                number: case
                    .advice
                    .iter()
                    .find(|a| a.received.is_none())
                    .map_or(1, |a| a.number),
                on: today,
                document: None,
            },
            Action::RecordException => Command::RecordException {
                kind: ExceptionKind::MissedAppointment,
                from: today,
                to: Some(today),
                note: "Away".to_string(),
            },
            // Far enough after the advice was asked for that none is still in time.
            Action::DecideWhetherToIssue => Command::DecideWhetherToIssue {
                on: today,
                yes: true,
                reasons: String::new(),
            },
            Action::EditPlan => Command::SavePlan {
                sections: PlanSections {
                    b: format!("Needs, version {}", case.plan_versions.len() + 1),
                    ..PlanSections::default()
                },
            },
            Action::ServeDraft => Command::ServeDraft {
                version: latest,
                on: today,
            },
            Action::RecordRepresentations => Command::RecordRepresentations {
                on: today,
                requested_school: None,
            },
            Action::ConsultSchool => Command::ConsultSchool {
                setting: school(),
                on: today,
            },
            Action::RecordConsultationResponse => Command::RecordConsultationResponse {
                number: case
                    .consultations
                    .iter()
                    .find(|c| c.responded.is_none())
                    .map_or(1, |c| c.number),
                on: today,
                agreed: true,
            },
            Action::IssueFinalPlan => Command::IssueFinalPlan {
                version: latest,
                on: today,
                placement: school(),
            },
            Action::RecordReviewMeeting => Command::RecordReviewMeeting { on: today },
            // Amend, so that the journey goes on to the amendments and the amended plan.
            Action::DecideAfterReview => Command::DecideAfterReview {
                number: case.last_review().map_or(1, |r| r.number),
                on: today,
                outcome: ReviewOutcome::Amend,
                reasons: "Outcomes updated".to_string(),
            },
            Action::SendProposedAmendments => Command::SendProposedAmendments {
                number: case
                    .reviews
                    .iter()
                    .find(|r| r.amendments_sent.is_none())
                    .map_or(1, |r| r.number),
                on: today,
            },
            Action::IssueAmendedPlan => Command::IssueAmendedPlan {
                number: case
                    .reviews
                    .iter()
                    .find(|r| r.amendments_sent.is_some() && r.amended_plan_issued.is_none())
                    .map_or(1, |r| r.number),
                on: today,
            },
            Action::AddNote => Command::AddNote {
                text: "Phoned the family".to_string(),
            },
            Action::Close => Command::CloseCase {
                on: today,
                reason: match case.stage {
                    Stage::PlanIssued => ClosureReason::Ceased {
                        cease_reason: "1".to_string(),
                    },
                    Stage::NotAssessing | Stage::NotIssuing => ClosureReason::NoPlan,
                    _ => ClosureReason::Withdrawn,
                },
            },
        }
    }

    /// Cases at every point of the journey, each with the day it is looked at.
    fn journey() -> Vec<(Case, NaiveDate)> {
        let received = date("2026-01-05");
        let mut case = Case::start(
            la(),
            "EHC-1".to_string(),
            Child {
                given_name: "Ada".to_string(),
                family_name: "Okafor".to_string(),
                date_of_birth: date("2016-02-03"),
                upn: None,
                uln: None,
                nhs_number: None,
                address: None,
                parents: vec![],
                school: None,
            },
            Request {
                received,
                source: "1".to_string(),
                reasons: "Needs support".to_string(),
            },
        );
        let staff = actor(Role::Manager);
        let mut out = vec![(case.clone(), received)];
        let mut refused = case.clone();
        let no = Command::DecideWhetherToAssess {
            on: received,
            yes: false,
            reasons: "Needs are met by the school".to_string(),
        };
        for event in decide(&refused.clone(), &no, &staff, received).unwrap() {
            refused.apply(&event);
        }
        out.push((refused, received));
        // Each step, and how many days after the one before it is taken.
        let steps = [
            (Action::DecideWhetherToAssess, 10),
            (Action::RequestAdvice, 1),
            (Action::RecordAdvice, 20),
            (Action::DecideWhetherToIssue, 30),
            (Action::EditPlan, 1),
            (Action::ServeDraft, 1),
            (Action::ConsultSchool, 1),
            (Action::RecordRepresentations, 5),
            (Action::IssueFinalPlan, 20),
            (Action::RecordReviewMeeting, 300),
            (Action::DecideAfterReview, 20),
            (Action::SendProposedAmendments, 5),
            (Action::IssueAmendedPlan, 40),
            (Action::RecordReviewMeeting, 320),
            (Action::DecideAfterReview, 35),
            (Action::SendProposedAmendments, 1),
            (Action::Close, 30),
        ];
        let mut day = received;
        for (action, days) in steps {
            day = day.checked_add_days(Days::new(days)).unwrap();
            let command = command_for(&case, action, day);
            for event in decide(&case, &command, &staff, day).unwrap() {
                case.apply(&event);
            }
            out.push((case.clone(), day));
            // The day after, too: some actions open or close with time.
            out.push((case.clone(), day.checked_add_days(Days::new(1)).unwrap()));
        }
        out
    }

    #[test]
    fn offered_actions_are_accepted_and_withheld_ones_refused() {
        let roles = [
            Role::Admin,
            Role::Manager,
            Role::Caseworker,
            Role::Professional,
            Role::Parent,
            Role::Viewer,
            Role::Scrutiny,
        ];
        for (case, today) in journey() {
            for role in roles {
                let who = actor(role);
                let offered = available(&case, &who, today);
                for action in Action::ALL {
                    let command = command_for(&case, action, today);
                    let outcome = decide(&case, &command, &who, today);
                    assert_eq!(
                        offered.contains(&action),
                        outcome.is_ok(),
                        "{action:?} for a {role:?} at {:?}: offered {offered:?}, decide said \
                         {outcome:?}",
                        case.stage
                    );
                }
            }
        }
    }

    #[test]
    fn another_authority_and_closed_cases_offer_nothing() {
        let (case, today) = journey().remove(2);
        let mut other = actor(Role::Admin);
        other.la = LaCode::parse("991").unwrap();
        assert!(available(&case, &other, today).is_empty());
        assert!(!available(&case, &actor(Role::Admin), today).is_empty());
        let closed = journey()
            .into_iter()
            .map(|(c, _)| c)
            .find(|c| c.closure.is_some())
            .unwrap();
        assert!(available(&closed, &actor(Role::Admin), date("2027-06-01")).is_empty());
    }

    #[test]
    fn closure_reasons_offered_are_those_decide_accepts_at_every_stage() {
        let (base, today) = journey().remove(0);
        let staff = actor(Role::Caseworker);
        for stage in Stage::ALL {
            let mut case = base.clone();
            case.stage = stage;
            if stage == Stage::Closed {
                case.closure = Some(crate::case::Closure {
                    on: today,
                    reason: ClosureReason::Withdrawn,
                });
            }
            let offered = closure_reasons(&case);
            // Every reason, a ceased plan with a real SEN2 code (1: maintained by another
            // local authority).
            for reason in [
                ClosureReason::Withdrawn,
                ClosureReason::MovedAway,
                ClosureReason::NoPlan,
                ClosureReason::Ceased {
                    cease_reason: "1".to_string(),
                },
            ] {
                let command = Command::CloseCase {
                    on: today,
                    reason: reason.clone(),
                };
                let outcome = decide(&case, &command, &staff, today);
                let is_offered = offered
                    .iter()
                    .any(|o| std::mem::discriminant(o) == std::mem::discriminant(&reason));
                assert_eq!(
                    is_offered,
                    outcome.is_ok(),
                    "{reason:?} at {stage:?}: offered {offered:?}, decide said {outcome:?}"
                );
            }
        }
        // What the form offers, stage by stage.
        let at = |stage| {
            let mut case = base.clone();
            case.stage = stage;
            closure_reasons(&case)
        };
        assert_eq!(
            at(Stage::Assessing),
            [ClosureReason::Withdrawn, ClosureReason::MovedAway]
        );
        assert_eq!(
            at(Stage::NotIssuing),
            [
                ClosureReason::Withdrawn,
                ClosureReason::MovedAway,
                ClosureReason::NoPlan
            ]
        );
        assert_eq!(
            at(Stage::PlanIssued),
            [ClosureReason::Ceased {
                cease_reason: String::new()
            }]
        );
    }

    #[test]
    fn keys_round_trip() {
        for action in Action::ALL {
            assert_eq!(Action::from_key(action.key()), Some(action));
        }
        assert_eq!(Action::from_key("nope"), None);
        let _ = Event::NoteAdded {
            text: String::new(),
        };
    }
}
