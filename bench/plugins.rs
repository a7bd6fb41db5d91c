//! Per-record mapping cost: native vs the mapping component vs the component plus one plugin,
//! on a seeded database (`BENCH_SCALE`, default medium), all in this process.
//!
//!   cargo bench --bench plugins
//!
//! Prints µs per client for each path and the ratios against native (target for the component
//! path: ≤ 1.5×), and what encoding and decoding the payloads (MessagePack) costs natively.

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
    let exports: Vec<ClientExport> = bundles.iter().map(|b| map_client(b, &ctx)).collect();
    let bundle_bytes: Vec<Vec<u8>> = bundles.iter().map(encode).collect();
    let export_bytes: Vec<Vec<u8>> = exports.iter().map(encode).collect();
    let enc_b = best(&mut || {
        for b in &bundles {
            std::hint::black_box(encode(b));
        }
    });
    let dec_b = best(&mut || {
        for b in &bundle_bytes {
            std::hint::black_box(decode::<sync_core::whmcs::ClientBundle>(b).unwrap());
        }
    });
    let enc_e = best(&mut || {
        for e in &exports {
            std::hint::black_box(encode(e));
        }
    });
    let dec_e = best(&mut || {
        for e in &export_bytes {
            std::hint::black_box(decode::<ClientExport>(e).unwrap());
        }
    });
    let kib = |v: &[Vec<u8>]| v.iter().map(Vec::len).sum::<usize>() as f64 / n / 1024.0;

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
    // `native_first`: the engine's own setup — native mapping, then the plugins.
    let run_chain = |plugins: Vec<plugin_host::LoadedPlugin>, native_first: bool| {
        best(&mut || {
            let mut chain = host.chain(plugins.clone());
            chain.start(&context).unwrap();
            for b in &bundles {
                let proposed = if native_first {
                    map_client(b, &ctx)
                } else {
                    ClientExport::empty(b.client.id)
                };
                match chain.client(b, proposed) {
                    Verdict::Send(e) => {
                        std::hint::black_box(e);
                    }
                    other => panic!("{other:?}"),
                }
            }
        })
    };
    let component = run_chain(vec![mapping.clone()], false);
    let with_plugin = run_chain(vec![mapping, company.clone()], false);
    let native_plugin = run_chain(vec![company], true);
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
        "  native + company-attribute:     {:8.1} µs/client  ({:.2}× native; how the engine runs plugins)",
        us(native_plugin),
        native_plugin / native
    );
    println!(
        "  MessagePack, natively: encode bundle {:.1}, decode bundle {:.1}, encode export {:.1}, \
         decode export {:.1} µs/client (bundle {:.1} KiB, export {:.1} KiB)",
        us(enc_b),
        us(dec_b),
        us(enc_e),
        us(dec_e),
        kib(&bundle_bytes),
        kib(&export_bytes)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
