//! The deadline for appealing to the First-tier Tribunal (SEND) against a decision in a letter.
//!
//! Rule 20(1)(c) of the Tribunal Procedure (First-tier Tribunal) (Health, Education and Social
//! Care Chamber) Rules 2008: in a special educational needs case the appeal must reach the
//! Tribunal within 2 months after written notice of the decision was sent, or within 1 month
//! from the date of issue of the mediation certificate (section 55 of the Children and Families
//! Act 2014) if that is later. We take the date of the letter as the day it was sent.
//!
//! A month later is the same day of the month, or the month's last day if it has no such day:
//! a letter of 31 December 2026 can be appealed until 28 February 2027.

use chrono::{Months, NaiveDate};

/// The last day to appeal against a decision in a letter dated `letter_date`: 2 months after
/// it. `None` only if that is past the last date chrono can hold.
pub fn appeal_deadline(letter_date: NaiveDate) -> Option<NaiveDate> {
    letter_date.checked_add_months(Months::new(2))
}

/// The last day to appeal once a mediation certificate has been issued on `certificate_date`:
/// 1 month after it, or 2 months after the letter if that is later.
pub fn appeal_deadline_with_certificate(
    letter_date: NaiveDate,
    certificate_date: NaiveDate,
) -> Option<NaiveDate> {
    let after_letter = appeal_deadline(letter_date)?;
    let after_certificate = certificate_date.checked_add_months(Months::new(1))?;
    Some(after_letter.max(after_certificate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn deadline_is_two_months_after_the_letter_clamped_to_the_month_end() {
        let rows = [
            // (letter, last day to appeal)
            (date(2026, 3, 4), date(2026, 5, 4)),
            (date(2026, 12, 31), date(2027, 2, 28)), // February has no 31st
            (date(2027, 12, 31), date(2028, 2, 29)), // 2028 is a leap year
            (date(2026, 11, 30), date(2027, 1, 30)), // across the new year
            (date(2026, 12, 30), date(2027, 2, 28)),
            (date(2026, 6, 30), date(2026, 8, 30)),
            (date(2026, 7, 31), date(2026, 9, 30)), // September has 30 days
            (date(2026, 1, 1), date(2026, 3, 1)),
        ];
        for (letter, deadline) in rows {
            assert_eq!(
                appeal_deadline(letter),
                Some(deadline),
                "letter of {letter}"
            );
        }
    }

    #[test]
    fn a_certificate_extends_the_deadline_only_when_it_ends_later() {
        let rows = [
            // (letter, certificate, last day to appeal)
            // Certificate soon after the letter: 2 months from the letter is later.
            (date(2026, 3, 4), date(2026, 3, 20), date(2026, 5, 4)),
            // Certificate late in the 2 months: 1 month from it is later.
            (date(2026, 3, 4), date(2026, 4, 20), date(2026, 5, 20)),
            // Both on the same day.
            (date(2026, 3, 4), date(2026, 4, 4), date(2026, 5, 4)),
            // Month-end clamping on the certificate too.
            (date(2026, 11, 30), date(2027, 1, 31), date(2027, 2, 28)),
        ];
        for (letter, certificate, deadline) in rows {
            assert_eq!(
                appeal_deadline_with_certificate(letter, certificate),
                Some(deadline),
                "letter of {letter}, certificate of {certificate}"
            );
        }
    }

    #[test]
    fn no_deadline_past_the_end_of_the_calendar() {
        assert_eq!(appeal_deadline(NaiveDate::MAX), None);
    }
}
