//! Posture advice for people: the latest report in words a member of staff can act on.
//!
//! The report keeps machine codes (`fail`, `in_grace`, `active_default_key`) for the
//! collector and the MDM. Staff need something else: "Needs fixing by Friday 4 December", what
//! to do in numbered steps for *their* phone (Android by major version, or iOS), which
//! settings screen opens, and, when no setting can fix the phone (an OS that gets no more
//! updates, a rooted or jailbroken phone), to stop using it for patient data and whom to call.
//! [`advise`] builds that from a report, the policy's words ([`super::words`]), the
//! organisation's contacts and a language, at a given time. It is pure; the `Companion`
//! method (`companion/posture.rs`) only loads its inputs. Dates are UK civil dates in words, never ISO timestamps.

use serde::{Deserialize, Serialize};
use time::{Month, OffsetDateTime, Weekday};

use super::evaluate::{CheckResult, CheckStatus, Verdict};
use super::facts::{Platform, Version};
use super::policy::{builtin_policy, Policy, PolicyCheck, Rule, SettingsTarget};
use super::words::{AdviceEntry, AdviceSection, Words};
use super::PostureReport;
use crate::clock::UnixMillis;

/// The Settings URL an iOS app may open: `UIApplication.openSettingsURLString`. iOS has no
/// public URL into Passcode or Software Update, so this opens the Settings app (at the app's
/// own page) and the steps name the path from there.
pub const IOS_SETTINGS_URL: &str = "app-settings:";

/// Advice for one check, in the user's language, for the facts' platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CheckAdvice {
    /// The policy's check id (machine code), e.g. `screen_lock`.
    pub check_id: String,
    /// The outcome (machine code).
    pub status: CheckStatus,
    /// The outcome for people: "Needs fixing by Friday 4 December", "Fixed", "Can't be
    /// checked on this phone", "Stop using this phone for patient data".
    pub status_words: String,
    /// What the check is about, for people.
    pub title: String,
    /// Why it matters, in one sentence.
    pub why: String,
    /// What to do, in order (the app numbers them); empty when nothing needs doing.
    pub steps: Vec<String>,
    /// The settings screen to open on this platform: an Android `Intent` action, or on iOS
    /// the Settings URL (`app-settings:`). `None` when no screen helps.
    pub settings_target: Option<String>,
    /// What to do when the steps cannot fix this phone (no more OS updates; rooted or
    /// jailbroken), naming the organisation's IT contact.
    pub cannot_fix: Option<String>,
    /// The training module that explains the fix.
    pub lesson_id: Option<String>,
}

/// The latest posture report for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PostureAdvice {
    /// The overall verdict (machine code).
    pub verdict: Verdict,
    /// The verdict for people: "Needs fixing by Friday 4 December", "Fixed: …", "Stop using
    /// this phone for patient data until it's fixed", …
    pub headline: String,
    /// One entry per check of the report, in policy order.
    pub checks: Vec<CheckAdvice>,
}

/// Whom staff contact, as the words need it (the organisation contacts in force, each
/// optional; unset reads "your IT service desk").
#[derive(Debug, Clone, Copy, Default)]
pub struct Contact<'a> {
    /// The organisation's name.
    pub org_name: Option<&'a str>,
    /// The IT service desk's phone number.
    pub phone: Option<&'a str>,
    /// The IT service desk's web page.
    pub url: Option<&'a str>,
}

/// What [`advise`] needs besides the report.
#[derive(Debug, Clone, Copy)]
pub struct AdviceContext<'a> {
    /// The policy in force (its words, its checks' rules).
    pub policy: &'a Policy,
    /// The report before this one, to say "Fixed".
    pub previous: Option<&'a PostureReport>,
    /// Whom to call.
    pub contact: Contact<'a>,
    /// The user's locale (`en-GB`, `cy`); English when `None` or not translated.
    pub locale: Option<&'a str>,
    /// Now, for "today" and "now" (injected clock).
    pub now: UnixMillis,
}

/// UK civil time (GMT, or BST from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
/// last Sunday of October).
fn uk_time(ms: UnixMillis) -> Option<OffsetDateTime> {
    let utc = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
    let year = utc.year();
    let last_sunday = |month: Month| -> Option<OffsetDateTime> {
        let last = time::Date::from_calendar_date(year, month, 31).ok()?;
        let back = i64::from(last.weekday().number_days_from_sunday());
        let day = last.checked_sub(time::Duration::days(back))?;
        Some(day.with_hms(1, 0, 0).ok()?.assume_utc())
    };
    let summer = match (last_sunday(Month::March), last_sunday(Month::October)) {
        (Some(start), Some(end)) => utc >= start && utc < end,
        _ => false,
    };
    let offset = if summer { 1 } else { 0 };
    utc.checked_add(time::Duration::hours(offset))
}

fn weekday_key(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "date.weekday.monday",
        Weekday::Tuesday => "date.weekday.tuesday",
        Weekday::Wednesday => "date.weekday.wednesday",
        Weekday::Thursday => "date.weekday.thursday",
        Weekday::Friday => "date.weekday.friday",
        Weekday::Saturday => "date.weekday.saturday",
        Weekday::Sunday => "date.weekday.sunday",
    }
}

fn month_key(month: Month) -> &'static str {
    match month {
        Month::January => "date.month.january",
        Month::February => "date.month.february",
        Month::March => "date.month.march",
        Month::April => "date.month.april",
        Month::May => "date.month.may",
        Month::June => "date.month.june",
        Month::July => "date.month.july",
        Month::August => "date.month.august",
        Month::September => "date.month.september",
        Month::October => "date.month.october",
        Month::November => "date.month.november",
        Month::December => "date.month.december",
    }
}

/// When a deadline falls, for people.
enum Due {
    /// Passed (or no deadline).
    Now,
    /// Later today, at this time (`14:30`).
    Today(String),
    /// On a later day, in words ("Friday 4 December").
    On(String),
}

struct Renderer<'a> {
    words: Words<'a>,
    contact: String,
    org_name: String,
    os_version: String,
    min_version: String,
    now: UnixMillis,
}

impl Renderer<'_> {
    fn text(&self, key: &str) -> String {
        self.text_with(key, &[])
    }

    fn text_with(&self, key: &str, extra: &[(&str, &str)]) -> String {
        let mut values: Vec<(&str, &str)> = vec![
            ("it_contact", &self.contact),
            ("org_name", &self.org_name),
            ("os_version", &self.os_version),
            ("min_version", &self.min_version),
        ];
        values.extend_from_slice(extra);
        self.words.text(key, &values)
    }

    fn date_words(&self, at: OffsetDateTime, now: OffsetDateTime) -> String {
        let weekday = self.words.text(weekday_key(at.weekday()), &[]);
        let month = self.words.text(month_key(at.month()), &[]);
        let day = at.day().to_string();
        let year = at.year().to_string();
        let pattern = if at.year() == now.year() {
            "date.pattern"
        } else {
            "date.pattern_year"
        };
        self.words.text(
            pattern,
            &[
                ("weekday", &weekday),
                ("day", &day),
                ("month", &month),
                ("year", &year),
            ],
        )
    }

    fn due(&self, deadline: Option<UnixMillis>) -> Due {
        let Some(deadline) = deadline.filter(|d| *d > self.now) else {
            return Due::Now;
        };
        match (uk_time(deadline), uk_time(self.now)) {
            (Some(at), Some(now)) if at.date() == now.date() => {
                Due::Today(format!("{:02}:{:02}", at.hour(), at.minute()))
            }
            (Some(at), Some(now)) => Due::On(self.date_words(at, now)),
            _ => Due::Now,
        }
    }

    /// `prefix.fail_by` / `prefix.fail_today` / `prefix.fail_now`-style words for a deadline.
    fn due_words(&self, deadline: Option<UnixMillis>, by: &str, today: &str, now: &str) -> String {
        match self.due(deadline) {
            Due::Now => self.text(now),
            Due::Today(time) => self.text_with(today, &[("time", &time)]),
            Due::On(date) => self.text_with(by, &[("date", &date)]),
        }
    }
}

/// "the Example Trust IT service desk on 0300 123 4567", or "your IT service desk".
fn contact_phrase(words: &Words<'_>, contact: Contact<'_>) -> String {
    let desk = match contact.org_name {
        Some(name) => words.text("contact.desk_named", &[("org_name", name)]),
        None => words.text("contact.desk", &[]),
    };
    match (contact.phone, contact.url) {
        (Some(phone), Some(url)) => words.text(
            "contact.with_phone_and_url",
            &[("desk", &desk), ("phone", phone), ("url", url)],
        ),
        (Some(phone), None) => {
            words.text("contact.with_phone", &[("desk", &desk), ("phone", phone)])
        }
        (None, Some(url)) => words.text("contact.with_url", &[("desk", &desk), ("url", url)]),
        (None, None) => desk,
    }
}

/// The policy's minimum OS version for `platform`, if it has an OS version rule.
fn min_version(policy: &Policy, platform: Option<Platform>) -> Option<String> {
    policy
        .checks
        .iter()
        .find_map(|c| match (&c.rule, platform) {
            (Rule::OsVersion { min }, Some(Platform::Android)) => min.android.clone(),
            (Rule::OsVersion { min }, Some(Platform::Ios)) => min.ios.clone(),
            _ => None,
        })
}

/// The platform's settings screen for `target`.
fn platform_target(target: SettingsTarget, platform: Option<Platform>) -> Option<String> {
    match platform {
        Some(Platform::Android) => target.android_action().map(str::to_owned),
        Some(Platform::Ios) => target.ios_target().map(|_| IOS_SETTINGS_URL.to_owned()),
        Some(Platform::Other) | None => None,
    }
}

/// The entries for `check`: the policy's own, or, when the policy has no `advice` section
/// (written before it existed), the built-in policy's for a check with the same id and rule
/// type.
fn entries_for<'a>(
    policy: &'a Policy,
    builtin: Option<&'a Policy>,
    check: Option<&PolicyCheck>,
    check_id: &str,
) -> &'a [AdviceEntry] {
    if let Some(own) = &policy.advice {
        return own.checks.get(check_id).map_or(&[], Vec::as_slice);
    }
    let Some(builtin) = builtin else {
        return &[];
    };
    let same_rule = match (check, builtin.check(check_id)) {
        (Some(mine), Some(theirs)) => {
            std::mem::discriminant(&mine.rule) == std::mem::discriminant(&theirs.rule)
        }
        _ => false,
    };
    if !same_rule {
        return &[];
    }
    builtin
        .advice
        .as_ref()
        .and_then(|a| a.checks.get(check_id))
        .map_or(&[], Vec::as_slice)
}

fn previously_failing(previous: Option<&PostureReport>, check_id: &str) -> bool {
    previous.is_some_and(|p| {
        p.checks.iter().any(|c| {
            c.check_id == check_id && matches!(c.status, CheckStatus::Fail | CheckStatus::Warn)
        })
    })
}

fn advise_check(
    r: &Renderer<'_>,
    ctx: &AdviceContext<'_>,
    builtin: Option<&Policy>,
    platform: Option<Platform>,
    major: Option<u32>,
    result: &CheckResult,
) -> CheckAdvice {
    let check = ctx.policy.check(&result.check_id);
    let entries = entries_for(ctx.policy, builtin, check, &result.check_id);
    let entry = platform.and_then(|p| entries.iter().find(|e| e.covers(p, major, result.status)));
    // A check with no entry for this phone (an Android setting on an iPhone) is still named
    // in the user's language: by this platform's entry for current versions, else any
    // entry without a status filter, else the policy's own title.
    let named = entry.or_else(|| {
        let neutral = |e: &&AdviceEntry| e.statuses.is_empty();
        entries
            .iter()
            .filter(neutral)
            .find(|e| Some(e.platform) == platform && e.max_major.is_none())
            .or_else(|| entries.iter().find(neutral))
    });
    let title = named.map_or_else(|| result.title.clone(), |e| r.text(&e.title));
    let why = named.map_or_else(|| r.text("generic.why"), |e| r.text(&e.why));
    let lesson_id = result.remediation.lesson_id.clone();
    let to_fix = matches!(result.status, CheckStatus::Fail | CheckStatus::Warn);
    let steps = match (result.status, entry) {
        (CheckStatus::Unknown, _) => vec![r.text("generic.step_unknown")],
        (_, Some(e)) if to_fix => e.steps.iter().map(|k| r.text(k)).collect(),
        (_, None) if to_fix => {
            let mut steps = Vec::new();
            if lesson_id.is_some() {
                steps.push(r.text("generic.step_lesson"));
            }
            steps.push(r.text("generic.step_contact"));
            steps
        }
        _ => Vec::new(),
    };
    let settings_target = if to_fix && entry.is_none_or(|e| e.open_settings) {
        platform_target(result.remediation.settings_target, platform)
    } else {
        None
    };
    let cannot_fix = if to_fix {
        entry
            .and_then(|e| e.cannot_fix.as_deref())
            .map(|k| r.text(k))
    } else {
        None
    };
    let status_words = match result.status {
        CheckStatus::Pass if previously_failing(ctx.previous, &result.check_id) => {
            r.text("status.fixed")
        }
        CheckStatus::Pass => r.text("status.pass"),
        CheckStatus::Warn => r.text("status.warn"),
        CheckStatus::Unknown => r.text("status.unknown"),
        CheckStatus::NotApplicable => r.text("status.not_applicable"),
        CheckStatus::Fail => match entry.and_then(|e| e.fail_words.as_deref()) {
            Some(key) => r.text(key),
            None => r.due_words(
                result.grace_deadline_ms,
                "status.fail_by",
                "status.fail_today",
                "status.fail_now",
            ),
        },
    };
    CheckAdvice {
        check_id: result.check_id.clone(),
        status: result.status,
        status_words,
        title,
        why,
        steps,
        settings_target,
        cannot_fix,
        lesson_id,
    }
}

/// The advice for `report` (see the module note).
pub fn advise(report: &PostureReport, ctx: &AdviceContext<'_>) -> PostureAdvice {
    let builtin = builtin_policy();
    let builtin_words = builtin.and_then(|p| p.advice.as_ref());
    let own_words: Option<&AdviceSection> = ctx.policy.advice.as_ref();
    let words = Words::new(own_words, builtin_words, ctx.locale);
    let platform = report.facts.platform;
    let os = report.facts.os_version.as_deref().and_then(Version::parse);
    let major = os.as_ref().map(Version::major);
    let contact = contact_phrase(&words, ctx.contact);
    let org_name = ctx
        .contact
        .org_name
        .map_or_else(|| words.text("contact.org_fallback", &[]), str::to_owned);
    let fallback_version = words.text("generic.version_fallback", &[]);
    let r = Renderer {
        os_version: report
            .facts
            .os_version
            .clone()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| fallback_version.clone()),
        min_version: min_version(ctx.policy, platform).unwrap_or(fallback_version),
        words,
        contact,
        org_name,
        now: ctx.now,
    };
    let checks = report
        .checks
        .iter()
        .map(|c| advise_check(&r, ctx, builtin, platform, major, c))
        .collect();
    let headline = match report.verdict {
        Verdict::Compliant => match ctx.previous {
            Some(p) if p.verdict != Verdict::Compliant => r.text("verdict.fixed"),
            _ => r.text("verdict.compliant"),
        },
        Verdict::InGrace => {
            let earliest = report
                .checks
                .iter()
                .filter(|c| c.status == CheckStatus::Fail)
                .filter_map(|c| c.grace_deadline_ms)
                .min();
            r.due_words(
                earliest,
                "verdict.in_grace",
                "verdict.in_grace_today",
                "verdict.overdue",
            )
        }
        Verdict::NonCompliant => r.text("verdict.non_compliant"),
        Verdict::Unknown => r.text("verdict.unknown"),
    };
    PostureAdvice {
        verdict: report.verdict,
        headline,
        checks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{parse_rfc3339, DAY_MS};

    use crate::posture::evaluate::evaluate;
    use crate::posture::facts::DeviceFacts;
    use crate::posture::words::CORE_KEYS;
    use crate::posture::PostureTrigger;

    #[test]
    fn the_built_in_english_table_holds_every_core_key() {
        let builtin = builtin_policy().unwrap();
        let en = &builtin.advice.as_ref().unwrap().strings["en"];
        for key in CORE_KEYS {
            assert!(en.contains_key(*key), "{key}");
        }
    }

    /// Every check of the default policy, failing on every Android major from 8 to 17 and on
    /// iOS, gets its own words (never the generic fallback), steps, no unfilled placeholder,
    /// and only its own platform's settings screen.
    #[test]
    fn every_default_check_has_words_for_every_platform() {
        let policy = builtin_policy().unwrap();
        let words = Words::new(policy.advice.as_ref(), None, None);
        let generic_why = words.text("generic.why", &[]);
        let mut cases: Vec<(Platform, String)> = (8..=17)
            .map(|m| (Platform::Android, m.to_string()))
            .collect();
        cases.push((Platform::Ios, String::from("17.6")));
        for (platform, version) in cases {
            let facts = DeviceFacts {
                platform: Some(platform),
                os_version: Some(version.clone()),
                ..DeviceFacts::default()
            };
            let evaluation = evaluate(&facts, policy, &Default::default(), 0, &Default::default());
            let mut checks = evaluation.checks;
            for c in &mut checks {
                c.status = if platform == Platform::Ios
                    && matches!(
                        c.check_id.as_str(),
                        "developer_options" | "usb_debugging" | "unknown_sources"
                    ) {
                    CheckStatus::NotApplicable
                } else {
                    CheckStatus::Fail
                };
                c.grace_deadline_ms = Some(DAY_MS);
            }
            let report = PostureReport {
                report_id: String::from("r"),
                created_at_ms: 0,
                trigger: PostureTrigger::User,
                policy_id: policy.id.clone(),
                policy_version: policy.version.clone(),
                verdict: Verdict::InGrace,
                checks,
                facts,
            };
            let advice = advise(
                &report,
                &AdviceContext {
                    policy,
                    previous: None,
                    contact: Contact::default(),
                    locale: Some("en-GB"),
                    now: 0,
                },
            );
            assert_eq!(advice.headline, "Needs fixing by Friday 2 January");
            for c in &advice.checks {
                let label = format!("{platform:?} {version} {}", c.check_id);
                if c.status == CheckStatus::NotApplicable {
                    assert!(c.steps.is_empty(), "{label}");
                    continue;
                }
                assert_ne!(c.why, generic_why, "{label}: generic words");
                assert!(!c.steps.is_empty(), "{label}");
                let all = [&c.title, &c.why, &c.status_words]
                    .into_iter()
                    .chain(c.steps.iter())
                    .chain(c.cannot_fix.iter());
                for text in all {
                    assert!(
                        !text.contains('{') && !text.contains('}'),
                        "{label}: {text}"
                    );
                    assert!(!text.starts_with("check."), "{label}: missing text {text}");
                }
                match (platform, &c.settings_target) {
                    (Platform::Ios, Some(t)) => assert_eq!(t, IOS_SETTINGS_URL, "{label}"),
                    (Platform::Android, Some(t)) => {
                        assert!(t.starts_with("android.settings."), "{label}")
                    }
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn contact_phrases() {
        let policy = builtin_policy().unwrap();
        let words = Words::new(policy.advice.as_ref(), None, None);
        let mut contact = Contact::default();
        assert_eq!(contact_phrase(&words, contact), "your IT service desk");
        contact.url = Some("https://desk.example");
        assert_eq!(
            contact_phrase(&words, contact),
            "your IT service desk (https://desk.example)"
        );
        contact.org_name = Some("Example Trust");
        contact.phone = Some("0300 123 4567");
        assert_eq!(
            contact_phrase(&words, contact),
            "the Example Trust IT service desk on 0300 123 4567 or at https://desk.example"
        );
    }

    #[test]
    fn uk_time_follows_british_summer_time() {
        let at = |t: &str| uk_time(parse_rfc3339(t).unwrap()).unwrap();
        // Winter: GMT.
        assert_eq!(at("2026-12-03T23:30:00Z").hour(), 23);
        // Summer: BST, the next day in the UK.
        let summer = at("2026-07-01T23:30:00Z");
        assert_eq!((summer.day(), summer.hour()), (2, 0));
        // 2026: BST from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(at("2026-03-29T00:59:00Z").hour(), 0);
        assert_eq!(at("2026-03-29T01:00:00Z").hour(), 2);
        assert_eq!(at("2026-10-25T00:59:00Z").hour(), 1);
        assert_eq!(at("2026-10-25T01:00:00Z").hour(), 1);
    }
}
