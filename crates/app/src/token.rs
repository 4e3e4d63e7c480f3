//! Random tokens (sessions, CSRF, second-factor sign-in steps, one-time passwords) and the
//! hashes the database keeps of them.
//!
//! Tokens are 256 bits from the operating system's random source (`getrandom`), written as
//! 64 lower-case hex digits. The database holds only a SHA-256 of a session token, so a copy of
//! the database signs no one in.

use sha2::{Digest, Sha256};

use crate::error::Error as AppError;

/// A new random token: 32 bytes as 64 hex digits.
///
/// # Errors
/// [`AppError::Internal`] if the operating system has no randomness to give (never on a
/// working system; failing is better than a guessable token).
pub fn new_token() -> Result<String, AppError> {
    Ok(hex(&random_bytes::<32>()?))
}

/// `N` random bytes.
///
/// # Errors
/// [`AppError::Internal`] if the operating system's random source fails.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|_| {
        tracing::error!("the operating system's random source failed");
        AppError::Internal("random")
    })?;
    Ok(bytes)
}

/// SHA-256 of a token, as 64 hex digits: what the database stores and looks sessions up by.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Whether text looks like one of our tokens (64 lower-case hex digits), so that anything
/// else in a cookie is ignored before it reaches the database.
pub fn is_well_formed(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Compares two tokens in time that depends only on their lengths, so that the time a
/// refusal takes says nothing about how much of a guess was right.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_64_hex_digits_and_differ() {
        let (Ok(a), Ok(b)) = (new_token(), new_token()) else {
            panic!("no randomness");
        };
        assert!(is_well_formed(&a), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn only_well_formed_tokens_are_accepted() {
        assert!(!is_well_formed(""));
        assert!(!is_well_formed(&"A".repeat(64)));
        assert!(!is_well_formed(&"a".repeat(63)));
        assert!(!is_well_formed("'; DROP TABLE sessions;--"));
    }

    #[test]
    fn same_compares_whole_tokens() {
        assert!(same("abcd", "abcd"));
        assert!(!same("abcd", "abce"));
        assert!(!same("abcd", "abc"));
        assert!(!same("", "a"));
    }
}
