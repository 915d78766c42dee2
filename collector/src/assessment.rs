//! What the IT team gets from self-assessments and incident reports.
//!
//! * The organisation's **benchmark**: each device's latest `assessment` report, reduced to
//!   per-area quartiles across devices and across teams (`core::assessment::benchmark`, type-7
//!   quartiles, groups of at least five), ready to be signed as a `benchmark` bundle and
//!   published back to devices (ADR 0142).
//! * **Incidents**: every `incident` report with its status (`new`, `triaged`, `closed`),
//!   listed newest first with the urgent new ones on top, as text or CSV, and the status
//!   change the IT team makes.
//!
//! Reports are read defensively: a report whose body does not have the expected shape is left
//! out of the benchmark, and shown with empty fields in the incident list, never an error.
//! Everything here goes through [`Store`] (reads through [`ReportSource`]), so it works the
//! same on SQLite and on PostgreSQL.

use std::collections::BTreeMap;

use frontline_core::assessment::benchmark::{
    quartiles, AreaBenchmark, Benchmark, TeamBenchmark, TeamMedian, BENCHMARK_FORMAT, MIN_GROUP,
};
use frontline_core::assessment::AssessmentArea;
use frontline_core::clock::rfc3339;
use serde::Serialize;

use crate::store::{ReportSource, Store};
use crate::CollectorError;

/// One stored `assessment` report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentRow {
    /// Envelope id.
    pub envelope_id: String,
    /// Device id.
    pub device_id: String,
    /// When the device made it (Unix ms), if its time parsed.
    pub created_at_ms: Option<i64>,
    /// The report as the device signed it.
    pub report_json: String,
}

/// A device's latest scores.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceScores {
    /// Device id.
    pub device_id: String,
    /// The team the member of staff chose, if any.
    pub team: Option<String>,
    /// Overall score.
    pub overall: Option<f64>,
    /// Score per area.
    pub areas: BTreeMap<AssessmentArea, f64>,
}

/// Why no benchmark can be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BenchmarkError {
    /// Fewer assessed devices than the smallest group published.
    #[error("fewer than {MIN_GROUP} devices have submitted an assessment")]
    TooFewDevices,
}

fn score(value: Option<&serde_json::Value>) -> Option<f64> {
    value
        .and_then(serde_json::Value::as_f64)
        .filter(|v| v.is_finite() && (0.0..=100.0).contains(v))
}

fn scores_of(row: &AssessmentRow) -> Option<DeviceScores> {
    let report: serde_json::Value = serde_json::from_str(&row.report_json).ok()?;
    let body = report.get("body")?;
    let mut areas = BTreeMap::new();
    for area in body.get("areas")?.as_array()? {
        let Some(name) = area.get("area").and_then(|a| a.as_str()) else {
            continue;
        };
        if let (Some(a), Some(s)) = (
            AssessmentArea::parse(name),
            score(area.get("score_percent")),
        ) {
            areas.insert(a, s);
        }
    }
    let team = body
        .get("team")
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty() && t.len() <= 64)
        .map(str::to_owned);
    Some(DeviceScores {
        device_id: row.device_id.clone(),
        team,
        overall: score(body.get("overall_percent")),
        areas,
    })
}

/// Each device's latest assessment (by creation time, then envelope id), read defensively.
pub fn latest_per_device(rows: &[AssessmentRow]) -> Vec<DeviceScores> {
    let mut latest: BTreeMap<&str, &AssessmentRow> = BTreeMap::new();
    for row in rows {
        let newer = latest.get(row.device_id.as_str()).is_none_or(|seen| {
            (row.created_at_ms, &row.envelope_id) > (seen.created_at_ms, &seen.envelope_id)
        });
        if newer {
            latest.insert(&row.device_id, row);
        }
    }
    latest.values().filter_map(|r| scores_of(r)).collect()
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The benchmark of `devices` at `now_ms` (ADR 0142).
pub fn compute(devices: &[DeviceScores], now_ms: i64) -> Result<Benchmark, BenchmarkError> {
    let overall: Vec<f64> = devices.iter().filter_map(|d| d.overall).collect();
    if overall.len() < MIN_GROUP as usize {
        return Err(BenchmarkError::TooFewDevices);
    }
    let overall = quartiles(&overall).ok_or(BenchmarkError::TooFewDevices)?;
    let mut by_team: BTreeMap<&str, Vec<&DeviceScores>> = BTreeMap::new();
    for d in devices {
        if let Some(team) = &d.team {
            by_team.entry(team).or_default().push(d);
        }
    }
    let teams: Vec<TeamBenchmark> = by_team
        .into_iter()
        .filter(|(_, members)| members.len() >= MIN_GROUP as usize)
        .map(|(team, members)| TeamBenchmark {
            team: team.to_owned(),
            devices: count(members.len()),
            medians: AssessmentArea::ALL
                .iter()
                .filter_map(|area| {
                    let scores: Vec<f64> = members
                        .iter()
                        .filter_map(|m| m.areas.get(area).copied())
                        .collect();
                    (scores.len() >= MIN_GROUP as usize)
                        .then(|| quartiles(&scores))
                        .flatten()
                        .map(|q| TeamMedian {
                            area: *area,
                            median: q.median,
                        })
                })
                .collect(),
        })
        .collect();
    let areas = AssessmentArea::ALL
        .iter()
        .filter_map(|area| {
            let scores: Vec<f64> = devices
                .iter()
                .filter_map(|d| d.areas.get(area).copied())
                .collect();
            if scores.len() < MIN_GROUP as usize {
                return None;
            }
            let team_medians: Vec<f64> = teams
                .iter()
                .filter_map(|t| t.medians.iter().find(|m| m.area == *area).map(|m| m.median))
                .collect();
            Some(AreaBenchmark {
                area: *area,
                devices: count(scores.len()),
                devices_quartiles: quartiles(&scores)?,
                teams: count(team_medians.len()),
                team_quartiles: (team_medians.len() >= 2)
                    .then(|| quartiles(&team_medians))
                    .flatten(),
            })
        })
        .collect();
    Ok(Benchmark {
        format: BENCHMARK_FORMAT,
        generated_at: rfc3339(now_ms),
        devices: count(devices.len()),
        overall,
        areas,
        teams,
    })
}

/// The stored `assessment` reports.
pub fn assessment_rows(source: &impl ReportSource) -> Result<Vec<AssessmentRow>, CollectorError> {
    Ok(source
        .rows(
            "SELECT envelope_id, device_id, created_at_ms, report_json FROM report
             WHERE kind = 'assessment'",
        )?
        .into_iter()
        .map(|row| AssessmentRow {
            envelope_id: cell_text(&row, 0),
            device_id: cell_text(&row, 1),
            created_at_ms: row.get(2).and_then(crate::store::Cell::opt_int),
            report_json: cell_text(&row, 3),
        })
        .collect())
}

fn cell_text(row: &[crate::store::Cell], i: usize) -> String {
    row.get(i).map(crate::store::Cell::text).unwrap_or_default()
}

/// Where an incident is in the IT team's hands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// Received, nobody has looked yet.
    New,
    /// Someone is on it.
    Triaged,
    /// Dealt with.
    Closed,
}

impl IncidentStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Triaged => "triaged",
            Self::Closed => "closed",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "new" => Some(Self::New),
            "triaged" => Some(Self::Triaged),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// One incident as the IT team sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentRow {
    /// Envelope id (the handle for status changes).
    pub envelope_id: String,
    /// The device's incident id (the reporter may quote it).
    pub incident_id: String,
    /// The reporting device.
    pub device_id: String,
    /// The kind's wire name.
    pub kind: String,
    /// Whether the kind needs action within the hour.
    pub urgent: bool,
    /// When it happened.
    pub occurred_at: String,
    /// When it was filed on the device.
    pub reported_at: String,
    /// When the collector received it (RFC 3339).
    pub received_at: String,
    /// Where it is.
    pub status: IncidentStatus,
    /// Filed for a colleague.
    pub on_behalf_of_colleague: bool,
    /// The reporter's pseudonym.
    pub staff_pseudonym: String,
    /// The reporter's words.
    pub description: String,
}

/// Every incident, new ones first (urgent before the rest), then by time received, newest
/// first.
pub fn incidents(source: &impl ReportSource) -> Result<Vec<IncidentRow>, CollectorError> {
    let rows = source.rows(
        "SELECT r.envelope_id, r.device_id, r.received_at, r.report_json,
                COALESCE(s.status, 'new')
         FROM report r LEFT JOIN incident_status s ON s.envelope_id = r.envelope_id
         WHERE r.kind = 'incident'",
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let json = cell_text(&row, 3);
        let report: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        let body = report.get("body").cloned().unwrap_or_default();
        let text = |k: &str| {
            body.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .chars()
                .take(1000)
                .collect::<String>()
        };
        let flag = |k: &str| {
            body.get(k)
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
        };
        out.push(IncidentRow {
            envelope_id: cell_text(&row, 0),
            incident_id: text("incident_id"),
            device_id: cell_text(&row, 1),
            kind: text("kind"),
            urgent: flag("urgent"),
            occurred_at: text("occurred_at"),
            reported_at: text("reported_at"),
            received_at: rfc3339(row.get(2).map_or(0, crate::store::Cell::int)),
            status: IncidentStatus::parse(&cell_text(&row, 4)).unwrap_or(IncidentStatus::New),
            on_behalf_of_colleague: flag("on_behalf_of_colleague"),
            staff_pseudonym: text("staff_pseudonym"),
            description: text("description"),
        });
    }
    out.sort_by(|a, b| {
        let rank = |r: &IncidentRow| (r.status != IncidentStatus::New, !r.urgent);
        rank(a)
            .cmp(&rank(b))
            .then_with(|| b.received_at.cmp(&a.received_at))
            .then_with(|| a.envelope_id.cmp(&b.envelope_id))
    });
    Ok(out)
}

/// Sets the status of the incident in envelope `envelope_id`; `false` if there is none.
pub fn set_incident_status(
    store: &Store,
    envelope_id: &str,
    status: IncidentStatus,
    now_ms: i64,
) -> Result<bool, CollectorError> {
    Ok(store.execute(
        SET_INCIDENT_STATUS,
        &[
            crate::store::Param::Text(status.as_str()),
            crate::store::Param::Int(now_ms),
            crate::store::Param::Text(envelope_id),
        ],
    )? == 1)
}

/// Upserts an incident's status only if its envelope holds an incident, in one statement, the
/// same text on both stores: `$1` status, `$2` time, `$3` envelope id (numbered in the order
/// they first appear, which is how SQLite numbers `$N` parameters).
const SET_INCIDENT_STATUS: &str = "INSERT INTO incident_status (envelope_id, status, updated_at)
     SELECT envelope_id, CAST($1 AS TEXT), CAST($2 AS BIGINT) FROM report
     WHERE envelope_id = $3 AND kind = 'incident'
     ON CONFLICT (envelope_id) DO UPDATE SET status = excluded.status,
        updated_at = excluded.updated_at";

/// The incidents as CSV (one row each, header first).
pub fn incidents_csv(rows: &[IncidentRow]) -> String {
    let mut out = crate::report::csv_row(
        [
            "envelope_id",
            "incident_id",
            "device_id",
            "kind",
            "urgent",
            "occurred_at",
            "reported_at",
            "received_at",
            "status",
            "on_behalf_of_colleague",
            "staff_pseudonym",
            "description",
        ]
        .into_iter()
        .map(str::to_owned),
    );
    for r in rows {
        out.push_str(&crate::report::csv_row(
            [
                r.envelope_id.clone(),
                r.incident_id.clone(),
                r.device_id.clone(),
                r.kind.clone(),
                r.urgent.to_string(),
                r.occurred_at.clone(),
                r.reported_at.clone(),
                r.received_at.clone(),
                r.status.as_str().to_owned(),
                r.on_behalf_of_colleague.to_string(),
                r.staff_pseudonym.clone(),
                r.description.clone(),
            ]
            .into_iter(),
        ));
    }
    out
}

/// The incidents as text for the terminal.
pub fn incidents_text(rows: &[IncidentRow]) -> String {
    if rows.is_empty() {
        return String::from("No incidents reported.\n");
    }
    let mut out = String::new();
    for r in rows {
        out.push_str(&format!(
            "{:<8} {:<6} {:<26} happened {}  received {}  {}\n         {}{}\n",
            r.status.as_str(),
            if r.urgent { "URGENT" } else { "" },
            r.kind,
            r.occurred_at,
            r.received_at,
            r.envelope_id,
            if r.on_behalf_of_colleague {
                "(for a colleague) "
            } else {
                ""
            },
            r.description.replace(['\n', '\r'], " ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::test_stores;
    use serde_json::json;

    const NOW: i64 = 1_795_885_384_000;

    use crate::testing::opened_report as opened;

    /// A small deterministic generator (64-bit LCG), so the fleet is the same every run.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, below: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % below
        }
    }

    /// Quartile i (1–3) of `values` by type 7, written out independently: position
    /// (n − 1)·i/4 in quarter steps.
    fn independent_quartile(values: &[f64], i: usize) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let quarter_steps = (v.len() - 1) * i;
        let k = quarter_steps / 4;
        let frac = (quarter_steps % 4) as f64 / 4.0;
        if k + 1 < v.len() {
            v[k] + frac * (v[k + 1] - v[k])
        } else {
            v[k]
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn benchmark_over_a_seeded_fleet_of_200_devices() {
        let dir = tempfile::tempdir().unwrap();
        let stores = test_stores(dir.path());
        for config in &stores {
            benchmark_over_200_devices_on(&Store::open(config).unwrap());
        }
        assert!(!stores.is_empty());
    }

    fn benchmark_over_200_devices_on(db: &Store) {
        let mut rng = Lcg(0x5eed_f1ee7);
        // 8 teams of 24 devices, plus 8 devices in a team of 3 (too small to publish) or
        // none.
        let team_of = |i: usize| match i {
            0..=191 => Some(format!("team-{}", i / 24)),
            192..=194 => Some(String::from("tiny-team")),
            _ => None,
        };
        // Per device: its team, its area scores and its overall score.
        type Latest = (Option<String>, BTreeMap<AssessmentArea, f64>, f64);
        let mut latest: BTreeMap<String, Latest> = BTreeMap::new();
        let mut batch = Vec::new();
        for i in 0..200 {
            let device = format!("dev-{i:03}");
            db.enrol(&device, &[1; 32], NOW).unwrap();
            // An older assessment that must not count, then the latest.
            for (age, keep) in [(10, false), (1, true)] {
                let mut areas = BTreeMap::new();
                // Team-dependent phishing scores, so team medians differ.
                for area in AssessmentArea::ALL {
                    let base = if area == AssessmentArea::Phishing {
                        (i / 24) as u64 * 8
                    } else {
                        0
                    };
                    areas.insert(area, (base + rng.next(101 - base)) as f64);
                }
                let overall = (areas.values().sum::<f64>() / 7.0).floor();
                let body = json!({
                    "team": team_of(i),
                    "overall_percent": overall,
                    "areas": areas.iter().map(|(a, s)| json!({"area": a.as_str(), "score_percent": s})).collect::<Vec<_>>(),
                });
                batch.push(opened(&device, "assessment", NOW - age * 86_400_000, body));
                if keep {
                    latest.insert(device.clone(), (team_of(i), areas, overall));
                }
            }
        }
        // A report with a mangled body is left out, not an error.
        db.enrol("dev-bad", &[1; 32], NOW).unwrap();
        batch.push(opened(
            "dev-bad",
            "assessment",
            NOW,
            json!({"areas": "many"}),
        ));
        db.store_batch(&batch, NOW).unwrap();

        let rows = assessment_rows(db).unwrap();
        assert_eq!(rows.len(), 401);
        let scores = latest_per_device(&rows);
        assert_eq!(scores.len(), 200);
        let bench = compute(&scores, NOW).unwrap();
        assert_eq!(bench.devices, 200);
        let overall: Vec<f64> = latest.values().map(|(_, _, o)| *o).collect();
        for (i, got) in [bench.overall.q1, bench.overall.median, bench.overall.q3]
            .into_iter()
            .enumerate()
        {
            assert!(
                close(got, independent_quartile(&overall, i + 1)),
                "overall q{}",
                i + 1
            );
        }
        assert_eq!(bench.areas.len(), 7);
        for area in &bench.areas {
            let values: Vec<f64> = latest.values().map(|(_, a, _)| a[&area.area]).collect();
            assert_eq!(area.devices, 200);
            let q = area.devices_quartiles;
            assert!(
                close(q.q1, independent_quartile(&values, 1)),
                "{:?}",
                area.area
            );
            assert!(
                close(q.median, independent_quartile(&values, 2)),
                "{:?}",
                area.area
            );
            assert!(
                close(q.q3, independent_quartile(&values, 3)),
                "{:?}",
                area.area
            );
        }
        // Teams: the eight of 24 are published, the team of three is not.
        assert_eq!(bench.teams.len(), 8);
        assert!(bench.teams.iter().all(|t| t.devices == 24));
        assert!(!bench.teams.iter().any(|t| t.team == "tiny-team"));
        let mut team_medians = Vec::new();
        for t in &bench.teams {
            let values: Vec<f64> = latest
                .values()
                .filter(|(team, _, _)| team.as_deref() == Some(t.team.as_str()))
                .map(|(_, a, _)| a[&AssessmentArea::Phishing])
                .collect();
            let median = t
                .medians
                .iter()
                .find(|m| m.area == AssessmentArea::Phishing)
                .unwrap()
                .median;
            assert!(
                close(median, independent_quartile(&values, 2)),
                "{}",
                t.team
            );
            team_medians.push(median);
        }
        let phishing = bench
            .areas
            .iter()
            .find(|a| a.area == AssessmentArea::Phishing)
            .unwrap();
        assert_eq!(phishing.teams, 8);
        let tq = phishing.team_quartiles.unwrap();
        assert!(close(tq.q1, independent_quartile(&team_medians, 1)));
        assert!(close(tq.q3, independent_quartile(&team_medians, 3)));
        // The device parses what the collector publishes.
        let payload = serde_json::to_vec(&bench).unwrap();
        assert_eq!(Benchmark::parse(&payload).unwrap(), bench);
    }

    #[test]
    fn too_few_devices_means_no_benchmark() {
        let scores: Vec<DeviceScores> = (0..4)
            .map(|i| DeviceScores {
                device_id: format!("d{i}"),
                team: None,
                overall: Some(50.0),
                areas: BTreeMap::new(),
            })
            .collect();
        assert_eq!(compute(&scores, NOW), Err(BenchmarkError::TooFewDevices));
    }

    #[test]
    fn incidents_are_listed_with_status_and_exported_as_csv() {
        let dir = tempfile::tempdir().unwrap();
        for config in test_stores(dir.path()) {
            incidents_on(&Store::open(&config).unwrap());
        }
    }

    fn incidents_on(db: &Store) {
        db.enrol("dev-a", &[1; 32], NOW).unwrap();
        let incident = |kind: &str, urgent: bool, text: &str, at: i64| {
            opened(
                "dev-a",
                "incident",
                at,
                json!({"incident_id": format!("inc-{kind}"), "kind": kind, "urgent": urgent,
                       "occurred_at": rfc3339(at - 60_000), "reported_at": rfc3339(at),
                       "on_behalf_of_colleague": true, "description": text,
                       "staff_pseudonym": "staff-7f3a"}),
            )
        };
        let lost = incident("lost_or_stolen_device", true, "=left, on \"the\" bus", NOW);
        let spam = incident("phishing_received", false, "odd email", NOW + 1);
        db.store_batch(std::slice::from_ref(&lost), NOW).unwrap();
        db.store_batch(std::slice::from_ref(&spam), NOW + 5)
            .unwrap();
        let list = incidents(db).unwrap();
        assert_eq!(list.len(), 2);
        // New and urgent first, although received earlier.
        assert_eq!(list[0].kind, "lost_or_stolen_device");
        assert_eq!(list[0].status, IncidentStatus::New);
        assert!(list[0].on_behalf_of_colleague);
        assert!(set_incident_status(db, &lost.id, IncidentStatus::Triaged, NOW).unwrap());
        assert!(!set_incident_status(db, "no-such-envelope", IncidentStatus::Closed, NOW).unwrap());
        // Only an incident's envelope takes a status.
        let ack = opened(
            "dev-a",
            "advisory_ack",
            NOW,
            json!({"advisory_id": "adv-1"}),
        );
        db.store_batch(std::slice::from_ref(&ack), NOW).unwrap();
        assert!(!set_incident_status(db, &ack.id, IncidentStatus::Closed, NOW).unwrap());
        // A second change updates the one status row.
        assert!(set_incident_status(db, &spam.id, IncidentStatus::Closed, NOW).unwrap());
        assert!(set_incident_status(db, &spam.id, IncidentStatus::New, NOW + 1).unwrap());
        let statuses = db.rows("SELECT COUNT(*) FROM incident_status").unwrap();
        assert_eq!(
            statuses[0][0],
            crate::store::Cell::Int(2),
            "{}",
            db.backend()
        );
        let list = incidents(db).unwrap();
        assert_eq!(list[0].kind, "phishing_received");
        assert_eq!(list[1].status, IncidentStatus::Triaged);
        let csv = incidents_csv(&list);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("envelope_id,incident_id,device_id,kind,urgent"));
        assert!(lines[2].contains(",triaged,true,staff-7f3a,\"'=left, on \"\"the\"\" bus\""));
        assert!(incidents_text(&list).contains("URGENT"));
        assert_eq!(
            IncidentStatus::parse("closed"),
            Some(IncidentStatus::Closed)
        );
        assert_eq!(IncidentStatus::parse("open"), None);
    }
}
