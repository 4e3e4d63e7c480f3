//! A stand-in for GOV.UK Notify's `POST /v2/notifications/email` that checks what Notify
//! checks: a Bearer JSON Web Token signed HS256 with the API key's secret, issued by the
//! service id, with `iat` within 30 seconds of now; and a body with the address, template id,
//! personalisation and reference. It answers with scripted status codes, then 201.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::task::JoinHandle;

pub const SERVICE_ID: &str = "26785a09-ab16-4eb0-8407-a37497a57506";
pub const SECRET: &str = "3d844edf-8d35-48ac-975b-e847b4f122b0";

/// The API key the fake accepts.
pub fn api_key() -> String {
    format!("waymark-test-{SERVICE_ID}-{SECRET}")
}

/// One request the fake accepted as authentic.
#[derive(Debug, Clone)]
pub struct Request {
    /// The JSON body.
    pub body: Value,
    /// The status it was answered with.
    pub status: u16,
}

#[derive(Default)]
struct Inner {
    script: VecDeque<u16>,
    requests: Vec<Request>,
    refused_tokens: Vec<String>,
}

/// A running fake; stops when dropped.
pub struct FakeNotify {
    addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    task: JoinHandle<()>,
}

impl FakeNotify {
    /// Starts on a free port; it answers the given statuses in turn, then 201 to everything.
    pub async fn start(script: &[u16]) -> FakeNotify {
        let inner = Arc::new(Mutex::new(Inner {
            script: script.iter().copied().collect(),
            ..Inner::default()
        }));
        let app = axum::Router::new()
            .route("/v2/notifications/email", post(email))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeNotify { addr, inner, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The authentic requests, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// Why tokens were refused, if any were.
    pub fn refused_tokens(&self) -> Vec<String> {
        self.inner.lock().unwrap().refused_tokens.clone()
    }
}

impl Drop for FakeNotify {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn error(status: StatusCode, kind: &str, message: &str) -> (StatusCode, Json<Value>) {
    (
        status,
        Json(json!({
            "errors": [{"error": kind, "message": message}],
            "status_code": status.as_u16(),
        })),
    )
}

/// Checks a token as Notify does; the reason it is refused, if it is.
fn check_token(headers: &HeaderMap) -> Result<(), String> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or("no Bearer token")?;
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, signature] = parts[..] else {
        return Err(format!("{} parts, not 3", parts.len()));
    };
    let decode = |part: &str| -> Result<Value, String> {
        let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    };
    if decode(header)? != json!({"typ": "JWT", "alg": "HS256"}) {
        return Err("header is not {typ: JWT, alg: HS256}".into());
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{header}.{claims}").as_bytes());
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|e| e.to_string())?;
    mac.verify_slice(&signature)
        .map_err(|_| "signature does not verify".to_string())?;
    let claims = decode(claims)?;
    if claims["iss"] != SERVICE_ID {
        return Err(format!("iss is {}", claims["iss"]));
    }
    let iat = claims["iat"].as_i64().ok_or("iat is not a number")?;
    if (chrono::Utc::now().timestamp() - iat).abs() > 30 {
        return Err(format!("iat {iat} is more than 30 seconds from now"));
    }
    Ok(())
}

async fn email(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let mut inner = inner.lock().unwrap();
    if let Err(reason) = check_token(&headers) {
        inner.refused_tokens.push(reason);
        return error(StatusCode::FORBIDDEN, "AuthError", "Invalid token");
    }
    for field in ["email_address", "template_id", "reference"] {
        if !body[field].is_string() {
            return error(
                StatusCode::BAD_REQUEST,
                "ValidationError",
                &format!("{field} is a required property"),
            );
        }
    }
    let status = inner.script.pop_front().unwrap_or(201);
    inner.requests.push(Request {
        body: body.clone(),
        status,
    });
    let number = inner.requests.len();
    match status {
        201 => (
            StatusCode::CREATED,
            Json(json!({
                "id": format!("740e5834-3a29-46b4-9a6f-{number:012}"),
                "reference": body["reference"],
                "content": {"subject": "subject", "body": "body", "from_email": "x@notify.example"},
                "uri": "https://api.notifications.service.gov.uk/v2/notifications/x",
                "template": {"id": body["template_id"], "version": 1, "uri": "x"},
            })),
        ),
        429 => error(
            StatusCode::TOO_MANY_REQUESTS,
            "RateLimitError",
            "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
        ),
        400 => error(
            StatusCode::BAD_REQUEST,
            "BadRequestError",
            "Can't send to this recipient using a team-only API key",
        ),
        other => error(
            StatusCode::from_u16(other).unwrap(),
            "Exception",
            "Internal server error",
        ),
    }
}
