//! Advisories: the organisation's signed notices about threats and the fix for each, matched
//! against this device.
//!
//! A feed arrives as the payload of a signed `advisories` bundle (JSON, `docs/posture.md`);
//! until one is installed the small, clearly-marked sample feed in
//! `core/assets/default-advisories.json` is in force. The feed also carries the release dates
//! of security patches, which the posture check's 14-day rule needs. Matching uses the latest
//! facts the platform submitted; a device whose facts cannot settle a match is told the
//! advisory *may* affect it (unknown is never "not affected"). Acknowledging an advisory
//! queues an `advisory_ack` report once.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::bundle::{BundleKind, BundlePayload, BundleRefusal};
use crate::clock;
use crate::error::Result;
use crate::posture::facts::{DeviceFacts, Platform, Version};
use crate::posture::policy::Severity;

pub use crate::posture::releases::ReleaseTable;

/// The built-in sample feed, in force until the organisation installs its own.
pub const DEFAULT_ADVISORIES: &[u8] = include_bytes!("../assets/default-advisories.json");

/// The payload format this build reads.
pub const FEED_FORMAT: u32 = 1;

/// Most advisories a feed may hold.
pub const MAX_ADVISORIES: usize = 500;

/// Longest text field in an advisory.
pub const MAX_TEXT: usize = 4000;

/// Which devices an advisory concerns. Every condition given must hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Affected {
    /// The platform.
    pub platform: Platform,
    /// Oldest affected OS version (inclusive).
    #[serde(default)]
    pub min_version: Option<String>,
    /// Newest affected OS version (inclusive).
    #[serde(default)]
    pub max_version: Option<String>,
    /// Android devices with a security patch level before this date (`YYYY-MM-DD`).
    #[serde(default)]
    pub patch_before: Option<String>,
}

/// One advisory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Advisory {
    /// Stable identifier (`[A-Za-z0-9._-]`, at most 64 characters).
    pub id: String,
    /// Headline.
    pub title: String,
    /// How urgent it is.
    pub severity: Severity,
    /// What the threat is, in plain words.
    pub summary: String,
    /// Publication date (`YYYY-MM-DD`).
    pub published: String,
    /// Which devices it concerns; a device matching any entry is affected.
    pub affected: Vec<Affected>,
    /// What the member of staff should do, in order.
    pub actions: Vec<String>,
    /// The training module that explains the fix.
    #[serde(default)]
    pub lesson_id: Option<String>,
}

/// The release date of an Android security patch level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchRelease {
    /// The patch level (`YYYY-MM-DD`, as `Build.VERSION.SECURITY_PATCH` reports it).
    pub patch_level: String,
    /// When the patch was released (`YYYY-MM-DD`).
    pub released: String,
}

/// The release date of an iOS version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OsRelease {
    /// The version (e.g. `26.1`).
    pub version: String,
    /// When it was released (`YYYY-MM-DD`).
    pub released: String,
}

/// An advisory feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvisoryFeed {
    /// Payload format (1).
    pub format: u32,
    /// Identifier of the feed.
    pub feed_id: String,
    /// True for illustrative content (the built-in feed).
    #[serde(default)]
    pub sample: bool,
    /// The advisories.
    pub advisories: Vec<Advisory>,
    /// Android security patch levels and their release dates.
    #[serde(default)]
    pub android_patch_releases: Vec<PatchRelease>,
    /// iOS versions and their release dates.
    #[serde(default)]
    pub ios_releases: Vec<OsRelease>,
}

/// Why an advisory feed payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedProblem {
    /// Not JSON of the feed shape.
    #[error("the advisory feed is not well-formed ({0})")]
    Malformed(String),
    /// A format this build does not read.
    #[error("unsupported advisory feed format {0}")]
    UnsupportedFormat(u32),
    /// Too many advisories.
    #[error("the feed holds more than {MAX_ADVISORIES} advisories")]
    TooMany,
    /// An advisory id is invalid or repeated.
    #[error("advisory {0} has an invalid or repeated id")]
    BadId(usize),
    /// A text field is empty or too long.
    #[error("advisory {0} has an empty or over-long text field")]
    BadText(usize),
    /// A date or version does not parse.
    #[error("advisory {0} has a date or version that does not parse")]
    BadDateOrVersion(usize),
    /// A lesson id with characters outside `[a-z0-9-]`.
    #[error("advisory {0} names an invalid lesson id")]
    BadLessonId(usize),
    /// An entry of the release tables does not parse.
    #[error("release table entry {0} does not parse")]
    BadRelease(usize),
}

fn valid_advisory_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn text_ok(text: &str) -> bool {
    !text.trim().is_empty() && text.len() <= MAX_TEXT
}

impl AdvisoryFeed {
    /// Parses and checks a feed payload completely.
    pub fn parse(payload: &[u8]) -> Result<Self, FeedProblem> {
        let feed: Self = serde_json::from_slice(payload).map_err(|e| {
            FeedProblem::Malformed(format!(
                "{:?} at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        feed.validate()?;
        Ok(feed)
    }

    /// The built-in sample feed.
    pub fn default_feed() -> Result<Self, FeedProblem> {
        Self::parse(DEFAULT_ADVISORIES)
    }

    fn validate(&self) -> Result<(), FeedProblem> {
        if self.format != FEED_FORMAT {
            return Err(FeedProblem::UnsupportedFormat(self.format));
        }
        if self.advisories.len() > MAX_ADVISORIES {
            return Err(FeedProblem::TooMany);
        }
        let mut ids = BTreeSet::new();
        for (i, a) in self.advisories.iter().enumerate() {
            if !valid_advisory_id(&a.id) || !ids.insert(a.id.as_str()) {
                return Err(FeedProblem::BadId(i));
            }
            let texts = [&a.title, &a.summary].into_iter().chain(a.actions.iter());
            if texts.into_iter().any(|t| !text_ok(t)) || a.actions.is_empty() {
                return Err(FeedProblem::BadText(i));
            }
            if clock::parse_date(&a.published).is_none() {
                return Err(FeedProblem::BadDateOrVersion(i));
            }
            for entry in &a.affected {
                let versions_ok = [&entry.min_version, &entry.max_version]
                    .into_iter()
                    .flatten()
                    .all(|v| Version::parse(v).is_some());
                let date_ok = entry
                    .patch_before
                    .as_deref()
                    .is_none_or(|d| clock::parse_date(d).is_some());
                if !versions_ok || !date_ok {
                    return Err(FeedProblem::BadDateOrVersion(i));
                }
            }
            if let Some(lesson) = &a.lesson_id {
                let ok = !lesson.is_empty()
                    && lesson.len() <= 64
                    && lesson
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if !ok {
                    return Err(FeedProblem::BadLessonId(i));
                }
            }
        }
        for (i, r) in self.android_patch_releases.iter().enumerate() {
            if clock::parse_date(&r.patch_level).is_none()
                || clock::parse_date(&r.released).is_none()
            {
                return Err(FeedProblem::BadRelease(i));
            }
        }
        let offset = self.android_patch_releases.len();
        for (i, r) in self.ios_releases.iter().enumerate() {
            if Version::parse(&r.version).is_none() || clock::parse_date(&r.released).is_none() {
                return Err(FeedProblem::BadRelease(offset + i));
            }
        }
        Ok(())
    }

    /// The release tables in the form the posture evaluation uses.
    pub fn release_table(&self) -> ReleaseTable {
        let android = self
            .android_patch_releases
            .iter()
            .filter_map(|r| {
                Some((
                    clock::parse_date(&r.patch_level)?,
                    clock::parse_date(&r.released)?,
                ))
            })
            .collect();
        let ios = self
            .ios_releases
            .iter()
            .filter_map(|r| Some((Version::parse(&r.version)?, clock::parse_date(&r.released)?)))
            .collect();
        ReleaseTable { android, ios }
    }
}

impl BundlePayload for AdvisoryFeed {
    const KIND: BundleKind = BundleKind::Advisories;

    fn from_payload(payload: &[u8]) -> Result<Self, BundleRefusal> {
        Self::parse(payload).map_err(|_| BundleRefusal::InvalidPayload)
    }
}

/// How an advisory relates to this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Relevance {
    /// The device's facts match the advisory.
    Affected,
    /// The facts needed to decide are unknown: the device may be affected.
    PossiblyAffected,
}

/// An advisory that concerns this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AdvisoryMatch {
    /// The advisory.
    pub advisory: Advisory,
    /// Whether the device is affected or may be.
    pub relevance: Relevance,
    /// When the member of staff acknowledged it, if they have.
    pub acknowledged_at_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    Yes,
    No,
    Maybe,
}

fn and(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Tri::No, _) | (_, Tri::No) => Tri::No,
        (Tri::Yes, Tri::Yes) => Tri::Yes,
        _ => Tri::Maybe,
    }
}

fn entry_matches(entry: &Affected, facts: &DeviceFacts) -> Tri {
    let mut result = match facts.platform {
        None => Tri::Maybe,
        Some(p) if p == entry.platform => Tri::Yes,
        Some(_) => return Tri::No,
    };
    if entry.min_version.is_some() || entry.max_version.is_some() {
        let in_range = match facts.os_version.as_deref().and_then(Version::parse) {
            None => Tri::Maybe,
            Some(v) => {
                let above = entry
                    .min_version
                    .as_deref()
                    .and_then(Version::parse)
                    .is_none_or(|min| v.cmp_numeric(&min).is_ge());
                // A maximum is inclusive at its own precision: `13` covers 13.0.1.
                let below = entry
                    .max_version
                    .as_deref()
                    .and_then(Version::parse)
                    .is_none_or(|max| v.truncated(max.parts.len()).cmp_numeric(&max).is_le());
                if above && below {
                    Tri::Yes
                } else {
                    Tri::No
                }
            }
        };
        result = and(result, in_range);
    }
    if let Some(before) = entry.patch_before.as_deref().and_then(clock::parse_date) {
        let old = match facts.security_patch.as_deref().and_then(clock::parse_date) {
            None => Tri::Maybe,
            Some(patch) if patch < before => Tri::Yes,
            Some(_) => Tri::No,
        };
        result = and(result, old);
    }
    result
}

/// How `advisory` relates to a device with `facts`; `None` when it does not concern it.
pub fn relevance(advisory: &Advisory, facts: &DeviceFacts) -> Option<Relevance> {
    let results: Vec<Tri> = advisory
        .affected
        .iter()
        .map(|e| entry_matches(e, facts))
        .collect();
    if results.contains(&Tri::Yes) {
        Some(Relevance::Affected)
    } else if results.contains(&Tri::Maybe) {
        Some(Relevance::PossiblyAffected)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn android(version: &str, patch: &str) -> DeviceFacts {
        DeviceFacts {
            platform: Some(Platform::Android),
            os_version: Some(version.into()),
            security_patch: Some(patch.into()),
            ..DeviceFacts::default()
        }
    }

    fn advisory(affected: Vec<Affected>) -> Advisory {
        Advisory {
            id: "T-1".into(),
            title: "t".into(),
            severity: Severity::High,
            summary: "s".into(),
            published: "2026-11-02".into(),
            affected,
            actions: vec!["update".into()],
            lesson_id: None,
        }
    }

    #[test]
    fn default_feed_is_valid_and_marked_sample() {
        let feed = AdvisoryFeed::default_feed().unwrap();
        assert!(feed.sample);
        assert!(!feed.advisories.is_empty());
        assert!(feed.release_table().android.len() >= 6);
    }

    #[test]
    fn patch_and_version_conditions_match() {
        let a = advisory(vec![Affected {
            platform: Platform::Android,
            min_version: Some("13".into()),
            max_version: Some("16".into()),
            patch_before: Some("2026-11-01".into()),
        }]);
        assert_eq!(
            relevance(&a, &android("15", "2026-10-01")),
            Some(Relevance::Affected)
        );
        assert_eq!(relevance(&a, &android("15", "2026-11-01")), None);
        assert_eq!(relevance(&a, &android("12", "2026-01-01")), None);
        assert_eq!(
            relevance(&a, &android("16.1", "2026-01-01")),
            Some(Relevance::Affected)
        );
        assert_eq!(
            relevance(&a, &android("15", "garbage")),
            Some(Relevance::PossiblyAffected)
        );
        assert_eq!(
            relevance(&a, &DeviceFacts::default()),
            Some(Relevance::PossiblyAffected)
        );
        let ios = DeviceFacts {
            platform: Some(Platform::Ios),
            ..DeviceFacts::default()
        };
        assert_eq!(relevance(&a, &ios), None);
    }

    #[test]
    fn bad_feeds_are_refused() {
        let mut v: serde_json::Value = serde_json::from_slice(DEFAULT_ADVISORIES).unwrap();
        v["advisories"][0]["published"] = "last tuesday".into();
        let bytes = serde_json::to_vec(&v).unwrap();
        assert_eq!(
            AdvisoryFeed::parse(&bytes),
            Err(FeedProblem::BadDateOrVersion(0))
        );
        let mut v: serde_json::Value = serde_json::from_slice(DEFAULT_ADVISORIES).unwrap();
        v["advisories"][1]["id"] = v["advisories"][0]["id"].clone();
        let bytes = serde_json::to_vec(&v).unwrap();
        assert_eq!(AdvisoryFeed::parse(&bytes), Err(FeedProblem::BadId(1)));
        let mut v: serde_json::Value = serde_json::from_slice(DEFAULT_ADVISORIES).unwrap();
        v["android_patch_releases"][0]["released"] = "2026-02-30".into();
        let bytes = serde_json::to_vec(&v).unwrap();
        assert_eq!(AdvisoryFeed::parse(&bytes), Err(FeedProblem::BadRelease(0)));
    }
}
