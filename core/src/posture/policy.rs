//! The organisation's device policy: which checks run, how severe a failure is, how long a
//! member of staff has to fix it, and how to fix it.
//!
//! A policy arrives as the payload of a signed `policy` bundle (JSON, `docs/policy.md`); until
//! one is installed the built-in default (`core/assets/default-policy.json`, aligned with Cyber
//! Essentials v3.3 and NCSC device guidance) is in force. [`Policy::parse`] checks a payload
//! completely before it can be installed, so an installed policy is always usable.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::facts::{LockComplexity, RootSignal, Version};
use super::words::{AdviceProblem, AdviceSection};

/// The built-in policy, in force until the organisation installs its own.
pub const DEFAULT_POLICY: &[u8] = include_bytes!("../../assets/default-policy.json");

/// The payload format this build reads.
pub const POLICY_FORMAT: u32 = 1;

/// Most checks a policy may hold.
pub const MAX_CHECKS: usize = 64;

/// Longest check id (it becomes part of an MDM feedback key, which is capped at 100).
pub const MAX_CHECK_ID: usize = 64;

/// Longest grace period in days.
pub const MAX_GRACE_DAYS: u32 = 365;

/// How much a failing check matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Severity {
    /// Fix now: the device exposes patient data.
    Critical,
    /// Fix soon.
    High,
    /// Worth fixing.
    Medium,
    /// Advice.
    Low,
}

impl Severity {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }
}

/// The settings screen that fixes a check. Android maps it to an `Intent` action, iOS to the
/// Settings app (iOS offers no public deep link into system settings, so the app shows the
/// path to follow). See `docs/posture.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SettingsTarget {
    /// Screen lock settings (Android `android.settings.SECURITY_SETTINGS`; iOS Face ID/Touch
    /// ID & Passcode).
    SecuritySettings,
    /// Enrol a fingerprint or face (Android `android.settings.BIOMETRIC_ENROLL`, API 30).
    BiometricEnroll,
    /// Check for system updates (Android: the settings app's system update screen; iOS:
    /// General › Software Update).
    SystemUpdate,
    /// Developer options (Android `android.settings.APPLICATION_DEVELOPMENT_SETTINGS`).
    DeveloperOptions,
    /// Install-unknown-apps permissions (Android `android.settings.MANAGE_UNKNOWN_APP_SOURCES`,
    /// API 26).
    UnknownSources,
    /// Encryption settings (Android: security settings; iOS: set a passcode).
    EncryptionSettings,
    /// No settings screen fixes this (e.g. replace the device, contact IT).
    None,
}

impl SettingsTarget {
    /// The Android `Intent` action that opens the screen, where a public one exists.
    pub fn android_action(self) -> Option<&'static str> {
        match self {
            Self::SecuritySettings | Self::EncryptionSettings => {
                Some("android.settings.SECURITY_SETTINGS")
            }
            Self::BiometricEnroll => Some("android.settings.BIOMETRIC_ENROLL"),
            Self::SystemUpdate => Some("android.settings.SETTINGS"),
            Self::DeveloperOptions => Some("android.settings.APPLICATION_DEVELOPMENT_SETTINGS"),
            Self::UnknownSources => Some("android.settings.MANAGE_UNKNOWN_APP_SOURCES"),
            Self::None => None,
        }
    }

    /// The abstract iOS target the app turns into instructions (`ios:passcode`, …).
    pub fn ios_target(self) -> Option<&'static str> {
        match self {
            Self::SecuritySettings | Self::EncryptionSettings => Some("ios:passcode"),
            Self::BiometricEnroll => Some("ios:biometrics"),
            Self::SystemUpdate => Some("ios:software_update"),
            Self::DeveloperOptions | Self::UnknownSources | Self::None => None,
        }
    }
}

/// How to fix a failing check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Remediation {
    /// The training module that explains the fix (e.g. `screen-lock`).
    pub lesson_id: Option<String>,
    /// The settings screen to open.
    pub settings_target: SettingsTarget,
}

/// What a settings check yields when the setting is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Violation {
    /// A warning: reported, does not affect the verdict.
    Warn,
    /// A failure.
    Fail,
}

/// Minimum OS versions, per platform (text such as `14` or `18.0`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinVersions {
    /// Oldest supported Android version.
    pub android: Option<String>,
    /// Oldest supported iOS version.
    pub ios: Option<String>,
}

/// What a check tests, with its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// A secure screen lock of at least `min_complexity`; where the platform cannot report the
    /// complexity (iOS, Android < 10) a secure lock plus `accept_unknown_complexity` passes.
    ScreenLock {
        /// The weakest acceptable complexity band.
        min_complexity: LockComplexity,
        /// Whether a secure lock of unknown complexity passes (iOS enforces a 6-digit
        /// passcode by default; the organisation decides).
        #[serde(default)]
        accept_unknown_complexity: bool,
    },
    /// Storage encryption is on, with a key tied to the user's credential.
    Encryption {
        /// Whether `active_default_key` (readable without the user's credential) passes.
        #[serde(default)]
        allow_default_key: bool,
    },
    /// The OS version is one the vendor still supports with security updates.
    OsVersion {
        /// Oldest supported version per platform.
        min: MinVersions,
    },
    /// Security updates are installed within `max_days` of release.
    SecurityUpdates {
        /// Days after a release by which it must be installed (Cyber Essentials: 14).
        max_days: u32,
        /// When the release table does not cover today, the oldest acceptable patch age.
        fallback_max_age_days: u32,
    },
    /// Root or jailbreak, graded from several signals.
    RootJailbreak {
        /// Weight of each signal; signals without a weight count 1.
        weights: BTreeMap<RootSignal, u32>,
        /// Score at or above which the check fails (with at least `min_signals_to_fail`).
        fail_score: u32,
        /// Distinct signals needed before the check can fail: never one heuristic alone.
        min_signals_to_fail: u32,
    },
    /// Android developer options are off.
    DeveloperOptions {
        /// What "on" yields.
        on_violation: Violation,
    },
    /// Android USB debugging is off.
    UsbDebugging {
        /// What "on" yields.
        on_violation: Violation,
    },
    /// Installing apps from unknown sources is not allowed.
    UnknownSources {
        /// What "allowed" yields.
        on_violation: Violation,
    },
}

/// One check of the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyCheck {
    /// Stable identifier (`[a-z0-9_]`, at most 64 characters), e.g. `screen_lock`.
    pub id: String,
    /// Short title for people.
    pub title: String,
    /// How much a failure matters.
    pub severity: Severity,
    /// Days a member of staff has to fix a failure before the device is non-compliant.
    pub grace_days: u32,
    /// What is tested.
    pub rule: Rule,
    /// How to fix it.
    pub remediation: Remediation,
}

/// A device policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Payload format (1).
    pub format: u32,
    /// Identifier of the policy, e.g. `frontline-default`.
    pub id: String,
    /// The policy's own version label (the bundle carries the monotonic version).
    pub version: String,
    /// What the policy is aligned with, for people.
    #[serde(default)]
    pub basis: Vec<String>,
    /// The checks, in display order.
    pub checks: Vec<PolicyCheck>,
    /// The words shown to staff: string tables and per-check, per-platform entries
    /// (`docs/policy.md`). Absent in policies written before it existed: their checks then
    /// borrow the built-in policy's words where the check id and rule type match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advice: Option<AdviceSection>,
}

/// Why a policy payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyProblem {
    /// Not JSON of the policy shape.
    #[error("the policy is not well-formed ({0})")]
    Malformed(String),
    /// A format this build does not read.
    #[error("unsupported policy format {0}")]
    UnsupportedFormat(u32),
    /// No checks, or too many.
    #[error("the policy must hold between 1 and {MAX_CHECKS} checks")]
    CheckCount,
    /// A check id is empty, too long or has characters outside `[a-z0-9_]`.
    #[error("check {0} has an invalid id")]
    BadCheckId(usize),
    /// Two checks share an id.
    #[error("check {0} repeats an earlier id")]
    DuplicateCheckId(usize),
    /// A grace period longer than a year.
    #[error("check {0} has a grace period over {MAX_GRACE_DAYS} days")]
    GraceTooLong(usize),
    /// A parameter is out of range or does not parse.
    #[error("check {0} has an invalid parameter ({1})")]
    BadParameter(usize, &'static str),
    /// A lesson id with characters outside `[a-z0-9-]`.
    #[error("check {0} names an invalid lesson id")]
    BadLessonId(usize),
    /// The `advice` section (the words shown to staff) is unusable.
    #[error("the policy's advice is unusable: {0}")]
    Advice(AdviceProblem),
}

/// Whether `id` is a valid check id: 1–64 characters of `[a-z0-9_]`.
pub(crate) fn valid_check_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_CHECK_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn valid_lesson_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Policy {
    /// Parses and checks a policy payload completely. Texts its `advice` section names may
    /// come from the built-in policy's tables.
    pub fn parse(payload: &[u8]) -> Result<Self, PolicyProblem> {
        Self::parse_with(payload, builtin_advice())
    }

    fn parse_with(payload: &[u8], fallback: Option<&AdviceSection>) -> Result<Self, PolicyProblem> {
        let policy: Self = serde_json::from_slice(payload).map_err(|e| {
            PolicyProblem::Malformed(format!(
                "{:?} at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        policy.validate(fallback)?;
        Ok(policy)
    }

    /// The built-in default policy.
    pub fn default_policy() -> Result<Self, PolicyProblem> {
        Self::parse_with(DEFAULT_POLICY, None)
    }

    /// The check with id `id`.
    pub fn check(&self, id: &str) -> Option<&PolicyCheck> {
        self.checks.iter().find(|c| c.id == id)
    }

    fn validate(&self, fallback: Option<&AdviceSection>) -> Result<(), PolicyProblem> {
        if self.format != POLICY_FORMAT {
            return Err(PolicyProblem::UnsupportedFormat(self.format));
        }
        if self.checks.is_empty() || self.checks.len() > MAX_CHECKS {
            return Err(PolicyProblem::CheckCount);
        }
        let mut seen = BTreeSet::new();
        for (i, check) in self.checks.iter().enumerate() {
            if !valid_check_id(&check.id) {
                return Err(PolicyProblem::BadCheckId(i));
            }
            if !seen.insert(check.id.as_str()) {
                return Err(PolicyProblem::DuplicateCheckId(i));
            }
            if check.grace_days > MAX_GRACE_DAYS {
                return Err(PolicyProblem::GraceTooLong(i));
            }
            if let Some(lesson) = &check.remediation.lesson_id {
                if !valid_lesson_id(lesson) {
                    return Err(PolicyProblem::BadLessonId(i));
                }
            }
            validate_rule(i, &check.rule)?;
        }
        if let Some(advice) = &self.advice {
            let ids: BTreeSet<&str> = self.checks.iter().map(|c| c.id.as_str()).collect();
            advice
                .validate(&ids, fallback)
                .map_err(PolicyProblem::Advice)?;
        }
        Ok(())
    }
}

/// The built-in policy, parsed once per process (`None` only if the built-in were broken,
/// which a test rules out).
pub fn builtin_policy() -> Option<&'static Policy> {
    static BUILTIN: std::sync::OnceLock<Option<Policy>> = std::sync::OnceLock::new();
    BUILTIN
        .get_or_init(|| Policy::default_policy().ok())
        .as_ref()
}

/// The built-in policy's `advice` section.
pub fn builtin_advice() -> Option<&'static AdviceSection> {
    builtin_policy().and_then(|p| p.advice.as_ref())
}

fn validate_rule(i: usize, rule: &Rule) -> Result<(), PolicyProblem> {
    match rule {
        Rule::OsVersion { min } => {
            for v in [&min.android, &min.ios].into_iter().flatten() {
                if Version::parse(v).is_none() {
                    return Err(PolicyProblem::BadParameter(i, "min version"));
                }
            }
            if min.android.is_none() && min.ios.is_none() {
                return Err(PolicyProblem::BadParameter(i, "min version"));
            }
        }
        Rule::SecurityUpdates {
            max_days,
            fallback_max_age_days,
        } => {
            if *max_days == 0 || *max_days > 365 {
                return Err(PolicyProblem::BadParameter(i, "max_days"));
            }
            if *fallback_max_age_days < *max_days || *fallback_max_age_days > 730 {
                return Err(PolicyProblem::BadParameter(i, "fallback_max_age_days"));
            }
        }
        Rule::RootJailbreak {
            weights,
            fail_score,
            min_signals_to_fail,
        } => {
            if *fail_score == 0 || *fail_score > 1000 {
                return Err(PolicyProblem::BadParameter(i, "fail_score"));
            }
            if *min_signals_to_fail < 2 || *min_signals_to_fail > 9 {
                return Err(PolicyProblem::BadParameter(i, "min_signals_to_fail"));
            }
            if weights.values().any(|w| *w == 0 || *w > 100) {
                return Err(PolicyProblem::BadParameter(i, "weights"));
            }
        }
        Rule::ScreenLock { .. }
        | Rule::Encryption { .. }
        | Rule::DeveloperOptions { .. }
        | Rule::UsbDebugging { .. }
        | Rule::UnknownSources { .. } => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_json() -> serde_json::Value {
        serde_json::from_slice(DEFAULT_POLICY).unwrap()
    }

    fn parse_value(v: &serde_json::Value) -> Result<Policy, PolicyProblem> {
        Policy::parse(&serde_json::to_vec(v).unwrap())
    }

    #[test]
    fn default_policy_parses_and_covers_the_issue() {
        let policy = Policy::default_policy().unwrap();
        let ids: Vec<&str> = policy.checks.iter().map(|c| c.id.as_str()).collect();
        for id in [
            "screen_lock",
            "encryption",
            "os_supported",
            "security_updates",
            "root_jailbreak",
            "developer_options",
            "usb_debugging",
        ] {
            assert!(ids.contains(&id), "{id} missing");
        }
        for check in &policy.checks {
            assert!(check.remediation.lesson_id.is_some(), "{}", check.id);
        }
    }

    #[test]
    fn bad_policies_are_refused_with_a_reason() {
        let mut v = default_json();
        v["format"] = 2.into();
        assert_eq!(parse_value(&v), Err(PolicyProblem::UnsupportedFormat(2)));

        let mut v = default_json();
        v["checks"][1]["id"] = v["checks"][0]["id"].clone();
        assert_eq!(parse_value(&v), Err(PolicyProblem::DuplicateCheckId(1)));

        let mut v = default_json();
        v["checks"][0]["id"] = "Screen Lock".into();
        assert_eq!(parse_value(&v), Err(PolicyProblem::BadCheckId(0)));

        let mut v = default_json();
        v["checks"][0]["grace_days"] = 400.into();
        assert_eq!(parse_value(&v), Err(PolicyProblem::GraceTooLong(0)));

        let mut v = default_json();
        v["checks"] = serde_json::json!([]);
        assert_eq!(parse_value(&v), Err(PolicyProblem::CheckCount));

        let mut v = default_json();
        v["checks"][0]["remediation"]["lesson_id"] = "../etc".into();
        assert_eq!(parse_value(&v), Err(PolicyProblem::BadLessonId(0)));

        let mut v = default_json();
        v["checks"][0]["rule"]["colour"] = "red".into();
        assert!(matches!(parse_value(&v), Err(PolicyProblem::Malformed(_))));

        assert!(matches!(
            Policy::parse(b"{"),
            Err(PolicyProblem::Malformed(_))
        ));
    }

    #[test]
    fn bad_advice_is_refused_with_a_typed_problem() {
        let mut v = default_json();
        v["advice"]["checks"]["bluetooth_off"] = v["advice"]["checks"]["screen_lock"].clone();
        assert_eq!(
            parse_value(&v),
            Err(PolicyProblem::Advice(AdviceProblem::UnknownCheck(
                "bluetooth_off".into()
            )))
        );

        let mut v = default_json();
        v["advice"]["checks"]["screen_lock"][0]["steps"][0] = "check.nope".into();
        assert_eq!(
            parse_value(&v),
            Err(PolicyProblem::Advice(AdviceProblem::MissingText {
                check: "screen_lock".into(),
                key: "check.nope".into()
            }))
        );

        let mut v = default_json();
        v["advice"]["checks"]["screen_lock"][0]["steps"] = serde_json::json!([]);
        assert!(matches!(
            parse_value(&v),
            Err(PolicyProblem::Advice(AdviceProblem::BadEntry {
                entry: 0,
                ..
            }))
        ));

        let mut v = default_json();
        v["advice"]["checks"]["screen_lock"][0]["min_major"] = 14.into();
        v["advice"]["checks"]["screen_lock"][0]["max_major"] = 12.into();
        assert!(matches!(
            parse_value(&v),
            Err(PolicyProblem::Advice(AdviceProblem::BadEntry { .. }))
        ));

        let mut v = default_json();
        v["advice"]["checks"]["screen_lock"][0]["platform"] = "other".into();
        assert!(matches!(
            parse_value(&v),
            Err(PolicyProblem::Advice(AdviceProblem::BadEntry { .. }))
        ));

        let mut v = default_json();
        v["advice"]["strings"]["en"]["status.fail_by"] = "Fix by {deadline}".into();
        assert!(matches!(
            parse_value(&v),
            Err(PolicyProblem::Advice(AdviceProblem::BadText {
                reason: "unknown placeholder",
                ..
            }))
        ));

        let mut v = default_json();
        v["advice"]["strings"]["en"]["status.fail_by"] = "Fix by {date".into();
        assert!(matches!(
            parse_value(&v),
            Err(PolicyProblem::Advice(AdviceProblem::BadText {
                reason: "unbalanced braces",
                ..
            }))
        ));

        let mut v = default_json();
        v["advice"]["strings"]["EN"] = serde_json::json!({ "status.pass": "OK" });
        assert_eq!(
            parse_value(&v),
            Err(PolicyProblem::Advice(AdviceProblem::BadLanguage))
        );

        let mut v = default_json();
        v["advice"]["strings"]["fr"] = serde_json::json!({ "status.pas": "OK" });
        assert_eq!(
            parse_value(&v),
            Err(PolicyProblem::Advice(AdviceProblem::NoEnglish {
                language: "fr".into(),
                key: "status.pas".into()
            }))
        );

        let mut v = default_json();
        v["advice"]["strings"]["en"]["Status Pass"] = "OK".into();
        assert_eq!(
            parse_value(&v),
            Err(PolicyProblem::Advice(AdviceProblem::BadKey("en".into())))
        );

        let mut v = default_json();
        v["advice"]["strings"]["en"]["status.pass"] = serde_json::json!(1);
        assert!(matches!(parse_value(&v), Err(PolicyProblem::Malformed(_))));

        let mut v = default_json();
        v["advice"]["checks"]["screen_lock"][0]["colour"] = "red".into();
        assert!(matches!(parse_value(&v), Err(PolicyProblem::Malformed(_))));
    }

    #[test]
    fn a_policy_without_advice_loads() {
        let mut v = default_json();
        v.as_object_mut().unwrap().remove("advice");
        let policy = parse_value(&v).unwrap();
        assert_eq!(policy.advice, None);
        // Its own partial words may lean on the built-in English table.
        v["advice"] = serde_json::json!({
            "strings": { "cy": { "status.pass": "Iawn" } },
            "checks": { "screen_lock": [{
                "platform": "ios",
                "title": "check.screen_lock.title",
                "why": "check.screen_lock.why",
                "steps": ["step.open_settings"]
            }] }
        });
        assert!(parse_value(&v).is_ok());
    }

    #[test]
    fn root_rule_cannot_fail_on_one_signal() {
        let mut v = default_json();
        let idx = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c["id"] == "root_jailbreak")
            .unwrap();
        v["checks"][idx]["rule"]["min_signals_to_fail"] = 1.into();
        assert_eq!(
            parse_value(&v),
            Err(PolicyProblem::BadParameter(idx, "min_signals_to_fail"))
        );
    }

    #[test]
    fn settings_targets_map_to_platform_screens() {
        assert_eq!(
            SettingsTarget::SecuritySettings.android_action(),
            Some("android.settings.SECURITY_SETTINGS")
        );
        assert_eq!(
            SettingsTarget::SecuritySettings.ios_target(),
            Some("ios:passcode")
        );
        assert_eq!(SettingsTarget::None.android_action(), None);
    }
}
