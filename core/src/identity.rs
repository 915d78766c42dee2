//! The device identity: who is sending reports.
//!
//! On first open the device gets an Ed25519 signing key and a device id (a UUID v4). The key
//! signs every report (so the collector knows which enrolled device wrote it, and that nobody
//! changed it on the way); its 32-byte seed is stored in `meta` sealed with the data key, so
//! a copy of the database alone does not let anyone sign as this device. The device id is not
//! secret and is stored as it is. Neither ever appears in a log message.

use serde::{Deserialize, Serialize};

use crate::crypto::SigningKey;
use crate::error::{Error, Result};
use crate::store::{self, Store};

const DEVICE_ID: &str = "device.id";
const DEVICE_KEY_SEALED: &str = "device.key.sealed";

/// The device's identity, held in memory while the companion is open.
pub(crate) struct DeviceIdentity {
    pub(crate) device_id: String,
    pub(crate) key: SigningKey,
}

impl std::fmt::Debug for DeviceIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceIdentity(..)")
    }
}

/// Loads the identity, or creates and stores it (one transaction) on first open.
pub(crate) fn load_or_create(
    store: &Store,
    sealer: &crate::crypto::ColumnSealer,
) -> Result<DeviceIdentity> {
    let id = store.meta(DEVICE_ID)?;
    let sealed = store.meta(DEVICE_KEY_SEALED)?;
    match (id, sealed) {
        (Some(id), Some(sealed)) => {
            let device_id = String::from_utf8(id).map_err(|_| Error::Tampered)?;
            uuid::Uuid::parse_str(&device_id).map_err(|_| Error::Tampered)?;
            let seed = sealer.open("meta", "value", DEVICE_KEY_SEALED, &sealed)?;
            let key = SigningKey::from_seed(&seed).map_err(|_| Error::Tampered)?;
            Ok(DeviceIdentity { device_id, key })
        }
        (None, None) => {
            let device_id = uuid::Uuid::new_v4().to_string();
            let key = SigningKey::generate()?;
            let sealed = sealer.seal("meta", "value", DEVICE_KEY_SEALED, key.seed())?;
            let tx = store.transaction()?;
            store::put_meta(&tx, DEVICE_ID, device_id.as_bytes())?;
            store::put_meta(&tx, DEVICE_KEY_SEALED, &sealed)?;
            tx.commit()?;
            log::info!("new device identity created");
            Ok(DeviceIdentity { device_id, key })
        }
        // One without the other was never written by this code (both go in one transaction).
        _ => Err(Error::Tampered),
    }
}

/// The body of `POST /v1/devices` (see `docs/wire-formats.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentBody {
    /// The device id (UUID v4).
    pub device_id: String,
    /// The device's Ed25519 public key, base64url without padding.
    pub public_key: String,
    /// The one-time enrolment token from managed configuration.
    pub enrolment_token: String,
}

#[cfg(test)]
mod tests {
    use crate::Companion;
    use std::sync::Arc;

    use super::*;
    use crate::{CompanionConfig, SoftwareKeyStore, StaffRole};

    fn open(dir: &std::path::Path, ks: Arc<SoftwareKeyStore>) -> Companion {
        let mut config = CompanionConfig::new("example-trust", "p-1", StaffRole::AllStaff);
        config.enrolment_token = Some(String::from("token-1"));
        Companion::open(dir, config, ks).unwrap()
    }

    #[test]
    fn identity_is_created_once_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let ks = Arc::new(SoftwareKeyStore::ephemeral().unwrap());
        let (id, pk) = {
            let c = open(dir.path(), ks.clone());
            (c.device_id(), c.device_public_key())
        };
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
        assert_eq!(crate::crypto::from_b64url(&pk).unwrap().len(), 32);
        let c = open(dir.path(), ks);
        assert_eq!(c.device_id(), id);
        assert_eq!(c.device_public_key(), pk);
        // The seed is stored sealed, not in clear.
        let stored = c.store.meta(DEVICE_KEY_SEALED).unwrap().unwrap();
        assert!(!stored.windows(32).any(|w| w == c.identity.key.seed()));
    }

    #[test]
    fn signatures_verify_with_the_public_key() {
        let dir = tempfile::tempdir().unwrap();
        let c = open(dir.path(), Arc::new(SoftwareKeyStore::ephemeral().unwrap()));
        let sig = c.device_sign(b"report");
        let pk = crate::crypto::from_b64url(&c.device_public_key()).unwrap();
        assert!(crate::crypto::ed25519_verify(&pk, b"report", &sig));
    }

    #[test]
    fn enrolment_body_names_device_key_and_token() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = open(dir.path(), Arc::new(SoftwareKeyStore::ephemeral().unwrap()));
        let body: EnrolmentBody = serde_json::from_slice(&c.enrolment_body().unwrap()).unwrap();
        assert_eq!(body.device_id, c.device_id());
        assert_eq!(body.public_key, c.device_public_key());
        assert_eq!(body.enrolment_token, "token-1");
        c.config.enrolment_token = None;
        assert!(matches!(c.enrolment_body(), Err(Error::NotConfigured(_))));
    }

    #[test]
    fn a_half_written_identity_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ks = Arc::new(SoftwareKeyStore::ephemeral().unwrap());
        {
            let c = open(dir.path(), ks.clone());
            let tx = c.store.transaction().unwrap();
            tx.execute("DELETE FROM meta WHERE key = ?1", [DEVICE_KEY_SEALED])
                .unwrap();
            tx.commit().unwrap();
        }
        let mut config = CompanionConfig::new("example-trust", "p-1", StaffRole::AllStaff);
        config.enrolment_token = None;
        assert!(matches!(
            Companion::open(dir.path(), config, ks),
            Err(Error::Tampered)
        ));
    }
}
