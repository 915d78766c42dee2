//! Benchmark: a device drains 10,000 queued reports to a collector on loopback.
//!
//! `cargo bench -p frontline-e2e --bench sync_drain [-- --reports N]`
//!
//! The collector runs in a child process (this binary with `--serve`) so the device's peak
//! memory (`VmHWM` from `/proc/self/status`) is the device's alone. Printed: time to queue,
//! time to drain, reports per second, batches, and the device's peak resident memory.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use frontline_collector::driver::{self, HttpDriver};
use frontline_collector::testing::EnvelopeSealer;
use frontline_collector::{Collector, CollectorConfig, OrgReportKey};
use frontline_core::crypto::b64url;
use frontline_core::outbox::{OutboxLimits, ReportDraft, ReportKind, Retention};
use frontline_core::{Companion, CompanionConfig, SoftwareKeyStore, StaffRole};
use serde_json::json;

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn serve(dir: &str, key_hex: &str) {
    let d: Vec<u8> = (0..key_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&key_hex[i..i + 2], 16).unwrap())
        .collect();
    let org = OrgReportKey::from_private_bytes(&d).unwrap();
    let db = std::path::Path::new(dir).join("collector.db");
    let running = Collector::start(CollectorConfig::new(&db, org, "bench-token")).unwrap();
    println!("{}", running.addr());
    std::io::stdout().flush().unwrap();
    // Serve until the parent closes our standard input.
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    running.stop();
}

fn statement(i: usize) -> serde_json::Value {
    json!({
        "id": format!("00000000-0000-4000-8000-{i:012}"),
        "actor": {"objectType": "Agent",
                  "account": {"homePage": "https://example-trust.example", "name": "staff-7f3a"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-GB": "completed"}},
        "object": {"objectType": "Activity",
                   "id": format!("https://example-trust.example/xapi/modules/module-{}", i % 12),
                   "definition": {"name": {"en-GB": "A module"}}},
        "result": {"completion": true, "success": true, "score": {"scaled": 0.9}},
        "timestamp": "2026-11-28T17:03:04.123Z"
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        serve(&args[i + 1], &args[i + 2]);
        return;
    }
    let reports: usize = args
        .iter()
        .position(|a| a == "--reports")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);

    let dir = tempfile::tempdir().unwrap();
    let org = OrgReportKey::generate().unwrap();
    let key_hex: String = org
        .to_private_jwk()
        .unwrap()
        .d
        .as_ref()
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--serve", dir.path().to_str().unwrap(), &key_hex])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut addr = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut addr)
        .unwrap();
    let url = format!("http://{}", addr.trim());

    let device_dir = dir.path().join("device");
    std::fs::create_dir_all(&device_dir).unwrap();
    let mut config = CompanionConfig::new("example-trust", "staff-7f3a", StaffRole::AllStaff);
    config.collector_url = Some(url);
    config.enrolment_token = Some(String::from("bench-token"));
    config.org_report_key = Some(b64url(org.public_key()));
    let companion = Companion::open(
        &device_dir,
        config,
        Arc::new(SoftwareKeyStore::ephemeral().unwrap()),
    )
    .unwrap();
    companion
        .set_outbox_limits(OutboxLimits {
            max_reports: 50_000,
            max_bytes: 256 * 1024 * 1024,
            ..OutboxLimits::default()
        })
        .unwrap();

    let t = Instant::now();
    for start in (0..reports).step_by(500) {
        let drafts = (start..(start + 500).min(reports))
            .map(|i| ReportDraft {
                kind: ReportKind::TrainingStatement,
                body: statement(i),
                retention: Retention::Keep,
            })
            .collect();
        companion.queue_reports(drafts).unwrap();
    }
    let queued = t.elapsed();
    let bytes = companion.outbox_status().unwrap().bytes;

    let http = HttpDriver::new(Duration::from_secs(30));
    let t = Instant::now();
    let run = driver::sync(&companion, &http, 100_000, |_| {}).unwrap();
    let drained = t.elapsed();
    let status = companion.outbox_status().unwrap();
    assert_eq!(status.pending, 0, "everything drained");
    assert_eq!(run.delivered, reports as u64);

    let device_peak = vm_hwm_kib();

    // Baseline in the same run: the same number of envelopes, sealed beforehand by the test
    // sealer, posted in batches of 100 by a plain loop (collector + HTTP cost alone).
    let seed = frontline_core::crypto::SigningKey::generate()
        .unwrap()
        .seed()
        .to_vec();
    let sealer = EnvelopeSealer::new("bench-baseline", &seed, org.public_key()).unwrap();
    let base = format!("http://{}", addr.trim());
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .max_idle_connections(0)
        .build();
    let enrolment = json!({"device_id": "bench-baseline",
                           "public_key": b64url(&sealer.device_public_key()),
                           "enrolment_token": "bench-token"});
    agent
        .post(&format!("{base}/v1/devices"))
        .send_string(&enrolment.to_string())
        .unwrap();
    let bodies: Vec<String> = (0..reports)
        .collect::<Vec<_>>()
        .chunks(100)
        .map(|chunk| {
            let envs: Vec<serde_json::Value> = chunk
                .iter()
                .map(|i| sealer.seal("training_statement", &statement(*i)))
                .collect();
            json!({ "envelopes": envs }).to_string()
        })
        .collect();
    let t = Instant::now();
    for body in &bodies {
        let resp = agent
            .post(&format!("{base}/v1/envelopes"))
            .set("X-Frontline-Device", "bench-baseline")
            .send_string(body)
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let baseline = t.elapsed();

    drop(child.stdin.take());
    let _ = child.wait();

    println!(
        "sync_drain: {reports} reports ({} KiB of envelopes)",
        bytes / 1024
    );
    println!(
        "  queue (sign + seal + store, 500 per transaction): {:.2} s, {:.0} reports/s",
        queued.as_secs_f64(),
        reports as f64 / queued.as_secs_f64()
    );
    println!(
        "  drain to the loopback collector: {:.2} s, {:.0} reports/s, {} requests",
        drained.as_secs_f64(),
        reports as f64 / drained.as_secs_f64(),
        run.requests
    );
    println!(
        "  baseline, pre-sealed envelopes posted in batches of 100: {:.2} s, {:.0} reports/s",
        baseline.as_secs_f64(),
        reports as f64 / baseline.as_secs_f64()
    );
    println!(
        "  ratio drain / baseline: {:.2}x",
        drained.as_secs_f64() / baseline.as_secs_f64()
    );
    match device_peak {
        Some(kib) => println!(
            "  device peak resident memory (VmHWM): {:.1} MiB",
            kib as f64 / 1024.0
        ),
        None => println!("  device peak resident memory: not available on this platform"),
    }
}
