//! Tests of the outbox: sealing, coalescing, bounds, held reports, recovery, dead letters.
//! The helpers here are shared with the sync engine's tests.

use std::path::Path;
use std::sync::Arc;

use super::envelope::test_open::{self, OrgKeyPair};
use super::*;
use crate::clock::ManualClock;
use crate::crypto::from_b64url;
use crate::{Companion, CompanionConfig, SoftwareKeyStore, StaffRole};

pub(crate) const T0: i64 = 1_795_885_384_000;

pub(crate) struct Device {
    pub(crate) c: Companion,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) org: OrgKeyPair,
    pub(crate) ks: Arc<SoftwareKeyStore>,
    pub(crate) dir: tempfile::TempDir,
}

pub(crate) fn config(org_key: Option<&str>) -> CompanionConfig {
    let mut config = CompanionConfig::new("example-trust", "p-1", StaffRole::AllStaff);
    config.collector_url = Some(String::from("http://127.0.0.1:8080/"));
    config.org_report_key = org_key.map(str::to_owned);
    config
}

/// A device with an organisation key, a collector URL and no enrolment token (so sync sends
/// envelopes straight away).
pub(crate) fn device() -> Device {
    let org = test_open::org_key_pair();
    let cfg = config(Some(&org.public_b64));
    device_with(cfg, org)
}

pub(crate) fn device_with(cfg: CompanionConfig, org: OrgKeyPair) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let ks = Arc::new(SoftwareKeyStore::ephemeral().unwrap());
    let clock = Arc::new(ManualClock::new(T0));
    let c = Companion::open_with_clock(dir.path(), cfg, ks.clone(), clock.clone()).unwrap();
    Device {
        c,
        clock,
        org,
        ks,
        dir,
    }
}

impl Device {
    pub(crate) fn reopen(self, cfg: CompanionConfig) -> Self {
        let Device {
            c,
            clock,
            org,
            ks,
            dir,
        } = self;
        drop(c);
        let c = Companion::open_with_clock(dir.path(), cfg, ks.clone(), clock.clone()).unwrap();
        Device {
            c,
            clock,
            org,
            ks,
            dir,
        }
    }

    pub(crate) fn keep(&self, n: u32) -> Vec<String> {
        self.c
            .queue_reports(
                (0..n)
                    .map(|i| draft(ReportKind::TrainingStatement, Retention::Keep, i))
                    .collect(),
            )
            .unwrap()
    }

    pub(crate) fn routine(&self, key: &str, i: u32) -> String {
        self.c
            .queue_reports(vec![draft(
                ReportKind::PostureReport,
                Retention::Coalesce(key.to_owned()),
                i,
            )])
            .unwrap()
            .remove(0)
    }

    pub(crate) fn state_of(&self, id: &str) -> Option<String> {
        self.c
            .store
            .conn()
            .query_row("SELECT state FROM outbox WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .unwrap()
    }

    pub(crate) fn envelope_of(&self, id: &str) -> Vec<u8> {
        self.c
            .store
            .conn()
            .query_row("SELECT envelope FROM outbox WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
    }

    pub(crate) fn open_envelope(&self, env: &[u8]) -> Option<serde_json::Value> {
        let pk = from_b64url(&self.c.device_public_key()).unwrap();
        test_open::open(&self.org.private, env, &pk)
    }
}

pub(crate) fn draft(kind: ReportKind, retention: Retention, i: u32) -> ReportDraft {
    ReportDraft {
        kind,
        body: serde_json::json!({"n": i, "text": "x".repeat(200)}),
        retention,
    }
}

#[test]
fn queued_report_is_an_envelope_only_the_organisation_opens() {
    let d = device();
    let tx = d.c.store.transaction().unwrap();
    let id =
        d.c.queue_report(&tx, draft(ReportKind::AdvisoryAck, Retention::Keep, 7))
            .unwrap();
    tx.commit().unwrap();
    assert_eq!(d.state_of(&id).as_deref(), Some("pending"));
    let env_bytes = d.envelope_of(&id);
    let env: envelope::Envelope = serde_json::from_slice(&env_bytes).unwrap();
    assert_eq!(env.id, id);
    assert_eq!(env.kind, "advisory_ack");
    assert_eq!(env.device_id, d.c.device_id());
    assert_eq!(env.created_at, crate::clock::rfc3339(T0));
    assert_eq!(
        env.kid,
        crate::crypto::key_id(&test_open::public_bytes(&d.org))
    );
    let report = d.open_envelope(&env_bytes).unwrap();
    assert_eq!(report["body"]["n"], 7);
    assert_eq!(report["device_id"], d.c.device_id().as_str());
    // The report text is not readable in the stored envelope.
    assert!(!env_bytes.windows(10).any(|w| w == b"xxxxxxxxxx"));
    // Another organisation cannot open it.
    let other = test_open::org_key_pair();
    let pk = from_b64url(&d.c.device_public_key()).unwrap();
    assert!(test_open::open(&other.private, &env_bytes, &pk).is_none());
}

#[test]
fn a_report_is_queued_only_if_the_callers_transaction_commits() {
    let d = device();
    {
        let tx = d.c.store.transaction().unwrap();
        d.c.queue_report(
            &tx,
            draft(ReportKind::TrainingStatement, Retention::Keep, 1),
        )
        .unwrap();
        // dropped without commit
    }
    assert_eq!(d.c.pending_report_count().unwrap(), 0);
}

#[test]
fn batched_enqueue_keeps_order_and_all_reports() {
    let d = device();
    let ids = d.keep(100);
    assert_eq!(ids.len(), 100);
    assert_eq!(d.c.outbox_status().unwrap().pending, 100);
    let first = d.open_envelope(&d.envelope_of(&ids[0])).unwrap();
    let last = d.open_envelope(&d.envelope_of(&ids[99])).unwrap();
    assert_eq!(first["body"]["n"], 0);
    assert_eq!(last["body"]["n"], 99);
}

#[test]
fn newer_routine_report_replaces_the_waiting_one_with_the_same_key() {
    let d = device();
    let kept = d.keep(1);
    let a1 = d.routine("posture:routine", 1);
    let b1 = d.routine("posture:other", 1);
    d.clock.advance(1000);
    let a2 = d.routine("posture:routine", 2);
    assert_eq!(d.state_of(&a1), None);
    assert_eq!(d.state_of(&a2).as_deref(), Some("pending"));
    assert_eq!(d.state_of(&b1).as_deref(), Some("pending"));
    assert_eq!(d.state_of(&kept[0]).as_deref(), Some("pending"));
    assert_eq!(d.c.outbox_status().unwrap().pending, 3);
}

#[test]
fn over_the_count_bound_the_oldest_routine_reports_go_first() {
    let d = device();
    d.c.set_outbox_limits(OutboxLimits {
        max_reports: 4,
        ..OutboxLimits::default()
    })
    .unwrap();
    let keep = d.keep(2);
    let r1 = d.routine("a", 1);
    d.clock.advance(1);
    let r2 = d.routine("b", 2);
    d.clock.advance(1);
    let r3 = d.routine("c", 3);
    assert_eq!(d.state_of(&r1), None, "oldest routine dropped");
    for id in keep.iter().chain([&r2, &r3]) {
        assert_eq!(d.state_of(id).as_deref(), Some("pending"));
    }
    let status = d.c.outbox_status().unwrap();
    assert_eq!(status.pending, 4);
    assert!(!status.over_limit);
    // Reports that must be kept are never dropped, even far over the bound.
    let more = d.keep(5);
    for id in keep.iter().chain(more.iter()) {
        assert_eq!(d.state_of(id).as_deref(), Some("pending"));
    }
    assert_eq!(d.state_of(&r2), None);
    assert_eq!(d.state_of(&r3), None);
    let status = d.c.outbox_status().unwrap();
    assert_eq!(status.pending, 7);
    assert!(
        status.over_limit,
        "the status says the outbox is over its bound"
    );
}

#[test]
fn over_the_byte_bound_routine_reports_go_and_kept_ones_stay() {
    let d = device();
    let keep = d.keep(1);
    let size = d.c.outbox_status().unwrap().bytes;
    d.c.set_outbox_limits(OutboxLimits {
        max_bytes: size * 3 + size / 2,
        ..OutboxLimits::default()
    })
    .unwrap();
    let r: Vec<String> = (0..4)
        .map(|i| {
            d.clock.advance(1);
            d.routine(&format!("k{i}"), i)
        })
        .collect();
    // 1 kept + 4 routine ≈ 5 sizes > 3.5 sizes: the two oldest routine ones are gone.
    assert_eq!(d.state_of(&r[0]), None);
    assert_eq!(d.state_of(&r[1]), None);
    assert!(d.state_of(&r[2]).is_some() && d.state_of(&r[3]).is_some());
    assert!(d.state_of(&keep[0]).is_some());
    assert!(d.c.outbox_status().unwrap().bytes <= size * 3 + size / 2);
}

#[test]
fn invalid_limits_are_refused_and_change_nothing() {
    let d = device();
    let before = d.c.outbox_limits().unwrap();
    assert_eq!(before, OutboxLimits::default());
    let bad = OutboxLimits {
        batch_max_reports: 0,
        ..OutboxLimits::default()
    };
    assert!(matches!(
        d.c.set_outbox_limits(bad),
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(d.c.outbox_limits().unwrap(), before);
}

#[test]
fn without_an_org_key_reports_are_held_then_sealed_when_a_key_arrives() {
    let org = test_open::org_key_pair();
    let d = device_with(config(None), org);
    let ids = d.keep(2);
    let status = d.c.outbox_status().unwrap();
    assert_eq!((status.pending, status.held), (2, 2));
    // Held reports are not sendable.
    assert_eq!(d.c.next_sync_request().unwrap(), None);
    // Held reports are sealed under the data key, not readable in the file.
    assert!(!d
        .envelope_of(&ids[0])
        .windows(10)
        .any(|w| w == b"xxxxxxxxxx"));
    d.clock.advance(60_000);
    let key = d.org.public_b64.clone();
    let d = d.reopen(config(Some(&key)));
    let status = d.c.outbox_status().unwrap();
    assert_eq!((status.pending, status.held), (2, 0));
    for id in &ids {
        let env_bytes = d.envelope_of(id);
        let env: envelope::Envelope = serde_json::from_slice(&env_bytes).unwrap();
        // The report keeps the time it was made, not the time it was sealed.
        assert_eq!(env.created_at, crate::clock::rfc3339(T0));
        let report = d.open_envelope(&env_bytes).unwrap();
        assert_eq!(report["created_at"], crate::clock::rfc3339(T0).as_str());
    }
}

#[test]
fn a_key_configured_later_is_picked_up_by_the_next_sync_request() {
    let org = test_open::org_key_pair();
    let mut d = device_with(config(None), org);
    d.keep(1);
    d.c.config.org_report_key = Some(format!(
        r#"{{"kty":"OKP","crv":"X25519","x":"{}"}}"#,
        d.org.public_b64
    ));
    let req = d.c.next_sync_request().unwrap().unwrap();
    assert!(req.url.ends_with("/v1/envelopes"));
    assert_eq!(d.c.outbox_status().unwrap().held, 0);
}

#[test]
fn an_unusable_org_key_holds_reports_instead_of_failing_the_caller() {
    let org = test_open::org_key_pair();
    let d = device_with(config(Some("not a key")), org);
    d.keep(1);
    assert_eq!(d.c.outbox_status().unwrap().held, 1);
}

#[test]
fn an_unanswered_batch_returns_to_pending_on_next_open() {
    let d = device();
    let ids = d.keep(3);
    let req = d.c.next_sync_request().unwrap().unwrap();
    assert_eq!(d.c.outbox_status().unwrap().in_flight, 3);
    let key = d.org.public_b64.clone();
    let d = d.reopen(config(Some(&key)));
    let status = d.c.outbox_status().unwrap();
    assert_eq!((status.pending, status.in_flight), (3, 0));
    // The old request's answer is no longer accepted; the reports go in a new request.
    let late = crate::sync::HttpResponse {
        status: 200,
        headers: vec![],
        body: b"{}".to_vec(),
    };
    assert!(matches!(
        d.c.handle_sync_response(&req.id, late),
        Err(Error::UnknownRequest)
    ));
    let again = d.c.next_sync_request().unwrap().unwrap();
    assert_ne!(again.id, req.id);
    for id in &ids {
        assert_eq!(d.state_of(id).as_deref(), Some("in_flight"));
    }
}

#[test]
fn status_reports_age_and_bytes() {
    let d = device();
    let empty = d.c.outbox_status().unwrap();
    assert_eq!(empty.oldest_pending_age_ms, None);
    assert_eq!(empty.bytes, 0);
    d.keep(2);
    d.clock.advance(5_000);
    let status = d.c.outbox_status().unwrap();
    assert_eq!(status.oldest_pending_age_ms, Some(5_000));
    assert!(status.bytes > 400);
    assert!(!status.reenrolment_needed);
}

#[test]
fn the_outbox_survives_reopening() {
    let d = device();
    let ids = d.keep(3);
    let key = d.org.public_b64.clone();
    let d = d.reopen(config(Some(&key)));
    for id in &ids {
        assert_eq!(d.state_of(id).as_deref(), Some("pending"));
        assert!(d.open_envelope(&d.envelope_of(id)).is_some());
    }
}

#[test]
fn the_same_store_works_from_a_path() {
    // Guards the helper: the data directory holds the database file.
    let d = device();
    assert!(Path::new(&d.dir.path().join(crate::store::DATABASE_FILE)).exists());
}
