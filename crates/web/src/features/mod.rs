//! The service's capabilities, one module each, with the pages **and** the JSON API handlers
//! of a capability side by side (e.g. [`cases`]: `mod.rs` the case page, `actions.rs` the
//! stage forms, `api.rs` the `/api/v1/cases` handlers, `json.rs` the API's views). A page
//! handler and the API handler of one action call the same `waymark_app` use case and differ
//! only in how they read input and render output. Each module's `routes()` gives its part of
//! the route table ([`crate::router`]).

pub mod admin;
pub mod allocation;
pub mod caseload;
pub mod cases;
pub mod family;
pub mod health;
pub mod invitations;
pub mod messages;
pub mod organisation;
pub mod pages;
pub mod plan;
pub mod professional;
pub mod reports;
