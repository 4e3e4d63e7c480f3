//! Sending by SMTP through the council's relay, with `lettre` on tokio and rustls.
//!
//! The relay is named by a URL, as `lettre` reads it:
//! - `smtp://relay.example.org:25` — no TLS (a relay on the same host or private network);
//! - `smtp://user:pass@relay.example.org:587?tls=required` — STARTTLS, which must succeed;
//! - `smtps://user:pass@relay.example.org` — TLS from the start (port 465 by default).
//!
//! Certificates are checked against the system's trusted roots. A path on the URL
//! (`smtp://relay:25/waymark.northby.gov.uk`) sets the name given in `EHLO`; without it the
//! machine's host name is used.
//!
//! Each email's `Message-ID` is made from the notification's idempotency key, so the rare
//! resend (see `docs/notifications.md`) carries the same id as the first and mail clients and
//! relays can tell it is the same message.

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Tokio1Executor};
use sha2::{Digest, Sha256};
use waymark_store::portal::Notification;

use crate::{DEFAULT_SEND_TIMEOUT, SendError, Sender, SetupError, message};

/// Sends plain-text emails through an SMTP relay.
#[derive(Debug, Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The domain of the From address, for Message-IDs.
    domain: String,
    /// The relay without its credentials, for the log.
    relay: String,
}

impl SmtpSender {
    /// A sender for the relay at `url` (see the module documentation), sending from `from`
    /// (`noreply@send.northby.gov.uk` or `Northby SEND <noreply@send.northby.gov.uk>`).
    ///
    /// # Errors
    /// [`SetupError::Smtp`] if the URL or the address cannot be used.
    pub fn new(url: &str, from: &str) -> Result<SmtpSender, SetupError> {
        SmtpSender::with_timeout(url, from, DEFAULT_SEND_TIMEOUT)
    }

    /// As [`SmtpSender::new`], with a time limit on each conversation with the relay.
    ///
    /// # Errors
    /// [`SetupError::Smtp`] if the URL or the address cannot be used.
    pub fn with_timeout(
        url: &str,
        from: &str,
        timeout: Duration,
    ) -> Result<SmtpSender, SetupError> {
        let parsed = url::Url::parse(url).map_err(|e| {
            SetupError::Smtp(format!(
                "the SMTP URL is not a URL ({e}): give smtp://host:port or smtps://user:pass@host"
            ))
        })?;
        if !matches!(parsed.scheme(), "smtp" | "smtps") {
            return Err(SetupError::Smtp(format!(
                "the SMTP URL starts with '{}:' but should start with smtp: or smtps:",
                parsed.scheme()
            )));
        }
        let host = parsed.host_str().unwrap_or("");
        let relay = match parsed.port() {
            Some(port) => format!("{}://{host}:{port}", parsed.scheme()),
            None => format!("{}://{host}", parsed.scheme()),
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| SetupError::Smtp(format!("cannot use {relay}: {e}")))?
            .timeout(Some(timeout))
            .build();
        let from: Mailbox = from.parse().map_err(|e| {
            SetupError::Smtp(format!(
                "the From address '{from}' is not an email address ({e})"
            ))
        })?;
        let domain = from.email.domain().to_string();
        Ok(SmtpSender {
            transport,
            from,
            domain,
            relay,
        })
    }

    /// The email for a notification, ready for the relay.
    ///
    /// # Errors
    /// Not retryable: the template is unknown or the recipient is not an email address.
    pub fn build(&self, notification: &Notification) -> Result<Message, SendError> {
        let email = message::render(&notification.template, &notification.personalisation)?;
        let to: Mailbox = notification.recipient.parse().map_err(|_| {
            SendError::rejected("the recipient is not an email address Waymark can send to")
        })?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject)
            .message_id(Some(message_id(
                &notification.idempotency_key,
                &self.domain,
            )))
            .header(ContentType::TEXT_PLAIN)
            .header(AutoSubmitted)
            .body(email.body)
            .map_err(|e| SendError::rejected(format!("the email could not be written: {e}")))
    }
}

impl Sender for SmtpSender {
    async fn send(&self, notification: &Notification) -> Result<String, SendError> {
        let email = self.build(notification)?;
        match self.transport.send(email).await {
            Ok(response) => Ok(response.message().collect::<Vec<_>>().join(" ")),
            // A 5xx reply: the relay will refuse it again (a bad address, wrong credentials).
            Err(e) if e.is_permanent() => Err(SendError::rejected(format!(
                "the SMTP relay refused the email: {e}"
            ))),
            // A 4xx reply, no connection, a time-out, a TLS failure: try again later.
            Err(e) => Err(SendError::retryable(format!(
                "the SMTP relay could not take the email: {e}"
            ))),
        }
    }

    fn describe(&self) -> String {
        format!("the SMTP relay {}", self.relay)
    }
}

/// The relay's URL with the password put in (read from a file, so it is not on the command
/// line), percent-encoded as the URL needs.
///
/// # Errors
/// [`SetupError::Smtp`] if the URL is not one, or has no user name for the password to go
/// with.
pub fn url_with_password(url: &str, password: &str) -> Result<String, SetupError> {
    let mut parsed = url::Url::parse(url)
        .map_err(|e| SetupError::Smtp(format!("the SMTP URL is not a URL ({e})")))?;
    if parsed.username().is_empty() {
        return Err(SetupError::Smtp(
            "a password file was given but the SMTP URL has no user name:              give smtps://USER@HOST"
                .into(),
        ));
    }
    parsed
        .set_password(Some(password))
        .map_err(|()| SetupError::Smtp("the SMTP URL cannot have a password".into()))?;
    Ok(parsed.to_string())
}

/// The `Message-ID` of the email for an idempotency key: the same key always gives the same
/// id. The key is hashed so that the case and user numbers in it do not appear in headers.
pub fn message_id(idempotency_key: &str, domain: &str) -> String {
    let digest = Sha256::digest(idempotency_key.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("<{hex}.waymark@{domain}>")
}

/// `Auto-Submitted: auto-generated` (RFC 3834), so out-of-office replies are not sent back.
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl lettre::message::header::Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_string())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::Utc;
    use serde_json::json;

    use super::*;

    fn notification() -> Notification {
        Notification {
            id: 1,
            la: None,
            template: "decision_made".into(),
            recipient: "grace@example.org".into(),
            personalisation: json!({"first_name": "Grace", "link": "https://send.example/cases/7"}),
            idempotency_key: "decision_made:7:12:3".into(),
            created_at: Utc::now(),
            attempts: 1,
            next_attempt_at: Utc::now(),
            sent_at: None,
            provider_reference: None,
            last_error: None,
        }
    }

    #[test]
    fn message_ids_are_the_same_for_the_same_key_and_hide_it() {
        let id = message_id("decision_made:7:12:3", "send.example");
        assert_eq!(id, message_id("decision_made:7:12:3", "send.example"));
        assert_ne!(id, message_id("decision_made:7:13:3", "send.example"));
        assert!(id.starts_with('<') && id.ends_with(".waymark@send.example>"));
        assert!(!id.contains("decision"));
    }

    #[test]
    fn the_email_is_plain_text_from_the_council_with_its_message_id() {
        let sender = SmtpSender::new(
            "smtp://127.0.0.1:2525",
            "Northby SEND <noreply@send.example>",
        )
        .unwrap();
        let raw = String::from_utf8(sender.build(&notification()).unwrap().formatted()).unwrap();
        assert!(
            raw.contains("From: \"Northby SEND\" <noreply@send.example>"),
            "{raw}"
        );
        assert!(raw.contains("To: grace@example.org"), "{raw}");
        assert!(raw.contains("Subject: A decision has been made"), "{raw}");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8"),
            "{raw}"
        );
        assert!(raw.contains("Auto-Submitted: auto-generated"), "{raw}");
        let id = message_id("decision_made:7:12:3", "send.example");
        assert!(raw.contains(&format!("Message-ID: {id}")), "{raw}");
    }

    #[test]
    fn the_relay_is_described_without_its_password() {
        let sender = SmtpSender::new(
            "smtps://waymark:secret@relay.example.org:465",
            "noreply@send.example",
        )
        .unwrap();
        assert_eq!(
            sender.describe(),
            "the SMTP relay smtps://relay.example.org:465"
        );
    }

    #[test]
    fn unusable_settings_are_explained() {
        let error = SmtpSender::new("http://relay", "noreply@send.example").unwrap_err();
        assert!(error.to_string().contains("smtp: or smtps:"), "{error}");
        let error = SmtpSender::new("smtp://relay", "not an address").unwrap_err();
        assert!(
            error.to_string().contains("not an email address"),
            "{error}"
        );
    }

    #[test]
    fn a_password_from_a_file_goes_into_the_url_encoded() {
        let url = url_with_password("smtps://waymark@relay.example.org", "p@ss:word/1").unwrap();
        assert_eq!(url, "smtps://waymark:p%40ss%3Aword%2F1@relay.example.org");
        assert!(url_with_password("smtps://relay.example.org", "x").is_err());
    }

    #[test]
    fn a_bad_recipient_is_refused_for_good() {
        let sender = SmtpSender::new("smtp://127.0.0.1:2525", "noreply@send.example").unwrap();
        let mut bad = notification();
        bad.recipient = "not an address".into();
        assert!(!sender.build(&bad).unwrap_err().retryable);
    }
}
