//! The content pack model: what a training pack is, and the checks it must pass.
//!
//! A pack arrives as JSON (`docs/content-pack.md`), either built into the library or as the
//! payload of a signed `content` bundle. It is checked here before anything uses it: unique
//! ids, safe id characters (ids end up in xAPI activity IRIs), every correct answer one of the
//! options, one correct answer for `single` questions, sane numbers. A pack that fails is
//! refused as a whole; there is no partial pack.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// The format tag every pack carries.
pub const PACK_FORMAT: &str = "frontline-pack/1";

/// Refresher interval when a module does not set one (annual).
pub const DEFAULT_REFRESHER_DAYS: u32 = 365;

/// Who a module is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Audience {
    /// Every member of staff (the basic track).
    AllStaff,
    /// Specialists only (the advanced track).
    Specialist,
}

impl Audience {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AllStaff => "all_staff",
            Self::Specialist => "specialist",
        }
    }
}

/// How many options a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum QuestionKind {
    /// Exactly one option is correct.
    Single,
    /// One or more options are correct; all of them, and only them, must be chosen.
    Multiple,
}

/// A training content pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pack {
    /// Always [`PACK_FORMAT`].
    pub format: String,
    /// Stable pack id (`[a-z0-9-]`).
    pub id: String,
    /// The pack's version; raised by the publisher whenever the content changes.
    pub version: u64,
    /// BCP 47 language tag of the text, e.g. `en-GB`.
    pub language: String,
    /// Display title.
    pub title: String,
    /// The modules, in display order.
    pub modules: Vec<Module>,
}

/// One module: a lesson and its quiz.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Module {
    /// Stable module id (`[a-z0-9-]`), unique in the pack.
    pub id: String,
    /// Display title.
    pub title: String,
    /// What the learner will be able to do.
    pub summary: String,
    /// Who it is for.
    pub audience: Audience,
    /// Estimated minutes for lesson and quiz.
    pub minutes: u32,
    /// Days after completion until it must be taken again.
    #[serde(default = "default_refresher_days")]
    pub refresher_days: u32,
    /// The lesson, Markdown.
    pub lesson_markdown: String,
    /// One-line takeaways.
    pub key_points: Vec<String>,
    /// The quiz.
    pub quiz: Quiz,
    /// Where the lesson's facts come from, for reviewers (optional on the wire).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
}

/// A published page a module's facts rest on (`docs/content-pack.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Who published it, e.g. `NCSC`, `ICO`, `NHS England`.
    pub publisher: String,
    /// The page's title.
    pub title: String,
    /// When it was published or last updated, `YYYY-MM` or `YYYY-MM-DD`.
    pub date: String,
    /// Where it is, if it has a stable address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Which of the lesson's claims it supports.
    pub supports: String,
}

fn default_refresher_days() -> u32 {
    DEFAULT_REFRESHER_DAYS
}

/// A module's quiz.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quiz {
    /// Share of questions (percent) that must be right to pass.
    pub pass_mark_percent: u32,
    /// The questions, in order.
    pub questions: Vec<Question>,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Id unique in the quiz.
    pub id: String,
    /// Single or multiple choice.
    pub kind: QuestionKind,
    /// The question.
    pub prompt: String,
    /// The options, in display order.
    pub options: Vec<QuizOption>,
    /// Ids of the correct options.
    pub correct: Vec<String>,
    /// Shown after the learner answers.
    pub explanation: String,
}

/// One option of a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizOption {
    /// Id unique in the question.
    pub id: String,
    /// The option text.
    pub text: String,
    /// Shown when the learner picks this option, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
}

/// Why a pack is not acceptable (for authors, via the CLI; the device reports only
/// `InvalidPayload`). Names content ids, never learner data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid content pack: {0}")]
pub struct PackProblem(pub String);

fn safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn text(what: &str, value: &str) -> Result<(), PackProblem> {
    if value.trim().is_empty() {
        return Err(PackProblem(format!("{what} is empty")));
    }
    Ok(())
}

impl Pack {
    /// Parses and checks a pack from JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Self, PackProblem> {
        let pack: Pack = serde_json::from_slice(bytes).map_err(|e| {
            PackProblem(format!(
                "not a pack ({:?} at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        pack.validate()?;
        Ok(pack)
    }

    /// The module with `id`.
    pub fn module(&self, id: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.id == id)
    }

    /// Checks every rule of `docs/content-pack.md`.
    pub fn validate(&self) -> Result<(), PackProblem> {
        if self.format != PACK_FORMAT {
            return Err(PackProblem(String::from("unknown pack format")));
        }
        if !safe_id(&self.id) {
            return Err(PackProblem(String::from(
                "pack id must be 1-64 of [a-z0-9-]",
            )));
        }
        let lang_ok = !self.language.is_empty()
            && self.language.len() <= 35
            && self
                .language
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !lang_ok {
            return Err(PackProblem(String::from("language must be a BCP 47 tag")));
        }
        text("pack title", &self.title)?;
        if self.modules.is_empty() {
            return Err(PackProblem(String::from("the pack has no modules")));
        }
        let mut ids = HashSet::new();
        for m in &self.modules {
            if !safe_id(&m.id) {
                return Err(PackProblem(String::from(
                    "a module id is not 1-64 of [a-z0-9-]",
                )));
            }
            if !ids.insert(m.id.as_str()) {
                return Err(PackProblem(format!("module {} appears twice", m.id)));
            }
            m.validate()
                .map_err(|p| PackProblem(format!("module {}: {}", m.id, p.0)))?;
        }
        Ok(())
    }
}

impl Module {
    fn validate(&self) -> Result<(), PackProblem> {
        text("title", &self.title)?;
        text("summary", &self.summary)?;
        text("lesson", &self.lesson_markdown)?;
        if self.minutes == 0 || self.minutes > 600 {
            return Err(PackProblem(String::from("minutes must be 1-600")));
        }
        if self.refresher_days == 0 || self.refresher_days > 3650 {
            return Err(PackProblem(String::from("refresher_days must be 1-3650")));
        }
        for kp in &self.key_points {
            text("a key point", kp)?;
        }
        for source in &self.sources {
            text("a source's publisher", &source.publisher)?;
            text("a source's title", &source.title)?;
            text("a source's date", &source.date)?;
            text("what a source supports", &source.supports)?;
        }
        let quiz = &self.quiz;
        if quiz.pass_mark_percent == 0 || quiz.pass_mark_percent > 100 {
            return Err(PackProblem(String::from("pass_mark_percent must be 1-100")));
        }
        if quiz.questions.is_empty() {
            return Err(PackProblem(String::from("the quiz has no questions")));
        }
        let mut qids = HashSet::new();
        for q in &quiz.questions {
            if !safe_id(&q.id) {
                return Err(PackProblem(String::from(
                    "a question id is not 1-64 of [a-z0-9-]",
                )));
            }
            if !qids.insert(q.id.as_str()) {
                return Err(PackProblem(format!("question {} appears twice", q.id)));
            }
            q.validate()
                .map_err(|p| PackProblem(format!("question {}: {}", q.id, p.0)))?;
        }
        Ok(())
    }
}

impl Question {
    fn validate(&self) -> Result<(), PackProblem> {
        text("prompt", &self.prompt)?;
        text("explanation", &self.explanation)?;
        if self.options.len() < 2 || self.options.len() > 10 {
            return Err(PackProblem(String::from("needs 2-10 options")));
        }
        let mut oids = HashSet::new();
        for o in &self.options {
            if !safe_id(&o.id) {
                return Err(PackProblem(String::from(
                    "an option id is not 1-64 of [a-z0-9-]",
                )));
            }
            if !oids.insert(o.id.as_str()) {
                return Err(PackProblem(format!("option {} appears twice", o.id)));
            }
            text("option text", &o.text)?;
            if let Some(f) = &o.feedback {
                text("option feedback", f)?;
            }
        }
        let mut correct = HashSet::new();
        for c in &self.correct {
            if !oids.contains(c.as_str()) {
                return Err(PackProblem(format!("correct id {c} is not an option")));
            }
            if !correct.insert(c.as_str()) {
                return Err(PackProblem(format!("correct id {c} appears twice")));
            }
        }
        match (self.kind, correct.len()) {
            (_, 0) => Err(PackProblem(String::from("no correct option"))),
            (QuestionKind::Single, n) if n != 1 => Err(PackProblem(String::from(
                "a single-choice question needs exactly one correct option",
            ))),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small valid pack for tests.
    pub(crate) fn sample_pack(version: u64) -> Pack {
        let question = |id: &str, kind: QuestionKind, correct: &[&str]| Question {
            id: id.to_owned(),
            kind,
            prompt: format!("Prompt {id}?"),
            options: ["a", "b", "c"]
                .iter()
                .map(|o| QuizOption {
                    id: (*o).to_owned(),
                    text: format!("Option {o}"),
                    feedback: (*o == "a").then(|| String::from("Feedback on a.")),
                })
                .collect(),
            correct: correct.iter().map(|c| (*c).to_owned()).collect(),
            explanation: format!("Because {id}."),
        };
        let module = |id: &str, audience: Audience, refresher_days: u32| Module {
            id: id.to_owned(),
            title: format!("Title {id}"),
            summary: String::from("Summary."),
            audience,
            minutes: 5,
            refresher_days,
            lesson_markdown: format!("# Title {id}\n\nLesson text."),
            key_points: vec![String::from("Point one.")],
            sources: Vec::new(),
            quiz: Quiz {
                pass_mark_percent: 80,
                questions: vec![
                    question("q1", QuestionKind::Single, &["a"]),
                    question("q2", QuestionKind::Multiple, &["a", "c"]),
                    question("q3", QuestionKind::Single, &["b"]),
                    question("q4", QuestionKind::Single, &["c"]),
                    question("q5", QuestionKind::Multiple, &["b", "c"]),
                ],
            },
        };
        Pack {
            format: PACK_FORMAT.to_owned(),
            id: String::from("test-pack"),
            version,
            language: String::from("en-GB"),
            title: String::from("Test pack"),
            modules: vec![
                module("basics", Audience::AllStaff, 365),
                module("phishing", Audience::AllStaff, 180),
                module("patching", Audience::Specialist, 365),
            ],
        }
    }

    fn refused(edit: impl FnOnce(&mut Pack)) -> bool {
        let mut p = sample_pack(1);
        edit(&mut p);
        let json = serde_json::to_vec(&p).unwrap();
        Pack::from_json(&json).is_err()
    }

    #[test]
    fn sample_is_valid_and_round_trips() {
        let p = sample_pack(1);
        let json = serde_json::to_vec(&p).unwrap();
        assert_eq!(Pack::from_json(&json).unwrap(), p);
    }

    #[test]
    fn refresher_defaults_to_a_year() {
        let mut v = serde_json::to_value(sample_pack(1)).unwrap();
        v["modules"][0]
            .as_object_mut()
            .unwrap()
            .remove("refresher_days");
        let p = Pack::from_json(&serde_json::to_vec(&v).unwrap()).unwrap();
        assert_eq!(p.modules[0].refresher_days, DEFAULT_REFRESHER_DAYS);
    }

    #[test]
    fn bad_packs_are_refused() {
        assert!(refused(|p| p.format = String::from("other/1")));
        assert!(refused(|p| p.modules[1].id = String::from("basics")));
        assert!(refused(|p| p.modules[0].id = String::from("Bad Id")));
        assert!(refused(
            |p| p.modules[0].quiz.questions[1].id = String::from("q1")
        ));
        assert!(refused(
            |p| p.modules[0].quiz.questions[0].correct = vec![String::from("z")]
        ));
        assert!(refused(
            |p| p.modules[0].quiz.questions[0].correct = vec![String::from("a"), String::from("b")]
        ));
        assert!(refused(|p| p.modules[0].quiz.questions[1].correct.clear()));
        assert!(refused(
            |p| p.modules[0].quiz.questions[0].options[1].id = String::from("a")
        ));
        assert!(refused(
            |p| p.modules[0].quiz.questions[0].explanation = String::from(" ")
        ));
        assert!(refused(|p| p.modules[0].quiz.pass_mark_percent = 0));
        assert!(refused(|p| p.modules[0].quiz.questions.clear()));
        assert!(refused(|p| p.modules[0].refresher_days = 0));
        assert!(refused(|p| p.modules.clear()));
        assert!(refused(|p| p.language = String::from("en GB")));
        assert!(refused(|p| p.modules[0].sources.push(Source {
            publisher: String::from("NCSC"),
            title: String::from(" "),
            date: String::from("2025-01"),
            url: None,
            supports: String::from("everything"),
        })));
        assert!(Pack::from_json(b"{\"format\":1}").is_err());
    }
}
