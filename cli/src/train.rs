//! Training on the simulated device: `frontline device … modules | install-bundle | train |
//! statements | summary`. `train` is interactive in a terminal (lesson, questions,
//! explanations) or scripted with `--answers 'q1=a;q2=b,c'` for tests and the demo.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use frontline_core::bundle::BundleKind;
use frontline_core::training::{QuizAnswer, QuizResult, TrainingModule};
use frontline_core::Companion;

use crate::{CliError, CliResult};

/// Arguments of `frontline device … train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The module id.
    pub module: String,
    /// Scripted answers instead of asking: `q1=a;q2=b,c` (unanswered questions count wrong).
    #[arg(long)]
    pub answers: Option<String>,
    /// With --answers, also print the lesson.
    #[arg(long)]
    pub show_lesson: bool,
    /// Write the xAPI statements this run queued to FILE (a JSON array, oldest first).
    #[arg(long)]
    pub statements_out: Option<PathBuf>,
}

/// `--publisher-key`: a JWK file's text if the value names a file, else the value itself
/// (base64url). The core checks it either way.
pub fn publisher_key_arg(value: &str) -> CliResult<String> {
    let path = Path::new(value);
    if path.is_file() {
        return crate::keys::read_key_file(path);
    }
    Ok(value.to_owned())
}

/// Parses `q1=a;q2=b,c` into answers.
pub fn parse_answers(text: &str) -> CliResult<Vec<QuizAnswer>> {
    text.split(';')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (q, opts) = part
                .split_once('=')
                .ok_or_else(|| CliError::Message(String::from("answers look like q1=a;q2=b,c")))?;
            Ok(QuizAnswer {
                question_id: q.trim().to_owned(),
                option_ids: opts
                    .split(',')
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned)
                    .collect(),
            })
        })
        .collect()
}

fn status_line(m: &TrainingModule) -> String {
    let due = m
        .due_at_ms
        .map(|d| format!(", refresher due {}", frontline_core::clock::format_date(d)))
        .unwrap_or_default();
    let score = m
        .last_score_percent
        .map(|s| format!(", last score {s}%"))
        .unwrap_or_default();
    format!(
        "{:<26} {:<11} {:<12} {:>2} min{score}{due}",
        m.id,
        m.audience.as_str(),
        m.status.as_str(),
        m.minutes
    )
}

/// `modules [--json]`.
pub fn modules(c: &Companion, json: bool) -> CliResult {
    let list = c.training_modules()?;
    if json {
        println!("{}", to_json(&list)?);
        return Ok(());
    }
    let pack = c.training_pack()?;
    println!("pack {} v{} ({:?})", pack.id, pack.version, pack.source);
    for m in &list {
        println!("{}", status_line(m));
    }
    let s = c.training_summary()?;
    println!(
        "current: {} of {} ({:.0}%), due {}, overdue {}",
        s.current,
        s.assigned,
        s.current_share * 100.0,
        s.due,
        s.overdue
    );
    Ok(())
}

/// `install-bundle FILE [--kind K]`.
pub fn install_bundle(c: &Companion, file: &Path, kind: Option<BundleKind>) -> CliResult {
    let bytes = std::fs::read(file).map_err(|source| CliError::Io {
        what: String::from("reading the bundle"),
        source,
    })?;
    let info = match kind {
        Some(kind) => c.install_bundle_of_kind(kind, &bytes)?,
        None => c.install_bundle(&bytes)?,
    };
    println!(
        "installed {} bundle version {} (key {})",
        info.kind.as_str(),
        info.version,
        info.key_id
    );
    Ok(())
}

/// `statements [--limit N]`: the most recent statements, newest first, as a JSON array.
pub fn statements(c: &Companion, limit: u32) -> CliResult {
    let list = recent(c, limit)?;
    println!("{}", to_json(&list)?);
    Ok(())
}

fn recent(c: &Companion, limit: u32) -> CliResult<Vec<serde_json::Value>> {
    c.recent_training_statements(limit)?
        .iter()
        .map(|s| serde_json::from_str(s).map_err(|e| CliError::Message(format!("statement: {e}"))))
        .collect()
}

fn to_json<T: serde::Serialize>(value: &T) -> CliResult<String> {
    serde_json::to_string_pretty(value).map_err(|e| CliError::Message(e.to_string()))
}

/// `train MODULE [--answers …]`.
pub fn train(c: &Companion, args: &TrainArgs) -> CliResult {
    let before: Vec<String> = c.recent_training_statements(u32::MAX)?;
    let detail = c.training_module(&args.module)?;
    let interactive = args.answers.is_none();
    if interactive || args.show_lesson {
        println!("{}\n", detail.lesson_markdown.trim_end());
        println!("Key points:");
        for kp in &detail.key_points {
            println!("  - {kp}");
        }
        println!();
    }
    c.lesson_viewed(&args.module)?;
    let answers = match &args.answers {
        Some(text) => parse_answers(text)?,
        None => ask(&detail)?,
    };
    let result = c.submit_quiz(&args.module, detail.pack_version, answers)?;
    print_result(&result);
    if let Some(out) = &args.statements_out {
        let mut new = recent(c, u32::MAX)?;
        new.truncate(new.len().saturating_sub(before.len()));
        new.reverse();
        std::fs::write(out, to_json(&new)?).map_err(|source| CliError::Io {
            what: String::from("writing the statements"),
            source,
        })?;
    }
    Ok(())
}

fn ask(detail: &frontline_core::training::TrainingModuleDetail) -> CliResult<Vec<QuizAnswer>> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut answers = Vec::new();
    println!(
        "Quiz: {} questions, pass mark {}%",
        detail.questions.len(),
        detail.pass_mark_percent
    );
    for (i, q) in detail.questions.iter().enumerate() {
        println!("\n{}. {}", i + 1, q.prompt);
        for o in &q.options {
            println!("   {}) {}", o.id, o.text);
        }
        let hint = match q.kind {
            frontline_core::training::QuestionKind::Single => "one option",
            frontline_core::training::QuestionKind::Multiple => "all that apply, e.g. a,c",
        };
        print!("Your answer ({hint}): ");
        std::io::stdout().flush().ok();
        let line = match lines.next() {
            Some(line) => line.map_err(|source| CliError::Io {
                what: String::from("reading the answer"),
                source,
            })?,
            None => String::new(),
        };
        let valid: Vec<&str> = q.options.iter().map(|o| o.id.as_str()).collect();
        answers.push(QuizAnswer {
            question_id: q.id.clone(),
            // Unknown letters are dropped here, so a typo counts as a wrong answer, not an error.
            option_ids: line
                .split([',', ' '])
                .map(str::trim)
                .filter(|o| valid.contains(o))
                .map(str::to_owned)
                .collect(),
        });
    }
    Ok(answers)
}

fn print_result(r: &QuizResult) {
    println!();
    for q in &r.per_question {
        let mark = if q.correct { "right" } else { "wrong" };
        println!(
            "{}: {mark} (you chose {}; correct: {})",
            q.question_id,
            if q.selected_option_ids.is_empty() {
                String::from("nothing")
            } else {
                q.selected_option_ids.join(",")
            },
            q.correct_option_ids.join(",")
        );
        for f in &q.feedback {
            println!("    {f}");
        }
        println!("    {}", q.explanation);
    }
    println!(
        "\nScore {}% ({} of {}), pass mark {}%: {}. Status: {}{}",
        r.score_percent,
        r.correct_count,
        r.question_count,
        r.pass_mark_percent,
        if r.passed { "PASSED" } else { "not passed" },
        r.status.as_str(),
        r.due_at_ms
            .map(|d| format!(", refresher due {}", frontline_core::clock::format_date(d)))
            .unwrap_or_default()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_answers_parse() {
        let a = parse_answers("q1=a; q2=b,c;;q3=").unwrap();
        assert_eq!(a.len(), 3);
        assert_eq!(a[1].option_ids, vec!["b", "c"]);
        assert!(a[2].option_ids.is_empty());
        assert!(parse_answers("q1").is_err());
    }
}
