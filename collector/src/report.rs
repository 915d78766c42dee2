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

use crate::store::{Cell, ReportSource};
use crate::CollectorError;

/// Days after a pass or completion before a module's refresher is due (annual, as the
/// DSPT's data security awareness training).
pub const DEFAULT_REFRESHER_DAYS: u32 = 365;
/// The team shown for staff whose statements name none.
pub const NO_TEAM: &str = "(no team)";
/// The Data Security and Protection Toolkit's training line: 95 % of staff.
pub const DSPT_TARGET: f64 = 0.95;

static NULL: Cell = Cell::Null;

fn cell(row: &[Cell], i: usize) -> &Cell {
    row.get(i).unwrap_or(&NULL)
}

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
    /// Per team (xAPI `context.team`) and module, how many staff completed it.
    pub training_by_team: Vec<TeamCompletion>,
    /// Per staff pseudonym and module, the best outcome so far.
    pub training_by_staff: Vec<StaffModule>,
    /// Modules whose last pass or completion is older than the refresher interval.
    pub overdue_refreshers: Vec<OverdueRefresher>,
    /// Per advisory, how many devices acknowledged it.
    pub advisories: Vec<AdvisoryAcks>,
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

/// Training completion for one team and module.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TeamCompletion {
    /// Team name as the statements give it (`(no team)` if none).
    pub team: String,
    /// Module id.
    pub module_id: String,
    /// Staff of the team with any statement for the module.
    pub staff: u64,
    /// Of those, staff who passed or completed it.
    pub completed: u64,
    /// completed / staff.
    pub completion_rate: f64,
}

/// A refresher that is due and not done.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OverdueRefresher {
    /// Staff pseudonym.
    pub pseudonym: String,
    /// Module id.
    pub module_id: String,
    /// Latest pass or completion (device time, RFC 3339).
    pub last_completed_at: String,
    /// When the refresher fell due.
    pub due_at: String,
    /// Whole days since then.
    pub days_overdue: u64,
}

/// Acknowledgements of one advisory.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AdvisoryAcks {
    /// Advisory id (`unknown` for acknowledgements without one).
    pub advisory_id: String,
    /// Devices that acknowledged it.
    pub devices: u64,
    /// Latest acknowledgement (device time).
    pub latest_at: String,
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
    /// Builds the report from a store (SQLite [`Db`] or any [`crate::store::Store`]) as of
    /// now, with the default refresher interval.
    pub fn from_db(db: &impl ReportSource) -> Result<Self, CollectorError> {
        Self::from_source(db, crate::store::now_ms(), DEFAULT_REFRESHER_DAYS)
    }

    /// Builds the report as of `now_ms`: a module passed or completed more than
    /// `refresher_days` before it is an overdue refresher.
    pub fn from_source(
        db: &impl ReportSource,
        now_ms: i64,
        refresher_days: u32,
    ) -> Result<Self, CollectorError> {
        let devices = db
            .rows("SELECT COUNT(*) FROM device")?
            .first()
            .and_then(|r| r.first())
            .map_or(0, Cell::int);
        let devices = count(devices);
        let mut reports_by_kind = BTreeMap::new();
        let mut reports = 0;
        for row in db.rows("SELECT kind, COUNT(*) FROM report GROUP BY kind")? {
            let n = count(cell(&row, 1).int());
            reports += n;
            reports_by_kind.insert(cell(&row, 0).text(), n);
        }
        let latest_posture = "WITH latest AS (
                SELECT device_id, envelope_id, created_at, verdict FROM (
                    SELECT device_id, envelope_id, created_at, verdict,
                        ROW_NUMBER() OVER (PARTITION BY device_id
                            ORDER BY created_at_ms DESC, received_at DESC, envelope_id DESC) AS rn
                    FROM report WHERE kind = 'posture_report') AS ranked WHERE rn = 1) ";

        let mut by_check: BTreeMap<String, CheckCompliance> = BTreeMap::new();
        let mut device_checks: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for row in db.rows(&format!(
            "{latest_posture} SELECT latest.device_id, c.check_id, c.status
             FROM latest JOIN posture_check c ON c.envelope_id = latest.envelope_id
             ORDER BY c.check_id, latest.device_id"
        ))? {
            let (device, check, status) = (
                cell(&row, 0).text(),
                cell(&row, 1).text(),
                cell(&row, 2).text(),
            );
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

        let mut compliance_by_device = Vec::new();
        for row in db.rows(&format!(
            "{latest_posture} SELECT d.device_id, latest.verdict, latest.created_at
             FROM device d LEFT JOIN latest ON latest.device_id = d.device_id
             ORDER BY d.device_id"
        ))? {
            let device_id = cell(&row, 0).text();
            let checks = device_checks.remove(&device_id).unwrap_or_default();
            compliance_by_device.push(DeviceCompliance {
                verdict: cell(&row, 1)
                    .opt_text()
                    .unwrap_or_else(|| String::from("unknown")),
                checked_at: cell(&row, 2).opt_text(),
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

        // (module, pseudonym) -> best outcome so far, with the team of the latest statement.
        let mut staff: BTreeMap<(String, String), StaffModule> = BTreeMap::new();
        let mut completed_at: BTreeMap<(String, String), String> = BTreeMap::new();
        let mut teams: BTreeMap<String, (String, String)> = BTreeMap::new();
        for row in db.rows(
            "SELECT COALESCE(pseudonym, 'unknown'), COALESCE(module_id, 'unknown'),
                    COALESCE(verb, 'other'), MAX(created_at), MAX(team)
             FROM report WHERE kind = 'training_statement'
             GROUP BY COALESCE(pseudonym, 'unknown'), COALESCE(module_id, 'unknown'),
                      COALESCE(verb, 'other')",
        )? {
            let (pseudonym, module_id, verb, at) = (
                cell(&row, 0).text(),
                cell(&row, 1).text(),
                cell(&row, 2).text(),
                cell(&row, 3).text(),
            );
            if let Some(team) = cell(&row, 4).opt_text() {
                let seen = teams
                    .entry(pseudonym.clone())
                    .or_insert_with(|| (at.clone(), team.clone()));
                if at > seen.0 {
                    *seen = (at.clone(), team);
                }
            }
            let verb = if rank(&verb) == 0 {
                String::from("other")
            } else {
                verb
            };
            if verb == "passed" || verb == "completed" {
                let key = (module_id.clone(), pseudonym.clone());
                let latest = completed_at.entry(key).or_insert_with(|| at.clone());
                if at > *latest {
                    latest.clone_from(&at);
                }
            }
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
        let mut modules: BTreeMap<String, ModuleCompletion> = BTreeMap::new();
        let mut by_team: BTreeMap<(String, String), TeamCompletion> = BTreeMap::new();
        for s in staff.values() {
            let done = matches!(s.status.as_str(), "passed" | "completed");
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
            let team = teams
                .get(&s.pseudonym)
                .map_or_else(|| String::from(NO_TEAM), |(_, t)| t.clone());
            let t = by_team
                .entry((team.clone(), s.module_id.clone()))
                .or_insert_with(|| TeamCompletion {
                    team,
                    module_id: s.module_id.clone(),
                    staff: 0,
                    completed: 0,
                    completion_rate: 0.0,
                });
            t.staff += 1;
            if done {
                t.completed += 1;
            }
        }
        for m in modules.values_mut() {
            if m.staff > 0 {
                m.completion_rate = (m.passed + m.completed) as f64 / m.staff as f64;
            }
        }
        for t in by_team.values_mut() {
            if t.staff > 0 {
                t.completion_rate = t.completed as f64 / t.staff as f64;
            }
        }
        let mut training_by_staff: Vec<StaffModule> = staff.into_values().collect();
        training_by_staff.sort_by(|a, b| {
            (a.pseudonym.as_str(), a.module_id.as_str())
                .cmp(&(b.pseudonym.as_str(), b.module_id.as_str()))
        });

        let window_ms = i64::from(refresher_days) * 86_400_000;
        let mut overdue_refreshers = Vec::new();
        for ((module_id, pseudonym), at) in completed_at {
            let Some(at_ms) = frontline_core::clock::parse_rfc3339(&at) else {
                continue;
            };
            let due_ms = at_ms.saturating_add(window_ms);
            if due_ms < now_ms {
                overdue_refreshers.push(OverdueRefresher {
                    pseudonym,
                    module_id,
                    last_completed_at: at,
                    due_at: frontline_core::clock::rfc3339(due_ms),
                    days_overdue: u64::try_from((now_ms - due_ms) / 86_400_000).unwrap_or(0),
                });
            }
        }
        overdue_refreshers.sort_by(|a, b| {
            (a.pseudonym.as_str(), a.module_id.as_str())
                .cmp(&(b.pseudonym.as_str(), b.module_id.as_str()))
        });

        let mut advisories = Vec::new();
        for row in db.rows(
            "SELECT COALESCE(advisory_id, 'unknown'), COUNT(DISTINCT device_id), MAX(created_at)
             FROM report WHERE kind = 'advisory_ack'
             GROUP BY COALESCE(advisory_id, 'unknown') ORDER BY 1",
        )? {
            advisories.push(AdvisoryAcks {
                advisory_id: cell(&row, 0).text(),
                devices: count(cell(&row, 1).int()),
                latest_at: cell(&row, 2).text(),
            });
        }

        let mut latest_by_device = Vec::new();
        for row in db.rows(
            "WITH latest AS (
                SELECT device_id, kind, created_at, received_at, n FROM (
                    SELECT device_id, kind, created_at, received_at,
                        COUNT(*) OVER (PARTITION BY device_id) AS n,
                        ROW_NUMBER() OVER (PARTITION BY device_id
                            ORDER BY created_at_ms DESC, received_at DESC, envelope_id DESC)
                            AS rn
                    FROM report) AS ranked WHERE rn = 1)
             SELECT d.device_id, d.enrolled_at, COALESCE(latest.n, 0), latest.kind,
                    latest.created_at, latest.received_at
             FROM device d LEFT JOIN latest ON latest.device_id = d.device_id
             ORDER BY d.device_id",
        )? {
            latest_by_device.push(DeviceLatest {
                device_id: cell(&row, 0).text(),
                enrolled_at: frontline_core::clock::rfc3339(cell(&row, 1).int()),
                reports: count(cell(&row, 2).int()),
                last_kind: cell(&row, 3).opt_text(),
                last_created_at: cell(&row, 4).opt_text(),
                last_received_at: cell(&row, 5).opt_int().map(frontline_core::clock::rfc3339),
            });
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
            training_by_team: by_team.into_values().collect(),
            training_by_staff,
            overdue_refreshers,
            advisories,
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
            "training_by_team",
            &["team", "module_id", "staff", "completed", "completion_rate"],
            self.training_by_team
                .iter()
                .map(|t| {
                    vec![
                        t.team.clone(),
                        t.module_id.clone(),
                        t.staff.to_string(),
                        t.completed.to_string(),
                        format!("{:.3}", t.completion_rate),
                    ]
                })
                .collect(),
        );
        table(
            "overdue_refreshers",
            &[
                "pseudonym",
                "module_id",
                "last_completed_at",
                "due_at",
                "days_overdue",
            ],
            self.overdue_refreshers
                .iter()
                .map(|o| {
                    vec![
                        o.pseudonym.clone(),
                        o.module_id.clone(),
                        o.last_completed_at.clone(),
                        o.due_at.clone(),
                        o.days_overdue.to_string(),
                    ]
                })
                .collect(),
        );
        table(
            "advisories_acknowledged",
            &["advisory_id", "devices", "latest_at"],
            self.advisories
                .iter()
                .map(|a| {
                    vec![
                        a.advisory_id.clone(),
                        a.devices.to_string(),
                        a.latest_at.clone(),
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
        out.push_str("\nTraining completion by team\n");
        for t in &self.training_by_team {
            out.push_str(&format!(
                "  {:<20} {:<28} staff {:>4}  completed {:>4}  ({:.0}%)\n",
                t.team,
                t.module_id,
                t.staff,
                t.completed,
                t.completion_rate * 100.0
            ));
        }
        out.push_str("\nOverdue refreshers\n");
        if self.overdue_refreshers.is_empty() {
            out.push_str("  (none)\n");
        }
        for o in &self.overdue_refreshers {
            out.push_str(&format!(
                "  {:<20} {:<28} due {} ({} days overdue)\n",
                o.pseudonym, o.module_id, o.due_at, o.days_overdue
            ));
        }
        out.push_str("\nAdvisories acknowledged\n");
        if self.advisories.is_empty() {
            out.push_str("  (none)\n");
        }
        for a in &self.advisories {
            out.push_str(&format!(
                "  {:<36} {:>6} devices  latest {}\n",
                a.advisory_id, a.devices, a.latest_at
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
    use crate::db::Db;
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
        for config in crate::testing::test_stores(dir.path()) {
            let store = crate::store::Store::open(&config).unwrap();
            report_answers_on(&store);
        }
    }

    #[test]
    fn report_reads_a_sqlite_file_through_db() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("c.db")).unwrap();
        db.enrol("dev-a", &[1; 32], 1).unwrap();
        let r = CollectorReport::from_db(&db).unwrap();
        assert_eq!((r.totals.devices, r.totals.reports), (1, 0));
    }

    fn report_answers_on(db: &crate::store::Store) {
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
            report(
                "dev-c",
                "training_statement",
                "2025-06-01T00:00:00.000Z",
                teamed(statement("staff-3", "passed", "phishing"), "ward-7"),
            ),
            report(
                "dev-c",
                "training_statement",
                "2025-06-01T00:00:00.000Z",
                teamed(statement("staff-3", "completed", "passwords"), "ward-7"),
            ),
            report(
                "dev-a",
                "advisory_ack",
                "2026-11-06T00:00:00.000Z",
                json!({"advisory_id": "adv-1"}),
            ),
            report(
                "dev-b",
                "advisory_ack",
                "2026-11-07T00:00:00.000Z",
                json!({"advisory_id": "adv-1"}),
            ),
        ];
        db.store_batch(&batch, 1_795_885_384_123).unwrap();
        // As of 2026-12-01, with annual refreshers.
        let now = frontline_core::clock::parse_rfc3339("2026-12-01T00:00:00.000Z").unwrap();
        let r = CollectorReport::from_source(db, now, 365).unwrap();
        assert_eq!(r.totals.devices, 3);
        assert_eq!(r.totals.reports, 11);
        assert_eq!(
            r.advisories,
            vec![AdvisoryAcks {
                advisory_id: String::from("adv-1"),
                devices: 2,
                latest_at: String::from("2026-11-07T00:00:00.000Z"),
            }]
        );
        let overdue: Vec<(&str, &str, u64)> = r
            .overdue_refreshers
            .iter()
            .map(|o| (o.pseudonym.as_str(), o.module_id.as_str(), o.days_overdue))
            .collect();
        assert_eq!(
            overdue,
            [("staff-3", "passwords", 183), ("staff-3", "phishing", 183)],
            "passed 2025-06-01, due 2026-06-01, 183 days before 2026-12-01"
        );
        let ward: Vec<(&str, &str, u64, u64)> = r
            .training_by_team
            .iter()
            .map(|t| (t.team.as_str(), t.module_id.as_str(), t.staff, t.completed))
            .collect();
        assert!(ward.contains(&("ward-7", "phishing", 1, 1)));
        assert!(ward.contains(&(NO_TEAM, "phishing", 2, 1)));
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
            (3, 2, 1)
        );
        assert!((phishing.completion_rate - 2.0 / 3.0).abs() < 1e-9);
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
        assert_eq!(latest_b.reports, 4);
        assert_eq!(latest_b.last_kind.as_deref(), Some("advisory_ack"));
        assert_eq!(r.latest_by_device[2].reports, 2);

        let csv = r.to_csv();
        assert!(
            csv.contains("# compliance_by_check\ncheck_id,pass,fail,warn,unknown,not_applicable\n")
        );
        assert!(csv.contains("screen_lock,1,1,0,0,0\n"));
        assert!(csv.contains("# advisories_acknowledged\nadvisory_id,devices,latest_at\nadv-1,2,"));
        let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(json["totals"]["reports"], 11);
        assert!(r.to_text().contains("phishing"));
    }

    fn teamed(mut statement: serde_json::Value, team: &str) -> serde_json::Value {
        statement["context"] = json!({"team": {"objectType": "Group", "name": team}});
        statement
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(csv_field("-1"), "-1");
    }
}
