//! `waymark serve`: migrate, then serve pages and the API until stopped.

use waymark_web::{AuthSettings, Config};

use crate::args::ServeArgs;
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
        ..Config::new(args.la_name.clone())
    };
    block_on(async {
        let store = open(&args.db).await?;
        waymark_web::serve(store, config, args.bind).await?;
        Ok(())
    })
}
