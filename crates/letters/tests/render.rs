//! Renders every kind of letter and plan, reads the PDF back with lopdf, and checks what a
//! reader would see: the pages, the words, the dates.

use std::error::Error;

use chrono::NaiveDate;
use waymark_letters::plan::DRAFT_SECTION_I;
use waymark_letters::{
    Addressee, Caseworker, Contact, DecisionLetter, LetterError, LetterKind, PlanDocument,
    PlanSection, PlanSections, PlanStatus, decision_letter, ehc_plan,
};

type TestResult = Result<(), Box<dyn Error>>;

fn date(y: i32, m: u32, d: u32) -> Result<NaiveDate, Box<dyn Error>> {
    Ok(NaiveDate::from_ymd_opt(y, m, d).ok_or("no such date")?)
}

/// A PDF read back: its page count, and its text with every run of white space made one space
/// (so a phrase can be found whichever line breaks the layout chose).
struct Read {
    pages: usize,
    text: String,
    doc: lopdf::Document,
}

fn read(pdf: &[u8]) -> Result<Read, Box<dyn Error>> {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let doc = lopdf::Document::load_mem(pdf)?;
    let numbers: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&numbers)?;
    Ok(Read {
        pages: numbers.len(),
        text: text.split_whitespace().collect::<Vec<_>>().join(" "),
        doc,
    })
}

impl Read {
    fn assert_says(&self, phrase: &str) {
        assert!(
            self.text.contains(phrase),
            "the PDF does not say {phrase:?}; it says:\n{}",
            self.text
        );
    }

    fn assert_does_not_say(&self, phrase: &str) {
        assert!(!self.text.contains(phrase), "the PDF says {phrase:?}");
    }

    /// Every page is A4 portrait.
    fn assert_a4(&self) -> TestResult {
        for (_, id) in self.doc.get_pages() {
            let page = self.doc.get_dictionary(id)?;
            let media_box = page.get(b"MediaBox")?.as_array()?;
            let numbers: Vec<f32> = media_box
                .iter()
                .map(|n| n.as_float())
                .collect::<Result<_, _>>()?;
            assert_eq!(numbers.len(), 4);
            assert!(
                (numbers[2] - numbers[0] - 595.28).abs() < 0.5,
                "{numbers:?}"
            );
            assert!(
                (numbers[3] - numbers[1] - 841.89).abs() < 0.5,
                "{numbers:?}"
            );
        }
        Ok(())
    }
}

fn letter(kind: LetterKind) -> Result<DecisionLetter, Box<dyn Error>> {
    Ok(DecisionLetter {
        la_name: "Anyshire County Council".into(),
        la_address: vec![
            "SEND Service".into(),
            "County Hall".into(),
            "Anytown AN1 2BC".into(),
        ],
        reference: "EHC-2026-0042".into(),
        date: date(2026, 12, 31)?,
        recipient_name: "Ms Aisha O’Connor-Smith".into(),
        recipient_address: vec!["12 Long Lane".into(), "Anytown AN3 4DE".into()],
        addressed_to: Addressee::Parent,
        child_name: "Zoë O’Connor-Smith".into(),
        child_date_of_birth: date(2016, 9, 14)?,
        kind,
        reasons: "Zoë’s school already gives support worth £6,000 a year – and it is working.\n\n\
                  The school has not yet tried the advice from the “speech and language” \
                  therapist."
            .into(),
        caseworker: Caseworker {
            name: "Sam Patel".into(),
            job_title: "EHC coordinator".into(),
            phone: "01234 567890".into(),
            email: "sam.patel@anyshire.gov.uk".into(),
        },
        placement: Some("Brook Lane Primary School".into()),
        mediation_service: Contact {
            name: "Global Mediation".into(),
            phone: "0800 064 4488".into(),
            email: "send@mediation.example".into(),
            website: String::new(),
        },
        information_service: Contact {
            name: "Anyshire SENDIASS".into(),
            phone: "01234 598765".into(),
            email: String::new(),
            website: "www.anyshire-sendiass.example".into(),
        },
        appeal: Some(waymark_domain::appeal::deadlines(
            date(2026, 12, 31)?,
            None,
        )?),
    })
}

fn sections(paragraph: &str, paragraphs_each: usize) -> PlanSections {
    let text = vec![paragraph; paragraphs_each].join("\n\n");
    PlanSections {
        a: text.clone(),
        b: text.clone(),
        c: text.clone(),
        d: text.clone(),
        e: text.clone(),
        f: text.clone(),
        g: text.clone(),
        h1: text.clone(),
        h2: text.clone(),
        i: String::new(),
        j: text.clone(),
        k: text,
    }
}

fn plan(status: PlanStatus, sections: PlanSections) -> Result<PlanDocument, Box<dyn Error>> {
    Ok(PlanDocument {
        la_name: "Anyshire County Council".into(),
        reference: "EHC-2026-0042".into(),
        child_name: "Zoë O’Connor-Smith".into(),
        child_date_of_birth: date(2016, 9, 14)?,
        status,
        version: 2,
        date: date(2026, 3, 4)?,
        sections,
    })
}

const PARAGRAPH: &str = "Zoë enjoys drawing, swimming and playing with her younger brother. She \
    wants to be a vet. She finds busy, noisy places hard and likes to know what will happen next.";

#[test]
fn every_letter_kind_renders_as_a_searchable_a4_pdf() -> TestResult {
    for kind in [
        LetterKind::NotAssessing,
        LetterKind::Assessing,
        LetterKind::NotIssuing,
        LetterKind::FinalPlanIssued,
    ] {
        let read = read(&decision_letter(&letter(kind)?)?)?;
        read.assert_a4()?;
        read.assert_says("Anyshire County Council");
        read.assert_says("Dear Ms Aisha O’Connor-Smith");
        read.assert_says("Child: Zoë O’Connor-Smith");
        read.assert_says("Date of birth: 14 September 2016");
        read.assert_says("Date: 31 December 2026");
        read.assert_says("Our reference: EHC-2026-0042");
        read.assert_says("Anyshire SENDIASS");
        read.assert_says("Yours sincerely");
        read.assert_says(&format!("Page 1 of {}", read.pages));
    }
    Ok(())
}

#[test]
fn refusal_letters_give_reasons_appeal_rights_mediation_deadline_and_advice() -> TestResult {
    for (kind, decision) in [
        (
            LetterKind::NotAssessing,
            "We have decided not to carry out an education, health and care (EHC) needs \
             assessment for Zoë O’Connor-Smith.",
        ),
        (
            LetterKind::NotIssuing,
            "We have decided not to issue an EHC plan.",
        ),
    ] {
        let read = read(&decision_letter(&letter(kind)?)?)?;
        read.assert_says(decision);
        // The reasons, word for word, including the £, dash and curly quotes.
        read.assert_says("Why we made this decision");
        read.assert_says(
            "Zoë’s school already gives support worth £6,000 a year – and it is working.",
        );
        read.assert_says("the “speech and language” therapist.");
        // Appeal, mediation first, the deadline 2 months on (31 December → 28 February).
        read.assert_says(
            "You can appeal to the First-tier Tribunal (Special Educational Needs and Disability).",
        );
        read.assert_says("Before you appeal, you must contact a mediation adviser.");
        read.assert_says("Contact them by 28 February 2027.");
        read.assert_says("The Tribunal must receive your appeal by 28 February 2027.");
        read.assert_says(
            "1 month after the date on the certificate, if that is later than 28 February 2027.",
        );
        read.assert_says("Global Mediation Phone: 0800 064 4488 Email: send@mediation.example");
        read.assert_says("www.gov.uk/special-educational-needs-disability-tribunal");
        read.assert_says("disagreement resolution");
        read.assert_says("Anyshire SENDIASS gives free, impartial and confidential information");
        read.assert_says("Website: www.anyshire-sendiass.example");
    }
    Ok(())
}

#[test]
fn a_letter_that_can_be_appealed_is_not_written_without_its_deadlines() -> TestResult {
    for kind in [
        LetterKind::NotAssessing,
        LetterKind::NotIssuing,
        LetterKind::FinalPlanIssued,
    ] {
        let mut undated = letter(kind)?;
        undated.appeal = None;
        assert_eq!(
            decision_letter(&undated),
            Err(LetterError::MissingAppealDeadlines)
        );
    }
    // A decision to assess gives no right of appeal, so needs none.
    let mut assessing = letter(LetterKind::Assessing)?;
    assessing.appeal = None;
    assert!(decision_letter(&assessing).is_ok());
    Ok(())
}

#[test]
fn final_plan_letter_gives_the_right_of_appeal_about_sections_b_f_and_i() -> TestResult {
    let read = read(&decision_letter(&letter(LetterKind::FinalPlanIssued)?)?)?;
    read.assert_says(
        "We have finalised the education, health and care (EHC) plan for Zoë O’Connor-Smith.",
    );
    read.assert_says("Section I of the plan names Brook Lane Primary School.");
    read.assert_says(
        "section B, the description of Zoë O’Connor-Smith's special educational needs",
    );
    read.assert_says("section F, the special educational provision");
    read.assert_says("section I, the school or other institution named");
    read.assert_says(
        "Before you appeal about section B or F, you must contact a mediation adviser.",
    );
    read.assert_says("You do not need to if your appeal is only about section I.");
    read.assert_says("The Tribunal must receive your appeal by 28 February 2027.");
    Ok(())
}

#[test]
fn assessing_letter_explains_next_steps_and_gives_no_appeal() -> TestResult {
    let read = read(&decision_letter(&letter(LetterKind::Assessing)?)?)?;
    read.assert_says("We have decided to carry out an education, health and care (EHC) needs assessment for Zoë O’Connor-Smith.");
    read.assert_says("What happens next");
    read.assert_says("within 16 weeks");
    read.assert_says("within 20 weeks");
    read.assert_does_not_say("First-tier Tribunal");
    Ok(())
}

#[test]
fn letter_to_a_young_person_speaks_to_them() -> TestResult {
    let mut to_them = letter(LetterKind::NotAssessing)?;
    to_them.addressed_to = Addressee::YoungPerson;
    to_them.recipient_name = "Zoë O’Connor-Smith".into();
    let read = read(&decision_letter(&to_them)?)?;
    read.assert_says("Young person: Zoë O’Connor-Smith");
    read.assert_says("needs assessment for you.");
    Ok(())
}

#[test]
fn a_refusal_without_reasons_is_not_written() -> TestResult {
    for kind in [LetterKind::NotAssessing, LetterKind::NotIssuing] {
        let mut no_reasons = letter(kind)?;
        no_reasons.reasons = " \n\t\n".into();
        assert_eq!(
            decision_letter(&no_reasons),
            Err(LetterError::MissingReasons)
        );
    }
    // A decision to assess needs none.
    let mut assessing = letter(LetterKind::Assessing)?;
    assessing.reasons = String::new();
    assert!(decision_letter(&assessing).is_ok());
    Ok(())
}

#[test]
fn pdf_is_tagged_titled_and_in_british_english() -> TestResult {
    let read = read(&decision_letter(&letter(LetterKind::NotAssessing)?)?)?;
    let catalog = read.doc.catalog()?;
    assert_eq!(catalog.get(b"Lang")?.as_str()?, b"en-GB");
    assert!(catalog.get(b"StructTreeRoot").is_ok(), "no structure tree");
    assert!(catalog.get(b"Outlines").is_ok(), "no bookmarks");
    let info = read.doc.trailer.get(b"Info")?.as_reference()?;
    let title = read.doc.get_dictionary(info)?.get(b"Title")?;
    let title = lopdf::decode_text_string(title)?;
    assert_eq!(
        title,
        "Decision not to carry out an education, health and care needs assessment – Zoë O’Connor-Smith"
    );
    Ok(())
}

#[test]
fn plan_has_a_title_page_and_every_section_under_its_statutory_heading_in_order() -> TestResult {
    let mut final_plan = plan(PlanStatus::Final, sections(PARAGRAPH, 1))?;
    final_plan.sections.i = "Brook Lane Primary School, Anytown (mainstream)".into();
    final_plan.sections.d = String::new();
    let read = read(&ehc_plan(&final_plan)?)?;
    read.assert_a4()?;
    read.assert_says("Education, health and care plan Zoë O’Connor-Smith");
    read.assert_says("Date of birth: 14 September 2016");
    read.assert_says("Local authority: Anyshire County Council");
    read.assert_says("Case reference: EHC-2026-0042");
    read.assert_says("Status: Final, version 2");
    read.assert_says("Date issued: 4 March 2026");
    read.assert_says(
        "Section A: The views, interests and aspirations of the child and their parents, or of \
         the young person",
    );
    read.assert_says("Brook Lane Primary School, Anytown (mainstream)");
    read.assert_says("Nothing is recorded in this section.");
    read.assert_does_not_say("DRAFT");

    let mut at = 0;
    for section in PlanSection::ALL {
        let heading = section.heading();
        let found = read.text[at..].find(&heading);
        assert!(found.is_some(), "{heading:?} is missing or out of order");
        at += found.unwrap_or(0) + heading.len();
    }
    // The footer on every page.
    for page in 1..=read.pages {
        read.assert_says(&format!(
            "EHC plan · Case reference: EHC-2026-0042 Page {page} of {}",
            read.pages
        ));
    }
    Ok(())
}

#[test]
fn draft_plan_says_draft_and_leaves_section_i_blank() -> TestResult {
    let read = read(&ehc_plan(&plan(
        PlanStatus::Draft,
        sections(PARAGRAPH, 1),
    )?)?)?;
    read.assert_says("DRAFT");
    read.assert_says("DRAFT – version 2");
    read.assert_says("Status: Draft, version 2");
    read.assert_says("Date of this draft: 4 March 2026");
    read.assert_says("at least 15 days");
    read.assert_says(
        &DRAFT_SECTION_I
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    );
    read.assert_says("Section I is left blank in a draft plan (regulation 13(1)(b)");
    Ok(())
}

#[test]
fn a_draft_that_names_a_school_is_refused() -> TestResult {
    let mut draft = plan(PlanStatus::Draft, sections(PARAGRAPH, 1))?;
    draft.sections.i = "Brook Lane Primary School".into();
    assert_eq!(
        ehc_plan(&draft),
        Err(LetterError::DraftNamesPlacement(
            "Brook Lane Primary School".into()
        ))
    );
    Ok(())
}

#[test]
fn longer_sections_make_more_pages_and_every_page_is_numbered() -> TestResult {
    let short = read(&ehc_plan(&plan(
        PlanStatus::Final,
        sections(PARAGRAPH, 1),
    )?)?)?;
    let long = read(&ehc_plan(&plan(
        PlanStatus::Final,
        sections(PARAGRAPH, 12),
    )?)?)?;
    assert!(short.pages >= 2, "title page and sections: {}", short.pages);
    assert!(
        long.pages > short.pages + 5,
        "{} pages then {}",
        short.pages,
        long.pages
    );
    for page in 1..=long.pages {
        long.assert_says(&format!("Page {page} of {}", long.pages));
    }
    // Nothing lost across the page breaks: every paragraph is there.
    let paragraph = PARAGRAPH.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(long.text.matches(&paragraph).count(), 11 * 12);
    Ok(())
}

/// Strings that have broken text layout code before.
const AWKWARD: &[&str] = &[
    "",
    " ",
    "\n\n\n",
    "\t\tTabbed\tout\t",
    "Line one\r\nLine two\rLine three\u{2028}four",
    "Zoë O’Connor-Smith – £1,000 “quoted” ‘single’ … €5 naïve Łódź Ørsted Ἀθῆναι Дмитрий",
    "👍🏽 👨‍👩‍👧 emoji 🎉 and CJK 日本語 and Arabic مرحبا and Devanagari नमस्ते",
    "\u{0}\u{1}\u{7}\u{1b}[31mcontrol\u{7f}\u{ad}\u{200b}\u{feff}\u{fe0f}",
    "Zoe\u{0308} with a combining mark",
    "\u{10FFFF}\u{E000}\u{FFFD}",
];

fn long_word() -> String {
    "Supercalifragilisticexpialidocious".repeat(40)
}

#[test]
fn awkward_text_never_panics_and_always_gives_a_pdf() -> TestResult {
    let long = long_word();
    let many_lines = "x\n".repeat(500);
    let mut strings: Vec<&str> = AWKWARD.to_vec();
    strings.push(&long);
    strings.push(&many_lines);
    for s in strings {
        let mut l = letter(LetterKind::NotIssuing)?;
        l.la_name = s.into();
        l.la_address = vec![s.into(), s.into()];
        l.reference = s.into();
        l.recipient_name = s.into();
        l.recipient_address = vec![s.into()];
        l.child_name = s.into();
        l.reasons = format!("Reasons: {s}");
        l.caseworker.name = s.into();
        l.mediation_service.name = s.into();
        l.information_service.phone = s.into();
        l.placement = Some(s.into());
        for kind in [LetterKind::NotIssuing, LetterKind::FinalPlanIssued] {
            l.kind = kind;
            let read = read(&decision_letter(&l)?)?;
            assert!(read.pages >= 1);
        }

        let mut p = plan(PlanStatus::Final, sections(s, 2))?;
        p.la_name = s.into();
        p.reference = s.into();
        p.child_name = s.into();
        p.sections.i = s.into();
        assert!(read(&ehc_plan(&p)?)?.pages >= 2);
    }
    Ok(())
}

#[test]
fn characters_the_font_lacks_become_question_marks() -> TestResult {
    let mut l = letter(LetterKind::NotAssessing)?;
    l.reasons = "Thumbs up 👍🏽 and family 👨‍👩‍👧 and 日本".into();
    let read = read(&decision_letter(&l)?)?;
    read.assert_says("Thumbs up ? and family ??? and ??");
    Ok(())
}

#[test]
fn a_word_longer_than_a_line_is_broken_and_kept_whole() -> TestResult {
    let mut l = letter(LetterKind::NotAssessing)?;
    // Four lines' worth: long enough to break, short enough to stay on one page (the footer
    // would read back in the middle of it otherwise).
    let word = "Supercalifragilisticexpialidocious".repeat(8);
    l.reasons = word.clone();
    let read = read(&decision_letter(&l)?)?;
    // Broken across lines, so it reads back with line breaks (spaces) inside it.
    assert!(!read.text.contains(&word), "not broken");
    let without_spaces: String = read.text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(without_spaces.contains(&word), "not whole");
    Ok(())
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Any text at all, in any field, gives a PDF (or, for blank reasons, the refusal).
        #[test]
        fn any_text_gives_a_pdf(name in "\\PC{0,40}", text in any::<String>()) {
            let Ok(mut l) = letter(LetterKind::NotAssessing) else { return Err(TestCaseError::fail("fixture")) };
            l.child_name = name.clone();
            l.recipient_name = text.clone();
            l.reasons = text.clone();
            match decision_letter(&l) {
                Ok(pdf) => prop_assert!(pdf.starts_with(b"%PDF-")),
                Err(e) => prop_assert_eq!(e, LetterError::MissingReasons),
            }
            let Ok(mut p) = plan(PlanStatus::Draft, sections(&text, 1)) else { return Err(TestCaseError::fail("fixture")) };
            p.child_name = name;
            p.sections.i = String::new();
            let pdf = ehc_plan(&p);
            prop_assert!(pdf.is_ok_and(|pdf| pdf.starts_with(b"%PDF-")));
        }
    }
}
