//! `Db` over SQLite (rusqlite, bundled).
//!
//! Contract: values come back as SQLite stores them — the WHMCS schema for SQLite declares
//! decimals and dates as TEXT, so they arrive as [`Value::Text`]; INTEGER as [`Value::Int`];
//! a REAL (only in a column someone declared numeric) as [`Value::Float`], which the reader
//! refuses on money columns. Statements are prepared once and cached per connection.

use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};
use sync_core::db::{Db, DbError, Dialect, Row, Value};

/// Distinct statements kept prepared. The reader uses a few dozen shapes (its `IN` lists are
/// padded to powers of two); writers (the seed generator) a few more.
const STATEMENT_CACHE: usize = 256;

/// An SQLite connection.
pub struct SqliteDb {
    conn: Connection,
}

impl SqliteDb {
    /// Opens (creating if needed) a database file in WAL mode; `:memory:` opens a private
    /// in-memory database.
    pub fn open(path: &str) -> Result<Self, DbError> {
        let conn = Connection::open(path).map_err(err)?;
        // WAL lets a reader run while a writer commits; NORMAL is durable enough under WAL and
        // much faster for bulk inserts. (An in-memory database ignores the journal mode.)
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(SqliteDb { conn })
    }
}

fn err(e: rusqlite::Error) -> DbError {
    DbError::new(format!("sqlite: {e}"))
}

/// Binds a [`Value`] without copying it.
struct Param<'a>(&'a Value);

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Float(x) => ValueRef::Real(*x),
            Value::Bytes(b) => ValueRef::Blob(b),
        }))
    }
}

fn value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(x) => Value::Float(x),
        ValueRef::Text(t) => Value::Text(match std::str::from_utf8(t) {
            Ok(s) => s.to_string(),
            Err(_) => String::from_utf8_lossy(t).into_owned(),
        }),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

impl Db for SqliteDb {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(err)?;
        let ncols = stmt.column_count();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter().map(Param)))
            .map_err(err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(err)? {
            let mut r = Vec::with_capacity(ncols);
            for i in 0..ncols {
                r.push(value(row.get_ref(i).map_err(err)?));
            }
            out.push(r);
        }
        Ok(out)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(err)?;
        match stmt.execute(rusqlite::params_from_iter(params.iter().map(Param))) {
            Ok(n) => Ok(n as u64),
            // A statement that yields rows (e.g. a PRAGMA) run for its effect: step through it.
            Err(rusqlite::Error::ExecuteReturnedResults) => {
                let mut rows = stmt
                    .query(rusqlite::params_from_iter(params.iter().map(Param)))
                    .map_err(err)?;
                while rows.next().map_err(err)?.is_some() {}
                Ok(0)
            }
            Err(e) => Err(err(e)),
        }
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}
