//! The family's view of their case and the messages between the council and the people
//! outside it, over HTTP against the real app: what a parent sees (and never sees), that no
//! id typed in a URL reaches another child, their views and comments on the draft saved as
//! they type and sent, messages both ways with read receipts and notifications, a
//! professional's thread kept apart from the family's, and the plain-English check of the
//! family's pages (Flesch reading ease, see `reading_ease`).

use chrono::{Duration, NaiveDate, Utc};
use reqwest::multipart;
use waymark_store::cases::{self, LoadedCase};
use waymark_store::documents::NewDocument;
use waymark_store::domain::actor::{Actor, Role};
use waymark_store::domain::case::PlanSections;
use waymark_store::domain::command::Command;
use waymark_store::prelude::*;
use waymark_store::{CaseAccess, CaseId, User};

use crate::app::{Browser, LA_CODE, Page, TestApp, la_code};

fn today() -> NaiveDate {
    waymark_web::uk_time::today()
}

/// Changes a case through the case rules, as a manager would (who may also allocate).
async fn run(app: &TestApp, id: CaseId, command: Command) -> LoadedCase {
    let la = la_code(LA_CODE);
    let current = cases::load(&app.store, &la, id)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no case {id:?}"));
    let actor = Actor {
        user: "seed".into(),
        role: Role::Manager,
        la: la.clone(),
    };
    cases::execute(
        &app.store,
        &la,
        id,
        current.version,
        &command,
        &actor,
        today(),
        Utc::now(),
    )
    .await
    .unwrap_or_else(|e| panic!("{command:?}: {e}"))
}

/// Keeps a document on a case, as the pages do.
async fn add_document(app: &TestApp, id: CaseId, kind: &str, title: &str) -> i64 {
    app.store
        .add_document(
            &la_code(LA_CODE),
            NewDocument {
                case_id: id,
                kind: kind.into(),
                title: title.into(),
                filename: format!("{}.pdf", kind),
                content_type: "application/pdf".into(),
                scan: "rendered".into(),
                content: b"%PDF-1.7 test".to_vec(),
                uploaded_by: "1".into(),
                uploaded_at: Utc::now(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .id
}

/// A case taken to "draft served" on `served`, with a plan that says `b`.
async fn draft_served(app: &TestApp, given: &str, served: NaiveDate) -> LoadedCase {
    let case = app.add_case(given, "Draft").await;
    let decided = served - Duration::days(2);
    run(
        app,
        case.id,
        Command::DecideWhetherToAssess {
            on: decided,
            yes: true,
            reasons: String::new(),
        },
    )
    .await;
    run(
        app,
        case.id,
        Command::DecideWhetherToIssue {
            on: decided,
            yes: true,
            reasons: String::new(),
        },
    )
    .await;
    run(
        app,
        case.id,
        Command::SavePlan {
            sections: PlanSections {
                a: "Likes trains.".into(),
                b: "Needs help with reading.".into(),
                ..PlanSections::default()
            },
        },
    )
    .await;
    run(
        app,
        case.id,
        Command::ServeDraft {
            version: 1,
            on: served,
        },
    )
    .await
}

/// A parent of `case`, signed in.
async fn parent_of(app: &TestApp, case: CaseId) -> (User, Browser) {
    let (user, browser) = app.sign_in_as(Role::Parent).await;
    app.grant(&user, case, CaseAccess::PARENT).await;
    (user, browser)
}

/// Posts a multipart form with the browser's CSRF token, these fields and maybe one file.
async fn post_multipart(
    browser: &mut Browser,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, Vec<u8>)>,
) -> Page {
    let mut form = multipart::Form::new().text("csrf_token", browser.csrf.clone());
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    if let Some((name, bytes)) = file {
        form = form.part(
            "file",
            multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    let response = browser
        .client
        .post(format!("{}{path}", browser.base))
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    Page {
        status,
        headers,
        body,
    }
}

/// The smallest PNG header the upload check recognises.
fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[0; 32]);
    bytes
}

#[tokio::test]
async fn a_parent_sees_where_the_request_is_and_the_next_date_but_nothing_internal() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Ada", "Okafor").await;
    let caseworker = app.add_user(Role::Caseworker, "sam").await;
    run(
        &app,
        case.id,
        Command::AllocateCaseworker {
            caseworker: caseworker.id.to_string(),
            note: Some("Handover: father is hostile on the phone".into()),
        },
    )
    .await;
    run(
        &app,
        case.id,
        Command::AddNote {
            text: "Internal: possible safeguarding concern".into(),
        },
    )
    .await;
    let advice = add_document(&app, case.id, "advice", "Health advice (confidential)").await;
    let letter = add_document(&app, case.id, "letter", "Decision whether to assess").await;
    let (_, mut parent) = parent_of(&app, case.id).await;

    // The parent's home page lists the case; the staff case page sends them to theirs.
    let home = parent.get("/my-cases").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Ada Okafor"), "{}", home.body);
    let page = parent.get(&format!("/cases/{}", case.id.0)).await;
    assert_eq!(page.status, 303);
    assert_eq!(page.header("location"), format!("/my-cases/{}", case.id.0));

    let page = parent.get(&format!("/my-cases/{}", case.id.0)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // Where it is, and the date from the statutory clock (6 weeks from 5 January 2026).
    assert!(page.body.contains("We decide if we will assess"));
    assert!(page.body.contains("Now</strong>"));
    assert!(
        page.body
            .contains("if we will assess Ada by 16 February 2026."),
        "{}",
        page.body
    );
    assert!(page.body.contains("Your caseworker is Test sam."));
    assert!(page.body.contains("Decision whether to assess"));
    assert!(
        page.body
            .contains(&format!("/my-cases/{}/documents/{letter}", case.id.0))
    );
    // Nothing internal.
    for secret in [
        "safeguarding",
        "hostile",
        "Health advice (confidential)",
        "Needs are not being met",
        "History",
        "sam.caseworker@",
    ] {
        assert!(!page.body.contains(secret), "{secret} shown to the parent");
    }
    let (status, _, bytes) = get_bytes(
        &parent,
        &format!("/my-cases/{}/documents/{letter}", case.id.0),
    )
    .await;
    assert_eq!(status, 200);
    assert!(bytes.starts_with(b"%PDF"));
    let staff_only = parent
        .get(&format!("/my-cases/{}/documents/{advice}", case.id.0))
        .await;
    assert_eq!(staff_only.status, 404);
    // The staff download is not theirs either.
    let staff_route = parent
        .get(&format!("/cases/{}/documents/{letter}", case.id.0))
        .await;
    assert_eq!(staff_route.status, 403);
}

async fn get_bytes(browser: &Browser, path: &str) -> (u16, String, Vec<u8>) {
    let response = browser
        .client
        .get(format!("{}{path}", browser.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = response.status().as_u16();
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.bytes().await.unwrap_or_default().to_vec();
    (status, disposition, body)
}

#[tokio::test]
async fn a_parent_cannot_reach_another_childs_case_by_changing_ids_in_urls() {
    let app = TestApp::spawn().await;
    let ours = app.add_case("Ada", "Ours").await;
    let theirs = draft_served(&app, "Bea", today() - Duration::days(2)).await;
    let our_letter = add_document(&app, ours.id, "letter", "Our letter").await;
    let their_letter = add_document(&app, theirs.id, "letter", "Their letter").await;
    let (me, mut parent) = parent_of(&app, ours.id).await;
    let (other, mut other_parent) = parent_of(&app, theirs.id).await;
    let page = other_parent
        .post(
            &format!("/cases/{}/messages/{}", theirs.id.0, other.id.0),
            &[("body", "Private message about Bea")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let thread = other_parent
        .get(&format!("/cases/{}/messages/{}", theirs.id.0, other.id.0))
        .await;
    assert!(thread.body.contains("Private message about Bea"));

    let (a, b) = (ours.id.0, theirs.id.0);
    let (m, o) = (me.id.0, other.id.0);
    for path in [
        format!("/my-cases/{b}"),
        format!("/my-cases/{b}/views"),
        format!("/my-cases/{b}/draft"),
        format!("/my-cases/{b}/documents/{their_letter}"),
        // Their document under our case's id, and ours under theirs.
        format!("/my-cases/{a}/documents/{their_letter}"),
        format!("/my-cases/{b}/documents/{our_letter}"),
        format!("/cases/{b}/messages"),
        format!("/cases/{b}/messages/{m}"),
        format!("/cases/{b}/messages/{o}"),
        format!("/cases/{a}/messages/{o}"),
        format!("/cases/{b}/documents/{their_letter}"),
        format!("/my-cases/{}", b + 1000),
    ] {
        let page = parent.get(&path).await;
        assert_eq!(page.status, 404, "GET {path}");
        assert!(
            !page.body.contains("Bea"),
            "GET {path} shows the other child"
        );
        assert!(!page.body.contains("Private message"), "GET {path}");
    }
    for (path, fields) in [
        (
            format!("/my-cases/{b}/views/autosave"),
            vec![("part", "likes"), ("text", "x")],
        ),
        (
            format!("/my-cases/{b}/draft/autosave"),
            vec![("part", "b"), ("text", "x")],
        ),
        (format!("/my-cases/{b}/draft"), vec![("action", "send")]),
        (format!("/cases/{b}/messages/{m}"), vec![("body", "hello")]),
        (format!("/cases/{b}/messages/{o}"), vec![("body", "hello")]),
        (format!("/cases/{a}/messages/{o}"), vec![("body", "hello")]),
    ] {
        let page = parent.post(&path, &fields).await;
        assert_eq!(page.status, 404, "POST {path}");
    }
    let page = post_multipart(
        &mut parent,
        &format!("/my-cases/{b}/views"),
        &[("likes", "x")],
        None,
    )
    .await;
    assert_eq!(page.status, 404);
    // Nothing was written to the other child's case.
    let case = cases::load(&app.store, &la_code(LA_CODE), theirs.id)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no case"));
    assert!(case.case.representations_received.is_none());
    for kind in ["views", "draft_comment"] {
        let written = app
            .store
            .contributions(&la_code(LA_CODE), theirs.id, kind)
            .await
            .unwrap_or_default();
        assert!(written.is_empty(), "{kind}");
    }
    let thread = app
        .store
        .thread(&la_code(LA_CODE), theirs.id, other.id)
        .await
        .unwrap_or_default();
    assert_eq!(thread.len(), 1);
}

/// The JSON an autosave answers, checked.
async fn autosave(browser: &mut Browser, path: &str, part: &str, text: &str) -> Page {
    let csrf = browser.csrf.clone();
    let response = browser
        .client
        .post(format!("{}{path}", browser.base))
        .header("X-CSRF-Token", csrf)
        .form(&[("part", part), ("text", text)])
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    Page {
        status,
        headers,
        body,
    }
}

#[tokio::test]
async fn views_save_as_they_are_typed_then_are_sent_with_a_drawing() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Ada", "Views").await;
    let (me, mut parent) = parent_of(&app, case.id).await;
    let id = case.id.0;
    let form = parent.get(&format!("/my-cases/{id}/views")).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("What I like"));
    assert!(form.body.contains("data-autosave-url"));

    let saved = autosave(
        &mut parent,
        &format!("/my-cases/{id}/views/autosave"),
        "likes",
        "Trains and swimming",
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.header("content-type").starts_with("application/json"));
    assert!(saved.body.contains("saved_at"));
    let unknown = autosave(
        &mut parent,
        &format!("/my-cases/{id}/views/autosave"),
        "notes",
        "x",
    )
    .await;
    assert_eq!(unknown.status, 422);
    let stored = app
        .store
        .contributions(&la_code(LA_CODE), case.id, "views")
        .await
        .unwrap_or_default();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].text, "Trains and swimming");
    assert_eq!(stored[0].user_id, me.id);
    assert!(stored[0].submitted_at.is_none(), "saved, not sent");
    // Coming back, the answer is there.
    let form = parent.get(&format!("/my-cases/{id}/views")).await;
    assert!(form.body.contains("Trains and swimming"));

    // A file that is not a picture or document is refused; what was typed is kept.
    let page = post_multipart(
        &mut parent,
        &format!("/my-cases/{id}/views"),
        &[
            ("likes", "Trains and swimming"),
            ("hard", "Loud rooms"),
            ("action", "send"),
        ],
        Some(("virus.exe", b"MZ\x90\x00".to_vec())),
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("must be a PDF, Word document"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Loud rooms"));

    let page = post_multipart(
        &mut parent,
        &format!("/my-cases/{id}/views"),
        &[
            ("likes", "Trains and swimming"),
            ("hard", "Loud rooms"),
            ("action", "send"),
        ],
        Some(("drawing.png", png())),
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        page.header("location"),
        format!("/my-cases/{id}?done=views")
    );
    let stored = app
        .store
        .contributions(&la_code(LA_CODE), case.id, "views")
        .await
        .unwrap_or_default();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|c| c.submitted_at.is_some()), "sent");
    let documents = app
        .store
        .documents(&la_code(LA_CODE), case.id)
        .await
        .unwrap_or_default();
    let drawing = documents
        .iter()
        .find(|d| d.kind == "views")
        .unwrap_or_else(|| panic!("the drawing was not kept"));
    assert_eq!(drawing.filename, "drawing.png");
    assert_eq!(drawing.content_type, "image/png");
    let page = parent.get(&format!("/my-cases/{id}?done=views")).await;
    assert!(page.body.contains("We have your views"));
    assert!(page.body.contains("You sent us your views on"));
    let (status, _, bytes) =
        get_bytes(&parent, &format!("/my-cases/{id}/documents/{}", drawing.id)).await;
    assert_eq!(status, 200, "the family can open what they sent");
    assert_eq!(bytes, png());

    // Changed after sending: the page says to send it again.
    autosave(
        &mut parent,
        &format!("/my-cases/{id}/views/autosave"),
        "likes",
        "Trains",
    )
    .await;
    let form = parent.get(&format!("/my-cases/{id}/views")).await;
    assert!(
        form.body
            .contains("You changed your answers after you sent them")
    );

    // The caseworker sees what was sent from the family's thread.
    let (_, mut staff) = app.sign_in_as(Role::Caseworker).await;
    let thread = staff
        .get(&format!("/cases/{id}/messages/{}", me.id.0))
        .await;
    assert_eq!(thread.status, 200, "{}", thread.body);
    assert!(thread.body.contains("Their views (All about me)"));
    assert!(thread.body.contains("Loud rooms"));
}

#[tokio::test]
async fn draft_comments_are_taken_only_inside_the_window_and_recorded_as_representations() {
    let app = TestApp::spawn().await;
    // Not served yet: nothing to comment on.
    let early = app.add_case("Cal", "Early").await;
    let (_, mut early_parent) = parent_of(&app, early.id).await;
    let page = early_parent
        .get(&format!("/my-cases/{}/draft", early.id.0))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("We have not sent you a draft plan yet"));
    let saved = autosave(
        &mut early_parent,
        &format!("/my-cases/{}/draft/autosave", early.id.0),
        "b",
        "x",
    )
    .await;
    assert_eq!(saved.status, 422);

    // Served 3 days ago: open until the 15th day (reg 13(1)).
    let served = today() - Duration::days(3);
    let case = draft_served(&app, "Ada", served).await;
    let plan_pdf = add_document(&app, case.id, "plan", "Draft plan").await;
    let (me, mut parent) = parent_of(&app, case.id).await;
    let id = case.id.0;
    let page = parent.get(&format!("/my-cases/{id}")).await;
    assert!(
        page.body.contains("Comment on the draft plan"),
        "{}",
        page.body
    );
    let last_day = waymark_web::uk_time::date(served + Duration::days(14));
    assert!(
        page.body
            .contains(&format!("Tell us what you think by {last_day}."))
    );
    let page = parent.get(&format!("/my-cases/{id}/draft")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Needs help with reading."),
        "the draft's text"
    );
    assert!(
        page.body
            .contains(&format!("/my-cases/{id}/documents/{plan_pdf}"))
    );
    let saved = autosave(
        &mut parent,
        &format!("/my-cases/{id}/draft/autosave"),
        "b",
        "Please add speech therapy.",
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let saved = autosave(
        &mut parent,
        &format!("/my-cases/{id}/draft/autosave"),
        "school",
        "Hillside Primary",
    )
    .await;
    assert_eq!(saved.status, 200);
    let page = parent.get(&format!("/my-cases/{id}/draft")).await;
    assert!(page.body.contains("Please add speech therapy."));

    let sent = parent
        .post(
            &format!("/my-cases/{id}/draft"),
            &[
                ("b", "Please add speech therapy."),
                ("school", "Hillside Primary"),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(
        sent.header("location"),
        format!("/my-cases/{id}?done=draft")
    );
    let after = cases::load(&app.store, &la_code(LA_CODE), case.id)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no case"));
    assert_eq!(after.case.representations_received, Some(today()));
    assert_eq!(
        after.case.requested_school.as_deref(),
        Some("Hillside Primary")
    );
    let history = cases::history(&app.store, &la_code(LA_CODE), case.id)
        .await
        .unwrap_or_default();
    let last = history.last().unwrap_or_else(|| panic!("no history"));
    assert_eq!(last.actor, me.id.to_string(), "recorded as the parent");
    let comments = app
        .store
        .contributions(&la_code(LA_CODE), case.id, "draft_comment")
        .await
        .unwrap_or_default();
    assert_eq!(comments.len(), 2);
    assert!(comments.iter().all(|c| c.submitted_at.is_some()));
    // Once sent, no more: the page thanks them; sending again is refused.
    let page = parent.get(&format!("/my-cases/{id}/draft")).await;
    assert!(
        page.body.contains("We got your comments on"),
        "{}",
        page.body
    );
    let again = parent
        .post(&format!("/my-cases/{id}/draft"), &[("action", "send")])
        .await;
    assert_eq!(again.status, 409);
    let saved = autosave(
        &mut parent,
        &format!("/my-cases/{id}/draft/autosave"),
        "b",
        "More",
    )
    .await;
    assert_eq!(saved.status, 422);
    // The caseworker reads the comments from the family's thread.
    let (_, mut staff) = app.sign_in_as(Role::Caseworker).await;
    let thread = staff
        .get(&format!("/cases/{id}/messages/{}", me.id.0))
        .await;
    assert!(thread.body.contains("Their comments on the draft plan"));
    assert!(thread.body.contains("Please add speech therapy."));

    // Served 20 days ago: the window closed on the 15th day.
    let late = draft_served(&app, "Dan", today() - Duration::days(20)).await;
    let (_, mut late_parent) = parent_of(&app, late.id).await;
    let page = late_parent
        .get(&format!("/my-cases/{}/draft", late.id.0))
        .await;
    assert!(
        page.body
            .contains("The time to comment on the draft plan ended on")
    );
    assert!(!page.body.contains("Send my comments"));
    let page = late_parent.get(&format!("/my-cases/{}", late.id.0)).await;
    assert!(page.body.contains("The time to comment ended on"));
    assert!(
        page.body
            .contains("You can still send your caseworker a message.")
    );
    let refused = late_parent
        .post(
            &format!("/my-cases/{}/draft", late.id.0),
            &[("b", "Too late"), ("action", "send")],
        )
        .await;
    assert_eq!(refused.status, 409);
    let after = cases::load(&app.store, &la_code(LA_CODE), late.id)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no case"));
    assert!(after.case.representations_received.is_none());
}

#[tokio::test]
async fn messages_go_both_ways_with_read_receipts_and_a_notification() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Ada", "Talks").await;
    let (caseworker, mut staff) = app.sign_in_as(Role::Caseworker).await;
    run(
        &app,
        case.id,
        Command::AllocateCaseworker {
            caseworker: caseworker.id.to_string(),
            note: None,
        },
    )
    .await;
    let (me, mut parent) = parent_of(&app, case.id).await;
    let id = case.id.0;
    let thread = format!("/cases/{id}/messages/{}", me.id.0);

    // The parent's messages link goes to their own thread.
    let page = parent.get(&format!("/cases/{id}/messages")).await;
    assert_eq!(page.status, 303);
    assert_eq!(page.header("location"), thread);
    let page = parent.get(&thread).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("There are no messages yet"));
    let empty = parent.post(&thread, &[("body", "  ")]).await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Write your message"));
    let sent = parent
        .post(&thread, &[("body", "When is the meeting?")])
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let notifications = app.store.notifications(10).await.unwrap_or_default();
    let to_caseworker = notifications
        .iter()
        .find(|n| n.template == "message_received" && n.recipient == caseworker.email)
        .unwrap_or_else(|| panic!("no notification to the caseworker: {notifications:?}"));
    assert!(
        to_caseworker.personalisation["link"]
            .as_str()
            .is_some_and(|l| l.ends_with(&thread)),
        "{:?}",
        to_caseworker.personalisation
    );
    let page = parent.get(&thread).await;
    assert!(page.body.contains("When is the meeting?"));
    assert!(page.body.contains("Not read yet"));

    // The caseworker sees an unread message on the case page and in the list of threads.
    let case_page = staff.get(&format!("/cases/{id}")).await;
    assert!(case_page.body.contains("1 unread"), "{}", case_page.body);
    let list = staff.get(&format!("/cases/{id}/messages")).await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains(&me.name));
    assert!(list.body.contains("1 unread"));
    // Reading marks it read; the parent sees when.
    let page = staff.get(&thread).await;
    assert!(page.body.contains("When is the meeting?"));
    let page = parent.get(&thread).await;
    assert!(page.body.contains("Read "), "{}", page.body);
    assert!(!page.body.contains("Not read yet"));

    // A reply with a file; the parent is told, reads it and opens the file.
    let reply = post_multipart(
        &mut staff,
        &thread,
        &[("body", "It is on 4 March at 2pm.")],
        Some(("invite.pdf", b"%PDF-1.7 invite".to_vec())),
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let notifications = app.store.notifications(10).await.unwrap_or_default();
    assert!(
        notifications
            .iter()
            .any(|n| n.template == "message_received" && n.recipient == me.email),
        "the parent is told"
    );
    let page = staff.get(&thread).await;
    assert!(
        page.body.contains("Not read yet"),
        "the reply is not read yet"
    );
    let page = parent.get(&thread).await;
    assert!(page.body.contains("It is on 4 March at 2pm."));
    let link = page
        .body
        .split("href=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|href| href.contains("/files/"))
        .unwrap_or_else(|| panic!("no attachment link: {}", page.body))
        .to_string();
    let (status, disposition, bytes) = get_bytes(&parent, &link).await;
    assert_eq!(status, 200);
    assert!(disposition.contains("invite.pdf"));
    assert!(bytes.starts_with(b"%PDF"));
    let page = staff.get(&thread).await;
    assert!(!page.body.contains("Not read yet"), "both read now");
    // The messages are kept with the case.
    let kept = app
        .store
        .thread(&la_code(LA_CODE), case.id, me.id)
        .await
        .unwrap_or_default();
    assert_eq!(kept.len(), 2);
    assert!(kept.iter().all(|m| m.read_at.is_some()));
}

#[tokio::test]
async fn a_professionals_thread_is_separate_from_the_familys() {
    let app = TestApp::spawn().await;
    let case = app.add_case("Ada", "Apart").await;
    let (me, mut parent) = parent_of(&app, case.id).await;
    let (pro, mut professional) = app.sign_in_as(Role::Professional).await;
    app.with_second_factor(&pro).await;
    app.grant(&pro, case.id, CaseAccess::ADVICE).await;
    let id = case.id.0;
    let theirs = format!("/cases/{id}/messages/{}", pro.id.0);
    let ours = format!("/cases/{id}/messages/{}", me.id.0);
    let page = professional.get(&format!("/cases/{id}/messages")).await;
    assert_eq!(page.header("location"), theirs);
    let sent = professional
        .post(
            &theirs,
            &[("body", "Our assessment report is attached soon.")],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let sent = parent
        .post(&ours, &[("body", "Ada is anxious about it.")])
        .await;
    assert_eq!(sent.status, 303);

    let page = parent.get(&ours).await;
    assert!(page.body.contains("Ada is anxious about it."));
    assert!(!page.body.contains("assessment report"));
    let page = professional.get(&theirs).await;
    assert!(page.body.contains("assessment report"));
    assert!(!page.body.contains("anxious"));
    // Neither reaches the other's thread.
    assert_eq!(professional.get(&ours).await.status, 404);
    assert_eq!(parent.get(&theirs).await.status, 404);
    assert_eq!(
        professional.post(&ours, &[("body", "hi")]).await.status,
        404
    );
    // Staff see both, apart.
    let (_, mut staff) = app.sign_in_as(Role::Caseworker).await;
    let list = staff.get(&format!("/cases/{id}/messages")).await;
    assert!(list.body.contains(&me.name) && list.body.contains(&pro.name));
    assert!(list.body.contains("Asked for advice"));
    let page = staff.get(&theirs).await;
    assert!(page.body.contains("assessment report") && !page.body.contains("anxious"));
}

// ---------------------------------------------------------------------------------------------
// Plain English: the Flesch reading ease of what the family reads.

/// Syllables in a word, by a heuristic good enough to compare texts (written here because no
/// well-kept crate does just this): each run of vowels (a, e, i, o, u, and y after the first
/// letter) is a syllable, and "ia" two ("me-di-a-tion") but in "-cial"/"-tial"; a final silent "e" is not ("make"), except "-le" after a consonant
/// ("table"), and "-es"/"-ed" endings add none unless after t/d/s-like sounds ("wanted",
/// "boxes" keep theirs); every word has at least one. It errs by about one syllable in ten on
/// ordinary English, either way (a silent "e" inside a compound, "caseworker", counts).
fn syllables(word: &str) -> usize {
    let w: Vec<char> = word
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    if w.is_empty() {
        return 0;
    }
    let vowel = |i: usize| matches!(w[i], 'a' | 'e' | 'i' | 'o' | 'u') || (w[i] == 'y' && i > 0);
    let mut count = 0;
    let mut previous = false;
    for i in 0..w.len() {
        let v = vowel(i);
        if v && !previous {
            count += 1;
        }
        previous = v;
    }
    // "ia" is two syllables ("me-di-a-tion") except in "-cial", "-tial", "-sia", "-gia".
    for i in 1..w.len() {
        if w[i - 1] == 'i' && w[i] == 'a' && i >= 2 && !matches!(w[i - 2], 'c' | 't' | 's' | 'g') {
            count += 1;
        }
    }
    let n = w.len();
    let ends = |s: &str| w.iter().rev().take(s.len()).rev().copied().eq(s.chars());
    if n > 2 && ends("e") && !vowel(n - 2) && !(ends("le") && n > 3 && !vowel(n - 3)) {
        count -= 1;
    } else if n > 3 && (ends("es") || ends("ed")) && !vowel(n - 3) {
        let before = w[n - 3];
        if !matches!(before, 't' | 'd' | 's' | 'x' | 'z' | 'c' | 'g') {
            count -= 1;
        }
    }
    count.max(1)
}

/// The visible text of a template: Jinja comments and statements removed, each `{{ value }}`
/// read as a short name ("Ada": most values on these pages are the child's name or a date),
/// tags removed; a tag between two pieces of text ends a sentence if they have no full stop
/// (headings, labels and buttons are read as sentences of their own).
fn visible_text(source: &str) -> String {
    let mut text = String::new();
    let mut rest = source;
    while let Some(start) = rest.find('{') {
        text.push_str(&rest[..start]);
        let after = &rest[start..];
        let (close, replacement) = if after.starts_with("{#") {
            ("#}", "")
        } else if after.starts_with("{%") {
            ("%}", "")
        } else if after.starts_with("{{") {
            ("}}", " Ada ")
        } else {
            text.push('{');
            rest = &after[1..];
            continue;
        };
        match after.find(close) {
            Some(end) => {
                text.push_str(replacement);
                rest = &after[end + close.len()..];
            }
            None => rest = "",
        }
    }
    text.push_str(rest);
    html_text(&text)
}

/// The text of some HTML, with a line break for every tag and scripts dropped.
fn html_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        if after.starts_with("<script") {
            rest = after.find("</script>").map_or("", |end| &after[end + 9..]);
            continue;
        }
        let Some(end) = after.find('>') else { break };
        let tag = &after[1..end];
        let inline = ["a ", "a>", "/a", "strong", "/strong", "span", "/span", "br"]
            .iter()
            .any(|t| tag.starts_with(t));
        out.push(if inline { ' ' } else { '\n' });
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out.replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// Flesch reading ease: 206.835 − 1.015 × (words per sentence) − 84.6 × (syllables per
/// word). 90–100 is read easily by an 11-year-old; 70–80 is "fairly easy" (reading age about
/// 9–10 in the UK); 60–70 is plain English; below 50 is hard.
fn reading_ease(text: &str) -> (f64, usize) {
    let mut sentences = 0;
    let mut words = 0;
    let mut syllable_count = 0;
    for line in text.lines() {
        let line = line.trim();
        if !line.chars().any(char::is_alphabetic) {
            continue;
        }
        let ends = line.matches(['.', '!', '?']).count();
        sentences += if line.ends_with(['.', '!', '?', ':']) {
            ends.max(1)
        } else {
            ends + 1
        };
        for word in line.split_whitespace() {
            let s = syllables(word);
            if s > 0 {
                words += 1;
                syllable_count += s;
            }
        }
    }
    if words == 0 {
        return (100.0, 0);
    }
    let ease = 206.835
        - 1.015 * (words as f64 / sentences.max(1) as f64)
        - 84.6 * (syllable_count as f64 / words as f64);
    (ease, words)
}

/// The least a family's page may score: "fairly easy", a reading age of about 9 to 10.
const MIN_READING_EASE: f64 = 70.0;

#[test]
fn syllables_are_counted_as_people_say_words() {
    for (word, n) in [
        ("we", 1),
        ("make", 1),
        ("table", 2),
        ("assess", 2),
        ("wanted", 2),
        ("asked", 1),
        ("worker", 2),
        // A silent "e" inside a compound is counted: one too many.
        ("caseworker", 4),
        ("tribunal", 3),
        ("mediation", 4),
        ("happy", 2),
        ("education", 4),
        ("special", 2),
        ("2026", 0),
    ] {
        assert_eq!(syllables(word), n, "{word}");
    }
    let (easy, _) = reading_ease("We got your letter. Thank you. We will call you.");
    let (hard, _) = reading_ease(
        "Notwithstanding the aforementioned considerations, the authority's determination \
         regarding statutory assessment necessitates comprehensive multidisciplinary evidence.",
    );
    assert!(easy > 90.0 && hard < 0.0, "{easy} {hard}");
}

#[test]
fn the_familys_pages_are_written_in_plain_english() {
    let templates = [
        (
            "family/home.html",
            include_str!("../../templates/family/home.html"),
        ),
        (
            "family/case.html",
            include_str!("../../templates/family/case.html"),
        ),
        (
            "family/views.html",
            include_str!("../../templates/family/views.html"),
        ),
        (
            "family/draft.html",
            include_str!("../../templates/family/draft.html"),
        ),
        (
            "messages/thread.html",
            include_str!("../../templates/messages/thread.html"),
        ),
    ];
    let mut failures = Vec::new();
    for (name, source) in templates {
        let (ease, words) = reading_ease(&visible_text(source));
        println!("{name}: Flesch reading ease {ease:.1} ({words} words)");
        if ease < MIN_READING_EASE {
            failures.push(format!("{name}: {ease:.1}"));
        }
    }
    assert!(failures.is_empty(), "too hard to read: {failures:?}");
}

#[tokio::test]
async fn the_familys_pages_read_plainly_as_shown_at_each_stage() {
    let app = TestApp::spawn().await;
    let new = app.add_case("Ada", "Plain").await;
    let draft = draft_served(&app, "Bea", today() - Duration::days(2)).await;
    let refused = app.add_case("Cal", "Plain").await;
    run(
        &app,
        refused.id,
        Command::DecideWhetherToAssess {
            on: today() - Duration::days(1),
            yes: false,
            reasons: "The school can meet the needs".into(),
        },
    )
    .await;
    let mut failures = Vec::new();
    for (stage, case) in [
        ("new request", &new),
        ("draft sent", &draft),
        ("no to assess", &refused),
    ] {
        let (_, mut parent) = parent_of(&app, case.id).await;
        for path in [
            format!("/my-cases/{}", case.id.0),
            format!("/my-cases/{}/draft", case.id.0),
        ] {
            let page = parent.get(&path).await;
            let main = page
                .body
                .split("<main")
                .nth(1)
                .and_then(|m| m.split("</main>").next())
                .unwrap_or_default();
            let (ease, words) = reading_ease(&html_text(&format!("<main{main}")));
            println!("{stage}, {path}: Flesch reading ease {ease:.1} ({words} words)");
            if ease < MIN_READING_EASE {
                failures.push(format!("{stage} {path}: {ease:.1}"));
            }
        }
    }
    assert!(failures.is_empty(), "too hard to read: {failures:?}");
}
