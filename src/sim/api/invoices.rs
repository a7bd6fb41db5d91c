//! Invoices, line items and transactions (reference §5–§6): import, list, retrieve, delete,
//! status changes and transactions added later. The invoice checker is shared with the bulk
//! import.
//!
//! Contract of an invoice import: **all or nothing** — when any invoice of the request is
//! invalid nothing is stored and the answer is 422 with a flat `errors` map (the first message
//! per field over all invoices, so ChartMogul clients' "already exists" checks work) plus an
//! `invoices` array giving each invoice's own `errors` (empty for the valid ones). Rules:
//! required `external_id`, `date`, ISO 4217 `currency`, at least one line; unique external ids
//! for invoices, line items and transactions per data source (also within one request);
//! subscription and trial lines need `subscription_external_id`, a plan of the same data
//! source, both service-period bounds with the end after the start; `amount_in_cents` ≥ 0;
//! `quantity` ≠ 0; every `*_in_cents` a JSON integer; `cancelled_at` not in the future;
//! transactions `payment`/`refund` and `successful`/`failed`, positive refunds never above what
//! was paid on the invoice before them, successful payments never above the invoice total.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::{
    ApiError, ApiResult, Checker, Ctx, ErrorMap, Page, customers, data_sources, ok, opt_ts,
};
use crate::sim::codes::is_currency;
use crate::sim::http::Response;
use crate::sim::store::{
    Customer, Invoice, LineItem, LineKind, Store, Transaction, TransactionKind,
};
use crate::sim::time::{Millis, format_timestamp};

pub const DUPLICATE_INVOICE: &str =
    "The external ID for this invoice already exists in our system.";
pub const DUPLICATE_LINE: &str = "The external ID for this line item already exists in our system.";
pub const DUPLICATE_TRANSACTION: &str = "has already been taken";

/// How subscription lines name their plan: `plan_uuid` in the direct API, `plan_external_id`
/// in the bulk import (reference §5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanRef {
    Uuid,
    ExternalId,
}

/// External ids already used earlier in the same request or import (same data source).
#[derive(Debug, Default)]
pub struct Seen {
    pub invoices: HashSet<String>,
    pub lines: HashSet<String>,
    pub transactions: HashSet<String>,
}

impl Seen {
    /// Records the external ids of an accepted invoice.
    pub fn absorb(&mut self, inv: &Invoice) {
        self.invoices.insert(inv.external_id.clone());
        self.lines
            .extend(inv.line_items.iter().filter_map(|l| l.external_id.clone()));
        self.transactions.extend(
            inv.transactions
                .iter()
                .filter_map(|t| t.external_id.clone()),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Checking

/// Checks one line item object. `local` holds the line external ids of the same invoice.
#[allow(clippy::too_many_arguments)]
pub fn check_line(
    store: &Store,
    ds: &str,
    customer_uuid: &str,
    value: &Value,
    plan_ref: PlanRef,
    now: Millis,
    seen: &Seen,
    local: &mut HashSet<String>,
) -> Result<LineItem, ErrorMap> {
    let Some(obj) = value.as_object() else {
        let mut e = ErrorMap::default();
        e.add("line_items", "each line item must be an object");
        return Err(e);
    };
    let mut c = Checker::new(obj, "line_items.", false);
    let kind = c
        .enum_req("type", &["subscription", "one_time", "trial"])
        .as_deref()
        .and_then(LineKind::parse);
    let amount = c.int_req("amount_in_cents");
    if amount.is_some_and(|a| a < 0) {
        c.fail("amount_in_cents", "must be greater than or equal to 0");
    }
    let quantity = c.int_opt("quantity");
    if quantity == Some(0) {
        c.fail("quantity", "must not be zero");
    }
    let tax = c.int_opt("tax_amount_in_cents");
    if tax.is_some_and(|t| t < 0) {
        c.fail("tax_amount_in_cents", "must be greater than or equal to 0");
    }
    let discount = c.int_opt("discount_amount_in_cents");
    let fees = c.int_opt("transaction_fees_in_cents");
    let fees_currency = c.str_opt("transaction_fees_currency");
    if fees_currency.as_deref().is_some_and(|f| !is_currency(f)) {
        c.fail(
            "transaction_fees_currency",
            "is not a valid ISO 4217 currency code",
        );
    }
    let prorated = c.bool_opt("prorated");
    let balance_transfer = c.bool_opt("balance_transfer");
    let proration_type = c.enum_opt(
        "proration_type",
        &["differential", "full", "differential_mrr"],
    );
    let event_order = c.int_opt("event_order");
    let external_id = c.str_opt("external_id");
    if let Some(e) = &external_id {
        if e.trim().is_empty() {
            c.fail("external_id", "can't be blank");
        } else if store.line_ext_taken(ds, e) || seen.lines.contains(e) || !local.insert(e.clone())
        {
            c.fail("external_id", DUPLICATE_LINE);
        }
    }
    let mut line = LineItem {
        kind,
        external_id,
        amount_in_cents: amount.unwrap_or(0),
        quantity: quantity.unwrap_or(1),
        tax_amount_in_cents: tax.unwrap_or(0),
        discount_amount_in_cents: discount.unwrap_or(0),
        transaction_fees_in_cents: fees.unwrap_or(0),
        transaction_fees_currency: fees_currency,
        prorated: prorated.unwrap_or(false),
        balance_transfer: balance_transfer.unwrap_or(false),
        proration_type,
        event_order,
        description: c.str_opt("description"),
        discount_code: c.str_opt("discount_code"),
        discount_description: c.str_opt("discount_description"),
        account_code: c.str_opt("account_code"),
        ..LineItem::default()
    };

    let plan_field = match plan_ref {
        PlanRef::Uuid => "plan_uuid",
        PlanRef::ExternalId => "plan_external_id",
    };
    let recurring = kind.is_some_and(LineKind::is_recurring);
    let plan_value = if recurring {
        c.str_req(plan_field)
    } else {
        c.str_opt(plan_field)
    };
    if let Some(p) = plan_value {
        let plan = match plan_ref {
            PlanRef::Uuid => store.plans.get(&p),
            PlanRef::ExternalId => store.plan_by_ext(ds, &p),
        };
        match plan {
            None => c.fail(plan_field, "Plan not found"),
            Some(plan) if plan.data_source_uuid != ds => c.fail(
                plan_field,
                "The plan belongs to another data source than the invoice",
            ),
            Some(plan) => line.plan_uuid = Some(plan.uuid.clone()),
        }
    }
    if recurring {
        line.subscription_external_id = c.str_req("subscription_external_id");
        line.subscription_set_external_id = c.str_opt("subscription_set_external_id");
        let start = c.ts_req("service_period_start");
        let end = c.ts_req("service_period_end");
        if let (Some(s), Some(e)) = (start, end)
            && e <= s
        {
            c.fail("service_period_end", "must be after service_period_start");
        }
        line.service_period_start = start;
        line.service_period_end = end;
        line.cancelled_at = c.ts_opt("cancelled_at");
        if line.cancelled_at.is_some_and(|at| at > now) {
            c.fail("cancelled_at", "must be in the past");
        }
        if let Some(sub_ext) = &line.subscription_external_id
            && let Some(sub) = store.subscription_by_ext(ds, sub_ext)
            && sub.customer_uuid != customer_uuid
        {
            c.fail(
                "subscription_external_id",
                "The subscription belongs to another customer",
            );
        }
    }
    let errors = c.into_errors();
    if errors.is_empty() {
        Ok(line)
    } else {
        Err(errors)
    }
}

/// Checks one transaction object. Inside an invoice `prefix` is `transactions.` and every
/// problem is a 422 entry; the standalone endpoint is `strict` (missing or mistyped fields are
/// 400s).
pub fn check_transaction(
    store: &Store,
    ds: &str,
    obj: &Map<String, Value>,
    prefix: &str,
    strict: bool,
    seen: &Seen,
    local: &mut HashSet<String>,
) -> Result<Transaction, ApiError> {
    let mut c = Checker::new(obj, prefix, strict);
    let kind = match c.enum_req("type", &["payment", "refund"]).as_deref() {
        Some("payment") => Some(TransactionKind::Payment),
        Some("refund") => Some(TransactionKind::Refund),
        _ => None,
    };
    let date = c.ts_req("date");
    let result = c.enum_req("result", &["successful", "failed"]);
    let amount = c.int_opt("amount_in_cents");
    match (kind, amount) {
        (Some(TransactionKind::Refund), Some(a)) if a <= 0 => c.fail(
            "amount_in_cents",
            "must be positive (refunds are sent as positive amounts)",
        ),
        (_, Some(a)) if a < 0 => c.fail("amount_in_cents", "must be greater than or equal to 0"),
        _ => {}
    }
    let fees = c.int_opt("transaction_fees_in_cents");
    let fees_currency = c.str_opt("transaction_fees_currency");
    if fees_currency.as_deref().is_some_and(|f| !is_currency(f)) {
        c.fail(
            "transaction_fees_currency",
            "is not a valid ISO 4217 currency code",
        );
    }
    let external_id = c.str_opt("external_id");
    if let Some(e) = &external_id {
        if e.trim().is_empty() {
            c.fail("external_id", "can't be blank");
        } else if store.transaction_ext_taken(ds, e)
            || seen.transactions.contains(e)
            || !local.insert(e.clone())
        {
            c.fail("external_id", DUPLICATE_TRANSACTION);
        }
    }
    c.finish()?;
    Ok(Transaction {
        uuid: String::new(),
        external_id,
        kind: kind.unwrap_or(TransactionKind::Payment),
        date: date.unwrap_or(0),
        successful: result.as_deref() == Some("successful"),
        amount_in_cents: amount,
        transaction_fees_in_cents: fees,
        transaction_fees_currency: fees_currency,
    })
}

/// Applies one transaction to the running (paid, refunded) balance of an invoice whose lines
/// total `total`; an error names the rule it breaks.
pub fn apply_balance(
    total: i128,
    balance: &mut (i128, i128),
    t: &Transaction,
) -> Result<(), &'static str> {
    if !t.successful {
        return Ok(());
    }
    let amount = t.amount_in_cents.map_or(total, i128::from);
    match t.kind {
        TransactionKind::Payment => {
            if balance.0 + amount > total {
                return Err("Payments on this invoice would exceed the invoice total");
            }
            balance.0 += amount;
        }
        TransactionKind::Refund => {
            if amount > balance.0 - balance.1 {
                return Err("Refund exceeds the amount paid on this invoice");
            }
            balance.1 += amount;
        }
    }
    Ok(())
}

/// Checks one invoice for `customer`. `fixed_ds` is the bulk import's data source.
#[allow(clippy::too_many_arguments)]
pub fn check_invoice(
    store: &Store,
    customer: &Customer,
    value: &Value,
    plan_ref: PlanRef,
    fixed_ds: Option<&str>,
    now: Millis,
    seen: &Seen,
) -> Result<Invoice, ErrorMap> {
    let Some(obj) = value.as_object() else {
        let mut e = ErrorMap::default();
        e.add("invoice", "must be an object");
        return Err(e);
    };
    let mut c = Checker::new(obj, "", false);
    let external_id = c.str_req("external_id");
    let date = c.ts_req("date");
    let currency = c.str_req("currency");
    if currency.as_deref().is_some_and(|cur| !is_currency(cur)) {
        c.fail("currency", "is not a valid ISO 4217 currency code");
    }
    let due_date = c.ts_opt("due_date");
    let collection_method = c.enum_opt("collection_method", &["automatic", "manual"]);

    // Which identity of the customer the invoice is booked to (merged customers, §5.1).
    let ds_given = c.str_opt("data_source_uuid");
    let ext_given = c.str_opt("customer_external_id");
    if let (Some(f), Some(g)) = (fixed_ds, ds_given.as_deref())
        && f != g
    {
        c.fail(
            "data_source_uuid",
            "does not match the import's data source",
        );
    }
    let want_ds = fixed_ds.or(ds_given.as_deref());
    let identity = customer.identities.iter().find(|i| {
        want_ds.is_none_or(|d| i.data_source_uuid == d)
            && ext_given.as_deref().is_none_or(|e| i.external_id == e)
    });
    if identity.is_none() {
        if ext_given.is_some() {
            c.fail("customer_external_id", "does not belong to this customer");
        } else {
            c.fail("data_source_uuid", "does not belong to this customer");
        }
    }
    let ds = identity.map_or(String::new(), |i| i.data_source_uuid.clone());
    if let Some(ext) = &external_id
        && (store.invoice_ext_taken(&ds, ext) || seen.invoices.contains(ext))
    {
        c.fail("external_id", DUPLICATE_INVOICE);
    }

    let mut errors = ErrorMap::default();
    let mut lines = Vec::new();
    let mut local = HashSet::new();
    match c.array_opt("line_items") {
        None if !c.has("line_items") => c.fail("line_items", "can't be blank"),
        None => {}
        Some(items) if items.is_empty() => {
            c.fail("line_items", "must contain at least one line item")
        }
        Some(items) => {
            for item in items {
                match check_line(
                    store,
                    &ds,
                    &customer.uuid,
                    item,
                    plan_ref,
                    now,
                    seen,
                    &mut local,
                ) {
                    Ok(l) => lines.push(l),
                    Err(e) => errors.merge(&e),
                }
            }
        }
    }
    let total: i128 = lines.iter().map(|l| i128::from(l.amount_in_cents)).sum();
    let mut transactions = Vec::new();
    let mut local = HashSet::new();
    let mut balance = (0, 0);
    if let Some(items) = c.array_opt("transactions") {
        for item in items {
            let Some(t_obj) = item.as_object() else {
                errors.add("transactions", "each transaction must be an object");
                continue;
            };
            match check_transaction(store, &ds, t_obj, "transactions.", false, seen, &mut local) {
                Ok(t) => {
                    if let Err(msg) = apply_balance(total, &mut balance, &t) {
                        errors.add("transactions.amount_in_cents", msg);
                    }
                    transactions.push(t);
                }
                Err(e) => errors.merge(&e.as_error_map()),
            }
        }
    }
    let mut all = c.into_errors();
    all.merge(&errors);
    if !all.is_empty() {
        return Err(all);
    }
    let identity = identity
        .cloned()
        .unwrap_or_else(|| customer.primary().clone());
    Ok(Invoice {
        uuid: String::new(),
        external_id: external_id.unwrap_or_default(),
        data_source_uuid: identity.data_source_uuid,
        customer_uuid: customer.uuid.clone(),
        customer_external_id: identity.external_id,
        date: date.unwrap_or(0),
        due_date,
        currency: currency.unwrap_or_default(),
        collection_method,
        status_override: None,
        line_items: lines,
        transactions,
    })
}

// ---------------------------------------------------------------------------------------------
// Views

pub fn line_view(l: &LineItem) -> Value {
    json!({
        "uuid": l.uuid,
        "external_id": l.external_id,
        "type": l.kind().name(),
        "subscription_uuid": l.subscription_uuid,
        "subscription_external_id": l.subscription_external_id,
        "subscription_set_external_id": l.subscription_set_external_id,
        "plan_uuid": l.plan_uuid,
        "prorated": l.prorated,
        "proration_type": l.proration_type,
        "service_period_start": opt_ts(l.service_period_start),
        "service_period_end": opt_ts(l.service_period_end),
        "amount_in_cents": l.amount_in_cents,
        "quantity": l.quantity,
        "discount_code": l.discount_code,
        "discount_amount_in_cents": l.discount_amount_in_cents,
        "discount_description": l.discount_description,
        "tax_amount_in_cents": l.tax_amount_in_cents,
        "transaction_fees_in_cents": l.transaction_fees_in_cents,
        "transaction_fees_currency": l.transaction_fees_currency,
        "account_code": l.account_code,
        "description": l.description,
        "event_order": l.event_order,
        "balance_transfer": l.balance_transfer,
        "cancelled_at": opt_ts(l.cancelled_at),
        "errors": {},
    })
}

pub fn transaction_view(t: &Transaction) -> Value {
    json!({
        "uuid": t.uuid,
        "external_id": t.external_id,
        "type": match t.kind { TransactionKind::Payment => "payment", TransactionKind::Refund => "refund" },
        "date": format_timestamp(t.date),
        "result": if t.successful { "successful" } else { "failed" },
        "amount_in_cents": t.amount_in_cents,
        "transaction_fees_in_cents": t.transaction_fees_in_cents,
        "transaction_fees_currency": t.transaction_fees_currency,
        "errors": {},
    })
}

pub fn invoice_view(i: &Invoice) -> Value {
    json!({
        "uuid": i.uuid,
        "external_id": i.external_id,
        "customer_uuid": i.customer_uuid,
        "customer_external_id": i.customer_external_id,
        "data_source_uuid": i.data_source_uuid,
        "date": format_timestamp(i.date),
        "due_date": opt_ts(i.due_date),
        "currency": i.currency,
        "collection_method": i.collection_method,
        "status": i.status(),
        "line_items": i.line_items.iter().map(line_view).collect::<Vec<_>>(),
        "transactions": i.transactions.iter().map(transaction_view).collect::<Vec<_>>(),
        "errors": {},
    })
}

// ---------------------------------------------------------------------------------------------
// Handlers

pub fn require<'a>(store: &'a Store, uuid: &str) -> Result<&'a Invoice, ApiError> {
    store
        .invoices
        .get(uuid)
        .ok_or_else(ApiError::invoice_not_found)
}

pub fn import(ctx: &Ctx, customer_uuid: &str) -> ApiResult {
    let body = ctx.json_object()?;
    let mut store = ctx.store();
    // An unknown customer uuid (often an external id passed by mistake) gets ChartMogul's
    // confusing "Invoice not found" (reference §5.1, chartmogul-python#119).
    let customer = store
        .customers
        .get(customer_uuid)
        .ok_or_else(ApiError::invoice_not_found)?
        .clone();
    let items = match body.get("invoices") {
        None | Some(Value::Null) => return Err(ApiError::missing("invoices")),
        Some(Value::Array(a)) if a.is_empty() => {
            return Err(ApiError::bad(
                "Parameter \"invoices\" is empty",
                Some("invoices"),
            ));
        }
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(ApiError::bad(
                "Parameter \"invoices\" must be an array",
                Some("invoices"),
            ));
        }
    };
    let mut seen = Seen::default();
    let mut results = Vec::new();
    for item in items {
        let r = check_invoice(&store, &customer, item, PlanRef::Uuid, None, ctx.now, &seen);
        if let Ok(inv) = &r {
            seen.absorb(inv);
        }
        results.push(r);
    }
    if results.iter().any(Result::is_err) {
        let mut flat = ErrorMap::default();
        let mut per_invoice = Vec::new();
        for (item, r) in items.iter().zip(&results) {
            let errors = match r {
                Ok(_) => ErrorMap::default(),
                Err(e) => e.clone(),
            };
            flat.merge(&errors);
            per_invoice.push(json!({
                "external_id": item.get("external_id"),
                "errors": errors.to_json(),
            }));
        }
        return Err(ApiError::UnprocessableBody(
            json!({"errors": flat.to_json(), "invoices": per_invoice}),
        ));
    }
    let mut views = Vec::new();
    for inv in results.into_iter().flatten() {
        let uuid = store.insert_invoice(inv);
        if let Some(stored) = store.invoices.get(&uuid) {
            views.push(invoice_view(stored));
        }
    }
    ok(201, json!({"invoices": views}))
}

pub fn list(ctx: &Ctx) -> ApiResult {
    let page = Page::from_ctx(ctx)?;
    let validation = ctx.param("validation_type").unwrap_or("valid");
    if !["valid", "invalid", "all"].contains(&validation) {
        return Err(ApiError::bad(
            "Parameter \"validation_type\" must be valid, invalid or all",
            Some("validation_type"),
        ));
    }
    let store = ctx.store();
    let ds = ctx.param("data_source_uuid");
    let ext = ctx.param("external_id");
    let cus = ctx.param("customer_uuid");
    // The simulator never stores invalid invoices: it rejects them at import.
    let want = validation != "invalid";
    // The lookup a sync does after a 422 (by data source and external id) uses the index.
    let candidates: Box<dyn Iterator<Item = &Invoice>> = match (ds, ext) {
        (Some(d), Some(e)) => Box::new(store.invoice_by_ext(d, e).into_iter()),
        _ => Box::new(store.invoices.values()),
    };
    let (invoices, cursor, has_more) = page.take(
        candidates
            .filter(|_| want)
            .filter(|i| ds.is_none_or(|d| i.data_source_uuid == d))
            .filter(|i| ext.is_none_or(|e| i.external_id == e))
            .filter(|i| cus.is_none_or(|c| i.customer_uuid == c))
            .map(|i| (i.uuid.clone(), invoice_view(i))),
    );
    ok(
        200,
        json!({"invoices": invoices, "cursor": cursor, "has_more": has_more}),
    )
}

pub fn list_for_customer(ctx: &Ctx, customer_uuid: &str) -> ApiResult {
    let page = Page::from_ctx(ctx)?;
    let store = ctx.store();
    if !store.customers.contains_key(customer_uuid) {
        return Err(ApiError::invoice_not_found());
    }
    let (invoices, cursor, has_more) = page.take(
        store
            .invoices_of(customer_uuid)
            .map(|i| (i.uuid.clone(), invoice_view(i))),
    );
    ok(
        200,
        json!({"customer_uuid": customer_uuid, "invoices": invoices, "cursor": cursor, "has_more": has_more}),
    )
}

pub fn get(ctx: &Ctx, uuid: &str) -> ApiResult {
    let store = ctx.store();
    ok(200, invoice_view(require(&store, uuid)?))
}

pub fn delete(ctx: &Ctx, uuid: &str) -> ApiResult {
    let mut store = ctx.store();
    require(&store, uuid)?;
    store.remove_invoice(uuid);
    Ok(Response::no_content())
}

pub fn delete_customer_invoices(ctx: &Ctx, ds: &str, customer_uuid: &str) -> ApiResult {
    let mut store = ctx.store();
    data_sources::require(&store, ds)?;
    customers::require(&store, customer_uuid)?;
    let only = ctx.param("customer_external_id");
    let doomed: Vec<String> = store
        .invoices_of(customer_uuid)
        .filter(|i| i.data_source_uuid == ds)
        .filter(|i| only.is_none_or(|e| i.customer_external_id == e))
        .map(|i| i.uuid.clone())
        .collect();
    for uuid in doomed {
        store.remove_invoice(&uuid);
    }
    Ok(Response::no_content())
}

pub fn set_status(ctx: &Ctx, ds: &str, external_id: &str) -> ApiResult {
    let body = ctx.json_object()?;
    let mut c = Checker::new(&body, "", true);
    let status = c.enum_req("status", &["voided", "written_off"]);
    let mut store = ctx.store();
    data_sources::require(&store, ds)?;
    let uuid = store
        .invoice_by_ext(ds, external_id)
        .map(|i| i.uuid.clone())
        .ok_or_else(ApiError::invoice_not_found)?;
    c.finish()?;
    if let Some(inv) = store.invoices.get_mut(&uuid) {
        inv.status_override = status;
    }
    ok(200, json!({"message": "Invoice updated"}))
}

pub fn add_transaction(ctx: &Ctx, invoice_uuid: &str) -> ApiResult {
    let body = ctx.json_object()?;
    let mut store = ctx.store();
    let inv = require(&store, invoice_uuid)?;
    let t = check_transaction(
        &store,
        &inv.data_source_uuid,
        &body,
        "",
        true,
        &Seen::default(),
        &mut HashSet::new(),
    )?;
    let mut balance = inv.paid_and_refunded();
    if let Err(msg) = apply_balance(inv.total(), &mut balance, &t) {
        return Err(ApiError::unprocessable("amount_in_cents", msg));
    }
    let stored = store
        .add_transaction(invoice_uuid, t)
        .ok_or_else(ApiError::invoice_not_found)?;
    let mut v = transaction_view(&stored);
    if let Some(o) = v.as_object_mut() {
        o.remove("errors");
        o.remove("transaction_fees_currency");
    }
    ok(201, v)
}
