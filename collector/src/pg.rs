//! The PostgreSQL store: the one an NHS trust runs, shared by several collector processes.
//!
//! Same schema as the SQLite store (`crate::schema`), same answers. What makes it safe for
//! several collectors at once lives in the database, not in any process:
//!
//! * **Dedupe** is the primary key on `report.envelope_id` with `ON CONFLICT DO NOTHING
//!   RETURNING`: whichever collector commits first stores the report, every other insert of
//!   that id (in another process, another batch or the same batch) answers `duplicate`.
//!   Rows are inserted in envelope-id order so two batches sharing ids cannot deadlock.
//! * **A batch is one statement** (`STORE_BATCH`: the reports and their posture checks in
//!   one `WITH ... INSERT`), so one round trip and one commit per request, atomic without an
//!   explicit transaction; statements are prepared once per pooled connection
//!   (docs/performance.md, ADR 0145).
//! * **Enrolment** is `INSERT ... ON CONFLICT DO NOTHING` and then a read of the stored key.
//! * **Migrations** run under a transaction-scoped advisory lock, so collectors starting
//!   together apply each migration once.
//!
//! Connections come from a small blocking pool (the `postgres` crate: a lean synchronous
//! client over `tokio-postgres`, no macros, no compile-time database). The HTTP server calls
//! it from `spawn_blocking`. Error messages carry the SQLSTATE code only, never values.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls, Statement};

use crate::db::{Enrolment, Indexed, Stored};
use crate::envelope::OpenedReport;
use crate::schema;
use crate::store::{Cell, Param};
use crate::CollectorError;

/// Advisory lock key taken while migrating ("FLMIGRAT" in ASCII, as a number).
const MIGRATION_LOCK: i64 = 0x464C_4D49_4752_4154;
/// How long a request waits for a pooled connection before giving up (`500`, retried).
const POOL_WAIT: Duration = Duration::from_secs(10);
/// Attempts at a batch that hit a deadlock or serialisation failure.
const ATTEMPTS: usize = 3;

impl From<postgres::Error> for CollectorError {
    fn from(e: postgres::Error) -> Self {
        // The SQLSTATE names the failure without quoting values.
        Self::Storage(match e.code() {
            Some(code) => format!("postgres {}", code.code()),
            None if e.is_closed() => String::from("postgres connection closed"),
            None => String::from("postgres"),
        })
    }
}

/// A connection and the statements prepared on it (parsed and planned once per connection,
/// not once per request).
struct Conn {
    client: Client,
    prepared: HashMap<&'static str, Statement>,
}

struct Pool {
    idle: Vec<Conn>,
    open: usize,
}

/// A pool of connections to one PostgreSQL database.
pub struct PgStore {
    url: String,
    max: usize,
    pool: Mutex<Pool>,
    returned: Condvar,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.debug_struct("PgStore")
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

/// A connection borrowed from the pool; it goes back when dropped.
struct Pooled<'a> {
    conn: Option<Conn>,
    store: &'a PgStore,
}

impl Pooled<'_> {
    fn conn(&mut self) -> &mut Conn {
        // Always `Some` until drop.
        self.conn.as_mut().unwrap_or_else(|| unreachable!())
    }

    /// `sql` prepared on this connection, from its cache after the first time.
    fn prepared(&mut self, sql: &'static str) -> Result<Statement, postgres::Error> {
        let conn = self.conn();
        if let Some(statement) = conn.prepared.get(sql) {
            return Ok(statement.clone());
        }
        let statement = conn.client.prepare(sql)?;
        conn.prepared.insert(sql, statement.clone());
        Ok(statement)
    }
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        // Always `Some` until drop.
        &self.conn.as_ref().unwrap_or_else(|| unreachable!()).client
    }
}

impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.conn().client
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Ok(mut pool) = self.store.pool.lock() {
            match self.conn.take() {
                Some(c) if !c.client.is_closed() => pool.idle.push(c),
                _ => pool.open = pool.open.saturating_sub(1),
            }
        }
        self.store.returned.notify_one();
    }
}

impl PgStore {
    /// Connects to `url` (a `postgresql://` URL or `key=value` string), migrates the schema
    /// and keeps at most `max_connections` connections.
    pub fn open(url: &str, max_connections: usize) -> Result<Self, CollectorError> {
        let store = Self {
            url: url.to_owned(),
            max: max_connections.max(1),
            pool: Mutex::new(Pool {
                idle: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
        };
        store.migrate()?;
        Ok(store)
    }

    fn lock(&self) -> Result<MutexGuard<'_, Pool>, CollectorError> {
        self.pool
            .lock()
            .map_err(|_| CollectorError::Storage(String::from("pool lock poisoned")))
    }

    fn get(&self) -> Result<Pooled<'_>, CollectorError> {
        let mut pool = self.lock()?;
        loop {
            if let Some(conn) = pool.idle.pop() {
                if conn.client.is_closed() {
                    pool.open = pool.open.saturating_sub(1);
                    continue;
                }
                return Ok(Pooled {
                    conn: Some(conn),
                    store: self,
                });
            }
            if pool.open < self.max {
                pool.open += 1;
                drop(pool);
                return match Client::connect(&self.url, NoTls) {
                    Ok(client) => Ok(Pooled {
                        conn: Some(Conn {
                            client,
                            prepared: HashMap::new(),
                        }),
                        store: self,
                    }),
                    Err(_) => {
                        self.lock()?.open -= 1;
                        self.returned.notify_one();
                        // Said once, by whoever handles the error (the URL is never quoted).
                        Err(CollectorError::Storage(String::from(
                            "cannot connect to PostgreSQL",
                        )))
                    }
                };
            }
            let (guard, wait) = self
                .returned
                .wait_timeout(pool, POOL_WAIT)
                .map_err(|_| CollectorError::Storage(String::from("pool lock poisoned")))?;
            pool = guard;
            if wait.timed_out() && pool.idle.is_empty() && pool.open >= self.max {
                return Err(CollectorError::Storage(String::from("no free connection")));
            }
        }
    }

    fn migrate(&self) -> Result<(), CollectorError> {
        let mut client = self.get()?;
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute(schema::MIGRATIONS_TABLE)?;
        for m in schema::MIGRATIONS {
            let applied = tx.query_opt(
                "SELECT version FROM schema_migrations WHERE version = $1",
                &[&m.version],
            )?;
            if applied.is_none() {
                tx.batch_execute(&m.sql(schema::Dialect::Postgres))?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    &[&m.version, &m.name, &crate::store::now_ms()],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<i64, CollectorError> {
        let row = self.get()?.query_one(
            "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations",
            &[],
        )?;
        Ok(row.try_get(0)?)
    }

    /// Enrols `device_id` with `public_key` at `now_ms`.
    pub fn enrol(
        &self,
        device_id: &str,
        public_key: &[u8],
        now_ms: i64,
    ) -> Result<Enrolment, CollectorError> {
        let mut client = self.get()?;
        let n = client.execute(
            "INSERT INTO device (device_id, public_key, enrolled_at) VALUES ($1, $2, $3)
             ON CONFLICT (device_id) DO NOTHING",
            &[&device_id, &public_key, &now_ms],
        )?;
        if n == 1 {
            return Ok(Enrolment::Enrolled);
        }
        let row = client.query_one(
            "SELECT public_key FROM device WHERE device_id = $1",
            &[&device_id],
        )?;
        let stored: Vec<u8> = row.try_get(0)?;
        Ok(if stored == public_key {
            Enrolment::AlreadyEnrolled
        } else {
            Enrolment::Conflict
        })
    }

    /// The enrolled public key of `device_id`.
    pub fn device_key(&self, device_id: &str) -> Result<Option<Vec<u8>>, CollectorError> {
        let mut conn = self.get()?;
        let statement = conn.prepared(DEVICE_KEY)?;
        let row = conn.query_opt(&statement, &[&device_id])?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    /// Stores a batch in one transaction; one answer per report, in order.
    pub fn store_batch(
        &self,
        reports: &[OpenedReport],
        received_at: i64,
    ) -> Result<Vec<Stored>, CollectorError> {
        let mut last = None;
        for _ in 0..ATTEMPTS {
            let mut conn = self.get()?;
            match store_batch_once(&mut conn, reports, received_at) {
                Ok(out) => return Ok(out),
                Err(e)
                    if e.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED)
                        || e.code() == Some(&SqlState::T_R_SERIALIZATION_FAILURE) =>
                {
                    last = Some(e);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(last.map_or_else(
            || CollectorError::Storage(String::from("postgres")),
            CollectorError::from,
        ))
    }

    /// Number of stored reports.
    pub fn report_count(&self) -> Result<u64, CollectorError> {
        let row = self.get()?.query_one("SELECT COUNT(*) FROM report", &[])?;
        Ok(u64::try_from(row.try_get::<_, i64>(0)?).unwrap_or(0))
    }

    /// Runs one statement with `params` bound in order; the rows it changed.
    pub fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<u64, CollectorError> {
        let values: Vec<Box<dyn ToSql + Sync>> = params
            .iter()
            .map(|p| -> Box<dyn ToSql + Sync> {
                match p {
                    Param::Text(t) => Box::new((*t).to_owned()),
                    Param::Int(v) => Box::new(*v),
                }
            })
            .collect();
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref()).collect();
        Ok(self.get()?.execute(sql, &refs)?)
    }

    /// Runs a reporting query (no parameters) and returns its rows.
    pub fn rows(&self, sql: &str) -> Result<Vec<Vec<Cell>>, CollectorError> {
        let rows = self.get()?.query(sql, &[])?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut cells = Vec::with_capacity(row.len());
            for (i, col) in row.columns().iter().enumerate() {
                let cell = match *col.type_() {
                    Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Cell::Int),
                    Type::INT4 => row
                        .try_get::<_, Option<i32>>(i)?
                        .map(|v| Cell::Int(i64::from(v))),
                    Type::INT2 => row
                        .try_get::<_, Option<i16>>(i)?
                        .map(|v| Cell::Int(i64::from(v))),
                    Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(Cell::Real),
                    Type::BOOL => row
                        .try_get::<_, Option<bool>>(i)?
                        .map(|v| Cell::Int(i64::from(v))),
                    Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => {
                        row.try_get::<_, Option<String>>(i)?.map(Cell::Text)
                    }
                    _ => None,
                };
                cells.push(cell.unwrap_or(Cell::Null));
            }
            out.push(cells);
        }
        Ok(out)
    }
}

/// The enrolled key of a device.
const DEVICE_KEY: &str = "SELECT public_key FROM device WHERE device_id = $1";

/// A whole batch in one statement, so in one implicit transaction and one round trip: the
/// reports (`ON CONFLICT DO NOTHING`: an id already stored, by any collector, is skipped) and
/// the posture checks of those actually inserted; it returns the ids inserted.
const STORE_BATCH: &str = "
WITH inserted AS (
    INSERT INTO report (envelope_id, device_id, kind, created_at, created_at_ms, received_at,
        report_json, verdict, verb, module_id, pseudonym, team, advisory_id)
    SELECT t.id, t.device, t.kind, t.created, t.created_ms, $7, t.json, t.verdict, t.verb,
        t.module, t.pseudonym, t.team, t.advisory
    FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[],
        $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
        AS t(id, device, kind, created, created_ms, json, verdict, verb, module, pseudonym,
             team, advisory)
    ON CONFLICT (envelope_id) DO NOTHING
    RETURNING envelope_id
), checks AS (
    INSERT INTO posture_check (envelope_id, check_id, status)
    SELECT c.id, c.check_id, c.status
    FROM UNNEST($14::text[], $15::text[], $16::text[]) AS c(id, check_id, status)
    JOIN inserted i ON i.envelope_id = c.id
    ON CONFLICT DO NOTHING
)
SELECT envelope_id FROM inserted";

fn store_batch_once(
    conn: &mut Pooled<'_>,
    reports: &[OpenedReport],
    received_at: i64,
) -> Result<Vec<Stored>, postgres::Error> {
    // Each id once (its first occurrence; a later one in the same batch is a duplicate), in
    // id order: two batches sharing ids then lock rows in the same order and cannot deadlock.
    let mut seen = std::collections::HashSet::with_capacity(reports.len());
    let mut order: Vec<usize> = (0..reports.len())
        .filter(|&i| seen.insert(reports[i].id.as_str()))
        .collect();
    order.sort_by(|&a, &b| reports[a].id.cmp(&reports[b].id));
    let indexed: Vec<Indexed> = order.iter().map(|&i| Indexed::of(&reports[i])).collect();
    let col = |f: &dyn Fn(usize) -> Option<String>| -> Vec<Option<String>> {
        order.iter().map(|&i| f(i)).collect()
    };
    let ids = col(&|i| Some(reports[i].id.clone()));
    let devices = col(&|i| Some(reports[i].device_id.clone()));
    let kinds = col(&|i| Some(reports[i].kind.clone()));
    let created = col(&|i| Some(reports[i].created_at.clone()));
    let created_ms: Vec<Option<i64>> = order
        .iter()
        .map(|&i| frontline_core::clock::parse_rfc3339(&reports[i].created_at))
        .collect();
    let json = col(&|i| Some(reports[i].report_json.clone()));
    let field = |f: &dyn Fn(&Indexed) -> Option<String>| -> Vec<Option<String>> {
        indexed.iter().map(f).collect()
    };
    let verdict = field(&|x| x.verdict.clone());
    let verb = field(&|x| x.verb.clone());
    let module = field(&|x| x.module_id.clone());
    let pseudonym = field(&|x| x.pseudonym.clone());
    let team = field(&|x| x.team.clone());
    let advisory = field(&|x| x.advisory_id.clone());
    let (mut check_ids, mut check_names, mut check_status) = (Vec::new(), Vec::new(), Vec::new());
    for (&i, idx) in order.iter().zip(&indexed) {
        for (check, status) in &idx.checks {
            check_ids.push(reports[i].id.clone());
            check_names.push(check.clone());
            check_status.push(status.clone());
        }
    }

    let statement = conn.prepared(STORE_BATCH)?;
    let inserted = conn.query(
        &statement,
        &[
            &ids,
            &devices,
            &kinds,
            &created,
            &created_ms,
            &json,
            &received_at,
            &verdict,
            &verb,
            &module,
            &pseudonym,
            &team,
            &advisory,
            &check_ids,
            &check_names,
            &check_status,
        ],
    )?;
    let mut fresh: HashMap<String, bool> = HashMap::with_capacity(inserted.len());
    for row in &inserted {
        fresh.insert(row.try_get(0)?, true);
    }
    // The first occurrence of a freshly inserted id is accepted; any other is a duplicate.
    Ok(reports
        .iter()
        .map(|r| match fresh.get_mut(&r.id) {
            Some(first) if *first => {
                *first = false;
                Stored::Accepted
            }
            _ => Stored::Duplicate,
        })
        .collect())
}
