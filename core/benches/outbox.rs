//! Outbox benchmarks: the cost of a durable enqueue against its irreducible parts.
//!
//! * single: `queue_reports([one])` (sign + HPKE seal + durable insert + bounds, one commit)
//!   against the same sign + seal followed by a bare durable insert of the same bytes into a
//!   plain table (same WAL + `synchronous=FULL`), one commit;
//! * batch: `queue_reports(100)` in one commit against the same sealing plus a bare batched
//!   insert of 100 rows in one commit, per report.
//!
//! Criterion reports the absolute figures; the ratios are measured after them in the same run
//! by interleaving the two sides (median of many rounds) and printed as `ratio ...` lines.
//! Run: `cargo bench -p frontline-core --bench outbox`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use criterion::{BatchSize, Criterion, Throughput};
use frontline_core::crypto::SigningKey;
use frontline_core::outbox::envelope::{seal_envelope, sign_report, EnvelopeHeader, OrgReportKey};
use frontline_core::outbox::{OutboxLimits, ReportDraft, ReportKind, Retention};
use frontline_core::{Companion, CompanionConfig, SoftwareKeyStore, StaffRole};
use rusqlite::{params, Connection};

const ORG_KEY: &str = "TB75awvtpEGv27HxteeeMQdkr-naf9SdAS0493GNiDo";

fn body() -> serde_json::Value {
    // About the size of an xAPI statement (~1 KiB).
    serde_json::json!({
        "id": "6f1d3c52-9f0e-4d0b-8d43-3b1f5c2a7e90",
        "actor": {"objectType": "Agent", "account": {"homePage": "https://example-trust.example", "name": "p-bench"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-GB": "passed"}},
        "object": {"id": "https://frontline.example/modules/phishing", "objectType": "Activity",
                   "definition": {"name": {"en-GB": "Phishing and unverified links"}, "description": {"en-GB": "x".repeat(400)}}},
        "result": {"score": {"scaled": 0.9}, "success": true, "completion": true, "duration": "PT12M"},
        "timestamp": "2026-11-28T17:03:04.123Z"
    })
}

fn draft() -> ReportDraft {
    ReportDraft {
        kind: ReportKind::TrainingStatement,
        body: body(),
        retention: Retention::Keep,
    }
}

fn companion(dir: &Path) -> Companion {
    let mut config = CompanionConfig::new("example-trust", "p-bench", StaffRole::AllStaff);
    config.org_report_key = Some(ORG_KEY.to_owned());
    let c = Companion::open(
        dir,
        config,
        Arc::new(SoftwareKeyStore::ephemeral().unwrap()),
    )
    .unwrap();
    c.set_outbox_limits(OutboxLimits {
        max_reports: u32::MAX,
        max_bytes: u64::MAX / 2,
        ..OutboxLimits::default()
    })
    .unwrap();
    c
}

/// The baseline: a plain table with the same durability settings.
fn bare_db(dir: &Path) -> Connection {
    let conn = Connection::open(dir.join("bare.db")).unwrap();
    conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
        .unwrap();
    conn.execute_batch(
        "PRAGMA synchronous=FULL;
         CREATE TABLE t (id TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL,
                         created_at INTEGER NOT NULL, envelope BLOB NOT NULL) STRICT;",
    )
    .unwrap();
    conn
}

struct Sealer {
    device: SigningKey,
    org: OrgReportKey,
    body: serde_json::Value,
}

impl Sealer {
    fn new() -> Self {
        Self {
            device: SigningKey::generate().unwrap(),
            org: OrgReportKey::parse(ORG_KEY).unwrap(),
            body: body(),
        }
    }

    fn seal(&self) -> (String, Vec<u8>) {
        let header = EnvelopeHeader {
            id: uuid::Uuid::new_v4().to_string(),
            kind: ReportKind::TrainingStatement,
            created_at: 1_795_885_384_123,
            device_id: String::from("9e497929-4c63-463c-ac68-3d6908253c28"),
        };
        let plain = sign_report(&header, &self.body, |m| self.device.sign(m)).unwrap();
        let env = seal_envelope(&header, &self.org, &plain).unwrap();
        (header.id, env)
    }
}

fn bare_insert(conn: &mut Connection, rows: &[(String, Vec<u8>)]) {
    let tx = conn.transaction().unwrap();
    for (id, env) in rows {
        tx.execute(
            "INSERT INTO t (id, kind, created_at, envelope) VALUES (?1, ?2, ?3, ?4)",
            params![id, "training_statement", 1_795_885_384_123_i64, env],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let companion = companion(dir.path());
    let mut bare = bare_db(dir.path());
    let sealer = Sealer::new();
    let mut g = c.benchmark_group("outbox");
    g.sample_size(30);

    g.throughput(Throughput::Elements(1));
    g.bench_function("enqueue_one", |b| {
        b.iter(|| companion.queue_reports(vec![draft()]).unwrap())
    });
    g.bench_function("baseline_seal_then_bare_insert_one", |b| {
        b.iter(|| {
            let row = sealer.seal();
            bare_insert(&mut bare, std::slice::from_ref(&row));
        })
    });
    g.bench_function("seal_one", |b| b.iter(|| sealer.seal()));

    g.throughput(Throughput::Elements(100));
    g.bench_function("enqueue_batch_100", |b| {
        b.iter_batched(
            || (0..100).map(|_| draft()).collect::<Vec<_>>(),
            |drafts| companion.queue_reports(drafts).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("baseline_seal_then_bare_insert_batch_100", |b| {
        b.iter(|| {
            let rows: Vec<_> = (0..100).map(|_| sealer.seal()).collect();
            bare_insert(&mut bare, &rows);
        })
    });
    g.bench_function("bare_insert_batch_100_presealed", |b| {
        b.iter_batched(
            || (0..100).map(|_| sealer.seal()).collect::<Vec<_>>(),
            |rows| bare_insert(&mut bare, &rows),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Interleaves the two sides round by round (alternating which goes first) so disk and CPU
/// conditions hit both alike, and returns the median time of each side and the median of the
/// per-round ratios (robust to load that drifts during the run).
fn ratio(rounds: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64, f64) {
    let (mut ta, mut tb, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (mut x, mut y) = (0.0, 0.0);
        for side in [round % 2, 1 - round % 2] {
            let t = Instant::now();
            if side == 0 {
                a();
                x = t.elapsed().as_secs_f64();
            } else {
                b();
                y = t.elapsed().as_secs_f64();
            }
        }
        ta.push(x);
        tb.push(y);
        r.push(x / y);
    }
    (median(ta), median(tb), median(r))
}

fn ratios() {
    let dir = tempfile::tempdir().unwrap();
    let companion = companion(dir.path());
    let mut bare = bare_db(dir.path());
    let sealer = Sealer::new();
    let (a, b, r) = ratio(
        400,
        || {
            companion.queue_reports(vec![draft()]).unwrap();
        },
        || {
            let row = sealer.seal();
            bare_insert(&mut bare, std::slice::from_ref(&row));
        },
    );
    println!(
        "ratio enqueue_one / (seal + bare durable insert): {:.2}x (medians {:.0} us vs {:.0} us; target <= 1.3x)",
        r,
        a * 1e6,
        b * 1e6
    );
    let (a, b, r) = ratio(
        40,
        || {
            companion
                .queue_reports((0..100).map(|_| draft()).collect())
                .unwrap();
        },
        || {
            let rows: Vec<_> = (0..100).map(|_| sealer.seal()).collect();
            bare_insert(&mut bare, &rows);
        },
    );
    println!(
        "ratio enqueue_batch_100 / (seal + bare batched insert), per report: {:.2}x (medians {:.0} us vs {:.0} us per report; target <= 1.5x)",
        r,
        a * 1e6 / 100.0,
        b * 1e6 / 100.0
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
    if std::env::args().any(|a| a == "--bench") {
        ratios();
    }
}
