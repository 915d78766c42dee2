//! `frontline device … enrol|sync`: the simulated device talks to a collector through the
//! blocking driver, exactly as an app's background job would.
//!
//! The flags set the app's configuration (collector URL, enrolment token, report key); a
//! managed configuration applied with `device apply-config` still takes precedence.

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
            config.org_report_key = org_key_text(org_key.as_deref())?;
        }
        DeviceCommand::Sync {
            collector, org_key, ..
        } => {
            config.collector_url = Some(collector.clone());
            if let Some(text) = org_key_text(org_key.as_deref())? {
                config.org_report_key = Some(text);
            }
        }
        _ => {}
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
        Err(CliError::Message(String::from(
            "the collector refused the enrolment (check the token)",
        )))
    } else {
        Err(CliError::Message(String::from(
            "the collector could not be reached; try again later",
        )))
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
        return Err(CliError::Message(String::from(
            "the collector refused this device: enrol again",
        )));
    }
    Ok(())
}
