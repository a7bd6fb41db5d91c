//! How the engine treats what plugins decide, for both kinds of record (client and plan), with
//! a plugin written in Rust against `sync_core::plugin::Plugins` (the wasm host is covered by
//! tests/plugins.rs): a plan a plugin renames is sent renamed — in the Products sync, in client
//! syncs and in dry runs — and not renamed back on the next run; a plan a plugin drops is not
//! sent, and the clients whose invoices need it are refused with a log line saying why.
//!
//! Scale: `small` unless `WHMCS_SEED_SCALE` says otherwise.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use http_transport::HttpTransport;
use sync_core::Settings;
use sync_core::chartmogul::Client;
use sync_core::chartmogul::types::Plan;
use sync_core::db::{Db, Value};
use sync_core::engine::{self, Budget, Mode, RunRequest, SyncConfig};
use sync_core::map::ClientExport;
use sync_core::plugin::{PlanSource, PluginContext, Plugins, Verdict};
use sync_core::whmcs::ClientBundle;
use whmcs_chartmogul::sim::{self, SimOptions};

mod common;

/// Renames product and addon plans, drops domain plans, keeps clients as they are.
#[derive(Default)]
struct PlanPolicy {
    plans_seen: Vec<String>,
}

impl Plugins for PlanPolicy {
    fn start(&mut self, _context: &PluginContext) -> Result<(), String> {
        Ok(())
    }
    fn client(&mut self, _bundle: &ClientBundle, proposed: ClientExport) -> Verdict {
        Verdict::Send(Box::new(proposed))
    }
    fn plan(&mut self, source: &PlanSource, mut proposed: Plan) -> Verdict<Plan> {
        self.plans_seen.push(proposed.external_id.clone());
        match source {
            PlanSource::Domain { .. } => Verdict::Drop {
                plugin: "plan-policy".into(),
                reason: "domains are not tracked".into(),
            },
            _ => {
                proposed.name = format!("{} [renamed]", proposed.name);
                // Trying to move the plan elsewhere has no effect.
                proposed.external_id = "somewhere-else".into();
                Verdict::Send(proposed)
            }
        }
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        other => panic!("unexpected value {other:?}"),
    }
}

#[test]
fn plugins_rename_and_drop_plans_in_products_client_and_dry_runs_without_churn() {
    let scale = std::env::var("WHMCS_SEED_SCALE").unwrap_or_else(|_| "small".to_string());
    let dir = std::env::temp_dir().join(format!("plugin-records-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let source = format!("sqlite:{}", dir.join("whmcs.db").display());
    let status = Command::new(env!("CARGO_BIN_EXE_whmcs-chartmogul"))
        .args(["seed", "--scale", &scale, "--out", &source])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let mut db = whmcs_chartmogul::db::open(&source).unwrap();
    let meta = |db: &mut Box<dyn Db>, key: &str| {
        text(
            &db.query(
                "SELECT `value` FROM `seed_meta` WHERE `key` = ?",
                &[key.into()],
            )
            .unwrap()[0][0],
        )
    };
    let settings = Settings::from_toml(&meta(&mut db, "settings_toml")).unwrap();
    let today = NaiveDate::parse_from_str(&meta(&mut db, "today"), "%Y-%m-%d").unwrap();
    let now = Utc.from_utc_datetime(&today.and_hms_opt(0, 0, 0).unwrap());
    let sim = sim::start(SimOptions {
        bulk_processing_delay: Duration::from_millis(5),
        ..SimOptions::default()
    })
    .unwrap();
    let mut cm = common::sim_client(&sim.base_url());
    let config = SyncConfig {
        page_size: 50,
        bulk_max_customers: 80,
        ..SyncConfig::default()
    };
    let run = |db: &mut Box<dyn Db>,
               cm: &mut Client<HttpTransport>,
               config: &SyncConfig,
               mode: Mode,
               plugin: &mut PlanPolicy| {
        let request = RunRequest {
            mode,
            budget: Budget::default(),
            now,
        };
        engine::run_with_plugins(db, cm, &settings, config, request, plugin, &mut |_| {}).unwrap()
    };
    let sim_plans = || -> Vec<(String, String)> {
        sim.state_json()["plans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["external_id"].as_str().unwrap().to_string(),
                    p["name"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let refused = |r: &engine::Report| -> BTreeSet<String> {
        r.rejected
            .iter()
            .filter(|x| x.kind == "plugin_refused_plan")
            .map(|x| x.record.clone())
            .collect()
    };

    // A dry run with the plugin sends nothing and already refuses the clients with domains.
    let mut plugin = PlanPolicy::default();
    let dry = SyncConfig {
        dry_run: true,
        ..config.clone()
    };
    let preview = run(&mut db, &mut cm, &dry, Mode::Full, &mut plugin);
    assert_eq!(cm.stats().requests, 0);
    let refused_in_preview = refused(&preview);
    assert!(
        !refused_in_preview.is_empty(),
        "the seed has clients with domains: {preview:?}"
    );
    // Each plan is shown to the plugin once per run, however many clients use it.
    let seen: BTreeSet<&String> = plugin.plans_seen.iter().collect();
    assert_eq!(
        seen.len(),
        plugin.plans_seen.len(),
        "{:?}",
        plugin.plans_seen
    );

    // The Products sync sends every product and addon plan renamed.
    let mut plugin = PlanPolicy::default();
    run(&mut db, &mut cm, &config, Mode::Products, &mut plugin);
    let plans = sim_plans();
    assert!(!plans.is_empty());
    for (ext, name) in &plans {
        assert!(name.ends_with(" [renamed]"), "{ext}: {name}");
        assert!(!ext.starts_with("whmcs-domain-"), "{ext}");
        assert!(ext.starts_with("whmcs-product-") || ext.starts_with("whmcs-addon-"));
    }

    // The full sync: clients needing a domain plan are refused (as the preview said), every
    // other client is sent, and no plan goes out under its unplugged name.
    let first = run(
        &mut db,
        &mut cm,
        &config,
        Mode::Full,
        &mut PlanPolicy::default(),
    );
    assert_eq!(refused(&first), refused_in_preview);
    for r in first
        .rejected
        .iter()
        .filter(|r| r.kind == "plugin_refused_plan")
    {
        assert!(
            r.reason.contains("whmcs-domain-")
                && r.reason.contains("plugin plan-policy dropped plan")
                && r.reason.contains("domains are not tracked"),
            "{r:?}"
        );
    }
    let customers: BTreeSet<String> = sim.state_json()["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["external_id"].as_str().unwrap().to_string())
        .collect();
    assert!(customers.len() > 10, "{}", customers.len());
    for r in refused(&first) {
        let id = r.trim_start_matches("tblclients #");
        assert!(!customers.contains(&format!("whmcs-client-{id}")), "{r}");
    }
    for (ext, name) in sim_plans() {
        assert!(name.ends_with(" [renamed]"), "{ext}: {name}");
    }
    let logged: i64 = match &db
        .query(
            "SELECT COUNT(*) FROM `mod_chartmogul_log` WHERE `kind` = 'plugin_dropped'",
            &[],
        )
        .unwrap()[0][0]
    {
        Value::Int(n) => *n,
        other => text(other).parse().unwrap(),
    };
    assert!(logged > 0, "the dropped plans are logged");

    // The same plugin again: nothing to send, in particular no plan renamed back and forth.
    let writes = sim.state_json()["counters"]["writes"].clone();
    let again = run(
        &mut db,
        &mut cm,
        &config,
        Mode::Full,
        &mut PlanPolicy::default(),
    );
    assert_eq!(sim.state_json()["counters"]["writes"], writes, "{again:?}");
    assert_eq!(refused(&again), refused_in_preview);
    let _ = std::fs::remove_dir_all(&dir);
}
