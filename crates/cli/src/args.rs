//! The command line's shape. Operators and other tools script against these exact forms,
//! so flags are only ever added, never renamed.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use waymark_domain::clock::TransferKind;

/// Waymark: EHC needs assessments and plans, with the statutory clock kept honest.
#[derive(Debug, Parser)]
#[command(name = "waymark", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work out the statutory deadlines that follow from the dates given.
    Deadlines(DeadlinesArgs),
    /// Count working days (Monday to Friday, not bank holidays).
    Workdays(WorkdaysArgs),
    /// Check a UPN, ULN or NHS number.
    Check(CheckArgs),
    /// Run the web service (pages and JSON API).
    Serve(ServeArgs),
    /// Bring the database schema up to date (also done at start-up).
    Migrate(DatabaseArgs),
    /// Write a consistent snapshot of the database to a new file, while the service runs.
    Backup {
        /// The file to write (must not exist).
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
        /// Which database.
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Restore a backup into an empty database (stop `waymark serve` first).
    Restore {
        /// The backup file.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Replace a database that already holds cases.
        #[arg(long)]
        force: bool,
        /// Which database.
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Manage local authorities (tenants).
    La {
        /// What to do.
        #[command(subcommand)]
        command: LaCommand,
    },
    /// Create a fresh demo database with a synthetic local authority.
    Demo(DemoArgs),
    /// Import cases or the register of settings from CSV files (see docs/import.md).
    Import {
        /// What to import.
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Manage user accounts (admins manage them in the web pages once the first exists).
    User {
        /// What to do.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Check the audit trail.
    Audit {
        /// What to do.
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Figures for leaders, scrutiny and returns (see docs/reports.md).
    Report {
        /// Which report.
        #[command(subcommand)]
        command: ReportCommand,
    },
}

/// `waymark report`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The KPIs for a period, for one LA or every LA (with the roll-up), as CSV, JSON or a
    /// spreadsheet.
    Kpis(ReportKpisArgs),
    /// The 20-week measure (reg 13(2), 13(3)) for whole calendar months, per LA and for every
    /// LA together, from the flows counted per LA and month.
    TwentyWeeks(ReportTwentyWeeksArgs),
}

/// `waymark report twenty-weeks`.
#[derive(Debug, Args)]
pub struct ReportTwentyWeeksArgs {
    /// The period's first day: the first of a month.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub from: NaiveDate,
    /// The period's last day: the last day of a month.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub to: NaiveDate,
    /// The LA's 3-digit code, or `all` for every LA and the national roll-up.
    #[arg(long, value_name = "CODE|all", default_value = "all")]
    pub la: String,
    /// csv or json.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FiguresFormat,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also say on standard error how long reading and adding up the counts took (the time
    /// bench/kpi compares with DuckDB's).
    #[arg(long)]
    pub timing: bool,
    /// Which database.
    #[command(flatten)]
    pub db: DatabaseArgs,
}

/// How a report of one line per LA is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FiguresFormat {
    /// Comma-separated, one LA a line, with a header row.
    Csv,
    /// A JSON array, one object per LA.
    Json,
}

/// `waymark report kpis`.
#[derive(Debug, Args)]
pub struct ReportKpisArgs {
    /// The LA's 3-digit code, or `all` for every LA and the national roll-up.
    #[arg(long, value_name = "CODE|all")]
    pub la: String,
    /// The period's first day.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: NaiveDate,
    /// The period's last day (the backlog, plans and caseloads are counted on it).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: NaiveDate,
    /// csv, json or xlsx (a spreadsheet needs --output).
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ReportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Which database.
    #[command(flatten)]
    pub db: DatabaseArgs,
}

/// How `waymark report` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Comma-separated, one figure a line, with a header row.
    Csv,
    /// The figures as JSON, per LA.
    Json,
    /// A spreadsheet with a sheet per table.
    Xlsx,
}

/// `waymark user`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user account with a one-time password (printed once), e.g. the first admin.
    Add(AddUserArgs),
}

/// `waymark user add`.
#[derive(Debug, Args)]
pub struct AddUserArgs {
    /// Their email address (they sign in with it; compared ignoring case).
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// Their name, as colleagues will see it.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// caseworker, manager, admin, professional, parent, viewer or scrutiny.
    #[arg(long, value_name = "ROLE")]
    pub role: String,
    /// The 3-digit code of their local authority (added first with `waymark la add`).
    #[arg(long, value_name = "CODE")]
    pub la: String,
    /// For professionals, who they work for ("URN 100001", "Riverside NHS Trust").
    #[arg(long, value_name = "NAME")]
    pub organisation: Option<String>,
    /// Read the password from the first line of standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
    /// Which database.
    #[command(flatten)]
    pub db: DatabaseArgs,
}

/// `waymark audit`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash-chained audit trail and report the first broken row (exit status 1).
    Verify {
        /// Which database.
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

/// Which database to use.
#[derive(Debug, Args, Clone)]
pub struct DatabaseArgs {
    /// `sqlite://PATH` (created if missing) or `postgres://USER@HOST/DATABASE`.
    #[arg(
        long,
        value_name = "URL",
        env = "WAYMARK_DATABASE_URL",
        default_value = "sqlite://waymark.db"
    )]
    pub database: String,
}

/// `waymark serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The bank holidays to count working days with.
    #[command(flatten)]
    pub calendar: CalendarArgs,
    /// The address and port to listen on.
    #[arg(
        long,
        value_name = "ADDR",
        env = "WAYMARK_BIND",
        default_value = "127.0.0.1:8080"
    )]
    pub bind: std::net::SocketAddr,
    /// The local authority's name, shown in the header of every page.
    #[arg(
        long,
        value_name = "NAME",
        env = "WAYMARK_LA_NAME",
        default_value = "Northby Council"
    )]
    pub la_name: String,
    /// Users reach the service over HTTPS (through a proxy): send HSTS and Secure cookies.
    #[arg(long, env = "WAYMARK_BEHIND_TLS")]
    pub behind_tls: bool,
    /// A reverse proxy sets X-Forwarded-For: take the client's address (for sign-in limits and
    /// the audit trail) from its last entry. Without a proxy, leave this off: clients could
    /// claim any address.
    #[arg(long, env = "WAYMARK_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// Sign-in attempts allowed from one IP address in 15 minutes. Raise it if many users
    /// share one address (a council network behind one proxy or NAT).
    #[arg(
        long,
        value_name = "N",
        env = "WAYMARK_SIGN_IN_ATTEMPTS_PER_IP",
        default_value_t = 50
    )]
    pub sign_in_attempts_per_ip: i64,
    /// A virus scanner for uploaded files: a program (with its arguments, split on spaces)
    /// given each file on standard input, exiting 0 for clean and 1 for infected, such as
    /// `clamdscan --no-summary -`. Without one, uploads are stored marked "not checked".
    #[arg(long, value_name = "COMMAND", env = "WAYMARK_VIRUS_SCAN_COMMAND")]
    pub virus_scan_command: Option<String>,
    /// The address users reach Waymark at, for links in emails
    /// (`https://send.northby.gov.uk`).
    #[arg(
        long,
        value_name = "URL",
        env = "WAYMARK_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_url: String,
    /// Which database.
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Single sign-on for LA staff (docs/sso.md).
    #[command(flatten)]
    pub oidc: OidcArgs,
    /// Sending notifications by email (docs/notifications.md). Boxed: its many options would
    /// otherwise make every `Command` as large as `serve`'s.
    #[command(flatten)]
    pub notify: Box<NotifyArgs>,
}

/// Single sign-on for LA staff through the council's OpenID Connect provider: all four of
/// issuer, client id, client secret file and redirect URL, or none (no single sign-on).
#[derive(Debug, Args, Clone)]
pub struct OidcArgs {
    /// The provider's issuer, e.g. https://login.microsoftonline.com/TENANT-ID/v2.0.
    #[arg(long, value_name = "URL", env = "WAYMARK_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// The client (application) id Waymark is registered with at the provider.
    #[arg(long, value_name = "ID", env = "WAYMARK_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// A file holding the client secret (never on the command line, where other users of the
    /// machine could see it).
    #[arg(long, value_name = "FILE", env = "WAYMARK_OIDC_CLIENT_SECRET_FILE")]
    pub oidc_client_secret_file: Option<PathBuf>,
    /// This service's address followed by /sign-in/sso/callback, as registered at the provider.
    #[arg(long, value_name = "URL", env = "WAYMARK_OIDC_REDIRECT_URL")]
    pub oidc_redirect_url: Option<String>,
    /// The sign-in page's button text.
    #[arg(
        long,
        value_name = "TEXT",
        env = "WAYMARK_OIDC_BUTTON_LABEL",
        default_value = "Sign in with your council account"
    )]
    pub oidc_button_label: String,
}

/// Sending the notifications queued in the outbox: through an SMTP relay (`--smtp-url` and
/// `--smtp-from`) or GOV.UK Notify (`--notify-api-key-file` and `--notify-templates`), not
/// both. With neither, notifications wait in the outbox until one is set up.
#[derive(Debug, Args, Clone)]
pub struct NotifyArgs {
    /// The SMTP relay: smtp://HOST:PORT (no TLS), smtp://HOST:587?tls=required (STARTTLS)
    /// or smtps://USER@HOST (TLS from the start).
    #[arg(long, value_name = "URL", env = "WAYMARK_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// A file holding the SMTP password (kept off the command line, where other users of the
    /// machine could see it).
    #[arg(long, value_name = "FILE", env = "WAYMARK_SMTP_PASSWORD_FILE")]
    pub smtp_password_file: Option<PathBuf>,
    /// The address emails come from, e.g. "Northby SEND <noreply@send.northby.gov.uk>".
    #[arg(long, value_name = "ADDRESS", env = "WAYMARK_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// A file holding the GOV.UK Notify API key.
    #[arg(long, value_name = "FILE", env = "WAYMARK_NOTIFY_API_KEY_FILE")]
    pub notify_api_key_file: Option<PathBuf>,
    /// A JSON file mapping each of Waymark's template names to its GOV.UK Notify template id.
    #[arg(long, value_name = "FILE", env = "WAYMARK_NOTIFY_TEMPLATES")]
    pub notify_templates: Option<PathBuf>,
    /// Days before an advice request's due date on which its organisation is reminded.
    #[arg(
        long,
        value_name = "DAYS",
        env = "WAYMARK_REMINDER_DAYS",
        value_delimiter = ',',
        default_value = "7,2"
    )]
    pub reminder_days: Vec<u32>,
    /// The local authorities (3-digit codes, comma-separated) whose open advice requests get
    /// reminders and overdue notices. Without any, none are sent.
    #[arg(
        long,
        value_name = "CODES",
        env = "WAYMARK_REMINDER_LAS",
        value_delimiter = ','
    )]
    pub reminder_las: Vec<String>,
}

/// `waymark demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The seed: the same seed gives the same data.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// One local authority, or all 153 at realistic sizes.
    #[arg(long, value_enum, default_value = "la")]
    pub scale: DemoScale,
    /// Which database (an existing SQLite demo file is replaced).
    #[command(flatten)]
    pub db: DemoDatabaseArgs,
    /// Where to serve the demo.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub bind: std::net::SocketAddr,
    /// Only create the data; do not start the server.
    #[arg(long)]
    pub no_serve: bool,
}

/// The demo's database: its own default file, so it never touches a real one by accident.
#[derive(Debug, Args, Clone)]
pub struct DemoDatabaseArgs {
    /// `sqlite://PATH` or `postgres://...`.
    #[arg(long, value_name = "URL", default_value = "sqlite://waymark-demo.db")]
    pub database: String,
}

/// How much demo data to make.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DemoScale {
    /// One county-sized authority.
    La,
    /// 153 authorities, as in England.
    National,
}

/// `waymark la`.
#[derive(Debug, Subcommand)]
pub enum LaCommand {
    /// Add a local authority, or rename one.
    Add {
        /// Its 3-digit DfE code, like 202.
        code: String,
        /// Its name, like "Northby Council".
        name: String,
        /// Which database.
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

/// `waymark import`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import cases for one local authority.
    Cases {
        /// The CSV file.
        file: PathBuf,
        /// The local authority's 3-digit code.
        #[arg(long, value_name = "CODE")]
        la: String,
        /// Where to write refused rows (default: FILE.errors.csv beside the input).
        #[arg(long, value_name = "FILE")]
        errors: Option<PathBuf>,
        /// Cases per transaction.
        #[arg(long, value_name = "N", default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        batch_size: u32,
        /// Which database.
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Import the register of schools and settings.
    Settings {
        /// The CSV file (urn, name, placement_type, phase, la_code).
        file: PathBuf,
        /// Which database.
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

/// Which bank holidays to use.
#[derive(Debug, Args, Clone)]
pub struct CalendarArgs {
    /// A bank holiday file in GOV.UK's JSON format, instead of the one built in.
    #[arg(long, value_name = "FILE", env = "WAYMARK_CALENDAR")]
    pub calendar: Option<PathBuf>,
    /// The division of the file to use.
    #[arg(long, value_name = "DIVISION", default_value = waymark_domain::calendar::DEFAULT_DIVISION)]
    pub division: String,
}

/// `waymark deadlines`: every trigger is optional, but at least one is needed.
#[derive(Debug, Args)]
pub struct DeadlinesArgs {
    /// The day the request for an EHC needs assessment was received.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub received: Option<NaiveDate>,
    /// The day advice was requested (reg 8).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub advice_requested: Option<NaiveDate>,
    /// The day the draft plan was served (reg 13(1)).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub draft_served: Option<NaiveDate>,
    /// The day a school was consulted about being named.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub consultation_sent: Option<NaiveDate>,
    /// The day a re-assessment was requested (reg 27).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub reassessment_requested: Option<NaiveDate>,
    /// The day the plan was issued, or the last review meeting (reg 18).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub plan_issued: Option<NaiveDate>,
    /// The child's date of birth (under-5s are reviewed within 6 months).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub date_of_birth: Option<NaiveDate>,
    /// The day of a review meeting (reg 20).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub review_meeting: Option<NaiveDate>,
    /// The day proposed amendments were sent (reg 22).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub amendments_sent: Option<NaiveDate>,
    /// The day of a phase transfer (reg 18); give --transfer-kind too.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, requires = "transfer_kind")]
    pub transfer_date: Option<NaiveDate>,
    /// The kind of phase transfer.
    #[arg(long, value_enum, requires = "transfer_date")]
    pub transfer_kind: Option<TransferArg>,
    /// The day an appealable decision notice was sent.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub decision_notice: Option<NaiveDate>,
    /// The day mediation was requested.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub mediation_requested: Option<NaiveDate>,
    /// The day the mediation certificate was issued.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, requires = "decision_notice")]
    pub mediation_certificate: Option<NaiveDate>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Which bank holidays to use (for the working-day mediation certificate).
    #[command(flatten)]
    pub calendar: CalendarArgs,
}

/// The phase transfer kinds, as typed on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TransferArg {
    /// Between schools, or early years to school: by 15 February.
    School,
    /// Secondary school to a post-16 institution: by 31 March.
    SecondaryToPost16,
    /// One post-16 institution to another: 5 months before.
    Post16ToPost16,
}

impl From<TransferArg> for TransferKind {
    fn from(arg: TransferArg) -> Self {
        match arg {
            TransferArg::School => TransferKind::School,
            TransferArg::SecondaryToPost16 => TransferKind::SecondaryToPost16,
            TransferArg::Post16ToPost16 => TransferKind::Post16ToPost16,
        }
    }
}

/// `waymark workdays`.
#[derive(Debug, Args)]
pub struct WorkdaysArgs {
    /// What to work out.
    #[command(subcommand)]
    pub command: WorkdaysCommand,
}

/// The working-day questions.
#[derive(Debug, Subcommand)]
pub enum WorkdaysCommand {
    /// The date N working days after --from (--from itself is not counted).
    Add {
        /// The start date.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        from: NaiveDate,
        /// How many working days to add (1 or more).
        #[arg(long, value_name = "N", value_parser = parse_days)]
        days: u32,
        /// Which bank holidays to use.
        #[command(flatten)]
        calendar: CalendarArgs,
    },
    /// How many working days fall after --from, up to and including --to.
    Between {
        /// The start date (not counted).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        from: NaiveDate,
        /// The end date (counted).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        to: NaiveDate,
        /// Which bank holidays to use.
        #[command(flatten)]
        calendar: CalendarArgs,
    },
}

/// `waymark check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Which kind of identifier.
    #[arg(value_enum)]
    pub kind: IdentifierKind,
    /// The identifier to check.
    pub value: String,
}

/// The identifiers `waymark check` knows.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum IdentifierKind {
    /// Unique Pupil Number (13 characters, check letter first).
    Upn,
    /// Unique Learner Number (10 digits).
    Uln,
    /// NHS number (10 digits, modulus 11).
    Nhs,
}

/// Dates on the command line are ISO 8601 (YYYY-MM-DD), and must be real dates.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let shape_ok = text.len() == 10
        && text.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape_ok {
        return Err("dates are written YYYY-MM-DD, for example 2026-03-04".to_string());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{text} is not a real date (check the month and day)"))
}

/// A count of working days to add: a whole number, 1 or more.
pub fn parse_days(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(0) => Err("the number of working days must be 1 or more".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text} is not a whole number of working days")),
    }
}
