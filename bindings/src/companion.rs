//! The exported `Companion`: a lock around the core's companion, and `shutdown`.
//!
//! Each capability's exported methods live next to this in their own `impl` block when they
//! are added; each one is a single call into the core through [`Companion::with`].
//!
//! In the bindings `open` is the primary constructor: `Companion(dataDir, config, keyStore)`
//! in Swift and Python, `FrontlineCompanion(dataDir, config, keyStore)` in Kotlin, where a
//! class named `Companion` clashes with `companion object` (renamed in bindings/uniffi.toml;
//! a named constructor would hit uniffi 0.32's incomplete Kotlin rename).

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use frontline_core::config::OrganisationContacts;
use frontline_core::{CompanionConfig, KeyStore};

use crate::FrontlineError;

/// Frontline on this device. Open one per data directory and keep it for the app's lifetime.
#[derive(uniffi::Object)]
pub struct Companion {
    inner: Mutex<Option<frontline_core::Companion>>,
}

impl std::fmt::Debug for Companion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Companion")
    }
}

impl Companion {
    fn lock(&self) -> MutexGuard<'_, Option<frontline_core::Companion>> {
        // A panic inside an earlier call poisons the lock; the store rolled that call back
        // (its transaction was dropped), so the state behind the lock is still consistent.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Wraps an open core companion (for constructors exported from other files).
    pub(crate) fn from_core(core: frontline_core::Companion) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Some(core)),
        })
    }

    /// Runs `f` on the open core companion, or fails with `Closed`.
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut frontline_core::Companion) -> frontline_core::Result<T>,
    ) -> Result<T, FrontlineError> {
        let mut guard = self.lock();
        let companion = guard.as_mut().ok_or(FrontlineError::Closed)?;
        f(companion).map_err(FrontlineError::from)
    }
}

#[uniffi::export]
impl Companion {
    /// Opens Frontline in `data_dir` (an existing directory private to the app) with the app's
    /// configuration and the platform key store that wraps the data key.
    // Exported as the primary constructor: see the module note.
    #[uniffi::constructor(name = "new")]
    pub fn open(
        data_dir: String,
        config: CompanionConfig,
        key_store: Arc<dyn KeyStore>,
    ) -> Result<Arc<Self>, FrontlineError> {
        let core = frontline_core::Companion::open(Path::new(&data_dir), config, key_store)?;
        Ok(Arc::new(Self {
            inner: Mutex::new(Some(core)),
        }))
    }

    /// Releases the database and the in-memory key. Every later call fails with `Closed`.
    /// Calling it twice is harmless.
    pub fn shutdown(&self) {
        let mut guard = self.lock();
        if guard.take().is_some() {
            log::info!("companion shut down");
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> Result<CompanionConfig, FrontlineError> {
        self.with(|c| Ok(c.config().clone()))
    }

    /// Whom staff contact (organisation name, IT service desk phone and web page, IG lead),
    /// from the configuration in force; unset fields are null.
    pub fn organisation_contacts(&self) -> Result<OrganisationContacts, FrontlineError> {
        self.with(|c| Ok(c.organisation_contacts()))
    }

    /// The schema version of the local store.
    pub fn schema_version(&self) -> Result<u32, FrontlineError> {
        self.with(|c| Ok(c.schema_version()))
    }
}
