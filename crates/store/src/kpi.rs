//! What the figures are made of: each case's KPI facts (`domain::kpi::KpiFacts`) read from the
//! summary columns, and the flow counts kept in step with every case write
//! ([`flows`](crate::flows)): the [`KpiStore`] trait. The SQL is the same on both backends and
//! expands into each backend's `KpiStore` impl (`kpi_methods` and `flows::flow_methods`).

use chrono::NaiveDate;
use waymark_domain::kpi::{Flow, KpiFacts};
use waymark_domain::{CaseId, LaCode};

use crate::error::Result;
use crate::flows::{FlowCount, FlowGrouping};

crate::backend::store_trait! {
    /// The facts and counts the KPI figures, dashboards and reports are computed from.
    pub trait KpiStore {
        /// What the figures need about each case (`domain::kpi::KpiFacts`), for one LA or all,
        /// from the summary columns alone: up to `limit` cases with ids after `after`, in id
        /// order (page on by passing the last id back; [`all_kpi_facts`] does).
        async fn kpi_facts(
            &self,
            la: Option<&LaCode>,
            after: CaseId,
            limit: i64,
        ) -> Result<Vec<(CaseId, LaCode, KpiFacts)>>;

        /// The facts of an LA's cases that may be open on `on` (received by then and not
        /// closed before it), without review flows: what the figures "on the last day" of a
        /// period need (backlog, plans maintained, caseloads), read from an index that holds
        /// them. Paged by id like [`KpiStore::kpi_facts`] ([`all_open_kpi_facts`]).
        async fn kpi_open_facts(
            &self,
            la: &LaCode,
            on: NaiveDate,
            after: CaseId,
            limit: i64,
        ) -> Result<Vec<(CaseId, KpiFacts)>>;

        /// Flow counts (`domain::kpi::Flow`) summed over the months from `months.0` to
        /// `months.1` (first days of months, both included), for one LA or every LA, grouped
        /// by LA or by month ([`FlowGrouping`]), of the flows in `only` (every flow when it is
        /// empty), in no particular order. Kept in step with every case write.
        async fn flow_counts(
            &self,
            la: Option<&LaCode>,
            months: (NaiveDate, NaiveDate),
            grouping: FlowGrouping,
            only: &[Flow],
        ) -> Result<Vec<FlowCount>>;

        /// Counts every case's flows again from the summary columns, replacing the counts kept
        /// (after a migration added them, or to repair them).
        async fn rebuild_flow_counts(&self) -> Result<()>;
    }
}

/// Expands into the KPI fact readers `kpi_facts` and `kpi_open_facts` for backend `$db`, whose
/// SQL for reading `cases` through its covering index `cases_la_kpi` is `$kpi_index`.
macro_rules! kpi_methods {
    ($db:ty, $kpi_index:literal) => {
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
                $crate::kpi::kpi_columns!(),
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
                if let Some(row) = $crate::kpi::facts_row!(r, true) {
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
                $crate::kpi::kpi_columns!(),
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
                if let Some((id, _, facts)) = $crate::kpi::facts_row!(r, false) {
                    out.push((id, facts));
                }
            }
            Ok(out)
        }
    };
}

pub(crate) use kpi_methods;

/// Facts read per query when reading them all: few round trips, and pages small enough for
/// a national database.
const FACTS_PAGE: i64 = 10_000;

/// The facts of every case (of one LA, or of all), paging through
/// [`KpiStore::kpi_facts`] by id.
///
/// # Errors
/// As `kpi_facts`.
pub async fn all_kpi_facts<S: KpiStore>(
    store: &S,
    la: Option<&LaCode>,
) -> Result<Vec<(CaseId, LaCode, KpiFacts)>> {
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
/// [`KpiStore::kpi_open_facts`] by id.
///
/// # Errors
/// As `kpi_open_facts`.
pub async fn all_open_kpi_facts<S: KpiStore>(
    store: &S,
    la: &LaCode,
    on: NaiveDate,
) -> Result<Vec<(CaseId, KpiFacts)>> {
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
            $crate::kpi::decode_review_flows(id, $r.try_get("review_flows")?)?
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
pub(crate) fn decode_review_flows(id: i64, text: String) -> Result<Vec<(Flow, NaiveDate)>> {
    waymark_domain::kpi::decode_flows(&text)
        .ok_or_else(|| crate::StoreError::Decode(format!("case {id} has unreadable review flows")))
}
