//! The whole mapping over a seeded WHMCS database: it runs without a panic, and the
//! per-record problems it reports are exactly the bad records the seed planted — no planted
//! record missed, nothing else flagged.
//!
//! Scale: `medium` (≈ 2,000 clients) unless `WHMCS_SEED_SCALE` says otherwise.

use std::collections::BTreeSet;
use std::process::Command;

use chrono::{NaiveDate, TimeZone, Utc};
use sync_core::Settings;
use sync_core::db::{Db, Value};
use sync_core::map::{MapContext, map_client};
use sync_core::read::Reader;

fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        other => panic!("unexpected value {other:?}"),
    }
}

fn meta(db: &mut dyn Db, key: &str) -> String {
    let rows = db
        .query(
            "SELECT `value` FROM `seed_meta` WHERE `key` = ?",
            &[key.into()],
        )
        .unwrap();
    text(
        &rows
            .first()
            .unwrap_or_else(|| panic!("seed_meta has no {key}"))[0],
    )
}

#[test]
fn mapping_the_seeded_database_reports_exactly_the_planted_bad_records() {
    let scale = std::env::var("WHMCS_SEED_SCALE").unwrap_or_else(|_| "medium".to_string());
    let dir = std::env::temp_dir().join(format!("map-seeded-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("whmcs.db");
    let _ = std::fs::remove_file(&path);
    let source = format!("sqlite:{}", path.display());
    let status = Command::new(env!("CARGO_BIN_EXE_whmcs-chartmogul"))
        .args(["seed", "--scale", &scale, "--out", &source])
        .status()
        .unwrap();
    assert!(status.success(), "seed failed: {status}");

    let mut db = whmcs_chartmogul::db::open(&source).unwrap();
    let settings = Settings::from_toml(&meta(db.as_mut(), "settings_toml")).unwrap();
    let today = NaiveDate::parse_from_str(&meta(db.as_mut(), "today"), "%Y-%m-%d").unwrap();
    let now = Utc.from_utc_datetime(&today.and_hms_opt(0, 0, 0).unwrap());
    let planted: BTreeSet<(String, i64, String)> = db
        .query(
            "SELECT `table_name`, `record_id`, `kind` FROM `seed_planted`",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (text(&r[0]), text(&r[1]).parse().unwrap(), text(&r[2])))
        .collect();
    let planted_kinds: BTreeSet<&str> = planted.iter().map(|p| p.2.as_str()).collect();
    for kind in [
        "invalid_country",
        "missing_email",
        "missing_lead_date",
        "unknown_cycle",
        "orphan_item",
        "period_from_description",
        "period_from_invoice_date",
        "unknown_item_type",
    ] {
        assert!(planted_kinds.contains(kind), "the seed planted no {kind}");
    }

    let mut reader = Reader::new(db);
    let (catalog, catalog_errors) = reader.catalog().unwrap();
    assert!(catalog_errors.is_empty(), "{catalog_errors:?}");
    let ctx = MapContext::new(&catalog, &settings, now).unwrap();

    let expected: std::collections::BTreeMap<(i64, String), i64> = {
        let mut db = whmcs_chartmogul::db::open(&source).unwrap();
        db.query(
            "SELECT `client_id`, `currency`, `mrr_cents` FROM `seed_expected_mrr`",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| {
            (
                (text(&r[0]).parse().unwrap(), text(&r[1])),
                text(&r[2]).parse().unwrap(),
            )
        })
        .filter(|(_, v): &(_, i64)| *v != 0)
        .collect()
    };
    let mut whmcs_side = std::collections::BTreeMap::new();
    let mut chartmogul_side = std::collections::BTreeMap::new();
    let mut reported: BTreeSet<(String, i64, String)> = BTreeSet::new();
    let (mut clients, mut invoices, mut lines) = (0usize, 0usize, 0usize);
    for page in reader.bundles() {
        let page = page.unwrap();
        for e in &page.errors {
            reported.insert((e.record.table.clone(), e.record.id, e.kind.clone()));
        }
        for bundle in &page.bundles {
            let export = map_client(bundle, &ctx);
            for (currency, mrr) in sync_core::mrr::whmcs_mrr(bundle, &catalog, &settings, today) {
                whmcs_side.insert((bundle.client.id, currency), mrr);
            }
            for (currency, mrr) in sync_core::mrr::projected_mrr(&export, now) {
                chartmogul_side.insert((bundle.client.id, currency), mrr);
            }
            clients += 1;
            invoices += export.invoices.len();
            lines += export
                .invoices
                .iter()
                .map(|i| i.line_items.len())
                .sum::<usize>();
            for e in &export.issues {
                reported.insert((e.record.table.clone(), e.record.id, e.kind.clone()));
            }
        }
    }
    assert!(
        clients > 100 && invoices > clients && lines >= invoices,
        "{clients} clients, {invoices} invoices, {lines} lines"
    );

    let missed: Vec<_> = planted.difference(&reported).collect();
    let unexpected: Vec<_> = reported.difference(&planted).collect();
    assert!(
        missed.is_empty() && unexpected.is_empty(),
        "planted but not reported: {missed:?}\nreported but not planted: {unexpected:?}"
    );
    // MRR three ways: the seed's own figure, WHMCS's services, and what ChartMogul will compute.
    let diff = |a: &std::collections::BTreeMap<(i64, String), i64>| {
        let keys: BTreeSet<&(i64, String)> = a.keys().chain(expected.keys()).collect();
        keys.into_iter()
            .filter(|k| a.get(*k) != expected.get(*k))
            .map(|k| (k.clone(), expected.get(k).copied(), a.get(k).copied()))
            .collect::<Vec<_>>()
    };
    let w = diff(&whmcs_side);
    assert!(
        w.is_empty(),
        "WHMCS-side MRR differs for {} clients, e.g. {:?}",
        w.len(),
        &w[..w.len().min(5)]
    );
    let c = diff(&chartmogul_side);
    assert!(
        c.is_empty(),
        "projected ChartMogul MRR differs for {} clients, e.g. {:?}",
        c.len(),
        &c[..c.len().min(5)]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
