//! The EHC plan as a document: a title page, then sections A to K under the headings of
//! regulation 12(1) of the SEND Regulations 2014, in that order.
//!
//! A draft plan says so on every page and leaves section I (the placement) blank, as reg
//! 13(1)(b) requires; the parent or young person then has at least 15 days to comment and ask
//! for a school (reg 13(1)(a), s.38 of the Children and Families Act 2014).

use chrono::NaiveDate;
use waymark_domain::calendar::long_date;

use crate::LetterError;
use crate::layout::Block;
use crate::letter::paragraphs;
use crate::pdf::{self, DocumentInfo};

/// Whether the plan is a draft for comment or the final plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanStatus {
    /// Sent for comment; names no placement (reg 13(1)(b)).
    Draft,
    /// Issued (reg 13(2): within 20 weeks of the request).
    Final,
}

/// A section of an EHC plan (reg 12(1)(a) to (k)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlanSection {
    /// A: views, interests and aspirations.
    A,
    /// B: special educational needs.
    B,
    /// C: health needs related to the SEN.
    C,
    /// D: social care needs related to the SEN or a disability.
    D,
    /// E: outcomes sought.
    E,
    /// F: special educational provision.
    F,
    /// G: health provision.
    G,
    /// H1: social care provision under section 2 of the Chronically Sick and Disabled Persons
    /// Act 1970.
    H1,
    /// H2: other social care provision.
    H2,
    /// I: the placement.
    I,
    /// J: personal budget.
    J,
    /// K: advice and information gathered during the assessment.
    K,
}

impl PlanSection {
    /// Every section, in the order the plan sets them out.
    pub const ALL: [Self; 12] = [
        Self::A,
        Self::B,
        Self::C,
        Self::D,
        Self::E,
        Self::F,
        Self::G,
        Self::H1,
        Self::H2,
        Self::I,
        Self::J,
        Self::K,
    ];

    /// The section's letter, as in "H1".
    pub fn letter(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
            Self::D => "D",
            Self::E => "E",
            Self::F => "F",
            Self::G => "G",
            Self::H1 => "H1",
            Self::H2 => "H2",
            Self::I => "I",
            Self::J => "J",
            Self::K => "K",
        }
    }

    /// What the section sets out, in the words of reg 12(1).
    pub fn description(self) -> &'static str {
        match self {
            Self::A => {
                "The views, interests and aspirations of the child and their parents, or of the \
                 young person"
            }
            Self::B => "The special educational needs of the child or young person",
            Self::C => {
                "The health care needs of the child or young person which relate to their \
                 special educational needs"
            }
            Self::D => {
                "The social care needs of the child or young person which relate to their \
                 special educational needs or to a disability"
            }
            Self::E => {
                "The outcomes sought for the child or young person, including outcomes for adult \
                 life"
            }
            Self::F => "The special educational provision required by the child or young person",
            Self::G => {
                "Any health care provision reasonably required by the learning difficulties or \
                 disabilities which result in the child or young person having special \
                 educational needs"
            }
            Self::H1 => {
                "Any social care provision which must be made for the child or young person as a \
                 result of section 2 of the Chronically Sick and Disabled Persons Act 1970"
            }
            Self::H2 => {
                "Any other social care provision reasonably required by the learning difficulties \
                 or disabilities which result in the child or young person having special \
                 educational needs"
            }
            Self::I => {
                "The name and type of the school, maintained nursery school, post-16 institution \
                 or other institution to be attended by the child or young person, or the type \
                 of school or institution if none is named"
            }
            Self::J => {
                "Where there is a personal budget, the details of how it will support particular \
                 outcomes, the provision it will be used for, and the arrangements for any direct \
                 payments"
            }
            Self::K => "The advice and information gathered during the EHC needs assessment",
        }
    }

    /// The heading as printed, as in "Section A: The views, interests and aspirations of the
    /// child and their parents, or of the young person".
    pub fn heading(self) -> String {
        format!("Section {}: {}", self.letter(), self.description())
    }
}

/// The text of every section. A field left empty prints as "Nothing is recorded in this
/// section."; a blank line starts a new paragraph.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanSections {
    /// Section A: views, interests and aspirations.
    pub a: String,
    /// Section B: special educational needs.
    pub b: String,
    /// Section C: health needs.
    pub c: String,
    /// Section D: social care needs.
    pub d: String,
    /// Section E: outcomes.
    pub e: String,
    /// Section F: special educational provision.
    pub f: String,
    /// Section G: health provision.
    pub g: String,
    /// Section H1: social care provision under s.2 of the Chronically Sick and Disabled Persons Act 1970.
    pub h1: String,
    /// Section H2: other social care provision.
    pub h2: String,
    /// Section I: placement; must be empty in a draft (reg 13(1)(b)).
    pub i: String,
    /// Section J: personal budget.
    pub j: String,
    /// Section K: advice and information.
    pub k: String,
}

impl PlanSections {
    /// The text of one section.
    pub fn get(&self, section: PlanSection) -> &str {
        match section {
            PlanSection::A => &self.a,
            PlanSection::B => &self.b,
            PlanSection::C => &self.c,
            PlanSection::D => &self.d,
            PlanSection::E => &self.e,
            PlanSection::F => &self.f,
            PlanSection::G => &self.g,
            PlanSection::H1 => &self.h1,
            PlanSection::H2 => &self.h2,
            PlanSection::I => &self.i,
            PlanSection::J => &self.j,
            PlanSection::K => &self.k,
        }
    }
}

/// Everything an EHC plan document shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanDocument {
    /// The council that maintains the plan.
    pub la_name: String,
    /// The case reference, printed in the footer of every page.
    pub reference: String,
    /// The child or young person's full name.
    pub child_name: String,
    /// Their date of birth.
    pub child_date_of_birth: NaiveDate,
    /// Draft or final.
    pub status: PlanStatus,
    /// The version number, counting drafts and issued plans together.
    pub version: u32,
    /// The date of this version: when the draft was sent, or the final plan issued.
    pub date: NaiveDate,
    /// Sections A to K.
    pub sections: PlanSections,
}

/// What a draft plan says in place of section I.
pub const DRAFT_SECTION_I: &str = "Section I is left blank in a draft plan (regulation 13(1)(b) \
     of the SEND Regulations 2014). You can tell us which school, college or other institution \
     you would like to be named when you comment on the draft.";

/// Renders an EHC plan as an A4 PDF.
///
/// Fails with [`LetterError::DraftNamesPlacement`] if a draft has anything in section I;
/// never panics.
pub fn ehc_plan(plan: &PlanDocument) -> Result<Vec<u8>, LetterError> {
    let draft = plan.status == PlanStatus::Draft;
    if draft && !plan.sections.i.trim().is_empty() {
        let mut text: String = plan.sections.i.trim().chars().take(80).collect();
        if text.len() < plan.sections.i.trim().len() {
            text.push_str("...");
        }
        return Err(LetterError::DraftNamesPlacement(text));
    }
    let status = status_words(plan);
    let info = DocumentInfo {
        title: format!(
            "Education, health and care plan – {} ({status})",
            plan.child_name
        ),
        author: plan.la_name.clone(),
        date: plan.date,
        footer: format!("EHC plan · Case reference: {}", plan.reference),
        header: draft.then(|| format!("DRAFT – version {}", plan.version)),
    };
    pdf::render(&blocks(plan, &status), &info)
}

/// "Draft, version 2" or "Final, version 3".
fn status_words(plan: &PlanDocument) -> String {
    let status = match plan.status {
        PlanStatus::Draft => "Draft",
        PlanStatus::Final => "Final",
    };
    format!("{status}, version {}", plan.version)
}

fn blocks(plan: &PlanDocument, status: &str) -> Vec<Block> {
    let draft = plan.status == PlanStatus::Draft;
    let mut blocks = Vec::new();

    // Title page.
    if draft {
        blocks.push(
            Block::paragraph("DRAFT")
                .bold()
                .size(36.0)
                .space_before(0.0),
        );
    }
    blocks.push(
        Block::heading(1, "Education, health and care plan")
            .size(24.0)
            .space_before(if draft { 8.0 } else { 0.0 }),
    );
    blocks.push(
        Block::paragraph(plan.child_name.as_str())
            .bold()
            .size(18.0)
            .space_before(16.0),
    );
    let date_label = if draft {
        "Date of this draft"
    } else {
        "Date issued"
    };
    blocks.push(
        Block::paragraph(format!(
            "Date of birth: {}\nLocal authority: {}\nCase reference: {}\nStatus: {status}\n{date_label}: {}",
            long_date(plan.child_date_of_birth),
            plan.la_name,
            plan.reference,
            long_date(plan.date),
        ))
        .space_before(16.0),
    );
    if draft {
        blocks.push(
            Block::paragraph(
                "This is a draft plan. You have at least 15 days from the day you receive it to \
                 comment on it, to ask for a meeting with us, and to ask for a particular school, \
                 college or other institution to be named in it.",
            )
            .space_before(24.0),
        );
    } else {
        blocks.push(
            Block::paragraph(format!(
                "This is the final plan. {} must secure the special educational provision in \
                 section F, and review the plan at least once every 12 months.",
                plan.la_name.trim()
            ))
            .space_before(24.0),
        );
    }
    blocks.push(Block::paragraph(
        "The plan is in sections A to K, as the Special Educational Needs and Disability \
         Regulations 2014 set out.",
    ));

    // Sections, starting on a new page.
    for (n, section) in PlanSection::ALL.into_iter().enumerate() {
        let heading = Block::heading(2, section.heading()).size(14.0);
        blocks.push(if n == 0 {
            heading.new_page()
        } else {
            heading.space_before(24.0)
        });
        let text = plan.sections.get(section);
        let body = if draft && section == PlanSection::I {
            vec![DRAFT_SECTION_I.to_owned()]
        } else {
            paragraphs(text)
        };
        if body.is_empty() {
            blocks.push(Block::paragraph("Nothing is recorded in this section."));
        } else {
            blocks.extend(body.into_iter().map(Block::paragraph));
        }
    }
    blocks
}
