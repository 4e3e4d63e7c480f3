//! The schema migrations, embedded in the binary: numbered SQL files under
//! `crates/store/migrations/{sqlite,postgres}/`, run by
//! [`AdminStore::migrate`](crate::AdminStore::migrate).
//!
//! They are listed here by hand rather than with `sqlx::migrate!`, whose proc-macro would build
//! both database drivers a second time. A test checks that the lists match the folders, so a
//! new file cannot be forgotten. Never edit a released migration: sqlx keeps each one's
//! checksum and refuses a database whose applied migrations no longer match.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use crate::error::Result;

/// One migration file.
#[derive(Debug)]
struct Embedded {
    version: i64,
    description: &'static str,
    sql: &'static str,
}

/// `crates/store/migrations/sqlite/`, in order.
const SQLITE: &[Embedded] = &[
    Embedded {
        version: 1,
        description: "cases",
        sql: include_str!("../migrations/sqlite/0001_cases.sql"),
    },
    Embedded {
        version: 2,
        description: "settings",
        sql: include_str!("../migrations/sqlite/0002_settings.sql"),
    },
    Embedded {
        version: 3,
        description: "identity",
        sql: include_str!("../migrations/sqlite/0003_identity.sql"),
    },
    Embedded {
        version: 4,
        description: "audit",
        sql: include_str!("../migrations/sqlite/0004_audit.sql"),
    },
    Embedded {
        version: 5,
        description: "oidc logins",
        sql: include_str!("../migrations/sqlite/0005_oidc_logins.sql"),
    },
    Embedded {
        version: 6,
        description: "next deadline",
        sql: include_str!("../migrations/sqlite/0006_next_deadline.sql"),
    },
    Embedded {
        version: 7,
        description: "documents and drafts",
        sql: include_str!("../migrations/sqlite/0007_documents_and_drafts.sql"),
    },
    Embedded {
        version: 8,
        description: "portal",
        sql: include_str!("../migrations/sqlite/0008_portal.sql"),
    },
    Embedded {
        version: 9,
        description: "kpi facts",
        sql: include_str!("../migrations/sqlite/0009_kpi_facts.sql"),
    },
    Embedded {
        version: 10,
        description: "caseload indexes",
        sql: include_str!("../migrations/sqlite/0010_caseload_indexes.sql"),
    },
    Embedded {
        version: 11,
        description: "kpi flows",
        sql: include_str!("../migrations/sqlite/0011_kpi_flows.sql"),
    },
    Embedded {
        version: 12,
        description: "review flows",
        sql: include_str!("../migrations/sqlite/0012_review_flows.sql"),
    },
    Embedded {
        version: 13,
        description: "kpi flows layout",
        sql: include_str!("../migrations/sqlite/0013_kpi_flows_layout.sql"),
    },
    Embedded {
        version: 14,
        description: "kpi flows yearly",
        sql: include_str!("../migrations/sqlite/0014_kpi_flows_yearly.sql"),
    },
];

/// `crates/store/migrations/postgres/`, in order.
const POSTGRES: &[Embedded] = &[
    Embedded {
        version: 1,
        description: "cases",
        sql: include_str!("../migrations/postgres/0001_cases.sql"),
    },
    Embedded {
        version: 2,
        description: "settings",
        sql: include_str!("../migrations/postgres/0002_settings.sql"),
    },
    Embedded {
        version: 3,
        description: "identity",
        sql: include_str!("../migrations/postgres/0003_identity.sql"),
    },
    Embedded {
        version: 4,
        description: "audit",
        sql: include_str!("../migrations/postgres/0004_audit.sql"),
    },
    Embedded {
        version: 5,
        description: "oidc logins",
        sql: include_str!("../migrations/postgres/0005_oidc_logins.sql"),
    },
    Embedded {
        version: 6,
        description: "next deadline",
        sql: include_str!("../migrations/postgres/0006_next_deadline.sql"),
    },
    Embedded {
        version: 7,
        description: "documents and drafts",
        sql: include_str!("../migrations/postgres/0007_documents_and_drafts.sql"),
    },
    Embedded {
        version: 8,
        description: "portal",
        sql: include_str!("../migrations/postgres/0008_portal.sql"),
    },
    Embedded {
        version: 9,
        description: "kpi facts",
        sql: include_str!("../migrations/postgres/0009_kpi_facts.sql"),
    },
    Embedded {
        version: 10,
        description: "caseload indexes",
        sql: include_str!("../migrations/postgres/0010_caseload_indexes.sql"),
    },
    Embedded {
        version: 11,
        description: "kpi flows",
        sql: include_str!("../migrations/postgres/0011_kpi_flows.sql"),
    },
    Embedded {
        version: 12,
        description: "review flows",
        sql: include_str!("../migrations/postgres/0012_review_flows.sql"),
    },
    Embedded {
        version: 13,
        description: "kpi flows layout",
        sql: include_str!("../migrations/postgres/0013_kpi_flows_layout.sql"),
    },
    Embedded {
        version: 14,
        description: "kpi flows yearly",
        sql: include_str!("../migrations/postgres/0014_kpi_flows_yearly.sql"),
    },
];

/// A list of embedded migrations as sqlx reads them (the same checksums `sqlx::migrate!`
/// would compute, so either can migrate the same database).
#[derive(Debug)]
struct Source(&'static [Embedded]);

impl<'s> MigrationSource<'s> for Source {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        let migrations = self
            .0
            .iter()
            .map(|m| {
                Migration::new(
                    m.version,
                    Cow::Borrowed(m.description),
                    MigrationType::Simple,
                    Cow::Borrowed(m.sql),
                    false,
                )
            })
            .collect();
        Box::pin(async move { Ok(migrations) })
    }
}

/// The SQLite migrations.
pub(crate) async fn sqlite() -> Result<Migrator> {
    Ok(Migrator::new(Source(SQLITE)).await?)
}

/// The PostgreSQL migrations.
pub(crate) async fn postgres() -> Result<Migrator> {
    Ok(Migrator::new(Source(POSTGRES)).await?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// `(version, description, contents)` of every `.sql` file in a migrations folder.
    fn on_disk(folder: &str) -> Vec<(i64, String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(folder);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
            .map(|path| {
                let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
                let (version, description) = stem.split_once('_').unwrap();
                (
                    version.parse().unwrap(),
                    description.replace('_', " "),
                    std::fs::read_to_string(&path).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    }

    fn listed(migrations: &[Embedded]) -> Vec<(i64, String, String)> {
        migrations
            .iter()
            .map(|m| (m.version, m.description.to_string(), m.sql.to_string()))
            .collect()
    }

    #[test]
    fn every_migration_file_is_embedded_in_order() {
        assert_eq!(
            listed(SQLITE),
            on_disk("sqlite"),
            "update SQLITE in migrations.rs"
        );
        assert_eq!(
            listed(POSTGRES),
            on_disk("postgres"),
            "update POSTGRES in migrations.rs"
        );
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let versions = |m: &[Embedded]| {
            m.iter()
                .map(|m| (m.version, m.description))
                .collect::<Vec<_>>()
        };
        assert_eq!(versions(SQLITE), versions(POSTGRES));
    }
}
