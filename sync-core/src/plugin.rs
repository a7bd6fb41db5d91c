//! **plugin** — the seam between the engine and record plugins (the WIT world `wit/plugin.wit`).
//!
//! Contract: after a client is mapped and before it is planned, the engine hands the client's
//! bundle and proposed export to [`Plugins::client`], which answers with the export to send
//! (unchanged or replaced), a drop with a reason, or a failure naming the plugin and the limit
//! it hit. The engine logs drops and failures and goes on with the next client; a dropped or
//! failed client has nothing planned this run (nothing already in ChartMogul is removed for it).
//! How plugins run (wasmtime, fuel, memory) is the `plugin-host` crate's business: `sync-core`
//! has no wasmtime in it. Payloads cross as MessagePack maps with named fields ([`encode`]).

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::map::ClientExport;
use crate::settings::Settings;
use crate::whmcs::{Catalog, ClientBundle};

/// The interface version plugins are built against (`package … @1.0.0` in `wit/plugin.wit`).
pub const INTERFACE: &str = "whmcs-chartmogul:plugin@1.0.0";

/// What every plugin receives once per batch, before any record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginContext {
    pub catalog: Catalog,
    pub settings: Settings,
    /// The run's "now", RFC 3339 UTC.
    pub now: String,
}

impl PluginContext {
    pub fn new(catalog: &Catalog, settings: &Settings, now: DateTime<Utc>) -> Self {
        PluginContext {
            catalog: catalog.clone(),
            settings: settings.clone(),
            now: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

/// What the plugins decided about one client.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Send this export (the proposed one, or a plugin's replacement).
    Send(Box<ClientExport>),
    /// A plugin dropped the client.
    Drop { plugin: String, reason: String },
    /// A plugin failed on the client and its policy is fail-closed: the client is not sent.
    Failed { plugin: String, message: String },
}

/// A line a plugin (or the host about a plugin) wants in the connector's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginMessage {
    pub plugin: String,
    /// `true` for warnings (a fail-open plugin's failure, a plugin's own `warn`/`error` log).
    pub warning: bool,
    pub message: String,
}

/// The plugins of a run, in order.
pub trait Plugins {
    /// Called once per run after the catalogue is read. An error stops the run (a plugin
    /// that cannot start would otherwise fail every client).
    fn start(&mut self, context: &PluginContext) -> Result<(), String>;
    /// Each plugin in turn sees the export the previous one left.
    fn client(&mut self, bundle: &ClientBundle, proposed: ClientExport) -> Verdict;
    /// What the plugins logged since the last call (the engine logs it against the client).
    fn drain_messages(&mut self) -> Vec<PluginMessage> {
        Vec::new()
    }
}

/// No plugins: every export is sent as mapped.
pub struct NoPlugins;

impl Plugins for NoPlugins {
    fn start(&mut self, _context: &PluginContext) -> Result<(), String> {
        Ok(())
    }
    fn client(&mut self, _bundle: &ClientBundle, proposed: ClientExport) -> Verdict {
        Verdict::Send(Box::new(proposed))
    }
}

/// MessagePack with named fields: the payload encoding of the plugin interface. (Positional
/// MessagePack would break on the `skip_serializing_if` fields of the ChartMogul types.)
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising these plain data types into a Vec cannot fail.
    rmp_serde::to_vec_named(value).unwrap_or_default()
}

/// Decodes a payload; the error says what did not fit.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    rmp_serde::from_slice(bytes).map_err(|e| format!("not a valid payload: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_round_trips_through_messagepack() {
        let ctx = PluginContext::new(
            &Catalog::default(),
            &Settings::default(),
            DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        );
        let back: PluginContext = decode(&encode(&ctx)).unwrap();
        assert_eq!(back, ctx);
        assert_eq!(back.now, "2023-11-14T22:13:20Z");
        assert!(decode::<PluginContext>(b"\x01\x02garbage").is_err());
    }
}
