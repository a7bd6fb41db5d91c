//! Tests over whole generated clients, without a database: invoice arithmetic, mass payments,
//! refunds, planted records, and that the expected MRR is what ChartMogul will compute from the
//! invoices (chartmogul-api.md §8), checked line by line.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sync_core::Cents;
use sync_core::money::allocate;

use super::billing::{self, Ctx};
use super::company::{self, Catalogue, div_round};
use super::expected::{self, is_exported, recurring_line};
use super::model::*;
use super::plan::{self, Fate, Plan};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

fn generate_all(seed: u64, n: usize) -> (Plan, Vec<ClientData>) {
    generate_at(seed, n, today())
}

fn generate_at(seed: u64, n: usize, today: NaiveDate) -> (Plan, Vec<ClientData>) {
    let cat = Catalogue::new(today);
    let plan = plan::build(seed, n, cat.start, today);
    let ctx = Ctx {
        cat: &cat,
        plan: &plan,
        seed,
    };
    let data = (0..n).map(|i| billing::generate(&ctx, i)).collect();
    (plan, data)
}

/// Clients whose rows are written (deleted clients are not).
fn written<'a>(
    plan: &'a Plan,
    data: &'a [ClientData],
) -> impl Iterator<Item = &'a ClientData> + 'a {
    data.iter()
        .filter(move |d| !matches!(plan.clients[d.index].fate, Fate::Deleted(_)))
}

fn small() -> &'static (Plan, Vec<ClientData>) {
    static DATA: std::sync::OnceLock<(Plan, Vec<ClientData>)> = std::sync::OnceLock::new();
    DATA.get_or_init(|| generate_all(1, 200))
}

fn is_planted(d: &ClientData, r: Ref) -> bool {
    d.planted.iter().any(|p| p.record == r)
}

#[test]
fn the_same_seed_gives_the_same_clients_and_another_seed_does_not() {
    let (_, a) = generate_all(3, 40);
    let (_, b) = generate_all(3, 40);
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    let (_, c) = generate_all(4, 40);
    assert_ne!(format!("{a:?}"), format!("{c:?}"));
}

#[test]
fn every_invoice_adds_up() {
    let (plan, data) = small();
    let mut checked = 0;
    for d in written(plan, data) {
        for inv in &d.invoices {
            let sum: Cents = inv.items.iter().map(|i| i.amount).sum();
            assert_eq!(inv.subtotal, sum, "subtotal = Σ items");
            assert_eq!(
                inv.subtotal + inv.tax + inv.tax2,
                inv.total + inv.credit,
                "gross = total + credit"
            );
            assert!(!inv.credit.is_negative() && !inv.total.is_negative());
            let taxable: i64 = inv
                .items
                .iter()
                .filter(|i| i.taxed)
                .map(|i| i.amount.0)
                .sum();
            assert_eq!(
                inv.tax,
                Cents(div_round(taxable * inv.taxrate, 100_000)),
                "level-1 tax"
            );
            assert_eq!(
                inv.tax2,
                Cents(div_round(taxable * inv.taxrate2, 100_000)),
                "level-2 tax"
            );
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn mass_payments_reference_paid_originals_that_carry_their_gross_as_credit() {
    let (plan, data) = small();
    let mut containers = 0;
    for d in written(plan, data) {
        for inv in d
            .invoices
            .iter()
            .filter(|i| i.items.iter().all(|x| x.kind == "Invoice"))
        {
            containers += 1;
            assert_eq!(inv.status, InvStatus::Paid);
            assert!(inv.items.len() >= 2);
            for item in &inv.items {
                let Ref::Invoice(o) = item.rel else {
                    panic!("container line without an invoice")
                };
                let orig = &d.invoices[o];
                assert!(orig.status == InvStatus::Paid, "original {:?}", orig.status);
                assert_eq!(orig.credit, orig.gross());
                assert!(orig.total.is_zero());
                assert_eq!(item.amount, orig.gross());
                assert!(orig.date <= inv.date);
            }
            let paid: Cents = d
                .txns
                .iter()
                .filter(|t| {
                    t.invoice
                        == Ref::Invoice(
                            d.invoices
                                .iter()
                                .position(|x| std::ptr::eq(x, inv))
                                .unwrap(),
                        )
                })
                .map(|t| t.amountin)
                .sum();
            assert_eq!(paid, inv.total, "the gateway payment sits on the container");
        }
    }
    assert!(containers > 0, "no mass payment at small scale");
}

#[test]
fn refunds_never_exceed_the_payment_they_refund() {
    let (plan, data) = small();
    let (mut refunds, mut full, mut elsewhere) = (0, 0, 0);
    for d in written(plan, data) {
        for (i, t) in d.txns.iter().enumerate() {
            if t.refund_of.is_some() {
                continue;
            }
            let refunded: Cents = d
                .txns
                .iter()
                .filter(|r| r.refund_of == Some(i))
                .map(|r| r.amountout)
                .sum();
            assert!(
                refunded <= t.amountin,
                "refunds {refunded} > payment {}",
                t.amountin
            );
        }
        for r in d.txns.iter().filter(|t| t.refund_of.is_some()) {
            refunds += 1;
            let orig = &d.txns[r.refund_of.unwrap()];
            assert!(
                r.amountout.is_positive() && r.amountin.is_zero() && orig.amountin.is_positive()
            );
            assert!(r.date >= orig.date);
            if r.invoice != orig.invoice {
                elsewhere += 1;
            }
            if let Ref::Invoice(o) = orig.invoice
                && r.amountout == orig.amountin
                && d.invoices[o].status == InvStatus::Refunded
            {
                full += 1;
            }
        }
    }
    assert!(
        refunds > 0 && full > 0 && elsewhere > 0,
        "refunds {refunds}, full {full}, filed elsewhere {elsewhere}"
    );
}

#[test]
fn every_planted_kind_is_there_at_small_scale() {
    let (plan, data) = small();
    let kinds: BTreeSet<&str> = written(plan, data)
        .flat_map(|d| d.planted.iter().map(|p| p.kind))
        .collect();
    let want: BTreeSet<&str> = [
        "invalid_country",
        "missing_email",
        "missing_lead_date",
        "unknown_cycle",
        "orphan_item",
        "period_from_description",
        "period_from_invoice_date",
        "unknown_item_type",
    ]
    .into();
    assert_eq!(kinds, want);
}

const KNOWN_ITEM_TYPES: [&str; 19] = [
    "Hosting",
    "Setup",
    "PromoHosting",
    "Addon",
    "DomainRegister",
    "DomainTransfer",
    "Domain",
    "DomainAddonDNS",
    "DomainAddonEMF",
    "DomainAddonIDP",
    "PromoDomain",
    "GroupDiscount",
    "Upgrade",
    "Item",
    "LateFee",
    "",
    "AddFunds",
    "Invoice",
    "DomainRedemptionFee",
];

const ISO_CODES: [&str; 12] = [
    "US", "CA", "GB", "DE", "FR", "NL", "ES", "IT", "SE", "AU", "IN", "BR",
];

/// Everything that is not planted is clean: no record triggers a planted kind by accident.
#[test]
fn only_planted_records_are_bad() {
    let (plan, data) = small();
    for d in written(plan, data) {
        let c = &d.client;
        assert_eq!(
            ISO_CODES.contains(&c.country.as_str()),
            !is_planted(d, Ref::Client) || !d.planted.iter().any(|p| p.kind == "invalid_country")
        );
        if !d.planted.iter().any(|p| p.kind == "missing_email") {
            assert!(!c.email.is_empty());
        }
        if !d.planted.iter().any(|p| p.kind == "missing_lead_date") {
            assert!(c.datecreated.is_some());
        }
        if c.country == "US" {
            assert_eq!(c.state.len(), 2);
        }
        for (i, s) in d.services.iter().enumerate() {
            if s.cycle == Cycle::Fortnightly {
                assert!(
                    is_planted(d, Ref::Service(i)) || s.deleted,
                    "unplanted unknown cycle"
                );
            }
        }
        for (i, a) in d.addons.iter().enumerate() {
            if a.cycle == Cycle::Fortnightly {
                assert!(
                    is_planted(d, Ref::Addon(i)),
                    "unplanted unknown addon cycle"
                );
            }
        }
        for (i, inv) in d.invoices.iter().enumerate() {
            for (j, item) in inv.items.iter().enumerate() {
                let planted = is_planted(d, Ref::Item(i, j));
                assert!(
                    KNOWN_ITEM_TYPES.contains(&item.kind) || planted,
                    "type {:?}",
                    item.kind
                );
                assert!(
                    item.duedate.is_some() || planted,
                    "zero duedate on {:?}",
                    item.kind
                );
                let orphan = match item.rel {
                    Ref::Service(s) if item.kind == "Hosting" => d.services[s].deleted,
                    Ref::Addon(a) if item.kind == "Addon" => d.addons[a].deleted,
                    _ => false,
                };
                if orphan && inv.status == InvStatus::Paid {
                    assert!(planted, "unplanted orphan item");
                }
                if planted {
                    assert_eq!(
                        inv.status,
                        InvStatus::Paid,
                        "planted items sit on Paid invoices"
                    );
                }
            }
        }
        for p in &d.planted {
            if p.kind == "period_from_description" || p.kind == "period_from_invoice_date" {
                let Ref::Item(i, j) = p.record else { panic!() };
                let item = &d.invoices[i].items[j];
                let Desc::Text(desc) = &item.desc else {
                    panic!()
                };
                assert_eq!(item.kind, "Hosting");
                assert_eq!(
                    desc.contains(" - ") && desc.ends_with(')'),
                    p.kind == "period_from_description",
                    "{desc}"
                );
            }
        }
    }
}

/// Whether `sub` has a non-zero exported line whose period has started by `today`.
fn started_line(d: &ClientData, sub: Ref, today: NaiveDate) -> bool {
    d.invoices.iter().filter(|inv| is_exported(inv)).any(|inv| {
        recurring_line(d, inv, sub).is_some_and(|(net, start)| net != 0 && start <= today)
    })
}

/// One line of an exported invoice as the engine builds it: a main item with its folded
/// promos/domain addons, or a one-time item.
struct CmLine {
    sub: Option<Ref>,
    net: i64,
    first_item: usize,
}

fn cm_lines(d: &ClientData, inv: &Invoice) -> Vec<CmLine> {
    let mut lines: Vec<CmLine> = Vec::new();
    for (j, item) in inv.items.iter().enumerate() {
        let sub = match (item.kind, item.rel) {
            ("Hosting", Ref::Service(s)) => Some(Ref::Service(s)),
            ("Upgrade", Ref::Upgrade(u)) => Some(Ref::Service(d.upgrades[u].service)),
            ("Addon", Ref::Addon(a)) => Some(Ref::Addon(a)),
            ("DomainRegister" | "DomainTransfer" | "Domain", Ref::Domain(x)) => {
                Some(Ref::Domain(x))
            }
            _ => None,
        };
        let folded = matches!(
            item.kind,
            "PromoHosting" | "PromoDomain" | "DomainAddonDNS" | "DomainAddonEMF" | "DomainAddonIDP"
        );
        if folded {
            // Promos and domain addons point at the same service/domain as their main item.
            let line = lines
                .iter_mut()
                .find(|l| l.sub == Some(item.rel))
                .expect("folded item has its target line");
            line.net += item.amount.0;
            continue;
        }
        if item.kind == "GroupDiscount" {
            continue;
        }
        lines.push(CmLine {
            sub,
            net: item.amount.0,
            first_item: j,
        });
    }
    // The group discount is spread over every other line in proportion (mapping.md §4.2).
    let discount: i64 = inv
        .items
        .iter()
        .filter(|i| i.kind == "GroupDiscount")
        .map(|i| i.amount.0)
        .sum();
    if discount != 0 {
        let weights: Vec<Cents> = lines.iter().map(|l| Cents(l.net)).collect();
        for (l, share) in lines.iter_mut().zip(allocate(Cents(discount), &weights)) {
            l.net += share.0;
        }
    }
    lines
}

/// ChartMogul's MRR from our invoices equals `seed_expected_mrr`: every live subscription's
/// latest exported line is a full period at its current amount, and nothing else keeps MRR.
/// Checked on a few seeds and on a month-end `today`.
#[test]
fn expected_mrr_is_what_the_latest_lines_say() {
    let (plan, data) = small();
    assert!(check_expected_mrr(plan, data, today()) > 100);
    for (seed, n, day) in [
        (2, 300, today()),
        (3, 300, NaiveDate::from_ymd_opt(2025, 3, 31).unwrap()),
    ] {
        let (plan, data) = generate_at(seed, n, day);
        assert!(check_expected_mrr(&plan, &data, day) > 100);
    }
}

/// Returns the number of live subscriptions checked.
fn check_expected_mrr(plan: &Plan, data: &[ClientData], today: NaiveDate) -> usize {
    let mut live_count = 0;
    for d in written(plan, data) {
        let live = expected::live_subscriptions(d, today);
        for l in &live {
            live_count += 1;
            // ChartMogul takes the line whose period covers today, else the latest before it;
            // a renewal paid early for a period starting after today must agree with it.
            let mut current: Option<(NaiveDate, usize, &Item, i64)> = None;
            let mut ahead: Vec<(NaiveDate, i64)> = Vec::new();
            for (i, inv) in d
                .invoices
                .iter()
                .enumerate()
                .filter(|(_, inv)| is_exported(inv))
            {
                for line in cm_lines(d, inv)
                    .into_iter()
                    .filter(|x| x.sub == Some(l.sub))
                {
                    let item = &inv.items[line.first_item];
                    let start = match item.rel {
                        Ref::Upgrade(u) => d.upgrades[u].date,
                        _ => item.duedate.unwrap_or(inv.date),
                    };
                    if start > today {
                        ahead.push((start, line.net));
                    } else if current.is_none_or(|(s, k, _, _)| (start, i) > (s, k)) {
                        current = Some((start, i, item, line.net));
                    }
                }
            }
            let (start, i, item, net) = current.expect("a live subscription has an exported line");
            assert!(
                !item.prorated,
                "client {} {:?}: latest line is prorated ({})",
                d.index, l.sub, item.kind
            );
            let (amount, months) = match l.sub {
                Ref::Service(s) => (
                    d.services[s].amount.0,
                    i64::from(d.services[s].cycle.months().unwrap()),
                ),
                Ref::Addon(a) => (
                    d.addons[a].recurring.0,
                    i64::from(d.addons[a].cycle.months().unwrap()),
                ),
                Ref::Domain(x) => (d.domains[x].recurring.0, 12 * d.domains[x].years),
                _ => unreachable!(),
            };
            assert_eq!(
                net, amount,
                "client {} {:?}: latest line (invoice {i}, period {start}) nets {net}, current amount {amount}",
                d.index, l.sub
            );
            for (start, net) in ahead {
                assert_eq!(
                    net, amount,
                    "client {} {:?}: renewal from {start}",
                    d.index, l.sub
                );
            }
            assert_eq!(l.mrr, div_round(net, months));
        }
        // Subscriptions with exported lines that are not live must be cancelled by today.
        for (s, svc) in d.services.iter().enumerate() {
            let sub = Ref::Service(s);
            let billed = started_line(d, sub, today);
            if !billed
                || svc.deleted
                || svc.cycle.months().is_none()
                || live.iter().any(|l| l.sub == sub)
            {
                continue;
            }
            assert!(
                svc.status.is_ended(),
                "client {} service {s} is {:?} with paid lines but not live",
                d.index,
                svc.status
            );
            let churn = svc.termination.or_else(|| {
                d.cancels
                    .iter()
                    .filter(|c| c.service == s)
                    .max_by_key(|c| c.date)
                    .map(|c| {
                        if c.immediate {
                            c.date.date()
                        } else {
                            svc.next_due.unwrap()
                        }
                    })
            });
            if let Some(c) = churn {
                assert!(c <= today, "service {s} churns in the future: {c}");
            } else {
                let last_end = d
                    .invoices
                    .iter()
                    .filter(|inv| is_exported(inv))
                    .flat_map(|inv| inv.items.iter())
                    .filter(|it| it.kind == "Hosting" && it.rel == sub)
                    .filter_map(|it| it.duedate)
                    .max()
                    .map(|start| svc.cycle.next(start));
                assert!(
                    last_end.is_some_and(|e| e <= today),
                    "service {s} keeps MRR past today"
                );
            }
        }
        for (a, addon) in d.addons.iter().enumerate() {
            let sub = Ref::Addon(a);
            let billed = started_line(d, sub, today);
            if billed
                && !addon.deleted
                && addon.cycle.months().is_some()
                && !live.iter().any(|l| l.sub == sub)
            {
                assert!(addon.status.is_ended(), "addon {a} is {:?}", addon.status);
                // Addons have no cancellation requests: termination date, else the end of
                // their last exported period (mapping.md §7).
                let churn = addon.termination.or_else(|| {
                    d.invoices
                        .iter()
                        .filter(|inv| is_exported(inv))
                        .flat_map(|inv| inv.items.iter())
                        .filter(|it| it.kind == "Addon" && it.rel == sub)
                        .filter_map(|it| it.duedate)
                        .max()
                        .map(|start| addon.cycle.next(start))
                });
                assert!(
                    churn.is_some_and(|c| c <= today),
                    "client {} addon {a} churns {churn:?}, after today",
                    d.index
                );
            }
        }
        for (x, dom) in d.domains.iter().enumerate() {
            let sub = Ref::Domain(x);
            let billed = started_line(d, sub, today);
            if billed && !live.iter().any(|l| l.sub == sub) {
                assert!(dom.status.is_ended(), "domain {x} is {:?}", dom.status);
                assert!(
                    dom.expiry <= today,
                    "ended domain {x} expires {}",
                    dom.expiry
                );
            }
        }
    }
    live_count
}

/// Overlapping lines of one subscription would add up in ChartMogul: periods follow each other.
#[test]
fn exported_periods_of_a_subscription_never_overlap() {
    let (plan, data) = small();
    for d in written(plan, data) {
        let mut periods: std::collections::BTreeMap<String, Vec<(NaiveDate, NaiveDate)>> =
            Default::default();
        for (i, inv) in d
            .invoices
            .iter()
            .enumerate()
            .filter(|(_, inv)| is_exported(inv))
        {
            for (j, item) in inv.items.iter().enumerate() {
                // A prorated first period ends where the next one starts (its description says
                // so); its due date alone does not tell.
                if is_planted(d, Ref::Item(i, j)) || item.prorated {
                    continue;
                }
                let Some(start) = item.duedate else { continue };
                let end = match (item.kind, item.rel) {
                    ("Hosting", Ref::Service(s)) if d.services[s].cycle.months().is_some() => {
                        d.services[s].cycle.next(start)
                    }
                    ("Addon", Ref::Addon(a)) if d.addons[a].cycle.months().is_some() => {
                        d.addons[a].cycle.next(start)
                    }
                    ("DomainRegister" | "DomainTransfer" | "Domain", Ref::Domain(x)) => {
                        sync_core::dates::add_years(start, d.domains[x].years as u32)
                    }
                    _ => continue,
                };
                periods
                    .entry(format!("{:?}", item.rel))
                    .or_default()
                    .push((start, end));
            }
        }
        for (sub, mut p) in periods {
            p.sort();
            for w in p.windows(2) {
                assert!(
                    w[1].0 >= w[0].1,
                    "client {} {sub}: {:?} overlaps {:?}",
                    d.index,
                    w[0],
                    w[1]
                );
            }
        }
    }
}

/// A $0 invoice is only ever a trial's first invoice (others would not be exported).
#[test]
fn zero_invoices_are_trials() {
    let (plan, data) = small();
    for d in written(plan, data) {
        for inv in d.invoices.iter().filter(|i| i.gross().is_zero()) {
            let trial = inv.items.iter().any(|it| match it.rel {
                Ref::Service(s) => {
                    d.services[s].first_payment.is_zero() && d.services[s].regdate == inv.date
                }
                Ref::Addon(a) => d.addons[a].addon_id == company::TRIAL_ADDON,
                _ => false,
            });
            assert!(trial, "client {}: $0 invoice {:?}", d.index, inv.items);
        }
    }
}

#[test]
fn histories_have_every_kind_of_event() {
    let (plan, data) = small();
    let data: Vec<&ClientData> = written(plan, data).collect();
    let items: BTreeSet<&str> = data
        .iter()
        .flat_map(|d| {
            d.invoices
                .iter()
                .flat_map(|i| i.items.iter().map(|x| x.kind))
        })
        .collect();
    for kind in KNOWN_ITEM_TYPES
        .iter()
        .filter(|k| **k != "DomainRedemptionFee")
    {
        assert!(items.contains(kind), "no item of type {kind:?}");
    }
    let statuses: BTreeSet<&str> = data
        .iter()
        .flat_map(|d| d.invoices.iter().map(|i| i.status.as_str()))
        .collect();
    for s in [
        "Paid",
        "Unpaid",
        "Cancelled",
        "Refunded",
        "Collections",
        "Draft",
        "Payment Pending",
    ] {
        assert!(statuses.contains(s), "no invoice {s}");
    }
    let svc: BTreeSet<&str> = data
        .iter()
        .flat_map(|d| d.services.iter().map(|s| s.status.as_str()))
        .collect();
    for s in [
        "Pending",
        "Active",
        "Suspended",
        "Terminated",
        "Cancelled",
        "Fraud",
        "Completed",
    ] {
        assert!(svc.contains(s), "no service {s}");
    }
    let cycles: BTreeSet<Cycle> = data
        .iter()
        .flat_map(|d| d.services.iter().map(|s| s.cycle))
        .collect();
    for c in Cycle::RECURRING
        .iter()
        .chain(&[Cycle::OneTime, Cycle::Free])
    {
        assert!(cycles.contains(c), "no service on {c:?}");
    }
    let cancels: BTreeSet<bool> = data
        .iter()
        .flat_map(|d| d.cancels.iter().map(|c| c.immediate))
        .collect();
    assert_eq!(cancels.len(), 2, "both kinds of cancellation request");
    assert!(data.iter().any(|d| d.services.iter().any(|s| s.qty > 1)));
    assert!(
        data.iter()
            .any(|d| d.addons.iter().any(|a| a.addon_id == 0))
    );
    assert!(data.iter().any(|d| d.domains.iter().any(|x| x.transfer)));
    assert!(
        data.iter().any(|d| d
            .invoices
            .iter()
            .any(|i| i.credit.is_positive() && i.total.is_positive())),
        "part-credit invoice"
    );
    assert!(data.iter().any(|d| {
        d.invoices
            .iter()
            .any(|i| i.items.iter().all(|x| x.kind == "AddFunds"))
    }));
    assert!(
        data.iter()
            .any(|d| d.txns.iter().any(|t| t.invoice == Ref::None)),
        "manual entry"
    );
    assert!(data.iter().any(|d| !d.upgrades.is_empty()));
    assert!(
        data.iter()
            .any(|d| d.invoices.iter().any(|i| !i.tax2.is_zero())),
        "level-2 tax"
    );
    // Trials of the three kinds, converted and not.
    let trial_product = data
        .iter()
        .flat_map(|d| d.services.iter())
        .filter(|s| s.product == company::TRIAL_PRODUCT)
        .count();
    let trial_promo = data
        .iter()
        .flat_map(|d| d.services.iter())
        .filter(|s| s.promo == company::PROMO_FREETRIAL)
        .count();
    let free_first = data
        .iter()
        .flat_map(|d| d.services.iter())
        .filter(|s| {
            s.product != company::TRIAL_PRODUCT
                && s.promo == 0
                && s.first_payment.is_zero()
                && s.cycle.months().is_some()
        })
        .count();
    assert!(
        trial_product > 0 && trial_promo > 0 && free_first > 0,
        "{trial_product} {trial_promo} {free_first}"
    );
    // Some trials convert (a paid line follows), some never do.
    let (mut converted, mut never) = (0, 0);
    for d in &data {
        for (i, s) in d.services.iter().enumerate() {
            if s.first_payment.is_zero() && s.cycle.months().is_some() {
                if started_line(d, Ref::Service(i), today()) {
                    converted += 1;
                } else {
                    never += 1;
                }
            }
        }
    }
    assert!(
        converted > 0 && never > 0,
        "converted {converted}, never {never}"
    );
    // A reactivation: an active service with an old cancellation request.
    assert!(data.iter().any(|d| {
        d.cancels
            .iter()
            .any(|c| c.immediate && d.services[c.service].status == SvcStatus::Active)
    }));
}

#[test]
fn the_settings_the_data_expects_are_valid_settings() {
    let s = sync_core::Settings::from_toml(&super::settings_toml()).expect("valid settings");
    assert_eq!(s.trial_products, vec![company::TRIAL_PRODUCT]);
    assert_eq!(s.trial_addons, vec![company::TRIAL_ADDON]);
    assert_eq!(s.trial_promotions, vec!["FREETRIAL".to_string()]);
}
