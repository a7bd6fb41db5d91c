//! `whmcs-chartmogul sync` end to end: the real binary against a seeded SQLite WHMCS database
//! and an in-process ChartMogul simulator — exit statuses 0/1/2/3, the `--json` object, a
//! second sync that writes nothing, the lock, and no API key in any output.

mod cli_support;

use std::time::Duration;

use cli_support::*;
use sync_core::state::{LockOutcome, State};

#[test]
fn a_missing_api_key_is_a_usage_error_with_a_clear_message() {
    let db = seeded("nokey", 10);
    let out = cli(&["sync", "--whmcs", &db.source], None);
    assert_eq!(code(&out), 2, "{out:?}");
    assert!(
        stderr(&out).contains("CHARTMOGUL_API_KEY"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());

    // With --json the error is the one object on stdout.
    let out = cli(&["sync", "--whmcs", &db.source, "--json"], None);
    assert_eq!(code(&out), 2);
    let v = json(&out);
    assert_eq!(v["error"]["exit_code"], 2);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--api-key")
    );
}

#[test]
fn a_bad_config_file_is_a_usage_error_naming_the_key() {
    let db = seeded("badconfig", 10);
    let config = db.dir.join("mapping.toml");
    std::fs::write(&config, "timezone = \"UTC\"\nchurn_on = \"termination\"\n").unwrap();
    let out = sync(
        &db.source,
        &dead_url(),
        &["--config", config.to_str().unwrap()],
    );
    assert_eq!(code(&out), 2, "{out:?}");
    assert!(stderr(&out).contains("churn_on"), "{}", stderr(&out));

    std::fs::write(&config, "export_leads = \"yes\"\n").unwrap();
    let out = sync(
        &db.source,
        &dead_url(),
        &["--config", config.to_str().unwrap()],
    );
    assert_eq!(code(&out), 2, "{out:?}");
    assert!(stderr(&out).contains("mapping.toml"), "{}", stderr(&out));
}

#[test]
fn bad_sources_are_usage_errors() {
    for source in [
        "https://whmcs.example.com/includes/api.php",
        "postgres://x@y/z",
        "sqlite:/nonexistent/dir/whmcs.db",
    ] {
        let out = cli(&["sync", "--whmcs", source, "--api-key", SECRET_KEY], None);
        assert_eq!(code(&out), 2, "{source}: {out:?}");
    }
}

#[test]
fn an_unreachable_chartmogul_fails_with_exit_1_and_never_shows_the_key() {
    let db = seeded("unreachable", 10);
    let url = dead_url();
    let out = sync(&db.source, &url, &["--retry-budget", "1"]);
    assert_eq!(code(&out), 1, "{out:?}");
    let err = stderr(&out);
    assert!(err.contains("cannot reach ChartMogul"), "{err}");
    assert!(err.contains(&url), "{err}");
    assert!(err.contains("Nothing is lost"), "{err}");
    assert!(!err.contains(SECRET_KEY) && !stdout(&out).contains(SECRET_KEY));

    // The same through --api-key and --json.
    let out = cli(
        &[
            "sync",
            "--whmcs",
            &db.source,
            "--chartmogul-url",
            &url,
            "--api-key",
            SECRET_KEY,
            "--retry-budget",
            "1",
            "--json",
        ],
        None,
    );
    assert_eq!(code(&out), 1);
    assert_eq!(json(&out)["error"]["exit_code"], 1);
    assert!(!stdout(&out).contains(SECRET_KEY) && !stderr(&out).contains(SECRET_KEY));

    // The failed runs are recorded, and their errors hold no key either.
    let status = cli(&["status", "--whmcs", &db.source, "--json"], None);
    assert_eq!(code(&status), 0);
    let v = json(&status);
    assert_eq!(v["runs"][0]["status"], "failed");
    assert!(!stdout(&status).contains(SECRET_KEY));
}

#[test]
fn planted_bad_records_finish_with_exit_3_and_each_is_listed() {
    let db = seeded("planted", 40);
    let sim = simulator();
    let (table, id) = planted(&db.source, "unknown_cycle");
    let out = sync(&db.source, &sim.base_url(), &[]);
    assert_eq!(code(&out), 3, "{}\n{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(&format!("{table} #{id}")), "{text}");
    assert!(text.contains("unknown_cycle"), "{text}");
    assert!(text.contains("customers"), "{text}");
    assert!(!text.contains(SECRET_KEY));
}

#[test]
fn a_clean_sync_exits_0_with_one_json_object_and_a_second_sync_writes_nothing() {
    let db = seeded("clean", 40);
    remove_planted_clients(&db.source);
    let sim = simulator();
    let url = sim.base_url();

    let first = sync(&db.source, &url, &["--json"]);
    assert_eq!(code(&first), 0, "{}\n{}", stdout(&first), stderr(&first));
    let v = json(&first);
    for key in [
        "counts",
        "rejected",
        "requests",
        "duration_ms",
        "finished",
        "run_id",
    ] {
        assert!(v.get(key).is_some(), "no {key} in {v}");
    }
    for kind in [
        "plans",
        "customers",
        "invoices",
        "transactions",
        "cancellations",
    ] {
        for field in ["created", "updated", "deleted", "cancelled"] {
            assert!(
                v["counts"][kind][field].is_u64(),
                "counts.{kind}.{field} in {v}"
            );
        }
    }
    assert!(
        v["counts"]["customers"]["created"].as_u64().unwrap() > 20,
        "{v}"
    );
    assert!(
        v["counts"]["invoices"]["created"].as_u64().unwrap() > 100,
        "{v}"
    );
    assert_eq!(v["rejected"], serde_json::json!([]));
    assert_eq!(v["finished"], true);
    assert!(v["requests"].as_u64().unwrap() > 0);
    let writes = sim.state_json()["counters"]["writes"].clone();
    assert!(writes.as_u64().unwrap() > 0);

    for extra in [&["--json"][..], &["--json", "--full"][..]] {
        let again = sync(&db.source, &url, extra);
        assert_eq!(code(&again), 0, "{extra:?}: {}", stderr(&again));
        let v = json(&again);
        for (kind, c) in v["counts"].as_object().unwrap() {
            assert_eq!(c["created"], 0, "{extra:?}: {kind} created again: {v}");
            assert_eq!(c["updated"], 0, "{extra:?}: {kind} updated again: {v}");
        }
        assert!(v["run_id"].as_i64().unwrap() > 1);
    }
    assert_eq!(
        sim.state_json()["counters"]["writes"],
        writes,
        "the later syncs wrote to ChartMogul"
    );
}

#[test]
fn a_sync_while_another_holds_the_lock_fails_with_exit_1() {
    let db = seeded("locked", 10);
    let sim = simulator();
    let mut conn = open(&db.source);
    let mut state = State::new(&mut conn);
    state.migrate().unwrap();
    let taken = state
        .try_lock(
            "sync",
            "web1:4242",
            now(),
            Duration::from_secs(600),
            &|_: &str| false,
        )
        .unwrap();
    assert_eq!(taken, LockOutcome::Acquired);
    drop(state);
    drop(conn);

    let out = sync(&db.source, &sim.base_url(), &[]);
    assert_eq!(code(&out), 1, "{out:?}");
    assert!(
        stderr(&out).contains("another sync is running (web1:4242)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_dry_run_sends_and_records_nothing_and_projects_the_mrr_chartmogul_then_shows() {
    let db = seeded("dryrun", 40);
    let sim = simulator();
    let url = sim.base_url();
    // No key needed: a dry run never contacts ChartMogul.
    let out = cli(
        &[
            "sync",
            "--whmcs",
            &db.source,
            "--chartmogul-url",
            &url,
            "--dry-run",
            "--json",
        ],
        None,
    );
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["run_id"], serde_json::Value::Null);
    assert!(
        v["counts"]["customers"]["created"].as_u64().unwrap() > 20,
        "{v}"
    );
    assert!(
        v["counts"]["invoices"]["created"].as_u64().unwrap() > 100,
        "{v}"
    );
    let (table, id) = planted(&db.source, "unknown_cycle");
    let record = format!("{table} #{id}");
    assert!(
        v["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["record"] == record.as_str() && r["kind"] == "unknown_cycle"),
        "{v}"
    );
    let projected = v["projected_mrr"].as_object().unwrap().clone();
    assert!(projected.len() > 10, "{v}");
    assert!(!v["projected_mrr_totals"].as_object().unwrap().is_empty());
    assert_eq!(sim.state_json()["counters"]["requests"], 0);
    let status = json(&cli(&["status", "--whmcs", &db.source, "--json"], None));
    assert_eq!(
        status["runs"],
        serde_json::json!([]),
        "a dry run was recorded"
    );

    let human = cli(&["sync", "--whmcs", &db.source, "--dry-run"], None);
    assert_eq!(code(&human), 3);
    assert!(
        stdout(&human).contains("Would be sent"),
        "{}",
        stdout(&human)
    );
    assert!(stdout(&human).contains(&record));

    // What the dry run projected is what ChartMogul computes once the sync has run.
    let out = sync(&db.source, &url, &[]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let actual = sim.mrr_json(None).unwrap();
    let actual = actual["data_sources"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()["customers"]
        .clone();
    assert_eq!(
        serde_json::Value::Object(projected),
        actual,
        "projected MRR differs from ChartMogul's"
    );

    // And after the sync a dry run has nothing left to send.
    let v = json(&cli(
        &["sync", "--whmcs", &db.source, "--dry-run", "--json"],
        None,
    ));
    for (kind, c) in v["counts"].as_object().unwrap() {
        assert_eq!(c["created"], 0, "{kind}: {v}");
        assert_eq!(c["updated"], 0, "{kind}: {v}");
    }
}

#[test]
fn settings_come_from_the_config_file_else_the_database_else_the_defaults() {
    let db = seeded("settings", 20);
    let invoices = |extra: &[&str]| {
        let mut args = vec!["sync", "--whmcs", &db.source, "--dry-run", "--json"];
        args.extend_from_slice(extra);
        let v = json(&cli(&args, None));
        v["counts"]["invoices"]["created"].as_u64().unwrap()
    };
    let defaults = invoices(&[]);
    assert!(defaults > 0);

    // Settings saved by the addon apply when no file is given.
    let saved = sync_core::Settings::from_toml("invoice_statuses = [\"Refunded\"]\n").unwrap();
    let mut conn = open(&db.source);
    State::new(&mut conn).save_settings(&saved, now()).unwrap();
    drop(conn);
    let with_saved = invoices(&[]);
    assert!(with_saved < defaults, "{with_saved} >= {defaults}");

    // A --config file wins over them.
    let config = db.dir.join("mapping.toml");
    std::fs::write(&config, "timezone = \"UTC\"\n").unwrap();
    assert_eq!(invoices(&["--config", config.to_str().unwrap()]), defaults);

    // Saved settings that no longer load are a configuration error naming the key.
    let mut conn = open(&db.source);
    State::new(&mut conn)
        .set_setting("mapping", "bogus_setting = 1\n", now())
        .unwrap();
    drop(conn);
    let out = cli(&["sync", "--whmcs", &db.source, "--dry-run"], None);
    assert_eq!(code(&out), 2, "{out:?}");
    assert!(stderr(&out).contains("bogus_setting"), "{}", stderr(&out));
}
