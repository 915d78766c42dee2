//! The sync engine's `Companion` surface: next request, handling answers, bundle pulls.
//!
//! The rules (back-off, `Retry-After`, result parsing) live in `crate::sync`.

use rusqlite::params;

use crate::bundle::{BundleKind, BundleRefusal};
use crate::crypto::{b64url, sha256};
use crate::error::{Error, Result};
use crate::outbox::{self};
use crate::store;
use crate::sync::{
    backoff_delay, batch_rows, envelope_device_id, etag_meta, jitter_permille, json_headers,
    mark_dead, mark_delivered, parse_results, parse_retry_after, reason_code, return_to_pending,
    set_isolated, BatchRow, BundlePull, EnrolmentAnswer, HttpHeader, HttpRequest, HttpResponse,
    SyncOutcome, SyncState, TransportFailure, IN_FLIGHT_LEASE_MS,
};
use crate::Companion;

impl Companion {
    /// The collector base URL, checked: `https://…`, or `http://` to a loopback address.
    pub(crate) fn collector_base(&self) -> Result<String> {
        let url = self
            .config
            .collector_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .ok_or(Error::NotConfigured("collector_url"))?;
        let ok = url.starts_with("https://")
            || ["http://127.0.0.1", "http://localhost", "http://[::1]"]
                .iter()
                .any(|p| {
                    url.strip_prefix(p)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
                });
        if !ok {
            return Err(Error::InvalidInput(String::from(
                "collector_url must be https (http only for loopback)",
            )));
        }
        Ok(url.trim_end_matches('/').to_owned())
    }

    /// The enrolment request (`POST /v1/devices`) with this device's id, public key and the
    /// configured enrolment token. Hand its answer to [`Companion::handle_sync_response`] or
    /// [`Companion::handle_enrolment_response`].
    pub fn enrolment_request(&self) -> Result<HttpRequest> {
        let url = format!("{}/v1/devices", self.collector_base()?);
        let body = self.enrolment_body()?;
        let id = format!("enrol-{}", uuid::Uuid::new_v4());
        let tx = self.store.transaction()?;
        let mut state = SyncState::load(&tx)?;
        state.enrolment_request = Some(id.clone());
        state.save(&tx)?;
        tx.commit()?;
        Ok(HttpRequest {
            id,
            method: String::from("POST"),
            url,
            headers: json_headers(None),
            body,
        })
    }

    /// The next request to send, or `None` when nothing is due: the outbox is empty, a
    /// back-off or `Retry-After` is running, or the device must enrol again. A device not yet
    /// enrolled that has an enrolment token gets its enrolment request first. Reports in the
    /// returned batch are marked in flight until the answer is handled.
    pub fn next_sync_request(&self) -> Result<Option<HttpRequest>> {
        self.seal_held_reports()?;
        let now = self.now_ms();
        let tx = self.store.transaction()?;
        // Answers that never came: give the reports another chance.
        tx.execute(
            "UPDATE outbox SET state = 'pending', batch_id = NULL, sent_at = NULL
             WHERE state = 'in_flight' AND sent_at < ?1",
            [now.saturating_sub(IN_FLIGHT_LEASE_MS)],
        )?;
        let state = SyncState::load(&tx)?;
        if state.reenrolment_needed || now < state.next_attempt_at {
            tx.commit()?;
            return Ok(None);
        }
        let has_token = self
            .config
            .enrolment_token
            .as_deref()
            .is_some_and(|t| !t.trim().is_empty());
        if !state.enrolled && has_token {
            tx.commit()?;
            return self.enrolment_request().map(Some);
        }
        let limits = outbox::limits_in(&tx)?;
        let cap_reports = state
            .cap_reports
            .map_or(limits.batch_max_reports, |c| {
                c.min(limits.batch_max_reports)
            })
            .max(1);
        let cap_bytes = state
            .cap_bytes
            .map_or(limits.batch_max_bytes, |c| c.min(limits.batch_max_bytes))
            .max(1);
        let rows: Vec<BatchRow> = {
            let mut stmt = tx.prepare(
                // Urgent reports (incidents) first, then reports to send alone, then kept
                // reports, then routine ones, oldest first (ADR 0140).
                "SELECT id, size, isolate FROM outbox WHERE state = 'pending'
                 ORDER BY priority >= 0, isolate DESC, priority, created_at, rowid LIMIT ?1",
            )?;
            let mapped = stmt.query_map([i64::from(cap_reports)], |r| {
                Ok(BatchRow {
                    id: r.get(0)?,
                    size: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                    isolate: r.get::<_, i64>(2)? != 0,
                })
            })?;
            mapped.collect::<std::result::Result<_, _>>()?
        };
        let Some(first) = rows.first() else {
            tx.commit()?;
            return Ok(None);
        };
        let base = self.collector_base()?;
        // A batch goes out under one device id: the one its envelopes name. Envelopes saved by
        // `recover_local_store` after the platform key was lost name the old device (which
        // signed them), so they travel in batches of their own under that id (ADR 0050).
        let envelope_of = |id: &str| -> Result<Vec<u8>> {
            Ok(
                tx.query_row("SELECT envelope FROM outbox WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?,
            )
        };
        let first_envelope = envelope_of(&first.id)?;
        let device_id =
            envelope_device_id(&first_envelope).unwrap_or_else(|| self.identity.device_id.clone());
        let mut batch: Vec<(&BatchRow, Vec<u8>)> = vec![(first, first_envelope)];
        if !first.isolate {
            let mut bytes = first.size;
            for row in rows.iter().skip(1) {
                if row.isolate || bytes.saturating_add(row.size) > cap_bytes {
                    break;
                }
                let env = envelope_of(&row.id)?;
                let same_device = envelope_device_id(&env)
                    .unwrap_or_else(|| self.identity.device_id.clone())
                    == device_id;
                if !same_device {
                    break;
                }
                bytes += row.size;
                batch.push((row, env));
            }
        }
        let batch_id = uuid::Uuid::new_v4().to_string();
        let mut body = b"{\"envelopes\":[".to_vec();
        for (i, (row, env)) in batch.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(env);
            tx.execute(
                "UPDATE outbox SET state = 'in_flight', batch_id = ?2, sent_at = ?3,
                 attempts = attempts + 1 WHERE id = ?1",
                params![row.id, batch_id, now],
            )?;
        }
        body.extend_from_slice(b"]}");
        tx.commit()?;
        Ok(Some(HttpRequest {
            id: batch_id,
            method: String::from("POST"),
            url: format!("{base}/v1/envelopes"),
            headers: json_headers(Some(&device_id)),
            body,
        }))
    }

    /// Handles the collector's answer to the request `request_id` (an envelope batch or an
    /// enrolment). A malformed answer returns [`Error::BadResponse`] after putting the batch
    /// back to pending with a back-off; an unknown id returns [`Error::UnknownRequest`] and
    /// changes nothing.
    pub fn handle_sync_response(
        &self,
        request_id: &str,
        response: HttpResponse,
    ) -> Result<SyncOutcome> {
        let state = SyncState::load(self.store.conn())?;
        if state.enrolment_request.as_deref() == Some(request_id) {
            return self.handle_enrolment_response(response);
        }
        let now = self.now_ms();
        let tx = self.store.transaction()?;
        let mut state = SyncState::load(&tx)?;
        let batch = batch_rows(&tx, request_id)?;
        if batch.is_empty() {
            return Err(Error::UnknownRequest);
        }
        let n = batch.len();
        let mut outcome = SyncOutcome::default();
        match response.status {
            200 => match parse_results(&response.body, &batch) {
                Ok(results) => {
                    for item in results {
                        let isolate = batch
                            .iter()
                            .find(|r| r.id == item.id)
                            .is_some_and(|r| r.isolate);
                        match item.status.as_str() {
                            "accepted" | "duplicate" => {
                                mark_delivered(&tx, &item.id, now)?;
                                outcome.delivered += 1;
                            }
                            _ if n > 1 && !isolate => {
                                set_isolated(&tx, &item.id)?;
                                outcome.isolated += 1;
                            }
                            _ => {
                                let reason =
                                    format!("rejected:{}", reason_code(item.reason.as_deref()));
                                mark_dead(&tx, &item.id, &reason)?;
                                outcome.dead_lettered += 1;
                            }
                        }
                    }
                    state.failures = 0;
                    state.next_attempt_at = 0;
                    state.last_success_at = Some(now);
                    outbox::prune_delivered(&tx, now)?;
                }
                Err(e) => {
                    return_to_pending(&tx, request_id)?;
                    state.back_off(now)?;
                    state.save(&tx)?;
                    tx.commit()?;
                    log::warn!("malformed answer from the collector; the batch will be sent again");
                    return Err(e);
                }
            },
            401 | 403 => {
                outcome.returned_to_pending = return_to_pending(&tx, request_id)?;
                state.reenrolment_needed = true;
                state.enrolled = false;
                log::warn!("the collector refused this device; it must enrol again");
            }
            413 if n > 1 => {
                let bytes: u64 = batch.iter().map(|r| r.size).sum();
                let half = u32::try_from(n / 2).unwrap_or(u32::MAX).max(1);
                state.cap_reports = Some(state.cap_reports.map_or(half, |c| c.min(half)));
                state.cap_bytes = Some((bytes / 2).max(1));
                outcome.returned_to_pending = return_to_pending(&tx, request_id)?;
            }
            413 => {
                mark_dead(&tx, &batch[0].id, "too_large")?;
                outcome.dead_lettered = 1;
            }
            400 if n > 1 => {
                for row in &batch {
                    set_isolated(&tx, &row.id)?;
                }
                outcome.isolated = u32::try_from(n).unwrap_or(u32::MAX);
            }
            400 => {
                mark_dead(&tx, &batch[0].id, "bad_request")?;
                outcome.dead_lettered = 1;
            }
            429 | 503 => {
                outcome.returned_to_pending = return_to_pending(&tx, request_id)?;
                match response
                    .header("Retry-After")
                    .and_then(|v| parse_retry_after(v, now))
                {
                    Some(wait) => state.next_attempt_at = now.saturating_add(wait),
                    None => {
                        state.back_off(now)?;
                    }
                }
            }
            _ => {
                outcome.returned_to_pending = return_to_pending(&tx, request_id)?;
                state.back_off(now)?;
            }
        }
        outcome.retry_at = Some(state.next_attempt_at).filter(|t| *t > now);
        outcome.reenrolment_needed = state.reenrolment_needed;
        outcome.enrolled = state.enrolled;
        state.save(&tx)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Handles a request that got no answer: its reports go back to pending and the next
    /// attempt backs off.
    pub fn handle_sync_failure(
        &self,
        request_id: &str,
        failure: TransportFailure,
    ) -> Result<SyncOutcome> {
        let _ = failure; // Every kind of transport failure is treated alike: back off.
        let now = self.now_ms();
        let tx = self.store.transaction()?;
        let mut state = SyncState::load(&tx)?;
        let is_enrolment = state.enrolment_request.as_deref() == Some(request_id);
        let returned = if is_enrolment {
            state.enrolment_request = None;
            0
        } else {
            let n = return_to_pending(&tx, request_id)?;
            if n == 0 {
                return Err(Error::UnknownRequest);
            }
            n
        };
        let retry_at = state.back_off(now)?;
        state.save(&tx)?;
        tx.commit()?;
        Ok(SyncOutcome {
            returned_to_pending: returned,
            retry_at: Some(retry_at),
            reenrolment_needed: state.reenrolment_needed,
            enrolled: state.enrolled,
            ..SyncOutcome::default()
        })
    }

    /// Handles the answer to the enrolment request. 200 naming this device → enrolled (syncing
    /// resumes at once); 400/401/403/409 → the token or the key was refused: re-enrolment is
    /// needed (a new token from the organisation); 429/503 → `Retry-After`; anything else →
    /// back-off. A 200 with a malformed body is [`Error::BadResponse`] (with back-off).
    pub fn handle_enrolment_response(&self, response: HttpResponse) -> Result<SyncOutcome> {
        let now = self.now_ms();
        let tx = self.store.transaction()?;
        let mut state = SyncState::load(&tx)?;
        state.enrolment_request = None;
        match response.status {
            200 => {
                let ok = serde_json::from_slice::<EnrolmentAnswer>(&response.body)
                    .ok()
                    .is_some_and(|a| {
                        a.device_id == self.identity.device_id && a.status == "enrolled"
                    });
                if !ok {
                    state.back_off(now)?;
                    state.save(&tx)?;
                    tx.commit()?;
                    return Err(Error::BadResponse("enrolment answer"));
                }
                state.enrolled = true;
                state.reenrolment_needed = false;
                state.failures = 0;
                state.next_attempt_at = 0;
                log::info!("device enrolled with the collector");
            }
            400 | 401 | 403 | 409 => {
                state.enrolled = false;
                state.reenrolment_needed = true;
                log::warn!("the collector refused the enrolment");
            }
            429 | 503 => match response
                .header("Retry-After")
                .and_then(|v| parse_retry_after(v, now))
            {
                Some(wait) => state.next_attempt_at = now.saturating_add(wait),
                None => {
                    state.back_off(now)?;
                }
            },
            _ => {
                state.back_off(now)?;
            }
        }
        state.save(&tx)?;
        tx.commit()?;
        Ok(SyncOutcome {
            retry_at: Some(state.next_attempt_at).filter(|t| *t > now),
            reenrolment_needed: state.reenrolment_needed,
            enrolled: state.enrolled,
            ..SyncOutcome::default()
        })
    }
}

impl Companion {
    /// The request that fetches the `kind` bundle if it changed (`If-None-Match` with the
    /// stored ETag). Hand its answer to [`Companion::handle_bundle_response`].
    pub fn bundle_pull_request(&self, kind: BundleKind) -> Result<HttpRequest> {
        let url = format!("{}/v1/bundles/{}", self.collector_base()?, kind.as_str());
        let mut headers = vec![HttpHeader {
            name: String::from("X-Frontline-Device"),
            value: self.identity.device_id.clone(),
        }];
        if let Some(etag) = store::get_meta(self.store.conn(), &etag_meta(kind))? {
            if let Ok(etag) = String::from_utf8(etag) {
                headers.push(HttpHeader {
                    name: String::from("If-None-Match"),
                    value: etag,
                });
            }
        }
        Ok(HttpRequest {
            id: format!("bundle-{}-{}", kind.as_str(), uuid::Uuid::new_v4()),
            method: String::from("GET"),
            url,
            headers,
            body: Vec::new(),
        })
    }

    /// Handles the answer to a bundle pull of `kind`. A 200 is installed only if it passes every
    /// bundle check (signature, kind, expiry, version, payload); a refused bundle is
    /// [`Error::BundleRefused`] and changes nothing, except that a bundle not newer than the
    /// installed one is remembered so it is not downloaded again.
    pub fn handle_bundle_response(
        &self,
        kind: BundleKind,
        response: HttpResponse,
    ) -> Result<BundlePull> {
        let now = self.now_ms();
        let etag = response
            .header("ETag")
            .map(str::trim)
            .filter(|e| !e.is_empty() && e.len() <= 200 && e.is_ascii())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("\"{}\"", b64url(&sha256(&response.body))));
        let remember = |etag: &str| -> Result<()> {
            let tx = self.store.transaction()?;
            store::put_meta(&tx, &etag_meta(kind), etag.as_bytes())?;
            tx.commit()?;
            Ok(())
        };
        match response.status {
            200 => match self.install_bundle_of_kind(kind, &response.body) {
                Ok(info) => {
                    remember(&etag)?;
                    Ok(BundlePull::Installed { info })
                }
                Err(Error::BundleRefused(BundleRefusal::NotNewer { .. })) => {
                    remember(&etag)?;
                    Ok(BundlePull::NotModified)
                }
                Err(e) => Err(e),
            },
            304 => Ok(BundlePull::NotModified),
            404 => Ok(BundlePull::NotServed),
            401 | 403 => {
                let tx = self.store.transaction()?;
                let mut state = SyncState::load(&tx)?;
                state.reenrolment_needed = true;
                state.enrolled = false;
                state.save(&tx)?;
                tx.commit()?;
                Ok(BundlePull::ReenrolmentNeeded)
            }
            status => {
                let wait = if matches!(status, 429 | 503) {
                    response
                        .header("Retry-After")
                        .and_then(|v| parse_retry_after(v, now))
                } else {
                    None
                };
                let wait = match wait {
                    Some(wait) => wait,
                    None => backoff_delay(1, jitter_permille()?),
                };
                Ok(BundlePull::RetryLater {
                    at: now.saturating_add(wait),
                })
            }
        }
    }
}
