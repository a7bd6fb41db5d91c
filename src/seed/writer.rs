//! Batched multi-row inserts through the `Db` seam, inside transactions.
//!
//! Rows are buffered per table and written as `INSERT INTO `t` (`a`, …) VALUES (?,…),(?,…)…`
//! statements of a fixed number of rows, so the statement text repeats and the drivers' prepared
//! statement caches hit. Statements stay under SQLite's 32766 parameters; transactions are
//! committed every [`COMMIT_EVERY`] rows so neither database holds one huge transaction. Memory
//! is bounded by one statement's worth of rows per table.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use sync_core::Cents;
use sync_core::db::{Db, DbError, Value};

/// Rows per `COMMIT`.
pub const COMMIT_EVERY: usize = 50_000;
/// SQLite's default `SQLITE_MAX_VARIABLE_NUMBER` (since 3.32) is 32766; MySQL allows 65535.
const MAX_PARAMS: usize = 32_000;
/// More rows per statement stop paying off and make MySQL packets large.
const MAX_ROWS_PER_STATEMENT: usize = 100;

/// Converts generator values into SQL values the way WHMCS stores them: money as decimal text,
/// dates as `YYYY-MM-DD`, a missing date as the zero date, booleans as 0/1.
pub trait ToValue {
    fn to_value(self) -> Value;
}

impl ToValue for Value {
    fn to_value(self) -> Value {
        self
    }
}
impl ToValue for i64 {
    fn to_value(self) -> Value {
        Value::Int(self)
    }
}
impl ToValue for i32 {
    fn to_value(self) -> Value {
        Value::Int(i64::from(self))
    }
}
impl ToValue for u32 {
    fn to_value(self) -> Value {
        Value::Int(i64::from(self))
    }
}
impl ToValue for usize {
    fn to_value(self) -> Value {
        Value::Int(self as i64)
    }
}
impl ToValue for bool {
    fn to_value(self) -> Value {
        Value::Int(i64::from(self))
    }
}
impl ToValue for &str {
    fn to_value(self) -> Value {
        Value::Text(self.to_string())
    }
}
impl ToValue for String {
    fn to_value(self) -> Value {
        Value::Text(self)
    }
}
impl ToValue for &String {
    fn to_value(self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToValue for Cents {
    fn to_value(self) -> Value {
        Value::Text(self.to_string())
    }
}
impl ToValue for NaiveDate {
    fn to_value(self) -> Value {
        Value::Text(date_text(self))
    }
}
impl ToValue for Option<NaiveDate> {
    fn to_value(self) -> Value {
        Value::Text(self.map_or_else(|| "0000-00-00".to_string(), date_text))
    }
}
impl ToValue for NaiveDateTime {
    fn to_value(self) -> Value {
        Value::Text(datetime_text(self))
    }
}
impl ToValue for Option<NaiveDateTime> {
    fn to_value(self) -> Value {
        Value::Text(self.map_or_else(|| "0000-00-00 00:00:00".to_string(), datetime_text))
    }
}

/// `YYYY-MM-DD` (hand-rolled: chrono's formatter parses its pattern on every call).
pub fn date_text(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// `YYYY-MM-DD HH:MM:SS`.
pub fn datetime_text(t: NaiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `DD/MM/YYYY`, the `DateFormat` the seeded install is configured with.
pub fn dmy(d: NaiveDate) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

/// One row: its column names (a `'static` slice, the same for every row a call site writes)
/// and values.
pub struct Row {
    pub cols: &'static [&'static str],
    pub values: Vec<Value>,
}

/// `row! { "id" => id, "name" => name }` — column names next to their values, so a reader can
/// check each against the schema.
macro_rules! row {
    ($($col:literal => $val:expr),* $(,)?) => {
        $crate::seed::writer::Row {
            cols: &[$($col),*],
            values: vec![$($crate::seed::writer::ToValue::to_value($val)),*],
        }
    };
}
pub(crate) use row;

struct TableBuf {
    name: &'static str,
    cols: &'static [&'static str],
    rows_per_statement: usize,
    pending: Vec<Value>,
    pending_rows: usize,
    written: u64,
    /// The statement for a full batch, built once.
    full_sql: String,
}

impl TableBuf {
    fn sql(&self, rows: usize) -> String {
        let cols: Vec<String> = self.cols.iter().map(|c| format!("`{c}`")).collect();
        let one = format!("({})", vec!["?"; self.cols.len()].join(","));
        let mut sql = format!("INSERT INTO `{}` ({}) VALUES ", self.name, cols.join(", "));
        for i in 0..rows {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&one);
        }
        sql
    }
}

/// The batching writer. Call [`Writer::finish`] at the end: dropping it without finishing
/// leaves the last rows unwritten.
pub struct Writer<'a> {
    db: &'a mut dyn Db,
    tables: Vec<TableBuf>,
    since_commit: usize,
    in_transaction: bool,
}

impl<'a> Writer<'a> {
    pub fn new(db: &'a mut dyn Db) -> Writer<'a> {
        Writer {
            db,
            tables: Vec::new(),
            since_commit: 0,
            in_transaction: false,
        }
    }

    pub fn begin(&mut self) -> Result<(), DbError> {
        self.db.execute("BEGIN", &[])?;
        self.in_transaction = true;
        Ok(())
    }

    /// Buffers one row of `table`, writing a batch when one is full.
    pub fn insert(&mut self, table: &'static str, row: Row) -> Result<(), DbError> {
        debug_assert_eq!(row.cols.len(), row.values.len());
        let ix = match self.tables.iter().position(|t| t.name == table) {
            Some(ix) => ix,
            None => {
                let rows_per_statement =
                    (MAX_PARAMS / row.cols.len()).clamp(1, MAX_ROWS_PER_STATEMENT);
                let mut t = TableBuf {
                    name: table,
                    cols: row.cols,
                    rows_per_statement,
                    pending: Vec::with_capacity(rows_per_statement * row.cols.len()),
                    pending_rows: 0,
                    written: 0,
                    full_sql: String::new(),
                };
                t.full_sql = t.sql(rows_per_statement);
                self.tables.push(t);
                self.tables.len() - 1
            }
        };
        let t = &mut self.tables[ix];
        // Every call site of a table must list the same columns in the same order.
        if !std::ptr::eq(t.cols, row.cols) && t.cols != row.cols {
            return Err(DbError::new(format!(
                "seed: two different column lists for {table}"
            )));
        }
        t.pending.extend(row.values);
        t.pending_rows += 1;
        self.since_commit += 1;
        if t.pending_rows == t.rows_per_statement {
            Self::flush_table(self.db, t)?;
        }
        Ok(())
    }

    fn flush_table(db: &mut dyn Db, t: &mut TableBuf) -> Result<(), DbError> {
        if t.pending_rows == 0 {
            return Ok(());
        }
        let partial;
        let sql = if t.pending_rows == t.rows_per_statement {
            &t.full_sql
        } else {
            partial = t.sql(t.pending_rows);
            &partial
        };
        db.execute(sql, &t.pending)
            .map_err(|e| DbError::new(format!("inserting into {}: {}", t.name, e.message)))?;
        t.written += t.pending_rows as u64;
        t.pending.clear();
        t.pending_rows = 0;
        Ok(())
    }

    pub fn flush(&mut self) -> Result<(), DbError> {
        for t in &mut self.tables {
            Self::flush_table(self.db, t)?;
        }
        Ok(())
    }

    /// Commits (and opens the next transaction) once enough rows are buffered or written.
    pub fn maybe_commit(&mut self) -> Result<(), DbError> {
        if self.since_commit >= COMMIT_EVERY {
            self.flush()?;
            self.db.execute("COMMIT", &[])?;
            self.db.execute("BEGIN", &[])?;
            self.since_commit = 0;
        }
        Ok(())
    }

    /// Writes what is buffered and commits. Returns the rows written per table.
    pub fn finish(mut self) -> Result<Vec<(&'static str, u64)>, DbError> {
        self.flush()?;
        if self.in_transaction {
            self.db.execute("COMMIT", &[])?;
        }
        let mut counts: Vec<(&'static str, u64)> =
            self.tables.iter().map(|t| (t.name, t.written)).collect();
        counts.sort();
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_as_whmcs_stores_them() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        assert_eq!(d.to_value(), Value::Text("2026-01-05".into()));
        assert_eq!(
            None::<NaiveDate>.to_value(),
            Value::Text("0000-00-00".into())
        );
        assert_eq!(
            None::<NaiveDateTime>.to_value(),
            Value::Text("0000-00-00 00:00:00".into())
        );
        assert_eq!(
            d.and_hms_opt(9, 5, 7).unwrap().to_value(),
            Value::Text("2026-01-05 09:05:07".into())
        );
        assert_eq!(Cents(-300).to_value(), Value::Text("-3.00".into()));
        assert_eq!(true.to_value(), Value::Int(1));
        assert_eq!(dmy(d), "05/01/2026");
        let r = row! { "a" => 1i64, "b" => "x" };
        assert_eq!(r.cols, &["a", "b"]);
    }
}
