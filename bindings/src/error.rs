//! The public error: a few variants a caller can act on.
//!
//! The core's rich error is mapped here, in one `From` impl. Messages carry no secrets,
//! report contents, staff identifiers or file paths (`tests/error_messages.rs` checks).

use frontline_core::assessment::AssessmentRefusal;
use frontline_core::bundle::BundleRefusal;
use frontline_core::error::{DataDirProblem, Error};
use frontline_core::incident::IncidentRefusal;
use frontline_core::training::TrainingRefusal;

/// What went wrong, in terms the app can act on (Kotlin: `FrontlineException`).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum FrontlineError {
    /// `shutdown()` was called: open a new `Companion`.
    #[error("Frontline has been shut down")]
    Closed,
    /// The data directory is missing, not a directory or not writable.
    #[error("the data directory cannot be used ({problem:?})")]
    DataDirectory {
        /// What is wrong with it.
        problem: DataDirProblem,
    },
    /// The file at the database path is not a Frontline database, or is damaged.
    #[error("the local database is not readable")]
    NotADatabase,
    /// The database was written by a newer Frontline; update the app. Nothing was changed.
    #[error("the local database needs a newer Frontline (schema {found}, supported {supported})")]
    NewerDatabase {
        /// Schema version found.
        found: u32,
        /// Newest schema version this build reads.
        supported: u32,
    },
    /// The platform key store failed (locked, unavailable). Try again later.
    #[error("the platform key store is unavailable")]
    KeyStoreUnavailable,
    /// The platform key store returned a different key (e.g. after a lock-screen reset):
    /// local sealed data cannot be read. See docs/adr on recovery.
    #[error("the platform key no longer matches the local data")]
    KeyMismatch,
    /// Sealed local data failed its integrity check.
    #[error("local data failed its integrity check")]
    Tampered,
    /// The device storage is full; nothing was written.
    #[error("the device storage is full")]
    StorageFull,
    /// Another storage failure.
    #[error("storage failure: {reason}")]
    Storage {
        /// The kind of failure (no paths or values).
        reason: String,
    },
    /// A value the caller passed is not acceptable.
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// What is wrong (no values quoted).
        reason: String,
    },
    /// An internal failure (e.g. the random generator).
    #[error("internal failure: {reason}")]
    Internal {
        /// The kind of failure.
        reason: String,
    },
    /// A signed bundle was refused; the bundle installed before stays in use.
    #[error("the bundle was refused ({reason:?})")]
    BundleRefused {
        /// Why.
        reason: BundleRefusal,
    },
    /// A training request was refused (unknown or unassigned module, unknown answer,
    /// answers for a pack version that is no longer installed). Nothing was recorded.
    #[error("the training request was refused ({reason:?})")]
    TrainingRefused {
        /// Why.
        reason: TrainingRefusal,
    },
    /// A self-assessment request was refused (unknown question or option, a measured answer
    /// contradicted, not complete, nothing in progress, unknown team). Nothing was stored.
    #[error("the assessment request was refused ({reason:?})")]
    AssessmentRefused {
        /// Why.
        reason: AssessmentRefusal,
    },
    /// An incident report was refused (unknown kind, description too long, time out of
    /// range). Nothing was stored or queued.
    #[error("the incident report was refused ({reason:?})")]
    IncidentRefused {
        /// Why.
        reason: IncidentRefusal,
    },
    /// A setting the operation needs (named) is missing from the configuration.
    #[error("not configured: {setting}")]
    NotConfigured {
        /// The setting's name, e.g. `collector_url`.
        setting: String,
    },
    /// The collector's response was malformed; nothing was marked delivered and the reports
    /// will be sent again later.
    #[error("the collector's response is malformed ({reason})")]
    BadResponse {
        /// What is wrong with it (no values quoted).
        reason: String,
    },
    /// The response answers no outstanding request (already handled or expired). Nothing
    /// changed.
    #[error("the response answers no outstanding request")]
    UnknownRequest,
    /// The managed configuration has invalid values; the previous configuration stays in
    /// force. Each problem names a key (never its value).
    #[error("the managed configuration has {} invalid value(s)", problems.len())]
    InvalidConfig {
        /// Every problem found.
        problems: Vec<frontline_core::config::managed::ConfigProblem>,
    },
}

impl From<Error> for FrontlineError {
    fn from(e: Error) -> Self {
        match e {
            Error::DataDir(problem) => Self::DataDirectory { problem },
            Error::NotADatabase => Self::NotADatabase,
            Error::NewerDatabase { found, supported } => Self::NewerDatabase { found, supported },
            Error::KeyStore => Self::KeyStoreUnavailable,
            Error::KeyMismatch => Self::KeyMismatch,
            Error::Tampered => Self::Tampered,
            Error::StorageFull => Self::StorageFull,
            Error::Storage(reason) => Self::Storage { reason },
            Error::InvalidInput(reason) => Self::InvalidInput { reason },
            Error::Crypto => Self::Internal {
                reason: String::from("cryptography"),
            },
            Error::BundleRefused(reason) => Self::BundleRefused { reason },
            Error::TrainingRefused(reason) => Self::TrainingRefused { reason },
            Error::AssessmentRefused(reason) => Self::AssessmentRefused { reason },
            Error::IncidentRefused(reason) => Self::IncidentRefused { reason },
            Error::NotConfigured(setting) => Self::NotConfigured {
                setting: setting.to_owned(),
            },
            Error::BadResponse(reason) => Self::BadResponse {
                reason: reason.to_owned(),
            },
            Error::UnknownRequest => Self::UnknownRequest,
            Error::InvalidConfig(problems) => Self::InvalidConfig { problems },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_map_to_actionable_variants() {
        assert!(matches!(
            FrontlineError::from(Error::DataDir(DataDirProblem::Missing)),
            FrontlineError::DataDirectory {
                problem: DataDirProblem::Missing
            }
        ));
        assert!(matches!(
            FrontlineError::from(Error::NewerDatabase {
                found: 9,
                supported: 2
            }),
            FrontlineError::NewerDatabase {
                found: 9,
                supported: 2
            }
        ));
        assert!(matches!(
            FrontlineError::from(Error::KeyStore),
            FrontlineError::KeyStoreUnavailable
        ));
    }
}
