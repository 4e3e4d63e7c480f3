//! Waymark's domain: the rules of the EHC process in England, with no IO.
//!
//! - [`clock`]: the statutory clock (SEND Regulations 2014) — every deadline, in calendar time.
//! - [`appeal`]: which decisions the family can appeal to the Tribunal, and until when.
//! - [`calendar`]: the working-day calendar (Monday to Friday less bank holidays), for
//!   complaint targets, mediation certificates and the priority action plan.
//! - [`upn`], [`uln`], [`nhs_number`]: validated identifiers for a child or young person.
//! - [`case`], [`command`], [`event`]: the case state machine. `decide(case, command, actor,
//!   today)` checks a change and gives events; `Case::apply` folds them in.
//! - [`codes`]: SEN2 code lists, held as data per collection year.
//! - [`email`]: an email address as typed, checked for its shape ([`EmailAddress`]).
//! - [`password`]: what makes a password acceptable (NCSC guidance).
//!
//! Nothing here reads the system clock: "today" is always an argument.
#![forbid(unsafe_code)]

pub mod actions;
pub mod actor;
pub mod agency;
pub mod appeal;
pub mod calendar;
pub mod case;
pub mod caseload;
pub mod clock;
pub mod codes;
pub mod command;
pub mod email;
pub mod event;
pub mod ids;
pub mod import;
pub mod kpi;
pub mod nhs_number;
pub mod password;
pub mod uln;
pub mod upn;

pub use calendar::{CalendarError, WorkingDayCalendar};
pub use email::{EmailAddress, EmailAddressError};
pub use ids::{CaseId, LaCode, LaCodeError};
pub use nhs_number::{NhsNumber, NhsNumberError};
pub use uln::{Uln, UlnError};
pub use upn::{Upn, UpnError};
