//! `whmcs-chartmogul status` and `logs` after real syncs: the runs, what was sent, the log
//! entries with their records — and a database never synced, which they read without
//! creating anything.

mod cli_support;

use cli_support::*;

#[test]
fn a_database_never_synced_has_no_runs_and_no_log_and_gets_no_tables() {
    let db = seeded("neversynced", 10);
    let out = cli(&["status", "--whmcs", &db.source], None);
    assert_eq!(code(&out), 0, "{out:?}");
    assert!(stdout(&out).contains("No sync has run"), "{}", stdout(&out));
    let v = json(&cli(&["status", "--whmcs", &db.source, "--json"], None));
    assert_eq!(v["synced_before"], false);
    assert_eq!(v["runs"], serde_json::json!([]));

    let out = cli(&["logs", "--whmcs", &db.source], None);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("No log entries"));
    assert_eq!(
        json(&cli(&["logs", "--whmcs", &db.source, "--json"], None))["total"],
        0
    );

    let tables = open(&db.source)
        .query(
            "SELECT COUNT(*) FROM `sqlite_master` WHERE `name` LIKE 'mod_chartmogul_%'",
            &[],
        )
        .unwrap();
    assert_eq!(
        text(&tables[0][0]),
        "0",
        "a read-only command created tables"
    );
}

#[test]
fn status_shows_the_runs_and_what_was_sent_and_logs_show_the_rejected_records() {
    let db = seeded("statuslogs", 40);
    let sim = simulator();
    let url = sim.base_url();
    let first = sync(&db.source, &url, &[]);
    assert_eq!(code(&first), 3, "{}", stderr(&first));
    let second = sync(&db.source, &url, &["--full"]);
    assert!([0, 3].contains(&code(&second)), "{}", stderr(&second));

    let out = cli(&["status", "--whmcs", &db.source], None);
    assert_eq!(code(&out), 0, "{out:?}");
    let text = stdout(&out);
    for needle in [
        "#1",
        "#2",
        "incremental",
        "full",
        "partial",
        "Current run: none",
    ] {
        assert!(text.contains(needle), "no {needle:?} in\n{text}");
    }
    assert!(text.contains("customers"), "{text}");

    let v = json(&cli(&["status", "--whmcs", &db.source, "--json"], None));
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{v}");
    assert_eq!(runs[0]["mode"], "full");
    assert_eq!(runs[1]["mode"], "incremental");
    assert_eq!(runs[1]["status"], "partial");
    assert!(runs[1]["rejected"].as_u64().unwrap() > 0);
    assert!(runs[1]["requests"].as_u64().unwrap() > 0);
    assert!(runs[1]["counts"]["customers"]["created"].as_u64().unwrap() > 20);
    assert!(runs[1]["duration_ms"].is_u64());
    assert_eq!(v["current_run"], serde_json::Value::Null);
    assert!(v["ledger"]["customer"].as_u64().unwrap() > 20, "{v}");
    assert_eq!(v["pending_events"], 0);
    assert_eq!(v["backfill"], serde_json::Value::Null);
    assert!(v["log_errors"].as_u64().unwrap() > 0);

    // The planted record is in the log, with its record, newest first.
    let (table, id) = planted(&db.source, "unknown_cycle");
    let record = format!("{table} #{id}");
    let v = json(&cli(
        &["logs", "--whmcs", &db.source, "--level", "error", "--json"],
        None,
    ));
    let entries = v["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| e["level"] == "error"), "{v}");
    assert!(
        entries.iter().any(|e| e["record"] == record.as_str()),
        "{record} not in {v}"
    );
    let ids: Vec<i64> = entries.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "not newest first: {ids:?}"
    );

    let out = cli(
        &["logs", "--whmcs", &db.source, "--kind", "unknown_cycle"],
        None,
    );
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains(&record), "{}", stdout(&out));
    let v = json(&cli(
        &[
            "logs",
            "--whmcs",
            &db.source,
            "--search",
            "Fortnightly",
            "--json",
        ],
        None,
    ));
    assert!(v["total"].as_u64().unwrap() >= 1, "{v}");
    let v = json(&cli(
        &["logs", "--whmcs", &db.source, "--limit", "1", "--json"],
        None,
    ));
    assert_eq!(v["entries"].as_array().unwrap().len(), 1);
    assert!(v["total"].as_u64().unwrap() > 1);

    let out = cli(&["logs", "--whmcs", &db.source, "--level", "loud"], None);
    assert_eq!(code(&out), 2);
}

#[test]
fn status_shows_a_current_run_and_calls_it_stale_when_its_heartbeat_stopped() {
    let db = seeded("stale", 10);
    let mut conn = open(&db.source);
    let mut state = sync_core::state::State::new(&mut conn);
    state.migrate().unwrap();
    let hour_ago = now() - chrono::Duration::hours(1);
    let id = state.start_run("cron", "incremental", hour_ago).unwrap();
    state
        .heartbeat(id, r#"{"clients_done":3,"clients_total":10}"#, hour_ago)
        .unwrap();
    drop(state);
    drop(conn);

    let v = json(&cli(&["status", "--whmcs", &db.source, "--json"], None));
    assert_eq!(v["current_run"]["id"], id);
    assert_eq!(v["current_run"]["stale"], true, "{v}");
    assert_eq!(v["current_run"]["progress"]["clients_done"], 3);
    let out = cli(&["status", "--whmcs", &db.source], None);
    let text = stdout(&out);
    assert!(
        text.contains(&format!("Current run: #{id} incremental (cron)")),
        "{text}"
    );
    assert!(text.contains("3/10 clients"), "{text}");
    assert!(text.contains("STALE"), "{text}");
}
