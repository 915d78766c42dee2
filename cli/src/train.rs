//! Training on the simulated device: `frontline device … modules | install-bundle | train |
//! statements | summary`. `train` is interactive in a terminal or scripted with
//! `--answers 'q1=a;q2=b,c'` for tests and the demo.
//!
//! Interactive, it works as a learner on a phone needs it to: the lesson rendered and wrapped
//! to the terminal, a pause before the quiz, each answer read leniently (`A`, ` a `, `a, c`,
//! `A C`) and asked again when it names no option, feedback on each question as soon as it is
//! answered (the chosen option's own feedback, and the right answer's explanation when wrong),
//! and a retry that starts at the quiz, not the lesson.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use frontline_core::bundle::BundleKind;
use frontline_core::training::{
    QuestionKind, QuestionResult, QuizAnswer, QuizQuestion, QuizResult, TrainingModule,
    TrainingModuleDetail,
};
use frontline_core::Companion;

use crate::terminal::Layout;
use crate::{CliError, CliResult};

/// Arguments of `frontline device … train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The module id.
    pub module: String,
    /// Scripted answers instead of asking: `q1=a;q2=b,c` (letters in any case, separated by
    /// commas or spaces; an unanswered question counts wrong; a letter that is not an option
    /// is refused).
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

/// Parses `q1=a;q2=b,c` into answers, as given (checked against the quiz by
/// [`scripted_answers`]).
pub fn parse_answers(text: &str) -> CliResult<Vec<(String, String)>> {
    text.split(';')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (q, opts) = part
                .split_once('=')
                .ok_or_else(|| CliError::Message(String::from("answers look like q1=a;q2=b,c")))?;
            Ok((q.trim().to_ascii_lowercase(), opts.to_owned()))
        })
        .collect()
}

/// Scripted answers checked against the quiz: a question the module does not have, or a
/// letter that is not one of the question's options, is refused with the valid ones named.
/// An empty answer (`q3=`) stays empty and counts wrong, like a question left out.
pub fn scripted_answers(text: &str, detail: &TrainingModuleDetail) -> CliResult<Vec<QuizAnswer>> {
    parse_answers(text)?
        .into_iter()
        .map(|(question_id, given)| {
            let question = detail
                .questions
                .iter()
                .find(|q| q.id == question_id)
                .ok_or_else(|| {
                    let ids: Vec<&str> = detail.questions.iter().map(|q| q.id.as_str()).collect();
                    CliError::Message(format!(
                        "{question_id} is not a question of this module; its questions are {}",
                        or_list(&ids, "and")
                    ))
                })?;
            let option_ids = if given.trim().is_empty() {
                Vec::new()
            } else {
                parse_choice(&given, question)
                    .map_err(|why| CliError::Message(format!("{question_id}: {why}")))?
            };
            Ok(QuizAnswer {
                question_id,
                option_ids,
            })
        })
        .collect()
}

/// Reads one answer to `question` the way people type it: any case, letters separated by
/// commas and/or spaces, `a)` or `(a)` as well as `a`, and `ac` for `a, c` when the options
/// are single letters. Returns the option ids in the quiz's order, or why the answer cannot
/// be taken (to be shown before asking again).
pub fn parse_choice(line: &str, question: &QuizQuestion) -> Result<Vec<String>, String> {
    let ids: Vec<&str> = question.options.iter().map(|o| o.id.as_str()).collect();
    let valid = or_list(&ids, "or");
    let lowered = line.to_lowercase();
    let mut picked: Vec<&str> = Vec::new();
    for token in lowered.split(|c: char| c == ',' || c == ';' || c.is_whitespace()) {
        let token = token.trim_matches(|c: char| "()[].:".contains(c));
        if token.is_empty() {
            continue;
        }
        if let Some(id) = ids.iter().find(|id| **id == token) {
            picked.push(id);
            continue;
        }
        // `ac` for `a, c`, when every character is an option of its own.
        let letters: Option<Vec<&str>> = token
            .chars()
            .map(|ch| {
                ids.iter()
                    .find(|id| id.chars().eq(std::iter::once(ch)))
                    .copied()
            })
            .collect();
        match letters {
            Some(found) if token.chars().count() > 1 => picked.extend(found),
            _ => {
                return Err(format!(
                    "\"{token}\" is not one of the options; type {valid}."
                ))
            }
        }
    }
    if picked.is_empty() {
        return Err(format!("no answer given; type {valid}."));
    }
    let chosen: Vec<String> = ids
        .iter()
        .filter(|id| picked.contains(id))
        .map(|id| (*id).to_owned())
        .collect();
    if question.kind == QuestionKind::Single && chosen.len() > 1 {
        return Err(format!("choose one option only: {valid}."));
    }
    Ok(chosen)
}

/// `a, b, c or d`.
fn or_list(items: &[&str], last_joint: &str) -> String {
    match items {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [rest @ .., last] => format!("{} {last_joint} {last}", rest.join(", ")),
    }
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

/// `train MODULE [--answers …]`, on the process's terminal.
pub fn train(c: &Companion, args: &TrainArgs) -> CliResult {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut learner = Learner {
        input: &mut input,
        // Typed answers are echoed by the terminal; piped ones are echoed here, so a transcript
        // of a scripted run reads like a session.
        echo: !std::io::stdin().is_terminal(),
    };
    train_with(c, args, &mut learner, &mut out, Layout::stdout())
}

/// Where answers come from: a terminal, or piped text to be echoed.
pub struct Learner<'a> {
    /// The lines typed or piped.
    pub input: &'a mut dyn BufRead,
    /// Whether to write each line read to the output (piped input is not echoed otherwise).
    pub echo: bool,
}

impl Learner<'_> {
    /// One line of input, echoed if asked; `None` at the end of input.
    fn line(&mut self, out: &mut dyn Write) -> CliResult<Option<String>> {
        let mut line = String::new();
        let n = self
            .input
            .read_line(&mut line)
            .map_err(|source| CliError::Io {
                what: String::from("reading the answer"),
                source,
            })?;
        if n == 0 {
            return Ok(None);
        }
        if self.echo {
            writeln!(out, "{}", line.trim_end()).map_err(write_err)?;
        }
        Ok(Some(line))
    }
}

fn write_err(source: std::io::Error) -> CliError {
    CliError::Io {
        what: String::from("writing to the terminal"),
        source,
    }
}

/// `train` with its input, output and layout given (the terminal, or a test's buffers).
pub fn train_with(
    c: &Companion,
    args: &TrainArgs,
    learner: &mut Learner<'_>,
    out: &mut dyn Write,
    layout: Layout,
) -> CliResult {
    let before: Vec<String> = c.recent_training_statements(u32::MAX)?;
    let detail = c.training_module(&args.module)?;
    // Scripted answers are checked before anything is recorded.
    let scripted = args
        .answers
        .as_deref()
        .map(|text| scripted_answers(text, &detail))
        .transpose()?;
    if scripted.is_none() || args.show_lesson {
        show_lesson(out, layout, &detail).map_err(write_err)?;
        show_contacts(out, layout, c).map_err(write_err)?;
    }
    c.lesson_viewed(&args.module)?;
    match scripted {
        Some(answers) => {
            let result = c.submit_quiz(&args.module, detail.pack_version, answers)?;
            for (question, r) in detail.questions.iter().zip(&result.per_question) {
                writeln!(out).map_err(write_err)?;
                write_question(out, layout, question, None).map_err(write_err)?;
                write_feedback(out, layout, question, r).map_err(write_err)?;
            }
            write_result(out, layout, &result).map_err(write_err)?;
        }
        None => interactive(c, &detail, learner, out, layout)?,
    }
    if let Some(path) = &args.statements_out {
        let mut new = recent(c, u32::MAX)?;
        new.truncate(new.len().saturating_sub(before.len()));
        new.reverse();
        std::fs::write(path, to_json(&new)?).map_err(|source| CliError::Io {
            what: String::from("writing the statements"),
            source,
        })?;
    }
    Ok(())
}

fn show_lesson(
    out: &mut dyn Write,
    layout: Layout,
    d: &TrainingModuleDetail,
) -> std::io::Result<()> {
    writeln!(out, "{}\n", layout.markdown(&d.lesson_markdown))?;
    writeln!(out, "Key points")?;
    for kp in &d.key_points {
        writeln!(out, "{}", layout.wrap(kp, "  • ", "    "))?;
    }
    writeln!(out)
}

/// The organisation's contacts from managed configuration, when it set any: lessons refer to
/// "your IT service desk" and "your IG lead or DPO", and this is where the learner finds them.
fn show_contacts(out: &mut dyn Write, layout: Layout, c: &Companion) -> std::io::Result<()> {
    let contacts = c.organisation_contacts();
    let lines: Vec<String> = [
        ("IT service desk", &contacts.it_service_desk_phone),
        ("IT service desk online", &contacts.it_service_desk_url),
        (
            "IG lead or Data Protection Officer",
            &contacts.ig_lead_contact,
        ),
    ]
    .iter()
    .filter_map(|(what, value)| value.as_deref().map(|v| format!("{what}: {v}")))
    .collect();
    if lines.is_empty() {
        return Ok(());
    }
    let heading = match &contacts.org_name {
        Some(name) => format!("Who to tell at {name}"),
        None => String::from("Who to tell"),
    };
    writeln!(out, "{}", layout.wrap(&heading, "", ""))?;
    for line in lines {
        writeln!(out, "{}", layout.wrap(&line, "  • ", "    "))?;
    }
    writeln!(out)
}

const STOPPED: &str = "the quiz stopped before the last answer; no attempt was recorded";

/// The quiz, asked one question at a time, until passed or the learner stops.
fn interactive(
    c: &Companion,
    detail: &TrainingModuleDetail,
    learner: &mut Learner<'_>,
    out: &mut dyn Write,
    layout: Layout,
) -> CliResult {
    let total = detail.questions.len();
    writeln!(
        out,
        "{}",
        layout.wrap(
            &format!(
                "Quiz: {total} questions, pass mark {}%.",
                detail.pass_mark_percent
            ),
            "",
            ""
        )
    )
    .map_err(write_err)?;
    write!(out, "Press Enter to start the quiz. ").map_err(write_err)?;
    out.flush().map_err(write_err)?;
    if learner.line(out)?.is_none() {
        return Err(CliError::Message(String::from(STOPPED)));
    }
    loop {
        let mut answers = Vec::with_capacity(total);
        for (i, question) in detail.questions.iter().enumerate() {
            writeln!(out).map_err(write_err)?;
            write_question(out, layout, question, Some((i + 1, total))).map_err(write_err)?;
            let option_ids = ask(learner, out, question)?;
            let answer = QuizAnswer {
                question_id: question.id.clone(),
                option_ids,
            };
            let judged = c.answer_feedback(&detail.module.id, detail.pack_version, &answer)?;
            write_feedback(out, layout, question, &judged).map_err(write_err)?;
            answers.push(answer);
        }
        let result = c.submit_quiz(&detail.module.id, detail.pack_version, answers)?;
        write_result(out, layout, &result).map_err(write_err)?;
        if result.passed {
            return Ok(());
        }
        write!(
            out,
            "\n{} ",
            layout.wrap(
                "Press Enter to try the quiz again (the lesson stays above), or type q to stop:",
                "",
                ""
            )
        )
        .map_err(write_err)?;
        out.flush().map_err(write_err)?;
        match learner.line(out)? {
            Some(line) if !line.trim().eq_ignore_ascii_case("q") => continue,
            _ => return Ok(()),
        }
    }
}

/// Reads answers until one names the question's options.
fn ask(
    learner: &mut Learner<'_>,
    out: &mut dyn Write,
    question: &QuizQuestion,
) -> CliResult<Vec<String>> {
    let hint = match question.kind {
        QuestionKind::Single => "one letter",
        QuestionKind::Multiple => "all that apply, e.g. a c",
    };
    loop {
        write!(out, "Your answer ({hint}): ").map_err(write_err)?;
        out.flush().map_err(write_err)?;
        let Some(line) = learner.line(out)? else {
            writeln!(out).map_err(write_err)?;
            return Err(CliError::Message(String::from(STOPPED)));
        };
        match parse_choice(&line, question) {
            Ok(chosen) => return Ok(chosen),
            Err(why) => writeln!(out, "Sorry, {why}").map_err(write_err)?,
        }
    }
}

fn write_question(
    out: &mut dyn Write,
    layout: Layout,
    q: &QuizQuestion,
    number: Option<(usize, usize)>,
) -> std::io::Result<()> {
    if let Some((n, total)) = number {
        writeln!(out, "Question {n} of {total}")?;
    }
    writeln!(out, "{}", layout.wrap(&q.prompt, "", ""))?;
    for o in &q.options {
        let marker = format!("  {}) ", o.id);
        let hang = " ".repeat(marker.chars().count());
        writeln!(out, "{}", layout.wrap(&o.text, &marker, &hang))?;
    }
    Ok(())
}

/// What the learner sees right after answering: right or not, the chosen options' own
/// feedback, and, when wrong, the right answer with its explanation.
fn write_feedback(
    out: &mut dyn Write,
    layout: Layout,
    q: &QuizQuestion,
    r: &QuestionResult,
) -> std::io::Result<()> {
    let text_of = |id: &str| {
        q.options
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.text.as_str())
            .unwrap_or_default()
    };
    let verdict = if r.correct { "Right." } else { "Not right." };
    let chose = if r.selected_option_ids.is_empty() {
        String::from("No answer.")
    } else {
        let ids: Vec<&str> = r.selected_option_ids.iter().map(String::as_str).collect();
        format!("You chose {}.", or_list(&ids, "and"))
    };
    writeln!(
        out,
        "{}",
        layout.wrap(&format!("{verdict} {chose}"), "", "")
    )?;
    for f in &r.feedback {
        writeln!(out, "{}", layout.wrap(f, "  ", "  "))?;
    }
    if !r.correct {
        let label = if r.correct_option_ids.len() == 1 {
            "The right answer:"
        } else {
            "The right answers:"
        };
        writeln!(out, "{label}")?;
        for id in &r.correct_option_ids {
            let marker = format!("  {id}) ");
            let hang = " ".repeat(marker.chars().count());
            writeln!(out, "{}", layout.wrap(text_of(id), &marker, &hang))?;
        }
    }
    writeln!(
        out,
        "{}",
        layout.wrap(&format!("Why: {}", r.explanation), "", "")
    )
}

fn write_result(out: &mut dyn Write, layout: Layout, r: &QuizResult) -> std::io::Result<()> {
    let line = format!(
        "Score {}% ({} of {}), pass mark {}%: {}. Status: {}{}",
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
    writeln!(out, "\n{}", layout.wrap(&line, "", ""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontline_core::training::QuizChoice;

    fn question(kind: QuestionKind) -> QuizQuestion {
        QuizQuestion {
            id: String::from("q1"),
            kind,
            prompt: String::from("Which?"),
            options: ["a", "b", "c", "d"]
                .iter()
                .map(|id| QuizChoice {
                    id: (*id).to_owned(),
                    text: format!("Option {id}"),
                })
                .collect(),
        }
    }

    #[test]
    fn answers_are_read_in_any_case_with_spaces_and_commas() {
        let single = question(QuestionKind::Single);
        for typed in ["A", " a ", "a\n", "(b)", "B)", "c."] {
            let got = parse_choice(typed, &single).unwrap();
            assert_eq!(got.len(), 1, "{typed:?}");
        }
        assert_eq!(parse_choice("A\n", &single).unwrap(), vec!["a"]);
        let multiple = question(QuestionKind::Multiple);
        for typed in ["a, c", "A C", "c,a", "a,,c", "AC", " c ; a ", "a c a"] {
            assert_eq!(
                parse_choice(typed, &multiple).unwrap(),
                vec!["a", "c"],
                "{typed:?}"
            );
        }
    }

    #[test]
    fn an_answer_naming_no_option_says_which_letters_are_valid() {
        let single = question(QuestionKind::Single);
        let e = parse_choice("e", &single).unwrap_err();
        assert!(e.contains("\"e\"") && e.contains("a, b, c or d"), "{e}");
        let e = parse_choice("  ", &single).unwrap_err();
        assert!(e.contains("no answer") && e.contains("a, b, c or d"), "{e}");
        let e = parse_choice("a b", &single).unwrap_err();
        assert!(e.contains("one option only"), "{e}");
        // A typo among good letters refuses the whole answer rather than dropping it.
        let multiple = question(QuestionKind::Multiple);
        assert!(parse_choice("a, x", &multiple)
            .unwrap_err()
            .contains("\"x\""));
        assert!(parse_choice("abz", &multiple)
            .unwrap_err()
            .contains("\"abz\""));
    }

    #[test]
    fn scripted_answers_parse() {
        let a = parse_answers("Q1=a; q2=b,c;;q3=").unwrap();
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].0, "q1");
        assert_eq!(a[1].1, "b,c");
        assert_eq!(a[2].1, "");
        assert!(parse_answers("q1").is_err());
    }

    #[test]
    fn or_lists_read_as_english() {
        assert_eq!(or_list(&["a"], "or"), "a");
        assert_eq!(or_list(&["a", "b"], "or"), "a or b");
        assert_eq!(or_list(&["a", "b", "c"], "and"), "a, b and c");
    }

    fn companion(dir: &std::path::Path, config: frontline_core::CompanionConfig) -> Companion {
        std::fs::create_dir_all(dir).unwrap();
        let keys = std::sync::Arc::new(frontline_core::SoftwareKeyStore::ephemeral().unwrap());
        Companion::open(dir, config, keys).unwrap()
    }

    fn scripted_with_lesson(c: &Companion) -> String {
        let args = TrainArgs {
            module: String::from("reporting-incidents"),
            answers: Some(String::from("q1=")),
            show_lesson: true,
            statements_out: None,
        };
        let mut input = std::io::empty();
        let mut learner = Learner {
            input: &mut input,
            echo: false,
        };
        let mut out = Vec::new();
        train_with(c, &args, &mut learner, &mut out, Layout::plain(60)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_organisations_contacts_follow_the_lesson_when_set() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = frontline_core::CompanionConfig::new(
            "example-trust",
            "staff-0001",
            frontline_core::StaffRole::AllStaff,
        );
        let plain = scripted_with_lesson(&companion(&dir.path().join("a"), config.clone()));
        assert!(!plain.contains("Who to tell"), "{plain}");
        config.org_name = Some(String::from("Example Community Health NHS Trust"));
        config.it_service_desk_phone = Some(String::from("0300 123 4567"));
        config.ig_lead_contact = Some(String::from("ig.lead@example.nhs.uk"));
        let shown = scripted_with_lesson(&companion(&dir.path().join("b"), config));
        assert!(
            shown.contains("Who to tell at Example Community Health NHS Trust"),
            "{shown}"
        );
        assert!(
            shown.contains("  • IT service desk: 0300 123 4567"),
            "{shown}"
        );
        assert!(
            shown.contains("  • IG lead or Data Protection Officer:"),
            "{shown}"
        );
        assert!(!shown.contains("IT service desk online"), "{shown}");
    }
}
