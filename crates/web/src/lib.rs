//! Waymark web layer (axum pages and JSON API). Thin until the web shell lands.
#![forbid(unsafe_code)]
pub use waymark_store as store;
