//! Sync responses from a hostile collector: whatever status, headers and body come back for
//! a batch, handling them never panics, never loses a report (each one is pending, in flight,
//! delivered or dead), and the outbox status stays readable.
#![no_main]

use std::cell::RefCell;
use std::sync::Arc;

use frontline_core::crypto::b64url;
use frontline_core::outbox::{ReportDraft, ReportKind, Retention};
use frontline_core::sync::{HttpHeader, HttpResponse};
use frontline_core::{Companion, CompanionConfig, ManualClock, SoftwareKeyStore, StaffRole};
use libfuzzer_sys::fuzz_target;

struct Device {
    _dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    companion: Companion,
    queued: u64,
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
    let companion = Companion::open_with_clock(dir.path(), config, Arc::new(key_store), clock.clone())
        .unwrap_or_else(|_| std::process::abort());
    Device { _dir: dir, clock, companion, queued: 0 }
}

thread_local! {
    static DEVICE: RefCell<Option<Device>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    DEVICE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let fresh = match slot.as_ref() {
            None => true,
            Some(d) => d.queued > 2_000 || d.companion.outbox_status().map_or(true, |s| s.reenrolment_needed),
        };
        if fresh {
            *slot = Some(device());
        }
        let Some(d) = slot.as_mut() else { return };
        let drafts = (0..3)
            .map(|i| ReportDraft {
                kind: ReportKind::TrainingStatement,
                body: serde_json::json!({ "n": d.queued + i }),
                retention: Retention::Keep,
            })
            .collect();
        if d.companion.queue_reports(drafts).is_ok() {
            d.queued += 3;
        }
        d.clock.advance(24 * 3_600_000);
        let Ok(Some(request)) = d.companion.next_sync_request() else { return };
        // Input: status (2 bytes), an optional Retry-After value (1 byte length), then body.
        let status = data.get(..2).map_or(200, |s| u16::from_le_bytes([s[0], s[1]]) % 600);
        let rest = data.get(2..).unwrap_or_default();
        let (retry, body) = match rest.split_first() {
            Some((n, tail)) if usize::from(*n) <= tail.len() && *n < 40 => {
                let (r, b) = tail.split_at(usize::from(*n));
                (Some(String::from_utf8_lossy(r).into_owned()), b)
            }
            _ => (None, rest),
        };
        let mut headers = vec![HttpHeader {
            name: String::from("Content-Type"),
            value: String::from("application/json"),
        }];
        if let Some(value) = retry {
            headers.push(HttpHeader { name: String::from("Retry-After"), value });
        }
        let _ = d.companion.handle_sync_response(
            &request.id,
            HttpResponse { status, headers, body: body.to_vec() },
        );
        let status = d.companion.outbox_status().unwrap_or_else(|e| panic!("status unreadable: {e:?}"));
        let total = status.pending + status.in_flight + status.delivered + status.dead;
        assert!(total >= d.queued, "reports lost: {total} < {}", d.queued);
    });
});
