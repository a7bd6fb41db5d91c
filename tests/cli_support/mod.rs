//! Shared by the `tests/cli_*.rs` tests: a seeded SQLite WHMCS database, an in-process
//! ChartMogul simulator, and the real binary run with a controlled environment.
//!
//! The seed's `today` is yesterday (UTC): the CLI syncs at the real current time, and every
//! seeded timestamp must lie in the past of both the CLI and the simulator's clock.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDate, Utc};
use sync_core::db::{Db, Value};
use whmcs_chartmogul::sim::{self, SimHandle, SimOptions};

/// An API key that must never appear in any output.
pub const SECRET_KEY: &str = "cm_live_9f8e7d6c5b4a39281716";

/// A temporary directory with a seeded WHMCS database; removed on drop.
pub struct Seeded {
    pub dir: PathBuf,
    pub source: String,
}

impl Drop for Seeded {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from(SystemTime::now())
}

/// The seed's `today`: yesterday, UTC.
pub fn seed_today() -> NaiveDate {
    now().date_naive() - chrono::Duration::days(1)
}

/// Seeds `clients` clients (with the seed's planted bad records) into a fresh SQLite file.
pub fn seeded(name: &str, clients: usize) -> Seeded {
    let dir = std::env::temp_dir().join(format!("cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let source = format!("sqlite:{}", dir.join("whmcs.db").display());
    let out = Command::new(env!("CARGO_BIN_EXE_whmcs-chartmogul"))
        .args([
            "seed",
            "--scale",
            &clients.to_string(),
            "--today",
            &seed_today().to_string(),
            "--out",
            &source,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "seed failed: {out:?}");
    Seeded { dir, source }
}

pub fn open(source: &str) -> Box<dyn Db> {
    whmcs_chartmogul::db::open(source).unwrap()
}

pub fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        other => panic!("unexpected value {other:?}"),
    }
}

/// The WHMCS clients carrying a record the seed planted as bad.
const PLANTED_CLIENTS: &str = "SELECT `record_id` FROM `seed_planted` WHERE `table_name` = 'tblclients' \
     UNION SELECT `userid` FROM `tblhosting` WHERE `id` IN \
       (SELECT `record_id` FROM `seed_planted` WHERE `table_name` = 'tblhosting') \
     UNION SELECT `h`.`userid` FROM `tblhostingaddons` `a` JOIN `tblhosting` `h` ON `h`.`id` = `a`.`hostingid` \
       WHERE `a`.`id` IN (SELECT `record_id` FROM `seed_planted` WHERE `table_name` = 'tblhostingaddons') \
     UNION SELECT `userid` FROM `tblinvoiceitems` WHERE `id` IN \
       (SELECT `record_id` FROM `seed_planted` WHERE `table_name` = 'tblinvoiceitems')";

/// Removes the clients with planted bad records (their other rows are never read without
/// the client row), so a sync has nothing to reject.
pub fn remove_planted_clients(source: &str) {
    let mut db = open(source);
    let n = db
        .execute(
            &format!("DELETE FROM `tblclients` WHERE `id` IN ({PLANTED_CLIENTS})"),
            &[],
        )
        .unwrap();
    assert!(n > 0, "the seed planted no bad records");
}

/// The planted record of `kind`: (table, id).
pub fn planted(source: &str, kind: &str) -> (String, i64) {
    let mut db = open(source);
    let rows = db
        .query(
            "SELECT `table_name`, `record_id` FROM `seed_planted` WHERE `kind` = ? ORDER BY `record_id` LIMIT 1",
            &[kind.into()],
        )
        .unwrap();
    let row = rows.first().unwrap_or_else(|| panic!("no planted {kind}"));
    (text(&row[0]), text(&row[1]).parse().unwrap())
}

/// A simulator on a free loopback port, on the machine's clock.
pub fn simulator() -> SimHandle {
    sim::start(SimOptions {
        bulk_processing_delay: Duration::from_millis(5),
        ..SimOptions::default()
    })
    .unwrap()
}

/// A loopback URL nothing listens on.
pub fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/v1")
}

/// Runs the binary with `args`; `CHARTMOGUL_API_KEY` is set to `key` or removed.
pub fn cli(args: &[&str], key: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_whmcs-chartmogul"));
    cmd.args(args);
    match key {
        Some(k) => cmd.env("CHARTMOGUL_API_KEY", k),
        None => cmd.env_remove("CHARTMOGUL_API_KEY"),
    };
    cmd.output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// stdout parsed as exactly one JSON object (nothing before or after it).
pub fn json(o: &Output) -> serde_json::Value {
    let text = stdout(o);
    let v: serde_json::Value = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}): {text}"));
    assert!(v.is_object(), "stdout is not an object: {text}");
    v
}

/// `sync` against `url` with the secret key, plus `extra` arguments.
pub fn sync(source: &str, url: &str, extra: &[&str]) -> Output {
    let mut args = vec!["sync", "--whmcs", source, "--chartmogul-url", url];
    args.extend_from_slice(extra);
    cli(&args, Some(SECRET_KEY))
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}
