//! The collector's SQLite store (the embedded default): enrolled devices and the reports
//! they delivered. The PostgreSQL store (`crate::pg`) holds the same schema (`crate::schema`).
//!
//! Exactly-once in effect rests here: `report.envelope_id` is the primary key, a batch is
//! stored in one transaction and committed (with `synchronous=FULL`) before the reply says
//! `accepted`, and an id already present answers `duplicate` without a second row.
//!
//! Each report is kept as the JSON text the device signed, plus a few indexed fields read
//! from it defensively (a missing or odd field becomes `unknown`, never an error): the
//! posture verdict and per-check statuses, and for xAPI statements the verb, module and
//! staff pseudonym. The database holds report contents in clear: keep it on an encrypted
//! volume readable only by the collector's account.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use crate::envelope::OpenedReport;
use crate::schema;
use crate::store::{Cell, Param};
use crate::CollectorError;

/// Result of an enrolment request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enrolment {
    /// Newly enrolled.
    Enrolled,
    /// Already enrolled with the same key (enrolment is idempotent).
    AlreadyEnrolled,
    /// The device id is enrolled with another key.
    Conflict,
}

/// Whether each report of a batch was stored or already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Stored now.
    Accepted,
    /// Its envelope id was already stored.
    Duplicate,
}

/// The open collector database.
pub struct Db {
    conn: Connection,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Db(..)")
    }
}

impl Db {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, CollectorError> {
        let conn = Connection::open(path)?;
        Self::init(conn)
    }

    /// Opens the database read-only-in-spirit for reporting (no schema changes if present).
    pub fn open_existing(path: &Path) -> Result<Self, CollectorError> {
        if !path.is_file() {
            return Err(CollectorError::NoDatabase);
        }
        Self::open(path)
    }

    fn init(conn: Connection) -> Result<Self, CollectorError> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let mut db = Self { conn };
        db.migrate()?;
        Ok(db)
    }

    /// Applies the migrations this database lacks, each in its own transaction.
    fn migrate(&mut self) -> Result<(), CollectorError> {
        self.conn.execute_batch(schema::MIGRATIONS_TABLE)?;
        for m in schema::MIGRATIONS {
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let applied: Option<i64> = tx
                .query_row(
                    "SELECT version FROM schema_migrations WHERE version = ?1",
                    [m.version],
                    |r| r.get(0),
                )
                .optional()?;
            if applied.is_none() {
                tx.execute_batch(&m.sql(schema::Dialect::Sqlite))?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                    params![m.version, m.name, crate::store::now_ms()],
                )?;
            }
            tx.commit()?;
        }
        Ok(())
    }

    /// The schema version this database is at.
    pub fn schema_version(&self) -> Result<i64, CollectorError> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )?)
    }

    /// Runs a reporting query (no parameters) and returns its rows.
    pub fn rows(&self, sql: &str) -> Result<Vec<Vec<Cell>>, CollectorError> {
        let mut st = self.conn.prepare(sql)?;
        let n = st.column_count();
        let mut out = Vec::new();
        let mut rows = st.query([])?;
        while let Some(row) = rows.next()? {
            let mut cells = Vec::with_capacity(n);
            for i in 0..n {
                cells.push(match row.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => Cell::Null,
                    rusqlite::types::ValueRef::Integer(v) => Cell::Int(v),
                    rusqlite::types::ValueRef::Real(v) => Cell::Real(v),
                    rusqlite::types::ValueRef::Text(t) => {
                        Cell::Text(String::from_utf8_lossy(t).into_owned())
                    }
                    rusqlite::types::ValueRef::Blob(_) => Cell::Null,
                });
            }
            out.push(cells);
        }
        Ok(out)
    }

    /// Runs one statement with `params` bound in order; the rows it changed.
    pub fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<u64, CollectorError> {
        let values: Vec<rusqlite::types::Value> = params
            .iter()
            .map(|p| match p {
                Param::Text(t) => rusqlite::types::Value::Text((*t).to_owned()),
                Param::Int(v) => rusqlite::types::Value::Integer(*v),
            })
            .collect();
        let n = self
            .conn
            .execute(sql, rusqlite::params_from_iter(values.iter()))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The connection, for reporting queries.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Enrols `device_id` with `public_key` at `now_ms`.
    pub fn enrol(
        &mut self,
        device_id: &str,
        public_key: &[u8],
        now_ms: i64,
    ) -> Result<Enrolment, CollectorError> {
        let tx = self.conn.transaction()?;
        let existing: Option<Vec<u8>> = tx
            .query_row(
                "SELECT public_key FROM device WHERE device_id = ?1",
                [device_id],
                |r| r.get(0),
            )
            .optional()?;
        let outcome = match existing {
            Some(key) if key == public_key => Enrolment::AlreadyEnrolled,
            Some(_) => Enrolment::Conflict,
            None => {
                tx.execute(
                    "INSERT INTO device (device_id, public_key, enrolled_at) VALUES (?1, ?2, ?3)",
                    params![device_id, public_key, now_ms],
                )?;
                Enrolment::Enrolled
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// The enrolled public key of `device_id`.
    pub fn device_key(&self, device_id: &str) -> Result<Option<Vec<u8>>, CollectorError> {
        Ok(self
            .conn
            .query_row(
                "SELECT public_key FROM device WHERE device_id = ?1",
                [device_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Stores a batch of opened reports in one transaction; one answer per report, in order.
    pub fn store_batch(
        &mut self,
        reports: &[OpenedReport],
        received_at: i64,
    ) -> Result<Vec<Stored>, CollectorError> {
        let tx = self.conn.transaction()?;
        let mut out = Vec::with_capacity(reports.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO report (envelope_id, device_id, kind, created_at, created_at_ms,
                     received_at, report_json, verdict, verb, module_id, pseudonym, team,
                     advisory_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (envelope_id) DO NOTHING",
            )?;
            let mut check = tx.prepare_cached(
                "INSERT OR IGNORE INTO posture_check (envelope_id, check_id, status)
                 VALUES (?1, ?2, ?3)",
            )?;
            for r in reports {
                let idx = Indexed::of(r);
                let created_ms = frontline_core::clock::parse_rfc3339(&r.created_at);
                let n = insert.execute(params![
                    r.id,
                    r.device_id,
                    r.kind,
                    r.created_at,
                    created_ms,
                    received_at,
                    r.report_json,
                    idx.verdict,
                    idx.verb,
                    idx.module_id,
                    idx.pseudonym,
                    idx.team,
                    idx.advisory_id
                ])?;
                if n == 0 {
                    out.push(Stored::Duplicate);
                    continue;
                }
                for (check_id, status) in &idx.checks {
                    check.execute(params![r.id, check_id, status])?;
                }
                out.push(Stored::Accepted);
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// Number of stored reports.
    pub fn report_count(&self) -> Result<u64, CollectorError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM report", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// Longest indexed text value kept (ids, statuses); longer values are cut.
const MAX_INDEXED_LEN: usize = 200;
/// Most checks indexed from one posture report.
const MAX_CHECKS: usize = 200;

/// Fields read from a report for the IT team's queries.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Indexed {
    pub verdict: Option<String>,
    pub verb: Option<String>,
    pub module_id: Option<String>,
    pub pseudonym: Option<String>,
    pub team: Option<String>,
    pub advisory_id: Option<String>,
    pub checks: Vec<(String, String)>,
}

fn short(text: &str) -> String {
    text.chars().take(MAX_INDEXED_LEN).collect()
}

fn status_of(value: Option<&serde_json::Value>) -> String {
    let text = match value {
        Some(serde_json::Value::String(s)) => Some(s.as_str()),
        Some(obj @ serde_json::Value::Object(_)) => obj
            .get("status")
            .or_else(|| obj.get("verdict"))
            .and_then(|v| v.as_str()),
        _ => None,
    };
    match text {
        Some(s) if !s.trim().is_empty() => short(&s.trim().to_lowercase()),
        _ => String::from("unknown"),
    }
}

impl Indexed {
    pub(crate) fn of(report: &OpenedReport) -> Self {
        let body = report.report.get("body");
        match report.kind.as_str() {
            "posture_report" => Self::posture(body),
            "training_statement" => Self::training(body),
            "advisory_ack" => Self {
                advisory_id: body
                    .and_then(|b| b.get("advisory_id"))
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.is_empty())
                    .map(short),
                ..Self::default()
            },
            _ => Self::default(),
        }
    }

    /// Posture: `overall` (or `verdict`, `overall_status`), as a string or `{status}`;
    /// `checks` as an array of `{id|check_id, status}` or an object `{check_id: status}`.
    fn posture(body: Option<&serde_json::Value>) -> Self {
        let Some(body) = body else {
            return Self {
                verdict: Some(String::from("unknown")),
                ..Self::default()
            };
        };
        let verdict = status_of(
            body.get("overall")
                .or_else(|| body.get("verdict"))
                .or_else(|| body.get("overall_status")),
        );
        let mut checks = Vec::new();
        match body.get("checks") {
            Some(serde_json::Value::Array(items)) => {
                for item in items.iter().take(MAX_CHECKS) {
                    let id = ["check_id", "id", "check"]
                        .iter()
                        .find_map(|k| item.get(*k).and_then(|v| v.as_str()));
                    if let Some(id) = id.filter(|s| !s.is_empty()) {
                        let status = status_of(item.get("status").or_else(|| item.get("result")));
                        checks.push((short(id), status));
                    }
                }
            }
            Some(serde_json::Value::Object(map)) => {
                for (id, value) in map.iter().take(MAX_CHECKS) {
                    checks.push((short(id), status_of(Some(value))));
                }
            }
            _ => {}
        }
        Self {
            verdict: Some(verdict),
            checks,
            ..Self::default()
        }
    }

    /// xAPI: `verb.id` (last path segment); the module from the parent activity in
    /// `context.contextActivities.parent` or else `object.id` (a trailing `/lesson` or `/quiz`
    /// dropped; the segment after `/modules/`, else the last one); `actor.account.name`.
    fn training(body: Option<&serde_json::Value>) -> Self {
        let Some(body) = body else {
            return Self::default();
        };
        let pointer = |p: &str| body.pointer(p).and_then(|v| v.as_str());
        let verb = pointer("/verb/id")
            .and_then(last_segment)
            .map(|s| short(&s.to_lowercase()));
        // A lesson or quiz names its module as parent activity; a module statement is the
        // module itself.
        let module_id = pointer("/context/contextActivities/parent/0/id")
            .or_else(|| pointer("/object/id"))
            .and_then(module_of)
            .map(|s| short(&s));
        let pseudonym = pointer("/actor/account/name")
            .filter(|s| !s.is_empty())
            .map(short);
        // xAPI's `context.team` (a Group): its name, else its account name.
        let team = pointer("/context/team/name")
            .or_else(|| pointer("/context/team/account/name"))
            .filter(|s| !s.trim().is_empty())
            .map(short);
        Self {
            verb,
            module_id,
            pseudonym,
            team,
            ..Self::default()
        }
    }
}

fn strip_query(text: &str) -> &str {
    text.split(['?', '#']).next().unwrap_or(text)
}

fn last_segment(text: &str) -> Option<&str> {
    strip_query(text)
        .trim_end_matches('/')
        .rsplit(['/', ':'])
        .next()
        .filter(|s| !s.is_empty())
}

fn module_of(object_id: &str) -> Option<String> {
    let path = strip_query(object_id).trim_end_matches('/');
    let path = ["/lesson", "/quiz"]
        .iter()
        .find_map(|part| path.strip_suffix(part))
        .unwrap_or(path);
    if let Some((_, rest)) = path.split_once("/modules/") {
        return rest
            .split('/')
            .next()
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
    }
    last_segment(path).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ReportSource, Store};
    use crate::testing::test_stores;
    use serde_json::json;

    fn opened(kind: &str, body: serde_json::Value) -> OpenedReport {
        let report = json!({"kind": kind, "device_id": "d", "created_at": "x", "body": body});
        OpenedReport {
            id: uuid::Uuid::new_v4().to_string(),
            kind: kind.to_owned(),
            created_at: String::from("2026-11-28T17:03:04.123Z"),
            device_id: String::from("d"),
            report_json: report.to_string(),
            report,
        }
    }

    #[test]
    fn duplicates_are_never_stored_twice() {
        let dir = tempfile::tempdir().unwrap();
        for config in test_stores(dir.path()) {
            let store = Store::open(&config).unwrap();
            let a = opened(
                "posture_report",
                json!({"overall": "compliant",
                "checks": [{"check_id": "screen_lock", "status": "pass"},
                           {"check_id": "screen_lock", "status": "fail"}]}),
            );
            let b = opened("posture_report", json!({}));
            let r = store
                .store_batch(&[a.clone(), b.clone(), a.clone()], 1)
                .unwrap();
            assert_eq!(
                r,
                vec![Stored::Accepted, Stored::Accepted, Stored::Duplicate],
                "{}",
                store.backend()
            );
            let r = store.store_batch(&[b, a], 2).unwrap();
            assert_eq!(r, vec![Stored::Duplicate, Stored::Duplicate]);
            assert_eq!(store.report_count().unwrap(), 2);
            let checks = store.rows("SELECT COUNT(*) FROM posture_check").unwrap();
            assert_eq!(checks[0][0], Cell::Int(1), "one row per check id");
        }
    }

    #[test]
    fn enrolment_is_idempotent_and_refuses_another_key() {
        let dir = tempfile::tempdir().unwrap();
        for config in test_stores(dir.path()) {
            let store = Store::open(&config).unwrap();
            assert_eq!(store.enrol("d", &[1; 32], 1).unwrap(), Enrolment::Enrolled);
            assert_eq!(
                store.enrol("d", &[1; 32], 2).unwrap(),
                Enrolment::AlreadyEnrolled
            );
            assert_eq!(store.enrol("d", &[2; 32], 3).unwrap(), Enrolment::Conflict);
            assert_eq!(store.device_key("d").unwrap(), Some(vec![1; 32]));
            assert_eq!(store.device_key("e").unwrap(), None);
        }
    }

    #[test]
    fn migrations_bring_every_store_to_the_latest_version_once() {
        let dir = tempfile::tempdir().unwrap();
        for config in test_stores(dir.path()) {
            let store = Store::open(&config).unwrap();
            assert_eq!(store.schema_version().unwrap(), schema::latest_version());
            drop(store);
            // Opening again applies nothing twice.
            let store = Store::open(&config).unwrap();
            let rows = store
                .rows("SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations")
                .unwrap();
            assert_eq!(rows[0][0], rows[0][1]);
            assert_eq!(rows[0][0], Cell::Int(schema::latest_version()));
        }
    }

    #[test]
    fn a_database_from_before_migrations_is_adopted_and_upgraded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        // The schema the collector created before versioned migrations, with a row in it.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&schema::MIGRATIONS[0].sql(schema::Dialect::Sqlite))
            .unwrap();
        conn.execute(
            "INSERT INTO report (envelope_id, device_id, kind, created_at, received_at, report_json)
             VALUES ('e1', 'd', 'advisory_ack', 'x', 1, '{\"body\":{\"advisory_id\":\"adv-7\"}}')",
            [],
        )
        .unwrap();
        drop(conn);
        let db = Db::open(&path).unwrap();
        assert_eq!(db.schema_version().unwrap(), schema::latest_version());
        assert_eq!(db.report_count().unwrap(), 1, "nothing stored is lost");
        let rows = db.rows("SELECT advisory_id FROM report").unwrap();
        assert_eq!(rows[0][0], Cell::Text(String::from("adv-7")), "backfilled");
    }

    /// The tables, indexes and their SQL of a SQLite database, whitespace folded.
    fn schema_of(conn: &Connection) -> Vec<(String, String)> {
        let mut st = conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        let rows = st
            .query_map([], |r| {
                let sql: String = r.get(1)?;
                Ok((
                    r.get(0)?,
                    sql.split_whitespace().collect::<Vec<_>>().join(" "),
                ))
            })
            .unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn a_version_3_database_of_the_two_list_schema_opens_unchanged() {
        // Made by the collector when SQLite and PostgreSQL had a migration list each (version
        // 3, with a report and an incident status in it): frozen, never regenerated.
        let frozen = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/collector-v3.db"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v3.db");
        std::fs::copy(frozen, &path).unwrap();
        let before = schema_of(&Connection::open(&path).unwrap());
        let db = Db::open(&path).unwrap();
        assert_eq!(db.schema_version().unwrap(), 3);
        let applied = db.rows("SELECT COUNT(*) FROM schema_migrations").unwrap();
        assert_eq!(applied[0][0], Cell::Int(3), "nothing applied twice");
        assert_eq!(db.report_count().unwrap(), 2);
        assert_eq!(schema_of(db.conn()), before, "the schema is left as it was");
        // And a fresh database gets exactly that schema.
        let fresh = Db::open(&dir.path().join("fresh.db")).unwrap();
        assert_eq!(schema_of(fresh.conn()), before);
    }

    #[test]
    fn posture_fields_are_read_defensively() {
        let r = opened(
            "posture_report",
            json!({"overall": {"status": "Non_Compliant"},
                   "checks": [{"check_id": "screen_lock", "status": "fail"},
                              {"id": "os_version"}, {"status": "pass"}, 7]}),
        );
        let idx = Indexed::of(&r);
        assert_eq!(idx.verdict.as_deref(), Some("non_compliant"));
        assert_eq!(
            idx.checks,
            vec![
                (String::from("screen_lock"), String::from("fail")),
                (String::from("os_version"), String::from("unknown")),
            ]
        );
        let r = opened("posture_report", json!({"checks": {"encryption": "pass"}}));
        let idx = Indexed::of(&r);
        assert_eq!(idx.verdict.as_deref(), Some("unknown"));
        assert_eq!(
            idx.checks,
            vec![(String::from("encryption"), String::from("pass"))]
        );
        for body in [json!(null), json!(3), json!({"checks": "x", "overall": 5})] {
            let idx = Indexed::of(&opened("posture_report", body));
            assert_eq!(idx.verdict.as_deref(), Some("unknown"));
            assert!(idx.checks.is_empty());
        }
    }

    #[test]
    fn xapi_fields_are_read_defensively() {
        let r = opened(
            "training_statement",
            json!({"actor": {"account": {"homePage": "https://t.example", "name": "staff-1"}},
                   "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
                   "object": {"id": "https://t.example/xapi/modules/phishing/quiz?v=3"}}),
        );
        let idx = Indexed::of(&r);
        assert_eq!(idx.verb.as_deref(), Some("passed"));
        assert_eq!(idx.module_id.as_deref(), Some("phishing"));
        assert_eq!(idx.pseudonym.as_deref(), Some("staff-1"));
        let r = opened(
            "training_statement",
            json!({"verb": {"id": "urn:x:completed"}, "object": {"id": "https://t.example/m/passwords/"}}),
        );
        let idx = Indexed::of(&r);
        assert_eq!(idx.verb.as_deref(), Some("completed"));
        assert_eq!(idx.module_id.as_deref(), Some("passwords"));
        assert_eq!(idx.pseudonym, None);
        assert_eq!(
            Indexed::of(&opened("training_statement", json!([]))),
            Indexed::default()
        );
    }
}
