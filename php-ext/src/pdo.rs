//! The engine's [`Db`] over WHMCS's own PDO handle (`Capsule::connection()->getPdo()`), so
//! the addon needs no second connection and no credentials: every statement is `prepare` +
//! typed `bindValue` + `execute` (+ `fetchAll(PDO::FETCH_NUM)`), run on the request's thread.
//!
//! Typed binding matters: MySQL's PDO emulates prepares by default, and an integer bound as a
//! string turns `LIMIT ?` into `LIMIT '500'`, a syntax error. A `PDOException` is taken off the
//! engine (so it does not escape past the engine's own error handling) and becomes a
//! [`DbError`] carrying its message.

use ext_php_rs::convert::IntoZvalDyn;
use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecutorGlobals;
use sync_core::db::{Db, DbError, Dialect, Row, Value};

const PARAM_NULL: i64 = 0;
const PARAM_INT: i64 = 1;
const PARAM_STR: i64 = 2;
const PARAM_LOB: i64 = 3;
const FETCH_NUM: i64 = 3;
const ATTR_DRIVER_NAME: i64 = 16;

/// WHMCS's PDO connection as the engine's database.
pub struct PdoDb {
    pdo: Zval,
    dialect: Dialect,
}

impl PdoDb {
    /// Wraps a PDO object; fails unless it is one, on a MySQL/MariaDB or SQLite driver.
    pub fn new(pdo: &Zval) -> Result<PdoDb, String> {
        let obj = pdo
            .object()
            .ok_or_else(|| "the first argument must be a PDO object".to_string())?;
        let class = obj.get_class_name().unwrap_or_default();
        let is_pdo = class == "PDO"
            || obj
                .try_call_method("getAvailableDrivers", vec![])
                .is_ok_and(|z| z.array().is_some());
        if !is_pdo {
            return Err(format!(
                "the first argument must be a PDO object, not {class}"
            ));
        }
        let db = PdoDb {
            pdo: pdo.shallow_clone(),
            dialect: Dialect::Sqlite,
        };
        let driver = db
            .call(&db.pdo, "getAttribute", vec![&ATTR_DRIVER_NAME])
            .map_err(|e| e.to_string())?
            .string()
            .unwrap_or_default();
        let dialect = match driver.as_str() {
            "mysql" => Dialect::MySql,
            "sqlite" => Dialect::Sqlite,
            other => {
                return Err(format!(
                    "the PDO connection uses the {other:?} driver; WHMCS runs on MySQL/MariaDB \
                     (SQLite is accepted for tests)"
                ));
            }
        };
        Ok(PdoDb { dialect, ..db })
    }

    /// Calls a method; a PHP exception it threw is taken and returned as the error.
    fn call(
        &self,
        target: &Zval,
        method: &str,
        args: Vec<&dyn IntoZvalDyn>,
    ) -> Result<Zval, DbError> {
        let result = target.try_call_method(method, args);
        if let Some(exception) = ExecutorGlobals::take_exception() {
            let message = exception
                .try_call_method("getMessage", vec![])
                .ok()
                .and_then(|m| m.string())
                .unwrap_or_else(|| "unknown PDO error".to_string());
            return Err(DbError::new(message));
        }
        let value = result.map_err(|e| DbError::new(format!("PDO::{method}: {e}")))?;
        if value.is_false() && method != "getAttribute" {
            return Err(DbError::new(format!(
                "PDO {method} failed: {}",
                self.error_info(target)
            )));
        }
        Ok(value)
    }

    /// `errorInfo()[2]`, for connections not in exception mode.
    fn error_info(&self, target: &Zval) -> String {
        target
            .try_call_method("errorInfo", vec![])
            .ok()
            .and_then(|z| z.array().and_then(|a| a.get(2)).and_then(|m| m.string()))
            .unwrap_or_else(|| "no error information".to_string())
    }

    fn statement(&self, sql: &str, params: &[Value]) -> Result<Zval, DbError> {
        let sql = sql.to_string();
        let stmt = self.call(&self.pdo, "prepare", vec![&sql])?;
        for (i, p) in params.iter().enumerate() {
            let position = i as i64 + 1;
            let mut value = Zval::new();
            let kind = match p {
                Value::Null => {
                    value.set_null();
                    PARAM_NULL
                }
                Value::Int(n) => {
                    value.set_long(*n);
                    PARAM_INT
                }
                Value::Text(s) => {
                    value
                        .set_string(s, false)
                        .map_err(|e| DbError::new(e.to_string()))?;
                    PARAM_STR
                }
                // Decimal text is how money travels; a float parameter is written as text too.
                Value::Float(x) => {
                    value
                        .set_string(&x.to_string(), false)
                        .map_err(|e| DbError::new(e.to_string()))?;
                    PARAM_STR
                }
                Value::Bytes(b) => {
                    value.set_binary(b.clone());
                    PARAM_LOB
                }
            };
            self.call(&stmt, "bindValue", vec![&position, &value, &kind])?;
        }
        self.call(&stmt, "execute", vec![])?;
        Ok(stmt)
    }
}

fn value_of(z: &Zval) -> Value {
    if z.is_null() {
        Value::Null
    } else if let Some(i) = z.long() {
        Value::Int(i)
    } else if let Some(b) = z.bool() {
        Value::Int(i64::from(b))
    } else if let Some(x) = z.double() {
        Value::Float(x)
    } else if let Some(s) = z.str() {
        Value::Text(s.to_string())
    } else if let Some(bytes) = z.zend_str().map(|s| s.as_bytes().to_vec()) {
        // Not valid UTF-8 (a BLOB): keep the bytes.
        Value::Bytes(bytes)
    } else {
        Value::Null
    }
}

impl Db for PdoDb {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let stmt = self.statement(sql, params)?;
        let rows = self.call(&stmt, "fetchAll", vec![&FETCH_NUM])?;
        let table = rows
            .array()
            .ok_or_else(|| DbError::new("PDOStatement::fetchAll returned no array"))?;
        Ok(table
            .iter()
            .map(|(_, row)| {
                row.array()
                    .map(|cols| cols.iter().map(|(_, v)| value_of(v)).collect())
                    .unwrap_or_default()
            })
            .collect())
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let stmt = self.statement(sql, params)?;
        let n = self.call(&stmt, "rowCount", vec![])?;
        Ok(n.long().unwrap_or(0).max(0) as u64)
    }

    fn dialect(&self) -> Dialect {
        self.dialect
    }
}
