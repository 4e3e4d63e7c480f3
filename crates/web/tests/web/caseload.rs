//! Caseloads and allocation over HTTP: a caseworker's own cases and the team's, filters,
//! search, sort and pages that keep their filters; managers allocating unallocated cases in
//! bulk through the case rules, with their refusals and validation; and what other roles and
//! other LAs cannot do.

use chrono::{Duration, NaiveDate, Utc};
use waymark_store::cases::{self, LoadedCase};
use waymark_store::domain::Upn;
use waymark_store::domain::actor::{Actor, Role};
use waymark_store::domain::case::{Child, Placement, Request};
use waymark_store::domain::clock::ExceptionKind;
use waymark_store::domain::command::{Command, NewRequest};
use waymark_store::domain::upn::upn_check_letter;
use waymark_store::prelude::*;
use waymark_store::{CaseId, User};

use crate::app::{Browser, LA_CODE, OTHER_LA_CODE, Page, TestApp, attribute_values, la_code};

// ---------------------------------------------------------------------------------------------
// Seeding cases with the details the filters look at.

/// A case to open: who the child is and when the request came.
struct Seed {
    given: String,
    family: String,
    reference: Option<String>,
    born: NaiveDate,
    upn: Option<Upn>,
    school: Option<String>,
    received: NaiveDate,
}

fn today() -> NaiveDate {
    waymark_web::uk_time::today()
}

fn days_ago(days: i64) -> NaiveDate {
    today() - Duration::days(days)
}

impl Seed {
    /// An eight-year-old whose request came 10 days ago (next deadline in 32 days: on track).
    fn child(given: &str, family: &str) -> Seed {
        Seed {
            given: given.to_string(),
            family: family.to_string(),
            reference: None,
            born: days_ago(8 * 365),
            upn: None,
            school: None,
            received: days_ago(10),
        }
    }

    fn reference(mut self, reference: &str) -> Seed {
        self.reference = Some(reference.to_string());
        self
    }

    fn born(mut self, born: NaiveDate) -> Seed {
        self.born = born;
        self
    }

    fn upn(mut self, upn: Upn) -> Seed {
        self.upn = Some(upn);
        self
    }

    fn school(mut self, school: &str) -> Seed {
        self.school = Some(school.to_string());
        self
    }

    fn received(mut self, received: NaiveDate) -> Seed {
        self.received = received;
        self
    }
}

fn seeder(la: &str) -> Actor {
    Actor {
        user: "seed".into(),
        role: Role::Admin,
        la: la_code(la),
    }
}

static REFERENCES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Opens the case in `la`.
async fn open_in(app: &TestApp, la: &str, seed: Seed) -> LoadedCase {
    let n = REFERENCES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let request = NewRequest {
        reference: seed.reference.unwrap_or_else(|| format!("CL{n}")),
        child: Child {
            given_name: seed.given,
            family_name: seed.family,
            date_of_birth: seed.born,
            upn: seed.upn,
            uln: None,
            nhs_number: None,
            address: None,
            parents: vec![],
            school: seed.school.map(|name| Placement {
                urn: None,
                setting_code: None,
                name,
                placement_type: "MS".into(),
            }),
        },
        request: Request {
            received: seed.received,
            source: "PAR".into(),
            reasons: "Needs are not being met".into(),
        },
    };
    cases::open(&app.store, &request, &seeder(la), today(), Utc::now())
        .await
        .unwrap_or_else(|e| panic!("open case: {e}"))
}

/// Opens the case in [`LA_CODE`].
async fn open(app: &TestApp, seed: Seed) -> LoadedCase {
    open_in(app, LA_CODE, seed).await
}

/// Runs a command on a case of [`LA_CODE`] as an administrator would.
async fn run(app: &TestApp, case: CaseId, command: Command) -> LoadedCase {
    let la = la_code(LA_CODE);
    let current = cases::load(&app.store, &la, case)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no case {case}"));
    cases::execute(
        &app.store,
        &la,
        case,
        current.version,
        &command,
        &seeder(LA_CODE),
        today(),
        Utc::now(),
    )
    .await
    .unwrap_or_else(|e| panic!("{command:?}: {e}"))
}

async fn allocate(app: &TestApp, case: CaseId, to: &User) -> LoadedCase {
    run(
        app,
        case,
        Command::AllocateCaseworker {
            caseworker: to.id.to_string(),
            note: None,
        },
    )
    .await
}

/// A valid UPN ending in `digits` (11 digits then one more).
fn upn(digits: &str) -> Upn {
    let letter = upn_check_letter(digits).unwrap_or_else(|| panic!("{digits}"));
    Upn::parse(&format!("{letter}{digits}")).unwrap_or_else(|e| panic!("{e}"))
}

/// The caseload as `browser` sees it at `path`, which must answer 200.
async fn list(browser: &mut Browser, path: &str) -> Page {
    let page = browser.get(path).await;
    assert_eq!(page.status, 200, "GET {path}: {}", page.body);
    page
}

/// Which of `names` the page shows, in the order given.
fn shown<'a>(page: &Page, names: &[&'a str]) -> Vec<&'a str> {
    names
        .iter()
        .copied()
        .filter(|n| page.body.contains(n))
        .collect()
}

/// The links of a page whose address starts with `prefix`, as the browser reads them.
fn links(page: &Page, prefix: &str) -> Vec<String> {
    attribute_values(&page.body, "href")
        .into_iter()
        .map(|href| href.replace("&amp;", "&"))
        .filter(|href| href.starts_with(prefix))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Caseloads.

#[tokio::test]
async fn a_caseworker_sees_their_own_cases_and_can_switch_to_the_team() {
    let app = TestApp::spawn().await;
    let (me, mut browser) = app.sign_in_as(Role::Caseworker).await;
    let colleague = app.add_user(Role::Caseworker, "colleague").await;
    let mine = open(&app, Seed::child("Ada", "Mineworth")).await;
    allocate(&app, mine.id, &me).await;
    let theirs = open(&app, Seed::child("Bea", "Theirsby")).await;
    allocate(&app, theirs.id, &colleague).await;
    open(&app, Seed::child("Cy", "Nobodys")).await;
    let names = ["Ada Mineworth", "Bea Theirsby", "Cy Nobodys"];

    let page = list(&mut browser, "/caseload").await;
    assert!(
        page.body
            .contains("<h1 class=\"govuk-heading-l\">Your caseload</h1>")
    );
    assert_eq!(shown(&page, &names), ["Ada Mineworth"]);
    assert!(
        page.body.contains("Showing 1 to 1 of 1 case"),
        "{}",
        page.body
    );

    let page = list(&mut browser, "/caseload?who=team").await;
    assert!(page.body.contains("Team caseload"));
    assert_eq!(shown(&page, &names), names);
    // Caseworkers by name; an unallocated case says so.
    assert!(page.body.contains(&colleague.name), "{}", page.body);
    assert!(page.body.contains("Not allocated"));

    // The list was audited.
    let trail = app
        .store
        .search_audit(&me.la, None, Some(me.id), 20)
        .await
        .unwrap_or_default();
    assert!(trail.iter().any(|e| e.action == "view_caseload"));
}

#[tokio::test]
async fn a_caseworker_with_no_cases_is_told_so() {
    let app = TestApp::spawn().await;
    open(&app, Seed::child("Ada", "Elsewhere")).await;
    let (_, mut browser) = app.sign_in_as(Role::Caseworker).await;
    let page = list(&mut browser, "/caseload").await;
    assert!(page.body.contains("No cases are allocated to you"));
    assert!(!page.body.contains("Ada Elsewhere"));
}

#[tokio::test]
async fn managers_start_with_the_team_caseload() {
    let app = TestApp::spawn().await;
    open(&app, Seed::child("Ada", "Teamcase")).await;
    for role in [Role::Manager, Role::Admin] {
        let (_, mut browser) = app.sign_in_as(role).await;
        let page = list(&mut browser, "/caseload").await;
        assert!(page.body.contains("Team caseload"), "{role:?}");
        assert!(page.body.contains("Ada Teamcase"), "{role:?}");
        let page = list(&mut browser, "/caseload?who=mine").await;
        assert!(!page.body.contains("Ada Teamcase"), "{role:?}");
    }
}

#[tokio::test]
async fn filters_and_search_narrow_the_caseload() {
    let app = TestApp::spawn().await;
    let cw = app.add_user(Role::Caseworker, "filterer").await;
    let assessing = open(&app, Seed::child("Alba", "Assessing")).await;
    run(
        &app,
        assessing.id,
        Command::DecideWhetherToAssess {
            on: today(),
            yes: true,
            reasons: String::new(),
        },
    )
    .await;
    // Received 100 days ago: the decision whether to assess was due 58 days ago.
    open(&app, Seed::child("Bryn", "Overdue").received(days_ago(100))).await;
    open(
        &app,
        Seed::child("Cora", "Schooled").school("St Mary's Primary School"),
    )
    .await;
    open(&app, Seed::child("Dara", "Toddler").born(days_ago(3 * 365))).await;
    let excepted = open(&app, Seed::child("Evan", "Excepted")).await;
    run(
        &app,
        excepted.id,
        Command::RecordException {
            kind: ExceptionKind::ExceptionalPersonalCircumstances,
            from: days_ago(5),
            to: None,
            note: "Family bereavement".into(),
        },
    )
    .await;
    let born = NaiveDate::from_ymd_opt(2014, 3, 27).unwrap_or_default();
    open(
        &app,
        Seed::child("Fay", "Identified")
            .upn(upn("801200001001"))
            .born(born)
            .reference("EHC-FAY-1"),
    )
    .await;
    let allocated = open(&app, Seed::child("Gus", "Allocated")).await;
    allocate(&app, allocated.id, &cw).await;
    let names = [
        "Alba Assessing",
        "Bryn Overdue",
        "Cora Schooled",
        "Dara Toddler",
        "Evan Excepted",
        "Fay Identified",
        "Gus Allocated",
    ];
    let (_, mut browser) = app.sign_in_as(Role::Manager).await;
    assert_eq!(shown(&list(&mut browser, "/caseload").await, &names), names);

    let upn_text = upn("801200001001").as_str().to_string();
    let cases: Vec<(String, Vec<&str>)> = vec![
        ("stage=assessing".into(), vec!["Alba Assessing"]),
        ("overdue=yes".into(), vec!["Bryn Overdue"]),
        ("school=mary%27s".into(), vec!["Cora Schooled"]),
        ("age=under-5".into(), vec!["Dara Toddler"]),
        ("exceptions=yes".into(), vec!["Evan Excepted"]),
        (format!("q={upn_text}"), vec!["Fay Identified"]),
        (
            format!("q={}", upn_text.to_lowercase()),
            vec!["Fay Identified"],
        ),
        ("q=EHC-FAY-1".into(), vec!["Fay Identified"]),
        ("q=2014-03-27".into(), vec!["Fay Identified"]),
        ("q=27%2F3%2F2014".into(), vec!["Fay Identified"]),
        ("q=toddl".into(), vec!["Dara Toddler"]),
        ("q=cora+schooled".into(), vec!["Cora Schooled"]),
        (format!("caseworker={}", cw.id.0), vec!["Gus Allocated"]),
        ("stage=requested&overdue=yes".into(), vec!["Bryn Overdue"]),
        ("stage=assessing&overdue=yes".into(), vec![]),
    ];
    for (query, want) in cases {
        let page = list(&mut browser, &format!("/caseload?who=team&{query}")).await;
        assert_eq!(shown(&page, &names), want, "{query}");
        if want.is_empty() {
            assert!(page.body.contains("No cases match"), "{query}");
        }
        // The form shows what was asked for, and the filters are open.
        assert!(
            page.body
                .contains("<details class=\"govuk-details govuk-!-margin-bottom-4\" open>"),
            "{query}"
        );
    }
    // The age groups split the children by their age today (Fay was born in 2014).
    let page = list(&mut browser, "/caseload?age=5-10").await;
    assert!(page.body.contains("Alba Assessing"));
    assert!(!page.body.contains("Dara Toddler"));
    assert!(!page.body.contains("Fay Identified"));
    let page = list(&mut browser, "/caseload?age=11-15").await;
    assert_eq!(shown(&page, &names), ["Fay Identified"]);
}

#[tokio::test]
async fn deadlines_are_rated_in_words_and_colour_and_exceptions_are_flagged() {
    let app = TestApp::spawn().await;
    open(&app, Seed::child("Rae", "Late").received(days_ago(50))).await;
    open(&app, Seed::child("Amy", "Soon").received(days_ago(35))).await;
    open(&app, Seed::child("Gil", "Fine").received(days_ago(1))).await;
    let excepted = open(&app, Seed::child("Eve", "Excused")).await;
    run(
        &app,
        excepted.id,
        Command::RecordException {
            kind: ExceptionKind::ExceptionalPersonalCircumstances,
            from: days_ago(2),
            to: None,
            note: "Hospital stay".into(),
        },
    )
    .await;
    let (_, mut browser) = app.sign_in_as(Role::Manager).await;
    let page = list(&mut browser, "/caseload?sort=name").await;
    let body = &page.body;
    // 6 weeks from 50 days ago was 8 days ago.
    assert!(body.contains("<strong class=\"govuk-tag govuk-tag--red\">Overdue</strong>"));
    assert!(body.contains("8 days overdue"), "{body}");
    assert!(body.contains("<strong class=\"govuk-tag govuk-tag--yellow\">Due soon</strong>"));
    assert!(body.contains("7 days left"));
    assert!(body.contains("<strong class=\"govuk-tag govuk-tag--green\">On track</strong>"));
    assert!(body.contains("41 days left"));
    assert!(body.contains("Decide whether to assess"));
    assert!(body.contains(&format!(
        "by {}",
        waymark_web::uk_time::date(days_ago(50) + Duration::weeks(6))
    )));
    assert_eq!(body.matches("Exception recorded").count(), 1, "{body}");
}

#[tokio::test]
async fn pages_of_fifty_keep_their_filters() {
    let app = TestApp::spawn().await;
    for n in 0..57 {
        open(
            &app,
            Seed::child("Pupil", &format!("Oakfield{n:02}")).school("Oakfield Academy"),
        )
        .await;
    }
    for n in 0..3 {
        open(
            &app,
            Seed::child("Other", &format!("Elmside{n}")).school("Elm School"),
        )
        .await;
    }
    let (_, mut browser) = app.sign_in_as(Role::Manager).await;
    let page = list(&mut browser, "/caseload?who=team&school=oakfield&sort=name").await;
    assert!(
        page.body.contains("Showing 1 to 50 of 57 cases"),
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("Pupil Oakfield").count(), 50);
    assert!(!page.body.contains("Elmside"));
    assert!(
        page.body
            .contains("<nav class=\"govuk-pagination\" aria-label=\"Pagination\">")
    );
    let next = "/caseload?who=team&school=oakfield&sort=name&page=2".to_string();
    assert!(
        links(&page, "/caseload?").contains(&next),
        "{:?}",
        links(&page, "/")
    );
    let page = list(&mut browser, &next).await;
    assert!(
        page.body.contains("Showing 51 to 57 of 57 cases"),
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("Pupil Oakfield").count(), 7);
    assert!(page.body.contains("Pupil Oakfield56"));
    assert!(!page.body.contains("Elmside"));
    assert!(page.body.contains("aria-current=\"page\">2</a>"));
    assert!(
        links(&page, "/caseload?")
            .contains(&"/caseload?who=team&school=oakfield&sort=name".to_string())
    );
    // Everything fits on one page: no pagination; a thousand cases would read "1,000".
    let page = list(&mut browser, "/caseload?school=elm").await;
    assert!(page.body.contains("Showing 1 to 3 of 3 cases"));
    assert!(!page.body.contains("govuk-pagination"));
}

#[tokio::test]
async fn sorting_by_deadline_name_and_date_received() {
    let app = TestApp::spawn().await;
    open(&app, Seed::child("Mid", "Bravo").received(days_ago(20))).await;
    open(&app, Seed::child("Old", "Charlie").received(days_ago(40))).await;
    open(&app, Seed::child("New", "Alpha").received(days_ago(2))).await;
    let (_, mut browser) = app.sign_in_as(Role::Manager).await;
    let order = |page: &Page| {
        let mut found: Vec<(usize, &str)> = ["Bravo", "Charlie", "Alpha"]
            .into_iter()
            .filter_map(|n| page.body.find(n).map(|i| (i, n)))
            .collect();
        found.sort_unstable();
        found.into_iter().map(|(_, n)| n).collect::<Vec<_>>()
    };
    // Soonest deadline first: the oldest request's decision is due first.
    let page = list(&mut browser, "/caseload").await;
    assert_eq!(order(&page), ["Charlie", "Bravo", "Alpha"]);
    let page = list(&mut browser, "/caseload?sort=name").await;
    assert_eq!(order(&page), ["Alpha", "Bravo", "Charlie"]);
    assert!(page.body.contains("<option value=\"name\" selected>"));
    let page = list(&mut browser, "/caseload?sort=received").await;
    assert_eq!(order(&page), ["Charlie", "Bravo", "Alpha"]);
    let page = list(&mut browser, "/caseload?sort=received&stage=requested&q=a").await;
    assert_eq!(order(&page), ["Charlie", "Bravo", "Alpha"]);
}

#[tokio::test]
async fn values_the_form_never_sends_are_ignored_not_errors() {
    let app = TestApp::spawn().await;
    open(&app, Seed::child("Ada", "Robust")).await;
    let (_, mut browser) = app.sign_in_as(Role::Manager).await;
    for query in [
        "page=abc",
        "page=-1",
        "page=99999999999999999999",
        "page=9999",
        "stage=nowhere",
        "age=old",
        "sort=sideways",
        "who=everyone",
        "caseworker=abc",
        "caseworker=123456",
        "overdue=maybe",
        "q=%25%27%22%3C",
        "school=%5C_%25",
        "stage=assessing&stage=",
        "q=31%2F02%2F2014",
    ] {
        let page = browser.get(&format!("/caseload?{query}")).await;
        assert_eq!(page.status, 200, "{query}: {}", page.body);
    }
    for query in [
        "page=abc",
        "page=9999",
        "stage=nowhere",
        "caseworker=123456",
        "age=old",
    ] {
        let page = browser.get(&format!("/caseload?{query}")).await;
        assert!(page.body.contains("Ada Robust"), "{query}");
    }
}

#[tokio::test]
async fn a_childs_name_with_script_is_inert_on_the_caseload_and_allocation_pages() {
    let app = TestApp::spawn().await;
    open(
        &app,
        Seed::child(
            "<script>alert(1)</script>",
            "\"><img src=x onerror=alert(1)>",
        ),
    )
    .await;
    let (_, mut browser) = app.sign_in_as(Role::Manager).await;
    for path in [
        "/caseload?who=team",
        "/allocation",
        "/caseload?q=%3Cscript%3E",
    ] {
        let page = list(&mut browser, path).await;
        assert!(!page.body.contains("<script>alert"), "{path}");
        assert!(!page.body.contains("<img src=x"), "{path}");
        assert!(
            page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path}"
        );
    }
    // What was typed in the search box is shown back escaped.
    let page = list(&mut browser, "/caseload?q=%22%3E%3Cb%3Ebold").await;
    assert!(
        page.body.contains("value=\"&quot;&gt;&lt;b&gt;bold\""),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn other_las_cases_never_appear() {
    let app = TestApp::spawn().await;
    open(&app, Seed::child("Ada", "Ours")).await;
    open_in(&app, OTHER_LA_CODE, Seed::child("Cy", "Theirs")).await;
    let (_, mut browser) = app.sign_in_as(Role::Manager).await;
    for path in ["/caseload", "/caseload?q=Theirs", "/allocation"] {
        let page = list(&mut browser, path).await;
        assert!(!page.body.contains("Cy Theirs"), "{path}");
    }
}

// ---------------------------------------------------------------------------------------------
// Allocation.

#[tokio::test]
async fn only_managers_and_admins_may_allocate() {
    let app = TestApp::spawn().await;
    let case = open(&app, Seed::child("Ada", "Waiting")).await;
    let cw = app.add_user(Role::Caseworker, "hopeful").await;
    for role in [
        Role::Caseworker,
        Role::Professional,
        Role::Parent,
        Role::Viewer,
    ] {
        let (_, mut browser) = app.sign_in_as(role).await;
        assert_eq!(browser.get("/allocation").await.status, 403, "{role:?}");
        let id = case.id.0.to_string();
        let cw_id = cw.id.0.to_string();
        let page = browser
            .post("/allocation", &[("cases", &id), ("caseworker", &cw_id)])
            .await;
        assert_eq!(page.status, 403, "{role:?}");
        assert!(!page.body.contains("Ada Waiting"));
    }
    let still = cases::load(&app.store, &la_code(LA_CODE), case.id)
        .await
        .ok()
        .flatten()
        .and_then(|c| c.case.caseworker);
    assert_eq!(still, None);
    // Caseworkers are not offered the page; managers are.
    let (_, mut cw_browser) = app.sign_in_as(Role::Caseworker).await;
    assert!(
        !list(&mut cw_browser, "/caseload")
            .await
            .body
            .contains("href=\"/allocation\"")
    );
    let (_, mut manager) = app.sign_in_as(Role::Manager).await;
    assert!(
        list(&mut manager, "/caseload")
            .await
            .body
            .contains("href=\"/allocation\"")
    );
}

#[tokio::test]
async fn bulk_allocation_allocates_the_ticked_cases_through_the_case_rules() {
    let app = TestApp::spawn().await;
    let a = open(&app, Seed::child("Ada", "First")).await;
    let b = open(&app, Seed::child("Bea", "Second")).await;
    let c = open(&app, Seed::child("Cy", "Third")).await;
    let held = open(&app, Seed::child("Dee", "Held")).await;
    let cw = app
        .add_user_in(
            Role::Caseworker,
            LA_CODE,
            "zoe@northshire.example",
            "Zoe Worker",
        )
        .await;
    let other = app
        .add_user_in(
            Role::Caseworker,
            LA_CODE,
            "yan@northshire.example",
            "Yan Busy",
        )
        .await;
    allocate(&app, held.id, &other).await;
    let (manager, mut browser) = app.sign_in_as(Role::Manager).await;

    let page = list(&mut browser, "/allocation").await;
    assert!(
        page.body.contains("Showing 1 to 3 of 3 unallocated cases"),
        "{}",
        page.body
    );
    for case in [&a, &b, &c] {
        assert!(page.body.contains(&format!(
            "name=\"cases\" type=\"checkbox\" value=\"{}\"",
            case.id.0
        )));
    }
    assert!(
        !page.body.contains("Dee Held"),
        "allocated cases are not listed"
    );
    // Loads: Yan holds one case at the first stage (weight 2); Zoe none.
    assert!(page.body.contains("Caseload per caseworker"));
    assert!(page.body.contains("How the weighted load is worked out"));
    assert!(
        page.body.contains(&format!(
            "<option value=\"{}\">Zoe Worker (0 open cases, weighted load 0)</option>",
            cw.id.0
        )),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Yan Busy (1 open case, weighted load 2)")
    );

    let (a_id, b_id, cw_id) = (a.id.0.to_string(), b.id.0.to_string(), cw.id.0.to_string());
    let page = browser
        .post(
            "/allocation",
            &[
                ("cases", &a_id),
                ("cases", &b_id),
                ("caseworker", &cw_id),
                ("note", "Mum prefers email"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("govuk-notification-banner--success"));
    assert!(
        page.body.contains("2 cases allocated to Zoe Worker"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Showing 1 to 1 of 1 unallocated case"));
    assert!(page.body.contains(&format!(
        "href=\"/caseload?who=team&amp;caseworker={}\">View Zoe Worker’s caseload</a>",
        cw.id.0
    )));
    assert!(
        page.body
            .contains("Zoe Worker (2 open cases, weighted load 4)")
    );

    let la = la_code(LA_CODE);
    for case in [&a, &b] {
        let history = cases::history(&app.store, &la, case.id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let last = history.last().unwrap_or_else(|| panic!("no history"));
        assert_eq!(last.event.kind(), "caseworker_allocated");
        assert_eq!(last.actor, manager.id.to_string());
        let loaded = cases::load(&app.store, &la, case.id).await.ok().flatten();
        assert_eq!(
            loaded.and_then(|l| l.case.caseworker),
            Some(cw.id.to_string())
        );
        assert!(format!("{:?}", last.event).contains("Mum prefers email"));
    }
    let untouched = cases::load(&app.store, &la, c.id).await.ok().flatten();
    assert_eq!(
        untouched.map(|l| (l.version, l.case.caseworker)),
        Some((1, None))
    );
    // Each allocation is in the audit trail as the case command.
    let trail = app
        .store
        .search_audit(&la, Some(a.id), Some(manager.id), 10)
        .await
        .unwrap_or_default();
    assert!(
        trail.iter().any(|e| e.action == "allocate_caseworker"),
        "{trail:?}"
    );

    // Zoe now sees them as her caseload.
    let mut zoe = Browser::new(&app);
    zoe.sign_in(&cw.email, crate::app::PASSWORD).await;
    let page = list(&mut zoe, "/caseload").await;
    assert_eq!(
        shown(&page, &["Ada First", "Bea Second", "Cy Third"]),
        ["Ada First", "Bea Second"]
    );
}

#[tokio::test]
async fn an_incomplete_allocation_shows_the_error_summary_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let a = open(&app, Seed::child("Ada", "Pending")).await;
    let cw = app.add_user(Role::Caseworker, "ready").await;
    let elsewhere = app
        .add_user_in(
            Role::Caseworker,
            OTHER_LA_CODE,
            "cw@southdale.example",
            "Sam Southdale",
        )
        .await;
    let manager_there = app.add_user(Role::Manager, "notcaseworker").await;
    let (_, mut browser) = app.sign_in_as(Role::Manager).await;
    browser.get("/allocation").await;
    let (a_id, cw_id) = (a.id.0.to_string(), cw.id.0.to_string());
    let elsewhere_id = elsewhere.id.0.to_string();
    let manager_id = manager_there.id.0.to_string();
    let attempts: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("caseworker", &cw_id)], "Select at least one case"),
        (vec![("cases", &a_id)], "Select a caseworker"),
        (
            vec![("cases", &a_id), ("caseworker", "")],
            "Select a caseworker",
        ),
        (
            vec![("cases", &a_id), ("caseworker", &elsewhere_id)],
            "Select a caseworker from the list",
        ),
        (
            vec![("cases", &a_id), ("caseworker", &manager_id)],
            "Select a caseworker from the list",
        ),
        (
            vec![("cases", &a_id), ("caseworker", "nobody")],
            "Select a caseworker from the list",
        ),
    ];
    for (fields, message) in attempts {
        let page = browser.post("/allocation", &fields).await;
        assert_eq!(page.status, 422, "{fields:?}");
        assert!(page.body.contains("govuk-error-summary"), "{fields:?}");
        assert!(page.body.contains(message), "{fields:?}: {}", page.body);
        assert!(page.body.contains("<title>Error: "), "{fields:?}");
    }
    // The links of the summary go to the fields.
    let page = browser.post("/allocation", &[]).await;
    assert!(
        page.body
            .contains("<a href=\"#cases\">Select at least one case</a>")
    );
    assert!(
        page.body
            .contains("<a href=\"#caseworker\">Select a caseworker</a>")
    );
    assert!(page.body.contains("id=\"cases\" name=\"cases\""));
    // What was ticked stays ticked.
    let page = browser.post("/allocation", &[("cases", &a_id)]).await;
    assert!(
        page.body.contains(&format!("value=\"{a_id}\" checked")),
        "{}",
        page.body
    );
    let loaded = cases::load(&app.store, &la_code(LA_CODE), a.id)
        .await
        .ok()
        .flatten();
    assert_eq!(
        loaded.map(|l| (l.version, l.case.caseworker)),
        Some((1, None))
    );
}

#[tokio::test]
async fn another_las_case_in_the_form_is_refused_and_left_alone() {
    let app = TestApp::spawn().await;
    let ours = open(&app, Seed::child("Ada", "Ours")).await;
    let theirs = open_in(&app, OTHER_LA_CODE, Seed::child("Cy", "Southdale")).await;
    let cw = app.add_user(Role::Caseworker, "taker").await;
    let (_, mut browser) = app.sign_in_as(Role::Manager).await;
    browser.get("/allocation").await;
    let (ours_id, theirs_id, cw_id) = (
        ours.id.0.to_string(),
        theirs.id.0.to_string(),
        cw.id.0.to_string(),
    );
    let page = browser
        .post(
            "/allocation",
            &[
                ("cases", &theirs_id),
                ("cases", &ours_id),
                ("cases", "not-a-number"),
                ("caseworker", &cw_id),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("1 case allocated to"), "{}", page.body);
    assert!(
        page.body.contains("2 cases were not allocated"),
        "{}",
        page.body
    );
    assert!(page.body.contains("There is no such case"));
    assert!(!page.body.contains("Southdale"), "{}", page.body);
    let theirs_now = cases::load(&app.store, &la_code(OTHER_LA_CODE), theirs.id)
        .await
        .ok()
        .flatten();
    assert_eq!(
        theirs_now.map(|l| (l.version, l.case.caseworker)),
        Some((1, None))
    );
    let ours_now = cases::load(&app.store, &la_code(LA_CODE), ours.id)
        .await
        .ok()
        .flatten();
    assert_eq!(
        ours_now.and_then(|l| l.case.caseworker),
        Some(cw.id.to_string())
    );
}

#[tokio::test]
async fn a_case_allocated_since_the_list_was_shown_is_not_taken_over() {
    let app = TestApp::spawn().await;
    let case = open(&app, Seed::child("Ada", "Contested")).await;
    let first = app.add_user(Role::Caseworker, "first").await;
    let second = app.add_user(Role::Caseworker, "second").await;
    let (_, mut browser) = app.sign_in_as(Role::Manager).await;
    assert!(
        list(&mut browser, "/allocation")
            .await
            .body
            .contains("Ada Contested")
    );
    // Another manager allocates it first.
    allocate(&app, case.id, &first).await;
    let (id, second_id) = (case.id.0.to_string(), second.id.0.to_string());
    let page = browser
        .post("/allocation", &[("cases", &id), ("caseworker", &second_id)])
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("No cases were allocated"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Ada Contested ("), "{}", page.body);
    assert!(
        page.body
            .contains("It has been allocated since the list was shown")
    );
    let now = cases::load(&app.store, &la_code(LA_CODE), case.id)
        .await
        .ok()
        .flatten();
    assert_eq!(
        now.and_then(|l| l.case.caseworker),
        Some(first.id.to_string())
    );
}

#[tokio::test]
async fn the_allocation_list_pages_and_is_audited() {
    let app = TestApp::spawn().await;
    for n in 0..52 {
        open(&app, Seed::child("Queued", &format!("Child{n:02}"))).await;
    }
    let (manager, mut browser) = app.sign_in_as(Role::Manager).await;
    let page = list(&mut browser, "/allocation").await;
    assert!(
        page.body
            .contains("Showing 1 to 50 of 52 unallocated cases")
    );
    assert!(links(&page, "/allocation").contains(&"/allocation?page=2".to_string()));
    let page = list(&mut browser, "/allocation?page=2").await;
    assert!(
        page.body
            .contains("Showing 51 to 52 of 52 unallocated cases")
    );
    assert!(page.body.contains("name=\"page\" value=\"2\""));
    let page = list(&mut browser, "/allocation?page=abc").await;
    assert!(page.body.contains("Showing 1 to 50 of 52"));
    let trail = app
        .store
        .search_audit(&manager.la, None, Some(manager.id), 20)
        .await
        .unwrap_or_default();
    assert!(trail.iter().any(|e| e.action == "view_allocation"));
}
