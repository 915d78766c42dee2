//! An enqueue that returned success survives the process being killed (SIGKILL) at any
//! moment: the test re-runs itself as a child that queues reports in a loop and prints each id
//! once `queue_reports` has returned, kills it mid-stream, reopens the data directory and finds
//! every printed report. (Power loss is covered by `synchronous=FULL`; see ADR 0010.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use frontline_core::outbox::{ReportDraft, ReportKind, Retention};
use frontline_core::{Companion, CompanionConfig, SoftwareKeyStore, StaffRole};

const CHILD_ENV: &str = "FRONTLINE_DURABILITY_CHILD_DIR";
const ORG_KEY: &str = "TB75awvtpEGv27HxteeeMQdkr-naf9SdAS0493GNiDo";

fn open(dir: &Path) -> Companion {
    let mut config = CompanionConfig::new("example-trust", "p-1", StaffRole::AllStaff);
    config.org_report_key = Some(ORG_KEY.to_owned());
    config.collector_url = Some(String::from("https://collector.example-trust.example"));
    let ks = SoftwareKeyStore::from_file(&dir.join("wrapping.key")).unwrap();
    Companion::open(dir, config, Arc::new(ks)).unwrap()
}

fn child(dir: &Path) -> ! {
    let companion = open(dir);
    let mut out = std::io::stdout().lock();
    for i in 0_u64.. {
        let ids = companion
            .queue_reports(vec![ReportDraft {
                kind: ReportKind::TrainingStatement,
                body: serde_json::json!({ "n": i }),
                retention: Retention::Keep,
            }])
            .unwrap();
        writeln!(out, "queued {}", ids[0]).unwrap();
        out.flush().unwrap();
    }
    unreachable!()
}

#[test]
fn enqueued_reports_survive_kill_9() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        child(Path::new(&dir));
    }
    let dir = tempfile::tempdir().unwrap();
    let device_id = open(dir.path()).device_id();
    let mut proc = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "enqueued_reports_survive_kill_9",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = proc.stdout.take().unwrap();
    let mut confirmed = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(id) = line.strip_prefix("queued ") {
            confirmed.push(id.to_owned());
            if confirmed.len() == 40 {
                break;
            }
        }
    }
    proc.kill().unwrap(); // SIGKILL: no destructors, no clean close of SQLite.
    proc.wait().unwrap();
    assert_eq!(confirmed.len(), 40);

    let companion = open(dir.path());
    assert_eq!(companion.device_id(), device_id);
    let status = companion.outbox_status().unwrap();
    assert!(status.pending >= 40, "{} pending", status.pending);
    // Walk the whole outbox through the public API: every confirmed id is there (the child
    // may have committed a few more after its last line was read).
    let mut seen = std::collections::HashSet::new();
    let mut batches = 0;
    while let Some(req) = companion.next_sync_request().unwrap() {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        for env in body["envelopes"].as_array().unwrap() {
            seen.insert(env["id"].as_str().unwrap().to_owned());
        }
        batches += 1;
        assert!(batches < 100);
    }
    for id in &confirmed {
        assert!(seen.contains(id), "a confirmed report was lost");
    }
}
