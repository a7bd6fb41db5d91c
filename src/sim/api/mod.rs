//! The `/v1` API: authentication, routing, error shapes, body checking and pagination shared
//! by the resource modules.
//!
//! Contract: [`handle`] answers one `/v1` request that passed the transport gates (limits,
//! faults) and never panics into the caller. Error shapes (docs/simulator.md):
//! * 400 `{"code":400,"message":…,"param":…}` — malformed JSON, a missing or wrongly typed
//!   top-level parameter, bad query parameters;
//! * 401 `{"code":401,"message":"No valid API key provided","param":null}`;
//! * 404 — `{"error":"Data source not found"}` for data sources, the
//!   `{"error":"Invoice not found","error_details":[…]}` shape for invoices, and
//!   `{"code":404,"message":"… not found","param":null}` for everything else;
//! * 422 `{"errors":{field: message}}` — semantic problems (duplicates, unknown references,
//!   invalid codes and dates, business rules) and **everything** inside an invoice import.

pub mod bulk;
pub mod customers;
pub mod data_sources;
pub mod inspect;
pub mod invoices;
pub mod metrics;
pub mod plans;
pub mod subscriptions;

use std::collections::BTreeMap;
use std::sync::MutexGuard;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value, json};

use super::http::{Request, Response, parse_query, percent_decode};
use super::server::Shared;
use super::store::Store;
use super::time::{Millis, parse_timestamp};

/// Field → message, first message per field wins.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorMap(pub BTreeMap<String, String>);

impl ErrorMap {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| message.into());
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn merge(&mut self, other: &ErrorMap) {
        for (k, v) in &other.0 {
            self.add(k.clone(), v.clone());
        }
    }
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
    }
}

/// Everything a handler can answer instead of success.
#[derive(Debug, Clone)]
pub enum ApiError {
    BadRequest {
        message: String,
        param: Option<String>,
    },
    Unauthorized,
    NotFound(Value),
    MethodNotAllowed,
    PayloadTooLarge(String),
    Unprocessable(ErrorMap),
    /// A 422 with a body richer than a flat map (invoice batches).
    UnprocessableBody(Value),
}

impl ApiError {
    pub fn bad(message: impl Into<String>, param: Option<&str>) -> ApiError {
        ApiError::BadRequest {
            message: message.into(),
            param: param.map(str::to_string),
        }
    }

    pub fn missing(param: &str) -> ApiError {
        ApiError::bad(format!("Parameter \"{param}\" is missing"), Some(param))
    }

    pub fn unprocessable(field: &str, message: &str) -> ApiError {
        let mut e = ErrorMap::default();
        e.add(field, message);
        ApiError::Unprocessable(e)
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::NotFound(
            json!({"code": 404, "message": format!("{what} not found"), "param": null}),
        )
    }

    pub fn data_source_not_found() -> ApiError {
        ApiError::NotFound(json!({"error": "Data source not found"}))
    }

    pub fn invoice_not_found() -> ApiError {
        ApiError::NotFound(json!({
            "error": "Invoice not found",
            "error_details": [{"param": "invoice", "code": "invalid", "message": "Invoice not found"}]
        }))
    }

    /// The field → message view used inside bulk-import status details.
    pub fn as_error_map(&self) -> ErrorMap {
        let mut e = ErrorMap::default();
        match self {
            ApiError::BadRequest { message, param } => e.add(
                param.clone().unwrap_or_else(|| "base".into()),
                message.clone(),
            ),
            ApiError::Unprocessable(m) => e.merge(m),
            ApiError::NotFound(v) => e.add(
                "base",
                v.get("error")
                    .or_else(|| v.get("message"))
                    .and_then(Value::as_str)
                    .unwrap_or("not found"),
            ),
            other => e.add("base", format!("{other:?}")),
        }
        e
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest { .. } => 400,
            ApiError::Unauthorized => 401,
            ApiError::NotFound(_) => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::PayloadTooLarge(_) => 413,
            ApiError::Unprocessable(_) | ApiError::UnprocessableBody(_) => 422,
        }
    }

    pub fn into_response(self) -> Response {
        let status = self.status();
        let body = match self {
            ApiError::BadRequest { message, param } => {
                json!({"code": 400, "message": message, "param": param})
            }
            ApiError::Unauthorized => {
                json!({"code": 401, "message": "No valid API key provided", "param": null})
            }
            ApiError::NotFound(v) | ApiError::UnprocessableBody(v) => v,
            ApiError::MethodNotAllowed => {
                json!({"code": 405, "message": "Method not allowed", "param": null})
            }
            ApiError::PayloadTooLarge(message) => {
                json!({"code": 413, "message": message, "param": null})
            }
            ApiError::Unprocessable(e) => json!({"errors": e.to_json()}),
        };
        Response::json(status, &body)
    }
}

pub type ApiResult = Result<Response, ApiError>;

/// What a handler gets: the shared state, the request and its decoded query.
pub struct Ctx<'a> {
    pub shared: &'a Shared,
    pub req: &'a Request,
    pub query: Vec<(String, String)>,
    pub now: Millis,
}

impl Ctx<'_> {
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.shared.store()
    }

    /// A query parameter; an empty value counts as absent.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The body as a JSON object (400 otherwise).
    pub fn json_object(&self) -> Result<Map<String, Value>, ApiError> {
        match self.json()? {
            Value::Object(m) => Ok(m),
            _ => Err(ApiError::bad(
                "The request body must be a JSON object",
                None,
            )),
        }
    }

    pub fn json(&self) -> Result<Value, ApiError> {
        if self.req.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad("The request body is empty", None));
        }
        serde_json::from_slice(&self.req.body)
            .map_err(|e| ApiError::bad(format!("Invalid JSON in request body: {e}"), None))
    }
}

pub fn ok(status: u16, body: Value) -> ApiResult {
    Ok(Response::json(status, &body))
}

// ---------------------------------------------------------------------------------------------
// Body checking

/// Reads fields of one JSON object and records problems. In `strict` mode (top-level bodies)
/// a missing or wrongly typed field is a 400; otherwise (inside invoice imports) every problem
/// becomes a 422 entry keyed `prefix + field`.
pub struct Checker<'a> {
    obj: &'a Map<String, Value>,
    prefix: &'a str,
    strict: bool,
    pub errors: ErrorMap,
    bad: Option<ApiError>,
}

impl<'a> Checker<'a> {
    pub fn new(obj: &'a Map<String, Value>, prefix: &'a str, strict: bool) -> Checker<'a> {
        Checker {
            obj,
            prefix,
            strict,
            errors: ErrorMap::default(),
            bad: None,
        }
    }

    pub fn key(&self, field: &str) -> String {
        format!("{}{}", self.prefix, field)
    }

    /// Records a 422 problem.
    pub fn fail(&mut self, field: &str, message: &str) {
        let key = self.key(field);
        self.errors.add(key, message);
    }

    fn missing(&mut self, field: &str) {
        if self.strict {
            if self.bad.is_none() {
                self.bad = Some(ApiError::missing(&self.key(field)));
            }
        } else {
            self.fail(field, "can't be blank");
        }
    }

    fn wrong_type(&mut self, field: &str, ty: &str) {
        if self.strict {
            if self.bad.is_none() {
                let key = self.key(field);
                self.bad = Some(ApiError::bad(
                    format!("Parameter \"{key}\" must be {ty}"),
                    Some(&key),
                ));
            }
        } else {
            self.fail(field, &format!("must be {ty}"));
        }
    }

    /// The raw value; JSON `null` counts as absent.
    pub fn raw(&self, field: &str) -> Option<&'a Value> {
        self.obj.get(field).filter(|v| !v.is_null())
    }

    pub fn has(&self, field: &str) -> bool {
        self.raw(field).is_some()
    }

    pub fn str_opt(&mut self, field: &str) -> Option<String> {
        match self.raw(field)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.wrong_type(field, "a string");
                None
            }
        }
    }

    /// A required, non-blank string.
    pub fn str_req(&mut self, field: &str) -> Option<String> {
        if !self.has(field) {
            self.missing(field);
            return None;
        }
        let s = self.str_opt(field)?;
        if s.trim().is_empty() {
            self.fail(field, "can't be blank");
            return None;
        }
        Some(s)
    }

    /// An optional string limited to `allowed` values.
    pub fn enum_opt(&mut self, field: &str, allowed: &[&str]) -> Option<String> {
        let s = self.str_opt(field)?;
        if allowed.contains(&s.as_str()) {
            Some(s)
        } else {
            self.fail(
                field,
                &format!("is not included in the list ({})", allowed.join(", ")),
            );
            None
        }
    }

    pub fn enum_req(&mut self, field: &str, allowed: &[&str]) -> Option<String> {
        if !self.has(field) {
            self.missing(field);
            return None;
        }
        self.enum_opt(field, allowed)
    }

    /// A JSON integer (never a float such as `1.5` or `100.0`, never a string).
    pub fn int_opt(&mut self, field: &str) -> Option<i64> {
        match self.raw(field)? {
            Value::Number(n) if n.is_i64() => n.as_i64(),
            Value::Number(n) if n.is_u64() => {
                self.fail(field, "is too large");
                None
            }
            _ => {
                self.wrong_type(field, "an integer");
                None
            }
        }
    }

    pub fn int_req(&mut self, field: &str) -> Option<i64> {
        if !self.has(field) {
            self.missing(field);
            return None;
        }
        self.int_opt(field)
    }

    pub fn bool_opt(&mut self, field: &str) -> Option<bool> {
        match self.raw(field)? {
            Value::Bool(b) => Some(*b),
            _ => {
                self.wrong_type(field, "a boolean");
                None
            }
        }
    }

    /// An ISO-8601 timestamp in one of the reference §1 forms.
    pub fn ts_opt(&mut self, field: &str) -> Option<Millis> {
        let s = self.str_opt(field)?;
        match parse_timestamp(s.trim()) {
            Some(ms) => Some(ms),
            None => {
                self.fail(field, "is not a valid ISO 8601 timestamp");
                None
            }
        }
    }

    pub fn ts_req(&mut self, field: &str) -> Option<Millis> {
        if !self.has(field) {
            self.missing(field);
            return None;
        }
        self.ts_opt(field)
    }

    pub fn array_opt(&mut self, field: &str) -> Option<&'a Vec<Value>> {
        match self.raw(field)? {
            Value::Array(a) => Some(a),
            _ => {
                self.wrong_type(field, "an array");
                None
            }
        }
    }

    /// Fails when a 400 was recorded, then when any 422 problem was.
    pub fn finish(self) -> Result<(), ApiError> {
        if let Some(bad) = self.bad {
            return Err(bad);
        }
        if !self.errors.is_empty() {
            return Err(ApiError::Unprocessable(self.errors));
        }
        Ok(())
    }

    /// Collect-mode result: the recorded problems (a strict 400 folded in as a field error).
    pub fn into_errors(self) -> ErrorMap {
        let mut e = self.errors;
        if let Some(bad) = self.bad {
            e.merge(&bad.as_error_map());
        }
        e
    }
}

// ---------------------------------------------------------------------------------------------
// Pagination

const MAX_PER_PAGE: usize = 200;

/// Where a page starts and how long it is.
pub struct Page {
    pub per_page: usize,
    pub after: Option<String>,
}

impl Page {
    pub fn from_ctx(ctx: &Ctx) -> Result<Page, ApiError> {
        if ctx.query.iter().any(|(k, _)| k == "page") {
            return Err(ApiError::bad(
                "Parameter \"page\" is deprecated",
                Some("page"),
            ));
        }
        let per_page = match ctx.param("per_page") {
            None => MAX_PER_PAGE,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=MAX_PER_PAGE).contains(&n) => n,
                _ => {
                    return Err(ApiError::bad(
                        format!(
                            "Parameter \"per_page\" must be an integer between 1 and {MAX_PER_PAGE}"
                        ),
                        Some("per_page"),
                    ));
                }
            },
        };
        let after =
            match ctx.param("cursor") {
                None => None,
                Some(c) => Some(decode_cursor(c).ok_or_else(|| {
                    ApiError::bad("Parameter \"cursor\" is invalid", Some("cursor"))
                })?),
            };
        Ok(Page { per_page, after })
    }

    /// Takes one page from items sorted by key; returns the page, the next cursor and
    /// `has_more`.
    pub fn take<T>(
        &self,
        items: impl Iterator<Item = (String, T)>,
    ) -> (Vec<T>, Option<String>, bool) {
        self.take_lazy(items.map(|(k, v)| (k, move || v)))
    }

    /// [`Page::take`] for items that are expensive to build (customers carry their MRR): only
    /// the items of this page are built, so walking a long list costs O(n), not O(n²).
    pub fn take_lazy<T, F: FnOnce() -> T>(
        &self,
        items: impl Iterator<Item = (String, F)>,
    ) -> (Vec<T>, Option<String>, bool) {
        let mut out = Vec::new();
        let mut last_key = None;
        let mut has_more = false;
        for (key, item) in items {
            if self.after.as_ref().is_some_and(|a| key <= *a) {
                continue;
            }
            if out.len() == self.per_page {
                has_more = true;
                break;
            }
            last_key = Some(key);
            out.push(item());
        }
        let cursor = if has_more {
            last_key.map(|k| encode_cursor(&k))
        } else {
            None
        };
        (out, cursor, has_more)
    }
}

fn encode_cursor(key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("after:{key}"))
}

fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("after:")
        .map(str::to_string)
}

// ---------------------------------------------------------------------------------------------
// Authentication

const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// HTTP Basic with the API key as user name and an empty password (or the key repeated), or a
/// legacy `account-token:secret-key` pair configured as `TOKEN:SECRET`. With no keys
/// configured any non-empty user name is accepted.
fn authorized(req: &Request, keys: &[String]) -> bool {
    let Some(header) = req.header("authorization") else {
        return false;
    };
    let Some((scheme, encoded)) = header.split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    let Ok(decoded) = LENIENT_BASE64.decode(encoded.trim()) else {
        return false;
    };
    let Ok(decoded) = String::from_utf8(decoded) else {
        return false;
    };
    let (user, password) = decoded.split_once(':').unwrap_or((&decoded, ""));
    if user.is_empty() {
        return false;
    }
    if keys.is_empty() {
        return true;
    }
    keys.iter().any(|k| match k.split_once(':') {
        Some((token, secret)) => user == token && password == secret,
        None => user == k && (password.is_empty() || password == k),
    })
}

// ---------------------------------------------------------------------------------------------
// Routing

/// Answers one `/v1` request; returns the route template (for the counters) and the response.
pub fn handle(shared: &Shared, req: &Request) -> (&'static str, Response) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| route(shared, req)));
    match outcome {
        Ok((name, Ok(resp))) => (name, resp),
        Ok((name, Err(e))) => (name, e.into_response()),
        // A handler bug must not take the server down; answer like a real 500.
        Err(_) => (
            "panic",
            Response::text(500, "text/plain", "500 Internal Server Error"),
        ),
    }
}

fn route(shared: &Shared, req: &Request) -> (&'static str, ApiResult) {
    if !authorized(req, &shared.options.api_keys) {
        return ("unauthorized", Err(ApiError::Unauthorized));
    }
    let Some(query) = parse_query(&req.query) else {
        return (
            "bad query",
            Err(ApiError::bad("Malformed query string", None)),
        );
    };
    // Only `/v1/…`: `/v1foo/ping` must not reach `ping`.
    let rest = req
        .path
        .strip_prefix("/v1")
        .filter(|r| r.starts_with('/'))
        .unwrap_or("");
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let mut segs = Vec::new();
    for raw in rest.split('/').skip(1) {
        match percent_decode(raw, false) {
            Some(s) => segs.push(s),
            None => return ("bad path", Err(ApiError::bad("Malformed path", None))),
        }
    }
    if rest.is_empty() || segs.iter().any(String::is_empty) {
        return ("unknown", Err(ApiError::not_found("Route")));
    }
    let ctx = Ctx {
        shared,
        req,
        query,
        now: shared.options.clock.now(),
    };
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let m = req.method.as_str();
    use customers as cu;
    use data_sources as dsrc;
    use invoices as inv;
    use subscriptions as subs;
    match (m, s.as_slice()) {
        ("GET", ["ping"]) => ("GET /ping", ok(200, json!({"data": "pong!"}))),
        ("GET", ["account"]) => (
            "GET /account",
            ok(
                200,
                json!({"name": "ChartMogul simulator", "currency": "USD", "time_zone": "UTC", "week_start_on": "monday"}),
            ),
        ),

        ("POST", ["data_sources"]) => ("POST /data_sources", dsrc::create(&ctx)),
        ("GET", ["data_sources"]) => ("GET /data_sources", dsrc::list(&ctx)),
        ("GET", ["data_sources", ds]) => ("GET /data_sources/{uuid}", dsrc::get(&ctx, ds)),
        ("DELETE", ["data_sources", ds]) => ("DELETE /data_sources/{uuid}", dsrc::delete(&ctx, ds)),
        ("POST", ["data_sources", ds, "json_imports"]) => (
            "POST /data_sources/{uuid}/json_imports",
            bulk::submit(&ctx, ds),
        ),
        ("GET", ["data_sources", ds, "json_imports", id]) => (
            "GET /data_sources/{uuid}/json_imports/{id}",
            bulk::get(&ctx, ds, id),
        ),
        ("PUT", ["data_sources", ds, "invoices", ext, "status"]) => (
            "PUT /data_sources/{uuid}/invoices/{external_id}/status",
            inv::set_status(&ctx, ds, ext),
        ),
        ("DELETE", ["data_sources", ds, "customers", cus, "invoices"]) => (
            "DELETE /data_sources/{uuid}/customers/{uuid}/invoices",
            inv::delete_customer_invoices(&ctx, ds, cus),
        ),

        ("POST", ["customers"]) | ("POST", ["import", "customers"]) => {
            ("POST /customers", cu::create(&ctx))
        }
        ("GET", ["customers"]) => ("GET /customers", cu::list(&ctx)),
        ("GET", ["customers", "search"]) => ("GET /customers/search", cu::search(&ctx)),
        ("POST", ["customers", "merges"]) => ("POST /customers/merges", cu::merge(&ctx)),
        ("GET", ["customers", id]) => ("GET /customers/{uuid}", cu::get(&ctx, id)),
        ("PATCH", ["customers", id]) => ("PATCH /customers/{uuid}", cu::update(&ctx, id)),
        ("DELETE", ["customers", id]) => ("DELETE /customers/{uuid}", cu::delete(&ctx, id)),
        ("GET", ["customers", id, "attributes"]) => {
            ("GET /customers/{uuid}/attributes", cu::attributes(&ctx, id))
        }
        ("GET", ["customers", id, "subscriptions"]) => (
            "GET /customers/{uuid}/subscriptions",
            subs::metrics_list(&ctx, id),
        ),

        ("POST", ["plans"]) | ("POST", ["import", "plans"]) => ("POST /plans", plans::create(&ctx)),
        ("GET", ["plans"]) => ("GET /plans", plans::list(&ctx)),
        ("GET", ["plans", id]) => ("GET /plans/{uuid}", plans::get(&ctx, id)),
        ("PATCH", ["plans", id]) => ("PATCH /plans/{uuid}", plans::update(&ctx, id)),
        ("DELETE", ["plans", id]) => ("DELETE /plans/{uuid}", plans::delete(&ctx, id)),

        ("POST", ["import", "customers", cus, "invoices"]) => (
            "POST /import/customers/{uuid}/invoices",
            inv::import(&ctx, cus),
        ),
        ("GET", ["import", "customers", cus, "invoices"]) => (
            "GET /import/customers/{uuid}/invoices",
            inv::list_for_customer(&ctx, cus),
        ),
        ("GET", ["import", "customers", cus, "subscriptions"]) => (
            "GET /import/customers/{uuid}/subscriptions",
            subs::import_list(&ctx, cus),
        ),
        ("PATCH", ["import", "subscriptions", id]) => {
            ("PATCH /import/subscriptions/{uuid}", subs::cancel(&ctx, id))
        }
        ("POST", ["import", "invoices", id, "transactions"]) => (
            "POST /import/invoices/{uuid}/transactions",
            inv::add_transaction(&ctx, id),
        ),
        ("GET", ["invoices"]) => ("GET /invoices", inv::list(&ctx)),
        ("GET", ["invoices", id]) => ("GET /invoices/{uuid}", inv::get(&ctx, id)),
        ("DELETE", ["invoices", id]) => ("DELETE /invoices/{uuid}", inv::delete(&ctx, id)),

        ("GET", ["metrics", "mrr"]) => ("GET /metrics/mrr", metrics::mrr(&ctx)),

        (_, path) if path_exists(path) => ("method not allowed", Err(ApiError::MethodNotAllowed)),
        _ => ("unknown", Err(ApiError::not_found("Route"))),
    }
}

/// Whether some method serves this path (then a wrong method is a 405, not a 404).
fn path_exists(s: &[&str]) -> bool {
    matches!(
        s,
        ["ping"]
            | ["account"]
            | ["data_sources"]
            | ["data_sources", _]
            | ["data_sources", _, "json_imports"]
            | ["data_sources", _, "json_imports", _]
            | ["data_sources", _, "invoices", _, "status"]
            | ["data_sources", _, "customers", _, "invoices"]
            | ["customers"]
            | ["customers", _]
            | ["customers", _, "attributes"]
            | ["customers", _, "subscriptions"]
            | ["plans"]
            | ["plans", _]
            | ["import", "customers"]
            | ["import", "plans"]
            | ["import", "customers", _, "invoices"]
            | ["import", "customers", _, "subscriptions"]
            | ["import", "subscriptions", _]
            | ["import", "invoices", _, "transactions"]
            | ["invoices"]
            | ["invoices", _]
            | ["metrics", "mrr"]
    )
}

/// A timestamp as ChartMogul writes it, or `null`.
pub fn opt_ts(v: Option<Millis>) -> Value {
    match v {
        Some(ms) => Value::String(super::time::format_timestamp(ms)),
        None => Value::Null,
    }
}
