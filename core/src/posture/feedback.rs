//! MDM feedback: the latest posture report in the shapes the organisation's MDM reads.
//!
//! * Android Enterprise **keyed app states** (`KeyedAppStatesReporter`): one state per policy
//!   check plus the verdict, every time, so a later `info` on a key resolves an earlier `error`
//!   in the EMM console. Keys at most 100 characters, message and data at most 1000.
//! * The iOS **managed app feedback** dictionary (`com.apple.feedback.managed` in
//!   `UserDefaults`): a flat map of strings, ready for a plist.
//!
//! Feedback carries check ids, statuses and dates, never the staff pseudonym or raw facts
//! beyond what the report's `observed` text says.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::evaluate::CheckStatus;
use super::PostureReport;
use crate::clock::rfc3339;

/// Android Enterprise limit on a keyed app state key.
pub const MAX_KEY: usize = 100;
/// Android Enterprise limit on a keyed app state message.
pub const MAX_MESSAGE: usize = 1000;
/// Android Enterprise limit on a keyed app state's data.
pub const MAX_DATA: usize = 1000;

/// Keyed app state severity (Android `KeyedAppState.SEVERITY_INFO` / `SEVERITY_ERROR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum FeedbackSeverity {
    /// Informational (also resolves an earlier error on the same key).
    Info,
    /// Something the administrator should act on.
    Error,
}

/// One Android Enterprise keyed app state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct KeyedAppState {
    /// The key (≤ 100 characters), e.g. `posture.check.screen_lock`.
    pub key: String,
    /// Info or error.
    pub severity: FeedbackSeverity,
    /// A message for the administrator (≤ 1000 characters).
    pub message: String,
    /// Machine-readable data (compact JSON, ≤ 1000 characters).
    pub data: Option<String>,
}

/// Feedback for both MDM families.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MdmFeedback {
    /// Android Enterprise keyed app states, verdict first.
    pub keyed_app_states: Vec<KeyedAppState>,
    /// The iOS `com.apple.feedback.managed` dictionary.
    pub ios_managed_feedback: HashMap<String, String>,
}

/// Cuts `text` to at most `max` bytes on a character boundary (Android counts UTF-16 units;
/// a UTF-8 byte count is never smaller, so the cut is always within the limit).
pub fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

fn state(
    key: String,
    severity: FeedbackSeverity,
    message: String,
    data: serde_json::Value,
) -> KeyedAppState {
    KeyedAppState {
        key: truncate(&key, MAX_KEY),
        severity,
        message: truncate(&message, MAX_MESSAGE),
        data: Some(truncate(&data.to_string(), MAX_DATA)),
    }
}

/// Builds the feedback for `report` (or for "no check yet" when `None`).
pub fn feedback(report: Option<&PostureReport>) -> MdmFeedback {
    let Some(report) = report else {
        return MdmFeedback {
            keyed_app_states: vec![state(
                String::from("posture.verdict"),
                FeedbackSeverity::Error,
                String::from("No device posture check has run yet."),
                serde_json::json!({ "verdict": "unknown" }),
            )],
            ios_managed_feedback: HashMap::from([(
                String::from("posture.verdict"),
                String::from("unknown"),
            )]),
        };
    };
    let verdict = report.verdict.as_str();
    let checked_at = rfc3339(report.created_at_ms);
    let failing: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| matches!(c.status, CheckStatus::Fail | CheckStatus::Unknown))
        .map(|c| c.check_id.as_str())
        .collect();
    let verdict_severity = if report.verdict == super::Verdict::Compliant {
        FeedbackSeverity::Info
    } else {
        FeedbackSeverity::Error
    };
    let mut message = format!(
        "Device posture {verdict} (checked {checked_at}, policy {} {}).",
        report.policy_id, report.policy_version
    );
    if !failing.is_empty() {
        message.push_str(&format!(" Not passing: {}.", failing.join(", ")));
    }
    let mut states = vec![state(
        String::from("posture.verdict"),
        verdict_severity,
        message,
        serde_json::json!({
            "verdict": verdict,
            "checked_at": checked_at,
            "report_id": report.report_id,
            "trigger": report.trigger.as_str(),
            "request_id": report.trigger.request_id(),
        }),
    )];
    let mut ios = HashMap::from([
        (String::from("posture.verdict"), verdict.to_owned()),
        (String::from("posture.checked_at"), checked_at.clone()),
        (String::from("posture.report_id"), report.report_id.clone()),
        (
            String::from("posture.policy"),
            format!("{} {}", report.policy_id, report.policy_version),
        ),
    ]);
    if let Some(id) = report.trigger.request_id() {
        ios.insert(String::from("posture.request_id"), id.to_owned());
    }
    for check in &report.checks {
        let severity = match check.status {
            CheckStatus::Fail | CheckStatus::Unknown => FeedbackSeverity::Error,
            CheckStatus::Pass | CheckStatus::Warn | CheckStatus::NotApplicable => {
                FeedbackSeverity::Info
            }
        };
        let mut message = format!(
            "{}: {}. Observed: {}. Expected: {}.",
            check.title,
            check.status.as_str(),
            check.observed,
            check.expected
        );
        if let Some(deadline) = check.grace_deadline_ms {
            message.push_str(&format!(" Fix by {}.", rfc3339(deadline)));
        }
        states.push(state(
            format!("posture.check.{}", check.check_id),
            severity,
            message,
            serde_json::json!({
                "status": check.status.as_str(),
                "severity": check.severity.as_str(),
                "grace_deadline": check.grace_deadline_ms.map(rfc3339),
            }),
        ));
        ios.insert(
            format!("posture.check.{}", check.check_id),
            check.status.as_str().to_owned(),
        );
    }
    MdmFeedback {
        keyed_app_states: states,
        ios_managed_feedback: ios,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_respects_char_boundaries() {
        let text = "é".repeat(600);
        let cut = truncate(&text, MAX_MESSAGE);
        assert!(cut.len() <= MAX_MESSAGE);
        assert_eq!(cut.chars().count(), 500);
        assert_eq!(truncate("short", 10), "short");
    }

    #[test]
    fn no_report_is_an_error_state() {
        let f = feedback(None);
        assert_eq!(f.keyed_app_states.len(), 1);
        assert_eq!(f.keyed_app_states[0].severity, FeedbackSeverity::Error);
        assert_eq!(f.ios_managed_feedback["posture.verdict"], "unknown");
    }
}
