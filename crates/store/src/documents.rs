//! Documents kept with a case (advice, evidence, rendered letters and plans) and the plan
//! section being edited (autosaved as it is typed): the [`DocumentStore`] trait.
//!
//! Documents are stored in the database itself, so a backup holds them and a restore brings
//! them back with the case. Each upload or rendering with the same kind and title becomes the
//! next version; rows never change, except for the virus scan's verdict. The SQL is the same
//! on both backends and expands into each backend's `DocumentStore` impl
//! (`document_methods`).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use waymark_domain::{CaseId, LaCode};

use crate::error::Result;

/// Moved to [`caseload`](crate::caseload); kept here for the code that names it by this path.
pub use crate::caseload::CaseworkerLoad;

crate::backend::store_trait! {
    /// A case's documents, in versions, and the plan sections being typed.
    pub trait DocumentStore {
        /// Stores a document as the next version of its kind and title on the case.
        /// [`StoreError::NotFound`](crate::StoreError::NotFound) if the case is not one of the
        /// LA's.
        async fn add_document(&self, la: &LaCode, document: NewDocument) -> Result<DocumentInfo>;

        /// A case's documents, oldest first, without their bytes.
        async fn documents(&self, la: &LaCode, case: CaseId) -> Result<Vec<DocumentInfo>>;

        /// One document of a case with its bytes, if the case is the LA's and has it.
        async fn document(&self, la: &LaCode, case: CaseId, id: i64) -> Result<Option<Document>>;

        /// Records the virus scan's verdict on a document.
        async fn set_document_scan(&self, id: i64, scan: &str) -> Result<()>;

        /// Saves the text of a plan section as typed (replacing what was saved before).
        async fn save_plan_draft(&self, la: &LaCode, case: CaseId, draft: &PlanDraft) -> Result<()>;

        /// The plan sections typed but not yet saved as a version.
        async fn plan_drafts(&self, la: &LaCode, case: CaseId) -> Result<Vec<PlanDraft>>;

        /// Forgets the typed sections (once they are saved as a version of the plan).
        async fn clear_plan_drafts(&self, la: &LaCode, case: CaseId) -> Result<()>;
    }
}

/// A document to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    /// The case it belongs to.
    pub case_id: CaseId,
    /// What it is (`advice`, `evidence`, `letter`, `plan`).
    pub kind: String,
    /// Its title, which with the kind names the series of versions ("Decision letter").
    pub title: String,
    /// The file name it was uploaded with, or is downloaded as.
    pub filename: String,
    /// Its media type, as checked from its content.
    pub content_type: String,
    /// The virus scan's verdict so far (`clean`, `pending`, `infected`, `not_scanned`).
    pub scan: String,
    /// The bytes.
    pub content: Vec<u8>,
    /// Who stored it (a user id).
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// A stored document's details, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInfo {
    /// Its id.
    pub id: i64,
    /// The case it belongs to.
    pub case_id: CaseId,
    /// What it is.
    pub kind: String,
    /// Its title.
    pub title: String,
    /// Its file name.
    pub filename: String,
    /// Its media type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// The SHA-256 of its bytes, in hex.
    pub sha256: String,
    /// Its version within its kind and title, from 1.
    pub version: i32,
    /// The virus scan's verdict.
    pub scan: String,
    /// Who stored it.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// A stored document with its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Its details.
    pub info: DocumentInfo,
    /// The bytes.
    pub content: Vec<u8>,
}

/// The text of one plan section as last typed, not yet saved as a version of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDraft {
    /// The section's key (`a`, `b`, ... `h1`, `h2`, ... `k`).
    pub section: String,
    /// The text.
    pub text: String,
    /// Who typed it (a user id).
    pub saved_by: String,
    /// When it was last saved.
    pub saved_at: DateTime<Utc>,
}

/// The SHA-256 of `bytes` in lower-case hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The columns every `SELECT` of a document's details names.
pub(crate) const INFO_COLUMNS: &str = "d.id, d.case_id, d.kind, d.title, d.filename, \
     d.content_type, d.size, d.sha256, d.version, d.scan, d.uploaded_by, d.uploaded_at";

/// Expands into the [`DocumentStore`] methods for backend `$db`.
macro_rules! document_methods {
    ($db:ty) => {
        async fn add_document(
            &self,
            la: &waymark_domain::LaCode,
            document: $crate::documents::NewDocument,
        ) -> Result<$crate::documents::DocumentInfo> {
            let mut tx = self.begin_write().await?;
            let stored = add_document_in(&mut tx, la, document).await?;
            tx.commit().await?;
            Ok(stored)
        }

        async fn documents(
            &self,
            la: &waymark_domain::LaCode,
            case: waymark_domain::CaseId,
        ) -> Result<Vec<$crate::documents::DocumentInfo>> {
            let sql = format!(
                "SELECT {} FROM documents d JOIN cases c ON c.id = d.case_id \
                 WHERE d.case_id = $1 AND c.la_code = $2 ORDER BY d.id",
                $crate::documents::INFO_COLUMNS
            );
            let rows = sqlx::query(&sql)
                .bind(case.0)
                .bind(la.as_str())
                .fetch_all(&self.pool)
                .await?;
            rows.iter()
                .map(|row| Ok($crate::documents::info_from_row(row)?))
                .collect()
        }

        async fn document(
            &self,
            la: &waymark_domain::LaCode,
            case: waymark_domain::CaseId,
            id: i64,
        ) -> Result<Option<$crate::documents::Document>> {
            use sqlx::Row;
            let sql = format!(
                "SELECT {}, d.content FROM documents d JOIN cases c ON c.id = d.case_id \
                 WHERE d.id = $1 AND d.case_id = $2 AND c.la_code = $3",
                $crate::documents::INFO_COLUMNS
            );
            let row = sqlx::query(&sql)
                .bind(id)
                .bind(case.0)
                .bind(la.as_str())
                .fetch_optional(&self.pool)
                .await?;
            match row {
                None => Ok(None),
                Some(row) => Ok(Some($crate::documents::Document {
                    info: $crate::documents::info_from_row(&row)?,
                    content: row.try_get("content")?,
                })),
            }
        }

        async fn set_document_scan(&self, id: i64, scan: &str) -> Result<()> {
            sqlx::query("UPDATE documents SET scan = $1 WHERE id = $2")
                .bind(scan)
                .bind(id)
                .execute(&self.pool)
                .await?;
            Ok(())
        }

        async fn save_plan_draft(
            &self,
            la: &waymark_domain::LaCode,
            case: waymark_domain::CaseId,
            draft: &$crate::documents::PlanDraft,
        ) -> Result<()> {
            let mut tx = self.begin_write().await?;
            let found: i64 = sqlx::query_scalar($crate::rows::CASE_EXISTS)
                .bind(case.0)
                .bind(la.as_str())
                .fetch_one(&mut *tx)
                .await?;
            if found == 0 {
                return Err(StoreError::NotFound { case });
            }
            sqlx::query(
                "INSERT INTO plan_drafts (case_id, section, text, saved_by, saved_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (case_id, section) DO UPDATE \
                 SET text = excluded.text, saved_by = excluded.saved_by, \
                 saved_at = excluded.saved_at",
            )
            .bind(case.0)
            .bind(&draft.section)
            .bind(&draft.text)
            .bind(&draft.saved_by)
            .bind(draft.saved_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        }

        async fn plan_drafts(
            &self,
            la: &waymark_domain::LaCode,
            case: waymark_domain::CaseId,
        ) -> Result<Vec<$crate::documents::PlanDraft>> {
            use sqlx::Row;
            let rows = sqlx::query(
                "SELECT p.section, p.text, p.saved_by, p.saved_at FROM plan_drafts p \
                 JOIN cases c ON c.id = p.case_id WHERE p.case_id = $1 AND c.la_code = $2 \
                 ORDER BY p.section",
            )
            .bind(case.0)
            .bind(la.as_str())
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|row| {
                    Ok($crate::documents::PlanDraft {
                        section: row.try_get("section")?,
                        text: row.try_get("text")?,
                        saved_by: row.try_get("saved_by")?,
                        saved_at: row.try_get("saved_at")?,
                    })
                })
                .collect()
        }

        async fn clear_plan_drafts(
            &self,
            la: &waymark_domain::LaCode,
            case: waymark_domain::CaseId,
        ) -> Result<()> {
            sqlx::query(
                "DELETE FROM plan_drafts WHERE case_id = $1 AND case_id IN \
                 (SELECT id FROM cases WHERE la_code = $2)",
            )
            .bind(case.0)
            .bind(la.as_str())
            .execute(&self.pool)
            .await?;
            Ok(())
        }
    };
}

pub(crate) use document_methods;

/// A document's details from a row of either backend.
pub(crate) fn info_from_row<R>(row: &R) -> std::result::Result<DocumentInfo, sqlx::Error>
where
    R: sqlx::Row,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i32: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    DateTime<Utc>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(DocumentInfo {
        id: row.try_get("id")?,
        case_id: CaseId(row.try_get("case_id")?),
        kind: row.try_get("kind")?,
        title: row.try_get("title")?,
        filename: row.try_get("filename")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
        version: row.try_get("version")?,
        scan: row.try_get("scan")?,
        uploaded_by: row.try_get("uploaded_by")?,
        uploaded_at: row.try_get("uploaded_at")?,
    })
}
