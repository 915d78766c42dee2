//! The exported recovery: a lost platform key is `KeyMismatch` across the FFI, and
//! `recover_local_store` then opens a working companion; a healthy store is left alone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::sync::Arc;

use frontline_core::{CompanionConfig, KeyStore, SoftwareKeyStore, StaffRole};
use frontline_ffi::{recover_local_store, Companion, FrontlineError};

fn config() -> CompanionConfig {
    CompanionConfig::new("example-trust", "stf-ffi-recovery", StaffRole::AllStaff)
}

fn key_store(seed: u8) -> Arc<dyn KeyStore> {
    Arc::new(SoftwareKeyStore::new(&[seed; 32]).unwrap())
}

#[test]
fn lost_key_is_key_mismatch_and_recovery_opens_a_fresh_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap().to_owned();
    Companion::open(path.clone(), config(), key_store(1))
        .unwrap()
        .shutdown();

    let err = Companion::open(path.clone(), config(), key_store(2)).unwrap_err();
    assert!(matches!(err, FrontlineError::KeyMismatch), "{err:?}");

    let healthy = recover_local_store(path.clone(), config(), key_store(1)).unwrap();
    assert!(!healthy.recovery.quarantined);
    healthy.companion.shutdown();

    let recovered = recover_local_store(path.clone(), config(), key_store(2)).unwrap();
    assert!(recovered.recovery.quarantined);
    assert_eq!(
        recovered.companion.schema_version().unwrap(),
        frontline_core::store::schema::VERSION
    );
    recovered.companion.shutdown();
    Companion::open(path, config(), key_store(2))
        .unwrap()
        .shutdown();
}
