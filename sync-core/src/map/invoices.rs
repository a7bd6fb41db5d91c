//! §4 Invoices: which WHMCS invoices are exported and what their line items become.
//!
//! Per invoice, in this order: classify every item by type (§4.2) into a draft line or a fold
//! (promotions and domain addons fold into their target line; group discounts and target-less
//! discounts spread over the other lines); clamp folded lines at 0; allocate the invoice's
//! `tax + tax2` over the taxed lines (§4.4); only then drop the lines that cannot be sent
//! (unknown cycle, orphan item, excluded domains, add-funds, zero one-time lines, trial lines).
//! Dropping last keeps every other line's discount and tax share the same whatever is dropped,
//! and makes the invariant checkable: Σ sent amounts = gross − Σ dropped amounts.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};

use crate::chartmogul::types::{self as cm, LineKind, Plan};
use crate::dates::{add_months, iso};
use crate::error::RecordError;
use crate::money::{Cents, allocate};
use crate::settings::DomainMode;
use crate::whmcs::{
    BillingCycle, Domain, Id, Invoice, InvoiceItem, Recurring, Service, ServiceAddon, TaxType,
    Upgrade,
};

use super::{MapContext, ids, plans};

const ITEMS: &str = "tblinvoiceitems";

/// The client's records the invoice mapping looks things up in.
pub struct ClientIndex<'a> {
    pub services: BTreeMap<Id, &'a Service>,
    pub addons: BTreeMap<Id, &'a ServiceAddon>,
    pub domains: BTreeMap<Id, &'a Domain>,
    pub upgrades: BTreeMap<Id, &'a Upgrade>,
    /// Completed package upgrades per service, ordered by (date, id).
    pub package_upgrades: BTreeMap<Id, Vec<&'a Upgrade>>,
    /// Subscriptions that started on a trial (§6), by subscription external id.
    pub trial_subscriptions: BTreeSet<String>,
    /// Subscriptions whose cycle is unknown: every line for them is dropped (§2).
    pub unknown_cycle: BTreeSet<String>,
}

/// Why an invoice is not exported (§4.1); `None` from [`skip_reason`] means "consider it".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    Status,
    NoItems,
    MassPayContainer,
    AddFunds,
}

/// Invoice-level rules of §4.1 that do not need the lines.
pub fn skip_reason(invoice: &Invoice, ctx: &MapContext<'_>) -> Option<Skip> {
    if !ctx.settings.exports_status(invoice.status.as_str()) {
        return Some(Skip::Status);
    }
    if invoice.items.is_empty() {
        return Some(Skip::NoItems);
    }
    if is_mass_pay_container(invoice) {
        return Some(Skip::MassPayContainer);
    }
    if invoice.items.iter().all(|i| i.kind == "AddFunds") {
        return Some(Skip::AddFunds);
    }
    None
}

/// Every item is of type `Invoice`: a mass-payment container (whmcs.md §6.5).
pub fn is_mass_pay_container(invoice: &Invoice) -> bool {
    !invoice.items.is_empty() && invoice.items.iter().all(|i| i.kind == "Invoice")
}

/// The result of mapping one invoice.
#[derive(Debug, Clone, Default)]
pub struct MappedInvoice {
    /// `None` when the invoice is not exported.
    pub invoice: Option<cm::Invoice>,
    /// Plans used by its subscription lines.
    pub plans: Vec<Plan>,
    /// (subscription external id, service period start, end) of each sent subscription line.
    pub periods: Vec<(String, NaiveDate, NaiveDate)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Drop {
    UnknownCycle,
    Orphan,
    Excluded,
    NotRevenue,
    Trial,
}

#[derive(Debug, Clone)]
struct Draft {
    item_id: Id,
    kind: LineKind,
    subscription: Option<String>,
    plan: Option<Plan>,
    period: Option<(NaiveDate, NaiveDate)>,
    prorated: bool,
    quantity: Option<i64>,
    amount: Cents,
    discount: Cents,
    discount_code: Option<String>,
    taxed: bool,
    tax: Cents,
    description: Option<String>,
    drop: Option<Drop>,
    /// What folds into this line: `("service", id)`, `("domain", id)`.
    fold_key: Option<(&'static str, Id)>,
}

impl Draft {
    fn one_time(item: &InvoiceItem) -> Draft {
        Draft {
            item_id: item.id,
            kind: LineKind::OneTime,
            subscription: None,
            plan: None,
            period: None,
            prorated: false,
            quantity: None,
            amount: item.amount,
            discount: Cents::ZERO,
            discount_code: None,
            taxed: item.taxed,
            tax: Cents::ZERO,
            description: super::customers::set(&item.description),
            drop: None,
            fold_key: None,
        }
    }

    /// A subscription line of `subscription` on `plan` for `period`.
    fn subscription(
        item: &InvoiceItem,
        subscription: String,
        plan: Plan,
        period: (NaiveDate, NaiveDate),
        prorated: bool,
        quantity: i64,
    ) -> Draft {
        Draft {
            kind: LineKind::Subscription,
            subscription: Some(subscription),
            plan: Some(plan),
            period: Some(period),
            prorated,
            quantity: Some(quantity.max(1)),
            ..Draft::one_time(item)
        }
    }

    fn dropped(item: &InvoiceItem, why: Drop) -> Draft {
        Draft {
            drop: Some(why),
            ..Draft::one_time(item)
        }
    }
}

enum Fold {
    /// A negative discount for the line with this key (promotion).
    Discount {
        key: (&'static str, Id),
        amount: Cents,
        code: Option<String>,
    },
    /// An extra charge for the line with this key (domain addons).
    Charge { key: (&'static str, Id), item: Id },
    /// A discount spread over every other line (group discount, or a target-less discount).
    Spread { amount: Cents },
}

/// Maps one invoice (§4, with the trial rule of §6). Issues are pushed to `issues`.
pub fn map_invoice(
    invoice: &Invoice,
    currency: &str,
    index: &ClientIndex<'_>,
    ctx: &MapContext<'_>,
    issues: &mut Vec<RecordError>,
) -> MappedInvoice {
    let mut out = MappedInvoice::default();
    if skip_reason(invoice, ctx).is_some() {
        return out;
    }
    let Some(invoice_date) = invoice.date else {
        issues.push(RecordError::error(
            "tblinvoices",
            invoice.id,
            Some("date"),
            "missing_invoice_date",
            "invoice has no date (0000-00-00); not exported",
        ));
        return out;
    };

    let mut drafts: Vec<Draft> = Vec::new();
    let mut folds: Vec<Fold> = Vec::new();
    for item in &invoice.items {
        classify(
            item,
            invoice_date,
            index,
            ctx,
            issues,
            &mut drafts,
            &mut folds,
        );
    }

    // Folds into target lines (§4.2); a discount without a target is spread instead.
    let mut spreads: Vec<Cents> = Vec::new();
    for fold in folds {
        match fold {
            Fold::Discount { key, amount, code } => {
                match drafts.iter_mut().find(|d| d.fold_key == Some(key)) {
                    Some(d) => {
                        d.amount += amount;
                        d.discount -= amount;
                        if d.discount_code.is_none() {
                            d.discount_code = code;
                        }
                    }
                    None => spreads.push(amount),
                }
            }
            Fold::Charge { key, item } => {
                let it = invoice
                    .items
                    .iter()
                    .find(|i| i.id == item)
                    .expect("fold comes from this invoice");
                match drafts.iter_mut().find(|d| d.fold_key == Some(key)) {
                    Some(d) => d.amount += it.amount,
                    None if ctx.settings.domains == DomainMode::Exclude => {
                        drafts.push(Draft::dropped(it, Drop::Excluded))
                    }
                    None => drafts.push(Draft::one_time(it)),
                }
            }
            Fold::Spread { amount } => spreads.push(amount),
        }
    }
    for amount in spreads {
        let weights: Vec<Cents> = drafts.iter().map(|d| d.amount).collect();
        if weights.is_empty() {
            continue;
        }
        for (d, share) in drafts.iter_mut().zip(allocate(amount, &weights)) {
            d.amount += share;
            d.discount -= share;
        }
    }
    for d in drafts.iter_mut().filter(|d| d.drop.is_none()) {
        if d.amount.is_negative() {
            issues.push(RecordError::warning(
                ITEMS,
                d.item_id,
                Some("amount"),
                "amount_clamped",
                format!(
                    "line amount {} after discounts is below zero; sent as 0.00",
                    d.amount
                ),
            ));
            d.discount += d.amount;
            d.amount = Cents::ZERO;
        }
    }

    // Tax (§4.4): the invoice's tax over its taxed lines, in proportion to folded amounts.
    let tax_total = invoice.tax + invoice.tax2;
    if !tax_total.is_zero() && !drafts.is_empty() {
        let taxed: Vec<usize> = match (0..drafts.len())
            .filter(|&i| drafts[i].taxed)
            .collect::<Vec<_>>()
        {
            v if v.is_empty() => (0..drafts.len()).collect(),
            v => v,
        };
        let weights: Vec<Cents> = taxed.iter().map(|&i| drafts[i].amount).collect();
        for (&i, share) in taxed.iter().zip(allocate(tax_total, &weights)) {
            drafts[i].tax = share;
        }
    }
    let inclusive = ctx.catalog.config.tax_type == TaxType::Inclusive;
    for d in &mut drafts {
        if !inclusive {
            d.amount += d.tax;
        }
    }

    // Trial lines (§6) and zero one-time lines are not sent; everything else dropped now.
    let trial_invoice = drafts.iter().any(|d| {
        d.subscription
            .as_ref()
            .is_some_and(|s| index.trial_subscriptions.contains(s))
    });
    for d in &mut drafts {
        if d.drop.is_some() {
            continue;
        }
        let is_trial = d.kind == LineKind::Subscription
            && d.amount.is_zero()
            && d.subscription
                .as_ref()
                .is_some_and(|s| index.trial_subscriptions.contains(s));
        if is_trial {
            if ctx.settings.trial_line_items {
                d.kind = LineKind::Trial;
            } else {
                d.drop = Some(Drop::Trial);
            }
        } else if d.kind == LineKind::OneTime && d.amount.is_zero() {
            d.drop = Some(Drop::NotRevenue);
        }
    }

    // §4.1: zero invoices are not revenue unless asked for or a trial invoice with trial lines.
    let gross = invoice.gross();
    if gross.is_zero()
        && !ctx.settings.export_zero_invoices
        && !(trial_invoice && ctx.settings.trial_line_items)
    {
        return out;
    }

    let dropped: Cents = drafts
        .iter()
        .filter(|d| d.drop.is_some())
        .map(|d| d.amount)
        .sum();
    let sent: Vec<Draft> = drafts.into_iter().filter(|d| d.drop.is_none()).collect();
    if sent.is_empty() {
        return out;
    }
    let total: Cents = sent.iter().map(|d| d.amount).sum();
    let expected = gross - dropped;
    if total != expected {
        issues.push(RecordError::error(
            "tblinvoices",
            invoice.id,
            None,
            "invoice_sum_mismatch",
            format!(
                "line amounts sum to {total} but the invoice's subtotal + tax + tax2 minus dropped lines is {expected}; sent as computed"
            ),
        ));
    }

    let invoicenum = super::customers::set(&invoice.invoicenum);
    let mut line_items = Vec::with_capacity(sent.len());
    for (n, d) in sent.into_iter().enumerate() {
        let mut description = d.description;
        if n == 0
            && let Some(num) = &invoicenum
        {
            description = Some(match description {
                Some(desc) => format!("Invoice {num}: {desc}"),
                None => format!("Invoice {num}"),
            });
        }
        if let (Some(sub), Some((start, end))) = (&d.subscription, d.period) {
            out.periods.push((sub.clone(), start, end));
        }
        if let Some(p) = &d.plan
            && !out
                .plans
                .iter()
                .any(|q: &Plan| q.external_id == p.external_id)
        {
            out.plans.push(p.clone());
        }
        line_items.push(cm::LineItem {
            kind: d.kind,
            subscription_external_id: d.subscription,
            plan_uuid: None,
            plan_external_id: d.plan.map(|p| p.external_id),
            service_period_start: d.period.map(|(s, _)| iso(ctx.zone.date_to_utc(s))),
            service_period_end: d.period.map(|(_, e)| iso(ctx.zone.date_to_utc(e))),
            amount_in_cents: d.amount.0,
            quantity: d.quantity,
            prorated: d.prorated,
            cancelled_at: None,
            discount_amount_in_cents: d.discount.0,
            discount_code: d.discount_code,
            discount_description: None,
            tax_amount_in_cents: d.tax.0,
            external_id: Some(ids::line_item(d.item_id)),
            description,
        });
    }

    out.invoice = Some(cm::Invoice {
        external_id: ids::invoice(invoice.id),
        date: iso(ctx.zone.date_to_utc(invoice_date)),
        currency: currency.to_string(),
        due_date: invoice.duedate.map(|d| iso(ctx.zone.date_to_utc(d))),
        customer_external_id: None,
        line_items,
        transactions: Vec::new(),
    });
    out
}

/// Classifies one item by its type (the table of §4.2).
fn classify(
    item: &InvoiceItem,
    invoice_date: NaiveDate,
    index: &ClientIndex<'_>,
    ctx: &MapContext<'_>,
    issues: &mut Vec<RecordError>,
    drafts: &mut Vec<Draft>,
    folds: &mut Vec<Fold>,
) {
    match item.kind.as_str() {
        "Hosting" => {
            let Some(service) = index.services.get(&item.relid) else {
                orphan(item, "service (tblhosting)", issues);
                drafts.push(Draft::dropped(item, Drop::Orphan));
                return;
            };
            drafts.push(service_line(
                item,
                service,
                invoice_date,
                index,
                ctx,
                issues,
            ));
        }
        "Setup"
            if index
                .unknown_cycle
                .contains(&ids::service_subscription(item.relid)) =>
        {
            drafts.push(Draft::dropped(item, Drop::UnknownCycle))
        }
        "Setup" | "Item" | "LateFee" | "DomainRedemptionFee" | "Project" | "" => {
            drafts.push(Draft::one_time(item))
        }
        "PromoHosting" => {
            let code = index
                .services
                .get(&item.relid)
                .and_then(|s| promo_code(s.promoid, ctx));
            folds.push(Fold::Discount {
                key: ("service", item.relid),
                amount: item.amount,
                code,
            });
        }
        "Addon" => {
            let Some(addon) = index.addons.get(&item.relid) else {
                orphan(item, "service addon (tblhostingaddons)", issues);
                drafts.push(Draft::dropped(item, Drop::Orphan));
                return;
            };
            drafts.push(addon_line(item, addon, invoice_date, ctx, issues));
        }
        "DomainRegister" | "DomainTransfer" | "Domain" => {
            let Some(domain) = index.domains.get(&item.relid) else {
                orphan(item, "domain (tbldomains)", issues);
                drafts.push(Draft::dropped(item, Drop::Orphan));
                return;
            };
            drafts.push(domain_line(item, domain, invoice_date, ctx, issues));
        }
        "DomainAddonDNS" | "DomainAddonEMF" | "DomainAddonIDP" => folds.push(Fold::Charge {
            key: ("domain", item.relid),
            item: item.id,
        }),
        "PromoDomain" => {
            if ctx.settings.domains == DomainMode::Exclude {
                drafts.push(Draft::dropped(item, Drop::Excluded));
                return;
            }
            let code = index
                .domains
                .get(&item.relid)
                .and_then(|d| promo_code(d.promoid, ctx));
            folds.push(Fold::Discount {
                key: ("domain", item.relid),
                amount: item.amount,
                code,
            });
        }
        "GroupDiscount" => folds.push(Fold::Spread {
            amount: item.amount,
        }),
        "Upgrade" => match upgrade_line(item, index, ctx, issues) {
            Some(d) => drafts.push(d),
            None => drafts.push(Draft::dropped(item, Drop::Orphan)),
        },
        "AddFunds" | "Invoice" => drafts.push(Draft::dropped(item, Drop::NotRevenue)),
        other => {
            issues.push(RecordError::warning(
                ITEMS,
                item.id,
                Some("type"),
                "unknown_item_type",
                format!("item type {other:?} has no mapping rule; sent as a one-time charge"),
            ));
            drafts.push(Draft::one_time(item));
        }
    }
}

fn orphan(item: &InvoiceItem, what: &str, issues: &mut Vec<RecordError>) {
    issues.push(RecordError::error(
        ITEMS,
        item.id,
        Some("relid"),
        "orphan_item",
        format!(
            "{} item refers to {what} #{} which does not exist; line not sent",
            item.kind, item.relid
        ),
    ));
}

fn promo_code(promoid: Id, ctx: &MapContext<'_>) -> Option<String> {
    ctx.catalog
        .promotions
        .get(&promoid)
        .and_then(|p| super::customers::set(&p.code))
}

/// A `Hosting` item: a subscription line on the plan in effect on the invoice date (§4.3), or a
/// one-time line for One Time / Free Account services.
fn service_line(
    item: &InvoiceItem,
    service: &Service,
    invoice_date: NaiveDate,
    index: &ClientIndex<'_>,
    ctx: &MapContext<'_>,
    issues: &mut Vec<RecordError>,
) -> Draft {
    let subscription = ids::service_subscription(service.id);
    if index.unknown_cycle.contains(&subscription) {
        return Draft {
            fold_key: Some(("service", service.id)),
            ..Draft::dropped(item, Drop::UnknownCycle)
        };
    }
    let (product_id, cycle) = plan_in_effect(service, item, invoice_date, index, ctx);
    let Some(cycle) = cycle.recurring() else {
        return Draft {
            fold_key: Some(("service", service.id)),
            ..Draft::one_time(item)
        };
    };
    let (start, end, prorated) = period(item, invoice_date, cycle.months(), ctx, issues);
    let plan = plans::product_plan(ctx.catalog, ctx.settings, product_id, cycle);
    Draft {
        fold_key: Some(("service", service.id)),
        ..Draft::subscription(
            item,
            subscription,
            plan,
            (start, end),
            prorated,
            service.qty,
        )
    }
}

fn addon_line(
    item: &InvoiceItem,
    addon: &ServiceAddon,
    invoice_date: NaiveDate,
    ctx: &MapContext<'_>,
    issues: &mut Vec<RecordError>,
) -> Draft {
    match &addon.billingcycle {
        BillingCycle::Recurring(cycle) => {
            let (start, end, prorated) = period(item, invoice_date, cycle.months(), ctx, issues);
            let plan = plans::addon_plan(ctx.catalog, addon.addonid, *cycle);
            let sub = ids::addon_subscription(addon.id);
            Draft::subscription(item, sub, plan, (start, end), prorated, addon.qty)
        }
        BillingCycle::Unknown(_) => Draft::dropped(item, Drop::UnknownCycle),
        BillingCycle::OneTime | BillingCycle::FreeAccount => Draft::one_time(item),
    }
}

fn domain_line(
    item: &InvoiceItem,
    domain: &Domain,
    invoice_date: NaiveDate,
    ctx: &MapContext<'_>,
    issues: &mut Vec<RecordError>,
) -> Draft {
    let key = Some(("domain", domain.id));
    match ctx.settings.domains {
        DomainMode::Exclude => Draft {
            fold_key: key,
            ..Draft::dropped(item, Drop::Excluded)
        },
        DomainMode::OneTime => Draft {
            fold_key: key,
            ..Draft::one_time(item)
        },
        DomainMode::Subscription => {
            let years = domain.registrationperiod.clamp(1, 10);
            let (start, end, prorated) = period(item, invoice_date, years as u32 * 12, ctx, issues);
            let plan = plans::domain_plan(&domain.tld(), years);
            let sub = ids::domain_subscription(domain.id);
            Draft {
                fold_key: key,
                ..Draft::subscription(item, sub, plan, (start, end), prorated, 1)
            }
        }
    }
}

/// An `Upgrade` item: a prorated line of the service's subscription on the **new** plan, for
/// the upgrade date → the next due date as it was at the upgrade (§4.2).
fn upgrade_line(
    item: &InvoiceItem,
    index: &ClientIndex<'_>,
    ctx: &MapContext<'_>,
    issues: &mut Vec<RecordError>,
) -> Option<Draft> {
    let Some(upgrade) = index.upgrades.get(&item.relid) else {
        orphan(item, "upgrade (tblupgrades)", issues);
        return None;
    };
    let start = upgrade.date?;
    let end = start + Duration::days(upgrade.days_remaining.max(1));
    if upgrade.kind == "addon" {
        let addon = index.addons.get(&upgrade.relid)?;
        let cycle = addon.billingcycle.recurring()?;
        let plan = plans::addon_plan(ctx.catalog, addon.addonid, cycle);
        let sub = ids::addon_subscription(addon.id);
        return Some(Draft::subscription(
            item,
            sub,
            plan,
            (start, end),
            true,
            addon.qty,
        ));
    }
    let Some(service) = index.services.get(&upgrade.relid) else {
        orphan(item, "service (tblhosting)", issues);
        return None;
    };
    let subscription = ids::service_subscription(service.id);
    if index.unknown_cycle.contains(&subscription) {
        return Some(Draft::dropped(item, Drop::UnknownCycle));
    }
    let (product_id, cycle) = if upgrade.kind == "package" {
        parse_new_value(&upgrade.newvalue)
            .unwrap_or((service.packageid, service.billingcycle.clone()))
    } else {
        // Config-option upgrades keep the plan that is in effect after the upgrade date.
        plan_in_effect(service, item, start, index, ctx)
    };
    let Some(cycle) = cycle.recurring() else {
        return Some(Draft::one_time(item));
    };
    let plan = plans::product_plan(ctx.catalog, ctx.settings, product_id, cycle);
    Some(Draft::subscription(
        item,
        subscription,
        plan,
        (start, end),
        true,
        service.qty,
    ))
}

/// `newvalue` of a package upgrade: `"newpid,newcycle"`.
fn parse_new_value(v: &str) -> Option<(Id, BillingCycle)> {
    let (pid, cycle) = v.split_once(',')?;
    Some((pid.trim().parse().ok()?, BillingCycle::parse(cycle)))
}

/// The product and cycle in effect on `date` (§4.3): the current ones, unless a completed
/// package upgrade after `date` changed them — then the values before the earliest such change.
/// A package upgrade stores only the old product id; the old cycle is the previous upgrade's
/// new cycle, else the cycle the item's own period range spans, else the current cycle.
fn plan_in_effect(
    service: &Service,
    item: &InvoiceItem,
    date: NaiveDate,
    index: &ClientIndex<'_>,
    ctx: &MapContext<'_>,
) -> (Id, BillingCycle) {
    let current = (service.packageid, service.billingcycle.clone());
    let Some(upgrades) = index.package_upgrades.get(&service.id) else {
        return current;
    };
    let Some(pos) = upgrades
        .iter()
        .position(|u| u.date.is_some_and(|d| d > date))
    else {
        return current;
    };
    let first_later = upgrades[pos];
    let mut parts = first_later.originalvalue.split(',');
    let pid = parts
        .next()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or(service.packageid);
    let stored_cycle = parts
        .next()
        .map(BillingCycle::parse)
        .filter(|c| c.recurring().is_some());
    let previous_cycle = pos
        .checked_sub(1)
        .and_then(|i| parse_new_value(&upgrades[i].newvalue))
        .map(|(_, c)| c);
    let cycle = stored_cycle
        .or(previous_cycle)
        .or_else(|| {
            let (s, e) = description_range(&item.description, &ctx.catalog.config.date_format)?;
            Recurring::ALL
                .into_iter()
                .find(|r| add_months(s, r.months()) == e)
                .map(BillingCycle::Recurring)
        })
        .unwrap_or(service.billingcycle.clone());
    (pid, cycle)
}

/// The service period of a subscription item (§4.3): start = the item's due date, end = start +
/// the cycle. A shorter range in the description starting on the same day (prorata first
/// invoice) is used as is and marked prorated. With a zero due date the description's range is
/// used, else the invoice date; which fallback was used is logged.
fn period(
    item: &InvoiceItem,
    invoice_date: NaiveDate,
    months: u32,
    ctx: &MapContext<'_>,
    issues: &mut Vec<RecordError>,
) -> (NaiveDate, NaiveDate, bool) {
    let range = description_range(&item.description, &ctx.catalog.config.date_format);
    match (item.duedate, range) {
        (Some(start), Some((s, e))) if s == start && e < add_months(start, months) => {
            (start, e, true)
        }
        (Some(start), _) => (start, add_months(start, months), false),
        (None, Some((s, e))) => {
            issues.push(RecordError::warning(
                ITEMS,
                item.id,
                Some("duedate"),
                "period_from_description",
                format!("item has no due date (0000-00-00); service period {s} → {e} read from its description"),
            ));
            (s, e, e < add_months(s, months))
        }
        (None, None) => {
            issues.push(RecordError::warning(
                ITEMS,
                item.id,
                Some("duedate"),
                "period_from_invoice_date",
                format!("item has no due date (0000-00-00) and no period in its description; service period starts on the invoice date {invoice_date}"),
            ));
            (invoice_date, add_months(invoice_date, months), false)
        }
    }
}

/// Reads the `(dd/mm/yyyy - dd/mm/yyyy)` range WHMCS writes into item descriptions, in the
/// `DateFormat` setting. WHMCS's last day is inclusive, so the returned end is that day + 1.
pub fn description_range(description: &str, date_format: &str) -> Option<(NaiveDate, NaiveDate)> {
    let fmt = date_format
        .to_ascii_uppercase()
        .replace("DD", "%d")
        .replace("MM", "%m")
        .replace("YYYY", "%Y");
    let open = description.rfind('(')?;
    let close = open + description[open..].find(')')?;
    let (a, b) = description[open + 1..close].split_once(" - ")?;
    let start = NaiveDate::parse_from_str(a.trim(), &fmt).ok()?;
    let last = NaiveDate::parse_from_str(b.trim(), &fmt).ok()?;
    (last >= start).then(|| (start, last + Duration::days(1)))
}
