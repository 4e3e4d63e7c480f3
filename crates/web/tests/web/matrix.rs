//! The route × role matrix: every route of the real router (from `waymark_web::router::list`,
//! the same list the router is built from), for every kind of user, answers the expected
//! status. A route added without a row here fails `every_route_answers_every_role_as_expected`.
//!
//! Each request gets a fresh session made in the store, so signing out in one cell does not
//! change another. Forms are sent with the right CSRF token and no other fields (the CSRF
//! check itself is tested in `csrf.rs`).

use axum::http::Method;
use waymark_store::domain::actor::Role;
use waymark_store::{CaseAccess, User};
use waymark_web::router::{self, RouteInfo};
use waymark_web::{AuthSettings, Config};

use crate::app::{Browser, LA_NAME, OTHER_LA_CODE, TestApp};

/// Who is asking, in the order of the columns below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    SignedOut,
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

const EVERYONE: [Who; 11] = [
    Who::SignedOut,
    Who::Admin,
    Who::Manager,
    Who::Caseworker,
    Who::ProfessionalWithAccess,
    Who::ProfessionalWithout,
    Who::ParentOfChild,
    Who::ParentOfOtherChild,
    Who::Viewer,
    Who::Scrutiny,
    Who::AdminOfOtherLa,
];

/// Expected statuses, one per [`EVERYONE`] column:
/// out, admin, manager, caseworker, prof+, prof-, parent+, parent-, viewer, scrutiny, other LA admin.
type Row = [u16; 11];

const ALL_200: Row = [200; 11];
/// Signed in: any role; signed out: to the sign-in page.
const SIGNED_IN_200: Row = [303, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200];
const SIGNED_IN_422: Row = [303, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422];
/// LA staff (of any LA) only.
const STAFF: Row = [303, 200, 200, 200, 403, 403, 403, 403, 403, 403, 200];
/// Administrators (of any LA) only.
const ADMINS: Row = [303, 200, 403, 403, 403, 403, 403, 403, 403, 403, 200];
/// An action on an account of the first LA: its admin only; another LA's admin is told it
/// does not exist.
fn admin_action(ok: u16) -> Row {
    [303, ok, 403, 403, 403, 403, 403, 403, 403, 403, 404]
}
/// Work on the matrix's case: its LA's staff get `ok`; the professional and the parent who may
/// see it are refused; to anyone else (another LA's admin included) it does not exist.
fn case_work(ok: u16) -> Row {
    [303, ok, ok, ok, 403, 404, 403, 404, 404, 404, 404]
}
/// The family's pages of the matrix's case: its parent gets `ok`; the other child's parent is
/// told it does not exist; every other role is refused.
fn family(ok: u16) -> Row {
    [303, 403, 403, 403, 403, 403, ok, 404, 403, 403, 403]
}
/// The JSON API uses bearer tokens only: a browser's session cookie counts for nothing.
const API_NEEDS_TOKEN: Row = [401; 11];
/// A professional's own pages, for professionals with a second factor set up (without one
/// they are sent to set it up: tests/web/portal_professional.rs); every other role is
/// refused. `ok` is what the matrix's professionals get: neither works for a school nor
/// administers an organisation, and nothing numbered 1 is asked of them.
const fn professionals(ok: u16) -> Row {
    [303, 403, 403, 403, ok, ok, 403, 403, 403, 403, 403]
}

/// What each route answers each kind of user.
fn expected(route: &RouteInfo) -> Option<Row> {
    let get = route.method == Method::GET;
    Some(match (get, route.path) {
        (true, "/" | "/cookies" | "/accessibility" | "/sign-in") => ALL_200,
        (true, "/health" | "/metrics" | "/assets/{file}" | "/favicon.ico") => ALL_200,
        (false, "/sign-in") => [422; 11],
        (true | false, "/sign-in/two-factor") => [303; 11],
        // Single sign-on is not set up in this app: not found (tests/web/oidc.rs signs in
        // through a real provider).
        (true, "/sign-in/sso" | "/sign-in/sso/callback") => [404; 11],
        (false, "/sign-out" | "/sign-out-everywhere") => [303; 11],
        (true, "/account" | "/account/password") => SIGNED_IN_200,
        (false, "/account/password") => SIGNED_IN_422,
        // LA staff, and professionals (who must have it before their pages open).
        (true, "/account/two-factor") => [303, 200, 200, 200, 200, 200, 403, 403, 403, 403, 200],
        (false, "/account/two-factor") => [303, 422, 422, 422, 422, 422, 403, 403, 403, 403, 422],
        (false, "/account/two-factor/remove") => {
            [303, 303, 303, 303, 303, 303, 403, 403, 403, 403, 303]
        }
        // API tokens: anyone signed in manages their own. POST sends no name (422); revoking a
        // token that is not theirs changes nothing and goes back to the list.
        (true, "/account/tokens") => SIGNED_IN_200,
        (false, "/account/tokens") => SIGNED_IN_422,
        (false, "/account/tokens/{id}/revoke") => [303; 11],
        (true, "/caseload") => STAFF,
        // Managers and admins (of any LA: their own LA's cases); an empty form is 422.
        (true, "/allocation") => [303, 200, 200, 403, 403, 403, 403, 403, 403, 403, 200],
        (false, "/allocation") => [303, 422, 422, 403, 403, 403, 403, 403, 403, 403, 422],
        // Staff of its LA, the professional asked for advice; the child's parent is sent to
        // the family's page of it; to anyone else (another LA's admin included) it does not
        // exist.
        (true, "/cases/{id}") => [303, 200, 200, 200, 200, 404, 303, 404, 404, 404, 404],
        // Recording a new request: LA staff. Sent empty, the form answers with its errors.
        (true, "/cases/new") => STAFF,
        // Figures name organisations, not children: managers, admins, viewers and scrutiny
        // (another LA's admin sees their own LA's). The cases behind them: LA staff.
        (true, "/reports" | "/reports/kpis.csv" | "/reports/kpis.xlsx" | "/reports/advice") => {
            [303, 200, 200, 403, 403, 403, 403, 403, 200, 200, 200]
        }
        (true, "/reports/cases") => STAFF,
        (true, "/reports/advice/overdue") => STAFF,
        (false, "/cases/new") => [303, 422, 422, 422, 403, 403, 403, 403, 403, 403, 422],
        // Working on a case: staff of its LA. A family or professional who may see the case
        // is refused; to anyone else it does not exist. The matrix's case is a new request:
        // adding a note is open (sent empty: 422), writing the plan is not (409 page; the
        // autosave answers 422 "refused").
        (true, "/cases/{id}/{action}" | "/cases/{id}/plan/changes") => case_work(200),
        (false, "/cases/{id}/{action}") => case_work(422),
        (true | false, "/cases/{id}/plan") => case_work(409),
        (false, "/cases/{id}/plan/autosave") => case_work(422),
        (true, "/cases/{id}/documents/{doc}") => case_work(200),
        // The case has no plan yet: version 1 is not found, to everyone.
        (
            true,
            "/cases/{id}/plan/versions/{version}" | "/cases/{id}/plan/versions/{version}/pdf",
        ) => [303, 404, 404, 404, 403, 404, 403, 404, 404, 404, 404],
        (true, "/admin/users" | "/admin/users/new" | "/admin/audit") => ADMINS,
        (false, "/admin/users") => [303, 422, 403, 403, 403, 403, 403, 403, 403, 403, 422],
        (true, "/admin/users/{id}") => admin_action(200),
        (false, "/admin/users/{id}/role") => admin_action(303),
        (false, "/admin/users/{id}/disable" | "/admin/users/{id}/enable") => admin_action(303),
        (false, "/admin/users/{id}/unlock") => admin_action(303),
        (false, "/admin/users/{id}/reset-password") => admin_action(200),
        // The family's pages: parents only; another child's case does not exist. The
        // matrix's case is a new request: no draft to comment on (sending is 409, autosave
        // 422), and its only document is advice, which is not the family's to download.
        (true, "/my-cases") => [303, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403],
        (true, "/my-cases/{id}" | "/my-cases/{id}/views" | "/my-cases/{id}/draft") => family(200),
        (false, "/my-cases/{id}/views") => family(303),
        (false, "/my-cases/{id}/views/autosave" | "/my-cases/{id}/draft/autosave") => family(422),
        (false, "/my-cases/{id}/draft") => family(409),
        (true, "/my-cases/{id}/documents/{doc}") => family(404),
        // Messages: staff see every thread; a participant is sent to their own thread, and
        // reaches no other (the thread here is the child's parent's). Sent empty: 422. The
        // matrix's document is not attached to a message: not found to all.
        (true, "/cases/{id}/messages") => [303, 200, 200, 200, 303, 404, 303, 404, 404, 404, 404],
        (true, "/cases/{id}/messages/{participant}") => {
            [303, 200, 200, 200, 404, 404, 200, 404, 404, 404, 404]
        }
        (false, "/cases/{id}/messages/{participant}") => {
            [303, 422, 422, 422, 404, 404, 422, 404, 404, 404, 404]
        }
        (true, "/cases/{id}/messages/{participant}/files/{doc}") => {
            [303, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]
        }
        // Invitations: the case's LA staff invite (sent empty: 422); a link that was never
        // made is not found to anyone, signed in or not.
        (true, "/cases/{id}/invite") => case_work(200),
        (false, "/cases/{id}/invite") => case_work(422),
        (true | false, "/invitations/{token}") => [404; 11],
        // A professional's desk and their organisation's staff: professionals only, once they
        // have a second factor (tests/web/portal_professional.rs goes past it).
        (true, "/advice") => professionals(200),
        (
            true | false,
            "/advice/request-assessment"
            | "/organisation"
            | "/organisation/invite"
            | "/organisation/staff/{id}/remove",
        ) => professionals(403),
        (
            true | false,
            "/advice/{id}/{number}"
            | "/advice/{id}/{number}/decline"
            | "/consultations/{id}/{number}",
        ) => professionals(404),
        // The register of organisations: LA administrators (of any LA: their own). Sent
        // empty: 422.
        (true, "/admin/organisations") => ADMINS,
        (false, "/admin/organisations" | "/admin/organisations/invite") => {
            [303, 422, 403, 403, 403, 403, 403, 403, 403, 403, 422]
        }
        (true, "/api/v1/openapi.json") => ALL_200,
        (_, path) if path.starts_with("/api/") => API_NEEDS_TOKEN,
        _ => return None,
    })
}

/// The people and records the matrix uses.
struct World {
    app: TestApp,
    users: Vec<(Who, Option<User>)>,
    case_id: i64,
    document_id: i64,
    target_user: i64,
}

async fn world() -> World {
    let app = TestApp::spawn_with(Config {
        auth: AuthSettings {
            attempts_per_ip: 100_000,
            attempts_per_account: 100_000,
            ..AuthSettings::default()
        },
        ..Config::new(LA_NAME)
    })
    .await;
    let child = app.add_case("Ada", "Child").await;
    let other_child = app.add_case("Bea", "Other").await;
    let mut users = Vec::new();
    for who in EVERYONE {
        let user = match who {
            Who::SignedOut => None,
            Who::Admin => Some(app.add_user(Role::Admin, "admin").await),
            Who::Manager => Some(app.add_user(Role::Manager, "manager").await),
            Who::Caseworker => Some(app.add_user(Role::Caseworker, "cw").await),
            Who::ProfessionalWithAccess => {
                let user = app.add_user(Role::Professional, "with").await;
                app.grant(&user, child.id, CaseAccess::ADVICE).await;
                Some(user)
            }
            Who::ProfessionalWithout => {
                let user = app.add_user(Role::Professional, "without").await;
                // Named on another child's plan, and an advice request for this child that
                // has been closed: neither opens this child's case.
                app.grant(&user, other_child.id, CaseAccess::NAMED).await;
                app.grant(&user, child.id, CaseAccess::ADVICE).await;
                app.store
                    .close_case_access(user.id, child.id, CaseAccess::ADVICE, chrono::Utc::now())
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                Some(user)
            }
            Who::ParentOfChild => {
                let user = app.add_user(Role::Parent, "parent").await;
                app.grant(&user, child.id, CaseAccess::PARENT).await;
                Some(user)
            }
            Who::ParentOfOtherChild => {
                let user = app.add_user(Role::Parent, "otherparent").await;
                app.grant(&user, other_child.id, CaseAccess::PARENT).await;
                Some(user)
            }
            Who::Viewer => Some(app.add_user(Role::Viewer, "viewer").await),
            Who::Scrutiny => Some(app.add_user(Role::Scrutiny, "scrutiny").await),
            Who::AdminOfOtherLa => Some(
                app.add_user_in(
                    Role::Admin,
                    OTHER_LA_CODE,
                    "admin@southdale.example",
                    "Southdale Admin",
                )
                .await,
            ),
        };
        users.push((who, user));
    }
    let target = app.add_user(Role::Caseworker, "target").await;
    let document = app
        .store
        .add_document(
            &crate::app::la_code(crate::app::LA_CODE),
            waymark_store::documents::NewDocument {
                case_id: child.id,
                kind: "advice".into(),
                title: "Health advice".into(),
                filename: "advice.pdf".into(),
                content_type: "application/pdf".into(),
                scan: "clean".into(),
                content: b"%PDF-1.7".to_vec(),
                uploaded_by: "1".into(),
                uploaded_at: chrono::Utc::now(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    World {
        app,
        users,
        case_id: child.id.0,
        document_id: document.id,
        target_user: target.id.0,
    }
}

/// The route's pattern with its parameters filled in for `world`.
fn concrete(route: &RouteInfo, world: &World) -> String {
    let css = waymark_web::assets::url("waymark.css").unwrap_or("/assets/none");
    let file = css.trim_start_matches("/assets/");
    let id = if route.path.starts_with("/admin/users/") {
        world.target_user
    } else {
        world.case_id
    };
    route
        .path
        .replace("{file}", file)
        .replace("{id}", &id.to_string())
        .replace("{action}", "add-note")
        .replace("{doc}", &world.document_id.to_string())
        .replace("{version}", "1")
        .replace("{number}", "1")
        .replace("{token}", &"0".repeat(64))
        .replace("{participant}", &participant(world))
}

/// The participant of the matrix's message thread: the child's parent.
fn participant(world: &World) -> String {
    world
        .users
        .iter()
        .find(|(w, _)| *w == Who::ParentOfChild)
        .and_then(|(_, u)| u.as_ref())
        .map_or_else(|| "0".to_string(), |u| u.id.0.to_string())
}

/// A browser for `who`: a fresh session, or (signed out) one that has the sign-in page's
/// CSRF cookie and token.
async fn browser(world: &World, who: Who) -> Browser {
    let user = world
        .users
        .iter()
        .find(|(w, _)| *w == who)
        .and_then(|(_, u)| u.clone());
    match user {
        Some(user) => {
            // Professionals have a second factor (they reach no child's record without one);
            // a cell that removes it (POST /account/two-factor/remove) must not change the
            // cells after it.
            if user.role == Role::Professional {
                world
                    .app
                    .store
                    .set_totp_secret(user.id, Some("JBSWY3DPEHPK3PXP"))
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            world.app.session_for(&user).await
        }
        None => {
            let mut browser = Browser::new(&world.app);
            browser.get("/sign-in").await;
            browser
        }
    }
}

/// The form a POST sends in the matrix: nothing but what keeps a role change a no-op.
fn fields(path: &str) -> Vec<(&'static str, &'static str)> {
    if path.ends_with("/role") {
        vec![("role", "caseworker")]
    } else {
        Vec::new()
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_expected() {
    let world = world().await;
    let routes = router::list();
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    for route in &routes {
        let Some(row) = expected(route) else {
            missing.push(format!("{} {}", route.method, route.path));
            continue;
        };
        let path = concrete(route, &world);
        for (who, want) in EVERYONE.iter().zip(row) {
            let mut browser = browser(&world, *who).await;
            let page = if route.method == Method::GET {
                browser.get(&path).await
            } else {
                browser.post(&path, &fields(route.path)).await
            };
            if page.status.as_u16() != want {
                wrong.push(format!(
                    "{} {path} as {who:?}: {} (expected {want})",
                    route.method, page.status
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes with no row in the matrix (add one to `expected`): {missing:#?}"
    );
    assert!(
        wrong.is_empty(),
        "{} unexpected statuses: {wrong:#?}",
        wrong.len()
    );
}

#[tokio::test]
async fn a_method_a_route_does_not_have_is_405_and_an_unknown_address_404() {
    let world = world().await;
    let routes = router::list();
    let mut browser = browser(&world, Who::Admin).await;
    for route in &routes {
        let has_post = routes
            .iter()
            .any(|r| r.path == route.path && r.method == Method::POST);
        if route.method == Method::GET && !has_post && !route.path.starts_with("/api/") {
            let path = concrete(route, &world);
            let page = browser.post(&path, &[]).await;
            assert_eq!(page.status, 405, "POST {path}");
        }
    }
    for path in ["/no-such-page", "/cases", "/admin", "/cases/1/nope"] {
        assert_eq!(browser.get(path).await.status, 404, "{path}");
    }
}

#[tokio::test]
async fn another_las_case_and_user_are_not_found_even_to_its_staff_peers() {
    let world = world().await;
    let theirs = world
        .app
        .add_case_in(OTHER_LA_CODE, "Cy", "Elsewhere")
        .await;
    let their_user = world
        .app
        .add_user_in(
            Role::Caseworker,
            OTHER_LA_CODE,
            "cw@southdale.example",
            "Cy Worker",
        )
        .await;
    for who in [Who::Admin, Who::Manager, Who::Caseworker] {
        let mut browser = browser(&world, who).await;
        let page = browser.get(&format!("/cases/{}", theirs.id.0)).await;
        assert_eq!(page.status, 404, "{who:?}");
        assert!(!page.body.contains("Elsewhere"), "{who:?}");
    }
    let mut admin = browser(&world, Who::Admin).await;
    for path in [
        format!("/admin/users/{}", their_user.id.0),
        format!("/admin/users/{}/disable", their_user.id.0),
    ] {
        let page = if path.ends_with("disable") {
            admin.post(&path, &[]).await
        } else {
            admin.get(&path).await
        };
        assert_eq!(page.status, 404, "{path}");
    }
    let still = world
        .app
        .store
        .find_user(their_user.id)
        .await
        .ok()
        .flatten()
        .map(|u| u.disabled);
    assert_eq!(still, Some(false), "not disabled from another LA");
    // Their own admin sees the case list of their LA only.
    let mut other_admin = browser(&world, Who::AdminOfOtherLa).await;
    let page = other_admin.get("/caseload").await;
    assert!(page.body.contains("Elsewhere"));
    assert!(!page.body.contains("Ada Child"), "{}", page.body);
}

use waymark_store::prelude::*;
