//! Incident reports: a member of staff tells the organisation, at the moment it happens and
//! even with no signal, that something went wrong (a lost phone, a phishing link clicked, a
//! shared Smartcard), and is told at once, offline, what to do next.
//!
//! This module is the domain: the kinds ([`IncidentKind`]), the short form and its bounds
//! ([`IncidentForm::validate`]), the immediate advice per kind with the organisation's
//! contacts ([`advice`]) and the report body sent to the collector ([`report_body`]). Filing
//! (sealed copy in the store, an `incident` report that jumps the outbox queue) is on the
//! `Companion` (`companion/incident.rs`). The free text is the reporter's own words: it is
//! sealed locally and in the envelope, bounded in length, and never logged.

use serde::{Deserialize, Serialize};

use crate::clock::{rfc3339, UnixMillis, DAY_MS};
use crate::config::OrganisationContacts;
pub use crate::error::IncidentRefusal;

/// Longest free-text description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// How far in the past an incident may have happened (90 days); older events are not
/// incidents to report from a phone but matters for the IG lead.
pub const MAX_AGE_MS: i64 = 90 * DAY_MS;

/// How far ahead of the device clock `occurred_at` may be (clock skew allowance).
pub const MAX_FUTURE_SKEW_MS: i64 = 5 * 60 * 1000;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum IncidentKind {
    /// A phone, tablet or laptop holding work data is lost or stolen.
    LostOrStolenDevice,
    /// A suspected phishing message: a link in it was clicked or an attachment opened.
    PhishingClicked,
    /// A suspected phishing message: a password was typed into the page it led to.
    PhishingEnteredPassword,
    /// A suspected phishing message was received; nothing was clicked.
    PhishingReceived,
    /// A Smartcard was shared, left in a reader for others, or lost.
    SmartcardSharedOrLost,
    /// Personal or patient data was sent to the wrong person.
    DataSentToWrongPerson,
    /// A call asking for passwords, codes, patient details or remote access.
    SuspiciousCall,
    /// Something else that looks wrong.
    Other,
}

impl IncidentKind {
    /// Every kind, in the order a form lists them.
    pub const ALL: [IncidentKind; 8] = [
        Self::LostOrStolenDevice,
        Self::PhishingClicked,
        Self::PhishingEnteredPassword,
        Self::PhishingReceived,
        Self::SmartcardSharedOrLost,
        Self::DataSentToWrongPerson,
        Self::SuspiciousCall,
        Self::Other,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LostOrStolenDevice => "lost_or_stolen_device",
            Self::PhishingClicked => "phishing_clicked",
            Self::PhishingEnteredPassword => "phishing_entered_password",
            Self::PhishingReceived => "phishing_received",
            Self::SmartcardSharedOrLost => "smartcard_shared_or_lost",
            Self::DataSentToWrongPerson => "data_sent_to_wrong_person",
            Self::SuspiciousCall => "suspicious_call",
            Self::Other => "other",
        }
    }

    /// Parses a wire name; anything else is [`IncidentRefusal::UnknownKind`].
    pub fn parse(text: &str) -> Result<Self, IncidentRefusal> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or(IncidentRefusal::UnknownKind)
    }

    /// The label a form shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::LostOrStolenDevice => "Lost or stolen device",
            Self::PhishingClicked => "Suspected phishing: I clicked a link or opened an attachment",
            Self::PhishingEnteredPassword => "Suspected phishing: I entered my password",
            Self::PhishingReceived => "Suspected phishing: I received it, nothing clicked",
            Self::SmartcardSharedOrLost => "Smartcard shared or lost",
            Self::DataSentToWrongPerson => "Data sent to the wrong person",
            Self::SuspiciousCall => "Suspicious phone call",
            Self::Other => "Something else",
        }
    }

    /// Whether the organisation must act within the hour (shown and sent as urgent).
    pub fn urgent(self) -> bool {
        !matches!(self, Self::PhishingReceived | Self::Other)
    }
}

/// The short form, as the member of staff fills it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct IncidentForm {
    /// What happened.
    pub kind: IncidentKind,
    /// When it happened (Unix ms); `None` means now.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub occurred_at_ms: Option<i64>,
    /// What happened, in the reporter's words (at most 1,000 characters; may be empty).
    pub description: String,
    /// Reported on behalf of a colleague (their device or their Smartcard), not the reporter's own.
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub on_behalf_of_colleague: bool,
}

impl IncidentForm {
    /// Checks the form at `now` and returns it cleaned (description trimmed, `occurred_at`
    /// filled in).
    pub fn validate(&self, now: UnixMillis) -> Result<ValidForm, IncidentRefusal> {
        let description = self.description.trim();
        let chars = description.chars().count();
        if chars > MAX_DESCRIPTION_CHARS {
            return Err(IncidentRefusal::DescriptionTooLong {
                max_chars: u32::try_from(MAX_DESCRIPTION_CHARS).unwrap_or(u32::MAX),
            });
        }
        if description
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(IncidentRefusal::DescriptionNotText);
        }
        let occurred_at = self.occurred_at_ms.unwrap_or(now);
        if occurred_at > now.saturating_add(MAX_FUTURE_SKEW_MS)
            || occurred_at < now.saturating_sub(MAX_AGE_MS)
        {
            return Err(IncidentRefusal::OccurredAtOutOfRange);
        }
        Ok(ValidForm {
            kind: self.kind,
            occurred_at_ms: occurred_at.min(now),
            description: description.to_owned(),
            on_behalf_of_colleague: self.on_behalf_of_colleague,
        })
    }
}

/// A form that passed [`IncidentForm::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidForm {
    /// What happened.
    pub kind: IncidentKind,
    /// When (never after the time it was filed).
    pub occurred_at_ms: UnixMillis,
    /// The reporter's words, trimmed.
    pub description: String,
    /// On behalf of a colleague.
    pub on_behalf_of_colleague: bool,
}

/// "the <org> IT service desk on <phone>", or the fallback "your IT service desk".
pub fn service_desk(contacts: &OrganisationContacts) -> String {
    let desk = match contacts
        .org_name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        Some(org) => format!("the {} IT service desk", org.trim()),
        None => String::from("your IT service desk"),
    };
    match (
        contacts.it_service_desk_phone.as_deref(),
        contacts.it_service_desk_url.as_deref(),
    ) {
        (Some(phone), Some(url)) => format!("{desk} on {phone} (or {url})"),
        (Some(phone), None) => format!("{desk} on {phone}"),
        (None, Some(url)) => format!("{desk} ({url})"),
        (None, None) => desk,
    }
}

/// The IG lead with their contact, or the fallback "your information governance lead".
pub fn ig_lead(contacts: &OrganisationContacts) -> String {
    match contacts.ig_lead_contact.as_deref() {
        Some(contact) => format!("your information governance lead ({contact})"),
        None => String::from("your information governance lead"),
    }
}

/// What to do now, shown as soon as the form is filed (no network needed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct IncidentAdvice {
    /// What happened.
    pub kind: IncidentKind,
    /// One line: the most important thing.
    pub headline: String,
    /// What to do, in order.
    pub steps: Vec<String>,
    /// Whom to call, with the organisation's number when it is configured.
    pub contact: String,
    /// Whether to act now (call rather than wait for the report to sync).
    pub urgent: bool,
}

/// The immediate advice for `kind`, naming the organisation's contacts.
pub fn advice(kind: IncidentKind, contacts: &OrganisationContacts) -> IncidentAdvice {
    let desk = service_desk(contacts);
    let (headline, steps): (&str, Vec<String>) = match kind {
        IncidentKind::LostOrStolenDevice => (
            "Call the IT service desk now so the device can be locked and wiped remotely.",
            vec![
                format!("Call {desk} now: they can lock and wipe the device."),
                String::from("Change your NHSmail password from another device, then any other password the device remembered."),
                String::from("If it was stolen, report it to the police and note the crime reference number."),
                String::from("If it is a colleague's device, help them make the call; do not wait for them to find it."),
            ],
        ),
        IncidentKind::PhishingClicked => (
            "Disconnect the device from Wi-Fi and mobile data, then call the IT service desk.",
            vec![
                String::from("Turn on airplane mode or disconnect from Wi-Fi and mobile data."),
                format!("Call {desk} and say what you clicked and when."),
                String::from("Do not enter any password on the page it opened; close it."),
                String::from("Keep the message: do not forward it to colleagues."),
            ],
        ),
        IncidentKind::PhishingEnteredPassword => (
            "Change your NHSmail password now from another device.",
            vec![
                String::from("Change your NHSmail password now from another device, and any other account that uses the same password."),
                format!("Call {desk} so they can end your sessions and check your mailbox rules."),
                String::from("Watch for MFA prompts you did not ask for and refuse them."),
                String::from("Report the message with the Report phishing button or forward it to spamreports@nhs.net."),
            ],
        ),
        IncidentKind::PhishingReceived => (
            "Do not click anything; report the message and delete it.",
            vec![
                String::from("Report it with the Report phishing button, or forward it to spamreports@nhs.net."),
                String::from("Then delete it. Do not reply, click links or open attachments."),
                String::from("If colleagues got it too, tell them not to click."),
            ],
        ),
        IncidentKind::SmartcardSharedOrLost => (
            "Ask your Registration Authority to cancel the Smartcard now.",
            vec![
                String::from("Contact your Registration Authority (RA) to cancel the card and issue a new one."),
                format!("If it was shared, tell {desk} whose session was used and when."),
                String::from("Never leave a Smartcard in a reader or lend your passcode, even on a busy shift."),
            ],
        ),
        IncidentKind::DataSentToWrongPerson => (
            "Ask the recipient to delete it, then tell your IG lead today.",
            vec![
                String::from("Ask the recipient to delete it and confirm in writing; do not send anything more."),
                format!("Tell {} today: a personal data breach may have to be reported to the ICO within 72 hours.", ig_lead(contacts)),
                String::from("Note what was sent, to whom and when; keep the sent item."),
            ],
        ),
        IncidentKind::SuspiciousCall => (
            "Give nothing more; hang up and call back on a number you know.",
            vec![
                String::from("Do not give passwords, codes, patient details or remote access to a caller."),
                String::from("Hang up and call back on a number from the directory, not one the caller gave."),
                format!("Tell {desk} what was asked and the number that called."),
            ],
        ),
        IncidentKind::Other => (
            "Write down what you saw and tell the IT service desk.",
            vec![
                String::from("Write down what happened and when, while it is fresh."),
                format!("Tell {desk}; if patient data may be involved, tell {} too.", ig_lead(contacts)),
            ],
        ),
    };
    IncidentAdvice {
        kind,
        headline: headline.to_owned(),
        steps,
        contact: format!("Call {desk}."),
        urgent: kind.urgent(),
    }
}

/// An incident just filed: its id and what to do now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FiledIncident {
    /// The incident's id (quote it when calling the service desk).
    pub incident_id: String,
    /// The outbox envelope carrying it.
    pub report_id: String,
    /// What to do now.
    pub advice: IncidentAdvice,
}

/// An incident this device filed, for the "my reports" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct IncidentSummary {
    /// The incident's id.
    pub incident_id: String,
    /// What happened.
    pub kind: IncidentKind,
    /// When it happened.
    pub occurred_at_ms: i64,
    /// When it was filed.
    pub reported_at_ms: i64,
    /// Whether the collector has it.
    pub delivered: bool,
}

/// The body of the `incident` report sent to the collector.
pub fn report_body(
    incident_id: &str,
    form: &ValidForm,
    reported_at: UnixMillis,
    staff_pseudonym: &str,
) -> serde_json::Value {
    serde_json::json!({
        "incident_id": incident_id,
        "kind": form.kind.as_str(),
        "urgent": form.kind.urgent(),
        "occurred_at": rfc3339(form.occurred_at_ms),
        "reported_at": rfc3339(reported_at),
        "on_behalf_of_colleague": form.on_behalf_of_colleague,
        "description": form.description,
        "staff_pseudonym": staff_pseudonym,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixMillis = 1_795_885_384_000;

    fn form(kind: IncidentKind, description: &str) -> IncidentForm {
        IncidentForm {
            kind,
            occurred_at_ms: None,
            description: description.to_owned(),
            on_behalf_of_colleague: false,
        }
    }

    #[test]
    fn kinds_round_trip_and_unknown_is_refused() {
        for kind in IncidentKind::ALL {
            assert_eq!(IncidentKind::parse(kind.as_str()), Ok(kind));
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, kind.as_str());
        }
        assert_eq!(
            IncidentKind::parse("alien_abduction"),
            Err(IncidentRefusal::UnknownKind)
        );
        assert_eq!(IncidentKind::parse(""), Err(IncidentRefusal::UnknownKind));
    }

    #[test]
    fn description_is_bounded_in_characters_not_bytes() {
        let at_limit = "é".repeat(MAX_DESCRIPTION_CHARS);
        let ok = form(IncidentKind::Other, &at_limit).validate(NOW).unwrap();
        assert_eq!(ok.description.chars().count(), MAX_DESCRIPTION_CHARS);
        let over = "a".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert_eq!(
            form(IncidentKind::Other, &over).validate(NOW),
            Err(IncidentRefusal::DescriptionTooLong { max_chars: 1000 })
        );
        assert_eq!(
            form(IncidentKind::Other, "bell\u{7}").validate(NOW),
            Err(IncidentRefusal::DescriptionNotText)
        );
        let lines = form(IncidentKind::Other, "  line one\nline two\t \n ")
            .validate(NOW)
            .unwrap();
        assert_eq!(lines.description, "line one\nline two");
    }

    #[test]
    fn occurred_at_must_be_recent_and_not_ahead_of_the_clock() {
        let mut f = form(IncidentKind::SuspiciousCall, "");
        assert_eq!(f.validate(NOW).unwrap().occurred_at_ms, NOW);
        f.occurred_at_ms = Some(NOW - 2 * 60 * 60 * 1000);
        assert_eq!(f.validate(NOW).unwrap().occurred_at_ms, NOW - 7_200_000);
        f.occurred_at_ms = Some(NOW + 60_000);
        assert_eq!(f.validate(NOW).unwrap().occurred_at_ms, NOW);
        f.occurred_at_ms = Some(NOW + MAX_FUTURE_SKEW_MS + 1);
        assert_eq!(f.validate(NOW), Err(IncidentRefusal::OccurredAtOutOfRange));
        f.occurred_at_ms = Some(NOW - MAX_AGE_MS - 1);
        assert_eq!(f.validate(NOW), Err(IncidentRefusal::OccurredAtOutOfRange));
    }

    #[test]
    fn advice_names_the_configured_desk_or_falls_back() {
        let none = OrganisationContacts::default();
        let a = advice(IncidentKind::PhishingEnteredPassword, &none);
        assert!(a.headline.contains("NHSmail password"));
        assert!(a.steps.iter().any(|s| s.contains("your IT service desk")));
        assert_eq!(a.contact, "Call your IT service desk.");
        assert!(a.urgent);
        let set = OrganisationContacts {
            org_name: Some(String::from("Example Trust")),
            it_service_desk_phone: Some(String::from("0300 123 4567")),
            it_service_desk_url: None,
            ig_lead_contact: Some(String::from("dpo@example.nhs.uk")),
        };
        let lost = advice(IncidentKind::LostOrStolenDevice, &set);
        assert_eq!(
            lost.contact,
            "Call the Example Trust IT service desk on 0300 123 4567."
        );
        assert!(lost.steps[0].contains("0300 123 4567"));
        let data = advice(IncidentKind::DataSentToWrongPerson, &set);
        assert!(data.steps.iter().any(|s| s.contains("dpo@example.nhs.uk")));
        assert!(!advice(IncidentKind::PhishingReceived, &set).urgent);
        for kind in IncidentKind::ALL {
            let a = advice(kind, &none);
            assert!(!a.headline.is_empty() && !a.steps.is_empty(), "{kind:?}");
        }
    }

    #[test]
    fn report_body_carries_the_form_and_the_pseudonym_only() {
        let valid = IncidentForm {
            kind: IncidentKind::LostOrStolenDevice,
            occurred_at_ms: Some(NOW - 1000),
            description: String::from("left on the bus"),
            on_behalf_of_colleague: true,
        }
        .validate(NOW)
        .unwrap();
        let body = report_body("inc-1", &valid, NOW, "staff-1");
        assert_eq!(body["kind"], "lost_or_stolen_device");
        assert_eq!(body["urgent"], true);
        assert_eq!(body["on_behalf_of_colleague"], true);
        assert_eq!(body["occurred_at"], rfc3339(NOW - 1000));
        assert_eq!(body["staff_pseudonym"], "staff-1");
        assert_eq!(body.as_object().unwrap().len(), 8);
    }
}
