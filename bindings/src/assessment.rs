//! The self-assessment on the exported `Companion`: start or resume, answer, submit, and
//! compare with the organisation's benchmark. Each method is one call into the core.

use frontline_core::assessment::{AssessmentResult, AssessmentSession, AssessmentStanding};

use crate::{Companion, FrontlineError};

#[uniffi::export]
impl Companion {
    /// Starts an assessment or resumes the one in progress (a `team` from the assessment's
    /// list replaces the one chosen before). Questions the device can answer come back
    /// answered and `measured`.
    pub fn start_assessment(
        &self,
        team: Option<String>,
    ) -> Result<AssessmentSession, FrontlineError> {
        self.with(|c| c.start_assessment(team))
    }

    /// The assessment in progress, if any.
    pub fn current_assessment(&self) -> Result<Option<AssessmentSession>, FrontlineError> {
        self.with(|c| c.current_assessment())
    }

    /// Answers one question and saves it. Contradicting a measured answer is refused with
    /// `AssessmentRefused(MeasuredAnswer)`.
    pub fn answer_assessment(
        &self,
        question_id: String,
        option_id: String,
    ) -> Result<AssessmentSession, FrontlineError> {
        self.with(|c| c.answer_assessment(&question_id, &option_id))
    }

    /// Submits the complete assessment: stored sealed, queued once as an `assessment` report.
    pub fn submit_assessment(&self) -> Result<AssessmentResult, FrontlineError> {
        self.with(|c| c.submit_assessment())
    }

    /// The latest submitted result, if any.
    pub fn latest_assessment_result(&self) -> Result<Option<AssessmentResult>, FrontlineError> {
        self.with(|c| c.latest_assessment_result())
    }

    /// Where the latest result stands against the installed benchmark bundle, offline.
    pub fn assessment_standing(&self) -> Result<Option<AssessmentStanding>, FrontlineError> {
        self.with(|c| c.assessment_standing())
    }
}
