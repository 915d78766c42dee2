//! # frontline-collector
//!
//! The organisation's reference collector: enrols devices, receives sealed envelopes over
//! HTTP, opens them with the organisation's X25519 report key (the `hpke` crate, independent
//! of the device's ring-based sender), verifies each device's Ed25519 signature, stores each
//! report exactly once in SQLite and answers the IT team's questions (compliance by check and
//! by device, training completion by module and staff pseudonym, latest report per device).
//!
//! * [`Collector::start`] runs the HTTP server (blocking, `tiny_http`, a few worker threads)
//!   and returns a [`RunningCollector`] to stop it; loopback by default.
//! * [`report::CollectorReport`] is the reporting API the CLI prints as text, JSON or CSV.
//! * [`keys::OrgReportKey`] loads or generates the organisation's report key.
//!
//! The HTTP contract is `docs/wire-formats.md`; limits and behaviour under hostile input
//! are in `docs/collector.md`. Nothing here logs report contents, identifiers or keys.

#![forbid(unsafe_code)]

pub mod assessment;
pub mod db;
pub mod driver;
pub mod envelope;
pub mod keys;
pub mod report;
mod server;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

pub use keys::OrgReportKey;
pub use server::{Collector, CollectorConfig, Limits, RunningCollector};

/// What can stop the collector from starting or answering.
#[derive(Debug, thiserror::Error)]
pub enum CollectorError {
    /// The listening address could not be bound.
    #[error("cannot listen on the given address ({0})")]
    Bind(String),
    /// The organisation key is unusable.
    #[error("organisation key: {0}")]
    Key(&'static str),
    /// The database failed.
    #[error("collector database failure ({0})")]
    Storage(String),
    /// There is no collector database at the given path.
    #[error("no collector database at the given path")]
    NoDatabase,
    /// A file could not be read.
    #[error("file access failed ({0})")]
    Io(std::io::ErrorKind),
}

impl From<rusqlite::Error> for CollectorError {
    fn from(e: rusqlite::Error) -> Self {
        // The error code names the failure without quoting values or paths.
        Self::Storage(match e.sqlite_error_code() {
            Some(code) => format!("{code:?}"),
            None => String::from("query"),
        })
    }
}

impl From<std::io::Error> for CollectorError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e.kind())
    }
}
