//! Per-record mapping cost: native vs the mapping component vs the component plus one plugin,
//! on a seeded database (`BENCH_SCALE`, default medium), all in this process.
//!
//!   cargo bench --bench plugins
//!
//! Prints µs per client for each path and the ratios against native (target for the component
//! path: ≤ 1.5×), and the share of MessagePack encoding/decoding in the component path.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use plugin_host::{Limits, PluginHost, Policy};
use sync_core::map::{ClientExport, MapContext, map_client};
use sync_core::plugin::{PluginContext, Plugins, Verdict, decode, encode};

fn main() {
    let scale = std::env::var("BENCH_SCALE").unwrap_or_else(|_| "medium".to_string());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("bench-plugins-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = format!("sqlite:{}", dir.join("whmcs.db").display());
    let bin = root.join("target/release/whmcs-chartmogul");
    let status = Command::new(&bin)
        .args(["seed", "--scale", &scale, "--out", &source])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{}: {e} (cargo build --release first)", bin.display()));
    assert!(status.success());
    let whmcs_chartmogul::seed::fixture::Loaded {
        settings,
        now,
        catalog,
        bundles,
    } = whmcs_chartmogul::seed::fixture::load(&source).unwrap();
    let ctx = MapContext::new(&catalog, &settings, now).unwrap();
    let n = bundles.len() as f64;
    let empty = |id| ClientExport {
        client_id: id,
        customer: None,
        plans: Vec::new(),
        invoices: Vec::new(),
        cancellations: Vec::new(),
        pending_cancellations: Vec::new(),
        issues: Vec::new(),
    };

    // Best of 3 for each path.
    let best = |f: &mut dyn FnMut()| {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min)
    };
    let native = best(&mut || {
        for b in &bundles {
            std::hint::black_box(map_client(b, &ctx));
        }
    });
    let codec = best(&mut || {
        for b in &bundles {
            let e = map_client(b, &ctx);
            let bytes = encode(b);
            std::hint::black_box(decode::<sync_core::whmcs::ClientBundle>(&bytes).unwrap());
            let out = encode(&e);
            std::hint::black_box(decode::<ClientExport>(&out).unwrap());
        }
    }) - native;

    let host = PluginHost::new(None, Limits::default()).unwrap();
    let mapping = host
        .load_file(
            Path::new(env!("MAPPING_COMPONENT_WASM")),
            Policy::FailClosed,
        )
        .unwrap();
    let company = host
        .load_file(
            &root.join("target/plugins/company-attribute.wasm"),
            Policy::FailClosed,
        )
        .unwrap_or_else(|e| panic!("{e} (run plugins/build.sh first)"));
    let context = PluginContext::new(&catalog, &settings, now);
    let run_chain = |plugins: Vec<plugin_host::LoadedPlugin>| {
        best(&mut || {
            let mut chain = host.chain(plugins.clone());
            chain.start(&context).unwrap();
            for b in &bundles {
                match chain.client(b, empty(b.client.id)) {
                    Verdict::Send(e) => {
                        std::hint::black_box(e);
                    }
                    other => panic!("{other:?}"),
                }
            }
        })
    };
    let component = run_chain(vec![mapping.clone()]);
    let with_plugin = run_chain(vec![mapping, company]);
    let us = |s: f64| s / n * 1e6;
    println!("{} clients ({scale}), best of 3:", bundles.len());
    println!(
        "  native mapping:                 {:8.1} µs/client",
        us(native)
    );
    println!(
        "  mapping component:              {:8.1} µs/client  ({:.2}× native)",
        us(component),
        component / native
    );
    println!(
        "  component + company-attribute:  {:8.1} µs/client  ({:.2}× native)",
        us(with_plugin),
        with_plugin / native
    );
    println!(
        "  of which MessagePack (bundle in + export out, host side): {:.1} µs/client",
        us(codec)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
