//! Store-level import throughput: writes N generated cases (each with two events and a state
//! blob about the size an imported case has) through `create_cases_batch` in batches, then runs
//! the same batches again (the idempotent re-run of an interrupted import).
//!
//! `cargo run --release -p waymark-store --example batch_insert -- [CASES] [BATCH] [DATABASE_URL]`
//! (defaults: 100000, 5000, a new SQLite file in a temporary directory). Results: bench/README.md.

use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::json;
use waymark_store::prelude::*;
use waymark_store::{CaseSummary, LaCode, NewCase, NewEvent, connect};

fn generated(la: &LaCode, i: usize) -> NewCase {
    let received = NaiveDate::from_ymd_opt(2024, 1, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new((i % 600) as u64)));
    let recorded_at = Utc
        .with_ymd_and_hms(2025, 2, 1, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let state = json!({
        "child": { "given_name": "Sam", "family_name": format!("Family{i}"), "upn": format!("A{i:012}"), "date_of_birth": "2014-05-06" },
        "request": { "received": received, "source": "parent", "reasons": "imported from the previous case management system" },
        "stage": "assessment",
        "caseworker": format!("cw{}", i % 40),
    });
    let event = |kind: &str| NewEvent {
        kind: kind.to_string(),
        payload: json!({ "row": i, "received": received, "source": "parent" }),
        actor: "import".to_string(),
        recorded_at,
    };
    NewCase {
        la: la.clone(),
        reference: format!("LEGACY-{i:08}"),
        summary: CaseSummary {
            stage: "assessment".to_string(),
            given_name: "Sam".to_string(),
            family_name: format!("Family{i}"),
            date_of_birth: NaiveDate::from_ymd_opt(2014, 5, 6),
            upn: Some(format!("A{i:012}")),
            request_received: received,
            caseworker: Some(format!("cw{}", i % 40)),
            closed: false,
            next_due: None,
            next_due_clock: None,
            school: None,
            has_exception: false,
            ..CaseSummary::default()
        },
        state,
        events: vec![event("case_imported"), event("caseworker_allocated")],
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let cases: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let batch: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5_000);
    let dir = tempfile::tempdir()?;
    let url = args
        .next()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));

    let store = connect(&url).await?;
    store.migrate().await?;
    let la = LaCode::parse("202")?;
    store.ensure_la(&la, "Camden").await?;
    let all: Vec<NewCase> = (0..cases).map(|i| generated(&la, i)).collect();

    for run in ["first run", "re-run"] {
        let started = Instant::now();
        let (mut created, mut skipped) = (0, 0);
        for chunk in all.chunks(batch) {
            let outcome = store.create_cases_batch(chunk.to_vec()).await?;
            created += outcome.created;
            skipped += outcome.already_present;
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{run}: {cases} cases in batches of {batch}: {created} created, {skipped} already present, \
             {seconds:.2} s, {:.0} cases/minute",
            cases as f64 / seconds * 60.0
        );
    }
    store.integrity_check().await?;
    Ok(())
}
