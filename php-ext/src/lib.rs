//! `chartmogul_sync` — the PHP extension: the engine's API for the WHMCS addon.
//!
//! This first version only proves the seam: the extension builds against the server's PHP
//! with ext-php-rs, links `sync-core`, and tells PHP which engine it carries. The engine
//! object, the PDO-backed `Db` and the sync batches arrive with the PHP-extension issue.

use ext_php_rs::prelude::*;

/// The engine version this extension was built from, e.g. `"0.1.0"`.
#[php_function]
#[php(name = "ChartMogulSync\\version")]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The ChartMogul cycle slug of a WHMCS `billingcycle` text, or null when it is not a
/// recurring cycle (`"Semi-Annually"` → `"semiannually"`). Exercises `sync-core` from PHP.
#[php_function]
#[php(name = "ChartMogulSync\\cycle_slug")]
pub fn cycle_slug(billingcycle: &str) -> Option<String> {
    sync_core::whmcs::BillingCycle::parse(billingcycle)
        .recurring()
        .map(|r| r.slug().to_string())
}

#[php_module]
pub fn module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(version))
        .function(wrap_function!(cycle_slug))
}
