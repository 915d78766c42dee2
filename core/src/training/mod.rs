//! Offline training: the content pack, progress, quiz scoring, refresher due dates and the
//! xAPI statements that record it all for the organisation.
//!
//! The pack in force is the installed `content` bundle, or the default pack built into the
//! library (`core/assets/default-pack.json`) when none is installed. The modules assigned to
//! a member of staff follow their role: `all_staff` gets the `all_staff` modules, `specialist`
//! gets every module. Progress and quiz answers are personal data and are stored sealed; each
//! change and the statements it produces are written in one transaction, so a statement is
//! queued if and only if the progress it reports was stored.
//!
//! Status of a module: `not_started`, `in_progress` (lesson viewed or quiz tried, not yet
//! passed), `completed` (passed, refresher more than [`DUE_SOON_DAYS`] days away), `due`
//! (refresher within [`DUE_SOON_DAYS`] days) and `overdue` (refresher date passed). The
//! refresher falls `refresher_days` (annual unless the pack says otherwise) after the last
//! pass.

pub mod pack;
pub mod quiz;
pub mod xapi;

use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use crate::bundle::{BundleKind, BundlePayload, BundleRefusal};
use crate::clock::{UnixMillis, DAY_MS};
use crate::config::StaffRole;
use crate::error::{Error, Result};

pub use crate::error::TrainingRefusal;
pub use pack::{Audience, Pack, QuestionKind};
pub use quiz::{QuestionResult, QuizAnswer};

/// A module is `due` from this many days before its refresher date.
pub const DUE_SOON_DAYS: i64 = 30;

/// How many statements the local "recent statements" copy keeps.
pub const KEPT_STATEMENTS: i64 = 500;

/// The default content pack, built from `content/` by `frontline pack build` and shipped in
/// the library; its integrity is that of the binary (`docs/adr/0030-embedded-default-pack.md`).
pub const DEFAULT_PACK_JSON: &[u8] = include_bytes!("../../assets/default-pack.json");

/// Where a module stands for this member of staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum TrainingStatus {
    /// Nothing done yet.
    NotStarted,
    /// Lesson viewed or quiz tried, never passed.
    InProgress,
    /// Passed; the refresher is more than 30 days away.
    Completed,
    /// Passed; the refresher is due within 30 days.
    Due,
    /// The refresher date has passed.
    Overdue,
}

impl TrainingStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Due => "due",
            Self::Overdue => "overdue",
        }
    }

    /// Whether the module counts as current (completed and not overdue).
    pub fn is_current(self) -> bool {
        matches!(self, Self::Completed | Self::Due)
    }
}

/// Where the pack in force came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PackSource {
    /// The default pack built into the library.
    BuiltIn,
    /// An installed, signed content bundle.
    Bundle,
}

/// The pack in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TrainingPackInfo {
    /// Pack id.
    pub id: String,
    /// Pack version (quiz answers name it).
    pub version: u64,
    /// Language of the text (BCP 47).
    pub language: String,
    /// Title.
    pub title: String,
    /// Built in or from a bundle.
    pub source: PackSource,
}

/// A module as listed, with this member of staff's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TrainingModule {
    /// Module id.
    pub id: String,
    /// Title.
    pub title: String,
    /// What the learner will be able to do.
    pub summary: String,
    /// Who it is for.
    pub audience: Audience,
    /// Estimated minutes.
    pub minutes: u32,
    /// Days from a pass to the refresher.
    pub refresher_days: u32,
    /// Status now.
    pub status: TrainingStatus,
    /// When the module was last passed.
    pub completed_at_ms: Option<UnixMillis>,
    /// When the refresher is due (only once passed).
    pub due_at_ms: Option<UnixMillis>,
    /// Score of the last attempt, percent.
    pub last_score_percent: Option<u32>,
}

/// One option as the learner sees it (no hint of correctness).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct QuizChoice {
    /// Option id.
    pub id: String,
    /// Option text.
    pub text: String,
}

/// One question as the learner sees it (no correct answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct QuizQuestion {
    /// Question id.
    pub id: String,
    /// Single or multiple choice.
    pub kind: QuestionKind,
    /// The question.
    pub prompt: String,
    /// The options.
    pub options: Vec<QuizChoice>,
}

/// A module in full, for the lesson and quiz screens. Carries no correct answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TrainingModuleDetail {
    /// The module as listed, with status.
    pub module: TrainingModule,
    /// Pack id.
    pub pack_id: String,
    /// Pack version: pass it back with the answers.
    pub pack_version: u64,
    /// Language of the text.
    pub language: String,
    /// The lesson, Markdown.
    pub lesson_markdown: String,
    /// One-line takeaways.
    pub key_points: Vec<String>,
    /// Pass mark, percent of questions.
    pub pass_mark_percent: u32,
    /// The questions.
    pub questions: Vec<QuizQuestion>,
}

/// The outcome of a quiz attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct QuizResult {
    /// Module id.
    pub module_id: String,
    /// Percent of questions right, rounded down.
    pub score_percent: u32,
    /// Questions right.
    pub correct_count: u32,
    /// Questions in the quiz.
    pub question_count: u32,
    /// Whether the pass mark was reached.
    pub passed: bool,
    /// The pass mark.
    pub pass_mark_percent: u32,
    /// Per question, in order: right or not, correct options, explanation.
    pub per_question: Vec<QuestionResult>,
    /// The module's status after this attempt.
    pub status: TrainingStatus,
    /// The refresher date after this attempt (once passed).
    pub due_at_ms: Option<UnixMillis>,
}

/// How much of the assigned training is current.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TrainingSummary {
    /// Modules assigned to this role.
    pub assigned: u32,
    /// Completed and not overdue (`completed` + `due`).
    pub current: u32,
    /// Of those current, due for a refresher within 30 days.
    pub due: u32,
    /// Past their refresher date.
    pub overdue: u32,
    /// Started, never passed.
    pub in_progress: u32,
    /// Not started.
    pub not_started: u32,
    /// `current / assigned` (0 with nothing assigned).
    pub current_share: f64,
}

/// Sealed per-module progress (`training_progress.state_sealed`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Progress {
    /// The attempt cycle under way (from the first event after a pass, to the next pass).
    pub(crate) registration: Option<String>,
    pub(crate) cycle_started_at: Option<UnixMillis>,
    pub(crate) lesson_viewed_at: Option<UnixMillis>,
    pub(crate) last_event_at: Option<UnixMillis>,
    pub(crate) attempts: u32,
    pub(crate) last_score_percent: Option<u32>,
    pub(crate) completed_at: Option<UnixMillis>,
    pub(crate) completed_pack_version: Option<u64>,
}

impl Progress {
    pub(crate) fn start_cycle(&mut self, now: UnixMillis) -> String {
        match &self.registration {
            Some(r) => r.clone(),
            None => {
                let r = uuid::Uuid::new_v4().to_string();
                self.registration = Some(r.clone());
                self.cycle_started_at = Some(now);
                self.lesson_viewed_at = None;
                self.last_event_at = None;
                r
            }
        }
    }
}

/// A quiz attempt as stored (sealed) in `quiz_attempt.answers_sealed`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StoredAttempt {
    pub(crate) registration: String,
    pub(crate) answers: Vec<QuizAnswer>,
    pub(crate) correct_count: u32,
    pub(crate) question_count: u32,
    pub(crate) passed: bool,
}

pub(crate) fn status_of(
    progress: Option<&Progress>,
    refresher_days: u32,
    now: UnixMillis,
) -> (TrainingStatus, Option<UnixMillis>) {
    let Some(p) = progress else {
        return (TrainingStatus::NotStarted, None);
    };
    if let Some(done) = p.completed_at {
        let due = done.saturating_add(i64::from(refresher_days).saturating_mul(DAY_MS));
        let status = if now >= due {
            TrainingStatus::Overdue
        } else if now >= due - DUE_SOON_DAYS * DAY_MS {
            TrainingStatus::Due
        } else {
            TrainingStatus::Completed
        };
        return (status, Some(due));
    }
    if p.lesson_viewed_at.is_some() || p.attempts > 0 {
        (TrainingStatus::InProgress, None)
    } else {
        (TrainingStatus::NotStarted, None)
    }
}

pub(crate) fn assigned(role: StaffRole, module: &pack::Module) -> bool {
    match role {
        StaffRole::Specialist => true,
        StaffRole::AllStaff => module.audience == Audience::AllStaff,
    }
}

pub(crate) fn refuse(r: TrainingRefusal) -> Error {
    Error::TrainingRefused(r)
}

static BUILT_IN: OnceLock<Option<Arc<Pack>>> = OnceLock::new();
type CachedPack = Option<(Vec<u8>, Arc<Pack>)>;
pub(crate) static INSTALLED: Mutex<CachedPack> = Mutex::new(None);

/// The built-in default pack, parsed once per process.
pub fn built_in_pack() -> Result<Arc<Pack>> {
    BUILT_IN
        .get_or_init(|| Pack::from_json(DEFAULT_PACK_JSON).ok().map(Arc::new))
        .clone()
        .ok_or(Error::Tampered)
}

pub(crate) const PROGRESS: &str = "training_progress";
pub(crate) const ATTEMPT: &str = "quiz_attempt";
pub(crate) const STATEMENT: &str = "training_statement";

impl BundlePayload for Pack {
    const KIND: BundleKind = BundleKind::Content;

    fn from_payload(payload: &[u8]) -> Result<Self, BundleRefusal> {
        Self::from_json(payload).map_err(|_| BundleRefusal::InvalidPayload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_pack_loads() {
        let pack = built_in_pack().unwrap();
        assert_eq!(pack.modules.len(), 12);
    }

    #[test]
    fn status_follows_the_refresher() {
        let done = Progress {
            completed_at: Some(0),
            ..Progress::default()
        };
        let at = |days: i64| status_of(Some(&done), 365, days * DAY_MS).0;
        assert_eq!(at(0), TrainingStatus::Completed);
        assert_eq!(at(334), TrainingStatus::Completed);
        assert_eq!(at(335), TrainingStatus::Due);
        assert_eq!(at(364), TrainingStatus::Due);
        assert_eq!(at(365), TrainingStatus::Overdue);
        assert_eq!(status_of(Some(&done), 365, 0).1, Some(365 * DAY_MS));
        assert_eq!(status_of(None, 365, 0), (TrainingStatus::NotStarted, None));
    }
}
