//! The Unique Pupil Number (UPN): the DfE's 13-character identifier for a pupil, carried on
//! the SEN2 return and used to match a child to the school census.
//!
//! Layout and check letter follow the DfE guide "Unique Pupil Numbers (UPNs): a guide for
//! schools and local authorities": character 1 is a check letter, characters 2 to 12 are
//! digits, and character 13 is a digit for a permanent UPN or a letter for a temporary one.
//! Letters come from A–Z without I, O and S, which are too easily read as 1, 0 and 5.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The letters a UPN may use, in check-letter order: a letter's index here is its value.
const LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// Characters in a UPN, check letter included.
const LEN: usize = 13;

/// A Unique Pupil Number that has passed every DfE check, held in upper case.
///
/// Build one with [`Upn::parse`] (or `str::parse`, or by deserialising a string); there is
/// no other way, so holding a `Upn` means holding a well-formed one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Upn(String);

impl Upn {
    /// Checks `input` and returns it as a UPN.
    ///
    /// Surrounding whitespace is ignored and lower-case letters are taken as upper case.
    /// The first thing wrong is reported: length, then each character from the left, then
    /// the check letter.
    pub fn parse(input: &str) -> Result<Self, UpnError> {
        let upn: String = input
            .trim()
            .chars()
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let length = upn.chars().count();
        if length == 0 {
            return Err(UpnError::Blank);
        }
        if length != LEN {
            return Err(UpnError::WrongLength { found: length });
        }

        let mut chars = upn.chars();
        let found_check = chars.next().unwrap_or_default();
        if letter_value(found_check).is_none() {
            return Err(UpnError::UnexpectedCharacter {
                position: 1,
                found: found_check,
                expected: UpnCharKind::CheckLetter,
            });
        }
        let mut sum = 0;
        for (position, c) in (2..).zip(chars) {
            match value_at(position, c) {
                Ok(value) => sum += value * position,
                Err(expected) => {
                    return Err(UpnError::UnexpectedCharacter {
                        position: position as usize,
                        found: c,
                        expected,
                    });
                }
            }
        }

        let expected = check_letter_for(sum);
        if found_check != expected {
            return Err(UpnError::WrongCheckLetter {
                upn,
                found: found_check,
                expected,
            });
        }
        Ok(Self(upn))
    }

    /// The UPN as 13 upper-case characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a temporary UPN (character 13 a letter), given while a school waits
    /// for the pupil's permanent UPN to be found or issued.
    pub fn is_temporary(&self) -> bool {
        self.0
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphabetic())
    }
}

/// The check letter for the 12 characters that follow it in a UPN (11 digits, then a digit
/// or a UPN letter), or `None` if `body` is not 12 such characters.
///
/// For generators and test data: `format!("{letter}{body}")` is then a valid UPN.
pub fn upn_check_letter(body: &str) -> Option<char> {
    let mut sum = 0;
    let mut count = 0;
    for (position, c) in (2..).zip(body.chars()) {
        sum += value_at(position, c.to_ascii_uppercase()).ok()? * position;
        count += 1;
    }
    (count == LEN - 1).then(|| check_letter_for(sum))
}

/// What a character of a UPN should be, as reported in [`UpnError::UnexpectedCharacter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpnCharKind {
    /// Character 1: one of the UPN letters.
    CheckLetter,
    /// Characters 2 to 12.
    Digit,
    /// Character 13: a digit (permanent UPN) or one of the UPN letters (temporary UPN).
    DigitOrLetter,
}

impl fmt::Display for UpnCharKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CheckLetter => "one of the letters A–Z except I, O and S",
            Self::Digit => "a digit",
            Self::DigitOrLetter => "a digit or one of the letters A–Z except I, O and S",
        })
    }
}

/// Why a string is not a UPN, worded for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UpnError {
    /// Nothing but whitespace was given.
    #[error("the UPN is blank; a UPN has 13 characters")]
    Blank,
    /// The UPN, trimmed, is not 13 characters long.
    #[error("a UPN has 13 characters; this one has {found}")]
    WrongLength {
        /// How many characters were given.
        found: usize,
    },
    /// A character is not allowed where it stands.
    #[error("character {position} of the UPN is {found:?} but should be {expected}")]
    UnexpectedCharacter {
        /// Where the character stands, counting from 1.
        position: usize,
        /// The character found there (upper-cased).
        found: char,
        /// What belongs there.
        expected: UpnCharKind,
    },
    /// Every character is allowed, but the check letter does not match the rest.
    #[error("UPN {upn} has check letter {found} but should be {expected}")]
    WrongCheckLetter {
        /// The UPN as given (trimmed and upper-cased).
        upn: String,
        /// The check letter given.
        found: char,
        /// The check letter the other 12 characters call for.
        expected: char,
    },
}

impl FromStr for Upn {
    type Err = UpnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Upn {
    type Error = UpnError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Upn> for String {
    fn from(upn: Upn) -> Self {
        upn.0
    }
}

impl fmt::Display for Upn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A UPN letter's value (its index in [`LETTERS`]), or `None` for any other character.
fn letter_value(c: char) -> Option<u32> {
    (0..)
        .zip(LETTERS)
        .find_map(|(value, &letter)| (char::from(letter) == c).then_some(value))
}

/// The value of upper-case `c` standing at `position` (2 to 13) in the check-letter sum, or
/// what should stand there instead.
fn value_at(position: u32, c: char) -> Result<u32, UpnCharKind> {
    match position {
        2..=12 => c.to_digit(10).ok_or(UpnCharKind::Digit),
        13 => c
            .to_digit(10)
            .or_else(|| letter_value(c))
            .ok_or(UpnCharKind::DigitOrLetter),
        // Only reached for a body longer than 12, which `upn_check_letter` refuses anyway.
        _ => Err(UpnCharKind::Digit),
    }
}

/// The check letter for a weighted sum of characters 2 to 13.
fn check_letter_for(sum: u32) -> char {
    // `% 23` keeps the index inside the 23 letters.
    char::from(LETTERS[(sum % 23) as usize])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Hand check of the first row: characters 2 to 13 of H801200001001 are
    /// 8 0 1 2 0 0 0 0 1 0 0 1 with weights 2 to 13, so the sum is
    /// 8×2 + 1×4 + 2×5 + 1×10 + 1×13 = 16 + 4 + 10 + 10 + 13 = 53;
    /// 53 mod 23 = 7, and letter 7 of ABCDEFGHJKLMNPQRTUVWXYZ (from 0) is H.
    /// The rest were computed with the same rule.
    const VALID: &[(&str, bool)] = &[
        ("H801200001001", false),
        ("H80120000100B", true), // B has value 1, like the digit it replaces
        ("Z80120010000X", true), // X = 20: 8×2 + 1×4 + 2×5 + 1×8 + 20×13 = 298 ≡ 22 → Z
        ("Z93121234567A", true),
        ("R20611100005T", true),
        ("L00000000000Z", true),
        ("P99999999999Z", true),
        ("M30201234500M", true),
    ];

    #[test]
    fn valid_upns_are_accepted_and_kept_as_given() {
        for &(input, temporary) in VALID {
            let upn = Upn::parse(input).unwrap();
            assert_eq!(upn.as_str(), input);
            assert_eq!(upn.to_string(), input);
            assert_eq!(upn.is_temporary(), temporary, "{input}");
        }
    }

    #[test]
    fn upn_check_letter_gives_the_first_character_of_each_valid_upn() {
        for &(input, _) in VALID {
            let (check, body) = input.split_at(1);
            assert_eq!(upn_check_letter(body).map(String::from), Some(check.into()));
        }
    }

    #[test]
    fn lower_case_and_surrounding_whitespace_are_accepted_and_normalised() {
        for input in [" h801200001001", "h80120000100b\t", "\n H80120000100b "] {
            let upn: Upn = input.parse().unwrap();
            assert_eq!(upn.as_str(), input.trim().to_uppercase());
        }
    }

    #[test]
    fn invalid_upns_are_refused_with_the_first_thing_wrong() {
        use UpnCharKind::*;
        use UpnError::*;
        let unexpected = |position, found, expected| UnexpectedCharacter {
            position,
            found,
            expected,
        };
        let rows: &[(&str, UpnError)] = &[
            ("", Blank),
            ("   ", Blank),
            ("H80120000100", WrongLength { found: 12 }),
            ("H8012000010011", WrongLength { found: 14 }),
            ("H801 200001001", WrongLength { found: 14 }),
            ("1801200001001", unexpected(1, '1', CheckLetter)),
            ("I801200001001", unexpected(1, 'I', CheckLetter)),
            ("O801200001001", unexpected(1, 'O', CheckLetter)),
            ("S801200001001", unexpected(1, 'S', CheckLetter)),
            ("HA01200001001", unexpected(2, 'A', Digit)),
            ("H80120000100 1", WrongLength { found: 14 }),
            ("H8012000 01001", WrongLength { found: 14 }),
            ("H80120000 001", unexpected(10, ' ', Digit)),
            ("H8012000010B1", unexpected(12, 'B', Digit)),
            ("H80120000100I", unexpected(13, 'I', DigitOrLetter)),
            ("H80120000100O", unexpected(13, 'O', DigitOrLetter)),
            ("H80120000100S", unexpected(13, 'S', DigitOrLetter)),
            ("H80120000100-", unexpected(13, '-', DigitOrLetter)),
            ("H80120000100é", unexpected(13, 'é', DigitOrLetter)),
            (
                "A801200001001",
                WrongCheckLetter {
                    upn: "A801200001001".into(),
                    found: 'A',
                    expected: 'H',
                },
            ),
            (
                "h801200001002",
                WrongCheckLetter {
                    upn: "H801200001002".into(),
                    found: 'H',
                    expected: 'X', // 53 + 13 = 66 ≡ 20 → X
                },
            ),
        ];
        for (input, expected) in rows {
            assert_eq!(Upn::parse(input).as_ref(), Err(expected), "{input:?}");
        }
    }

    fn message(input: &str) -> String {
        Upn::parse(input).unwrap_err().to_string()
    }

    #[test]
    fn blank_upn_is_refused_as_blank() {
        assert_eq!(message("  "), "the UPN is blank; a UPN has 13 characters");
    }

    #[test]
    fn upn_of_the_wrong_length_is_refused_saying_how_long_it_is() {
        assert_eq!(
            message("H8012000010"),
            "a UPN has 13 characters; this one has 11"
        );
    }

    #[test]
    fn upn_with_a_letter_among_the_digits_is_refused_naming_its_position() {
        assert_eq!(
            message("H801X00001001"),
            "character 5 of the UPN is 'X' but should be a digit"
        );
    }

    #[test]
    fn upn_ending_in_i_o_or_s_is_refused_listing_the_letters_allowed() {
        assert_eq!(
            message("H80120000100i"),
            "character 13 of the UPN is 'I' but should be a digit or one of the letters A–Z \
             except I, O and S"
        );
    }

    #[test]
    fn upn_not_starting_with_a_upn_letter_is_refused_listing_the_letters_allowed() {
        assert_eq!(
            message("S801200001001"),
            "character 1 of the UPN is 'S' but should be one of the letters A–Z except I, O and S"
        );
    }

    #[test]
    fn upn_with_wrong_check_letter_is_refused_naming_the_right_one() {
        // See VALID: 80120010000X calls for Z.
        assert_eq!(
            message("A80120010000X"),
            "UPN A80120010000X has check letter A but should be Z"
        );
    }

    #[test]
    fn upn_check_letter_refuses_bodies_that_are_not_twelve_upn_characters() {
        for body in [
            "",
            "80120000100",
            "8012000010011",
            "80120000100I",
            "8012000010B1",
            "80120000100-",
        ] {
            assert_eq!(upn_check_letter(body), None, "{body:?}");
        }
        assert_eq!(upn_check_letter("80120000100b"), Some('H'));
    }

    #[test]
    fn upn_round_trips_through_serde_as_a_plain_string() {
        let upn = Upn::parse("Z80120010000X").unwrap();
        let json = serde_json::to_string(&upn).unwrap();
        assert_eq!(json, r#""Z80120010000X""#);
        assert_eq!(serde_json::from_str::<Upn>(&json).unwrap(), upn);
    }

    #[test]
    fn deserialising_an_invalid_upn_fails_with_the_reason() {
        let error = serde_json::from_str::<Upn>(r#""A80120010000X""#).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("UPN A80120010000X has check letter A but should be Z"),
            "{error}"
        );
    }

    /// Characters that may end a UPN.
    const LAST: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUVWXYZ";
    /// Replacements tried in the one-character-changed properties.
    const REPLACEMENTS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /// A valid UPN built from a random body and its computed check letter.
    fn valid_upn() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(0..10u32, 11),
            proptest::sample::select(LAST),
        )
            .prop_map(|(digits, last)| {
                let mut body: String = digits
                    .into_iter()
                    .map(|d| char::from_digit(d, 10).unwrap())
                    .collect();
                body.push(char::from(last));
                format!("{}{body}", upn_check_letter(&body).unwrap())
            })
    }

    /// The UPN with character `index` (from 0) replaced by `replacement`, if that changes it.
    fn with_replaced(upn: &str, index: usize, replacement: u8) -> Option<String> {
        let mut bytes = upn.as_bytes().to_vec();
        (bytes[index] != replacement).then(|| {
            bytes[index] = replacement;
            String::from_utf8(bytes).unwrap()
        })
    }

    proptest! {
        #[test]
        fn any_body_with_its_computed_check_letter_parses(upn in valid_upn()) {
            let parsed = Upn::parse(&upn).unwrap();
            prop_assert_eq!(parsed.as_str(), upn.as_str());
            prop_assert_eq!(parsed.is_temporary(), upn.ends_with(|c: char| c.is_ascii_alphabetic()));
        }

        #[test]
        fn a_valid_upn_lower_cased_and_padded_parses_to_the_same_upn(upn in valid_upn()) {
            let sloppy = format!("  {}\t", upn.to_lowercase());
            let parsed = Upn::parse(&sloppy).unwrap();
            prop_assert_eq!(parsed.as_str(), upn.as_str());
        }

        #[test]
        fn a_upn_with_one_character_changed_is_refused_unless_the_check_letter_still_fits(
            upn in valid_upn(),
            index in 0..LEN,
            replacement in proptest::sample::select(REPLACEMENTS),
        ) {
            let Some(changed) = with_replaced(&upn, index, replacement) else {
                return Err(TestCaseError::reject("replacement is the same character"));
            };
            let (check, body) = changed.split_at(1);
            let fits = upn_check_letter(body).map(String::from).as_deref() == Some(check);
            match Upn::parse(&changed) {
                Ok(parsed) => {
                    prop_assert!(fits, "{} accepted against the rule", changed);
                    prop_assert_eq!(parsed.as_str(), changed.as_str());
                }
                Err(_) => prop_assert!(!fits, "{} refused though the rule allows it", changed),
            }
        }

        /// A changed check letter no longer matches the sum. A changed digit among
        /// characters 2 to 12 moves the sum by (1 to 9) × (2 to 12), never a multiple of the
        /// prime 23, so the check letter no longer matches either. Only character 13 can be
        /// swapped, between a digit and the letter of the same value (5 and F, say).
        #[test]
        fn changing_one_of_the_first_twelve_characters_is_always_refused(
            upn in valid_upn(),
            index in 0..LEN - 1,
            replacement in proptest::sample::select(REPLACEMENTS),
        ) {
            if let Some(changed) = with_replaced(&upn, index, replacement) {
                prop_assert!(Upn::parse(&changed).is_err(), "{} accepted", changed);
            }
        }

        #[test]
        fn changing_character_13_is_accepted_only_for_a_digit_or_letter_of_the_same_value(
            upn in valid_upn(),
            replacement in proptest::sample::select(REPLACEMENTS),
        ) {
            if let Some(changed) = with_replaced(&upn, LEN - 1, replacement) {
                let old = value_at(13, upn.chars().next_back().unwrap()).ok();
                let new = value_at(13, char::from(replacement)).ok();
                prop_assert_eq!(Upn::parse(&changed).is_ok(), new == old, "{}", changed);
            }
        }
    }
}
