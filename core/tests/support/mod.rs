//! What the core's public-API tests share: the sample devices' facts, the tests' noon, and a
//! device (store, key store, clock) that can be closed and opened again.

#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};
use std::sync::Arc;

use frontline_core::clock::parse_rfc3339;
use frontline_core::posture::DeviceFacts;
use frontline_core::{Companion, CompanionConfig, ManualClock, SoftwareKeyStore};

/// `tests/fixtures/devices/<name>` as the probe would report it.
pub fn fixture(name: &str) -> DeviceFacts {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/devices")
        .join(name);
    DeviceFacts::from_json(&std::fs::read(path).unwrap()).unwrap()
}

/// The tests' clock starts here.
pub fn noon() -> i64 {
    parse_rfc3339("2026-11-28T12:00:00Z").unwrap()
}

/// A device: its store in a temporary folder, a software key store and a manual clock at
/// [`noon`], opened with `config`.
pub struct Device {
    pub _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub keys: Arc<SoftwareKeyStore>,
    pub clock: Arc<ManualClock>,
    pub config: CompanionConfig,
    pub companion: Companion,
}

impl Device {
    pub fn open(config: CompanionConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let keys = Arc::new(SoftwareKeyStore::ephemeral().unwrap());
        let clock = Arc::new(ManualClock::new(noon()));
        let companion =
            Companion::open_with_clock(&path, config.clone(), keys.clone(), clock.clone()).unwrap();
        Device {
            _dir: dir,
            path,
            keys,
            clock,
            config,
            companion,
        }
    }

    /// Closes the store and opens it again with the same keys, clock and configuration.
    pub fn reopen(self) -> Self {
        let Device {
            _dir,
            path,
            keys,
            clock,
            config,
            companion,
        } = self;
        drop(companion);
        let companion =
            Companion::open_with_clock(&path, config.clone(), keys.clone(), clock.clone()).unwrap();
        Device {
            _dir,
            path,
            keys,
            clock,
            config,
            companion,
        }
    }
}
