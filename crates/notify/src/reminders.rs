//! Advice reminders. Advice asked for in an assessment is due 6 weeks after the request
//! (SEND Regulations 2014, reg 8(1)). A periodic scan queues, for each advice request not yet
//! answered, an `advice_reminder` at set points before the due date (by default 7 and 2
//! days before) and an `advice_overdue` the day after it, to the professionals with open
//! advice access to the case who work for the organisation asked — the same people told of
//! the request when it was made (`waymark_app::notices::for_change`).
//!
//! Each is queued once: its idempotency key names the case, the request's number, the point
//! (`advice_reminder:{case}:{number}:{days}:{user}`, `advice_overdue:{case}:{number}:{user}`)
//! and the person, so a scan can run as often as wanted, on any number of instances. A scan
//! that comes late (the service was down on the day) queues only the latest point passed,
//! never two reminders at once; an overdue notice is queued only within
//! [`ReminderSettings::overdue_within_days`] of the due date, so turning reminders on does
//! not send notices about requests long forgotten.
//!
//! The scan is cheap: it lists only the open cases at the assessing stage, a page at a time,
//! from the caseload's summary columns, loads each of those, and looks up who to tell only
//! for a request that has a notice due today.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use chrono::NaiveDate;
use waymark_app::notices::{self, template};
use waymark_store::caseload::{CaseloadQuery, CaseloadSort};
use waymark_store::cases::{self, CaseError};
use waymark_store::domain::case::{AdviceRequest, Stage};
use waymark_store::{CaseAccess, CaseId, LaCode, Store, StoreError, User};

/// When and for whom reminders are queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderSettings {
    /// The local authorities whose cases are scanned.
    pub las: Vec<LaCode>,
    /// Days before the due date on which a reminder is queued (default 7 and 2).
    pub days_before: Vec<u32>,
    /// An overdue notice is queued from the day after the due date until this many days
    /// after it, if the scan has not queued one yet.
    pub overdue_within_days: u32,
    /// The address users reach Waymark at, for the link.
    pub public_url: String,
    /// How often to scan.
    pub interval: Duration,
    /// How many cases to read at once.
    pub page_size: i64,
}

impl ReminderSettings {
    /// Reminders 7 and 2 days before, overdue notices up to 28 days after, a scan every 10
    /// minutes, for these local authorities.
    pub fn new(las: Vec<LaCode>, public_url: impl Into<String>) -> ReminderSettings {
        ReminderSettings {
            las,
            days_before: vec![7, 2],
            overdue_within_days: 28,
            public_url: public_url.into(),
            interval: Duration::from_secs(10 * 60),
            page_size: 200,
        }
    }
}

/// Why a scan stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReminderError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A case could not be read.
    #[error(transparent)]
    Case(#[from] CaseError),
    /// A reminder could not be queued.
    #[error("could not queue a reminder: {0}")]
    Queue(#[from] waymark_app::Error),
}

/// The notice an advice request needs on a day, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdviceNotice {
    /// A reminder for the point this many days before the due date.
    Reminder {
        /// Days before the due date.
        days: u32,
    },
    /// The due date has passed.
    Overdue,
}

/// The notice due `today` for advice due on `due`: the reminder for the latest point passed
/// (of `days_before`) up to the due date itself, or the overdue notice from the day after
/// until `overdue_within_days` after.
pub fn notice_due(
    due: NaiveDate,
    today: NaiveDate,
    days_before: &[u32],
    overdue_within_days: u32,
) -> Option<AdviceNotice> {
    let left = (due - today).num_days();
    if left < 0 {
        return (-left <= i64::from(overdue_within_days)).then_some(AdviceNotice::Overdue);
    }
    days_before
        .iter()
        .copied()
        .filter(|&days| i64::from(days) >= left)
        .min()
        .map(|days| AdviceNotice::Reminder { days })
}

/// What a scan did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scan {
    /// Cases at the assessing stage read.
    pub cases: usize,
    /// Notices queued (not counting those queued before).
    pub queued: usize,
    /// Cases whose notices could not be queued (logged; tried again at the next scan).
    pub failed: usize,
}

/// Scans every configured local authority once and queues the notices due `today`.
///
/// # Errors
/// The store failed to list the cases. A case that cannot be read or queued for is logged,
/// counted in [`Scan::failed`] and passed over until the next scan.
pub async fn queue_reminders<S: Store>(
    store: &S,
    settings: &ReminderSettings,
    today: NaiveDate,
) -> Result<Scan, ReminderError> {
    let mut scan = Scan::default();
    for la in &settings.las {
        let mut offset = 0;
        loop {
            let page = store
                .caseload(
                    la,
                    &CaseloadQuery {
                        stage: Some(Stage::Assessing.key().to_string()),
                        sort: CaseloadSort::Received,
                        limit: settings.page_size,
                        offset,
                        ..CaseloadQuery::default()
                    },
                )
                .await?;
            for item in &page.items {
                scan.cases += 1;
                // One case that cannot be read must not hold up every case after it.
                match queue_for_case(store, settings, la, item.id, today).await {
                    Ok(queued) => scan.queued += queued,
                    Err(e) => {
                        scan.failed += 1;
                        tracing::error!(case = item.id.0, error = %e, "could not queue advice reminders for a case");
                    }
                }
            }
            if i64::try_from(page.items.len()).unwrap_or(0) < settings.page_size {
                break;
            }
            offset += settings.page_size;
        }
    }
    Ok(scan)
}

/// Queues the notices due today on one case; returns how many were new.
async fn queue_for_case<S: Store>(
    store: &S,
    settings: &ReminderSettings,
    la: &LaCode,
    id: CaseId,
    today: NaiveDate,
) -> Result<usize, ReminderError> {
    let Some(loaded) = cases::load(store, la, id).await? else {
        return Ok(0);
    };
    let due_today: Vec<(&AdviceRequest, NaiveDate, AdviceNotice)> = loaded
        .case
        .advice
        .iter()
        .filter(|advice| advice.received.is_none())
        .filter_map(|advice| {
            let due = waymark_store::domain::clock::advice_by(advice.requested).ok()?;
            let notice = notice_due(
                due,
                today,
                &settings.days_before,
                settings.overdue_within_days,
            )?;
            Some((advice, due, notice))
        })
        .collect();
    if due_today.is_empty() {
        return Ok(0);
    }
    let advisers = advisers(store, la, id).await?;
    let path = format!("/cases/{}", id.0);
    let mut queued = 0;
    for (advice, due, notice) in due_today {
        let (template, key) = match notice {
            AdviceNotice::Reminder { days } => (
                template::ADVICE_REMINDER,
                format!("{}:{}:{days}", id.0, advice.number),
            ),
            AdviceNotice::Overdue => (
                template::ADVICE_OVERDUE,
                format!("{}:{}", id.0, advice.number),
            ),
        };
        let asked = advisers
            .get(advice.organisation.as_str())
            .into_iter()
            .flatten();
        for user in asked {
            let new = notices::Notice {
                la,
                template,
                public_url: &settings.public_url,
                path: &path,
                due: Some(due),
                key: &key,
            }
            .queue(store, user)
            .await?;
            queued += usize::from(new);
        }
    }
    Ok(queued)
}

/// The professionals with open advice access to a case, by the organisation they work for.
async fn advisers<S: Store>(
    store: &S,
    la: &LaCode,
    id: CaseId,
) -> Result<BTreeMap<String, Vec<User>>, StoreError> {
    let mut by_organisation: BTreeMap<String, Vec<User>> = BTreeMap::new();
    for access in store.case_participants(la, id).await? {
        if access.relation != CaseAccess::ADVICE {
            continue;
        }
        let Some(user) = store.find_user(access.user_id).await? else {
            continue;
        };
        if user.disabled {
            continue;
        }
        if let Some(organisation) = user.organisation.clone() {
            by_organisation.entry(organisation).or_default().push(user);
        }
    }
    Ok(by_organisation)
}

/// Scans every `settings.interval` (the first at once) until `shutdown` completes. "Today" is
/// the date in the UK.
pub async fn run_reminders<S: Store>(
    store: S,
    settings: ReminderSettings,
    shutdown: impl Future<Output = ()> + Send,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    tracing::info!(
        las = settings.las.len(),
        days_before = ?settings.days_before,
        "queuing advice reminders"
    );
    loop {
        match queue_reminders(&store, &settings, waymark_app::time::today()).await {
            Ok(scan) if scan.queued > 0 || scan.failed > 0 => {
                tracing::info!(
                    cases = scan.cases,
                    queued = scan.queued,
                    failed = scan.failed,
                    "advice reminders queued"
                );
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "the advice reminder scan failed; will try again")
            }
        }
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            () = tokio::time::sleep(settings.interval) => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_latest_point_passed_is_the_one_due() {
        let due = d("2026-03-25");
        let at = |day: &str| notice_due(due, d(day), &[7, 2], 28);
        // One row per day around the due date.
        let rows = [
            ("2026-03-17", None),
            ("2026-03-18", Some(AdviceNotice::Reminder { days: 7 })),
            ("2026-03-22", Some(AdviceNotice::Reminder { days: 7 })),
            ("2026-03-23", Some(AdviceNotice::Reminder { days: 2 })),
            ("2026-03-25", Some(AdviceNotice::Reminder { days: 2 })),
            ("2026-03-26", Some(AdviceNotice::Overdue)),
            ("2026-04-22", Some(AdviceNotice::Overdue)),
            ("2026-04-23", None),
        ];
        for (day, expected) in rows {
            assert_eq!(at(day), expected, "{day}");
        }
    }

    #[test]
    fn no_points_means_no_reminders_only_overdue_notices() {
        let due = d("2026-03-25");
        assert_eq!(notice_due(due, d("2026-03-24"), &[], 28), None);
        assert_eq!(
            notice_due(due, d("2026-03-26"), &[], 28),
            Some(AdviceNotice::Overdue)
        );
        assert_eq!(notice_due(due, d("2026-03-26"), &[], 0), None);
    }
}
