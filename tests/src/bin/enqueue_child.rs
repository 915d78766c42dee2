//! Child process of the kill -9 harness (`tests/tests/kill9.rs`).
//!
//! Opens a Companion on the data directory given as the first argument (software key store
//! kept in a file there, like the CLI's device simulator), with the organisation report key
//! given as the second argument (base64url), prints `device <device_id> <public key>`, then
//! queues reports forever through the public `Companion::queue_reports`, printing
//! `ok <envelope id>` only AFTER each call returned success. The parent kills it with SIGKILL
//! at a random marker; every id it saw must survive.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use frontline_core::outbox::{ReportDraft, ReportKind, Retention};
use frontline_core::{Companion, CompanionConfig, SoftwareKeyStore, StaffRole};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(org_key)) = (args.next(), args.next()) else {
        eprintln!("usage: enqueue_child <data-dir> <org-report-key>");
        return ExitCode::from(2);
    };
    match run(PathBuf::from(dir), org_key) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("enqueue_child: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(dir: PathBuf, org_key: String) -> Result<(), Box<dyn std::error::Error>> {
    let key_store = SoftwareKeyStore::from_file(&dir.join("simulated-keystore.key"))?;
    let mut config = CompanionConfig::new("example-trust", "staff-kill9-01", StaffRole::AllStaff);
    config.org_report_key = Some(org_key);
    let companion = Companion::open(&dir, config, Arc::new(key_store))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "device {} {}",
        companion.device_id(),
        companion.device_public_key()
    )?;
    out.flush()?;
    let start = companion.pending_report_count()?;
    for seq in start.. {
        // Sizes vary so that rows straddle page boundaries in different places.
        let pad = "x".repeat(usize::try_from(seq.wrapping_mul(37) % 1500).unwrap_or(0));
        let draft = ReportDraft {
            kind: ReportKind::TrainingStatement,
            body: serde_json::json!({ "seq": seq, "pad": pad }),
            retention: Retention::Keep,
        };
        let ids = companion.queue_reports(vec![draft])?;
        for id in ids {
            writeln!(out, "ok {id}")?;
        }
        out.flush()?;
    }
    Ok(())
}
