//! `waymark report kpis`: the KPIs for a period from the stored facts of each case, for one
//! LA or every LA with the national roll-up. The figures are `waymark_domain::kpi`'s; the
//! files are the web exports' (`waymark_web::routes::reports::export`).

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Context;
use waymark_domain::kpi::{self, KpiFacts, Period};
use waymark_domain::{CaseId, LaCode};
use waymark_store::Store;
use waymark_web::routes::reports::export;

use crate::args::{ReportFormat, ReportKpisArgs};
use crate::database::{block_on, open};

/// Facts read per query: enough to keep round trips few, small enough to page a national
/// database.
const PAGE: i64 = 10_000;

/// `waymark report kpis`.
pub fn kpis(args: &ReportKpisArgs) -> anyhow::Result<()> {
    let period = Period::new(args.from, args.to)?;
    let la = match args.la.trim() {
        "all" => None,
        code => Some(LaCode::parse(code)?),
    };
    anyhow::ensure!(
        args.format != ReportFormat::Xlsx || args.output.is_some(),
        "a spreadsheet needs --output FILE"
    );
    let facts = block_on(async {
        let store = open(&args.db).await?;
        let mut out: Vec<(LaCode, KpiFacts)> = Vec::new();
        let mut after = CaseId(0);
        loop {
            let page = store.kpi_facts(la.as_ref(), after, PAGE).await?;
            let n = page.len();
            for (id, la, facts) in page {
                after = id;
                out.push((la, facts));
            }
            if i64::try_from(n).unwrap_or(0) < PAGE {
                return Ok(out);
            }
        }
    })?;
    if let Some(la) = &la {
        anyhow::ensure!(
            !facts.is_empty(),
            "local authority {la} has no cases here: check the code"
        );
    }
    let (national, each) = kpi::by_la(facts.iter().map(|(la, f)| (la, f)), period)?;
    let mut by_code: BTreeMap<&LaCode, Vec<&KpiFacts>> = BTreeMap::new();
    for (la, f) in &facts {
        by_code.entry(la).or_default().push(f);
    }
    let mut tables = Vec::new();
    for (code, figures) in &each {
        let own = by_code.get(code).map(Vec::as_slice).unwrap_or_default();
        tables.push((
            code.to_string(),
            figures,
            kpi::trend(own.iter().copied(), period)?,
        ));
    }
    if la.is_none() {
        let trend = kpi::trend(facts.iter().map(|(_, f)| f), period)?;
        tables.push(("all".to_string(), &national, trend));
    }
    let bytes = match args.format {
        ReportFormat::Json => {
            let json: Vec<_> = tables
                .iter()
                .map(|(la, k, trend)| serde_json::json!({ "la": la, "kpis": k, "trend": trend }))
                .collect();
            let mut text = serde_json::to_vec_pretty(&json)?;
            text.push(b'\n');
            text
        }
        format => {
            let rows: Vec<_> = tables
                .iter()
                .flat_map(|(la, k, trend)| kpi::export_rows(la, k, trend))
                .collect();
            if format == ReportFormat::Csv {
                export::csv(&rows)?
            } else {
                export::xlsx(&rows)?
            }
        }
    };
    match &args.output {
        Some(path) => std::fs::write(path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout()
            .write_all(&bytes)
            .context("cannot write to standard output")?,
    }
    Ok(())
}
