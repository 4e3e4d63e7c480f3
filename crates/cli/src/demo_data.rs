//! Synthetic local authority data for `waymark demo`: fictional children, schools and
//! organisations, and cases at every stage, built through the domain's own `decide` so that
//! every demo case is one a caseworker could have produced. Reproducible from a seed.
//!
//! The shares are set to look like England's published figures (roughly half of plans
//! issued within 20 weeks, a quarter of requests refused assessment, a few per cent with
//! exceptions), so dashboards show something a council would recognise.

use chrono::{Datelike, Duration, NaiveDate};
use waymark_domain::LaCode;
use waymark_domain::Upn;
use waymark_domain::actor::{Actor, Role};
use waymark_domain::case::{
    Address, AdviceKind, Case, Child, ClosureReason, ContactPreference, ParentCarer, Placement,
    PlanSections, Request,
};
use waymark_domain::clock::ExceptionKind;
use waymark_domain::command::{Command, NewRequest, decide, decide_new};
use waymark_domain::event::Event;
use waymark_domain::import::ImportedCase;
use waymark_domain::upn::upn_check_letter;
use waymark_store::Setting;

const GIVEN: &[&str] = &[
    "Aarav", "Abigail", "Alfie", "Amara", "Amelia", "Arlo", "Aisha", "Bella", "Bilal", "Caleb",
    "Chloe", "Daisy", "Dylan", "Ebony", "Eli", "Elsie", "Evie", "Ezra", "Farah", "Finley", "Freya",
    "George", "Grace", "Hamza", "Harper", "Harvey", "Ibrahim", "Imogen", "Isaac", "Isla", "Jack",
    "Jasper", "Kai", "Kiera", "Leo", "Lily", "Luca", "Maya", "Mila", "Mohammed", "Nia", "Noah",
    "Olivia", "Oscar", "Poppy", "Priya", "Reuben", "Rosie", "Rumi", "Sami", "Sienna", "Sofia",
    "Theo", "Tobias", "Willow", "Yusuf", "Zara", "Zain",
];
const FAMILY: &[&str] = &[
    "Ashdown",
    "Blackwood",
    "Brightwater",
    "Calloway",
    "Coleridge",
    "Dunmore",
    "Elsworth",
    "Fairbairn",
    "Fenwick",
    "Greystone",
    "Halloran",
    "Holloway",
    "Ingleby",
    "Jessop",
    "Kettleby",
    "Larkspur",
    "Marchbank",
    "Mbeki",
    "Northcote",
    "Oakridge",
    "Okonkwo",
    "Penhallow",
    "Quarrington",
    "Rahman",
    "Rushworth",
    "Sandoval",
    "Stanwick",
    "Thornbury",
    "Underhill",
    "Varga",
    "Whitlow",
    "Yardley",
    "Zielinski",
    "Adeyemi",
    "Byrne",
    "Chaudhry",
    "Dimitriou",
    "Eriksen",
    "Fitzgerald",
    "Gallagher",
    "Hussain",
    "Iqbal",
    "Kowalczyk",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "O'Sullivan",
    "Petrovic",
    "Quinn",
];
const PLACES: &[&str] = &[
    "Ashford",
    "Birchwood",
    "Castlegate",
    "Dale End",
    "Elmstead",
    "Fernhill",
    "Glenside",
    "Harrowby",
    "Ivydene",
    "Juniper Hill",
    "Kingsmead",
    "Longmoor",
    "Millbrook",
    "Northby",
    "Oakfield",
    "Parkside",
    "Queensway",
    "Riverside",
    "St Aidan's",
    "Thornfield",
    "Upton",
    "Valley Road",
    "Westgate",
    "Yew Tree",
];
const NEEDS: &[(&str, u32)] = &[
    ("ASD", 33),
    ("SLCN", 21),
    ("SEMH", 15),
    ("MLD", 8),
    ("SPLD", 4),
    ("SLD", 5),
    ("PD", 4),
    ("PMLD", 2),
    ("HI", 2),
    ("VI", 1),
    ("DS", 2),
    ("MSI", 1),
    ("OTH", 2),
];

/// How big a local authority to make.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    /// Plans issued in earlier years and still maintained.
    pub active_plans: usize,
    /// Requests received in the last 12 months, at every stage.
    pub recent_requests: usize,
    /// Schools and settings in the register.
    pub schools: usize,
}

impl Size {
    /// A typical English county: about 6,000 plans and 2,000 requests a year.
    pub const LA: Size = Size {
        active_plans: 6_000,
        recent_requests: 2_000,
        schools: 240,
    };

    /// A size scaled from the typical one, for the national demo.
    pub fn scaled(factor: f64) -> Size {
        let scale = |n: usize| ((n as f64) * factor).round().max(1.0) as usize;
        Size {
            active_plans: scale(Self::LA.active_plans),
            recent_requests: scale(Self::LA.recent_requests),
            schools: scale(Self::LA.schools).max(20),
        }
    }
}

/// A generated local authority.
pub struct DemoLa {
    /// Its cases, with their events.
    pub cases: Vec<ImportedCase>,
    /// Its schools and settings.
    pub settings: Vec<Setting>,
    /// Cases the generator could not complete (should be none; counted, never hidden).
    pub skipped: usize,
}

/// The random choices, from a seed.
struct Dice(fastrand::Rng);

impl Dice {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.0.usize(..items.len())]
    }
    fn chance(&mut self, p: f64) -> bool {
        self.0.f64() < p
    }
    fn days(&mut self, low: i64, high: i64) -> Duration {
        Duration::days(self.0.i64(low..=high))
    }
    fn weighted_need(&mut self, not: &[String]) -> String {
        loop {
            let total: u32 = NEEDS.iter().map(|(_, w)| w).sum();
            let mut roll = self.0.u32(..total);
            for (code, weight) in NEEDS {
                if roll < *weight {
                    if !not.iter().any(|n| n == code) {
                        return (*code).to_string();
                    }
                    break;
                }
                roll -= weight;
            }
        }
    }
}

/// Builds one case by running commands through `decide`, stopping at the first date that
/// has not come yet.
struct Builder<'a> {
    case: Case,
    events: Vec<Event>,
    actor: &'a Actor,
    today: NaiveDate,
}

impl Builder<'_> {
    /// Runs a command; returns false (and changes nothing) if it is refused.
    fn run(&mut self, command: Command) -> bool {
        match decide(&self.case, &command, self.actor, self.today) {
            Ok(events) => {
                for e in &events {
                    self.case.apply(e);
                }
                self.events.extend(events);
                true
            }
            Err(_) => false,
        }
    }
}

fn school_name(dice: &mut Dice, n: usize) -> (String, &'static str, &'static str) {
    let place = PLACES[n % PLACES.len()];
    let roll = dice.0.u32(..100);
    let (kind, ptype, phase) = match roll {
        0..=54 => ("Primary School", "MS", "Primary"),
        55..=74 => ("Academy", "MS", "Secondary"),
        75..=81 => ("School (resourced provision)", "RP", "Primary"),
        82..=91 => ("Special School", "SS", "All-through"),
        92..=96 => ("College", "MS", "16 plus"),
        _ => ("Independent Special School", "IND", "All-through"),
    };
    let second = if n >= PLACES.len() {
        format!(
            " {}",
            dice.pick(&["Park", "Hill", "Green", "Vale", "Meadow", "Church"])
        )
    } else {
        String::new()
    };
    (format!("{place}{second} {kind}"), ptype, phase)
}

fn upn_for(dice: &mut Dice, la: &LaCode, year: i32) -> Option<Upn> {
    let body = format!(
        "{}{:04}{:02}{:03}",
        la.as_str(),
        dice.0.u32(2000..7999),
        year.rem_euclid(100),
        dice.0.u32(0..999)
    );
    let letter = upn_check_letter(&body)?;
    Upn::parse(&format!("{letter}{body}")).ok()
}

/// Streets of the fictional town.
const STREETS: &[&str] = &[
    "Mill Lane",
    "Church Road",
    "Station Road",
    "Park Avenue",
    "Victoria Street",
    "Orchard Close",
    "Riverside Walk",
    "Queens Drive",
    "Beech Grove",
    "Canal Street",
];

fn child(dice: &mut Dice, la: &LaCode, dob: NaiveDate, settings: &[Setting]) -> Child {
    let family_name = dice.pick(FAMILY).to_string();
    let parent_given = dice.pick(GIVEN);
    let address = Address {
        lines: vec![format!("{} {}", dice.0.u32(1..180), dice.pick(STREETS))],
        town: "Northby".to_string(),
        postcode: format!(
            "NB{} {}{}{}",
            dice.0.u32(1..20),
            dice.0.u32(1..10),
            char::from(b'A' + dice.0.u8(0..26)),
            char::from(b'A' + dice.0.u8(0..26))
        ),
    };
    // Children of school age attend one of the authority's settings.
    let school = (!settings.is_empty() && dob.year() < 2022)
        .then(|| placement(&settings[dice.0.usize(0..settings.len())]));
    Child {
        given_name: dice.pick(GIVEN).to_string(),
        family_name: family_name.clone(),
        date_of_birth: dob,
        upn: if dice.chance(0.92) {
            upn_for(dice, la, dob.year() + 5)
        } else {
            None
        },
        uln: None,
        nhs_number: None,
        address: Some(address),
        parents: vec![ParentCarer {
            name: format!("{parent_given} {family_name}"),
            relationship: dice
                .pick(&["Mother", "Father", "Carer", "Grandparent"])
                .to_string(),
            email: Some(format!("parent.{}@example.org", dice.0.u32(1000..99999))),
            phone: Some(format!("07700 900{:03}", dice.0.u32(0..1000))),
            contact_preference: if dice.chance(0.7) {
                ContactPreference::Email
            } else {
                ContactPreference::Phone
            },
        }],
        school,
    }
}

fn placement(setting: &Setting) -> Placement {
    Placement {
        urn: Some(setting.urn.clone()),
        setting_code: None,
        name: setting.name.clone(),
        placement_type: setting.placement_type.clone(),
    }
}

/// Generates one local authority's data. `caseworkers` are the user references cases are
/// allocated to; `today` bounds every date.
pub fn generate(
    seed: u64,
    la: &LaCode,
    size: Size,
    caseworkers: &[String],
    today: NaiveDate,
) -> DemoLa {
    let mut dice = Dice(fastrand::Rng::with_seed(seed));
    let actor = Actor {
        user: "demo".to_string(),
        role: Role::Admin,
        la: la.clone(),
    };
    let urn_base = 100_000 + (la.as_str().parse::<u32>().unwrap_or(0) % 900) * 1_000;
    let settings: Vec<Setting> = (0..size.schools)
        .map(|n| {
            let (name, ptype, phase) = school_name(&mut dice, n);
            Setting {
                urn: (urn_base + n as u32).to_string(),
                name,
                placement_type: ptype.to_string(),
                phase: phase.to_string(),
                la_code: la.as_str().to_string(),
            }
        })
        .collect();
    let mut cases = Vec::with_capacity(size.active_plans + size.recent_requests);
    let mut skipped = 0;
    let total = size.active_plans + size.recent_requests;
    for n in 0..total {
        let recent = n >= size.active_plans;
        let received = if recent {
            today - dice.days(0, 364)
        } else {
            today - dice.days(365, 365 * 8)
        };
        let dob = received - dice.days(365 * 2, 365 * 17);
        let caseworker = caseworkers
            .get(dice.0.usize(..caseworkers.len().max(1)))
            .cloned();
        let reference = format!("EHC-{}-{:06}", la.as_str(), n + 1);
        let built = build_case(
            &mut dice, &actor, la, today, &settings, reference, received, dob, caseworker, recent,
        );
        match built {
            Some(case) => cases.push(case),
            None => skipped += 1,
        }
    }
    DemoLa {
        cases,
        settings,
        skipped,
    }
}

#[allow(clippy::too_many_arguments)]
fn build_case(
    dice: &mut Dice,
    actor: &Actor,
    la: &LaCode,
    today: NaiveDate,
    settings: &[Setting],
    reference: String,
    received: NaiveDate,
    dob: NaiveDate,
    caseworker: Option<String>,
    recent: bool,
) -> Option<ImportedCase> {
    let new = NewRequest {
        reference: reference.clone(),
        child: child(dice, la, dob, settings),
        request: Request {
            received,
            source: dice
                .pick(&["PAR", "PAR", "PAR", "EDU", "EDU", "HLT", "SOC", "YPE"])
                .to_string(),
            reasons: "The child is not making expected progress despite SEN support.".to_string(),
        },
    };
    let events = decide_new(&new, actor, today).ok()?;
    let case = Case::from_events(la.clone(), &events).ok()?;
    let mut b = Builder {
        case,
        events,
        actor,
        today,
    };
    if let Some(cw) = caseworker {
        let allocated = Event::CaseworkerAllocated {
            caseworker: cw,
            note: None,
        };
        b.case.apply(&allocated);
        b.events.push(allocated);
    }
    // Exceptions on a few cases, recorded early (reg 5(4), 8(2), 10(4), 13(3)).
    if dice.chance(0.06) {
        let from = received + dice.days(10, 60);
        let (kind, to) = if dice.chance(0.5) {
            (
                ExceptionKind::AbsentFromArea,
                Some(from + dice.days(28, 70)),
            )
        } else {
            (
                ExceptionKind::ExceptionalPersonalCircumstances,
                Some(from + dice.days(7, 40)),
            )
        };
        if to.is_some_and(|t| t <= today) {
            b.run(Command::RecordException {
                kind,
                from,
                to,
                note: "Family told us; evidence on file.".to_string(),
            });
        }
    }
    // Decide whether to assess: most in about 6 weeks, some late.
    let decided = received
        + if dice.chance(0.85) {
            dice.days(20, 42)
        } else {
            dice.days(43, 90)
        };
    if decided > today {
        return Some(done(b, reference));
    }
    let assess = !recent || dice.chance(0.75);
    if !b.run(Command::DecideWhetherToAssess {
        on: decided,
        yes: assess,
        reasons: if assess {
            String::new()
        } else {
            "The school can meet the child's needs through SEN support.".to_string()
        },
    }) {
        return None;
    }
    if !assess {
        if dice.chance(0.5) && decided + Duration::days(60) <= today {
            b.run(Command::CloseCase {
                on: decided + Duration::days(60),
                reason: ClosureReason::NoPlan,
            });
        }
        return Some(done(b, reference));
    }
    // Advice from education, EP and health; social care for some.
    let mut kinds = vec![
        (AdviceKind::Education, "The child's school".to_string()),
        (
            AdviceKind::EducationalPsychology,
            "County Educational Psychology Service".to_string(),
        ),
        (
            AdviceKind::Health,
            dice.pick(&[
                "Riverside NHS Trust",
                "Northby Community Health",
                "Vale Hospitals NHS Trust",
            ])
            .to_string(),
        ),
    ];
    if dice.chance(0.3) {
        kinds.push((AdviceKind::SocialCare, "Children's Social Care".to_string()));
    }
    let asked = decided + dice.days(0, 5);
    let mut last_advice = asked;
    for (number, (kind, organisation)) in kinds.into_iter().enumerate() {
        if asked > today
            || !b.run(Command::RequestAdvice {
                kind,
                organisation,
                on: asked,
            })
        {
            return Some(done(b, reference));
        }
        let back = asked
            + if dice.chance(0.7) {
                dice.days(20, 42)
            } else {
                dice.days(43, 110)
            };
        if back <= today {
            b.run(Command::RecordAdviceReceived {
                number: number as u32 + 1,
                on: back,
                document: None,
            });
            last_advice = last_advice.max(back);
        }
    }
    if b.case.advice.iter().any(|a| a.received.is_none()) {
        return Some(done(b, reference));
    }
    let issue_on = last_advice + dice.days(3, 20);
    if issue_on > today {
        return Some(done(b, reference));
    }
    let issue = !recent || dice.chance(0.92);
    if !b.run(Command::DecideWhetherToIssue {
        on: issue_on,
        yes: issue,
        reasons: if issue {
            String::new()
        } else {
            "The assessment shows needs can be met from the school's resources.".to_string()
        },
    }) || !issue
    {
        return Some(done(b, reference));
    }
    let mut needs = vec![dice.weighted_need(&[])];
    if dice.chance(0.5) {
        let second = dice.weighted_need(&needs);
        needs.push(second);
    }
    b.run(Command::RecordSenNeeds {
        ranked: needs.clone(),
    });
    // The plan is written the day after the decision, not on the day the demo is made.
    let real_today = b.today;
    b.today = (issue_on + Duration::days(1)).min(real_today);
    b.run(Command::SavePlan {
        sections: PlanSections {
            a: "Likes music, animals and being outdoors. Wants to make friends and learn to read."
                .to_string(),
            b: format!("Primary need: {}.", needs.join(", then ")),
            e: "By the end of key stage: to communicate needs to familiar adults.".to_string(),
            f: "Small-group support daily; speech and language therapy each half term.".to_string(),
            ..PlanSections::default()
        },
    });
    b.today = real_today;
    let served = issue_on + dice.days(1, 14);
    if served > today
        || !b.run(Command::ServeDraft {
            version: 1,
            on: served,
        })
    {
        return Some(done(b, reference));
    }
    if dice.chance(0.4) && served + Duration::days(10) <= today {
        b.run(Command::RecordRepresentations {
            on: served + dice.days(3, 14),
            requested_school: None,
        });
    }
    let school = &settings[dice.0.usize(..settings.len())];
    let consulted = served + dice.days(1, 7);
    if consulted <= today
        && b.run(Command::ConsultSchool {
            setting: placement(school),
            on: consulted,
        })
    {
        let answer = consulted + dice.days(5, 30);
        if answer <= today {
            b.run(Command::RecordConsultationResponse {
                number: 1,
                on: answer,
                agreed: true,
            });
        }
    }
    // Final plan: about half within 20 weeks.
    let target = received + Duration::weeks(20);
    let final_on = if dice.chance(0.5) {
        target - dice.days(0, 21)
    } else {
        target + dice.days(1, 120)
    }
    .max(served + Duration::days(15));
    if final_on <= today && b.case.consultations.iter().all(|c| c.responded.is_some()) {
        b.run(Command::IssueFinalPlan {
            version: 1,
            on: final_on,
            placement: placement(school),
        });
    }
    Some(done(b, reference))
}

fn done(b: Builder<'_>, reference: String) -> ImportedCase {
    ImportedCase {
        reference,
        events: b.events,
        case: b.case,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use waymark_domain::case::Stage;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn small() -> Size {
        Size {
            active_plans: 300,
            recent_requests: 200,
            schools: 30,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_authority() {
        let la = LaCode::parse("202").unwrap();
        let cws = vec!["cw-1".to_string(), "cw-2".to_string()];
        let a = generate(7, &la, small(), &cws, today());
        let b = generate(7, &la, small(), &cws, today());
        assert_eq!(a.cases.len(), b.cases.len());
        assert!(a.cases.iter().zip(&b.cases).all(|(x, y)| x.case == y.case));
        let c = generate(8, &la, small(), &cws, today());
        assert!(a.cases.iter().zip(&c.cases).any(|(x, y)| x.case != y.case));
    }

    #[test]
    fn demo_cases_are_valid_histories_at_every_stage() {
        let la = LaCode::parse("202").unwrap();
        let demo = generate(1, &la, small(), &["cw-1".to_string()], today());
        assert_eq!(demo.skipped, 0);
        assert_eq!(demo.cases.len(), 500);
        for c in &demo.cases {
            assert_eq!(Case::from_events(la.clone(), &c.events).unwrap(), c.case);
        }
        let plans = demo
            .cases
            .iter()
            .filter(|c| c.case.stage == Stage::PlanIssued)
            .count();
        assert!(plans > 250, "{plans} plans");
        for stage in [Stage::Requested, Stage::Assessing, Stage::NotAssessing] {
            assert!(
                demo.cases.iter().any(|c| c.case.stage == stage),
                "no case at {stage:?}"
            );
        }
        assert!(demo.cases.iter().any(|c| !c.case.exceptions.is_empty()));
    }
}
