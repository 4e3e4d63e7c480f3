//! An email address as a person types it into a form or a command: checked only for its
//! shape (one `@` with something either side, a dot in the domain, no spaces), enough to catch
//! a slip or a flag given the wrong value. Whether the address works is proved by using it:
//! an invitation or a sign-in link goes to it.

use std::fmt;

/// Why a typed email address was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailAddressError {
    /// Nothing was typed.
    #[error("enter an email address")]
    Empty,
    /// Not the shape of an email address.
    #[error("'{0}' is not an email address (it should look like name@example.gov.uk)")]
    Format(String),
}

/// An email address whose shape was checked, without the spaces around it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Checks `text` (surrounding spaces ignored) and keeps it as typed.
    ///
    /// # Errors
    /// [`EmailAddressError::Empty`] for nothing, [`EmailAddressError::Format`] for anything
    /// without one `@` between a name and a domain with a dot in it, or with spaces.
    pub fn parse(text: &str) -> Result<EmailAddress, EmailAddressError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(EmailAddressError::Empty);
        }
        let shaped = match text.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && !text.chars().any(char::is_whitespace)
            }
            None => false,
        };
        if shaped {
            Ok(EmailAddress(text.to_string()))
        } else {
            Err(EmailAddressError::Format(text.to_string()))
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address, as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn plausible_addresses_are_accepted_as_typed_without_surrounding_spaces() {
        for (typed, kept) in [
            ("ada@camden.gov.uk", "ada@camden.gov.uk"),
            ("a.b+send@example.org", "a.b+send@example.org"),
            ("sam@school.sch.uk", "sam@school.sch.uk"),
            ("  Ada@Northby.gov.uk \n", "Ada@Northby.gov.uk"),
        ] {
            assert_eq!(EmailAddress::parse(typed).unwrap().as_str(), kept);
        }
    }

    #[test]
    fn anything_else_is_refused_saying_why() {
        assert_eq!(EmailAddress::parse(" "), Err(EmailAddressError::Empty));
        for bad in [
            "ada",
            "@camden.gov.uk",
            "ada@",
            "ada@localhost",
            "ada@.org",
            "ada@org.",
            "a da@x.org",
            "a@b@c.org",
        ] {
            assert_eq!(
                EmailAddress::parse(bad),
                Err(EmailAddressError::Format(bad.to_string())),
                "{bad}"
            );
        }
        assert_eq!(
            EmailAddress::parse("ada").unwrap_err().to_string(),
            "'ada' is not an email address (it should look like name@example.gov.uk)"
        );
    }
}
