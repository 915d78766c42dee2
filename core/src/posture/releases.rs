//! Release dates of security patches: what "released more than 14 days ago" means.
//!
//! The dates arrive in the advisory feed (`crate::advisory`), which builds this table; the
//! posture evaluation reads it. It lives here, below the advisory module, so that posture
//! does not depend on advisories (`ARCHITECTURE.md`, "Layers").

use super::facts::Version;
use crate::clock::UnixMillis;

/// Release dates of security patches, parsed: what "released more than 14 days ago" means.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseTable {
    /// (Android patch level, release date), Unix milliseconds at 00:00 UTC.
    pub android: Vec<(UnixMillis, UnixMillis)>,
    /// (iOS version, release date).
    pub ios: Vec<(Version, UnixMillis)>,
}
