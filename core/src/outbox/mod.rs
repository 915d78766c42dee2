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

pub mod envelope;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::clock::{UnixMillis, DAY_MS};
use crate::error::{Error, Result};
use crate::store;
use crate::Companion;

use envelope::{EnvelopeHeader, OrgReportKey};

const LIMITS_META: &str = "outbox.limits";
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
    /// An incident report: sent before every other report (ADR 0012).
    Incident,
}

/// The stored priority of reports that jump the queue (incidents); see [`ReportKind::urgent`].
pub const URGENT_PRIORITY: i64 = -1;

impl ReportKind {
    /// Whether reports of this kind go before every other waiting report, on the very next
    /// request (ADR 0012): an incident must reach the organisation first.
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

impl Companion {
    /// The organisation's report key from the configuration, if one is set and usable.
    pub(crate) fn org_report_key(&self) -> Option<OrgReportKey> {
        let text = self.config.org_report_key.as_deref()?;
        if text.trim().is_empty() {
            return None;
        }
        match OrgReportKey::parse(text) {
            Ok(key) => Some(key),
            Err(_) => {
                log::warn!("the configured organisation report key is unusable; reports are held");
                None
            }
        }
    }

    /// Queues `draft` inside the caller's transaction and returns the envelope id.
    pub(crate) fn queue_report(
        &self,
        tx: &rusqlite::Transaction<'_>,
        draft: ReportDraft,
    ) -> Result<String> {
        let key = self.org_report_key();
        let limits = limits_in(tx)?;
        let id = self.insert_report(tx, draft, key.as_ref())?;
        enforce_bounds(tx, &limits)?;
        Ok(id)
    }

    /// Queues several reports in one transaction (one durable commit for all) and returns
    /// their envelope ids in order. Either all are queued or none.
    pub fn queue_reports(&self, drafts: Vec<ReportDraft>) -> Result<Vec<String>> {
        let key = self.org_report_key();
        let tx = self.store.transaction()?;
        let limits = limits_in(&tx)?;
        let mut ids = Vec::with_capacity(drafts.len());
        for draft in drafts {
            ids.push(self.insert_report(&tx, draft, key.as_ref())?);
        }
        enforce_bounds(&tx, &limits)?;
        tx.commit()?;
        Ok(ids)
    }

    fn insert_report(
        &self,
        tx: &Transaction<'_>,
        draft: ReportDraft,
        key: Option<&OrgReportKey>,
    ) -> Result<String> {
        let header = EnvelopeHeader {
            id: uuid::Uuid::new_v4().to_string(),
            kind: draft.kind,
            created_at: self.now_ms(),
            device_id: self.identity.device_id.clone(),
        };
        let plaintext = envelope::sign_report(&header, &draft.body, |m| self.device_sign(m))?;
        let (state, stored) = match key {
            Some(key) => (
                OutboxState::Pending,
                envelope::seal_envelope(&header, key, &plaintext)?,
            ),
            None => (
                OutboxState::Held,
                self.sealer
                    .seal("outbox", "envelope", &header.id, &plaintext)?,
            ),
        };
        let (priority, coalesce_key) = match draft.retention {
            Retention::Keep if draft.kind.urgent() => (URGENT_PRIORITY, None),
            Retention::Keep => (0_i64, None),
            Retention::Coalesce(key) => (1_i64, Some(key)),
        };
        if let Some(key) = &coalesce_key {
            // The newer routine report replaces the older one that has not left yet.
            tx.execute(
                "DELETE FROM outbox WHERE coalesce_key = ?1 AND state IN ('held', 'pending')",
                [key],
            )?;
        }
        tx.execute(
            "INSERT INTO outbox (id, kind, priority, coalesce_key, created_at, state, size, envelope)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                header.id,
                header.kind.as_str(),
                priority,
                coalesce_key,
                header.created_at,
                state.as_str(),
                i64::try_from(stored.len()).unwrap_or(i64::MAX),
                stored
            ],
        )?;
        Ok(header.id)
    }

    /// Seals every held report to the organisation's report key, now that one is configured,
    /// and returns how many were sealed (0 without a usable key). One transaction.
    pub fn seal_held_reports(&self) -> Result<u32> {
        let Some(key) = self.org_report_key() else {
            return Ok(0);
        };
        let tx = self.store.transaction()?;
        let held: Vec<(String, String, i64, Vec<u8>)> = {
            let mut stmt = tx.prepare(
                "SELECT id, kind, created_at, envelope FROM outbox WHERE state = 'held'
                 ORDER BY created_at, rowid",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        let mut sealed = 0_u32;
        for (id, kind, created_at, local) in held {
            let kind = ReportKind::parse(&kind).ok_or(Error::Tampered)?;
            let plaintext = self.sealer.open("outbox", "envelope", &id, &local)?;
            let header = EnvelopeHeader {
                id,
                kind,
                created_at,
                device_id: self.identity.device_id.clone(),
            };
            let env = envelope::seal_envelope(&header, &key, &plaintext)?;
            tx.execute(
                "UPDATE outbox SET state = 'pending', envelope = ?2, size = ?3 WHERE id = ?1",
                params![header.id, env, i64::try_from(env.len()).unwrap_or(i64::MAX)],
            )?;
            sealed += 1;
        }
        tx.commit()?;
        if sealed > 0 {
            log::info!("{sealed} held reports sealed to the organisation key");
        }
        Ok(sealed)
    }

    /// Run on open: requests whose answer never came (the app was killed) return to pending,
    /// and held reports are sealed if a key is now configured.
    pub(crate) fn recover_outbox(&self) -> Result<()> {
        let tx = self.store.transaction()?;
        // The first write to the outbox after opening compiles its triggers and indexes: a
        // generic SQL error from this fixed, known-good statement means the stored schema is
        // damaged, which is reported as a damaged database.
        let n = tx
            .execute(
                "UPDATE outbox SET state = 'pending', batch_id = NULL, sent_at = NULL
                 WHERE state = 'in_flight'",
                [],
            )
            .map_err(|e| match Error::from(e) {
                Error::Storage(_) => Error::NotADatabase,
                other => other,
            })?;
        tx.commit()?;
        if n > 0 {
            log::info!("{n} reports from unanswered requests are pending again");
        }
        self.seal_held_reports()?;
        Ok(())
    }

    /// The outbox bounds in force.
    pub fn outbox_limits(&self) -> Result<OutboxLimits> {
        limits_in(self.store.conn())
    }

    /// Changes the outbox bounds (all values must be at least 1) and applies them at once:
    /// routine reports over the new bounds are dropped, oldest first.
    pub fn set_outbox_limits(&self, limits: OutboxLimits) -> Result<()> {
        if limits.max_reports == 0
            || limits.max_bytes == 0
            || limits.batch_max_reports == 0
            || limits.batch_max_bytes == 0
        {
            return Err(Error::InvalidInput(String::from(
                "outbox limits must be at least 1",
            )));
        }
        let tx = self.store.transaction()?;
        store::put_meta(&tx, LIMITS_META, &serde_json::to_vec(&limits)?)?;
        enforce_bounds(&tx, &limits)?;
        tx.commit()?;
        Ok(())
    }

    /// The outbox at a glance.
    pub fn outbox_status(&self) -> Result<OutboxStatus> {
        let conn = self.store.conn();
        let now = self.now_ms();
        let count = |state: &str| -> Result<u64> {
            let n: i64 = conn.query_row(
                "SELECT COUNT(*) FROM outbox WHERE state = ?1",
                [state],
                |r| r.get(0),
            )?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        let held = count("held")?;
        let oldest: Option<i64> = conn.query_row(
            "SELECT MIN(created_at) FROM outbox WHERE state IN ('held', 'pending', 'in_flight')",
            [],
            |r| r.get(0),
        )?;
        let (waiting, bytes) = waiting_totals(conn)?;
        let limits = limits_in(conn)?;
        let sync = crate::sync::SyncState::load(conn)?;
        Ok(OutboxStatus {
            pending: count("pending")? + held,
            held,
            in_flight: count("in_flight")?,
            delivered: count("delivered")?,
            dead: count("dead")?,
            oldest_pending_age_ms: oldest.map(|t| now.saturating_sub(t).max(0)),
            last_success_at: sync.last_success_at,
            next_attempt_at: Some(sync.next_attempt_at).filter(|t| *t > now),
            reenrolment_needed: sync.reenrolment_needed,
            enrolled: sync.enrolled,
            bytes,
            over_limit: waiting > u64::from(limits.max_reports) || bytes > limits.max_bytes,
        })
    }

    /// Reports the collector refused for good, oldest first.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>> {
        let mut stmt = self.store.conn().prepare(
            "SELECT id, kind, COALESCE(last_error, ''), created_at, attempts FROM outbox
             WHERE state = 'dead' ORDER BY created_at, rowid",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, reason, created_at, attempts) = row?;
            out.push(DeadLetter {
                id,
                kind: ReportKind::parse(&kind).ok_or(Error::Tampered)?,
                reason,
                created_at,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            });
        }
        Ok(out)
    }

    /// Sends a dead letter again (alone, so a second refusal names only it). Returns false if
    /// `id` is not a dead letter.
    pub fn retry_dead_letter(&self, id: &str) -> Result<bool> {
        let tx = self.store.transaction()?;
        let n = tx.execute(
            "UPDATE outbox SET state = 'pending', isolate = 1, last_error = NULL
             WHERE id = ?1 AND state = 'dead'",
            [id],
        )?;
        tx.commit()?;
        Ok(n == 1)
    }

    /// Sends every dead letter again (each alone). Returns how many.
    pub fn retry_dead_letters(&self) -> Result<u32> {
        let tx = self.store.transaction()?;
        let n = tx.execute(
            "UPDATE outbox SET state = 'pending', isolate = 1, last_error = NULL
             WHERE state = 'dead'",
            [],
        )?;
        tx.commit()?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Number of reports waiting to be delivered.
    pub fn pending_report_count(&self) -> Result<u64> {
        let n: i64 = self.store.conn().query_row(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('held', 'pending', 'in_flight')",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
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
fn waiting_totals(conn: &rusqlite::Connection) -> Result<(u64, u64)> {
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
fn enforce_bounds(tx: &Transaction<'_>, limits: &OutboxLimits) -> Result<u32> {
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
