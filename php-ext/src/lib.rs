//! `chartmogul_sync` — the PHP extension: the engine's API for the WHMCS addon.
//!
//! Contract: PHP sees the namespace `ChartMogulSync\` — functions [`version`] and
//! [`cycle_slug`], the class `Engine` ([`engine::Engine`]) and the exception hierarchy of
//! [`errors`]. Its PHP-side description is `php-ext/chartmogul_sync.stubs.php` (IDE stubs with
//! the documentation); `tests/php/stub_signatures.php` checks that every class, method and
//! parameter in it matches the built module, so the two cannot drift apart. No engine
//! state outlives a request and nothing is created at module start-up (MINIT runs in the
//! php-fpm master before it forks).

mod convert;
mod engine;
mod errors;
mod pdo;

use ext_php_rs::prelude::*;

/// The engine version this extension was built from, e.g. `"0.1.0"`.
#[php_function]
#[php(name = "ChartMogulSync\\version")]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The ChartMogul cycle slug of a WHMCS `billingcycle` text, or null when it is not a
/// recurring cycle (`"Semi-Annually"` → `"semiannually"`).
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
        .class::<errors::SyncException>()
        .class::<errors::ConfigurationError>()
        .class::<errors::AuthenticationError>()
        .class::<errors::ConnectionError>()
        .class::<errors::LockedError>()
        .class::<errors::DatabaseError>()
        .class::<engine::Engine>()
        .function(wrap_function!(version))
        .function(wrap_function!(cycle_slug))
}
