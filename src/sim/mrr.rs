//! MRR as ChartMogul derives it from imported invoices (reference §8), in exact integer
//! arithmetic.
//!
//! Contract:
//! * a subscription line's MRR = `(amount_in_cents − tax_amount_in_cents) × ratio ×
//!   prorate_factor`, computed as one `i128` fraction and rounded half away from zero to whole
//!   cents. `ratio` normalises the **plan** interval to a month of 365.25/12 days: month plans
//!   ÷ count, year plans ÷ (12 × count), day plans × 30.4375 ÷ count. `prorate_factor` (only for
//!   `prorated: true`) = full plan period ÷ charged period in seconds, the full period running
//!   from `service_period_start` to start + one plan interval (calendar months and years).
//!   Trial lines count as history but carry no MRR; one-time lines are never looked at.
//! * a subscription's MRR at instant `t` is that of its line with the latest
//!   `service_period_start` ≤ `t` (ties: higher `event_order`, then later import), and 0 when a
//!   cancellation date lies in `[that line's start, t]` — a line starting after the
//!   cancellation reactivates the subscription.
//! * a customer's MRR is the sum over its subscriptions **per currency**; currencies are never
//!   converted into one another.

use std::collections::BTreeMap;

use super::store::{IntervalUnit, LineItem, LineKind, Plan, Store, Subscription};
use super::time::{self, Millis};

/// An amount for JSON output: amounts are computed in `i128` so nothing overflows, and
/// absurd inputs (amounts near `i64::MAX` on day plans) saturate instead of failing.
pub fn cents(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// `cents` over a per-currency map.
pub fn cents_map(m: &BTreeMap<String, i128>) -> BTreeMap<String, i64> {
    m.iter().map(|(k, v)| (k.clone(), cents(*v))).collect()
}

/// Rounds `num / den` half away from zero (`den` > 0).
pub fn round_half_away(num: i128, den: i128) -> i128 {
    debug_assert!(den > 0);
    let q = num / den;
    let r = num % den;
    if 2 * r.abs() >= den {
        q + num.signum()
    } else {
        q
    }
}

/// The end of one full plan period starting at `start`.
pub fn full_period_end(start: Millis, plan: &Plan) -> Option<Millis> {
    let count = plan.interval_count;
    match plan.interval_unit {
        IntervalUnit::Day => Some(start + i64::from(count) * time::DAY_MS),
        IntervalUnit::Month => time::add_months(start, count),
        IntervalUnit::Year => time::add_months(start, count.checked_mul(12)?),
    }
}

/// MRR in cents of one subscription line on `plan`.
pub fn line_mrr(line: &LineItem, plan: &Plan) -> i128 {
    if line.kind() != LineKind::Subscription {
        return 0;
    }
    let net = i128::from(line.amount_in_cents) - i128::from(line.tax_amount_in_cents);
    let count = i128::from(plan.interval_count.max(1));
    // 365.25 / 12 = 30.4375 = 487 / 16 days in an average month.
    let (mut num, mut den) = match plan.interval_unit {
        IntervalUnit::Month => (net, count),
        IntervalUnit::Year => (net, 12 * count),
        IntervalUnit::Day => (net * 487, 16 * count),
    };
    if line.prorated
        && let (Some(start), Some(end)) = (line.service_period_start, line.service_period_end)
    {
        let full_end = full_period_end(start, plan).unwrap_or(end);
        let full = i128::from(full_end.div_euclid(1000) - start.div_euclid(1000));
        let charged = i128::from(end.div_euclid(1000) - start.div_euclid(1000));
        if full > 0 && charged > 0 {
            num *= full;
            den *= charged;
        }
    }
    round_half_away(num, den)
}

/// The line that defines a subscription's state at `at`, if it has started.
fn current_line<'a>(
    lines: &[(&'a LineItem, &'a str)],
    at: Millis,
) -> Option<(&'a LineItem, &'a str)> {
    lines
        .iter()
        .filter(|(l, _)| l.service_period_start.is_some_and(|s| s <= at))
        .max_by_key(|(l, _)| (l.service_period_start, l.event_order.unwrap_or(0), l.seq))
        .copied()
}

/// Whether the subscription is cancelled at `at` given its current line.
fn cancelled(sub: &Subscription, line: &LineItem, at: Millis) -> bool {
    let start = line.service_period_start.unwrap_or(Millis::MIN);
    sub.cancellation_dates
        .iter()
        .any(|&c| c >= start && c <= at)
}

/// What the metrics view says about one subscription at `at`.
pub struct SubscriptionState<'a> {
    pub subscription: &'a Subscription,
    pub current: Option<&'a LineItem>,
    pub currency: Option<&'a str>,
    pub mrr: i128,
    pub active: bool,
}

/// Every subscription of a customer that has at least one (non-voided) line, with its state
/// at `at`.
pub fn customer_subscriptions<'a>(
    store: &'a Store,
    customer: &str,
    at: Millis,
) -> Vec<SubscriptionState<'a>> {
    subscriptions_of(store, &store.lines_by_subscription(customer), at)
}

/// A customer's recurring lines grouped by subscription ([`Store::lines_by_subscription`]).
pub type LinesBySubscription<'a> = BTreeMap<&'a str, Vec<(&'a LineItem, &'a str)>>;

/// [`customer_subscriptions`] from lines already grouped — views that need several figures of
/// one customer group its lines once.
pub fn subscriptions_of<'a>(
    store: &'a Store,
    by_sub: &LinesBySubscription<'a>,
    at: Millis,
) -> Vec<SubscriptionState<'a>> {
    let mut out = Vec::new();
    for (sub_uuid, lines) in by_sub {
        let Some(sub) = store.subscriptions.get(*sub_uuid) else {
            continue;
        };
        let current = current_line(lines, at);
        let (mrr, active) = match current {
            Some((line, _)) if !cancelled(sub, line, at) => (
                line.plan_uuid
                    .as_deref()
                    .and_then(|p| store.plans.get(p))
                    .map_or(0, |p| line_mrr(line, p)),
                true,
            ),
            _ => (0, false),
        };
        out.push(SubscriptionState {
            subscription: sub,
            current: current.map(|(l, _)| l),
            currency: current
                .map(|(_, c)| c)
                .or_else(|| lines.first().map(|(_, c)| *c)),
            mrr,
            active,
        });
    }
    out
}

/// A customer's MRR per currency at `at`; currencies with 0 MRR are left out.
pub fn customer_mrr(store: &Store, customer: &str, at: Millis) -> BTreeMap<String, i128> {
    mrr_by_currency(&customer_subscriptions(store, customer, at))
}

/// The MRR per currency of subscription states; currencies with 0 MRR are left out.
pub fn mrr_by_currency(states: &[SubscriptionState<'_>]) -> BTreeMap<String, i128> {
    let mut out: BTreeMap<String, i128> = BTreeMap::new();
    for state in states {
        if state.mrr != 0
            && let Some(c) = state.currency
        {
            *out.entry(c.to_string()).or_default() += state.mrr;
        }
    }
    out.retain(|_, v| *v != 0);
    out
}

/// Whether a customer ever had a paying (MRR > 0) line starting at or before `at`: what tells
/// a reactivation from new business.
pub fn had_paid_line_before(store: &Store, customer: &str, at: Millis) -> bool {
    had_paid_line_in(store, &store.lines_by_subscription(customer), at)
}

/// [`had_paid_line_before`] from lines already grouped.
pub fn had_paid_line_in(store: &Store, by_sub: &LinesBySubscription<'_>, at: Millis) -> bool {
    by_sub.values().any(|lines| {
        lines.iter().any(|(l, _)| {
            l.service_period_start.is_some_and(|s| s <= at)
                && l.plan_uuid
                    .as_deref()
                    .and_then(|p| store.plans.get(p))
                    .is_some_and(|p| line_mrr(l, p) > 0)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::parse_timestamp;

    fn plan(unit: IntervalUnit, count: u32) -> Plan {
        Plan {
            uuid: "pl".into(),
            data_source_uuid: "ds".into(),
            external_id: "p".into(),
            name: "p".into(),
            interval_count: count,
            interval_unit: unit,
        }
    }

    fn line(amount: i64, start: &str, end: &str) -> LineItem {
        LineItem {
            kind: Some(LineKind::Subscription),
            amount_in_cents: amount,
            service_period_start: parse_timestamp(start),
            service_period_end: parse_timestamp(end),
            ..LineItem::default()
        }
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_half_away(5, 2), 3);
        assert_eq!(round_half_away(-5, 2), -3);
        assert_eq!(round_half_away(7, 3), 2);
        assert_eq!(round_half_away(-7, 3), -2);
        assert_eq!(round_half_away(487_000, 112), 4348);
    }

    #[test]
    fn reference_examples() {
        let l = line(1000, "2024-01-01", "2024-02-01");
        assert_eq!(line_mrr(&l, &plan(IntervalUnit::Day, 7)), 4348);
        let l = line(9000, "2024-01-01", "2024-04-01");
        assert_eq!(line_mrr(&l, &plan(IntervalUnit::Month, 3)), 3000);
        let l = line(12_000, "2024-01-01", "2025-01-01");
        assert_eq!(line_mrr(&l, &plan(IntervalUnit::Year, 1)), 1000);
    }

    #[test]
    fn prorated_lines_scale_to_the_full_period() {
        // Half of a 30-day month charged: 500 for 15 days of a day-30 plan → 1000 per period.
        let mut l = line(500, "2024-04-16", "2024-05-01");
        l.prorated = true;
        // Full period Apr 16 → May 16 = 30 days, charged 15 days: factor 2; month plan.
        assert_eq!(line_mrr(&l, &plan(IntervalUnit::Month, 1)), 1000);
    }
}
