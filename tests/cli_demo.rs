//! `whmcs-chartmogul demo` runs the whole product on a sample company — seed, simulator, full
//! and incremental sync — and ends with WHMCS and ChartMogul agreeing on MRR (exit 0).

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn the_demo_syncs_a_sample_company_and_mrr_agrees() {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_whmcs-chartmogul"))
        .arg("demo")
        .env_remove("CHARTMOGUL_API_KEY")
        .output()
        .unwrap();
    let took = started.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}\n{err}");
    for needle in [
        "Full sync",
        "Changed in WHMCS:",
        "changed their email address",
        "paid renewal invoice",
        "was cancelled",
        "Incremental sync",
        "agree on MRR in every currency",
    ] {
        assert!(text.contains(needle), "no {needle:?} in\n{text}");
    }
    // The incremental run sent exactly the three changes: an update, a new invoice with its
    // payment, a cancellation.
    let incremental = text.split("Incremental sync").nth(1).unwrap();
    for (kind, column, n) in [
        ("customers", 2, "1"),
        ("invoices", 1, "1"),
        ("transactions", 1, "1"),
        ("cancellations", 4, "1"),
    ] {
        let line = incremental
            .lines()
            .find(|l| l.trim_start().starts_with(kind))
            .unwrap_or_else(|| panic!("no {kind} line in\n{incremental}"));
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells[column], n, "{kind}: {line}");
    }
    // Piped: no progress bar on stderr.
    assert!(!err.contains('\r'), "{err:?}");
    assert!(took < Duration::from_secs(60), "the demo took {took:?}");
    eprintln!("demo took {took:?}");
}
