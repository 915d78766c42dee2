//! `frontline device … enrol|sync`: the simulated device talks to a collector through the
//! blocking driver, exactly as an app's background job would.
//!
//! The flags set the app's configuration (collector URL, enrolment token); a managed
//! configuration applied with `device apply-config` still takes precedence. A report key
//! given with `--org-key` is stored in the device's managed configuration, exactly as an MDM
//! would set `org_report_key`: every later report is sealed to it, and the reports held for
//! want of a key are sealed at once (`docs/adr/0082-report-key-given-at-enrolment.md`).

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use frontline_collector::driver::{self, HttpDriver};
use frontline_core::clock::rfc3339;
use frontline_core::{Companion, CompanionConfig};

use crate::device::DeviceCommand;
use crate::{keys, CliError, CliResult};

fn org_key_text(path: Option<&Path>) -> CliResult<Option<String>> {
    path.map(keys::read_key_file).transpose()
}

/// Puts the flags of `enrol` and `sync` into the app configuration before the device opens.
pub fn configure(config: &mut CompanionConfig, command: &DeviceCommand) -> CliResult {
    match command {
        DeviceCommand::Enrol {
            collector,
            token,
            org_key,
        } => {
            config.collector_url = Some(collector.clone());
            config.enrolment_token = Some(token.clone());
            // Read now, so a missing key file fails before the device opens.
            org_key_text(org_key.as_deref())?;
        }
        DeviceCommand::Sync {
            collector, org_key, ..
        } => {
            config.collector_url = Some(collector.clone());
            org_key_text(org_key.as_deref())?;
        }
        _ => {}
    }
    Ok(())
}

/// Stores the report key given to `enrol` or `sync` in the device's managed configuration
/// (`org_report_key`, validated and normalised as an MDM value is) and seals the reports
/// held for want of one. Other commands, and these without `--org-key`, change nothing.
pub fn remember_org_key(companion: &mut Companion, command: &DeviceCommand) -> CliResult {
    let org_key = match command {
        DeviceCommand::Enrol { org_key, .. } | DeviceCommand::Sync { org_key, .. } => org_key,
        _ => return Ok(()),
    };
    let Some(text) = org_key_text(org_key.as_deref())? else {
        return Ok(());
    };
    let map = HashMap::from([(String::from("org_report_key"), text)]);
    companion.update_managed_config(map).map_err(|e| match e {
        frontline_core::Error::InvalidConfig(_) => CliError::Message(String::from(
            "the --org-key file is not the organisation's X25519 report key",
        ))
        .with_hint("pass the org-report.pub.jwk written by `frontline keys generate`"),
        other => other.into(),
    })?;
    let sealed = companion.seal_held_reports()?;
    if sealed > 0 {
        println!("report key stored; {sealed} held reports sealed to it");
    } else {
        println!("report key stored");
    }
    Ok(())
}

/// `device enrol`.
pub fn enrol(companion: &Companion) -> CliResult {
    let outcome = driver::enrol(companion, &HttpDriver::new(Duration::from_secs(30)))?;
    if outcome.enrolled {
        println!("enrolled");
        Ok(())
    } else if outcome.reenrolment_needed {
        Err(
            CliError::Message(String::from("the collector refused the enrolment"))
                .with_hint("check the --token the collector printed when it started"),
        )
    } else {
        Err(
            CliError::Network(String::from("the collector could not be reached"))
                .with_hint("check --collector and that the collector is running, then enrol again"),
        )
    }
}

/// `device sync`.
pub fn sync(companion: &Companion, timeout_secs: u64) -> CliResult {
    let http = HttpDriver::new(Duration::from_secs(timeout_secs.max(1)));
    let run = driver::sync(companion, &http, 10_000, |_| {})?;
    let status = companion.outbox_status()?;
    println!(
        "requests {}, delivered {}, dead-lettered {}, without answer {}",
        run.requests, run.delivered, run.dead_lettered, run.transport_failures
    );
    println!(
        "outbox: {} waiting ({} held for a report key), {} dead letters",
        status.pending, status.held, status.dead
    );
    if let Some(at) = status.next_attempt_at {
        println!("next attempt allowed at {}", rfc3339(at));
    }
    if status.reenrolment_needed {
        return Err(
            CliError::Network(String::from("the collector refused this device"))
                .with_hint("enrol again: `frontline device --data-dir DIR enrol --collector URL --token TOKEN`"),
        );
    }
    if run.transport_failures > 0 && run.delivered == 0 && status.pending > 0 {
        return Err(CliError::Network(format!(
            "the collector could not be reached; {} reports wait for the next sync",
            status.pending
        ))
        .with_hint("check --collector and that the collector is running"));
    }
    Ok(())
}
