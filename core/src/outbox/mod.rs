//! The outbox: every report waits here, sealed, until the sync engine delivers it.
//!
//! Capabilities hand a [`ReportDraft`] to [`Companion::queue_report`] inside their own
//! transaction, so a report is queued if and only if the change that produced it is stored.
//! The draft is signed by the device key and sealed to the organisation's report key at once
//! (see [`envelope`]); the device cannot read it back. Without an organisation key yet, the
//! signed report is kept sealed under the local data key in the `held` state and sealed to the
//! organisation as soon as a key is configured (`docs/adr/0011-held-reports.md`).
//!
//! States: `held` → `pending` → `in_flight` → `delivered` | `dead`, and back from `in_flight`
//! to `pending` when a request fails or never gets its answer. A delivered row keeps only its
//! id (for dedupe and audit); the envelope bytes are dropped. An enqueue that returned success
//! is durable: the store runs WAL with `synchronous=FULL` (`docs/adr/0010-durable-outbox.md`).
//!
//! The outbox is bounded in count and bytes ([`OutboxLimits`]). Reports with
//! [`Retention::Keep`] (training statements, acknowledgements, MDM-requested reports) are never
//! dropped; routine reports ([`Retention::Coalesce`]) replace the older waiting report with the
//! same key, and when the outbox is over its bounds the oldest routine ones go first. If only
//! reports that must be kept remain, they are all kept and the status says so.
//!
//! [`Companion::queue_report`]: crate::Companion::queue_report

pub mod envelope;

use rusqlite::{OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::clock::{UnixMillis, DAY_MS};
use crate::error::{Error, Result};
use crate::store;

pub(crate) const LIMITS_META: &str = "outbox.limits";
/// How long the ids of delivered reports are kept (dedupe and audit), in milliseconds.
pub const DELIVERED_RETENTION_MS: i64 = 90 * DAY_MS;

/// What a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ReportKind {
    /// A device posture report.
    PostureReport,
    /// An xAPI 1.0.3 statement.
    TrainingStatement,
    /// A member of staff acknowledged an advisory.
    AdvisoryAck,
    /// A submitted self-assessment.
    Assessment,
    /// An incident report: sent before every other report (ADR 0140).
    Incident,
}

/// The stored priority of reports that jump the queue (incidents); see [`ReportKind::urgent`].
pub const URGENT_PRIORITY: i64 = -1;

impl ReportKind {
    /// Whether reports of this kind go before every other waiting report, on the very next
    /// request (ADR 0140): an incident must reach the organisation first.
    pub fn urgent(self) -> bool {
        matches!(self, Self::Incident)
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PostureReport => "posture_report",
            Self::TrainingStatement => "training_statement",
            Self::AdvisoryAck => "advisory_ack",
            Self::Assessment => "assessment",
            Self::Incident => "incident",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "posture_report" => Some(Self::PostureReport),
            "training_statement" => Some(Self::TrainingStatement),
            "advisory_ack" => Some(Self::AdvisoryAck),
            "assessment" => Some(Self::Assessment),
            "incident" => Some(Self::Incident),
            _ => None,
        }
    }
}

/// How the outbox may treat a report when it is over its bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retention {
    /// Never dropped (training statements, MDM-requested reports, acknowledgements).
    Keep,
    /// May be replaced by a newer report with the same key (routine posture reports).
    Coalesce(String),
}

/// A report on its way into the outbox.
#[derive(Debug, Clone)]
pub struct ReportDraft {
    /// What it is.
    pub kind: ReportKind,
    /// The report itself (JSON); for a training statement, the xAPI statement.
    pub body: serde_json::Value,
    /// Whether it may be coalesced.
    pub retention: Retention,
}

/// Where a report is on its way to the collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    /// Signed and kept sealed under the local data key: no organisation key yet.
    Held,
    /// Sealed to the organisation, waiting to be sent.
    Pending,
    /// Sent in a request whose answer has not been handled yet.
    InFlight,
    /// The collector accepted it (or already had it). Only the id is kept.
    Delivered,
    /// The collector refused it for good; kept for inspection and manual retry.
    Dead,
}

impl OutboxState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::Pending => "pending",
            Self::InFlight => "in_flight",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }
}

/// Bounds of the outbox and of each sync request. Defaults: 5,000 reports and 16 MiB waiting;
/// requests of at most 100 reports and 512 KiB (well inside the collector's 500 and 1 MiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OutboxLimits {
    /// Most reports waiting (held, pending, in flight, dead) before routine ones are dropped.
    pub max_reports: u32,
    /// Most envelope bytes waiting before routine reports are dropped.
    pub max_bytes: u64,
    /// Most reports in one sync request.
    pub batch_max_reports: u32,
    /// Most envelope bytes in one sync request (a single larger report still goes alone).
    pub batch_max_bytes: u64,
}

impl Default for OutboxLimits {
    fn default() -> Self {
        Self {
            max_reports: 5_000,
            max_bytes: 16 * 1024 * 1024,
            batch_max_reports: 100,
            batch_max_bytes: 512 * 1024,
        }
    }
}

/// The outbox at a glance, for the apps' status screen.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OutboxStatus {
    /// Reports waiting to be sent (including held ones).
    pub pending: u64,
    /// Of those, reports held because no organisation report key is configured yet.
    pub held: u64,
    /// Reports sent and awaiting the collector's answer.
    pub in_flight: u64,
    /// Reports delivered (ids kept for 90 days).
    pub delivered: u64,
    /// Reports the collector refused for good (see `dead_letters`).
    pub dead: u64,
    /// Age of the oldest report waiting to be sent, if any.
    pub oldest_pending_age_ms: Option<i64>,
    /// When the collector last accepted a request.
    pub last_success_at: Option<UnixMillis>,
    /// When the next attempt is allowed (back-off or `Retry-After`), if later than now.
    pub next_attempt_at: Option<UnixMillis>,
    /// The collector refused this device: it must enrol again before syncing resumes.
    pub reenrolment_needed: bool,
    /// The collector accepted this device's enrolment.
    pub enrolled: bool,
    /// Envelope bytes waiting (held, pending, in flight, dead).
    pub bytes: u64,
    /// Over its bounds with only reports that must never be dropped: nothing was dropped,
    /// but the outbox holds more than its limits allow.
    pub over_limit: bool,
}

/// A report the collector refused for good.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeadLetter {
    /// Envelope id.
    pub id: String,
    /// Report kind.
    pub kind: ReportKind,
    /// Why: `rejected:<reason from the collector>`, `too_large` or `bad_request`.
    pub reason: String,
    /// When the report was made.
    pub created_at: UnixMillis,
    /// How many times it was sent.
    pub attempts: u32,
}

/// The limits stored in `meta`, or the defaults.
pub(crate) fn limits_in(conn: &rusqlite::Connection) -> Result<OutboxLimits> {
    match store::get_meta(conn, LIMITS_META)? {
        Some(raw) => serde_json::from_slice(&raw).map_err(|_| Error::Tampered),
        None => Ok(OutboxLimits::default()),
    }
}

/// Count and bytes of the reports that occupy the outbox (everything but delivered ids),
/// from the totals the schema's triggers keep.
pub(crate) fn waiting_totals(conn: &rusqlite::Connection) -> Result<(u64, u64)> {
    let (n, bytes): (i64, i64) = conn.query_row(
        "SELECT reports, bytes FROM outbox_totals WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((
        u64::try_from(n).unwrap_or(0),
        u64::try_from(bytes).unwrap_or(0),
    ))
}

/// Drops the oldest routine reports (not in flight) until the outbox is within `limits`, or
/// only reports that must be kept remain. Returns how many were dropped.
pub(crate) fn enforce_bounds(tx: &Transaction<'_>, limits: &OutboxLimits) -> Result<u32> {
    let mut dropped = 0_u32;
    loop {
        let (n, bytes) = waiting_totals(tx)?;
        if n <= u64::from(limits.max_reports) && bytes <= limits.max_bytes {
            break;
        }
        let victim: Option<i64> = tx
            .query_row(
                "SELECT rowid FROM outbox WHERE priority = 1 AND state IN ('held', 'pending', 'dead')
                 ORDER BY created_at, rowid LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let Some(rowid) = victim else { break };
        tx.execute("DELETE FROM outbox WHERE rowid = ?1", [rowid])?;
        dropped += 1;
    }
    if dropped > 0 {
        log::info!("{dropped} routine reports dropped to keep the outbox within its bounds");
    }
    Ok(dropped)
}

/// Forgets the ids of reports delivered more than [`DELIVERED_RETENTION_MS`] ago.
pub(crate) fn prune_delivered(tx: &Transaction<'_>, now: UnixMillis) -> Result<()> {
    tx.execute(
        "DELETE FROM outbox WHERE state = 'delivered' AND delivered_at < ?1",
        [now.saturating_sub(DELIVERED_RETENTION_MS)],
    )?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;
