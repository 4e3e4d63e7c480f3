//! The `waymark` binary run as a process: output shapes, exit codes and error lines, which
//! operators and other tools script against.
#![allow(clippy::unwrap_used, missing_docs)]

use assert_cmd::Command;
use serde_json::Value;

fn waymark() -> Command {
    let mut cmd = Command::cargo_bin("waymark").unwrap();
    cmd.env_remove("WAYMARK_CALENDAR");
    cmd
}

/// Runs and returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = waymark().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json(args: &[&str]) -> Value {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 0, "stderr: {stderr}");
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn deadlines_json_has_the_scripted_keys_as_iso_dates() {
    let v = json(&["deadlines", "--received", "2026-01-05", "--json"]);
    assert_eq!(v["request_received"], "2026-01-05");
    assert_eq!(v["decide_whether_to_assess_by"], "2026-02-16");
    assert_eq!(v["notify_not_issuing_by"], "2026-04-27");
    assert_eq!(v["final_plan_by"], "2026-05-25");
    assert!(v.get("representations_by").is_none());
}

#[test]
fn deadlines_optional_triggers_add_their_clocks() {
    let v = json(&[
        "deadlines",
        "--received",
        "2026-01-05",
        "--draft-served",
        "2026-04-01",
        "--review-meeting",
        "2026-12-20",
        "--amendments-sent",
        "2026-02-15",
        "--json",
    ]);
    assert_eq!(v["representations_by"], "2026-04-15");
    assert_eq!(v["review_report_by"], "2027-01-03");
    assert_eq!(v["review_decision_by"], "2027-01-17");
    assert_eq!(v["amended_plan_by"], "2026-04-12");
}

#[test]
fn deadlines_triggers_work_without_received() {
    let v = json(&["deadlines", "--draft-served", "2024-02-20", "--json"]);
    assert_eq!(v["representations_by"], "2024-03-05");
    assert!(v.get("request_received").is_none());
    assert!(v.get("final_plan_by").is_none());
}

#[test]
fn deadlines_mediation_certificate_uses_working_days() {
    let v = json(&["deadlines", "--mediation-requested", "2026-04-02", "--json"]);
    assert_eq!(v["mediation_certificate_by"], "2026-04-09");
    assert_eq!(v["mediation_held_by"], "2026-05-02");
}

#[test]
fn deadlines_table_shows_long_dates_and_regulations() {
    let (code, stdout, _) = run(&["deadlines", "--received", "2026-01-05"]);
    assert_eq!(code, 0);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("Decide whether to assess"))
        .unwrap();
    assert!(line.contains("16 February 2026"), "{line}");
    assert!(line.contains("reg 4(1), 5(1)"), "{line}");
    assert!(stdout.contains("25 May 2026"));
    assert!(stdout.contains("reg 13(2)"));
}

#[test]
fn deadlines_without_any_trigger_is_refused_in_one_line() {
    let (code, stdout, stderr) = run(&["deadlines", "--json"]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--received"), "{stderr}");
}

#[test]
fn bad_dates_and_flags_are_usage_errors_on_one_line() {
    for args in [
        &["deadlines", "--received", "2026-02-30"][..],
        &["deadlines", "--received", "5/1/2026"],
        &["deadlines", "--received", "2026-01-05", "--nonsense"],
        &["workdays", "add", "--from", "2026-01-05", "--days", "0"],
        &["workdays", "add", "--from", "2026-01-05", "--days", "-3"],
        &["workdays", "add", "--from", "2026-01-05"],
        &["check", "passport", "123"],
        &["check", "upn"],
    ] {
        let (code, stdout, stderr) = run(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn an_impossible_date_says_so() {
    let (_, _, stderr) = run(&["deadlines", "--received", "2026-02-30"]);
    assert!(stderr.contains("2026-02-30 is not a real date"), "{stderr}");
}

#[test]
fn workdays_add_skips_weekends_and_bank_holidays() {
    let (code, stdout, _) = run(&["workdays", "add", "--from", "2025-12-18", "--days", "5"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.trim(), "2025-12-29");
}

#[test]
fn workdays_between_counts_after_from_up_to_and_including_to() {
    let (code, stdout, _) = run(&[
        "workdays",
        "between",
        "--from",
        "2026-04-02",
        "--to",
        "2026-04-09",
    ]);
    assert_eq!(code, 0);
    assert_eq!(stdout.trim(), "3");
}

#[test]
fn workdays_outside_the_calendar_names_the_years_loaded() {
    let (code, stdout, stderr) = run(&["workdays", "add", "--from", "2031-03-02", "--days", "1"]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("2015 to 2030"), "{stderr}");
}

#[test]
fn workdays_reversed_range_is_refused() {
    let (code, _, stderr) = run(&[
        "workdays",
        "between",
        "--from",
        "2026-03-04",
        "--to",
        "2026-03-03",
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("before the start date"), "{stderr}");
}

#[test]
fn a_newer_calendar_file_is_used_when_given() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bank-holidays.json");
    // a made-up 2031 with one bank holiday on Monday 3 March
    std::fs::write(
        &file,
        r#"{"england-and-wales":{"division":"england-and-wales","events":[
            {"title":"New Year's Day","date":"2031-01-01","notes":"","bunting":true},
            {"title":"Test Day","date":"2031-03-03","notes":"","bunting":false}]}}"#,
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let (code, stdout, stderr) = run(&[
        "workdays",
        "add",
        "--from",
        "2031-02-28",
        "--days",
        "1",
        "--calendar",
        path,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), "2031-03-04");
    // the same through the environment
    let out = waymark()
        .env("WAYMARK_CALENDAR", path)
        .args([
            "workdays",
            "between",
            "--from",
            "2031-02-28",
            "--to",
            "2031-03-07",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "4");
}

#[test]
fn a_missing_or_broken_calendar_file_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{ not json").unwrap();
    for path in [dir.path().join("missing.json"), broken] {
        let (code, _, stderr) = run(&[
            "workdays",
            "add",
            "--from",
            "2026-01-05",
            "--days",
            "1",
            "--calendar",
            path.to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("calendar file"), "{stderr}");
    }
}

#[test]
fn check_accepts_valid_identifiers() {
    for (kind, value, word) in [
        ("uln", "9276308686", "valid"),
        ("nhs", "9434765919", "valid"),
        ("nhs", "943 476 5919", "valid"),
    ] {
        let (code, stdout, _) = run(&["check", kind, value]);
        assert_eq!((code, stdout.trim()), (0, word), "{kind} {value}");
    }
}

#[test]
fn check_upn_says_valid_or_valid_temporary() {
    let permanent = waymark_domain::upn::upn_check_letter("801200100001").unwrap();
    let temporary = waymark_domain::upn::upn_check_letter("80120010000A").unwrap();
    let (code, stdout, _) = run(&["check", "upn", &format!("{permanent}801200100001")]);
    assert_eq!((code, stdout.trim()), (0, "valid"));
    let (code, stdout, _) = run(&["check", "upn", &format!("{temporary}80120010000A")]);
    assert_eq!((code, stdout.trim()), (0, "valid temporary"));
}

#[test]
fn check_refuses_invalid_identifiers_with_one_line_reason() {
    for (kind, value, reason) in [
        ("upn", "A80120010000X", "check letter A but should be"),
        ("upn", "A8012001", "13 characters"),
        ("uln", "9276308687", "check digit"),
        ("nhs", "9434765918", "check digit"),
        ("nhs", "94347659", "10 digits"),
    ] {
        let (code, stdout, stderr) = run(&["check", kind, value]);
        assert_eq!(code, 1, "{kind} {value}: {stderr}");
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
        assert!(stdout.contains(reason), "{kind} {value}: {stdout}");
    }
}
