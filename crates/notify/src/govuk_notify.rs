//! Sending through GOV.UK Notify's REST API: `POST /v2/notifications/email` with the
//! recipient, the Notify template id for the notification's template, its personalisation
//! (`first_name`, `link`, `due_date`) and its idempotency key as Notify's `reference`, so a
//! notification can be found in Notify by the key Waymark knows it by.
//!
//! Authentication is Notify's: the API key `{key_name}-{service_id}-{secret_key}` (the two ids
//! are UUIDs, 36 characters each, so they are read from the end: the key name may contain
//! hyphens) signs a JSON Web Token, HS256 with header `{"typ":"JWT","alg":"HS256"}` and claims
//! `{"iss": service_id, "iat": now}`, sent as `Authorization: Bearer <token>`. Notify refuses a
//! token issued more than 30 seconds from its own clock, so one is made for every request.
//! The token is a few lines of HMAC-SHA256 and base64url here rather than a JWT library,
//! which would bring RSA and elliptic-curve code for the one algorithm Notify uses.
//!
//! Notify's answers: 201 is accepted; 429 (rate or daily limit) and 5xx are tried again later;
//! any other 4xx (a bad address, a missing personalisation, a wrong template id or key) is
//! refused as it is and not retried soon.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use waymark_store::portal::Notification;

use crate::{DEFAULT_SEND_TIMEOUT, SendError, Sender, SetupError};

/// GOV.UK Notify's API.
pub const NOTIFY_API: &str = "https://api.notifications.service.gov.uk";

/// The length of a UUID written out (`8-4-4-4-12` hex digits).
const UUID_LEN: usize = 36;

/// A GOV.UK Notify API key, split into the service id and the secret that signs tokens.
/// Its `Debug` output leaves the secret out.
#[derive(Clone, PartialEq, Eq)]
pub struct NotifyApiKey {
    service_id: String,
    secret: String,
}

impl NotifyApiKey {
    /// Reads a key as Notify shows it: `{key_name}-{service_id}-{secret_key}`.
    ///
    /// # Errors
    /// [`SetupError::NotifyKey`] if the last two parts are not UUIDs.
    pub fn parse(key: &str) -> Result<NotifyApiKey, SetupError> {
        let key = key.trim();
        // "-{service_id}-{secret_key}" at the end, after a key name of at least one character.
        let tail = 1 + UUID_LEN + 1 + UUID_LEN;
        if !key.is_ascii() || key.len() <= tail {
            return Err(SetupError::NotifyKey);
        }
        let secret = &key[key.len() - UUID_LEN..];
        let service_id = &key[key.len() - tail + 1..key.len() - UUID_LEN - 1];
        let separators = [key.len() - tail, key.len() - UUID_LEN - 1];
        if !separators.iter().all(|&i| key.as_bytes()[i] == b'-')
            || !is_uuid(service_id)
            || !is_uuid(secret)
        {
            return Err(SetupError::NotifyKey);
        }
        Ok(NotifyApiKey {
            service_id: service_id.to_string(),
            secret: secret.to_string(),
        })
    }

    /// The service id (the token's issuer).
    pub fn service_id(&self) -> &str {
        &self.service_id
    }

    /// A token for a request made at `iat` (seconds since 1970).
    pub fn token(&self, iat: i64) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
        let claims =
            URL_SAFE_NO_PAD.encode(json!({"iss": self.service_id, "iat": iat}).to_string());
        let signed = format!("{header}.{claims}");
        let signature = URL_SAFE_NO_PAD.encode(hs256(self.secret.as_bytes(), signed.as_bytes()));
        format!("{signed}.{signature}")
    }
}

impl fmt::Debug for NotifyApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyApiKey")
            .field("service_id", &self.service_id)
            .field("secret", &"[withheld]")
            .finish()
    }
}

/// HMAC-SHA256 of `message` with `key` (JWT's HS256).
pub fn hs256(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn is_uuid(text: &str) -> bool {
    text.len() == UUID_LEN
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Reads the template ids file: a JSON object from Waymark's template names
/// (`waymark_app::notices::template::ALL`) to Notify template ids.
///
/// # Errors
/// [`SetupError::NotifyTemplates`] if it is not such an object, or names a template Waymark
/// does not have (a typing mistake that would otherwise leave one template unsent).
pub fn templates_from_json(text: &str) -> Result<HashMap<String, String>, SetupError> {
    let problem = |m: String| SetupError::NotifyTemplates(m);
    let map: HashMap<String, String> = serde_json::from_str(text).map_err(|e| {
        problem(format!(
            "expected a JSON object of template names and Notify template ids, like \
             {{\"invite\": \"f33517ff-2a88-4f6e-b855-c550268ce08a\"}} ({e})"
        ))
    })?;
    let known = waymark_app::notices::template::ALL;
    let mut unknown: Vec<&str> = map
        .keys()
        .map(String::as_str)
        .filter(|name| !known.contains(name))
        .collect();
    unknown.sort_unstable();
    if !unknown.is_empty() {
        return Err(problem(format!(
            "Waymark has no template called {}; its templates are {}",
            unknown.join(", "),
            known.join(", ")
        )));
    }
    Ok(map)
}

/// Sends through GOV.UK Notify.
#[derive(Clone)]
pub struct NotifySender {
    client: reqwest::Client,
    base_url: String,
    key: Arc<NotifyApiKey>,
    templates: HashMap<String, String>,
}

impl fmt::Debug for NotifySender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifySender")
            .field("base_url", &self.base_url)
            .field("key", &self.key)
            .field("templates", &self.templates)
            .finish_non_exhaustive()
    }
}

impl NotifySender {
    /// A sender to GOV.UK Notify with this key and these template ids (by Waymark's template
    /// names).
    ///
    /// # Errors
    /// [`SetupError::Http`] if the HTTP client cannot be built (no usable trusted roots).
    pub fn new(
        key: NotifyApiKey,
        templates: HashMap<String, String>,
    ) -> Result<NotifySender, SetupError> {
        Ok(NotifySender {
            client: http_client()?,
            base_url: NOTIFY_API.to_string(),
            key: Arc::new(key),
            templates,
        })
    }

    /// The same sender talking to another address (a test double of Notify).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> NotifySender {
        self.base_url = base_url.into().trim_end_matches('/').to_string();
        self
    }

    /// Waymark's templates that have no Notify template id: those notifications cannot be
    /// sent until one is configured.
    pub fn missing_templates(&self) -> Vec<&'static str> {
        waymark_app::notices::template::ALL
            .into_iter()
            .filter(|name| !self.templates.contains_key(*name))
            .collect()
    }
}

/// rustls on *ring*, given to reqwest ready-made (as for single sign-on in `waymark_web`),
/// checking certificates against the system's trusted roots.
fn http_client() -> Result<reqwest::Client, SetupError> {
    let setup = |e: &dyn fmt::Display| SetupError::Http(e.to_string());
    let crypto = Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new(crypto.clone()).map_err(|e| setup(&e))?;
    let tls = rustls::ClientConfig::builder_with_provider(crypto)
        .with_safe_default_protocol_versions()
        .map_err(|e| setup(&e))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(DEFAULT_SEND_TIMEOUT)
        .user_agent(concat!("Waymark/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| setup(&e))
}

impl Sender for NotifySender {
    async fn send(&self, notification: &Notification) -> Result<String, SendError> {
        let template_id = self.templates.get(&notification.template).ok_or_else(|| {
            SendError::rejected(format!(
                "no GOV.UK Notify template id is configured for '{}': add it to the \
                 templates file and restart",
                notification.template
            ))
        })?;
        let body = json!({
            "email_address": notification.recipient,
            "template_id": template_id,
            "personalisation": notification.personalisation,
            "reference": notification.idempotency_key,
        });
        let token = self.key.token(chrono::Utc::now().timestamp());
        let response = self
            .client
            .post(format!("{}/v2/notifications/email", self.base_url))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(|e| {
                SendError::retryable(format!("GOV.UK Notify could not be reached: {e}"))
            })?;
        let status = response.status();
        // An unreadable body after a 2xx still means Notify took the message: never resend it.
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(answer
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("accepted (no id in Notify's answer)")
                .to_string());
        }
        let said = format!("GOV.UK Notify answered {status}: {}", errors_in(&answer));
        if status.as_u16() == 429 || status.is_server_error() || !status.is_client_error() {
            Err(SendError::retryable(said))
        } else {
            Err(SendError::rejected(said))
        }
    }

    fn describe(&self) -> String {
        format!("GOV.UK Notify at {}", self.base_url)
    }
}

/// Notify's error list (`{"errors": [{"error": "BadRequestError", "message": "..."}]}`) in
/// one line.
fn errors_in(answer: &Value) -> String {
    let errors: Vec<String> = answer
        .get("errors")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|e| {
                    let kind = e.get("error").and_then(Value::as_str).unwrap_or("Error");
                    let message = e.get("message").and_then(Value::as_str).unwrap_or("");
                    format!("{kind}: {message}")
                })
                .collect()
        })
        .unwrap_or_default();
    if errors.is_empty() {
        "no error given".to_string()
    } else {
        errors.join("; ")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const SERVICE: &str = "26785a09-ab16-4eb0-8407-a37497a57506";
    const SECRET: &str = "3d844edf-8d35-48ac-975b-e847b4f122b0";

    #[test]
    fn a_key_is_read_from_its_end_so_the_name_may_have_hyphens() {
        let key = NotifyApiKey::parse(&format!("my-test-key-{SERVICE}-{SECRET}\n")).unwrap();
        assert_eq!(key.service_id(), SERVICE);
        assert_eq!(key.secret, SECRET);
        assert!(!format!("{key:?}").contains(SECRET));
    }

    #[test]
    fn keys_not_in_notifys_form_are_refused() {
        for bad in [
            String::new(),
            format!("{SERVICE}-{SECRET}"),
            format!("name-{SERVICE}{SECRET}x"),
            format!("name-{SERVICE}-{}", SECRET.replace('3', "g")),
            format!("name-{SERVICE}-{SECRET}-extra"),
        ] {
            assert!(NotifyApiKey::parse(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_token_is_hs256_over_header_and_claims() {
        let key = NotifyApiKey::parse(&format!("k-{SERVICE}-{SECRET}")).unwrap();
        let token = key.token(1_700_000_000);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let decode = |p: &str| String::from_utf8(URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap();
        assert_eq!(decode(parts[0]), r#"{"typ":"JWT","alg":"HS256"}"#);
        let claims: Value = serde_json::from_str(&decode(parts[1])).unwrap();
        assert_eq!(claims, json!({"iss": SERVICE, "iat": 1_700_000_000}));
        let expected = hs256(
            SECRET.as_bytes(),
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
        );
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap(), expected);
    }

    #[test]
    fn hs256_matches_rfc_4231_test_case_2() {
        let mac = hs256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn template_files_must_name_waymarks_templates() {
        let map = templates_from_json(r#"{"invite": "a", "decision_made": "b"}"#).unwrap();
        assert_eq!(map["invite"], "a");
        let error = templates_from_json(r#"{"invitation": "a"}"#).unwrap_err();
        assert!(
            error.to_string().contains("no template called invitation"),
            "{error}"
        );
        assert!(templates_from_json("[]").is_err());
    }

    #[test]
    fn notifys_errors_are_read_into_one_line() {
        let answer = json!({"errors": [{"error": "BadRequestError",
            "message": "Missing personalisation: due_date"}], "status_code": 400});
        assert_eq!(
            errors_in(&answer),
            "BadRequestError: Missing personalisation: due_date"
        );
        assert_eq!(errors_in(&Value::Null), "no error given");
    }
}
