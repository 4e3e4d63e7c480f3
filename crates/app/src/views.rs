//! The view of a case for each audience, decided once for the pages and the JSON API alike.
//!
//! LA staff see the whole record. A family and a professional see what the council has sent
//! or shown them, and never what is for staff only:
//!
//! - **staff notes** (`NoteAdded`: the note form tells staff "the family never sees them") and
//!   handover notes given with an allocation;
//! - **exception notes**: why the caseworker recorded an exception to the time limits (the
//!   exception itself, its kind and dates, is part of the family's clocks and stays);
//! - **unsent drafts**: versions of the plan the council has saved but not sent (reg 13:
//!   the family sees a draft once it is served on them), and the history entries that carry
//!   their text.
//!
//! [`case_for`] and [`history_for`] take the whole record and give the audience's view of it;
//! every route that shows a case to someone outside the council goes through them.

use waymark_store::cases::HistoryEntry;
use waymark_store::domain::case::Case;
use waymark_store::domain::event::Event;

use crate::access::Reach;

/// Who a view of a case is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// LA staff: the whole record.
    Staff,
    /// The child's parent or carer, or the young person.
    Family,
    /// A professional asked for advice, consulted, or named on the plan.
    Professional,
}

impl Audience {
    /// The audience a user reaches a case as.
    pub fn of(reach: Reach) -> Audience {
        match reach {
            Reach::Staff => Audience::Staff,
            Reach::Parent => Audience::Family,
            Reach::Professional => Audience::Professional,
        }
    }

    /// Whether this audience sees staff-only content.
    pub fn is_staff(self) -> bool {
        self == Audience::Staff
    }
}

/// Whether plan version `version` has been sent outside the council (served as a draft, or
/// issued as the final plan).
fn sent(case: &Case, version: u32) -> bool {
    case.plan_versions
        .iter()
        .any(|v| v.version == version && v.served_on.is_some())
        || case
            .final_plan
            .as_ref()
            .is_some_and(|p| p.version == version)
}

/// The case as `audience` may see it.
pub fn case_for(audience: Audience, case: &Case) -> Case {
    let mut view = case.clone();
    if audience.is_staff() {
        return view;
    }
    for exception in &mut view.exceptions {
        exception.note.clear();
    }
    view.plan_versions.retain(|v| sent(case, v.version));
    view
}

/// The history of `case` as `audience` may see it: staff notes and the saved text of drafts
/// never sent are left out, exception and handover notes emptied. `case` is the whole record
/// (it says which drafts were sent).
pub fn history_for(
    audience: Audience,
    case: &Case,
    entries: Vec<HistoryEntry>,
) -> Vec<HistoryEntry> {
    if audience.is_staff() {
        return entries;
    }
    entries
        .into_iter()
        .filter_map(|mut entry| {
            match &mut entry.event {
                Event::NoteAdded { .. } => return None,
                Event::PlanSaved { version, .. } if !sent(case, *version) => return None,
                Event::ExceptionRecorded(recorded) => recorded.note.clear(),
                Event::CaseworkerAllocated { note, .. } => *note = None,
                _ => {}
            }
            Some(entry)
        })
        .collect()
}
