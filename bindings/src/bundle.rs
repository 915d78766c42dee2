//! Signed bundles on the exported `Companion`: install one, list what is installed.

use frontline_core::bundle::{BundleInfo, BundleKind};

use crate::{Companion, FrontlineError};

#[uniffi::export]
impl Companion {
    /// Verifies and installs a signed bundle (content, policy or advisories). A refused bundle
    /// (`FrontlineError.BundleRefused`) changes nothing: the installed one stays in use.
    pub fn install_bundle(&self, bytes: Vec<u8>) -> Result<BundleInfo, FrontlineError> {
        self.with(|c| c.install_bundle(&bytes))
    }

    /// As `install_bundle`, refusing a bundle of another kind (`BundleRefused.WrongKind`).
    pub fn install_bundle_of_kind(
        &self,
        kind: BundleKind,
        bytes: Vec<u8>,
    ) -> Result<BundleInfo, FrontlineError> {
        self.with(|c| c.install_bundle_of_kind(kind, &bytes))
    }

    /// The bundles installed, at most one per kind; kinds without one use built-in defaults.
    pub fn installed_bundles(&self) -> Result<Vec<BundleInfo>, FrontlineError> {
        self.with(|c| c.installed_bundles())
    }
}
