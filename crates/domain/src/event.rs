//! What happened to a case. Events are the case history shown on screen, the audit of what was
//! decided, and the source for statistics; they are never changed once written.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::case::{
    AdviceKind, AdviceRequest, AnnualReview, Case, Child, Closure, Consultation, Decision,
    FinalPlan, Placement, PlanSections, PlanVersion, RecordedException, Request, ReviewDecision,
    ReviewOutcome, Stage,
};
use crate::clock::Disagreement;
use crate::ids::LaCode;

/// One thing that happened to a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A request for an EHC needs assessment was received: the case begins.
    RequestReceived {
        /// The LA's case reference.
        reference: String,
        /// The child or young person.
        child: Child,
        /// The request.
        request: Request,
    },
    /// A caseworker was named for the case.
    CaseworkerAllocated {
        /// The caseworker's user reference.
        caseworker: String,
        /// A handover note for the new caseworker.
        note: Option<String>,
    },
    /// The decision whether to assess (reg 5).
    AssessmentDecided(Decision),
    /// Advice was requested (reg 6).
    AdviceRequested {
        /// Its number within the case.
        number: u32,
        /// Who it was asked of.
        kind: AdviceKind,
        /// The organisation.
        organisation: String,
        /// When.
        requested: NaiveDate,
    },
    /// Advice arrived.
    AdviceReceived {
        /// Which advice request.
        number: u32,
        /// When it arrived.
        received: NaiveDate,
        /// The stored document.
        document: Option<String>,
    },
    /// The organisation asked for advice declined to give it. The request counts as answered
    /// (without advice) on that day: its 6-week clock stops.
    AdviceDeclined {
        /// Which advice request.
        number: u32,
        /// When it was declined.
        on: NaiveDate,
        /// Why, in the organisation's words.
        reason: String,
    },
    /// An exception to the time limits was recorded.
    ExceptionRecorded(RecordedException),
    /// The decision whether to issue a plan (reg 10).
    IssueDecided(Decision),
    /// A version of the plan was saved.
    PlanSaved {
        /// The new version number.
        version: u32,
        /// The text.
        sections: PlanSections,
        /// When.
        saved_on: NaiveDate,
    },
    /// A draft was served on the family (reg 13(1)).
    DraftServed {
        /// Which version.
        version: u32,
        /// When.
        on: NaiveDate,
    },
    /// The family's representations on the draft arrived.
    RepresentationsReceived {
        /// When.
        on: NaiveDate,
        /// The school they asked to be named, if any.
        requested_school: Option<String>,
    },
    /// A school was consulted about being named.
    SchoolConsulted {
        /// Its number within the case.
        number: u32,
        /// The school.
        setting: Placement,
        /// When.
        sent: NaiveDate,
    },
    /// A consulted school answered.
    ConsultationAnswered {
        /// Which consultation.
        number: u32,
        /// When.
        on: NaiveDate,
        /// Whether the school agreed.
        agreed: bool,
    },
    /// The final plan was issued (reg 13(2)).
    FinalPlanIssued(FinalPlan),
    /// An annual review meeting was held (reg 18).
    ReviewMeetingRecorded {
        /// The review's number within the case.
        number: u32,
        /// The day of the meeting.
        on: NaiveDate,
    },
    /// The local authority decided to maintain, amend or cease the plan after a review
    /// (reg 20, 21).
    ReviewDecided {
        /// Which review.
        number: u32,
        /// The day of the decision.
        on: NaiveDate,
        /// What was decided.
        outcome: ReviewOutcome,
        /// The reasons given.
        reasons: String,
    },
    /// Proposed amendments to the plan were sent to the family (reg 22).
    ProposedAmendmentsSent {
        /// Which review they follow.
        number: u32,
        /// When they were sent.
        on: NaiveDate,
    },
    /// The final amended plan was issued (reg 22(3)).
    AmendedPlanIssued {
        /// Which review it follows.
        number: u32,
        /// When it was issued.
        on: NaiveDate,
    },
    /// The ranked types of need were recorded.
    SenNeedsRecorded {
        /// SEN2 type codes, most significant first.
        ranked: Vec<String>,
    },
    /// Mediation or an appeal after an appealable decision was recorded.
    DisagreementRecorded(Disagreement),
    /// A note was added to the case record.
    NoteAdded {
        /// The note.
        text: String,
    },
    /// The case was closed.
    CaseClosed(Closure),
}

impl Event {
    /// The stable name of the event's type, as stored in the event log.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::RequestReceived { .. } => "request_received",
            Event::CaseworkerAllocated { .. } => "caseworker_allocated",
            Event::AssessmentDecided(_) => "assessment_decided",
            Event::AdviceRequested { .. } => "advice_requested",
            Event::AdviceReceived { .. } => "advice_received",
            Event::AdviceDeclined { .. } => "advice_declined",
            Event::ExceptionRecorded(_) => "exception_recorded",
            Event::IssueDecided(_) => "issue_decided",
            Event::PlanSaved { .. } => "plan_saved",
            Event::DraftServed { .. } => "draft_served",
            Event::RepresentationsReceived { .. } => "representations_received",
            Event::SchoolConsulted { .. } => "school_consulted",
            Event::ConsultationAnswered { .. } => "consultation_answered",
            Event::FinalPlanIssued(_) => "final_plan_issued",
            Event::ReviewMeetingRecorded { .. } => "review_meeting_recorded",
            Event::ReviewDecided { .. } => "review_decided",
            Event::ProposedAmendmentsSent { .. } => "proposed_amendments_sent",
            Event::AmendedPlanIssued { .. } => "amended_plan_issued",
            Event::SenNeedsRecorded { .. } => "sen_needs_recorded",
            Event::DisagreementRecorded(_) => "disagreement_recorded",
            Event::NoteAdded { .. } => "note_added",
            Event::CaseClosed(_) => "case_closed",
        }
    }
}

impl Event {
    /// What happened, in plain words for a case's timeline ("Decided to assess on 3 March
    /// 2026"). Names of organisations and schools are included; the child's details are not.
    pub fn describe(&self) -> String {
        use crate::calendar::long_date;
        let yes_no = |d: &Decision, yes: &str, no: &str| {
            format!("{} on {}", if d.yes { yes } else { no }, long_date(d.on))
        };
        match self {
            Event::RequestReceived { request, .. } => format!(
                "Request for an EHC needs assessment received on {}",
                long_date(request.received)
            ),
            Event::CaseworkerAllocated { note, .. } => match note {
                Some(_) => "Caseworker changed, with a handover note".to_string(),
                None => "Caseworker changed".to_string(),
            },
            Event::AssessmentDecided(d) => yes_no(d, "Decided to assess", "Decided not to assess"),
            Event::AdviceRequested {
                kind,
                organisation,
                requested,
                ..
            } => format!(
                "{} advice requested from {organisation} on {}",
                kind.label(),
                long_date(*requested)
            ),
            Event::AdviceReceived {
                number, received, ..
            } => format!(
                "Advice request {number} answered: advice received on {}",
                long_date(*received)
            ),
            Event::AdviceDeclined { number, on, reason } => format!(
                "Advice request {number} declined on {}: {reason}",
                long_date(*on)
            ),
            Event::ExceptionRecorded(e) => {
                let to = e
                    .exception
                    .to()
                    .map(|to| format!(" to {}", long_date(to)))
                    .unwrap_or_default();
                format!(
                    "Exception recorded: {} (from {}{to})",
                    e.exception.kind().label(),
                    long_date(e.exception.from())
                )
            }
            Event::IssueDecided(d) => {
                yes_no(d, "Decided to issue a plan", "Decided not to issue a plan")
            }
            Event::PlanSaved { version, .. } => format!("Plan version {version} saved"),
            Event::DraftServed { version, on } => format!(
                "Draft plan (version {version}) sent to the family on {}",
                long_date(*on)
            ),
            Event::RepresentationsReceived {
                on,
                requested_school,
            } => match requested_school {
                Some(school) => format!(
                    "The family's comments on the draft received on {}, asking for {school}",
                    long_date(*on)
                ),
                None => format!(
                    "The family's comments on the draft received on {}",
                    long_date(*on)
                ),
            },
            Event::SchoolConsulted { setting, sent, .. } => {
                format!("{} consulted on {}", setting.name, long_date(*sent))
            }
            Event::ConsultationAnswered {
                number, on, agreed, ..
            } => format!(
                "Consultation {number} answered on {}: {}",
                long_date(*on),
                if *agreed {
                    "the school can meet the child's needs"
                } else {
                    "the school says it cannot meet the child's needs"
                }
            ),
            Event::FinalPlanIssued(plan) => format!(
                "Final plan (version {}) issued on {}, naming {}",
                plan.version,
                long_date(plan.issued),
                plan.placement.name
            ),
            Event::ReviewMeetingRecorded { number, on } => {
                format!("Annual review {number}: meeting held on {}", long_date(*on))
            }
            Event::ReviewDecided {
                number,
                on,
                outcome,
                ..
            } => format!(
                "Annual review {number}: decided on {} to {}",
                long_date(*on),
                match outcome {
                    ReviewOutcome::Maintain => "maintain the plan",
                    ReviewOutcome::Amend => "amend the plan",
                    ReviewOutcome::Cease => "cease to maintain the plan",
                }
            ),
            Event::ProposedAmendmentsSent { number, on } => format!(
                "Annual review {number}: proposed amendments sent to the family on {}",
                long_date(*on)
            ),
            Event::AmendedPlanIssued { number, on } => format!(
                "Annual review {number}: final amended plan issued on {}",
                long_date(*on)
            ),
            Event::SenNeedsRecorded { ranked } => {
                format!("Types of need recorded: {}", ranked.join(", "))
            }
            Event::DisagreementRecorded(_) => "Mediation or appeal recorded".to_string(),
            Event::NoteAdded { .. } => "Note added".to_string(),
            Event::CaseClosed(closure) => {
                format!("Case closed on {}", long_date(closure.on))
            }
        }
    }
}

/// The events cannot be folded into a case: the log is damaged or out of order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RebuildError {
    /// The first event is not the request that starts a case.
    #[error("a case's history must start with the request; it starts with '{0}'")]
    NoStart(&'static str),
    /// A second request event.
    #[error("a case's history has a second request at event {0}")]
    StartedTwice(usize),
    /// No events at all.
    #[error("a case's history has no events")]
    Empty,
}

impl Case {
    /// A case as it begins, from its first event.
    pub fn start(la: LaCode, reference: String, child: Child, request: Request) -> Case {
        Case {
            la,
            reference,
            stage: Stage::Requested,
            child,
            request,
            caseworker: None,
            assessment_decision: None,
            advice: Vec::new(),
            exceptions: Vec::new(),
            issue_decision: None,
            plan_versions: Vec::new(),
            representations_received: None,
            requested_school: None,
            consultations: Vec::new(),
            final_plan: None,
            sen_needs: Vec::new(),
            disagreement: None,
            closure: None,
            reviews: Vec::new(),
        }
    }

    /// Folds one event into the case. Events were checked by `decide` before they were
    /// written, so applying never fails; a request event on an existing case is ignored.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::RequestReceived { .. } => {}
            Event::CaseworkerAllocated { caseworker, .. } => {
                self.caseworker = Some(caseworker.clone());
            }
            Event::AssessmentDecided(decision) => {
                self.stage = if decision.yes {
                    Stage::Assessing
                } else {
                    Stage::NotAssessing
                };
                self.assessment_decision = Some(decision.clone());
            }
            Event::AdviceRequested {
                number,
                kind,
                organisation,
                requested,
            } => self.advice.push(AdviceRequest {
                number: *number,
                kind: *kind,
                organisation: organisation.clone(),
                requested: *requested,
                received: None,
                document: None,
            }),
            Event::AdviceReceived {
                number,
                received,
                document,
            } => {
                if let Some(advice) = self.advice.iter_mut().find(|a| a.number == *number) {
                    advice.received = Some(*received);
                    advice.document = document.clone();
                }
            }
            // Answered without advice: the clock reads the request as answered that day.
            Event::AdviceDeclined { number, on, .. } => {
                if let Some(advice) = self.advice.iter_mut().find(|a| a.number == *number) {
                    advice.received = Some(*on);
                    advice.document = None;
                }
            }
            Event::ExceptionRecorded(exception) => self.exceptions.push(exception.clone()),
            Event::IssueDecided(decision) => {
                self.stage = if decision.yes {
                    Stage::Drafting
                } else {
                    Stage::NotIssuing
                };
                self.issue_decision = Some(decision.clone());
            }
            Event::PlanSaved {
                version,
                sections,
                saved_on,
            } => self.plan_versions.push(PlanVersion {
                version: *version,
                sections: sections.clone(),
                saved_on: *saved_on,
                served_on: None,
            }),
            Event::DraftServed { version, on } => {
                if let Some(v) = self
                    .plan_versions
                    .iter_mut()
                    .find(|v| v.version == *version)
                {
                    v.served_on = Some(*on);
                }
                self.representations_received = None;
                self.stage = Stage::DraftServed;
            }
            Event::RepresentationsReceived {
                on,
                requested_school,
            } => {
                self.representations_received = Some(*on);
                self.requested_school = requested_school.clone();
            }
            Event::SchoolConsulted {
                number,
                setting,
                sent,
            } => self.consultations.push(Consultation {
                number: *number,
                setting: setting.clone(),
                sent: *sent,
                responded: None,
                agreed: None,
            }),
            Event::ConsultationAnswered { number, on, agreed } => {
                if let Some(c) = self.consultations.iter_mut().find(|c| c.number == *number) {
                    c.responded = Some(*on);
                    c.agreed = Some(*agreed);
                }
            }
            Event::FinalPlanIssued(plan) => {
                self.final_plan = Some(plan.clone());
                self.stage = Stage::PlanIssued;
            }
            Event::ReviewMeetingRecorded { number, on } => self.reviews.push(AnnualReview {
                number: *number,
                meeting_on: *on,
                decision: None,
                amendments_sent: None,
                amended_plan_issued: None,
            }),
            Event::ReviewDecided {
                number,
                on,
                outcome,
                ..
            } => {
                if let Some(r) = self.reviews.iter_mut().find(|r| r.number == *number) {
                    r.decision = Some(ReviewDecision {
                        on: *on,
                        outcome: *outcome,
                    });
                }
            }
            Event::ProposedAmendmentsSent { number, on } => {
                if let Some(r) = self.reviews.iter_mut().find(|r| r.number == *number) {
                    r.amendments_sent = Some(*on);
                }
            }
            Event::AmendedPlanIssued { number, on } => {
                if let Some(r) = self.reviews.iter_mut().find(|r| r.number == *number) {
                    r.amended_plan_issued = Some(*on);
                }
            }
            Event::SenNeedsRecorded { ranked } => self.sen_needs = ranked.clone(),
            Event::DisagreementRecorded(d) => self.disagreement = Some(d.clone()),
            // Notes are read from the history; they do not change where the case is.
            Event::NoteAdded { .. } => {}
            Event::CaseClosed(closure) => {
                self.closure = Some(closure.clone());
                self.stage = Stage::Closed;
            }
        }
    }

    /// Rebuilds a case from its whole event log.
    pub fn from_events<'a>(
        la: LaCode,
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Result<Case, RebuildError> {
        let mut events = events.into_iter();
        let mut case = match events.next() {
            Some(Event::RequestReceived {
                reference,
                child,
                request,
            }) => Case::start(la, reference.clone(), child.clone(), request.clone()),
            Some(other) => return Err(RebuildError::NoStart(other.kind())),
            None => return Err(RebuildError::Empty),
        };
        for (i, event) in events.enumerate() {
            if matches!(event, Event::RequestReceived { .. }) {
                return Err(RebuildError::StartedTwice(i + 2));
            }
            case.apply(event);
        }
        Ok(case)
    }
}
