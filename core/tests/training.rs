//! Training through the public API: modules for a role, lesson → failed quiz → passed quiz,
//! statements queued, typed refusals, due/overdue across injected time, and content bundles
//! (each refusal leaves the installed pack in force and usable).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::sync::Arc;

use frontline_core::bundle::{sign_bundle, BundleKind, BundleRefusal, MAX_BUNDLE_BYTES};
use frontline_core::clock::DAY_MS;
use frontline_core::crypto::{b64url, SigningKey};
use frontline_core::training::pack::Pack;
use frontline_core::training::{
    PackSource, QuizAnswer, TrainingRefusal, TrainingStatus, DEFAULT_PACK_JSON,
};
use frontline_core::{Companion, CompanionConfig, Error, ManualClock, SoftwareKeyStore, StaffRole};

const T0: i64 = 1_795_885_384_000; // 2026-11-28T17:03:04Z

struct Device {
    _dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    c: Companion,
}

fn publisher() -> SigningKey {
    SigningKey::from_seed(&[42u8; 32]).unwrap()
}

fn device(role: StaffRole) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let mut config = CompanionConfig::new("example-trust", "staff-7f3a", role);
    config.publisher_key = Some(b64url(&publisher().public_key()));
    let c = Companion::open_with_clock(
        dir.path(),
        config,
        Arc::new(SoftwareKeyStore::ephemeral().unwrap()),
        clock.clone(),
    )
    .unwrap();
    Device {
        _dir: dir,
        clock,
        c,
    }
}

fn default_pack() -> Pack {
    Pack::from_json(DEFAULT_PACK_JSON).unwrap()
}

fn answers(pack: &Pack, module_id: &str, right: bool) -> Vec<QuizAnswer> {
    let m = pack.module(module_id).unwrap();
    m.quiz
        .questions
        .iter()
        .map(|q| QuizAnswer {
            question_id: q.id.clone(),
            option_ids: if right {
                q.correct.clone()
            } else {
                let wrong = q
                    .options
                    .iter()
                    .find(|o| !q.correct.contains(&o.id))
                    .unwrap();
                vec![wrong.id.clone()]
            },
        })
        .collect()
}

fn statements(c: &Companion) -> Vec<serde_json::Value> {
    c.recent_training_statements(100)
        .unwrap()
        .iter()
        .map(|s| serde_json::from_str(s).unwrap())
        .collect()
}

fn refusal<T: std::fmt::Debug>(r: frontline_core::Result<T>) -> TrainingRefusal {
    match r {
        Err(Error::TrainingRefused(t)) => t,
        other => panic!("expected a training refusal, got {other:?}"),
    }
}

fn bundle_refusal<T: std::fmt::Debug>(r: frontline_core::Result<T>) -> BundleRefusal {
    match r {
        Err(Error::BundleRefused(b)) => b,
        other => panic!("expected a bundle refusal, got {other:?}"),
    }
}

#[test]
fn modules_follow_the_role() {
    let staff = device(StaffRole::AllStaff);
    let list = staff.c.training_modules().unwrap();
    assert_eq!(list.len(), 13);
    assert!(list.iter().all(|m| m.status == TrainingStatus::NotStarted));
    let specialist = device(StaffRole::Specialist);
    assert_eq!(specialist.c.training_modules().unwrap().len(), 17);
    assert_eq!(
        refusal(staff.c.training_module("incident-response")),
        TrainingRefusal::NotAssigned
    );
    assert_eq!(
        refusal(staff.c.training_module("no-such-module")),
        TrainingRefusal::UnknownModule
    );
    let detail = specialist.c.training_module("incident-response").unwrap();
    assert!(!detail.lesson_markdown.is_empty());
    assert_eq!(
        specialist.c.training_pack().unwrap().source,
        PackSource::BuiltIn
    );
}

#[test]
fn detail_carries_no_correct_answers() {
    let d = device(StaffRole::AllStaff);
    let detail = d.c.training_module("phishing").unwrap();
    let json = serde_json::to_string(&detail).unwrap();
    assert!(!json.contains("\"correct\""));
    assert!(!json.contains("explanation"));
    assert!(!json.contains("feedback"));
    assert_eq!(detail.module.refresher_days, 180);
    assert!(detail.questions.len() >= 5);
}

#[test]
fn lesson_then_failed_then_passed_quiz() {
    let d = device(StaffRole::AllStaff);
    let pack = default_pack();
    let module = "passwords";
    let listed = d.c.lesson_viewed(module).unwrap();
    assert_eq!(listed.status, TrainingStatus::InProgress);
    // A second view in the same cycle records nothing more.
    d.c.lesson_viewed(module).unwrap();
    assert_eq!(statements(&d.c).len(), 1);
    assert_eq!(d.c.pending_report_count().unwrap(), 1);

    d.clock.advance(4 * 60_000 + 30_000);
    let failed =
        d.c.submit_quiz(module, pack.version, answers(&pack, module, false))
            .unwrap();
    assert!(!failed.passed);
    assert_eq!(failed.score_percent, 0);
    assert_eq!(failed.status, TrainingStatus::InProgress);
    assert!(failed
        .per_question
        .iter()
        .all(|q| !q.correct && !q.explanation.is_empty()));

    d.clock.advance(60_000);
    let passed =
        d.c.submit_quiz(module, pack.version, answers(&pack, module, true))
            .unwrap();
    assert!(passed.passed);
    assert_eq!(passed.score_percent, 100);
    assert_eq!(passed.status, TrainingStatus::Completed);
    assert_eq!(passed.due_at_ms, Some(d.clock_now() + 365 * DAY_MS));

    // experienced, attempted, failed, attempted, passed, completed (newest first here).
    let sts = statements(&d.c);
    let verbs: Vec<&str> = sts
        .iter()
        .rev()
        .map(|s| s["verb"]["display"]["en-GB"].as_str().unwrap())
        .collect();
    assert_eq!(
        verbs,
        [
            "experienced",
            "attempted",
            "failed",
            "attempted",
            "passed",
            "completed"
        ]
    );
    assert_eq!(d.c.pending_report_count().unwrap(), 6);
    let registration = sts[0]["context"]["registration"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(sts
        .iter()
        .all(|s| s["context"]["registration"] == registration.as_str()));
    let failed_st = &sts[3];
    assert_eq!(failed_st["result"]["success"], false);
    assert_eq!(failed_st["result"]["duration"], "PT4M30S");
    assert_eq!(
        failed_st["timestamp"],
        frontline_core::clock::rfc3339(T0 + 270_000)
    );
    assert_eq!(sts[0]["result"]["duration"], "PT5M30S");
    assert_eq!(
        sts[0]["object"]["id"],
        "https://example-trust.example/xapi/activities/frontline-default/passwords"
    );
    for s in &sts {
        assert_eq!(s["actor"]["account"]["name"], "staff-7f3a");
        assert!(s["actor"].get("mbox").is_none());
    }

    // The next view after a pass starts a new cycle with a new registration.
    d.c.lesson_viewed(module).unwrap();
    let newest = &statements(&d.c)[0];
    assert_ne!(newest["context"]["registration"], registration.as_str());
    assert_eq!(
        d.c.training_modules()
            .unwrap()
            .iter()
            .find(|m| m.id == module)
            .unwrap()
            .status,
        TrainingStatus::Completed
    );
}

impl Device {
    fn clock_now(&self) -> i64 {
        self.c.now_ms()
    }
}

#[test]
fn bad_answers_are_refused_and_record_nothing() {
    let d = device(StaffRole::AllStaff);
    let pack = default_pack();
    let v = pack.version;
    let one = |q: &str, o: &str| {
        vec![QuizAnswer {
            question_id: q.to_owned(),
            option_ids: vec![o.to_owned()],
        }]
    };
    assert_eq!(
        refusal(d.c.submit_quiz("passwords", v, one("q99", "a"))),
        TrainingRefusal::UnknownQuestion
    );
    assert_eq!(
        refusal(d.c.submit_quiz("passwords", v, one("q1", "zz"))),
        TrainingRefusal::UnknownOption
    );
    assert_eq!(
        refusal(d.c.submit_quiz("passwords", v + 1, one("q1", "a"))),
        TrainingRefusal::PackVersionGone
    );
    assert_eq!(
        refusal(d.c.submit_quiz("backups-ransomware", v, one("q1", "a"))),
        TrainingRefusal::NotAssigned
    );
    assert_eq!(
        refusal(d.c.lesson_viewed("nope")),
        TrainingRefusal::UnknownModule
    );
    assert!(statements(&d.c).is_empty());
    assert_eq!(d.c.pending_report_count().unwrap(), 0);
    assert!(d
        .c
        .training_modules()
        .unwrap()
        .iter()
        .all(|m| m.status == TrainingStatus::NotStarted));
}

#[test]
fn due_and_overdue_across_time() {
    let d = device(StaffRole::AllStaff);
    let pack = default_pack();
    d.c.submit_quiz("phishing", pack.version, answers(&pack, "phishing", true))
        .unwrap();
    d.c.submit_quiz("passwords", pack.version, answers(&pack, "passwords", true))
        .unwrap();
    let status = |id: &str| {
        let m = d.c.training_modules().unwrap();
        let m = m.iter().find(|m| m.id == id).unwrap().clone();
        (m.status, m.due_at_ms)
    };
    assert_eq!(
        status("phishing"),
        (TrainingStatus::Completed, Some(T0 + 180 * DAY_MS))
    );
    let s = d.c.training_summary().unwrap();
    assert_eq!((s.assigned, s.current, s.not_started), (13, 2, 11));
    assert!((s.current_share - 2.0 / 13.0).abs() < 1e-9);

    d.clock.set(T0 + 150 * DAY_MS); // phishing (180 days) due within 30 days
    assert_eq!(status("phishing").0, TrainingStatus::Due);
    assert_eq!(status("passwords").0, TrainingStatus::Completed);
    let s = d.c.training_summary().unwrap();
    assert_eq!((s.current, s.due, s.overdue), (2, 1, 0));

    d.clock.set(T0 + 180 * DAY_MS);
    assert_eq!(status("phishing").0, TrainingStatus::Overdue);
    d.clock.set(T0 + 340 * DAY_MS);
    assert_eq!(status("passwords").0, TrainingStatus::Due);
    d.clock.set(T0 + 366 * DAY_MS);
    assert_eq!(status("passwords").0, TrainingStatus::Overdue);
    let s = d.c.training_summary().unwrap();
    assert_eq!((s.current, s.overdue), (0, 2));
    assert_eq!(s.current_share, 0.0);

    // Retaking the refresher makes it current again, due a year from now.
    d.c.submit_quiz("passwords", pack.version, answers(&pack, "passwords", true))
        .unwrap();
    assert_eq!(
        status("passwords"),
        (
            TrainingStatus::Completed,
            Some(T0 + 366 * DAY_MS + 365 * DAY_MS)
        )
    );
}

/// A content pack derived from the default: fewer modules, a new version.
fn custom_pack(version: u64) -> Pack {
    let mut p = default_pack();
    p.version = version;
    p.title = format!("Custom pack v{version}");
    p.modules.truncate(3);
    p
}

fn content_bundle(bundle_version: u64, pack: &Pack) -> Vec<u8> {
    sign_bundle(
        BundleKind::Content,
        bundle_version,
        T0,
        Some(T0 + 30 * DAY_MS),
        &serde_json::to_vec(pack).unwrap(),
        &publisher(),
    )
}

/// Installs pack version 5 and returns the device with one module in progress.
fn device_with_installed_pack() -> (Device, Pack) {
    let d = device(StaffRole::AllStaff);
    let pack = custom_pack(5);
    let info = d.c.install_bundle(&content_bundle(2, &pack)).unwrap();
    assert_eq!((info.kind, info.version), (BundleKind::Content, 2));
    d.c.lesson_viewed(&pack.modules[0].id).unwrap();
    (d, pack)
}

/// The installed pack is still the one in force and training on it still works.
fn assert_untouched(d: &Device, pack: &Pack) {
    let info = d.c.training_pack().unwrap();
    assert_eq!(
        (info.version, info.source),
        (5, PackSource::Bundle),
        "installed pack replaced"
    );
    assert_eq!(d.c.training_modules().unwrap().len(), 3);
    let bundles = d.c.installed_bundles().unwrap();
    assert_eq!(bundles.len(), 1);
    assert_eq!(bundles[0].version, 2);
    let id = &pack.modules[1].id;
    let r = d.c.submit_quiz(id, 5, answers(pack, id, true)).unwrap();
    assert!(r.passed);
}

fn edit_file(bundle: &[u8], edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(bundle).unwrap();
    edit(&mut v);
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn installed_pack_replaces_the_default_and_old_answers_are_refused() {
    let d = device(StaffRole::AllStaff);
    let old = d.c.training_pack().unwrap().version;
    let pack = custom_pack(5);
    d.c.install_bundle(&content_bundle(1, &pack)).unwrap();
    assert_eq!(d.c.training_modules().unwrap().len(), 3);
    let id = &pack.modules[0].id;
    assert_eq!(
        refusal(d.c.submit_quiz(id, old, answers(&pack, id, true))),
        TrainingRefusal::PackVersionGone
    );
    // A bundle that expires after install stays in use.
    d.clock.set(T0 + 400 * DAY_MS);
    assert_eq!(d.c.training_pack().unwrap().source, PackSource::Bundle);
    assert!(
        d.c.submit_quiz(id, 5, answers(&pack, id, true))
            .unwrap()
            .passed
    );
}

#[test]
fn refused_bad_signature() {
    let (d, pack) = device_with_installed_pack();
    let b = content_bundle(3, &custom_pack(6));
    let bad = edit_file(&b, |v| {
        let sig = v["signature"].as_str().unwrap();
        let mut raw = frontline_core::crypto::from_b64url(sig).unwrap();
        raw[0] ^= 1;
        v["signature"] = b64url(&raw).into();
    });
    assert_eq!(
        bundle_refusal(d.c.install_bundle(&bad)),
        BundleRefusal::BadSignature
    );
    assert_untouched(&d, &pack);
}

#[test]
fn refused_unknown_key() {
    let (d, pack) = device_with_installed_pack();
    let other = SigningKey::from_seed(&[1u8; 32]).unwrap();
    let b = sign_bundle(
        BundleKind::Content,
        3,
        T0,
        None,
        &serde_json::to_vec(&custom_pack(6)).unwrap(),
        &other,
    );
    assert_eq!(
        bundle_refusal(d.c.install_bundle(&b)),
        BundleRefusal::UnknownKey
    );
    assert_untouched(&d, &pack);
}

#[test]
fn refused_not_newer() {
    let (d, pack) = device_with_installed_pack();
    for version in [1, 2] {
        assert_eq!(
            bundle_refusal(d.c.install_bundle(&content_bundle(version, &custom_pack(6)))),
            BundleRefusal::NotNewer {
                installed: 2,
                offered: version
            }
        );
    }
    assert_untouched(&d, &pack);
}

#[test]
fn refused_expired() {
    let (d, pack) = device_with_installed_pack();
    let b = sign_bundle(
        BundleKind::Content,
        3,
        T0 - 10 * DAY_MS,
        Some(T0 - DAY_MS),
        &serde_json::to_vec(&custom_pack(6)).unwrap(),
        &publisher(),
    );
    assert_eq!(
        bundle_refusal(d.c.install_bundle(&b)),
        BundleRefusal::Expired
    );
    assert_untouched(&d, &pack);
}

#[test]
fn refused_wrong_kind_for_the_payload() {
    // A bundle fetched as content but signed as another kind is refused, and the kind in a
    // signed manifest cannot be changed.
    let (d, pack) = device_with_installed_pack();
    let b = sign_bundle(
        BundleKind::Policy,
        3,
        T0,
        None,
        &serde_json::to_vec(&custom_pack(6)).unwrap(),
        &publisher(),
    );
    assert_eq!(
        frontline_core::bundle::verify_bundle(
            &b,
            Some(BundleKind::Content),
            &publisher().public_key(),
            T0,
            None
        )
        .unwrap_err(),
        BundleRefusal::WrongKind {
            expected: BundleKind::Content,
            found: BundleKind::Policy
        }
    );
    assert_eq!(
        bundle_refusal(d.c.install_bundle_of_kind(BundleKind::Content, &b)),
        BundleRefusal::WrongKind {
            expected: BundleKind::Content,
            found: BundleKind::Policy
        }
    );
    let manifest_kind_swapped = edit_file(&b, |v| {
        let m = frontline_core::crypto::from_b64url(v["manifest"].as_str().unwrap()).unwrap();
        let m = String::from_utf8(m)
            .unwrap()
            .replace("\"policy\"", "\"content\"");
        v["manifest"] = b64url(m.as_bytes()).into();
    });
    assert_eq!(
        bundle_refusal(d.c.install_bundle(&manifest_kind_swapped)),
        BundleRefusal::BadSignature
    );
    assert_untouched(&d, &pack);
}

#[test]
fn refused_malformed_json() {
    let (d, pack) = device_with_installed_pack();
    for bytes in [
        &b"not json"[..],
        b"{\"format\":\"frontline-bundle/1\"}",
        b"{\"format\":\"other/9\",\"manifest\":\"\",\"signature\":\"\",\"payload\":\"\"}",
        b"{\"format\":\"frontline-bundle/1\",\"manifest\":\"%%%\",\"signature\":\"\",\"payload\":\"\"}",
    ] {
        assert_eq!(bundle_refusal(d.c.install_bundle(bytes)), BundleRefusal::Malformed);
    }
    assert_untouched(&d, &pack);
}

#[test]
fn refused_oversized() {
    let (d, pack) = device_with_installed_pack();
    let mut big = custom_pack(6);
    big.modules[0].lesson_markdown = "x".repeat(MAX_BUNDLE_BYTES);
    let b = content_bundle(3, &big);
    assert!(b.len() > MAX_BUNDLE_BYTES);
    assert_eq!(
        bundle_refusal(d.c.install_bundle(&b)),
        BundleRefusal::TooLarge
    );
    assert_untouched(&d, &pack);
}

#[test]
fn refused_digest_mismatch() {
    let (d, pack) = device_with_installed_pack();
    let b = content_bundle(3, &custom_pack(6));
    let swapped = edit_file(&b, |v| {
        v["payload"] = b64url(&serde_json::to_vec(&custom_pack(7)).unwrap()).into();
    });
    assert_eq!(
        bundle_refusal(d.c.install_bundle(&swapped)),
        BundleRefusal::DigestMismatch
    );
    assert_untouched(&d, &pack);
}

#[test]
fn refused_invalid_payload() {
    let (d, pack) = device_with_installed_pack();
    let mut bad = custom_pack(6);
    bad.modules[0].quiz.questions[0].correct = vec![String::from("zz")];
    assert_eq!(
        bundle_refusal(d.c.install_bundle(&content_bundle(3, &bad))),
        BundleRefusal::InvalidPayload
    );
    let not_a_pack = sign_bundle(BundleKind::Content, 3, T0, None, b"{}", &publisher());
    assert_eq!(
        bundle_refusal(d.c.install_bundle(&not_a_pack)),
        BundleRefusal::InvalidPayload
    );
    assert_untouched(&d, &pack);
}

#[test]
fn progress_and_answers_are_sealed_at_rest() {
    let d = device(StaffRole::AllStaff);
    let pack = default_pack();
    d.c.submit_quiz("passwords", pack.version, answers(&pack, "passwords", true))
        .unwrap();
    let db = std::fs::read(d.c.data_dir().join("frontline.db")).unwrap();
    let wal = std::fs::read(d.c.data_dir().join("frontline.db-wal")).unwrap_or_default();
    for haystack in [&db, &wal] {
        let text = String::from_utf8_lossy(haystack);
        assert!(!text.contains("staff-7f3a"), "pseudonym stored in clear");
        assert!(!text.contains("option_ids"), "answers stored in clear");
        assert!(!text.contains("completed_at"), "progress stored in clear");
    }
}

#[test]
fn an_installed_pack_this_build_cannot_read_falls_back_to_the_built_in_pack() {
    let (d, _pack) = device_with_installed_pack();
    assert_eq!(d.c.training_pack().unwrap().source, PackSource::Bundle);
    // As if a later build stored a payload this one reads differently.
    let conn = rusqlite::Connection::open(d.c.data_dir().join("frontline.db")).unwrap();
    conn.execute(
        "UPDATE bundle SET payload = x'7b7d', digest = x'00' WHERE kind = 'content'",
        [],
    )
    .unwrap();
    let info = d.c.training_pack().unwrap();
    assert_eq!(info.source, PackSource::BuiltIn);
    assert_eq!(d.c.training_modules().unwrap().len(), 13);
}
