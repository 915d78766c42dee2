//! `frontline collector serve|report`: the reference collector from a terminal.
//!
//! `serve` runs the HTTP collector in the foreground until Ctrl-C or SIGTERM, then stops
//! gracefully (requests in progress finish; every accepted batch is already committed).
//! `report` prints what the collector knows as text, JSON or CSV. Both use the SQLite file
//! given with `--db`, or the PostgreSQL database given with `--database-url` (or the
//! `FRONTLINE_DATABASE_URL` environment variable, which keeps a password out of `ps`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use frontline_collector::report::{CollectorReport, DEFAULT_REFRESHER_DAYS};
use frontline_collector::{
    Collector, CollectorConfig, DashboardConfig, OrgReportKey, Store, StoreConfig, TlsFiles,
};

use crate::{keys, CliError, CliResult};

/// Arguments of `frontline collector`.
#[derive(Debug, Args)]
pub struct CollectorArgs {
    #[command(subcommand)]
    pub command: CollectorCommand,
}

/// Collector commands.
// Parsed once per process: the size of the `serve` variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum CollectorCommand {
    /// Run the collector (loopback by default).
    Serve {
        /// Address to listen on. Anything but loopback needs TLS (`--tls-cert`/`--tls-key`).
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        #[command(flatten)]
        store: StoreArgs,
        /// PostgreSQL connections this process opens at most.
        #[arg(long, default_value_t = 8)]
        db_connections: usize,
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
        /// Async worker threads.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Terminate TLS with this certificate chain (PEM); needs `--tls-key`.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// A file holding the dashboard's admin password (first line). The
        /// `FRONTLINE_ADMIN_PASSWORD` environment variable works too. Without either, no
        /// dashboard is served.
        #[arg(long)]
        admin_password_file: Option<PathBuf>,
        /// Days after a pass before a module's refresher is overdue.
        #[arg(long, default_value_t = DEFAULT_REFRESHER_DAYS)]
        refresher_days: u32,
        /// Open connections at once (beyond: 503 with Retry-After).
        #[arg(long)]
        max_connections: Option<usize>,
        /// Requests worked on at once (beyond, after a short wait: 503 with Retry-After).
        #[arg(long)]
        max_in_flight: Option<usize>,
        /// Seconds a request body may take to arrive (beyond: 408).
        #[arg(long)]
        body_timeout_secs: Option<u64>,
        /// Seconds request headers may take to arrive (beyond: connection closed).
        #[arg(long)]
        header_timeout_secs: Option<u64>,
    },
    /// Compute the assessment benchmark and sign it as a `benchmark` bundle to publish.
    Benchmark(crate::benchmark::BenchmarkArgs),
    /// List incident reports with their status (or set one's status).
    Incidents(crate::benchmark::IncidentsArgs),
    /// Print compliance, training completion and the latest report per device.
    Report {
        #[command(flatten)]
        store: StoreArgs,
        /// Print JSON.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print CSV (one table per section).
        #[arg(long)]
        csv: bool,
    },
}

/// Where the collector keeps its data.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The SQLite database (created by `serve` if missing).
    #[arg(long, required_unless_present = "database_url")]
    pub db: Option<PathBuf>,
    /// A PostgreSQL database (`postgresql://user@host:port/db`) instead of SQLite. The
    /// `FRONTLINE_DATABASE_URL` environment variable works too.
    #[arg(long, conflicts_with = "db")]
    database_url: Option<String>,
}

impl StoreArgs {
    /// The store these arguments name, with at most `connections` PostgreSQL connections.
    pub fn config(&self, connections: usize) -> CliResult<StoreConfig> {
        let url = self
            .database_url
            .clone()
            .or_else(|| std::env::var("FRONTLINE_DATABASE_URL").ok())
            .filter(|u| !u.is_empty());
        match (&self.db, url) {
            (Some(path), _) => Ok(StoreConfig::sqlite(path)),
            (None, Some(url)) => Ok(StoreConfig::Postgres {
                url,
                max_connections: connections,
            }),
            (None, None) => Err(CliError::Message(String::from(
                "give --db FILE or --database-url URL",
            ))),
        }
    }
}

fn admin_password(file: Option<&Path>) -> CliResult<Option<String>> {
    let password = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|_| {
                CliError::Message(String::from("cannot read the admin password file"))
            })?;
            Some(text.lines().next().unwrap_or("").to_owned())
        }
        None => std::env::var("FRONTLINE_ADMIN_PASSWORD").ok(),
    };
    match password {
        Some(p) if p.chars().count() < 12 => Err(CliError::Message(String::from(
            "the admin password must be at least 12 characters",
        ))),
        other => Ok(other),
    }
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
            store,
            db_connections,
            org_key,
            enrolment_token,
            bundles,
            workers,
            tls_cert,
            tls_key,
            admin_password_file,
            refresher_days,
            max_connections,
            max_in_flight,
            body_timeout_secs,
            header_timeout_secs,
        } => {
            let key = OrgReportKey::from_jwk(&keys::read_key_file(&org_key)?)?;
            let token = match enrolment_token {
                Some(t) if !t.is_empty() => t,
                Some(_) => return Err(CliError::Message(String::from("empty enrolment token"))),
                None => {
                    let t = random_token()?;
                    println!("enrolment token: {t}");
                    t
                }
            };
            let tls = match (tls_cert, tls_key) {
                (Some(cert_chain), Some(private_key)) => Some(TlsFiles {
                    cert_chain,
                    private_key,
                }),
                _ => None,
            };
            if !listen.ip().is_loopback() && tls.is_none() {
                eprintln!(
                    "warning: plain HTTP beyond loopback; give --tls-cert/--tls-key or put the collector behind a TLS proxy"
                );
            }
            let mut config =
                CollectorConfig::with_store(store.config(db_connections)?, key.clone(), &token);
            config.listen = listen;
            config.bundles_dir = bundles;
            config.workers = workers;
            config.tls = tls;
            if let Some(password) = admin_password(admin_password_file.as_deref())? {
                let mut dashboard = DashboardConfig::new(&password);
                dashboard.refresher_days = refresher_days;
                config.dashboard = Some(dashboard);
            }
            let limits = &mut config.limits;
            if let Some(n) = max_connections {
                limits.max_connections = n.max(1);
            }
            if let Some(n) = max_in_flight {
                limits.max_in_flight = n.max(1);
            }
            if let Some(s) = body_timeout_secs {
                limits.body_timeout = Duration::from_secs(s.max(1));
            }
            if let Some(s) = header_timeout_secs {
                limits.header_timeout = Duration::from_secs(s.max(1));
            }
            let dashboard = config.dashboard.is_some();
            let running = Collector::start(config)?;
            println!(
                "collector listening on {} (report key kid {}); stop with Ctrl-C",
                running.url(),
                key.kid()
            );
            if dashboard {
                println!("dashboard at {}/dashboard", running.url());
            }
            running.wait_for_signal();
            println!("collector stopped");
            Ok(())
        }
        CollectorCommand::Benchmark(args) => crate::benchmark::benchmark(&args),
        CollectorCommand::Incidents(args) => crate::benchmark::incidents(&args),
        CollectorCommand::Report { store, json, csv } => {
            let store = Store::open_existing(&store.config(2)?)?;
            let report = CollectorReport::from_db(&store)?;
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
