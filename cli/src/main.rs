//! `frontline`: the organisation's admin tool, a device simulator and the end-to-end demo.
//!
//! * `frontline demo`: a simulated device trains, checks its posture, queues reports while
//!   offline and syncs them to a collector on loopback, all on embedded defaults.
//! * `frontline keys`, `frontline bundle`, `frontline pack`: the organisation's keys and
//!   signed bundles.
//! * `frontline device`: the core driven from a terminal, as an app would drive it.
//! * `frontline collector`: the reference sync server and its reports.

#![forbid(unsafe_code)]

mod assess;
mod benchmark;
mod bundle;
mod collector;
mod content_check;
mod demo;
mod device;
mod failure;
mod keys;
mod pack;
mod posture;
mod sync;
mod terminal;
mod train;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use failure::{CliError, CliResult};

/// Frontline: the offline-first security companion for health and care staff.
#[derive(Debug, Parser)]
#[command(name = "frontline", version, about)]
struct Cli {
    /// Print log records at this level and above (error, warn, info, debug, trace).
    #[arg(long, global = true, default_value = "warn", value_parser = parse_level)]
    log: log::LevelFilter,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the end-to-end demo on embedded defaults.
    Demo(demo::DemoArgs),
    /// Drive a simulated device's core from the terminal.
    Device(device::DeviceArgs),
    /// Generate the organisation's keys.
    Keys(keys::KeysArgs),
    /// Run the reference collector or print its report.
    Collector(collector::CollectorArgs),
    /// Build training content packs.
    Pack(pack::PackArgs),
    /// Sign and verify bundles (content packs, policies, advisory feeds).
    Bundle(bundle::BundleArgs),
    /// The managed configuration (MDM) schema.
    Config(posture::ConfigArgs),
}

fn parse_level(text: &str) -> Result<log::LevelFilter, String> {
    text.parse()
        .map_err(|_| String::from("expected off, error, warn, info, debug or trace"))
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let json = failure::wants_json(&args);
    // `--json` asks for JSON errors on every command, also those without JSON output.
    let parsed = Cli::try_parse_from(&args).or_else(|e| {
        let without: Vec<&std::ffi::OsString> = args.iter().filter(|a| *a != "--json").collect();
        if json && without.len() < args.len() {
            Cli::try_parse_from(without).map_err(|_| e)
        } else {
            Err(e)
        }
    });
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version: clap prints them and they are not failures.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => return report(&failure::usage_failure(&e), json),
    };
    init_logging(cli.log);
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Device(args) => device::run(args),
        Command::Keys(args) => keys::run(args),
        Command::Collector(args) => collector::run(args),
        Command::Pack(args) => pack::run(args),
        Command::Bundle(args) => bundle::run(args),
        Command::Config(args) => posture::run_config(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e.failure(), json),
    }
}

/// Prints a failure on standard error (text, or JSON with `--json`) and gives its exit code.
fn report(failure: &failure::Failure, json: bool) -> ExitCode {
    use std::io::Write;
    let text = if json {
        failure.to_json()
    } else {
        failure.to_text()
    };
    let _ = std::io::stderr().write_all(text.as_bytes());
    ExitCode::from(failure.class.exit_code())
}

/// A logger printing to standard error.
struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("[{} {}] {}", record.level(), record.target(), record.args());
        }
    }
    fn flush(&self) {}
}

static LOGGER: StderrLog = StderrLog;

fn init_logging(level: log::LevelFilter) {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}
