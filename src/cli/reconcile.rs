//! `whmcs-chartmogul reconcile`: WHMCS MRR against ChartMogul MRR, customer by customer.
//!
//! Contract: the WHMCS side is [`sync_core::mrr::whmcs_mrr`] per client and currency (what an
//! admin computes from the live services); the ChartMogul side is each customer's current
//! `mrr` and `currency` in the data source. Every customer and currency where they differ is
//! listed with the explanations that can be attributed: the customer is missing from
//! ChartMogul, a currency other than ChartMogul's (FX conversion to the account currency),
//! records of the client the mapping or ChartMogul rejected (the mapping's own findings and
//! the sync log), a free trial in progress, ChartMogul lagging behind WHMCS (the mapping's
//! projection, [`sync_core::mrr::projected_mrr`], agrees with WHMCS) or WHMCS amounts that
//! differ from what was invoiced (the projection agrees with ChartMogul). Nothing is written
//! to ChartMogul or to the database. Exit status 0 when everything matches, 3 when something
//! differs, 1 when ChartMogul or the database cannot be read, 2 for bad usage.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sync_core::chartmogul::types::LineKind;
use sync_core::chartmogul::{ApiError, Client, Transport};
use sync_core::db::Db;
use sync_core::map::{ClientExport, MapContext, ids, map_client};
use sync_core::mrr::{ByCurrency, projected_mrr, whmcs_mrr};
use sync_core::read::Reader;
use sync_core::state::{LogFilter, LogLevel, State};
use sync_core::whmcs::ClientBundle;

use super::common::{self, ChartMogulArgs, SourceArgs};
use super::{CliError, EXIT_OK, EXIT_REJECTED, table};

/// The log kinds of records ChartMogul rejected (the engine logs `<kind>.rejected`).
const REJECTED_KINDS: [&str; 6] = [
    "plan.rejected",
    "customer.rejected",
    "invoice.rejected",
    "transaction.rejected",
    "cancellation.rejected",
    "subscription.rejected",
];

/// `whmcs-chartmogul reconcile` options.
#[derive(clap::Args, Debug, Clone)]
pub struct ReconcileArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub chartmogul: ChartMogulArgs,
    /// Mapping settings (TOML); default: the settings saved by the addon, else the defaults
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print one JSON object on stdout
    #[arg(long)]
    pub json: bool,
}

/// One customer and currency whose MRR differs.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// The ChartMogul external id, `whmcs-client-ID`.
    pub customer: String,
    /// The WHMCS client, when the external id names one.
    pub client_id: Option<i64>,
    pub currency: String,
    pub whmcs_mrr: i64,
    pub chartmogul_mrr: i64,
    /// What explains it, as far as can be told; never empty.
    pub explanations: Vec<String>,
}

/// WHMCS and ChartMogul MRR of one currency, over all customers.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Totals {
    pub whmcs: i64,
    pub chartmogul: i64,
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
pub struct ReconcileOutput {
    pub at: String,
    pub data_source: String,
    /// False when the data source does not exist in ChartMogul (nothing synced into it).
    pub data_source_found: bool,
    pub customers_compared: u64,
    pub customers_matching: u64,
    pub totals: BTreeMap<String, Totals>,
    pub differences: Vec<Difference>,
    pub requests: u64,
    pub duration_ms: u64,
}

/// Runs the command; returns the exit status (errors already printed).
pub fn run(args: &ReconcileArgs) -> u8 {
    let mut secrets: Vec<String> = common::source_secret(&args.source.whmcs)
        .into_iter()
        .collect();
    let result = args.chartmogul.api_key().and_then(|key| {
        secrets.push(key.clone());
        execute(args, &key)
    });
    super::finish(
        "reconcile",
        args.json,
        result.map_err(|e| e.redacted(&secrets)),
    )
}

fn execute(args: &ReconcileArgs, key: &str) -> Result<u8, CliError> {
    let started = Instant::now();
    let file_settings = args
        .config
        .as_deref()
        .map(common::settings_file)
        .transpose()?;
    let mut client = args.chartmogul.client(key)?;
    let mut db = common::open_source(&args.source.whmcs)?;
    let has_state = common::has_state(db.as_mut());
    if has_state {
        common::migrate(db.as_mut())?;
    }
    let settings = match file_settings {
        Some(s) => s,
        None if has_state => common::saved_settings(db.as_mut())?,
        None => sync_core::Settings::default(),
    };
    let url = args.chartmogul.chartmogul_url.clone();
    let chartmogul = chartmogul_mrr(&mut client, &args.chartmogul.data_source)
        .map_err(|e| api_error(e, &url))?;
    let rejected = if has_state {
        logged_rejections(db.as_mut())
            .map_err(|e| CliError::failed(format!("cannot read the sync log: {e}")))?
    } else {
        BTreeMap::new()
    };
    let now = common::now();
    let mut output = compare(db.as_mut(), &settings, now, chartmogul, &rejected)?;
    output.data_source = args.chartmogul.data_source.clone();
    output.requests = client.stats().requests;
    output.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&output).map_err(|e| CliError::failed(e.to_string()))?
        );
    } else {
        print!("{}", human(&output));
    }
    Ok(if output.differences.is_empty() {
        EXIT_OK
    } else {
        EXIT_REJECTED
    })
}

/// ChartMogul's side: external id → MRR per currency (customers with no MRR are left out).
/// `None` when the data source does not exist (nothing was ever synced into it).
type ChartMogulSide = Option<BTreeMap<String, ByCurrency>>;

fn chartmogul_mrr<T: Transport>(
    client: &mut Client<T>,
    data_source: &str,
) -> Result<ChartMogulSide, ApiError> {
    let Some(ds) = client.find_data_source(data_source)? else {
        return Ok(None);
    };
    let mut out = BTreeMap::new();
    for c in client.all_customers(&ds.uuid)? {
        let (Some(ext), Some(mrr)) = (c.external_id, c.mrr) else {
            continue;
        };
        if mrr == 0 {
            continue;
        }
        let currency = c
            .currency
            .map(|s| s.trim().to_ascii_uppercase())
            .unwrap_or_default();
        out.insert(ext, ByCurrency::from([(currency, mrr)]));
    }
    Ok(Some(out))
}

/// Records ChartMogul rejected, from the sync log: record (`tblinvoices #7`) → its messages.
fn logged_rejections(
    db: &mut dyn Db,
) -> Result<BTreeMap<String, Vec<String>>, sync_core::db::DbError> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut state = State::new(db);
    for kind in REJECTED_KINDS {
        let page = state.query_log(&LogFilter {
            min_level: Some(LogLevel::Error),
            kind: Some(kind.to_string()),
            limit: 10_000,
            ..LogFilter::default()
        })?;
        for e in page.entries {
            let Some(record) = e.record else { continue };
            let message = e.chartmogul_message.unwrap_or(e.message);
            let list = out.entry(record.to_string()).or_default();
            if !list.contains(&message) {
                list.push(message);
            }
        }
    }
    Ok(out)
}

/// Streams every WHMCS client and compares it with ChartMogul.
fn compare(
    db: &mut dyn Db,
    settings: &sync_core::Settings,
    now: DateTime<Utc>,
    chartmogul: ChartMogulSide,
    rejected: &BTreeMap<String, Vec<String>>,
) -> Result<ReconcileOutput, CliError> {
    let read_failed = |e: sync_core::db::DbError| {
        CliError::failed(format!("cannot read the WHMCS database: {e}"))
    };
    let data_source_exists = chartmogul.is_some();
    let mut chartmogul = chartmogul.unwrap_or_default();
    let mut reader = Reader::new(db);
    let (catalog, _) = reader.catalog().map_err(read_failed)?;
    let ctx = MapContext::new(&catalog, settings, now)
        .map_err(|e| CliError::usage(format!("configuration error: {e}")))?;
    let mut output = ReconcileOutput {
        at: sync_core::state::format_time(now),
        data_source: String::new(),
        data_source_found: data_source_exists,
        customers_compared: 0,
        customers_matching: 0,
        totals: BTreeMap::new(),
        differences: Vec::new(),
        requests: 0,
        duration_ms: 0,
    };
    for page in reader.bundles() {
        let page = page.map_err(read_failed)?;
        for bundle in &page.bundles {
            let whmcs = whmcs_mrr(bundle, &catalog, settings, now.date_naive());
            let ext = ids::customer(bundle.client.id);
            let cm = chartmogul.remove(&ext);
            add_totals(&mut output.totals, &whmcs, cm.as_ref());
            if whmcs.is_empty() && cm.is_none() {
                continue;
            }
            output.customers_compared += 1;
            let cm = cm.unwrap_or_default();
            if whmcs == cm {
                output.customers_matching += 1;
                continue;
            }
            let export = map_client(bundle, &ctx);
            let explanations = explain(
                bundle,
                &export,
                &whmcs,
                &cm,
                now,
                data_source_exists,
                rejected,
            );
            push_differences(
                &mut output.differences,
                &ext,
                Some(bundle.client.id),
                &whmcs,
                &cm,
                &explanations,
            );
        }
    }
    // Customers left over have no WHMCS client any more.
    for (ext, cm) in chartmogul {
        add_totals(&mut output.totals, &ByCurrency::new(), Some(&cm));
        output.customers_compared += 1;
        let client_id = ext
            .strip_prefix("whmcs-client-")
            .and_then(|s| s.parse().ok());
        let explanation = match client_id {
            Some(id) => format!(
                "WHMCS client #{id} no longer exists (deleted or merged into another client); \
                 the next full sync removes or merges it in ChartMogul \
                 (propagate_deletions decides)"
            ),
            None => "not a customer this connector created (no WHMCS client id in its \
                     external id); it was added to the data source by something else"
                .to_string(),
        };
        push_differences(
            &mut output.differences,
            &ext,
            client_id,
            &ByCurrency::new(),
            &cm,
            &[explanation],
        );
    }
    Ok(output)
}

fn add_totals(totals: &mut BTreeMap<String, Totals>, whmcs: &ByCurrency, cm: Option<&ByCurrency>) {
    for (currency, mrr) in whmcs {
        totals.entry(currency.clone()).or_default().whmcs += mrr;
    }
    for (currency, mrr) in cm.into_iter().flatten() {
        totals.entry(currency.clone()).or_default().chartmogul += mrr;
    }
}

fn push_differences(
    out: &mut Vec<Difference>,
    ext: &str,
    client_id: Option<i64>,
    whmcs: &ByCurrency,
    cm: &ByCurrency,
    explanations: &[String],
) {
    let currencies: BTreeSet<&String> = whmcs.keys().chain(cm.keys()).collect();
    for currency in currencies {
        let w = whmcs.get(currency).copied().unwrap_or(0);
        let c = cm.get(currency).copied().unwrap_or(0);
        if w != c {
            out.push(Difference {
                customer: ext.to_string(),
                client_id,
                currency: currency.clone(),
                whmcs_mrr: w,
                chartmogul_mrr: c,
                explanations: explanations.to_vec(),
            });
        }
    }
}

/// Why a client's MRR differs, as far as the data tells.
fn explain(
    bundle: &ClientBundle,
    export: &ClientExport,
    whmcs: &ByCurrency,
    cm: &ByCurrency,
    now: DateTime<Utc>,
    data_source_exists: bool,
    rejected: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let mut out = Vec::new();
    if !data_source_exists {
        out.push(
            "the ChartMogul data source does not exist yet: nothing was synced; run \
             whmcs-chartmogul sync"
                .to_string(),
        );
        return out;
    }
    if cm.is_empty() && export.customer.is_some() {
        out.push(
            "ChartMogul shows no MRR for this customer: it has not been synced yet, or what \
             carries its MRR was rejected (below)"
                .to_string(),
        );
    }
    if let ([(w_cur, _)], [(c_cur, _)]) = (
        whmcs.iter().collect::<Vec<_>>().as_slice(),
        cm.iter().collect::<Vec<_>>().as_slice(),
    ) && w_cur != c_cur
    {
        out.push(format!(
            "FX: WHMCS bills this client in {w_cur}, ChartMogul reports the customer in \
             {c_cur} (it converts to the account currency at its own exchange rate)"
        ));
    }
    for issue in export.issues.iter().filter(|i| i.is_error()) {
        out.push(format!(
            "the mapping rejected {} ({}): {}",
            issue.record, issue.kind, issue.message
        ));
    }
    for record in records_of(bundle) {
        for message in rejected.get(&record).into_iter().flatten() {
            out.push(format!("ChartMogul rejected {record}: {message}"));
        }
    }
    let trial = export
        .invoices
        .iter()
        .flat_map(|i| &i.line_items)
        .filter(|l| l.kind == LineKind::Trial)
        .any(|l| {
            let start = l.service_period_start.as_deref().and_then(parse);
            let end = l.service_period_end.as_deref().and_then(parse);
            start.is_some_and(|s| s <= now) && end.is_none_or(|e| e > now)
        });
    if trial {
        out.push(
            "a free trial is in progress: ChartMogul counts no MRR for it until it converts"
                .to_string(),
        );
    }
    let projected = projected_mrr(export, now);
    if projected == *whmcs && projected != *cm {
        out.push(
            "WHMCS and the mapping agree: ChartMogul has not received the latest changes yet \
             (run whmcs-chartmogul sync)"
                .to_string(),
        );
    } else if projected == *cm && projected != *whmcs {
        out.push(
            "ChartMogul matches the invoices sent: the services' recurring amounts in WHMCS \
             differ from what was invoiced (a price change not invoiced yet, a recurring \
             discount or a prorated period)"
                .to_string(),
        );
    }
    if out.is_empty() {
        out.push(format!(
            "no explanation found: compare client #{}'s services and invoices in WHMCS with the \
             customer in ChartMogul",
            bundle.client.id
        ));
    }
    out
}

/// Every WHMCS record of a client, as the log names records (`tblinvoices #7`).
fn records_of(bundle: &ClientBundle) -> Vec<String> {
    let mut out = vec![format!("tblclients #{}", bundle.client.id)];
    out.extend(
        bundle
            .services
            .iter()
            .map(|s| format!("tblhosting #{}", s.id)),
    );
    out.extend(
        bundle
            .addons
            .iter()
            .map(|a| format!("tblhostingaddons #{}", a.id)),
    );
    out.extend(
        bundle
            .domains
            .iter()
            .map(|d| format!("tbldomains #{}", d.id)),
    );
    for i in &bundle.invoices {
        out.push(format!("tblinvoices #{}", i.id));
        out.extend(
            i.items
                .iter()
                .map(|it| format!("tblinvoiceitems #{}", it.id)),
        );
    }
    out.extend(
        bundle
            .transactions
            .iter()
            .map(|t| format!("tblaccounts #{}", t.id)),
    );
    out
}

fn parse(s: &str) -> Option<DateTime<Utc>> {
    sync_core::dates::parse_datetime(s)
        .ok()
        .flatten()
        .map(|d| d.and_utc())
}

/// A ChartMogul failure as the operator should read it.
fn api_error(e: ApiError, url: &str) -> CliError {
    match e {
        ApiError::Authentication { .. } => {
            CliError::usage(format!("ChartMogul at {url} refused the credentials: {e}"))
        }
        other => CliError::failed(format!("cannot read ChartMogul at {url}: {other}")),
    }
}

fn human(o: &ReconcileOutput) -> String {
    let mut out = format!(
        "MRR on {} UTC, WHMCS against ChartMogul data source {:?}: {} customers compared, {} \
         match\n\n",
        o.at, o.data_source, o.customers_compared, o.customers_matching
    );
    if !o.data_source_found {
        out.push_str(&format!(
            "The data source {:?} does not exist in ChartMogul: nothing was synced into it yet \
             (whmcs-chartmogul sync creates it).\n\n",
            o.data_source
        ));
    }
    let rows: Vec<Vec<String>> = o
        .totals
        .iter()
        .map(|(currency, t)| {
            vec![
                currency.clone(),
                common::money(t.whmcs),
                common::money(t.chartmogul),
                common::money(t.chartmogul - t.whmcs),
            ]
        })
        .collect();
    out.push_str(&table::render(
        "  ",
        &["currency", "WHMCS", "ChartMogul", "difference"],
        &rows,
    ));
    if o.differences.is_empty() {
        out.push_str("\nEvery customer matches.\n");
        return out;
    }
    out.push_str(&format!(
        "\n{} difference{} (customer, currency, WHMCS → ChartMogul):\n",
        o.differences.len(),
        if o.differences.len() == 1 { "" } else { "s" }
    ));
    for d in &o.differences {
        out.push_str(&format!(
            "  {}  {}  {} → {}\n",
            d.customer,
            d.currency,
            common::money(d.whmcs_mrr),
            common::money(d.chartmogul_mrr)
        ));
        for e in &d.explanations {
            out.push_str(&format!("      - {e}\n"));
        }
    }
    out
}
