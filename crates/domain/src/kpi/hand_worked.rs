//! The figures over a small hand-made set of cases, with every expected number worked out by
//! hand in the comments (not by the code under test), around the period's edges.
//!
//! The period is the first quarter of 2026: 1 January to 31 March, both included; the
//! backlog, plans and caseloads are counted on 31 March. A decision whether to assess is due
//! 42 days after the request (reg 5(1)), a final plan 140 days after (reg 13(2)).
#![allow(clippy::unwrap_used)]

use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A request received on `received`, nothing decided, born 1 June 2015, no caseworker.
fn request(received: &str) -> KpiFacts {
    KpiFacts {
        stage: Stage::Requested,
        date_of_birth: d("2015-06-01"),
        request_received: d(received),
        assessment: None,
        issue: None,
        final_issued: None,
        final_excused: false,
        closed_on: None,
        primary_need: None,
        placement_type: None,
        caseworker: None,
        review_flows: Vec::new(),
    }
}

impl KpiFacts {
    fn assessed(mut self, on: &str, yes: bool) -> Self {
        self.assessment = Some((d(on), yes));
        self.stage = if yes {
            Stage::Assessing
        } else {
            Stage::NotAssessing
        };
        self
    }
    fn issue_decided(mut self, on: &str, yes: bool) -> Self {
        self.issue = Some((d(on), yes));
        self.stage = if yes {
            Stage::Drafting
        } else {
            Stage::NotIssuing
        };
        self
    }
    fn issued(mut self, on: &str, need: &str, placement: &str, born: &str) -> Self {
        self.final_issued = Some(d(on));
        self.primary_need = Some(need.into());
        self.placement_type = Some(placement.into());
        self.date_of_birth = d(born);
        self.stage = Stage::PlanIssued;
        self
    }
    fn excused(mut self) -> Self {
        self.final_excused = true;
        self
    }
    fn closed(mut self, on: &str) -> Self {
        self.closed_on = Some(d(on));
        self.stage = Stage::Closed;
        self
    }
    fn with(mut self, caseworker: &str) -> Self {
        self.caseworker = Some(caseworker.into());
        self
    }
}

fn q1() -> Period {
    Period::new(d("2026-01-01"), d("2026-03-31")).unwrap()
}

/// The cases, A to O.
fn cases() -> Vec<(&'static str, KpiFacts)> {
    vec![
        // A: received the day before the period (not counted as received); decided on its
        // due date, 31 Dec + 42 days = 11 Feb: within 6 weeks. Assessing on 31 Mar, 90 days
        // = 12 weeks old.
        (
            "A",
            request("2025-12-31")
                .assessed("2026-02-11", true)
                .with("cw1"),
        ),
        // B: received on the period's first day (counted); due 12 Feb, decided 13 Feb: one
        // day late. Assessing on 31 Mar, 89 days = 12 weeks old.
        (
            "B",
            request("2026-01-01")
                .assessed("2026-02-13", true)
                .with("cw1"),
        ),
        // C: received on the period's last day (counted); 0 weeks old on 31 Mar.
        ("C", request("2026-03-31").with("cw2")),
        // D: received the day after the period: in no figure on 31 Mar.
        ("D", request("2026-04-01").with("cw2")),
        // E: received 1 Feb (counted), refused to assess 2 Mar (due 15 Mar: within 6 weeks).
        // Not an open request; still an open case.
        (
            "E",
            request("2026-02-01")
                .assessed("2026-03-02", false)
                .with("cw2"),
        ),
        // F: final plan issued on the period's first day, exactly on its due date
        // (14 Aug 2025 + 140 days = 1 Jan 2026): on time. Aged 6 on 31 Mar.
        (
            "F",
            request("2025-08-14")
                .assessed("2025-09-20", true)
                .issue_decided("2025-12-01", true)
                .issued("2026-01-01", "ASD", "MS", "2020-03-01")
                .with("cw1"),
        ),
        // G: decided to issue 20 Jan (in the period); final plan on the period's last day,
        // due 18 Feb: late, but an exception applied. Aged 15 on 31 Mar.
        (
            "G",
            request("2025-10-01")
                .assessed("2025-11-05", true)
                .issue_decided("2026-01-20", true)
                .issued("2026-03-31", "SLCN", "SS", "2010-09-01")
                .excused()
                .with("cw1"),
        ),
        // H: final plan the day before the period: not in the 20-week figure, but
        // maintained on 31 Mar. Aged 4.
        (
            "H",
            request("2025-07-01")
                .assessed("2025-08-01", true)
                .issue_decided("2025-10-01", true)
                .issued("2025-12-31", "ASD", "MS", "2022-01-01"),
        ),
        // I: decided to issue 20 Feb (in the period); final plan the day after the period,
        // so on 31 Mar still being written, 150 days = 21 weeks old.
        (
            "I",
            request("2025-11-01")
                .assessed("2025-12-10", true)
                .issue_decided("2026-02-20", true)
                .issued("2026-04-01", "MLD", "MS", "2016-01-01")
                .with("cw2"),
        ),
        // J: final plan 10 Feb, due 19 Dec 2025: late, no exception. Closed 15 Mar, so not
        // maintained on 31 Mar and in nobody's caseload.
        (
            "J",
            request("2025-08-01")
                .assessed("2025-09-05", true)
                .issue_decided("2025-11-15", true)
                .issued("2026-02-10", "SEMH", "IS", "2008-05-05")
                .closed("2026-03-15")
                .with("cw1"),
        ),
        // K: refused to issue 10 Mar. Not an open request; still an open case.
        (
            "K",
            request("2025-10-15")
                .assessed("2025-11-20", true)
                .issue_decided("2026-03-10", false)
                .with("cw2"),
        ),
        // L: assessing since July; 303 days = 43 weeks old on 31 Mar. No caseworker.
        ("L", request("2025-06-01").assessed("2025-07-01", true)),
        // M: received 10 Jan (counted) and withdrawn 1 Feb: not in the backlog.
        ("M", request("2026-01-10").closed("2026-02-01").with("cw2")),
        // N: received 17 Feb, exactly 42 days = 6 weeks before 31 Mar: in the 6–20 band.
        ("N", request("2026-02-17").with("cw2")),
        // O: final plan on its due date (1 Sep 2025 + 140 days = 19 Jan 2026). Aged 12.
        (
            "O",
            request("2025-09-01")
                .assessed("2025-10-10", true)
                .issue_decided("2025-12-01", true)
                .issued("2026-01-19", "ASD", "SS", "2014-01-01")
                .with("cw1"),
        ),
    ]
}

fn facts() -> Vec<KpiFacts> {
    cases().into_iter().map(|(_, f)| f).collect()
}

#[test]
fn period_figures_count_events_on_the_first_and_last_day_and_not_either_side() {
    let k = kpis(&facts(), q1()).unwrap();
    assert_eq!(
        k.figures,
        PeriodFigures {
            // B (1 Jan), M (10 Jan), E (1 Feb), N (17 Feb), C (31 Mar); not A (31 Dec) or
            // D (1 Apr).
            requests_received: 5,
            // Decided in the period: A (on the due date), B (a day late), E: 2 of 3.
            decided_within_six_weeks: Share { part: 2, whole: 3 },
            // Of those, E was a no.
            refused_to_assess: Share { part: 1, whole: 3 },
            // Issue decisions in the period: G (yes), I (yes), K (no).
            refused_to_issue: Share { part: 1, whole: 3 },
            // Issued in the period: F (1 Jan, on time), O (on time), J (late), G (31 Mar,
            // late with an exception); not H (31 Dec) or I (1 Apr). Without G: 2 of 3.
            twenty_weeks: TwentyWeeks {
                issued: 4,
                within: 2,
                issued_excluding_exceptions: 3,
                within_excluding_exceptions: 2,
            },
            // No plan here has been reviewed; reviews are worked by hand in
            // `command/tests/reviews.rs` (`review_flows_count_...`).
            reviews: ReviewFigures::default(),
        }
    );
    assert_eq!(k.figures.twenty_weeks.share().to_string(), "2 of 4 (50.0%)");
    assert_eq!(
        k.figures
            .twenty_weeks
            .share_excluding_exceptions()
            .to_string(),
        "2 of 3 (66.7%)"
    );
}

#[test]
fn the_twenty_week_figure_agrees_with_twenty_weeks_of() {
    let facts = facts();
    assert_eq!(
        kpis(&facts, q1()).unwrap().figures.twenty_weeks,
        twenty_weeks_of(&facts, d("2026-01-01"), d("2026-03-31")).unwrap()
    );
}

#[test]
fn backlog_counts_open_requests_by_stage_and_age_and_leaves_out_closed_refused_and_issued() {
    let b = kpis(&facts(), q1()).unwrap().backlog;
    use OpenStage::*;
    use RequestAge::*;
    // Deciding: C (0 weeks), N (exactly 6 weeks: the 6–20 band).
    assert_eq!(b.count(DecidingWhetherToAssess, UnderSixWeeks), 1);
    assert_eq!(b.count(DecidingWhetherToAssess, SixToTwentyWeeks), 1);
    // Assessing: A and B (12 weeks), L (43 weeks).
    assert_eq!(b.count(Assessing, SixToTwentyWeeks), 2);
    assert_eq!(b.count(Assessing, ThirtyWeeksOrMore), 1);
    // Writing the plan: I (21 weeks; its plan comes the day after).
    assert_eq!(b.count(WritingThePlan, TwentyToThirtyWeeks), 1);
    // Not D (not yet received), E and K (refused), M (closed), F G H J O (issued).
    assert_eq!(b.total(), 6);
    assert_eq!(OpenStage::ALL.map(|s| b.at_stage(s)), [2, 3, 1], "by stage");
    assert_eq!(RequestAge::ALL.map(|a| b.of_age(a)), [1, 3, 1, 1], "by age");
}

#[test]
fn active_plans_are_issued_by_the_last_day_and_not_closed() {
    let p = kpis(&facts(), q1()).unwrap().active_plans;
    // F, G (issued on the last day), H (before the period), O; not J (closed 15 Mar) or I
    // (issued the day after).
    assert_eq!(p.total, 4);
    // H is 4, F is 6, G 15 and O 12.
    assert_eq!(p.by_age, [1, 1, 2, 0, 0]);
    // ASD: F, H, O; SLCN: G.
    let t = |code: &str, count| Tally {
        code: Some(code.into()),
        count,
    };
    assert_eq!(p.by_need, [t("ASD", 3), t("SLCN", 1)]);
    // MS: F, H; SS: G, O (equal, so in code order).
    assert_eq!(p.by_placement, [t("MS", 2), t("SS", 2)]);
}

#[test]
fn caseload_counts_open_cases_per_caseworker_with_unallocated_last() {
    let c = kpis(&facts(), q1()).unwrap().caseload;
    let load = |who: Option<&str>, open_cases, open_requests| CaseworkerLoad {
        caseworker: who.map(Into::into),
        open_cases,
        open_requests,
    };
    assert_eq!(
        c,
        [
            // cw1: A, B (requests), F, G, O (plans); not J (closed).
            load(Some("cw1"), 5, 2),
            // cw2: C, I, N (requests), E, K (refused, not closed); not D (1 Apr) or M
            // (closed).
            load(Some("cw2"), 5, 3),
            // Nobody: H (plan), L (request).
            load(None, 2, 1),
        ]
    );
}

#[test]
fn the_monthly_trend_adds_up_to_the_period() {
    let facts = facts();
    let months = trend(&facts, q1()).unwrap();
    assert_eq!(months.len(), 3);
    let requests: Vec<u32> = months.iter().map(|m| m.figures.requests_received).collect();
    // January: B, M; February: E, N; March: C.
    assert_eq!(requests, [2, 2, 1]);
    let tw: Vec<(Share, Share)> = months
        .iter()
        .map(|m| {
            (
                m.figures.twenty_weeks.share(),
                m.figures.twenty_weeks.share_excluding_exceptions(),
            )
        })
        .collect();
    let s = |part, whole| Share { part, whole };
    // January: F and O on time; February: J late; March: G late with an exception.
    assert_eq!(
        tw,
        [(s(2, 2), s(2, 2)), (s(0, 1), s(0, 1)), (s(0, 1), s(0, 0))]
    );
    // February: A within, B late; March: E within.
    assert_eq!(
        months
            .iter()
            .map(|m| m.figures.decided_within_six_weeks)
            .collect::<Vec<_>>(),
        [s(0, 0), s(1, 2), s(1, 1)]
    );
    assert_eq!(months[1].figures.refused_to_assess, s(0, 2));
    assert_eq!(s(0, 0).percent(), None, "no decisions is no figure, not 0%");
}

#[test]
fn months_are_cut_to_the_period() {
    let p = Period::new(d("2026-01-15"), d("2026-03-10")).unwrap();
    let spans: Vec<(NaiveDate, NaiveDate)> =
        p.months().iter().map(|m| (m.from(), m.to())).collect();
    assert_eq!(
        spans,
        [
            (d("2026-01-15"), d("2026-01-31")),
            (d("2026-02-01"), d("2026-02-28")),
            (d("2026-03-01"), d("2026-03-10")),
        ]
    );
    // B (1 Jan) is before this period; M (10 Jan) too; E, N in February; C after 10 Mar.
    let months = trend(&facts(), p).unwrap();
    assert_eq!(
        months
            .iter()
            .map(|m| m.figures.requests_received)
            .collect::<Vec<_>>(),
        [0, 2, 0]
    );
}

#[test]
fn a_period_is_at_most_ten_years_and_not_reversed() {
    assert_eq!(
        Period::new(d("2026-02-01"), d("2026-01-31")),
        Err(PeriodError::Reversed {
            from: d("2026-02-01"),
            to: d("2026-01-31")
        })
    );
    // January 2016 to December 2025 is 120 months; one more day is 121.
    assert!(Period::new(d("2016-01-01"), d("2025-12-31")).is_ok());
    assert_eq!(
        Period::new(d("2016-01-01"), d("2026-01-01")),
        Err(PeriodError::TooLong { months: 121 })
    );
    assert!(Period::new(d("2026-01-01"), d("2026-01-01")).is_ok());
    let last = Period::last_twelve_months(d("2026-04-15"));
    assert_eq!((last.from(), last.to()), (d("2025-04-01"), d("2026-03-31")));
}

#[test]
fn the_national_roll_up_is_every_la_together() {
    let la = |c: &str| LaCode::parse(c).unwrap();
    // A to G in 202, H to O in 203.
    let (la202, la203) = (la("202"), la("203"));
    let facts = cases();
    let rows: Vec<(&LaCode, &KpiFacts)> = facts
        .iter()
        .map(|(name, f)| (if *name < "H" { &la202 } else { &la203 }, f))
        .collect();
    let (national, each) = by_la(rows, q1()).unwrap();
    assert_eq!(national, kpis(facts.iter().map(|(_, f)| f), q1()).unwrap());
    // 202: B, C, E received; 203: M, N.
    assert_eq!(each[&la202].figures.requests_received, 3);
    assert_eq!(each[&la203].figures.requests_received, 2);
    // 202: F and G issued (1 of 2 on time); 203: J and O (1 of 2).
    assert_eq!(
        each[&la202].figures.twenty_weeks.share(),
        Share { part: 1, whole: 2 }
    );
    assert_eq!(
        each[&la203].figures.twenty_weeks.share(),
        Share { part: 1, whole: 2 }
    );
    assert_eq!(
        each[&la202].backlog.total() + each[&la203].backlog.total(),
        6
    );
}

#[test]
fn the_cases_behind_a_figure_are_the_ones_it_counts() {
    let behind = |figure: Figure| -> Vec<&str> {
        cases()
            .into_iter()
            .filter(|(_, f)| figure.counts(f, q1()).unwrap())
            .map(|(name, _)| name)
            .collect()
    };
    assert_eq!(behind(Figure::RequestsReceived), ["B", "C", "E", "M", "N"]);
    assert_eq!(behind(Figure::DecidedLate), ["B"]);
    assert_eq!(behind(Figure::RefusedToAssess), ["E"]);
    assert_eq!(behind(Figure::RefusedToIssue), ["K"]);
    assert_eq!(behind(Figure::IssuedLate), ["G", "J"]);
    assert_eq!(
        behind(Figure::Open(Some(OpenStage::Assessing), None)),
        ["A", "B", "L"]
    );
    assert_eq!(
        behind(Figure::Open(None, Some(RequestAge::SixToTwentyWeeks))),
        ["A", "B", "N"]
    );
    assert_eq!(behind(Figure::ActivePlans), ["F", "G", "H", "O"]);
}

#[test]
fn export_rows_carry_each_figure_with_its_denominator() {
    let facts = facts();
    let k = kpis(&facts, q1()).unwrap();
    let rows = export_rows("202", &k, &trend(&facts, q1()).unwrap());
    let find = |table: &str, measure: &str, breakdown: &str| {
        rows.iter()
            .find(|r| r.table == table && r.measure == measure && r.breakdown == breakdown)
            .map(|r| (r.value, r.of))
            .unwrap()
    };
    assert_eq!(find("figures", "twenty_weeks", ""), (2, Some(4)));
    assert_eq!(
        find("figures", "twenty_weeks_excluding_exceptions", ""),
        (2, Some(3))
    );
    assert_eq!(find("trend", "requests_received", "2026-02"), (2, None));
    assert_eq!(find("backlog", "open_requests", "assessing/30+"), (1, None));
    assert_eq!(find("active_plans", "active_plans", "need/ASD"), (3, None));
    assert_eq!(find("caseload", "open_cases", "unallocated"), (2, None));
    let r = rows.iter().find(|r| r.measure == "twenty_weeks").unwrap();
    assert_eq!(r.cells()[6..], ["2", "4", "50.0"]);
}

#[test]
fn flows_summed_give_the_period_figures() {
    // The same cases as above, their flows counted one by one: the sums must be the figures
    // `kpis` works out for the quarter (which is what a store's monthly counts rely on).
    let period = q1();
    let mut summed = PeriodFigures::default();
    for f in facts() {
        for (flow, day) in f.flows().unwrap() {
            if period.contains(day) {
                summed.add_flow(flow, 1);
            }
        }
    }
    assert_eq!(summed, kpis(&facts(), period).unwrap().figures);
    for flow in Flow::ALL {
        assert_eq!(Flow::from_key(flow.key()), Some(flow));
    }
}

#[test]
fn whole_months_inside_a_period() {
    let p = |a: &str, b: &str| Period::new(d(a), d(b)).unwrap();
    // 15 January to 10 April: February and March are whole.
    assert_eq!(
        p("2025-01-15", "2025-04-10").whole_months(),
        Some((d("2025-02-01"), d("2025-03-01")))
    );
    assert!(!p("2025-01-15", "2025-04-10").is_whole_months());
    // A calendar year is whole; so is one leap February.
    assert_eq!(
        p("2025-01-01", "2025-12-31").whole_months(),
        Some((d("2025-01-01"), d("2025-12-01")))
    );
    assert!(p("2025-01-01", "2025-12-31").is_whole_months());
    assert!(p("2024-02-01", "2024-02-29").is_whole_months());
    // 2 to 30 June holds no whole month.
    assert_eq!(p("2025-06-02", "2025-06-30").whole_months(), None);
    assert!(!p("2025-06-01", "2025-06-29").is_whole_months());
}

#[test]
fn the_cases_behind_overdue_reviews_and_late_amended_plans() {
    // One plan: a review due 20 April 2027 held in time, one due 10 April 2028 not held by
    // then, and an amended plan due 5 July 2027 issued late.
    let mut f = request("2026-01-05");
    f.review_flows = vec![
        (Flow::ReviewDue, d("2027-04-20")),
        (Flow::ReviewDueMet, d("2027-04-20")),
        (Flow::AmendedPlanDue, d("2027-07-05")),
        (Flow::ReviewDue, d("2028-04-10")),
    ];
    let period = |a: &str, b: &str| Period::new(d(a), d(b)).unwrap();
    let y2027 = period("2027-01-01", "2027-12-31");
    let y2028 = period("2028-01-01", "2028-12-31");
    assert!(!Figure::ReviewsOverdue.counts(&f, y2027).unwrap());
    assert!(Figure::ReviewsOverdue.counts(&f, y2028).unwrap());
    assert!(Figure::AmendedLate.counts(&f, y2027).unwrap());
    assert!(!Figure::AmendedLate.counts(&f, y2028).unwrap());
}
