//! Signed bundles: the one way content, policy and advisories reach a device.
//!
//! The organisation publishes training content packs, posture policies and advisory feeds as
//! **bundles**: a manifest (kind, monotonic version, issued/expiry time, payload digest and
//! size, publisher key id), the payload, and an Ed25519 signature by the organisation's
//! publisher key over the manifest. The file format is written down in `docs/bundles.md`.
//!
//! Verification ([`verify_bundle`]) is pure, so the CLI's `bundle verify` runs exactly the code
//! the device runs. The signature is checked before the manifest is trusted or the payload is
//! touched; a bundle over [`MAX_BUNDLE_BYTES`] is refused before it is decoded. Installing
//! (`Companion::install_bundle`) then has the owning module check the payload through its
//! [`BundlePayload`] implementation and writes the bundle in one transaction: a refused
//! bundle leaves the installed one exactly as it was, and still in use.
//!
//! Expiry is checked at install only: a bundle that expires after it was installed stays in
//! use, so staff who are offline for weeks keep their training and policy (see
//! `docs/bundles.md`). This module never logs payloads or key material.

use serde::{Deserialize, Serialize};

use crate::clock::{parse_rfc3339, rfc3339, UnixMillis};
use crate::crypto::{self, SigningKey};
use crate::error::Result;

pub use crate::error::{BundleKind, BundleRefusal};

/// The format tag of a bundle file, also the signature's domain-separation prefix.
pub const BUNDLE_FORMAT: &str = "frontline-bundle/1";

/// The largest bundle file accepted (4 MiB); larger files are refused before decoding.
pub const MAX_BUNDLE_BYTES: usize = 4 * 1024 * 1024;

/// A bundle installed (or just verified), as the apps show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BundleInfo {
    /// What it carries.
    pub kind: BundleKind,
    /// Its publisher-assigned version (monotonic per kind).
    pub version: u64,
    /// When the publisher issued it.
    pub issued_at_ms: UnixMillis,
    /// When it stops being installable, if ever.
    pub expires_at_ms: Option<UnixMillis>,
    /// The publisher key id (`crypto::key_id` of the public key).
    pub key_id: String,
}

/// A bundle whose signature, manifest, digest, kind, expiry and version checked out.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    /// Its manifest, as installed.
    pub info: BundleInfo,
    /// The payload bytes.
    pub payload: Vec<u8>,
    /// SHA-256 of the payload.
    pub digest: [u8; 32],
}

/// The outer file (`docs/bundles.md`).
#[derive(Debug, Serialize, Deserialize)]
struct BundleFile {
    format: String,
    manifest: String,
    signature: String,
    payload: String,
}

/// The signed manifest.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    kind: String,
    version: u64,
    issued_at: String,
    expires_at: Option<String>,
    payload_sha256: String,
    payload_size: u64,
    key_id: String,
}

/// Only the key id of an unverified manifest, read after a failed signature check to tell
/// [`BundleRefusal::UnknownKey`] from [`BundleRefusal::BadSignature`]. Nothing else of an
/// unverified manifest is ever read.
#[derive(Debug, Deserialize)]
struct KeyHint {
    key_id: Option<String>,
}

fn signed_message(manifest: &[u8]) -> Vec<u8> {
    let mut msg = Vec::with_capacity(BUNDLE_FORMAT.len() + 1 + manifest.len());
    msg.extend_from_slice(BUNDLE_FORMAT.as_bytes());
    msg.push(0);
    msg.extend_from_slice(manifest);
    msg
}

/// Signs `payload` as a bundle of `kind` and returns the bundle file (JSON bytes).
pub fn sign_bundle(
    kind: BundleKind,
    version: u64,
    issued_at_ms: UnixMillis,
    expires_at_ms: Option<UnixMillis>,
    payload: &[u8],
    key: &SigningKey,
) -> Vec<u8> {
    let manifest = Manifest {
        kind: kind.as_str().to_owned(),
        version,
        issued_at: rfc3339(issued_at_ms),
        expires_at: expires_at_ms.map(rfc3339),
        payload_sha256: crypto::b64url(&crypto::sha256(payload)),
        payload_size: payload.len() as u64,
        key_id: crypto::key_id(&key.public_key()),
    };
    // Serialising a struct of strings and integers cannot fail; fall back to empty defensively.
    let manifest_bytes = serde_json::to_vec(&manifest).unwrap_or_default();
    let signature = key.sign(&signed_message(&manifest_bytes));
    let file = BundleFile {
        format: BUNDLE_FORMAT.to_owned(),
        manifest: crypto::b64url(&manifest_bytes),
        signature: crypto::b64url(&signature),
        payload: crypto::b64url(payload),
    };
    serde_json::to_vec_pretty(&file).unwrap_or_default()
}

/// Verifies a bundle file against the organisation's publisher key (`trusted_key`, the raw
/// 32-byte Ed25519 public key) at `now_ms`.
///
/// Order: size, outer structure, signature (before anything in the manifest is trusted),
/// manifest, kind, payload size and digest, expiry, version. `installed_version` is the
/// version of the same kind installed now; an offered version not above it is refused.
pub fn verify_bundle(
    bytes: &[u8],
    expected_kind: Option<BundleKind>,
    trusted_key: &[u8],
    now_ms: UnixMillis,
    installed_version: Option<u64>,
) -> Result<VerifiedBundle, BundleRefusal> {
    if bytes.len() > MAX_BUNDLE_BYTES {
        return Err(BundleRefusal::TooLarge);
    }
    let file: BundleFile = serde_json::from_slice(bytes).map_err(|_| BundleRefusal::Malformed)?;
    if file.format != BUNDLE_FORMAT {
        return Err(BundleRefusal::Malformed);
    }
    let manifest_bytes =
        crypto::from_b64url(&file.manifest).map_err(|_| BundleRefusal::Malformed)?;
    let signature = crypto::from_b64url(&file.signature).map_err(|_| BundleRefusal::Malformed)?;
    if trusted_key.len() != 32 {
        return Err(BundleRefusal::UnknownKey);
    }
    let trusted_id = crypto::key_id(trusted_key);
    if !crypto::ed25519_verify(trusted_key, &signed_message(&manifest_bytes), &signature) {
        // Diagnosis only: both outcomes refuse, and nothing else of the manifest is used.
        let hint: Option<KeyHint> = serde_json::from_slice(&manifest_bytes).ok();
        return Err(match hint.and_then(|h| h.key_id) {
            Some(id) if id != trusted_id => BundleRefusal::UnknownKey,
            _ => BundleRefusal::BadSignature,
        });
    }
    // From here on the manifest is the publisher's.
    let manifest: Manifest =
        serde_json::from_slice(&manifest_bytes).map_err(|_| BundleRefusal::Malformed)?;
    if manifest.key_id != trusted_id {
        return Err(BundleRefusal::Malformed);
    }
    let kind = BundleKind::parse(&manifest.kind).ok_or(BundleRefusal::Malformed)?;
    if let Some(expected) = expected_kind {
        if expected != kind {
            return Err(BundleRefusal::WrongKind {
                expected,
                found: kind,
            });
        }
    }
    let issued_at_ms = parse_rfc3339(&manifest.issued_at).ok_or(BundleRefusal::Malformed)?;
    let expires_at_ms = match &manifest.expires_at {
        Some(text) => Some(parse_rfc3339(text).ok_or(BundleRefusal::Malformed)?),
        None => None,
    };
    let want_digest =
        crypto::from_b64url(&manifest.payload_sha256).map_err(|_| BundleRefusal::Malformed)?;
    if want_digest.len() != 32 || manifest.payload_size > MAX_BUNDLE_BYTES as u64 {
        return Err(BundleRefusal::Malformed);
    }
    let payload = crypto::from_b64url(&file.payload).map_err(|_| BundleRefusal::Malformed)?;
    if payload.len() as u64 != manifest.payload_size {
        return Err(BundleRefusal::DigestMismatch);
    }
    let digest = crypto::sha256(&payload);
    // The digest is public (it is in the manifest): a plain comparison is fine.
    if digest[..] != want_digest[..] {
        return Err(BundleRefusal::DigestMismatch);
    }
    if let Some(expires) = expires_at_ms {
        if expires <= now_ms {
            return Err(BundleRefusal::Expired);
        }
    }
    if let Some(installed) = installed_version {
        if manifest.version <= installed {
            return Err(BundleRefusal::NotNewer {
                installed,
                offered: manifest.version,
            });
        }
    }
    Ok(VerifiedBundle {
        info: BundleInfo {
            kind,
            version: manifest.version,
            issued_at_ms,
            expires_at_ms,
            key_id: manifest.key_id,
        },
        payload,
        digest,
    })
}

/// What a bundle can carry. The module that owns each payload kind implements it (the content
/// pack, the posture policy, the advisory feed), so this module names no payload; the
/// `Companion` picks the implementation for a kind read from a manifest.
pub trait BundlePayload: Sized {
    /// The kind of bundle that carries this payload.
    const KIND: BundleKind;

    /// Parses and checks a payload completely, as the owning module will read it once
    /// installed. Any problem refuses the bundle.
    fn from_payload(payload: &[u8]) -> Result<Self, BundleRefusal>;
}

/// Has the payload type `P` check a verified payload before it is installed.
pub fn check_payload_as<P: BundlePayload>(payload: &[u8]) -> Result<(), BundleRefusal> {
    P::from_payload(payload).map(|_| ())
}

/// Parses the configured publisher key: base64url of the raw 32-byte Ed25519 public key, or
/// an Ed25519 OKP JWK (`crypto::jwk`). Anything else is no key.
pub fn parse_publisher_key(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if text.starts_with('{') {
        let jwk = crypto::jwk::OkpJwk::parse_expecting(text, crypto::jwk::OkpCurve::Ed25519, false)
            .ok()?;
        return Some(jwk.x.clone());
    }
    let raw = crypto::from_b64url(text).ok()?;
    (raw.len() == 32).then_some(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::Companion;

    const NOW: UnixMillis = 1_795_885_384_000;

    fn key() -> SigningKey {
        SigningKey::from_seed(&[7u8; 32]).unwrap()
    }

    fn policy() -> Vec<u8> {
        crate::posture::policy::DEFAULT_POLICY.to_vec()
    }

    /// The default policy relabelled `label`: another valid policy payload.
    fn policy_labelled(label: &str) -> Vec<u8> {
        let mut v: serde_json::Value = serde_json::from_slice(&policy()).unwrap();
        v["version"] = label.into();
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn signed_bundle_verifies() {
        let k = key();
        let b = sign_bundle(
            BundleKind::Policy,
            3,
            NOW - 1000,
            Some(NOW + 1000),
            &policy(),
            &k,
        );
        let v = verify_bundle(&b, Some(BundleKind::Policy), &k.public_key(), NOW, Some(2)).unwrap();
        assert_eq!(v.info.version, 3);
        assert_eq!(v.info.kind, BundleKind::Policy);
        assert_eq!(v.info.issued_at_ms, NOW - 1000);
        assert_eq!(v.info.expires_at_ms, Some(NOW + 1000));
        assert_eq!(v.info.key_id, crypto::key_id(&k.public_key()));
        assert_eq!(v.payload, policy());
    }

    #[test]
    fn each_check_refuses() {
        let k = key();
        let pk = k.public_key();
        let b = sign_bundle(BundleKind::Policy, 3, NOW, Some(NOW + 10), &policy(), &k);
        assert_eq!(
            verify_bundle(&b, Some(BundleKind::Content), &pk, NOW, None).unwrap_err(),
            BundleRefusal::WrongKind {
                expected: BundleKind::Content,
                found: BundleKind::Policy
            }
        );
        assert_eq!(
            verify_bundle(&b, None, &pk, NOW + 10, None).unwrap_err(),
            BundleRefusal::Expired
        );
        assert_eq!(
            verify_bundle(&b, None, &pk, NOW, Some(3)).unwrap_err(),
            BundleRefusal::NotNewer {
                installed: 3,
                offered: 3
            }
        );
        let other = SigningKey::from_seed(&[8u8; 32]).unwrap();
        assert_eq!(
            verify_bundle(&b, None, &other.public_key(), NOW, None).unwrap_err(),
            BundleRefusal::UnknownKey
        );
        assert_eq!(
            verify_bundle(b"{", None, &pk, NOW, None).unwrap_err(),
            BundleRefusal::Malformed
        );
        let big = vec![b' '; MAX_BUNDLE_BYTES + 1];
        assert_eq!(
            verify_bundle(&big, None, &pk, NOW, None).unwrap_err(),
            BundleRefusal::TooLarge
        );
    }

    #[test]
    fn tampering_is_caught() {
        let k = key();
        let pk = k.public_key();
        let b = sign_bundle(BundleKind::Policy, 3, NOW, None, &policy(), &k);
        let mut file: serde_json::Value = serde_json::from_slice(&b).unwrap();
        // Another payload under the same signed manifest.
        let mut swapped = file.clone();
        swapped["payload"] = serde_json::Value::String(crypto::b64url(br#"{"checks":[1]}"#));
        let swapped = serde_json::to_vec(&swapped).unwrap();
        assert_eq!(
            verify_bundle(&swapped, None, &pk, NOW, None).unwrap_err(),
            BundleRefusal::DigestMismatch
        );
        // A changed manifest (version bumped) under the old signature.
        let manifest = crypto::from_b64url(file["manifest"].as_str().unwrap()).unwrap();
        let text = String::from_utf8(manifest)
            .unwrap()
            .replace("\"version\":3", "\"version\":4");
        file["manifest"] = serde_json::Value::String(crypto::b64url(text.as_bytes()));
        let bumped = serde_json::to_vec(&file).unwrap();
        assert_eq!(
            verify_bundle(&bumped, None, &pk, NOW, None).unwrap_err(),
            BundleRefusal::BadSignature
        );
    }

    fn companion(publisher: Option<&SigningKey>) -> (tempfile::TempDir, Companion) {
        let dir = tempfile::tempdir().unwrap();
        let mut config =
            crate::CompanionConfig::new("example-trust", "staff-1", crate::StaffRole::AllStaff);
        config.publisher_key = publisher.map(|k| crypto::b64url(&k.public_key()));
        let c = Companion::open_with_clock(
            dir.path(),
            config,
            std::sync::Arc::new(crate::SoftwareKeyStore::ephemeral().unwrap()),
            std::sync::Arc::new(crate::ManualClock::new(NOW)),
        )
        .unwrap();
        (dir, c)
    }

    #[test]
    fn install_replaces_atomically_and_refusals_change_nothing() {
        let k = key();
        let (_d, c) = companion(Some(&k));
        assert!(c.installed_bundles().unwrap().is_empty());
        let v2 = sign_bundle(BundleKind::Policy, 2, NOW, None, &policy(), &k);
        let info = c.install_bundle(&v2).unwrap();
        assert_eq!(info.version, 2);
        let refused = |bytes: &[u8]| match c.install_bundle(bytes) {
            Err(Error::BundleRefused(r)) => r,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(
            refused(&v2),
            BundleRefusal::NotNewer {
                installed: 2,
                offered: 2
            }
        );
        let not_object = sign_bundle(BundleKind::Policy, 3, NOW, None, b"[1]", &k);
        assert_eq!(refused(&not_object), BundleRefusal::InvalidPayload);
        assert_eq!(c.installed_bundles().unwrap(), vec![info]);
        assert_eq!(
            c.installed_payload(BundleKind::Policy).unwrap(),
            Some(policy())
        );
        let v3 = sign_bundle(BundleKind::Policy, 3, NOW, None, &policy_labelled("v3"), &k);
        assert_eq!(c.install_bundle(&v3).unwrap().version, 3);
        assert_eq!(
            c.installed_payload(BundleKind::Policy).unwrap(),
            Some(policy_labelled("v3"))
        );
    }

    #[test]
    fn no_publisher_key_means_unknown_key() {
        let k = key();
        let (_d, c) = companion(None);
        let b = sign_bundle(BundleKind::Policy, 1, NOW, None, &policy(), &k);
        assert!(matches!(
            c.install_bundle(&b),
            Err(Error::BundleRefused(BundleRefusal::UnknownKey))
        ));
    }

    #[test]
    fn publisher_key_as_base64url_or_jwk() {
        let k = key();
        let pk = k.public_key();
        assert_eq!(parse_publisher_key(&crypto::b64url(&pk)), Some(pk.clone()));
        let jwk = crypto::jwk::OkpJwk::from_signing_key(&k)
            .unwrap()
            .to_public();
        assert_eq!(parse_publisher_key(&jwk.to_json()), Some(pk));
        assert_eq!(parse_publisher_key("AAAA"), None);
        assert_eq!(parse_publisher_key("{\"kty\":\"OKP\"}"), None);
    }

    #[test]
    fn kinds_round_trip() {
        for kind in BundleKind::ALL {
            assert_eq!(BundleKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(BundleKind::parse("firmware"), None);
    }
}
