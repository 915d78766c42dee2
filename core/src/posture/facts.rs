//! What the platform probe found out about the device.
//!
//! The Android and iOS shells fill a [`DeviceFacts`] record from platform APIs (see
//! `docs/posture.md` for which API fills which field, and from which API level). The core never
//! asks the operating system itself. Every field may be unknown (`None`): a probe that could not
//! read a value says so, and the evaluation turns it into `unknown`, never into a pass.
//!
//! Facts are hostile input like everything else: text fields are trimmed and capped before they
//! are used or stored, and version or date text that does not parse is reported, not guessed.

use serde::{Deserialize, Serialize};

/// Longest text kept from any fact field; longer values are cut (on a character boundary).
pub const MAX_FACT_TEXT: usize = 64;

/// The operating system family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Platform {
    /// Android (AOSP-based, any manufacturer).
    Android,
    /// iOS or iPadOS.
    Ios,
    /// Anything else (a desktop test harness, an unknown OS).
    Other,
}

impl Platform {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Android => "android",
            Self::Ios => "ios",
            Self::Other => "other",
        }
    }
}

/// How hard the screen lock is to guess, in the bands Android's
/// `DevicePolicyManager.getPasswordComplexity()` reports (API 29).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum LockComplexity {
    /// No lock, or swipe only.
    None,
    /// A pattern, or a PIN with repeating (`4444`) or ordered (`1234`) digits.
    Low,
    /// A PIN of 4+ digits without repeats or sequences, or a 4+ character password.
    Medium,
    /// A PIN of 8+ digits without repeats or sequences, or a 6+ character password.
    High,
}

impl LockComplexity {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// The state of storage encryption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum StorageEncryption {
    /// Android `ENCRYPTION_STATUS_UNSUPPORTED`: the device cannot encrypt its storage.
    Unsupported,
    /// Android `ENCRYPTION_STATUS_INACTIVE`: supported but not turned on.
    Inactive,
    /// Android `ENCRYPTION_STATUS_ACTIVATING`: being turned on now.
    Activating,
    /// Android `ENCRYPTION_STATUS_ACTIVE`: encrypted, with a key tied to the user's credential.
    Active,
    /// Android `ENCRYPTION_STATUS_ACTIVE_DEFAULT_KEY` (API 23): encrypted with a default key,
    /// so the data is readable without the user's credential.
    ActiveDefaultKey,
    /// Android `ENCRYPTION_STATUS_ACTIVE_PER_USER` (API 24): file-based encryption per user.
    ActivePerUser,
    /// iOS data protection is on (a passcode is set, so file keys are tied to it).
    DataProtectionOn,
    /// iOS data protection is off (no passcode).
    DataProtectionOff,
}

impl StorageEncryption {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unsupported => "unsupported",
            Self::Inactive => "inactive",
            Self::Activating => "activating",
            Self::Active => "active",
            Self::ActiveDefaultKey => "active_default_key",
            Self::ActivePerUser => "active_per_user",
            Self::DataProtectionOn => "data_protection_on",
            Self::DataProtectionOff => "data_protection_off",
        }
    }
}

/// One sign that the device's operating system has been modified (rooted, jailbroken) or that
/// the app runs somewhere it should not. No single signal decides: the policy weighs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RootSignal {
    /// A `su` binary on the usual paths (Android).
    SuBinary,
    /// The build is signed with test keys (`Build.TAGS` contains `test-keys`) (Android).
    TestKeys,
    /// A Magisk manager package or Magisk files are present (Android).
    MagiskPackage,
    /// The system partition is mounted writable (Android).
    WritableSystem,
    /// Cydia, Sileo or another jailbreak store is installed (iOS).
    CydiaInstalled,
    /// The app could write outside its sandbox (iOS).
    SandboxEscape,
    /// An unexpected dynamic library is loaded into the app (iOS: e.g. a tweak injector).
    SuspiciousDylib,
    /// A debugger is attached to the app.
    DebuggerAttached,
    /// The app runs in an emulator or simulator.
    Emulator,
}

impl RootSignal {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SuBinary => "su_binary",
            Self::TestKeys => "test_keys",
            Self::MagiskPackage => "magisk_package",
            Self::WritableSystem => "writable_system",
            Self::CydiaInstalled => "cydia_installed",
            Self::SandboxEscape => "sandbox_escape",
            Self::SuspiciousDylib => "suspicious_dylib",
            Self::DebuggerAttached => "debugger_attached",
            Self::Emulator => "emulator",
        }
    }
}

/// Everything the platform probe could find out. `None` always means "could not tell".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeviceFacts {
    /// The operating system family.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub platform: Option<Platform>,
    /// The OS version as reported (`Build.VERSION.RELEASE`, `operatingSystemVersion`),
    /// e.g. `16`, `14.0.1-beta`, `26.1`.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub os_version: Option<String>,
    /// The OS build identifier (`Build.ID` / `Build.DISPLAY`; iOS build number).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub os_build: Option<String>,
    /// Android security patch level as reported, `YYYY-MM-DD` (`Build.VERSION.SECURITY_PATCH`).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub security_patch: Option<String>,
    /// A PIN, pattern, password or passcode protects the device
    /// (`KeyguardManager.isDeviceSecure`, `LAContext` `.deviceOwnerAuthentication`).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub secure_lock_screen: Option<bool>,
    /// The complexity band of the screen lock (Android API 29+ only).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub lock_complexity: Option<LockComplexity>,
    /// The device has biometric hardware.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub biometrics_available: Option<bool>,
    /// At least one biometric (fingerprint, face) is enrolled.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub biometrics_enrolled: Option<bool>,
    /// The storage encryption status.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub storage_encryption: Option<StorageEncryption>,
    /// Android developer options are turned on.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub developer_options: Option<bool>,
    /// Android USB debugging (adb) is turned on.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub usb_debugging: Option<bool>,
    /// Apps may be installed from unknown sources (Android: this app or any app may install
    /// packages outside the store).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub unknown_sources: Option<bool>,
    /// Root or jailbreak signals found; `Some(empty)` means the probe ran and found none,
    /// `None` that it could not run.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub root_signals: Option<Vec<RootSignal>>,
    /// The device (or this app) is managed by the organisation's MDM.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub managed_by_mdm: Option<bool>,
    /// The version of the Frontline app that collected the facts.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub app_version: Option<String>,
    /// When the probe collected the facts (Unix milliseconds, the device clock).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub collected_at_ms: Option<i64>,
}

impl DeviceFacts {
    /// Parses a fact file (JSON). Unknown fields are refused, so a typo is not silently
    /// read as "unknown".
    pub fn from_json(bytes: &[u8]) -> crate::Result<Self> {
        let facts: Self = serde_json::from_slice(bytes)?;
        Ok(facts.sanitised())
    }

    /// The same facts with text trimmed and capped at [`MAX_FACT_TEXT`], empty text turned
    /// into unknown, and root signals sorted with duplicates removed.
    pub fn sanitised(mut self) -> Self {
        for field in [
            &mut self.os_version,
            &mut self.os_build,
            &mut self.security_patch,
            &mut self.app_version,
        ] {
            *field = field.take().and_then(|t| clean_text(&t));
        }
        if let Some(signals) = self.root_signals.as_mut() {
            signals.sort();
            signals.dedup();
        }
        self
    }
}

/// Trims `text`, drops control characters and caps it at [`MAX_FACT_TEXT`] characters;
/// empty text becomes `None`.
pub fn clean_text(text: &str) -> Option<String> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_FACT_TEXT)
        .collect();
    if cleaned.is_empty() {
        None
    } else {
        Some(cleaned)
    }
}

/// A dotted numeric version (`16`, `14.0.1`, `26.1`), compared component by component with
/// missing components read as zero. A pre-release suffix (`-beta`, ` QPR2 Beta`) is kept as a
/// flag; it does not change the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Numeric components, at most four.
    pub parts: Vec<u32>,
    /// Text followed the numbers (e.g. `-beta`).
    pub has_suffix: bool,
}

impl Version {
    /// Parses the leading `N(.N)*` of `text`; `None` when it does not start with a number.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let mut parts = Vec::new();
        let mut rest = text;
        loop {
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            if digits.is_empty() || digits.len() > 9 {
                break;
            }
            parts.push(digits.parse::<u32>().ok()?);
            rest = &rest[digits.len()..];
            if parts.len() == 4 {
                break;
            }
            match rest.strip_prefix('.') {
                Some(next) if next.starts_with(|c: char| c.is_ascii_digit()) => rest = next,
                _ => break,
            }
        }
        if parts.is_empty() {
            return None;
        }
        Some(Self {
            parts,
            has_suffix: !rest.is_empty(),
        })
    }

    /// The major version.
    pub fn major(&self) -> u32 {
        self.parts.first().copied().unwrap_or(0)
    }

    /// The first `n` components only (`14.0.1` truncated to 1 is `14`).
    pub fn truncated(&self, n: usize) -> Self {
        Self {
            parts: self.parts.iter().copied().take(n.max(1)).collect(),
            has_suffix: self.has_suffix,
        }
    }

    fn part(&self, i: usize) -> u32 {
        self.parts.get(i).copied().unwrap_or(0)
    }

    /// Compares with `other`, component by component.
    pub fn cmp_numeric(&self, other: &Self) -> std::cmp::Ordering {
        let n = self.parts.len().max(other.parts.len());
        (0..n)
            .map(|i| self.part(i).cmp(&other.part(i)))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text: Vec<String> = self.parts.iter().map(u32::to_string).collect();
        f.write_str(&text.join("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn versions_parse_leading_numbers_only() {
        let v = Version::parse("14.0.1-beta").unwrap();
        assert_eq!(v.parts, vec![14, 0, 1]);
        assert!(v.has_suffix);
        assert_eq!(Version::parse("16").unwrap().parts, vec![16]);
        assert_eq!(Version::parse(" 26.1 ").unwrap().parts, vec![26, 1]);
        assert_eq!(Version::parse("16 QPR2").unwrap().parts, vec![16]);
        assert_eq!(Version::parse("1.2.3.4.5").unwrap().parts, vec![1, 2, 3, 4]);
        assert_eq!(Version::parse(""), None);
        assert_eq!(Version::parse("beta"), None);
        assert_eq!(Version::parse("99999999999"), None);
        assert_eq!(Version::parse("14.").unwrap().parts, vec![14]);
    }

    #[test]
    fn versions_compare_with_missing_parts_as_zero() {
        let a = Version::parse("17").unwrap();
        let b = Version::parse("17.0.0").unwrap();
        let c = Version::parse("17.0.1").unwrap();
        assert_eq!(a.cmp_numeric(&b), Ordering::Equal);
        assert_eq!(a.cmp_numeric(&c), Ordering::Less);
        assert_eq!(
            Version::parse("18").unwrap().cmp_numeric(&c),
            Ordering::Greater
        );
    }

    #[test]
    fn fact_files_are_sanitised_and_strict() {
        let facts = DeviceFacts::from_json(
            br#"{"platform":"android","os_version":"  ","security_patch":" 2026-11-01 ",
                "root_signals":["su_binary","su_binary","emulator"]}"#,
        )
        .unwrap();
        assert_eq!(facts.os_version, None);
        assert_eq!(facts.security_patch.as_deref(), Some("2026-11-01"));
        assert_eq!(
            facts.root_signals,
            Some(vec![RootSignal::SuBinary, RootSignal::Emulator])
        );
        assert!(DeviceFacts::from_json(br#"{"platfrom":"android"}"#).is_err());
        assert!(DeviceFacts::from_json(br#"{"root_signals":["rootcloak"]}"#).is_err());
        let long = "x".repeat(500);
        let facts = DeviceFacts {
            os_build: Some(long),
            ..DeviceFacts::default()
        }
        .sanitised();
        assert_eq!(facts.os_build.map(|b| b.len()), Some(MAX_FACT_TEXT));
    }
}
