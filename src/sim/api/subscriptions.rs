//! Subscriptions (reference §7): the import view with cancellation dates, cancelling and
//! rewriting cancellations, and the metrics view with MRR.
//!
//! Contract: `PATCH /import/subscriptions/{uuid}` takes exactly one of `cancelled_at` (appended
//! to the dates) or `cancellation_dates` (replaces them; `[]` removes every cancellation) and
//! answers 202 with the subscription; dates must parse and not lie in the future. Only
//! subscriptions with at least one stored line are listed.

use serde_json::{Value, json};

use super::{ApiError, ApiResult, Ctx, Page, customers, ok, opt_ts};
use crate::sim::codes::currency_sign;
use crate::sim::mrr;
use crate::sim::store::{Store, Subscription};
use crate::sim::time::{Millis, format_timestamp, parse_timestamp};

/// The import view of one subscription.
pub fn import_view(store: &Store, s: &Subscription, now: Millis) -> Value {
    let plan_uuid = mrr::customer_subscriptions(store, &s.customer_uuid, now)
        .into_iter()
        .find(|st| st.subscription.uuid == s.uuid)
        .and_then(|st| st.current.and_then(|l| l.plan_uuid.clone()))
        .or_else(|| latest_plan(store, s));
    json!({
        "uuid": s.uuid,
        "external_id": s.external_id,
        "subscription_set_external_id": s.subscription_set_external_id,
        "customer_uuid": s.customer_uuid,
        "plan_uuid": plan_uuid,
        "data_source_uuid": s.data_source_uuid,
        "cancellation_dates": s.cancellation_dates.iter().map(|d| format_timestamp(*d)).collect::<Vec<_>>(),
    })
}

/// The plan of the subscription's latest line, whatever "now" is.
fn latest_plan(store: &Store, s: &Subscription) -> Option<String> {
    let lines = store.lines_by_subscription(&s.customer_uuid);
    lines
        .get(s.uuid.as_str())?
        .iter()
        .max_by_key(|(l, _)| (l.service_period_start, l.event_order.unwrap_or(0), l.seq))
        .and_then(|(l, _)| l.plan_uuid.clone())
}

pub fn import_list(ctx: &Ctx, customer_uuid: &str) -> ApiResult {
    let page = Page::from_ctx(ctx)?;
    let store = ctx.store();
    customers::require(&store, customer_uuid)?;
    let with_lines = store.lines_by_subscription(customer_uuid);
    let (subs, cursor, has_more) = page.take(
        with_lines
            .keys()
            .filter_map(|u| store.subscriptions.get(*u))
            .map(|s| (s.uuid.clone(), import_view(&store, s, ctx.now))),
    );
    ok(
        200,
        json!({"customer_uuid": customer_uuid, "subscriptions": subs, "cursor": cursor, "has_more": has_more}),
    )
}

fn past_timestamp(v: &Value, field: &str, now: Millis) -> Result<Millis, ApiError> {
    let Some(s) = v.as_str() else {
        return Err(ApiError::bad(
            format!("Parameter \"{field}\" must be a timestamp string"),
            Some(field),
        ));
    };
    let at = parse_timestamp(s.trim())
        .ok_or_else(|| ApiError::unprocessable(field, "is not a valid ISO 8601 timestamp"))?;
    if at > now {
        return Err(ApiError::unprocessable(field, "must be in the past"));
    }
    Ok(at)
}

pub fn cancel(ctx: &Ctx, uuid: &str) -> ApiResult {
    let body = ctx.json_object()?;
    let mut store = ctx.store();
    if !store.subscriptions.contains_key(uuid) {
        return Err(ApiError::not_found("Subscription"));
    }
    let at = body.get("cancelled_at").filter(|v| !v.is_null());
    let dates = body.get("cancellation_dates").filter(|v| !v.is_null());
    let new_dates = match (at, dates) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad(
                "Send either \"cancelled_at\" or \"cancellation_dates\", not both",
                Some("cancelled_at"),
            ));
        }
        (None, None) => return Err(ApiError::missing("cancelled_at")),
        (Some(v), None) => {
            let at = past_timestamp(v, "cancelled_at", ctx.now)?;
            let mut d = store
                .subscriptions
                .get(uuid)
                .map(|s| s.cancellation_dates.clone())
                .unwrap_or_default();
            d.push(at);
            d
        }
        (None, Some(Value::Array(items))) => items
            .iter()
            .map(|v| past_timestamp(v, "cancellation_dates", ctx.now))
            .collect::<Result<Vec<_>, _>>()?,
        (None, Some(_)) => {
            return Err(ApiError::bad(
                "Parameter \"cancellation_dates\" must be an array",
                Some("cancellation_dates"),
            ));
        }
    };
    let Some(sub) = store.subscriptions.get_mut(uuid) else {
        return Err(ApiError::not_found("Subscription"));
    };
    sub.cancellation_dates.clear();
    for d in new_dates {
        sub.add_cancellation(d);
    }
    let sub = sub.clone();
    ok(202, import_view(&store, &sub, ctx.now))
}

/// `GET /customers/{uuid}/subscriptions`: the metrics view (reference §7).
pub fn metrics_list(ctx: &Ctx, customer_uuid: &str) -> ApiResult {
    let page = Page::from_ctx(ctx)?;
    let store = ctx.store();
    customers::require(&store, customer_uuid)?;
    let states = mrr::customer_subscriptions(&store, customer_uuid, ctx.now);
    let (entries, cursor, has_more) = page.take(states.iter().map(|st| {
        let s = st.subscription;
        let plan = st
            .current
            .and_then(|l| l.plan_uuid.as_deref())
            .and_then(|p| store.plans.get(p));
        let start = store
            .lines_by_subscription(customer_uuid)
            .get(s.uuid.as_str())
            .and_then(|ls| ls.iter().filter_map(|(l, _)| l.service_period_start).min());
        let currency = st.currency.unwrap_or("USD");
        let v = json!({
            "uuid": s.uuid,
            "external_id": s.external_id,
            "subscription_set_external_id": s.subscription_set_external_id,
            "plan": plan.map(|p| p.name.clone()),
            "plan_uuid": plan.map(|p| p.uuid.clone()),
            "quantity": st.current.map_or(1, |l| l.quantity),
            "mrr": mrr::cents(st.mrr),
            "arr": mrr::cents(st.mrr * 12),
            "status": if st.active { "active" } else { "cancelled" },
            "billing-cycle": plan.map(|p| p.interval_unit.name()),
            "billing-cycle-count": plan.map(|p| p.interval_count),
            "start-date": opt_ts(start),
            "end-date": opt_ts(st.current.and_then(|l| l.service_period_end)),
            "currency": currency,
            "currency-sign": currency_sign(currency),
        });
        (s.uuid.clone(), v)
    }));
    ok(
        200,
        json!({"customer_uuid": customer_uuid, "entries": entries, "cursor": cursor, "has_more": has_more}),
    )
}
