//! Why the case rules refused a command or a new request ([`Refusal`]), and which input the
//! refusal is about ([`Field`]), so a form or the API can put the words beside that input
//! without reading them.

/// An input of a [`Command`](super::Command) or a [`NewRequest`](super::NewRequest) that a
/// refusal can be about. Each page and the API name their own inputs for these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// A new request's case reference.
    Reference,
    /// The child's given name.
    GivenName,
    /// The child's family name.
    FamilyName,
    /// The child's date of birth.
    DateOfBirth,
    /// The day the request was received.
    RequestReceived,
    /// The reasons for the request.
    RequestReasons,
    /// Who made the request (its SEN2 source code).
    RequestSource,
    /// The date of the command's act or decision (`on`).
    On,
    /// The first day of an exception.
    From,
    /// The last day of an exception.
    To,
    /// The reasons for a decision.
    Reasons,
    /// Which advice request, consultation or review (`number`).
    Number,
    /// Which version of the plan (`version`).
    Version,
    /// The caseworker to allocate.
    Caseworker,
    /// The organisation asked for advice.
    Organisation,
    /// What happened, for an exception.
    Note,
    /// The text of a note on the case.
    Text,
    /// Why a request for advice is declined.
    Reason,
    /// The sections of the plan.
    Sections,
    /// The name of a school or setting.
    PlacementName,
    /// A school's URN (or UKPRN).
    PlacementUrn,
    /// The setting code of a setting with no URN.
    SettingCode,
    /// The type of placement (SEN2 code).
    PlacementType,
    /// The ranked types of need (SEN2 codes).
    SenNeeds,
    /// Why the case is closing.
    ClosureReason,
    /// Why a plan ceased (SEN2 code).
    CeaseReason,
    /// When mediation was requested.
    MediationRequested,
    /// When the mediation certificate was issued.
    CertificateIssued,
    /// When mediation took place.
    MediationHeld,
    /// When an appeal was lodged.
    AppealLodged,
}

/// Why a command was refused. Each message says what to do instead; [`Refusal::field`] says
/// which input it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The user's role may not do this.
    #[error("a {role} cannot {action}")]
    NotAllowed {
        /// The role's label.
        role: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// The case belongs to another local authority.
    #[error("this case belongs to another local authority")]
    OtherAuthority,
    /// The case is closed.
    #[error("the case was closed on {0}; nothing more can be recorded")]
    Closed(String),
    /// Not allowed at this stage.
    #[error("you cannot {action} while the case is at '{stage}'")]
    WrongStage {
        /// What was attempted.
        action: &'static str,
        /// The current stage.
        stage: &'static str,
    },
    /// A date after today.
    #[error("{what} cannot be in the future: {date} is after today, {today}")]
    FutureDate {
        /// The input.
        field: Field,
        /// Which date.
        what: &'static str,
        /// The date given.
        date: String,
        /// Today.
        today: String,
    },
    /// A date before something it must follow.
    #[error("{what} ({date}) cannot be before {earlier} ({earlier_date})")]
    TooEarly {
        /// The input.
        field: Field,
        /// Which date.
        what: &'static str,
        /// The date given.
        date: String,
        /// What it must follow.
        earlier: &'static str,
        /// That date.
        earlier_date: String,
    },
    /// Recorded already.
    #[error("{what} was already recorded on {on}")]
    AlreadyRecorded {
        /// What.
        what: &'static str,
        /// When.
        on: String,
    },
    /// A required input is empty.
    #[error("enter {what}")]
    Missing {
        /// The input.
        field: Field,
        /// What to enter.
        what: &'static str,
    },
    /// Any other invalid input, with the reason.
    #[error("{reason}")]
    Invalid {
        /// The input.
        field: Field,
        /// Why it is refused, in words to act on.
        reason: String,
    },
    /// A numbered item that does not exist.
    #[error("there is no {what} number {number} on this case")]
    NoSuch {
        /// What.
        what: &'static str,
        /// The number given.
        number: u32,
    },
    /// Not the latest plan version.
    #[error(
        "version {given} is not the latest version of the plan (version {latest} is); \
         only the latest version can be sent"
    )]
    NotLatest {
        /// Version given.
        given: u32,
        /// The latest version.
        latest: u32,
    },
}

impl Refusal {
    /// An invalid `field`, for `reason`.
    pub fn invalid(field: Field, reason: impl Into<String>) -> Refusal {
        Refusal::Invalid {
            field,
            reason: reason.into(),
        }
    }

    /// The input the refusal is about; `None` for one about the case or the user (the role,
    /// the stage, a closed case, something already recorded).
    pub fn field(&self) -> Option<Field> {
        match self {
            Refusal::FutureDate { field, .. }
            | Refusal::TooEarly { field, .. }
            | Refusal::Missing { field, .. }
            | Refusal::Invalid { field, .. } => Some(*field),
            Refusal::NoSuch { .. } => Some(Field::Number),
            Refusal::NotLatest { .. } => Some(Field::Version),
            Refusal::NotAllowed { .. }
            | Refusal::OtherAuthority
            | Refusal::Closed(_)
            | Refusal::WrongStage { .. }
            | Refusal::AlreadyRecorded { .. } => None,
        }
    }
}
