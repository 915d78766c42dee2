//! Public-API tests of incident reports: the advice shown at once, bad forms refused with
//! nothing stored, the report sealed at rest, and priority delivery: an incident filed offline
//! with 50 training statements waiting is the first envelope of the next sync batch.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;

use frontline_core::clock::parse_rfc3339;
use frontline_core::incident::{IncidentForm, IncidentKind, IncidentRefusal};
use frontline_core::outbox::{ReportDraft, ReportKind, Retention};
use frontline_core::{Companion, CompanionConfig, Error, ManualClock, SoftwareKeyStore, StaffRole};

const ORG_KEY: &str = "TB75awvtpEGv27HxteeeMQdkr-naf9SdAS0493GNiDo";

fn noon() -> i64 {
    parse_rfc3339("2026-11-28T12:00:00Z").unwrap()
}

fn config(org_key: bool) -> CompanionConfig {
    let mut config = CompanionConfig::new("example-trust", "staff-0042", StaffRole::AllStaff);
    config.collector_url = Some(String::from("https://collector.example-trust.example"));
    if org_key {
        config.org_report_key = Some(ORG_KEY.to_owned());
    }
    config
}

fn open(dir: &Path, org_key: bool, clock: Arc<ManualClock>) -> Companion {
    let keys = SoftwareKeyStore::from_file(&dir.join("wrapping.key")).unwrap();
    Companion::open_with_clock(dir, config(org_key), Arc::new(keys), clock).unwrap()
}

fn lost_phone() -> IncidentForm {
    IncidentForm {
        kind: IncidentKind::LostOrStolenDevice,
        occurred_at_ms: Some(noon() - 30 * 60 * 1000),
        description: String::from("Ward 7 nurse's phone left in the staff room, now missing"),
        on_behalf_of_colleague: true,
    }
}

fn fifty_statements(c: &Companion) {
    let drafts = (0..50)
        .map(|i| ReportDraft {
            kind: ReportKind::TrainingStatement,
            body: serde_json::json!({ "verb": "experienced", "n": i }),
            retention: Retention::Keep,
        })
        .collect();
    c.queue_reports(drafts).unwrap();
}

/// The kinds of the envelopes of the next request, in order.
fn next_batch_kinds(c: &Companion) -> Vec<String> {
    let request = c.next_sync_request().unwrap().unwrap();
    assert!(request.url.ends_with("/v1/envelopes"));
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    body["envelopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_incident_filed_offline_is_the_first_envelope_of_the_next_batch() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(noon()));
    let c = open(dir.path(), true, clock.clone());
    fifty_statements(&c);
    // Offline: the incident waits behind 50 statements, all sealed in the outbox.
    clock.advance(60_000);
    let filed = c.report_incident(lost_phone()).unwrap();
    assert_eq!(c.outbox_status().unwrap().pending, 51);
    assert!(filed.advice.urgent);
    assert!(filed.advice.steps[0].contains("your IT service desk"));
    // The next connection: the incident goes first, the statements after it.
    let kinds = next_batch_kinds(&c);
    assert_eq!(kinds[0], "incident");
    assert_eq!(kinds.len(), 51);
    assert!(kinds[1..].iter().all(|k| k == "training_statement"));
}

#[test]
fn the_incident_goes_first_even_when_held_without_an_organisation_key() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(noon()));
    let c = open(dir.path(), false, clock.clone());
    fifty_statements(&c);
    clock.advance(60_000);
    c.report_incident(lost_phone()).unwrap();
    assert_eq!(c.outbox_status().unwrap().held, 51);
    drop(c);
    // The organisation key arrives (managed configuration): everything is sealed to it.
    let c = open(dir.path(), true, clock);
    assert_eq!(c.outbox_status().unwrap().held, 0);
    assert_eq!(next_batch_kinds(&c)[0], "incident");
}

#[test]
fn the_incident_goes_first_even_with_a_small_batch_cap_and_later_statements() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(noon()));
    let c = open(dir.path(), true, clock.clone());
    let mut limits = c.outbox_limits().unwrap();
    limits.batch_max_reports = 10;
    c.set_outbox_limits(limits).unwrap();
    fifty_statements(&c);
    clock.advance(1000);
    c.report_incident(lost_phone()).unwrap();
    clock.advance(1000);
    fifty_statements(&c);
    let kinds = next_batch_kinds(&c);
    assert_eq!(kinds.len(), 10);
    assert_eq!(kinds[0], "incident");
}

#[test]
fn bad_forms_are_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(noon()));
    let c = open(dir.path(), true, clock);
    let mut long = lost_phone();
    long.description = "x".repeat(1001);
    assert!(matches!(
        c.report_incident(long),
        Err(Error::IncidentRefused(
            IncidentRefusal::DescriptionTooLong { max_chars: 1000 }
        ))
    ));
    let mut future = lost_phone();
    future.occurred_at_ms = Some(noon() + 24 * 60 * 60 * 1000);
    assert!(matches!(
        c.report_incident(future),
        Err(Error::IncidentRefused(
            IncidentRefusal::OccurredAtOutOfRange
        ))
    ));
    assert_eq!(
        IncidentKind::parse("stolen_lunch"),
        Err(IncidentRefusal::UnknownKind)
    );
    assert_eq!(c.outbox_status().unwrap().pending, 0);
    assert!(c.incidents().unwrap().is_empty());
}

#[test]
fn incidents_are_listed_sealed_at_rest_and_advice_needs_no_network() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(noon()));
    let c = open(dir.path(), true, clock.clone());
    let advice = c.incident_advice(IncidentKind::PhishingEnteredPassword);
    assert!(advice
        .headline
        .contains("Change your NHSmail password now from another device"));
    let filed = c.report_incident(lost_phone()).unwrap();
    clock.advance(1000);
    let second = c
        .report_incident(IncidentForm {
            kind: IncidentKind::PhishingReceived,
            occurred_at_ms: None,
            description: String::new(),
            on_behalf_of_colleague: false,
        })
        .unwrap();
    let list = c.incidents().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].incident_id, second.incident_id);
    assert_eq!(list[1].incident_id, filed.incident_id);
    assert_eq!(list[1].kind, IncidentKind::LostOrStolenDevice);
    assert_eq!(list[1].occurred_at_ms, noon() - 30 * 60 * 1000);
    assert!(list.iter().all(|i| !i.delivered));
    let raw: Vec<u8> = rusqlite::Connection::open(dir.path().join("frontline.db"))
        .unwrap()
        .query_row(
            "SELECT form_sealed FROM incident WHERE id = ?1",
            [&filed.incident_id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("staff room"));
}

#[test]
fn advice_names_the_organisation_contacts_from_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(true);
    config.org_name = Some(String::from("Example Trust"));
    config.it_service_desk_phone = Some(String::from("0300 123 4567"));
    config.ig_lead_contact = Some(String::from("dpo@example-trust.example"));
    let keys = SoftwareKeyStore::from_file(&dir.path().join("wrapping.key")).unwrap();
    let c = Companion::open_with_clock(
        dir.path(),
        config,
        Arc::new(keys),
        Arc::new(ManualClock::new(noon())),
    )
    .unwrap();
    let filed = c.report_incident(lost_phone()).unwrap();
    assert_eq!(
        filed.advice.contact,
        "Call the Example Trust IT service desk on 0300 123 4567."
    );
    let data = c.incident_advice(IncidentKind::DataSentToWrongPerson);
    assert!(data
        .steps
        .iter()
        .any(|s| s.contains("dpo@example-trust.example")));
}
