//! Frozen signed and tampered bundles (`core/tests/fixtures/bundles/`): the wire format must
//! keep verifying exactly as when the files were made, and the tampered ones must keep being
//! refused with the same reason. The key in that folder is a TEST-ONLY publisher key.
//!
//! The files were written once with `FRONTLINE_WRITE_BUNDLE_FIXTURES=1 cargo test -p
//! frontline-core --test bundle_fixtures`; never rewrite them (devices hold such files).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::path::{Path, PathBuf};
use std::sync::Arc;

use frontline_core::bundle::{sign_bundle, verify_bundle, BundleKind, BundleRefusal};
use frontline_core::crypto::jwk::{OkpCurve, OkpJwk};
use frontline_core::crypto::{b64url, from_b64url};
use frontline_core::training::pack::Pack;
use frontline_core::training::{PackSource, DEFAULT_PACK_JSON};
use frontline_core::{Companion, CompanionConfig, Error, ManualClock, SoftwareKeyStore, StaffRole};

/// 2026-11-28T00:00:00Z: when the fixtures were signed.
const ISSUED: i64 = 1_795_824_000_000;
/// 2036-11-28T00:00:00Z: when the signed fixture stops being installable.
const EXPIRES: i64 = 2_111_443_200_000;
/// The TEST-ONLY publisher key's seed: bytes 0x5a repeated. Never used outside tests.
const TEST_ONLY_SEED: [u8; 32] = [0x5a; 32];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bundles")
}

fn small_pack() -> Vec<u8> {
    let mut pack = Pack::from_json(DEFAULT_PACK_JSON).unwrap();
    pack.id = String::from("fixture-pack");
    pack.version = 7;
    pack.modules
        .retain(|m| m.id == "passwords" || m.id == "backups-ransomware");
    serde_json::to_vec_pretty(&pack).unwrap()
}

fn make_fixtures(pack: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let key = OkpJwk::private(
        OkpCurve::Ed25519,
        &frontline_core::crypto::SigningKey::from_seed(&TEST_ONLY_SEED)
            .unwrap()
            .public_key(),
        &TEST_ONLY_SEED,
    )
    .unwrap();
    let signing = key.signing_key().unwrap();
    let good = sign_bundle(
        BundleKind::Content,
        1,
        ISSUED,
        Some(EXPIRES),
        pack,
        &signing,
    );
    let mut file: serde_json::Value = serde_json::from_slice(&good).unwrap();
    let mut payload_swapped = file.clone();
    let mut other = pack.to_vec();
    let at = other.iter().position(|b| *b == b'7').unwrap();
    other[at] = b'8'; // pack version 7 -> 8, same size
    payload_swapped["payload"] = b64url(&other).into();
    let manifest = from_b64url(file["manifest"].as_str().unwrap()).unwrap();
    let bumped = String::from_utf8(manifest)
        .unwrap()
        .replace("\"version\":1", "\"version\":2");
    file["manifest"] = b64url(bumped.as_bytes()).into();
    let pretty = |v: &serde_json::Value| serde_json::to_vec_pretty(v).unwrap();
    vec![
        (
            "TEST-ONLY-publisher.jwk",
            format!("{}\n", key.to_json()).into_bytes(),
        ),
        (
            "TEST-ONLY-publisher.pub.jwk",
            format!("{}\n", key.to_public().to_json()).into_bytes(),
        ),
        ("content-v1.bundle.json", good),
        (
            "content-v1-payload-swapped.bundle.json",
            pretty(&payload_swapped),
        ),
        ("content-v1-manifest-edited.bundle.json", pretty(&file)),
    ]
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn public_key() -> Vec<u8> {
    let text = String::from_utf8(read("TEST-ONLY-publisher.pub.jwk")).unwrap();
    OkpJwk::parse_expecting(&text, OkpCurve::Ed25519, false)
        .unwrap()
        .x
        .clone()
}

#[test]
fn fixtures_are_reproducible() {
    if std::env::var_os("FRONTLINE_WRITE_BUNDLE_FIXTURES").is_some() {
        std::fs::create_dir_all(dir()).unwrap();
        for (name, bytes) in make_fixtures(&small_pack()) {
            std::fs::write(dir().join(name), bytes).unwrap();
        }
    }
    // Ed25519 is deterministic: the same inputs give byte-identical files, so a change to the
    // signer's output format shows up here. The payload is the frozen one (later edits of the
    // default content do not touch these files).
    let frozen: serde_json::Value =
        serde_json::from_slice(&read("content-v1.bundle.json")).unwrap();
    let pack = from_b64url(frozen["payload"].as_str().unwrap()).unwrap();
    for (name, bytes) in make_fixtures(&pack) {
        assert!(read(name) == bytes, "{name} differs from a fresh signing");
    }
}

#[test]
fn the_signed_fixture_verifies_and_installs() {
    let key = public_key();
    let v = verify_bundle(
        &read("content-v1.bundle.json"),
        Some(BundleKind::Content),
        &key,
        ISSUED,
        None,
    )
    .unwrap();
    assert_eq!(v.info.version, 1);
    assert_eq!(v.info.expires_at_ms, Some(EXPIRES));
    assert_eq!(v.info.key_id, frontline_core::crypto::key_id(&key));

    let tmp = tempfile::tempdir().unwrap();
    let mut config = CompanionConfig::new("example-trust", "stf-fixture", StaffRole::Specialist);
    config.publisher_key = Some(String::from_utf8(read("TEST-ONLY-publisher.pub.jwk")).unwrap());
    let c = Companion::open_with_clock(
        tmp.path(),
        config,
        Arc::new(SoftwareKeyStore::ephemeral().unwrap()),
        Arc::new(ManualClock::new(ISSUED + 1)),
    )
    .unwrap();
    c.install_bundle(&read("content-v1.bundle.json")).unwrap();
    let pack = c.training_pack().unwrap();
    assert_eq!(
        (pack.id.as_str(), pack.version, pack.source),
        ("fixture-pack", 7, PackSource::Bundle)
    );
    assert_eq!(c.training_modules().unwrap().len(), 2);

    for (name, reason) in [
        (
            "content-v1-payload-swapped.bundle.json",
            BundleRefusal::DigestMismatch,
        ),
        (
            "content-v1-manifest-edited.bundle.json",
            BundleRefusal::BadSignature,
        ),
    ] {
        match c.install_bundle(&read(name)) {
            Err(Error::BundleRefused(r)) => assert_eq!(r, reason, "{name}"),
            other => panic!("{name}: expected {reason:?}, got {other:?}"),
        }
    }
    assert_eq!(c.training_pack().unwrap().version, 7);
}

#[test]
fn the_tampered_fixtures_are_refused() {
    let key = public_key();
    for (name, reason) in [
        (
            "content-v1-payload-swapped.bundle.json",
            BundleRefusal::DigestMismatch,
        ),
        (
            "content-v1-manifest-edited.bundle.json",
            BundleRefusal::BadSignature,
        ),
    ] {
        assert_eq!(
            verify_bundle(&read(name), None, &key, ISSUED, None).unwrap_err(),
            reason,
            "{name}"
        );
    }
    // Past its expiry the signed fixture is refused too.
    assert_eq!(
        verify_bundle(&read("content-v1.bundle.json"), None, &key, EXPIRES, None).unwrap_err(),
        BundleRefusal::Expired
    );
}
