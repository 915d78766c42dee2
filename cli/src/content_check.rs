//! The editorial content check, run by `frontline pack build` (a pack that fails is not
//! built), by `frontline pack check`, and in the test suite on `content/` (and on the frozen
//! first pack, which it must refuse). The core's own checks (`Pack::validate`) keep a pack
//! well formed; this one keeps it good to learn from on a phone:
//!
//! * quizzes cannot be passed without reading: in at most 40 % of single-choice questions is
//!   the right answer the longest option (or the shortest, or in the same position), and every
//!   wrong option says why it is wrong;
//! * a module takes at most 5 minutes: a lesson of at most 600 words, and `minutes` computed
//!   from the words (never typed by hand) at 200 words a minute plus 10 seconds a question;
//! * every module names its sources (publisher, title, date, what each supports);
//! * lessons use only the Markdown the apps render (no links, images, tables, code or HTML).
//!
//! Decisions: `docs/adr/0090-content-check.md`.

use std::fmt;

use frontline_core::training::pack::{Audience, QuestionKind};

use crate::pack::{ContentSource, LoadedModule};

/// Longest lesson, in words.
pub const MAX_LESSON_WORDS: usize = 600;
/// Shortest lesson, in words (a lesson, not a stub).
pub const MIN_LESSON_WORDS: usize = 150;
/// Longest module (lesson and quiz), in computed minutes.
pub const MAX_MINUTES: u32 = 5;
/// Reading speed the minutes are computed at, words a minute.
pub const WORDS_PER_MINUTE: usize = 200;
/// Time to choose and read the feedback, per question, seconds.
pub const SECONDS_PER_QUESTION: usize = 10;
/// Highest share of single-choice questions whose right answer may be the longest option.
pub const MAX_LONGEST_RIGHT_PERCENT: usize = 40;
/// Single-choice questions a pack needs before the position rule applies (a tiny pack cannot
/// spread its answers over every letter).
pub const POSITION_RULE_FROM: usize = 10;
/// Fewest questions in a quiz.
pub const MIN_QUESTIONS: usize = 4;

/// What the check found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Each problem, naming the module (and question); empty when the content passes.
    pub problems: Vec<String>,
    /// The measurements behind the rules.
    pub figures: Figures,
}

/// The measurements behind the rules, for the author and the docs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Modules, all_staff modules.
    pub modules: usize,
    /// Of them, for all staff.
    pub all_staff_modules: usize,
    /// Questions in all quizzes.
    pub questions: usize,
    /// Single-choice questions.
    pub single: usize,
    /// Single-choice questions whose right answer is strictly the longest option.
    pub longest_right: usize,
    /// Single-choice questions whose right answer is strictly the shortest option.
    pub shortest_right: usize,
    /// Single-choice questions whose right answer is the first, second, … option.
    pub right_by_position: Vec<usize>,
    /// Wrong options in all questions.
    pub wrong_options: usize,
    /// Wrong options without feedback.
    pub wrong_without_feedback: usize,
    /// The longest lesson: words and module id.
    pub max_words: (usize, String),
    /// The longest module: computed minutes and module id.
    pub max_minutes: (u32, String),
    /// Computed minutes of the all_staff modules together.
    pub all_staff_minutes: u32,
    /// Modules whose `module.yaml` types `minutes` by hand.
    pub typed_minutes: usize,
    /// Modules without sources.
    pub without_sources: usize,
}

impl Figures {
    /// `count` as a percentage of the single-choice questions.
    pub fn percent_of_single(&self, count: usize) -> f64 {
        if self.single == 0 {
            return 0.0;
        }
        count as f64 * 100.0 / self.single as f64
    }

    /// Share of single-choice questions whose right answer is the longest option, percent.
    pub fn longest_right_percent(&self) -> f64 {
        self.percent_of_single(self.longest_right)
    }
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "modules: {} ({} for all staff); questions: {} ({} single choice)",
            self.modules, self.all_staff_modules, self.questions, self.single
        )?;
        writeln!(
            f,
            "right answer is the longest option: {} of {} single-choice questions ({:.0} %, limit {MAX_LONGEST_RIGHT_PERCENT} %)",
            self.longest_right,
            self.single,
            self.longest_right_percent()
        )?;
        writeln!(
            f,
            "right answer is the shortest option: {} ({:.0} %); right answer by position: {}",
            self.shortest_right,
            self.percent_of_single(self.shortest_right),
            self.right_by_position
                .iter()
                .enumerate()
                .map(|(i, n)| format!("{}) {n}", char::from(b'a' + (i % 26) as u8)))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        writeln!(
            f,
            "wrong options without feedback: {} of {}",
            self.wrong_without_feedback, self.wrong_options
        )?;
        writeln!(
            f,
            "longest lesson: {} words ({}), limit {MAX_LESSON_WORDS}",
            self.max_words.0, self.max_words.1
        )?;
        writeln!(
            f,
            "longest module: {} min ({}), limit {MAX_MINUTES}; all-staff modules together: {} min",
            self.max_minutes.0, self.max_minutes.1, self.all_staff_minutes
        )?;
        writeln!(
            f,
            "modules with minutes typed by hand: {}; modules without sources: {}",
            self.typed_minutes, self.without_sources
        )
    }
}

/// Words in a text: whitespace-separated tokens with a letter or digit (Markdown marks such
/// as `##` and `-` are not words).
pub fn words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// The words a learner reads to answer the quiz: prompts and options.
fn quiz_words(m: &LoadedModule) -> usize {
    m.source
        .quiz
        .questions
        .iter()
        .map(|q| words(&q.prompt) + q.options.iter().map(|o| words(&o.text)).sum::<usize>())
        .sum()
}

/// A module's minutes: lesson and quiz read at [`WORDS_PER_MINUTE`], plus
/// [`SECONDS_PER_QUESTION`] a question, rounded up.
pub fn minutes(m: &LoadedModule) -> u32 {
    let reading = (words(&m.lesson) + quiz_words(m)) * 60 / WORDS_PER_MINUTE;
    let seconds = reading + SECONDS_PER_QUESTION * m.source.quiz.questions.len();
    u32::try_from(seconds.div_ceil(60).max(1)).unwrap_or(u32::MAX)
}

fn valid_date(date: &str) -> bool {
    let parts: Vec<&str> = date.split('-').collect();
    let number = |s: &str, len: usize, max: u32| {
        s.len() == len
            && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|n| (1..=max).contains(&n))
    };
    match parts.as_slice() {
        [y, m] => number(y, 4, 9999) && number(m, 2, 12),
        [y, m, d] => number(y, 4, 9999) && number(m, 2, 12) && number(d, 2, 31),
        _ => false,
    }
}

/// Markdown the renderers (terminal, apps) do not handle, by line.
fn unsupported_markdown(line: &str) -> Option<&'static str> {
    let t = line.trim_start();
    if t.starts_with("```") || t.starts_with("~~~") {
        Some("a code block")
    } else if t.starts_with('|') {
        Some("a table")
    } else if t.starts_with('<') {
        Some("HTML")
    } else if t.contains("![") {
        Some("an image")
    } else if t.contains("](") {
        Some("a link")
    } else {
        None
    }
}

/// Checks a content directory as read; never fails, it reports.
pub fn check(content: &ContentSource) -> Report {
    let mut problems = Vec::new();
    let mut fig = Figures {
        modules: content.modules.len(),
        ..Figures::default()
    };
    for m in &content.modules {
        let s = &m.source;
        let id = &s.id;
        let mut problem = |text: String| problems.push(format!("{}: {text}", m.folder));
        if s.audience == Audience::AllStaff {
            fig.all_staff_modules += 1;
        }

        // Length and time.
        let lesson_words = words(&m.lesson);
        if lesson_words > fig.max_words.0 {
            fig.max_words = (lesson_words, id.clone());
        }
        if lesson_words > MAX_LESSON_WORDS {
            problem(format!(
                "the lesson has {lesson_words} words (at most {MAX_LESSON_WORDS}: split the module)"
            ));
        }
        if lesson_words < MIN_LESSON_WORDS {
            problem(format!(
                "the lesson has {lesson_words} words (at least {MIN_LESSON_WORDS})"
            ));
        }
        let computed = minutes(m);
        if computed > fig.max_minutes.0 {
            fig.max_minutes = (computed, id.clone());
        }
        if s.audience == Audience::AllStaff {
            fig.all_staff_minutes += computed;
        }
        if computed > MAX_MINUTES {
            problem(format!(
                "lesson and quiz take {computed} minutes to read (at most {MAX_MINUTES})"
            ));
        }
        if let Some(typed) = s.minutes {
            fig.typed_minutes += 1;
            problem(format!(
                "minutes: {typed} is typed by hand; remove it, the build computes it from the words ({computed})"
            ));
        }

        // Sources.
        if s.sources.is_empty() {
            fig.without_sources += 1;
            problem(String::from(
                "no sources: name the published pages the lesson rests on",
            ));
        }
        for (i, src) in s.sources.iter().enumerate() {
            let n = i + 1;
            if src.publisher.trim().is_empty()
                || src.title.trim().is_empty()
                || src.supports.trim().is_empty()
            {
                problem(format!(
                    "source {n} needs a publisher, a title and what it supports"
                ));
            }
            if !valid_date(&src.date) {
                problem(format!("source {n}: date must be YYYY-MM or YYYY-MM-DD"));
            }
            if src
                .url
                .as_deref()
                .is_some_and(|u| !u.starts_with("https://"))
            {
                problem(format!("source {n}: the url must start with https://"));
            }
        }

        // Lesson form.
        let first = m.lesson.lines().find(|l| !l.trim().is_empty());
        if first.map(str::trim) != Some(format!("# {}", s.title).as_str()) {
            problem(format!("the lesson must start with '# {}'", s.title));
        }
        for (n, line) in m.lesson.lines().enumerate() {
            if let Some(what) = unsupported_markdown(line) {
                problem(format!(
                    "lesson line {}: {what} (not rendered on the phone)",
                    n + 1
                ));
            }
        }
        if s.summary.trim().is_empty() {
            problem(String::from("the summary is empty"));
        }
        if !(3..=5).contains(&s.key_points.len()) {
            problem(String::from("needs 3 to 5 key points"));
        }

        // Quiz.
        let questions = &s.quiz.questions;
        fig.questions += questions.len();
        if questions.len() < MIN_QUESTIONS {
            problem(format!(
                "the quiz has {} questions (at least {MIN_QUESTIONS})",
                questions.len()
            ));
        }
        if !questions.iter().any(|q| q.kind == QuestionKind::Multiple) {
            problem(String::from(
                "the quiz needs a question with several right answers",
            ));
        }
        for q in questions {
            if !(3..=5).contains(&q.options.len()) {
                problem(format!("{}: needs 3 to 5 options", q.id));
            }
            for o in q.options.iter().filter(|o| !q.correct.contains(&o.id)) {
                fig.wrong_options += 1;
                if o.feedback.as_deref().is_none_or(|f| f.trim().is_empty()) {
                    fig.wrong_without_feedback += 1;
                    problem(format!(
                        "{} option {}: a wrong option needs feedback saying why",
                        q.id, o.id
                    ));
                }
            }
            if q.kind == QuestionKind::Single {
                fig.single += 1;
                let len = |text: &str| text.chars().count();
                let right = q
                    .options
                    .iter()
                    .filter(|o| q.correct.contains(&o.id))
                    .map(|o| len(&o.text))
                    .max()
                    .unwrap_or(0);
                let others = || {
                    q.options
                        .iter()
                        .filter(|o| !q.correct.contains(&o.id))
                        .map(|o| len(&o.text))
                };
                if others().max().is_some_and(|longest| right > longest) {
                    fig.longest_right += 1;
                }
                if others().min().is_some_and(|shortest| right < shortest) {
                    fig.shortest_right += 1;
                }
                if let Some(at) = q.options.iter().position(|o| q.correct.contains(&o.id)) {
                    if fig.right_by_position.len() <= at {
                        fig.right_by_position.resize(at + 1, 0);
                    }
                    fig.right_by_position[at] += 1;
                }
            }
        }
    }
    if fig.longest_right * 100 > MAX_LONGEST_RIGHT_PERCENT * fig.single {
        problems.push(format!(
            "the right answer is the longest option in {} of {} single-choice questions ({:.0} %, at most {MAX_LONGEST_RIGHT_PERCENT} %): the length gives the answer away",
            fig.longest_right,
            fig.single,
            fig.longest_right_percent()
        ));
    }
    if fig.shortest_right * 100 > MAX_LONGEST_RIGHT_PERCENT * fig.single {
        problems.push(format!(
            "the right answer is the shortest option in {} of {} single-choice questions ({:.0} %, at most {MAX_LONGEST_RIGHT_PERCENT} %): the length gives the answer away",
            fig.shortest_right,
            fig.single,
            fig.percent_of_single(fig.shortest_right)
        ));
    }
    if fig.single >= POSITION_RULE_FROM {
        for (at, n) in fig.right_by_position.iter().enumerate() {
            if n * 100 > MAX_LONGEST_RIGHT_PERCENT * fig.single {
                problems.push(format!(
                    "the right answer is option {} in {n} of {} single-choice questions ({:.0} %, at most {MAX_LONGEST_RIGHT_PERCENT} %): the position gives the answer away",
                    char::from(b'a' + (at % 26) as u8),
                    fig.single,
                    fig.percent_of_single(*n)
                ));
            }
        }
    }
    Report {
        problems,
        figures: fig,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::load_content;
    use std::path::{Path, PathBuf};

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    /// The first default pack (version 1), frozen as it shipped: the check must refuse it.
    fn first_pack() -> PathBuf {
        repo().join("tests/fixtures/content-pack-v1")
    }

    fn has(report: &Report, needle: &str) -> bool {
        report.problems.iter().any(|p| p.contains(needle))
    }

    #[test]
    fn the_default_content_passes() {
        let report = check(&load_content(&repo().join("content")).unwrap());
        assert!(
            report.problems.is_empty(),
            "{}\n{}",
            report.figures,
            report.problems.join("\n")
        );
        let f = &report.figures;
        assert!(f.longest_right * 100 <= MAX_LONGEST_RIGHT_PERCENT * f.single);
        assert!(f.shortest_right * 100 <= MAX_LONGEST_RIGHT_PERCENT * f.single);
        assert_eq!(f.wrong_without_feedback, 0);
        assert!(f.max_words.0 <= MAX_LESSON_WORDS && f.max_minutes.0 <= MAX_MINUTES);
        assert_eq!((f.typed_minutes, f.without_sources), (0, 0));
    }

    #[test]
    fn the_first_pack_fails_on_every_count_the_review_found() {
        let report = check(&load_content(&first_pack()).unwrap());
        let f = &report.figures;
        // 47 of 48 single-choice questions gave the answer away by length.
        assert_eq!((f.longest_right, f.single), (47, 48), "{f}");
        assert!(has(&report, "the length gives the answer away"));
        assert!(f.wrong_without_feedback > 0 && has(&report, "needs feedback saying why"));
        assert!(f.max_words.0 > MAX_LESSON_WORDS && has(&report, "split the module"));
        assert!(f.max_minutes.0 > MAX_MINUTES);
        assert_eq!((f.typed_minutes, f.without_sources), (12, 12), "{f}");
        assert!(has(&report, "typed by hand") && has(&report, "no sources"));
        // And the build refuses it.
        let err = crate::pack::build_pack(&first_pack())
            .unwrap_err()
            .to_string();
        assert!(err.contains("the content check found"), "{err}");
    }

    #[test]
    fn minutes_follow_the_words_and_the_questions() {
        let mut content = load_content(&repo().join("content")).unwrap();
        let m = &mut content.modules[0];
        m.lesson = format!("# {}\n\n{}", m.source.title, "word ".repeat(400));
        let questions = m.source.quiz.questions.len();
        let expected = ((words(&m.lesson) + quiz_words(m)) * 60 / WORDS_PER_MINUTE
            + SECONDS_PER_QUESTION * questions)
            .div_ceil(60);
        assert_eq!(minutes(m) as usize, expected);
        m.lesson.push_str(&" word".repeat(1000));
        assert!(minutes(m) > MAX_MINUTES);
        let report = check(&content);
        assert!(has(&report, "split the module") && has(&report, "minutes to read"));
    }

    #[test]
    fn unrendered_markdown_and_bad_sources_are_named() {
        let mut content = load_content(&repo().join("content")).unwrap();
        let m = &mut content.modules[0];
        m.lesson
            .push_str("\nSee [this](https://example.org).\n\n| a | b |\n");
        m.source.sources[0].date = String::from("March 2025");
        m.source.sources[0].url = Some(String::from("http://example.org"));
        let report = check(&content);
        assert!(
            has(&report, "a link") && has(&report, "a table"),
            "{:?}",
            report.problems
        );
        assert!(has(&report, "YYYY-MM") && has(&report, "https://"));
        assert!(valid_date("2025-03") && valid_date("2025-03-31"));
        assert!(!valid_date("2025-13") && !valid_date("25-03") && !valid_date("2025-3"));
    }

    #[test]
    fn words_ignore_markdown_marks() {
        assert_eq!(words("## Heading here\n\n- **bold** item — and 7726"), 6);
    }

    #[test]
    fn shortest_answers_and_one_favourite_letter_are_refused_too() {
        let mut content = load_content(&repo().join("content")).unwrap();
        for m in &mut content.modules {
            for q in &mut m.source.quiz.questions {
                if q.kind != QuestionKind::Single {
                    continue;
                }
                // Move the right option first and make it the shortest.
                let at = q
                    .options
                    .iter()
                    .position(|o| q.correct.contains(&o.id))
                    .unwrap();
                let mut right = q.options.remove(at);
                right.text = String::from("Yes.");
                q.options.insert(0, right);
            }
        }
        let report = check(&content);
        let f = &report.figures;
        assert_eq!(
            (f.shortest_right, f.right_by_position[0]),
            (f.single, f.single)
        );
        assert!(
            has(&report, "is the shortest option"),
            "{:?}",
            report.problems
        );
        assert!(has(&report, "is option a in"), "{:?}", report.problems);
    }
}
