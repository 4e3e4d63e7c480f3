//! The HTTP kernel every feature uses: errors and their pages ([`error`]), the session and the
//! signed-in user ([`session`]), CSRF ([`csrf`]), cookies, forms and uploads ([`forms`]), page
//! templates and navigation ([`templates`], [`nav`]), static assets, security headers, metrics,
//! the client's address, downloads, and the audit entry of a request ([`audit`]). No feature's
//! rules live here.

pub mod assets;
pub mod audit;
pub mod client_ip;
pub mod cookies;
pub mod csrf;
pub mod download;
pub mod error;
pub mod forms;
pub mod metrics;
pub mod nav;
pub mod security;
pub mod session;
pub mod templates;
