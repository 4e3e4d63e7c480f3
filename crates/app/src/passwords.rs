//! Password hashing, for the sign-in pages and `waymark user add` alike: Argon2id PHC strings
//! (the `argon2` crate's defaults: 19 MiB, 2 passes, 1 lane, a random salt).
//!
//! Hashing and verifying take tens of milliseconds of CPU on purpose, so they run on the
//! blocking thread pool ([`tokio::task::spawn_blocking`]) rather than holding up the async
//! workers. When there is no account for an email address a sign-in still verifies against a
//! dummy hash ([`verify_or_pretend`]), so the answer takes as long whether or not the account
//! exists.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{Error as AppError, Result as AppResult};
use crate::token;

/// Hashes a password into an Argon2id PHC string.
///
/// # Errors
/// [`AppError::Internal`] if hashing fails (it does not for passwords of accepted lengths).
pub async fn hash(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|_| AppError::Internal("password_hash"))?
}

/// Hashes a password on the calling thread (the command line; async code uses [`hash`]).
///
/// # Errors
/// [`AppError::Internal`] if hashing fails.
pub fn hash_blocking(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| AppError::Internal("password_hash"))
}

/// Whether `password` matches the PHC string `hash`. With no hash (no such account, or one
/// that signs in only by single sign-on) it verifies against a dummy hash and answers `false`,
/// taking the same time.
///
/// # Errors
/// [`AppError::Internal`] if the blocking task fails.
pub async fn verify_or_pretend(password: String, hash: Option<String>) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_now(&password, &hash),
        None => {
            let _ = verify_now(&password, dummy_hash());
            false
        }
    })
    .await
    .map_err(|_| AppError::Internal("password_verify"))
}

fn verify_now(password: &str, hash: &str) -> bool {
    // A stored hash that does not parse matches nothing.
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash of a random password, made once, with the same parameters as real ones.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let secret = token::new_token().unwrap_or_else(|_| "no randomness".to_string());
        hash_blocking(&secret).unwrap_or_default()
    })
}

/// A new password for an account an administrator has just made, to give to its owner once:
/// 20 random characters from 32 that are hard to confuse (no 0/o, 1/l), in groups of five
/// (100 bits), e.g. `k7cfa-9dz2m-qxw4h-tr8ne`, as `waymark user add` makes them.
///
/// # Errors
/// [`AppError::Internal`] if the operating system's random source fails.
pub fn one_time_password() -> AppResult<String> {
    const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let bytes = token::random_bytes::<20>()?;
    let mut password = String::with_capacity(23);
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 && i % 5 == 0 {
            password.push('-');
        }
        // 32 divides 256, so every character is equally likely.
        password.push(char::from(ALPHABET[usize::from(byte % 32)]));
    }
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let Ok(hash) = hash("purple tractor umbrella".into()).await else {
            panic!("could not hash");
        };
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        assert!(matches!(
            verify_or_pretend("purple tractor umbrella".into(), Some(hash.clone())).await,
            Ok(true)
        ));
        assert!(matches!(
            verify_or_pretend("purple tractor umbrellA".into(), Some(hash)).await,
            Ok(false)
        ));
    }

    #[tokio::test]
    async fn no_hash_or_a_broken_hash_never_matches() {
        assert!(matches!(
            verify_or_pretend("anything at all".into(), None).await,
            Ok(false)
        ));
        assert!(matches!(
            verify_or_pretend("anything at all".into(), Some("not a hash".into())).await,
            Ok(false)
        ));
    }

    #[test]
    fn one_time_passwords_are_long_grouped_and_pass_the_rules() {
        let Ok(password) = one_time_password() else {
            panic!("no randomness");
        };
        assert_eq!(password.len(), 23, "{password}");
        assert_eq!(password.split('-').count(), 4, "{password}");
        assert_eq!(
            waymark_store::domain::password::check_password(&password, "someone@example.org"),
            Ok(())
        );
    }
}
