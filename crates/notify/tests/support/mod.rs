//! What the tests share: a fresh database, notifications to queue, fast worker settings, a
//! worker running in the background, and polling with a time limit instead of sleeps.

pub mod fake_notify;
pub mod smtp_sink;

use std::future::Future;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::json;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use waymark_notify::{Sender, WorkerSettings, run_worker};
use waymark_store::portal::{NewNotification, Notification};
use waymark_store::prelude::*;
use waymark_store::testing::{TestBackend, TestDb};
use waymark_store::{Backend, LaCode};

/// Makes one test per backend of each `async fn(TestBackend)` named.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(waymark_store::testing::TestBackend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(waymark_store::testing::TestBackend::Postgres).await;
                }
            )*
        }
    };
}

pub fn la() -> LaCode {
    LaCode::parse("202").unwrap()
}

/// A migrated store on a fresh database with LA 202.
pub async fn fresh(backend: TestBackend) -> (TestDb, Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    store.ensure_la(&la(), "Camden").await.unwrap();
    (db, store)
}

/// A notification as the web layer queues it.
pub fn note(template: &str, key: &str, to: &str) -> NewNotification {
    NewNotification {
        la: Some(la()),
        template: template.into(),
        recipient: to.into(),
        personalisation: json!({
            "first_name": "Grace",
            "link": "https://send.example/cases/7",
            "due_date": "25 March 2026",
        }),
        idempotency_key: key.into(),
        created_at: Utc::now(),
    }
}

/// Settings for tests: the same shape as in service, in milliseconds instead of minutes.
pub fn fast_settings() -> WorkerSettings {
    WorkerSettings {
        lease: Duration::from_secs(10),
        batch: 10,
        poll_interval: Duration::from_millis(20),
        send_timeout: Duration::from_secs(3),
        backoff_base: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(200),
        ..WorkerSettings::default()
    }
}

/// A worker running in the background until [`Running::stop`].
pub struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Running {
    /// Asks the worker to stop and waits until it has.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), &mut self.task)
            .await
            .expect("the worker did not stop within 10 s")
            .unwrap();
    }
}

/// Starts [`run_worker`] in the background.
pub fn start_worker<T: Sender>(store: &Backend, sender: T, settings: WorkerSettings) -> Running {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(run_worker(store.clone(), sender, settings, async move {
        let _ = stopped.await;
    }));
    Running {
        stop: Some(stop),
        task,
    }
}

/// Polls `check` every 10 ms until it gives `Some`, or panics after `limit` saying `what`.
pub async fn wait_for<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(started.elapsed() < limit, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The outbox, oldest first.
pub async fn outbox(store: &Backend) -> Vec<Notification> {
    let mut all = store.notifications(1000).await.unwrap();
    all.reverse();
    all
}
