//! The outbox of notifications (emails through GOV.UK Notify or SMTP): queued once by
//! idempotency key, claimed by the notification worker under a lease, and marked sent or
//! failed: the [`OutboxStore`] trait. The SQL is the same on both backends and expands into
//! each backend's `OutboxStore` impl (`outbox_methods`; migration 0008).

use chrono::{DateTime, Utc};
use serde_json::Value;
use waymark_domain::LaCode;

use crate::error::Result;

crate::backend::store_trait! {
    /// The queue of notifications to send.
    pub trait OutboxStore {
        /// Queues a notification; `false` if its idempotency key was queued before.
        async fn enqueue_notification(&self, notification: &NewNotification) -> Result<bool>;

        /// Claims up to `limit` notifications due at `now` for `lease` (no other worker gets
        /// them until it ends), counting an attempt on each.
        async fn claim_notifications(
            &self,
            now: DateTime<Utc>,
            lease: chrono::Duration,
            limit: i64,
        ) -> Result<Vec<Notification>>;

        /// Records a notification as sent.
        async fn mark_notification_sent(
            &self,
            id: i64,
            now: DateTime<Utc>,
            provider_reference: Option<&str>,
        ) -> Result<()>;

        /// Records a failed attempt and when to try again.
        async fn mark_notification_failed(
            &self,
            id: i64,
            error: &str,
            next_attempt_at: DateTime<Utc>,
        ) -> Result<()>;

        /// The latest notifications, newest first.
        async fn notifications(&self, limit: i64) -> Result<Vec<Notification>>;
    }
}

/// A notification to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    /// The council it is from.
    pub la: Option<LaCode>,
    /// Which message (`invite`, `advice_requested`, ...).
    pub template: String,
    /// The email address.
    pub recipient: String,
    /// What fills the template: a first name and a link, nothing more personal.
    pub personalisation: Value,
    /// Queuing the same key twice queues it once.
    pub idempotency_key: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A queued notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// Its number.
    pub id: i64,
    /// The council it is from.
    pub la: Option<LaCode>,
    /// Which message.
    pub template: String,
    /// The email address.
    pub recipient: String,
    /// What fills the template.
    pub personalisation: Value,
    /// Its idempotency key (also sent to the provider as its reference).
    pub idempotency_key: String,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Sending attempts so far (counting the one in progress, once claimed).
    pub attempts: i32,
    /// Not before then.
    pub next_attempt_at: DateTime<Utc>,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// The provider's id for it.
    pub provider_reference: Option<String>,
    /// The last failure.
    pub last_error: Option<String>,
}

pub(crate) const NOTIFICATION_COLUMNS: &str = "id, la_code, template, recipient, \
     personalisation, idempotency_key, created_at, attempts, next_attempt_at, sent_at, \
     provider_reference, last_error";

/// Expands into the [`OutboxStore`] methods for backend `$db`. The backend provides
/// `begin_serialised(lock)` and the row reader of [`outbox_rows`].
macro_rules! outbox_methods {
    ($db:ty) => {
        async fn enqueue_notification(
            &self,
            notification: &$crate::outbox::NewNotification,
        ) -> $crate::Result<bool> {
            let mut tx = self.begin_write().await?;
            let queued = enqueue_in(&mut tx, notification).await?;
            tx.commit().await?;
            Ok(queued)
        }

        async fn claim_notifications(
            &self,
            now: chrono::DateTime<chrono::Utc>,
            lease: chrono::Duration,
            limit: i64,
        ) -> $crate::Result<Vec<$crate::outbox::Notification>> {
            let now = $crate::identity::micros(now);
            let mut tx = self.begin_serialised($crate::outbox::OUTBOX_LOCK).await?;
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 \
                 AND (locked_until IS NULL OR locked_until <= $1) ORDER BY id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
            let mut claimed = Vec::with_capacity(ids.len());
            for id in ids {
                let sql = format!(
                    "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 WHERE id = $2 \
                     RETURNING {}",
                    $crate::outbox::NOTIFICATION_COLUMNS
                );
                let row = sqlx::query(&sql)
                    .bind(now + lease)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                claimed.push(Self::notification_of(&row)?);
            }
            tx.commit().await?;
            Ok(claimed)
        }

        async fn mark_notification_sent(
            &self,
            id: i64,
            now: chrono::DateTime<chrono::Utc>,
            provider_reference: Option<&str>,
        ) -> $crate::Result<()> {
            sqlx::query(
                "UPDATE outbox SET sent_at = $1, provider_reference = $2, locked_until = NULL, \
                 last_error = NULL WHERE id = $3",
            )
            .bind($crate::identity::micros(now))
            .bind(provider_reference)
            .bind(id)
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn mark_notification_failed(
            &self,
            id: i64,
            error: &str,
            next_attempt_at: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<()> {
            sqlx::query(
                "UPDATE outbox SET last_error = $1, next_attempt_at = $2, locked_until = NULL \
                 WHERE id = $3 AND sent_at IS NULL",
            )
            .bind(error)
            .bind($crate::identity::micros(next_attempt_at))
            .bind(id)
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn notifications(
            &self,
            limit: i64,
        ) -> $crate::Result<Vec<$crate::outbox::Notification>> {
            let sql = format!(
                "SELECT {} FROM outbox ORDER BY id DESC LIMIT $1",
                $crate::outbox::NOTIFICATION_COLUMNS
            );
            let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?;
            rows.iter().map(Self::notification_of).collect()
        }
    };
}

pub(crate) use outbox_methods;

/// The lock that serialises outbox claims on PostgreSQL (any number that no other writer
/// uses).
pub(crate) const OUTBOX_LOCK: i64 = 0x6f75_7462_6f78;

/// Expands into the row reader the outbox methods use, as an inherent function of `$store`.
macro_rules! outbox_rows {
    ($store:ty, $row:ty) => {
        impl $store {
            fn notification_of(r: &$row) -> $crate::Result<$crate::outbox::Notification> {
                use sqlx::Row;
                let personalisation: String = r.try_get("personalisation")?;
                Ok($crate::outbox::Notification {
                    id: r.try_get("id")?,
                    la: $crate::rows::la_of(r.try_get("la_code")?)?,
                    template: r.try_get("template")?,
                    recipient: r.try_get("recipient")?,
                    personalisation: serde_json::from_str(&personalisation).map_err(|e| {
                        $crate::StoreError::Decode(format!("notification personalisation: {e}"))
                    })?,
                    idempotency_key: r.try_get("idempotency_key")?,
                    created_at: r.try_get("created_at")?,
                    attempts: r.try_get("attempts")?,
                    next_attempt_at: r.try_get("next_attempt_at")?,
                    sent_at: r.try_get("sent_at")?,
                    provider_reference: r.try_get("provider_reference")?,
                    last_error: r.try_get("last_error")?,
                })
            }
        }
    };
}

pub(crate) use outbox_rows;
