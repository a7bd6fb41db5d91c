//! The ChartMogul client (sync-core) over the real HTTP transport against the simulator:
//! with and without faults, duplicates treated as done, a permanent 500 bounded by the budget.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use http_transport::{HttpOptions, HttpTransport};
use sync_core::chartmogul::retry::{Limits, RetryPolicy};
use sync_core::chartmogul::types as cm;
use sync_core::chartmogul::{ApiError, Client, ClientConfig, Created, Credentials, ErrorClass};
use whmcs_chartmogul::sim::{self, FaultSpec, SimHandle, SimOptions};

fn sim_with(faults: Option<&str>) -> SimHandle {
    sim::start(SimOptions {
        faults: faults.map(|f| FaultSpec::parse(f).unwrap()),
        ..SimOptions::default()
    })
    .unwrap()
}

/// A client tuned for tests: short backoff so a faulty run takes seconds, not minutes.
fn client(sim: &SimHandle, retry: RetryPolicy) -> Client<HttpTransport> {
    let transport = HttpTransport::new(HttpOptions {
        request_timeout: Duration::from_secs(5),
        limits: Limits {
            requests_per_second: 1000,
            max_connections: 4,
        },
        ..HttpOptions::default()
    });
    let mut config = ClientConfig::new(&sim.base_url(), Credentials::ApiKey("test-key".into()));
    config.retry = retry;
    config.limits = Limits {
        requests_per_second: 1000,
        max_connections: 4,
    };
    Client::new(transport, config)
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 30,
        initial_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(40),
        budget: Duration::from_secs(20),
    }
}

fn plan(n: u32) -> cm::Plan {
    cm::Plan {
        data_source_uuid: String::new(),
        name: format!("Plan {n} (Monthly)"),
        interval_count: 1,
        interval_unit: "month".into(),
        external_id: format!("whmcs-product-{n}-monthly"),
    }
}

fn customer(id: u32) -> cm::Customer {
    cm::Customer {
        external_id: format!("whmcs-client-{id}"),
        name: Some(format!("Client {id}")),
        email: Some(format!("c{id}@example.com")),
        country: Some("DE".into()),
        ..Default::default()
    }
}

fn invoice(id: u32, plan_uuid: &str) -> cm::Invoice {
    cm::Invoice {
        external_id: format!("whmcs-invoice-{id}"),
        date: "2026-01-05T00:00:00Z".into(),
        currency: "USD".into(),
        due_date: None,
        customer_external_id: None,
        line_items: vec![cm::LineItem {
            kind: cm::LineKind::Subscription,
            subscription_external_id: Some(format!("whmcs-service-{id}")),
            plan_uuid: Some(plan_uuid.to_string()),
            plan_external_id: Some("whmcs-product-1-monthly".into()),
            service_period_start: Some("2026-01-05T00:00:00Z".into()),
            service_period_end: Some("2026-02-05T00:00:00Z".into()),
            amount_in_cents: 1100,
            quantity: Some(1),
            prorated: false,
            cancelled_at: None,
            discount_amount_in_cents: 0,
            discount_code: None,
            discount_description: None,
            tax_amount_in_cents: 100,
            external_id: Some(format!("whmcs-item-{id}")),
            description: Some("VPS".into()),
        }],
        transactions: vec![cm::Transaction {
            kind: cm::TransactionKind::Payment,
            date: "2026-01-05T10:00:00Z".into(),
            result: "successful".into(),
            external_id: format!("whmcs-txn-{id}"),
            amount_in_cents: Some(1100),
            transaction_fees_in_cents: None,
            invoice_external_id: None,
        }],
    }
}

fn state(sim: &SimHandle) -> serde_json::Value {
    sim.state_json()
}

fn external_ids(state: &serde_json::Value, kind: &str) -> Vec<String> {
    state[kind]
        .as_array()
        .unwrap_or_else(|| panic!("state has no {kind}: {state}"))
        .iter()
        .map(|o| o["external_id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn ping_with_a_key_answers_pong_and_a_bad_key_is_an_authentication_error() {
    let sim = sim::start(SimOptions {
        api_keys: vec!["right".into()],
        ..SimOptions::default()
    })
    .unwrap();
    let mut ok = client(&sim, RetryPolicy::none());
    let mut config = ClientConfig::new(&sim.base_url(), Credentials::ApiKey("right".into()));
    config.retry = RetryPolicy::none();
    Client::new(HttpTransport::new(HttpOptions::default()), config)
        .ping()
        .unwrap();
    let e = ok.ping().unwrap_err();
    assert_eq!(e.class(), ErrorClass::Fatal);
    assert!(
        e.to_string()
            .starts_with("Authentication error: No valid API key provided"),
        "{e}"
    );
}

#[test]
fn posting_the_same_invoice_twice_is_rejected_by_the_api_and_done_for_the_client() {
    let sim = sim_with(None);
    let mut c = client(&sim, RetryPolicy::none());
    let ds = c.ensure_data_source("WHMCS").unwrap();
    let plan_uuid = c.create_plan(&ds.uuid, &plan(1)).unwrap().into_inner().uuid;
    let cus = c
        .create_customer(&ds.uuid, &customer(1))
        .unwrap()
        .into_inner();
    let first = c
        .import_invoices(&ds.uuid, &cus.uuid, &[invoice(1, &plan_uuid)])
        .unwrap();
    assert!(first[0].is_new());
    // The raw API answers 422 to the duplicate…
    let raw = ureq::post(format!(
        "{}/import/customers/{}/invoices",
        sim.base_url(),
        cus.uuid
    ))
    .header("Authorization", "Basic dGVzdC1rZXk6")
    .config()
    .http_status_as_error(false)
    .build()
    .send_json(serde_json::json!({ "invoices": [invoice(1, &plan_uuid)] }))
    .unwrap();
    assert_eq!(raw.status().as_u16(), 422);
    // …which the client turns into "exists already" with the same uuid.
    let second = c
        .import_invoices(&ds.uuid, &cus.uuid, &[invoice(1, &plan_uuid)])
        .unwrap();
    assert_eq!(
        second,
        vec![Created::Existing(first[0].clone().into_inner())]
    );
    // Same for customers, plans and data sources.
    assert!(!c.create_customer(&ds.uuid, &customer(1)).unwrap().is_new());
    assert!(!c.create_plan(&ds.uuid, &plan(1)).unwrap().is_new());
    assert_eq!(c.ensure_data_source("WHMCS").unwrap(), ds);
    let s = state(&sim);
    assert_eq!(
        external_ids(&s, "invoices"),
        vec!["whmcs-invoice-1".to_string()]
    );
}

#[test]
fn five_hundred_customers_under_twenty_percent_faults_arrive_exactly_once() {
    let sim = sim_with(Some("seed=11,rate=0.2"));
    let mut c = client(&sim, fast_retries());
    let ds = c.ensure_data_source("WHMCS").unwrap();
    let plan_uuid = c.create_plan(&ds.uuid, &plan(1)).unwrap().into_inner().uuid;
    for id in 1..=500 {
        let cus = c
            .create_customer(&ds.uuid, &customer(id))
            .unwrap()
            .into_inner();
        c.import_invoices(&ds.uuid, &cus.uuid, &[invoice(id, &plan_uuid)])
            .unwrap();
    }
    let stats = c.stats();
    assert!(
        stats.retries > 100,
        "20 % faults over ~1000 calls should cause many retries, saw {stats:?}"
    );
    let s = state(&sim);
    for kind in ["customers", "invoices"] {
        let ids = external_ids(&s, kind);
        let unique: BTreeSet<&String> = ids.iter().collect();
        assert_eq!((ids.len(), unique.len()), (500, 500), "{kind}");
    }
}

#[test]
fn a_permanent_500_ends_the_call_with_a_clear_error_within_the_retry_budget() {
    let sim = sim_with(Some("seed=1,500=1.0"));
    let budget = Duration::from_secs(3);
    let mut c = client(
        &sim,
        RetryPolicy {
            budget,
            initial_delay: Duration::from_millis(100),
            ..RetryPolicy::default()
        },
    );
    let started = Instant::now();
    let e = c.ping().unwrap_err();
    let took = started.elapsed();
    assert!(took <= budget + Duration::from_secs(2), "took {took:?}");
    assert!(matches!(e, ApiError::RetriesExhausted { .. }), "{e:?}");
    assert!(e.to_string().contains("server error (500)"), "{e}");
    assert!(RetryPolicy::default().budget <= Duration::from_secs(60));
}
