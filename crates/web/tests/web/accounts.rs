//! The user's own account, and administrators managing their LA's accounts.

use chrono::Utc;
use waymark_store::domain::actor::Role;
use waymark_store::prelude::*;

use crate::app::{Browser, PASSWORD, TestApp, input_value};

#[tokio::test]
async fn account_page_shows_who_you_are_and_a_sign_out_everywhere_button() {
    let app = TestApp::spawn().await;
    let (user, mut browser) = app.sign_in_as(Role::Professional).await;
    let page = browser.get("/account").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&user.email));
    assert!(page.body.contains("Riverside NHS Trust"));
    assert!(
        page.body
            .contains(r#"<form method="post" action="/sign-out-everywhere">"#)
    );
    // Professionals set up a second factor (their own pages insist on it first).
    assert!(page.body.contains("/account/two-factor"));
    // Their API tokens are one link away.
    assert!(page.body.contains(r#"href="/account/tokens""#));
}

#[tokio::test]
async fn changing_the_password_follows_the_rules_and_signs_out_other_sessions() {
    let app = TestApp::spawn().await;
    let (user, mut browser) = app.sign_in_as(Role::Caseworker).await;
    let mut other = Browser::new(&app);
    other.sign_in(&user.email, PASSWORD).await;
    assert_eq!(other.get("/caseload").await.status, 200);

    browser.get("/account/password").await;
    let local = user.email.split('@').next().unwrap_or_default().to_string();
    let with_email = format!("my email is {local} ok");
    for (new, message) in [
        ("short", "Password must be 12 characters or more"),
        ("Password123456", "Password is too easy to guess"),
        (
            with_email.as_str(),
            "Password must not contain your email address",
        ),
    ] {
        let page = browser
            .post(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", new),
                    ("confirm_password", new),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{new}");
        assert!(page.body.contains(message), "{new}: {}", page.body);
    }
    let mismatch = browser
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new long secret"),
                ("confirm_password", "a brand new long secreT"),
            ],
        )
        .await;
    assert!(mismatch.body.contains("Enter the same new password twice"));
    let wrong_current = browser
        .post(
            "/account/password",
            &[
                ("current_password", "not my password"),
                ("new_password", "a brand new long secret"),
                ("confirm_password", "a brand new long secret"),
            ],
        )
        .await;
    assert!(
        wrong_current
            .body
            .contains("Your current password is not correct")
    );

    let done = browser
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new long secret"),
                ("confirm_password", "a brand new long secret"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        browser.get("/caseload").await.status,
        200,
        "this browser carries on"
    );
    assert_eq!(
        other.get("/caseload").await.status,
        303,
        "the other is signed out"
    );
    let mut again = Browser::new(&app);
    assert_eq!(again.sign_in(&user.email, PASSWORD).await.status, 422);
    assert_eq!(
        again
            .sign_in(&user.email, "a brand new long secret")
            .await
            .status,
        303
    );
}

#[tokio::test]
async fn staff_set_up_two_factor_by_proving_their_app_has_the_secret() {
    let app = TestApp::spawn().await;
    let (user, mut browser) = app.sign_in_as(Role::Manager).await;
    let page = browser.get("/account/two-factor").await;
    assert_eq!(page.status, 200);
    let secret = input_value(&page.body, "secret")
        .unwrap_or_default()
        .to_string();
    assert_eq!(secret.len(), 32);
    assert!(
        page.body
            .contains("otpauth://totp/Waymark%20Northshire%20County%20Council:")
    );
    let wrong = browser
        .post(
            "/account/two-factor",
            &[("secret", &secret), ("code", "123456")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    let now = u64::try_from(Utc::now().timestamp()).unwrap_or_default();
    let code = waymark_web::two_factor::code_at(&secret, now).unwrap_or_default();
    let done = browser
        .post(
            "/account/two-factor",
            &[("secret", &secret), ("code", &code)],
        )
        .await;
    assert_eq!(done.status, 303);
    let stored = app.store.find_user(user.id).await.ok().flatten();
    assert_eq!(stored.and_then(|u| u.totp_secret), Some(secret));
    // Signing in now takes a code.
    let mut again = Browser::new(&app);
    let answer = again.sign_in(&user.email, PASSWORD).await;
    assert_eq!(answer.header("location"), "/sign-in/two-factor");
}

#[tokio::test]
async fn an_admin_adds_a_user_who_signs_in_with_the_one_time_password() {
    let app = TestApp::spawn().await;
    let (_, mut admin) = app.sign_in_as(Role::Admin).await;
    let empty = admin.post("/admin/users", &[]).await;
    assert_eq!(empty.status, 422);
    for message in [
        "Enter their email address",
        "Enter their name",
        "Select their role",
    ] {
        assert!(empty.body.contains(message), "{message}");
    }
    let no_org = admin
        .post(
            "/admin/users",
            &[
                ("email", "p@x.org"),
                ("name", "P"),
                ("role", "professional"),
            ],
        )
        .await;
    assert!(no_org.body.contains("Enter the organisation they work for"));

    let page = admin
        .post(
            "/admin/users",
            &[
                ("email", "New.Person@Northshire.example"),
                ("name", "New Person"),
                ("role", "manager"),
            ],
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("This password is shown only once"));
    let start = page.body.find("<code>").map_or(0, |i| i + 6);
    let end = page.body[start..]
        .find("</code>")
        .map_or(start, |i| start + i);
    let password = page.body[start..end].to_string();
    assert_eq!(password.len(), 23, "{password}");

    let mut newcomer = Browser::new(&app);
    let answer = newcomer
        .sign_in("new.person@northshire.example", &password)
        .await;
    assert_eq!(answer.status, 303);
    assert_eq!(newcomer.get("/caseload").await.status, 200);

    let again = admin
        .post(
            "/admin/users",
            &[
                ("email", "new.person@northshire.example"),
                ("name", "Again"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(again.status, 422);
    assert!(
        again
            .body
            .contains("There is already an account with this email address")
    );
}

#[tokio::test]
async fn disabling_a_user_signs_them_out_everywhere_and_enabling_lets_them_back() {
    let app = TestApp::spawn().await;
    let (_, mut admin) = app.sign_in_as(Role::Admin).await;
    let (user, mut victim) = app.sign_in_as(Role::Caseworker).await;
    let path = format!("/admin/users/{}", user.id.0);
    admin.get(&path).await;
    assert_eq!(
        admin.post(&format!("{path}/disable"), &[]).await.status,
        303
    );
    assert_eq!(victim.get("/caseload").await.status, 303);
    assert!(admin.get(&path).await.body.contains("Disabled"));
    assert_eq!(admin.post(&format!("{path}/enable"), &[]).await.status, 303);
    let mut back = Browser::new(&app);
    assert_eq!(back.sign_in(&user.email, PASSWORD).await.status, 303);
}

#[tokio::test]
async fn an_admin_unlocks_a_locked_account_and_changes_a_role() {
    let app = TestApp::spawn().await;
    let (_, mut admin) = app.sign_in_as(Role::Admin).await;
    let user = app.add_user(Role::Caseworker, "locked").await;
    for _ in 0..5 {
        app.store
            .record_failed_sign_in(user.id, Utc::now(), 5, chrono::Duration::minutes(30))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let path = format!("/admin/users/{}", user.id.0);
    let page = admin.get(&path).await;
    assert!(page.body.contains("Locked until "), "{}", page.body);
    assert!(page.body.contains("Unlock account"));
    assert_eq!(admin.post(&format!("{path}/unlock"), &[]).await.status, 303);
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_in(&user.email, PASSWORD).await.status, 303);

    assert_eq!(
        admin
            .post(&format!("{path}/role"), &[("role", "manager")])
            .await
            .status,
        303
    );
    let role = app
        .store
        .find_user(user.id)
        .await
        .ok()
        .flatten()
        .map(|u| u.role);
    assert_eq!(role, Some(Role::Manager));
}

#[tokio::test]
async fn an_admin_cannot_disable_themselves_or_change_their_own_role() {
    let app = TestApp::spawn().await;
    let (me, mut admin) = app.sign_in_as(Role::Admin).await;
    let path = format!("/admin/users/{}", me.id.0);
    admin.get(&path).await;
    assert_eq!(
        admin.post(&format!("{path}/disable"), &[]).await.status,
        403
    );
    assert_eq!(
        admin
            .post(&format!("{path}/role"), &[("role", "viewer")])
            .await
            .status,
        403
    );
    assert_eq!(
        admin.get("/admin/users").await.status,
        200,
        "still an admin"
    );
}
