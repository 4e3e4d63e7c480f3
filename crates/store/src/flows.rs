//! Flows counted per LA and month (`kpi_flows`), kept in step with the cases in the same
//! transaction as every case write, so period figures for every LA together are a sum of a
//! few thousand counts rather than a read of every case. What counts as a flow is the
//! domain's ([`waymark_domain::kpi::Flow`], [`FlowFacts::flows`]); the store only adds up. They
//! are read through [`KpiStore::flow_counts`](crate::KpiStore::flow_counts).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use waymark_domain::LaCode;
use waymark_domain::kpi::{Flow, FlowFacts};

use crate::model::CaseSummary;

/// Changes to counts: `(la, flow key, first day of the month)` → how many to add (or take).
#[derive(Debug, Default)]
pub(crate) struct FlowDeltas(BTreeMap<(String, &'static str, NaiveDate), i64>);

impl FlowDeltas {
    /// Counts a case's flows as `sign` (1 for the case as written, -1 for it as it was).
    pub(crate) fn add(&mut self, la: &LaCode, summary: &CaseSummary, sign: i64) {
        for (flow, day) in flows_of(summary) {
            let Some(month) = day.with_day(1) else {
                continue;
            };
            *self
                .0
                .entry((la.as_str().to_owned(), flow.key(), month))
                .or_default() += sign;
        }
    }

    /// The same changes added up per calendar year: `(la, flow, year, n)`, in key order.
    pub(crate) fn yearly_changes(&self) -> Vec<(&str, &'static str, i32, i64)> {
        let mut years: BTreeMap<(&str, &'static str, i32), i64> = BTreeMap::new();
        for ((la, flow, month), n) in &self.0 {
            *years.entry((la.as_str(), *flow, month.year())).or_default() += n;
        }
        years
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .map(|((la, flow, year), n)| (la, flow, year, n))
            .collect()
    }

    /// The changes that change something, in key order (so concurrent writers lock the
    /// same rows in the same order).
    pub(crate) fn changes(&self) -> Vec<(&str, &'static str, NaiveDate, i64)> {
        self.0
            .iter()
            .filter(|(_, n)| **n != 0)
            .map(|((la, flow, month), n)| (la.as_str(), *flow, *month, *n))
            .collect()
    }
}

/// A case's flows from its summary columns ([`FlowFacts`]: only the columns they depend on,
/// so nothing is made up for the rest); none for a row without the dates every case has
/// (which the figures leave out too).
fn flows_of(summary: &CaseSummary) -> Vec<(Flow, NaiveDate)> {
    let (Some(_), Some(request_received)) = (summary.date_of_birth, summary.request_received)
    else {
        return Vec::new();
    };
    // Written by the domain; a column it cannot read back counts no review flows. (The KPI
    // readers refuse such a row, `facts_row!`; this one cannot say so until `FlowDeltas::add`
    // returns a `Result`.)
    let review_flows = waymark_domain::kpi::decode_flows(&summary.review_flows).unwrap_or_default();
    let facts = FlowFacts {
        request_received,
        assessment: summary.assess_on.zip(summary.assess_yes),
        issue: summary.issue_on.zip(summary.issue_yes),
        final_issued: summary.final_issued_on,
        final_excused: summary.final_excused,
        review_flows: &review_flows,
    };
    // A request too near the end of the calendar has no clocks; it counts as received only.
    facts
        .flows()
        .unwrap_or_else(|_| vec![(Flow::RequestReceived, request_received)])
}

/// How [`KpiStore::flow_counts`](crate::KpiStore::flow_counts) groups its sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowGrouping {
    /// One sum per LA and flow over the months asked for.
    ByLa,
    /// One sum per month and flow (over the LA asked for, or every LA).
    ByMonth,
}

/// A sum of a flow's counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowCount {
    /// The LA, when grouped by LA.
    pub la: Option<LaCode>,
    /// The month's first day, when grouped by month.
    pub month: Option<NaiveDate>,
    /// The flow.
    pub flow: Flow,
    /// How many.
    pub n: i64,
}

/// A range of months cut into whole calendar years and the months either side.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Split {
    /// Ranges of months (first days of months, both included).
    pub(crate) months: Vec<(NaiveDate, NaiveDate)>,
    /// The whole years, first and last, if any.
    pub(crate) years: Option<(i32, i32)>,
}

/// Cuts the months `first` to `last` (first days of months) into whole years and the rest.
pub(crate) fn split_years((first, last): (NaiveDate, NaiveDate)) -> Split {
    let first_year = if first.month() == 1 {
        first.year()
    } else {
        first.year() + 1
    };
    let last_year = if last.month() == 12 {
        last.year()
    } else {
        last.year() - 1
    };
    let january = |year| NaiveDate::from_ymd_opt(year, 1, 1);
    let december = |year| NaiveDate::from_ymd_opt(year, 12, 1);
    match (january(first_year), december(last_year)) {
        (Some(start), Some(end)) if first_year <= last_year => {
            let mut months = Vec::new();
            if first < start {
                months.extend(december(first_year - 1).map(|d| (first, d)));
            }
            if last > end {
                months.extend(january(last_year + 1).map(|j| (j, last)));
            }
            Split {
                months,
                years: Some((first_year, last_year)),
            }
        }
        _ => Split {
            months: vec![(first, last)],
            years: None,
        },
    }
}

/// The summary columns the flows need, read back before a case is changed.
pub(crate) const FLOW_COLUMNS: &str = "stage, date_of_birth, request_received, assess_on, \
     assess_yes, issue_on, issue_yes, final_issued_on, final_excused, review_flows";

/// Expands into the backend's free functions `upsert_flows(tx, deltas)`,
/// `read_flow_summary(tx, id, la)`, `flow_summary(row)` and `flows_need_counting(pool)`, which
/// the case writes and `migrate` use (outside any impl). The `KpiStore` methods over the counts
/// are [`flow_methods`] (inside the backend's `KpiStore` impl).
macro_rules! flow_helpers {
    ($db:ty) => {
        /// Adds the deltas to the counts, creating rows as needed.
        async fn upsert_flows(
            tx: &mut sqlx::Transaction<'_, $db>,
            deltas: &$crate::flows::FlowDeltas,
        ) -> Result<()> {
            let changes = deltas.changes();
            for chunk in changes.chunks(500) {
                let mut insert =
                    sqlx::QueryBuilder::<$db>::new("INSERT INTO kpi_flows (flow, month, la_code, n) ");
                insert.push_values(chunk, |mut row, (la, flow, month, n)| {
                    row.push_bind(*flow)
                        .push_bind(*month)
                        .push_bind(*la)
                        .push_bind(*n);
                });
                insert.push(
                    " ON CONFLICT (flow, month, la_code) DO UPDATE SET n = kpi_flows.n + excluded.n",
                );
                insert.build().execute(&mut **tx).await?;
            }
            let years = deltas.yearly_changes();
            for chunk in years.chunks(500) {
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO kpi_flows_yearly (flow, year, la_code, n) ",
                );
                insert.push_values(chunk, |mut row, (la, flow, year, n)| {
                    row.push_bind(*flow)
                        .push_bind(*year)
                        .push_bind(*la)
                        .push_bind(*n);
                });
                insert.push(
                    " ON CONFLICT (flow, year, la_code) DO UPDATE \
                     SET n = kpi_flows_yearly.n + excluded.n",
                );
                insert.build().execute(&mut **tx).await?;
            }
            Ok(())
        }

        /// The flow columns of a case as they are before a write at `version`.
        async fn read_flow_summary(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            la: &str,
        ) -> Result<Option<CaseSummary>> {
            let sql = format!(
                "SELECT {} FROM cases WHERE id = $1 AND la_code = $2",
                $crate::flows::FLOW_COLUMNS
            );
            let row = sqlx::query(&sql)
                .bind(id)
                .bind(la)
                .fetch_optional(&mut **tx)
                .await?;
            row.as_ref().map(flow_summary).transpose()
        }

        /// The [`FLOW_COLUMNS`]($crate::flows::FLOW_COLUMNS) of a row as a summary.
        fn flow_summary(r: &<$db as sqlx::Database>::Row) -> Result<CaseSummary> {
            use sqlx::Row;
            Ok(CaseSummary {
                stage: r.try_get("stage")?,
                date_of_birth: r.try_get("date_of_birth")?,
                request_received: r.try_get("request_received")?,
                assess_on: r.try_get("assess_on")?,
                assess_yes: r.try_get("assess_yes")?,
                issue_on: r.try_get("issue_on")?,
                issue_yes: r.try_get("issue_yes")?,
                final_issued_on: r.try_get("final_issued_on")?,
                final_excused: r.try_get("final_excused")?,
                review_flows: r.try_get("review_flows")?,
                ..CaseSummary::default()
            })
        }

        /// Whether a migration asked for the flows to be counted again.
        async fn flows_need_counting(pool: &sqlx::Pool<$db>) -> Result<bool> {
            let pending: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM maintenance WHERE task = 'rebuild_kpi_flows'",
            )
            .fetch_one(pool)
            .await?;
            Ok(pending > 0)
        }
    };
}

/// Expands into the [`KpiStore`](crate::KpiStore) methods `flow_counts` and
/// `rebuild_flow_counts` for backend `$db`.
macro_rules! flow_methods {
    ($db:ty) => {
        async fn flow_counts(
            &self,
            la: Option<&LaCode>,
            months: (chrono::NaiveDate, chrono::NaiveDate),
            grouping: $crate::flows::FlowGrouping,
            only: &[waymark_domain::kpi::Flow],
        ) -> Result<Vec<$crate::flows::FlowCount>> {
            use sqlx::Row;
            let by_la = grouping == $crate::flows::FlowGrouping::ByLa;
            let group = if by_la { "la_code" } else { "month" };
            // By LA, whole calendar years come from the yearly counts and only the months
            // either side from the monthly ones.
            let split = if by_la {
                $crate::flows::split_years(months)
            } else {
                $crate::flows::Split {
                    months: vec![months],
                    years: None,
                }
            };
            // Every flow asked for by name, so each branch seeks on the key (flow, month) or
            // the LA's index (la_code, flow, month) rather than scanning.
            let flows: &[waymark_domain::kpi::Flow] = if only.is_empty() {
                &waymark_domain::kpi::Flow::ALL
            } else {
                only
            };
            let filters = |q: &mut sqlx::QueryBuilder<'_, $db>| {
                if let Some(la) = la {
                    q.push(" AND la_code = ").push_bind(la.as_str().to_owned());
                }
                q.push(" AND flow IN (");
                let mut keys = q.separated(", ");
                for flow in flows {
                    keys.push_bind(flow.key());
                }
                q.push(")");
            };
            let mut q = sqlx::QueryBuilder::<$db>::new(
                "SELECT g, flow, CAST(SUM(n) AS BIGINT) AS n FROM (",
            );
            let mut branches = 0;
            for (first, last) in &split.months {
                if branches > 0 {
                    q.push(" UNION ALL ");
                }
                branches += 1;
                q.push(format!(
                    "SELECT {group} AS g, flow, n FROM kpi_flows WHERE month >= "
                ))
                .push_bind(*first)
                .push(" AND month <= ")
                .push_bind(*last);
                filters(&mut q);
            }
            if let Some((first, last)) = split.years {
                if branches > 0 {
                    q.push(" UNION ALL ");
                }
                q.push("SELECT la_code AS g, flow, n FROM kpi_flows_yearly WHERE year >= ")
                    .push_bind(first)
                    .push(" AND year <= ")
                    .push_bind(last);
                filters(&mut q);
            }
            q.push(") t GROUP BY g, flow");
            let rows = q.build().fetch_all(&self.pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let key: String = r.try_get("flow")?;
                let Some(flow) = waymark_domain::kpi::Flow::from_key(&key) else {
                    return Err(StoreError::Decode(format!("unknown flow '{key}'")));
                };
                let (la, month) = if by_la {
                    let code: String = r.try_get("g")?;
                    let la = LaCode::parse(&code)
                        .map_err(|e| StoreError::Decode(format!("bad LA code '{code}': {e}")))?;
                    (Some(la), None)
                } else {
                    (None, Some(r.try_get::<chrono::NaiveDate, _>("g")?))
                };
                out.push($crate::flows::FlowCount {
                    la,
                    month,
                    flow,
                    n: r.try_get("n")?,
                });
            }
            Ok(out)
        }

        async fn rebuild_flow_counts(&self) -> Result<()> {
            use sqlx::Row;
            let mut tx = self.begin_write().await?;
            sqlx::query("DELETE FROM kpi_flows")
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM kpi_flows_yearly")
                .execute(&mut *tx)
                .await?;
            let mut after = 0_i64;
            loop {
                let sql = format!(
                    "SELECT id, la_code, {} FROM cases WHERE id > $1 ORDER BY id LIMIT 20000",
                    $crate::flows::FLOW_COLUMNS
                );
                let rows = sqlx::query(&sql).bind(after).fetch_all(&mut *tx).await?;
                if rows.is_empty() {
                    break;
                }
                let mut deltas = $crate::flows::FlowDeltas::default();
                for r in &rows {
                    after = r.try_get("id")?;
                    let code: String = r.try_get("la_code")?;
                    let la = LaCode::parse(&code)
                        .map_err(|e| StoreError::Decode(format!("bad LA code '{code}': {e}")))?;
                    deltas.add(&la, &flow_summary(r)?, 1);
                }
                upsert_flows(&mut tx, &deltas).await?;
            }
            sqlx::query("DELETE FROM maintenance WHERE task = 'rebuild_kpi_flows'")
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        }
    };
}

pub(crate) use {flow_helpers, flow_methods};

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn months_are_cut_into_whole_years_and_the_months_either_side() {
        // November 2016 to October 2026: two months, nine years, ten months.
        assert_eq!(
            split_years((d("2016-11-01"), d("2026-10-01"))),
            Split {
                months: vec![
                    (d("2016-11-01"), d("2016-12-01")),
                    (d("2026-01-01"), d("2026-10-01"))
                ],
                years: Some((2017, 2025)),
            }
        );
        // One calendar year is one year and no months.
        assert_eq!(
            split_years((d("2025-01-01"), d("2025-12-01"))),
            Split {
                months: vec![],
                years: Some((2025, 2025)),
            }
        );
        // No whole year inside: months only.
        assert_eq!(
            split_years((d("2025-02-01"), d("2026-01-01"))),
            Split {
                months: vec![(d("2025-02-01"), d("2026-01-01"))],
                years: None,
            }
        );
    }
}
