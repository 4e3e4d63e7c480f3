//! The register of schools and settings a plan can name (from GIAS): the [`SettingStore`]
//! trait. The SQL is the same on both backends, so the methods are written once
//! ([`settings_methods`]) and expanded into each backend's `SettingStore` impl.

use std::collections::HashSet;

use crate::error::Result;

crate::backend::store_trait! {
    /// The register of schools and settings.
    pub trait SettingStore {
        /// Adds settings to the register, or updates those whose URN it has; returns how many
        /// rows were written.
        async fn upsert_settings(&self, settings: Vec<Setting>) -> Result<u64>;

        /// The setting with this URN, if the register has it.
        async fn find_setting(&self, urn: &str) -> Result<Option<Setting>>;

        /// Every URN in the register, for checking many placements at once (an import).
        async fn setting_urns(&self) -> Result<HashSet<String>>;
    }
}

/// A school, college or setting in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// GIAS URN (6 digits) or UKPRN (8 digits).
    pub urn: String,
    /// Its name.
    pub name: String,
    /// SEN2 placement type code (MS, SS, IND...).
    pub placement_type: String,
    /// Phase, as GIAS gives it ("Primary").
    pub phase: String,
    /// The 3-digit code of the authority it is in.
    pub la_code: String,
}

/// How many settings one INSERT carries (5 binds each, well under both backends' limits).
pub(crate) const SETTINGS_PER_INSERT: usize = 1000;

/// Expands into the [`SettingStore`] methods for backend `$db`.
macro_rules! settings_methods {
    ($db:ty) => {
        async fn upsert_settings(&self, settings: Vec<$crate::settings::Setting>) -> Result<u64> {
            let mut tx = self.pool.begin().await?;
            let mut written = 0;
            for chunk in settings.chunks($crate::settings::SETTINGS_PER_INSERT) {
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO settings (urn, name, placement_type, phase, la_code) ",
                );
                insert.push_values(chunk, |mut row, s| {
                    row.push_bind(&s.urn)
                        .push_bind(&s.name)
                        .push_bind(&s.placement_type)
                        .push_bind(&s.phase)
                        .push_bind(&s.la_code);
                });
                insert.push(
                    " ON CONFLICT (urn) DO UPDATE SET name = excluded.name, \
                     placement_type = excluded.placement_type, phase = excluded.phase, \
                     la_code = excluded.la_code",
                );
                written += insert.build().execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
            Ok(written)
        }

        async fn find_setting(&self, urn: &str) -> Result<Option<$crate::settings::Setting>> {
            let row: Option<(String, String, String, String, String)> = sqlx::query_as(
                "SELECT urn, name, placement_type, phase, la_code FROM settings WHERE urn = $1",
            )
            .bind(urn)
            .fetch_optional(&self.pool)
            .await?;
            Ok(row.map(
                |(urn, name, placement_type, phase, la_code)| $crate::settings::Setting {
                    urn,
                    name,
                    placement_type,
                    phase,
                    la_code,
                },
            ))
        }

        async fn setting_urns(&self) -> Result<std::collections::HashSet<String>> {
            let urns: Vec<String> = sqlx::query_scalar("SELECT urn FROM settings")
                .fetch_all(&self.pool)
                .await?;
            Ok(urns.into_iter().collect())
        }
    };
}

pub(crate) use settings_methods;
