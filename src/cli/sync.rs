//! `whmcs-chartmogul sync`: one sync run from a WHMCS database into a ChartMogul data source.
//!
//! Contract: incremental by default (the engine turns the first run into the backfill and
//! finishes a backfill under way before anything else), `--full` for the whole pass; `now` is
//! the current UTC time; the lock holder is `host:pid`; settings come from `--config`, else the
//! database, else the defaults. Exit status 0 when everything was sent, 3 when the run finished
//! but records were rejected (each printed), 1 when the run stopped (nothing is lost: what
//! ChartMogul confirmed is in the ledger and the next run resumes), 2 for bad usage or
//! configuration (a bad API key included).
//!
//! `--dry-run` plans every client against the ledger and prints what would be sent — counts
//! per kind, the records that would be rejected, and the MRR ChartMogul would compute per
//! customer and currency — without contacting ChartMogul (so no API key is needed), without
//! taking the lock and without recording a run. Its exit status is 3 when records would be
//! rejected, else 0.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;
use sync_core::chartmogul::ApiError;
use sync_core::engine::{self, Budget, Counts, EngineError, Mode, Rejected, Report, RunRequest};

use plugin_host::{PluginHost, Policy};
use sync_core::plugin::{NoPlugins, Plugins};

use super::common::{self, ChartMogulArgs, SourceArgs};
use super::progress::Bar;
use super::{CliError, EXIT_OK, EXIT_REJECTED, table};

/// `whmcs-chartmogul sync` options.
#[derive(clap::Args, Debug, Clone)]
pub struct SyncArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub chartmogul: ChartMogulArgs,
    /// Walk every client (the daily reconciliation pass) instead of only what changed
    #[arg(long)]
    pub full: bool,
    /// Show what would be sent, without sending anything
    #[arg(long)]
    pub dry_run: bool,
    /// Print one JSON object on stdout instead of the summary
    #[arg(long)]
    pub json: bool,
    /// Mapping settings (TOML, names of mapping.md §10); default: the settings saved by the
    /// addon, else the defaults
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A plugin component (.wasm, docs/plugins.md) that sees each client and plan before it is sent;
    /// repeatable, applied in order
    #[arg(long = "plugin", value_name = "PATH")]
    pub plugins: Vec<PathBuf>,
    /// When a plugin fails on a client: skip the client (fail-closed) or send it as it was
    /// before that plugin (fail-open)
    #[arg(long, value_enum, default_value_t = PluginPolicy::FailClosed)]
    pub plugin_policy: PluginPolicy,
}

/// `--plugin-policy`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginPolicy {
    FailClosed,
    FailOpen,
}

/// Where compiled plugins are kept between runs: `$XDG_CACHE_HOME` or `~/.cache`, else the
/// temp dir.
fn plugin_cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("whmcs-chartmogul")
        .join("plugins")
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
pub struct SyncOutput<'a> {
    pub mode: &'static str,
    /// True when nothing was sent: the counts are what would be sent.
    pub dry_run: bool,
    /// The recorded run; `None` for a dry run (nothing is recorded).
    pub run_id: Option<i64>,
    pub finished: bool,
    /// Per object kind (plans, customers, invoices, transactions, cancellations).
    pub counts: BTreeMap<String, Counts>,
    pub rejected: &'a [Rejected],
    pub warnings: u64,
    pub clients: u64,
    pub requests: u64,
    pub duration_ms: u64,
    /// Dry runs: MRR ChartMogul would compute, per customer external id and currency (cents).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projected_mrr: Option<&'a BTreeMap<String, BTreeMap<String, i64>>>,
    /// Dry runs: the same summed per currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projected_mrr_totals: Option<BTreeMap<String, i64>>,
    /// With `--plugin`: per plugin, records decided, failures, the last failure and the time
    /// spent in it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plugins: Vec<PluginOutput>,
}

/// One plugin's counters in the report.
#[derive(Debug, Serialize)]
pub struct PluginOutput {
    pub plugin: String,
    pub calls: u64,
    pub failures: u64,
    pub last_error: Option<String>,
    pub ms: u64,
}

/// Runs the command; returns the exit status (errors already printed).
pub fn run(args: &SyncArgs) -> u8 {
    super::finish("sync", args.json, execute(args))
}

fn execute(args: &SyncArgs) -> Result<u8, CliError> {
    let mut secrets: Vec<String> = common::source_secret(&args.source.whmcs)
        .into_iter()
        .collect();
    // A dry run never contacts ChartMogul, so it needs no key (but hides one that is given).
    let key = match args.chartmogul.api_key() {
        Ok(key) => key,
        Err(_) if args.dry_run => String::new(),
        Err(e) => return Err(e),
    };
    secrets.push(key.clone());
    sync(args, &key).map_err(|e| e.redacted(&secrets))
}

fn sync(args: &SyncArgs, key: &str) -> Result<u8, CliError> {
    // A bad --config file is reported before anything is opened or sent.
    let file_settings = args
        .config
        .as_deref()
        .map(common::settings_file)
        .transpose()?;
    let mut client = args.chartmogul.client(key)?;
    let mut db = common::open_source(&args.source.whmcs)?;
    common::migrate(db.as_mut())?;
    let settings = match file_settings {
        Some(s) => s,
        None => common::saved_settings(db.as_mut())?,
    };
    let mode = if args.full {
        Mode::Full
    } else {
        Mode::Incremental
    };
    let config = engine::SyncConfig {
        data_source: args.chartmogul.data_source.clone(),
        trigger: "cli".to_string(),
        holder: format!("{}:{}", common::hostname(), std::process::id()),
        dry_run: args.dry_run,
        holder_is_dead: common::holder_is_dead,
        ..engine::SyncConfig::default()
    };
    let request = RunRequest {
        mode,
        budget: Budget::default(),
        now: common::now(),
    };
    let host = if args.plugins.is_empty() {
        None
    } else {
        Some(
            PluginHost::new(Some(plugin_cache_dir()), plugin_host::Limits::default())
                .map_err(|e| CliError::usage(format!("cannot start the plugin host: {e}")))?,
        )
    };
    let mut chain = match &host {
        None => None,
        Some(h) => {
            let policy = match args.plugin_policy {
                PluginPolicy::FailClosed => Policy::FailClosed,
                PluginPolicy::FailOpen => Policy::FailOpen,
            };
            let loaded = args
                .plugins
                .iter()
                .map(|p| h.load_file(p, policy))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| CliError::usage(format!("--plugin: {e}")))?;
            Some(h.chain(loaded))
        }
    };
    let mut no_plugins = NoPlugins;
    let plugins: &mut dyn Plugins = match chain.as_mut() {
        Some(c) => c,
        None => &mut no_plugins,
    };
    let started = Instant::now();
    let mut bar = Bar::new(if args.dry_run { "planning" } else { "syncing" });
    bar.start();
    let result = engine::run_with_plugins(
        &mut db,
        &mut client,
        &settings,
        &config,
        request,
        plugins,
        &mut |p| bar.update(p),
    );
    bar.finish();
    let report = result.map_err(|e| engine_error(e, &args.chartmogul.chartmogul_url))?;
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut output = output(&report, mode, args.dry_run, duration_ms);
    if let Some(c) = &chain {
        output.plugins = c
            .stats()
            .iter()
            .map(|s| PluginOutput {
                plugin: s.plugin.clone(),
                calls: s.calls,
                failures: s.failures,
                last_error: s.last_error.clone(),
                ms: s.micros / 1000,
            })
            .collect();
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&output).map_err(|e| CliError::failed(e.to_string()))?
        );
    } else {
        print!(
            "{}",
            human(
                &output,
                &common::display_source(&args.source.whmcs),
                &args.chartmogul.data_source
            )
        );
    }
    Ok(if report.rejected.is_empty() {
        EXIT_OK
    } else {
        EXIT_REJECTED
    })
}

/// The `--json` object of a report.
pub fn output(report: &Report, mode: Mode, dry_run: bool, duration_ms: u64) -> SyncOutput<'_> {
    let totals = dry_run.then(|| {
        let mut totals: BTreeMap<String, i64> = BTreeMap::new();
        for (currency, mrr) in report.projected_mrr.values().flatten() {
            *totals.entry(currency.clone()).or_default() += mrr;
        }
        totals
    });
    SyncOutput {
        mode: mode.as_str(),
        dry_run,
        run_id: (!dry_run).then_some(report.run_id),
        finished: report.finished,
        counts: table::all_counts(&report.counts),
        rejected: &report.rejected,
        warnings: report.warnings,
        clients: report.clients,
        requests: report.requests,
        duration_ms,
        projected_mrr: dry_run.then_some(&report.projected_mrr),
        projected_mrr_totals: totals,
        plugins: Vec::new(),
    }
}

/// The summary a person reads: one headline, the counts table, the rejected records; for a
/// dry run also the MRR ChartMogul would compute.
pub fn human(o: &SyncOutput<'_>, source: &str, data_source: &str) -> String {
    let mode = if o.mode == "full" {
        "Full"
    } else {
        "Incremental"
    };
    let mut out = match o.run_id {
        Some(run) => format!(
            "{mode} sync of {source} into ChartMogul data source {data_source:?}: run #{run}, \
             {} clients, {} requests, {}\n\n",
            o.clients,
            o.requests,
            common::seconds(u128::from(o.duration_ms)),
        ),
        None => format!(
            "Dry run of {source} against what was sent to ChartMogul data source \
             {data_source:?}: {} clients planned, nothing sent or recorded, {}\n\n\
             Would be sent:\n",
            o.clients,
            common::seconds(u128::from(o.duration_ms)),
        ),
    };
    out.push_str(&table::counts("  ", &o.counts));
    if !o.finished {
        out.push_str("\nNot finished: run sync again to continue where this run stopped.\n");
    }
    if o.warnings > 0 {
        out.push_str(&format!(
            "\n{} warning{} ({} with something dropped or assumed){}\n",
            o.warnings,
            if o.warnings == 1 { "" } else { "s" },
            if o.dry_run { "would be sent" } else { "sent" },
            if o.dry_run {
                ""
            } else {
                ": whmcs-chartmogul logs --level warning"
            }
        ));
    }
    if !o.plugins.is_empty() {
        out.push_str("\nPlugins:\n");
        let rows: Vec<Vec<String>> = o
            .plugins
            .iter()
            .map(|p| {
                vec![
                    p.plugin.clone(),
                    p.calls.to_string(),
                    p.failures.to_string(),
                    common::seconds(u128::from(p.ms)),
                    p.last_error.clone().unwrap_or_default(),
                ]
            })
            .collect();
        out.push_str(&table::render(
            "  ",
            &["plugin", "records", "failed", "time", "last failure"],
            &rows,
        ));
    }
    out.push_str(&rejected_list(o.rejected, o.dry_run));
    if let (Some(per_customer), Some(totals)) = (o.projected_mrr, &o.projected_mrr_totals) {
        out.push_str("\nMRR ChartMogul would compute, per currency:\n");
        let rows: Vec<Vec<String>> = totals
            .iter()
            .map(|(c, mrr)| vec![c.clone(), common::money(*mrr)])
            .collect();
        out.push_str(&table::render("  ", &["currency", "MRR"], &rows));
        out.push_str("\nPer customer:\n");
        let mut customers: Vec<_> = per_customer.iter().collect();
        // whmcs-client-9 before whmcs-client-10.
        customers.sort_by_key(|(ext, _)| (ext.len(), ext.as_str()));
        let rows: Vec<Vec<String>> = customers
            .into_iter()
            .flat_map(|(customer, by_currency)| {
                by_currency
                    .iter()
                    .map(move |(c, mrr)| vec![customer.clone(), c.clone(), common::money(*mrr)])
            })
            .collect();
        out.push_str(&table::render(
            "  ",
            &["customer", "currency", "MRR"],
            &rows,
        ));
    }
    out
}

/// The rejected records, one per line (empty when none).
pub fn rejected_list(rejected: &[Rejected], dry_run: bool) -> String {
    if rejected.is_empty() {
        return String::new();
    }
    let (one, many) = if dry_run {
        (" would be", "s would be")
    } else {
        (" was", "s were")
    };
    let mut out = format!(
        "\n{} record{} rejected (not sent; fix them in WHMCS and the next sync sends them):\n",
        rejected.len(),
        if rejected.len() == 1 { one } else { many }
    );
    for r in rejected {
        out.push_str(&format!("  {}  [{}]  {}\n", r.record, r.kind, r.reason));
    }
    out
}

/// An engine error as the operator should read it.
pub fn engine_error(e: EngineError, url: &str) -> CliError {
    const RESUMES: &str = "Nothing is lost: everything ChartMogul confirmed is recorded, and \
                           the next run resumes from there.";
    match e {
        EngineError::Locked(who) => CliError::failed(format!(
            "another sync is running ({who}); this run sent nothing. Try again when it has \
             finished."
        )),
        EngineError::Config(m) => CliError::usage(format!("configuration error: {m}")),
        EngineError::Api(api @ ApiError::Authentication { .. }) => CliError::usage(format!(
            "ChartMogul at {url} refused the credentials: {api}"
        )),
        EngineError::Api(
            api @ (ApiError::Unreachable { .. }
            | ApiError::Temporary { .. }
            | ApiError::RetriesExhausted { .. }),
        ) => CliError::failed(format!(
            "the sync stopped: cannot reach ChartMogul at {url}: {api}. {RESUMES}"
        )),
        other => CliError::failed(format!("the sync stopped: {other}. {RESUMES}")),
    }
}
