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
    pub fn new(catalog: &'a Catalog, settings: &'a Settings, now: DateTime<Utc>) -> Result<Self, SettingsError> {
        let zone = match settings.timezone.as_deref().or(catalog.config.timezone.as_deref()) {
            Some(name) => Zone::parse(name).map_err(|e| SettingsError(format!("timezone: {e}")))?,
            None => Zone::UTC,
        };
        Ok(MapContext { catalog, settings, zone, now })
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
