//! Posture, managed configuration and advisories from the terminal: the `frontline device`
//! subcommands `check`, `apply-config`, `feedback`, `advisories`, `ack-advisory`, and
//! `frontline config schema`, which regenerates the committed MDM schema files.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use clap::{Args, Subcommand};
use frontline_core::clock::rfc3339;
use frontline_core::config::managed;
use frontline_core::posture::{
    CheckStatus, DeviceFacts, PostureAdvice, PostureReport, PostureTrigger,
};
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

/// Cuts `text` into lines of at most `width` characters at spaces, each line after the first
/// starting with `indent` (a word longer than a line stays whole).
fn wrap(text: &str, width: usize, first: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(first);
    let mut line_has_word = false;
    for word in text.split_whitespace() {
        let needed = line.chars().count() + usize::from(line_has_word) + word.chars().count();
        if line_has_word && needed > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(indent);
            line_has_word = false;
        }
        if line_has_word {
            line.push(' ');
        }
        line.push_str(word);
        line_has_word = true;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// The terminal width from `COLUMNS` (40–120), else 80.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .map_or(80, |c| c.clamp(40, 120))
}

/// Posture advice for people, as the apps show it: the headline, then each check that needs
/// something done with why, numbered steps, the settings screen and what to do when the phone
/// cannot be fixed; the checks that are fine on one line each.
pub fn render_advice(advice: &PostureAdvice, width: usize) -> String {
    let mut out = wrap(&advice.headline, width, "", "");
    let mut fine = Vec::new();
    for c in &advice.checks {
        if matches!(c.status, CheckStatus::Pass | CheckStatus::NotApplicable) {
            fine.push(format!("{}: {}", c.title, c.status_words));
            continue;
        }
        out.push('\n');
        out.push_str(&wrap(
            &format!("{}: {}", c.title, c.status_words),
            width,
            "* ",
            "  ",
        ));
        out.push_str(&wrap(&c.why, width, "  ", "  "));
        for (i, step) in c.steps.iter().enumerate() {
            let number = format!("  {}. ", i + 1);
            let indent = " ".repeat(number.len());
            out.push_str(&wrap(step, width, &number, &indent));
        }
        if let Some(target) = &c.settings_target {
            out.push_str(&wrap(
                &format!("Settings screen the app opens: {target}"),
                width,
                "  ",
                "    ",
            ));
        }
        if let Some(cannot_fix) = &c.cannot_fix {
            out.push_str(&wrap(
                &format!("If it can't be fixed: {cannot_fix}"),
                width,
                "  ",
                "    ",
            ));
        }
        if let Some(lesson) = &c.lesson_id {
            out.push_str(&wrap(&format!("Lesson: {lesson}"), width, "  ", "    "));
        }
    }
    if !fine.is_empty() {
        out.push('\n');
        for line in fine {
            out.push_str(&wrap(&line, width, "  ", "    "));
        }
    }
    out
}

/// Prints a report for people: the advice for the latest report (which `report` is).
pub fn print_report(companion: &Companion, report: &PostureReport) -> CliResult {
    match companion.posture_advice()? {
        Some(advice) => print!("{}", render_advice(&advice, terminal_width())),
        None => println!("no posture check has run"),
    }
    println!(
        "\n(policy {} {}, asked by {}{})",
        report.policy_id,
        report.policy_version,
        report.trigger.as_str(),
        report
            .trigger
            .request_id()
            .map(|id| format!(" {id}"))
            .unwrap_or_default(),
    );
    Ok(())
}

/// The report as JSON (machine codes), with the advice for people under `advice`.
pub fn report_json(report: &PostureReport, advice: Option<&PostureAdvice>) -> CliResult<String> {
    let mut value = serde_json::to_value(report)
        .map_err(|e| CliError::Message(format!("JSON output failed: {e}")))?;
    if let (Some(object), Some(advice)) = (value.as_object_mut(), advice) {
        let advice = serde_json::to_value(advice)
            .map_err(|e| CliError::Message(format!("JSON output failed: {e}")))?;
        object.insert(String::from("advice"), advice);
    }
    to_json(&value)
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
        let advice = companion.posture_advice()?;
        println!("{}", report_json(&report, advice.as_ref())?);
    } else {
        print_report(companion, &report)?;
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
                print_report(companion, report)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use frontline_core::posture::{CheckAdvice, Verdict};

    #[test]
    fn wrap_breaks_at_spaces_within_the_width() {
        let text = "Tap Face ID & Passcode (on iPhones with a Home button: Touch ID & Passcode).";
        let out = wrap(text, 30, "  2. ", "     ");
        for line in out.lines() {
            assert!(line.chars().count() <= 30, "{line}");
        }
        assert!(out.starts_with("  2. Tap Face ID & Passcode"), "{out}");
        assert_eq!(
            out.split_whitespace().collect::<Vec<_>>().join(" "),
            format!("2. {text}")
        );
        // A word longer than the line stays whole.
        assert_eq!(
            wrap("https://a.very.long.example/path", 10, "", ""),
            "https://a.very.long.example/path\n"
        );
    }

    #[test]
    fn advice_is_rendered_for_people() {
        let advice = PostureAdvice {
            verdict: Verdict::InGrace,
            headline: String::from("Needs fixing by Friday 4 December"),
            checks: vec![
                CheckAdvice {
                    check_id: String::from("screen_lock"),
                    status: CheckStatus::Fail,
                    status_words: String::from("Needs fixing by Friday 4 December"),
                    title: String::from("Screen lock"),
                    why: String::from("Why."),
                    steps: vec![String::from("First."), String::from("Second.")],
                    settings_target: Some(String::from("app-settings:")),
                    cannot_fix: Some(String::from("Call IT.")),
                    lesson_id: Some(String::from("screen-lock")),
                },
                CheckAdvice {
                    check_id: String::from("usb_debugging"),
                    status: CheckStatus::NotApplicable,
                    status_words: String::from("Doesn't apply to this phone"),
                    title: String::from("USB debugging"),
                    why: String::from("Why."),
                    steps: vec![],
                    settings_target: None,
                    cannot_fix: None,
                    lesson_id: None,
                },
            ],
        };
        assert_eq!(
            render_advice(&advice, 80),
            "Needs fixing by Friday 4 December\n\
             \n\
             * Screen lock: Needs fixing by Friday 4 December\n  \
             Why.\n  \
             1. First.\n  \
             2. Second.\n  \
             Settings screen the app opens: app-settings:\n  \
             If it can't be fixed: Call IT.\n  \
             Lesson: screen-lock\n\
             \n  \
             USB debugging: Doesn't apply to this phone\n"
        );
    }
}
