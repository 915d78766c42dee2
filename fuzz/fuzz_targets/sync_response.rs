//! Sync responses from a hostile collector: whatever status, headers and body come back for
//! a batch, over several rounds of queue / request / answer on a fresh device, handling them
//! never panics, never loses or duplicates a report (each one is pending, in flight,
//! delivered or dead, exactly once), and the outbox status stays readable.
#![no_main]

use std::sync::Arc;

use frontline_core::crypto::b64url;
use frontline_core::outbox::{ReportDraft, ReportKind, Retention};
use frontline_core::sync::{HttpHeader, HttpResponse};
use frontline_core::{Clock, Companion, CompanionConfig, ManualClock, SoftwareKeyStore, StaffRole};
use libfuzzer_sys::fuzz_target;

struct Device {
    _dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    companion: Companion,
}

fn device() -> Device {
    let dir = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap_or_else(|_| std::process::abort());
    let mut config = CompanionConfig::new("example-trust", "staff-fuzz-02", StaffRole::AllStaff);
    config.collector_url = Some(String::from("http://127.0.0.1:9"));
    config.org_report_key = Some(b64url(&[
        0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc, 0xb4, 0x3e, 0xf7,
        0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b,
        0x4e, 0x6a,
    ]));
    let clock = Arc::new(ManualClock::new(1_790_000_000_000));
    let key_store = SoftwareKeyStore::new(&[5; 32]).unwrap_or_else(|_| std::process::abort());
    let companion =
        Companion::open_with_clock(dir.path(), config, Arc::new(key_store), clock.clone())
            .unwrap_or_else(|_| std::process::abort());
    Device {
        _dir: dir,
        clock,
        companion,
    }
}

fn results_for(request_body: &[u8], picks: &[u8]) -> Vec<u8> {
    let ids: Vec<String> = serde_json::from_slice::<serde_json::Value>(request_body)
        .ok()
        .and_then(|v| {
            v["envelopes"].as_array().map(|a| {
                a.iter()
                    .filter_map(|e| e["id"].as_str().map(str::to_owned))
                    .collect()
            })
        })
        .unwrap_or_default();
    let mut results = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let pick = picks.get(i).copied().unwrap_or(0);
        let status = ["accepted", "duplicate", "rejected", "maybe"][usize::from(pick & 3)];
        let id = if pick & 0x10 != 0 {
            ids[(i + 1) % ids.len()].clone()
        } else {
            id.clone()
        };
        if pick & 0x20 != 0 {
            continue;
        }
        let mut item = serde_json::json!({ "id": id, "status": status });
        if status == "rejected" {
            item["reason"] = serde_json::json!(
                ["wrong_key", "open_failed", "bad_signature", "x"][usize::from(pick >> 6)]
            );
        }
        results.push(item.clone());
        if pick & 0x08 != 0 {
            results.push(item);
        }
    }
    serde_json::to_vec(&serde_json::json!({ "results": results })).unwrap_or_default()
}

/// Most rounds per input (each round: queue, sync request, answer).
const MAX_ROUNDS: usize = 12;

fuzz_target!(|data: &[u8]| {
    // Every input is one self-contained story on a fresh device, so a crash reproduces from
    // its input alone: rounds are separated by the bytes 0xff 0xfe.
    let d = device();
    let mut queued = 0_u64;
    for round in split_rounds(data).into_iter().take(MAX_ROUNDS) {
        let drafts = (0..3)
            .map(|i| ReportDraft {
                kind: ReportKind::TrainingStatement,
                body: serde_json::json!({ "n": queued + i }),
                retention: Retention::Keep,
            })
            .collect();
        if d.companion.queue_reports(drafts).is_ok() {
            queued += 3;
        }
        // Past any back-off or Retry-After (but never past the 90 days delivered ids are kept).
        let next = d
            .companion
            .outbox_status()
            .ok()
            .and_then(|s| s.next_attempt_at);
        let now = d.clock.now_ms();
        d.clock
            .set(next.map_or(now + 60_000, |t| t.clamp(now, now + 86_400_000) + 1));
        let Ok(Some(request)) = d.companion.next_sync_request() else {
            continue;
        };
        answer(&d.companion, &request, round);
        let status = d
            .companion
            .outbox_status()
            .unwrap_or_else(|e| panic!("status unreadable: {e:?}"));
        let total = status.pending + status.in_flight + status.delivered + status.dead;
        assert_eq!(
            total, queued,
            "every queued report is somewhere, exactly once"
        );
    }
});

fn split_rounds(data: &[u8]) -> Vec<&[u8]> {
    let mut rounds = Vec::new();
    let mut rest = data;
    while let Some(at) = rest.windows(2).position(|w| w == [0xff, 0xfe]) {
        rounds.push(&rest[..at]);
        rest = &rest[at + 2..];
    }
    rounds.push(rest);
    rounds
}

/// Answers `request` as the round's bytes say: status (2 bytes), an optional `Retry-After`
/// value (1 byte length), then the body.
fn answer(companion: &Companion, request: &frontline_core::sync::HttpRequest, data: &[u8]) {
    let status = data
        .get(..2)
        .map_or(200, |s| u16::from_le_bytes([s[0], s[1]]) % 600);
    let rest = data.get(2..).unwrap_or_default();
    let (retry, body) = match rest.split_first() {
        Some((n, tail)) if usize::from(*n) <= tail.len() && *n < 40 => {
            let (r, b) = tail.split_at(usize::from(*n));
            (Some(String::from_utf8_lossy(r).into_owned()), b)
        }
        _ => (None, rest),
    };
    // A body starting with `#` is built from the batch's real ids: each following input
    // byte gives one result a status (accepted, duplicate, rejected, or an unknown word)
    // and may drop, repeat or swap it, so the engine sees plausible, partly wrong answers.
    let built;
    let body = match body.split_first() {
        Some((b'#', picks)) => {
            built = results_for(&request.body, picks);
            built.as_slice()
        }
        _ => body,
    };
    let mut headers = vec![HttpHeader {
        name: String::from("Content-Type"),
        value: String::from("application/json"),
    }];
    if let Some(value) = retry {
        headers.push(HttpHeader {
            name: String::from("Retry-After"),
            value,
        });
    }
    let _ = companion.handle_sync_response(
        &request.id,
        HttpResponse {
            status,
            headers,
            body: body.to_vec(),
        },
    );
}
