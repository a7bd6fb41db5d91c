//! A local ChartMogul: the Import API subset a WHMCS sync uses plus the MRR metrics it
//! reconciles with, as strict as the real service, with reproducible fault injection — for
//! tests, the demo and benchmarks.
//!
//! ```no_run
//! use whmcs_chartmogul::sim::{self, SimOptions};
//! let sim = sim::start(SimOptions::default()).unwrap();
//! println!("ChartMogul at {}", sim.base_url()); // http://127.0.0.1:PORT/v1
//! let state = sim.state_json(); // everything imported, plus request counters
//! # drop(state);
//! ```
//!
//! Contract: [`start`] binds `listen`, serves on background threads and returns at once; the
//! [`SimHandle`] stops the server when stopped or dropped. Request bodies are parsed as
//! `serde_json::Value` and validated here, independently of `sync_core`'s payload types, so a
//! bug in those types cannot be hidden by the simulator agreeing with itself. What is
//! implemented, where it deliberately differs from ChartMogul and the fault syntax are in
//! `docs/simulator.md`.
//!
//! Modules: [`http`] (the wire codec), [`server`] (connections, limits, faults), [`faults`]
//! (spec and seeded decisions), [`api`] (routes, validation, error shapes), [`store`] (the
//! account and its uniqueness indexes), [`mrr`] (reference §8 arithmetic), [`time`]
//! (timestamps and the clock), [`codes`] (country and currency lists).

pub mod api;
pub mod codes;
pub mod faults;
pub mod fx;
pub mod http;
pub mod mrr;
pub mod server;
pub mod store;
pub mod time;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

pub use faults::{FaultKind, FaultSpec};
pub use server::{SimHandle, start};
pub use time::Clock;

/// How to run a simulator.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Where to listen; port 0 picks a free port (see [`SimHandle::addr`]).
    pub listen: SocketAddr,
    /// Injected failures; `None` = none.
    pub faults: Option<FaultSpec>,
    /// Requests per second over all `/v1` requests (token bucket, burst of one second);
    /// beyond it → 429. `None` = unlimited (ChartMogul's own limit is 40).
    pub rate_limit: Option<u32>,
    /// In-flight `/v1` requests allowed at once; beyond it → 503. `None` = unlimited
    /// (ChartMogul's own limit is 20).
    pub max_connections: Option<usize>,
    /// Accepted API keys; `TOKEN:SECRET` entries are legacy account-token/secret-key pairs.
    /// Empty = any non-empty key is accepted.
    pub api_keys: Vec<String>,
    /// How long a bulk import stays `queued`, and then `processing`, before it moves on.
    pub bulk_processing_delay: Duration,
    /// What "now" is, for "must be in the past" checks and current MRR.
    pub clock: Clock,
    /// How long a whole request may take to arrive once started (slowloris guard).
    pub request_timeout: Duration,
    /// How long a keep-alive connection may idle between requests.
    pub idle_timeout: Duration,
    /// Exchange rates for `/metrics/mrr` in the account currency; empty = no conversion (one
    /// currency reported, see `api::metrics`).
    pub fx_rates: fx::FxRates,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            faults: None,
            rate_limit: None,
            max_connections: None,
            api_keys: Vec::new(),
            bulk_processing_delay: Duration::from_millis(50),
            clock: Clock::System,
            request_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            fx_rates: fx::FxRates::default(),
        }
    }
}

/// `whmcs-chartmogul sim` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Address to listen on (port 0 = any free port).
    #[arg(long, default_value = "127.0.0.1:7111")]
    pub listen: SocketAddr,
    /// Fault injection, e.g. `seed=7,rate=0.2` or
    /// `seed=7,429=0.05,500=0.04,drop-after=0.02,latency=0-50ms` (docs/simulator.md).
    #[arg(long, value_parser = FaultSpec::parse)]
    pub faults: Option<FaultSpec>,
    /// Requests per second before answering 429.
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Concurrent in-flight requests before answering 503.
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// Accepted API key (repeatable; `TOKEN:SECRET` for a legacy pair). Default: any key.
    #[arg(long = "api-key")]
    pub api_keys: Vec<String>,
    /// How long bulk imports stay queued and then processing, in milliseconds.
    #[arg(long, default_value_t = 200)]
    pub bulk_delay_ms: u64,
    /// Exchange rates, WHMCS's form (units per one USD): `EUR=0.92,GBP=0.79`. With them,
    /// `/metrics/mrr` reports every currency converted into the account currency USD, as
    /// ChartMogul does; without, one currency unconverted.
    #[arg(long, value_parser = fx::FxRates::parse)]
    pub fx_rates: Option<fx::FxRates>,
}

impl SimArgs {
    pub fn options(&self) -> SimOptions {
        SimOptions {
            listen: self.listen,
            faults: self.faults.clone(),
            rate_limit: self.rate_limit,
            max_connections: self.max_connections,
            api_keys: self.api_keys.clone(),
            bulk_processing_delay: Duration::from_millis(self.bulk_delay_ms),
            fx_rates: self.fx_rates.clone().unwrap_or_default(),
            ..SimOptions::default()
        }
    }
}

/// The `sim` subcommand: serves in the foreground until killed. Prints the base URL as the
/// first line on stdout so scripts can read it.
pub fn run(args: &SimArgs) -> std::io::Result<()> {
    let sim = start(args.options())?;
    println!("{}", sim.base_url());
    eprintln!(
        "ChartMogul simulator listening on {} (test endpoints: http://{}/__sim/state, /__sim/reset, /__sim/mrr)",
        sim.base_url(),
        sim.addr()
    );
    if let Some(f) = &args.faults {
        eprintln!("faults: {f}");
    }
    sim.wait();
    Ok(())
}
