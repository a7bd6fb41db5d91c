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

/// Cancellations of the client's ended subscriptions. `last_period_end` holds, per
/// subscription external id, the end of its last exported service period; subscriptions that
/// were never exported have nothing to cancel.
pub fn cancellations(
    bundle: &ClientBundle,
    last_period_end: &BTreeMap<String, NaiveDate>,
    ctx: &MapContext<'_>,
) -> Vec<Cancellation> {
    let period_end = ctx.settings.churn_at == ChurnAt::PeriodEnd;
    let mut out = Vec::new();
    let mut push = |sub: String, at: DateTime<Utc>, rule: ChurnRule| {
        out.push(Cancellation {
            subscription_external_id: sub,
            cancelled_at: iso(at),
            rule,
        });
    };
    let day = |d: NaiveDate| ctx.zone.date_to_utc(d);

    for s in &bundle.services {
        let sub = ids::service_subscription(s.id);
        let Some(&last_end) = last_period_end.get(&sub) else {
            continue;
        };
        let suspended_churns =
            s.status == ServiceStatus::Suspended && !ctx.settings.suspended_is_active;
        if suspended_churns {
            push(sub, day(last_end), ChurnRule::Suspension);
            continue;
        }
        if !s.status.is_ended() {
            continue;
        }
        if period_end {
            push(sub, day(last_end), ChurnRule::LastPeriodEnd);
        } else if let Some(t) = s.termination_date {
            push(sub, day(t), ChurnRule::TerminationDate);
        } else if let Some(req) = bundle
            .cancel_requests
            .iter()
            .filter(|r| r.relid == s.id && r.date.is_some())
            .max_by_key(|r| (r.date, r.id))
        {
            match (&req.kind, s.nextduedate) {
                (CancelType::EndOfBillingPeriod, Some(next)) => {
                    push(sub, day(next), ChurnRule::EndOfBillingPeriodRequest)
                }
                (CancelType::EndOfBillingPeriod, None) => {
                    push(sub, day(last_end), ChurnRule::LastPeriodEnd)
                }
                _ => push(
                    sub,
                    ctx.zone.to_utc(req.date.expect("filtered")),
                    ChurnRule::ImmediateRequest,
                ),
            }
        } else {
            push(sub, day(last_end), ChurnRule::LastPeriodEnd);
        }
    }

    for a in &bundle.addons {
        let sub = ids::addon_subscription(a.id);
        let Some(&last_end) = last_period_end.get(&sub) else {
            continue;
        };
        if a.status == ServiceStatus::Suspended && !ctx.settings.suspended_is_active {
            push(sub, day(last_end), ChurnRule::Suspension);
        } else if a.status.is_ended() {
            match a.termination_date {
                Some(t) if !period_end => push(sub, day(t), ChurnRule::TerminationDate),
                _ => push(sub, day(last_end), ChurnRule::LastPeriodEnd),
            }
        }
    }

    for d in &bundle.domains {
        let sub = ids::domain_subscription(d.id);
        let Some(&last_end) = last_period_end.get(&sub) else {
            continue;
        };
        if !d.status.is_ended() {
            continue;
        }
        match d.expirydate.map(day) {
            Some(t) if !period_end && t <= ctx.now => push(sub, t, ChurnRule::TerminationDate),
            _ => push(sub, day(last_end), ChurnRule::LastPeriodEnd),
        }
    }
    out
}
