//! §5 Transactions: payments and refunds of exported invoices.
//!
//! Only money tied to an exported invoice is sent. Refunds are found through `refundid` (the
//! payment they refund), not their own `invoiceid`. Applied credit becomes a payment of its own
//! so ChartMogul sees the invoice as paid, except for originals of a mass-payment container:
//! those get shares of the container's gateway payments instead, in proportion to their gross,
//! largest-remainder rounding, fees shared the same way.

use std::collections::{BTreeMap, BTreeSet};

use crate::chartmogul::types::{Transaction, TransactionKind};
use crate::dates::iso;
use crate::money::{Cents, allocate};
use crate::whmcs::{ClientBundle, Id, Invoice};

use super::{MapContext, ids, invoices::is_mass_pay_container};

/// The transactions to send, per exported WHMCS invoice id, each list ordered as WHMCS created
/// them (credit payments last).
pub fn transactions(
    bundle: &ClientBundle,
    exported: &BTreeSet<Id>,
    ctx: &MapContext<'_>,
) -> BTreeMap<Id, Vec<Transaction>> {
    let invoices: BTreeMap<Id, &Invoice> = bundle.invoices.iter().map(|i| (i.id, i)).collect();
    let by_id: BTreeMap<Id, &crate::whmcs::Transaction> =
        bundle.transactions.iter().map(|t| (t.id, t)).collect();

    // Mass-payment containers and the originals they paid (whmcs.md §6.5).
    let mut originals_of: BTreeMap<Id, Vec<Id>> = BTreeMap::new();
    for inv in bundle.invoices.iter().filter(|i| is_mass_pay_container(i)) {
        let mut originals: Vec<Id> = Vec::new();
        for item in &inv.items {
            if !originals.contains(&item.relid) {
                originals.push(item.relid);
            }
        }
        originals_of.insert(inv.id, originals);
    }
    let paid_by_container: BTreeSet<Id> = originals_of.values().flatten().copied().collect();

    let mut out: BTreeMap<Id, Vec<Transaction>> = BTreeMap::new();
    for txn in &bundle.transactions {
        let (kind, amount, target) = if txn.amountin.is_positive() {
            (TransactionKind::Payment, txn.amountin, txn.invoiceid)
        } else if txn.amountout.is_positive() {
            let target = by_id
                .get(&txn.refundid)
                .map_or(txn.invoiceid, |orig| orig.invoiceid);
            (TransactionKind::Refund, txn.amountout, target)
        } else {
            continue;
        };
        let fallback_date = invoices.get(&target).and_then(|i| i.date);
        let date = match (txn.date, fallback_date) {
            (Some(d), _) => iso(ctx.zone.to_utc(d)),
            (None, Some(d)) => iso(ctx.zone.date_to_utc(d)),
            (None, None) => continue,
        };
        let fees = if kind == TransactionKind::Payment {
            txn.fees
        } else {
            Cents::ZERO
        };

        if let Some(originals) = originals_of.get(&target) {
            // The original's `total` is 0 after WHMCS applied the credit: weigh by gross.
            let weights: Vec<Cents> = originals
                .iter()
                .map(|id| invoices.get(id).map_or(Cents::ZERO, |i| i.gross()))
                .collect();
            let amounts = allocate(amount, &weights);
            let fee_shares = allocate(fees, &weights);
            for ((orig, share), fee) in originals.iter().zip(amounts).zip(fee_shares) {
                if exported.contains(orig) && share.is_positive() {
                    out.entry(*orig).or_default().push(transaction(
                        kind,
                        &date,
                        ids::mass_pay_share(txn.id, *orig),
                        share,
                        fee,
                    ));
                }
            }
        } else if exported.contains(&target) {
            out.entry(target).or_default().push(transaction(
                kind,
                &date,
                ids::transaction(txn.id),
                amount,
                fees,
            ));
        }
    }

    for id in exported {
        let Some(inv) = invoices.get(id) else {
            continue;
        };
        if inv.credit.is_positive() && !paid_by_container.contains(id) {
            let date = match (inv.datepaid, inv.date) {
                (Some(d), _) => iso(ctx.zone.to_utc(d)),
                (None, Some(d)) => iso(ctx.zone.date_to_utc(d)),
                (None, None) => continue,
            };
            out.entry(*id).or_default().push(transaction(
                TransactionKind::Payment,
                &date,
                ids::credit_payment(*id),
                inv.credit,
                Cents::ZERO,
            ));
        }
    }
    out
}

/// Keeps an invoice's transactions within what ChartMogul accepts: payments never above the
/// invoice's line total, refunds never above what was paid (reference §5.1). They only exceed
/// it when lines were dropped (orphan items, unknown cycles — each already reported), because
/// WHMCS's payment covers the whole invoice; the excess is not revenue ChartMogul can place.
pub fn cap_to_invoice(transactions: Vec<Transaction>, total: i64) -> Vec<Transaction> {
    // Payments first (credit payments come last in the list but are money in all the same),
    // then refunds against what was paid; the list keeps its order.
    let mut paid = 0i64;
    let mut capped: Vec<Option<i64>> = vec![None; transactions.len()];
    for (i, t) in transactions.iter().enumerate() {
        if t.kind == TransactionKind::Payment {
            let amount = t.amount_in_cents.unwrap_or(0).min((total - paid).max(0));
            paid += amount;
            capped[i] = Some(amount);
        }
    }
    let mut refunded = 0i64;
    for (i, t) in transactions.iter().enumerate() {
        if t.kind == TransactionKind::Refund {
            let amount = t.amount_in_cents.unwrap_or(0).min((paid - refunded).max(0));
            refunded += amount;
            capped[i] = Some(amount);
        }
    }
    transactions
        .into_iter()
        .zip(capped)
        .filter_map(|(mut t, amount)| {
            let amount = amount.filter(|a| *a > 0)?;
            t.amount_in_cents = Some(amount);
            Some(t)
        })
        .collect()
}

fn transaction(
    kind: TransactionKind,
    date: &str,
    external_id: String,
    amount: Cents,
    fees: Cents,
) -> Transaction {
    Transaction {
        kind,
        date: date.to_string(),
        result: "successful".to_string(),
        external_id,
        amount_in_cents: Some(amount.0),
        transaction_fees_in_cents: fees.is_positive().then_some(fees.0),
        invoice_external_id: None,
    }
}
