//! Organisations the council works with (schools, NHS trusts, social care teams, educational
//! psychology services), and who of their staff uses Waymark.
//!
//! - `GET /organisation` (a professional who administers their organisation): its staff on
//!   Waymark, invitations waiting, a form to invite a colleague (an invitation to the
//!   organisation, not to a case: what they see comes from the advice asked of the
//!   organisation).
//! - `POST /organisation/invite`, `POST /organisation/staff/{id}/remove`: invite a colleague;
//!   remove one who has left. Removing disables their account (signing them out everywhere)
//!   and closes their access to every case. The store has no way yet to take someone off an
//!   organisation's staff list, so they stay on it, shown as removed.
//! - `GET|POST /admin/organisations` (LA administrators): the register of organisations;
//!   register one (a school by its URN, which need not be in this council's area);
//!   `POST /admin/organisations/invite`: invite an organisation's first administrator.
//!
//! Professionals set up two-factor authentication before these pages open to them.
//!
//! The rules for registering an organisation ([`check_new_organisation`], [`find_or_register`])
//! are here too: the invitation form registers one on the spot.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use minijinja::context;
use minijinja::value::Serde;
use minijinja::value::Value;
use serde::{Deserialize, Serialize};
use waymark_store::domain::actor::Role;
use waymark_store::portal::{ORGANISATION_KINDS, Organisation};
use waymark_store::{CaseAccess, LaCode, Store, UserId};

use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::features::invitations::{self, Invite};
use crate::features::professional::two_factor_first;
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, policy};

/// The organisation routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new()
        .get("/organisation", staff_page::<S>)
        .post("/organisation/invite", invite_colleague::<S>)
        .post("/organisation/staff/{id}/remove", remove_colleague::<S>)
        .get("/admin/organisations", register_page::<S>)
        .post("/admin/organisations", register::<S>)
        .post("/admin/organisations/invite", invite_administrator::<S>)
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

/// A user id from a path: anything else is a page that does not exist.
fn user_id(text: &str) -> AppResult<UserId> {
    text.parse::<i64>()
        .map(UserId)
        .map_err(|_| AppError::NotFound)
}

/// What the staff page says has just happened (`?removed=`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Done {
    removed: String,
    registered: String,
}

/// The invite-a-colleague form.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct ColleagueForm {
    organisation: String,
    name: String,
    email: String,
    admin: String,
}

/// The organisations the professional administers; 403 if none.
async fn administered<'u, S: Store>(
    state: &AppState<S>,
    user: &'u CurrentUser,
) -> AppResult<Vec<policy::OrganisationAdmin<'u>>> {
    let admins = policy::can_manage_organisations(&state.store, user).await?;
    if admins.is_empty() {
        Err(AppError::Forbidden)
    } else {
        Ok(admins)
    }
}

/// Renders `/organisation`, with `errors` and what was typed for the organisation the
/// invitation was for.
async fn render_staff<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    admins: &[policy::OrganisationAdmin<'_>],
    typed: &ColleagueForm,
    errors: &FieldErrors,
    removed: Option<String>,
) -> AppResult<Response> {
    let now = Utc::now();
    let la = admins
        .first()
        .map(|a| a.user().la().clone())
        .ok_or(AppError::Forbidden)?;
    let invitations = state.store.invitations(&la).await?;
    let mut organisations = Vec::new();
    for admin in admins {
        let organisation = admin.organisation();
        let staff: Vec<_> = admin
            .staff(&state.store)
            .await?
            .into_iter()
            .map(|(member, is_admin)| {
                context! {
                    id => member.id.0,
                    name => member.name,
                    email => member.email,
                    admin => is_admin,
                    removed => member.disabled,
                    is_self => member.id == admin.user().id(),
                }
            })
            .collect();
        let waiting: Vec<_> = invitations
            .iter()
            .filter(|i| {
                i.organisation_id == Some(organisation.id)
                    && i.case_id.is_none()
                    && i.used_at.is_none()
            })
            .map(|i| {
                let (status, tag) = invitations::status(i, now);
                context! { name => &i.name, email => &i.email, status => status, tag => tag }
            })
            .collect();
        organisations.push(context! {
            id => organisation.id,
            name => &organisation.name,
            kind => kind_label(&organisation.kind),
            urn => &organisation.urn,
            staff => staff,
            waiting => waiting,
        });
    }
    let html = state.templates.render(
        "organisation/staff.html",
        nav,
        context! {
            errors => Serde(errors),
            form => Serde(typed),
            organisations => organisations,
            options => admins
                .iter()
                .map(|a| context! {
                    value => a.organisation().id.to_string(),
                    label => &a.organisation().name,
                })
                .collect::<Vec<_>>(),
            removed => removed,
        },
    )?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

/// `GET /organisation`.
async fn staff_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Query(done): Query<Done>,
) -> AppResult<Response> {
    if let Some(first) = two_factor_first(&user) {
        return Ok(first);
    }
    let admins = administered(&state, &user).await?;
    for admin in &admins {
        audit::record(
            &state.store,
            &user,
            Action::ViewOrganisation,
            Record::Organisation(admin.organisation().id),
            &ip,
        )
        .await?;
    }
    let removed = (!done.removed.is_empty()).then(|| done.removed.clone());
    render_staff(
        &state,
        &nav,
        &admins,
        &ColleagueForm::default(),
        &FieldErrors::new(),
        removed,
    )
    .await
}

/// `POST /organisation/invite`.
async fn invite_colleague<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    headers: HeaderMap,
    Form(form): Form<ColleagueForm>,
) -> AppResult<Response> {
    if let Some(first) = two_factor_first(&user) {
        return Ok(first);
    }
    let admins = administered(&state, &user).await?;
    let form = ColleagueForm {
        organisation: form.organisation.trim().to_string(),
        name: form.name.trim().to_string(),
        email: form.email.trim().to_string(),
        admin: form.admin,
    };
    let admin = admins
        .iter()
        .find(|a| a.organisation().id.to_string() == form.organisation)
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    invitations::check_person(&form.name, &form.email, &mut errors);
    if errors.is_empty() {
        let already = admin
            .staff(&state.store)
            .await?
            .into_iter()
            .any(|(member, _)| member.email.eq_ignore_ascii_case(&form.email));
        if already {
            errors.add(
                "email",
                format!(
                    "{} already has someone with this email address",
                    admin.organisation().name
                ),
            );
        }
    }
    if !errors.is_empty() {
        return render_staff(&state, &nav, &admins, &form, &errors, None).await;
    }
    let sent = invitations::send(
        &state,
        &headers,
        &user,
        &ip,
        Invite {
            name: &form.name,
            email: &form.email,
            role: Role::Professional,
            young_person: false,
            organisation: Some(admin.organisation()),
            organisation_admin: form.admin == "yes",
            case: None,
        },
    )
    .await?;
    Ok(invitations::created_page(
        &state,
        &nav,
        &form.name,
        &form.email,
        &sent,
        ("/organisation", "Back to your organisation"),
    )?
    .into_response())
}

/// The remove form: which organisation the colleague is removed from.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RemoveForm {
    organisation: String,
}

/// `POST /organisation/staff/{id}/remove`: disables the colleague's account and closes their
/// access to every case (see the module documentation).
async fn remove_colleague<S: Store>(
    State(state): State<AppState<S>>,
    ip: ClientIp,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<RemoveForm>,
) -> AppResult<Response> {
    if let Some(first) = two_factor_first(&user) {
        return Ok(first);
    }
    let admins = administered(&state, &user).await?;
    let id = user_id(&id)?;
    let admin = admins
        .iter()
        .find(|a| a.organisation().id.to_string() == form.organisation.trim())
        .ok_or(AppError::NotFound)?;
    let colleague = admin.colleague(&state.store, id).await?;
    let now = Utc::now();
    for case in state.store.cases_for_user(colleague.id).await? {
        for access in state.store.open_case_access(colleague.id, case).await? {
            if access.relation != CaseAccess::PARENT {
                state
                    .store
                    .close_case_access(colleague.id, case, &access.relation, now)
                    .await?;
            }
        }
    }
    state.store.set_disabled(colleague.id, true).await?;
    audit::record(
        &state.store,
        &user,
        Action::RemoveColleague,
        Record::User(colleague.id),
        &ip,
    )
    .await?;
    let name: String = url::form_urlencoded::byte_serialize(colleague.name.as_bytes()).collect();
    Ok(Redirect::to(&format!("/organisation?removed={name}")).into_response())
}

/// The register-an-organisation form and the invite-an-administrator form.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct RegisterForm {
    kind: String,
    name: String,
    urn: String,
    organisation: String,
    admin_name: String,
    admin_email: String,
}

async fn render_register<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    admin: &policy::UserAdmin<'_>,
    typed: &RegisterForm,
    errors: &FieldErrors,
    registered: Option<String>,
) -> AppResult<Response> {
    let mut rows = Vec::new();
    let organisations = state.store.organisations(admin.la()).await?;
    for o in &organisations {
        let staff = state.store.organisation_members(o.id).await?;
        rows.push(context! {
            id => o.id,
            name => &o.name,
            kind => kind_label(&o.kind),
            urn => &o.urn,
            staff => staff.len(),
            admins => staff.iter().filter(|(_, a)| *a).count(),
        });
    }
    let options: Vec<_> = organisations
        .iter()
        .map(|o| context! { value => o.id.to_string(), label => &o.name })
        .collect();
    let html = state.templates.render(
        "organisation/register.html",
        nav,
        context! {
            errors => Serde(errors),
            form => Serde(typed),
            organisations => rows,
            options => options,
            kinds => kind_options(),
            registered => registered,
        },
    )?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

/// `GET /admin/organisations` (LA administrators).
async fn register_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    user: CurrentUser,
    Query(done): Query<Done>,
) -> AppResult<Response> {
    let admin = policy::can_manage_users(&user).ok_or(AppError::Forbidden)?;
    let registered = (!done.registered.is_empty()).then(|| done.registered.clone());
    render_register(
        &state,
        &nav,
        &admin,
        &RegisterForm::default(),
        &FieldErrors::new(),
        registered,
    )
    .await
}

/// `POST /admin/organisations`: registers an organisation (or finds the one registered
/// already: a school by its URN, others by kind and name).
async fn register<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Form(form): Form<RegisterForm>,
) -> AppResult<Response> {
    let admin = policy::can_manage_users(&user).ok_or(AppError::Forbidden)?;
    let mut errors = FieldErrors::new();
    let Some(new) =
        check_new_organisation(form.kind.trim(), &form.name, &form.urn, "", &mut errors)
    else {
        return render_register(&state, &nav, &admin, &form, &errors, None).await;
    };
    let organisation = find_or_register(&state.store, admin.la(), new).await?;
    audit::record(
        &state.store,
        &user,
        Action::RegisterOrganisation,
        Record::Organisation(organisation.id),
        &ip,
    )
    .await?;
    let name: String = url::form_urlencoded::byte_serialize(organisation.name.as_bytes()).collect();
    Ok(Redirect::to(&format!("/admin/organisations?registered={name}")).into_response())
}

/// `POST /admin/organisations/invite`: invites someone to administer an organisation's staff.
async fn invite_administrator<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    headers: HeaderMap,
    Form(form): Form<RegisterForm>,
) -> AppResult<Response> {
    let admin = policy::can_manage_users(&user).ok_or(AppError::Forbidden)?;
    let form = RegisterForm {
        admin_name: form.admin_name.trim().to_string(),
        admin_email: form.admin_email.trim().to_string(),
        organisation: form.organisation.trim().to_string(),
        ..RegisterForm::default()
    };
    let mut errors = FieldErrors::new();
    let organisation = state
        .store
        .organisations(admin.la())
        .await?
        .into_iter()
        .find(|o| o.id.to_string() == form.organisation);
    if organisation.is_none() {
        errors.add("organisation", "Select the organisation");
    }
    let mut person = FieldErrors::new();
    invitations::check_person(&form.admin_name, &form.admin_email, &mut person);
    for error in person.iter() {
        errors.add(format!("admin_{}", error.field), error.message.clone());
    }
    let (Some(organisation), true) = (organisation, errors.is_empty()) else {
        return render_register(&state, &nav, &admin, &form, &errors, None).await;
    };
    let sent = invitations::send(
        &state,
        &headers,
        &user,
        &ip,
        Invite {
            name: &form.admin_name,
            email: &form.admin_email,
            role: Role::Professional,
            young_person: false,
            organisation: Some(&organisation),
            organisation_admin: true,
            case: None,
        },
    )
    .await?;
    Ok(invitations::created_page(
        &state,
        &nav,
        &form.admin_name,
        &form.admin_email,
        &sent,
        ("/admin/organisations", "Back to organisations"),
    )?
    .into_response())
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
    fn only_numbers_are_user_ids() {
        assert!(user_id("12").is_ok());
        assert!(matches!(user_id("twelve"), Err(AppError::NotFound)));
    }
}
