//! Who may use Waymark and how they prove it: user accounts, sign-in rate limiting, sessions
//! and API tokens: the [`IdentityStore`] trait. The web layer decides what these mean; the
//! store only keeps them. Why a professional or parent may see a case is
//! [`AccessStore`](crate::AccessStore)'s.
//!
//! Secrets are never stored in the clear: passwords as Argon2id PHC strings, session and API
//! tokens as SHA-256 hashes (the caller hashes them). The SQL is the same on both backends, so
//! the methods are written once ([`identity_methods`]) and expanded into each backend's
//! `IdentityStore` impl; the only difference, how a write transaction starts, is each
//! backend's `begin_write`/`begin_serialised`.

use std::fmt;

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};
use waymark_domain::LaCode;
use waymark_domain::actor::Role;

use crate::error::Result;

crate::backend::store_trait! {
    /// User accounts, sign-in failures and rate limits, sessions and API tokens.
    pub trait IdentityStore {
        // Accounts.

        /// Creates a user account; the email is stored trimmed and lower-cased.
        ///
        /// Refused with [`StoreError::DuplicateEmail`](crate::StoreError::DuplicateEmail) if
        /// another account has the address (in any case), and
        /// [`StoreError::UnknownLa`](crate::StoreError::UnknownLa) if the LA is not registered.
        async fn create_user(&self, user: NewUser) -> Result<User>;

        /// The user with this id, if there is one.
        async fn find_user(&self, id: UserId) -> Result<Option<User>>;

        /// The user with this email address, compared case-insensitively, if there is one.
        async fn find_user_by_email(&self, email: &str) -> Result<Option<User>>;

        /// An LA's users, in the order they were created.
        async fn list_users(&self, la: &LaCode) -> Result<Vec<User>>;

        /// Replaces a user's password hash (an Argon2id PHC string).
        /// [`StoreError::UserNotFound`](crate::StoreError::UserNotFound) if there is no such
        /// user.
        async fn set_password(&self, id: UserId, password_hash: &str) -> Result<()>;

        /// Sets up (`Some`) or removes (`None`) a user's TOTP second factor.
        async fn set_totp_secret(&self, id: UserId, secret: Option<&str>) -> Result<()>;

        /// Changes a user's role.
        async fn set_role(&self, id: UserId, role: Role) -> Result<()>;

        /// Disables or re-enables an account. Disabling also deletes the user's sessions (signs
        /// them out everywhere), in the same transaction; a disabled user's API tokens stop
        /// working.
        async fn set_disabled(&self, id: UserId, disabled: bool) -> Result<()>;

        /// Counts a failed sign-in and returns the user as it now is. In one statement, so
        /// concurrent failures all count: when the count reaches `lock_after` (and at every
        /// failure after that, until [`IdentityStore::clear_failed_sign_ins`]), sign-in is
        /// locked until `now + lock_for`.
        async fn record_failed_sign_in(
            &self,
            id: UserId,
            now: DateTime<Utc>,
            lock_after: i32,
            lock_for: chrono::Duration,
        ) -> Result<User>;

        /// Resets the failed sign-in count and any lock (after a successful sign-in, or an
        /// admin unlocking the account).
        async fn clear_failed_sign_ins(&self, id: UserId) -> Result<()>;

        // Rate limiting, shared by every instance on the database.

        /// Records a hit on `key` (e.g. `"signin:ip:192.0.2.1"`, `"signin:user:7"`) at `now`
        /// and returns how many hits the key has had in the `window` up to `now`, this one
        /// included. Hits on the key older than the window are deleted. Concurrent hits on one
        /// key are serialised, so each sees a different count.
        async fn count_and_record_hit(
            &self,
            key: &str,
            now: DateTime<Utc>,
            window: chrono::Duration,
        ) -> Result<i64>;

        /// Deletes every key's hits from before `before` (housekeeping for keys that are never
        /// hit again); returns how many were deleted.
        async fn prune_rate_limit_hits(&self, before: DateTime<Utc>) -> Result<u64>;

        // Sessions (only a SHA-256 hash of each token is stored).

        /// Stores a new session. [`StoreError::UserNotFound`](crate::StoreError::UserNotFound)
        /// if the user does not exist.
        async fn create_session(&self, session: Session) -> Result<()>;

        /// The session with this token hash, if there is one. Expired sessions are returned
        /// too until [`IdentityStore::delete_expired_sessions`] removes them: the caller checks
        /// `expires_at` and the idle timeout against `last_seen_at`.
        async fn find_session(&self, token_hash: &str) -> Result<Option<Session>>;

        /// Records activity on a session (for the idle timeout).
        async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()>;

        /// Deletes one session (sign out). Deleting a session that is not there is not an
        /// error.
        async fn delete_session(&self, token_hash: &str) -> Result<()>;

        /// Deletes every session of a user ("sign out everywhere"); returns how many there
        /// were.
        async fn delete_sessions_for_user(&self, id: UserId) -> Result<u64>;

        /// Deletes sessions whose absolute timeout is at or before `now`; returns how many.
        async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64>;

        // API tokens (personal access tokens; only a SHA-256 hash of each is stored).

        /// Stores a new API token for a user.
        /// [`StoreError::UserNotFound`](crate::StoreError::UserNotFound) if there is no such
        /// user.
        async fn create_api_token(
            &self,
            user: UserId,
            name: &str,
            token_hash: &str,
            now: DateTime<Utc>,
        ) -> Result<ApiToken>;

        /// The token with this hash and its user, if the token is not revoked and the user not
        /// disabled.
        async fn find_api_token(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>>;

        /// Records that a token was used.
        async fn touch_api_token(&self, id: ApiTokenId, now: DateTime<Utc>) -> Result<()>;

        /// A user's tokens, revoked ones included, oldest first.
        async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>>;

        /// Revokes one of a user's tokens; `false` if the user has no such unrevoked token (a
        /// token of another user is never revoked).
        async fn revoke_api_token(
            &self,
            id: ApiTokenId,
            user: UserId,
            now: DateTime<Utc>,
        ) -> Result<bool>;
    }
}

/// A user's number within Waymark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A user account. One role in one local authority (DESIGN.md, "Security model").
///
/// `Debug` leaves out the email, name, organisation and secrets, so that a user logged by
/// mistake leaks no personal data.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// The user's number.
    pub id: UserId,
    /// Their email address, lower-cased; unique.
    pub email: String,
    /// Their name as shown to colleagues.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// The local authority they act for.
    pub la: LaCode,
    /// For professionals, who they work for ("URN 100001", "Riverside NHS Trust").
    pub organisation: Option<String>,
    /// Argon2id PHC string; `None` for accounts that sign in only through single sign-on.
    pub password_hash: Option<String>,
    /// Base32 TOTP secret, if they have set up a second factor.
    pub totp_secret: Option<String>,
    /// Failed sign-ins since the last successful one.
    pub failed_sign_ins: i32,
    /// Sign-in is refused until then.
    pub locked_until: Option<DateTime<Utc>>,
    /// Disabled accounts cannot sign in or use API tokens.
    pub disabled: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl User {
    /// Whether sign-in is locked at `now` (too many failed attempts).
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("la", &self.la)
            .field("failed_sign_ins", &self.failed_sign_ins)
            .field("locked_until", &self.locked_until)
            .field("disabled", &self.disabled)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// A user account to be created.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Their email address (stored lower-cased, surrounding spaces removed).
    pub email: String,
    /// Their name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// The local authority they act for; it must be registered.
    pub la: LaCode,
    /// For professionals, who they work for.
    pub organisation: Option<String>,
    /// Argon2id PHC string, or `None` for single sign-on only.
    pub password_hash: Option<String>,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("role", &self.role)
            .field("la", &self.la)
            .finish_non_exhaustive()
    }
}

/// A signed-in browser session. The cookie holds a random token; the database holds only its
/// SHA-256 hash, so a copy of the database cannot be used to sign in.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the session token (hex), as the caller computes it.
    pub token_hash: String,
    /// Whose session it is.
    pub user_id: UserId,
    /// The token every state-changing form must carry.
    pub csrf_token: String,
    /// When the user signed in.
    pub created_at: DateTime<Utc>,
    /// The last request seen (for the idle timeout).
    pub last_seen_at: DateTime<Utc>,
    /// The absolute timeout: the session ends then, whatever happens.
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.user_id)
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// An API token's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiTokenId(pub i64);

impl fmt::Display for ApiTokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A personal access token for the JSON API. It acts as its user (role and LA); only its
/// SHA-256 hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Its number.
    pub id: ApiTokenId,
    /// Whose it is.
    pub user_id: UserId,
    /// What the user called it ("SEN2 export").
    pub name: String,
    /// SHA-256 of the token (hex).
    pub token_hash: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was last used, if ever.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; a revoked token is never accepted again.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A role's name as stored and as typed (`"caseworker"`, ...): the same words as the domain's
/// serde names.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Caseworker => "caseworker",
        Role::Manager => "manager",
        Role::Admin => "admin",
        Role::Professional => "professional",
        Role::Parent => "parent",
        Role::Viewer => "viewer",
        Role::Scrutiny => "scrutiny",
    }
}

/// Every role, in the order they are listed to people.
pub const ROLES: [Role; 7] = [
    Role::Caseworker,
    Role::Manager,
    Role::Admin,
    Role::Professional,
    Role::Parent,
    Role::Viewer,
    Role::Scrutiny,
];

/// The role with this name ([`role_name`]), if there is one.
pub fn role_from_name(name: &str) -> Option<Role> {
    ROLES.into_iter().find(|role| role_name(*role) == name)
}

/// How an email address is stored and looked up: trimmed and lower-cased, so that
/// `Ada@Example.org` and `ada@example.org` are one account.
pub(crate) fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A time as both backends keep it: PostgreSQL keeps microseconds, so times are cut to
/// microseconds before they are written and a value read back equals the value written.
pub(crate) fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// The PostgreSQL advisory lock that serialises hits on one rate-limit key across instances:
/// the first 8 bytes of a SHA-256 of the key.
pub(crate) fn rate_limit_lock(key: &str) -> i64 {
    let digest = Sha256::new()
        .chain_update(b"waymark-rate-limit\0")
        .chain_update(key.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// A fetched row of one of this module's types (the public types do not implement sqlx's
/// traits, so sqlx stays out of the store's interface).
pub(crate) struct Fetched<T>(pub(crate) T);

/// A column's value that the domain refuses, as a sqlx decoding error.
pub(crate) fn bad_column(
    column: &str,
    problem: impl std::error::Error + Send + Sync + 'static,
) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: Box::new(problem),
    }
}

/// A stored role name the domain does not know.
#[derive(Debug, thiserror::Error)]
#[error("'{0}' is not a role")]
pub(crate) struct UnknownRole(String);

/// The columns of `users`, in [`User`]'s order, unqualified and qualified by `u.`.
pub(crate) const USER_COLUMNS: &str = "id, email, name, role, la_code, organisation, \
     password_hash, totp_secret, failed_sign_ins, locked_until, disabled, created_at";
pub(crate) const USER_COLUMNS_U: &str = "u.id, u.email, u.name, u.role, u.la_code, \
     u.organisation, u.password_hash, u.totp_secret, u.failed_sign_ins, u.locked_until, \
     u.disabled, u.created_at";

/// The columns of `sessions`.
pub(crate) const SESSION_COLUMNS: &str =
    "token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at";

/// The columns of `api_tokens` (`t`), renamed so that they can sit beside a user's.
pub(crate) const TOKEN_COLUMNS_T: &str = "t.id AS token_id, t.user_id AS token_user_id, \
     t.name AS token_name, t.token_hash, t.created_at AS token_created_at, t.last_used_at, \
     t.revoked_at";

/// Reads this module's types from a backend's rows by column name.
macro_rules! from_row {
    ($row:ty) => {
        impl sqlx::FromRow<'_, $row> for Fetched<User> {
            fn from_row(row: &$row) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                let role: String = row.try_get("role")?;
                let la: String = row.try_get("la_code")?;
                Ok(Fetched(User {
                    id: UserId(row.try_get("id")?),
                    email: row.try_get("email")?,
                    name: row.try_get("name")?,
                    role: role_from_name(&role)
                        .ok_or_else(|| bad_column("role", UnknownRole(role.clone())))?,
                    la: LaCode::parse(&la).map_err(|e| bad_column("la_code", e))?,
                    organisation: row.try_get("organisation")?,
                    password_hash: row.try_get("password_hash")?,
                    totp_secret: row.try_get("totp_secret")?,
                    failed_sign_ins: row.try_get("failed_sign_ins")?,
                    locked_until: row.try_get("locked_until")?,
                    disabled: row.try_get("disabled")?,
                    created_at: row.try_get("created_at")?,
                }))
            }
        }

        impl sqlx::FromRow<'_, $row> for Fetched<Session> {
            fn from_row(row: &$row) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(Fetched(Session {
                    token_hash: row.try_get("token_hash")?,
                    user_id: UserId(row.try_get("user_id")?),
                    csrf_token: row.try_get("csrf_token")?,
                    created_at: row.try_get("created_at")?,
                    last_seen_at: row.try_get("last_seen_at")?,
                    expires_at: row.try_get("expires_at")?,
                }))
            }
        }

        impl sqlx::FromRow<'_, $row> for Fetched<ApiToken> {
            fn from_row(row: &$row) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(Fetched(ApiToken {
                    id: ApiTokenId(row.try_get("token_id")?),
                    user_id: UserId(row.try_get("token_user_id")?),
                    name: row.try_get("token_name")?,
                    token_hash: row.try_get("token_hash")?,
                    created_at: row.try_get("token_created_at")?,
                    last_used_at: row.try_get("last_used_at")?,
                    revoked_at: row.try_get("revoked_at")?,
                }))
            }
        }

        impl sqlx::FromRow<'_, $row> for Fetched<(ApiToken, User)> {
            fn from_row(row: &$row) -> Result<Self, sqlx::Error> {
                let Fetched(token) = Fetched::<ApiToken>::from_row(row)?;
                let Fetched(user) = Fetched::<User>::from_row(row)?;
                Ok(Fetched((token, user)))
            }
        }
    };
}

from_row!(sqlx::sqlite::SqliteRow);
from_row!(sqlx::postgres::PgRow);

/// Expands into the [`IdentityStore`] methods for backend `$db`. The backend provides
/// `begin_write()` (a write transaction) and `begin_serialised(lock)` (a write transaction that
/// no other holder of `lock` runs beside).
macro_rules! identity_methods {
    ($db:ty) => {
        async fn create_user(
            &self,
            user: $crate::identity::NewUser,
        ) -> $crate::Result<$crate::identity::User> {
            use $crate::identity::{Fetched, USER_COLUMNS};
            let sql = format!(
                "INSERT INTO users (email, name, role, la_code, organisation, password_hash, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {USER_COLUMNS}"
            );
            let created = sqlx::query_as::<_, Fetched<$crate::identity::User>>(&sql)
                .bind($crate::identity::normalise_email(&user.email))
                .bind(user.name.trim())
                .bind($crate::identity::role_name(user.role))
                .bind(user.la.as_str())
                .bind(&user.organisation)
                .bind(&user.password_hash)
                .bind($crate::identity::micros(chrono::Utc::now()))
                .fetch_one(&self.pool)
                .await;
            match created {
                Ok(Fetched(created)) => Ok(created),
                Err(e) if $crate::error::is_unique_violation(&e) => {
                    Err($crate::StoreError::DuplicateEmail)
                }
                Err(e) if $crate::error::is_foreign_key_violation(&e) => {
                    Err($crate::StoreError::UnknownLa { la: user.la })
                }
                Err(e) => Err(e.into()),
            }
        }

        async fn find_user(
            &self,
            id: $crate::identity::UserId,
        ) -> $crate::Result<Option<$crate::identity::User>> {
            use $crate::identity::{Fetched, USER_COLUMNS};
            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
            let found = sqlx::query_as::<_, Fetched<$crate::identity::User>>(&sql)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
            Ok(found.map(|Fetched(user)| user))
        }

        async fn find_user_by_email(
            &self,
            email: &str,
        ) -> $crate::Result<Option<$crate::identity::User>> {
            use $crate::identity::{Fetched, USER_COLUMNS};
            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
            let found = sqlx::query_as::<_, Fetched<$crate::identity::User>>(&sql)
                .bind($crate::identity::normalise_email(email))
                .fetch_optional(&self.pool)
                .await?;
            Ok(found.map(|Fetched(user)| user))
        }

        async fn list_users(
            &self,
            la: &$crate::LaCode,
        ) -> $crate::Result<Vec<$crate::identity::User>> {
            use $crate::identity::{Fetched, USER_COLUMNS};
            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE la_code = $1 ORDER BY id");
            let found = sqlx::query_as::<_, Fetched<$crate::identity::User>>(&sql)
                .bind(la.as_str())
                .fetch_all(&self.pool)
                .await?;
            Ok(found.into_iter().map(|Fetched(user)| user).collect())
        }

        async fn set_password(
            &self,
            id: $crate::identity::UserId,
            password_hash: &str,
        ) -> $crate::Result<()> {
            let updated = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(id.0)
                .execute(&self.pool)
                .await?
                .rows_affected();
            $crate::error::user_updated(id, updated)
        }

        async fn set_totp_secret(
            &self,
            id: $crate::identity::UserId,
            secret: Option<&str>,
        ) -> $crate::Result<()> {
            let updated = sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
                .bind(secret)
                .bind(id.0)
                .execute(&self.pool)
                .await?
                .rows_affected();
            $crate::error::user_updated(id, updated)
        }

        async fn set_role(
            &self,
            id: $crate::identity::UserId,
            role: $crate::domain::actor::Role,
        ) -> $crate::Result<()> {
            let updated = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                .bind($crate::identity::role_name(role))
                .bind(id.0)
                .execute(&self.pool)
                .await?
                .rows_affected();
            $crate::error::user_updated(id, updated)
        }

        async fn set_disabled(
            &self,
            id: $crate::identity::UserId,
            disabled: bool,
        ) -> $crate::Result<()> {
            let mut tx = self.begin_write().await?;
            let updated = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                .bind(disabled)
                .bind(id.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            $crate::error::user_updated(id, updated)?;
            if disabled {
                // A disabled account is signed out everywhere at once.
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        }

        async fn record_failed_sign_in(
            &self,
            id: $crate::identity::UserId,
            now: chrono::DateTime<chrono::Utc>,
            lock_after: i32,
            lock_for: chrono::Duration,
        ) -> $crate::Result<$crate::identity::User> {
            use $crate::identity::{Fetched, USER_COLUMNS};
            // One statement, so concurrent failures each count: SET reads the old values.
            let sql = format!(
                "UPDATE users SET failed_sign_ins = failed_sign_ins + 1, \
                 locked_until = CASE WHEN failed_sign_ins + 1 >= $1 THEN $2 \
                 ELSE locked_until END WHERE id = $3 RETURNING {USER_COLUMNS}"
            );
            let updated = sqlx::query_as::<_, Fetched<$crate::identity::User>>(&sql)
                .bind(lock_after)
                .bind($crate::identity::micros(now + lock_for))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
            updated
                .map(|Fetched(user)| user)
                .ok_or($crate::StoreError::UserNotFound { user: id })
        }

        async fn clear_failed_sign_ins(&self, id: $crate::identity::UserId) -> $crate::Result<()> {
            let updated = sqlx::query(
                "UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1",
            )
            .bind(id.0)
            .execute(&self.pool)
            .await?
            .rows_affected();
            $crate::error::user_updated(id, updated)
        }

        async fn count_and_record_hit(
            &self,
            key: &str,
            now: chrono::DateTime<chrono::Utc>,
            window: chrono::Duration,
        ) -> $crate::Result<i64> {
            let now = $crate::identity::micros(now);
            let since = now - window;
            let mut tx = self
                .begin_serialised($crate::identity::rate_limit_lock(key))
                .await?;
            sqlx::query("DELETE FROM rate_limit_hits WHERE key = $1 AND at <= $2")
                .bind(key)
                .bind(since)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO rate_limit_hits (key, at) VALUES ($1, $2)")
                .bind(key)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let hits: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM rate_limit_hits WHERE key = $1 AND at > $2",
            )
            .bind(key)
            .bind(since)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(hits)
        }

        async fn prune_rate_limit_hits(
            &self,
            before: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<u64> {
            Ok(sqlx::query("DELETE FROM rate_limit_hits WHERE at < $1")
                .bind($crate::identity::micros(before))
                .execute(&self.pool)
                .await?
                .rows_affected())
        }

        async fn create_session(&self, session: $crate::identity::Session) -> $crate::Result<()> {
            let created = sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, \
                 last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&session.token_hash)
            .bind(session.user_id.0)
            .bind(&session.csrf_token)
            .bind($crate::identity::micros(session.created_at))
            .bind($crate::identity::micros(session.last_seen_at))
            .bind($crate::identity::micros(session.expires_at))
            .execute(&self.pool)
            .await;
            match created {
                Ok(_) => Ok(()),
                Err(e) if $crate::error::is_foreign_key_violation(&e) => {
                    Err($crate::StoreError::UserNotFound {
                        user: session.user_id,
                    })
                }
                Err(e) => Err(e.into()),
            }
        }

        async fn find_session(
            &self,
            token_hash: &str,
        ) -> $crate::Result<Option<$crate::identity::Session>> {
            use $crate::identity::{Fetched, SESSION_COLUMNS};
            let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1");
            let found = sqlx::query_as::<_, Fetched<$crate::identity::Session>>(&sql)
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
            Ok(found.map(|Fetched(session)| session))
        }

        async fn touch_session(
            &self,
            token_hash: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<()> {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind($crate::identity::micros(now))
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
            Ok(())
        }

        async fn delete_session(&self, token_hash: &str) -> $crate::Result<()> {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
            Ok(())
        }

        async fn delete_sessions_for_user(
            &self,
            id: $crate::identity::UserId,
        ) -> $crate::Result<u64> {
            Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.0)
                .execute(&self.pool)
                .await?
                .rows_affected())
        }

        async fn delete_expired_sessions(
            &self,
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<u64> {
            Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind($crate::identity::micros(now))
                .execute(&self.pool)
                .await?
                .rows_affected())
        }

        async fn create_api_token(
            &self,
            user: $crate::identity::UserId,
            name: &str,
            token_hash: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<$crate::identity::ApiToken> {
            let now = $crate::identity::micros(now);
            let name = name.trim();
            let created = sqlx::query_scalar::<_, i64>(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(user.0)
            .bind(name)
            .bind(token_hash)
            .bind(now)
            .fetch_one(&self.pool)
            .await;
            match created {
                Ok(id) => Ok($crate::identity::ApiToken {
                    id: $crate::identity::ApiTokenId(id),
                    user_id: user,
                    name: name.to_string(),
                    token_hash: token_hash.to_string(),
                    created_at: now,
                    last_used_at: None,
                    revoked_at: None,
                }),
                Err(e) if $crate::error::is_foreign_key_violation(&e) => {
                    Err($crate::StoreError::UserNotFound { user })
                }
                Err(e) => Err(e.into()),
            }
        }

        async fn find_api_token(
            &self,
            token_hash: &str,
        ) -> $crate::Result<Option<($crate::identity::ApiToken, $crate::identity::User)>> {
            use $crate::identity::{Fetched, TOKEN_COLUMNS_T, USER_COLUMNS_U};
            let sql = format!(
                "SELECT {TOKEN_COLUMNS_T}, {USER_COLUMNS_U} FROM api_tokens t \
                 JOIN users u ON u.id = t.user_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled"
            );
            let found = sqlx::query_as::<
                _,
                Fetched<($crate::identity::ApiToken, $crate::identity::User)>,
            >(&sql)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
            Ok(found.map(|Fetched(pair)| pair))
        }

        async fn touch_api_token(
            &self,
            id: $crate::identity::ApiTokenId,
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<()> {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind($crate::identity::micros(now))
                .bind(id.0)
                .execute(&self.pool)
                .await?;
            Ok(())
        }

        async fn list_api_tokens(
            &self,
            user: $crate::identity::UserId,
        ) -> $crate::Result<Vec<$crate::identity::ApiToken>> {
            use $crate::identity::{Fetched, TOKEN_COLUMNS_T};
            let sql = format!(
                "SELECT {TOKEN_COLUMNS_T} FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.id"
            );
            let found = sqlx::query_as::<_, Fetched<$crate::identity::ApiToken>>(&sql)
                .bind(user.0)
                .fetch_all(&self.pool)
                .await?;
            Ok(found.into_iter().map(|Fetched(token)| token).collect())
        }

        async fn revoke_api_token(
            &self,
            id: $crate::identity::ApiTokenId,
            user: $crate::identity::UserId,
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<bool> {
            let revoked = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 \
                 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
            )
            .bind($crate::identity::micros(now))
            .bind(id.0)
            .bind(user.0)
            .execute(&self.pool)
            .await?
            .rows_affected();
            Ok(revoked > 0)
        }
    };
}

pub(crate) use identity_methods;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_name_reads_back_as_its_role_and_matches_the_domains_serde_name() {
        for role in ROLES {
            assert_eq!(role_from_name(role_name(role)), Some(role));
            let serde_name = serde_json::to_value(role).ok();
            assert_eq!(serde_name, Some(serde_json::json!(role_name(role))));
        }
        assert_eq!(role_from_name("Admin"), None);
        assert_eq!(role_from_name("superuser"), None);
    }

    #[test]
    fn emails_are_compared_trimmed_and_lower_cased() {
        assert_eq!(
            normalise_email("  Ada.Lovelace@Example.ORG "),
            "ada.lovelace@example.org"
        );
    }

    #[test]
    fn user_debug_leaves_out_personal_data_and_secrets() {
        let user = User {
            id: UserId(7),
            email: "ada@example.org".into(),
            name: "Ada Lovelace".into(),
            role: Role::Professional,
            la: LaCode::parse("202").unwrap_or_else(|e| panic!("{e}")),
            organisation: Some("Riverside NHS Trust".into()),
            password_hash: Some("$argon2id$v=19$secret".into()),
            totp_secret: Some("JBSWY3DPEHPK3PXP".into()),
            failed_sign_ins: 0,
            locked_until: None,
            disabled: false,
            created_at: Utc::now(),
        };
        let shown = format!("{user:?}");
        for hidden in ["ada@", "Lovelace", "Riverside", "argon2", "JBSWY3"] {
            assert!(!shown.contains(hidden), "{shown}");
        }
        assert!(shown.contains("UserId(7)"), "{shown}");
    }
}
