//! Opening one envelope: the wire contract (`docs/wire-formats.md`) read from the receiving end.
//!
//! An envelope is checked in this order, and the first failure names the rejection:
//! well-formed (`malformed`), sent by the device that posts it (`device_mismatch`), sealed to
//! this collector's key (`wrong_key`), opens under HPKE with the header as AAD (`open_failed`),
//! signed by the enrolled device key (`bad_signature`), and its report agrees with its header
//! (`malformed` / `device_mismatch`). Only then is it handed to the store.
//!
//! The HPKE receiver is the `hpke` crate, deliberately independent of the device's ring-based
//! sender, so a mistake in one is caught by the other. Nothing here logs envelope contents.

use frontline_core::crypto::{ed25519_verify, from_b64url};
use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::{Deserializable, Kem, OpModeR};
use serde::Deserialize;

use crate::keys::{EnvelopeKem, OrgReportKey};

/// Format label that starts the envelope header and the HPKE `info`.
pub const ENVELOPE_FORMAT: &str = "frontline-envelope/1";
/// Label that starts the signed message.
pub const SIGNATURE_FORMAT: &str = "frontline-report/1";

/// Longest envelope id, device id, kind or key id accepted.
const MAX_FIELD_LEN: usize = 128;

/// Why an envelope was rejected (the wire `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Not sealed to this collector's key.
    WrongKey,
    /// The HPKE open failed (tampered, or sealed with another header or info).
    OpenFailed,
    /// The device signature does not verify against the enrolled key.
    BadSignature,
    /// The envelope names another device than the one posting it.
    DeviceMismatch,
    /// Not an envelope, or its report is not what its header says.
    Malformed,
}

impl Rejection {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WrongKey => "wrong_key",
            Self::OpenFailed => "open_failed",
            Self::BadSignature => "bad_signature",
            Self::DeviceMismatch => "device_mismatch",
            Self::Malformed => "malformed",
        }
    }
}

/// The envelope JSON as it arrives.
#[derive(Debug, Deserialize)]
pub struct WireEnvelope {
    /// Envelope UUID.
    pub id: String,
    /// Report kind wire name.
    pub kind: String,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// Sending device.
    pub device_id: String,
    /// Key id of the organisation key it is sealed to.
    pub kid: String,
    /// HPKE encapsulated key (base64url, 32 bytes).
    pub enc: String,
    /// HPKE ciphertext (base64url).
    pub ct: String,
}

#[derive(Deserialize)]
struct SignedReport {
    report: String,
    signature: String,
}

/// An opened, verified envelope, ready to store.
#[derive(Debug, Clone)]
pub struct OpenedReport {
    /// Envelope UUID.
    pub id: String,
    /// Report kind wire name.
    pub kind: String,
    /// RFC 3339 creation time, as the device wrote it.
    pub created_at: String,
    /// Sending device.
    pub device_id: String,
    /// The report JSON text, exactly as signed.
    pub report_json: String,
    /// The parsed report.
    pub report: serde_json::Value,
}

/// The header bytes: `"frontline-envelope/1" 0 id 0 kind 0 created_at 0 device_id`.
pub fn header(id: &str, kind: &str, created_at: &str, device_id: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        ENVELOPE_FORMAT.len() + 4 + id.len() + kind.len() + created_at.len() + device_id.len(),
    );
    for (i, part) in [ENVELOPE_FORMAT, id, kind, created_at, device_id]
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

/// The HPKE `info`: `"frontline-envelope/1" 0 kid`.
pub fn info(kid: &str) -> Vec<u8> {
    let mut out = ENVELOPE_FORMAT.as_bytes().to_vec();
    out.push(0);
    out.extend_from_slice(kid.as_bytes());
    out
}

/// The signed message: `"frontline-report/1" 0 header 0 report_bytes`.
pub fn signed_message(header: &[u8], report: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(SIGNATURE_FORMAT.len() + 2 + header.len() + report.len());
    out.extend_from_slice(SIGNATURE_FORMAT.as_bytes());
    out.push(0);
    out.extend_from_slice(header);
    out.push(0);
    out.extend_from_slice(report);
    out
}

fn field_ok(text: &str) -> bool {
    !text.is_empty() && text.len() <= MAX_FIELD_LEN && !text.contains('\0')
}

/// The envelope id of a JSON item, if it has a usable one (to name it in the reply).
pub fn item_id(item: &serde_json::Value) -> String {
    item.get("id")
        .and_then(|v| v.as_str())
        .filter(|s| field_ok(s))
        .map(str::to_owned)
        .unwrap_or_default()
}

/// Opens and verifies one envelope posted by `device_id` whose enrolled Ed25519 key is
/// `device_key`.
pub fn open(
    item: &serde_json::Value,
    device_id: &str,
    device_key: &[u8],
    org_key: &OrgReportKey,
) -> Result<OpenedReport, Rejection> {
    let env: WireEnvelope =
        serde_json::from_value(item.clone()).map_err(|_| Rejection::Malformed)?;
    if ![
        &env.id,
        &env.kind,
        &env.created_at,
        &env.device_id,
        &env.kid,
    ]
    .iter()
    .all(|f| field_ok(f))
    {
        return Err(Rejection::Malformed);
    }
    if env.device_id != device_id {
        return Err(Rejection::DeviceMismatch);
    }
    if env.kid != org_key.kid() {
        return Err(Rejection::WrongKey);
    }
    let enc = from_b64url(&env.enc).map_err(|_| Rejection::Malformed)?;
    let ct = from_b64url(&env.ct).map_err(|_| Rejection::Malformed)?;
    let encapped =
        <EnvelopeKem as Kem>::EncappedKey::from_bytes(&enc).map_err(|_| Rejection::Malformed)?;
    let header = header(&env.id, &env.kind, &env.created_at, &env.device_id);
    let plaintext = hpke::single_shot_open::<AesGcm256, HkdfSha256, EnvelopeKem>(
        &OpModeR::Base,
        org_key.private(),
        &encapped,
        &info(&env.kid),
        &ct,
        &header,
    )
    .map_err(|_| Rejection::OpenFailed)?;
    let signed: SignedReport =
        serde_json::from_slice(&plaintext).map_err(|_| Rejection::Malformed)?;
    let report_bytes = from_b64url(&signed.report).map_err(|_| Rejection::Malformed)?;
    let signature = from_b64url(&signed.signature).map_err(|_| Rejection::Malformed)?;
    if !ed25519_verify(
        device_key,
        &signed_message(&header, &report_bytes),
        &signature,
    ) {
        return Err(Rejection::BadSignature);
    }
    let report_json = String::from_utf8(report_bytes).map_err(|_| Rejection::Malformed)?;
    let report: serde_json::Value =
        serde_json::from_str(&report_json).map_err(|_| Rejection::Malformed)?;
    let text = |name: &str| report.get(name).and_then(|v| v.as_str());
    if text("device_id") != Some(env.device_id.as_str()) {
        return Err(Rejection::DeviceMismatch);
    }
    if text("kind") != Some(env.kind.as_str()) || text("created_at") != Some(&env.created_at) {
        return Err(Rejection::Malformed);
    }
    Ok(OpenedReport {
        id: env.id,
        kind: env.kind,
        created_at: env.created_at,
        device_id: env.device_id,
        report_json,
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::EnvelopeSealer;
    use frontline_core::crypto::SigningKey;
    use serde_json::json;

    fn setup() -> (OrgReportKey, SigningKey, EnvelopeSealer) {
        let org = OrgReportKey::generate().unwrap();
        let device = SigningKey::generate().unwrap();
        let sealer = EnvelopeSealer::new("dev-1", device.seed(), org.public_key()).unwrap();
        (org, device, sealer)
    }

    #[test]
    fn a_sealed_envelope_opens_and_verifies() {
        let (org, device, sealer) = setup();
        let env = sealer.seal("posture_report", &json!({"overall": "compliant"}));
        let opened = open(&env, "dev-1", &device.public_key(), &org).unwrap();
        assert_eq!(opened.kind, "posture_report");
        assert_eq!(opened.report["body"]["overall"], "compliant");
        assert_eq!(opened.id, env["id"].as_str().unwrap());
    }

    #[test]
    fn each_failure_has_its_reason() {
        let (org, device, sealer) = setup();
        let env = sealer.seal("posture_report", &json!({}));
        let pk = device.public_key();
        let other_org = OrgReportKey::generate().unwrap();
        assert_eq!(
            open(&env, "dev-2", &pk, &org).unwrap_err(),
            Rejection::DeviceMismatch
        );
        assert_eq!(
            open(&env, "dev-1", &pk, &other_org).unwrap_err(),
            Rejection::WrongKey
        );
        let other_device = SigningKey::generate().unwrap();
        assert_eq!(
            open(&env, "dev-1", &other_device.public_key(), &org).unwrap_err(),
            Rejection::BadSignature
        );
        let mut changed = env.clone();
        changed["created_at"] = json!("2020-01-01T00:00:00.000Z");
        assert_eq!(
            open(&changed, "dev-1", &pk, &org).unwrap_err(),
            Rejection::OpenFailed
        );
        let mut relabelled = env.clone();
        relabelled["kid"] = json!(other_org.kid());
        assert_eq!(
            open(&relabelled, "dev-1", &pk, &other_org).unwrap_err(),
            Rejection::OpenFailed
        );
        for bad in [json!(null), json!("x"), json!({"id": "a"}), json!([1, 2])] {
            assert_eq!(
                open(&bad, "dev-1", &pk, &org).unwrap_err(),
                Rejection::Malformed
            );
        }
        let mut bad_ct = env.clone();
        bad_ct["ct"] = json!("!!!");
        assert_eq!(
            open(&bad_ct, "dev-1", &pk, &org).unwrap_err(),
            Rejection::Malformed
        );
    }

    #[test]
    fn a_report_that_disagrees_with_its_header_is_malformed() {
        let (org, device, sealer) = setup();
        let env = sealer.seal_raw("posture_report", |report| {
            report["kind"] = json!("training_statement");
        });
        assert_eq!(
            open(&env, "dev-1", &device.public_key(), &org).unwrap_err(),
            Rejection::Malformed
        );
        let env = sealer.seal_raw("posture_report", |report| {
            report["device_id"] = json!("dev-9");
        });
        assert_eq!(
            open(&env, "dev-1", &device.public_key(), &org).unwrap_err(),
            Rejection::DeviceMismatch
        );
    }
}
