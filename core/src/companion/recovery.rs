//! Opening Frontline while recovering an unreadable local store (ADR 0050).
//!
//! The salvage helpers live in `crate::recovery`.

use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags};

use crate::clock::{Clock, SystemClock};
use crate::config::CompanionConfig;
use crate::error::{Error, Result};
use crate::platform::KeyStore;
use crate::recovery::{
    carry_over_meta, quarantine, remove_database, salvage_rows, store_is_healthy, Salvaged,
    StoreRecovery,
};
use crate::Companion;

impl Companion {
    /// Opens Frontline in `data_dir`, recovering from an unreadable local store.
    ///
    /// * If the store opens and passes SQLite's `quick_check`, this is [`Companion::open`]
    ///   and nothing changes.
    /// * If it is damaged (`NotADatabase`), fails its check, or was sealed with a key the
    ///   platform no longer has (`KeyMismatch`, `Tampered`), it is moved aside, a fresh
    ///   store is created, and the unsent outbox envelopes that are still readable are
    ///   re-queued.
    /// * Any other error (a newer database, an unavailable key store, an unusable directory)
    ///   is returned unchanged, and nothing is moved.
    pub fn recover_local_store(
        data_dir: &Path,
        config: CompanionConfig,
        key_store: Arc<dyn KeyStore>,
    ) -> Result<(Self, StoreRecovery)> {
        Self::recover_local_store_with_clock(data_dir, config, key_store, Arc::new(SystemClock))
    }

    /// As [`Companion::recover_local_store`], with an injected clock.
    pub fn recover_local_store_with_clock(
        data_dir: &Path,
        config: CompanionConfig,
        key_store: Arc<dyn KeyStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<(Self, StoreRecovery)> {
        let key_lost =
            match Self::open_with_clock(data_dir, config.clone(), key_store.clone(), clock.clone())
            {
                Ok(companion) => {
                    if store_is_healthy(companion.store.conn()) {
                        return Ok((companion, StoreRecovery::default()));
                    }
                    drop(companion);
                    false
                }
                Err(Error::KeyMismatch) => true,
                Err(Error::NotADatabase | Error::Tampered) => false,
                Err(other) => return Err(other),
            };
        log::warn!("local store unreadable: moving it aside and starting a new one");
        let quarantine = quarantine(data_dir)?;
        // With the key still there, the settings (wrapped data key, device identity, sync and
        // enrolment state) are carried over when they can be read, so the device keeps its
        // identity and the re-queued envelopes remain its own. If they do not work together,
        // the new store starts from nothing.
        let carried = !key_lost && carry_over_meta(&quarantine, data_dir).is_ok();
        let companion =
            match Self::open_with_clock(data_dir, config.clone(), key_store.clone(), clock.clone())
            {
                Ok(companion) => companion,
                Err(_) if carried => {
                    remove_database(data_dir)?;
                    Self::open_with_clock(data_dir, config, key_store, clock)?
                }
                Err(e) => return Err(e),
            };
        let (kept, lost) = companion.salvage_outbox(&quarantine)?;
        log::warn!("local store recovered: {kept} unsent envelopes kept, {lost} unreadable");
        Ok((
            companion,
            StoreRecovery {
                quarantined: true,
                envelopes_kept: kept,
                envelopes_lost: lost,
            },
        ))
    }

    /// Copies the readable unsent envelopes of the quarantined database into this store, in
    /// one transaction. Returns (kept, lost).
    fn salvage_outbox(&self, quarantine: &Path) -> Result<(u32, u32)> {
        let old = match Connection::open_with_flags(
            quarantine,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        ) {
            Ok(conn) => conn,
            // The whole file is unreadable: nothing can be salvaged, but recovery succeeded.
            Err(_) => return Ok((0, 0)),
        };
        // `writable_schema` lets SQLite read a file shorter than its header says (a
        // truncated file is otherwise refused whole); `query_only` makes sure salvage never
        // writes to the quarantined copy.
        if old
            .execute_batch("PRAGMA writable_schema=ON; PRAGMA query_only=ON;")
            .is_err()
        {
            return Ok((0, 0));
        }
        let tx = self.store.transaction()?;
        let (mut kept, mut lost) = (0_u32, 0_u32);
        for found in salvage_rows(&old) {
            match found {
                Salvaged::Row(row) => {
                    let inserted = tx.execute(
                        "INSERT OR IGNORE INTO outbox
                           (id, kind, priority, coalesce_key, created_at, state, size, envelope)
                         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7)",
                        rusqlite::params![
                            row.id,
                            row.kind,
                            row.priority,
                            row.coalesce_key,
                            row.created_at,
                            row.size,
                            row.envelope
                        ],
                    )?;
                    if inserted == 1 {
                        kept = kept.saturating_add(1);
                    }
                }
                Salvaged::Unreadable => lost = lost.saturating_add(1),
            }
        }
        tx.commit()?;
        Ok((kept, lost))
    }
}
