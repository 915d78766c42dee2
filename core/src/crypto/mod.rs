//! Cryptography, all on ring: the data key, column sealing, signatures.
//!
//! * The **data key** (DEK) is 256 random bits from `SystemRandom`, wrapped by the platform
//!   [`KeyStore`](crate::KeyStore); only the wrapped blob and a key-check value are stored.
//! * **Column sealing** ([`ColumnSealer`]) encrypts personal and sensitive local data with
//!   AES-256-GCM under the DEK, with associated data binding table, column and row, so a
//!   sealed value copied to another row or column fails to open.
//! * **Signatures**: Ed25519 for bundles (verify) and the device identity (sign).
//!
//! This module never logs key material or plaintext, and every tag and signature is checked
//! before a byte is used.

pub mod hpke;

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, Ed25519KeyPair, KeyPair, UnparsedPublicKey};

use crate::error::{Error, Result};

pub mod jwk;

/// Length of the data key in bytes.
pub const DATA_KEY_LEN: usize = 32;

/// Fills a new buffer of `len` random bytes from the system generator.
pub fn random_bytes(len: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| Error::Crypto)?;
    Ok(buf)
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// The unwrapped data key, held only in memory.
pub struct DataKey {
    bytes: [u8; DATA_KEY_LEN],
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl DataKey {
    /// A fresh random data key.
    pub fn generate() -> Result<Self> {
        let bytes = random_bytes(DATA_KEY_LEN)?;
        Self::from_bytes(&bytes)
    }

    /// A data key from raw bytes, refusing any other length.
    pub fn from_bytes(raw: &[u8]) -> Result<Self> {
        let bytes: [u8; DATA_KEY_LEN] = raw.try_into().map_err(|_| Error::KeyMismatch)?;
        Ok(Self { bytes })
    }

    /// The raw bytes, only to hand to the platform key store for wrapping.
    pub fn expose(&self) -> Vec<u8> {
        self.bytes.to_vec()
    }

    /// A value derived from the key that proves, on reopen, that the platform returned the
    /// same key (HMAC-SHA256 over a fixed label; reveals nothing about the key).
    pub fn check_value(&self) -> Vec<u8> {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.bytes);
        hmac::sign(&key, b"frontline data key check v1")
            .as_ref()
            .to_vec()
    }

    /// Whether `stored` is this key's check value (constant-time comparison).
    pub fn matches_check_value(&self, stored: &[u8]) -> bool {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.bytes);
        hmac::verify(&key, b"frontline data key check v1", stored).is_ok()
    }

    /// A sealer for columns of the local store.
    pub fn sealer(&self) -> Result<ColumnSealer> {
        let unbound = UnboundKey::new(&AES_256_GCM, &self.bytes).map_err(|_| Error::Crypto)?;
        Ok(ColumnSealer {
            key: LessSafeKey::new(unbound),
        })
    }
}

impl Drop for DataKey {
    fn drop(&mut self) {
        self.bytes.iter_mut().for_each(|b| *b = 0);
    }
}

/// Seals and opens column values with AES-256-GCM under the data key.
///
/// Sealed layout: `version (1 byte = 1) || nonce (12) || ciphertext || tag (16)`.
/// Associated data: `"frontline/col/v1\0" || table || "\0" || column || "\0" || row`.
pub struct ColumnSealer {
    key: LessSafeKey,
}

impl std::fmt::Debug for ColumnSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ColumnSealer(..)")
    }
}

const COLUMN_FORMAT: u8 = 1;

fn column_aad(table: &str, column: &str, row: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(20 + table.len() + column.len() + row.len());
    aad.extend_from_slice(b"frontline/col/v1\0");
    aad.extend_from_slice(table.as_bytes());
    aad.push(0);
    aad.extend_from_slice(column.as_bytes());
    aad.push(0);
    aad.extend_from_slice(row.as_bytes());
    aad
}

impl ColumnSealer {
    /// Seals `plaintext` for the cell (`table`, `column`, `row`).
    pub fn seal(&self, table: &str, column: &str, row: &str, plaintext: &[u8]) -> Result<Vec<u8>> {
        let nonce_bytes: [u8; NONCE_LEN] = random_bytes(NONCE_LEN)?
            .try_into()
            .map_err(|_| Error::Crypto)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + 16);
        out.push(COLUMN_FORMAT);
        out.extend_from_slice(&nonce_bytes);
        let mut body = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(column_aad(table, column, row)),
                &mut body,
            )
            .map_err(|_| Error::Crypto)?;
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Opens a value sealed for the same cell; any change to it, or to where it is, fails
    /// with [`Error::Tampered`].
    pub fn open(&self, table: &str, column: &str, row: &str, sealed: &[u8]) -> Result<Vec<u8>> {
        if sealed.len() < 1 + NONCE_LEN + aead::AES_256_GCM.tag_len() || sealed[0] != COLUMN_FORMAT
        {
            return Err(Error::Tampered);
        }
        let nonce: [u8; NONCE_LEN] = sealed[1..1 + NONCE_LEN]
            .try_into()
            .map_err(|_| Error::Tampered)?;
        let mut body = sealed[1 + NONCE_LEN..].to_vec();
        let plain = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(column_aad(table, column, row)),
                &mut body,
            )
            .map_err(|_| Error::Tampered)?;
        Ok(plain.to_vec())
    }

    /// Seals a serde value as JSON.
    pub fn seal_json<T: serde::Serialize>(
        &self,
        table: &str,
        column: &str,
        row: &str,
        value: &T,
    ) -> Result<Vec<u8>> {
        let json = serde_json::to_vec(value)?;
        self.seal(table, column, row, &json)
    }

    /// Opens a sealed JSON value.
    pub fn open_json<T: serde::de::DeserializeOwned>(
        &self,
        table: &str,
        column: &str,
        row: &str,
        sealed: &[u8],
    ) -> Result<T> {
        let json = self.open(table, column, row, sealed)?;
        serde_json::from_slice(&json).map_err(|_| Error::Tampered)
    }
}

/// Verifies an Ed25519 signature over `message` by the 32-byte public key `public_key`.
pub fn ed25519_verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    UnparsedPublicKey::new(&signature::ED25519, public_key)
        .verify(message, signature)
        .is_ok()
}

/// An Ed25519 signing key (the device identity; the publisher key in the CLI).
pub struct SigningKey {
    pair: Ed25519KeyPair,
    seed: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

impl SigningKey {
    /// A new random key.
    pub fn generate() -> Result<Self> {
        let seed = random_bytes(32)?;
        Self::from_seed(&seed)
    }

    /// The key for a 32-byte seed (the RFC 8032 private key).
    pub fn from_seed(seed: &[u8]) -> Result<Self> {
        let pair = Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| Error::Crypto)?;
        Ok(Self {
            pair,
            seed: seed.to_vec(),
        })
    }

    /// The 32-byte seed, to be stored sealed or exported as a private JWK.
    pub fn seed(&self) -> &[u8] {
        &self.seed
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }
}

impl Drop for SigningKey {
    fn drop(&mut self) {
        self.seed.iter_mut().for_each(|b| *b = 0);
    }
}

/// base64url without padding (RFC 4648 §5), the encoding of keys and signatures on the wire.
pub fn b64url(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

/// Decodes base64url without padding.
pub fn from_b64url(text: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|_| Error::InvalidInput(String::from("not base64url")))
}

/// A short, stable identifier for a public key: the first 8 bytes of its SHA-256, base64url.
pub fn key_id(public_key: &[u8]) -> String {
    b64url(&sha256(public_key)[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_cell_opens_only_in_place() {
        let dek = DataKey::generate().unwrap();
        let sealer = dek.sealer().unwrap();
        let sealed = sealer.seal("t", "c", "row-1", b"quiz answer").unwrap();
        assert_eq!(
            sealer.open("t", "c", "row-1", &sealed).unwrap(),
            b"quiz answer"
        );
        assert!(matches!(
            sealer.open("t", "c", "row-2", &sealed),
            Err(Error::Tampered)
        ));
        assert!(matches!(
            sealer.open("t", "d", "row-1", &sealed),
            Err(Error::Tampered)
        ));
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(sealer.open("t", "c", "row-1", &bad).is_err(), "byte {i}");
        }
        assert!(sealer.open("t", "c", "row-1", &sealed[..10]).is_err());
    }

    #[test]
    fn other_key_cannot_open() {
        let a = DataKey::generate().unwrap().sealer().unwrap();
        let b = DataKey::generate().unwrap().sealer().unwrap();
        let sealed = a.seal("t", "c", "r", b"x").unwrap();
        assert!(matches!(
            b.open("t", "c", "r", &sealed),
            Err(Error::Tampered)
        ));
    }

    #[test]
    fn check_value_tells_keys_apart() {
        let a = DataKey::generate().unwrap();
        let b = DataKey::generate().unwrap();
        assert!(a.matches_check_value(&a.check_value()));
        assert!(!b.matches_check_value(&a.check_value()));
        assert!(DataKey::from_bytes(&[0u8; 16]).is_err());
    }

    #[test]
    fn signatures_verify_and_fail_on_change() {
        let key = SigningKey::generate().unwrap();
        let sig = key.sign(b"manifest");
        assert!(ed25519_verify(&key.public_key(), b"manifest", &sig));
        assert!(!ed25519_verify(&key.public_key(), b"manifesT", &sig));
        let again = SigningKey::from_seed(key.seed()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
    }
}
