//! The ChartMogul client: every endpoint a WHMCS sync uses, over the [`Transport`] seam.
//!
//! Contract:
//! - Each call is retried on retryable failures (429, 5xx, timeouts, resets) with jittered
//!   exponential backoff, honouring `Retry-After`, until [`RetryPolicy::budget`] is spent; then
//!   it fails with [`ApiError::RetriesExhausted`]. POSTs are retried too: ChartMogul has no
//!   idempotency header, but every object carries an `external_id`, so a create that had been
//!   applied comes back as a 422 duplicate, which the create methods turn into success by
//!   looking the object up by external id **with** `data_source_uuid` ([`Created::Existing`]).
//! - Requests pass a client-side rate limiter: at most 40 in any second, ChartMogul's limit.
//! - Paths carry ChartMogul uuids, bodies carry our external ids (reference §12.9).
//! - The API key never appears in errors, `Debug` output or logs.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::error::{ApiError, ErrorClass};
use super::retry::{Jitter, Limits, RateLimiter, RetryPolicy};
use super::transport::{Method, Request, Response, Transport};
use super::types::{self as cm, CancellationDates, CustomerPatch, InvoiceStatusChange, PlanPatch};

/// How the client authenticates (reference §1).
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// An API key: Basic auth with the key as user name and an empty password.
    ApiKey(String),
    /// The legacy account token + secret key pair.
    AccountToken { token: String, secret: String },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::ApiKey(_) => f.write_str("ApiKey(<redacted>)"),
            Credentials::AccountToken { .. } => f.write_str("AccountToken(<redacted>)"),
        }
    }
}

impl Credentials {
    fn authorization(&self) -> String {
        let pair = match self {
            Credentials::ApiKey(k) => format!("{k}:"),
            Credentials::AccountToken { token, secret } => format!("{token}:{secret}"),
        };
        format!("Basic {}", base64(pair.as_bytes()))
    }
}

/// Everything the client needs besides the transport.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// e.g. `https://api.chartmogul.com/v1` (no trailing slash needed).
    pub base_url: String,
    pub credentials: Credentials,
    pub retry: RetryPolicy,
    pub limits: Limits,
    /// Seed of the backoff jitter, so test runs are reproducible.
    pub jitter_seed: u64,
}

impl ClientConfig {
    pub fn new(base_url: &str, credentials: Credentials) -> Self {
        ClientConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            credentials,
            retry: RetryPolicy::default(),
            limits: Limits::default(),
            jitter_seed: 0x5eed,
        }
    }
}

/// Counters of what a client sent, for `--json` output and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Of those, retries.
    pub retries: u64,
    /// Requests that change data (POST, PUT, PATCH, DELETE).
    pub writes: u64,
}

/// The outcome of a create: made now, or found because it existed already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created<T> {
    New(T),
    Existing(T),
}

impl<T> Created<T> {
    pub fn into_inner(self) -> T {
        match self {
            Created::New(t) | Created::Existing(t) => t,
        }
    }
    pub fn is_new(&self) -> bool {
        matches!(self, Created::New(_))
    }
}

/// A data source (reference §2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct DataSource {
    pub uuid: String,
    pub name: String,
}

/// A customer as ChartMogul returns it; MRR in cents (hyphenated keys, reference §3).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct CustomerRecord {
    pub uuid: String,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub data_source_uuid: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub mrr: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    /// Per currency where the API reports it (the simulator does; ChartMogul converts to the
    /// account currency and reports `mrr` only).
    #[serde(default, rename = "mrr_by_currency")]
    pub mrr_by_currency: Option<std::collections::BTreeMap<String, i64>>,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct PlanRecord {
    pub uuid: String,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct InvoiceRecord {
    pub uuid: String,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub line_items: Vec<LineItemRecord>,
    #[serde(default)]
    pub transactions: Vec<TransactionRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct LineItemRecord {
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub subscription_uuid: Option<String>,
    #[serde(default)]
    pub subscription_external_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct TransactionRecord {
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct SubscriptionRecord {
    pub uuid: String,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub plan_uuid: Option<String>,
    #[serde(default)]
    pub cancellation_dates: Vec<String>,
}

/// A bulk JSON import and its processing status (reference §5.5).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct JsonImport {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub status_details: Json,
}

impl JsonImport {
    pub fn is_finished(&self) -> bool {
        matches!(
            self.status.as_str(),
            "completed" | "failed" | "partially_completed"
        )
    }
}

/// One entry of `/metrics/mrr`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct MrrEntry {
    pub date: String,
    pub mrr: i64,
}

/// The ChartMogul API client.
pub struct Client<T: Transport> {
    transport: T,
    config: ClientConfig,
    limiter: RateLimiter,
    jitter: Jitter,
    stats: Stats,
}

impl<T: Transport> Client<T> {
    pub fn new(transport: T, config: ClientConfig) -> Self {
        Client {
            limiter: RateLimiter::new(config.limits.requests_per_second),
            jitter: Jitter::new(config.jitter_seed),
            transport,
            config,
            stats: Stats::default(),
        }
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// A client for another thread: same configuration, a forked transport (shared connections
    /// and rate window), its own jitter stream. `None` when the transport cannot be forked.
    pub fn fork(&self, index: u64) -> Option<Client<Box<dyn Transport + Send>>> {
        let transport = self.transport.fork()?;
        let mut config = self.config.clone();
        config.jitter_seed = config
            .jitter_seed
            .wrapping_add(index.wrapping_mul(0x9e37_79b9));
        Some(Client::new(transport, config))
    }

    /// Adds what a forked client sent to this client's counters.
    pub fn absorb_stats(&mut self, other: Stats) {
        self.stats.requests += other.requests;
        self.stats.retries += other.retries;
        self.stats.writes += other.writes;
    }

    pub fn transport(&mut self) -> &mut T {
        &mut self.transport
    }

    // ----- the request loop -----

    /// Sends one call with retries; returns the 2xx response.
    fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        is_create: bool,
    ) -> Result<Response, ApiError> {
        let url = format!("{}{}", self.config.base_url, path);
        let mut headers = vec![
            (
                "Authorization".to_string(),
                self.config.credentials.authorization(),
            ),
            ("Accept".to_string(), "application/json".to_string()),
        ];
        if body.is_some() {
            headers.push(("Content-Type".to_string(), "application/json".to_string()));
        }
        let request = Request {
            method,
            url,
            headers,
            body,
        };
        let started = self.transport.elapsed();
        let policy = self.config.retry;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let wait = self.limiter.acquire(self.transport.elapsed());
            if !wait.is_zero() {
                self.transport.sleep(wait);
            }
            self.stats.requests += 1;
            if method != Method::Get {
                self.stats.writes += 1;
            }
            if attempt > 1 {
                self.stats.retries += 1;
            }
            let error = match self.transport.send(&request) {
                Ok(r) if (200..300).contains(&r.status) => return Ok(r),
                Ok(r) => ApiError::from_status(r.status, &r.body, retry_after(&r), is_create),
                Err(e) => ApiError::from_transport(&e),
            };
            if error.class() != ErrorClass::Retryable
                || matches!(error, ApiError::InvalidResponse { .. })
            {
                return Err(error);
            }
            let spent = self.transport.elapsed().saturating_sub(started);
            let hinted = match &error {
                ApiError::Temporary {
                    retry_after: Some(d),
                    ..
                } => Some(*d),
                _ => None,
            };
            let delay = hinted.unwrap_or_else(|| policy.delay(attempt, self.jitter.next_unit()));
            if attempt >= policy.max_attempts || spent + delay > policy.budget {
                return Err(ApiError::RetriesExhausted {
                    attempts: attempt,
                    elapsed: spent,
                    last: Box::new(error),
                });
            }
            self.transport.sleep(delay);
        }
    }

    fn call_json<R: DeserializeOwned>(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
        is_create: bool,
    ) -> Result<R, ApiError> {
        let bytes = body.map(|b| serde_json::to_vec(b).expect("request bodies always serialise"));
        let response = self.call(method, path, bytes, is_create)?;
        decode(&response.body)
    }

    fn get_json<R: DeserializeOwned>(&mut self, path: &str) -> Result<R, ApiError> {
        self.call_json(Method::Get, path, None::<&()>, false)
    }

    // ----- ping, account, data sources -----

    /// `GET /ping`: checks the key. Fails with [`ApiError::Authentication`] on a bad key.
    pub fn ping(&mut self) -> Result<(), ApiError> {
        let v: Json = self.get_json("/ping")?;
        match v.get("data").and_then(|d| d.as_str()) {
            Some("pong!") => Ok(()),
            _ => Err(ApiError::InvalidResponse {
                message: format!("ping answered {v}"),
            }),
        }
    }

    /// `GET /account`: name and reporting currency.
    pub fn account(&mut self) -> Result<Json, ApiError> {
        self.get_json("/account")
    }

    pub fn find_data_source(&mut self, name: &str) -> Result<Option<DataSource>, ApiError> {
        let v: Json = self.get_json(&format!("/data_sources?name={}", encode(name)))?;
        let list: Vec<DataSource> = list_of(&v, "data_sources")?;
        Ok(list.into_iter().find(|d| d.name == name))
    }

    /// The data source called `name`, created when missing.
    pub fn ensure_data_source(&mut self, name: &str) -> Result<DataSource, ApiError> {
        if let Some(ds) = self.find_data_source(name)? {
            return Ok(ds);
        }
        match self.call_json(
            Method::Post,
            "/data_sources",
            Some(&serde_json::json!({ "name": name })),
            true,
        ) {
            Ok(ds) => Ok(ds),
            Err(e) if e.class() == ErrorClass::AlreadyDone => self
                .find_data_source(name)?
                .ok_or_else(|| ApiError::InvalidResponse {
                    message: format!("data source {name:?} exists but cannot be found"),
                }),
            Err(e) => Err(e),
        }
    }

    // ----- customers -----

    /// `POST /customers`; an existing external id is looked up instead.
    pub fn create_customer(
        &mut self,
        data_source_uuid: &str,
        customer: &cm::Customer,
    ) -> Result<Created<CustomerRecord>, ApiError> {
        let mut body = customer.clone();
        body.data_source_uuid = data_source_uuid.to_string();
        match self.call_json(Method::Post, "/customers", Some(&body), true) {
            Ok(c) => Ok(Created::New(c)),
            Err(e) if e.class() == ErrorClass::AlreadyDone => {
                let found = self.find_customer(data_source_uuid, &customer.external_id);
                existing(found, &customer.external_id)
            }
            Err(e) => Err(e),
        }
    }

    /// The customer with this external id **in this data source** (reference §3: without
    /// `data_source_uuid` the lookup spans every source).
    pub fn find_customer(
        &mut self,
        data_source_uuid: &str,
        external_id: &str,
    ) -> Result<Option<CustomerRecord>, ApiError> {
        let v: Json = self.get_json(&format!(
            "/customers?data_source_uuid={}&external_id={}",
            encode(data_source_uuid),
            encode(external_id)
        ))?;
        let list: Vec<CustomerRecord> = list_of(&v, "entries")?;
        Ok(list.into_iter().next())
    }

    /// One page of a data source's customers.
    pub fn customers_page(
        &mut self,
        data_source_uuid: &str,
        cursor: Option<&str>,
    ) -> Result<Page<CustomerRecord>, ApiError> {
        let mut path = format!(
            "/customers?data_source_uuid={}&per_page=200",
            encode(data_source_uuid)
        );
        if let Some(c) = cursor {
            path.push_str(&format!("&cursor={}", encode(c)));
        }
        let v: Json = self.get_json(&path)?;
        Page::from_json(&v, "entries")
    }

    /// Every customer of a data source, following the cursor.
    pub fn all_customers(
        &mut self,
        data_source_uuid: &str,
    ) -> Result<Vec<CustomerRecord>, ApiError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.customers_page(data_source_uuid, cursor.as_deref())?;
            out.extend(page.entries);
            match (page.has_more, page.cursor) {
                (true, Some(c)) => cursor = Some(c),
                _ => return Ok(out),
            }
        }
    }

    /// `PATCH /customers/{uuid}` with only the changed fields.
    pub fn update_customer(
        &mut self,
        customer_uuid: &str,
        patch: &CustomerPatch,
    ) -> Result<(), ApiError> {
        self.call(
            Method::Patch,
            &format!("/customers/{}", encode(customer_uuid)),
            Some(to_vec(patch)),
            false,
        )
        .map(drop)
    }

    /// `DELETE /customers/{uuid}`; a customer already gone counts as deleted.
    pub fn delete_customer(&mut self, customer_uuid: &str) -> Result<(), ApiError> {
        gone_is_done(self.call(
            Method::Delete,
            &format!("/customers/{}", encode(customer_uuid)),
            None,
            false,
        ))
    }

    /// `POST /customers/merges`, both sides addressed by external id in this data source.
    pub fn merge_customers(
        &mut self,
        data_source_uuid: &str,
        from_external_id: &str,
        into_external_id: &str,
    ) -> Result<(), ApiError> {
        let body = serde_json::json!({
            "from": { "data_source_uuid": data_source_uuid, "external_id": from_external_id },
            "into": { "data_source_uuid": data_source_uuid, "external_id": into_external_id },
        });
        self.call(
            Method::Post,
            "/customers/merges",
            Some(to_vec(&body)),
            false,
        )
        .map(drop)
    }

    // ----- plans -----

    pub fn create_plan(
        &mut self,
        data_source_uuid: &str,
        plan: &cm::Plan,
    ) -> Result<Created<PlanRecord>, ApiError> {
        let mut body = plan.clone();
        body.data_source_uuid = data_source_uuid.to_string();
        match self.call_json(Method::Post, "/plans", Some(&body), true) {
            Ok(p) => Ok(Created::New(p)),
            Err(e) if e.class() == ErrorClass::AlreadyDone => {
                let found = self.find_plan(data_source_uuid, &plan.external_id);
                existing(found, &plan.external_id)
            }
            Err(e) => Err(e),
        }
    }

    pub fn find_plan(
        &mut self,
        data_source_uuid: &str,
        external_id: &str,
    ) -> Result<Option<PlanRecord>, ApiError> {
        let v: Json = self.get_json(&format!(
            "/plans?data_source_uuid={}&external_id={}",
            encode(data_source_uuid),
            encode(external_id)
        ))?;
        Ok(list_of::<PlanRecord>(&v, "plans")?.into_iter().next())
    }

    pub fn update_plan(&mut self, plan_uuid: &str, patch: &PlanPatch) -> Result<(), ApiError> {
        self.call(
            Method::Patch,
            &format!("/plans/{}", encode(plan_uuid)),
            Some(to_vec(patch)),
            false,
        )
        .map(drop)
    }

    // ----- invoices and transactions -----

    /// `POST /import/customers/{uuid}/invoices` with several invoices of one customer.
    ///
    /// Subscription lines must carry `plan_uuid`. When ChartMogul answers that an invoice
    /// exists already (a retried request that had been applied, or an earlier run), each
    /// invoice is looked up by external id; those found count as imported and the rest are
    /// sent again, so a retry never duplicates and never loses an invoice.
    pub fn import_invoices(
        &mut self,
        data_source_uuid: &str,
        customer_uuid: &str,
        invoices: &[cm::Invoice],
    ) -> Result<Vec<Created<InvoiceRecord>>, ApiError> {
        if invoices.is_empty() {
            return Ok(Vec::new());
        }
        let body: Vec<cm::Invoice> = invoices.iter().map(direct_import_form).collect();
        let path = format!("/import/customers/{}/invoices", encode(customer_uuid));
        match self.call_json::<Json>(
            Method::Post,
            &path,
            Some(&serde_json::json!({ "invoices": body })),
            true,
        ) {
            Ok(v) => Ok(list_of::<InvoiceRecord>(&v, "invoices")?
                .into_iter()
                .map(Created::New)
                .collect()),
            Err(e) if e.class() == ErrorClass::AlreadyDone => {
                let mut out = Vec::new();
                let mut missing = Vec::new();
                for inv in invoices {
                    match self.find_invoice(data_source_uuid, &inv.external_id)? {
                        Some(found) => out.push(Created::Existing(found)),
                        None => missing.push(inv.clone()),
                    }
                }
                if missing.len() == invoices.len() {
                    // Nothing of ours exists: the duplicate is something else (e.g. a line
                    // item id used by another invoice). That is a rejected record.
                    return Err(ApiError::Rejected {
                        status: 422,
                        message: e.to_string(),
                        fields: Vec::new(),
                    });
                }
                out.extend(self.import_invoices(data_source_uuid, customer_uuid, &missing)?);
                Ok(out)
            }
            Err(e) => Err(e),
        }
    }

    pub fn find_invoice(
        &mut self,
        data_source_uuid: &str,
        external_id: &str,
    ) -> Result<Option<InvoiceRecord>, ApiError> {
        let v: Json = self.get_json(&format!(
            "/invoices?data_source_uuid={}&external_id={}",
            encode(data_source_uuid),
            encode(external_id)
        ))?;
        Ok(list_of::<InvoiceRecord>(&v, "invoices")?.into_iter().next())
    }

    /// `POST /import/invoices/{uuid}/transactions`: a payment or refund that arrived after the
    /// invoice was exported. A duplicate external id counts as done.
    pub fn add_transaction(
        &mut self,
        invoice_uuid: &str,
        transaction: &cm::Transaction,
    ) -> Result<Created<()>, ApiError> {
        let mut body = transaction.clone();
        body.invoice_external_id = None;
        match self.call(
            Method::Post,
            &format!("/import/invoices/{}/transactions", encode(invoice_uuid)),
            Some(to_vec(&body)),
            true,
        ) {
            Ok(_) => Ok(Created::New(())),
            Err(e) if e.class() == ErrorClass::AlreadyDone => Ok(Created::Existing(())),
            Err(e) => Err(e),
        }
    }

    /// `PUT /data_sources/{ds}/invoices/{external_id}/status`: `voided` or `written_off`.
    pub fn set_invoice_status(
        &mut self,
        data_source_uuid: &str,
        external_id: &str,
        status: InvoiceStatusChange,
    ) -> Result<(), ApiError> {
        let path = format!(
            "/data_sources/{}/invoices/{}/status",
            encode(data_source_uuid),
            encode(external_id)
        );
        self.call(
            Method::Put,
            &path,
            Some(to_vec(&serde_json::json!({ "status": status }))),
            false,
        )
        .map(drop)
    }

    /// `DELETE /invoices/{uuid}`; an invoice already gone counts as deleted.
    pub fn delete_invoice(&mut self, invoice_uuid: &str) -> Result<(), ApiError> {
        gone_is_done(self.call(
            Method::Delete,
            &format!("/invoices/{}", encode(invoice_uuid)),
            None,
            false,
        ))
    }

    // ----- subscriptions and cancellations -----

    /// Every subscription of a customer with its cancellation dates.
    pub fn subscriptions(
        &mut self,
        customer_uuid: &str,
    ) -> Result<Vec<SubscriptionRecord>, ApiError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!(
                "/import/customers/{}/subscriptions?per_page=200",
                encode(customer_uuid)
            );
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={}", encode(c)));
            }
            let v: Json = self.get_json(&path)?;
            let page: Page<SubscriptionRecord> = Page::from_json(&v, "subscriptions")?;
            out.extend(page.entries);
            match (page.has_more, page.cursor) {
                (true, Some(c)) => cursor = Some(c),
                _ => return Ok(out),
            }
        }
    }

    /// Replaces a subscription's cancellation dates (`[]` removes every cancellation).
    pub fn set_cancellation_dates(
        &mut self,
        subscription_uuid: &str,
        dates: &CancellationDates,
    ) -> Result<(), ApiError> {
        self.call(
            Method::Patch,
            &format!("/import/subscriptions/{}", encode(subscription_uuid)),
            Some(to_vec(dates)),
            false,
        )
        .map(drop)
    }

    /// Cancels a subscription at `cancelled_at` (appends a cancellation date).
    pub fn cancel_subscription(
        &mut self,
        subscription_uuid: &str,
        cancelled_at: &str,
    ) -> Result<(), ApiError> {
        let body = serde_json::json!({ "cancelled_at": cancelled_at });
        self.call(
            Method::Patch,
            &format!("/import/subscriptions/{}", encode(subscription_uuid)),
            Some(to_vec(&body)),
            false,
        )
        .map(drop)
    }

    // ----- bulk import -----

    /// `POST /data_sources/{ds}/json_imports` with a prepared body (≤ 5 MB).
    pub fn start_json_import(
        &mut self,
        data_source_uuid: &str,
        body: &Json,
    ) -> Result<JsonImport, ApiError> {
        let path = format!("/data_sources/{}/json_imports", encode(data_source_uuid));
        self.call_json(Method::Post, &path, Some(body), false)
    }

    pub fn json_import(
        &mut self,
        data_source_uuid: &str,
        import_id: &str,
    ) -> Result<JsonImport, ApiError> {
        self.get_json(&format!(
            "/data_sources/{}/json_imports/{}",
            encode(data_source_uuid),
            encode(import_id)
        ))
    }

    /// Polls an import until it finishes, waiting `interval` between polls, at most `timeout`.
    pub fn wait_for_json_import(
        &mut self,
        data_source_uuid: &str,
        import_id: &str,
        interval: Duration,
        timeout: Duration,
    ) -> Result<JsonImport, ApiError> {
        let started = self.transport.elapsed();
        loop {
            let status = self.json_import(data_source_uuid, import_id)?;
            if status.is_finished() {
                return Ok(status);
            }
            if self.transport.elapsed().saturating_sub(started) > timeout {
                return Err(ApiError::Temporary {
                    what: "bulk import still processing".to_string(),
                    message: format!(
                        "import {import_id} is {} after {} s",
                        status.status,
                        timeout.as_secs()
                    ),
                    retry_after: None,
                });
            }
            self.transport.sleep(interval);
        }
    }

    // ----- metrics -----

    /// `GET /metrics/mrr` between two dates (`YYYY-MM-DD`), per `interval`.
    pub fn mrr_metrics(
        &mut self,
        start_date: &str,
        end_date: &str,
        interval: &str,
    ) -> Result<Vec<MrrEntry>, ApiError> {
        let v: Json = self.get_json(&format!(
            "/metrics/mrr?start-date={}&end-date={}&interval={}",
            encode(start_date),
            encode(end_date),
            encode(interval)
        ))?;
        list_of(&v, "entries")
    }
}

fn existing<R>(
    found: Result<Option<R>, ApiError>,
    external_id: &str,
) -> Result<Created<R>, ApiError> {
    match found? {
        Some(r) => Ok(Created::Existing(r)),
        None => Err(ApiError::InvalidResponse {
            message: format!(
                "ChartMogul says {external_id} exists but it cannot be found in this data source"
            ),
        }),
    }
}

/// One page of a cursor-paginated list (reference §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub entries: Vec<T>,
    pub cursor: Option<String>,
    pub has_more: bool,
}

impl<T: DeserializeOwned> Page<T> {
    fn from_json(v: &Json, key: &str) -> Result<Page<T>, ApiError> {
        Ok(Page {
            entries: list_of(v, key)?,
            cursor: v.get("cursor").and_then(|c| c.as_str()).map(str::to_string),
            has_more: v.get("has_more").and_then(|h| h.as_bool()).unwrap_or(false),
        })
    }
}

/// The direct import API wants `plan_uuid`; our lines also carry `plan_external_id` for the
/// bulk path, which is left out here.
fn direct_import_form(invoice: &cm::Invoice) -> cm::Invoice {
    let mut inv = invoice.clone();
    for line in &mut inv.line_items {
        if line.plan_uuid.is_some() {
            line.plan_external_id = None;
        }
    }
    for t in &mut inv.transactions {
        t.invoice_external_id = None;
    }
    inv
}

fn gone_is_done(r: Result<Response, ApiError>) -> Result<(), ApiError> {
    match r {
        Ok(_) | Err(ApiError::NotFound { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

fn retry_after(r: &Response) -> Option<Duration> {
    r.header("retry-after")?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|s| Duration::from_secs(s.min(120)))
}

fn decode<R: DeserializeOwned>(body: &[u8]) -> Result<R, ApiError> {
    let body = if body.is_empty() {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| ApiError::InvalidResponse {
        message: format!(
            "{e} in {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        ),
    })
}

fn list_of<R: DeserializeOwned>(v: &Json, key: &str) -> Result<Vec<R>, ApiError> {
    match v.get(key) {
        Some(list) => serde_json::from_value(list.clone()).map_err(|e| ApiError::InvalidResponse {
            message: format!("{key}: {e}"),
        }),
        None => Err(ApiError::InvalidResponse {
            message: format!("response has no {key:?} list"),
        }),
    }
}

fn to_vec<B: Serialize>(b: &B) -> Vec<u8> {
    serde_json::to_vec(b).expect("request bodies always serialise")
}

/// Percent-encodes a query or path component (RFC 3986 unreserved characters stay).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
