//! The `Db` seam: one SQL statement and its parameters in, rows out.
//!
//! Contract: the engine owns every statement it runs and writes them once, in the SQL subset
//! that MariaDB/MySQL and SQLite both accept (`?` placeholders, backtick-quoted identifiers,
//! explicit column lists, `LIMIT`). Implementations live outside `sync-core` — the CLI over the
//! `mysql` and `rusqlite` drivers, the PHP extension over WHMCS's PDO handle — and hand values
//! back as [`Value`]s: decimals and dates as text (so money never passes through a float),
//! integers as integers, SQL NULL as [`Value::Null`].

use std::fmt;

/// One SQL value, as a parameter or a column of a result row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    /// Only drivers that cannot avoid it produce floats (e.g. SQLite REAL); the reader refuses
    /// them on money columns.
    Float(f64),
    Bytes(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Text(s) => write!(f, "{s:?}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Bytes(b) => write!(f, "<{} bytes>", b.len()),
        }
    }
}

/// A result row: values in the order of the statement's column list.
pub type Row = Vec<Value>;

/// A failure of the database itself (connection lost, bad SQL, lock timeout). Record-level
/// decoding problems are not `DbError`s; they become [`crate::error::RecordError`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("database error: {message}")]
pub struct DbError {
    pub message: String,
}

impl DbError {
    pub fn new(message: impl Into<String>) -> Self {
        DbError {
            message: message.into(),
        }
    }
}

/// Which SQL dialect a connection speaks, for the few statements that differ (DDL, locks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    MySql,
    Sqlite,
}

/// The database seam. Implemented by the CLI (MariaDB/MySQL, SQLite) and the PHP extension
/// (WHMCS's PDO handle).
pub trait Db {
    /// Runs a statement that returns rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError>;
    /// Runs a statement that changes data; returns the number of affected rows.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError>;
    fn dialect(&self) -> Dialect;
}

impl<D: Db + ?Sized> Db for &mut D {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        (**self).query(sql, params)
    }
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        (**self).execute(sql, params)
    }
    fn dialect(&self) -> Dialect {
        (**self).dialect()
    }
}

impl<D: Db + ?Sized> Db for Box<D> {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        (**self).query(sql, params)
    }
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        (**self).execute(sql, params)
    }
    fn dialect(&self) -> Dialect {
        (**self).dialect()
    }
}

/// `?, ?, ?` for an `IN (…)` list of `n` parameters.
pub fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('?');
    }
    s
}
