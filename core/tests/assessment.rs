//! Public-API tests of the self-assessment: prefilled from the sample devices in
//! `tests/fixtures/devices/`, measured answers that cannot be contradicted, sealed and
//! resumable storage, one `assessment` report per submission, signed `assessment` and
//! `benchmark` bundles (and the refusals: a bad signature, a prefill rule naming an unknown
//! fact), and the standing against the organisation's benchmark.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use frontline_core::assessment::{
    AssessmentArea, AssessmentRefusal, AssessmentSession, Quarter, ScoreBand,
};
use frontline_core::bundle::{sign_bundle, BundleKind, BundleRefusal};
use frontline_core::crypto::{b64url, SigningKey};
use frontline_core::posture::{PostureTrigger, SettingsTarget};
use frontline_core::{Companion, CompanionConfig, Error, StaffRole};

use support::{fixture, noon, Device};

fn publisher() -> SigningKey {
    SigningKey::from_seed(&[0x42; 32]).unwrap()
}

fn config() -> CompanionConfig {
    let mut config = CompanionConfig::new("example-trust", "staff-0001", StaffRole::AllStaff);
    config.publisher_key = Some(b64url(&publisher().public_key()));
    config
}

fn device() -> Device {
    Device::open(config())
}

/// Answers every question the device left open with its best option.
fn answer_rest_best(c: &Companion, session: &AssessmentSession) -> AssessmentSession {
    let def = c.assessment_definition().unwrap();
    let mut last = session.clone();
    for q in session.questions.iter().filter(|q| !q.measured) {
        let best = def
            .question(&q.id)
            .unwrap()
            .options
            .iter()
            .max_by_key(|o| o.score)
            .unwrap()
            .id
            .clone();
        last = c.answer_assessment(&q.id, &best).unwrap();
    }
    last
}

fn pending(c: &Companion) -> u64 {
    c.outbox_status().unwrap().pending
}

#[test]
fn rooted_phone_scores_the_device_area_low_and_says_why_with_the_fix() {
    let d = device();
    let c = &d.companion;
    c.check_posture(fixture("rooted-phone.json"), PostureTrigger::User)
        .unwrap();
    let session = c.start_assessment(None).unwrap();
    let rooted = session
        .questions
        .iter()
        .find(|q| q.id == "dv_not_rooted")
        .unwrap();
    assert!(rooted.measured);
    assert_eq!(rooted.answer.as_deref(), Some("no"));
    let evidence = rooted.evidence.as_deref().unwrap();
    assert!(
        evidence.starts_with("checked by this device: "),
        "{evidence}"
    );
    answer_rest_best(c, &session);
    let result = c.submit_assessment().unwrap();
    assert!(result.complete);
    // Weakest area first: the device area, capped by the failed critical check.
    let device_area = &result.areas[0];
    assert_eq!(device_area.area, AssessmentArea::DeviceLocking);
    assert!(device_area.score_percent.unwrap() <= 25, "{device_area:?}");
    assert_eq!(device_area.band, Some(ScoreBand::Weak));
    let why = &device_area.findings[0];
    assert_eq!(why.question_id, "dv_not_rooted");
    assert!(why.measured);
    assert_eq!(why.evidence.as_deref(), Some(evidence));
    assert_eq!(why.lesson_id.as_deref(), Some("mobile-device"));
    assert_eq!(why.settings_target, Some(SettingsTarget::None));
    assert!(why.advice.contains("factory reset"));
    // USB debugging on is measured too, with the settings screen that fixes it.
    let usb = device_area
        .findings
        .iter()
        .find(|f| f.question_id == "dv_usb_debugging")
        .unwrap();
    assert_eq!(
        usb.evidence.as_deref(),
        Some("checked by this device: usb debugging: on")
    );
    assert_eq!(usb.settings_target, Some(SettingsTarget::DeveloperOptions));
    assert!(result.overall_percent.unwrap() < 100);
}

#[test]
fn compliant_phone_scores_the_device_area_high() {
    let d = device();
    let c = &d.companion;
    let report = c
        .check_posture(fixture("pixel-current.json"), PostureTrigger::User)
        .unwrap();
    assert!(report
        .checks
        .iter()
        .filter(|r| ["screen_lock", "root_jailbreak", "encryption"].contains(&r.check_id.as_str()))
        .all(|r| r.status.as_str() == "pass"));
    let session = c.start_assessment(None).unwrap();
    for id in [
        "dv_lock",
        "dv_lock_strength",
        "dv_not_rooted",
        "dv_encrypted",
        "dv_usb_debugging",
    ] {
        let q = session.questions.iter().find(|q| q.id == id).unwrap();
        assert!(q.measured, "{id}");
        assert_eq!(q.answer.as_deref(), Some("yes"), "{id}");
    }
    answer_rest_best(c, &session);
    let result = c.submit_assessment().unwrap();
    let device_area = result
        .areas
        .iter()
        .find(|a| a.area == AssessmentArea::DeviceLocking)
        .unwrap();
    assert_eq!(device_area.score_percent, Some(100));
    assert_eq!(device_area.band, Some(ScoreBand::Strong));
    assert!(device_area.findings.is_empty());
}

#[test]
fn a_measured_answer_cannot_be_contradicted_and_nothing_changes() {
    let d = device();
    let c = &d.companion;
    c.check_posture(fixture("rooted-phone.json"), PostureTrigger::User)
        .unwrap();
    let before = c.start_assessment(None).unwrap();
    let err = c.answer_assessment("dv_not_rooted", "yes").unwrap_err();
    assert!(matches!(
        err,
        Error::AssessmentRefused(AssessmentRefusal::MeasuredAnswer)
    ));
    // Agreeing with the measurement is fine.
    c.answer_assessment("dv_not_rooted", "no").unwrap();
    assert!(matches!(
        c.answer_assessment("no_such_question", "yes"),
        Err(Error::AssessmentRefused(AssessmentRefusal::UnknownQuestion))
    ));
    assert!(matches!(
        c.answer_assessment("pw_mfa", "maybe"),
        Err(Error::AssessmentRefused(AssessmentRefusal::UnknownOption))
    ));
    let after = c.current_assessment().unwrap().unwrap();
    assert_eq!(before.questions, after.questions);
}

#[test]
fn answers_are_sealed_and_resume_after_reopening() {
    let d = device();
    let session = d.companion.start_assessment(None).unwrap();
    d.companion
        .answer_assessment("pw_storage", "manager")
        .unwrap();
    d.companion
        .answer_assessment("sc_remove", "usually")
        .unwrap();
    let raw: Vec<u8> = rusqlite::Connection::open(d.path.join("frontline.db"))
        .unwrap()
        .query_row("SELECT state_sealed FROM assessment", [], |r| r.get(0))
        .unwrap();
    let raw = String::from_utf8_lossy(&raw);
    assert!(!raw.contains("manager") && !raw.contains("usually"));
    let d = d.reopen();
    let resumed = d.companion.current_assessment().unwrap().unwrap();
    assert_eq!(resumed.assessment_id, session.assessment_id);
    let answer = |id: &str| {
        resumed
            .questions
            .iter()
            .find(|q| q.id == id)
            .unwrap()
            .answer
            .clone()
    };
    assert_eq!(answer("pw_storage").as_deref(), Some("manager"));
    assert_eq!(answer("sc_remove").as_deref(), Some("usually"));
    // Two answers of the member of staff, plus what the device measured.
    let measured = resumed.questions.iter().filter(|q| q.measured).count() as u32;
    assert_eq!(resumed.result.answered, 2 + measured);
    // Starting again resumes the same assessment.
    assert_eq!(
        d.companion.start_assessment(None).unwrap().assessment_id,
        session.assessment_id
    );
}

#[test]
fn submit_needs_every_answer_and_queues_exactly_once() {
    let d = device();
    let c = &d.companion;
    assert!(matches!(
        c.submit_assessment(),
        Err(Error::AssessmentRefused(
            AssessmentRefusal::NothingInProgress
        ))
    ));
    let session = c.start_assessment(None).unwrap();
    let open = session
        .questions
        .iter()
        .filter(|q| q.answer.is_none())
        .count() as u32;
    assert!(matches!(
        c.submit_assessment(),
        Err(Error::AssessmentRefused(AssessmentRefusal::Incomplete { unanswered })) if unanswered == open
    ));
    assert_eq!(pending(c), 0);
    answer_rest_best(c, &session);
    let result = c.submit_assessment().unwrap();
    assert_eq!(pending(c), 1);
    assert!(matches!(
        c.submit_assessment(),
        Err(Error::AssessmentRefused(
            AssessmentRefusal::NothingInProgress
        ))
    ));
    assert_eq!(pending(c), 1);
    assert_eq!(c.latest_assessment_result().unwrap(), Some(result.clone()));
    assert!(c.current_assessment().unwrap().is_none());
    // A new one starts afresh.
    let next = c.start_assessment(None).unwrap();
    assert_ne!(next.assessment_id, result.assessment_id);
}

fn default_json() -> serde_json::Value {
    serde_json::from_slice(frontline_core::assessment::DEFAULT_ASSESSMENT).unwrap()
}

fn with_teams() -> Vec<u8> {
    let mut v = default_json();
    v["version"] = "2026.12-teams".into();
    v["teams"] = serde_json::json!([
        {"id": "ward-7", "name": "Ward 7"},
        {"id": "community-east", "name": "Community nursing (east)"}
    ]);
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn a_bad_signature_or_an_unknown_fact_is_refused_and_nothing_is_installed() {
    let d = device();
    let c = &d.companion;
    let other = SigningKey::from_seed(&[0x43; 32]).unwrap();
    let mut forged = sign_bundle(
        BundleKind::Assessment,
        1,
        noon(),
        None,
        &with_teams(),
        &other,
    );
    // Same key id as the configured publisher, wrong signature.
    let mut file: serde_json::Value = serde_json::from_slice(&forged).unwrap();
    let good = sign_bundle(
        BundleKind::Assessment,
        1,
        noon(),
        None,
        &with_teams(),
        &publisher(),
    );
    let good_file: serde_json::Value = serde_json::from_slice(&good).unwrap();
    file["manifest"] = good_file["manifest"].clone();
    forged = serde_json::to_vec(&file).unwrap();
    assert!(matches!(
        c.install_bundle(&forged),
        Err(Error::BundleRefused(BundleRefusal::BadSignature))
    ));
    let mut v = default_json();
    let i = v["questions"]
        .as_array()
        .unwrap()
        .iter()
        .position(|q| q["prefill"]["from"] == "fact")
        .unwrap();
    v["questions"][i]["prefill"]["fact"] = "screen_timeout_seconds".into();
    let unknown = sign_bundle(
        BundleKind::Assessment,
        1,
        noon(),
        None,
        &serde_json::to_vec(&v).unwrap(),
        &publisher(),
    );
    assert!(matches!(
        c.install_bundle(&unknown),
        Err(Error::BundleRefused(BundleRefusal::UnknownFact))
    ));
    assert!(c.installed_bundles().unwrap().is_empty());
    assert_eq!(
        c.assessment_definition().unwrap().id,
        "frontline-default-assessment"
    );
    assert!(c.assessment_definition().unwrap().teams.is_empty());
    // The good one installs and brings its teams.
    c.install_bundle(&good).unwrap();
    assert_eq!(c.assessment_definition().unwrap().teams.len(), 2);
    assert!(matches!(
        c.start_assessment(Some(String::from("ward-99"))),
        Err(Error::AssessmentRefused(AssessmentRefusal::UnknownTeam))
    ));
    assert_eq!(
        c.start_assessment(Some(String::from("ward-7")))
            .unwrap()
            .team
            .as_deref(),
        Some("ward-7")
    );
}

#[test]
fn standing_against_the_installed_benchmark_offline() {
    let d = device();
    let c = &d.companion;
    c.install_bundle(&sign_bundle(
        BundleKind::Assessment,
        1,
        noon(),
        None,
        &with_teams(),
        &publisher(),
    ))
    .unwrap();
    c.check_posture(fixture("pixel-current.json"), PostureTrigger::User)
        .unwrap();
    let session = c.start_assessment(Some(String::from("ward-7"))).unwrap();
    answer_rest_best(c, &session);
    // One middling answer in phishing.
    c.answer_assessment("ph_sender", "usually").unwrap();
    let result = c.submit_assessment().unwrap();
    assert!(
        c.assessment_standing().unwrap().is_none(),
        "no benchmark yet"
    );
    let phishing = result
        .areas
        .iter()
        .find(|a| a.area == AssessmentArea::Phishing)
        .unwrap()
        .score_percent
        .unwrap();
    let quart = |q1: f64, m: f64, q3: f64| serde_json::json!({"q1": q1, "median": m, "q3": q3});
    let bench = serde_json::json!({
        "format": 1, "generated_at": "2026-11-28T09:00:00.000Z", "devices": 40,
        "overall": quart(50.0, 60.0, 70.0),
        "areas": [
            {"area": "phishing", "devices": 40, "devices_quartiles": quart(30.0, 40.0, 50.0),
             "teams": 4, "team_quartiles": quart(50.0, 60.0, 80.0)},
            {"area": "device_locking", "devices": 40, "devices_quartiles": quart(90.0, 100.0, 100.0)}
        ],
        "teams": [{"team": "ward-7", "devices": 9,
                   "medians": [{"area": "phishing", "median": 85.0}]}]
    });
    c.install_bundle(&sign_bundle(
        BundleKind::Benchmark,
        1,
        noon(),
        None,
        &serde_json::to_vec(&bench).unwrap(),
        &publisher(),
    ))
    .unwrap();
    let standing = c.assessment_standing().unwrap().unwrap();
    assert_eq!(standing.devices, 40);
    let ph = standing
        .areas
        .iter()
        .find(|a| a.area == AssessmentArea::Phishing)
        .unwrap();
    assert_eq!(ph.score_percent, phishing);
    // ph_sender "usually" (50 × 3), ph_report best (100 × 2), ph_training measured "no"
    // (the module was not taken: 0 × 2): 350 / 7.
    assert_eq!(phishing, 50);
    assert_eq!(ph.quarter, Quarter::Top);
    assert_eq!(ph.words, "You are in the top quarter for phishing.");
    assert_eq!(ph.team_quarter, Some(Quarter::Top));
    assert_eq!(
        ph.team_words.as_deref(),
        Some("Your team is in the top quarter for phishing.")
    );
    let dev = standing
        .areas
        .iter()
        .find(|a| a.area == AssessmentArea::DeviceLocking)
        .unwrap();
    assert_eq!(dev.quarter, Quarter::Top);
    assert_eq!(dev.team_quarter, None);
    // A benchmark naming a group of fewer than five devices is refused.
    let mut small = bench.clone();
    small["teams"][0]["devices"] = 2.into();
    assert!(matches!(
        c.install_bundle(&sign_bundle(
            BundleKind::Benchmark,
            2,
            noon(),
            None,
            &serde_json::to_vec(&small).unwrap(),
            &publisher(),
        )),
        Err(Error::BundleRefused(BundleRefusal::InvalidPayload))
    ));
}
