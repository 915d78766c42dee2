//! Device and collector over real HTTP on loopback, through a fault-injecting proxy.
//!
//! The real device core (outbox, HPKE sealing on ring, sans-IO sync engine) is driven by the
//! blocking driver; the collector opens envelopes with the independent `hpke` crate. Between
//! them the proxy drops connections before and after the collector commits, answers 500, 429
//! and 503 with `Retry-After`, cuts replies short, replies slowly or late, and delivers
//! requests twice. The device runs on a manual clock: instead of sleeping through a back-off
//! the test moves the clock past the next allowed attempt.
//!
//! The claim checked: every report is stored exactly once at the collector, and only the
//! deliberately poisoned ones (sealed to another organisation's key) are dead-lettered.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use frontline_collector::driver::{self, HttpDriver};
use frontline_collector::{Collector, CollectorConfig, OrgReportKey, RunningCollector};
use frontline_core::crypto::b64url;
use frontline_core::outbox::{OutboxLimits, ReportDraft, ReportKind, Retention};
use frontline_core::{
    Companion, CompanionConfig, KeyStore, ManualClock, SoftwareKeyStore, StaffRole,
};
use frontline_e2e::proxy::{fault_counts, Fault, FaultPlan, FaultProxy, FAULTS};
use serde_json::json;

const START_MS: i64 = 1_795_885_384_000;

struct Device {
    companion: Companion,
    clock: Arc<ManualClock>,
}

fn device_config(collector_url: &str, org_public: &[u8]) -> CompanionConfig {
    let mut config = CompanionConfig::new("example-trust", "staff-0042", StaffRole::AllStaff);
    config.collector_url = Some(collector_url.to_owned());
    config.enrolment_token = Some(String::from("enrol-me"));
    config.org_report_key = Some(b64url(org_public));
    config
}

fn open_device(
    dir: &Path,
    key_store: &Arc<dyn KeyStore>,
    clock: &Arc<ManualClock>,
    config: CompanionConfig,
) -> Companion {
    let companion =
        Companion::open_with_clock(dir, config, key_store.clone(), clock.clone()).unwrap();
    companion
        .set_outbox_limits(OutboxLimits {
            max_reports: 50_000,
            max_bytes: 256 * 1024 * 1024,
            ..OutboxLimits::default()
        })
        .unwrap();
    companion
}

fn start_collector(dir: &Path, org: &OrgReportKey) -> RunningCollector {
    let config = CollectorConfig::new(&dir.join("collector.db"), org.clone(), "enrol-me");
    Collector::start(config).unwrap()
}

/// `n` reports of every kind, in one transaction per 500.
fn queue(companion: &Companion, n: usize, tag: &str) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    let drafts: Vec<ReportDraft> = (0..n)
        .map(|i| match i % 3 {
            0 => ReportDraft {
                kind: ReportKind::TrainingStatement,
                body: json!({
                    "actor": {"account": {"homePage": "https://example-trust.example",
                                          "name": format!("staff-{}", i % 17)}},
                    "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
                    "object": {"id": format!("https://example-trust.example/xapi/modules/m{}", i % 5)},
                    "tag": tag,
                }),
                retention: Retention::Keep,
            },
            1 => ReportDraft {
                kind: ReportKind::PostureReport,
                body: json!({"overall": "compliant",
                             "checks": [{"check_id": "screen_lock", "status": "pass"}],
                             "n": i, "tag": tag}),
                retention: Retention::Keep,
            },
            _ => ReportDraft {
                kind: ReportKind::AdvisoryAck,
                body: json!({"advisory_id": format!("adv-{i}"), "tag": tag}),
                retention: Retention::Keep,
            },
        })
        .collect();
    for chunk in drafts.chunks(500) {
        ids.extend(companion.queue_reports(chunk.to_vec()).unwrap());
    }
    ids
}

/// Syncs until nothing is waiting, moving the manual clock past each back-off.
fn drain(device: &Device, driver: &HttpDriver, max_rounds: usize) {
    for _ in 0..max_rounds {
        let run = driver::sync(&device.companion, driver, 1_000, |_| {}).unwrap();
        assert!(
            !run.reenrolment_needed,
            "the collector never refuses this device"
        );
        let status = device.companion.outbox_status().unwrap();
        if status.pending == 0 && status.in_flight == 0 && status.held == 0 {
            return;
        }
        match status.next_attempt_at {
            Some(t) => device.clock.set(t + 1),
            None => device.clock.advance(1_000),
        }
    }
    panic!("the outbox did not drain in {max_rounds} rounds");
}

fn stored_ids(dir: &Path) -> Vec<String> {
    let db = frontline_collector::db::Db::open(&dir.join("collector.db")).unwrap();
    let mut st = db.conn().prepare("SELECT envelope_id FROM report").unwrap();
    let rows = st.query_map([], |r| r.get::<_, String>(0)).unwrap();
    rows.map(|r| r.unwrap()).collect()
}

#[test]
fn five_thousand_reports_through_chaos_are_stored_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let org = OrgReportKey::generate().unwrap();
    let stranger = OrgReportKey::generate().unwrap();
    let collector = start_collector(dir.path(), &org);
    let mut plan = FaultPlan::chaos(0x5EED_F00D, 350, 120);
    plan.faults = FAULTS.to_vec();
    let proxy = FaultProxy::start(collector.addr(), plan).unwrap();

    let device_dir = dir.path().join("device");
    std::fs::create_dir_all(&device_dir).unwrap();
    let key_store: Arc<dyn KeyStore> = Arc::new(SoftwareKeyStore::ephemeral().unwrap());
    let clock = Arc::new(ManualClock::new(START_MS));

    // Poison: reports sealed to another organisation's key (a misconfigured device).
    let poisoned = {
        let companion = open_device(
            &device_dir,
            &key_store,
            &clock,
            device_config(&proxy.url(), stranger.public_key()),
        );
        queue(&companion, 7, "poisoned")
    };
    let device = Device {
        companion: open_device(
            &device_dir,
            &key_store,
            &clock,
            device_config(&proxy.url(), org.public_key()),
        ),
        clock: clock.clone(),
    };
    let mut good = queue(&device.companion, 2_500, "first");
    let driver = HttpDriver::new(Duration::from_secs(10));
    // Part of the queue goes, more reports arrive, then everything drains.
    let _ = driver::sync(&device.companion, &driver, 10, |_| {}).unwrap();
    good.extend(queue(&device.companion, 2_500, "second"));
    drain(&device, &driver, 400);

    let stored = stored_ids(dir.path());
    let stored_set: HashSet<&String> = stored.iter().collect();
    assert_eq!(stored.len(), stored_set.len(), "no report stored twice");
    let good_set: HashSet<&String> = good.iter().collect();
    assert_eq!(good.len(), 5_000);
    assert_eq!(
        stored_set, good_set,
        "every good report stored, nothing else"
    );

    let dead = device.companion.dead_letters().unwrap();
    let dead_ids: HashSet<&String> = dead.iter().map(|d| &d.id).collect();
    let poisoned_set: HashSet<&String> = poisoned.iter().collect();
    assert_eq!(
        dead_ids, poisoned_set,
        "only the poisoned reports are dead letters"
    );
    assert!(
        dead.iter().all(|d| d.reason.contains("wrong_key")),
        "{dead:?}"
    );
    let status = device.companion.outbox_status().unwrap();
    assert_eq!(status.delivered, 5_000);

    // Every kind of fault was exercised.
    let counts = fault_counts(proxy.stats());
    for fault in FAULTS {
        assert!(
            counts.get(&fault).copied().unwrap_or(0) > 0,
            "{fault:?} never happened: {counts:?}"
        );
    }
}

#[test]
fn replies_later_than_the_driver_waits_are_retried_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let org = OrgReportKey::generate().unwrap();
    let collector = start_collector(dir.path(), &org);
    let mut plan = FaultPlan::chaos(42, 1000, 2);
    plan.faults = vec![Fault::Stall];
    plan.stall_delay = Duration::from_millis(1_500);
    let proxy = FaultProxy::start(collector.addr(), plan).unwrap();
    let device_dir = dir.path().join("device");
    std::fs::create_dir_all(&device_dir).unwrap();
    let key_store: Arc<dyn KeyStore> = Arc::new(SoftwareKeyStore::ephemeral().unwrap());
    let clock = Arc::new(ManualClock::new(START_MS));
    let device = Device {
        companion: open_device(
            &device_dir,
            &key_store,
            &clock,
            device_config(&proxy.url(), org.public_key()),
        ),
        clock,
    };
    let ids = queue(&device.companion, 250, "stall");
    let driver = HttpDriver::new(Duration::from_millis(700));
    drain(&device, &driver, 50);
    assert_eq!(proxy.stats().count(Fault::Stall), 2);
    let stored: HashSet<String> = stored_ids(dir.path()).into_iter().collect();
    assert_eq!(stored, ids.into_iter().collect::<HashSet<_>>());
    assert!(device.companion.dead_letters().unwrap().is_empty());
}

#[test]
fn a_collector_that_goes_away_and_comes_back_gets_everything_once() {
    let dir = tempfile::tempdir().unwrap();
    let org = OrgReportKey::generate().unwrap();
    let collector = start_collector(dir.path(), &org);
    let addr = collector.addr();
    let device_dir = dir.path().join("device");
    std::fs::create_dir_all(&device_dir).unwrap();
    let key_store: Arc<dyn KeyStore> = Arc::new(SoftwareKeyStore::ephemeral().unwrap());
    let clock = Arc::new(ManualClock::new(START_MS));
    let device = Device {
        companion: open_device(
            &device_dir,
            &key_store,
            &clock,
            device_config(&format!("http://{addr}"), org.public_key()),
        ),
        clock,
    };
    let driver = HttpDriver::new(Duration::from_secs(10));
    let mut ids = queue(&device.companion, 120, "before");
    drain(&device, &driver, 10);
    collector.stop();

    ids.extend(queue(&device.companion, 180, "offline"));
    let run = driver::sync(&device.companion, &driver, 10, |_| {}).unwrap();
    assert_eq!((run.delivered, run.transport_failures), (0, 1), "{run:?}");
    assert!(run.retry_at.is_some());
    assert_eq!(device.companion.outbox_status().unwrap().pending, 180);

    let mut config =
        CollectorConfig::new(&dir.path().join("collector.db"), org.clone(), "enrol-me");
    config.listen = addr;
    let _back = Collector::start(config).unwrap();
    drain(&device, &driver, 10);
    let stored: Vec<String> = stored_ids(dir.path());
    assert_eq!(stored.len(), 300);
    assert_eq!(
        stored.into_iter().collect::<HashSet<_>>(),
        ids.into_iter().collect::<HashSet<_>>()
    );
}
