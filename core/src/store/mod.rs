//! The SQLite store: one writer connection per data directory, WAL, migrations.
//!
//! Opening refuses, without writing anything, a file that is not a database and a database
//! written by a newer Frontline. Every operation that changes state runs in one transaction,
//! so a failure leaves the file exactly as it was. `synchronous=FULL` makes a commit that
//! returned survive a power cut (see `docs/adr/0010-durable-outbox.md`).

pub mod schema;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction};

use crate::error::{DataDirProblem, Error, Result};

/// File name of the database inside the data directory.
pub const DATABASE_FILE: &str = "frontline.db";

/// The store: a single read-write connection.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir` and brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<Self> {
        let path = database_path(data_dir)?;
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| match Error::from(e) {
            Error::Storage(_) => Error::DataDir(DataDirProblem::NotWritable),
            other => other,
        })?;
        // Reading the header first: a non-database file fails here, before anything is written.
        let found = read_user_version(&conn)?;
        if found > schema::VERSION {
            return Err(Error::NewerDatabase {
                found,
                supported: schema::VERSION,
            });
        }
        // Version 0 with tables in it is another application's SQLite file, not a new store.
        if found == 0 && has_tables(&conn)? {
            return Err(Error::NotADatabase);
        }
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(|e| match Error::from(e) {
                Error::Storage(_) => Error::DataDir(DataDirProblem::NotWritable),
                other => other,
            })?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::DataDir(DataDirProblem::NotWritable));
        }
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
        let mut store = Self { conn };
        store.migrate(found)?;
        Ok(store)
    }

    fn migrate(&mut self, found: u32) -> Result<()> {
        if found == schema::VERSION {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        if found == 0 {
            schema::create(&tx)?;
        } else {
            for version in found..schema::VERSION {
                log::info!("migrating local store from schema version {version}");
                schema::upgrade_from(&tx, version)?;
            }
        }
        tx.pragma_update(None, "user_version", schema::VERSION)?;
        tx.commit()?;
        Ok(())
    }

    /// The connection, for reads.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE`). Dropping it without `commit` rolls
    /// everything back. Takes `&self` so a capability can hold the transaction and still read
    /// the companion's other fields; the companion is used by one caller at a time (the
    /// bindings hold it behind a lock), and SQLite refuses a nested `BEGIN`.
    pub fn transaction(&self) -> Result<Transaction<'_>> {
        Ok(Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )?)
    }

    /// Reads a value from the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<Vec<u8>>> {
        get_meta(&self.conn, key)
    }
}

/// Reads a value from the `meta` table on any connection or transaction.
pub fn get_meta(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

/// Writes a value into the `meta` table inside a transaction.
pub fn put_meta(tx: &Transaction<'_>, key: &str, value: &[u8]) -> Result<()> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        rusqlite::params![key, value],
    )?;
    Ok(())
}

fn read_user_version(conn: &Connection) -> Result<u32> {
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    u32::try_from(v).map_err(|_| Error::NotADatabase)
}

fn has_tables(conn: &Connection) -> Result<bool> {
    let n: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    Ok(n > 0)
}

fn database_path(data_dir: &Path) -> Result<PathBuf> {
    match std::fs::metadata(data_dir) {
        Ok(m) if m.is_dir() => {
            if m.permissions().readonly() {
                return Err(Error::DataDir(DataDirProblem::NotWritable));
            }
            Ok(data_dir.join(DATABASE_FILE))
        }
        Ok(_) => Err(Error::DataDir(DataDirProblem::NotADirectory)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::DataDir(DataDirProblem::Missing))
        }
        Err(_) => Err(Error::DataDir(DataDirProblem::NotWritable)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_store_has_current_version_and_wal() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(read_user_version(store.conn()).unwrap(), schema::VERSION);
        let mode: String = store
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn meta_values_round_trip_and_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.meta("k").unwrap(), None);
        let tx = store.transaction().unwrap();
        put_meta(&tx, "k", b"one").unwrap();
        put_meta(&tx, "k", b"two").unwrap();
        tx.commit().unwrap();
        assert_eq!(store.meta("k").unwrap().as_deref(), Some(&b"two"[..]));
    }

    #[test]
    fn missing_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = Store::open(&dir.path().join("nope")).unwrap_err();
        assert!(matches!(err, Error::DataDir(DataDirProblem::Missing)));
    }
}
