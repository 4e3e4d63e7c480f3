//! Writes a sample of each decision letter and a draft and final EHC plan to a folder, to look
//! at: `cargo run -p waymark-letters --example samples -- /tmp/letters-sample`.

use std::error::Error;
use std::path::PathBuf;

use chrono::NaiveDate;
use waymark_letters::{
    Addressee, Caseworker, Contact, DecisionLetter, LetterKind, PlanDocument, PlanSections,
    PlanStatus, decision_letter, ehc_plan,
};

fn main() -> Result<(), Box<dyn Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "letters-sample".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).ok_or("bad date");

    let letter = DecisionLetter {
        la_name: "Anyshire County Council".into(),
        la_address: vec![
            "SEND Service".into(),
            "County Hall, Market Street".into(),
            "Anytown AN1 2BC".into(),
        ],
        reference: "EHC-2026-0042".into(),
        date: date(2026, 3, 4)?,
        recipient_name: "Ms Aisha O’Connor-Smith".into(),
        recipient_address: vec!["12 Long Lane".into(), "Anytown".into(), "AN3 4DE".into()],
        addressed_to: Addressee::Parent,
        child_name: "Zoë O’Connor-Smith".into(),
        child_date_of_birth: date(2016, 9, 14)?,
        kind: LetterKind::NotAssessing,
        reasons: "We looked at the request from Zoë’s school, the reports from her speech and \
                  language therapist, and the views you sent us on 2 February 2026.\n\n\
                  The evidence shows that Zoë is making good progress with the support her \
                  school already gives from its own budget (about £6,000 a year). Her school \
                  has not yet tried the “assess, plan, do, review” cycle for a full term with the \
                  advice from the therapist.\n\n\
                  We think her needs can be met without an EHC plan for now. We have asked the \
                  school to hold a review meeting with you before the end of the summer term – \
                  and to tell us if her progress slows."
            .into(),
        caseworker: Caseworker {
            name: "Sam Patel".into(),
            job_title: "EHC coordinator".into(),
            phone: "01234 567890".into(),
            email: "sam.patel@anyshire.gov.uk".into(),
        },
        placement: None,
        mediation_service: Contact {
            name: "Global Mediation".into(),
            phone: "0800 064 4488".into(),
            email: "send@globalmediation.example".into(),
            website: "".into(),
        },
        information_service: Contact {
            name: "Anyshire SENDIASS".into(),
            phone: "01234 598765".into(),
            email: "sendiass@anyshire.example".into(),
            website: "www.anyshire-sendiass.example".into(),
        },
        appeal: Some(waymark_domain::appeal::deadlines(date(2026, 3, 4)?, None)?),
    };
    for (kind, name) in [
        (LetterKind::NotAssessing, "not-assessing"),
        (LetterKind::Assessing, "assessing"),
        (LetterKind::NotIssuing, "not-issuing"),
        (LetterKind::FinalPlanIssued, "final-plan-issued"),
    ] {
        let letter = DecisionLetter {
            kind,
            placement: Some("Brook Lane Primary School (mainstream)".into()),
            ..letter.clone()
        };
        std::fs::write(
            dir.join(format!("letter-{name}.pdf")),
            decision_letter(&letter)?,
        )?;
    }

    let para = "Zoë enjoys drawing, swimming and playing with her younger brother. She wants to \
                be a vet. She finds busy, noisy places hard and likes to know what will happen \
                next. Her parents would like her to make friends at school and to read for \
                pleasure.";
    let sections = PlanSections {
        a: format!("{para}\n\n{para}"),
        b: format!("Communication and interaction\n{para}\n\n{para}\n\n{para}"),
        c: "Zoë has asthma, which is well controlled.".into(),
        d: String::new(),
        e: format!(
            "By the end of key stage 2:\n• Zoë will read a book of her choice.\n• She will \
                    ask an adult for help when she needs it.\n\n{para}"
        ),
        f: format!("{para}\n\n{para}\n\n{para}\n\n{para}"),
        g: "Speech and language therapy: 6 sessions a term.".into(),
        h1: String::new(),
        h2: String::new(),
        i: String::new(),
        j: "No personal budget has been requested.".into(),
        k: "Appendix 1: Parent’s views, 2 February 2026\nAppendix 2: Educational psychology \
            advice, 10 March 2026"
            .into(),
    };
    let draft = PlanDocument {
        la_name: "Anyshire County Council".into(),
        reference: "EHC-2026-0042".into(),
        child_name: "Zoë O’Connor-Smith".into(),
        child_date_of_birth: date(2016, 9, 14)?,
        status: PlanStatus::Draft,
        version: 1,
        date: date(2026, 4, 20)?,
        sections,
    };
    std::fs::write(dir.join("plan-draft.pdf"), ehc_plan(&draft)?)?;
    let mut final_plan = draft.clone();
    final_plan.status = PlanStatus::Final;
    final_plan.version = 2;
    final_plan.date = date(2026, 5, 18)?;
    final_plan.sections.i = "Brook Lane Primary School, Anytown (mainstream primary school)".into();
    std::fs::write(dir.join("plan-final.pdf"), ehc_plan(&final_plan)?)?;
    println!("wrote samples to {}", dir.display());
    Ok(())
}
