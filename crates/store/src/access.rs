//! Relationship access: why a professional or parent outside the council may see a case (they
//! are its parent, their advice is asked for, or their setting is named on the plan), from
//! when and until when: the [`AccessStore`] trait. Closed access is kept as history. The SQL
//! is the same on both backends and expands into each backend's `AccessStore` impl
//! ([`access_methods`]).

use chrono::{DateTime, Utc};
use waymark_domain::{CaseId, LaCode};

use crate::error::Result;
use crate::identity::{Fetched, UserId, bad_column};

crate::backend::store_trait! {
    /// Who outside the council may see which case, and why.
    pub trait AccessStore {
        /// Opens access to a case for a user, for a relation ([`CaseAccess::PARENT`],
        /// [`CaseAccess::ADVICE`], [`CaseAccess::NAMED`]). Granting a relation that is already
        /// open does nothing. [`StoreError::NotFound`](crate::StoreError::NotFound) if the LA
        /// has no such case, [`StoreError::UserNotFound`](crate::StoreError::UserNotFound),
        /// [`StoreError::UnknownRelation`](crate::StoreError::UnknownRelation).
        async fn grant_case_access(
            &self,
            user: UserId,
            case: CaseId,
            la: &LaCode,
            relation: &str,
            now: DateTime<Utc>,
        ) -> Result<()>;

        /// Closes a user's open access to a case for one relation (the advice was given, the
        /// school is no longer named); `false` if it was not open. The row is kept as history.
        async fn close_case_access(
            &self,
            user: UserId,
            case: CaseId,
            relation: &str,
            now: DateTime<Utc>,
        ) -> Result<bool>;

        /// A user's open access to one case, one entry per open relation (empty: no access).
        async fn open_case_access(&self, user: UserId, case: CaseId) -> Result<Vec<CaseAccess>>;

        /// The cases a user has any open access to, in id order.
        async fn cases_for_user(&self, user: UserId) -> Result<Vec<CaseId>>;

        /// Who outside the council may see a case now (open parent, advice and named access).
        async fn case_participants(&self, la: &LaCode, case: CaseId) -> Result<Vec<CaseAccess>>;
    }
}

/// Why a professional or parent may see a case, from when, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAccess {
    /// Who.
    pub user_id: UserId,
    /// Which case.
    pub case_id: CaseId,
    /// The case's local authority.
    pub la: LaCode,
    /// [`CaseAccess::PARENT`], [`CaseAccess::ADVICE`] or [`CaseAccess::NAMED`].
    pub relation: String,
    /// When access was granted.
    pub opened_at: DateTime<Utc>,
    /// When it ended; `None` while it is open.
    pub closed_at: Option<DateTime<Utc>>,
}

impl CaseAccess {
    /// The user is the child's parent or carer, or the young person.
    pub const PARENT: &'static str = "parent";
    /// The user has an open request for their advice (reg 6).
    pub const ADVICE: &'static str = "advice";
    /// The user's setting or service is named on the plan.
    pub const NAMED: &'static str = "named";
    /// Every relation there is.
    pub const RELATIONS: [&'static str; 3] = [Self::PARENT, Self::ADVICE, Self::NAMED];
}

/// The columns of `case_access`.
pub(crate) const ACCESS_COLUMNS: &str = "user_id, case_id, la_code, relation, opened_at, closed_at";

/// Reads [`CaseAccess`] from a backend's rows by column name.
macro_rules! from_row {
    ($row:ty) => {
        impl sqlx::FromRow<'_, $row> for Fetched<CaseAccess> {
            fn from_row(row: &$row) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                let la: String = row.try_get("la_code")?;
                Ok(Fetched(CaseAccess {
                    user_id: UserId(row.try_get("user_id")?),
                    case_id: CaseId(row.try_get("case_id")?),
                    la: LaCode::parse(&la).map_err(|e| bad_column("la_code", e))?,
                    relation: row.try_get("relation")?,
                    opened_at: row.try_get("opened_at")?,
                    closed_at: row.try_get("closed_at")?,
                }))
            }
        }
    };
}

from_row!(sqlx::sqlite::SqliteRow);
from_row!(sqlx::postgres::PgRow);

/// Expands into the [`AccessStore`] methods for backend `$db`. The backend provides
/// `begin_write()` (a write transaction).
macro_rules! access_methods {
    ($db:ty) => {
        async fn grant_case_access(
            &self,
            user: $crate::identity::UserId,
            case: $crate::CaseId,
            la: &$crate::LaCode,
            relation: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<()> {
            $crate::error::check_relation(relation)?;
            let mut tx = self.begin_write().await?;
            let in_la: i64 = sqlx::query_scalar($crate::rows::CASE_EXISTS)
                .bind(case.0)
                .bind(la.as_str())
                .fetch_one(&mut *tx)
                .await?;
            if in_la == 0 {
                return Err($crate::StoreError::NotFound { case });
            }
            let granted = sqlx::query(
                "INSERT INTO case_access (user_id, case_id, la_code, relation, opened_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (user_id, case_id, relation) WHERE closed_at IS NULL DO NOTHING",
            )
            .bind(user.0)
            .bind(case.0)
            .bind(la.as_str())
            .bind(relation)
            .bind($crate::identity::micros(now))
            .execute(&mut *tx)
            .await;
            match granted {
                Ok(_) => {}
                Err(e) if $crate::error::is_foreign_key_violation(&e) => {
                    return Err($crate::StoreError::UserNotFound { user });
                }
                Err(e) => return Err(e.into()),
            }
            tx.commit().await?;
            Ok(())
        }

        async fn close_case_access(
            &self,
            user: $crate::identity::UserId,
            case: $crate::CaseId,
            relation: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<bool> {
            $crate::error::check_relation(relation)?;
            let closed = sqlx::query(
                "UPDATE case_access SET closed_at = $1 \
                 WHERE user_id = $2 AND case_id = $3 AND relation = $4 AND closed_at IS NULL",
            )
            .bind($crate::identity::micros(now))
            .bind(user.0)
            .bind(case.0)
            .bind(relation)
            .execute(&self.pool)
            .await?
            .rows_affected();
            Ok(closed > 0)
        }

        async fn open_case_access(
            &self,
            user: $crate::identity::UserId,
            case: $crate::CaseId,
        ) -> $crate::Result<Vec<$crate::access::CaseAccess>> {
            use $crate::access::ACCESS_COLUMNS;
            use $crate::identity::Fetched;
            let sql = format!(
                "SELECT {ACCESS_COLUMNS} FROM case_access \
                 WHERE user_id = $1 AND case_id = $2 AND closed_at IS NULL ORDER BY id"
            );
            let found = sqlx::query_as::<_, Fetched<$crate::access::CaseAccess>>(&sql)
                .bind(user.0)
                .bind(case.0)
                .fetch_all(&self.pool)
                .await?;
            Ok(found.into_iter().map(|Fetched(access)| access).collect())
        }

        async fn cases_for_user(
            &self,
            user: $crate::identity::UserId,
        ) -> $crate::Result<Vec<$crate::CaseId>> {
            let cases: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT case_id FROM case_access \
                 WHERE user_id = $1 AND closed_at IS NULL ORDER BY case_id",
            )
            .bind(user.0)
            .fetch_all(&self.pool)
            .await?;
            Ok(cases.into_iter().map($crate::CaseId).collect())
        }

        async fn case_participants(
            &self,
            la: &waymark_domain::LaCode,
            case: waymark_domain::CaseId,
        ) -> $crate::Result<Vec<$crate::access::CaseAccess>> {
            use sqlx::Row;
            let rows = sqlx::query(
                "SELECT user_id, case_id, la_code, relation, opened_at, closed_at \
                 FROM case_access WHERE la_code = $1 AND case_id = $2 AND closed_at IS NULL \
                 ORDER BY id",
            )
            .bind(la.as_str())
            .bind(case.0)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok($crate::access::CaseAccess {
                        user_id: $crate::identity::UserId(r.try_get("user_id")?),
                        case_id: waymark_domain::CaseId(r.try_get("case_id")?),
                        la: la.clone(),
                        relation: r.try_get("relation")?,
                        opened_at: r.try_get("opened_at")?,
                        closed_at: r.try_get("closed_at")?,
                    })
                })
                .collect()
        }
    };
}

pub(crate) use access_methods;
