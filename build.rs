//! Build script of the `whmcs-chartmogul` package.
//!
//! Builds the engine's mapping as a WebAssembly component (`mapping-component`, target
//! `wasm32-wasip2`, profile `guest`) into `target/wasm-guest/` — a separate target directory,
//! so the nested cargo never waits on the outer one's lock — and tells the crate where it is
//! (`MAPPING_COMPONENT_WASM`). Without the wasm32-wasip2 target the build goes on with a
//! warning; whatever needs the component then fails with a message saying how to add it.
//! Also records the build profile for `--version` output and bug reports.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown".to_string());
    println!("cargo:rustc-env=WHMCS_CHARTMOGUL_PROFILE={profile}");

    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    for watched in [
        "wit",
        "mapping-component/src",
        "mapping-component/Cargo.toml",
        "sync-core/src",
        "sync-core/Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let target_dir = root.join("target").join("wasm-guest");
    let wasm = target_dir
        .join("wasm32-wasip2")
        .join("guest")
        .join("mapping_component.wasm");
    println!("cargo:rustc-env=MAPPING_COMPONENT_WASM={}", wasm.display());
    if std::env::var_os("WHMCS_CHARTMOGUL_SKIP_COMPONENT").is_some() {
        return;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args([
            "build",
            "--package",
            "mapping-component",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "guest",
            "--target-dir",
        ])
        .arg(&target_dir)
        // The outer build's flags are for the host target, not for wasm.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_TARGET_DIR")
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => println!(
            "cargo:warning=building the mapping component failed ({s}); is the wasm32-wasip2 \
             target installed? (`rustup target add wasm32-wasip2`)"
        ),
        Err(e) => println!("cargo:warning=cannot run cargo to build the mapping component: {e}"),
    }
}
