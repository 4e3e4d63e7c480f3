//! Queuing notifications: each event that needs someone to act puts a message in the durable
//! outbox (`waymark_store::portal`), which the notification worker sends by email (SMTP or
//! GOV.UK Notify) with retries. Queuing is part of handling the request; sending is not, so
//! an email outage never fails or slows a page.
//!
//! A notification holds no personal data beyond the recipient's first name and a link (and,
//! for reminders, a due date): what it is about is read in Waymark after signing in.

use chrono::{NaiveDate, Utc};
use serde_json::json;
use waymark_store::CaseAccess;
use waymark_store::domain::case::Case;
use waymark_store::domain::command::Command;
use waymark_store::portal::NewNotification;
use waymark_store::{CaseId, LaCode, Store, User};

use crate::error::AppResult;

/// The messages Waymark sends, by the template name the worker knows.
pub mod template {
    /// An invitation to the portal.
    pub const INVITE: &str = "invite";
    /// Advice has been requested from the recipient's organisation.
    pub const ADVICE_REQUESTED: &str = "advice_requested";
    /// Advice is due soon.
    pub const ADVICE_REMINDER: &str = "advice_reminder";
    /// Advice is overdue.
    pub const ADVICE_OVERDUE: &str = "advice_overdue";
    /// The draft plan has been sent for comment.
    pub const DRAFT_PLAN_SENT: &str = "draft_plan_sent";
    /// A decision has been made (letter to read).
    pub const DECISION_MADE: &str = "decision_made";
    /// A new message on a case.
    pub const MESSAGE_RECEIVED: &str = "message_received";
    /// Every template.
    pub const ALL: [&str; 7] = [
        INVITE,
        ADVICE_REQUESTED,
        ADVICE_REMINDER,
        ADVICE_OVERDUE,
        DRAFT_PLAN_SENT,
        DECISION_MADE,
        MESSAGE_RECEIVED,
    ];
}

/// The first word of a name, for "Dear Grace".
pub fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or("")
}

/// Queues one notification to `to` with a link to `path` on this instance. The key makes it
/// idempotent: queuing the same event for the same person again does nothing.
///
/// # Errors
/// The store failed.
#[allow(clippy::too_many_arguments)]
pub async fn queue<S: Store>(
    store: &S,
    public_url: &str,
    la: &LaCode,
    template: &str,
    to: &User,
    path: &str,
    due: Option<NaiveDate>,
    key: &str,
) -> AppResult<bool> {
    let mut personalisation = json!({
        "first_name": first_name(&to.name),
        "link": format!("{}{path}", public_url.trim_end_matches('/')),
    });
    if let Some(due) = due {
        personalisation["due_date"] = json!(crate::uk_time::date(due));
    }
    Ok(store
        .enqueue_notification(&NewNotification {
            la: Some(la.clone()),
            template: template.to_string(),
            recipient: to.email.clone(),
            personalisation,
            idempotency_key: format!("{template}:{key}:{}", to.id.0),
            created_at: Utc::now(),
        })
        .await?)
}

/// Everyone outside the council with an open relation to the case, with their accounts.
async fn participants<S: Store>(
    store: &S,
    la: &LaCode,
    case: CaseId,
    relation: &str,
) -> AppResult<Vec<User>> {
    let mut out = Vec::new();
    for access in store.case_participants(la, case).await? {
        if access.relation != relation {
            continue;
        }
        if let Some(user) = store.find_user(access.user_id).await? {
            if !user.disabled {
                out.push(user);
            }
        }
    }
    Ok(out)
}

/// Queues what a change to a case means for the people outside the council: the family
/// hears of decisions and the draft plan; an organisation's staff with access to the case
/// hear that advice is asked of them. `version` is the case's version after the change, so
/// each change is notified once.
///
/// # Errors
/// The store failed.
pub async fn after_change<S: Store>(
    store: &S,
    public_url: &str,
    la: &LaCode,
    id: CaseId,
    version: i64,
    case: &Case,
    command: &Command,
) -> AppResult<()> {
    let path = format!("/cases/{}", id.0);
    let key = format!("{}:{version}", id.0);
    let family = || participants(store, la, id, CaseAccess::PARENT);
    match command {
        Command::DecideWhetherToAssess { .. }
        | Command::DecideWhetherToIssue { .. }
        | Command::IssueFinalPlan { .. } => {
            for user in family().await? {
                queue(
                    store,
                    public_url,
                    la,
                    template::DECISION_MADE,
                    &user,
                    &path,
                    None,
                    &key,
                )
                .await?;
            }
        }
        Command::ServeDraft { .. } => {
            let due = case
                .served_draft()
                .and_then(|v| v.served_on)
                .and_then(|on| waymark_store::domain::clock::representations_by(on).ok());
            for user in family().await? {
                queue(
                    store,
                    public_url,
                    la,
                    template::DRAFT_PLAN_SENT,
                    &user,
                    &path,
                    due,
                    &key,
                )
                .await?;
            }
        }
        Command::RequestAdvice {
            organisation, on, ..
        } => {
            let due = waymark_store::domain::clock::advice_by(*on).ok();
            for user in participants(store, la, id, CaseAccess::ADVICE).await? {
                if user.organisation.as_deref() == Some(organisation.as_str()) {
                    queue(
                        store,
                        public_url,
                        la,
                        template::ADVICE_REQUESTED,
                        &user,
                        &path,
                        due,
                        &key,
                    )
                    .await?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_names_are_the_first_word() {
        assert_eq!(first_name("Grace  Okafor"), "Grace");
        assert_eq!(first_name(""), "");
    }
}
