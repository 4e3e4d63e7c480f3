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
use waymark_store::prelude::*;
use waymark_store::{BatchOutcome, NewCase, Setting};

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

/// What the reading and checking threads send to the writer.
enum Batch {
    /// Valid cases to write in one transaction.
    Cases(Vec<NewCase>),
    /// Rows refused.
    Refused(Vec<Refused>),
    /// The reader's count of data rows, sent once at the end.
    Rows(u64),
}

/// A chunk of raw rows, each with its row number as a spreadsheet shows it.
type Chunk = Vec<(u64, csv::StringRecord)>;

/// How many threads check rows: on 2 cores, two checkers keep the writer fed.
const CHECKERS: usize = 2;

/// Reads rows, refusing unreadable lines and repeated references, and hands chunks on.
fn read_rows(
    mut reader: csv::Reader<BufReader<File>>,
    chunk_size: usize,
    bar: &ProgressBar,
    work: &std::sync::mpsc::SyncSender<Chunk>,
    send: &tokio::sync::mpsc::Sender<Batch>,
) -> anyhow::Result<()> {
    let reference_column = reader
        .headers()?
        .iter()
        .position(|h| h == "external_reference")
        .context("the file has no external_reference column")?;
    let mut refused = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut chunk = Vec::with_capacity(chunk_size);
    let mut rows = 0;
    loop {
        let mut record = csv::StringRecord::new();
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
        let reference = record.get(reference_column).unwrap_or("").trim();
        if !reference.is_empty() {
            if let Some(first) = seen.get(reference) {
                refused.push(Refused {
                    row,
                    reference: reference.to_string(),
                    column: "external_reference".to_string(),
                    reason: format!("repeats the reference of row {first}"),
                });
                continue;
            }
            seen.insert(reference.to_string(), row);
        }
        chunk.push((row, record));
        if chunk.len() >= chunk_size {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(chunk_size));
            if work.send(full).is_err() {
                return Ok(()); // the checkers stopped; the writer reports why
            }
            bar.set_position(reader.position().byte());
        }
    }
    if !chunk.is_empty() {
        let _ = work.send(chunk);
    }
    let _ = send.blocking_send(Batch::Refused(refused));
    let _ = send.blocking_send(Batch::Rows(rows));
    Ok(())
}

/// Checks rows through the domain and turns valid ones into the store's rows.
fn check_rows(
    chunks: &std::sync::Mutex<std::sync::mpsc::Receiver<Chunk>>,
    headers: &csv::StringRecord,
    actor: &Actor,
    known_urns: &std::collections::HashSet<String>,
    send: &tokio::sync::mpsc::Sender<Batch>,
) {
    let today = chrono::Local::now().date_naive();
    let now = Utc::now();
    loop {
        let next = match chunks.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(chunk) = next else { return };
        let mut cases = Vec::with_capacity(chunk.len());
        let mut refused = Vec::new();
        for (row, record) in chunk {
            let result = record
                .deserialize::<ImportRecord>(Some(headers))
                .map_err(|e| (String::new(), format!("the row cannot be read: {e}")))
                .and_then(|r| {
                    import_case(&r, actor, today, |urn| known_urns.contains(urn))
                        .map_err(|e| (e.column.to_string(), e.reason))
                })
                .and_then(|imported| {
                    new_case(
                        &imported.reference,
                        &imported.events,
                        &imported.case,
                        &actor.user,
                        now,
                    )
                    .map_err(|e| (String::new(), e.to_string()))
                });
            match result {
                Ok(case) => cases.push(case),
                Err((column, reason)) => refused.push(Refused {
                    row,
                    reference: record.get(0).unwrap_or_default().to_string(),
                    column,
                    reason,
                }),
            }
        }
        if send.blocking_send(Batch::Refused(refused)).is_err()
            || send.blocking_send(Batch::Cases(cases)).is_err()
        {
            return;
        }
    }
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
        let app = waymark_app::App::new(store.clone(), "");
        let bar = progress(size);
        let headers = reader.headers()?.clone();
        let (send, mut receive) = tokio::sync::mpsc::channel(2 * CHECKERS + 2);
        let (work, chunks) = std::sync::mpsc::sync_channel::<Chunk>(2 * CHECKERS);
        let chunks = std::sync::Arc::new(std::sync::Mutex::new(chunks));
        let known_urns = std::sync::Arc::new(known_urns);
        let actor = std::sync::Arc::new(actor);
        let checkers: Vec<_> = (0..CHECKERS)
            .map(|_| {
                let (chunks, send, headers) = (chunks.clone(), send.clone(), headers.clone());
                let (actor, known_urns) = (actor.clone(), known_urns.clone());
                std::thread::spawn(move || {
                    check_rows(&chunks, &headers, &actor, &known_urns, &send)
                })
            })
            .collect();
        let reading = {
            let bar = bar.clone();
            std::thread::spawn(move || read_rows(reader, batch_size, &bar, &work, &send))
        };
        let mut total = BatchOutcome::default();
        let mut refused = Vec::new();
        let mut rows = None;
        while let Some(batch) = receive.recv().await {
            match batch {
                Batch::Cases(cases) if cases.is_empty() => {}
                Batch::Cases(cases) => {
                    let done = waymark_app::cases::import(&app, &la, cases).await?;
                    total.created += done.created;
                    total.already_present += done.already_present;
                }
                Batch::Refused(more) => refused.extend(more),
                Batch::Rows(count) => rows = Some(count),
            }
        }
        reading
            .join()
            .map_err(|_| anyhow::anyhow!("the reading thread stopped unexpectedly"))??;
        for checker in checkers {
            checker
                .join()
                .map_err(|_| anyhow::anyhow!("a checking thread stopped unexpectedly"))?;
        }
        bar.finish_and_clear();
        let rows = rows.context("the file was not read to the end")?;
        refused.sort_by_key(|r| r.row);
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
