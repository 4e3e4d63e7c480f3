//! GOV.UK Notify through a stand-in for its API that checks the token as Notify does: the
//! request is signed and names the template and reference; 500 and 429 are tried again until
//! accepted; 400 and 403 are not tried again soon; a template with no Notify id is not sent.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use waymark_notify::worker::deliver_due;
use waymark_notify::{NotifyApiKey, NotifySender};
use waymark_store::prelude::*;
use waymark_store::testing::TestBackend;

use crate::support::fake_notify::{FakeNotify, SERVICE_ID, api_key};
use crate::support::{fast_settings, fresh, note, outbox, start_worker, wait_for};

fn templates() -> HashMap<String, String> {
    HashMap::from([
        (
            "advice_reminder".to_string(),
            "tmpl-advice-reminder".to_string(),
        ),
        (
            "decision_made".to_string(),
            "tmpl-decision-made".to_string(),
        ),
    ])
}

fn sender(fake: &FakeNotify, key: &str) -> NotifySender {
    NotifySender::new(NotifyApiKey::parse(key).unwrap(), templates())
        .unwrap()
        .with_base_url(fake.url())
}

const KEY: &str = "advice_reminder:7:1:7:12";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_gets_a_signed_request_naming_the_template_and_reference() {
    let (_db, store) = fresh(TestBackend::Sqlite).await;
    let fake = FakeNotify::start(&[]).await;
    store
        .enqueue_notification(&note("advice_reminder", KEY, "grace@example.org"))
        .await
        .unwrap();

    let pass = deliver_due(&store, &sender(&fake, &api_key()), &fast_settings())
        .await
        .unwrap();

    assert_eq!(pass.sent, 1);
    assert!(
        fake.refused_tokens().is_empty(),
        "{:?}",
        fake.refused_tokens()
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].body,
        json!({
            "email_address": "grace@example.org",
            "template_id": "tmpl-advice-reminder",
            "personalisation": {
                "first_name": "Grace",
                "link": "https://send.example/cases/7",
                "due_date": "25 March 2026",
            },
            "reference": KEY,
        })
    );
    let sent = &outbox(&store).await[0];
    assert!(sent.sent_at.is_some());
    assert_eq!(
        sent.provider_reference.as_deref(),
        Some("740e5834-3a29-46b4-9a6f-000000000001")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_server_errors_and_rate_limits_are_tried_again_until_accepted() {
    let (_db, store) = fresh(TestBackend::Sqlite).await;
    let fake = FakeNotify::start(&[500, 429]).await;
    store
        .enqueue_notification(&note("advice_reminder", KEY, "grace@example.org"))
        .await
        .unwrap();

    let worker = start_worker(&store, sender(&fake, &api_key()), fast_settings());
    let sent = wait_for(Duration::from_secs(10), "the notification sent", || async {
        outbox(&store).await.pop().filter(|n| n.sent_at.is_some())
    })
    .await;
    worker.stop().await;

    assert_eq!(sent.attempts, 3);
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 429, 201]);
    assert!(fake.requests().iter().all(|r| r.body["reference"] == KEY));
    assert_eq!(
        sent.provider_reference.as_deref(),
        Some("740e5834-3a29-46b4-9a6f-000000000003")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notify_bad_request_is_not_tried_again_for_a_day() {
    let (_db, store) = fresh(TestBackend::Sqlite).await;
    let fake = FakeNotify::start(&[400]).await;
    store
        .enqueue_notification(&note("advice_reminder", KEY, "grace@example.org"))
        .await
        .unwrap();
    let settings = fast_settings();
    let sender = sender(&fake, &api_key());

    let pass = deliver_due(&store, &sender, &settings).await.unwrap();
    assert_eq!((pass.failed, pass.given_up), (1, 0));
    let again = deliver_due(&store, &sender, &settings).await.unwrap();
    assert_eq!(again.claimed, 0, "a refusal is not tried again at once");

    assert_eq!(fake.requests().len(), 1);
    let failed = &outbox(&store).await[0];
    assert!(failed.sent_at.is_none());
    assert_eq!(failed.attempts, 1);
    assert_eq!(
        failed.last_error.as_deref(),
        Some(
            "GOV.UK Notify answered 400 Bad Request: BadRequestError: Can't send to this \
             recipient using a team-only API key"
        )
    );
    assert!(failed.next_attempt_at > Utc::now() + chrono::Duration::hours(23));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_signed_with_the_wrong_secret_is_refused_and_not_tried_again_soon() {
    let (_db, store) = fresh(TestBackend::Sqlite).await;
    let fake = FakeNotify::start(&[]).await;
    store
        .enqueue_notification(&note("advice_reminder", KEY, "grace@example.org"))
        .await
        .unwrap();
    let wrong = format!("waymark-test-{SERVICE_ID}-00000000-0000-4000-8000-000000000000");

    let pass = deliver_due(&store, &sender(&fake, &wrong), &fast_settings())
        .await
        .unwrap();

    assert_eq!(pass.failed, 1);
    assert_eq!(fake.refused_tokens(), ["signature does not verify"]);
    let failed = &outbox(&store).await[0];
    assert!(
        failed
            .last_error
            .as_deref()
            .unwrap()
            .starts_with("GOV.UK Notify answered 403 Forbidden: AuthError"),
        "{:?}",
        failed.last_error
    );
    assert!(failed.next_attempt_at > Utc::now() + chrono::Duration::hours(23));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_with_no_notify_id_is_not_sent_and_says_why() {
    let (_db, store) = fresh(TestBackend::Sqlite).await;
    let fake = FakeNotify::start(&[]).await;
    store
        .enqueue_notification(&note("invite", "invite:1:5", "grace@example.org"))
        .await
        .unwrap();
    let sender = sender(&fake, &api_key());
    assert!(sender.missing_templates().contains(&"invite"));

    deliver_due(&store, &sender, &fast_settings())
        .await
        .unwrap();

    assert!(fake.requests().is_empty());
    let failed = &outbox(&store).await[0];
    assert!(
        failed
            .last_error
            .as_deref()
            .unwrap()
            .starts_with("no GOV.UK Notify template id is configured for 'invite'")
    );
}
