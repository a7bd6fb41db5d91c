//! Plans (reference §4): create, list, retrieve, update (202), delete.
//!
//! Contract: `name`, `interval_count` (JSON integer > 0) and `interval_unit` (`day`, `month`,
//! `year`) are required; `external_id` is generated from the uuid when left out and unique per
//! data source → 422 "A plan with this identifier already exists in our system.". A plan used
//! by a line item cannot be deleted (422), so no stored line ever points at a missing plan.

use serde_json::{Map, Value, json};

use super::{ApiError, ApiResult, Checker, Ctx, Page, ok};
use crate::sim::http::Response;
use crate::sim::store::{IntervalUnit, Plan, Store};

pub const DUPLICATE: &str = "A plan with this identifier already exists in our system.";

pub fn view(p: &Plan) -> Value {
    json!({
        "uuid": p.uuid,
        "data_source_uuid": p.data_source_uuid,
        "name": p.name,
        "interval_count": p.interval_count,
        "interval_unit": p.interval_unit.name(),
        "external_id": p.external_id,
    })
}

fn interval(c: &mut Checker, required: bool) -> (Option<u32>, Option<IntervalUnit>) {
    let count = if required {
        c.int_req("interval_count")
    } else {
        c.int_opt("interval_count")
    };
    let count = match count {
        Some(n) if n > 0 && n <= i64::from(u32::MAX) => Some(n as u32),
        Some(_) => {
            c.fail("interval_count", "must be greater than 0");
            None
        }
        None => None,
    };
    let unit = if required {
        c.enum_req("interval_unit", &["day", "month", "year"])
    } else {
        c.enum_opt("interval_unit", &["day", "month", "year"])
    };
    (count, unit.as_deref().and_then(IntervalUnit::parse))
}

/// Builds a new plan from a create body; `fixed_ds` is the bulk import's data source, where
/// `external_id` is required because other objects refer to it.
pub fn build(
    store: &mut Store,
    body: &Map<String, Value>,
    fixed_ds: Option<&str>,
) -> Result<Plan, ApiError> {
    let mut c = Checker::new(body, "", true);
    let ds = match fixed_ds {
        Some(ds) => Some(ds.to_string()),
        None => c.str_req("data_source_uuid"),
    };
    let name = c.str_req("name");
    let (count, unit) = interval(&mut c, true);
    let external_id = if fixed_ds.is_some() {
        c.str_req("external_id")
    } else {
        c.str_opt("external_id")
    };
    if let Some(ds) = &ds {
        if !store.data_sources.contains_key(ds) {
            c.fail("data_source_uuid", "Data source not found");
        } else if let Some(ext) = &external_id {
            if ext.trim().is_empty() {
                c.fail("external_id", "can't be blank");
            } else if store.plan_by_ext(ds, ext).is_some() {
                c.fail("external_id", DUPLICATE);
            }
        }
    }
    c.finish()?;
    let uuid = store.new_uuid("pl");
    // ChartMogul generates the external id from the uuid when none is given (reference §4).
    let external_id = external_id.unwrap_or_else(|| uuid.trim_start_matches("pl_").to_string());
    Ok(Plan {
        uuid,
        data_source_uuid: ds.unwrap_or_default(),
        external_id,
        name: name.unwrap_or_default(),
        interval_count: count.unwrap_or(1),
        interval_unit: unit.unwrap_or(IntervalUnit::Month),
    })
}

pub fn require<'a>(store: &'a Store, uuid: &str) -> Result<&'a Plan, ApiError> {
    store
        .plans
        .get(uuid)
        .ok_or_else(|| ApiError::not_found("Plan"))
}

pub fn create(ctx: &Ctx) -> ApiResult {
    let body = ctx.json_object()?;
    let mut store = ctx.store();
    let plan = build(&mut store, &body, None)?;
    let v = view(&plan);
    store.insert_plan(plan);
    ok(201, v)
}

pub fn list(ctx: &Ctx) -> ApiResult {
    let page = Page::from_ctx(ctx)?;
    let store = ctx.store();
    let ds = ctx.param("data_source_uuid");
    let ext = ctx.param("external_id");
    let candidates: Box<dyn Iterator<Item = &Plan>> = match (ds, ext) {
        (Some(d), Some(e)) => Box::new(store.plan_by_ext(d, e).into_iter()),
        _ => Box::new(store.plans.values()),
    };
    let (plans, cursor, has_more) = page.take(
        candidates
            .filter(|p| ds.is_none_or(|d| p.data_source_uuid == d))
            .filter(|p| ext.is_none_or(|e| p.external_id == e))
            .map(|p| (p.uuid.clone(), view(p))),
    );
    ok(
        200,
        json!({"plans": plans, "cursor": cursor, "has_more": has_more}),
    )
}

pub fn get(ctx: &Ctx, uuid: &str) -> ApiResult {
    let store = ctx.store();
    ok(200, view(require(&store, uuid)?))
}

pub fn update(ctx: &Ctx, uuid: &str) -> ApiResult {
    let body = ctx.json_object()?;
    let mut store = ctx.store();
    let mut plan = require(&store, uuid)?.clone();
    let mut c = Checker::new(&body, "", true);
    let name = c.str_opt("name");
    if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        c.fail("name", "can't be blank");
    }
    let (count, unit) = interval(&mut c, false);
    c.finish()?;
    if let Some(n) = name {
        plan.name = n;
    }
    if let Some(n) = count {
        plan.interval_count = n;
    }
    if let Some(u) = unit {
        plan.interval_unit = u;
    }
    let v = view(&plan);
    store.plans.insert(plan.uuid.clone(), plan);
    ok(202, v)
}

pub fn delete(ctx: &Ctx, uuid: &str) -> ApiResult {
    let mut store = ctx.store();
    require(&store, uuid)?;
    if store.plan_in_use(uuid) {
        return Err(ApiError::unprocessable(
            "plan",
            "The plan is used by imported line items and cannot be deleted.",
        ));
    }
    store.remove_plan(uuid);
    Ok(Response::no_content())
}
