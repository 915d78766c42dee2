//! The core's internal error.
//!
//! Rich enough for the core and the CLI to act on, and converted into the small public
//! `FrontlineError` by the bindings crate in one place. Messages name *what* went wrong,
//! never secrets, report contents, staff identifiers or file paths: a test checks this.

/// Why a data directory could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DataDirProblem {
    /// The directory does not exist.
    Missing,
    /// The path exists but is not a directory.
    NotADirectory,
    /// The directory exists but Frontline cannot create or write its files there.
    NotWritable,
}

/// Everything that can go wrong inside the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The data directory is missing, not a directory or not writable.
    #[error("the data directory cannot be used: {0:?}")]
    DataDir(DataDirProblem),
    /// The file at the database path is not a SQLite database (or is damaged beyond reading).
    #[error("the file at the database path is not a Frontline database")]
    NotADatabase,
    /// The database was written by a newer version of Frontline; it is left untouched.
    #[error("the database has schema version {found}, newer than the supported {supported}")]
    NewerDatabase {
        /// Schema version found in the file.
        found: u32,
        /// Newest schema version this build understands.
        supported: u32,
    },
    /// The platform key store failed to wrap or unwrap the data key.
    #[error("the platform key store failed")]
    KeyStore,
    /// The platform key store returned a key that is not the one this database was sealed with
    /// (for example after a lock-screen reset destroyed the platform key).
    #[error(
        "the platform key store returned a different key than the one this data was sealed with"
    )]
    KeyMismatch,
    /// Sealed local data failed its authentication check (tampered or sealed under another key).
    #[error("sealed local data failed authentication")]
    Tampered,
    /// The disk is full (or the database reached its size limit); nothing was written.
    #[error("the storage is full")]
    StorageFull,
    /// SQLite failed in another way.
    #[error("storage failure ({0})")]
    Storage(String),
    /// A value passed in by the caller is not acceptable.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A cryptographic operation failed (e.g. the random generator).
    #[error("cryptographic failure")]
    Crypto,
    /// A signed bundle was refused; the bundle installed before (if any) stays in use.
    #[error("the bundle was refused ({0:?})")]
    BundleRefused(crate::bundle::BundleRefusal),
    /// A training request was refused (unknown or unassigned module, unknown answer, old pack).
    #[error("the training request was refused ({0:?})")]
    TrainingRefused(crate::training::TrainingRefusal),
    /// A self-assessment request was refused (unknown question or option, a measured answer
    /// contradicted, not complete, nothing in progress, unknown team). Nothing was stored.
    #[error("the assessment request was refused ({0:?})")]
    AssessmentRefused(crate::assessment::AssessmentRefusal),
    /// An incident report was refused (unknown kind, description too long, time out of
    /// range). Nothing was stored or queued.
    #[error("the incident report was refused ({0:?})")]
    IncidentRefused(crate::incident::IncidentRefusal),
    /// A setting the operation needs is missing from the configuration (names the setting).
    #[error("the setting {0} is not configured")]
    NotConfigured(&'static str),
    /// A response from the collector is malformed or does not match the request it answers.
    /// Nothing in the request was marked delivered; its reports wait to be sent again.
    #[error("the collector's response is malformed ({0})")]
    BadResponse(&'static str),
    /// The response names a request this device has no record of (already handled, expired,
    /// or never made). Nothing changed.
    #[error("the response answers no outstanding request")]
    UnknownRequest,
    /// A managed configuration has invalid values (each key named, never its value); the
    /// configuration in force was kept.
    #[error("the managed configuration has {} invalid value(s)", .0.len())]
    InvalidConfig(Vec<crate::config::managed::ConfigProblem>),
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => Self::NotADatabase,
            Some(ErrorCode::DiskFull) => Self::StorageFull,
            Some(code) => Self::Storage(format!("{code:?}")),
            // Type and conversion errors carry no paths or values in their kind name.
            None => Self::Storage(String::from(match e {
                rusqlite::Error::QueryReturnedNoRows => "no row",
                rusqlite::Error::InvalidColumnType(..) => "column type",
                rusqlite::Error::FromSqlConversionFailure(..) => "conversion",
                _ => "other",
            })),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        // serde_json's message can quote input; keep only its category and position.
        Self::InvalidInput(format!(
            "malformed JSON ({:?} at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    }
}
