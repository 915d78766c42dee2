//! Evaluation: facts × policy × time × grace state → a result per check and a verdict.
//!
//! A pure function with no I/O, so every rule can be tested over injected time and odd
//! inputs. It never panics and never guesses: a fact that is missing, unreadable or
//! implausible (a patch date in the future) gives `unknown` with the reason in `observed`.
//! Unknown is never a pass, and a check whose status is unknown keeps its grace clock running
//! (a flaky probe must not reset a deadline).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::facts::{DeviceFacts, LockComplexity, Platform, RootSignal, StorageEncryption, Version};
use super::policy::{Policy, PolicyCheck, Remediation, Rule, Severity, Violation};
use super::releases::ReleaseTable;
use crate::clock::{format_date, UnixMillis, DAY_MS};

/// A release table older than this (its newest release) no longer tells whether a newer
/// patch exists: the security-updates check falls back to the patch's age.
pub const RELEASE_TABLE_FRESH_DAYS: i64 = 35;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CheckStatus {
    /// Meets the policy.
    Pass,
    /// Does not meet the policy.
    Fail,
    /// Worth fixing; does not change the verdict.
    Warn,
    /// The facts needed are missing or unreadable. Never a pass.
    Unknown,
    /// The check does not apply to this platform.
    NotApplicable,
}

impl CheckStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Warn => "warn",
            Self::Unknown => "unknown",
            Self::NotApplicable => "not_applicable",
        }
    }
}

/// The overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Verdict {
    /// Every check passes (warnings allowed).
    Compliant,
    /// Some checks fail but every failure is still within its grace period.
    InGrace,
    /// At least one failure is past its grace period.
    NonCompliant,
    /// No failure is past grace, but at least one check could not be decided.
    Unknown,
}

impl Verdict {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compliant => "compliant",
            Self::InGrace => "in_grace",
            Self::NonCompliant => "non_compliant",
            Self::Unknown => "unknown",
        }
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CheckResult {
    /// The policy's check id, e.g. `screen_lock`.
    pub check_id: String,
    /// The check's title.
    pub title: String,
    /// The outcome.
    pub status: CheckStatus,
    /// What the device reported, in words.
    pub observed: String,
    /// What the policy expects, in words.
    pub expected: String,
    /// How much a failure matters.
    pub severity: Severity,
    /// How to fix it.
    pub remediation: Remediation,
    /// When this check first failed (and has not passed since).
    pub first_failed_at_ms: Option<i64>,
    /// When a failure stops being in grace and makes the device non-compliant.
    pub grace_deadline_ms: Option<i64>,
}

/// The evaluation of a whole policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The overall verdict.
    pub verdict: Verdict,
    /// One result per policy check, in policy order.
    pub checks: Vec<CheckResult>,
    /// The grace state to store: check id → first-failed time (`None` clears it).
    pub state: BTreeMap<String, Option<UnixMillis>>,
}

struct Outcome {
    status: CheckStatus,
    observed: String,
    expected: String,
}

fn outcome(
    status: CheckStatus,
    observed: impl Into<String>,
    expected: impl Into<String>,
) -> Outcome {
    Outcome {
        status,
        observed: observed.into(),
        expected: expected.into(),
    }
}

/// Evaluates `policy` against `facts` at `now`, with `first_failed` holding the stored
/// first-failed time of each check that was failing.
pub fn evaluate(
    facts: &DeviceFacts,
    policy: &Policy,
    releases: &ReleaseTable,
    now: UnixMillis,
    first_failed: &BTreeMap<String, UnixMillis>,
) -> Evaluation {
    let mut checks = Vec::with_capacity(policy.checks.len());
    let mut state = BTreeMap::new();
    for check in &policy.checks {
        let out = run_rule(check, facts, releases, now);
        let stored = first_failed.get(&check.id).copied();
        let (first, deadline) = match out.status {
            CheckStatus::Fail => {
                // A stored time later than now (the clock went back) restarts from now.
                let first = stored.map_or(now, |t| t.min(now));
                let deadline =
                    first.saturating_add(i64::from(check.grace_days).saturating_mul(DAY_MS));
                state.insert(check.id.clone(), Some(first));
                (Some(first), Some(deadline))
            }
            CheckStatus::Unknown => {
                // Keep a running grace clock: unknown neither starts nor clears it.
                state.insert(check.id.clone(), stored);
                (None, None)
            }
            CheckStatus::Pass | CheckStatus::Warn | CheckStatus::NotApplicable => {
                state.insert(check.id.clone(), None);
                (None, None)
            }
        };
        checks.push(CheckResult {
            check_id: check.id.clone(),
            title: check.title.clone(),
            status: out.status,
            observed: out.observed,
            expected: out.expected,
            severity: check.severity,
            remediation: check.remediation.clone(),
            first_failed_at_ms: first,
            grace_deadline_ms: deadline,
        });
    }
    Evaluation {
        verdict: verdict(&checks, now),
        checks,
        state,
    }
}

/// The verdict of a set of results at `now`: non-compliant beats unknown beats in grace.
pub fn verdict(checks: &[CheckResult], now: UnixMillis) -> Verdict {
    let past_grace = checks
        .iter()
        .any(|c| c.status == CheckStatus::Fail && c.grace_deadline_ms.is_none_or(|d| now >= d));
    if past_grace {
        Verdict::NonCompliant
    } else if checks.iter().any(|c| c.status == CheckStatus::Unknown) {
        Verdict::Unknown
    } else if checks.iter().any(|c| c.status == CheckStatus::Fail) {
        Verdict::InGrace
    } else {
        Verdict::Compliant
    }
}

fn run_rule(
    check: &PolicyCheck,
    facts: &DeviceFacts,
    releases: &ReleaseTable,
    now: UnixMillis,
) -> Outcome {
    match &check.rule {
        Rule::ScreenLock {
            min_complexity,
            accept_unknown_complexity,
        } => screen_lock(facts, *min_complexity, *accept_unknown_complexity),
        Rule::Encryption { allow_default_key } => encryption(facts, *allow_default_key),
        Rule::OsVersion { min } => {
            let (platform_min, name) = match facts.platform {
                Some(Platform::Android) => (&min.android, "Android"),
                Some(Platform::Ios) => (&min.ios, "iOS"),
                Some(Platform::Other) => {
                    return outcome(
                        CheckStatus::Unknown,
                        "platform not covered by this policy",
                        "Android or iOS",
                    );
                }
                None => {
                    return outcome(
                        CheckStatus::Unknown,
                        "platform not reported",
                        "a supported OS",
                    )
                }
            };
            match platform_min {
                Some(m) => os_version(facts, m, name),
                None => outcome(
                    CheckStatus::NotApplicable,
                    "no minimum set for this platform",
                    "-",
                ),
            }
        }
        Rule::SecurityUpdates {
            max_days,
            fallback_max_age_days,
        } => security_updates(
            facts,
            releases,
            now,
            i64::from(*max_days),
            i64::from(*fallback_max_age_days),
        ),
        Rule::RootJailbreak {
            weights,
            fail_score,
            min_signals_to_fail,
        } => root(facts, weights, *fail_score, *min_signals_to_fail),
        Rule::DeveloperOptions { on_violation } => android_setting(
            facts,
            facts.developer_options,
            *on_violation,
            "developer options",
        ),
        Rule::UsbDebugging { on_violation } => {
            android_setting(facts, facts.usb_debugging, *on_violation, "USB debugging")
        }
        Rule::UnknownSources { on_violation } => android_setting(
            facts,
            facts.unknown_sources,
            *on_violation,
            "installs from unknown sources",
        ),
    }
}

fn screen_lock(facts: &DeviceFacts, min: LockComplexity, accept_unknown: bool) -> Outcome {
    let expected = format!(
        "a secure screen lock, complexity {} or better",
        min.as_str()
    );
    match (facts.secure_lock_screen, facts.lock_complexity) {
        (None, _) => outcome(
            CheckStatus::Unknown,
            "screen lock state not reported",
            expected,
        ),
        (Some(false), _) => outcome(CheckStatus::Fail, "no secure screen lock", expected),
        (Some(true), Some(c)) if c >= min => outcome(
            CheckStatus::Pass,
            format!("secure lock, complexity {}", c.as_str()),
            expected,
        ),
        (Some(true), Some(c)) => outcome(
            CheckStatus::Fail,
            format!("secure lock, complexity {}", c.as_str()),
            expected,
        ),
        (Some(true), None) if accept_unknown => outcome(
            CheckStatus::Pass,
            "secure lock (the platform does not report complexity)",
            expected,
        ),
        (Some(true), None) => outcome(
            CheckStatus::Unknown,
            "secure lock, complexity not reported",
            expected,
        ),
    }
}

fn encryption(facts: &DeviceFacts, allow_default_key: bool) -> Outcome {
    let expected = if allow_default_key {
        "storage encrypted"
    } else {
        "storage encrypted with a key tied to the screen lock"
    };
    let Some(state) = facts.storage_encryption else {
        return outcome(
            CheckStatus::Unknown,
            "encryption status not reported",
            expected,
        );
    };
    let status = match state {
        StorageEncryption::Active
        | StorageEncryption::ActivePerUser
        | StorageEncryption::DataProtectionOn => CheckStatus::Pass,
        StorageEncryption::ActiveDefaultKey if allow_default_key => CheckStatus::Pass,
        StorageEncryption::ActiveDefaultKey
        | StorageEncryption::Activating
        | StorageEncryption::Inactive
        | StorageEncryption::Unsupported
        | StorageEncryption::DataProtectionOff => CheckStatus::Fail,
    };
    outcome(status, format!("encryption {}", state.as_str()), expected)
}

fn os_version(facts: &DeviceFacts, min_text: &str, name: &str) -> Outcome {
    let expected = format!("{name} {min_text} or later");
    let Some(min) = Version::parse(min_text) else {
        return outcome(CheckStatus::Unknown, "policy minimum unreadable", expected);
    };
    let Some(text) = facts.os_version.as_deref() else {
        return outcome(CheckStatus::Unknown, "OS version not reported", expected);
    };
    let Some(v) = Version::parse(text) else {
        return outcome(
            CheckStatus::Unknown,
            format!("OS version unreadable ({text})"),
            expected,
        );
    };
    // Compare at the precision of the minimum, so `14` admits `14.0.1-beta`.
    let status = if v.truncated(min.parts.len()).cmp_numeric(&min).is_ge() {
        CheckStatus::Pass
    } else {
        CheckStatus::Fail
    };
    outcome(status, format!("{name} {text}"), expected)
}

fn security_updates(
    facts: &DeviceFacts,
    releases: &ReleaseTable,
    now: UnixMillis,
    max_days: i64,
    fallback_days: i64,
) -> Outcome {
    let cutoff = now.saturating_sub(max_days.saturating_mul(DAY_MS));
    match facts.platform {
        None => outcome(
            CheckStatus::Unknown,
            "platform not reported",
            "security updates installed",
        ),
        Some(Platform::Other) => outcome(
            CheckStatus::Unknown,
            "platform not covered by this policy",
            "security updates installed",
        ),
        Some(Platform::Android) => {
            let Some(text) = facts.security_patch.as_deref() else {
                return outcome(
                    CheckStatus::Unknown,
                    "security patch level not reported",
                    "a recent patch level",
                );
            };
            let Some(patch) = crate::clock::parse_date(text) else {
                return outcome(
                    CheckStatus::Unknown,
                    format!("security patch level unreadable ({text})"),
                    "a patch level as YYYY-MM-DD",
                );
            };
            if patch > now.saturating_add(DAY_MS) {
                return outcome(
                    CheckStatus::Unknown,
                    format!("security patch level {text} is in the future (device clock or report wrong)"),
                    "a patch level no later than today",
                );
            }
            let newest_release = releases.android.iter().map(|(_, r)| *r).max();
            let fresh = newest_release
                .is_some_and(|r| r >= now.saturating_sub(RELEASE_TABLE_FRESH_DAYS * DAY_MS));
            let required = releases
                .android
                .iter()
                .filter(|(_, released)| *released <= cutoff)
                .max_by_key(|(level, _)| *level);
            match required {
                Some((level, released)) if fresh => {
                    let expected = format!(
                        "patch level {} or later (released {}, due within {max_days} days)",
                        format_date(*level),
                        format_date(*released)
                    );
                    let status = if patch >= *level {
                        CheckStatus::Pass
                    } else {
                        CheckStatus::Fail
                    };
                    outcome(status, format!("patch level {text}"), expected)
                }
                _ => {
                    let age_days = now.saturating_sub(patch) / DAY_MS;
                    let expected = format!(
                        "patch level at most {fallback_days} days old (no current release table)"
                    );
                    let status = if age_days <= fallback_days {
                        CheckStatus::Pass
                    } else {
                        CheckStatus::Fail
                    };
                    outcome(
                        status,
                        format!("patch level {text}, {age_days} days old"),
                        expected,
                    )
                }
            }
        }
        Some(Platform::Ios) => {
            let Some(text) = facts.os_version.as_deref() else {
                return outcome(
                    CheckStatus::Unknown,
                    "iOS version not reported",
                    "the latest iOS update",
                );
            };
            let Some(v) = Version::parse(text) else {
                return outcome(
                    CheckStatus::Unknown,
                    format!("iOS version unreadable ({text})"),
                    "the latest iOS update",
                );
            };
            let required = releases
                .ios
                .iter()
                .filter(|(rv, released)| rv.major() == v.major() && *released <= cutoff)
                .max_by(|a, b| a.0.cmp_numeric(&b.0));
            match required {
                Some((rv, released)) => {
                    let expected = format!(
                        "iOS {rv} or later (released {}, due within {max_days} days)",
                        format_date(*released)
                    );
                    let status = if v.cmp_numeric(rv).is_ge() {
                        CheckStatus::Pass
                    } else {
                        CheckStatus::Fail
                    };
                    outcome(status, format!("iOS {text}"), expected)
                }
                None => outcome(
                    CheckStatus::Unknown,
                    format!("iOS {text}: no release dates known for this version line"),
                    "the latest iOS update",
                ),
            }
        }
    }
}

fn root(
    facts: &DeviceFacts,
    weights: &BTreeMap<RootSignal, u32>,
    fail_score: u32,
    min_signals: u32,
) -> Outcome {
    let expected = format!(
        "no sign of root or jailbreak (fails at score {fail_score} from {min_signals}+ signals)"
    );
    let Some(signals) = facts.root_signals.as_ref() else {
        return outcome(
            CheckStatus::Unknown,
            "root/jailbreak probe did not run",
            expected,
        );
    };
    let mut distinct: Vec<RootSignal> = signals.clone();
    distinct.sort();
    distinct.dedup();
    if distinct.is_empty() {
        return outcome(CheckStatus::Pass, "no signals", expected);
    }
    let score: u32 = distinct
        .iter()
        .map(|s| weights.get(s).copied().unwrap_or(1))
        .fold(0u32, u32::saturating_add);
    let count = u32::try_from(distinct.len()).unwrap_or(u32::MAX);
    let confidence = (u64::from(score) * 100 / u64::from(fail_score.max(1))).min(100);
    let names: Vec<&str> = distinct.iter().map(|s| s.as_str()).collect();
    let observed = format!(
        "{} signal(s): {} (score {score}, confidence {confidence}%)",
        count,
        names.join(", ")
    );
    let status = if score >= fail_score && count >= min_signals {
        CheckStatus::Fail
    } else {
        CheckStatus::Warn
    };
    outcome(status, observed, expected)
}

fn android_setting(facts: &DeviceFacts, value: Option<bool>, on: Violation, name: &str) -> Outcome {
    let expected = format!("{name} off");
    if facts.platform == Some(Platform::Ios) {
        return outcome(
            CheckStatus::NotApplicable,
            "not an Android setting on iOS",
            expected,
        );
    }
    match value {
        None => outcome(
            CheckStatus::Unknown,
            format!("{name}: not reported"),
            expected,
        ),
        Some(false) => outcome(CheckStatus::Pass, format!("{name} off"), expected),
        Some(true) => {
            let status = match on {
                Violation::Warn => CheckStatus::Warn,
                Violation::Fail => CheckStatus::Fail,
            };
            outcome(status, format!("{name} on"), expected)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisory::AdvisoryFeed;
    use crate::clock::parse_date;

    fn now() -> UnixMillis {
        parse_date("2026-11-28").unwrap() + 12 * 3_600_000
    }

    fn table() -> ReleaseTable {
        AdvisoryFeed::default_feed().unwrap().release_table()
    }

    fn good_android() -> DeviceFacts {
        DeviceFacts {
            platform: Some(Platform::Android),
            os_version: Some("16".into()),
            security_patch: Some("2026-11-01".into()),
            secure_lock_screen: Some(true),
            lock_complexity: Some(LockComplexity::High),
            storage_encryption: Some(StorageEncryption::ActivePerUser),
            developer_options: Some(false),
            usb_debugging: Some(false),
            unknown_sources: Some(false),
            root_signals: Some(vec![]),
            ..DeviceFacts::default()
        }
    }

    fn run(facts: &DeviceFacts) -> Evaluation {
        evaluate(
            facts,
            &Policy::default_policy().unwrap(),
            &table(),
            now(),
            &BTreeMap::new(),
        )
    }

    fn status(e: &Evaluation, id: &str) -> CheckStatus {
        e.checks.iter().find(|c| c.check_id == id).unwrap().status
    }

    #[test]
    fn a_good_device_is_compliant() {
        let e = run(&good_android());
        assert_eq!(e.verdict, Verdict::Compliant, "{:#?}", e.checks);
    }

    #[test]
    fn empty_facts_are_unknown_never_pass() {
        let e = run(&DeviceFacts::default());
        assert_eq!(e.verdict, Verdict::Unknown);
        assert!(
            e.checks.iter().all(|c| c.status == CheckStatus::Unknown),
            "{:#?}",
            e.checks
        );
    }

    #[test]
    fn patch_rule_uses_the_release_table() {
        // November's patch was released 2026-11-02, so it was due by 2026-11-16: on
        // 2026-11-28 October's level fails.
        let mut f = good_android();
        f.security_patch = Some("2026-10-01".into());
        assert_eq!(status(&run(&f), "security_updates"), CheckStatus::Fail);
        // On 2026-11-10 November's patch was not yet due: October's level passes.
        let early = parse_date("2026-11-10").unwrap();
        let e = evaluate(
            &f,
            &Policy::default_policy().unwrap(),
            &table(),
            early,
            &BTreeMap::new(),
        );
        assert_eq!(status(&e, "security_updates"), CheckStatus::Pass);
        // A stale table falls back to age: 2026-10-01 is 58 days old > 45.
        let e = evaluate(
            &f,
            &Policy::default_policy().unwrap(),
            &ReleaseTable::default(),
            now(),
            &BTreeMap::new(),
        );
        let c = e
            .checks
            .iter()
            .find(|c| c.check_id == "security_updates")
            .unwrap();
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(c.observed.contains("58 days"), "{}", c.observed);
    }

    #[test]
    fn odd_patch_dates_are_unknown() {
        for odd in ["2027-06-01", "2026-13-01", "soon", "2026/11/01"] {
            let mut f = good_android();
            f.security_patch = Some(odd.into());
            assert_eq!(
                status(&run(&f), "security_updates"),
                CheckStatus::Unknown,
                "{odd}"
            );
        }
    }

    #[test]
    fn odd_versions_are_handled() {
        let mut f = good_android();
        f.os_version = Some("14.0.1-beta".into());
        assert_eq!(status(&run(&f), "os_supported"), CheckStatus::Pass);
        f.os_version = Some("13.9".into());
        assert_eq!(status(&run(&f), "os_supported"), CheckStatus::Fail);
        f.os_version = Some("".into());
        assert_eq!(status(&run(&f), "os_supported"), CheckStatus::Unknown);
        f.os_version = Some("Tiramisu".into());
        assert_eq!(status(&run(&f), "os_supported"), CheckStatus::Unknown);
    }

    #[test]
    fn root_needs_several_signals_to_fail() {
        let mut f = good_android();
        f.root_signals = Some(vec![RootSignal::MagiskPackage]);
        assert_eq!(status(&run(&f), "root_jailbreak"), CheckStatus::Warn);
        f.root_signals = Some(vec![RootSignal::MagiskPackage, RootSignal::MagiskPackage]);
        assert_eq!(status(&run(&f), "root_jailbreak"), CheckStatus::Warn);
        f.root_signals = Some(vec![RootSignal::TestKeys, RootSignal::Emulator]);
        assert_eq!(status(&run(&f), "root_jailbreak"), CheckStatus::Warn);
        f.root_signals = Some(vec![RootSignal::SuBinary, RootSignal::WritableSystem]);
        let e = run(&f);
        assert_eq!(status(&e, "root_jailbreak"), CheckStatus::Fail);
        assert_eq!(e.verdict, Verdict::NonCompliant);
    }

    #[test]
    fn grace_runs_from_first_failure_and_survives_unknown() {
        let policy = Policy::default_policy().unwrap();
        let mut f = good_android();
        f.secure_lock_screen = Some(false);
        let t0 = now();
        let e = evaluate(&f, &policy, &table(), t0, &BTreeMap::new());
        assert_eq!(e.verdict, Verdict::InGrace);
        let first = e.state["screen_lock"].unwrap();
        assert_eq!(first, t0);
        // An unknown reading later keeps the clock.
        let mut stored = BTreeMap::from([("screen_lock".to_owned(), first)]);
        let mut unknown = f.clone();
        unknown.secure_lock_screen = None;
        let e = evaluate(&unknown, &policy, &table(), t0 + 3_600_000, &stored);
        assert_eq!(e.state["screen_lock"], Some(first));
        // A day later, still failing: past grace.
        let e = evaluate(&f, &policy, &table(), t0 + DAY_MS, &stored);
        assert_eq!(e.verdict, Verdict::NonCompliant);
        // Fixed: state cleared.
        let e = evaluate(&good_android(), &policy, &table(), t0 + DAY_MS, &stored);
        assert_eq!(e.state["screen_lock"], None);
        // A stored time in the future (clock went back) restarts from now.
        stored.insert("screen_lock".into(), t0 + 10 * DAY_MS);
        let e = evaluate(&f, &policy, &table(), t0, &stored);
        assert_eq!(e.state["screen_lock"], Some(t0));
    }

    #[test]
    fn ios_skips_android_settings_and_uses_ios_releases() {
        let f = DeviceFacts {
            platform: Some(Platform::Ios),
            os_version: Some("27.1.1".into()),
            secure_lock_screen: Some(true),
            storage_encryption: Some(StorageEncryption::DataProtectionOn),
            root_signals: Some(vec![]),
            ..DeviceFacts::default()
        };
        let e = run(&f);
        assert_eq!(e.verdict, Verdict::Compliant, "{:#?}", e.checks);
        assert_eq!(status(&e, "usb_debugging"), CheckStatus::NotApplicable);
        let mut old = f.clone();
        old.os_version = Some("27.0".into());
        assert_eq!(status(&run(&old), "security_updates"), CheckStatus::Fail);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn opt<T: std::fmt::Debug + Clone + 'static>(
            s: impl Strategy<Value = T> + 'static,
        ) -> impl Strategy<Value = Option<T>> {
            prop::option::of(s)
        }

        fn facts() -> impl Strategy<Value = DeviceFacts> {
            let platform = prop_oneof![
                Just(Platform::Android),
                Just(Platform::Ios),
                Just(Platform::Other)
            ];
            let complexity = prop_oneof![
                Just(LockComplexity::None),
                Just(LockComplexity::Low),
                Just(LockComplexity::Medium),
                Just(LockComplexity::High)
            ];
            let encryption = prop_oneof![
                Just(StorageEncryption::Unsupported),
                Just(StorageEncryption::Inactive),
                Just(StorageEncryption::Activating),
                Just(StorageEncryption::Active),
                Just(StorageEncryption::ActiveDefaultKey),
                Just(StorageEncryption::ActivePerUser),
                Just(StorageEncryption::DataProtectionOn),
                Just(StorageEncryption::DataProtectionOff)
            ];
            let signal = prop_oneof![
                Just(RootSignal::SuBinary),
                Just(RootSignal::TestKeys),
                Just(RootSignal::MagiskPackage),
                Just(RootSignal::Emulator),
                Just(RootSignal::CydiaInstalled)
            ];
            let text = prop_oneof![
                "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}(-[a-z]{1,5})?",
                "[0-9]{4}-[0-9]{2}-[0-9]{2}",
                ".{0,20}"
            ];
            (
                (
                    opt(platform),
                    opt(text.clone()),
                    opt(text),
                    opt(any::<bool>()),
                    opt(complexity),
                ),
                (
                    opt(encryption),
                    opt(any::<bool>()),
                    opt(any::<bool>()),
                    opt(prop::collection::vec(signal, 0..6)),
                ),
            )
                .prop_map(
                    |((platform, os, patch, lock, cx), (enc, dev, usb, signals))| {
                        DeviceFacts {
                            platform,
                            os_version: os,
                            security_patch: patch,
                            secure_lock_screen: lock,
                            lock_complexity: cx,
                            storage_encryption: enc,
                            developer_options: dev,
                            usb_debugging: usb,
                            unknown_sources: dev,
                            root_signals: signals,
                            ..DeviceFacts::default()
                        }
                        .sanitised()
                    },
                )
        }

        proptest! {
            /// Any facts at any time give one result per check and a verdict consistent with
            /// them; unknown never yields compliant; nothing panics.
            #[test]
            fn evaluation_is_total_and_unknown_is_never_compliant(
                f in facts(),
                now in -10_000_000_000_000i64..10_000_000_000_000i64,
                first in prop::option::of(-10_000_000_000_000i64..10_000_000_000_000i64),
            ) {
                let policy = Policy::default_policy().unwrap();
                let stored: BTreeMap<String, UnixMillis> = first
                    .map(|t| policy.checks.iter().map(|c| (c.id.clone(), t)).collect())
                    .unwrap_or_default();
                let e = evaluate(&f, &policy, &table(), now, &stored);
                prop_assert_eq!(e.checks.len(), policy.checks.len());
                let any_unknown = e.checks.iter().any(|c| c.status == CheckStatus::Unknown);
                let any_fail = e.checks.iter().any(|c| c.status == CheckStatus::Fail);
                if any_unknown || any_fail {
                    prop_assert_ne!(e.verdict, Verdict::Compliant);
                } else {
                    prop_assert_eq!(e.verdict, Verdict::Compliant);
                }
                for c in &e.checks {
                    prop_assert_eq!(c.status == CheckStatus::Fail, c.grace_deadline_ms.is_some());
                }
            }
        }
    }
}
