//! The web layer's integration tests: each starts the real router on a fresh SQLite database
//! on a random port and talks HTTP to it (see `app.rs`).
//!
//! One test binary, so it is linked once; add a module per area.

mod accounts;
mod api;
mod app;
mod assets;
mod audience;
mod audit;
mod case_pages;
mod case_reviews;
mod caseload;
mod csrf;
mod errors;
mod health;
mod matrix;
mod metrics;
mod oidc;
mod pages;
mod parity;
mod portal_family;
mod portal_professional;
mod reports;
mod security;
mod sign_in;
mod xss;
