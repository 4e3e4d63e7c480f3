//! The navigation: which parts of the service a role works in, in the order the header lists
//! them, and where each role lands after signing in. Presentation only: who may *see* what is
//! decided in `waymark_app::access`.

use waymark_app::access::{allocates, sees_reports};
use waymark_store::domain::actor::Role;

/// The parts of the service a role works in, in the order the navigation lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The cases of a parent, carer or young person (their home page).
    Family,
    /// The advice asked of a professional's organisation (their home page).
    Advice,
    /// The LA's cases (LA staff).
    Caseload,
    /// Unallocated cases and caseworkers' loads (managers and admins).
    Allocation,
    /// Figures for the whole LA (managers, admins, viewers, scrutiny).
    Reports,
    /// Accounts of the LA (admins).
    Users,
    /// The audit trail (admins).
    Audit,
    /// The user's own account (everyone signed in).
    Account,
}

impl Section {
    /// The link text.
    pub fn label(self) -> &'static str {
        match self {
            Section::Family => "Your cases",
            Section::Advice => "Advice requests",
            Section::Caseload => "Caseload",
            Section::Allocation => "Allocate cases",
            Section::Reports => "Reports",
            Section::Users => "Users",
            Section::Audit => "Audit trail",
            Section::Account => "Your account",
        }
    }

    /// Where it starts.
    pub fn href(self) -> &'static str {
        match self {
            Section::Family => "/my-cases",
            Section::Advice => "/advice",
            Section::Caseload => "/caseload",
            Section::Allocation => "/allocation",
            Section::Reports => "/reports",
            Section::Users => "/admin/users",
            Section::Audit => "/admin/audit",
            Section::Account => "/account",
        }
    }
}

/// The sections a role works in. ("Reports" joins this list when its pages exist.)
pub fn sections(role: Role) -> Vec<Section> {
    let mut sections = Vec::new();
    if role == Role::Parent {
        sections.push(Section::Family);
    }
    if role == Role::Professional {
        sections.push(Section::Advice);
    }
    if role.is_la_staff() {
        sections.push(Section::Caseload);
    }
    if allocates(role) {
        sections.push(Section::Allocation);
    }
    if sees_reports(role) {
        sections.push(Section::Reports);
    }
    if role == Role::Admin {
        sections.extend([Section::Users, Section::Audit]);
    }
    sections.push(Section::Account);
    sections
}

/// Where a user lands after signing in: their caseload for LA staff, their cases for a
/// family, else their account.
pub fn home(role: Role) -> &'static str {
    if role.is_la_staff() {
        Section::Caseload.href()
    } else if role == Role::Professional {
        Section::Advice.href()
    } else if role == Role::Parent {
        Section::Family.href()
    } else {
        Section::Account.href()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigation_sections_follow_the_role() {
        assert_eq!(
            sections(Role::Admin),
            [
                Section::Caseload,
                Section::Allocation,
                Section::Reports,
                Section::Users,
                Section::Audit,
                Section::Account
            ]
        );
        assert_eq!(
            sections(Role::Manager),
            [
                Section::Caseload,
                Section::Allocation,
                Section::Reports,
                Section::Account
            ]
        );
        assert_eq!(
            sections(Role::Caseworker),
            [Section::Caseload, Section::Account]
        );
        for reader in [Role::Viewer, Role::Scrutiny] {
            assert_eq!(sections(reader), [Section::Reports, Section::Account]);
        }
        assert_eq!(sections(Role::Parent), [Section::Family, Section::Account]);
        assert_eq!(
            sections(Role::Professional),
            [Section::Advice, Section::Account]
        );
    }

    #[test]
    fn staff_land_on_their_caseload_families_on_their_cases_others_on_their_account() {
        assert_eq!(home(Role::Caseworker), "/caseload");
        assert_eq!(home(Role::Parent), "/my-cases");
        assert_eq!(home(Role::Viewer), "/account");
        assert_eq!(home(Role::Professional), "/advice");
    }
}
