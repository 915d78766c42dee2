//! `frontline demo`: the main job, end to end, on embedded defaults.
//!
//! A simulated device opens its encrypted store, enrols with a collector running on loopback,
//! takes training, checks its posture, queues sealed reports while the collector is
//! unreachable (among them a self-assessment and an incident report filed for a colleague whose
//! phone was lost), and syncs them when it comes back, the incident first; then the collector
//! prints what the IT team sees. Each stage is added here as the capability behind it lands.
//!
//! The device runs on a simulated clock (starting at the real time) so the demo can skip the
//! sync back-off after the network loss instead of waiting for it.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use frontline_collector::db::Db;
use frontline_collector::driver::{self, HttpDriver, SyncRun};
use frontline_collector::report::CollectorReport;
use frontline_collector::{Collector, CollectorConfig, OrgReportKey, RunningCollector};
use frontline_core::clock::{Clock, SystemClock, DAY_MS};
use frontline_core::posture::{DeviceFacts, PostureTrigger};
use frontline_core::training::QuizAnswer;
use frontline_core::{Companion, CompanionConfig, ManualClock, SoftwareKeyStore, StaffRole};

use crate::{keys, CliError, CliResult};

/// Arguments of `frontline demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's temporary directory and print where it is.
    #[arg(long)]
    pub keep: bool,
}

/// The enrolment token the demo's collector expects.
const DEMO_TOKEN: &str = "demo-enrolment-token";

/// A device's facts on a day when developer options and USB debugging were switched on (a
/// routine check); the security patch is ten days old on the device's clock.
fn facts_developer_options_on(now_ms: i64) -> String {
    let patch = frontline_core::clock::format_date(now_ms - 10 * DAY_MS);
    format!(
        r#"{{
        "platform": "android", "os_version": "14", "security_patch": "{patch}",
        "secure_lock_screen": true, "lock_complexity": "high",
        "storage_encryption": "active_per_user", "developer_options": true,
        "usb_debugging": true, "unknown_sources": false, "root_signals": [],
        "managed_by_mdm": true
    }}"#
    )
}

fn message(e: impl std::fmt::Display) -> CliError {
    CliError::Message(e.to_string())
}

fn start_collector(
    db: &Path,
    org: &OrgReportKey,
    listen: SocketAddr,
) -> CliResult<RunningCollector> {
    let mut config = CollectorConfig::new(db, org.clone(), DEMO_TOKEN);
    config.listen = listen;
    Ok(Collector::start(config)?)
}

fn progress_bar(done: u64, total: u64) -> String {
    const WIDTH: u64 = 30;
    let filled = (done.min(total) * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH);
    format!(
        "[{}{}] {done}/{total}",
        "#".repeat(filled as usize),
        "-".repeat((WIDTH - filled) as usize)
    )
}

/// Runs the demo.
pub fn run(args: DemoArgs) -> CliResult {
    let dir = tempfile::tempdir().map_err(|source| CliError::Io {
        what: String::from("creating a temporary directory"),
        source,
    })?;
    let result = run_in(dir.path());
    if args.keep {
        let kept = dir.keep();
        println!("kept {}", kept.display());
    }
    result
}

fn run_in(root: &Path) -> CliResult {
    println!("Frontline demo");
    println!("==============");

    // The organisation: keys and a collector on loopback.
    let key_dir = root.join("org-keys");
    let generated = keys::generate(&key_dir, false)?;
    let org = generated.org_report;
    println!(
        "1. Organisation keys generated: publisher (Ed25519) kid {}, report key (X25519) kid {}",
        generated.publisher_public.kid,
        org.kid()
    );
    let db_path = root.join("collector.db");
    let collector = start_collector(&db_path, &org, SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = collector.addr();
    println!(
        "2. Collector listening on {} (SQLite in a temporary directory)",
        collector.url()
    );

    // The device: its encrypted store, configured as the MDM would configure it.
    let device_dir = root.join("device");
    std::fs::create_dir_all(&device_dir).map_err(|source| CliError::Io {
        what: String::from("creating the data directory"),
        source,
    })?;
    let mut config = CompanionConfig::new("example-trust", "staff-7f3a", StaffRole::AllStaff);
    config.collector_url = Some(collector.url());
    config.enrolment_token = Some(String::from(DEMO_TOKEN));
    config.org_report_key = Some(org.to_public_jwk().map_err(message)?.to_json());
    let key_store = SoftwareKeyStore::from_file(&device_dir.join("simulated-keystore.key"))?;
    let clock = Arc::new(ManualClock::new(SystemClock.now_ms()));
    let mut companion =
        Companion::open_with_clock(&device_dir, config, Arc::new(key_store), clock.clone())?;
    println!(
        "3. Device store opened (schema v{}), data key wrapped by the (simulated) platform key store",
        companion.schema_version()
    );
    let http = HttpDriver::new(Duration::from_secs(10));
    let enrolled = driver::enrol(&companion, &http)?;
    if !enrolled.enrolled {
        return Err(CliError::Message(String::from(
            "the collector refused the enrolment",
        )));
    }
    println!("4. Device enrolled with the collector (its Ed25519 identity key registered)");

    training_stage(&companion)?;
    crate::posture::demo_mdm_check(&mut companion)?;

    let first = sync_with_progress(&companion, &http, "7. Syncing")?;
    println!("   delivered {} report(s) so far", first.delivered);

    // The network goes away; reports keep coming and wait, sealed, in the outbox.
    collector.stop();
    println!("8. Network lost: the collector is unreachable");
    clock.advance(DAY_MS);
    let facts = DeviceFacts::from_json(facts_developer_options_on(companion.now_ms()).as_bytes())?;
    let report = companion.check_posture(facts, PostureTrigger::Schedule)?;
    let flagged: Vec<String> = report
        .checks
        .iter()
        .filter(|c| c.status.as_str() != "pass")
        .map(|c| format!("{} {}", c.check_id, c.status.as_str()))
        .collect();
    println!(
        "   next day, scheduled posture check: {} ({})",
        report.verdict.as_str(),
        flagged.join(", ")
    );
    let offline = driver::sync(&companion, &http, 5, |_| {})?;
    let status = companion.outbox_status()?;
    println!(
        "   sync attempt: {} request(s) without an answer; {} report(s) wait sealed to the organisation key",
        offline.transport_failures, status.pending
    );
    if let Some(retry_at) = offline.retry_at {
        println!(
            "   the device backs off for {} s before it tries again",
            (retry_at - companion.now_ms()).max(0) / 1000
        );
    }

    assessment_stage(&companion)?;
    incident_stage(&companion)?;

    // The network comes back: same address, same database.
    let collector = start_collector(&db_path, &org, addr)?;
    if let Some(retry_at) = companion.outbox_status()?.next_attempt_at {
        clock.set(retry_at + 1);
    }
    println!(
        "9. Network back (collector restarted on {}); back-off elapsed (simulated clock)",
        collector.url()
    );
    let first_delivered = first_request_carries_the_incident(&companion, &http)?;
    let second = sync_with_progress(&companion, &http, "   Syncing")?;
    let status = companion.outbox_status()?;
    println!(
        "   delivered {} report(s); {} waiting, {} dead-lettered",
        u64::from(first_delivered) + second.delivered,
        status.pending,
        status.dead
    );
    collector.stop();

    // What the IT team sees.
    let db = Db::open_existing(&db_path)?;
    let report = CollectorReport::from_db(&db)?;
    println!("10. What the collector now knows (frontline collector report):");
    println!();
    for line in report.to_text().lines() {
        println!("   {line}");
    }
    println!();
    println!("Demo finished.");
    Ok(())
}

/// Syncs until nothing is due, drawing a progress bar over the reports that were waiting
/// (redrawn in place on a terminal, printed once when the output is a file or a pipe).
fn sync_with_progress(companion: &Companion, http: &HttpDriver, label: &str) -> CliResult<SyncRun> {
    let total = companion.outbox_status()?.pending;
    if total == 0 {
        println!("{label}: nothing waiting");
        return Ok(driver::sync(companion, http, 10_000, |_| {})?);
    }
    let live = std::io::stdout().is_terminal();
    let draw = |done: u64| {
        print!("\r{label} {}", progress_bar(done, total));
        let _ = std::io::stdout().flush();
    };
    if live {
        draw(0);
    }
    let run = driver::sync(companion, http, 10_000, |run| {
        if live {
            draw(run.delivered);
        }
    })?;
    if live {
        draw(run.delivered);
        println!();
    } else {
        println!("{label} {}", progress_bar(run.delivered, total));
    }
    Ok(run)
}

/// Offline, the member of staff takes the self-assessment: the device answers what it knows.
fn assessment_stage(companion: &Companion) -> CliResult {
    let session = companion.start_assessment(None)?;
    let measured = session.questions.iter().filter(|q| q.measured).count();
    // The demo member of staff picks the first option (the best one in the default set).
    for q in session.questions.iter().filter(|q| !q.measured) {
        if let Some(first) = q.options.first() {
            companion.answer_assessment(&q.id, &first.id)?;
        }
    }
    let result = companion.submit_assessment()?;
    let weakest = result
        .areas
        .first()
        .ok_or_else(|| CliError::Message(String::from("assessment without areas")))?;
    println!(
        "   self-assessment offline: {} questions, {} answered by the device; overall {}%",
        result.total,
        measured,
        result.overall_percent.unwrap_or(0)
    );
    if let Some(finding) = weakest.findings.first() {
        println!(
            "   weakest area: {} {}% ({}: {}; lesson {})",
            weakest.title,
            weakest.score_percent.unwrap_or(0),
            finding.prompt,
            finding.evidence.as_deref().unwrap_or(&finding.answer),
            finding.lesson_id.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

/// Still offline, a nurse's phone is lost: a colleague's device files the report.
fn incident_stage(companion: &Companion) -> CliResult {
    let filed = companion.report_incident(frontline_core::incident::IncidentForm {
        kind: frontline_core::incident::IncidentKind::LostOrStolenDevice,
        occurred_at_ms: Some(companion.now_ms() - 20 * 60 * 1000),
        description: String::from("Ward 7 nurse's phone not found after the night shift"),
        on_behalf_of_colleague: true,
    })?;
    println!("   a nurse's phone is lost: a colleague's device files an incident report, offline");
    println!("   advice shown at once: {}", filed.advice.headline);
    println!(
        "   {} report(s) wait; the incident is queued to go first",
        companion.outbox_status()?.pending
    );
    Ok(())
}

/// Sends the first request after the network is back and shows that it leads with the incident.
fn first_request_carries_the_incident(companion: &Companion, http: &HttpDriver) -> CliResult<u32> {
    let Some(request) = companion.next_sync_request()? else {
        return Err(CliError::Message(String::from("nothing to send")));
    };
    let body: serde_json::Value = serde_json::from_slice(&request.body).map_err(message)?;
    let kinds: Vec<&str> = body["envelopes"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default();
    println!(
        "   first request after the network came back: {} envelope(s), the first: {}",
        kinds.len(),
        kinds.first().copied().unwrap_or("none")
    );
    let outcome = match http.send(&request) {
        Ok(response) => companion.handle_sync_response(&request.id, response)?,
        Err(failure) => companion.handle_sync_failure(&request.id, failure)?,
    };
    Ok(outcome.delivered)
}

/// Training: one module through lesson → failed quiz → passed quiz, with the statements queued.
fn training_stage(companion: &Companion) -> CliResult {
    let module = "phishing";
    let detail = companion.training_module(module)?;
    companion.lesson_viewed(module)?;
    println!(
        "5. Training: lesson \"{}\" viewed ({} min, {} questions, pass mark {}%)",
        detail.module.title,
        detail.module.minutes,
        detail.questions.len(),
        detail.pass_mark_percent
    );
    // The demo learner knows the answers from the built-in pack; an app would ask.
    let pack = frontline_core::training::built_in_pack()?;
    let quiz = &pack
        .module(module)
        .ok_or_else(|| CliError::Message(String::from("demo module missing")))?
        .quiz;
    let answer = |right: bool| -> Vec<QuizAnswer> {
        quiz.questions
            .iter()
            .enumerate()
            .map(|(i, q)| QuizAnswer {
                question_id: q.id.clone(),
                // First try: only the first half answered correctly.
                option_ids: if right || i < quiz.questions.len() / 2 {
                    q.correct.clone()
                } else {
                    Vec::new()
                },
            })
            .collect()
    };
    let first = companion.submit_quiz(module, detail.pack_version, answer(false))?;
    println!(
        "   first attempt: {}% (pass mark {}%) -> {}; the explanations are shown",
        first.score_percent,
        first.pass_mark_percent,
        if first.passed { "passed" } else { "not passed" }
    );
    let second = companion.submit_quiz(module, detail.pack_version, answer(true))?;
    println!(
        "   second attempt: {}% -> {}, status {}, refresher due {}",
        second.score_percent,
        if second.passed {
            "passed"
        } else {
            "not passed"
        },
        second.status.as_str(),
        second
            .due_at_ms
            .map(frontline_core::clock::format_date)
            .unwrap_or_default()
    );
    let verbs: Vec<String> = companion
        .recent_training_statements(20)?
        .iter()
        .rev()
        .filter_map(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        .filter_map(|s| s["verb"]["display"]["en-GB"].as_str().map(str::to_owned))
        .collect();
    let summary = companion.training_summary()?;
    println!(
        "   xAPI statements queued in the outbox: {}; training current: {} of {} modules",
        verbs.join(", "),
        summary.current,
        summary.assigned
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_bar_fills_in_proportion() {
        assert_eq!(progress_bar(0, 4), format!("[{}] 0/4", "-".repeat(30)));
        assert_eq!(
            progress_bar(2, 4),
            format!("[{}{}] 2/4", "#".repeat(15), "-".repeat(15))
        );
        assert_eq!(progress_bar(9, 4), format!("[{}] 9/4", "#".repeat(30)));
        assert_eq!(progress_bar(0, 0), format!("[{}] 0/0", "#".repeat(30)));
    }

    #[test]
    fn the_demo_runs_and_the_collector_stores_every_report_once() {
        let dir = tempfile::tempdir().unwrap();
        run_in(dir.path()).unwrap();
        let db = Db::open_existing(&dir.path().join("collector.db")).unwrap();
        let report = CollectorReport::from_db(&db).unwrap();
        assert_eq!(report.totals.devices, 1);
        // Two posture reports (the MDM-requested one and the offline scheduled one) and the
        // training statements, each stored once.
        assert_eq!(
            report.totals.reports_by_kind.get("posture_report"),
            Some(&2)
        );
        assert!(report
            .totals
            .reports_by_kind
            .get("training_statement")
            .is_some_and(|n| *n >= 3));
        assert_eq!(report.latest_by_device[0].reports, report.totals.reports);
        // The latest posture report is the offline one: developer options on is a warning.
        let developer = report
            .compliance_by_check
            .iter()
            .find(|c| c.check_id == "developer_options")
            .unwrap();
        assert_eq!((developer.warn, developer.pass), (1, 0));
        // The offline self-assessment and the incident, each stored once.
        assert_eq!(report.totals.reports_by_kind.get("assessment"), Some(&1));
        assert_eq!(report.totals.reports_by_kind.get("incident"), Some(&1));
        let phishing = report
            .training_by_module
            .iter()
            .find(|m| m.module_id == "phishing");
        assert_eq!(phishing.map(|m| m.passed), Some(1));
    }
}
