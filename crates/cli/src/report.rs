//! `waymark report kpis`: the KPIs for a period from the stored facts of each case, for one
//! LA or every LA with the national roll-up. The figures are `waymark_domain::kpi`'s; the
//! files are the web exports' (`waymark_app::export`).
//!
//! `waymark report twenty-weeks`: the 20-week measure for whole calendar months, from the
//! flows the store keeps counted per LA and month ([`KpiStore::flow_counts`]) rather than from
//! every case, so the national roll-up reads a few thousand counts. The counts become figures
//! through the domain ([`PeriodFigures::add_flow`]), the one definition of what counts.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Context;
use waymark_app::export;
use waymark_domain::kpi::{self, Flow, KpiFacts, Period, PeriodFigures, TwentyWeeks};
use waymark_domain::{CaseId, LaCode};
use waymark_store::flows::FlowGrouping;
use waymark_store::prelude::*;

use crate::args::{FiguresFormat, ReportFormat, ReportKpisArgs, ReportTwentyWeeksArgs};
use crate::database::{block_on, open};

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
        let facts = waymark_store::caseload::all_kpi_facts(&store, la.as_ref()).await?;
        Ok(facts
            .into_iter()
            .map(|(_, la, facts)| (la, facts))
            .collect::<Vec<_>>())
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
    write_out(args.output.as_deref(), &bytes)
}

/// The flows the 20-week measure is made of.
const TWENTY_WEEK_FLOWS: [Flow; 4] = [
    Flow::FinalIssued,
    Flow::FinalInTime,
    Flow::FinalIssuedNoException,
    Flow::FinalInTimeNoException,
];

/// `waymark report twenty-weeks`.
pub fn twenty_weeks(args: &ReportTwentyWeeksArgs) -> anyhow::Result<()> {
    let period = Period::new(args.from, args.to)?;
    // Flows are counted per month, so only whole months can be summed from them.
    let months = period
        .whole_months()
        .filter(|_| period.is_whole_months())
        .with_context(|| {
            format!(
                "the period {} to {} is not whole calendar months: start on the first of a \
                 month and end on the last day of a month",
                args.from, args.to
            )
        })?;
    let la = match args.la.trim() {
        "all" => None,
        code => Some(LaCode::parse(code)?),
    };
    let mut started = std::time::Instant::now();
    let (counts, known) = block_on(async {
        let store = open(&args.db).await?;
        started = std::time::Instant::now();
        let counts = store
            .flow_counts(la.as_ref(), months, FlowGrouping::ByLa, &TWENTY_WEEK_FLOWS)
            .await?;
        // No counts for one LA: a quiet LA, or a mistyped code.
        let known = match &la {
            Some(la) if counts.is_empty() => {
                !store.kpi_facts(Some(la), CaseId(0), 1).await?.is_empty()
            }
            _ => true,
        };
        Ok((counts, known))
    })?;
    if let Some(la) = &la {
        anyhow::ensure!(
            known,
            "local authority {la} has no cases here: check the code"
        );
    }
    let mut each: BTreeMap<LaCode, PeriodFigures> = BTreeMap::new();
    if let Some(la) = &la {
        each.entry(la.clone()).or_default();
    }
    let mut national = PeriodFigures::default();
    for count in counts {
        let n = u32::try_from(count.n)
            .with_context(|| format!("a stored count is out of range: {}", count.n))?;
        if let Some(code) = count.la {
            each.entry(code).or_default().add_flow(count.flow, n);
        }
        national.add_flow(count.flow, n);
    }
    let mut lines: Vec<(String, TwentyWeeks)> = each
        .iter()
        .map(|(code, f)| (code.to_string(), f.twenty_weeks))
        .collect();
    if la.is_none() {
        lines.push(("all".to_string(), national.twenty_weeks));
    }
    if args.timing {
        eprintln!(
            "read and added up in {:.2} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    let bytes = match args.format {
        FiguresFormat::Csv => twenty_weeks_csv(&lines)?,
        FiguresFormat::Json => {
            let json: Vec<_> = lines
                .iter()
                .map(|(la, t)| {
                    serde_json::json!({
                        "la": la,
                        "issued": t.issued,
                        "within": t.within,
                        "percent": t.percent(),
                        "issued_excluding_exceptions": t.issued_excluding_exceptions,
                        "within_excluding_exceptions": t.within_excluding_exceptions,
                        "percent_excluding_exceptions": t.percent_excluding_exceptions(),
                    })
                })
                .collect();
            let mut text = serde_json::to_vec_pretty(&json)?;
            text.push(b'\n');
            text
        }
    };
    write_out(args.output.as_deref(), &bytes)
}

/// One line per LA; percentages to one decimal place, as the exports show them, and empty
/// when no plan was issued.
fn twenty_weeks_csv(lines: &[(String, TwentyWeeks)]) -> anyhow::Result<Vec<u8>> {
    let percent = |p: Option<f64>| p.map(|p| format!("{p:.1}")).unwrap_or_default();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "la",
        "issued",
        "within",
        "percent",
        "issued_excluding_exceptions",
        "within_excluding_exceptions",
        "percent_excluding_exceptions",
    ])?;
    for (la, t) in lines {
        out.write_record([
            la.clone(),
            t.issued.to_string(),
            t.within.to_string(),
            percent(t.percent()),
            t.issued_excluding_exceptions.to_string(),
            t.within_excluding_exceptions.to_string(),
            percent(t.percent_excluding_exceptions()),
        ])?;
    }
    out.into_inner().context("cannot write the CSV")
}

/// Writes a report to `--output`, or to standard output.
fn write_out(output: Option<&std::path::Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match output {
        Some(path) => std::fs::write(path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout()
            .write_all(bytes)
            .context("cannot write to standard output")?,
    }
    Ok(())
}
