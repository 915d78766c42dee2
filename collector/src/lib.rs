//! # frontline-collector
//!
//! The organisation's reference collector: enrols devices, receives sealed envelopes over
//! HTTP, opens them with the organisation's X25519 report key (the `hpke` crate, independent
//! of the device's ring-based sender), verifies each device's Ed25519 signature, stores each
//! report exactly once in its store (SQLite embedded, or PostgreSQL shared by several
//! collector processes) and answers the IT team's questions (compliance by check and by
//! device, training completion by module, team and staff pseudonym, overdue refreshers,
//! advisories acknowledged, latest report per device), in the CLI and in a web dashboard.
//!
//! * [`Collector::start`] runs the HTTP server (hyper on a tokio runtime of its own, optional
//!   rustls TLS) and returns a [`RunningCollector`] to stop it; loopback by default.
//! * [`store::Store`] is the store; [`schema`] its versioned migrations.
//! * [`report::CollectorReport`] is the reporting API the CLI prints as text, JSON or CSV,
//!   and the dashboard draws.
//! * [`keys::OrgReportKey`] loads or generates the organisation's report key.
//!
//! The HTTP contract is `docs/wire-formats.md`; limits and behaviour under hostile input
//! are in `docs/collector.md`. Nothing here logs report contents, identifiers or keys.

#![forbid(unsafe_code)]

// Everything but the envelope opener and the report key needs the `server` feature (on by
// default): the fuzz targets build the crate without it, so the instrumented fuzz build does
// not compile tokio, hyper, rustls and the PostgreSQL client (ADR 0077).
pub mod envelope;
pub mod keys;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

/// Declares modules that exist only with the `server` feature.
macro_rules! server_modules {
    ($($vis:vis mod $name:ident;)*) => { $( #[cfg(feature = "server")] $vis mod $name; )* };
}

server_modules! {
    pub mod assessment;
    pub mod dashboard;
    pub mod db;
    pub mod driver;
    pub mod pg;
    pub mod report;
    pub mod schema;
    mod server;
    pub mod store;
    pub mod tls;
}

#[cfg(feature = "server")]
pub use crate::{
    dashboard::DashboardConfig,
    server::{Collector, CollectorConfig, Limits, RunningCollector},
    store::{Store, StoreConfig},
    tls::TlsFiles,
};
pub use keys::OrgReportKey;

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
    /// The TLS certificate or key is unusable.
    #[error("TLS: {0}")]
    Tls(&'static str),
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
