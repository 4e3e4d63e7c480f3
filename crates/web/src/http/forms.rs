//! Form bodies for the case pages: fields from a URL-encoded or multipart body, GOV.UK date
//! inputs (`{name}-day`, `{name}-month`, `{name}-year`), and uploaded files checked for size
//! and type from their content, then passed to the virus scanner if one is set up.
//!
//! The CSRF check ([`crate::csrf`]) has already read the body by the time a handler runs; the
//! handler takes the bytes and parses them here, so one handler serves forms with and
//! without a file.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::process::Stdio;

use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use chrono::NaiveDate;
use tokio::io::AsyncWriteExt;

use crate::error::FieldErrors;

/// The largest file accepted (20 MiB): enough for a scanned report of many pages.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// The largest form body accepted with a file (the file and the other fields).
pub const MAX_MULTIPART_BYTES: usize = MAX_UPLOAD_BYTES + 1024 * 1024;

/// A file sent with a form.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form field it came in.
    pub field: String,
    /// The name it had on the sender's computer (only the last part of any path).
    pub filename: String,
    /// The bytes.
    pub bytes: Bytes,
}

/// A form's fields and files.
#[derive(Debug, Clone, Default)]
pub struct FormData {
    fields: HashMap<String, String>,
    files: Vec<Upload>,
}

/// The body could not be read as a form.
#[derive(Debug, thiserror::Error)]
#[error("the form could not be read: {0}")]
pub struct BadForm(String);

impl FormData {
    /// Reads a URL-encoded or multipart body.
    ///
    /// # Errors
    /// A body that is neither, or a broken multipart body.
    pub async fn parse(headers: &HeaderMap, body: Bytes) -> Result<FormData, BadForm> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if let Ok(boundary) = multer::parse_boundary(content_type) {
            return Self::multipart(body, boundary).await;
        }
        let mime = content_type.split(';').next().unwrap_or("").trim();
        if !mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(BadForm(format!("unexpected content type '{mime}'")));
        }
        let mut fields = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(&body) {
            fields
                .entry(name.into_owned())
                .and_modify(|v: &mut String| {
                    v.push('\u{1f}');
                    v.push_str(&value);
                })
                .or_insert_with(|| value.into_owned());
        }
        Ok(FormData {
            fields,
            files: Vec::new(),
        })
    }

    async fn multipart(body: Bytes, boundary: String) -> Result<FormData, BadForm> {
        let stream = futures_util::stream::once(async move { Ok::<_, Infallible>(body) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        let mut form = FormData::default();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| BadForm(e.to_string()))?
        {
            let name = field.name().unwrap_or("").to_string();
            let filename = field.file_name().map(base_name);
            let bytes = field.bytes().await.map_err(|e| BadForm(e.to_string()))?;
            match filename {
                // A file input left empty still sends a part, with no name and no bytes.
                Some(filename) if !filename.is_empty() || !bytes.is_empty() => {
                    form.files.push(Upload {
                        field: name,
                        filename,
                        bytes,
                    });
                }
                Some(_) => {}
                None => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    form.fields
                        .entry(name)
                        .and_modify(|v| {
                            v.push('\u{1f}');
                            v.push_str(&text);
                        })
                        .or_insert(text);
                }
            }
        }
        Ok(form)
    }

    /// A field's text, trimmed; empty if it was not sent.
    pub fn text(&self, name: &str) -> String {
        self.fields
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    }

    /// A field's text as typed (not trimmed: plan sections keep their layout).
    pub fn raw(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }

    /// Every value of a repeated field (checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .get(name)
            .map(|v| {
                v.split('\u{1f}')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The file sent in a field, if any.
    pub fn file(&self, name: &str) -> Option<&Upload> {
        self.files.iter().find(|f| f.field == name)
    }

    /// Sets a field (tests, and handlers that fill in a default).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.fields.insert(name.to_string(), value.into());
    }

    /// A GOV.UK date input's three fields as typed, for showing the form again.
    pub fn date_parts(&self, name: &str) -> (String, String, String) {
        (
            self.text(&format!("{name}-day")),
            self.text(&format!("{name}-month")),
            self.text(&format!("{name}-year")),
        )
    }

    /// A GOV.UK date input as a date. Adds an error for `name` (what the date is, for the
    /// message, is `what`: "the decision date") if it is missing or not a real date.
    pub fn date(&self, name: &str, what: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
        match parse_date(self.date_parts(name)) {
            Ok(Some(date)) => Some(date),
            Ok(None) => {
                errors.add(name, format!("Enter {what}"));
                None
            }
            Err(message) => {
                errors.add(name, format!("{} {message}", capitalised(what)));
                None
            }
        }
    }

    /// An optional GOV.UK date input: `None` if left empty.
    pub fn optional_date(
        &self,
        name: &str,
        what: &str,
        errors: &mut FieldErrors,
    ) -> Option<NaiveDate> {
        match parse_date(self.date_parts(name)) {
            Ok(date) => date,
            Err(message) => {
                errors.add(name, format!("{} {message}", capitalised(what)));
                None
            }
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The last part of a path a browser sent as a file name (old browsers send the whole path).
fn base_name(name: &str) -> String {
    name.rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

/// A date from day, month and year as typed: `Ok(None)` if all are empty, `Err` with the end
/// of a GOV.UK message ("must be a real date") if it is not a date.
fn parse_date((day, month, year): (String, String, String)) -> Result<Option<NaiveDate>, String> {
    if day.is_empty() && month.is_empty() && year.is_empty() {
        return Ok(None);
    }
    let missing: Vec<&str> = [("a day", &day), ("a month", &month), ("a year", &year)]
        .into_iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(what, _)| what)
        .collect();
    if !missing.is_empty() {
        return Err(format!("must include {}", missing.join(" and ")));
    }
    let number = |v: &str| v.parse::<u32>().ok();
    let (Some(d), Some(m), Some(y)) = (number(&day), number(&month), number(&year)) else {
        return Err("must be a real date".to_string());
    };
    if year.len() != 4 {
        return Err("must include a year with 4 numbers, like 2026".to_string());
    }
    let year = i32::try_from(y).map_err(|_| "must be a real date".to_string())?;
    NaiveDate::from_ymd_opt(year, m, d)
        .map(Some)
        .ok_or_else(|| "must be a real date".to_string())
}

/// A file type Waymark accepts, as recognised from the file's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// PDF.
    Pdf,
    /// Word document (.docx).
    Docx,
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
}

impl FileType {
    /// The media type stored and sent with the file.
    pub fn media_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
        }
    }

    /// The file name endings that go with the type.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Pdf => &["pdf"],
            FileType::Docx => &["docx"],
            FileType::Png => &["png"],
            FileType::Jpeg => &["jpg", "jpeg"],
        }
    }

    /// The type of `bytes`, if it is one Waymark accepts. A .docx is a ZIP holding
    /// `word/document.xml` (its name is stored uncompressed in the ZIP's headers).
    pub fn sniff(bytes: &[u8]) -> Option<FileType> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileType::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if bytes.starts_with(b"PK\x03\x04")
            && bytes
                .windows(b"word/document.xml".len())
                .any(|w| w == b"word/document.xml")
        {
            Some(FileType::Docx)
        } else {
            None
        }
    }
}

/// Checks an uploaded file: not empty, not too big, a PDF, Word document or image whose
/// content matches its name. The message is for the GOV.UK error summary.
///
/// # Errors
/// The message to show.
pub fn check_upload(upload: &Upload) -> Result<FileType, String> {
    if upload.bytes.is_empty() {
        return Err("The selected file is empty".to_string());
    }
    if upload.bytes.len() > MAX_UPLOAD_BYTES {
        return Err("The selected file must be smaller than 20MB".to_string());
    }
    let Some(kind) = FileType::sniff(&upload.bytes) else {
        return Err(
            "The selected file must be a PDF, Word document (.docx), JPG or PNG".to_string(),
        );
    };
    let extension = upload
        .filename
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    if !kind.extensions().contains(&extension.as_str()) {
        return Err(format!(
            "The selected file's name must end in .{} to match what is in it",
            kind.extensions()[0]
        ));
    }
    Ok(kind)
}

/// The virus scanner's verdict on a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanVerdict {
    /// The scanner found nothing.
    Clean,
    /// The scanner found a virus: the file is not stored.
    Infected,
    /// No scanner is set up: stored, and marked as not scanned.
    NotScanned,
}

impl ScanVerdict {
    /// As stored with the document.
    pub fn key(self) -> &'static str {
        match self {
            ScanVerdict::Clean => "clean",
            ScanVerdict::Infected => "infected",
            ScanVerdict::NotScanned => "not_scanned",
        }
    }
}

/// The virus-scan hook: a program given each uploaded file on its standard input, which
/// exits 0 for a clean file and 1 for an infected one (as `clamdscan --no-summary -` does).
/// Any other exit, or no answer within the time limit, and the upload is refused.
#[derive(Debug, Clone, Default)]
pub struct VirusScanner {
    command: Option<(PathBuf, Vec<String>)>,
}

impl VirusScanner {
    /// No scanner: files are stored as not scanned.
    pub fn none() -> VirusScanner {
        VirusScanner::default()
    }

    /// Runs `program` with `args` for each file.
    pub fn command(program: impl Into<PathBuf>, args: Vec<String>) -> VirusScanner {
        VirusScanner {
            command: Some((program.into(), args)),
        }
    }

    /// Scans `bytes`.
    ///
    /// # Errors
    /// The scanner could not be run or gave no clear answer (the message is for the user).
    pub async fn scan(&self, bytes: &[u8]) -> Result<ScanVerdict, String> {
        const FAILED: &str = "The file could not be checked for viruses. Try again later";
        let Some((program, args)) = &self.command else {
            return Ok(ScanVerdict::NotScanned);
        };
        let mut child = tokio::process::Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                tracing::error!(error = %e, "the virus scanner could not be started");
                FAILED.to_string()
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            // A scanner that stops reading early (it found something) closes the pipe.
            let _ = stdin.write_all(bytes).await;
        }
        let waited = tokio::time::timeout(std::time::Duration::from_secs(60), child.wait()).await;
        match waited {
            Ok(Ok(status)) => match status.code() {
                Some(0) => Ok(ScanVerdict::Clean),
                Some(1) => Ok(ScanVerdict::Infected),
                other => {
                    tracing::error!(code = ?other, "the virus scanner failed");
                    Err(FAILED.to_string())
                }
            },
            _ => {
                tracing::error!("the virus scanner did not answer");
                Err(FAILED.to_string())
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parts(d: &str, m: &str, y: &str) -> (String, String, String) {
        (d.into(), m.into(), y.into())
    }

    #[test]
    fn dates_follow_the_govuk_messages() {
        assert_eq!(parse_date(parts("", "", "")), Ok(None));
        assert_eq!(
            parse_date(parts("4", "3", "2026")),
            Ok(NaiveDate::from_ymd_opt(2026, 3, 4))
        );
        assert_eq!(
            parse_date(parts("29", "2", "2026")),
            Err("must be a real date".into())
        );
        assert_eq!(
            parse_date(parts("4", "", "")),
            Err("must include a month and a year".into())
        );
        assert_eq!(
            parse_date(parts("4", "3", "26")),
            Err("must include a year with 4 numbers, like 2026".into())
        );
        assert_eq!(
            parse_date(parts("x", "3", "2026")),
            Err("must be a real date".into())
        );
    }

    #[test]
    fn file_types_come_from_content_and_must_match_the_name() {
        let upload = |name: &str, bytes: &[u8]| Upload {
            field: "file".into(),
            filename: name.into(),
            bytes: Bytes::copy_from_slice(bytes),
        };
        assert_eq!(
            check_upload(&upload("a.pdf", b"%PDF-1.7 ...")),
            Ok(FileType::Pdf)
        );
        assert_eq!(
            check_upload(&upload("A.JPG", &[0xFF, 0xD8, 0xFF, 0xE0])),
            Ok(FileType::Jpeg)
        );
        let docx = b"PK\x03\x04....[Content_Types].xml....word/document.xml....";
        assert_eq!(check_upload(&upload("r.docx", docx)), Ok(FileType::Docx));
        // A ZIP that is not a Word document, an executable renamed, a mismatched name.
        assert!(check_upload(&upload("r.docx", b"PK\x03\x04 other.txt")).is_err());
        assert!(check_upload(&upload("a.pdf", b"MZ\x90\x00")).is_err());
        assert!(
            check_upload(&upload("a.png", b"%PDF-1.7"))
                .unwrap_err()
                .contains(".pdf")
        );
        assert!(
            check_upload(&upload("a.pdf", b""))
                .unwrap_err()
                .contains("empty")
        );
        let big = vec![b'%'; MAX_UPLOAD_BYTES + 1];
        assert!(
            check_upload(&upload("a.pdf", &big))
                .unwrap_err()
                .contains("20MB")
        );
    }

    #[test]
    fn browser_paths_are_cut_to_the_file_name() {
        assert_eq!(base_name("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(base_name("/home/me/report.pdf"), "report.pdf");
    }

    #[tokio::test]
    async fn the_scanner_hook_reads_the_exit_code() {
        let scanner = |script: &str| VirusScanner::command("sh", vec!["-c".into(), script.into()]);
        let eicar = scanner("if grep -q EICAR; then exit 1; else exit 0; fi");
        assert_eq!(eicar.scan(b"hello").await, Ok(ScanVerdict::Clean));
        assert_eq!(
            eicar.scan(b"X5O!P%@AP EICAR-STANDARD").await,
            Ok(ScanVerdict::Infected)
        );
        assert!(scanner("exit 2").scan(b"x").await.is_err());
        assert!(
            VirusScanner::command("/nonexistent/scanner", vec![])
                .scan(b"x")
                .await
                .is_err()
        );
        assert_eq!(
            VirusScanner::none().scan(b"x").await,
            Ok(ScanVerdict::NotScanned)
        );
    }
}
