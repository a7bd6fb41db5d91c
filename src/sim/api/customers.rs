//! Customers (reference §3): create, list with filters, search by email, retrieve, update,
//! delete, merge, attributes; every view carries the computed status and MRR.
//!
//! Contract: `external_id` is unique per data source over every identity (merged customers
//! included) → 422 "The external ID for this customer already exists in our system.";
//! `country` must be an assigned ISO 3166-1 alpha-2 code; `lead_created_at` must parse and not
//! lie in the future; only lead statuses can be set.

use std::collections::BTreeMap;
use std::ops::Bound;

use serde_json::{Map, Value, json};

use super::{ApiError, ApiResult, Checker, Ctx, Page, ok, opt_ts};
use crate::sim::codes::{currency_sign, is_country};
use crate::sim::http::Response;
use crate::sim::mrr;
use crate::sim::store::{CustomAttribute, Customer, Identity, Store};
use crate::sim::time::{Millis, parse_timestamp};

pub const DUPLICATE: &str = "The external ID for this customer already exists in our system.";
const LEAD_STATUSES: [&str; 4] = [
    "New Lead",
    "Working Lead",
    "Qualified Lead",
    "Unqualified Lead",
];
const ATTRIBUTE_TYPES: [&str; 5] = ["String", "Integer", "Decimal", "Timestamp", "Boolean"];

/// Builds a new customer from a create body. `fixed_ds` is the bulk import's data source
/// (then `data_source_uuid` may be left out of the object).
pub fn build(
    store: &mut Store,
    body: &Map<String, Value>,
    fixed_ds: Option<&str>,
    now: Millis,
) -> Result<Customer, ApiError> {
    let mut c = Checker::new(body, "", true);
    let ds = match fixed_ds {
        Some(ds) => {
            if let Some(given) = c.str_opt("data_source_uuid")
                && given != ds
            {
                c.fail(
                    "data_source_uuid",
                    "does not match the import's data source",
                );
            }
            Some(ds.to_string())
        }
        None => c.str_req("data_source_uuid"),
    };
    let external_id = c.str_req("external_id");
    let mut customer = Customer {
        id: 0,
        uuid: String::new(),
        identities: Vec::new(),
        name: None,
        email: None,
        company: None,
        country: None,
        state: None,
        city: None,
        zip: None,
        website_url: None,
        owner: None,
        primary_contact: None,
        lead_created_at: None,
        free_trial_started_at: None,
        lead_status: None,
        tags: Vec::new(),
        custom: BTreeMap::new(),
        created_at: now,
    };
    apply_fields(&mut c, &mut customer, now);
    if let Some(ds) = &ds {
        if !store.data_sources.contains_key(ds) {
            c.fail("data_source_uuid", "Data source not found");
        } else if let Some(ext) = &external_id
            && store.customer_ext_taken(ds, ext)
        {
            c.fail("external_id", DUPLICATE);
        }
    }
    c.finish()?;
    customer.identities.push(Identity {
        data_source_uuid: ds.unwrap_or_default(),
        external_id: external_id.unwrap_or_default(),
    });
    customer.id = store.next_customer_id();
    customer.uuid = store.new_uuid("cus");
    Ok(customer)
}

/// Reads the optional, updatable fields into `customer` (create and update share them).
fn apply_fields(c: &mut Checker, customer: &mut Customer, now: Millis) {
    for (field, slot) in [
        ("name", &mut customer.name),
        ("company", &mut customer.company),
        ("state", &mut customer.state),
        ("city", &mut customer.city),
        ("zip", &mut customer.zip),
        ("website_url", &mut customer.website_url),
        ("owner", &mut customer.owner),
    ] {
        if let Some(v) = c.str_opt(field) {
            *slot = Some(v);
        }
    }
    if let Some(email) = c.str_opt("email") {
        if email.is_empty() || plausible_email(&email) {
            customer.email = Some(email);
        } else {
            c.fail("email", "is not a valid email address");
        }
    }
    if let Some(country) = c.str_opt("country") {
        if is_country(&country) {
            customer.country = Some(country);
        } else {
            c.fail("country", "is not a valid ISO 3166-1 alpha-2 country code");
        }
    }
    if let Some(at) = c.ts_opt("lead_created_at") {
        if at > now {
            c.fail("lead_created_at", "must be in the past");
        } else {
            customer.lead_created_at = Some(at);
        }
    }
    if let Some(at) = c.ts_opt("free_trial_started_at") {
        customer.free_trial_started_at = Some(at);
    }
    if let Some(status) = c.str_opt("status") {
        if LEAD_STATUSES.contains(&status.as_str()) {
            customer.lead_status = Some(status);
        } else {
            c.fail(
                "status",
                "only lead statuses can be set (New Lead, Working Lead, Qualified Lead, Unqualified Lead)",
            );
        }
    }
    if let Some(pc) = c.raw("primary_contact") {
        if pc.is_object() {
            customer.primary_contact = Some(pc.clone());
        } else {
            c.fail("primary_contact", "must be an object");
        }
    }
    if let Some(attrs) = c.raw("attributes") {
        match attrs {
            Value::Object(a) => apply_attributes(c, a, customer),
            _ => c.fail("attributes", "must be an object"),
        }
    }
}

fn plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !s.chars().any(char::is_whitespace)
}

fn apply_attributes(c: &mut Checker, attrs: &Map<String, Value>, customer: &mut Customer) {
    if let Some(tags) = attrs.get("tags").filter(|v| !v.is_null()) {
        match tags.as_array().and_then(|a| {
            a.iter()
                .map(|t| t.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
        }) {
            Some(tags) => {
                customer.tags.clear();
                for t in tags {
                    if !customer.tags.contains(&t) {
                        customer.tags.push(t);
                    }
                }
            }
            None => c.fail("attributes.tags", "must be an array of strings"),
        }
    }
    match attrs.get("custom").filter(|v| !v.is_null()) {
        None => {}
        Some(Value::Array(items)) => {
            for item in items {
                match parse_custom(item) {
                    Ok((key, attr)) => {
                        customer.custom.insert(key, attr);
                    }
                    Err(msg) => c.fail("attributes.custom", &msg),
                }
            }
        }
        // The `{key: value}` form updates values; the type follows the JSON value.
        Some(Value::Object(map)) => {
            for (key, value) in map {
                let kind = match value {
                    Value::Bool(_) => "Boolean",
                    Value::Number(n) if n.is_i64() => "Integer",
                    Value::Number(_) => "Decimal",
                    _ => "String",
                };
                let kind = customer
                    .custom
                    .get(key)
                    .map_or(kind.to_string(), |a| a.kind.clone());
                customer.custom.insert(
                    key.clone(),
                    CustomAttribute {
                        kind,
                        value: value.clone(),
                        source: None,
                    },
                );
            }
        }
        Some(_) => c.fail("attributes.custom", "must be an array of attributes"),
    }
}

fn parse_custom(item: &Value) -> Result<(String, CustomAttribute), String> {
    let obj = item
        .as_object()
        .ok_or("each custom attribute must be an object")?;
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .filter(|t| ATTRIBUTE_TYPES.contains(t))
        .ok_or("type must be one of String, Integer, Decimal, Timestamp, Boolean")?;
    let key = obj
        .get("key")
        .and_then(Value::as_str)
        .filter(|k| !k.trim().is_empty())
        .ok_or("key can't be blank")?;
    let value = obj.get("value").cloned().unwrap_or(Value::Null);
    let fits = match (kind, &value) {
        (_, Value::Null) => true,
        ("String", Value::String(s)) => s.chars().count() <= 255,
        ("Integer", Value::Number(n)) => n.is_i64() || n.is_u64(),
        ("Decimal", Value::Number(_)) => true,
        ("Timestamp", Value::String(s)) => parse_timestamp(s).is_some(),
        ("Boolean", Value::Bool(_)) => true,
        _ => false,
    };
    if !fits {
        return Err(format!("value of {key:?} is not a valid {kind}"));
    }
    let source = obj
        .get("source")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok((
        key.to_string(),
        CustomAttribute {
            kind: kind.to_string(),
            value,
            source,
        },
    ))
}

/// Subscriber status as ChartMogul derives it (reference §8), plus the settable lead statuses.
pub fn status(store: &Store, c: &Customer, now: Millis) -> String {
    let by_sub = store.lines_by_subscription(&c.uuid);
    status_of(
        store,
        c,
        &by_sub,
        &mrr::subscriptions_of(store, &by_sub, now),
        now,
    )
}

fn status_of(
    store: &Store,
    c: &Customer,
    by_sub: &mrr::LinesBySubscription<'_>,
    subs: &[mrr::SubscriptionState<'_>],
    now: Millis,
) -> String {
    let paying: Vec<_> = subs.iter().filter(|s| s.active && s.mrr > 0).collect();
    if !paying.is_empty() {
        let current = paying.iter().any(|s| {
            s.current
                .and_then(|l| l.service_period_end)
                .is_some_and(|end| end >= now)
        });
        return if current { "Active" } else { "Past Due" }.to_string();
    }
    if mrr::had_paid_line_in(store, by_sub, now) {
        return "Cancelled".to_string();
    }
    c.lead_status
        .clone()
        .unwrap_or_else(|| "New Lead".to_string())
}

fn customer_since(store: &Store, by_sub: &mrr::LinesBySubscription<'_>) -> Option<Millis> {
    by_sub
        .values()
        .flatten()
        .filter(|(l, _)| {
            l.plan_uuid
                .as_deref()
                .and_then(|p| store.plans.get(p))
                .is_some_and(|p| mrr::line_mrr(l, p) > 0)
        })
        .filter_map(|(l, _)| l.service_period_start)
        .min()
}

fn attributes_json(c: &Customer) -> Value {
    let custom: Map<String, Value> = c
        .custom
        .iter()
        .map(|(k, a)| (k.clone(), a.value.clone()))
        .collect();
    json!({"tags": c.tags, "custom": custom})
}

/// The customer as the API shows it, with hyphenated metric keys (reference §3).
/// `mrr`/`arr`/`currency` report one currency: the customer's only one, or with several the
/// alphabetically first; `mrr_by_currency` (a simulator extension) has them all.
pub fn view(store: &Store, c: &Customer, now: Millis) -> Value {
    // One grouping of the customer's lines serves MRR, status and customer-since.
    let by_sub = store.lines_by_subscription(&c.uuid);
    let subs = mrr::subscriptions_of(store, &by_sub, now);
    let by_currency = mrr::mrr_by_currency(&subs);
    let invoice_currency = store.invoices_of(&c.uuid).map(|i| i.currency.clone()).min();
    let (currency, amount) = match by_currency.iter().next() {
        Some((cur, v)) => (cur.clone(), *v),
        None => (invoice_currency.unwrap_or_else(|| "USD".into()), 0),
    };
    let mut ds_uuids: Vec<&str> = Vec::new();
    for i in &c.identities {
        if !ds_uuids.contains(&i.data_source_uuid.as_str()) {
            ds_uuids.push(&i.data_source_uuid);
        }
    }
    let primary = c.primary();
    json!({
        "id": c.id,
        "uuid": c.uuid,
        "external_id": primary.external_id,
        "data_source_uuid": primary.data_source_uuid,
        "data_source_uuids": ds_uuids,
        "external_ids": c.identities.iter().map(|i| i.external_id.as_str()).collect::<Vec<_>>(),
        "name": c.name,
        "email": c.email,
        "company": c.company,
        "country": c.country,
        "state": c.state,
        "city": c.city,
        "zip": c.zip,
        "address": {"country": c.country, "state": c.state, "city": c.city, "address_zip": c.zip},
        "website_url": c.website_url,
        "owner": c.owner,
        "primary_contact": c.primary_contact,
        "lead_created_at": opt_ts(c.lead_created_at),
        "free_trial_started_at": opt_ts(c.free_trial_started_at),
        "status": status_of(store, c, &by_sub, &subs, now),
        "customer-since": opt_ts(customer_since(store, &by_sub)),
        "mrr": mrr::cents(amount),
        "arr": mrr::cents(amount * 12),
        "currency": currency,
        "currency-sign": currency_sign(&currency),
        "mrr_by_currency": mrr::cents_map(&by_currency),
        "attributes": attributes_json(c),
        "billing-system-type": "Custom",
        "billing-system-url": null,
        "chartmogul-url": format!("https://app.chartmogul.com/#/customers/{}", c.id),
    })
}

pub fn require<'a>(store: &'a Store, uuid: &str) -> Result<&'a Customer, ApiError> {
    store
        .customers
        .get(uuid)
        .ok_or_else(|| ApiError::not_found("Customer"))
}

pub fn create(ctx: &Ctx) -> ApiResult {
    let body = ctx.json_object()?;
    let mut store = ctx.store();
    let customer = build(&mut store, &body, None, ctx.now)?;
    let v = view(&store, &customer, ctx.now);
    store.insert_customer(customer);
    ok(201, v)
}

fn status_matches(actual: &str, wanted: &str) -> bool {
    actual.eq_ignore_ascii_case(&wanted.replace('_', " "))
}

pub fn list(ctx: &Ctx) -> ApiResult {
    let page = Page::from_ctx(ctx)?;
    let store = ctx.store();
    let ds = ctx.param("data_source_uuid");
    let ext = ctx.param("external_id");
    let status_filter = ctx.param("status");
    let email = ctx.param("email");
    let matches = |c: &&Customer| {
        c.identities.iter().any(|i| {
            ds.is_none_or(|d| i.data_source_uuid == d) && ext.is_none_or(|e| i.external_id == e)
        }) && email.is_none_or(|e| c.email.as_deref() == Some(e))
            && status_filter.is_none_or(|s| status_matches(&status(&store, c, ctx.now), s))
    };
    // The lookup a sync does after a 422 (by data source and external id) uses the index.
    let candidates: Box<dyn Iterator<Item = &Customer>> = match (ds, ext) {
        (Some(d), Some(e)) => Box::new(store.customer_by_ext(d, e).into_iter()),
        // Customers are keyed by uuid, the cursor's order: start right after the cursor.
        _ => match &page.after {
            Some(after) => Box::new(
                store
                    .customers
                    .range::<str, _>((Bound::Excluded(after.as_str()), Bound::Unbounded))
                    .map(|(_, c)| c),
            ),
            None => Box::new(store.customers.values()),
        },
    };
    let (entries, cursor, has_more) = page.take_lazy(
        candidates
            .filter(matches)
            .map(|c| (c.uuid.clone(), || view(&store, c, ctx.now))),
    );
    ok(
        200,
        json!({"entries": entries, "cursor": cursor, "has_more": has_more}),
    )
}

pub fn search(ctx: &Ctx) -> ApiResult {
    let page = Page::from_ctx(ctx)?;
    let Some(email) = ctx.param("email") else {
        return Err(ApiError::missing("email"));
    };
    let store = ctx.store();
    let (entries, cursor, has_more) = page.take_lazy(
        store
            .customers
            .values()
            .filter(|c| c.email.as_deref() == Some(email))
            .map(|c| (c.uuid.clone(), || view(&store, c, ctx.now))),
    );
    if entries.is_empty() && page.after.is_none() {
        return Err(ApiError::NotFound(json!({
            "code": 404,
            "message": format!("Can't find any customers with email: \"{email}\""),
            "param": "email"
        })));
    }
    ok(
        200,
        json!({"entries": entries, "cursor": cursor, "has_more": has_more}),
    )
}

pub fn get(ctx: &Ctx, uuid: &str) -> ApiResult {
    let store = ctx.store();
    let c = require(&store, uuid)?;
    ok(200, view(&store, c, ctx.now))
}

pub fn attributes(ctx: &Ctx, uuid: &str) -> ApiResult {
    let store = ctx.store();
    let c = require(&store, uuid)?;
    ok(200, json!({"attributes": attributes_json(c)}))
}

pub fn update(ctx: &Ctx, uuid: &str) -> ApiResult {
    let body = ctx.json_object()?;
    let mut store = ctx.store();
    let mut customer = require(&store, uuid)?.clone();
    let mut c = Checker::new(&body, "", true);
    apply_fields(&mut c, &mut customer, ctx.now);
    c.finish()?;
    let v = view(&store, &customer, ctx.now);
    store.customers.insert(customer.uuid.clone(), customer);
    // The view was rendered from the updated copy, so it is what is now stored.
    ok(200, v)
}

pub fn delete(ctx: &Ctx, uuid: &str) -> ApiResult {
    let mut store = ctx.store();
    require(&store, uuid)?;
    store.remove_customer(uuid);
    Ok(Response::no_content())
}

/// One side of a merge: `{customer_uuid}` or `{data_source_uuid, external_id}`.
fn merge_side(store: &Store, body: &Map<String, Value>, side: &str) -> Result<String, ApiError> {
    let obj = match body.get(side) {
        None | Some(Value::Null) => return Err(ApiError::missing(side)),
        Some(Value::Object(o)) => o,
        Some(_) => {
            return Err(ApiError::bad(
                format!("Parameter \"{side}\" must be an object"),
                Some(side),
            ));
        }
    };
    let s = |k: &str| obj.get(k).and_then(Value::as_str);
    let found = if let Some(uuid) = s("customer_uuid") {
        store.customers.get(uuid)
    } else if let (Some(ds), Some(ext)) = (s("data_source_uuid"), s("external_id")) {
        store.customer_by_ext(ds, ext)
    } else {
        return Err(ApiError::bad(
            format!("Parameter \"{side}\" needs customer_uuid or data_source_uuid and external_id"),
            Some(side),
        ));
    };
    found.map(|c| c.uuid.clone()).ok_or_else(|| {
        ApiError::NotFound(json!({"code": 404, "message": "Customer not found", "param": side}))
    })
}

pub fn merge(ctx: &Ctx) -> ApiResult {
    let body = ctx.json_object()?;
    let mut store = ctx.store();
    let from = merge_side(&store, &body, "from")?;
    let into = merge_side(&store, &body, "into")?;
    if from == into {
        return Err(ApiError::unprocessable(
            "into",
            "A customer cannot be merged into itself",
        ));
    }
    store.merge_customers(&from, &into);
    ok(202, json!({}))
}
