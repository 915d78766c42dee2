//! `frontline device check` as a person sees it: the real binary on the sample fact files,
//! with the words for the facts' platform and the organisation's contact from managed config.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/devices")
        .join(name)
}

/// Runs `frontline device --data-dir DIR ARGS…` at 60 columns; returns stdout with runs of
/// whitespace joined (lines are wrapped), or panics with stderr.
fn device(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .arg("device")
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("COLUMNS", "60")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in stdout.lines() {
        assert!(
            line.chars().count() <= 60,
            "wider than the terminal: {line}"
        );
    }
    stdout.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check(dir: &Path, file: &str) -> String {
    device(dir, &["check", "--facts", sample(file).to_str().unwrap()])
}

#[test]
fn the_iphone_gets_ios_steps_and_no_android_screen() {
    let dir = tempfile::tempdir().unwrap();
    let out = check(dir.path(), "iphone-no-passcode.json");
    assert!(out.starts_with("Needs fixing by "), "{out}");
    assert!(out.contains("* Screen lock: Needs fixing by "), "{out}");
    assert!(
        out.contains(
            "2. Tap Face ID & Passcode (on iPhones with a Home button: Touch ID & Passcode)."
        ),
        "{out}"
    );
    assert!(
        out.contains("Settings screen the app opens: app-settings:"),
        "{out}"
    );
    assert!(!out.contains("android."), "{out}");
    assert!(!out.contains("Android"), "{out}");
    // No machine codes or ISO times for people.
    for code in ["data_protection_off", "in_grace", "T00:", "Z)"] {
        assert!(!out.contains(code), "{code} in {out}");
    }
}

#[test]
fn the_rooted_phone_is_told_to_stop_and_call_the_configured_desk() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mdm.json");
    std::fs::write(
        &config,
        r#"{"org_name": "Example Community Health NHS Trust", "it_service_desk_phone": "0300 123 4567"}"#,
    )
    .unwrap();
    let data = dir.path().join("device");
    device(&data, &["apply-config", config.to_str().unwrap()]);
    let out = check(&data, "rooted-phone.json");
    assert!(
        out.starts_with("Stop using this phone for patient data until it's fixed"),
        "{out}"
    );
    assert!(
        out.contains("* This phone is rooted: Stop using this phone for patient data"),
        "{out}"
    );
    assert!(
        out.contains(
            "2. Contact the Example Community Health NHS Trust IT service desk on 0300 123 4567"
        ),
        "{out}"
    );
    assert!(
        out.contains("If it can't be fixed: A rooted phone can't be made safe"),
        "{out}"
    );
}

#[test]
fn android_10_is_told_it_cannot_be_updated() {
    let dir = tempfile::tempdir().unwrap();
    let out = check(dir.path(), "android10-unsupported.json");
    assert!(
        out.contains("* Android version too old: Can't be updated: this phone needs replacing"),
        "{out}"
    );
    assert!(
        out.contains(
            "This phone can't be updated to Android 14 or later, so no setting will fix this"
        ),
        "{out}"
    );
    assert!(out.contains("your IT service desk"), "{out}");
}

#[test]
fn json_keeps_the_codes_and_adds_the_words() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .arg("device")
        .arg("--data-dir")
        .arg(dir.path())
        .args(["check", "--json", "--facts"])
        .arg(sample("iphone-no-passcode.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "in_grace");
    assert_eq!(v["checks"][0]["status"], "fail");
    assert_eq!(v["facts"]["storage_encryption"], "data_protection_off");
    assert_eq!(v["advice"]["verdict"], "in_grace");
    assert_eq!(v["advice"]["checks"][0]["check_id"], "screen_lock");
    assert_eq!(v["advice"]["checks"][0]["settings_target"], "app-settings:");
}
