//! The one stateful entry point the apps hold.
//!
//! [`Companion`] owns the store, the unwrapped data key (in memory only), the configuration
//! in force and the clock. Each capability (training, posture, advisories, outbox, sync) adds
//! its methods in its own submodule here with an `impl Companion` block, so this file stays
//! about opening and the things every capability shares.
//!
//! This is the top layer of the core (`ARCHITECTURE.md`, "Layers"): the methods here may use
//! every module below, and no module below names `Companion`. The rules themselves live in the
//! domain modules as functions over a connection or transaction and domain types.

mod advisory;
mod bundle;
mod config;
mod identity;
mod outbox;
mod posture;
mod recovery;
mod sync;
mod training;

mod assessment;
mod incident;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::clock::{Clock, SystemClock, UnixMillis};
use crate::config::CompanionConfig;
use crate::crypto::{ColumnSealer, DataKey};
use crate::error::{Error, Result};
use crate::platform::KeyStore;
use crate::store::{self, Store};

const WRAPPED_DATA_KEY: &str = "data_key.wrapped";
const DATA_KEY_CHECK: &str = "data_key.check";

/// Frontline on one device: open it on a data directory, then call its methods.
pub struct Companion {
    pub(crate) store: Store,
    pub(crate) sealer: ColumnSealer,
    pub(crate) config: CompanionConfig,
    /// The configuration the app opened with, before managed configuration overrides it.
    pub(crate) app_config: CompanionConfig,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) identity: crate::identity::DeviceIdentity,
    data_dir: PathBuf,
}

impl std::fmt::Debug for Companion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Companion").finish_non_exhaustive()
    }
}

impl Companion {
    /// Opens Frontline in `data_dir` (which must exist) with the app's configuration and the
    /// platform key store, on the system clock.
    pub fn open(
        data_dir: &Path,
        config: CompanionConfig,
        key_store: Arc<dyn KeyStore>,
    ) -> Result<Self> {
        Self::open_with_clock(data_dir, config, key_store, Arc::new(SystemClock))
    }

    /// As [`Companion::open`], with an injected clock (tests, the device simulator).
    pub fn open_with_clock(
        data_dir: &Path,
        config: CompanionConfig,
        key_store: Arc<dyn KeyStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        crate::config::contacts::check_app_config(&config)?;
        let store = Store::open(data_dir)?;
        let data_key = load_or_create_data_key(&store, key_store.as_ref())?;
        let sealer = data_key.sealer()?;
        drop(data_key);
        let identity = crate::identity::load_or_create(&store, &sealer)?;
        let app_config = config.clone();
        let config = crate::config::managed::config_in_force(&store, &sealer, &app_config)?;
        log::info!("local store opened");
        let companion = Self {
            store,
            sealer,
            config,
            app_config,
            clock,
            identity,
            data_dir: data_dir.to_path_buf(),
        };
        companion.recover_outbox()?;
        Ok(companion)
    }

    /// The configuration in force.
    pub fn config(&self) -> &CompanionConfig {
        &self.config
    }

    /// The data directory this companion was opened on.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The current time by the injected clock.
    pub fn now_ms(&self) -> UnixMillis {
        self.clock.now_ms()
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> u32 {
        store::schema::VERSION
    }
}

fn load_or_create_data_key(store: &Store, key_store: &dyn KeyStore) -> Result<DataKey> {
    match store.meta(WRAPPED_DATA_KEY)? {
        Some(wrapped) => {
            let check = store.meta(DATA_KEY_CHECK)?.ok_or(Error::KeyMismatch)?;
            let raw = key_store.unwrap_key(wrapped).map_err(|e| match e {
                crate::platform::PlatformError::KeyInvalidated { .. } => Error::KeyMismatch,
                crate::platform::PlatformError::Failed { .. } => Error::KeyStore,
            })?;
            let key = DataKey::from_bytes(&raw)?;
            if !key.matches_check_value(&check) {
                return Err(Error::KeyMismatch);
            }
            Ok(key)
        }
        None => {
            let key = DataKey::generate()?;
            let wrapped = key_store
                .wrap_key(key.expose())
                .map_err(|_| Error::KeyStore)?;
            let tx = store.transaction()?;
            store::put_meta(&tx, WRAPPED_DATA_KEY, &wrapped)?;
            store::put_meta(&tx, DATA_KEY_CHECK, &key.check_value())?;
            tx.commit()?;
            log::info!("new data key created and wrapped by the platform key store");
            Ok(key)
        }
    }
}
