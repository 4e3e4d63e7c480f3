//! The multi-agency portal's records: organisations and their staff, single-use invitations,
//! messages on a case, and what families and professionals write (saved as they type): the
//! [`PortalStore`] trait. The SQL is the same on both backends and expands into each
//! backend's `PortalStore` impl (`portal_methods`; migration 0008). Who may see a case is
//! [`AccessStore`](crate::AccessStore)'s; the notifications the portal sends are queued in the
//! [`outbox`](crate::outbox).

use chrono::{DateTime, Utc};
use waymark_domain::actor::Role;
use waymark_domain::{CaseId, LaCode};

use crate::error::Result;
use crate::identity::{User, UserId};

/// Moved to [`outbox`](crate::outbox); kept here for the code that names them by this path.
pub use crate::outbox::{NewNotification, Notification};

crate::backend::store_trait! {
    /// Organisations, invitations, messages and contributions.
    pub trait PortalStore {
        /// Registers an organisation the council works with.
        async fn create_organisation(
            &self,
            la: &LaCode,
            kind: &str,
            name: &str,
            urn: Option<&str>,
        ) -> Result<Organisation>;

        /// An LA's organisations, by name.
        async fn organisations(&self, la: &LaCode) -> Result<Vec<Organisation>>;

        /// Adds a user to an organisation's staff (or changes whether they are its admin).
        async fn add_organisation_member(
            &self,
            organisation: i64,
            user: UserId,
            admin: bool,
        ) -> Result<()>;

        /// The organisations a user works for, and whether they are its admin.
        async fn memberships(&self, user: UserId) -> Result<Vec<(Organisation, bool)>>;

        /// An organisation's staff, and which are its admins.
        async fn organisation_members(&self, organisation: i64) -> Result<Vec<(UserId, bool)>>;

        /// Stores an invitation. [`StoreError::NotFound`](crate::StoreError::NotFound) if its
        /// case is not one of the LA's.
        async fn create_invitation(&self, invitation: &NewInvitation) -> Result<i64>;

        /// The invitation with this token hash.
        async fn find_invitation(&self, token_hash: &str) -> Result<Option<Invitation>>;

        /// An LA's invitations, newest first.
        async fn invitations(&self, la: &LaCode) -> Result<Vec<Invitation>>;

        /// Uses an invitation, once: in one transaction, marks it used, makes the account (or
        /// takes the signed-in one), joins the organisation and opens the access to the case.
        /// `Ok(Err(problem))` if it is unknown, used or expired: nothing is changed.
        async fn accept_invitation(
            &self,
            token_hash: &str,
            acceptance: Acceptance,
            now: DateTime<Utc>,
        ) -> Result<std::result::Result<User, InvitationProblem>>;

        /// Adds a message to a case's thread with a participant; returns its number.
        async fn post_message(&self, la: &LaCode, message: &Message) -> Result<i64>;

        /// A thread, oldest first.
        async fn thread(
            &self,
            la: &LaCode,
            case: CaseId,
            participant: UserId,
        ) -> Result<Vec<Message>>;

        /// A case's threads, most recent first.
        async fn threads(&self, la: &LaCode, case: CaseId) -> Result<Vec<ThreadSummary>>;

        /// Marks the other side's messages in a thread as read; returns how many.
        async fn mark_thread_read(
            &self,
            la: &LaCode,
            case: CaseId,
            participant: UserId,
            by_participant: bool,
            now: DateTime<Utc>,
        ) -> Result<u64>;

        /// Saves what someone is writing on a case (replacing what was saved of that part).
        async fn save_contribution(&self, la: &LaCode, contribution: &Contribution) -> Result<()>;

        /// What has been written on a case of one kind, by everyone.
        async fn contributions(
            &self,
            la: &LaCode,
            case: CaseId,
            kind: &str,
        ) -> Result<Vec<Contribution>>;
    }
}

/// The kinds of organisation.
pub const ORGANISATION_KINDS: [&str; 5] = [
    "school",
    "health",
    "social_care",
    "educational_psychology",
    "other",
];

/// An organisation a council works with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// Its number.
    pub id: i64,
    /// The council that registered it.
    pub la: LaCode,
    /// One of [`ORGANISATION_KINDS`].
    pub kind: String,
    /// Its name.
    pub name: String,
    /// A school's URN.
    pub urn: Option<String>,
}

/// An invitation to be stored (only the hash of its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    /// SHA-256 of the token in the link.
    pub token_hash: String,
    /// The council inviting.
    pub la: LaCode,
    /// Who is invited.
    pub email: String,
    /// Their name.
    pub name: String,
    /// `Parent` (a parent, carer or young person) or `Professional`.
    pub role: Role,
    /// A young person (16 or over) invited in their own right.
    pub young_person: bool,
    /// The organisation a professional is invited to.
    pub organisation_id: Option<i64>,
    /// Whether they will manage their organisation's staff.
    pub organisation_admin: bool,
    /// The case they are invited to, with their relation to it.
    pub case: Option<(CaseId, String)>,
    /// Who invited them.
    pub invited_by: UserId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// A stored invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Its number.
    pub id: i64,
    /// The council inviting.
    pub la: LaCode,
    /// Who is invited.
    pub email: String,
    /// Their name.
    pub name: String,
    /// `parent` or `professional`.
    pub role: String,
    /// A young person in their own right.
    pub young_person: bool,
    /// The organisation a professional joins.
    pub organisation_id: Option<i64>,
    /// Whether they manage its staff.
    pub organisation_admin: bool,
    /// The case they are invited to.
    pub case_id: Option<CaseId>,
    /// Their relation to it.
    pub relation: Option<String>,
    /// Who invited them.
    pub invited_by: UserId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was used, if it was.
    pub used_at: Option<DateTime<Utc>>,
    /// The account it made or joined.
    pub user_id: Option<UserId>,
}

/// Who accepts an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acceptance {
    /// A new account with this password hash (Argon2id PHC string).
    NewAccount {
        /// The password hash.
        password_hash: String,
    },
    /// The signed-in user, who already has an account with the invited email address.
    Existing(UserId),
}

/// Why an invitation cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationProblem {
    /// No invitation has this token.
    Unknown,
    /// It was used already.
    Used,
    /// It has expired.
    Expired,
}

/// A message on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its number.
    pub id: i64,
    /// The case.
    pub case_id: CaseId,
    /// The person outside the council the thread is with.
    pub participant_id: UserId,
    /// Who wrote it.
    pub author_id: UserId,
    /// The text.
    pub body: String,
    /// An attached document.
    pub document_id: Option<i64>,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// When the other side read it.
    pub read_at: Option<DateTime<Utc>>,
}

/// A thread on a case, in short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadSummary {
    /// Who it is with.
    pub participant_id: UserId,
    /// How many messages.
    pub messages: i64,
    /// Messages from the participant the council has not read.
    pub unread_by_council: i64,
    /// When the last was sent.
    pub last_at: DateTime<Utc>,
}

/// Something a family or professional is writing on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    /// The case.
    pub case_id: CaseId,
    /// Who is writing.
    pub user_id: UserId,
    /// What it is (`views`, `draft_comment`, `advice_summary`).
    pub kind: String,
    /// Which part (a plan section, `all_about_me`, `needs`...).
    pub part: String,
    /// The text.
    pub text: String,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
    /// When it was sent to the council.
    pub submitted_at: Option<DateTime<Utc>>,
}

pub(crate) const INVITATION_COLUMNS: &str = "id, la_code, email, name, role, young_person, \
     organisation_id, organisation_admin, case_id, relation, invited_by, created_at, \
     expires_at, used_at, user_id";

/// Expands into the [`PortalStore`] methods for backend `$db`.
macro_rules! portal_methods {
    ($db:ty) => {
        async fn create_organisation(
            &self,
            la: &waymark_domain::LaCode,
            kind: &str,
            name: &str,
            urn: Option<&str>,
        ) -> $crate::Result<$crate::portal::Organisation> {
            if !$crate::portal::ORGANISATION_KINDS.contains(&kind) {
                return Err($crate::StoreError::Decode(format!(
                    "'{kind}' is not a kind of organisation"
                )));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO organisations (la_code, kind, name, urn, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(la.as_str())
            .bind(kind)
            .bind(name.trim())
            .bind(urn)
            .bind($crate::identity::micros(chrono::Utc::now()))
            .fetch_one(&self.pool)
            .await?;
            Ok($crate::portal::Organisation {
                id,
                la: la.clone(),
                kind: kind.to_string(),
                name: name.trim().to_string(),
                urn: urn.map(str::to_string),
            })
        }

        async fn organisations(
            &self,
            la: &waymark_domain::LaCode,
        ) -> $crate::Result<Vec<$crate::portal::Organisation>> {
            use sqlx::Row;
            let rows = sqlx::query(
                "SELECT id, kind, name, urn FROM organisations WHERE la_code = $1 \
                 ORDER BY lower(name), id",
            )
            .bind(la.as_str())
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok($crate::portal::Organisation {
                        id: r.try_get("id")?,
                        la: la.clone(),
                        kind: r.try_get("kind")?,
                        name: r.try_get("name")?,
                        urn: r.try_get("urn")?,
                    })
                })
                .collect()
        }

        async fn add_organisation_member(
            &self,
            organisation: i64,
            user: $crate::identity::UserId,
            admin: bool,
        ) -> $crate::Result<()> {
            sqlx::query(
                "INSERT INTO organisation_members (organisation_id, user_id, admin) \
                 VALUES ($1, $2, $3) ON CONFLICT (organisation_id, user_id) \
                 DO UPDATE SET admin = excluded.admin",
            )
            .bind(organisation)
            .bind(user.0)
            .bind(admin)
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn memberships(
            &self,
            user: $crate::identity::UserId,
        ) -> $crate::Result<Vec<($crate::portal::Organisation, bool)>> {
            use sqlx::Row;
            let rows = sqlx::query(
                "SELECT o.id, o.la_code, o.kind, o.name, o.urn, m.admin FROM organisations o \
                 JOIN organisation_members m ON m.organisation_id = o.id \
                 WHERE m.user_id = $1 ORDER BY o.id",
            )
            .bind(user.0)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    let la: String = r.try_get("la_code")?;
                    Ok((
                        $crate::portal::Organisation {
                            id: r.try_get("id")?,
                            la: $crate::rows::la_of(Some(la))?.ok_or_else(|| {
                                $crate::StoreError::Decode("organisation without LA".into())
                            })?,
                            kind: r.try_get("kind")?,
                            name: r.try_get("name")?,
                            urn: r.try_get("urn")?,
                        },
                        r.try_get("admin")?,
                    ))
                })
                .collect()
        }

        async fn organisation_members(
            &self,
            organisation: i64,
        ) -> $crate::Result<Vec<($crate::identity::UserId, bool)>> {
            use sqlx::Row;
            let rows = sqlx::query(
                "SELECT user_id, admin FROM organisation_members WHERE organisation_id = $1 \
                 ORDER BY user_id",
            )
            .bind(organisation)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| Ok(($crate::identity::UserId(r.try_get("user_id")?), r.try_get("admin")?)))
                .collect()
        }

        async fn create_invitation(
            &self,
            invitation: &$crate::portal::NewInvitation,
        ) -> $crate::Result<i64> {
            let (case_id, relation) = match &invitation.case {
                Some((case, relation)) => {
                    $crate::error::check_relation(relation)?;
                    let in_la: i64 = sqlx::query_scalar($crate::rows::CASE_EXISTS)
                        .bind(case.0)
                        .bind(invitation.la.as_str())
                        .fetch_one(&self.pool)
                        .await?;
                    if in_la == 0 {
                        return Err($crate::StoreError::NotFound { case: *case });
                    }
                    (Some(case.0), Some(relation.clone()))
                }
                None => (None, None),
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO invitations (token_hash, la_code, email, name, role, young_person, \
                 organisation_id, organisation_admin, case_id, relation, invited_by, \
                 created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            )
            .bind(&invitation.token_hash)
            .bind(invitation.la.as_str())
            .bind($crate::identity::normalise_email(&invitation.email))
            .bind(invitation.name.trim())
            .bind($crate::identity::role_name(invitation.role))
            .bind(invitation.young_person)
            .bind(invitation.organisation_id)
            .bind(invitation.organisation_admin)
            .bind(case_id)
            .bind(relation)
            .bind(invitation.invited_by.0)
            .bind($crate::identity::micros(invitation.created_at))
            .bind($crate::identity::micros(invitation.expires_at))
            .fetch_one(&self.pool)
            .await?;
            Ok(id)
        }

        async fn find_invitation(
            &self,
            token_hash: &str,
        ) -> $crate::Result<Option<$crate::portal::Invitation>> {
            let sql = format!(
                "SELECT {} FROM invitations WHERE token_hash = $1",
                $crate::portal::INVITATION_COLUMNS
            );
            let row = sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await?;
            row.map(|r| Self::invitation_of(&r)).transpose()
        }

        async fn invitations(
            &self,
            la: &waymark_domain::LaCode,
        ) -> $crate::Result<Vec<$crate::portal::Invitation>> {
            let sql = format!(
                "SELECT {} FROM invitations WHERE la_code = $1 ORDER BY id DESC",
                $crate::portal::INVITATION_COLUMNS
            );
            let rows = sqlx::query(&sql).bind(la.as_str()).fetch_all(&self.pool).await?;
            rows.iter().map(Self::invitation_of).collect()
        }

        async fn accept_invitation(
            &self,
            token_hash: &str,
            acceptance: $crate::portal::Acceptance,
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<Result<$crate::identity::User, $crate::portal::InvitationProblem>> {
            use $crate::identity::{Fetched, USER_COLUMNS};
            use $crate::portal::InvitationProblem;
            let now = $crate::identity::micros(now);
            let mut tx = self.begin_write().await?;
            let sql = format!(
                "SELECT {} FROM invitations WHERE token_hash = $1",
                $crate::portal::INVITATION_COLUMNS
            );
            let Some(row) = sqlx::query(&sql).bind(token_hash).fetch_optional(&mut *tx).await?
            else {
                return Ok(Err(InvitationProblem::Unknown));
            };
            let invitation = Self::invitation_of(&row)?;
            if invitation.used_at.is_some() {
                return Ok(Err(InvitationProblem::Used));
            }
            if invitation.expires_at <= now {
                return Ok(Err(InvitationProblem::Expired));
            }
            // Single use even against a concurrent acceptance: only one update wins.
            let claimed = sqlx::query(
                "UPDATE invitations SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
            )
            .bind(now)
            .bind(invitation.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed == 0 {
                return Ok(Err(InvitationProblem::Used));
            }
            let user = match acceptance {
                $crate::portal::Acceptance::NewAccount { password_hash } => {
                    let sql = format!(
                        "INSERT INTO users (email, name, role, la_code, organisation, \
                         password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         RETURNING {USER_COLUMNS}"
                    );
                    let organisation: Option<String> = match invitation.organisation_id {
                        Some(id) => sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await?,
                        None => None,
                    };
                    let created = sqlx::query_as::<_, Fetched<$crate::identity::User>>(&sql)
                        .bind(&invitation.email)
                        .bind(&invitation.name)
                        .bind(&invitation.role)
                        .bind(invitation.la.as_str())
                        .bind(organisation)
                        .bind(password_hash)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await;
                    match created {
                        Ok(Fetched(user)) => user,
                        Err(e) if $crate::error::is_unique_violation(&e) => {
                            return Err($crate::StoreError::DuplicateEmail);
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                $crate::portal::Acceptance::Existing(id) => {
                    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
                    let Some(Fetched(user)) = sqlx::query_as::<_, Fetched<$crate::identity::User>>(&sql)
                        .bind(id.0)
                        .fetch_optional(&mut *tx)
                        .await?
                    else {
                        return Err($crate::StoreError::UserNotFound { user: id });
                    };
                    user
                }
            };
            if let Some(organisation) = invitation.organisation_id {
                sqlx::query(
                    "INSERT INTO organisation_members (organisation_id, user_id, admin) \
                     VALUES ($1, $2, $3) ON CONFLICT (organisation_id, user_id) DO NOTHING",
                )
                .bind(organisation)
                .bind(user.id.0)
                .bind(invitation.organisation_admin)
                .execute(&mut *tx)
                .await?;
            }
            if let (Some(case), Some(relation)) = (invitation.case_id, &invitation.relation) {
                sqlx::query(
                    "INSERT INTO case_access (user_id, case_id, la_code, relation, opened_at) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (user_id, case_id, relation) WHERE closed_at IS NULL DO NOTHING",
                )
                .bind(user.id.0)
                .bind(case.0)
                .bind(invitation.la.as_str())
                .bind(relation)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE invitations SET user_id = $1 WHERE id = $2")
                .bind(user.id.0)
                .bind(invitation.id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Ok(user))
        }

        async fn post_message(
            &self,
            la: &waymark_domain::LaCode,
            message: &$crate::portal::Message,
        ) -> $crate::Result<i64> {
            let in_la: i64 = sqlx::query_scalar($crate::rows::CASE_EXISTS)
                .bind(message.case_id.0)
                .bind(la.as_str())
                .fetch_one(&self.pool)
                .await?;
            if in_la == 0 {
                return Err($crate::StoreError::NotFound { case: message.case_id });
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO messages (case_id, participant_id, author_id, body, document_id, \
                 sent_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(message.case_id.0)
            .bind(message.participant_id.0)
            .bind(message.author_id.0)
            .bind(&message.body)
            .bind(message.document_id)
            .bind($crate::identity::micros(message.sent_at))
            .fetch_one(&self.pool)
            .await?;
            Ok(id)
        }

        async fn thread(
            &self,
            la: &waymark_domain::LaCode,
            case: waymark_domain::CaseId,
            participant: $crate::identity::UserId,
        ) -> $crate::Result<Vec<$crate::portal::Message>> {
            use sqlx::Row;
            let rows = sqlx::query(
                "SELECT m.id, m.case_id, m.participant_id, m.author_id, m.body, m.document_id, \
                 m.sent_at, m.read_at FROM messages m JOIN cases c ON c.id = m.case_id \
                 WHERE m.case_id = $1 AND c.la_code = $2 AND m.participant_id = $3 ORDER BY m.id",
            )
            .bind(case.0)
            .bind(la.as_str())
            .bind(participant.0)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok($crate::portal::Message {
                        id: r.try_get("id")?,
                        case_id: waymark_domain::CaseId(r.try_get("case_id")?),
                        participant_id: $crate::identity::UserId(r.try_get("participant_id")?),
                        author_id: $crate::identity::UserId(r.try_get("author_id")?),
                        body: r.try_get("body")?,
                        document_id: r.try_get("document_id")?,
                        sent_at: r.try_get("sent_at")?,
                        read_at: r.try_get("read_at")?,
                    })
                })
                .collect()
        }

        async fn threads(
            &self,
            la: &waymark_domain::LaCode,
            case: waymark_domain::CaseId,
        ) -> $crate::Result<Vec<$crate::portal::ThreadSummary>> {
            use sqlx::Row;
            let rows = sqlx::query(
                "SELECT m.participant_id, count(*) AS messages, \
                 sum(CASE WHEN m.author_id = m.participant_id AND m.read_at IS NULL \
                 THEN 1 ELSE 0 END) AS unread, max(m.sent_at) AS last_at \
                 FROM messages m JOIN cases c ON c.id = m.case_id \
                 WHERE m.case_id = $1 AND c.la_code = $2 \
                 GROUP BY m.participant_id ORDER BY max(m.id) DESC",
            )
            .bind(case.0)
            .bind(la.as_str())
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok($crate::portal::ThreadSummary {
                        participant_id: $crate::identity::UserId(r.try_get("participant_id")?),
                        messages: r.try_get("messages")?,
                        unread_by_council: r.try_get::<Option<i64>, _>("unread")?.unwrap_or(0),
                        last_at: r.try_get("last_at")?,
                    })
                })
                .collect()
        }

        async fn mark_thread_read(
            &self,
            la: &waymark_domain::LaCode,
            case: waymark_domain::CaseId,
            participant: $crate::identity::UserId,
            by_participant: bool,
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<u64> {
            // The participant reads the council's messages; the council reads theirs.
            let sql = if by_participant {
                "UPDATE messages SET read_at = $1 WHERE case_id = $2 AND participant_id = $3 \
                 AND author_id <> participant_id AND read_at IS NULL \
                 AND case_id IN (SELECT id FROM cases WHERE la_code = $4)"
            } else {
                "UPDATE messages SET read_at = $1 WHERE case_id = $2 AND participant_id = $3 \
                 AND author_id = participant_id AND read_at IS NULL \
                 AND case_id IN (SELECT id FROM cases WHERE la_code = $4)"
            };
            Ok(sqlx::query(sql)
                .bind($crate::identity::micros(now))
                .bind(case.0)
                .bind(participant.0)
                .bind(la.as_str())
                .execute(&self.pool)
                .await?
                .rows_affected())
        }

        async fn save_contribution(
            &self,
            la: &waymark_domain::LaCode,
            contribution: &$crate::portal::Contribution,
        ) -> $crate::Result<()> {
            let in_la: i64 = sqlx::query_scalar($crate::rows::CASE_EXISTS)
                .bind(contribution.case_id.0)
                .bind(la.as_str())
                .fetch_one(&self.pool)
                .await?;
            if in_la == 0 {
                return Err($crate::StoreError::NotFound { case: contribution.case_id });
            }
            sqlx::query(
                "INSERT INTO contributions (case_id, user_id, kind, part, text, updated_at, \
                 submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (case_id, user_id, kind, part) DO UPDATE SET text = excluded.text, \
                 updated_at = excluded.updated_at, submitted_at = excluded.submitted_at",
            )
            .bind(contribution.case_id.0)
            .bind(contribution.user_id.0)
            .bind(&contribution.kind)
            .bind(&contribution.part)
            .bind(&contribution.text)
            .bind($crate::identity::micros(contribution.updated_at))
            .bind(contribution.submitted_at.map($crate::identity::micros))
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn contributions(
            &self,
            la: &waymark_domain::LaCode,
            case: waymark_domain::CaseId,
            kind: &str,
        ) -> $crate::Result<Vec<$crate::portal::Contribution>> {
            use sqlx::Row;
            let rows = sqlx::query(
                "SELECT p.case_id, p.user_id, p.kind, p.part, p.text, p.updated_at, \
                 p.submitted_at FROM contributions p JOIN cases c ON c.id = p.case_id \
                 WHERE p.case_id = $1 AND c.la_code = $2 AND p.kind = $3 ORDER BY p.id",
            )
            .bind(case.0)
            .bind(la.as_str())
            .bind(kind)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok($crate::portal::Contribution {
                        case_id: waymark_domain::CaseId(r.try_get("case_id")?),
                        user_id: $crate::identity::UserId(r.try_get("user_id")?),
                        kind: r.try_get("kind")?,
                        part: r.try_get("part")?,
                        text: r.try_get("text")?,
                        updated_at: r.try_get("updated_at")?,
                        submitted_at: r.try_get("submitted_at")?,
                    })
                })
                .collect()
        }

    };
}

pub(crate) use portal_methods;

/// Expands into the row reader the portal methods use, as an inherent function of `$store`.
macro_rules! portal_rows {
    ($store:ty, $row:ty) => {
        impl $store {
            fn invitation_of(r: &$row) -> $crate::Result<$crate::portal::Invitation> {
                use sqlx::Row;
                let la: String = r.try_get("la_code")?;
                Ok($crate::portal::Invitation {
                    id: r.try_get("id")?,
                    la: $crate::rows::la_of(Some(la))?.ok_or_else(|| {
                        $crate::StoreError::Decode("invitation without LA".into())
                    })?,
                    email: r.try_get("email")?,
                    name: r.try_get("name")?,
                    role: r.try_get("role")?,
                    young_person: r.try_get("young_person")?,
                    organisation_id: r.try_get("organisation_id")?,
                    organisation_admin: r.try_get("organisation_admin")?,
                    case_id: r
                        .try_get::<Option<i64>, _>("case_id")?
                        .map(waymark_domain::CaseId),
                    relation: r.try_get("relation")?,
                    invited_by: $crate::identity::UserId(r.try_get("invited_by")?),
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    used_at: r.try_get("used_at")?,
                    user_id: r
                        .try_get::<Option<i64>, _>("user_id")?
                        .map($crate::identity::UserId),
                })
            }
        }
    };
}

pub(crate) use portal_rows;
