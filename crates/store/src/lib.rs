//! Waymark persistence (SQLite and PostgreSQL). Thin until the case engine lands.
#![forbid(unsafe_code)]
pub use waymark_domain as domain;
