//! Cases and their event log: the [`CaseStore`] trait, and its methods written once for both
//! backends ([`case_methods`]). They differ only in how a write transaction starts (each
//! backend's `begin_write`), the query builder's database type and the SQL for "now", which
//! the macro takes as arguments.

use serde_json::Value;

use crate::error::Result;
use crate::model::{BatchOutcome, CaseSummary, NewCase, NewEvent, StoredCase, StoredEvent};
use crate::{CaseId, LaCode};

crate::backend::store_trait! {
    /// Creating, reading and changing cases, each with its append-only event log, under
    /// optimistic concurrency. Every method is scoped by the local authority: a case of
    /// another LA is not found.
    pub trait CaseStore {
        /// Creates a case with its first events, numbered 1..=n; its version is n.
        ///
        /// Refused with [`StoreError::DuplicateReference`](crate::StoreError::DuplicateReference)
        /// if the LA already has a case with the reference, and
        /// [`StoreError::UnknownLa`](crate::StoreError::UnknownLa) if the LA is not registered.
        async fn create_case(&self, case: NewCase) -> Result<StoredCase>;

        /// Creates many cases in one transaction, skipping (and counting) those whose
        /// reference the LA already has, so an interrupted import can be run again without
        /// duplicating cases.
        async fn create_cases_batch(&self, cases: Vec<NewCase>) -> Result<BatchOutcome>;

        /// The case with this id in this LA, if there is one.
        async fn load_case(&self, la: &LaCode, id: CaseId) -> Result<Option<StoredCase>>;

        /// The case with this reference in this LA, if there is one.
        async fn find_by_reference(
            &self,
            la: &LaCode,
            reference: &str,
        ) -> Result<Option<StoredCase>>;

        /// Appends events to a case and replaces its summary and state, if the case is still
        /// at `expected_version`; returns the new version (`expected_version + events.len()`).
        ///
        /// Refused, writing nothing, with [`StoreError::Conflict`](crate::StoreError::Conflict)
        /// if the case has another version, [`StoreError::NotFound`](crate::StoreError::NotFound)
        /// if the LA has no such case, and [`StoreError::NoEvents`](crate::StoreError::NoEvents)
        /// if `events` is empty.
        async fn append(
            &self,
            la: &LaCode,
            id: CaseId,
            expected_version: i64,
            events: Vec<NewEvent>,
            summary: CaseSummary,
            state: Value,
        ) -> Result<i64>;

        /// A case's events in order (`seq` 1..=version);
        /// [`StoreError::NotFound`](crate::StoreError::NotFound) if the LA has no such case.
        async fn events(&self, la: &LaCode, id: CaseId) -> Result<Vec<StoredEvent>>;

        /// A page of an LA's cases, in the order they were created.
        async fn list_cases(&self, la: &LaCode, limit: i64, offset: i64) -> Result<Vec<StoredCase>>;

        /// How many cases an LA has.
        async fn count_cases(&self, la: &LaCode) -> Result<i64>;
    }
}

/// Expands into `create_case`, `create_cases_batch`, `load_case`, `find_by_reference`,
/// `append`, `events`, `list_cases` and `count_cases` for backend `$db`; `$now` is the
/// backend's SQL for the current time as stored.
macro_rules! case_methods {
    ($db:ty, $now:literal) => {
        async fn create_case(&self, case: NewCase) -> Result<StoredCase> {
            let mut tx = self.begin_write().await?;
            let stored = create_in(&mut tx, case).await?;
            tx.commit().await?;
            Ok(stored)
        }

        async fn create_cases_batch(&self, cases: Vec<NewCase>) -> Result<BatchOutcome> {
            let mut tx = self.begin_write().await?;
            let outcome = create_batch_in(&mut tx, cases).await?;
            tx.commit().await?;
            Ok(outcome)
        }

        async fn load_case(&self, la: &LaCode, id: CaseId) -> Result<Option<StoredCase>> {
            sqlx::query_as::<_, CaseRow>(rows::LOAD_CASE)
                .bind(id.0)
                .bind(la.as_str())
                .fetch_optional(&self.pool)
                .await?
                .map(CaseRow::into_case)
                .transpose()
        }

        async fn find_by_reference(
            &self,
            la: &LaCode,
            reference: &str,
        ) -> Result<Option<StoredCase>> {
            sqlx::query_as::<_, CaseRow>(rows::FIND_BY_REFERENCE)
                .bind(la.as_str())
                .bind(reference)
                .fetch_optional(&self.pool)
                .await?
                .map(CaseRow::into_case)
                .transpose()
        }

        async fn append(
            &self,
            la: &LaCode,
            id: CaseId,
            expected_version: i64,
            events: Vec<NewEvent>,
            summary: CaseSummary,
            state: Value,
        ) -> Result<i64> {
            let change = $crate::change::CaseChange {
                la: la.clone(),
                id,
                expected_version,
                events,
                summary,
                state,
            };
            let mut tx = self.begin_write().await?;
            let version = append_in(&mut tx, change).await?;
            tx.commit().await?;
            Ok(version)
        }

        async fn events(&self, la: &LaCode, id: CaseId) -> Result<Vec<StoredEvent>> {
            let events: Vec<EventRow> = sqlx::query_as(rows::CASE_EVENTS)
                .bind(id.0)
                .bind(la.as_str())
                .fetch_all(&self.pool)
                .await?;
            if events.is_empty() {
                let exists: i64 = sqlx::query_scalar(rows::CASE_EXISTS)
                    .bind(id.0)
                    .bind(la.as_str())
                    .fetch_one(&self.pool)
                    .await?;
                if exists == 0 {
                    return Err(StoreError::NotFound { case: id });
                }
            }
            Ok(events.into_iter().map(StoredEvent::from).collect())
        }

        async fn list_cases(
            &self,
            la: &LaCode,
            limit: i64,
            offset: i64,
        ) -> Result<Vec<StoredCase>> {
            let found: Vec<CaseRow> = sqlx::query_as(rows::LIST_CASES)
                .bind(la.as_str())
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
            rows::into_cases(found)
        }

        async fn count_cases(&self, la: &LaCode) -> Result<i64> {
            Ok(sqlx::query_scalar(rows::COUNT_CASES)
                .bind(la.as_str())
                .fetch_one(&self.pool)
                .await?)
        }
    };
}

pub(crate) use case_methods;
