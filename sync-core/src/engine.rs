//! The sync engine: one run of the pipeline **read → map → plan → send → record**.
//!
//! Contract:
//! - One run at a time per WHMCS database: a run takes the `sync` lock first (MySQL
//!   `GET_LOCK`, an SQLite lease) and reports [`EngineError::Locked`] when another holds it.
//! - **Full** runs (backfill, and the daily diff pass) walk every client in keyset pages from a
//!   stored position, so a run that stops — budget spent, crash, `kill -9` — resumes where it
//!   was; **incremental** runs handle the clients named by queued hook events and by the
//!   watermarks (`updated_at`, ids) of the WHMCS tables. Watermarks and backfill positions are
//!   separate cursors; a watermark only moves forward after the work below it is recorded.
//! - Every write is recorded in the ledger right after ChartMogul confirms it (per page), and
//!   every write is idempotent by external id, so a run killed at any instant and started again
//!   ends with the same ChartMogul state as an uninterrupted run.
//! - Large backfills of new customers go through ChartMogul's bulk JSON import (whole customers
//!   per request, ≤ 5 MB, polled until processed, per-object failures logged); everything else
//!   through the direct API.
//! - A record ChartMogul or the mapping rejects is logged with its reason and the run goes on.
//! - `budget` bounds a run (clients, time) so cron and the admin page can run it in short
//!   steps; [`Report::finished`] says whether work remains.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::RecordRef;
use crate::chartmogul::types as cm;
use crate::chartmogul::{ApiError, Client, Transport};
use crate::db::{Db, DbError, Value};
use crate::error::RecordError;
use crate::map::changes::{self, ClientRemoval, SentInvoice};
use crate::map::{self, ClientExport, MapContext, ids, map_client};
use crate::plan::{ClientPlan, Sent, Write, plan_client};
use crate::plugin::{NoPlugins, PlanSource, PluginContext, Plugins, Verdict};
use crate::read::Reader;
use crate::send::{Outcome, Rejection, Uuids, send_writes};
use crate::settings::Settings;
use crate::state::{
    Event, LedgerEntry, LockOutcome, LogLevel, NewEvent, NewLogEntry, ObjectKind, RunStatus, State,
    StateError, format_time,
};
use crate::whmcs::{BillingCycle, Catalog, ClientBundle, Id};

/// Which kind of run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Every client, from the stored backfill position (first sync, daily pass, `--full`).
    Full,
    /// Only clients named by queued events or changed since the watermarks.
    Incremental,
    /// Only the plans of the products and addon cycles WHMCS services use.
    Products,
}

impl Mode {
    /// The name stored in the runs table and printed by `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Incremental => "incremental",
            Mode::Products => "products",
        }
    }
}

/// How a run is configured besides the mapping settings.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// ChartMogul data source name (`--data-source`, default `WHMCS`).
    pub data_source: String,
    /// Who started the run: `cli`, `cron`, `admin:NAME`, …
    pub trigger: String,
    /// Identifies this process for the lock, e.g. `host:pid`.
    pub holder: String,
    /// Clients per page read from WHMCS.
    pub page_size: usize,
    /// Send new customers of a backfill through the bulk JSON import.
    pub bulk: bool,
    /// At most this many customers, and this many bytes, per bulk import.
    pub bulk_max_customers: usize,
    pub bulk_max_bytes: usize,
    /// How often a bulk import's status is polled, and for how long at most.
    pub bulk_poll: Duration,
    pub bulk_timeout: Duration,
    /// Lease of the SQLite lock; renewed every page.
    pub lock_lease: Duration,
    /// Plan every client against the ledger and report what would be sent, sending nothing
    /// and recording nothing (`sync --dry-run`).
    pub dry_run: bool,
    /// Tells whether the holder of an SQLite lease (a `holder` string of another run) is a
    /// process that no longer exists, so a killed run's lease is taken over at once instead of
    /// after `lock_lease`. The engine cannot see processes; the CLI can.
    pub holder_is_dead: fn(&str) -> bool,
    /// Clients sent at once over direct API calls (when the transport can be shared).
    pub connections: usize,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            data_source: "WHMCS".to_string(),
            trigger: "cli".to_string(),
            holder: "engine".to_string(),
            page_size: 500,
            bulk: true,
            bulk_max_customers: 1000,
            bulk_max_bytes: 4_500_000,
            bulk_poll: Duration::from_millis(250),
            bulk_timeout: Duration::from_secs(600),
            lock_lease: Duration::from_secs(120),
            dry_run: false,
            holder_is_dead: |_| false,
            connections: 8,
        }
    }
}

/// Limits of one step.
#[derive(Debug, Clone, Copy, Default)]
pub struct Budget {
    pub max_clients: Option<usize>,
    pub max_time: Option<Duration>,
}

/// Progress of a run, reported after every page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    pub clients_done: u64,
    pub clients_total: u64,
}

/// Counts per object kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub created: u64,
    pub updated: u64,
    pub deleted: u64,
    pub cancelled: u64,
}

/// A record that was not sent, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejected {
    /// The WHMCS record (`tblinvoiceitems #5599`) or ChartMogul object (`whmcs-invoice-7`).
    pub record: String,
    pub kind: String,
    pub reason: String,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub mode: Option<Mode>,
    pub run_id: i64,
    /// Per object kind: plans, customers, invoices, transactions, cancellations.
    pub counts: BTreeMap<&'static str, Counts>,
    pub rejected: Vec<Rejected>,
    pub warnings: u64,
    pub clients: u64,
    pub requests: u64,
    /// False when the budget ran out before the work did: run again to continue.
    pub finished: bool,
    /// Dry runs: the MRR ChartMogul would compute from what is (or would be) sent, per
    /// customer external id and currency, in cents.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub projected_mrr: BTreeMap<String, BTreeMap<String, i64>>,
}

/// Why a run stopped. Nothing is lost: the next run resumes.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("another sync is running ({0})")]
    Locked(String),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("configuration error: {0}")]
    Config(String),
}

const LOCK: &str = "sync";
/// The stored setting holding how many days log entries are kept.
pub const LOG_RETENTION_SETTING: &str = "log_retention_days";
/// Log entries are kept this long unless the admin chose otherwise.
pub const DEFAULT_LOG_RETENTION_DAYS: i64 = 90;
const BACKFILL_POSITION: &str = "backfill.after_client_id";

/// The WHMCS watermarks an incremental run reads changes from: rows changed strictly after
/// the newest `updated_at` (highest id) seen at the last snapshot. Strictly: WHMCS's own cron
/// writes hundreds of rows within one second, and re-planning all of them on every run would
/// cost more than the changes themselves. A row changed later within the snapshot's second is
/// caught by its hook's queued event, and in any case by the daily full pass.
const WATERMARKS: [(&str, &str); 8] = [
    (
        "wm.clients.updated_at",
        "SELECT `id` FROM `tblclients` WHERE `updated_at` > ?",
    ),
    (
        "wm.invoices.updated_at",
        "SELECT DISTINCT `userid` FROM `tblinvoices` WHERE `updated_at` > ?",
    ),
    (
        "wm.hosting.updated_at",
        "SELECT DISTINCT `userid` FROM `tblhosting` WHERE `updated_at` > ?",
    ),
    (
        "wm.domains.updated_at",
        "SELECT DISTINCT `userid` FROM `tbldomains` WHERE `updated_at` > ?",
    ),
    (
        "wm.hostingaddons.updated_at",
        "SELECT DISTINCT `h`.`userid` FROM `tblhostingaddons` `a` JOIN `tblhosting` `h` ON `h`.`id` = `a`.`hostingid` WHERE `a`.`updated_at` > ?",
    ),
    (
        "wm.accounts.id",
        "SELECT DISTINCT `userid` FROM `tblaccounts` WHERE `id` > ?",
    ),
    (
        "wm.cancelrequests.id",
        "SELECT DISTINCT `h`.`userid` FROM `tblcancelrequests` `c` JOIN `tblhosting` `h` ON `h`.`id` = `c`.`relid` WHERE `c`.`id` > ?",
    ),
    (
        "wm.upgrades.id",
        "SELECT DISTINCT `userid` FROM `tblupgrades` WHERE `id` > ?",
    ),
];

/// The current value of each watermark: the newest `updated_at` or highest id.
const WATERMARK_NOW: [&str; 8] = [
    "SELECT MAX(`updated_at`) FROM `tblclients`",
    "SELECT MAX(`updated_at`) FROM `tblinvoices`",
    "SELECT MAX(`updated_at`) FROM `tblhosting`",
    "SELECT MAX(`updated_at`) FROM `tbldomains`",
    "SELECT MAX(`updated_at`) FROM `tblhostingaddons`",
    "SELECT MAX(`id`) FROM `tblaccounts`",
    "SELECT MAX(`id`) FROM `tblcancelrequests`",
    "SELECT MAX(`id`) FROM `tblupgrades`",
];

/// What to run: the mode, its limits and the time it runs at (the engine has no clock).
#[derive(Debug, Clone, Copy)]
pub struct RunRequest {
    pub mode: Mode,
    pub budget: Budget,
    pub now: DateTime<Utc>,
}

/// One sync run (or one bounded step of it).
pub fn run<D: Db, T: Transport>(
    db: &mut D,
    client: &mut Client<T>,
    settings: &Settings,
    config: &SyncConfig,
    request: RunRequest,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Report, EngineError> {
    run_with_plugins(
        db,
        client,
        settings,
        config,
        request,
        &mut NoPlugins,
        progress,
    )
}

/// [`run`] with plugins that see (and may replace or drop) each client's export before it is
/// planned.
pub fn run_with_plugins<D: Db, T: Transport>(
    db: &mut D,
    client: &mut Client<T>,
    settings: &Settings,
    config: &SyncConfig,
    request: RunRequest,
    plugins: &mut dyn Plugins,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Report, EngineError> {
    let RunRequest { mode, budget, now } = request;
    if config.dry_run {
        return dry_run(db, settings, mode, now, plugins);
    }
    let mut state = State::new(&mut *db);
    state.migrate()?;
    match state.try_lock(
        LOCK,
        &config.holder,
        now,
        config.lock_lease,
        &config.holder_is_dead,
    )? {
        LockOutcome::Acquired => {}
        LockOutcome::HeldBy(who) => return Err(EngineError::Locked(who)),
    }
    // Holding the lock, any run still marked running was killed: say so in its row.
    state.abandon_running_runs(now)?;
    let run_id = state.start_run(&config.trigger, mode.as_str(), now)?;
    let requests_before = client.stats().requests;
    let started = client.transport().elapsed();
    let mut engine = Engine {
        db: &mut *db,
        gate: Gate::new(plugins),
        client,
        settings,
        config,
        now,
        run_id,
        report: Report::default(),
        uuids: Uuids::default(),
        plans_sent: BTreeMap::new(),
        data_source: String::new(),
    };
    engine.report.mode = Some(mode);
    engine.report.run_id = run_id;
    let result = engine.run(mode, budget, progress);
    let mut report = std::mem::take(&mut engine.report);
    report.requests = engine.client.stats().requests - requests_before;
    let mut state = State::new(&mut *db);
    // The run row keeps the summary; each rejected record is in the log.
    let counts = serde_json::json!({
        "counts": report.counts,
        "rejected": report.rejected.len(),
        "warnings": report.warnings,
        "clients": report.clients,
        "requests": report.requests,
        "finished": report.finished,
    })
    .to_string();
    let status = match (&result, report.rejected.is_empty(), report.finished) {
        (Err(_), _, _) => RunStatus::Failed,
        (Ok(()), _, false) => RunStatus::Partial,
        (Ok(()), true, true) => RunStatus::Succeeded,
        (Ok(()), false, true) => RunStatus::Partial,
    };
    let error = result.as_ref().err().map(|e| e.to_string());
    // The engine has no clock: the end is the start plus the time the transport measured.
    let took = engine_elapsed(client.transport().elapsed(), started);
    let finished = state.finish_run(run_id, status, &counts, error.as_deref(), now + took);
    // Transactions travel inside their invoices' ledger rows; their running total is kept
    // apart so status can show it without reading every invoice row.
    let sent_transactions = report.counts.get("transactions").map_or(0, |c| c.created);
    let counted = if sent_transactions > 0 {
        add_to_counter(&mut state, TRANSACTIONS_SENT, sent_transactions, now + took)
    } else {
        Ok(())
    };
    let unlocked = state.unlock(LOCK, &config.holder);
    let report = result.map(|()| report)?;
    finished?;
    unlocked?;
    counted?;
    Ok(report)
}

/// The stored setting with the number of transactions sent so far (all runs).
pub const TRANSACTIONS_SENT: &str = "stats.transactions_sent";

fn add_to_counter<D: Db>(
    state: &mut State<D>,
    name: &str,
    n: u64,
    at: DateTime<Utc>,
) -> Result<(), StateError> {
    let before: u64 = state
        .setting(name)?
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    state.set_setting(name, &(before + n).to_string(), at)?;
    Ok(())
}

/// Plans every client against the ledger without sending or recording anything; plugins
/// apply, so the preview is what a real run would send.
fn dry_run<D: Db>(
    db: &mut D,
    settings: &Settings,
    mode: Mode,
    now: DateTime<Utc>,
    plugins: &mut dyn Plugins,
) -> Result<Report, EngineError> {
    State::new(&mut *db).migrate()?;
    let (catalog, catalog_errors) = Reader::new(&mut *db).catalog()?;
    let ctx =
        MapContext::new(&catalog, settings, now).map_err(|e| EngineError::Config(e.to_string()))?;
    let mut gate = Gate::new(plugins);
    gate.plugins
        .start(&PluginContext::new(&catalog, settings, now))
        .map_err(EngineError::Config)?;
    let mut report = Report {
        mode: Some(mode),
        finished: true,
        ..Report::default()
    };
    let mut plans_sent: BTreeMap<String, String> = BTreeMap::new();
    let mut after = String::new();
    loop {
        let page = State::new(&mut *db).ledger_of_kind(ObjectKind::Plan, &after, 1000)?;
        let Some(last) = page.last() else { break };
        after = last.external_id.clone();
        for e in page {
            let name = serde_json::from_str::<serde_json::Value>(&e.detail)
                .ok()
                .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string))
                .unwrap_or_default();
            plans_sent.insert(e.external_id, name);
        }
    }
    let mut issues: Vec<RecordError> = catalog_errors;
    let mut after_id: Id = 0;
    loop {
        let page = Reader::new(&mut *db).client_page(after_id, 500)?;
        let Some(last) = page.last_id else { break };
        after_id = last;
        issues.extend(page.errors);
        for bundle in &page.bundles {
            let export = map_client(bundle, &ctx);
            issues.extend(export.issues.iter().cloned());
            let Some(export) = gate.client(bundle, export, &mut issues) else {
                continue;
            };
            report.clients += 1;
            let ledger = State::new(&mut *db).ledger_for_client(bundle.client.id)?;
            let sent = sent_from_ledger(ledger).0;
            let plan = plan_client(bundle, &export, &sent, &plans_sent, settings);
            for w in &plan.writes {
                if let Write::CreatePlan(p) = w {
                    if plans_sent
                        .insert(p.external_id.clone(), p.name.clone())
                        .is_none()
                    {
                        count_write(&mut report, w);
                    }
                } else {
                    count_write(&mut report, w);
                }
            }
            let mrr = crate::mrr::projected_mrr(&export, now);
            if !mrr.is_empty() {
                report
                    .projected_mrr
                    .insert(ids::customer(bundle.client.id), mrr);
            }
        }
    }
    for i in &issues {
        if i.is_error() {
            report.rejected.push(Rejected {
                record: i.record.to_string(),
                kind: i.kind.clone(),
                reason: i.message.clone(),
            });
        } else {
            report.warnings += 1;
        }
    }
    Ok(report)
}

fn engine_elapsed(now: Duration, started: Duration) -> chrono::Duration {
    chrono::Duration::from_std(now.saturating_sub(started))
        .unwrap_or_else(|_| chrono::Duration::zero())
}

/// The run's plugins, and what they made of each plan so far (a plan is shared by many
/// clients, so plugins see it once per run).
struct Gate<'a> {
    plugins: &'a mut dyn Plugins,
    /// Plan external id → the plan to use, or why there is none (already logged).
    plans: BTreeMap<String, Result<cm::Plan, String>>,
}

impl<'a> Gate<'a> {
    fn new(plugins: &'a mut dyn Plugins) -> Self {
        Gate {
            plugins,
            plans: BTreeMap::new(),
        }
    }

    /// Moves what the plugins logged into `issues`, against a WHMCS record.
    fn drain(&mut self, table: &str, id: Id, issues: &mut Vec<RecordError>) {
        for m in self.plugins.drain_messages() {
            if m.warning {
                issues.push(RecordError::warning(
                    table,
                    id,
                    None,
                    "plugin_warning",
                    format!("plugin {}: {}", m.plugin, m.message),
                ));
            }
        }
    }

    /// A client's export as the plugins leave it, its plans included; `None` (with the reason
    /// in `issues`) when nothing is to be planned for the client this run.
    fn client(
        &mut self,
        bundle: &ClientBundle,
        export: ClientExport,
        issues: &mut Vec<RecordError>,
    ) -> Option<ClientExport> {
        if self.plugins.is_empty() {
            return Some(export);
        }
        let client = bundle.client.id;
        let verdict = self.plugins.client(bundle, export);
        self.drain("tblclients", client, issues);
        let mut export = match verdict {
            Verdict::Send(export) => *export,
            // Nothing is planned for the client this run; what ChartMogul holds stays.
            Verdict::Drop { plugin, reason } => {
                issues.push(RecordError::warning(
                    "tblclients",
                    client,
                    None,
                    "plugin_dropped",
                    format!("plugin {plugin} dropped this client: {reason}"),
                ));
                return None;
            }
            Verdict::Failed { plugin, message } => {
                issues.push(RecordError::error(
                    "tblclients",
                    client,
                    None,
                    "plugin_failed",
                    format!("plugin {plugin} failed on this client: {message}"),
                ));
                return None;
            }
        };
        for p in &mut export.plans {
            match self.plan(p.clone(), issues) {
                Ok(plan) => *p = plan,
                Err(why) => {
                    issues.push(RecordError::error(
                        "tblclients",
                        client,
                        None,
                        "plugin_refused_plan",
                        format!(
                            "this client's invoices need plan {}, which is not sent: {why}",
                            p.external_id
                        ),
                    ));
                    return None;
                }
            }
        }
        Some(export)
    }

    /// A plan as the plugins leave it (asked once per run), or why it is not sent.
    fn plan(&mut self, plan: cm::Plan, issues: &mut Vec<RecordError>) -> Result<cm::Plan, String> {
        if self.plugins.is_empty() {
            return Ok(plan);
        }
        if let Some(done) = self.plans.get(&plan.external_id) {
            return done.clone();
        }
        let key = plan.external_id.clone();
        let outcome = match PlanSource::of(&key) {
            // Every plan the mapping makes has a readable id; anything else passes as is.
            None => Ok(plan),
            Some(source) => {
                let (table, id) = source.record();
                let verdict = self.plugins.plan(&source, plan);
                self.drain(table, id, issues);
                match verdict {
                    Verdict::Send(mut p) => {
                        // A plugin cannot move a plan to another external id.
                        p.external_id = key.clone();
                        Ok(p)
                    }
                    Verdict::Drop { plugin, reason } => {
                        let why = format!("plugin {plugin} dropped plan {key}: {reason}");
                        issues.push(RecordError::warning(
                            table,
                            id,
                            None,
                            "plugin_dropped",
                            why.clone(),
                        ));
                        Err(why)
                    }
                    Verdict::Failed { plugin, message } => {
                        let why = format!("plugin {plugin} failed on plan {key}: {message}");
                        issues.push(RecordError::error(
                            table,
                            id,
                            None,
                            "plugin_failed",
                            why.clone(),
                        ));
                        Err(why)
                    }
                }
            }
        };
        self.plans.insert(key, outcome.clone());
        outcome
    }
}

struct Engine<'a, D: Db, T: Transport> {
    db: &'a mut D,
    gate: Gate<'a>,
    client: &'a mut Client<T>,
    settings: &'a Settings,
    config: &'a SyncConfig,
    now: DateTime<Utc>,
    run_id: i64,
    report: Report,
    uuids: Uuids,
    /// Plan external id → name last sent.
    plans_sent: BTreeMap<String, String>,
    data_source: String,
}

/// A bulk import sent to ChartMogul and not yet confirmed: its customers are recorded in the
/// ledger only once its status says they were imported.
struct StartedImport {
    id: String,
    batch: Vec<Pending>,
}

/// One client's work between planning and recording.
struct Pending {
    client_id: Id,
    plan: ClientPlan,
    sent: Sent,
}

impl<D: Db, T: Transport> Engine<'_, D, T> {
    fn run(
        &mut self,
        mode: Mode,
        budget: Budget,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), EngineError> {
        self.data_source = self.ensure_data_source()?;
        self.load_plans()?;
        let (catalog, catalog_errors) = Reader::new(&mut *self.db).catalog()?;
        self.log_issues(&catalog_errors)?;
        let ctx = MapContext::new(&catalog, self.settings, self.now)
            .map_err(|e| EngineError::Config(e.to_string()))?;
        self.gate
            .plugins
            .start(&PluginContext::new(&catalog, self.settings, self.now))
            .map_err(EngineError::Config)?;
        match mode {
            Mode::Full => self.full(&catalog, &ctx, budget, progress),
            Mode::Incremental => self.incremental(&ctx, budget, progress),
            Mode::Products => self.products(&catalog, progress),
        }
    }

    fn ensure_data_source(&mut self) -> Result<String, EngineError> {
        let name = self.config.data_source.clone();
        if let Some(e) = State::new(&mut *self.db).ledger_get(ObjectKind::DataSource, &name)?
            && let Some(uuid) = e.uuid
        {
            return Ok(uuid);
        }
        // The ledger says what was sent to one data source; sending to another one on its
        // strength would leave the new source empty while reporting everything synced.
        let others = State::new(&mut *self.db).ledger_of_kind(ObjectKind::DataSource, "", 10)?;
        if let Some(other) = others.iter().find(|e| e.external_id != name)
            && State::new(&mut *self.db).ledger_count(ObjectKind::Customer, false)? > 0
        {
            return Err(EngineError::Config(format!(
                "this WHMCS database was synced to the ChartMogul data source \"{}\", not \"{name}\"; \
                 set the data source name back to \"{}\" (a new source needs a fresh sync state)",
                other.external_id, other.external_id
            )));
        }
        let ds = self.client.ensure_data_source(&name)?;
        let entry = self.entry(
            ObjectKind::DataSource,
            &name,
            Some(ds.uuid.clone()),
            0,
            None,
            String::new(),
        );
        State::new(&mut *self.db).ledger_put(&entry)?;
        Ok(ds.uuid)
    }

    fn load_plans(&mut self) -> Result<(), EngineError> {
        let mut after = String::new();
        loop {
            let page = State::new(&mut *self.db).ledger_of_kind(ObjectKind::Plan, &after, 1000)?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = last.external_id.clone();
            for e in page {
                let name = serde_json::from_str::<serde_json::Value>(&e.detail)
                    .ok()
                    .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string))
                    .unwrap_or_default();
                if let Some(u) = e.uuid {
                    self.uuids.plans.insert(e.external_id.clone(), u);
                }
                self.plans_sent.insert(e.external_id, name);
            }
        }
    }

    fn entry(
        &self,
        kind: ObjectKind,
        ext: &str,
        uuid: Option<String>,
        fingerprint: u64,
        client_id: Option<Id>,
        detail: String,
    ) -> LedgerEntry {
        LedgerEntry {
            kind,
            external_id: ext.to_string(),
            uuid,
            fingerprint,
            client_id,
            detail,
            sent_at: format_time(self.now),
        }
    }

    // ----- full runs -----

    fn full(
        &mut self,
        _catalog: &Catalog,
        ctx: &MapContext<'_>,
        budget: Budget,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), EngineError> {
        let started = self.client.transport().elapsed();
        let position = State::new(&mut *self.db).cursor(BACKFILL_POSITION)?;
        if position.is_none() {
            // Changes made while the backfill runs are caught by the next incremental run.
            self.snapshot_watermarks("full.wm.")?;
        }
        let mut after: Id = position.and_then(|p| p.parse().ok()).unwrap_or(0);
        let total = Reader::new(&mut *self.db).count_clients()?;
        let mut done = Reader::new(&mut *self.db).count_clients_upto(after)?;
        let mut seen_clients: usize = 0;
        // One page's bulk imports stay in flight while the next page is read, mapped and sent;
        // the backfill position only moves past a page once its imports are recorded.
        let mut in_flight: Vec<StartedImport> = Vec::new();
        let mut in_flight_last: Option<Id> = None;
        loop {
            if budget.max_clients.is_some_and(|m| seen_clients >= m)
                || budget
                    .max_time
                    .is_some_and(|t| self.client.transport().elapsed().saturating_sub(started) >= t)
            {
                self.settle(std::mem::take(&mut in_flight), in_flight_last)?;
                self.report.finished = false;
                return Ok(());
            }
            let limit = match budget.max_clients {
                Some(m) => self.config.page_size.min(m - seen_clients).max(1),
                None => self.config.page_size,
            };
            let page = Reader::new(&mut *self.db).client_page(after, limit)?;
            let Some(last) = page.last_id else { break };
            self.log_issues(&page.errors)?;
            let pending = self.prepare_all(&page.bundles, ctx)?;
            let started_imports = self.send_page(pending, true)?;
            seen_clients += page.bundles.len() + page.errors.len();
            done += (page.bundles.len() + page.errors.len()) as u64;
            after = last;
            self.settle(std::mem::take(&mut in_flight), in_flight_last)?;
            if started_imports.is_empty() {
                State::new(&mut *self.db).set_cursor(BACKFILL_POSITION, &after.to_string())?;
                in_flight_last = None;
            } else {
                in_flight = started_imports;
                in_flight_last = Some(after);
            }
            let at = self.now + engine_elapsed(self.client.transport().elapsed(), started);
            State::new(&mut *self.db).heartbeat(
                self.run_id,
                &serde_json::json!({ "clients_done": done, "clients_total": total }).to_string(),
                at,
            )?;
            State::new(&mut *self.db).renew_lock(
                LOCK,
                &self.config.holder,
                at,
                self.config.lock_lease,
            )?;
            progress(&Progress {
                clients_done: done,
                clients_total: total,
            });
        }
        self.settle(std::mem::take(&mut in_flight), in_flight_last)?;
        self.learn_customer_uuids()?;
        self.remove_vanished_clients()?;
        self.apply_log_retention()?;
        State::new(&mut *self.db).clear_cursor(BACKFILL_POSITION)?;
        self.promote_watermarks("full.wm.")?;
        self.report.finished = true;
        Ok(())
    }

    /// Waits for bulk imports in flight, records what they imported, and moves the backfill
    /// position past the page they belong to.
    fn settle(
        &mut self,
        imports: Vec<StartedImport>,
        page_last: Option<Id>,
    ) -> Result<(), EngineError> {
        let mut entries = Vec::new();
        for import in imports {
            entries.extend(self.finish_import(import)?);
        }
        State::new(&mut *self.db).ledger_put_many(&entries)?;
        if let Some(last) = page_last {
            State::new(&mut *self.db).set_cursor(BACKFILL_POSITION, &last.to_string())?;
        }
        Ok(())
    }

    /// Learns the uuids of customers created by bulk imports (the import reports none) by
    /// listing the data source's customers, 200 per request, once after the backfill. Every
    /// later write about such a customer (an edit, and above all each renewal invoice) needs
    /// its uuid, which otherwise costs one lookup request per customer; the listing costs one
    /// request per 200 customers, so it runs when at least that many uuids are missing.
    fn learn_customer_uuids(&mut self) -> Result<(), EngineError> {
        let mut state = State::new(&mut *self.db);
        let missing = state.ledger_count(ObjectKind::Customer, true)?;
        let listing_cost = state
            .ledger_count(ObjectKind::Customer, false)?
            .div_ceil(200);
        if missing == 0 || missing < listing_cost {
            return Ok(());
        }
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .client
                .customers_page(&self.data_source, cursor.as_deref())?;
            let found: Vec<(String, String)> = page
                .entries
                .into_iter()
                .filter_map(|c| Some((c.external_id?, c.uuid)))
                .collect();
            State::new(&mut *self.db).ledger_set_uuids(ObjectKind::Customer, &found)?;
            match (page.has_more, page.cursor) {
                (true, Some(c)) => cursor = Some(c),
                _ => return Ok(()),
            }
        }
    }

    /// Deletes log entries older than the retention the admin chose (setting
    /// `log_retention_days`, default [`DEFAULT_LOG_RETENTION_DAYS`]); once per full run.
    fn apply_log_retention(&mut self) -> Result<(), EngineError> {
        let mut state = State::new(&mut *self.db);
        let days = state
            .setting(LOG_RETENTION_SETTING)?
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|d| *d > 0)
            .unwrap_or(DEFAULT_LOG_RETENTION_DAYS);
        state.purge_log(self.now - chrono::Duration::days(days))?;
        Ok(())
    }

    // ----- incremental runs -----

    fn incremental(
        &mut self,
        ctx: &MapContext<'_>,
        budget: Budget,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), EngineError> {
        if State::new(&mut *self.db)
            .cursor("wm.clients.updated_at")?
            .is_none()
            && State::new(&mut *self.db)
                .cursor(BACKFILL_POSITION)?
                .is_none()
            && State::new(&mut *self.db).ledger_count(ObjectKind::Customer, false)? == 0
        {
            // Nothing was ever synced: an incremental run starts with the backfill.
            return self.full(ctx.catalog, ctx, budget, progress);
        }
        if State::new(&mut *self.db)
            .cursor(BACKFILL_POSITION)?
            .is_some()
        {
            // A backfill is under way: finish it first.
            return self.full(ctx.catalog, ctx, budget, progress);
        }
        let snapshot = self.watermark_values()?;
        let mut clients: BTreeSet<Id> = BTreeSet::new();
        for (name, sql) in WATERMARKS {
            let Some(mark) = State::new(&mut *self.db).cursor(name)? else {
                continue;
            };
            let param = if name.ends_with(".id") {
                Value::Int(mark.parse().unwrap_or(0))
            } else {
                Value::Text(mark)
            };
            for row in self.db.query(sql, &[param])? {
                if let Some(Value::Int(id)) = row.first() {
                    clients.insert(*id);
                }
            }
        }
        let events = State::new(&mut *self.db).claim_events(
            self.run_id,
            10_000,
            self.now,
            Duration::from_secs(600),
        )?;
        let mut merges: Vec<(Id, Id)> = Vec::new();
        for e in &events {
            if e.kind == "AfterClientMerge" {
                if let Some(into) = e.related_id {
                    merges.push((e.record_id, into));
                    clients.insert(into);
                }
            } else if let Some(id) = self.client_of_event(e)? {
                clients.insert(id);
            }
        }
        for (from, into) in merges {
            self.remove_client(from, Some(into))?;
        }
        let total = clients.len() as u64;
        let mut done = 0u64;
        let ids: Vec<Id> = clients.into_iter().collect();
        for chunk in ids.chunks(self.config.page_size.max(1)) {
            let page = Reader::new(&mut *self.db).bundles_for(chunk)?;
            self.log_issues(&page.errors)?;
            let found: BTreeSet<Id> = page
                .bundles
                .iter()
                .map(|b| b.client.id)
                .chain(
                    page.errors
                        .iter()
                        .filter(|e| e.record.table == "tblclients")
                        .map(|e| e.record.id),
                )
                .collect();
            for &id in chunk {
                if !found.contains(&id) {
                    self.remove_client(id, None)?;
                }
            }
            let pending = self.prepare_all(&page.bundles, ctx)?;
            self.send_page(pending, false)?;
            done += chunk.len() as u64;
            progress(&Progress {
                clients_done: done,
                clients_total: total,
            });
        }
        // Only now that everything below them is recorded do the watermarks move.
        for ((name, _), value) in WATERMARKS.iter().zip(snapshot) {
            if let Some(v) = value {
                State::new(&mut *self.db).set_cursor(name, &v)?;
            }
        }
        let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        State::new(&mut *self.db).ack_events(&ids)?;
        self.report.finished = true;
        Ok(())
    }

    /// The WHMCS client an event is about: `related_id` when the hook knew it (hooks about
    /// records that are being deleted must pass it), else looked up from the record.
    fn client_of_event(&mut self, e: &Event) -> Result<Option<Id>, EngineError> {
        if let Some(id) = e.related_id {
            return Ok(Some(id));
        }
        let sql = match e.kind.as_str() {
            "ClientAdd" | "ClientEdit" | "PreDeleteClient" | "ClientClose" => {
                return Ok(Some(e.record_id));
            }
            "InvoicePaid" | "InvoiceRefunded" | "InvoiceCancelled" | "InvoiceUnpaid"
            | "UpdateInvoiceTotal" => "SELECT `userid` FROM `tblinvoices` WHERE `id` = ?",
            "AddTransaction" => "SELECT `userid` FROM `tblaccounts` WHERE `id` = ?",
            "CancellationRequest" | "AfterModuleTerminate" | "ServiceDelete" | "ServiceEdit" => {
                "SELECT `userid` FROM `tblhosting` WHERE `id` = ?"
            }
            "DomainDelete" => "SELECT `userid` FROM `tbldomains` WHERE `id` = ?",
            _ => return Ok(None),
        };
        let rows = self.db.query(sql, &[Value::Int(e.record_id)])?;
        Ok(match rows.first().and_then(|r| r.first()) {
            Some(Value::Int(id)) => Some(*id),
            Some(Value::Text(t)) => t.parse().ok(),
            _ => None,
        })
    }

    fn watermark_values(&mut self) -> Result<Vec<Option<String>>, EngineError> {
        let mut out = Vec::new();
        for sql in WATERMARK_NOW {
            let rows = self.db.query(sql, &[])?;
            out.push(match rows.first().and_then(|r| r.first()) {
                Some(Value::Int(i)) => Some(i.to_string()),
                Some(Value::Text(s)) => Some(s.clone()),
                _ => None,
            });
        }
        Ok(out)
    }

    fn snapshot_watermarks(&mut self, prefix: &str) -> Result<(), EngineError> {
        let values = self.watermark_values()?;
        for ((name, _), v) in WATERMARKS.iter().zip(values) {
            State::new(&mut *self.db).set_cursor(
                &format!("{prefix}{name}"),
                &v.unwrap_or_else(|| {
                    if name.ends_with(".id") {
                        "0".into()
                    } else {
                        "0000-00-00 00:00:00".into()
                    }
                }),
            )?;
        }
        Ok(())
    }

    fn promote_watermarks(&mut self, prefix: &str) -> Result<(), EngineError> {
        for (name, _) in WATERMARKS {
            let key = format!("{prefix}{name}");
            if let Some(v) = State::new(&mut *self.db).cursor(&key)? {
                State::new(&mut *self.db).set_cursor(name, &v)?;
                State::new(&mut *self.db).clear_cursor(&key)?;
            }
        }
        Ok(())
    }

    // ----- one client: map and plan -----

    /// [`Engine::prepare`] for a page: the clients that have something to plan.
    fn prepare_all(
        &mut self,
        bundles: &[ClientBundle],
        ctx: &MapContext<'_>,
    ) -> Result<Vec<Pending>, EngineError> {
        let mut out = Vec::with_capacity(bundles.len());
        for b in bundles {
            out.extend(self.prepare(b, ctx)?);
        }
        Ok(out)
    }

    fn prepare(
        &mut self,
        bundle: &ClientBundle,
        ctx: &MapContext<'_>,
    ) -> Result<Option<Pending>, EngineError> {
        let export: ClientExport = map_client(bundle, ctx);
        self.log_issues(&export.issues)?;
        let mut issues = Vec::new();
        let export = self.gate.client(bundle, export, &mut issues);
        self.log_issues(&issues)?;
        let Some(export) = export else {
            return Ok(None);
        };
        self.report.clients += 1;
        let (sent, uuids) = self.sent_for(bundle.client.id)?;
        self.uuids.customers.extend(uuids.customers);
        self.uuids.invoices.extend(uuids.invoices);
        self.uuids.subscriptions.extend(uuids.subscriptions);
        let plan = plan_client(bundle, &export, &sent, &self.plans_sent, self.settings);
        // A plan is created once even when several clients of the page need it.
        for w in &plan.writes {
            if let Write::CreatePlan(p) = w {
                self.plans_sent
                    .entry(p.external_id.clone())
                    .or_insert_with(|| p.name.clone());
            }
        }
        Ok(Some(Pending {
            client_id: bundle.client.id,
            plan,
            sent,
        }))
    }

    /// What the ledger holds for a client, as the planner's [`Sent`].
    fn sent_for(&mut self, client_id: Id) -> Result<(Sent, Uuids), EngineError> {
        Ok(sent_from_ledger(
            State::new(&mut *self.db).ledger_for_client(client_id)?,
        ))
    }

    // ----- send and record -----

    /// Sends plan creations and renames; returns their ledger entries (recorded by the caller).
    fn send_plan_writes(&mut self, plan_writes: &[Write]) -> Result<Vec<LedgerEntry>, EngineError> {
        let mut entries = Vec::new();
        let outcomes = send_writes(self.client, &self.data_source, plan_writes, &mut self.uuids)?;
        for (w, o) in plan_writes.iter().zip(outcomes) {
            self.count(w, &o);
            if let (Write::CreatePlan(p), Outcome::Done { uuid, .. }) = (w, &o) {
                entries.push(self.entry(
                    ObjectKind::Plan,
                    &p.external_id,
                    uuid.clone(),
                    0,
                    None,
                    serde_json::json!({ "name": p.name }).to_string(),
                ));
            }
            if let (Write::RenamePlan { external_id, patch }, Outcome::Done { uuid, .. }) = (w, &o)
            {
                self.plans_sent
                    .insert(external_id.clone(), patch.name.clone());
                entries.push(self.entry(
                    ObjectKind::Plan,
                    external_id,
                    uuid.clone(),
                    0,
                    None,
                    serde_json::json!({ "name": patch.name }).to_string(),
                ));
            }
            if let Outcome::Rejected(r) = o {
                self.reject(r);
            }
        }

        Ok(entries)
    }

    /// The plans of every product and addon cycle WHMCS services use (the addon's "Synchronize
    /// products"): created or renamed as needed and recorded. Client syncs create the same
    /// plans on demand; this lets an admin check the plan list before any customer is sent.
    fn products(
        &mut self,
        catalog: &Catalog,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), EngineError> {
        let mut writes = Vec::new();
        let mut seen = BTreeSet::new();
        for (is_addon, id, cycle) in Reader::new(&mut *self.db).used_cycles()? {
            let Some(cycle) = BillingCycle::parse(&cycle).recurring() else {
                continue;
            };
            let plan = if is_addon {
                map::plans::addon_plan(catalog, id, cycle)
            } else {
                map::plans::product_plan(catalog, self.settings, id, cycle)
            };
            if !seen.insert(plan.external_id.clone()) {
                continue;
            }
            let mut issues = Vec::new();
            let plan = self.gate.plan(plan, &mut issues);
            self.log_issues(&issues)?;
            let Ok(plan) = plan else { continue };
            match self.plans_sent.get(&plan.external_id) {
                None => writes.push(Write::CreatePlan(plan)),
                Some(name) if *name != plan.name => writes.push(Write::RenamePlan {
                    external_id: plan.external_id.clone(),
                    patch: cm::PlanPatch { name: plan.name },
                }),
                Some(_) => {}
            }
        }
        let total = seen.len() as u64;
        let entries = self.send_plan_writes(&writes)?;
        State::new(&mut *self.db).ledger_put_many(&entries)?;
        progress(&Progress {
            clients_done: total,
            clients_total: total,
        });
        self.report.finished = true;
        Ok(())
    }

    /// Sends a page of clients: plans first, new customers by bulk import when allowed, the
    /// rest directly; then records everything confirmed in one ledger transaction.
    fn send_page(
        &mut self,
        pending: Vec<Pending>,
        allow_bulk: bool,
    ) -> Result<Vec<StartedImport>, EngineError> {
        // Plans first: both paths need them to exist.
        let mut plan_writes: Vec<Write> = Vec::new();
        let mut seen = BTreeSet::new();
        for p in &pending {
            for w in &p.plan.writes {
                let key = match w {
                    Write::CreatePlan(pl) => &pl.external_id,
                    Write::RenamePlan { external_id, .. } => external_id,
                    _ => continue,
                };
                if seen.insert(key.clone()) {
                    plan_writes.push(w.clone());
                }
            }
        }
        let mut entries = self.send_plan_writes(&plan_writes)?;

        let (bulk, direct): (Vec<Pending>, Vec<Pending>) = pending
            .into_iter()
            .partition(|p| allow_bulk && self.config.bulk && bulk_eligible(&p.plan));
        let jobs: Vec<Vec<Write>> = direct
            .iter()
            .map(|p| {
                p.plan
                    .writes
                    .iter()
                    .filter(|w| !matches!(w, Write::CreatePlan(_) | Write::RenamePlan { .. }))
                    .cloned()
                    .collect()
            })
            .collect();
        let (results, failure) = self.send_direct(&jobs);
        for ((mut p, writes), outcomes) in direct.into_iter().zip(&jobs).zip(results) {
            // A client whose writes were not (all) confirmed is planned again next run.
            let Some(outcomes) = outcomes else { continue };
            for (w, o) in writes.iter().zip(outcomes) {
                self.count(w, &o);
                match o {
                    Outcome::Done { .. } => p.sent.apply(w, &p.plan),
                    Outcome::Rejected(r) => self.reject(r),
                    Outcome::Skipped => {}
                }
            }
            entries.extend(self.ledger_entries(p.client_id, &p.sent, &p.plan));
        }
        // What was confirmed is recorded even when the page stopped on an error.
        State::new(&mut *self.db).ledger_put_many(&entries)?;
        if let Some(e) = failure {
            return Err(e.into());
        }
        if bulk.is_empty() {
            return Ok(Vec::new());
        }
        self.send_bulk(bulk)
    }

    /// Sends each client's direct writes, several clients at once when the transport can be
    /// shared between threads (ChartMogul's limits are enforced by the shared transport). A
    /// client's own writes stay in order. Returns each client's outcomes (`None` for clients not
    /// finished because the run stopped) and the error that stopped it.
    fn send_direct(
        &mut self,
        jobs: &[Vec<Write>],
    ) -> (Vec<Option<Vec<Outcome>>>, Option<ApiError>) {
        let busy = jobs.iter().filter(|j| !j.is_empty()).count();
        let workers = self.config.connections.min(busy);
        let forks: Vec<_> = if workers > 1 {
            (0..workers as u64)
                .map_while(|i| self.client.fork(i))
                .collect()
        } else {
            Vec::new()
        };
        if forks.len() < 2 {
            let mut results = Vec::with_capacity(jobs.len());
            for writes in jobs {
                match send_writes(self.client, &self.data_source, writes, &mut self.uuids) {
                    Ok(o) => results.push(Some(o)),
                    Err(e) => {
                        results.resize(jobs.len(), None);
                        return (results, Some(e));
                    }
                }
            }
            return (results, None);
        }
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let data_source = self.data_source.as_str();
        let known = &self.uuids;
        let per_worker: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = forks
                .into_iter()
                .map(|mut client| {
                    let (next, stop) = (&next, &stop);
                    scope.spawn(move || {
                        let mut uuids = known.clone();
                        let mut done = Vec::new();
                        let mut failure = None;
                        while !stop.load(Ordering::Relaxed) {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(writes) = jobs.get(i) else { break };
                            match send_writes(&mut client, data_source, writes, &mut uuids) {
                                Ok(o) => done.push((i, o)),
                                Err(e) => {
                                    stop.store(true, Ordering::Relaxed);
                                    failure = Some(e);
                                }
                            }
                        }
                        (done, failure, uuids, client.stats())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a send worker panicked"))
                .collect()
        });
        let mut results: Vec<Option<Vec<Outcome>>> = vec![None; jobs.len()];
        let mut first_failure = None;
        for (done, failure, uuids, stats) in per_worker {
            for (i, o) in done {
                results[i] = Some(o);
            }
            self.uuids.plans.extend(uuids.plans);
            self.uuids.customers.extend(uuids.customers);
            self.uuids.invoices.extend(uuids.invoices);
            self.uuids.subscriptions.extend(uuids.subscriptions);
            self.client.absorb_stats(stats);
            first_failure = first_failure.or(failure);
        }
        (results, first_failure)
    }

    /// The ledger rows of a client after its writes (only objects the plan touched).
    fn ledger_entries(&self, client_id: Id, sent: &Sent, plan: &ClientPlan) -> Vec<LedgerEntry> {
        let mut out = Vec::new();
        let customer_ext = ids::customer(client_id);
        let touched_customer = plan
            .writes
            .iter()
            .any(|w| matches!(w, Write::CreateCustomer(_) | Write::UpdateCustomer { .. }));
        if touched_customer && let Some(c) = &sent.customer {
            out.push(self.entry(
                ObjectKind::Customer,
                &customer_ext,
                self.uuids.customers.get(&customer_ext).cloned(),
                0,
                Some(client_id),
                serde_json::to_string(c).unwrap_or_default(),
            ));
        }
        let mut invoices: BTreeSet<&str> = BTreeSet::new();
        for w in &plan.writes {
            match w {
                Write::ImportInvoices { invoices: list, .. } => {
                    invoices.extend(list.iter().map(|i| i.external_id.as_str()))
                }
                Write::ReimportInvoice { invoice, .. } => {
                    invoices.insert(invoice.external_id.as_str());
                }
                Write::AddTransactions {
                    invoice_external_id,
                    ..
                }
                | Write::SetInvoiceStatus {
                    invoice_external_id,
                    ..
                } => {
                    invoices.insert(invoice_external_id.as_str());
                }
                _ => {}
            }
        }
        for id in invoices {
            if let Some(s) = sent.invoices.get(id) {
                let detail =
                    serde_json::json!({ "transactions": s.transactions, "status": s.status })
                        .to_string();
                out.push(self.entry(
                    ObjectKind::Invoice,
                    id,
                    self.uuids.invoices.get(id).cloned(),
                    s.fingerprint,
                    Some(client_id),
                    detail,
                ));
            }
        }
        for (sub, dates) in &sent.cancellations {
            if plan.cancellations.contains_key(sub) {
                let detail = serde_json::json!({ "cancellation_dates": dates }).to_string();
                out.push(self.entry(
                    ObjectKind::Subscription,
                    sub,
                    self.uuids.subscriptions.get(sub).cloned(),
                    0,
                    Some(client_id),
                    detail,
                ));
            }
        }
        out
    }

    /// New customers and their invoices through the bulk JSON import (reference §5.5):
    /// whole customers per request, ≤ `bulk_max_bytes`, polled until processed.
    fn send_bulk(&mut self, pending: Vec<Pending>) -> Result<Vec<StartedImport>, EngineError> {
        let mut started = Vec::new();
        let mut batch: Vec<Pending> = Vec::new();
        let mut customers = Vec::new();
        let mut invoices = Vec::new();
        let mut bytes = 0usize;
        let mut n = 0usize;
        for p in pending {
            let (c, inv) = bulk_objects(&p.plan);
            let size = serde_json::to_vec(&c).map_or(0, |v| v.len())
                + inv
                    .iter()
                    .map(|i| serde_json::to_vec(i).map_or(0, |v| v.len()))
                    .sum::<usize>();
            if !batch.is_empty()
                && (bytes + size > self.config.bulk_max_bytes
                    || batch.len() >= self.config.bulk_max_customers)
            {
                started.push(self.start_import(
                    std::mem::take(&mut batch),
                    std::mem::take(&mut customers),
                    std::mem::take(&mut invoices),
                    n,
                )?);
                bytes = 0;
                n += 1;
            }
            bytes += size;
            customers.extend(c);
            invoices.extend(inv);
            batch.push(p);
        }
        if !batch.is_empty() {
            started.push(self.start_import(batch, customers, invoices, n)?);
        }
        Ok(started)
    }

    fn start_import(
        &mut self,
        batch: Vec<Pending>,
        customers: Vec<cm::Customer>,
        invoices: Vec<cm::Invoice>,
        n: usize,
    ) -> Result<StartedImport, EngineError> {
        let first = batch.first().map_or(0, |p| p.client_id);
        let body = serde_json::json!({
            "external_id": format!("whmcs-run-{}-{}-{}", self.run_id, first, n),
            "customers": customers,
            "invoices": invoices,
        });
        let import = self.client.start_json_import(&self.data_source, &body)?;
        Ok(StartedImport {
            id: import.id,
            batch,
        })
    }

    /// Waits for a bulk import and turns its per-object status into ledger rows, counts and
    /// rejections.
    fn finish_import(&mut self, import: StartedImport) -> Result<Vec<LedgerEntry>, EngineError> {
        let StartedImport { id, batch } = import;
        let status = self.client.wait_for_json_import(
            &self.data_source,
            &id,
            self.config.bulk_poll,
            self.config.bulk_timeout,
        )?;
        let details = status.status_details;
        let mut entries = Vec::new();
        for mut p in batch {
            let ext = ids::customer(p.client_id);
            let of_customer = details.get(&ext);
            let customer_ok = object_done(of_customer.and_then(|d| d.get("customer")));
            let writes = p.plan.writes.clone();
            for w in &writes {
                match w {
                    Write::CreateCustomer(_) => match &customer_ok {
                        Ok(()) => {
                            self.bump(w.kind(), |c| c.created += 1);
                            p.sent.apply(w, &p.plan);
                        }
                        Err(msg) => self.reject(Rejection {
                            external_id: ext.clone(),
                            kind: "customers",
                            message: msg.clone(),
                        }),
                    },
                    Write::ImportInvoices {
                        invoices,
                        customer_external_id,
                    } => {
                        let mut ok = Vec::new();
                        for inv in invoices {
                            match object_done(
                                of_customer
                                    .and_then(|d| d.get("invoices"))
                                    .and_then(|m| m.get(&inv.external_id)),
                            ) {
                                Ok(()) => ok.push(inv.clone()),
                                Err(msg) => self.reject(Rejection {
                                    external_id: inv.external_id.clone(),
                                    kind: "invoices",
                                    message: msg,
                                }),
                            }
                        }
                        if !ok.is_empty() {
                            self.bump("invoices", |c| c.created += ok.len() as u64);
                            let txns: u64 = ok.iter().map(|i| i.transactions.len() as u64).sum();
                            self.bump("transactions", |c| c.created += txns);
                            let cancels = ok
                                .iter()
                                .flat_map(|i| i.line_items.iter())
                                .filter(|l| l.cancelled_at.is_some())
                                .count() as u64;
                            self.bump("cancellations", |c| c.cancelled += cancels);
                            p.sent.apply(
                                &Write::ImportInvoices {
                                    customer_external_id: customer_external_id.clone(),
                                    invoices: ok,
                                },
                                &p.plan,
                            );
                        }
                    }
                    _ => {}
                }
            }
            entries.extend(self.ledger_entries(p.client_id, &p.sent, &p.plan));
        }
        Ok(entries)
    }

    // ----- removals -----

    /// Clients in the ledger that no longer exist in WHMCS (the daily diff): deleted per
    /// `propagate_deletions`.
    fn remove_vanished_clients(&mut self) -> Result<(), EngineError> {
        let mut after = String::new();
        let mut vanished = Vec::new();
        loop {
            let page =
                State::new(&mut *self.db).ledger_of_kind(ObjectKind::Customer, &after, 1000)?;
            let Some(last) = page.last() else { break };
            after = last.external_id.clone();
            let ids_: Vec<Id> = page
                .iter()
                .filter_map(|e| ids::client_id_of(&e.external_id))
                .collect();
            let existing: BTreeSet<Id> = Reader::new(&mut *self.db)
                .existing_client_ids(&ids_)?
                .into_iter()
                .collect();
            vanished.extend(ids_.into_iter().filter(|id| !existing.contains(id)));
        }
        for id in vanished {
            self.remove_client(id, None)?;
        }
        Ok(())
    }

    /// A WHMCS client that is gone: merged into another customer, deleted, or kept (§3).
    fn remove_client(&mut self, client_id: Id, merged_into: Option<Id>) -> Result<(), EngineError> {
        let ext = ids::customer(client_id);
        let Some(entry) = State::new(&mut *self.db).ledger_get(ObjectKind::Customer, &ext)? else {
            return Ok(());
        };
        match changes::client_removal(client_id, merged_into, self.settings) {
            ClientRemoval::Merge(m) => {
                match self.client.merge_customers(
                    &self.data_source,
                    &m.from.external_id,
                    &m.into.external_id,
                ) {
                    Ok(()) | Err(ApiError::NotFound { .. }) => {}
                    Err(e) if e.class() == crate::chartmogul::ErrorClass::RejectedRecord => {
                        self.reject(Rejection {
                            external_id: ext.clone(),
                            kind: "customers",
                            message: e.to_string(),
                        });
                        return Ok(());
                    }
                    Err(e) => return Err(e.into()),
                }
                self.bump("customers", |c| c.updated += 1);
            }
            ClientRemoval::Delete => {
                let uuid = match entry.uuid {
                    Some(u) => Some(u),
                    None => self
                        .client
                        .find_customer(&self.data_source, &ext)?
                        .map(|c| c.uuid),
                };
                if let Some(u) = uuid {
                    self.client.delete_customer(&u)?;
                }
                self.bump("customers", |c| c.deleted += 1);
            }
            ClientRemoval::Keep => return Ok(()),
        }
        let mut state = State::new(&mut *self.db);
        for e in state.ledger_for_client(client_id)? {
            state.ledger_delete(e.kind, &e.external_id)?;
        }
        state.ledger_delete(ObjectKind::Customer, &ext)?;
        Ok(())
    }

    // ----- reporting -----

    fn count(&mut self, w: &Write, o: &Outcome) {
        if let Outcome::Done { .. } = o {
            count_write(&mut self.report, w);
        }
    }

    fn bump(&mut self, kind: &'static str, f: impl FnOnce(&mut Counts)) {
        f(self.report.counts.entry(kind).or_default());
    }

    fn reject(&mut self, r: Rejection) {
        self.report.rejected.push(Rejected {
            record: r.external_id.clone(),
            kind: r.kind.to_string(),
            reason: r.message.clone(),
        });
        let entry = NewLogEntry {
            level: LogLevel::Error,
            kind: format!("{}.rejected", r.kind.trim_end_matches('s')),
            record: whmcs_record_of(&r.external_id),
            message: format!("{} was rejected by ChartMogul", r.external_id),
            chartmogul_message: Some(r.message),
            run_id: Some(self.run_id),
        };
        let now = self.now;
        let _ = State::new(&mut *self.db).log(&entry, now);
    }

    fn log_issues(&mut self, issues: &[RecordError]) -> Result<(), EngineError> {
        if issues.is_empty() {
            return Ok(());
        }
        let run_id = self.run_id;
        let entries: Vec<NewLogEntry> = issues
            .iter()
            .map(|i| NewLogEntry {
                level: if i.is_error() {
                    LogLevel::Error
                } else {
                    LogLevel::Warning
                },
                kind: i.kind.clone(),
                record: Some(i.record.clone()),
                message: i.to_string(),
                chartmogul_message: None,
                run_id: Some(run_id),
            })
            .collect();
        for i in issues {
            if i.is_error() {
                self.report.rejected.push(Rejected {
                    record: i.record.to_string(),
                    kind: i.kind.clone(),
                    reason: i.message.clone(),
                });
            } else {
                self.report.warnings += 1;
            }
        }
        let now = self.now;
        State::new(&mut *self.db).log_many(&entries, now)?;
        Ok(())
    }
}

/// A client whose only writes are creating its customer and importing its invoices (a new
/// client of a backfill) can go through the bulk import.
fn bulk_eligible(plan: &ClientPlan) -> bool {
    let rest: Vec<&Write> = plan
        .writes
        .iter()
        .filter(|w| !matches!(w, Write::CreatePlan(_) | Write::RenamePlan { .. }))
        .collect();
    matches!(
        rest.as_slice(),
        [Write::CreateCustomer(_)] | [Write::CreateCustomer(_), Write::ImportInvoices { .. }]
    )
}

/// The bulk-import objects of a new client: its customer and its invoices, each invoice
/// naming its customer and its lines naming their plans by external id.
fn bulk_objects(plan: &ClientPlan) -> (Option<cm::Customer>, Vec<cm::Invoice>) {
    let mut customer = None;
    let mut invoices = Vec::new();
    for w in &plan.writes {
        match w {
            Write::CreateCustomer(c) => customer = Some((**c).clone()),
            Write::ImportInvoices {
                customer_external_id,
                invoices: list,
            } => {
                for inv in list {
                    let mut inv = inv.clone();
                    inv.customer_external_id = Some(customer_external_id.clone());
                    for line in &mut inv.line_items {
                        line.plan_uuid = None;
                    }
                    invoices.push(inv);
                }
            }
            _ => {}
        }
    }
    (customer, invoices)
}

/// Reads one object's status in a bulk import's `status_details`: imported, or failed only
/// because it exists already (a re-sent import after a crash), is done.
fn object_done(detail: Option<&serde_json::Value>) -> Result<(), String> {
    let Some(d) = detail else {
        return Err("not reported by the bulk import".to_string());
    };
    match d.get("status").and_then(|s| s.as_str()) {
        Some("imported") => Ok(()),
        _ => {
            let errors = d.get("errors").map(|e| e.to_string()).unwrap_or_default();
            let lower = errors.to_ascii_lowercase();
            if lower.contains("already exists") || lower.contains("already been taken") {
                Ok(())
            } else {
                Err(if errors.is_empty() {
                    d.to_string()
                } else {
                    errors
                })
            }
        }
    }
}

/// Queues a hook event (the addon's hooks and tests use this).
pub fn enqueue<D: Db>(db: &mut D, event: &NewEvent, now: DateTime<Utc>) -> Result<(), EngineError> {
    State::new(db).enqueue(event, now)?;
    Ok(())
}

/// The WHMCS record behind one of our external ids, for the log's record filter.
fn whmcs_record_of(external_id: &str) -> Option<RecordRef> {
    let table_of = [
        ("whmcs-client-", "tblclients"),
        ("whmcs-invoice-", "tblinvoices"),
        ("whmcs-service-", "tblhosting"),
        ("whmcs-serviceaddon-", "tblhostingaddons"),
        ("whmcs-domain-", "tbldomains"),
        ("whmcs-txn-", "tblaccounts"),
        ("whmcs-item-", "tblinvoiceitems"),
    ];
    table_of.iter().find_map(|(prefix, table)| {
        let id = external_id
            .strip_prefix(prefix)?
            .split('-')
            .next()?
            .parse()
            .ok()?;
        Some(RecordRef::new(table, id))
    })
}

/// The planner's view of what was sent for one client, and the uuids known, from its ledger
/// rows.
fn sent_from_ledger(entries: Vec<LedgerEntry>) -> (Sent, Uuids) {
    let mut sent = Sent::default();
    let mut uuids = Uuids::default();
    for e in entries {
        let detail: serde_json::Value =
            serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null);
        match e.kind {
            ObjectKind::Customer => {
                sent.customer = serde_json::from_value(detail).ok();
                if let Some(u) = e.uuid {
                    uuids.customers.insert(e.external_id, u);
                }
            }
            ObjectKind::Invoice => {
                let transactions = detail
                    .get("transactions")
                    .and_then(|t| serde_json::from_value(t.clone()).ok())
                    .unwrap_or_default();
                let status = detail
                    .get("status")
                    .and_then(|s| serde_json::from_value(s.clone()).ok());
                sent.invoices.insert(
                    e.external_id.clone(),
                    SentInvoice {
                        fingerprint: e.fingerprint,
                        transactions,
                        status,
                    },
                );
                if let Some(u) = e.uuid {
                    uuids.invoices.insert(e.external_id, u);
                }
            }
            ObjectKind::Subscription => {
                let dates = detail
                    .get("cancellation_dates")
                    .and_then(|t| serde_json::from_value(t.clone()).ok())
                    .unwrap_or_default();
                sent.cancellations.insert(e.external_id.clone(), dates);
                if let Some(u) = e.uuid {
                    uuids.subscriptions.insert(e.external_id, u);
                }
            }
            ObjectKind::DataSource | ObjectKind::Plan | ObjectKind::Transaction => {}
        }
    }
    (sent, uuids)
}

/// Counts a write in a report as if it were done (dry runs).
fn count_write(report: &mut Report, w: &Write) {
    let bump = |report: &mut Report, kind: &'static str, f: &dyn Fn(&mut Counts)| {
        f(report.counts.entry(kind).or_default())
    };
    match w {
        Write::CreatePlan(_) | Write::CreateCustomer(_) => {
            bump(report, w.kind(), &|c| c.created += 1)
        }
        Write::RenamePlan { .. }
        | Write::UpdateCustomer { .. }
        | Write::ReimportInvoice { .. }
        | Write::SetInvoiceStatus { .. } => bump(report, w.kind(), &|c| c.updated += 1),
        Write::ImportInvoices { invoices, .. } => {
            let n = invoices.len() as u64;
            bump(report, "invoices", &|c| c.created += n);
            let t: u64 = invoices.iter().map(|i| i.transactions.len() as u64).sum();
            bump(report, "transactions", &|c| c.created += t);
            let k = invoices
                .iter()
                .flat_map(|i| i.line_items.iter())
                .filter(|l| l.cancelled_at.is_some())
                .count() as u64;
            bump(report, "cancellations", &|c| c.cancelled += k);
        }
        Write::AddTransactions { transactions, .. } => {
            let n = transactions.len() as u64;
            bump(report, "transactions", &|c| c.created += n)
        }
        Write::DeleteInvoice { .. } => bump(report, "invoices", &|c| c.deleted += 1),
        Write::SetCancellationDates { dates, .. } => {
            if dates.is_empty() {
                bump(report, "cancellations", &|c| c.deleted += 1)
            } else {
                bump(report, "cancellations", &|c| c.cancelled += 1)
            }
        }
    }
}
