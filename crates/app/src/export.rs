//! The KPI exports as files: CSV (one table, with a header row) and a spreadsheet (a sheet per
//! table). Both are written from [`ExportRow`]s, so they say the same as each other, the
//! dashboard and `waymark report kpis`.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use waymark_store::domain::kpi::ExportRow;

/// The media type of a CSV export.
pub const CSV_TYPE: &str = "text/csv; charset=utf-8";

/// The media type of a spreadsheet export.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing the CSV failed.
    #[error("could not write the CSV: {0}")]
    Csv(#[from] csv::Error),
    /// Writing the spreadsheet failed.
    #[error("could not write the spreadsheet: {0}")]
    Xlsx(#[from] XlsxError),
}

/// The rows as CSV with a header row.
///
/// # Errors
/// Only if writing to memory fails.
pub fn csv(rows: &[ExportRow]) -> Result<Vec<u8>, ExportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(ExportRow::COLUMNS)?;
    for row in rows {
        w.write_record(row.cells())?;
    }
    w.into_inner()
        .map_err(|e| ExportError::Csv(e.into_error().into()))
}

/// The sheets, in order: each is the rows of one table.
const SHEETS: [(&str, &str); 5] = [
    ("figures", "Figures"),
    ("trend", "Monthly trend"),
    ("backlog", "Open requests"),
    ("active_plans", "Plans maintained"),
    ("caseload", "Caseload"),
];

/// The rows as a spreadsheet with a sheet per table, counts as numbers.
///
/// # Errors
/// Only if writing to memory fails.
pub fn xlsx(rows: &[ExportRow]) -> Result<Vec<u8>, ExportError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for (table, title) in SHEETS {
        let sheet = book.add_worksheet();
        sheet.set_name(title)?;
        for (col, name) in (0u16..).zip(ExportRow::COLUMNS) {
            sheet.write_string_with_format(0, col, name, &bold)?;
        }
        for (r, row) in (1u32..).zip(rows.iter().filter(|r| r.table == table)) {
            let cells = row.cells();
            for (col, text) in (0u16..).zip(cells.iter().take(6)) {
                sheet.write_string(r, col, text)?;
            }
            sheet.write_number(r, 6, f64::from(row.value))?;
            if let Some(of) = row.of {
                sheet.write_number(r, 7, f64::from(of))?;
            }
            if let Some(p) = row.percent() {
                sheet.write_number(r, 8, (p * 10.0).round() / 10.0)?;
            }
        }
        sheet.set_freeze_panes(1, 0)?;
    }
    Ok(book.save_to_buffer()?)
}
