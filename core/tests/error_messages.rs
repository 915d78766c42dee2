//! No error message carries a file path, a staff pseudonym, a platform's own failure text or
//! key bytes: errors end up in platform logs and crash reports.
//!
//! Two halves: errors produced by real failures whose inputs are full of such values, and one
//! sample of every `Error` variant. A new variant belongs in `samples()` below.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::path::Path;
use std::sync::Arc;

use frontline_core::error::DataDirProblem;
use frontline_core::store::{schema, DATABASE_FILE};
use frontline_core::{
    Companion, CompanionConfig, Error, KeyStore, PlatformError, SoftwareKeyStore, StaffRole,
};

const PSEUDONYM: &str = "stf-secret-4c2e9a01";
const MARKER: &str = "ward7-private-dir";
const PLATFORM_REASON: &str = "alias frontline-dek-4c2e9a01 invalidated";
const WRONG_KEY: [u8; 32] = [0xA7; 32];

fn config() -> CompanionConfig {
    CompanionConfig::new("example-trust", PSEUDONYM, StaffRole::AllStaff)
}

struct FailingKeyStore;

impl KeyStore for FailingKeyStore {
    fn wrap_key(&self, _key: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
        Err(PlatformError::Failed {
            reason: PLATFORM_REASON.into(),
        })
    }
    fn unwrap_key(&self, _wrapped: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
        Err(PlatformError::Failed {
            reason: PLATFORM_REASON.into(),
        })
    }
}

struct WrongKeyStore;

impl KeyStore for WrongKeyStore {
    fn wrap_key(&self, key: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
        Ok(key)
    }
    fn unwrap_key(&self, _wrapped: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
        Ok(WRONG_KEY.to_vec())
    }
}

fn software() -> Arc<dyn KeyStore> {
    Arc::new(SoftwareKeyStore::ephemeral().unwrap())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Fails if the error's message or debug form contains anything sensitive.
fn assert_clean(err: &Error, dir: &Path) {
    for text in [err.to_string(), format!("{err:?}")] {
        for needle in [
            PSEUDONYM,
            MARKER,
            PLATFORM_REASON,
            "4c2e9a01",
            &dir.display().to_string(),
            &hex(&WRONG_KEY)[..16],
            "167, 167, 167",
        ] {
            assert!(!text.contains(needle), "{text:?} contains {needle:?}");
        }
        assert!(
            !text.contains('/') && !text.contains('\\'),
            "{text:?} looks like a path"
        );
    }
}

/// A data directory whose path is full of a recognisable marker.
fn marked_dir(parent: &tempfile::TempDir) -> std::path::PathBuf {
    let dir = parent.path().join(format!("{MARKER}-{PSEUDONYM}"));
    std::fs::create_dir(&dir).unwrap();
    dir
}

#[test]
fn errors_from_real_failures_are_clean() {
    let parent = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();

    let dir = marked_dir(&parent);
    let missing = dir.join("absent");
    let err = Companion::open(&missing, config(), software()).unwrap_err();
    assert!(matches!(err, Error::DataDir(DataDirProblem::Missing)));
    seen.push((err, missing));

    let file = dir.join(format!("file-{PSEUDONYM}"));
    std::fs::write(&file, PSEUDONYM).unwrap();
    let err = Companion::open(&file, config(), software()).unwrap_err();
    assert!(matches!(err, Error::DataDir(DataDirProblem::NotADirectory)));
    seen.push((err, file));

    let err = Companion::open(&dir, config(), Arc::new(FailingKeyStore)).unwrap_err();
    assert!(matches!(err, Error::KeyStore));
    seen.push((err, dir.clone()));

    let good = software();
    drop(Companion::open(&dir, config(), good.clone()).unwrap());
    let err = Companion::open(&dir, config(), Arc::new(WrongKeyStore)).unwrap_err();
    assert!(matches!(err, Error::KeyMismatch));
    seen.push((err, dir.clone()));

    let conn = rusqlite::Connection::open(dir.join(DATABASE_FILE)).unwrap();
    conn.pragma_update(None, "user_version", schema::VERSION + 3)
        .unwrap();
    drop(conn);
    let err = Companion::open(&dir, config(), good).unwrap_err();
    assert!(matches!(err, Error::NewerDatabase { .. }));
    seen.push((err, dir.clone()));

    let other_parent = tempfile::tempdir_in(parent.path()).unwrap();
    let other = marked_dir(&other_parent);
    std::fs::write(
        other.join(DATABASE_FILE),
        format!("notes about {PSEUDONYM}\n").repeat(99),
    )
    .unwrap();
    let err = Companion::open(&other, config(), software()).unwrap_err();
    assert!(matches!(err, Error::NotADatabase));
    seen.push((err, other));

    for (err, dir) in &seen {
        assert_clean(err, dir);
    }
}

#[test]
fn sqlite_and_json_errors_keep_only_their_kind() {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let sql_err = conn
        .execute(
            &format!("INSERT INTO \"{PSEUDONYM}\" VALUES ('{MARKER}')"),
            [],
        )
        .unwrap_err();
    assert!(
        sql_err.to_string().contains(PSEUDONYM),
        "the raw error does quote the SQL"
    );
    assert_clean(&Error::from(sql_err), dir.path());

    let json_err =
        serde_json::from_str::<serde_json::Value>(&format!("{{\"who\": \"{PSEUDONYM}\" oops"))
            .unwrap_err();
    let err = Error::from(json_err);
    assert!(matches!(err, Error::InvalidInput(_)));
    assert_clean(&err, dir.path());
}

/// One value of every variant, as the core builds them.
fn samples() -> Vec<Error> {
    vec![
        Error::DataDir(DataDirProblem::Missing),
        Error::DataDir(DataDirProblem::NotADirectory),
        Error::DataDir(DataDirProblem::NotWritable),
        Error::NotADatabase,
        Error::NewerDatabase {
            found: 9,
            supported: schema::VERSION,
        },
        Error::KeyStore,
        Error::KeyMismatch,
        Error::Tampered,
        Error::StorageFull,
        Error::Storage(String::from("Unknown")),
        Error::InvalidInput(String::from("malformed JSON (Syntax at line 1 column 3)")),
        Error::Crypto,
        Error::BundleRefused(frontline_core::bundle::BundleRefusal::BadSignature),
        Error::TrainingRefused(frontline_core::training::TrainingRefusal::UnknownQuestion),
        Error::AssessmentRefused(frontline_core::assessment::AssessmentRefusal::Incomplete {
            unanswered: 3,
        }),
        Error::IncidentRefused(
            frontline_core::incident::IncidentRefusal::DescriptionTooLong { max_chars: 1000 },
        ),
        Error::NotConfigured("collector_url"),
        Error::BadResponse("ids not in the batch"),
        Error::UnknownRequest,
        Error::InvalidConfig(vec![frontline_core::config::managed::ConfigProblem {
            key: String::from("staff_pseudonym"),
            problem: frontline_core::config::managed::ConfigProblemKind::Empty,
        }]),
    ]
}

/// Fails to compile when `Error` gains a variant, so `samples` cannot fall behind it.
#[allow(dead_code)]
fn every_variant_is_sampled(e: &Error) {
    match e {
        Error::DataDir(_)
        | Error::NotADatabase
        | Error::NewerDatabase { .. }
        | Error::KeyStore
        | Error::KeyMismatch
        | Error::Tampered
        | Error::StorageFull
        | Error::Storage(_)
        | Error::InvalidInput(_)
        | Error::Crypto
        | Error::BundleRefused(_)
        | Error::TrainingRefused(_)
        | Error::AssessmentRefused(_)
        | Error::IncidentRefused(_)
        | Error::NotConfigured(_)
        | Error::BadResponse(_)
        | Error::UnknownRequest
        | Error::InvalidConfig(_) => {}
    }
}

#[test]
fn every_variant_has_a_clean_plain_message() {
    let dir = tempfile::tempdir().unwrap();
    for err in samples() {
        let text = err.to_string();
        assert!(!text.is_empty());
        assert!(
            text.chars().all(|c| c.is_ascii() && !c.is_ascii_control()),
            "{text:?}"
        );
        assert_clean(&err, dir.path());
    }
}
