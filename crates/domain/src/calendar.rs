//! The working-day calendar: Monday to Friday, less the bank holidays of one
//! division of the United Kingdom (England and Wales by default).
//!
//! Working days set complaint targets (LGSCO Complaint Handling Code: stage 1
//! acknowledged in 5 working days, answered in 10; stage 2 in 20), Ombudsman
//! response deadlines, mediation certificates (SEND Regulations 2014, reg 34:
//! 3 working days) and the area SEND inspection's priority action plan (35 and
//! 70 working days). The statutory EHC clock itself never uses working days:
//! see [`crate::clock`].
//!
//! Bank holidays are read from GOV.UK's `bank-holidays.json` format. A copy
//! covering England and Wales 2015–2030 is built in; an operator can load a
//! newer file with [`WorkingDayCalendar::from_govuk_json`] without a new
//! release. A date outside the years a file covers is an error rather than a
//! guess, because a missed bank holiday would move a deadline by a day.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

/// The division of GOV.UK's bank holiday file Waymark uses unless a local
/// authority is configured otherwise: English local authorities follow
/// England and Wales's bank holidays.
pub const DEFAULT_DIVISION: &str = "england-and-wales";

/// GOV.UK's bank holiday file for England and Wales, 2015–2030, as shipped.
/// 2028 onwards are projections until the holidays are proclaimed.
const EMBEDDED_GOVUK_JSON: &str = include_str!("../data/bank-holidays.json");

static ENGLAND_AND_WALES: LazyLock<WorkingDayCalendar> = LazyLock::new(|| {
    #[allow(
        clippy::expect_used,
        reason = "the embedded file is fixed at build time and \
                  `embedded_calendar_parses` proves it parses"
    )]
    WorkingDayCalendar::from_govuk_json(EMBEDDED_GOVUK_JSON, DEFAULT_DIVISION)
        .expect("the embedded bank holiday file parses")
});

/// Why a bank holiday file could not be loaded, or a working-day question
/// could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The text is not JSON in GOV.UK's shape; holds what the JSON parser said.
    #[error("the bank holiday file is not in GOV.UK's format: {0}")]
    Format(String),

    /// The file has no division with the name asked for.
    #[error(
        "the bank holiday file has no division '{division}'; it has: {}",
        .available.join(", ")
    )]
    UnknownDivision {
        /// The division asked for.
        division: String,
        /// The divisions the file does have, in alphabetical order.
        available: Vec<String>,
    },

    /// The division is present but lists no bank holidays, so it covers no years.
    #[error("the bank holiday file's division '{division}' lists no bank holidays")]
    NoEvents {
        /// The division asked for.
        division: String,
    },

    /// A date falls in a year the loaded bank holiday file does not cover.
    #[error("{}", out_of_range_message(*.date, *.first_year, *.last_year))]
    OutOfRange {
        /// The date that could not be checked.
        date: NaiveDate,
        /// The first year the calendar covers.
        first_year: i32,
        /// The last year the calendar covers.
        last_year: i32,
    },

    /// A span of days was asked for with its end before its start.
    #[error(
        "the end date {} is before the start date {}",
        long_date(*.to),
        long_date(*.from)
    )]
    Reversed {
        /// The start of the span.
        from: NaiveDate,
        /// The end of the span, which is before `from`.
        to: NaiveDate,
    },
}

fn out_of_range_message(date: NaiveDate, first_year: i32, last_year: i32) -> String {
    let advice = if date.year() > last_year {
        "load a newer calendar file"
    } else {
        "load a calendar file that goes back that far"
    };
    format!(
        "{} is outside the bank holiday calendar, which covers {first_year} to {last_year}; {advice}",
        long_date(date)
    )
}

/// A date as GOV.UK writes it, "4 March 2026": no leading zero, no day name, no ordinal. The
/// one long-date format: the domain's messages, the pages (`waymark_app::time::date`) and the
/// letters and plans (`waymark-letters`) all write dates with it.
pub fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// One division of GOV.UK's file; other fields ("division") are ignored.
#[derive(Deserialize)]
struct GovukDivision {
    events: Vec<GovukEvent>,
}

/// One bank holiday; other fields ("notes", "bunting") are ignored.
#[derive(Deserialize)]
struct GovukEvent {
    title: String,
    date: NaiveDate,
}

/// Which days are working days: Monday to Friday, not a bank holiday of one
/// division, within the years its bank holiday file covers.
#[derive(Clone, Debug)]
pub struct WorkingDayCalendar {
    division: String,
    holidays: BTreeMap<NaiveDate, String>,
    first_year: i32,
    last_year: i32,
}

impl WorkingDayCalendar {
    /// The calendar Waymark ships with: England and Wales, 2015–2030.
    pub fn england_and_wales() -> WorkingDayCalendar {
        ENGLAND_AND_WALES.clone()
    }

    /// Reads one division of a bank holiday file in GOV.UK's format
    /// (<https://www.gov.uk/bank-holidays.json>). The calendar covers every
    /// year from the earliest to the latest bank holiday listed.
    pub fn from_govuk_json(json: &str, division: &str) -> Result<Self, CalendarError> {
        let mut divisions: HashMap<String, GovukDivision> =
            serde_json::from_str(json).map_err(|e| CalendarError::Format(e.to_string()))?;
        let Some(found) = divisions.remove(division) else {
            let mut available: Vec<String> = divisions.into_keys().collect();
            available.sort();
            return Err(CalendarError::UnknownDivision {
                division: division.to_owned(),
                available,
            });
        };
        let holidays: BTreeMap<NaiveDate, String> = found
            .events
            .into_iter()
            .map(|event| (event.date, event.title))
            .collect();
        let (Some((first, _)), Some((last, _))) =
            (holidays.first_key_value(), holidays.last_key_value())
        else {
            return Err(CalendarError::NoEvents {
                division: division.to_owned(),
            });
        };
        Ok(WorkingDayCalendar {
            division: division.to_owned(),
            first_year: first.year(),
            last_year: last.year(),
            holidays,
        })
    }

    /// The division of GOV.UK's file this calendar was read from, such as
    /// "england-and-wales".
    pub fn division(&self) -> &str {
        &self.division
    }

    /// The first year this calendar covers.
    pub fn first_year(&self) -> i32 {
        self.first_year
    }

    /// The last year this calendar covers.
    pub fn last_year(&self) -> i32 {
        self.last_year
    }

    /// The bank holiday's title if `date` is one, such as "Good Friday".
    pub fn holiday(&self, date: NaiveDate) -> Option<&str> {
        self.holidays.get(&date).map(String::as_str)
    }

    /// Whether `date` is a working day: Monday to Friday and not a bank
    /// holiday. Errors if `date` is outside the years the calendar covers.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        self.check_covered(date)?;
        Ok(is_weekday(date) && !self.holidays.contains_key(&date))
    }

    /// The date `days` working days after `from`, not counting `from` itself,
    /// so "within 5 working days of 4 March 2026" ends on 11 March 2026.
    /// `from` may be any day, including a weekend; 0 days gives `from`.
    /// Errors if `from` or any day up to the answer is outside the covered years.
    pub fn add_working_days(&self, from: NaiveDate, days: u32) -> Result<NaiveDate, CalendarError> {
        self.check_covered(from)?;
        let mut date = from;
        let mut remaining = days;
        // Day by day is plenty: working-day targets run to tens of days, not thousands.
        while remaining > 0 {
            date = date.succ_opt().ok_or_else(|| self.out_of_range(date))?;
            if self.is_working_day(date)? {
                remaining -= 1;
            }
        }
        Ok(date)
    }

    /// How many working days fall after `from`, up to and including `to`, so
    /// counting to the answer of [`add_working_days`](Self::add_working_days)
    /// gives back the number added. Counts whole weeks arithmetically, so long
    /// spans cost no more than short ones.
    /// Errors if `to` is before `from`, or either is outside the covered years.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32, CalendarError> {
        if to < from {
            return Err(CalendarError::Reversed { from, to });
        }
        self.check_covered(from)?;
        self.check_covered(to)?;
        let holidays_on_weekdays = self
            .holidays
            .range((Bound::Excluded(from), Bound::Included(to)))
            .filter(|(date, _)| is_weekday(**date))
            .count();
        let total = weekdays_after_until(from, to) - holidays_on_weekdays as i64;
        // The covered years bound the span to a few thousand days.
        Ok(u32::try_from(total).unwrap_or(u32::MAX))
    }

    fn check_covered(&self, date: NaiveDate) -> Result<(), CalendarError> {
        if (self.first_year..=self.last_year).contains(&date.year()) {
            Ok(())
        } else {
            Err(self.out_of_range(date))
        }
    }

    fn out_of_range(&self, date: NaiveDate) -> CalendarError {
        CalendarError::OutOfRange {
            date,
            first_year: self.first_year,
            last_year: self.last_year,
        }
    }
}

fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Mondays to Fridays after `from` up to and including `to`, with `from <= to`:
/// five in every whole week, then the few days left over one by one.
fn weekdays_after_until(from: NaiveDate, to: NaiveDate) -> i64 {
    let span = (to - from).num_days();
    let whole_weeks = span / 7;
    let leftover = span % 7;
    let mut weekday = to.weekday();
    let mut count = whole_weeks * 5;
    // The leftover days are the last `leftover` days of the span, ending at `to`.
    for _ in 0..leftover {
        if !matches!(weekday, Weekday::Sat | Weekday::Sun) {
            count += 1;
        }
        weekday = weekday.pred();
    }
    count
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn long_dates_read_as_gov_uk_writes_them() {
        let rows = [
            (date(2026, 3, 4), "4 March 2026"),
            (date(2027, 2, 28), "28 February 2027"),
            (date(2026, 12, 31), "31 December 2026"),
        ];
        for (day, words) in rows {
            assert_eq!(long_date(day), words);
        }
    }

    fn calendar() -> WorkingDayCalendar {
        WorkingDayCalendar::england_and_wales()
    }

    /// Counts working days one day at a time, to check the arithmetic against.
    fn naive_working_days_between(cal: &WorkingDayCalendar, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| cal.is_working_day(*d).unwrap())
            .count() as u32
    }

    #[test]
    fn embedded_calendar_parses() {
        let cal =
            WorkingDayCalendar::from_govuk_json(EMBEDDED_GOVUK_JSON, DEFAULT_DIVISION).unwrap();
        assert_eq!(cal.division(), "england-and-wales");
        assert_eq!(cal.first_year(), 2015);
        assert_eq!(cal.last_year(), 2030);
    }

    #[test]
    fn england_and_wales_covers_2015_to_2030() {
        let cal = calendar();
        assert_eq!(cal.division(), DEFAULT_DIVISION);
        assert_eq!((cal.first_year(), cal.last_year()), (2015, 2030));
    }

    #[test]
    fn holiday_gives_the_bank_holidays_title() {
        let cal = calendar();
        assert_eq!(cal.holiday(date(2026, 4, 3)), Some("Good Friday"));
        assert_eq!(cal.holiday(date(2026, 12, 28)), Some("Boxing Day"));
        assert_eq!(cal.holiday(date(2026, 4, 7)), None);
    }

    #[test]
    fn weekdays_are_working_days_unless_bank_holidays() {
        let cal = calendar();
        let rows = [
            (date(2026, 3, 4), true),    // an ordinary Wednesday
            (date(2026, 3, 7), false),   // Saturday
            (date(2026, 3, 8), false),   // Sunday
            (date(2025, 12, 25), false), // Christmas Day, Thursday
            (date(2025, 12, 26), false), // Boxing Day, Friday
            (date(2026, 1, 1), false),   // New Year's Day, Thursday
            (date(2026, 4, 3), false),   // Good Friday
            (date(2026, 4, 6), false),   // Easter Monday
            (date(2026, 4, 7), true),    // the Tuesday after Easter
            (date(2026, 12, 28), false), // Boxing Day substitute, Monday
            (date(2026, 12, 29), true),
        ];
        for (day, expected) in rows {
            assert_eq!(cal.is_working_day(day).unwrap(), expected, "{day}");
        }
    }

    #[test]
    fn add_working_days_skips_weekends_and_bank_holidays() {
        let cal = calendar();
        let rows = [
            // 0 days: the start date, even on a bank holiday
            (date(2026, 3, 4), 0, date(2026, 3, 4)),
            (date(2025, 12, 25), 0, date(2025, 12, 25)),
            // complaint stage 1 acknowledgement: 5 working days
            (date(2026, 3, 4), 5, date(2026, 3, 11)),
            // Friday to Monday; a Saturday start counts from the Monday
            (date(2026, 3, 6), 1, date(2026, 3, 9)),
            (date(2026, 3, 7), 1, date(2026, 3, 9)),
            // across Christmas Day and Boxing Day 2025
            (date(2025, 12, 18), 5, date(2025, 12, 29)),
            // ...and New Year's Day 2026
            (date(2025, 12, 18), 8, date(2026, 1, 2)),
            // Good Friday 3 April and Easter Monday 6 April 2026
            (date(2026, 4, 2), 1, date(2026, 4, 7)),
            // Spring Bank Holiday 25 May 2026
            (date(2026, 5, 22), 1, date(2026, 5, 26)),
            // Christmas Day on Friday, Boxing Day substitute on Monday 28 December 2026
            (date(2026, 12, 24), 1, date(2026, 12, 29)),
            // priority action plan: submitted in 35, published in 70 working days
            (date(2026, 3, 2), 35, date(2026, 4, 22)),
            (date(2026, 3, 2), 70, date(2026, 6, 12)),
        ];
        for (from, days, expected) in rows {
            assert_eq!(
                cal.add_working_days(from, days).unwrap(),
                expected,
                "{from} + {days}"
            );
        }
    }

    #[test]
    fn working_days_between_counts_after_start_up_to_and_including_end() {
        let cal = calendar();
        let rows = [
            (date(2026, 3, 4), date(2026, 3, 4), 0),
            (date(2026, 3, 4), date(2026, 3, 11), 5),
            (date(2026, 3, 6), date(2026, 3, 8), 0), // Friday to Sunday
            (date(2025, 12, 18), date(2026, 1, 2), 8),
            // April 2026: 22 weekdays less Good Friday and Easter Monday
            (date(2026, 3, 31), date(2026, 4, 30), 20),
            // all of 2026: 261 weekdays less 8 bank holidays
            (date(2025, 12, 31), date(2026, 12, 31), 253),
            (date(2015, 1, 1), date(2030, 12, 31), 4043),
        ];
        for (from, to, expected) in rows {
            assert_eq!(
                cal.working_days_between(from, to).unwrap(),
                expected,
                "{from} to {to}"
            );
        }
    }

    #[test]
    fn date_after_the_calendar_is_out_of_range_with_advice() {
        let err = calendar().is_working_day(date(2031, 1, 4)).unwrap_err();
        assert_eq!(
            err,
            CalendarError::OutOfRange {
                date: date(2031, 1, 4),
                first_year: 2015,
                last_year: 2030
            }
        );
        assert_eq!(
            err.to_string(),
            "4 January 2031 is outside the bank holiday calendar, which covers 2015 to 2030; \
             load a newer calendar file"
        );
    }

    #[test]
    fn date_before_the_calendar_is_out_of_range() {
        let err = calendar().is_working_day(date(2014, 12, 31)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "31 December 2014 is outside the bank holiday calendar, which covers 2015 to 2030; \
             load a calendar file that goes back that far"
        );
    }

    #[test]
    fn adding_working_days_past_the_calendar_is_out_of_range() {
        let err = calendar()
            .add_working_days(date(2030, 12, 30), 2)
            .unwrap_err();
        assert!(matches!(err, CalendarError::OutOfRange { date: d, .. } if d == date(2031, 1, 1)));
        assert_eq!(
            calendar().add_working_days(date(2030, 12, 30), 1).unwrap(),
            date(2030, 12, 31)
        );
    }

    #[test]
    fn counting_to_a_date_past_the_calendar_is_out_of_range() {
        let err = calendar()
            .working_days_between(date(2030, 12, 1), date(2031, 1, 4))
            .unwrap_err();
        assert!(matches!(err, CalendarError::OutOfRange { .. }));
    }

    #[test]
    fn reversed_span_is_refused() {
        let err = calendar()
            .working_days_between(date(2026, 3, 4), date(2026, 3, 3))
            .unwrap_err();
        assert_eq!(
            err,
            CalendarError::Reversed {
                from: date(2026, 3, 4),
                to: date(2026, 3, 3)
            }
        );
        assert_eq!(
            err.to_string(),
            "the end date 3 March 2026 is before the start date 4 March 2026"
        );
    }

    #[test]
    fn long_date_has_no_leading_zero() {
        assert_eq!(long_date(date(2026, 3, 4)), "4 March 2026");
        assert_eq!(long_date(date(2026, 12, 28)), "28 December 2026");
    }

    const GOVUK_SHAPE: &str = r#"{
        "england-and-wales": {"division": "england-and-wales", "events": [
            {"title": "New Year’s Day", "date": "2026-01-01", "notes": "", "bunting": true}
        ]},
        "scotland": {"division": "scotland", "events": [
            {"title": "New Year’s Day", "date": "2026-01-01", "notes": "", "bunting": true},
            {"title": "2nd January", "date": "2026-01-02", "notes": "", "bunting": true},
            {"title": "St Andrew’s Day", "date": "2027-11-30", "notes": "", "bunting": true}
        ]},
        "northern-ireland": {"division": "northern-ireland", "events": [
            {"title": "St Patrick’s Day", "date": "2026-03-17", "notes": "", "bunting": true}
        ]}
    }"#;

    #[test]
    fn govuk_file_with_several_divisions_and_bunting_picks_the_division_asked_for() {
        let cal = WorkingDayCalendar::from_govuk_json(GOVUK_SHAPE, "scotland").unwrap();
        assert_eq!(cal.division(), "scotland");
        assert_eq!((cal.first_year(), cal.last_year()), (2026, 2027));
        assert_eq!(cal.holiday(date(2026, 1, 2)), Some("2nd January"));
        assert!(!cal.is_working_day(date(2026, 1, 2)).unwrap());
        assert!(cal.is_working_day(date(2026, 3, 17)).unwrap());
        // a year between the first and last holidays listed counts as covered
        assert!(cal.is_working_day(date(2027, 1, 4)).unwrap());
    }

    #[test]
    fn unknown_division_lists_the_divisions_the_file_has() {
        let err = WorkingDayCalendar::from_govuk_json(EMBEDDED_GOVUK_JSON, "scotland").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the bank holiday file has no division 'scotland'; it has: england-and-wales"
        );
        let err = WorkingDayCalendar::from_govuk_json(GOVUK_SHAPE, "wales").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the bank holiday file has no division 'wales'; it has: england-and-wales, \
             northern-ireland, scotland"
        );
    }

    #[test]
    fn division_without_events_is_refused() {
        let json = r#"{"england-and-wales": {"division": "england-and-wales", "events": []}}"#;
        let err = WorkingDayCalendar::from_govuk_json(json, DEFAULT_DIVISION).unwrap_err();
        assert_eq!(
            err,
            CalendarError::NoEvents {
                division: DEFAULT_DIVISION.to_owned()
            }
        );
    }

    #[test]
    fn text_that_is_not_govuk_json_says_what_is_wrong() {
        for json in [
            "not json",
            r#"{"england-and-wales": {"events": [{"title": "x", "date": "1 May 2026"}]}}"#,
            r#"{"england-and-wales": {"division": "england-and-wales"}}"#,
            "[]",
        ] {
            let err = WorkingDayCalendar::from_govuk_json(json, DEFAULT_DIVISION).unwrap_err();
            assert!(matches!(err, CalendarError::Format(_)), "{json}: {err:?}");
            assert!(
                err.to_string()
                    .starts_with("the bank holiday file is not in GOV.UK's format: "),
                "{err}"
            );
        }
    }

    fn covered_date(first: NaiveDate, last: NaiveDate) -> impl Strategy<Value = NaiveDate> {
        (0..=(last - first).num_days())
            .prop_map(move |offset| first + chrono::Days::new(offset as u64))
    }

    proptest! {
        #[test]
        fn counting_the_days_added_gives_back_the_number_added(
            from in covered_date(date(2016, 1, 1), date(2029, 12, 31)),
            days in 1u32..400,
        ) {
            let cal = calendar();
            match cal.add_working_days(from, days) {
                Ok(to) => prop_assert_eq!(cal.working_days_between(from, to).unwrap(), days),
                // only a start late in 2029 can run past the end of 2030
                Err(CalendarError::OutOfRange { date: beyond, .. }) => {
                    prop_assert_eq!(beyond, date(2031, 1, 1));
                    prop_assert!(cal.working_days_between(from, date(2030, 12, 31)).unwrap() < days);
                }
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
        }

        #[test]
        fn adding_working_days_never_lands_on_a_weekend_or_bank_holiday(
            from in covered_date(date(2016, 1, 1), date(2029, 12, 31)),
            days in 1u32..400,
        ) {
            let cal = calendar();
            if let Ok(to) = cal.add_working_days(from, days) {
                prop_assert!(is_weekday(to), "{to} is a weekend");
                prop_assert!(cal.holiday(to).is_none(), "{to} is a bank holiday");
                prop_assert!(cal.is_working_day(to).unwrap());
            }
        }

        #[test]
        fn working_days_between_matches_a_day_by_day_count(
            a in covered_date(date(2015, 1, 1), date(2030, 12, 31)),
            b in covered_date(date(2015, 1, 1), date(2030, 12, 31)),
        ) {
            let cal = calendar();
            let (from, to) = if a <= b { (a, b) } else { (b, a) };
            prop_assert_eq!(
                cal.working_days_between(from, to).unwrap(),
                naive_working_days_between(&cal, from, to)
            );
        }
    }
}
