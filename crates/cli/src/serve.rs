//! `waymark serve`: migrate, then serve pages and the API until stopped.

use std::path::Path;

use anyhow::Context;
use waymark_domain::LaCode;
use waymark_notify::{
    Background, NotifyApiKey, NotifySender, Provider, ReminderSettings, SmtpSender, WorkerSettings,
    govuk_notify, smtp,
};
use waymark_web::oidc::OidcConfig;
use waymark_web::{AuthSettings, Config};

use crate::args::{NotifyArgs, OidcArgs, ServeArgs};
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
        calendar: Some(crate::workdays::load_calendar(&args.calendar)?),
        ..Config::new(args.la_name.clone())
    };
    let provider = notification_provider(&args.notify)?;
    let reminders = reminder_settings(&args.notify, &args.public_url)?;
    block_on(async {
        let store = open(&args.db).await?;
        let background = start_notifications(&store, provider, reminders);
        let served = waymark_web::serve(store, config, args.bind).await;
        if let Some(background) = background {
            background.stop(NOTIFICATIONS_STOP_WITHIN).await;
        }
        served?;
        Ok(())
    })
}

/// How long a stopping server waits for a notification being sent to be recorded.
const NOTIFICATIONS_STOP_WITHIN: std::time::Duration = std::time::Duration::from_secs(30);

/// Starts sending notifications (and queuing advice reminders) beside the server, if a
/// provider is set up; says in the log what happens to notifications either way.
fn start_notifications(
    store: &waymark_store::Backend,
    provider: Option<Provider>,
    reminders: Option<ReminderSettings>,
) -> Option<Background> {
    let Some(provider) = provider else {
        tracing::warn!(
            "no email provider is set up (--smtp-url or --notify-api-key-file): notifications \
             are queued in the outbox and wait there, unsent, until one is"
        );
        return None;
    };
    if reminders.is_none() {
        tracing::info!(
            "advice reminders are off: give --reminder-las with the local authorities' codes"
        );
    }
    Some(Background::spawn(
        store.clone(),
        provider,
        WorkerSettings::default(),
        reminders,
    ))
}

/// Reads a secret from a file, without the line break editors leave at the end.
fn read_secret(file: &Path, what: &str) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("could not read the {what} from {}", file.display()))?;
    let text = text.trim_end_matches(['\r', '\n']).to_string();
    anyhow::ensure!(
        !text.is_empty(),
        "the {what} file {} is empty",
        file.display()
    );
    Ok(text)
}

/// The email provider from the notification flags: SMTP, GOV.UK Notify, or none. Each needs
/// its pair of flags, and only one may be set up.
fn notification_provider(args: &NotifyArgs) -> anyhow::Result<Option<Provider>> {
    let smtp = args.smtp_url.is_some() || args.smtp_from.is_some();
    let notify = args.notify_api_key_file.is_some() || args.notify_templates.is_some();
    anyhow::ensure!(
        !(smtp && notify),
        "choose one way of sending email: either --smtp-url with --smtp-from, or \
         --notify-api-key-file with --notify-templates"
    );
    if smtp {
        let (Some(url), Some(from)) = (&args.smtp_url, &args.smtp_from) else {
            anyhow::bail!("sending by SMTP needs both --smtp-url and --smtp-from");
        };
        let url = match &args.smtp_password_file {
            Some(file) => smtp::url_with_password(url, &read_secret(file, "SMTP password")?)?,
            None => url.clone(),
        };
        return Ok(Some(Provider::Smtp(SmtpSender::new(&url, from)?)));
    }
    anyhow::ensure!(
        args.smtp_password_file.is_none(),
        "--smtp-password-file is for --smtp-url"
    );
    if notify {
        let (Some(key_file), Some(templates_file)) =
            (&args.notify_api_key_file, &args.notify_templates)
        else {
            anyhow::bail!(
                "sending through GOV.UK Notify needs both --notify-api-key-file and \
                 --notify-templates"
            );
        };
        let key = NotifyApiKey::parse(&read_secret(key_file, "GOV.UK Notify API key")?)?;
        let templates = std::fs::read_to_string(templates_file).with_context(|| {
            format!(
                "could not read the GOV.UK Notify templates from {}",
                templates_file.display()
            )
        })?;
        let sender = NotifySender::new(key, govuk_notify::templates_from_json(&templates)?)?;
        let missing = sender.missing_templates();
        if !missing.is_empty() {
            tracing::warn!(
                missing = %missing.join(", "),
                "some templates have no GOV.UK Notify template id: those notifications are \
                 not sent until one is added to --notify-templates"
            );
        }
        return Ok(Some(Provider::Notify(sender)));
    }
    Ok(None)
}

/// The advice reminder scan's settings: for the local authorities given, at the days given.
fn reminder_settings(
    args: &NotifyArgs,
    public_url: &str,
) -> anyhow::Result<Option<ReminderSettings>> {
    if args.reminder_las.is_empty() {
        return Ok(None);
    }
    let las = args
        .reminder_las
        .iter()
        .map(|code| LaCode::parse(code.trim()))
        .collect::<Result<Vec<_>, _>>()
        .context("--reminder-las takes 3-digit local authority codes, like 202,203")?;
    Ok(Some(ReminderSettings {
        days_before: args.reminder_days.clone(),
        ..ReminderSettings::new(las, public_url)
    }))
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
