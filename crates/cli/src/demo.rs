//! `waymark demo`: a fresh database with a synthetic local authority (or 153 of them), ready
//! to explore. Every name is made up; nothing here is a real child.

use std::path::Path;

use anyhow::Context;
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use waymark_domain::LaCode;
use waymark_domain::actor::Role;
use waymark_domain::case::Stage;
use waymark_store::cases::import_batch;
use waymark_store::prelude::*;
use waymark_store::{Backend, CaseAccess, NewUser};

use crate::args::{DemoArgs, DemoScale};
use crate::database::{block_on, open_url};
use crate::demo_data::{CHUNK, Size, generate, generate_national, national_sizes};
use crate::user::hash_password;

/// The password of every demo account, printed when the demo starts. Demo data only.
pub const DEMO_PASSWORD: &str = "northby-demo-walkthrough";

/// One demo account per role, all in the first authority.
const DEMO_ACCOUNTS: &[(&str, &str, Role, Option<&str>)] = &[
    ("admin@northby.example", "Alex Admin", Role::Admin, None),
    (
        "manager@northby.example",
        "Morgan Manager",
        Role::Manager,
        None,
    ),
    (
        "professional@northby.example",
        "Dr Priya Shah",
        Role::Professional,
        Some("County Educational Psychology Service"),
    ),
    ("parent@northby.example", "Sam Parent", Role::Parent, None),
    ("viewer@northby.example", "Val Viewer", Role::Viewer, None),
    (
        "scrutiny@northby.example",
        "Councillor Scott",
        Role::Scrutiny,
        None,
    ),
];

/// Caseworker accounts `caseworker1@...` to `caseworker25@...`; their user numbers are the
/// references cases are allocated to.
async fn caseworkers(store: &Backend, la: &LaCode, hash: &str) -> anyhow::Result<Vec<String>> {
    let mut refs = Vec::new();
    for n in 1..=25 {
        let user = store
            .create_user(NewUser {
                email: format!("caseworker{n}@northby.example"),
                name: format!("Caseworker {n}"),
                role: Role::Caseworker,
                la: la.clone(),
                organisation: None,
                password_hash: Some(hash.to_string()),
            })
            .await?;
        refs.push(user.id.to_string());
    }
    Ok(refs)
}

/// The other demo accounts; the professional is asked for advice on one assessing case and
/// the parent is linked to the same child.
async fn other_accounts(store: &Backend, la: &LaCode, hash: &str) -> anyhow::Result<()> {
    let query = waymark_store::caseload::CaseloadQuery {
        stage: Some(Stage::Assessing.key().to_string()),
        limit: 1,
        ..Default::default()
    };
    let shared_case = store
        .caseload(la, &query)
        .await?
        .items
        .first()
        .map(|c| c.id);
    for (email, name, role, organisation) in DEMO_ACCOUNTS {
        let user = store
            .create_user(NewUser {
                email: (*email).to_string(),
                name: (*name).to_string(),
                role: *role,
                la: la.clone(),
                organisation: organisation.map(str::to_string),
                password_hash: Some(hash.to_string()),
            })
            .await?;
        let relation = match role {
            Role::Professional => Some(CaseAccess::ADVICE),
            Role::Parent => Some(CaseAccess::PARENT),
            _ => None,
        };
        if let (Some(relation), Some(case)) = (relation, shared_case) {
            store
                .grant_case_access(user.id, case, la, relation, Utc::now())
                .await?;
        }
    }
    Ok(())
}

/// The organisations the demo's advice requests name, and the first schools of the register,
/// registered for the portal; the demo professional works for the educational psychology
/// service and manages its staff.
async fn organisations(
    store: &Backend,
    la: &LaCode,
    settings: &[waymark_store::Setting],
) -> anyhow::Result<()> {
    for (kind, name) in [
        (
            "educational_psychology",
            "County Educational Psychology Service",
        ),
        ("health", "Riverside NHS Trust"),
        ("health", "Northby Community Health"),
        ("health", "Vale Hospitals NHS Trust"),
        ("social_care", "Children's Social Care"),
    ] {
        store.create_organisation(la, kind, name, None).await?;
    }
    for setting in settings.iter().take(20) {
        store
            .create_organisation(la, "school", &setting.name, Some(&setting.urn))
            .await?;
    }
    Ok(())
}

/// Makes the demo professional a member (and admin) of their organisation.
async fn join_organisation(store: &Backend, la: &LaCode) -> anyhow::Result<()> {
    let Some(professional) = store
        .find_user_by_email("professional@northby.example")
        .await?
    else {
        return Ok(());
    };
    let organisation = store
        .organisations(la)
        .await?
        .into_iter()
        .find(|o| Some(o.name.as_str()) == professional.organisation.as_deref());
    if let Some(organisation) = organisation {
        store
            .add_organisation_member(organisation.id, professional.id, true)
            .await?;
    }
    Ok(())
}

/// The demo authority: a made-up code and name.
const DEMO_LA: (&str, &str) = ("990", "Northby Council");

/// Removes an old demo SQLite file (and its WAL files) so the demo always starts fresh.
fn remove_sqlite_files(url: &str) -> anyhow::Result<()> {
    let Some(path) = url.strip_prefix("sqlite://") else {
        return Ok(());
    };
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{path}{suffix}");
        if Path::new(&file).exists() {
            std::fs::remove_file(&file).with_context(|| format!("cannot remove {file}"))?;
        }
    }
    Ok(())
}

/// What the demo made.
#[derive(Debug, Default)]
struct Made {
    authorities: usize,
    cases: u64,
    events: u64,
    active_plans: u64,
}

impl Made {
    fn count(&mut self, cases: &[waymark_domain::import::ImportedCase]) {
        self.cases += cases.len() as u64;
        self.events += cases.iter().map(|c| c.events.len() as u64).sum::<u64>();
        self.active_plans += cases
            .iter()
            .filter(|c| c.case.final_plan.is_some() && c.case.closure.is_none())
            .count() as u64;
    }
}

/// The demo authority and its demo accounts, organisations and caseworkers; its cases come
/// from `cases`, which is given the caseworkers' references.
async fn demo_authority(
    store: &Backend,
    hash: &str,
    cases: impl AsyncFnOnce(&[String]) -> anyhow::Result<Vec<waymark_store::Setting>>,
) -> anyhow::Result<()> {
    let la = LaCode::parse(DEMO_LA.0)?;
    store.ensure_la(&la, DEMO_LA.1).await?;
    let caseworkers = caseworkers(store, &la, hash).await?;
    let settings = cases(&caseworkers).await?;
    organisations(store, &la, &settings).await?;
    other_accounts(store, &la, hash).await?;
    join_organisation(store, &la).await
}

/// One authority of 8,000 cases.
async fn one_authority(
    store: &Backend,
    hash: &str,
    seed: u64,
    today: chrono::NaiveDate,
) -> anyhow::Result<Made> {
    let mut made = Made {
        authorities: 1,
        ..Made::default()
    };
    demo_authority(store, hash, async |caseworkers: &[String]| {
        let la = LaCode::parse(DEMO_LA.0)?;
        let demo = generate(seed, &la, Size::LA, caseworkers, today);
        anyhow::ensure!(
            demo.skipped == 0,
            "the demo generator could not build {} cases",
            demo.skipped
        );
        store.upsert_settings(demo.settings.clone()).await?;
        for batch in demo.cases.chunks(CHUNK) {
            import_batch(store, batch, "demo", Utc::now()).await?;
            made.count(batch);
        }
        Ok(demo.settings)
    })
    .await?;
    Ok(made)
}

/// What the generating thread hands the writer.
enum Generated {
    Cases(Vec<waymark_domain::import::ImportedCase>),
    Settings(Vec<waymark_store::Setting>),
    Skipped(usize),
}

/// 153 authorities at realistic sizes (`demo_data::national_sizes`), the first the demo
/// authority with its accounts. One thread generates while this one writes, so the two
/// cores both work; a progress bar counts requests.
async fn national(
    store: &Backend,
    hash: &str,
    seed: u64,
    today: chrono::NaiveDate,
) -> anyhow::Result<Made> {
    let sizes = national_sizes(seed);
    let mut las = Vec::with_capacity(sizes.len());
    for (n, requests) in sizes.iter().enumerate() {
        let (code, name) = if n == 0 {
            (DEMO_LA.0.to_string(), DEMO_LA.1.to_string())
        } else {
            (format!("{}", 800 + n), format!("Demo Authority {}", n + 1))
        };
        let la = LaCode::parse(&code)?;
        store.ensure_la(&la, &name).await?;
        las.push((la, *requests));
    }
    let bar = ProgressBar::new(sizes.iter().sum::<usize>() as u64);
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:40} {percent:>3}%  {human_pos}/{human_len} requests  {elapsed} (about {eta} left)  {msg}",
    ) {
        bar.set_style(style);
    }
    let mut made = Made {
        authorities: las.len(),
        ..Made::default()
    };
    demo_authority(store, hash, async |demo_caseworkers: &[String]| {
        let (send, mut receive) = tokio::sync::mpsc::channel::<Generated>(4);
        let demo_caseworkers = demo_caseworkers.to_vec();
        let generator = std::thread::spawn(move || {
            for (i, (la, requests)) in las.iter().enumerate() {
                let caseworkers = if i == 0 {
                    demo_caseworkers.clone()
                } else {
                    (1..=25)
                        .map(|n| format!("{}-cw-{n}", la.as_str()))
                        .collect()
                };
                let (settings, skipped) = generate_national(
                    seed.wrapping_add(i as u64),
                    la,
                    *requests,
                    &caseworkers,
                    today,
                    |cases| {
                        // The writer stopped (an error): stop generating too.
                        let _ = send.blocking_send(Generated::Cases(cases));
                    },
                );
                if send.blocking_send(Generated::Settings(settings)).is_err()
                    || send.blocking_send(Generated::Skipped(skipped)).is_err()
                {
                    return;
                }
            }
        });
        let mut first_settings = None;
        let mut skipped = 0;
        while let Some(message) = receive.recv().await {
            match message {
                Generated::Cases(cases) => {
                    import_batch(store, &cases, "demo", Utc::now()).await?;
                    made.count(&cases);
                    bar.inc(cases.len() as u64);
                    if let Some(first) = cases.first() {
                        bar.set_message(format!("authority {}", first.case.la.as_str()));
                    }
                }
                Generated::Settings(settings) => {
                    store.upsert_settings(settings.clone()).await?;
                    first_settings.get_or_insert(settings);
                }
                Generated::Skipped(n) => skipped += n,
            }
        }
        generator
            .join()
            .map_err(|_| anyhow::anyhow!("the demo generator stopped unexpectedly"))?;
        bar.finish();
        anyhow::ensure!(
            skipped == 0,
            "the demo generator could not build {skipped} cases"
        );
        Ok(first_settings.unwrap_or_default())
    })
    .await?;
    Ok(made)
}

/// Runs `waymark demo`: generates the data, then reports how to look at it.
pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    remove_sqlite_files(&args.db.database)?;
    let today = chrono::Local::now().date_naive();
    let hash = hash_password(DEMO_PASSWORD)?;
    let started = std::time::Instant::now();
    let made = block_on(async {
        let store = open_url(&args.db.database).await?;
        match args.scale {
            DemoScale::La => one_authority(&store, &hash, args.seed, today).await,
            DemoScale::National => national(&store, &hash, args.seed, today).await,
        }
    })?;
    println!(
        "Demo database {} is ready: {} local {}, {} cases ({} events), {} plans maintained; \
         made in {:.0} s.",
        args.db.database,
        made.authorities,
        if made.authorities == 1 {
            "authority"
        } else {
            "authorities"
        },
        made.cases,
        made.events,
        made.active_plans,
        started.elapsed().as_secs_f64(),
    );
    println!("\nSign in with any of these accounts; the password of each is {DEMO_PASSWORD}");
    println!("  caseworker1@northby.example  (caseworker; also caseworker2 to caseworker25)");
    for (email, _, role, _) in DEMO_ACCOUNTS {
        println!("  {email:<29}({})", role.label());
    }
    if args.no_serve {
        return Ok(());
    }
    let la_name = DEMO_LA.1.to_string();
    // Parsed like the command line, so every other serve option keeps its default.
    let bind = args.bind.to_string();
    let cli = <crate::args::Cli as clap::Parser>::try_parse_from([
        "waymark",
        "serve",
        "--bind",
        bind.as_str(),
        "--la-name",
        la_name.as_str(),
        "--database",
        args.db.database.as_str(),
    ])?;
    match cli.command {
        crate::args::Command::Serve(serve) => crate::serve::run(&serve),
        _ => anyhow::bail!("the demo could not start the server"),
    }
}
