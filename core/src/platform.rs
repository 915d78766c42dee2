//! Capabilities the platform lends the core.
//!
//! The core cannot reach the Android Keystore or the iOS Keychain itself, so the platform
//! implements these small traits. Implementations must never call back into the `Companion`
//! (that would deadlock on its store), must be thread-safe, and must report failure through
//! [`PlatformError`] instead of crashing.

/// A failure reported by a platform implementation. The reason is for the platform's own
/// diagnostics: the core never logs it nor copies it into its errors, since a platform message
/// may carry details (key aliases, device state) that do not belong in a report.
#[derive(Debug, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
pub enum PlatformError {
    /// The platform could not do what was asked.
    #[error("the platform capability failed")]
    Failed {
        /// Free text from the platform; never logged by the core.
        reason: String,
    },
    /// The platform key that wrapped the data key is gone for good (Android
    /// `KeyPermanentlyInvalidatedException`, a Keychain item that no longer exists, a lock
    /// screen reset), or the blob was not wrapped by this key store. The core reports this as
    /// `KeyMismatch`, which the app may recover from (`Companion::recover_local_store`),
    /// unlike [`PlatformError::Failed`], which may be temporary (device locked).
    #[error("the platform key is permanently unavailable")]
    KeyInvalidated {
        /// Free text from the platform; never logged by the core.
        reason: String,
    },
}

#[cfg(feature = "uniffi")]
impl From<uniffi::UnexpectedUniFFICallbackError> for PlatformError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed { reason: e.reason }
    }
}

/// Wraps and unwraps Frontline's data key with a key that never leaves the platform's key
/// store (Android Keystore, iOS Keychain or Secure Enclave). Only the wrapped blob is stored.
///
/// Implementations must not call back into the `Companion`.
#[cfg_attr(feature = "uniffi", uniffi::export(with_foreign))]
pub trait KeyStore: Send + Sync {
    /// Encrypts `key` (32 bytes) under the platform key and returns the wrapped blob.
    fn wrap_key(&self, key: Vec<u8>) -> Result<Vec<u8>, PlatformError>;
    /// Decrypts a blob produced by [`KeyStore::wrap_key`] and returns the key.
    fn unwrap_key(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, PlatformError>;
}

/// A key store in software: the wrapping key is held by the process (or a file the
/// simulator keeps beside the data directory). It stands in for the Android Keystore or the
/// iOS Keychain in the CLI's device simulator and in tests; a real app never uses it.
pub struct SoftwareKeyStore {
    key: ring::aead::LessSafeKey,
}

impl std::fmt::Debug for SoftwareKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SoftwareKeyStore(..)")
    }
}

impl SoftwareKeyStore {
    /// A key store wrapping with the 32-byte `wrapping_key`.
    pub fn new(wrapping_key: &[u8; 32]) -> crate::Result<Self> {
        let unbound = ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, wrapping_key)
            .map_err(|_| crate::Error::Crypto)?;
        Ok(Self {
            key: ring::aead::LessSafeKey::new(unbound),
        })
    }

    /// A key store with a fresh random wrapping key (lost when dropped).
    pub fn ephemeral() -> crate::Result<Self> {
        let raw = crate::crypto::random_bytes(32)?;
        let mut key = [0u8; 32];
        key.copy_from_slice(&raw);
        Self::new(&key)
    }

    /// The key store whose wrapping key lives in the file at `path`, created (mode 0600) if
    /// missing. For the device simulator only.
    pub fn from_file(path: &std::path::Path) -> crate::Result<Self> {
        let raw = match std::fs::read(path) {
            Ok(raw) => raw,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let raw = crate::crypto::random_bytes(32)?;
                write_private(path, &raw).map_err(|_| crate::Error::KeyStore)?;
                raw
            }
            Err(_) => return Err(crate::Error::KeyStore),
        };
        let key: [u8; 32] = raw
            .as_slice()
            .try_into()
            .map_err(|_| crate::Error::KeyStore)?;
        Self::new(&key)
    }
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

impl KeyStore for SoftwareKeyStore {
    fn wrap_key(&self, key: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
        let fail = || PlatformError::Failed {
            reason: String::from("software key store could not wrap"),
        };
        let nonce_bytes = crate::crypto::random_bytes(12).map_err(|_| fail())?;
        let nonce: [u8; 12] = nonce_bytes.as_slice().try_into().map_err(|_| fail())?;
        let mut body = key;
        self.key
            .seal_in_place_append_tag(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::from(b"frontline/keywrap/v1"),
                &mut body,
            )
            .map_err(|_| fail())?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&body);
        Ok(out)
    }

    fn unwrap_key(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
        // A blob this key does not open can never be opened by it: permanent, not transient.
        let fail = || PlatformError::KeyInvalidated {
            reason: String::from("software key store could not unwrap"),
        };
        if wrapped.len() < 12 + 16 {
            return Err(fail());
        }
        let nonce: [u8; 12] = wrapped[..12].try_into().map_err(|_| fail())?;
        let mut body = wrapped[12..].to_vec();
        let plain = self
            .key
            .open_in_place(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::from(b"frontline/keywrap/v1"),
                &mut body,
            )
            .map_err(|_| fail())?;
        Ok(plain.to_vec())
    }
}
