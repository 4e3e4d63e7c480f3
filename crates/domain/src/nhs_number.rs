//! The NHS number: the 10-digit number that identifies a patient across the NHS in England,
//! Wales and the Isle of Man, shared on the health advice for an EHC needs assessment.
//!
//! The last digit is a modulus-11 check digit (NHS Data Dictionary, "NHS Number"): weight
//! the first nine digits 10 down to 2, sum, and take 11 − (sum mod 11); 11 becomes 0, and 10
//! means no NHS number begins with those nine digits. Only the check digit is checked, not
//! which ranges have been issued.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Digits in an NHS number, check digit included.
const LEN: usize = 10;

/// Where a space or hyphen may stand in a grouped NHS number ("943 476 5919"), from 0.
const GAPS: [usize; 2] = [3, 7];

/// An NHS number that has passed the check-digit test, held as 10 digits.
///
/// Build one with [`NhsNumber::parse`] (or `str::parse`, or by deserialising a string);
/// there is no other way, so holding an `NhsNumber` means holding a well-formed one.
/// It displays grouped 3-3-4 ("943 476 5919") as the NHS writes it, and serialises as the
/// plain 10 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NhsNumber(String);

impl NhsNumber {
    /// Checks `input` and returns it as an NHS number.
    ///
    /// Accepts 10 digits written together ("9434765919") or grouped 3-3-4 with a space or a
    /// hyphen in each gap ("943 476 5919", "943-476-5919"), with any surrounding whitespace.
    /// The first thing wrong is reported: a character that is not a digit, space or hyphen,
    /// then the number of digits, then the grouping, then the check digit.
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(NhsNumberError::Blank);
        }
        let is_gap = |c: char| c == ' ' || c == '-';
        if let Some((index, found)) = trimmed
            .chars()
            .enumerate()
            .find(|&(_, c)| !c.is_ascii_digit() && !is_gap(c))
        {
            return Err(NhsNumberError::NotADigit {
                position: index + 1,
                found,
            });
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        if digits.len() != LEN {
            return Err(NhsNumberError::WrongLength {
                found: digits.len(),
            });
        }
        // Only digits, spaces and hyphens from here, so byte offsets are character offsets.
        let gaps: Vec<usize> = trimmed.match_indices(is_gap).map(|(i, _)| i).collect();
        if !(gaps.is_empty() || gaps == GAPS) {
            return Err(NhsNumberError::WronglyGrouped {
                found: trimmed.into(),
            });
        }

        let found = digits.chars().next_back().unwrap_or_default();
        match nhs_number_check_digit(&digits[..LEN - 1]) {
            None => Err(NhsNumberError::NoValidCheckDigit { nhs_number: digits }),
            Some(expected) if expected != found => Err(NhsNumberError::WrongCheckDigit {
                nhs_number: digits,
                found,
                expected,
            }),
            Some(_) => Ok(Self(digits)),
        }
    }

    /// The NHS number as 10 digits with no spaces, as stored and exchanged.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The check digit that completes `first_nine` as an NHS number, or `None` if `first_nine`
/// is not nine digits or is one of the prefixes no digit can complete (11 − remainder = 10).
///
/// For generators and test data: `format!("{first_nine}{digit}")` is then a valid NHS number.
pub fn nhs_number_check_digit(first_nine: &str) -> Option<char> {
    if first_nine.chars().count() != LEN - 1 {
        return None;
    }
    let mut sum = 0;
    for (weight, c) in (2..=10).rev().zip(first_nine.chars()) {
        sum += c.to_digit(10)? * weight;
    }
    match 11 - sum % 11 {
        11 => Some('0'),
        10 => None,
        check => char::from_digit(check, 10),
    }
}

/// Why a string is not an NHS number, worded for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NhsNumberError {
    /// Nothing but whitespace was given.
    #[error("the NHS number is blank; an NHS number has 10 digits")]
    Blank,
    /// A character is neither a digit nor a space or hyphen between groups.
    #[error("character {position} of the NHS number is {found:?} but should be a digit")]
    NotADigit {
        /// Where the character stands in the trimmed input, counting from 1.
        position: usize,
        /// The character found there.
        found: char,
    },
    /// There are not 10 digits.
    #[error("an NHS number has 10 digits; this one has {found}")]
    WrongLength {
        /// How many digits were given.
        found: usize,
    },
    /// Ten digits, but with spaces or hyphens somewhere other than 3-3-4.
    #[error(
        "the NHS number '{found}' is grouped wrongly: write it as 10 digits, or in groups of \
         3, 3 and 4 like 943 476 5919"
    )]
    WronglyGrouped {
        /// The input as given (trimmed).
        found: String,
    },
    /// The check digit does not match the first nine digits.
    #[error(
        "NHS number {} has check digit {found} but should be {expected}",
        grouped(.nhs_number)
    )]
    WrongCheckDigit {
        /// The 10 digits given.
        nhs_number: String,
        /// The check digit given.
        found: char,
        /// The check digit the first nine digits call for.
        expected: char,
    },
    /// No check digit can complete the first nine digits, so no NHS number begins with them.
    #[error(
        "NHS number {} cannot be right: no valid check digit exists for its first nine digits",
        grouped(.nhs_number)
    )]
    NoValidCheckDigit {
        /// The 10 digits given.
        nhs_number: String,
    },
}

impl FromStr for NhsNumber {
    type Err = NhsNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = NhsNumberError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<NhsNumber> for String {
    fn from(nhs_number: NhsNumber) -> Self {
        nhs_number.0
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&grouped(&self.0))
    }
}

/// Ten digits grouped 3-3-4 with spaces; anything else unchanged.
fn grouped(digits: &str) -> String {
    match (digits.get(..3), digits.get(3..6), digits.get(6..)) {
        (Some(a), Some(b), Some(c)) if digits.len() == LEN => format!("{a} {b} {c}"),
        _ => digits.into(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Valid NHS numbers. Hand check of the first: 9×10 + 4×9 + 3×8 + 4×7 + 7×6 + 6×5 + 5×4
    /// + 9×3 + 1×2 = 299; 299 mod 11 = 2; check digit 11 − 2 = 9. The rest by the same rule.
    const VALID: &[&str] = &[
        "9434765919",
        "4010232137",
        "9876543210", // remainder 0: 11 becomes 0
        "1000000001",
        "5000000005",
        "9276308687",
    ];

    #[test]
    fn valid_nhs_numbers_are_accepted_as_ten_digits_and_shown_grouped() {
        for &input in VALID {
            let nhs_number = NhsNumber::parse(input).unwrap();
            assert_eq!(nhs_number.as_str(), input);
            assert_eq!(nhs_number.to_string(), grouped(input));
            let (first_nine, check) = input.split_at(9);
            assert_eq!(
                nhs_number_check_digit(first_nine).map(String::from),
                Some(check.into())
            );
        }
        assert_eq!(
            NhsNumber::parse("9434765919").unwrap().to_string(),
            "943 476 5919"
        );
    }

    #[test]
    fn nhs_number_is_accepted_together_or_grouped_three_three_four() {
        for input in [
            "9434765919",
            "943 476 5919",
            "943-476-5919",
            "943 476-5919",
            "  943 476 5919\n",
        ] {
            assert_eq!(
                NhsNumber::parse(input).unwrap().as_str(),
                "9434765919",
                "{input:?}"
            );
        }
    }

    #[test]
    fn invalid_nhs_numbers_are_refused_with_the_first_thing_wrong() {
        use NhsNumberError::*;
        let grouping = |found: &str| WronglyGrouped {
            found: found.into(),
        };
        let rows: &[(&str, NhsNumberError)] = &[
            ("", Blank),
            ("\t ", Blank),
            ("943 476 591", WrongLength { found: 9 }),
            ("94347659190", WrongLength { found: 11 }),
            (
                "943 476 59X9",
                NotADigit {
                    position: 11,
                    found: 'X',
                },
            ),
            (
                "943.476.5919",
                NotADigit {
                    position: 4,
                    found: '.',
                },
            ),
            (
                "943 476\t5919",
                NotADigit {
                    position: 8,
                    found: '\t',
                },
            ),
            ("9434 765 919", grouping("9434 765 919")),
            ("943  476 5919", grouping("943  476 5919")),
            ("943 4765919", grouping("943 4765919")),
            ("94 347 65919", grouping("94 347 65919")),
            ("943 476 5919-", grouping("943 476 5919-")),
            (
                "943 476 5910",
                WrongCheckDigit {
                    nhs_number: "9434765910".into(),
                    found: '0',
                    expected: '9',
                },
            ),
            (
                // 1×10 + 2×9 + 3×8 + 4×7 + 5×6 + 6×5 + 7×4 + 8×3 + 9×2 = 210; 210 mod 11 = 1;
                // 11 − 1 = 10, which is no digit.
                "1234567890",
                NoValidCheckDigit {
                    nhs_number: "1234567890".into(),
                },
            ),
        ];
        for (input, expected) in rows {
            assert_eq!(NhsNumber::parse(input).as_ref(), Err(expected), "{input:?}");
        }
    }

    fn message(input: &str) -> String {
        NhsNumber::parse(input).unwrap_err().to_string()
    }

    #[test]
    fn blank_nhs_number_is_refused_as_blank() {
        assert_eq!(
            message(" "),
            "the NHS number is blank; an NHS number has 10 digits"
        );
    }

    #[test]
    fn nhs_number_with_a_letter_is_refused_naming_its_position() {
        assert_eq!(
            message("943 47B 5919"),
            "character 7 of the NHS number is 'B' but should be a digit"
        );
    }

    #[test]
    fn nhs_number_with_too_few_digits_is_refused_saying_how_many_it_has() {
        assert_eq!(
            message("943 476 591"),
            "an NHS number has 10 digits; this one has 9"
        );
    }

    #[test]
    fn nhs_number_grouped_other_than_three_three_four_is_refused_showing_the_right_way() {
        assert_eq!(
            message("9434 765 919"),
            "the NHS number '9434 765 919' is grouped wrongly: write it as 10 digits, or in \
             groups of 3, 3 and 4 like 943 476 5919"
        );
    }

    #[test]
    fn nhs_number_with_wrong_check_digit_is_refused_naming_the_right_one() {
        assert_eq!(
            message("9434765910"),
            "NHS number 943 476 5910 has check digit 0 but should be 9"
        );
    }

    #[test]
    fn nhs_number_whose_first_nine_digits_no_check_digit_completes_is_refused_saying_so() {
        assert_eq!(
            message("123 456 7890"),
            "NHS number 123 456 7890 cannot be right: no valid check digit exists for its \
             first nine digits"
        );
    }

    #[test]
    fn nhs_number_check_digit_refuses_what_cannot_begin_an_nhs_number() {
        for first_nine in [
            "",
            "94347659",
            "9434765919",
            "943476X91",
            "943 476 5",
            "123456789",
        ] {
            assert_eq!(nhs_number_check_digit(first_nine), None, "{first_nine:?}");
        }
    }

    #[test]
    fn nhs_number_round_trips_through_serde_as_ten_digits() {
        let nhs_number = NhsNumber::parse("943 476 5919").unwrap();
        let json = serde_json::to_string(&nhs_number).unwrap();
        assert_eq!(json, r#""9434765919""#);
        assert_eq!(
            serde_json::from_str::<NhsNumber>(&json).unwrap(),
            nhs_number
        );
        assert_eq!(
            serde_json::from_str::<NhsNumber>(r#""943-476-5919""#).unwrap(),
            nhs_number
        );
    }

    #[test]
    fn deserialising_an_invalid_nhs_number_fails_with_the_reason() {
        let error = serde_json::from_str::<NhsNumber>(r#""9434765910""#).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("NHS number 943 476 5910 has check digit 0 but should be 9"),
            "{error}"
        );
    }

    /// Nine random digits that some check digit completes.
    fn first_nine() -> impl Strategy<Value = String> {
        proptest::collection::vec(0..10u32, 9).prop_filter_map(
            "no check digit completes these digits",
            |digits| {
                let digits: String = digits
                    .into_iter()
                    .map(|d| char::from_digit(d, 10).unwrap())
                    .collect();
                nhs_number_check_digit(&digits).is_some().then_some(digits)
            },
        )
    }

    /// A valid NHS number built from random digits and their computed check digit.
    fn valid_nhs_number() -> impl Strategy<Value = String> {
        first_nine()
            .prop_map(|digits| format!("{digits}{}", nhs_number_check_digit(&digits).unwrap()))
    }

    /// The rule as the NHS Data Dictionary states it, kept apart from the code under test.
    fn data_dictionary_rule(nhs_number: &str) -> bool {
        let digits: Vec<u32> = nhs_number.chars().filter_map(|c| c.to_digit(10)).collect();
        if digits.len() != 10 {
            return false;
        }
        let sum: u32 = digits[..9]
            .iter()
            .zip((2..=10).rev())
            .map(|(d, w)| d * w)
            .sum();
        match 11 - sum % 11 {
            11 => digits[9] == 0,
            10 => false,
            check => digits[9] == check,
        }
    }

    proptest! {
        #[test]
        fn any_nine_digits_with_their_computed_check_digit_parse_in_every_layout(
            nhs_number in valid_nhs_number(),
        ) {
            prop_assert!(data_dictionary_rule(&nhs_number));
            let spaced = grouped(&nhs_number);
            let hyphenated = spaced.replace(' ', "-");
            for input in [&nhs_number, &spaced, &hyphenated] {
                let parsed = NhsNumber::parse(input).unwrap();
                prop_assert_eq!(parsed.as_str(), nhs_number.as_str());
                prop_assert_eq!(parsed.to_string(), spaced.as_str());
            }
        }

        #[test]
        fn any_ten_digits_parse_exactly_when_the_data_dictionary_rule_holds(
            digits in proptest::collection::vec(0..10u32, 10),
        ) {
            let nhs_number: String =
                digits.into_iter().map(|d| char::from_digit(d, 10).unwrap()).collect();
            prop_assert_eq!(
                NhsNumber::parse(&nhs_number).is_ok(),
                data_dictionary_rule(&nhs_number),
                "{}",
                nhs_number
            );
        }

        /// A changed check digit no longer matches. A changed digit among the first nine
        /// moves the sum by (1 to 9) × (2 to 10), never a multiple of the prime 11, so the
        /// check digit no longer matches either. A letter is never a digit. So the algorithm
        /// allows no single change at all.
        #[test]
        fn an_nhs_number_with_one_character_changed_is_always_refused(
            nhs_number in valid_nhs_number(),
            index in 0..LEN,
            replacement in proptest::sample::select(
                b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".as_slice()
            ),
        ) {
            let mut bytes = nhs_number.clone().into_bytes();
            prop_assume!(bytes[index] != replacement);
            bytes[index] = replacement;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(NhsNumber::parse(&changed).is_err(), "{} accepted", changed);
        }
    }
}
