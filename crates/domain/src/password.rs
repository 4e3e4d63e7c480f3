//! What makes a password acceptable, following the NCSC's password guidance ("Password
//! administration for system owners"): long enough, not one of the passwords attackers try
//! first, and no composition rules (no "one capital, one digit, one symbol"), which make
//! passwords harder to remember without making them harder to guess.
//!
//! - at least [`MIN_CHARS`] characters (the same as `waymark user add --password-stdin`) and at
//!   most [`MAX_CHARS`] (enough for any passphrase or password manager; bounds the work of
//!   hashing);
//! - not on the deny-list of common and breached passwords (`data/common-passwords.txt`),
//!   compared case-insensitively, nor one of its entries followed only by digits and symbols
//!   (`Summer2026!`, `Password123456`), nor one character repeated;
//! - not containing the account's email address or its part before the `@`.
//!
//! Pure rules: the web layer calls [`check_password`] when a password is set or changed.

use std::collections::HashSet;
use std::sync::LazyLock;

/// The shortest password accepted, in characters.
pub const MIN_CHARS: usize = 12;

/// The longest password accepted, in characters.
pub const MAX_CHARS: usize = 256;

/// The deny-list, one lower-cased password a line; `#` lines are comments.
const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

static DENY_LIST: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// Why a password was refused. The messages follow the GOV.UK style for error messages and
/// say what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    /// Fewer than [`MIN_CHARS`] characters.
    #[error("Password must be 12 characters or more")]
    TooShort,
    /// More than [`MAX_CHARS`] characters.
    #[error("Password must be 256 characters or fewer")]
    TooLong,
    /// On the deny-list of common passwords (or one with digits and symbols added).
    #[error(
        "Password is too easy to guess because it is a common password. Try 3 random words \
         together"
    )]
    Common,
    /// Contains the email address, or the part of it before the `@`.
    #[error("Password must not contain your email address")]
    ContainsEmail,
}

/// Checks a new password for the account with this email address.
///
/// # Errors
/// The first rule the password breaks, in the order length, email, deny-list.
pub fn check_password(candidate: &str, email: &str) -> Result<(), PasswordProblem> {
    let chars = candidate.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let lower = candidate.to_lowercase();
    if contains_email(&lower, email) {
        return Err(PasswordProblem::ContainsEmail);
    }
    if is_common(&lower) {
        return Err(PasswordProblem::Common);
    }
    Ok(())
}

/// Whether a lower-cased password contains the email address or its local part. A local
/// part shorter than 4 characters is not checked: "al" turns up inside too many words.
fn contains_email(lower: &str, email: &str) -> bool {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return false;
    }
    if lower.contains(&email) {
        return true;
    }
    let local = email.split('@').next().unwrap_or_default();
    local.chars().count() >= 4 && lower.contains(local)
}

/// Whether a lower-cased password is on the deny-list, is an entry with digits and symbols
/// added at the end, or is one character repeated.
fn is_common(lower: &str) -> bool {
    if DENY_LIST.contains(lower) {
        return true;
    }
    let stem = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    if !stem.is_empty() && DENY_LIST.contains(stem) {
        return true;
    }
    let mut chars = lower.chars();
    let first = chars.next();
    chars.all(|c| Some(c) == first)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMAIL: &str = "ada.lovelace@northby.gov.uk";

    #[test]
    fn a_long_uncommon_password_is_accepted() {
        for good in [
            "purple tractor umbrella",
            "k7cfa-9dz2m-qxw4h-tr8ne",
            "Correct Staple Battery Gate",
            "naïve café façade",
        ] {
            assert_eq!(check_password(good, EMAIL), Ok(()), "{good}");
        }
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        // 11 characters, 22 bytes.
        assert_eq!(
            check_password("ééééééééééb", EMAIL),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(check_password("ééééééééééba", EMAIL), Ok(()));
        assert_eq!(
            check_password(&"x y".repeat(86), EMAIL),
            Err(PasswordProblem::TooLong)
        );
        assert_eq!(check_password(&"x y".repeat(85), EMAIL), Ok(()));
    }

    #[test]
    fn no_composition_rules() {
        // All lower case, no digits, no symbols: fine if long and uncommon (NCSC).
        assert_eq!(check_password("thegreyheronwaits", EMAIL), Ok(()));
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        for common in [
            "123456789012",
            "qwertyuiop12",
            "PasswordPassword",
            "passwordpassword",
            "welcome12345",
            "September2025",
            "SEPTEMBER2025!",
            "Summer2026!!!",
            "Password123456",
            "letmeinletmein",
            "aaaaaaaaaaaaaaaa",
            "waymark2026!!",
        ] {
            assert_eq!(
                check_password(common, EMAIL),
                Err(PasswordProblem::Common),
                "{common}"
            );
        }
    }

    #[test]
    fn the_deny_list_has_a_thousand_or_more_entries() {
        assert!(DENY_LIST.len() >= 1000, "{}", DENY_LIST.len());
        assert!(DENY_LIST.iter().all(|p| *p == p.to_lowercase()));
    }

    #[test]
    fn passwords_containing_the_email_are_refused() {
        assert_eq!(
            check_password("my name is Ada.Lovelace ok", EMAIL),
            Err(PasswordProblem::ContainsEmail)
        );
        assert_eq!(
            check_password("ada.lovelace@northby.gov.uk1", EMAIL),
            Err(PasswordProblem::ContainsEmail)
        );
        // A very short local part is not checked.
        assert_eq!(check_password("a long alphabet soup", "al@x.org"), Ok(()));
    }

    #[test]
    fn messages_say_what_to_do() {
        assert_eq!(
            PasswordProblem::TooShort.to_string(),
            "Password must be 12 characters or more"
        );
        assert!(
            PasswordProblem::Common
                .to_string()
                .contains("3 random words")
        );
    }
}
