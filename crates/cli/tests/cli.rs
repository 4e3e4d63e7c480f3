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

/// A temporary SQLite database for one test, passed through the environment as an operator
/// would.
struct Db {
    dir: tempfile::TempDir,
}

impl Db {
    fn new() -> Db {
        Db {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("waymark.db").display())
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = waymark()
            .env("WAYMARK_DATABASE_URL", self.url())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    }
}

const CASES_HEADER: &str = "external_reference,given_name,family_name,date_of_birth,upn,request_received,request_source,assessment_decision,assessment_decision_date,issue_decision,issue_decision_date,final_plan_issued,placement_urn,placement_type,sen_needs";

fn cases_csv() -> String {
    let good_upn = format!(
        "{}801200100001",
        waymark_domain::upn::upn_check_letter("801200100001").unwrap()
    );
    [
        CASES_HEADER.to_string(),
        format!("R-1,Ada,Moss,2015-04-01,{good_upn},2025-01-06,PAR,yes,2025-02-10,yes,2025-04-01,2025-05-20,100001,MS,ASD;SLCN"),
        "R-2,Ben,Ray,2016-05-02,A80120010000X,2025-01-06,PAR,,,,,,,,".to_string(),
        "R-3,Cal,Fox,2016-02-30,,2025-01-06,PAR,,,,,,,,".to_string(),
        "R-4,Dee,Lowe,2017-01-01,,2025-03-03,EDU,yes,2025-04-01,yes,2025-05-01,2025-06-20,999999,MS,".to_string(),
        "R-5,Eve,Hart,2014-07-07,,2026-02-02,HLT,no,2026-03-01,,,,,,".to_string(),
        "R-1,Ada,Moss,2015-04-01,,2025-01-06,PAR,,,,,,,,".to_string(),
    ]
    .join("\n")
}

#[test]
fn import_reports_refused_rows_and_a_rerun_duplicates_nothing() {
    let db = Db::new();
    assert_eq!(db.run(&["la", "add", "202", "Northby Council"]).0, 0);
    let settings = db.write(
        "settings.csv",
        "urn,name,placement_type,phase,la_code\n100001,Hillside Primary,MS,Primary,202\n",
    );
    let (code, stdout, _) = db.run(&["import", "settings", &settings]);
    assert_eq!((code, stdout.trim()), (0, "Imported 1 settings."));
    let file = db.write("cases.csv", &cases_csv());
    let (code, stdout, stderr) = db.run(&["import", "cases", &file, "--la", "202"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stdout.trim(),
        "Read 6 rows: 2 cases imported, 0 already here, 4 rows refused."
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let errors = std::fs::read_to_string(format!("{file}.errors.csv")).unwrap();
    let lines: Vec<_> = errors.lines().collect();
    assert_eq!(lines[0], "row,external_reference,column,reason");
    assert!(
        lines[1].starts_with("3,R-2,upn,UPN A80120010000X has check letter A but should be Z"),
        "{errors}"
    );
    assert!(lines[2].starts_with("4,R-3,date_of_birth,"), "{errors}");
    assert!(
        lines[3].starts_with("5,R-4,placement_urn,999999 is not a school"),
        "{errors}"
    );
    assert!(
        lines[4].starts_with("7,R-1,external_reference,repeats the reference of row 2"),
        "{errors}"
    );

    // running it again imports nothing twice
    let (_, stdout, _) = db.run(&["import", "cases", &file, "--la", "202"]);
    assert_eq!(
        stdout.trim(),
        "Read 6 rows: 0 cases imported, 2 already here, 4 rows refused."
    );
}

#[test]
fn import_refuses_an_unknown_column_or_an_unset_la_in_one_line() {
    let db = Db::new();
    let typo = db.write("typo.csv", "external_reference,given_nmae\nR-1,Ada\n");
    let (code, _, stderr) = db.run(&["import", "cases", &typo, "--la", "202"]);
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("'given_nmae'"), "{stderr}");
    let file = db.write("cases.csv", &cases_csv());
    let (code, _, stderr) = db.run(&["import", "cases", &file, "--la", "202"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("waymark la add 202"), "{stderr}");
    let (code, _, stderr) = db.run(&["import", "cases", &file, "--la", "20"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("3 digits"), "{stderr}");
}

#[test]
fn backup_restores_into_an_empty_database_and_refuses_a_full_one() {
    let db = Db::new();
    db.run(&["la", "add", "202", "Northby Council"]);
    let file = db.write("cases.csv", &cases_csv());
    db.run(&["import", "cases", &file, "--la", "202"]);
    let backup = db.path("backup.db");
    let backup = backup.to_str().unwrap();
    let (code, _, stderr) = db.run(&["backup", "--to", backup]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = db.run(&["backup", "--to", backup]);
    assert_eq!(code, 1);
    assert!(stderr.contains("already exists"), "{stderr}");

    let target = Db::new();
    let (code, _, stderr) = target.run(&["restore", "--from", backup]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = target.run(&["restore", "--from", backup]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--force"), "{stderr}");
    // the restored database already has R-5 (R-1's school is not in its register)
    let (_, stdout, _) = target.run(&["import", "cases", &file, "--la", "202"]);
    assert!(
        stdout.contains("0 cases imported, 1 already here"),
        "{stdout}"
    );
    let (code, _, _) = target.run(&["restore", "--from", backup, "--force"]);
    assert_eq!(code, 0);
}

#[test]
fn migrate_reports_and_a_bad_database_url_is_one_line() {
    let db = Db::new();
    let (code, stdout, _) = db.run(&["migrate"]);
    assert_eq!((code, stdout.trim()), (0, "The database is up to date."));
    let (code, _, stderr) = waymark()
        .args(["migrate", "--database", "mysql://x@y/z"])
        .output()
        .map(|o| {
            (
                o.status.code().unwrap(),
                String::new(),
                String::from_utf8(o.stderr).unwrap(),
            )
        })
        .unwrap();
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// Runs SQL on the test database with the `sqlite3` program, as someone with access to the
/// file could, bypassing Waymark.
fn sqlite3(db: &Db, sql: &str) {
    let out = std::process::Command::new("sqlite3")
        .arg(db.path("waymark.db"))
        .arg(sql)
        .output()
        .unwrap_or_else(|e| panic!("could not run sqlite3 ({e}); scripts/test installs it"));
    assert!(
        out.status.success(),
        "sqlite3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn add_user(db: &Db, email: &str, role: &str) -> (i32, String, String) {
    db.run(&[
        "user",
        "add",
        "--email",
        email,
        "--name",
        "Ada Lovelace",
        "--role",
        role,
        "--la",
        "202",
    ])
}

#[test]
fn user_add_prints_a_one_time_password_and_refuses_a_duplicate_email_in_one_line() {
    let db = Db::new();
    assert_eq!(db.run(&["la", "add", "202", "Camden"]).0, 0);
    let (code, stdout, stderr) = add_user(&db, "Ada@Camden.gov.uk", "admin");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("Added user 1 (ada@camden.gov.uk) as admin in local authority 202."),
        "{stdout}"
    );
    let password = stdout
        .lines()
        .find_map(|line| line.strip_prefix("Password: "))
        .unwrap();
    assert_eq!(password.len(), 23, "{password}");

    let (code, stdout, stderr) = add_user(&db, "ADA@camden.gov.uk", "caseworker");
    assert_eq!(code, 1);
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");
}

#[test]
fn user_add_refuses_a_bad_role_la_code_or_email_and_an_la_not_set_up_in_one_line() {
    let db = Db::new();
    assert_eq!(db.run(&["la", "add", "202", "Camden"]).0, 0);
    let user = |email: &str, role: &str, la: &str| {
        db.run(&[
            "user", "add", "--email", email, "--name", "Ada", "--role", role, "--la", la,
        ])
    };
    for ((code, stdout, stderr), expected) in [
        (
            user("a@x.org", "superuser", "202"),
            "'superuser' is not a role; use one of caseworker, manager, admin",
        ),
        (
            user("a@x.org", "admin", "20"),
            "a local authority code is 3 digits",
        ),
        (
            user("a@x.org", "admin", "203"),
            "local authority 203 is not set up",
        ),
        (
            user("not-an-email", "admin", "202"),
            "is not an email address",
        ),
    ] {
        assert_eq!(code, 1, "{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
}

#[test]
fn user_add_with_password_stdin_stores_an_argon2id_hash_and_prints_no_password() {
    let db = Db::new();
    assert_eq!(db.run(&["la", "add", "202", "Camden"]).0, 0);
    let out = waymark()
        .env("WAYMARK_DATABASE_URL", db.url())
        .args([
            "user",
            "add",
            "--email",
            "ep@riverside.nhs.uk",
            "--name",
            "Sam",
            "--role",
            "professional",
            "--la",
            "202",
            "--organisation",
            "Riverside NHS Trust",
            "--password-stdin",
        ])
        .write_stdin("three random words here\n")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains("three random"), "{stdout}");
    assert!(!stdout.contains("Password"), "{stdout}");
    let dump = std::process::Command::new("sqlite3")
        .arg(db.path("waymark.db"))
        .arg("SELECT role, organisation, password_hash FROM users")
        .output()
        .unwrap();
    let row = String::from_utf8(dump.stdout).unwrap();
    assert!(
        row.starts_with("professional|Riverside NHS Trust|$argon2id$v=19$"),
        "{row}"
    );
    assert!(!row.contains("three random"), "{row}");

    let short = waymark()
        .env("WAYMARK_DATABASE_URL", db.url())
        .args([
            "user",
            "add",
            "--email",
            "b@x.org",
            "--name",
            "B",
            "--role",
            "viewer",
            "--la",
            "202",
            "--password-stdin",
        ])
        .write_stdin("short\n")
        .output()
        .unwrap();
    assert_eq!(short.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));
}

#[test]
fn audit_verify_on_an_empty_database_reports_an_intact_trail() {
    let db = Db::new();
    let (code, stdout, stderr) = db.run(&["audit", "verify"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "audit trail intact: 0 rows\n");
}

#[test]
fn audit_verify_reports_the_first_tampered_row_and_exits_1() {
    let db = Db::new();
    assert_eq!(db.run(&["la", "add", "202", "Camden"]).0, 0);
    for email in ["a@camden.gov.uk", "b@camden.gov.uk", "c@camden.gov.uk"] {
        assert_eq!(add_user(&db, email, "caseworker").0, 0);
    }
    let (code, stdout, _) = db.run(&["audit", "verify"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "audit trail intact: 3 rows\n");

    // The trigger refuses the edit until it is dropped; the chain still catches it.
    sqlite3(
        &db,
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET record_id = '1' WHERE seq = 2;",
    );
    let (code, stdout, stderr) = db.run(&["audit", "verify"]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("audit trail broken at row 2: "),
        "{stderr}"
    );

    // Removing the last row instead is caught too.
    let other = Db::new();
    assert_eq!(other.run(&["la", "add", "202", "Camden"]).0, 0);
    assert_eq!(add_user(&other, "a@camden.gov.uk", "admin").0, 0);
    assert_eq!(add_user(&other, "b@camden.gov.uk", "admin").0, 0);
    sqlite3(
        &other,
        "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2;",
    );
    let (code, _, stderr) = other.run(&["audit", "verify"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "audit trail broken at row 2: it is missing: the trail should end at row 2 but ends at \
         row 1\n"
    );
}

#[test]
fn serve_refuses_incomplete_or_wrong_single_sign_on_settings_in_one_line() {
    let db = Db::new();
    let serve = |extra: &[&str]| {
        let mut args = vec!["serve", "--bind", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let out = waymark()
            .env("WAYMARK_DATABASE_URL", db.url())
            .timeout(std::time::Duration::from_secs(30))
            .args(&args)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stderr).unwrap())
    };
    let issuer = [
        "--oidc-issuer",
        "https://login.microsoftonline.com/0000/v2.0",
    ];

    // The issuer alone: what is missing is named.
    let (code, stderr) = serve(&issuer);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr
            .contains("missing: --oidc-client-id, --oidc-client-secret-file, --oidc-redirect-url"),
        "{stderr}"
    );

    let missing = db.path("no-such-secret");
    let redirect = "https://waymark.example.gov.uk/sign-in/sso/callback";
    let full = |secret: &str, redirect: &str| {
        let mut args = issuer.map(str::to_string).to_vec();
        for (flag, value) in [
            ("--oidc-client-id", "waymark"),
            ("--oidc-client-secret-file", secret),
            ("--oidc-redirect-url", redirect),
        ] {
            args.push(flag.to_string());
            args.push(value.to_string());
        }
        args
    };
    let args = full(missing.to_str().unwrap(), redirect);
    let (code, stderr) = serve(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("could not read the OIDC client secret from"),
        "{stderr}"
    );

    let secret = db.write("secret", "s3cret\n");
    let args = full(&secret, "https://waymark.example.gov.uk/");
    let (code, stderr) = serve(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("/sign-in/sso/callback"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

/// The `password_hash` stored for `email`, read with the `sqlite3` program.
fn stored_password_hash(db: &Db, email: &str) -> String {
    let out = std::process::Command::new("sqlite3")
        .arg(db.path("waymark.db"))
        .arg(format!(
            "SELECT password_hash FROM users WHERE email = '{email}'"
        ))
        .output()
        .unwrap_or_else(|e| panic!("could not run sqlite3 ({e}); scripts/test installs it"));
    assert!(
        out.status.success(),
        "sqlite3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// `waymark user add` for a caseworker in LA 202 with this password on standard input.
fn add_user_with_password(db: &Db, email: &str, stdin: &str) -> (i32, String, String) {
    let out = waymark()
        .env("WAYMARK_DATABASE_URL", db.url())
        .args([
            "user",
            "add",
            "--email",
            email,
            "--name",
            "Ada",
            "--role",
            "caseworker",
            "--la",
            "202",
            "--password-stdin",
        ])
        .write_stdin(stdin)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Whether `password` matches the Argon2 PHC string `hash`.
fn verifies(hash: &str, password: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    let parsed = PasswordHash::new(hash).unwrap_or_else(|e| panic!("{hash}: {e}"));
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

#[test]
fn user_add_generates_long_grouped_and_different_passwords() {
    let db = Db::new();
    assert_eq!(db.run(&["la", "add", "202", "Camden"]).0, 0);
    let passwords: Vec<String> = ["a@camden.gov.uk", "b@camden.gov.uk"]
        .into_iter()
        .map(|email| {
            let (code, stdout, stderr) = add_user(&db, email, "caseworker");
            assert_eq!(code, 0, "{stderr}");
            stdout
                .lines()
                .find_map(|line| line.strip_prefix("Password: "))
                .unwrap()
                .to_string()
        })
        .collect();
    let first = &passwords[0];
    assert_eq!(first.len(), 23, "{first}");
    assert_eq!(first.split('-').count(), 4, "{first}");
    assert_ne!(passwords[0], passwords[1]);
    // The one shown is the one stored.
    assert!(verifies(
        &stored_password_hash(&db, "a@camden.gov.uk"),
        first
    ));
}

#[test]
fn user_add_stores_an_argon2id_hash_that_verifies_only_its_password() {
    let db = Db::new();
    assert_eq!(db.run(&["la", "add", "202", "Camden"]).0, 0);
    let (code, _, stderr) =
        add_user_with_password(&db, "a@camden.gov.uk", "correct horse battery\n");
    assert_eq!(code, 0, "{stderr}");
    let hash = stored_password_hash(&db, "a@camden.gov.uk");
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    assert!(verifies(&hash, "correct horse battery"));
    assert!(!verifies(&hash, "correct horse batter"));
}

#[test]
fn user_add_takes_the_first_line_of_standard_input_without_its_ending_as_the_password() {
    let db = Db::new();
    assert_eq!(db.run(&["la", "add", "202", "Camden"]).0, 0);
    let (code, _, stderr) = add_user_with_password(
        &db,
        "a@camden.gov.uk",
        "a long enough secret\r\nsecond line\n",
    );
    assert_eq!(code, 0, "{stderr}");
    let hash = stored_password_hash(&db, "a@camden.gov.uk");
    assert!(verifies(&hash, "a long enough secret"));
    for (email, stdin) in [("b@camden.gov.uk", "short\n"), ("c@camden.gov.uk", "")] {
        let (code, stdout, stderr) = add_user_with_password(&db, email, stdin);
        assert_eq!(code, 1, "{stdin:?}: {stdout}");
        assert!(stderr.contains("at least 12 characters"), "{stderr}");
    }
}

#[test]
fn user_add_accepts_only_plausible_email_addresses() {
    let db = Db::new();
    assert_eq!(db.run(&["la", "add", "202", "Camden"]).0, 0);
    for good in ["ada@camden.gov.uk", "a.b+send@example.org"] {
        let (code, _, stderr) = add_user(&db, good, "caseworker");
        assert_eq!(code, 0, "{good}: {stderr}");
    }
    for bad in [
        "",
        "ada",
        "@camden.gov.uk",
        "ada@",
        "ada@localhost",
        "a da@x.org",
        "a@b@c.org",
    ] {
        let (code, _, stderr) = add_user(&db, bad, "caseworker");
        assert_eq!(code, 1, "{bad}: {stderr}");
        assert!(
            stderr.contains("is not an email address"),
            "{bad}: {stderr}"
        );
    }
}

/// `waymark serve` on a free port with these flags: waits until it is listening and its log
/// satisfies `seen` (at most 30 s), stops it, and returns the log. If it exits first, the log
/// so far.
fn serve_log(db: &Db, flags: &[&str], seen: impl Fn(&str) -> bool) -> String {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_waymark"))
        .env_remove("WAYMARK_CALENDAR")
        .env("WAYMARK_DATABASE_URL", db.url())
        .env("NO_COLOR", "1")
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(flags)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut log = String::new();
    while !(log.contains("Waymark is listening") && seen(&log)) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match received.recv_timeout(left) {
            Ok(line) => {
                log.push_str(&line);
                log.push('\n');
            }
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    log
}

/// `waymark serve` with these flags, expected to refuse them: (exit code, stderr).
fn serve_refused(db: &Db, flags: &[&str]) -> (Option<i32>, String) {
    let out = waymark()
        .env("WAYMARK_DATABASE_URL", db.url())
        .timeout(std::time::Duration::from_secs(30))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(flags)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

/// A well-formed GOV.UK Notify API key (key name, service id, secret).
const NOTIFY_KEY: &str =
    "live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0";

/// The flags for an SMTP relay that is never reached (nothing is queued to send).
const SMTP: [&str; 4] = [
    "--smtp-url",
    "smtp://127.0.0.1:2525",
    "--smtp-from",
    "noreply@send.example",
];

/// The log says which way notifications go once the sender has started.
fn sending(log: &str) -> bool {
    log.contains("sending notifications from the outbox")
}

#[test]
fn serve_without_an_email_provider_leaves_notifications_waiting() {
    let db = Db::new();
    let log = serve_log(&db, &[], |log| log.contains("no email provider is set up"));
    assert!(log.contains("no email provider is set up"), "{log}");
    assert!(!sending(&log), "{log}");
}

#[test]
fn serve_by_smtp_needs_its_url_and_from_address() {
    let db = Db::new();
    let log = serve_log(&db, &SMTP, sending);
    assert!(
        log.contains("the SMTP relay smtp://127.0.0.1:2525"),
        "{log}"
    );
    assert!(!log.contains("no email provider"), "{log}");

    let (code, stderr) = serve_refused(&db, &["--smtp-url", "smtp://127.0.0.1:2525"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("--smtp-from"), "{stderr}");
}

#[test]
fn serve_reads_the_smtp_password_from_its_file() {
    let db = Db::new();
    let password = db.write("password", "secret\n");
    let log = serve_log(
        &db,
        &[
            "--smtp-url",
            "smtps://waymark@relay.example.org",
            "--smtp-password-file",
            &password,
            "--smtp-from",
            "noreply@send.example",
        ],
        sending,
    );
    assert!(
        log.contains("the SMTP relay smtps://relay.example.org"),
        "{log}"
    );
    assert!(!log.contains("secret"), "{log}");
}

#[test]
fn serve_reads_the_notify_key_and_templates_from_files() {
    let db = Db::new();
    let key = db.write("key", &format!("{NOTIFY_KEY}\n"));
    let templates = db.write("templates.json", r#"{"invite": "t-1"}"#);
    let log = serve_log(
        &db,
        &[
            "--notify-api-key-file",
            &key,
            "--notify-templates",
            &templates,
        ],
        sending,
    );
    assert!(log.contains("GOV.UK Notify at "), "{log}");
    let missing = log
        .lines()
        .find(|line| line.contains("some templates have no GOV.UK Notify template id"))
        .unwrap_or_else(|| panic!("no line about missing templates: {log}"));
    assert!(missing.contains("decision_made"), "{missing}");
    assert!(!missing.contains("invite"), "{missing}");

    let bad = db.write("bad-key", "not-a-key");
    let (code, stderr) = serve_refused(
        &db,
        &[
            "--notify-api-key-file",
            &bad,
            "--notify-templates",
            &templates,
        ],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("{key name}-{service id}"), "{stderr}");
}

#[test]
fn serve_takes_only_one_email_provider() {
    let db = Db::new();
    let mut flags = SMTP.to_vec();
    flags.extend(["--notify-templates", "templates.json"]);
    let (code, stderr) = serve_refused(&db, &flags);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("choose one"), "{stderr}");
}

#[test]
fn serve_reminders_need_local_authorities_and_take_the_days_given() {
    let db = Db::new();
    let log = serve_log(&db, &SMTP, |log| log.contains("advice reminders are off"));
    assert!(log.contains("advice reminders are off"), "{log}");
    assert!(!log.contains("queuing advice reminders"), "{log}");

    let reminding = |log: &str| log.contains("queuing advice reminders");
    let mut flags = SMTP.to_vec();
    flags.extend(["--reminder-las", "202,203", "--reminder-days", "10,3,1"]);
    let log = serve_log(&db, &flags, reminding);
    let line = log.lines().find(|line| reminding(line)).unwrap_or_default();
    assert!(
        line.contains("las=2") && line.contains("days_before=[10, 3, 1]"),
        "{log}"
    );

    let mut flags = SMTP.to_vec();
    flags.extend(["--reminder-las", "202"]);
    let log = serve_log(&db, &flags, reminding);
    let line = log.lines().find(|line| reminding(line)).unwrap_or_default();
    assert!(
        line.contains("las=1") && line.contains("days_before=[7, 2]"),
        "{log}"
    );

    let mut flags = SMTP.to_vec();
    flags.extend(["--reminder-las", "Camden"]);
    let (code, stderr) = serve_refused(&db, &flags);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("--reminder-las takes 3-digit"), "{stderr}");
}
