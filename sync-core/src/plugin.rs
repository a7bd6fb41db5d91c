//! **plugin** — the seam between the engine and record plugins (the WIT world `wit/plugin.wit`).
//!
//! Contract: after a client is mapped and before it is planned, the engine hands the client's
//! bundle and proposed export to [`Plugins::client`], which answers with the export to send
//! (unchanged or replaced), a drop with a reason, or a failure naming the plugin and the limit
//! it hit. Each plan the engine is about to use goes through [`Plugins::plan`] the same way,
//! once per run (a plan is shared by many clients). The engine logs drops and failures and goes
//! on with the next client; a dropped or failed client — or one whose plan was dropped — has
//! nothing planned this run (nothing already in ChartMogul is removed for it).
//! How plugins run (wasmtime, fuel, memory) is the `plugin-host` crate's business: `sync-core`
//! has no wasmtime in it. Payloads cross as MessagePack maps with named fields ([`encode`]).

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::chartmogul::types::Plan;
use crate::map::ClientExport;
use crate::settings::Settings;
use crate::whmcs::{Catalog, ClientBundle, Id};

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

/// What a `plan` record is made from (its `source` payload): the WHMCS product, addon or
/// domain TLD and the cycle. The product's or addon's catalogue entry is in the context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlanSource {
    /// `tblproducts.id` and the cycle's slug (`monthly`, `annually`, …).
    Product { id: Id, cycle: String },
    /// `tbladdons.id` (0 for ad-hoc addons) and the cycle's slug.
    Addon { id: Id, cycle: String },
    /// A domain TLD without the dot, and the registration period in years.
    Domain { tld: String, years: i64 },
}

impl PlanSource {
    /// Reads a plan's external id (`whmcs-product-3-monthly`, `whmcs-addon-0-annually`,
    /// `whmcs-domain-co.uk-2y`, as `map::ids` makes them) back into its source.
    pub fn of(external_id: &str) -> Option<PlanSource> {
        fn id_cycle(rest: &str) -> Option<(Id, String)> {
            let (id, cycle) = rest.split_once('-')?;
            Some((id.parse().ok()?, cycle.to_string()))
        }
        if let Some(rest) = external_id.strip_prefix("whmcs-product-") {
            let (id, cycle) = id_cycle(rest)?;
            return Some(PlanSource::Product { id, cycle });
        }
        if let Some(rest) = external_id.strip_prefix("whmcs-addon-") {
            let (id, cycle) = id_cycle(rest)?;
            return Some(PlanSource::Addon { id, cycle });
        }
        let rest = external_id
            .strip_prefix("whmcs-domain-")?
            .strip_suffix('y')?;
        let (tld, years) = rest.rsplit_once('-')?;
        Some(PlanSource::Domain {
            tld: tld.to_string(),
            years: years.parse().ok()?,
        })
    }

    /// The WHMCS table and id a log line about the plan names.
    pub fn record(&self) -> (&'static str, Id) {
        match self {
            PlanSource::Product { id, .. } => ("tblproducts", *id),
            PlanSource::Addon { id, .. } => ("tbladdons", *id),
            PlanSource::Domain { .. } => ("tbldomainpricing", 0),
        }
    }
}

/// What the plugins decided about one record: a client's export (the default) or a plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict<T = Box<ClientExport>> {
    /// Send this payload (the proposed one, or a plugin's replacement).
    Send(T),
    /// A plugin dropped the record.
    Drop { plugin: String, reason: String },
    /// A plugin failed on the record and its policy is fail-closed: the record is not sent.
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
    /// Each plugin in turn sees the plan the previous one left. Called once per plan and run.
    fn plan(&mut self, _source: &PlanSource, proposed: Plan) -> Verdict<Plan> {
        Verdict::Send(proposed)
    }
    /// What the plugins logged since the last call (the engine logs it against the record).
    fn drain_messages(&mut self) -> Vec<PluginMessage> {
        Vec::new()
    }
    /// `true` when there are no plugins, so the engine can skip asking.
    fn is_empty(&self) -> bool {
        false
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
    fn is_empty(&self) -> bool {
        true
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

    #[test]
    fn plan_sources_are_read_back_from_the_ids_the_mapping_makes() {
        use crate::map::ids;
        use crate::whmcs::Recurring;
        assert_eq!(
            PlanSource::of(&ids::product_plan(3, Recurring::Monthly)),
            Some(PlanSource::Product {
                id: 3,
                cycle: "monthly".into()
            })
        );
        assert_eq!(
            PlanSource::of(&ids::addon_plan(0, Recurring::Annually)),
            Some(PlanSource::Addon {
                id: 0,
                cycle: "annually".into()
            })
        );
        for tld in ["com", "co.uk", "xn--p1ai"] {
            assert_eq!(
                PlanSource::of(&ids::domain_plan(tld, 2)),
                Some(PlanSource::Domain {
                    tld: tld.into(),
                    years: 2
                })
            );
        }
        for other in [
            "whmcs-client-1",
            "whmcs-domain-17",
            "whmcs-product-x-monthly",
            "",
        ] {
            assert_eq!(PlanSource::of(other), None, "{other}");
        }
        let named = encode(&PlanSource::of("whmcs-domain-com-1y").unwrap());
        let v: serde_json::Value = decode(&named).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"kind": "domain", "tld": "com", "years": 1})
        );
    }
}
