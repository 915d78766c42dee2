//! A report key given to `device enrol` or `device sync` is kept, as a managed configuration
//! keeps `org_report_key`: every later report is sealed to it and held reports are released
//! (issue #16). Each test runs the real `frontline` binary against a real collector process
//! on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod support;

use support::{frontline, outbox_line, with_keys, CollectorProcess};

/// How many reports the collector holds.
fn collector_reports(collector: &CollectorProcess, dir: &std::path::Path) -> u64 {
    collector.report(dir)["totals"]["reports"].as_u64().unwrap()
}

/// The waiting count of `device … sync`'s outbox line.
fn waiting(line: &str) -> u64 {
    line.trim_start_matches("outbox: ")
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn the_five_commands_of_the_issue_end_with_an_empty_outbox_and_each_report_once() {
    // 1. keys, 2. collector (the admin's side), then the device as the issue ran it.
    let dir = with_keys();
    let d = dir.path();
    let collector = CollectorProcess::start(d);
    let url = collector.url.as_str();
    let token = collector.token.as_str();
    // 3. enrol with the key.
    let enrol = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "d2",
            "enrol",
            "--collector",
            url,
            "--token",
            token,
            "--org-key",
            "keys/org-report.pub.jwk",
        ],
    )
    .ok();
    assert!(enrol.stdout.contains("enrolled"), "{}", enrol.stdout);
    // 4. train without the key on the command line.
    frontline(
        d,
        &[
            "device",
            "--data-dir",
            "d2",
            "train",
            "phishing",
            "--answers",
            "q1=a",
        ],
    )
    .ok();
    // 5. sync without the key on the command line.
    let sync = frontline(
        d,
        &["device", "--data-dir", "d2", "sync", "--collector", url],
    )
    .ok();
    let line = outbox_line(&sync.stdout);
    assert!(line.starts_with("outbox: 0 waiting (0 held"), "{line}");
    let delivered = collector_reports(&collector, d);
    assert!(
        delivered > 0,
        "the training statements reached the collector"
    );
    // Syncing again sends nothing twice.
    let again = frontline(
        d,
        &["device", "--data-dir", "d2", "sync", "--collector", url],
    )
    .ok();
    assert!(outbox_line(&again.stdout).starts_with("outbox: 0 waiting"));
    assert_eq!(collector_reports(&collector, d), delivered);
    // The device queued exactly as many reports as the collector holds: each once.
    let statements = frontline(
        d,
        &["device", "--data-dir", "d2", "statements", "--limit", "500"],
    )
    .ok();
    let queued: Vec<serde_json::Value> = serde_json::from_str(&statements.stdout).unwrap();
    assert_eq!(queued.len() as u64, delivered);
}

#[test]
fn held_reports_are_released_by_a_later_enrolment_with_the_key() {
    let dir = with_keys();
    let d = dir.path();
    let collector = CollectorProcess::start(d);
    let url = collector.url.as_str();
    // Trained before the organisation's key was known: the reports are held.
    frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "train",
            "phishing",
            "--answers",
            "q1=a",
        ],
    )
    .ok();
    let held = frontline(
        d,
        &["device", "--data-dir", "dev", "sync", "--collector", url],
    );
    let line = outbox_line(&held.stdout);
    let waiting_before = waiting(&line);
    assert!(waiting_before > 0, "{line}");
    assert!(line.contains(&format!("({waiting_before} held")), "{line}");
    // The enrolment with the key seals them at once.
    let enrol = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "enrol",
            "--collector",
            url,
            "--token",
            &collector.token,
            "--org-key",
            "keys/org-report.pub.jwk",
        ],
    )
    .ok();
    assert!(
        enrol
            .stdout
            .contains(&format!("{waiting_before} held reports sealed")),
        "{}",
        enrol.stdout
    );
    let sync = frontline(
        d,
        &["device", "--data-dir", "dev", "sync", "--collector", url],
    )
    .ok();
    assert!(outbox_line(&sync.stdout).starts_with("outbox: 0 waiting (0 held"));
    assert_eq!(collector_reports(&collector, d), waiting_before);
}

#[test]
fn a_key_given_to_sync_is_kept_for_every_later_report() {
    let dir = with_keys();
    let d = dir.path();
    let collector = CollectorProcess::start(d);
    let url = collector.url.as_str();
    frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "enrol",
            "--collector",
            url,
            "--token",
            &collector.token,
        ],
    )
    .ok();
    frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "train",
            "phishing",
            "--answers",
            "q1=a",
        ],
    )
    .ok();
    let first = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "sync",
            "--collector",
            url,
            "--org-key",
            "keys/org-report.pub.jwk",
        ],
    )
    .ok();
    assert!(outbox_line(&first.stdout).starts_with("outbox: 0 waiting"));
    let after_first = collector_reports(&collector, d);
    assert!(after_first > 0);
    // New reports, and a sync without --org-key: none is held (the issue saw 51 held).
    frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "train",
            "passwords",
            "--answers",
            "q1=a",
        ],
    )
    .ok();
    let second = frontline(
        d,
        &["device", "--data-dir", "dev", "sync", "--collector", url],
    )
    .ok();
    assert!(
        outbox_line(&second.stdout).starts_with("outbox: 0 waiting (0 held"),
        "{}",
        second.stdout
    );
    assert!(collector_reports(&collector, d) > after_first);
}

#[test]
fn a_key_that_is_not_a_report_key_is_refused_and_nothing_is_stored() {
    let dir = with_keys();
    let d = dir.path();
    frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "train",
            "phishing",
            "--answers",
            "q1=a",
        ],
    )
    .ok();
    // The publisher key is Ed25519, not the X25519 report key.
    let run = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "sync",
            "--collector",
            "http://127.0.0.1:9",
            "--org-key",
            "keys/publisher.pub.jwk",
        ],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("frontline: the --org-key file is not"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: pass the org-report.pub.jwk"),
        "{}",
        run.stderr
    );
    // Still held: nothing was sealed to a wrong key.
    let info = frontline(
        d,
        &[
            "device",
            "--data-dir",
            "dev",
            "sync",
            "--collector",
            "http://127.0.0.1:9",
        ],
    );
    assert!(
        outbox_line(&info.stdout).contains("held"),
        "{}",
        info.stdout
    );
    let line = outbox_line(&info.stdout);
    assert_eq!(
        line.split('(')
            .nth(1)
            .and_then(|s| s.split_whitespace().next()),
        Some(waiting(&line).to_string().as_str()),
        "every waiting report is still held: {line}"
    );
}
