//! Exported outbox and sync calls: the device identity, the sans-IO sync engine (the app
//! sends the requests it returns and hands back the answers), the outbox status and dead
//! letters. Each method is one call into the core.

use frontline_core::bundle::BundleKind;
use frontline_core::outbox::{DeadLetter, OutboxLimits, OutboxStatus};
use frontline_core::sync::{BundlePull, HttpRequest, HttpResponse, SyncOutcome, TransportFailure};

use crate::{Companion, FrontlineError};

#[uniffi::export]
impl Companion {
    /// This device's id (a UUID chosen on first open).
    pub fn device_id(&self) -> Result<String, FrontlineError> {
        self.with(|c| Ok(c.device_id()))
    }

    /// This device's Ed25519 public key (base64url), as enrolled with the collector.
    pub fn device_public_key(&self) -> Result<String, FrontlineError> {
        self.with(|c| Ok(c.device_public_key()))
    }

    /// The enrolment request (`POST /v1/devices`) with the configured enrolment token.
    pub fn enrolment_request(&self) -> Result<HttpRequest, FrontlineError> {
        self.with(|c| c.enrolment_request())
    }

    /// Handles the answer to the enrolment request.
    pub fn handle_enrolment_response(
        &self,
        response: HttpResponse,
    ) -> Result<SyncOutcome, FrontlineError> {
        self.with(|c| c.handle_enrolment_response(response))
    }

    /// The next request to send, or nothing when nothing is due (empty outbox, back-off,
    /// re-enrolment needed). Send it and hand back the answer with its `id`.
    pub fn next_sync_request(&self) -> Result<Option<HttpRequest>, FrontlineError> {
        self.with(|c| c.next_sync_request())
    }

    /// Handles the answer to the request `request_id`.
    pub fn handle_sync_response(
        &self,
        request_id: String,
        response: HttpResponse,
    ) -> Result<SyncOutcome, FrontlineError> {
        self.with(|c| c.handle_sync_response(&request_id, response))
    }

    /// Handles a request that got no answer (reset, time-out, DNS, other).
    pub fn handle_sync_failure(
        &self,
        request_id: String,
        failure: TransportFailure,
    ) -> Result<SyncOutcome, FrontlineError> {
        self.with(|c| c.handle_sync_failure(&request_id, failure))
    }

    /// The outbox at a glance, for the status screen.
    pub fn outbox_status(&self) -> Result<OutboxStatus, FrontlineError> {
        self.with(|c| c.outbox_status())
    }

    /// Reports the collector refused for good.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>, FrontlineError> {
        self.with(|c| c.dead_letters())
    }

    /// Sends one dead letter again; false if `id` is not a dead letter.
    pub fn retry_dead_letter(&self, id: String) -> Result<bool, FrontlineError> {
        self.with(|c| c.retry_dead_letter(&id))
    }

    /// Sends every dead letter again; returns how many.
    pub fn retry_dead_letters(&self) -> Result<u32, FrontlineError> {
        self.with(|c| c.retry_dead_letters())
    }

    /// The outbox bounds in force.
    pub fn outbox_limits(&self) -> Result<OutboxLimits, FrontlineError> {
        self.with(|c| c.outbox_limits())
    }

    /// Changes the outbox bounds (each at least 1).
    pub fn set_outbox_limits(&self, limits: OutboxLimits) -> Result<(), FrontlineError> {
        self.with(|c| c.set_outbox_limits(limits))
    }

    /// Seals held reports to the organisation key, if one is configured; returns how many.
    pub fn seal_held_reports(&self) -> Result<u32, FrontlineError> {
        self.with(|c| c.seal_held_reports())
    }

    /// The request that fetches the `kind` bundle if it changed (`If-None-Match`).
    pub fn bundle_pull_request(&self, kind: BundleKind) -> Result<HttpRequest, FrontlineError> {
        self.with(|c| c.bundle_pull_request(kind))
    }

    /// Handles the answer to a bundle pull: installs a newer, valid bundle.
    pub fn handle_bundle_response(
        &self,
        kind: BundleKind,
        response: HttpResponse,
    ) -> Result<BundlePull, FrontlineError> {
        self.with(|c| c.handle_bundle_response(kind, response))
    }
}
