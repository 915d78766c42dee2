//! Posture checks: the policy in force, recording a check, the latest report, MDM feedback.
//!
//! The evaluation rules live in `crate::posture`; this is the `Companion` surface over them.

use rusqlite::{OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::outbox::{ReportDraft, ReportKind, Retention};
use crate::posture::feedback::feedback;
use crate::posture::{
    evaluate, load_first_failed, pending_request, valid_request_id, DeviceFacts, MdmFeedback,
    Policy, PostureReport, PostureTrigger, LATEST_FACTS, PENDING_REQUEST,
};
use crate::store;
use crate::Companion;

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
        let row: Option<(String, Vec<u8>)> = self
            .store
            .conn()
            .query_row(
                "SELECT id, report_sealed FROM posture_report ORDER BY created_at DESC, rowid DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(id, sealed)| {
            self.sealer
                .open_json("posture_report", "report_sealed", &id, &sealed)
        })
        .transpose()
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

impl Companion {
    /// MDM feedback from the latest posture report: Android keyed app states and the iOS
    /// managed feedback dictionary. The platform publishes it (Android: at most once a
    /// minute as an immediate upload).
    pub fn mdm_feedback(&self) -> Result<MdmFeedback> {
        Ok(feedback(self.latest_posture_report()?.as_ref()))
    }
}
