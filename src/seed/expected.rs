//! The MRR ChartMogul should show for each client, computed straight from the generated
//! services, addons and domains — never through the mapping engine — so it can check it.
//!
//! A subscription counts when it is *live* the way the mapping rules make ChartMogul see it
//! (mapping.md §6, §7; chartmogul-api.md §8):
//! - services and addons: status `Active` or `Suspended` (setting `suspended_is_active` is on by
//!   default); domains: any status but the ended ones (`Expired`, `Cancelled`,
//!   `Transferred Away`, `Fraud`) and `Pending` — a domain in `Grace` is still billed;
//! - a recurring WHMCS cycle (not `One Time`, `Free Account` or an unknown string);
//! - at least one exported (`Paid`/`Refunded`) invoice carries a non-zero recurring line for it
//!   whose service period has started by today (which leaves out trials that never converted —
//!   their only lines are $0 — and a converted trial whose first paid period starts tomorrow);
//! - not cancelled as of today: an `Active` service with an `End of Billing Period` request
//!   whose date is still ahead is live.
//!
//! Its MRR is its current recurring amount over its cycle in months, rounded half away from
//! zero per subscription (ChartMogul rounds per line): `tblhosting.amount` (after a recurring
//! promotion, before tax), `tblhostingaddons.recurring`, `tbldomains.recurringamount` over
//! 12 × `registrationperiod`. The generator makes every live subscription's latest exported
//! line a full period at exactly that amount, so ChartMogul's figure from our invoices matches.

use chrono::NaiveDate;

use super::company::div_round;
use super::model::*;

/// A live subscription and its MRR in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Live {
    pub sub: Ref,
    pub mrr: i64,
}

/// Invoices ChartMogul receives: exported statuses, and not containers or add-funds invoices
/// (mapping.md §4.1). Decided from the items, as the engine does.
pub fn is_exported(inv: &Invoice) -> bool {
    inv.status.is_exported()
        && !inv.items.is_empty()
        && !inv.items.iter().all(|i| i.kind == "Invoice")
        && !inv.items.iter().all(|i| i.kind == "AddFunds")
}

/// The net amount of the recurring lines for `sub` on `inv` and the start of the period they
/// pay for (the main item's due date; an upgrade's date).
pub fn recurring_line(d: &ClientData, inv: &Invoice, sub: Ref) -> Option<(i64, NaiveDate)> {
    let mut net = 0;
    let mut found = false;
    let mut start = inv.date;
    for item in &inv.items {
        let counts = match (sub, item.kind, item.rel) {
            (Ref::Service(s), "Hosting" | "PromoHosting", Ref::Service(r)) => r == s,
            (Ref::Service(s), "Upgrade", Ref::Upgrade(u)) => d.upgrades[u].service == s,
            (Ref::Addon(a), "Addon", Ref::Addon(r)) => r == a,
            (
                Ref::Domain(x),
                "DomainRegister" | "DomainTransfer" | "Domain" | "DomainAddonDNS"
                | "DomainAddonEMF" | "DomainAddonIDP" | "PromoDomain",
                Ref::Domain(r),
            ) => r == x,
            _ => false,
        };
        if counts {
            net += item.amount.0;
            let main = !matches!(
                item.kind,
                "PromoHosting"
                    | "PromoDomain"
                    | "DomainAddonDNS"
                    | "DomainAddonEMF"
                    | "DomainAddonIDP"
            );
            if main {
                found = true;
                start = match item.rel {
                    Ref::Upgrade(u) => d.upgrades[u].date,
                    _ => item.duedate.unwrap_or(inv.date),
                };
            }
        }
    }
    found.then_some((net, start))
}

fn has_paid_line(d: &ClientData, sub: Ref, today: NaiveDate) -> bool {
    d.invoices.iter().filter(|inv| is_exported(inv)).any(|inv| {
        recurring_line(d, inv, sub).is_some_and(|(net, start)| net != 0 && start <= today)
    })
}

/// Every live subscription of the client with its MRR.
pub fn live_subscriptions(d: &ClientData, today: NaiveDate) -> Vec<Live> {
    let mut out = Vec::new();
    for (i, s) in d.services.iter().enumerate() {
        let Some(months) = s.cycle.months() else {
            continue;
        };
        if s.deleted || !matches!(s.status, SvcStatus::Active | SvcStatus::Suspended) {
            continue;
        }
        if has_paid_line(d, Ref::Service(i), today) {
            out.push(Live {
                sub: Ref::Service(i),
                mrr: div_round(s.amount.0, i64::from(months)),
            });
        }
    }
    for (i, a) in d.addons.iter().enumerate() {
        let Some(months) = a.cycle.months() else {
            continue;
        };
        if a.deleted || !matches!(a.status, SvcStatus::Active | SvcStatus::Suspended) {
            continue;
        }
        if has_paid_line(d, Ref::Addon(i), today) {
            out.push(Live {
                sub: Ref::Addon(i),
                mrr: div_round(a.recurring.0, i64::from(months)),
            });
        }
    }
    for (i, x) in d.domains.iter().enumerate() {
        if x.status.is_ended() || x.status == DomStatus::Pending {
            continue;
        }
        if has_paid_line(d, Ref::Domain(i), today) {
            out.push(Live {
                sub: Ref::Domain(i),
                mrr: div_round(x.recurring.0, 12 * x.years),
            });
        }
    }
    out
}

/// The client's expected MRR in its currency; `None` when nothing is live (no row is written).
pub fn client_mrr(d: &ClientData, today: NaiveDate) -> Option<i64> {
    let live = live_subscriptions(d, today);
    if live.is_empty() {
        None
    } else {
        Some(live.iter().map(|l| l.mrr).sum())
    }
}
