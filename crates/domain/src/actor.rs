//! Who is acting: a user with one role in one local authority.

use serde::{Deserialize, Serialize};

use crate::ids::LaCode;

/// A user's role (see DESIGN.md, "Security model").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A SEND caseworker or EHC coordinator.
    Caseworker,
    /// A SEND team manager: allocates cases.
    Manager,
    /// A local authority administrator.
    Admin,
    /// A school, health, social care or educational psychology professional.
    Professional,
    /// A parent or carer, or the young person.
    Parent,
    /// Aggregate dashboards only.
    Viewer,
    /// Committee packs only.
    Scrutiny,
}

impl Role {
    /// Local authority staff who run cases.
    pub fn is_la_staff(self) -> bool {
        matches!(self, Role::Caseworker | Role::Manager | Role::Admin)
    }

    /// The role's name in plain words.
    pub fn label(self) -> &'static str {
        match self {
            Role::Caseworker => "caseworker",
            Role::Manager => "manager",
            Role::Admin => "administrator",
            Role::Professional => "professional",
            Role::Parent => "parent or carer",
            Role::Viewer => "viewer",
            Role::Scrutiny => "scrutiny member",
        }
    }
}

/// The user issuing a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// A stable user reference (never a name: it goes into the event log).
    pub user: String,
    /// Their role.
    pub role: Role,
    /// The local authority they act for.
    pub la: LaCode,
}
