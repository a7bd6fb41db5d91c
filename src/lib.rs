//! The `whmcs-chartmogul` package as a library: what the CLI binary (`src/main.rs`) and the
//! integration tests in `tests/` share.
//!
//! - [`cli`] — the product commands (`sync`, `status`, `logs`, `reconcile`, `demo`);
//! - [`db`] — database connections implementing `sync_core::db::Db` (MariaDB/MySQL, SQLite);
//! - [`seed`] — the realistic, deterministic WHMCS test database (`whmcs-chartmogul seed`);
//! - [`sim`] — the strict local ChartMogul simulator (`whmcs-chartmogul sim`).
pub mod cli;
pub mod db;
pub mod seed;
pub mod sim;
