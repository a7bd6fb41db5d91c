//! Plugins (wit/plugin.wit) through the wasmtime host, on a seeded WHMCS database:
//! - the engine's own mapping as a component gives byte-identical payloads to the native
//!   mapping for every client (scale `medium` unless `WHMCS_SEED_SCALE` says otherwise);
//! - the example plugins do what docs/plugins.md says, in the simulator's state too;
//! - hostile plugins (endless loop, memory bomb, trap, garbage output, another interface
//!   version) fail only the records they touch, with the limit named, and the run goes on.
//!
//! The example and hostile components are built by `plugins/build.sh` (tests/run-all.sh runs
//! it first) into `target/plugins/`; the mapping component by the root build.rs.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Utc;
use plugin_host::{Limits, LoadError, PluginHost, Policy};
use sync_core::Settings;
use sync_core::map::{ClientExport, MapContext, map_client};
use sync_core::plugin::{PlanSource, PluginContext, Plugins, Verdict, encode};
use sync_core::whmcs::{Catalog, ClientBundle};

fn plugin(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/plugins")
        .join(format!("{name}.wasm"));
    assert!(
        path.is_file(),
        "{} is missing: run plugins/build.sh first (tests/run-all.sh does)",
        path.display()
    );
    path
}

fn mapping_component() -> PathBuf {
    let path = PathBuf::from(env!("MAPPING_COMPONENT_WASM"));
    assert!(
        path.is_file(),
        "{} is missing: build.rs builds it (needs `rustup target add wasm32-wasip2`)",
        path.display()
    );
    path
}

struct Seeded {
    source: String,
    settings: Settings,
    now: chrono::DateTime<Utc>,
    catalog: Catalog,
    bundles: Vec<ClientBundle>,
}

fn seeded(scale: &str, name: &str) -> Seeded {
    let dir = std::env::temp_dir().join(format!("plugins-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("whmcs.db");
    let _ = std::fs::remove_file(&path);
    let source = format!("sqlite:{}", path.display());
    let status = Command::new(env!("CARGO_BIN_EXE_whmcs-chartmogul"))
        .args(["seed", "--scale", scale, "--out", &source])
        .status()
        .unwrap();
    assert!(status.success(), "seed failed: {status}");
    let loaded = whmcs_chartmogul::seed::fixture::load(&source).unwrap();
    Seeded {
        source,
        settings: loaded.settings,
        now: loaded.now,
        catalog: loaded.catalog,
        bundles: loaded.bundles,
    }
}

#[test]
fn the_mapping_component_gives_byte_identical_payloads() {
    let scale = std::env::var("WHMCS_SEED_SCALE").unwrap_or_else(|_| "medium".to_string());
    let s = seeded(&scale, "differential");
    let ctx = MapContext::new(&s.catalog, &s.settings, s.now).unwrap();
    let host = PluginHost::new(None, Limits::default()).unwrap();
    let mapping = host
        .load_file(&mapping_component(), Policy::FailClosed)
        .unwrap();
    let mut chain = host.chain(vec![mapping]);
    chain
        .start(&PluginContext::new(&s.catalog, &s.settings, s.now))
        .unwrap();
    let mut compared = 0;
    for bundle in &s.bundles {
        let native = map_client(bundle, &ctx);
        // The component gets nothing but the source: its payload is its own mapping.
        let Verdict::Send(through_wasm) =
            chain.client(bundle, ClientExport::empty(bundle.client.id))
        else {
            panic!(
                "the mapping component did not answer for client {}",
                bundle.client.id
            );
        };
        assert!(
            encode(&native) == encode(&*through_wasm),
            "client {}: the component's payload differs from the native mapping",
            bundle.client.id
        );
        compared += 1;
    }
    assert_eq!(compared, s.bundles.len());
    assert!(compared > 100, "only {compared} clients compared");
    // Plans are records too: the mapping keeps each as proposed.
    let plans: std::collections::BTreeMap<String, sync_core::chartmogul::types::Plan> = s
        .bundles
        .iter()
        .flat_map(|b| map_client(b, &ctx).plans)
        .map(|p| (p.external_id.clone(), p))
        .collect();
    assert!(plans.len() > 10, "{}", plans.len());
    for (ext, plan) in plans {
        let source = PlanSource::of(&ext).expect("the mapping's plan ids read back");
        assert_eq!(
            chain.plan(&source, plan.clone()),
            Verdict::Send(plan),
            "{ext}"
        );
    }
    assert_eq!(chain.stats()[0].failures, 0);
}

#[test]
fn example_plugins_drop_test_clients_and_add_the_company_attribute() {
    let mut s = seeded("small", "examples");
    let test_group = s
        .catalog
        .client_groups
        .values()
        .map(|g| g.id)
        .max()
        .unwrap_or(0)
        + 1;
    s.catalog.client_groups.insert(
        test_group,
        sync_core::whmcs::ClientGroup {
            id: test_group,
            name: "Test".to_string(),
        },
    );
    let test_groups: Vec<i64> = s
        .catalog
        .client_groups
        .values()
        .filter(|g| g.name.trim().eq_ignore_ascii_case("test"))
        .map(|g| g.id)
        .collect();
    let ctx = MapContext::new(&s.catalog, &s.settings, s.now).unwrap();
    let host = PluginHost::new(None, Limits::default()).unwrap();
    let plugins = vec![
        host.load_file(&plugin("drop-test-clients"), Policy::FailClosed)
            .unwrap(),
        host.load_file(&plugin("company-attribute"), Policy::FailClosed)
            .unwrap(),
    ];
    let mut chain = host.chain(plugins);
    chain
        .start(&PluginContext::new(&s.catalog, &s.settings, s.now))
        .unwrap();
    let (mut dropped, mut attributed) = (0, 0);
    for (i, bundle) in s.bundles.iter_mut().enumerate() {
        if i % 10 == 0 {
            bundle.client.groupid = test_group;
        }
        let native = map_client(bundle, &ctx);
        match chain.client(bundle, native.clone()) {
            Verdict::Drop { plugin, reason } => {
                assert!(test_groups.contains(&bundle.client.groupid));
                assert_eq!(plugin, "drop-test-clients");
                assert!(reason.contains("Test"), "{reason}");
                dropped += 1;
            }
            Verdict::Send(export) => {
                assert!(!test_groups.contains(&bundle.client.groupid));
                let company = bundle.client.companyname.trim();
                let attr = export
                    .customer
                    .as_ref()
                    .and_then(|c| c.attributes.as_ref())
                    .and_then(|a| a.custom.iter().find(|c| c.key == "whmcs_company"));
                if native.customer.is_some() && !company.is_empty() {
                    let attr = attr.expect("the company attribute was added");
                    assert_eq!(attr.value, serde_json::json!(company));
                    attributed += 1;
                } else {
                    assert!(attr.is_none());
                }
                // Nothing else changed.
                assert_eq!(export.invoices, native.invoices);
                assert_eq!(export.client_id, native.client_id);
            }
            Verdict::Failed { plugin, message } => panic!("{plugin} failed: {message}"),
        }
    }
    assert!(dropped > 5, "{dropped} dropped");
    assert!(attributed > 5, "{attributed} attributed");
}

#[test]
fn hostile_plugins_fail_only_their_records_and_name_the_limit() {
    let s = seeded("small", "hostile");
    let ctx = MapContext::new(&s.catalog, &s.settings, s.now).unwrap();
    let host = PluginHost::new(
        None,
        Limits {
            fuel_per_call: 200_000_000,
            memory_bytes: 32 << 20,
        },
    )
    .unwrap();
    let context = PluginContext::new(&s.catalog, &s.settings, s.now);
    let clients: Vec<&ClientBundle> = s.bundles.iter().take(3).collect();
    for (name, expected) in [
        ("hostile-loop", "CPU budget"),
        ("hostile-memory", "memory limit"),
        ("hostile-trap", "trapped"),
        ("hostile-garbage", "not a client export"),
    ] {
        // Fail-closed: each record fails with a message naming the plugin's failure …
        let loaded = host.load_file(&plugin(name), Policy::FailClosed).unwrap();
        let mut chain = host.chain(vec![loaded.clone()]);
        chain.start(&context).unwrap();
        for bundle in &clients {
            match chain.client(bundle, map_client(bundle, &ctx)) {
                Verdict::Failed { plugin, message } => {
                    assert_eq!(plugin, name);
                    assert!(message.contains(expected), "{name}: {message}");
                }
                other => panic!("{name}: expected a failure, got {other:?}"),
            }
        }
        assert_eq!(chain.stats()[0].failures, clients.len() as u64);
        // … fail-open: the record goes on unchanged, with a warning.
        let mut chain = host.chain(vec![
            host.load_file(&plugin(name), Policy::FailOpen).unwrap(),
        ]);
        chain.start(&context).unwrap();
        let bundle = clients[0];
        let native = map_client(bundle, &ctx);
        assert_eq!(
            chain.client(bundle, native.clone()),
            Verdict::Send(Box::new(native))
        );
        let messages = chain.drain_messages();
        assert!(
            messages
                .iter()
                .any(|m| m.warning && m.message.contains(expected)),
            "{name}: {messages:?}"
        );
    }
    match host.load_file(&plugin("hostile-wrong-version"), Policy::FailClosed) {
        Err(LoadError::WrongInterface(m)) => {
            assert!(m.contains("@2.0.0") && m.contains("@1.0.0"), "{m}");
        }
        Err(other) => panic!("expected a wrong-interface error, got {other}"),
        Ok(_) => panic!("a plugin of another interface version was loaded"),
    }
}

/// `whmcs-chartmogul sync --full --json` from `source` into the simulator at `url`, with
/// `extra` arguments; fails the test unless it exits 0 or 3 (records rejected); the JSON report.
fn cli_sync(source: &str, url: &str, extra: &[&std::ffi::OsStr]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_whmcs-chartmogul"))
        .args([
            "sync",
            "--whmcs",
            source,
            "--chartmogul-url",
            url,
            "--api-key",
            "plugin-test",
            "--json",
            "--full",
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0) | Some(3)),
        "sync {extra:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_sync_with_the_company_attribute_plugin_reaches_the_simulator() {
    let s = seeded("small", "sync");
    let sim = whmcs_chartmogul::sim::start(Default::default()).unwrap();
    let company = plugin("company-attribute");
    let report = cli_sync(
        &s.source,
        &sim.base_url(),
        &["--plugin".as_ref(), company.as_os_str()],
    );
    // The report says what the plugin did and cost.
    let stats = &report["plugins"][0];
    assert_eq!(stats["plugin"], "company-attribute", "{report}");
    assert!(
        stats["calls"].as_u64().unwrap() > s.bundles.len() as u64 / 2,
        "{stats}"
    );
    assert_eq!(stats["failures"], 0, "{stats}");
    assert!(stats["ms"].is_u64(), "{stats}");
    let state = sim.state_json();
    let customers = state["customers"]
        .as_array()
        .expect("customers in the state");
    let with_company = customers
        .iter()
        .filter(|c| c["attributes"]["custom"]["whmcs_company"].is_string())
        .count();
    for c in customers {
        if let Some(v) = c["attributes"]["custom"]["whmcs_company"].as_str() {
            assert_eq!(Some(v), c["company"].as_str(), "{c}");
        }
    }
    let expected = s
        .bundles
        .iter()
        .filter(|b| !b.client.companyname.trim().is_empty())
        .count();
    assert!(
        with_company > 0 && with_company <= expected,
        "{with_company} of {expected}"
    );
}

#[test]
fn a_dry_run_applies_plugins_so_the_preview_matches_what_a_run_would_send() {
    let s = seeded("small", "dry");
    // Five clients with invoices move into a client group named "Test".
    let mut db = whmcs_chartmogul::db::open(&s.source).unwrap();
    db.execute(
        "INSERT INTO `tblclientgroups` (`id`, `groupname`, `groupcolour`, `discountpercent`, \
         `susptermexempt`, `separateinvoices`) VALUES (900, 'Test', '', 0, '', '')",
        &[],
    )
    .unwrap();
    let ids = |db: &mut Box<dyn sync_core::db::Db>, sql: &str| -> Vec<i64> {
        db.query(sql, &[])
            .unwrap()
            .iter()
            .map(|r| match &r[0] {
                sync_core::db::Value::Int(i) => *i,
                other => panic!("{other:?}"),
            })
            .collect()
    };
    let moved = ids(
        &mut db,
        "SELECT `userid` FROM `tblinvoices` WHERE `status` = 'Paid' GROUP BY `userid` \
         ORDER BY `userid` LIMIT 5",
    );
    assert_eq!(moved.len(), 5);
    for id in &moved {
        db.execute(
            "UPDATE `tblclients` SET `groupid` = 900 WHERE `id` = ?",
            &[(*id).into()],
        )
        .unwrap();
    }
    // With the seed's own "Test" group, if it has one.
    let test_clients = ids(
        &mut db,
        "SELECT c.`id` FROM `tblclients` c JOIN `tblclientgroups` g ON g.`id` = c.`groupid` \
         WHERE LOWER(TRIM(g.`groupname`)) = 'test' ORDER BY c.`id`",
    );
    assert!(moved.iter().all(|id| test_clients.contains(id)));
    drop(db);
    let sim = whmcs_chartmogul::sim::start(Default::default()).unwrap();
    let preview = |plugins: &[PathBuf]| -> serde_json::Value {
        let mut extra: Vec<&std::ffi::OsStr> = vec!["--dry-run".as_ref()];
        for p in plugins {
            extra.push("--plugin".as_ref());
            extra.push(p.as_os_str());
        }
        cli_sync(&s.source, &sim.base_url(), &extra)
    };
    let plain = preview(&[]);
    let filtered = preview(&[plugin("drop-test-clients")]);
    let created = |v: &serde_json::Value| v["counts"]["customers"]["created"].as_u64().unwrap();
    assert!(created(&filtered) < created(&plain), "{plain}\n{filtered}");
    // The Test clients are gone from the preview; every other customer's MRR is unchanged.
    let mut expected = plain["projected_mrr"].as_object().unwrap().clone();
    for id in &moved {
        assert!(
            expected.remove(&format!("whmcs-client-{id}")).is_some(),
            "client {id} has MRR without the plugin"
        );
    }
    for id in test_clients.iter().filter(|id| !moved.contains(id)) {
        expected.remove(&format!("whmcs-client-{id}"));
    }
    assert_eq!(filtered["projected_mrr"].as_object().unwrap(), &expected);
    assert_eq!(filtered["requests"], 0);
    assert_eq!(sim.state_json()["counters"]["requests"], 0);
}
