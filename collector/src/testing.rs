//! A test-only envelope sealer built on the `hpke` crate's sender side.
//!
//! It exists so the collector's own tests, and the hostile-input end-to-end tests, can make
//! envelopes the real device never would (forged signatures, reports disagreeing with their
//! header, envelopes for another key). It is compiled only for tests and with the
//! `test-support` feature; the sync end-to-end tests use the real device core instead.

use frontline_core::crypto::{b64url, SigningKey};
use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::{Deserializable, Kem, OpModeS, Serializable};
use serde_json::json;

use crate::envelope::{header, info, signed_message};
use crate::keys::{EnvelopeKem, SystemRng};

/// Seals envelopes as device `device_id` with the Ed25519 seed it was given, to an X25519
/// public key.
pub struct EnvelopeSealer {
    device_id: String,
    signing: SigningKey,
    org_public: <EnvelopeKem as Kem>::PublicKey,
    kid: String,
}

impl std::fmt::Debug for EnvelopeSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvelopeSealer").finish_non_exhaustive()
    }
}

impl EnvelopeSealer {
    /// A sealer for `device_id` (Ed25519 `seed`) to the organisation key `org_public`.
    pub fn new(device_id: &str, seed: &[u8], org_public: &[u8]) -> Option<Self> {
        Some(Self {
            device_id: device_id.to_owned(),
            signing: SigningKey::from_seed(seed).ok()?,
            org_public: <EnvelopeKem as Kem>::PublicKey::from_bytes(org_public).ok()?,
            kid: frontline_core::crypto::key_id(org_public),
        })
    }

    /// The device's public key (for enrolment).
    pub fn device_public_key(&self) -> Vec<u8> {
        self.signing.public_key()
    }

    /// A correct envelope of `kind` carrying `body`.
    pub fn seal(&self, kind: &str, body: &serde_json::Value) -> serde_json::Value {
        let body = body.clone();
        self.seal_raw(kind, move |report| report["body"] = body)
    }

    /// A correct envelope of `kind` carrying `body`, made at `created_at_ms`.
    pub fn seal_at(
        &self,
        kind: &str,
        body: &serde_json::Value,
        created_at_ms: i64,
    ) -> serde_json::Value {
        let body = body.clone();
        self.seal_raw_at(kind, created_at_ms, move |report| report["body"] = body)
    }

    /// An envelope whose report object may be changed by `edit` before it is signed.
    pub fn seal_raw(
        &self,
        kind: &str,
        edit: impl FnOnce(&mut serde_json::Value),
    ) -> serde_json::Value {
        self.seal_raw_at(kind, 1_795_885_384_123, edit)
    }

    fn seal_raw_at(
        &self,
        kind: &str,
        created_at_ms: i64,
        edit: impl FnOnce(&mut serde_json::Value),
    ) -> serde_json::Value {
        let id = uuid::Uuid::new_v4().to_string();
        let created_at = frontline_core::clock::rfc3339(created_at_ms);
        let mut report = json!({
            "kind": kind,
            "device_id": self.device_id,
            "created_at": created_at,
            "body": {},
        });
        edit(&mut report);
        let report_bytes = serde_json::to_vec(&report).unwrap_or_default();
        let header = header(&id, kind, &created_at, &self.device_id);
        let signature = self.signing.sign(&signed_message(&header, &report_bytes));
        let plaintext = json!({
            "report": b64url(&report_bytes),
            "signature": b64url(&signature),
        })
        .to_string();
        let sealed = hpke::single_shot_seal::<AesGcm256, HkdfSha256, EnvelopeKem, _>(
            &OpModeS::Base,
            &self.org_public,
            &info(&self.kid),
            plaintext.as_bytes(),
            &header,
            &mut SystemRng::default(),
        );
        let (enc, ct) = match sealed {
            Ok((enc, ct)) => (enc.to_bytes().to_vec(), ct),
            Err(_) => (Vec::new(), Vec::new()),
        };
        json!({
            "id": id,
            "kind": kind,
            "created_at": created_at,
            "device_id": self.device_id,
            "kid": self.kid,
            "enc": b64url(&enc),
            "ct": b64url(&ct),
        })
    }
}

/// A report as the collector holds it once opened: `body` from `device`, made at
/// `created_at_ms`, with a fresh envelope id. For tests that seed a store directly.
pub fn opened_report(
    device: &str,
    kind: &str,
    created_at_ms: i64,
    body: serde_json::Value,
) -> crate::envelope::OpenedReport {
    let at = frontline_core::clock::rfc3339(created_at_ms);
    let report = json!({"kind": kind, "device_id": device, "created_at": at, "body": body});
    crate::envelope::OpenedReport {
        id: uuid::Uuid::new_v4().to_string(),
        kind: kind.to_owned(),
        created_at: at,
        device_id: device.to_owned(),
        report_json: report.to_string(),
        report,
    }
}

/// The environment variable naming the PostgreSQL server the tests use (a `postgresql://`
/// URL; `scripts/steps/postgres.sh start` prints it).
pub const POSTGRES_ENV: &str = "FRONTLINE_TEST_POSTGRES_URL";

/// A fresh, empty PostgreSQL schema for one test, as a URL whose connections use it.
///
/// Without [`POSTGRES_ENV`]: in CI (`CI=true`) this panics, so a missing database fails the
/// run instead of passing it on SQLite alone; elsewhere it says clearly on stderr that the
/// PostgreSQL half is not run and returns `None`.
#[cfg(feature = "server")]
#[allow(clippy::panic, clippy::expect_used)]
pub fn postgres_test_url() -> Option<String> {
    let Some(base) = std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty()) else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        let message = format!(
            "{POSTGRES_ENV} is not set: the PostgreSQL store is NOT tested. Start one with \
             `eval \"$(bash scripts/steps/postgres.sh start)\"` (after `install`)."
        );
        if ci {
            panic!("{message}");
        }
        eprintln!("warning: {message}");
        return None;
    };
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut client = postgres::Client::connect(&base, postgres::NoTls)
        .expect("the test PostgreSQL server answers");
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .expect("a test schema can be created");
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options=-c%20search_path%3D{schema}"))
}

/// The stores a test runs against: SQLite in `dir`, and PostgreSQL when available (see
/// [`postgres_test_url`]).
#[cfg(feature = "server")]
pub fn test_stores(dir: &std::path::Path) -> Vec<crate::StoreConfig> {
    let mut stores = vec![crate::StoreConfig::sqlite(&dir.join("collector.db"))];
    if let Some(url) = postgres_test_url() {
        stores.push(crate::StoreConfig::postgres(&url));
    }
    stores
}
