//! `whmcs-chartmogul reconcile`: after a sync WHMCS and ChartMogul MRR match (exit 0); a
//! change not synced yet shows up as a difference with its explanation (exit 3) until the
//! next sync.

mod cli_support;

use cli_support::*;
use sync_core::db::Value;

fn reconcile(source: &str, url: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["reconcile", "--whmcs", source, "--chartmogul-url", url];
    args.extend_from_slice(extra);
    cli(&args, Some(SECRET_KEY))
}

#[test]
fn mrr_matches_after_a_sync_and_an_unsynced_cancellation_is_explained() {
    let db = seeded("reconcile", 40);
    remove_planted_clients(&db.source);
    let sim = simulator();
    let url = sim.base_url();
    let out = sync(&db.source, &url, &[]);
    assert_eq!(code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));

    let out = reconcile(&db.source, &url, &["--json"]);
    let v = json(&out);
    assert_eq!(code(&out), 0, "{v:#}");
    assert_eq!(v["differences"], serde_json::json!([]));
    assert!(v["customers_compared"].as_u64().unwrap() > 10, "{v}");
    assert_eq!(v["customers_compared"], v["customers_matching"]);
    let totals = v["totals"].as_object().unwrap();
    assert!(!totals.is_empty());
    for (currency, t) in totals {
        assert_eq!(t["whmcs"], t["chartmogul"], "{currency}: {t}");
    }
    let human = reconcile(&db.source, &url, &[]);
    assert_eq!(code(&human), 0);
    assert!(
        stdout(&human).contains("Every customer matches"),
        "{}",
        stdout(&human)
    );

    // A live monthly service is terminated in WHMCS; ChartMogul has not heard of it yet.
    let today = seed_today();
    let mut conn = open(&db.source);
    let rows = conn
        .query(
            "SELECT `h`.`id`, `h`.`userid` FROM `tblhosting` `h` \
             JOIN `tblclients` `c` ON `c`.`id` = `h`.`userid` \
             WHERE `h`.`domainstatus` = 'Active' AND `h`.`billingcycle` = 'Monthly' \
             AND `c`.`status` = 'Active' AND `h`.`promoid` = 0 AND `h`.`packageid` <> 8 \
             AND `h`.`nextduedate` > ? AND `h`.`nextduedate` <= ? \
             AND NOT EXISTS (SELECT 1 FROM `tblcancelrequests` `r` WHERE `r`.`relid` = `h`.`id`) \
             AND EXISTS (SELECT 1 FROM `tblinvoiceitems` `ii` JOIN `tblinvoices` `i` ON `i`.`id` = `ii`.`invoiceid` \
                         WHERE `ii`.`type` = 'Hosting' AND `ii`.`relid` = `h`.`id` AND `i`.`status` = 'Paid') \
             ORDER BY `h`.`id` LIMIT 1",
            &[
                Value::Text((today + chrono::Duration::days(3)).to_string()),
                Value::Text((today + chrono::Duration::days(25)).to_string()),
            ],
        )
        .unwrap();
    let service: i64 = text(&rows[0][0]).parse().unwrap();
    let client: i64 = text(&rows[0][1]).parse().unwrap();
    let stamp = sync_core::state::format_time(now());
    conn.execute(
        "UPDATE `tblhosting` SET `domainstatus` = 'Cancelled', `termination_date` = ?, \
         `updated_at` = ? WHERE `id` = ?",
        &[
            Value::Text((today - chrono::Duration::days(1)).to_string()),
            Value::Text(stamp),
            Value::Int(service),
        ],
    )
    .unwrap();
    drop(conn);

    let out = reconcile(&db.source, &url, &["--json"]);
    assert_eq!(code(&out), 3, "{}", stdout(&out));
    let v = json(&out);
    let customer = format!("whmcs-client-{client}");
    let differences = v["differences"].as_array().unwrap();
    assert_eq!(differences.len(), 1, "{v:#}");
    let d = &differences[0];
    assert_eq!(d["customer"], customer.as_str());
    assert_eq!(d["client_id"], client);
    assert!(
        d["whmcs_mrr"].as_i64().unwrap() < d["chartmogul_mrr"].as_i64().unwrap(),
        "{d}"
    );
    assert!(
        d["explanations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("run whmcs-chartmogul sync")),
        "{d}"
    );
    let human = reconcile(&db.source, &url, &[]);
    assert_eq!(code(&human), 3);
    assert!(stdout(&human).contains(&customer), "{}", stdout(&human));

    // The next sync sends the cancellation, and the two sides agree again.
    let out = sync(&db.source, &url, &["--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["counts"]["cancellations"]["cancelled"], 1);
    let out = reconcile(&db.source, &url, &["--json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn reconcile_needs_a_key_and_reports_a_data_source_that_does_not_exist() {
    let db = seeded("reconcile-ds", 20);
    let sim = simulator();
    let out = cli(&["reconcile", "--whmcs", &db.source], None);
    assert_eq!(code(&out), 2, "{out:?}");

    let out = reconcile(&db.source, &sim.base_url(), &["--json"]);
    assert_eq!(code(&out), 3, "{}", stdout(&out));
    let v = json(&out);
    assert_eq!(v["data_source_found"], false);
    assert!(!v["differences"].as_array().unwrap().is_empty());
    assert!(!stdout(&out).contains(SECRET_KEY));
}
