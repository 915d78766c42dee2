//! `frontline device assess` and `frontline device report-incident`: the self-assessment and
//! incident reports from the terminal, driving the core exactly as an app would.
//!
//! `assess` starts (or resumes) the assessment, optionally after a posture check from a fact
//! file so the device's own answers are measured, applies `--answer QUESTION=OPTION` pairs
//! (or asks on standard input with `--ask`), and with `--submit` queues it and prints the
//! score, weakest area first, with why and the linked fix. `report-incident` files a report
//! that goes first on the next sync and prints the advice at once.

use std::io::BufRead;
use std::path::PathBuf;

use clap::Args;
use frontline_core::assessment::{AssessmentResult, AssessmentSession, AssessmentStanding};
use frontline_core::clock::{format_date, parse_rfc3339, rfc3339};
use frontline_core::incident::{FiledIncident, IncidentForm, IncidentKind};
use frontline_core::posture::{DeviceFacts, PostureTrigger};
use frontline_core::{Companion, Error};

use crate::{CliError, CliResult};

/// Arguments of `frontline device assess`.
#[derive(Debug, Args)]
pub struct AssessArgs {
    /// Run a posture check from this fact file first, so the device answers what it can.
    #[arg(long)]
    pub facts: Option<PathBuf>,
    /// The team (an id from the assessment's list) for the team benchmark.
    #[arg(long)]
    pub team: Option<String>,
    /// An answer, `QUESTION=OPTION` (repeatable).
    #[arg(long = "answer", value_parser = parse_answer)]
    pub answers: Vec<(String, String)>,
    /// Ask each open question on standard input (type the option id, or empty to skip).
    #[arg(long)]
    pub ask: bool,
    /// Submit when complete: stored, queued for the collector, scored.
    #[arg(long)]
    pub submit: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `frontline device report-incident`.
#[derive(Debug, Args)]
pub struct IncidentArgs {
    /// What happened: lost_or_stolen_device, phishing_clicked, phishing_entered_password,
    /// phishing_received, smartcard_shared_or_lost, data_sent_to_wrong_person,
    /// suspicious_call, other.
    #[arg(long)]
    pub kind: String,
    /// When it happened (RFC 3339, e.g. 2026-12-03T08:15:00Z); default now.
    #[arg(long)]
    pub when: Option<String>,
    /// What happened, in your words (at most 1,000 characters).
    #[arg(long, default_value = "")]
    pub text: String,
    /// Reporting for a colleague (their device or Smartcard).
    #[arg(long)]
    pub for_colleague: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

fn parse_answer(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((q, o)) if !q.is_empty() && !o.is_empty() => Ok((q.to_owned(), o.to_owned())),
        _ => Err(String::from("expected QUESTION=OPTION")),
    }
}

fn json_out<T: serde::Serialize>(value: &T) -> CliResult {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Message(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// Runs `frontline device assess`.
pub fn assess(companion: &Companion, args: &AssessArgs) -> CliResult {
    if let Some(path) = &args.facts {
        let bytes = std::fs::read(path).map_err(|source| CliError::Io {
            what: String::from("reading the fact file"),
            source,
        })?;
        companion.check_posture(DeviceFacts::from_json(&bytes)?, PostureTrigger::User)?;
    }
    let mut session = companion.start_assessment(args.team.clone())?;
    for (question, option) in &args.answers {
        session = companion.answer_assessment(question, option)?;
    }
    if args.ask {
        session = ask(companion, session)?;
    }
    if !args.submit {
        return if args.json {
            json_out(&session)
        } else {
            print!("{}", session_text(&session));
            Ok(())
        };
    }
    let result = companion.submit_assessment()?;
    let standing = companion.assessment_standing()?;
    if args.json {
        json_out(&serde_json::json!({ "result": result, "standing": standing }))
    } else {
        print!("{}", result_text(&result, standing.as_ref()));
        println!("Queued for the organisation (sealed); it is sent on the next sync.");
        Ok(())
    }
}

fn ask(companion: &Companion, mut session: AssessmentSession) -> CliResult<AssessmentSession> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let open: Vec<_> = session
        .questions
        .iter()
        .filter(|q| q.answer.is_none())
        .cloned()
        .collect();
    for q in open {
        println!("{}", q.prompt);
        for o in &q.options {
            println!("  [{}] {}", o.id, o.text);
        }
        let Some(line) = lines.next() else { break };
        let line = line.map_err(|source| CliError::Io {
            what: String::from("reading an answer"),
            source,
        })?;
        let choice = line.trim();
        if choice.is_empty() {
            continue;
        }
        match companion.answer_assessment(&q.id, choice) {
            Ok(s) => session = s,
            Err(e @ Error::AssessmentRefused(_)) => println!("  not saved: {e}"),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(session)
}

/// The questions and answers so far, in words.
pub fn session_text(session: &AssessmentSession) -> String {
    let measured = session.questions.iter().filter(|q| q.measured).count();
    let mut out = format!(
        "Self-assessment {} ({}), started {}: {} of {} answered, {} by this device\n",
        session.definition_id,
        session.definition_version,
        format_date(session.started_at_ms),
        session.result.answered,
        session.result.total,
        measured
    );
    for q in &session.questions {
        let answer = q
            .answer
            .as_ref()
            .and_then(|a| q.options.iter().find(|o| &o.id == a))
            .map_or_else(|| String::from("(not answered)"), |o| o.text.clone());
        out.push_str(&format!("- [{}] {}\n    {answer}", q.id, q.prompt));
        if let Some(evidence) = &q.evidence {
            out.push_str(&format!(" ({evidence})"));
        }
        out.push('\n');
    }
    out
}

/// The result, weakest area first, with why and the fix; then the standing if known.
pub fn result_text(result: &AssessmentResult, standing: Option<&AssessmentStanding>) -> String {
    let mut out = format!(
        "Overall: {}%\n",
        result
            .overall_percent
            .map_or_else(|| String::from("-"), |p| p.to_string())
    );
    for area in &result.areas {
        out.push_str(&format!(
            "{:<30} {:>4}  {}\n",
            area.title,
            area.score_percent
                .map_or_else(|| String::from("-"), |p| format!("{p}%")),
            area.band.map_or("", |b| b.as_str())
        ));
        for f in &area.findings {
            out.push_str(&format!("    - {} {}", f.prompt, f.answer));
            if let Some(e) = &f.evidence {
                out.push_str(&format!(" ({e})"));
            }
            out.push_str(&format!("\n      what good looks like: {}\n", f.advice));
            if let Some(lesson) = &f.lesson_id {
                out.push_str(&format!("      lesson: {lesson}"));
                if let Some(target) = f.settings_target.and_then(|t| t.android_action()) {
                    out.push_str(&format!("; fix: {target}"));
                }
                out.push('\n');
            }
        }
    }
    if let Some(s) = standing {
        out.push_str(&format!(
            "Compared with {} devices (benchmark of {}):\n",
            s.devices, s.benchmark_generated_at
        ));
        for a in &s.areas {
            out.push_str(&format!("    {}", a.words));
            if let Some(t) = &a.team_words {
                out.push_str(&format!(" {t}"));
            }
            out.push('\n');
        }
    }
    out
}

/// Builds the form from the arguments; an unknown kind or a bad time is a typed error.
pub fn incident_form(args: &IncidentArgs) -> CliResult<IncidentForm> {
    let kind = IncidentKind::parse(args.kind.trim()).map_err(Error::IncidentRefused)?;
    let occurred_at_ms = match &args.when {
        Some(text) => Some(parse_rfc3339(text).ok_or_else(|| {
            CliError::Message(String::from(
                "--when must be an RFC 3339 time, e.g. 2026-12-03T08:15:00Z",
            ))
        })?),
        None => None,
    };
    Ok(IncidentForm {
        kind,
        occurred_at_ms,
        description: args.text.clone(),
        on_behalf_of_colleague: args.for_colleague,
    })
}

/// The advice, in words.
pub fn filed_text(filed: &FiledIncident) -> String {
    let mut out = format!(
        "Incident {} recorded; it goes first on the next sync.\n{}{}\n",
        filed.incident_id,
        if filed.advice.urgent { "ACT NOW: " } else { "" },
        filed.advice.headline
    );
    for (i, step) in filed.advice.steps.iter().enumerate() {
        out.push_str(&format!("  {}. {step}\n", i + 1));
    }
    out.push_str(&filed.advice.contact);
    out.push('\n');
    out
}

/// Runs `frontline device report-incident`.
pub fn report_incident(companion: &Companion, args: &IncidentArgs) -> CliResult {
    let filed = companion.report_incident(incident_form(args)?)?;
    if args.json {
        json_out(&filed)
    } else {
        print!("{}", filed_text(&filed));
        Ok(())
    }
}

/// Runs `frontline device incidents`: the reports filed on this device.
pub fn incidents(companion: &Companion, json: bool) -> CliResult {
    let list = companion.incidents()?;
    if json {
        return json_out(&list);
    }
    if list.is_empty() {
        println!("No incidents reported from this device.");
    }
    for i in list {
        println!(
            "{}  {:<26}  happened {}  {}",
            i.incident_id,
            i.kind.as_str(),
            rfc3339(i.occurred_at_ms),
            if i.delivered {
                "delivered"
            } else {
                "waiting to send"
            }
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontline_core::incident::IncidentRefusal;
    use frontline_core::{CompanionConfig, StaffRole};

    fn device(dir: &std::path::Path) -> Companion {
        crate::device::open_device(
            dir,
            CompanionConfig::new("example-trust", "staff-0001", StaffRole::AllStaff),
        )
        .unwrap()
    }

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/devices")
            .join(name)
    }

    fn incident_args(kind: &str, text: &str) -> IncidentArgs {
        IncidentArgs {
            kind: kind.to_owned(),
            when: None,
            text: text.to_owned(),
            for_colleague: false,
            json: false,
        }
    }

    #[test]
    fn unknown_kind_and_long_text_are_typed_errors_and_nothing_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let c = device(dir.path());
        let err = report_incident(&c, &incident_args("alien_abduction", "")).unwrap_err();
        assert!(matches!(
            err,
            CliError::Core(Error::IncidentRefused(IncidentRefusal::UnknownKind))
        ));
        let err = report_incident(&c, &incident_args("other", &"x".repeat(1001))).unwrap_err();
        assert!(matches!(
            err,
            CliError::Core(Error::IncidentRefused(
                IncidentRefusal::DescriptionTooLong { .. }
            ))
        ));
        assert!(c.incidents().unwrap().is_empty());
        assert_eq!(c.outbox_status().unwrap().pending, 0);
        report_incident(&c, &incident_args("lost_or_stolen_device", "on the bus")).unwrap();
        assert_eq!(c.incidents().unwrap().len(), 1);
    }

    #[test]
    fn assess_on_the_rooted_phone_prints_the_device_area_first_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let c = device(dir.path());
        let mut args = AssessArgs {
            facts: Some(fixture("rooted-phone.json")),
            team: None,
            answers: Vec::new(),
            ask: false,
            submit: false,
            json: false,
        };
        assess(&c, &args).unwrap();
        // Everything the device did not measure, answered best; then submit.
        let session = c.current_assessment().unwrap().unwrap();
        let def = c.assessment_definition().unwrap();
        args.facts = None;
        args.submit = true;
        args.answers = session
            .questions
            .iter()
            .filter(|q| !q.measured)
            .map(|q| {
                let question = def.question(&q.id).unwrap();
                let best = question.options.iter().max_by_key(|o| o.score).unwrap();
                (q.id.clone(), best.id.clone())
            })
            .collect();
        assess(&c, &args).unwrap();
        let result = c.latest_assessment_result().unwrap().unwrap();
        let text = result_text(&result, None);
        let first_area = text.lines().nth(1).unwrap();
        assert!(
            first_area.starts_with("Device and screen locking"),
            "{text}"
        );
        assert!(first_area.contains("weak"), "{text}");
        assert!(text.contains("checked by this device"), "{text}");
        assert!(text.contains("lesson: mobile-device"), "{text}");
        assert_eq!(
            c.outbox_status().unwrap().pending,
            2,
            "posture + assessment"
        );
    }

    #[test]
    fn filed_text_names_the_desk_and_the_steps() {
        let dir = tempfile::tempdir().unwrap();
        let c = device(dir.path());
        let filed = c
            .report_incident(
                incident_form(&incident_args("phishing_entered_password", "")).unwrap(),
            )
            .unwrap();
        let text = filed_text(&filed);
        assert!(text.contains("ACT NOW: Change your NHSmail password now"));
        assert!(text.contains("  1. "));
        assert!(text.contains("your IT service desk"));
    }
}
