//! Hostile storage: a truncated or garbled database file, a full disk, a platform key that was
//! lost. Each must give a typed error, never a panic or silent wrong data, and each has a
//! recovery (`docs/adr/0050-recovering-local-store.md`) that keeps the unsent envelopes that
//! are still readable. A database from a newer Frontline is covered by `core/tests/open.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use frontline_core::outbox::{ReportDraft, ReportKind, Retention};
use frontline_core::store::{self, Store, DATABASE_FILE};
use frontline_core::{
    Companion, CompanionConfig, Error, KeyStore, PlatformError, SoftwareKeyStore, StaffRole,
};

fn config() -> CompanionConfig {
    CompanionConfig::new("example-trust", "staff-hostile-01", StaffRole::AllStaff)
}

fn key_store(seed: u8) -> Arc<dyn KeyStore> {
    Arc::new(SoftwareKeyStore::new(&[seed; 32]).unwrap())
}

/// Small deterministic generator (xorshift), so every run damages the same places.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// X25519 public key from RFC 7748 §6.1 (Alice): the organisation report key of these tests.
const ORG_REPORT_KEY: [u8; 32] = [
    0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc, 0xb4, 0x3e, 0xf7, 0x5a,
    0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a,
];

fn config_with_org_key() -> CompanionConfig {
    let mut c = config();
    c.org_report_key = Some(frontline_core::crypto::b64url(&ORG_REPORT_KEY));
    c
}

/// Creates a store with `n` unsent reports of about 1 KiB each, queued through the public
/// `queue_reports` (signed, sealed to the organisation), so the database spans many pages.
/// Returns each envelope id with its stored envelope bytes.
fn populate(dir: &Path, n: usize) -> Vec<(String, Vec<u8>)> {
    let companion = Companion::open(dir, config_with_org_key(), key_store(1)).unwrap();
    let drafts = (0..n)
        .map(|i| ReportDraft {
            kind: ReportKind::TrainingStatement,
            body: serde_json::json!({ "seq": i, "pad": "p".repeat(700) }),
            retention: Retention::Keep,
        })
        .collect();
    companion.queue_reports(drafts).unwrap();
    drop(companion);
    let rows = stored_envelopes(dir);
    assert_eq!(rows.len(), n);
    rows
}

fn device_id_of(dir: &Path) -> String {
    Companion::open(dir, config(), key_store(1))
        .unwrap()
        .device_id()
}

fn stored_envelopes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let conn = rusqlite::Connection::open(dir.join(DATABASE_FILE)).unwrap();
    let mut stmt = conn
        .prepare("SELECT id, envelope FROM outbox WHERE state = 'pending' ORDER BY id")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    rows
}

fn integrity_ok(dir: &Path) -> bool {
    let conn = rusqlite::Connection::open(dir.join(DATABASE_FILE)).unwrap();
    let result: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    result == "ok"
}

/// Opens and reads the store; every failure must be one of the typed errors for unreadable
/// data. Returns whether the store was fully readable.
fn open_and_read(dir: &Path) -> bool {
    match Companion::open(dir, config(), key_store(1)) {
        Ok(companion) => match companion.pending_report_count() {
            Ok(_) => true,
            Err(Error::NotADatabase) => false,
            Err(other) => panic!("untyped failure reading a damaged store: {other:?}"),
        },
        // A flipped bit in the header's schema version reads as a newer database: refused,
        // never wiped or recovered (the app says "update Frontline").
        Err(
            Error::NotADatabase
            | Error::KeyMismatch
            | Error::Tampered
            | Error::NewerDatabase { .. },
        ) => false,
        Err(other) => panic!("untyped failure opening a damaged store: {other:?}"),
    }
}

#[test]
fn truncated_database_is_refused_and_recovered() {
    for cut in [40_u64, 100, 4096, 4096 * 2 + 17, 1, 2] {
        let dir = tempfile::tempdir().unwrap();
        let rows = populate(dir.path(), 60);
        let db = dir.path().join(DATABASE_FILE);
        let full = std::fs::metadata(&db).unwrap().len();
        // `1` and `2` stand for "three quarters" and "all but the last 100 bytes". The outbox
        // rows fill the second half of the file, so a cut at three quarters keeps some.
        let len = match cut {
            1 => full * 3 / 4,
            2 => full - 100,
            n => n,
        };
        let file = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
        file.set_len(len).unwrap();
        drop(file);
        let before = std::fs::read(&db).unwrap();

        let readable = open_and_read(dir.path());
        if !readable {
            // A refused open never writes to the file: nothing is wiped.
            assert_eq!(std::fs::read(&db).unwrap(), before, "cut at {len}");
        }

        let (companion, recovery) =
            Companion::recover_local_store(dir.path(), config(), key_store(1)).unwrap();
        if !readable {
            assert!(
                recovery.quarantined,
                "an unreadable store is quarantined (cut at {len})"
            );
        }
        let expected = if recovery.quarantined {
            u64::from(recovery.envelopes_kept)
        } else {
            60
        };
        assert_eq!(companion.pending_report_count().unwrap(), expected);
        eprintln!("cut at {len} of {full}: readable {readable}, {recovery:?}");
        drop(companion);
        assert!(integrity_ok(dir.path()));
        let stored = stored_envelopes(dir.path());
        let intact = stored.iter().filter(|row| rows.contains(row)).count();
        if recovery.quarantined {
            // Whatever was salvaged is byte for byte what was queued.
            assert_eq!(intact, stored.len(), "cut at {len}");
            assert!(dir.path().join("frontline.db.quarantine").exists());
            if cut == 1 {
                assert!(
                    intact > 10 && intact < 60,
                    "cut at {len}: {intact} salvaged"
                );
            }
        } else {
            // SQLite keeps no checksum of cell contents: a cut that only shortens the cell
            // area of the last page passes `quick_check`. Only the rows of that page can
            // differ; the envelope's own AEAD makes the collector refuse them (`open_failed`).
            assert!(intact >= rows.len() - 4, "cut at {len}: {intact} intact");
        }
    }
}

#[test]
fn garbled_page_headers_are_detected_and_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let rows = populate(dir.path(), 80);
    let device_id = device_id_of(dir.path());
    let db = dir.path().join(DATABASE_FILE);
    let mut bytes = std::fs::read(&db).unwrap();
    let pages = bytes.len() / 4096;
    assert!(pages > 10);
    // Overwrite the b-tree header of a page in the middle of the file.
    let page = pages / 2;
    for b in &mut bytes[page * 4096..page * 4096 + 12] {
        *b = 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();

    // Opening may succeed (the damaged page is not on the open path) but then the damage is
    // a typed error; recovery finds it with quick_check and keeps every readable envelope.
    let _ = open_and_read(dir.path());
    let (companion, recovery) =
        Companion::recover_local_store(dir.path(), config(), key_store(1)).unwrap();
    assert!(recovery.quarantined);
    assert!(recovery.envelopes_kept > 0);
    assert!(recovery.envelopes_kept < 80, "one page of rows is gone");
    // The key was not lost: the device keeps its identity (and its data key), so the
    // re-queued envelopes are still its own and the collector accepts them.
    assert_eq!(companion.device_id(), device_id);
    drop(companion);
    drop(Companion::open(dir.path(), config(), key_store(1)).unwrap());
    assert!(integrity_ok(dir.path()));
    for (id, envelope) in stored_envelopes(dir.path()) {
        assert!(rows.contains(&(id, envelope)));
    }
}

#[test]
fn random_garbling_never_panics_and_errors_are_typed() {
    let mut rng = Rng(0x5eed_f00d_u64);
    for round in 0..40 {
        let dir = tempfile::tempdir().unwrap();
        populate(dir.path(), 40);
        let db = dir.path().join(DATABASE_FILE);
        let mut bytes = std::fs::read(&db).unwrap();
        let flips = 1 + rng.below(64);
        for _ in 0..flips {
            let at = rng.below(bytes.len() as u64) as usize;
            bytes[at] ^= 1 << rng.below(8);
        }
        std::fs::write(&db, &bytes).unwrap();
        let _ = open_and_read(dir.path());
        match Companion::recover_local_store(dir.path(), config(), key_store(1)) {
            Ok((companion, _)) => {
                companion.pending_report_count().unwrap();
            }
            Err(Error::NotADatabase | Error::Storage(_) | Error::NewerDatabase { .. }) => {}
            Err(other) => panic!("round {round}: untyped failure in recovery: {other:?}"),
        }
    }
}

#[test]
fn lost_platform_key_is_key_mismatch_and_recovery_keeps_unsent_envelopes() {
    let dir = tempfile::tempdir().unwrap();
    let rows = populate(dir.path(), 25);
    let old_device = device_id_of(dir.path());

    // Another key store (the platform key was invalidated): a typed, permanent error.
    let err = Companion::open(dir.path(), config(), key_store(2)).unwrap_err();
    assert!(matches!(err, Error::KeyMismatch), "{err:?}");
    // The refused open changed nothing: the right key still opens it.
    drop(Companion::open(dir.path(), config(), key_store(1)).unwrap());

    let (companion, recovery) =
        Companion::recover_local_store(dir.path(), config(), key_store(2)).unwrap();
    assert!(recovery.quarantined);
    // The identity key was sealed under the lost key: the device starts a new identity.
    assert_ne!(companion.device_id(), old_device);
    assert_eq!(recovery.envelopes_kept, 25);
    assert_eq!(recovery.envelopes_lost, 0);
    assert_eq!(companion.pending_report_count().unwrap(), 25);
    drop(companion);
    let mut expected = rows;
    expected.sort();
    assert_eq!(stored_envelopes(dir.path()), expected);
    // The new store is sealed under the new key, so it now opens normally with it.
    drop(Companion::open(dir.path(), config(), key_store(2)).unwrap());
}

/// A key store that is temporarily unavailable (a locked device).
struct LockedKeyStore;
impl KeyStore for LockedKeyStore {
    fn wrap_key(&self, _: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
        Err(PlatformError::Failed {
            reason: String::from("locked"),
        })
    }
    fn unwrap_key(&self, _: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
        Err(PlatformError::Failed {
            reason: String::from("locked"),
        })
    }
}

#[test]
fn recovery_refuses_to_act_on_temporary_or_newer_problems() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), 5);
    let before = std::fs::read(dir.path().join(DATABASE_FILE)).unwrap();

    // A locked key store is not a lost key: nothing is moved.
    let err =
        Companion::recover_local_store(dir.path(), config(), Arc::new(LockedKeyStore)).unwrap_err();
    assert!(matches!(err, Error::KeyStore), "{err:?}");
    assert!(!dir.path().join("frontline.db.quarantine").exists());

    // A healthy store is left exactly as it was.
    let (companion, recovery) =
        Companion::recover_local_store(dir.path(), config(), key_store(1)).unwrap();
    assert!(!recovery.quarantined);
    assert_eq!(companion.pending_report_count().unwrap(), 5);
    drop(companion);
    assert_eq!(stored_envelopes(dir.path()).len(), 5);
    assert_eq!(
        std::fs::read(dir.path().join(DATABASE_FILE)).unwrap(),
        before
    );

    // A database from a newer Frontline is never recovered (or wiped): update the app.
    let conn = rusqlite::Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let err = Companion::recover_local_store(dir.path(), config(), key_store(1)).unwrap_err();
    assert!(
        matches!(err, Error::NewerDatabase { found: 999, .. }),
        "{err:?}"
    );
    assert!(!dir.path().join("frontline.db.quarantine").exists());
}

// ---- Full disk -------------------------------------------------------------------------
//
// A real full file system: a 1 MiB tmpfs mounted in a private mount namespace
// (`unshare --mount --map-root-user`, which works without root where user namespaces are
// enabled, and as root). The scenario runs in that child; the parent checks it ran and passed.

const FULL_DISK_CHILD: &str = "FRONTLINE_FULL_DISK_CHILD";
const FULL_DISK_PASSED: &str = "full-disk scenario passed";

/// Writes one ~2 KiB record through the store's own transaction path.
fn write_record(store: &Store, i: usize) -> frontline_core::Result<()> {
    let tx = store.transaction()?;
    store::put_meta(&tx, &format!("filler-{i}"), &vec![0x5a; 2048])?;
    tx.commit()?;
    Ok(())
}

fn full_disk_scenario() {
    let mount_point = tempfile::tempdir().unwrap();
    let status = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(mount_point.path())
        .status()
        .unwrap();
    assert!(status.success(), "mounting a tmpfs in the child namespace");
    let dir = mount_point.path();

    drop(Companion::open(dir, config(), key_store(1)).unwrap());
    // Another app's file takes part of the disk; deleting it later gives space back.
    let other_file = dir.join("other-app-cache");
    std::fs::write(&other_file, vec![0_u8; 256 * 1024]).unwrap();
    let store = Store::open(dir).unwrap();
    let mut written = 0;
    let err = loop {
        match write_record(&store, written) {
            Ok(()) => written += 1,
            Err(e) => break e,
        }
        assert!(written < 10_000, "the disk never filled");
    };
    assert!(matches!(err, Error::StorageFull), "{err:?}");
    assert!(written > 10, "some records fitted before the disk filled");
    // Nothing half-written: the failed write left no trace and the committed ones are there.
    assert_eq!(store.meta(&format!("filler-{written}")).unwrap(), None);
    for i in 0..written {
        assert!(store.meta(&format!("filler-{i}")).unwrap().is_some(), "{i}");
    }
    // Still full: a Companion opens (reads need no space) and reads.
    drop(Companion::open(dir, config(), key_store(1)).unwrap());

    // Space comes back: the other file is deleted, and writing works again.
    std::fs::remove_file(&other_file).unwrap();
    write_record(&store, written).unwrap();
    assert!(store.meta(&format!("filler-{written}")).unwrap().is_some());
    drop(store);
    assert!(integrity_ok(dir));
    println!("{FULL_DISK_PASSED} after {written} records");
    Command::new("umount").arg(dir).status().unwrap();
}

#[test]
fn full_disk_is_storage_full_and_nothing_is_half_written() {
    if std::env::var_os(FULL_DISK_CHILD).is_some() {
        full_disk_scenario();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let output = Command::new("unshare")
        .args(["--mount", "--map-root-user", "--fork"])
        .arg(exe)
        .args([
            "full_disk_is_storage_full_and_nothing_is_half_written",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(FULL_DISK_CHILD, "1")
        .output()
        .expect("unshare (util-linux) is needed for the full-disk test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains(FULL_DISK_PASSED),
        "full-disk child failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
}
