//! **plan** — what must be written to ChartMogul for one client: the mapping compared with
//! what the ledger says was sent.
//!
//! Contract: pure. Given a client's WHMCS records, their mapping ([`ClientExport`]) and what
//! was sent before ([`Sent`]), [`plan_client`] lists the [`Write`]s that make ChartMogul match,
//! in the order they must be sent (plans, customer, invoices, transactions and statuses,
//! deletions, cancellations). Planning twice against an up-to-date ledger gives no writes, so a
//! second sync sends nothing. Every write is idempotent by external id, so sending a plan that
//! was partly sent before (a killed run) never duplicates anything.
//!
//! Cancellations known when a subscription's newest line is imported travel inside that line
//! (`cancelled_at`), saving a request per churned subscription; later changes use the
//! subscription's `cancellation_dates` (reference §7).

use std::collections::{BTreeMap, BTreeSet};

use crate::chartmogul::types::{self as cm, CustomerPatch, InvoiceStatusChange, PlanPatch};
use crate::error::RecordError;
use crate::map::changes::{self, InvoiceChange, SentInvoice};
use crate::map::{ClientExport, ids};
use crate::settings::Settings;
use crate::whmcs::ClientBundle;

/// What the ledger holds for one client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sent {
    /// The customer body last sent (so a PATCH carries only what changed since).
    pub customer: Option<cm::Customer>,
    /// Per invoice external id.
    pub invoices: BTreeMap<String, SentInvoice>,
    /// Per subscription external id: the cancellation dates ChartMogul holds.
    pub cancellations: BTreeMap<String, Vec<String>>,
}

/// One write to ChartMogul.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    CreatePlan(cm::Plan),
    RenamePlan {
        external_id: String,
        patch: PlanPatch,
    },
    CreateCustomer(Box<cm::Customer>),
    /// `body` is the full new customer, remembered for the next diff.
    UpdateCustomer {
        external_id: String,
        patch: Box<CustomerPatch>,
        body: Box<cm::Customer>,
    },
    /// New invoices of one customer (one request, or part of a bulk import).
    ImportInvoices {
        customer_external_id: String,
        invoices: Vec<cm::Invoice>,
    },
    /// Delete the invoice in ChartMogul and import it again with the same external id.
    ReimportInvoice {
        customer_external_id: String,
        invoice: cm::Invoice,
    },
    AddTransactions {
        invoice_external_id: String,
        transactions: Vec<cm::Transaction>,
    },
    SetInvoiceStatus {
        invoice_external_id: String,
        status: InvoiceStatusChange,
    },
    DeleteInvoice {
        invoice_external_id: String,
    },
    /// Replace a subscription's cancellation dates (`[]` removes the churn).
    SetCancellationDates {
        customer_external_id: String,
        subscription_external_id: String,
        dates: Vec<String>,
    },
}

impl Write {
    /// The object kind counted in reports (`--json`, the admin page).
    pub fn kind(&self) -> &'static str {
        match self {
            Write::CreatePlan(_) | Write::RenamePlan { .. } => "plans",
            Write::CreateCustomer(_) | Write::UpdateCustomer { .. } => "customers",
            Write::ImportInvoices { .. }
            | Write::ReimportInvoice { .. }
            | Write::SetInvoiceStatus { .. }
            | Write::DeleteInvoice { .. } => "invoices",
            Write::AddTransactions { .. } => "transactions",
            Write::SetCancellationDates { .. } => "cancellations",
        }
    }
}

/// The writes for one client, and the mapping problems that keep records from being sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientPlan {
    pub client_id: i64,
    pub writes: Vec<Write>,
    /// Fingerprints to record per invoice external id once its write is confirmed: the
    /// mapping's own body, before any inline cancellation was added to it.
    pub invoice_fingerprints: BTreeMap<String, u64>,
    /// Cancellation dates each subscription will hold once the writes are sent.
    pub cancellations: BTreeMap<String, Vec<String>>,
}

/// Plans one client. `plans_sent` maps plan external ids to the name last sent; plans missing
/// from it are created (the caller updates it as plans are sent, so each plan is created once).
pub fn plan_client(
    bundle: &ClientBundle,
    export: &ClientExport,
    sent: &Sent,
    plans_sent: &BTreeMap<String, String>,
    settings: &Settings,
) -> ClientPlan {
    let mut plan = ClientPlan {
        client_id: export.client_id,
        ..ClientPlan::default()
    };
    let customer_id = ids::customer(export.client_id);

    for p in &export.plans {
        match plans_sent.get(&p.external_id) {
            None => plan.writes.push(Write::CreatePlan(p.clone())),
            Some(name) if *name != p.name => plan.writes.push(Write::RenamePlan {
                external_id: p.external_id.clone(),
                patch: PlanPatch {
                    name: p.name.clone(),
                },
            }),
            Some(_) => {}
        }
    }

    match (&export.customer, &sent.customer) {
        (Some(now), None) => plan
            .writes
            .push(Write::CreateCustomer(Box::new(now.clone()))),
        (Some(now), Some(before)) => {
            let patch = changes::customer_patch(before, now);
            if !patch.is_empty() {
                plan.writes.push(Write::UpdateCustomer {
                    external_id: customer_id.clone(),
                    patch: Box::new(patch),
                    body: Box::new(now.clone()),
                });
            }
        }
        // Not exported (any more): what was sent stays; deletions are the client's removal.
        (None, _) => {}
    }
    // Invoices cannot exist without their customer.
    if export.customer.is_none() && sent.customer.is_none() {
        return plan;
    }

    let statuses: BTreeMap<String, &crate::whmcs::InvoiceStatus> = bundle
        .invoices
        .iter()
        .map(|i| (ids::invoice(i.id), &i.status))
        .collect();
    let mapped: BTreeMap<&str, &cm::Invoice> = export
        .invoices
        .iter()
        .map(|i| (i.external_id.as_str(), i))
        .collect();
    let mut new_invoices = Vec::new();
    let mut later = Vec::new();
    let every_id: BTreeSet<&str> = mapped
        .keys()
        .copied()
        .chain(sent.invoices.keys().map(String::as_str))
        .collect();
    for id in every_id {
        let now = mapped.get(id).copied();
        if let Some(inv) = now {
            plan.invoice_fingerprints
                .insert(id.to_string(), changes::invoice_fingerprint(inv));
        }
        match changes::invoice_change(
            statuses.get(id).copied(),
            now,
            sent.invoices.get(id),
            settings,
        ) {
            InvoiceChange::Nothing => {}
            InvoiceChange::Import => {
                new_invoices.push(now.expect("import needs a mapped invoice").clone())
            }
            InvoiceChange::Reimport => later.push(Write::ReimportInvoice {
                customer_external_id: customer_id.clone(),
                invoice: now.expect("reimport needs a mapped invoice").clone(),
            }),
            InvoiceChange::AddTransactions(transactions) => later.push(Write::AddTransactions {
                invoice_external_id: id.to_string(),
                transactions,
            }),
            InvoiceChange::SetStatus(status) => later.push(Write::SetInvoiceStatus {
                invoice_external_id: id.to_string(),
                status,
            }),
            InvoiceChange::Delete => later.push(Write::DeleteInvoice {
                invoice_external_id: id.to_string(),
            }),
        }
    }

    // Cancellations (§7): inline on the newest line when that line is imported now and the
    // subscription was never cancelled before; otherwise through cancellation_dates.
    let wanted: BTreeMap<&str, Vec<String>> = subscriptions_of(export)
        .into_iter()
        .map(|sub| {
            let dates = export
                .cancellations
                .iter()
                .filter(|c| c.subscription_external_id == sub)
                .map(|c| c.cancelled_at.clone())
                .collect();
            (sub, dates)
        })
        .collect();
    let mut dates_later = Vec::new();
    for (sub, dates) in &wanted {
        let before = sent.cancellations.get(*sub).cloned().unwrap_or_default();
        if *dates == before {
            continue;
        }
        plan.cancellations.insert(sub.to_string(), dates.clone());
        if before.is_empty()
            && dates.len() == 1
            && inline_cancellation(export, &mut new_invoices, sub, &dates[0])
        {
            continue;
        }
        dates_later.push(Write::SetCancellationDates {
            customer_external_id: customer_id.clone(),
            subscription_external_id: sub.to_string(),
            dates: dates.clone(),
        });
    }

    if !new_invoices.is_empty() {
        plan.writes.push(Write::ImportInvoices {
            customer_external_id: customer_id.clone(),
            invoices: new_invoices,
        });
    }
    plan.writes.extend(later);
    plan.writes.extend(dates_later);
    plan
}

/// Subscription external ids with at least one line in the client's exported invoices.
fn subscriptions_of(export: &ClientExport) -> BTreeSet<&str> {
    export
        .invoices
        .iter()
        .flat_map(|i| i.line_items.iter())
        .filter_map(|l| l.subscription_external_id.as_deref())
        .collect()
}

/// Sets `cancelled_at` on the subscription's newest line when the invoice holding it is among
/// the invoices imported now (a line sent earlier cannot be changed without a re-import) and
/// the cancellation is not before that line's period start. Returns whether it did.
fn inline_cancellation(
    export: &ClientExport,
    invoices: &mut [cm::Invoice],
    subscription: &str,
    at: &str,
) -> bool {
    let newest = export
        .invoices
        .iter()
        .flat_map(|inv| inv.line_items.iter().map(move |l| (inv, l)))
        .filter(|(_, l)| l.subscription_external_id.as_deref() == Some(subscription))
        .max_by(|a, b| a.1.service_period_start.cmp(&b.1.service_period_start));
    let Some((newest_invoice, newest_line)) = newest else {
        return false;
    };
    if newest_line
        .service_period_start
        .as_deref()
        .is_some_and(|s| s > at)
    {
        return false;
    }
    let Some(inv) = invoices
        .iter_mut()
        .find(|i| i.external_id == newest_invoice.external_id)
    else {
        return false;
    };
    match inv
        .line_items
        .iter_mut()
        .find(|l| l.external_id == newest_line.external_id)
    {
        Some(line) => {
            line.cancelled_at = Some(at.to_string());
            true
        }
        None => false,
    }
}

impl Sent {
    /// Records a write ChartMogul confirmed, so the next plan starts from it. `plan` supplies
    /// the fingerprints and cancellation dates the write establishes.
    pub fn apply(&mut self, write: &Write, plan: &ClientPlan) {
        let fingerprint = |id: &str| {
            plan.invoice_fingerprints
                .get(id)
                .copied()
                .unwrap_or_default()
        };
        let sent_invoice = |inv: &cm::Invoice| SentInvoice {
            fingerprint: fingerprint(&inv.external_id),
            transactions: inv
                .transactions
                .iter()
                .map(|t| t.external_id.clone())
                .collect(),
            status: None,
        };
        match write {
            Write::CreatePlan(_) | Write::RenamePlan { .. } => {}
            Write::CreateCustomer(body) | Write::UpdateCustomer { body, .. } => {
                self.customer = Some((**body).clone())
            }
            Write::ImportInvoices { invoices, .. } => {
                for inv in invoices {
                    self.invoices
                        .insert(inv.external_id.clone(), sent_invoice(inv));
                    for line in &inv.line_items {
                        if let (Some(sub), Some(at)) =
                            (&line.subscription_external_id, &line.cancelled_at)
                        {
                            self.cancellations.insert(sub.clone(), vec![at.clone()]);
                        }
                    }
                }
            }
            Write::ReimportInvoice { invoice, .. } => {
                self.invoices
                    .insert(invoice.external_id.clone(), sent_invoice(invoice));
            }
            Write::AddTransactions {
                invoice_external_id,
                transactions,
            } => {
                if let Some(s) = self.invoices.get_mut(invoice_external_id) {
                    s.transactions
                        .extend(transactions.iter().map(|t| t.external_id.clone()));
                }
            }
            Write::SetInvoiceStatus {
                invoice_external_id,
                status,
            } => {
                if let Some(s) = self.invoices.get_mut(invoice_external_id) {
                    s.status = Some(*status);
                }
            }
            Write::DeleteInvoice {
                invoice_external_id,
            } => {
                self.invoices.remove(invoice_external_id);
            }
            Write::SetCancellationDates {
                subscription_external_id,
                dates,
                ..
            } => {
                self.cancellations
                    .insert(subscription_external_id.clone(), dates.clone());
            }
        }
    }
}

/// Records why a client's records were not all sent: the mapping's errors, for the log.
pub fn rejected(export: &ClientExport) -> Vec<RecordError> {
    export
        .issues
        .iter()
        .filter(|i| i.is_error())
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests;
