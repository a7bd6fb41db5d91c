//! Runs: one row per sync run, for the Dashboard, the Cron tab and `status`.
//!
//! Contract: [`State::start_run`] records a run as `running` with who triggered it
//! (`cli`, `cron`, `admin:<username>`, `hook`) and its mode (`backfill`, `incremental`,
//! `daily`, `products`, `clients`); [`State::heartbeat`] stores its progress (JSON, done/total
//! per kind) and proves it alive; [`State::finish_run`] records the outcome, the counts (JSON)
//! and the error. A process killed mid-run leaves its row `running`: readers see it as
//! **stale** once its heartbeat is older than their threshold, and the next run that holds the
//! lock closes it with [`State::abandon_running_runs`].

use std::fmt;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::db::{Db, DbError, Row, Value};

use super::schema::RUNS;
use super::{
    MAX_TEXT_CHARS, State, StateError, check_len, col_i64, col_opt_text, col_opt_time, col_text,
    col_time, format_time, opt_text, plus, truncate_chars,
};

/// Where a run stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Started and not finished (alive, or stale if its heartbeat stopped).
    Running,
    /// Finished; everything was sent.
    Succeeded,
    /// Stopped by an error; nothing is lost, the next run resumes.
    Failed,
    /// Finished, but some records were rejected (each logged).
    Partial,
}

impl RunStatus {
    /// The stored name: `running`, `succeeded`, `failed`, `partial`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Partial => "partial",
        }
    }

    /// The inverse of [`RunStatus::as_str`].
    pub fn parse(s: &str) -> Option<RunStatus> {
        [
            RunStatus::Running,
            RunStatus::Succeeded,
            RunStatus::Failed,
            RunStatus::Partial,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recorded run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub id: i64,
    /// `cli`, `cron`, `admin:<username>`, `hook`, as given to [`State::start_run`].
    pub trigger: String,
    /// `backfill`, `incremental`, `daily`, `products`, `clients`, as given.
    pub mode: String,
    pub status: RunStatus,
    /// JSON counts per object kind, as given to [`State::finish_run`] (`{}` until then).
    pub counts_json: String,
    /// JSON progress, as last given to [`State::heartbeat`] (`{}` until then).
    pub progress_json: String,
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub heartbeat_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Running with a heartbeat older than the caller's threshold. Only
    /// [`State::current_run`] knows the time and fills it in; elsewhere it is `false` — use
    /// [`Run::is_stale`].
    pub stale: bool,
}

impl Run {
    /// Running, and no heartbeat for longer than `stale_after` before `now`.
    pub fn is_stale(&self, now: DateTime<Utc>, stale_after: Duration) -> bool {
        self.status == RunStatus::Running && plus(self.heartbeat_at, stale_after) < now
    }

    /// How long a finished run took (zero if the caller's clock went backwards); `None`
    /// while running.
    pub fn duration(&self) -> Option<Duration> {
        self.finished_at
            .map(|f| (f - self.started_at).to_std().unwrap_or_default())
    }
}

const SELECT: &str = "SELECT `id`, `triggered_by`, `mode`, `status`, `counts`, `progress`, `error`, \
                      `started_at`, `heartbeat_at`, `finished_at` FROM `mod_chartmogul_runs`";

fn decode(row: &Row) -> Result<Run, StateError> {
    let id = col_i64(row, 0, "id").map_err(|e| StateError::corrupt(RUNS, "id ?", e))?;
    let bad = |reason: String| StateError::corrupt(RUNS, format!("id {id}"), reason);
    let status_text = col_text(row, 3, "status").map_err(bad)?;
    Ok(Run {
        id,
        trigger: col_text(row, 1, "triggered_by").map_err(bad)?,
        mode: col_text(row, 2, "mode").map_err(bad)?,
        status: RunStatus::parse(&status_text)
            .ok_or_else(|| bad(format!("unknown status {status_text:?}")))?,
        counts_json: col_text(row, 4, "counts").map_err(bad)?,
        progress_json: col_text(row, 5, "progress").map_err(bad)?,
        error: col_opt_text(row, 6, "error").map_err(bad)?,
        started_at: col_time(row, 7, "started_at").map_err(bad)?,
        heartbeat_at: col_time(row, 8, "heartbeat_at").map_err(bad)?,
        finished_at: col_opt_time(row, 9, "finished_at").map_err(bad)?,
        stale: false,
    })
}

/// The error recorded on runs closed by [`State::abandon_running_runs`].
pub const ABANDONED: &str = "abandoned: the process running it stopped without finishing";

impl<D: Db> State<D> {
    /// Records a new run as `running`, started and last heard of at `now`; returns its id.
    /// The caller holds the sync lock (see [`State::try_lock`]).
    pub fn start_run(
        &mut self,
        trigger: &str,
        mode: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, DbError> {
        check_len("run trigger", trigger, 191)?;
        check_len("run mode", mode, 32)?;
        let at = format_time(now);
        self.db.execute(
            "INSERT INTO `mod_chartmogul_runs` (`triggered_by`, `mode`, `status`, `counts`, \
             `progress`, `error`, `started_at`, `heartbeat_at`, `finished_at`) \
             VALUES (?, ?, ?, ?, ?, NULL, ?, ?, NULL)",
            &[
                Value::from(trigger),
                Value::from(mode),
                Value::from(RunStatus::Running.as_str()),
                Value::from("{}"),
                Value::from("{}"),
                Value::Text(at.clone()),
                Value::Text(at),
            ],
        )?;
        self.last_insert_id(RUNS)
    }

    /// Stores a running run's progress and marks it alive at `now`. A run that is no longer
    /// running is left as it is.
    pub fn heartbeat(
        &mut self,
        run_id: i64,
        progress_json: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        check_len("run progress", progress_json, MAX_TEXT_CHARS)?;
        self.db.execute(
            "UPDATE `mod_chartmogul_runs` SET `progress` = ?, `heartbeat_at` = ? \
             WHERE `id` = ? AND `status` = ?",
            &[
                Value::from(progress_json),
                Value::Text(format_time(now)),
                Value::Int(run_id),
                Value::from(RunStatus::Running.as_str()),
            ],
        )?;
        Ok(())
    }

    /// Records how a run ended: `status` (not [`RunStatus::Running`]), its counts, the error
    /// if any, finished at `now`.
    pub fn finish_run(
        &mut self,
        run_id: i64,
        status: RunStatus,
        counts_json: &str,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        if status == RunStatus::Running {
            return Err(DbError::new(format!(
                "finish_run({run_id}): a finished run is succeeded, failed or partial, not running"
            )));
        }
        check_len("run counts", counts_json, MAX_TEXT_CHARS)?;
        let error = error.map(|e| truncate_chars(e, MAX_TEXT_CHARS));
        let at = format_time(now);
        self.db.execute(
            "UPDATE `mod_chartmogul_runs` SET `status` = ?, `counts` = ?, `error` = ?, \
             `heartbeat_at` = ?, `finished_at` = ? WHERE `id` = ?",
            &[
                Value::from(status.as_str()),
                Value::from(counts_json),
                opt_text(error.as_deref()),
                Value::Text(at.clone()),
                Value::Text(at),
                Value::Int(run_id),
            ],
        )?;
        Ok(())
    }

    /// The newest `limit` runs, newest first.
    pub fn runs(&mut self, limit: usize) -> Result<Vec<Run>, DbError> {
        let rows = self.db.query(
            &format!("{SELECT} ORDER BY `id` DESC LIMIT ?"),
            &[Value::Int(i64::try_from(limit).unwrap_or(i64::MAX))],
        )?;
        rows.iter()
            .map(|r| decode(r).map_err(DbError::from))
            .collect()
    }

    /// One run by id.
    pub fn run(&mut self, run_id: i64) -> Result<Option<Run>, DbError> {
        let rows = self
            .db
            .query(&format!("{SELECT} WHERE `id` = ?"), &[Value::Int(run_id)])?;
        match rows.first() {
            Some(r) => Ok(Some(decode(r)?)),
            None => Ok(None),
        }
    }

    /// The newest run still marked running, with [`Run::stale`] set when its heartbeat is
    /// older than `stale_after` before `now`; `None` when no run is running.
    pub fn current_run(
        &mut self,
        now: DateTime<Utc>,
        stale_after: Duration,
    ) -> Result<Option<Run>, DbError> {
        let rows = self.db.query(
            &format!("{SELECT} WHERE `status` = ? ORDER BY `id` DESC LIMIT 1"),
            &[Value::from(RunStatus::Running.as_str())],
        )?;
        match rows.first() {
            Some(r) => {
                let mut run = decode(r)?;
                run.stale = run.is_stale(now, stale_after);
                Ok(Some(run))
            }
            None => Ok(None),
        }
    }

    /// Marks every run still `running` as failed with [`ABANDONED`], finished at `now`;
    /// returns how many. Call it only while holding the sync lock and before
    /// [`State::start_run`]: then no other run can be alive, so any `running` row is the
    /// leftover of a killed process.
    pub fn abandon_running_runs(&mut self, now: DateTime<Utc>) -> Result<u64, DbError> {
        self.db.execute(
            "UPDATE `mod_chartmogul_runs` SET `status` = ?, `error` = ?, `finished_at` = ? \
             WHERE `status` = ?",
            &[
                Value::from(RunStatus::Failed.as_str()),
                Value::from(ABANDONED),
                Value::Text(format_time(now)),
                Value::from(RunStatus::Running.as_str()),
            ],
        )
    }
}
