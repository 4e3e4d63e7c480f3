//! Who may see and do what: the one place that decides (`../shared/DESIGN.md`, "Security
//! model"), for the pages, the JSON API and the command line alike.
//! Handlers never decide access themselves: they ask a function here, which hands out a
//! *capability* only when the rule holds. A capability is a value of a type that only this
//! module can make (its fields are private), and the code that reads personal data takes it as
//! an argument or is one of its methods, so a page cannot read a case without having been
//! allowed to.
//!
//! The rules:
//!
//! - **Tenancy**: every record belongs to one local authority; a user sees only their own LA's.
//!   A record of another LA is "not found" (404), never "forbidden", so that its existence is
//!   not revealed. Every read below is scoped by the user's LA.
//! - `caseworker`, `manager`, `admin` (LA staff): every case of their LA.
//! - `professional`: a child's case only while they have an open `advice` request or are
//!   `named` on the plan (`case_access`).
//! - `parent`: only a case where they have an open `parent` relation, through the family's
//!   own pages ([`can_use_family_pages`]), which show only what was sent to them.
//! - messages: a family or professional reaches only their own thread on a case they may see;
//!   LA staff reach every thread of their LA's cases ([`can_open_thread`]).
//! - `viewer`, `scrutiny`: no personal data at all (aggregate dashboards and committee packs).
//! - `admin`: manages the accounts of their own LA and searches its audit trail.
//! - `manager`, `admin`: allocate their LA's unallocated cases to its caseworkers.
//! - LA staff and professionals may set up a second factor (TOTP); professionals must, before
//!   they use their pages ([`must_set_up_two_factor`]).
//! - professionals: the advice asked of their organisation, and for a school its consultations
//!   and the annual reviews of the plans naming it ([`can_use_agency_desk`]); an organisation's
//!   administrators manage its staff ([`can_manage_organisations`]).
//!
//! A page the user's *role* may not use at all answers 403; a *record* they may not see
//! answers 404.

use chrono::{DateTime, Utc};
use waymark_store::caseload::{CaseloadPage, CaseloadQuery, CaseloadSort};
use waymark_store::cases::{self, CaseError, HistoryEntry, LoadedCase};
use waymark_store::documents::{CaseworkerLoad, Document, DocumentInfo};
use waymark_store::domain::actor::{Actor, Role};
use waymark_store::domain::command::{Command, Field, Refusal};
use waymark_store::portal::Message;
use waymark_store::{AuditEntry, CaseAccess, CaseId, LaCode, Store, StoredCase, User, UserId};

use crate::error::{Error as AppError, Result as AppResult};
use crate::views::{self, Audience};

/// Who is signed in: an account, found from the session cookie or an API token by the web
/// layer (which authenticates at the edge). It says who the user is, not what they may see:
/// the functions below decide that. `Debug` shows ids and role only (no name or email).
#[derive(Clone)]
pub struct CurrentUser {
    user: User,
    session_hash: Option<String>,
}

impl CurrentUser {
    /// A user signed in with a session whose token hashes to `session_hash`.
    pub fn with_session(user: User, session_hash: String) -> CurrentUser {
        CurrentUser {
            user,
            session_hash: Some(session_hash),
        }
    }

    /// A user authenticated by an API token (no session), or acting from the command line.
    pub fn for_api_token(user: User) -> CurrentUser {
        CurrentUser {
            user,
            session_hash: None,
        }
    }

    /// The account.
    pub fn user(&self) -> &User {
        &self.user
    }

    /// The user's id.
    pub fn id(&self) -> UserId {
        self.user.id
    }

    /// The user's role.
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// The local authority the user acts for: every record they see belongs to it.
    pub fn la(&self) -> &LaCode {
        &self.user.la
    }

    /// The SHA-256 of the session's token, for signing out; `None` for an API token.
    pub fn session_hash(&self) -> Option<&str> {
        self.session_hash.as_deref()
    }

    /// The user as the case rules see them: who, in which role, for which LA.
    pub fn actor(&self) -> Actor {
        Actor {
            user: self.id().to_string(),
            role: self.role(),
            la: self.la().clone(),
        }
    }
}

impl std::fmt::Debug for CurrentUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurrentUser")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Whether a role may see personal data at all: everyone but viewers and scrutiny members,
/// who see aggregate figures only.
pub fn sees_personal_data(role: Role) -> bool {
    !matches!(role, Role::Viewer | Role::Scrutiny)
}

/// Whether the user may set up a second factor (LA staff, and professionals, who must).
pub fn can_use_two_factor(user: &CurrentUser) -> bool {
    user.role().is_la_staff() || user.role() == Role::Professional
}

/// Why a user may see a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// LA staff: the whole case.
    Staff,
    /// A professional with an open advice request or named on the plan.
    Professional,
    /// The child's parent or carer, or the young person.
    Parent,
}

/// Capability: the user may read this case of their LA.
#[derive(Debug)]
pub struct CaseView<'u> {
    user: &'u CurrentUser,
    case: CaseId,
    reach: Reach,
}

impl CaseView<'_> {
    /// The case.
    pub fn case_id(&self) -> CaseId {
        self.case
    }

    /// The local authority it belongs to (the user's).
    pub fn la(&self) -> &LaCode {
        self.user.la()
    }

    /// Why the user may see it (which view of it they get).
    pub fn reach(&self) -> Reach {
        self.reach
    }

    /// Who the user sees the case as (which parts of it they get).
    pub fn audience(&self) -> Audience {
        Audience::of(self.reach)
    }

    /// Reads the case as the user's audience may see it ([`crate::views::case_for`]): LA
    /// staff get the whole record, a family or professional never its staff-only parts.
    /// [`AppError::NotFound`] if the LA has no such case.
    ///
    /// # Errors
    /// Not found, or the store failed.
    pub async fn load<S: Store>(&self, store: &S) -> AppResult<LoadedCase> {
        let mut loaded = self.load_whole(store).await?;
        loaded.case = views::case_for(self.audience(), &loaded.case);
        Ok(loaded)
    }

    /// The case's history as the user's audience may see it ([`crate::views::history_for`]).
    ///
    /// # Errors
    /// Not found, or the store failed.
    pub async fn history<S: Store>(&self, store: &S) -> AppResult<Vec<HistoryEntry>> {
        let whole = self.load_whole(store).await?;
        let entries = cases::history(store, self.la(), self.case).await?;
        Ok(views::history_for(self.audience(), &whole.case, entries))
    }

    async fn load_whole<S: Store>(&self, store: &S) -> AppResult<LoadedCase> {
        load_in(store, self.la(), self.case)
            .await?
            .ok_or(AppError::NotFound)
    }
}

/// May the user read this case? `None` means "not found" to them (404): another LA's case,
/// a case they have no open relation to, or any case for a viewer or scrutiny member.
///
/// # Errors
/// The store failed.
pub async fn can_view_case<'u, S: Store>(
    store: &S,
    user: &'u CurrentUser,
    case: CaseId,
) -> AppResult<Option<CaseView<'u>>> {
    let wanted: &[&str] = match user.role() {
        Role::Caseworker | Role::Manager | Role::Admin => {
            // Scoped by LA when it is read: another LA's case is not found.
            return Ok(Some(CaseView {
                user,
                case,
                reach: Reach::Staff,
            }));
        }
        // A professional reaches a child's record only once their second factor is set up
        // (their own pages send them to set it up; here the record is simply not there).
        Role::Professional if user.user().totp_secret.is_none() => return Ok(None),
        Role::Professional => &[CaseAccess::ADVICE, CaseAccess::NAMED],
        Role::Parent => &[CaseAccess::PARENT],
        Role::Viewer | Role::Scrutiny => return Ok(None),
    };
    debug_assert!(sees_personal_data(user.role()));
    let open = store.open_case_access(user.id(), case).await?;
    let allowed = open
        .iter()
        .any(|access| &access.la == user.la() && wanted.contains(&access.relation.as_str()));
    Ok(allowed.then_some(CaseView {
        user,
        case,
        reach: if user.role() == Role::Parent {
            Reach::Parent
        } else {
            Reach::Professional
        },
    }))
}

/// Capability: the user may work on this case of their LA: record decisions, write the
/// plan, read its documents (LA staff). What they may do *now* is the case rules' answer
/// (`waymark_domain::actions::available` and `decide`).
#[derive(Debug)]
pub struct CaseWork<'u> {
    user: &'u CurrentUser,
    case: CaseId,
}

impl CaseWork<'_> {
    /// The case.
    pub fn case_id(&self) -> CaseId {
        self.case
    }

    /// The local authority it belongs to (the user's).
    pub fn la(&self) -> &LaCode {
        self.user.la()
    }

    /// Reads the case. [`AppError::NotFound`] if the LA has no such case.
    ///
    /// # Errors
    /// Not found, or the store failed.
    pub async fn load<S: Store>(&self, store: &S) -> AppResult<LoadedCase> {
        CaseView {
            user: self.user,
            case: self.case,
            reach: Reach::Staff,
        }
        .load(store)
        .await
    }
}

/// May the user work on this case? LA staff may (the case is then read within their LA, so
/// another LA's case is not found); a family or professional who may see the case is refused
/// (403); anyone else is told it does not exist (404).
///
/// # Errors
/// As above, or the store failed.
pub async fn can_work_on_case<'u, S: Store>(
    store: &S,
    user: &'u CurrentUser,
    case: CaseId,
) -> AppResult<CaseWork<'u>> {
    match can_view_case(store, user, case).await? {
        Some(view) if view.reach == Reach::Staff => Ok(CaseWork { user, case }),
        Some(_) => Err(AppError::Forbidden),
        None => Err(AppError::NotFound),
    }
}

/// The kinds of document a family may download from their own pages: the letters and plans
/// sent to them (reg 13: the draft and final plan; decision letters).
pub const FAMILY_DOCUMENT_KINDS: [&str; 2] =
    [crate::letters::LETTER_KIND, crate::letters::PLAN_KIND];

/// Capability: the user is the child's parent or carer, or the young person, and may use the
/// family's own pages for this case of their LA.
#[derive(Debug)]
pub struct FamilyCase<'u> {
    user: &'u CurrentUser,
    case: CaseId,
}

impl FamilyCase<'_> {
    /// The case.
    pub fn case_id(&self) -> CaseId {
        self.case
    }

    /// The local authority it belongs to (the user's).
    pub fn la(&self) -> &LaCode {
        self.user.la()
    }

    /// The parent, carer or young person.
    pub fn user(&self) -> &CurrentUser {
        self.user
    }

    /// Reads the case. [`AppError::NotFound`] if the LA has no such case.
    ///
    /// # Errors
    /// Not found, or the store failed.
    pub async fn load<S: Store>(&self, store: &S) -> AppResult<LoadedCase> {
        CaseView {
            user: self.user,
            case: self.case,
            reach: Reach::Parent,
        }
        .load(store)
        .await
    }

    /// Whether the family may download a document: a letter or plan of this case, or a file
    /// they sent themselves. Anything else of the case (advice, notes, others' uploads) is
    /// staff-only.
    pub fn may_download(&self, document: &DocumentInfo) -> bool {
        document.case_id == self.case
            && (FAMILY_DOCUMENT_KINDS.contains(&document.kind.as_str())
                || document.uploaded_by == self.user.id().to_string())
    }

    /// The case's letters and plans, and the files the user sent, oldest first.
    ///
    /// # Errors
    /// The store failed.
    pub async fn documents<S: Store>(&self, store: &S) -> AppResult<Vec<DocumentInfo>> {
        Ok(store
            .documents(self.la(), self.case)
            .await?
            .into_iter()
            .filter(|d| self.may_download(d))
            .collect())
    }

    /// One document the family may download; [`AppError::NotFound`] for any other id, even
    /// one of the same case.
    ///
    /// # Errors
    /// Not found, or the store failed.
    pub async fn document<S: Store>(&self, store: &S, id: i64) -> AppResult<Document> {
        match store.document(self.la(), self.case, id).await? {
            Some(document) if self.may_download(&document.info) => Ok(document),
            _ => Err(AppError::NotFound),
        }
    }
}

/// May the user use the family's pages of this case? Only a parent, carer or young person
/// (others are refused, 403), and only for a case they have an open `parent` relation to
/// (any other case is not found, 404).
///
/// # Errors
/// As above, or the store failed.
pub async fn can_use_family_pages<'u, S: Store>(
    store: &S,
    user: &'u CurrentUser,
    case: CaseId,
) -> AppResult<FamilyCase<'u>> {
    if user.role() != Role::Parent {
        return Err(AppError::Forbidden);
    }
    match can_view_case(store, user, case).await? {
        Some(view) if view.reach == Reach::Parent => Ok(FamilyCase { user, case }),
        _ => Err(AppError::NotFound),
    }
}

/// Which side of a message thread the user writes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// LA staff, writing as the council.
    Council,
    /// The family or professional the thread is with.
    Participant,
}

/// Capability: the user may read (and, while the participant can still see the case, write
/// in) the thread between the council and one participant on a case of their LA.
#[derive(Debug)]
pub struct Thread<'u> {
    user: &'u CurrentUser,
    case: CaseId,
    participant: User,
    side: Side,
    open: bool,
}

impl Thread<'_> {
    /// The case.
    pub fn case_id(&self) -> CaseId {
        self.case
    }

    /// The local authority it belongs to (the user's).
    pub fn la(&self) -> &LaCode {
        self.user.la()
    }

    /// The person outside the council the thread is with.
    pub fn participant(&self) -> &User {
        &self.participant
    }

    /// Which side the user is on.
    pub fn side(&self) -> Side {
        self.side
    }

    /// Whether a message may be sent now: the participant still has open access to the case
    /// (a thread with someone whose access has ended stays readable in the case record).
    pub fn open(&self) -> bool {
        self.open
    }

    /// Reads the case. [`AppError::NotFound`] if the LA has no such case.
    ///
    /// # Errors
    /// Not found, or the store failed.
    pub async fn load<S: Store>(&self, store: &S) -> AppResult<LoadedCase> {
        CaseView {
            user: self.user,
            case: self.case,
            reach: Reach::Staff,
        }
        .load(store)
        .await
    }

    /// The thread's messages, oldest first.
    ///
    /// # Errors
    /// The store failed.
    pub async fn messages<S: Store>(&self, store: &S) -> AppResult<Vec<Message>> {
        Ok(store
            .thread(self.la(), self.case, self.participant.id)
            .await?)
    }

    /// Marks the other side's messages read now (the sender sees when).
    ///
    /// # Errors
    /// The store failed.
    pub async fn mark_read<S: Store>(&self, store: &S, now: DateTime<Utc>) -> AppResult<u64> {
        Ok(store
            .mark_thread_read(
                self.la(),
                self.case,
                self.participant.id,
                self.side == Side::Participant,
                now,
            )
            .await?)
    }

    /// Adds a message by the user to the thread; [`AppError::Forbidden`] once the thread is
    /// closed to new messages.
    ///
    /// # Errors
    /// As above, or the store failed.
    pub async fn post<S: Store>(
        &self,
        store: &S,
        body: &str,
        document: Option<i64>,
        now: DateTime<Utc>,
    ) -> AppResult<i64> {
        if !self.open {
            return Err(AppError::Forbidden);
        }
        Ok(store
            .post_message(
                self.la(),
                &Message {
                    id: 0,
                    case_id: self.case,
                    participant_id: self.participant.id,
                    author_id: self.user.id(),
                    body: body.to_string(),
                    document_id: document,
                    sent_at: now,
                    read_at: None,
                },
            )
            .await?)
    }

    /// A file attached to a message of this thread; [`AppError::NotFound`] for any other
    /// document, even one of the same case.
    ///
    /// # Errors
    /// Not found, or the store failed.
    pub async fn attachment<S: Store>(&self, store: &S, id: i64) -> AppResult<Document> {
        let attached = self
            .messages(store)
            .await?
            .iter()
            .any(|m| m.document_id == Some(id));
        if !attached {
            return Err(AppError::NotFound);
        }
        store
            .document(self.la(), self.case, id)
            .await?
            .ok_or(AppError::NotFound)
    }
}

/// May the user open the thread with `participant` on this case? LA staff: any thread of
/// their LA's case with someone who has (or had, if messages were exchanged) access to it. A
/// family or professional: only their own thread, on a case they may see now. Anything else
/// is not found (404), so a changed id in the URL reveals nothing.
///
/// # Errors
/// As above, or the store failed.
pub async fn can_open_thread<'u, S: Store>(
    store: &S,
    user: &'u CurrentUser,
    case: CaseId,
    participant: UserId,
) -> AppResult<Thread<'u>> {
    let view = can_view_case(store, user, case)
        .await?
        .ok_or(AppError::NotFound)?;
    let side = if view.reach == Reach::Staff {
        // Scoped by LA: another LA's case is not found.
        view.load(store).await?;
        Side::Council
    } else if participant == user.id() {
        Side::Participant
    } else {
        return Err(AppError::NotFound);
    };
    let open = store
        .case_participants(user.la(), case)
        .await?
        .iter()
        .any(|access| access.user_id == participant);
    let known = open
        || store
            .threads(user.la(), case)
            .await?
            .iter()
            .any(|t| t.participant_id == participant);
    let participant = match store.find_user(participant).await? {
        Some(found) if known && &found.la == user.la() && !found.role.is_la_staff() => found,
        _ => return Err(AppError::NotFound),
    };
    Ok(Thread {
        user,
        case,
        participant,
        side,
        open,
    })
}

/// Capability: the user may list every case of their LA (LA staff).
#[derive(Debug)]
pub struct CaseList<'u> {
    user: &'u CurrentUser,
}

impl CaseList<'_> {
    /// A page of the LA's cases, in the order they were created.
    ///
    /// # Errors
    /// The store failed.
    pub async fn page<S: Store>(
        &self,
        store: &S,
        limit: i64,
        offset: i64,
    ) -> AppResult<Vec<StoredCase>> {
        Ok(store.list_cases(self.user.la(), limit, offset).await?)
    }

    /// How many cases the LA has.
    ///
    /// # Errors
    /// The store failed.
    pub async fn count<S: Store>(&self, store: &S) -> AppResult<i64> {
        Ok(store.count_cases(self.user.la()).await?)
    }

    /// The user who may list them.
    pub fn user(&self) -> &CurrentUser {
        self.user
    }

    /// A page of the LA's caseload, filtered, searched and sorted as `query` says (always
    /// within the user's LA, whatever the query).
    ///
    /// # Errors
    /// The store failed.
    pub async fn caseload<S: Store>(
        &self,
        store: &S,
        query: &CaseloadQuery,
    ) -> AppResult<CaseloadPage> {
        Ok(store.caseload(self.user.la(), query).await?)
    }

    /// The LA's accounts, to show caseworkers by name.
    ///
    /// # Errors
    /// The store failed.
    pub async fn colleagues<S: Store>(&self, store: &S) -> AppResult<Vec<User>> {
        Ok(store.list_users(self.user.la()).await?)
    }
}

/// May the user list their LA's cases? LA staff only.
pub fn can_list_cases(user: &CurrentUser) -> Option<CaseList<'_>> {
    user.role().is_la_staff().then_some(CaseList { user })
}

/// Whether a role reads figures for the whole LA (managers, admins, viewers, scrutiny).
pub fn sees_reports(role: Role) -> bool {
    matches!(
        role,
        Role::Manager | Role::Admin | Role::Viewer | Role::Scrutiny
    )
}

/// Capability: the user reads figures for their whole LA (managers, admins, viewers and
/// scrutiny members). The figures name organisations, never children; a drill-down to the
/// cases behind a figure needs [`can_list_cases`] as well.
#[derive(Debug)]
pub struct Reports<'u> {
    user: &'u CurrentUser,
}

impl Reports<'_> {
    /// The LA the figures are for (the user's).
    pub fn la(&self) -> &LaCode {
        self.user.la()
    }
}

/// May the user read the LA's figures?
pub fn can_see_reports(user: &CurrentUser) -> Option<Reports<'_>> {
    sees_reports(user.role()).then_some(Reports { user })
}

/// Whether a role allocates cases to caseworkers (the case rules say the same: only managers
/// and admins may `AllocateCaseworker`).
pub fn allocates(role: Role) -> bool {
    matches!(role, Role::Manager | Role::Admin)
}

/// Capability: the user allocates their LA's unallocated cases to its caseworkers (managers
/// and admins).
#[derive(Debug)]
pub struct Allocator<'u> {
    user: &'u CurrentUser,
}

impl Allocator<'_> {
    /// The LA whose cases they allocate (the user's).
    pub fn la(&self) -> &LaCode {
        self.user.la()
    }

    /// The user as the case rules see them: their number (never their name), role and LA.
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }

    /// A page of the LA's open cases that have no caseworker, soonest deadline first.
    ///
    /// # Errors
    /// The store failed.
    pub async fn unallocated<S: Store>(
        &self,
        store: &S,
        limit: i64,
        offset: i64,
    ) -> AppResult<CaseloadPage> {
        let query = CaseloadQuery {
            unallocated: true,
            sort: CaseloadSort::NextDue,
            limit,
            offset,
            ..CaseloadQuery::default()
        };
        Ok(store.caseload(self.la(), &query).await?)
    }

    /// The caseworker accounts of the LA that can take cases (not disabled), by name.
    ///
    /// # Errors
    /// The store failed.
    pub async fn caseworkers<S: Store>(&self, store: &S) -> AppResult<Vec<User>> {
        let mut users: Vec<User> = store
            .list_users(self.la())
            .await?
            .into_iter()
            .filter(|u| takes_cases(u, self.la()))
            .collect();
        users.sort_by_key(|u| u.name.to_lowercase());
        Ok(users)
    }

    /// How many open cases each caseworker of the LA holds, by stage.
    ///
    /// # Errors
    /// The store failed.
    pub async fn loads<S: Store>(&self, store: &S) -> AppResult<Vec<CaseworkerLoad>> {
        Ok(store.caseworker_loads(self.la()).await?)
    }

    /// Allocates one *unallocated* case of the LA to `to`, through the case rules, on the
    /// version read just before. Refused (nothing written) if `to` is not an active caseworker
    /// of this LA, or if the case has been allocated since the list was shown (changing a
    /// caseworker is done on the case page, with a handover note). Another LA's case is
    /// [`StoreError::NotFound`].
    ///
    /// # Errors
    /// As above; a refusal of the case rules; a conflict if the case changed between the read
    /// and the write; a store failure.
    pub async fn allocate<S: Store>(
        &self,
        app: &crate::App<S>,
        ip: Option<std::net::IpAddr>,
        case: CaseId,
        to: &User,
        note: Option<String>,
    ) -> AppResult<LoadedCase> {
        if !takes_cases(to, self.la()) {
            return Err(AppError::Refused(Refusal::invalid(
                Field::Caseworker,
                "cases can only be allocated to an active caseworker of your council",
            )));
        }
        let current = load_in(&app.store, self.la(), case)
            .await?
            .ok_or(AppError::NotFound)?;
        if current.case.caseworker.is_some() {
            return Err(AppError::Refused(Refusal::invalid(
                Field::Caseworker,
                "it has been allocated since the list was shown: change its caseworker on the \
                 case page",
            )));
        }
        let command = Command::AllocateCaseworker {
            caseworker: to.id.to_string(),
            note,
        };
        let by = crate::cases::By {
            user: self.user,
            ip,
        };
        crate::cases::run(app, by, case, current.version, &command, None).await
    }
}

/// Whether an account can be given cases in `la`: an active caseworker of that LA.
fn takes_cases(user: &User, la: &LaCode) -> bool {
    user.role == Role::Caseworker && !user.disabled && &user.la == la
}

/// May the user allocate cases? Managers and admins, and only their LA's cases.
pub fn can_allocate(user: &CurrentUser) -> Option<Allocator<'_>> {
    allocates(user.role()).then_some(Allocator { user })
}

/// Capability: the user administers the accounts of their LA.
#[derive(Debug)]
pub struct UserAdmin<'u> {
    admin: &'u CurrentUser,
}

impl UserAdmin<'_> {
    /// The administrator.
    pub fn admin(&self) -> &CurrentUser {
        self.admin
    }

    /// The LA whose accounts they manage.
    pub fn la(&self) -> &LaCode {
        self.admin.la()
    }

    /// Every account of the LA.
    ///
    /// # Errors
    /// The store failed.
    pub async fn list<S: Store>(&self, store: &S) -> AppResult<Vec<User>> {
        Ok(store.list_users(self.la()).await?)
    }

    /// An account of the LA; [`AppError::NotFound`] for another LA's (or no such account).
    ///
    /// # Errors
    /// Not found, or the store failed.
    pub async fn find<S: Store>(&self, store: &S, id: UserId) -> AppResult<User> {
        match store.find_user(id).await? {
            Some(user) if &user.la == self.la() => Ok(user),
            _ => Err(AppError::NotFound),
        }
    }

    /// Whether `target` is the administrator themselves (who may not disable themselves or
    /// change their own role, so an LA cannot lose its last administrator by a slip).
    pub fn is_self(&self, target: &User) -> bool {
        target.id == self.admin.id()
    }
}

/// May the user manage accounts? Admins only, and only in their LA.
pub fn can_manage_users(user: &CurrentUser) -> Option<UserAdmin<'_>> {
    (user.role() == Role::Admin).then_some(UserAdmin { admin: user })
}

/// Capability: the user may search their LA's audit trail.
#[derive(Debug)]
pub struct AuditSearch<'u> {
    user: &'u CurrentUser,
}

impl AuditSearch<'_> {
    /// The LA's audit entries, newest first, about one case if given; at most `limit`.
    ///
    /// # Errors
    /// The store failed.
    pub async fn entries<S: Store>(
        &self,
        store: &S,
        case: Option<CaseId>,
        limit: i64,
    ) -> AppResult<Vec<AuditEntry>> {
        Ok(store
            .search_audit(self.user.la(), case, None, limit)
            .await?)
    }
}

/// May the user search the audit trail? Admins only, and only their LA's.
pub fn can_search_audit(user: &CurrentUser) -> Option<AuditSearch<'_>> {
    (user.role() == Role::Admin).then_some(AuditSearch { user })
}

// The multi-agency portal: professionals, their organisations and their administrators.

/// Whether the user must set up a second factor before anything else: professionals, who
/// reach children's records from outside the council's network. Their pages send them to the
/// set-up page until they have one.
pub fn must_set_up_two_factor(user: &CurrentUser) -> bool {
    user.role() == Role::Professional && user.user().totp_secret.is_none()
}

/// Whether an advice request addressed to `asked` is addressed to an organisation called
/// `name`: requests name organisations in free text, so case and spacing are ignored.
pub fn same_organisation(asked: &str, name: &str) -> bool {
    let words = |text: &str| {
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    !name.trim().is_empty() && words(asked) == words(name)
}

/// Capability: a professional's own desk. What it reads is limited to:
///
/// - cases of their LA they have an open `advice` relation to, and on those the advice
///   requests addressed to one of their organisations (by name);
/// - for a school (an organisation of kind `school` with a URN): the cases whose open
///   consultations name that URN (s.39 CFA 2014), and the issued plans that name it, for their
///   annual reviews (reg 18). Nothing else of those cases is read out.
#[derive(Debug)]
pub struct AgencyDesk<'u> {
    user: &'u CurrentUser,
    organisations: Vec<waymark_store::portal::Organisation>,
}

/// The most cases at one stage the desk reads for a school's consultations and reviews.
const SCHOOL_CASES_LIMIT: i64 = 5_000;

impl AgencyDesk<'_> {
    /// The professional.
    pub fn user(&self) -> &CurrentUser {
        self.user
    }

    /// The organisations they work for, in their LA.
    pub fn organisations(&self) -> &[waymark_store::portal::Organisation] {
        &self.organisations
    }

    /// Whether an advice request addressed to `asked` is theirs to answer: it names one of
    /// their organisations, or the organisation on their account.
    pub fn is_asked(&self, asked: &str) -> bool {
        self.organisations
            .iter()
            .map(|o| o.name.as_str())
            .chain(self.user.user().organisation.as_deref())
            .any(|name| same_organisation(asked, name))
    }

    /// The school they work for, if one of their organisations is a school with a URN.
    pub fn school(&self) -> Option<&waymark_store::portal::Organisation> {
        self.organisations
            .iter()
            .find(|o| o.kind == "school" && o.urn.is_some())
    }

    /// The cases they have an open `advice` relation to.
    ///
    /// # Errors
    /// The store failed.
    pub async fn advice_cases<S: Store>(&self, store: &S) -> AppResult<Vec<LoadedCase>> {
        let mut out = Vec::new();
        for case in store.cases_for_user(self.user.id()).await? {
            if let Some(loaded) = self.advice_case_if_open(store, case).await? {
                out.push(loaded);
            }
        }
        Ok(out)
    }

    async fn advice_case_if_open<S: Store>(
        &self,
        store: &S,
        case: CaseId,
    ) -> AppResult<Option<LoadedCase>> {
        let open = store.open_case_access(self.user.id(), case).await?;
        if !open
            .iter()
            .any(|a| &a.la == self.user.la() && a.relation == CaseAccess::ADVICE)
        {
            return Ok(None);
        }
        load_in(store, self.user.la(), case).await
    }

    /// One case they have an open `advice` relation to; [`AppError::NotFound`] otherwise.
    ///
    /// # Errors
    /// Not found, or the store failed.
    pub async fn advice_case<S: Store>(&self, store: &S, case: CaseId) -> AppResult<LoadedCase> {
        self.advice_case_if_open(store, case)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Ends their `advice` relation to a case once every advice request on it addressed to
    /// them is answered (received or declined), so that the child's record closes to them
    /// (DESIGN.md: only while that request is open). A relation opened before the council has
    /// asked (an invitation, or a school's own request for an assessment) stays open until
    /// there is a request and it is answered. Returns whether it closed.
    ///
    /// # Errors
    /// The store failed.
    pub async fn close_if_answered<S: Store>(
        &self,
        store: &S,
        loaded: &LoadedCase,
        now: DateTime<Utc>,
    ) -> AppResult<bool> {
        let (asked, open) = loaded
            .case
            .advice
            .iter()
            .filter(|a| self.is_asked(&a.organisation))
            .fold((0, 0), |(asked, open), a| {
                (asked + 1, open + usize::from(a.received.is_none()))
            });
        if asked == 0 || open > 0 {
            return Ok(false);
        }
        Ok(store
            .close_case_access(self.user.id(), loaded.id, CaseAccess::ADVICE, now)
            .await?)
    }

    /// The LA's cases at `stage` that `wanted` picks, read one by one (the summary columns do
    /// not hold consultations or placements' URNs).
    async fn school_cases<S: Store>(
        &self,
        store: &S,
        stage: &str,
        wanted: impl Fn(&LoadedCase, &str) -> bool,
    ) -> AppResult<Vec<LoadedCase>> {
        let Some(urn) = self.school().and_then(|s| s.urn.clone()) else {
            return Ok(Vec::new());
        };
        let page = store
            .caseload(
                self.user.la(),
                &CaseloadQuery {
                    stage: Some(stage.to_string()),
                    limit: SCHOOL_CASES_LIMIT,
                    ..CaseloadQuery::default()
                },
            )
            .await?;
        let mut out = Vec::new();
        for item in page.items {
            if let Some(loaded) = load_in(store, self.user.la(), item.id).await? {
                if wanted(&loaded, &urn) {
                    out.push(loaded);
                }
            }
        }
        Ok(out)
    }

    /// Cases with an unanswered consultation of their school (draft plan sent, the school
    /// asked whether it can be named).
    ///
    /// # Errors
    /// The store failed.
    pub async fn consulting_cases<S: Store>(&self, store: &S) -> AppResult<Vec<LoadedCase>> {
        self.school_cases(store, "draft_served", |loaded, urn| {
            loaded.case.consultations.iter().any(|c| consults(c, urn))
        })
        .await
    }

    /// One case whose consultation `number` asks their school and is unanswered;
    /// [`AppError::NotFound`] for any other (another school's, answered, another LA's).
    ///
    /// # Errors
    /// Not found, or the store failed.
    pub async fn consulting_case<S: Store>(
        &self,
        store: &S,
        case: CaseId,
        number: u32,
    ) -> AppResult<LoadedCase> {
        let urn = self
            .school()
            .and_then(|s| s.urn.clone())
            .ok_or(AppError::NotFound)?;
        let loaded = load_in(store, self.user.la(), case)
            .await?
            .ok_or(AppError::NotFound)?;
        let asked = loaded
            .case
            .consultations
            .iter()
            .any(|c| c.number == number && consults(c, &urn));
        if asked && loaded.case.closure.is_none() {
            Ok(loaded)
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Open cases whose final plan names their school (for the annual reviews it holds).
    ///
    /// # Errors
    /// The store failed.
    pub async fn cases_naming_school<S: Store>(&self, store: &S) -> AppResult<Vec<LoadedCase>> {
        self.school_cases(store, "plan_issued", |loaded, urn| {
            loaded
                .case
                .final_plan
                .as_ref()
                .is_some_and(|p| p.placement.urn.as_deref() == Some(urn))
        })
        .await
    }
}

fn consults(c: &waymark_store::domain::case::Consultation, urn: &str) -> bool {
    c.responded.is_none() && c.setting.urn.as_deref() == Some(urn)
}

async fn load_in<S: Store>(store: &S, la: &LaCode, case: CaseId) -> AppResult<Option<LoadedCase>> {
    cases::load(store, la, case).await.map_err(|err| match err {
        CaseError::Store(err) => AppError::from(err),
        _ => AppError::Internal("case_unreadable"),
    })
}

/// May the user use a professional's desk? Professionals only, with the organisations they
/// work for in their own LA. (Whether they have set up their second factor is the page's
/// check: [`must_set_up_two_factor`].)
///
/// # Errors
/// The store failed.
pub async fn can_use_agency_desk<'u, S: Store>(
    store: &S,
    user: &'u CurrentUser,
) -> AppResult<Option<AgencyDesk<'u>>> {
    if user.role() != Role::Professional {
        return Ok(None);
    }
    let organisations = store
        .memberships(user.id())
        .await?
        .into_iter()
        .map(|(organisation, _)| organisation)
        .filter(|o| &o.la == user.la())
        .collect();
    Ok(Some(AgencyDesk {
        user,
        organisations,
    }))
}

/// Capability: the user administers an organisation's staff on Waymark (invites colleagues,
/// removes them). Given to a professional who is an administrator of that organisation.
#[derive(Debug)]
pub struct OrganisationAdmin<'u> {
    user: &'u CurrentUser,
    organisation: waymark_store::portal::Organisation,
}

impl OrganisationAdmin<'_> {
    /// The administrator.
    pub fn user(&self) -> &CurrentUser {
        self.user
    }

    /// The organisation.
    pub fn organisation(&self) -> &waymark_store::portal::Organisation {
        &self.organisation
    }

    /// Its staff and whether each is an administrator.
    ///
    /// # Errors
    /// The store failed.
    pub async fn staff<S: Store>(&self, store: &S) -> AppResult<Vec<(User, bool)>> {
        let mut out = Vec::new();
        for (id, admin) in store.organisation_members(self.organisation.id).await? {
            if let Some(user) = store.find_user(id).await? {
                out.push((user, admin));
            }
        }
        Ok(out)
    }

    /// A member of its staff other than the administrator; [`AppError::NotFound`] for anyone
    /// else.
    ///
    /// # Errors
    /// Not found, or the store failed.
    pub async fn colleague<S: Store>(&self, store: &S, id: UserId) -> AppResult<User> {
        if id == self.user.id() {
            return Err(AppError::NotFound);
        }
        self.staff(store)
            .await?
            .into_iter()
            .map(|(user, _)| user)
            .find(|user| user.id == id)
            .ok_or(AppError::NotFound)
    }
}

/// The organisations of the user's LA that the user administers (professionals only).
///
/// # Errors
/// The store failed.
pub async fn can_manage_organisations<'u, S: Store>(
    store: &S,
    user: &'u CurrentUser,
) -> AppResult<Vec<OrganisationAdmin<'u>>> {
    if user.role() != Role::Professional {
        return Ok(Vec::new());
    }
    Ok(store
        .memberships(user.id())
        .await?
        .into_iter()
        .filter(|(organisation, admin)| *admin && &organisation.la == user.la())
        .map(|(organisation, _)| OrganisationAdmin { user, organisation })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_viewers_and_scrutiny_never_see_personal_data() {
        for role in waymark_store::ROLES {
            let expected = !matches!(role, Role::Viewer | Role::Scrutiny);
            assert_eq!(sees_personal_data(role), expected, "{role:?}");
        }
    }
}
