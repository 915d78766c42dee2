//! Device posture: is this device fit to hold patient data, and if not, how to fix it.
//!
//! The platform probe submits [`DeviceFacts`]; [`Companion::check_posture`] evaluates them
//! against the policy in force ([`policy`]), keeps each failing check's first-failed time so
//! grace periods survive restarts, stores the report sealed and queues it for the collector,
//! all in one transaction. Triggers say who asked: the user, the schedule, app start, or the
//! organisation's MDM (with its request id, answered once per id). [`feedback`] turns the
//! latest report into MDM feedback. Nothing here reads the OS itself.
//!
//! [`Companion::check_posture`]: crate::Companion::check_posture

pub mod evaluate;
pub mod facts;
pub mod feedback;
pub mod policy;
pub mod releases;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use evaluate::{CheckResult, CheckStatus, Verdict};
pub use facts::{DeviceFacts, LockComplexity, Platform, RootSignal, StorageEncryption};
pub use feedback::{FeedbackSeverity, KeyedAppState, MdmFeedback};
pub use policy::{Policy, Remediation, SettingsTarget, Severity};

use crate::bundle::{BundleKind, BundlePayload, BundleRefusal};
use crate::clock::UnixMillis;
use crate::error::Result;
use crate::store;

pub(crate) const LATEST_FACTS: &str = "posture.latest_facts";
pub(crate) const PENDING_REQUEST: &str = "posture.pending_request";

/// Longest MDM request id accepted.
pub const MAX_REQUEST_ID: usize = 100;

/// Who asked for a posture check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PostureTrigger {
    /// The member of staff tapped "check my device".
    User,
    /// The platform's scheduled work.
    Schedule,
    /// The app started.
    AppStart,
    /// The organisation's MDM asked, through managed configuration.
    Mdm {
        /// The MDM's request id; each id is answered once.
        request_id: String,
    },
}

impl PostureTrigger {
    /// The wire name (`user`, `schedule`, `app_start`, `mdm`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Schedule => "schedule",
            Self::AppStart => "app_start",
            Self::Mdm { .. } => "mdm",
        }
    }

    /// The MDM request id, for an MDM trigger.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Mdm { request_id } => Some(request_id),
            _ => None,
        }
    }
}

/// Whether `id` is an acceptable MDM request id: 1–100 characters of `[A-Za-z0-9._:-]`.
pub fn valid_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// The result of one posture check, as stored, queued and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PostureReport {
    /// Unique id of this report.
    pub report_id: String,
    /// When the check ran (Unix milliseconds, injected clock).
    pub created_at_ms: i64,
    /// Who asked.
    pub trigger: PostureTrigger,
    /// The policy's id.
    pub policy_id: String,
    /// The policy's version label.
    pub policy_version: String,
    /// The overall verdict.
    pub verdict: Verdict,
    /// One result per policy check.
    pub checks: Vec<CheckResult>,
    /// The facts the check used.
    pub facts: DeviceFacts,
}

pub(crate) fn pending_request(conn: &rusqlite::Connection) -> Result<Option<String>> {
    Ok(store::get_meta(conn, PENDING_REQUEST)?.and_then(|v| String::from_utf8(v).ok()))
}

pub(crate) fn load_first_failed(
    conn: &rusqlite::Connection,
) -> Result<BTreeMap<String, UnixMillis>> {
    let mut stmt =
        conn.prepare("SELECT check_id, first_failed_at FROM posture_check_state WHERE first_failed_at IS NOT NULL")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (id, at) = row?;
        out.insert(id, at);
    }
    Ok(out)
}

impl BundlePayload for Policy {
    const KIND: BundleKind = BundleKind::Policy;

    fn from_payload(payload: &[u8]) -> Result<Self, BundleRefusal> {
        Self::parse(payload).map_err(|_| BundleRefusal::InvalidPayload)
    }
}
