//! The organisation's report key (X25519) on the collector side, and its generation.
//!
//! The device seals every envelope to this key's public half; only the collector holds the
//! private half. ring cannot import or export a static X25519 private key, so generation and
//! use go through the `hpke` crate (x25519-dalek underneath):
//!
//! * **Generation**: 32 bytes from ring's `SystemRandom` become the private key `d` as they
//!   are (RFC 7748 §5: X25519 clamps the scalar when it is used, so every 32-byte string is a
//!   valid private key); the public key `x` is computed from it.
//! * **Loading** a private JWK recomputes `x` from `d` and refuses a file where they differ.
//!
//! Key material is never logged or put in an error message.

use frontline_core::crypto::jwk::{OkpCurve, OkpJwk};
use hpke::kem::X25519HkdfSha256;
use hpke::rand_core::{CryptoRng, RngCore};
use hpke::{Deserializable, Kem, Serializable};
use ring::rand::{SecureRandom, SystemRandom};

use crate::CollectorError;

/// The HPKE KEM of the envelope suite: DHKEM(X25519, HKDF-SHA256).
pub(crate) type EnvelopeKem = X25519HkdfSha256;

/// The organisation's X25519 report key pair, loaded for opening envelopes.
#[derive(Clone)]
pub struct OrgReportKey {
    private: <EnvelopeKem as Kem>::PrivateKey,
    public: Vec<u8>,
    kid: String,
}

impl std::fmt::Debug for OrgReportKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgReportKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl OrgReportKey {
    /// A fresh random key pair (see the module note for how).
    pub fn generate() -> Result<Self, CollectorError> {
        let mut d = [0u8; 32];
        SystemRandom::new()
            .fill(&mut d)
            .map_err(|_| CollectorError::Key("the random generator failed"))?;
        let key = Self::from_private_bytes(&d);
        d.iter_mut().for_each(|b| *b = 0);
        key
    }

    /// The key pair whose private key is the 32 bytes `d`.
    pub fn from_private_bytes(d: &[u8]) -> Result<Self, CollectorError> {
        let private = <EnvelopeKem as Kem>::PrivateKey::from_bytes(d)
            .map_err(|_| CollectorError::Key("the private key is not 32 bytes"))?;
        let public = EnvelopeKem::sk_to_pk(&private).to_bytes().to_vec();
        let kid = frontline_core::crypto::key_id(&public);
        Ok(Self {
            private,
            public,
            kid,
        })
    }

    /// Loads a private X25519 JWK, checking that its public half matches its private half.
    pub fn from_jwk(text: &str) -> Result<Self, CollectorError> {
        let jwk = OkpJwk::parse_expecting(text, OkpCurve::X25519, true)
            .map_err(|_| CollectorError::Key("not a private X25519 OKP JWK"))?;
        let d = jwk
            .d
            .as_deref()
            .ok_or(CollectorError::Key("not a private X25519 OKP JWK"))?;
        let key = Self::from_private_bytes(d)?;
        if key.public != jwk.x {
            return Err(CollectorError::Key(
                "the private key does not match the public key",
            ));
        }
        Ok(key)
    }

    /// The private JWK (for `frontline keys generate`).
    pub fn to_private_jwk(&self) -> Result<OkpJwk, CollectorError> {
        OkpJwk::private(OkpCurve::X25519, &self.public, &self.private.to_bytes())
            .map_err(|_| CollectorError::Key("the key cannot be exported"))
    }

    /// The public JWK (handed to devices through managed configuration).
    pub fn to_public_jwk(&self) -> Result<OkpJwk, CollectorError> {
        OkpJwk::public(OkpCurve::X25519, &self.public)
            .map_err(|_| CollectorError::Key("the key cannot be exported"))
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> &[u8] {
        &self.public
    }

    /// The key id (`crypto::key_id` of the public key) that envelopes name.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// A 32-byte secret for `label`, derived from the private key (SHA-256 over a label and
    /// the key): the same in every collector process holding this key, useless for opening
    /// envelopes. (The dashboard's session key: server only.)
    #[cfg(feature = "server")]
    pub(crate) fn derive(&self, label: &[u8]) -> [u8; 32] {
        let mut input = b"frontline-collector-derive/1\0".to_vec();
        input.extend_from_slice(label);
        input.push(0);
        input.extend_from_slice(&self.private.to_bytes());
        frontline_core::crypto::sha256(&input)
    }

    pub(crate) fn private(&self) -> &<EnvelopeKem as Kem>::PrivateKey {
        &self.private
    }
}

/// ring's system random generator behind the `rand_core` traits `hpke` asks for.
#[derive(Debug)]
pub struct SystemRng(SystemRandom);

impl Default for SystemRng {
    fn default() -> Self {
        Self(SystemRandom::new())
    }
}

impl RngCore for SystemRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // The system generator does not fail on supported platforms; if it ever did, the
        // zeroed output would make every key and seal fail their checks, never silently pass.
        if self.0.fill(dest).is_err() {
            dest.iter_mut().for_each(|b| *b = 0);
            log::error!("the system random generator failed");
        }
    }
}

impl CryptoRng for SystemRng {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_round_trips_through_jwk() {
        let key = OrgReportKey::generate().unwrap();
        let text = key.to_private_jwk().unwrap().to_json();
        let back = OrgReportKey::from_jwk(&text).unwrap();
        assert_eq!(back.public_key(), key.public_key());
        assert_eq!(back.kid(), key.kid());
        let public = key.to_public_jwk().unwrap();
        assert_eq!(public.kid, key.kid());
        assert!(OrgReportKey::from_jwk(&public.to_json()).is_err());
    }

    #[test]
    fn mismatched_halves_are_refused() {
        let a = OrgReportKey::generate().unwrap();
        let b = OrgReportKey::generate().unwrap();
        let forged = OkpJwk::private(OkpCurve::X25519, b.public_key(), &a.private.to_bytes())
            .unwrap()
            .to_json();
        assert!(OrgReportKey::from_jwk(&forged).is_err());
    }

    #[test]
    fn rfc7748_public_key_is_computed() {
        // RFC 7748 §6.1 (Alice).
        let d = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        let x = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        assert_eq!(
            OrgReportKey::from_private_bytes(&d).unwrap().public_key(),
            &x[..]
        );
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
