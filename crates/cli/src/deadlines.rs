//! `waymark deadlines`: the statutory due dates that follow from the dates given.

use anyhow::bail;
use serde_json::{Map, Value};
use waymark_domain::calendar::long_date;
use waymark_domain::clock::{self, Deadline, Triggers};

use crate::args::DeadlinesArgs;
use crate::workdays::load_calendar;

/// The triggers as given, with the JSON key each is echoed under.
fn given(args: &DeadlinesArgs) -> Vec<(&'static str, &'static str, chrono::NaiveDate)> {
    [
        ("request_received", "Request received", args.received),
        (
            "advice_requested",
            "Advice requested",
            args.advice_requested,
        ),
        ("draft_served", "Draft plan served", args.draft_served),
        (
            "consultation_sent",
            "School consulted",
            args.consultation_sent,
        ),
        (
            "reassessment_requested",
            "Re-assessment requested",
            args.reassessment_requested,
        ),
        (
            "plan_issued",
            "Plan issued or last reviewed",
            args.plan_issued,
        ),
        ("date_of_birth", "Date of birth", args.date_of_birth),
        ("review_meeting", "Review meeting", args.review_meeting),
        ("amendments_sent", "Amendments sent", args.amendments_sent),
        ("transfer_date", "Phase transfer", args.transfer_date),
        (
            "decision_notice",
            "Decision notice sent",
            args.decision_notice,
        ),
        (
            "mediation_requested",
            "Mediation requested",
            args.mediation_requested,
        ),
        (
            "mediation_certificate",
            "Mediation certificate issued",
            args.mediation_certificate,
        ),
    ]
    .into_iter()
    .filter_map(|(key, label, date)| date.map(|d| (key, label, d)))
    .collect()
}

/// Runs `waymark deadlines`.
pub fn run(args: &DeadlinesArgs) -> anyhow::Result<()> {
    let triggers = Triggers {
        request_received: args.received,
        advice_requested: args.advice_requested,
        draft_served: args.draft_served,
        consultation_sent: args.consultation_sent,
        reassessment_requested: args.reassessment_requested,
        plan_issued: args.plan_issued,
        date_of_birth: args.date_of_birth,
        review_meeting: args.review_meeting,
        amendments_sent: args.amendments_sent,
        transfer: args
            .transfer_kind
            .zip(args.transfer_date)
            .map(|(kind, date)| (kind.into(), date)),
        decision_notice: args.decision_notice,
        mediation_requested: args.mediation_requested,
        mediation_certificate: args.mediation_certificate,
    };
    let inputs = given(args);
    if inputs.iter().all(|(key, ..)| *key == "date_of_birth") {
        bail!("give at least one trigger date, for example --received 2026-01-05");
    }
    let calendar = load_calendar(&args.calendar)?;
    let deadlines = clock::deadlines(&triggers, &calendar)?;
    if args.json {
        println!("{}", json(&inputs, &deadlines));
    } else {
        print!("{}", table(&inputs, &deadlines));
    }
    Ok(())
}

fn json(inputs: &[(&str, &str, chrono::NaiveDate)], deadlines: &[Deadline]) -> Value {
    let mut object = Map::new();
    for (key, _, date) in inputs {
        object.insert((*key).to_string(), Value::String(date.to_string()));
    }
    for deadline in deadlines {
        object.insert(
            deadline.kind.key().to_string(),
            Value::String(deadline.due.to_string()),
        );
    }
    Value::Object(object)
}

fn table(inputs: &[(&str, &str, chrono::NaiveDate)], deadlines: &[Deadline]) -> String {
    let mut rows: Vec<[String; 3]> = vec![["What".into(), "Date".into(), "Rule".into()]];
    for (_, label, date) in inputs {
        rows.push([(*label).to_string(), long_date(*date), String::new()]);
    }
    for deadline in deadlines {
        rows.push([
            deadline.kind.label().to_string(),
            long_date(deadline.due),
            deadline.kind.regulation().to_string(),
        ]);
    }
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let (w0, w1) = (width(0), width(1));
    let mut out = String::new();
    for row in &rows {
        let line = format!("{:<w0$}  {:<w1$}  {}", row[0], row[1], row[2]);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
