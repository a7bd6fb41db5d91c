//! `cargo bench --bench sync` — the sync engine's speed and memory against the simulator
//! enforcing ChartMogul's real limits (40 requests/s, 20 connections), on a seeded MariaDB.
//!
//! Prints, in one run: the read floor (the time to merely read every WHMCS row the backfill
//! reads), the full backfill (wall time, HTTP requests, peak RSS of the sync process), the
//! ratio backfill ÷ read floor, and an incremental sync after 100 changed records. Scale:
//! `large` unless `BENCH_SCALE` says otherwise. Results go to docs/performance.md.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sync_core::db::{Db, Value};
use sync_core::read::Reader;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_whmcs-chartmogul")
}

/// Starts the throwaway MariaDB of tests/mariadb.sh; returns (dir, url).
fn mariadb() -> (String, String) {
    let out = Command::new("bash")
        .arg("tests/mariadb.sh")
        .arg("start")
        .output()
        .expect("tests/mariadb.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .map(|v| v.trim_matches('\'').trim_matches('"').to_string())
            .unwrap_or_else(|| panic!("no {k} in {text}"))
    };
    (get("MARIADB_DIR"), get("WHMCS_MYSQL_URL"))
}

/// Stops what the benchmark started — the MariaDB of tests/mariadb.sh and the simulator —
/// also when a step panics.
struct Cleanup {
    mariadb_dir: String,
    sim: Option<Child>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(sim) = &mut self.sim {
            let _ = sim.kill();
            let _ = sim.wait();
        }
        let _ = Command::new("bash")
            .args(["tests/mariadb.sh", "stop", &self.mariadb_dir])
            .status();
    }
}

/// Runs a child to completion, sampling its peak RSS (VmHWM) while it runs.
fn measure(mut cmd: Command) -> (Duration, u64, String) {
    let started = Instant::now();
    let mut child: Child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut BufReader::new(stdout), &mut s).unwrap();
        s
    });
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_path)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        {
            peak_kb = peak_kb.max(kb);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().unwrap();
    let out = reader.join().unwrap();
    assert!(
        status.success() || status.code() == Some(3),
        "exit {status}: {out}"
    );
    (started.elapsed(), peak_kb, out)
}

fn main() {
    let scale = std::env::var("BENCH_SCALE").unwrap_or_else(|_| "large".to_string());
    let (dir, url) = mariadb();
    let mut cleanup = Cleanup {
        mariadb_dir: dir,
        sim: None,
    };

    let t = Instant::now();
    let seed = Command::new(bin())
        .args(["seed", "--scale", &scale, "--out", &url])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(seed.success());
    println!(
        "seed {scale} into MariaDB: {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // The floor: reading every client bundle the backfill reads, nothing else.
    let mut db = whmcs_chartmogul::db::open(&url).unwrap();
    let t = Instant::now();
    let mut reader = Reader::new(&mut db);
    let (_catalog, _) = reader.catalog().unwrap();
    let (mut clients, mut invoices) = (0usize, 0usize);
    for page in reader.bundles() {
        let page = page.unwrap();
        clients += page.bundles.len();
        invoices += page.bundles.iter().map(|b| b.invoices.len()).sum::<usize>();
    }
    let floor = t.elapsed();
    println!(
        "read floor: {clients} clients, {invoices} invoices in {:.2} s",
        floor.as_secs_f64()
    );

    let sim = Command::new(bin())
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--rate-limit",
            "40",
            "--max-connections",
            "20",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let sim = cleanup.sim.insert(sim);
    let mut first = String::new();
    BufReader::new(sim.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    let sim_url = first.trim().to_string();

    let sync = |full: bool| {
        let mut cmd = Command::new(bin());
        cmd.args([
            "sync",
            "--whmcs",
            &url,
            "--chartmogul-url",
            &sim_url,
            "--api-key",
            "bench-key",
            "--json",
        ]);
        if full {
            cmd.arg("--full");
        }
        measure(cmd)
    };
    let (backfill, peak_kb, out) = sync(true);
    let report: serde_json::Value =
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    println!(
        "full backfill: {:.1} s, {} HTTP requests, peak RSS {} MB; backfill ÷ read floor = {:.1}",
        backfill.as_secs_f64(),
        report["requests"],
        peak_kb / 1024,
        backfill.as_secs_f64() / floor.as_secs_f64()
    );

    // 100 changed records: client emails, with the updated_at bump WHMCS writes.
    let ids: Vec<i64> = db
        .query("SELECT `id` FROM `tblclients` ORDER BY `id` LIMIT 100", &[])
        .unwrap()
        .iter()
        .filter_map(|r| match r[0] {
            Value::Int(i) => Some(i),
            _ => None,
        })
        .collect();
    for id in &ids {
        db.execute(
            "UPDATE `tblclients` SET `email` = ?, `updated_at` = '2026-11-01 23:59:00' WHERE `id` = ?",
            &[Value::Text(format!("bench{id}@example.com")), Value::Int(*id)],
        )
        .unwrap();
    }
    let (incremental, peak_kb, out) = sync(false);
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    println!(
        "incremental after {} changed clients: {:.2} s, {} HTTP requests, peak RSS {} MB",
        ids.len(),
        incremental.as_secs_f64(),
        report["requests"],
        peak_kb / 1024
    );

    drop(cleanup);
}
