//! The Unique Learner Number (ULN): the 10-digit number the Learning Records Service gives
//! each learner from age 14, carried on the SEN2 return for young people in further
//! education and training.
//!
//! The first digit is never 0, and the last is a modulus-11 check digit: the digits weighted
//! 10, 9, …, 1 from the left sum to a remainder of 10 on division by 11.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Digits in a ULN, check digit included.
const LEN: usize = 10;

/// A Unique Learner Number that has passed every check.
///
/// Build one with [`Uln::parse`] (or `str::parse`, or by deserialising a string); there is
/// no other way, so holding a `Uln` means holding a well-formed one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uln(String);

impl Uln {
    /// Checks `input` and returns it as a ULN.
    ///
    /// Surrounding whitespace is ignored. The first thing wrong is reported: length, then
    /// each character from the left, then a leading 0, then the check digit.
    pub fn parse(input: &str) -> Result<Self, UlnError> {
        let uln = input.trim();
        let length = uln.chars().count();
        if length == 0 {
            return Err(UlnError::Blank);
        }
        if length != LEN {
            return Err(UlnError::WrongLength { found: length });
        }
        if let Some((index, found)) = uln.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(UlnError::NotADigit {
                position: index + 1,
                found,
            });
        }
        if uln.starts_with('0') {
            return Err(UlnError::StartsWithZero);
        }
        // All ASCII digits from here, so byte offsets are character offsets.
        let (first_nine, found) = uln.split_at(LEN - 1);
        let found = found.chars().next().unwrap_or_default();
        match check_digit(first_nine) {
            None => Err(UlnError::NoValidCheckDigit { uln: uln.into() }),
            Some(expected) if expected != found => Err(UlnError::WrongCheckDigit {
                uln: uln.into(),
                found,
                expected,
            }),
            Some(_) => Ok(Self(uln.into())),
        }
    }

    /// The ULN as 10 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The check digit that completes `first_nine` as a ULN, or `None` if `first_nine` is not
/// nine digits, starts with 0, or is one of the one-in-eleven prefixes no digit can complete.
///
/// For generators and test data: `format!("{first_nine}{digit}")` is then a valid ULN.
pub fn uln_check_digit(first_nine: &str) -> Option<char> {
    if first_nine.starts_with('0') {
        return None;
    }
    check_digit(first_nine)
}

/// Why a string is not a ULN, worded for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UlnError {
    /// Nothing but whitespace was given.
    #[error("the ULN is blank; a ULN has 10 digits")]
    Blank,
    /// The ULN, trimmed, is not 10 characters long.
    #[error("a ULN has 10 digits; this one has {found} characters")]
    WrongLength {
        /// How many characters were given.
        found: usize,
    },
    /// A character is not a digit.
    #[error("character {position} of the ULN is {found:?} but should be a digit")]
    NotADigit {
        /// Where the character stands, counting from 1.
        position: usize,
        /// The character found there.
        found: char,
    },
    /// The first digit is 0, which no ULN has.
    #[error("a ULN cannot start with 0")]
    StartsWithZero,
    /// The check digit does not match the first nine digits.
    #[error("ULN {uln} has check digit {found} but should be {expected}")]
    WrongCheckDigit {
        /// The ULN as given (trimmed).
        uln: String,
        /// The check digit given.
        found: char,
        /// The check digit the first nine digits call for.
        expected: char,
    },
    /// No check digit can complete the first nine digits, so no ULN begins with them.
    #[error("ULN {uln} cannot be right: no valid check digit exists for its first nine digits")]
    NoValidCheckDigit {
        /// The ULN as given (trimmed).
        uln: String,
    },
}

impl FromStr for Uln {
    type Err = UlnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Uln {
    type Error = UlnError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Uln> for String {
    fn from(uln: Uln) -> Self {
        uln.0
    }
}

impl fmt::Display for Uln {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The check digit for nine digits weighted 10 to 2, whatever the first digit; `None` if
/// they are not nine digits or no digit completes them.
fn check_digit(first_nine: &str) -> Option<char> {
    if first_nine.chars().count() != LEN - 1 {
        return None;
    }
    let mut sum = 0;
    for (weight, c) in (2..=10).rev().zip(first_nine.chars()) {
        sum += c.to_digit(10)? * weight;
    }
    // The full weighted sum (check digit weight 1) must leave 10 on division by 11, so the
    // check digit is 10 − remainder; a remainder of 0 would need the "digit" 10.
    match sum % 11 {
        0 => None,
        remainder => char::from_digit(10 - remainder, 10),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Valid ULNs. Hand check of the first: 9×10 + 2×9 + 7×8 + 6×7 + 3×6 + 0×5 + 8×4 + 6×3
    /// + 8×2 = 290; 290 mod 11 = 4; check digit 10 − 4 = 6. The rest by the same rule.
    const VALID: &[&str] = &[
        "9276308686",
        "1000000000", // remainder 10, check digit 0
        "1234567899",
        "5000000004",
        "1111111110",
        "2000000001",
        "3000000010",
    ];

    #[test]
    fn valid_ulns_are_accepted_and_kept_as_given() {
        for &input in VALID {
            let uln = Uln::parse(input).unwrap();
            assert_eq!(uln.as_str(), input);
            assert_eq!(uln.to_string(), input);
            let (first_nine, check) = input.split_at(9);
            assert_eq!(
                uln_check_digit(first_nine).map(String::from),
                Some(check.into())
            );
        }
    }

    #[test]
    fn surrounding_whitespace_is_ignored() {
        assert_eq!(Uln::parse(" 9276308686\n").unwrap().as_str(), "9276308686");
    }

    #[test]
    fn invalid_ulns_are_refused_with_the_first_thing_wrong() {
        use UlnError::*;
        let rows: &[(&str, UlnError)] = &[
            ("", Blank),
            (" \t", Blank),
            ("927630868", WrongLength { found: 9 }),
            ("92763086861", WrongLength { found: 11 }),
            ("927 630 8686", WrongLength { found: 12 }),
            (
                "927630868X",
                NotADigit {
                    position: 10,
                    found: 'X',
                },
            ),
            (
                "92763 8686",
                NotADigit {
                    position: 6,
                    found: ' ',
                },
            ),
            (
                "-927630868",
                NotADigit {
                    position: 1,
                    found: '-',
                },
            ),
            ("0276308686", StartsWithZero),
            (
                "9276308687",
                WrongCheckDigit {
                    uln: "9276308687".into(),
                    found: '7',
                    expected: '6',
                },
            ),
            (
                // 9×10 + 8×9 + 7×8 + 6×7 + 5×6 + 4×5 + 3×4 + 2×3 + 1×2 = 330 = 30 × 11
                "9876543210",
                NoValidCheckDigit {
                    uln: "9876543210".into(),
                },
            ),
        ];
        for (input, expected) in rows {
            assert_eq!(Uln::parse(input).as_ref(), Err(expected), "{input:?}");
        }
    }

    fn message(input: &str) -> String {
        Uln::parse(input).unwrap_err().to_string()
    }

    #[test]
    fn blank_uln_is_refused_as_blank() {
        assert_eq!(message(""), "the ULN is blank; a ULN has 10 digits");
    }

    #[test]
    fn uln_of_the_wrong_length_is_refused_saying_how_long_it_is() {
        assert_eq!(
            message("927630868"),
            "a ULN has 10 digits; this one has 9 characters"
        );
    }

    #[test]
    fn uln_with_a_non_digit_is_refused_naming_its_position() {
        assert_eq!(
            message("927A308686"),
            "character 4 of the ULN is 'A' but should be a digit"
        );
    }

    #[test]
    fn uln_starting_with_zero_is_refused() {
        assert_eq!(message("0276308686"), "a ULN cannot start with 0");
    }

    #[test]
    fn uln_with_wrong_check_digit_is_refused_naming_the_right_one() {
        assert_eq!(
            message("9276308687"),
            "ULN 9276308687 has check digit 7 but should be 6"
        );
    }

    #[test]
    fn uln_whose_first_nine_digits_no_check_digit_completes_is_refused_saying_so() {
        assert_eq!(
            message("9876543210"),
            "ULN 9876543210 cannot be right: no valid check digit exists for its first nine digits"
        );
    }

    #[test]
    fn uln_check_digit_refuses_what_cannot_begin_a_uln() {
        for first_nine in [
            "",
            "92763086",
            "9276308686",
            "92763086X",
            "027630868",
            "987654321",
        ] {
            assert_eq!(uln_check_digit(first_nine), None, "{first_nine:?}");
        }
    }

    #[test]
    fn uln_round_trips_through_serde_as_a_plain_string() {
        let uln = Uln::parse("9276308686").unwrap();
        let json = serde_json::to_string(&uln).unwrap();
        assert_eq!(json, r#""9276308686""#);
        assert_eq!(serde_json::from_str::<Uln>(&json).unwrap(), uln);
    }

    #[test]
    fn deserialising_an_invalid_uln_fails_with_the_reason() {
        let error = serde_json::from_str::<Uln>(r#""9276308687""#).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("ULN 9276308687 has check digit 7 but should be 6"),
            "{error}"
        );
    }

    /// Nine random digits, the first non-zero, that some check digit completes.
    fn first_nine() -> impl Strategy<Value = String> {
        (1..10u32, proptest::collection::vec(0..10u32, 8)).prop_filter_map(
            "no check digit completes these digits",
            |(first, rest)| {
                let digits: String = std::iter::once(first)
                    .chain(rest)
                    .map(|d| char::from_digit(d, 10).unwrap())
                    .collect();
                uln_check_digit(&digits).is_some().then_some(digits)
            },
        )
    }

    /// A valid ULN built from random digits and their computed check digit.
    fn valid_uln() -> impl Strategy<Value = String> {
        first_nine().prop_map(|digits| format!("{digits}{}", uln_check_digit(&digits).unwrap()))
    }

    /// The rule as the LRS states it, kept apart from the code under test: digits weighted
    /// 10 down to 1 sum to a remainder of 10, and the first digit is not 0.
    fn lrs_rule(uln: &str) -> bool {
        let digits: Vec<u32> = uln.chars().filter_map(|c| c.to_digit(10)).collect();
        let sum: u32 = digits.iter().zip((1..=10).rev()).map(|(d, w)| d * w).sum();
        digits.len() == 10 && digits[0] != 0 && sum % 11 == 10
    }

    proptest! {
        #[test]
        fn any_nine_digits_with_their_computed_check_digit_parse(uln in valid_uln()) {
            prop_assert!(lrs_rule(&uln));
            let parsed = Uln::parse(&uln).unwrap();
            prop_assert_eq!(parsed.as_str(), uln.as_str());
        }

        #[test]
        fn any_ten_digits_parse_exactly_when_the_lrs_rule_holds(
            digits in proptest::collection::vec(0..10u32, 10),
        ) {
            let uln: String = digits.into_iter().map(|d| char::from_digit(d, 10).unwrap()).collect();
            prop_assert_eq!(Uln::parse(&uln).is_ok(), lrs_rule(&uln), "{}", uln);
        }

        /// A changed check digit no longer matches. A changed digit among the first nine
        /// moves the sum by (1 to 9) × (2 to 10), never a multiple of the prime 11, so the
        /// check digit no longer matches either. A letter is never a digit. So the algorithm
        /// allows no single change at all.
        #[test]
        fn a_uln_with_one_character_changed_is_always_refused(
            uln in valid_uln(),
            index in 0..LEN,
            replacement in proptest::sample::select(
                b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".as_slice()
            ),
        ) {
            let mut bytes = uln.clone().into_bytes();
            prop_assume!(bytes[index] != replacement);
            bytes[index] = replacement;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(Uln::parse(&changed).is_err(), "{} accepted", changed);
        }
    }
}
