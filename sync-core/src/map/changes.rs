//! §8 Changes after export: what to send when WHMCS data changes after it was sent.
//!
//! Pure decisions. The ledger (a later step of the pipeline) remembers per exported object
//! what was sent — a [`fingerprint`] of the body and, for invoices, the transactions — and asks
//! these functions what a new mapping means: nothing, a PATCH of the changed fields, a new
//! transaction on the existing invoice, delete-and-reimport, a status change, a delete.

use std::collections::BTreeSet;

use crate::chartmogul::types::{
    CancellationDates, Customer, CustomerMerge, CustomerPatch, Invoice, InvoiceStatusChange,
    MergeSide, Plan, PlanPatch, Transaction,
};
use crate::settings::Settings;
use crate::whmcs::InvoiceStatus;

use super::ids;

/// A stable 64-bit fingerprint (FNV-1a over the canonical JSON) of what was sent. Stable across
/// builds and machines, unlike `std`'s hasher, because it is stored in the ledger.
pub fn fingerprint<T: serde::Serialize>(value: &T) -> u64 {
    let bytes = serde_json::to_vec(value).expect("payload types always serialise");
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The fingerprint of an invoice's lines and header, without its transactions (those are
/// added one by one and never force a re-import).
pub fn invoice_fingerprint(invoice: &Invoice) -> u64 {
    let mut body = invoice.clone();
    body.transactions.clear();
    fingerprint(&body)
}

/// The fields of `now` that differ from what was `sent` (mapping.md §3: send only what changed
/// in WHMCS, so edits made in ChartMogul to other fields survive).
pub fn customer_patch(sent: &Customer, now: &Customer) -> CustomerPatch {
    fn changed(a: &Option<String>, b: &Option<String>) -> Option<String> {
        // A field WHMCS cleared is sent as an empty string so ChartMogul clears it too.
        (a != b).then(|| b.clone().unwrap_or_default())
    }
    CustomerPatch {
        name: changed(&sent.name, &now.name),
        email: changed(&sent.email, &now.email),
        company: changed(&sent.company, &now.company),
        country: changed(&sent.country, &now.country),
        state: changed(&sent.state, &now.state),
        city: changed(&sent.city, &now.city),
        zip: changed(&sent.zip, &now.zip),
        lead_created_at: changed(&sent.lead_created_at, &now.lead_created_at)
            .filter(|s| !s.is_empty()),
        free_trial_started_at: changed(&sent.free_trial_started_at, &now.free_trial_started_at)
            .filter(|s| !s.is_empty()),
        attributes: (sent.attributes != now.attributes)
            .then(|| now.attributes.clone().unwrap_or_default()),
    }
}

/// A renamed product renames its plans (never creates new ones).
pub fn plan_patch(sent: &Plan, now: &Plan) -> Option<PlanPatch> {
    (sent.name != now.name).then(|| PlanPatch {
        name: now.name.clone(),
    })
}

/// What was sent for an invoice, as the ledger remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentInvoice {
    pub fingerprint: u64,
    pub transactions: BTreeSet<String>,
    /// The status last set in ChartMogul, if any.
    pub status: Option<InvoiceStatusChange>,
}

/// What to do about one invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvoiceChange {
    Nothing,
    /// Not sent before: import it.
    Import,
    /// New payments or refunds on an exported invoice: add them to it.
    AddTransactions(Vec<Transaction>),
    /// Lines or amounts changed (or it comes back after a void): delete it in ChartMogul and
    /// import it again with the same external id.
    Reimport,
    SetStatus(InvoiceStatusChange),
    Delete,
}

/// Decides the change for one invoice (mapping.md §8). `whmcs_status` is `None` when the
/// invoice no longer exists in WHMCS; `mapped` is the current mapping (`None` when it is not
/// exportable now); `sent` is what the ledger holds.
pub fn invoice_change(
    whmcs_status: Option<&InvoiceStatus>,
    mapped: Option<&Invoice>,
    sent: Option<&SentInvoice>,
    settings: &Settings,
) -> InvoiceChange {
    let Some(sent) = sent else {
        return if mapped.is_some() {
            InvoiceChange::Import
        } else {
            InvoiceChange::Nothing
        };
    };
    let Some(status) = whmcs_status else {
        return InvoiceChange::Delete;
    };
    let wanted_status = match status {
        InvoiceStatus::Collections => Some(InvoiceStatusChange::WrittenOff),
        s if !settings.exports_status(s.as_str()) => Some(InvoiceStatusChange::Voided),
        _ => None,
    };
    if let Some(w) = wanted_status {
        return if sent.status == Some(w) {
            InvoiceChange::Nothing
        } else {
            InvoiceChange::SetStatus(w)
        };
    }
    let Some(mapped) = mapped else {
        // Still an exported status but nothing left to send (e.g. every line now dropped).
        return InvoiceChange::Delete;
    };
    if sent.status.is_some() || invoice_fingerprint(mapped) != sent.fingerprint {
        return InvoiceChange::Reimport;
    }
    let new: Vec<Transaction> = mapped
        .transactions
        .iter()
        .filter(|t| !sent.transactions.contains(&t.external_id))
        .cloned()
        .collect();
    if new.is_empty() {
        InvoiceChange::Nothing
    } else {
        InvoiceChange::AddTransactions(new)
    }
}

/// The new `cancellation_dates` of a subscription when they differ from what was sent: the
/// current cancellation, or `[]` to remove the churn of a service that is active again (§7).
pub fn cancellation_change(sent_dates: &[String], now: Option<&str>) -> Option<CancellationDates> {
    let wanted: Vec<String> = now.map(|d| vec![d.to_string()]).unwrap_or_default();
    (sent_dates != wanted.as_slice()).then_some(CancellationDates {
        cancellation_dates: wanted,
    })
}

/// What happens to the customer of a WHMCS client that is gone (§3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientRemoval {
    /// `AfterClientMerge`: merge the customer into the surviving one, never delete it.
    Merge(CustomerMerge),
    Delete,
    /// `propagate_deletions` is off.
    Keep,
}

pub fn client_removal(
    client_id: i64,
    merged_into: Option<i64>,
    settings: &Settings,
) -> ClientRemoval {
    match merged_into {
        Some(into) => ClientRemoval::Merge(CustomerMerge {
            from: MergeSide {
                data_source_uuid: String::new(),
                external_id: ids::customer(client_id),
            },
            into: MergeSide {
                data_source_uuid: String::new(),
                external_id: ids::customer(into),
            },
        }),
        None if settings.propagate_deletions => ClientRemoval::Delete,
        None => ClientRemoval::Keep,
    }
}
