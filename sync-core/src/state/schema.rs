//! The `mod_chartmogul_*` tables and the migrations that create and upgrade them.
//!
//! Contract:
//! - [`MIGRATIONS`] is an ordered list of versioned steps, each written for both dialects.
//!   [`State::migrate`] applies the steps above the recorded version, in order, and records
//!   each in `mod_chartmogul_migrations`; re-running is a no-op; a database recorded at a
//!   version newer than [`LATEST_VERSION`] is refused (an older engine must not write tables
//!   it does not understand).
//! - On SQLite a step and its record are one transaction. MySQL commits implicitly around
//!   DDL, so there each statement is written to be re-runnable (`IF NOT EXISTS`, indexes
//!   declared inside `CREATE TABLE`): a step interrupted half-way completes on the next run.
//!   Concurrent migrations are serialised by `BEGIN IMMEDIATE` (SQLite) and a `GET_LOCK`
//!   (MySQL), and each step re-checks the version once it holds the lock.
//! - MySQL tables are InnoDB, utf8mb4. Key columns that are compared or ordered (ledger
//!   kind and external id, cursor/setting/lock names, the queue's dedup key) use the binary
//!   collation: byte order is what SQLite's default collation gives, so keyset paging walks
//!   the same order on both, and `Abc`/`abc` stay distinct keys. Indexed text is at most
//!   `VARCHAR(191)` (191 × 4 bytes fits the 767-byte key-part limit of older InnoDB rows).
//!   Free text (log messages) keeps the case-insensitive collation so search ignores case.

use crate::db::{Db, DbError, Dialect, Value};

use super::{State, col_opt_i64};

/// A versioned schema step.
pub struct Migration {
    /// Applied in ascending order; recorded once applied.
    pub version: u32,
    /// What the step does, recorded beside the version.
    pub description: &'static str,
    /// The statements on MariaDB/MySQL; each must be safe to re-run (see the module doc).
    pub mysql: &'static [&'static str],
    /// The statements on SQLite, run in one transaction with the version record.
    pub sqlite: &'static [&'static str],
}

/// Every table the state uses, `mod_chartmogul_migrations` last (it is dropped last).
pub const TABLES: [&str; 8] = [
    LEDGER,
    CURSORS,
    RUNS,
    QUEUE,
    LOG,
    SETTINGS,
    LOCKS,
    MIGRATIONS_TABLE,
];

/// One row per object sent: (kind, external id) → uuid, fingerprint, detail, client, time.
pub const LEDGER: &str = "mod_chartmogul_ledger";
/// Named pass positions: incremental watermarks and backfill positions.
pub const CURSORS: &str = "mod_chartmogul_cursors";
/// One row per sync run.
pub const RUNS: &str = "mod_chartmogul_runs";
/// Events enqueued by WHMCS hooks, until a run acknowledges them.
pub const QUEUE: &str = "mod_chartmogul_queue";
/// The Logs tab.
pub const LOG: &str = "mod_chartmogul_log";
/// The addon's stored mapping settings and other small named values.
pub const SETTINGS: &str = "mod_chartmogul_settings";
/// Lock leases (SQLite) and lock holder notes (MySQL).
pub const LOCKS: &str = "mod_chartmogul_locks";
/// Applied schema versions.
pub const MIGRATIONS_TABLE: &str = "mod_chartmogul_migrations";

/// The schema version this engine writes.
pub const LATEST_VERSION: u32 = 1;

const MYSQL_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS `mod_chartmogul_migrations` (
  `version` INT NOT NULL,
  `description` VARCHAR(191) NOT NULL,
  `applied_at` DATETIME NOT NULL,
  PRIMARY KEY (`version`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

const SQLITE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS `mod_chartmogul_migrations` (
  `version` INTEGER NOT NULL PRIMARY KEY,
  `description` TEXT NOT NULL,
  `applied_at` TEXT NOT NULL
)";

/// The steps, oldest first. Append new steps; never edit a released one.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "ledger, cursors, runs, queue, log, settings, locks",
    mysql: &[
        "CREATE TABLE IF NOT EXISTS `mod_chartmogul_ledger` (
  `kind` VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `external_id` VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `uuid` VARCHAR(64) NULL,
  `fingerprint` BIGINT NOT NULL,
  `client_id` BIGINT NULL,
  `detail` TEXT NOT NULL,
  `sent_at` DATETIME NOT NULL,
  PRIMARY KEY (`kind`, `external_id`),
  KEY `client_id` (`client_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS `mod_chartmogul_cursors` (
  `name` VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `value` TEXT NOT NULL,
  PRIMARY KEY (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS `mod_chartmogul_runs` (
  `id` BIGINT NOT NULL AUTO_INCREMENT,
  `triggered_by` VARCHAR(191) NOT NULL,
  `mode` VARCHAR(32) NOT NULL,
  `status` VARCHAR(16) NOT NULL,
  `counts` TEXT NOT NULL,
  `progress` TEXT NOT NULL,
  `error` TEXT NULL,
  `started_at` DATETIME NOT NULL,
  `heartbeat_at` DATETIME NOT NULL,
  `finished_at` DATETIME NULL,
  PRIMARY KEY (`id`),
  KEY `status` (`status`, `id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS `mod_chartmogul_queue` (
  `id` BIGINT NOT NULL AUTO_INCREMENT,
  `kind` VARCHAR(64) NOT NULL,
  `record_id` BIGINT NOT NULL,
  `related_id` BIGINT NULL,
  `payload` TEXT NOT NULL,
  `status` VARCHAR(16) NOT NULL,
  `pending_key` VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  `attempts` INT NOT NULL DEFAULT 0,
  `claimed_by` BIGINT NULL,
  `enqueued_at` DATETIME NOT NULL,
  `updated_at` DATETIME NOT NULL,
  `claimed_at` DATETIME NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `pending_key` (`pending_key`),
  KEY `status` (`status`, `id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS `mod_chartmogul_log` (
  `id` BIGINT NOT NULL AUTO_INCREMENT,
  `logged_at` DATETIME NOT NULL,
  `level` VARCHAR(16) NOT NULL,
  `kind` VARCHAR(64) NOT NULL,
  `record_table` VARCHAR(64) NULL,
  `record_id` BIGINT NULL,
  `message` TEXT NOT NULL,
  `chartmogul_message` TEXT NULL,
  `run_id` BIGINT NULL,
  PRIMARY KEY (`id`),
  KEY `logged_at` (`logged_at`),
  KEY `level` (`level`, `id`),
  KEY `kind` (`kind`, `id`),
  KEY `record` (`record_table`, `record_id`),
  KEY `run_id` (`run_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS `mod_chartmogul_settings` (
  `name` VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `value` MEDIUMTEXT NOT NULL,
  `updated_at` DATETIME NOT NULL,
  PRIMARY KEY (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS `mod_chartmogul_locks` (
  `name` VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `holder` VARCHAR(191) NOT NULL,
  `acquired_at` DATETIME NOT NULL,
  `expires_at` DATETIME NOT NULL,
  PRIMARY KEY (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
    ],
    sqlite: &[
        "CREATE TABLE IF NOT EXISTS `mod_chartmogul_ledger` (
  `kind` TEXT NOT NULL,
  `external_id` TEXT NOT NULL,
  `uuid` TEXT NULL,
  `fingerprint` INTEGER NOT NULL,
  `client_id` INTEGER NULL,
  `detail` TEXT NOT NULL,
  `sent_at` TEXT NOT NULL,
  PRIMARY KEY (`kind`, `external_id`)
)",
        "CREATE INDEX IF NOT EXISTS `mod_chartmogul_ledger_client_id` ON `mod_chartmogul_ledger` (`client_id`)",
        "CREATE TABLE IF NOT EXISTS `mod_chartmogul_cursors` (
  `name` TEXT NOT NULL PRIMARY KEY,
  `value` TEXT NOT NULL
)",
        // AUTOINCREMENT: run ids are referenced from the log and the queue, so an id is never
        // reused even after the newest runs are deleted.
        "CREATE TABLE IF NOT EXISTS `mod_chartmogul_runs` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `triggered_by` TEXT NOT NULL,
  `mode` TEXT NOT NULL,
  `status` TEXT NOT NULL,
  `counts` TEXT NOT NULL,
  `progress` TEXT NOT NULL,
  `error` TEXT NULL,
  `started_at` TEXT NOT NULL,
  `heartbeat_at` TEXT NOT NULL,
  `finished_at` TEXT NULL
)",
        "CREATE INDEX IF NOT EXISTS `mod_chartmogul_runs_status` ON `mod_chartmogul_runs` (`status`, `id`)",
        "CREATE TABLE IF NOT EXISTS `mod_chartmogul_queue` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `kind` TEXT NOT NULL,
  `record_id` INTEGER NOT NULL,
  `related_id` INTEGER NULL,
  `payload` TEXT NOT NULL,
  `status` TEXT NOT NULL,
  `pending_key` TEXT NULL,
  `attempts` INTEGER NOT NULL DEFAULT 0,
  `claimed_by` INTEGER NULL,
  `enqueued_at` TEXT NOT NULL,
  `updated_at` TEXT NOT NULL,
  `claimed_at` TEXT NULL
)",
        "CREATE UNIQUE INDEX IF NOT EXISTS `mod_chartmogul_queue_pending_key` ON `mod_chartmogul_queue` (`pending_key`)",
        "CREATE INDEX IF NOT EXISTS `mod_chartmogul_queue_status` ON `mod_chartmogul_queue` (`status`, `id`)",
        "CREATE TABLE IF NOT EXISTS `mod_chartmogul_log` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `logged_at` TEXT NOT NULL,
  `level` TEXT NOT NULL,
  `kind` TEXT NOT NULL,
  `record_table` TEXT NULL,
  `record_id` INTEGER NULL,
  `message` TEXT NOT NULL,
  `chartmogul_message` TEXT NULL,
  `run_id` INTEGER NULL
)",
        "CREATE INDEX IF NOT EXISTS `mod_chartmogul_log_logged_at` ON `mod_chartmogul_log` (`logged_at`)",
        "CREATE INDEX IF NOT EXISTS `mod_chartmogul_log_level` ON `mod_chartmogul_log` (`level`, `id`)",
        "CREATE INDEX IF NOT EXISTS `mod_chartmogul_log_kind` ON `mod_chartmogul_log` (`kind`, `id`)",
        "CREATE INDEX IF NOT EXISTS `mod_chartmogul_log_record` ON `mod_chartmogul_log` (`record_table`, `record_id`)",
        "CREATE INDEX IF NOT EXISTS `mod_chartmogul_log_run_id` ON `mod_chartmogul_log` (`run_id`)",
        "CREATE TABLE IF NOT EXISTS `mod_chartmogul_settings` (
  `name` TEXT NOT NULL PRIMARY KEY,
  `value` TEXT NOT NULL,
  `updated_at` TEXT NOT NULL
)",
        "CREATE TABLE IF NOT EXISTS `mod_chartmogul_locks` (
  `name` TEXT NOT NULL PRIMARY KEY,
  `holder` TEXT NOT NULL,
  `acquired_at` TEXT NOT NULL,
  `expires_at` TEXT NOT NULL
)",
    ],
}];

/// How long [`State::migrate`] waits on MySQL for another process's migration to finish.
const MIGRATE_LOCK_WAIT_SECONDS: i64 = 30;

impl<D: Db> State<D> {
    /// Creates or upgrades the `mod_chartmogul_*` tables and returns the schema version
    /// ([`LATEST_VERSION`]). Idempotent: steps already recorded in
    /// `mod_chartmogul_migrations` are skipped. A database recorded at a newer version is an
    /// error that says to upgrade the engine. Must not be called inside
    /// [`State::atomically`] (DDL would commit the caller's transaction on MySQL).
    pub fn migrate(&mut self) -> Result<u32, DbError> {
        if self.depth > 0 {
            return Err(DbError::new(
                "migrate cannot run inside a transaction (MySQL commits implicitly on DDL)",
            ));
        }
        match self.dialect() {
            Dialect::Sqlite => self.migrate_locked(),
            Dialect::MySql => {
                let name = self.mysql_lock_name("migrate")?;
                let got = self.db.query(
                    "SELECT GET_LOCK(?, ?)",
                    &[
                        Value::Text(name.clone()),
                        Value::Int(MIGRATE_LOCK_WAIT_SECONDS),
                    ],
                )?;
                if !matches!(got.first().and_then(|r| r.first()), Some(Value::Int(1))) {
                    return Err(DbError::new(format!(
                        "another process has been migrating the mod_chartmogul_* tables for \
                         over {MIGRATE_LOCK_WAIT_SECONDS} s; try again when it has finished"
                    )));
                }
                let result = self.migrate_locked();
                let released = self
                    .db
                    .query("SELECT RELEASE_LOCK(?)", &[Value::Text(name)]);
                let version = result?;
                released?;
                Ok(version)
            }
        }
    }

    fn migrate_locked(&mut self) -> Result<u32, DbError> {
        let ddl = match self.dialect() {
            Dialect::MySql => MYSQL_MIGRATIONS_TABLE,
            Dialect::Sqlite => SQLITE_MIGRATIONS_TABLE,
        };
        self.db.execute(ddl, &[])?;
        self.check_not_newer()?;
        for step in MIGRATIONS {
            match self.dialect() {
                Dialect::Sqlite => self.atomically(|s| s.apply(step))?,
                Dialect::MySql => self.apply(step)?,
            }
        }
        Ok(LATEST_VERSION)
    }

    /// Applies `step` unless the recorded version already includes it.
    fn apply(&mut self, step: &Migration) -> Result<(), DbError> {
        if self.schema_version()? >= step.version {
            return Ok(());
        }
        let statements = match self.dialect() {
            Dialect::MySql => step.mysql,
            Dialect::Sqlite => step.sqlite,
        };
        for sql in statements {
            self.db.execute(sql, &[])?;
        }
        // The database's clock is only a note for admins here; nothing compares with it.
        self.db.execute(
            "INSERT INTO `mod_chartmogul_migrations` (`version`, `description`, `applied_at`) \
             VALUES (?, ?, CURRENT_TIMESTAMP)",
            &[
                Value::Int(i64::from(step.version)),
                Value::from(step.description),
            ],
        )?;
        Ok(())
    }

    fn check_not_newer(&mut self) -> Result<(), DbError> {
        let version = self.schema_version()?;
        if version > LATEST_VERSION {
            return Err(DbError::new(format!(
                "the mod_chartmogul_* tables are at schema version {version}, newer than this \
                 engine understands (version {LATEST_VERSION}); upgrade the addon and the CLI \
                 to the same release"
            )));
        }
        Ok(())
    }

    /// The version recorded in `mod_chartmogul_migrations`: 0 when no step was applied.
    /// Fails when the table does not exist (call [`State::migrate`]).
    pub fn schema_version(&mut self) -> Result<u32, DbError> {
        let rows = self.db.query(
            "SELECT MAX(`version`) FROM `mod_chartmogul_migrations`",
            &[],
        )?;
        let max = match rows.first() {
            Some(r) => col_opt_i64(r, 0, "version")
                .map_err(|e| super::StateError::corrupt(MIGRATIONS_TABLE, "max(version)", e))?,
            None => None,
        };
        Ok(max.map_or(0, |v| u32::try_from(v).unwrap_or(u32::MAX)))
    }

    /// Drops every `mod_chartmogul_*` table this module owns (the addon's "remove data on
    /// deactivate"). Idempotent. Everything sent, every cursor, run, event, log entry and
    /// stored setting is gone; the next [`State::migrate`] starts from scratch.
    pub fn drop_all(&mut self) -> Result<(), DbError> {
        for table in TABLES {
            self.db
                .execute(&format!("DROP TABLE IF EXISTS `{table}`"), &[])?;
        }
        Ok(())
    }
}
