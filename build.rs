//! Build script of the `whmcs-chartmogul` package.
//!
//! Later it builds the engine's wasm component (wasm32-wasip2) for the plugin host; for now it
//! records the build profile so `--version` output and bug reports say what was run.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown".to_string());
    println!("cargo:rustc-env=WHMCS_CHARTMOGUL_PROFILE={profile}");
}
