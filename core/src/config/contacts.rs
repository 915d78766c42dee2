//! Organisation contacts: whom a member of staff calls when Frontline says "contact IT".
//!
//! Remediation advice ("stop using this phone for patient data and call …"), incident advice
//! and the training content all name the organisation's IT service desk and its information
//! governance lead. The organisation sets them through managed configuration (`org_name`,
//! `it_service_desk_phone`, `it_service_desk_url`, `ig_lead_contact`) or the app's own
//! configuration; this module checks each value (bounded length, printable text, https only)
//! and hands them out as one record. The values are shown to people, so text that could
//! disguise itself (control characters, bidirectional overrides, zero-width characters) is
//! refused rather than shown. Nothing here is secret, but nothing here is logged either.

use serde::{Deserialize, Serialize};

use super::managed::{check_url, ConfigProblem, ConfigProblemKind};
use super::CompanionConfig;
use crate::error::{Error, Result};

/// Longest organisation name.
pub const MAX_ORG_NAME: usize = 100;
/// Longest service desk phone number (as written, with spaces).
pub const MAX_PHONE: usize = 40;
/// Longest IG lead / DPO contact (an email address or a phone number).
pub const MAX_IG_CONTACT: usize = 254;
/// Longest service desk URL.
pub const MAX_CONTACT_URL: usize = 2048;
/// Longest locale tag (`en-GB`, `cy`, `pt_BR`).
pub const MAX_LOCALE: usize = 35;

/// Whom staff contact, as the organisation configured it. Every field may be unset: the
/// words then say "your IT service desk".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OrganisationContacts {
    /// The organisation's name for people, e.g. `Example Community Health NHS Trust`.
    pub org_name: Option<String>,
    /// The IT service desk's phone number as people dial it, e.g. `0300 123 4567`.
    pub it_service_desk_phone: Option<String>,
    /// The IT service desk's web page (https).
    pub it_service_desk_url: Option<String>,
    /// The information governance lead or data protection officer: an email address or a
    /// phone number.
    pub ig_lead_contact: Option<String>,
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

fn bounded_text(value: &str, max_chars: usize) -> Result<String, ConfigProblemKind> {
    if value.chars().count() > max_chars {
        return Err(ConfigProblemKind::TooLong);
    }
    if !printable_text(value) {
        return Err(ConfigProblemKind::BadCharacters);
    }
    Ok(value.to_owned())
}

/// Checks an organisation name: 1–100 printable characters.
pub fn check_org_name(value: &str) -> Result<String, ConfigProblemKind> {
    bounded_text(value, MAX_ORG_NAME)
}

/// Checks a phone number as people dial it: up to 40 characters of digits, spaces and
/// `+ ( ) - .`, with at least three digits (`111`, `0300 123 4567`, `+44 (0)300 123 4567`).
pub fn check_phone(value: &str) -> Result<String, ConfigProblemKind> {
    if value.chars().count() > MAX_PHONE {
        return Err(ConfigProblemKind::TooLong);
    }
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '(' | ')' | '-' | '.'));
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if !allowed || digits < 3 {
        return Err(ConfigProblemKind::BadCharacters);
    }
    Ok(value.to_owned())
}

/// Checks a web page for people: an absolute `https` URL without credentials (never `http`,
/// not even on loopback: it is a link staff follow).
pub fn check_https_url(value: &str) -> Result<String, ConfigProblemKind> {
    if value.len() > MAX_CONTACT_URL {
        return Err(ConfigProblemKind::TooLong);
    }
    let checked = check_url(value)?;
    let scheme = checked.split("://").next().unwrap_or("");
    if !scheme.eq_ignore_ascii_case("https") {
        return Err(ConfigProblemKind::InsecureUrl);
    }
    Ok(checked)
}

/// Checks the IG lead / DPO contact: up to 254 printable characters (an email address or a
/// phone number; it is shown, never dialled or mailed by the core).
pub fn check_ig_contact(value: &str) -> Result<String, ConfigProblemKind> {
    bounded_text(value, MAX_IG_CONTACT)
}

/// Checks a locale tag such as `en-GB`, `cy` or `pt_BR` (Android `Locale.toLanguageTag()`,
/// iOS `Locale.identifier`): a 2–3 letter language, then up to four subtags of 1–8 letters or
/// digits separated by `-` or `_`.
pub fn check_locale(value: &str) -> Result<String, ConfigProblemKind> {
    if value.len() > MAX_LOCALE {
        return Err(ConfigProblemKind::TooLong);
    }
    let mut parts = value.split(['-', '_']);
    let language = parts.next().unwrap_or("");
    let language_ok =
        (2..=3).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_alphabetic());
    let rest: Vec<&str> = parts.collect();
    let rest_ok = rest.len() <= 4
        && rest
            .iter()
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if language_ok && rest_ok {
        Ok(value.to_owned())
    } else {
        Err(ConfigProblemKind::BadCharacters)
    }
}

type Check = fn(&str) -> Result<String, ConfigProblemKind>;

impl CompanionConfig {
    /// Checks the values the app itself set that are shown to people or pick their language
    /// (organisation contacts, locale). Every bad key is named, never its value.
    pub fn check_app_values(&self) -> Result<(), Vec<ConfigProblem>> {
        let fields: [(&str, &Option<String>, Check); 5] = [
            ("org_name", &self.org_name, check_org_name),
            (
                "it_service_desk_phone",
                &self.it_service_desk_phone,
                check_phone,
            ),
            (
                "it_service_desk_url",
                &self.it_service_desk_url,
                check_https_url,
            ),
            ("ig_lead_contact", &self.ig_lead_contact, check_ig_contact),
            ("locale", &self.locale, check_locale),
        ];
        let problems: Vec<ConfigProblem> = fields
            .iter()
            .filter_map(|(key, value, check)| {
                let value = value.as_deref()?;
                let problem = if value.trim().is_empty() {
                    ConfigProblemKind::Empty
                } else {
                    check(value.trim()).err()?
                };
                Some(ConfigProblem {
                    key: (*key).to_owned(),
                    problem,
                })
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The organisation contacts in this configuration.
    pub fn organisation_contacts(&self) -> OrganisationContacts {
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        OrganisationContacts {
            org_name: clean(&self.org_name),
            it_service_desk_phone: clean(&self.it_service_desk_phone),
            it_service_desk_url: clean(&self.it_service_desk_url),
            ig_lead_contact: clean(&self.ig_lead_contact),
        }
    }
}

/// Refuses an app configuration with bad contact or locale values before anything opens.
pub(crate) fn check_app_config(config: &CompanionConfig) -> Result<()> {
    config.check_app_values().map_err(Error::InvalidConfig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StaffRole;

    #[test]
    fn phone_numbers_as_people_write_them() {
        for ok in [
            "0300 123 4567",
            "+44 (0)300 123 4567",
            "111",
            "01632-960.001",
        ] {
            assert_eq!(check_phone(ok).as_deref(), Ok(ok), "{ok}");
        }
        for bad in ["call us", "12", "0300 123 4567 ext 5", "0300\u{202E}123"] {
            assert_eq!(
                check_phone(bad),
                Err(ConfigProblemKind::BadCharacters),
                "{bad}"
            );
        }
        assert_eq!(
            check_phone(&"1".repeat(41)),
            Err(ConfigProblemKind::TooLong)
        );
    }

    #[test]
    fn service_desk_url_is_https_only() {
        assert!(check_https_url("https://itservicedesk.example.nhs.uk/report").is_ok());
        assert_eq!(
            check_https_url("http://localhost/desk"),
            Err(ConfigProblemKind::InsecureUrl)
        );
        assert_eq!(
            check_https_url("http://desk.example.nhs.uk"),
            Err(ConfigProblemKind::InsecureUrl)
        );
        assert_eq!(
            check_https_url("javascript:alert(1)"),
            Err(ConfigProblemKind::NotAUrl)
        );
        assert_eq!(
            check_https_url("https://user:pw@desk.example"),
            Err(ConfigProblemKind::BadCharacters)
        );
        let long = format!("https://desk.example/{}", "a".repeat(2048));
        assert_eq!(check_https_url(&long), Err(ConfigProblemKind::TooLong));
    }

    #[test]
    fn names_and_contacts_are_bounded_printable_text() {
        assert!(check_org_name("Example Community Health NHS Trust").is_ok());
        assert!(check_org_name("Ymddiriedolaeth GIG Enghraifft").is_ok());
        assert_eq!(
            check_org_name(&"a".repeat(101)),
            Err(ConfigProblemKind::TooLong)
        );
        for bad in [
            "Trust\nline",
            "Trust\u{202E}kcab",
            "Trust\u{200B}",
            "Tab\there",
        ] {
            assert_eq!(
                check_org_name(bad),
                Err(ConfigProblemKind::BadCharacters),
                "{bad:?}"
            );
        }
        assert!(check_ig_contact("dpo@example-trust.nhs.uk").is_ok());
        assert!(check_ig_contact("0300 123 4000").is_ok());
        assert_eq!(
            check_ig_contact(&"d".repeat(255)),
            Err(ConfigProblemKind::TooLong)
        );
    }

    #[test]
    fn locales_from_both_platforms() {
        for ok in ["en", "en-GB", "cy_GB", "pt_BR", "zh-Hant-TW"] {
            assert!(check_locale(ok).is_ok(), "{ok}");
        }
        for bad in ["e", "english-GB", "en GB", "en-", "../en", ""] {
            assert_eq!(
                check_locale(bad),
                Err(ConfigProblemKind::BadCharacters),
                "{bad}"
            );
        }
    }

    #[test]
    fn app_values_name_every_bad_key() {
        let mut config = CompanionConfig::new("example-trust", "staff-1", StaffRole::AllStaff);
        assert_eq!(config.check_app_values(), Ok(()));
        config.org_name = Some(String::from("  "));
        config.it_service_desk_phone = Some(String::from("ring us"));
        config.it_service_desk_url = Some(String::from("http://desk.example"));
        config.locale = Some(String::from("English"));
        let problems = config.check_app_values().unwrap_err();
        let kinds: Vec<(&str, ConfigProblemKind)> = problems
            .iter()
            .map(|p| (p.key.as_str(), p.problem))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("org_name", ConfigProblemKind::Empty),
                ("it_service_desk_phone", ConfigProblemKind::BadCharacters),
                ("it_service_desk_url", ConfigProblemKind::InsecureUrl),
                ("locale", ConfigProblemKind::BadCharacters),
            ]
        );
    }
}
