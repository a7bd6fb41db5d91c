//! `sync-core` — the engine of the ChartMogul connector for WHMCS.
//!
//! It keeps a ChartMogul data source in step with a WHMCS install. The work is a pipeline,
//! one module per step:
//!
//! 1. **read** ([`read`]) — load WHMCS records through the [`db::Db`] seam, in keyset pages,
//!    one self-contained [`whmcs::ClientBundle`] per client;
//! 2. **map** ([`map`]) — turn WHMCS records + [`settings::Settings`] into ChartMogul payloads
//!    ([`chartmogul::types`]) by the rules of `mapping.md`; pure functions, no I/O;
//! 3. **plan**, **send**, **record** — compare with the ledger of what was sent, send through
//!    the ChartMogul client, record the outcome (arrive with the sync-engine work); the
//!    **record** step's durable state — ledger, cursors, runs, hook queue, stored settings,
//!    log and the sync lock, in `mod_chartmogul_*` tables — is [`state`].
//!
//! Supporting modules: [`money`] (exact cents, share allocation), [`dates`] (zero dates,
//! calendar arithmetic, time zones), [`error`] (per-record errors naming table, id and column).
//!
//! The crate has no threads, sockets, files, database drivers, PHP or wasmtime in it, so it
//! builds for `wasm32-wasip2`; drivers and transports implement its seams from outside.

pub mod chartmogul;
pub mod dates;
pub mod db;
pub mod engine;
pub mod error;
pub mod map;
pub mod money;
pub mod mrr;
pub mod plan;
pub mod plugin;
pub mod read;
pub mod send;
pub mod settings;
pub mod state;
pub mod status;
pub mod whmcs;

pub use error::{RecordError, RecordRef, Severity};
pub use money::Cents;
pub use settings::Settings;
