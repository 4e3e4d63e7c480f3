//! The invitee's side of an invitation link: `GET|POST /invitations/{token}`. See [`super`]
//! for the rules.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;
use waymark_store::domain::actor::Role;
use waymark_store::domain::password::check_password;
use waymark_store::portal::{Acceptance, Invitation, InvitationProblem};
use waymark_store::{CaseAccess, Store, StoreError, User, role_name};

use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppResult, FieldErrors};
use crate::session::{self, CurrentUser};
use crate::templates::Nav;
use crate::{AppState, passwords, token, uk_time};

/// An invitation that can still be used, from the token in its link; otherwise the page
/// saying why not (404 unknown, 410 used or expired).
async fn usable<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    token: &str,
) -> AppResult<Result<(String, Invitation), Response>> {
    let problem = if token::is_well_formed(token) {
        let hash = token::hash(token);
        match state.store.find_invitation(&hash).await? {
            Some(invitation) if invitation.used_at.is_some() => InvitationProblem::Used,
            Some(invitation) if invitation.expires_at <= Utc::now() => InvitationProblem::Expired,
            Some(invitation) => return Ok(Ok((hash, invitation))),
            None => InvitationProblem::Unknown,
        }
    } else {
        InvitationProblem::Unknown
    };
    problem_page(state, nav, problem).map(Err)
}

/// Why a link does not work, as a page: 404 for a link that never worked, 410 Gone for one
/// that did.
fn problem_page<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    problem: InvitationProblem,
) -> AppResult<Response> {
    let (status, key) = match problem {
        InvitationProblem::Unknown => (StatusCode::NOT_FOUND, "unknown"),
        InvitationProblem::Used => (StatusCode::GONE, "used"),
        InvitationProblem::Expired => (StatusCode::GONE, "expired"),
    };
    let html =
        state
            .templates
            .render("invitations/problem.html", nav, context! { problem => key })?;
    Ok((status, html).into_response())
}

/// What the invitation is for, in words for the person invited. It does not name the child:
/// the link may have been forwarded.
async fn purpose<S: Store>(state: &AppState<S>, invitation: &Invitation) -> AppResult<String> {
    let organisation = match invitation.organisation_id {
        Some(id) => state
            .store
            .organisations(&invitation.la)
            .await?
            .into_iter()
            .find(|o| o.id == id)
            .map(|o| o.name),
        None => None,
    };
    let staff_of = organisation
        .as_deref()
        .map(|name| format!("as staff of {name}, "))
        .unwrap_or_default();
    Ok(match (invitation.role.as_str(), invitation.case_id) {
        ("parent", _) if invitation.young_person => {
            "to follow your own EHC needs assessment and plan".to_string()
        }
        ("parent", _) => {
            "to follow your child’s EHC needs assessment and plan as their parent or carer"
                .to_string()
        }
        (_, Some(_)) if invitation.relation.as_deref() == Some(CaseAccess::NAMED) => {
            format!("{staff_of}for a child whose EHC plan names your setting")
        }
        (_, Some(_)) => format!("{staff_of}to give advice for a child’s EHC needs assessment"),
        (_, None) => match organisation {
            Some(name) if invitation.organisation_admin => {
                format!("to join {name}’s staff on Waymark, and manage who else does")
            }
            Some(name) => format!("to join {name}’s staff on Waymark"),
            None => "to join Waymark".to_string(),
        },
    })
}

/// How the person at the link accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// No account yet: choose a password.
    New,
    /// Signed in with the account the invitation is for: accept with it.
    Existing,
    /// An account exists: sign in first.
    SignIn,
    /// Signed in as someone else: sign out first.
    OtherUser,
    /// The account that exists is of another kind or council: it cannot take this invitation.
    Cannot,
}

impl Mode {
    fn key(self) -> &'static str {
        match self {
            Mode::New => "new",
            Mode::Existing => "existing",
            Mode::SignIn => "sign_in",
            Mode::OtherUser => "other_user",
            Mode::Cannot => "cannot",
        }
    }
}

/// Whether an existing account can take an invitation: the same kind of account, in the same
/// council, and not disabled.
fn fits(account: &User, invitation: &Invitation) -> bool {
    role_name(account.role) == invitation.role && account.la == invitation.la && !account.disabled
}

async fn mode<S: Store>(
    state: &AppState<S>,
    invitation: &Invitation,
    signed_in: Option<&CurrentUser>,
) -> AppResult<(Mode, Option<User>)> {
    let account = state.store.find_user_by_email(&invitation.email).await?;
    let mode = match (&account, signed_in) {
        (Some(account), _) if !fits(account, invitation) => Mode::Cannot,
        (Some(account), Some(user)) if user.id() == account.id => Mode::Existing,
        (_, Some(_)) => Mode::OtherUser,
        (Some(_), None) => Mode::SignIn,
        (None, None) => Mode::New,
    };
    Ok((mode, account))
}

async fn render_invitation<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    token: &str,
    invitation: &Invitation,
    mode: Mode,
    errors: &FieldErrors,
) -> AppResult<Response> {
    let next: String =
        url::form_urlencoded::byte_serialize(format!("/invitations/{token}").as_bytes()).collect();
    let html = state.templates.render(
        "invitations/accept.html",
        nav,
        context! {
            errors => Serde(errors),
            token => token,
            mode => mode.key(),
            name => &invitation.name,
            email => &invitation.email,
            purpose => purpose(state, invitation).await?,
            professional => invitation.role == role_name(Role::Professional),
            expires => uk_time::date_and_time(invitation.expires_at),
            sign_in_href => format!("/sign-in?next={next}"),
        },
    )?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

/// `GET /invitations/{token}`.
pub(super) async fn invitation_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    user: Option<CurrentUser>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let (_, invitation) = match usable(&state, &nav, &token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let (mode, _) = mode(&state, &invitation, user.as_ref()).await?;
    render_invitation(&state, &nav, &token, &invitation, mode, &FieldErrors::new()).await
}

/// The password form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct AcceptForm {
    new_password: String,
    confirm_password: String,
}

/// Where someone goes once they have accepted: a professional without a second factor sets
/// one up first; anyone else to their home page.
fn after_accepting(account: &User) -> &'static str {
    if account.role == Role::Professional && account.totp_secret.is_none() {
        "/account/two-factor"
    } else {
        crate::nav::home(account.role)
    }
}

/// `POST /invitations/{token}`: accepts with a new account (the password form) or with the
/// signed-in account the invitation is for.
pub(super) async fn accept<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: Option<CurrentUser>,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> AppResult<Response> {
    let (hash, invitation) = match usable(&state, &nav, &token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let (mode, _) = mode(&state, &invitation, user.as_ref()).await?;
    let now = Utc::now();
    let acceptance = match (mode, &user) {
        (Mode::Existing, Some(user)) => Acceptance::Existing(user.id()),
        (Mode::New, _) => {
            let mut errors = FieldErrors::new();
            if form.new_password.is_empty() {
                errors.add("new_password", "Enter a password");
            } else if let Err(problem) = check_password(&form.new_password, &invitation.email) {
                errors.add("new_password", problem.to_string());
            } else if form.new_password != form.confirm_password {
                errors.add("confirm_password", "Enter the same password twice");
            }
            if !errors.is_empty() {
                return render_invitation(&state, &nav, &token, &invitation, mode, &errors).await;
            }
            Acceptance::NewAccount {
                password_hash: passwords::hash(form.new_password).await?,
            }
        }
        // Nothing to accept with here: the page says what to do.
        (other, _) => {
            return render_invitation(
                &state,
                &nav,
                &token,
                &invitation,
                other,
                &FieldErrors::new(),
            )
            .await;
        }
    };
    let existing = matches!(acceptance, Acceptance::Existing(_));
    let account = match state.store.accept_invitation(&hash, acceptance, now).await {
        Ok(Ok(account)) => account,
        Ok(Err(problem)) => return problem_page(&state, &nav, problem),
        // Someone made an account with this address since the page was shown.
        Err(StoreError::DuplicateEmail) => {
            return render_invitation(
                &state,
                &nav,
                &token,
                &invitation,
                Mode::SignIn,
                &FieldErrors::new(),
            )
            .await;
        }
        Err(other) => return Err(other.into()),
    };
    audit::record_for(
        &state.store,
        Some(account.id),
        &invitation.la,
        Action::AcceptInvitation,
        Record::Invitation(invitation.id, invitation.case_id),
        &ip,
    )
    .await?;
    let mut response = Redirect::to(after_accepting(&account)).into_response();
    if !existing {
        let cookie = session::start(&state, &account, now).await?;
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}
