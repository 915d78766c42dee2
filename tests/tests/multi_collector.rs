//! Several collector processes on one PostgreSQL database: envelope dedupe holds across
//! processes, because it is the database's unique constraint (`ON CONFLICT DO NOTHING`), not
//! an in-process check.
//!
//! Three `collector_node` child processes share one database (a fresh schema). A fleet of
//! 1,000 devices sends 10,000 real envelopes (10 each, sealed with the `hpke` crate and
//! signed with each device's key) through a round-robin over the three. Every batch is also
//! sent a second time, at once and to the next collector, so the same ids race each other in
//! different processes. Afterwards: 10,000 rows, 10,000 distinct ids, and every envelope
//! answered `accepted` exactly once over all answers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use frontline_collector::store::{Cell, ReportSource};
use frontline_collector::testing::{postgres_test_url, EnvelopeSealer};
use frontline_collector::{OrgReportKey, Store, StoreConfig};
use frontline_core::crypto::{b64url, SigningKey};
use frontline_e2e::node::{hex, Node, NodeArgs};
use serde_json::{json, Value};

const DEVICES: usize = 1_000;
const PER_DEVICE: usize = 10;
const COLLECTORS: usize = 3;
const CLIENTS: usize = 12;

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build()
}

/// POSTs until the answer is not 503 (honouring a short Retry-After); returns the answer.
fn post(agent: &ureq::Agent, url: &str, device: Option<&str>, body: &str) -> (u16, Value) {
    for _ in 0..50 {
        let mut req = agent.post(url).set("Content-Type", "application/json");
        if let Some(d) = device {
            req = req.set("X-Frontline-Device", d);
        }
        let (status, text) = match req.send_string(body) {
            Ok(r) => (r.status(), r.into_string().unwrap()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
            Err(e) => panic!("transport failure: {e}"),
        };
        if status == 503 {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        return (status, serde_json::from_str(&text).unwrap_or(Value::Null));
    }
    panic!("the collectors stayed busy");
}

#[test]
fn three_collectors_on_one_postgres_store_each_envelope_once() {
    let Some(url) = postgres_test_url() else {
        return;
    };
    let org = OrgReportKey::generate().unwrap();
    // The schema is made once, before the processes race to start.
    drop(Store::open(&StoreConfig::postgres(&url)).unwrap());
    let args = NodeArgs {
        store: url.clone(),
        org_key_hex: hex(&org_private_bytes(&org)),
        token: String::from("fleet-token"),
        max_in_flight: 4,
        workers: 1,
    };
    let program = std::path::PathBuf::from(env!("CARGO_BIN_EXE_collector_node"));
    let nodes: Vec<Node> = (0..COLLECTORS)
        .map(|_| Node::spawn(&program, &[], &args).unwrap())
        .collect();
    let urls: Vec<String> = nodes.iter().map(|n| format!("http://{}", n.addr)).collect();

    // The fleet: each device enrols (through the round-robin) and seals its envelopes.
    let fleet: Vec<(String, Vec<Value>)> = (0..DEVICES)
        .map(|d| {
            let id = format!("fleet-{d:04}");
            let seed = SigningKey::generate().unwrap().seed().to_vec();
            let sealer = EnvelopeSealer::new(&id, &seed, org.public_key()).unwrap();
            let enrol = json!({"device_id": id, "public_key": b64url(&sealer.device_public_key()),
                               "enrolment_token": "fleet-token"})
            .to_string();
            let (status, _) = post(
                &agent(),
                &format!("{}/v1/devices", urls[d % COLLECTORS]),
                None,
                &enrol,
            );
            assert_eq!(status, 200);
            let envelopes = (0..PER_DEVICE)
                .map(|i| sealer.seal("advisory_ack", &json!({"advisory_id": format!("adv-{i}")})))
                .collect();
            (id, envelopes)
        })
        .collect();

    let next = AtomicUsize::new(0);
    let accepted: HashMap<String, usize> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (fleet, urls, next) = (&fleet, &urls, &next);
                scope.spawn(move || {
                    let agent = agent();
                    let mut accepted: HashMap<String, usize> = HashMap::new();
                    loop {
                        let d = next.fetch_add(1, Ordering::SeqCst);
                        let Some((id, envelopes)) = fleet.get(d) else {
                            break;
                        };
                        let body = json!({ "envelopes": envelopes }).to_string();
                        // The batch and its retry race on two different collectors.
                        let answers: Vec<Value> = std::thread::scope(|pair| {
                            let sends: Vec<_> = [d, d + 1]
                                .iter()
                                .map(|k| {
                                    let target = format!("{}/v1/envelopes", urls[k % COLLECTORS]);
                                    let (agent, body) = (&agent, &body);
                                    pair.spawn(move || post(agent, &target, Some(id), body))
                                })
                                .collect();
                            sends
                                .into_iter()
                                .map(|h| {
                                    let (status, reply) = h.join().unwrap();
                                    assert_eq!(status, 200);
                                    reply
                                })
                                .collect()
                        });
                        for reply in answers {
                            let results = reply["results"].as_array().unwrap();
                            assert_eq!(results.len(), PER_DEVICE);
                            for r in results {
                                let status = r["status"].as_str().unwrap();
                                assert!(status == "accepted" || status == "duplicate", "{r}");
                                if status == "accepted" {
                                    *accepted
                                        .entry(r["id"].as_str().unwrap().to_owned())
                                        .or_default() += 1;
                                }
                            }
                        }
                    }
                    accepted
                })
            })
            .collect();
        let mut all: HashMap<String, usize> = HashMap::new();
        for w in workers {
            for (id, n) in w.join().unwrap() {
                *all.entry(id).or_default() += n;
            }
        }
        all
    });

    for node in nodes {
        assert!(node.stop(), "each collector stops cleanly");
    }
    let total = DEVICES * PER_DEVICE;
    assert_eq!(
        accepted.len(),
        total,
        "every envelope was accepted by some collector"
    );
    assert!(
        accepted.values().all(|&n| n == 1),
        "and by exactly one, however the two copies raced"
    );
    let store = Store::open(&StoreConfig::postgres(&url)).unwrap();
    let rows = store
        .rows("SELECT COUNT(*), COUNT(DISTINCT envelope_id), COUNT(DISTINCT device_id) FROM report")
        .unwrap();
    assert_eq!(
        rows[0],
        vec![
            Cell::Int(total as i64),
            Cell::Int(total as i64),
            Cell::Int(DEVICES as i64)
        ]
    );
    let dupes = store
        .rows("SELECT envelope_id FROM report GROUP BY envelope_id HAVING COUNT(*) > 1")
        .unwrap();
    assert!(dupes.is_empty(), "no envelope id stored twice");
    let devices = store.rows("SELECT COUNT(*) FROM device").unwrap();
    assert_eq!(devices[0][0], Cell::Int(DEVICES as i64));
}

fn org_private_bytes(org: &OrgReportKey) -> Vec<u8> {
    org.to_private_jwk().unwrap().d.clone().unwrap()
}
