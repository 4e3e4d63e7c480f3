//! Key performance indicators, defined once so every page, report and export agrees.

use chrono::NaiveDate;
use serde::Serialize;

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
}

impl KpiFacts {
    /// The facts of a case.
    ///
    /// # Errors
    /// A date outside the bank holiday calendar.
    pub fn of(case: &Case, calendar: &WorkingDayCalendar) -> Result<KpiFacts, ClockError> {
        let final_excused = match &case.final_plan {
            Some(plan) => {
                let dates = case.clock_dates();
                clock::case_clocks(&dates, calendar)?
                    .iter()
                    .filter(|c| c.kind == ClockKind::FinalPlan)
                    .any(|c| {
                        !clock::read(c, &dates.exceptions, plan.issued, 0)
                            .exceptions
                            .is_empty()
                    })
            }
            None => false,
        };
        Ok(KpiFacts {
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
        })
    }
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
        m.issued += 1;
        m.within += u32::from(on_time);
        if !f.final_excused {
            m.issued_excluding_exceptions += 1;
            m.within_excluding_exceptions += u32::from(on_time);
        }
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
