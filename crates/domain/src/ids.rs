//! Identifiers of Waymark's own records: cases and local authorities (tenants).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A case's number within Waymark. Unique across every local authority in one database, but
/// never proof of access: every lookup is also scoped by [`LaCode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseId(pub i64);

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a local authority code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a local authority code is 3 digits, like 202; '{0}' is not")]
pub struct LaCodeError(pub String);

/// A local authority's 3-digit DfE code (the "old" LA number, e.g. 202 for Camden): the
/// tenant every record belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LaCode(String);

impl LaCode {
    /// Parses a 3-digit code, ignoring surrounding spaces.
    pub fn parse(input: &str) -> Result<Self, LaCodeError> {
        let code = input.trim();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(LaCode(code.to_string()))
        } else {
            Err(LaCodeError(input.to_string()))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for LaCode {
    type Err = LaCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LaCode::parse(s)
    }
}

impl TryFrom<String> for LaCode {
    type Error = LaCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        LaCode::parse(&value)
    }
}

impl From<LaCode> for String {
    fn from(code: LaCode) -> Self {
        code.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn la_code_is_three_digits() {
        assert_eq!(LaCode::parse(" 202 ").unwrap().as_str(), "202");
        for bad in ["", "20", "2021", "2O2", "abc"] {
            let err = LaCode::parse(bad).unwrap_err();
            assert!(err.to_string().contains("3 digits"), "{bad}");
        }
    }
}
