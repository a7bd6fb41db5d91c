//! Data sources (reference §2): create (name required and unique), list (not paginated,
//! `name` filter), retrieve, delete with everything imported into them.

use serde_json::{Value, json};

use super::{ApiError, ApiResult, Checker, Ctx, ok};
use crate::sim::http::Response;
use crate::sim::store::{DataSource, Store};
use crate::sim::time::format_timestamp;

pub fn view(ds: &DataSource) -> Value {
    json!({
        "uuid": ds.uuid,
        "name": ds.name,
        "system": "Custom",
        "created_at": format_timestamp(ds.created_at),
        "status": "idle",
    })
}

/// The data source or the reference's 404.
pub fn require<'a>(store: &'a Store, uuid: &str) -> Result<&'a DataSource, ApiError> {
    store
        .data_sources
        .get(uuid)
        .ok_or_else(ApiError::data_source_not_found)
}

pub fn create(ctx: &Ctx) -> ApiResult {
    let body = ctx.json_object()?;
    let mut c = Checker::new(&body, "", true);
    let name = c.str_req("name");
    c.finish()?;
    let name = name.unwrap_or_default();
    let mut store = ctx.store();
    if store.data_source_by_name(&name).is_some() {
        return Err(ApiError::unprocessable("name", "Has already been taken."));
    }
    let uuid = store.new_uuid("ds");
    let ds = DataSource {
        uuid: uuid.clone(),
        name,
        created_at: ctx.now,
    };
    let v = view(&ds);
    store.data_sources.insert(uuid, ds);
    ok(201, v)
}

pub fn list(ctx: &Ctx) -> ApiResult {
    let store = ctx.store();
    let name = ctx.param("name");
    let system = ctx.param("system");
    let items: Vec<Value> = store
        .data_sources
        .values()
        .filter(|d| name.is_none_or(|n| d.name == n))
        .filter(|_| system.is_none_or(|s| s == "Custom" || s == "Import API"))
        .map(view)
        .collect();
    ok(200, json!({"data_sources": items}))
}

pub fn get(ctx: &Ctx, uuid: &str) -> ApiResult {
    let store = ctx.store();
    ok(200, view(require(&store, uuid)?))
}

pub fn delete(ctx: &Ctx, uuid: &str) -> ApiResult {
    let mut store = ctx.store();
    require(&store, uuid)?;
    store.remove_data_source(uuid);
    Ok(Response::no_content())
}
