//! Caseload lists: an LA's cases filtered, searched, sorted and paged from the summary
//! columns alone (never the state blobs), so a list of thousands answers quickly. The SQL is
//! the same on both backends and expands into each backend's `Store` impl.

use chrono::NaiveDate;
use waymark_domain::CaseId;

use crate::model::CaseSummary;

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

/// Expands into the `caseload` method for backend `$db`, whose empty JSON literal is
/// `$empty_state`.
macro_rules! caseload_methods {
    ($db:ty, $empty_state:literal, $kpi_index:literal) => {
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

        async fn kpi_facts(
            &self,
            la: Option<&waymark_domain::LaCode>,
            after: waymark_domain::CaseId,
            limit: i64,
        ) -> Result<
            Vec<(
                waymark_domain::CaseId,
                waymark_domain::LaCode,
                waymark_domain::kpi::KpiFacts,
            )>,
        > {
            let mut q = sqlx::QueryBuilder::<$db>::new(concat!(
                "SELECT ",
                $crate::caseload::kpi_columns!(),
                ", review_flows FROM cases WHERE id > "
            ));
            q.push_bind(after.0);
            if let Some(la) = la {
                q.push(" AND la_code = ").push_bind(la.as_str());
            }
            q.push(" ORDER BY id LIMIT ").push_bind(limit);
            let rows = q.build().fetch_all(&self.pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                if let Some(row) = $crate::caseload::facts_row!(r, true) {
                    out.push(row);
                }
            }
            Ok(out)
        }

        async fn kpi_open_facts(
            &self,
            la: &waymark_domain::LaCode,
            on: chrono::NaiveDate,
            after: waymark_domain::CaseId,
            limit: i64,
        ) -> Result<Vec<(waymark_domain::CaseId, waymark_domain::kpi::KpiFacts)>> {
            let mut q = sqlx::QueryBuilder::<$db>::new(concat!(
                "SELECT ",
                $crate::caseload::kpi_columns!(),
                " FROM ",
                $kpi_index,
                " WHERE la_code = "
            ));
            q.push_bind(la.as_str())
                .push(" AND id > ")
                .push_bind(after.0)
                .push(" AND request_received <= ")
                .push_bind(on)
                .push(" AND (closed_on IS NULL OR closed_on > ")
                .push_bind(on)
                .push(") ORDER BY id LIMIT ")
                .push_bind(limit);
            let rows = q.build().fetch_all(&self.pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                if let Some((id, _, facts)) = $crate::caseload::facts_row!(r, false) {
                    out.push((id, facts));
                }
            }
            Ok(out)
        }
    };
}

pub(crate) use caseload_methods;

/// Facts read per query when reading them all: few round trips, and pages small enough for
/// a national database.
const FACTS_PAGE: i64 = 10_000;

/// The facts of every case (of one LA, or of all), paging through
/// [`Store::kpi_facts`](crate::Store::kpi_facts) by id.
///
/// # Errors
/// As `kpi_facts`.
pub async fn all_kpi_facts<S: crate::Store>(
    store: &S,
    la: Option<&waymark_domain::LaCode>,
) -> crate::Result<
    Vec<(
        CaseId,
        waymark_domain::LaCode,
        waymark_domain::kpi::KpiFacts,
    )>,
> {
    let mut out = Vec::new();
    loop {
        let after = out.last().map_or(CaseId(0), |(id, _, _)| *id);
        let page = store.kpi_facts(la, after, FACTS_PAGE).await?;
        let n = page.len();
        out.extend(page);
        if i64::try_from(n).unwrap_or(0) < FACTS_PAGE {
            return Ok(out);
        }
    }
}

/// The facts of an LA's cases that may be open on `on`, paging through
/// [`Store::kpi_open_facts`](crate::Store::kpi_open_facts) by id.
///
/// # Errors
/// As `kpi_open_facts`.
pub async fn all_open_kpi_facts<S: crate::Store>(
    store: &S,
    la: &waymark_domain::LaCode,
    on: NaiveDate,
) -> crate::Result<Vec<(CaseId, waymark_domain::kpi::KpiFacts)>> {
    let mut out = Vec::new();
    loop {
        let after = out.last().map_or(CaseId(0), |(id, _)| *id);
        let page = store.kpi_open_facts(la, on, after, FACTS_PAGE).await?;
        let n = page.len();
        out.extend(page);
        if i64::try_from(n).unwrap_or(0) < FACTS_PAGE {
            return Ok(out);
        }
    }
}

/// The columns [`facts_row`] reads, all in the covering index `cases_la_kpi`.
macro_rules! kpi_columns {
    () => {
        "id, la_code, stage, date_of_birth, request_received, assess_on, assess_yes, issue_on, \
         issue_yes, final_issued_on, final_excused, closed_on, primary_need, placement_type, \
         caseworker"
    };
}

/// A row of [`kpi_columns`] (and `review_flows` when `$reviews`) as `(id, la, facts)`; `None`
/// for a row without the dates every case has. Returns early with a decoding error.
macro_rules! facts_row {
    ($r:ident, $reviews:expr) => {{
        use sqlx::Row;
        let id: i64 = $r.try_get("id")?;
        let la: String = $r.try_get("la_code")?;
        let la = waymark_domain::LaCode::parse(&la)
            .map_err(|e| StoreError::Decode(format!("case {id} has a bad LA code: {e}")))?;
        let stage: String = $r.try_get("stage")?;
        let stage = waymark_domain::case::Stage::from_key(&stage)
            .ok_or_else(|| StoreError::Decode(format!("case {id} has stage '{stage}'")))?;
        let dates = (
            $r.try_get::<Option<chrono::NaiveDate>, _>("date_of_birth")?,
            $r.try_get::<Option<chrono::NaiveDate>, _>("request_received")?,
        );
        let review_flows = if $reviews {
            $crate::caseload::decode_review_flows(id, $r.try_get("review_flows")?)?
        } else {
            Vec::new()
        };
        match dates {
            (Some(date_of_birth), Some(request_received)) => {
                let pair = |on: Option<chrono::NaiveDate>, yes: Option<bool>| on.zip(yes);
                Some((
                    waymark_domain::CaseId(id),
                    la,
                    waymark_domain::kpi::KpiFacts {
                        stage,
                        date_of_birth,
                        request_received,
                        assessment: pair($r.try_get("assess_on")?, $r.try_get("assess_yes")?),
                        issue: pair($r.try_get("issue_on")?, $r.try_get("issue_yes")?),
                        final_issued: $r.try_get("final_issued_on")?,
                        final_excused: $r.try_get("final_excused")?,
                        closed_on: $r.try_get("closed_on")?,
                        primary_need: $r.try_get("primary_need")?,
                        placement_type: $r.try_get("placement_type")?,
                        caseworker: $r.try_get("caseworker")?,
                        review_flows,
                    },
                ))
            }
            _ => None,
        }
    }};
}

pub(crate) use {facts_row, kpi_columns};

/// A case's review flows from their column.
pub(crate) fn decode_review_flows(
    id: i64,
    text: String,
) -> crate::Result<Vec<(waymark_domain::kpi::Flow, chrono::NaiveDate)>> {
    waymark_domain::kpi::decode_flows(&text)
        .ok_or_else(|| crate::StoreError::Decode(format!("case {id} has unreadable review flows")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_user_text_literally() {
        assert_eq!(like_pattern("O'Hara"), "%o'hara%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
