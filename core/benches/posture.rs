//! What a posture evaluation costs, against one Ed25519 signature verification.
//!
//! Evaluates the built-in policy (8 checks, the sample release table) against a current
//! Android phone's facts, pure (no storage), and verifies one Ed25519 signature over a
//! 1 KiB message as the baseline. After criterion's figures, both are timed again interleaved
//! and the ratio of the medians is printed (targets: under 100 µs and at most 5x the verify).
//!
//! Run: `cargo bench -p frontline-core --bench posture`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark setup

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use criterion::{black_box, Criterion};
use frontline_core::advisory::{AdvisoryFeed, ReleaseTable};
use frontline_core::clock::parse_rfc3339;
use frontline_core::crypto::{ed25519_verify, SigningKey};
use frontline_core::posture::evaluate::evaluate;
use frontline_core::posture::{DeviceFacts, Policy};

const FACTS: &[u8] = include_bytes!("../../tests/fixtures/devices/pixel-current.json");

struct Setup {
    facts: DeviceFacts,
    policy: Policy,
    releases: ReleaseTable,
    now: i64,
    state: BTreeMap<String, i64>,
    public: Vec<u8>,
    message: Vec<u8>,
    signature: Vec<u8>,
}

fn evaluate_once(s: &Setup) {
    let e = evaluate(&s.facts, &s.policy, &s.releases, s.now, &s.state);
    black_box(e.verdict);
}

fn verify_once(s: &Setup) {
    black_box(ed25519_verify(&s.public, &s.message, &s.signature));
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let key = SigningKey::from_seed(&[9u8; 32]).unwrap();
    let message = vec![0x5au8; 1024];
    let s = Setup {
        facts: DeviceFacts::from_json(FACTS).unwrap(),
        policy: Policy::default_policy().unwrap(),
        releases: AdvisoryFeed::default_feed().unwrap().release_table(),
        now: parse_rfc3339("2026-11-28T12:00:00Z").unwrap(),
        state: BTreeMap::new(),
        public: key.public_key(),
        signature: key.sign(&message),
        message,
    };

    let mut c = Criterion::default().configure_from_args();
    {
        let mut group = c.benchmark_group("posture");
        group.bench_function("evaluate_default_policy", |b| b.iter(|| evaluate_once(&s)));
        group.bench_function("baseline_ed25519_verify_1k", |b| b.iter(|| verify_once(&s)));
        group.finish();
    }
    c.final_summary();

    // `cargo test --benches` runs each benchmark once to see it works: no figures then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rounds = 5000;
    let (mut ours, mut base) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for _ in 0..rounds {
        let t = Instant::now();
        evaluate_once(&s);
        ours.push(t.elapsed());
        let t = Instant::now();
        verify_once(&s);
        base.push(t.elapsed());
    }
    let (ours, base) = (median(ours), median(base));
    let ratio = ours.as_secs_f64() / base.as_secs_f64();
    println!(
        "posture ratio: evaluate {:.1} µs / Ed25519 verify {:.1} µs = {ratio:.2}x \
         (median of {rounds} interleaved rounds; targets < 100 µs and <= 5x: {})",
        ours.as_secs_f64() * 1e6,
        base.as_secs_f64() * 1e6,
        if ours < Duration::from_micros(100) && ratio <= 5.0 {
            "met"
        } else {
            "NOT met"
        }
    );
}
