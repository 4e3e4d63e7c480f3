//! Personal access tokens for the JSON API: how they are made, what they look like, and the
//! hash that is all the database keeps.
//!
//! A token is `wmk_` followed by 64 hex digits: 256 bits from the operating system's random
//! source. The prefix lets secret scanners (and people) recognise a Waymark token pasted where
//! it should not be. The token is shown once, when it is made; the store keeps its SHA-256
//! (hex), so a copy of the database cannot be used to call the API. 256 random bits need no
//! salt or slow hash: there is nothing to guess.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::error::AppError;

/// What every token starts with.
pub const TOKEN_PREFIX: &str = "wmk_";

/// The longest a token's name may be (characters).
pub const MAX_NAME_CHARS: usize = 100;

/// A newly made token, in the clear. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewToken {
    secret: String,
}

impl NewToken {
    /// Makes a token from 256 random bits.
    ///
    /// # Errors
    /// [`AppError::Internal`] if the operating system's random source fails.
    pub fn generate() -> Result<NewToken, AppError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|_| AppError::Internal("random"))?;
        Ok(NewToken {
            secret: format!("{TOKEN_PREFIX}{}", hex(&bytes)),
        })
    }

    /// The token, to show the user once.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The hash to store.
    pub fn hash(&self) -> String {
        token_hash(&self.secret)
    }
}

impl fmt::Debug for NewToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewToken(..)")
    }
}

/// The SHA-256 of a token, in lower-case hex: what the store keeps and looks tokens up by.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Whether `text` has the form of a token (so that obvious rubbish is refused without a
/// database lookup).
pub fn looks_like_token(text: &str) -> bool {
    text.strip_prefix(TOKEN_PREFIX)
        .is_some_and(|rest| rest.len() == 64 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Checks a token's name: 1 to [`MAX_NAME_CHARS`] characters once trimmed. The message is in
/// GOV.UK error message style.
///
/// # Errors
/// The message to show beside the field.
pub fn check_name(name: &str) -> Result<String, &'static str> {
    let name = name.trim();
    if name.is_empty() {
        Err("Enter a name for the token, such as the system that will use it")
    } else if name.chars().count() > MAX_NAME_CHARS {
        Err("The token's name must be 100 characters or fewer")
    } else {
        Ok(name.to_string())
    }
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_256_bit_hex_and_differ() {
        let (Ok(a), Ok(b)) = (NewToken::generate(), NewToken::generate()) else {
            panic!("no random source");
        };
        assert!(looks_like_token(a.secret()), "{}", a.secret());
        assert_eq!(a.secret().len(), 4 + 64);
        assert_ne!(a.secret(), b.secret());
        assert!(!format!("{a:?}").contains(a.secret()));
    }

    #[test]
    fn hash_is_sha256_hex_of_the_whole_token() {
        // printf 'wmk_abc' | sha256sum
        assert_eq!(
            token_hash("wmk_abc"),
            "b43077717c149250d3332d1eaf8a139006e5aba41aaa4bae45dba0c308f23fb8"
        );
        assert_ne!(token_hash("wmk_abc"), token_hash("wmk_abd"));
    }

    #[test]
    fn rubbish_does_not_look_like_a_token() {
        for bad in ["", "wmk_", "abc", &format!("wmk_{}", "g".repeat(64))] {
            assert!(!looks_like_token(bad), "{bad}");
        }
    }

    #[test]
    fn token_names_are_required_and_short() {
        assert_eq!(check_name("  SEN2 export "), Ok("SEN2 export".to_string()));
        assert!(check_name("   ").is_err());
        assert!(check_name(&"x".repeat(101)).is_err());
    }
}
