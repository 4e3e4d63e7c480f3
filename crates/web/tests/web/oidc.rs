//! Single sign-on end to end against a real OpenID provider: `oidc-provider` (Node.js) started
//! from `tests/oidc-provider/provider.mjs` on a free port, one per test. Its development login
//! and consent forms are filled in over HTTP; nothing on either side is mocked.
//!
//! Needs Node.js 20+ with npm. The provider's packages are installed with `npm ci` the first
//! time (scripts/test also does it before the Rust tests).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use chrono::Utc;
use reqwest::{Client, StatusCode, Url, redirect};
use tokio::net::TcpListener;
use waymark_store::domain::actor::Role;
use waymark_store::prelude::*;
use waymark_store::{LaCode, NewUser, User};
use waymark_web::oidc::OidcConfig;
use waymark_web::{Config, nav, token};

use crate::app::{LA_CODE, LA_NAME, TestApp, install_tls_provider, la_code};

const CLIENT_ID: &str = "waymark-test";
const CLIENT_SECRET: &str = "test-only-client-secret";
const STAFF_EMAIL: &str = "case.worker@northshire.gov.uk";

/// The folder with the provider's `package.json` and `provider.mjs`.
fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-provider")
}

/// Installs the provider's packages (`npm ci`) if they are not there. Safe when several test
/// processes (cargo nextest) get here at once: each installs into its own folder and moves
/// its `node_modules` into place; the first move wins and the others throw theirs away.
fn install_provider_packages() {
    static INSTALL: Mutex<()> = Mutex::new(());
    let _one_at_a_time = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = provider_dir();
    let installed = |dir: &Path| dir.join("node_modules/oidc-provider/package.json").exists();
    if installed(&dir) {
        return;
    }
    let scratch = dir.join(format!(".install-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap_or_else(|e| panic!("{}: {e}", scratch.display()));
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(dir.join(file), scratch.join(file))
            .unwrap_or_else(|e| panic!("copying {file}: {e}"));
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&scratch)
        .status()
        .unwrap_or_else(|e| panic!("could not run npm (install Node.js 20+ with npm): {e}"));
    assert!(status.success(), "npm ci for {} failed", dir.display());
    let moved = std::fs::rename(scratch.join("node_modules"), dir.join("node_modules"));
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(
        moved.is_ok() || installed(&dir),
        "could not put the provider's packages in place: {moved:?}"
    );
}

/// A running `provider.mjs`. Killed when dropped; it also exits by itself when its standard
/// input closes, should this process die first.
struct Provider {
    child: Child,
    issuer: String,
}

impl Provider {
    /// Starts a provider whose one client is Waymark with `redirect_uri`.
    async fn start(redirect_uri: &str) -> Provider {
        install_provider_packages();
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .arg("0")
            .current_dir(provider_dir())
            .env("OIDC_CLIENT_ID", CLIENT_ID)
            .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
            .env("OIDC_REDIRECT_URI", redirect_uri)
            .env("OIDC_ACCOUNT_EMAIL", STAFF_EMAIL)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start node (install Node.js 20+): {e}"));
        // The first line says where it listens; later lines (the package's notices) are
        // drained, so the provider never blocks on, or dies of, a full or closed pipe.
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (first, first_line) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = first.send(line);
            }
        });
        // Its warnings (development-only features, Node.js version) are kept to explain a
        // failure to start, and not shown otherwise.
        let mut stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
        let complaints = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
            text
        });
        let started =
            tokio::task::spawn_blocking(move || first_line.recv_timeout(Duration::from_secs(20)))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        let Ok(line) = started else {
            let _ = child.kill();
            let _ = child.wait();
            let said = complaints.join().unwrap_or_default();
            panic!("the OpenID provider did not start within 20 s; it said:\n{said}");
        };
        let ready: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the provider said {line:?}, not its issuer: {e}"));
        let issuer = ready["issuer"]
            .as_str()
            .unwrap_or_else(|| panic!("no issuer in {line:?}"))
            .to_string();
        Provider { child, issuer }
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An app with single sign-on through its own provider, and a staff account for
/// [`STAFF_EMAIL`].
struct SsoApp {
    app: TestApp,
    provider: Provider,
    /// A browser: keeps cookies (the app's and the provider's), follows no redirects.
    browser: Client,
}

impl SsoApp {
    async fn spawn() -> SsoApp {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("no free port: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("no local address: {e}"));
        let redirect_url = format!("http://{addr}/sign-in/sso/callback");
        let provider = Provider::start(&redirect_url).await;
        let config = Config {
            oidc: Some(OidcConfig {
                issuer_url: provider.issuer.clone(),
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                redirect_url,
                button_label: OidcConfig::DEFAULT_BUTTON_LABEL.into(),
            }),
            ..Config::new(LA_NAME)
        };
        let app = TestApp::spawn_on(listener, config).await;
        add_user(&app, STAFF_EMAIL, Role::Caseworker).await;
        SsoApp {
            app,
            provider,
            browser: browser(),
        }
    }

    /// In a new browser (no session at Waymark or at the provider), starts a login at Waymark
    /// and signs in at the provider as `login` (see provider.mjs: an email, or
    /// `unverified:EMAIL`), consenting; returns the callback address the provider sent the
    /// browser to, not yet visited.
    async fn sign_in_at_provider(&mut self, login: &str) -> Url {
        self.browser = browser();
        let response = self.get(&self.app.url("/sign-in/sso")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let mut next = location(&response);
        assert!(
            next.as_str().starts_with(&self.provider.issuer),
            "sent to {next}"
        );
        for _ in 0..20 {
            if next.path() == "/sign-in/sso/callback" {
                return next;
            }
            let response = self.get(next.as_str()).await;
            if response.status().is_redirection() {
                next = location(&response);
                continue;
            }
            assert_eq!(response.status(), StatusCode::OK, "at {next}");
            // A development interaction: the login form, then the consent form, each posted
            // back to the page's own address.
            let form_page = next.clone();
            let body = response.text().await.unwrap_or_default();
            let prompt = if body.contains(r#"name="prompt" value="login""#) {
                vec![("prompt", "login"), ("login", login), ("password", "any")]
            } else if body.contains(r#"name="prompt" value="consent""#) {
                vec![("prompt", "consent")]
            } else {
                panic!("unexpected provider page at {form_page}: {body}");
            };
            let posted = self
                .browser
                .post(form_page.as_str())
                .form(&prompt)
                .send()
                .await
                .unwrap_or_else(|e| panic!("POST {form_page}: {e}"));
            assert!(posted.status().is_redirection(), "POST {form_page}");
            next = location(&posted);
        }
        panic!("the provider never sent the browser back to Waymark");
    }

    /// `GET url` in the browser.
    async fn get(&self, url: &str) -> reqwest::Response {
        self.browser
            .get(url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"))
    }

    /// Whether the browser is signed in: a page that needs sign-in answers 200.
    async fn signed_in(&self) -> bool {
        let response = self.get(&self.app.url(SIGNED_IN_PAGE)).await;
        match response.status() {
            StatusCode::OK => true,
            StatusCode::SEE_OTHER | StatusCode::FOUND => false,
            other => panic!("{SIGNED_IN_PAGE} answered {other}"),
        }
    }

    /// The login the store holds for a state (taken out of the store; put it back with
    /// `create_oidc_login`).
    async fn take_login(&self, state: &str) -> waymark_store::OidcLogin {
        self.app
            .store
            .take_oidc_login(&token::hash(state), Utc::now())
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no login for that state"))
    }
}

/// A page only a signed-in user can see.
const SIGNED_IN_PAGE: &str = "/account";

fn la() -> LaCode {
    la_code(LA_CODE)
}

async fn add_user(app: &TestApp, email: &str, role: Role) -> User {
    app.store
        .create_user(NewUser {
            email: email.into(),
            name: "Sam Sso".into(),
            role,
            la: la(),
            organisation: None,
            password_hash: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn browser() -> Client {
    install_tls_provider();
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("no HTTP client: {e}"))
}

fn location(response: &reqwest::Response) -> Url {
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("{} without Location", response.status()));
    response
        .url()
        .join(location)
        .unwrap_or_else(|e| panic!("bad Location {location}: {e}"))
}

fn query_param(url: &Url, name: &str) -> String {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}

fn with_param(url: &Url, name: &str, value: &str) -> Url {
    let mut changed = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    changed.query_pairs_mut().clear().extend_pairs(pairs);
    changed
}

/// Visits the callback and returns the status and page.
async fn visit(sso: &SsoApp, callback: &Url) -> (StatusCode, String) {
    let response = sso.get(callback.as_str()).await;
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

const DID_NOT_WORK: &str = "Sign-in did not work. Try again.";
const NOT_SET_UP: &str = "Your council account is not set up in Waymark. Ask your administrator.";

#[tokio::test]
async fn staff_member_signs_in_with_their_council_account() {
    let mut sso = SsoApp::spawn().await;
    assert!(!sso.signed_in().await);
    let callback = sso.sign_in_at_provider(STAFF_EMAIL).await;
    let response = sso.get(callback.as_str()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response).path(), nav::home(Role::Caseworker));
    assert!(sso.signed_in().await);

    let audit = sso
        .app
        .store
        .search_audit(&la(), None, None, 10)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(audit.iter().any(|e| e.action == "sign_in_sso"), "{audit:?}");
}

#[tokio::test]
async fn callback_with_a_wrong_state_is_refused() {
    let mut sso = SsoApp::spawn().await;
    let callback = sso.sign_in_at_provider(STAFF_EMAIL).await;
    let wrong = token::new_token().unwrap_or_else(|e| panic!("{e:?}"));

    // A state this browser did not start.
    let (status, page) = visit(&sso, &with_param(&callback, "state", &wrong)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains(DID_NOT_WORK), "{page}");
    assert!(!sso.signed_in().await);

    // A state nobody started, even with a cookie to match.
    let stranger = browser();
    let response = stranger
        .get(with_param(&callback, "state", &wrong).as_str())
        .header("cookie", format!("waymark-sso={wrong}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Neither used up the real login.
    let (status, _) = visit(&sso, &callback).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(sso.signed_in().await);
}

#[tokio::test]
async fn replayed_callback_is_refused() {
    let mut sso = SsoApp::spawn().await;
    let callback = sso.sign_in_at_provider(STAFF_EMAIL).await;
    let state = query_param(&callback, "state");
    let (status, _) = visit(&sso, &callback).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The same address again, with the login's cookie put back (a copied URL and cookie).
    let replayer = browser();
    let response = replayer
        .get(callback.as_str())
        .header("cookie", format!("waymark-sso={state}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let set_cookies: Vec<_> = response.headers().get_all("set-cookie").iter().collect();
    assert!(
        !set_cookies.iter().any(|c| c
            .to_str()
            .unwrap_or_default()
            .starts_with("waymark-session=")
            && !c.to_str().unwrap_or_default().contains("Max-Age=0")),
        "{set_cookies:?}"
    );
    let page = response.text().await.unwrap_or_default();
    assert!(page.contains(DID_NOT_WORK), "{page}");
}

#[tokio::test]
async fn id_token_with_a_wrong_nonce_is_refused() {
    let mut sso = SsoApp::spawn().await;
    let callback = sso.sign_in_at_provider(STAFF_EMAIL).await;
    // The provider's ID token carries the nonce Waymark sent; make Waymark expect another.
    let mut login = sso.take_login(&query_param(&callback, "state")).await;
    login.nonce = "a-nonce-this-provider-never-saw".into();
    sso.app
        .store
        .create_oidc_login(&login)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let (status, page) = visit(&sso, &callback).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains(DID_NOT_WORK), "{page}");
    assert!(!sso.signed_in().await);
}

#[tokio::test]
async fn code_exchange_with_the_wrong_pkce_verifier_is_refused_by_the_provider() {
    let mut sso = SsoApp::spawn().await;
    let callback = sso.sign_in_at_provider(STAFF_EMAIL).await;
    let mut login = sso.take_login(&query_param(&callback, "state")).await;
    login.pkce_verifier = "x".repeat(64);
    sso.app
        .store
        .create_oidc_login(&login)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let (status, page) = visit(&sso, &callback).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains(DID_NOT_WORK), "{page}");
    assert!(!sso.signed_in().await);
}

#[tokio::test]
async fn unknown_or_disabled_account_is_refused_and_none_is_created() {
    let mut sso = SsoApp::spawn().await;
    let callback = sso
        .sign_in_at_provider("new.starter@northshire.gov.uk")
        .await;
    let (status, page) = visit(&sso, &callback).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains(NOT_SET_UP), "{page}");
    assert!(!sso.signed_in().await);
    let nobody = sso
        .app
        .store
        .find_user_by_email("new.starter@northshire.gov.uk")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(nobody.is_none(), "single sign-on must not create accounts");

    let leaver = add_user(&sso.app, "leaver@northshire.gov.uk", Role::Manager).await;
    sso.app
        .store
        .set_disabled(leaver.id, true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let callback = sso.sign_in_at_provider("leaver@northshire.gov.uk").await;
    let (status, page) = visit(&sso, &callback).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains(NOT_SET_UP), "{page}");
    assert!(!sso.signed_in().await);
}

#[tokio::test]
async fn only_la_staff_may_use_single_sign_on() {
    let mut sso = SsoApp::spawn().await;
    for (email, role) in [
        ("parent@example.org", Role::Parent),
        ("senco@school.example.org", Role::Professional),
        ("councillor@northshire.gov.uk", Role::Scrutiny),
    ] {
        add_user(&sso.app, email, role).await;
        let callback = sso.sign_in_at_provider(email).await;
        let (status, page) = visit(&sso, &callback).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role:?}");
        assert!(
            page.contains("Only council SEND staff can sign in"),
            "{page}"
        );
        assert!(!sso.signed_in().await, "{role:?}");
    }
    for (email, role) in [
        ("manager@northshire.gov.uk", Role::Manager),
        ("admin@northshire.gov.uk", Role::Admin),
    ] {
        add_user(&sso.app, email, role).await;
        let callback = sso.sign_in_at_provider(email).await;
        let (status, _) = visit(&sso, &callback).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{role:?}");
    }
}

#[tokio::test]
async fn an_email_the_provider_has_not_verified_is_refused() {
    let mut sso = SsoApp::spawn().await;
    let callback = sso
        .sign_in_at_provider(&format!("unverified:{STAFF_EMAIL}"))
        .await;
    let (status, page) = visit(&sso, &callback).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains(DID_NOT_WORK), "{page}");
    assert!(!sso.signed_in().await);
}

#[tokio::test]
async fn sign_in_page_offers_the_council_account_only_when_configured() {
    let sso = SsoApp::spawn().await;
    let page = sso.app.get("/sign-in").await;
    assert!(
        page.body.contains(r#"href="/sign-in/sso""#),
        "{}",
        page.body
    );
    assert!(page.body.contains(OidcConfig::DEFAULT_BUTTON_LABEL));

    let plain = TestApp::spawn().await;
    let page = plain.get("/sign-in").await;
    assert!(!page.body.contains("/sign-in/sso"), "{}", page.body);
    assert_eq!(
        plain.get("/sign-in/sso").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        plain
            .get("/sign-in/sso/callback?code=x&state=y")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn provider_that_cannot_be_reached_shows_that_council_sign_in_is_not_working() {
    // A port nothing listens on: bound, then released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("{e}"));
    let config = Config {
        oidc: Some(OidcConfig {
            issuer_url: format!("http://{closed}"),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_url: "http://127.0.0.1:1/sign-in/sso/callback".into(),
            button_label: OidcConfig::DEFAULT_BUTTON_LABEL.into(),
        }),
        ..Config::new(LA_NAME)
    };
    let app = TestApp::spawn_with(config).await;
    let page = app.get("/sign-in/sso").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        page.body
            .contains("Sorry, signing in with your council account is not working"),
        "{}",
        page.body
    );
}
