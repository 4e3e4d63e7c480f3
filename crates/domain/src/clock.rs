//! The statutory clock: every deadline of the EHC process, from the SEND Regulations 2014
//! (SI 2014/1530), the Children and Families Act 2014 and the First-tier Tribunal rules.
//!
//! Every EHC period is in calendar time (weeks, days or months from a trigger date), never
//! working days: school holidays do not pause the clock. A due date of "N weeks" is the trigger
//! date plus 7×N days, and an action is in time if it happens on or before the due date.
//! "At least 15 days beginning with the day on which the draft was served" counts the day of
//! service as day 1, so the last day is the service date plus 14 days. The one exception is the
//! mediation certificate (reg 34), which is 3 working days and so takes a
//! [`WorkingDayCalendar`].
//!
//! Exceptions (reg 5(4), 8(2), 10(4), 13(3)) never move a due date: a late action with an
//! exception is reported as "met late with exception", so figures can be given both including
//! and excluding exception cases, as DfE publishes them.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::{CalendarError, WorkingDayCalendar};

/// How many days before its due date an open clock counts as "due soon" by default.
pub const DUE_SOON_DAYS: i64 = 14;

/// One statutory clock. The order here is the order clocks are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// reg 4(1), 5(1): decide whether to assess within 6 weeks of the request.
    DecideWhetherToAssess,
    /// reg 8(1): advice from those asked within 6 weeks of being asked.
    Advice,
    /// reg 10(1): notify a decision not to issue a plan within 16 weeks of the request.
    NotifyNotIssuing,
    /// reg 13(1): the family's representations on a draft plan, at least 15 days beginning
    /// with the day the draft was served.
    Representations,
    /// s.39(2)/s.40(2) CFA 2014 (Code of Practice 9.79): a school's response to a consultation
    /// within 15 days.
    ConsultationResponse,
    /// reg 13(2): final plan within 20 weeks of the request.
    FinalPlan,
    /// reg 27: amended plan after a re-assessment within 14 weeks of the re-assessment request.
    Reassessment,
    /// reg 18: review the plan within 12 months of issue or the last review meeting (within
    /// 6 months for a child under 5, Code of Practice 9.178).
    AnnualReview,
    /// reg 20: meeting notice and advice circulated at least 2 weeks before the review meeting.
    ReviewPapers,
    /// reg 20: review report circulated within 2 weeks of the review meeting.
    ReviewReport,
    /// reg 20, 21: decision to maintain, amend or cease within 4 weeks of the review meeting.
    ReviewDecision,
    /// reg 22: the family's comments on proposed amendments, at least 15 days beginning with
    /// the day the amendments were sent.
    AmendmentComments,
    /// reg 22(3): final amended plan within 8 weeks of sending the proposed amendments.
    AmendedPlan,
    /// reg 18: plan reviewed and amended before a phase transfer (15 February; 31 March for
    /// secondary to post-16; 5 months before a post-16 to post-16 move).
    PhaseTransfer,
    /// reg 33: contact a mediation adviser within 2 months of the decision notice.
    MediationAdviser,
    /// reg 34: mediation certificate within 3 working days of the request for mediation.
    MediationCertificate,
    /// reg 37: mediation held within 30 days of the request for mediation.
    MediationHeld,
    /// Tribunal Procedure (First-tier Tribunal) (HESC) Rules 2008, rule 20: appeal within
    /// 2 months of the decision notice, or 1 month after the mediation certificate if later.
    TribunalAppeal,
}

/// Who must act for a clock to be met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The local authority (in practice, the case's caseworker).
    LocalAuthority,
    /// Whoever was asked for advice: a school, health, social care, educational psychology.
    Adviser,
    /// The school or setting the local authority consulted.
    School,
    /// The parent or carer, or the young person. Their clocks are windows: rights, not duties.
    Family,
    /// The independent mediation service.
    Mediator,
}

impl ClockKind {
    /// Every clock, in display order.
    pub const ALL: [ClockKind; 18] = [
        ClockKind::DecideWhetherToAssess,
        ClockKind::Advice,
        ClockKind::NotifyNotIssuing,
        ClockKind::Representations,
        ClockKind::ConsultationResponse,
        ClockKind::FinalPlan,
        ClockKind::Reassessment,
        ClockKind::AnnualReview,
        ClockKind::ReviewPapers,
        ClockKind::ReviewReport,
        ClockKind::ReviewDecision,
        ClockKind::AmendmentComments,
        ClockKind::AmendedPlan,
        ClockKind::PhaseTransfer,
        ClockKind::MediationAdviser,
        ClockKind::MediationCertificate,
        ClockKind::MediationHeld,
        ClockKind::TribunalAppeal,
    ];

    /// The stable key of this clock's due date, used in JSON (`final_plan_by`).
    pub fn key(self) -> &'static str {
        match self {
            ClockKind::DecideWhetherToAssess => "decide_whether_to_assess_by",
            ClockKind::Advice => "advice_by",
            ClockKind::NotifyNotIssuing => "notify_not_issuing_by",
            ClockKind::Representations => "representations_by",
            ClockKind::ConsultationResponse => "consultation_response_by",
            ClockKind::FinalPlan => "final_plan_by",
            ClockKind::Reassessment => "reassessment_plan_by",
            ClockKind::AnnualReview => "annual_review_by",
            ClockKind::ReviewPapers => "review_papers_by",
            ClockKind::ReviewReport => "review_report_by",
            ClockKind::ReviewDecision => "review_decision_by",
            ClockKind::AmendmentComments => "amendment_comments_by",
            ClockKind::AmendedPlan => "amended_plan_by",
            ClockKind::PhaseTransfer => "phase_transfer_by",
            ClockKind::MediationAdviser => "mediation_adviser_by",
            ClockKind::MediationCertificate => "mediation_certificate_by",
            ClockKind::MediationHeld => "mediation_held_by",
            ClockKind::TribunalAppeal => "appeal_by",
        }
    }

    /// What must happen, in plain words.
    pub fn label(self) -> &'static str {
        match self {
            ClockKind::DecideWhetherToAssess => "Decide whether to assess",
            ClockKind::Advice => "Advice given",
            ClockKind::NotifyNotIssuing => "Tell the family if no plan will be issued",
            ClockKind::Representations => "Family's comments on the draft plan",
            ClockKind::ConsultationResponse => "School's response to consultation",
            ClockKind::FinalPlan => "Final EHC plan issued",
            ClockKind::Reassessment => "Plan issued after re-assessment",
            ClockKind::AnnualReview => "Annual review meeting held",
            ClockKind::ReviewPapers => "Review meeting notice and advice sent",
            ClockKind::ReviewReport => "Review report sent",
            ClockKind::ReviewDecision => "Decision after review sent",
            ClockKind::AmendmentComments => "Family's comments on proposed amendments",
            ClockKind::AmendedPlan => "Final amended plan issued",
            ClockKind::PhaseTransfer => "Plan amended for phase transfer",
            ClockKind::MediationAdviser => "Family contacts a mediation adviser",
            ClockKind::MediationCertificate => "Mediation certificate issued",
            ClockKind::MediationHeld => "Mediation held",
            ClockKind::TribunalAppeal => "Family can appeal to the tribunal",
        }
    }

    /// Where the rule comes from.
    pub fn regulation(self) -> &'static str {
        match self {
            ClockKind::DecideWhetherToAssess => "reg 4(1), 5(1)",
            ClockKind::Advice => "reg 8(1)",
            ClockKind::NotifyNotIssuing => "reg 10(1)",
            ClockKind::Representations => "reg 13(1)",
            ClockKind::ConsultationResponse => "s.39(2), s.40(2) CFA 2014",
            ClockKind::FinalPlan => "reg 13(2)",
            ClockKind::Reassessment => "reg 27",
            ClockKind::AnnualReview => "reg 18",
            ClockKind::ReviewPapers => "reg 20",
            ClockKind::ReviewReport => "reg 20",
            ClockKind::ReviewDecision => "reg 20, 21",
            ClockKind::AmendmentComments => "reg 22",
            ClockKind::AmendedPlan => "reg 22(3)",
            ClockKind::PhaseTransfer => "reg 18",
            ClockKind::MediationAdviser => "reg 33",
            ClockKind::MediationCertificate => "reg 34",
            ClockKind::MediationHeld => "reg 37",
            ClockKind::TribunalAppeal => "FTT (HESC) Rules 2008, rule 20",
        }
    }

    /// Who must act for this clock to be met.
    pub fn party(self) -> Party {
        match self {
            ClockKind::Advice => Party::Adviser,
            ClockKind::ConsultationResponse => Party::School,
            ClockKind::Representations
            | ClockKind::AmendmentComments
            | ClockKind::MediationAdviser
            | ClockKind::TribunalAppeal => Party::Family,
            ClockKind::MediationCertificate | ClockKind::MediationHeld => Party::Mediator,
            _ => Party::LocalAuthority,
        }
    }

    /// A window is a family's right that ends on its due date, not a duty that can be late:
    /// when it passes unused it is closed, not overdue.
    pub fn is_window(self) -> bool {
        self.party() == Party::Family
    }
}

/// A date calculation went outside what can be represented or what the calendar covers.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClockError {
    /// The due date would fall outside the dates chrono can represent.
    #[error("the due date for {clock} from {trigger} is outside the supported range of dates")]
    OutOfRange {
        /// The clock's label.
        clock: &'static str,
        /// The trigger date.
        trigger: NaiveDate,
    },
    /// A working-day clock needed a date the bank holiday calendar does not cover.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

fn plus_days(clock: ClockKind, trigger: NaiveDate, days: u64) -> Result<NaiveDate, ClockError> {
    trigger
        .checked_add_days(Days::new(days))
        .ok_or(ClockError::OutOfRange {
            clock: clock.label(),
            trigger,
        })
}

fn minus_days(clock: ClockKind, trigger: NaiveDate, days: u64) -> Result<NaiveDate, ClockError> {
    trigger
        .checked_sub_days(Days::new(days))
        .ok_or(ClockError::OutOfRange {
            clock: clock.label(),
            trigger,
        })
}

/// Calendar months: a date with no counterpart in the target month (31 August + 6 months)
/// falls on that month's last day (28 or 29 February).
fn plus_months(clock: ClockKind, trigger: NaiveDate, months: u32) -> Result<NaiveDate, ClockError> {
    trigger
        .checked_add_months(Months::new(months))
        .ok_or(ClockError::OutOfRange {
            clock: clock.label(),
            trigger,
        })
}

fn minus_months(
    clock: ClockKind,
    trigger: NaiveDate,
    months: u32,
) -> Result<NaiveDate, ClockError> {
    trigger
        .checked_sub_months(Months::new(months))
        .ok_or(ClockError::OutOfRange {
            clock: clock.label(),
            trigger,
        })
}

/// reg 4(1), 5(1): the decision whether to assess is due 6 weeks after the request.
pub fn decide_whether_to_assess_by(request_received: NaiveDate) -> Result<NaiveDate, ClockError> {
    plus_days(ClockKind::DecideWhetherToAssess, request_received, 6 * 7)
}

/// reg 8(1): advice is due 6 weeks after it was requested.
pub fn advice_by(advice_requested: NaiveDate) -> Result<NaiveDate, ClockError> {
    plus_days(ClockKind::Advice, advice_requested, 6 * 7)
}

/// reg 10(1): notice of a decision not to issue a plan is due 16 weeks after the request.
pub fn notify_not_issuing_by(request_received: NaiveDate) -> Result<NaiveDate, ClockError> {
    plus_days(ClockKind::NotifyNotIssuing, request_received, 16 * 7)
}

/// reg 13(2): the final plan is due 20 weeks after the request.
pub fn final_plan_by(request_received: NaiveDate) -> Result<NaiveDate, ClockError> {
    plus_days(ClockKind::FinalPlan, request_received, 20 * 7)
}

/// reg 13(1): at least 15 days beginning with the day the draft was served, so the day of
/// service is day 1 and the last day is 14 days later.
pub fn representations_by(draft_served: NaiveDate) -> Result<NaiveDate, ClockError> {
    plus_days(ClockKind::Representations, draft_served, 14)
}

/// s.39(2), s.40(2) CFA 2014 (Code of Practice 9.79): a consulted school responds within
/// 15 days of the consultation being sent.
pub fn consultation_response_by(consultation_sent: NaiveDate) -> Result<NaiveDate, ClockError> {
    plus_days(ClockKind::ConsultationResponse, consultation_sent, 15)
}

/// reg 27: the plan after a re-assessment is due 14 weeks after the re-assessment request.
pub fn reassessment_plan_by(reassessment_requested: NaiveDate) -> Result<NaiveDate, ClockError> {
    plus_days(ClockKind::Reassessment, reassessment_requested, 14 * 7)
}

/// reg 18: the next review meeting is due 12 months after the plan was issued or the last
/// review meeting; for a child under 5 on that date, 6 months (Code of Practice 9.178 says
/// "every 3 to 6 months"; Waymark holds the council to the outer limit).
pub fn annual_review_by(
    plan_issued_or_last_review: NaiveDate,
    date_of_birth: Option<NaiveDate>,
) -> Result<NaiveDate, ClockError> {
    let under_five = date_of_birth
        .and_then(|dob| dob.checked_add_months(Months::new(60)))
        .is_some_and(|fifth_birthday| plan_issued_or_last_review < fifth_birthday);
    let months = if under_five { 6 } else { 12 };
    plus_months(ClockKind::AnnualReview, plan_issued_or_last_review, months)
}

/// reg 20: the meeting notice and advice must go out at least 2 weeks before the meeting.
pub fn review_papers_by(review_meeting: NaiveDate) -> Result<NaiveDate, ClockError> {
    minus_days(ClockKind::ReviewPapers, review_meeting, 2 * 7)
}

/// reg 20: the review report is due 2 weeks after the review meeting.
pub fn review_report_by(review_meeting: NaiveDate) -> Result<NaiveDate, ClockError> {
    plus_days(ClockKind::ReviewReport, review_meeting, 2 * 7)
}

/// reg 20, 21: the decision to maintain, amend or cease is due 4 weeks after the meeting.
pub fn review_decision_by(review_meeting: NaiveDate) -> Result<NaiveDate, ClockError> {
    plus_days(ClockKind::ReviewDecision, review_meeting, 4 * 7)
}

/// reg 22: at least 15 days, beginning with the day the proposed amendments were sent.
pub fn amendment_comments_by(amendments_sent: NaiveDate) -> Result<NaiveDate, ClockError> {
    plus_days(ClockKind::AmendmentComments, amendments_sent, 14)
}

/// reg 22(3): the final amended plan is due 8 weeks after the proposed amendments were sent.
pub fn amended_plan_by(amendments_sent: NaiveDate) -> Result<NaiveDate, ClockError> {
    plus_days(ClockKind::AmendedPlan, amendments_sent, 8 * 7)
}

/// The kind of move a phase transfer is, which fixes its deadline under reg 18.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    /// reg 18(1)(a): between schools, or from early years to school: by 15 February.
    School,
    /// reg 18(1)(b): from secondary school to a post-16 institution: by 31 March.
    SecondaryToPost16,
    /// reg 18(1)(c): from one post-16 institution to another: 5 months before the move.
    Post16ToPost16,
}

/// reg 18: when the plan must be reviewed and amended before a phase transfer.
pub fn phase_transfer_by(kind: TransferKind, transfer: NaiveDate) -> Result<NaiveDate, ClockError> {
    let fixed = |month, day| {
        NaiveDate::from_ymd_opt(transfer.year(), month, day).ok_or(ClockError::OutOfRange {
            clock: ClockKind::PhaseTransfer.label(),
            trigger: transfer,
        })
    };
    match kind {
        TransferKind::School => fixed(2, 15),
        TransferKind::SecondaryToPost16 => fixed(3, 31),
        TransferKind::Post16ToPost16 => minus_months(ClockKind::PhaseTransfer, transfer, 5),
    }
}

/// reg 33: a family must contact a mediation adviser within 2 months of the decision notice
/// before they can appeal.
pub fn mediation_adviser_by(decision_notice: NaiveDate) -> Result<NaiveDate, ClockError> {
    plus_months(ClockKind::MediationAdviser, decision_notice, 2)
}

/// reg 34: the mediation certificate is due 3 working days after the request.
pub fn mediation_certificate_by(
    mediation_requested: NaiveDate,
    calendar: &WorkingDayCalendar,
) -> Result<NaiveDate, ClockError> {
    Ok(calendar.add_working_days(mediation_requested, 3)?)
}

/// reg 37: mediation must be held within 30 days of the request.
pub fn mediation_held_by(mediation_requested: NaiveDate) -> Result<NaiveDate, ClockError> {
    plus_days(ClockKind::MediationHeld, mediation_requested, 30)
}

/// Tribunal rule 20: an appeal is due within 2 months of the decision notice, or 1 month after
/// the mediation certificate if that is later.
pub fn appeal_by(
    decision_notice: NaiveDate,
    mediation_certificate: Option<NaiveDate>,
) -> Result<NaiveDate, ClockError> {
    let from_notice = plus_months(ClockKind::TribunalAppeal, decision_notice, 2)?;
    match mediation_certificate {
        Some(certificate) => {
            Ok(from_notice.max(plus_months(ClockKind::TribunalAppeal, certificate, 1)?))
        }
        None => Ok(from_notice),
    }
}

/// The trigger dates an operator can give `waymark deadlines`; every one is optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Triggers {
    /// The day the request for an EHC needs assessment was received.
    pub request_received: Option<NaiveDate>,
    /// The day advice was requested.
    pub advice_requested: Option<NaiveDate>,
    /// The day the draft plan was served.
    pub draft_served: Option<NaiveDate>,
    /// The day a school was consulted.
    pub consultation_sent: Option<NaiveDate>,
    /// The day a re-assessment was requested.
    pub reassessment_requested: Option<NaiveDate>,
    /// The day the plan was issued, or the last review meeting.
    pub plan_issued: Option<NaiveDate>,
    /// The child's date of birth (shortens the review period for under-5s).
    pub date_of_birth: Option<NaiveDate>,
    /// The day of a review meeting.
    pub review_meeting: Option<NaiveDate>,
    /// The day proposed amendments were sent.
    pub amendments_sent: Option<NaiveDate>,
    /// A phase transfer: its kind and the day the child moves.
    pub transfer: Option<(TransferKind, NaiveDate)>,
    /// The day an appealable decision notice was sent.
    pub decision_notice: Option<NaiveDate>,
    /// The day mediation was requested.
    pub mediation_requested: Option<NaiveDate>,
    /// The day the mediation certificate was issued.
    pub mediation_certificate: Option<NaiveDate>,
}

/// One due date worked out from one trigger.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deadline {
    /// Which clock.
    pub kind: ClockKind,
    /// The date that started it.
    pub trigger: NaiveDate,
    /// The last day on which the action is in time.
    pub due: NaiveDate,
}

/// Every deadline that follows from the triggers given, in display order.
pub fn deadlines(
    triggers: &Triggers,
    calendar: &WorkingDayCalendar,
) -> Result<Vec<Deadline>, ClockError> {
    let mut out = Vec::new();
    let mut add = |kind, trigger, due: Result<NaiveDate, ClockError>| -> Result<(), ClockError> {
        out.push(Deadline {
            kind,
            trigger,
            due: due?,
        });
        Ok(())
    };
    if let Some(received) = triggers.request_received {
        add(
            ClockKind::DecideWhetherToAssess,
            received,
            decide_whether_to_assess_by(received),
        )?;
    }
    if let Some(requested) = triggers.advice_requested {
        add(ClockKind::Advice, requested, advice_by(requested))?;
    }
    if let Some(received) = triggers.request_received {
        add(
            ClockKind::NotifyNotIssuing,
            received,
            notify_not_issuing_by(received),
        )?;
    }
    if let Some(served) = triggers.draft_served {
        add(
            ClockKind::Representations,
            served,
            representations_by(served),
        )?;
    }
    if let Some(sent) = triggers.consultation_sent {
        add(
            ClockKind::ConsultationResponse,
            sent,
            consultation_response_by(sent),
        )?;
    }
    if let Some(received) = triggers.request_received {
        add(ClockKind::FinalPlan, received, final_plan_by(received))?;
    }
    if let Some(requested) = triggers.reassessment_requested {
        add(
            ClockKind::Reassessment,
            requested,
            reassessment_plan_by(requested),
        )?;
    }
    if let Some(issued) = triggers.plan_issued {
        add(
            ClockKind::AnnualReview,
            issued,
            annual_review_by(issued, triggers.date_of_birth),
        )?;
    }
    if let Some(meeting) = triggers.review_meeting {
        add(ClockKind::ReviewPapers, meeting, review_papers_by(meeting))?;
        add(ClockKind::ReviewReport, meeting, review_report_by(meeting))?;
        add(
            ClockKind::ReviewDecision,
            meeting,
            review_decision_by(meeting),
        )?;
    }
    if let Some(sent) = triggers.amendments_sent {
        add(
            ClockKind::AmendmentComments,
            sent,
            amendment_comments_by(sent),
        )?;
        add(ClockKind::AmendedPlan, sent, amended_plan_by(sent))?;
    }
    if let Some((kind, date)) = triggers.transfer {
        add(
            ClockKind::PhaseTransfer,
            date,
            phase_transfer_by(kind, date),
        )?;
    }
    if let Some(notice) = triggers.decision_notice {
        add(
            ClockKind::MediationAdviser,
            notice,
            mediation_adviser_by(notice),
        )?;
    }
    if let Some(requested) = triggers.mediation_requested {
        add(
            ClockKind::MediationCertificate,
            requested,
            mediation_certificate_by(requested, calendar),
        )?;
        add(
            ClockKind::MediationHeld,
            requested,
            mediation_held_by(requested),
        )?;
    }
    if let Some(notice) = triggers.decision_notice {
        add(
            ClockKind::TribunalAppeal,
            notice,
            appeal_by(notice, triggers.mediation_certificate),
        )?;
    }
    Ok(out)
}

/// A statutory reason why a timescale does not apply (reg 5(4), 8(2), 10(4), 13(3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// The child's school or post-16 institution closed for 4 weeks or more.
    SchoolClosure,
    /// The child's early years provider closed for 4 weeks or more.
    EarlyYearsClosure,
    /// Exceptional personal circumstances of the child or the family.
    ExceptionalPersonalCircumstances,
    /// The child or family absent from the area for 4 or more continuous weeks.
    AbsentFromArea,
    /// The child or family did not keep an appointment (reg 8(2), 13(3) only).
    MissedAppointment,
}

impl ExceptionKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [ExceptionKind; 5] = [
        ExceptionKind::SchoolClosure,
        ExceptionKind::EarlyYearsClosure,
        ExceptionKind::ExceptionalPersonalCircumstances,
        ExceptionKind::AbsentFromArea,
        ExceptionKind::MissedAppointment,
    ];

    /// The plain-words name of the exception.
    pub fn label(self) -> &'static str {
        match self {
            ExceptionKind::SchoolClosure => "School or college closed for 4 weeks or more",
            ExceptionKind::EarlyYearsClosure => "Early years setting closed for 4 weeks or more",
            ExceptionKind::ExceptionalPersonalCircumstances => "Exceptional personal circumstances",
            ExceptionKind::AbsentFromArea => "Away from the area for 4 weeks or more",
            ExceptionKind::MissedAppointment => "Missed appointment",
        }
    }

    /// Whether the regulations let this exception excuse a late action on this clock:
    /// closures, personal circumstances and absence under reg 5(4), 8(2), 10(4), 13(3); a
    /// missed appointment only under reg 8(2) and 13(3).
    pub fn excuses(self, clock: ClockKind) -> bool {
        match self {
            ExceptionKind::MissedAppointment => {
                matches!(clock, ClockKind::Advice | ClockKind::FinalPlan)
            }
            _ => matches!(
                clock,
                ClockKind::DecideWhetherToAssess
                    | ClockKind::Advice
                    | ClockKind::NotifyNotIssuing
                    | ClockKind::FinalPlan
            ),
        }
    }

    fn needs_four_weeks(self) -> bool {
        matches!(
            self,
            ExceptionKind::SchoolClosure
                | ExceptionKind::EarlyYearsClosure
                | ExceptionKind::AbsentFromArea
        )
    }
}

/// Why an exception cannot be recorded as given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExceptionError {
    /// The end is before the start.
    #[error("the exception ends on {to} but starts later, on {from}")]
    EndsBeforeStart {
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
    },
    /// A closure or absence shorter than the 4 weeks the regulations require.
    #[error("{kind} must last at least 4 weeks (28 days); this lasts {days} days")]
    TooShort {
        /// The exception's label.
        kind: &'static str,
        /// How many days it lasts.
        days: i64,
    },
}

/// An exception recorded on a case, with the dates it covers. It never moves a due date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exception {
    kind: ExceptionKind,
    from: NaiveDate,
    to: Option<NaiveDate>,
}

impl Exception {
    /// An exception from `from` to `to` (inclusive; `None` while it is still going on).
    /// For a closure, `from` is the first day closed and `to` the day it re-opens; closures and
    /// absences must last at least 4 weeks.
    pub fn new(
        kind: ExceptionKind,
        from: NaiveDate,
        to: Option<NaiveDate>,
    ) -> Result<Self, ExceptionError> {
        if let Some(to) = to {
            if to < from {
                return Err(ExceptionError::EndsBeforeStart { from, to });
            }
            let days = (to - from).num_days();
            if kind.needs_four_weeks() && days < 28 {
                return Err(ExceptionError::TooShort {
                    kind: kind.label(),
                    days,
                });
            }
        }
        Ok(Exception { kind, from, to })
    }

    /// What kind of exception.
    pub fn kind(&self) -> ExceptionKind {
        self.kind
    }

    /// Its first day.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// Its last day (the re-opening day for a closure), if known.
    pub fn to(&self) -> Option<NaiveDate> {
        self.to
    }

    /// The period the exception affects the clock. A closure counts from 1 week before it
    /// closes to 1 week before it re-opens (reg 5(4)(a)); an open-ended exception runs on.
    fn effect(&self) -> (NaiveDate, Option<NaiveDate>) {
        match self.kind {
            ExceptionKind::SchoolClosure | ExceptionKind::EarlyYearsClosure => {
                let week_before = |d: NaiveDate| d.checked_sub_days(Days::new(7)).unwrap_or(d);
                (week_before(self.from), self.to.map(week_before))
            }
            _ => (self.from, self.to),
        }
    }

    /// Whether this exception touched a clock that ran from `start` to `due`.
    fn overlaps(&self, start: NaiveDate, due: NaiveDate) -> bool {
        let (from, to) = self.effect();
        from <= due && to.is_none_or(|to| to >= start)
    }
}

/// One clock on one case: what starts it, when it is due, and when it was met.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clock {
    /// Which clock.
    pub kind: ClockKind,
    /// What it is about when a case has several of the kind ("Educational psychology").
    pub about: Option<String>,
    /// The trigger date, or `None` while the clock has not started.
    pub trigger: Option<NaiveDate>,
    /// The due date, or `None` while the clock has not started.
    pub due: Option<NaiveDate>,
    /// When the action happened, if it has.
    pub done: Option<NaiveDate>,
}

impl Clock {
    /// A clock that starts at `trigger` with its due date worked out by `due`.
    pub fn started(
        kind: ClockKind,
        trigger: NaiveDate,
        due: Result<NaiveDate, ClockError>,
        done: Option<NaiveDate>,
    ) -> Result<Self, ClockError> {
        Ok(Clock {
            kind,
            about: None,
            trigger: Some(trigger),
            due: Some(due?),
            done,
        })
    }

    /// A clock whose trigger has not happened yet.
    pub fn not_started(kind: ClockKind) -> Self {
        Clock {
            kind,
            about: None,
            trigger: None,
            due: None,
            done: None,
        }
    }

    /// The same clock, labelled with what it is about.
    pub fn about(mut self, about: impl Into<String>) -> Self {
        self.about = Some(about.into());
        self
    }
}

/// Where a clock stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStatus {
    /// Its trigger has not happened.
    NotStarted,
    /// Running, with more than the due-soon margin left.
    Due,
    /// Running, due within the due-soon margin (or today).
    DueSoon,
    /// Running and past its due date.
    Overdue,
    /// A family's window that ended unused (not a failure by anyone).
    Closed,
    /// Done on or before the due date.
    MetOnTime,
    /// Done after the due date, with no exception that excuses it.
    MetLate,
    /// Done after the due date, with an exception that excuses it (reported separately).
    MetLateWithException,
}

impl ClockStatus {
    /// The status in plain words.
    pub fn label(self) -> &'static str {
        match self {
            ClockStatus::NotStarted => "Not started",
            ClockStatus::Due => "Due",
            ClockStatus::DueSoon => "Due soon",
            ClockStatus::Overdue => "Overdue",
            ClockStatus::Closed => "Closed",
            ClockStatus::MetOnTime => "Met on time",
            ClockStatus::MetLate => "Met late",
            ClockStatus::MetLateWithException => "Met late with exception",
        }
    }
}

/// A clock read on a given day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClockReading {
    /// The clock read.
    #[serde(flatten)]
    pub clock: Clock,
    /// Its status on the day it was read.
    pub status: ClockStatus,
    /// Days left until the due date (0 on the day itself), while running and not late.
    pub days_remaining: Option<i64>,
    /// Days past the due date: while still open, or how late it was met.
    pub days_overdue: Option<i64>,
    /// The recorded exceptions that excuse lateness on this clock (never move its due date).
    pub exceptions: Vec<ExceptionKind>,
}

/// Read one clock on `today`, with the case's exceptions, counting `due_soon_days` before the
/// due date as "due soon". An action dated after `today` is treated as not yet done.
pub fn read(
    clock: &Clock,
    exceptions: &[Exception],
    today: NaiveDate,
    due_soon_days: i64,
) -> ClockReading {
    let (Some(trigger), Some(due)) = (clock.trigger, clock.due) else {
        return ClockReading {
            clock: clock.clone(),
            status: ClockStatus::NotStarted,
            days_remaining: None,
            days_overdue: None,
            exceptions: Vec::new(),
        };
    };
    let start = trigger.min(due);
    let mut excusing: Vec<ExceptionKind> = exceptions
        .iter()
        .filter(|e| e.kind.excuses(clock.kind) && e.overlaps(start, due))
        .map(Exception::kind)
        .collect();
    excusing.dedup();
    let done = clock.done.filter(|d| *d <= today);
    let (status, days_remaining, days_overdue) = match done {
        Some(done) if done <= due => (ClockStatus::MetOnTime, None, None),
        Some(done) => {
            let late = (done - due).num_days();
            if excusing.is_empty() {
                (ClockStatus::MetLate, None, Some(late))
            } else {
                (ClockStatus::MetLateWithException, None, Some(late))
            }
        }
        None if today > due && clock.kind.is_window() => (ClockStatus::Closed, None, None),
        None if today > due => (ClockStatus::Overdue, None, Some((today - due).num_days())),
        None => {
            let left = (due - today).num_days();
            let status = if left <= due_soon_days {
                ClockStatus::DueSoon
            } else {
                ClockStatus::Due
            };
            (status, Some(left), None)
        }
    };
    ClockReading {
        clock: clock.clone(),
        status,
        days_remaining,
        days_overdue,
        exceptions: excusing,
    }
}

/// A decision recorded on a case: the date it was made and whether it was "yes".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    /// The date of the decision.
    pub on: NaiveDate,
    /// `true` for yes (assess; issue a plan).
    pub yes: bool,
}

/// Something asked for with a date, and the date it came back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asked {
    /// Who was asked ("Educational psychology", "Oakfield Primary School").
    pub who: String,
    /// When they were asked.
    pub on: NaiveDate,
    /// When they answered, if they have.
    pub answered: Option<NaiveDate>,
}

/// The current review cycle of a plan.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReviewCycle {
    /// The review meeting date (planned or held).
    pub meeting: Option<NaiveDate>,
    /// Whether the meeting has been held.
    pub held: bool,
    /// When the notice and advice were sent out.
    pub papers_sent: Option<NaiveDate>,
    /// When the review report was sent.
    pub report_sent: Option<NaiveDate>,
    /// When the decision to maintain, amend or cease was sent.
    pub decision_sent: Option<NaiveDate>,
}

/// Proposed amendments to a plan after a review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Amendments {
    /// When the proposed amendments were sent to the family.
    pub sent: NaiveDate,
    /// When the family's comments arrived, if they did.
    pub comments_received: Option<NaiveDate>,
    /// When the final amended plan was issued.
    pub plan_issued: Option<NaiveDate>,
}

/// An appealable decision and what followed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disagreement {
    /// When the decision notice (with appeal rights) was sent.
    pub decision_notice: NaiveDate,
    /// When the family contacted a mediation adviser.
    pub adviser_contacted: Option<NaiveDate>,
    /// When mediation was requested.
    pub mediation_requested: Option<NaiveDate>,
    /// When the mediation certificate was issued.
    pub certificate_issued: Option<NaiveDate>,
    /// When mediation took place.
    pub mediation_held: Option<NaiveDate>,
    /// When an appeal was lodged with the tribunal.
    pub appeal_lodged: Option<NaiveDate>,
}

/// A phase transfer coming up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    /// The kind of move.
    pub kind: TransferKind,
    /// The date the child moves.
    pub date: NaiveDate,
    /// When the plan was amended for it.
    pub plan_amended: Option<NaiveDate>,
}

/// The dates of one case that drive its clocks: what the case engine knows, flattened.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CaseDates {
    /// The child's date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// When the request for an EHC needs assessment was received.
    pub request_received: Option<NaiveDate>,
    /// The decision whether to assess.
    pub assessment_decision: Option<Decided>,
    /// Advice requested under reg 6, each with its own clock.
    pub advice: Vec<Asked>,
    /// The decision whether to issue a plan.
    pub issue_decision: Option<Decided>,
    /// When the draft plan was served, and when the family's representations came.
    pub draft: Option<Asked>,
    /// Schools consulted about being named.
    pub consultations: Vec<Asked>,
    /// When the final plan was issued.
    pub final_plan_issued: Option<NaiveDate>,
    /// A re-assessment: requested, and the plan issued after it.
    pub reassessment: Option<Asked>,
    /// The last review meeting held before the current cycle.
    pub previous_review_meeting: Option<NaiveDate>,
    /// The current review cycle.
    pub review: Option<ReviewCycle>,
    /// The latest review meeting held (`on`) and when the decision to maintain, amend or
    /// cease followed it (`answered`): its own 4-week clock, for a case whose review papers
    /// and report are not tracked in a [`ReviewCycle`].
    pub review_decision: Option<Asked>,
    /// Proposed amendments after a review.
    pub amendments: Option<Amendments>,
    /// A phase transfer coming up.
    pub transfer: Option<Transfer>,
    /// An appealable decision and what followed.
    pub disagreement: Option<Disagreement>,
    /// Exceptions recorded on the case.
    pub exceptions: Vec<Exception>,
    /// When the case was closed: from then on no clock runs, and only those already met
    /// are kept, as history.
    pub closed: Option<NaiveDate>,
}

/// The clocks that apply to a case, started or not, in display order.
///
/// A "no" to assess stops the 16- and 20-week clocks (there will be no plan); a "yes" to issue
/// stops the 16-week notice clock (it only applies to a decision not to issue). A closed case
/// keeps only the clocks met before it closed.
pub fn case_clocks(
    case: &CaseDates,
    calendar: &WorkingDayCalendar,
) -> Result<Vec<Clock>, ClockError> {
    use ClockKind as K;
    let mut clocks = Vec::new();
    let assessing = case.assessment_decision.is_none_or(|d| d.yes);
    let issuing = case.issue_decision.is_none_or(|d| d.yes);
    if let Some(received) = case.request_received {
        clocks.push(Clock::started(
            K::DecideWhetherToAssess,
            received,
            decide_whether_to_assess_by(received),
            case.assessment_decision.map(|d| d.on),
        )?);
        for asked in &case.advice {
            clocks.push(
                Clock::started(K::Advice, asked.on, advice_by(asked.on), asked.answered)?
                    .about(&asked.who),
            );
        }
        if assessing && case.issue_decision.is_none_or(|d| !d.yes) {
            let notified = case.issue_decision.map(|d| d.on);
            clocks.push(Clock::started(
                K::NotifyNotIssuing,
                received,
                notify_not_issuing_by(received),
                notified,
            )?);
        }
        if assessing && issuing {
            if let Some(draft) = &case.draft {
                clocks.push(Clock::started(
                    K::Representations,
                    draft.on,
                    representations_by(draft.on),
                    draft.answered,
                )?);
            } else {
                clocks.push(Clock::not_started(K::Representations));
            }
            for school in &case.consultations {
                clocks.push(
                    Clock::started(
                        K::ConsultationResponse,
                        school.on,
                        consultation_response_by(school.on),
                        school.answered,
                    )?
                    .about(&school.who),
                );
            }
            clocks.push(Clock::started(
                K::FinalPlan,
                received,
                final_plan_by(received),
                case.final_plan_issued,
            )?);
        }
    }
    if let Some(re) = &case.reassessment {
        clocks.push(Clock::started(
            K::Reassessment,
            re.on,
            reassessment_plan_by(re.on),
            re.answered,
        )?);
    }
    let review_from = case.final_plan_issued.max(case.previous_review_meeting);
    let review = case.review.clone().unwrap_or_default();
    if let Some(from) = review_from {
        let held = review.meeting.filter(|_| review.held);
        clocks.push(Clock::started(
            K::AnnualReview,
            from,
            annual_review_by(from, case.date_of_birth),
            held,
        )?);
    }
    if let Some(meeting) = review.meeting {
        clocks.push(Clock::started(
            K::ReviewPapers,
            meeting,
            review_papers_by(meeting),
            review.papers_sent,
        )?);
        if review.held {
            clocks.push(Clock::started(
                K::ReviewReport,
                meeting,
                review_report_by(meeting),
                review.report_sent,
            )?);
            clocks.push(Clock::started(
                K::ReviewDecision,
                meeting,
                review_decision_by(meeting),
                review.decision_sent,
            )?);
        }
    }
    if let Some(r) = &case.review_decision {
        clocks.push(
            Clock::started(
                K::ReviewDecision,
                r.on,
                review_decision_by(r.on),
                r.answered,
            )?
            .about(&r.who),
        );
    }
    if let Some(a) = &case.amendments {
        clocks.push(Clock::started(
            K::AmendmentComments,
            a.sent,
            amendment_comments_by(a.sent),
            a.comments_received,
        )?);
        clocks.push(Clock::started(
            K::AmendedPlan,
            a.sent,
            amended_plan_by(a.sent),
            a.plan_issued,
        )?);
    }
    if let Some(t) = &case.transfer {
        clocks.push(Clock::started(
            K::PhaseTransfer,
            t.date,
            phase_transfer_by(t.kind, t.date),
            t.plan_amended,
        )?);
    }
    if let Some(d) = &case.disagreement {
        clocks.push(Clock::started(
            K::MediationAdviser,
            d.decision_notice,
            mediation_adviser_by(d.decision_notice),
            d.adviser_contacted,
        )?);
        if let Some(requested) = d.mediation_requested {
            clocks.push(Clock::started(
                K::MediationCertificate,
                requested,
                mediation_certificate_by(requested, calendar),
                d.certificate_issued,
            )?);
            clocks.push(Clock::started(
                K::MediationHeld,
                requested,
                mediation_held_by(requested),
                d.mediation_held,
            )?);
        }
        clocks.push(Clock::started(
            K::TribunalAppeal,
            d.decision_notice,
            appeal_by(d.decision_notice, d.certificate_issued),
            d.appeal_lodged,
        )?);
    }
    if let Some(closed) = case.closed {
        clocks.retain(|c| c.done.is_some_and(|done| done <= closed));
    }
    Ok(clocks)
}

/// Every clock of a case read on `today`: due date, days left or overdue, status, and the
/// exceptions that excuse lateness.
pub fn read_case(
    case: &CaseDates,
    calendar: &WorkingDayCalendar,
    today: NaiveDate,
) -> Result<Vec<ClockReading>, ClockError> {
    Ok(case_clocks(case, calendar)?
        .iter()
        .map(|clock| read(clock, &case.exceptions, today, DUE_SOON_DAYS))
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
