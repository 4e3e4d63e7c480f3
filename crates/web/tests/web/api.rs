//! The JSON API over HTTP: bearer tokens, the whole EHC journey driven by API calls alone (on
//! SQLite and on PostgreSQL), documents uploaded and downloaded, tenancy and relationship
//! access, conflicts and refusals, literal text, and the OpenAPI document checked against the
//! router's own route list.

use axum::http::Method;
use chrono::{Duration, NaiveDate};
use reqwest::Client;
use reqwest::header::{
    AUTHORIZATION, CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use waymark_store::documents::NewDocument;
use waymark_store::domain::actor::Role;
use waymark_store::prelude::*;
use waymark_store::testing::TestDb;
use waymark_store::{Backend, CaseAccess, CaseId, NewUser, User};
use waymark_web::api::tokens::{NewToken, token_hash};
use waymark_web::forms::VirusScanner;
use waymark_web::router::{self, RouteInfo};
use waymark_web::{AppState, Config};

use crate::app::{
    LA_CODE, LA_NAME, OTHER_LA_CODE, OTHER_LA_NAME, TestApp, install_tls_provider, la_code,
};

/// A running app as the API tests use it: its address, an HTTP client and its store.
/// [`TestApp`] is the app on SQLite; [`PgApp`] the same app on PostgreSQL.
trait Server {
    fn client(&self) -> &Client;
    fn url(&self, path: &str) -> String;
    fn store(&self) -> &Backend;
}

impl Server for TestApp {
    fn client(&self) -> &Client {
        &self.client
    }

    fn url(&self, path: &str) -> String {
        TestApp::url(self, path)
    }

    fn store(&self) -> &Backend {
        &self.store
    }
}

/// The app on a fresh PostgreSQL database (on the test binary's shared throwaway cluster),
/// with the two LAs [`TestApp`] has. The server stops when this is dropped.
struct PgApp {
    base: String,
    client: Client,
    store: Backend,
    _db: TestDb,
    _stop: oneshot::Sender<()>,
}

impl PgApp {
    async fn spawn() -> PgApp {
        install_tls_provider();
        let db = TestDb::postgres().await;
        let store = db.store().await;
        for (la, name) in [(LA_CODE, LA_NAME), (OTHER_LA_CODE, OTHER_LA_NAME)] {
            store
                .ensure_la(&la_code(la), name)
                .await
                .unwrap_or_else(|e| panic!("could not register LA {la}: {e}"));
        }
        let state = AppState::new(store.clone(), Config::new(LA_NAME))
            .unwrap_or_else(|e| panic!("the app did not start: {e}"));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("no free port: {e}"));
        let addr = listener
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
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("no HTTP client: {e}"));
        PgApp {
            base: format!("http://{addr}"),
            client,
            store,
            _db: db,
            _stop: stop,
        }
    }
}

impl Server for PgApp {
    fn client(&self) -> &Client {
        &self.client
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn store(&self) -> &Backend {
        &self.store
    }
}

/// A response to an API call, its body parsed as JSON (`Value::Null` if it is not JSON).
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    json: Value,
    text: String,
}

impl Answer {
    fn header(&self, name: impl reqwest::header::AsHeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The body's `detail` (problems).
    fn detail(&self) -> &str {
        self.json["detail"].as_str().unwrap_or_default()
    }
}

/// An account in `la` with no password (API tests sign in with tokens only).
async fn user_in(app: &impl Server, role: Role, la: &str, who: &str) -> User {
    app.store()
        .create_user(NewUser {
            email: format!("{who}.{}@{la}.example", waymark_store::role_name(role)),
            name: format!("Test {who}"),
            role,
            la: la_code(la),
            organisation: None,
            password_hash: None,
        })
        .await
        .unwrap_or_else(|e| panic!("create user {who}: {e}"))
}

/// Makes an API token for `user` directly in the store (the page that makes them is tested
/// in `token_page_shows_a_new_token_once_and_revokes_it`).
async fn token_for(app: &impl Server, user: &User) -> String {
    let token = NewToken::generate().unwrap_or_else(|e| panic!("{e:?}"));
    app.store()
        .create_api_token(user.id, "test", &token.hash(), chrono::Utc::now())
        .await
        .unwrap_or_else(|e| panic!("create token: {e}"));
    token.secret().to_string()
}

/// Sends a request with an optional bearer token and an optional JSON body.
async fn call(
    app: &impl Server,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let method =
        reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let mut request = app.client().request(method, app.url(path));
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(body) = body {
        request = request
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
    }
    answer(path, request).await
}

/// Sends a request and reads the answer in full.
async fn answer(path: &str, request: reqwest::RequestBuilder) -> Answer {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response
        .text()
        .await
        .unwrap_or_else(|e| panic!("{path}: body: {e}"));
    Answer {
        status,
        headers,
        json: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

async fn get(app: &impl Server, path: &str, token: &str) -> Answer {
    call(app, Method::GET, path, Some(token), None).await
}

async fn post(app: &impl Server, path: &str, token: &str, body: &Value) -> Answer {
    call(app, Method::POST, path, Some(token), Some(body)).await
}

/// Today as the app sees it (in England).
fn today() -> NaiveDate {
    waymark_web::uk_time::today()
}

/// A date as the case's summaries write it ("10 February 2026").
fn long(day: NaiveDate) -> String {
    day.format("%-d %B %Y").to_string()
}

fn iso(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// A new request for a child, received on `received`.
fn new_request(reference: &str, given: &str, received: NaiveDate) -> Value {
    json!({
        "reference": reference,
        "child": {
            "given_name": given,
            "family_name": "Okafor",
            "date_of_birth": "2017-06-14",
            "upn": "H801200001001"
        },
        "request": { "received": iso(received), "source": "PAR", "reasons": "Not making progress" }
    })
}

/// The clock of a kind in a case's `clocks`.
fn clock<'a>(case: &'a Value, kind: &str) -> &'a Value {
    case["clocks"]
        .as_array()
        .and_then(|clocks| clocks.iter().find(|c| c["kind"] == kind))
        .unwrap_or_else(|| panic!("no {kind} clock in {case:#}"))
}

/// Runs a command on the version given; panics with the problem if it is not 200.
async fn run(app: &impl Server, token: &str, id: i64, version: i64, command: Value) -> Value {
    let answer = post(
        app,
        &format!("/api/v1/cases/{id}/commands"),
        token,
        &json!({ "expected_version": version, "command": command }),
    )
    .await;
    assert_eq!(answer.status, 200, "{command}: {}", answer.text);
    assert_eq!(answer.json["version"], version + 1, "{command}");
    answer.json
}

/// Uploads `bytes` as the body, with the query string given (`kind=...&title=...&filename=...`).
/// The body's Content-Type says text: the API reads the type from the content.
async fn upload(app: &impl Server, token: &str, id: i64, query: &str, bytes: &[u8]) -> Answer {
    let path = format!("/api/v1/cases/{id}/documents?{query}");
    let request = app
        .client()
        .post(app.url(&path))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(CONTENT_TYPE, "text/plain")
        .body(bytes.to_vec());
    answer(&path, request).await
}

/// A document's bytes, with the status and headers.
async fn download(
    app: &impl Server,
    token: &str,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = app
        .client()
        .get(app.url(path))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response
        .bytes()
        .await
        .unwrap_or_else(|e| panic!("{path}: body: {e}"));
    (status, headers, bytes.to_vec())
}

/// A case's documents, as listed.
async fn documents(app: &impl Server, token: &str, id: i64) -> Vec<Value> {
    let list = get(app, &format!("/api/v1/cases/{id}/documents"), token).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json["id"], id);
    list.json["documents"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The actions a case says its reader may take now.
fn allowed(case: &Value) -> Vec<&str> {
    case["allowed_actions"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// A small file that is a PDF by its content.
const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The whole EHC journey, from a new request to an issued final plan, through the API alone,
/// on whichever backend `app` runs: with an exception, a note, advice uploaded and named, the
/// letters and plans the decisions make, a refusal and a stale write on the way.
async fn whole_journey(app: &impl Server) {
    let caseworker = user_in(app, Role::Caseworker, LA_CODE, "journey").await;
    let token = token_for(app, &caseworker).await;
    let received = today() - Duration::days(120);
    let on = |days: i64| iso(received + Duration::days(days));

    let me = get(app, "/api/v1/me", &token).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json["role"], "caseworker");
    assert_eq!(me.json["la"], LA_CODE);
    assert!(!me.text.contains(&token), "the token is never sent back");

    let mut request = new_request("J-1", "Amara", received);
    request["child"]["school"] = json!({"urn": "100002", "setting_code": null,
        "name": "Riverside Infant School", "placement_type": "MS"});
    let created = post(app, "/api/v1/cases", &token, &request).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{}", created.text));
    assert_eq!(created.header(LOCATION), format!("/api/v1/cases/{id}"));
    assert_eq!(created.json["version"], 1);
    assert_eq!(created.json["stage"], "requested");
    assert_eq!(created.json["child"]["upn"], "H801200001001");
    assert_eq!(
        created.json["child"]["school"]["name"],
        "Riverside Infant School"
    );
    // Six weeks have long passed with no decision.
    let decide = clock(&created.json, "decide_whether_to_assess_by");
    assert_eq!(decide["due"], on(42));
    assert_eq!(decide["status"], "overdue");
    assert_eq!(decide["days_overdue"], 120 - 42);
    assert_eq!(clock(&created.json, "final_plan_by")["due"], on(140));
    let actions = allowed(&created.json);
    assert!(actions.contains(&"decide-assessment"), "{actions:?}");
    assert!(actions.contains(&"add-note"), "{actions:?}");
    assert!(!actions.contains(&"issue-plan"), "{actions:?}");
    assert!(
        !actions.contains(&"allocate"),
        "managers allocate: {actions:?}"
    );
    assert!(documents(app, &token, id).await.is_empty());

    let case = run(
        app,
        &token,
        id,
        1,
        json!({"type": "decide_whether_to_assess", "on": on(30), "yes": true, "reasons": ""}),
    )
    .await;
    assert_eq!(case["stage"], "assessing");
    assert_eq!(
        clock(&case, "decide_whether_to_assess_by")["status"],
        "met_on_time"
    );
    let actions = allowed(&case);
    assert!(!actions.contains(&"decide-assessment"), "{actions:?}");
    assert!(actions.contains(&"request-advice"), "{actions:?}");

    // The decision made its letter to the family, as a decision on the case page does.
    let letters = documents(app, &token, id).await;
    assert_eq!(letters.len(), 1, "{letters:#?}");
    let letter = &letters[0];
    assert_eq!(letter["kind"], "letter");
    assert_eq!(letter["title"], "Decision whether to assess");
    assert_eq!(letter["content_type"], "application/pdf");
    assert_eq!(letter["scan"], "rendered");
    assert_eq!(letter["version"], 1);
    assert_eq!(
        letter["uploaded_by"]["reference"],
        caseworker.id.to_string()
    );
    assert_eq!(letter["uploaded_by"]["name"], caseworker.name);
    let letter_id = letter["id"].as_i64().unwrap_or_default();
    let (status, headers, bytes) = download(
        app,
        &token,
        &format!("/api/v1/cases/{id}/documents/{letter_id}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(bytes.starts_with(b"%PDF"), "a PDF");
    assert_eq!(headers[CONTENT_TYPE], "application/pdf");
    assert!(
        headers[CONTENT_DISPOSITION]
            .to_str()
            .is_ok_and(|v| v.starts_with("attachment; filename=\"J-1-")),
        "{headers:?}"
    );
    assert_eq!(letter["size"], bytes.len());
    assert_eq!(letter["sha256"], sha256_hex(&bytes));

    let case = run(
        app,
        &token,
        id,
        2,
        json!({"type": "record_exception", "kind": "exceptional_personal_circumstances",
               "from": on(31), "to": on(38), "note": "Family bereavement"}),
    )
    .await;
    assert_eq!(
        case["exceptions"][0]["kind"],
        "exceptional_personal_circumstances"
    );
    assert_eq!(case["exceptions"][0]["to"], on(38));

    run(
        app,
        &token,
        id,
        3,
        json!({"type": "add_note", "text": "Phoned the family about the EP visit."}),
    )
    .await;

    let case = run(
        app,
        &token,
        id,
        4,
        json!({"type": "request_advice", "kind": "educational_psychology",
               "organisation": "Northshire EP Service", "on": on(35)}),
    )
    .await;
    assert_eq!(case["advice"][0]["number"], 1);
    let advice = clock(&case, "advice_by");
    assert_eq!(advice["due"], on(35 + 42));
    assert_eq!(
        advice["status"], "overdue",
        "asked 85 days ago, not answered"
    );
    assert!(allowed(&case).contains(&"record-advice"));

    // The advice arrives as a file: uploaded first, then named by the command.
    let uploaded = upload(
        app,
        &token,
        id,
        "kind=advice&title=Advice%20from%20Northshire%20EP%20Service&filename=ep-report.pdf",
        PDF,
    )
    .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text);
    let advice_id = uploaded.json["id"].as_i64().unwrap_or_default();
    assert_eq!(
        uploaded.header(LOCATION),
        format!("/api/v1/cases/{id}/documents/{advice_id}")
    );
    assert_eq!(uploaded.json["kind"], "advice");
    assert_eq!(uploaded.json["title"], "Advice from Northshire EP Service");
    assert_eq!(uploaded.json["filename"], "ep-report.pdf");
    assert_eq!(
        uploaded.json["content_type"], "application/pdf",
        "read from the content, not the request's text/plain"
    );
    assert_eq!(uploaded.json["scan"], "not_scanned", "no scanner set up");
    assert_eq!(uploaded.json["size"], PDF.len());
    assert_eq!(uploaded.json["sha256"], sha256_hex(PDF));
    let case = run(
        app,
        &token,
        id,
        5,
        json!({"type": "record_advice_received", "number": 1, "on": on(60),
               "document": advice_id.to_string()}),
    )
    .await;
    assert_eq!(clock(&case, "advice_by")["status"], "met_on_time");
    assert_eq!(case["advice"][0]["document"], advice_id.to_string());
    let (status, _, bytes) = download(
        app,
        &token,
        &format!("/api/v1/cases/{id}/documents/{advice_id}"),
    )
    .await;
    assert_eq!((status, bytes.as_slice()), (200, PDF));

    let case = run(
        app,
        &token,
        id,
        6,
        json!({"type": "decide_whether_to_issue", "on": on(70), "yes": true, "reasons": ""}),
    )
    .await;
    assert_eq!(case["stage"], "drafting");

    let case = run(
        app,
        &token,
        id,
        7,
        json!({"type": "save_plan", "sections": {
            "a": "Amara loves drawing and wants to be an architect.",
            "b": "Speech, language and communication needs.",
            "e": "Amara will talk about her work with her class.",
            "f": "Speech and language therapy weekly."
        }}),
    )
    .await;
    assert_eq!(case["plan_versions"][0]["version"], 1);

    // Served five days ago: the family still has ten days to comment.
    let served = today() - Duration::days(5);
    let case = run(
        app,
        &token,
        id,
        8,
        json!({"type": "serve_draft", "version": 1, "on": iso(served)}),
    )
    .await;
    assert_eq!(case["stage"], "draft_served");
    let window = clock(&case, "representations_by");
    assert_eq!(
        window["due"],
        iso(served + Duration::days(14)),
        "day of service is day 1 of 15"
    );
    let actions = allowed(&case);
    assert!(
        !actions.contains(&"issue-plan"),
        "not inside the family's 15 days: {actions:?}"
    );
    assert!(actions.contains(&"record-comments"), "{actions:?}");

    // Issuing now is refused in the rule's words, and nothing is written.
    let placement = json!({"urn": "100001", "setting_code": null,
        "name": "Oakfield Primary School", "placement_type": "MS"});
    let issue = json!({"type": "issue_final_plan", "version": 1, "on": iso(today()),
        "placement": placement});
    let commands = format!("/api/v1/cases/{id}/commands");
    let refused = post(
        app,
        &commands,
        &token,
        &json!({"expected_version": 9, "command": issue}),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(
        refused.json["type"],
        "https://waymark.example/problems/refused"
    );
    assert_eq!(
        refused.detail(),
        format!(
            "the family has until {} to comment on the draft; \
             record their comments, or issue the plan after that date",
            long(served + Duration::days(14))
        )
    );
    // A stale version is a conflict, and nothing is written either.
    let stale = post(
        app,
        &commands,
        &token,
        &json!({"expected_version": 8, "command":
            {"type": "add_note", "text": "Written on an old copy of the case"}}),
    )
    .await;
    assert_eq!(stale.status, 409, "{}", stale.text);
    assert_eq!(
        stale.json["type"],
        "https://waymark.example/problems/conflict"
    );
    let read = get(app, &format!("/api/v1/cases/{id}"), &token).await;
    assert_eq!(read.json["version"], 9, "neither was written");
    assert_eq!(read.json["stage"], "draft_served");

    // The family comment: the plan may be issued without waiting out the window.
    let case = run(
        app,
        &token,
        id,
        9,
        json!({"type": "record_representations", "on": iso(today()),
               "requested_school": "Oakfield Primary School"}),
    )
    .await;
    let actions = allowed(&case);
    assert!(actions.contains(&"issue-plan"), "{actions:?}");

    let case = run(app, &token, id, 10, issue).await;
    assert_eq!(case["stage"], "plan_issued");
    assert_eq!(case["final_plan"]["issued"], iso(today()));
    let final_plan = clock(&case, "final_plan_by");
    assert_eq!(final_plan["done"], iso(today()));
    assert_eq!(final_plan["status"], "met_on_time", "day 120 of 140");
    assert!(!allowed(&case).contains(&"issue-plan"));

    let read = get(app, &format!("/api/v1/cases/{id}"), &token).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.json["version"], 11);
    assert_eq!(read.json["stage_label"], "Plan issued");

    // Every letter and plan the journey made, and the advice, in the order they were made.
    let all = documents(app, &token, id).await;
    let titles: Vec<(&str, &str)> = all
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap_or_default(),
                d["title"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        titles,
        [
            ("letter", "Decision whether to assess"),
            ("advice", "Advice from Northshire EP Service"),
            ("plan", "Draft plan"),
            ("plan", "Final plan"),
            ("letter", "Covering letter for the final plan"),
        ]
    );
    for document in all.iter().filter(|d| d["scan"] == "rendered") {
        let path = format!("/api/v1/cases/{id}/documents/{}", document["id"]);
        let (status, _, bytes) = download(app, &token, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(bytes.starts_with(b"%PDF"), "{path} is a PDF");
    }

    let history = get(app, &format!("/api/v1/cases/{id}/history"), &token).await;
    assert_eq!(history.status, 200, "{}", history.text);
    let events = history.json["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "request_received",
            "assessment_decided",
            "exception_recorded",
            "note_added",
            "advice_requested",
            "advice_received",
            "issue_decided",
            "plan_saved",
            "draft_served",
            "representations_received",
            "final_plan_issued"
        ]
    );
    let first = &events[0];
    assert_eq!(first["seq"], 1);
    assert_eq!(first["actor"]["reference"], caseworker.id.to_string());
    assert_eq!(first["actor"]["name"], caseworker.name);
    assert!(first["recorded_at"].is_string());
    assert_eq!(
        first["summary"],
        format!(
            "Request for an EHC needs assessment received on {}",
            long(received)
        )
    );
    assert_eq!(
        events[1]["summary"],
        format!(
            "Decided to assess on {}",
            long(received + Duration::days(30))
        )
    );
    assert_eq!(events[3]["summary"], "Note added");
    assert_eq!(
        events[10]["summary"],
        format!(
            "Final plan (version 1) issued on {}, naming Oakfield Primary School",
            long(today())
        )
    );

    // Every read and write of the case is in the audit trail, by this user.
    let trail = app
        .store()
        .search_audit(&la_code(LA_CODE), Some(CaseId(id)), None, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            "open_case",
            "view_case",
            "decide_whether_to_assess",
            "view_case",
            "download_document",
            "record_exception",
            "add_note",
            "request_advice",
            "upload_document",
            "record_advice_received",
            "download_document",
            "decide_whether_to_issue",
            "save_plan",
            "serve_draft",
            "view_case",
            "record_representations",
            "issue_final_plan",
            "view_case",
            "view_case",
            "download_document",
            "download_document",
            "download_document",
            "download_document",
            "view_case"
        ]
    );
    assert!(trail.iter().all(|e| e.user_id == Some(caseworker.id)));
}

#[tokio::test]
async fn the_whole_ehc_journey_runs_over_the_api() {
    let app = TestApp::spawn().await;
    whole_journey(&app).await;
}

#[tokio::test]
async fn the_whole_ehc_journey_runs_over_the_api_on_postgresql() {
    let app = PgApp::spawn().await;
    whole_journey(&app).await;
}

#[tokio::test]
async fn uploads_are_checked_from_their_content_and_refused_with_field_errors() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Gus", "Upload").await;
    let user = app.add_user(Role::Caseworker, "uploader").await;
    let token = token_for(&app, &user).await;
    let id = case.id.0;
    let advice = "kind=advice&title=EP%20report";

    // An executable renamed .pdf: refused on its content.
    let exe = upload(
        &app,
        &token,
        id,
        &format!("{advice}&filename=report.pdf"),
        b"MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode",
    )
    .await;
    assert_eq!(exe.status, 422, "{}", exe.text);
    assert_eq!(exe.header(CONTENT_TYPE), "application/problem+json");
    assert_eq!(
        exe.json["errors"]["body"],
        "The selected file must be a PDF, Word document (.docx), JPG or PNG"
    );
    let empty = upload(&app, &token, id, &format!("{advice}&filename=a.pdf"), b"").await;
    assert_eq!(empty.status, 422, "{}", empty.text);
    assert_eq!(empty.json["errors"]["body"], "The selected file is empty");
    // A PDF named as a picture: the name is what is wrong.
    let misnamed = upload(
        &app,
        &token,
        id,
        &format!("{advice}&filename=scan.png"),
        PDF,
    )
    .await;
    assert_eq!(misnamed.status, 422, "{}", misnamed.text);
    assert_eq!(
        misnamed.json["errors"]["filename"],
        "The selected file's name must end in .pdf to match what is in it"
    );
    let too_big = {
        let mut bytes = PDF.to_vec();
        bytes.resize(waymark_web::forms::MAX_UPLOAD_BYTES + 1, b' ');
        upload(
            &app,
            &token,
            id,
            &format!("{advice}&filename=big.pdf"),
            &bytes,
        )
        .await
    };
    assert_eq!(too_big.status, 422, "{}", too_big.text);
    assert_eq!(
        too_big.json["errors"]["body"],
        "The selected file must be smaller than 20MB"
    );
    // The query string: every mistake named.
    let nothing = upload(&app, &token, id, "", PDF).await;
    assert_eq!(nothing.status, 422, "{}", nothing.text);
    for field in ["kind", "title", "filename"] {
        assert!(
            nothing.json["errors"][field].is_string(),
            "{}",
            nothing.text
        );
    }
    let wrong = upload(
        &app,
        &token,
        id,
        "kind=letter&title=Mine&filename=..%2F..%2Fetc%2Fpasswd.pdf",
        PDF,
    )
    .await;
    assert_eq!(wrong.status, 422, "{}", wrong.text);
    assert_eq!(
        wrong.json["errors"]["kind"],
        "Kind must be advice or evidence"
    );
    assert_eq!(
        wrong.json["errors"]["filename"],
        "Filename must be a file name, without folders"
    );
    assert!(
        documents(&app, &token, id).await.is_empty(),
        "nothing refused was stored"
    );

    // The same kind and title again is the next version.
    for expected in [1, 2] {
        let answer = upload(
            &app,
            &token,
            id,
            "kind=evidence&title=School%20closure%20notice&filename=notice.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        )
        .await;
        assert_eq!(answer.status, 201, "{}", answer.text);
        assert_eq!(answer.json["version"], expected);
        assert_eq!(answer.json["content_type"], "image/png");
    }
}

#[tokio::test]
async fn an_infected_upload_is_refused_and_a_scanner_failure_says_to_try_again() {
    let scanner = |script: &str| VirusScanner::command("sh", vec!["-c".into(), script.into()]);
    let mut config = Config::new(LA_NAME);
    config.virus_scanner = scanner("if grep -q EICAR; then exit 1; else exit 0; fi");
    let app = TestApp::spawn_with(config).await;
    let case = app.add_case("Hal", "Scanned").await;
    let user = app.add_user(Role::Caseworker, "scanned").await;
    let token = token_for(&app, &user).await;
    let query = "kind=advice&title=Health%20advice&filename=health.pdf";

    let clean = upload(&app, &token, case.id.0, query, PDF).await;
    assert_eq!(clean.status, 201, "{}", clean.text);
    assert_eq!(clean.json["scan"], "clean");
    let mut infected = PDF.to_vec();
    infected.extend_from_slice(b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!");
    let answer = upload(&app, &token, case.id.0, query, &infected).await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert_eq!(
        answer.json["errors"]["body"],
        "The selected file contains a virus"
    );
    assert_eq!(
        documents(&app, &token, case.id.0).await.len(),
        1,
        "the infected file was not stored"
    );

    let mut config = Config::new(LA_NAME);
    config.virus_scanner = scanner("cat > /dev/null; exit 2");
    let broken = TestApp::spawn_with(config).await;
    let case = broken.add_case("Ivy", "Unscanned").await;
    let user = broken.add_user(Role::Caseworker, "unscanned").await;
    let token = token_for(&broken, &user).await;
    let answer = upload(&broken, &token, case.id.0, query, PDF).await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert_eq!(
        answer.json["errors"]["body"],
        "The file could not be checked for viruses. Try again later"
    );
    assert!(documents(&broken, &token, case.id.0).await.is_empty());
}

#[tokio::test]
async fn advice_received_must_name_an_advice_document_of_the_case() {
    let app = TestApp::spawn().await;
    let user = app.add_user(Role::Caseworker, "advisor").await;
    let token = token_for(&app, &user).await;
    let case = app.add_case("Jo", "Advice").await;
    let other = app.add_case("Kit", "Elsewhere").await;
    let id = case.id.0;
    run(
        &app,
        &token,
        id,
        1,
        json!({"type": "decide_whether_to_assess", "on": iso(today()), "yes": true,
               "reasons": ""}),
    )
    .await;
    run(
        &app,
        &token,
        id,
        2,
        json!({"type": "request_advice", "kind": "health", "organisation": "Riverside NHS Trust",
               "on": iso(today())}),
    )
    .await;
    let elsewhere = upload(
        &app,
        &token,
        other.id.0,
        "kind=advice&title=Advice&filename=a.pdf",
        PDF,
    )
    .await;
    let evidence = upload(
        &app,
        &token,
        id,
        "kind=evidence&title=Evidence&filename=e.pdf",
        PDF,
    )
    .await;
    for document in [
        json!("999999"),
        json!("not a number"),
        elsewhere.json["id"].to_string().into(),
        evidence.json["id"].to_string().into(),
    ] {
        let answer = post(
            &app,
            &format!("/api/v1/cases/{id}/commands"),
            &token,
            &json!({"expected_version": 3, "command": {"type": "record_advice_received",
                "number": 1, "on": iso(today()), "document": document}}),
        )
        .await;
        assert_eq!(answer.status, 422, "{document}: {}", answer.text);
        assert!(
            answer.json["errors"]["command.document"]
                .as_str()
                .is_some_and(|m| m.starts_with("There is no advice document")),
            "{}",
            answer.text
        );
    }
    let read = get(&app, &format!("/api/v1/cases/{id}"), &token).await;
    assert_eq!(read.json["version"], 3, "nothing written");
}

#[tokio::test]
async fn documents_are_for_la_staff_and_not_found_to_another_la() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Lin", "Documents").await;
    let ours = app.add_user(Role::Caseworker, "docs").await;
    let token = token_for(&app, &ours).await;
    let stored = upload(
        &app,
        &token,
        case.id.0,
        "kind=evidence&title=Private%20report&filename=private.pdf",
        PDF,
    )
    .await;
    assert_eq!(stored.status, 201, "{}", stored.text);
    let doc = stored.json["id"].as_i64().unwrap_or_default();
    let list = format!("/api/v1/cases/{}/documents", case.id);
    let one = format!("/api/v1/cases/{}/documents/{doc}", case.id);

    let theirs = user_in(&app, Role::Admin, OTHER_LA_CODE, "docs-other").await;
    let their_token = token_for(&app, &theirs).await;
    let professional = app.add_user(Role::Professional, "docs-prof").await;
    app.with_second_factor(&professional).await;
    app.grant(&professional, case.id, CaseAccess::ADVICE).await;
    let prof_token = token_for(&app, &professional).await;
    for (who, token, status) in [
        ("another LA's admin", &their_token, 404),
        ("the professional asked for advice", &prof_token, 403),
    ] {
        let answers = [
            get(&app, &list, token).await,
            get(&app, &one, token).await,
            upload(
                &app,
                token,
                case.id.0,
                "kind=advice&title=Mine&filename=mine.pdf",
                PDF,
            )
            .await,
        ];
        for answer in answers {
            assert_eq!(answer.status, status, "{who}: {}", answer.text);
            assert_eq!(answer.header(CONTENT_TYPE), "application/problem+json");
            assert!(!answer.text.contains("Private") && !answer.text.contains("%PDF"));
        }
    }
    // A document of another case, through this case's address, is not found either.
    let other = app.add_case("Max", "Other").await;
    let crossed = get(
        &app,
        &format!("/api/v1/cases/{}/documents/{doc}", other.id),
        &token,
    )
    .await;
    assert_eq!(crossed.status, 404);
    let not_a_doc = get(
        &app,
        &format!("/api/v1/cases/{}/documents/nope", case.id),
        &token,
    )
    .await;
    assert_eq!(not_a_doc.status, 404);
    assert_eq!(documents(&app, &token, case.id.0).await.len(), 1);
}

#[tokio::test]
async fn requests_without_a_valid_token_are_refused_with_401() {
    let app = TestApp::spawn().await;
    let user = app.add_user(Role::Caseworker, "tokens").await;
    let good = token_for(&app, &user).await;
    let unknown = NewToken::generate()
        .unwrap_or_else(|e| panic!("{e:?}"))
        .secret()
        .to_string();

    let none = call(&app, Method::GET, "/api/v1/me", None, None).await;
    let rubbish = get(&app, "/api/v1/me", "'; DROP TABLE api_tokens;--").await;
    let not_ours = get(&app, "/api/v1/me", &unknown).await;
    for answer in [&none, &rubbish, &not_ours] {
        assert_eq!(answer.status, 401, "{}", answer.text);
        assert!(answer.header(WWW_AUTHENTICATE).starts_with("Bearer"));
        assert_eq!(answer.header(CONTENT_TYPE), "application/problem+json");
        assert_eq!(
            answer.json["type"],
            "https://waymark.example/problems/unauthorized"
        );
        assert_eq!(answer.json["instance"], "/api/v1/me");
    }
    // An error axum answers itself is problem details too, with its Allow header.
    let wrong_method = call(&app, Method::DELETE, "/api/v1/cases", Some(&good), None).await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(
        wrong_method.header(CONTENT_TYPE),
        "application/problem+json"
    );
    assert_eq!(
        wrong_method.json["type"],
        "https://waymark.example/problems/method-not-allowed"
    );
    assert!(wrong_method.header("allow").contains("GET"));
    let not_a_case = get(&app, "/api/v1/cases/seven", &good).await;
    assert_eq!(not_a_case.status, 404);
    assert_eq!(not_a_case.header(CONTENT_TYPE), "application/problem+json");

    let basic = app
        .client
        .get(app.url("/api/v1/cases"))
        .header(AUTHORIZATION, "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(basic.status(), 401);

    assert_eq!(get(&app, "/api/v1/me", &good).await.status, 200);
    // Revoked: refused from then on.
    let tokens = app
        .store
        .list_api_tokens(user.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let revoked = app
        .store
        .revoke_api_token(tokens[0].id, user.id, chrono::Utc::now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(revoked);
    assert_eq!(get(&app, "/api/v1/me", &good).await.status, 401);

    // A disabled account's tokens stop working.
    let other = token_for(&app, &user).await;
    assert_eq!(get(&app, "/api/v1/cases", &other).await.status, 200);
    app.store
        .set_disabled(user.id, true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(get(&app, "/api/v1/cases", &other).await.status, 401);
}

#[tokio::test]
async fn using_a_token_records_when_at_most_once_a_minute() {
    let app = TestApp::spawn().await;
    let user = app.add_user(Role::Manager, "touch").await;
    let token = token_for(&app, &user).await;
    let before = app
        .store
        .find_api_token(&token_hash(&token))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|(t, _)| t.last_used_at);
    assert_eq!(before, Some(None), "never used yet");
    get(&app, "/api/v1/me", &token).await;
    let first = app
        .store
        .find_api_token(&token_hash(&token))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .and_then(|(t, _)| t.last_used_at);
    assert!(first.is_some());
    get(&app, "/api/v1/me", &token).await;
    let second = app
        .store
        .find_api_token(&token_hash(&token))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .and_then(|(t, _)| t.last_used_at);
    assert_eq!(first, second, "not written again within the minute");
}

#[tokio::test]
async fn cases_of_another_la_or_without_a_relation_are_not_found() {
    let app = TestApp::spawn().await;
    let ours = app.add_case("Ada", "Ours").await;
    let theirs = app.add_case_in(OTHER_LA_CODE, "Bea", "Theirs").await;
    let caseworker = app.add_user(Role::Caseworker, "scope").await;
    let token = token_for(&app, &caseworker).await;
    let professional = app.add_user(Role::Professional, "noaccess").await;
    app.with_second_factor(&professional).await;
    let prof_token = token_for(&app, &professional).await;
    let parent = app.add_user(Role::Parent, "otherparent").await;
    let other_child = app.add_case("Cy", "Sibling").await;
    app.grant(&parent, other_child.id, CaseAccess::PARENT).await;
    let parent_token = token_for(&app, &parent).await;

    assert_eq!(
        get(&app, &format!("/api/v1/cases/{}", ours.id), &token)
            .await
            .status,
        200
    );
    let command = json!({ "expected_version": 1, "command":
        {"type": "decide_whether_to_assess", "on": iso(today()), "yes": true, "reasons": ""}});
    for (who, token) in [
        ("caseworker of another LA", &token),
        ("professional", &prof_token),
        ("parent of another child", &parent_token),
    ] {
        let id = if who.starts_with("caseworker") {
            theirs.id
        } else {
            ours.id
        };
        for path in [
            format!("/api/v1/cases/{id}"),
            format!("/api/v1/cases/{id}/history"),
        ] {
            let answer = get(&app, &path, token).await;
            assert_eq!(answer.status, 404, "{who} {path}: {}", answer.text);
            assert_eq!(
                answer.json["type"],
                "https://waymark.example/problems/not-found"
            );
            assert!(!answer.text.contains("Bea") && !answer.text.contains("Ada"));
        }
        let answer = post(
            &app,
            &format!("/api/v1/cases/{id}/commands"),
            token,
            &command,
        )
        .await;
        assert_eq!(answer.status, 404, "{who}: {}", answer.text);
    }
    // Nothing was changed by the attempts.
    for (la, id) in [(OTHER_LA_CODE, theirs.id), (LA_CODE, ours.id)] {
        let case = app
            .store
            .load_case(&la_code(la), id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("case {id} gone"));
        assert_eq!(case.version, 1);
    }
    // The list holds only the caseworker's LA's cases.
    let list = get(&app, "/api/v1/cases", &token).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json["total"], 2);
    assert!(!list.text.contains("Theirs"));

    // Once asked for advice, the professional sees the case.
    app.grant(&professional, ours.id, CaseAccess::ADVICE).await;
    let answer = get(&app, &format!("/api/v1/cases/{}", ours.id), &prof_token).await;
    assert_eq!(answer.status, 200, "{}", answer.text);

    // Roles that see no personal data are refused the case endpoints outright.
    let viewer = app.add_user(Role::Viewer, "viewer").await;
    let viewer_token = token_for(&app, &viewer).await;
    for path in [
        "/api/v1/cases".to_string(),
        format!("/api/v1/cases/{}", ours.id),
    ] {
        let answer = get(&app, &path, &viewer_token).await;
        assert_eq!(answer.status, 403, "{path}: {}", answer.text);
        assert!(!answer.text.contains("Ada"));
    }
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Dee", "Stale").await;
    let user = app.add_user(Role::Caseworker, "stale").await;
    let token = token_for(&app, &user).await;
    let path = format!("/api/v1/cases/{}/commands", case.id);
    let decide = |version: i64| {
        json!({ "expected_version": version, "command":
            {"type": "allocate_caseworker", "caseworker": "cw-07", "note": null}})
    };
    // A caseworker cannot allocate: the rule's words come back, nothing is written.
    let refused = post(&app, &path, &token, &decide(1)).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    let manager = app.add_user(Role::Manager, "stale").await;
    let manager_token = token_for(&app, &manager).await;
    assert_eq!(
        post(&app, &path, &manager_token, &decide(1)).await.status,
        200
    );
    let stale = post(
        &app,
        &path,
        &token,
        &json!({ "expected_version": 1, "command":
            {"type": "decide_whether_to_assess", "on": "2026-01-20", "yes": true, "reasons": ""}}),
    )
    .await;
    assert_eq!(stale.status, 409, "{}", stale.text);
    assert_eq!(stale.header(CONTENT_TYPE), "application/problem+json");
    assert_eq!(
        stale.json["type"],
        "https://waymark.example/problems/conflict"
    );
    assert!(stale.detail().contains("Reload"), "{}", stale.text);
    let now = get(&app, &format!("/api/v1/cases/{}", case.id), &token).await;
    assert_eq!(now.json["version"], 2);
    assert_eq!(now.json["stage"], "requested");
}

#[tokio::test]
async fn a_refused_command_answers_422_with_the_rule_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Eli", "Early").await;
    let user = app.add_user(Role::Caseworker, "early").await;
    let token = token_for(&app, &user).await;
    let answer = post(
        &app,
        &format!("/api/v1/cases/{}/commands", case.id),
        &token,
        &json!({ "expected_version": 1, "command": {"type": "issue_final_plan", "version": 1,
            "on": iso(today()), "placement": {"urn": "100001", "setting_code": null,
            "name": "Oakfield Primary School", "placement_type": "MS"}}}),
    )
    .await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert_eq!(answer.header(CONTENT_TYPE), "application/problem+json");
    assert_eq!(
        answer.json["type"],
        "https://waymark.example/problems/refused"
    );
    assert_eq!(
        answer.detail(),
        "a final plan can only be issued after a draft has been sent to the family"
    );
    assert_eq!(answer.json["errors"]["command"], answer.json["detail"]);
    let history = app
        .store
        .events(&la_code(LA_CODE), case.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(history.len(), 1, "nothing written");

    // A body that is not a command is a 422 naming the body, not a plain-text 400.
    let bad = post(
        &app,
        &format!("/api/v1/cases/{}/commands", case.id),
        &token,
        &json!({ "expected_version": 1, "command": {"type": "teleport"}}),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(bad.json["errors"]["body"].is_string(), "{}", bad.text);

    // A new request with mistakes: field errors, nothing opened.
    let mut request = new_request("", "", today());
    request["child"]["upn"] = json!("A801200001001");
    let mistakes = post(&app, "/api/v1/cases", &token, &request).await;
    assert_eq!(mistakes.status, 422, "{}", mistakes.text);
    assert!(
        mistakes.json["errors"]["child.upn"]
            .as_str()
            .is_some_and(|m| m.contains("check letter")),
        "{}",
        mistakes.text
    );
    let request = new_request("", "Fin", today());
    let missing = post(&app, "/api/v1/cases", &token, &request).await;
    assert_eq!(missing.status, 422, "{}", missing.text);
    assert_eq!(
        missing.json["errors"]["reference"], "Enter a case reference",
        "{}",
        missing.text
    );
    let future = new_request("F-1", "Fin", today() + Duration::days(3));
    let answer = post(&app, "/api/v1/cases", &token, &future).await;
    assert_eq!(answer.status, 422);
    assert!(answer.json["errors"]["request.received"].is_string());
    let duplicate = new_request(&case.case.reference, "Fin", today());
    let answer = post(&app, "/api/v1/cases", &token, &duplicate).await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert!(answer.json["errors"]["reference"].is_string());
    assert_eq!(
        app.store
            .count_cases(&la_code(LA_CODE))
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        1
    );
}

#[tokio::test]
async fn sql_and_script_text_is_stored_and_returned_literally() {
    let app = TestApp::spawn().await;
    let user = app.add_user(Role::Caseworker, "literal").await;
    let token = token_for(&app, &user).await;
    let sql = "Robert'); DROP TABLE cases;--";
    let script = "<script>alert('x')</script> & \"quotes\"";
    let mut request = new_request("X-1' OR '1'='1", sql, today() - Duration::days(3));
    request["request"]["reasons"] = json!(script);
    let created = post(&app, "/api/v1/cases", &token, &request).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert!(created.header(CONTENT_TYPE).starts_with("application/json"));
    let id = created.json["id"].as_i64().unwrap_or_default();
    let read = get(&app, &format!("/api/v1/cases/{id}"), &token).await;
    assert_eq!(read.json["child"]["given_name"], sql);
    assert_eq!(read.json["request"]["reasons"], script);
    assert_eq!(read.json["reference"], "X-1' OR '1'='1");
    let list = get(&app, "/api/v1/cases", &token).await;
    assert_eq!(list.json["cases"][0]["child_name"], format!("{sql} Okafor"));
    assert_eq!(list.json["total"], 1, "the table is still there");
}

#[tokio::test]
async fn case_list_filters_by_stage_and_caseworker_and_pages() {
    let app = TestApp::spawn().await;
    let manager = app.add_user(Role::Manager, "lister").await;
    let token = token_for(&app, &manager).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(app.add_case(&format!("Kid{n}"), "List").await.id);
    }
    run(
        &app,
        &token,
        ids[1].0,
        1,
        json!({"type": "allocate_caseworker", "caseworker": "cw-03", "note": "over to you"}),
    )
    .await;
    run(
        &app,
        &token,
        ids[2].0,
        1,
        json!({"type": "decide_whether_to_assess", "on": "2026-01-20", "yes": true, "reasons": ""}),
    )
    .await;
    let all = get(&app, "/api/v1/cases", &token).await;
    assert_eq!(all.json["total"], 3, "{}", all.text);
    assert_eq!(all.json["per_page"], 50);
    assert!(all.json["cases"][0]["next_deadline"]["due"].is_string());
    let assessing = get(&app, "/api/v1/cases?stage=assessing", &token).await;
    assert_eq!(assessing.json["total"], 1);
    assert_eq!(assessing.json["cases"][0]["id"], ids[2].0);
    let mine = get(&app, "/api/v1/cases?caseworker=cw-03", &token).await;
    assert_eq!(mine.json["total"], 1);
    assert_eq!(mine.json["cases"][0]["caseworker"], "cw-03");
    let past_the_end = get(&app, "/api/v1/cases?page=2", &token).await;
    assert_eq!(past_the_end.json["total"], 3);
    assert_eq!(past_the_end.json["cases"], json!([]));
    let bad = get(&app, "/api/v1/cases?stage=limbo&page=0", &token).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(bad.json["errors"]["stage"].is_string());
    assert!(bad.json["errors"]["page"].is_string());
}

/// Who calls, for the API's route × role table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    NoToken,
    Admin,
    Manager,
    Caseworker,
    ProfessionalWithAccess,
    ProfessionalWithout,
    ParentOfChild,
    ParentOfOtherChild,
    Viewer,
    Scrutiny,
    AdminOfOtherLa,
}

const CALLERS: [Caller; 11] = [
    Caller::NoToken,
    Caller::Admin,
    Caller::Manager,
    Caller::Caseworker,
    Caller::ProfessionalWithAccess,
    Caller::ProfessionalWithout,
    Caller::ParentOfChild,
    Caller::ParentOfOtherChild,
    Caller::Viewer,
    Caller::Scrutiny,
    Caller::AdminOfOtherLa,
];

/// What each API route answers each caller (columns in [`CALLERS`] order), with a token.
/// POSTs send `{}`, which is not a valid body: so "may use it" shows as 422.
fn api_expected(route: &RouteInfo) -> Option<[u16; 11]> {
    let get = route.method == Method::GET;
    // no token, admin, manager, caseworker, prof+, prof-, parent+, parent-, viewer,
    // scrutiny, other LA's admin
    Some(match (get, route.path) {
        (true, "/api/v1/openapi.json") => [200; 11],
        (true, "/api/v1/me") => [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
        (true, "/api/v1/cases") => [401, 200, 200, 200, 403, 403, 403, 403, 403, 403, 200],
        (false, "/api/v1/cases") => [401, 422, 422, 422, 403, 403, 403, 403, 403, 403, 422],
        (true, "/api/v1/cases/{id}" | "/api/v1/cases/{id}/history") => {
            [401, 200, 200, 200, 200, 404, 200, 404, 403, 403, 404]
        }
        (false, "/api/v1/cases/{id}/commands") => {
            [401, 422, 422, 422, 422, 404, 422, 404, 403, 403, 404]
        }
        // Documents: LA staff of the case's LA. A family or professional who may see the case
        // is refused; to anyone else it does not exist. The upload sends no query: 422.
        (true, "/api/v1/cases/{id}/documents" | "/api/v1/cases/{id}/documents/{doc}") => {
            [401, 200, 200, 200, 403, 404, 403, 404, 403, 403, 404]
        }
        (false, "/api/v1/cases/{id}/documents") => {
            [401, 422, 422, 422, 403, 404, 403, 404, 403, 403, 404]
        }
        _ => return None,
    })
}

#[tokio::test]
async fn every_api_route_answers_every_role_with_a_token_as_expected() {
    let app = TestApp::spawn().await;
    let child = app.add_case("Ada", "Child").await;
    let other_child = app.add_case("Bea", "Other").await;
    let document = app
        .store
        .add_document(
            &la_code(LA_CODE),
            NewDocument {
                case_id: child.id,
                kind: "evidence".into(),
                title: "Evidence".into(),
                filename: "evidence.pdf".into(),
                content_type: "application/pdf".into(),
                scan: "not_scanned".into(),
                content: PDF.to_vec(),
                uploaded_by: "seed".into(),
                uploaded_at: chrono::Utc::now(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut tokens = Vec::new();
    for caller in CALLERS {
        let user = match caller {
            Caller::NoToken => None,
            Caller::Admin => Some(app.add_user(Role::Admin, "m-admin").await),
            Caller::Manager => Some(app.add_user(Role::Manager, "m-manager").await),
            Caller::Caseworker => Some(app.add_user(Role::Caseworker, "m-cw").await),
            Caller::ProfessionalWithAccess => {
                let user = app.add_user(Role::Professional, "m-with").await;
                app.with_second_factor(&user).await;
                app.grant(&user, child.id, CaseAccess::ADVICE).await;
                Some(user)
            }
            Caller::ProfessionalWithout => {
                let user = app.add_user(Role::Professional, "m-without").await;
                app.with_second_factor(&user).await;
                app.grant(&user, other_child.id, CaseAccess::NAMED).await;
                Some(user)
            }
            Caller::ParentOfChild => {
                let user = app.add_user(Role::Parent, "m-parent").await;
                app.grant(&user, child.id, CaseAccess::PARENT).await;
                Some(user)
            }
            Caller::ParentOfOtherChild => {
                let user = app.add_user(Role::Parent, "m-otherparent").await;
                app.grant(&user, other_child.id, CaseAccess::PARENT).await;
                Some(user)
            }
            Caller::Viewer => Some(app.add_user(Role::Viewer, "m-viewer").await),
            Caller::Scrutiny => Some(app.add_user(Role::Scrutiny, "m-scrutiny").await),
            Caller::AdminOfOtherLa => Some(
                app.add_user_in(
                    Role::Admin,
                    OTHER_LA_CODE,
                    "m-admin@southdale.example",
                    "Southdale Admin",
                )
                .await,
            ),
        };
        let token = match &user {
            Some(user) => Some(token_for(&app, user).await),
            None => None,
        };
        tokens.push(token);
    }
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    let api_routes: Vec<RouteInfo> = router::list()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/"))
        .collect();
    assert!(api_routes.len() >= 10, "{api_routes:?}");
    for route in &api_routes {
        let Some(row) = api_expected(route) else {
            missing.push(format!("{} {}", route.method, route.path));
            continue;
        };
        let path = route
            .path
            .replace("{id}", &child.id.to_string())
            .replace("{doc}", &document.id.to_string());
        for ((caller, token), want) in CALLERS.iter().zip(&tokens).zip(row) {
            let body = (route.method == Method::POST).then(|| json!({}));
            let answer = call(
                &app,
                route.method.clone(),
                &path,
                token.as_deref(),
                body.as_ref(),
            )
            .await;
            if answer.status != want {
                wrong.push(format!(
                    "{} {path} as {caller:?}: {} (expected {want}): {}",
                    route.method, answer.status, answer.text
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "API routes with no row (add one to `api_expected`): {missing:#?}"
    );
    assert!(wrong.is_empty(), "{} unexpected: {wrong:#?}", wrong.len());
    let unchanged = app
        .store
        .load_case(&la_code(LA_CODE), child.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|c| c.version);
    assert_eq!(unchanged, Some(1), "no call changed the case");
}

#[tokio::test]
async fn openapi_document_lists_every_api_route() {
    let app = TestApp::spawn().await;
    let answer = call(&app, Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(answer.status, 200);
    assert!(answer.header(CONTENT_TYPE).starts_with("application/json"));
    let doc = &answer.json;
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "{}",
        doc["openapi"]
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["type"],
        "http"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["Problem"]["properties"]["type"].is_object());

    let routed: Vec<RouteInfo> = router::list()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/"))
        .collect();
    let mut undocumented = Vec::new();
    for route in &routed {
        let method = route.method.as_str().to_lowercase();
        let operation = &doc["paths"][route.path][&method];
        if !operation.is_object() {
            undocumented.push(format!("{} {}", route.method, route.path));
            continue;
        }
        let responses = &operation["responses"];
        assert!(responses["200"].is_object() || responses["201"].is_object());
        if route.path != "/api/v1/openapi.json" {
            assert!(
                responses["401"]["content"]["application/problem+json"].is_object(),
                "{} {} documents its 401",
                route.method,
                route.path
            );
            assert_eq!(
                operation["security"],
                json!([{"bearer": []}]),
                "{}",
                route.path
            );
        }
    }
    assert!(
        undocumented.is_empty(),
        "API routes missing from openapi.json: {undocumented:#?}"
    );
    // And nothing is documented that the router does not have.
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    for (path, item) in &paths {
        for method in item
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            assert!(
                routed
                    .iter()
                    .any(|r| r.path == path && r.method.as_str().eq_ignore_ascii_case(&method)),
                "documented but not routed: {method} {path}"
            );
        }
    }
}

#[tokio::test]
async fn token_page_shows_a_new_token_once_and_revokes_it() {
    let app = TestApp::spawn().await;
    let user = app.add_user(Role::Caseworker, "page").await;
    let mut browser = app.session_for(&user).await;
    let page = browser.get("/account/tokens").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("You have no API tokens"));

    let empty = browser.post("/account/tokens", &[("name", "  ")]).await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Enter a name for the token"));

    let made = browser
        .post("/account/tokens", &[("name", "School <MIS>")])
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    assert!(made.body.contains("School &lt;MIS&gt;"), "escaped");
    let start = made
        .body
        .find("wmk_")
        .unwrap_or_else(|| panic!("{}", made.body));
    let token = made.body[start..start + 68].to_string();
    let me = get(&app, "/api/v1/me", &token).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json["token"]["name"], "School <MIS>");

    let list = browser.get("/account/tokens").await;
    assert!(list.body.contains("School &lt;MIS&gt;"));
    assert!(!list.body.contains(&token), "shown once only");
    let id = me.json["token"]["id"].as_i64().unwrap_or_default();

    // Another user cannot revoke it.
    let other = app.add_user(Role::Caseworker, "other-page").await;
    let mut other_browser = app.session_for(&other).await;
    let answer = other_browser
        .post(&format!("/account/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(answer.status, 303);
    assert_eq!(get(&app, "/api/v1/me", &token).await.status, 200);

    let revoked = browser
        .post(&format!("/account/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, 303);
    assert_eq!(revoked.header("location"), "/account/tokens?revoked=1");
    assert_eq!(get(&app, "/api/v1/me", &token).await.status, 401);
    let list = browser.get("/account/tokens?revoked=1").await;
    assert!(list.body.contains("Revoked"));

    // Signed out: to the sign-in page; without the form's token: refused.
    let signed_out = app.get("/account/tokens").await;
    assert_eq!(signed_out.status, 303);
    let forged = browser
        .post_raw("/account/tokens", &[("name", "forged")])
        .await;
    assert_eq!(forged.status, 403);
}

#[tokio::test]
async fn annual_reviews_and_amended_plans_run_over_the_api() {
    let app = TestApp::spawn().await;
    let issued = today() - Duration::days(200);
    let case = app.add_case_with_plan("Rhea", issued).await;
    let user = app.add_user(Role::Caseworker, "reviews").await;
    let token = token_for(&app, &user).await;
    let id = case.id.0;
    let read = get(&app, &format!("/api/v1/cases/{id}"), &token).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.json["reviews"], json!([]));
    assert_eq!(
        clock(&read.json, "annual_review_by")["due"],
        iso(issued + chrono::Months::new(12))
    );
    assert!(allowed(&read.json).contains(&"record-review"));
    let version = read.json["version"].as_i64().unwrap_or_default();

    let meeting = today() - Duration::days(40);
    let case = run(
        &app,
        &token,
        id,
        version,
        json!({"type": "record_review_meeting", "on": iso(meeting)}),
    )
    .await;
    assert_eq!(case["reviews"][0]["number"], 1);
    assert_eq!(case["reviews"][0]["meeting_on"], iso(meeting));
    assert_eq!(
        case["reviews"][0]["decision_by"],
        iso(meeting + Duration::days(28))
    );
    let decision = clock(&case, "review_decision_by");
    assert_eq!(decision["due"], iso(meeting + Duration::days(28)));
    assert_eq!(decision["status"], "overdue");
    assert_eq!(case["next_deadline"]["kind"], "review_decision_by");
    assert_eq!(
        clock(&case, "annual_review_by")["due"],
        iso(meeting + chrono::Months::new(12))
    );
    assert!(allowed(&case).contains(&"decide-review"));

    let decided = today() - Duration::days(5);
    let case = run(
        &app,
        &token,
        id,
        version + 1,
        json!({"type": "decide_after_review", "number": 1, "on": iso(decided),
               "outcome": "amend", "reasons": "Outcomes updated"}),
    )
    .await;
    assert_eq!(case["reviews"][0]["decision"]["outcome"], "amend");
    assert_eq!(clock(&case, "review_decision_by")["status"], "met_late");

    // Amendments dated before the decision to amend: refused, nothing written.
    let refused = post(
        &app,
        &format!("/api/v1/cases/{id}/commands"),
        &token,
        &json!({"expected_version": version + 2, "command":
            {"type": "send_proposed_amendments", "number": 1, "on": iso(meeting)}}),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(
        refused
            .detail()
            .contains("cannot be before the decision to amend"),
        "{}",
        refused.text
    );

    let sent = today() - Duration::days(4);
    let case = run(
        &app,
        &token,
        id,
        version + 2,
        json!({"type": "send_proposed_amendments", "number": 1, "on": iso(sent)}),
    )
    .await;
    assert_eq!(
        clock(&case, "amended_plan_by")["due"],
        iso(sent + Duration::days(56))
    );
    assert_eq!(case["next_deadline"]["kind"], "amended_plan_by");
    let case = run(
        &app,
        &token,
        id,
        version + 3,
        json!({"type": "issue_amended_plan", "number": 1, "on": iso(today())}),
    )
    .await;
    assert_eq!(case["reviews"][0]["amended_plan_issued"], iso(today()));
    assert_eq!(clock(&case, "amended_plan_by")["status"], "met_on_time");
    assert_eq!(case["next_deadline"]["kind"], "annual_review_by");

    // The commands are in the OpenAPI document.
    let doc = call(&app, Method::GET, "/api/v1/openapi.json", None, None).await;
    let schema = doc.json["components"]["schemas"].to_string();
    for name in [
        "record_review_meeting",
        "decide_after_review",
        "send_proposed_amendments",
        "issue_amended_plan",
        "ReviewOutcomeName",
    ] {
        assert!(
            schema.contains(name),
            "{name} is not in the OpenAPI schemas"
        );
    }
}
