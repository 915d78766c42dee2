//! The exported surface with fake foreign implementations written in Rust, the way Kotlin or
//! Swift would call it: typed errors, `shutdown` → `Closed`, and the log sink.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::sync::{Arc, Mutex};

use frontline_core::error::DataDirProblem;
use frontline_core::{CompanionConfig, KeyStore, PlatformError, SoftwareKeyStore, StaffRole};
use frontline_ffi::{
    set_log_sink, Companion, FrontlineError, LogLevel, LogRecord, LogSink, LogSinkError,
};

const PSEUDONYM: &str = "stf-ffi-7d1e90b2";

fn config() -> CompanionConfig {
    CompanionConfig::new("example-trust", PSEUDONYM, StaffRole::Specialist)
}

fn key_store() -> Arc<dyn KeyStore> {
    Arc::new(SoftwareKeyStore::ephemeral().unwrap())
}

fn path(dir: &tempfile::TempDir) -> String {
    dir.path().to_str().unwrap().to_owned()
}

/// A locked platform key store.
struct FailingKeyStore;

impl KeyStore for FailingKeyStore {
    fn wrap_key(&self, _key: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
        Err(PlatformError::Failed {
            reason: format!("locked; alias {PSEUDONYM}"),
        })
    }
    fn unwrap_key(&self, _wrapped: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
        Err(PlatformError::Failed {
            reason: format!("locked; alias {PSEUDONYM}"),
        })
    }
}

/// Collects records.
#[derive(Default)]
struct CapturingSink {
    records: Mutex<Vec<LogRecord>>,
}

impl LogSink for CapturingSink {
    fn log(&self, record: LogRecord) -> Result<(), LogSinkError> {
        self.records.lock().unwrap().push(record);
        Ok(())
    }
}

/// A sink that always fails: logging must carry on regardless.
struct FailingSink;

impl LogSink for FailingSink {
    fn log(&self, _record: LogRecord) -> Result<(), LogSinkError> {
        Err(LogSinkError::Failed {
            reason: "sink down".into(),
        })
    }
}

#[test]
fn failing_key_store_is_key_store_unavailable_without_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let err = Companion::open(path(&dir), config(), Arc::new(FailingKeyStore)).unwrap_err();
    assert!(
        matches!(err, FrontlineError::KeyStoreUnavailable),
        "{err:?}"
    );
    // The platform's reason (which may name key aliases) is not copied into the error.
    assert!(!err.to_string().contains(PSEUDONYM));
    assert!(!format!("{err:?}").contains(PSEUDONYM));
}

#[test]
fn missing_directory_is_data_directory_missing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent").to_str().unwrap().to_owned();
    let err = Companion::open(missing.clone(), config(), key_store()).unwrap_err();
    assert!(
        matches!(
            err,
            FrontlineError::DataDirectory {
                problem: DataDirProblem::Missing
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains(&missing));
}

#[test]
fn shutdown_makes_every_later_call_closed_and_reopen_works() {
    let dir = tempfile::tempdir().unwrap();
    let keys = key_store();
    let companion = Companion::open(path(&dir), config(), keys.clone()).unwrap();
    assert_eq!(companion.config().unwrap().staff_pseudonym, PSEUDONYM);
    assert!(companion.schema_version().unwrap() >= 1);

    companion.shutdown();
    assert!(matches!(
        companion.schema_version(),
        Err(FrontlineError::Closed)
    ));
    assert!(matches!(companion.config(), Err(FrontlineError::Closed)));
    companion.shutdown(); // harmless the second time
    assert!(matches!(companion.config(), Err(FrontlineError::Closed)));

    let again = Companion::open(path(&dir), config(), keys).unwrap();
    assert_eq!(again.config().unwrap().staff_role, StaffRole::Specialist);
}

#[test]
fn wrong_platform_key_on_reopen_is_typed() {
    let dir = tempfile::tempdir().unwrap();
    Companion::open(path(&dir), config(), key_store())
        .unwrap()
        .shutdown();
    // Another platform key cannot unwrap the data key: the key is lost for good.
    let err = Companion::open(path(&dir), config(), key_store()).unwrap_err();
    assert!(matches!(err, FrontlineError::KeyMismatch), "{err:?}");
}

#[test]
fn log_sink_receives_records_without_pseudonym_or_path() {
    // One test sets the process-wide sink (tests in this binary run in parallel threads, so
    // the failing sink is swapped in and out here rather than in a second test).
    let failing = Arc::new(FailingSink);
    set_log_sink(failing, LogLevel::Trace);
    let dir = tempfile::tempdir().unwrap();
    Companion::open(path(&dir), config(), key_store())
        .unwrap()
        .shutdown();

    let sink = Arc::new(CapturingSink::default());
    set_log_sink(sink.clone(), LogLevel::Trace);
    let dir = tempfile::tempdir().unwrap();
    let keys = key_store();
    Companion::open(path(&dir), config(), keys.clone())
        .unwrap()
        .shutdown();
    Companion::open(path(&dir), config(), keys)
        .unwrap()
        .shutdown();

    let records = sink.records.lock().unwrap().clone();
    let ours: Vec<_> = records
        .iter()
        .filter(|r| r.target.starts_with("frontline"))
        .collect();
    assert!(
        ours.iter().any(|r| r.message.contains("opened")),
        "{records:?}"
    );
    assert!(
        ours.iter().any(|r| r.message.contains("shut down")),
        "{records:?}"
    );
    let dir_name = dir.path().file_name().unwrap().to_str().unwrap();
    for r in &records {
        assert!(!r.message.contains(PSEUDONYM), "{r:?}");
        assert!(!r.message.contains(dir_name), "{r:?}");
    }

    // Above the level, nothing arrives.
    let quiet = Arc::new(CapturingSink::default());
    set_log_sink(quiet.clone(), LogLevel::Error);
    let dir = tempfile::tempdir().unwrap();
    Companion::open(path(&dir), config(), key_store())
        .unwrap()
        .shutdown();
    let quiet_records = quiet.records.lock().unwrap();
    assert!(
        quiet_records.iter().all(|r| r.level == LogLevel::Error),
        "{quiet_records:?}"
    );
}

#[test]
fn version_is_the_crate_version() {
    assert_eq!(
        frontline_ffi::frontline_version(),
        env!("CARGO_PKG_VERSION")
    );
}
