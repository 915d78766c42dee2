//! Where the collector keeps what it receives: SQLite (embedded default) or PostgreSQL.
//!
//! [`Store`] is the one interface the HTTP server, the reports and the dashboard use, so the
//! same tests run against both. SQLite is a single connection behind a mutex (one writer is
//! what SQLite allows anyway); PostgreSQL is a connection pool shared by any number of
//! collector processes (`crate::pg`). Both are blocking: the async server calls them from
//! `spawn_blocking`.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::db::{Db, Enrolment, Stored};
use crate::envelope::OpenedReport;
use crate::pg::PgStore;
use crate::CollectorError;

/// Which store to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// A SQLite file (created if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL database (`postgresql://user@host:port/db`), with the largest number of
    /// connections this process opens.
    Postgres {
        /// The connection URL (may hold a password: never logged).
        url: String,
        /// Pool size.
        max_connections: usize,
    },
}

impl StoreConfig {
    /// A PostgreSQL store with the default pool size (8 connections).
    pub fn postgres(url: &str) -> Self {
        Self::Postgres {
            url: url.to_owned(),
            max_connections: 8,
        }
    }

    /// A SQLite store at `path`.
    pub fn sqlite(path: &Path) -> Self {
        Self::Sqlite(path.to_path_buf())
    }

    /// `postgres` or `sqlite`, for messages.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }
}

/// One value of a reporting query's row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// SQL NULL (or a type the reports never read).
    Null,
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Real(f64),
    /// Text.
    Text(String),
}

impl Cell {
    /// The integer, 0 if NULL or not a number.
    pub fn int(&self) -> i64 {
        match self {
            Self::Int(v) => *v,
            Self::Real(v) => *v as i64,
            Self::Text(t) => t.parse().unwrap_or(0),
            Self::Null => 0,
        }
    }

    /// The integer, `None` if NULL.
    pub fn opt_int(&self) -> Option<i64> {
        match self {
            Self::Null => None,
            other => Some(other.int()),
        }
    }

    /// The text, `None` if NULL.
    pub fn opt_text(&self) -> Option<String> {
        match self {
            Self::Null => None,
            Self::Text(t) => Some(t.clone()),
            Self::Int(v) => Some(v.to_string()),
            Self::Real(v) => Some(v.to_string()),
        }
    }

    /// The text, empty if NULL.
    pub fn text(&self) -> String {
        self.opt_text().unwrap_or_default()
    }
}

/// A parameter of [`Store::execute`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param<'a> {
    /// Text.
    Text(&'a str),
    /// An integer.
    Int(i64),
}

/// Something reporting queries can run against.
pub trait ReportSource {
    /// Runs `sql` (no parameters; the same text on both stores) and returns its rows.
    fn rows(&self, sql: &str) -> Result<Vec<Vec<Cell>>, CollectorError>;
}

impl ReportSource for Db {
    fn rows(&self, sql: &str) -> Result<Vec<Vec<Cell>>, CollectorError> {
        Db::rows(self, sql)
    }
}

/// An open store.
#[derive(Debug)]
pub enum Store {
    /// SQLite: one connection.
    Sqlite(Mutex<Db>),
    /// PostgreSQL: a pool.
    Postgres(PgStore),
}

impl Store {
    /// Opens the store, applying any migration it lacks.
    pub fn open(config: &StoreConfig) -> Result<Self, CollectorError> {
        Ok(match config {
            StoreConfig::Sqlite(path) => Self::Sqlite(Mutex::new(Db::open(path)?)),
            StoreConfig::Postgres {
                url,
                max_connections,
            } => Self::Postgres(PgStore::open(url, *max_connections)?),
        })
    }

    /// Opens an existing store for reporting: a SQLite file must already exist.
    pub fn open_existing(config: &StoreConfig) -> Result<Self, CollectorError> {
        if let StoreConfig::Sqlite(path) = config {
            if !path.is_file() {
                return Err(CollectorError::NoDatabase);
            }
        }
        Self::open(config)
    }

    fn sqlite(db: &Mutex<Db>) -> Result<MutexGuard<'_, Db>, CollectorError> {
        db.lock()
            .map_err(|_| CollectorError::Storage(String::from("lock poisoned")))
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// Enrols `device_id` with `public_key` at `now_ms`.
    pub fn enrol(
        &self,
        device_id: &str,
        public_key: &[u8],
        now_ms: i64,
    ) -> Result<Enrolment, CollectorError> {
        match self {
            Self::Sqlite(db) => Self::sqlite(db)?.enrol(device_id, public_key, now_ms),
            Self::Postgres(pg) => pg.enrol(device_id, public_key, now_ms),
        }
    }

    /// The enrolled public key of `device_id`.
    pub fn device_key(&self, device_id: &str) -> Result<Option<Vec<u8>>, CollectorError> {
        match self {
            Self::Sqlite(db) => Self::sqlite(db)?.device_key(device_id),
            Self::Postgres(pg) => pg.device_key(device_id),
        }
    }

    /// Stores a batch of opened reports in one transaction; one answer per report, in order.
    pub fn store_batch(
        &self,
        reports: &[OpenedReport],
        received_at: i64,
    ) -> Result<Vec<Stored>, CollectorError> {
        match self {
            Self::Sqlite(db) => Self::sqlite(db)?.store_batch(reports, received_at),
            Self::Postgres(pg) => pg.store_batch(reports, received_at),
        }
    }

    /// Number of stored reports.
    pub fn report_count(&self) -> Result<u64, CollectorError> {
        match self {
            Self::Sqlite(db) => Self::sqlite(db)?.report_count(),
            Self::Postgres(pg) => pg.report_count(),
        }
    }

    /// Runs one statement the IT team's actions need (the same text on both stores, with
    /// `$1`, `$2`, ... numbered in the order they first appear) and returns the rows it
    /// changed.
    pub fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<u64, CollectorError> {
        match self {
            Self::Sqlite(db) => Self::sqlite(db)?.execute(sql, params),
            Self::Postgres(pg) => pg.execute(sql, params),
        }
    }

    /// The schema version the store is at.
    pub fn schema_version(&self) -> Result<i64, CollectorError> {
        match self {
            Self::Sqlite(db) => Self::sqlite(db)?.schema_version(),
            Self::Postgres(pg) => pg.schema_version(),
        }
    }
}

impl ReportSource for Store {
    fn rows(&self, sql: &str) -> Result<Vec<Vec<Cell>>, CollectorError> {
        match self {
            Self::Sqlite(db) => Self::sqlite(db)?.rows(sql),
            Self::Postgres(pg) => pg.rows(sql),
        }
    }
}

/// The wall clock in Unix milliseconds.
pub fn now_ms() -> i64 {
    use frontline_core::clock::Clock;
    frontline_core::clock::SystemClock.now_ms()
}
