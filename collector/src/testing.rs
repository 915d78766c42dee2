//! A test-only envelope sealer built on the `hpke` crate's sender side.
//!
//! It exists so the collector's own tests, and the hostile-input end-to-end tests, can make
//! envelopes the real device never would (forged signatures, reports disagreeing with their
//! header, envelopes for another key). It is compiled only for tests and with the
//! `test-support` feature; the sync end-to-end tests use the real device core instead.

use frontline_core::crypto::{b64url, SigningKey};
use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::{Deserializable, Kem, OpModeS, Serializable};
use serde_json::json;

use crate::envelope::{header, info, signed_message};
use crate::keys::{EnvelopeKem, SystemRng};

/// Seals envelopes as device `device_id` with the Ed25519 seed it was given, to an X25519
/// public key.
pub struct EnvelopeSealer {
    device_id: String,
    signing: SigningKey,
    org_public: <EnvelopeKem as Kem>::PublicKey,
    kid: String,
}

impl std::fmt::Debug for EnvelopeSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvelopeSealer").finish_non_exhaustive()
    }
}

impl EnvelopeSealer {
    /// A sealer for `device_id` (Ed25519 `seed`) to the organisation key `org_public`.
    pub fn new(device_id: &str, seed: &[u8], org_public: &[u8]) -> Option<Self> {
        Some(Self {
            device_id: device_id.to_owned(),
            signing: SigningKey::from_seed(seed).ok()?,
            org_public: <EnvelopeKem as Kem>::PublicKey::from_bytes(org_public).ok()?,
            kid: frontline_core::crypto::key_id(org_public),
        })
    }

    /// The device's public key (for enrolment).
    pub fn device_public_key(&self) -> Vec<u8> {
        self.signing.public_key()
    }

    /// A correct envelope of `kind` carrying `body`.
    pub fn seal(&self, kind: &str, body: &serde_json::Value) -> serde_json::Value {
        let body = body.clone();
        self.seal_raw(kind, move |report| report["body"] = body)
    }

    /// An envelope whose report object may be changed by `edit` before it is signed.
    pub fn seal_raw(
        &self,
        kind: &str,
        edit: impl FnOnce(&mut serde_json::Value),
    ) -> serde_json::Value {
        let id = uuid::Uuid::new_v4().to_string();
        let created_at = frontline_core::clock::rfc3339(1_795_885_384_123);
        let mut report = json!({
            "kind": kind,
            "device_id": self.device_id,
            "created_at": created_at,
            "body": {},
        });
        edit(&mut report);
        let report_bytes = serde_json::to_vec(&report).unwrap_or_default();
        let header = header(&id, kind, &created_at, &self.device_id);
        let signature = self.signing.sign(&signed_message(&header, &report_bytes));
        let plaintext = json!({
            "report": b64url(&report_bytes),
            "signature": b64url(&signature),
        })
        .to_string();
        let sealed = hpke::single_shot_seal::<AesGcm256, HkdfSha256, EnvelopeKem, _>(
            &OpModeS::Base,
            &self.org_public,
            &info(&self.kid),
            plaintext.as_bytes(),
            &header,
            &mut SystemRng::default(),
        );
        let (enc, ct) = match sealed {
            Ok((enc, ct)) => (enc.to_bytes().to_vec(), ct),
            Err(_) => (Vec::new(), Vec::new()),
        };
        json!({
            "id": id,
            "kind": kind,
            "created_at": created_at,
            "device_id": self.device_id,
            "kid": self.kid,
            "enc": b64url(&enc),
            "ct": b64url(&ct),
        })
    }
}
