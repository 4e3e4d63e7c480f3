//! The worker on both backends: failures are given up after the most attempts allowed and
//! then left alone, and two workers on one outbox (two instances) never send one email twice.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use waymark_notify::smtp::message_id;
use waymark_notify::{SendError, Sender, SmtpSender, WorkerSettings};
use waymark_store::portal::Notification;
use waymark_store::prelude::*;
use waymark_store::testing::TestBackend;

use crate::on_both_backends;
use crate::support::smtp_sink::SmtpSink;
use crate::support::{fast_settings, fresh, note, outbox, start_worker, wait_for};

/// A provider that always fails the same way, counting the attempts.
struct Failing {
    error: SendError,
    calls: Arc<AtomicUsize>,
}

impl Sender for Failing {
    async fn send(&self, _: &Notification) -> Result<String, SendError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(self.error.clone())
    }

    fn describe(&self) -> String {
        "a provider that always fails".into()
    }
}

async fn gives_up(backend: TestBackend, error: SendError, settings: WorkerSettings, limit: i32) {
    let (_db, store) = fresh(backend).await;
    store
        .enqueue_notification(&note(
            "decision_made",
            "decision_made:1:4:1",
            "a@example.org",
        ))
        .await
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let sender = Failing {
        error,
        calls: calls.clone(),
    };
    let worker = start_worker(&store, sender, settings.clone());
    let given_up = wait_for(
        Duration::from_secs(10),
        "the notification given up",
        || async {
            outbox(&store).await.pop().filter(|n| {
                n.last_error
                    .as_deref()
                    .is_some_and(|e| e.starts_with("given up"))
            })
        },
    )
    .await;
    // Many more passes: it is not tried again.
    tokio::time::sleep(settings.poll_interval * 10).await;
    worker.stop().await;

    assert_eq!(given_up.attempts, limit);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        usize::try_from(limit).unwrap()
    );
    assert_eq!(
        given_up.last_error.as_deref(),
        Some(format!("given up after {limit} attempts: the relay is down").as_str())
    );
    assert!(given_up.sent_at.is_none());
    assert!(given_up.next_attempt_at > Utc::now() + chrono::Duration::days(365 * 50));
}

async fn a_failing_notification_is_given_up_after_the_most_attempts(backend: TestBackend) {
    let settings = WorkerSettings {
        max_attempts: 4,
        ..fast_settings()
    };
    gives_up(
        backend,
        SendError::retryable("the relay is down"),
        settings,
        4,
    )
    .await;
}

async fn a_refused_notification_is_given_up_after_the_most_rejections(backend: TestBackend) {
    let settings = WorkerSettings {
        max_rejections: 2,
        // A day in service; here short enough to see the second attempt.
        rejected_retry_after: Duration::from_millis(50),
        ..fast_settings()
    };
    gives_up(
        backend,
        SendError::rejected("the relay is down"),
        settings,
        2,
    )
    .await;
}

async fn two_workers_on_one_outbox_send_each_email_once(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let sink = SmtpSink::start().await;
    let keys: Vec<String> = (1..=30)
        .map(|n| format!("message_received:{n}:2:{n}"))
        .collect();
    for key in &keys {
        store
            .enqueue_notification(&note("message_received", key, "a@example.org"))
            .await
            .unwrap();
    }
    let settings = WorkerSettings {
        batch: 3,
        ..fast_settings()
    };
    let sender = || SmtpSender::new(&sink.url(), "noreply@send.example").unwrap();
    let first = start_worker(&store, sender(), settings.clone());
    let second = start_worker(&store, sender(), settings);
    wait_for(
        Duration::from_secs(20),
        "every notification sent",
        || async {
            outbox(&store)
                .await
                .iter()
                .all(|n| n.sent_at.is_some())
                .then_some(())
        },
    )
    .await;
    first.stop().await;
    second.stop().await;

    let mut by_message_id: HashMap<String, usize> = HashMap::new();
    for email in sink.received() {
        *by_message_id
            .entry(email.header("Message-ID").unwrap())
            .or_default() += 1;
    }
    let expected: HashMap<String, usize> = keys
        .iter()
        .map(|key| (message_id(key, "send.example"), 1))
        .collect();
    assert_eq!(by_message_id, expected);
    assert!(outbox(&store).await.iter().all(|n| n.attempts == 1));
}

on_both_backends!(
    a_failing_notification_is_given_up_after_the_most_attempts,
    a_refused_notification_is_given_up_after_the_most_rejections,
    two_workers_on_one_outbox_send_each_email_once,
);
