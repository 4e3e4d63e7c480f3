//! Dates as GOV.UK writes them: "4 March 2026", no leading zero, no day name, no ordinal.

use chrono::NaiveDate;

/// The date in words, as in "4 March 2026".
pub fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_gov_uk_writes_them() {
        let rows = [
            ((2026, 3, 4), "4 March 2026"),
            ((2027, 2, 28), "28 February 2027"),
            ((2026, 12, 31), "31 December 2026"),
        ];
        for ((y, m, d), words) in rows {
            let date = NaiveDate::from_ymd_opt(y, m, d);
            assert_eq!(date.map(long_date).as_deref(), Some(words));
        }
    }
}
