//! `frontline demo`: the main job, end to end, on embedded defaults.
//!
//! A simulated device opens its encrypted store, takes training, checks its posture, queues
//! sealed reports while the collector is unreachable, and syncs them when it comes back.
//! Each stage is added here as the capability behind it lands.

use clap::Args;
use frontline_core::training::QuizAnswer;
use frontline_core::{Companion, CompanionConfig, StaffRole};

use crate::{device, CliError, CliResult};

/// Arguments of `frontline demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's temporary directory and print where it is.
    #[arg(long)]
    pub keep: bool,
}

/// Runs the demo.
pub fn run(args: DemoArgs) -> CliResult {
    let dir = tempfile::tempdir().map_err(|source| CliError::Io {
        what: String::from("creating a temporary directory"),
        source,
    })?;
    let device_dir = dir.path().join("device");
    println!("Frontline demo");
    println!("==============");
    let config = CompanionConfig::new("example-trust", "staff-7f3a", StaffRole::AllStaff);
    let companion = device::open_device(&device_dir, config.clone())?;
    println!(
        "1. Device store opened (schema v{}), data key wrapped by the (simulated) platform key store",
        companion.schema_version()
    );
    drop(companion);
    let again = device::open_device(&device_dir, config)?;
    println!("2. Reopened: the wrapped data key unwrapped and checked");
    training_stage(&again)?;
    if args.keep {
        let kept = dir.keep();
        println!("kept {}", kept.display());
    }
    println!("Demo finished.");
    Ok(())
}

/// Training: one module through lesson → failed quiz → passed quiz, with the statements queued.
fn training_stage(companion: &Companion) -> CliResult {
    let module = "phishing";
    let detail = companion.training_module(module)?;
    companion.lesson_viewed(module)?;
    println!(
        "3. Training: lesson \"{}\" viewed ({} min, {} questions, pass mark {}%)",
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
