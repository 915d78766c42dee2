//! The sans-IO sync engine: what to send to the collector next, and what its answer means.
//!
//! The core never opens a socket. [`Companion::next_sync_request`] returns an [`HttpRequest`]
//! (or nothing, when nothing is due); the platform sends it (WorkManager, BGTaskScheduler, the
//! CLI's driver) and hands back either the [`HttpResponse`] ([`Companion::handle_sync_response`])
//! or the kind of transport failure ([`Companion::handle_sync_failure`]). Every decision is
//! here, tested with an injected clock:
//!
//! * per-report `accepted` / `duplicate` → delivered; `rejected` in a batch of several → sent
//!   again alone; `rejected` alone → dead letter; the rest keep flowing;
//! * 429/503 honour `Retry-After` (seconds or HTTP date, at most a day);
//! * 5xx, other unexpected statuses, resets, time-outs, DNS failures and malformed answers →
//!   exponential back-off with jitter: 30 s doubling to a 6 h cap, minus up to a quarter;
//! * 401/403 → stop; `reenrolment_needed` until an enrolment succeeds;
//! * 413 → halve the batch size (a single report too large → dead letter);
//! * 400 → every report of the batch is sent again alone (a single one → dead letter).
//!
//! Bundle pulls (`GET /v1/bundles/{kind}`) send `If-None-Match` with the ETag of the last
//! bundle of that kind installed (or refused as not newer), and install a 200 through the
//! bundle module's checks; 304 and 404 change nothing.
//!
//! A malformed answer (bad JSON, unknown or missing ids, wrong count) is a typed error and
//! puts the whole batch back to pending: nothing is lost and nothing is marked delivered
//! without the collector saying so. Delivery is at least once; the collector dedupes by id.
//!
//! [`Companion::handle_sync_failure`]: crate::Companion::handle_sync_failure
//! [`Companion::handle_sync_response`]: crate::Companion::handle_sync_response
//! [`Companion::next_sync_request`]: crate::Companion::next_sync_request

use rusqlite::{params, Connection, Transaction};
use serde::{Deserialize, Serialize};

use crate::bundle::{BundleInfo, BundleKind};
use crate::clock::UnixMillis;
use crate::crypto::random_bytes;
use crate::error::{Error, Result};
use crate::outbox::OutboxState;
use crate::store;

const SYNC_STATE_META: &str = "sync.state";
/// First back-off delay after a failure.
pub const BACKOFF_BASE_MS: i64 = 30_000;
/// Longest back-off delay.
pub const BACKOFF_CAP_MS: i64 = 6 * 60 * 60 * 1000;
/// Longest `Retry-After` honoured; a longer one is cut to this.
pub const RETRY_AFTER_CAP_MS: i64 = 24 * 60 * 60 * 1000;
/// A request whose answer has not come after this long is given up and its reports sent again.
pub const IN_FLIGHT_LEASE_MS: i64 = 15 * 60 * 1000;

/// One HTTP header.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HttpHeader {
    /// Header name.
    pub name: String,
    /// Header value.
    pub value: String,
}

/// A request for the platform to send. Hand its `id` back with the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HttpRequest {
    /// Identifies the request when its answer comes back.
    pub id: String,
    /// `GET` or `POST`.
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// Headers to send.
    pub headers: Vec<HttpHeader>,
    /// Body (empty for `GET`).
    pub body: Vec<u8>,
}

/// The collector's answer as the platform received it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers (names compared without regard to case).
    pub headers: Vec<HttpHeader>,
    /// Response body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}

/// How a request failed before any answer came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum TransportFailure {
    /// The connection was reset or closed early.
    Reset,
    /// No answer in time.
    Timeout,
    /// The collector's name did not resolve.
    Dns,
    /// Anything else (TLS, no network, ...).
    Other,
}

/// What handling an answer (or failure) did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncOutcome {
    /// Reports now delivered (accepted or duplicate).
    pub delivered: u32,
    /// Reports refused within a batch, to be sent again alone.
    pub isolated: u32,
    /// Reports moved to the dead letters.
    pub dead_lettered: u32,
    /// Reports back to pending, to be sent again.
    pub returned_to_pending: u32,
    /// When the next attempt is allowed, if the answer asks to wait.
    pub retry_at: Option<UnixMillis>,
    /// The collector refused this device: enrol again before syncing resumes.
    pub reenrolment_needed: bool,
    /// The device is enrolled (after an enrolment answer).
    pub enrolled: bool,
}

/// The engine's memory between requests, stored as JSON in `meta`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SyncState {
    /// Consecutive failures (drives the back-off).
    #[serde(default)]
    pub(crate) failures: u32,
    /// No request before this time.
    #[serde(default)]
    pub(crate) next_attempt_at: UnixMillis,
    #[serde(default)]
    pub(crate) last_success_at: Option<UnixMillis>,
    #[serde(default)]
    pub(crate) reenrolment_needed: bool,
    #[serde(default)]
    pub(crate) enrolled: bool,
    /// Batch size caps learnt from 413 answers.
    #[serde(default)]
    pub(crate) cap_reports: Option<u32>,
    #[serde(default)]
    pub(crate) cap_bytes: Option<u64>,
    /// The enrolment request awaiting its answer.
    #[serde(default)]
    pub(crate) enrolment_request: Option<String>,
}

impl SyncState {
    pub(crate) fn load(conn: &Connection) -> Result<Self> {
        match store::get_meta(conn, SYNC_STATE_META)? {
            Some(raw) => serde_json::from_slice(&raw).map_err(|_| Error::Tampered),
            None => Ok(Self::default()),
        }
    }

    pub(crate) fn save(&self, tx: &Transaction<'_>) -> Result<()> {
        store::put_meta(tx, SYNC_STATE_META, &serde_json::to_vec(self)?)
    }

    /// Records a transient failure and schedules the next attempt with back-off and jitter.
    pub(crate) fn back_off(&mut self, now: UnixMillis) -> Result<UnixMillis> {
        self.failures = self.failures.saturating_add(1);
        let delay = backoff_delay(self.failures, jitter_permille()?);
        self.next_attempt_at = now.saturating_add(delay);
        Ok(self.next_attempt_at)
    }
}

/// The back-off delay after `failures` consecutive failures (1 = first), with a jitter of
/// `jitter_permille` (0–999): `min(cap, base · 2^(failures-1))`, less up to a quarter of it.
pub fn backoff_delay(failures: u32, jitter_permille: u16) -> i64 {
    let exp = failures.saturating_sub(1).min(30);
    let full = BACKOFF_BASE_MS
        .saturating_mul(1_i64 << exp)
        .min(BACKOFF_CAP_MS);
    full - full / 4 * i64::from(jitter_permille.min(999)) / 1000
}

pub(crate) fn jitter_permille() -> Result<u16> {
    let raw = random_bytes(2)?;
    Ok(u16::from_be_bytes([raw[0], raw[1]]) % 1000)
}

/// Parses `Retry-After` (delay in seconds, or an HTTP date) into a wait from `now`, cut to
/// [`RETRY_AFTER_CAP_MS`]. `None` if absent or unreadable.
pub fn parse_retry_after(value: &str, now: UnixMillis) -> Option<i64> {
    let value = value.trim();
    let wait = if let Ok(secs) = value.parse::<u64>() {
        i64::try_from(secs.min(u64::try_from(RETRY_AFTER_CAP_MS / 1000).unwrap_or(0)))
            .ok()?
            .saturating_mul(1000)
    } else {
        let fmt = time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        );
        let at = time::PrimitiveDateTime::parse(value, &fmt)
            .ok()?
            .assume_utc();
        let at = i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()?;
        at.saturating_sub(now).max(0)
    };
    Some(wait.min(RETRY_AFTER_CAP_MS))
}

#[derive(Deserialize)]
pub(crate) struct ItemResult {
    pub(crate) id: String,
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) reason: Option<String>,
}

#[derive(Deserialize)]
struct BatchResults {
    results: Vec<ItemResult>,
}

#[derive(Deserialize)]
pub(crate) struct EnrolmentAnswer {
    pub(crate) device_id: String,
    pub(crate) status: String,
}

/// A reason from the collector, kept only if it is a short lower-case code.
pub(crate) fn reason_code(reason: Option<&str>) -> String {
    match reason {
        Some(r)
            if !r.is_empty()
                && r.len() <= 40
                && r.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()) =>
        {
            r.to_owned()
        }
        _ => String::from("unspecified"),
    }
}

/// The `device_id` an envelope names (its header field; it is bound into the HPKE `aad`
/// and the signature, so the collector checks it).
pub(crate) fn envelope_device_id(envelope: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Header {
        device_id: String,
    }
    serde_json::from_slice::<Header>(envelope)
        .ok()
        .map(|h| h.device_id)
}

pub(crate) fn json_headers(device_id: Option<&str>) -> Vec<HttpHeader> {
    let mut headers = vec![
        HttpHeader {
            name: String::from("Content-Type"),
            value: String::from("application/json"),
        },
        HttpHeader {
            name: String::from("Accept"),
            value: String::from("application/json"),
        },
    ];
    if let Some(id) = device_id {
        headers.push(HttpHeader {
            name: String::from("X-Frontline-Device"),
            value: id.to_owned(),
        });
    }
    headers
}

pub(crate) struct BatchRow {
    pub(crate) id: String,
    pub(crate) size: u64,
    pub(crate) isolate: bool,
}

/// What a bundle pull brought.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum BundlePull {
    /// A newer bundle was verified and installed.
    Installed {
        /// The bundle now in force.
        info: BundleInfo,
    },
    /// The collector has nothing newer than what this device last took (304), or offered the
    /// installed bundle again.
    NotModified,
    /// The collector serves no bundle of this kind (404); built-in defaults stay.
    NotServed,
    /// Try again later (429/503 with `Retry-After`, 5xx, other statuses: back-off from the base).
    RetryLater {
        /// Not before this time.
        at: UnixMillis,
    },
    /// The collector refused this device (401/403): enrol again.
    ReenrolmentNeeded,
}

pub(crate) fn etag_meta(kind: BundleKind) -> String {
    format!("bundle.etag.{}", kind.as_str())
}

pub(crate) fn batch_rows(tx: &Transaction<'_>, batch_id: &str) -> Result<Vec<BatchRow>> {
    let mut stmt = tx.prepare(
        "SELECT id, size, isolate FROM outbox WHERE batch_id = ?1 AND state = 'in_flight'
         ORDER BY rowid",
    )?;
    let rows = stmt.query_map([batch_id], |r| {
        Ok(BatchRow {
            id: r.get(0)?,
            size: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
            isolate: r.get::<_, i64>(2)? != 0,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Checks a 200 answer against the batch: one result per report, every id from the batch,
/// none twice, each status known.
pub(crate) fn parse_results(body: &[u8], batch: &[BatchRow]) -> Result<Vec<ItemResult>> {
    let parsed: BatchResults =
        serde_json::from_slice(body).map_err(|_| Error::BadResponse("not the expected JSON"))?;
    if parsed.results.len() != batch.len() {
        return Err(Error::BadResponse("wrong number of results"));
    }
    let mut seen = std::collections::HashSet::new();
    for item in &parsed.results {
        if !batch.iter().any(|r| r.id == item.id) {
            return Err(Error::BadResponse(
                "a result names a report not in the batch",
            ));
        }
        if !seen.insert(item.id.as_str()) {
            return Err(Error::BadResponse("a report is named twice"));
        }
        if !matches!(item.status.as_str(), "accepted" | "duplicate" | "rejected") {
            return Err(Error::BadResponse("unknown status"));
        }
    }
    Ok(parsed.results)
}

pub(crate) fn mark_delivered(tx: &Transaction<'_>, id: &str, now: UnixMillis) -> Result<()> {
    tx.execute(
        "UPDATE outbox SET state = ?2, envelope = X'', size = 0, batch_id = NULL,
         delivered_at = ?3, last_error = NULL WHERE id = ?1",
        params![id, OutboxState::Delivered.as_str(), now],
    )?;
    Ok(())
}

pub(crate) fn mark_dead(tx: &Transaction<'_>, id: &str, reason: &str) -> Result<()> {
    tx.execute(
        "UPDATE outbox SET state = ?2, batch_id = NULL, last_error = ?3 WHERE id = ?1",
        params![id, OutboxState::Dead.as_str(), reason],
    )?;
    Ok(())
}

pub(crate) fn set_isolated(tx: &Transaction<'_>, id: &str) -> Result<()> {
    tx.execute(
        "UPDATE outbox SET state = 'pending', batch_id = NULL, sent_at = NULL, isolate = 1
         WHERE id = ?1",
        [id],
    )?;
    Ok(())
}

pub(crate) fn return_to_pending(tx: &Transaction<'_>, batch_id: &str) -> Result<u32> {
    let n = tx.execute(
        "UPDATE outbox SET state = 'pending', batch_id = NULL, sent_at = NULL
         WHERE batch_id = ?1 AND state = 'in_flight'",
        [batch_id],
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests;
