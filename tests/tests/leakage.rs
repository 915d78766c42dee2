//! Leakage scan (MASVS-STORAGE-2): after a full device flow, no file in the data directory,
//! no log record and no error message contains personal or secret data in clear.
//!
//! The flow is:
//! * open with a staff pseudonym;
//! * apply MDM managed configuration that sets another pseudonym;
//! * view a lesson, answer the module's quiz, check posture with distinctive observed
//!   values, and acknowledge an advisory;
//! * queue reports sealed to the organisation;
//! * provoke a series of errors.
//!
//! The data directory is then scanned byte for byte, while the companion is open (database,
//! `-wal`, `-shm`) and again after it is dropped. The scan looks for:
//! * the pseudonyms;
//! * quiz answer records (question ids and option texts);
//! * the posture observed values;
//! * the data key and the device signing seed (raw, hex, base64url and base64).
//!
//! The same needles, plus the data directory path, are looked for in every captured log
//! record and error message.
//!
//! The key store is a `SoftwareKeyStore` whose wrapping key is held only in memory by this
//! test, so no file in the data directory is excluded from the scan. (The CLI's simulator
//! keeps that key in `simulated-keystore.key`; on a phone it is in the Keystore or Keychain.)
//! As a positive control, the scan must find the device id, which is stored in clear on
//! purpose.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use frontline_collector::OrgReportKey;
use frontline_core::crypto::{b64url, DataKey};
use frontline_core::outbox::{ReportDraft, ReportKind, Retention};
use frontline_core::posture::PostureTrigger;
use frontline_core::posture::{DeviceFacts, Platform, StorageEncryption};
use frontline_core::training::quiz::QuizAnswer;
use frontline_core::{
    Companion, CompanionConfig, KeyStore, ManualClock, SoftwareKeyStore, StaffRole,
};

const WRAPPING_KEY: [u8; 32] = [0x42; 32];
const PSEUDONYM: &str = "staff-LEAK-7f3a9c2e";
const MDM_PSEUDONYM: &str = "staff-MDM-91c0ffee";
const OS_VERSION: &str = "13.0.77";
const OS_BUILD: &str = "TQ3A.LEAKCHECK.230805";
const PATCH: &str = "2023-01-05";

static LOGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;
impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        LOGS.lock().unwrap().push(format!(
            "{} {} {}",
            record.level(),
            record.target(),
            record.args()
        ));
    }
    fn flush(&self) {}
}

fn encodings(name: &str, bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::fmt::Write;
    let hex = bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    let std_b64 = {
        // Standard alphabet with padding, derived from base64url.
        let mut s = b64url(bytes).replace('-', "+").replace('_', "/");
        let padding = (4 - s.len() % 4) % 4;
        s.push_str(&"=".repeat(padding));
        s
    };
    vec![
        (format!("{name} (raw)"), bytes.to_vec()),
        (format!("{name} (hex)"), hex.into_bytes()),
        (format!("{name} (base64url)"), b64url(bytes).into_bytes()),
        (format!("{name} (base64)"), std_b64.into_bytes()),
    ]
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every (file, needle) pair found in the data directory.
fn scan_dir(dir: &Path, needles: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for (name, needle) in needles {
            if find(&bytes, needle) {
                found.push(format!(
                    "{name} in {}",
                    path.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    found
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn no_personal_or_secret_data_in_files_logs_or_errors() {
    static CAPTURE: Capture = Capture;
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    let dir = tempfile::tempdir().unwrap();
    let org_key = OrgReportKey::generate().unwrap();
    let mut config = CompanionConfig::new("example-trust", PSEUDONYM, StaffRole::Specialist);
    config.org_report_key = Some(b64url(org_key.public_key()));
    let key_store: Arc<dyn KeyStore> = Arc::new(SoftwareKeyStore::new(&WRAPPING_KEY).unwrap());
    let clock = Arc::new(ManualClock::new(1_790_000_000_000));
    let mut companion =
        Companion::open_with_clock(dir.path(), config.clone(), key_store.clone(), clock.clone())
            .unwrap();
    let mut errors: Vec<String> = Vec::new();
    let mut record = |e: &dyn std::fmt::Debug, d: String| errors.push(format!("{d} | {e:?}"));

    // MDM managed configuration, with the pseudonym changed by the organisation.
    let mut managed = HashMap::new();
    managed.insert(String::from("staff_pseudonym"), String::from(MDM_PSEUDONYM));
    managed.insert(String::from("sync_interval_minutes"), String::from("30"));
    companion.apply_managed_config(managed).unwrap();

    // Training: a lesson and a full quiz, every question answered with its first option.
    let modules = companion.training_modules().unwrap();
    let module_id = modules[0].id.clone();
    companion.lesson_viewed(&module_id).unwrap();
    let detail = companion.training_module(&module_id).unwrap();
    let mut needles: Vec<(String, Vec<u8>)> = Vec::new();
    let mut answers = Vec::new();
    for q in &detail.questions {
        let chosen = &q.options[0];
        answers.push(QuizAnswer {
            question_id: q.id.clone(),
            option_ids: vec![chosen.id.clone()],
        });
        needles.push((
            format!("answer text {}", q.id),
            chosen.text.clone().into_bytes(),
        ));
        needles.push((
            format!("question id {}", q.id),
            format!("\"{}\"", q.id).into_bytes(),
        ));
    }
    needles.push((String::from("answer record field"), b"option_ids".to_vec()));
    needles.push((String::from("answer record field"), b"question_id".to_vec()));
    let result = companion
        .submit_quiz(&module_id, detail.pack_version, answers)
        .unwrap();
    assert_eq!(result.question_count as usize, detail.questions.len());
    clock.advance(60_000);

    // Posture with distinctive observed values.
    let facts = DeviceFacts {
        platform: Some(Platform::Android),
        os_version: Some(String::from(OS_VERSION)),
        os_build: Some(String::from(OS_BUILD)),
        security_patch: Some(String::from(PATCH)),
        secure_lock_screen: Some(true),
        storage_encryption: Some(StorageEncryption::ActivePerUser),
        developer_options: Some(true),
        root_signals: Some(Vec::new()),
        ..DeviceFacts::default()
    };
    let report = companion
        .check_posture(facts.clone(), PostureTrigger::User)
        .unwrap();
    drop(report);
    if let Some(advisory) = companion.advisories_for_device().unwrap().first() {
        companion
            .acknowledge_advisory(&advisory.advisory.id)
            .unwrap();
    }
    companion
        .queue_reports(vec![ReportDraft {
            kind: ReportKind::PostureReport,
            body: serde_json::json!({ "note": PSEUDONYM, "os_build": OS_BUILD }),
            retention: Retention::Keep,
        }])
        .unwrap();
    assert!(companion.pending_report_count().unwrap() >= 3);

    // Errors, each carrying a secret or personal value in its input.
    let e = companion
        .submit_quiz(&module_id, detail.pack_version + 1, Vec::new())
        .unwrap_err();
    record(&e, e.to_string());
    let e = companion.lesson_viewed(PSEUDONYM).unwrap_err();
    record(&e, e.to_string());
    let e = companion
        .check_posture(
            facts.clone(),
            PostureTrigger::Mdm {
                request_id: format!("{PSEUDONYM} \u{0} {OS_BUILD}"),
            },
        )
        .unwrap_err();
    record(&e, e.to_string());
    let mut bad = HashMap::new();
    bad.insert(
        String::from("collector_url"),
        format!("http://{MDM_PSEUDONYM}.example/{OS_BUILD}"),
    );
    bad.insert(String::from("staff_pseudonym"), format!("{PSEUDONYM}\u{7}"));
    bad.insert(String::from("org_report_key"), String::from(PSEUDONYM));
    let e = companion.apply_managed_config(bad).unwrap_err();
    record(&e, e.to_string());
    let facts_json = format!(r#"{{"os_version": "{OS_VERSION}", "{PSEUDONYM}": true}}"#);
    let e = DeviceFacts::from_json(facts_json.as_bytes()).unwrap_err();
    record(&e, e.to_string());
    let e = companion.install_bundle(PSEUDONYM.as_bytes()).unwrap_err();
    record(&e, e.to_string());

    // The secrets themselves, recovered the way only the key holder could.
    let conn = rusqlite::Connection::open(dir.path().join("frontline.db")).unwrap();
    let meta = |key: &str| -> Vec<u8> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .unwrap()
    };
    let data_key = key_store.unwrap_key(meta("data_key.wrapped")).unwrap();
    let sealer = DataKey::from_bytes(&data_key).unwrap().sealer().unwrap();
    let seed = sealer
        .open(
            "meta",
            "value",
            "device.key.sealed",
            &meta("device.key.sealed"),
        )
        .unwrap();
    assert_eq!(seed.len(), 32);
    drop(conn);
    needles.extend(encodings("data key", &data_key));
    needles.extend(encodings("device seed", &seed));
    for (name, value) in [
        ("pseudonym", PSEUDONYM),
        ("MDM pseudonym", MDM_PSEUDONYM),
        ("observed OS build", OS_BUILD),
        ("observed patch level", PATCH),
    ] {
        needles.push((String::from(name), value.as_bytes().to_vec()));
    }
    // An OS version alone is short; look for it as stored in JSON.
    needles.push((
        String::from("observed OS version"),
        format!("\"{OS_VERSION}\"").into_bytes(),
    ));

    // Scan while open (the WAL holds the latest pages), then after closing.
    let device_id = companion.device_id();
    let files_open = files_in(dir.path());
    assert!(
        files_open.iter().any(|f| f.ends_with("-wal")),
        "{files_open:?}"
    );
    let control = vec![(String::from("device id"), device_id.clone().into_bytes())];
    assert!(
        !scan_dir(dir.path(), &control).is_empty(),
        "positive control: the device id is stored in clear and must be found"
    );
    let found_open = scan_dir(dir.path(), &needles);
    drop(companion);
    let found_closed = scan_dir(dir.path(), &needles);

    // A wrong key store: the error must not carry anything either.
    let e = Companion::open(
        dir.path(),
        config,
        Arc::new(SoftwareKeyStore::new(&[0x24; 32]).unwrap()),
    )
    .unwrap_err();
    record(&e, e.to_string());

    let logs = LOGS.lock().unwrap().clone();
    for line in errors.iter().chain(logs.iter()) {
        println!("  captured: {line}");
    }
    assert!(!logs.is_empty(), "the flow logs something");
    let mut text_needles = needles.clone();
    text_needles.push((
        String::from("data directory path"),
        dir.path().to_string_lossy().as_bytes().to_vec(),
    ));
    let mut found_text = Vec::new();
    for (what, lines) in [("log", &logs), ("error", &errors)] {
        for line in lines.iter() {
            for (name, needle) in &text_needles {
                if find(line.as_bytes(), needle) {
                    found_text.push(format!("{name} in {what}: {line}"));
                }
            }
        }
    }
    println!(
        "leakage scan: {} files ({}), {} needles, {} log records, {} error messages: \
         nothing found",
        files_open.len(),
        files_open.join(", "),
        needles.len(),
        logs.len(),
        errors.len()
    );
    assert!(
        found_open.is_empty(),
        "found in files while open: {found_open:?}"
    );
    assert!(
        found_closed.is_empty(),
        "found in files after close: {found_closed:?}"
    );
    assert!(found_text.is_empty(), "found in text: {found_text:#?}");
}
