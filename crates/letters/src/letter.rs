//! Decision letters: what the council writes to a parent or young person when it decides
//! whether to assess, decides not to issue a plan, or sends the final plan.
//!
//! The words follow the GOV.UK style: short sentences, "we" for the council, "you" for the
//! reader, dates as "4 March 2026". What a letter must say comes from the SEND Regulations
//! 2014: a "no" gives the right of appeal, its time limit, mediation, disagreement resolution and
//! where to get information and advice (reg 5(3) for assessment, reg 10 for the plan); the final
//! plan's letter gives the right of appeal about sections B, F and I (reg 14).

use chrono::NaiveDate;
use waymark_domain::appeal::AppealDeadlines;
use waymark_domain::calendar::long_date;

use crate::LetterError;
use crate::layout::{BODY_SIZE, Block, MEASURE};
use crate::pdf::{self, DocumentInfo};

/// The decision a letter tells the reader about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LetterKind {
    /// The council will not carry out an EHC needs assessment (reg 5(1)); can be appealed.
    NotAssessing,
    /// The council will carry out an EHC needs assessment (reg 5(1)).
    Assessing,
    /// After the assessment, the council will not issue an EHC plan (reg 10(1)); can be
    /// appealed.
    NotIssuing,
    /// The covering letter for the final EHC plan (reg 14); sections B, F and I can be appealed.
    FinalPlanIssued,
}

impl LetterKind {
    /// Whether the letter must explain the right of appeal to the First-tier Tribunal (SEND).
    pub fn can_be_appealed(self) -> bool {
        !matches!(self, Self::Assessing)
    }

    fn title(self) -> &'static str {
        match self {
            Self::NotAssessing => {
                "Decision not to carry out an education, health and care needs assessment"
            }
            Self::Assessing => {
                "Decision to carry out an education, health and care needs assessment"
            }
            Self::NotIssuing => "Decision not to issue an education, health and care plan",
            Self::FinalPlanIssued => "Final education, health and care plan",
        }
    }
}

/// Who the letter is written to: the child's parent, or a young person (over compulsory school
/// age) who makes their own decisions (section 80 of the Children and Families Act 2014 gives
/// them the rights).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addressee {
    /// A parent or carer, writing about their child.
    Parent,
    /// The young person themselves.
    YoungPerson,
}

/// An organisation the reader can contact. Empty fields are left out of the letter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// The service's name, as in "Anyshire SENDIASS".
    pub name: String,
    /// A telephone number.
    pub phone: String,
    /// An email address.
    pub email: String,
    /// A web address.
    pub website: String,
}

/// The officer who signs the letter and answers questions about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Caseworker {
    /// Their name.
    pub name: String,
    /// Their job title, as in "EHC coordinator".
    pub job_title: String,
    /// A telephone number.
    pub phone: String,
    /// An email address.
    pub email: String,
}

/// Everything a decision letter says. Plain data, so that any layer can fill it in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionLetter {
    /// The council, as in "Anyshire County Council".
    pub la_name: String,
    /// The council's postal address, one line each, for the letterhead.
    pub la_address: Vec<String>,
    /// The case reference the reader should quote.
    pub reference: String,
    /// The date of the letter: the day it is sent, and so the decision notice the appeal
    /// deadlines run from.
    pub date: NaiveDate,
    /// Who it is to, as in "Ms Aisha O'Connor-Smith".
    pub recipient_name: String,
    /// Their postal address, one line each.
    pub recipient_address: Vec<String>,
    /// Whether the reader is the parent or the young person.
    pub addressed_to: Addressee,
    /// The child or young person's full name.
    pub child_name: String,
    /// Their date of birth.
    pub child_date_of_birth: NaiveDate,
    /// The decision.
    pub kind: LetterKind,
    /// Why the council decided as it did, in plain words. Required for a decision that can be
    /// appealed other than the final plan; a blank line starts a new paragraph.
    pub reasons: String,
    /// The officer who signs the letter.
    pub caseworker: Caseworker,
    /// The school or other institution named in section I of a final plan, if any.
    pub placement: Option<String>,
    /// The mediation service the reader must contact before appealing (s.55 of the Children
    /// and Families Act 2014, reg 32).
    pub mediation_service: Contact,
    /// The SEND information, advice and support service (SENDIASS), reg 5(3)(d)(ii).
    pub information_service: Contact,
    /// The last days to contact a mediation adviser and to appeal, from this letter's date
    /// (`waymark_domain::appeal::deadlines`). Required for a decision that can be appealed.
    pub appeal: Option<AppealDeadlines>,
}

/// Renders a decision letter as an A4 PDF.
///
/// Fails if a "no" decision has no reasons ([`LetterError::MissingReasons`]), or a decision
/// that can be appealed has no deadlines ([`LetterError::MissingAppealDeadlines`]); never
/// panics.
pub fn decision_letter(letter: &DecisionLetter) -> Result<Vec<u8>, LetterError> {
    let blocks = blocks(letter)?;
    let info = DocumentInfo {
        title: format!("{} – {}", letter.kind.title(), letter.child_name),
        author: letter.la_name.clone(),
        date: letter.date,
        footer: format!("{} · Our reference: {}", letter.la_name, letter.reference),
        header: None,
    };
    pdf::render(&blocks, &info)
}

/// The words of the letter, in order.
fn blocks(letter: &DecisionLetter) -> Result<Vec<Block>, LetterError> {
    let needs_reasons = matches!(
        letter.kind,
        LetterKind::NotAssessing | LetterKind::NotIssuing
    );
    if needs_reasons && letter.reasons.trim().is_empty() {
        return Err(LetterError::MissingReasons);
    }
    let words = Words::new(letter);
    let mut blocks = letterhead(letter);

    blocks.push(Block::paragraph(format!("Dear {}", letter.recipient_name)).space_before(24.0));
    blocks.push(
        Block::heading(1, letter.kind.title())
            .size(16.0)
            .space_before(14.0),
    );
    let who = match letter.addressed_to {
        Addressee::Parent => "Child",
        Addressee::YoungPerson => "Young person",
    };
    blocks.push(
        Block::paragraph(format!(
            "{who}: {}\nDate of birth: {}",
            letter.child_name,
            long_date(letter.child_date_of_birth)
        ))
        .bold(),
    );

    match letter.kind {
        LetterKind::NotAssessing => {
            blocks.push(Block::paragraph(format!(
                "We have decided not to carry out an education, health and care (EHC) needs \
                 assessment for {}.",
                words.subject
            )));
            blocks.push(Block::paragraph(
                "We made this decision under regulation 5 of the Special Educational Needs and \
                 Disability Regulations 2014.",
            ));
            reasons(&mut blocks, "Why we made this decision", &letter.reasons);
            appeal(&mut blocks, letter, &words)?;
        }
        LetterKind::NotIssuing => {
            blocks.push(Block::paragraph(format!(
                "We have finished the education, health and care (EHC) needs assessment for {}. \
                 We have decided not to issue an EHC plan.",
                words.subject
            )));
            blocks.push(Block::paragraph(
                "We made this decision under regulation 10 of the Special Educational Needs and \
                 Disability Regulations 2014.",
            ));
            reasons(&mut blocks, "Why we made this decision", &letter.reasons);
            blocks.push(Block::paragraph(format!(
                "You can ask us for a copy of the advice and information we gathered during the \
                 assessment. {} can use it to plan support.",
                capitalise(&words.setting)
            )));
            appeal(&mut blocks, letter, &words)?;
        }
        LetterKind::Assessing => {
            blocks.push(Block::paragraph(format!(
                "We have decided to carry out an education, health and care (EHC) needs \
                 assessment for {}.",
                words.subject
            )));
            reasons(&mut blocks, "Why we made this decision", &letter.reasons);
            what_happens_next(&mut blocks, &words);
            advice(&mut blocks, letter);
        }
        LetterKind::FinalPlanIssued => {
            blocks.push(Block::paragraph(format!(
                "We have finalised the education, health and care (EHC) plan for {}. A copy is \
                 enclosed.",
                words.subject
            )));
            if let Some(placement) = letter.placement.as_deref().filter(|p| !p.trim().is_empty()) {
                blocks.push(Block::paragraph(format!(
                    "Section I of the plan names {placement}."
                )));
            }
            blocks.push(Block::paragraph(
                "We must arrange the special educational provision in section F of the plan. We \
                 will review the plan at least once every 12 months.",
            ));
            reasons(&mut blocks, "About the plan", &letter.reasons);
            appeal(&mut blocks, letter, &words)?;
        }
    }

    sign_off(&mut blocks, letter);
    Ok(blocks)
}

/// How the letter refers to the child or young person.
struct Words {
    /// "Zoë O'Connor-Smith", or "you" when writing to the young person.
    subject: String,
    /// "Zoë O'Connor-Smith's school or setting", or "your school or college".
    setting: String,
    /// "Zoë O'Connor-Smith's", or "your".
    possessive: String,
}

impl Words {
    fn new(letter: &DecisionLetter) -> Self {
        match letter.addressed_to {
            Addressee::Parent => {
                let name = letter.child_name.trim();
                let possessive = format!("{name}'s");
                Self {
                    subject: name.to_owned(),
                    setting: format!("{possessive} school or setting"),
                    possessive,
                }
            }
            Addressee::YoungPerson => Self {
                subject: "you".into(),
                setting: "your school or college".into(),
                possessive: "your".into(),
            },
        }
    }
}

/// The council's name and address in a column on the right, then the reader's address on the
/// left (where a window envelope shows it), then the reference and date.
fn letterhead(letter: &DecisionLetter) -> Vec<Block> {
    let column = MEASURE * 0.58;
    let mut blocks = vec![
        Block::paragraph(letter.la_name.as_str())
            .bold()
            .size(14.0)
            .indent(column)
            .space_before(0.0),
    ];
    if !letter.la_address.is_empty() {
        blocks.push(
            Block::paragraph(letter.la_address.join("\n"))
                .size(10.0)
                .indent(column)
                .space_before(2.0),
        );
    }
    let mut recipient = vec![letter.recipient_name.clone()];
    recipient.extend(letter.recipient_address.iter().cloned());
    blocks.push(Block::paragraph(recipient.join("\n")).space_before(28.0));

    let cw = &letter.caseworker;
    let mut details = vec![
        format!("Date: {}", long_date(letter.date)),
        format!("Our reference: {}", letter.reference),
    ];
    if !cw.name.trim().is_empty() {
        details.push(format!("Contact: {}", cw.name));
    }
    if !cw.phone.trim().is_empty() {
        details.push(format!("Phone: {}", cw.phone));
    }
    if !cw.email.trim().is_empty() {
        details.push(format!("Email: {}", cw.email));
    }
    blocks.push(
        Block::paragraph(details.join("\n"))
            .size(10.0)
            .indent(column)
            .space_before(20.0),
    );
    blocks
}

/// The reasons under a heading, one paragraph for each blank-line-separated part. Nothing if
/// there are none.
fn reasons(blocks: &mut Vec<Block>, heading: &str, reasons: &str) {
    let paragraphs = paragraphs(reasons);
    if paragraphs.is_empty() {
        return;
    }
    blocks.push(Block::heading(2, heading));
    blocks.extend(paragraphs.into_iter().map(Block::paragraph));
}

/// Free text split into paragraphs at blank lines, each trimmed; empty ones dropped.
pub(crate) fn paragraphs(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.split('\n') {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line.trim_end());
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

/// The right of appeal, its deadline, mediation, disagreement resolution and advice.
fn appeal(
    blocks: &mut Vec<Block>,
    letter: &DecisionLetter,
    words: &Words,
) -> Result<(), LetterError> {
    let dates = letter.appeal.ok_or(LetterError::MissingAppealDeadlines)?;
    let deadline = long_date(dates.appeal_by);
    let mediation_by = long_date(dates.mediation_by);
    let final_plan = letter.kind == LetterKind::FinalPlanIssued;

    if final_plan {
        blocks.push(Block::heading(2, "If you disagree with the plan"));
        blocks.push(Block::paragraph(
            "You can appeal to the First-tier Tribunal (Special Educational Needs and \
             Disability) about:",
        ));
        blocks.push(
            Block::paragraph(format!(
                "• section B, the description of {} special educational needs\n\
                 • section F, the special educational provision\n\
                 • section I, the school or other institution named, or the type named, or that \
                 none is named",
                words.possessive
            ))
            .space_before(4.0),
        );
        blocks.push(Block::paragraph(
            "The Tribunal is independent of the council.",
        ));
        blocks.push(Block::paragraph(format!(
            "Before you appeal about section B or F, you must contact a mediation adviser. You do \
             not need to if your appeal is only about section I. Contact them by {mediation_by}."
        )));
    } else {
        blocks.push(Block::heading(2, "If you disagree with our decision"));
        blocks.push(Block::paragraph(
            "You can appeal to the First-tier Tribunal (Special Educational Needs and \
             Disability). The Tribunal is independent of the council.",
        ));
        blocks.push(Block::paragraph(format!(
            "Before you appeal, you must contact a mediation adviser. Contact them by \
             {mediation_by}."
        )));
    }
    blocks.push(Block::paragraph(
        "You do not have to take part in mediation. But you need a certificate from the \
         mediation adviser to show you have considered it before you can appeal.",
    ));

    blocks.push(Block::heading(3, "Deadline for appealing"));
    blocks.push(Block::paragraph(format!(
        "The Tribunal must receive your appeal by {deadline}. This is 2 months from the date of \
         this letter."
    )));
    blocks.push(Block::paragraph(format!(
        "If you get a mediation certificate, you can instead appeal up to 1 month after the date \
         on the certificate, if that is later than {deadline}."
    )));

    blocks.push(Block::heading(3, "Mediation"));
    blocks.push(Block::paragraph(
        "Mediation is a meeting with an independent mediator, who helps you and us try to agree. \
         It is free. The mediator does not work for the council.",
    ));
    contact(
        blocks,
        "To talk about mediation or to get a certificate, contact:",
        &letter.mediation_service,
    );
    blocks.push(Block::paragraph(
        "If you tell the mediation adviser you do not want mediation, they must send you a \
         certificate within 3 working days.",
    ));

    blocks.push(Block::heading(3, "How to appeal"));
    blocks.push(Block::paragraph(
        "Find out how to appeal, and get the appeal form, at \
         www.gov.uk/special-educational-needs-disability-tribunal. Send a copy of this letter \
         with your appeal.",
    ));

    blocks.push(Block::heading(2, "Other ways to settle a disagreement"));
    blocks.push(Block::paragraph(
        "You can also ask us for disagreement resolution. An independent person helps you and \
         us, or a school or college, settle the disagreement. It is free. It does not stop the \
         time for appealing running out.",
    ));
    advice(blocks, letter);
    Ok(())
}

/// What happens during an assessment (reg 6 to 8, 10(1) and 13(2)).
fn what_happens_next(blocks: &mut Vec<Block>, words: &Words) {
    blocks.push(Block::heading(2, "What happens next"));
    blocks.push(Block::paragraph(format!(
        "We will ask for advice and information about {} needs. We will ask {}, an educational \
         psychologist, health services and social care. They have 6 weeks to reply.",
        words.possessive, words.setting,
    )));
    blocks.push(Block::paragraph(
        "We will ask for your views, wishes and feelings, and what you hope for in the future. \
         You can send us any reports or information you think will help.",
    ));
    blocks.push(Block::paragraph(
        "We will tell you whether we will issue an EHC plan within 16 weeks of the date we \
         received the request for an assessment. If we decide to issue a plan, we will send you a \
         draft first. The final plan must be issued within 20 weeks of the date we received the \
         request.",
    ));
}

/// The information, advice and support service (reg 5(3)(d)(ii)).
fn advice(blocks: &mut Vec<Block>, letter: &DecisionLetter) {
    let service = &letter.information_service;
    let name = if service.name.trim().is_empty() {
        "Your local SEND information, advice and support service (SENDIASS)"
    } else {
        service.name.as_str()
    };
    blocks.push(Block::heading(2, "Free, impartial advice"));
    blocks.push(Block::paragraph(format!(
        "{name} gives free, impartial and confidential information, advice and support about \
         special educational needs and disability. It is separate from the council's SEND team \
         and can help you decide what to do next."
    )));
    contact(blocks, "Contact them:", service);
}

/// A contact's details under a lead-in line, leaving out what is blank.
fn contact(blocks: &mut Vec<Block>, lead: &str, contact: &Contact) {
    let mut lines = vec![lead.to_owned()];
    for (label, value) in [
        ("", &contact.name),
        ("Phone: ", &contact.phone),
        ("Email: ", &contact.email),
        ("Website: ", &contact.website),
    ] {
        if !value.trim().is_empty() {
            lines.push(format!("{label}{}", value.trim()));
        }
    }
    if lines.len() > 1 {
        blocks.push(Block::paragraph(lines.join("\n")));
    }
}

fn sign_off(blocks: &mut Vec<Block>, letter: &DecisionLetter) {
    let cw = &letter.caseworker;
    blocks.push(
        Block::paragraph("If you have any questions about this letter, please contact me.")
            .space_before(18.0),
    );
    blocks.push(Block::paragraph("Yours sincerely").space_before(12.0));
    let mut signature: Vec<&str> = Vec::new();
    for line in [&cw.name, &cw.job_title, &letter.la_name] {
        if !line.trim().is_empty() {
            signature.push(line.trim());
        }
    }
    if !signature.is_empty() {
        blocks.push(Block::paragraph(signature.join("\n")).space_before(BODY_SIZE * 2.5));
    }
}

/// The text with its first letter in capitals, to start a sentence.
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_split_at_blank_lines_and_keep_single_newlines() {
        assert_eq!(
            paragraphs("One.\nStill one.\n\n\n  \r\nTwo.\r\n"),
            vec!["One.\nStill one.".to_owned(), "Two.".to_owned()]
        );
        assert!(paragraphs(" \n\t\n").is_empty());
    }
}
