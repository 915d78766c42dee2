//! `frontline device --data-dir DIR …`: drives one simulated device's core from a terminal,
//! the way an app would, with a software key store kept beside the data directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use frontline_core::{Companion, CompanionConfig, SoftwareKeyStore, StaffRole};

use crate::{CliError, CliResult};

/// Arguments of `frontline device`.
#[derive(Debug, Args)]
pub struct DeviceArgs {
    /// The device's data directory (created if missing).
    #[arg(long)]
    pub data_dir: PathBuf,
    /// The staff member's role.
    #[arg(long, default_value = "all_staff", value_parser = parse_role)]
    pub role: StaffRole,
    /// The staff pseudonym.
    #[arg(long, default_value = "staff-0001")]
    pub pseudonym: String,
    /// The organisation's bundle publisher key: a public JWK file, or base64url of the raw
    /// Ed25519 public key.
    #[arg(long)]
    pub publisher_key: Option<String>,
    /// The user's locale (e.g. `en-GB`, `cy`): the language of posture advice.
    #[arg(long)]
    pub locale: Option<String>,
    #[command(subcommand)]
    pub command: DeviceCommand,
}

/// What to do on the device.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Show the device's store and configuration.
    Info,
    /// Check the device's posture from a fact file (JSON `DeviceFacts`).
    Check {
        /// The fact file.
        #[arg(long)]
        facts: PathBuf,
        /// Who asks: user, schedule, app-start or mdm:REQUEST_ID.
        #[arg(long, default_value = "user", value_parser = crate::posture::parse_trigger)]
        trigger: frontline_core::posture::PostureTrigger,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Apply a managed configuration (a JSON object of MDM keys).
    ApplyConfig {
        /// The configuration file.
        file: PathBuf,
    },
    /// Show the MDM feedback from the latest posture report.
    Feedback {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the advisories that concern this device.
    Advisories {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge an advisory.
    AckAdvisory {
        /// The advisory id.
        id: String,
    },
    /// Enrol with a collector (registers this device's identity key).
    Enrol {
        /// The collector's base URL (`https://…`, or `http://` on loopback).
        #[arg(long)]
        collector: String,
        /// The organisation's enrolment token.
        #[arg(long)]
        token: String,
        /// The organisation's public report key file (`org-report.pub.jwk` from `frontline
        /// keys generate`). It is kept in the device's managed configuration: every later
        /// report is sealed to it, and reports held for want of a key are sealed now.
        #[arg(long)]
        org_key: Option<PathBuf>,
    },
    /// Send queued reports to the collector until nothing is due.
    Sync {
        /// The collector's base URL (`https://…`, or `http://` on loopback).
        #[arg(long)]
        collector: String,
        /// The organisation's public report key file (`org-report.pub.jwk`), if it was not
        /// given at enrolment. Kept, as with `enrol --org-key`.
        #[arg(long)]
        org_key: Option<PathBuf>,
        /// Seconds to wait for each answer.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// List the training modules assigned to the role, with status.
    Modules {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Verify and install a signed bundle.
    InstallBundle {
        /// The bundle file.
        file: PathBuf,
        /// Refuse a bundle of another kind (content, policy, advisories).
        #[arg(long, value_parser = parse_kind)]
        kind: Option<frontline_core::bundle::BundleKind>,
    },
    /// Take a training module: lesson, quiz, explanations.
    Train(crate::train::TrainArgs),
    /// Take the self-assessment (prefilled from what the device knows), or resume it.
    Assess(crate::assess::AssessArgs),
    /// Report an incident (lost device, phishing, Smartcard...): advice at once, sent first.
    ReportIncident(crate::assess::IncidentArgs),
    /// List the incidents reported from this device.
    Incidents {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the most recent xAPI statements queued (JSON, newest first).
    Statements {
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

fn parse_kind(text: &str) -> Result<frontline_core::bundle::BundleKind, String> {
    frontline_core::bundle::BundleKind::parse(text).ok_or_else(|| {
        String::from("expected content, policy, advisories, assessment or benchmark")
    })
}

fn parse_role(text: &str) -> Result<StaffRole, String> {
    StaffRole::parse(text).ok_or_else(|| String::from("expected all_staff or specialist"))
}

/// Opens the simulated device in `data_dir`, creating the directory and its software key.
pub fn open_device(data_dir: &Path, config: CompanionConfig) -> CliResult<Companion> {
    std::fs::create_dir_all(data_dir).map_err(|source| CliError::Io {
        what: String::from("creating the data directory"),
        source,
    })?;
    let key_store = SoftwareKeyStore::from_file(&data_dir.join("simulated-keystore.key"))?;
    Ok(Companion::open(data_dir, config, Arc::new(key_store))?)
}

/// Runs `frontline device`.
pub fn run(args: DeviceArgs) -> CliResult {
    let mut config = CompanionConfig::new("example-trust", &args.pseudonym, args.role);
    config.publisher_key = args
        .publisher_key
        .as_deref()
        .map(crate::train::publisher_key_arg)
        .transpose()?;
    config.locale = args.locale.clone();
    crate::sync::configure(&mut config, &args.command)?;
    let mut companion = open_device(&args.data_dir, config)?;
    crate::sync::remember_org_key(&mut companion, &args.command)?;
    let module = match &args.command {
        DeviceCommand::Train(train) => Some(train.module.clone()),
        _ => None,
    };
    run_command(&mut companion, args.command)
        .map_err(|e| crate::failure::with_device_hints(e, &companion, module.as_deref()))
}

fn run_command(companion: &mut Companion, command: DeviceCommand) -> CliResult {
    match command {
        DeviceCommand::Info => {
            println!("schema version: {}", companion.schema_version());
            println!("role: {}", companion.config().staff_role.as_str());
        }
        DeviceCommand::Modules { json } => crate::train::modules(companion, json)?,
        DeviceCommand::InstallBundle { file, kind } => {
            crate::train::install_bundle(companion, &file, kind)?
        }
        DeviceCommand::Train(train) => crate::train::train(companion, &train)?,
        DeviceCommand::Statements { limit } => crate::train::statements(companion, limit)?,
        DeviceCommand::Check {
            facts,
            trigger,
            json,
        } => crate::posture::check(companion, &facts, trigger, json)?,
        DeviceCommand::ApplyConfig { file } => crate::posture::apply_config(companion, &file)?,
        DeviceCommand::Feedback { json } => crate::posture::feedback(companion, json)?,
        DeviceCommand::Advisories { json } => crate::posture::advisories(companion, json)?,
        DeviceCommand::AckAdvisory { id } => crate::posture::acknowledge(companion, &id)?,
        DeviceCommand::Enrol { .. } => crate::sync::enrol(companion)?,
        DeviceCommand::Sync { timeout, .. } => crate::sync::sync(companion, timeout)?,
        DeviceCommand::Assess(assess) => crate::assess::assess(companion, &assess)?,
        DeviceCommand::ReportIncident(incident) => {
            crate::assess::report_incident(companion, &incident)?
        }
        DeviceCommand::Incidents { json } => crate::assess::incidents(companion, json)?,
    }
    Ok(())
}
