//! Envelopes: a report signed by the device and sealed to the organisation.
//!
//! This file is the code form of `docs/wire-formats.md` ("Envelope"); the two must agree
//! byte for byte. Order of work: report JSON → device signature over header and report →
//! HPKE seal (base mode, RFC 9180) of `{"report","signature"}` to the organisation's report
//! key, with `info` naming the format version and key id and `aad` the envelope header (id,
//! kind, created time, device id). The device cannot open an envelope again: only the
//! organisation's private key can.

use serde::{Deserialize, Serialize};

use crate::clock::{rfc3339, UnixMillis};
use crate::crypto::{b64url, from_b64url, hpke, key_id};
use crate::error::{Error, Result};

use super::ReportKind;

/// The format label at the start of `header` and `info`.
pub const ENVELOPE_FORMAT: &str = "frontline-envelope/1";
/// The label at the start of the signed message.
pub const REPORT_SIGNATURE_LABEL: &str = "frontline-report/1";

/// The organisation's X25519 report public key, with its key id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgReportKey {
    /// The 32 raw public-key bytes.
    pub public_key: [u8; 32],
    /// `crypto::key_id` of the public key.
    pub kid: String,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    crv: String,
    x: String,
    #[serde(default)]
    d: Option<String>,
    #[serde(default)]
    kid: Option<String>,
}

impl OrgReportKey {
    /// Parses the configured key: base64url of the 32 raw bytes, or a public JWK (RFC 8037,
    /// `{"kty":"OKP","crv":"X25519","x":"…"}`). A JWK that carries the private part `d` is
    /// refused: the private key belongs on the collector, never on a device.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        let bad = |what: &str| Error::InvalidInput(format!("org_report_key: {what}"));
        let raw = if text.starts_with('{') {
            let jwk: Jwk = serde_json::from_str(text).map_err(|_| bad("not a JWK"))?;
            if jwk.kty != "OKP" || jwk.crv != "X25519" {
                return Err(bad("not an X25519 key"));
            }
            if jwk.d.is_some() {
                return Err(bad("a private key; configure the public key only"));
            }
            let raw = from_b64url(&jwk.x).map_err(|_| bad("x is not base64url"))?;
            if let Some(kid) = jwk.kid {
                if kid != key_id(&raw) {
                    return Err(bad("kid does not match the key"));
                }
            }
            raw
        } else {
            from_b64url(text).map_err(|_| bad("not base64url"))?
        };
        let public_key: [u8; 32] = raw.as_slice().try_into().map_err(|_| bad("not 32 bytes"))?;
        if public_key == [0u8; 32] {
            return Err(bad("not a usable X25519 key"));
        }
        Ok(Self {
            kid: key_id(&public_key),
            public_key,
        })
    }
}

/// An envelope as it travels (`POST /v1/envelopes`) and as the outbox stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The envelope id (UUID v4), also the collector's dedupe key.
    pub id: String,
    /// The report kind's wire name.
    pub kind: String,
    /// When the report was made, RFC 3339 UTC with milliseconds.
    pub created_at: String,
    /// The sending device's id.
    pub device_id: String,
    /// Key id of the organisation key it is sealed to.
    pub kid: String,
    /// HPKE encapsulated key, base64url (32 bytes).
    pub enc: String,
    /// HPKE ciphertext with tag, base64url.
    pub ct: String,
}

/// The fields the header binds; everything the collector can read without opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeHeader {
    /// Envelope id.
    pub id: String,
    /// Report kind.
    pub kind: ReportKind,
    /// Creation time (Unix ms; on the wire as RFC 3339).
    pub created_at: UnixMillis,
    /// Device id.
    pub device_id: String,
}

impl EnvelopeHeader {
    /// `"frontline-envelope/1" 0x00 id 0x00 kind 0x00 created_at 0x00 device_id`: the HPKE
    /// `aad`, and part of the signed message.
    pub fn bytes(&self) -> Vec<u8> {
        let created = rfc3339(self.created_at);
        let mut out = Vec::with_capacity(
            ENVELOPE_FORMAT.len() + self.id.len() + created.len() + self.device_id.len() + 24,
        );
        for (i, part) in [
            ENVELOPE_FORMAT,
            &self.id,
            self.kind.as_str(),
            &created,
            &self.device_id,
        ]
        .iter()
        .enumerate()
        {
            if i > 0 {
                out.push(0);
            }
            out.extend_from_slice(part.as_bytes());
        }
        out
    }
}

/// `info` for the key schedule: `"frontline-envelope/1" 0x00 kid`.
pub fn envelope_info(kid: &str) -> Vec<u8> {
    let mut info = ENVELOPE_FORMAT.as_bytes().to_vec();
    info.push(0);
    info.extend_from_slice(kid.as_bytes());
    info
}

/// The message the device signs: `"frontline-report/1" 0x00 header 0x00 report_bytes`.
pub fn signed_message(header: &[u8], report_bytes: &[u8]) -> Vec<u8> {
    let mut msg =
        Vec::with_capacity(REPORT_SIGNATURE_LABEL.len() + header.len() + report_bytes.len() + 2);
    msg.extend_from_slice(REPORT_SIGNATURE_LABEL.as_bytes());
    msg.push(0);
    msg.extend_from_slice(header);
    msg.push(0);
    msg.extend_from_slice(report_bytes);
    msg
}

/// The report object, the first thing made from a draft.
#[derive(Serialize)]
pub(crate) struct ReportObject<'a> {
    pub(crate) kind: &'a str,
    pub(crate) device_id: &'a str,
    pub(crate) created_at: String,
    pub(crate) body: &'a serde_json::Value,
}

/// The HPKE plaintext: the report bytes and the device signature, both base64url.
#[derive(Serialize, Deserialize)]
pub struct SignedReport {
    /// base64url of the report JSON bytes.
    pub report: String,
    /// base64url of the Ed25519 signature (64 bytes).
    pub signature: String,
}

/// Builds the signed plaintext for `body` under `header` (steps 1–4 of the format).
pub fn sign_report(
    header: &EnvelopeHeader,
    body: &serde_json::Value,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Result<Vec<u8>> {
    let report_bytes = serde_json::to_vec(&ReportObject {
        kind: header.kind.as_str(),
        device_id: &header.device_id,
        created_at: rfc3339(header.created_at),
        body,
    })?;
    let signature = sign(&signed_message(&header.bytes(), &report_bytes));
    Ok(serde_json::to_vec(&SignedReport {
        report: b64url(&report_bytes),
        signature: b64url(&signature),
    })?)
}

/// Seals a signed plaintext to the organisation (step 5) and returns the envelope JSON bytes.
pub fn seal_envelope(
    header: &EnvelopeHeader,
    key: &OrgReportKey,
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    let sealed = hpke::seal(
        &key.public_key,
        &envelope_info(&key.kid),
        &header.bytes(),
        plaintext,
    )?;
    let envelope = Envelope {
        id: header.id.clone(),
        kind: header.kind.as_str().to_owned(),
        created_at: rfc3339(header.created_at),
        device_id: header.device_id.clone(),
        kid: key.kid.clone(),
        enc: b64url(&sealed.enc),
        ct: b64url(&sealed.ct),
    };
    Ok(serde_json::to_vec(&envelope)?)
}

/// Opening envelopes with the independent `hpke` crate, for tests only (the collector has its
/// own opener).
#[cfg(test)]
pub(crate) mod test_open {
    use super::*;
    use ::hpke::aead::AesGcm256;
    use ::hpke::kdf::HkdfSha256;
    use ::hpke::kem::X25519HkdfSha256;
    use ::hpke::{Deserializable, Kem as _, Serializable};

    /// An organisation key pair for tests.
    pub(crate) struct OrgKeyPair {
        pub(crate) private: <X25519HkdfSha256 as ::hpke::Kem>::PrivateKey,
        pub(crate) public_b64: String,
    }

    pub(crate) fn org_key_pair() -> OrgKeyPair {
        let ikm = crate::crypto::random_bytes(32).unwrap();
        let (private, public) = X25519HkdfSha256::derive_keypair(&ikm);
        OrgKeyPair {
            private,
            public_b64: b64url(&public.to_bytes()),
        }
    }

    pub(crate) fn private_from_bytes(raw: &[u8]) -> <X25519HkdfSha256 as ::hpke::Kem>::PrivateKey {
        <X25519HkdfSha256 as ::hpke::Kem>::PrivateKey::from_bytes(raw).unwrap()
    }

    /// Opens `envelope_json`, checks the device signature with `device_pk` and returns the
    /// report object; `None` if anything fails.
    pub(crate) fn open(
        private: &<X25519HkdfSha256 as ::hpke::Kem>::PrivateKey,
        envelope_json: &[u8],
        device_pk: &[u8],
    ) -> Option<serde_json::Value> {
        let env: Envelope = serde_json::from_slice(envelope_json).ok()?;
        let kind = match env.kind.as_str() {
            "posture_report" => ReportKind::PostureReport,
            "training_statement" => ReportKind::TrainingStatement,
            "advisory_ack" => ReportKind::AdvisoryAck,
            "assessment" => ReportKind::Assessment,
            "incident" => ReportKind::Incident,
            _ => return None,
        };
        let header = EnvelopeHeader {
            id: env.id.clone(),
            kind,
            created_at: crate::clock::parse_rfc3339(&env.created_at)?,
            device_id: env.device_id.clone(),
        };
        if rfc3339(header.created_at) != env.created_at {
            return None;
        }
        let enc = <X25519HkdfSha256 as ::hpke::Kem>::EncappedKey::from_bytes(
            &from_b64url(&env.enc).ok()?,
        )
        .ok()?;
        let plain = ::hpke::single_shot_open::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
            &::hpke::OpModeR::Base,
            private,
            &enc,
            &envelope_info(&env.kid),
            &from_b64url(&env.ct).ok()?,
            &header.bytes(),
        )
        .ok()?;
        let signed: SignedReport = serde_json::from_slice(&plain).ok()?;
        let report_bytes = from_b64url(&signed.report).ok()?;
        let signature = from_b64url(&signed.signature).ok()?;
        let msg = signed_message(&header.bytes(), &report_bytes);
        if !crate::crypto::ed25519_verify(device_pk, &msg, &signature) {
            return None;
        }
        let report: serde_json::Value = serde_json::from_slice(&report_bytes).ok()?;
        if report["kind"] != env.kind
            || report["device_id"] != env.device_id
            || report["created_at"] != env.created_at
        {
            return None;
        }
        Some(report)
    }

    pub(crate) fn public_bytes(kp: &OrgKeyPair) -> Vec<u8> {
        from_b64url(&kp.public_b64).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::test_open::*;
    use super::*;
    use crate::crypto::SigningKey;

    fn header() -> EnvelopeHeader {
        EnvelopeHeader {
            id: String::from("0b6f5f8e-2a55-4c1e-9a43-6d8d9f5e7c11"),
            kind: ReportKind::TrainingStatement,
            created_at: 1_795_885_384_123,
            device_id: String::from("5d1c3c4e-8f7a-4b55-a1d2-3e4f5a6b7c8d"),
        }
    }

    #[test]
    fn header_info_and_message_layouts() {
        let h = header();
        assert_eq!(
            h.bytes(),
            b"frontline-envelope/1\x000b6f5f8e-2a55-4c1e-9a43-6d8d9f5e7c11\x00training_statement\x002026-11-28T17:03:04.123Z\x005d1c3c4e-8f7a-4b55-a1d2-3e4f5a6b7c8d"
        );
        assert_eq!(envelope_info("AbCd"), b"frontline-envelope/1\x00AbCd");
        assert_eq!(signed_message(b"H", b"R"), b"frontline-report/1\x00H\x00R");
    }

    #[test]
    fn org_key_parses_from_b64url_and_public_jwk_only() {
        let kp = org_key_pair();
        let raw = public_bytes(&kp);
        let a = OrgReportKey::parse(&kp.public_b64).unwrap();
        assert_eq!(a.public_key.to_vec(), raw);
        assert_eq!(a.kid, key_id(&raw));
        let jwk = format!(r#"{{"kty":"OKP","crv":"X25519","x":"{}"}}"#, kp.public_b64);
        assert_eq!(OrgReportKey::parse(&jwk).unwrap(), a);
        let jwk_kid = format!(
            r#"{{"kty":"OKP","crv":"X25519","x":"{}","kid":"{}"}}"#,
            kp.public_b64, a.kid
        );
        assert_eq!(OrgReportKey::parse(&jwk_kid).unwrap(), a);
        for bad in [
            String::from("not base64!"),
            b64url(&[1u8; 31]),
            b64url(&[0u8; 32]),
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#, kp.public_b64),
            format!(
                r#"{{"kty":"OKP","crv":"X25519","x":"{}","d":"AAAA"}}"#,
                kp.public_b64
            ),
            format!(
                r#"{{"kty":"OKP","crv":"X25519","x":"{}","kid":"nope"}}"#,
                kp.public_b64
            ),
            String::from("{"),
        ] {
            assert!(
                matches!(OrgReportKey::parse(&bad), Err(Error::InvalidInput(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn envelope_opens_with_hpke_crate_and_signature_verifies() {
        let kp = org_key_pair();
        let key = OrgReportKey::parse(&kp.public_b64).unwrap();
        let device = SigningKey::generate().unwrap();
        let body = serde_json::json!({"verb": "completed", "n": 3});
        let plain = sign_report(&header(), &body, |m| device.sign(m)).unwrap();
        let env = seal_envelope(&header(), &key, &plain).unwrap();
        let report = open(&kp.private, &env, &device.public_key()).unwrap();
        assert_eq!(report["body"], body);
        assert_eq!(report["kind"], "training_statement");
        // Another device's key does not verify.
        let other = SigningKey::generate().unwrap();
        assert!(open(&kp.private, &env, &other.public_key()).is_none());
        // Changing any header field breaks the aad binding.
        let mut e: Envelope = serde_json::from_slice(&env).unwrap();
        e.kind = String::from("posture_report");
        assert!(open(
            &kp.private,
            &serde_json::to_vec(&e).unwrap(),
            &device.public_key()
        )
        .is_none());
        let mut e: Envelope = serde_json::from_slice(&env).unwrap();
        e.created_at = rfc3339(header().created_at + 1);
        assert!(open(
            &kp.private,
            &serde_json::to_vec(&e).unwrap(),
            &device.public_key()
        )
        .is_none());
        let mut e: Envelope = serde_json::from_slice(&env).unwrap();
        e.kid = String::from("AAAAAAAAAAA");
        assert!(open(
            &kp.private,
            &serde_json::to_vec(&e).unwrap(),
            &device.public_key()
        )
        .is_none());
    }

    #[test]
    fn frozen_sample_envelope_still_opens_with_the_hpke_crate() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/envelopes/sample.json"
        );
        let sample: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let private = private_from_bytes(
            &from_b64url(sample["org_private_jwk"]["d"].as_str().unwrap()).unwrap(),
        );
        let device_pk = from_b64url(sample["device_public_key"].as_str().unwrap()).unwrap();
        let env_bytes = serde_json::to_vec(&sample["envelope"]).unwrap();
        let report = open(&private, &env_bytes, &device_pk).unwrap();
        assert_eq!(report, sample["expected_report"]);
        // The key id is the organisation key's.
        let x = from_b64url(sample["org_private_jwk"]["x"].as_str().unwrap()).unwrap();
        assert_eq!(sample["envelope"]["kid"], key_id(&x).as_str());
        // Any flipped byte of enc or ct fails.
        let env: Envelope = serde_json::from_value(sample["envelope"].clone()).unwrap();
        for field in ["enc", "ct"] {
            let raw = from_b64url(if field == "enc" { &env.enc } else { &env.ct }).unwrap();
            for i in 0..raw.len() {
                let mut bad = raw.clone();
                bad[i] ^= 0x01;
                let mut e = env.clone();
                if field == "enc" {
                    e.enc = b64url(&bad);
                } else {
                    e.ct = b64url(&bad);
                }
                let bytes = serde_json::to_vec(&e).unwrap();
                assert!(open(&private, &bytes, &device_pk).is_none(), "{field} {i}");
            }
        }
    }
}
