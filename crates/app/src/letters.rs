//! Letters and plans as PDF documents of the case: filled in from the case and rendered by
//! `waymark-letters` (pure Rust, no browser), then stored as the next version of their title
//! with the case's other documents, in the change's transaction (`crate::cases`).
//!
//! - a decision whether to assess: the decision letter (with the reasons and the right of
//!   appeal, for a "no");
//! - a decision not to issue a plan: the decision letter with the right of appeal;
//! - a draft sent to the family: the draft plan;
//! - a final plan issued: the plan and its covering letter.

use chrono::{DateTime, NaiveDate, Utc};
use waymark_letters::{
    Addressee, Caseworker, Contact, DecisionLetter, LetterKind, PlanDocument, PlanSections,
    PlanStatus,
};
use waymark_store::cases::LoadedCase;
use waymark_store::documents::NewDocument;
use waymark_store::domain::appeal;
use waymark_store::domain::case::{Case, PlanVersion};
use waymark_store::domain::command::Command;
use waymark_store::{Store, User};

use crate::error::{Error as AppError, Result as AppResult};

/// The media type of everything rendered here.
const PDF: &str = "application/pdf";

/// The document kind of the plans rendered here (`NewDocument::kind`).
pub const PLAN_KIND: &str = "plan";

/// The document kind of the decision letters rendered here.
pub const LETTER_KIND: &str = "letter";

/// The title of the draft plan sent to the family. Each draft sent renders the next version
/// of the documents with this kind and title ([`served_draft_document`]).
pub const DRAFT_PLAN_TITLE: &str = "Draft plan";

/// The title of the final plan.
pub const FINAL_PLAN_TITLE: &str = "Final plan";

/// Which version of the [`PLAN_KIND`] documents titled [`DRAFT_PLAN_TITLE`] is the draft the
/// case says was served ([`Case::served_draft`]). A draft is rendered each time one is sent
/// (reg 13(1)), and only the latest, unsent version of the plan can be sent, so the n-th draft
/// document is the n-th version sent. `None` if no draft has been sent.
pub fn served_draft_document(case: &Case) -> Option<i32> {
    let served = case.served_draft()?;
    let sent = case
        .plan_versions
        .iter()
        .filter(|v| v.served_on.is_some() && v.version <= served.version)
        .count();
    i32::try_from(sent).ok()
}

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

/// A decision letter to the family about `case` (as it is after the decision), dated `date`,
/// with the deadlines of the right of appeal the domain gives on the case now.
fn letter(
    la_name: &str,
    case: &Case,
    kind: LetterKind,
    date: NaiveDate,
    reasons: &str,
    signed_by: Caseworker,
) -> AppResult<Vec<u8>> {
    // The domain says whether the decision can be appealed and until when; the letter
    // only prints the dates.
    let appeal = appeal::right_of_appeal(case)
        .map_err(|e| {
            tracing::error!(kind = %e, "the appeal deadlines could not be worked out");
            AppError::Internal("letter")
        })?
        .map(|right| right.deadlines);
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
        appeal,
    })
    .map_err(|e| {
        tracing::error!(kind = %e, "the letter could not be rendered");
        AppError::Internal("letter")
    })
}

/// Who signs: the case's caseworker, or whoever made the decision.
async fn signatory<S: Store>(store: &S, user: &User, case: &Case) -> AppResult<Caseworker> {
    let named = match &case.caseworker {
        Some(id) => match id.parse::<i64>() {
            Ok(n) => store
                .find_user(waymark_store::UserId(n))
                .await?
                .filter(|u| u.la == user.la),
            Err(_) => None,
        },
        None => None,
    };
    let signer = named.as_ref().unwrap_or(user);
    Ok(Caseworker {
        name: signer.name.clone(),
        job_title: "EHC coordinator".to_string(),
        phone: String::new(),
        email: signer.email.clone(),
    })
}

/// What a change keeps as documents: its kind, title, file name and bytes.
struct Rendered {
    kind: &'static str,
    title: &'static str,
    filename: String,
    content: Vec<u8>,
}

/// The letters and plans that `command`, made by `user` (LA staff), produces on the case as it
/// is after the change, ready to be kept in the change's transaction. Only LA staff make the
/// decisions that have letters: a family's comments or a professional's advice make none.
///
/// # Errors
/// Rendering failed, or the store failed (reading who signs).
pub async fn for_change<S: Store>(
    store: &S,
    la_name: &str,
    user: &User,
    changed: &LoadedCase,
    command: &Command,
    at: DateTime<Utc>,
) -> AppResult<Vec<NewDocument>> {
    if !user.role.is_la_staff() {
        return Ok(Vec::new());
    }
    let case = &changed.case;
    let reference = case
        .reference
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    let rendered = match command {
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
                signatory(store, user, case).await?,
            )?;
            vec![Rendered {
                kind: LETTER_KIND,
                title: "Decision whether to assess",
                filename: format!("{reference}-assessment-decision.pdf"),
                content: pdf,
            }]
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
                signatory(store, user, case).await?,
            )?;
            vec![Rendered {
                kind: LETTER_KIND,
                title: "Decision not to issue a plan",
                filename: format!("{reference}-not-issuing.pdf"),
                content: pdf,
            }]
        }
        Command::ServeDraft { version, .. } => {
            match case.plan_versions.iter().find(|v| v.version == *version) {
                Some(v) => vec![Rendered {
                    kind: PLAN_KIND,
                    title: DRAFT_PLAN_TITLE,
                    filename: format!("{reference}-draft-plan-v{version}.pdf"),
                    content: plan_pdf(la_name, case, v)?,
                }],
                None => Vec::new(),
            }
        }
        Command::IssueFinalPlan { version, on, .. } => {
            match case.plan_versions.iter().find(|v| v.version == *version) {
                Some(v) => {
                    let plan = plan_pdf(la_name, case, v)?;
                    let covering = letter(
                        la_name,
                        case,
                        LetterKind::FinalPlanIssued,
                        *on,
                        "",
                        signatory(store, user, case).await?,
                    )?;
                    vec![
                        Rendered {
                            kind: PLAN_KIND,
                            title: FINAL_PLAN_TITLE,
                            filename: format!("{reference}-final-plan.pdf"),
                            content: plan,
                        },
                        Rendered {
                            kind: LETTER_KIND,
                            title: "Covering letter for the final plan",
                            filename: format!("{reference}-final-plan-letter.pdf"),
                            content: covering,
                        },
                    ]
                }
                None => Vec::new(),
            }
        }
        _ => Vec::new(),
    };
    Ok(rendered
        .into_iter()
        .map(|r| NewDocument {
            case_id: changed.id,
            kind: r.kind.to_string(),
            title: r.title.to_string(),
            filename: r.filename,
            content_type: PDF.to_string(),
            scan: "rendered".to_string(),
            content: r.content,
            uploaded_by: user.id.to_string(),
            uploaded_at: at,
        })
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::NaiveDate;
    use waymark_store::domain::LaCode;
    use waymark_store::domain::case::{Child, PlanSections, Request};
    use waymark_store::domain::event::Event;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_served_draft_is_the_draft_document_of_its_sending() {
        let mut case = Case::start(
            LaCode::parse("990").unwrap(),
            "R".into(),
            Child {
                given_name: "A".into(),
                family_name: "B".into(),
                date_of_birth: d("2016-01-01"),
                upn: None,
                uln: None,
                nhs_number: None,
                address: None,
                parents: vec![],
                school: None,
            },
            Request {
                received: d("2026-01-05"),
                source: "PAR".into(),
                reasons: "x".into(),
            },
        );
        let save = |version| Event::PlanSaved {
            version,
            sections: PlanSections::default(),
            saved_on: d("2026-03-01"),
        };
        assert_eq!(served_draft_document(&case), None);
        // Versions 1 and 2 saved, 2 sent: the first draft document.
        case.apply(&save(1));
        case.apply(&save(2));
        assert_eq!(served_draft_document(&case), None);
        case.apply(&Event::DraftServed {
            version: 2,
            on: d("2026-03-02"),
        });
        assert_eq!(served_draft_document(&case), Some(1));
        // Version 3 saved: the draft served is still version 2's.
        case.apply(&save(3));
        assert_eq!(served_draft_document(&case), Some(1));
        // Version 3 sent: the second draft document.
        case.apply(&Event::DraftServed {
            version: 3,
            on: d("2026-03-09"),
        });
        assert_eq!(served_draft_document(&case), Some(2));
    }
}
