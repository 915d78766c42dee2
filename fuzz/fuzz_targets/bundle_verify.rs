//! Bundle parse and verify: arbitrary bytes are refused with a typed reason, never a panic;
//! a correctly signed bundle whose payload is arbitrary bytes goes through the payload checks
//! (content pack, policy, advisory feed parsers) without a panic either.
#![no_main]

use std::sync::OnceLock;

use frontline_core::bundle::{sign_bundle, verify_bundle, BundleKind};
use frontline_core::crypto::SigningKey;
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_790_000_000_000;

fn key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::from_seed(&[9; 32]).unwrap_or_else(|_| std::process::abort()))
}

fuzz_target!(|data: &[u8]| {
    let public = key().public_key();
    let kinds = [
        BundleKind::Content,
        BundleKind::Policy,
        BundleKind::Advisories,
    ];
    // Arbitrary bytes as a bundle file: never accepted (no valid signature), never a panic.
    assert!(verify_bundle(data, None, &public, NOW, None).is_err());
    for kind in kinds {
        let _ = verify_bundle(data, Some(kind), &public, NOW, Some(1));
    }
    // A validly signed bundle carrying arbitrary payload bytes: the payload parsers decide.
    let kind = kinds[data.first().map_or(0, |b| usize::from(*b) % 3)];
    let file = sign_bundle(kind, 7, NOW - 1000, Some(NOW + 1000), data, key());
    match verify_bundle(&file, Some(kind), &public, NOW, Some(6)) {
        Ok(v) => assert_eq!(v.payload, data),
        Err(_) => {}
    }
    // Same bundle, refused for rollback, expiry and the wrong key.
    assert!(verify_bundle(&file, Some(kind), &public, NOW, Some(7)).is_err());
    assert!(verify_bundle(&file, Some(kind), &public, NOW + 2000, None).is_err());
    assert!(verify_bundle(&file, Some(kind), &[1; 32], NOW, None).is_err());
});
