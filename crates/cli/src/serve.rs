//! `waymark serve`: migrate, then serve pages and the API until stopped.

use anyhow::Context;
use waymark_web::oidc::OidcConfig;
use waymark_web::{AuthSettings, Config};

use crate::args::{OidcArgs, ServeArgs};
use crate::database::{block_on, open};

/// Logs go to stderr as one line per event; `RUST_LOG` sets the level (default `info`).
/// Handlers never log personal data, and panic messages (which could quote a request) are
/// replaced by a plain line.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: internal fault at {place} (details withheld: they may hold personal data)"
        );
    }));
}

/// Runs `waymark serve`.
pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    init_logging();
    let config = Config {
        behind_tls: args.behind_tls,
        trust_proxy: args.trust_proxy,
        auth: AuthSettings {
            attempts_per_ip: args.sign_in_attempts_per_ip,
            ..AuthSettings::default()
        },
        oidc: oidc_config(&args.oidc)?,
        virus_scanner: virus_scanner(args.virus_scan_command.as_deref())?,
        public_url: args.public_url.clone(),
        ..Config::new(args.la_name.clone())
    };
    block_on(async {
        let store = open(&args.db).await?;
        waymark_web::serve(store, config, args.bind).await?;
        Ok(())
    })
}

/// Single sign-on's settings: none if no single sign-on flag is given, an error naming the
/// missing ones if only some are. The secret is read from its file, without the line break
/// editors leave at the end.
fn oidc_config(args: &OidcArgs) -> anyhow::Result<Option<OidcConfig>> {
    let given = [
        ("--oidc-issuer", args.oidc_issuer.is_some()),
        ("--oidc-client-id", args.oidc_client_id.is_some()),
        (
            "--oidc-client-secret-file",
            args.oidc_client_secret_file.is_some(),
        ),
        ("--oidc-redirect-url", args.oidc_redirect_url.is_some()),
    ];
    let (Some(issuer_url), Some(client_id), Some(secret_file), Some(redirect_url)) = (
        &args.oidc_issuer,
        &args.oidc_client_id,
        &args.oidc_client_secret_file,
        &args.oidc_redirect_url,
    ) else {
        let missing: Vec<&str> = given
            .iter()
            .filter(|(_, present)| !present)
            .map(|(flag, _)| *flag)
            .collect();
        if missing.len() == given.len() {
            return Ok(None);
        }
        anyhow::bail!(
            "single sign-on needs --oidc-issuer, --oidc-client-id, --oidc-client-secret-file \
             and --oidc-redirect-url together; missing: {}",
            missing.join(", ")
        );
    };
    let client_secret = std::fs::read_to_string(secret_file)
        .with_context(|| {
            format!(
                "could not read the OIDC client secret from {}",
                secret_file.display()
            )
        })?
        .trim_end_matches(['\r', '\n'])
        .to_string();
    if client_secret.is_empty() {
        anyhow::bail!(
            "the OIDC client secret file {} is empty",
            secret_file.display()
        );
    }
    Ok(Some(OidcConfig {
        issuer_url: issuer_url.clone(),
        client_id: client_id.clone(),
        client_secret,
        redirect_url: redirect_url.clone(),
        button_label: args.oidc_button_label.clone(),
    }))
}

/// The virus-scan hook from `--virus-scan-command`: the program and its arguments.
fn virus_scanner(command: Option<&str>) -> anyhow::Result<waymark_web::forms::VirusScanner> {
    let Some(command) = command else {
        return Ok(waymark_web::forms::VirusScanner::none());
    };
    let mut words = command.split_whitespace().map(str::to_string);
    let program = words
        .next()
        .ok_or_else(|| anyhow::anyhow!("--virus-scan-command is empty: give a program to run"))?;
    Ok(waymark_web::forms::VirusScanner::command(
        program,
        words.collect(),
    ))
}
