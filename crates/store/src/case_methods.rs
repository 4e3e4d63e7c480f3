//! The `Store` methods that create, read and change cases, written once for both backends.
//! They differ only in how a write transaction starts (each backend's `begin_write`), the
//! query builder's database type and the SQL for "now", which the macro takes as arguments.

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
            for la in distinct_las(&cases) {
                let known: i64 = sqlx::query_scalar(rows::LA_EXISTS)
                    .bind(la.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                if known == 0 {
                    return Err(StoreError::UnknownLa { la: la.clone() });
                }
            }
            let mut outcome = BatchOutcome::default();
            let mut flows = $crate::flows::FlowDeltas::default();
            for chunk in cases.chunks(rows::CASES_PER_INSERT) {
                let mut insert = QueryBuilder::<$db>::new(rows::INSERT_CASE_COLUMNS);
                insert.push_values(chunk, |mut row, case| {
                    let summary = &case.summary;
                    row.push_bind(case.la.as_str())
                        .push_bind(case.reference.as_str())
                        .push_bind(version_of(case.events.len()))
                        .push_bind(summary.stage.as_str())
                        .push_bind(summary.given_name.as_str())
                        .push_bind(summary.family_name.as_str())
                        .push_bind(summary.date_of_birth)
                        .push_bind(summary.upn.as_deref())
                        .push_bind(summary.request_received)
                        .push_bind(summary.caseworker.as_deref())
                        .push_bind(summary.closed)
                        .push_bind(summary.next_due)
                        .push_bind(summary.next_due_clock.as_deref())
                        .push_bind(summary.school.as_deref())
                        .push_bind(summary.has_exception)
                        .push_bind(summary.assess_on)
                        .push_bind(summary.assess_yes)
                        .push_bind(summary.issue_on)
                        .push_bind(summary.issue_yes)
                        .push_bind(summary.final_issued_on)
                        .push_bind(summary.final_excused)
                        .push_bind(summary.closed_on)
                        .push_bind(summary.primary_need.as_deref())
                        .push_bind(summary.placement_type.as_deref())
                        .push_bind(summary.review_flows.as_str())
                        .push_bind(Json(&case.state));
                });
                insert.push(
                    " ON CONFLICT (la_code, reference) DO NOTHING RETURNING id, la_code, reference",
                );
                let created: Vec<(i64, String, String)> =
                    insert.build_query_as().fetch_all(&mut *tx).await?;
                let (events, made, counts) = events_of_created(chunk, created);
                outcome.created += counts.created;
                outcome.already_present += counts.already_present;
                insert_events(&mut tx, &events).await?;
                for case in made {
                    flows.add(&case.la, &case.summary, 1);
                }
            }
            upsert_flows(&mut tx, &flows).await?;
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
