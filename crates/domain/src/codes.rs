//! Code lists for the DfE SEN2 return (request source, SEN type, setting, placement type,
//! cease reason), held as data per collection year so a new year is a new data file.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

/// The code lists of one SEN2 collection year.
#[derive(Debug, Clone, Deserialize)]
pub struct CodeLists {
    /// The January collection the lists are for.
    pub collection_year: i32,
    lists: BTreeMap<String, BTreeMap<String, String>>,
}

/// The lists Waymark records codes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeList {
    /// Who made an EHC needs assessment request.
    RequestSource,
    /// The type of special educational need (ranked on a case).
    SenType,
    /// Where a child is when no school URN applies.
    SettingCode,
    /// The kind of placement named in a plan.
    PlacementType,
    /// Why a plan ceased (1–9).
    CeaseReason,
}

impl CodeList {
    fn key(self) -> &'static str {
        match self {
            CodeList::RequestSource => "request_source",
            CodeList::SenType => "sen_type",
            CodeList::SettingCode => "setting_code",
            CodeList::PlacementType => "placement_type",
            CodeList::CeaseReason => "cease_reason",
        }
    }

    /// The list's name in plain words, for messages.
    pub fn label(self) -> &'static str {
        match self {
            CodeList::RequestSource => "request source",
            CodeList::SenType => "type of need",
            CodeList::SettingCode => "setting code",
            CodeList::PlacementType => "placement type",
            CodeList::CeaseReason => "cease reason",
        }
    }
}

/// A code that is not on its list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{code}' is not a {list} code; use one of: {allowed}")]
pub struct UnknownCode {
    /// The code given.
    pub code: String,
    /// Which list.
    pub list: &'static str,
    /// The codes that are allowed, comma-separated.
    pub allowed: String,
}

static SEN2_2026: LazyLock<CodeLists> = LazyLock::new(|| {
    #[allow(
        clippy::expect_used,
        reason = "the embedded file is fixed at build time and a unit test parses it"
    )]
    serde_json::from_str(include_str!("../data/sen2/2026.json"))
        .expect("the embedded SEN2 code lists parse")
});

impl CodeLists {
    /// The code lists Waymark ships for the current collection.
    pub fn current() -> &'static CodeLists {
        &SEN2_2026
    }

    /// The code's description, if the code is on the list.
    pub fn describe(&self, list: CodeList, code: &str) -> Option<&str> {
        self.lists
            .get(list.key())
            .and_then(|codes| codes.get(code))
            .map(String::as_str)
    }

    /// Every (code, description) on a list, in code order.
    pub fn entries(&self, list: CodeList) -> impl Iterator<Item = (&str, &str)> {
        self.lists
            .get(list.key())
            .into_iter()
            .flat_map(|codes| codes.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// The code, upper-cased and checked against the list.
    pub fn check(&self, list: CodeList, code: &str) -> Result<String, UnknownCode> {
        let code = code.trim().to_uppercase();
        if self.describe(list, &code).is_some() {
            Ok(code)
        } else {
            Err(UnknownCode {
                code,
                list: list.label(),
                allowed: self
                    .entries(list)
                    .map(|(c, _)| c)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn shipped_code_lists_parse_and_have_every_list() {
        let lists = CodeLists::current();
        assert_eq!(lists.collection_year, 2026);
        for list in [
            CodeList::RequestSource,
            CodeList::SenType,
            CodeList::SettingCode,
            CodeList::PlacementType,
            CodeList::CeaseReason,
        ] {
            assert!(lists.entries(list).count() > 0, "{list:?}");
        }
        assert_eq!(lists.entries(CodeList::CeaseReason).count(), 9);
        assert_eq!(lists.entries(CodeList::SenType).count(), 13);
    }

    #[test]
    fn unknown_code_lists_the_allowed_ones() {
        let err = CodeLists::current()
            .check(CodeList::SenType, "xyz")
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("'XYZ' is not a type of need code")
        );
        assert!(err.allowed.contains("ASD"));
        assert_eq!(
            CodeLists::current()
                .check(CodeList::SenType, " asd ")
                .unwrap(),
            "ASD"
        );
    }
}
