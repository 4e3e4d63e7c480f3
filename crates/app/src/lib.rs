//! Waymark's use cases, shared by the pages and the JSON API (`waymark-web`), the command line
//! (`waymark-cli`) and the notification worker (`waymark-notify`). No HTTP and no HTML here:
//! a use case takes what the person asked for and who they are, and returns what happened.
//!
//! - [`cases`]: every change to a case — decide (the domain's rules), append the events,
//!   write the audit entry, keep the letters and plans it produces, queue the notifications
//!   it means — **in one transaction** ([`waymark_store::ChangeStore`]), written once.
//! - [`access`]: who may see and do what, handed out as capabilities; [`views`]: the view of
//!   a case for each audience (staff, family, professional), so that staff-only content
//!   never reaches a family or a professional on any route.
//! - [`notices`], [`letters`]: what each change queues and renders.
//! - [`passwords`], [`token`]: identity (Argon2id hashing, random tokens).
//! - [`export`]: the KPI figures as CSV and spreadsheets; [`reports`]: advice by agency and
//!   the overdue requests behind it.
//! - [`time`]: "today in England", from an injected [`time::Clock`] so tests can set the date.
#![forbid(unsafe_code)]

pub mod access;
pub mod audit;
pub mod cases;
pub mod error;
pub mod export;
pub mod letters;
pub mod notices;
pub mod passwords;
pub mod reports;
pub mod time;
pub mod token;
pub mod views;

use std::sync::Arc;

pub use error::{Error, Result};
pub use waymark_store as store;
use waymark_store::domain::WorkingDayCalendar;

/// What every use case can reach: the store, the clock, the working-day calendar and the
/// few settings that shape what a change produces (the LA's name on letters, the address
/// links in emails point to). Cheap to clone.
#[derive(Clone)]
pub struct App<S> {
    /// The store (SQLite or PostgreSQL).
    pub store: S,
    /// Where "now" comes from.
    pub clock: Arc<dyn time::Clock>,
    /// The working-day calendar (bank holidays) the service counts working days with.
    pub calendar: Arc<WorkingDayCalendar>,
    /// The council's name, as letters and plans print it.
    pub la_name: String,
    /// The address users reach this instance at, for links in emails (empty: relative).
    pub public_url: String,
}

impl<S> App<S> {
    /// An app on `store` with the system clock and England and Wales's bank holidays.
    pub fn new(store: S, la_name: impl Into<String>) -> App<S> {
        App {
            store,
            clock: Arc::new(time::SystemClock),
            calendar: Arc::new(WorkingDayCalendar::england_and_wales()),
            la_name: la_name.into(),
            public_url: String::new(),
        }
    }

    /// The same app with another clock (tests, and `waymark` commands given `--today`).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn time::Clock>) -> App<S> {
        self.clock = clock;
        self
    }

    /// The same app with another working-day calendar (`--calendar`, `WAYMARK_CALENDAR`).
    #[must_use]
    pub fn with_calendar(mut self, calendar: WorkingDayCalendar) -> App<S> {
        self.calendar = Arc::new(calendar);
        self
    }

    /// The same app with links in emails pointing at `public_url`.
    #[must_use]
    pub fn with_public_url(mut self, public_url: impl Into<String>) -> App<S> {
        self.public_url = public_url.into();
        self
    }

    /// Now, from the app's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Today's date in England (what "today" means for statutory deadlines).
    pub fn today(&self) -> chrono::NaiveDate {
        time::today_at(self.clock.now())
    }
}
