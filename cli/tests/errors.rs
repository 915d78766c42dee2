//! Every class of CLI failure, from the real binary: one line in plain words, a hint where
//! one exists, a trailing newline, the class's own exit code (usage 2, refused input 3, I/O 4,
//! network 5), and with `--json` one object with a stable code (issue #16).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod support;

use std::path::Path;

use support::{frontline, with_keys, Run};

/// The text form: `frontline: …` then an optional `hint: …`, each line ending in a newline,
/// nothing from Rust's debug form.
fn assert_plain(run: &Run, code: i32, message_start: &str, hint: Option<&str>) {
    assert_eq!(run.code, code, "stderr: {}", run.stderr);
    assert!(
        run.stderr.ends_with('\n'),
        "no trailing newline: {:?}",
        run.stderr
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(
        lines[0].starts_with(&format!("frontline: {message_start}")),
        "{:?}",
        run.stderr
    );
    match hint {
        Some(h) => {
            assert_eq!(lines.len(), 2, "{:?}", run.stderr);
            assert!(lines[1].starts_with("hint: "), "{:?}", run.stderr);
            assert!(lines[1].contains(h), "{:?}", run.stderr);
        }
        None => assert_eq!(lines.len(), 1, "{:?}", run.stderr),
    }
    for debug in [
        "{ ",
        " }",
        "Refused(",
        "NotNewer",
        "UnknownModule",
        "UnknownKey",
        "Os {",
    ] {
        assert!(
            !run.stderr.contains(debug),
            "debug form {debug:?} in {:?}",
            run.stderr
        );
    }
}

/// The `--json` form: one object on one line, with the class, the stable code and the exit
/// code it ends with.
fn assert_json(run: &Run, class: &str, code: &str, exit: i32) -> serde_json::Value {
    assert_eq!(run.code, exit, "stderr: {}", run.stderr);
    assert_eq!(run.stderr.matches('\n').count(), 1, "{:?}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(v["error"]["class"], class, "{v}");
    assert_eq!(v["error"]["code"], code, "{v}");
    assert_eq!(v["error"]["exit_code"], exit, "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    v
}

#[test]
fn usage_errors_name_the_flag_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "enrol",
            "--collector",
            "http://127.0.0.1:9",
        ],
    );
    assert_plain(
        &run,
        2,
        "the following required arguments were not provided: --token",
        Some("usage: frontline device --data-dir <DATA_DIR> enrol --collector"),
    );
    let run = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "sync",
            "--colector",
            "http://127.0.0.1:9",
        ],
    );
    assert_plain(
        &run,
        2,
        "unexpected argument '--colector'",
        Some("--collector"),
    );
    let run = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "modules",
            "--json",
            "--role",
            "nurse",
        ],
    );
    assert_json(&run, "usage", "usage_unknown_flag", 2);
    let run = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "--role",
            "nurse",
            "modules",
            "--json",
        ],
    );
    let v = assert_json(&run, "usage", "usage_invalid_value", 2);
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("all_staff or specialist"));
    // Help is not a failure.
    assert_eq!(frontline(d, &["device", "--help"]).code, 0);
}

#[test]
fn an_unknown_module_lists_the_valid_ids_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "train",
            "02-passwords",
            "--answers",
            "q1=a",
        ],
    );
    assert_plain(
        &run,
        3,
        "there is no training module with that id",
        Some("the module id is passwords"),
    );
    assert!(
        run.stderr.contains("phishing"),
        "valid ids listed: {}",
        run.stderr
    );
    let run = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "train",
            "nonsense",
            "--answers",
            "q1=a",
            "--json",
        ],
    );
    let v = assert_json(&run, "refused", "training_unknown_module", 3);
    assert!(v["error"]["hint"]
        .as_str()
        .unwrap()
        .starts_with("valid module ids: "));
}

fn sign_policy(d: &Path, version: &str, out: &str) {
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/assets/default-policy.json");
    frontline(
        d,
        &[
            "bundle",
            "sign",
            "--kind",
            "policy",
            "--key",
            "keys/publisher.jwk",
            "--version",
            version,
            policy.to_str().unwrap(),
            "--output",
            out,
        ],
    )
    .ok();
}

#[test]
fn refused_bundles_say_why_as_a_person_would_and_exit_3() {
    let dir = with_keys();
    let d = dir.path();
    sign_policy(d, "5", "policy-5.bundle");
    sign_policy(d, "4", "policy-4.bundle");
    let device = |args: &[&str]| {
        let mut all = vec![
            "device",
            "--data-dir",
            "dev",
            "--publisher-key",
            "keys/publisher.pub.jwk",
        ];
        all.extend_from_slice(args);
        frontline(d, &all)
    };
    device(&["install-bundle", "policy-5.bundle"]).ok();
    let run = device(&["install-bundle", "policy-4.bundle"]);
    assert_plain(
        &run,
        3,
        "this bundle is version 4; version 5 is already installed",
        Some("--version"),
    );
    let run = device(&["install-bundle", "policy-4.bundle", "--kind", "content"]);
    assert_plain(
        &run,
        3,
        "this is a policy bundle, not a content bundle",
        Some("--kind policy"),
    );
    // No publisher key: the hint names the flag.
    let run = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev2",
            "install-bundle",
            "policy-5.bundle",
        ],
    );
    assert_plain(
        &run,
        3,
        "the bundle is not signed by the publisher key",
        Some("--publisher-key"),
    );
    let run = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev2",
            "install-bundle",
            "policy-5.bundle",
            "--json",
        ],
    );
    assert_json(&run, "refused", "bundle_unknown_key", 3);
    // The admin side words it the same way.
    let run = frontline(
        d,
        &[
            "bundle",
            "verify",
            "--key",
            "keys/org-report.pub.jwk",
            "policy-5.bundle",
        ],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(!run.stderr.contains("Refused("), "{}", run.stderr);
}

#[test]
fn io_failures_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "install-bundle",
            "missing.bundle",
        ],
    );
    assert_plain(
        &run,
        4,
        "reading the bundle: no such file or directory",
        None,
    );
    let run = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "install-bundle",
            "missing.bundle",
            "--json",
        ],
    );
    assert_json(&run, "io", "io", 4);
    // A data directory that is a file.
    std::fs::write(d.join("not-a-dir"), b"x").unwrap();
    let run = frontline(d, &["device", "--data-dir", "not-a-dir", "modules"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.ends_with('\n'));
}

#[test]
fn collector_io_failures_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // No database at that path, for each command that reads the collector's store.
    let run = frontline(d, &["collector", "report", "--db", "missing.db"]);
    assert_plain(
        &run,
        4,
        "there is no collector database at that path",
        Some("--db"),
    );
    let run = frontline(
        d,
        &["collector", "incidents", "--db", "missing.db", "--json"],
    );
    assert_json(&run, "io", "no_collector_database", 4);
    // A file that is not a database.
    std::fs::write(d.join("garbage.db"), vec![7u8; 4096]).unwrap();
    let run = frontline(d, &["collector", "incidents", "--db", "garbage.db"]);
    assert_plain(&run, 4, "the collector's database failed", None);
    let run = frontline(d, &["collector", "report", "--db", "garbage.db", "--json"]);
    assert_json(&run, "io", "collector_store", 4);
    // A PostgreSQL store that cannot be reached (nothing listens on the discard port).
    let run = frontline(
        d,
        &[
            "collector",
            "incidents",
            "--database-url",
            "postgresql://postgres@127.0.0.1:9/frontline",
            "--json",
        ],
    );
    let v = assert_json(&run, "io", "collector_store", 4);
    assert_eq!(
        v["error"]["message"],
        "the collector's database failed (cannot connect to PostgreSQL)"
    );
    assert!(!run.stderr.contains("127.0.0.1:9"), "no URL in the error");
}

#[test]
fn a_collector_key_that_is_not_a_key_is_refused_with_3() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("org-report.jwk"),
        br#"{"kty":"OKP","crv":"X25519","x":"AAAA","d":"AAAA"}"#,
    )
    .unwrap();
    let run = frontline(
        d,
        &[
            "collector",
            "serve",
            "--db",
            "c.db",
            "--org-key",
            "org-report.jwk",
            "--enrolment-token",
            "enrol-token-0123456789",
            "--json",
        ],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(!d.join("c.db").exists(), "nothing written");
}

#[test]
fn an_unreachable_collector_exits_5() {
    let dir = with_keys();
    let d = dir.path();
    // Nothing listens on the discard port of loopback.
    let run = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "enrol",
            "--collector",
            "http://127.0.0.1:9",
            "--token",
            "enrol-token-0123456789",
        ],
    );
    assert_plain(
        &run,
        5,
        "the collector could not be reached",
        Some("--collector"),
    );
    let run = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev2",
            "enrol",
            "--collector",
            "http://127.0.0.1:9",
            "--token",
            "enrol-token-0123456789",
            "--json",
        ],
    );
    assert_json(&run, "network", "network", 5);
}
