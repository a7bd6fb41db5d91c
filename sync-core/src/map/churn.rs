//! §7 Cancellations and churn.
//!
//! ChartMogul never churns a custom-source subscription by itself (a subscription whose
//! invoices stop turns Past Due and keeps its MRR), so every ended WHMCS service, addon and
//! domain that was exported is cancelled explicitly, at the date the rules below give.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::dates::iso;
use crate::settings::ChurnAt;
use crate::whmcs::{CancelType, ClientBundle, ServiceStatus};

use super::{Cancellation, MapContext, ids};

/// Which rule of mapping.md §7 dated a cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChurnRule {
    /// Rule 1: `termination_date` (services/addons) or a past `expirydate` (domains).
    TerminationDate,
    /// Rule 2: the newest cancellation request, `Immediate`.
    ImmediateRequest,
    /// Rule 2: the newest cancellation request, `End of Billing Period` → `nextduedate`.
    EndOfBillingPeriodRequest,
    /// Rule 3 (or setting `churn_at = "period_end"`): end of the last exported service period.
    LastPeriodEnd,
    /// `suspended_is_active = false`: cancelled when the last paid period ended.
    Suspension,
}

/// The newest exported service period of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastPeriod {
    /// The latest period start.
    pub start: NaiveDate,
    /// The latest period end.
    pub end: NaiveDate,
}

/// Cancellations of the client's ended subscriptions. `last_period` holds, per
/// subscription external id, its last exported service period; subscriptions that were never
/// exported have nothing to cancel. A cancellation never predates the start of the last
/// exported period: WHMCS can terminate a service whose next period was already invoiced and
/// paid, and ChartMogul would read a cancellation before that line as followed by a
/// reactivation, keeping the MRR forever; the churn is then dated at that period's start.
pub fn cancellations(
    bundle: &ClientBundle,
    last_period: &BTreeMap<String, LastPeriod>,
    ctx: &MapContext<'_>,
) -> Vec<Cancellation> {
    let period_end = ctx.settings.churn_at == ChurnAt::PeriodEnd;
    let mut out = Vec::new();
    let mut push = |sub: String, at: DateTime<Utc>, rule: ChurnRule, not_before: DateTime<Utc>| {
        out.push(Cancellation {
            subscription_external_id: sub,
            cancelled_at: iso(at.max(not_before)),
            rule,
        });
    };
    let day = |d: NaiveDate| ctx.zone.date_to_utc(d);

    for s in &bundle.services {
        let sub = ids::service_subscription(s.id);
        let Some(&LastPeriod {
            start: last_start,
            end: last_end,
        }) = last_period.get(&sub)
        else {
            continue;
        };
        let suspended_churns =
            s.status == ServiceStatus::Suspended && !ctx.settings.suspended_is_active;
        if suspended_churns {
            push(sub, day(last_end), ChurnRule::Suspension, day(last_start));
            continue;
        }
        if !s.status.is_ended() {
            continue;
        }
        if period_end {
            push(
                sub,
                day(last_end),
                ChurnRule::LastPeriodEnd,
                day(last_start),
            );
        } else if let Some(t) = s.termination_date {
            push(sub, day(t), ChurnRule::TerminationDate, day(last_start));
        } else if let Some(req) = bundle
            .cancel_requests
            .iter()
            .filter(|r| r.relid == s.id && r.date.is_some())
            .max_by_key(|r| (r.date, r.id))
        {
            match (&req.kind, s.nextduedate) {
                (CancelType::EndOfBillingPeriod, Some(next)) => push(
                    sub,
                    day(next),
                    ChurnRule::EndOfBillingPeriodRequest,
                    day(last_start),
                ),
                (CancelType::EndOfBillingPeriod, None) => push(
                    sub,
                    day(last_end),
                    ChurnRule::LastPeriodEnd,
                    day(last_start),
                ),
                _ => push(
                    sub,
                    ctx.zone.to_utc(req.date.expect("filtered")),
                    ChurnRule::ImmediateRequest,
                    day(last_start),
                ),
            }
        } else {
            push(
                sub,
                day(last_end),
                ChurnRule::LastPeriodEnd,
                day(last_start),
            );
        }
    }

    for a in &bundle.addons {
        let sub = ids::addon_subscription(a.id);
        let Some(&LastPeriod {
            start: last_start,
            end: last_end,
        }) = last_period.get(&sub)
        else {
            continue;
        };
        if a.status == ServiceStatus::Suspended && !ctx.settings.suspended_is_active {
            push(sub, day(last_end), ChurnRule::Suspension, day(last_start));
        } else if a.status.is_ended() {
            match a.termination_date {
                Some(t) if !period_end => {
                    push(sub, day(t), ChurnRule::TerminationDate, day(last_start))
                }
                _ => push(
                    sub,
                    day(last_end),
                    ChurnRule::LastPeriodEnd,
                    day(last_start),
                ),
            }
        }
    }

    for d in &bundle.domains {
        let sub = ids::domain_subscription(d.id);
        let Some(&LastPeriod {
            start: last_start,
            end: last_end,
        }) = last_period.get(&sub)
        else {
            continue;
        };
        if !d.status.is_ended() {
            continue;
        }
        match d.expirydate.map(day) {
            Some(t) if !period_end && t <= ctx.now => {
                push(sub, t, ChurnRule::TerminationDate, day(last_start))
            }
            _ => push(
                sub,
                day(last_end),
                ChurnRule::LastPeriodEnd,
                day(last_start),
            ),
        }
    }
    out
}
