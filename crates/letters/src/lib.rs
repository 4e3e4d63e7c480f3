//! Waymark's printed documents, as PDF: the council's decision letters to a parent or young
//! person, and the EHC plan itself.
//!
//! - [`decision_letter`]: the letter for a decision on an EHC needs assessment or plan
//!   ([`LetterKind`]), with the reasons and, where the decision can be appealed, the right of
//!   appeal, mediation, the deadlines (worked out by `waymark_domain::appeal` and given in the
//!   letter) and where to get advice.
//! - [`ehc_plan`]: a draft or final EHC plan, sections A to K under their statutory headings.
//!
//! The input is plain data (strings and dates, the deadlines already worked out by
//! `waymark-domain`), so this crate decides nothing: it renders. It uses the domain only for
//! the one long-date format ([`waymark_domain::calendar::long_date`]) and does no IO. Rendering is pure Rust with [krilla](https://docs.rs/krilla): text is set in the
//! embedded Liberation Sans (an Arial-compatible font under the SIL Open Font License), on A4,
//! and every PDF is tagged and checked against PDF/UA-1, so its text can be searched, copied
//! and read aloud by a screen reader. Characters the font lacks (emoji, for example) become
//! `?`; no input makes rendering panic.
#![forbid(unsafe_code)]

mod font;
mod layout;
pub mod letter;
mod pdf;
pub mod plan;

pub use letter::{Addressee, Caseworker, Contact, DecisionLetter, LetterKind, decision_letter};
pub use plan::{PlanDocument, PlanSection, PlanSections, PlanStatus, ehc_plan};

/// Why a document could not be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LetterError {
    /// A draft plan named a placement. reg 13(1)(b): the draft must not name a school or other
    /// institution, nor the type of one.
    #[error(
        "a draft EHC plan must leave section I blank (regulation 13(1)(b) of the SEND Regulations 2014), but section I says {0:?}"
    )]
    DraftNamesPlacement(String),
    /// A letter refusing an assessment or a plan gave no reasons: the reader needs them to
    /// decide whether to appeal.
    #[error("a letter refusing an assessment or a plan must give the reasons for the decision")]
    MissingReasons,
    /// A letter about a decision that can be appealed was given no deadlines: the reader needs
    /// them to appeal in time (Tribunal rules, rule 20).
    #[error(
        "a letter about a decision that can be appealed must give the deadlines for mediation and appeal"
    )]
    MissingAppealDeadlines,
    /// The font built into Waymark could not be read: the build is damaged.
    #[error("the built-in font could not be read ({0}); reinstall Waymark")]
    Font(String),
    /// The PDF library refused the document; a bug in Waymark.
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}
