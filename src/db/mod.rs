//! Database connections for the CLI: implementations of `sync_core::db::Db`.
//!
//! Contract: [`open`] turns a `--whmcs`/`--out` source string into a connection —
//! `sqlite:PATH` (the file is created if missing; `sqlite::memory:` is a private in-memory
//! database) or `mysql://user:pass@host:port/db` (with an
//! optional `?socket=PATH`). Both implementations hand values back the way the engine's reader
//! expects: decimals and dates as [`Value::Text`], integers as [`Value::Int`], NULL as
//! [`Value::Null`]. Prepared statements are cached per connection, and `execute("BEGIN")` /
//! `execute("COMMIT")` work, so callers batch inserts in transactions. [`create_whmcs_schema`]
//! creates the WHMCS tables from the committed schema files (`schema/`), leaving existing
//! tables alone.

pub mod mysql;
pub mod sqlite;

use sync_core::db::{Db, DbError, Dialect};

pub use self::mysql::MysqlDb;
pub use self::sqlite::SqliteDb;

/// The WHMCS 8.4 schema as MySQL DDL: a verbatim copy of `reference/whmcs-schema.sql`.
pub const MYSQL_SCHEMA: &str = include_str!("../../schema/whmcs-schema.mysql.sql");

/// The same tables and columns for SQLite (decimals as TEXT so money stays exact text).
pub const SQLITE_SCHEMA: &str = include_str!("../../schema/whmcs-schema.sqlite.sql");

/// Opens a WHMCS database: `sqlite:PATH` or `mysql://user:pass@host:port/db[?socket=PATH]`.
pub fn open(source: &str) -> Result<Box<dyn Db>, String> {
    let source = source.trim();
    if let Some(path) = source.strip_prefix("sqlite:") {
        // `sqlite:///abs/path` and `sqlite://rel/path` are accepted as spellings of a path too.
        let path = path.strip_prefix("//").unwrap_or(path);
        if path.is_empty() {
            return Err("sqlite: source needs a file path, e.g. sqlite:whmcs.db".to_string());
        }
        let db = SqliteDb::open(path)
            .map_err(|e| format!("cannot open SQLite database {path}: {}", e.message))?;
        return Ok(Box::new(db));
    }
    if source.starts_with("mysql://") || source.starts_with("mariadb://") {
        let url = match source.strip_prefix("mariadb://") {
            Some(rest) => format!("mysql://{rest}"),
            None => source.to_string(),
        };
        let db = MysqlDb::connect(&url).map_err(|e| e.message)?;
        return Ok(Box::new(db));
    }
    Err(format!(
        "unsupported database source {:?}: expected sqlite:PATH or mysql://user:pass@host:port/db",
        redact(source)
    ))
}

/// Creates the WHMCS tables (and their indexes) that do not exist yet, in `db`'s dialect.
pub fn create_whmcs_schema(db: &mut dyn Db) -> Result<(), DbError> {
    match db.dialect() {
        Dialect::Sqlite => {
            for stmt in split_statements(SQLITE_SCHEMA) {
                db.execute(&stmt, &[])?;
            }
        }
        Dialect::MySql => {
            for stmt in split_statements(MYSQL_SCHEMA) {
                // The file is the verbatim WHMCS dump; "if not existing" is added here.
                let stmt = match stmt.strip_prefix("CREATE TABLE `") {
                    Some(rest) => format!("CREATE TABLE IF NOT EXISTS `{rest}"),
                    None => stmt,
                };
                db.execute(&stmt, &[])?;
            }
        }
    }
    Ok(())
}

/// Splits an SQL script into statements: drops `--` comment lines and blank lines, splits on
/// `;` outside quotes. Enough for the schema files, which have no procedures or triggers.
pub fn split_statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for line in script.lines() {
        if quote.is_none() && (line.trim_start().starts_with("--") || line.trim().is_empty()) {
            continue;
        }
        for ch in line.chars() {
            match quote {
                Some(q) if ch == q => quote = None,
                Some(_) => {}
                None if ch == '\'' || ch == '"' || ch == '`' => quote = Some(ch),
                None if ch == ';' => {
                    let stmt = cur.trim().to_string();
                    if !stmt.is_empty() {
                        out.push(stmt);
                    }
                    cur.clear();
                    continue;
                }
                None => {}
            }
            cur.push(ch);
        }
        cur.push('\n');
    }
    let stmt = cur.trim().to_string();
    if !stmt.is_empty() {
        out.push(stmt);
    }
    out
}

/// The source with any `user:password@` replaced, for error messages.
fn redact(source: &str) -> String {
    match (source.find("://"), source.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &source[..s], &source[at + 1..]),
        _ => source.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sync_core::db::Value;

    #[test]
    fn splits_statements_outside_quotes_and_comments() {
        let sql = "-- a comment; with a semicolon\nCREATE TABLE `a` (`x` text DEFAULT ';');\n\nSET x = 1;\nSELECT 2";
        assert_eq!(
            split_statements(sql),
            vec![
                "CREATE TABLE `a` (`x` text DEFAULT ';')".to_string(),
                "SET x = 1".to_string(),
                "SELECT 2".to_string()
            ]
        );
    }

    #[test]
    fn unknown_sources_are_refused_without_leaking_secrets() {
        let err = open("postgres://u:secret@h/db").err().expect("refused");
        assert!(
            err.contains("sqlite:PATH") && err.contains("mysql://"),
            "{err}"
        );
        assert!(!err.contains("secret"), "{err}");
        assert!(open("sqlite:").is_err());
    }

    #[test]
    fn schema_creates_on_sqlite_and_is_idempotent() {
        let mut db = SqliteDb::open(":memory:").expect("memory db");
        create_whmcs_schema(&mut db).expect("schema");
        create_whmcs_schema(&mut db).expect("schema again");
        let rows = db
            .query(
                "SELECT COUNT(*) FROM `sqlite_master` WHERE `type` = ? AND `name` = ?",
                &["table".into(), "tblinvoiceitems".into()],
            )
            .expect("count");
        assert_eq!(rows, vec![vec![Value::Int(1)]]);
    }
}
