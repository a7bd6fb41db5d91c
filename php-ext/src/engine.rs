//! `ChartMogulSync\Engine`: the engine bound to WHMCS's PDO connection for one PHP request.
//!
//! Contract (`php-ext/chartmogul_sync.stubs.php` is the PHP-side statement of it): every method
//! runs on the request's thread, reads and writes through the PDO handle it was built with,
//! and talks to ChartMogul over the ureq transport; nothing is kept between requests (no
//! statics, no threads left running), so a php-fpm fork never inherits engine state. Errors
//! arrive as `ChartMogulSync\*` exceptions (see [`crate::errors`]).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use http_transport::{HttpOptions, HttpTransport};
use serde_json::{Value as Json, json};
use sync_core::chartmogul::retry::{Limits, RetryPolicy};
use sync_core::chartmogul::{Client, ClientConfig, Credentials};
use sync_core::engine::{self, Budget, Mode, RunRequest, SyncConfig};
use sync_core::map::{MapContext, plans as plan_map};
use sync_core::read::Reader;
use sync_core::settings::Settings;
use sync_core::state::{
    LogFilter, LogLevel, NewEvent, ObjectKind, RunStatus, State, format_time, redact,
};
use sync_core::status;
use sync_core::whmcs::BillingCycle;

use ext_php_rs::boxed::ZBox;

use crate::convert::{table_to_json, to_table};
use crate::errors::{Failure, api_root};
use crate::pdo::PdoDb;
use plugin_host::{Limits as PluginLimits, PluginHost, Policy};

const DEFAULT_BASE_URL: &str = "https://api.chartmogul.com/v1";
/// The stored setting that holds the Dashboard's MRR chart between syncs.
const MRR_CACHE: &str = "cache.mrr_history";
/// Cron batches recompute the stored MRR chart once it is this old.
const MRR_CACHE_SECONDS: i64 = 3600;

type PhpOut<T> = Result<T, PhpException>;

/// What `new Engine($pdo, $options)` was given.
/// One plugin the addon enabled, in order.
#[derive(Clone)]
struct PluginOption {
    path: String,
    fail_open: bool,
}

#[derive(Clone, Default)]
struct Options {
    plugins: Vec<PluginOption>,
    /// Where compiled plugins are cached (default: the system temp dir).
    plugin_cache: Option<String>,
    api_key: Option<String>,
    account_token: Option<String>,
    secret_key: Option<String>,
    data_source: String,
    base_url: String,
    trigger: String,
}

impl Options {
    fn parse(options: &ZendHashTable) -> Result<Options, Failure> {
        let mut out = Options {
            data_source: "WHMCS".to_string(),
            base_url: DEFAULT_BASE_URL.to_string(),
            trigger: "addon".to_string(),
            ..Options::default()
        };
        let Json::Object(map) = table_to_json(options) else {
            // An empty PHP array reads as a list: no options.
            return Ok(out);
        };
        for (key, value) in map {
            if key == "plugins" {
                out.plugins = parse_plugins(&value)?;
                continue;
            }
            let text = match &value {
                Json::String(s) => s.trim().to_string(),
                Json::Null => continue,
                other => {
                    return Err(Failure::Configuration(format!(
                        "option {key:?} must be a string, not {other}"
                    )));
                }
            };
            let opt = (!text.is_empty()).then(|| text.clone());
            match key.as_str() {
                "api_key" => out.api_key = opt,
                "account_token" => out.account_token = opt,
                "secret_key" => out.secret_key = opt,
                "data_source" => out.data_source = opt.unwrap_or_else(|| "WHMCS".into()),
                "base_url" => out.base_url = opt.unwrap_or_else(|| DEFAULT_BASE_URL.into()),
                "trigger" => out.trigger = opt.unwrap_or_else(|| "addon".into()),
                "plugin_cache" => out.plugin_cache = opt,
                _ => {
                    return Err(Failure::Configuration(format!(
                        "unknown option {key:?} (known: api_key, account_token, secret_key, \
                         data_source, base_url, trigger, plugins, plugin_cache)"
                    )));
                }
            }
        }
        Ok(out)
    }

    fn credentials(&self) -> Result<Credentials, Failure> {
        if let Some(key) = &self.api_key {
            return Ok(Credentials::ApiKey(key.clone()));
        }
        match (&self.account_token, &self.secret_key) {
            (Some(token), Some(secret)) => Ok(Credentials::AccountToken {
                token: token.clone(),
                secret: secret.clone(),
            }),
            _ => Err(Failure::Configuration(
                "no ChartMogul API key is configured (Setup → Addon Modules → ChartMogul → \
                 API key)"
                    .to_string(),
            )),
        }
    }

    fn secrets(&self) -> Vec<&str> {
        [&self.api_key, &self.account_token, &self.secret_key]
            .into_iter()
            .flatten()
            .map(String::as_str)
            // Real keys are long; redacting a 1-letter test key would garble every message.
            .filter(|s| s.len() >= 8)
            .collect()
    }

    /// A client whose whole retry budget fits in `budget` (a web request must not hang).
    fn client(&self, budget: Duration) -> Result<Client<HttpTransport>, Failure> {
        let limits = Limits::default();
        let transport = HttpTransport::new(HttpOptions {
            limits,
            connect_timeout: Duration::from_secs(5).min(budget),
            request_timeout: Duration::from_secs(30).min(budget),
        });
        let mut config = ClientConfig::new(&self.base_url, self.credentials()?);
        config.limits = limits;
        config.retry = RetryPolicy {
            budget,
            ..RetryPolicy::default()
        };
        Ok(Client::new(transport, config))
    }
}

/// `plugins`: a list of `{"path": "/…/x.wasm", "policy": "fail-closed"|"fail-open"}` (or
/// plain path strings, fail-closed), applied in order.
fn parse_plugins(value: &Json) -> Result<Vec<PluginOption>, Failure> {
    let bad = |m: String| Failure::Configuration(format!("option \"plugins\": {m}"));
    let Json::Array(items) = value else {
        return match value {
            Json::Null => Ok(Vec::new()),
            Json::Object(m) if m.is_empty() => Ok(Vec::new()),
            other => Err(bad(format!("must be a list, not {other}"))),
        };
    };
    items
        .iter()
        .map(|item| match item {
            Json::String(p) => Ok(PluginOption {
                path: p.clone(),
                fail_open: false,
            }),
            Json::Object(m) => {
                let path = m
                    .get("path")
                    .and_then(Json::as_str)
                    .ok_or_else(|| bad("each plugin needs a \"path\"".to_string()))?;
                let fail_open = match m.get("policy").and_then(Json::as_str) {
                    None | Some("fail-closed") => false,
                    Some("fail-open") => true,
                    Some(other) => {
                        return Err(bad(format!(
                            "policy {other:?} is not fail-closed or fail-open"
                        )));
                    }
                };
                Ok(PluginOption {
                    path: path.to_string(),
                    fail_open,
                })
            }
            other => Err(bad(format!("{other} is not a plugin"))),
        })
        .collect()
}

/// A time as the stubs promise it: ISO-8601 UTC (`2026-11-21T10:00:00Z`); the state tables
/// store `2026-11-21 10:00:00`.
fn iso(text: &str) -> String {
    match text.split_once(' ') {
        Some((d, t)) if d.len() == 10 && !t.ends_with('Z') => format!("{d}T{t}Z"),
        _ => text.to_string(),
    }
}

/// Rewrites the time fields of a run as shown by `status()`.
fn iso_run(mut run: Json) -> Json {
    for key in ["started_at", "finished_at"] {
        if let Some(Json::String(t)) = run.get(key) {
            let t = iso(t);
            run[key] = Json::String(t);
        }
    }
    run
}

fn now() -> DateTime<Utc> {
    let t = DateTime::<Utc>::from(std::time::SystemTime::now());
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

fn holder() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "php".to_string());
    format!("{host}:{}:php", std::process::id())
}

/// `ChartMogulSync\Engine`.
#[php_class]
#[php(name = "ChartMogulSync\\Engine")]
pub struct Engine {
    pdo: Zval,
    options: Options,
}

impl Engine {
    fn db(&self) -> Result<PdoDb, Failure> {
        PdoDb::new(&self.pdo).map_err(Failure::Configuration)
    }

    fn stored_settings(db: &mut PdoDb) -> Result<Settings, Failure> {
        Ok(State::new(db).load_settings()?.unwrap_or_default())
    }

    /// Runs `f`, turning its failure into the PHP exception with secrets redacted.
    fn guard<T>(&self, f: impl FnOnce(&Engine) -> Result<T, Failure>) -> PhpOut<T> {
        f(self).map_err(|e| {
            let secrets = self.options.secrets();
            let clean = |m: String| redact(&m, &secrets);
            PhpException::from(match e {
                Failure::Configuration(m) => Failure::Configuration(clean(m)),
                Failure::Authentication(m) => Failure::Authentication(clean(m)),
                Failure::Connection(m) => Failure::Connection(clean(m)),
                Failure::Locked(m) => Failure::Locked(clean(m)),
                Failure::Database(m) => Failure::Database(clean(m)),
                Failure::Other(m) => Failure::Other(clean(m)),
            })
        })
    }

    fn run_batch_inner(
        &self,
        kind: &str,
        max_clients: i64,
        max_millis: i64,
    ) -> Result<Json, Failure> {
        let mode = match kind {
            "products" => Mode::Products,
            "clients" | "daily" => Mode::Full,
            "incremental" => Mode::Incremental,
            other => {
                return Err(Failure::Configuration(format!(
                    "unknown sync kind {other:?} (products, clients, incremental, daily)"
                )));
            }
        };
        let mut db = self.db()?;
        State::new(&mut db).migrate()?;
        let settings = Self::stored_settings(&mut db)?;
        let max_time = (max_millis > 0).then(|| Duration::from_millis(max_millis as u64));
        let retry_budget = max_time
            .unwrap_or(Duration::from_secs(60))
            .max(Duration::from_secs(5));
        let mut client = self.options.client(retry_budget)?;
        let config = SyncConfig {
            data_source: self.options.data_source.clone(),
            trigger: self.options.trigger.clone(),
            holder: holder(),
            ..SyncConfig::default()
        };
        let request = RunRequest {
            mode,
            budget: Budget {
                max_clients: (max_clients > 0).then_some(max_clients as usize),
                max_time,
            },
            now: now(),
        };
        let started = Instant::now();
        let mut last = (0u64, 0u64);
        // Plugins (and wasmtime) only come to life here, in the process that runs the batch.
        let host;
        let mut chain = None;
        if !self.options.plugins.is_empty() {
            let cache = self
                .options
                .plugin_cache
                .clone()
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| std::env::temp_dir().join("chartmogul-sync-plugins"));
            host = PluginHost::new(Some(cache), PluginLimits::default())
                .map_err(|e| Failure::Configuration(e.to_string()))?;
            let mut loaded = Vec::new();
            for p in &self.options.plugins {
                let policy = if p.fail_open {
                    Policy::FailOpen
                } else {
                    Policy::FailClosed
                };
                loaded.push(
                    host.load_file(std::path::Path::new(&p.path), policy)
                        .map_err(|e| Failure::Configuration(e.to_string()))?,
                );
            }
            chain = Some(host.chain(loaded));
        }
        let mut no_plugins = sync_core::plugin::NoPlugins;
        let plugins: &mut dyn sync_core::plugin::Plugins = match chain.as_mut() {
            Some(c) => c,
            None => &mut no_plugins,
        };
        let report = engine::run_with_plugins(
            &mut db,
            &mut client,
            &settings,
            &config,
            request,
            plugins,
            &mut |p| {
                last = (p.clients_done, p.clients_total);
            },
        )?;
        let plugin_stats: Vec<Json> = chain
            .as_ref()
            .map(|c| {
                c.stats()
                    .iter()
                    .map(|s| {
                        json!({"plugin": s.plugin, "calls": s.calls, "failures": s.failures,
                               "last_error": s.last_error, "micros": s.micros})
                    })
                    .collect()
            })
            .unwrap_or_default();
        // The Dashboard only reads the chart; cron's batches keep it fresh (admin batches must
        // stay short, so they never compute it).
        if report.finished
            && matches!(kind, "incremental" | "daily")
            && mrr_cache_age(&mut db)?.is_none_or(|age| age >= MRR_CACHE_SECONDS)
        {
            self.compute_mrr_history(&mut db, 12)?;
        }
        let (mut done, mut total) = last;
        if mode == Mode::Full && last == (0, 0) {
            let p = progress_of(&mut db, "clients")?;
            done = p["done"].as_u64().unwrap_or(0);
            total = p["total"].as_u64().unwrap_or(0);
        }
        Ok(json!({
            "kind": kind,
            "run_id": report.run_id,
            "finished": report.finished,
            "done": done,
            "total": total,
            "counts": report.counts,
            "rejected": report.rejected.iter().map(|r| json!({
                "record": r.record, "kind": r.kind, "reason": r.reason,
            })).collect::<Vec<_>>(),
            "requests": report.requests,
            "duration_ms": started.elapsed().as_millis() as u64,
            "plugins": plugin_stats,
        }))
    }
}

/// Where a kind stands: the backfill position for clients, plans in the ledger for products.
fn progress_of(db: &mut PdoDb, kind: &str) -> Result<Json, Failure> {
    let n = now();
    let mut state = State::new(&mut *db);
    state.migrate()?;
    let running = state.current_run(n, status::STALE_AFTER)?.is_some();
    match kind {
        "products" => {
            let used = Reader::new(&mut *db).used_cycles()?;
            let total = used
                .iter()
                .filter(|(_, _, c)| BillingCycle::parse(c).recurring().is_some())
                .count() as u64;
            let done = State::new(&mut *db).ledger_count(ObjectKind::Plan, false)?;
            Ok(
                json!({"kind": kind, "running": running, "finished": done >= total,
                      "done": done.min(total), "total": total}),
            )
        }
        "clients" | "daily" | "incremental" => {
            let position = State::new(&mut *db).cursor("backfill.after_client_id")?;
            let mut reader = Reader::new(&mut *db);
            let total = reader.count_clients()?;
            let synced = State::new(&mut *db).ledger_count(ObjectKind::Customer, false)?;
            let (done, finished) = match position.and_then(|p| p.parse::<i64>().ok()) {
                Some(after) => (Reader::new(&mut *db).count_clients_upto(after)?, false),
                None if synced > 0 => (total, true),
                None => (0, false),
            };
            Ok(
                json!({"kind": kind, "running": running, "finished": finished,
                      "done": done, "total": total}),
            )
        }
        other => Err(Failure::Configuration(format!(
            "unknown sync kind {other:?}"
        ))),
    }
}

fn log_filter(filter: Option<&ZendHashTable>) -> Result<LogFilter, Failure> {
    let mut out = LogFilter::default();
    let Some(Json::Object(map)) = filter.map(table_to_json) else {
        return Ok(out);
    };
    for (key, value) in map {
        let text = match &value {
            Json::String(s) => s.trim().to_string(),
            Json::Number(n) => n.to_string(),
            Json::Null => continue,
            other => {
                return Err(Failure::Configuration(format!(
                    "log filter {key:?} must be text, not {other}"
                )));
            }
        };
        if text.is_empty() {
            continue;
        }
        match key.as_str() {
            "level" => {
                out.level = Some(LogLevel::parse(&text).ok_or_else(|| {
                    Failure::Configuration(format!(
                        "log filter level {text:?} is not error, warning or info"
                    ))
                })?)
            }
            "kind" => out.kind = Some(text),
            "record" => match text.split_once('#') {
                Some((table, id)) => {
                    out.table = Some(table.to_string());
                    out.record_id = id.trim().parse().ok();
                }
                None => match text.parse() {
                    Ok(id) => out.record_id = Some(id),
                    Err(_) => out.table = Some(text),
                },
            },
            "search" => out.search = Some(text),
            "run_id" => out.run_id = text.parse().ok(),
            _ => {
                return Err(Failure::Configuration(format!(
                    "unknown log filter {key:?} (level, kind, record, search, run_id)"
                )));
            }
        }
    }
    Ok(out)
}

fn log_entry_json(e: &sync_core::state::LogEntry) -> Json {
    json!({
        "id": e.id,
        "time": iso(&format_time(e.at)),
        "level": e.level.as_str(),
        "kind": e.kind,
        "record": e.record.as_ref().map(|r| format!("{}#{}", r.table, r.id)),
        "message": match &e.chartmogul_message {
            Some(cm) if !cm.is_empty() => format!("{} — ChartMogul: {cm}", e.message),
            _ => e.message.clone(),
        },
        "chartmogul_message": e.chartmogul_message,
        "run_id": e.run_id,
    })
}

fn csv_field(s: &str) -> String {
    // Cells starting with = + - @ are formulas to spreadsheets: prefix them (CSV injection).
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Settings as the Settings tab shows them: mapping.md §10 names plus `log_retention_days`.
fn settings_json(db: &mut PdoDb) -> Result<Json, Failure> {
    let settings = Engine::stored_settings(db)?;
    let mut v = serde_json::to_value(&settings).map_err(|e| Failure::Other(e.to_string()))?;
    let retention = State::new(&mut *db)
        .setting(engine::LOG_RETENTION_SETTING)?
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(engine::DEFAULT_LOG_RETENTION_DAYS);
    if let Json::Object(m) = &mut v {
        m.insert("log_retention_days".into(), json!(retention));
    }
    Ok(v)
}

/// `rate` × `cents`, rounded half away from zero, without floating point: WHMCS stores rates
/// as decimal text (`1.23450`) relative to the default currency.
fn convert_cents(cents: i64, rate: &str) -> Option<i64> {
    let rate = rate.trim();
    let (whole, frac) = rate.split_once('.').unwrap_or((rate, ""));
    let scale = 10i128.checked_pow(frac.len() as u32)?;
    let num: i128 = format!("{whole}{frac}").parse().ok()?;
    if num <= 0 {
        return None;
    }
    // WHMCS's rate is "how many of this currency for one default unit": divide.
    let q = (i128::from(cents) * scale * 2 + num) / (num * 2);
    i64::try_from(q).ok()
}

fn month_ends(today: NaiveDate, months: u32) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let (mut y, mut m) = (today.year(), today.month());
    for _ in 0..months {
        let first_next = if m == 12 {
            NaiveDate::from_ymd_opt(y + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(y, m + 1, 1)
        };
        if let Some(end) = first_next.and_then(|d| d.pred_opt()) {
            out.push(end.min(today));
        }
        if m == 1 {
            y -= 1;
            m = 12;
        } else {
            m -= 1;
        }
    }
    out.reverse();
    out
}

#[php_impl]
impl Engine {
    pub fn __construct(pdo: &Zval, options: &ZendHashTable) -> PhpOut<Self> {
        let options = Options::parse(options).map_err(PhpException::from)?;
        PdoDb::new(pdo).map_err(|m| PhpException::from(Failure::Configuration(m)))?;
        Ok(Engine {
            pdo: pdo.shallow_clone(),
            options,
        })
    }

    /// Creates or upgrades the `mod_chartmogul_*` tables; returns the schema version.
    pub fn migrate(&self) -> PhpOut<i64> {
        self.guard(|e| {
            let mut db = e.db()?;
            Ok(i64::from(State::new(&mut db).migrate()?))
        })
    }

    /// Drops every `mod_chartmogul_*` table.
    pub fn uninstall(&self) -> PhpOut<()> {
        self.guard(|e| {
            let mut db = e.db()?;
            State::new(&mut db).drop_all()?;
            Ok(())
        })
    }

    /// Runs the next bounded batch of a sync and returns its progress.
    #[php(defaults(max_clients = 200, max_millis = 5000))]
    pub fn run_batch(
        &self,
        kind: String,
        max_clients: i64,
        max_millis: i64,
    ) -> PhpOut<ZBox<ZendHashTable>> {
        self.guard(|e| e.run_batch_inner(&kind, max_clients, max_millis))
            .map(|j| to_table(&j))
    }

    /// Where a sync of `kind` stands, without running anything.
    pub fn progress(&self, kind: String) -> PhpOut<ZBox<ZendHashTable>> {
        self.guard(|e| progress_of(&mut e.db()?, &kind))
            .map(|j| to_table(&j))
    }

    /// The connector's state for the Dashboard and Cron tabs.
    pub fn status(&self) -> PhpOut<ZBox<ZendHashTable>> {
        self.guard(|e| {
            let mut db = e.db()?;
            let n = now();
            let version = State::new(&mut db).migrate()?;
            let s = status::read(&mut db, n, 20)?;
            let runs: Vec<Json> = s
                .runs
                .iter()
                .map(|r| iso_run(serde_json::to_value(r).unwrap_or(Json::Null)))
                .collect();
            let last_success = s
                .runs
                .iter()
                .find(|r| r.status == RunStatus::Succeeded)
                .map(|r| iso_run(serde_json::to_value(r).unwrap_or(Json::Null)));
            let week_ago = n - chrono::Duration::days(7);
            let recent_errors = State::new(&mut db)
                .query_log(&LogFilter {
                    level: Some(LogLevel::Error),
                    limit: 500,
                    ..LogFilter::default()
                })?
                .entries
                .iter()
                .filter(|l| l.at >= week_ago)
                .count();
            let backfill = progress_of(&mut db, "clients")?;
            let mut sent = s.ledger.clone();
            let transactions = State::new(&mut db)
                .setting(engine::TRANSACTIONS_SENT)?
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(0);
            sent.insert("transaction".to_string(), transactions);
            Ok(json!({
                "schema_version": version,
                "running": s.current_run.is_some(),
                "lock_holder": s.lock.as_ref().and_then(|l| l.get("holder")).cloned(),
                "last_run": runs.first().cloned(),
                "last_success": last_success,
                "runs": runs,
                "sent": sent,
                "errors": recent_errors,
                "warnings": s.log_warnings,
                "queue": s.pending_events,
                "backfill": {
                    "done": backfill["done"], "total": backfill["total"],
                    "finished": backfill["finished"],
                },
            }))
        })
        .map(|j| to_table(&j))
    }

    /// Log entries, newest first.
    #[php(optional = filter, defaults(page = 1, per_page = 50))]
    pub fn logs(
        &self,
        filter: Option<&ZendHashTable>,
        page: i64,
        per_page: i64,
    ) -> PhpOut<ZBox<ZendHashTable>> {
        self.guard(|e| {
            let mut f = log_filter(filter)?;
            let per_page = per_page.clamp(1, 500) as usize;
            let page = page.max(1) as usize;
            f.limit = per_page;
            f.offset = (page - 1) * per_page;
            let mut db = e.db()?;
            State::new(&mut db).migrate()?;
            let result = State::new(&mut db).query_log(&f)?;
            Ok(json!({
                "total": result.total,
                "page": page,
                "per_page": per_page,
                "entries": result.entries.iter().map(log_entry_json).collect::<Vec<_>>(),
            }))
        })
        .map(|j| to_table(&j))
    }

    /// All entries matching `filter` as CSV with a header row.
    #[php(optional = filter)]
    pub fn logs_csv(&self, filter: Option<&ZendHashTable>) -> PhpOut<String> {
        self.guard(|e| {
            let mut f = log_filter(filter)?;
            let mut db = e.db()?;
            State::new(&mut db).migrate()?;
            let mut out = String::from("id,time,level,kind,record,message\n");
            f.limit = 1000;
            f.offset = 0;
            loop {
                let page = State::new(&mut db).query_log(&f)?;
                for entry in &page.entries {
                    let j = log_entry_json(entry);
                    let cells =
                        ["id", "time", "level", "kind", "record", "message"].map(|k| match &j[k] {
                            Json::String(s) => csv_field(s),
                            Json::Null => String::new(),
                            other => other.to_string(),
                        });
                    out.push_str(&cells.join(","));
                    out.push('\n');
                }
                if page.entries.len() < f.limit {
                    return Ok(out);
                }
                f.offset += f.limit;
            }
        })
    }

    /// The distinct kinds of log entries (for the Logs tab's filter), sorted.
    pub fn log_kinds(&self) -> PhpOut<Vec<String>> {
        self.guard(|e| {
            let mut db = e.db()?;
            State::new(&mut db).migrate()?;
            let rows = sync_core::db::Db::query(
                &mut db,
                "SELECT DISTINCT `kind` FROM `mod_chartmogul_log` ORDER BY `kind`",
                &[],
            )?;
            Ok(rows
                .into_iter()
                .filter_map(|r| match r.into_iter().next() {
                    Some(sync_core::db::Value::Text(t)) => Some(t),
                    _ => None,
                })
                .collect())
        })
    }

    /// The mapping settings plus `log_retention_days`.
    pub fn settings(&self) -> PhpOut<ZBox<ZendHashTable>> {
        self.guard(|e| {
            let mut db = e.db()?;
            State::new(&mut db).migrate()?;
            settings_json(&mut db)
        })
        .map(|j| to_table(&j))
    }

    /// Validates and stores settings; returns all settings.
    pub fn save_settings(&self, values: &ZendHashTable) -> PhpOut<ZBox<ZendHashTable>> {
        self.guard(|e| {
            let mut db = e.db()?;
            State::new(&mut db).migrate()?;
            let mut current = settings_json(&mut db)?;
            let Json::Object(given) = table_to_json(values) else {
                return settings_json(&mut db);
            };
            let mut retention = None;
            for (key, value) in given {
                if key == "log_retention_days" {
                    let days = value
                        .as_i64()
                        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
                        .filter(|d| (1..=3650).contains(d))
                        .ok_or_else(|| {
                            Failure::Configuration(
                                "log_retention_days must be a whole number of days from 1 to 3650"
                                    .to_string(),
                            )
                        })?;
                    retention = Some(days);
                    continue;
                }
                current[key.as_str()] = value;
            }
            if let Json::Object(m) = &mut current {
                m.remove("log_retention_days");
                // TOML has no null: an unset optional setting is simply absent.
                m.retain(|_, v| !v.is_null());
            }
            // Through TOML so that errors name the key exactly as a --config file's would.
            let text = toml::to_string(&current)
                .map_err(|e| Failure::Configuration(format!("settings: {e}")))?;
            // The line number would point into a TOML text the admin never sees.
            let settings = Settings::from_toml(&text).map_err(|e| {
                let m = e.0;
                let m = match m.rfind(", line ") {
                    Some(i) if m.ends_with(')') => format!("{})", &m[..i]),
                    _ => m,
                };
                Failure::Configuration(m)
            })?;
            let n = now();
            State::new(&mut db).save_settings(&settings, n)?;
            if let Some(days) = retention {
                State::new(&mut db).set_setting(
                    engine::LOG_RETENTION_SETTING,
                    &days.to_string(),
                    n,
                )?;
            }
            settings_json(&mut db)
        })
        .map(|j| to_table(&j))
    }

    /// Queues work for the next incremental run (what WHMCS hooks call).
    #[php(defaults(related_id = None))]
    pub fn enqueue(&self, hook: String, record_id: i64, related_id: Option<i64>) -> PhpOut<()> {
        self.guard(|e| {
            let mut db = e.db()?;
            let event = NewEvent {
                kind: hook.clone(),
                record_id,
                related_id,
                payload: String::new(),
            };
            match engine::enqueue(&mut db, &event, now()) {
                Ok(()) => Ok(()),
                // First hook after an upgrade without a visit to the addon page.
                Err(_) => {
                    State::new(&mut db).migrate()?;
                    engine::enqueue(&mut db, &event, now())?;
                    Ok(())
                }
            }
        })
    }

    /// Checks credentials, the data source and permissions.
    pub fn test_connection(&self) -> PhpOut<ZBox<ZendHashTable>> {
        self.guard(|e| {
            let problem = |kind: &str, message: String| {
                json!({"ok": false, "problem": kind, "message": message, "data_source_uuid": null})
            };
            let mut client = match e.options.client(Duration::from_secs(4)) {
                Ok(c) => c,
                Err(Failure::Configuration(m)) => return Ok(problem("configuration", m)),
                Err(other) => return Err(other),
            };
            let host = e
                .options
                .base_url
                .split("://")
                .nth(1)
                .and_then(|r| r.split('/').next())
                .unwrap_or(&e.options.base_url)
                .to_string();
            let classify = |err: sync_core::chartmogul::ApiError| {
                use sync_core::chartmogul::ApiError as A;
                let text = err.to_string();
                match api_root(&err) {
                    A::Authentication { status: 403, .. } => problem(
                        "permission",
                        format!("the API key lacks a permission this connector needs: {text}"),
                    ),
                    A::Authentication { .. } => problem(
                        "authentication",
                        "ChartMogul refused the API key: check it in Setup → Addon Modules"
                            .to_string(),
                    ),
                    A::Temporary { what, .. } if what.contains("timeout") => problem(
                        "timeout",
                        format!("ChartMogul ({host}) did not answer in time: {text}"),
                    ),
                    A::Temporary { .. } | A::Unreachable { .. } => problem(
                        "connection",
                        format!("cannot connect to ChartMogul at {host}: {text}"),
                    ),
                    _ => problem("connection", format!("ChartMogul at {host} answered: {text}")),
                }
            };
            if let Err(err) = client.ping() {
                return Ok(classify(err));
            }
            match client.ensure_data_source(&e.options.data_source) {
                Ok(ds) => Ok(json!({
                    "ok": true, "problem": null,
                    "message": format!("Connected to ChartMogul; data source \"{}\" is ready.",
                                       e.options.data_source),
                    "data_source_uuid": ds.uuid,
                })),
                Err(err) => Ok(classify(err)),
            }
        })
        .map(|j| to_table(&j))
    }

    /// WHMCS products and addons × cycles and the ChartMogul plans they map to.
    pub fn plans(&self) -> PhpOut<ZBox<ZendHashTable>> {
        self.guard(|e| {
            let mut db = e.db()?;
            State::new(&mut db).migrate()?;
            let settings = Self::stored_settings(&mut db)?;
            let (catalog, _) = Reader::new(&mut db).catalog()?;
            let mut out = Vec::new();
            let mut seen = std::collections::BTreeSet::new();
            for (is_addon, id, cycle) in Reader::new(&mut db).used_cycles()? {
                let Some(cycle) = BillingCycle::parse(&cycle).recurring() else {
                    continue;
                };
                let plan = if is_addon {
                    plan_map::addon_plan(&catalog, id, cycle)
                } else {
                    plan_map::product_plan(&catalog, &settings, id, cycle)
                };
                if !seen.insert(plan.external_id.clone()) {
                    continue;
                }
                let sent = State::new(&mut db).ledger_get(ObjectKind::Plan, &plan.external_id)?;
                out.push(json!({
                    "external_id": plan.external_id,
                    "name": plan.name,
                    "interval_count": plan.interval_count,
                    "interval_unit": plan.interval_unit,
                    "synced": sent.is_some(),
                    "uuid": sent.and_then(|s| s.uuid),
                }));
            }
            Ok(Json::Array(out))
        })
        .map(|j| to_table(&j))
    }

    /// WHMCS MRR vs ChartMogul MRR at the end of each of the last `months` months: the stored
    /// chart (kept fresh by cron's batches), or computed now when there is none or `refresh`.
    #[php(defaults(months = 12, refresh = false))]
    pub fn mrr_history(&self, months: i64, refresh: bool) -> PhpOut<ZBox<ZendHashTable>> {
        self.guard(|e| {
            let months = months.clamp(1, 36) as u32;
            let mut db = e.db()?;
            State::new(&mut db).migrate()?;
            if !refresh
                && let Some(cached) = State::new(&mut db).setting(MRR_CACHE)?
                && let Ok(v) = serde_json::from_str::<Json>(&cached)
                && v["months"].as_u64() == Some(u64::from(months))
            {
                return Ok(v["rows"].clone());
            }
            e.compute_mrr_history(&mut db, months)
        })
        .map(|j| to_table(&j))
    }
}

impl Engine {
    /// Computes the MRR chart and stores it: at each month end, WHMCS's MRR — what every
    /// client's WHMCS invoices give by ChartMogul's rules (`mrr::projected_mrr` of the mapped
    /// client), converted into the default currency with WHMCS's rates — against ChartMogul's
    /// `/metrics/mrr`. Not `mrr::whmcs_mrr`: that reads today's service statuses and amounts,
    /// so it understates every month in which since-cancelled services were still live.
    fn compute_mrr_history(&self, db: &mut PdoDb, months: u32) -> Result<Json, Failure> {
        let n = now();
        let settings = Self::stored_settings(db)?;
        let (catalog, _) = Reader::new(&mut *db).catalog()?;
        let ctx = MapContext::new(&catalog, &settings, n)
            .map_err(|e| Failure::Configuration(e.to_string()))?;
        let ends = month_ends(n.date_naive(), months);
        // ChartMogul's entries hold the MRR at the end of their day.
        let ats: Vec<DateTime<Utc>> = ends
            .iter()
            .map(|d| {
                d.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default())
                    .and_utc()
            })
            .collect();
        let rates: BTreeMap<String, String> = catalog
            .currencies
            .values()
            .map(|c| (c.code.trim().to_ascii_uppercase(), c.rate.clone()))
            .collect();
        let default_currency = catalog
            .currencies
            .values()
            .find(|c| c.default)
            .map(|c| c.code.trim().to_ascii_uppercase());
        let mut whmcs = vec![0i64; ends.len()];
        let mut reader = Reader::new(&mut *db);
        for page in reader.bundles() {
            let page = page?;
            for bundle in &page.bundles {
                let export = sync_core::map::map_client(bundle, &ctx);
                for (i, at) in ats.iter().enumerate() {
                    for (currency, cents) in sync_core::mrr::projected_mrr(&export, *at) {
                        let rate = rates.get(&currency).map_or("1", String::as_str);
                        whmcs[i] += convert_cents(cents, rate).unwrap_or(0);
                    }
                }
            }
        }
        let chartmogul: BTreeMap<String, i64> = match self.options.client(Duration::from_secs(5)) {
            Ok(mut client) => {
                let start = ends.first().map(|d| d.to_string()).unwrap_or_default();
                let end = ends.last().map(|d| d.to_string()).unwrap_or_default();
                client
                    .mrr_metrics(&start, &end, "month")
                    .map(|entries| entries.into_iter().map(|m| (m.date, m.mrr)).collect())
                    .unwrap_or_default()
            }
            Err(_) => BTreeMap::new(),
        };
        let rows: Vec<Json> = ends
            .iter()
            .zip(whmcs)
            .map(|(end, w)| {
                let month = format!("{:04}-{:02}", end.year(), end.month());
                let cm = chartmogul
                    .iter()
                    .find(|(d, _)| d.starts_with(&month))
                    .map(|(_, v)| *v);
                json!({"month": month, "currency": default_currency, "whmcs": w, "chartmogul": cm})
            })
            .collect();
        let cache = json!({"months": months, "computed_at": n.timestamp(), "rows": rows});
        State::new(&mut *db).set_setting(MRR_CACHE, &cache.to_string(), n)?;
        Ok(Json::Array(rows))
    }
}

/// Seconds since the stored MRR chart was computed (`None`: there is none).
fn mrr_cache_age(db: &mut PdoDb) -> Result<Option<i64>, Failure> {
    Ok(State::new(db)
        .setting(MRR_CACHE)?
        .and_then(|c| serde_json::from_str::<Json>(&c).ok())
        .and_then(|v| v["computed_at"].as_i64())
        .map(|t| now().timestamp() - t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_with_decimal_rates() {
        assert_eq!(convert_cents(1000, "1.00000"), Some(1000));
        assert_eq!(convert_cents(1000, "2.00000"), Some(500));
        assert_eq!(convert_cents(1001, "2"), Some(501));
        assert_eq!(convert_cents(1000, "0"), None);
    }

    #[test]
    fn month_ends_end_today() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
        let ends = month_ends(d, 3);
        assert_eq!(ends[0].to_string(), "2026-01-31");
        assert_eq!(ends[1].to_string(), "2026-02-28");
        assert_eq!(ends[2], d);
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
