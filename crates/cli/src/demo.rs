//! `waymark demo`: a fresh database with a synthetic local authority (or 153 of them), ready
//! to explore. Every name is made up; nothing here is a real child.

use std::path::Path;

use anyhow::Context;
use chrono::Utc;
use waymark_domain::LaCode;
use waymark_domain::actor::Role;
use waymark_domain::case::Stage;
use waymark_store::cases::import_batch;
use waymark_store::{Backend, CaseAccess, NewUser, Store};

use crate::args::{DemoArgs, DemoScale};
use crate::database::{block_on, open_url};
use crate::demo_data::{Size, generate};
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

/// The authorities to generate: one, or a national set at realistic relative sizes.
fn authorities(scale: DemoScale) -> Vec<(LaCode, String, Size)> {
    match scale {
        DemoScale::La => LaCode::parse(DEMO_LA.0)
            .map(|la| vec![(la, DEMO_LA.1.to_string(), Size::LA)])
            .unwrap_or_default(),
        DemoScale::National => (0..153u32)
            .filter_map(|n| {
                // English LAs range from a few hundred plans to about fifteen thousand.
                let factor = 0.15 + f64::from((n * 37) % 100) / 45.0;
                let la = LaCode::parse(&format!("{}", 800 + n)).ok()?;
                Some((
                    la,
                    format!("Demo Authority {}", n + 1),
                    Size::scaled(factor),
                ))
            })
            .collect(),
    }
}

/// Runs `waymark demo`: generates the data, then reports how to look at it.
pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    remove_sqlite_files(&args.db.database)?;
    let today = chrono::Local::now().date_naive();
    let las = authorities(args.scale);
    let hash = hash_password(DEMO_PASSWORD)?;
    let (cases, plans) = block_on(async {
        let store = open_url(&args.db.database).await?;
        let mut cases = 0;
        let mut plans = 0;
        for (i, (la, name, size)) in las.iter().enumerate() {
            store.ensure_la(la, name).await?;
            let caseworkers = if i == 0 {
                caseworkers(&store, la, &hash).await?
            } else {
                (1..=25)
                    .map(|n| format!("{}-cw-{n}", la.as_str()))
                    .collect()
            };
            let demo = generate(
                args.seed.wrapping_add(i as u64),
                la,
                *size,
                &caseworkers,
                today,
            );
            anyhow::ensure!(
                demo.skipped == 0,
                "the demo generator could not build {} cases",
                demo.skipped
            );
            if i == 0 {
                organisations(&store, la, &demo.settings).await?;
            }
            store.upsert_settings(demo.settings).await?;
            plans += demo
                .cases
                .iter()
                .filter(|c| c.case.final_plan.is_some())
                .count();
            for batch in demo.cases.chunks(5_000) {
                cases += import_batch(&store, batch, "demo", Utc::now())
                    .await?
                    .created;
            }
            if i == 0 {
                other_accounts(&store, la, &hash).await?;
                join_organisation(&store, la).await?;
            }
        }
        Ok((cases, plans))
    })?;
    println!(
        "Demo database {} is ready: {} local {}, {cases} cases, {plans} with a final plan.",
        args.db.database,
        las.len(),
        if las.len() == 1 {
            "authority"
        } else {
            "authorities"
        },
    );
    println!("\nSign in with any of these accounts; the password of each is {DEMO_PASSWORD}");
    println!("  caseworker1@northby.example  (caseworker; also caseworker2 to caseworker25)");
    for (email, _, role, _) in DEMO_ACCOUNTS {
        println!("  {email:<29}({})", role.label());
    }
    if args.no_serve {
        return Ok(());
    }
    let la_name = las
        .first()
        .map(|(_, name, _)| name.clone())
        .unwrap_or_default();
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
