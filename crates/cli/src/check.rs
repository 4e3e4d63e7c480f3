//! `waymark check upn|uln|nhs VALUE`: 0 and `valid`, or 1 and the reason.

use std::process::ExitCode;

use waymark_domain::{NhsNumber, Uln, Upn};

use crate::args::{CheckArgs, IdentifierKind};

/// Checks one identifier. The verdict is the command's output, so both go to stdout.
pub fn run(args: &CheckArgs) -> ExitCode {
    let verdict = match args.kind {
        IdentifierKind::Upn => Upn::parse(&args.value)
            .map(|upn| {
                if upn.is_temporary() {
                    "valid temporary"
                } else {
                    "valid"
                }
            })
            .map_err(|e| e.to_string()),
        IdentifierKind::Uln => Uln::parse(&args.value)
            .map(|_| "valid")
            .map_err(|e| e.to_string()),
        IdentifierKind::Nhs => NhsNumber::parse(&args.value)
            .map(|_| "valid")
            .map_err(|e| e.to_string()),
    };
    match verdict {
        Ok(word) => {
            println!("{word}");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            println!("invalid: {reason}");
            ExitCode::FAILURE
        }
    }
}
