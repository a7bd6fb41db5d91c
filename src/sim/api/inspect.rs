//! Test endpoints under `/__sim/` (never under `/v1`, never authenticated, never limited or
//! faulted): `GET /__sim/state`, `POST /__sim/reset`, `GET /__sim/mrr?date=YYYY-MM-DD`.
//!
//! Contract: `state` is the whole account as JSON — data sources, customers (API view),
//! plans, invoices with line items and transactions, subscriptions with cancellation dates,
//! bulk imports, subscription events, the request counters and the clock's now. `mrr` is
//! `{"at", "data_sources": {ds_uuid: {"name", "customers": {external_id: {currency: cents}},
//! "totals": {currency: cents}}}}` at the end of `date` (now when left out); a customer is
//! listed under its external id in the subscription's data source, only with non-zero MRR.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{customers, data_sources, invoices, plans};
use crate::sim::http::{Request, Response, parse_query};
use crate::sim::mrr;
use crate::sim::server::Shared;
use crate::sim::store::ImportStatus;
use crate::sim::time::{end_of_day, format_timestamp, parse_date};

pub fn handle(shared: &Shared, req: &Request) -> Response {
    let query = parse_query(&req.query).unwrap_or_default();
    match (req.method.as_str(), req.path.trim_end_matches('/')) {
        ("GET", "/__sim/state") => Response::json(200, &state(shared)),
        ("POST", "/__sim/reset") => {
            shared.reset();
            Response::json(200, &json!({"reset": true}))
        }
        ("GET", "/__sim/mrr") => {
            let date = query
                .iter()
                .find(|(k, _)| k == "date")
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty());
            match mrr(shared, date) {
                Some(v) => Response::json(200, &v),
                None => Response::json(
                    400,
                    &json!({"code": 400, "message": "Parameter \"date\" must be YYYY-MM-DD", "param": "date"}),
                ),
            }
        }
        _ => Response::json(
            404,
            &json!({"code": 404, "message": "Unknown simulator endpoint", "param": null}),
        ),
    }
}

/// The whole account (module docs).
pub fn state(shared: &Shared) -> Value {
    let now = shared.options.clock.now();
    let counters = shared.counters().to_json();
    let store = shared.store();
    let subscriptions: Vec<Value> = store
        .subscriptions
        .values()
        .map(|s| {
            json!({
                "uuid": s.uuid,
                "external_id": s.external_id,
                "data_source_uuid": s.data_source_uuid,
                "customer_uuid": s.customer_uuid,
                "subscription_set_external_id": s.subscription_set_external_id,
                "cancellation_dates": s.cancellation_dates.iter().map(|d| format_timestamp(*d)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let imports: Vec<Value> = store
        .imports
        .values()
        .map(|i| {
            let mut v = super::bulk::view(i);
            if let Some(o) = v.as_object_mut() {
                o.insert("pending".into(), json!(i.status != ImportStatus::Completed));
            }
            v
        })
        .collect();
    json!({
        "now": format_timestamp(now),
        "data_sources": store.data_sources.values().map(data_sources::view).collect::<Vec<_>>(),
        "customers": store.customers.values().map(|c| customers::view(&store, c, now)).collect::<Vec<_>>(),
        "plans": store.plans.values().map(plans::view).collect::<Vec<_>>(),
        "invoices": store.invoices.values().map(invoices::invoice_view).collect::<Vec<_>>(),
        "subscriptions": subscriptions,
        "json_imports": imports,
        "subscription_events": store.subscription_events,
        "counters": counters,
    })
}

/// MRR per data source, customer and currency (module docs); `None` for a malformed date.
pub fn mrr(shared: &Shared, date: Option<&str>) -> Option<Value> {
    let at = match date {
        None => shared.options.clock.now(),
        Some(d) => end_of_day(parse_date(d)?),
    };
    let store = shared.store();
    let mut by_ds: BTreeMap<String, BTreeMap<String, BTreeMap<String, i128>>> = store
        .data_sources
        .keys()
        .map(|k| (k.clone(), BTreeMap::new()))
        .collect();
    for c in store.customers.values() {
        for st in mrr::customer_subscriptions(&store, &c.uuid, at) {
            if st.mrr == 0 {
                continue;
            }
            let ds = &st.subscription.data_source_uuid;
            let ext = c
                .external_id_in(ds)
                .unwrap_or(&c.primary().external_id)
                .to_string();
            let currency = st.currency.unwrap_or("USD").to_string();
            *by_ds
                .entry(ds.clone())
                .or_default()
                .entry(ext)
                .or_default()
                .entry(currency)
                .or_default() += st.mrr;
        }
    }
    let mut out = Map::new();
    for (ds, customers) in by_ds {
        let mut totals: BTreeMap<String, i128> = BTreeMap::new();
        for per_currency in customers.values() {
            for (cur, v) in per_currency {
                *totals.entry(cur.clone()).or_default() += v;
            }
        }
        let name = store.data_sources.get(&ds).map(|d| d.name.clone());
        let customers: BTreeMap<&String, BTreeMap<String, i64>> = customers
            .iter()
            .map(|(k, v)| (k, mrr::cents_map(v)))
            .collect();
        out.insert(
            ds,
            json!({"name": name, "customers": customers, "totals": mrr::cents_map(&totals)}),
        );
    }
    Some(json!({"at": format_timestamp(at), "data_sources": out}))
}
