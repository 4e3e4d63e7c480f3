//! Single sign-on for LA staff: "Sign in with your council account" (DESIGN.md, "Security
//! model"). The protocol is in [`crate::oidc`]; docs/sso.md says how a council sets it up.
//!
//! 1. `GET /sign-in/sso` starts a login: a random `state`, `nonce` and PKCE verifier; the
//!    nonce and verifier are stored in the database under a hash of the state
//!    ([`OidcStore::create_oidc_login`](waymark_store::OidcStore::create_oidc_login)), the
//!    state goes in a cookie ([`cookies::SSO`], `SameSite=Lax` so that it comes back with the
//!    provider's redirect, for 10 minutes) that binds the login to this browser, and the
//!    browser is sent to the provider.
//! 2. The provider sends the browser back to `GET /sign-in/sso/callback?code&state`. The state
//!    must match the cookie (so nobody can finish their own login in someone else's browser)
//!    and name a login started in the last 10 minutes that has not been finished
//!    ([`OidcStore::take_oidc_login`](waymark_store::OidcStore::take_oidc_login) deletes it:
//!    a state works once). The code is exchanged, the ID token verified, and its verified
//!    email looked up among Waymark's accounts.
//! 3. Only an existing, enabled account of LA staff (caseworker, manager, admin) is signed in:
//!    Waymark creates no accounts from single sign-on. The session starts exactly as after a
//!    password ([`crate::session::start`]: any earlier session in the browser ends, the
//!    failed-password count is cleared), `sign_in_sso` goes in the audit trail, and the user
//!    lands on their caseload ([`policy::home`]). A refused account of a known user is
//!    audited as `sign_in_failed`.
//!
//! An account locked by wrong passwords can still sign in this way: the lock stops password
//! guessing, and the council's provider has checked who this is. A second factor set up in
//! Waymark is not asked for either: the provider's own policies (multi-factor, conditional
//! access) apply.
//!
//! Anything else is a GOV.UK page saying what to do: "Sign-in did not work. Try again." (400),
//! "Your council account is not set up in Waymark. Ask your administrator." (403), or that the
//! council's sign-in is not working (503). Without OIDC configured, both addresses are 404.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use minijinja::context;
use serde::Deserialize;
use waymark_store::{NewAuditEntry, OIDC_LOGIN_EXPIRY, OidcLogin, Store, User};

use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::cookies::{self, SameSite};
use crate::error::{AppError, AppResult};
use crate::oidc::{Sso, SsoError};
use crate::router::RouteTable;
use crate::session::{self, CurrentUser};
use crate::templates::Nav;
use crate::{AppState, token};

/// Where a login starts.
pub const START_PATH: &str = "/sign-in/sso";

/// Where the provider sends the browser back: the redirect URL registered at the provider is
/// this service's address followed by this path.
pub const CALLBACK_PATH: &str = "/sign-in/sso/callback";

/// What the audit trail calls a sign-in through the council's provider.
pub const AUDIT_ACTION: &str = "sign_in_sso";

/// The single sign-on routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get(START_PATH, start::<S>)
        .get(CALLBACK_PATH, callback::<S>)
}

/// Why single sign-on did not sign someone in: which page they see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    /// "Sign-in did not work. Try again." (400)
    DidNotWork,
    /// "Your council account is not set up in Waymark. Ask your administrator." (403)
    NotSetUp,
    /// The account is not LA staff (403).
    StaffOnly,
    /// The provider cannot be reached (503).
    Unavailable,
}

impl Problem {
    fn status(self) -> StatusCode {
        match self {
            Problem::DidNotWork => StatusCode::BAD_REQUEST,
            Problem::NotSetUp | Problem::StaffOnly => StatusCode::FORBIDDEN,
            Problem::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Problem::DidNotWork => "did_not_work",
            Problem::NotSetUp => "not_set_up",
            Problem::StaffOnly => "staff_only",
            Problem::Unavailable => "unavailable",
        }
    }
}

/// The page for a problem. `why` is a fixed label for the log.
fn problem<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    problem: Problem,
    why: &'static str,
) -> AppResult<Response> {
    tracing::info!(why, "single sign-on refused");
    let page = state.templates.render(
        "sso/problem.html",
        nav,
        context! { problem => problem.name() },
    )?;
    Ok((problem.status(), page).into_response())
}

fn cookie_name<S>(state: &AppState<S>) -> String {
    cookies::name(cookies::SSO, state.config.behind_tls)
}

/// `GET /sign-in/sso`: sends the browser to the council's identity provider.
async fn start<S: Store>(State(state): State<AppState<S>>, nav: Nav) -> AppResult<Response> {
    let Some(sso) = state.sso.as_deref() else {
        return Err(AppError::NotFound);
    };
    let login_state = token::new_token()?;
    let begun = match sso.begin(login_state).await {
        Ok(begun) => begun,
        Err(err) => return problem(&state, &nav, Problem::Unavailable, err.kind()),
    };
    state
        .store
        .create_oidc_login(&OidcLogin {
            state_hash: token::hash(&begun.state),
            nonce: begun.nonce,
            pkce_verifier: begun.pkce_verifier,
            created_at: Utc::now(),
        })
        .await?;
    let bind = cookies::set_for(
        &cookie_name(&state),
        &begun.state,
        SameSite::Lax,
        state.config.behind_tls,
        OIDC_LOGIN_EXPIRY.num_seconds(),
    );
    Ok((
        [(header::SET_COOKIE, bind)],
        Redirect::to(&begun.authorize_url),
    )
        .into_response())
}

/// What the provider sends back: `code` and `state`, or `error` (the user cancelled, or the
/// provider refused), and `iss` from providers that support RFC 9207.
#[derive(Debug, Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

/// `GET /sign-in/sso/callback`: finishes the login (see the module documentation).
async fn callback<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    previous: Option<CurrentUser>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> AppResult<Response> {
    let Some(sso) = state.sso.as_deref() else {
        return Err(AppError::NotFound);
    };
    let Some(login_state) = query.state.clone().filter(|s| token::is_well_formed(s)) else {
        return problem(&state, &nav, Problem::DidNotWork, "state_missing");
    };
    // A state that did not start in this browser is refused without taking the login: it may
    // be someone else's, sent here to sign this browser in as them.
    let bound = cookies::get(&headers, &cookie_name(&state))
        .is_some_and(|cookie| token::same(cookie, &login_state));
    if !bound {
        return problem(&state, &nav, Problem::DidNotWork, "state_not_this_browser");
    }
    let mut response = finish(
        &state,
        sso,
        &nav,
        &ip,
        previous.as_ref(),
        &login_state,
        query,
    )
    .await?;
    // The login is used up, whatever the outcome: the browser can forget its cookie.
    response.headers_mut().append(
        header::SET_COOKIE,
        cookies::clear(&cookie_name(&state), state.config.behind_tls),
    );
    Ok(response)
}

/// The callback once the state is known to belong to this browser: takes the login, checks
/// the provider's answer and signs the user in, or says why not.
async fn finish<S: Store>(
    state: &AppState<S>,
    sso: &Sso,
    nav: &Nav,
    ip: &ClientIp,
    previous: Option<&CurrentUser>,
    login_state: &str,
    query: CallbackQuery,
) -> AppResult<Response> {
    let now = Utc::now();
    let Some(login) = state
        .store
        .take_oidc_login(&token::hash(login_state), now)
        .await?
    else {
        return problem(state, nav, Problem::DidNotWork, "state_unknown");
    };
    if query.error.is_some() {
        return problem(state, nav, Problem::DidNotWork, "provider_error");
    }
    if !sso.issuer_matches(query.iss.as_deref()) {
        return problem(state, nav, Problem::DidNotWork, "issuer_mismatch");
    }
    let Some(code) = query.code.filter(|code| !code.is_empty()) else {
        return problem(state, nav, Problem::DidNotWork, "code_missing");
    };
    let email = match sso.finish(&code, &login.nonce, &login.pkce_verifier).await {
        Ok(email) => email,
        Err(err @ SsoError::Unavailable(_)) => {
            return problem(state, nav, Problem::Unavailable, err.kind());
        }
        Err(err) => return problem(state, nav, Problem::DidNotWork, err.kind()),
    };
    let Some(user) = state.store.find_user_by_email(&email).await? else {
        return problem(state, nav, Problem::NotSetUp, "no_account");
    };
    let refused = if user.disabled {
        Some((Problem::NotSetUp, "account_disabled"))
    } else if !user.role.is_la_staff() {
        Some((Problem::StaffOnly, "not_staff"))
    } else {
        None
    };
    if let Some((refusal, why)) = refused {
        audit::record_for(
            &state.store,
            Some(user.id),
            &user.la,
            Action::SignInFailed,
            Record::User(user.id),
            ip,
        )
        .await?;
        return problem(state, nav, refusal, why);
    }
    sign_in(state, previous, &user, ip, now).await
}

/// Signs in a member of staff the provider vouched for, as a password sign-in does (see the
/// module documentation), and sends them to their caseload.
async fn sign_in<S: Store>(
    state: &AppState<S>,
    previous: Option<&CurrentUser>,
    user: &User,
    ip: &ClientIp,
    now: DateTime<Utc>,
) -> AppResult<Response> {
    if user.failed_sign_ins > 0 || user.locked_until.is_some() {
        state.store.clear_failed_sign_ins(user.id).await?;
    }
    if let Some(previous) = previous {
        session::end(state, previous).await?;
    }
    let session_cookie = session::start(state, user, now).await?;
    // `audit::Action` has no single sign-on variant; written here like `audit::record_for`
    // writes a password sign-in (`Record::Session`).
    state
        .store
        .append_audit(NewAuditEntry {
            at: now,
            user_id: Some(user.id),
            la: Some(user.la.clone()),
            action: AUDIT_ACTION.to_string(),
            record_type: "session".to_string(),
            record_id: None,
            case_id: None,
            ip: ip.0.map(|ip| ip.to_string()),
        })
        .await?;
    Ok((
        [(header::SET_COOKIE, session_cookie)],
        Redirect::to(crate::nav::home(user.role)),
    )
        .into_response())
}
