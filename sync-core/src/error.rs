//! Per-record problems: what went wrong, with which WHMCS record and field.
//!
//! Contract: a bad record never stops a run. Reading and mapping return [`RecordError`]s
//! (the record is skipped or partly sent) and [`Warning`]s (the record is sent, something was
//! dropped or assumed); each names the WHMCS table, the row id and, where there is one, the
//! column, so an admin can find and fix it.

use std::fmt;

/// The WHMCS record a problem is about.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct RecordRef {
    pub table: String,
    pub id: i64,
}

impl RecordRef {
    pub fn new(table: &str, id: i64) -> Self {
        RecordRef {
            table: table.to_string(),
            id,
        }
    }
}

impl fmt::Display for RecordRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} #{}", self.table, self.id)
    }
}

/// How serious a problem is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Sent, but something was dropped, clamped or assumed.
    Warning,
    /// Not sent (or a part of it not sent).
    Error,
}

/// A problem with one WHMCS record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordError {
    pub severity: Severity,
    pub record: RecordRef,
    /// The column at fault, when one is.
    pub column: Option<String>,
    /// A short machine-readable kind, e.g. `unknown_cycle`, `invalid_country`.
    pub kind: String,
    pub message: String,
}

/// Alias used where a problem is only a warning, for readability at call sites.
pub type Warning = RecordError;

impl RecordError {
    pub fn error(
        table: &str,
        id: i64,
        column: Option<&str>,
        kind: &str,
        message: impl Into<String>,
    ) -> Self {
        RecordError {
            severity: Severity::Error,
            record: RecordRef::new(table, id),
            column: column.map(str::to_string),
            kind: kind.to_string(),
            message: message.into(),
        }
    }

    pub fn warning(
        table: &str,
        id: i64,
        column: Option<&str>,
        kind: &str,
        message: impl Into<String>,
    ) -> Self {
        RecordError {
            severity: Severity::Warning,
            ..Self::error(table, id, column, kind, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match &self.column {
            Some(c) => write!(f, "{level}: {}.{c}: {}", self.record, self.message),
            None => write!(f, "{level}: {}: {}", self.record, self.message),
        }
    }
}
