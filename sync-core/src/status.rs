//! **status** — where the sync of one WHMCS database stands, for `whmcs-chartmogul status`,
//! the addon's Dashboard and Cron tabs.
//!
//! Contract: read-only over the `mod_chartmogul_*` tables (which must exist: migrate first).
//! Reports the last runs (start, trigger, mode, status, duration, counts), the current run if
//! any (stale when its heartbeat is older than [`STALE_AFTER`]), who holds the sync lock,
//! objects sent per kind (the ledger), hook events waiting, a backfill under way and the number
//! of log errors and warnings.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::db::{Db, DbError};
use crate::read::Reader;
use crate::state::{BACKFILL_PREFIX, LogFilter, LogLevel, Run, RunStatus, State, format_time};

/// A running run whose heartbeat is older than this is reported stale.
pub const STALE_AFTER: Duration = Duration::from_secs(600);

/// One run as shown.
#[derive(Debug, Serialize)]
pub struct RunView {
    pub id: i64,
    pub trigger: String,
    pub mode: String,
    pub status: RunStatus,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub duration_ms: Option<u64>,
    /// Per object kind, as the run recorded them (`{}` while running).
    pub counts: Value,
    pub rejected: u64,
    pub requests: u64,
    pub error: Option<String>,
    /// Only meaningful for the current run.
    pub stale: bool,
    /// Clients done and in all, while running.
    pub progress: Value,
}

/// A backfill under way.
#[derive(Debug, Serialize)]
pub struct Backfill {
    pub cursor: String,
    pub after_client_id: Option<i64>,
    pub clients_done: Option<u64>,
    pub clients_total: Option<u64>,
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
pub struct StatusOutput {
    /// False when the database was never synced (everything else empty).
    pub synced_before: bool,
    pub runs: Vec<RunView>,
    pub current_run: Option<RunView>,
    pub lock: Option<Value>,
    pub ledger: BTreeMap<String, u64>,
    pub pending_events: u64,
    pub backfill: Option<Backfill>,
    pub log_errors: u64,
    pub log_warnings: u64,
}

impl StatusOutput {
    /// The status of a database that was never synced (no state tables).
    pub fn never_synced() -> Self {
        StatusOutput {
            synced_before: false,
            runs: Vec::new(),
            current_run: None,
            lock: None,
            ledger: BTreeMap::new(),
            pending_events: 0,
            backfill: None,
            log_errors: 0,
            log_warnings: 0,
        }
    }
}

/// Reads the status at `now`, with the last `runs_shown` runs (newest first).
pub fn read(
    db: &mut dyn Db,
    now: DateTime<Utc>,
    runs_shown: usize,
) -> Result<StatusOutput, DbError> {
    let mut state = State::new(&mut *db);
    let runs = state.runs(runs_shown)?.iter().map(view).collect();
    let current_run = state.current_run(now, STALE_AFTER)?.as_ref().map(view);
    let lock = state.lock_holder("sync", now)?.map(|h| {
        json!({
            "holder": h.holder,
            "acquired_at": format_time(h.acquired_at),
            "expires_at": format_time(h.expires_at),
        })
    });
    let ledger = state
        .ledger_counts()?
        .into_iter()
        .map(|(k, n)| (k.as_str().to_string(), n))
        .collect();
    let pending_events = state.pending_events()?;
    let mut log_total = |level| {
        state
            .query_log(&LogFilter {
                level: Some(level),
                limit: 0,
                ..LogFilter::default()
            })
            .map(|p| p.total)
    };
    let log_errors = log_total(LogLevel::Error)?;
    let log_warnings = log_total(LogLevel::Warning)?;
    let backfill = state
        .cursors()?
        .into_iter()
        .find(|(name, _)| name.starts_with(BACKFILL_PREFIX));
    let backfill = match backfill {
        None => None,
        Some((cursor, value)) => {
            let after = value.trim().parse::<i64>().ok();
            let (done, total) = match after {
                Some(id) => {
                    let mut reader = Reader::new(&mut *db);
                    (
                        Some(reader.count_clients_upto(id)?),
                        Some(reader.count_clients()?),
                    )
                }
                None => (None, None),
            };
            Some(Backfill {
                cursor,
                after_client_id: after,
                clients_done: done,
                clients_total: total,
            })
        }
    };
    Ok(StatusOutput {
        synced_before: true,
        runs,
        current_run,
        lock,
        ledger,
        pending_events,
        backfill,
        log_errors,
        log_warnings,
    })
}

/// One stored run as shown.
pub fn view(r: &Run) -> RunView {
    // The engine stores a summary of its report (counts per kind, how many records were
    // rejected, requests); a running run holds `{}`.
    let stored: Value = serde_json::from_str(&r.counts_json).unwrap_or(Value::Null);
    let counts = stored
        .get("counts")
        .cloned()
        .unwrap_or_else(|| stored.clone());
    let rejected = match stored.get("rejected") {
        Some(Value::Array(a)) => a.len() as u64,
        Some(v) => v.as_u64().unwrap_or(0),
        None => 0,
    };
    let requests = stored.get("requests").and_then(Value::as_u64).unwrap_or(0);
    RunView {
        id: r.id,
        trigger: r.trigger.clone(),
        mode: r.mode.clone(),
        status: r.status,
        started_at: format_time(r.started_at),
        finished_at: r.finished_at.map(format_time),
        duration_ms: r
            .duration()
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        counts: if counts.is_object() {
            counts
        } else {
            json!({})
        },
        rejected,
        requests,
        error: r.error.clone(),
        stale: r.stale,
        progress: serde_json::from_str(&r.progress_json).unwrap_or_else(|_| json!({})),
    }
}
