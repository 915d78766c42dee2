//! The collector's one schema, as versioned migrations for SQLite and PostgreSQL.
//!
//! Both stores hold the same tables with the same columns; only the types' spelling differs
//! (`BLOB`/`BYTEA`, `INTEGER`/`BIGINT`, SQLite's `STRICT`). Each migration has a version
//! number, applied once, in order, recorded in `schema_migrations`. A database made by a
//! collector before migrations existed (the tables created with `IF NOT EXISTS`) adopts
//! version 1 as it is, because migration 1 is that same schema.
//!
//! To change the schema, append a migration with the next version to **both** lists (never
//! edit one that shipped); `schema::tests` checks they stay in step.

/// One schema change.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Version it brings the database to (1, 2, ...).
    pub version: i64,
    /// What it does, for the record.
    pub name: &'static str,
    /// The statements, separated by `;`.
    pub sql: &'static str,
}

/// The table that records applied migrations (same text for both stores).
pub const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// SQLite migrations.
pub const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "devices, reports, posture checks",
        sql: "
CREATE TABLE IF NOT EXISTS device (
    device_id   TEXT PRIMARY KEY NOT NULL,
    public_key  BLOB NOT NULL,
    enrolled_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS report (
    envelope_id   TEXT PRIMARY KEY NOT NULL,
    device_id     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_at_ms INTEGER,
    received_at   INTEGER NOT NULL,
    report_json   TEXT NOT NULL,
    verdict       TEXT,
    verb          TEXT,
    module_id     TEXT,
    pseudonym     TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS report_device ON report (device_id, kind, created_at_ms);
CREATE INDEX IF NOT EXISTS report_training ON report (module_id, pseudonym);
CREATE TABLE IF NOT EXISTS posture_check (
    envelope_id TEXT NOT NULL,
    check_id    TEXT NOT NULL,
    status      TEXT NOT NULL,
    PRIMARY KEY (envelope_id, check_id)
) STRICT;
",
    },
    Migration {
        version: 2,
        name: "team and advisory id indexed",
        sql: "
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
    },
    Migration {
        version: 3,
        name: "incident status",
        sql: "
CREATE TABLE IF NOT EXISTS incident_status (
    envelope_id TEXT PRIMARY KEY NOT NULL,
    status      TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
",
    },
];

/// PostgreSQL migrations.
pub const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "devices, reports, posture checks",
        sql: "
CREATE TABLE IF NOT EXISTS device (
    device_id   TEXT PRIMARY KEY NOT NULL,
    public_key  BYTEA NOT NULL,
    enrolled_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS report (
    envelope_id   TEXT PRIMARY KEY NOT NULL,
    device_id     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_at_ms BIGINT,
    received_at   BIGINT NOT NULL,
    report_json   TEXT NOT NULL,
    verdict       TEXT,
    verb          TEXT,
    module_id     TEXT,
    pseudonym     TEXT
);
CREATE INDEX IF NOT EXISTS report_device ON report (device_id, kind, created_at_ms);
CREATE INDEX IF NOT EXISTS report_training ON report (module_id, pseudonym);
CREATE TABLE IF NOT EXISTS posture_check (
    envelope_id TEXT NOT NULL,
    check_id    TEXT NOT NULL,
    status      TEXT NOT NULL,
    PRIMARY KEY (envelope_id, check_id)
);
",
    },
    Migration {
        version: 2,
        name: "team and advisory id indexed",
        sql: "
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
    Migration {
        version: 3,
        name: "incident status",
        sql: "
CREATE TABLE IF NOT EXISTS incident_status (
    envelope_id TEXT PRIMARY KEY NOT NULL,
    status      TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
",
    },
];

/// The version a fully migrated database is at.
pub fn latest_version() -> i64 {
    SQLITE.last().map_or(0, |m| m.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_stores_have_the_same_migrations_in_order() {
        assert_eq!(SQLITE.len(), POSTGRES.len());
        for (i, (s, p)) in SQLITE.iter().zip(POSTGRES).enumerate() {
            assert_eq!(
                s.version,
                i as i64 + 1,
                "versions are 1, 2, ... without gaps"
            );
            assert_eq!((s.version, s.name), (p.version, p.name));
        }
        assert_eq!(latest_version(), POSTGRES.len() as i64);
    }
}
