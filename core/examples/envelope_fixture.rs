//! Writes a sample envelope, with the throw-away organisation key that opens it, as JSON on
//! standard output. Its output was frozen as `tests/fixtures/envelopes/sample.json`, which the
//! Rust and Python (pyhpke) tests open with independent HPKE implementations.
//!
//! `cargo run -p frontline-core --example envelope_fixture > tests/fixtures/envelopes/sample.json`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use frontline_core::crypto::{b64url, key_id, random_bytes};
use frontline_core::outbox::{ReportDraft, ReportKind, Retention};
use frontline_core::{Companion, CompanionConfig, ManualClock, SoftwareKeyStore, StaffRole};
use hpke::kem::X25519HkdfSha256;
use hpke::{Kem as _, Serializable};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (private, public) = X25519HkdfSha256::derive_keypair(&random_bytes(32)?);
    let (d, x) = (b64url(&private.to_bytes()), b64url(&public.to_bytes()));
    let dir = tempfile::tempdir()?;
    let mut config = CompanionConfig::new("example-trust", "p-fixture", StaffRole::AllStaff);
    config.collector_url = Some(String::from("https://collector.example-trust.example"));
    config.org_report_key = Some(format!(r#"{{"kty":"OKP","crv":"X25519","x":"{x}"}}"#));
    let created_at = 1_795_885_384_123; // 2026-11-28T17:03:04.123Z
    let companion = Companion::open_with_clock(
        dir.path(),
        config,
        Arc::new(SoftwareKeyStore::ephemeral()?),
        Arc::new(ManualClock::new(created_at)),
    )?;
    let body = serde_json::json!({
        "id": "6f1d3c52-9f0e-4d0b-8d43-3b1f5c2a7e90",
        "actor": {"objectType": "Agent", "account": {"homePage": "https://example-trust.example", "name": "p-fixture"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-GB": "passed"}},
        "object": {"id": "https://frontline.example/modules/phishing", "objectType": "Activity"},
        "result": {"score": {"scaled": 0.9}, "success": true, "completion": true},
        "timestamp": "2026-11-28T17:03:04.123Z"
    });
    companion.queue_reports(vec![ReportDraft {
        kind: ReportKind::TrainingStatement,
        body: body.clone(),
        retention: Retention::Keep,
    }])?;
    let request = companion.next_sync_request()?.ok_or("no request")?;
    let batch: serde_json::Value = serde_json::from_slice(&request.body)?;
    let envelope = batch["envelopes"][0].clone();
    let fixture = serde_json::json!({
        "note": "Frozen sample envelope for tests. The organisation private key here is a throw-away test key used for nothing else.",
        "org_private_jwk": {"kty": "OKP", "crv": "X25519", "x": x, "d": d, "kid": key_id(&public.to_bytes())},
        "device_public_key": companion.device_public_key(),
        "envelope": envelope,
        "expected_report": {
            "kind": "training_statement",
            "device_id": companion.device_id(),
            "created_at": "2026-11-28T17:03:04.123Z",
            "body": body
        }
    });
    println!("{}", serde_json::to_string_pretty(&fixture)?);
    Ok(())
}
