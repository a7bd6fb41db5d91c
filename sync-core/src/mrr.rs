//! MRR, two ways: what WHMCS says (from services) and what ChartMogul will compute from what
//! we send (reference §8), so a dry run can preview it and reconciliation can compare.
//!
//! Contract: integer arithmetic only (money never passes through floating point); each
//! subscription's MRR is rounded half away from zero to whole cents, as ChartMogul rounds per
//! line; results are per currency (ChartMogul converts to the account currency; we compare
//! currency by currency so differences are exact, FX is an explanation, not noise).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::chartmogul::types::{self as cm, LineKind};
use crate::dates::{add_months, parse_datetime};
use crate::map::ClientExport;
use crate::settings::{DomainMode, Settings};
use crate::whmcs::{Catalog, ClientBundle, InvoiceStatus, ServiceStatus};

/// Per currency code, MRR in cents.
pub type ByCurrency = BTreeMap<String, i64>;

/// `num / den` rounded half away from zero.
fn round_div(num: i128, den: i128) -> i64 {
    let q = (2 * num.abs() + den) / (2 * den);
    (if num < 0 { -q } else { q }) as i64
}

/// The MRR an admin computes by hand from WHMCS: for every live recurring service, service
/// addon and (with `domains = "subscription"`) domain, its recurring amount (after its
/// recurring discount) divided by its cycle length in months. Live means Active (or Suspended
/// while `suspended_is_active`) and paid at least once on an exported invoice for a period that
/// has begun by `at` — a service still in a free trial has no MRR yet.
pub fn whmcs_mrr(
    bundle: &ClientBundle,
    catalog: &Catalog,
    settings: &Settings,
    at: NaiveDate,
) -> ByCurrency {
    let mut out = ByCurrency::new();
    let Some(currency) = catalog
        .currencies
        .get(&bundle.client.currency)
        .map(|c| c.code.trim().to_ascii_uppercase())
    else {
        return out;
    };
    let live = |s: &ServiceStatus| {
        *s == ServiceStatus::Active
            || (*s == ServiceStatus::Suspended && settings.suspended_is_active)
    };
    // Paid = an exported invoice charged something for it after its own discounts (a 100 %
    // first-period promotion is a trial, not a payment).
    let paid = |kinds: &[&str], relid: i64| {
        bundle.invoices.iter().any(|i| {
            matches!(i.status, InvoiceStatus::Paid | InvoiceStatus::Refunded)
                && settings.exports_status(i.status.as_str())
                && i.items.iter().any(|it| {
                    it.relid == relid
                        && kinds.contains(&it.kind.as_str())
                        && it.duedate.or(i.date).is_some_and(|d| d <= at)
                })
                && i.items
                    .iter()
                    .filter(|it| kinds.contains(&it.kind.as_str()) && it.relid == relid)
                    .map(|it| it.amount)
                    .sum::<crate::Cents>()
                    .is_positive()
        })
    };
    let mut total = 0i64;
    for s in &bundle.services {
        if let Some(cycle) = s.billingcycle.recurring()
            && live(&s.status)
            && paid(&["Hosting", "PromoHosting"], s.id)
        {
            total += round_div(i128::from(s.amount.0), i128::from(cycle.months()));
        }
    }
    for a in &bundle.addons {
        if let Some(cycle) = a.billingcycle.recurring()
            && live(&a.status)
            && paid(&["Addon"], a.id)
        {
            total += round_div(i128::from(a.recurring.0), i128::from(cycle.months()));
        }
    }
    if settings.domains == DomainMode::Subscription {
        use crate::whmcs::DomainStatus::*;
        for d in &bundle.domains {
            let domain_live = matches!(d.status, Active | Grace | Redemption);
            if domain_live
                && paid(
                    &["DomainRegister", "DomainTransfer", "Domain", "PromoDomain"],
                    d.id,
                )
            {
                total += round_div(
                    i128::from(d.recurringamount.0),
                    12 * i128::from(d.registrationperiod.max(1)),
                );
            }
        }
    }
    if total != 0 {
        out.insert(currency, total);
    }
    out
}

/// The MRR ChartMogul will compute at `at` from a client's mapped invoices and cancellations
/// (reference §8): per subscription, its line with the latest period start not after `at`,
/// `(amount − tax)` normalised by the **plan** interval (an average month of 365.25/12 days
/// for day plans), times full ÷ charged period for prorated lines; nothing once cancelled at or
/// before `at` without a later line.
pub fn projected_mrr(export: &ClientExport, at: DateTime<Utc>) -> ByCurrency {
    let plans: BTreeMap<&str, &cm::Plan> = export
        .plans
        .iter()
        .map(|p| (p.external_id.as_str(), p))
        .collect();
    // subscription → (period start, line, currency)
    let mut latest: BTreeMap<&str, (DateTime<Utc>, &cm::LineItem, &str)> = BTreeMap::new();
    let mut cancelled: BTreeMap<&str, Vec<DateTime<Utc>>> = BTreeMap::new();
    for inv in &export.invoices {
        for line in &inv.line_items {
            if line.kind == LineKind::OneTime {
                continue;
            }
            let (Some(sub), Some(start)) = (
                line.subscription_external_id.as_deref(),
                line.service_period_start.as_deref().and_then(ts),
            ) else {
                continue;
            };
            if let Some(c) = line.cancelled_at.as_deref().and_then(ts) {
                cancelled.entry(sub).or_default().push(c);
            }
            if start > at {
                continue;
            }
            if latest.get(sub).is_none_or(|(s, _, _)| start >= *s) {
                latest.insert(sub, (start, line, inv.currency.as_str()));
            }
        }
    }
    for c in export
        .cancellations
        .iter()
        .chain(&export.pending_cancellations)
    {
        if let Some(t) = ts(&c.cancelled_at) {
            cancelled
                .entry(c.subscription_external_id.as_str())
                .or_default()
                .push(t);
        }
    }
    let mut out = ByCurrency::new();
    for (sub, (start, line, currency)) in latest {
        let churned = cancelled
            .get(sub)
            .is_some_and(|dates| dates.iter().any(|c| *c <= at && *c >= start));
        if churned || line.kind == LineKind::Trial {
            continue;
        }
        let Some(plan) = line.plan_external_id.as_deref().and_then(|p| plans.get(p)) else {
            continue;
        };
        let mrr = line_mrr(line, plan, start);
        *out.entry(currency.to_string()).or_default() += mrr;
    }
    out.retain(|_, v| *v != 0);
    out
}

/// One line's MRR by the reference §8 formula.
pub fn line_mrr(line: &cm::LineItem, plan: &cm::Plan, start: DateTime<Utc>) -> i64 {
    let net = i128::from(line.amount_in_cents - line.tax_amount_in_cents);
    let count = i128::from(plan.interval_count.max(1));
    // MRR = net × (month / interval); months as rationals: a day is 12/365.25 = 48/1461 month.
    let (mut num, mut den) = match plan.interval_unit.as_str() {
        "day" => (net * 1461, 48 * count),
        "year" => (net, 12 * count),
        _ => (net, count),
    };
    if line.prorated
        && let Some(end) = line.service_period_end.as_deref().and_then(ts)
    {
        let full_end = match plan.interval_unit.as_str() {
            "day" => start + chrono::Duration::days(plan.interval_count as i64),
            "year" => with_date(
                start,
                add_months(start.date_naive(), 12 * plan.interval_count),
            ),
            _ => with_date(start, add_months(start.date_naive(), plan.interval_count)),
        };
        let charged = (end - start).num_seconds();
        let full = (full_end - start).num_seconds();
        if charged > 0 {
            num *= i128::from(full);
            den *= i128::from(charged);
        }
    }
    round_div(num, den)
}

fn with_date(t: DateTime<Utc>, d: chrono::NaiveDate) -> DateTime<Utc> {
    d.and_time(t.time()).and_utc()
}

fn ts(s: &str) -> Option<DateTime<Utc>> {
    parse_datetime(s).ok().flatten().map(|d| d.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(count: u32, unit: &str) -> cm::Plan {
        cm::Plan {
            data_source_uuid: String::new(),
            name: "p".into(),
            interval_count: count,
            interval_unit: unit.into(),
            external_id: "p".into(),
        }
    }

    fn line(amount: i64, tax: i64, start: &str, end: &str, prorated: bool) -> cm::LineItem {
        cm::LineItem {
            kind: LineKind::Subscription,
            subscription_external_id: Some("s".into()),
            plan_uuid: None,
            plan_external_id: Some("p".into()),
            service_period_start: Some(start.into()),
            service_period_end: Some(end.into()),
            amount_in_cents: amount,
            quantity: None,
            prorated,
            cancelled_at: None,
            discount_amount_in_cents: 0,
            discount_code: None,
            discount_description: None,
            tax_amount_in_cents: tax,
            external_id: None,
            description: None,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        ts(s).unwrap()
    }

    #[test]
    fn the_reference_examples() {
        // A 7-day plan billed 1000 over a 31-day period gives 4348 (reference §8).
        let l = line(
            1000,
            0,
            "2026-01-01T00:00:00Z",
            "2026-02-01T00:00:00Z",
            false,
        );
        assert_eq!(
            line_mrr(&l, &plan(7, "day"), at("2026-01-01T00:00:00Z")),
            4348
        );
        // A quarterly 9000 gives 3000; tax is removed; a yearly 12000 gives 1000.
        let l = line(
            9000,
            0,
            "2026-01-01T00:00:00Z",
            "2026-04-01T00:00:00Z",
            false,
        );
        assert_eq!(
            line_mrr(&l, &plan(3, "month"), at("2026-01-01T00:00:00Z")),
            3000
        );
        let l = line(
            9900,
            900,
            "2026-01-01T00:00:00Z",
            "2026-04-01T00:00:00Z",
            false,
        );
        assert_eq!(
            line_mrr(&l, &plan(3, "month"), at("2026-01-01T00:00:00Z")),
            3000
        );
        let l = line(
            12000,
            0,
            "2026-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
            false,
        );
        assert_eq!(
            line_mrr(&l, &plan(1, "year"), at("2026-01-01T00:00:00Z")),
            1000
        );
    }

    #[test]
    fn a_prorated_line_counts_as_its_full_period() {
        // Half of January (from the 17th: 15 of 31 days) charged 1500 → 3100 a month.
        let l = line(
            1500,
            0,
            "2026-01-17T00:00:00Z",
            "2026-02-01T00:00:00Z",
            true,
        );
        assert_eq!(
            line_mrr(&l, &plan(1, "month"), at("2026-01-17T00:00:00Z")),
            3100
        );
    }
}
