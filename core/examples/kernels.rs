//! The CPU-bound kernels one at a time, for instruction counts (callgrind) and for the Rust
//! side of the FFI-cost comparison (`scripts/bench.sh`, `docs/performance.md`).
//!
//! ```text
//! kernels verify N      verify a signed content bundle holding the default pack, then load it
//! kernels evaluate N    evaluate the default policy against a full set of device facts
//! kernels seal N        sign a posture-report-sized body and HPKE-seal it (envelope JSON)
//! kernels calls N       the FFI benchmark's calls on the core directly: µs per call (JSON)
//! ```
//!
//! Setup (keys, the signed bundle, the policy, an open store) happens before the timed or
//! counted loop; `scripts/bench.sh` runs each kernel under callgrind with two values of N and
//! takes the difference, so setup cancels out and the figure is instructions per call.
//!
//! Build: `cargo build --profile bench -p frontline-core --example kernels`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark driver

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use frontline_core::advisory::AdvisoryFeed;
use frontline_core::bundle::{sign_bundle, verify_bundle, BundleKind};
use frontline_core::crypto::SigningKey;
use frontline_core::outbox::envelope::{seal_envelope, sign_report, EnvelopeHeader, OrgReportKey};
use frontline_core::outbox::ReportKind;
use frontline_core::posture::evaluate::evaluate;
use frontline_core::posture::facts::DeviceFacts;
use frontline_core::posture::policy::Policy;
use frontline_core::posture::PostureTrigger;
use frontline_core::training::pack::Pack;
use frontline_core::training::DEFAULT_PACK_JSON;
use frontline_core::{Companion, CompanionConfig, KeyStore, SoftwareKeyStore, StaffRole};

/// The organisation's X25519 report public key (base64url), as in core/benches/outbox.rs.
const ORG_KEY: &str = "TB75awvtpEGv27HxteeeMQdkr-naf9SdAS0493GNiDo";

/// 2026-11-28T12:00:00Z: a fixed "now" inside the default content's validity.
const NOW_MS: i64 = 1_795_867_200_000;

/// A full set of facts (every field known), as a current, well-managed Android phone reports.
pub const FULL_FACTS: &[u8] = br#"{
  "platform": "android",
  "os_version": "16",
  "os_build": "BP3A.251105.015",
  "security_patch": "2026-11-05",
  "secure_lock_screen": true,
  "lock_complexity": "high",
  "biometrics_available": true,
  "biometrics_enrolled": true,
  "storage_encryption": "active_per_user",
  "developer_options": false,
  "usb_debugging": false,
  "unknown_sources": false,
  "root_signals": [],
  "managed_by_mdm": true,
  "app_version": "0.1.0",
  "collected_at_ms": 1795867200000
}"#;

fn full_facts() -> DeviceFacts {
    DeviceFacts::from_json(FULL_FACTS).unwrap()
}

fn kernel_verify(n: u64) {
    let key = SigningKey::from_seed(&[11u8; 32]).unwrap();
    let public = key.public_key();
    let bundle = sign_bundle(
        BundleKind::Content,
        1,
        NOW_MS - 1000,
        None,
        DEFAULT_PACK_JSON,
        &key,
    );
    for _ in 0..n {
        let verified = verify_bundle(
            black_box(&bundle),
            Some(BundleKind::Content),
            &public,
            NOW_MS,
            None,
        )
        .unwrap();
        black_box(Pack::from_json(&verified.payload).unwrap());
    }
}

fn kernel_evaluate(n: u64) {
    let facts = full_facts();
    let policy = Policy::default_policy().unwrap();
    let releases = AdvisoryFeed::default_feed().unwrap().release_table();
    let first_failed = BTreeMap::new();
    for _ in 0..n {
        black_box(evaluate(
            black_box(&facts),
            &policy,
            &releases,
            NOW_MS,
            &first_failed,
        ));
    }
}

/// The outbox's sign-then-seal steps (envelope format steps 1–5): report JSON, Ed25519
/// signature, HPKE base-mode seal to the organisation key, envelope JSON — the same functions
/// `queue_reports` calls, without the store.
fn seal_once(device_key: &SigningKey, org: &OrgReportKey, body: &serde_json::Value) -> Vec<u8> {
    let header = EnvelopeHeader {
        id: uuid::Uuid::new_v4().to_string(),
        kind: ReportKind::PostureReport,
        created_at: NOW_MS,
        device_id: String::from("5f0c2a52-3c1e-4c55-9d0e-3f6f1c2b9a10"),
    };
    let plaintext = sign_report(&header, body, |m| device_key.sign(m)).unwrap();
    seal_envelope(&header, org, &plaintext).unwrap()
}

/// A real posture report's JSON, the body the outbox seals most often.
fn posture_report_body() -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let companion = open_companion(dir.path());
    let report = companion
        .check_posture(full_facts(), PostureTrigger::User)
        .unwrap();
    serde_json::to_value(&report).unwrap()
}

fn kernel_seal(n: u64) {
    let device_key = SigningKey::from_seed(&[12u8; 32]).unwrap();
    let org = OrgReportKey::parse(ORG_KEY).unwrap();
    let body = posture_report_body();
    for _ in 0..n {
        black_box(seal_once(&device_key, &org, black_box(&body)));
    }
}

fn open_companion(dir: &std::path::Path) -> Companion {
    let key_store: Arc<dyn KeyStore> = Arc::new(SoftwareKeyStore::new(&[7u8; 32]).unwrap());
    let config = CompanionConfig::new("example-trust", "stf-bench", StaffRole::AllStaff);
    Companion::open(dir, config, key_store).unwrap()
}

/// Times `f` over `n` calls after `n / 10 + 1` warm-up calls; µs per call.
fn per_call_us(n: u64, mut f: impl FnMut()) -> f64 {
    for _ in 0..n / 10 + 1 {
        f();
    }
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

/// The calls `tests/kotlin-bench/FfiBench.kt` makes, on the core directly, printed in the
/// same `FFI <side> <call> <µs>` form.
fn calls(n: u64) {
    let dir = tempfile::tempdir().unwrap();
    let companion = open_companion(dir.path());
    let facts = full_facts();
    let empty = per_call_us(n * 10, || {
        black_box(frontline_core::Companion::schema_version(black_box(
            &companion,
        )));
    });
    let modules = per_call_us(n, || {
        black_box(companion.training_modules().unwrap());
    });
    let posture = per_call_us(n, || {
        black_box(
            companion
                .check_posture(facts.clone(), PostureTrigger::User)
                .unwrap(),
        );
    });
    println!("FFI rust empty_call {empty:.6}");
    println!("FFI rust training_modules {modules:.3}");
    println!("FFI rust check_posture {posture:.3}");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (kernel, n) = match args.as_slice() {
        [k, n] => (k.as_str(), n.parse::<u64>().unwrap()),
        _ => {
            eprintln!("usage: kernels verify|evaluate|seal|calls N");
            std::process::exit(2);
        }
    };
    match kernel {
        "verify" => kernel_verify(n),
        "evaluate" => kernel_evaluate(n),
        "seal" => kernel_seal(n),
        "calls" => calls(n),
        _ => {
            eprintln!("unknown kernel {kernel}");
            std::process::exit(2);
        }
    }
}
