//! The worker that empties the outbox: it claims notifications that are due (a lease, so no
//! other worker or instance takes them meanwhile), sends each, and records it as sent or as
//! failed with the time of its next attempt.
//!
//! All its state is in the outbox, so stopping or crashing loses nothing: an unsent
//! notification stays there, and one claimed by a worker that died comes back when the lease
//! ends. What cannot be ruled out is sending one twice — if the provider took it and the
//! worker stopped before recording that (or the recording failed, or an answer was lost in a
//! time-out), it goes again. The window is kept small: each notification is recorded as sent
//! the moment the provider accepts it (retrying the recording a few times), and nothing is
//! sent once its lease is too near its end to finish. `docs/notifications.md` sets this out.
//!
//! Failures are retried with exponential back-off and jitter ([`WorkerSettings::backoff`]);
//! a refusal that will recur (a bad address, a missing template id) waits a day, so that a
//! configuration mistake put right is still recovered from; and a notification is given up
//! after [`WorkerSettings::max_attempts`] (or [`WorkerSettings::max_rejections`]) attempts: it
//! stays in the outbox unsent with its last error, and is not tried again.

use std::future::Future;
use std::time::{Duration, Instant};

use chrono::Utc;
use waymark_store::portal::Notification;
use waymark_store::{Store, StoreError};

use crate::{DEFAULT_SEND_TIMEOUT, SendError, Sender};

/// How the worker paces itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerSettings {
    /// How long a claim on a notification lasts: no other worker takes it until then.
    pub lease: Duration,
    /// How many notifications are claimed at once.
    pub batch: i64,
    /// How often the outbox is looked at when it has nothing due.
    pub poll_interval: Duration,
    /// The longest one attempt to send may take before it counts as failed (retryable).
    /// Keep it well under `lease`.
    pub send_timeout: Duration,
    /// The wait after the first failed attempt; it doubles with each attempt after that.
    pub backoff_base: Duration,
    /// The longest wait between attempts.
    pub backoff_cap: Duration,
    /// The wait after a refusal that will recur as it is (not retryable).
    pub rejected_retry_after: Duration,
    /// Give up after this many attempts.
    pub max_attempts: i32,
    /// Give up on a refusal that will recur once this many attempts have been made.
    pub max_rejections: i32,
}

impl Default for WorkerSettings {
    /// A one-minute lease, ten at a time, looking every ten seconds; back-off from 30 seconds
    /// doubling to an hour, so 30 attempts span about a day; a refusal is tried again after a
    /// day, three times at most.
    fn default() -> WorkerSettings {
        WorkerSettings {
            lease: Duration::from_secs(60),
            batch: 10,
            poll_interval: Duration::from_secs(10),
            send_timeout: DEFAULT_SEND_TIMEOUT,
            backoff_base: Duration::from_secs(30),
            backoff_cap: Duration::from_secs(60 * 60),
            rejected_retry_after: Duration::from_secs(24 * 60 * 60),
            max_attempts: 30,
            max_rejections: 3,
        }
    }
}

/// How long a notification given up on is left before it would be "due" again: in effect,
/// never (a hundred years), while still a date both backends store and compare.
const GIVE_UP_FOR: chrono::Duration = chrono::Duration::days(36_525);

impl WorkerSettings {
    /// The wait before the next attempt after `attempts` failed ones: `backoff_base` doubled
    /// for each attempt after the first, at most `backoff_cap`, then a random part of it
    /// taken off (up to half) so that notifications failed together do not retry together.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        let full = self
            .backoff_base
            .saturating_mul(1 << doublings)
            .min(self.backoff_cap);
        full.mul_f64(1.0 - fastrand::f64() / 2.0)
    }
}

/// What one pass over the outbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Notifications claimed.
    pub claimed: usize,
    /// Sent and recorded as sent.
    pub sent: usize,
    /// Failed, to be tried again.
    pub failed: usize,
    /// Failed and given up on.
    pub given_up: usize,
    /// Put back unsent because their lease was running out.
    pub put_back: usize,
}

/// One pass: claims up to `settings.batch` due notifications and sends them one by one.
///
/// # Errors
/// The store failed to claim. A failure to record the outcome of one notification is
/// logged and the pass goes on: the lease brings that notification back.
pub async fn deliver_due<S: Store, T: Sender>(
    store: &S,
    sender: &T,
    settings: &WorkerSettings,
) -> Result<Pass, StoreError> {
    let claimed_at = Instant::now();
    let lease = chrono::Duration::from_std(settings.lease).unwrap_or(chrono::Duration::MAX);
    let due = store
        .claim_notifications(Utc::now(), lease, settings.batch)
        .await?;
    let mut pass = Pass {
        claimed: due.len(),
        ..Pass::default()
    };
    for notification in &due {
        // Sending after the lease ends could race another worker that has claimed it again.
        if claimed_at.elapsed() + settings.send_timeout >= settings.lease {
            put_back(store, notification).await;
            pass.put_back += 1;
            continue;
        }
        let outcome = tokio::time::timeout(settings.send_timeout, sender.send(notification))
            .await
            .unwrap_or_else(|_| {
                Err(SendError::retryable(format!(
                    "no answer from the provider within {} seconds",
                    settings.send_timeout.as_secs()
                )))
            });
        match outcome {
            Ok(reference) => {
                record_sent(store, notification, &reference).await;
                pass.sent += 1;
            }
            Err(error) => {
                if record_failure(store, settings, notification, &error).await {
                    pass.given_up += 1;
                } else {
                    pass.failed += 1;
                }
            }
        }
    }
    Ok(pass)
}

/// Records a notification as sent, trying a few times: until it is recorded, a restart
/// would send it again.
async fn record_sent<S: Store>(store: &S, notification: &Notification, reference: &str) {
    let mut wait = Duration::from_millis(100);
    for attempt in 1..=4 {
        match store
            .mark_notification_sent(notification.id, Utc::now(), Some(reference))
            .await
        {
            Ok(()) => {
                tracing::info!(
                    id = notification.id,
                    template = %notification.template,
                    attempt = notification.attempts,
                    "notification sent"
                );
                return;
            }
            Err(e) if attempt < 4 => {
                tracing::warn!(id = notification.id, error = %e, "could not record a sent notification; trying again");
                tokio::time::sleep(wait).await;
                wait *= 4;
            }
            Err(e) => {
                tracing::error!(
                    id = notification.id,
                    error = %e,
                    "a notification was sent but could not be recorded as sent: it will be sent \
                     again when its lease ends"
                );
            }
        }
    }
}

/// Records a failed attempt and when to try again; `true` if the notification is given up.
async fn record_failure<S: Store>(
    store: &S,
    settings: &WorkerSettings,
    notification: &Notification,
    error: &SendError,
) -> bool {
    let attempts = notification.attempts;
    let limit = if error.retryable {
        settings.max_attempts
    } else {
        settings.max_rejections
    };
    let give_up = attempts >= limit;
    let (wait, note) = if give_up {
        (
            GIVE_UP_FOR,
            format!("given up after {attempts} attempts: {}", error.message),
        )
    } else {
        let wait = if error.retryable {
            settings.backoff(attempts)
        } else {
            settings.rejected_retry_after
        };
        (
            chrono::Duration::from_std(wait).unwrap_or(GIVE_UP_FOR),
            error.message.clone(),
        )
    };
    if let Err(e) = store
        .mark_notification_failed(notification.id, &note, Utc::now() + wait)
        .await
    {
        tracing::error!(id = notification.id, error = %e, "could not record a failed notification");
    }
    // The provider's words may quote what was sent: the log has only their gist.
    if give_up {
        tracing::error!(
            id = notification.id,
            template = %notification.template,
            attempts,
            retryable = error.retryable,
            "gave up sending a notification (its last error is in the outbox)"
        );
    } else {
        tracing::warn!(
            id = notification.id,
            template = %notification.template,
            attempts,
            retryable = error.retryable,
            retry_in_secs = wait.num_seconds(),
            "a notification could not be sent; will try again"
        );
    }
    give_up
}

/// Hands a claimed notification back for the next pass, keeping its last error.
async fn put_back<S: Store>(store: &S, notification: &Notification) {
    let note = notification.last_error.as_deref().unwrap_or("");
    if let Err(e) = store
        .mark_notification_failed(notification.id, note, Utc::now())
        .await
    {
        tracing::warn!(id = notification.id, error = %e, "could not put a notification back; its lease will");
    }
}

/// Sends notifications as they fall due until `shutdown` completes. A pass that finds a full
/// batch is followed by another at once; otherwise the worker waits `poll_interval`. A
/// shutdown lets the notification being sent finish, so it is recorded.
pub async fn run_worker<S: Store, T: Sender>(
    store: S,
    sender: T,
    settings: WorkerSettings,
    shutdown: impl Future<Output = ()> + Send,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    tracing::info!(sender = %sender.describe(), "sending notifications from the outbox");
    loop {
        let more = match deliver_due(&store, &sender, &settings).await {
            Ok(pass) => i64::try_from(pass.claimed).unwrap_or(i64::MAX) >= settings.batch,
            Err(e) => {
                tracing::error!(error = %e, "could not read the outbox; will try again");
                false
            }
        };
        let wait = if more {
            Duration::ZERO
        } else {
            settings.poll_interval
        };
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            () = tokio::time::sleep(wait) => {}
        }
    }
    tracing::info!("stopped sending notifications");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_from_the_base_to_the_cap_less_up_to_half() {
        let settings = WorkerSettings::default();
        for (attempts, full) in [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (30, 3600)] {
            for _ in 0..50 {
                let wait = settings.backoff(attempts).as_secs_f64();
                assert!(
                    wait <= f64::from(full) && wait >= f64::from(full) / 2.0,
                    "attempt {attempts}: {wait}"
                );
            }
        }
    }

    #[test]
    fn back_off_never_overflows() {
        let settings = WorkerSettings::default();
        assert!(settings.backoff(i32::MAX) <= settings.backoff_cap);
        assert!(settings.backoff(0) <= settings.backoff_base);
    }

    #[test]
    fn thirty_attempts_span_about_a_day() {
        let settings = WorkerSettings::default();
        // The waits before attempts 2..=30, before jitter takes up to half of each off.
        let full: Duration = (1..settings.max_attempts)
            .map(|attempts| {
                let doublings = u32::try_from(attempts - 1).unwrap_or(0);
                settings
                    .backoff_base
                    .saturating_mul(1 << doublings.min(30))
                    .min(settings.backoff_cap)
            })
            .sum();
        let hours = full.as_secs_f64() / 3600.0;
        assert!((20.0..26.0).contains(&hours), "{hours}");
    }
}
