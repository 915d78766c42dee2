//! Exported posture, managed configuration, MDM feedback and advisory calls: one-liners into
//! the core's `Companion` (see `frontline_core::posture`, `config::managed`, `advisory`).

use std::collections::HashMap;

use frontline_core::advisory::AdvisoryMatch;
use frontline_core::config::managed::ManagedConfigOutcome;
use frontline_core::posture::{
    DeviceFacts, MdmFeedback, PostureAdvice, PostureReport, PostureTrigger,
};

use crate::{Companion, FrontlineError};

#[uniffi::export]
impl Companion {
    /// Checks the device's posture from the platform probe's `facts`, records the report
    /// (sealed, queued for the collector) and returns it. An MDM trigger whose request id was
    /// already answered returns the earlier report.
    pub fn check_posture(
        &self,
        facts: DeviceFacts,
        trigger: PostureTrigger,
    ) -> Result<PostureReport, FrontlineError> {
        self.with(|c| c.check_posture(facts, trigger))
    }

    /// Stores the probe's latest facts; if the MDM asked for a check that was waiting for
    /// facts, runs it and returns its report.
    pub fn submit_device_facts(
        &self,
        facts: DeviceFacts,
    ) -> Result<Option<PostureReport>, FrontlineError> {
        self.with(|c| c.submit_device_facts(facts))
    }

    /// The most recent posture report, if a check has run.
    pub fn latest_posture_report(&self) -> Result<Option<PostureReport>, FrontlineError> {
        self.with(|c| c.latest_posture_report())
    }

    /// The latest posture report in words for the member of staff, for the facts' platform
    /// and in the configured locale's language (English by default): a headline ("Needs
    /// fixing by Friday 4 December"), and per check the status in words, why it matters,
    /// numbered steps, the settings screen to open (Android `Intent` action, iOS Settings URL)
    /// and what to do when the phone cannot be fixed. Null before any check has run.
    pub fn posture_advice(&self) -> Result<Option<PostureAdvice>, FrontlineError> {
        self.with(|c| c.posture_advice())
    }

    /// As `postureAdvice()`, in the language of `locale` (e.g. `cy`, `en-GB`), falling back
    /// to English for anything not translated.
    pub fn posture_advice_in(
        &self,
        locale: String,
    ) -> Result<Option<PostureAdvice>, FrontlineError> {
        self.with(|c| c.posture_advice_in(Some(&locale)))
    }

    /// Validates and applies the managed configuration read from the MDM (key → value as
    /// text). Bad values fail with `InvalidConfig` naming every bad key, and nothing changes.
    pub fn apply_managed_config(
        &self,
        config: HashMap<String, String>,
    ) -> Result<ManagedConfigOutcome, FrontlineError> {
        self.with(|c| c.apply_managed_config(config))
    }

    /// MDM feedback from the latest report: Android keyed app states and the iOS
    /// `com.apple.feedback.managed` dictionary.
    pub fn mdm_feedback(&self) -> Result<MdmFeedback, FrontlineError> {
        self.with(|c| c.mdm_feedback())
    }

    /// The advisories that concern this device, most severe first.
    pub fn advisories_for_device(&self) -> Result<Vec<AdvisoryMatch>, FrontlineError> {
        self.with(|c| c.advisories_for_device())
    }

    /// Acknowledges an advisory (queues one `advisory_ack` report) and returns when.
    pub fn acknowledge_advisory(&self, advisory_id: String) -> Result<i64, FrontlineError> {
        self.with(|c| c.acknowledge_advisory(&advisory_id))
    }
}
