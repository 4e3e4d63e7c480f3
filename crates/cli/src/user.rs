//! `waymark user add`: creates an account from the command line (the first administrator; after
//! that, admins manage accounts in the web pages).
//!
//! Passwords are hashed by `waymark_app::passwords` (Argon2id), the same code the web sign-in
//! verifies them with.

use std::io::BufRead;

use anyhow::Context;
use chrono::Utc;
use waymark_domain::{EmailAddress, LaCode};
use waymark_store::prelude::*;
use waymark_store::{NewAuditEntry, NewUser, ROLES, role_from_name, role_name};

use crate::args::AddUserArgs;
use crate::database::{block_on, open};

/// The shortest password accepted on standard input (a generated one is 23 characters).
const MIN_PASSWORD_CHARS: usize = 12;

/// `waymark user add --email E --name N --role ROLE --la CODE [--organisation O]
/// [--password-stdin]`.
pub fn add(args: &AddUserArgs) -> anyhow::Result<()> {
    // The same words for nothing as for a slip: the flag was given the wrong value.
    let email = EmailAddress::parse(&args.email).map_err(|_| {
        anyhow::anyhow!(
            "'{}' is not an email address (it should look like name@example.gov.uk)",
            args.email.trim()
        )
    })?;
    let name = args.name.trim();
    anyhow::ensure!(!name.is_empty(), "give the user's name with --name");
    let role = role_from_name(&args.role.trim().to_lowercase()).with_context(|| {
        let roles: Vec<&str> = ROLES.into_iter().map(role_name).collect();
        format!(
            "'{}' is not a role; use one of {}",
            args.role,
            roles.join(", ")
        )
    })?;
    let la = LaCode::parse(&args.la)?;
    let organisation = args
        .organisation
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_string);
    let (password, generated) = if args.password_stdin {
        (read_password(std::io::stdin().lock())?, false)
    } else {
        (generate_password(), true)
    };
    let password_hash = hash_password(&password)?;

    let user = block_on(async {
        let store = open(&args.db).await?;
        let user = store
            .create_user(NewUser {
                email: email.into_string(),
                name: name.to_string(),
                role,
                la: la.clone(),
                organisation,
                password_hash: Some(password_hash),
            })
            .await?;
        store
            .append_audit(NewAuditEntry {
                at: Utc::now(),
                user_id: None,
                la: Some(la),
                action: "create_user".to_string(),
                record_type: "user".to_string(),
                record_id: Some(user.id.to_string()),
                case_id: None,
                ip: None,
            })
            .await?;
        Ok(user)
    })?;
    println!(
        "Added user {} ({}) as {} in local authority {}.",
        user.id,
        user.email,
        role_name(user.role),
        user.la
    );
    if generated {
        println!(
            "Password: {password}\nIt is shown only this once: give it to them securely and ask \
             them to change it when they first sign in."
        );
    }
    Ok(())
}

/// The first line of `input`, without its line ending, if it is long enough.
fn read_password(mut input: impl BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("could not read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']);
    anyhow::ensure!(
        password.chars().count() >= MIN_PASSWORD_CHARS,
        "the password on standard input must be at least {MIN_PASSWORD_CHARS} characters"
    );
    Ok(password.to_string())
}

/// A new password to give to the account's owner once (`waymark_app::passwords`, as the
/// web pages make them): 100 bits, e.g. `k7cfa-9dz2m-qxw4h-tr8ne`.
fn generate_password() -> String {
    waymark_app::passwords::one_time_password().unwrap_or_else(|_| unreachable_randomness())
}

/// The operating system's random source failed: no account can be made safely.
fn unreachable_randomness() -> ! {
    eprintln!("error: the operating system's random source failed");
    std::process::exit(1)
}

/// An Argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for a password, hashed
/// as the web sign-in verifies it (`waymark_app::passwords`).
pub(crate) fn hash_password(password: &str) -> anyhow::Result<String> {
    waymark_app::passwords::hash_blocking(password)
        .map_err(|e| anyhow::anyhow!("could not hash the password: {e}"))
}
