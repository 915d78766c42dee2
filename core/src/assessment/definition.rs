//! The assessment definition: areas, questions, options, weights and prefill rules, as the
//! payload of a signed `assessment` bundle (JSON, `docs/assessment.md`).
//!
//! [`AssessmentDefinition::parse`] checks a payload completely before it can be installed, so
//! an installed definition is always usable: ids are unique, every option has a score of 0–100,
//! every weight is 1–10, and every prefill rule names a device fact, posture check, training
//! module or option that makes sense. A rule naming a fact this build does not know is
//! refused as [`AssessmentProblem::UnknownFact`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::prefill::PrefillRule;
use super::{AssessmentArea, AssessmentTeam};
use crate::posture::SettingsTarget;

/// The built-in default assessment, in force until the organisation installs its own.
pub const DEFAULT_ASSESSMENT: &[u8] = include_bytes!("../../assets/default-assessment.json");

/// The payload format this build reads.
pub const ASSESSMENT_FORMAT: u32 = 1;
/// Most questions an assessment may hold.
pub const MAX_QUESTIONS: usize = 200;
/// Most options per question.
pub const MAX_OPTIONS: usize = 8;
/// Most teams listed.
pub const MAX_TEAMS: usize = 500;
/// Longest text field.
pub const MAX_TEXT: usize = 2000;
/// Largest question weight.
pub const MAX_WEIGHT: u32 = 10;

/// One answer option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerOption {
    /// Option id, unique within the question.
    pub id: String,
    /// What the member of staff reads.
    pub text: String,
    /// How good this answer is, 0–100.
    pub score: u32,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Question id, unique in the assessment.
    pub id: String,
    /// The area it belongs to.
    pub area: AssessmentArea,
    /// The question.
    pub prompt: String,
    /// How much it counts within its area (1–10).
    pub weight: u32,
    /// A zero on a critical question caps its area at [`super::score::CRITICAL_CAP`]
    /// (a rooted phone is not "mostly fine").
    #[serde(default)]
    pub critical: bool,
    /// The options, best or worst first as the author likes.
    pub options: Vec<AnswerOption>,
    /// What good looks like, shown when the answer is not the best one.
    pub advice: String,
    /// The training module that teaches it.
    #[serde(default)]
    pub lesson_id: Option<String>,
    /// The settings screen that fixes it, when one does.
    #[serde(default)]
    pub settings_target: Option<SettingsTarget>,
    /// How the device answers it by itself, when it can.
    #[serde(default)]
    pub prefill: Option<PrefillRule>,
}

impl Question {
    /// The option with id `id`.
    pub fn option(&self, id: &str) -> Option<&AnswerOption> {
        self.options.iter().find(|o| o.id == id)
    }
}

/// One area's heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaInfo {
    /// Which area.
    pub area: AssessmentArea,
    /// Its title.
    pub title: String,
    /// The lesson that covers the area.
    #[serde(default)]
    pub lesson_id: Option<String>,
}

/// A whole assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentDefinition {
    /// Payload format (1).
    pub format: u32,
    /// Identifier of the assessment.
    pub id: String,
    /// Version label (shown; the bundle's version number orders installs).
    pub version: String,
    /// Title.
    pub title: String,
    /// The areas, in the order they are asked.
    pub areas: Vec<AreaInfo>,
    /// The questions, in order.
    pub questions: Vec<Question>,
    /// Teams a member of staff may say they belong to (for the team benchmark).
    #[serde(default)]
    pub teams: Vec<AssessmentTeam>,
}

/// Why an assessment payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssessmentProblem {
    /// Not JSON of the assessment shape.
    #[error("the assessment is not well-formed ({0})")]
    Malformed(String),
    /// A format this build does not read.
    #[error("unsupported assessment format {0}")]
    UnsupportedFormat(u32),
    /// No questions, or more than the limit; or too many teams or options.
    #[error("the assessment has too few or too many questions, options or teams")]
    Size,
    /// An id is invalid or repeated (question, option, team or area).
    #[error("question {0} has an invalid or repeated id")]
    BadId(usize),
    /// A text field is empty or too long.
    #[error("question {0} has an empty or over-long text")]
    BadText(usize),
    /// A weight outside 1–10 or an option score over 100.
    #[error("question {0} has a weight or score out of range")]
    BadScore(usize),
    /// A question's area is not listed in `areas`, or an area has no question.
    #[error("question {0} belongs to an area that is not listed, or an area is empty")]
    BadArea(usize),
    /// A prefill rule names a device fact this build does not know.
    #[error("question {0} has a prefill rule naming an unknown device fact")]
    UnknownFact(usize),
    /// A prefill rule is otherwise unusable (a value the fact cannot take, an option the
    /// question does not have, a malformed check or module id).
    #[error("question {0} has an unusable prefill rule")]
    BadPrefill(usize),
    /// A lesson id with characters outside `[a-z0-9-]`.
    #[error("question {0} names an invalid lesson id")]
    BadLessonId(usize),
}

/// Whether `id` is a usable id: 1–64 characters of `[A-Za-z0-9._-]`.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn valid_lesson(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn text_ok(text: &str) -> bool {
    !text.trim().is_empty() && text.len() <= MAX_TEXT
}

impl AssessmentDefinition {
    /// Parses and checks a payload completely.
    pub fn parse(payload: &[u8]) -> Result<Self, AssessmentProblem> {
        let def: Self = serde_json::from_slice(payload).map_err(|e| {
            AssessmentProblem::Malformed(format!(
                "{:?} at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        def.validate()?;
        Ok(def)
    }

    /// The built-in default.
    pub fn default_definition() -> Result<Self, AssessmentProblem> {
        Self::parse(DEFAULT_ASSESSMENT)
    }

    /// The question with id `id`.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The heading of `area`.
    pub fn area(&self, area: AssessmentArea) -> Option<&AreaInfo> {
        self.areas.iter().find(|a| a.area == area)
    }

    fn validate(&self) -> Result<(), AssessmentProblem> {
        if self.format != ASSESSMENT_FORMAT {
            return Err(AssessmentProblem::UnsupportedFormat(self.format));
        }
        if !valid_id(&self.id) || !text_ok(&self.version) || !text_ok(&self.title) {
            return Err(AssessmentProblem::Malformed(String::from(
                "id, version or title",
            )));
        }
        if self.questions.is_empty()
            || self.questions.len() > MAX_QUESTIONS
            || self.teams.len() > MAX_TEAMS
        {
            return Err(AssessmentProblem::Size);
        }
        let mut areas = BTreeSet::new();
        for info in &self.areas {
            if !areas.insert(info.area) || !text_ok(&info.title) {
                return Err(AssessmentProblem::Malformed(String::from("areas")));
            }
            if info.lesson_id.as_deref().is_some_and(|l| !valid_lesson(l)) {
                return Err(AssessmentProblem::Malformed(String::from("area lesson id")));
            }
        }
        let mut teams = BTreeSet::new();
        for team in &self.teams {
            if !valid_lesson(&team.id) || !teams.insert(team.id.as_str()) || !text_ok(&team.name) {
                return Err(AssessmentProblem::Malformed(String::from("teams")));
            }
        }
        let mut ids = BTreeSet::new();
        let mut used_areas = BTreeSet::new();
        for (i, q) in self.questions.iter().enumerate() {
            if !valid_id(&q.id) || !ids.insert(q.id.as_str()) {
                return Err(AssessmentProblem::BadId(i));
            }
            if !areas.contains(&q.area) {
                return Err(AssessmentProblem::BadArea(i));
            }
            used_areas.insert(q.area);
            if !text_ok(&q.prompt) || !text_ok(&q.advice) {
                return Err(AssessmentProblem::BadText(i));
            }
            if q.options.len() < 2 || q.options.len() > MAX_OPTIONS {
                return Err(AssessmentProblem::Size);
            }
            if q.weight == 0 || q.weight > MAX_WEIGHT || q.options.iter().any(|o| o.score > 100) {
                return Err(AssessmentProblem::BadScore(i));
            }
            let mut option_ids = BTreeSet::new();
            for o in &q.options {
                if !valid_id(&o.id) || !option_ids.insert(o.id.as_str()) {
                    return Err(AssessmentProblem::BadId(i));
                }
                if !text_ok(&o.text) {
                    return Err(AssessmentProblem::BadText(i));
                }
            }
            if q.lesson_id.as_deref().is_some_and(|l| !valid_lesson(l)) {
                return Err(AssessmentProblem::BadLessonId(i));
            }
            if let Some(rule) = &q.prefill {
                rule.check(q).map_err(|e| match e {
                    super::prefill::RuleProblem::UnknownFact => AssessmentProblem::UnknownFact(i),
                    super::prefill::RuleProblem::Unusable => AssessmentProblem::BadPrefill(i),
                })?;
            }
        }
        if used_areas != areas {
            return Err(AssessmentProblem::BadArea(self.questions.len()));
        }
        Ok(())
    }
}

impl crate::bundle::BundlePayload for AssessmentDefinition {
    const KIND: crate::bundle::BundleKind = crate::bundle::BundleKind::Assessment;

    fn from_payload(payload: &[u8]) -> Result<Self, crate::bundle::BundleRefusal> {
        Self::parse(payload).map_err(|e| match e {
            AssessmentProblem::UnknownFact(_) => crate::bundle::BundleRefusal::UnknownFact,
            _ => crate::bundle::BundleRefusal::InvalidPayload,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_json() -> serde_json::Value {
        serde_json::from_slice(DEFAULT_ASSESSMENT).unwrap()
    }

    fn parse(v: &serde_json::Value) -> Result<AssessmentDefinition, AssessmentProblem> {
        AssessmentDefinition::parse(&serde_json::to_vec(v).unwrap())
    }

    #[test]
    fn default_assessment_covers_every_area_with_prefills() {
        let def = AssessmentDefinition::default_definition().unwrap();
        for area in AssessmentArea::ALL {
            assert!(def.area(area).is_some(), "{area:?} missing");
            assert!(def.questions.iter().any(|q| q.area == area), "{area:?}");
        }
        assert!(def.questions.iter().filter(|q| q.prefill.is_some()).count() >= 5);
    }

    #[test]
    fn a_prefill_rule_naming_an_unknown_fact_is_refused() {
        let mut v = default_json();
        let i = v["questions"]
            .as_array()
            .unwrap()
            .iter()
            .position(|q| q["prefill"]["from"] == "fact")
            .unwrap();
        v["questions"][i]["prefill"]["fact"] = "screen_timeout_seconds".into();
        assert_eq!(parse(&v), Err(AssessmentProblem::UnknownFact(i)));
    }

    #[test]
    fn each_problem_is_named() {
        let q0 = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = default_json();
            f(&mut v["questions"][0]);
            parse(&v)
        };
        assert_eq!(
            q0(&|q| q["weight"] = 0.into()),
            Err(AssessmentProblem::BadScore(0))
        );
        assert_eq!(
            q0(&|q| q["options"][0]["score"] = 101.into()),
            Err(AssessmentProblem::BadScore(0))
        );
        assert_eq!(
            q0(&|q| q["prompt"] = " ".into()),
            Err(AssessmentProblem::BadText(0))
        );
        assert_eq!(
            q0(&|q| q["lesson_id"] = "Bad Lesson".into()),
            Err(AssessmentProblem::BadLessonId(0))
        );
        assert!(matches!(
            q0(&|q| q["colour"] = "red".into()),
            Err(AssessmentProblem::Malformed(_))
        ));
        let mut v = default_json();
        let first = v["questions"][0]["id"].clone();
        v["questions"][1]["id"] = first;
        assert_eq!(parse(&v), Err(AssessmentProblem::BadId(1)));
        let mut v = default_json();
        v["format"] = 2.into();
        assert_eq!(parse(&v), Err(AssessmentProblem::UnsupportedFormat(2)));
        let mut v = default_json();
        v["areas"].as_array_mut().unwrap().remove(0);
        assert!(matches!(parse(&v), Err(AssessmentProblem::BadArea(_))));
    }
}
