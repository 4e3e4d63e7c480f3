//! Bookkeeping shared by both backends' batch and single writes: numbering events, and matching
//! the rows a batch `INSERT ... ON CONFLICT DO NOTHING RETURNING` created back to its cases.

use std::collections::{BTreeSet, HashMap};

use crate::LaCode;
use crate::model::{BatchOutcome, NewCase, NewEvent};

/// Numbers events for writing: `(case_id, seq, event)` with `seq` from `after + 1`.
pub(crate) fn numbered(
    case_id: i64,
    after: i64,
    events: &[NewEvent],
) -> impl Iterator<Item = (i64, i64, &NewEvent)> {
    (after + 1..)
        .zip(events)
        .map(move |(seq, event)| (case_id, seq, event))
}

/// The local authorities a batch names, each once.
pub(crate) fn distinct_las(cases: &[NewCase]) -> BTreeSet<&LaCode> {
    cases.iter().map(|case| &case.la).collect()
}

/// What [`events_of_created`] finds: the numbered events to write, the created cases, and
/// the counts.
pub(crate) type Created<'a> = (
    Vec<(i64, i64, &'a NewEvent)>,
    Vec<&'a NewCase>,
    BatchOutcome,
);

/// Matches the rows a batch insert created (`id, la_code, reference`, in no particular order)
/// back to the cases of the chunk: the events to write for the created ones, and the counts.
/// A reference given twice in one batch is created once and then counted as already present.
pub(crate) fn events_of_created(
    chunk: &[NewCase],
    created: Vec<(i64, String, String)>,
) -> Created<'_> {
    let mut ids: HashMap<(String, String), i64> = created
        .into_iter()
        .map(|(id, la, reference)| ((la, reference), id))
        .collect();
    let mut events = Vec::new();
    let mut made = Vec::new();
    let mut outcome = BatchOutcome::default();
    for case in chunk {
        let key = (case.la.as_str().to_owned(), case.reference.clone());
        match ids.remove(&key) {
            Some(id) => {
                outcome.created += 1;
                events.extend(numbered(id, 0, &case.events));
                made.push(case);
            }
            None => outcome.already_present += 1,
        }
    }
    (events, made, outcome)
}

/// Expands into the backend's `insert_events(tx, events)`: writes numbered events with
/// multi-row `INSERT`s.
macro_rules! insert_events {
    ($db:ty) => {
        /// Writes numbered events with multi-row `INSERT`s.
        async fn insert_events(
            tx: &mut sqlx::Transaction<'_, $db>,
            events: &[(i64, i64, &NewEvent)],
        ) -> Result<()> {
            for chunk in events.chunks(rows::EVENTS_PER_INSERT) {
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO case_events (case_id, seq, kind, payload, actor, recorded_at) ",
                );
                insert.push_values(chunk, |mut row, (case_id, seq, event)| {
                    row.push_bind(*case_id)
                        .push_bind(*seq)
                        .push_bind(event.kind.as_str())
                        .push_bind(sqlx::types::Json(&event.payload))
                        .push_bind(event.actor.as_str())
                        .push_bind(event.recorded_at);
                });
                insert.build().execute(&mut **tx).await?;
            }
            Ok(())
        }
    };
}

pub(crate) use insert_events;
