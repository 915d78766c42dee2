//! Public-API tests of device posture, managed configuration, MDM feedback and advisories,
//! over the sample fact files in `tests/fixtures/devices/` on an injected clock.

// Helpers outside `#[test]` functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashMap;
use std::path::Path;

use frontline_core::clock::{parse_rfc3339, DAY_MS};
use frontline_core::config::managed::{self, ConfigProblemKind};
use frontline_core::posture::{
    CheckStatus, DeviceFacts, FeedbackSeverity, PostureTrigger, Verdict,
};
use frontline_core::{Companion, CompanionConfig, Error, StaffRole};

use support::{fixture, noon, Device};

fn config() -> CompanionConfig {
    CompanionConfig::new("example-trust", "staff-0001", StaffRole::AllStaff)
}

fn device() -> Device {
    Device::open(config())
}

fn failing(report: &frontline_core::posture::PostureReport) -> Vec<&str> {
    report
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Fail)
        .map(|c| c.check_id.as_str())
        .collect()
}

fn status_of(report: &frontline_core::posture::PostureReport, id: &str) -> CheckStatus {
    report
        .checks
        .iter()
        .find(|c| c.check_id == id)
        .unwrap()
        .status
}

#[test]
fn sample_devices_get_the_expected_verdicts() {
    let table: &[(&str, Verdict, &[&str], &[&str])] = &[
        ("pixel-current.json", Verdict::Compliant, &[], &[]),
        (
            "android10-unsupported.json",
            Verdict::NonCompliant,
            &["os_supported", "security_updates"],
            &["developer_options", "unknown_sources"],
        ),
        (
            "rooted-phone.json",
            Verdict::NonCompliant,
            &["root_jailbreak"],
            &["developer_options", "usb_debugging"],
        ),
        (
            "iphone-no-passcode.json",
            Verdict::InGrace,
            &["screen_lock", "encryption"],
            &[],
        ),
        ("sparse-probe.json", Verdict::Unknown, &[], &[]),
    ];
    for (file, verdict, fails, warns) in table {
        let d = device();
        let report = d
            .companion
            .check_posture(fixture(file), PostureTrigger::User)
            .unwrap();
        assert_eq!(report.verdict, *verdict, "{file}: {:#?}", report.checks);
        assert_eq!(failing(&report), *fails, "{file}");
        let warned: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| c.status == CheckStatus::Warn)
            .map(|c| c.check_id.as_str())
            .collect();
        assert_eq!(warned, *warns, "{file}");
        for c in &report.checks {
            if c.status == CheckStatus::Fail {
                assert!(c.remediation.lesson_id.is_some(), "{file} {}", c.check_id);
                assert!(c.grace_deadline_ms.is_some());
            }
        }
        assert_eq!(d.companion.pending_report_count().unwrap(), 1, "{file}");
    }
}

#[test]
fn sparse_probe_is_unknown_never_pass() {
    let d = device();
    let report = d
        .companion
        .check_posture(fixture("sparse-probe.json"), PostureTrigger::User)
        .unwrap();
    assert!(
        report
            .checks
            .iter()
            .all(|c| c.status == CheckStatus::Unknown),
        "{:#?}",
        report.checks
    );
    let su = report
        .checks
        .iter()
        .find(|c| c.check_id == "security_updates")
        .unwrap();
    assert!(su.observed.contains("unreadable"), "{}", su.observed);
}

#[test]
fn grace_survives_reopen_and_expires_on_the_injected_clock() {
    let d = device();
    let facts = fixture("iphone-no-passcode.json");
    let first = d
        .companion
        .check_posture(facts.clone(), PostureTrigger::Schedule)
        .unwrap();
    assert_eq!(first.verdict, Verdict::InGrace);
    let deadline = first.checks[0].grace_deadline_ms.unwrap();
    assert_eq!(deadline, noon() + DAY_MS);

    d.clock.advance(DAY_MS / 2);
    let d = d.reopen();
    let later = d
        .companion
        .check_posture(facts.clone(), PostureTrigger::Schedule)
        .unwrap();
    assert_eq!(later.verdict, Verdict::InGrace);
    assert_eq!(
        later.checks[0].first_failed_at_ms,
        Some(noon()),
        "grace clock kept across reopen"
    );

    d.clock.advance(DAY_MS / 2);
    let expired = d
        .companion
        .check_posture(facts.clone(), PostureTrigger::Schedule)
        .unwrap();
    assert_eq!(expired.verdict, Verdict::NonCompliant);

    // Fixed: passes and the grace clock is cleared; a new failure starts a new one.
    let mut fixed = facts.clone();
    fixed.secure_lock_screen = Some(true);
    fixed.storage_encryption = Some(frontline_core::posture::StorageEncryption::DataProtectionOn);
    let ok = d
        .companion
        .check_posture(fixed, PostureTrigger::User)
        .unwrap();
    assert_eq!(ok.verdict, Verdict::Compliant, "{:#?}", ok.checks);
    d.clock.advance(DAY_MS);
    let again = d
        .companion
        .check_posture(facts, PostureTrigger::User)
        .unwrap();
    assert_eq!(
        again.checks[0].first_failed_at_ms,
        Some(noon() + 2 * DAY_MS)
    );
    assert_eq!(again.verdict, Verdict::InGrace);
}

#[test]
fn reports_are_stored_and_the_latest_is_readable() {
    let d = device();
    assert!(d.companion.latest_posture_report().unwrap().is_none());
    d.companion
        .check_posture(fixture("rooted-phone.json"), PostureTrigger::User)
        .unwrap();
    d.clock.advance(1000);
    let second = d
        .companion
        .check_posture(fixture("pixel-current.json"), PostureTrigger::AppStart)
        .unwrap();
    let d = d.reopen();
    assert_eq!(d.companion.latest_posture_report().unwrap(), Some(second));
    assert_eq!(
        d.companion.latest_device_facts().unwrap(),
        Some(fixture("pixel-current.json"))
    );
}

fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn bad_managed_config_names_every_key_and_keeps_the_previous_one() {
    let mut d = device();
    let good = map(&[
        ("collector_url", "https://collector.example-trust.nhs.uk"),
        ("staff_pseudonym", "staff-7f3a"),
        ("enrolment_token", "enrol-2c1d9e7f"),
        ("sync_interval_minutes", "30"),
    ]);
    d.companion.apply_managed_config(good).unwrap();
    let before = d.companion.config().clone();
    assert_eq!(before.staff_pseudonym, "staff-7f3a");
    assert_eq!(before.sync_interval_minutes, 30);

    let bad = map(&[
        ("collector_url", "http://collector.example-trust.nhs.uk"),
        ("staff_pseudonym", "nurse@example.nhs.uk"),
        ("sync_interval_minutes", "0"),
        ("staff_role", "root"),
        ("posture_check_request_id", "req-9"),
    ]);
    let Err(Error::InvalidConfig(problems)) = d.companion.apply_managed_config(bad) else {
        panic!("expected InvalidConfig");
    };
    let mut keys: Vec<(&str, ConfigProblemKind)> = problems
        .iter()
        .map(|p| (p.key.as_str(), p.problem))
        .collect();
    keys.sort_by_key(|k| k.0);
    assert_eq!(
        keys,
        vec![
            ("collector_url", ConfigProblemKind::InsecureUrl),
            ("staff_pseudonym", ConfigProblemKind::LooksLikeEmail),
            ("staff_role", ConfigProblemKind::NotAChoice),
            ("sync_interval_minutes", ConfigProblemKind::OutOfRange),
        ]
    );
    // No value in the error text.
    let text = Error::InvalidConfig(problems).to_string();
    assert!(!text.contains("nurse") && !text.contains("http"), "{text}");
    assert_eq!(d.companion.config(), &before);
    assert_eq!(
        d.companion.pending_posture_request().unwrap(),
        None,
        "refused map ran nothing"
    );

    // The stored managed config overrides the app's on the next open.
    let d = d.reopen();
    assert_eq!(d.companion.config(), &before);
}

#[test]
fn mdm_request_runs_once_per_id_and_waits_for_facts() {
    let mut d = device();
    // No facts yet: the request waits.
    let out = d
        .companion
        .apply_managed_config(map(&[("posture_check_request_id", "req-1")]))
        .unwrap();
    assert!(out.posture_check_pending);
    assert!(out.posture_report.is_none());
    assert_eq!(
        d.companion.pending_posture_request().unwrap().as_deref(),
        Some("req-1")
    );

    // The next facts answer it, with the MDM's id, kept in the outbox.
    let report = d
        .companion
        .submit_device_facts(fixture("rooted-phone.json"))
        .unwrap()
        .unwrap();
    assert_eq!(
        report.trigger,
        PostureTrigger::Mdm {
            request_id: "req-1".into()
        }
    );
    assert_eq!(d.companion.pending_posture_request().unwrap(), None);
    assert_eq!(d.companion.pending_report_count().unwrap(), 1);

    // Re-applying the same id runs nothing.
    let out = d
        .companion
        .apply_managed_config(map(&[("posture_check_request_id", "req-1")]))
        .unwrap();
    assert!(out.posture_report.is_none() && !out.posture_check_pending);
    assert_eq!(d.companion.pending_report_count().unwrap(), 1);
    // An explicit MDM check for an answered id returns the earlier report.
    let again = d
        .companion
        .check_posture(
            fixture("pixel-current.json"),
            PostureTrigger::Mdm {
                request_id: "req-1".into(),
            },
        )
        .unwrap();
    assert_eq!(again, report);

    // A new id runs at once on the latest facts.
    d.clock.advance(60_000);
    let out = d
        .companion
        .apply_managed_config(map(&[
            ("posture_check_request_id", "req-2"),
            ("future_key", "x"),
        ]))
        .unwrap();
    assert_eq!(out.ignored_keys, vec!["future_key".to_owned()]);
    let report = out.posture_report.unwrap();
    assert_eq!(report.trigger.request_id(), Some("req-2"));
    assert_eq!(report.verdict, Verdict::NonCompliant);
    assert_eq!(d.companion.pending_report_count().unwrap(), 2);
}

#[test]
fn pending_request_is_answered_by_the_next_check() {
    let mut d = device();
    d.companion
        .apply_managed_config(map(&[("posture_check_request_id", "req-7")]))
        .unwrap();
    let report = d
        .companion
        .check_posture(fixture("pixel-current.json"), PostureTrigger::User)
        .unwrap();
    assert_eq!(report.trigger.request_id(), Some("req-7"));
    let next = d
        .companion
        .check_posture(fixture("pixel-current.json"), PostureTrigger::User)
        .unwrap();
    assert_eq!(next.trigger, PostureTrigger::User);
}

#[test]
fn feedback_emits_every_check_and_resolves_errors() {
    let d = device();
    let none = d.companion.mdm_feedback().unwrap();
    assert_eq!(none.keyed_app_states[0].severity, FeedbackSeverity::Error);

    d.companion
        .check_posture(fixture("iphone-no-passcode.json"), PostureTrigger::User)
        .unwrap();
    let fb = d.companion.mdm_feedback().unwrap();
    let policy_checks = 8;
    assert_eq!(fb.keyed_app_states.len(), policy_checks + 1);
    let lock = fb
        .keyed_app_states
        .iter()
        .find(|s| s.key == "posture.check.screen_lock")
        .unwrap();
    assert_eq!(lock.severity, FeedbackSeverity::Error);
    assert_eq!(fb.ios_managed_feedback["posture.verdict"], "in_grace");
    assert_eq!(fb.ios_managed_feedback["posture.check.screen_lock"], "fail");
    for s in &fb.keyed_app_states {
        assert!(s.key.len() <= 100 && s.message.len() <= 1000);
        assert!(s.data.as_ref().is_none_or(|d| d.len() <= 1000));
        assert!(!s.message.contains("staff-0001"));
    }

    let mut fixed = fixture("iphone-no-passcode.json");
    fixed.secure_lock_screen = Some(true);
    fixed.storage_encryption = Some(frontline_core::posture::StorageEncryption::DataProtectionOn);
    d.companion
        .check_posture(fixed, PostureTrigger::User)
        .unwrap();
    let fb = d.companion.mdm_feedback().unwrap();
    assert_eq!(
        fb.keyed_app_states.len(),
        policy_checks + 1,
        "every key again, so errors resolve"
    );
    assert!(
        fb.keyed_app_states
            .iter()
            .all(|s| s.severity == FeedbackSeverity::Info),
        "{fb:#?}"
    );
}

#[test]
fn advisories_match_the_latest_facts_and_acks_queue_once() {
    let d = device();
    // Without facts every advisory may concern the device.
    let all = d.companion.advisories_for_device().unwrap();
    assert!(all
        .iter()
        .all(|m| m.relevance == frontline_core::advisory::Relevance::PossiblyAffected));

    d.companion
        .check_posture(fixture("android10-unsupported.json"), PostureTrigger::User)
        .unwrap();
    let ids: Vec<String> = d
        .companion
        .advisories_for_device()
        .unwrap()
        .into_iter()
        .map(|m| m.advisory.id)
        .collect();
    assert_eq!(
        ids,
        vec!["SAMPLE-2026-011", "SAMPLE-2026-014", "SAMPLE-2026-013"]
    );

    d.companion
        .check_posture(fixture("pixel-current.json"), PostureTrigger::User)
        .unwrap();
    let ids: Vec<String> = d
        .companion
        .advisories_for_device()
        .unwrap()
        .into_iter()
        .map(|m| m.advisory.id)
        .collect();
    assert_eq!(ids, vec!["SAMPLE-2026-014"]);

    let queued = d.companion.pending_report_count().unwrap();
    let at = d.companion.acknowledge_advisory("SAMPLE-2026-014").unwrap();
    assert_eq!(d.companion.pending_report_count().unwrap(), queued + 1);
    d.clock.advance(5000);
    assert_eq!(
        d.companion.acknowledge_advisory("SAMPLE-2026-014").unwrap(),
        at
    );
    assert_eq!(d.companion.pending_report_count().unwrap(), queued + 1);
    assert_eq!(
        d.companion.advisories_for_device().unwrap()[0].acknowledged_at_ms,
        Some(at)
    );
    assert!(matches!(
        d.companion.acknowledge_advisory("NOPE-1"),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn odd_facts_never_panic() {
    let d = device();
    let odd = [
        r#"{}"#,
        r#"{"platform":"android","os_version":"14.0.1-beta","security_patch":"2099-01-01"}"#,
        r#"{"platform":"android","os_version":"∞","security_patch":"2026-02-31"}"#,
        r#"{"platform":"ios","os_version":"","root_signals":["emulator","emulator","emulator"]}"#,
        r#"{"platform":"other","os_version":"99999999999999999999"}"#,
        r#"{"platform":"android","lock_complexity":"high","secure_lock_screen":false,"collected_at_ms":-5}"#,
    ];
    for text in odd {
        let facts = DeviceFacts::from_json(text.as_bytes()).unwrap();
        let report = d
            .companion
            .check_posture(facts, PostureTrigger::User)
            .unwrap();
        assert_ne!(report.verdict, Verdict::Compliant, "{text}");
    }
    let beta = DeviceFacts::from_json(
        br#"{"platform":"android","os_version":"14.0.1-beta","security_patch":"2099-01-01"}"#,
    )
    .unwrap();
    let report = d
        .companion
        .check_posture(beta, PostureTrigger::User)
        .unwrap();
    assert_eq!(status_of(&report, "os_supported"), CheckStatus::Pass);
    assert_eq!(status_of(&report, "security_updates"), CheckStatus::Unknown);
    assert!(matches!(
        d.companion.check_posture(
            DeviceFacts::default(),
            PostureTrigger::Mdm {
                request_id: "bad id!".into()
            }
        ),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn committed_mdm_schema_files_match_the_generator() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    assert_eq!(
        read("android/frontline/src/main/res/xml/app_restrictions.xml"),
        managed::android_restrictions_xml(),
        "regenerate with `frontline config schema --android`"
    );
    assert_eq!(
        read("android/frontline/src/main/res/values/app_restrictions_strings.xml"),
        managed::android_strings_xml(),
        "regenerate with `frontline config schema --android-strings`"
    );
    assert_eq!(
        read("ios/appconfig/specfile.xml"),
        managed::appconfig_specfile(),
        "regenerate with `frontline config schema --appconfig`"
    );
}

mod bundles {
    use super::*;
    use frontline_core::bundle::{sign_bundle, BundleKind, BundleRefusal};
    use frontline_core::crypto::{b64url, SigningKey};

    pub(super) fn publisher() -> SigningKey {
        SigningKey::from_seed(&[42u8; 32]).unwrap()
    }

    pub(super) fn trusting_device() -> Device {
        let mut d = device();
        let key = b64url(&publisher().public_key());
        d.companion
            .apply_managed_config(map(&[("publisher_key", key.as_str())]))
            .unwrap();
        d
    }

    pub(super) fn default_policy_json() -> serde_json::Value {
        serde_json::from_slice(frontline_core::posture::policy::DEFAULT_POLICY).unwrap()
    }

    #[test]
    fn a_signed_policy_bundle_changes_the_checks_and_a_bad_one_changes_nothing() {
        let d = trusting_device();
        let pixel = fixture("pixel-current.json");
        assert_eq!(
            d.companion
                .check_posture(pixel.clone(), PostureTrigger::User)
                .unwrap()
                .verdict,
            Verdict::Compliant
        );
        // The organisation raises the Android minimum to 17.
        let mut stricter = default_policy_json();
        stricter["version"] = "2026.12-strict".into();
        for check in stricter["checks"].as_array_mut().unwrap() {
            if check["id"] == "os_supported" {
                check["rule"]["min"]["android"] = "17".into();
            }
        }
        let payload = serde_json::to_vec(&stricter).unwrap();
        let bundle = sign_bundle(BundleKind::Policy, 1, noon(), None, &payload, &publisher());
        d.companion.install_bundle(&bundle).unwrap();
        let report = d
            .companion
            .check_posture(pixel.clone(), PostureTrigger::User)
            .unwrap();
        assert_eq!(report.policy_version, "2026.12-strict");
        assert_eq!(report.verdict, Verdict::InGrace);
        assert_eq!(failing(&report), vec!["os_supported"]);

        // A policy with a repeated check id is refused; the stricter one stays.
        let mut broken = default_policy_json();
        broken["checks"][1]["id"] = "screen_lock".into();
        let payload = serde_json::to_vec(&broken).unwrap();
        let bundle = sign_bundle(BundleKind::Policy, 2, noon(), None, &payload, &publisher());
        assert!(matches!(
            d.companion.install_bundle(&bundle),
            Err(Error::BundleRefused(BundleRefusal::InvalidPayload))
        ));
        assert_eq!(
            d.companion.active_policy().unwrap().version,
            "2026.12-strict"
        );
    }

    #[test]
    fn a_signed_advisory_feed_replaces_the_sample() {
        let d = trusting_device();
        d.companion
            .check_posture(fixture("pixel-current.json"), PostureTrigger::User)
            .unwrap();
        let feed = serde_json::json!({
            "format": 1,
            "feed_id": "example-trust-2026-12",
            "advisories": [{
                "id": "ET-2026-0042",
                "title": "Update the rostering app",
                "severity": "critical",
                "summary": "Versions before 5.2 leak session tokens.",
                "published": "2026-11-27",
                "affected": [{ "platform": "android", "min_version": "15" }],
                "actions": ["Update the rostering app from the Play Store."],
                "lesson_id": "advisories-patching"
            }],
            "android_patch_releases": [{ "patch_level": "2026-11-01", "released": "2026-11-02" }]
        });
        let payload = serde_json::to_vec(&feed).unwrap();
        let bundle = sign_bundle(
            BundleKind::Advisories,
            1,
            noon(),
            None,
            &payload,
            &publisher(),
        );
        d.companion.install_bundle(&bundle).unwrap();
        let ids: Vec<String> = d
            .companion
            .advisories_for_device()
            .unwrap()
            .into_iter()
            .map(|m| m.advisory.id)
            .collect();
        assert_eq!(ids, vec!["ET-2026-0042"]);
        // A feed with an unparseable date is refused.
        let mut bad = feed.clone();
        bad["advisories"][0]["published"] = "yesterday".into();
        let payload = serde_json::to_vec(&bad).unwrap();
        let bundle = sign_bundle(
            BundleKind::Advisories,
            2,
            noon(),
            None,
            &payload,
            &publisher(),
        );
        assert!(matches!(
            d.companion.install_bundle(&bundle),
            Err(Error::BundleRefused(BundleRefusal::InvalidPayload))
        ));
        assert_eq!(
            d.companion.advisory_feed().unwrap().feed_id,
            "example-trust-2026-12"
        );
    }
}

/// Posture advice: the words staff see, per platform, with the organisation's contact.
mod advice {
    use super::*;
    use frontline_core::bundle::{sign_bundle, BundleKind, BundleRefusal};
    use frontline_core::posture::{CheckAdvice, PostureAdvice};

    /// Thursday 3 December 2026, 09:00 in the UK (GMT).
    fn thursday() -> i64 {
        parse_rfc3339("2026-12-03T09:00:00Z").unwrap()
    }

    fn checked(file: &str) -> (Device, PostureAdvice) {
        let d = device();
        d.clock.set(thursday());
        d.companion
            .check_posture(fixture(file), PostureTrigger::User)
            .unwrap();
        let advice = d.companion.posture_advice().unwrap().unwrap();
        (d, advice)
    }

    fn check<'a>(advice: &'a PostureAdvice, id: &str) -> &'a CheckAdvice {
        advice.checks.iter().find(|c| c.check_id == id).unwrap()
    }

    fn all_words(c: &CheckAdvice) -> String {
        let mut words = vec![c.status_words.clone(), c.title.clone(), c.why.clone()];
        words.extend(c.steps.iter().cloned());
        words.extend(c.cannot_fix.iter().cloned());
        words.join(" | ")
    }

    const CONTACTS: &[(&str, &str)] = &[
        ("org_name", "Example Community Health NHS Trust"),
        ("it_service_desk_phone", "0300 123 4567"),
        (
            "it_service_desk_url",
            "https://itservicedesk.example-trust.nhs.uk",
        ),
        ("ig_lead_contact", "dpo@example-trust.nhs.uk"),
    ];

    #[test]
    fn no_advice_before_a_check() {
        assert_eq!(device().companion.posture_advice().unwrap(), None);
    }

    #[test]
    fn the_iphone_gets_ios_steps_and_never_an_android_screen() {
        let (_d, advice) = checked("iphone-no-passcode.json");
        assert_eq!(advice.verdict, Verdict::InGrace);
        assert_eq!(advice.headline, "Needs fixing by Friday 4 December");
        let lock = check(&advice, "screen_lock");
        assert_eq!(lock.status, CheckStatus::Fail);
        assert_eq!(lock.status_words, "Needs fixing by Friday 4 December");
        assert_eq!(lock.title, "Screen lock");
        assert_eq!(lock.steps.len(), 4, "{:#?}", lock.steps);
        assert!(
            lock.steps[1].contains("Face ID & Passcode"),
            "{:#?}",
            lock.steps
        );
        assert!(lock.steps[2].contains("Turn Passcode On"));
        assert_eq!(lock.settings_target.as_deref(), Some("app-settings:"));
        assert_eq!(lock.lesson_id.as_deref(), Some("screen-lock"));
        let encryption = check(&advice, "encryption");
        assert!(
            encryption.steps[0].contains("passcode"),
            "{:#?}",
            encryption.steps
        );
        for c in &advice.checks {
            let words = all_words(c);
            assert!(!words.contains("Android"), "{}: {words}", c.check_id);
            assert!(!words.contains('{'), "{}: {words}", c.check_id);
            assert!(
                !c.settings_target
                    .as_deref()
                    .is_some_and(|t| t.starts_with("android.")),
                "{}",
                c.check_id
            );
        }
        assert_eq!(
            check(&advice, "usb_debugging").status_words,
            "Doesn't apply to this phone"
        );
        assert_eq!(check(&advice, "usb_debugging").title, "USB debugging");
    }

    #[test]
    fn the_rooted_phone_is_told_to_stop_and_call_the_configured_desk() {
        let (mut d, advice) = checked("rooted-phone.json");
        // Without contacts: the fallback wording.
        let root = check(&advice, "root_jailbreak");
        assert!(
            root.steps[1].contains("your IT service desk"),
            "{:#?}",
            root.steps
        );

        d.companion.apply_managed_config(map(CONTACTS)).unwrap();
        let advice = d.companion.posture_advice().unwrap().unwrap();
        assert_eq!(advice.verdict, Verdict::NonCompliant);
        assert_eq!(
            advice.headline,
            "Stop using this phone for patient data until it's fixed"
        );
        let root = check(&advice, "root_jailbreak");
        assert_eq!(root.status_words, "Stop using this phone for patient data");
        assert_eq!(root.title, "This phone is rooted");
        assert!(root.steps[0].starts_with("Stop using this phone for patient data now"));
        let desk = "the Example Community Health NHS Trust IT service desk on 0300 123 4567 \
                    or at https://itservicedesk.example-trust.nhs.uk";
        assert!(root.steps[1].contains(desk), "{:#?}", root.steps);
        assert!(root.cannot_fix.as_deref().unwrap().contains(desk));
        assert_eq!(root.settings_target, None);
        // Warnings keep their own words and settings screen.
        let usb = check(&advice, "usb_debugging");
        assert_eq!(usb.status_words, "Worth fixing");
        assert_eq!(
            usb.settings_target.as_deref(),
            Some("android.settings.APPLICATION_DEVELOPMENT_SETTINGS")
        );
        // The contacts survive a reopen (stored sealed with the managed configuration).
        let d = d.reopen();
        assert_eq!(
            d.companion
                .organisation_contacts()
                .it_service_desk_phone
                .as_deref(),
            Some("0300 123 4567")
        );
    }

    #[test]
    fn android_10_is_told_it_cannot_be_updated() {
        let (_d, advice) = checked("android10-unsupported.json");
        for id in ["os_supported", "security_updates"] {
            let c = check(&advice, id);
            assert_eq!(c.status, CheckStatus::Fail);
            assert_eq!(
                c.status_words, "Can't be updated: this phone needs replacing",
                "{id}"
            );
            assert_eq!(c.settings_target, None, "{id}: no settings screen helps");
            assert!(
                c.steps[0].contains("Android 10, which can't be updated any more"),
                "{id}: {:#?}",
                c.steps
            );
            assert!(
                !c.steps.iter().any(|s| s.contains("Settings app")),
                "{id}: told to open Settings"
            );
        }
        let os = check(&advice, "os_supported");
        assert!(
            os.cannot_fix
                .as_deref()
                .unwrap()
                .contains("can't be updated to Android 14 or later"),
            "{:?}",
            os.cannot_fix
        );
        // Fixable checks on the same phone keep their Android steps and screens.
        let sources = check(&advice, "unknown_sources");
        assert_eq!(
            sources.settings_target.as_deref(),
            Some("android.settings.MANAGE_UNKNOWN_APP_SOURCES")
        );
        assert!(sources
            .steps
            .iter()
            .any(|s| s.contains("Install unknown apps")));
    }

    #[test]
    fn verdict_words_for_grace_today_next_year_fixed_and_unknown() {
        let d = device();
        // Wednesday 2 December, 15:00: the screen lock goes missing (1 day of grace).
        d.clock.set(parse_rfc3339("2026-12-02T15:00:00Z").unwrap());
        let mut no_lock = fixture("pixel-current.json");
        no_lock.secure_lock_screen = Some(false);
        d.companion
            .check_posture(no_lock.clone(), PostureTrigger::User)
            .unwrap();
        let advice = d.companion.posture_advice().unwrap().unwrap();
        assert_eq!(advice.headline, "Needs fixing by Thursday 3 December");
        // Thursday 09:00: still in grace, due today.
        d.clock.set(thursday());
        d.companion
            .check_posture(no_lock, PostureTrigger::User)
            .unwrap();
        let advice = d.companion.posture_advice().unwrap().unwrap();
        assert_eq!(advice.verdict, Verdict::InGrace);
        assert_eq!(advice.headline, "Needs fixing today, by 15:00");
        assert_eq!(
            check(&advice, "screen_lock").status_words,
            "Needs fixing today, by 15:00"
        );
        // Past the deadline, the same report reads "now".
        d.clock.set(parse_rfc3339("2026-12-03T16:00:00Z").unwrap());
        let advice = d.companion.posture_advice().unwrap().unwrap();
        assert_eq!(
            check(&advice, "screen_lock").status_words,
            "Needs fixing now"
        );
        // Fixed: the lock is back.
        d.companion
            .check_posture(fixture("pixel-current.json"), PostureTrigger::User)
            .unwrap();
        let advice = d.companion.posture_advice().unwrap().unwrap();
        assert_eq!(advice.verdict, Verdict::Compliant);
        assert_eq!(advice.headline, "Fixed: your phone now passes every check.");
        assert_eq!(check(&advice, "screen_lock").status_words, "Fixed");
        assert_eq!(check(&advice, "encryption").status_words, "OK");
        assert!(check(&advice, "screen_lock").steps.is_empty());
        // Checked again, still fine: no longer "fixed".
        d.companion
            .check_posture(fixture("pixel-current.json"), PostureTrigger::User)
            .unwrap();
        let advice = d.companion.posture_advice().unwrap().unwrap();
        assert_eq!(
            advice.headline,
            "Your phone passed every check: it is set up safely for work."
        );
        // An Android 13 phone has 30 days: the deadline is in the next year.
        let mut thirteen = fixture("pixel-current.json");
        thirteen.os_version = Some("13".into());
        d.companion
            .check_posture(thirteen, PostureTrigger::User)
            .unwrap();
        let advice = d.companion.posture_advice().unwrap().unwrap();
        let os = check(&advice, "os_supported");
        assert_eq!(os.status_words, "Needs fixing by Saturday 2 January 2027");
        assert_eq!(
            os.settings_target.as_deref(),
            Some("android.settings.SETTINGS")
        );
        assert!(os
            .cannot_fix
            .as_deref()
            .unwrap()
            .contains("If no update to Android 14"));
        // Unknown.
        let (_d, advice) = checked("sparse-probe.json");
        assert_eq!(advice.verdict, Verdict::Unknown);
        assert_eq!(
            advice.headline,
            "Some things can't be checked on this phone"
        );
        let lock = check(&advice, "screen_lock");
        assert_eq!(lock.status_words, "Can't be checked on this phone");
        assert_eq!(lock.settings_target, None);
        assert!(lock.steps[0].contains("check again"), "{:#?}", lock.steps);
        for c in &advice.checks {
            assert!(!all_words(c).contains('{'), "{}", c.check_id);
        }
    }

    use super::bundles::{default_policy_json, publisher};

    /// A device that trusts the test publisher, on Thursday 3 December.
    fn trusting_device() -> Device {
        let d = super::bundles::trusting_device();
        d.clock.set(thursday());
        d
    }

    fn install(d: &Device, version: u64, policy: &serde_json::Value) -> frontline_core::Result<()> {
        let payload = serde_json::to_vec(policy).unwrap();
        let bundle = sign_bundle(
            BundleKind::Policy,
            version,
            thursday(),
            None,
            &payload,
            &publisher(),
        );
        d.companion.install_bundle(&bundle).map(|_| ())
    }

    #[test]
    fn an_old_policy_without_words_borrows_the_built_in_ones() {
        let d = trusting_device();
        let mut old = default_policy_json();
        old.as_object_mut().unwrap().remove("advice");
        old["version"] = "2026.10-old".into();
        // A check the built-in policy does not know gets generic words.
        old["checks"][0]["id"] = "lock_screen".into();
        install(&d, 1, &old).unwrap();
        assert_eq!(d.companion.active_policy().unwrap().version, "2026.10-old");
        let mut facts = fixture("iphone-no-passcode.json");
        facts.os_version = Some("17.6".into());
        d.companion
            .check_posture(facts, PostureTrigger::User)
            .unwrap();
        let advice = d.companion.posture_advice().unwrap().unwrap();
        let os = check(&advice, "os_supported");
        assert_eq!(os.title, "iOS version");
        assert!(os.steps[1].contains("Software Update"), "{:#?}", os.steps);
        let lock = check(&advice, "lock_screen");
        assert_eq!(lock.title, "Screen lock", "the policy's own title");
        assert_eq!(
            lock.why,
            "This keeps patient data safe on this phone, and your organisation's security policy asks for it."
        );
        assert_eq!(
            lock.steps,
            vec![
                "Open the lesson for this check in Frontline and follow what it says.".to_owned(),
                "If you can't fix it, contact your IT service desk.".to_owned(),
            ]
        );
        assert_eq!(lock.settings_target.as_deref(), Some("app-settings:"));
    }

    #[test]
    fn a_translated_table_is_used_and_english_fills_the_gaps() {
        let mut d = trusting_device();
        let mut translated = default_policy_json();
        translated["version"] = "2026.12-fr".into();
        translated["advice"]["strings"]["fr"] = serde_json::json!({
            "status.fail_by": "À corriger avant le {date}",
            "date.pattern": "{weekday} {day} {month}",
            "date.weekday.friday": "vendredi",
            "date.month.december": "décembre",
            "check.screen_lock.title": "Verrouillage de l'écran"
        });
        install(&d, 1, &translated).unwrap();
        d.companion
            .check_posture(fixture("iphone-no-passcode.json"), PostureTrigger::User)
            .unwrap();
        let french = d
            .companion
            .posture_advice_in(Some("fr_FR"))
            .unwrap()
            .unwrap();
        let lock = check(&french, "screen_lock");
        assert_eq!(lock.status_words, "À corriger avant le vendredi 4 décembre");
        assert_eq!(lock.title, "Verrouillage de l'écran");
        assert_eq!(
            lock.steps[0], "Open the Settings app.",
            "English fills gaps"
        );
        // The configured locale picks the table; an unknown language is English.
        let english = d
            .companion
            .posture_advice_in(Some("de-DE"))
            .unwrap()
            .unwrap();
        assert_eq!(check(&english, "screen_lock").title, "Screen lock");
        drop(d.companion);
        let mut config = config();
        config.locale = Some("fr".into());
        d.companion =
            Companion::open_with_clock(&d.path, config, d.keys.clone(), d.clock.clone()).unwrap();
        let advice = d.companion.posture_advice().unwrap().unwrap();
        assert_eq!(
            check(&advice, "screen_lock").title,
            "Verrouillage de l'écran"
        );
    }

    #[test]
    fn bad_words_are_refused_and_the_installed_policy_stays() {
        let d = trusting_device();
        let mut good = default_policy_json();
        good["version"] = "2026.12-good".into();
        install(&d, 1, &good).unwrap();

        let mut unknown_check = default_policy_json();
        unknown_check["advice"]["checks"]["bluetooth_off"] =
            unknown_check["advice"]["checks"]["screen_lock"].clone();
        let mut bad_placeholder = default_policy_json();
        bad_placeholder["advice"]["strings"]["en"]["status.fail_by"] =
            "Needs fixing by {deadline}".into();
        let mut missing_text = default_policy_json();
        missing_text["advice"]["checks"]["screen_lock"][0]["steps"][0] =
            "check.screen_lock.no_such_step".into();
        let mut not_a_table = default_policy_json();
        not_a_table["advice"]["strings"]["en"] = serde_json::json!(["Screen lock"]);
        for (version, bad) in [
            (2, unknown_check),
            (3, bad_placeholder),
            (4, missing_text),
            (5, not_a_table),
        ] {
            assert!(
                matches!(
                    install(&d, version, &bad),
                    Err(Error::BundleRefused(BundleRefusal::InvalidPayload))
                ),
                "version {version}"
            );
            assert_eq!(
                d.companion.active_policy().unwrap().version,
                "2026.12-good",
                "version {version}"
            );
        }
    }
}
