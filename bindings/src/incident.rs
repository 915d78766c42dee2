//! Incident reports on the exported `Companion`: the advice for a kind (offline, at once),
//! filing a report (sent first on the next connection) and the list of reports filed.

use frontline_core::incident::{
    FiledIncident, IncidentAdvice, IncidentForm, IncidentKind, IncidentSummary,
};

use crate::{Companion, FrontlineError};

#[uniffi::export]
impl Companion {
    /// What to do now for an incident of `kind`, with the organisation's contacts.
    pub fn incident_advice(&self, kind: IncidentKind) -> Result<IncidentAdvice, FrontlineError> {
        self.with(|c| Ok(c.incident_advice(kind)))
    }

    /// Files an incident report: stored sealed and queued to go first on the next sync.
    /// A bad form is refused with `IncidentRefused` and nothing is stored.
    pub fn report_incident(&self, form: IncidentForm) -> Result<FiledIncident, FrontlineError> {
        self.with(|c| c.report_incident(form))
    }

    /// The incidents filed on this device, newest first, with whether each was delivered.
    pub fn incidents(&self) -> Result<Vec<IncidentSummary>, FrontlineError> {
        self.with(|c| c.incidents())
    }
}
