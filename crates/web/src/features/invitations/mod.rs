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
//! Inviting is here; the invitee's side of the link is in [`accept`]. [`send`] is shared with
//! the organisation pages ([`super::organisation`]).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};
use serde_json::json;
use waymark_store::domain::actor::Role;
use waymark_store::domain::{EmailAddress, EmailAddressError};
use waymark_store::portal::{Invitation, NewInvitation, NewNotification, Organisation};
use waymark_store::{CaseAccess, CaseId, Store};

use super::organisation::{check_new_organisation, find_or_register, kind_options};
use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppResult, FieldErrors};
use crate::features::cases::case_id;
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, notices, policy, token, uk_time};

mod accept;

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
        .get("/invitations/{token}", accept::invitation_page::<S>)
        .post("/invitations/{token}", accept::accept::<S>)
}

/// Checks a name and an email address typed into an invitation form.
pub(crate) fn check_person(name: &str, email: &str, errors: &mut FieldErrors) {
    if name.is_empty() {
        errors.add("name", "Enter their full name");
    }
    match EmailAddress::parse(email) {
        Ok(_) => {}
        Err(EmailAddressError::Empty) => errors.add("email", "Enter their email address"),
        Err(EmailAddressError::Format(_)) => errors.add(
            "email",
            "Enter an email address in the correct format, like name@example.com",
        ),
    }
}

/// A school's URN as typed: 6 digits (GIAS), spaces allowed.
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
    let today = state.app.today();
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
        let age = state
            .app
            .today()
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
