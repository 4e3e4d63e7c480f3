//! `waymark import cases|settings`: reading CSV files into the store. Each row is checked by
//! the domain (`waymark_domain::import`); this module reads, reports and writes in batches.
//!
//! Reading and checking run on one thread and writing on the async runtime, so the two
//! overlap on a 2-core machine.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use waymark_domain::LaCode;
use waymark_domain::actor::{Actor, Role};
use waymark_domain::codes::{CodeList, CodeLists};
use waymark_domain::import::{ImportRecord, import_case};
use waymark_store::cases::new_case;
use waymark_store::{BatchOutcome, NewCase, Setting, Store};

use crate::args::DatabaseArgs;
use crate::database::{block_on, open};

/// The columns of a cases file (docs/import.md).
const CASE_COLUMNS: &[&str] = &[
    "external_reference",
    "given_name",
    "family_name",
    "date_of_birth",
    "upn",
    "uln",
    "nhs_number",
    "postcode",
    "request_received",
    "request_source",
    "assessment_decision",
    "assessment_decision_date",
    "issue_decision",
    "issue_decision_date",
    "final_plan_issued",
    "placement_urn",
    "placement_setting_code",
    "placement_type",
    "sen_needs",
    "caseworker",
    "closed_on",
    "closure_reason",
];

/// The columns a cases file must have.
const REQUIRED_CASE_COLUMNS: &[&str] = &[
    "external_reference",
    "given_name",
    "family_name",
    "date_of_birth",
    "request_received",
    "request_source",
];

fn open_csv(file: &Path) -> anyhow::Result<(csv::Reader<BufReader<File>>, u64)> {
    let handle = File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let size = handle.metadata().map(|m| m.len()).unwrap_or(0);
    let reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::Headers)
        .from_reader(BufReader::with_capacity(1 << 20, handle));
    Ok((reader, size))
}

/// Refuses a header with unknown or missing columns, naming them.
fn check_header(
    headers: &csv::StringRecord,
    known: &[&str],
    required: &[&str],
    file: &Path,
) -> anyhow::Result<()> {
    if let Some(unknown) = headers.iter().find(|h| !known.contains(h)) {
        bail!(
            "{} has a column '{unknown}' that Waymark does not know; the columns are: {}",
            file.display(),
            known.join(", ")
        );
    }
    if let Some(missing) = required.iter().find(|r| !headers.iter().any(|h| h == **r)) {
        bail!("{} has no '{missing}' column", file.display());
    }
    Ok(())
}

fn progress(size: u64) -> ProgressBar {
    let bar = ProgressBar::new(size);
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:40} {percent:>3}%  {binary_bytes}/{binary_total_bytes}  {elapsed} (about {eta} left)",
    ) {
        bar.set_style(style);
    }
    bar
}

/// A refused row, as written to the errors file.
struct Refused {
    row: u64,
    reference: String,
    column: String,
    reason: String,
}

/// What the reading thread sends to the writer.
enum Batch {
    Cases(Vec<NewCase>),
    Done { refused: Vec<Refused>, rows: u64 },
}

/// Reads, checks and converts every row; sends batches of valid cases to the writer.
fn read_cases(
    mut reader: csv::Reader<BufReader<File>>,
    actor: &Actor,
    known_urns: &std::collections::HashSet<String>,
    batch_size: usize,
    bar: &ProgressBar,
    send: &tokio::sync::mpsc::Sender<Batch>,
) -> anyhow::Result<()> {
    let today = chrono::Local::now().date_naive();
    let now = Utc::now();
    let mut refused = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut batch = Vec::with_capacity(batch_size);
    let mut rows = 0;
    let mut record = csv::StringRecord::new();
    let headers = reader.headers()?.clone();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                // A malformed line (wrong number of fields, bad UTF-8): refuse the row, carry on.
                rows += 1;
                refused.push(Refused {
                    row: rows + 1,
                    reference: String::new(),
                    column: String::new(),
                    reason: format!("the line cannot be read as CSV: {e}"),
                });
                continue;
            }
        }
        rows += 1;
        let row = rows + 1;
        let parsed: Result<ImportRecord, _> = record.deserialize(Some(&headers));
        let result = parsed
            .map_err(|e| (String::new(), format!("the row cannot be read: {e}")))
            .and_then(|r| {
                if let Some(first) = seen.get(r.external_reference.trim()) {
                    return Err((
                        "external_reference".to_string(),
                        format!("repeats the reference of row {first}"),
                    ));
                }
                seen.insert(r.external_reference.trim().to_string(), row);
                import_case(&r, actor, today, |urn| known_urns.contains(urn))
                    .map_err(|e| (e.column.to_string(), e.reason))
                    .and_then(|imported| {
                        new_case(
                            &imported.reference,
                            &imported.events,
                            &imported.case,
                            &actor.user,
                            now,
                        )
                        .map_err(|e| (String::new(), e.to_string()))
                    })
            });
        match result {
            Ok(case) => batch.push(case),
            Err((column, reason)) => refused.push(Refused {
                row,
                reference: record.get(0).unwrap_or_default().to_string(),
                column,
                reason,
            }),
        }
        if batch.len() >= batch_size {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(batch_size));
            if send.blocking_send(Batch::Cases(full)).is_err() {
                return Ok(()); // the writer stopped and reports why
            }
            bar.set_position(reader.position().byte());
        }
    }
    if !batch.is_empty() {
        let _ = send.blocking_send(Batch::Cases(batch));
    }
    let _ = send.blocking_send(Batch::Done { refused, rows });
    Ok(())
}

fn write_errors(path: &Path, refused: &[Refused]) -> anyhow::Result<()> {
    let mut out = csv::Writer::from_path(path)
        .with_context(|| format!("cannot write the errors file {}", path.display()))?;
    out.write_record(["row", "external_reference", "column", "reason"])?;
    for r in refused {
        out.write_record([&r.row.to_string(), &r.reference, &r.column, &r.reason])?;
    }
    out.flush()?;
    Ok(())
}

/// `waymark import cases FILE --la CODE`.
pub fn cases(
    file: &Path,
    la: &str,
    errors: Option<&Path>,
    batch_size: u32,
    db: &DatabaseArgs,
) -> anyhow::Result<()> {
    let la = LaCode::parse(la)?;
    let (mut reader, size) = open_csv(file)?;
    check_header(reader.headers()?, CASE_COLUMNS, REQUIRED_CASE_COLUMNS, file)?;
    let errors_path = errors.map(Path::to_path_buf).unwrap_or_else(|| {
        let mut name = file.as_os_str().to_owned();
        name.push(".errors.csv");
        PathBuf::from(name)
    });
    let actor = Actor {
        user: "import".to_string(),
        role: Role::Admin,
        la: la.clone(),
    };
    let batch_size = usize::try_from(batch_size).unwrap_or(2000);
    let (outcome, refused, rows) = block_on(async move {
        let store = open(db).await?;
        let known_urns = store.setting_urns().await?;
        let bar = progress(size);
        let (send, mut receive) = tokio::sync::mpsc::channel(4);
        let reading = {
            let bar = bar.clone();
            std::thread::spawn(move || {
                read_cases(reader, &actor, &known_urns, batch_size, &bar, &send)
            })
        };
        let mut total = BatchOutcome::default();
        let mut summary = None;
        while let Some(batch) = receive.recv().await {
            match batch {
                Batch::Cases(cases) => {
                    let done = store.create_cases_batch(cases).await?;
                    total.created += done.created;
                    total.already_present += done.already_present;
                }
                Batch::Done { refused, rows } => summary = Some((refused, rows)),
            }
        }
        reading
            .join()
            .map_err(|_| anyhow::anyhow!("the reading thread stopped unexpectedly"))??;
        bar.finish_and_clear();
        let (refused, rows) = summary.context("the file was not read to the end")?;
        Ok((total, refused, rows))
    })?;
    println!(
        "Read {rows} rows: {} cases imported, {} already here, {} rows refused.",
        outcome.created,
        outcome.already_present,
        refused.len()
    );
    if !refused.is_empty() {
        write_errors(&errors_path, &refused)?;
        bail!(
            "{} rows were refused; {} says which and why",
            refused.len(),
            errors_path.display()
        );
    }
    Ok(())
}

/// `waymark import settings FILE`.
pub fn settings(file: &Path, db: &DatabaseArgs) -> anyhow::Result<()> {
    const COLUMNS: &[&str] = &["urn", "name", "placement_type", "phase", "la_code"];
    let (mut reader, _) = open_csv(file)?;
    let headers = reader.headers()?.clone();
    check_header(
        &headers,
        COLUMNS,
        &["urn", "name", "placement_type", "la_code"],
        file,
    )?;
    let column = |name: &str| headers.iter().position(|h| h == name);
    let codes = CodeLists::current();
    let mut settings = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.with_context(|| format!("row {row} cannot be read"))?;
        let get = |name: &str| {
            column(name)
                .and_then(|c| record.get(c))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let urn = get("urn");
        if !(urn.len() == 6 || urn.len() == 8) || !urn.bytes().all(|b| b.is_ascii_digit()) {
            bail!("row {row}: '{urn}' is not a URN (6 digits) or UKPRN (8 digits)");
        }
        let name = get("name");
        if name.is_empty() {
            bail!("row {row}: the name is empty");
        }
        let placement_type = codes
            .check(CodeList::PlacementType, &get("placement_type"))
            .map_err(|e| anyhow::anyhow!("row {row}: {e}"))?;
        let la_code = LaCode::parse(&get("la_code"))
            .map_err(|e| anyhow::anyhow!("row {row}: {e}"))?
            .to_string();
        settings.push(Setting {
            urn,
            name,
            placement_type,
            phase: get("phase"),
            la_code,
        });
    }
    let count = settings.len();
    block_on(async { Ok(open(db).await?.upsert_settings(settings).await?) })?;
    println!("Imported {count} settings.");
    Ok(())
}
