//! Recovery end to end (ADR 0050): a device's database is damaged while reports wait to be
//! sent. `recover_local_store` quarantines it and re-queues the unsent envelopes it can still
//! read, keeping the device's identity. Those envelopes then reach the collector exactly once,
//! as this device's own, and none is dead-lettered.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use frontline_collector::driver::{self, HttpDriver};
use frontline_collector::{Collector, CollectorConfig, OrgReportKey};
use frontline_core::crypto::b64url;
use frontline_core::outbox::{ReportDraft, ReportKind, Retention};
use frontline_core::{
    Companion, CompanionConfig, KeyStore, ManualClock, SoftwareKeyStore, StaffRole,
};

const START_MS: i64 = 1_795_885_384_000;

fn config(url: &str, org: &OrgReportKey) -> CompanionConfig {
    let mut config = CompanionConfig::new("example-trust", "staff-recover-1", StaffRole::AllStaff);
    config.collector_url = Some(url.to_owned());
    config.enrolment_token = Some(String::from("enrol-me"));
    config.org_report_key = Some(b64url(org.public_key()));
    config
}

fn stored(path: &Path) -> Vec<(String, String)> {
    let db = frontline_collector::db::Db::open(path).unwrap();
    let mut st = db
        .conn()
        .prepare("SELECT envelope_id, device_id FROM report")
        .unwrap();
    let rows = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    rows.map(|r| r.unwrap()).collect()
}

fn pending_ids(dir: &Path) -> HashSet<String> {
    let conn = rusqlite::Connection::open(dir.join("frontline.db")).unwrap();
    let mut st = conn
        .prepare("SELECT id FROM outbox WHERE state = 'pending'")
        .unwrap();
    let rows = st.query_map([], |r| r.get::<_, String>(0)).unwrap();
    rows.map(|r| r.unwrap()).collect()
}

#[test]
fn envelopes_saved_from_a_damaged_store_are_delivered_once_by_the_same_device() {
    let dir = tempfile::tempdir().unwrap();
    let org = OrgReportKey::generate().unwrap();
    let collector_db = dir.path().join("collector.db");
    let collector =
        Collector::start(CollectorConfig::new(&collector_db, org.clone(), "enrol-me")).unwrap();
    let url = collector.url();
    let device_dir = dir.path().join("device");
    std::fs::create_dir_all(&device_dir).unwrap();
    let key_store: Arc<dyn KeyStore> = Arc::new(SoftwareKeyStore::new(&[7; 32]).unwrap());
    let clock = Arc::new(ManualClock::new(START_MS));
    let driver = HttpDriver::new(Duration::from_secs(10));

    // Enrolled and synced once, then 80 reports wait while the device is offline.
    let companion = Companion::open_with_clock(
        &device_dir,
        config(&url, &org),
        key_store.clone(),
        clock.clone(),
    )
    .unwrap();
    let device_id = companion.device_id();
    let first = companion
        .queue_reports(vec![ReportDraft {
            kind: ReportKind::AdvisoryAck,
            body: serde_json::json!({ "advisory_id": "adv-1" }),
            retention: Retention::Keep,
        }])
        .unwrap();
    driver::sync(&companion, &driver, 10, |_| {}).unwrap();
    assert_eq!(companion.outbox_status().unwrap().delivered, 1);
    let drafts = (0..80)
        .map(|i| ReportDraft {
            kind: ReportKind::TrainingStatement,
            body: serde_json::json!({ "n": i, "pad": "p".repeat(900) }),
            retention: Retention::Keep,
        })
        .collect();
    let waiting: HashSet<String> = companion
        .queue_reports(drafts)
        .unwrap()
        .into_iter()
        .collect();
    drop(companion);

    // A page in the middle of the file is damaged.
    let db = device_dir.join("frontline.db");
    let mut bytes = std::fs::read(&db).unwrap();
    let page = bytes.len() / 4096 / 2;
    for b in &mut bytes[page * 4096..page * 4096 + 12] {
        *b = 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();

    let (companion, recovery) = Companion::recover_local_store_with_clock(
        &device_dir,
        config(&url, &org),
        key_store.clone(),
        clock.clone(),
    )
    .unwrap();
    assert!(recovery.quarantined);
    assert!(
        recovery.envelopes_kept > 0 && recovery.envelopes_kept < 80,
        "{recovery:?}"
    );
    assert_eq!(
        companion.device_id(),
        device_id,
        "the identity was carried over"
    );
    let saved = pending_ids(&device_dir);
    assert_eq!(saved.len() as u32, recovery.envelopes_kept);
    assert!(saved.is_subset(&waiting));

    drain(&companion, &driver, &clock);
    assert!(companion.dead_letters().unwrap().is_empty());
    let at_collector = stored(&collector_db);
    let ids: HashSet<String> = at_collector.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids.len(), at_collector.len(), "nothing stored twice");
    let mut expected = saved.clone();
    expected.extend(first);
    assert_eq!(ids, expected);
    assert!(at_collector.iter().all(|(_, device)| device == &device_id));
}

#[test]
fn envelopes_saved_after_the_platform_key_was_lost_are_delivered_under_the_old_device() {
    let dir = tempfile::tempdir().unwrap();
    let org = OrgReportKey::generate().unwrap();
    let collector_db = dir.path().join("collector.db");
    let collector =
        Collector::start(CollectorConfig::new(&collector_db, org.clone(), "enrol-me")).unwrap();
    let url = collector.url();
    let device_dir = dir.path().join("device");
    std::fs::create_dir_all(&device_dir).unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let driver = HttpDriver::new(Duration::from_secs(10));

    // Enrolled, then 30 reports wait offline when the platform key is lost (a lock-screen reset).
    let old_key: Arc<dyn KeyStore> = Arc::new(SoftwareKeyStore::new(&[7; 32]).unwrap());
    let companion =
        Companion::open_with_clock(&device_dir, config(&url, &org), old_key, clock.clone())
            .unwrap();
    let old_device = companion.device_id();
    driver::sync(&companion, &driver, 10, |_| {}).unwrap();
    let drafts = (0..30)
        .map(|i| ReportDraft {
            kind: ReportKind::TrainingStatement,
            body: serde_json::json!({ "n": i }),
            retention: Retention::Keep,
        })
        .collect();
    let waiting: HashSet<String> = companion
        .queue_reports(drafts)
        .unwrap()
        .into_iter()
        .collect();
    drop(companion);

    let new_key: Arc<dyn KeyStore> = Arc::new(SoftwareKeyStore::new(&[9; 32]).unwrap());
    let (companion, recovery) = Companion::recover_local_store_with_clock(
        &device_dir,
        config(&url, &org),
        new_key,
        clock.clone(),
    )
    .unwrap();
    assert_eq!(recovery.envelopes_kept, 30, "{recovery:?}");
    let new_device = companion.device_id();
    assert_ne!(new_device, old_device, "a lost key means a new identity");
    // A report made after the recovery belongs to the new device.
    let fresh = companion
        .queue_reports(vec![ReportDraft {
            kind: ReportKind::AdvisoryAck,
            body: serde_json::json!({ "advisory_id": "adv-1" }),
            retention: Retention::Keep,
        }])
        .unwrap();

    drain(&companion, &driver, &clock);
    assert!(companion.dead_letters().unwrap().is_empty());
    let at_collector = stored(&collector_db);
    let old: HashSet<String> = at_collector
        .iter()
        .filter(|(_, device)| device == &old_device)
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(
        old, waiting,
        "the saved envelopes arrive as the old device's, once each"
    );
    let new: Vec<&String> = at_collector
        .iter()
        .filter(|(_, device)| device == &new_device)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(new, fresh.iter().collect::<Vec<_>>());
    assert_eq!(at_collector.len(), 31, "nothing stored twice");
}

/// Syncs until nothing waits, moving the device's clock past each back-off instead of sleeping.
fn drain(companion: &Companion, driver: &HttpDriver, clock: &ManualClock) {
    use frontline_core::Clock;
    for _ in 0..20 {
        let run = driver::sync(companion, driver, 50, |_| {}).unwrap();
        assert!(!run.reenrolment_needed);
        let status = companion.outbox_status().unwrap();
        if status.pending == 0 && status.in_flight == 0 {
            return;
        }
        clock.set(status.next_attempt_at.unwrap_or(clock.now_ms()) + 1);
    }
    panic!("the outbox did not drain in 20 sync runs");
}
