//! SMTP through a real SMTP conversation with a server the test starts: the email arrives
//! with its Message-ID made from the idempotency key, and an outage of the relay (and a
//! restart of the worker during it) delays delivery but sends each email exactly once.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use waymark_notify::SmtpSender;
use waymark_notify::smtp::message_id;
use waymark_notify::worker::deliver_due;
use waymark_store::prelude::*;
use waymark_store::testing::TestBackend;

use crate::support::smtp_sink::SmtpSink;
use crate::support::{fast_settings, fresh, note, outbox, start_worker, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_reaches_the_relay_and_is_recorded_as_sent() {
    let (_db, store) = fresh(TestBackend::Sqlite).await;
    let sink = SmtpSink::start().await;
    let key = "advice_reminder:7:1:7:12";
    store
        .enqueue_notification(&note("advice_reminder", key, "grace@example.org"))
        .await
        .unwrap();
    let sender = SmtpSender::new(&sink.url(), "Northby SEND <noreply@send.example>").unwrap();

    let pass = deliver_due(&store, &sender, &fast_settings())
        .await
        .unwrap();

    assert_eq!((pass.claimed, pass.sent), (1, 1));
    let received = sink.received();
    assert_eq!(received.len(), 1);
    let email = &received[0];
    assert_eq!(email.recipients, ["<grace@example.org>"]);
    assert_eq!(
        email.header("Message-ID"),
        Some(message_id(key, "send.example"))
    );
    assert_eq!(
        email.header("Subject").as_deref(),
        Some("Reminder: advice due by 25 March 2026")
    );
    let body = email.body();
    assert!(body.starts_with("Dear Grace,"), "{body}");
    assert!(
        body.contains("\r\nhttps://send.example/cases/7\r\n"),
        "{body}"
    );
    let sent = &outbox(&store).await[0];
    assert!(sent.sent_at.is_some());
    assert_eq!(sent.attempts, 1);
    assert_eq!(
        sent.provider_reference.as_deref(),
        Some("2.0.0 OK: queued as SINK1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_smtp_outage_delays_delivery_but_sends_each_email_exactly_once() {
    let (_db, store) = fresh(TestBackend::Sqlite).await;
    // A port with nothing listening on it: the relay is down.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let keys: Vec<String> = (1..=6)
        .map(|n| format!("decision_made:{n}:4:{n}"))
        .collect();
    for (n, key) in keys.iter().enumerate() {
        let to = format!("parent{n}@example.org");
        assert!(
            store
                .enqueue_notification(&note("decision_made", key, &to))
                .await
                .unwrap()
        );
    }
    let sender = || SmtpSender::new(&format!("smtp://{addr}"), "noreply@send.example").unwrap();
    let started = Instant::now();
    let worker = start_worker(&store, sender(), fast_settings());
    wait_for(
        Duration::from_secs(10),
        "two failed attempts at each notification",
        || async {
            outbox(&store)
                .await
                .iter()
                .all(|n| n.attempts >= 2 && n.sent_at.is_none() && n.last_error.is_some())
                .then_some(())
        },
    )
    .await;
    let down_for = started.elapsed();
    let failure = outbox(&store).await[0].last_error.clone().unwrap();
    assert!(
        failure.starts_with("the SMTP relay could not take the email"),
        "{failure}"
    );

    // The service restarts during the outage: the new worker starts from the outbox alone.
    worker.stop().await;
    let worker = start_worker(&store, sender(), fast_settings());
    let sink = SmtpSink::start_on(addr).await;
    let back = Instant::now();
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
    let recovered_in = back.elapsed();
    // A few more passes over the outbox find nothing more to send.
    tokio::time::sleep(fast_settings().poll_interval * 5).await;
    worker.stop().await;

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
    for n in outbox(&store).await {
        assert!(
            n.attempts > 1,
            "{} went at the first attempt",
            n.idempotency_key
        );
        assert!(n.last_error.is_none());
        assert!(
            n.provider_reference
                .as_deref()
                .unwrap()
                .starts_with("2.0.0 OK: queued as SINK")
        );
    }
    eprintln!(
        "SMTP outage: relay down for {down_for:?} (every notification failed twice or more); \
         all 6 delivered {recovered_in:?} after it came back; {:?} in all",
        started.elapsed()
    );
}
