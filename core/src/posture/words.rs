//! The words of posture advice: the `advice` section of a policy payload.
//!
//! Android and iOS must tell a member of staff the same thing, in words a non-technical person
//! can follow, so the words live here, in the signed policy, not in the shells. The section
//! holds string tables (language → key → text, English the default) and, per check, entries
//! that pick the words for a platform, an OS major-version range and a status. Texts may use
//! a few named placeholders (`{it_contact}`, `{date}`, …) filled in by [`super::advice`].
//!
//! A payload is checked completely before install: an entry for a check the policy does not
//! have, a key no English table holds, an unknown placeholder, a bad language tag or
//! invisible characters refuse the whole policy with an [`AdviceProblem`], so an installed
//! policy always renders. A policy without the section (older bundles) still loads: its
//! checks borrow the built-in policy's words where the check id and rule type match
//! (`docs/policy.md`). Nothing here reads the clock or the store.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::evaluate::CheckStatus;
use super::facts::Platform;

/// The language every table falls back to.
pub const DEFAULT_LANGUAGE: &str = "en";
/// Most string tables (languages) in a policy.
pub const MAX_LANGUAGES: usize = 16;
/// Most strings in one table.
pub const MAX_STRINGS: usize = 1000;
/// Longest string key.
pub const MAX_KEY: usize = 100;
/// Longest text, in characters.
pub const MAX_TEXT: usize = 600;
/// Most entries for one check.
pub const MAX_ENTRIES: usize = 16;
/// Most steps in one entry.
pub const MAX_STEPS: usize = 10;

/// Placeholders every text may use.
const COMMON_PLACEHOLDERS: &[&str] = &["it_contact", "org_name", "os_version", "min_version"];

/// Extra placeholders by key prefix.
const PREFIX_PLACEHOLDERS: &[(&str, &[&str])] = &[
    ("status.", &["date", "time"]),
    ("verdict.", &["date", "time"]),
    ("contact.", &["desk", "phone", "url"]),
    ("date.", &["weekday", "day", "month", "year"]),
];

/// The keys the core itself uses (verdicts, statuses, dates, contacts, generic advice). The
/// built-in policy's English table holds every one (a test checks it); other policies may
/// override any of them per language.
pub const CORE_KEYS: &[&str] = &[
    "verdict.compliant",
    "verdict.fixed",
    "verdict.in_grace",
    "verdict.in_grace_today",
    "verdict.overdue",
    "verdict.non_compliant",
    "verdict.unknown",
    "status.pass",
    "status.fixed",
    "status.warn",
    "status.unknown",
    "status.not_applicable",
    "status.fail_by",
    "status.fail_today",
    "status.fail_now",
    "date.pattern",
    "date.pattern_year",
    "date.weekday.monday",
    "date.weekday.tuesday",
    "date.weekday.wednesday",
    "date.weekday.thursday",
    "date.weekday.friday",
    "date.weekday.saturday",
    "date.weekday.sunday",
    "date.month.january",
    "date.month.february",
    "date.month.march",
    "date.month.april",
    "date.month.may",
    "date.month.june",
    "date.month.july",
    "date.month.august",
    "date.month.september",
    "date.month.october",
    "date.month.november",
    "date.month.december",
    "contact.desk",
    "contact.desk_named",
    "contact.with_phone",
    "contact.with_url",
    "contact.with_phone_and_url",
    "contact.org_fallback",
    "generic.why",
    "generic.step_lesson",
    "generic.step_contact",
    "generic.step_unknown",
    "generic.version_fallback",
];

/// Which statuses an entry covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    /// A failing check.
    Fail,
    /// A warning.
    Warn,
}

/// The words for one check on one platform, OS range and status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdviceEntry {
    /// `android` or `ios`.
    pub platform: Platform,
    /// Lowest OS major version covered (inclusive); none means no lower bound.
    #[serde(default)]
    pub min_major: Option<u32>,
    /// Highest OS major version covered (inclusive); none means no upper bound.
    #[serde(default)]
    pub max_major: Option<u32>,
    /// The statuses covered; empty means every status.
    #[serde(default)]
    pub statuses: Vec<EntryStatus>,
    /// Key of the title.
    pub title: String,
    /// Key of "why it matters", one sentence.
    pub why: String,
    /// Keys of the numbered steps, in order (1–10).
    pub steps: Vec<String>,
    /// Key of what to do when the steps cannot fix this device.
    #[serde(default)]
    pub cannot_fix: Option<String>,
    /// Key of the status words shown for a failure instead of the deadline
    /// (e.g. "Stop using this phone for patient data").
    #[serde(default)]
    pub fail_words: Option<String>,
    /// Whether the app should offer to open the check's settings screen (false when no
    /// setting on this device can fix it).
    #[serde(default = "yes")]
    pub open_settings: bool,
}

fn yes() -> bool {
    true
}

impl AdviceEntry {
    /// Whether this entry covers `platform`, OS major `major` (if known) and `status`.
    pub fn covers(&self, platform: Platform, major: Option<u32>, status: CheckStatus) -> bool {
        let status_ok = self.statuses.is_empty()
            || self.statuses.iter().any(|s| {
                matches!(
                    (s, status),
                    (EntryStatus::Fail, CheckStatus::Fail) | (EntryStatus::Warn, CheckStatus::Warn)
                )
            });
        let range_ok = match major {
            Some(m) => {
                self.min_major.is_none_or(|min| m >= min)
                    && self.max_major.is_none_or(|max| m <= max)
            }
            // Unknown version: only the entry for current versions (no upper bound) applies.
            None => self.max_major.is_none(),
        };
        self.platform == platform && status_ok && range_ok
    }

    fn keys(&self) -> impl Iterator<Item = &String> {
        [&self.title, &self.why]
            .into_iter()
            .chain(self.steps.iter())
            .chain(self.cannot_fix.iter())
            .chain(self.fail_words.iter())
    }
}

/// The `advice` section of a policy payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdviceSection {
    /// String tables: language tag (lower case, e.g. `en`, `cy`, `pt-br`) → key → text.
    #[serde(default)]
    pub strings: BTreeMap<String, BTreeMap<String, String>>,
    /// Per check id, the entries in order of preference (the first that covers the device
    /// and status is used).
    #[serde(default)]
    pub checks: BTreeMap<String, Vec<AdviceEntry>>,
}

/// Why a policy's `advice` section was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdviceProblem {
    /// Advice for a check id the policy does not have.
    #[error("advice for check {0}, which the policy does not have")]
    UnknownCheck(String),
    /// A check id key that is not a valid check id.
    #[error("advice keyed by an invalid check id")]
    BadCheckId,
    /// An entry is unusable (reason given).
    #[error("advice for check {check}, entry {entry}: {reason}")]
    BadEntry {
        /// The check id.
        check: String,
        /// The entry's position.
        entry: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A string table is named by something other than a lower-case language tag.
    #[error("a string table is not named by a lower-case language tag")]
    BadLanguage,
    /// Too many languages, or too many strings in a table.
    #[error("too many string tables or strings")]
    TooMany,
    /// A string key is empty, too long or has characters outside `[a-z0-9_.-]`.
    #[error("table {0} has an invalid string key")]
    BadKey(String),
    /// A table other than English holds a key that no English table has (a typo).
    #[error("table {language}: key {key} has no English text")]
    NoEnglish {
        /// The language.
        language: String,
        /// The key.
        key: String,
    },
    /// A text is empty, too long, has control or invisible characters, or an unknown or
    /// unbalanced placeholder.
    #[error("table {language}: text {key} is unusable ({reason})")]
    BadText {
        /// The language.
        language: String,
        /// The key.
        key: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// An entry names a key no English table holds.
    #[error("advice for check {check} names text {key}, which no English table has")]
    MissingText {
        /// The check id.
        check: String,
        /// The key.
        key: String,
    },
}

/// Characters that change how text around them is displayed without being visible:
/// bidirectional embeddings, overrides and isolates, zero-width characters, line and
/// paragraph separators, the byte order mark.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{061C}'
    )
}

/// Text a person can read: no control characters and no invisible format characters.
/// Spaces are allowed (not other whitespace).
pub fn printable_text(value: &str) -> bool {
    value
        .chars()
        .all(|c| !c.is_control() && !is_invisible_format(c) && (c == ' ' || !c.is_whitespace()))
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY
        && key.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
        })
}

/// A lower-case language tag: 2–3 letters, then up to four `-` subtags of 1–8 letters/digits.
pub fn valid_language(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && rest.len() <= 4
        && rest.iter().all(|p| {
            (1..=8).contains(&p.len())
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The placeholders a text under `key` may use.
fn allowed_placeholders(key: &str) -> BTreeSet<&'static str> {
    let mut set: BTreeSet<&'static str> = COMMON_PLACEHOLDERS.iter().copied().collect();
    for (prefix, extra) in PREFIX_PLACEHOLDERS {
        if key.starts_with(prefix) {
            set.extend(extra.iter().copied());
        }
    }
    set
}

/// Splits `text` into literal and placeholder parts; `None` when a brace is unbalanced or a
/// placeholder name is not `[a-z_]+`.
fn parse_template(text: &str) -> Option<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return None;
        }
        parts.push(Part::Literal(&rest[..open]));
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let name = &after[..close];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return None;
        }
        parts.push(Part::Placeholder(name));
        rest = &after[close + 1..];
    }
    parts.push(Part::Literal(rest));
    Some(parts)
}

enum Part<'a> {
    Literal(&'a str),
    Placeholder(&'a str),
}

fn check_text(language: &str, key: &str, text: &str) -> Result<(), AdviceProblem> {
    let bad = |reason| AdviceProblem::BadText {
        language: language.to_owned(),
        key: key.to_owned(),
        reason,
    };
    if text.trim().is_empty() {
        return Err(bad("empty"));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(bad("too long"));
    }
    if !printable_text(text) {
        return Err(bad("control or invisible characters"));
    }
    let parts = parse_template(text).ok_or_else(|| bad("unbalanced braces"))?;
    let allowed = allowed_placeholders(key);
    for part in parts {
        if let Part::Placeholder(name) = part {
            if !allowed.contains(name) {
                return Err(bad("unknown placeholder"));
            }
        }
    }
    Ok(())
}

impl AdviceSection {
    /// Checks the section against the policy's check ids, with `fallback` (the built-in
    /// policy's section, `None` when checking the built-in itself) supplying texts this
    /// section does not hold.
    pub fn validate(
        &self,
        check_ids: &BTreeSet<&str>,
        fallback: Option<&AdviceSection>,
    ) -> Result<(), AdviceProblem> {
        if self.strings.len() > MAX_LANGUAGES {
            return Err(AdviceProblem::TooMany);
        }
        let english = |key: &str| {
            self.strings
                .get(DEFAULT_LANGUAGE)
                .is_some_and(|t| t.contains_key(key))
                || fallback.is_some_and(|f| {
                    f.strings
                        .get(DEFAULT_LANGUAGE)
                        .is_some_and(|t| t.contains_key(key))
                })
        };
        for (language, table) in &self.strings {
            if !valid_language(language) {
                return Err(AdviceProblem::BadLanguage);
            }
            if table.len() > MAX_STRINGS {
                return Err(AdviceProblem::TooMany);
            }
            for (key, text) in table {
                if !valid_key(key) {
                    return Err(AdviceProblem::BadKey(language.clone()));
                }
                check_text(language, key, text)?;
                if language != DEFAULT_LANGUAGE && !english(key) {
                    return Err(AdviceProblem::NoEnglish {
                        language: language.clone(),
                        key: key.clone(),
                    });
                }
            }
        }
        for (check, entries) in &self.checks {
            if !super::policy::valid_check_id(check) {
                return Err(AdviceProblem::BadCheckId);
            }
            if !check_ids.contains(check.as_str()) {
                return Err(AdviceProblem::UnknownCheck(check.clone()));
            }
            if entries.len() > MAX_ENTRIES {
                return Err(AdviceProblem::BadEntry {
                    check: check.clone(),
                    entry: MAX_ENTRIES,
                    reason: "too many entries",
                });
            }
            for (i, entry) in entries.iter().enumerate() {
                let bad = |reason| AdviceProblem::BadEntry {
                    check: check.clone(),
                    entry: i,
                    reason,
                };
                if entry.platform == Platform::Other {
                    return Err(bad("platform must be android or ios"));
                }
                if let (Some(min), Some(max)) = (entry.min_major, entry.max_major) {
                    if min > max {
                        return Err(bad("min_major above max_major"));
                    }
                }
                if entry.steps.is_empty() || entry.steps.len() > MAX_STEPS {
                    return Err(bad("steps must number 1 to 10"));
                }
                for key in entry.keys() {
                    if !valid_key(key) {
                        return Err(bad("invalid text key"));
                    }
                    if !english(key) {
                        return Err(AdviceProblem::MissingText {
                            check: check.clone(),
                            key: key.clone(),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

/// The languages to try for a locale, most specific first, English last: `cy-GB` →
/// `cy-gb`, `cy`, `en`.
pub fn language_chain(locale: Option<&str>) -> Vec<String> {
    let mut chain = Vec::new();
    if let Some(locale) = locale {
        let tag = locale.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts: Vec<&str> = tag.split('-').collect();
        while !parts.is_empty() {
            let candidate = parts.join("-");
            if valid_language(&candidate) && !chain.contains(&candidate) {
                chain.push(candidate);
            }
            parts.pop();
        }
    }
    if !chain.iter().any(|l| l == DEFAULT_LANGUAGE) {
        chain.push(DEFAULT_LANGUAGE.to_owned());
    }
    chain
}

/// Looks texts up: the policy's tables, then the built-in policy's, each through the
/// language chain.
#[derive(Debug, Clone)]
pub struct Words<'a> {
    tables: Vec<&'a AdviceSection>,
    languages: Vec<String>,
}

impl<'a> Words<'a> {
    /// Words from `own` (the policy in force) then `builtin`, in `locale`'s language.
    pub fn new(
        own: Option<&'a AdviceSection>,
        builtin: Option<&'a AdviceSection>,
        locale: Option<&str>,
    ) -> Self {
        Self {
            tables: own.into_iter().chain(builtin).collect(),
            languages: language_chain(locale),
        }
    }

    /// The raw text for `key`. A policy's own text wins over the built-in's in the same
    /// language; a translation in any table wins over English.
    pub fn raw(&self, key: &str) -> Option<&'a str> {
        self.languages.iter().find_map(|language| {
            self.tables.iter().find_map(|section| {
                section
                    .strings
                    .get(language)
                    .and_then(|t| t.get(key))
                    .map(String::as_str)
            })
        })
    }

    /// The text for `key` with `values` filled in (each placeholder once, values never
    /// re-read as templates). A key with no text anywhere gives the key itself, so a gap is
    /// visible rather than silent (the built-in tables are tested to hold every core key).
    pub fn text(&self, key: &str, values: &[(&str, &str)]) -> String {
        let Some(raw) = self.raw(key) else {
            return key.to_owned();
        };
        render(raw, values)
    }
}

/// Fills `{name}` placeholders in `template` from `values`; unknown ones become empty.
pub fn render(template: &str, values: &[(&str, &str)]) -> String {
    let Some(parts) = parse_template(template) else {
        return template.to_owned();
    };
    let mut out = String::with_capacity(template.len());
    for part in parts {
        match part {
            Part::Literal(text) => out.push_str(text),
            Part::Placeholder(name) => {
                if let Some((_, value)) = values.iter().find(|(n, _)| *n == name) {
                    out.push_str(value);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_chain_falls_back_to_english() {
        assert_eq!(language_chain(Some("cy_GB")), vec!["cy-gb", "cy", "en"]);
        assert_eq!(language_chain(Some("en-GB")), vec!["en-gb", "en"]);
        assert_eq!(language_chain(None), vec!["en"]);
        assert_eq!(language_chain(Some("../x")), vec!["en"]);
    }

    #[test]
    fn templates_fill_once_and_refuse_odd_braces() {
        assert_eq!(
            render(
                "Call {it_contact} by {date}.",
                &[("it_contact", "{date}"), ("date", "Friday")]
            ),
            "Call {date} by Friday."
        );
        assert!(parse_template("a } b").is_none());
        assert!(parse_template("a { b").is_none());
        assert!(parse_template("a {Bad} b").is_none());
        assert!(check_text("en", "status.fail_by", "Fix by {date}").is_ok());
        assert!(matches!(
            check_text("en", "check.x.title", "Fix by {date}"),
            Err(AdviceProblem::BadText {
                reason: "unknown placeholder",
                ..
            })
        ));
        assert!(matches!(
            check_text("en", "k", "bidi \u{202E} trick"),
            Err(AdviceProblem::BadText { .. })
        ));
    }
}
