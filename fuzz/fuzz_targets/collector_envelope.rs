//! Envelope opening at the collector: arbitrary JSON, and correct envelopes with one field
//! replaced or bytes of the ciphertext flipped, are refused with a rejection reason; never a
//! panic, and a changed envelope never opens.
#![no_main]

use std::sync::OnceLock;

use frontline_collector::envelope::open;
use frontline_collector::testing::EnvelopeSealer;
use frontline_collector::OrgReportKey;
use libfuzzer_sys::fuzz_target;

const DEVICE: &str = "5d0b9a51-3f5e-4a8a-9d0e-1c2b3a4d5e6f";

struct Fixture {
    org: OrgReportKey,
    device_key: Vec<u8>,
    envelope: serde_json::Value,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let org = OrgReportKey::generate().unwrap_or_else(|_| std::process::abort());
        let sealer = EnvelopeSealer::new(DEVICE, &[4; 32], org.public_key())
            .unwrap_or_else(|| std::process::abort());
        let envelope = sealer.seal(
            "posture_report",
            &serde_json::json!({ "verdict": "compliant" }),
        );
        Fixture {
            device_key: sealer.device_public_key(),
            org,
            envelope,
        }
    })
}

const FIELDS: [&str; 7] = ["id", "kind", "created_at", "device_id", "kid", "enc", "ct"];

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    assert!(open(&f.envelope, DEVICE, &f.device_key, &f.org).is_ok());
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = open(&value, DEVICE, &f.device_key, &f.org);
    }
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let mut changed = f.envelope.clone();
    let field = FIELDS[usize::from(selector) % FIELDS.len()];
    if selector & 0x80 == 0 {
        let text = String::from_utf8_lossy(rest).into_owned();
        if changed[field].as_str() == Some(text.as_str()) {
            return;
        }
        changed[field] = serde_json::Value::String(text);
    } else {
        // Flip bits in the field's bytes at positions the input names.
        let mut bytes = changed[field]
            .as_str()
            .unwrap_or_default()
            .as_bytes()
            .to_vec();
        if bytes.is_empty() || rest.is_empty() {
            return;
        }
        for pair in rest.chunks(2) {
            let at = usize::from(pair[0]) % bytes.len();
            bytes[at] ^= pair.get(1).copied().unwrap_or(1).max(1);
        }
        match String::from_utf8(bytes) {
            Ok(text) if changed[field].as_str() != Some(text.as_str()) => {
                changed[field] = serde_json::Value::String(text)
            }
            _ => return,
        }
    }
    assert!(
        open(&changed, DEVICE, &f.device_key, &f.org).is_err(),
        "an envelope with a changed {field} opened"
    );
});
