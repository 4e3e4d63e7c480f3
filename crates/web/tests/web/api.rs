//! The JSON API over HTTP: bearer tokens, the whole EHC journey driven by API calls alone,
//! tenancy and relationship access, conflicts and refusals, literal text, and the OpenAPI
//! document checked against the router's own route list.

use axum::http::Method;
use chrono::{Duration, NaiveDate};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use serde_json::{Value, json};
use waymark_store::domain::actor::Role;
use waymark_store::{CaseAccess, CaseId, Store, User};
use waymark_web::api::tokens::{NewToken, token_hash};
use waymark_web::routes::{self, RouteInfo};

use crate::app::{LA_CODE, OTHER_LA_CODE, TestApp, la_code};

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

/// Makes an API token for `user` directly in the store (the page that makes them is tested
/// in `token_page_shows_a_new_token_once_and_revokes_it`).
async fn token_for(app: &TestApp, user: &User) -> String {
    let token = NewToken::generate().unwrap_or_else(|e| panic!("{e:?}"));
    app.store
        .create_api_token(user.id, "test", &token.hash(), chrono::Utc::now())
        .await
        .unwrap_or_else(|e| panic!("create token: {e}"));
    token.secret().to_string()
}

/// Sends a request with an optional bearer token and an optional JSON body.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let method =
        reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(body) = body {
        request = request
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
    }
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

async fn get(app: &TestApp, path: &str, token: &str) -> Answer {
    call(app, Method::GET, path, Some(token), None).await
}

async fn post(app: &TestApp, path: &str, token: &str, body: &Value) -> Answer {
    call(app, Method::POST, path, Some(token), Some(body)).await
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
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
async fn run(app: &TestApp, token: &str, id: i64, version: i64, command: Value) -> Value {
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

#[tokio::test]
async fn the_whole_ehc_journey_runs_over_the_api() {
    let app = TestApp::spawn().await;
    let caseworker = app.add_user(Role::Caseworker, "journey").await;
    let token = token_for(&app, &caseworker).await;
    let received = today() - Duration::days(120);
    let on = |days: i64| iso(received + Duration::days(days));

    let me = get(&app, "/api/v1/me", &token).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json["role"], "caseworker");
    assert_eq!(me.json["la"], LA_CODE);
    assert!(!me.text.contains(&token), "the token is never sent back");

    let created = post(
        &app,
        "/api/v1/cases",
        &token,
        &new_request("J-1", "Amara", received),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{}", created.text));
    assert_eq!(created.header(LOCATION), format!("/api/v1/cases/{id}"));
    assert_eq!(created.json["version"], 1);
    assert_eq!(created.json["stage"], "requested");
    assert_eq!(created.json["child"]["upn"], "H801200001001");
    // Six weeks have long passed with no decision.
    let decide = clock(&created.json, "decide_whether_to_assess_by");
    assert_eq!(decide["due"], on(42));
    assert_eq!(decide["status"], "overdue");
    assert_eq!(decide["days_overdue"], 120 - 42);
    assert_eq!(clock(&created.json, "final_plan_by")["due"], on(140));

    let case = run(
        &app,
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

    let case = run(
        &app,
        &token,
        id,
        2,
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

    let case = run(
        &app,
        &token,
        id,
        3,
        json!({"type": "record_advice_received", "number": 1, "on": on(60), "document": null}),
    )
    .await;
    assert_eq!(clock(&case, "advice_by")["status"], "met_on_time");

    let case = run(
        &app,
        &token,
        id,
        4,
        json!({"type": "decide_whether_to_issue", "on": on(70), "yes": true, "reasons": ""}),
    )
    .await;
    assert_eq!(case["stage"], "drafting");

    let case = run(
        &app,
        &token,
        id,
        5,
        json!({"type": "save_plan", "sections": {
            "a": "Amara loves drawing and wants to be an architect.",
            "b": "Speech, language and communication needs.",
            "e": "Amara will talk about her work with her class.",
            "f": "Speech and language therapy weekly."
        }}),
    )
    .await;
    assert_eq!(case["plan_versions"][0]["version"], 1);

    let case = run(
        &app,
        &token,
        id,
        6,
        json!({"type": "serve_draft", "version": 1, "on": on(80)}),
    )
    .await;
    assert_eq!(case["stage"], "draft_served");
    let window = clock(&case, "representations_by");
    assert_eq!(window["due"], on(80 + 14), "day of service is day 1 of 15");
    assert_eq!(window["status"], "closed", "the family's window has passed");

    let case = run(
        &app,
        &token,
        id,
        7,
        json!({"type": "issue_final_plan", "version": 1, "on": on(100), "placement": {
            "urn": "100001", "setting_code": null, "name": "Oakfield Primary School",
            "placement_type": "MS"
        }}),
    )
    .await;
    assert_eq!(case["stage"], "plan_issued");
    assert_eq!(case["final_plan"]["issued"], on(100));
    let final_plan = clock(&case, "final_plan_by");
    assert_eq!(final_plan["done"], on(100));
    assert_eq!(final_plan["status"], "met_on_time");

    let read = get(&app, &format!("/api/v1/cases/{id}"), &token).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.json["version"], 8);
    assert_eq!(read.json["stage_label"], "Plan issued");

    let history = get(&app, &format!("/api/v1/cases/{id}/history"), &token).await;
    assert_eq!(history.status, 200, "{}", history.text);
    let kinds: Vec<&str> = history.json["events"]
        .as_array()
        .map(|events| events.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        kinds,
        [
            "request_received",
            "assessment_decided",
            "advice_requested",
            "advice_received",
            "issue_decided",
            "plan_saved",
            "draft_served",
            "final_plan_issued"
        ]
    );
    let first = &history.json["events"][0];
    assert_eq!(first["seq"], 1);
    assert_eq!(first["actor"]["reference"], caseworker.id.to_string());
    assert_eq!(first["actor"]["name"], caseworker.name);
    assert!(first["recorded_at"].is_string());

    // Every read and write of the case is in the audit trail, by this user.
    let trail = app
        .store
        .search_audit(&la_code(LA_CODE), Some(CaseId(id)), None, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            "open_case",
            "decide_whether_to_assess",
            "request_advice",
            "record_advice_received",
            "decide_whether_to_issue",
            "save_plan",
            "serve_draft",
            "issue_final_plan",
            "view_case",
            "view_case"
        ]
    );
    assert!(trail.iter().all(|e| e.user_id == Some(caseworker.id)));
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
        _ => return None,
    })
}

#[tokio::test]
async fn every_api_route_answers_every_role_with_a_token_as_expected() {
    let app = TestApp::spawn().await;
    let child = app.add_case("Ada", "Child").await;
    let other_child = app.add_case("Bea", "Other").await;
    let mut tokens = Vec::new();
    for caller in CALLERS {
        let user = match caller {
            Caller::NoToken => None,
            Caller::Admin => Some(app.add_user(Role::Admin, "m-admin").await),
            Caller::Manager => Some(app.add_user(Role::Manager, "m-manager").await),
            Caller::Caseworker => Some(app.add_user(Role::Caseworker, "m-cw").await),
            Caller::ProfessionalWithAccess => {
                let user = app.add_user(Role::Professional, "m-with").await;
                app.grant(&user, child.id, CaseAccess::ADVICE).await;
                Some(user)
            }
            Caller::ProfessionalWithout => {
                let user = app.add_user(Role::Professional, "m-without").await;
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
    let api_routes: Vec<RouteInfo> = routes::list()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/"))
        .collect();
    assert!(api_routes.len() >= 7, "{api_routes:?}");
    for route in &api_routes {
        let Some(row) = api_expected(route) else {
            missing.push(format!("{} {}", route.method, route.path));
            continue;
        };
        let path = route.path.replace("{id}", &child.id.to_string());
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

    let routed: Vec<RouteInfo> = routes::list()
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
