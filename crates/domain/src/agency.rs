//! Advice by agency: which organisations owe the council advice, how late, and how often they
//! answer within the 6 weeks of reg 8(1), month by month; and which requests are overdue
//! ([`overdue_advice`]). One definition, used by the managers' page and by reports
//! (`waymark_app::reports`).

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::case::{AdviceKind, AdviceRequest, Case};
use crate::clock;

/// A calendar month, as `(year, month)`.
pub type Month = (i32, u32);

/// One organisation's advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyAdvice {
    /// The organisation, as the advice requests name it.
    pub organisation: String,
    /// What kind of advice it gives (the most recent request's kind).
    pub kind: AdviceKind,
    /// Requests not yet answered, on open cases.
    pub open: u32,
    /// Of those, past their 6 weeks.
    pub overdue: u32,
    /// The longest an open request is overdue, in days.
    pub most_days_overdue: i64,
    /// Answered requests whose due date fell in the months reported.
    pub answered: u32,
    /// Of those, answered within the 6 weeks.
    pub answered_on_time: u32,
    /// Per month (by due date), oldest first: requests due, and answered within 6 weeks.
    pub by_month: Vec<MonthFigures>,
}

/// One month of an organisation's advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MonthFigures {
    /// The month.
    pub month: Month,
    /// Requests due in the month (answered or not).
    pub due: u32,
    /// Of those, answered by their due date.
    pub on_time: u32,
}

impl AgencyAdvice {
    /// The share answered within 6 weeks, as a percentage.
    pub fn on_time_percent(&self) -> Option<f64> {
        (self.answered > 0)
            .then(|| f64::from(self.answered_on_time) * 100.0 / f64::from(self.answered))
    }
}

/// One request for advice that is overdue: unanswered after its 6 weeks (reg 8(1)), on an
/// open case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueAdvice {
    /// The request's number on its case.
    pub number: u32,
    /// The organisation asked.
    pub organisation: String,
    /// The kind of advice asked for.
    pub kind: AdviceKind,
    /// When it was asked for.
    pub requested: NaiveDate,
    /// When it was due (6 weeks later).
    pub due: NaiveDate,
    /// How many days after that `today` is.
    pub days_overdue: i64,
}

/// A request still owed on `today`, with its due date: not answered on an open case. `None`
/// for one answered, on a closed case, or whose due date cannot be worked out.
fn owed(case: &Case, advice: &AdviceRequest) -> Option<NaiveDate> {
    if case.closure.is_some() || advice.received.is_some() {
        return None;
    }
    clock::advice_by(advice.requested).ok()
}

/// The requests for advice on `case` overdue on `today` (reg 8(1): 6 weeks from the request),
/// most overdue first.
pub fn overdue_advice(case: &Case, today: NaiveDate) -> Vec<OverdueAdvice> {
    let mut out: Vec<_> = case
        .advice
        .iter()
        .filter_map(|advice| {
            let due = owed(case, advice).filter(|due| *due < today)?;
            Some(OverdueAdvice {
                number: advice.number,
                organisation: advice.organisation.clone(),
                kind: advice.kind,
                requested: advice.requested,
                due,
                days_overdue: (today - due).num_days(),
            })
        })
        .collect();
    out.sort_by_key(|a| std::cmp::Reverse(a.days_overdue));
    out
}

/// The `months` months ending with the month of `today`, oldest first.
pub fn months_to(today: NaiveDate, months: u32) -> Vec<Month> {
    let first = today.with_day(1).unwrap_or(today);
    (0..months)
        .rev()
        .filter_map(|back| first.checked_sub_months(Months::new(back)))
        .map(|d| (d.year(), d.month()))
        .collect()
}

/// Advice by organisation over `cases`, read on `today`, with a trend over the last `months`
/// months. Organisations that owe most come first (most overdue, then most open).
pub fn advice_by_organisation<'a>(
    cases: impl IntoIterator<Item = &'a Case>,
    today: NaiveDate,
    months: u32,
) -> Vec<AgencyAdvice> {
    let window = months_to(today, months);
    let mut by: BTreeMap<String, AgencyAdvice> = BTreeMap::new();
    for case in cases {
        for advice in &case.advice {
            let Ok(due) = clock::advice_by(advice.requested) else {
                continue;
            };
            let entry = by
                .entry(advice.organisation.clone())
                .or_insert_with(|| AgencyAdvice {
                    organisation: advice.organisation.clone(),
                    kind: advice.kind,
                    open: 0,
                    overdue: 0,
                    most_days_overdue: 0,
                    answered: 0,
                    answered_on_time: 0,
                    by_month: window
                        .iter()
                        .map(|month| MonthFigures {
                            month: *month,
                            due: 0,
                            on_time: 0,
                        })
                        .collect(),
                });
            entry.kind = advice.kind;
            let on_time = advice.received.is_some_and(|r| r <= due);
            if owed(case, advice).is_some() {
                entry.open += 1;
                if due < today {
                    entry.overdue += 1;
                    entry.most_days_overdue = entry.most_days_overdue.max((today - due).num_days());
                }
            }
            let month = (due.year(), due.month());
            if let Some(figures) = entry.by_month.iter_mut().find(|f| f.month == month) {
                if due <= today || advice.received.is_some() {
                    figures.due += 1;
                    if on_time {
                        figures.on_time += 1;
                    }
                }
                if advice.received.is_some() {
                    entry.answered += 1;
                    if on_time {
                        entry.answered_on_time += 1;
                    }
                }
            }
        }
    }
    let mut out: Vec<_> = by.into_values().collect();
    out.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(b.open.cmp(&a.open))
            .then(a.organisation.cmp(&b.organisation))
    });
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::case::{AdviceRequest, Child, Closure, ClosureReason, Request};
    use crate::ids::LaCode;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn case(advice: &[(&str, &str, Option<&str>)]) -> Case {
        let mut case = Case::start(
            LaCode::parse("990").unwrap(),
            "R".into(),
            Child {
                given_name: "A".into(),
                family_name: "B".into(),
                date_of_birth: d("2016-01-01"),
                upn: None,
                uln: None,
                nhs_number: None,
                address: None,
                parents: vec![],
                school: None,
            },
            Request {
                received: d("2026-01-05"),
                source: "PAR".into(),
                reasons: "x".into(),
            },
        );
        case.advice = advice
            .iter()
            .enumerate()
            .map(|(n, (org, requested, received))| AdviceRequest {
                number: u32::try_from(n).unwrap() + 1,
                kind: AdviceKind::Health,
                organisation: (*org).into(),
                requested: d(requested),
                received: received.map(d),
                document: None,
            })
            .collect();
        case
    }

    #[test]
    fn organisations_that_owe_most_come_first_with_their_figures() {
        // Today 1 June 2026. Trust: asked 2 March (due 13 April, 49 days overdue) and
        // 4 May (due 15 June, open but in time); answered 12 January → due 23 February,
        // received 20 February (on time). Clinic: asked 5 January (due 16 February),
        // received 2 March (late).
        let today = d("2026-06-01");
        let cases = [
            case(&[
                ("Trust", "2026-03-02", None),
                ("Trust", "2026-05-04", None),
                ("Clinic", "2026-01-05", Some("2026-03-02")),
            ]),
            case(&[("Trust", "2026-01-12", Some("2026-02-20"))]),
        ];
        let got = advice_by_organisation(&cases, today, 6);
        assert_eq!(got.len(), 2);
        let trust = &got[0];
        assert_eq!(trust.organisation, "Trust");
        assert_eq!(
            (trust.open, trust.overdue, trust.most_days_overdue),
            (2, 1, 49)
        );
        assert_eq!((trust.answered, trust.answered_on_time), (1, 1));
        assert_eq!(trust.on_time_percent(), Some(100.0));
        let clinic = &got[1];
        assert_eq!(
            (clinic.open, clinic.answered, clinic.answered_on_time),
            (0, 1, 0)
        );
        // Months January to June; February: Trust's answered request (on time);
        // April: Trust's overdue one (due, not on time); June: not yet due, not counted.
        let months: Vec<_> = trust
            .by_month
            .iter()
            .map(|m| (m.month, m.due, m.on_time))
            .collect();
        assert_eq!(
            months,
            [
                ((2026, 1), 0, 0),
                ((2026, 2), 1, 1),
                ((2026, 3), 0, 0),
                ((2026, 4), 1, 0),
                ((2026, 5), 0, 0),
                ((2026, 6), 0, 0),
            ]
        );
    }

    #[test]
    fn closed_cases_owe_nothing() {
        let mut closed = case(&[("Trust", "2026-03-02", None)]);
        closed.closure = Some(Closure {
            on: d("2026-03-10"),
            reason: ClosureReason::Withdrawn,
        });
        let got = advice_by_organisation([&closed], d("2026-06-01"), 3);
        assert_eq!((got[0].open, got[0].overdue), (0, 0));
    }

    #[test]
    fn overdue_advice_is_unanswered_past_six_weeks_on_an_open_case() {
        // Today 1 June 2026. reg 8(1): asked 2 March → due 13 April, 49 days overdue; asked
        // 20 April → due 1 June, due today so not yet overdue; asked 5 January and answered.
        let today = d("2026-06-01");
        let mut open = case(&[
            ("Trust", "2026-03-02", None),
            ("Clinic", "2026-04-20", None),
            ("School", "2026-01-05", Some("2026-02-01")),
            ("Service", "2026-02-02", None),
        ]);
        let got: Vec<_> = overdue_advice(&open, today)
            .into_iter()
            .map(|a| (a.number, a.organisation, a.due, a.days_overdue))
            .collect();
        // Most overdue first: the Service's (due 16 March, 77 days), then the Trust's.
        assert_eq!(
            got,
            [
                (4, "Service".to_string(), d("2026-03-16"), 77),
                (1, "Trust".to_string(), d("2026-04-13"), 49),
            ]
        );
        open.closure = Some(Closure {
            on: d("2026-05-01"),
            reason: ClosureReason::Withdrawn,
        });
        assert!(overdue_advice(&open, today).is_empty());
    }

    #[test]
    fn months_run_back_from_today() {
        assert_eq!(
            months_to(d("2026-01-31"), 3),
            [(2025, 11), (2025, 12), (2026, 1)]
        );
    }
}
