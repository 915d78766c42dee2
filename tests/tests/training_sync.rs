//! Training end to end: a member of staff trains offline on a device, the xAPI statements wait
//! sealed in the outbox, and one sync delivers them over loopback HTTP to the collector, which
//! opens them and counts completions per module and pseudonym.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use frontline_collector::db::Db;
use frontline_collector::driver::{self, HttpDriver};
use frontline_collector::report::CollectorReport;
use frontline_collector::{Collector, CollectorConfig, OrgReportKey};
use frontline_core::crypto::b64url;
use frontline_core::training::{built_in_pack, QuizAnswer};
use frontline_core::{Companion, CompanionConfig, ManualClock, SoftwareKeyStore, StaffRole};

const START_MS: i64 = 1_795_885_384_000;

fn answers(module: &str, right: bool) -> Vec<QuizAnswer> {
    let pack = built_in_pack().unwrap();
    pack.module(module)
        .unwrap()
        .quiz
        .questions
        .iter()
        .map(|q| QuizAnswer {
            question_id: q.id.clone(),
            option_ids: if right { q.correct.clone() } else { Vec::new() },
        })
        .collect()
}

#[test]
fn statements_reach_the_collector_once_and_count_as_completions() {
    let dir = tempfile::tempdir().unwrap();
    let org = OrgReportKey::generate().unwrap();
    let collector = Collector::start(CollectorConfig::new(
        &dir.path().join("collector.db"),
        org.clone(),
        "enrol-me",
    ))
    .unwrap();
    let device_dir = dir.path().join("device");
    std::fs::create_dir_all(&device_dir).unwrap();
    let mut config = CompanionConfig::new("example-trust", "staff-0107", StaffRole::Specialist);
    config.collector_url = Some(format!("http://{}", collector.addr()));
    config.enrolment_token = Some(String::from("enrol-me"));
    config.org_report_key = Some(b64url(org.public_key()));
    let clock = Arc::new(ManualClock::new(START_MS));
    let c = Companion::open_with_clock(
        &device_dir,
        config,
        Arc::new(SoftwareKeyStore::ephemeral().unwrap()),
        clock.clone(),
    )
    .unwrap();

    // Offline: one module passed after a failed try, one specialist module only failed.
    let version = c.training_pack().unwrap().version;
    c.lesson_viewed("phishing").unwrap();
    clock.advance(60_000);
    assert!(
        !c.submit_quiz("phishing", version, answers("phishing", false))
            .unwrap()
            .passed
    );
    clock.advance(60_000);
    assert!(
        c.submit_quiz("phishing", version, answers("phishing", true))
            .unwrap()
            .passed
    );
    clock.advance(60_000);
    c.lesson_viewed("incident-response").unwrap();
    assert!(
        !c.submit_quiz(
            "incident-response",
            version,
            answers("incident-response", false)
        )
        .unwrap()
        .passed
    );
    let local: Vec<serde_json::Value> = c
        .recent_training_statements(100)
        .unwrap()
        .iter()
        .map(|s| serde_json::from_str(s).unwrap())
        .collect();
    assert_eq!(local.len(), 9);

    // Back online: everything goes, once (a second sync finds nothing to send).
    let driver = HttpDriver::new(Duration::from_secs(10));
    driver::sync(&c, &driver, 1_000, |_| {}).unwrap();
    let status = c.outbox_status().unwrap();
    assert_eq!((status.pending, status.held, status.in_flight), (0, 0, 0));
    let again = driver::sync(&c, &driver, 1_000, |_| {}).unwrap();
    assert_eq!(again.delivered, 0);

    let db = Db::open_existing(&dir.path().join("collector.db")).unwrap();
    let report = CollectorReport::from_db(&db).unwrap();
    assert_eq!(
        report.totals.reports_by_kind.get("training_statement"),
        Some(&9)
    );
    let module = |id: &str| {
        report
            .training_by_module
            .iter()
            .find(|m| m.module_id == id)
            .unwrap_or_else(|| panic!("module {id} missing from {:?}", report.training_by_module))
            .clone()
    };
    let phishing = module("phishing");
    assert_eq!((phishing.staff, phishing.completion_rate), (1, 1.0));
    let incident = module("incident-response");
    assert_eq!((incident.staff, incident.failed), (1, 1));
    assert_eq!(incident.completion_rate, 0.0);
    assert_eq!(
        report.training_by_module.len(),
        2,
        "lesson/quiz ids are not modules"
    );
    assert!(report
        .training_by_staff
        .iter()
        .all(|s| s.pseudonym == "staff-0107"));

    // The collector holds exactly the statements the device queued.
    let mut st = db
        .conn()
        .prepare("SELECT report_json FROM report WHERE kind = 'training_statement'")
        .unwrap();
    let stored: HashSet<String> = st
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|r| {
            let report: serde_json::Value = serde_json::from_str(&r.unwrap()).unwrap();
            report["body"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let queued: HashSet<String> = local
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stored, queued);
}
