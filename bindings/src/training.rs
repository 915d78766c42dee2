//! Training on the exported `Companion`: modules for the role, lessons, quizzes, status and
//! the xAPI statements queued for the organisation.

use frontline_core::training::{
    QuestionResult, QuizAnswer, QuizResult, TrainingModule, TrainingModuleDetail, TrainingPackInfo,
    TrainingSummary,
};

use crate::{Companion, FrontlineError};

#[uniffi::export]
impl Companion {
    /// The training pack in force: an installed content bundle, or the built-in default.
    pub fn training_pack(&self) -> Result<TrainingPackInfo, FrontlineError> {
        self.with(|c| c.training_pack())
    }

    /// The modules assigned to this member of staff's role, in order, with status and due date.
    pub fn training_modules(&self) -> Result<Vec<TrainingModule>, FrontlineError> {
        self.with(|c| c.training_modules())
    }

    /// One module in full (lesson, key points, quiz without the answers). Refused with
    /// `TrainingRefused` for an unknown module or one not assigned to the role.
    pub fn training_module(
        &self,
        module_id: String,
    ) -> Result<TrainingModuleDetail, FrontlineError> {
        self.with(|c| c.training_module(&module_id))
    }

    /// Records that the lesson was viewed (queues an `experienced` statement once per cycle).
    pub fn lesson_viewed(&self, module_id: String) -> Result<TrainingModule, FrontlineError> {
        self.with(|c| c.lesson_viewed(&module_id))
    }

    /// Scores a quiz attempt for the pack version the learner saw, records it and queues the
    /// statements. Refused with `TrainingRefused` for unknown questions or options, a pack
    /// version no longer installed, or a module not assigned to the role.
    pub fn submit_quiz(
        &self,
        module_id: String,
        pack_version: u64,
        answers: Vec<QuizAnswer>,
    ) -> Result<QuizResult, FrontlineError> {
        self.with(|c| c.submit_quiz(&module_id, pack_version, answers))
    }

    /// Judges one answer on its own, for feedback right after the learner answers it: right or
    /// not, the correct options, the explanation and the chosen options' feedback. Records
    /// nothing (the attempt is recorded by `submit_quiz`); refused like `submit_quiz`.
    pub fn answer_feedback(
        &self,
        module_id: String,
        pack_version: u64,
        answer: QuizAnswer,
    ) -> Result<QuestionResult, FrontlineError> {
        self.with(|c| c.answer_feedback(&module_id, pack_version, &answer))
    }

    /// The share of assigned modules that are current, and counts per status.
    pub fn training_summary(&self) -> Result<TrainingSummary, FrontlineError> {
        self.with(|c| c.training_summary())
    }

    /// The most recent xAPI statements queued by this device (JSON text, newest first).
    pub fn recent_training_statements(&self, limit: u32) -> Result<Vec<String>, FrontlineError> {
        self.with(|c| c.recent_training_statements(limit))
    }
}
