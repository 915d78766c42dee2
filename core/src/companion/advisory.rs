//! The advisory feed in force, the advisories that concern this device, acknowledgements.
//!
//! The matching rules live in `crate::advisory`; this is only the `Companion` surface over them.

use rusqlite::OptionalExtension;

use crate::advisory::{relevance, AdvisoryFeed, AdvisoryMatch};
use crate::clock::{self, UnixMillis};
use crate::error::{Error, Result};
use crate::outbox::{ReportDraft, ReportKind, Retention};
use crate::Companion;

impl Companion {
    /// The advisory feed in force: the installed `advisories` bundle, or the built-in sample.
    /// An installed payload was checked before install; should a later build read it
    /// differently, the built-in feed applies.
    pub fn advisory_feed(&self) -> Result<AdvisoryFeed> {
        if let Some(payload) = self.installed_payload(crate::bundle::BundleKind::Advisories)? {
            match AdvisoryFeed::parse(&payload) {
                Ok(feed) => return Ok(feed),
                Err(_) => log::warn!(
                    "installed advisory feed unreadable by this build; using the built-in feed"
                ),
            }
        }
        AdvisoryFeed::default_feed()
            .map_err(|_| Error::InvalidInput(String::from("built-in advisory feed")))
    }

    /// The advisories that concern this device, by the latest facts the platform submitted,
    /// most severe first. With no facts yet, every advisory may concern the device.
    pub fn advisories_for_device(&self) -> Result<Vec<AdvisoryMatch>> {
        let feed = self.advisory_feed()?;
        let facts = self.latest_device_facts()?.unwrap_or_default();
        let mut out = Vec::new();
        for advisory in feed.advisories {
            let Some(relevance) = relevance(&advisory, &facts) else {
                continue;
            };
            let acknowledged_at_ms = self
                .store
                .conn()
                .query_row(
                    "SELECT acked_at FROM advisory_ack WHERE advisory_id = ?1",
                    [&advisory.id],
                    |r| r.get(0),
                )
                .optional()?;
            out.push(AdvisoryMatch {
                advisory,
                relevance,
                acknowledged_at_ms,
            });
        }
        out.sort_by(|a, b| {
            a.advisory
                .severity
                .cmp(&b.advisory.severity)
                .then(b.advisory.published.cmp(&a.advisory.published))
        });
        Ok(out)
    }

    /// Records that the member of staff has read advisory `advisory_id` and queues an
    /// `advisory_ack` report. Acknowledging again changes nothing and queues nothing.
    /// Returns the acknowledgement time.
    pub fn acknowledge_advisory(&self, advisory_id: &str) -> Result<UnixMillis> {
        let feed = self.advisory_feed()?;
        if !feed.advisories.iter().any(|a| a.id == advisory_id) {
            return Err(Error::InvalidInput(String::from(
                "no such advisory in the feed",
            )));
        }
        let tx = self.store.transaction()?;
        let earlier: Option<i64> = tx
            .query_row(
                "SELECT acked_at FROM advisory_ack WHERE advisory_id = ?1",
                [advisory_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(at) = earlier {
            return Ok(at);
        }
        let now = self.now_ms();
        tx.execute(
            "INSERT INTO advisory_ack (advisory_id, acked_at) VALUES (?1, ?2)",
            rusqlite::params![advisory_id, now],
        )?;
        let body = serde_json::json!({
            "advisory_id": advisory_id,
            "feed_id": feed.feed_id,
            "acknowledged_at": clock::rfc3339(now),
        });
        self.queue_report(
            &tx,
            ReportDraft {
                kind: ReportKind::AdvisoryAck,
                body,
                retention: Retention::Keep,
            },
        )?;
        tx.commit()?;
        Ok(now)
    }
}
