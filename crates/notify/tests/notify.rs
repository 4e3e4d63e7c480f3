//! The notification crate against real counterparts: a real SMTP conversation with a small
//! SMTP server started by the test, a stand-in for GOV.UK Notify's API that checks the token
//! and body as Notify does, and the outbox and reminders on a real database (SQLite, and
//! PostgreSQL where the store is what is being tested).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

mod govuk_notify;
mod reminders;
mod smtp;
mod worker;
