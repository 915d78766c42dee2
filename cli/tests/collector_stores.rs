//! `frontline collector incidents` and `frontline collector benchmark` on both stores: the
//! SQLite file (`--db`) and PostgreSQL (`--database-url`), seeded with the same reports
//! (issue #15: a trust on PostgreSQL uses the same commands).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod support;

use std::path::Path;

use frontline_collector::envelope::OpenedReport;
use frontline_collector::testing::{opened_report, postgres_test_url};
use frontline_collector::{Store, StoreConfig};
use serde_json::json;
use support::{frontline, with_keys};

const NOW: i64 = 1_795_885_384_000;

fn opened(device: &str, kind: &str, body: serde_json::Value) -> OpenedReport {
    opened_report(device, kind, NOW, body)
}

/// The `--db FILE` or `--database-url URL` arguments of each store under test.
fn stores(dir: &Path) -> Vec<(StoreConfig, Vec<String>)> {
    let db = dir.join("collector.db");
    let mut out = vec![(
        StoreConfig::sqlite(&db),
        vec![String::from("--db"), db.display().to_string()],
    )];
    if let Some(url) = postgres_test_url() {
        out.push((
            StoreConfig::postgres(&url),
            vec![String::from("--database-url"), url],
        ));
    }
    out
}

fn run(dir: &Path, command: &[&str], store: &[String], extra: &[&str]) -> support::Run {
    let mut args: Vec<&str> = vec!["collector"];
    args.extend_from_slice(command);
    args.extend(store.iter().map(String::as_str));
    args.extend_from_slice(extra);
    frontline(dir, &args)
}

#[test]
fn incidents_are_listed_and_moved_on_in_either_store() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let stores = stores(d);
    for (config, args) in &stores {
        let store = Store::open(config).unwrap();
        store.enrol("ward-dev-01", &[1; 32], NOW).unwrap();
        let lost = opened(
            "ward-dev-01",
            "incident",
            json!({"incident_id": "inc-1", "kind": "lost_or_stolen_device", "urgent": true,
                   "description": "left on the bus", "staff_pseudonym": "staff-01"}),
        );
        let ack = opened(
            "ward-dev-01",
            "advisory_ack",
            json!({"advisory_id": "adv-1"}),
        );
        store
            .store_batch(&[lost.clone(), ack.clone()], NOW)
            .unwrap();
        drop(store);

        let listed = run(d, &["incidents"], args, &["--json"]).ok();
        let rows: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
        assert_eq!(rows.as_array().unwrap().len(), 1, "{}", config.backend());
        assert_eq!(rows[0]["status"], "new");
        assert_eq!(rows[0]["staff_pseudonym"], "staff-01");

        let set = run(
            d,
            &["incidents"],
            args,
            &["--set-status", &lost.id, "triaged"],
        )
        .ok();
        assert!(set.stdout.contains("is now triaged"), "{}", set.stdout);
        let csv = run(d, &["incidents"], args, &["--csv"]).ok();
        assert!(
            csv.stdout
                .contains(",triaged,false,staff-01,left on the bus"),
            "{}",
            csv.stdout
        );
        // Refused input: not an incident, not a status. Nothing changes.
        let refused = run(
            d,
            &["incidents"],
            args,
            &["--set-status", &ack.id, "closed"],
        );
        assert_eq!(refused.code, 3, "{}", refused.stderr);
        let refused = run(d, &["incidents"], args, &["--set-status", &lost.id, "done"]);
        assert_eq!(refused.code, 3, "{}", refused.stderr);
        let text = run(d, &["incidents"], args, &[]).ok();
        assert!(text.stdout.starts_with("triaged"), "{}", text.stdout);
    }
    assert!(!stores.is_empty());
}

#[test]
fn the_benchmark_is_signed_from_either_store() {
    let dir = with_keys();
    let d = dir.path();
    for (i, (config, args)) in stores(d).iter().enumerate() {
        let store = Store::open(config).unwrap();
        let mut batch = Vec::new();
        for n in 0..6 {
            let device = format!("ward-dev-{n:02}");
            store.enrol(&device, &[1; 32], NOW).unwrap();
            let areas: Vec<_> = ["phishing", "passwords_mfa"]
                .iter()
                .map(|a| json!({"area": a, "score_percent": 50 + n * 10}))
                .collect();
            batch.push(opened(
                &device,
                "assessment",
                json!({"overall_percent": 50 + n * 10, "areas": areas}),
            ));
        }
        store.store_batch(&batch, NOW).unwrap();
        drop(store);
        let out = format!("benchmark-{i}.bundle");
        let signed = run(
            d,
            &["benchmark"],
            args,
            &[
                "--key",
                "keys/publisher.jwk",
                "--version",
                "1",
                "--out",
                &out,
            ],
        )
        .ok();
        assert!(
            signed.stdout.starts_with("benchmark of 6 devices"),
            "{}: {}",
            config.backend(),
            signed.stdout
        );
        let installed = frontline(
            d,
            &[
                "device",
                "--data-dir",
                &format!("dev-{i}"),
                "--publisher-key",
                "keys/publisher.pub.jwk",
                "install-bundle",
                &out,
            ],
        );
        assert_eq!(installed.code, 0, "{}", installed.stderr);
    }
}
