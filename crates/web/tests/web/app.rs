//! `TestApp`: the real application on a real database, on 127.0.0.1 and a free port.
//!
//! Extend it here (signed-in clients, seeded cases) rather than in each test.

use std::net::SocketAddr;

use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode, redirect};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use waymark_store::Backend;
use waymark_store::testing::TestDb;
use waymark_web::{AppState, Config};

/// The LA name every test app runs as.
pub const LA_NAME: &str = "Northshire County Council";

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
        let db = TestDb::sqlite();
        let store = db.store().await;
        let state = AppState::new(store.clone(), config)
            .unwrap_or_else(|e| panic!("the app did not start: {e}"));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("no free port: {e}"));
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
