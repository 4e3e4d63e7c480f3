//! `TestApp`: the real application on a real database, on 127.0.0.1 and a free port.
//!
//! Extend it here (signed-in clients, seeded cases) rather than in each test.

use std::net::SocketAddr;

use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode, redirect};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use waymark_store::Backend;
use waymark_store::prelude::*;
use waymark_store::testing::TestDb;
use waymark_web::{AppState, Config};

/// The LA name every test app runs as.
pub const LA_NAME: &str = "Northshire County Council";

/// The code of the LA whose users and cases the tests mostly use (registered by `spawn`).
pub const LA_CODE: &str = "990";

/// Another LA (also registered): its records must never be visible to the first LA's users.
pub const OTHER_LA_CODE: &str = "991";

/// The other LA's name.
pub const OTHER_LA_NAME: &str = "Southdale Borough Council";

/// A running app. The server stops when this is dropped.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client that does not follow redirects (tests check where they go).
    pub client: Client,
    /// The app's store, for seeding data or breaking the database.
    pub store: Backend,
    _db: TestDb,
    _stop: oneshot::Sender<()>,
}

/// A response read in full.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    /// A header's value, or "" if it is missing.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl TestApp {
    /// An app for [`LA_NAME`] over plain HTTP.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(Config::new(LA_NAME)).await
    }

    /// An app with the given configuration.
    pub async fn spawn_with(config: Config) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("no free port: {e}"));
        TestApp::spawn_on(listener, config).await
    }

    /// An app on a listener bound already, for a configuration that needs the app's address
    /// (single sign-on's redirect URL).
    pub async fn spawn_on(listener: TcpListener, config: Config) -> TestApp {
        install_tls_provider();
        let db = TestDb::sqlite();
        let store = db.store().await;
        for (la, name) in [(LA_CODE, LA_NAME), (OTHER_LA_CODE, OTHER_LA_NAME)] {
            store
                .ensure_la(&la_code(la), name)
                .await
                .unwrap_or_else(|e| panic!("could not register LA {la}: {e}"));
        }
        let state = AppState::new(store.clone(), config)
            .unwrap_or_else(|e| panic!("the app did not start: {e}"));
        let addr: SocketAddr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("no local address: {e}"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(err) = waymark_web::serve_on(listener, state, shutdown).await {
                panic!("the server failed: {err}");
            }
        });
        let client = Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("no HTTP client: {e}"));
        TestApp {
            base: format!("http://{addr}"),
            client,
            store,
            _db: db,
            _stop: stop,
        }
    }

    /// The absolute URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET path`, read in full.
    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        read(response).await
    }

    /// `GET path` as bytes, with the status and headers.
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: body: {e}"));
        (status, headers, body.to_vec())
    }
}

async fn read(response: reqwest::Response) -> Page {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .text()
        .await
        .unwrap_or_else(|e| panic!("response body: {e}"));
    Page {
        status,
        headers,
        body,
    }
}

/// The values of every `attr="..."` in `html` (HTML is ours and regular enough to scan).
pub fn attribute_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    let mut values = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&needle) {
        rest = &rest[start + needle.len()..];
        let end = rest.find('"').unwrap_or(rest.len());
        values.push(&rest[..end]);
        rest = &rest[end..];
    }
    values
}

/// Every URL under `/assets/` that a page links to or loads.
pub fn asset_urls(html: &str) -> Vec<&str> {
    let mut urls: Vec<&str> = attribute_values(html, "href")
        .into_iter()
        .chain(attribute_values(html, "src"))
        .filter(|url| url.starts_with("/assets/"))
        .collect();
    urls.sort_unstable();
    urls.dedup();
    urls
}

/// The public pages, for tests that check every page.
pub const PAGES: &[&str] = &["/", "/cookies", "/accessibility"];

// People and cases, and browsers signed in as them.

use chrono::{NaiveDate, Utc};
use reqwest::header::SET_COOKIE;
use waymark_store::cases::{self, LoadedCase};
use waymark_store::domain::actor::{Actor, Role};
use waymark_store::domain::case::{Child, Placement, PlanSections, Request};
use waymark_store::domain::command::{Command, NewRequest};
use waymark_store::{CaseId, LaCode, NewUser, Session, User};

/// The password every test account is made with.
pub const PASSWORD: &str = "purple tractor umbrella";

/// An LA code from text the tests control.
pub fn la_code(code: &str) -> LaCode {
    LaCode::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"))
}

/// The value of `name="NAME" value="..."` in a page (the first such input).
pub fn input_value<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')?;
    Some(&html[start..start + end])
}

/// A browser: its own cookies, no redirects followed, and the CSRF token of the last page
/// that had a form.
pub struct Browser {
    /// The app's address.
    pub base: String,
    /// The HTTP client with this browser's cookie jar.
    pub client: Client,
    /// The token forms carry, once known.
    pub csrf: String,
    /// The session token this browser was last given, if any.
    pub session: Option<String>,
}

impl Browser {
    /// A new browser with no cookies.
    pub fn new(app: &TestApp) -> Browser {
        install_tls_provider();
        Browser {
            base: app.base.clone(),
            client: Client::builder()
                .redirect(redirect::Policy::none())
                .cookie_store(true)
                .build()
                .unwrap_or_else(|e| panic!("no HTTP client: {e}")),
            csrf: String::new(),
            session: None,
        }
    }

    /// `GET path`; remembers the page's CSRF token if it has one.
    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let page = read(response).await;
        if let Some(token) = input_value(&page.body, "csrf_token") {
            self.csrf = token.to_string();
        }
        page
    }

    /// `POST path` with the form fields and this browser's CSRF token.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.csrf.clone();
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", &csrf)];
        form.extend_from_slice(fields);
        self.post_raw(path, &form).await
    }

    /// `POST path` with exactly these fields (no CSRF token unless given).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let page = read(response).await;
        if let Some(token) = input_value(&page.body, "csrf_token") {
            self.csrf = token.to_string();
        }
        page
    }

    /// Signs in through the real form; returns the answer to the POST.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/sign-in").await;
        assert_eq!(form.status, 200, "{}", form.body);
        let answer = self
            .post("/sign-in", &[("email", email), ("password", password)])
            .await;
        if let Some(token) = set_cookies(&answer).iter().find_map(|c| {
            c.strip_prefix("waymark-session=")
                .and_then(|rest| rest.split(';').next())
                .map(str::to_string)
        }) {
            self.session = Some(token);
        }
        answer
    }
}

impl TestApp {
    /// Makes an account in `la` with [`PASSWORD`] (Argon2id, as `waymark user add` does).
    pub async fn add_user_in(&self, role: Role, la: &str, email: &str, name: &str) -> User {
        let hash = waymark_web::passwords::hash(PASSWORD.to_string())
            .await
            .unwrap_or_else(|e| panic!("hash: {e:?}"));
        self.store
            .create_user(NewUser {
                email: email.to_string(),
                name: name.to_string(),
                role,
                la: la_code(la),
                organisation: (role == Role::Professional).then(|| "Riverside NHS Trust".into()),
                password_hash: Some(hash),
            })
            .await
            .unwrap_or_else(|e| panic!("create user {email}: {e}"))
    }

    /// Sets up a second factor for `user` (a professional reaches no child's record without
    /// one).
    pub async fn with_second_factor(&self, user: &User) {
        self.store
            .set_totp_secret(user.id, Some("JBSWY3DPEHPK3PXP"))
            .await
            .unwrap_or_else(|e| panic!("set up a second factor: {e}"));
    }

    /// Makes an account in [`LA_CODE`] with a made-up email from its role and `who`.
    pub async fn add_user(&self, role: Role, who: &str) -> User {
        let email = format!(
            "{who}.{}@northshire.example",
            waymark_store::role_name(role)
        );
        self.add_user_in(role, LA_CODE, &email, &format!("Test {who}"))
            .await
    }

    /// A new account with `role`, signed in through the real sign-in form.
    pub async fn sign_in_as(&self, role: Role) -> (User, Browser) {
        let who = format!(
            "u{}",
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let user = self.add_user(role, &who).await;
        let mut browser = Browser::new(self);
        let answer = browser.sign_in(&user.email, PASSWORD).await;
        assert_eq!(answer.status, 303, "sign-in failed: {}", answer.body);
        // Pick up the session's CSRF token from a signed-in page.
        browser.get("/account").await;
        (user, browser)
    }

    /// A browser with a session made directly in the store (no sign-in form, no password
    /// hashing): for tests that need many sessions, such as the route × role matrix.
    pub async fn session_for(&self, user: &User) -> Browser {
        let token = waymark_web::token::new_token().unwrap_or_else(|e| panic!("{e:?}"));
        let csrf = waymark_web::token::new_token().unwrap_or_else(|e| panic!("{e:?}"));
        let now = Utc::now();
        self.store
            .create_session(Session {
                token_hash: waymark_web::token::hash(&token),
                user_id: user.id,
                csrf_token: csrf.clone(),
                created_at: now,
                last_seen_at: now,
                expires_at: now + chrono::Duration::hours(1),
            })
            .await
            .unwrap_or_else(|e| panic!("create session: {e}"));
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let url: reqwest::Url = self.base.parse().unwrap_or_else(|e| panic!("{e}"));
        jar.add_cookie_str(&format!("waymark-session={token}"), &url);
        Browser {
            base: self.base.clone(),
            client: Client::builder()
                .redirect(redirect::Policy::none())
                .cookie_provider(jar)
                .build()
                .unwrap_or_else(|e| panic!("no HTTP client: {e}")),
            csrf,
            session: Some(token),
        }
    }

    /// Opens a case in `la` for a child with these names, as a caseworker would.
    pub async fn add_case_in(&self, la: &str, given: &str, family: &str) -> LoadedCase {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let request = NewRequest {
            reference: format!("T{n}"),
            child: Child {
                given_name: given.to_string(),
                family_name: family.to_string(),
                date_of_birth: day("2016-03-01"),
                upn: None,
                uln: None,
                nhs_number: None,
                address: None,
                parents: vec![],
                school: None,
            },
            request: Request {
                received: day("2026-01-05"),
                source: "PAR".into(),
                reasons: "Needs are not being met".into(),
            },
        };
        let actor = Actor {
            user: "seed".into(),
            role: Role::Caseworker,
            la: la_code(la),
        };
        cases::open(&self.store, &request, &actor, day("2026-01-05"), Utc::now())
            .await
            .unwrap_or_else(|e| panic!("open case: {e}"))
    }

    /// Opens a case in [`LA_CODE`].
    pub async fn add_case(&self, given: &str, family: &str) -> LoadedCase {
        self.add_case_in(LA_CODE, given, family).await
    }

    /// Opens a case in [`LA_CODE`] and takes it to a final plan issued on `issued` (the
    /// decisions and the draft a few days before it), as a caseworker would.
    pub async fn add_case_with_plan(&self, given: &str, issued: NaiveDate) -> LoadedCase {
        let mut case = self.add_case(given, "Planned").await;
        let la = la_code(LA_CODE);
        let actor = Actor {
            user: "seed".into(),
            role: Role::Caseworker,
            la: la.clone(),
        };
        let before = |days: i64| issued - chrono::Duration::days(days);
        let school = Placement {
            urn: Some("100001".into()),
            setting_code: None,
            name: "Oakfield Primary School".into(),
            placement_type: "MS".into(),
        };
        for command in [
            Command::DecideWhetherToAssess {
                on: before(30),
                yes: true,
                reasons: String::new(),
            },
            Command::DecideWhetherToIssue {
                on: before(20),
                yes: true,
                reasons: String::new(),
            },
            Command::SavePlan {
                sections: PlanSections {
                    b: "Needs".into(),
                    ..PlanSections::default()
                },
            },
            Command::ServeDraft {
                version: 1,
                on: before(10),
            },
            Command::RecordRepresentations {
                on: before(5),
                requested_school: None,
            },
            Command::IssueFinalPlan {
                version: 1,
                on: issued,
                placement: school,
            },
        ] {
            case = cases::execute(
                &self.store,
                &la,
                case.id,
                case.version,
                &command,
                &actor,
                waymark_web::uk_time::today(),
                Utc::now(),
            )
            .await
            .unwrap_or_else(|e| panic!("{command:?}: {e}"));
        }
        case
    }

    /// Gives a user an open relation (`parent`, `advice`, `named`) to a case of [`LA_CODE`].
    pub async fn grant(&self, user: &User, case: CaseId, relation: &str) {
        self.store
            .grant_case_access(user.id, case, &la_code(LA_CODE), relation, Utc::now())
            .await
            .unwrap_or_else(|e| panic!("grant {relation}: {e}"));
    }
}

/// Makes test emails and references unique within the test binary.
static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The `Set-Cookie` headers of a page.
pub fn set_cookies(page: &Page) -> Vec<String> {
    page.headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect()
}

/// reqwest is built with rustls and no default crypto provider (the web crate picks *ring*
/// for single sign-on), so test clients need one installed for the process.
pub fn install_tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

// API tokens, JSON calls and seeded commands, shared by the parity and audience tests.

/// An answer from the JSON API: its status, its body as text and as JSON (`Null` if it is
/// not JSON).
pub struct ApiAnswer {
    pub status: u16,
    pub text: String,
    pub json: serde_json::Value,
}

impl TestApp {
    /// An API token for `user`, made directly in the store.
    pub async fn api_token(&self, user: &User) -> String {
        let token =
            waymark_web::api::tokens::NewToken::generate().unwrap_or_else(|e| panic!("{e:?}"));
        self.store
            .create_api_token(user.id, "test", &token.hash(), Utc::now())
            .await
            .unwrap_or_else(|e| panic!("create token: {e}"));
        token.secret().to_string()
    }

    /// `GET path` on the JSON API with a bearer token.
    pub async fn api_get(&self, path: &str, token: &str) -> ApiAnswer {
        let request = self.client.get(self.url(path)).bearer_auth(token);
        api_answer(path, request).await
    }

    /// `POST path` on the JSON API with a bearer token and a JSON body.
    pub async fn api_post(&self, path: &str, token: &str, body: &serde_json::Value) -> ApiAnswer {
        let request = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        api_answer(path, request).await
    }

    /// Runs `command` (the API's JSON) on case `id` at the version it is at now, through
    /// `POST /api/v1/cases/{id}/commands`.
    pub async fn api_command(
        &self,
        token: &str,
        id: CaseId,
        command: serde_json::Value,
    ) -> ApiAnswer {
        let version = self.case_version(id).await;
        self.api_post(
            &format!("/api/v1/cases/{}/commands", id.0),
            token,
            &serde_json::json!({ "expected_version": version, "command": command }),
        )
        .await
    }

    /// The version a case of [`LA_CODE`] is at.
    pub async fn case_version(&self, id: CaseId) -> i64 {
        self.store
            .load_case(&la_code(LA_CODE), id)
            .await
            .unwrap_or_else(|e| panic!("load case: {e}"))
            .unwrap_or_else(|| panic!("no case {id:?}"))
            .version
    }

    /// Runs `command` on a case of [`LA_CODE`] straight through the case rules as a manager
    /// called "seed" (no letters, notifications or audit entry): for setting a case up.
    pub async fn seed_command(&self, id: CaseId, command: &Command) -> LoadedCase {
        let la = la_code(LA_CODE);
        let actor = Actor {
            user: "seed".into(),
            role: Role::Manager,
            la: la.clone(),
        };
        let version = self.case_version(id).await;
        cases::execute(
            &self.store,
            &la,
            id,
            version,
            command,
            &actor,
            waymark_web::uk_time::today(),
            Utc::now(),
        )
        .await
        .unwrap_or_else(|e| panic!("{command:?}: {e}"))
    }

    /// Opens a case in [`LA_CODE`] for a child or young person born on `born`.
    pub async fn add_case_born(&self, given: &str, family: &str, born: NaiveDate) -> LoadedCase {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let received = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default();
        let request = NewRequest {
            reference: format!("T{n}"),
            child: Child {
                given_name: given.to_string(),
                family_name: family.to_string(),
                date_of_birth: born,
                upn: None,
                uln: None,
                nhs_number: None,
                address: None,
                parents: vec![],
                school: None,
            },
            request: Request {
                received,
                source: "PAR".into(),
                reasons: "Needs are not being met".into(),
            },
        };
        let actor = Actor {
            user: "seed".into(),
            role: Role::Caseworker,
            la: la_code(LA_CODE),
        };
        cases::open(&self.store, &request, &actor, received, Utc::now())
            .await
            .unwrap_or_else(|e| panic!("open case: {e}"))
    }
}

async fn api_answer(path: &str, request: reqwest::RequestBuilder) -> ApiAnswer {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status().as_u16();
    let text = response
        .text()
        .await
        .unwrap_or_else(|e| panic!("{path}: body: {e}"));
    ApiAnswer {
        status,
        json: serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        text,
    }
}

impl Browser {
    /// `POST path` as `multipart/form-data` with this browser's CSRF token, the fields and
    /// maybe one file (`file`: its name and bytes).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(String, String)],
        file: Option<(&str, Vec<u8>)>,
    ) -> Page {
        let mut form = reqwest::multipart::Form::new().text("csrf_token", self.csrf.clone());
        for (name, value) in fields {
            form = form.text(name.clone(), value.clone());
        }
        if let Some((name, bytes)) = file {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
            );
        }
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        read(response).await
    }
}
