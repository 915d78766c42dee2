//! Load generator: N simulated devices with real envelopes against collectors on loopback.
//!
//! ```sh
//! cargo bench -p frontline-e2e --bench collector_load -- \
//!     --store sqlite|postgres --collectors 1|3 [--devices 1000] [--per-device 10] \
//!     [--batch 10] [--clients 32] [--rate ENVELOPES_PER_S] [--in-flight 8]
//! ```
//!
//! The collectors are child processes (this binary with `--serve`, `frontline_e2e::node`),
//! one or three, on one store: a SQLite file, or a fresh schema of the PostgreSQL server in
//! `FRONTLINE_TEST_POSTGRES_URL`. Every device has its own Ed25519 key and enrols first; its
//! envelopes are sealed (HPKE to the organisation key, signed) before the clock starts, so
//! what is timed is the collectors: HTTP, opening, verifying and storing.
//!
//! `--clients` threads send the batches (keep-alive connections, round-robin over the
//! collectors); with `--rate` they are paced to that many envelopes a second, otherwise as
//! fast as answers come. A `503`/`429` is counted and the batch is sent again after 100 ms.
//! Printed: envelopes/s accepted, p50/p99 latency of the answered requests, the share
//! answered 503/429, the load average before and after, where the CPU went during the timed
//! part (the collector processes, the PostgreSQL backends serving this database, this load
//! generator; from `/proc`), and a check that every envelope was stored exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use frontline_collector::store::{Cell, ReportSource};
use frontline_collector::testing::{postgres_test_url, EnvelopeSealer};
use frontline_collector::{OrgReportKey, Store, StoreConfig};
use frontline_core::crypto::{b64url, SigningKey};
use frontline_e2e::node::{hex, Node, NodeArgs};
use serde_json::json;

struct Options {
    store: String,
    collectors: usize,
    devices: usize,
    per_device: usize,
    batch: usize,
    clients: usize,
    rate: f64,
    in_flight: usize,
}

fn options() -> Options {
    let mut o = Options {
        store: String::from("sqlite"),
        collectors: 1,
        devices: 1000,
        per_device: 10,
        batch: 10,
        clients: 32,
        rate: 0.0,
        in_flight: 8,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--store" => o.store = value,
            "--collectors" => o.collectors = value.parse().unwrap(),
            "--devices" => o.devices = value.parse().unwrap(),
            "--per-device" => o.per_device = value.parse().unwrap(),
            "--batch" => o.batch = value.parse().unwrap(),
            "--clients" => o.clients = value.parse().unwrap(),
            "--rate" => o.rate = value.parse().unwrap(),
            "--in-flight" => o.in_flight = value.parse().unwrap(),
            // cargo bench passes --bench; ignore anything else.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

/// A device of the fleet: index, id, its sealed envelopes, its public key (base64url).
type SealedDevice = (usize, String, Vec<serde_json::Value>, String);

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// CPU seconds (user + system) process `pid` has used so far, from `/proc/PID/stat`
/// (`CLK_TCK` = 100 on Linux).
fn cpu_seconds(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // Fields after the command name (which may hold spaces) in parentheses.
            let rest = stat.rsplit_once(") ")?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(0.0)
}

/// The PostgreSQL backends serving clients of the benchmark's database (the collectors'
/// connections; not autovacuum), and their CPU seconds.
fn postgres_backends(store: &StoreConfig) -> Vec<(u32, f64)> {
    if !matches!(store, StoreConfig::Postgres { .. }) {
        return Vec::new();
    }
    let store = Store::open(store).unwrap();
    store
        .rows(
            "SELECT pid FROM pg_stat_activity
             WHERE datname = current_database() AND backend_type = 'client backend'
               AND pid <> pg_backend_pid()",
        )
        .unwrap()
        .iter()
        .map(|row| {
            let pid = u32::try_from(row[0].int()).unwrap();
            (pid, cpu_seconds(pid))
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        let node = NodeArgs::parse(&args[2..]).expect("node arguments");
        frontline_e2e::node::serve(&node).unwrap();
        return;
    }
    let o = options();
    let dir = tempfile::tempdir().unwrap();
    let (store_arg, store_config) = match o.store.as_str() {
        "sqlite" => {
            let path = dir.path().join("collector.db");
            (
                format!("sqlite:{}", path.display()),
                StoreConfig::sqlite(&path),
            )
        }
        "postgres" => {
            let url =
                postgres_test_url().expect("FRONTLINE_TEST_POSTGRES_URL for --store postgres");
            (url.clone(), StoreConfig::postgres(&url))
        }
        other => panic!("--store sqlite|postgres, not {other}"),
    };
    drop(Store::open(&store_config).unwrap());
    let org = OrgReportKey::generate().unwrap();
    let node_args = NodeArgs {
        store: store_arg,
        org_key_hex: hex(org.to_private_jwk().unwrap().d.as_deref().unwrap()),
        token: String::from("load-token"),
        max_in_flight: o.in_flight,
        workers: 1,
    };
    let exe = std::env::current_exe().unwrap();
    let nodes: Vec<Node> = (0..o.collectors)
        .map(|_| Node::spawn(&exe, &["--serve"], &node_args).unwrap())
        .collect();
    let urls: Vec<String> = nodes.iter().map(|n| format!("http://{}", n.addr)).collect();

    // The fleet, sealed before the clock starts (on both cores).
    let t = Instant::now();
    let next = AtomicUsize::new(0);
    let sealed: Mutex<Vec<SealedDevice>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let d = next.fetch_add(1, Ordering::SeqCst);
                if d >= o.devices {
                    break;
                }
                let id = format!("load-{d:05}");
                let seed = SigningKey::generate().unwrap().seed().to_vec();
                let sealer = EnvelopeSealer::new(&id, &seed, org.public_key()).unwrap();
                let envelopes = (0..o.per_device)
                    .map(|i| {
                        let body = json!({"overall": "compliant", "checks": [
                            {"check_id": "screen_lock", "status": if i % 4 == 0 { "fail" } else { "pass" }},
                            {"check_id": "os_version", "status": "pass"}]});
                        sealer.seal("posture_report", &body)
                    })
                    .collect();
                let key = b64url(&sealer.device_public_key());
                sealed.lock().unwrap().push((d, id, envelopes, key));
            });
        }
    });
    let mut fleet = sealed.into_inner().unwrap();
    fleet.sort_by_key(|f| f.0);
    let enrol_agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    for (d, id, _, key) in &fleet {
        let body = json!({"device_id": id, "public_key": key, "enrolment_token": "load-token"});
        enrol_agent
            .post(&format!("{}/v1/devices", urls[d % urls.len()]))
            .send_string(&body.to_string())
            .unwrap();
    }
    let batches: Vec<(String, String, usize)> = fleet
        .iter()
        .flat_map(|(_, id, envelopes, _)| {
            envelopes
                .chunks(o.batch.max(1))
                .map(|c| (id.clone(), json!({ "envelopes": c }).to_string(), c.len()))
                .collect::<Vec<_>>()
        })
        .collect();
    let total: usize = batches.iter().map(|b| b.2).sum();
    eprintln!(
        "sealed and enrolled {} devices ({} envelopes, {} batches) in {:.1} s",
        o.devices,
        total,
        batches.len(),
        t.elapsed().as_secs_f64()
    );

    let load_before = load_average();
    let nodes_cpu_before: f64 = nodes.iter().map(|n| cpu_seconds(n.pid())).sum();
    let self_cpu_before = cpu_seconds(std::process::id());
    let pg_before = postgres_backends(&store_config);
    let next = AtomicUsize::new(0);
    let latencies: Mutex<Vec<Duration>> = Mutex::new(Vec::with_capacity(batches.len()));
    let busy = AtomicUsize::new(0);
    let answered = AtomicUsize::new(0);
    let accepted = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..o.clients {
            s.spawn(|| {
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(60))
                    .build();
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some((device, body, n)) = batches.get(i) else {
                        break;
                    };
                    if o.rate > 0.0 {
                        let due = Duration::from_secs_f64(i as f64 * o.batch as f64 / o.rate);
                        if let Some(wait) = due.checked_sub(start.elapsed()) {
                            std::thread::sleep(wait);
                        }
                    }
                    let url = format!("{}/v1/envelopes", urls[i % urls.len()]);
                    loop {
                        let sent = Instant::now();
                        let reply = agent
                            .post(&url)
                            .set("X-Frontline-Device", device)
                            .set("Content-Type", "application/json")
                            .send_string(body);
                        let took = sent.elapsed();
                        answered.fetch_add(1, Ordering::Relaxed);
                        match reply {
                            Ok(r) => {
                                mine.push(took);
                                let v: serde_json::Value =
                                    serde_json::from_str(&r.into_string().unwrap()).unwrap();
                                let ok = v["results"]
                                    .as_array()
                                    .unwrap()
                                    .iter()
                                    .filter(|r| r["status"] == "accepted")
                                    .count();
                                assert_eq!(ok, *n, "every envelope accepted once");
                                accepted.fetch_add(ok, Ordering::Relaxed);
                                break;
                            }
                            Err(ureq::Error::Status(503 | 429, _)) => {
                                busy.fetch_add(1, Ordering::Relaxed);
                                std::thread::sleep(Duration::from_millis(100));
                            }
                            Err(e) => panic!("request failed: {e}"),
                        }
                    }
                }
                latencies.lock().unwrap().extend(mine);
            });
        }
    });
    let elapsed = start.elapsed();
    let load_after = load_average();
    let nodes_cpu = nodes.iter().map(|n| cpu_seconds(n.pid())).sum::<f64>() - nodes_cpu_before;
    let self_cpu = cpu_seconds(std::process::id()) - self_cpu_before;
    let pg_cpu: f64 = postgres_backends(&store_config)
        .iter()
        .map(|(pid, now)| {
            now - pg_before
                .iter()
                .find(|(p, _)| p == pid)
                .map_or(0.0, |(_, then)| *then)
        })
        .sum();
    for node in nodes {
        node.stop();
    }
    let mut lat = latencies.into_inner().unwrap();
    lat.sort();
    let store = Store::open(&store_config).unwrap();
    let rows = store
        .rows("SELECT COUNT(*), COUNT(DISTINCT envelope_id) FROM report")
        .unwrap();
    assert_eq!(
        rows[0],
        vec![Cell::Int(total as i64), Cell::Int(total as i64)],
        "each stored once"
    );
    let accepted = accepted.into_inner();
    let answered = answered.into_inner();
    let busy = busy.into_inner();
    let line = format!(
        "store={} collectors={} devices={} envelopes={} batch={} clients={} rate={} | \
         accepted/s={:.0} p50={:.1}ms p99={:.1}ms busy={:.1}% ({} of {} answers) elapsed={:.2}s | \
         cpu s: collectors {:.2} postgres {} generator {:.2} | \
         loadavg before {} after {} | stored once: {}",
        o.store,
        o.collectors,
        o.devices,
        total,
        o.batch,
        o.clients,
        if o.rate > 0.0 {
            format!("{:.0}", o.rate)
        } else {
            String::from("max")
        },
        accepted as f64 / elapsed.as_secs_f64(),
        percentile(&lat, 0.50).as_secs_f64() * 1000.0,
        percentile(&lat, 0.99).as_secs_f64() * 1000.0,
        100.0 * busy as f64 / answered.max(1) as f64,
        busy,
        answered,
        elapsed.as_secs_f64(),
        nodes_cpu,
        if o.store == "postgres" {
            format!("{pg_cpu:.2}")
        } else {
            String::from("-")
        },
        self_cpu,
        load_before,
        load_after,
        total
    );
    println!("{line}");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../build/bench");
    let _ = std::fs::create_dir_all(&out);
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out.join("collector_load.txt"))
    {
        use std::io::Write;
        let _ = writeln!(f, "{line}");
    }
}
