//! The whole engine — read → map → plan → send → record — from a seeded WHMCS database into
//! the simulator: ChartMogul's MRR equals the seed's expected MRR for every customer and
//! currency, and a second sync sends no writes.
//!
//! Scale: `small` unless `WHMCS_SEED_SCALE` says otherwise.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use http_transport::HttpTransport;
use sync_core::Settings;
use sync_core::chartmogul::Client;
use sync_core::db::{Db, Value};
use sync_core::engine::{self, Budget, Mode, RunRequest, SyncConfig};
use whmcs_chartmogul::sim::{self, SimOptions};

mod common;

fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        other => panic!("unexpected value {other:?}"),
    }
}

fn scale() -> String {
    std::env::var("WHMCS_SEED_SCALE").unwrap_or_else(|_| "small".to_string())
}

fn seed_into(source: &str) {
    let status = Command::new(env!("CARGO_BIN_EXE_whmcs-chartmogul"))
        .args(["seed", "--scale", &scale(), "--out", source])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

/// A seeded SQLite database in a temp dir (removed by the caller).
fn seeded(name: &str) -> (String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let source = format!("sqlite:{}", dir.join("whmcs.db").display());
    seed_into(&source);
    (source, dir)
}

/// A seeded database on the test MariaDB.
fn seeded_mariadb(name: &str) -> String {
    let m = common::mariadb();
    let database = format!("{name}_{}", std::process::id());
    let mut admin = whmcs_chartmogul::db::open(&m.url("whmcs")).unwrap();
    admin
        .execute(
            &format!("CREATE DATABASE `{database}` CHARACTER SET utf8 COLLATE utf8_unicode_ci"),
            &[],
        )
        .unwrap();
    let url = m.url(&database);
    seed_into(&url);
    url
}

/// A seeded database, the mapping settings the seed expects and the seed's "today".
fn open_seeded(source: &str) -> (Box<dyn Db>, Settings, String) {
    let mut db = whmcs_chartmogul::db::open(source).unwrap();
    let settings = Settings::from_toml(&meta(db.as_mut(), "settings_toml")).unwrap();
    let today = meta(db.as_mut(), "today");
    (db, settings, today)
}

/// `today` (YYYY-MM-DD) at `hour`:00 UTC.
fn at(today: &str, hour: u32) -> chrono::DateTime<Utc> {
    let day = NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap();
    Utc.from_utc_datetime(&day.and_hms_opt(hour, 0, 0).unwrap())
}

/// A simulator that processes bulk imports almost at once.
fn fast_sim() -> sim::SimHandle {
    sim::start(SimOptions {
        bulk_processing_delay: Duration::from_millis(5),
        ..SimOptions::default()
    })
    .unwrap()
}

fn meta(db: &mut dyn Db, key: &str) -> String {
    text(
        &db.query(
            "SELECT `value` FROM `seed_meta` WHERE `key` = ?",
            &[key.into()],
        )
        .unwrap()[0][0],
    )
}

fn client(base_url: &str) -> Client<HttpTransport> {
    common::sim_client(base_url)
}

fn expected_mrr(db: &mut dyn Db) -> BTreeMap<(String, String), i64> {
    db.query(
        "SELECT `client_id`, `currency`, `mrr_cents` FROM `seed_expected_mrr`",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| {
        (
            (format!("whmcs-client-{}", text(&r[0])), text(&r[1])),
            text(&r[2]).parse().unwrap(),
        )
    })
    .filter(|(_, mrr)| *mrr != 0)
    .collect()
}

fn sim_mrr(sim: &sim::SimHandle, date: &str) -> BTreeMap<(String, String), i64> {
    let v = sim.mrr_json(Some(date)).expect("a valid date");
    let mut out = BTreeMap::new();
    for ds in v["data_sources"].as_object().unwrap().values() {
        for (customer, per_currency) in ds["customers"].as_object().unwrap() {
            for (currency, mrr) in per_currency.as_object().unwrap() {
                out.insert((customer.clone(), currency.clone()), mrr.as_i64().unwrap());
            }
        }
    }
    out
}

#[test]
fn a_full_sync_from_sqlite_into_the_simulator_reproduces_the_expected_mrr_and_a_second_sync_writes_nothing()
 {
    let (source, dir) = seeded("sync-sim");
    full_sync_reproduces_the_expected_mrr(&source);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_full_sync_from_mariadb_into_the_simulator_reproduces_the_expected_mrr_and_a_second_sync_writes_nothing()
 {
    full_sync_reproduces_the_expected_mrr(&seeded_mariadb("sync_sim"));
}

fn full_sync_reproduces_the_expected_mrr(source: &str) {
    let (mut db, settings, today) = open_seeded(source);
    let now = at(&today, 0);
    let sim = fast_sim();
    let mut client = client(&sim.base_url());
    let config = SyncConfig {
        page_size: 50,
        bulk_max_customers: 80,
        ..SyncConfig::default()
    };
    let request = RunRequest {
        mode: Mode::Full,
        budget: Budget::default(),
        now,
    };

    // A dry run first: it sends nothing and predicts ChartMogul's MRR exactly.
    let dry = SyncConfig {
        dry_run: true,
        ..config.clone()
    };
    let preview = engine::run(&mut db, &mut client, &settings, &dry, request, &mut |_| {}).unwrap();
    assert_eq!(client.stats().requests, 0);
    assert!(preview.counts["customers"].created > 100, "{preview:?}");
    let projected: BTreeMap<(String, String), i64> = preview
        .projected_mrr
        .iter()
        .flat_map(|(c, m)| m.iter().map(move |(cur, v)| ((c.clone(), cur.clone()), *v)))
        .collect();
    assert_eq!(projected, expected_mrr(db.as_mut()));

    let first = engine::run(
        &mut db,
        &mut client,
        &settings,
        &config,
        request,
        &mut |_| {},
    )
    .unwrap();
    assert!(first.finished);
    assert!(first.counts["customers"].created > 100, "{first:?}");
    let expected = expected_mrr(db.as_mut());
    let actual = sim_mrr(&sim, &today);
    let differing: Vec<_> = expected
        .iter()
        .filter(|(k, v)| actual.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), *v, actual.get(k).copied()))
        .collect();
    let extra: Vec<_> = actual
        .iter()
        .filter(|(k, _)| !expected.contains_key(*k))
        .collect();
    assert!(
        differing.is_empty() && extra.is_empty(),
        "{} of {} customers differ, e.g. {:?}; extra in ChartMogul: {:?}",
        differing.len(),
        expected.len(),
        &differing[..differing.len().min(5)],
        &extra[..extra.len().min(5)]
    );

    let writes_before = client.stats().writes;
    let second = engine::run(
        &mut db,
        &mut client,
        &settings,
        &config,
        request,
        &mut |_| {},
    )
    .unwrap();
    assert!(second.finished);
    assert_eq!(
        client.stats().writes,
        writes_before,
        "the second sync wrote: {second:?}"
    );
    let after = engine::run(&mut db, &mut client, &settings, &dry, request, &mut |_| {}).unwrap();
    assert!(
        after.counts.is_empty(),
        "a dry run after a full sync still plans writes: {:?}",
        after.counts
    );
}

/// Per customer and currency, the MRR WHMCS's services give (what reconciliation compares).
fn whmcs_mrr(
    db: &mut dyn Db,
    settings: &Settings,
    today: NaiveDate,
) -> BTreeMap<(String, String), i64> {
    let mut reader = sync_core::read::Reader::new(db);
    let (catalog, _) = reader.catalog().unwrap();
    let mut out = BTreeMap::new();
    for page in reader.bundles() {
        for b in page.unwrap().bundles {
            for (cur, v) in sync_core::mrr::whmcs_mrr(&b, &catalog, settings, today) {
                out.insert((format!("whmcs-client-{}", b.client.id), cur), v);
            }
        }
    }
    out
}

fn first_row(db: &mut dyn Db, sql: &str) -> Vec<String> {
    db.query(sql, &[])
        .unwrap()
        .first()
        .unwrap_or_else(|| panic!("no row for {sql}"))
        .iter()
        .map(text)
        .collect()
}

#[test]
fn an_incremental_sync_sends_each_change_of_section_8_and_then_nothing() {
    let (source, dir) = seeded("sync-incremental");
    let (mut db, settings, today_text) = open_seeded(&source);
    let today = NaiveDate::parse_from_str(&today_text, "%Y-%m-%d").unwrap();
    let now = at(&today_text, 23);
    let sim = fast_sim();
    let mut client = client(&sim.base_url());
    let config = SyncConfig {
        page_size: 50,
        ..SyncConfig::default()
    };
    let full = RunRequest {
        mode: Mode::Full,
        budget: Budget::default(),
        now,
    };
    let incremental = RunRequest {
        mode: Mode::Incremental,
        ..full
    };
    engine::run(&mut db, &mut client, &settings, &config, full, &mut |_| {}).unwrap();

    // Changes an admin makes in WHMCS after the backfill.
    let stamp = "2026-11-01 23:30:00";
    let active = first_row(
        db.as_mut(),
        "SELECT `h`.`id`, `h`.`userid` FROM `tblhosting` `h` WHERE `h`.`domainstatus` = 'Active' AND `h`.`billingcycle` = 'Monthly' AND EXISTS (SELECT 1 FROM `seed_expected_mrr` `e` WHERE `e`.`client_id` = `h`.`userid`) ORDER BY `h`.`id` LIMIT 1",
    );
    let paid = first_row(
        db.as_mut(),
        "SELECT `a`.`id`, `a`.`userid`, `a`.`invoiceid`, `a`.`amountin` FROM `tblaccounts` `a` JOIN `tblinvoices` `i` ON `i`.`id` = `a`.`invoiceid` WHERE `i`.`status` = 'Paid' AND `a`.`amountin` > 5 AND NOT EXISTS (SELECT 1 FROM `tblaccounts` `r` WHERE `r`.`refundid` = `a`.`id`) ORDER BY `a`.`id` DESC LIMIT 1",
    );
    let voided = first_row(
        db.as_mut(),
        "SELECT `id` FROM `tblinvoices` WHERE `status` = 'Paid' AND `userid` <> 0 ORDER BY `id` LIMIT 1",
    );
    let edited = first_row(
        db.as_mut(),
        "SELECT `id` FROM `tblclients` WHERE `email` <> '' ORDER BY `id` DESC LIMIT 1",
    );
    let exec = |db: &mut Box<dyn Db>, sql: &str, params: &[Value]| {
        db.execute(sql, params).unwrap();
    };
    exec(
        &mut db,
        "UPDATE `tblclients` SET `email` = ?, `updated_at` = ? WHERE `id` = ?",
        &[
            "changed@example.com".into(),
            stamp.into(),
            Value::Int(edited[0].parse().unwrap()),
        ],
    );
    exec(
        &mut db,
        "UPDATE `tblhosting` SET `domainstatus` = 'Cancelled', `termination_date` = ?, `updated_at` = ? WHERE `id` = ?",
        &[
            today_text.clone().into(),
            stamp.into(),
            Value::Int(active[0].parse().unwrap()),
        ],
    );
    exec(
        &mut db,
        "UPDATE `tblinvoices` SET `status` = 'Cancelled', `updated_at` = ? WHERE `id` = ?",
        &[stamp.into(), Value::Int(voided[0].parse().unwrap())],
    );
    let next_id: i64 = first_row(db.as_mut(), "SELECT MAX(`id`) + 1 FROM `tblaccounts`")[0]
        .parse()
        .unwrap();
    exec(
        &mut db,
        "INSERT INTO `tblaccounts` (`id`, `userid`, `currency`, `gateway`, `date`, `description`, `amountin`, `fees`, `amountout`, `rate`, `transid`, `invoiceid`, `refundid`) VALUES (?, ?, 0, 'stripe', ?, 'Partial refund', '0.00', '0.00', '5.00', '1.00000', 're_1', ?, ?)",
        &[
            Value::Int(next_id),
            Value::Int(paid[1].parse().unwrap()),
            stamp.into(),
            Value::Int(paid[2].parse().unwrap()),
            Value::Int(paid[0].parse().unwrap()),
        ],
    );

    let report = engine::run(
        &mut db,
        &mut client,
        &settings,
        &config,
        incremental,
        &mut |_| {},
    )
    .unwrap();
    assert!(report.finished);
    let c = |kind: &str| report.counts.get(kind).copied().unwrap_or_default();
    assert!(c("customers").updated >= 1, "{report:?}");
    assert!(c("transactions").created >= 1, "{report:?}");
    assert!(c("invoices").updated >= 1, "{report:?}");
    assert!(c("cancellations").cancelled >= 1, "{report:?}");
    assert!(
        report.clients <= 30,
        "an incremental run should only touch changed clients: {}",
        report.clients
    );

    let expected = whmcs_mrr(db.as_mut(), &settings, today);
    assert!(
        !expected.contains_key(&(format!("whmcs-client-{}", active[1]), "USD".to_string()))
            || expected.len() > 1
    );
    let actual = sim_mrr(&sim, &today_text);
    let differing: Vec<_> = expected
        .iter()
        .filter(|(k, v)| actual.get(*k) != Some(*v))
        .collect();
    assert!(
        differing.is_empty() && actual.len() == expected.len(),
        "MRR differs after the incremental sync: {:?}",
        &differing[..differing.len().min(5)]
    );

    let writes = client.stats().writes;
    let again = engine::run(
        &mut db,
        &mut client,
        &settings,
        &config,
        incremental,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(client.stats().writes, writes, "{again:?}");
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_backfill_in_bounded_steps_resumes_each_time_and_ends_like_one_run() {
    let (source, dir) = seeded("sync-steps");
    let (mut db, settings, today) = open_seeded(&source);
    let now = at(&today, 0);
    let sim = fast_sim();
    let mut client = client(&sim.base_url());
    let config = SyncConfig {
        page_size: 20,
        ..SyncConfig::default()
    };
    let step = RunRequest {
        mode: Mode::Incremental,
        budget: Budget {
            max_clients: Some(30),
            max_time: None,
        },
        now,
    };
    let mut steps = 0;
    let mut last_done = 0;
    loop {
        let mut seen = None;
        let report = engine::run(&mut db, &mut client, &settings, &config, step, &mut |p| {
            seen = Some(*p)
        })
        .unwrap();
        steps += 1;
        if let Some(p) = seen {
            assert!(
                p.clients_done > last_done && p.clients_done <= p.clients_total,
                "progress must move forward: {p:?}"
            );
            last_done = p.clients_done;
        }
        if report.finished {
            break;
        }
        assert!(steps < 100, "the backfill never finishes");
    }
    assert!(
        steps >= 6,
        "200 clients in steps of 30 take at least 7 steps, took {steps}"
    );
    assert_eq!(sim_mrr(&sim, &today), expected_mrr(db.as_mut()));
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_full_run_purges_log_entries_older_than_the_retention() {
    use sync_core::state::{LogFilter, LogLevel, NewLogEntry, State};
    let (source, dir) = seeded("sync-retention");
    let (mut db, settings, today) = open_seeded(&source);
    let now = at(&today, 0);
    {
        let mut state = State::new(&mut db);
        state.migrate().unwrap();
        state
            .set_setting(engine::LOG_RETENTION_SETTING, "30", now)
            .unwrap();
        let entry = |message: &str| NewLogEntry {
            level: LogLevel::Info,
            kind: "test".into(),
            record: None,
            message: message.into(),
            chartmogul_message: None,
            run_id: None,
        };
        state
            .log(&entry("old"), now - chrono::Duration::days(31))
            .unwrap();
        state
            .log(&entry("recent"), now - chrono::Duration::days(29))
            .unwrap();
    }
    let sim = fast_sim();
    let mut client = client(&sim.base_url());
    let request = RunRequest {
        mode: Mode::Full,
        budget: Budget::default(),
        now,
    };
    engine::run(
        &mut db,
        &mut client,
        &settings,
        &SyncConfig::default(),
        request,
        &mut |_| {},
    )
    .unwrap();
    let mut state = State::new(&mut db);
    let kept: Vec<String> = state
        .query_log(&LogFilter {
            kind: Some("test".into()),
            ..LogFilter::default()
        })
        .unwrap()
        .entries
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(kept, vec!["recent".to_string()]);
    drop(state);
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}
