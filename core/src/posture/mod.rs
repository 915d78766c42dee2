//! Device posture: is this device fit to hold patient data, and if not, how to fix it.
//!
//! The platform probe submits [`DeviceFacts`]; [`Companion::check_posture`] evaluates them
//! against the policy in force ([`policy`]), keeps each failing check's first-failed time so
//! grace periods survive restarts, stores the report sealed and queues it for the collector,
//! all in one transaction. Triggers say who asked: the user, the schedule, app start, or the
//! organisation's MDM (with its request id, answered once per id). [`feedback`] turns the
//! latest report into MDM feedback. Nothing here reads the OS itself.

pub mod advice;
pub mod evaluate;
pub mod facts;
pub mod feedback;
pub mod policy;
pub mod words;

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

pub use advice::{CheckAdvice, PostureAdvice};
pub use evaluate::{CheckResult, CheckStatus, Verdict};
pub use facts::{DeviceFacts, LockComplexity, Platform, RootSignal, StorageEncryption};
pub use feedback::{FeedbackSeverity, KeyedAppState, MdmFeedback};
pub use policy::{Policy, Remediation, SettingsTarget, Severity};

use crate::clock::UnixMillis;
use crate::error::{Error, Result};
use crate::outbox::{ReportDraft, ReportKind, Retention};
use crate::store;
use crate::Companion;

const LATEST_FACTS: &str = "posture.latest_facts";
const PENDING_REQUEST: &str = "posture.pending_request";

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

impl Companion {
    /// The device policy in force: the installed `policy` bundle, or the built-in default.
    /// An installed payload was checked before install; should a later build read it
    /// differently, the (strict) built-in default applies rather than no policy at all.
    pub fn active_policy(&self) -> Result<Policy> {
        if let Some(payload) = self.installed_payload(crate::bundle::BundleKind::Policy)? {
            match Policy::parse(&payload) {
                Ok(policy) => return Ok(policy),
                Err(_) => log::warn!(
                    "installed policy unreadable by this build; using the built-in policy"
                ),
            }
        }
        Policy::default_policy().map_err(|_| Error::InvalidInput(String::from("built-in policy")))
    }

    /// Evaluates `facts` against the policy in force and records the result: grace state,
    /// the sealed report, the report in the outbox, and for an MDM trigger the answered
    /// request, all in one transaction. The facts become the device's latest facts.
    ///
    /// An MDM request id that was already answered returns the earlier report and changes
    /// nothing. If the MDM asked for a check before any facts were known, this check answers
    /// that request (its trigger is the MDM's).
    pub fn check_posture(
        &self,
        facts: DeviceFacts,
        trigger: PostureTrigger,
    ) -> Result<PostureReport> {
        let facts = facts.sanitised();
        if let Some(id) = trigger.request_id() {
            if !valid_request_id(id) {
                return Err(Error::InvalidInput(String::from("invalid MDM request id")));
            }
            if let Some(report) = self.report_for_request(id)? {
                return Ok(report);
            }
        }
        let tx = self.store.transaction()?;
        let trigger = match (trigger, pending_request(&tx)?) {
            (PostureTrigger::Mdm { request_id }, _) => PostureTrigger::Mdm { request_id },
            (_, Some(request_id)) => PostureTrigger::Mdm { request_id },
            (other, None) => other,
        };
        self.store_latest_facts(&tx, &facts)?;
        let report = self.record_check(&tx, &facts, trigger)?;
        tx.commit()?;
        log::info!("posture check recorded: {}", report.verdict.as_str());
        Ok(report)
    }

    /// Stores the platform's latest facts without running a check, unless the MDM asked for
    /// a check that is still waiting for facts: then that check runs and its report is
    /// returned.
    pub fn submit_device_facts(&self, facts: DeviceFacts) -> Result<Option<PostureReport>> {
        let facts = facts.sanitised();
        let tx = self.store.transaction()?;
        self.store_latest_facts(&tx, &facts)?;
        let report = match pending_request(&tx)? {
            Some(request_id) => {
                Some(self.record_check(&tx, &facts, PostureTrigger::Mdm { request_id })?)
            }
            None => None,
        };
        tx.commit()?;
        Ok(report)
    }

    /// The latest facts the platform submitted, if any.
    pub fn latest_device_facts(&self) -> Result<Option<DeviceFacts>> {
        match store::get_meta(self.store.conn(), LATEST_FACTS)? {
            Some(sealed) => Ok(Some(self.sealer.open_json(
                "meta",
                "value",
                LATEST_FACTS,
                &sealed,
            )?)),
            None => Ok(None),
        }
    }

    /// The most recent posture report, if a check has run.
    pub fn latest_posture_report(&self) -> Result<Option<PostureReport>> {
        Ok(self.recent_posture_reports(1)?.into_iter().next())
    }

    /// Up to `limit` posture reports, newest first.
    pub(crate) fn recent_posture_reports(&self, limit: u32) -> Result<Vec<PostureReport>> {
        let conn = self.store.conn();
        let mut stmt = conn.prepare(
            "SELECT id, report_sealed FROM posture_report ORDER BY created_at DESC, rowid DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut reports = Vec::new();
        for row in rows {
            let (id, sealed) = row?;
            reports.push(
                self.sealer
                    .open_json("posture_report", "report_sealed", &id, &sealed)?,
            );
        }
        Ok(reports)
    }

    /// The MDM request id waiting for facts, if any.
    pub fn pending_posture_request(&self) -> Result<Option<String>> {
        pending_request(self.store.conn())
    }

    fn report_for_request(&self, request_id: &str) -> Result<Option<PostureReport>> {
        let conn = self.store.conn();
        let report_id: Option<Option<String>> = conn
            .query_row(
                "SELECT report_id FROM mdm_request WHERE request_id = ?1",
                [request_id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(Some(report_id)) = report_id else {
            return Ok(None);
        };
        let sealed: Option<Vec<u8>> = conn
            .query_row(
                "SELECT report_sealed FROM posture_report WHERE id = ?1",
                [&report_id],
                |r| r.get(0),
            )
            .optional()?;
        sealed
            .map(|s| {
                self.sealer
                    .open_json("posture_report", "report_sealed", &report_id, &s)
            })
            .transpose()
    }

    /// Whether the MDM request `request_id` has been answered.
    pub(crate) fn request_handled(
        &self,
        conn: &rusqlite::Connection,
        request_id: &str,
    ) -> Result<bool> {
        Ok(conn
            .query_row(
                "SELECT 1 FROM mdm_request WHERE request_id = ?1",
                [request_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    pub(crate) fn store_latest_facts(
        &self,
        tx: &Transaction<'_>,
        facts: &DeviceFacts,
    ) -> Result<()> {
        let sealed = self
            .sealer
            .seal_json("meta", "value", LATEST_FACTS, facts)?;
        store::put_meta(tx, LATEST_FACTS, &sealed)
    }

    pub(crate) fn set_pending_request(&self, tx: &Transaction<'_>, request_id: &str) -> Result<()> {
        store::put_meta(tx, PENDING_REQUEST, request_id.as_bytes())
    }

    /// Runs one check inside `tx`: evaluation, grace state, sealed report, outbox, MDM request.
    pub(crate) fn record_check(
        &self,
        tx: &Transaction<'_>,
        facts: &DeviceFacts,
        trigger: PostureTrigger,
    ) -> Result<PostureReport> {
        let policy = self.active_policy()?;
        let releases = self.advisory_feed()?.release_table();
        let now = self.now_ms();
        let stored = load_first_failed(tx)?;
        let evaluation = evaluate::evaluate(facts, &policy, &releases, now, &stored);
        for (check_id, first) in &evaluation.state {
            tx.execute(
                "INSERT INTO posture_check_state (check_id, first_failed_at, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(check_id) DO UPDATE SET first_failed_at = excluded.first_failed_at,
                                                     updated_at = excluded.updated_at",
                rusqlite::params![check_id, first, now],
            )?;
        }
        let report = PostureReport {
            report_id: uuid::Uuid::new_v4().to_string(),
            created_at_ms: now,
            trigger,
            policy_id: policy.id.clone(),
            policy_version: policy.version.clone(),
            verdict: evaluation.verdict,
            checks: evaluation.checks,
            facts: facts.clone(),
        };
        let sealed = self.sealer.seal_json(
            "posture_report",
            "report_sealed",
            &report.report_id,
            &report,
        )?;
        tx.execute(
            "INSERT INTO posture_report (id, created_at, report_sealed) VALUES (?1, ?2, ?3)",
            rusqlite::params![report.report_id, now, sealed],
        )?;
        let retention = match &report.trigger {
            PostureTrigger::Mdm { request_id } => {
                tx.execute(
                    "INSERT INTO mdm_request (request_id, handled_at, report_id) VALUES (?1, ?2, ?3)",
                    rusqlite::params![request_id, now, report.report_id],
                )?;
                if pending_request(tx)?.as_deref() == Some(request_id.as_str()) {
                    tx.execute("DELETE FROM meta WHERE key = ?1", [PENDING_REQUEST])?;
                }
                Retention::Keep
            }
            _ => Retention::Coalesce(String::from("posture")),
        };
        self.queue_report(
            tx,
            ReportDraft {
                kind: ReportKind::PostureReport,
                body: serde_json::to_value(&report)?,
                retention,
            },
        )?;
        Ok(report)
    }
}

fn pending_request(conn: &rusqlite::Connection) -> Result<Option<String>> {
    Ok(store::get_meta(conn, PENDING_REQUEST)?.and_then(|v| String::from_utf8(v).ok()))
}

fn load_first_failed(conn: &rusqlite::Connection) -> Result<BTreeMap<String, UnixMillis>> {
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
