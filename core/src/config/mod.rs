//! Configuration: who the device belongs to and where its reports go.
//!
//! The app passes a [`CompanionConfig`] when it opens the `Companion` (built from the app's
//! own defaults); the organisation's MDM may later override it through managed configuration
//! (`managed` submodule). Every value is checked before use: a bad value is named in an error
//! list and the configuration in force stays as it was.

pub mod contacts;
pub mod managed;

pub use contacts::OrganisationContacts;

use serde::{Deserialize, Serialize};

/// The staff member's role, which decides the training modules assigned to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum StaffRole {
    /// Every member of staff: the basic track.
    AllStaff,
    /// IT, information governance and other specialists: the basic and advanced tracks.
    Specialist,
}

impl StaffRole {
    /// The wire name (`all_staff`, `specialist`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AllStaff => "all_staff",
            Self::Specialist => "specialist",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "all_staff" => Some(Self::AllStaff),
            "specialist" => Some(Self::Specialist),
            _ => None,
        }
    }
}

/// The configuration in force on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CompanionConfig {
    /// Short identifier of the organisation, e.g. `example-trust`.
    pub organisation_id: String,
    /// The organisation's home page (an absolute URL): the xAPI account `homePage`.
    pub organisation_url: String,
    /// The pseudonym the organisation assigned to this member of staff (never an email).
    pub staff_pseudonym: String,
    /// The member of staff's role.
    pub staff_role: StaffRole,
    /// Base URL of the organisation's collector (`https://…`; `http://` only for loopback).
    pub collector_url: Option<String>,
    /// One-time token that enrols this device with the collector.
    pub enrolment_token: Option<String>,
    /// The organisation's Ed25519 bundle publisher public key (base64url, 32 bytes).
    pub publisher_key: Option<String>,
    /// The organisation's X25519 report public key (base64url, 32 bytes).
    pub org_report_key: Option<String>,
    /// Set by the MDM to ask for one posture check; each new value runs one check.
    pub posture_check_request_id: Option<String>,
    /// Minutes between scheduled posture checks and sync attempts.
    pub sync_interval_minutes: u32,
    /// Upload reports only on unmetered networks (Wi-Fi).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub sync_wifi_only: bool,
    /// The organisation's name for people (shown in advice: "the … IT service desk").
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub org_name: Option<String>,
    /// The IT service desk's phone number as people dial it.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub it_service_desk_phone: Option<String>,
    /// The IT service desk's web page (https only).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub it_service_desk_url: Option<String>,
    /// The information governance lead / data protection officer: an email or phone number.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub ig_lead_contact: Option<String>,
    /// The user's locale (`en-GB`, `cy`, `pt_BR`): picks the language of the words shown
    /// (posture advice); English when unset or not translated.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub locale: Option<String>,
}

impl CompanionConfig {
    /// A configuration with only the identity set and everything else at its default.
    pub fn new(organisation_id: &str, staff_pseudonym: &str, staff_role: StaffRole) -> Self {
        Self {
            organisation_id: organisation_id.to_owned(),
            organisation_url: format!("https://{organisation_id}.example"),
            staff_pseudonym: staff_pseudonym.to_owned(),
            staff_role,
            collector_url: None,
            enrolment_token: None,
            publisher_key: None,
            org_report_key: None,
            posture_check_request_id: None,
            sync_interval_minutes: 60,
            sync_wifi_only: false,
            org_name: None,
            it_service_desk_phone: None,
            it_service_desk_url: None,
            ig_lead_contact: None,
            locale: None,
        }
    }
}
