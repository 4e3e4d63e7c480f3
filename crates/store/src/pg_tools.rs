//! Finding and running PostgreSQL's own programs (`pg_dump`, `pg_restore`, and for the test
//! harness `initdb`, `pg_ctl`). Backup and restore on PostgreSQL use them rather than a home-made
//! export because they are what a DBA trusts and they handle every object type.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::error::{Result, StoreError};

/// The environment variable naming the directory of the PostgreSQL programs to use.
pub(crate) const PG_BIN_ENV: &str = "WAYMARK_PG_BIN";

/// Where a PostgreSQL program is: `$WAYMARK_PG_BIN/NAME`, else the newest
/// `/usr/lib/postgresql/<version>/bin/NAME` (Debian and Ubuntu install there, and the newest
/// `pg_dump` can dump every older server), else `NAME` on `PATH`.
pub(crate) fn pg_program(name: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(PG_BIN_ENV) {
        let candidate = Path::new(&dir).join(name);
        return candidate.is_file().then_some(candidate);
    }
    newest_debian_bin_dir(name)
        .map(|dir| dir.join(name))
        .or_else(|| on_path(name))
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding `name`.
fn newest_debian_bin_dir(name: &str) -> Option<PathBuf> {
    let entries = std::fs::read_dir("/usr/lib/postgresql").ok()?;
    entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let version = parse_version(&entry.file_name().to_string_lossy())?;
            let bin = entry.path().join("bin");
            bin.join(name).is_file().then_some((version, bin))
        })
        .max_by(|(a, _), (b, _)| a.cmp(b))
        .map(|(_, bin)| bin)
}

/// `"15"` → `[15]`, `"9.6"` → `[9, 6]`; anything else is not a version directory.
fn parse_version(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// A PostgreSQL URL split into one safe to show on a command line (no password) and the
/// password, which is handed to libpq through `PGPASSWORD` instead.
pub(crate) fn split_password(database_url: &str) -> Result<(String, Option<String>)> {
    let mut url = url::Url::parse(database_url).map_err(|e| StoreError::Tool {
        tool: "pg_dump/pg_restore".to_string(),
        message: format!("the database URL could not be read: {e}"),
    })?;
    let password = url.password().map(|encoded| {
        percent_encoding::percent_decode_str(encoded)
            .decode_utf8_lossy()
            .into_owned()
    });
    if password.is_some() {
        // Only fails for URLs that cannot have a password, and this one had one.
        let _ = url.set_password(None);
    }
    Ok((url.into(), password))
}

/// Runs a PostgreSQL program to completion (blocking), with the password, if any, in
/// `PGPASSWORD`. A non-zero exit is an error carrying what the program wrote to stderr.
pub(crate) fn run(name: &str, args: &[OsString], password: Option<&str>) -> Result<Output> {
    let program = pg_program(name).ok_or_else(|| StoreError::Tool {
        tool: name.to_string(),
        message: format!(
            "{name} was not found in ${PG_BIN_ENV}, /usr/lib/postgresql/*/bin or on PATH; \
             install the PostgreSQL client programs (Debian: apt-get install postgresql-client)"
        ),
    })?;
    let mut command = Command::new(&program);
    command.args(args);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().map_err(|e| StoreError::Tool {
        tool: name.to_string(),
        message: format!("could not run {}: {e}", program.display()),
    })?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(StoreError::Tool {
            tool: name.to_string(),
            message: format!(
                "{} ({})",
                String::from_utf8_lossy(&output.stderr).trim(),
                output.status
            ),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn password_is_taken_out_of_the_url_and_decoded() {
        let (url, password) = split_password("postgres://waymark:p%40ss@db:5432/waymark").unwrap();
        assert_eq!(url, "postgres://waymark@db:5432/waymark");
        assert_eq!(password.as_deref(), Some("p@ss"));
    }

    #[test]
    fn url_without_password_is_unchanged() {
        let (url, password) = split_password("postgres://waymark@db/waymark").unwrap();
        assert_eq!(url, "postgres://waymark@db/waymark");
        assert_eq!(password, None);
    }

    #[test]
    fn version_directories_compare_numerically() {
        assert!(parse_version("16").unwrap() > parse_version("9.6").unwrap());
        assert_eq!(parse_version("common"), None);
    }
}
