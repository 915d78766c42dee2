//! What training costs: verifying and loading a content bundle, and listing modules.
//!
//! * `verify_and_load_default_pack`: `verify_bundle` (outer JSON, base64url, Ed25519 over the
//!   manifest, SHA-256 of the payload, expiry, version) plus `Pack::from_json` (parse and every
//!   check) on the built-in pack signed here with a generated key, against the baseline of a
//!   bare SHA-256 and Ed25519 verify of the same pack bytes. Target: at most 3x the baseline.
//! * `list_modules_for_role`: `Companion::training_modules` for a specialist with progress on
//!   half the modules (read and unseal progress, compute status and due dates), with the
//!   built-in pack and with an installed content bundle. Target: under 1 ms.
//!
//! After criterion's figures, the pairs are timed again interleaved and the ratios of the
//! medians are printed. Run: `cargo bench -p frontline-core --bench training`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark setup

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{black_box, Criterion};
use frontline_core::bundle::{sign_bundle, verify_bundle, BundleKind};
use frontline_core::crypto::{b64url, ed25519_verify, sha256, SigningKey};
use frontline_core::training::pack::Pack;
use frontline_core::training::{QuizAnswer, DEFAULT_PACK_JSON};
use frontline_core::{Companion, CompanionConfig, ManualClock, SoftwareKeyStore, StaffRole};

const NOW: i64 = 1_795_885_384_000;

fn verify_and_load(bundle: &[u8], key: &[u8]) -> Pack {
    let v = verify_bundle(bundle, Some(BundleKind::Content), key, NOW, Some(1)).unwrap();
    Pack::from_json(&v.payload).unwrap()
}

fn baseline(payload: &[u8], signature: &[u8], key: &[u8]) -> bool {
    let digest = sha256(payload);
    black_box(digest);
    ed25519_verify(key, payload, signature)
}

fn companion(dir: &std::path::Path, publisher: &SigningKey, install: bool) -> Companion {
    let mut config = CompanionConfig::new("example-trust", "stf-bench", StaffRole::Specialist);
    config.publisher_key = Some(b64url(&publisher.public_key()));
    let c = Companion::open_with_clock(
        dir,
        config,
        Arc::new(SoftwareKeyStore::new(&[7u8; 32]).unwrap()),
        Arc::new(ManualClock::new(NOW)),
    )
    .unwrap();
    if install {
        let mut pack = Pack::from_json(DEFAULT_PACK_JSON).unwrap();
        pack.version += 1;
        let b = sign_bundle(
            BundleKind::Content,
            1,
            NOW,
            None,
            &serde_json::to_vec(&pack).unwrap(),
            publisher,
        );
        c.install_bundle(&b).unwrap();
    }
    let pack = Pack::from_json(DEFAULT_PACK_JSON).unwrap();
    let version = c.training_pack().unwrap().version;
    for m in pack.modules.iter().step_by(2) {
        c.lesson_viewed(&m.id).unwrap();
        let answers = m
            .quiz
            .questions
            .iter()
            .map(|q| QuizAnswer {
                question_id: q.id.clone(),
                option_ids: q.correct.clone(),
            })
            .collect();
        assert!(c.submit_quiz(&m.id, version, answers).unwrap().passed);
    }
    c
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let publisher = SigningKey::generate().unwrap();
    let key = publisher.public_key();
    let payload = DEFAULT_PACK_JSON.to_vec();
    let bundle = sign_bundle(BundleKind::Content, 2, NOW, None, &payload, &publisher);
    let signature = publisher.sign(&payload);
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let built_in = companion(dir_a.path(), &publisher, false);
    let installed = companion(dir_b.path(), &publisher, true);
    let modules = Pack::from_json(DEFAULT_PACK_JSON).unwrap().modules.len();
    assert_eq!(built_in.training_modules().unwrap().len(), modules);

    let mut c = Criterion::default().configure_from_args();
    {
        let mut group = c.benchmark_group("training");
        group.bench_function("verify_and_load_default_pack", |b| {
            b.iter(|| verify_and_load(black_box(&bundle), &key))
        });
        group.bench_function("baseline_sha256_and_ed25519_verify_same_bytes", |b| {
            b.iter(|| baseline(black_box(&payload), &signature, &key))
        });
        group.bench_function("list_modules_for_role_built_in_pack", |b| {
            b.iter(|| black_box(built_in.training_modules().unwrap()))
        });
        group.bench_function("list_modules_for_role_installed_bundle", |b| {
            b.iter(|| black_box(installed.training_modules().unwrap()))
        });
        group.finish();
    }
    c.final_summary();

    // `cargo test --benches` runs each benchmark once to see it works: no figures then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rounds = 300;
    let (mut ours, mut base, mut list_a, mut list_b) = (vec![], vec![], vec![], vec![]);
    for _ in 0..rounds {
        let t = Instant::now();
        black_box(verify_and_load(&bundle, &key));
        ours.push(t.elapsed());
        let t = Instant::now();
        black_box(baseline(&payload, &signature, &key));
        base.push(t.elapsed());
        let t = Instant::now();
        black_box(built_in.training_modules().unwrap());
        list_a.push(t.elapsed());
        let t = Instant::now();
        black_box(installed.training_modules().unwrap());
        list_b.push(t.elapsed());
    }
    let (ours, base) = (median(ours), median(base));
    let ratio = ours.as_secs_f64() / base.as_secs_f64();
    println!(
        "bundle ratio: verify+load {:.1} µs / SHA-256+Ed25519 of the same {} bytes {:.1} µs = \
         {ratio:.2}x (median of {rounds} interleaved rounds; target <= 3x: {})",
        ours.as_secs_f64() * 1e6,
        payload.len(),
        base.as_secs_f64() * 1e6,
        if ratio <= 3.0 { "met" } else { "MISSED" },
    );
    for (what, samples) in [("built-in pack", list_a), ("installed bundle", list_b)] {
        let m = median(samples);
        println!(
            "list modules (specialist, {modules} modules, {} completed, {what}): {:.1} µs \
             (median of {rounds}; target < 1 ms: {})",
            modules.div_ceil(2),
            m.as_secs_f64() * 1e6,
            if m < Duration::from_millis(1) {
                "met"
            } else {
                "MISSED"
            },
        );
    }
}
