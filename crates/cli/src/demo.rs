//! `waymark demo`: a fresh database with a synthetic local authority (or 153 of them), ready
//! to explore. Every name is made up; nothing here is a real child.

use std::path::Path;

use anyhow::Context;
use chrono::Utc;
use waymark_domain::LaCode;
use waymark_store::Store;
use waymark_store::cases::import_batch;

use crate::args::{DemoArgs, DemoScale};
use crate::database::{block_on, open_url};
use crate::demo_data::{Size, generate};

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
    let caseworkers: Vec<String> = (1..=25).map(|n| format!("cw-{n:02}")).collect();
    let las = authorities(args.scale);
    let (cases, plans) = block_on(async {
        let store = open_url(&args.db.database).await?;
        let mut cases = 0;
        let mut plans = 0;
        for (i, (la, name, size)) in las.iter().enumerate() {
            store.ensure_la(la, name).await?;
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
    Ok(())
}
