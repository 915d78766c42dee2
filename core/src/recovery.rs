//! Recovering a local store that can no longer be read, without losing unsent evidence.
//!
//! [`Companion::open`] refuses a damaged database (`NotADatabase`) and a data key the platform
//! no longer has (`KeyMismatch`) and never wipes anything. This module is the recovery
//! the app chooses after such a refusal, as set out in
//! `docs/adr/0050-recovering-local-store.md`:
//!
//! 1. the unreadable database (with its `-wal` and `-shm`) is moved aside to
//!    `frontline.db.quarantine` (replacing an older quarantined copy);
//! 2. a fresh store is opened: when the key is not lost, with the old `meta` rows carried
//!    over if they read back (same data key, same device identity, same enrolment), else
//!    with a new data key and a new device identity;
//! 3. every outbox envelope that can still be read from the quarantined file is copied into
//!    the new outbox verbatim. Envelopes are sealed to the organisation, not to the local
//!    key, so the lost key does not matter for them.
//!
//! Sealed local data (progress, posture history) is not carried over, and nothing sealed can
//! be recovered when its key is gone. That is the point of sealing it. This module must never recover a
//! database that is merely newer than the code, or one whose key store is only temporarily
//! unavailable: those errors are returned as they are.
//!
//! [`Companion::open`]: crate::Companion::open

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::{Error, Result};
use crate::store::DATABASE_FILE;

/// Base name of the quarantined copy of an unreadable database.
pub const QUARANTINE_FILE: &str = "frontline.db.quarantine";

/// Outbox states that still await delivery and are worth keeping.
const UNSENT_STATES: [&str; 2] = ["pending", "in_flight"];

/// What a recovery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StoreRecovery {
    /// Whether the old database was moved aside. `false` when it opened normally and was
    /// healthy, in which case nothing was changed.
    pub quarantined: bool,
    /// Unsent envelopes copied into the new store.
    pub envelopes_kept: u32,
    /// Unsent envelopes that could not be read from the damaged file.
    pub envelopes_lost: u32,
}

/// One outbox row as read from the quarantined file.
pub(crate) struct EnvelopeRow {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) priority: i64,
    pub(crate) coalesce_key: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) size: i64,
    pub(crate) envelope: Vec<u8>,
}

/// What salvage found at one row.
pub(crate) enum Salvaged {
    /// An unsent envelope, read whole.
    Row(EnvelopeRow),
    /// A row between readable rows that could not be read.
    Unreadable,
}

/// How many row ids in a row may be missing or unreadable before salvage stops looking.
const PROBE_GAP: i64 = 256;

/// Reads every unsent outbox row that can still be read. A full scan is tried first; when
/// it stops at a damaged page, the rows after it are probed one row id at a time (a point
/// lookup reaches leaf pages the scan could not), until `PROBE_GAP` ids in a row give
/// nothing. Unreadable ids between readable ones are reported as lost.
pub(crate) fn salvage_rows(conn: &Connection) -> Vec<Salvaged> {
    let mut out = Vec::new();
    let mut last = 0_i64;
    if let Ok(mut stmt) = conn.prepare("SELECT rowid FROM outbox ORDER BY rowid") {
        if let Ok(rows) = stmt.query_map([], |r| r.get::<_, i64>(0)) {
            for rowid in rows {
                let Ok(rowid) = rowid else { break };
                match read_envelope_row(conn, rowid) {
                    Ok(Some(Some(row))) => out.push(Salvaged::Row(row)),
                    Ok(_) => {}
                    Err(_) => out.push(Salvaged::Unreadable),
                }
                last = last.max(rowid);
            }
        }
    }
    let (mut rowid, mut gap, mut unreadable) = (last, 0_i64, 0_u32);
    while gap < PROBE_GAP {
        rowid = rowid.saturating_add(1);
        match read_envelope_row(conn, rowid) {
            Ok(Some(found)) => {
                out.extend((0..unreadable).map(|_| Salvaged::Unreadable));
                out.extend(found.map(Salvaged::Row));
                (gap, unreadable) = (0, 0);
            }
            Ok(None) => gap += 1,
            Err(_) => {
                gap += 1;
                unreadable = unreadable.saturating_add(1);
            }
        }
    }
    out
}

/// Reads the outbox row `rowid`: `None` if there is none, `Some(None)` if it exists but was
/// already delivered, `Some(Some(row))` for an unsent envelope.
fn read_envelope_row(conn: &Connection, rowid: i64) -> Result<Option<Option<EnvelopeRow>>> {
    let row = conn
        .query_row(
            "SELECT state, id, kind, priority, coalesce_key, created_at, size, envelope
             FROM outbox WHERE rowid = ?1",
            [rowid],
            |r| {
                let state: String = r.get(0)?;
                if !UNSENT_STATES.contains(&state.as_str()) {
                    return Ok(None);
                }
                Ok(Some(EnvelopeRow {
                    id: r.get(1)?,
                    kind: r.get(2)?,
                    priority: r.get(3)?,
                    coalesce_key: r.get(4)?,
                    created_at: r.get(5)?,
                    size: r.get(6)?,
                    envelope: r.get(7)?,
                }))
            },
        )
        .optional()?;
    match row {
        Some(Some(row)) if !envelope_is_whole(&row) => Err(Error::NotADatabase),
        other => Ok(other),
    }
}

/// SQLite keeps no checksum of cell contents, so a row on a damaged page can read back with
/// zeros or garbage in it. An envelope is kept only if it is still the JSON object that names
/// its own id (wire format: `{"id", "kind", …, "ct"}`); its AEAD is checked by the collector.
fn envelope_is_whole(row: &EnvelopeRow) -> bool {
    serde_json::from_slice::<serde_json::Value>(&row.envelope)
        .ok()
        .and_then(|v| {
            v.get("id")
                .and_then(|id| id.as_str())
                .map(|id| id == row.id)
        })
        .unwrap_or(false)
}

/// Copies every `meta` row of the quarantined database into a new store in `data_dir`, in
/// one transaction; nothing is copied unless every row reads back.
pub(crate) fn carry_over_meta(quarantine: &Path, data_dir: &Path) -> Result<()> {
    let old = Connection::open_with_flags(
        quarantine,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    old.execute_batch("PRAGMA writable_schema=ON; PRAGMA query_only=ON;")?;
    let rows: Vec<(String, Vec<u8>)> = {
        let mut stmt = old.prepare("SELECT key, value FROM meta")?;
        let mapped = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        mapped.collect::<std::result::Result<_, _>>()?
    };
    drop(old);
    let store = crate::store::Store::open(data_dir)?;
    let tx = store.transaction()?;
    for (key, value) in &rows {
        crate::store::put_meta(&tx, key, value)?;
    }
    tx.commit()?;
    Ok(())
}

/// Deletes the database in `data_dir` (with its WAL and SHM), for a fresh start.
pub(crate) fn remove_database(data_dir: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        match std::fs::remove_file(data_dir.join(format!("{DATABASE_FILE}{suffix}"))) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => return Err(Error::Storage(String::from("cannot start a new store"))),
        }
    }
    Ok(())
}

/// Whether SQLite's `quick_check` finds the open database sound.
pub(crate) fn store_is_healthy(conn: &Connection) -> bool {
    matches!(
        conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)),
        Ok(ref s) if s == "ok"
    )
}

/// Moves the database and its WAL/SHM files aside (replacing an older quarantined copy) and
/// returns the path of the quarantined database.
pub(crate) fn quarantine(data_dir: &Path) -> Result<PathBuf> {
    let target = data_dir.join(QUARANTINE_FILE);
    for suffix in ["", "-wal", "-shm"] {
        let from = data_dir.join(format!("{DATABASE_FILE}{suffix}"));
        let to = data_dir.join(format!("{QUARANTINE_FILE}{suffix}"));
        match std::fs::remove_file(&to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => return Err(Error::Storage(String::from("cannot replace quarantine"))),
        }
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => return Err(Error::Storage(String::from("cannot quarantine"))),
        }
    }
    Ok(target)
}
