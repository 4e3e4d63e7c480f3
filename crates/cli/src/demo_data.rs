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
    PlanSections, Request, ReviewOutcome,
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

/// The authority's schools and settings.
fn settings_for(dice: &mut Dice, la: &LaCode, schools: usize) -> Vec<Setting> {
    let urn_base = 100_000 + (la.as_str().parse::<u32>().unwrap_or(0) % 900) * 1_000;
    (0..schools)
        .map(|n| {
            let (name, ptype, phase) = school_name(dice, n);
            Setting {
                urn: (urn_base + n as u32).to_string(),
                name,
                placement_type: ptype.to_string(),
                phase: phase.to_string(),
                la_code: la.as_str().to_string(),
            }
        })
        .collect()
}

/// How often requests go on to an assessment and a plan, and whether plans cease.
#[derive(Debug, Clone, Copy)]
struct Rates {
    /// The share of requests the LA agrees to assess.
    assess: f64,
    /// The share of assessments that lead to a plan.
    issue: f64,
    /// Whether plans cease (the young person leaves education, moves away, or needs are met).
    cease: bool,
}

/// England's rates: about three quarters of requests assessed, most assessments issued.
const NATIONAL_RATES: Rates = Rates {
    assess: 0.76,
    issue: 0.93,
    cease: true,
};

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
    let actor = demo_actor(la);
    let settings = settings_for(&mut dice, la, size.schools);
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
        // Older requests are the plans the authority maintains; recent ones are at every
        // stage, decided at England's rates.
        let rates = if recent {
            Rates {
                cease: false,
                ..NATIONAL_RATES
            }
        } else {
            Rates {
                assess: 1.0,
                issue: 1.0,
                cease: false,
            }
        };
        match one_case(
            &mut dice,
            &actor,
            la,
            today,
            &settings,
            caseworkers,
            n,
            received,
            rates,
        ) {
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

fn demo_actor(la: &LaCode) -> Actor {
    Actor {
        user: "demo".to_string(),
        role: Role::Admin,
        la: la.clone(),
    }
}

/// Builds the `n`th case of an authority, received on `received`.
#[allow(clippy::too_many_arguments)]
fn one_case(
    dice: &mut Dice,
    actor: &Actor,
    la: &LaCode,
    today: NaiveDate,
    settings: &[Setting],
    caseworkers: &[String],
    n: usize,
    received: NaiveDate,
    rates: Rates,
) -> Option<ImportedCase> {
    let dob = received - dice.days(365 * 2, 365 * 17);
    let caseworker = caseworkers
        .get(dice.0.usize(..caseworkers.len().max(1)))
        .cloned();
    let reference = format!("EHC-{}-{:06}", la.as_str(), n + 1);
    build_case(
        dice, actor, la, today, settings, reference, received, dob, caseworker, rates,
    )
}

/// The national demo: how many requests each of 153 authorities received over the ten years
/// to today (about 1.5 million in all), from a few hundred to over thirty thousand, as
/// English authorities differ.
pub fn national_sizes(seed: u64) -> Vec<usize> {
    let mut dice = Dice(fastrand::Rng::with_seed(seed ^ 0x5eed));
    // Log-normal weights (σ 0.65), the first (the demo authority) a typical county.
    let weights: Vec<f64> = (0..NATIONAL_LAS)
        .map(|i| {
            if i == 0 {
                return 1.0;
            }
            let (u, v) = (dice.0.f64().max(1e-9), dice.0.f64());
            let normal = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
            (0.65 * normal).exp().clamp(0.05, 4.5)
        })
        .collect();
    let total: f64 = weights.iter().sum();
    weights
        .iter()
        .map(|w| ((NATIONAL_REQUESTS as f64) * w / total).round() as usize)
        .collect()
}

/// Local authorities in England with SEND duties.
pub const NATIONAL_LAS: usize = 153;
/// Requests for an EHC needs assessment in England over ten years, roughly.
pub const NATIONAL_REQUESTS: usize = 1_500_000;
/// Each year's requests against the year before (requests have grown every year).
const YEARLY_GROWTH: f64 = 1.08;

/// Cases handed over in one piece while a national authority is generated.
pub const CHUNK: usize = 5_000;

/// Generates a national authority: `requests` received over the ten years to `today`, more
/// each year, decided at England's rates, plans reviewed every year and some ceased. Cases
/// go to `emit` in chunks of [`CHUNK`] as they are made, so an authority of any size fits in
/// memory; returns the schools and settings (made first) and the cases it could not build.
pub fn generate_national(
    seed: u64,
    la: &LaCode,
    requests: usize,
    caseworkers: &[String],
    today: NaiveDate,
    mut emit: impl FnMut(Vec<ImportedCase>),
) -> (Vec<Setting>, usize) {
    let mut dice = Dice(fastrand::Rng::with_seed(seed));
    let actor = demo_actor(la);
    let settings = settings_for(&mut dice, la, (requests / 40).clamp(20, 900));
    // Year k back from today has weight growth^-k.
    let weights: Vec<f64> = (0..10).map(|k| YEARLY_GROWTH.powi(-k)).collect();
    let total: f64 = weights.iter().sum();
    let mut skipped = 0;
    let mut chunk = Vec::with_capacity(CHUNK);
    for n in 0..requests {
        let mut roll = dice.0.f64() * total;
        let mut year = 0_i64;
        for (k, w) in weights.iter().enumerate() {
            if roll < *w {
                year = k as i64;
                break;
            }
            roll -= w;
        }
        let received = today - dice.days(365 * year, 365 * year + 364);
        match one_case(
            &mut dice,
            &actor,
            la,
            today,
            &settings,
            caseworkers,
            n,
            received,
            NATIONAL_RATES,
        ) {
            Some(case) => chunk.push(case),
            None => skipped += 1,
        }
        if chunk.len() == CHUNK {
            emit(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)));
        }
    }
    if !chunk.is_empty() {
        emit(chunk);
    }
    (settings, skipped)
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
    rates: Rates,
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
    let assess = dice.chance(rates.assess);
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
    let issue = dice.chance(rates.issue);
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
    if final_on <= today
        && b.case.consultations.iter().all(|c| c.responded.is_some())
        && b.run(Command::IssueFinalPlan {
            version: 1,
            on: final_on,
            placement: placement(school),
        })
    {
        maintain(&mut b, dice, final_on, rates.cease);
    }
    Some(done(b, reference))
}

/// The plan's life after it was issued on `issued`: a review meeting about every 12 months
/// (some late), the decision after it (most within 4 weeks), amendments after some, and,
/// when plans `cease`, the plan ceased some years on.
fn maintain(b: &mut Builder<'_>, dice: &mut Dice, issued: NaiveDate, cease: bool) {
    let today = b.today;
    // About two plans in five issued in ten years have ceased, as England's figures show
    // (some 640,000 maintained).
    let ceases_on = (cease && dice.chance(0.9))
        .then(|| issued + dice.days(365, 365 * 9))
        .filter(|on| *on <= today);
    let end = ceases_on.unwrap_or(today);
    let mut last = issued;
    loop {
        let meeting = last
            + if dice.chance(0.8) {
                dice.days(330, 365)
            } else {
                dice.days(366, 480)
            };
        if meeting > end {
            break;
        }
        if !b.run(Command::RecordReviewMeeting { on: meeting }) {
            return;
        }
        let number = b.case.reviews.last().map_or(1, |r| r.number);
        let decided = meeting
            + if dice.chance(0.75) {
                dice.days(3, 28)
            } else {
                dice.days(29, 70)
            };
        if decided > today {
            return;
        }
        let outcome = if dice.chance(0.2) {
            ReviewOutcome::Amend
        } else {
            ReviewOutcome::Maintain
        };
        if !b.run(Command::DecideAfterReview {
            number,
            on: decided,
            outcome,
            reasons: String::new(),
        }) {
            return;
        }
        if outcome == ReviewOutcome::Amend {
            let sent = decided + dice.days(1, 21);
            if sent <= today && b.run(Command::SendProposedAmendments { number, on: sent }) {
                let amended = sent
                    + if dice.chance(0.6) {
                        dice.days(16, 56)
                    } else {
                        dice.days(57, 120)
                    };
                if amended <= today {
                    b.run(Command::IssueAmendedPlan {
                        number,
                        on: amended,
                    });
                }
            }
        }
        last = meeting;
    }
    if let Some(on) = ceases_on {
        b.run(Command::CloseCase {
            on,
            reason: ClosureReason::Ceased {
                cease_reason: dice.pick(&["1", "2", "3", "4", "5", "6"]).to_string(),
            },
        });
    }
}

fn done(b: Builder<'_>, reference: String) -> ImportedCase {
    ImportedCase {
        reference,
        events: b.events,
        case: b.case,
    }
}
