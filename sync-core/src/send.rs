//! **send** — carries a client's planned writes to ChartMogul.
//!
//! Contract: each [`Write`] becomes the request(s) of reference §3–§7, with uuids resolved from
//! what is known ([`Uuids`], filled from the ledger) or looked up by external id **in the data
//! source** when unknown (objects created by a bulk import have no uuid until a later change
//! needs one). A write ChartMogul rejects is returned as a [`Rejection`] with ChartMogul's own
//! message and the run goes on; the client's later writes that depend on it are skipped. Only
//! failures that stop the run (authentication, retry budget spent) are returned as errors.
//! Every request is idempotent by external id, so re-sending after a crash never duplicates.

use std::collections::BTreeMap;

use crate::chartmogul::types as cm;
use crate::chartmogul::{ApiError, Client, ErrorClass, Transport};
use crate::plan::Write;

/// ChartMogul uuids known for external ids, per object kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uuids {
    pub plans: BTreeMap<String, String>,
    pub customers: BTreeMap<String, String>,
    pub invoices: BTreeMap<String, String>,
    pub subscriptions: BTreeMap<String, String>,
}

/// A write ChartMogul refused, with its own message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    /// The ChartMogul object's external id (`whmcs-invoice-1001`, …).
    pub external_id: String,
    pub kind: &'static str,
    pub message: String,
}

/// What happened to one write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Applied (or found applied already); the uuid of the object when one was learned.
    Done {
        uuid: Option<String>,
        invoice_uuids: Vec<(String, String)>,
    },
    Rejected(Rejection),
    /// Not sent because an earlier write of the same client was rejected.
    Skipped,
}

/// Sends `writes` in order. Stops the run only on errors of class `Fatal` or `Retryable`.
pub fn send_writes<T: Transport>(
    client: &mut Client<T>,
    data_source_uuid: &str,
    writes: &[Write],
    uuids: &mut Uuids,
) -> Result<Vec<Outcome>, ApiError> {
    let mut out = Vec::with_capacity(writes.len());
    let mut customer_failed = false;
    for write in writes {
        if customer_failed && !matches!(write, Write::CreatePlan(_) | Write::RenamePlan { .. }) {
            out.push(Outcome::Skipped);
            continue;
        }
        match send_one(client, data_source_uuid, write, uuids) {
            Ok(outcome) => out.push(outcome),
            Err(e)
                if matches!(
                    e.class(),
                    ErrorClass::RejectedRecord | ErrorClass::AlreadyDone
                ) =>
            {
                if matches!(write, Write::CreateCustomer(_)) {
                    customer_failed = true;
                }
                out.push(Outcome::Rejected(Rejection {
                    external_id: subject(write),
                    kind: write.kind(),
                    message: e.to_string(),
                }));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The external id a write is about, for logs.
pub fn subject(write: &Write) -> String {
    match write {
        Write::CreatePlan(p) => p.external_id.clone(),
        Write::RenamePlan { external_id, .. } | Write::UpdateCustomer { external_id, .. } => {
            external_id.clone()
        }
        Write::CreateCustomer(c) => c.external_id.clone(),
        Write::ImportInvoices {
            customer_external_id,
            invoices,
        } => match invoices.as_slice() {
            [one] => one.external_id.clone(),
            _ => customer_external_id.clone(),
        },
        Write::ReimportInvoice { invoice, .. } => invoice.external_id.clone(),
        Write::AddTransactions {
            invoice_external_id,
            ..
        }
        | Write::SetInvoiceStatus {
            invoice_external_id,
            ..
        }
        | Write::DeleteInvoice {
            invoice_external_id,
        } => invoice_external_id.clone(),
        Write::SetCancellationDates {
            subscription_external_id,
            ..
        } => subscription_external_id.clone(),
    }
}

fn done(uuid: Option<String>) -> Outcome {
    Outcome::Done {
        uuid,
        invoice_uuids: Vec::new(),
    }
}

fn send_one<T: Transport>(
    client: &mut Client<T>,
    ds: &str,
    write: &Write,
    uuids: &mut Uuids,
) -> Result<Outcome, ApiError> {
    match write {
        Write::CreatePlan(p) => {
            let uuid = client.create_plan(ds, p)?.into_inner().uuid;
            uuids.plans.insert(p.external_id.clone(), uuid.clone());
            Ok(done(Some(uuid)))
        }
        Write::RenamePlan { external_id, patch } => {
            let uuid = plan_uuid(client, ds, external_id, uuids)?;
            client.update_plan(&uuid, patch)?;
            Ok(done(Some(uuid)))
        }
        Write::CreateCustomer(c) => {
            let uuid = client.create_customer(ds, c)?.into_inner().uuid;
            uuids.customers.insert(c.external_id.clone(), uuid.clone());
            Ok(done(Some(uuid)))
        }
        Write::UpdateCustomer {
            external_id, patch, ..
        } => {
            let uuid = customer_uuid(client, ds, external_id, uuids)?;
            client.update_customer(&uuid, patch)?;
            Ok(done(Some(uuid)))
        }
        Write::ImportInvoices {
            customer_external_id,
            invoices,
        } => {
            let customer = customer_uuid(client, ds, customer_external_id, uuids)?;
            let mut body = invoices.clone();
            resolve_plans(client, ds, &mut body, uuids)?;
            let imported = client.import_invoices(ds, &customer, &body)?;
            let mut pairs = Vec::new();
            for record in imported {
                let record = record.into_inner();
                if let Some(ext) = record.external_id {
                    uuids.invoices.insert(ext.clone(), record.uuid.clone());
                    pairs.push((ext, record.uuid));
                }
            }
            Ok(Outcome::Done {
                uuid: None,
                invoice_uuids: pairs,
            })
        }
        Write::ReimportInvoice {
            customer_external_id,
            invoice,
        } => {
            if let Some(uuid) = invoice_uuid(client, ds, &invoice.external_id, uuids)? {
                client.delete_invoice(&uuid)?;
            }
            uuids.invoices.remove(&invoice.external_id);
            let customer = customer_uuid(client, ds, customer_external_id, uuids)?;
            let mut body = vec![invoice.clone()];
            resolve_plans(client, ds, &mut body, uuids)?;
            let uuid = client
                .import_invoices(ds, &customer, &body)?
                .into_iter()
                .next()
                .map(|r| r.into_inner().uuid);
            if let Some(u) = &uuid {
                uuids
                    .invoices
                    .insert(invoice.external_id.clone(), u.clone());
            }
            Ok(done(uuid))
        }
        Write::AddTransactions {
            invoice_external_id,
            transactions,
        } => {
            let Some(uuid) = invoice_uuid(client, ds, invoice_external_id, uuids)? else {
                return Err(ApiError::NotFound {
                    message: format!("invoice {invoice_external_id} is not in ChartMogul"),
                });
            };
            for t in transactions {
                client.add_transaction(&uuid, t)?;
            }
            Ok(done(Some(uuid)))
        }
        Write::SetInvoiceStatus {
            invoice_external_id,
            status,
        } => {
            client.set_invoice_status(ds, invoice_external_id, *status)?;
            Ok(done(None))
        }
        Write::DeleteInvoice {
            invoice_external_id,
        } => {
            if let Some(uuid) = invoice_uuid(client, ds, invoice_external_id, uuids)? {
                client.delete_invoice(&uuid)?;
            }
            uuids.invoices.remove(invoice_external_id);
            Ok(done(None))
        }
        Write::SetCancellationDates {
            customer_external_id,
            subscription_external_id,
            dates,
        } => {
            let uuid = match uuids.subscriptions.get(subscription_external_id) {
                Some(u) => u.clone(),
                None => {
                    let customer = customer_uuid(client, ds, customer_external_id, uuids)?;
                    for s in client.subscriptions(&customer)? {
                        if let Some(ext) = s.external_id {
                            uuids.subscriptions.insert(ext, s.uuid);
                        }
                    }
                    uuids
                        .subscriptions
                        .get(subscription_external_id)
                        .cloned()
                        .ok_or_else(|| ApiError::NotFound {
                            message: format!(
                                "subscription {subscription_external_id} is not in ChartMogul"
                            ),
                        })?
                }
            };
            client.set_cancellation_dates(
                &uuid,
                &cm::CancellationDates {
                    cancellation_dates: dates.clone(),
                },
            )?;
            Ok(done(Some(uuid)))
        }
    }
}

/// Fills `plan_uuid` of every subscription line from its `plan_external_id`.
fn resolve_plans<T: Transport>(
    client: &mut Client<T>,
    ds: &str,
    invoices: &mut [cm::Invoice],
    uuids: &mut Uuids,
) -> Result<(), ApiError> {
    for inv in invoices {
        for line in &mut inv.line_items {
            if let Some(ext) = line.plan_external_id.clone() {
                line.plan_uuid = Some(plan_uuid(client, ds, &ext, uuids)?);
            }
        }
    }
    Ok(())
}

fn plan_uuid<T: Transport>(
    client: &mut Client<T>,
    ds: &str,
    ext: &str,
    uuids: &mut Uuids,
) -> Result<String, ApiError> {
    if let Some(u) = uuids.plans.get(ext) {
        return Ok(u.clone());
    }
    let found = client
        .find_plan(ds, ext)?
        .ok_or_else(|| ApiError::NotFound {
            message: format!("plan {ext} is not in ChartMogul"),
        })?;
    uuids.plans.insert(ext.to_string(), found.uuid.clone());
    Ok(found.uuid)
}

fn customer_uuid<T: Transport>(
    client: &mut Client<T>,
    ds: &str,
    ext: &str,
    uuids: &mut Uuids,
) -> Result<String, ApiError> {
    if let Some(u) = uuids.customers.get(ext) {
        return Ok(u.clone());
    }
    let found = client
        .find_customer(ds, ext)?
        .ok_or_else(|| ApiError::NotFound {
            message: format!("customer {ext} is not in ChartMogul"),
        })?;
    uuids.customers.insert(ext.to_string(), found.uuid.clone());
    Ok(found.uuid)
}

fn invoice_uuid<T: Transport>(
    client: &mut Client<T>,
    ds: &str,
    ext: &str,
    uuids: &mut Uuids,
) -> Result<Option<String>, ApiError> {
    if let Some(u) = uuids.invoices.get(ext) {
        return Ok(Some(u.clone()));
    }
    let found = client.find_invoice(ds, ext)?.map(|r| r.uuid);
    if let Some(u) = &found {
        uuids.invoices.insert(ext.to_string(), u.clone());
    }
    Ok(found)
}
