//! A school's part: answering the council's consultation about naming it
//! (`GET|POST /consultations/{id}/{number}`) and requesting an assessment for a pupil
//! (`GET|POST /advice/request-assessment`). See [`super`] for the rules.

use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};
use waymark_store::cases::LoadedCase;
use waymark_store::domain::EmailAddress;
use waymark_store::domain::Upn;
use waymark_store::domain::case::{Child, ContactPreference, ParentCarer, Placement, Request};
use waymark_store::domain::clock;
use waymark_store::domain::command::{Command, Field, NewRequest};
use waymark_store::{CaseAccess, Store};

use super::{child_name, desk, due, refused, request_path, run};
use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::forms::FormData;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, token, uk_time};

/// The consultation form.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct ConsultationForm {
    agreed: String,
}

async fn render_consultation<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    loaded: &LoadedCase,
    number: u32,
    form: &ConsultationForm,
    errors: &FieldErrors,
) -> AppResult<Response> {
    let case = &loaded.case;
    let consultation = case
        .consultations
        .iter()
        .find(|c| c.number == number)
        .ok_or(AppError::NotFound)?;
    let today = state.app.today();
    let by = clock::consultation_response_by(consultation.sent)
        .map_err(|_| AppError::Internal("clock"))?;
    let html = state.templates.render(
        "professional/consultation.html",
        nav,
        context! {
            errors => Serde(errors),
            id => loaded.id.0,
            number => number,
            name => child_name(loaded),
            date_of_birth => uk_time::date(case.child.date_of_birth),
            age => today.years_since(case.child.date_of_birth).unwrap_or(0),
            school => &consultation.setting.name,
            urn => &consultation.setting.urn,
            sent => uk_time::date(consultation.sent),
            due => due(by, today, 5),
            reasons => &case.request.reasons,
            form => Serde(form),
        },
    )?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

/// `GET /consultations/{id}/{number}` (the consulted school).
pub(super) async fn consultation_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, number)): Path<(String, String)>,
) -> AppResult<Response> {
    let desk = desk_or_return!(&state, &user);
    let (id, number) = request_path(&id, &number)?;
    let loaded = desk.consulting_case(&state.store, id, number).await?;
    audit::record(&state.store, &user, Action::ViewCase, Record::Case(id), &ip).await?;
    render_consultation(
        &state,
        &nav,
        &loaded,
        number,
        &ConsultationForm::default(),
        &FieldErrors::new(),
    )
    .await
}

/// `POST /consultations/{id}/{number}`: the school's answer, dated today.
pub(super) async fn answer_consultation<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    Path((id, number)): Path<(String, String)>,
    Form(form): Form<ConsultationForm>,
) -> AppResult<Response> {
    let desk = desk_or_return!(&state, &user);
    let (id, number) = request_path(&id, &number)?;
    let loaded = desk.consulting_case(&state.store, id, number).await?;
    let mut errors = FieldErrors::new();
    let agreed = match form.agreed.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.add(
                "agreed",
                "Select whether the school can meet the child’s needs",
            );
            None
        }
    };
    let Some(agreed) = agreed else {
        return render_consultation(&state, &nav, &loaded, number, &form, &errors).await;
    };
    let command = Command::RecordConsultationResponse {
        number,
        on: state.app.today(),
        agreed,
    };
    if let Err(message) = run(&state, &user, &ip, &loaded, &command, None).await? {
        errors.add("agreed", message);
        return render_consultation(&state, &nav, &loaded, number, &form, &errors).await;
    }
    Ok(Redirect::to("/advice?done=consultation").into_response())
}

/// The request-an-assessment form as typed.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct PupilForm {
    given_name: String,
    family_name: String,
    dob: (String, String, String),
    upn: String,
    parent_name: String,
    parent_relationship: String,
    parent_email: String,
    reasons: String,
}

fn render_pupil_form<S: Store>(
    state: &AppState<S>,
    nav: &Nav,
    school: &str,
    form: &PupilForm,
    errors: &FieldErrors,
) -> AppResult<Response> {
    let html = state.templates.render(
        "professional/request_assessment.html",
        nav,
        context! { errors => Serde(errors), school => school, form => Serde(form) },
    )?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

/// `GET /advice/request-assessment` (schools).
pub(super) async fn request_page<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    user: CurrentUser,
) -> AppResult<Response> {
    let desk = desk_or_return!(&state, &user);
    let school = desk.school().ok_or(AppError::Forbidden)?;
    render_pupil_form(
        &state,
        &nav,
        &school.name,
        &PupilForm::default(),
        &FieldErrors::new(),
    )
}

/// `POST /advice/request-assessment`: opens the case (the request is received today) and
/// gives the professional `advice` access to it (see the module documentation).
pub(super) async fn request_assessment<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let desk = desk_or_return!(&state, &user);
    let school = desk.school().ok_or(AppError::Forbidden)?;
    let form = FormData::parse(&headers, body)
        .await
        .map_err(|_| AppError::FormExpired)?;
    let typed = PupilForm {
        given_name: form.text("given_name"),
        family_name: form.text("family_name"),
        dob: form.date_parts("dob"),
        upn: form.text("upn"),
        parent_name: form.text("parent_name"),
        parent_relationship: form.text("parent_relationship"),
        parent_email: form.text("parent_email"),
        reasons: form.text("reasons"),
    };
    let mut errors = FieldErrors::new();
    if typed.given_name.is_empty() {
        errors.add("given_name", "Enter the pupil’s given name");
    }
    if typed.family_name.is_empty() {
        errors.add("family_name", "Enter the pupil’s family name");
    }
    let dob = form.date("dob", "the pupil’s date of birth", &mut errors);
    let upn = if typed.upn.is_empty() {
        None
    } else {
        match Upn::parse(&typed.upn) {
            Ok(upn) => Some(upn),
            Err(e) => {
                errors.add("upn", crate::features::cases::api::sentence(&e.to_string()));
                None
            }
        }
    };
    if !typed.parent_name.is_empty() && typed.parent_relationship.is_empty() {
        errors.add(
            "parent_relationship",
            "Enter the parent or carer’s relationship to the pupil",
        );
    }
    if !typed.parent_email.is_empty() && EmailAddress::parse(&typed.parent_email).is_err() {
        errors.add(
            "parent_email",
            "Enter an email address in the correct format, like name@example.com",
        );
    }
    if typed.reasons.is_empty() {
        errors.add(
            "reasons",
            "Enter why the school is asking for an assessment",
        );
    }
    let (Some(dob), true) = (dob, errors.is_empty()) else {
        return render_pupil_form(&state, &nav, &school.name, &typed, &errors);
    };
    let reference = format!(
        "SCH-{}",
        token::new_token()?
            .get(..8)
            .unwrap_or_default()
            .to_uppercase()
    );
    let parents = if typed.parent_name.is_empty() {
        Vec::new()
    } else {
        vec![ParentCarer {
            name: typed.parent_name.clone(),
            relationship: typed.parent_relationship.clone(),
            email: (!typed.parent_email.is_empty()).then(|| typed.parent_email.clone()),
            phone: None,
            contact_preference: if typed.parent_email.is_empty() {
                ContactPreference::Post
            } else {
                ContactPreference::Email
            },
        }]
    };
    let request = NewRequest {
        reference,
        child: Child {
            given_name: typed.given_name.clone(),
            family_name: typed.family_name.clone(),
            date_of_birth: dob,
            upn,
            uln: None,
            nhs_number: None,
            address: None,
            parents,
            school: Some(Placement {
                urn: school.urn.clone(),
                setting_code: None,
                name: school.name.clone(),
                placement_type: String::new(),
            }),
        },
        request: Request {
            received: state.app.today(),
            source: "EDU".to_string(),
            reasons: typed.reasons.clone(),
        },
    };
    let now = Utc::now();
    let by = waymark_app::cases::By {
        user: &user,
        ip: ip.0,
    };
    let opened = match waymark_app::cases::open(&state.app, by, &request).await {
        Ok(opened) => opened,
        Err(waymark_app::Error::Refused(refusal)) => {
            let field = match refusal.field() {
                Some(Field::GivenName) => "given_name",
                Some(Field::FamilyName) => "family_name",
                Some(Field::DateOfBirth) => "dob",
                _ => "reasons",
            };
            errors.add(field, refused(&refusal));
            return render_pupil_form(&state, &nav, &school.name, &typed, &errors);
        }
        Err(other) => return Err(other.into()),
    };
    state
        .store
        .grant_case_access(user.id(), opened.id, user.la(), CaseAccess::ADVICE, now)
        .await?;
    Ok(Redirect::to("/advice?done=requested").into_response())
}
