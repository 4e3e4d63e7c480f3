//! Importing cases from another system: one flat record per case (as read from a CSV file)
//! checked and turned into the same events a caseworker would have produced.
//!
//! Legacy systems rarely hold the plan's text or the draft's dates, so an imported final plan
//! is recorded as plan version 0 ("issued before Waymark; text not held") rather than
//! inventing a draft. Every other rule is the state machine's own.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::case::{Address, Case, Child, ClosureReason, Placement, Request};
use crate::command::{Command, NewRequest, decide, decide_new};
use crate::event::Event;
use crate::{NhsNumber, Uln, Upn};

/// One case as it arrives in an import file: every field is text, as typed by a person.
/// The column layout is documented in `docs/import.md`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportRecord {
    /// The case's reference in the old system: re-running an import skips references
    /// already present, so an interrupted import can be run again.
    pub external_reference: String,
    /// Given name(s).
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth, YYYY-MM-DD.
    pub date_of_birth: String,
    /// UPN, if known.
    pub upn: String,
    /// ULN, if known.
    pub uln: String,
    /// NHS number, if known.
    pub nhs_number: String,
    /// Home postcode.
    pub postcode: String,
    /// The day the request was received, YYYY-MM-DD.
    pub request_received: String,
    /// SEN2 request source code.
    pub request_source: String,
    /// Decision to assess: "yes", "no" or empty (not yet decided).
    pub assessment_decision: String,
    /// Date of the decision to assess.
    pub assessment_decision_date: String,
    /// Decision to issue a plan: "yes", "no" or empty.
    pub issue_decision: String,
    /// Date of the decision to issue.
    pub issue_decision_date: String,
    /// The day the final plan was issued.
    pub final_plan_issued: String,
    /// URN or UKPRN of the placement named in the plan.
    pub placement_urn: String,
    /// SEN2 setting code, where the placement has no URN.
    pub placement_setting_code: String,
    /// SEN2 placement type code.
    pub placement_type: String,
    /// SEN2 need codes, most significant first, separated by ';'.
    pub sen_needs: String,
    /// The caseworker's user reference.
    pub caseworker: String,
    /// The day the case was closed.
    pub closed_on: String,
    /// Why: "withdrawn", "moved_away", "no_plan", or a cease reason code 1–9.
    pub closure_reason: String,
}

/// What is wrong with one record: the column and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{column}: {reason}")]
pub struct RecordError {
    /// The column at fault.
    pub column: &'static str,
    /// Why, in words a data officer can act on.
    pub reason: String,
}

fn fault(column: &'static str, reason: impl Into<String>) -> RecordError {
    RecordError {
        column,
        reason: reason.into(),
    }
}

/// A record turned into a case: its events, oldest first, and the state they build.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedCase {
    /// The reference the case is stored under.
    pub reference: String,
    /// The events, to be written to the event log.
    pub events: Vec<Event>,
    /// The case they build.
    pub case: Case,
}

fn blank(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

fn date(column: &'static str, text: &str) -> Result<Option<NaiveDate>, RecordError> {
    blank(text)
        .map(|t| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
                fault(
                    column,
                    format!("'{t}' is not a real date in the form YYYY-MM-DD"),
                )
            })
        })
        .transpose()
}

fn required_date(column: &'static str, text: &str) -> Result<NaiveDate, RecordError> {
    date(column, text)?.ok_or_else(|| fault(column, "is empty"))
}

fn yes_no(column: &'static str, text: &str) -> Result<Option<bool>, RecordError> {
    match blank(text).map(str::to_ascii_lowercase).as_deref() {
        None => Ok(None),
        Some("yes" | "y") => Ok(Some(true)),
        Some("no" | "n") => Ok(Some(false)),
        Some(other) => Err(fault(
            column,
            format!("'{other}' should be yes, no or empty"),
        )),
    }
}

/// Checks a record and gives the case it describes. `known_setting` says whether a URN is
/// in the local authority's register of schools and settings (an unknown one is refused, so
/// placements can be reported), and `today` bounds every date.
pub fn import_case(
    record: &ImportRecord,
    actor: &Actor,
    today: NaiveDate,
    known_setting: impl Fn(&str) -> bool,
) -> Result<ImportedCase, RecordError> {
    let reference = blank(&record.external_reference)
        .ok_or_else(|| fault("external_reference", "is empty"))?
        .to_string();
    let upn = blank(&record.upn)
        .map(Upn::parse)
        .transpose()
        .map_err(|e| fault("upn", e.to_string()))?;
    let uln = blank(&record.uln)
        .map(Uln::parse)
        .transpose()
        .map_err(|e| fault("uln", e.to_string()))?;
    let nhs_number = blank(&record.nhs_number)
        .map(NhsNumber::parse)
        .transpose()
        .map_err(|e| fault("nhs_number", e.to_string()))?;
    let new = NewRequest {
        reference: reference.clone(),
        child: Child {
            given_name: record.given_name.trim().to_string(),
            family_name: record.family_name.trim().to_string(),
            date_of_birth: required_date("date_of_birth", &record.date_of_birth)?,
            upn,
            uln,
            nhs_number,
            address: blank(&record.postcode).map(|p| Address {
                postcode: p.to_uppercase(),
                ..Address::default()
            }),
            parents: Vec::new(),
            school: None,
        },
        request: Request {
            received: required_date("request_received", &record.request_received)?,
            source: record.request_source.clone(),
            reasons: "Imported from the previous case management system".to_string(),
        },
    };
    let mut events = decide_new(&new, actor, today).map_err(|r| fault("request", r.to_string()))?;
    let mut case = Case::from_events(actor.la.clone(), &events)
        .map_err(|e| fault("request", e.to_string()))?;
    let step =
        |column: &'static str, command: Command, case: &mut Case, events: &mut Vec<Event>| {
            let new_events =
                decide(case, &command, actor, today).map_err(|r| fault(column, r.to_string()))?;
            for e in &new_events {
                case.apply(e);
            }
            events.extend(new_events);
            Ok::<(), RecordError>(())
        };
    if let Some(assess) = yes_no("assessment_decision", &record.assessment_decision)? {
        let on = required_date("assessment_decision_date", &record.assessment_decision_date)?;
        step(
            "assessment_decision_date",
            Command::DecideWhetherToAssess {
                on,
                yes: assess,
                reasons: "Recorded in the previous system".to_string(),
            },
            &mut case,
            &mut events,
        )?;
    }
    if let Some(issue) = yes_no("issue_decision", &record.issue_decision)? {
        let on = required_date("issue_decision_date", &record.issue_decision_date)?;
        step(
            "issue_decision_date",
            Command::DecideWhetherToIssue {
                on,
                yes: issue,
                reasons: "Recorded in the previous system".to_string(),
            },
            &mut case,
            &mut events,
        )?;
    }
    if let Some(issued) = date("final_plan_issued", &record.final_plan_issued)? {
        if case.issue_decision.as_ref().is_none_or(|d| !d.yes) {
            return Err(fault(
                "final_plan_issued",
                "a final plan needs issue_decision 'yes' with its date",
            ));
        }
        if issued < case.issue_decision.as_ref().map_or(issued, |d| d.on) {
            return Err(fault(
                "final_plan_issued",
                "is before the decision to issue",
            ));
        }
        if issued > today {
            return Err(fault("final_plan_issued", "is in the future"));
        }
        let urn = blank(&record.placement_urn);
        if let Some(urn) = urn
            && !known_setting(urn)
        {
            return Err(fault(
                "placement_urn",
                format!("{urn} is not a school or setting in the register; import settings first"),
            ));
        }
        let placement = Placement {
            urn: urn.map(str::to_string),
            setting_code: blank(&record.placement_setting_code).map(str::to_string),
            name: urn
                .or(blank(&record.placement_setting_code))
                .unwrap_or("")
                .to_string(),
            placement_type: record.placement_type.clone(),
        };
        let placement = crate::command::check_placement(&placement)
            .map_err(|r| fault("placement_urn", r.to_string()))?;
        let issued_event = Event::FinalPlanIssued(crate::case::FinalPlan {
            issued,
            version: 0,
            placement,
        });
        case.apply(&issued_event);
        events.push(issued_event);
    }
    let needs: Vec<String> = record
        .sen_needs
        .split(';')
        .filter_map(blank)
        .map(str::to_string)
        .collect();
    if !needs.is_empty() {
        step(
            "sen_needs",
            Command::RecordSenNeeds { ranked: needs },
            &mut case,
            &mut events,
        )?;
    }
    if let Some(caseworker) = blank(&record.caseworker) {
        let allocated = Event::CaseworkerAllocated {
            caseworker: caseworker.to_string(),
            note: None,
        };
        case.apply(&allocated);
        events.push(allocated);
    }
    if let Some(on) = date("closed_on", &record.closed_on)? {
        let reason = match blank(&record.closure_reason).map(str::to_ascii_lowercase) {
            None => return Err(fault("closure_reason", "is empty but closed_on is given")),
            Some(r) if r == "withdrawn" => ClosureReason::Withdrawn,
            Some(r) if r == "moved_away" => ClosureReason::MovedAway,
            Some(r) if r == "no_plan" => ClosureReason::NoPlan,
            Some(code) => ClosureReason::Ceased { cease_reason: code },
        };
        step(
            "closure_reason",
            Command::CloseCase { on, reason },
            &mut case,
            &mut events,
        )?;
    }
    Ok(ImportedCase {
        reference,
        events,
        case,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::actor::Role;
    use crate::case::Stage;
    use crate::ids::LaCode;

    fn actor() -> Actor {
        Actor {
            user: "import".into(),
            role: Role::Admin,
            la: LaCode::parse("202").unwrap(),
        }
    }

    fn record() -> ImportRecord {
        ImportRecord {
            external_reference: "OLD-1".into(),
            given_name: "Ben".into(),
            family_name: "Ashworth".into(),
            date_of_birth: "2015-09-01".into(),
            upn: String::new(),
            request_received: "2025-01-06".into(),
            request_source: "EDU".into(),
            assessment_decision: "yes".into(),
            assessment_decision_date: "2025-02-10".into(),
            issue_decision: "yes".into(),
            issue_decision_date: "2025-04-01".into(),
            final_plan_issued: "2025-05-20".into(),
            placement_urn: "100000".into(),
            placement_type: "MS".into(),
            sen_needs: "ASD; SLCN".into(),
            caseworker: "cw-3".into(),
            ..ImportRecord::default()
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn a_full_record_becomes_a_case_with_an_issued_plan() {
        let imported = import_case(&record(), &actor(), today(), |urn| urn == "100000").unwrap();
        assert_eq!(imported.case.stage, Stage::PlanIssued);
        assert_eq!(imported.case.sen_needs, ["ASD", "SLCN"]);
        assert_eq!(imported.case.caseworker.as_deref(), Some("cw-3"));
        assert_eq!(
            Case::from_events(actor().la, &imported.events).unwrap(),
            imported.case
        );
    }

    /// (change to a good record, column blamed, words in the reason)
    type BadRow = (fn(&mut ImportRecord), &'static str, &'static str);

    #[test]
    fn bad_rows_name_the_column_and_reason() {
        let rows: Vec<BadRow> = vec![
            (|r| r.upn = "A80120010000X".into(), "upn", "should be Z"),
            (
                |r| r.date_of_birth = "2015-02-30".into(),
                "date_of_birth",
                "not a real date",
            ),
            (
                |r| r.placement_urn = "999999".into(),
                "placement_urn",
                "not a school or setting in the register",
            ),
            (
                |r| r.assessment_decision = "maybe".into(),
                "assessment_decision",
                "yes, no or empty",
            ),
            (
                |r| r.assessment_decision_date = "2024-12-01".into(),
                "assessment_decision_date",
                "before the request",
            ),
            (
                |r| r.external_reference = " ".into(),
                "external_reference",
                "is empty",
            ),
            (
                |r| r.issue_decision = String::new(),
                "final_plan_issued",
                "needs issue_decision",
            ),
        ];
        for (change, column, reason) in rows {
            let mut r = record();
            change(&mut r);
            let err = import_case(&r, &actor(), today(), |urn| urn == "100000").unwrap_err();
            assert_eq!(err.column, column, "{err}");
            assert!(err.reason.contains(reason), "{err}");
        }
    }

    #[test]
    fn a_record_of_a_request_only_is_a_new_case() {
        let r = ImportRecord {
            assessment_decision: String::new(),
            issue_decision: String::new(),
            final_plan_issued: String::new(),
            sen_needs: String::new(),
            caseworker: String::new(),
            ..record()
        };
        let imported = import_case(&r, &actor(), today(), |_| false).unwrap();
        assert_eq!(imported.case.stage, Stage::Requested);
        assert_eq!(imported.events.len(), 1);
    }
}
