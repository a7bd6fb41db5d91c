//! Exactly once: a backfill killed with SIGKILL at ten random instants and resumed each time
//! ends with the same ChartMogul state as an uninterrupted run — nothing missing, nothing twice.
//! And two syncs started together never both send.
//!
//! Scale: `medium` unless `WHMCS_KILL_SCALE` says otherwise.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use http_transport::{HttpOptions, HttpTransport};
use serde_json::Value as Json;
use sync_core::Settings;
use sync_core::chartmogul::{Client, ClientConfig, Credentials};
use sync_core::engine::{self, Budget, Mode, RunRequest, SyncConfig};
use whmcs_chartmogul::sim::{self, SimHandle, SimOptions};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_whmcs-chartmogul")
}

fn seed(dir: &std::path::Path, name: &str) -> String {
    let scale = std::env::var("WHMCS_KILL_SCALE").unwrap_or_else(|_| "medium".to_string());
    let source = format!("sqlite:{}", dir.join(name).display());
    let ok = Command::new(bin())
        .args(["seed", "--scale", &scale, "--out", &source])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success());
    source
}

fn sync_cmd(source: &str, sim: &SimHandle) -> Command {
    let mut cmd = Command::new(bin());
    cmd.args([
        "sync",
        "--full",
        "--json",
        "--whmcs",
        source,
        "--chartmogul-url",
        &sim.base_url(),
        "--api-key",
        "kill-test",
    ]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

/// The simulator's state with its own identifiers replaced by our external ids, so two
/// simulators that received the same data compare equal whatever order it arrived in.
fn normalized(sim: &SimHandle) -> BTreeMap<String, Vec<Json>> {
    let state = sim.state_json();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    fn collect(v: &Json, names: &mut BTreeMap<String, String>) {
        match v {
            Json::Object(m) => {
                if let (Some(Json::String(u)), Some(Json::String(e))) =
                    (m.get("uuid"), m.get("external_id"))
                {
                    names.insert(u.clone(), e.clone());
                }
                m.values().for_each(|x| collect(x, names));
            }
            Json::Array(a) => a.iter().for_each(|x| collect(x, names)),
            _ => {}
        }
    }
    fn rewrite(v: &Json, names: &BTreeMap<String, String>) -> Json {
        match v {
            Json::Object(m) => Json::Object(
                m.iter()
                    .filter(|(k, _)| {
                        !matches!(
                            k.as_str(),
                            "id" | "created_at"
                                | "updated_at"
                                | "uuid"
                                | "data_source_uuid"
                                | "data_source_uuids"
                        )
                    })
                    .map(|(k, x)| (k.clone(), rewrite(x, names)))
                    .collect(),
            ),
            Json::Array(a) => Json::Array(a.iter().map(|x| rewrite(x, names)).collect()),
            Json::String(s) => Json::String(
                names
                    .get(s)
                    .map_or_else(|| s.clone(), |e| format!("ext:{e}")),
            ),
            other => other.clone(),
        }
    }
    collect(&state, &mut names);
    let mut out = BTreeMap::new();
    for kind in ["customers", "plans", "invoices", "subscriptions"] {
        let mut list: Vec<Json> = state[kind]
            .as_array()
            .unwrap_or_else(|| panic!("no {kind}"))
            .iter()
            .map(|x| rewrite(x, &names))
            .collect();
        list.sort_by_key(|x| x["external_id"].to_string());
        out.insert(kind.to_string(), list);
    }
    out
}

/// Deterministic delays from a seed (SplitMix64), so a failure can be replayed.
fn delays(seed: u64, n: usize, max_ms: u64) -> Vec<Duration> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            Duration::from_millis(100 + (z ^ (z >> 31)) % max_ms)
        })
        .collect()
}

#[test]
fn a_backfill_killed_ten_times_ends_like_an_uninterrupted_one() {
    let dir = std::env::temp_dir().join(format!("sync-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let reference_db = seed(&dir, "reference.db");
    let killed_db = seed(&dir, "killed.db");
    let fast = || SimOptions {
        bulk_processing_delay: Duration::from_millis(20),
        ..SimOptions::default()
    };

    // The uninterrupted run, in-process.
    let reference = sim::start(fast()).unwrap();
    let mut db = whmcs_chartmogul::db::open(&reference_db).unwrap();
    let settings = Settings::default();
    let mut client = Client::new(
        HttpTransport::new(HttpOptions::default()),
        ClientConfig::new(&reference.base_url(), Credentials::ApiKey("k".into())),
    );
    let request = RunRequest {
        mode: Mode::Full,
        budget: Budget::default(),
        now: Utc
            .timestamp_opt(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs() as i64,
                0,
            )
            .unwrap(),
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

    // The same backfill through the CLI, killed at ten instants and resumed each time.
    let killed = sim::start(fast()).unwrap();
    let mut kills = 0;
    for delay in delays(42, 10, 2500) {
        let mut child = sync_cmd(&killed_db, &killed).spawn().unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    let out = sync_cmd(&killed_db, &killed).output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "the final run failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        kills >= 5,
        "only {kills} runs were still going when killed: the test did not test much"
    );

    let (a, b) = (normalized(&reference), normalized(&killed));
    for kind in ["customers", "plans", "invoices", "subscriptions"] {
        assert_eq!(
            a[kind].len(),
            b[kind].len(),
            "{kind}: {} uninterrupted vs {} after kills",
            a[kind].len(),
            b[kind].len()
        );
        let first_diff = a[kind].iter().zip(&b[kind]).find(|(x, y)| x != y);
        assert!(first_diff.is_none(), "{kind} differ: {first_diff:#?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_syncs_started_together_never_both_send() {
    let dir = std::env::temp_dir().join(format!("sync-twice-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let source = seed(&dir, "whmcs.db");
    let sim = sim::start(SimOptions {
        bulk_processing_delay: Duration::from_millis(200),
        ..SimOptions::default()
    })
    .unwrap();
    let a = sync_cmd(&source, &sim).spawn().unwrap();
    let b = sync_cmd(&source, &sim).spawn().unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let text = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let locked = [&a, &b]
        .iter()
        .filter(|o| text(o).contains("another sync is running"))
        .count();
    assert_eq!(
        locked,
        1,
        "exactly one of the two must stop:\n{}\n---\n{}",
        text(&a),
        text(&b)
    );
    let state = sim.state_json();
    let ids: Vec<&str> = state["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["external_id"].as_str().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(ids.len(), unique.len());
    let _ = std::fs::remove_dir_all(&dir);
}
