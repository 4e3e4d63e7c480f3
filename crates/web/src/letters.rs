//! Letters and plans as PDF documents of the case: filled in from the case and rendered by
//! `waymark-letters` (pure Rust, no browser), then stored as the next version of their title
//! with the case's other documents.
//!
//! - a decision whether to assess: the decision letter (with the reasons and the right of
//!   appeal, for a "no");
//! - a decision not to issue a plan: the decision letter with the right of appeal;
//! - a draft sent to the family: the draft plan;
//! - a final plan issued: the plan and its covering letter.

use chrono::{NaiveDate, Utc};
use waymark_letters::{
    Addressee, Caseworker, Contact, DecisionLetter, LetterKind, PlanDocument, PlanSections,
    PlanStatus,
};
use waymark_store::Store;
use waymark_store::cases::LoadedCase;
use waymark_store::documents::NewDocument;
use waymark_store::domain::case::{Case, PlanVersion};
use waymark_store::domain::command::Command;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::policy::CaseWork;
use crate::session::CurrentUser;

/// The media type of everything rendered here.
const PDF: &str = "application/pdf";

fn sections(version: &PlanVersion) -> PlanSections {
    let s = &version.sections;
    PlanSections {
        a: s.a.clone(),
        b: s.b.clone(),
        c: s.c.clone(),
        d: s.d.clone(),
        e: s.e.clone(),
        f: s.f.clone(),
        g: s.g.clone(),
        h1: s.h1.clone(),
        h2: s.h2.clone(),
        i: s.i.clone(),
        j: s.j.clone(),
        k: s.k.clone(),
    }
}

fn child_name(case: &Case) -> String {
    format!("{} {}", case.child.given_name, case.child.family_name)
}

/// A version of the plan as a PDF: final if it is the version issued, else a draft (a draft
/// never names a placement: section I is left out).
///
/// # Errors
/// The renderer refused (a bug: the case rules keep section I empty in drafts).
pub fn plan_pdf(la_name: &str, case: &Case, version: &PlanVersion) -> AppResult<Vec<u8>> {
    let final_plan = case
        .final_plan
        .as_ref()
        .filter(|p| p.version == version.version);
    let mut sections = sections(version);
    let (status, date) = match final_plan {
        Some(plan) => {
            if sections.i.trim().is_empty() {
                sections.i = plan.placement.name.clone();
            }
            (PlanStatus::Final, plan.issued)
        }
        None => {
            sections.i.clear();
            (
                PlanStatus::Draft,
                version.served_on.unwrap_or(version.saved_on),
            )
        }
    };
    waymark_letters::ehc_plan(&PlanDocument {
        la_name: la_name.to_string(),
        reference: case.reference.clone(),
        child_name: child_name(case),
        child_date_of_birth: case.child.date_of_birth,
        status,
        version: version.version,
        date,
        sections,
    })
    .map_err(|e| {
        tracing::error!(kind = %e, "the plan could not be rendered");
        AppError::Internal("letter")
    })
}

/// A decision letter to the family about `case`, dated `date`.
fn letter(
    la_name: &str,
    case: &Case,
    kind: LetterKind,
    date: NaiveDate,
    reasons: &str,
    signed_by: Caseworker,
) -> AppResult<Vec<u8>> {
    let young_person = date.years_since(case.child.date_of_birth).unwrap_or(0) >= 16;
    let recipient_name = match case.child.parents.first() {
        Some(parent) if !young_person => parent.name.clone(),
        _ if young_person => child_name(case),
        _ => format!("The parent or carer of {}", child_name(case)),
    };
    let recipient_address = case
        .child
        .address
        .as_ref()
        .map(|a| {
            let mut lines = a.lines.clone();
            lines.push(a.town.clone());
            lines.push(a.postcode.clone());
            lines.retain(|l| !l.trim().is_empty());
            lines
        })
        .unwrap_or_default();
    waymark_letters::decision_letter(&DecisionLetter {
        la_name: la_name.to_string(),
        la_address: Vec::new(),
        reference: case.reference.clone(),
        date,
        recipient_name,
        recipient_address,
        addressed_to: if young_person {
            Addressee::YoungPerson
        } else {
            Addressee::Parent
        },
        child_name: child_name(case),
        child_date_of_birth: case.child.date_of_birth,
        kind,
        reasons: reasons.to_string(),
        caseworker: signed_by,
        placement: case.final_plan.as_ref().map(|p| p.placement.name.clone()),
        mediation_service: Contact {
            name: format!("{la_name} SEND mediation service"),
            ..Contact::default()
        },
        information_service: Contact {
            name: format!("{la_name} SEND Information, Advice and Support Service (SENDIASS)"),
            ..Contact::default()
        },
    })
    .map_err(|e| {
        tracing::error!(kind = %e, "the letter could not be rendered");
        AppError::Internal("letter")
    })
}

/// Who signs: the case's caseworker, or whoever made the decision.
async fn signatory<S: Store>(
    state: &AppState<S>,
    user: &CurrentUser,
    case: &Case,
) -> AppResult<Caseworker> {
    let named = match &case.caseworker {
        Some(id) => match id.parse::<i64>() {
            Ok(n) => state
                .store
                .find_user(waymark_store::UserId(n))
                .await?
                .filter(|u| u.la == *user.la()),
            Err(_) => None,
        },
        None => None,
    };
    let signer = named.as_ref().unwrap_or(user.user());
    Ok(Caseworker {
        name: signer.name.clone(),
        job_title: "EHC coordinator".to_string(),
        phone: String::new(),
        email: signer.email.clone(),
    })
}

async fn keep<S: Store>(
    state: &AppState<S>,
    user: &CurrentUser,
    work: &CaseWork<'_>,
    kind: &str,
    title: &str,
    filename: String,
    content: Vec<u8>,
) -> AppResult<()> {
    state
        .store
        .add_document(
            work.la(),
            NewDocument {
                case_id: work.case_id(),
                kind: kind.to_string(),
                title: title.to_string(),
                filename,
                content_type: PDF.to_string(),
                scan: "rendered".to_string(),
                content,
                uploaded_by: user.id().to_string(),
                uploaded_at: Utc::now(),
            },
        )
        .await?;
    Ok(())
}

/// Renders and keeps the letters and plans that a change to the case produces.
///
/// # Errors
/// Rendering or storing failed. The change itself is already made; the case page shows
/// which documents exist, so a missing one is visible.
pub async fn after_change<S: Store>(
    state: &AppState<S>,
    user: &CurrentUser,
    work: &CaseWork<'_>,
    changed: &LoadedCase,
    command: &Command,
) -> AppResult<()> {
    let la_name = state.config.la_name.as_str();
    let case = &changed.case;
    let reference = case
        .reference
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    match command {
        Command::DecideWhetherToAssess { on, yes, reasons } => {
            let kind = if *yes {
                LetterKind::Assessing
            } else {
                LetterKind::NotAssessing
            };
            let pdf = letter(
                la_name,
                case,
                kind,
                *on,
                reasons,
                signatory(state, user, case).await?,
            )?;
            keep(
                state,
                user,
                work,
                "letter",
                "Decision whether to assess",
                format!("{reference}-assessment-decision.pdf"),
                pdf,
            )
            .await
        }
        Command::DecideWhetherToIssue {
            on,
            yes: false,
            reasons,
        } => {
            let pdf = letter(
                la_name,
                case,
                LetterKind::NotIssuing,
                *on,
                reasons,
                signatory(state, user, case).await?,
            )?;
            keep(
                state,
                user,
                work,
                "letter",
                "Decision not to issue a plan",
                format!("{reference}-not-issuing.pdf"),
                pdf,
            )
            .await
        }
        Command::ServeDraft { version, .. } => {
            let Some(v) = case.plan_versions.iter().find(|v| v.version == *version) else {
                return Ok(());
            };
            let pdf = plan_pdf(la_name, case, v)?;
            keep(
                state,
                user,
                work,
                "plan",
                "Draft plan",
                format!("{reference}-draft-plan-v{version}.pdf"),
                pdf,
            )
            .await
        }
        Command::IssueFinalPlan { version, on, .. } => {
            let Some(v) = case.plan_versions.iter().find(|v| v.version == *version) else {
                return Ok(());
            };
            let pdf = plan_pdf(la_name, case, v)?;
            keep(
                state,
                user,
                work,
                "plan",
                "Final plan",
                format!("{reference}-final-plan.pdf"),
                pdf,
            )
            .await?;
            let covering = letter(
                la_name,
                case,
                LetterKind::FinalPlanIssued,
                *on,
                "",
                signatory(state, user, case).await?,
            )?;
            keep(
                state,
                user,
                work,
                "letter",
                "Covering letter for the final plan",
                format!("{reference}-final-plan-letter.pdf"),
                covering,
            )
            .await
        }
        _ => Ok(()),
    }
}
