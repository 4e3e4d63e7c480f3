//! `waymark audit verify`: walks the hash-chained audit trail. Exit status 0 and
//! `audit trail intact: N rows` on stdout, or 1 and `audit trail broken at row SEQ: REASON` on
//! stderr, so that a scheduled job can alert on it.

use std::process::ExitCode;

use waymark_store::AuditReport;
use waymark_store::prelude::*;

use crate::args::DatabaseArgs;
use crate::database::{block_on, open};

/// Verifies the audit trail of the database `db` names.
pub fn verify(db: &DatabaseArgs) -> ExitCode {
    let report = block_on(async { Ok(open(db).await?.verify_audit().await?) });
    match report {
        Ok(AuditReport {
            rows,
            first_broken: None,
        }) => {
            println!("audit trail intact: {rows} rows");
            ExitCode::SUCCESS
        }
        Ok(AuditReport {
            first_broken: Some(broken),
            ..
        }) => {
            eprintln!(
                "audit trail broken at row {}: {}",
                broken.seq, broken.reason
            );
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
