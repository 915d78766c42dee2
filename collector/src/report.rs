//! What the collector knows, for the IT and information governance team.
//!
//! [`CollectorReport::from_db`] answers four questions from the stored reports:
//! compliance by check and by device (each device's latest posture report), training
//! completion by module and by staff pseudonym (xAPI statements), and the latest report per
//! device. A device that never sent a posture report, a check with an unrecognised status or
//! a statement without a module counts as `unknown`: unknown is never pass.
//!
//! The same structs print as text, JSON or CSV (`frontline collector report`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::db::Db;
use crate::CollectorError;

/// Posture check statuses the report counts by name; anything else counts as unknown.
const STATUSES: [&str; 5] = ["pass", "fail", "warn", "unknown", "not_applicable"];

/// Everything the report shows.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CollectorReport {
    /// Totals.
    pub totals: Totals,
    /// Per check, over each device's latest posture report.
    pub compliance_by_check: Vec<CheckCompliance>,
    /// Per enrolled device, its latest posture verdict.
    pub compliance_by_device: Vec<DeviceCompliance>,
    /// Per training module, how many staff reached each outcome.
    pub training_by_module: Vec<ModuleCompletion>,
    /// Per staff pseudonym and module, the best outcome so far.
    pub training_by_staff: Vec<StaffModule>,
    /// Per enrolled device, its latest report of any kind.
    pub latest_by_device: Vec<DeviceLatest>,
}

/// Counts.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Totals {
    /// Enrolled devices.
    pub devices: u64,
    /// Stored reports.
    pub reports: u64,
    /// Stored reports by kind.
    pub reports_by_kind: BTreeMap<String, u64>,
}

/// How devices stand on one posture check.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CheckCompliance {
    /// The check id.
    pub check_id: String,
    /// Devices passing.
    pub pass: u64,
    /// Devices failing.
    pub fail: u64,
    /// Devices with a warning.
    pub warn: u64,
    /// Devices whose status is unknown (or not recognised).
    pub unknown: u64,
    /// Devices where the check does not apply.
    pub not_applicable: u64,
}

/// One device's latest posture verdict.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeviceCompliance {
    /// Device id.
    pub device_id: String,
    /// Overall verdict of the latest posture report (`unknown` if none).
    pub verdict: String,
    /// When that report was made (device time, RFC 3339), if any.
    pub checked_at: Option<String>,
    /// Checks failing in it.
    pub failing: Vec<String>,
    /// Checks with a warning.
    pub warnings: u64,
    /// Checks unknown.
    pub unknown: u64,
}

/// Training completion for one module.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModuleCompletion {
    /// Module id (`unknown` for statements without one).
    pub module_id: String,
    /// Staff with any statement for it.
    pub staff: u64,
    /// Staff who passed it.
    pub passed: u64,
    /// Staff who completed it without a recorded pass.
    pub completed: u64,
    /// Staff whose best outcome is a fail.
    pub failed: u64,
    /// Staff who only started it.
    pub in_progress: u64,
    /// (passed + completed) / staff.
    pub completion_rate: f64,
}

/// One staff member's best outcome in one module.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StaffModule {
    /// Staff pseudonym (`unknown` for statements without one).
    pub pseudonym: String,
    /// Module id.
    pub module_id: String,
    /// Best outcome: passed, completed, failed, attempted, experienced or other.
    pub status: String,
    /// Latest statement time (device time, RFC 3339).
    pub last_at: String,
}

/// One device's latest report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeviceLatest {
    /// Device id.
    pub device_id: String,
    /// Enrolment time (RFC 3339).
    pub enrolled_at: String,
    /// Reports stored from it.
    pub reports: u64,
    /// Kind of its latest report, if any.
    pub last_kind: Option<String>,
    /// Creation time of its latest report (device time).
    pub last_created_at: Option<String>,
    /// When the collector received it (RFC 3339).
    pub last_received_at: Option<String>,
}

fn rank(verb: &str) -> u8 {
    match verb {
        "passed" => 5,
        "completed" => 4,
        "failed" => 3,
        "attempted" => 2,
        "experienced" => 1,
        _ => 0,
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl CollectorReport {
    /// Builds the report from the database.
    pub fn from_db(db: &Db) -> Result<Self, CollectorError> {
        let conn = db.conn();
        let devices = count(conn.query_row("SELECT COUNT(*) FROM device", [], |r| r.get(0))?);
        let mut reports_by_kind = BTreeMap::new();
        let mut reports = 0;
        {
            let mut st = conn.prepare("SELECT kind, COUNT(*) FROM report GROUP BY kind")?;
            let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (kind, n) = row?;
                reports += count(n);
                reports_by_kind.insert(kind, count(n));
            }
        }
        let latest_posture = "WITH latest AS (
                SELECT device_id, envelope_id, created_at, verdict FROM (
                    SELECT device_id, envelope_id, created_at, verdict,
                        ROW_NUMBER() OVER (PARTITION BY device_id
                            ORDER BY created_at_ms DESC, received_at DESC, envelope_id DESC) AS rn
                    FROM report WHERE kind = 'posture_report') WHERE rn = 1) ";

        let mut by_check: BTreeMap<String, CheckCompliance> = BTreeMap::new();
        let mut device_checks: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        {
            let mut st = conn.prepare(&format!(
                "{latest_posture} SELECT latest.device_id, c.check_id, c.status
                 FROM latest JOIN posture_check c ON c.envelope_id = latest.envelope_id
                 ORDER BY c.check_id"
            ))?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            for row in rows {
                let (device, check, status) = row?;
                let status = if STATUSES.contains(&status.as_str()) {
                    status
                } else {
                    String::from("unknown")
                };
                let entry = by_check
                    .entry(check.clone())
                    .or_insert_with(|| CheckCompliance {
                        check_id: check.clone(),
                        pass: 0,
                        fail: 0,
                        warn: 0,
                        unknown: 0,
                        not_applicable: 0,
                    });
                match status.as_str() {
                    "pass" => entry.pass += 1,
                    "fail" => entry.fail += 1,
                    "warn" => entry.warn += 1,
                    "not_applicable" => entry.not_applicable += 1,
                    _ => entry.unknown += 1,
                }
                device_checks
                    .entry(device)
                    .or_default()
                    .push((check, status));
            }
        }

        let mut compliance_by_device = Vec::new();
        {
            let mut st = conn.prepare(&format!(
                "{latest_posture} SELECT d.device_id, latest.verdict, latest.created_at
                 FROM device d LEFT JOIN latest ON latest.device_id = d.device_id
                 ORDER BY d.device_id"
            ))?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })?;
            for row in rows {
                let (device_id, verdict, checked_at) = row?;
                let checks = device_checks.remove(&device_id).unwrap_or_default();
                compliance_by_device.push(DeviceCompliance {
                    verdict: verdict.unwrap_or_else(|| String::from("unknown")),
                    checked_at,
                    failing: checks
                        .iter()
                        .filter(|(_, s)| s == "fail")
                        .map(|(c, _)| c.clone())
                        .collect(),
                    warnings: checks.iter().filter(|(_, s)| s == "warn").count() as u64,
                    unknown: checks.iter().filter(|(_, s)| s == "unknown").count() as u64,
                    device_id,
                });
            }
        }

        let mut staff: BTreeMap<(String, String), StaffModule> = BTreeMap::new();
        {
            let mut st = conn.prepare(
                "SELECT COALESCE(pseudonym, 'unknown'), COALESCE(module_id, 'unknown'),
                        COALESCE(verb, 'other'), MAX(created_at)
                 FROM report WHERE kind = 'training_statement'
                 GROUP BY 1, 2, 3",
            )?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            for row in rows {
                let (pseudonym, module_id, verb, at) = row?;
                let verb = if rank(&verb) == 0 {
                    String::from("other")
                } else {
                    verb
                };
                let entry = staff
                    .entry((module_id.clone(), pseudonym.clone()))
                    .or_insert_with(|| StaffModule {
                        pseudonym,
                        module_id,
                        status: verb.clone(),
                        last_at: at.clone(),
                    });
                if rank(&verb) > rank(&entry.status) {
                    entry.status = verb;
                }
                if at > entry.last_at {
                    entry.last_at = at;
                }
            }
        }
        let mut modules: BTreeMap<String, ModuleCompletion> = BTreeMap::new();
        for s in staff.values() {
            let m = modules
                .entry(s.module_id.clone())
                .or_insert_with(|| ModuleCompletion {
                    module_id: s.module_id.clone(),
                    staff: 0,
                    passed: 0,
                    completed: 0,
                    failed: 0,
                    in_progress: 0,
                    completion_rate: 0.0,
                });
            m.staff += 1;
            match s.status.as_str() {
                "passed" => m.passed += 1,
                "completed" => m.completed += 1,
                "failed" => m.failed += 1,
                _ => m.in_progress += 1,
            }
        }
        for m in modules.values_mut() {
            if m.staff > 0 {
                m.completion_rate = (m.passed + m.completed) as f64 / m.staff as f64;
            }
        }
        let mut training_by_staff: Vec<StaffModule> = staff.into_values().collect();
        training_by_staff.sort_by(|a, b| {
            (a.pseudonym.as_str(), a.module_id.as_str())
                .cmp(&(b.pseudonym.as_str(), b.module_id.as_str()))
        });

        let mut latest_by_device = Vec::new();
        {
            let mut st = conn.prepare(
                "WITH latest AS (
                    SELECT device_id, kind, created_at, received_at, n FROM (
                        SELECT device_id, kind, created_at, received_at,
                            COUNT(*) OVER (PARTITION BY device_id) AS n,
                            ROW_NUMBER() OVER (PARTITION BY device_id
                                ORDER BY created_at_ms DESC, received_at DESC, envelope_id DESC)
                                AS rn
                        FROM report) WHERE rn = 1)
                 SELECT d.device_id, d.enrolled_at, COALESCE(latest.n, 0), latest.kind,
                        latest.created_at, latest.received_at
                 FROM device d LEFT JOIN latest ON latest.device_id = d.device_id
                 ORDER BY d.device_id",
            )?;
            let rows = st.query_map([], |r| {
                Ok(DeviceLatest {
                    device_id: r.get(0)?,
                    enrolled_at: frontline_core::clock::rfc3339(r.get(1)?),
                    reports: count(r.get(2)?),
                    last_kind: r.get(3)?,
                    last_created_at: r.get(4)?,
                    last_received_at: r
                        .get::<_, Option<i64>>(5)?
                        .map(frontline_core::clock::rfc3339),
                })
            })?;
            for row in rows {
                latest_by_device.push(row?);
            }
        }

        Ok(Self {
            totals: Totals {
                devices,
                reports,
                reports_by_kind,
            },
            compliance_by_check: by_check.into_values().collect(),
            compliance_by_device,
            training_by_module: modules.into_values().collect(),
            training_by_staff,
            latest_by_device,
        })
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The report as CSV: one table per section, each introduced by a `# section` line and
    /// separated by a blank line.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let mut table = |name: &str, header: &[&str], rows: Vec<Vec<String>>| {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("# {name}\n"));
            out.push_str(&csv_row(header.iter().map(|s| (*s).to_owned())));
            for row in rows {
                out.push_str(&csv_row(row.into_iter()));
            }
        };
        table(
            "compliance_by_check",
            &[
                "check_id",
                "pass",
                "fail",
                "warn",
                "unknown",
                "not_applicable",
            ],
            self.compliance_by_check
                .iter()
                .map(|c| {
                    vec![
                        c.check_id.clone(),
                        c.pass.to_string(),
                        c.fail.to_string(),
                        c.warn.to_string(),
                        c.unknown.to_string(),
                        c.not_applicable.to_string(),
                    ]
                })
                .collect(),
        );
        table(
            "compliance_by_device",
            &[
                "device_id",
                "verdict",
                "checked_at",
                "failing",
                "warnings",
                "unknown",
            ],
            self.compliance_by_device
                .iter()
                .map(|d| {
                    vec![
                        d.device_id.clone(),
                        d.verdict.clone(),
                        d.checked_at.clone().unwrap_or_default(),
                        d.failing.join(";"),
                        d.warnings.to_string(),
                        d.unknown.to_string(),
                    ]
                })
                .collect(),
        );
        table(
            "training_by_module",
            &[
                "module_id",
                "staff",
                "passed",
                "completed",
                "failed",
                "in_progress",
                "completion_rate",
            ],
            self.training_by_module
                .iter()
                .map(|m| {
                    vec![
                        m.module_id.clone(),
                        m.staff.to_string(),
                        m.passed.to_string(),
                        m.completed.to_string(),
                        m.failed.to_string(),
                        m.in_progress.to_string(),
                        format!("{:.3}", m.completion_rate),
                    ]
                })
                .collect(),
        );
        table(
            "training_by_staff",
            &["pseudonym", "module_id", "status", "last_at"],
            self.training_by_staff
                .iter()
                .map(|s| {
                    vec![
                        s.pseudonym.clone(),
                        s.module_id.clone(),
                        s.status.clone(),
                        s.last_at.clone(),
                    ]
                })
                .collect(),
        );
        table(
            "latest_by_device",
            &[
                "device_id",
                "enrolled_at",
                "reports",
                "last_kind",
                "last_created_at",
                "last_received_at",
            ],
            self.latest_by_device
                .iter()
                .map(|d| {
                    vec![
                        d.device_id.clone(),
                        d.enrolled_at.clone(),
                        d.reports.to_string(),
                        d.last_kind.clone().unwrap_or_default(),
                        d.last_created_at.clone().unwrap_or_default(),
                        d.last_received_at.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        );
        out
    }

    /// The report as text for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let t = &self.totals;
        let kinds: Vec<String> = t
            .reports_by_kind
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        out.push_str(&format!(
            "Devices enrolled: {}   Reports stored: {} ({})\n",
            t.devices,
            t.reports,
            if kinds.is_empty() {
                String::from("none")
            } else {
                kinds.join(", ")
            }
        ));
        out.push_str("\nCompliance by check (latest posture report per device)\n");
        if self.compliance_by_check.is_empty() {
            out.push_str("  (no posture reports)\n");
        }
        for c in &self.compliance_by_check {
            out.push_str(&format!(
                "  {:<28} pass {:>4}  fail {:>4}  warn {:>4}  unknown {:>4}  n/a {:>4}\n",
                c.check_id, c.pass, c.fail, c.warn, c.unknown, c.not_applicable
            ));
        }
        out.push_str("\nCompliance by device\n");
        for d in &self.compliance_by_device {
            out.push_str(&format!(
                "  {:<38} {:<16} {}{}\n",
                d.device_id,
                d.verdict,
                d.checked_at.as_deref().unwrap_or("never checked"),
                if d.failing.is_empty() {
                    String::new()
                } else {
                    format!("  failing: {}", d.failing.join(", "))
                }
            ));
        }
        out.push_str("\nTraining completion by module\n");
        if self.training_by_module.is_empty() {
            out.push_str("  (no training statements)\n");
        }
        for m in &self.training_by_module {
            out.push_str(&format!(
                "  {:<28} staff {:>4}  passed {:>4}  completed {:>4}  failed {:>4}  in progress {:>4}  ({:.0}% complete)\n",
                m.module_id, m.staff, m.passed, m.completed, m.failed, m.in_progress,
                m.completion_rate * 100.0
            ));
        }
        out.push_str("\nTraining by staff pseudonym\n");
        for s in &self.training_by_staff {
            out.push_str(&format!(
                "  {:<20} {:<28} {:<12} {}\n",
                s.pseudonym, s.module_id, s.status, s.last_at
            ));
        }
        out.push_str("\nLatest report per device\n");
        for d in &self.latest_by_device {
            out.push_str(&format!(
                "  {:<38} {:>6} reports  latest {} at {} (received {})\n",
                d.device_id,
                d.reports,
                d.last_kind.as_deref().unwrap_or("none"),
                d.last_created_at.as_deref().unwrap_or("-"),
                d.last_received_at.as_deref().unwrap_or("-"),
            ));
        }
        out
    }
}

fn csv_field(text: &str) -> String {
    // Quote when needed; neutralise spreadsheet formulas in text cells.
    let text = if text.starts_with(['=', '+', '-', '@']) && text.parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

pub(crate) fn csv_row(fields: impl Iterator<Item = String>) -> String {
    let row: Vec<String> = fields.map(|f| csv_field(&f)).collect();
    let mut line = row.join(",");
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::OpenedReport;
    use serde_json::json;

    fn report(device: &str, kind: &str, at: &str, body: serde_json::Value) -> OpenedReport {
        let report = json!({"kind": kind, "device_id": device, "created_at": at, "body": body});
        OpenedReport {
            id: uuid::Uuid::new_v4().to_string(),
            kind: kind.to_owned(),
            created_at: at.to_owned(),
            device_id: device.to_owned(),
            report_json: report.to_string(),
            report,
        }
    }

    fn statement(who: &str, verb: &str, module: &str) -> serde_json::Value {
        json!({"actor": {"account": {"name": who}},
               "verb": {"id": format!("http://adlnet.gov/expapi/verbs/{verb}")},
               "object": {"id": format!("https://t.example/xapi/modules/{module}")}})
    }

    #[test]
    fn report_answers_compliance_training_and_latest() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("c.db")).unwrap();
        for d in ["dev-a", "dev-b", "dev-c"] {
            db.enrol(d, &[1; 32], 1_795_885_384_123).unwrap();
        }
        let batch = vec![
            report(
                "dev-a",
                "posture_report",
                "2026-11-01T00:00:00.000Z",
                json!({"overall": "non_compliant", "checks": [
                    {"check_id": "screen_lock", "status": "fail"}]}),
            ),
            report(
                "dev-a",
                "posture_report",
                "2026-11-02T00:00:00.000Z",
                json!({"overall": "compliant", "checks": [
                    {"check_id": "screen_lock", "status": "pass"},
                    {"check_id": "os_version", "status": "weird"}]}),
            ),
            report(
                "dev-b",
                "posture_report",
                "2026-11-02T00:00:00.000Z",
                json!({"overall": "non_compliant", "checks": [
                    {"check_id": "screen_lock", "status": "fail"},
                    {"check_id": "os_version", "status": "warn"}]}),
            ),
            report(
                "dev-a",
                "training_statement",
                "2026-11-03T00:00:00.000Z",
                statement("staff-1", "failed", "phishing"),
            ),
            report(
                "dev-a",
                "training_statement",
                "2026-11-04T00:00:00.000Z",
                statement("staff-1", "passed", "phishing"),
            ),
            report(
                "dev-b",
                "training_statement",
                "2026-11-04T00:00:00.000Z",
                statement("staff-2", "attempted", "phishing"),
            ),
            report(
                "dev-b",
                "training_statement",
                "2026-11-05T00:00:00.000Z",
                json!({"verb": 3}),
            ),
        ];
        db.store_batch(&batch, 1_795_885_384_123).unwrap();
        let r = CollectorReport::from_db(&db).unwrap();
        assert_eq!(r.totals.devices, 3);
        assert_eq!(r.totals.reports, 7);
        let lock = r
            .compliance_by_check
            .iter()
            .find(|c| c.check_id == "screen_lock")
            .unwrap();
        assert_eq!(
            (lock.pass, lock.fail),
            (1, 1),
            "only the latest report per device counts"
        );
        let os = r
            .compliance_by_check
            .iter()
            .find(|c| c.check_id == "os_version")
            .unwrap();
        assert_eq!(
            (os.warn, os.unknown),
            (1, 1),
            "an unrecognised status is unknown"
        );
        let a = &r.compliance_by_device[0];
        assert_eq!(
            (a.device_id.as_str(), a.verdict.as_str()),
            ("dev-a", "compliant")
        );
        let b = &r.compliance_by_device[1];
        assert_eq!(b.failing, vec![String::from("screen_lock")]);
        let c = &r.compliance_by_device[2];
        assert_eq!(
            (c.verdict.as_str(), c.checked_at.as_deref()),
            ("unknown", None)
        );
        let phishing = r
            .training_by_module
            .iter()
            .find(|m| m.module_id == "phishing")
            .unwrap();
        assert_eq!(
            (phishing.staff, phishing.passed, phishing.in_progress),
            (2, 1, 1)
        );
        assert!((phishing.completion_rate - 0.5).abs() < 1e-9);
        assert!(r
            .training_by_module
            .iter()
            .any(|m| m.module_id == "unknown"));
        let s1 = r
            .training_by_staff
            .iter()
            .find(|s| s.pseudonym == "staff-1")
            .unwrap();
        assert_eq!(
            (s1.status.as_str(), s1.last_at.as_str()),
            ("passed", "2026-11-04T00:00:00.000Z")
        );
        let latest_b = &r.latest_by_device[1];
        assert_eq!(latest_b.reports, 3);
        assert_eq!(latest_b.last_kind.as_deref(), Some("training_statement"));
        assert_eq!(r.latest_by_device[2].reports, 0);

        let csv = r.to_csv();
        assert!(
            csv.contains("# compliance_by_check\ncheck_id,pass,fail,warn,unknown,not_applicable\n")
        );
        assert!(csv.contains("screen_lock,1,1,0,0,0\n"));
        let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(json["totals"]["reports"], 7);
        assert!(r.to_text().contains("phishing"));
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(csv_field("-1"), "-1");
    }
}
