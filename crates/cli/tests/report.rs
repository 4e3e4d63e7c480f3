//! `waymark report kpis` run as a process against a demo database: the CSV's shape, a figure
//! checked against the domain's definition over the same stored facts, the other formats,
//! and one plain error line for bad input.
#![allow(clippy::unwrap_used, missing_docs)]

use assert_cmd::Command;
use chrono::NaiveDate;
use waymark_domain::kpi::{self, Period};
use waymark_domain::{CaseId, LaCode};
use waymark_store::prelude::*;

/// The demo's LA.
const LA: &str = "990";
const FROM: &str = "2025-01-01";
const TO: &str = "2025-12-31";

struct Demo {
    dir: tempfile::TempDir,
}

impl Demo {
    fn new() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let demo = Demo { dir };
        let out = Command::cargo_bin("waymark")
            .unwrap()
            .args(["demo", "--no-serve", "--database", &demo.url()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        demo
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("demo.db").display())
    }

    /// Runs `waymark report kpis` with these arguments: (exit code, stdout, stderr).
    fn report(&self, args: &[&str]) -> (i32, Vec<u8>, String) {
        let out = Command::cargo_bin("waymark")
            .unwrap()
            .env_remove("WAYMARK_DATABASE_URL")
            .args(["report", "kpis", "--database", &self.url()])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            out.stdout,
            String::from_utf8(out.stderr).unwrap(),
        )
    }
}

/// The demo LA's stored facts, read as the store gives them.
fn stored_facts(url: &str) -> Vec<kpi::KpiFacts> {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = waymark_store::connect(url).await.unwrap();
        let la = LaCode::parse(LA).unwrap();
        store
            .kpi_facts(Some(&la), CaseId(0), 1_000_000)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, _, f)| f)
            .collect()
    })
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn report_kpis_writes_csv_json_and_xlsx_whose_figures_are_the_domains() {
    let demo = Demo::new();
    let (code, csv, stderr) = demo.report(&["--la", LA, "--from", FROM, "--to", TO]);
    assert_eq!(code, 0, "{stderr}");
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "table",
            "la",
            "from",
            "to",
            "measure",
            "breakdown",
            "value",
            "of",
            "percent"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let figure = |table: &str, measure: &str| {
        let row = rows
            .iter()
            .find(|r| &r[0] == table && &r[4] == measure && r[5].is_empty())
            .unwrap_or_else(|| panic!("no {table} {measure}"));
        (row[6].parse::<u32>().unwrap(), row[7].to_string())
    };
    let facts = stored_facts(&demo.url());
    let expected = kpi::twenty_weeks_of(&facts, d(FROM), d(TO)).unwrap();
    assert!(expected.issued > 0, "the demo issues plans in {FROM}..{TO}");
    assert_eq!(
        figure("figures", "twenty_weeks"),
        (expected.within, expected.issued.to_string())
    );
    let received = facts
        .iter()
        .filter(|f| d(FROM) <= f.request_received && f.request_received <= d(TO))
        .count();
    assert_eq!(figure("figures", "requests_received").0 as usize, received);
    assert!(rows.iter().all(|r| &r[1] == LA));
    let months = rows
        .iter()
        .filter(|r| &r[0] == "trend" && &r[4] == "requests_received")
        .count();
    assert_eq!(months, 12);

    // Every LA: the LA and the roll-up, as JSON.
    let (code, json, stderr) = demo.report(&[
        "--la", "all", "--from", FROM, "--to", TO, "--format", "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let las: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["la"].as_str().unwrap())
        .collect();
    assert_eq!(las, [LA, "all"]);
    assert_eq!(
        json[1]["kpis"]["figures"]["twenty_weeks"]["issued"],
        expected.issued
    );
    let period = Period::new(d(FROM), d(TO)).unwrap();
    assert_eq!(
        json[0]["kpis"]["backlog"],
        serde_json::to_value(kpi::kpis(&facts, period).unwrap().backlog).unwrap()
    );

    // A spreadsheet, to a file.
    let path = demo.dir.path().join("kpis.xlsx");
    let (code, _, stderr) = demo.report(&[
        "--la",
        LA,
        "--from",
        FROM,
        "--to",
        TO,
        "--format",
        "xlsx",
        "--output",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        std::fs::read(&path).unwrap().starts_with(b"PK"),
        "a zip file"
    );
}

#[test]
fn report_kpis_refuses_bad_input_in_one_line() {
    let demo = Demo::new();
    for (args, says) in [
        (
            vec!["--la", LA, "--from", "2025-02-30", "--to", TO],
            "2025-02-30",
        ),
        (
            vec!["--la", LA, "--from", "2026-01-01", "--to", TO],
            "ends before that",
        ),
        (
            vec!["--la", "999", "--from", FROM, "--to", TO],
            "999 has no cases",
        ),
        (vec!["--la", "ABC", "--from", FROM, "--to", TO], "3 digits"),
        (
            vec!["--la", LA, "--from", "2000-01-01", "--to", TO],
            "120 or fewer",
        ),
        (
            vec!["--la", LA, "--from", FROM, "--to", TO, "--format", "xlsx"],
            "--output",
        ),
    ] {
        let (code, stdout, stderr) = demo.report(&args);
        assert_ne!(code, 0, "{args:?}");
        assert!(stdout.is_empty(), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

impl Demo {
    /// Runs `waymark` with these arguments on the demo database: (exit code, stdout, stderr).
    fn waymark(&self, args: &[&str]) -> (i32, Vec<u8>, String) {
        let out = Command::cargo_bin("waymark")
            .unwrap()
            .env_remove("WAYMARK_DATABASE_URL")
            .args(args)
            .args(["--database", &self.url()])
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            out.stdout,
            String::from_utf8(out.stderr).unwrap(),
        )
    }
}

/// `report twenty-weeks` sums the flows counted per LA and month; `report kpis` reads every
/// case's facts. Two independent paths to the same figures, so they must agree.
#[test]
fn report_twenty_weeks_from_flow_counts_agrees_with_report_kpis_from_facts() {
    let demo = Demo::new();
    for (from, to) in [(FROM, TO), ("2020-01-01", "2026-10-31")] {
        let (code, json, stderr) = demo.report(&[
            "--la", "all", "--from", from, "--to", to, "--format", "json",
        ]);
        assert_eq!(code, 0, "{stderr}");
        let kpis: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let expected: Vec<Vec<String>> = kpis
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let tw = &t["kpis"]["figures"]["twenty_weeks"];
                let n = |k: &str| tw[k].as_u64().unwrap();
                let pc = |part: u64, whole: u64| {
                    if whole == 0 {
                        String::new()
                    } else {
                        format!("{:.1}", part as f64 * 100.0 / whole as f64)
                    }
                };
                let (i, w) = (n("issued"), n("within"));
                let (ie, we) = (
                    n("issued_excluding_exceptions"),
                    n("within_excluding_exceptions"),
                );
                vec![
                    t["la"].as_str().unwrap().to_string(),
                    i.to_string(),
                    w.to_string(),
                    pc(w, i),
                    ie.to_string(),
                    we.to_string(),
                    pc(we, ie),
                ]
            })
            .collect();
        assert!(
            expected.iter().all(|row| row[1] != "0"),
            "the demo issues plans in {from}..{to}: {expected:?}"
        );

        let (code, csv, stderr) = demo.waymark(&[
            "report",
            "twenty-weeks",
            "--from",
            from,
            "--to",
            to,
            "--la",
            "all",
        ]);
        assert_eq!(code, 0, "{stderr}");
        let mut reader = csv::Reader::from_reader(csv.as_slice());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            [
                "la",
                "issued",
                "within",
                "percent",
                "issued_excluding_exceptions",
                "within_excluding_exceptions",
                "percent_excluding_exceptions"
            ]
        );
        let got: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(got, expected, "{from}..{to}");

        // One LA, as JSON: its line alone.
        let (code, json, stderr) = demo.waymark(&[
            "report",
            "twenty-weeks",
            "--from",
            from,
            "--to",
            to,
            "--la",
            LA,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{stderr}");
        let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(json.as_array().unwrap().len(), 1);
        assert_eq!(json[0]["la"], LA);
        assert_eq!(json[0]["issued"].to_string(), expected[0][1]);
        assert_eq!(json[0]["within"].to_string(), expected[0][2]);
    }

    // Flows are counted per month: a part-month period is refused in one plain line.
    let (code, stdout, stderr) =
        demo.waymark(&["report", "twenty-weeks", "--from", "2025-01-02", "--to", TO]);
    assert_ne!(code, 0);
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("2025-01-02 to 2025-12-31 is not whole calendar months"),
        "{stderr}"
    );
}

/// The demo's generator (`src/demo_data.rs`), compiled into this test binary from the
/// `waymark` binary's source and tested without a database: the binary has no library to
/// link, and a unit-test harness for it would link the whole application once more.
#[allow(dead_code)]
#[path = "../src/demo_data.rs"]
mod demo_data;

mod generated {
    use chrono::{Duration, NaiveDate};
    use waymark_domain::LaCode;
    use waymark_domain::case::{Case, ClosureReason, Stage};

    use crate::demo_data::{
        CHUNK, NATIONAL_LAS, NATIONAL_REQUESTS, Size, generate, generate_national, national_sizes,
    };

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn small() -> Size {
        Size {
            active_plans: 300,
            recent_requests: 200,
            schools: 30,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_authority() {
        let la = LaCode::parse("202").unwrap();
        let cws = vec!["cw-1".to_string(), "cw-2".to_string()];
        let a = generate(7, &la, small(), &cws, today());
        let b = generate(7, &la, small(), &cws, today());
        assert_eq!(a.cases.len(), b.cases.len());
        assert!(a.cases.iter().zip(&b.cases).all(|(x, y)| x.case == y.case));
        let c = generate(8, &la, small(), &cws, today());
        assert!(a.cases.iter().zip(&c.cases).any(|(x, y)| x.case != y.case));
    }

    #[test]
    fn demo_cases_are_valid_histories_at_every_stage() {
        let la = LaCode::parse("202").unwrap();
        let demo = generate(1, &la, small(), &["cw-1".to_string()], today());
        assert_eq!(demo.skipped, 0);
        assert_eq!(demo.cases.len(), 500);
        for c in &demo.cases {
            assert_eq!(Case::from_events(la.clone(), &c.events).unwrap(), c.case);
        }
        let plans = demo
            .cases
            .iter()
            .filter(|c| c.case.stage == Stage::PlanIssued)
            .count();
        assert!(plans > 250, "{plans} plans");
        for stage in [Stage::Requested, Stage::Assessing, Stage::NotAssessing] {
            assert!(
                demo.cases.iter().any(|c| c.case.stage == stage),
                "no case at {stage:?}"
            );
        }
        assert!(demo.cases.iter().any(|c| !c.case.exceptions.is_empty()));
    }

    #[test]
    fn national_sizes_add_up_to_england() {
        let sizes = national_sizes(1);
        assert_eq!(sizes.len(), NATIONAL_LAS);
        let total: usize = sizes.iter().sum();
        assert!(total.abs_diff(NATIONAL_REQUESTS) < 1_000, "{total}");
        let largest = sizes.iter().max().unwrap();
        let smallest = sizes.iter().min().unwrap();
        assert!(*largest > 3 * total / NATIONAL_LAS, "{largest}");
        assert!(*smallest < total / NATIONAL_LAS / 3, "{smallest}");
    }

    #[test]
    fn a_national_authority_has_ten_years_of_requests_reviews_and_ceased_plans() {
        let la = LaCode::parse("801").unwrap();
        let mut cases = Vec::new();
        let mut chunks = 0;
        let (settings, skipped) =
            generate_national(3, &la, 6_000, &["cw".to_string()], today(), |chunk| {
                assert!(chunk.len() <= CHUNK);
                chunks += 1;
                cases.extend(chunk);
            });
        assert_eq!((skipped, cases.len(), chunks), (0, 6_000, 2));
        assert!(settings.len() >= 20);
        for c in cases.iter().step_by(7) {
            assert_eq!(Case::from_events(la.clone(), &c.events).unwrap(), c.case);
        }
        let oldest = cases.iter().map(|c| c.case.request.received).min().unwrap();
        assert!(oldest < today() - Duration::days(365 * 9), "{oldest}");
        let ceased = cases
            .iter()
            .filter(|c| matches!(&c.case.closure, Some(cl) if matches!(cl.reason, ClosureReason::Ceased { .. })))
            .count();
        let maintained = cases
            .iter()
            .filter(|c| c.case.final_plan.is_some() && c.case.closure.is_none())
            .count();
        assert!(
            ceased > 600 && maintained > 2_000,
            "{ceased} ceased, {maintained} maintained"
        );
        // Plans a year old or more have had a review; some were amended.
        let reviewed = cases.iter().filter(|c| !c.case.reviews.is_empty()).count();
        assert!(reviewed > maintained / 2, "{reviewed}");
        assert!(cases.iter().any(|c| {
            c.case
                .reviews
                .iter()
                .any(|r| r.amended_plan_issued.is_some())
        }));
    }
}
