//! Exported recovery of a local store that can no longer be read (a lost platform key, a
//! damaged file): see `frontline_core::recovery` and `docs/adr/0050-recovering-local-store.md`.
//!
//! The app calls [`recover_local_store`] after `Companion.open` failed with `KeyMismatch` or
//! `NotADatabase` (or a later call failed with `NotADatabase`), once the user has been told
//! that local progress will be reset and unsent reports kept.

use std::path::Path;
use std::sync::Arc;

use frontline_core::{CompanionConfig, KeyStore, StoreRecovery};

use crate::{Companion, FrontlineError};

/// A companion opened by [`recover_local_store`], and what the recovery did.
#[derive(Debug, uniffi::Record)]
pub struct RecoveredCompanion {
    /// The open companion (on the old store if it was healthy, else on a fresh one).
    pub companion: Arc<Companion>,
    /// Whether the old store was quarantined, and how many unsent envelopes were kept.
    pub recovery: StoreRecovery,
}

/// Opens Frontline in `data_dir`, recovering from an unreadable local store: a healthy store
/// is opened as it is; an unreadable one is moved aside and replaced by a fresh one into which
/// every still-readable unsent report is re-queued. A newer database, an unavailable key store
/// or an unusable directory fail as `Companion.open` would, and nothing is moved.
#[uniffi::export]
pub fn recover_local_store(
    data_dir: String,
    config: CompanionConfig,
    key_store: Arc<dyn KeyStore>,
) -> Result<RecoveredCompanion, FrontlineError> {
    let (core, recovery) =
        frontline_core::Companion::recover_local_store(Path::new(&data_dir), config, key_store)?;
    Ok(RecoveredCompanion {
        companion: Companion::from_core(core),
        recovery,
    })
}
