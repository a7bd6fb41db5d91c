//! `whmcs-chartmogul status`: where the sync of one WHMCS database stands.
//!
//! Contract: read-only — a database that was never synced has no `mod_chartmogul_*` tables
//! and is reported as such, not given tables. Shows the last runs (start, trigger, mode,
//! status, duration, counts), the current run if any (stale when its heartbeat is older than
//! [`status::STALE_AFTER`]), who holds the sync lock, objects sent per kind (the ledger), hook events
//! waiting, a backfill under way and the number of log errors and warnings. Exit status 0
//! whenever the state could be read.

use serde_json::Value;
use sync_core::status::{self, StatusOutput};

use super::common::{self, SourceArgs};
use super::{CliError, EXIT_OK, table};

/// How many past runs are shown.
const RUNS_SHOWN: usize = 10;

/// `whmcs-chartmogul status` options.
#[derive(clap::Args, Debug, Clone)]
pub struct StatusArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Print one JSON object on stdout
    #[arg(long)]
    pub json: bool,
}

/// Runs the command; returns the exit status (errors already printed).
pub fn run(args: &StatusArgs) -> u8 {
    let secrets: Vec<String> = common::source_secret(&args.source.whmcs)
        .into_iter()
        .collect();
    let result = execute(args).map_err(|e| e.redacted(&secrets));
    super::finish("status", args.json, result)
}

fn execute(args: &StatusArgs) -> Result<u8, CliError> {
    let mut db = common::open_source(&args.source.whmcs)?;
    let status = if common::has_state(db.as_mut()) {
        common::migrate(db.as_mut())?;
        status::read(db.as_mut(), common::now(), RUNS_SHOWN)
            .map_err(|e| CliError::failed(format!("cannot read the sync state: {e}")))?
    } else {
        StatusOutput::never_synced()
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&status).map_err(|e| CliError::failed(e.to_string()))?
        );
    } else {
        print!(
            "{}",
            human(&status, &common::display_source(&args.source.whmcs))
        );
    }
    Ok(EXIT_OK)
}

/// Run times are stored to the second: `<1 s`, `12 s`.
fn whole_seconds(ms: u64) -> String {
    match ms / 1000 {
        0 => "<1 s".to_string(),
        s => format!("{s} s"),
    }
}

/// Sums one field of every kind in a run's counts.
fn total(counts: &Value, field: &str) -> u64 {
    counts
        .as_object()
        .map(|m| {
            m.values()
                .filter_map(|c| c.get(field).and_then(Value::as_u64))
                .sum()
        })
        .unwrap_or(0)
}

fn human(s: &StatusOutput, source: &str) -> String {
    let mut out = format!("Sync state of {source}\n\n");
    if !s.synced_before {
        out.push_str(
            "No sync has run against this database yet (no mod_chartmogul_* tables).\n\
             Start one with: whmcs-chartmogul sync --whmcs SOURCE\n",
        );
        return out;
    }
    match &s.current_run {
        None => out.push_str("Current run: none\n"),
        Some(r) => {
            let progress = match (
                r.progress.get("clients_done").and_then(Value::as_u64),
                r.progress.get("clients_total").and_then(Value::as_u64),
            ) {
                (Some(d), Some(t)) => format!(", {d}/{t} clients"),
                _ => String::new(),
            };
            out.push_str(&format!(
                "Current run: #{} {} ({}), started {}{progress}{}\n",
                r.id,
                r.mode,
                r.trigger,
                r.started_at,
                if r.stale {
                    " — STALE: no heartbeat for over 10 minutes (the process probably stopped; \
                     the next run takes over)"
                } else {
                    ""
                }
            ));
        }
    }
    match &s.lock {
        None => out.push_str("Sync lock: free\n"),
        Some(l) => out.push_str(&format!(
            "Sync lock: held by {} since {}\n",
            l["holder"].as_str().unwrap_or("?"),
            l["acquired_at"].as_str().unwrap_or("?")
        )),
    }
    out.push_str("\nLast runs (newest first):\n");
    if s.runs.is_empty() {
        out.push_str("  none\n");
    } else {
        let rows: Vec<Vec<String>> = s
            .runs
            .iter()
            .map(|r| {
                vec![
                    format!("#{}", r.id),
                    r.started_at.clone(),
                    r.trigger.clone(),
                    r.mode.clone(),
                    r.status.to_string(),
                    r.duration_ms.map_or("-".to_string(), whole_seconds),
                    total(&r.counts, "created").to_string(),
                    total(&r.counts, "updated").to_string(),
                    total(&r.counts, "deleted").to_string(),
                    total(&r.counts, "cancelled").to_string(),
                    r.rejected.to_string(),
                    r.requests.to_string(),
                ]
            })
            .collect();
        out.push_str(&table::render(
            "  ",
            &[
                "run",
                "started (UTC)",
                "trigger",
                "mode",
                "status",
                "duration",
                "created",
                "updated",
                "deleted",
                "cancelled",
                "rejected",
                "requests",
            ],
            &rows,
        ));
        for r in s.runs.iter().filter(|r| r.error.is_some()) {
            out.push_str(&format!(
                "  run #{} stopped: {}\n",
                r.id,
                r.error.as_deref().unwrap_or_default()
            ));
        }
    }
    let sent: Vec<String> = s
        .ledger
        .iter()
        .filter(|(k, _)| k.as_str() != "data_source")
        .map(|(k, n)| format!("{n} {k}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    out.push_str(&format!("\nSent to ChartMogul: {}\n", sent.join(", ")));
    out.push_str(&format!("Hook events waiting: {}\n", s.pending_events));
    match &s.backfill {
        None => out.push_str("Backfill: none under way\n"),
        Some(b) => match (b.after_client_id, b.clients_done, b.clients_total) {
            (Some(id), Some(d), Some(t)) => out.push_str(&format!(
                "Backfill: under way, after client #{id} ({d}/{t} clients); the next sync continues it\n"
            )),
            _ => out.push_str(&format!("Backfill: under way ({})\n", b.cursor)),
        },
    }
    out.push_str(&format!(
        "Log: {} error{}, {} warning{}{}\n",
        s.log_errors,
        if s.log_errors == 1 { "" } else { "s" },
        s.log_warnings,
        if s.log_warnings == 1 { "" } else { "s" },
        if s.log_errors > 0 {
            " (whmcs-chartmogul logs --whmcs SOURCE --level error)"
        } else {
            ""
        }
    ));
    out
}
