//! Tests of the sync engine's rules, each with a manual clock, and a property test of the
//! outbox and sync state machine against a simple model.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::*;
use crate::clock::Clock as _;
use crate::outbox::envelope::test_open;
use crate::outbox::tests::{config, device, device_with, Device, T0};

fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![HttpHeader {
            name: String::from("Content-Type"),
            value: String::from("application/json"),
        }],
        body: body.as_bytes().to_vec(),
    }
}

fn with_header(mut r: HttpResponse, name: &str, value: &str) -> HttpResponse {
    r.headers.push(HttpHeader {
        name: name.to_owned(),
        value: value.to_owned(),
    });
    r
}

/// The envelope ids in a batch request, in order.
fn ids_in(req: &HttpRequest) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    v["envelopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

/// A 200 answer giving each id the status `status_of(id)`.
fn answer(req: &HttpRequest, status_of: impl Fn(&str) -> &'static str) -> HttpResponse {
    let results: Vec<serde_json::Value> = ids_in(req)
        .iter()
        .map(|id| {
            let s = status_of(id);
            if s == "rejected" {
                serde_json::json!({"id": id, "status": s, "reason": "bad_signature"})
            } else {
                serde_json::json!({"id": id, "status": s})
            }
        })
        .collect();
    response(200, &serde_json::json!({ "results": results }).to_string())
}

fn state(d: &Device) -> SyncState {
    SyncState::load(d.c.store.conn()).unwrap()
}

#[test]
fn batch_request_carries_envelopes_and_device_header() {
    let d = device();
    let ids = d.keep(3);
    let req = d.c.next_sync_request().unwrap().unwrap();
    assert_eq!(req.method, "POST");
    assert_eq!(req.url, "http://127.0.0.1:8080/v1/envelopes");
    let device_header = req
        .headers
        .iter()
        .find(|h| h.name == "X-Frontline-Device")
        .unwrap();
    assert_eq!(device_header.value, d.c.device_id());
    assert!(req
        .headers
        .iter()
        .any(|h| h.name == "Content-Type" && h.value == "application/json"));
    assert_eq!(ids_in(&req), ids);
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    for env in body["envelopes"].as_array().unwrap() {
        assert!(d.open_envelope(env.to_string().as_bytes()).is_some());
    }
    // Everything is in flight: nothing more is due.
    assert_eq!(d.c.next_sync_request().unwrap(), None);
}

#[test]
fn batches_are_capped_by_count_and_bytes() {
    let d = device();
    d.c.set_outbox_limits(crate::outbox::OutboxLimits {
        batch_max_reports: 4,
        ..Default::default()
    })
    .unwrap();
    d.keep(10);
    let sizes: Vec<usize> = (0..3)
        .map(|_| ids_in(&d.c.next_sync_request().unwrap().unwrap()).len())
        .collect();
    assert_eq!(sizes, vec![4, 4, 2]);

    let d = device();
    d.keep(1);
    let one = d.c.outbox_status().unwrap().bytes;
    d.c.set_outbox_limits(crate::outbox::OutboxLimits {
        batch_max_bytes: one * 3,
        ..Default::default()
    })
    .unwrap();
    d.keep(9);
    let req = d.c.next_sync_request().unwrap().unwrap();
    let n = ids_in(&req).len();
    assert!((2..=3).contains(&n), "{n} reports within 3 sizes");
    assert!(req.body.len() as u64 <= one * 3 + 32);
}

#[test]
fn accepted_and_duplicate_are_delivered_and_keep_only_ids() {
    let d = device();
    let ids = d.keep(2);
    let req = d.c.next_sync_request().unwrap().unwrap();
    let first = ids[0].clone();
    let out =
        d.c.handle_sync_response(
            &req.id,
            answer(
                &req,
                |id| if id == first { "accepted" } else { "duplicate" },
            ),
        )
        .unwrap();
    assert_eq!(out.delivered, 2);
    assert_eq!(out.retry_at, None);
    for id in &ids {
        assert_eq!(d.state_of(id).as_deref(), Some("delivered"));
        assert!(d.envelope_of(id).is_empty(), "envelope bytes dropped");
    }
    let status = d.c.outbox_status().unwrap();
    assert_eq!((status.pending, status.delivered, status.bytes), (0, 2, 0));
    assert_eq!(status.last_success_at, Some(T0));
    assert_eq!(d.c.next_sync_request().unwrap(), None, "nothing due");
    // The same answer twice: the batch is no longer outstanding.
    assert!(matches!(
        d.c.handle_sync_response(&req.id, answer(&req, |_| "accepted")),
        Err(Error::UnknownRequest)
    ));
}

#[test]
fn backoff_grows_with_jitter_and_caps() {
    let d = device();
    d.keep(1);
    let mut previous_full = 0;
    for failure in 1..=14_u32 {
        let req = d.c.next_sync_request().unwrap().unwrap();
        let now = d.clock.now_ms();
        let out = if failure % 2 == 0 {
            d.c.handle_sync_response(&req.id, response(500, "oops"))
                .unwrap()
        } else {
            d.c.handle_sync_failure(&req.id, TransportFailure::Timeout)
                .unwrap()
        };
        assert_eq!(out.returned_to_pending, 1);
        let wait = out.retry_at.unwrap() - now;
        let full = (BACKOFF_BASE_MS << (failure - 1).min(30)).min(BACKOFF_CAP_MS);
        assert!(
            wait <= full && wait >= full - full / 4,
            "failure {failure}: {wait}"
        );
        assert!(full >= previous_full);
        previous_full = full;
        // Not due before the back-off ends; due right after.
        d.clock.set(out.retry_at.unwrap() - 1);
        assert_eq!(d.c.next_sync_request().unwrap(), None);
        assert_eq!(d.c.outbox_status().unwrap().next_attempt_at, out.retry_at);
        d.clock.set(out.retry_at.unwrap());
    }
    assert_eq!(previous_full, BACKOFF_CAP_MS, "the cap was reached");
    // A success resets the back-off.
    let req = d.c.next_sync_request().unwrap().unwrap();
    d.c.handle_sync_response(&req.id, answer(&req, |_| "accepted"))
        .unwrap();
    assert_eq!(state(&d).failures, 0);
    d.keep(1);
    let req = d.c.next_sync_request().unwrap().unwrap();
    let out =
        d.c.handle_sync_failure(&req.id, TransportFailure::Reset)
            .unwrap();
    assert!(out.retry_at.unwrap() - d.clock.now_ms() <= BACKOFF_BASE_MS);
}

#[test]
fn backoff_delay_formula() {
    assert_eq!(backoff_delay(1, 0), BACKOFF_BASE_MS);
    assert_eq!(backoff_delay(2, 0), 2 * BACKOFF_BASE_MS);
    assert_eq!(
        backoff_delay(1, 999),
        BACKOFF_BASE_MS - BACKOFF_BASE_MS / 4 * 999 / 1000
    );
    assert_eq!(backoff_delay(40, 0), BACKOFF_CAP_MS);
    assert_eq!(
        backoff_delay(u32::MAX, 5000),
        BACKOFF_CAP_MS - BACKOFF_CAP_MS / 4 * 999 / 1000
    );
}

#[test]
fn retry_after_is_honoured_in_seconds_and_as_a_date() {
    let d = device();
    d.keep(1);
    let req = d.c.next_sync_request().unwrap().unwrap();
    let out =
        d.c.handle_sync_response(
            &req.id,
            with_header(response(429, ""), "retry-after", "120"),
        )
        .unwrap();
    assert_eq!(out.retry_at, Some(T0 + 120_000));
    assert_eq!(state(&d).failures, 0, "a polite wait is not a failure");
    d.clock.advance(119_999);
    assert_eq!(d.c.next_sync_request().unwrap(), None);
    d.clock.advance(1);
    let req = d.c.next_sync_request().unwrap().unwrap();
    // 503 with an HTTP date 10 minutes ahead.
    let now = d.clock.now_ms();
    let at = time::OffsetDateTime::from_unix_timestamp((now + 600_000) / 1000).unwrap();
    let date = at
        .format(time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .unwrap();
    let out =
        d.c.handle_sync_response(
            &req.id,
            with_header(response(503, ""), "Retry-After", &date),
        )
        .unwrap();
    let wait = out.retry_at.unwrap() - now;
    assert!((599_000..=600_000).contains(&wait), "{wait}");
    // A hostile Retry-After of years is cut to a day.
    d.clock.set(out.retry_at.unwrap());
    let req = d.c.next_sync_request().unwrap().unwrap();
    let now = d.clock.now_ms();
    let out =
        d.c.handle_sync_response(
            &req.id,
            with_header(response(429, ""), "Retry-After", "999999999"),
        )
        .unwrap();
    assert_eq!(out.retry_at, Some(now + RETRY_AFTER_CAP_MS));
    // Without a readable Retry-After: ordinary back-off.
    d.clock.set(out.retry_at.unwrap());
    let req = d.c.next_sync_request().unwrap().unwrap();
    let now = d.clock.now_ms();
    let out =
        d.c.handle_sync_response(
            &req.id,
            with_header(response(503, ""), "Retry-After", "soon"),
        )
        .unwrap();
    assert!(out.retry_at.unwrap() - now <= BACKOFF_BASE_MS);
    assert_eq!(d.c.pending_report_count().unwrap(), 1);
}

#[test]
fn retry_after_parsing() {
    assert_eq!(parse_retry_after("0", T0), Some(0));
    assert_eq!(parse_retry_after(" 30 ", T0), Some(30_000));
    assert_eq!(parse_retry_after("-5", T0), None);
    assert_eq!(parse_retry_after("", T0), None);
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", T0),
        Some(0),
        "a date in the past means now"
    );
    let t = 784_111_777_000; // Sun, 06 Nov 1994 08:49:37 GMT
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t - 5_000),
        Some(5_000)
    );
}

#[test]
fn unauthorised_stops_syncing_until_enrolment_succeeds() {
    let org = test_open::org_key_pair();
    let mut cfg = config(Some(&org.public_b64));
    cfg.enrolment_token = Some(String::from("token-1"));
    let d = device_with(cfg, org);
    let ids = d.keep(2);
    // Not enrolled yet: the first request is the enrolment.
    let enrol = d.c.next_sync_request().unwrap().unwrap();
    assert_eq!(enrol.url, "http://127.0.0.1:8080/v1/devices");
    let body: serde_json::Value = serde_json::from_slice(&enrol.body).unwrap();
    assert_eq!(body["enrolment_token"], "token-1");
    let ok = format!(
        r#"{{"device_id":"{}","status":"enrolled"}}"#,
        d.c.device_id()
    );
    let out =
        d.c.handle_sync_response(&enrol.id, response(200, &ok))
            .unwrap();
    assert!(out.enrolled);
    assert!(d.c.outbox_status().unwrap().enrolled);

    for status in [401_u16, 403] {
        let req = d.c.next_sync_request().unwrap().unwrap();
        assert_eq!(ids_in(&req), ids);
        let out =
            d.c.handle_sync_response(&req.id, response(status, ""))
                .unwrap();
        assert!(out.reenrolment_needed);
        assert_eq!(out.returned_to_pending, 2);
        let status = d.c.outbox_status().unwrap();
        assert!(status.reenrolment_needed && !status.enrolled);
        // Stopped, however much time passes.
        d.clock.advance(7 * crate::clock::DAY_MS);
        assert_eq!(d.c.next_sync_request().unwrap(), None);
        // The app enrols again (e.g. with a new token from the MDM).
        let enrol = d.c.enrolment_request().unwrap();
        let out =
            d.c.handle_sync_response(&enrol.id, response(200, &ok))
                .unwrap();
        assert!(out.enrolled && !out.reenrolment_needed);
    }
    for id in &ids {
        assert_eq!(d.state_of(id).as_deref(), Some("pending"));
    }
}

#[test]
fn refused_or_malformed_enrolment() {
    let org = test_open::org_key_pair();
    let mut cfg = config(Some(&org.public_b64));
    cfg.enrolment_token = Some(String::from("token-1"));
    let d = device_with(cfg, org);
    // An answer naming another device is malformed: back off, not enrolled.
    let enrol = d.c.next_sync_request().unwrap().unwrap();
    let wrong = r#"{"device_id":"someone-else","status":"enrolled"}"#;
    assert!(matches!(
        d.c.handle_sync_response(&enrol.id, response(200, wrong)),
        Err(Error::BadResponse(_))
    ));
    assert!(!d.c.outbox_status().unwrap().enrolled);
    assert_eq!(d.c.next_sync_request().unwrap(), None, "backing off");
    d.clock.advance(BACKOFF_BASE_MS);
    // A refused token stops until the app enrols again.
    let enrol = d.c.next_sync_request().unwrap().unwrap();
    let out =
        d.c.handle_sync_response(&enrol.id, response(401, ""))
            .unwrap();
    assert!(out.reenrolment_needed && !out.enrolled);
    d.clock.advance(crate::clock::DAY_MS);
    assert_eq!(d.c.next_sync_request().unwrap(), None);
    // Without a token, the enrolment request cannot be built.
    let mut d = d;
    d.c.config.enrolment_token = None;
    assert!(matches!(
        d.c.enrolment_request(),
        Err(Error::NotConfigured("enrolment_token"))
    ));
}

#[test]
fn too_large_splits_the_batch_and_a_single_too_large_report_is_dead() {
    let d = device();
    let ids = d.keep(8);
    let req = d.c.next_sync_request().unwrap().unwrap();
    assert_eq!(ids_in(&req).len(), 8);
    let out =
        d.c.handle_sync_response(&req.id, response(413, ""))
            .unwrap();
    assert_eq!(out.returned_to_pending, 8);
    assert_eq!(out.retry_at, None, "no waiting: just smaller");
    let mut sizes = Vec::new();
    // Halves: 4, then 413 again → 2, then the collector takes 2s.
    let req = d.c.next_sync_request().unwrap().unwrap();
    sizes.push(ids_in(&req).len());
    d.c.handle_sync_response(&req.id, response(413, ""))
        .unwrap();
    while let Some(req) = d.c.next_sync_request().unwrap() {
        sizes.push(ids_in(&req).len());
        d.c.handle_sync_response(&req.id, answer(&req, |_| "accepted"))
            .unwrap();
    }
    assert_eq!(sizes, vec![4, 2, 2, 2, 2]);
    for id in &ids {
        assert_eq!(d.state_of(id).as_deref(), Some("delivered"));
    }
    // Down to one report that is still too large: dead-lettered, the next one flows.
    let d = device();
    let ids = d.keep(2);
    let req = d.c.next_sync_request().unwrap().unwrap();
    d.c.handle_sync_response(&req.id, response(413, ""))
        .unwrap();
    let req = d.c.next_sync_request().unwrap().unwrap();
    assert_eq!(ids_in(&req), vec![ids[0].clone()]);
    let out =
        d.c.handle_sync_response(&req.id, response(413, ""))
            .unwrap();
    assert_eq!(out.dead_lettered, 1);
    let req = d.c.next_sync_request().unwrap().unwrap();
    assert_eq!(ids_in(&req), vec![ids[1].clone()]);
    let dead = d.c.dead_letters().unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].id.as_str(), dead[0].reason.as_str()),
        (ids[0].as_str(), "too_large")
    );
}

#[test]
fn a_rejected_report_is_isolated_then_dead_lettered_while_the_rest_flow() {
    let d = device();
    let ids = d.keep(5);
    let bad = ids[2].clone();
    let req = d.c.next_sync_request().unwrap().unwrap();
    let out =
        d.c.handle_sync_response(
            &req.id,
            answer(&req, |id| if id == bad { "rejected" } else { "accepted" }),
        )
        .unwrap();
    assert_eq!((out.delivered, out.isolated, out.dead_lettered), (4, 1, 0));
    assert_eq!(d.state_of(&bad).as_deref(), Some("pending"));
    // More reports arrive; the isolated one goes alone first, then the rest flow.
    let later = d.keep(3);
    let req = d.c.next_sync_request().unwrap().unwrap();
    assert_eq!(ids_in(&req), vec![bad.clone()]);
    let out =
        d.c.handle_sync_response(&req.id, answer(&req, |_| "rejected"))
            .unwrap();
    assert_eq!(out.dead_lettered, 1);
    let req = d.c.next_sync_request().unwrap().unwrap();
    assert_eq!(ids_in(&req), later);
    d.c.handle_sync_response(&req.id, answer(&req, |_| "accepted"))
        .unwrap();
    let dead = d.c.dead_letters().unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, bad);
    assert_eq!(dead[0].reason, "rejected:bad_signature");
    assert_eq!(dead[0].attempts, 2);
    assert_eq!(dead[0].kind, crate::outbox::ReportKind::TrainingStatement);
    // Dead letters can be retried (alone); accepted this time.
    assert!(d.c.retry_dead_letter(&bad).unwrap());
    assert!(!d.c.retry_dead_letter(&bad).unwrap(), "no longer dead");
    let req = d.c.next_sync_request().unwrap().unwrap();
    assert_eq!(ids_in(&req), vec![bad.clone()]);
    d.c.handle_sync_response(&req.id, answer(&req, |_| "accepted"))
        .unwrap();
    assert_eq!(d.state_of(&bad).as_deref(), Some("delivered"));
    assert_eq!(d.c.outbox_status().unwrap().dead, 0);
}

#[test]
fn a_hostile_reason_is_not_stored() {
    let d = device();
    d.keep(1);
    let req = d.c.next_sync_request().unwrap().unwrap();
    let id = &ids_in(&req)[0];
    let body = serde_json::json!({"results": [
        {"id": id, "status": "rejected", "reason": "<script>alert(1)</script> patient NHS 943 476 5919"}
    ]});
    d.c.handle_sync_response(&req.id, response(200, &body.to_string()))
        .unwrap();
    assert_eq!(
        d.c.dead_letters().unwrap()[0].reason,
        "rejected:unspecified"
    );
}

#[test]
fn bad_request_isolates_every_report_of_the_batch() {
    let d = device();
    let ids = d.keep(3);
    let req = d.c.next_sync_request().unwrap().unwrap();
    let out =
        d.c.handle_sync_response(&req.id, response(400, ""))
            .unwrap();
    assert_eq!(out.isolated, 3);
    for (i, id) in ids.iter().enumerate() {
        let req = d.c.next_sync_request().unwrap().unwrap();
        assert_eq!(&ids_in(&req), &vec![id.clone()]);
        let r = if i == 1 {
            response(400, "")
        } else {
            answer(&req, |_| "accepted")
        };
        d.c.handle_sync_response(&req.id, r).unwrap();
    }
    assert_eq!(d.c.dead_letters().unwrap()[0].reason, "bad_request");
    assert_eq!(d.c.outbox_status().unwrap().delivered, 2);
}

#[test]
fn a_garbled_answer_loses_nothing_and_delivers_nothing() {
    let d = device();
    let ids = d.keep(3);
    type Garble = Box<dyn Fn(&HttpRequest) -> HttpResponse>;
    let garbage: Vec<Garble> = vec![
        Box::new(|_| response(200, "<html>proxy login</html>")),
        Box::new(|_| response(200, r#"{"results": "yes"}"#)),
        Box::new(|_| response(200, r#"{"results": []}"#)),
        Box::new(|r| {
            // One id missing (wrong count).
            let ids = ids_in(r);
            let body = serde_json::json!({"results": [
                {"id": ids[0], "status": "accepted"}, {"id": ids[1], "status": "accepted"}
            ]});
            response(200, &body.to_string())
        }),
        Box::new(|r| {
            // An id not in the batch.
            let ids = ids_in(r);
            let body = serde_json::json!({"results": [
                {"id": ids[0], "status": "accepted"}, {"id": ids[1], "status": "accepted"},
                {"id": "not-ours", "status": "accepted"}
            ]});
            response(200, &body.to_string())
        }),
        Box::new(|r| {
            // The same id twice.
            let ids = ids_in(r);
            let body = serde_json::json!({"results": [
                {"id": ids[0], "status": "accepted"}, {"id": ids[0], "status": "accepted"},
                {"id": ids[1], "status": "accepted"}
            ]});
            response(200, &body.to_string())
        }),
        Box::new(|r| {
            // An unknown status.
            let results: Vec<_> = ids_in(r)
                .iter()
                .map(|id| serde_json::json!({"id": id, "status": "ok"}))
                .collect();
            response(200, &serde_json::json!({ "results": results }).to_string())
        }),
        Box::new(|r| {
            // Missing ids.
            let results: Vec<_> = ids_in(r)
                .iter()
                .map(|_| serde_json::json!({"status": "accepted"}))
                .collect();
            response(200, &serde_json::json!({ "results": results }).to_string())
        }),
    ];
    for (i, make) in garbage.iter().enumerate() {
        let req = d.c.next_sync_request().unwrap().unwrap();
        assert_eq!(ids_in(&req).len(), 3);
        let err = d.c.handle_sync_response(&req.id, make(&req)).unwrap_err();
        assert!(matches!(err, Error::BadResponse(_)), "case {i}: {err:?}");
        let status = d.c.outbox_status().unwrap();
        assert_eq!(
            (status.pending, status.delivered, status.dead),
            (3, 0, 0),
            "case {i}"
        );
        for id in &ids {
            assert_eq!(d.state_of(id).as_deref(), Some("pending"));
        }
        let wait = status.next_attempt_at.unwrap();
        d.clock.set(wait);
    }
}

#[test]
fn an_unknown_request_id_changes_nothing() {
    let d = device();
    d.keep(1);
    let req = d.c.next_sync_request().unwrap().unwrap();
    assert!(matches!(
        d.c.handle_sync_response("no-such-batch", answer(&req, |_| "accepted")),
        Err(Error::UnknownRequest)
    ));
    assert!(matches!(
        d.c.handle_sync_failure("no-such-batch", TransportFailure::Dns),
        Err(Error::UnknownRequest)
    ));
    assert_eq!(d.c.outbox_status().unwrap().in_flight, 1);
    assert_eq!(state(&d).failures, 0);
}

#[test]
fn an_answer_that_never_comes_is_given_up_after_the_lease() {
    let d = device();
    let ids = d.keep(2);
    let first = d.c.next_sync_request().unwrap().unwrap();
    d.clock.advance(IN_FLIGHT_LEASE_MS - 1);
    assert_eq!(d.c.next_sync_request().unwrap(), None);
    d.clock.advance(2);
    let second = d.c.next_sync_request().unwrap().unwrap();
    assert_eq!(ids_in(&second), ids);
    // The late answer to the first request no longer applies.
    assert!(matches!(
        d.c.handle_sync_response(&first.id, answer(&first, |_| "accepted")),
        Err(Error::UnknownRequest)
    ));
    d.c.handle_sync_response(&second.id, answer(&second, |_| "accepted"))
        .unwrap();
    assert_eq!(d.c.outbox_status().unwrap().delivered, 2);
}

#[test]
fn collector_url_is_checked() {
    let org = test_open::org_key_pair();
    let mut cfg = config(Some(&org.public_b64));
    cfg.collector_url = Some(String::from("http://collector.example.org"));
    let d = device_with(cfg, org);
    d.keep(1);
    assert!(matches!(
        d.c.next_sync_request(),
        Err(Error::InvalidInput(_))
    ));
    let mut d = d;
    d.c.config.collector_url = None;
    assert!(matches!(
        d.c.next_sync_request(),
        Err(Error::NotConfigured("collector_url"))
    ));
    d.c.config.collector_url = Some(String::from("https://collector.example.org/base/"));
    let req = d.c.next_sync_request().unwrap().unwrap();
    assert_eq!(req.url, "https://collector.example.org/base/v1/envelopes");
    d.c.config.collector_url = Some(String::from("http://localhost.evil.example"));
    assert!(d.c.collector_base().is_err());
    d.c.config.collector_url = Some(String::from("http://localhost:9000"));
    assert!(d.c.collector_base().is_ok());
}

// ---- Property test: the outbox and sync engine against a model -------------------------

#[derive(Debug, Clone)]
enum Op {
    /// Queue n reports (1..=3).
    Enqueue(u8),
    /// Ask for a request; answer with an item pattern (bits: 0 accepted, 1 duplicate, 2 rejected).
    Accept(Vec<u8>),
    /// Ask for a request; the collector answers 500.
    ServerError,
    /// Ask for a request; the connection drops.
    Drop,
    /// Ask for a request; answer garbage.
    Garbage,
    /// Ask for a request; answer 413.
    TooLarge,
    /// Ask for a request and never answer; reopen the companion.
    Crash,
    /// Let time pass (past any back-off).
    Wait,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u8..=3).prop_map(Op::Enqueue),
        4 => proptest::collection::vec(0u8..3, 0..8).prop_map(Op::Accept),
        1 => Just(Op::ServerError),
        1 => Just(Op::Drop),
        1 => Just(Op::Garbage),
        1 => Just(Op::TooLarge),
        1 => Just(Op::Crash),
        2 => Just(Op::Wait),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Model {
    Waiting,
    Delivered,
    Dead,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn no_report_is_lost_or_delivered_without_an_acknowledgement(
        ops in proptest::collection::vec(op(), 1..40)
    ) {
        let mut d = device();
        let mut model: HashMap<String, Model> = HashMap::new();
        let mut acknowledged: HashSet<String> = HashSet::new();
        for op in ops {
            let request = match &op {
                Op::Enqueue(n) => {
                    for id in d.keep(u32::from(*n)) {
                        model.insert(id, Model::Waiting);
                    }
                    None
                }
                Op::Wait => {
                    d.clock.advance(BACKOFF_CAP_MS + 1);
                    None
                }
                _ => d.c.next_sync_request().unwrap(),
            };
            let Some(req) = request else { continue };
            let ids = ids_in(&req);
            prop_assert!(!ids.is_empty());
            for id in &ids {
                prop_assert!(!acknowledged.contains(id), "an acknowledged report was sent again");
                prop_assert_eq!(model.get(id), Some(&Model::Waiting));
            }
            match op {
                Op::Accept(pattern) => {
                    let pick = |i: usize| pattern.get(i).copied().unwrap_or(0);
                    let statuses: Vec<&str> = (0..ids.len())
                        .map(|i| ["accepted", "duplicate", "rejected"][usize::from(pick(i))])
                        .collect();
                    let results: Vec<_> = ids
                        .iter()
                        .zip(&statuses)
                        .map(|(id, s)| serde_json::json!({"id": id, "status": s}))
                        .collect();
                    let out = d
                        .c
                        .handle_sync_response(
                            &req.id,
                            response(200, &serde_json::json!({"results": results}).to_string()),
                        )
                        .unwrap();
                    let mut dead = 0;
                    for (id, s) in ids.iter().zip(&statuses) {
                        if *s != "rejected" {
                            acknowledged.insert(id.clone());
                            model.insert(id.clone(), Model::Delivered);
                        } else if d.state_of(id).as_deref() == Some("dead") {
                            model.insert(id.clone(), Model::Dead);
                            dead += 1;
                        }
                    }
                    prop_assert_eq!(out.dead_lettered, dead);
                    // A rejected report only dies when it was alone.
                    if dead > 0 {
                        prop_assert_eq!(ids.len(), 1);
                    }
                }
                Op::ServerError => {
                    d.c.handle_sync_response(&req.id, response(500, "")).unwrap();
                }
                Op::Drop => {
                    d.c.handle_sync_failure(&req.id, TransportFailure::Reset).unwrap();
                }
                Op::Garbage => {
                    let garbled = d
                        .c
                        .handle_sync_response(&req.id, response(200, r#"{"results":[{}]}"#));
                    prop_assert!(garbled.is_err());
                }
                Op::TooLarge => {
                    let out = d.c.handle_sync_response(&req.id, response(413, "")).unwrap();
                    if out.dead_lettered == 1 {
                        model.insert(ids[0].clone(), Model::Dead);
                    }
                }
                Op::Crash => {
                    let key = d.org.public_b64.clone();
                    d = d.reopen(config(Some(&key)));
                }
                Op::Enqueue(_) | Op::Wait => {}
            }
            // The store agrees with the model, report by report.
            for (id, m) in &model {
                let stored = d.state_of(id);
                let ok = match m {
                    Model::Waiting => matches!(stored.as_deref(), Some("pending" | "in_flight")),
                    Model::Delivered => stored.as_deref() == Some("delivered"),
                    Model::Dead => stored.as_deref() == Some("dead"),
                };
                prop_assert!(ok, "{} is {:?} in the store, {:?} in the model", id, stored, m);
            }
            let conn = d.c.store.conn();
            let scanned: (i64, i64) = conn.query_row(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM outbox WHERE state != 'delivered'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            ).unwrap();
            let kept: (i64, i64) = conn.query_row(
                "SELECT reports, bytes FROM outbox_totals", [], |r| Ok((r.get(0)?, r.get(1)?)),
            ).unwrap();
            prop_assert_eq!(scanned, kept, "trigger-kept totals drifted");
        }
        // Finally drain everything with a well-behaved collector: every waiting report arrives.
        d.clock.advance(BACKOFF_CAP_MS + 1);
        let mut rounds = 0;
        while let Some(req) = d.c.next_sync_request().unwrap() {
            for id in ids_in(&req) {
                prop_assert!(!acknowledged.contains(&id));
                acknowledged.insert(id.clone());
                model.insert(id, Model::Delivered);
            }
            d.c.handle_sync_response(&req.id, answer(&req, |_| "accepted")).unwrap();
            rounds += 1;
            prop_assert!(rounds < 500);
        }
        for (id, m) in &model {
            prop_assert!(*m != Model::Waiting, "{} never delivered", id);
        }
        let status = d.c.outbox_status().unwrap();
        prop_assert_eq!(status.pending + status.in_flight, 0);
        // The trigger-kept totals agree with a full count.
        let scanned: (i64, i64) = d.c.store.conn().query_row(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM outbox WHERE state != 'delivered'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        ).unwrap();
        prop_assert_eq!(scanned.0 as u64, status.dead);
        prop_assert_eq!(scanned.1 as u64, status.bytes);
    }
}

// ---- Bundle pulls -------------------------------------------------------------------------

fn publisher() -> crate::crypto::SigningKey {
    crate::crypto::SigningKey::from_seed(&[9u8; 32]).unwrap()
}

fn policy_bundle(version: u64) -> Vec<u8> {
    crate::bundle::sign_bundle(
        BundleKind::Policy,
        version,
        T0 - 1000,
        None,
        crate::posture::policy::DEFAULT_POLICY,
        &publisher(),
    )
}

fn bundle_device() -> Device {
    let org = test_open::org_key_pair();
    let mut cfg = config(Some(&org.public_b64));
    cfg.publisher_key = Some(crate::crypto::b64url(&publisher().public_key()));
    device_with(cfg, org)
}

fn if_none_match(req: &HttpRequest) -> Option<String> {
    req.headers
        .iter()
        .find(|h| h.name == "If-None-Match")
        .map(|h| h.value.clone())
}

#[test]
fn bundle_pull_installs_then_sends_the_etag() {
    let d = bundle_device();
    let req = d.c.bundle_pull_request(BundleKind::Policy).unwrap();
    assert_eq!(req.method, "GET");
    assert_eq!(req.url, "http://127.0.0.1:8080/v1/bundles/policy");
    assert_eq!(if_none_match(&req), None, "nothing installed yet");
    let bytes = policy_bundle(3);
    let etag = format!(
        "\"{}\"",
        crate::crypto::b64url(&crate::crypto::sha256(&bytes))
    );
    let resp = with_header(response(200, ""), "ETag", &etag);
    let resp = HttpResponse {
        body: bytes,
        ..resp
    };
    match d
        .c
        .handle_bundle_response(BundleKind::Policy, resp)
        .unwrap()
    {
        BundlePull::Installed { info } => assert_eq!(info.version, 3),
        other => panic!("{other:?}"),
    }
    assert_eq!(d.c.installed_bundles().unwrap()[0].version, 3);
    let req = d.c.bundle_pull_request(BundleKind::Policy).unwrap();
    assert_eq!(if_none_match(&req), Some(etag.clone()));
    assert_eq!(
        d.c.handle_bundle_response(BundleKind::Policy, response(304, ""))
            .unwrap(),
        BundlePull::NotModified
    );
    // The same bundle again (a server ignoring If-None-Match): not newer, nothing changes.
    let again = HttpResponse {
        body: policy_bundle(3),
        ..response(200, "")
    };
    assert_eq!(
        d.c.handle_bundle_response(BundleKind::Policy, again)
            .unwrap(),
        BundlePull::NotModified
    );
    assert_eq!(
        d.c.handle_bundle_response(BundleKind::Content, response(404, ""))
            .unwrap(),
        BundlePull::NotServed
    );
}

#[test]
fn a_refused_bundle_changes_nothing_and_keeps_no_etag() {
    let d = bundle_device();
    // Signed by someone else.
    let forged = crate::bundle::sign_bundle(
        BundleKind::Policy,
        9,
        T0 - 1000,
        None,
        crate::posture::policy::DEFAULT_POLICY,
        &crate::crypto::SigningKey::from_seed(&[1u8; 32]).unwrap(),
    );
    let resp = HttpResponse {
        body: forged,
        ..with_header(response(200, ""), "ETag", "\"forged\"")
    };
    assert!(matches!(
        d.c.handle_bundle_response(BundleKind::Policy, resp),
        Err(Error::BundleRefused(_))
    ));
    assert!(d.c.installed_bundles().unwrap().is_empty());
    let req = d.c.bundle_pull_request(BundleKind::Policy).unwrap();
    assert_eq!(if_none_match(&req), None);
    // A policy bundle offered at the content URL is the wrong kind.
    let resp = HttpResponse {
        body: policy_bundle(4),
        ..response(200, "")
    };
    assert!(matches!(
        d.c.handle_bundle_response(BundleKind::Content, resp),
        Err(Error::BundleRefused(_))
    ));
    assert!(d.c.installed_bundles().unwrap().is_empty());
}

#[test]
fn bundle_pull_waits_and_stops_like_sync() {
    let d = bundle_device();
    let r = with_header(response(503, ""), "Retry-After", "90");
    assert_eq!(
        d.c.handle_bundle_response(BundleKind::Advisories, r)
            .unwrap(),
        BundlePull::RetryLater { at: T0 + 90_000 }
    );
    match d
        .c
        .handle_bundle_response(BundleKind::Advisories, response(502, ""))
        .unwrap()
    {
        BundlePull::RetryLater { at } => assert!(at > T0 && at <= T0 + BACKOFF_BASE_MS),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        d.c.handle_bundle_response(BundleKind::Advisories, response(401, ""))
            .unwrap(),
        BundlePull::ReenrolmentNeeded
    );
    assert!(d.c.outbox_status().unwrap().reenrolment_needed);
}
