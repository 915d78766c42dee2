//! Every public `FrontlineError` message is plain, fixed text: no path, pseudonym, platform
//! failure text or key bytes. One value of each variant is built the way the bindings build it
//! (through `From<core::Error>`, or directly for `Closed`); a new variant belongs here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::sync::Arc;

use frontline_core::error::{DataDirProblem, Error};
use frontline_core::{CompanionConfig, KeyStore, PlatformError, SoftwareKeyStore, StaffRole};
use frontline_ffi::{Companion, FrontlineError};

const PSEUDONYM: &str = "stf-public-0b7e5d33";

fn all_public_errors() -> Vec<FrontlineError> {
    let mut errors = vec![FrontlineError::Closed];
    errors.extend(
        [
            Error::DataDir(DataDirProblem::Missing),
            Error::DataDir(DataDirProblem::NotADirectory),
            Error::DataDir(DataDirProblem::NotWritable),
            Error::NotADatabase,
            Error::NewerDatabase {
                found: 9,
                supported: 2,
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
            Error::NotConfigured("collector_url"),
            Error::BadResponse("ids not in the batch"),
            Error::UnknownRequest,
            Error::InvalidConfig(vec![frontline_core::config::managed::ConfigProblem {
                key: String::from("staff_pseudonym"),
                problem: frontline_core::config::managed::ConfigProblemKind::Empty,
            }]),
        ]
        .into_iter()
        .map(FrontlineError::from),
    );
    errors
}

fn assert_clean(text: &str, extra: &[&str]) {
    assert!(!text.is_empty());
    assert!(
        !text.contains('/') && !text.contains('\\'),
        "{text:?} looks like a path"
    );
    assert!(!text.contains(PSEUDONYM), "{text:?}");
    for needle in extra {
        assert!(!text.contains(needle), "{text:?} contains {needle:?}");
    }
}

#[test]
fn every_public_error_message_is_plain() {
    for err in all_public_errors() {
        let text = err.to_string();
        assert!(
            text.chars().all(|c| c.is_ascii() && !c.is_ascii_control()),
            "{text:?}"
        );
        assert_clean(&text, &[]);
        assert_clean(&format!("{err:?}"), &[]);
    }
}

struct FailingKeyStore;

impl KeyStore for FailingKeyStore {
    fn wrap_key(&self, _key: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
        Err(PlatformError::Failed {
            reason: format!("user {PSEUDONYM} keystore locked"),
        })
    }
    fn unwrap_key(&self, _wrapped: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
        Err(PlatformError::Failed {
            reason: format!("user {PSEUDONYM} keystore locked"),
        })
    }
}

#[test]
fn errors_from_real_opens_carry_neither_path_nor_pseudonym() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join(format!("data-of-{PSEUDONYM}"));
    let config = CompanionConfig::new("example-trust", PSEUDONYM, StaffRole::AllStaff);
    let dir_text = dir.to_str().unwrap().to_owned();

    let missing =
        Companion::open(dir_text.clone(), config.clone(), Arc::new(FailingKeyStore)).unwrap_err();
    std::fs::create_dir(&dir).unwrap();
    let locked =
        Companion::open(dir_text.clone(), config.clone(), Arc::new(FailingKeyStore)).unwrap_err();
    let keys: Arc<dyn KeyStore> = Arc::new(SoftwareKeyStore::ephemeral().unwrap());
    let companion = Companion::open(dir_text.clone(), config, keys).unwrap();
    companion.shutdown();
    let closed = companion.schema_version().unwrap_err();

    assert!(matches!(missing, FrontlineError::DataDirectory { .. }));
    assert!(matches!(locked, FrontlineError::KeyStoreUnavailable));
    assert!(matches!(closed, FrontlineError::Closed));
    for err in [missing, locked, closed] {
        for text in [err.to_string(), format!("{err:?}")] {
            assert_clean(&text, &[&dir_text, "keystore locked"]);
        }
    }
}
