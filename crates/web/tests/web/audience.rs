//! Who sees what, over the pages and the JSON API alike: a case carries a staff note, an
//! exception note and a handover note, each with a marker text of its own, a draft served on
//! the family (its own marker) and a later version of the plan saved but never sent (its own
//! marker). Every response a family member, a young person, a professional asked for advice
//! (and one whose request is answered), a viewer or a scrutiny member can reach is read for the
//! staff-only markers; staff must see all of them, and the family the served draft.
//!
//! The tree has no role of its own for a young person: a young person with their own account
//! is a `parent` account with `parent` access to their own case (invited as `young_person` from
//! 16). They are tested as that, on the case of a 17-year-old.
//!
//! PDFs are read as bytes: their text is compressed, so a marker inside one would not be seen.
//! What the family may download is instead checked by kind (letters and plans sent to them,
//! never a PDF of the unsent version, which is not kept at all).

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};
use waymark_store::domain::actor::Role;
use waymark_store::prelude::*;
use waymark_store::{CaseAccess, CaseId, NewUser, User};

use crate::app::{Browser, LA_CODE, TestApp, la_code};

const STAFF_NOTE: &str = "MARKER-STAFF-NOTE-4f1c9a";
const EXCEPTION_NOTE: &str = "MARKER-EXCEPTION-NOTE-8b27e0";
const HANDOVER_NOTE: &str = "MARKER-HANDOVER-NOTE-c3d5f1";
const UNSENT_DRAFT: &str = "MARKER-UNSENT-DRAFT-9e4a2b";
const SERVED_DRAFT: &str = "MARKER-SERVED-DRAFT-17d6c8";

/// The markers of what only LA staff may see.
const STAFF_ONLY: [&str; 4] = [STAFF_NOTE, EXCEPTION_NOTE, HANDOVER_NOTE, UNSENT_DRAFT];

const SCHOOL_URN: &str = "100001";
const SCHOOL_NAME: &str = "Oakfield Primary School";

const OPEN_ORGANISATION: &str = "Riverside NHS Trust";
const ANSWERED_ORGANISATION: &str = "Hillside Therapy Service";

fn today() -> NaiveDate {
    waymark_web::uk_time::today()
}

fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The case and the people around it.
struct Fixture {
    app: TestApp,
    id: CaseId,
    caseworker: User,
    parent: User,
    /// Asked for advice; the request is still open.
    asked: User,
    /// Asked for advice, and declined on the advice page: their access has closed.
    answered: User,
    /// Staff of the school consulted about being named (no access of their own to the case:
    /// their desk finds it by the consultation).
    school: User,
    viewer: User,
    scrutiny: User,
}

/// A professional of `organisation` with a second factor and `advice` access to `id`.
async fn professional(app: &TestApp, who: &str, organisation: &str, id: CaseId) -> User {
    let user = app
        .store
        .create_user(NewUser {
            email: format!("{who}@agency.example"),
            name: format!("Pat {who}"),
            role: Role::Professional,
            la: la_code(LA_CODE),
            organisation: Some(organisation.into()),
            password_hash: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.with_second_factor(&user).await;
    app.grant(&user, id, CaseAccess::ADVICE).await;
    user
}

/// A member of staff of the school [`SCHOOL_NAME`], with a second factor.
async fn school_staff(app: &TestApp) -> User {
    let la = la_code(LA_CODE);
    let organisation = app
        .store
        .create_organisation(&la, "school", SCHOOL_NAME, Some(SCHOOL_URN))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let user = app
        .store
        .create_user(NewUser {
            email: "senco@oakfield.example".into(),
            name: "Sam Senco".into(),
            role: Role::Professional,
            la,
            organisation: Some(SCHOOL_NAME.into()),
            password_hash: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.store
        .add_organisation_member(organisation.id, user.id, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.with_second_factor(&user).await;
    user
}

/// The case of a child born on `born`, with every kind of staff-only content and a served
/// draft, made through the API as a manager (so its letters and plans are kept as they would
/// be) and, for the declined request, through the advice page.
async fn fixture(born: NaiveDate) -> Fixture {
    let app = TestApp::spawn().await;
    let id = app.add_case_born("Ada", "Audience", born).await.id;
    let manager = app.add_user(Role::Manager, "aud-manager").await;
    let caseworker = app.add_user(Role::Caseworker, "aud-caseworker").await;
    let parent = app.add_user(Role::Parent, "aud-parent").await;
    app.grant(&parent, id, CaseAccess::PARENT).await;
    let asked = professional(&app, "asked", OPEN_ORGANISATION, id).await;
    let answered = professional(&app, "answered", ANSWERED_ORGANISATION, id).await;
    let viewer = app.add_user(Role::Viewer, "aud-viewer").await;
    let scrutiny = app.add_user(Role::Scrutiny, "aud-scrutiny").await;
    let token = app.api_token(&manager).await;
    let run = |command: Value| {
        let app = &app;
        let token = &token;
        async move {
            let answer = app.api_command(token, id, command.clone()).await;
            assert_eq!(answer.status, 200, "{command}: {}", answer.text);
        }
    };
    run(
        json!({"type": "decide_whether_to_assess", "on": "2026-01-15", "yes": true,
        "reasons": ""}),
    )
    .await;
    for organisation in [OPEN_ORGANISATION, ANSWERED_ORGANISATION] {
        run(
            json!({"type": "request_advice", "kind": "health", "organisation": organisation,
            "on": "2026-02-01"}),
        )
        .await;
    }
    // The second organisation says it cannot help, on its own page: its access ends.
    let mut desk = app.session_for(&answered).await;
    let page = desk.get(&format!("/advice/{}/2", id.0)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let page = desk
        .post(
            &format!("/advice/{}/2/decline", id.0),
            &[("reason", "not_known")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let open = app
        .store
        .open_case_access(answered.id, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        open.is_empty(),
        "the answered request closed access: {open:?}"
    );
    run(
        json!({"type": "record_exception", "kind": "missed_appointment",
        "from": "2026-02-10", "to": "2026-02-11", "note": EXCEPTION_NOTE}),
    )
    .await;
    run(json!({"type": "add_note", "text": STAFF_NOTE})).await;
    run(
        json!({"type": "allocate_caseworker", "caseworker": caseworker.id.to_string(),
        "note": HANDOVER_NOTE}),
    )
    .await;
    run(
        json!({"type": "decide_whether_to_issue", "on": iso(today() - Duration::days(30)),
        "yes": true, "reasons": ""}),
    )
    .await;
    run(json!({"type": "save_plan", "sections": {"a": "Likes trains", "b": SERVED_DRAFT}})).await;
    run(json!({"type": "serve_draft", "version": 1, "on": iso(today() - Duration::days(3))})).await;
    run(
        json!({"type": "consult_school", "on": iso(today() - Duration::days(2)),
        "setting": {"urn": SCHOOL_URN, "setting_code": null, "name": SCHOOL_NAME,
            "placement_type": "MS"}}),
    )
    .await;
    run(json!({"type": "save_plan", "sections": {"a": "Likes trains", "b": UNSENT_DRAFT}})).await;
    let school = school_staff(&app).await;
    Fixture {
        app,
        id,
        caseworker,
        parent,
        asked,
        answered,
        school,
        viewer,
        scrutiny,
    }
}

/// What one reader was given, gathered so that every leak is reported at once.
#[derive(Default)]
struct Reading {
    /// Every response read: who, what, status, body.
    seen: Vec<(String, u16, String)>,
    /// What went wrong.
    problems: Vec<String>,
}

impl Reading {
    fn read(&mut self, what: String, status: u16, body: String) {
        for marker in STAFF_ONLY {
            if body.contains(marker) {
                self.problems
                    .push(format!("{what} ({status}) shows staff-only {marker}"));
            }
        }
        self.seen.push((what, status, body));
    }

    /// Reads `path` as the browser, expecting one of `statuses`.
    async fn page(&mut self, browser: &mut Browser, path: &str, statuses: &[u16]) -> String {
        let page = browser.get(path).await;
        let status = page.status.as_u16();
        if !statuses.contains(&status) {
            self.problems
                .push(format!("GET {path} answered {status}, not {statuses:?}"));
        }
        self.read(format!("GET {path}"), status, page.body.clone());
        page.body
    }

    /// Reads `path` as bytes (a download).
    async fn download(&mut self, browser: &Browser, path: &str, statuses: &[u16]) -> Vec<u8> {
        let response = browser
            .client
            .get(format!("{}{path}", browser.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap_or_default().to_vec();
        if !statuses.contains(&status) {
            self.problems
                .push(format!("GET {path} answered {status}, not {statuses:?}"));
        }
        self.read(
            format!("GET {path}"),
            status,
            String::from_utf8_lossy(&bytes).into_owned(),
        );
        bytes
    }

    /// Reads an API path with the token, expecting `status`.
    async fn api(&mut self, app: &TestApp, token: &str, path: &str, status: u16) -> String {
        let answer = app.api_get(path, token).await;
        if answer.status != status {
            self.problems.push(format!(
                "GET {path} (API) answered {}, not {status}",
                answer.status
            ));
        }
        self.read(
            format!("GET {path} (API)"),
            answer.status,
            answer.text.clone(),
        );
        answer.text
    }

    /// Runs a command through the API, expecting `status`; reads the answer.
    async fn command(
        &mut self,
        app: &TestApp,
        token: &str,
        id: CaseId,
        command: Value,
        status: u16,
    ) -> String {
        let answer = app.api_command(token, id, command.clone()).await;
        if answer.status != status {
            self.problems.push(format!(
                "the API answered {command} with {}, not {status}: {}",
                answer.status, answer.text
            ));
        }
        self.read(
            format!("POST /api/v1/cases/{}/commands {command}", id.0),
            answer.status,
            answer.text.clone(),
        );
        answer.text
    }

    fn assert_clean(&self, who: &str) {
        assert!(
            self.problems.is_empty(),
            "{who}: {} problem(s):\n{}",
            self.problems.len(),
            self.problems.join("\n")
        );
        assert!(!self.seen.is_empty());
    }
}

/// Pages of the staff side that no one outside the council may use, on this case.
fn staff_paths(id: CaseId, doc: i64) -> Vec<String> {
    let n = id.0;
    vec![
        format!("/cases/{n}/plan"),
        format!("/cases/{n}/plan/versions/1"),
        format!("/cases/{n}/plan/versions/2"),
        format!("/cases/{n}/plan/versions/2/pdf"),
        format!("/cases/{n}/plan/changes?from=1&to=2"),
        format!("/cases/{n}/add-note"),
        format!("/cases/{n}/record-exception"),
        format!("/cases/{n}/allocate"),
        format!("/cases/{n}/invite"),
        format!("/cases/{n}/documents/{doc}"),
    ]
}

/// The documents of the case: (id, kind).
async fn documents(f: &Fixture) -> Vec<(i64, String)> {
    f.app
        .store
        .documents(&la_code(LA_CODE), f.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|d| (d.id, d.kind))
        .collect()
}

/// Everything a family member (parent or young person) can reach, read for markers; the
/// served draft must reach them.
async fn family_reads_no_staff_content(f: &Fixture, member: &User) {
    let n = f.id.0;
    let mut reading = Reading::default();
    let mut browser = f.app.session_for(member).await;
    reading.page(&mut browser, "/my-cases", &[200]).await;
    reading
        .page(&mut browser, &format!("/cases/{n}"), &[303])
        .await;
    reading
        .page(&mut browser, &format!("/my-cases/{n}"), &[200])
        .await;
    let draft = reading
        .page(&mut browser, &format!("/my-cases/{n}/draft"), &[200])
        .await;
    assert!(
        draft.contains(SERVED_DRAFT),
        "the served draft reaches the family on their draft page: {draft}"
    );
    reading
        .page(&mut browser, &format!("/my-cases/{n}/views"), &[200])
        .await;
    // The list of threads sends them to their own.
    reading
        .page(&mut browser, &format!("/cases/{n}/messages"), &[303])
        .await;
    reading
        .page(
            &mut browser,
            &format!("/cases/{n}/messages/{}", member.id.0),
            &[200],
        )
        .await;
    // Nobody else's thread.
    reading
        .page(
            &mut browser,
            &format!("/cases/{n}/messages/{}", f.asked.id.0),
            &[404],
        )
        .await;
    let docs = documents(f).await;
    let mut sent = 0;
    for (doc, kind) in &docs {
        let theirs = kind == "letter" || kind == "plan";
        let bytes = reading
            .download(
                &browser,
                &format!("/my-cases/{n}/documents/{doc}"),
                if theirs { &[200] } else { &[404] },
            )
            .await;
        if theirs {
            assert!(bytes.starts_with(b"%PDF"), "document {doc} ({kind})");
            sent += 1;
        }
    }
    // The decision letter and the served draft; nothing for the unsent version.
    assert_eq!(sent, 2, "{docs:?}");
    let any_doc = docs.first().map_or(0, |(d, _)| *d);
    for path in staff_paths(f.id, any_doc) {
        reading.page(&mut browser, &path, &[403, 404]).await;
    }
    reading.page(&mut browser, "/advice", &[403]).await;
    reading
        .page(&mut browser, &format!("/advice/{n}/1"), &[403, 404])
        .await;

    let token = f.app.api_token(member).await;
    let case = reading
        .api(&f.app, &token, &format!("/api/v1/cases/{n}"), 200)
        .await;
    let history = reading
        .api(&f.app, &token, &format!("/api/v1/cases/{n}/history"), 200)
        .await;
    assert!(
        history.contains(SERVED_DRAFT),
        "the served draft is in the family's history: {history}"
    );
    assert!(case.contains("Ada"), "{case}");
    reading
        .api(&f.app, &token, &format!("/api/v1/cases/{n}/documents"), 403)
        .await;
    // Their comments on the draft, sent through the API: the answer is their view too.
    let answer = reading
        .command(
            &f.app,
            &token,
            f.id,
            json!({"type": "record_representations", "on": iso(today()),
                "requested_school": "Oakfield Primary School"}),
            200,
        )
        .await;
    assert!(answer.contains("Oakfield Primary School"), "{answer}");
    // A command only staff may run is refused, saying nothing of the case's notes.
    reading
        .command(
            &f.app,
            &token,
            f.id,
            json!({"type": "add_note", "text": "x"}),
            422,
        )
        .await;
    // And the pages after it.
    reading
        .page(&mut browser, &format!("/my-cases/{n}"), &[200])
        .await;
    reading.assert_clean("the family");
}

#[tokio::test]
async fn a_parent_never_sees_staff_notes_handover_or_exception_notes_or_unsent_drafts() {
    let f = fixture(NaiveDate::from_ymd_opt(2016, 3, 1).unwrap_or_default()).await;
    family_reads_no_staff_content(&f, &f.parent).await;
}

#[tokio::test]
async fn a_young_person_with_their_own_account_never_sees_staff_only_content() {
    // 17 years old: a young person has their own account (a parent account of their own
    // case).
    let born = today() - Duration::days(17 * 365 + 30);
    let f = fixture(born).await;
    let young_person = f.app.add_user(Role::Parent, "aud-young-person").await;
    f.app.grant(&young_person, f.id, CaseAccess::PARENT).await;
    family_reads_no_staff_content(&f, &young_person).await;
}

#[tokio::test]
async fn a_professional_asked_for_advice_never_sees_staff_only_content() {
    let f = fixture(NaiveDate::from_ymd_opt(2016, 3, 1).unwrap_or_default()).await;
    let n = f.id.0;
    let mut reading = Reading::default();
    let mut browser = f.app.session_for(&f.asked).await;
    let desk = reading.page(&mut browser, "/advice", &[200]).await;
    assert!(desk.contains("Ada"), "their desk lists the request: {desk}");
    reading
        .page(&mut browser, &format!("/advice/{n}/1"), &[200])
        .await;
    // The other organisation's request is not theirs.
    reading
        .page(&mut browser, &format!("/advice/{n}/2"), &[404])
        .await;
    reading
        .page(&mut browser, &format!("/cases/{n}"), &[200])
        .await;
    reading
        .page(&mut browser, &format!("/cases/{n}/messages"), &[303])
        .await;
    reading
        .page(
            &mut browser,
            &format!("/cases/{n}/messages/{}", f.asked.id.0),
            &[200],
        )
        .await;
    reading
        .page(
            &mut browser,
            &format!("/cases/{n}/messages/{}", f.parent.id.0),
            &[404],
        )
        .await;
    reading
        .page(&mut browser, &format!("/my-cases/{n}"), &[403])
        .await;
    let docs = documents(&f).await;
    for (doc, _) in &docs {
        reading
            .download(&browser, &format!("/cases/{n}/documents/{doc}"), &[403])
            .await;
    }
    for path in staff_paths(f.id, docs.first().map_or(0, |(d, _)| *d)) {
        reading.page(&mut browser, &path, &[403, 404]).await;
    }

    let token = f.app.api_token(&f.asked).await;
    reading
        .api(&f.app, &token, &format!("/api/v1/cases/{n}"), 200)
        .await;
    reading
        .api(&f.app, &token, &format!("/api/v1/cases/{n}/history"), 200)
        .await;
    reading
        .api(&f.app, &token, &format!("/api/v1/cases/{n}/documents"), 403)
        .await;
    reading
        .command(
            &f.app,
            &token,
            f.id,
            json!({"type": "add_note", "text": "x"}),
            422,
        )
        .await;
    reading
        .command(
            &f.app,
            &token,
            f.id,
            json!({"type": "decline_advice_request", "number": 1,
                "reason": "The child is not known to our service"}),
            200,
        )
        .await;
    reading.assert_clean("the professional asked for advice");
}

#[tokio::test]
async fn a_professional_whose_request_is_answered_reaches_nothing_of_the_case() {
    let f = fixture(NaiveDate::from_ymd_opt(2016, 3, 1).unwrap_or_default()).await;
    let n = f.id.0;
    let mut reading = Reading::default();
    let mut browser = f.app.session_for(&f.answered).await;
    let desk = reading.page(&mut browser, "/advice", &[200]).await;
    assert!(
        !desk.contains("Audience"),
        "the case left their desk: {desk}"
    );
    for path in [
        format!("/advice/{n}/1"),
        format!("/advice/{n}/2"),
        format!("/cases/{n}"),
        format!("/cases/{n}/messages"),
        format!("/cases/{n}/messages/{}", f.answered.id.0),
    ] {
        reading.page(&mut browser, &path, &[404]).await;
    }
    let docs = documents(&f).await;
    for path in staff_paths(f.id, docs.first().map_or(0, |(d, _)| *d)) {
        reading.page(&mut browser, &path, &[403, 404]).await;
    }
    let token = f.app.api_token(&f.answered).await;
    for path in [
        format!("/api/v1/cases/{n}"),
        format!("/api/v1/cases/{n}/history"),
        format!("/api/v1/cases/{n}/documents"),
    ] {
        reading.api(&f.app, &token, &path, 404).await;
    }
    reading
        .command(
            &f.app,
            &token,
            f.id,
            json!({"type": "record_advice_received", "number": 2, "on": iso(today()),
                "document": null}),
            404,
        )
        .await;
    for (_, _, body) in &reading.seen {
        assert!(!body.contains(SERVED_DRAFT), "{body}");
    }
    reading.assert_clean("the professional whose request was answered");
}

#[tokio::test]
async fn viewers_and_scrutiny_members_are_refused_every_page_and_api_route_of_the_case() {
    let f = fixture(NaiveDate::from_ymd_opt(2016, 3, 1).unwrap_or_default()).await;
    let n = f.id.0;
    let docs = documents(&f).await;
    for (who, user) in [("viewer", &f.viewer), ("scrutiny member", &f.scrutiny)] {
        let mut reading = Reading::default();
        let mut browser = f.app.session_for(user).await;
        let mut paths = vec![
            format!("/cases/{n}"),
            format!("/my-cases/{n}"),
            format!("/my-cases/{n}/draft"),
            format!("/my-cases/{n}/views"),
            format!("/advice/{n}/1"),
            format!("/cases/{n}/messages"),
            format!("/cases/{n}/messages/{}", f.parent.id.0),
            format!("/cases/{n}/messages/{}", f.asked.id.0),
        ];
        for (doc, _) in &docs {
            paths.push(format!("/my-cases/{n}/documents/{doc}"));
            paths.push(format!("/cases/{n}/documents/{doc}"));
        }
        paths.extend(staff_paths(f.id, docs.first().map_or(0, |(d, _)| *d)));
        for path in &paths {
            reading.page(&mut browser, path, &[403, 404]).await;
        }
        reading.page(&mut browser, "/advice", &[403]).await;
        let token = f.app.api_token(user).await;
        for path in [
            format!("/api/v1/cases/{n}"),
            format!("/api/v1/cases/{n}/history"),
            format!("/api/v1/cases/{n}/documents"),
        ] {
            reading.api(&f.app, &token, &path, 403).await;
        }
        reading
            .command(
                &f.app,
                &token,
                f.id,
                json!({"type": "add_note", "text": "x"}),
                403,
            )
            .await;
        for (what, _, body) in &reading.seen {
            for marker in [SERVED_DRAFT, "Audience"] {
                assert!(!body.contains(marker), "{who}: {what} shows {marker}");
            }
        }
        reading.assert_clean(who);
    }
}

#[tokio::test]
async fn staff_see_every_note_and_every_version_of_the_plan() {
    let f = fixture(NaiveDate::from_ymd_opt(2016, 3, 1).unwrap_or_default()).await;
    let n = f.id.0;
    let mut browser = f.app.session_for(&f.caseworker).await;
    let mut pages = String::new();
    for path in [
        format!("/cases/{n}"),
        format!("/cases/{n}/plan"),
        format!("/cases/{n}/plan/versions/1"),
        format!("/cases/{n}/plan/versions/2"),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 200, "GET {path}: {}", page.body);
        pages.push_str(&page.body);
    }
    let token = f.app.api_token(&f.caseworker).await;
    let history = f
        .app
        .api_get(&format!("/api/v1/cases/{n}/history"), &token)
        .await;
    assert_eq!(history.status, 200, "{}", history.text);
    let case = f.app.api_get(&format!("/api/v1/cases/{n}"), &token).await;
    assert_eq!(case.status, 200, "{}", case.text);
    for marker in STAFF_ONLY.into_iter().chain([SERVED_DRAFT]) {
        assert!(pages.contains(marker), "staff pages show {marker}");
        assert!(
            history.text.contains(marker),
            "the API history shows staff {marker}"
        );
    }
    // The case record itself keeps the exception note and both versions.
    for marker in [EXCEPTION_NOTE, UNSENT_DRAFT, SERVED_DRAFT] {
        assert!(
            case.text.contains(marker),
            "the API case shows staff {marker}"
        );
    }
    // A command's answer to staff is the whole record too.
    let answer = f
        .app
        .api_command(
            &token,
            f.id,
            json!({"type": "add_note", "text": "Called school"}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    for marker in [EXCEPTION_NOTE, UNSENT_DRAFT] {
        assert!(answer.text.contains(marker), "{marker} in {}", answer.text);
    }
}

#[tokio::test]
async fn a_school_consulted_about_the_child_never_sees_staff_only_content() {
    let f = fixture(NaiveDate::from_ymd_opt(2016, 3, 1).unwrap_or_default()).await;
    let n = f.id.0;
    let mut reading = Reading::default();
    let mut browser = f.app.session_for(&f.school).await;
    let desk = reading.page(&mut browser, "/advice", &[200]).await;
    assert!(
        desk.contains("Ada"),
        "their desk lists the consultation: {desk}"
    );
    reading
        .page(&mut browser, &format!("/consultations/{n}/1"), &[200])
        .await;
    // The case itself is not theirs: only the consultation.
    for path in [
        format!("/cases/{n}"),
        format!("/advice/{n}/1"),
        format!("/cases/{n}/messages"),
        format!("/cases/{n}/messages/{}", f.school.id.0),
    ] {
        reading.page(&mut browser, &path, &[404]).await;
    }
    let docs = documents(&f).await;
    for path in staff_paths(f.id, docs.first().map_or(0, |(d, _)| *d)) {
        reading.page(&mut browser, &path, &[403, 404]).await;
    }
    let token = f.app.api_token(&f.school).await;
    for path in [
        format!("/api/v1/cases/{n}"),
        format!("/api/v1/cases/{n}/history"),
    ] {
        reading.api(&f.app, &token, &path, 404).await;
    }
    reading.assert_clean("the school consulted");
}

#[tokio::test]
async fn a_professional_who_answers_through_the_api_no_longer_reaches_the_case() {
    let f = fixture(NaiveDate::from_ymd_opt(2016, 3, 1).unwrap_or_default()).await;
    let n = f.id.0;
    let token = f.app.api_token(&f.asked).await;
    let answer = f
        .app
        .api_command(
            &token,
            f.id,
            json!({"type": "decline_advice_request", "number": 1,
                "reason": "The child is not known to our service"}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let case = f.app.api_get(&format!("/api/v1/cases/{n}"), &token).await;
    assert_eq!(case.status, 404, "{}", case.text);
    let mut browser = f.app.session_for(&f.asked).await;
    let page = browser.get(&format!("/cases/{n}")).await;
    assert_eq!(page.status, 404, "{}", page.body);
}
