//! The outbox: every report waits here, sealed, until the sync engine delivers it.
//!
//! Capabilities hand a [`ReportDraft`] to [`Companion::queue_report`] inside their own
//! transaction, so a report is queued if and only if the change that produced it is stored.
//!
//! NOTE (in progress): sealing to the organisation's key (HPKE), device signatures, bounds,
//! priorities and delivery states are being built in the outbox work; until then a queued
//! report is kept sealed under the local data key.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::Companion;

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
}

impl ReportKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PostureReport => "posture_report",
            Self::TrainingStatement => "training_statement",
            Self::AdvisoryAck => "advisory_ack",
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

impl Companion {
    /// Queues `draft` inside the caller's transaction and returns the envelope id.
    #[allow(dead_code)] // Called by the capabilities (posture, training) as they land.
    pub(crate) fn queue_report(
        &self,
        tx: &rusqlite::Transaction<'_>,
        draft: ReportDraft,
    ) -> Result<String> {
        let id = uuid::Uuid::new_v4().to_string();
        let body = serde_json::to_vec(&draft.body)?;
        let sealed = self.sealer.seal("outbox", "envelope", &id, &body)?;
        let (priority, coalesce_key) = match &draft.retention {
            Retention::Keep => (0_i64, None),
            Retention::Coalesce(key) => (1_i64, Some(key.clone())),
        };
        tx.execute(
            "INSERT INTO outbox (id, kind, priority, coalesce_key, created_at, state, size, envelope)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7)",
            rusqlite::params![
                id,
                draft.kind.as_str(),
                priority,
                coalesce_key,
                self.now_ms(),
                i64::try_from(sealed.len()).unwrap_or(i64::MAX),
                sealed
            ],
        )?;
        Ok(id)
    }

    /// Number of reports waiting to be delivered.
    pub fn pending_report_count(&self) -> Result<u64> {
        let n: i64 = self.store.conn().query_row(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'in_flight')",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
