//! `/api/v1/cases/{id}/documents`: a case's documents (advice and evidence uploaded, the
//! letters and plans Waymark made), listed, downloaded and uploaded. LA staff only, as on the
//! pages ([`access::work_on`]).
//!
//! An upload is the file itself as the request body, with its kind, title and file name in the
//! query string. The body's `Content-Type` is ignored: the type is read from the content by
//! [`forms::check_upload`], the check the pages make, and must match the file name. The file
//! then goes to the virus scanner ([`forms::VirusScanner`]): an infected file, or one the
//! scanner could not check, is refused and not stored. It is kept as the next version of its
//! kind and title, and its `id` is what a `record_advice_received` command names as its
//! `document`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use waymark_store::documents::{DocumentInfo, NewDocument};
use waymark_store::{CaseId, LaCode, Store};

use super::api::{ActorNames, CasePath};
use super::json::ActorView;
use crate::AppState;
use crate::api::openapi::Problem;
use crate::api::{ApiUser, access};
use crate::audit::Action;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::forms::{self, FileType, ScanVerdict, Upload};

/// The kinds of document a client may upload (Waymark makes `letter` and `plan` itself).
const UPLOAD_KINDS: [&str; 2] = ["advice", "evidence"];

/// The longest title accepted.
const MAX_TITLE_CHARS: usize = 200;

/// The longest file name accepted.
const MAX_FILENAME_CHARS: usize = 255;

/// A document of a case, without its bytes.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    /// Its number: the address of its bytes, and the `document` of `record_advice_received`.
    pub id: i64,
    /// What it is: `advice` or `evidence` (uploaded), `letter` or `plan` (made by Waymark).
    pub kind: String,
    /// Its title; with the kind, it names a series of versions ("Decision whether to assess").
    pub title: String,
    /// The file name it was uploaded with, or is downloaded as.
    pub filename: String,
    /// Its media type, as read from its content.
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// The SHA-256 of its bytes, in lower-case hex.
    pub sha256: String,
    /// Its version within its kind and title, from 1.
    pub version: i32,
    /// The virus scan's verdict: `clean`, `not_scanned` (no scanner is set up), or `rendered`
    /// (made by Waymark).
    pub scan: String,
    /// When it was stored.
    pub uploaded_at: DateTime<Utc>,
    /// Who stored it.
    pub uploaded_by: ActorView,
}

impl DocumentView {
    fn of(info: DocumentInfo, uploaded_by: ActorView) -> DocumentView {
        DocumentView {
            id: info.id,
            kind: info.kind,
            title: info.title,
            filename: info.filename,
            content_type: info.content_type,
            size: info.size,
            sha256: info.sha256,
            version: info.version,
            scan: info.scan,
            uploaded_at: info.uploaded_at,
            uploaded_by,
        }
    }
}

/// A case's documents, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDocuments {
    /// The case's number.
    pub id: i64,
    /// Every document of the case, oldest first.
    pub documents: Vec<DocumentView>,
}

/// The `{id}` and `{doc}` of a document's address. Anything that is not a number is "not
/// found" (as problem details).
#[derive(Debug, Clone, Copy)]
pub struct DocumentPath(pub CaseId, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for DocumentPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<DocumentPath, AppError> {
        let Path((case, doc)) = Path::<(i64, i64)>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        Ok(DocumentPath(CaseId(case), doc))
    }
}

/// What an upload is, as given in the query string (checked in [`upload`], so that a mistake
/// is a 422 naming the parameter).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// `advice` (advice asked for under reg 6) or `evidence` (for an exception to the time
    /// limits, or anything else the case needs).
    #[param(required = true, value_type = String)]
    pub kind: Option<String>,
    /// Its title, up to 200 characters ("Advice from Northshire EP Service"). An upload with
    /// the kind and title of an earlier one is its next version.
    #[param(required = true, value_type = String)]
    pub title: Option<String>,
    /// The file's name (no folders), ending in `.pdf`, `.docx`, `.jpg`, `.jpeg` or `.png` to
    /// match what is in it.
    #[param(required = true, value_type = String)]
    pub filename: Option<String>,
}

/// A file's bytes: a PDF, Word document (.docx), JPEG or PNG.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, content_media_type = "application/octet-stream")]
pub struct FileBytes(pub Vec<u8>);

/// The checked query string.
struct UploadTarget {
    kind: &'static str,
    title: String,
    filename: String,
}

impl UploadQuery {
    /// The upload's kind, title and file name, or `None` and the mistakes added to `errors`.
    fn check(self, errors: &mut FieldErrors) -> Option<UploadTarget> {
        let before = errors.len();
        let given = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let kind = match given(self.kind) {
            None => {
                errors.add("kind", "Enter the kind of document: advice or evidence");
                None
            }
            Some(kind) => {
                let known = UPLOAD_KINDS.into_iter().find(|k| *k == kind);
                if known.is_none() {
                    errors.add("kind", "Kind must be advice or evidence");
                }
                known
            }
        };
        let title = given(self.title);
        match &title {
            None => errors.add("title", "Enter a title for the document"),
            Some(title) if title.chars().count() > MAX_TITLE_CHARS => {
                errors.add("title", "Title must be 200 characters or fewer");
            }
            Some(_) => {}
        }
        let filename = given(self.filename);
        match &filename {
            None => errors.add("filename", "Enter the file's name, like report.pdf"),
            Some(name) if name.contains(['/', '\\']) || name.chars().any(char::is_control) => {
                errors.add("filename", "Filename must be a file name, without folders");
            }
            Some(name) if name.chars().count() > MAX_FILENAME_CHARS => {
                errors.add("filename", "Filename must be 255 characters or fewer");
            }
            Some(_) => {}
        }
        if errors.len() > before {
            return None;
        }
        Some(UploadTarget {
            kind: kind?,
            title: title?,
            filename: filename?,
        })
    }
}

/// `GET /api/v1/cases/{id}/documents`: the case's documents, without their bytes.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/documents",
    operation_id = "list_documents",
    tag = "documents",
    params(("id" = i64, Path, description = "The case's number")),
    responses(
        (status = 200, description = "The case's documents, oldest first", body = CaseDocuments),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 403, description = "Only LA staff read a case's documents", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not one the user may see", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    api: ApiUser,
    CasePath(id): CasePath,
) -> AppResult<Json<CaseDocuments>> {
    let work = access::work_on(&state, &api, id).await?;
    // The store lists nothing for a case the LA does not have; that is a 404, not a list.
    let loaded = work.load(&state.store).await?;
    let stored = state.store.documents(work.la(), loaded.id).await?;
    access::audit_view(&state, &api, loaded.id).await?;
    let mut names = ActorNames::default();
    let mut documents = Vec::with_capacity(stored.len());
    for info in stored {
        let by = names.of(&state.store, work.la(), &info.uploaded_by).await?;
        documents.push(DocumentView::of(info, by));
    }
    Ok(Json(CaseDocuments {
        id: loaded.id.0,
        documents,
    }))
}

/// `GET /api/v1/cases/{id}/documents/{doc}`: the document's bytes, as an attachment.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/documents/{doc}",
    operation_id = "download_document",
    tag = "documents",
    params(
        ("id" = i64, Path, description = "The case's number"),
        ("doc" = i64, Path, description = "The document's number"),
    ),
    responses(
        (status = 200, description = "The file, with its media type and \
            `Content-Disposition: attachment`", content_type = "application/octet-stream",
            body = inline(FileBytes),
            headers(("Content-Disposition" = String, description = "`attachment` and the \
                document's file name"))),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 403, description = "Only LA staff read a case's documents", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "No such case or document, or not one the user may see",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn download<S: Store>(
    State(state): State<AppState<S>>,
    api: ApiUser,
    DocumentPath(id, doc): DocumentPath,
) -> AppResult<Response> {
    let work = access::work_on(&state, &api, id).await?;
    let document = state
        .store
        .document(work.la(), work.case_id(), doc)
        .await?
        .ok_or(AppError::NotFound)?;
    access::audit_change(
        &state,
        &api,
        Action::CaseCommand("download_document"),
        work.case_id(),
    )
    .await?;
    Ok(crate::download::document(document))
}

/// `POST /api/v1/cases/{id}/documents?kind=...&title=...&filename=...`: store a file sent as
/// the request body.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/documents",
    operation_id = "upload_document",
    tag = "documents",
    params(("id" = i64, Path, description = "The case's number"), UploadQuery),
    request_body(content = inline(FileBytes), content_type = "application/octet-stream",
        description = "The file itself: a PDF, Word document (.docx), JPEG or PNG of up to \
            20 MiB. Its Content-Type is not used: the type is read from the content."),
    responses(
        (status = 201, description = "Stored: the document", body = DocumentView,
            headers(("Location" = String, description = "The address of its bytes"))),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 403, description = "Only LA staff add documents to a case", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not one the user may see", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "Not stored: `errors` names what is wrong (`kind`, \
            `title`, `filename`, or `body` for a file that is empty, too big, of a type not \
            accepted, infected, or that the virus scanner could not check)", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn upload<S: Store>(
    State(state): State<AppState<S>>,
    api: ApiUser,
    CasePath(id): CasePath,
    Query(query): Query<UploadQuery>,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Response> {
    // Who may, and whether the case is there, before what was sent.
    let work = access::work_on(&state, &api, id).await?;
    let loaded = work.load(&state.store).await?;
    let mut errors = FieldErrors::new();
    let target = query.check(&mut errors);
    let bytes = match body {
        Ok(bytes) => Some(bytes),
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            errors.add("body", "The selected file must be smaller than 20MB");
            None
        }
        Err(_) => {
            errors.add("body", "The file could not be read: send it again");
            None
        }
    };
    let (Some(target), Some(bytes)) = (target, bytes) else {
        return Err(AppError::Validation(errors));
    };
    let upload = Upload {
        field: "body".to_string(),
        filename: target.filename.clone(),
        bytes,
    };
    let file_type = match forms::check_upload(&upload) {
        Ok(file_type) => file_type,
        Err(message) => {
            errors.add(upload_error_field(&upload), message);
            return Err(AppError::Validation(errors));
        }
    };
    let verdict = match state.config.virus_scanner.scan(&upload.bytes).await {
        Ok(ScanVerdict::Infected) => Err("The selected file contains a virus".to_string()),
        other => other,
    };
    let verdict = verdict.map_err(|message| {
        let mut errors = FieldErrors::new();
        errors.add("body", message);
        AppError::Validation(errors)
    })?;
    let stored = state
        .store
        .add_document(
            work.la(),
            NewDocument {
                case_id: loaded.id,
                kind: target.kind.to_string(),
                title: target.title,
                filename: target.filename,
                content_type: file_type.media_type().to_string(),
                scan: verdict.key().to_string(),
                content: upload.bytes.to_vec(),
                uploaded_by: api.user.id().to_string(),
                uploaded_at: Utc::now(),
            },
        )
        .await?;
    access::audit_change(
        &state,
        &api,
        Action::CaseCommand("upload_document"),
        loaded.id,
    )
    .await?;
    let location = HeaderValue::from_str(&format!(
        "/api/v1/cases/{}/documents/{}",
        loaded.id, stored.id
    ))
    .map_err(|_| AppError::Internal("location"))?;
    let by = ActorView {
        reference: api.user.id().to_string(),
        name: Some(api.user.user().name.clone()),
    };
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(DocumentView::of(stored, by)),
    )
        .into_response())
}

/// Which parameter a refused upload is about: the file name when the content is of a type
/// Waymark takes (so the name is what does not match), else the body.
fn upload_error_field(upload: &Upload) -> &'static str {
    if upload.bytes.len() <= forms::MAX_UPLOAD_BYTES && FileType::sniff(&upload.bytes).is_some() {
        "filename"
    } else {
        "body"
    }
}

/// Checks that `document`, named by a `record_advice_received` command, is an advice
/// document of the case, so that the advice cannot point at a file that is not there.
///
/// # Errors
/// [`AppError::Validation`] on `command.document` if it is not; a store failure.
pub(super) async fn check_advice_document<S: Store>(
    state: &AppState<S>,
    api: &ApiUser,
    case: CaseId,
    document: &str,
) -> AppResult<()> {
    let found = match document.trim().parse::<i64>() {
        Ok(wanted) => has_advice_document(&state.store, api.user.la(), case, wanted).await?,
        Err(_) => false,
    };
    if found {
        return Ok(());
    }
    let mut errors = FieldErrors::new();
    errors.add(
        "command.document",
        format!(
            "There is no advice document {document} on this case: upload the advice with \
             POST /api/v1/cases/{case}/documents?kind=advice first and name the id it returns"
        ),
    );
    Err(AppError::Validation(errors))
}

async fn has_advice_document<S: Store>(
    store: &S,
    la: &LaCode,
    case: CaseId,
    wanted: i64,
) -> AppResult<bool> {
    Ok(store
        .documents(la, case)
        .await?
        .iter()
        .any(|d| d.id == wanted && d.kind == "advice"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(kind: &str, title: &str, filename: &str) -> UploadQuery {
        let given = |v: &str| (!v.is_empty()).then(|| v.to_string());
        UploadQuery {
            kind: given(kind),
            title: given(title),
            filename: given(filename),
        }
    }

    #[test]
    fn upload_parameters_are_checked_by_name() {
        let mut errors = FieldErrors::new();
        let target = query(" advice ", " EP report ", "report.pdf").check(&mut errors);
        assert!(errors.is_empty());
        let target = target.unwrap_or_else(|| panic!("refused"));
        assert_eq!(
            (target.kind, target.title.as_str(), target.filename.as_str()),
            ("advice", "EP report", "report.pdf")
        );

        let mut errors = FieldErrors::new();
        assert!(
            query("letter", "", "../etc/passwd")
                .check(&mut errors)
                .is_none()
        );
        assert_eq!(errors.get("kind"), Some("Kind must be advice or evidence"));
        assert_eq!(errors.get("title"), Some("Enter a title for the document"));
        assert_eq!(
            errors.get("filename"),
            Some("Filename must be a file name, without folders")
        );

        let mut errors = FieldErrors::new();
        let long = "x".repeat(201);
        assert!(
            query("evidence", &long, "a.pdf")
                .check(&mut errors)
                .is_none()
        );
        assert!(errors.get("title").is_some());
        assert!(errors.get("kind").is_none());
    }

    #[test]
    fn a_refused_upload_names_the_file_name_only_when_the_content_is_fine() {
        let upload = |name: &str, bytes: &[u8]| Upload {
            field: "body".into(),
            filename: name.into(),
            bytes: Bytes::copy_from_slice(bytes),
        };
        assert_eq!(
            upload_error_field(&upload("a.png", b"%PDF-1.7")),
            "filename"
        );
        assert_eq!(upload_error_field(&upload("a.pdf", b"MZ\x90\x00")), "body");
        assert_eq!(upload_error_field(&upload("a.pdf", b"")), "body");
    }
}
