//! The audit trail: every read and write of personal data (who, when, which record, which
//! action, from where), append-only and hash-chained (DESIGN.md, "Security model").
//!
//! Row `n` stores `hash(n) = SHA-256(canonical(n, contents, hash(n-1)))`, and the one-row
//! `audit_head` table stores the last row's number and hash, written in the same transaction.
//! [`AuditStore::verify_audit`] recomputes the chain, so editing,
//! removing or reordering rows (even the last one) is detected, although the database's
//! append-only triggers can be dropped by its owner. Someone who can write the database *and*
//! recompute every later hash and the head is not detected: that needs a copy of the head kept
//! elsewhere.
//!
//! Appends are serialised across writers and instances (SQLite: `BEGIN IMMEDIATE`; PostgreSQL:
//! a transaction-scoped advisory lock), so the chain never forks. The SQL is the same on both
//! backends and written once in [`audit_methods`], for each backend's [`AuditStore`] impl.

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use waymark_domain::{CaseId, LaCode};

use crate::identity::{Fetched, UserId, bad_column};

crate::backend::store_trait! {
    /// The audit trail: appending, verifying and searching it.
    pub trait AuditStore {
        /// Appends an entry to the hash-chained audit trail, in one transaction serialised
        /// across writers and instances, updating the recorded end of the trail with it.
        async fn append_audit(&self, entry: NewAuditEntry) -> crate::Result<()>;

        /// Walks the whole audit trail in order (a page at a time, in one snapshot) and
        /// reports the first row that was changed, removed, inserted or reordered, if any.
        async fn verify_audit(&self) -> crate::Result<AuditReport>;

        /// An LA's audit entries, newest first, optionally only those about one case ("who
        /// looked at this case") and/or by one user; at most `limit`.
        async fn search_audit(
            &self,
            la: &LaCode,
            case: Option<CaseId>,
            user: Option<UserId>,
            limit: i64,
        ) -> crate::Result<Vec<AuditEntry>>;
    }
}

/// Something to record in the audit trail. Ids only: never a name, email or other personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// When it happened (kept to the microsecond).
    pub at: DateTime<Utc>,
    /// Who did it, if anyone was signed in.
    pub user_id: Option<UserId>,
    /// The local authority whose record it was.
    pub la: Option<LaCode>,
    /// What was done: `"view_case"`, `"record_decision"`, `"sign_in"`, ...
    pub action: String,
    /// What kind of record: `"case"`, `"user"`, `"session"`, ...
    pub record_type: String,
    /// Which record, if there is one.
    pub record_id: Option<String>,
    /// The case it concerns, if any ("who looked at this case").
    pub case_id: Option<CaseId>,
    /// The client's IP address.
    pub ip: Option<String>,
}

/// A row of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its place in the trail: 1, 2, 3, ...
    pub seq: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it.
    pub user_id: Option<UserId>,
    /// The local authority whose record it was.
    pub la: Option<LaCode>,
    /// What was done.
    pub action: String,
    /// What kind of record.
    pub record_type: String,
    /// Which record.
    pub record_id: Option<String>,
    /// The case it concerns.
    pub case_id: Option<CaseId>,
    /// The client's IP address.
    pub ip: Option<String>,
    /// The previous row's hash (64 zeros for row 1).
    pub prev_hash: String,
    /// This row's hash (SHA-256, hex) over its contents and `prev_hash`.
    pub hash: String,
}

/// What [`AuditStore::verify_audit`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// How many rows were checked: every row if the trail is intact, else those before the
    /// break.
    pub rows: u64,
    /// The first broken row, if any.
    pub first_broken: Option<BrokenRow>,
}

/// Where and how the audit trail is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenRow {
    /// The row's number (for a missing row, the number it should have had).
    pub seq: i64,
    /// What is wrong with it, in words.
    pub reason: String,
}

/// The hash before the first row.
pub(crate) const GENESIS_HASH: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// The PostgreSQL advisory lock that serialises appends ("WAYMAUDT").
pub(crate) const AUDIT_LOCK: i64 = 0x5741_594d_4155_4454;

/// Rows read per query when walking the chain.
pub(crate) const VERIFY_PAGE: i64 = 1000;

/// The columns of `audit_log`, in [`AuditEntry`]'s order.
pub(crate) const AUDIT_COLUMNS: &str = "seq, at, user_id, la_code, action, record_type, \
     record_id, case_id, ip, prev_hash, hash";

impl AuditEntry {
    /// The row that follows a head of `(seq, hash)`, with its hash.
    pub(crate) fn chained(entry: NewAuditEntry, head_seq: i64, head_hash: String) -> AuditEntry {
        let mut row = AuditEntry {
            seq: head_seq + 1,
            at: crate::identity::micros(entry.at),
            user_id: entry.user_id,
            la: entry.la,
            action: entry.action,
            record_type: entry.record_type,
            record_id: entry.record_id,
            case_id: entry.case_id,
            ip: entry.ip,
            prev_hash: head_hash,
            hash: String::new(),
        };
        row.hash = row.expected_hash();
        row
    }

    /// The hash this row's contents and `prev_hash` give.
    ///
    /// Canonical encoding, so that no two different rows encode alike: a version tag, then
    /// each field as a tag byte (0 = absent, 1 = present) and, if present, its length as a
    /// big-endian u64 and its UTF-8 bytes. Numbers are decimal; `at` is RFC 3339 in UTC with
    /// microseconds (`2026-01-05T09:30:00.000000Z`).
    pub(crate) fn expected_hash(&self) -> String {
        fn field(hasher: &mut Sha256, value: Option<&str>) {
            match value {
                None => hasher.update([0u8]),
                Some(text) => {
                    hasher.update([1u8]);
                    hasher.update((text.len() as u64).to_be_bytes());
                    hasher.update(text.as_bytes());
                }
            }
        }
        let mut hasher = Sha256::new();
        hasher.update(b"waymark-audit-v1\0");
        field(&mut hasher, Some(&self.seq.to_string()));
        field(
            &mut hasher,
            Some(&self.at.to_rfc3339_opts(SecondsFormat::Micros, true)),
        );
        field(
            &mut hasher,
            self.user_id.map(|u| u.0.to_string()).as_deref(),
        );
        field(&mut hasher, self.la.as_ref().map(LaCode::as_str));
        field(&mut hasher, Some(&self.action));
        field(&mut hasher, Some(&self.record_type));
        field(&mut hasher, self.record_id.as_deref());
        field(
            &mut hasher,
            self.case_id.map(|c| c.0.to_string()).as_deref(),
        );
        field(&mut hasher, self.ip.as_deref());
        field(&mut hasher, Some(&self.prev_hash));
        to_hex(&hasher.finalize())
    }
}

/// Lower-case hex (written out here rather than adding a crate for eight lines).
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// A walk along the chain in `seq` order, checking each row against the one before and, at the
/// end, the last row against the head.
#[derive(Debug)]
pub(crate) struct ChainWalk {
    head_seq: i64,
    head_hash: String,
    last_seq: i64,
    last_hash: String,
    rows: u64,
}

impl ChainWalk {
    /// A walk of a trail whose head is `(seq, hash)`.
    pub(crate) fn new(head_seq: i64, head_hash: String) -> ChainWalk {
        ChainWalk {
            head_seq,
            head_hash,
            last_seq: 0,
            last_hash: GENESIS_HASH.to_string(),
            rows: 0,
        }
    }

    /// The `seq` of the last row checked (to read the next page after it).
    pub(crate) fn last_seq(&self) -> i64 {
        self.last_seq
    }

    /// Checks the next row.
    pub(crate) fn step(&mut self, row: &AuditEntry) -> Result<(), BrokenRow> {
        let expected = self.last_seq + 1;
        if row.seq > self.head_seq {
            return Err(BrokenRow {
                seq: row.seq,
                reason: format!(
                    "it is after the recorded end of the trail (row {}): it was added outside \
                     Waymark",
                    self.head_seq
                ),
            });
        }
        if row.seq != expected {
            return Err(BrokenRow {
                seq: expected,
                reason: format!(
                    "it is missing (the trail goes from row {} to row {})",
                    self.last_seq, row.seq
                ),
            });
        }
        if row.prev_hash != self.last_hash {
            return Err(BrokenRow {
                seq: row.seq,
                reason: format!(
                    "it does not follow row {}: the previous-row hash it carries differs (a row \
                     was removed, inserted or reordered)",
                    self.last_seq
                ),
            });
        }
        if row.expected_hash() != row.hash {
            return Err(BrokenRow {
                seq: row.seq,
                reason: "its contents do not match its hash (the row was changed)".to_string(),
            });
        }
        self.last_seq = row.seq;
        self.last_hash.clone_from(&row.hash);
        self.rows += 1;
        Ok(())
    }

    /// The report after the last row, or at the first broken one.
    pub(crate) fn finish(self, broken: Option<BrokenRow>) -> AuditReport {
        let broken = broken.or_else(|| self.head_mismatch());
        AuditReport {
            rows: self.rows,
            first_broken: broken,
        }
    }

    /// Whether the trail ends where the head says it does.
    fn head_mismatch(&self) -> Option<BrokenRow> {
        if self.last_seq < self.head_seq {
            let missing = if self.last_seq + 1 == self.head_seq {
                "it is missing"
            } else {
                "it and the rows after it are missing"
            };
            return Some(BrokenRow {
                seq: self.last_seq + 1,
                reason: format!(
                    "{missing}: the trail should end at row {} but ends at row {}",
                    self.head_seq, self.last_seq
                ),
            });
        }
        if self.last_hash != self.head_hash {
            return Some(BrokenRow {
                seq: self.head_seq,
                reason: "its hash differs from the one recorded as the end of the trail"
                    .to_string(),
            });
        }
        None
    }
}

/// Reads [`AuditEntry`] from a backend's rows by column name.
macro_rules! from_row {
    ($row:ty) => {
        impl sqlx::FromRow<'_, $row> for Fetched<AuditEntry> {
            fn from_row(row: &$row) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                let la: Option<String> = row.try_get("la_code")?;
                let la = la
                    .map(|code| LaCode::parse(&code))
                    .transpose()
                    .map_err(|e| bad_column("la_code", e))?;
                let user_id: Option<i64> = row.try_get("user_id")?;
                let case_id: Option<i64> = row.try_get("case_id")?;
                Ok(Fetched(AuditEntry {
                    seq: row.try_get("seq")?,
                    at: row.try_get("at")?,
                    user_id: user_id.map(UserId),
                    la,
                    action: row.try_get("action")?,
                    record_type: row.try_get("record_type")?,
                    record_id: row.try_get("record_id")?,
                    case_id: case_id.map(CaseId),
                    ip: row.try_get("ip")?,
                    prev_hash: row.try_get("prev_hash")?,
                    hash: row.try_get("hash")?,
                }))
            }
        }
    };
}

from_row!(sqlx::sqlite::SqliteRow);
from_row!(sqlx::postgres::PgRow);

/// Expands into the [`AuditStore`] methods for backend `$db`. The backend provides
/// `begin_serialised(lock)` (a write transaction no other holder of `lock` runs beside, across
/// instances) and `begin_snapshot()` (a read-only transaction that sees one snapshot).
macro_rules! audit_methods {
    ($db:ty) => {
        async fn append_audit(&self, entry: $crate::audit::NewAuditEntry) -> $crate::Result<()> {
            let mut tx = self.begin_serialised($crate::audit::AUDIT_LOCK).await?;
            append_audit_in(&mut tx, entry).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn verify_audit(&self) -> $crate::Result<$crate::audit::AuditReport> {
            use $crate::audit::{AUDIT_COLUMNS, AuditEntry, BrokenRow, ChainWalk, VERIFY_PAGE};
            use $crate::identity::Fetched;
            // One snapshot for the head and every page, so rows appended meanwhile are neither
            // half-seen nor mistaken for rows added behind Waymark's back.
            let mut tx = self.begin_snapshot().await?;
            let head: Option<(i64, String)> =
                sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((head_seq, head_hash)) = head else {
                return Ok($crate::audit::AuditReport {
                    rows: 0,
                    first_broken: Some(BrokenRow {
                        seq: 0,
                        reason: "the record of the trail's end (audit_head) has been removed"
                            .to_string(),
                    }),
                });
            };
            let mut walk = ChainWalk::new(head_seq, head_hash);
            let sql = format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
            );
            let broken = 'walk: loop {
                let page = sqlx::query_as::<_, Fetched<AuditEntry>>(&sql)
                    .bind(walk.last_seq())
                    .bind(VERIFY_PAGE)
                    .fetch_all(&mut *tx)
                    .await?;
                if page.is_empty() {
                    break None;
                }
                for Fetched(row) in &page {
                    if let Err(broken) = walk.step(row) {
                        break 'walk Some(broken);
                    }
                }
            };
            tx.rollback().await?;
            Ok(walk.finish(broken))
        }

        async fn search_audit(
            &self,
            la: &$crate::LaCode,
            case: Option<$crate::CaseId>,
            user: Option<$crate::identity::UserId>,
            limit: i64,
        ) -> $crate::Result<Vec<$crate::audit::AuditEntry>> {
            use $crate::audit::{AUDIT_COLUMNS, AuditEntry};
            use $crate::identity::Fetched;
            let mut query = sqlx::QueryBuilder::<$db>::new(format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE la_code = "
            ));
            query.push_bind(la.as_str());
            if let Some(case) = case {
                query.push(" AND case_id = ").push_bind(case.0);
            }
            if let Some(user) = user {
                query.push(" AND user_id = ").push_bind(user.0);
            }
            query.push(" ORDER BY seq DESC LIMIT ").push_bind(limit);
            let found: Vec<Fetched<AuditEntry>> =
                query.build_query_as().fetch_all(&self.pool).await?;
            Ok(found.into_iter().map(|Fetched(entry)| entry).collect())
        }
    };
}

pub(crate) use audit_methods;

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn entry(action: &str) -> NewAuditEntry {
        NewAuditEntry {
            at: Utc
                .with_ymd_and_hms(2026, 1, 5, 9, 30, 0)
                .single()
                .unwrap_or_else(|| panic!("bad test date")),
            user_id: Some(UserId(7)),
            la: LaCode::parse("202").ok(),
            action: action.to_string(),
            record_type: "case".to_string(),
            record_id: Some("12".to_string()),
            case_id: Some(CaseId(12)),
            ip: Some("192.0.2.1".to_string()),
        }
    }

    fn chain(actions: &[&str]) -> Vec<AuditEntry> {
        let mut rows: Vec<AuditEntry> = Vec::new();
        for action in actions {
            let (seq, hash) = rows
                .last()
                .map_or((0, GENESIS_HASH.to_string()), |r| (r.seq, r.hash.clone()));
            rows.push(AuditEntry::chained(entry(action), seq, hash));
        }
        rows
    }

    fn walk(rows: &[AuditEntry], head: (i64, &str)) -> AuditReport {
        let mut walk = ChainWalk::new(head.0, head.1.to_string());
        let broken = rows.iter().find_map(|row| walk.step(row).err());
        walk.finish(broken)
    }

    #[test]
    fn a_chain_as_appended_is_intact() {
        let rows = chain(&["view_case", "record_decision", "view_case"]);
        assert_eq!(rows[0].prev_hash, GENESIS_HASH);
        assert_eq!(rows[1].prev_hash, rows[0].hash);
        let report = walk(&rows, (3, &rows[2].hash));
        assert_eq!(report.rows, 3);
        assert_eq!(report.first_broken, None);
        assert_eq!(walk(&[], (0, GENESIS_HASH)).first_broken, None);
    }

    #[test]
    fn an_absent_field_hashes_differently_from_an_empty_one() {
        let mut absent = chain(&["view_case"]).remove(0);
        absent.record_id = None;
        let mut empty = absent.clone();
        empty.record_id = Some(String::new());
        assert_ne!(absent.expected_hash(), empty.expected_hash());
    }

    #[test]
    fn moving_text_between_fields_changes_the_hash() {
        let row = chain(&["view_case"]).remove(0);
        let mut moved = row.clone();
        moved.action = "view_".to_string();
        moved.record_type = "casecase".to_string();
        assert_ne!(row.expected_hash(), moved.expected_hash());
    }

    #[test]
    fn each_kind_of_damage_names_the_first_broken_row() {
        let rows = chain(&["a", "b", "c", "d"]);
        let head = (4, rows[3].hash.as_str());

        let mut edited = rows.clone();
        edited[1].action = "z".to_string();
        let broken = walk(&edited, head).first_broken.unwrap_or_else(|| panic!());
        assert_eq!(broken.seq, 2);
        assert!(broken.reason.contains("changed"), "{}", broken.reason);

        let mut gap = rows.clone();
        gap.remove(1);
        assert_eq!(walk(&gap, head).first_broken.map(|b| b.seq), Some(2));

        let truncated = &rows[..3];
        let broken = walk(truncated, head)
            .first_broken
            .unwrap_or_else(|| panic!());
        assert_eq!((broken.seq, walk(truncated, head).rows), (4, 3));

        let mut swapped = rows.clone();
        swapped.swap(1, 2);
        (swapped[1].seq, swapped[2].seq) = (2, 3);
        assert_eq!(walk(&swapped, head).first_broken.map(|b| b.seq), Some(2));

        assert_eq!(
            walk(&rows, (3, &rows[2].hash)).first_broken.map(|b| b.seq),
            Some(4)
        );
        assert_eq!(
            walk(&rows, (4, GENESIS_HASH)).first_broken.map(|b| b.seq),
            Some(4)
        );
    }

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(to_hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }
}
