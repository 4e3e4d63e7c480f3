//! Files sent to the browser as downloads: the media type and a `Content-Disposition:
//! attachment` whose file name is cut to characters that need no quoting (a stored name is
//! the uploader's choice, so it cannot be trusted in a header).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use waymark_store::documents::Document;

/// `bytes` as a download called `filename`, of type `content_type`.
pub fn attachment(content_type: &str, filename: &str, bytes: Vec<u8>) -> Response {
    let safe: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let content_type = HeaderValue::from_str(content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// A stored document as a download, under the name and type it was stored with.
pub fn document(document: Document) -> Response {
    attachment(
        &document.info.content_type,
        &document.info.filename,
        document.content,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_cut_to_safe_characters() {
        let plain = attachment("application/pdf", "R-1 decision.pdf", Vec::new());
        assert_eq!(
            plain.headers()[header::CONTENT_DISPOSITION],
            "attachment; filename=\"R-1 decision.pdf\""
        );
        let response = attachment("text/plain", "a\"b\r\nc;d.pdf", b"x".to_vec());
        assert_eq!(
            response.headers()[header::CONTENT_DISPOSITION],
            "attachment; filename=\"a_b__c_d.pdf\""
        );
        let odd = attachment("not a\ntype", "x.pdf", Vec::new());
        assert_eq!(
            odd.headers()[header::CONTENT_TYPE],
            "application/octet-stream"
        );
    }
}
