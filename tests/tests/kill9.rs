//! Kill -9 harness: an enqueue that returned success survives the process being killed at
//! any point, and a kill never leaves a damaged file or a half-written row.
//!
//! A child process (`src/bin/enqueue_child.rs`) queues reports in a loop and prints
//! `ok <id>` after each queue call returned. The parent reads those markers, sends SIGKILL after
//! a random number of them (seeded; it waits for markers and never sleeps), and then checks the
//! data directory:
//! * `PRAGMA integrity_check` is `ok`;
//! * every acknowledged id is in the outbox;
//! * every outbox row is whole: its envelope opens with the organisation's private key (the
//!   collector's independent HPKE opener), its signature verifies with the device key, it names
//!   its own row id, and its stored size matches. Rows checked in an earlier cycle must be
//!   byte for byte unchanged;
//! * the device identity is the same after every restart.
//!
//! 100 cycles in the suite. Long run (figures in docs/security.md):
//! `FRONTLINE_KILL9_CYCLES=1000 cargo test -p frontline-e2e --test kill9 -- --nocapture`
//! (`FRONTLINE_KILL9_SEED` picks another seed).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use frontline_collector::envelope;
use frontline_collector::OrgReportKey;
use frontline_core::crypto::{b64url, from_b64url};

/// Most markers before a kill; 0 kills the child while it queues its first report.
const MAX_MARKERS: u64 = 20;

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs the child until it has printed `markers` acknowledgements, then kills it. Returns the
/// device line and the acknowledged ids.
fn run_and_kill(dir: &Path, org_public: &str, markers: u64) -> (String, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_enqueue_child"))
        .arg(dir)
        .arg(org_public)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let device = match lines.next() {
        Some(Ok(line)) if line.starts_with("device ") => line,
        other => {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "child did not start: {other:?}; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    };
    let mut acked = Vec::new();
    while (acked.len() as u64) < markers {
        match lines.next() {
            Some(Ok(line)) => {
                let id = line.strip_prefix("ok ").expect("marker line");
                acked.push(id.to_owned());
            }
            other => {
                let out = child.wait_with_output().unwrap();
                panic!(
                    "child stopped early: {other:?}; stderr: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix.
    let status = child.wait().unwrap();
    assert!(!status.success(), "the child was killed, not finished");
    (device, acked)
}

struct Checked {
    rows: usize,
    new_rows: usize,
}

/// Checks the store after a kill; `seen` holds the envelope bytes verified in earlier cycles.
fn check_store(
    dir: &Path,
    org_key: &OrgReportKey,
    device_id: &str,
    device_key: &[u8],
    acked: &HashSet<String>,
    seen: &mut HashMap<String, Vec<u8>>,
) -> Checked {
    let conn = rusqlite::Connection::open(dir.join("frontline.db")).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let mut stmt = conn
        .prepare("SELECT id, kind, state, size, envelope FROM outbox")
        .unwrap();
    let rows: Vec<(String, String, String, i64, Vec<u8>)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut present = HashSet::new();
    let mut new_rows = 0;
    for (id, kind, state, size, bytes) in rows {
        assert_eq!(kind, "training_statement", "{id}");
        assert_eq!(state, "pending", "{id}");
        assert_eq!(size as usize, bytes.len(), "{id}: stored size");
        match seen.get(&id) {
            Some(before) => assert_eq!(before, &bytes, "{id} changed after it was stored"),
            None => {
                let item: serde_json::Value = serde_json::from_slice(&bytes)
                    .unwrap_or_else(|e| panic!("{id}: envelope is not JSON: {e}"));
                let opened = envelope::open(&item, device_id, device_key, org_key)
                    .unwrap_or_else(|r| panic!("{id}: envelope does not open: {r:?}"));
                assert_eq!(opened.id, id);
                assert!(opened.report["body"]["seq"].is_u64(), "{id}: report body");
                seen.insert(id.clone(), bytes);
                new_rows += 1;
            }
        }
        present.insert(id);
    }
    let missing: Vec<_> = acked.difference(&present).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    Checked {
        rows: present.len(),
        new_rows,
    }
}

#[test]
fn acknowledged_reports_survive_kill_9() {
    let cycles = env_u64("FRONTLINE_KILL9_CYCLES", 100);
    let mut rng = Rng(env_u64("FRONTLINE_KILL9_SEED", 0x9e37_79b9_7f4a_7c15) | 1);
    let dir = tempfile::tempdir().unwrap();
    let org_key = OrgReportKey::generate().unwrap();
    let org_public = b64url(org_key.public_key());

    let mut acked = HashSet::new();
    let mut seen = HashMap::new();
    let mut identity: Option<String> = None;
    let mut kills_before_first_marker = 0;
    for cycle in 0..cycles {
        let markers = rng.below(MAX_MARKERS + 1);
        if markers == 0 {
            kills_before_first_marker += 1;
        }
        let (device, ids) = run_and_kill(dir.path(), &org_public, markers);
        match &identity {
            None => identity = Some(device.clone()),
            Some(first) => assert_eq!(first, &device, "cycle {cycle}: device identity changed"),
        }
        acked.extend(ids);
        let mut parts = device.split(' ').skip(1);
        let device_id = parts.next().unwrap();
        let device_key = from_b64url(parts.next().unwrap()).unwrap();
        let checked = check_store(
            dir.path(),
            &org_key,
            device_id,
            &device_key,
            &acked,
            &mut seen,
        );
        assert!(checked.rows >= acked.len());
        assert!(checked.new_rows as u64 >= markers);
    }
    println!(
        "kill -9 harness: {cycles} cycles survived ({kills_before_first_marker} killed before \
         their first acknowledgement), {} acknowledged reports, {} stored, 0 lost",
        acked.len(),
        seen.len()
    );
}
