//! Reports that read an LA's cases: advice by agency, and the requests for advice behind an
//! organisation's overdue figure. What counts is the domain's ([`agency`]); this module only
//! reads the cases from the store and hands the figures to the pages.

use std::collections::HashMap;

use chrono::NaiveDate;
use waymark_store::domain::agency::{self, AgencyAdvice, OverdueAdvice};
use waymark_store::domain::case::{Case, Stage};
use waymark_store::{CaseId, LaCode, Store};

use crate::error::{Error, Result};

/// Cases read per query while working out the figures.
const PAGE: i64 = 2_000;

/// Every case of the LA with advice requested, with its id.
async fn cases_with_advice<S: Store>(store: &S, la: &LaCode) -> Result<Vec<(CaseId, Case)>> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = store.list_cases(la, PAGE, offset).await?;
        let n = page.len();
        for stored in page {
            // Cases still deciding whether to assess have asked no one yet: skip reading them.
            if stored.summary.stage == Stage::Requested.key() {
                continue;
            }
            let case: Case = serde_json::from_value(stored.state)
                .map_err(|_| Error::Internal("case_unreadable"))?;
            if !case.advice.is_empty() {
                out.push((stored.id, case));
            }
        }
        if i64::try_from(n).unwrap_or(0) < PAGE {
            return Ok(out);
        }
        offset += PAGE;
    }
}

/// Advice by organisation over the LA's cases on `today`, with a trend over the last
/// `months` months ([`agency::advice_by_organisation`]). Names organisations, never children.
///
/// # Errors
/// The store failed, or a stored case could not be read.
pub async fn advice_by_agency<S: Store>(
    store: &S,
    la: &LaCode,
    today: NaiveDate,
    months: u32,
) -> Result<Vec<AgencyAdvice>> {
    let cases = cases_with_advice(store, la).await?;
    Ok(agency::advice_by_organisation(
        cases.iter().map(|(_, case)| case),
        today,
        months,
    ))
}

/// One overdue request for advice, with the case it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueCase {
    /// The case.
    pub id: CaseId,
    /// The child's full name.
    pub child_name: String,
    /// The LA's case reference.
    pub reference: String,
    /// The caseworker's name, if the case has one of this LA.
    pub caseworker: Option<String>,
    /// The request.
    pub advice: OverdueAdvice,
}

/// The requests for advice to `organisation` overdue on `today` across the LA's cases
/// ([`agency::overdue_advice`]), most overdue first. For LA staff: it names children.
///
/// # Errors
/// The store failed, or a stored case could not be read.
pub async fn overdue_advice<S: Store>(
    store: &S,
    la: &LaCode,
    organisation: &str,
    today: NaiveDate,
) -> Result<Vec<OverdueCase>> {
    let cases = cases_with_advice(store, la).await?;
    let names: HashMap<String, String> = store
        .list_users(la)
        .await?
        .into_iter()
        .map(|u| (u.id.to_string(), u.name))
        .collect();
    let name_of = |id: &str| names.get(id).cloned();
    let mut out: Vec<_> = cases
        .iter()
        .flat_map(|(id, case)| {
            agency::overdue_advice(case, today)
                .into_iter()
                .filter(|advice| advice.organisation == organisation)
                .map(|advice| OverdueCase {
                    id: *id,
                    child_name: format!("{} {}", case.child.given_name, case.child.family_name),
                    reference: case.reference.clone(),
                    caseworker: case.caseworker.as_deref().and_then(name_of),
                    advice,
                })
        })
        .collect();
    out.sort_by_key(|row| std::cmp::Reverse(row.advice.days_overdue));
    Ok(out)
}
