//! Incident reports on the `Companion`: the immediate advice, and filing a report that is
//! stored sealed and queued as an `incident` report, which the sync engine sends before
//! everything else (ADR 0012). The domain rules are in `crate::incident`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::incident::{
    self, FiledIncident, IncidentAdvice, IncidentForm, IncidentKind, IncidentSummary, ValidForm,
};
use crate::outbox::{ReportDraft, ReportKind, Retention};
use crate::Companion;

const TABLE: &str = "incident";
const COLUMN: &str = "form_sealed";

#[derive(Serialize, Deserialize)]
struct Stored {
    form: ValidForm,
}

impl Companion {
    /// The advice for `kind`, to show before (or without) filing a report.
    pub fn incident_advice(&self, kind: IncidentKind) -> IncidentAdvice {
        incident::advice(kind, &self.organisation_contacts())
    }

    /// Files an incident: checks the form, stores it sealed and queues an `incident` report
    /// (sent first on the next connection) in one transaction, and returns the advice. A
    /// refused form (`IncidentRefused`) stores and queues nothing.
    pub fn report_incident(&self, form: IncidentForm) -> Result<FiledIncident> {
        let now = self.now_ms();
        let valid = form.validate(now).map_err(Error::IncidentRefused)?;
        let id = uuid::Uuid::new_v4().to_string();
        let body = incident::report_body(&id, &valid, now, &self.config.staff_pseudonym);
        let sealed = self.sealer.seal_json(
            TABLE,
            COLUMN,
            &id,
            &Stored {
                form: valid.clone(),
            },
        )?;
        let tx = self.store.transaction()?;
        let report_id = self.queue_report(
            &tx,
            ReportDraft {
                kind: ReportKind::Incident,
                body,
                retention: Retention::Keep,
            },
        )?;
        tx.execute(
            "INSERT INTO incident (id, reported_at, report_id, form_sealed) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![id, now, report_id, sealed],
        )?;
        tx.commit()?;
        log::info!("incident report filed and queued first");
        Ok(FiledIncident {
            incident_id: id,
            report_id,
            advice: incident::advice(valid.kind, &self.organisation_contacts()),
        })
    }

    /// The incidents this device filed, newest first.
    pub fn incidents(&self) -> Result<Vec<IncidentSummary>> {
        let mut stmt = self.store.conn().prepare(
            // A delivered row is forgotten after 90 days; incidents are never dropped, so a
            // missing outbox row means delivered long ago.
            "SELECT i.id, i.reported_at, i.form_sealed, COALESCE(o.state = 'delivered', 1)
             FROM incident i LEFT JOIN outbox o ON o.id = i.report_id
             ORDER BY i.reported_at DESC, i.rowid DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, reported_at_ms, sealed, delivered) = row?;
            let stored: Stored = self.sealer.open_json(TABLE, COLUMN, &id, &sealed)?;
            out.push(IncidentSummary {
                incident_id: id,
                kind: stored.form.kind,
                occurred_at_ms: stored.form.occurred_at_ms,
                reported_at_ms,
                delivered,
            });
        }
        Ok(out)
    }
}
