//! # frontline-ffi
//!
//! The uniffi surface of Frontline, and nothing else: the exported [`Companion`] object that
//! the Android and iOS apps hold, the public [`FrontlineError`], and the bridge that hands log
//! records to the platform ([`LogSink`]). Records and enums are exported straight from
//! `frontline-core` (its `uniffi` feature), so there are no mirror types here.
//!
//! Every exported call takes the companion's lock, so calls are serialised; a call after
//! [`Companion::shutdown`] fails with [`FrontlineError::Closed`]. A Rust panic reaches the
//! platform as an exception (the release profile keeps `panic = "unwind"`).

#![allow(unsafe_code)] // uniffi's generated scaffolding only; no hand-written unsafe code.

mod assessment;
mod bundle;
mod companion;
mod error;
mod incident;
mod logging;
mod posture;
mod recovery;
mod sync;
mod training;

pub use companion::Companion;
pub use error::FrontlineError;
pub use logging::{set_log_sink, LogLevel, LogRecord, LogSink, LogSinkError};
pub use recovery::{recover_local_store, RecoveredCompanion};

uniffi::setup_scaffolding!("frontline_ffi");

/// The version of the Frontline library.
#[uniffi::export]
pub fn frontline_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Test hook: panics inside Rust, so binding tests can check that a panic reaches the
/// platform as an exception instead of killing the process. Only built with `test-hooks`.
#[cfg(feature = "test-hooks")]
#[uniffi::export]
#[allow(clippy::panic)]
pub fn debug_panic(message: String) -> Result<(), FrontlineError> {
    panic!("debug_panic: {message}");
}
