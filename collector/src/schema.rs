//! The collector's one schema: one list of versioned migrations for SQLite and PostgreSQL.
//!
//! Both stores hold the same tables with the same columns. Where the two dialects differ only
//! in how a type is spelled, a migration is written once ([`Statements::Portable`]) with three
//! words that [`Dialect::spell`] replaces: `BYTES` (`BLOB`/`BYTEA`), `INT64`
//! (`INTEGER`/`BIGINT`) and `TABLE_END` (SQLite's `) STRICT`, PostgreSQL's `)`). Where they
//! differ beyond that (JSON functions), the migration carries both texts side by side
//! ([`Statements::PerDialect`]). Each migration has a version number, is applied once, in
//! order, and is recorded in `schema_migrations`. A database made by a collector before
//! migrations existed (the tables created with `IF NOT EXISTS`) adopts version 1 as it is,
//! because migration 1 is that same schema.
//!
//! To change the schema, append a migration with the next version to [`MIGRATIONS`] (never
//! edit one that shipped: databases record only the version they are at).

/// A SQL dialect the collector stores in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (the embedded default).
    Sqlite,
    /// PostgreSQL (shared by several collector processes).
    Postgres,
}

impl Dialect {
    /// `text` with the portable type words spelled for this dialect.
    pub fn spell(self, text: &str) -> String {
        let (bytes, int64, table_end) = match self {
            Self::Sqlite => ("BLOB", "INTEGER", ") STRICT"),
            Self::Postgres => ("BYTEA", "BIGINT", ")"),
        };
        text.replace("BYTES", bytes)
            .replace("INT64", int64)
            .replace("TABLE_END", table_end)
    }
}

/// The statements of one migration.
#[derive(Debug, Clone, Copy)]
pub enum Statements {
    /// One text for both dialects, with the portable type words (see [`Dialect::spell`]).
    Portable(&'static str),
    /// A text per dialect, where they differ beyond type names.
    PerDialect {
        /// For SQLite.
        sqlite: &'static str,
        /// For PostgreSQL.
        postgres: &'static str,
    },
}

/// One schema change.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Version it brings the database to (1, 2, ...).
    pub version: i64,
    /// What it does, for the record.
    pub name: &'static str,
    /// The statements, separated by `;`.
    pub statements: Statements,
}

impl Migration {
    /// The statements for `dialect`.
    pub fn sql(&self, dialect: Dialect) -> String {
        match (self.statements, dialect) {
            (Statements::Portable(text), d) => d.spell(text),
            (Statements::PerDialect { sqlite, .. }, Dialect::Sqlite) => sqlite.to_owned(),
            (Statements::PerDialect { postgres, .. }, Dialect::Postgres) => postgres.to_owned(),
        }
    }
}

/// The table that records applied migrations (same text for both stores).
pub const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// Every migration, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "devices, reports, posture checks",
        statements: Statements::Portable(
            "
CREATE TABLE IF NOT EXISTS device (
    device_id   TEXT PRIMARY KEY NOT NULL,
    public_key  BYTES NOT NULL,
    enrolled_at INT64 NOT NULL
TABLE_END;
CREATE TABLE IF NOT EXISTS report (
    envelope_id   TEXT PRIMARY KEY NOT NULL,
    device_id     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_at_ms INT64,
    received_at   INT64 NOT NULL,
    report_json   TEXT NOT NULL,
    verdict       TEXT,
    verb          TEXT,
    module_id     TEXT,
    pseudonym     TEXT
TABLE_END;
CREATE INDEX IF NOT EXISTS report_device ON report (device_id, kind, created_at_ms);
CREATE INDEX IF NOT EXISTS report_training ON report (module_id, pseudonym);
CREATE TABLE IF NOT EXISTS posture_check (
    envelope_id TEXT NOT NULL,
    check_id    TEXT NOT NULL,
    status      TEXT NOT NULL,
    PRIMARY KEY (envelope_id, check_id)
TABLE_END;
",
        ),
    },
    Migration {
        version: 2,
        name: "team and advisory id indexed",
        statements: Statements::PerDialect {
            sqlite: "
ALTER TABLE report ADD COLUMN team TEXT;
ALTER TABLE report ADD COLUMN advisory_id TEXT;
UPDATE report SET
    team = CASE WHEN kind = 'training_statement' AND json_valid(report_json)
        THEN substr(COALESCE(json_extract(report_json, '$.body.context.team.name'),
                             json_extract(report_json, '$.body.context.team.account.name')), 1, 200)
        END,
    advisory_id = CASE WHEN kind = 'advisory_ack' AND json_valid(report_json)
        THEN substr(json_extract(report_json, '$.body.advisory_id'), 1, 200) END;
CREATE INDEX IF NOT EXISTS report_kind ON report (kind, advisory_id);
",
            postgres: "
ALTER TABLE report ADD COLUMN team TEXT;
ALTER TABLE report ADD COLUMN advisory_id TEXT;
UPDATE report SET
    team = CASE WHEN kind = 'training_statement'
        THEN substr(COALESCE(report_json::jsonb #>> '{body,context,team,name}',
                             report_json::jsonb #>> '{body,context,team,account,name}'), 1, 200)
        END,
    advisory_id = CASE WHEN kind = 'advisory_ack'
        THEN substr(report_json::jsonb #>> '{body,advisory_id}', 1, 200) END;
CREATE INDEX IF NOT EXISTS report_kind ON report (kind, advisory_id);
",
        },
    },
    Migration {
        version: 3,
        name: "incident status",
        statements: Statements::Portable(
            "
CREATE TABLE IF NOT EXISTS incident_status (
    envelope_id TEXT PRIMARY KEY NOT NULL,
    status      TEXT NOT NULL,
    updated_at  INT64 NOT NULL
TABLE_END;
",
        ),
    },
];

/// The version a fully migrated database is at.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_one_two_three_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.name);
        }
        assert_eq!(latest_version(), MIGRATIONS.len() as i64);
    }

    #[test]
    fn portable_words_are_spelled_per_dialect() {
        let first = MIGRATIONS[0];
        let sqlite = first.sql(Dialect::Sqlite);
        let postgres = first.sql(Dialect::Postgres);
        assert!(sqlite.contains("public_key  BLOB NOT NULL"));
        assert!(sqlite.contains("enrolled_at INTEGER NOT NULL\n) STRICT;"));
        assert!(postgres.contains("public_key  BYTEA NOT NULL"));
        assert!(postgres.contains("enrolled_at BIGINT NOT NULL\n);"));
        for m in MIGRATIONS {
            for d in [Dialect::Sqlite, Dialect::Postgres] {
                let text = m.sql(d);
                for word in ["BYTES", "INT64", "TABLE_END"] {
                    assert!(!text.contains(word), "{word} left in {} ({d:?})", m.name);
                }
            }
            assert!(!m.sql(Dialect::Postgres).contains("STRICT"), "{}", m.name);
        }
    }
}
