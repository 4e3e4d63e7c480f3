//! Static assets (CSS, JavaScript, icons), compiled into the binary and served under URLs that
//! carry a hash of their content: `/assets/waymark-1a2b3c4d.css`.
//!
//! A new release changes the URL of every asset that changed, so browsers can keep each one
//! for a year without asking again (`Cache-Control: immutable`). Templates never write an
//! asset URL by hand: they call `asset_url("waymark.css")` (see [`url`]).
//!
//! The GOV.UK Frontend CSS and JavaScript in `assets/dist/` are built by
//! `npm run build:assets`; the icons in `assets/icons/` are Waymark's own (the GOV.UK crown is
//! only for GOV.UK, so its favicon is not used).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// How long browsers and proxies may keep an asset: a year, and never revalidate, because
/// its URL changes when its content does.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The GOV.UK Frontend ES module (`initAll` and the components).
const GOVUK_FRONTEND_JS: &[u8] = include_bytes!("../../assets/dist/govuk-frontend.min.js");

/// GOV.UK Frontend's start-up, in a file because the CSP allows no inline script. The import
/// names the hashed URL of the GOV.UK Frontend module, filled in at start-up.
const INIT_JS_TEMPLATE: &str = "\
// Waymark: start GOV.UK Frontend. A module script runs only in browsers that GOV.UK Frontend
// supports, so the classes it checks for are set here rather than by an inline script.
import { initAll } from \"{govuk_frontend}\";
document.body.classList.add(\"js-enabled\", \"govuk-frontend-supported\");
initAll();
";

/// One static asset.
#[derive(Debug)]
pub struct Asset {
    /// The name templates ask for, e.g. `waymark.css`.
    pub name: &'static str,
    /// Where it is served, e.g. `/assets/waymark-1a2b3c4d.css`.
    pub url: String,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: Vec<u8>,
}

/// Every asset, by the file name in its URL.
struct Assets {
    by_name: HashMap<&'static str, Asset>,
    by_file: HashMap<String, &'static str>,
}

static ASSETS: LazyLock<Assets> = LazyLock::new(|| {
    let mut list = vec![
        asset(
            "waymark.css",
            "text/css; charset=utf-8",
            include_bytes!("../../assets/dist/waymark.css").to_vec(),
        ),
        asset(
            "govuk-frontend.min.js",
            "text/javascript; charset=utf-8",
            GOVUK_FRONTEND_JS.to_vec(),
        ),
        asset(
            "plan-editor.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../../assets/src/plan-editor.js").to_vec(),
        ),
        asset(
            "autosave.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../../assets/src/autosave.js").to_vec(),
        ),
        asset(
            "favicon.svg",
            "image/svg+xml",
            include_bytes!("../../assets/icons/favicon.svg").to_vec(),
        ),
        asset(
            "favicon.ico",
            "image/x-icon",
            include_bytes!("../../assets/icons/favicon.ico").to_vec(),
        ),
        asset(
            "icon-180.png",
            "image/png",
            include_bytes!("../../assets/icons/icon-180.png").to_vec(),
        ),
    ];
    // The start-up script imports GOV.UK Frontend by its hashed URL, so it is made last and
    // its own hash covers that URL.
    let govuk_url = list
        .iter()
        .find(|a| a.name == "govuk-frontend.min.js")
        .map_or_else(String::new, |a| a.url.clone());
    let init = INIT_JS_TEMPLATE.replace("{govuk_frontend}", &govuk_url);
    list.push(asset(
        "init.js",
        "text/javascript; charset=utf-8",
        init.into_bytes(),
    ));

    let by_file = list
        .iter()
        .map(|a| (file_of(&a.url).to_string(), a.name))
        .collect();
    let by_name = list.into_iter().map(|a| (a.name, a)).collect();
    Assets { by_name, by_file }
});

fn asset(name: &'static str, content_type: &'static str, body: Vec<u8>) -> Asset {
    Asset {
        name,
        url: format!("/assets/{}", hashed_file_name(name, &body)),
        content_type,
        body,
    }
}

/// `waymark.css` with content hashing to `1a2b3c4d...` becomes `waymark-1a2b3c4d.css`; the
/// hash goes before the first dot, so `govuk-frontend.min.js` keeps its `.min.js`.
fn hashed_file_name(name: &str, body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let mut hash = String::with_capacity(8);
    for byte in &digest[..4] {
        let _ = write!(hash, "{byte:02x}");
    }
    match name.split_once('.') {
        Some((stem, ext)) => format!("{stem}-{hash}.{ext}"),
        None => format!("{name}-{hash}"),
    }
}

fn file_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

/// The URL an asset is served at, by its plain name (`waymark.css`, `init.js`,
/// `govuk-frontend.min.js`, `favicon.svg`, `favicon.ico`, `icon-180.png`); `None` for a name
/// that is not an asset.
pub fn url(name: &str) -> Option<&'static str> {
    ASSETS.by_name.get(name).map(|a| a.url.as_str())
}

/// Every asset (for tests and for checking a deployment).
pub fn all() -> impl Iterator<Item = &'static Asset> {
    ASSETS.by_name.values()
}

/// `GET /assets/{file}`: an asset by its hashed file name. A name with an old or wrong hash is
/// not found: serving other content under a URL that promises to be immutable would be
/// cached for a year.
pub async fn serve(Path(file): Path<String>) -> Result<Response, AppError> {
    let name = ASSETS.by_file.get(&file).ok_or(AppError::NotFound)?;
    let asset = ASSETS.by_name.get(name).ok_or(AppError::NotFound)?;
    Ok(body_response(asset, IMMUTABLE))
}

/// `GET /favicon.ico`: browsers ask for it at this fixed URL whatever the page says, so it
/// cannot be immutable; a day is enough.
pub async fn favicon() -> Result<Response, AppError> {
    let asset = ASSETS
        .by_name
        .get("favicon.ico")
        .ok_or(AppError::NotFound)?;
    Ok(body_response(asset, "public, max-age=86400"))
}

fn body_response(asset: &'static Asset, cache_control: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, cache_control),
        ],
        asset.body.as_slice(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_goes_before_the_first_dot() {
        let name = hashed_file_name("govuk-frontend.min.js", b"x");
        assert!(name.starts_with("govuk-frontend-"), "{name}");
        assert!(name.ends_with(".min.js"), "{name}");
        assert_eq!(name.len(), "govuk-frontend-12345678.min.js".len());
    }

    #[test]
    fn different_content_gets_a_different_url() {
        assert_ne!(
            hashed_file_name("a.css", b"one"),
            hashed_file_name("a.css", b"two")
        );
    }

    #[test]
    fn init_script_imports_govuk_frontend_by_its_hashed_url() {
        let init = &ASSETS.by_name["init.js"];
        let text = String::from_utf8_lossy(&init.body);
        let govuk = url("govuk-frontend.min.js").unwrap_or_default();
        assert!(govuk.starts_with("/assets/govuk-frontend-"), "{govuk}");
        assert!(text.contains(&format!("from \"{govuk}\"")), "{text}");
    }

    #[test]
    fn every_asset_is_found_by_its_hashed_file_name() {
        for asset in all() {
            let file = file_of(&asset.url);
            assert_eq!(ASSETS.by_file.get(file), Some(&asset.name));
        }
    }
}
