//! Applying the organisation's managed configuration.
//!
//! Validation lives in `crate::config::managed`; storing it and answering a posture request
//! it carries are here, because they need the posture layer.

use std::collections::HashMap;

use crate::config::managed::{ManagedConfig, ManagedConfigOutcome, STORED_MANAGED};
use crate::config::OrganisationContacts;
use crate::error::{Error, Result};
use crate::posture::PostureTrigger;
use crate::store;
use crate::Companion;

impl Companion {
    /// Validates and applies the managed configuration `map` (key → value as text, as read
    /// from `RestrictionsManager` or `com.apple.configuration.managed`).
    ///
    /// Any bad value refuses the whole map with [`Error::InvalidConfig`] naming every bad key;
    /// the configuration in force and everything stored stay as they were. A valid map is
    /// stored (sealed) and overrides the app's configuration from now on, including after
    /// the next open. A `posture_check_request_id` not seen before runs one posture check on
    /// the latest facts, or waits for the platform's first facts.
    pub fn apply_managed_config(
        &mut self,
        map: HashMap<String, String>,
    ) -> Result<ManagedConfigOutcome> {
        let (managed, ignored_keys) =
            ManagedConfig::from_map(&map).map_err(Error::InvalidConfig)?;
        let new_config = managed.apply_to(&self.app_config);
        let tx = self.store.transaction()?;
        let sealed = self
            .sealer
            .seal_json("meta", "value", STORED_MANAGED, &managed)?;
        store::put_meta(&tx, STORED_MANAGED, &sealed)?;
        let mut posture_report = None;
        let mut posture_check_pending = false;
        if let Some(request_id) = &managed.posture_check_request_id {
            let pending = self.pending_posture_request()?;
            if !self.request_handled(&tx, request_id)? && pending.as_deref() != Some(request_id) {
                match self.latest_device_facts()? {
                    Some(facts) => {
                        posture_report = Some(self.record_check(
                            &tx,
                            &facts,
                            PostureTrigger::Mdm {
                                request_id: request_id.clone(),
                            },
                        )?);
                    }
                    None => {
                        self.set_pending_request(&tx, request_id)?;
                        posture_check_pending = true;
                    }
                }
            } else if pending.as_deref() == Some(request_id) {
                posture_check_pending = true;
            }
        }
        tx.commit()?;
        self.config = new_config;
        log::info!(
            "managed configuration applied ({} keys ignored)",
            ignored_keys.len()
        );
        Ok(ManagedConfigOutcome {
            ignored_keys,
            posture_report,
            posture_check_pending,
        })
    }
}

impl Companion {
    /// Whom staff contact, from the configuration in force (managed configuration over the
    /// app's own). Unset fields are `None`; the words then say "your IT service desk".
    pub fn organisation_contacts(&self) -> OrganisationContacts {
        self.config.organisation_contacts()
    }
}
