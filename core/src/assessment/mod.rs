//! Self-assessment: a member of staff rates their own cyber hygiene, area by area, and sees
//! where they are weakest, what good looks like and how they compare with the organisation.
//!
//! The questions come from a signed `assessment` bundle ([`definition`]; until one is
//! installed, the default built into the library, `core/assets/default-assessment.json`).
//! What the device already knows (posture facts and check results, training status, advisory
//! acknowledgements) answers some questions by itself ([`prefill`]): those answers are shown as
//! "checked by this device" and cannot be contradicted. [`score`] turns answers into a score
//! per area and overall, weakest areas first with the linked lesson or fix. [`benchmark`] is
//! the organisation's picture (quartiles per area across devices and teams), published back as
//! a signed `benchmark` bundle so the device can say where it stands while offline.
//!
//! Saving, resuming and queueing the `assessment` report (sealed, exactly once) are on the
//! `Companion` (`companion/assessment.rs`). Answers never leave the device with more than the
//! device id and an optional team label chosen from the bundle's list.

pub mod benchmark;
pub mod definition;
pub mod prefill;
pub mod score;

use serde::{Deserialize, Serialize};

pub use crate::error::AssessmentRefusal;
pub use benchmark::{AreaStanding, AssessmentStanding, Benchmark, Quarter};
pub use definition::{AssessmentDefinition, AssessmentProblem, DEFAULT_ASSESSMENT};
pub use prefill::{DeviceKnowledge, Measured, PrefillRule};
pub use score::{AreaResult, AssessmentResult, Finding, ScoreBand};

/// The areas an assessment covers, in the order they are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AssessmentArea {
    /// Passwords and multi-factor authentication.
    PasswordsMfa,
    /// Smartcards and shared logins.
    SmartcardsSharedLogins,
    /// Phishing.
    Phishing,
    /// Device and screen locking.
    DeviceLocking,
    /// Data on the move (email, messaging, removable media, printing, photos).
    DataOnTheMove,
    /// Updates.
    Updates,
    /// Reporting incidents.
    Reporting,
}

impl AssessmentArea {
    /// Every area, in order.
    pub const ALL: [AssessmentArea; 7] = [
        Self::PasswordsMfa,
        Self::SmartcardsSharedLogins,
        Self::Phishing,
        Self::DeviceLocking,
        Self::DataOnTheMove,
        Self::Updates,
        Self::Reporting,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PasswordsMfa => "passwords_mfa",
            Self::SmartcardsSharedLogins => "smartcards_shared_logins",
            Self::Phishing => "phishing",
            Self::DeviceLocking => "device_locking",
            Self::DataOnTheMove => "data_on_the_move",
            Self::Updates => "updates",
            Self::Reporting => "reporting",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// One answer option as the member of staff sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AssessmentChoice {
    /// Option id.
    pub id: String,
    /// Option text.
    pub text: String,
}

/// One question as shown, with its answer so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AssessmentQuestion {
    /// Question id.
    pub id: String,
    /// Its area.
    pub area: AssessmentArea,
    /// The question.
    pub prompt: String,
    /// The options.
    pub options: Vec<AssessmentChoice>,
    /// The chosen option, if answered (by the member of staff or by the device).
    pub answer: Option<String>,
    /// Answered by the device ("checked by this device"): the answer cannot be changed.
    pub measured: bool,
    /// For a measured answer, what the device found, in words.
    pub evidence: Option<String>,
}

/// A team the organisation lists in its assessment, for the team benchmark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AssessmentTeam {
    /// Team id (`[a-z0-9-]`, at most 64 characters).
    pub id: String,
    /// Its name.
    pub name: String,
}

/// An assessment in progress (or just submitted), ready for the screens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AssessmentSession {
    /// Id of this assessment.
    pub assessment_id: String,
    /// The definition's id.
    pub definition_id: String,
    /// The definition's version label.
    pub definition_version: String,
    /// When it was started.
    pub started_at_ms: i64,
    /// The team chosen, if any.
    pub team: Option<String>,
    /// The teams to choose from.
    pub teams: Vec<AssessmentTeam>,
    /// Every question, in order, with the answers so far.
    pub questions: Vec<AssessmentQuestion>,
    /// The score so far (areas with no answer yet have no score).
    pub result: AssessmentResult,
}
