//! Bulk JSON import (reference §5.5): `POST /data_sources/{ds}/json_imports` and its status.
//!
//! Contract: the submitted body (≤ 5,000,000 bytes, else 413) must be an object with a string
//! `external_id` and at least one of the arrays `customers`, `plans`, `invoices`, `line_items`,
//! `transactions`, `subscription_events`, each of objects (else 400). It is answered at once
//! with status `queued` and processed on the background worker after
//! `bulk_processing_delay` (`processing`), then `completed` after the same delay again.
//! Objects reference each other by external id (`customer_external_id`,
//! `invoice_external_id`, `plan_external_id`) and are checked by the same rules as the direct
//! API; each succeeds or fails on its own, in the order plans, customers, invoices (with their
//! line items and transactions, all or nothing per invoice), line items and transactions for
//! invoices imported earlier, subscription events. `status_details` is keyed by `plans`, by
//! each customer external id (`customer`, `invoices`, `line_items`, `transactions` maps of
//! external id → `{"status":"imported"}` or `{"status":"failed","errors":{…}}`), and by
//! `line_items` / `transactions` / `subscription_events` for objects that belong to no
//! customer of the import.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};

use super::invoices::{self, PlanRef, Seen};
use super::{ApiError, ApiResult, Ctx, ErrorMap, customers, data_sources, ok, plans};
use crate::sim::server::Shared;
use crate::sim::store::{ImportStatus, JsonImport, Store};
use crate::sim::time::{Millis, format_timestamp, parse_timestamp};

/// ChartMogul's documented payload limit.
pub const MAX_BYTES: usize = 5_000_000;
const ARRAYS: [&str; 6] = [
    "customers",
    "plans",
    "invoices",
    "line_items",
    "transactions",
    "subscription_events",
];
const EVENT_TYPES: [&str; 10] = [
    "subscription_start",
    "subscription_start_scheduled",
    "subscription_updated",
    "subscription_update_scheduled",
    "subscription_cancelled",
    "subscription_cancellation_scheduled",
    "subscription_event_retracted",
    "scheduled_subscription_start_retracted",
    "scheduled_subscription_update_retracted",
    "scheduled_subscription_cancellation_retracted",
];

pub fn view(imp: &JsonImport) -> Value {
    json!({
        "id": imp.id,
        "data_source_uuid": imp.data_source_uuid,
        "status": imp.status.name(),
        "external_id": imp.external_id,
        "status_details": imp.status_details,
        "created_at": format_timestamp(imp.created_at),
        "updated_at": format_timestamp(imp.updated_at),
    })
}

pub fn submit(ctx: &Ctx, ds: &str) -> ApiResult {
    data_sources::require(&ctx.store(), ds)?;
    if ctx.req.body.len() > MAX_BYTES {
        return Err(ApiError::PayloadTooLarge(
            "The JSON payload exceeds the 5 MB limit of a bulk import".into(),
        ));
    }
    let body = ctx.json_object()?;
    let external_id = match body.get("external_id") {
        None | Some(Value::Null) => return Err(ApiError::missing("external_id")),
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(_) => {
            return Err(ApiError::bad(
                "Parameter \"external_id\" must be a non-empty string",
                Some("external_id"),
            ));
        }
    };
    let mut objects = 0;
    for key in ARRAYS {
        match body.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) if items.iter().all(Value::is_object) => {
                objects += items.len();
            }
            Some(_) => {
                return Err(ApiError::bad(
                    format!("Parameter \"{key}\" must be an array of objects"),
                    Some(key),
                ));
            }
        }
    }
    if objects == 0 {
        return Err(ApiError::bad(
            "The import contains no objects",
            Some("customers"),
        ));
    }
    let mut store = ctx.store();
    // Ids look like ChartMogul's: a uuid without type prefix.
    let id = store.new_uuid("x").trim_start_matches("x_").to_string();
    let imp = JsonImport {
        id: id.clone(),
        data_source_uuid: ds.to_string(),
        external_id,
        status: ImportStatus::Queued,
        status_details: Map::new(),
        created_at: ctx.now,
        updated_at: ctx.now,
        payload: Some(Value::Object(body)),
    };
    let v = view(&imp);
    store.imports.insert(id.clone(), imp);
    drop(store);
    ctx.shared.queue_import(id);
    ok(201, v)
}

pub fn get(ctx: &Ctx, ds: &str, id: &str) -> ApiResult {
    let store = ctx.store();
    data_sources::require(&store, ds)?;
    match store.imports.get(id) {
        Some(imp) if imp.data_source_uuid == ds => ok(200, view(imp)),
        _ => Err(ApiError::not_found("Import")),
    }
}

/// Moves a queued import to `processing` and applies it.
pub fn process(shared: &Shared, id: &str) {
    let now = shared.options.clock.now();
    let mut store = shared.store();
    let Some(imp) = store.imports.get_mut(id) else {
        return; // reset or data source deleted meanwhile
    };
    imp.status = ImportStatus::Processing;
    imp.updated_at = now;
    let payload = imp.payload.take().unwrap_or(Value::Null);
    let ds = imp.data_source_uuid.clone();
    let details = if store.data_sources.contains_key(&ds) {
        apply(&mut store, &ds, &payload, now)
    } else {
        let mut m = Map::new();
        m.insert("error".into(), json!("Data source not found"));
        m
    };
    if let Some(imp) = store.imports.get_mut(id) {
        imp.status_details = details;
    }
}

/// Marks a processed import `completed`.
pub fn complete(shared: &Shared, id: &str) {
    let now = shared.options.clock.now();
    if let Some(imp) = shared.store().imports.get_mut(id) {
        imp.status = ImportStatus::Completed;
        imp.updated_at = now;
    }
}

fn outcome(errors: Option<&ErrorMap>) -> Value {
    match errors {
        None => json!({"status": "imported"}),
        Some(e) => json!({"status": "failed", "errors": e.to_json()}),
    }
}

fn one_error(field: &str, message: &str) -> ErrorMap {
    let mut e = ErrorMap::default();
    e.add(field, message);
    e
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// `details[group][kind][key] = value`.
fn record(
    details: &mut Map<String, Value>,
    group: &str,
    kind: Option<&str>,
    key: &str,
    value: Value,
) {
    let g = details
        .entry(group.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(g) = g.as_object_mut() else {
        return;
    };
    match kind {
        None => {
            g.insert(key.to_string(), value);
        }
        Some(kind) => {
            let k = g
                .entry(kind.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(k) = k.as_object_mut() {
                k.insert(key.to_string(), value);
            }
        }
    }
}

fn array<'a>(payload: &'a Value, key: &str) -> &'a [Value] {
    payload
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Applies every object of an import; returns `status_details`.
fn apply(store: &mut Store, ds: &str, payload: &Value, now: Millis) -> Map<String, Value> {
    let mut details = Map::new();

    for (i, p) in array(payload, "plans").iter().enumerate() {
        let key = str_field(p, "external_id").map_or(format!("#{i}"), str::to_string);
        let result = p
            .as_object()
            .ok_or_else(|| ApiError::bad("must be an object", None))
            .and_then(|o| plans::build(store, o, Some(ds)));
        let errors = match result {
            Ok(plan) => {
                store.insert_plan(plan);
                None
            }
            Err(e) => Some(e.as_error_map()),
        };
        record(&mut details, "plans", None, &key, outcome(errors.as_ref()));
    }

    for (i, c) in array(payload, "customers").iter().enumerate() {
        let key = str_field(c, "external_id").map_or(format!("#{i}"), str::to_string);
        let result = c
            .as_object()
            .ok_or_else(|| ApiError::bad("must be an object", None))
            .and_then(|o| customers::build(store, o, Some(ds), now));
        let errors = match result {
            Ok(customer) => {
                store.insert_customer(customer);
                None
            }
            Err(e) => Some(e.as_error_map()),
        };
        record(
            &mut details,
            &key,
            None,
            "customer",
            outcome(errors.as_ref()),
        );
    }

    // Line items and transactions travel separately and find their invoice by external id.
    let mut lines_of: HashMap<&str, Vec<(String, &Value)>> = HashMap::new();
    for (i, l) in array(payload, "line_items").iter().enumerate() {
        let key = str_field(l, "external_id").map_or(format!("#{i}"), str::to_string);
        match str_field(l, "invoice_external_id") {
            Some(inv) => lines_of.entry(inv).or_default().push((key, l)),
            None => record(
                &mut details,
                "line_items",
                None,
                &key,
                outcome(Some(&one_error("invoice_external_id", "can't be blank"))),
            ),
        }
    }
    let mut transactions_of: HashMap<&str, Vec<(String, &Value)>> = HashMap::new();
    for (i, t) in array(payload, "transactions").iter().enumerate() {
        let key = str_field(t, "external_id").map_or(format!("#{i}"), str::to_string);
        match str_field(t, "invoice_external_id") {
            Some(inv) => transactions_of.entry(inv).or_default().push((key, t)),
            None => record(
                &mut details,
                "transactions",
                None,
                &key,
                outcome(Some(&one_error("invoice_external_id", "can't be blank"))),
            ),
        }
    }

    let mut seen = Seen::default();
    let mut in_import: HashSet<&str> = HashSet::new();
    for (i, inv) in array(payload, "invoices").iter().enumerate() {
        let inv_key = str_field(inv, "external_id").map_or(format!("#{i}"), str::to_string);
        if let Some(e) = str_field(inv, "external_id") {
            in_import.insert(e);
        }
        let group = str_field(inv, "customer_external_id").unwrap_or("_unknown_customer");
        let own_lines = array(inv, "line_items");
        let own_transactions = array(inv, "transactions");
        let extra_lines = lines_of.get(inv_key.as_str()).cloned().unwrap_or_default();
        let extra_transactions = transactions_of
            .get(inv_key.as_str())
            .cloned()
            .unwrap_or_default();
        let line_keys: Vec<String> = own_lines
            .iter()
            .enumerate()
            .map(|(n, l)| {
                str_field(l, "external_id").map_or(format!("{inv_key}#{n}"), str::to_string)
            })
            .chain(extra_lines.iter().map(|(k, _)| k.clone()))
            .collect();
        let transaction_keys: Vec<String> = own_transactions
            .iter()
            .enumerate()
            .map(|(n, t)| {
                str_field(t, "external_id").map_or(format!("{inv_key}#t{n}"), str::to_string)
            })
            .chain(extra_transactions.iter().map(|(k, _)| k.clone()))
            .collect();

        let result = match (inv.as_object(), str_field(inv, "customer_external_id")) {
            (None, _) => Err(one_error("invoice", "must be an object")),
            (Some(_), None) => Err(one_error("customer_external_id", "can't be blank")),
            (Some(obj), Some(cus_ext)) => match store.customer_by_ext(ds, cus_ext).cloned() {
                None => Err(one_error("customer_external_id", "Customer not found")),
                Some(customer) => {
                    let mut combined = obj.clone();
                    let mut all_lines: Vec<Value> = own_lines.to_vec();
                    all_lines.extend(extra_lines.iter().map(|(_, l)| (*l).clone()));
                    let mut all_transactions: Vec<Value> = own_transactions.to_vec();
                    all_transactions.extend(extra_transactions.iter().map(|(_, t)| (*t).clone()));
                    combined.insert("line_items".into(), Value::Array(all_lines));
                    combined.insert("transactions".into(), Value::Array(all_transactions));
                    invoices::check_invoice(
                        store,
                        &customer,
                        &Value::Object(combined),
                        PlanRef::ExternalId,
                        Some(ds),
                        now,
                        &seen,
                    )
                }
            },
        };
        let (inv_status, part_status) = match result {
            Ok(invoice) => {
                seen.absorb(&invoice);
                store.insert_invoice(invoice);
                (outcome(None), outcome(None))
            }
            Err(e) => (
                outcome(Some(&e)),
                outcome(Some(&one_error("invoice", "The invoice was not imported"))),
            ),
        };
        record(&mut details, group, Some("invoices"), &inv_key, inv_status);
        for k in line_keys {
            record(
                &mut details,
                group,
                Some("line_items"),
                &k,
                part_status.clone(),
            );
        }
        for k in transaction_keys {
            record(
                &mut details,
                group,
                Some("transactions"),
                &k,
                part_status.clone(),
            );
        }
    }

    // Line items and transactions for invoices imported before this import.
    for (inv_ext, lines) in &lines_of {
        if in_import.contains(inv_ext) {
            continue;
        }
        let mut local = HashSet::new();
        for (key, l) in lines {
            let target = store.invoice_by_ext(ds, inv_ext).map(|i| {
                (
                    i.uuid.clone(),
                    i.customer_uuid.clone(),
                    i.customer_external_id.clone(),
                )
            });
            let Some((inv_uuid, customer_uuid, cus_ext)) = target else {
                record(
                    &mut details,
                    "line_items",
                    None,
                    key,
                    outcome(Some(&one_error("invoice_external_id", "Invoice not found"))),
                );
                continue;
            };
            let errors = match invoices::check_line(
                store,
                ds,
                &customer_uuid,
                l,
                PlanRef::ExternalId,
                now,
                &seen,
                &mut local,
            ) {
                Ok(line) => {
                    store.add_line_item(&inv_uuid, line);
                    None
                }
                Err(e) => Some(e),
            };
            record(
                &mut details,
                &cus_ext,
                Some("line_items"),
                key,
                outcome(errors.as_ref()),
            );
        }
    }
    for (inv_ext, transactions) in &transactions_of {
        if in_import.contains(inv_ext) {
            continue;
        }
        let mut local = HashSet::new();
        for (key, t) in transactions {
            let Some(inv) = store.invoice_by_ext(ds, inv_ext).cloned() else {
                record(
                    &mut details,
                    "transactions",
                    None,
                    key,
                    outcome(Some(&one_error("invoice_external_id", "Invoice not found"))),
                );
                continue;
            };
            let errors = match t
                .as_object()
                .map(|o| invoices::check_transaction(store, ds, o, "", false, &seen, &mut local))
            {
                None => Some(one_error("transaction", "must be an object")),
                Some(Err(e)) => Some(e.as_error_map()),
                Some(Ok(tr)) => {
                    let mut balance = inv.paid_and_refunded();
                    match invoices::apply_balance(inv.total(), &mut balance, &tr) {
                        Err(msg) => Some(one_error("amount_in_cents", msg)),
                        Ok(()) => {
                            store.add_transaction(&inv.uuid, tr);
                            None
                        }
                    }
                }
            };
            record(
                &mut details,
                &inv.customer_external_id,
                Some("transactions"),
                key,
                outcome(errors.as_ref()),
            );
        }
    }

    for (i, ev) in array(payload, "subscription_events").iter().enumerate() {
        let key = str_field(ev, "external_id").map_or(format!("#{i}"), str::to_string);
        let mut errors = ErrorMap::default();
        for field in ["customer_external_id", "subscription_external_id"] {
            if str_field(ev, field).is_none() {
                errors.add(field, "can't be blank");
            }
        }
        match str_field(ev, "event_type") {
            Some(t) if EVENT_TYPES.contains(&t) => {}
            Some(_) => errors.add("event_type", "is not a known subscription event type"),
            None => errors.add("event_type", "can't be blank"),
        }
        for field in ["event_date", "effective_date"] {
            match str_field(ev, field) {
                Some(s) if parse_timestamp(s).is_some() => {}
                Some(_) => errors.add(field, "is not a valid ISO 8601 timestamp"),
                None => errors.add(field, "can't be blank"),
            }
        }
        if let Some(ext) = str_field(ev, "external_id") {
            let taken = store.subscription_events.iter().any(|e| {
                e.get("data_source_uuid").and_then(Value::as_str) == Some(ds)
                    && e.get("external_id").and_then(Value::as_str) == Some(ext)
            });
            if taken {
                errors.add("external_id", "has already been taken");
            }
        }
        if errors.is_empty() {
            let mut stored = ev.clone();
            if let Some(o) = stored.as_object_mut() {
                o.insert("data_source_uuid".into(), json!(ds));
            }
            store.subscription_events.push(stored);
            record(
                &mut details,
                "subscription_events",
                None,
                &key,
                outcome(None),
            );
        } else {
            record(
                &mut details,
                "subscription_events",
                None,
                &key,
                outcome(Some(&errors)),
            );
        }
    }
    details
}
