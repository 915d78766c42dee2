//! Installing signed bundles and reading the installed ones.
//!
//! Verification lives in `crate::bundle` (pure, generic over its payload); the install
//! transaction and the check of each payload kind by the module that owns it are here.

use rusqlite::OptionalExtension;

use crate::advisory::AdvisoryFeed;
use crate::assessment::{AssessmentDefinition, Benchmark};
use crate::bundle::{
    check_payload_as, parse_publisher_key, verify_bundle, BundleInfo, BundleKind, BundleRefusal,
    MAX_BUNDLE_BYTES,
};
use crate::error::{Error, Result};
use crate::posture::Policy;
use crate::training::Pack;
use crate::Companion;

/// Has the module that owns `kind` check a verified payload before it is installed: the
/// one place a kind read from a manifest meets the type that reads its payload.
pub(crate) fn check_payload(kind: BundleKind, payload: &[u8]) -> Result<(), BundleRefusal> {
    match kind {
        BundleKind::Content => check_payload_as::<Pack>(payload),
        BundleKind::Policy => check_payload_as::<Policy>(payload),
        BundleKind::Advisories => check_payload_as::<AdvisoryFeed>(payload),
        BundleKind::Assessment => check_payload_as::<AssessmentDefinition>(payload),
        BundleKind::Benchmark => check_payload_as::<Benchmark>(payload),
    }
}

impl Companion {
    /// Has the module that owns `kind` check a verified payload, as an install would (the
    /// admin tool's `bundle sign` and `bundle verify` use it before anything is installed).
    pub fn check_bundle_payload(kind: BundleKind, payload: &[u8]) -> Result<(), BundleRefusal> {
        check_payload(kind, payload)
    }
}

impl Companion {
    fn trusted_publisher_key(&self) -> Result<Vec<u8>> {
        self.config
            .publisher_key
            .as_deref()
            .and_then(parse_publisher_key)
            .ok_or(Error::BundleRefused(BundleRefusal::UnknownKey))
    }

    /// Verifies and installs a signed bundle of any kind, replacing the installed bundle of
    /// that kind in one transaction. A refused bundle changes nothing.
    pub fn install_bundle(&self, bytes: &[u8]) -> Result<BundleInfo> {
        self.install_bundle_checked(bytes, None)
    }

    /// As [`Companion::install_bundle`], refusing a bundle of another kind than `kind`
    /// (`WrongKind`), e.g. for what was fetched from `/v1/bundles/{kind}`.
    pub fn install_bundle_of_kind(&self, kind: BundleKind, bytes: &[u8]) -> Result<BundleInfo> {
        self.install_bundle_checked(bytes, Some(kind))
    }

    fn install_bundle_checked(
        &self,
        bytes: &[u8],
        expected: Option<BundleKind>,
    ) -> Result<BundleInfo> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(Error::BundleRefused(BundleRefusal::TooLarge));
        }
        let key = self.trusted_publisher_key()?;
        let now = self.now_ms();
        let verified =
            verify_bundle(bytes, expected, &key, now, None).map_err(Error::BundleRefused)?;
        check_payload(verified.info.kind, &verified.payload).map_err(Error::BundleRefused)?;
        let tx = self.store.transaction()?;
        let installed: Option<i64> = tx
            .query_row(
                "SELECT version FROM bundle WHERE kind = ?1",
                [verified.info.kind.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(installed) = installed {
            let installed = u64::try_from(installed).unwrap_or(0);
            if verified.info.version <= installed {
                return Err(Error::BundleRefused(BundleRefusal::NotNewer {
                    installed,
                    offered: verified.info.version,
                }));
            }
        }
        let version = i64::try_from(verified.info.version)
            .map_err(|_| Error::BundleRefused(BundleRefusal::Malformed))?;
        tx.execute(
            "INSERT INTO bundle (kind, version, issued_at, expires_at, digest, key_id, payload, installed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(kind) DO UPDATE SET version = excluded.version,
                issued_at = excluded.issued_at, expires_at = excluded.expires_at,
                digest = excluded.digest, key_id = excluded.key_id,
                payload = excluded.payload, installed_at = excluded.installed_at",
            rusqlite::params![
                verified.info.kind.as_str(),
                version,
                verified.info.issued_at_ms,
                verified.info.expires_at_ms,
                verified.digest.to_vec(),
                verified.info.key_id,
                verified.payload,
                now
            ],
        )?;
        tx.commit()?;
        log::info!(
            "installed {} bundle version {}",
            verified.info.kind.as_str(),
            verified.info.version
        );
        Ok(verified.info)
    }

    /// The bundles installed, one per kind at most (kinds without one use built-in defaults).
    pub fn installed_bundles(&self) -> Result<Vec<BundleInfo>> {
        let mut stmt = self.store.conn().prepare(
            "SELECT kind, version, issued_at, expires_at, key_id FROM bundle ORDER BY kind",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, version, issued_at_ms, expires_at_ms, key_id) = row?;
            let kind = BundleKind::parse(&kind).ok_or(Error::Tampered)?;
            out.push(BundleInfo {
                kind,
                version: u64::try_from(version).map_err(|_| Error::Tampered)?,
                issued_at_ms,
                expires_at_ms,
                key_id,
            });
        }
        Ok(out)
    }

    /// The payload of the installed bundle of `kind`, if one is installed.
    pub(crate) fn installed_payload(&self, kind: BundleKind) -> Result<Option<Vec<u8>>> {
        Ok(self
            .store
            .conn()
            .query_row(
                "SELECT payload FROM bundle WHERE kind = ?1",
                [kind.as_str()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The SHA-256 of the installed payload of `kind` (cheap: no payload read), for caches.
    pub(crate) fn installed_digest(&self, kind: BundleKind) -> Result<Option<Vec<u8>>> {
        Ok(self
            .store
            .conn()
            .query_row(
                "SELECT digest FROM bundle WHERE kind = ?1",
                [kind.as_str()],
                |r| r.get(0),
            )
            .optional()?)
    }
}
