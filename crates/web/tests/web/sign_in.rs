//! Signing in and out, lock-out, rate limits, timeouts and the second factor, through the real
//! pages.

use chrono::Utc;
use waymark_store::domain::actor::Role;
use waymark_store::prelude::*;
use waymark_web::{AuthSettings, Config};

use crate::app::{Browser, LA_NAME, PASSWORD, TestApp, input_value, set_cookies};

const GENERIC: &str = "Enter a correct email address and password";

#[tokio::test]
async fn sign_in_page_is_a_govuk_form_with_a_csrf_token() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/sign-in").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(r#"<input class="govuk-input" id="email" name="email" type="email""#)
    );
    assert!(
        page.body
            .contains(r#"id="password" name="password" type="password""#)
    );
    let token = input_value(&page.body, "csrf_token").unwrap_or_default();
    assert_eq!(token.len(), 64, "{}", page.body);
    let cookies = set_cookies(&page);
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with(&format!("waymark-csrf={token};"))
                && c.contains("HttpOnly")
                && c.contains("SameSite=Strict")),
        "{cookies:?}"
    );
}

#[tokio::test]
async fn right_password_signs_in_with_a_secure_session_cookie() {
    let app = TestApp::spawn().await;
    let user = app.add_user(Role::Caseworker, "ada").await;
    let mut browser = Browser::new(&app);
    let answer = browser.sign_in(&user.email, PASSWORD).await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.header("location"), "/caseload");
    let cookies = set_cookies(&answer);
    let session = cookies
        .iter()
        .find(|c| c.starts_with("waymark-session="))
        .unwrap_or_else(|| panic!("no session cookie in {cookies:?}"));
    assert!(
        session.contains("; Path=/; HttpOnly; SameSite=Lax"),
        "{session}"
    );
    assert!(
        !session.contains("Max-Age"),
        "ends with the browser: {session}"
    );
    // Only a hash of the token is stored.
    let token = session
        .trim_start_matches("waymark-session=")
        .split(';')
        .next()
        .unwrap_or_default();
    assert!(app.store.find_session(token).await.ok().flatten().is_none());
    assert!(
        app.store
            .find_session(&waymark_web::token::hash(token))
            .await
            .ok()
            .flatten()
            .is_some()
    );
    let page = browser.get("/caseload").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(">Sign out</button>"), "{}", page.body);
    let trail = app
        .store
        .search_audit(&user.la, None, Some(user.id), 10)
        .await
        .unwrap_or_default();
    assert!(trail.iter().any(|e| e.action == "sign_in"), "{trail:?}");
}

#[tokio::test]
async fn sign_in_returns_to_the_page_asked_for() {
    let app = TestApp::spawn().await;
    let user = app.add_user(Role::Caseworker, "ada").await;
    let case = app.add_case("Ada", "Smith").await;
    let mut browser = Browser::new(&app);
    let page = browser.get(&format!("/cases/{}", case.id.0)).await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.header("location"),
        format!("/sign-in?next=%2Fcases%2F{}", case.id.0)
    );
    browser.get(page.header("location")).await;
    let answer = browser
        .post(
            "/sign-in",
            &[
                ("email", &user.email),
                ("password", PASSWORD),
                ("next", &format!("/cases/{}", case.id.0)),
            ],
        )
        .await;
    assert_eq!(answer.header("location"), format!("/cases/{}", case.id.0));
    // Somewhere else is refused: an open redirect would help phishing.
    let mut other = Browser::new(&app);
    other.get("/sign-in").await;
    let answer = other
        .post(
            "/sign-in",
            &[
                ("email", &user.email),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(answer.header("location"), "/caseload");
}

#[tokio::test]
async fn empty_fields_show_the_govuk_error_summary() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    browser.get("/sign-in").await;
    let page = browser
        .post("/sign-in", &[("email", ""), ("password", "")])
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("<title>Error: Sign in"), "{}", page.body);
    assert!(
        page.body
            .contains(r##"<a href="#email">Enter your email address</a>"##)
    );
    assert!(
        page.body
            .contains(r##"<a href="#password">Enter your password</a>"##)
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_message() {
    let app = TestApp::spawn().await;
    let user = app.add_user(Role::Caseworker, "ada").await;
    let mut browser = Browser::new(&app);
    browser.get("/sign-in").await;
    let wrong = browser
        .post(
            "/sign-in",
            &[("email", &user.email), ("password", "not the password")],
        )
        .await;
    let unknown = browser
        .post(
            "/sign-in",
            &[
                ("email", "nobody@northshire.example"),
                ("password", "not the password"),
            ],
        )
        .await;
    for page in [&wrong, &unknown] {
        assert_eq!(page.status, 422);
        assert!(page.body.contains(GENERIC), "{}", page.body);
        assert!(
            set_cookies(page)
                .iter()
                .all(|c| !c.starts_with("waymark-session="))
        );
        // The password is never sent back.
        assert!(!page.body.contains("not the password"));
    }
    let summary = |html: &str| {
        let start = html.find("govuk-error-summary__list").unwrap_or(0);
        html[start..start + 200.min(html.len() - start)].to_string()
    };
    assert_eq!(summary(&wrong.body), summary(&unknown.body));
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_even_against_the_right_one() {
    let app = TestApp::spawn().await;
    let user = app.add_user(Role::Caseworker, "ada").await;
    let mut browser = Browser::new(&app);
    browser.get("/sign-in").await;
    for attempt in 1..=4 {
        let page = browser
            .post(
                "/sign-in",
                &[("email", &user.email), ("password", "wrong password!")],
            )
            .await;
        assert!(page.body.contains(GENERIC), "attempt {attempt}");
    }
    let fifth = browser
        .post(
            "/sign-in",
            &[("email", &user.email), ("password", "wrong password!")],
        )
        .await;
    assert!(
        fifth.body.contains(
            "Your account is locked because of too many wrong passwords. Try again after "
        ),
        "{}",
        fifth.body
    );
    assert!(
        fifth
            .body
            .contains("or ask your administrator to unlock it.")
    );
    let right = browser
        .post(
            "/sign-in",
            &[("email", &user.email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(right.status, 422);
    assert!(
        right.body.contains("Your account is locked"),
        "{}",
        right.body
    );
    // "Try again after 2:45pm": a UK time, am or pm.
    assert!(
        right.body.contains("am, or ask") || right.body.contains("pm, or ask"),
        "{}",
        right.body
    );
    // Unlocked by an administrator, the right password works again.
    app.store
        .clear_failed_sign_ins(user.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let unlocked = browser
        .post(
            "/sign-in",
            &[("email", &user.email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(unlocked.status, 303);
}

fn with_auth(settings: AuthSettings) -> Config {
    Config {
        auth: settings,
        ..Config::new(LA_NAME)
    }
}

#[tokio::test]
async fn too_many_attempts_from_one_address_get_429() {
    let app = TestApp::spawn_with(with_auth(AuthSettings {
        attempts_per_ip: 3,
        ..AuthSettings::default()
    }))
    .await;
    let user = app.add_user(Role::Caseworker, "ada").await;
    let mut browser = Browser::new(&app);
    browser.get("/sign-in").await;
    for n in 0..3 {
        let email = format!("someone{n}@northshire.example");
        let page = browser
            .post(
                "/sign-in",
                &[("email", &email), ("password", "a wrong password")],
            )
            .await;
        assert_eq!(page.status, 422);
    }
    // The fourth from this address is refused, even with the right password.
    let page = browser
        .post(
            "/sign-in",
            &[("email", &user.email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 429);
    assert!(
        page.body
            .contains("Too many attempts. Wait 15 minutes and try again."),
        "{}",
        page.body
    );
    assert!(
        set_cookies(&page)
            .iter()
            .all(|c| !c.starts_with("waymark-session="))
    );
}

#[tokio::test]
async fn too_many_attempts_for_one_account_get_429() {
    let app = TestApp::spawn_with(with_auth(AuthSettings {
        attempts_per_account: 2,
        ..AuthSettings::default()
    }))
    .await;
    let mut browser = Browser::new(&app);
    browser.get("/sign-in").await;
    for _ in 0..2 {
        let page = browser
            .post(
                "/sign-in",
                &[
                    ("email", "Nobody@Example.org"),
                    ("password", "a wrong password"),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
    }
    let page = browser
        .post(
            "/sign-in",
            &[
                ("email", "nobody@example.org"),
                ("password", "a wrong password"),
            ],
        )
        .await;
    assert_eq!(page.status, 429, "the same address in any case");
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let (_, mut browser) = app.sign_in_as(Role::Caseworker).await;
    let answer = browser.post("/sign-out", &[]).await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.header("location"), "/");
    assert!(
        set_cookies(&answer)
            .iter()
            .any(|c| c.starts_with("waymark-session=;") && c.contains("Max-Age=0"))
    );
    let page = browser.get("/caseload").await;
    assert_eq!(page.status, 303);
    assert!(page.header("location").starts_with("/sign-in"));
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_other_session() {
    let app = TestApp::spawn().await;
    let (user, mut laptop) = app.sign_in_as(Role::Manager).await;
    let mut phone = Browser::new(&app);
    assert_eq!(phone.sign_in(&user.email, PASSWORD).await.status, 303);
    assert_eq!(phone.get("/caseload").await.status, 200);

    let answer = laptop.post("/sign-out-everywhere", &[]).await;
    assert_eq!(answer.status, 303);
    assert_eq!(phone.get("/caseload").await.status, 303);
    assert_eq!(laptop.get("/caseload").await.status, 303);
}

#[tokio::test]
async fn idle_session_ends_after_the_idle_timeout() {
    let app = TestApp::spawn().await;
    let (_, mut browser) = app.sign_in_as(Role::Caseworker).await;
    assert_eq!(browser.get("/caseload").await.status, 200);
    let hash = waymark_web::token::hash(browser.session.as_deref().unwrap_or_default());
    // 29 minutes idle: still signed in.
    app.store
        .touch_session(&hash, Utc::now() - chrono::Duration::minutes(29))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(browser.get("/caseload").await.status, 200);
    // The last request 31 minutes ago: signed out, and the session is gone.
    app.store
        .touch_session(&hash, Utc::now() - chrono::Duration::minutes(31))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let page = browser.get("/caseload").await;
    assert_eq!(page.status, 303);
    assert!(app.store.find_session(&hash).await.ok().flatten().is_none());
}

#[tokio::test]
async fn activity_keeps_a_session_alive_but_not_past_the_absolute_timeout() {
    let app = TestApp::spawn_with(with_auth(AuthSettings {
        session_absolute: chrono::Duration::seconds(2),
        ..AuthSettings::default()
    }))
    .await;
    let (_, mut browser) = app.sign_in_as(Role::Caseworker).await;
    assert_eq!(browser.get("/caseload").await.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let page = browser.get("/caseload").await;
    assert_eq!(page.status, 303, "ended 2 s after signing in");
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_and_its_sessions_end() {
    let app = TestApp::spawn().await;
    let (user, mut browser) = app.sign_in_as(Role::Caseworker).await;
    app.store
        .set_disabled(user.id, true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(browser.get("/caseload").await.status, 303);
    let mut again = Browser::new(&app);
    let page = again.sign_in(&user.email, PASSWORD).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains(GENERIC));
}

#[tokio::test]
async fn session_cookie_has_the_host_prefix_and_secure_behind_tls() {
    let app = TestApp::spawn_with(Config {
        behind_tls: true,
        ..Config::new(LA_NAME)
    })
    .await;
    let user = app.add_user(Role::Caseworker, "ada").await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/sign-in").await;
    assert!(
        set_cookies(&page)
            .iter()
            .any(|c| c.starts_with("__Host-waymark-csrf=") && c.ends_with("; Secure")),
        "{:?}",
        set_cookies(&page)
    );
    // reqwest keeps `Secure` cookies off plain HTTP, as a browser would: send it by hand.
    let token = input_value(&page.body, "csrf_token")
        .unwrap_or_default()
        .to_string();
    let answer = app
        .client
        .post(app.url("/sign-in"))
        .header("cookie", format!("__Host-waymark-csrf={token}"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", user.email.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.status(), 303);
    let session = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-waymark-session="))
        .unwrap_or_default()
        .to_string();
    assert!(
        session.ends_with("; Path=/; HttpOnly; SameSite=Lax; Secure"),
        "{session}"
    );
}

#[tokio::test]
async fn two_factor_asks_for_a_code_after_the_password_and_takes_each_code_once() {
    let app = TestApp::spawn().await;
    let user = app.add_user(Role::Admin, "ada").await;
    let secret = waymark_web::two_factor::new_secret().unwrap_or_else(|e| panic!("{e:?}"));
    app.store
        .set_totp_secret(user.id, Some(&secret))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut browser = Browser::new(&app);
    let answer = browser.sign_in(&user.email, PASSWORD).await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.header("location"), "/sign-in/two-factor");
    assert!(
        set_cookies(&answer)
            .iter()
            .all(|c| !c.starts_with("waymark-session="))
    );
    // Not signed in yet.
    assert_eq!(browser.get("/caseload").await.status, 303);

    let page = browser.get("/sign-in/two-factor").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Enter the code from your authenticator app")
    );
    let wrong = browser
        .post("/sign-in/two-factor", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong
            .body
            .contains("Enter the correct code from your authenticator app")
    );

    let now = u64::try_from(Utc::now().timestamp()).unwrap_or_default();
    let code = waymark_web::two_factor::code_at(&secret, now).unwrap_or_default();
    let right = browser
        .post("/sign-in/two-factor", &[("code", &code)])
        .await;
    assert_eq!(right.status, 303, "{}", right.body);
    assert_eq!(right.header("location"), "/caseload");
    assert_eq!(browser.get("/caseload").await.status, 200);

    // The same code again, in another browser after the password: refused as a replay.
    let mut thief = Browser::new(&app);
    thief.sign_in(&user.email, PASSWORD).await;
    thief.get("/sign-in/two-factor").await;
    let replay = thief.post("/sign-in/two-factor", &[("code", &code)]).await;
    assert_eq!(replay.status, 422, "a code works once");
}

#[tokio::test]
async fn the_second_step_without_a_password_goes_back_to_sign_in() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/sign-in/two-factor").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.header("location"), "/sign-in");
}

#[tokio::test]
async fn housekeeping_deletes_expired_sessions_and_old_rate_limit_hits() {
    let app = TestApp::spawn().await;
    let (_, mut browser) = app.sign_in_as(Role::Caseworker).await;
    let hash = waymark_web::token::hash(browser.session.as_deref().unwrap_or_default());
    let settings = AuthSettings::default();
    let later = Utc::now() + chrono::Duration::hours(13);
    let (sessions, hits) = waymark_web::session::sweep(&app.store, &settings, later)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sessions, 1);
    assert!(hits >= 2, "the sign-in's IP and account hits: {hits}");
    assert!(app.store.find_session(&hash).await.ok().flatten().is_none());
    assert_eq!(browser.get("/caseload").await.status, 303);
}

#[tokio::test]
async fn the_start_page_offers_to_continue_once_signed_in() {
    let app = TestApp::spawn().await;
    let (_, mut browser) = app.sign_in_as(Role::Caseworker).await;
    let page = browser.get("/").await;
    assert!(
        page.body.contains(r#"<a href="/caseload" role="button""#),
        "{}",
        page.body
    );
    assert!(!page.body.contains(r#"<a href="/sign-in" role="button""#));
}

#[tokio::test]
async fn a_strange_return_address_in_the_form_is_ignored_not_a_crash() {
    let app = TestApp::spawn().await;
    let user = app.add_user(Role::Caseworker, "ada").await;
    let mut browser = Browser::new(&app);
    browser.get("/sign-in").await;
    let answer = browser
        .post(
            "/sign-in",
            &[
                ("email", &user.email),
                ("password", PASSWORD),
                ("next", "/café"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.header("location"), "/caseload");
}
