//! Invitations, professionals and their organisations, over HTTP against the real app: a
//! caseworker invites, the professional accepts and must set up two-factor authentication,
//! then sees only the advice asked of their organisation; advice sent or declined closes the
//! child's record to them; a school answers its own consultations only; an organisation's
//! administrator invites and removes colleagues; links work once and not after they expire;
//! another council's cases do not exist.

use chrono::{Duration, NaiveDate, Utc};
use reqwest::multipart;
use waymark_store::cases;
use waymark_store::domain::actor::{Actor, Role};
use waymark_store::domain::case::{AdviceKind, Placement, PlanSections};
use waymark_store::domain::command::Command;
use waymark_store::domain::event::Event;
use waymark_store::portal::NewInvitation;
use waymark_store::prelude::*;
use waymark_store::{CaseAccess, CaseId, NewUser, User};

use crate::app::{Browser, LA_CODE, OTHER_LA_CODE, PASSWORD, Page, TestApp, input_value, la_code};

fn today() -> NaiveDate {
    waymark_web::uk_time::today()
}

fn days_ago(n: i64) -> NaiveDate {
    today() - Duration::days(n)
}

/// Runs a command on a case as a caseworker of `la` would.
async fn run(app: &TestApp, la: &str, id: CaseId, command: Command) {
    let la = la_code(la);
    let loaded = cases::load(&app.store, &la, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no case {id:?}"));
    let actor = Actor {
        user: "seed".into(),
        role: Role::Caseworker,
        la: la.clone(),
    };
    cases::execute(
        &app.store,
        &la,
        id,
        loaded.version,
        &command,
        &actor,
        today(),
        Utc::now(),
    )
    .await
    .unwrap_or_else(|e| panic!("{command:?}: {e}"));
}

/// A case of `la` being assessed, with advice asked of each organisation, 10 days ago.
async fn case_asking(app: &TestApp, la: &str, given: &str, asked: &[&str]) -> CaseId {
    let id = app.add_case_in(la, given, "Child").await.id;
    run(
        app,
        la,
        id,
        Command::DecideWhetherToAssess {
            on: days_ago(20),
            yes: true,
            reasons: String::new(),
        },
    )
    .await;
    for organisation in asked {
        run(
            app,
            la,
            id,
            Command::RequestAdvice {
                kind: AdviceKind::Health,
                organisation: (*organisation).to_string(),
                on: days_ago(10),
            },
        )
        .await;
    }
    id
}

fn school(urn: &str, name: &str) -> Placement {
    Placement {
        urn: Some(urn.into()),
        setting_code: None,
        name: name.into(),
        placement_type: "MS".into(),
    }
}

/// A case whose draft plan was sent, with each school consulted.
async fn case_consulting(app: &TestApp, given: &str, schools: &[Placement]) -> CaseId {
    let id = app.add_case(given, "Child").await.id;
    for command in [
        Command::DecideWhetherToAssess {
            on: days_ago(120),
            yes: true,
            reasons: String::new(),
        },
        Command::DecideWhetherToIssue {
            on: days_ago(60),
            yes: true,
            reasons: String::new(),
        },
        Command::SavePlan {
            sections: PlanSections {
                a: "Likes trains".into(),
                ..PlanSections::default()
            },
        },
        Command::ServeDraft {
            version: 1,
            on: days_ago(5),
        },
    ] {
        run(app, LA_CODE, id, command).await;
    }
    for setting in schools {
        run(
            app,
            LA_CODE,
            id,
            Command::ConsultSchool {
                setting: setting.clone(),
                on: days_ago(3),
            },
        )
        .await;
    }
    id
}

/// A professional of an organisation (registered here), with a second factor set up and a
/// session.
async fn professional(
    app: &TestApp,
    who: &str,
    organisation: (&str, &str, Option<&str>),
    admin: bool,
) -> (User, i64, Browser) {
    let (kind, name, urn) = organisation;
    let la = la_code(LA_CODE);
    let existing = app
        .store
        .organisations(&la)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .find(|o| o.name == name);
    let organisation = match existing {
        Some(o) => o,
        None => app
            .store
            .create_organisation(&la, kind, name, urn)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    };
    let user = app
        .store
        .create_user(NewUser {
            email: format!("{who}@agency.example"),
            name: format!("Pat {who}"),
            role: Role::Professional,
            la,
            organisation: Some(name.to_string()),
            password_hash: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.store
        .add_organisation_member(organisation.id, user.id, admin)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let secret = waymark_web::two_factor::new_secret().unwrap_or_else(|e| panic!("{e:?}"));
    app.store
        .set_totp_secret(user.id, Some(&secret))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut browser = app.session_for(&user).await;
    browser.get("/advice").await;
    (user, organisation.id, browser)
}

/// The token in the link an invitation page shows.
fn token_of(page: &Page) -> String {
    let start = page
        .body
        .find("id=\"invitation-link\">")
        .unwrap_or_else(|| panic!("no link: {}", page.body));
    let rest = &page.body[start..];
    let token = rest
        .split("/invitations/")
        .nth(1)
        .and_then(|t| t.split('<').next())
        .unwrap_or_default();
    assert_eq!(token.len(), 64, "{rest}");
    token.to_string()
}

/// Sets up two-factor authentication through the account page, as the app would.
async fn set_up_two_factor(browser: &mut Browser) {
    let page = browser.get("/account/two-factor").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let secret = input_value(&page.body, "secret")
        .unwrap_or_else(|| panic!("no secret: {}", page.body))
        .to_string();
    let now = u64::try_from(Utc::now().timestamp()).unwrap_or_default();
    let code = waymark_web::two_factor::code_at(&secret, now).unwrap_or_default();
    let done = browser
        .post(
            "/account/two-factor",
            &[("secret", &secret), ("code", &code)],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
}

/// Accepts an invitation with a new account in a fresh browser.
async fn accept_new(app: &TestApp, token: &str) -> (Page, Browser) {
    let mut browser = Browser::new(app);
    let page = browser.get(&format!("/invitations/{token}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Set up your account"), "{}", page.body);
    let answer = browser
        .post(
            &format!("/invitations/{token}"),
            &[
                ("new_password", "copper kettle lantern"),
                ("confirm_password", "copper kettle lantern"),
            ],
        )
        .await;
    (answer, browser)
}

async fn multipart_post(
    browser: &Browser,
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

async fn load(app: &TestApp, id: CaseId) -> cases::LoadedCase {
    cases::load(&app.store, &la_code(LA_CODE), id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no case"))
}

#[tokio::test]
async fn an_invited_professional_sets_a_password_and_two_factor_then_sees_only_their_advice() {
    let app = TestApp::spawn().await;
    let asked = case_asking(
        &app,
        LA_CODE,
        "Ada",
        &["Riverside NHS Trust", "Hillside Primary"],
    )
    .await;
    let elsewhere = case_asking(&app, LA_CODE, "Bea", &["Riverside NHS Trust"]).await;
    let (_, mut caseworker) = app.sign_in_as(Role::Caseworker).await;
    let form = caseworker.get(&format!("/cases/{}/invite", asked.0)).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(
        form.body
            .contains("Advice is awaited from Riverside NHS Trust, Hillside Primary")
    );
    let case_page = caseworker.get(&format!("/cases/{}", asked.0)).await;
    assert!(
        case_page
            .body
            .contains(&format!("href=\"/cases/{}/invite\"", asked.0))
    );

    // Mistakes first: nothing chosen, no organisation, a bad email.
    let page = caseworker
        .post(
            &format!("/cases/{}/invite", asked.0),
            &[
                ("kind", "professional"),
                ("name", "Dr Rao"),
                ("email", "rao"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("Select their organisation, or register a new one")
    );
    assert!(
        page.body
            .contains("Enter an email address in the correct format")
    );

    let page = caseworker
        .post(
            &format!("/cases/{}/invite", asked.0),
            &[
                ("kind", "professional"),
                ("name", "Dr Rao"),
                ("email", "rao@riverside.nhs.example"),
                ("organisation", "new"),
                ("org_kind", "health"),
                ("org_name", "Riverside NHS Trust"),
                ("relation", "advice"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Invitation sent"));
    let token = token_of(&page);
    // The token is shown, the database keeps only its hash, and an email is queued.
    let stored = app
        .store
        .find_invitation(&waymark_web::token::hash(&token))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no invitation"));
    assert_eq!(stored.case_id, Some(asked));
    assert!(stored.expires_at > Utc::now() + Duration::days(6));
    let queued = app.store.notifications(10).await.unwrap_or_default();
    assert!(queued.iter().any(|n| {
        n.template == "invite"
            && n.recipient == "rao@riverside.nhs.example"
            && n.personalisation["link"]
                .as_str()
                .is_some_and(|l| l.ends_with(&token))
    }));

    // A password that breaks the rules is refused; a good one makes the account.
    let mut browser = Browser::new(&app);
    browser.get(&format!("/invitations/{token}")).await;
    let weak = browser
        .post(
            &format!("/invitations/{token}"),
            &[("new_password", "short"), ("confirm_password", "short")],
        )
        .await;
    assert_eq!(weak.status, 422, "{}", weak.body);
    let (answer, mut browser) = accept_new(&app, &token).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.header("location"), "/account/two-factor");
    let account = app
        .store
        .find_user_by_email("rao@riverside.nhs.example")
        .await
        .unwrap_or_default()
        .unwrap_or_else(|| panic!("no account"));
    assert_eq!(account.role, Role::Professional);
    assert_eq!(account.organisation.as_deref(), Some("Riverside NHS Trust"));

    // Nothing opens before two-factor authentication is set up.
    for path in [
        "/advice".to_string(),
        format!("/advice/{}/1", asked.0),
        "/organisation".to_string(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 303, "{path}");
        assert_eq!(page.header("location"), "/account/two-factor", "{path}");
    }
    set_up_two_factor(&mut browser).await;

    let home = browser.get("/advice").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("Ada Child"), "{}", home.body);
    assert!(home.body.contains(&format!("/advice/{}/1", asked.0)));
    // Not the other organisation's request on the same case, not another child.
    assert!(!home.body.contains(&format!("/advice/{}/2", asked.0)));
    assert!(!home.body.contains("Bea Child"));
    assert!(!home.body.contains(&format!("/advice/{}/", elsewhere.0)));
    assert!(home.body.contains("32 days left"), "{}", home.body);
    assert_eq!(
        browser.get(&format!("/advice/{}/2", asked.0)).await.status,
        404
    );
    assert_eq!(
        browser
            .get(&format!("/advice/{}/1", elsewhere.0))
            .await
            .status,
        404
    );
    let request = browser.get(&format!("/advice/{}/1", asked.0)).await;
    assert_eq!(request.status, 200);
    assert!(request.body.contains("Needs are not being met"));
    assert!(
        request
            .body
            .contains(&format!("/cases/{}/messages", asked.0))
    );

    // The caseworker sees the invitation accepted.
    let list = caseworker.get(&format!("/cases/{}/invite", asked.0)).await;
    assert!(list.body.contains("Accepted"), "{}", list.body);
}

#[tokio::test]
async fn an_invitation_link_works_once_and_not_after_it_expires() {
    let app = TestApp::spawn().await;
    let id = app.add_case("Ada", "Child").await.id;
    let (caseworker_user, mut caseworker) = app.sign_in_as(Role::Caseworker).await;
    let page = caseworker
        .post(
            &format!("/cases/{}/invite", id.0),
            &[
                ("kind", "parent"),
                ("name", "Mary Child"),
                ("email", "mary@family.example"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let token = token_of(&page);
    let (answer, mut parent) = accept_new(&app, &token).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let account = app
        .store
        .find_user_by_email("mary@family.example")
        .await
        .unwrap_or_default()
        .unwrap_or_else(|| panic!("no account"));
    let open = app
        .store
        .open_case_access(account.id, id)
        .await
        .unwrap_or_default();
    assert!(open.iter().any(|a| a.relation == CaseAccess::PARENT));
    assert_eq!(parent.get("/account").await.status, 200);

    // Used: gone, for anyone, and nothing changes.
    let mut stranger = Browser::new(&app);
    let again = stranger.get(&format!("/invitations/{token}")).await;
    assert_eq!(again.status, 410);
    assert!(again.body.contains("This invitation has been used"));
    // (The form's token, as a page with the form would have given it.)
    stranger.get("/sign-in").await;
    let post = stranger
        .post(
            &format!("/invitations/{token}"),
            &[
                ("new_password", "another long password"),
                ("confirm_password", "another long password"),
            ],
        )
        .await;
    assert_eq!(post.status, 410);

    // Expired (made with a past expiry in the store): gone too.
    let expired = "e".repeat(64);
    app.store
        .create_invitation(&NewInvitation {
            token_hash: waymark_web::token::hash(&expired),
            la: la_code(LA_CODE),
            email: "late@family.example".into(),
            name: "Late Parent".into(),
            role: Role::Parent,
            young_person: false,
            organisation_id: None,
            organisation_admin: false,
            case: Some((id, CaseAccess::PARENT.into())),
            invited_by: caseworker_user.id,
            created_at: Utc::now() - Duration::days(8),
            expires_at: Utc::now() - Duration::days(1),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let page = stranger.get(&format!("/invitations/{expired}")).await;
    assert_eq!(page.status, 410);
    assert!(page.body.contains("This invitation has expired"));
    let post = stranger
        .post(
            &format!("/invitations/{expired}"),
            &[
                ("new_password", "another long password"),
                ("confirm_password", "another long password"),
            ],
        )
        .await;
    assert_eq!(post.status, 410);
    assert!(
        app.store
            .find_user_by_email("late@family.example")
            .await
            .unwrap_or_default()
            .is_none()
    );
    // A link never made, or not even a token.
    for bad in ["f".repeat(64), "not-a-token".to_string()] {
        let page = stranger.get(&format!("/invitations/{bad}")).await;
        assert_eq!(page.status, 404, "{bad}");
        assert!(page.body.contains("This invitation link is not right"));
    }
    // The caseworker sees which is which.
    let list = caseworker.get(&format!("/cases/{}/invite", id.0)).await;
    assert!(list.body.contains("Accepted"), "{}", list.body);
    assert!(list.body.contains("Expired"), "{}", list.body);
}

#[tokio::test]
async fn someone_with_an_account_signs_in_first_and_a_child_under_16_has_no_account() {
    let app = TestApp::spawn().await;
    let id = app.add_case("Ada", "Child").await.id;
    let (_, mut caseworker) = app.sign_in_as(Role::Caseworker).await;
    // Ada was born in 2016: too young for an account of her own.
    let page = caseworker
        .post(
            &format!("/cases/{}/invite", id.0),
            &[
                ("kind", "young_person"),
                ("name", "Ada Child"),
                ("email", "ada@family.example"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("a young person can have their own account from 16")
    );

    let parent = app.add_user(Role::Parent, "existing").await;
    let page = caseworker
        .post(
            &format!("/cases/{}/invite", id.0),
            &[
                ("kind", "parent"),
                ("name", &parent.name),
                ("email", &parent.email),
            ],
        )
        .await;
    let token = token_of(&page);
    let mut browser = Browser::new(&app);
    let page = browser.get(&format!("/invitations/{token}")).await;
    assert!(page.body.contains("Sign in to accept"), "{}", page.body);
    let signed_in = browser.sign_in(&parent.email, PASSWORD).await;
    assert_eq!(signed_in.status, 303);
    let page = browser.get(&format!("/invitations/{token}")).await;
    assert!(page.body.contains("Accept the invitation"), "{}", page.body);
    let answer = browser.post(&format!("/invitations/{token}"), &[]).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let open = app
        .store
        .open_case_access(parent.id, id)
        .await
        .unwrap_or_default();
    assert!(open.iter().any(|a| a.relation == CaseAccess::PARENT));
}

#[tokio::test]
async fn advice_sent_is_on_the_case_with_its_document_and_the_child_closes_to_them() {
    let app = TestApp::spawn().await;
    let id = case_asking(&app, LA_CODE, "Ada", &["Riverside NHS Trust"]).await;
    let (user, _, mut browser) =
        professional(&app, "rao", ("health", "Riverside NHS Trust", None), false).await;
    app.grant(&user, id, CaseAccess::ADVICE).await;
    let page = browser.get(&format!("/advice/{}/1", id.0)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(browser.get(&format!("/cases/{}", id.0)).await.status, 200);

    // No file: the summary typed is kept, and the page says what is missing.
    let path = format!("/advice/{}/1", id.0);
    let page = multipart_post(&browser, &path, &[("needs", "Speech and language")], None).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Select the file with your advice"));
    assert!(page.body.contains("Speech and language"));
    let page = multipart_post(
        &browser,
        &path,
        &[("needs", "Speech")],
        Some(("advice.txt", b"hello".to_vec())),
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("must be a PDF, Word document"));

    let answer = multipart_post(
        &browser,
        &path,
        &[
            ("needs", "Speech and language needs"),
            ("provision", "Therapy weekly"),
            ("outcomes", "Talks in sentences"),
        ],
        Some(("advice.pdf", b"%PDF-1.4 advice".to_vec())),
    )
    .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.header("location"), "/advice?done=advice-sent");

    let loaded = load(&app, id).await;
    let advice = &loaded.case.advice[0];
    assert_eq!(advice.received, Some(today()));
    let document: i64 = advice
        .document
        .as_deref()
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no document"));
    let stored = app
        .store
        .document(&la_code(LA_CODE), id, document)
        .await
        .unwrap_or_default()
        .unwrap_or_else(|| panic!("document not stored"));
    assert_eq!(stored.info.kind, "advice");
    assert_eq!(stored.info.title, "Advice from Riverside NHS Trust");
    let summary = app
        .store
        .contributions(&la_code(LA_CODE), id, "advice_summary")
        .await
        .unwrap_or_default();
    assert_eq!(summary.len(), 3);
    assert!(summary.iter().all(|c| c.submitted_at.is_some()));
    assert!(summary.iter().any(|c| c.text == "Therapy weekly"));

    // Answered: the child's record is closed to them.
    assert_eq!(browser.get(&format!("/cases/{}", id.0)).await.status, 404);
    assert_eq!(browser.get(&path).await.status, 404);
    let home = browser.get("/advice?done=advice-sent").await;
    assert!(home.body.contains("Your advice has been sent"));
    assert!(!home.body.contains("Ada Child"), "{}", home.body);
}

#[tokio::test]
async fn declining_records_the_reason_and_stops_the_clock() {
    let app = TestApp::spawn().await;
    let id = case_asking(&app, LA_CODE, "Ada", &["Hillside EP Service", "Riverside"]).await;
    let (user, _, mut browser) = professional(
        &app,
        "ep",
        ("educational_psychology", "Hillside EP Service", None),
        false,
    )
    .await;
    app.grant(&user, id, CaseAccess::ADVICE).await;
    let path = format!("/advice/{}/1/decline", id.0);
    browser.get(&format!("/advice/{}/1", id.0)).await;
    let page = browser.post(&path, &[("reason", "other")]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Enter why you cannot give this advice"));
    let answer = browser
        .post(
            &path,
            &[
                ("reason", "not_known"),
                ("details", "Try the county service"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let loaded = load(&app, id).await;
    assert_eq!(loaded.case.advice[0].received, Some(today()));
    assert_eq!(loaded.case.advice[0].document, None);
    assert_eq!(loaded.case.advice[1].received, None);
    let history = cases::history(&app.store, &la_code(LA_CODE), id)
        .await
        .unwrap_or_default();
    assert!(history.iter().any(|h| matches!(&h.event,
        Event::AdviceDeclined { number: 1, reason, .. }
            if reason == "The child is not known to our service: Try the county service")));
    // The caseworker reads it in the case's timeline.
    let (_, mut caseworker) = app.sign_in_as(Role::Caseworker).await;
    let case = caseworker.get(&format!("/cases/{}", id.0)).await;
    assert!(
        case.body.contains("Advice request 1 declined"),
        "{}",
        case.body
    );
    assert_eq!(browser.get(&format!("/cases/{}", id.0)).await.status, 404);
}

#[tokio::test]
async fn a_request_answered_by_the_council_closes_the_child_to_the_professional() {
    let app = TestApp::spawn().await;
    let id = case_asking(&app, LA_CODE, "Ada", &["Riverside NHS Trust"]).await;
    let (user, _, mut browser) =
        professional(&app, "rao", ("health", "Riverside NHS Trust", None), false).await;
    app.grant(&user, id, CaseAccess::ADVICE).await;
    assert!(browser.get("/advice").await.body.contains("Ada Child"));
    // The caseworker records the advice as it came by post.
    run(
        &app,
        LA_CODE,
        id,
        Command::RecordAdviceReceived {
            number: 1,
            on: today(),
            document: None,
        },
    )
    .await;
    let home = browser.get("/advice").await;
    assert_eq!(home.status, 200);
    assert!(!home.body.contains("Ada Child"), "{}", home.body);
    assert!(home.body.contains("No advice is asked of you now"));
    assert_eq!(browser.get(&format!("/cases/{}", id.0)).await.status, 404);
}

#[tokio::test]
async fn a_senco_answers_their_own_schools_consultation_only() {
    let app = TestApp::spawn().await;
    let id = case_consulting(
        &app,
        "Ada",
        &[
            school("100001", "Hillside Primary"),
            school("100002", "Oakfield Primary"),
        ],
    )
    .await;
    let (_, _, mut senco) = professional(
        &app,
        "senco",
        ("school", "Hillside Primary School", Some("100001")),
        false,
    )
    .await;
    let home = senco.get("/advice").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains(&format!("/consultations/{}/1", id.0)));
    assert!(!home.body.contains(&format!("/consultations/{}/2", id.0)));
    assert!(home.body.contains("12 days left"), "{}", home.body);
    // Oakfield's consultation is not theirs to see or answer.
    assert_eq!(
        senco
            .get(&format!("/consultations/{}/2", id.0))
            .await
            .status,
        404
    );
    let refused = senco
        .post(&format!("/consultations/{}/2", id.0), &[("agreed", "yes")])
        .await;
    assert_eq!(refused.status, 404);
    assert_eq!(load(&app, id).await.case.consultations[1].responded, None);

    let page = senco.get(&format!("/consultations/{}/1", id.0)).await;
    assert_eq!(page.status, 200);
    let empty = senco.post(&format!("/consultations/{}/1", id.0), &[]).await;
    assert_eq!(empty.status, 422);
    let answer = senco
        .post(&format!("/consultations/{}/1", id.0), &[("agreed", "yes")])
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let consultation = &load(&app, id).await.case.consultations[0];
    assert_eq!(consultation.responded, Some(today()));
    assert_eq!(consultation.agreed, Some(true));
    // Answered: it leaves their list and cannot be answered twice.
    assert_eq!(
        senco
            .get(&format!("/consultations/{}/1", id.0))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn a_school_sees_the_reviews_of_plans_naming_it_and_can_request_an_assessment() {
    let app = TestApp::spawn().await;
    let id = case_consulting(&app, "Cy", &[school("100001", "Hillside Primary")]).await;
    for command in [
        Command::RecordRepresentations {
            on: days_ago(1),
            requested_school: None,
        },
        Command::IssueFinalPlan {
            version: 1,
            on: today(),
            placement: school("100001", "Hillside Primary"),
        },
    ] {
        run(&app, LA_CODE, id, command).await;
    }
    let (user, _, mut senco) = professional(
        &app,
        "senco",
        ("school", "Hillside Primary", Some("100001")),
        false,
    )
    .await;
    let home = senco.get("/advice").await;
    assert!(home.body.contains("Annual reviews"));
    assert!(home.body.contains("Cy Child"), "{}", home.body);

    let form = senco.get("/advice/request-assessment").await;
    assert_eq!(form.status, 200);
    let empty = senco.post("/advice/request-assessment", &[]).await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Enter the pupil’s given name"));
    let answer = senco
        .post(
            "/advice/request-assessment",
            &[
                ("given_name", "Dev"),
                ("family_name", "Pupil"),
                ("dob-day", "4"),
                ("dob-month", "5"),
                ("dob-year", "2017"),
                ("reasons", "Little progress despite SEN support"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let opened = app.store.cases_for_user(user.id).await.unwrap_or_default();
    assert_eq!(opened.len(), 1);
    let case = load(&app, opened[0]).await.case;
    assert_eq!(case.request.source, "EDU");
    assert_eq!(
        case.child.school.and_then(|s| s.urn).as_deref(),
        Some("100001")
    );
    let home = senco.get("/advice").await;
    assert!(home.body.contains("Assessments you asked for"));
    assert!(home.body.contains("Dev Pupil"));
    // A health professional is not a school.
    let (_, _, mut nurse) = professional(
        &app,
        "nurse",
        ("health", "Riverside NHS Trust", None),
        false,
    )
    .await;
    assert_eq!(nurse.get("/advice/request-assessment").await.status, 403);
}

#[tokio::test]
async fn an_organisation_administrator_invites_and_removes_colleagues() {
    let app = TestApp::spawn().await;
    let (_, organisation, mut admin) = professional(
        &app,
        "head",
        ("school", "Hillside Primary", Some("100001")),
        true,
    )
    .await;
    let (_, _, mut staff) = professional(
        &app,
        "teacher",
        ("school", "Hillside Primary", Some("100001")),
        false,
    )
    .await;
    assert_eq!(staff.get("/organisation").await.status, 403);
    let page = admin.get("/organisation").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Pat teacher"));

    let organisation_id = organisation.to_string();
    let page = admin
        .post(
            "/organisation/invite",
            &[
                ("organisation", &organisation_id),
                ("name", "Sam Senco"),
                ("email", "teacher@agency.example"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("already has someone with this email address")
    );
    let page = admin
        .post(
            "/organisation/invite",
            &[
                ("organisation", &organisation_id),
                ("name", "Sam Senco"),
                ("email", "sam@hillside.example"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let token = token_of(&page);
    assert!(admin.get("/organisation").await.body.contains("Sam Senco"));
    let (answer, _) = accept_new(&app, &token).await;
    assert_eq!(answer.status, 303);
    let sam = app
        .store
        .find_user_by_email("sam@hillside.example")
        .await
        .unwrap_or_default()
        .unwrap_or_else(|| panic!("no account"));
    let memberships = app.store.memberships(sam.id).await.unwrap_or_default();
    assert!(
        memberships
            .iter()
            .any(|(o, admin)| o.id == organisation && !admin)
    );

    // Removing: disabled, and their access to children closed.
    let id = case_asking(&app, LA_CODE, "Ada", &["Hillside Primary"]).await;
    app.grant(&sam, id, CaseAccess::ADVICE).await;
    let page = admin.get("/organisation").await;
    assert!(
        page.body
            .contains(&format!("/organisation/staff/{}/remove", sam.id.0))
    );
    let answer = admin
        .post(
            &format!("/organisation/staff/{}/remove", sam.id.0),
            &[("organisation", &organisation_id)],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let sam = app
        .store
        .find_user(sam.id)
        .await
        .unwrap_or_default()
        .unwrap_or_else(|| panic!("gone"));
    assert!(sam.disabled);
    assert!(
        app.store
            .open_case_access(sam.id, id)
            .await
            .unwrap_or_default()
            .is_empty()
    );
    // Someone not on their staff cannot be removed.
    let outsider = app.add_user(Role::Professional, "outsider").await;
    let answer = admin
        .post(
            &format!("/organisation/staff/{}/remove", outsider.id.0),
            &[("organisation", &organisation_id)],
        )
        .await;
    assert_eq!(answer.status, 404);
}

#[tokio::test]
async fn an_la_administrator_registers_organisations_and_invites_their_administrator() {
    let app = TestApp::spawn().await;
    let (_, mut admin) = app.sign_in_as(Role::Admin).await;
    let page = admin
        .post(
            "/admin/organisations",
            &[
                ("kind", "school"),
                ("name", "Over The Border School"),
                ("urn", "12"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Enter the school’s URN"));
    let page = admin
        .post(
            "/admin/organisations",
            &[
                ("kind", "school"),
                ("name", "Over The Border School"),
                ("urn", "987654"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    // Registering it again finds the one registered.
    admin
        .post(
            "/admin/organisations",
            &[
                ("kind", "school"),
                ("name", "Border School"),
                ("urn", "987654"),
            ],
        )
        .await;
    let organisations = app
        .store
        .organisations(&la_code(LA_CODE))
        .await
        .unwrap_or_default();
    assert_eq!(organisations.len(), 1);
    let id = organisations[0].id.to_string();
    let page = admin
        .post(
            "/admin/organisations/invite",
            &[
                ("organisation", &id),
                ("admin_name", "Hana Head"),
                ("admin_email", "head@border.example"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let token = token_of(&page);
    let (answer, mut head) = accept_new(&app, &token).await;
    assert_eq!(answer.status, 303);
    set_up_two_factor(&mut head).await;
    let page = head.get("/organisation").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Over The Border School"));
}

#[tokio::test]
async fn another_councils_cases_do_not_exist_to_professionals_or_staff() {
    let app = TestApp::spawn().await;
    let theirs = case_asking(&app, OTHER_LA_CODE, "Eve", &["Riverside NHS Trust"]).await;
    let (user, _, mut browser) =
        professional(&app, "rao", ("health", "Riverside NHS Trust", None), false).await;
    // Even with a relation to it recorded in the other council, it is not theirs.
    app.store
        .grant_case_access(
            user.id,
            theirs,
            &la_code(OTHER_LA_CODE),
            CaseAccess::ADVICE,
            Utc::now(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for path in [
        format!("/advice/{}/1", theirs.0),
        format!("/consultations/{}/1", theirs.0),
        format!("/cases/{}", theirs.0),
    ] {
        assert_eq!(browser.get(&path).await.status, 404, "{path}");
    }
    let decline = browser
        .post(
            &format!("/advice/{}/1/decline", theirs.0),
            &[("reason", "not_known")],
        )
        .await;
    assert_eq!(decline.status, 404);
    assert!(!browser.get("/advice").await.body.contains("Eve Child"));
    let (_, mut caseworker) = app.sign_in_as(Role::Caseworker).await;
    assert_eq!(
        caseworker
            .get(&format!("/cases/{}/invite", theirs.0))
            .await
            .status,
        404
    );
    let invite = caseworker
        .post(
            &format!("/cases/{}/invite", theirs.0),
            &[("kind", "parent"), ("name", "X"), ("email", "x@y.example")],
        )
        .await;
    assert_eq!(invite.status, 404);
}
