//! Changing a case, written once for every way in: the pages, the JSON API, the command line.
//!
//! [`run`] takes a command of the case rules and does, in this order:
//!
//! 1. **decide**: the domain's `decide` on the case as stored, for this user, today
//!    (`waymark_domain::command`), refusing a stale version as a conflict;
//! 2. **letters**: the decision letters and plans the change produces ([`crate::letters`]);
//! 3. **notifications**: what it means for the family or an organisation
//!    ([`crate::notices::for_change`]);
//! 4. **audit**: who made the change, from where ([`crate::audit`]);
//! 5. **store**: the events, the new state, the documents, the outbox rows and the audit
//!    entry in **one transaction** ([`ChangeStore::commit_change`]), so a change is never in
//!    the database without its audit entry and its notifications.
//!
//! [`open`] does the same for a new request, and [`import`] for a batch of cases moved in from
//! another system. Whoever calls these has already been given the
//! capability to change the case by [`crate::access`] (`CaseWork` for LA staff, `FamilyCase`
//! for a family, the agency desk for a professional); the case rules then decide what that
//! user may do to it now.

use std::net::IpAddr;

use waymark_store::cases::{self, LoadedCase};
use waymark_store::documents::NewDocument;
use waymark_store::domain::case::Case;
use waymark_store::domain::command::{self, Command, NewRequest};
use waymark_store::{BatchOutcome, CaseChange, CaseId, Effects, NewCase, Store, StoreError};

use crate::access::{self, CurrentUser};
use crate::audit::{self, Action, Record};
use crate::error::{Error, Result};
use crate::{App, letters, notices};

/// Who is making a change, and from where (for the audit entry).
#[derive(Debug, Clone, Copy)]
pub struct By<'a> {
    /// The signed-in user.
    pub user: &'a CurrentUser,
    /// The client's address, if known.
    pub ip: Option<IpAddr>,
}

/// Runs `command` on case `id`, which the user last saw at `expected_version`: decides,
/// renders its letters, works out its notifications and writes all of it with the audit
/// entry in one transaction. `upload` is a file that comes with the change (advice, evidence
/// for an exception), kept in the same transaction. Returns the case as it is now.
///
/// # Errors
/// [`Error::NotFound`] (no such case in the user's LA), [`Error::Conflict`] (the case moved on
/// since `expected_version`), [`Error::Refused`] (the case rules said no); nothing was written.
/// [`Error::Store`] or [`Error::Internal`] for an outage or a bug.
pub async fn run<S: Store>(
    app: &App<S>,
    by: By<'_>,
    id: CaseId,
    expected_version: i64,
    command: &Command,
    upload: Option<NewDocument>,
) -> Result<LoadedCase> {
    let user = by.user;
    let la = user.la();
    let current = cases::load(&app.store, la, id)
        .await?
        .ok_or(Error::NotFound)?;
    if current.version != expected_version {
        return Err(Error::Conflict);
    }
    let now = app.now();
    let events = command::decide(&current.case, command, &user.actor(), app.today())
        .map_err(Error::Refused)?;
    let mut case = current.case;
    for event in &events {
        case.apply(event);
    }
    let changed = LoadedCase {
        id,
        version: expected_version + i64::try_from(events.len()).unwrap_or(i64::MAX),
        case,
    };
    let mut documents = letters::for_change(
        &app.store,
        &app.la_name,
        user.user(),
        &changed,
        command,
        now,
    )
    .await?;
    documents.extend(upload);
    let notifications = notices::for_change(
        &app.store,
        &app.public_url,
        la,
        id,
        changed.version,
        &changed.case,
        command,
        now,
    )
    .await?;
    let entry = audit::entry(
        Some(user.id()),
        la,
        Action::CaseCommand(command.name()),
        Record::Case(id),
        by.ip,
        now,
    );
    let change = CaseChange {
        la: la.clone(),
        id,
        expected_version,
        events: cases::new_events(&events, &user.actor().user, now)?,
        summary: cases::summary_of(&changed.case),
        state: state_of(&changed.case)?,
    };
    let effects = Effects {
        audit: vec![entry],
        documents,
        notifications,
    };
    let version = app
        .store
        .commit_change(change, effects)
        .await
        .map_err(|err| match err {
            StoreError::Conflict { .. } => Error::Conflict,
            other => Error::from(other),
        })?;
    debug_assert_eq!(version, changed.version);
    // A professional's access to the child's record ends once nothing is asked of their
    // organisation on the case any more, whichever way they answered.
    if matches!(
        command,
        Command::RecordAdviceReceived { .. } | Command::DeclineAdviceRequest { .. }
    ) && let Some(desk) = access::can_use_agency_desk(&app.store, user).await?
    {
        desk.close_if_answered(&app.store, &changed, now).await?;
    }
    Ok(changed)
}

/// Records a new request for an assessment: the case begins, with its audit entry, in one
/// transaction.
///
/// # Errors
/// [`Error::Refused`] if the request is not one the case rules accept (a reference the LA
/// already has is [`StoreError::DuplicateReference`] inside [`Error::Store`]).
pub async fn open<S: Store>(app: &App<S>, by: By<'_>, new: &NewRequest) -> Result<LoadedCase> {
    let user = by.user;
    let actor = user.actor();
    let now = app.now();
    let events = command::decide_new(new, &actor, app.today()).map_err(Error::Refused)?;
    let case = Case::from_events(actor.la.clone(), &events)
        .map_err(|_| Error::Internal("case_unreadable"))?;
    let row = cases::new_case(&case.reference, &events, &case, &actor.user, now)?;
    let la = user.la().clone();
    let stored = app
        .store
        .commit_new_case(row, |id| Effects {
            audit: vec![audit::entry(
                Some(user.id()),
                &la,
                Action::OpenCase,
                Record::Case(id),
                by.ip,
                now,
            )],
            ..Effects::default()
        })
        .await?;
    Ok(LoadedCase {
        id: stored.id,
        version: stored.version,
        case,
    })
}

/// Writes a batch of imported cases (`waymark import cases`) for `la` with the import's audit
/// entry in one transaction, skipping references the LA already has, so an interrupted
/// import can be run again. `ip` is `None` from the command line.
///
/// # Errors
/// The store failed ([`StoreError::UnknownLa`] for an LA not registered); nothing was written.
pub async fn import<S: Store>(
    app: &App<S>,
    la: &waymark_store::LaCode,
    rows: Vec<NewCase>,
) -> Result<BatchOutcome> {
    let entry = audit::entry(
        None,
        la,
        Action::ImportCases,
        Record::Caseload,
        None,
        app.now(),
    );
    let effects = Effects {
        audit: vec![entry],
        ..Effects::default()
    };
    Ok(app.store.commit_new_cases(rows, effects).await?)
}

fn state_of(case: &Case) -> Result<serde_json::Value> {
    serde_json::to_value(case).map_err(|_| Error::Internal("case_unreadable"))
}
