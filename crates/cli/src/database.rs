//! `waymark migrate|backup|restore|la`: opening the database and looking after it.

use std::future::Future;
use std::path::Path;

use anyhow::Context;
use waymark_domain::LaCode;
use waymark_store::Backend;
use waymark_store::prelude::*;

use crate::args::DatabaseArgs;

/// Runs one database task to completion on a fresh runtime.
pub fn block_on<T>(task: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(task)
}

/// Connects and brings the schema up to date.
pub async fn open(db: &DatabaseArgs) -> anyhow::Result<Backend> {
    open_url(&db.database).await
}

/// Connects to a database URL and brings the schema up to date.
pub async fn open_url(url: &str) -> anyhow::Result<Backend> {
    let store = waymark_store::connect(url).await?;
    store.migrate().await?;
    Ok(store)
}

/// `waymark migrate`.
pub fn migrate(db: &DatabaseArgs) -> anyhow::Result<()> {
    block_on(open(db))?;
    println!("The database is up to date.");
    Ok(())
}

/// `waymark backup --to FILE`.
pub fn backup(to: &Path, db: &DatabaseArgs) -> anyhow::Result<()> {
    block_on(async { Ok(open(db).await?.backup_to(to).await?) })?;
    println!("Backup written to {}.", to.display());
    Ok(())
}

/// `waymark restore --from FILE [--force]`.
pub fn restore(from: &Path, force: bool, db: &DatabaseArgs) -> anyhow::Result<()> {
    block_on(async { Ok(waymark_store::restore(&db.database, from, force).await?) })?;
    println!("Restored {}.", from.display());
    Ok(())
}

/// `waymark la add CODE NAME`.
pub fn add_la(code: &str, name: &str, db: &DatabaseArgs) -> anyhow::Result<()> {
    let la = LaCode::parse(code)?;
    let name = name.trim();
    anyhow::ensure!(!name.is_empty(), "give the local authority's name");
    block_on(async { Ok(open(db).await?.ensure_la(&la, name).await?) })?;
    println!("Local authority {la} is {name}.");
    Ok(())
}
