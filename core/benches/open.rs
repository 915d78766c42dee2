//! What opening Frontline costs on top of opening its SQLite file.
//!
//! `Companion::open` on an existing store (metadata checks, WAL and pragmas, schema version,
//! reading the wrapped key, unwrapping it, checking it) against the baseline of a bare
//! `rusqlite::Connection::open` of the same file plus the same `PRAGMA user_version` read, both
//! including the close. After criterion's figures, both are timed again interleaved and the
//! ratio of the medians is printed (targets: at most 10x the baseline and under 50 ms).
//!
//! Run: `cargo bench -p frontline-core --bench open`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark setup

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{black_box, Criterion};
use frontline_core::store::DATABASE_FILE;
use frontline_core::{Companion, CompanionConfig, KeyStore, SoftwareKeyStore, StaffRole};

fn config() -> CompanionConfig {
    CompanionConfig::new("example-trust", "stf-bench", StaffRole::AllStaff)
}

fn companion_open(dir: &Path, key_store: &Arc<dyn KeyStore>) {
    let companion = Companion::open(dir, config(), key_store.clone()).unwrap();
    black_box(companion.schema_version());
}

fn bare_open(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    black_box(v);
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let key_store: Arc<dyn KeyStore> = Arc::new(SoftwareKeyStore::new(&[7u8; 32]).unwrap());
    drop(Companion::open(dir.path(), config(), key_store.clone()).unwrap());
    let db = dir.path().join(DATABASE_FILE);

    let mut c = Criterion::default().configure_from_args();
    {
        let mut group = c.benchmark_group("open");
        group.bench_function("companion_open_existing_store", |b| {
            b.iter(|| companion_open(dir.path(), &key_store))
        });
        group.bench_function("baseline_rusqlite_open_and_user_version", |b| {
            b.iter(|| bare_open(&db))
        });
        group.finish();
    }
    c.final_summary();

    // `cargo test --benches` runs each benchmark once to see it works: no figures then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rounds = 300;
    let (mut ours, mut base) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for _ in 0..rounds {
        let t = Instant::now();
        companion_open(dir.path(), &key_store);
        ours.push(t.elapsed());
        let t = Instant::now();
        bare_open(&db);
        base.push(t.elapsed());
    }
    let (ours, base) = (median(ours), median(base));
    let ratio = ours.as_secs_f64() / base.as_secs_f64();
    println!(
        "open ratio: Companion::open {:.1} µs / bare rusqlite open {:.1} µs = {ratio:.2}x \
         (median of {rounds} interleaved rounds; targets <= 10x and < 50 ms: {})",
        ours.as_secs_f64() * 1e6,
        base.as_secs_f64() * 1e6,
        if ratio <= 10.0 && ours < Duration::from_millis(50) {
            "met"
        } else {
            "MISSED"
        },
    );
}
