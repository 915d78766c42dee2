//! The collector under hostile input, over real HTTP on loopback: oversized bodies, bad JSON,
//! replayed envelopes, envelopes for another key, forged signatures, unknown devices, raw
//! garbage on the socket and a burst of concurrent requests. Each is refused with a 4xx (or
//! rejected per item), nothing unwanted is stored, and the server keeps serving.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::time::Duration;

use frontline_collector::testing::{test_stores, EnvelopeSealer};
use frontline_collector::{
    Collector, CollectorConfig, OrgReportKey, RunningCollector, Store, StoreConfig,
};
use frontline_core::crypto::{b64url, SigningKey};
use serde_json::{json, Value};

struct Setup {
    _dir: tempfile::TempDir,
    store: StoreConfig,
    collector: RunningCollector,
    org: OrgReportKey,
    device: EnvelopeSealer,
    device_seed: Vec<u8>,
}

/// One collector per store under test: SQLite, and PostgreSQL when configured.
fn setups() -> Vec<Setup> {
    let probe = tempfile::tempdir().unwrap();
    test_stores(probe.path())
        .into_iter()
        .map(|store| {
            let dir = tempfile::tempdir().unwrap();
            let store = match store {
                StoreConfig::Sqlite(_) => StoreConfig::sqlite(&dir.path().join("collector.db")),
                pg => pg,
            };
            setup(dir, store)
        })
        .collect()
}

fn setup(dir: tempfile::TempDir, store: StoreConfig) -> Setup {
    let org = OrgReportKey::generate().unwrap();
    let config = CollectorConfig::with_store(store.clone(), org.clone(), "token-1");
    let collector = Collector::start(config).unwrap();
    let seed = SigningKey::generate().unwrap().seed().to_vec();
    let device = EnvelopeSealer::new("device-1", &seed, org.public_key()).unwrap();
    let s = Setup {
        _dir: dir,
        store,
        collector,
        org,
        device,
        device_seed: seed,
    };
    let (status, _) = post(
        &s,
        "/v1/devices",
        &[],
        enrolment("device-1", &s.device.device_public_key(), "token-1").as_bytes(),
    );
    assert_eq!(status, 200);
    s
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(20))
        .max_idle_connections(0)
        .build()
}

fn post(s: &Setup, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Value) {
    let mut req = agent().post(&format!("{}{path}", s.collector.url()));
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let resp = match req.send_bytes(body) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport failure: {e}"),
    };
    let status = resp.status();
    let body: Value = resp
        .into_string()
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    (status, body)
}

fn enrolment(device: &str, key: &[u8], token: &str) -> String {
    json!({"device_id": device, "public_key": b64url(key), "enrolment_token": token}).to_string()
}

fn batch(s: &Setup, device: &str, envelopes: &[Value]) -> (u16, Value) {
    let body = json!({ "envelopes": envelopes }).to_string();
    post(
        s,
        "/v1/envelopes",
        &[("X-Frontline-Device", device)],
        body.as_bytes(),
    )
}

fn stored(s: &Setup) -> u64 {
    Store::open(&s.store).unwrap().report_count().unwrap()
}

fn health(s: &Setup) -> u16 {
    agent()
        .get(&format!("{}/v1/health", s.collector.url()))
        .call()
        .unwrap()
        .status()
}

fn statuses(reply: &Value) -> Vec<String> {
    reply["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let status = r["status"].as_str().unwrap();
            match r["reason"].as_str() {
                Some(reason) => format!("{status}:{reason}"),
                None => status.to_owned(),
            }
        })
        .collect()
}

#[test]
fn oversized_and_malformed_batches_get_4xx_and_store_nothing() {
    for s in setups() {
        oversized_and_malformed_batches_get_4xx_and_store_nothing_on(s);
    }
}

fn oversized_and_malformed_batches_get_4xx_and_store_nothing_on(s: Setup) {
    let dev = [("X-Frontline-Device", "device-1")];
    let big = vec![b' '; 1024 * 1024 + 1];
    assert_eq!(post(&s, "/v1/envelopes", &dev, &big).0, 413);
    let env = s.device.seal("posture_report", &json!({}));
    let too_many: Vec<Value> = (0..501).map(|_| env.clone()).collect();
    assert_eq!(batch(&s, "device-1", &too_many).0, 413);
    for garbage in [
        &b"{not json"[..],
        b"[]",
        b"null",
        b"{\"envelopes\": 3}",
        b"\xff\xfe",
        b"",
    ] {
        assert_eq!(post(&s, "/v1/envelopes", &dev, garbage).0, 400);
    }
    assert_eq!(post(&s, "/v1/envelopes", &[], b"{\"envelopes\":[]}").0, 400);
    let big_enrolment = vec![b'x'; 64 * 1024];
    assert_eq!(post(&s, "/v1/devices", &[], &big_enrolment).0, 413);
    assert_eq!(post(&s, "/v1/devices", &[], b"{}").0, 400);
    assert_eq!(stored(&s), 0);
    assert_eq!(health(&s), 200);
}

#[test]
fn unknown_devices_and_bad_enrolments_are_refused() {
    for s in setups() {
        unknown_devices_and_bad_enrolments_are_refused_on(s);
    }
}

fn unknown_devices_and_bad_enrolments_are_refused_on(s: Setup) {
    let env = s.device.seal("posture_report", &json!({}));
    assert_eq!(batch(&s, "device-2", std::slice::from_ref(&env)).0, 401);
    assert_eq!(batch(&s, "../../etc", std::slice::from_ref(&env)).0, 401);
    let key = SigningKey::generate().unwrap().public_key();
    assert_eq!(
        post(
            &s,
            "/v1/devices",
            &[],
            enrolment("device-2", &key, "wrong").as_bytes()
        )
        .0,
        401
    );
    assert_eq!(
        post(
            &s,
            "/v1/devices",
            &[],
            enrolment("device-1", &key, "token-1").as_bytes()
        )
        .0,
        409
    );
    assert_eq!(
        post(
            &s,
            "/v1/devices",
            &[],
            enrolment("bad id!", &key, "token-1").as_bytes()
        )
        .0,
        400
    );
    assert_eq!(
        post(
            &s,
            "/v1/devices",
            &[],
            enrolment("device-3", &key[..16], "token-1").as_bytes()
        )
        .0,
        400
    );
    // The refused device is still unknown; the enrolled one still works.
    assert_eq!(batch(&s, "device-2", std::slice::from_ref(&env)).0, 401);
    let (status, reply) = batch(&s, "device-1", &[env]);
    assert_eq!(
        (status, statuses(&reply)),
        (200, vec![String::from("accepted")])
    );
    assert_eq!(stored(&s), 1);
}

#[test]
fn hostile_envelopes_are_rejected_one_by_one_and_replays_are_duplicates() {
    for s in setups() {
        hostile_envelopes_are_rejected_one_by_one_and_replays_are_duplicates_on(s);
    }
}

fn hostile_envelopes_are_rejected_one_by_one_and_replays_are_duplicates_on(s: Setup) {
    let good = s
        .device
        .seal("posture_report", &json!({"overall": "compliant"}));
    let other_org = OrgReportKey::generate().unwrap();
    let for_other_key = EnvelopeSealer::new("device-1", &s.device_seed, other_org.public_key())
        .unwrap()
        .seal("posture_report", &json!({}));
    let forger = SigningKey::generate().unwrap();
    let forged = EnvelopeSealer::new("device-1", forger.seed(), s.org.public_key())
        .unwrap()
        .seal("posture_report", &json!({}));
    let mut tampered = s.device.seal("training_statement", &json!({}));
    // Flip a character in the middle: the last one may carry only padding bits, which a
    // strict base64url decoder refuses as malformed before HPKE ever sees the bytes.
    let ct = tampered["ct"].as_str().unwrap().to_owned();
    let mid = ct.len() / 2;
    let flipped = if &ct[mid..=mid] == "A" { "B" } else { "A" };
    tampered["ct"] = json!(format!("{}{flipped}{}", &ct[..mid], &ct[mid + 1..]));
    let someone_else = EnvelopeSealer::new("device-9", &s.device_seed, s.org.public_key())
        .unwrap()
        .seal("posture_report", &json!({}));
    let (status, reply) = batch(
        &s,
        "device-1",
        &[
            good.clone(),
            for_other_key,
            forged,
            tampered,
            someone_else,
            json!({"id": "x"}),
            json!(42),
            good.clone(),
        ],
    );
    assert_eq!(status, 200);
    assert_eq!(
        statuses(&reply),
        [
            "accepted",
            "rejected:wrong_key",
            "rejected:bad_signature",
            "rejected:open_failed",
            "rejected:device_mismatch",
            "rejected:malformed",
            "rejected:malformed",
            "duplicate",
        ]
    );
    // A replay later is a duplicate too; nothing is stored twice.
    let (_, reply) = batch(&s, "device-1", &[good]);
    assert_eq!(statuses(&reply), ["duplicate"]);
    assert_eq!(stored(&s), 1);
}

#[test]
fn garbage_on_the_socket_and_a_burst_of_requests_leave_it_serving() {
    for s in setups() {
        garbage_on_the_socket_and_a_burst_of_requests_leave_it_serving_on(s);
    }
}

fn garbage_on_the_socket_and_a_burst_of_requests_leave_it_serving_on(s: Setup) {
    // Raw garbage, a cut-off request and an idle connection.
    for raw in [
        &b"\x00\x01\x02garbage\r\n\r\n"[..],
        b"POST /v1/envelopes HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"env",
    ] {
        let mut c = std::net::TcpStream::connect(s.collector.addr()).unwrap();
        c.write_all(raw).unwrap();
        let _ = c.shutdown(std::net::Shutdown::Write);
        let mut sink = Vec::new();
        let _ = c.read_to_end(&mut sink);
    }
    let _idle = std::net::TcpStream::connect(s.collector.addr()).unwrap();
    assert_eq!(health(&s), 200);

    let envelopes: Vec<Value> = (0..40)
        .map(|i| s.device.seal("advisory_ack", &json!({ "n": i })))
        .collect();
    let url = s.collector.url();
    std::thread::scope(|scope| {
        for t in 0..8 {
            let (envelopes, url) = (&envelopes, &url);
            scope.spawn(move || {
                for i in 0..25 {
                    let req = agent().post(&format!("{url}/v1/envelopes")).set(
                        "X-Frontline-Device",
                        if i % 5 == 0 { "nobody" } else { "device-1" },
                    );
                    let body = if i % 3 == 0 {
                        String::from("{\"envelopes\": [garbage")
                    } else {
                        json!({ "envelopes": [envelopes[(t * 5 + i) % 40].clone()] }).to_string()
                    };
                    let status = match req.send_string(&body) {
                        Ok(r) => r.status(),
                        Err(ureq::Error::Status(code, _)) => code,
                        Err(e) => panic!("transport failure in burst: {e}"),
                    };
                    let expected = if i % 5 == 0 {
                        401
                    } else if i % 3 == 0 {
                        400
                    } else {
                        200
                    };
                    assert_eq!(status, expected);
                }
            });
        }
    });
    assert_eq!(health(&s), 200);
    // Every valid envelope that was sent is stored once, however often it was sent.
    let sent: std::collections::HashSet<usize> = (0..8)
        .flat_map(|t| {
            (0..25)
                .filter(|i| i % 5 != 0 && i % 3 != 0)
                .map(move |i| (t * 5 + i) % 40)
        })
        .collect();
    assert_eq!(stored(&s), sent.len() as u64);
}
