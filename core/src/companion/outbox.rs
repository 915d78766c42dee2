//! Queuing reports, sealing held ones, the outbox's status and dead letters.
//!
//! The outbox's bounds and state helpers live in `crate::outbox`.

use rusqlite::{params, Transaction};

use crate::error::{Error, Result};
use crate::outbox::envelope::{EnvelopeHeader, OrgReportKey};
use crate::outbox::{
    enforce_bounds, envelope, limits_in, waiting_totals, DeadLetter, OutboxLimits, OutboxState,
    OutboxStatus, ReportDraft, ReportKind, Retention, LIMITS_META,
};
use crate::store;
use crate::Companion;

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
            Retention::Keep if draft.kind.urgent() => (crate::outbox::URGENT_PRIORITY, None),
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
