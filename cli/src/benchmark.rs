//! `frontline collector benchmark` and `frontline collector incidents`: what the IT team does
//! with self-assessments and incident reports.
//!
//! `benchmark` computes the organisation's benchmark from each device's latest assessment
//! and signs it with the publisher key as a `benchmark` bundle for the collector to serve
//! (`--bundles DIR`), so devices compare themselves offline (ADR 0142). `incidents` lists the
//! incident reports with their status, as text, JSON or CSV, and moves one to `triaged` or
//! `closed`.

use std::path::PathBuf;

use clap::Args;
use frontline_collector::assessment::{self, IncidentStatus};
use frontline_collector::Store;
use frontline_core::bundle::{self, BundleKind};
use frontline_core::clock::{Clock, SystemClock};
use frontline_core::crypto::jwk::{OkpCurve, OkpJwk};

use crate::collector::StoreArgs;
use crate::keys::read_key_file;
use crate::{CliError, CliResult};

/// Arguments of `frontline collector benchmark`.
#[derive(Debug, Args)]
pub struct BenchmarkArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The organisation's private publisher key (`publisher.jwk`).
    #[arg(long)]
    pub key: PathBuf,
    /// The bundle version (each publication a higher one).
    #[arg(long)]
    pub version: u64,
    /// Where to write the signed bundle (e.g. `bundles/benchmark.bundle`).
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `frontline collector incidents`.
#[derive(Debug, Args)]
pub struct IncidentsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Set the status of one incident: ENVELOPE_ID and new, triaged or closed.
    #[arg(long, num_args = 2, value_names = ["ENVELOPE_ID", "STATUS"])]
    pub set_status: Option<Vec<String>>,
    /// Print CSV.
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `frontline collector benchmark`.
pub fn benchmark(args: &BenchmarkArgs) -> CliResult {
    let jwk = OkpJwk::parse_expecting(&read_key_file(&args.key)?, OkpCurve::Ed25519, true)?;
    let signing = jwk.signing_key()?;
    let store = Store::open_existing(&args.store.config(2)?)?;
    let rows = assessment::assessment_rows(&store)?;
    let now = SystemClock.now_ms();
    let bench = assessment::compute(&assessment::latest_per_device(&rows), now)
        .map_err(|e| CliError::Message(e.to_string()))?;
    let payload = serde_json::to_vec(&bench).map_err(|e| CliError::Message(e.to_string()))?;
    frontline_core::Companion::check_bundle_payload(BundleKind::Benchmark, &payload)
        .map_err(|r| CliError::Message(format!("the benchmark is not valid ({r:?})")))?;
    let bytes = bundle::sign_bundle(
        BundleKind::Benchmark,
        args.version,
        now,
        None,
        &payload,
        &signing,
    );
    std::fs::write(&args.out, &bytes).map_err(|source| CliError::Io {
        what: String::from("writing the benchmark bundle"),
        source,
    })?;
    println!(
        "benchmark of {} devices ({} areas, {} teams) signed as benchmark bundle version {} with key {}",
        bench.devices,
        bench.areas.len(),
        bench.teams.len(),
        args.version,
        jwk.kid
    );
    Ok(())
}

/// Runs `frontline collector incidents`.
pub fn incidents(args: &IncidentsArgs) -> CliResult {
    let store = Store::open_existing(&args.store.config(2)?)?;
    if let Some([id, status]) = args.set_status.as_deref() {
        let status = IncidentStatus::parse(status).ok_or_else(|| {
            CliError::Message(String::from("status must be new, triaged or closed"))
        })?;
        if !assessment::set_incident_status(&store, id, status, SystemClock.now_ms())? {
            return Err(CliError::Message(String::from(
                "no incident with that envelope id",
            )));
        }
        println!("incident {id} is now {}", status.as_str());
        return Ok(());
    }
    let rows = assessment::incidents(&store)?;
    if args.csv {
        print!("{}", assessment::incidents_csv(&rows));
    } else if args.json {
        let text =
            serde_json::to_string_pretty(&rows).map_err(|e| CliError::Message(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", assessment::incidents_text(&rows));
    }
    Ok(())
}
