//! Sync soak: reports keep arriving while the device syncs through the fault-injecting proxy
//! at a steady 30% fault rate (no fault budget: faults never stop), and the app restarts
//! between sync runs. The claim: every report is stored at the collector exactly once, none is
//! dead-lettered, none is lost.
//!
//! This builds on the collector helper's proxy and driver (`tests/src/proxy.rs`,
//! `frontline_collector::driver`) and on `e2e_sync.rs`, which covers every fault kind with a
//! budget. What the soak adds is a fault rate that stays up for the whole run, reports queued
//! between sync runs, and a `Companion` dropped and reopened every few runs. Reopening puts
//! the in-flight batches back to pending (`recover_outbox`), so they are re-sent and the
//! collector dedupes them.
//!
//! In the suite: 2,000 reports. Long run (figures in docs/security.md):
//! `FRONTLINE_SOAK_REPORTS=10000 cargo test -p frontline-e2e --test soak -- --nocapture`
//! (`FRONTLINE_SOAK_SEED` picks another seed).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use frontline_collector::driver::{self, HttpDriver};
use frontline_collector::{Collector, CollectorConfig, OrgReportKey};
use frontline_core::crypto::b64url;
use frontline_core::outbox::{OutboxLimits, ReportDraft, ReportKind, Retention};
use frontline_core::{
    Companion, CompanionConfig, KeyStore, ManualClock, SoftwareKeyStore, StaffRole,
};
use frontline_e2e::proxy::{fault_counts, Fault, FaultPlan, FaultProxy, FAULTS};

const START_MS: i64 = 1_795_885_384_000;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn open(
    dir: &Path,
    key_store: &Arc<dyn KeyStore>,
    clock: &Arc<ManualClock>,
    url: &str,
    org: &OrgReportKey,
) -> Companion {
    let mut config = CompanionConfig::new("example-trust", "staff-soak-01", StaffRole::AllStaff);
    config.collector_url = Some(url.to_owned());
    config.enrolment_token = Some(String::from("enrol-me"));
    config.org_report_key = Some(b64url(org.public_key()));
    let companion =
        Companion::open_with_clock(dir, config, key_store.clone(), clock.clone()).unwrap();
    // Small batches: more requests, so more faults, per report.
    companion
        .set_outbox_limits(OutboxLimits {
            max_reports: 50_000,
            max_bytes: 256 * 1024 * 1024,
            batch_max_reports: 40,
            ..OutboxLimits::default()
        })
        .unwrap();
    companion
}

fn draft(n: u64) -> ReportDraft {
    let kind = [
        ReportKind::TrainingStatement,
        ReportKind::PostureReport,
        ReportKind::AdvisoryAck,
    ][(n % 3) as usize];
    ReportDraft {
        kind,
        body: serde_json::json!({ "n": n, "soak": true }),
        retention: Retention::Keep,
    }
}

fn stored_ids(path: &Path) -> Vec<String> {
    let db = frontline_collector::db::Db::open(path).unwrap();
    let mut st = db.conn().prepare("SELECT envelope_id FROM report").unwrap();
    let rows = st.query_map([], |r| r.get::<_, String>(0)).unwrap();
    rows.map(|r| r.unwrap()).collect()
}

#[test]
fn reports_survive_a_steady_thirty_percent_of_faults_exactly_once() {
    let total = env_u64("FRONTLINE_SOAK_REPORTS", 2_000);
    let seed = env_u64("FRONTLINE_SOAK_SEED", 0x50a4_5eed);
    let dir = tempfile::tempdir().unwrap();
    let org = OrgReportKey::generate().unwrap();
    let collector_db = dir.path().join("collector.db");
    let collector =
        Collector::start(CollectorConfig::new(&collector_db, org.clone(), "enrol-me")).unwrap();
    let mut plan = FaultPlan::chaos(seed, 300, u64::MAX);
    plan.faults = FAULTS.to_vec();
    plan.faults.push(Fault::Stall);
    // Keep the slow kinds short: the soak is about counts, not waiting. A stall outlasts
    // the driver's time-out, so its answer is lost after the collector committed.
    plan.slow_delay = Duration::from_millis(5);
    plan.stall_delay = Duration::from_millis(400);
    plan.lifetime = Duration::from_secs(3_600);
    let proxy = FaultProxy::start(collector.addr(), plan).unwrap();
    let driver = HttpDriver::new(Duration::from_millis(300));

    let device_dir = dir.path().join("device");
    std::fs::create_dir_all(&device_dir).unwrap();
    let key_store: Arc<dyn KeyStore> = Arc::new(SoftwareKeyStore::ephemeral().unwrap());
    let clock = Arc::new(ManualClock::new(START_MS));
    let mut companion = open(&device_dir, &key_store, &clock, &proxy.url(), &org);

    let mut queued: Vec<String> = Vec::new();
    let (mut runs, mut restarts, mut requests) = (0_u64, 0_u64, 0_u64);
    let mut next = 0_u64;
    loop {
        // New reports arrive in small waves until all are queued.
        if next < total {
            let wave = (total - next).min(37);
            let drafts = (next..next + wave).map(draft).collect();
            queued.extend(companion.queue_reports(drafts).unwrap());
            next += wave;
        }
        let run = driver::sync(&companion, &driver, 8, |_| {}).unwrap();
        assert!(
            !run.reenrolment_needed,
            "the collector never refuses this device"
        );
        runs += 1;
        requests += u64::from(run.requests);
        let status = companion.outbox_status().unwrap();
        if next >= total && status.pending == 0 && status.in_flight == 0 && status.held == 0 {
            break;
        }
        match status.next_attempt_at {
            Some(t) => clock.set(t + 1),
            None => clock.advance(1_000),
        }
        if runs % 7 == 0 {
            // The app is closed and opened again, possibly with batches in flight.
            drop(companion);
            companion = open(&device_dir, &key_store, &clock, &proxy.url(), &org);
            restarts += 1;
        }
        assert!(runs < 200_000, "the outbox never drained");
    }

    let stored = stored_ids(&collector_db);
    let stored_set: HashSet<&String> = stored.iter().collect();
    let queued_set: HashSet<&String> = queued.iter().collect();
    assert_eq!(queued.len() as u64, total);
    assert_eq!(stored.len(), stored_set.len(), "a report was stored twice");
    assert_eq!(
        stored_set, queued_set,
        "stored reports differ from queued ones"
    );
    assert!(companion.dead_letters().unwrap().is_empty());
    assert_eq!(companion.outbox_status().unwrap().delivered, total);

    let counts = fault_counts(proxy.stats());
    let faults: u64 = counts
        .iter()
        .filter(|(kind, _)| **kind != Fault::Pass)
        .map(|(_, n)| n)
        .sum();
    let proxied = proxy.stats().requests();
    assert!(
        faults * 1000 >= proxied * 200,
        "a steady fault rate: {faults} faults in {proxied} requests"
    );
    let mut by_kind: Vec<String> = counts
        .iter()
        .filter(|(kind, _)| **kind != Fault::Pass)
        .map(|(k, v)| format!("{k:?} {v}"))
        .collect();
    by_kind.sort();
    println!(
        "soak: {total} reports exactly once; {proxied} requests through the proxy \
         ({requests} from the device), {faults} faults injected [{}]; {runs} sync runs, \
         {restarts} app restarts; 0 lost, 0 duplicated, 0 dead-lettered",
        by_kind.join(", ")
    );
}
