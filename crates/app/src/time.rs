//! Time: where "now" comes from ([`Clock`]), and times as people in England read them: UK
//! local time (GMT, or BST in summer) written the GOV.UK way, "4 March 2026 at 2:45pm".
//!
//! Waymark stores times in UTC. The UK's rule for summer time (the Summer Time Order 2002:
//! from 1am GMT on the last Sunday in March to 1am GMT on the last Sunday in October) is
//! written out here rather than bringing in a time-zone database, which would compile every
//! zone in the world for the one this service uses.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use waymark_store::domain::calendar::long_date;

/// The last Sunday of a month.
fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let last = first_of_next.pred_opt()?;
    let back = last.weekday().num_days_from_sunday();
    Some(last - Duration::days(i64::from(back)))
}

/// Whether British Summer Time is in force at an instant.
pub fn is_summer_time(at: DateTime<Utc>) -> bool {
    let year = at.year();
    let (Some(start), Some(end)) = (last_sunday(year, 3), last_sunday(year, 10)) else {
        return false;
    };
    let at_one =
        |day: NaiveDate| Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0).unwrap_or_default());
    at >= at_one(start) && at < at_one(end)
}

/// The UK wall-clock time of an instant.
pub fn local(at: DateTime<Utc>) -> NaiveDateTime {
    let offset = if is_summer_time(at) { 1 } else { 0 };
    (at + Duration::hours(offset)).naive_utc()
}

/// Where "now" comes from: the system's clock in service, a fixed or settable one in tests.
/// Every use case reads the time through [`crate::App::now`] and [`crate::App::today`], never
/// from the system directly, so a test can set the date.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that says what it was set to, and moves only when told (tests).
#[derive(Debug)]
pub struct FixedClock(std::sync::Mutex<DateTime<Utc>>);

impl FixedClock {
    /// A clock stopped at `at`.
    pub fn at(at: DateTime<Utc>) -> FixedClock {
        FixedClock(std::sync::Mutex::new(at))
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut now) = self.0.lock() {
            *now = at;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
            .lock()
            .map_or_else(|poisoned| *poisoned.into_inner(), |now| *now)
    }
}

/// The date in England at an instant (what "today" means for statutory deadlines).
pub fn today_at(at: DateTime<Utc>) -> NaiveDate {
    local(at).date()
}

/// Today's date in England by the system's clock. Use [`crate::App::today`] where an app is
/// at hand, so that tests can set the date.
pub fn today() -> NaiveDate {
    today_at(Utc::now())
}

/// "2:45pm", "12:05am", "12pm".
pub fn time(at: DateTime<Utc>) -> String {
    let t = local(at);
    let (pm, hour) = t.hour12();
    let suffix = if pm { "pm" } else { "am" };
    if t.minute() == 0 {
        format!("{hour}{suffix}")
    } else {
        format!("{hour}:{:02}{suffix}", t.minute())
    }
}

/// "4 March 2026": the domain's one long-date format ([`long_date`]).
pub fn date(day: NaiveDate) -> String {
    long_date(day)
}

/// "4 March 2026 at 2:45pm".
pub fn date_and_time(at: DateTime<Utc>) -> String {
    format!("{} at {}", date(local(at).date()), time(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .with_timezone(&Utc)
    }

    #[test]
    fn summer_time_starts_and_ends_at_1am_gmt_on_the_last_sundays() {
        // 2026: 29 March to 25 October.
        assert!(!is_summer_time(utc("2026-03-29T00:59:59Z")));
        assert!(is_summer_time(utc("2026-03-29T01:00:00Z")));
        assert!(is_summer_time(utc("2026-10-25T00:59:59Z")));
        assert!(!is_summer_time(utc("2026-10-25T01:00:00Z")));
        // 2027: 28 March to 31 October.
        assert!(is_summer_time(utc("2027-03-28T01:00:00Z")));
        assert!(is_summer_time(utc("2027-10-31T00:30:00Z")));
    }

    #[test]
    fn times_are_written_the_govuk_way_in_uk_time() {
        assert_eq!(
            date_and_time(utc("2026-03-04T14:45:00Z")),
            "4 March 2026 at 2:45pm"
        );
        // BST: 13:45 UTC is 2:45pm.
        assert_eq!(
            date_and_time(utc("2026-07-04T13:45:00Z")),
            "4 July 2026 at 2:45pm"
        );
        assert_eq!(time(utc("2026-01-10T00:05:00Z")), "12:05am");
        assert_eq!(time(utc("2026-01-10T12:00:00Z")), "12pm");
        // 23:30 UTC in summer is the next day in the UK.
        assert_eq!(
            date_and_time(utc("2026-06-30T23:30:00Z")),
            "1 July 2026 at 12:30am"
        );
    }
}

#[cfg(test)]
mod clock_tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn an_apps_today_is_its_clocks_date_in_england() {
        let clock = std::sync::Arc::new(FixedClock::at(at("2026-06-30T23:30:00Z")));
        let app = crate::App::new((), "Northby Council").with_clock(clock.clone());
        // 23:30 GMT on 30 June is 00:30 BST on 1 July in England.
        assert_eq!(
            app.today(),
            NaiveDate::from_ymd_opt(2026, 7, 1).unwrap_or_default()
        );
        clock.set(at("2026-12-31T23:30:00Z"));
        assert_eq!(
            app.today(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default()
        );
    }
}
