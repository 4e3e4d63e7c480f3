//! Key performance indicators, defined once so every page, report and export agrees.
//!
//! Every figure is worked out from [`KpiFacts`], the few dates and codes of a case that the
//! store keeps as columns, so the dashboard, the CLI export and the tests share one
//! definition:
//!
//! - over a period (`from` to `to`, both included; [`Period`]): requests received, decisions
//!   whether to assess and how many within 6 weeks (reg 4(1), 5(1)), refusals to assess and to
//!   issue (reg 5, 10), the 20-week measure with and without exception cases (reg 13(2),
//!   13(3)), annual reviews due, held by their due date, held, and decided within 4 weeks,
//!   and amended plans issued within 8 weeks (reg 18, 20, 21, 22; [`ReviewFigures`]) —
//!   [`PeriodFigures`], also month by month ([`trend`]);
//! - on the period's last day: open requests by stage and age ([`Backlog`]), plans
//!   maintained by age group, primary need and placement type ([`ActivePlans`]), and open
//!   cases per caseworker ([`CaseworkerLoad`]);
//! - per LA and for every LA together ([`by_la`]).
//!
//! The period figures are sums of [`Flow`]s, so a store can count flows per LA and month as
//! cases change and roll them up nationally without reading cases.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::ids::LaCode;

use crate::calendar::WorkingDayCalendar;
use crate::case::{Case, Stage};
use crate::clock::{self, ClockError, ClockKind};

/// The 20-week measure (reg 13(2)) as DfE publishes it: plans issued in a period, how many
/// within 20 weeks of the request, both including and excluding cases where an exception
/// applied (reg 13(3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct TwentyWeeks {
    /// Final plans issued in the period.
    pub issued: u32,
    /// Of those, issued within 20 weeks.
    pub within: u32,
    /// Plans issued in the period on cases with no exception.
    pub issued_excluding_exceptions: u32,
    /// Of those, issued within 20 weeks.
    pub within_excluding_exceptions: u32,
}

impl TwentyWeeks {
    /// The share within 20 weeks including exception cases, as a percentage.
    pub fn percent(&self) -> Option<f64> {
        percent(self.within, self.issued)
    }

    /// The share within 20 weeks excluding exception cases, as a percentage.
    pub fn percent_excluding_exceptions(&self) -> Option<f64> {
        percent(
            self.within_excluding_exceptions,
            self.issued_excluding_exceptions,
        )
    }
}

fn percent(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) * 100.0 / f64::from(whole))
}

impl TwentyWeeks {
    /// Within 20 weeks, including exception cases, as a share.
    pub fn share(&self) -> Share {
        Share {
            part: self.within,
            whole: self.issued,
        }
    }

    /// Within 20 weeks, excluding exception cases, as a share.
    pub fn share_excluding_exceptions(&self) -> Share {
        Share {
            part: self.within_excluding_exceptions,
            whole: self.issued_excluding_exceptions,
        }
    }

    fn count(&mut self, on_time: bool, excused: bool) {
        self.issued += 1;
        self.within += u32::from(on_time);
        if !excused {
            self.issued_excluding_exceptions += 1;
            self.within_excluding_exceptions += u32::from(on_time);
        }
    }
}

/// What the figures need to know about one case, small enough to keep as columns beside
/// the case and read for hundreds of thousands of cases at once. Worked out from the case by
/// [`KpiFacts::of`] whenever it changes; every figure is defined over these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KpiFacts {
    /// Where the case is.
    pub stage: Stage,
    /// The child's date of birth.
    pub date_of_birth: NaiveDate,
    /// The day the request was received.
    pub request_received: NaiveDate,
    /// The decision whether to assess: when, and yes or no.
    pub assessment: Option<(NaiveDate, bool)>,
    /// The decision whether to issue a plan: when, and yes or no.
    pub issue: Option<(NaiveDate, bool)>,
    /// The day the final plan was issued.
    pub final_issued: Option<NaiveDate>,
    /// Whether an exception excused the final plan's lateness (reg 13(3)).
    pub final_excused: bool,
    /// The day the case closed.
    pub closed_on: Option<NaiveDate>,
    /// The primary type of need (SEN2 code).
    pub primary_need: Option<String>,
    /// The placement type named in the final plan (SEN2 code).
    pub placement_type: Option<String>,
    /// The caseworker's user reference.
    pub caseworker: Option<String>,
    /// The flows of the plan's annual reviews and amendments ([`review_flows`]), kept with
    /// the facts because a case has any number of reviews.
    pub review_flows: Vec<(Flow, NaiveDate)>,
}

impl KpiFacts {
    /// The facts of a case.
    ///
    /// # Errors
    /// A date outside the bank holiday calendar.
    pub fn of(case: &Case, calendar: &WorkingDayCalendar) -> Result<KpiFacts, ClockError> {
        Ok(KpiFacts::from_parts(
            case,
            final_excused(case, calendar)?,
            review_flows(case)?,
        ))
    }

    /// The facts of a case, never failing, for the columns written with every change to it (a
    /// case must always be writable). Where [`KpiFacts::of`] would fail, on a date outside the
    /// bank holiday calendar or too near the end of the dates the clock can work with, an
    /// exception is taken not to excuse the final plan (reg 13(3) cannot be shown to apply) and
    /// the case counts no review flows. Everything else is as [`KpiFacts::of`] gives it.
    pub fn of_lenient(case: &Case, calendar: &WorkingDayCalendar) -> KpiFacts {
        KpiFacts::from_parts(
            case,
            final_excused(case, calendar).unwrap_or(false),
            review_flows(case).unwrap_or_default(),
        )
    }

    fn from_parts(
        case: &Case,
        final_excused: bool,
        review_flows: Vec<(Flow, NaiveDate)>,
    ) -> KpiFacts {
        KpiFacts {
            stage: case.stage,
            date_of_birth: case.child.date_of_birth,
            request_received: case.request.received,
            assessment: case.assessment_decision.as_ref().map(|d| (d.on, d.yes)),
            issue: case.issue_decision.as_ref().map(|d| (d.on, d.yes)),
            final_issued: case.final_plan.as_ref().map(|p| p.issued),
            final_excused,
            closed_on: case.closure.as_ref().map(|c| c.on),
            primary_need: case.sen_needs.first().cloned(),
            placement_type: case
                .final_plan
                .as_ref()
                .map(|p| p.placement.placement_type.clone()),
            caseworker: case.caseworker.clone(),
            review_flows,
        }
    }
}

/// reg 13(3): whether an exception excused the final plan's lateness.
fn final_excused(case: &Case, calendar: &WorkingDayCalendar) -> Result<bool, ClockError> {
    let Some(plan) = &case.final_plan else {
        return Ok(false);
    };
    let dates = case.clock_dates();
    Ok(clock::case_clocks(&dates, calendar)?
        .iter()
        .filter(|c| c.kind == ClockKind::FinalPlan)
        .any(|c| {
            !clock::read(c, &dates.exceptions, plan.issued, 0)
                .exceptions
                .is_empty()
        }))
}

/// The flows of a plan's annual reviews (reg 18, 20, 21) and amendments (reg 22):
///
/// - each review due: on its due date (12 months after the plan or the last meeting, 6 for
///   a child under 5), and whether the meeting was held by then — the review due next is
///   counted too, unless the case closed before it fell due;
/// - each meeting held, on its day;
/// - each decision after a meeting, on its day, and whether it came within 4 weeks;
/// - each amended plan due (8 weeks after the proposed amendments were sent), on its due
///   date, and whether it was issued by then — unless the case closed before it fell due
///   with no amended plan.
///
/// # Errors
/// A date too near the end of the calendar for its clocks.
pub fn review_flows(case: &Case) -> Result<Vec<(Flow, NaiveDate)>, ClockError> {
    let Some(plan) = &case.final_plan else {
        return Ok(Vec::new());
    };
    let closed = case.closure.as_ref().map(|c| c.on);
    let open_on = |day: NaiveDate| closed.is_none_or(|c| c > day);
    let born = Some(case.child.date_of_birth);
    let mut out = Vec::new();
    let mut from = plan.issued;
    for review in &case.reviews {
        let due = clock::annual_review_by(from, born)?;
        out.push((Flow::ReviewDue, due));
        if review.meeting_on <= due {
            out.push((Flow::ReviewDueMet, due));
        }
        out.push((Flow::ReviewHeld, review.meeting_on));
        if let Some(decision) = &review.decision {
            out.push((Flow::ReviewDecided, decision.on));
            if decision.on <= review.decision_by()? {
                out.push((Flow::ReviewDecidedInTime, decision.on));
            }
        }
        if let Some(sent) = review.amendments_sent {
            let due = clock::amended_plan_by(sent)?;
            let issued = review.amended_plan_issued;
            if issued.is_some() || open_on(due) {
                out.push((Flow::AmendedPlanDue, due));
            }
            if issued.is_some_and(|on| on <= due) {
                out.push((Flow::AmendedPlanDueMet, due));
            }
        }
        from = review.meeting_on.max(plan.issued);
    }
    let next = clock::annual_review_by(from, born)?;
    if open_on(next) {
        out.push((Flow::ReviewDue, next));
    }
    Ok(out)
}

/// The 20-week measure for plans issued from `from` to `to` inclusive, over cases' facts.
/// Imported plans count like any other.
///
/// # Errors
/// A request date outside the range the clock can work with.
pub fn twenty_weeks_of<'a>(
    facts: impl IntoIterator<Item = &'a KpiFacts>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<TwentyWeeks, ClockError> {
    let mut m = TwentyWeeks::default();
    for f in facts {
        let Some(issued) = f.final_issued else {
            continue;
        };
        if issued < from || issued > to {
            continue;
        }
        let on_time = issued <= clock::final_plan_by(f.request_received)?;
        m.count(on_time, f.final_excused);
    }
    Ok(m)
}

/// The 20-week measure for plans issued from `from` to `to` inclusive. Imported plans count
/// like any other.
///
/// # Errors
/// A date outside the bank holiday calendar.
pub fn twenty_weeks<'a>(
    cases: impl IntoIterator<Item = &'a Case>,
    from: NaiveDate,
    to: NaiveDate,
    calendar: &WorkingDayCalendar,
) -> Result<TwentyWeeks, ClockError> {
    let facts = cases
        .into_iter()
        .map(|case| KpiFacts::of(case, calendar))
        .collect::<Result<Vec<_>, _>>()?;
    twenty_weeks_of(&facts, from, to)
}

/// `part` of `whole`, as pages show it: "41 of 98 (41.8%)".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Share {
    /// How many met the measure.
    pub part: u32,
    /// How many were measured.
    pub whole: u32,
}

impl Share {
    /// The share as a percentage; none when nothing was measured (not 0%).
    pub fn percent(&self) -> Option<f64> {
        percent(self.part, self.whole)
    }
}

impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.percent() {
            Some(p) => write!(f, "{} of {} ({p:.1}%)", self.part, self.whole),
            None => write!(f, "{} of {}", self.part, self.whole),
        }
    }
}

/// The most months a period (and so a monthly trend) may cover: 10 years.
pub const MAX_MONTHS: u32 = 120;

/// A reporting period, `from` to `to` with both days included, of at most
/// [`MAX_MONTHS`] calendar months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

/// Why a period cannot be reported on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// The start is after the end.
    #[error("the period starts on {from} but ends before that, on {to}")]
    Reversed {
        /// The first day given.
        from: NaiveDate,
        /// The last day given.
        to: NaiveDate,
    },
    /// More calendar months than a trend can show.
    #[error("the period covers {months} calendar months; report on {MAX_MONTHS} or fewer")]
    TooLong {
        /// Calendar months touched by the period.
        months: u32,
    },
}

impl Period {
    /// The period from `from` to `to`, both included.
    ///
    /// # Errors
    /// `from` after `to`, or more than [`MAX_MONTHS`] calendar months.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, PeriodError> {
        if from > to {
            return Err(PeriodError::Reversed { from, to });
        }
        let months = month_index(from, to) + 1;
        if months > MAX_MONTHS {
            return Err(PeriodError::TooLong { months });
        }
        Ok(Period { from, to })
    }

    /// The 12 whole calendar months before the month of `today` (the dashboard's default).
    pub fn last_twelve_months(today: NaiveDate) -> Period {
        let first_this_month = today.with_day(1).unwrap_or(today);
        let from = first_this_month
            .checked_sub_months(Months::new(12))
            .unwrap_or(first_this_month);
        let to = first_this_month.pred_opt().unwrap_or(first_this_month);
        Period { from, to }
    }

    /// The first day.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The last day; backlog, plans and caseloads are counted on this day.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// Whether `day` falls in the period.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// The calendar months the period touches, oldest first, each cut to the period (so the
    /// first and last may be part-months).
    pub fn months(&self) -> Vec<Period> {
        let mut out = Vec::new();
        let mut start = self.from;
        while start <= self.to {
            let next = start
                .with_day(1)
                .and_then(|d| d.checked_add_months(Months::new(1)));
            let end = next
                .and_then(|n| n.pred_opt())
                .map_or(self.to, |e| e.min(self.to));
            out.push(Period {
                from: start,
                to: end,
            });
            match next {
                Some(n) => start = n,
                None => break,
            }
        }
        out
    }

    /// The whole calendar months inside the period (first day of the first, first day of the
    /// last), as a store keeps flows counted; none when no whole month fits.
    pub fn whole_months(&self) -> Option<(NaiveDate, NaiveDate)> {
        let first = if self.from.day() == 1 {
            self.from
        } else {
            self.from.with_day(1)?.checked_add_months(Months::new(1))?
        };
        let after_last = self.to.succ_opt()?;
        let last = if after_last.day() == 1 {
            after_last.checked_sub_months(Months::new(1))?
        } else {
            self.to.with_day(1)?.checked_sub_months(Months::new(1))?
        };
        (first <= last).then_some((first, last))
    }

    /// Whether the period is made of whole calendar months.
    pub fn is_whole_months(&self) -> bool {
        self.whole_months().is_some_and(|(first, last)| {
            first == self.from
                && last
                    .checked_add_months(Months::new(1))
                    .and_then(|d| d.pred_opt())
                    == Some(self.to)
        })
    }

    fn month_of(&self, day: NaiveDate) -> Option<usize> {
        self.contains(day)
            .then(|| usize::try_from(month_index(self.from, day)).unwrap_or(usize::MAX))
    }
}

/// Calendar months from the month of `a` to the month of `b` (0 for the same month).
fn month_index(a: NaiveDate, b: NaiveDate) -> u32 {
    let months = (b.year() - a.year()) * 12 + i32::try_from(b.month()).unwrap_or(0)
        - i32::try_from(a.month()).unwrap_or(0);
    u32::try_from(months).unwrap_or(0)
}

/// What happened in a period: the flow of requests and decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PeriodFigures {
    /// Requests for an EHC needs assessment received in the period (reg 3).
    pub requests_received: u32,
    /// Decisions whether to assess made in the period, and how many were made within 6 weeks
    /// of the request (reg 4(1), 5(1)), whatever the decision.
    pub decided_within_six_weeks: Share,
    /// Of the decisions whether to assess made in the period, how many were "no" (reg 5).
    pub refused_to_assess: Share,
    /// Of the decisions whether to issue a plan made in the period, how many were "no"
    /// (reg 10).
    pub refused_to_issue: Share,
    /// Final plans issued in the period, within 20 weeks (reg 13(2)), with and without
    /// exception cases (reg 13(3)).
    pub twenty_weeks: TwentyWeeks,
    /// Annual reviews and amended plans.
    pub reviews: ReviewFigures,
}

/// Annual reviews and amendments in a period (reg 18, 20, 21, 22), as DfE now publishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ReviewFigures {
    /// Review meetings due in the period, and how many were held by their due date; the
    /// rest are overdue (held late, or not yet).
    pub held_by_due_date: Share,
    /// Review meetings held in the period.
    pub held: u32,
    /// Decisions after a review made in the period, and how many within 4 weeks of the
    /// meeting.
    pub decided_within_four_weeks: Share,
    /// Final amended plans due in the period (8 weeks after the proposed amendments), and
    /// how many were issued by then; the rest were not finalised within 8 weeks.
    pub amended_within_eight_weeks: Share,
}

impl ReviewFigures {
    /// Reviews due in the period not held by their due date.
    pub fn overdue(&self) -> u32 {
        self.held_by_due_date.whole - self.held_by_due_date.part
    }

    /// Amended plans due in the period not issued within 8 weeks.
    pub fn amended_late(&self) -> u32 {
        self.amended_within_eight_weeks.whole - self.amended_within_eight_weeks.part
    }
}

/// Something that happened to a case on a day, counted in the period (or month) it fell in.
/// Every period figure ([`PeriodFigures`]) is a sum of flows, so a store can keep flows
/// counted per LA and month and roll them up without reading cases
/// ([`PeriodFigures::add_flow`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Flow {
    /// A request was received.
    RequestReceived,
    /// The LA decided whether to assess.
    AssessDecided,
    /// … within 6 weeks of the request (reg 4(1), 5(1)).
    AssessDecidedInTime,
    /// … and refused (reg 5).
    AssessRefused,
    /// The LA decided whether to issue a plan.
    IssueDecided,
    /// … and refused (reg 10).
    IssueRefused,
    /// A final plan was issued.
    FinalIssued,
    /// … within 20 weeks of the request (reg 13(2)).
    FinalInTime,
    /// A final plan was issued on a case no exception excused (reg 13(3)).
    FinalIssuedNoException,
    /// … within 20 weeks.
    FinalInTimeNoException,
    /// An annual review meeting fell due (reg 18), counted on its due date.
    ReviewDue,
    /// … and was held by then.
    ReviewDueMet,
    /// An annual review meeting was held.
    ReviewHeld,
    /// The LA decided after a review meeting (reg 20, 21).
    ReviewDecided,
    /// … within 4 weeks of the meeting.
    ReviewDecidedInTime,
    /// A final amended plan fell due, 8 weeks after the proposed amendments (reg 22(3)),
    /// counted on its due date.
    AmendedPlanDue,
    /// … and was issued by then.
    AmendedPlanDueMet,
}

impl Flow {
    /// Every flow.
    pub const ALL: [Flow; 17] = [
        Flow::RequestReceived,
        Flow::AssessDecided,
        Flow::AssessDecidedInTime,
        Flow::AssessRefused,
        Flow::IssueDecided,
        Flow::IssueRefused,
        Flow::FinalIssued,
        Flow::FinalInTime,
        Flow::FinalIssuedNoException,
        Flow::FinalInTimeNoException,
        Flow::ReviewDue,
        Flow::ReviewDueMet,
        Flow::ReviewHeld,
        Flow::ReviewDecided,
        Flow::ReviewDecidedInTime,
        Flow::AmendedPlanDue,
        Flow::AmendedPlanDueMet,
    ];

    /// The stable key a store keeps the flow's counts under.
    pub fn key(self) -> &'static str {
        match self {
            Flow::RequestReceived => "request_received",
            Flow::AssessDecided => "assess_decided",
            Flow::AssessDecidedInTime => "assess_decided_in_time",
            Flow::AssessRefused => "assess_refused",
            Flow::IssueDecided => "issue_decided",
            Flow::IssueRefused => "issue_refused",
            Flow::FinalIssued => "final_issued",
            Flow::FinalInTime => "final_in_time",
            Flow::FinalIssuedNoException => "final_issued_no_exception",
            Flow::FinalInTimeNoException => "final_in_time_no_exception",
            Flow::ReviewDue => "review_due",
            Flow::ReviewDueMet => "review_due_met",
            Flow::ReviewHeld => "review_held",
            Flow::ReviewDecided => "review_decided",
            Flow::ReviewDecidedInTime => "review_decided_in_time",
            Flow::AmendedPlanDue => "amended_plan_due",
            Flow::AmendedPlanDueMet => "amended_plan_due_met",
        }
    }

    /// The flow with this key.
    pub fn from_key(key: &str) -> Option<Flow> {
        Flow::ALL.into_iter().find(|f| f.key() == key)
    }
}

/// Flows written as text for a store's column: `key:YYYY-MM-DD` separated by spaces.
pub fn encode_flows(flows: &[(Flow, NaiveDate)]) -> String {
    flows
        .iter()
        .map(|(flow, day)| format!("{}:{}", flow.key(), day.format("%Y-%m-%d")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Flows read back from [`encode_flows`]'s text; `None` if any part is not one.
pub fn decode_flows(text: &str) -> Option<Vec<(Flow, NaiveDate)>> {
    text.split_whitespace()
        .map(|part| {
            let (key, day) = part.split_once(':')?;
            Some((
                Flow::from_key(key)?,
                NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?,
            ))
        })
        .collect()
}

impl KpiFacts {
    /// The case's flows, each with the day it happened.
    ///
    /// # Errors
    /// A request date too near the end of the calendar for its clocks.
    pub fn flows(&self) -> Result<Vec<(Flow, NaiveDate)>, ClockError> {
        self.flow_facts().flows()
    }

    /// The few facts its flows depend on.
    pub fn flow_facts(&self) -> FlowFacts<'_> {
        FlowFacts {
            request_received: self.request_received,
            assessment: self.assessment,
            issue: self.issue,
            final_issued: self.final_issued,
            final_excused: self.final_excused,
            review_flows: &self.review_flows,
        }
    }
}

/// What a case's flows depend on: the dates of its request, its decisions and its final plan,
/// whether an exception excused the plan, and its review flows. Nothing else of
/// [`KpiFacts`] (not the stage, the need, the placement or the caseworker), so a store can
/// count the flows from the columns it keeps for them without making the rest up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowFacts<'a> {
    /// The day the request was received.
    pub request_received: NaiveDate,
    /// The decision whether to assess: when, and yes or no.
    pub assessment: Option<(NaiveDate, bool)>,
    /// The decision whether to issue a plan: when, and yes or no.
    pub issue: Option<(NaiveDate, bool)>,
    /// The day the final plan was issued.
    pub final_issued: Option<NaiveDate>,
    /// Whether an exception excused the final plan's lateness (reg 13(3)).
    pub final_excused: bool,
    /// The flows of the plan's annual reviews and amendments ([`review_flows`]).
    pub review_flows: &'a [(Flow, NaiveDate)],
}

impl FlowFacts<'_> {
    /// The flows, each with the day it happened: the request; the decision whether to assess,
    /// within 6 weeks or not (reg 4(1), 5(1)), and a refusal; the decision whether to issue and
    /// a refusal (reg 10); the final plan, within 20 weeks or not, with and without exception
    /// cases (reg 13(2), 13(3)); then the review flows.
    ///
    /// # Errors
    /// A request date too near the end of the calendar for its clocks.
    pub fn flows(&self) -> Result<Vec<(Flow, NaiveDate)>, ClockError> {
        let mut out = vec![(Flow::RequestReceived, self.request_received)];
        if let Some((on, yes)) = self.assessment {
            out.push((Flow::AssessDecided, on));
            if on <= clock::decide_whether_to_assess_by(self.request_received)? {
                out.push((Flow::AssessDecidedInTime, on));
            }
            if !yes {
                out.push((Flow::AssessRefused, on));
            }
        }
        if let Some((on, yes)) = self.issue {
            out.push((Flow::IssueDecided, on));
            if !yes {
                out.push((Flow::IssueRefused, on));
            }
        }
        if let Some(on) = self.final_issued {
            let in_time = on <= clock::final_plan_by(self.request_received)?;
            out.push((Flow::FinalIssued, on));
            if in_time {
                out.push((Flow::FinalInTime, on));
            }
            if !self.final_excused {
                out.push((Flow::FinalIssuedNoException, on));
                if in_time {
                    out.push((Flow::FinalInTimeNoException, on));
                }
            }
        }
        out.extend_from_slice(self.review_flows);
        Ok(out)
    }
}

impl PeriodFigures {
    /// Adds `n` of a flow to the figures.
    pub fn add_flow(&mut self, flow: Flow, n: u32) {
        match flow {
            Flow::RequestReceived => self.requests_received += n,
            Flow::AssessDecided => {
                self.decided_within_six_weeks.whole += n;
                self.refused_to_assess.whole += n;
            }
            Flow::AssessDecidedInTime => self.decided_within_six_weeks.part += n,
            Flow::AssessRefused => self.refused_to_assess.part += n,
            Flow::IssueDecided => self.refused_to_issue.whole += n,
            Flow::IssueRefused => self.refused_to_issue.part += n,
            Flow::FinalIssued => self.twenty_weeks.issued += n,
            Flow::FinalInTime => self.twenty_weeks.within += n,
            Flow::FinalIssuedNoException => self.twenty_weeks.issued_excluding_exceptions += n,
            Flow::FinalInTimeNoException => self.twenty_weeks.within_excluding_exceptions += n,
            Flow::ReviewDue => self.reviews.held_by_due_date.whole += n,
            Flow::ReviewDueMet => self.reviews.held_by_due_date.part += n,
            Flow::ReviewHeld => self.reviews.held += n,
            Flow::ReviewDecided => self.reviews.decided_within_four_weeks.whole += n,
            Flow::ReviewDecidedInTime => self.reviews.decided_within_four_weeks.part += n,
            Flow::AmendedPlanDue => self.reviews.amended_within_eight_weeks.whole += n,
            Flow::AmendedPlanDueMet => self.reviews.amended_within_eight_weeks.part += n,
        }
    }
}

/// Adds one case's flows to the figures of the slot each flow's day falls in.
fn count_flows(
    f: &KpiFacts,
    slot: impl Fn(NaiveDate) -> Option<usize>,
    out: &mut [PeriodFigures],
) -> Result<(), ClockError> {
    let slots = out.len();
    for (flow, day) in f.flows()? {
        if let Some(i) = slot(day).filter(|i| *i < slots) {
            out[i].add_flow(flow, 1);
        }
    }
    Ok(())
}

/// The stage an open request is at on a day, from its decision dates. (The facts keep no
/// date for serving the draft, so writing and consulting on the draft are one stage.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum OpenStage {
    /// No decision yet whether to assess (reg 4–5).
    DecidingWhetherToAssess,
    /// Assessing; no decision yet whether to issue a plan (reg 6–10).
    Assessing,
    /// Decided to issue; the draft is being written or consulted on (reg 11–14).
    WritingThePlan,
}

impl OpenStage {
    /// Every stage, in process order.
    pub const ALL: [OpenStage; 3] = [
        OpenStage::DecidingWhetherToAssess,
        OpenStage::Assessing,
        OpenStage::WritingThePlan,
    ];

    /// A stable key for URLs and exports.
    pub fn key(self) -> &'static str {
        match self {
            OpenStage::DecidingWhetherToAssess => "deciding",
            OpenStage::Assessing => "assessing",
            OpenStage::WritingThePlan => "writing_plan",
        }
    }

    /// The stage whose key this is.
    pub fn from_key(key: &str) -> Option<OpenStage> {
        OpenStage::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The stage in plain words.
    pub fn label(self) -> &'static str {
        match self {
            OpenStage::DecidingWhetherToAssess => "Deciding whether to assess",
            OpenStage::Assessing => "Assessing",
            OpenStage::WritingThePlan => "Writing or consulting on the plan",
        }
    }
}

/// How long ago an open request was received, in whole weeks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum RequestAge {
    /// Under 6 weeks: the decision whether to assess is not yet due.
    UnderSixWeeks,
    /// 6 weeks to under 20: the final plan is not yet due.
    SixToTwentyWeeks,
    /// 20 weeks to under 30: past the 20 weeks.
    TwentyToThirtyWeeks,
    /// 30 weeks or more.
    ThirtyWeeksOrMore,
}

impl RequestAge {
    /// Every age band, youngest first.
    pub const ALL: [RequestAge; 4] = [
        RequestAge::UnderSixWeeks,
        RequestAge::SixToTwentyWeeks,
        RequestAge::TwentyToThirtyWeeks,
        RequestAge::ThirtyWeeksOrMore,
    ];

    /// The band of a request received `received`, on `on`.
    pub fn of(received: NaiveDate, on: NaiveDate) -> RequestAge {
        match (on - received).num_days() / 7 {
            ..6 => RequestAge::UnderSixWeeks,
            6..20 => RequestAge::SixToTwentyWeeks,
            20..30 => RequestAge::TwentyToThirtyWeeks,
            _ => RequestAge::ThirtyWeeksOrMore,
        }
    }

    /// A stable key for URLs and exports.
    pub fn key(self) -> &'static str {
        match self {
            RequestAge::UnderSixWeeks => "0-6",
            RequestAge::SixToTwentyWeeks => "6-20",
            RequestAge::TwentyToThirtyWeeks => "20-30",
            RequestAge::ThirtyWeeksOrMore => "30+",
        }
    }

    /// The band whose key this is.
    pub fn from_key(key: &str) -> Option<RequestAge> {
        RequestAge::ALL.into_iter().find(|a| a.key() == key)
    }

    /// The band in plain words.
    pub fn label(self) -> &'static str {
        match self {
            RequestAge::UnderSixWeeks => "Under 6 weeks",
            RequestAge::SixToTwentyWeeks => "6 to 20 weeks",
            RequestAge::TwentyToThirtyWeeks => "20 to 30 weeks",
            RequestAge::ThirtyWeeksOrMore => "30 weeks or more",
        }
    }
}

impl KpiFacts {
    /// Whether the case is closed on `on`.
    fn closed_by(&self, on: NaiveDate) -> bool {
        self.closed_on.is_some_and(|c| c <= on)
    }

    /// If the request is open on `on` (received, not closed, not refused, no final plan
    /// yet), its stage and age that day.
    pub fn open_request_on(&self, on: NaiveDate) -> Option<(OpenStage, RequestAge)> {
        let by = |d: Option<(NaiveDate, bool)>| d.filter(|(day, _)| *day <= on);
        if self.request_received > on
            || self.closed_by(on)
            || self.final_issued.is_some_and(|i| i <= on)
        {
            return None;
        }
        let stage = match (by(self.assessment), by(self.issue)) {
            (None, _) => OpenStage::DecidingWhetherToAssess,
            (Some((_, false)), _) | (Some(_), Some((_, false))) => return None,
            (Some(_), None) => OpenStage::Assessing,
            (Some(_), Some((_, true))) => OpenStage::WritingThePlan,
        };
        Some((stage, RequestAge::of(self.request_received, on)))
    }

    /// Whether a plan is maintained on `on`: issued by then and the case not closed.
    pub fn plan_active_on(&self, on: NaiveDate) -> bool {
        self.final_issued.is_some_and(|i| i <= on) && !self.closed_by(on)
    }

    /// Whether the case is open on `on`: received by then and not closed.
    pub fn open_on(&self, on: NaiveDate) -> bool {
        self.request_received <= on && !self.closed_by(on)
    }
}

/// Open requests on a day, by stage and by age of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Backlog {
    /// The day counted.
    pub on: NaiveDate,
    /// Counts by [`OpenStage`] (rows, in `OpenStage::ALL` order) and [`RequestAge`]
    /// (columns, in `RequestAge::ALL` order).
    pub counts: [[u32; 4]; 3],
}

impl Backlog {
    /// An empty backlog on `on`.
    pub fn empty(on: NaiveDate) -> Backlog {
        Backlog {
            on,
            counts: [[0; 4]; 3],
        }
    }

    fn add(&mut self, f: &KpiFacts) {
        if let Some((stage, age)) = f.open_request_on(self.on) {
            self.counts[stage as usize][age as usize] += 1;
        }
    }

    /// Open requests at a stage and age.
    pub fn count(&self, stage: OpenStage, age: RequestAge) -> u32 {
        self.counts[stage as usize][age as usize]
    }

    /// Open requests at a stage.
    pub fn at_stage(&self, stage: OpenStage) -> u32 {
        self.counts[stage as usize].iter().sum()
    }

    /// Open requests of an age.
    pub fn of_age(&self, age: RequestAge) -> u32 {
        self.counts.iter().map(|row| row[age as usize]).sum()
    }

    /// All open requests.
    pub fn total(&self) -> u32 {
        self.counts.iter().flatten().sum()
    }
}

/// The SEN2 age groups of children and young people with a plan, by age on the day counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum AgeGroup {
    /// Under 5.
    UnderFive,
    /// 5 to 10.
    FiveToTen,
    /// 11 to 15.
    ElevenToFifteen,
    /// 16 to 19.
    SixteenToNineteen,
    /// 20 and over (a plan may be kept to age 25: s.46 Children and Families Act 2014).
    TwentyAndOver,
}

impl AgeGroup {
    /// Every group, youngest first.
    pub const ALL: [AgeGroup; 5] = [
        AgeGroup::UnderFive,
        AgeGroup::FiveToTen,
        AgeGroup::ElevenToFifteen,
        AgeGroup::SixteenToNineteen,
        AgeGroup::TwentyAndOver,
    ];

    /// The group of someone born `born`, on `on`.
    pub fn of(born: NaiveDate, on: NaiveDate) -> AgeGroup {
        match on.years_since(born).unwrap_or(0) {
            ..5 => AgeGroup::UnderFive,
            5..=10 => AgeGroup::FiveToTen,
            11..=15 => AgeGroup::ElevenToFifteen,
            16..=19 => AgeGroup::SixteenToNineteen,
            _ => AgeGroup::TwentyAndOver,
        }
    }

    /// A stable key for exports.
    pub fn key(self) -> &'static str {
        match self {
            AgeGroup::UnderFive => "under-5",
            AgeGroup::FiveToTen => "5-10",
            AgeGroup::ElevenToFifteen => "11-15",
            AgeGroup::SixteenToNineteen => "16-19",
            AgeGroup::TwentyAndOver => "20+",
        }
    }

    /// The group in plain words.
    pub fn label(self) -> &'static str {
        match self {
            AgeGroup::UnderFive => "Under 5",
            AgeGroup::FiveToTen => "5 to 10",
            AgeGroup::ElevenToFifteen => "11 to 15",
            AgeGroup::SixteenToNineteen => "16 to 19",
            AgeGroup::TwentyAndOver => "20 and over",
        }
    }
}

/// How many of something have a code (none: not recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// The SEN2 code, if recorded.
    pub code: Option<String>,
    /// How many.
    pub count: u32,
}

fn tallies(map: BTreeMap<Option<String>, u32>) -> Vec<Tally> {
    let mut out: Vec<Tally> = map
        .into_iter()
        .map(|(code, count)| Tally { code, count })
        .collect();
    // Most first; equal counts in code order with "not recorded" last.
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.code.is_none().cmp(&b.code.is_none()))
            .then_with(|| a.code.cmp(&b.code))
    });
    out
}

/// Plans maintained on a day (issued and the case not closed; s.37 of the Children and
/// Families Act 2014), by age group, primary need and placement type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivePlans {
    /// The day counted.
    pub on: NaiveDate,
    /// All plans maintained.
    pub total: u32,
    /// By [`AgeGroup`], in `AgeGroup::ALL` order.
    pub by_age: [u32; 5],
    /// By primary type of need (SEN2 code), most first.
    pub by_need: Vec<Tally>,
    /// By placement type (SEN2 code), most first.
    pub by_placement: Vec<Tally>,
}

/// One caseworker's open cases on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseworkerLoad {
    /// The caseworker's user reference; none for cases not allocated.
    pub caseworker: Option<String>,
    /// Cases received by then and not closed (requests and maintained plans).
    pub open_cases: u32,
    /// Of those, open requests (the backlog).
    pub open_requests: u32,
}

/// Every figure for one LA (or all together) over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpis {
    /// The period.
    pub period: Period,
    /// What happened in it.
    pub figures: PeriodFigures,
    /// Open requests on its last day.
    pub backlog: Backlog,
    /// Plans maintained on its last day.
    pub active_plans: ActivePlans,
    /// Open cases per caseworker on its last day, most first, unallocated last.
    pub caseload: Vec<CaseworkerLoad>,
}

/// Gathers [`Kpis`] one case at a time, so many LAs can be counted in one pass.
#[derive(Debug, Clone)]
struct Counter {
    period: Period,
    figures: PeriodFigures,
    backlog: Backlog,
    active: u32,
    by_age: [u32; 5],
    by_need: BTreeMap<Option<String>, u32>,
    by_placement: BTreeMap<Option<String>, u32>,
    caseload: BTreeMap<Option<String>, (u32, u32)>,
}

impl Counter {
    fn new(period: Period) -> Counter {
        Counter {
            period,
            figures: PeriodFigures::default(),
            backlog: Backlog::empty(period.to),
            active: 0,
            by_age: [0; 5],
            by_need: BTreeMap::new(),
            by_placement: BTreeMap::new(),
            caseload: BTreeMap::new(),
        }
    }

    fn add(&mut self, f: &KpiFacts) -> Result<(), ClockError> {
        let on = self.period.to;
        let period = self.period;
        count_flows(
            f,
            |d| period.contains(d).then_some(0),
            std::slice::from_mut(&mut self.figures),
        )?;
        self.backlog.add(f);
        if f.plan_active_on(on) {
            self.active += 1;
            self.by_age[AgeGroup::of(f.date_of_birth, on) as usize] += 1;
            *self.by_need.entry(f.primary_need.clone()).or_default() += 1;
            *self
                .by_placement
                .entry(f.placement_type.clone())
                .or_default() += 1;
        }
        if f.open_on(on) {
            let load = self.caseload.entry(f.caseworker.clone()).or_default();
            load.0 += 1;
            load.1 += u32::from(f.open_request_on(on).is_some());
        }
        Ok(())
    }

    fn finish(self) -> Kpis {
        let mut caseload: Vec<CaseworkerLoad> = self
            .caseload
            .into_iter()
            .map(|(caseworker, (open_cases, open_requests))| CaseworkerLoad {
                caseworker,
                open_cases,
                open_requests,
            })
            .collect();
        caseload.sort_by(|a, b| {
            a.caseworker
                .is_none()
                .cmp(&b.caseworker.is_none())
                .then_with(|| b.open_cases.cmp(&a.open_cases))
                .then_with(|| a.caseworker.cmp(&b.caseworker))
        });
        Kpis {
            period: self.period,
            figures: self.figures,
            backlog: self.backlog,
            active_plans: ActivePlans {
                on: self.period.to,
                total: self.active,
                by_age: self.by_age,
                by_need: tallies(self.by_need),
                by_placement: tallies(self.by_placement),
            },
            caseload,
        }
    }
}

/// Every figure over `facts` for `period`.
///
/// # Errors
/// A request date too near the end of the calendar for its clocks.
pub fn kpis<'a>(
    facts: impl IntoIterator<Item = &'a KpiFacts>,
    period: Period,
) -> Result<Kpis, ClockError> {
    let mut t = Counter::new(period);
    for f in facts {
        t.add(f)?;
    }
    Ok(t.finish())
}

/// Every figure per LA and for all the LAs given together (the national roll-up, when the
/// facts are every LA's), in one pass over the facts.
///
/// # Errors
/// As [`kpis`].
pub fn by_la<'a>(
    facts: impl IntoIterator<Item = (&'a LaCode, &'a KpiFacts)>,
    period: Period,
) -> Result<(Kpis, BTreeMap<LaCode, Kpis>), ClockError> {
    let mut all = Counter::new(period);
    let mut each: BTreeMap<LaCode, Counter> = BTreeMap::new();
    for (la, f) in facts {
        all.add(f)?;
        match each.get_mut(la) {
            Some(t) => t.add(f)?,
            None => {
                let mut t = Counter::new(period);
                t.add(f)?;
                each.insert(la.clone(), t);
            }
        }
    }
    Ok((
        all.finish(),
        each.into_iter().map(|(la, t)| (la, t.finish())).collect(),
    ))
}

/// One calendar month of a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MonthFigures {
    /// The month, cut to the period asked for.
    pub month: Period,
    /// What happened in it.
    pub figures: PeriodFigures,
}

/// The period's figures month by month (at most [`MAX_MONTHS`]), oldest first; the months
/// add up to the whole period's figures.
///
/// # Errors
/// As [`kpis`].
pub fn trend<'a>(
    facts: impl IntoIterator<Item = &'a KpiFacts>,
    period: Period,
) -> Result<Vec<MonthFigures>, ClockError> {
    let months = period.months();
    let mut figures = vec![PeriodFigures::default(); months.len()];
    for f in facts {
        count_flows(f, |d| period.month_of(d), &mut figures)?;
    }
    Ok(months
        .into_iter()
        .zip(figures)
        .map(|(month, figures)| MonthFigures { month, figures })
        .collect())
}

/// A figure a page can show the cases behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Figure {
    /// Requests received in the period.
    RequestsReceived,
    /// Decisions whether to assess made in the period later than 6 weeks.
    DecidedLate,
    /// Refusals to assess made in the period.
    RefusedToAssess,
    /// Refusals to issue made in the period.
    RefusedToIssue,
    /// Final plans issued in the period later than 20 weeks.
    IssuedLate,
    /// Open requests on the last day, optionally of one stage and/or age.
    Open(Option<OpenStage>, Option<RequestAge>),
    /// Plans maintained on the last day.
    ActivePlans,
    /// Annual reviews due in the period and not held by their due date.
    ReviewsOverdue,
    /// Final amended plans due in the period and not issued within 8 weeks.
    AmendedLate,
}

impl Figure {
    /// Whether a case counts towards the figure over `period`.
    ///
    /// # Errors
    /// As [`kpis`].
    pub fn counts(self, f: &KpiFacts, period: Period) -> Result<bool, ClockError> {
        let inside = |d: Option<NaiveDate>| d.is_some_and(|d| period.contains(d));
        Ok(match self {
            Figure::RequestsReceived => period.contains(f.request_received),
            Figure::DecidedLate => match f.assessment {
                Some((on, _)) if period.contains(on) => {
                    on > clock::decide_whether_to_assess_by(f.request_received)?
                }
                _ => false,
            },
            Figure::RefusedToAssess => {
                matches!(f.assessment, Some((on, false)) if period.contains(on))
            }
            Figure::RefusedToIssue => matches!(f.issue, Some((on, false)) if period.contains(on)),
            Figure::IssuedLate => {
                inside(f.final_issued)
                    && f.final_issued > Some(clock::final_plan_by(f.request_received)?)
            }
            Figure::Open(stage, age) => f.open_request_on(period.to).is_some_and(|(s, a)| {
                stage.is_none_or(|want| want == s) && age.is_none_or(|want| want == a)
            }),
            Figure::ActivePlans => f.plan_active_on(period.to),
            Figure::ReviewsOverdue => missed(f, Flow::ReviewDue, Flow::ReviewDueMet, period),
            Figure::AmendedLate => missed(f, Flow::AmendedPlanDue, Flow::AmendedPlanDueMet, period),
        })
    }
}

/// Whether a case has a `due` flow in the period with no `met` flow on the same day.
fn missed(f: &KpiFacts, due: Flow, met: Flow, period: Period) -> bool {
    f.review_flows.iter().any(|(flow, day)| {
        *flow == due && period.contains(*day) && !f.review_flows.contains(&(met, *day))
    })
}

/// One line of an export: a figure, or a part of one, for one LA over a period. Exports
/// (CSV, spreadsheet, JSON) are these rows, so every format says the same.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportRow {
    /// Which table: `figures`, `trend`, `backlog`, `active_plans` or `caseload`.
    pub table: &'static str,
    /// The LA's code, or `all` for the roll-up.
    pub la: String,
    /// The period's first day.
    pub from: NaiveDate,
    /// The period's (or month's) last day.
    pub to: NaiveDate,
    /// What is counted (e.g. `twenty_weeks`).
    pub measure: &'static str,
    /// Which part (e.g. `assessing/6-20`, `need/ASD`, a month `2026-01`); empty for the whole.
    pub breakdown: String,
    /// The count, or the numerator of a share.
    pub value: u32,
    /// The denominator of a share.
    pub of: Option<u32>,
}

impl ExportRow {
    /// The share as a percentage, for shares.
    pub fn percent(&self) -> Option<f64> {
        self.of.and_then(|of| percent(self.value, of))
    }

    /// The column names, in the order of [`ExportRow::cells`].
    pub const COLUMNS: [&'static str; 9] = [
        "table",
        "la",
        "from",
        "to",
        "measure",
        "breakdown",
        "value",
        "of",
        "percent",
    ];

    /// The row as text, one per column (an empty cell for no denominator or percentage).
    pub fn cells(&self) -> [String; 9] {
        [
            self.table.to_string(),
            self.la.clone(),
            self.from.to_string(),
            self.to.to_string(),
            self.measure.to_string(),
            self.breakdown.clone(),
            self.value.to_string(),
            self.of.map(|o| o.to_string()).unwrap_or_default(),
            self.percent()
                .map(|p| format!("{p:.1}"))
                .unwrap_or_default(),
        ]
    }
}

fn flow_rows(
    table: &'static str,
    la: &str,
    period: Period,
    breakdown: &str,
    f: &PeriodFigures,
    out: &mut Vec<ExportRow>,
) {
    let row = |measure, value, of| ExportRow {
        table,
        la: la.to_string(),
        from: period.from,
        to: period.to,
        measure,
        breakdown: breakdown.to_string(),
        value,
        of,
    };
    let share = |measure, s: Share| row(measure, s.part, Some(s.whole));
    out.extend([
        row("requests_received", f.requests_received, None),
        share("decided_within_six_weeks", f.decided_within_six_weeks),
        share("refused_to_assess", f.refused_to_assess),
        share("refused_to_issue", f.refused_to_issue),
        share("twenty_weeks", f.twenty_weeks.share()),
        share(
            "twenty_weeks_excluding_exceptions",
            f.twenty_weeks.share_excluding_exceptions(),
        ),
        share("reviews_held_by_due_date", f.reviews.held_by_due_date),
        row("reviews_held", f.reviews.held, None),
        share(
            "review_decisions_within_four_weeks",
            f.reviews.decided_within_four_weeks,
        ),
        share(
            "amended_plans_within_eight_weeks",
            f.reviews.amended_within_eight_weeks,
        ),
    ]);
}

/// Every figure of `kpis` and its monthly `trend` as export rows, for the LA `la` (or `all`).
pub fn export_rows(la: &str, kpis: &Kpis, trend: &[MonthFigures]) -> Vec<ExportRow> {
    let mut out = Vec::new();
    let p = kpis.period;
    flow_rows("figures", la, p, "", &kpis.figures, &mut out);
    for m in trend {
        let month = m.month.from.format("%Y-%m").to_string();
        flow_rows("trend", la, m.month, &month, &m.figures, &mut out);
    }
    let on = |table, measure, breakdown: String, value| ExportRow {
        table,
        la: la.to_string(),
        from: p.from,
        to: p.to,
        measure,
        breakdown,
        value,
        of: None,
    };
    let b = &kpis.backlog;
    out.push(on("backlog", "open_requests", String::new(), b.total()));
    for stage in OpenStage::ALL {
        out.push(on(
            "backlog",
            "open_requests",
            stage.key().into(),
            b.at_stage(stage),
        ));
        for age in RequestAge::ALL {
            out.push(on(
                "backlog",
                "open_requests",
                format!("{}/{}", stage.key(), age.key()),
                b.count(stage, age),
            ));
        }
    }
    for age in RequestAge::ALL {
        out.push(on(
            "backlog",
            "open_requests",
            format!("age/{}", age.key()),
            b.of_age(age),
        ));
    }
    let a = &kpis.active_plans;
    out.push(on("active_plans", "active_plans", String::new(), a.total));
    for (group, n) in AgeGroup::ALL.iter().zip(a.by_age) {
        out.push(on(
            "active_plans",
            "active_plans",
            format!("age/{}", group.key()),
            n,
        ));
    }
    let code = |t: &Tally| t.code.clone().unwrap_or_else(|| "not_recorded".into());
    for t in &a.by_need {
        out.push(on(
            "active_plans",
            "active_plans",
            format!("need/{}", code(t)),
            t.count,
        ));
    }
    for t in &a.by_placement {
        out.push(on(
            "active_plans",
            "active_plans",
            format!("placement/{}", code(t)),
            t.count,
        ));
    }
    for c in &kpis.caseload {
        let who = c.caseworker.clone().unwrap_or_else(|| "unallocated".into());
        out.push(on("caseload", "open_cases", who.clone(), c.open_cases));
        out.push(on("caseload", "open_requests", who, c.open_requests));
    }
    out
}

#[cfg(test)]
mod hand_worked;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::case::{Child, FinalPlan, Placement, RecordedException, Request};
    use crate::clock::{Exception, ExceptionKind};
    use crate::ids::LaCode;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn case(received: &str, issued: Option<&str>, absent: Option<(&str, &str)>) -> Case {
        let mut c = Case::start(
            LaCode::parse("202").unwrap(),
            "R".into(),
            Child {
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
            Request {
                received: d(received),
                source: "PAR".into(),
                reasons: "r".into(),
            },
        );
        c.final_plan = issued.map(|i| FinalPlan {
            issued: d(i),
            version: 0,
            placement: Placement {
                urn: Some("100000".into()),
                setting_code: None,
                name: "S".into(),
                placement_type: "MS".into(),
            },
        });
        if let Some((from, to)) = absent {
            c.exceptions.push(RecordedException {
                exception: Exception::new(ExceptionKind::AbsentFromArea, d(from), Some(d(to)))
                    .unwrap(),
                note: "n".into(),
            });
        }
        c
    }

    #[test]
    fn twenty_weeks_counts_with_and_without_exception_cases() {
        let cases = [
            // due 25 May 2026: on time
            case("2026-01-05", Some("2026-05-25"), None),
            // one day late
            case("2026-01-05", Some("2026-05-26"), None),
            // late, but the family was away for 6 weeks: an exception case
            case(
                "2026-01-05",
                Some("2026-06-30"),
                Some(("2026-02-01", "2026-03-15")),
            ),
            // issued outside the period
            case("2025-01-06", Some("2025-05-20"), None),
            // no plan yet
            case("2026-09-01", None, None),
        ];
        let m = twenty_weeks(
            &cases,
            d("2026-01-01"),
            d("2026-12-31"),
            &WorkingDayCalendar::england_and_wales(),
        )
        .unwrap();
        assert_eq!(
            m,
            TwentyWeeks {
                issued: 3,
                within: 1,
                issued_excluding_exceptions: 2,
                within_excluding_exceptions: 1,
            }
        );
        assert_eq!(m.percent_excluding_exceptions(), Some(50.0));
        assert!((m.percent().unwrap() - 100.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn lenient_facts_leave_the_plan_unexcused_where_the_calendar_runs_out() {
        let calendar = WorkingDayCalendar::england_and_wales();
        // Late, with the family away for 6 weeks: excused (reg 13(3)).
        let excused = case(
            "2026-01-05",
            Some("2026-06-30"),
            Some(("2026-02-01", "2026-03-15")),
        );
        let facts = KpiFacts::of(&excused, &calendar).unwrap();
        assert!(facts.final_excused);
        assert_eq!(KpiFacts::of_lenient(&excused, &calendar), facts);
        // Mediation asked for in a year the bank holiday calendar does not cover: the clocks
        // cannot be read, so the exception cannot be shown to apply.
        let mut beyond = excused.clone();
        beyond.disagreement = Some(crate::clock::Disagreement {
            decision_notice: d("2026-06-30"),
            adviser_contacted: None,
            mediation_requested: Some(d("2035-01-10")),
            certificate_issued: None,
            mediation_held: None,
            appeal_lodged: None,
        });
        assert!(KpiFacts::of(&beyond, &calendar).is_err());
        assert_eq!(
            KpiFacts::of_lenient(&beyond, &calendar),
            KpiFacts {
                final_excused: false,
                ..facts.clone()
            }
        );
        // The flows need only the dates.
        assert_eq!(facts.flows().unwrap(), facts.flow_facts().flows().unwrap());
    }

    #[test]
    fn no_plans_is_no_figure_not_zero_percent() {
        let m = twenty_weeks(
            &[],
            d("2026-01-01"),
            d("2026-12-31"),
            &WorkingDayCalendar::england_and_wales(),
        )
        .unwrap();
        assert_eq!(m.percent(), None);
    }
}
