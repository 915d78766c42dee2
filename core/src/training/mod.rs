//! Offline training: the content pack, progress, quiz scoring, refresher due dates and the
//! xAPI statements that record it all for the organisation.
//!
//! The pack in force is the installed `content` bundle, or the default pack built into the
//! library when none is installed. Progress and quiz answers are personal data and are stored
//! sealed; every change and the statements it produces are written in one transaction.

pub mod pack;

/// Why a training request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum TrainingRefusal {
    /// No module with that id in the pack in force.
    UnknownModule,
    /// The module exists but is not assigned to this member of staff's role.
    NotAssigned,
    /// An answer names a question the module's quiz does not have.
    UnknownQuestion,
    /// An answer names an option the question does not have.
    UnknownOption,
    /// The answers were given for a pack version that is no longer installed.
    PackVersionGone,
}
