//! The log the Logs tab and `whmcs-chartmogul logs` show.
//!
//! Contract: an entry has a level, a kind (`customer.created`, `invoice.rejected`, a
//! [`RecordError::kind`], …), the WHMCS record it is about, our message, ChartMogul's own
//! message, the run and the time. [`State::query_log`] filters by level, kind, record and run,
//! searches message text (case-insensitively for ASCII, `%`/`_` taken literally), pages newest
//! first with limit/offset and returns the total matching count. [`State::purge_log`] enforces
//! retention. This module stores text as given — except that kind and table are cut to 64
//! characters and messages to 16,000 (a log write never fails on length) — and callers pass
//! everything through [`super::redact`] with the secrets they hold before logging.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::db::{Db, DbError, Row, Value};
use crate::error::{RecordError, RecordRef, Severity};

use super::schema::LOG;
use super::{
    MAX_TEXT_CHARS, ROWS_PER_INSERT, State, StateError, col_i64, col_opt_i64, col_opt_text,
    col_text, col_time, format_time, like_contains, opt_int, truncate_chars,
};

/// How serious a log entry is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Info,
    Warning,
    Error,
}

impl LogLevel {
    /// Every level, least serious first.
    pub const ALL: [LogLevel; 3] = [LogLevel::Info, LogLevel::Warning, LogLevel::Error];

    /// The stored name: `info`, `warning`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Info => "info",
            LogLevel::Warning => "warning",
            LogLevel::Error => "error",
        }
    }

    /// The inverse of [`LogLevel::as_str`].
    pub fn parse(s: &str) -> Option<LogLevel> {
        LogLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An entry to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogEntry {
    pub level: LogLevel,
    /// Machine-readable kind (at most 64 characters).
    pub kind: String,
    /// The WHMCS record it is about (table at most 64 characters).
    pub record: Option<RecordRef>,
    /// What happened, for an admin; redacted by the caller.
    pub message: String,
    /// ChartMogul's own message, verbatim (redacted by the caller).
    pub chartmogul_message: Option<String>,
    pub run_id: Option<i64>,
}

impl NewLogEntry {
    /// An entry with no record, remote message or run.
    pub fn new(level: LogLevel, kind: &str, message: impl Into<String>) -> Self {
        NewLogEntry {
            level,
            kind: kind.to_string(),
            record: None,
            message: message.into(),
            chartmogul_message: None,
            run_id: None,
        }
    }

    /// A reader/mapper problem as a log entry: its severity, kind, record and message (with
    /// the column named, as [`RecordError`]'s `Display` writes it).
    pub fn from_record_error(e: &RecordError, run_id: Option<i64>) -> Self {
        let message = match &e.column {
            Some(c) => format!("{c}: {}", e.message),
            None => e.message.clone(),
        };
        NewLogEntry {
            level: match e.severity {
                Severity::Warning => LogLevel::Warning,
                Severity::Error => LogLevel::Error,
            },
            kind: e.kind.clone(),
            record: Some(e.record.clone()),
            message,
            chartmogul_message: None,
            run_id,
        }
    }
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub level: LogLevel,
    pub kind: String,
    pub record: Option<RecordRef>,
    pub message: String,
    pub chartmogul_message: Option<String>,
    pub run_id: Option<i64>,
}

/// Which entries [`State::query_log`] returns. `Default` = everything, first page of 50.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFilter {
    /// Exactly this level.
    pub level: Option<LogLevel>,
    /// This level or more serious (`warning` = warnings and errors).
    pub min_level: Option<LogLevel>,
    /// Exactly this kind.
    pub kind: Option<String>,
    /// About this WHMCS table.
    pub table: Option<String>,
    /// About this record id (with `table`, one record).
    pub record_id: Option<i64>,
    pub run_id: Option<i64>,
    /// Text contained in the message or ChartMogul's message.
    pub search: Option<String>,
    /// Page size.
    pub limit: usize,
    /// Entries to skip (newest first).
    pub offset: usize,
}

impl Default for LogFilter {
    fn default() -> Self {
        LogFilter {
            level: None,
            min_level: None,
            kind: None,
            table: None,
            record_id: None,
            run_id: None,
            search: None,
            limit: 50,
            offset: 0,
        }
    }
}

/// One page of entries and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPage {
    /// Newest first.
    pub entries: Vec<LogEntry>,
    /// Entries matching the filter, across all pages.
    pub total: u64,
}

const COLUMNS: &str = "`logged_at`, `level`, `kind`, `record_table`, `record_id`, `message`, \
                       `chartmogul_message`, `run_id`";

fn decode(row: &Row) -> Result<LogEntry, StateError> {
    let id = col_i64(row, 0, "id").map_err(|e| StateError::corrupt(LOG, "id ?", e))?;
    let bad = |reason: String| StateError::corrupt(LOG, format!("id {id}"), reason);
    let level_text = col_text(row, 2, "level").map_err(bad)?;
    let table = col_opt_text(row, 4, "record_table").map_err(bad)?;
    let record_id = col_opt_i64(row, 5, "record_id").map_err(bad)?;
    Ok(LogEntry {
        id,
        at: col_time(row, 1, "logged_at").map_err(bad)?,
        level: LogLevel::parse(&level_text)
            .ok_or_else(|| bad(format!("unknown level {level_text:?}")))?,
        kind: col_text(row, 3, "kind").map_err(bad)?,
        record: match (table, record_id) {
            (Some(table), Some(id)) => Some(RecordRef { table, id }),
            _ => None,
        },
        message: col_text(row, 6, "message").map_err(bad)?,
        chartmogul_message: col_opt_text(row, 7, "chartmogul_message").map_err(bad)?,
        run_id: col_opt_i64(row, 8, "run_id").map_err(bad)?,
    })
}

impl<D: Db> State<D> {
    /// Writes one entry at `now`.
    pub fn log(&mut self, entry: &NewLogEntry, now: DateTime<Utc>) -> Result<(), DbError> {
        self.insert_log(std::slice::from_ref(entry), now)
    }

    /// Writes many entries at `now`: multi-row statements in one transaction.
    pub fn log_many(&mut self, entries: &[NewLogEntry], now: DateTime<Utc>) -> Result<(), DbError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.atomically(|s| s.insert_log(entries, now))
    }

    fn insert_log(&mut self, entries: &[NewLogEntry], now: DateTime<Utc>) -> Result<(), DbError> {
        let at = format_time(now);
        for chunk in entries.chunks(ROWS_PER_INSERT) {
            let mut params = Vec::with_capacity(chunk.len() * 8);
            for e in chunk {
                // Cut rather than refused: a log write must not fail because ChartMogul (or a
                // proxy in front of it) answered with a whole HTML page.
                params.extend([
                    Value::Text(at.clone()),
                    Value::from(e.level.as_str()),
                    Value::Text(truncate_chars(&e.kind, 64)),
                    e.record
                        .as_ref()
                        .map_or(Value::Null, |r| Value::Text(truncate_chars(&r.table, 64))),
                    opt_int(e.record.as_ref().map(|r| r.id)),
                    Value::Text(truncate_chars(&e.message, MAX_TEXT_CHARS)),
                    e.chartmogul_message.as_deref().map_or(Value::Null, |m| {
                        Value::Text(truncate_chars(m, MAX_TEXT_CHARS))
                    }),
                    opt_int(e.run_id),
                ]);
            }
            let row = format!("({})", crate::db::placeholders(8));
            self.db.execute(
                &format!(
                    "INSERT INTO `mod_chartmogul_log` ({COLUMNS}) VALUES {}",
                    vec![row; chunk.len()].join(", ")
                ),
                &params,
            )?;
        }
        Ok(())
    }

    /// The entries matching `filter`, newest first, one page, with the total count.
    pub fn query_log(&mut self, filter: &LogFilter) -> Result<LogPage, DbError> {
        let mut conditions: Vec<String> = Vec::new();
        let mut params: Vec<Value> = Vec::new();
        if let Some(level) = filter.level {
            conditions.push("`level` = ?".into());
            params.push(Value::from(level.as_str()));
        }
        if let Some(min) = filter.min_level {
            let levels: Vec<LogLevel> = LogLevel::ALL.into_iter().filter(|l| *l >= min).collect();
            conditions.push(format!(
                "`level` IN ({})",
                crate::db::placeholders(levels.len())
            ));
            params.extend(levels.iter().map(|l| Value::from(l.as_str())));
        }
        if let Some(kind) = &filter.kind {
            conditions.push("`kind` = ?".into());
            params.push(Value::from(kind.as_str()));
        }
        if let Some(table) = &filter.table {
            conditions.push("`record_table` = ?".into());
            params.push(Value::from(table.as_str()));
        }
        if let Some(id) = filter.record_id {
            conditions.push("`record_id` = ?".into());
            params.push(Value::Int(id));
        }
        if let Some(run) = filter.run_id {
            conditions.push("`run_id` = ?".into());
            params.push(Value::Int(run));
        }
        if let Some(text) = filter.search.as_deref().filter(|t| !t.is_empty()) {
            conditions.push(
                "(`message` LIKE ? ESCAPE '!' OR `chartmogul_message` LIKE ? ESCAPE '!')".into(),
            );
            let pattern = like_contains(text);
            params.push(Value::Text(pattern.clone()));
            params.push(Value::Text(pattern));
        }
        let where_clause = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let total = self.count(
            LOG,
            &format!("SELECT COUNT(*) FROM `mod_chartmogul_log`{where_clause}"),
            &params,
        )?;
        params.push(Value::Int(i64::try_from(filter.limit).unwrap_or(i64::MAX)));
        params.push(Value::Int(i64::try_from(filter.offset).unwrap_or(i64::MAX)));
        let rows = self.db.query(
            &format!(
                "SELECT `id`, {COLUMNS} FROM `mod_chartmogul_log`{where_clause} \
                 ORDER BY `id` DESC LIMIT ? OFFSET ?"
            ),
            &params,
        )?;
        let entries = rows
            .iter()
            .map(|r| decode(r).map_err(DbError::from))
            .collect::<Result<_, _>>()?;
        Ok(LogPage { entries, total })
    }

    /// Deletes entries logged before `older_than` (retention: `now` minus the retention
    /// period); returns how many.
    pub fn purge_log(&mut self, older_than: DateTime<Utc>) -> Result<u64, DbError> {
        self.db.execute(
            "DELETE FROM `mod_chartmogul_log` WHERE `logged_at` < ?",
            &[Value::Text(format_time(older_than))],
        )
    }
}
