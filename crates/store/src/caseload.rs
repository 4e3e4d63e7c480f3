//! Caseload lists and sizes: an LA's cases filtered, searched, sorted and paged from the
//! summary columns alone (never the state blobs), so a list of thousands answers quickly, and
//! how many open cases each caseworker holds. The SQL is the same on both backends and expands
//! into each backend's [`CaseloadStore`] impl (`caseload_methods`).

use chrono::NaiveDate;
use waymark_domain::{CaseId, LaCode};

use crate::error::Result;
use crate::model::CaseSummary;

/// Moved to [`kpi`](crate::kpi); kept here for the code that names them by this path.
pub use crate::kpi::{all_kpi_facts, all_open_kpi_facts};

crate::backend::store_trait! {
    /// An LA's caseload as lists and counts, read from the summary columns.
    pub trait CaseloadStore {
        /// A page of an LA's caseload, filtered, searched and sorted by the summary columns.
        async fn caseload(&self, la: &LaCode, query: &CaseloadQuery) -> Result<CaseloadPage>;

        /// How many open cases each caseworker holds at each stage.
        async fn caseworker_loads(&self, la: &LaCode) -> Result<Vec<CaseworkerLoad>>;
    }
}

/// How a caseload is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaseloadSort {
    /// Soonest (or most overdue) statutory deadline first; cases with none last.
    #[default]
    NextDue,
    /// Family name, then given name.
    Name,
    /// Oldest request first.
    Received,
}

/// Which cases to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseloadQuery {
    /// Only cases at this stage (the stage key, e.g. `assessing`).
    pub stage: Option<String>,
    /// Only cases of this caseworker.
    pub caseworker: Option<String>,
    /// Only cases with no caseworker.
    pub unallocated: bool,
    /// Only cases whose next deadline is before this date (pass today for "overdue").
    pub due_before: Option<NaiveDate>,
    /// Include closed cases.
    pub include_closed: bool,
    /// Only cases whose school or setting name contains this text.
    pub school: Option<String>,
    /// Only children born on or after this date (the oldest end of an age group).
    pub born_from: Option<NaiveDate>,
    /// Only children born on or before this date (the youngest end of an age group).
    pub born_to: Option<NaiveDate>,
    /// Only cases with an exception to the time limits recorded.
    pub with_exception: bool,
    /// Search by name, UPN, case reference or date of birth (YYYY-MM-DD).
    pub search: Option<String>,
    /// Order.
    pub sort: CaseloadSort,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

/// One row of a caseload list.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseListItem {
    /// The case.
    pub id: CaseId,
    /// The LA's reference.
    pub reference: String,
    /// Its summary columns.
    pub summary: CaseSummary,
}

/// A page of a caseload and how many cases match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseloadPage {
    /// This page's rows.
    pub items: Vec<CaseListItem>,
    /// How many cases match the query.
    pub total: i64,
}

/// How many open cases at one stage a caseworker holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseworkerLoad {
    /// The caseworker's user reference.
    pub caseworker: String,
    /// The stage key.
    pub stage: String,
    /// How many open cases.
    pub cases: i64,
}

/// Escapes `%`, `_` and `\` so user text is matched literally by `LIKE ... ESCAPE '\'`.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Expands into the [`CaseloadStore`] methods for backend `$db`, whose empty JSON literal is
/// `$empty_state`.
macro_rules! caseload_methods {
    ($db:ty, $empty_state:literal) => {
        async fn caseload(
            &self,
            la: &waymark_domain::LaCode,
            query: &$crate::caseload::CaseloadQuery,
        ) -> Result<$crate::caseload::CaseloadPage> {
            use $crate::caseload::CaseloadSort;
            fn filters<'q>(
                b: &mut sqlx::QueryBuilder<'q, $db>,
                la: &'q waymark_domain::LaCode,
                q: &'q $crate::caseload::CaseloadQuery,
            ) {
                b.push(" FROM cases WHERE la_code = ")
                    .push_bind(la.as_str());
                if !q.include_closed {
                    b.push(" AND closed = ").push_bind(false);
                }
                if let Some(stage) = &q.stage {
                    b.push(" AND stage = ").push_bind(stage.as_str());
                }
                if let Some(cw) = &q.caseworker {
                    b.push(" AND caseworker = ").push_bind(cw.as_str());
                }
                if q.unallocated {
                    b.push(" AND caseworker IS NULL");
                }
                if let Some(school) = q.school.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    b.push(" AND lower(school) LIKE ")
                        .push_bind($crate::caseload::like_pattern(school))
                        .push(" ESCAPE '\\'");
                }
                if let Some(from) = q.born_from {
                    b.push(" AND date_of_birth >= ").push_bind(from);
                }
                if let Some(to) = q.born_to {
                    b.push(" AND date_of_birth <= ").push_bind(to);
                }
                if q.with_exception {
                    b.push(" AND has_exception = ").push_bind(true);
                }
                if let Some(before) = q.due_before {
                    b.push(" AND next_due_date < ").push_bind(before);
                }
                if let Some(text) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
                    b.push(" AND (lower(family_name) LIKE ")
                        .push_bind($crate::caseload::like_pattern(text))
                        .push(" ESCAPE '\\' OR lower(given_name) LIKE ")
                        .push_bind($crate::caseload::like_pattern(text))
                        .push(" ESCAPE '\\' OR lower(given_name || ' ' || family_name) LIKE ")
                        .push_bind($crate::caseload::like_pattern(text))
                        .push(" ESCAPE '\\' OR upn = ")
                        .push_bind(text.to_uppercase())
                        .push(" OR reference = ")
                        .push_bind(text);
                    if let Some(date) = date {
                        b.push(" OR date_of_birth = ").push_bind(date);
                    }
                    b.push(")");
                }
            }
            let mut count = sqlx::QueryBuilder::<$db>::new("SELECT count(*)");
            filters(&mut count, la, query);
            let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
            // The list never reads the state blobs: an empty JSON object stands in for them.
            let mut list = sqlx::QueryBuilder::<$db>::new(concat!(
                "SELECT id, la_code, reference, version, stage, given_name, family_name, \
                 date_of_birth, upn, request_received, caseworker, closed, next_due_date, \
                 next_due_clock, school, has_exception, assess_on, assess_yes, issue_on, \
                 issue_yes, final_issued_on, final_excused, closed_on, primary_need, \
                 placement_type, review_flows, ",
                $empty_state,
                " AS state"
            ));
            filters(&mut list, la, query);
            list.push(match query.sort {
                CaseloadSort::NextDue => {
                    " ORDER BY next_due_date IS NULL, next_due_date, family_name, id"
                }
                CaseloadSort::Name => " ORDER BY lower(family_name), lower(given_name), id",
                CaseloadSort::Received => " ORDER BY request_received, id",
            });
            list.push(" LIMIT ")
                .push_bind(query.limit)
                .push(" OFFSET ")
                .push_bind(query.offset);
            let rows: Vec<$crate::rows::CaseRow> =
                list.build_query_as().fetch_all(&self.pool).await?;
            let items = $crate::rows::into_cases(rows)?
                .into_iter()
                .map(|c| $crate::caseload::CaseListItem {
                    id: c.id,
                    reference: c.reference,
                    summary: c.summary,
                })
                .collect();
            Ok($crate::caseload::CaseloadPage { items, total })
        }

        async fn caseworker_loads(
            &self,
            la: &waymark_domain::LaCode,
        ) -> Result<Vec<$crate::caseload::CaseworkerLoad>> {
            use sqlx::Row;
            let rows = sqlx::query(
                "SELECT caseworker, stage, count(*) AS cases FROM cases \
                 WHERE la_code = $1 AND closed = $2 AND caseworker IS NOT NULL \
                 GROUP BY caseworker, stage ORDER BY caseworker, stage",
            )
            .bind(la.as_str())
            .bind(false)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|row| {
                    Ok($crate::caseload::CaseworkerLoad {
                        caseworker: row.try_get("caseworker")?,
                        stage: row.try_get("stage")?,
                        cases: row.try_get("cases")?,
                    })
                })
                .collect()
        }
    };
}

pub(crate) use caseload_methods;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_user_text_literally() {
        assert_eq!(like_pattern("O'Hara"), "%o'hara%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
