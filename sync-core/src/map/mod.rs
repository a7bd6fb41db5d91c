//! **map** — WHMCS records + [`Settings`] → ChartMogul payloads, by the rules of mapping.md.
//!
//! Contract: pure functions, no I/O, deterministic for the same input (including `now`).
//! [`map_client`] turns one [`ClientBundle`] into everything ChartMogul should hold for that
//! client: the customer, the plans its lines use, its exportable invoices with their line items
//! and transactions, and the cancellations of its ended subscriptions. Problems with single
//! records never abort the mapping; they are returned as [`RecordError`]s naming table, id and
//! column, and the rest of the client is still mapped.
//!
//! One submodule per section of mapping.md: [`ids`] §0, [`plans`] §2, [`customers`] §3,
//! [`invoices`] §4, [`transactions`] §5, [`trials`] §6, [`churn`] §7, [`changes`] §8.

pub mod changes;
pub mod churn;
pub mod customers;
pub mod ids;
pub mod invoices;
pub mod plans;
pub mod transactions;
pub mod trials;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};

use crate::chartmogul::types as cm;
use crate::dates::Zone;
use crate::error::RecordError;
use crate::settings::{Settings, SettingsError};
use crate::whmcs::{Catalog, ClientBundle, Id};

/// What the mapping needs besides the client's own records.
#[derive(Debug, Clone)]
pub struct MapContext<'a> {
    pub catalog: &'a Catalog,
    pub settings: &'a Settings,
    /// The zone WHMCS's dates are in: setting `timezone`, else WHMCS's own, else UTC.
    pub zone: Zone,
    /// "Now": cancellations and lead dates after it wait (mapping.md §1).
    pub now: DateTime<Utc>,
}

impl<'a> MapContext<'a> {
    pub fn new(
        catalog: &'a Catalog,
        settings: &'a Settings,
        now: DateTime<Utc>,
    ) -> Result<Self, SettingsError> {
        let zone = match settings
            .timezone
            .as_deref()
            .or(catalog.config.timezone.as_deref())
        {
            Some(name) => Zone::parse(name).map_err(|e| SettingsError(format!("timezone: {e}")))?,
            None => Zone::UTC,
        };
        Ok(MapContext {
            catalog,
            settings,
            zone,
            now,
        })
    }
}

/// A cancellation of one subscription (mapping.md §7).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cancellation {
    pub subscription_external_id: String,
    /// ISO-8601 UTC.
    pub cancelled_at: String,
    /// Which rule of §7 gave the date, for logs and reconciliation.
    pub rule: churn::ChurnRule,
}

/// Everything ChartMogul should hold for one WHMCS client.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClientExport {
    pub client_id: Id,
    /// `None` when the client is not exported (no invoice, no trial and `export_leads` off).
    pub customer: Option<cm::Customer>,
    /// Every plan a line of this client uses, once each, ordered by external id.
    pub plans: Vec<cm::Plan>,
    /// Exportable invoices, ordered by WHMCS id, each with its transactions.
    pub invoices: Vec<cm::Invoice>,
    /// Cancellations whose date has passed.
    pub cancellations: Vec<Cancellation>,
    /// Cancellations dated after `now`: sent by the first sync after their date.
    pub pending_cancellations: Vec<Cancellation>,
    /// Per-record errors and warnings, including the reader's for this client.
    pub issues: Vec<RecordError>,
}

impl ClientExport {
    /// Nothing for the client: what a plugin chain starts from when a plugin (the mapping
    /// component) makes the whole export itself.
    pub fn empty(client_id: Id) -> Self {
        ClientExport {
            client_id,
            customer: None,
            plans: Vec::new(),
            invoices: Vec::new(),
            cancellations: Vec::new(),
            pending_cancellations: Vec::new(),
            issues: Vec::new(),
        }
    }
}

/// Maps one client (mapping.md §0–§7). Deterministic; never panics on bad data.
pub fn map_client(bundle: &ClientBundle, ctx: &MapContext<'_>) -> ClientExport {
    use std::collections::{BTreeMap, BTreeSet};

    use crate::whmcs::BillingCycle;

    let client = &bundle.client;
    let mut issues: Vec<RecordError> = bundle.read_errors.clone();

    // §2: an unknown cycle is an error naming the service or addon and the string, and every
    // line for it is dropped.
    let mut unknown_cycle = BTreeSet::new();
    for s in &bundle.services {
        if let BillingCycle::Unknown(text) = &s.billingcycle {
            issues.push(RecordError::error(
                "tblhosting",
                s.id,
                Some("billingcycle"),
                "unknown_cycle",
                format!("billing cycle {text:?} matches no WHMCS cycle; the service's lines are not sent"),
            ));
            unknown_cycle.insert(ids::service_subscription(s.id));
        }
    }
    for a in &bundle.addons {
        if let BillingCycle::Unknown(text) = &a.billingcycle {
            issues.push(RecordError::error(
                "tblhostingaddons",
                a.id,
                Some("billingcycle"),
                "unknown_cycle",
                format!(
                    "billing cycle {text:?} matches no WHMCS cycle; the addon's lines are not sent"
                ),
            ));
            unknown_cycle.insert(ids::addon_subscription(a.id));
        }
    }

    let trials = trials::trials(bundle, ctx);
    let mut package_upgrades: BTreeMap<Id, Vec<&crate::whmcs::Upgrade>> = BTreeMap::new();
    for u in bundle
        .upgrades
        .iter()
        .filter(|u| u.completed && u.kind == "package")
    {
        package_upgrades.entry(u.relid).or_default().push(u);
    }
    for list in package_upgrades.values_mut() {
        list.sort_by_key(|u| (u.date, u.id));
    }
    let index = invoices::ClientIndex {
        services: bundle.services.iter().map(|s| (s.id, s)).collect(),
        addons: bundle.addons.iter().map(|a| (a.id, a)).collect(),
        domains: bundle.domains.iter().map(|d| (d.id, d)).collect(),
        upgrades: bundle.upgrades.iter().map(|u| (u.id, u)).collect(),
        package_upgrades,
        trial_subscriptions: trials.subscriptions.clone(),
        unknown_cycle,
    };

    let currency = ctx
        .catalog
        .currencies
        .get(&client.currency)
        .map(|c| c.code.trim().to_ascii_uppercase());
    let mut exported: Vec<cm::Invoice> = Vec::new();
    let mut plans: BTreeMap<String, cm::Plan> = BTreeMap::new();
    let mut last_period: BTreeMap<String, churn::LastPeriod> = BTreeMap::new();
    match &currency {
        Some(code) => {
            for inv in &bundle.invoices {
                let m = invoices::map_invoice(inv, code, &index, ctx, &mut issues);
                for p in m.plans {
                    plans.entry(p.external_id.clone()).or_insert(p);
                }
                for (sub, start, end) in m.periods {
                    let e = last_period
                        .entry(sub)
                        .or_insert(churn::LastPeriod { start, end });
                    e.start = e.start.max(start);
                    e.end = e.end.max(end);
                }
                exported.extend(m.invoice);
            }
        }
        None if bundle
            .invoices
            .iter()
            .any(|i| invoices::skip_reason(i, ctx).is_none()) =>
        {
            issues.push(RecordError::error(
                "tblclients",
                client.id,
                Some("currency"),
                "unknown_currency",
                format!("client currency #{} does not exist in tblcurrencies; its invoices are not sent", client.currency),
            ));
        }
        None => {}
    }

    let exported_ids: BTreeSet<Id> = exported
        .iter()
        .filter_map(|i| ids::invoice_id_of(&i.external_id))
        .collect();
    let mut txns = transactions::transactions(bundle, &exported_ids, ctx);
    for inv in &mut exported {
        if let Some(list) = ids::invoice_id_of(&inv.external_id).and_then(|id| txns.remove(&id)) {
            let total = inv.line_items.iter().map(|l| l.amount_in_cents).sum();
            inv.transactions = transactions::cap_to_invoice(list, total);
        }
    }

    let (cancellations, pending): (Vec<_>, Vec<_>) =
        churn::cancellations(bundle, &last_period, ctx)
            .into_iter()
            .partition(|c| c.cancelled_at.as_str() <= crate::dates::iso(ctx.now).as_str());

    let has_trial = !trials.subscriptions.is_empty();
    let customer = (ctx.settings.export_leads || !exported.is_empty() || has_trial)
        .then(|| customers::customer(client, trials.started_at, ctx, &mut issues));

    ClientExport {
        client_id: client.id,
        customer,
        plans: plans.into_values().collect(),
        invoices: exported,
        cancellations,
        pending_cancellations: pending,
        issues,
    }
}
