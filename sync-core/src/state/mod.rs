//! **record** — the engine's durable state, the last step of the pipeline: what was sent, where
//! each pass stands, which runs happened, what hooks asked for, the addon's settings, the log
//! and the lock that keeps two runs from sending at once.
//!
//! Contract:
//! - Everything lives in `mod_chartmogul_*` tables inside the WHMCS database (MariaDB/MySQL or
//!   SQLite), reached only through the [`Db`] seam, so the CLI and the addon share one state
//!   and can take turns. [`State::migrate`] creates and upgrades the tables ([`schema`]); it is
//!   idempotent and refuses a database written by a newer engine.
//! - The state has no clock: every function that stamps a time takes `now` from the caller.
//!   Times are stored as UTC `YYYY-MM-DD HH:MM:SS` (`DATETIME` on MySQL, `TEXT` on SQLite),
//!   see [`format_time`].
//! - **Ledger** ([`ObjectKind`], [`LedgerEntry`]): one row per object sent, keyed by
//!   (kind, external id); the planner compares fingerprints with it to decide what to send.
//! - **Cursors**: named values; incremental watermarks (`invoices.updated_at`) live under
//!   other names than backfill positions (`backfill.client_id`, see [`BACKFILL_PREFIX`]), so
//!   restarting a backfill never rewinds the incremental pass. The `advance_*` setters never
//!   move a cursor backwards.
//! - **Runs** ([`Run`]): one row per sync run with trigger, mode, status, counts, progress and
//!   a heartbeat; a running run whose heartbeat is too old is reported stale.
//! - **Queue** ([`NewEvent`], [`Event`]): hooks enqueue, a run claims, then acknowledges. Delivery
//!   is at-least-once: a claimed event that is not acknowledged in time is handed out again,
//!   so handlers must be idempotent (the ledger makes them so).
//! - **Log** ([`NewLogEntry`], [`LogFilter`]): what the Logs tab and `whmcs-chartmogul logs`
//!   show. Nothing here removes secrets implicitly: callers pass text through [`redact`].
//! - **Lock**: `GET_LOCK` on MySQL (freed when the connection dies), a lease row on SQLite.
//! - Failures of the database are [`DbError`]s. A row this module cannot decode is never a
//!   panic: it is a [`StateError::Corrupt`] naming table and key, which the functions typed
//!   `Result<_, DbError>` hand back as a `DbError` carrying the same message.
//! - Keys longer than their column (191 characters for names and external ids) are refused
//!   rather than silently cut by MySQL's non-strict mode; JSON over 16,000 characters is
//!   refused; free text (log messages, run errors) is cut to that length.
//! - Multi-statement operations are atomic ([`State::atomically`]); nested calls become
//!   savepoints, so a caller can wrap, say, ledger writes, a cursor advance and an event
//!   acknowledgement in one transaction.

mod cursors;
mod ledger;
mod lock;
mod log;
mod queue;
mod redact;
mod runs;
pub mod schema;
mod stored_settings;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::db::{Db, DbError, Dialect, Row, Value};

pub use self::cursors::BACKFILL_PREFIX;
pub use self::ledger::{LedgerEntry, ObjectKind};
pub use self::lock::{LockHolder, LockOutcome};
pub use self::log::{LogEntry, LogFilter, LogLevel, LogPage, NewLogEntry};
pub use self::queue::{Event, NewEvent};
pub use self::redact::{REDACTED, redact};
pub use self::runs::{ABANDONED, Run, RunStatus};
pub use self::stored_settings::MAPPING_SETTINGS;

/// A problem with the stored state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The database failed (connection lost, bad SQL, lock timeout, newer schema).
    #[error(transparent)]
    Db(#[from] DbError),
    /// A stored row cannot be decoded (unknown kind, bad time, non-numeric cursor, settings
    /// that no longer parse). `key` names the row: `id 12`, `name "mapping"`, ….
    #[error("corrupt row in {table} {key}: {reason}")]
    Corrupt {
        table: &'static str,
        key: String,
        reason: String,
    },
}

impl StateError {
    pub(crate) fn corrupt(table: &'static str, key: impl Into<String>, reason: String) -> Self {
        StateError::Corrupt {
            table,
            key: key.into(),
            reason,
        }
    }
}

/// Functions typed `Result<_, DbError>` report a corrupt row as a `DbError` with the same
/// message, so callers that only know `DbError` still see table, key and reason.
impl From<StateError> for DbError {
    fn from(e: StateError) -> Self {
        match e {
            StateError::Db(e) => e,
            other => DbError::new(other.to_string()),
        }
    }
}

/// The engine's durable state over one database connection.
///
/// Owns the connection; [`State::db`] lends it out (e.g. to the reader) and
/// [`State::into_inner`] gives it back. Not meant to be shared between threads: one `State`
/// per connection, as the connection itself.
pub struct State<D: Db> {
    db: D,
    /// Open transactions: 0 = none, 1 = a real transaction, more = savepoints inside it.
    depth: u32,
    /// `DATABASE()` on MySQL, read once: `GET_LOCK` names are server-wide, so they are
    /// scoped to the database (two WHMCS installs on one server must not block each other).
    mysql_database: Option<String>,
}

impl<D: Db> State<D> {
    /// Wraps a connection. Runs no statement: call [`State::migrate`] before anything else
    /// on a database that may not have the tables yet.
    pub fn new(db: D) -> Self {
        State {
            db,
            depth: 0,
            mysql_database: None,
        }
    }

    /// The connection, e.g. for the reader. Statements run through it join an open
    /// [`State::atomically`] transaction.
    pub fn db(&mut self) -> &mut D {
        &mut self.db
    }

    /// Gives the connection back. A MySQL `GET_LOCK` taken by [`State::try_lock`] stays held
    /// by the connection until it is unlocked or closed.
    pub fn into_inner(self) -> D {
        self.db
    }

    /// The connection's SQL dialect.
    pub fn dialect(&self) -> Dialect {
        self.db.dialect()
    }

    /// Runs `f` in one transaction: committed when `f` returns `Ok`, rolled back when it
    /// returns `Err` (the error is returned; a failure of the rollback itself is dropped in
    /// favour of it). Nested calls use savepoints, so an inner `Err` undoes only the inner
    /// work. On SQLite the outer transaction is `BEGIN IMMEDIATE`: it takes the write lock at
    /// once, so two writers queue on the busy timeout instead of failing to upgrade a read
    /// lock. DDL must not run inside (MySQL commits implicitly on DDL).
    pub fn atomically<T, E: From<DbError>>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, E>,
    ) -> Result<T, E> {
        self.begin()?;
        match f(self) {
            Ok(v) => {
                if let Err(e) = self.commit() {
                    self.rollback();
                    return Err(e.into());
                }
                Ok(v)
            }
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }

    fn begin(&mut self) -> Result<(), DbError> {
        let sql = match (self.depth, self.db.dialect()) {
            (0, Dialect::Sqlite) => "BEGIN IMMEDIATE".to_string(),
            (0, Dialect::MySql) => "START TRANSACTION".to_string(),
            (n, _) => format!("SAVEPOINT mod_chartmogul_{n}"),
        };
        self.db.execute(&sql, &[])?;
        self.depth += 1;
        Ok(())
    }

    /// Commits the innermost level. On failure the level stays open for [`Self::rollback`].
    fn commit(&mut self) -> Result<(), DbError> {
        let sql = match self.depth {
            1 => "COMMIT".to_string(),
            n => format!("RELEASE SAVEPOINT mod_chartmogul_{}", n - 1),
        };
        self.db.execute(&sql, &[])?;
        self.depth -= 1;
        Ok(())
    }

    /// Rolls back the innermost level; errors are ignored because the caller is already
    /// returning the error that caused the rollback.
    fn rollback(&mut self) {
        match self.depth {
            0 => {}
            1 => {
                let _ = self.db.execute("ROLLBACK", &[]);
            }
            n => {
                let sp = format!("mod_chartmogul_{}", n - 1);
                let _ = self.db.execute(&format!("ROLLBACK TO SAVEPOINT {sp}"), &[]);
                let _ = self.db.execute(&format!("RELEASE SAVEPOINT {sp}"), &[]);
            }
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// `SELECT LAST_INSERT_ID()` / `last_insert_rowid()`: the id this connection's last insert
    /// into an auto-increment table got (per connection in both databases, so concurrent
    /// writers cannot confuse it).
    fn last_insert_id(&mut self, table: &'static str) -> Result<i64, DbError> {
        let sql = match self.db.dialect() {
            Dialect::MySql => "SELECT LAST_INSERT_ID()",
            Dialect::Sqlite => "SELECT last_insert_rowid()",
        };
        let rows = self.db.query(sql, &[])?;
        let id = rows.first().map(|r| col_i64(r, 0, "id")).transpose();
        match id {
            Ok(Some(id)) if id > 0 => Ok(id),
            Ok(_) => Err(DbError::new(format!(
                "no id returned for the insert into {table}"
            ))),
            Err(reason) => Err(StateError::corrupt(table, "(new row)", reason).into()),
        }
    }

    /// Runs `f` again when MySQL chose it as a deadlock victim (InnoDB has then rolled the
    /// whole transaction back, so repeating it is safe), a few times at most. Only outside a
    /// caller's transaction: inside one, the caller's earlier work is gone too and the error
    /// must reach the caller.
    fn retry_on_deadlock<T>(
        &mut self,
        mut f: impl FnMut(&mut Self) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut retries = 0;
        loop {
            match f(self) {
                Err(e) if self.depth == 0 && retries < DEADLOCK_RETRIES && is_deadlock(&e) => {
                    retries += 1;
                }
                result => return result,
            }
        }
    }

    /// Runs `COUNT(*)`-style statements that return one integer.
    fn count(&mut self, table: &'static str, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let rows = self.db.query(sql, params)?;
        let n = match rows.first() {
            Some(r) => {
                col_i64(r, 0, "count").map_err(|e| StateError::corrupt(table, "count", e))?
            }
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

// ---------------------------------------------------------------------------------------------
// Times

/// How times are stored: UTC, whole seconds, a format MySQL `DATETIME` accepts and that sorts
/// as text in SQLite.
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// `now` as stored: `2026-01-31 23:59:59` (UTC, seconds).
pub fn format_time(t: DateTime<Utc>) -> String {
    t.format(TIME_FORMAT).to_string()
}

/// `t + d`, at most the last second MySQL's `DATETIME` holds, so even a lease meant as
/// "forever" stays storable.
pub(crate) fn plus(t: DateTime<Utc>, d: std::time::Duration) -> DateTime<Utc> {
    let latest = NaiveDateTime::parse_from_str("9999-12-31 23:59:59", TIME_FORMAT)
        .map(|t| t.and_utc())
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    chrono::TimeDelta::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .map_or(latest, |t| t.min(latest))
}

/// `t - d`, at least the first second MySQL's `DATETIME` holds.
pub(crate) fn minus(t: DateTime<Utc>, d: std::time::Duration) -> DateTime<Utc> {
    let earliest = NaiveDateTime::parse_from_str("1000-01-01 00:00:00", TIME_FORMAT)
        .map(|t| t.and_utc())
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    chrono::TimeDelta::from_std(d)
        .ok()
        .and_then(|d| t.checked_sub_signed(d))
        .map_or(earliest, |t| t.max(earliest))
}

/// Reads a stored time: `YYYY-MM-DD HH:MM:SS` with optional fraction (as MySQL hands back
/// `DATETIME(6)`), or RFC 3339. `None` when it is neither.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

// ---------------------------------------------------------------------------------------------
// Decoding columns. Each helper names the column in its error so a corrupt row says which
// field is wrong; the caller adds table and key.

fn col<'a>(row: &'a Row, i: usize, name: &str) -> Result<&'a Value, String> {
    row.get(i)
        .ok_or_else(|| format!("column {name} missing from the result"))
}

fn col_text(row: &Row, i: usize, name: &str) -> Result<String, String> {
    match col(row, i, name)? {
        Value::Text(s) => Ok(s.clone()),
        Value::Int(n) => Ok(n.to_string()),
        Value::Null => Err(format!("{name} is NULL")),
        other => Err(format!("{name} is not text: {other}")),
    }
}

fn col_opt_text(row: &Row, i: usize, name: &str) -> Result<Option<String>, String> {
    match col(row, i, name)? {
        Value::Null => Ok(None),
        _ => col_text(row, i, name).map(Some),
    }
}

fn col_i64(row: &Row, i: usize, name: &str) -> Result<i64, String> {
    match col(row, i, name)? {
        Value::Int(n) => Ok(*n),
        // Some drivers hand integers back as text (PDO without native types).
        Value::Text(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("{name} is not an integer: {s:?}")),
        Value::Null => Err(format!("{name} is NULL")),
        other => Err(format!("{name} is not an integer: {other}")),
    }
}

fn col_opt_i64(row: &Row, i: usize, name: &str) -> Result<Option<i64>, String> {
    match col(row, i, name)? {
        Value::Null => Ok(None),
        _ => col_i64(row, i, name).map(Some),
    }
}

fn col_time(row: &Row, i: usize, name: &str) -> Result<DateTime<Utc>, String> {
    let s = col_text(row, i, name)?;
    parse_time(&s).ok_or_else(|| format!("{name} is not a time: {s:?}"))
}

fn col_opt_time(row: &Row, i: usize, name: &str) -> Result<Option<DateTime<Utc>>, String> {
    match col(row, i, name)? {
        Value::Null => Ok(None),
        _ => col_time(row, i, name).map(Some),
    }
}

fn opt_int(v: Option<i64>) -> Value {
    v.map_or(Value::Null, Value::Int)
}

fn opt_text(v: Option<&str>) -> Value {
    v.map_or(Value::Null, Value::from)
}

/// How an upsert refers to the value the statement tried to insert for `column`.
fn incoming(dialect: Dialect, column: &str) -> String {
    match dialect {
        // `VALUES(col)` is what both MariaDB and MySQL accept (MySQL 8.0.20 deprecates it in
        // favour of a row alias MariaDB lacks).
        Dialect::MySql => format!("VALUES(`{column}`)"),
        Dialect::Sqlite => format!("excluded.`{column}`"),
    }
}

/// `INSERT INTO table (columns) VALUES (?, …), … ` followed by the dialect's upsert clause:
/// `ON DUPLICATE KEY UPDATE` (MySQL: the conflict is on any unique key, which for our tables
/// is exactly `key`) or `ON CONFLICT (key) DO UPDATE` (SQLite). `set` pairs a column with
/// the SQL expression it becomes on conflict (see [`incoming`]).
fn upsert_sql(
    dialect: Dialect,
    table: &str,
    columns: &[&str],
    key: &[&str],
    rows: usize,
    set: &[(&str, String)],
) -> String {
    let cols: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
    let one = format!("({})", crate::db::placeholders(columns.len()));
    let values = vec![one; rows].join(", ");
    let assignments: Vec<String> = set.iter().map(|(c, e)| format!("`{c}` = {e}")).collect();
    let mut sql = format!(
        "INSERT INTO `{table}` ({}) VALUES {values}",
        cols.join(", ")
    );
    match dialect {
        Dialect::MySql => {
            sql.push_str(" ON DUPLICATE KEY UPDATE ");
        }
        Dialect::Sqlite => {
            let k: Vec<String> = key.iter().map(|c| format!("`{c}`")).collect();
            sql.push_str(&format!(" ON CONFLICT ({}) DO UPDATE SET ", k.join(", ")));
        }
    }
    sql.push_str(&assignments.join(", "));
    sql
}

/// Escapes `text` for `LIKE … ESCAPE '!'`. `!` rather than backslash because a backslash
/// inside a string literal means different things to MySQL and SQLite.
fn like_contains(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for ch in text.chars() {
        if matches!(ch, '!' | '%' | '_') {
            out.push('!');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

/// Most characters kept in a `TEXT` column (65,535 bytes on MySQL, 4 bytes per character at
/// worst). JSON longer than this is refused, free text is cut.
const MAX_TEXT_CHARS: usize = 16_000;

/// How often [`State::retry_on_deadlock`] repeats a deadlocked statement.
const DEADLOCK_RETRIES: u32 = 3;

/// MySQL error 1213 (SQLSTATE 40001), as the `mysql` crate and PDO word it.
fn is_deadlock(e: &DbError) -> bool {
    e.message.contains("Deadlock found") || e.message.contains("40001")
}

/// Refuses a key longer than its column. MySQL in the non-strict mode WHMCS needs would
/// silently truncate it, and two long keys could then collide; SQLite would accept it, so
/// the check is here to behave the same on both.
fn check_len(what: &str, value: &str, max_chars: usize) -> Result<(), DbError> {
    let n = value.chars().count();
    if n > max_chars {
        return Err(DbError::new(format!(
            "{what} is {n} characters long, more than the {max_chars} stored: {:?}…",
            value.chars().take(40).collect::<String>()
        )));
    }
    Ok(())
}

/// `text` cut to at most `max_chars` characters (marked with `…`), for free text whose
/// column has a size limit.
fn truncate_chars(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_string(),
        Some(_) => {
            let keep: String = text.chars().take(max_chars.saturating_sub(1)).collect();
            keep + "…"
        }
    }
}

/// Rows per multi-row `INSERT`: well below SQLite's and MySQL's parameter limits for our
/// widest row (9 columns), large enough that a page of records is one or two statements.
const ROWS_PER_INSERT: usize = 100;

/// Ids per `IN (…)` list.
const IDS_PER_IN: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_round_trip_through_the_stored_format() {
        let t = Utc.with_ymd_and_hms(2026, 2, 28, 23, 5, 9).unwrap();
        assert_eq!(format_time(t), "2026-02-28 23:05:09");
        assert_eq!(parse_time("2026-02-28 23:05:09"), Some(t));
        assert_eq!(parse_time("2026-02-28 23:05:09.000000"), Some(t));
        assert_eq!(parse_time("2026-02-28T23:05:09Z"), Some(t));
        assert_eq!(parse_time("0000-00-00 00:00:00"), None);
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn time_arithmetic_stays_within_what_mysql_stores() {
        let t = Utc.with_ymd_and_hms(2026, 2, 28, 23, 5, 9).unwrap();
        let minute = std::time::Duration::from_secs(60);
        assert_eq!(format_time(plus(t, minute)), "2026-02-28 23:06:09");
        assert_eq!(format_time(minus(t, minute)), "2026-02-28 23:04:09");
        assert_eq!(
            format_time(plus(t, std::time::Duration::MAX)),
            "9999-12-31 23:59:59"
        );
        assert_eq!(
            format_time(minus(t, std::time::Duration::MAX)),
            "1000-01-01 00:00:00"
        );
    }

    #[test]
    fn upserts_are_written_per_dialect() {
        let set = [("v", incoming(Dialect::MySql, "v"))];
        assert_eq!(
            upsert_sql(Dialect::MySql, "t", &["k", "v"], &["k"], 2, &set),
            "INSERT INTO `t` (`k`, `v`) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE `v` = VALUES(`v`)"
        );
        let set = [("v", incoming(Dialect::Sqlite, "v"))];
        assert_eq!(
            upsert_sql(Dialect::Sqlite, "t", &["k", "v"], &["k"], 1, &set),
            "INSERT INTO `t` (`k`, `v`) VALUES (?, ?) ON CONFLICT (`k`) DO UPDATE SET `v` = excluded.`v`"
        );
    }

    #[test]
    fn long_text_is_cut_or_refused() {
        assert_eq!(truncate_chars("héllo", 5), "héllo");
        assert_eq!(truncate_chars("héllo wörld", 5), "héll…");
        assert!(check_len("name", &"é".repeat(191), 191).is_ok());
        let e = check_len("name", &"é".repeat(192), 191).unwrap_err();
        assert!(e.message.starts_with("name is 192 characters long"), "{e}");
    }

    #[test]
    fn deadlocks_are_recognised_in_both_drivers_wording() {
        for m in [
            "mysql: MySqlError { ERROR 1213 (40001): Deadlock found when trying to get lock; try restarting transaction }",
            "SQLSTATE[40001]: Serialization failure: 1213 Deadlock found when trying to get lock",
        ] {
            assert!(is_deadlock(&DbError::new(m)));
        }
        assert!(!is_deadlock(&DbError::new("sqlite: database is locked")));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_contains("50%_off!"), "%50!%!_off!!%");
    }

    #[test]
    fn corrupt_rows_keep_their_message_as_db_errors() {
        let e = StateError::corrupt("mod_chartmogul_runs", "id 7", "status is \"maybe\"".into());
        assert_eq!(
            DbError::from(e).message,
            "corrupt row in mod_chartmogul_runs id 7: status is \"maybe\""
        );
    }
}
