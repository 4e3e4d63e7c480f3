//! Sending Waymark's notifications. The web layer queues them in the durable outbox
//! (`waymark_store::portal`, see `waymark_web::notices`); this crate takes them out again and
//! hands them to an email provider, with retries, and queues advice reminders as their dates
//! come round. See `docs/notifications.md`.
//!
//! - [`Sender`]: one way of sending — [`smtp::SmtpSender`] (any SMTP relay, plain-text email
//!   written by [`message`]) or [`govuk_notify::NotifySender`] (GOV.UK Notify's REST API,
//!   with the text in Notify's templates). [`Provider`] is either, picked at start-up.
//! - [`worker::run_worker`]: claims due notifications, sends each, and records it as sent or
//!   failed with exponential back-off. All its state is in the outbox, so a restart loses
//!   nothing.
//! - [`reminders::run_reminders`]: queues `advice_reminder` before an advice request's due
//!   date and `advice_overdue` the day after it.
//!
//! - [`Background`]: both as tasks beside the web server (`waymark serve`).
//!
//! Nothing here logs a recipient or personalisation: logs name a notification by its number.
//!
//! Errors: [`SendError`] for one attempt to send (retryable or not), [`SetupError`] for
//! configuration read at start-up; the store's own error for everything else.
#![forbid(unsafe_code)]

use std::future::Future;
use std::time::Duration;

use waymark_store::portal::Notification;

pub mod background;
pub mod govuk_notify;
pub mod message;
pub mod reminders;
pub mod smtp;
pub mod worker;

pub use background::Background;
pub use govuk_notify::{NotifyApiKey, NotifySender};
pub use reminders::{ReminderSettings, run_reminders};
pub use smtp::SmtpSender;
pub use worker::{WorkerSettings, run_worker};

/// How long one attempt to send may take by default (a conversation with the SMTP relay, a
/// request to GOV.UK Notify): well inside the worker's lease on a notification, so no other
/// worker takes it while it is being sent.
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// One way of sending a notification to its recipient.
pub trait Sender: Send + Sync + 'static {
    /// Sends one notification. `Ok` holds the provider's reference for it (GOV.UK Notify's
    /// notification id, the SMTP relay's reply naming its queue id): once this returns `Ok`
    /// the provider has accepted the message and it must not be sent again.
    ///
    /// # Errors
    /// [`SendError`], saying whether trying again later may succeed.
    fn send(
        &self,
        notification: &Notification,
    ) -> impl Future<Output = Result<String, SendError>> + Send;

    /// What this sender is, for the start-up log line ("SMTP relay mail.example.org:587").
    fn describe(&self) -> String;
}

/// Why one attempt to send failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// Whether the same notification may go through later (the provider was down, busy or
    /// unreachable), as opposed to being refused as it is (a bad address, a missing template).
    pub retryable: bool,
    /// What went wrong, safe to store and log: anything in it that looks like an email
    /// address is replaced by `[address]` (a relay may quote the recipient back).
    pub message: String,
}

impl SendError {
    /// A failure that may go away: try again later.
    pub fn retryable(message: impl AsRef<str>) -> SendError {
        SendError {
            retryable: true,
            message: redact(message.as_ref()),
        }
    }

    /// A refusal that will recur until something is changed (the address, the configuration).
    pub fn rejected(message: impl AsRef<str>) -> SendError {
        SendError {
            retryable: false,
            message: redact(message.as_ref()),
        }
    }
}

/// The most of a provider's error text kept.
const MAX_ERROR_CHARS: usize = 300;

/// Replaces every word containing `@` (an email address, quoted or not) and keeps the text
/// short, so an error can go to the log and the outbox without the recipient in it.
fn redact(text: &str) -> String {
    let words: Vec<&str> = text
        .split_whitespace()
        .map(|word| {
            if word.contains('@') {
                "[address]"
            } else {
                word
            }
        })
        .collect();
    let joined = words.join(" ");
    match joined.char_indices().nth(MAX_ERROR_CHARS) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

/// Why a sender could not be set up from its configuration.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The SMTP URL or From address is unusable.
    #[error("SMTP: {0}")]
    Smtp(String),
    /// The GOV.UK Notify API key is not in Notify's format.
    #[error(
        "the GOV.UK Notify API key is not in the form {{key name}}-{{service id}}-{{secret key}} \
         (both ids are 36-character UUIDs): copy the whole key from Notify's API integration page"
    )]
    NotifyKey,
    /// The template ids file is unusable.
    #[error("GOV.UK Notify templates: {0}")]
    NotifyTemplates(String),
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Http(String),
}

/// The sender picked at start-up from the configuration: SMTP or GOV.UK Notify.
#[derive(Debug)]
pub enum Provider {
    /// An SMTP relay.
    Smtp(SmtpSender),
    /// GOV.UK Notify.
    Notify(NotifySender),
}

impl Sender for Provider {
    async fn send(&self, notification: &Notification) -> Result<String, SendError> {
        match self {
            Provider::Smtp(smtp) => smtp.send(notification).await,
            Provider::Notify(notify) => notify.send(notification).await,
        }
    }

    fn describe(&self) -> String {
        match self {
            Provider::Smtp(smtp) => smtp.describe(),
            Provider::Notify(notify) => notify.describe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_taken_out_of_error_text() {
        let error =
            SendError::rejected("550 5.1.1 <grace@example.org>: Recipient address rejected");
        assert_eq!(
            error.message,
            "550 5.1.1 [address] Recipient address rejected"
        );
        assert!(!error.retryable);
    }

    #[test]
    fn long_error_text_is_cut_short() {
        let error = SendError::retryable("x".repeat(1000));
        assert_eq!(error.message.chars().count(), MAX_ERROR_CHARS + 1);
        assert!(error.retryable);
    }
}
