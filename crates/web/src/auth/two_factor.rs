//! The optional second factor for LA staff: time-based one-time passwords (TOTP, RFC 6238)
//! from an authenticator app, with the `totp-rs` crate (SHA-1, 6 digits, 30-second steps:
//! what every authenticator app supports).
//!
//! - Setting up: [`new_secret`] makes a 160-bit secret (RFC 4226 section 4), shown as Base32
//!   text and as an `otpauth://` URI ([`otpauth_uri`]); the user proves their app has it by
//!   entering a code before it is saved.
//! - Signing in: a code is accepted for the current step and one either side (clock drift),
//!   and only once: [`accepted_step`] says which step it matched, and the sign-in records the
//!   step so the same code cannot be replayed within its lifetime.

use totp_rs::{Algorithm, Secret, TOTP};

use crate::error::AppResult;
use crate::token;

/// Digits in a code.
pub const DIGITS: usize = 6;

/// Seconds per step.
pub const STEP: u64 = 30;

/// A new secret, Base32 (no padding), for a user to add to their authenticator app.
///
/// # Errors
/// [`crate::AppError::Internal`] if the operating system's random source fails.
pub fn new_secret() -> AppResult<String> {
    let bytes = token::random_bytes::<20>()?;
    Ok(Secret::Raw(bytes.to_vec()).to_encoded().to_string())
}

/// The secret in groups of four ("2U65 HOWC EO3F ..."), easier to type into an app.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://totp/...` URI an authenticator app reads (usually from a QR code; it can be
/// typed or pasted too). `issuer` and `account` are percent-encoded.
pub fn otpauth_uri(secret: &str, issuer: &str, account: &str) -> String {
    let enc = |text: &str| -> String {
        percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
        enc(issuer),
        enc(account),
        enc(issuer),
    )
}

/// The step (Unix time / 30) that `code` is right for at `unix_time`, checking the step
/// before and after too; `None` if it is wrong, or if the secret or code is malformed.
pub fn accepted_step(secret: &str, code: &str, unix_time: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().ok()?;
    let totp = TOTP::new(Algorithm::SHA1, DIGITS, 0, STEP, bytes).ok()?;
    let now = unix_time / STEP;
    [now, now.saturating_sub(1), now + 1]
        .into_iter()
        .find(|step| token::same(&totp.generate(step * STEP), &code))
}

/// The code for a secret at a time: for tests, which play the authenticator app.
pub fn code_at(secret: &str, unix_time: u64) -> Option<String> {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().ok()?;
    let totp = TOTP::new(Algorithm::SHA1, DIGITS, 0, STEP, bytes).ok()?;
    Some(totp.generate(unix_time))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret ("12345678901234567890") in Base32.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_match_rfc_6238_test_vectors() {
        // Appendix B gives 8 digits; the last 6 are the 6-digit code.
        assert_eq!(code_at(RFC_SECRET, 59).as_deref(), Some("287082"));
        assert_eq!(
            code_at(RFC_SECRET, 1_111_111_109).as_deref(),
            Some("081804")
        );
        assert_eq!(
            code_at(RFC_SECRET, 2_000_000_000).as_deref(),
            Some("279037")
        );
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_no_further() {
        let t = 1_111_111_109;
        let Some(code) = code_at(RFC_SECRET, t) else {
            panic!("no code");
        };
        let step = t / STEP;
        assert_eq!(accepted_step(RFC_SECRET, &code, t), Some(step));
        assert_eq!(accepted_step(RFC_SECRET, &code, t + STEP), Some(step));
        assert_eq!(accepted_step(RFC_SECRET, &code, t - STEP), Some(step));
        assert_eq!(accepted_step(RFC_SECRET, &code, t + 2 * STEP), None);
        assert_eq!(accepted_step(RFC_SECRET, "000000", t), None);
        assert_eq!(accepted_step(RFC_SECRET, "12345", t), None);
        assert_eq!(accepted_step(RFC_SECRET, "abcdef", t), None);
        assert_eq!(accepted_step("not base32!", &code, t), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(accepted_step(RFC_SECRET, &spaced, t), Some(step));
    }

    #[test]
    fn new_secrets_are_160_bits_of_base32() {
        let Ok(secret) = new_secret() else {
            panic!("no randomness");
        };
        assert_eq!(secret.len(), 32, "{secret}");
        assert!(
            secret
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        );
    }

    #[test]
    fn secrets_are_shown_in_groups_of_four() {
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }

    #[test]
    fn otpauth_uri_names_the_issuer_and_account() {
        let uri = otpauth_uri("ABC", "Waymark Northby", "ada@northby.gov.uk");
        assert_eq!(
            uri,
            "otpauth://totp/Waymark%20Northby:ada%40northby%2Egov%2Euk?secret=ABC&issuer=Waymark%20Northby&algorithm=SHA1&digits=6&period=30"
        );
    }
}
