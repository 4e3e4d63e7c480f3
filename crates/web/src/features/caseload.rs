//! Caseloads: the cases a caseworker or a team holds, each with its next statutory deadline,
//! how long is left (red, yellow or green, in words as well as colour) and whether an exception
//! to the time limits is recorded.
//!
//! - `GET /caseload`: LA staff only (403 for others). Caseworkers start with their own cases
//!   ("Your caseload", `who=mine`), managers and admins with the whole team's (`who=team`);
//!   anyone on the staff may switch.
//!
//! The filters are a GET form, so a filtered list is an address that can be bookmarked and
//! the page works without JavaScript: `q` (name, UPN, case reference or date of birth),
//! `stage`, `caseworker` (an account number, or `none` for cases with no caseworker; team view
//! only), `age` (an [`AgeGroup`]), `school`, `overdue=yes`, `exceptions=yes`, `sort`
//! (`deadline`, `name`, `received`) and `page` (50 cases a page; the page links keep the
//! filters). A value the form never sends (`page=abc`, a stage that does not exist) is
//! ignored rather than refused, and a page past the end shows the last one.
//!
//! The list is personal data, so it is audited before it is shown.
//!
//! The table rows and the pagination are shared with the allocation page
//! ([`super::allocation`]).

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::response::Html;
use chrono::{Datelike, Months, NaiveDate};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Serialize;
use url::form_urlencoded;
use waymark_store::caseload::{CaseListItem, CaseloadQuery, CaseloadSort};
use waymark_store::domain::actor::Role;
use waymark_store::domain::case::Stage;
use waymark_store::domain::caseload::Rag;
use waymark_store::domain::clock::ClockKind;
use waymark_store::{Store, User};

use crate::audit::{self, Action, Record};
use crate::client_ip::ClientIp;
use crate::error::{AppError, AppResult};
use crate::features::cases::stage_label;
use crate::router::RouteTable;
use crate::session::CurrentUser;
use crate::templates::Nav;
use crate::{AppState, policy, uk_time};

/// How many cases a page of a caseload shows.
pub const PER_PAGE: i64 = 50;

/// The longest search or school text taken from the address (longer is cut, not refused).
const MAX_TEXT: usize = 100;

/// The caseload routes.
pub fn routes<S: Store>() -> RouteTable<S> {
    RouteTable::new().get("/caseload", caseload::<S>)
}

/// Whose cases the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The cases allocated to the user.
    Mine,
    /// Every case of the LA.
    Team,
}

impl Who {
    /// The value in the address.
    pub fn key(self) -> &'static str {
        match self {
            Who::Mine => "mine",
            Who::Team => "team",
        }
    }

    /// Where a role starts: caseworkers with their own cases, managers and admins with the
    /// team's.
    pub fn default_for(role: Role) -> Who {
        if role == Role::Caseworker {
            Who::Mine
        } else {
            Who::Team
        }
    }
}

/// The age groups a caseload can be narrowed to, across the 0 to 25 range of the SEND system
/// (Children and Families Act 2014, s.83(2)): before school, primary, secondary, further
/// education, and young adults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeGroup {
    /// 0 to 4.
    Under5,
    /// 5 to 10.
    From5To10,
    /// 11 to 15.
    From11To15,
    /// 16 to 19.
    From16To19,
    /// 20 to 25.
    From20To25,
}

impl AgeGroup {
    /// Every group, youngest first.
    pub const ALL: [AgeGroup; 5] = [
        AgeGroup::Under5,
        AgeGroup::From5To10,
        AgeGroup::From11To15,
        AgeGroup::From16To19,
        AgeGroup::From20To25,
    ];

    /// The value in the address.
    pub fn key(self) -> &'static str {
        match self {
            AgeGroup::Under5 => "under-5",
            AgeGroup::From5To10 => "5-10",
            AgeGroup::From11To15 => "11-15",
            AgeGroup::From16To19 => "16-19",
            AgeGroup::From20To25 => "20-25",
        }
    }

    /// The group in words.
    pub fn label(self) -> &'static str {
        match self {
            AgeGroup::Under5 => "Under 5",
            AgeGroup::From5To10 => "5 to 10",
            AgeGroup::From11To15 => "11 to 15",
            AgeGroup::From16To19 => "16 to 19",
            AgeGroup::From20To25 => "20 to 25",
        }
    }

    /// The youngest and oldest age in the group, in whole years.
    fn ages(self) -> (u32, u32) {
        match self {
            AgeGroup::Under5 => (0, 4),
            AgeGroup::From5To10 => (5, 10),
            AgeGroup::From11To15 => (11, 15),
            AgeGroup::From16To19 => (16, 19),
            AgeGroup::From20To25 => (20, 25),
        }
    }

    /// The dates of birth of those whose age on `today` is in the group: born on or after
    /// the first date and on or before the second. Someone born on 29 February has their
    /// birthday on 1 March in other years.
    pub fn born_between(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let (youngest, oldest) = self.ages();
        let from = years_before(today, oldest + 1)
            .succ_opt()
            .unwrap_or(NaiveDate::MIN);
        (from, years_before(today, youngest))
    }
}

/// The same day `years` years before (28 February for 29 February in a year with none).
fn years_before(day: NaiveDate, years: u32) -> NaiveDate {
    day.checked_sub_months(Months::new(years.saturating_mul(12)))
        .unwrap_or(NaiveDate::MIN)
}

/// The orders a caseload can be sorted in, as the address names them.
const SORTS: [(CaseloadSort, &str, &str); 3] = [
    (CaseloadSort::NextDue, "deadline", "Next deadline"),
    (CaseloadSort::Name, "name", "Family name"),
    (CaseloadSort::Received, "received", "Date request received"),
];

/// The filters, sort and page of a caseload, read from the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filters {
    /// Whose cases, if the address says (otherwise the role's default).
    pub who: Option<Who>,
    /// Only this stage.
    pub stage: Option<Stage>,
    /// Only this caseworker's cases (an account number), or `none` for unallocated ones.
    pub caseworker: Option<String>,
    /// Only cases whose next deadline has passed.
    pub overdue: bool,
    /// Only cases whose school or setting name contains this.
    pub school: String,
    /// Only children in this age group.
    pub age: Option<AgeGroup>,
    /// Only cases with an exception to the time limits recorded.
    pub exceptions: bool,
    /// Name, UPN, reference or date of birth.
    pub search: String,
    /// The order.
    pub sort: CaseloadSort,
    /// The page, from 1.
    pub page: i64,
}

impl Default for Filters {
    fn default() -> Self {
        Filters {
            who: None,
            stage: None,
            caseworker: None,
            overdue: false,
            school: String::new(),
            age: None,
            exceptions: false,
            search: String::new(),
            sort: CaseloadSort::NextDue,
            page: 1,
        }
    }
}

impl Filters {
    /// Reads the query string. Anything unknown or malformed is left out.
    pub fn parse(query: &str) -> Filters {
        let mut filters = Filters::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let value = value.trim();
            match name.as_ref() {
                "who" => {
                    filters.who = [Who::Mine, Who::Team]
                        .into_iter()
                        .find(|w| w.key() == value);
                }
                "stage" => filters.stage = Stage::ALL.into_iter().find(|s| s.key() == value),
                "caseworker" => {
                    filters.caseworker = (value == "none" || value.parse::<i64>().is_ok())
                        .then(|| value.to_string());
                }
                "overdue" => filters.overdue = value == "yes",
                "school" => filters.school = value.chars().take(MAX_TEXT).collect(),
                "age" => filters.age = AgeGroup::ALL.into_iter().find(|a| a.key() == value),
                "exceptions" => filters.exceptions = value == "yes",
                "q" => filters.search = value.chars().take(MAX_TEXT).collect(),
                "sort" => {
                    filters.sort = SORTS
                        .iter()
                        .find(|(_, key, _)| *key == value)
                        .map_or(CaseloadSort::NextDue, |(sort, _, _)| *sort);
                }
                "page" => {
                    filters.page = value
                        .parse::<i64>()
                        .ok()
                        .filter(|n| (1..=1_000_000).contains(n))
                        .unwrap_or(1);
                }
                _ => {}
            }
        }
        filters
    }

    /// Whether anything narrows the list (search or a filter; not the sort or page).
    pub fn narrowed(&self) -> bool {
        self.stage.is_some()
            || self.caseworker.is_some()
            || self.overdue
            || !self.school.is_empty()
            || self.age.is_some()
            || self.exceptions
            || !self.search.is_empty()
    }

    /// The address of these filters at `page`, naming only what is not the default.
    pub fn href(&self, page: i64) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(who) = self.who {
            query.append_pair("who", who.key());
        }
        if !self.search.is_empty() {
            query.append_pair("q", &self.search);
        }
        if let Some(stage) = self.stage {
            query.append_pair("stage", stage.key());
        }
        if let Some(caseworker) = &self.caseworker {
            query.append_pair("caseworker", caseworker);
        }
        if let Some(age) = self.age {
            query.append_pair("age", age.key());
        }
        if !self.school.is_empty() {
            query.append_pair("school", &self.school);
        }
        if self.overdue {
            query.append_pair("overdue", "yes");
        }
        if self.exceptions {
            query.append_pair("exceptions", "yes");
        }
        if self.sort != CaseloadSort::NextDue {
            query.append_pair("sort", sort_key(self.sort));
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            "/caseload".to_string()
        } else {
            format!("/caseload?{query}")
        }
    }

    /// The store's query for `who`'s view as `user` sees it on `today`.
    fn query(&self, who: Who, user: &CurrentUser, today: NaiveDate) -> CaseloadQuery {
        let (caseworker, unallocated) = match (who, self.caseworker.as_deref()) {
            (Who::Mine, _) => (Some(user.id().to_string()), false),
            (Who::Team, Some("none")) => (None, true),
            (Who::Team, other) => (other.map(str::to_string), false),
        };
        let (born_from, born_to) = self
            .age
            .map(|age| age.born_between(today))
            .map_or((None, None), |(from, to)| (Some(from), Some(to)));
        CaseloadQuery {
            stage: self.stage.map(|s| s.key().to_string()),
            caseworker,
            unallocated,
            due_before: self.overdue.then_some(today),
            include_closed: self.stage == Some(Stage::Closed),
            school: (!self.school.is_empty()).then(|| self.school.clone()),
            born_from,
            born_to,
            with_exception: self.exceptions,
            search: (!self.search.is_empty()).then(|| search_text(&self.search)),
            sort: self.sort,
            limit: PER_PAGE,
            offset: (self.page - 1).saturating_mul(PER_PAGE),
        }
    }
}

fn sort_key(sort: CaseloadSort) -> &'static str {
    SORTS
        .iter()
        .find(|(s, _, _)| *s == sort)
        .map_or("deadline", |(_, key, _)| key)
}

/// A date of birth typed as people write it ("27/3/2014", "27 March 2014") in the form the
/// store searches for (2014-03-27); any other text as it is.
pub fn search_text(text: &str) -> String {
    const FORMATS: [&str; 5] = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y"];
    FORMATS
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
        .filter(|day| day.year() >= 1900)
        .map_or_else(
            || text.to_string(),
            |day| day.format("%Y-%m-%d").to_string(),
        )
}

/// `GET /caseload`.
async fn caseload<S: Store>(
    State(state): State<AppState<S>>,
    nav: Nav,
    ip: ClientIp,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> AppResult<Html<String>> {
    let Some(list) = policy::can_list_cases(&user) else {
        return Err(AppError::Forbidden);
    };
    let mut filters = Filters::parse(raw.as_deref().unwrap_or_default());
    let who = filters.who.unwrap_or_else(|| Who::default_for(user.role()));
    let today = state.app.today();
    let colleagues = list.colleagues(&state.store).await?;
    // A caseworker who is not an account of this LA is no filter at all.
    if let Some(id) = filters.caseworker.as_deref()
        && id != "none"
        && !colleagues.iter().any(|u| u.id.to_string() == id)
    {
        filters.caseworker = None;
    }
    let mut query = filters.query(who, &user, today);
    let mut found = list.caseload(&state.store, &query).await?;
    if found.items.is_empty() && found.total > 0 {
        // A page past the end (a list that got shorter): show the last page.
        filters.page = last_page(found.total);
        query.offset = (filters.page - 1) * PER_PAGE;
        found = list.caseload(&state.store, &query).await?;
    }
    audit::record(
        &state.store,
        &user,
        Action::ViewCaseload,
        Record::Caseload,
        &ip,
    )
    .await?;
    let names = names(&colleagues);
    let rows = case_rows(&found.items, &names, today);
    let other = Filters {
        who: Some(match who {
            Who::Mine => Who::Team,
            Who::Team => Who::Mine,
        }),
        ..Filters::default()
    };
    let cleared = Filters {
        who: filters.who,
        sort: filters.sort,
        ..Filters::default()
    };
    state.templates.render(
        "caseload.html",
        &nav,
        context! {
            who => who.key(),
            heading => match who { Who::Mine => "Your caseload", Who::Team => "Team caseload" },
            other_view => context! {
                href => other.href(1),
                text => match who {
                    Who::Mine => "View the team caseload",
                    Who::Team => "View your own caseload",
                },
            },
            cases => rows,
            showing => showing(filters.page, found.items.len(), found.total, "case", "cases"),
            pagination => Serde(pagination(filters.page, found.total, |page| filters.href(page))),
            narrowed => filters.narrowed(),
            clear_href => cleared.href(1),
            q => &filters.search,
            stage => filters.stage.map(|s| s.key()),
            stages => Stage::ALL.iter().map(|s| context! { value => s.key(), label => s.label() }).collect::<Vec<_>>(),
            caseworker => &filters.caseworker,
            caseworkers => caseworker_options(&colleagues),
            age => filters.age.map(|a| a.key()),
            ages => AgeGroup::ALL.iter().map(|a| context! { value => a.key(), label => a.label() }).collect::<Vec<_>>(),
            school => &filters.school,
            overdue => filters.overdue,
            exceptions => filters.exceptions,
            sort => sort_key(filters.sort),
            sorts => SORTS.iter().map(|(_, value, label)| context! { value => *value, label => *label }).collect::<Vec<_>>(),
        },
    )
}

/// The caseworker filter's choices: cases with no caseworker, then the caseworker accounts
/// of the LA by name.
fn caseworker_options(colleagues: &[User]) -> Vec<Value> {
    let mut caseworkers: Vec<&User> = colleagues
        .iter()
        .filter(|u| u.role == Role::Caseworker)
        .collect();
    caseworkers.sort_by_key(|u| name_order(&u.name));
    let unallocated = context! { value => "none", label => "Not allocated" };
    std::iter::once(unallocated)
        .chain(caseworkers.into_iter().map(|u| {
            let label = if u.disabled {
                format!("{} (account disabled)", u.name)
            } else {
                u.name.clone()
            };
            context! { value => u.id.to_string(), label => label }
        }))
        .collect()
}

/// How lists of people are ordered: by name, ignoring case, with numbers in names in number
/// order ("Caseworker 2" before "Caseworker 10").
pub(crate) fn name_order(name: &str) -> Vec<(String, u64)> {
    let mut key = Vec::new();
    let mut text = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut number = u64::from(c as u8 - b'0');
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                number = number
                    .saturating_mul(10)
                    .saturating_add(u64::from(d as u8 - b'0'));
                chars.next();
            }
            key.push((std::mem::take(&mut text), number));
        } else {
            text.extend(c.to_lowercase());
        }
    }
    key.push((text, 0));
    key
}

/// Account numbers (as cases hold them) to names.
pub(crate) fn names(users: &[User]) -> HashMap<String, String> {
    users
        .iter()
        .map(|u| (u.id.to_string(), u.name.clone()))
        .collect()
}

/// The table rows of a caseload page: the child, the stage, the next deadline and how long
/// is left on `today`, the exception flag, and the caseworker by name (`names`).
pub(crate) fn case_rows(
    items: &[CaseListItem],
    names: &HashMap<String, String>,
    today: NaiveDate,
) -> Vec<Value> {
    items
        .iter()
        .map(|item| {
            let s = &item.summary;
            let deadline = s.next_due_clock.as_deref().map(|key| {
                ClockKind::ALL
                    .into_iter()
                    .find(|kind| kind.key() == key)
                    .map_or("Statutory deadline", ClockKind::label)
            });
            let rag = s.next_due.map(|due| Rag::of(due, today));
            context! {
                id => item.id.0,
                reference => &item.reference,
                name => format!("{} {}", s.given_name, s.family_name),
                date_of_birth => s.date_of_birth.map(uk_time::date),
                stage => stage_label(&s.stage),
                deadline => deadline,
                due => s.next_due.map(uk_time::date),
                days => s.next_due.map(|due| days_text(due, today)),
                rag => rag.map(tag_colour),
                rag_label => rag.map(Rag::label),
                exception => s.has_exception,
                caseworker => s.caseworker.as_ref().map(|id| names.get(id).map_or("Unknown account", String::as_str)),
            }
        })
        .collect()
}

/// The GOV.UK tag colour of a rating.
fn tag_colour(rag: Rag) -> &'static str {
    match rag {
        Rag::Red => "red",
        Rag::Amber => "yellow",
        Rag::Green => "green",
    }
}

/// "12 days left", "Due today", "3 days overdue".
pub fn days_text(due: NaiveDate, today: NaiveDate) -> String {
    match (due - today).num_days() {
        0 => "Due today".to_string(),
        1 => "1 day left".to_string(),
        -1 => "1 day overdue".to_string(),
        left if left > 1 => format!("{} days left", thousands(left)),
        late => format!("{} days overdue", thousands(-late)),
    }
}

/// The number of the last page of `total` rows.
pub(crate) fn last_page(total: i64) -> i64 {
    ((total + PER_PAGE - 1) / PER_PAGE).max(1)
}

/// "Showing 51 to 100 of 1,234 cases"; `None` when there are none.
pub(crate) fn showing(
    page: i64,
    shown: usize,
    total: i64,
    one: &str,
    many: &str,
) -> Option<String> {
    if total == 0 || shown == 0 {
        return None;
    }
    let first = (page - 1) * PER_PAGE + 1;
    let last = first + i64::try_from(shown).unwrap_or(PER_PAGE) - 1;
    let noun = if total == 1 { one } else { many };
    Some(format!(
        "Showing {} to {} of {} {noun}",
        thousands(first),
        thousands(last),
        thousands(total)
    ))
}

/// 1234567 → "1,234,567".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The GOV.UK pagination component's links.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct Pagination {
    previous: Option<String>,
    next: Option<String>,
    items: Vec<PageItem>,
}

/// A numbered page link, or a gap (`number` is `None`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
struct PageItem {
    number: Option<i64>,
    href: String,
    current: bool,
}

/// Pagination for `page` of `total` rows, linking with `href(page)`: the first and last
/// pages, the current one and its neighbours, and gaps between (as the GOV.UK pagination
/// component advises). `None` when everything fits on one page.
pub(crate) fn pagination(
    page: i64,
    total: i64,
    href: impl Fn(i64) -> String,
) -> Option<Pagination> {
    let last = last_page(total);
    if last <= 1 {
        return None;
    }
    let mut items = Vec::new();
    let mut previous_shown = 0;
    for number in 1..=last {
        let shown = number == 1 || number == last || (number - page).abs() <= 1;
        if !shown {
            continue;
        }
        if number > previous_shown + 1 {
            items.push(PageItem {
                number: None,
                href: String::new(),
                current: false,
            });
        }
        items.push(PageItem {
            number: Some(number),
            href: href(number),
            current: number == page,
        });
        previous_shown = number;
    }
    Some(Pagination {
        previous: (page > 1).then(|| href(page - 1)),
        next: (page < last).then(|| href(page + 1)),
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn age_groups_are_whole_years_on_today() {
        let today = d("2026-03-04");
        assert_eq!(
            AgeGroup::Under5.born_between(today),
            (d("2021-03-05"), d("2026-03-04"))
        );
        assert_eq!(
            AgeGroup::From5To10.born_between(today),
            (d("2015-03-05"), d("2021-03-04"))
        );
        assert_eq!(
            AgeGroup::From20To25.born_between(today),
            (d("2000-03-05"), d("2006-03-04"))
        );
        // The groups meet without a gap or an overlap.
        for pair in AgeGroup::ALL.windows(2) {
            let (older_from, _) = pair[0].born_between(today);
            let (_, younger_to) = pair[1].born_between(today);
            assert_eq!(younger_to.succ_opt(), Some(older_from), "{pair:?}");
        }
    }

    #[test]
    fn a_leap_day_birthday_comes_on_the_first_of_march() {
        // Born 29 February 2020: still 4 on 28 February 2025, 5 on 1 March.
        let (_, born_to) = AgeGroup::From5To10.born_between(d("2025-02-28"));
        assert!(d("2020-02-29") > born_to);
        let (_, born_to) = AgeGroup::From5To10.born_between(d("2025-03-01"));
        assert!(d("2020-02-29") <= born_to);
    }

    #[test]
    fn filters_the_form_never_sends_are_ignored() {
        let filters = Filters::parse("page=abc&stage=nowhere&sort=upside&age=7&caseworker=x'--");
        assert_eq!(filters, Filters::default());
        let filters = Filters::parse("page=0");
        assert_eq!(filters.page, 1);
        let filters = Filters::parse("page=-3&who=everyone");
        assert_eq!(filters, Filters::default());
    }

    #[test]
    fn page_links_keep_the_filters() {
        let filters = Filters::parse(
            "who=team&q=Ada+Stone&stage=assessing&caseworker=7&age=5-10&school=St+Mary%27s\
             &overdue=yes&exceptions=yes&sort=name&page=2",
        );
        assert_eq!(filters.page, 2);
        let href = filters.href(3);
        assert_eq!(
            href,
            "/caseload?who=team&q=Ada+Stone&stage=assessing&caseworker=7&age=5-10\
             &school=St+Mary%27s&overdue=yes&exceptions=yes&sort=name&page=3"
        );
        let again = Filters::parse(href.trim_start_matches("/caseload?"));
        assert_eq!(again, Filters { page: 3, ..filters });
        assert_eq!(Filters::default().href(1), "/caseload");
    }

    #[test]
    fn dates_of_birth_are_searched_however_they_are_typed() {
        for typed in [
            "27/03/2014",
            "27/3/2014",
            "27-03-2014",
            "27 March 2014",
            "27 mar 2014",
        ] {
            assert_eq!(search_text(typed), "2014-03-27", "{typed}");
        }
        assert_eq!(search_text("2014-03-27"), "2014-03-27");
        assert_eq!(search_text("Ada Stone"), "Ada Stone");
        assert_eq!(search_text("A801200001001"), "A801200001001");
    }

    #[test]
    fn names_are_ordered_with_their_numbers_as_numbers() {
        let mut names = vec![
            "caseworker 10",
            "Caseworker 2",
            "Ada",
            "Caseworker 1",
            "zed",
        ];
        names.sort_by_key(|n| name_order(n));
        assert_eq!(
            names,
            [
                "Ada",
                "Caseworker 1",
                "Caseworker 2",
                "caseworker 10",
                "zed"
            ]
        );
    }

    #[test]
    fn days_left_read_as_words() {
        let today = d("2026-03-04");
        assert_eq!(days_text(d("2026-03-04"), today), "Due today");
        assert_eq!(days_text(d("2026-03-05"), today), "1 day left");
        assert_eq!(days_text(d("2026-03-16"), today), "12 days left");
        assert_eq!(days_text(d("2026-03-03"), today), "1 day overdue");
        assert_eq!(days_text(d("2026-02-25"), today), "7 days overdue");
        assert_eq!(days_text(d("2019-09-28"), today), "2,349 days overdue");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(
            showing(2, 50, 1234, "case", "cases").as_deref(),
            Some("Showing 51 to 100 of 1,234 cases")
        );
        assert_eq!(
            showing(1, 1, 1, "case", "cases").as_deref(),
            Some("Showing 1 to 1 of 1 case")
        );
        assert_eq!(showing(1, 0, 0, "case", "cases"), None);
    }

    #[test]
    fn pagination_shows_the_ends_the_current_page_and_its_neighbours() {
        let numbers = |page, total| {
            pagination(page, total, |n| format!("/p{n}")).map(|p| {
                p.items
                    .iter()
                    .map(|i| i.number.map_or("…".to_string(), |n| n.to_string()))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        };
        assert_eq!(numbers(1, 50), None);
        assert_eq!(numbers(1, 51).as_deref(), Some("1 2"));
        assert_eq!(numbers(1, 1000).as_deref(), Some("1 2 … 20"));
        assert_eq!(numbers(10, 1000).as_deref(), Some("1 … 9 10 11 … 20"));
        assert_eq!(numbers(20, 1000).as_deref(), Some("1 … 19 20"));
        assert_eq!(numbers(3, 1000).as_deref(), Some("1 2 3 4 … 20"));
        let p = pagination(2, 200, |n| format!("/p{n}")).unwrap_or_else(|| panic!("none"));
        assert_eq!(p.previous.as_deref(), Some("/p1"));
        assert_eq!(p.next.as_deref(), Some("/p3"));
    }
}
