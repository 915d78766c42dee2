//! `frontline collector serve|report`: the reference collector from a terminal.
//!
//! `serve` runs the HTTP collector in the foreground until the process is stopped (Ctrl-C is
//! safe: every accepted batch is already committed). `report` prints what the collector
//! knows as text, JSON or CSV.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use frontline_collector::report::CollectorReport;
use frontline_collector::{db::Db, Collector, CollectorConfig, OrgReportKey};

use crate::{keys, CliError, CliResult};

/// Arguments of `frontline collector`.
#[derive(Debug, Args)]
pub struct CollectorArgs {
    #[command(subcommand)]
    pub command: CollectorCommand,
}

/// Collector commands.
#[derive(Debug, Subcommand)]
pub enum CollectorCommand {
    /// Run the collector (loopback by default).
    Serve {
        /// Address to listen on. Anything but loopback should sit behind a TLS proxy.
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        /// The SQLite database (created if missing).
        #[arg(long)]
        db: PathBuf,
        /// The organisation's private X25519 report key (`org-report.jwk`).
        #[arg(long)]
        org_key: PathBuf,
        /// The token devices present to enrol; a random one is made and printed if omitted.
        #[arg(long)]
        enrolment_token: Option<String>,
        /// A directory of signed bundle files to serve (`content.bundle`, `policy.bundle`,
        /// `advisories.bundle`).
        #[arg(long)]
        bundles: Option<PathBuf>,
        /// Worker threads.
        #[arg(long, default_value_t = 4)]
        workers: usize,
    },
    /// Compute the assessment benchmark and sign it as a `benchmark` bundle to publish.
    Benchmark(crate::benchmark::BenchmarkArgs),
    /// List incident reports with their status (or set one's status).
    Incidents(crate::benchmark::IncidentsArgs),
    /// Print compliance, training completion and the latest report per device.
    Report {
        /// The collector's SQLite database.
        #[arg(long)]
        db: PathBuf,
        /// Print JSON.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print CSV (one table per section).
        #[arg(long)]
        csv: bool,
    },
}

fn collector_error(e: frontline_collector::CollectorError) -> CliError {
    CliError::Message(e.to_string())
}

/// A fresh random enrolment token (128 bits, base64url).
pub fn random_token() -> CliResult<String> {
    Ok(frontline_core::crypto::b64url(
        &frontline_core::crypto::random_bytes(16)?,
    ))
}

/// Runs `frontline collector`.
pub fn run(args: CollectorArgs) -> CliResult {
    match args.command {
        CollectorCommand::Serve {
            listen,
            db,
            org_key,
            enrolment_token,
            bundles,
            workers,
        } => {
            let key =
                OrgReportKey::from_jwk(&keys::read_key_file(&org_key)?).map_err(collector_error)?;
            let token = match enrolment_token {
                Some(t) if !t.is_empty() => t,
                Some(_) => return Err(CliError::Message(String::from("empty enrolment token"))),
                None => {
                    let t = random_token()?;
                    println!("enrolment token: {t}");
                    t
                }
            };
            if !listen.ip().is_loopback() {
                eprintln!(
                    "warning: listening beyond loopback; put the collector behind a TLS proxy"
                );
            }
            let mut config = CollectorConfig::new(&db, key.clone(), &token);
            config.listen = listen;
            config.bundles_dir = bundles;
            config.workers = workers;
            let running = Collector::start(config).map_err(collector_error)?;
            println!(
                "collector listening on {} (report key kid {}); stop with Ctrl-C",
                running.url(),
                key.kid()
            );
            loop {
                std::thread::park();
            }
        }
        CollectorCommand::Benchmark(args) => crate::benchmark::benchmark(&args),
        CollectorCommand::Incidents(args) => crate::benchmark::incidents(&args),
        CollectorCommand::Report { db, json, csv } => {
            let db = Db::open_existing(&db).map_err(collector_error)?;
            let report = CollectorReport::from_db(&db).map_err(collector_error)?;
            if json {
                println!("{}", report.to_json());
            } else if csv {
                print!("{}", report.to_csv());
            } else {
                print!("{}", report.to_text());
            }
            Ok(())
        }
    }
}
