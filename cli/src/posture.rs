//! Posture, managed configuration and advisories from the terminal: the `frontline device`
//! subcommands `check`, `apply-config`, `feedback`, `advisories`, `ack-advisory`, and
//! `frontline config schema`, which regenerates the committed MDM schema files.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use clap::{Args, Subcommand};
use frontline_core::clock::rfc3339;
use frontline_core::config::managed;
use frontline_core::posture::{DeviceFacts, PostureReport, PostureTrigger};
use frontline_core::{Companion, Error};

use crate::{CliError, CliResult};

/// Arguments of `frontline config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

/// What to do with the managed configuration schema.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a generated MDM schema file (exactly one of the flags).
    Schema {
        /// Android `res/xml/app_restrictions.xml`.
        #[arg(long, group = "format")]
        android: bool,
        /// Android `res/values/app_restrictions_strings.xml` (titles and descriptions).
        #[arg(long, group = "format")]
        android_strings: bool,
        /// iOS AppConfig `specfile.xml`.
        #[arg(long, group = "format")]
        appconfig: bool,
    },
}

/// Runs `frontline config`.
pub fn run_config(args: ConfigArgs) -> CliResult {
    match args.command {
        ConfigCommand::Schema {
            android,
            android_strings,
            appconfig,
        } => {
            let text = if android {
                managed::android_restrictions_xml()
            } else if android_strings {
                managed::android_strings_xml()
            } else if appconfig {
                managed::appconfig_specfile()
            } else {
                return Err(CliError::Message(String::from(
                    "choose --android, --android-strings or --appconfig",
                )));
            };
            print!("{text}");
            Ok(())
        }
    }
}

/// Parses `user`, `schedule`, `app-start` or `mdm:ID`.
pub fn parse_trigger(text: &str) -> Result<PostureTrigger, String> {
    match text {
        "user" => Ok(PostureTrigger::User),
        "schedule" => Ok(PostureTrigger::Schedule),
        "app-start" | "app_start" => Ok(PostureTrigger::AppStart),
        other => match other.strip_prefix("mdm:") {
            Some(id) if !id.is_empty() => Ok(PostureTrigger::Mdm {
                request_id: id.to_owned(),
            }),
            _ => Err(String::from("expected user, schedule, app-start or mdm:ID")),
        },
    }
}

fn read(path: &Path, what: &str) -> CliResult<Vec<u8>> {
    std::fs::read(path).map_err(|source| CliError::Io {
        what: format!("reading the {what}"),
        source,
    })
}

/// Reads a fact file.
pub fn read_facts(path: &Path) -> CliResult<DeviceFacts> {
    Ok(DeviceFacts::from_json(&read(path, "fact file")?)?)
}

fn to_json<T: serde::Serialize>(value: &T) -> CliResult<String> {
    serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Message(format!("JSON output failed: {e}")))
}

/// Prints a report for people.
pub fn print_report(report: &PostureReport) {
    println!(
        "verdict: {}  (trigger {}{}, policy {} {}, checked {})",
        report.verdict.as_str(),
        report.trigger.as_str(),
        report
            .trigger
            .request_id()
            .map(|id| format!(" {id}"))
            .unwrap_or_default(),
        report.policy_id,
        report.policy_version,
        rfc3339(report.created_at_ms)
    );
    for c in &report.checks {
        println!(
            "  {:<15} {:<19} {:<8} {}",
            c.status.as_str(),
            c.check_id,
            c.severity.as_str(),
            c.observed
        );
        if matches!(c.status.as_str(), "fail" | "unknown" | "warn") {
            println!("  {:<15} expected: {}", "", c.expected);
            let lesson = c.remediation.lesson_id.as_deref().unwrap_or("-");
            let screen = c
                .remediation
                .settings_target
                .android_action()
                .unwrap_or("-");
            println!("  {:<15} fix: lesson {lesson}, settings {screen}", "");
        }
        if let Some(deadline) = c.grace_deadline_ms {
            println!("  {:<15} fix by {}", "", rfc3339(deadline));
        }
    }
}

/// `device check`.
pub fn check(
    companion: &Companion,
    facts: &Path,
    trigger: PostureTrigger,
    json: bool,
) -> CliResult {
    let facts = read_facts(facts)?;
    let report = companion.check_posture(facts, trigger)?;
    if json {
        println!("{}", to_json(&report)?);
    } else {
        print_report(&report);
    }
    Ok(())
}

/// Reads a JSON object of managed configuration; strings, numbers and booleans become text,
/// as the platforms hand them over.
pub fn read_config_map(path: &Path) -> CliResult<HashMap<String, String>> {
    let value: serde_json::Value = serde_json::from_slice(&read(path, "configuration file")?)
        .map_err(|e| CliError::Message(format!("the configuration file is not JSON: {e}")))?;
    let object = value.as_object().ok_or_else(|| {
        CliError::Message(String::from("the configuration file must be a JSON object"))
    })?;
    let mut map = HashMap::new();
    for (key, v) in object {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Bool(b) => b.to_string(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => {
                return Err(CliError::Message(format!(
                    "key {key}: values must be strings, numbers or booleans"
                )))
            }
        };
        map.insert(key.clone(), text);
    }
    Ok(map)
}

/// `device apply-config`.
pub fn apply_config(companion: &mut Companion, file: &Path) -> CliResult {
    let map = read_config_map(file)?;
    match companion.apply_managed_config(map) {
        Ok(outcome) => {
            println!("managed configuration applied");
            for key in &outcome.ignored_keys {
                println!("  ignored unknown key: {key}");
            }
            if outcome.posture_check_pending {
                println!("  posture check requested: waiting for device facts");
            }
            if let Some(report) = &outcome.posture_report {
                println!("  posture check requested by MDM ran:");
                print_report(report);
            }
            Ok(())
        }
        Err(Error::InvalidConfig(problems)) => {
            for p in &problems {
                eprintln!("  {}: {:?}", p.key, p.problem);
            }
            Err(CliError::Message(format!(
                "managed configuration refused ({} problem(s)); the previous configuration stays",
                problems.len()
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// `device feedback`.
pub fn feedback(companion: &Companion, json: bool) -> CliResult {
    let feedback = companion.mdm_feedback()?;
    if json {
        let ios: BTreeMap<&String, &String> = feedback.ios_managed_feedback.iter().collect();
        let out = serde_json::json!({
            "keyed_app_states": feedback.keyed_app_states,
            "ios_managed_feedback": ios,
        });
        println!("{}", to_json(&out)?);
        return Ok(());
    }
    println!("Android keyed app states:");
    for s in &feedback.keyed_app_states {
        println!("  [{:?}] {}: {}", s.severity, s.key, s.message);
    }
    println!("iOS com.apple.feedback.managed:");
    let ios: BTreeMap<&String, &String> = feedback.ios_managed_feedback.iter().collect();
    for (k, v) in ios {
        println!("  {k} = {v}");
    }
    Ok(())
}

/// `device advisories`.
pub fn advisories(companion: &Companion, json: bool) -> CliResult {
    let matches = companion.advisories_for_device()?;
    if json {
        println!("{}", to_json(&matches)?);
        return Ok(());
    }
    if matches.is_empty() {
        println!("no advisories concern this device");
    }
    for m in &matches {
        println!(
            "{} [{}] {:?}{}: {}",
            m.advisory.id,
            m.advisory.severity.as_str(),
            m.relevance,
            m.acknowledged_at_ms
                .map(|t| format!(", acknowledged {}", rfc3339(t)))
                .unwrap_or_default(),
            m.advisory.title
        );
        for action in &m.advisory.actions {
            println!("    - {action}");
        }
    }
    Ok(())
}

/// `device ack-advisory`.
pub fn acknowledge(companion: &Companion, id: &str) -> CliResult {
    let at = companion.acknowledge_advisory(id)?;
    println!("acknowledged at {}", rfc3339(at));
    Ok(())
}

/// A sample fact file shipped in the binary for the demo: a rooted Android phone.
pub const DEMO_FACTS: &[u8] = include_bytes!("../../tests/fixtures/devices/rooted-phone.json");

/// Demo step: the MDM asks a managed phone for a posture check before the app has probed the
/// device; the check runs when the first facts arrive, answers the MDM's request id, and
/// becomes keyed app states for the EMM console.
pub fn demo_mdm_check(companion: &mut frontline_core::Companion) -> CliResult {
    let request: HashMap<String, String> = [
        ("posture_check_request_id", "mdm-demo-0001"),
        ("sync_interval_minutes", "30"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let outcome = companion.apply_managed_config(request)?;
    println!(
        "6. MDM pushed managed config with posture_check_request_id (check pending: {})",
        outcome.posture_check_pending
    );
    let facts = DeviceFacts::from_json(DEMO_FACTS)?;
    let report = companion
        .submit_device_facts(facts)?
        .ok_or_else(|| CliError::Message(String::from("the requested check did not run")))?;
    let failing: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.status.as_str() == "fail")
        .map(|c| c.check_id.as_str())
        .collect();
    println!(
        "   probe facts arrived (sample rooted phone): verdict {} for request {}, failing: {}",
        report.verdict.as_str(),
        report.trigger.request_id().unwrap_or("-"),
        failing.join(", ")
    );
    let feedback = companion.mdm_feedback()?;
    let errors = feedback
        .keyed_app_states
        .iter()
        .filter(|s| s.severity == frontline_core::posture::FeedbackSeverity::Error)
        .count();
    println!(
        "   MDM feedback: {} keyed app states ({errors} errors); report queued, kept until delivered",
        feedback.keyed_app_states.len()
    );
    Ok(())
}
