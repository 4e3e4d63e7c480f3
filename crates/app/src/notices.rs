//! Queuing notifications: each event that needs someone to act puts a message in the durable
//! outbox (`waymark_store::portal`): a change to a case in the
//! change's own transaction ([`for_change`], through `crate::cases`), anything else with
//! [`Notice::queue`], which the notification worker sends by email (SMTP or
//! GOV.UK Notify) with retries. Queuing is part of handling the request; sending is not, so
//! an email outage never fails or slows a page.
//!
//! A notification holds no personal data beyond the recipient's first name and a link (and,
//! for reminders, a due date): what it is about is read in Waymark after signing in.

use chrono::{NaiveDate, Utc};
use serde_json::json;
use waymark_store::CaseAccess;
use waymark_store::domain::case::Case;
use waymark_store::domain::clock;
use waymark_store::domain::command::Command;
use waymark_store::portal::NewNotification;
use waymark_store::{CaseId, LaCode, Store, User};

use crate::error::Result as AppResult;

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

/// One notification of `template` to `to`, with a link to `path` on this instance (and a due
/// date, for advice and representations). `key` names the event, so the same event for the
/// same person is queued once however often it is offered.
#[derive(Debug, Clone, Copy)]
pub struct Notice<'a> {
    /// The council it is from.
    pub la: &'a LaCode,
    /// Which message ([`template`]).
    pub template: &'a str,
    /// The address links point at ([`crate::App::public_url`]).
    pub public_url: &'a str,
    /// The path on this instance the link opens.
    pub path: &'a str,
    /// The due date the message gives, if any.
    pub due: Option<NaiveDate>,
    /// What the message is about, for its idempotency key.
    pub key: &'a str,
}

impl Notice<'_> {
    /// The outbox row for `to`, queued at `at`.
    pub fn to(&self, to: &User, at: chrono::DateTime<Utc>) -> NewNotification {
        let mut personalisation = json!({
            "first_name": first_name(&to.name),
            "link": format!("{}{}", self.public_url.trim_end_matches('/'), self.path),
        });
        if let Some(due) = self.due {
            personalisation["due_date"] = json!(crate::time::date(due));
        }
        NewNotification {
            la: Some(self.la.clone()),
            template: self.template.to_string(),
            recipient: to.email.clone(),
            personalisation,
            idempotency_key: format!("{}:{}:{}", self.template, self.key, to.id.0),
            created_at: at,
        }
    }

    /// Queues it for `to` now, in a transaction of its own (invitations, messages,
    /// reminders); `false` if it was queued before. A change to a case queues its
    /// notifications in the change's transaction instead ([`for_change`]).
    ///
    /// # Errors
    /// The store failed.
    pub async fn queue<S: Store>(&self, store: &S, to: &User) -> AppResult<bool> {
        Ok(store.enqueue_notification(&self.to(to, Utc::now())).await?)
    }
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

/// What a change to a case means for the people outside the council: the family hears of
/// decisions and the draft plan; an organisation's staff with access to the case hear that
/// advice is asked of them. `version` is the case's version after the change, so each change
/// is notified once. The notifications are written in the change's transaction.
///
/// # Errors
/// The store failed (reading who takes part in the case).
#[allow(clippy::too_many_arguments)]
pub async fn for_change<S: Store>(
    store: &S,
    public_url: &str,
    la: &LaCode,
    id: CaseId,
    version: i64,
    case: &Case,
    command: &Command,
    at: chrono::DateTime<Utc>,
) -> AppResult<Vec<NewNotification>> {
    let path = format!("/cases/{}", id.0);
    let key = format!("{}:{version}", id.0);
    let notice = |template, due| Notice {
        la,
        template,
        public_url,
        path: &path,
        due,
        key: &key,
    };
    let (notice, relation, organisation) = match command {
        Command::DecideWhetherToAssess { .. }
        | Command::DecideWhetherToIssue { .. }
        | Command::IssueFinalPlan { .. } => (
            notice(template::DECISION_MADE, None),
            CaseAccess::PARENT,
            None,
        ),
        Command::ServeDraft { .. } => {
            let due = case
                .served_draft()
                .and_then(|v| v.served_on)
                .and_then(|on| clock::representations_by(on).ok());
            (
                notice(template::DRAFT_PLAN_SENT, due),
                CaseAccess::PARENT,
                None,
            )
        }
        Command::RequestAdvice {
            organisation, on, ..
        } => {
            let due = clock::advice_by(*on).ok();
            (
                notice(template::ADVICE_REQUESTED, due),
                CaseAccess::ADVICE,
                Some(organisation.as_str()),
            )
        }
        _ => return Ok(Vec::new()),
    };
    Ok(participants(store, la, id, relation)
        .await?
        .iter()
        .filter(|user| organisation.is_none() || user.organisation.as_deref() == organisation)
        .map(|user| notice.to(user, at))
        .collect())
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
