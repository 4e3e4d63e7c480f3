//! Running the worker and the reminder scan as background tasks beside the web server, and
//! stopping them with it.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use waymark_store::Store;

use crate::{ReminderSettings, Sender, WorkerSettings, run_reminders, run_worker};

/// The running tasks.
#[derive(Debug)]
pub struct Background {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Background {
    /// Starts the worker with `sender`, and the reminder scan if `reminders` is given, on the
    /// current tokio runtime.
    pub fn spawn<S: Store, T: Sender>(
        store: S,
        sender: T,
        worker: WorkerSettings,
        reminders: Option<ReminderSettings>,
    ) -> Background {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = vec![tokio::spawn(run_worker(
            store.clone(),
            sender,
            worker,
            until_stopped(stopped.clone()),
        ))];
        if let Some(reminders) = reminders {
            tasks.push(tokio::spawn(run_reminders(
                store,
                reminders,
                until_stopped(stopped),
            )));
        }
        Background { stop, tasks }
    }

    /// Asks the tasks to stop, lets a notification being sent finish, and waits for them up
    /// to `within`; a task still running then is ended (what it had claimed comes back when
    /// its lease ends).
    pub async fn stop(self, within: Duration) {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + within;
        for mut task in self.tasks {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                tracing::warn!("a notification task did not stop in time and was ended");
                task.abort();
            }
        }
    }
}

/// Completes when `true` is sent (or the sender is dropped).
async fn until_stopped(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}
