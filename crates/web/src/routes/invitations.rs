//! Invitations: how parents, carers, young people and professionals get their Waymark
//! accounts. Nobody outside the council signs up by themselves; someone who may (a caseworker,
//! an LA administrator, an organisation's administrator) invites them, by email and with a
//! link they can also pass on by hand.
//!
//! - `GET|POST /cases/{id}/invite` (LA staff of the case's LA): invite a parent or carer, the
//!   young person (16 or over today: younger children have no account of their own), or a
//!   professional of an organisation, chosen from the council's register or registered there
//!   and then (a school by its URN; schools over the border and independent schools too), to
//!   give `advice` or because their setting is `named`. The page lists the case's invitations:
//!   waiting, accepted, expired.
//! - `GET|POST /invitations/{token}`: the person invited sets a password (the NCSC rules the
//!   account page uses) and accepts. Someone who already has an account with that email
//!   address signs in first and accepts with it. A professional goes straight on to set up
//!   two-factor authentication, which their pages insist on.
//!
//! The link's token is 32 random bytes, shown once; the database keeps only its SHA-256. A link
//! works once and for [`VALID_FOR`]: a used or expired link answers 410 Gone, an unknown one
//! 404, each with a page saying what to do. Accepting is one transaction in the store (the
//! account, the organisation's staff list, the access to the case).
//!
//! [`send`] is shared with the organisation pages ([`super::organisation`]).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::{Deserialize, Serialize};
use serde_json::json;
use waymark_store::domain::actor::Role;
use waymark_store::domain::password::check_password;
use waymark_store::portal::{
    Acceptance, Invitation, InvitationProblem, NewInvitation, NewNotification, ORGANISATION_KINDS,
    Organisation,
};
use waymark_store::{CaseAccess, CaseId, LaCode, Store, StoreError, User, role_name};

use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppResult, FieldErrors};
use crate::routes::RouteTable;
use crate::routes::cases::case_id;
use crate::session::{self, CurrentUser};
use crate::templates::Nav;
use crate::{AppState, notices, passwords, policy, token, uk_time};

/// How long an invitation link works.
pub const VALID_FOR: chrono::Duration = chrono::Duration::days(7);

/// The age from which a young person may have their own account (and, in the SEND
/// framework, make decisions for themselves: Children and Families Act 2014, s.80 and the
/// Code of Practice 8.13 from the end of compulsory school age; Waymark lets them in at 16).
pub const YOUNG_PERSON_AGE: u32 = 16;

/// The invitation routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/cases/{id}/invite", invite_page::<S>)
        .post("/cases/{id}/invite", invite::<S>)
        .get("/invitations/{token}", invitation_page::<S>)
        .post("/invitations/{token}", accept::<S>)
}

/// An organisation kind in plain words.
pub(crate) fn kind_label(kind: &str) -> &str {
    match kind {
        "school" => "School, college or early years setting",
        "health" => "NHS trust or health service",
        "social_care" => "Social care team",
        "educational_psychology" => "Educational psychology service",
        "other" => "Other organisation",
        other => other,
    }
}

/// The kinds of organisation, as radio options.
pub(crate) fn kind_options() -> Vec<Value> {
    ORGANISATION_KINDS
        .iter()
        .map(|kind| context! { value => *kind, label => kind_label(kind) })
        .collect()
}

/// One `@` with something either side, a dot in the domain and no spaces: enough to catch a
/// slip (whether the address works is proved by the invitation reaching it).
pub(crate) fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// Checks a name and an email address typed into an invitation form.
pub(crate) fn check_person(name: &str, email: &str, errors: &mut FieldErrors) {
    if name.is_empty() {
        errors.add("name", "Enter their full name");
    }
    if email.is_empty() {
        errors.add("email", "Enter their email address");
    } else if !looks_like_email(email) {
        errors.add(
            "email",
            "Enter an email address in the correct format, like name@example.com",
        );
    }
}

/// A school's URN as typed: 6 digits (GIAS), spaces allowed.
pub(crate) fn parse_urn(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// A new organisation as typed: its kind, name and (for a school) URN. Errors go under
/// `{prefix}kind`, `{prefix}name`, `{prefix}urn`.
pub(crate) fn check_new_organisation(
    kind: &str,
    name: &str,
    urn: &str,
    prefix: &str,
    errors: &mut FieldErrors,
) -> Option<(String, String, Option<String>)> {
    let mut ok = true;
    if !ORGANISATION_KINDS.contains(&kind) {
        errors.add(format!("{prefix}kind"), "Select the kind of organisation");
        ok = false;
    }
    if name.trim().is_empty() {
        errors.add(format!("{prefix}name"), "Enter the organisation’s name");
        ok = false;
    }
    let urn = if kind == "school" {
        let parsed = parse_urn(urn);
        if parsed.is_none() {
            errors.add(
                format!("{prefix}urn"),
                "Enter the school’s URN, 6 digits, as Get Information about Schools shows it",
            );
            ok = false;
        }
        parsed
    } else {
        None
    };
    ok.then(|| (kind.to_string(), name.trim().to_string(), urn))
}

/// The registered organisation that is the same as a new one (a school by its URN, anything
/// else by kind and name), or a new registration.
///
/// # Errors
/// The store failed.
pub(crate) async fn find_or_register<S: Store>(
    store: &S,
    la: &LaCode,
    (kind, name, urn): (String, String, Option<String>),
) -> AppResult<Organisation> {
    let existing = store.organisations(la).await?.into_iter().find(|o| {
        o.kind == kind
            && match &urn {
                Some(urn) => o.urn.as_deref() == Some(urn.as_str()),
                None => policy::same_organisation(&o.name, &name),
            }
    });
    match existing {
        Some(organisation) => Ok(organisation),
        None => Ok(store
            .create_organisation(la, &kind, &name, urn.as_deref())
            .await?),
    }
}

/// Who is invited and to what, for [`send`].
pub(crate) struct Invite<'a> {
    /// Their name.
    pub name: &'a str,
    /// Their email address.
    pub email: &'a str,
    /// `Parent` or `Professional`.
    pub role: Role,
    /// A young person in their own right.
    pub young_person: bool,
    /// The organisation a professional joins.
    pub organisation: Option<&'a Organisation>,
    /// Whether they will administer its staff.
    pub organisation_admin: bool,
    /// The case, with their relation to it.
    pub case: Option<(CaseId, &'a str)>,
}

/// An invitation made: its number, the link to give the person, and when it stops working.
pub(crate) struct Sent {
    /// The invitation's number.
    pub id: i64,
    /// The link, absolute where this instance knows its address.
    pub link: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// The address of this instance as people reach it: the configured public URL, else the
/// address this request came to.
fn public_base<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> String {
    let configured = state.config.public_url.trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or("");
    if host.is_empty() {
        String::new()
    } else {
        let scheme = if state.config.behind_tls {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{host}")
    }
}

/// Stores an invitation for `who` from `user`, queues the `invite` email with its link, and
/// records it in the audit trail.
///
/// # Errors
/// The store failed (the case is not the LA's: not found).
pub(crate) async fn send<S: Store>(
    state: &AppState<S>,
    headers: &HeaderMap,
    user: &CurrentUser,
    ip: &ClientIp,
    who: Invite<'_>,
) -> AppResult<Sent> {
    let token = token::new_token()?;
    let now = Utc::now();
    let expires_at = now + VALID_FOR;
    let id = state
        .store
        .create_invitation(&NewInvitation {
            token_hash: token::hash(&token),
            la: user.la().clone(),
            email: who.email.to_string(),
            name: who.name.to_string(),
            role: who.role,
            young_person: who.young_person,
            organisation_id: who.organisation.map(|o| o.id),
            organisation_admin: who.organisation_admin,
            case: who
                .case
                .map(|(case, relation)| (case, relation.to_string())),
            invited_by: user.id(),
            created_at: now,
            expires_at,
        })
        .await?;
    let path = format!("/invitations/{token}");
    // The email's link is what the notices module would make; the page shows an absolute one.
    let email_link = format!("{}{path}", state.config.public_url.trim_end_matches('/'));
    state
        .store
        .enqueue_notification(&NewNotification {
            la: Some(user.la().clone()),
            template: notices::template::INVITE.to_string(),
            recipient: who.email.to_string(),
            personalisation: json!({
                "first_name": notices::first_name(who.name),
                "link": email_link,
            }),
            idempotency_key: format!("{}:invitation:{id}", notices::template::INVITE),
            created_at: now,
        })
        .await?;
    audit::record(
        &state.store,
        user,
        Action::Invite,
        Record::Invitation(id, who.case.map(|(case, _)| case)),
        ip,
    )
    .await?;
    Ok(Sent {
        id,
        link: format!("{}{path}", public_base(state, headers)),
        expires_at,
    })
}

/// The page that gives the link to whoever invited (`invitations/created.html`).
pub(crate) fn created_page<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    name: &str,
    email: &str,
    sent: &Sent,
    back: (&str, &str),
) -> AppResult<Html<String>> {
    state.templates.render(
        "invitations/created.html",
        nav,
        context! {
            name => name,
            email => email,
            link => &sent.link,
            number => sent.id,
            expires => uk_time::date_and_time(sent.expires_at),
            back_href => back.0,
            back_label => back.1,
        },
    )
}

/// Where an invitation stands.
pub(crate) fn status(invitation: &Invitation, now: DateTime<Utc>) -> (String, &'static str) {
    match invitation.used_at {
        Some(used) => (
            format!("Accepted {}", uk_time::date(uk_time::local(used).date())),
            "govuk-tag--green",
        ),
        None if invitation.expires_at <= now => ("Expired".to_string(), "govuk-tag--grey"),
        None => (
            format!(
                "Waiting until {}",
                uk_time::date(uk_time::local(invitation.expires_at).date())
            ),
            "govuk-tag--blue",
        ),
    }
}

/// The invitation form as sent.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct InviteForm {
    kind: String,
    name: String,
    email: String,
    organisation: String,
    org_kind: String,
    org_name: String,
    org_urn: String,
    relation: String,
    organisation_admin: String,
}

impl InviteForm {
    fn trimmed(mut self) -> InviteForm {
        for field in [
            &mut self.kind,
            &mut self.name,
            &mut self.email,
            &mut self.organisation,
            &mut self.org_kind,
            &mut self.org_name,
            &mut self.org_urn,
            &mut self.relation,
        ] {
            *field = field.trim().to_string();
        }
        self
    }
}

/// Renders the case's invitation page.
async fn render_invite<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    work: &policy::CaseWork<'_>,
    form: &InviteForm,
    errors: &FieldErrors,
) -> AppResult<Response> {
    let loaded = work.load(&state.store).await?;
    let case = &loaded.case;
    let la = work.la();
    let organisations = state.store.organisations(la).await?;
    let now = Utc::now();
    let today = uk_time::today();
    let age = today.years_since(case.child.date_of_birth).unwrap_or(0);
    let names: std::collections::HashMap<i64, &str> = organisations
        .iter()
        .map(|o| (o.id, o.name.as_str()))
        .collect();
    let invitations: Vec<_> = state
        .store
        .invitations(la)
        .await?
        .into_iter()
        .filter(|i| i.case_id == Some(work.case_id()))
        .map(|i| {
            let (status, tag) = status(&i, now);
            let who = match (i.role.as_str(), i.young_person) {
                ("parent", true) => "The young person".to_string(),
                ("parent", false) => "Parent or carer".to_string(),
                _ => format!(
                    "{}{}",
                    i.organisation_id
                        .and_then(|id| names.get(&id).copied())
                        .unwrap_or("Professional"),
                    match i.relation.as_deref() {
                        Some(CaseAccess::NAMED) => ", named on the plan",
                        _ => ", to give advice",
                    }
                ),
            };
            context! {
                name => i.name, email => i.email, who => who, status => status, tag => tag,
                invited => uk_time::date_and_time(i.created_at),
            }
        })
        .collect();
    let awaited: Vec<String> = case
        .advice
        .iter()
        .filter(|a| a.received.is_none())
        .map(|a| a.organisation.clone())
        .collect();
    let organisation_options: Vec<_> = organisations
        .iter()
        .map(|o| {
            let label = match &o.urn {
                Some(urn) => format!("{} (URN {urn})", o.name),
                None => o.name.clone(),
            };
            context! { value => o.id.to_string(), label => label }
        })
        .collect();
    let html = state.templates.render(
        "invitations/invite.html",
        nav,
        context! {
            errors => Serde(errors),
            id => work.case_id().0,
            name => format!("{} {}", case.child.given_name, case.child.family_name),
            reference => &case.reference,
            young_person_allowed => age >= YOUNG_PERSON_AGE,
            form => Serde(form),
            organisations => organisation_options,
            kinds => kind_options(),
            awaited => awaited,
            invitations => invitations,
        },
    )?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

/// `GET /cases/{id}/invite`.
async fn invite_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = case_id(&id)?;
    let work = policy::can_work_on_case(&state.store, &user, id).await?;
    let form = InviteForm {
        relation: CaseAccess::ADVICE.to_string(),
        ..InviteForm::default()
    };
    render_invite(&state, &nav, &work, &form, &FieldErrors::new()).await
}

/// `POST /cases/{id}/invite`: checks the form, registers a new organisation if one was
/// typed, stores the invitation, queues its email and shows the link.
async fn invite<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    let id = case_id(&id)?;
    let work = policy::can_work_on_case(&state.store, &user, id).await?;
    let form = form.trimmed();
    let mut errors = FieldErrors::new();
    let (role, young_person) = match form.kind.as_str() {
        "parent" => (Some(Role::Parent), false),
        "young_person" => (Some(Role::Parent), true),
        "professional" => (Some(Role::Professional), false),
        _ => {
            errors.add("kind", "Select who you are inviting");
            (None, false)
        }
    };
    check_person(&form.name, &form.email, &mut errors);
    if young_person {
        let loaded = work.load(&state.store).await?;
        let age = uk_time::today()
            .years_since(loaded.case.child.date_of_birth)
            .unwrap_or(0);
        if age < YOUNG_PERSON_AGE {
            errors.add(
                "kind",
                format!(
                    "The child is {age}: a young person can have their own account from \
                     {YOUNG_PERSON_AGE}. Invite their parent or carer instead"
                ),
            );
        }
    }
    // A professional's organisation: one of the register, or a new one to register.
    let mut organisation = None;
    let mut new_organisation = None;
    if role == Some(Role::Professional) {
        match form.organisation.as_str() {
            "" => errors.add(
                "organisation",
                "Select their organisation, or register a new one",
            ),
            "new" => {
                new_organisation = check_new_organisation(
                    &form.org_kind,
                    &form.org_name,
                    &form.org_urn,
                    "org_",
                    &mut errors,
                );
            }
            chosen => {
                let found = state
                    .store
                    .organisations(work.la())
                    .await?
                    .into_iter()
                    .find(|o| o.id.to_string() == chosen);
                match found {
                    Some(found) => organisation = Some(found),
                    None => errors.add(
                        "organisation",
                        "Select their organisation, or register a new one",
                    ),
                }
            }
        }
        if ![CaseAccess::ADVICE, CaseAccess::NAMED].contains(&form.relation.as_str()) {
            errors.add("relation", "Select why they need to see this case");
        }
    }
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return render_invite(&state, &nav, &work, &form, &errors).await;
    };
    if let Some(new) = new_organisation {
        let registered = find_or_register(&state.store, work.la(), new).await?;
        audit::record(
            &state.store,
            &user,
            Action::RegisterOrganisation,
            Record::Organisation(registered.id),
            &ip,
        )
        .await?;
        organisation = Some(registered);
    }
    let relation = if role == Role::Professional {
        form.relation.as_str()
    } else {
        CaseAccess::PARENT
    };
    let sent = send(
        &state,
        &headers,
        &user,
        &ip,
        Invite {
            name: &form.name,
            email: &form.email,
            role,
            young_person,
            organisation: organisation.as_ref(),
            organisation_admin: form.organisation_admin == "yes",
            case: Some((id, relation)),
        },
    )
    .await?;
    let back = format!("/cases/{}/invite", id.0);
    Ok(created_page(
        &state,
        &nav,
        &form.name,
        &form.email,
        &sent,
        (&back, "Back to the case’s invitations"),
    )?
    .into_response())
}

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
async fn invitation_page<S: Store>(
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
struct AcceptForm {
    new_password: String,
    confirm_password: String,
}

/// Where someone goes once they have accepted: a professional without a second factor sets
/// one up first; anyone else to their home page.
fn after_accepting(account: &User) -> &'static str {
    if account.role == Role::Professional && account.totp_secret.is_none() {
        "/account/two-factor"
    } else {
        policy::home(account.role)
    }
}

/// `POST /invitations/{token}`: accepts with a new account (the password form) or with the
/// signed-in account the invitation is for.
async fn accept<S: Store>(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urns_are_six_digits() {
        assert_eq!(parse_urn("100 001").as_deref(), Some("100001"));
        assert_eq!(parse_urn("10000"), None);
        assert_eq!(parse_urn("10000a"), None);
        assert_eq!(parse_urn("10000123"), None);
    }

    #[test]
    fn a_new_school_needs_its_urn_and_other_organisations_do_not_keep_one() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            check_new_organisation("school", "Hillside", "12", "org_", &mut errors),
            None
        );
        assert!(errors.get("org_urn").is_some());
        let mut errors = FieldErrors::new();
        assert_eq!(
            check_new_organisation("health", " Riverside Trust ", "123456", "", &mut errors),
            Some(("health".into(), "Riverside Trust".into(), None))
        );
        assert!(errors.is_empty());
        let mut errors = FieldErrors::new();
        assert_eq!(
            check_new_organisation("spaceship", "", "", "", &mut errors),
            None
        );
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn email_addresses_are_checked_for_slips_only() {
        assert!(looks_like_email("sam@school.sch.uk"));
        for bad in ["sam", "sam@", "@x.org", "sam@x", "s am@x.org", "sam@x.org."] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}
