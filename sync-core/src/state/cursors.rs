//! Cursors: named positions of the engine's passes.
//!
//! Contract: a cursor is a name and a text value. Incremental watermarks (e.g.
//! `invoices.updated_at`, `accounts.id`) and backfill positions (names under
//! [`BACKFILL_PREFIX`], e.g. `backfill.client_id`) are separate cursors, so a backfill can be
//! restarted ([`State::clear_cursors_with_prefix`]) without rewinding the incremental pass,
//! and an incremental run never skips what a backfill has not reached. The `advance_*`
//! setters are monotonic — a value behind the stored one is ignored and the stored one is
//! returned — so a replayed or out-of-order batch can never move progress backwards.

use std::collections::BTreeMap;

use crate::db::{Db, DbError, Dialect, Value};

use super::schema::CURSORS;
use super::{MAX_TEXT_CHARS, State, StateError, check_len, col_text, incoming, upsert_sql};

/// Names of backfill positions start with this; incremental watermarks never do.
pub const BACKFILL_PREFIX: &str = "backfill.";

impl<D: Db> State<D> {
    /// The stored value of a cursor; `None` when it was never set or was cleared.
    pub fn cursor(&mut self, name: &str) -> Result<Option<String>, DbError> {
        self.read_cursor(name, false)
    }

    /// Every cursor, by name (for `status` and the Cron tab).
    pub fn cursors(&mut self) -> Result<BTreeMap<String, String>, DbError> {
        let rows = self.db.query(
            "SELECT `name`, `value` FROM `mod_chartmogul_cursors` ORDER BY `name`",
            &[],
        )?;
        let mut out = BTreeMap::new();
        for row in &rows {
            let name =
                col_text(row, 0, "name").map_err(|e| StateError::corrupt(CURSORS, "?", e))?;
            let value = col_text(row, 1, "value")
                .map_err(|e| StateError::corrupt(CURSORS, format!("name {name:?}"), e))?;
            out.insert(name, value);
        }
        Ok(out)
    }

    /// Sets a cursor to `value`, forwards or backwards (use the `advance_*` setters for
    /// progress that must only move forwards).
    pub fn set_cursor(&mut self, name: &str, value: &str) -> Result<(), DbError> {
        check_len("cursor name", name, 191)?;
        check_len("cursor value", value, MAX_TEXT_CHARS)?;
        let dialect = self.dialect();
        let sql = upsert_sql(
            dialect,
            CURSORS,
            &["name", "value"],
            &["name"],
            1,
            &[("value", incoming(dialect, "value"))],
        );
        self.db
            .execute(&sql, &[Value::from(name), Value::from(value)])?;
        Ok(())
    }

    /// Moves an integer cursor (e.g. an id watermark) forward to `value`; a value at or behind
    /// the stored one changes nothing. Returns the value stored afterwards. A stored value
    /// that is not an integer is a corrupt row (reported, not overwritten).
    pub fn advance_cursor_i64(&mut self, name: &str, value: i64) -> Result<i64, DbError> {
        self.atomically(|s| {
            if let Some(stored) = s.read_cursor(name, true)? {
                let stored: i64 = stored.trim().parse().map_err(|_| {
                    StateError::corrupt(
                        CURSORS,
                        format!("name {name:?}"),
                        format!("value {stored:?} is not an integer"),
                    )
                })?;
                if stored >= value {
                    return Ok(stored);
                }
            }
            s.set_cursor(name, &value.to_string())?;
            Ok(value)
        })
    }

    /// Moves a text cursor forward to `value`, comparing as text (byte order); for values
    /// whose text order is their order, e.g. `YYYY-MM-DD HH:MM:SS` watermarks. A value at or
    /// behind the stored one changes nothing. Returns the value stored afterwards.
    pub fn advance_cursor(&mut self, name: &str, value: &str) -> Result<String, DbError> {
        self.atomically(|s| {
            if let Some(stored) = s.read_cursor(name, true)?
                && stored.as_str() >= value
            {
                return Ok(stored);
            }
            s.set_cursor(name, value)?;
            Ok(value.to_string())
        })
    }

    /// Removes a cursor; the next [`State::cursor`] returns `None`.
    pub fn clear_cursor(&mut self, name: &str) -> Result<(), DbError> {
        self.db.execute(
            "DELETE FROM `mod_chartmogul_cursors` WHERE `name` = ?",
            &[Value::from(name)],
        )?;
        Ok(())
    }

    /// Removes every cursor whose name starts with `prefix` (e.g. [`BACKFILL_PREFIX`] to
    /// restart a backfill). Returns how many were removed.
    pub fn clear_cursors_with_prefix(&mut self, prefix: &str) -> Result<u64, DbError> {
        self.atomically(|s| {
            // Matched in Rust rather than with LIKE: LIKE is case-insensitive in SQLite and
            // case-sensitive on the binary MySQL column, and the table holds a handful of rows.
            let names: Vec<String> = s
                .cursors()?
                .into_keys()
                .filter(|n| n.starts_with(prefix))
                .collect();
            for name in &names {
                s.clear_cursor(name)?;
            }
            Ok(names.len() as u64)
        })
    }

    /// Reads a cursor; `for_update` locks the row on MySQL until the transaction ends, so a
    /// read-compare-write in [`State::atomically`] cannot interleave with another writer
    /// (SQLite's `BEGIN IMMEDIATE` already excludes other writers).
    fn read_cursor(&mut self, name: &str, for_update: bool) -> Result<Option<String>, DbError> {
        let lock = if for_update && self.dialect() == Dialect::MySql {
            " FOR UPDATE"
        } else {
            ""
        };
        let rows = self.db.query(
            &format!("SELECT `value` FROM `mod_chartmogul_cursors` WHERE `name` = ?{lock}"),
            &[Value::from(name)],
        )?;
        match rows.first() {
            Some(row) => Ok(Some(col_text(row, 0, "value").map_err(|e| {
                StateError::corrupt(CURSORS, format!("name {name:?}"), e)
            })?)),
            None => Ok(None),
        }
    }
}
