//! Helpers shared by the root package's integration tests: the WHMCS schema as data (parsed
//! from the committed MySQL DDL), its SQLite translation, databases to test on (SQLite files
//! and a throwaway MariaDB started once per test process by `tests/mariadb.sh`), and row
//! inserts that fill the schema's NOT NULL columns the way WHMCS does.
#![allow(dead_code)] // each test crate uses a different part of this module

pub use whmcs_chartmogul::db;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use sync_core::db::{Db, Dialect, Value};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------------
// The schema as data

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// The MySQL type as written, e.g. `decimal(16,2)`, `enum('Register','Transfer')`.
    pub ty: String,
    pub unsigned: bool,
    pub not_null: bool,
    /// The default as written (`'0000-00-00'`, `0.00`, `NULL`), if any.
    pub default: Option<String>,
    pub auto_increment: bool,
}

impl Column {
    /// The base type name, lower-cased: `decimal`, `int`, `enum`, …
    pub fn base(&self) -> String {
        self.ty.split('(').next().unwrap_or("").to_ascii_lowercase()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    pub indexes: Vec<Index>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Splits on whitespace outside quotes and parentheses.
fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut depth, mut quote) = (0i32, None::<char>);
    for ch in s.chars() {
        match quote {
            Some(q) => {
                cur.push(ch);
                if ch == q {
                    quote = None;
                }
                continue;
            }
            None if ch == '\'' || ch == '`' => quote = Some(ch),
            None if ch == '(' => depth += 1,
            None if ch == ')' => depth -= 1,
            None if ch.is_whitespace() && depth == 0 => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                continue;
            }
            None => {}
        }
        cur.push(ch);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `(`a`(32),`b`)` → `["a", "b"]` (prefix lengths dropped).
fn index_columns(list: &str) -> Vec<String> {
    let inner = list.trim().trim_start_matches('(').trim_end_matches(')');
    inner
        .split(',')
        .map(|c| {
            c.trim()
                .split('(')
                .next()
                .unwrap_or("")
                .trim_matches('`')
                .to_string()
        })
        .collect()
}

/// Parses the `CREATE TABLE` statements of a MySQL dump.
pub fn parse_mysql_schema(sql: &str) -> Vec<Table> {
    let mut tables = Vec::new();
    let mut current: Option<Table> = None;
    for line in sql.lines() {
        let l = line.trim().trim_end_matches(',');
        if let Some(rest) = l.strip_prefix("CREATE TABLE `") {
            let name = rest.split('`').next().unwrap_or("").to_string();
            current = Some(Table {
                name,
                columns: Vec::new(),
                primary_key: Vec::new(),
                indexes: Vec::new(),
            });
            continue;
        }
        let Some(t) = current.as_mut() else { continue };
        if l.starts_with(')') {
            tables.push(current.take().expect("table"));
        } else if let Some(rest) = l.strip_prefix("PRIMARY KEY ") {
            t.primary_key = index_columns(rest);
        } else if l.starts_with("KEY `") || l.starts_with("UNIQUE KEY `") {
            let unique = l.starts_with("UNIQUE");
            let rest = l.trim_start_matches("UNIQUE ").trim_start_matches("KEY `");
            let (name, cols) = rest.split_once('`').expect("index name");
            t.indexes.push(Index {
                name: name.to_string(),
                unique,
                columns: index_columns(cols),
            });
        } else if l.starts_with('`') {
            let toks = tokens(l);
            let mut col = Column {
                name: toks[0].trim_matches('`').to_string(),
                ty: toks[1].clone(),
                unsigned: false,
                not_null: false,
                default: None,
                auto_increment: false,
            };
            let mut i = 2;
            while i < toks.len() {
                match toks[i].to_ascii_uppercase().as_str() {
                    "UNSIGNED" => col.unsigned = true,
                    "COLLATE" | "CHARACTER" => i += 1,
                    "SET" => {}
                    "NOT" => {
                        col.not_null = true;
                        i += 1;
                    }
                    "DEFAULT" => {
                        col.default = Some(toks[i + 1].clone());
                        i += 1;
                    }
                    "AUTO_INCREMENT" => col.auto_increment = true,
                    "NULL" => {}
                    other => panic!("unexpected token {other} in column line {l:?}"),
                }
                i += 1;
            }
            t.columns.push(col);
        }
    }
    tables
}

pub fn mysql_schema_text() -> String {
    std::fs::read_to_string(repo_root().join("schema/whmcs-schema.mysql.sql"))
        .expect("schema/whmcs-schema.mysql.sql")
}

pub fn schema() -> &'static [Table] {
    static SCHEMA: OnceLock<Vec<Table>> = OnceLock::new();
    SCHEMA.get_or_init(|| parse_mysql_schema(&mysql_schema_text()))
}

pub fn table(name: &str) -> &'static Table {
    schema()
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no table {name} in the schema"))
}

// ---------------------------------------------------------------------------------------------
// MySQL → SQLite

/// The SQLite type for a MySQL column type. Decimals become TEXT so money stays exact text;
/// dates stay text too, zero dates included.
pub fn sqlite_type(col: &Column) -> &'static str {
    match col.base().as_str() {
        "int" | "tinyint" | "smallint" | "mediumint" | "bigint" => "INTEGER",
        "float" | "double" => "REAL",
        "blob" | "tinyblob" | "mediumblob" | "longblob" => "BLOB",
        _ => "TEXT",
    }
}

/// Translates the MySQL schema into SQLite DDL: same tables, columns and defaults.
pub fn translate_to_sqlite(mysql: &str) -> String {
    let mut out = String::new();
    out.push_str(
        "-- WHMCS 8.4 schema for SQLite: the tables and columns of whmcs-schema.mysql.sql (a verbatim\n\
         -- copy of the WHMCS DDL), translated by tests/schema.rs. Do not edit by hand; regenerate with\n\
         --   WHMCS_UPDATE_SCHEMA=1 cargo test --test schema\n\
         --\n\
         -- Translation: decimal columns become TEXT (money stays exact decimal text, never REAL);\n\
         -- enum/varchar/text and date/datetime/timestamp become TEXT with the same defaults (zero\n\
         -- dates included); integer types become INTEGER; AUTO_INCREMENT ids become INTEGER PRIMARY\n\
         -- KEY AUTOINCREMENT; KEYs become indexes named <table>_<key>; MySQL table options, collations\n\
         -- and prefix lengths are dropped. Unlike MySQL in a non-strict sql_mode, SQLite enforces\n\
         -- NOT NULL on insert, so writers give every NOT NULL column without a default a value.\n",
    );
    for t in parse_mysql_schema(mysql) {
        let auto_pk = t.primary_key.len() == 1
            && t.column(&t.primary_key[0])
                .is_some_and(|c| c.auto_increment);
        out.push_str(&format!("\nCREATE TABLE IF NOT EXISTS `{}` (\n", t.name));
        let mut lines = Vec::new();
        for c in &t.columns {
            let ty = sqlite_type(c);
            if auto_pk && c.name == t.primary_key[0] {
                lines.push(format!("  `{}` INTEGER PRIMARY KEY AUTOINCREMENT", c.name));
                continue;
            }
            let mut l = format!("  `{}` {ty}", c.name);
            if c.not_null {
                l.push_str(" NOT NULL");
            }
            if let Some(d) = &c.default {
                let quoted = d.starts_with('\'') || d.eq_ignore_ascii_case("NULL");
                // A bare number default on a TEXT column would be stored as SQLite renders the
                // number (0.00 → '0.0'); quote it to keep the exact text.
                if ty == "TEXT" && !quoted {
                    l.push_str(&format!(" DEFAULT '{d}'"));
                } else {
                    l.push_str(&format!(" DEFAULT {d}"));
                }
            }
            lines.push(l);
        }
        if !auto_pk && !t.primary_key.is_empty() {
            let cols: Vec<String> = t.primary_key.iter().map(|c| format!("`{c}`")).collect();
            lines.push(format!("  PRIMARY KEY ({})", cols.join(", ")));
        }
        out.push_str(&lines.join(",\n"));
        out.push_str("\n);\n");
        for ix in &t.indexes {
            // An index on exactly the primary key adds nothing in SQLite.
            if ix.columns == t.primary_key {
                continue;
            }
            let cols: Vec<String> = ix.columns.iter().map(|c| format!("`{c}`")).collect();
            out.push_str(&format!(
                "CREATE {}INDEX IF NOT EXISTS `{}_{}` ON `{}` ({});\n",
                if ix.unique { "UNIQUE " } else { "" },
                t.name,
                ix.name,
                t.name,
                cols.join(", ")
            ));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Databases to test on

/// A fresh SQLite file (WAL) with the WHMCS schema, under cargo's per-test-crate temp dir.
pub fn sqlite_db() -> Box<dyn Db> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!(
        "whmcs-test-{}-{}.db",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let mut db = db::open(&format!("sqlite:{}", path.display())).expect("open sqlite");
    db::create_whmcs_schema(&mut *db).expect("sqlite schema");
    db
}

/// The MariaDB instance of this test process.
pub struct MariaDb {
    pub dir: String,
    pub port: String,
    pub socket: String,
    pub password: String,
}

impl MariaDb {
    pub fn url(&self, database: &str) -> String {
        format!(
            "mysql://root:{}@127.0.0.1:{}/{database}",
            self.password, self.port
        )
    }
}

unsafe extern "C" {
    fn atexit(cb: extern "C" fn()) -> std::ffi::c_int;
}

/// Stops the server when the test process exits normally (statics are never dropped, so a
/// `Drop` guard would not run). `tests/mariadb.sh` also watches this process and stops the
/// server within a second if it dies without running this.
extern "C" fn stop_mariadb() {
    if let Some(Ok(m)) = MARIADB.get() {
        let _ = Command::new("bash")
            .arg(repo_root().join("tests/mariadb.sh"))
            .arg("stop")
            .arg(&m.dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

static MARIADB: OnceLock<Result<MariaDb, String>> = OnceLock::new();

fn start_mariadb() -> Result<MariaDb, String> {
    let script = repo_root().join("tests/mariadb.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg("start")
        .env("MARIADB_WATCH_PID", std::process::id().to_string())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "tests/mariadb.sh start failed ({}). The MariaDB tests need mariadb-server \
             (Debian: apt-get install mariadb-server mariadb-client).\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let var = |name: &str| -> Result<String, String> {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .map(|v| v.trim_matches('\'').to_string())
            .ok_or_else(|| format!("tests/mariadb.sh start did not print {name}: {text}"))
    };
    let m = MariaDb {
        dir: var("MARIADB_DIR")?,
        port: var("MARIADB_PORT")?,
        socket: var("MARIADB_SOCKET")?,
        password: var("MARIADB_PASSWORD")?,
    };
    // SAFETY: registers a plain `extern "C" fn` with the C runtime; it runs once at exit.
    unsafe {
        atexit(stop_mariadb);
    }
    Ok(m)
}

/// The shared MariaDB server, started on first use. Fails (never skips) when MariaDB is not
/// installed.
pub fn mariadb() -> &'static MariaDb {
    match MARIADB.get_or_init(start_mariadb) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

/// A fresh database on the shared MariaDB server, with the WHMCS schema.
pub fn mariadb_db() -> Box<dyn Db> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let m = mariadb();
    let name = format!(
        "t{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = db::open(&m.url("whmcs")).expect("connect to MariaDB");
    admin
        .execute(
            &format!("CREATE DATABASE `{name}` CHARACTER SET utf8 COLLATE utf8_unicode_ci"),
            &[],
        )
        .expect("create database");
    let mut db = db::open(&m.url(&name)).expect("connect to the test database");
    db::create_whmcs_schema(&mut *db).expect("MariaDB schema");
    db
}

// ---------------------------------------------------------------------------------------------
// Rows

/// Inserts a row into a WHMCS table. Columns not given that are NOT NULL without a default get
/// what WHMCS writes for "nothing": `''`, `0`, `0.00`, a zero date.
pub fn insert(db: &mut dyn Db, table_name: &str, values: &[(&str, Value)]) {
    let t = table(table_name);
    let mut cols: Vec<String> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    for (c, v) in values {
        assert!(t.column(c).is_some(), "{table_name} has no column {c}");
        cols.push(format!("`{c}`"));
        params.push(v.clone());
    }
    for c in &t.columns {
        if !c.not_null
            || c.default.is_some()
            || c.auto_increment
            || values.iter().any(|(n, _)| *n == c.name)
        {
            continue;
        }
        let filler = match c.base().as_str() {
            "int" | "tinyint" | "smallint" | "mediumint" | "bigint" => Value::Int(0),
            "decimal" => Value::Text("0.00".into()),
            "date" => Value::Text("0000-00-00".into()),
            "datetime" | "timestamp" => Value::Text("0000-00-00 00:00:00".into()),
            "blob" => Value::Bytes(Vec::new()),
            // An enum without a default takes its first value, as MySQL does.
            "enum" => Value::Text(c.ty.split('\'').nth(1).unwrap_or("").to_string()),
            _ => Value::Text(String::new()),
        };
        cols.push(format!("`{}`", c.name));
        params.push(filler);
    }
    let sql = format!(
        "INSERT INTO `{table_name}` ({}) VALUES ({})",
        cols.join(", "),
        sync_core::db::placeholders(params.len())
    );
    db.execute(&sql, &params)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Makes a column accept any text, the way damaged or hand-migrated installs have it, so a
/// test can store what the real schema would coerce. SQLite columns already hold any text.
pub fn loosen_column(db: &mut dyn Db, table_name: &str, column: &str) {
    if db.dialect() == Dialect::MySql {
        db.execute(
            &format!(
                "ALTER TABLE `{table_name}` MODIFY `{column}` varchar(64) NOT NULL DEFAULT ''"
            ),
            &[],
        )
        .expect("alter column");
    }
}

/// Runs `f` with invalid dates (e.g. `2026-02-30`) storable, as some MySQL modes allow.
pub fn with_invalid_dates(db: &mut dyn Db, f: impl FnOnce(&mut dyn Db)) {
    let mysql = db.dialect() == Dialect::MySql;
    if mysql {
        db.execute(
            "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION,ALLOW_INVALID_DATES'",
            &[],
        )
        .expect("sql_mode");
    }
    f(db);
    if mysql {
        db.execute("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'", &[])
            .expect("sql_mode");
    }
}

/// A ChartMogul client for the simulator: the demo key, 1,000 requests/s, 4 connections.
pub fn sim_client(base_url: &str) -> sync_core::chartmogul::Client<http_transport::HttpTransport> {
    use http_transport::{HttpOptions, HttpTransport};
    use sync_core::chartmogul::retry::Limits;
    use sync_core::chartmogul::{Client, ClientConfig, Credentials};
    let limits = Limits {
        requests_per_second: 1000,
        max_connections: 4,
    };
    let transport = HttpTransport::new(HttpOptions {
        limits,
        ..HttpOptions::default()
    });
    let mut config = ClientConfig::new(base_url, Credentials::ApiKey("demo-key".into()));
    config.limits = limits;
    Client::new(transport, config)
}
