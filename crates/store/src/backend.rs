//! Choosing the backend once, from the database URL, and [`store_trait`], which declares each
//! store trait and implements it for [`Backend`].

use std::path::Path;

use crate::error::{Result, StoreError};
use crate::postgres::{self, PgStore};
use crate::sqlite::{self, SqliteStore};

/// Either backend, chosen at run time from the URL by [`connect`]. Implements every store trait
/// (and so [`Store`](crate::Store)) by delegating to the backend it holds, so callers need not
/// be generic.
#[derive(Debug, Clone)]
pub enum Backend {
    /// `sqlite://PATH`: one file, the embedded default.
    Sqlite(SqliteStore),
    /// `postgres://...` or `postgresql://...`.
    Postgres(PgStore),
}

impl Backend {
    /// Closes every connection (see [`SqliteStore::close`]).
    pub async fn close(&self) {
        match self {
            Backend::Sqlite(store) => store.close().await,
            Backend::Postgres(store) => store.close().await,
        }
    }
}

/// Which backend a URL names.
enum Kind {
    Sqlite,
    Postgres,
}

fn kind_of(url: &str) -> Result<Kind> {
    let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
    match scheme {
        "sqlite" => Ok(Kind::Sqlite),
        "postgres" | "postgresql" => Ok(Kind::Postgres),
        other => Err(StoreError::UnsupportedUrl {
            scheme: other.to_string(),
        }),
    }
}

/// Connects to the database a URL names: `sqlite://PATH` (the file is created if missing) or
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`. Does not migrate: call
/// [`AdminStore::migrate`](crate::AdminStore::migrate).
pub async fn connect(url: &str) -> Result<Backend> {
    Ok(match kind_of(url)? {
        Kind::Sqlite => Backend::Sqlite(SqliteStore::connect(url).await?),
        Kind::Postgres => Backend::Postgres(PgStore::connect(url).await?),
    })
}

/// Restores a backup made by [`AdminStore::backup_to`](crate::AdminStore::backup_to) into the
/// database a URL names.
///
/// Refuses a target that holds cases or events ([`StoreError::NotEmpty`]) unless `force`, in
/// which case its contents are replaced. SQLite: the snapshot is checked
/// (`PRAGMA integrity_check` and the version/event-log check) and then copied into place; no
/// server may have the file open ([`StoreError::InUse`] where that can be detected). PostgreSQL:
/// `pg_restore --clean --if-exists --single-transaction`, then the version/event-log check.
pub async fn restore(url: &str, from: &Path, force: bool) -> Result<()> {
    match kind_of(url)? {
        Kind::Sqlite => sqlite::restore(url, from, force).await,
        Kind::Postgres => postgres::restore(url, from, force).await,
    }
}

/// Declares a store trait and implements it for [`Backend`], from one list of its methods.
///
/// Each method is written once, as an `async fn` signature with its doc comment:
///
/// ```ignore
/// crate::backend::store_trait! {
///     /// Single sign-on logins in progress.
///     pub trait OidcStore {
///         /// Stores a login started with the identity provider...
///         async fn create_oidc_login(&self, login: &OidcLogin) -> Result<()>;
///     }
/// }
/// ```
///
/// The trait declares it as `fn ...(&self, ...) -> impl Future<Output = T> + Send`, so that the
/// futures of code generic over the store are `Send` (an `async fn` in a public trait cannot
/// promise that), and `impl Trait for Backend` gets a body that awaits the same method on the
/// backend it holds. [`SqliteStore`] and [`PgStore`] implement the trait themselves, from the
/// capability's SQL macro. Types in the signatures are resolved where the macro is invoked.
macro_rules! store_trait {
    (
        $(#[$trait_attr:meta])*
        pub trait $trait:ident {
            $(
                $(#[$method_attr:meta])*
                async fn $method:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty;
            )*
        }
    ) => {
        $(#[$trait_attr])*
        pub trait $trait {
            $(
                $(#[$method_attr])*
                fn $method(&self $(, $arg: $ty)*)
                    -> impl ::std::future::Future<Output = $ret> + Send;
            )*
        }

        impl $trait for $crate::Backend {
            $(
                async fn $method(&self $(, $arg: $ty)*) -> $ret {
                    match self {
                        Self::Sqlite(store) => $trait::$method(store $(, $arg)*).await,
                        Self::Postgres(store) => $trait::$method(store $(, $arg)*).await,
                    }
                }
            )*
        }
    };
}

pub(crate) use store_trait;
