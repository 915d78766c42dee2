//! The schema of the local store, in one place.
//!
//! `VERSION` is the schema this build writes. A fresh database runs every step in order;
//! an older one runs the steps it lacks, inside one transaction, via [`upgrade_from`].
//! A database newer than `VERSION` is refused before this module is reached. Frozen databases
//! of every past version live in `core/tests/fixtures/schema/` and a test migrates each one
//! and compares it with a fresh database.
//!
//! Columns holding personal or sensitive data (`*_sealed`) contain AES-256-GCM ciphertext
//! under the data key, bound to table, column and row (see `crypto::ColumnSealer`). Outbox
//! envelopes are sealed to the organisation and need no local key.

use rusqlite::Transaction;

use crate::error::{Error, Result};

/// The schema version this build writes.
pub const VERSION: u32 = 3;

/// Version 1, the foundation: key material and small settings.
const V1: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
) STRICT;
";

/// Version 2: bundles, training, posture, advisories, the outbox.
const V2: &str = "
CREATE TABLE bundle (
    kind         TEXT PRIMARY KEY NOT NULL,
    version      INTEGER NOT NULL,
    issued_at    INTEGER NOT NULL,
    expires_at   INTEGER,
    digest       BLOB NOT NULL,
    key_id       TEXT NOT NULL,
    payload      BLOB NOT NULL,
    installed_at INTEGER NOT NULL
) STRICT;

CREATE TABLE training_progress (
    module_id      TEXT PRIMARY KEY NOT NULL,
    state_sealed   BLOB NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE quiz_attempt (
    id             TEXT PRIMARY KEY NOT NULL,
    module_id      TEXT NOT NULL,
    pack_version   INTEGER NOT NULL,
    attempted_at   INTEGER NOT NULL,
    answers_sealed BLOB NOT NULL
) STRICT;
CREATE INDEX quiz_attempt_module ON quiz_attempt (module_id, attempted_at);

CREATE TABLE training_statement (
    id               TEXT PRIMARY KEY NOT NULL,
    created_at       INTEGER NOT NULL,
    statement_sealed BLOB NOT NULL
) STRICT;

CREATE TABLE posture_report (
    id             TEXT PRIMARY KEY NOT NULL,
    created_at     INTEGER NOT NULL,
    report_sealed  BLOB NOT NULL
) STRICT;
CREATE INDEX posture_report_created ON posture_report (created_at);

CREATE TABLE posture_check_state (
    check_id        TEXT PRIMARY KEY NOT NULL,
    first_failed_at INTEGER,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE mdm_request (
    request_id  TEXT PRIMARY KEY NOT NULL,
    handled_at  INTEGER NOT NULL,
    report_id   TEXT
) STRICT;

CREATE TABLE advisory_ack (
    advisory_id TEXT PRIMARY KEY NOT NULL,
    acked_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL,
    priority        INTEGER NOT NULL,
    coalesce_key    TEXT,
    created_at      INTEGER NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    size            INTEGER NOT NULL,
    envelope        BLOB NOT NULL,
    last_error      TEXT,
    batch_id        TEXT,
    sent_at         INTEGER,
    isolate         INTEGER NOT NULL DEFAULT 0,
    delivered_at    INTEGER
) STRICT;
CREATE INDEX outbox_state ON outbox (state, priority, created_at);
-- Partial indexes: a report that must be kept and is not in flight adds no entry to them.
CREATE INDEX outbox_batch ON outbox (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX outbox_coalesce ON outbox (coalesce_key) WHERE coalesce_key IS NOT NULL;

-- Running totals of the reports occupying the outbox (every state but delivered), kept by
-- triggers so that checking the bounds on each enqueue costs the same at any outbox size.
CREATE TABLE outbox_totals (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    reports INTEGER NOT NULL,
    bytes   INTEGER NOT NULL
) STRICT;
INSERT INTO outbox_totals (id, reports, bytes) VALUES (1, 0, 0);
CREATE TRIGGER outbox_totals_insert AFTER INSERT ON outbox WHEN NEW.state != 'delivered'
BEGIN
    UPDATE outbox_totals SET reports = reports + 1, bytes = bytes + NEW.size WHERE id = 1;
END;
CREATE TRIGGER outbox_totals_delete AFTER DELETE ON outbox WHEN OLD.state != 'delivered'
BEGIN
    UPDATE outbox_totals SET reports = reports - 1, bytes = bytes - OLD.size WHERE id = 1;
END;
CREATE TRIGGER outbox_totals_update AFTER UPDATE OF state, size ON outbox
BEGIN
    UPDATE outbox_totals SET
        reports = reports - (OLD.state != 'delivered') + (NEW.state != 'delivered'),
        bytes = bytes - (CASE WHEN OLD.state != 'delivered' THEN OLD.size ELSE 0 END)
                      + (CASE WHEN NEW.state != 'delivered' THEN NEW.size ELSE 0 END)
    WHERE id = 1;
END;
";

/// Version 3: self-assessments and incident reports (both sealed under the data key).
const V3: &str = "
CREATE TABLE assessment (
    id            TEXT PRIMARY KEY NOT NULL,
    started_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    submitted_at  INTEGER,
    state_sealed  BLOB NOT NULL
) STRICT;
CREATE INDEX assessment_submitted ON assessment (submitted_at, started_at);

CREATE TABLE incident (
    id           TEXT PRIMARY KEY NOT NULL,
    reported_at  INTEGER NOT NULL,
    report_id    TEXT NOT NULL,
    form_sealed  BLOB NOT NULL
) STRICT;
";

/// The steps from version N-1 to N, in order (index 0 creates version 1).
const STEPS: [&str; VERSION as usize] = [V1, V2, V3];

/// Creates the current schema in an empty database.
pub fn create(tx: &Transaction<'_>) -> Result<()> {
    for step in STEPS {
        tx.execute_batch(step)?;
    }
    Ok(())
}

/// Upgrades a database at `version` to `version + 1`.
pub fn upgrade_from(tx: &Transaction<'_>, version: u32) -> Result<()> {
    let step = usize::try_from(version)
        .ok()
        .and_then(|v| STEPS.get(v))
        .ok_or(Error::NewerDatabase {
            found: version,
            supported: VERSION,
        })?;
    tx.execute_batch(step)?;
    Ok(())
}
