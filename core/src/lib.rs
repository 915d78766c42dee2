//! # frontline-core
//!
//! All of Frontline's domain logic in plain Rust: the encrypted local store, signed bundles,
//! offline training, device posture, advisories, the sealed outbox and the sans-IO sync engine.
//!
//! The core never touches the network or the operating system beyond its SQLite file:
//! platform facts come in as records, platform capabilities (the key store) as small traits,
//! and HTTP leaves as request values that the platform sends. The one stateful entry point is
//! [`Companion`].
//!
//! With the `uniffi` feature the records and enums here derive the uniffi traits so that the
//! `frontline-ffi` crate can export them unchanged; without it this is an ordinary library.

#![cfg_attr(feature = "uniffi", allow(unsafe_code))]

pub mod advisory;
pub mod assessment;
pub mod bundle;
pub mod clock;
pub mod companion;
pub mod config;
pub mod crypto;
pub mod error;
pub mod identity;
pub mod incident;
pub mod outbox;
pub mod platform;
pub mod posture;
pub mod recovery;
pub mod store;
pub mod sync;
pub mod training;

pub use clock::{Clock, ManualClock, SystemClock, UnixMillis};
pub use companion::Companion;
pub use config::{CompanionConfig, StaffRole};
pub use error::{Error, Result};
pub use platform::{KeyStore, PlatformError, SoftwareKeyStore};
pub use recovery::StoreRecovery;

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("frontline_core");
