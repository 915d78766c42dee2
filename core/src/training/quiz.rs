//! Quiz scoring: pure, all-or-nothing per question.
//!
//! A question counts as right only when the chosen options are exactly the correct ones:
//! a multiple-choice answer that is partly right is wrong, an empty answer is wrong, an
//! unanswered question is wrong. Repeated option ids (and repeated answers to one question)
//! are merged before scoring. Answers naming a question or option the quiz does not have are
//! refused as a whole, so a mistake in the app never becomes a silent fail. The pass test is
//! exact (`right × 100 ≥ pass mark × questions`); the reported percentage is rounded down.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::pack::{Question, Quiz, QuizOption};
use super::TrainingRefusal;

/// The learner's answer to one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct QuizAnswer {
    /// The question answered.
    pub question_id: String,
    /// The options chosen (order and repeats do not matter).
    pub option_ids: Vec<String>,
}

/// How one question was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct QuestionResult {
    /// The question.
    pub question_id: String,
    /// Whether exactly the correct options were chosen.
    pub correct: bool,
    /// The options chosen (deduplicated, in the quiz's order).
    pub selected_option_ids: Vec<String>,
    /// The correct options.
    pub correct_option_ids: Vec<String>,
    /// Why the correct options are correct.
    pub explanation: String,
    /// Feedback on each chosen option that has some, in the quiz's order.
    pub feedback: Vec<String>,
}

/// The score of one attempt, before it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    /// Questions answered right.
    pub right: u32,
    /// Questions in the quiz.
    pub total: u32,
    /// `right × 100 / total`, rounded down.
    pub percent: u32,
    /// Whether the pass mark was reached.
    pub passed: bool,
    /// Per question, in the quiz's order.
    pub per_question: Vec<QuestionResult>,
}

/// Scores `answers` against `quiz`.
pub fn score(quiz: &Quiz, answers: &[QuizAnswer]) -> Result<Score, TrainingRefusal> {
    let mut chosen: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for answer in answers {
        let question = quiz
            .questions
            .iter()
            .find(|q| q.id == answer.question_id)
            .ok_or(TrainingRefusal::UnknownQuestion)?;
        let entry = chosen.entry(question.id.as_str()).or_default();
        for option_id in &answer.option_ids {
            let option = question
                .options
                .iter()
                .find(|o| &o.id == option_id)
                .ok_or(TrainingRefusal::UnknownOption)?;
            entry.insert(option.id.as_str());
        }
    }
    let mut right = 0u32;
    let mut per_question = Vec::with_capacity(quiz.questions.len());
    for q in &quiz.questions {
        let result = judge(q, chosen.get(q.id.as_str()));
        if result.correct {
            right += 1;
        }
        per_question.push(result);
    }
    let total = u32::try_from(quiz.questions.len())
        .unwrap_or(u32::MAX)
        .max(1);
    let percent = right.saturating_mul(100) / total;
    let passed = u64::from(right) * 100 >= u64::from(quiz.pass_mark_percent) * u64::from(total);
    Ok(Score {
        right,
        total,
        percent,
        passed,
        per_question,
    })
}

/// Judges one answer to `question` on its own (for feedback right after it is answered):
/// the same rules as [`score`], and the same refusal for an option the question does not have.
pub fn score_question(
    question: &Question,
    option_ids: &[String],
) -> Result<QuestionResult, TrainingRefusal> {
    let mut picked = BTreeSet::new();
    for option_id in option_ids {
        let option = question
            .options
            .iter()
            .find(|o| &o.id == option_id)
            .ok_or(TrainingRefusal::UnknownOption)?;
        picked.insert(option.id.as_str());
    }
    Ok(judge(question, Some(&picked)))
}

fn judge(q: &Question, picked: Option<&BTreeSet<&str>>) -> QuestionResult {
    let correct_set: BTreeSet<&str> = q.correct.iter().map(String::as_str).collect();
    let is_right = picked.is_some_and(|p| !p.is_empty() && *p == correct_set);
    let selected: Vec<&QuizOption> = q
        .options
        .iter()
        .filter(|o| picked.is_some_and(|p| p.contains(o.id.as_str())))
        .collect();
    QuestionResult {
        question_id: q.id.clone(),
        correct: is_right,
        selected_option_ids: selected.iter().map(|o| o.id.clone()).collect(),
        correct_option_ids: q
            .options
            .iter()
            .filter(|o| correct_set.contains(o.id.as_str()))
            .map(|o| o.id.clone())
            .collect(),
        explanation: q.explanation.clone(),
        feedback: selected.iter().filter_map(|o| o.feedback.clone()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::pack::tests::sample_pack;

    fn quiz() -> Quiz {
        // q1 single [a], q2 multiple [a,c], q3 single [b], q4 single [c], q5 multiple [b,c]
        sample_pack(1).modules[0].quiz.clone()
    }

    fn a(q: &str, opts: &[&str]) -> QuizAnswer {
        QuizAnswer {
            question_id: q.to_owned(),
            option_ids: opts.iter().map(|o| (*o).to_owned()).collect(),
        }
    }

    fn all_right() -> Vec<QuizAnswer> {
        vec![
            a("q1", &["a"]),
            a("q2", &["c", "a"]),
            a("q3", &["b"]),
            a("q4", &["c"]),
            a("q5", &["b", "c"]),
        ]
    }

    #[test]
    fn all_right_passes() {
        let s = score(&quiz(), &all_right()).unwrap();
        assert_eq!((s.right, s.total, s.percent, s.passed), (5, 5, 100, true));
        assert_eq!(s.per_question[1].correct_option_ids, vec!["a", "c"]);
        assert_eq!(s.per_question[0].feedback, vec!["Feedback on a."]);
    }

    #[test]
    fn multiple_choice_partly_right_is_wrong() {
        let mut answers = all_right();
        answers[1] = a("q2", &["a"]); // one of two correct
        let s = score(&quiz(), &answers).unwrap();
        assert!(!s.per_question[1].correct);
        answers[1] = a("q2", &["a", "b", "c"]); // both correct plus a wrong one
        let s = score(&quiz(), &answers).unwrap();
        assert!(!s.per_question[1].correct);
        assert_eq!((s.right, s.percent, s.passed), (4, 80, true));
    }

    #[test]
    fn repeated_options_and_answers_are_merged() {
        let mut answers = all_right();
        answers[0] = a("q1", &["a", "a", "a"]);
        answers[1] = a("q2", &["a"]);
        answers.push(a("q2", &["c", "c"]));
        let s = score(&quiz(), &answers).unwrap();
        assert_eq!(s.right, 5);
        assert_eq!(s.per_question[0].selected_option_ids, vec!["a"]);
        // A single question with two distinct options picked is wrong.
        let s = score(&quiz(), &[a("q1", &["a", "b"])]).unwrap();
        assert!(!s.per_question[0].correct);
    }

    #[test]
    fn empty_and_missing_answers_are_wrong() {
        let s = score(&quiz(), &[]).unwrap();
        assert_eq!((s.right, s.percent, s.passed), (0, 0, false));
        let s = score(&quiz(), &[a("q1", &[]), a("q2", &[])]).unwrap();
        assert_eq!(s.right, 0);
        assert!(s.per_question.iter().all(|q| !q.correct));
        let mut answers = all_right();
        answers.truncate(3);
        let s = score(&quiz(), &answers).unwrap();
        assert_eq!((s.right, s.percent, s.passed), (3, 60, false));
    }

    #[test]
    fn unknown_questions_and_options_are_refused() {
        assert_eq!(
            score(&quiz(), &[a("q9", &["a"])]).unwrap_err(),
            TrainingRefusal::UnknownQuestion
        );
        assert_eq!(
            score(&quiz(), &[a("q1", &["z"])]).unwrap_err(),
            TrainingRefusal::UnknownOption
        );
    }

    #[test]
    fn pass_mark_is_exact_and_percent_rounds_down() {
        let mut q = quiz();
        q.questions.truncate(3);
        q.pass_mark_percent = 67;
        // 2 of 3 = 66.67 %: reported 66, below 67.
        let s = score(&q, &[a("q1", &["a"]), a("q2", &["a", "c"])]).unwrap();
        assert_eq!((s.percent, s.passed), (66, false));
        q.pass_mark_percent = 66;
        let s = score(&q, &[a("q1", &["a"]), a("q2", &["a", "c"])]).unwrap();
        assert!(s.passed);
    }

    #[test]
    fn one_question_is_judged_like_the_whole_quiz() {
        let q = &quiz().questions[1]; // multiple [a,c]
        let ids = |o: &[&str]| o.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let right = score_question(q, &ids(&["c", "a", "a"])).unwrap();
        assert!(right.correct);
        assert_eq!(right.selected_option_ids, vec!["a", "c"]);
        let partly = score_question(q, &ids(&["a"])).unwrap();
        assert!(!partly.correct);
        assert_eq!(partly.correct_option_ids, vec!["a", "c"]);
        assert_eq!(partly.feedback, vec!["Feedback on a."]);
        assert!(!score_question(q, &[]).unwrap().correct);
        assert_eq!(
            score_question(q, &ids(&["z"])).unwrap_err(),
            TrainingRefusal::UnknownOption
        );
        let whole = score(&quiz(), &[a("q2", &["a"])]).unwrap();
        assert_eq!(whole.per_question[1], partly);
    }
}
