//! Scoring: answers → a score per area and overall, weakest areas first, with what to fix.
//!
//! Each option scores 0–100 and each question has a weight of 1–10. An area's score is the
//! weighted mean of its answered questions, rounded down; if a *critical* question scores 0
//! the area is capped at [`CRITICAL_CAP`] (a rooted phone cannot be "mostly fine" however
//! well its lock is set). The overall score is the mean of the area scores, so each area
//! counts the same however many questions it has. Bands: strong ≥ 80, fair ≥ 50, weak below.
//! Pure functions: the same answers always give the same result.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::definition::AssessmentDefinition;
use super::AssessmentArea;
use crate::posture::SettingsTarget;

/// The highest score an area can have while one of its critical questions scores 0.
pub const CRITICAL_CAP: u32 = 25;
/// Lowest score of the strong band.
pub const STRONG_FROM: u32 = 80;
/// Lowest score of the fair band.
pub const FAIR_FROM: u32 = 50;

/// How an area scores, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ScoreBand {
    /// 80 and above.
    Strong,
    /// 50–79.
    Fair,
    /// Below 50.
    Weak,
}

impl ScoreBand {
    /// The band of a score.
    pub fn of(score: u32) -> Self {
        if score >= STRONG_FROM {
            Self::Strong
        } else if score >= FAIR_FROM {
            Self::Fair
        } else {
            Self::Weak
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strong => "strong",
            Self::Fair => "fair",
            Self::Weak => "weak",
        }
    }
}

/// An answer as scored: the option, and the device's evidence when it was measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The chosen option.
    pub option_id: String,
    /// `Some` when the device measured it.
    pub evidence: Option<String>,
}

/// A question whose answer is not the best one: why, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Finding {
    /// Question id.
    pub question_id: String,
    /// The question.
    pub prompt: String,
    /// The answer given, in words.
    pub answer: String,
    /// The answer's score, 0–100.
    pub score_percent: u32,
    /// Whether the device measured it.
    pub measured: bool,
    /// For a measured answer, what the device found.
    pub evidence: Option<String>,
    /// What good looks like.
    pub advice: String,
    /// The lesson that teaches it.
    pub lesson_id: Option<String>,
    /// The settings screen that fixes it.
    pub settings_target: Option<SettingsTarget>,
}

/// One area's score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AreaResult {
    /// The area.
    pub area: AssessmentArea,
    /// Its title.
    pub title: String,
    /// Its score, 0–100 (none until a question is answered).
    pub score_percent: Option<u32>,
    /// The band of the score.
    pub band: Option<ScoreBand>,
    /// Questions answered.
    pub answered: u32,
    /// Questions in the area.
    pub total: u32,
    /// The lesson for the area.
    pub lesson_id: Option<String>,
    /// The answers that cost points, worst first.
    pub findings: Vec<Finding>,
}

/// The score of a whole assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AssessmentResult {
    /// The assessment's id.
    pub assessment_id: String,
    /// Mean of the area scores (none until something is answered).
    pub overall_percent: Option<u32>,
    /// Every question answered.
    pub complete: bool,
    /// Questions answered.
    pub answered: u32,
    /// Questions in the assessment.
    pub total: u32,
    /// Areas, weakest first (areas without a score last, in order).
    pub areas: Vec<AreaResult>,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Scores `answers` (question id → answer) against `def`. Answers naming questions or options
/// the definition does not have are ignored (they were checked when given).
pub fn score(
    def: &AssessmentDefinition,
    assessment_id: &str,
    answers: &BTreeMap<String, Answer>,
) -> AssessmentResult {
    let mut areas = Vec::new();
    let mut answered_total = 0_usize;
    for info in &def.areas {
        let questions: Vec<_> = def
            .questions
            .iter()
            .filter(|q| q.area == info.area)
            .collect();
        let mut weighted = 0_u64;
        let mut weights = 0_u64;
        let mut capped = false;
        let mut findings = Vec::new();
        let mut answered = 0_usize;
        for q in &questions {
            let Some(answer) = answers.get(&q.id) else {
                continue;
            };
            let Some(option) = q.option(&answer.option_id) else {
                continue;
            };
            answered += 1;
            weighted += u64::from(option.score) * u64::from(q.weight);
            weights += u64::from(q.weight);
            capped |= q.critical && option.score == 0;
            if option.score < 100 {
                findings.push((
                    q.weight,
                    Finding {
                        question_id: q.id.clone(),
                        prompt: q.prompt.clone(),
                        answer: option.text.clone(),
                        score_percent: option.score,
                        measured: answer.evidence.is_some(),
                        evidence: answer.evidence.clone(),
                        advice: q.advice.clone(),
                        lesson_id: q.lesson_id.clone().or_else(|| info.lesson_id.clone()),
                        settings_target: q.settings_target,
                    },
                ));
            }
        }
        answered_total += answered;
        findings.sort_by(|(wa, a), (wb, b)| a.score_percent.cmp(&b.score_percent).then(wb.cmp(wa)));
        let score = (weights > 0).then(|| {
            let mean = u32::try_from(weighted / weights).unwrap_or(100);
            if capped {
                mean.min(CRITICAL_CAP)
            } else {
                mean
            }
        });
        areas.push(AreaResult {
            area: info.area,
            title: info.title.clone(),
            score_percent: score,
            band: score.map(ScoreBand::of),
            answered: count(answered),
            total: count(questions.len()),
            lesson_id: info.lesson_id.clone(),
            findings: findings.into_iter().map(|(_, f)| f).collect(),
        });
    }
    let scored: Vec<u32> = areas.iter().filter_map(|a| a.score_percent).collect();
    let overall = (!scored.is_empty())
        .then(|| scored.iter().map(|s| u64::from(*s)).sum::<u64>() / scored.len() as u64)
        .map(|s| u32::try_from(s).unwrap_or(100));
    // Weakest first; unscored areas keep their order at the end (the sort is stable).
    areas.sort_by_key(|a| a.score_percent.unwrap_or(u32::MAX));
    AssessmentResult {
        assessment_id: assessment_id.to_owned(),
        overall_percent: overall,
        complete: answered_total == def.questions.len(),
        answered: count(answered_total),
        total: count(def.questions.len()),
        areas,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> AssessmentDefinition {
        AssessmentDefinition::default_definition().unwrap()
    }

    fn best_answers(def: &AssessmentDefinition) -> BTreeMap<String, Answer> {
        def.questions
            .iter()
            .map(|q| {
                let best = q.options.iter().max_by_key(|o| o.score).unwrap();
                (
                    q.id.clone(),
                    Answer {
                        option_id: best.id.clone(),
                        evidence: None,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn nothing_answered_has_no_score() {
        let d = def();
        let r = score(&d, "a1", &BTreeMap::new());
        assert_eq!(r.overall_percent, None);
        assert!(!r.complete);
        assert_eq!(r.total as usize, d.questions.len());
        assert!(r.areas.iter().all(|a| a.score_percent.is_none()));
    }

    #[test]
    fn best_answers_score_100_everywhere() {
        let d = def();
        let r = score(&d, "a1", &best_answers(&d));
        assert!(r.complete);
        assert_eq!(r.overall_percent, Some(100));
        assert!(r.areas.iter().all(|a| a.score_percent == Some(100)
            && a.band == Some(ScoreBand::Strong)
            && a.findings.is_empty()));
    }

    #[test]
    fn weighted_mean_critical_cap_and_weakest_first() {
        let d = def();
        let mut answers = best_answers(&d);
        // Fail one critical question: its area is capped and comes first.
        let critical = d.questions.iter().find(|q| q.critical).unwrap();
        let worst = critical.options.iter().min_by_key(|o| o.score).unwrap();
        assert_eq!(worst.score, 0);
        answers.insert(
            critical.id.clone(),
            Answer {
                option_id: worst.id.clone(),
                evidence: Some(String::from("checked by this device: x")),
            },
        );
        let r = score(&d, "a1", &answers);
        let first = &r.areas[0];
        assert_eq!(first.area, critical.area);
        assert!(first.score_percent.unwrap() <= CRITICAL_CAP);
        assert_eq!(first.band, Some(ScoreBand::Weak));
        assert_eq!(first.findings[0].question_id, critical.id);
        assert!(first.findings[0].measured);
        // Uncapped: the weighted mean, rounded down, computed by hand.
        let area_qs: Vec<_> = d
            .questions
            .iter()
            .filter(|q| q.area == critical.area)
            .collect();
        let w: u32 = area_qs.iter().map(|q| q.weight).sum();
        let expect = (w - critical.weight) * 100 / w;
        assert_eq!(first.score_percent, Some(expect.min(CRITICAL_CAP)));
        let areas = r.areas.len() as u32;
        assert_eq!(
            r.overall_percent,
            Some((100 * (areas - 1) + expect.min(CRITICAL_CAP)) / areas)
        );
    }

    #[test]
    fn bands() {
        assert_eq!(ScoreBand::of(80), ScoreBand::Strong);
        assert_eq!(ScoreBand::of(79), ScoreBand::Fair);
        assert_eq!(ScoreBand::of(50), ScoreBand::Fair);
        assert_eq!(ScoreBand::of(49), ScoreBand::Weak);
    }
}
