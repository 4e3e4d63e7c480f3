//! Single sign-on (OIDC) logins in progress: between sending someone to their council's
//! identity provider and the provider sending them back, the callback needs the login's nonce
//! and PKCE verifier. They are kept here, in the database, not in a process's memory, so the
//! callback can land on any instance.
//!
//! A login is found by a SHA-256 hash of its `state` (the caller hashes it), used once (taking
//! it deletes it, so a replayed callback finds nothing) and only within
//! [`OIDC_LOGIN_EXPIRY`] of being started. Expired logins are deleted whenever a login is
//! started or taken, so abandoned ones do not pile up. The SQL is the same on both backends
//! and written once in [`oidc_methods`], for each backend's [`OidcStore`] impl.

use std::fmt;

use chrono::{DateTime, Duration, Utc};

use crate::error::Result;

crate::backend::store_trait! {
    /// Single sign-on logins in progress.
    pub trait OidcStore {
        /// Stores a login started with the identity provider, and deletes logins that have
        /// expired by its `created_at` ([`OIDC_LOGIN_EXPIRY`]).
        async fn create_oidc_login(&self, login: &OidcLogin) -> Result<()>;

        /// Takes (returns and deletes) the login whose state has this hash, if there is one
        /// and it was started within [`OIDC_LOGIN_EXPIRY`] before `now`. A login can be taken
        /// once: a replayed or expired state finds nothing. Expired logins are deleted too.
        async fn take_oidc_login(
            &self,
            state_hash: &str,
            now: DateTime<Utc>,
        ) -> Result<Option<OidcLogin>>;
    }
}

/// How long a started login can be finished: 10 minutes, ample for someone to sign in at
/// their provider, short enough that a leaked `state` is soon useless.
pub const OIDC_LOGIN_EXPIRY: Duration = Duration::minutes(10);

/// A login started with the identity provider and not yet finished.
///
/// `Debug` leaves out the nonce and the PKCE verifier.
#[derive(Clone, PartialEq, Eq)]
pub struct OidcLogin {
    /// SHA-256 of the `state` sent to the provider (hex), as the caller computes it.
    pub state_hash: String,
    /// The nonce sent to the provider, which its ID token must carry back.
    pub nonce: String,
    /// The PKCE code verifier whose challenge was sent to the provider.
    pub pkce_verifier: String,
    /// When the login was started.
    pub created_at: DateTime<Utc>,
}

impl fmt::Debug for OidcLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcLogin")
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// Expands into the [`OidcStore`] methods for backend `$db`.
macro_rules! oidc_methods {
    ($db:ty) => {
        async fn create_oidc_login(&self, login: &$crate::oidc::OidcLogin) -> $crate::Result<()> {
            let created_at = $crate::identity::micros(login.created_at);
            sqlx::query("DELETE FROM oidc_logins WHERE created_at <= $1")
                .bind(created_at - $crate::oidc::OIDC_LOGIN_EXPIRY)
                .execute(&self.pool)
                .await?;
            sqlx::query(
                "INSERT INTO oidc_logins (state_hash, nonce, pkce_verifier, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&login.state_hash)
            .bind(&login.nonce)
            .bind(&login.pkce_verifier)
            .bind(created_at)
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn take_oidc_login(
            &self,
            state_hash: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<Option<$crate::oidc::OidcLogin>> {
            // One statement finds and deletes the row, so of two callbacks with the same state
            // (a replay, or a double click) only one gets it.
            let taken: Option<(String, String, String, chrono::DateTime<chrono::Utc>)> =
                sqlx::query_as(
                    "DELETE FROM oidc_logins WHERE state_hash = $1 \
                     RETURNING state_hash, nonce, pkce_verifier, created_at",
                )
                .bind(state_hash)
                .fetch_optional(&self.pool)
                .await?;
            let expired_at_or_before =
                $crate::identity::micros(now) - $crate::oidc::OIDC_LOGIN_EXPIRY;
            sqlx::query("DELETE FROM oidc_logins WHERE created_at <= $1")
                .bind(expired_at_or_before)
                .execute(&self.pool)
                .await?;
            Ok(taken
                .filter(|(_, _, _, created_at)| *created_at > expired_at_or_before)
                .map(
                    |(state_hash, nonce, pkce_verifier, created_at)| $crate::oidc::OidcLogin {
                        state_hash,
                        nonce,
                        pkce_verifier,
                        created_at,
                    },
                ))
        }
    };
}

pub(crate) use oidc_methods;
