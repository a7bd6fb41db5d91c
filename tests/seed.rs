//! `whmcs-chartmogul seed` end to end: the binary writes a database; these tests read it back
//! with plain SQL. Determinism (same seed → identical rows), the MariaDB target receiving the
//! same rows as SQLite, refusals, and invariants that only the written rows can show (ids in
//! date order, planted records pointing at real rows, merged and deleted clients).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::db;
use sync_core::db::{Db, Value};

/// The tables `seed` writes.
const TABLES: [&str; 27] = [
    "tblclients",
    "tblcurrencies",
    "tblclientgroups",
    "tblproductgroups",
    "tblproducts",
    "tblpricing",
    "tbladdons",
    "tbldomainpricing",
    "tblpromotions",
    "tbltax",
    "tblpaymentgateways",
    "tblconfiguration",
    "tblhosting",
    "tblhostingaddons",
    "tbldomains",
    "tblinvoices",
    "tblinvoiceitems",
    "tblaccounts",
    "tblcancelrequests",
    "tblupgrades",
    "tblorders",
    "tblcredit",
    "tblbillableitems",
    "seed_planted",
    "seed_expected_mrr",
    "seed_meta",
    "seed_events",
];

/// The scale the comparison tests seed: `small` unless `SEED_TEST_SCALE` says otherwise (e.g.
/// `medium` for a longer, stricter run).
fn scale() -> String {
    std::env::var("SEED_TEST_SCALE").unwrap_or_else(|_| "small".to_string())
}

fn seed(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_whmcs-chartmogul"))
        .arg("seed")
        .args(args)
        .output()
        .expect("run whmcs-chartmogul")
}

fn sqlite_path(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "seed-{tag}-{}-{}.db",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

/// A seeded SQLite file, removed when the test is done with it.
struct Seeded {
    path: PathBuf,
    source: String,
    out: Output,
}

impl Drop for Seeded {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
    }
}

fn seed_sqlite(tag: &str, extra: &[&str]) -> Seeded {
    let path = sqlite_path(tag);
    let source = format!("sqlite:{}", path.display());
    let scale = scale();
    let mut args = vec!["--scale", scale.as_str(), "--out", source.as_str()];
    args.extend_from_slice(extra);
    let out = seed(&args);
    assert!(
        out.status.success(),
        "seed failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    Seeded { path, source, out }
}

/// A value as text, the same for both drivers: MySQL hands DATE columns back with a midnight
/// time, SQLite as written.
fn text(v: &Value) -> String {
    let s = match v {
        Value::Null => "NULL".to_string(),
        Value::Int(i) => i.to_string(),
        Value::Text(s) => s.clone(),
        Value::Float(x) => format!("{x}"),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
    };
    match s.strip_suffix(" 00:00:00") {
        Some(date) if date.len() == 10 && date.as_bytes()[4] == b'-' => date.to_string(),
        _ => s,
    }
}

/// Every row of a table, rendered and sorted (row order is not part of the contract).
fn dump(db: &mut dyn Db, table: &str) -> Vec<String> {
    let mut rows: Vec<String> = db
        .query(&format!("SELECT * FROM `{table}`"), &[])
        .unwrap_or_else(|e| panic!("{table}: {e}"))
        .iter()
        .map(|r| r.iter().map(text).collect::<Vec<_>>().join("|"))
        .collect();
    rows.sort();
    rows
}

/// FNV-1a over a table's dump, so failures print short.
fn checksum(rows: &[String]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for r in rows {
        for b in r.bytes().chain([b'\n']) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn checksums(db: &mut dyn Db) -> BTreeMap<&'static str, (usize, u64)> {
    TABLES
        .iter()
        .map(|t| {
            let rows = dump(db, t);
            (*t, (rows.len(), checksum(&rows)))
        })
        .collect()
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Text(s) => s.parse().unwrap_or_else(|_| panic!("not an integer: {s}")),
        v => panic!("not an integer: {v}"),
    }
}

fn query(db: &mut dyn Db, sql: &str) -> Vec<Vec<Value>> {
    db.query(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[test]
fn the_same_seed_writes_the_same_rows_and_another_seed_does_not() {
    let (fa, fb, fc) = (
        seed_sqlite("a", &[]),
        seed_sqlite("b", &["--seed", "1"]),
        seed_sqlite("c", &["--seed", "2"]),
    );
    let summary = String::from_utf8_lossy(&fa.out.stdout);
    assert!(
        summary.contains("tblinvoices") && summary.contains("planted records"),
        "{summary}"
    );
    let (mut a, mut b, mut c) = (
        db::open(&fa.source).unwrap(),
        db::open(&fb.source).unwrap(),
        db::open(&fc.source).unwrap(),
    );
    let (sa, sb, sc) = (checksums(&mut *a), checksums(&mut *b), checksums(&mut *c));
    assert_eq!(sa, sb);
    assert_ne!(sa["tblinvoices"], sc["tblinvoices"]);
    assert_eq!(
        sa["tblproducts"], sc["tblproducts"],
        "the catalogue does not depend on the seed"
    );
}

#[test]
fn a_database_with_clients_is_refused_and_bad_usage_exits_2() {
    let seeded = seed_sqlite("refuse", &[]);
    let again = seed(&["--scale", "small", "--out", &seeded.source]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already has"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let bad = seed(&["--scale", "huge", "--out", "sqlite:/tmp/never.db"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = seed(&["--scale", "small", "--out", "postgres://x@y/z"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = seed(&[
        "--scale",
        "small",
        "--out",
        "sqlite:/tmp/never.db",
        "--today",
        "2026-13-01",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn written_rows_keep_whmcs_invariants() {
    let seeded = seed_sqlite("inv", &["--today", "2026-06-30"]);
    let mut db = db::open(&seeded.source).unwrap();
    let db = &mut *db;

    // Ids grow with dates, across clients.
    for (table, date) in [
        ("tblinvoices", "date"),
        ("tblaccounts", "date"),
        ("tblhosting", "regdate"),
        ("tblorders", "date"),
    ] {
        let rows = query(
            db,
            &format!("SELECT `id`, `{date}` FROM `{table}` ORDER BY `id`"),
        );
        assert!(rows.len() > 10, "{table}");
        let dates: Vec<String> = rows.iter().map(|r| text(&r[1])[..10].to_string()).collect();
        assert!(
            dates.windows(2).all(|w| w[0] <= w[1]),
            "{table} ids are not in date order"
        );
    }
    let rows = query(
        db,
        "SELECT i.`id`, v.`date` FROM `tblinvoiceitems` i JOIN `tblinvoices` v ON v.`id` = i.`invoiceid` ORDER BY i.`id`",
    );
    assert!(
        rows.windows(2).all(|w| text(&w[0][1]) <= text(&w[1][1])),
        "item ids follow invoice dates"
    );

    // Invoice totals: subtotal = Σ items, subtotal + tax + tax2 = total + credit (in cents).
    let cents = |v: &Value| -> i64 { sync_core::money::parse_cents(&text(v)).expect("money").0 };
    let sums: BTreeMap<i64, i64> = query(db, "SELECT `invoiceid`, `amount` FROM `tblinvoiceitems`")
        .iter()
        .fold(BTreeMap::new(), |mut m, r| {
            *m.entry(int(&r[0])).or_default() += cents(&r[1]);
            m
        });
    for r in query(
        db,
        "SELECT `id`, `subtotal`, `tax`, `tax2`, `total`, `credit`, `status` FROM `tblinvoices`",
    ) {
        let id = int(&r[0]);
        assert_eq!(
            sums.get(&id).copied().unwrap_or(0),
            cents(&r[1]),
            "invoice {id} subtotal"
        );
        assert_eq!(
            cents(&r[1]) + cents(&r[2]) + cents(&r[3]),
            cents(&r[4]) + cents(&r[5]),
            "invoice {id} total"
        );
    }

    // Every planted record points at a row that exists (orphans: at an item whose relid does not).
    let planted = query(
        db,
        "SELECT `table_name`, `record_id`, `column_name`, `kind` FROM `seed_planted`",
    );
    let kinds: BTreeSet<String> = planted.iter().map(|r| text(&r[3])).collect();
    assert_eq!(kinds.len(), 8, "{kinds:?}");
    for r in &planted {
        let (table, id, kind) = (text(&r[0]), int(&r[1]), text(&r[3]));
        let n = query(
            db,
            &format!("SELECT COUNT(*) FROM `{table}` WHERE `id` = {id}"),
        );
        assert_eq!(int(&n[0][0]), 1, "{table} #{id} ({kind})");
        if kind == "orphan_item" {
            let item = query(
                db,
                &format!("SELECT `type`, `relid` FROM `tblinvoiceitems` WHERE `id` = {id}"),
            );
            let target = if text(&item[0][0]) == "Hosting" {
                "tblhosting"
            } else {
                "tblhostingaddons"
            };
            let n = query(
                db,
                &format!(
                    "SELECT COUNT(*) FROM `{target}` WHERE `id` = {}",
                    int(&item[0][1])
                ),
            );
            assert_eq!(
                int(&n[0][0]),
                0,
                "orphan item {id} points at an existing row"
            );
        }
    }

    // Merged and deleted clients are gone; a merged client's rows belong to the target.
    let events = query(
        db,
        "SELECT `kind`, `client_id`, `other_client_id` FROM `seed_events`",
    );
    assert!(
        events.iter().any(|e| text(&e[0]) == "merge")
            && events.iter().any(|e| text(&e[0]) == "delete")
    );
    for e in &events {
        let gone = int(&e[1]);
        for (table, col) in [
            ("tblclients", "id"),
            ("tblinvoices", "userid"),
            ("tblhosting", "userid"),
            ("tblaccounts", "userid"),
        ] {
            let n = query(
                db,
                &format!("SELECT COUNT(*) FROM `{table}` WHERE `{col}` = {gone}"),
            );
            assert_eq!(int(&n[0][0]), 0, "{table} still has rows of client {gone}");
        }
        if text(&e[0]) == "merge" {
            let into = int(&e[2]);
            let n = query(
                db,
                &format!("SELECT COUNT(*) FROM `tblclients` WHERE `id` = {into}"),
            );
            assert_eq!(int(&n[0][0]), 1);
        }
    }

    // Expected MRR rows name existing clients in their own currency; meta names the settings.
    let rows = query(
        db,
        "SELECT e.`client_id`, e.`currency`, c.`code` FROM `seed_expected_mrr` e \
         JOIN `tblclients` k ON k.`id` = e.`client_id` JOIN `tblcurrencies` c ON c.`id` = k.`currency`",
    );
    assert_eq!(
        rows.len(),
        int(&query(db, "SELECT COUNT(*) FROM `seed_expected_mrr`")[0][0]) as usize
    );
    assert!(rows.iter().all(|r| text(&r[1]) == text(&r[2])));
    let meta: BTreeMap<String, String> = query(db, "SELECT `key`, `value` FROM `seed_meta`")
        .iter()
        .map(|r| (text(&r[0]), text(&r[1])))
        .collect();
    assert_eq!(meta["today"], "2026-06-30");
    let settings = sync_core::Settings::from_toml(&meta["settings_toml"]).expect("settings");
    assert_eq!(
        settings.trial_products,
        vec![meta["trial_product_ids"].parse::<i64>().unwrap()]
    );

    // Refunds point at payments and never exceed them.
    let rows = query(
        db,
        "SELECT r.`id`, r.`amountout`, p.`amountin` FROM `tblaccounts` r JOIN `tblaccounts` p ON p.`id` = r.`refundid` WHERE r.`refundid` > 0",
    );
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| cents(&r[1]) <= cents(&r[2])));
}

#[test]
fn mariadb_receives_the_same_rows_as_sqlite() {
    let m = common::mariadb();
    let name = format!("seed_{}", std::process::id());
    let mut admin = db::open(&m.url("whmcs")).expect("connect to MariaDB");
    admin
        .execute(
            &format!("CREATE DATABASE `{name}` CHARACTER SET utf8 COLLATE utf8_unicode_ci"),
            &[],
        )
        .expect("create database");
    let url = m.url(&name);
    let out = seed(&["--scale", &scale(), "--out", &url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seeded = seed_sqlite("same", &[]);
    let mut my = db::open(&url).unwrap();
    let mut lite = db::open(&seeded.source).unwrap();
    let (a, b) = (checksums(&mut *my), checksums(&mut *lite));
    for t in TABLES {
        assert_eq!(
            a[t], b[t],
            "{t}: (rows, checksum) differ between MariaDB and SQLite"
        );
    }
    let again = seed(&["--scale", "small", "--out", &url]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "a seeded MariaDB database is refused"
    );
    admin
        .execute(&format!("DROP DATABASE `{name}`"), &[])
        .expect("drop database");
}
