//! The caseworker's pages for one case, over HTTP against the real app: recording a request
//! (with duplicate detection), every kind of answer a stage action can give (done, the form's
//! mistakes, the case rules' refusal, someone else's change first, not offered now), uploads
//! with their checks and the virus-scan hook, the plan editor's autosave, versions and diff,
//! and the letters and plans kept as PDF documents.

use chrono::{Datelike, Duration, NaiveDate};
use reqwest::multipart;
use waymark_store::CaseId;
use waymark_store::domain::actor::Role;
use waymark_store::prelude::*;
use waymark_web::Config;
use waymark_web::forms::VirusScanner;

use crate::app::{Browser, LA_CODE, LA_NAME, Page, TestApp, input_value, la_code};

pub(crate) fn today() -> NaiveDate {
    waymark_web::uk_time::today()
}

/// The fields of a GOV.UK date input for `date`.
fn date_fields(name: &str, date: NaiveDate) -> Vec<(String, String)> {
    vec![
        (format!("{name}-day"), date.day().to_string()),
        (format!("{name}-month"), date.month().to_string()),
        (format!("{name}-year"), date.year().to_string()),
    ]
}

/// Posts an action form with the case's version as the page shows it.
pub(crate) async fn act(
    browser: &mut Browser,
    id: CaseId,
    action: &str,
    fields: &[(&str, &str)],
    dates: &[(&str, NaiveDate)],
) -> Page {
    let form = browser.get(&format!("/cases/{}/{action}", id.0)).await;
    assert_eq!(form.status, 200, "GET {action}: {}", form.body);
    let version = input_value(&form.body, "version")
        .unwrap_or_default()
        .to_string();
    let mut owned: Vec<(String, String)> = vec![("version".into(), version)];
    // Hidden fields the form carries, as a browser would send them.
    if let Some(plan) = input_value(&form.body, "plan_version") {
        owned.push(("plan_version".into(), plan.to_string()));
    }
    owned.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    for (name, date) in dates {
        owned.extend(date_fields(name, *date));
    }
    let borrowed: Vec<(&str, &str)> = owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser
        .post(&format!("/cases/{}/{action}", id.0), &borrowed)
        .await
}

/// Posts a multipart form with one file.
async fn act_with_file(
    browser: &mut Browser,
    id: CaseId,
    action: &str,
    fields: &[(&str, String)],
    file: (&str, Vec<u8>),
) -> Page {
    let page = browser.get(&format!("/cases/{}/{action}", id.0)).await;
    let version = input_value(&page.body, "version")
        .unwrap_or_default()
        .to_string();
    let mut form = multipart::Form::new()
        .text("csrf_token", browser.csrf.clone())
        .text("version", version);
    for (name, value) in fields {
        form = form.text(name.to_string(), value.clone());
    }
    form = form.part(
        "file",
        multipart::Part::bytes(file.1).file_name(file.0.to_string()),
    );
    let response = browser
        .client
        .post(format!("{}/cases/{}/{action}", browser.base, id.0))
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {action}: {e}"));
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    Page {
        status,
        headers,
        body,
    }
}

pub(crate) fn days_ago(n: i64) -> NaiveDate {
    today() - Duration::days(n)
}

pub(crate) async fn case_version(app: &TestApp, id: CaseId) -> i64 {
    app.store
        .load_case(&la_code(LA_CODE), id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .map_or(-1, |c| c.version)
}

#[tokio::test]
async fn a_new_request_is_checked_and_a_possible_duplicate_is_flagged() {
    let app = TestApp::spawn().await;
    let (_, mut browser) = app.sign_in_as(Role::Caseworker).await;
    assert_eq!(browser.get("/cases/new").await.status, 200);
    // Mistakes: no given name, an impossible date of birth, nothing about the request.
    let page = browser
        .post(
            "/cases/new",
            &[
                ("reference", "N-1"),
                ("family_name", "Okafor"),
                ("dob-day", "31"),
                ("dob-month", "2"),
                ("dob-year", "2016"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("govuk-error-summary"), "{}", page.body);
    assert!(page.body.contains("href=\"#given_name\""));
    assert!(
        page.body
            .contains("The child&#x27;s date of birth must be a real date"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Select who made the request"));
    assert!(
        page.body.contains("value=\"Okafor\""),
        "what was typed is kept"
    );

    let received = days_ago(20);
    let mut fields: Vec<(String, String)> = [
        ("reference", "N-1"),
        ("given_name", "Ada"),
        ("family_name", "Okafor"),
        ("upn", "C80120010000Z"),
        ("source", "PAR"),
        ("reasons", "Not making progress"),
        ("parent_name", "Grace Okafor"),
        ("parent_relationship", "Mother"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    fields.extend(date_fields(
        "dob",
        NaiveDate::from_ymd_opt(2016, 3, 1).unwrap_or_default(),
    ));
    fields.extend(date_fields("received", received));
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let page = browser.post("/cases/new", &borrowed).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.header("location").to_string();
    assert!(
        location.starts_with("/cases/") && location.ends_with("?done=opened"),
        "{location}"
    );
    let case = browser.get(&location).await;
    assert!(case.body.contains("Request recorded"));
    assert!(case.body.contains("Grace Okafor"));
    assert!(
        case.body.contains("Decide whether to assess"),
        "the first step is offered"
    );

    // The same child again, by UPN: flagged, nothing created until confirmed.
    let mut again = borrowed.clone();
    again.retain(|(k, _)| *k != "reference");
    again.push(("reference", "N-2"));
    let page = browser.post("/cases/new", &again).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("This child may already have a case"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Same UPN"));
    assert!(
        app.store
            .find_by_reference(&la_code(LA_CODE), "N-2")
            .await
            .unwrap_or_default()
            .is_none()
    );
    again.push(("confirm_duplicate", "yes"));
    let page = browser.post("/cases/new", &again).await;
    assert_eq!(page.status, 303, "{}", page.body);
    // A reference already used is refused by name.
    let page = browser.post("/cases/new", &again).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("A case with this reference already exists")
    );
}

#[tokio::test]
async fn a_decision_is_recorded_with_its_letter_and_a_refusal_changes_nothing() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Ada", "Okafor").await;
    let (_, mut browser) = app.sign_in_as(Role::Caseworker).await;
    // The case rules refuse a decision dated before the request.
    let before = case_version(&app, case.id).await;
    let page = act(
        &mut browser,
        case.id,
        "decide-assessment",
        &[("yes", "no"), ("reasons", "Needs met")],
        &[(
            "on",
            NaiveDate::from_ymd_opt(2025, 12, 1).unwrap_or_default(),
        )],
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("cannot be before the request was received"),
        "{}",
        page.body
    );
    assert_eq!(case_version(&app, case.id).await, before);
    // A "no" needs reasons: the form says so before the rules are asked.
    let page = act(
        &mut browser,
        case.id,
        "decide-assessment",
        &[("yes", "no")],
        &[("on", days_ago(1))],
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Enter the reasons for the decision"));
    // Done: back to the case with a banner and the letter kept.
    let page = act(
        &mut browser,
        case.id,
        "decide-assessment",
        &[("yes", "no"), ("reasons", "The school can meet the needs")],
        &[("on", days_ago(1))],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = browser.get(page.header("location")).await;
    assert!(page.body.contains("Decision whether to assess recorded"));
    assert!(page.body.contains("Decided not to assess"));
    let docs = app
        .store
        .documents(&la_code(LA_CODE), case.id)
        .await
        .unwrap_or_default();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].title, "Decision whether to assess");
    let (status, headers, bytes) = app_get_bytes(
        &browser,
        &format!("/cases/{}/documents/{}", case.id.0, docs[0].id),
    )
    .await;
    assert_eq!(status, 200);
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    // The decision is made: the form is no longer offered.
    let page = browser
        .get(&format!("/cases/{}/decide-assessment", case.id.0))
        .await;
    assert_eq!(page.status, 409);
    assert!(page.body.contains("You cannot do this now"));
}

async fn app_get_bytes(
    browser: &Browser,
    path: &str,
) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let response = browser
        .client
        .get(format!("{}{path}", browser.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .bytes()
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    (status, headers, bytes)
}

#[tokio::test]
async fn a_change_made_on_an_old_version_is_a_conflict_and_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Ada", "Okafor").await;
    let (_, mut first) = app.sign_in_as(Role::Caseworker).await;
    let (_, mut second) = app.sign_in_as(Role::Caseworker).await;
    let form = second.get(&format!("/cases/{}/add-note", case.id.0)).await;
    let stale = input_value(&form.body, "version")
        .unwrap_or_default()
        .to_string();
    let page = act(
        &mut first,
        case.id,
        "add-note",
        &[("text", "Phoned the family")],
        &[],
    )
    .await;
    assert_eq!(page.status, 303);
    let page = second
        .post(
            &format!("/cases/{}/add-note", case.id.0),
            &[("version", &stale), ("text", "Met the school")],
        )
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    assert!(page.body.contains("Someone else changed this case"));
    assert!(
        page.body.contains("Met the school"),
        "what was typed is kept"
    );
    let case_page = first.get(&format!("/cases/{}", case.id.0)).await;
    assert!(case_page.body.contains("Phoned the family"));
    assert!(
        !case_page.body.contains("Met the school"),
        "nothing saved by the stale form"
    );
    // The second try, from the conflict page, is made on the case as it is now.
    let fresh = input_value(&page.body, "version")
        .unwrap_or_default()
        .to_string();
    assert_ne!(fresh, stale);
    let page = second
        .post(
            &format!("/cases/{}/add-note", case.id.0),
            &[("version", &fresh), ("text", "Met the school")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
}

#[tokio::test]
async fn uploads_are_checked_scanned_and_kept_with_the_advice() {
    let scanner = VirusScanner::command(
        "sh",
        vec![
            "-c".into(),
            "if grep -q EICAR; then exit 1; else exit 0; fi".into(),
        ],
    );
    let app = TestApp::spawn_with(Config {
        virus_scanner: scanner,
        ..Config::new(LA_NAME)
    })
    .await;
    let case = app.add_case("Ada", "Okafor").await;
    let (_, mut browser) = app.sign_in_as(Role::Caseworker).await;
    let page = act(
        &mut browser,
        case.id,
        "decide-assessment",
        &[("yes", "yes")],
        &[("on", days_ago(60))],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = act(
        &mut browser,
        case.id,
        "request-advice",
        &[("kind", "health"), ("organisation", "Northby NHS Trust")],
        &[("on", days_ago(50))],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let on = date_fields("on", days_ago(10));
    let mut fields: Vec<(&str, String)> = vec![("number", "1".to_string())];
    fields.extend(on.iter().map(|(k, v)| (k.as_str(), v.clone())));
    // A program renamed as a PDF, an empty file, and a PDF with a virus are refused.
    for (name, bytes, message) in [
        (
            "advice.pdf",
            b"MZ\x90\x00 program".to_vec(),
            "must be a PDF, Word document",
        ),
        ("advice.pdf", Vec::new(), "The selected file is empty"),
        (
            "advice.pdf",
            b"%PDF-1.4 X5O!P%@AP EICAR-STANDARD".to_vec(),
            "The selected file contains a virus",
        ),
        ("advice.png", b"%PDF-1.4 fine".to_vec(), "must end in .pdf"),
    ] {
        let page = act_with_file(
            &mut browser,
            case.id,
            "record-advice",
            &fields,
            (name, bytes),
        )
        .await;
        assert_eq!(page.status, 422, "{name}: {}", page.body);
        assert!(page.body.contains(message), "{message}: {}", page.body);
    }
    assert!(
        app.store
            .documents(&la_code(LA_CODE), case.id)
            .await
            .unwrap_or_default()
            .iter()
            .all(|d| d.kind != "advice")
    );
    let page = act_with_file(
        &mut browser,
        case.id,
        "record-advice",
        &fields,
        (
            "C:\\reports\\health advice.pdf",
            b"%PDF-1.4 health advice".to_vec(),
        ),
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let docs = app
        .store
        .documents(&la_code(LA_CODE), case.id)
        .await
        .unwrap_or_default();
    let advice = docs
        .iter()
        .find(|d| d.kind == "advice")
        .unwrap_or_else(|| panic!("no advice kept: {docs:?}"));
    assert_eq!(
        (advice.filename.as_str(), advice.scan.as_str()),
        ("health advice.pdf", "clean")
    );
    assert_eq!(advice.title, "Advice from Northby NHS Trust");
    let page = browser.get(&format!("/cases/{}", case.id.0)).await;
    assert!(
        page.body
            .contains(&format!("/cases/{}/documents/{}", case.id.0, advice.id)),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn the_plan_autosaves_keeps_versions_and_shows_what_changed() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Ada", "Okafor").await;
    let (_, mut browser) = app.sign_in_as(Role::Caseworker).await;
    for (action, fields, on) in [
        ("decide-assessment", vec![("yes", "yes")], days_ago(100)),
        (
            "request-advice",
            vec![
                ("kind", "educational_psychology"),
                ("organisation", "Northby EP service"),
            ],
            days_ago(95),
        ),
        ("record-advice", vec![("number", "1")], days_ago(60)),
        ("decide-plan", vec![("yes", "yes")], days_ago(50)),
    ] {
        let page = act(&mut browser, case.id, action, &fields, &[("on", on)]).await;
        assert_eq!(page.status, 303, "{action}: {}", page.body);
    }
    let editor = browser.get(&format!("/cases/{}/plan", case.id.0)).await;
    assert_eq!(editor.status, 200, "{}", editor.body);
    let version = input_value(&editor.body, "version")
        .unwrap_or_default()
        .to_string();
    // Autosave one section (as the page's script does, with the CSRF header).
    let response = browser
        .client
        .post(format!(
            "{}/cases/{}/plan/autosave",
            browser.base, case.id.0
        ))
        .header("x-csrf-token", browser.csrf.clone())
        .form(&[("section", "b"), ("text", "Ada finds reading hard.")])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap_or_default()
            .contains("saved_at")
    );
    // A section that does not exist is refused.
    let response = browser
        .client
        .post(format!(
            "{}/cases/{}/plan/autosave",
            browser.base, case.id.0
        ))
        .header("x-csrf-token", browser.csrf.clone())
        .form(&[("section", "z"), ("text", "x")])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 422);
    // Nothing typed is lost: the editor opens with the autosaved text.
    let editor = browser.get(&format!("/cases/{}/plan", case.id.0)).await;
    assert!(editor.body.contains("Ada finds reading hard."));
    assert!(editor.body.contains("Saved automatically at"));

    let save = |b: &'static str, version: String| async move {
        vec![
            ("version".to_string(), version),
            ("section_a".to_string(), "Ada likes trains.".to_string()),
            ("section_b".to_string(), b.to_string()),
        ]
    };
    let fields = save("Ada finds reading hard.", version).await;
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let page = browser
        .post(&format!("/cases/{}/plan", case.id.0), &borrowed)
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(
        app.store
            .plan_drafts(&la_code(LA_CODE), case.id)
            .await
            .unwrap_or_default()
            .is_empty(),
        "autosaved text is forgotten once saved"
    );
    // Saving the same text again is refused by the rules; a stale version is a conflict.
    let version = case_version(&app, case.id).await.to_string();
    let fields = save("Ada finds reading and spelling hard.", version.clone()).await;
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let page = browser
        .post(&format!("/cases/{}/plan", case.id.0), &borrowed)
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = browser
        .post(&format!("/cases/{}/plan", case.id.0), &borrowed)
        .await;
    assert_eq!(page.status, 409, "the version is now stale: {}", page.body);
    assert!(page.body.contains("Ada finds reading and spelling hard."));

    let changes = browser
        .get(&format!("/cases/{}/plan/changes?from=1&to=2", case.id.0))
        .await;
    assert_eq!(changes.status, 200);
    assert!(
        changes
            .body
            .contains("<span class=\"govuk-visually-hidden\">[added] </span>and spelling "),
        "{}",
        changes.body
    );
    let v1 = browser
        .get(&format!("/cases/{}/plan/versions/1", case.id.0))
        .await;
    assert!(
        v1.body
            .contains("This is not the latest version: version 2 is.")
    );
    let (status, _, pdf) = app_get_bytes(
        &browser,
        &format!("/cases/{}/plan/versions/2/pdf", case.id.0),
    )
    .await;
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF-"));
    // Sending the draft keeps the draft plan as a document.
    let page = act(
        &mut browser,
        case.id,
        "send-draft",
        &[],
        &[("on", days_ago(40))],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let docs = app
        .store
        .documents(&la_code(LA_CODE), case.id)
        .await
        .unwrap_or_default();
    assert!(
        docs.iter()
            .any(|d| d.title == "Draft plan" && d.content_type == "application/pdf"),
        "{docs:?}"
    );
}

#[tokio::test]
async fn a_manager_hands_a_case_over_with_a_note_and_actions_follow_the_role() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Ada", "Okafor").await;
    let new_worker = app.add_user(Role::Caseworker, "newworker").await;
    let (_, mut caseworker) = app.sign_in_as(Role::Caseworker).await;
    let page = caseworker.get(&format!("/cases/{}", case.id.0)).await;
    assert!(
        !page.body.contains("Change caseworker"),
        "only managers allocate"
    );
    assert_eq!(
        caseworker
            .get(&format!("/cases/{}/allocate", case.id.0))
            .await
            .status,
        409
    );
    let (_, mut manager) = app.sign_in_as(Role::Manager).await;
    let page = manager.get(&format!("/cases/{}", case.id.0)).await;
    assert!(page.body.contains("Change caseworker"));
    let id = new_worker.id.0.to_string();
    let page = act(
        &mut manager,
        case.id,
        "allocate",
        &[("caseworker", &id), ("note", "Family prefer phone calls")],
        &[],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = manager.get(&format!("/cases/{}", case.id.0)).await;
    assert!(
        page.body.contains("Caseworker: Test newworker"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Handover note: Family prefer phone calls")
    );
    // Someone who is not a caseworker of this council cannot be chosen.
    let page = act(
        &mut manager,
        case.id,
        "allocate",
        &[("caseworker", "999999")],
        &[],
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Select a caseworker of this council"));
    // Closing: the reason is needed, then nothing more is offered.
    let page = act(&mut manager, case.id, "close", &[], &[("on", today())]).await;
    assert_eq!(page.status, 422);
    let page = act(
        &mut manager,
        case.id,
        "close",
        &[("reason", "withdrawn")],
        &[("on", today())],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = manager.get(&format!("/cases/{}", case.id.0)).await;
    assert!(page.body.contains("This case was closed on"));
    assert!(!page.body.contains("What you can do now"));
}

#[tokio::test]
async fn a_professional_reaches_a_childs_record_only_with_a_second_factor() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Ada", "Okafor").await;
    let professional = app.add_user(Role::Professional, "nofactor").await;
    app.grant(&professional, case.id, waymark_store::CaseAccess::ADVICE)
        .await;
    let mut browser = app.session_for(&professional).await;
    let path = format!("/cases/{}", case.id.0);
    assert_eq!(browser.get(&path).await.status, 404);
    app.with_second_factor(&professional).await;
    assert_eq!(browser.get(&path).await.status, 200);
}
