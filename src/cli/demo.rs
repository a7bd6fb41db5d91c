//! `whmcs-chartmogul demo`: the whole product with no WHMCS and no ChartMogul account.
//!
//! Contract: generates a small sample hosting company ([`crate::seed`], default seed) into a
//! temporary SQLite file, starts the ChartMogul simulator ([`crate::sim`]) on a free loopback
//! port with its clock at the end of the seed's `today`, runs a full sync with a progress bar,
//! changes a few records the way WHMCS would (a client's new email address, a renewal invoice
//! paid early, a cancelled service — each with `updated_at` bumped, as WHMCS does), runs
//! an incremental sync, and prints what each run sent and WHMCS MRR against ChartMogul MRR per
//! currency. Both syncs run at the seed's `today` (the engine has no clock of its own), so the
//! demo gives the same result whenever it runs. Exit status 0 when the two MRR figures agree
//! for every currency, 3 when they differ, 1 when a step fails. The temporary database is
//! removed at the end unless `--keep` is given.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use sync_core::Settings;
use sync_core::chartmogul::retry::Limits;
use sync_core::db::{Db, Value};
use sync_core::engine::{self, Budget, Mode, Report, RunRequest, SyncConfig};
use sync_core::mrr::{ByCurrency, whmcs_mrr};
use sync_core::read::Reader;

use super::common;
use super::progress::Bar;
use super::{CliError, EXIT_OK, EXIT_REJECTED, table};
use crate::seed::{self, Scale, SeedArgs};
use crate::sim::{self, Clock, SimOptions};

/// `whmcs-chartmogul demo` options.
#[derive(clap::Args, Debug, Clone)]
pub struct DemoArgs {
    /// Keep the sample WHMCS database and print its path, to explore with status and logs
    #[arg(long)]
    pub keep: bool,
}

/// Rejected records listed per run; the rest are counted (the sample data plants a few).
const REJECTED_SHOWN: usize = 10;

/// Runs the command; returns the exit status (errors already printed).
pub fn run(args: &DemoArgs) -> u8 {
    let dir = std::env::temp_dir().join(format!("whmcs-chartmogul-demo-{}", std::process::id()));
    let result = demo(&dir, args.keep);
    if !args.keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    super::finish("demo", false, result)
}

fn demo(dir: &std::path::Path, keep: bool) -> Result<u8, CliError> {
    let started = Instant::now();
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::failed(format!("cannot create {}: {e}", dir.display())))?;
    let path: PathBuf = dir.join("whmcs.db");
    let source = format!("sqlite:{}", path.display());

    println!("whmcs-chartmogul demo: a sample hosting company synced into a local ChartMogul\n");
    let summary = seed::run(&SeedArgs {
        scale: Scale::Small,
        out: source.clone(),
        seed: 1,
        today: None,
    })
    .map_err(|e| CliError::failed(format!("cannot generate the sample company: {e}")))?;
    println!(
        "1. WHMCS: generated a hosting company with {} clients and three years of billing \
         history up to {} ({:.1} s)",
        summary.clients,
        summary.today,
        summary.duration.as_secs_f64()
    );

    let mut db = crate::db::open(&source).map_err(CliError::failed)?;
    let today = summary.today;
    let settings = Settings::from_toml(&meta(db.as_mut(), "settings_toml")?)
        .map_err(|e| CliError::failed(format!("the sample settings do not load: {e}")))?;
    let now = Utc.from_utc_datetime(&today.and_time(NaiveTime::MIN));
    let sim = sim::start(SimOptions {
        bulk_processing_delay: Duration::from_millis(5),
        // ChartMogul refuses dates in its future: its clock stands at the end of the sample's
        // last day, whatever the machine's date.
        clock: Clock::fixed_at(&format!("{today}T23:59:59Z")),
        ..SimOptions::default()
    })
    .map_err(|e| CliError::failed(format!("cannot start the ChartMogul simulator: {e}")))?;
    println!("2. ChartMogul: simulator listening at {}", sim.base_url());
    // The simulator has no rate limit; ChartMogul's own limits apply only to the real API.
    let limits = Limits {
        requests_per_second: 1000,
        max_connections: 4,
    };
    let mut client = common::client(&sim.base_url(), "demo-key", limits, Duration::from_secs(30));
    let config = SyncConfig {
        trigger: "demo".to_string(),
        holder: format!("{}:{}", common::hostname(), std::process::id()),
        page_size: 100,
        bulk_max_customers: 100,
        bulk_poll: Duration::from_millis(20),
        holder_is_dead: common::holder_is_dead,
        ..SyncConfig::default()
    };
    let url = sim.base_url();
    let mut sync = |db: &mut Box<dyn Db>, mode: Mode, label: &str| {
        let started = Instant::now();
        let mut bar = Bar::new(format!("   {label}"));
        bar.start();
        let report = engine::run(
            db,
            &mut client,
            &settings,
            &config,
            RunRequest {
                mode,
                budget: Budget::default(),
                now,
            },
            &mut |p| bar.update(p),
        );
        bar.finish();
        report
            .map(|r| (r, started.elapsed()))
            .map_err(|e| super::sync::engine_error(e, &url))
    };

    println!("3. Full sync (the first run sends everything):");
    let (full, took) = sync(&mut db, Mode::Full, "full sync")?;
    print_run(&full, took);

    let changes = change_records(db.as_mut(), today, &settings)?;
    println!("4. Changed in WHMCS:");
    for c in &changes {
        println!("   - {c}");
    }

    println!("5. Incremental sync (only what changed):");
    let (incremental, took) = sync(&mut db, Mode::Incremental, "incremental sync")?;
    print_run(&incremental, took);

    let whmcs = whmcs_totals(db.as_mut(), &settings, today)?;
    let chartmogul = chartmogul_totals(&sim, today)?;
    println!("6. MRR on {today}, per currency:");
    let currencies: std::collections::BTreeSet<&String> =
        whmcs.keys().chain(chartmogul.keys()).collect();
    let mut agree = true;
    let rows: Vec<Vec<String>> = currencies
        .into_iter()
        .map(|c| {
            let w = whmcs.get(c).copied().unwrap_or(0);
            let m = chartmogul.get(c).copied().unwrap_or(0);
            agree &= w == m;
            vec![
                c.clone(),
                common::money(w),
                common::money(m),
                if w == m { "equal" } else { "DIFFERENT" }.to_string(),
            ]
        })
        .collect();
    print!(
        "{}",
        table::render("   ", &["currency", "WHMCS", "ChartMogul", ""], &rows)
    );
    println!();
    if agree {
        println!(
            "WHMCS and ChartMogul agree on MRR in every currency. Demo finished in {:.1} s.",
            started.elapsed().as_secs_f64()
        );
    } else {
        println!("WHMCS and ChartMogul MRR differ (see above).");
    }
    if keep {
        println!(
            "\nThe sample database is kept. Explore it:\n  whmcs-chartmogul status --whmcs {source}\n  \
             whmcs-chartmogul logs --whmcs {source} --level warning"
        );
    }
    Ok(if agree { EXIT_OK } else { EXIT_REJECTED })
}

fn print_run(r: &Report, took: Duration) {
    print!("{}", table::counts("   ", &table::all_counts(&r.counts)));
    println!(
        "   {} clients, {} requests to ChartMogul, {:.1} s",
        r.clients,
        r.requests,
        took.as_secs_f64()
    );
    if !r.rejected.is_empty() {
        println!(
            "   {} record{} rejected and logged (the sample data contains bad records on \
             purpose, as real WHMCS data does):",
            r.rejected.len(),
            if r.rejected.len() == 1 {
                " was"
            } else {
                "s were"
            }
        );
        for x in r.rejected.iter().take(REJECTED_SHOWN) {
            println!("     {}  [{}]  {}", x.record, x.kind, x.reason);
        }
        if r.rejected.len() > REJECTED_SHOWN {
            println!("     … and {} more", r.rejected.len() - REJECTED_SHOWN);
        }
    }
    println!();
}

fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        other => text(other).trim().parse().unwrap_or(0),
    }
}

fn query(db: &mut dyn Db, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, CliError> {
    db.query(sql, params)
        .map_err(|e| CliError::failed(format!("the sample database failed: {e}")))
}

fn execute(db: &mut dyn Db, sql: &str, params: &[Value]) -> Result<u64, CliError> {
    db.execute(sql, params)
        .map_err(|e| CliError::failed(format!("the sample database failed: {e}")))
}

fn meta(db: &mut dyn Db, key: &str) -> Result<String, CliError> {
    let rows = query(
        db,
        "SELECT `value` FROM `seed_meta` WHERE `key` = ?",
        &[key.into()],
    )?;
    rows.first()
        .and_then(|r| r.first())
        .map(text)
        .ok_or_else(|| CliError::failed(format!("the sample database has no {key}")))
}

/// Clients carrying a record the seed planted as bad: the demo's changes leave them alone so
/// that what it shows is the change, not a known problem.
const PLANTED_CLIENTS: &str = "SELECT `record_id` FROM `seed_planted` WHERE `table_name` = 'tblclients' \
     UNION SELECT `userid` FROM `tblhosting` WHERE `id` IN \
       (SELECT `record_id` FROM `seed_planted` WHERE `table_name` = 'tblhosting') \
     UNION SELECT `h`.`userid` FROM `tblhostingaddons` `a` JOIN `tblhosting` `h` ON `h`.`id` = `a`.`hostingid` \
       WHERE `a`.`id` IN (SELECT `record_id` FROM `seed_planted` WHERE `table_name` = 'tblhostingaddons') \
     UNION SELECT `userid` FROM `tblinvoiceitems` WHERE `id` IN \
       (SELECT `record_id` FROM `seed_planted` WHERE `table_name` = 'tblinvoiceitems')";

/// Makes three everyday WHMCS changes and returns what was changed, for the output.
fn change_records(
    db: &mut dyn Db,
    today: NaiveDate,
    settings: &Settings,
) -> Result<Vec<String>, CliError> {
    // WHMCS stamps `updated_at` with its own clock; a stamp past every existing one is what
    // the incremental run's watermarks must notice.
    let latest = query(
        db,
        "SELECT MAX(`t`) FROM (SELECT MAX(`updated_at`) AS `t` FROM `tblclients` \
         UNION ALL SELECT MAX(`updated_at`) FROM `tblhosting` \
         UNION ALL SELECT MAX(`updated_at`) FROM `tblinvoices`) `x`",
        &[],
    )?;
    let latest = latest
        .first()
        .and_then(|r| r.first())
        .map(text)
        .and_then(|t| sync_core::state::parse_time(&t))
        .unwrap_or_else(|| Utc.from_utc_datetime(&today.and_time(NaiveTime::MIN)));
    let stamp = sync_core::state::format_time(latest + chrono::Duration::seconds(1));
    let mut done = Vec::new();

    // A client changes their email address.
    let rows = query(
        db,
        &format!(
            "SELECT `id`, `email` FROM `tblclients` WHERE `status` = 'Active' AND `email` <> '' \
             AND `id` NOT IN ({PLANTED_CLIENTS}) ORDER BY `id` LIMIT 1"
        ),
        &[],
    )?;
    if let Some(row) = rows.first() {
        let id = int(&row[0]);
        let email = format!("billing-{id}@new-domain.example");
        execute(
            db,
            "UPDATE `tblclients` SET `email` = ?, `updated_at` = ? WHERE `id` = ?",
            &[email.as_str().into(), stamp.as_str().into(), Value::Int(id)],
        )?;
        done.push(format!(
            "client #{id} changed their email address from {} to {email}",
            text(&row[1])
        ));
    }

    // A client pays their upcoming renewal invoice early: it becomes Paid, WHMCS records the
    // payment in tblaccounts, and the invoice is now one the mapping exports.
    let rows = query(
        db,
        &format!(
            "SELECT `i`.`id`, `i`.`userid`, `i`.`total`, `i`.`duedate` FROM `tblinvoices` `i` \
             JOIN `tblclients` `c` ON `c`.`id` = `i`.`userid` \
             WHERE `i`.`status` = 'Unpaid' AND `i`.`total` > 0 AND `i`.`duedate` >= ? \
             AND `c`.`status` = 'Active' AND `i`.`userid` NOT IN ({PLANTED_CLIENTS}) \
             ORDER BY `i`.`id` DESC LIMIT 1"
        ),
        &[today.to_string().as_str().into()],
    )?;
    if let Some(row) = rows.first() {
        let (invoice, client, total, due) =
            (int(&row[0]), int(&row[1]), text(&row[2]), text(&row[3]));
        let paid_at = format!("{today} 00:00:00");
        execute(
            db,
            "UPDATE `tblinvoices` SET `status` = 'Paid', `datepaid` = ?, `updated_at` = ? \
             WHERE `id` = ?",
            &[
                paid_at.as_str().into(),
                stamp.as_str().into(),
                Value::Int(invoice),
            ],
        )?;
        execute(
            db,
            "INSERT INTO `tblaccounts` (`userid`, `currency`, `gateway`, `date`, `description`, \
             `amountin`, `fees`, `amountout`, `rate`, `transid`, `invoiceid`, `refundid`) \
             VALUES (?, 0, 'banktransfer', ?, 'Invoice Payment', ?, '0.00', '0.00', '1.00000', ?, ?, 0)",
            &[
                Value::Int(client),
                paid_at.as_str().into(),
                total.as_str().into(),
                format!("DEMO-{invoice}").as_str().into(),
                Value::Int(invoice),
            ],
        )?;
        done.push(format!(
            "client #{client} paid renewal invoice #{invoice} ({total}, due {due}) by bank transfer"
        ));
    }

    // A monthly service is cancelled and terminated yesterday.
    let excluded_products = settings
        .trial_products
        .iter()
        .map(i64::to_string)
        .chain(std::iter::once("0".to_string()))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = query(
        db,
        &format!(
            "SELECT `h`.`id`, `h`.`userid`, `h`.`amount` FROM `tblhosting` `h` \
             JOIN `tblclients` `c` ON `c`.`id` = `h`.`userid` \
             WHERE `h`.`domainstatus` = 'Active' AND `h`.`billingcycle` = 'Monthly' \
             AND `c`.`status` = 'Active' AND `h`.`promoid` = 0 \
             AND `h`.`packageid` NOT IN ({excluded_products}) \
             AND `h`.`nextduedate` > ? AND `h`.`nextduedate` <= ? \
             AND `h`.`userid` NOT IN ({PLANTED_CLIENTS}) \
             AND NOT EXISTS (SELECT 1 FROM `tblcancelrequests` `r` WHERE `r`.`relid` = `h`.`id`) \
             AND EXISTS (SELECT 1 FROM `tblinvoiceitems` `ii` JOIN `tblinvoices` `i` ON `i`.`id` = `ii`.`invoiceid` \
                         WHERE `ii`.`type` = 'Hosting' AND `ii`.`relid` = `h`.`id` AND `i`.`status` = 'Paid') \
             ORDER BY `h`.`id` LIMIT 1"
        ),
        &[
            (today + chrono::Duration::days(3))
                .to_string()
                .as_str()
                .into(),
            (today + chrono::Duration::days(25))
                .to_string()
                .as_str()
                .into(),
        ],
    )?;
    if let Some(row) = rows.first() {
        let (service, client, amount) = (int(&row[0]), int(&row[1]), text(&row[2]));
        // After the current period started, before the syncs' `now`: a churn ChartMogul
        // accepts and counts at once.
        let terminated = today - chrono::Duration::days(1);
        execute(
            db,
            "UPDATE `tblhosting` SET `domainstatus` = 'Cancelled', `termination_date` = ?, \
             `updated_at` = ? WHERE `id` = ?",
            &[
                terminated.to_string().as_str().into(),
                stamp.as_str().into(),
                Value::Int(service),
            ],
        )?;
        done.push(format!(
            "service #{service} (client #{client}, {amount} a month) was cancelled, terminated on {terminated}"
        ));
    }
    Ok(done)
}

/// WHMCS MRR per currency on `day`: every client's live services, addons and domains.
fn whmcs_totals(
    db: &mut dyn Db,
    settings: &Settings,
    day: NaiveDate,
) -> Result<ByCurrency, CliError> {
    let failed = |e: sync_core::db::DbError| CliError::failed(format!("cannot read WHMCS: {e}"));
    let mut reader = Reader::new(db);
    let (catalog, _) = reader.catalog().map_err(failed)?;
    let mut totals = ByCurrency::new();
    for page in reader.bundles() {
        for bundle in &page.map_err(failed)?.bundles {
            for (currency, mrr) in whmcs_mrr(bundle, &catalog, settings, day) {
                *totals.entry(currency).or_default() += mrr;
            }
        }
    }
    Ok(totals)
}

/// ChartMogul MRR per currency at the end of `day`, as the simulator computes it.
fn chartmogul_totals(sim: &sim::SimHandle, day: NaiveDate) -> Result<ByCurrency, CliError> {
    let v = sim
        .mrr_json(Some(&day.to_string()))
        .ok_or_else(|| CliError::failed("the simulator cannot compute MRR"))?;
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    for ds in v["data_sources"].as_object().into_iter().flatten() {
        for per_currency in ds.1["customers"].as_object().into_iter().flatten() {
            for (currency, mrr) in per_currency.1.as_object().into_iter().flatten() {
                *totals.entry(currency.clone()).or_default() += mrr.as_i64().unwrap_or(0);
            }
        }
    }
    Ok(totals)
}
