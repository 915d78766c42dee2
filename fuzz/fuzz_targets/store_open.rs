//! Store open on garbled files: a real database is truncated and patched as the input says,
//! then opened, read and (if unreadable) recovered. Nothing may panic, and every failure
//! must be one of the typed errors for unreadable data.
#![no_main]

use std::sync::{Arc, OnceLock};

use frontline_core::store::{self, Store, DATABASE_FILE};
use frontline_core::{Companion, CompanionConfig, Error, KeyStore, SoftwareKeyStore, StaffRole};
use libfuzzer_sys::fuzz_target;

fn config() -> CompanionConfig {
    CompanionConfig::new("example-trust", "staff-fuzz-01", StaffRole::AllStaff)
}

fn key_store() -> Arc<dyn KeyStore> {
    Arc::new(SoftwareKeyStore::new(&[3; 32]).unwrap_or_else(|_| std::process::abort()))
}

/// A fresh directory on a memory file system where there is one.
fn scratch_dir() -> tempfile::TempDir {
    tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap_or_else(|_| std::process::abort())
}

/// The pristine database every input starts from: a fresh store plus a few rows.
fn pristine() -> &'static [u8] {
    static DB: OnceLock<Vec<u8>> = OnceLock::new();
    DB.get_or_init(|| {
        let dir = scratch_dir();
        let companion = Companion::open(dir.path(), config(), key_store())
            .unwrap_or_else(|_| std::process::abort());
        drop(companion);
        let store = Store::open(dir.path()).unwrap_or_else(|_| std::process::abort());
        for i in 0..20 {
            let tx = store
                .transaction()
                .unwrap_or_else(|_| std::process::abort());
            store::put_meta(&tx, &format!("fuzz-{i}"), &[i as u8; 300])
                .unwrap_or_else(|_| std::process::abort());
            tx.commit().unwrap_or_else(|_| std::process::abort());
        }
        drop(store);
        std::fs::read(dir.path().join(DATABASE_FILE)).unwrap_or_else(|_| std::process::abort())
    })
}

fn typed(e: &Error) -> bool {
    matches!(
        e,
        Error::NotADatabase
            | Error::KeyMismatch
            | Error::Tampered
            | Error::NewerDatabase { .. }
            | Error::Storage(_)
    )
}

fuzz_target!(|data: &[u8]| {
    // Input: [keep: u16 LE, in 1/65536ths of the file] then (offset: u16 LE, xor: u8) patches,
    // offsets scaled over the whole file.
    let mut db = pristine().to_vec();
    let len = db.len();
    if data.len() >= 2 {
        let keep = u16::from_le_bytes([data[0], data[1]]) as usize;
        if keep != 0 {
            db.truncate(len * keep / 65536);
        }
    }
    for patch in data.get(2..).unwrap_or_default().chunks_exact(3) {
        let at = u16::from_le_bytes([patch[0], patch[1]]) as usize * len / 65536;
        if let Some(b) = db.get_mut(at) {
            *b ^= patch[2];
        }
    }
    let dir = scratch_dir();
    if std::fs::write(dir.path().join(DATABASE_FILE), &db).is_err() {
        return;
    }
    match Companion::open(dir.path(), config(), key_store()) {
        Ok(c) => {
            if let Err(e) = c.pending_report_count() {
                assert!(typed(&e), "untyped read error {e:?}");
            }
        }
        Err(e) => assert!(typed(&e), "untyped open error {e:?}"),
    }
    match Companion::recover_local_store(dir.path(), config(), key_store()) {
        Ok((c, _)) => {
            c.pending_report_count()
                .unwrap_or_else(|e| panic!("recovered store unreadable: {e:?}"));
        }
        Err(e) => assert!(typed(&e), "untyped recovery error {e:?}"),
    }
});
