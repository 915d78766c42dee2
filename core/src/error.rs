//! The core's internal error.
//!
//! Rich enough for the core and the CLI to act on, and converted into the small public
//! `FrontlineError` by the bindings crate in one place. Messages name *what* went wrong,
//! never secrets, report contents, staff identifiers or file paths: a test checks this.
//!
//! This is the lowest layer (`ARCHITECTURE.md`, "Layers"), so the refusals [`Error`] carries
//! are defined here too and re-exported by the module that refuses: `bundle::BundleRefusal`
//! (with `bundle::BundleKind`, which it names), `training::TrainingRefusal` and
//! `config::managed::ConfigProblem`.

use serde::{Deserialize, Serialize};

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
    BundleRefused(BundleRefusal),
    /// A training request was refused (unknown or unassigned module, unknown answer, old pack).
    #[error("the training request was refused ({0:?})")]
    TrainingRefused(TrainingRefusal),
    /// A self-assessment request was refused (unknown question or option, a measured answer
    /// contradicted, not complete, nothing in progress, unknown team). Nothing was stored.
    #[error("the assessment request was refused ({0:?})")]
    AssessmentRefused(AssessmentRefusal),
    /// An incident report was refused (unknown kind, description too long, time out of
    /// range). Nothing was stored or queued.
    #[error("the incident report was refused ({0:?})")]
    IncidentRefused(IncidentRefusal),
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
    InvalidConfig(Vec<ConfigProblem>),
}

/// What a bundle carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum BundleKind {
    /// A training content pack (`docs/content-pack.md`).
    Content,
    /// A posture policy.
    Policy,
    /// An advisory feed.
    Advisories,
    /// A self-assessment (`docs/assessment.md`).
    Assessment,
    /// The organisation's assessment benchmark, published by the collector.
    Benchmark,
}

impl BundleKind {
    /// Every kind, in a stable order.
    pub const ALL: [BundleKind; 5] = [
        Self::Content,
        Self::Policy,
        Self::Advisories,
        Self::Assessment,
        Self::Benchmark,
    ];

    /// The wire name (`content`, `policy`, `advisories`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Content => "content",
            Self::Policy => "policy",
            Self::Advisories => "advisories",
            Self::Assessment => "assessment",
            Self::Benchmark => "benchmark",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "content" => Some(Self::Content),
            "policy" => Some(Self::Policy),
            "advisories" => Some(Self::Advisories),
            "assessment" => Some(Self::Assessment),
            "benchmark" => Some(Self::Benchmark),
            _ => None,
        }
    }
}

/// Why a bundle was refused. In every case the installed bundle (if any) stays in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum BundleRefusal {
    /// The signature does not verify under the organisation's publisher key.
    BadSignature,
    /// The bundle names a publisher key other than the configured one, or no publisher key
    /// is configured.
    UnknownKey,
    /// The offered version is not newer than the installed one (anti-rollback).
    NotNewer {
        /// Version installed.
        installed: u64,
        /// Version offered.
        offered: u64,
    },
    /// The bundle's expiry time has passed.
    Expired,
    /// The bundle is of another kind than the one asked for.
    WrongKind {
        /// Kind asked for.
        expected: BundleKind,
        /// Kind found in the signed manifest.
        found: BundleKind,
    },
    /// The file or its manifest is not well-formed.
    Malformed,
    /// The file is larger than the limit.
    TooLarge,
    /// The payload does not match the digest or size in the signed manifest.
    DigestMismatch,
    /// The payload is signed and intact but its owning module does not accept it.
    InvalidPayload,
    /// An assessment's prefill rule names a device fact this build does not know.
    UnknownFact,
}

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

/// Why an assessment request was refused. Nothing was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AssessmentRefusal {
    /// No question with that id in the assessment in force.
    UnknownQuestion,
    /// The question has no option with that id.
    UnknownOption,
    /// The device measured this answer; it cannot be changed by hand.
    MeasuredAnswer,
    /// Not every question is answered yet.
    Incomplete {
        /// How many questions still need an answer.
        unanswered: u32,
    },
    /// No assessment is in progress (start one first; a submitted one is not sent twice).
    NothingInProgress,
    /// The team is not one the assessment lists.
    UnknownTeam,
}

/// Why an incident report was refused. Nothing is stored or queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum IncidentRefusal {
    /// The kind is not one this build knows.
    UnknownKind,
    /// The description is longer than the limit.
    DescriptionTooLong {
        /// The limit, in characters.
        max_chars: u32,
    },
    /// The description holds control characters other than line breaks and tabs.
    DescriptionNotText,
    /// `occurred_at` is in the future or more than 90 days ago.
    OccurredAtOutOfRange,
    /// No incident with that id on this device.
    UnknownIncident,
}

/// What is wrong with one managed configuration value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ConfigProblemKind {
    /// The value is empty but the key needs one.
    Empty,
    /// The value is longer than allowed.
    TooLong,
    /// The value has characters the key does not allow.
    BadCharacters,
    /// Not an absolute URL.
    NotAUrl,
    /// An `http` URL for a host that is not loopback.
    InsecureUrl,
    /// Not a 32-byte base64url key or a matching OKP JWK.
    NotAKey,
    /// Not one of the allowed choices.
    NotAChoice,
    /// Looks like an email address (pseudonyms must not identify people).
    LooksLikeEmail,
    /// Not a whole number.
    NotANumber,
    /// A number outside the allowed range.
    OutOfRange,
    /// Not `true` or `false`.
    NotABool,
}

/// One problem found in a managed configuration: which key, and what is wrong. Never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ConfigProblem {
    /// The key.
    pub key: String,
    /// What is wrong.
    pub problem: ConfigProblemKind,
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
