//! `waymark`: the command-line entry point. It parses arguments, loads files and prints;
//! every rule it applies comes from `waymark-domain`.
#![forbid(unsafe_code)]

mod args;
mod audit;
mod check;
mod database;
mod deadlines;
mod demo;
mod demo_data;
mod import;
mod report;
mod serve;
mod user;
mod workdays;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{
    AuditCommand, Cli, Command, ImportCommand, LaCommand, ReportCommand, UserCommand,
};

/// mimalloc: imports and the server allocate many small JSON values from several threads,
/// where glibc's allocator spent a fifth of the import's time (measured with perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit status for a usage error (bad flag, bad date, impossible value), as clap uses.
const USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    let outcome = match cli.command {
        Command::Deadlines(args) => deadlines::run(&args),
        Command::Workdays(args) => workdays::run(&args),
        Command::Check(args) => return check::run(&args),
        Command::Migrate(db) => database::migrate(&db),
        Command::Backup { to, db } => database::backup(&to, &db),
        Command::Restore { from, force, db } => database::restore(&from, force, &db),
        Command::La {
            command: LaCommand::Add { code, name, db },
        } => database::add_la(&code, &name, &db),
        Command::Demo(args) => demo::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Import {
            command:
                ImportCommand::Cases {
                    file,
                    la,
                    errors,
                    batch_size,
                    db,
                },
        } => import::cases(&file, &la, errors.as_deref(), batch_size, &db),
        Command::Import {
            command: ImportCommand::Settings { file, db },
        } => import::settings(&file, &db),
        Command::User {
            command: UserCommand::Add(args),
        } => user::add(&args),
        Command::Audit {
            command: AuditCommand::Verify { db },
        } => return audit::verify(&db),
        Command::Report {
            command: ReportCommand::Kpis(args),
        } => report::kpis(&args),
        Command::Report {
            command: ReportCommand::TwentyWeeks(args),
        } => report::twenty_weeks(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Help and version go to stdout as clap writes them; any other parse error becomes one
/// plain line on stderr, because scripts read the first line and people read one line.
fn usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = err.print();
        return if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(USAGE)
        } else {
            ExitCode::SUCCESS
        };
    }
    let rendered = err.render().to_string();
    let first = rendered
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("error: the arguments could not be read");
    eprintln!("{} (see --help)", first.trim_end());
    ExitCode::from(USAGE)
}
