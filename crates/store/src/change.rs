//! The unit of work: a change to a case written with everything that follows from it — its
//! audit entry, the letters and plans it produced, the notifications it queued — in **one
//! transaction**. Either all of it is in the database or none of it is: a crash between the
//! case row and its audit entry cannot leave a change nobody can see was made (the crash test,
//! `tests/crash.rs`, checks this).
//!
//! The application layer (`waymark_app::cases`) decides the change and works out its effects
//! before it calls [`ChangeStore::commit_change`] or [`ChangeStore::commit_new_case`]; the
//! store only writes them. On PostgreSQL the transaction holds the audit trail's advisory
//! lock from its start (the hash chain has one head), so the lock is always taken before any
//! case row: no two writers can wait on each other.

use std::future::Future;

use serde_json::Value;
use waymark_domain::{CaseId, LaCode};

use crate::documents::NewDocument;
use crate::portal::NewNotification;
use crate::{BatchOutcome, CaseSummary, NewAuditEntry, NewCase, NewEvent, Result, StoredCase};

/// The events of a change to an existing case, with the summary and state they lead to.
#[derive(Debug, Clone)]
pub struct CaseChange {
    /// The case's LA: a case of another LA is not found.
    pub la: LaCode,
    /// The case.
    pub id: CaseId,
    /// The version the change was decided on; another version is a conflict.
    pub expected_version: i64,
    /// The events, at least one.
    pub events: Vec<NewEvent>,
    /// The summary columns after the events.
    pub summary: CaseSummary,
    /// The state after the events.
    pub state: Value,
}

/// What a change brings with it, written in the change's transaction.
#[derive(Debug, Clone, Default)]
pub struct Effects {
    /// Audit entries (usually one: who made the change).
    pub audit: Vec<NewAuditEntry>,
    /// Documents kept with the case (rendered letters and plans, an uploaded file).
    pub documents: Vec<NewDocument>,
    /// Notifications for the outbox (sent later by the worker).
    pub notifications: Vec<NewNotification>,
}

/// Writes a change and its effects in one transaction.
pub trait ChangeStore {
    /// Appends `change`'s events (as [`crate::CaseStore::append`] does, with its optimistic
    /// concurrency) and writes `effects`, all in one transaction; returns the case's new
    /// version. Refused, writing nothing, as `append` is: [`crate::StoreError::Conflict`],
    /// [`crate::StoreError::NotFound`], [`crate::StoreError::NoEvents`].
    fn commit_change(
        &self,
        change: CaseChange,
        effects: Effects,
    ) -> impl Future<Output = Result<i64>> + Send;

    /// Creates a case (as [`crate::CaseStore::create_case`] does) and writes the effects that
    /// `effects` makes once the case's id is known, all in one transaction.
    fn commit_new_case<F>(
        &self,
        case: NewCase,
        effects: F,
    ) -> impl Future<Output = Result<StoredCase>> + Send
    where
        F: FnOnce(CaseId) -> Effects + Send;

    /// Creates many cases (as [`crate::CaseStore::create_cases_batch`] does, skipping
    /// references the LA already has) and writes `effects` (the import's audit entry), all in
    /// one transaction.
    fn commit_new_cases(
        &self,
        cases: Vec<NewCase>,
        effects: Effects,
    ) -> impl Future<Output = Result<BatchOutcome>> + Send;
}

/// Expands, at a backend module's top level, into the functions that write each part of a
/// unit of work inside a transaction the caller holds: `append_in`, `add_document_in`,
/// `append_audit_in`, `enqueue_in` and `write_effects`. `$db` is the backend's database
/// type, `$store` its store type and `$now` its SQL for the current time as stored;
/// it also implements [`ChangeStore`] for `$store`.
macro_rules! unit_of_work {
    ($store:ty, $db:ty, $now:literal) => {
        /// Appends events to a case at `expected_version` inside `tx`.
        async fn append_in(
            tx: &mut sqlx::Transaction<'static, $db>,
            change: $crate::change::CaseChange,
        ) -> $crate::Result<i64> {
            let $crate::change::CaseChange {
                la,
                id,
                expected_version,
                events,
                summary,
                state,
            } = change;
            if events.is_empty() {
                return Err($crate::StoreError::NoEvents { case: id });
            }
            let new_version = expected_version + $crate::version_of(events.len());
            let before = read_flow_summary(tx, id.0, la.as_str()).await?;
            let updated = sqlx::query(concat!(
                "UPDATE cases SET version = $1, stage = $2, given_name = $3, family_name = $4, \
                 date_of_birth = $5, upn = $6, request_received = $7, caseworker = $8, \
                 closed = $9, next_due_date = $14, next_due_clock = $15, school = $16, \
                 has_exception = $17, assess_on = $18, assess_yes = $19, issue_on = $20, \
                 issue_yes = $21, final_issued_on = $22, final_excused = $23, closed_on = $24, \
                 primary_need = $25, placement_type = $26, review_flows = $27, state = $10, \
                 updated_at = ",
                $now,
                " WHERE id = $11 AND la_code = $12 AND version = $13"
            ))
            .bind(new_version)
            .bind(&summary.stage)
            .bind(&summary.given_name)
            .bind(&summary.family_name)
            .bind(summary.date_of_birth)
            .bind(&summary.upn)
            .bind(summary.request_received)
            .bind(&summary.caseworker)
            .bind(summary.closed)
            .bind(sqlx::types::Json(&state))
            .bind(id.0)
            .bind(la.as_str())
            .bind(expected_version)
            .bind(summary.next_due)
            .bind(&summary.next_due_clock)
            .bind(&summary.school)
            .bind(summary.has_exception)
            .bind(summary.assess_on)
            .bind(summary.assess_yes)
            .bind(summary.issue_on)
            .bind(summary.issue_yes)
            .bind(summary.final_issued_on)
            .bind(summary.final_excused)
            .bind(summary.closed_on)
            .bind(&summary.primary_need)
            .bind(&summary.placement_type)
            .bind(&summary.review_flows)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if updated == 0 {
                let found: Option<i64> = sqlx::query_scalar($crate::rows::CASE_VERSION)
                    .bind(id.0)
                    .bind(la.as_str())
                    .fetch_optional(&mut **tx)
                    .await?;
                return Err(match found {
                    None => $crate::StoreError::NotFound { case: id },
                    Some(found) => $crate::StoreError::Conflict {
                        case: id,
                        expected: expected_version,
                        found,
                    },
                });
            }
            let numbered: Vec<(i64, i64, &$crate::NewEvent)> =
                $crate::batch::numbered(id.0, expected_version, &events).collect();
            insert_events(tx, &numbered).await?;
            let mut flows = $crate::flows::FlowDeltas::default();
            if let Some(before) = &before {
                flows.add(&la, before, -1);
            }
            flows.add(&la, &summary, 1);
            upsert_flows(tx, &flows).await?;
            Ok(new_version)
        }

        /// Creates a case with its first events inside `tx`.
        async fn create_in(
            tx: &mut sqlx::Transaction<'static, $db>,
            case: $crate::NewCase,
        ) -> $crate::Result<$crate::StoredCase> {
            let version = $crate::version_of(case.events.len());
            let summary = &case.summary;
            let inserted = sqlx::query_scalar::<_, i64>(
                "INSERT INTO cases (la_code, reference, version, stage, given_name, family_name, \
                 date_of_birth, upn, request_received, caseworker, closed, next_due_date, \
                 next_due_clock, school, has_exception, assess_on, assess_yes, issue_on, issue_yes, \
                 final_issued_on, final_excused, closed_on, primary_need, placement_type, \
                 review_flows, state) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                 $18, $19, $20, $21, $22, $23, $24, $25, $26) RETURNING id",
            )
            .bind(case.la.as_str())
            .bind(&case.reference)
            .bind(version)
            .bind(&summary.stage)
            .bind(&summary.given_name)
            .bind(&summary.family_name)
            .bind(summary.date_of_birth)
            .bind(&summary.upn)
            .bind(summary.request_received)
            .bind(&summary.caseworker)
            .bind(summary.closed)
            .bind(summary.next_due)
            .bind(&summary.next_due_clock)
            .bind(&summary.school)
            .bind(summary.has_exception)
            .bind(summary.assess_on)
            .bind(summary.assess_yes)
            .bind(summary.issue_on)
            .bind(summary.issue_yes)
            .bind(summary.final_issued_on)
            .bind(summary.final_excused)
            .bind(summary.closed_on)
            .bind(&summary.primary_need)
            .bind(&summary.placement_type)
            .bind(&summary.review_flows)
            .bind(Json(&case.state))
            .fetch_one(&mut **tx)
            .await;
            let id = match inserted {
                Ok(id) => id,
                Err(e) if is_unique_violation(&e) => {
                    return Err(StoreError::DuplicateReference {
                        reference: case.reference,
                    });
                }
                Err(e) if is_foreign_key_violation(&e) => {
                    return Err(StoreError::UnknownLa { la: case.la });
                }
                Err(e) => return Err(e.into()),
            };
            let events: Vec<(i64, i64, &NewEvent)> = $crate::batch::numbered(id, 0, &case.events).collect();
            insert_events(tx, &events).await?;
            let mut flows = $crate::flows::FlowDeltas::default();
            flows.add(&case.la, &case.summary, 1);
            upsert_flows(tx, &flows).await?;
            Ok(StoredCase {
                id: CaseId(id),
                la: case.la,
                reference: case.reference,
                version,
                summary: case.summary,
                state: case.state,
            })
        }



        /// Creates many cases inside `tx`, skipping those whose reference the LA has.
        async fn create_batch_in(
            tx: &mut sqlx::Transaction<'static, $db>,
            cases: Vec<$crate::NewCase>,
        ) -> $crate::Result<$crate::BatchOutcome> {
            for la in distinct_las(&cases) {
                let known: i64 = sqlx::query_scalar($crate::rows::LA_EXISTS)
                    .bind(la.as_str())
                    .fetch_one(&mut **tx)
                    .await?;
                if known == 0 {
                    return Err(StoreError::UnknownLa { la: la.clone() });
                }
            }
            let mut outcome = $crate::BatchOutcome::default();
            let mut flows = $crate::flows::FlowDeltas::default();
            for chunk in cases.chunks($crate::rows::CASES_PER_INSERT) {
                let mut insert = sqlx::QueryBuilder::<$db>::new($crate::rows::INSERT_CASE_COLUMNS);
                insert.push_values(chunk, |mut row, case| {
                    let summary = &case.summary;
                    row.push_bind(case.la.as_str())
                        .push_bind(case.reference.as_str())
                        .push_bind($crate::version_of(case.events.len()))
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
                    insert.build_query_as().fetch_all(&mut **tx).await?;
                let (events, made, counts) = events_of_created(chunk, created);
                outcome.created += counts.created;
                outcome.already_present += counts.already_present;
                insert_events(tx, &events).await?;
                for case in made {
                    flows.add(&case.la, &case.summary, 1);
                }
            }
            upsert_flows(tx, &flows).await?;
            Ok(outcome)
        }

        /// Keeps a document with a case of `la` inside `tx`, as the next version of its title.
        async fn add_document_in(
            tx: &mut sqlx::Transaction<'static, $db>,
            la: &waymark_domain::LaCode,
            document: $crate::documents::NewDocument,
        ) -> $crate::Result<$crate::documents::DocumentInfo> {
            let found: i64 = sqlx::query_scalar($crate::rows::CASE_EXISTS)
                .bind(document.case_id.0)
                .bind(la.as_str())
                .fetch_one(&mut **tx)
                .await?;
            if found == 0 {
                return Err($crate::StoreError::NotFound {
                    case: document.case_id,
                });
            }
            let version: i32 = sqlx::query_scalar(
                "SELECT CAST(coalesce(max(version), 0) + 1 AS INTEGER) FROM documents \
                 WHERE case_id = $1 AND kind = $2 AND title = $3",
            )
            .bind(document.case_id.0)
            .bind(&document.kind)
            .bind(&document.title)
            .fetch_one(&mut **tx)
            .await?;
            let sha256 = $crate::documents::sha256_hex(&document.content);
            let size = i64::try_from(document.content.len()).unwrap_or(i64::MAX);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO documents (case_id, kind, title, filename, content_type, size, \
                 sha256, version, scan, content, uploaded_by, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(document.case_id.0)
            .bind(&document.kind)
            .bind(&document.title)
            .bind(&document.filename)
            .bind(&document.content_type)
            .bind(size)
            .bind(&sha256)
            .bind(version)
            .bind(&document.scan)
            .bind(&document.content)
            .bind(&document.uploaded_by)
            .bind(document.uploaded_at)
            .fetch_one(&mut **tx)
            .await?;
            Ok($crate::documents::DocumentInfo {
                id,
                case_id: document.case_id,
                kind: document.kind,
                title: document.title,
                filename: document.filename,
                content_type: document.content_type,
                size,
                sha256,
                version,
                scan: document.scan,
                uploaded_by: document.uploaded_by,
                uploaded_at: document.uploaded_at,
            })
        }

        /// Chains an audit entry onto the trail inside `tx`, which must hold the audit lock
        /// (`begin_serialised(AUDIT_LOCK)`).
        async fn append_audit_in(
            tx: &mut sqlx::Transaction<'static, $db>,
            entry: $crate::audit::NewAuditEntry,
        ) -> $crate::Result<()> {
            let (head_seq, head_hash): (i64, String) =
                sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                    .fetch_one(&mut **tx)
                    .await?;
            let row = $crate::audit::AuditEntry::chained(entry, head_seq, head_hash);
            sqlx::query(
                "INSERT INTO audit_log (seq, at, user_id, la_code, action, record_type, \
                 record_id, case_id, ip, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(row.seq)
            .bind(row.at)
            .bind(row.user_id.map(|u| u.0))
            .bind(row.la.as_ref().map($crate::LaCode::as_str))
            .bind(&row.action)
            .bind(&row.record_type)
            .bind(&row.record_id)
            .bind(row.case_id.map(|c| c.0))
            .bind(&row.ip)
            .bind(&row.prev_hash)
            .bind(&row.hash)
            .execute(&mut **tx)
            .await?;
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(row.seq)
                .bind(&row.hash)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        /// Queues a notification inside `tx`; `false` if its key was queued before.
        async fn enqueue_in(
            tx: &mut sqlx::Transaction<'static, $db>,
            notification: &$crate::outbox::NewNotification,
        ) -> $crate::Result<bool> {
            let at = $crate::identity::micros(notification.created_at);
            let inserted = sqlx::query(
                "INSERT INTO outbox (la_code, template, recipient, personalisation, \
                 idempotency_key, created_at, next_attempt_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING",
            )
            .bind(notification.la.as_ref().map(|l| l.as_str().to_string()))
            .bind(&notification.template)
            .bind(&notification.recipient)
            .bind(notification.personalisation.to_string())
            .bind(&notification.idempotency_key)
            .bind(at)
            .bind(at)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            Ok(inserted == 1)
        }

        /// Writes a change's effects inside `tx` (which holds the audit lock).
        async fn write_effects(
            tx: &mut sqlx::Transaction<'static, $db>,
            la: &waymark_domain::LaCode,
            effects: $crate::change::Effects,
        ) -> $crate::Result<()> {
            for document in effects.documents {
                add_document_in(tx, la, document).await?;
            }
            for notification in &effects.notifications {
                enqueue_in(tx, notification).await?;
            }
            for entry in effects.audit {
                append_audit_in(tx, entry).await?;
            }
            Ok(())
        }

        impl $crate::change::ChangeStore for $store {
            async fn commit_change(
                &self,
                change: $crate::change::CaseChange,
                effects: $crate::change::Effects,
            ) -> $crate::Result<i64> {
                let la = change.la.clone();
                let mut tx = self.begin_serialised($crate::audit::AUDIT_LOCK).await?;
                let version = append_in(&mut tx, change).await?;
                write_effects(&mut tx, &la, effects).await?;
                tx.commit().await?;
                Ok(version)
            }

            async fn commit_new_case<F>(
                &self,
                case: $crate::NewCase,
                effects: F,
            ) -> $crate::Result<$crate::StoredCase>
            where
                F: FnOnce(waymark_domain::CaseId) -> $crate::change::Effects + Send,
            {
                let la = case.la.clone();
                let mut tx = self.begin_serialised($crate::audit::AUDIT_LOCK).await?;
                let stored = create_in(&mut tx, case).await?;
                write_effects(&mut tx, &la, effects(stored.id)).await?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn commit_new_cases(
                &self,
                cases: Vec<$crate::NewCase>,
                effects: $crate::change::Effects,
            ) -> $crate::Result<$crate::BatchOutcome> {
                let mut tx = self.begin_serialised($crate::audit::AUDIT_LOCK).await?;
                let outcome = create_batch_in(&mut tx, cases).await?;
                for entry in effects.audit {
                    append_audit_in(&mut tx, entry).await?;
                }
                for notification in &effects.notifications {
                    enqueue_in(&mut tx, notification).await?;
                }
                tx.commit().await?;
                Ok(outcome)
            }
        }
    };
}

pub(crate) use unit_of_work;

impl ChangeStore for crate::Backend {
    async fn commit_change(&self, change: CaseChange, effects: Effects) -> Result<i64> {
        match self {
            crate::Backend::Sqlite(store) => store.commit_change(change, effects).await,
            crate::Backend::Postgres(store) => store.commit_change(change, effects).await,
        }
    }

    async fn commit_new_case<F>(&self, case: NewCase, effects: F) -> Result<StoredCase>
    where
        F: FnOnce(CaseId) -> Effects + Send,
    {
        match self {
            crate::Backend::Sqlite(store) => store.commit_new_case(case, effects).await,
            crate::Backend::Postgres(store) => store.commit_new_case(case, effects).await,
        }
    }

    async fn commit_new_cases(
        &self,
        cases: Vec<NewCase>,
        effects: Effects,
    ) -> Result<BatchOutcome> {
        match self {
            crate::Backend::Sqlite(store) => store.commit_new_cases(cases, effects).await,
            crate::Backend::Postgres(store) => store.commit_new_cases(cases, effects).await,
        }
    }
}
