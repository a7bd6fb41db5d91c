//! Bulk JSON import (reference §5.5): lifecycle, per-object results, limits.

mod sim_support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sim_support::*;

fn wait_completed(c: &mut Client, ds: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v = c
            .get(&format!("/data_sources/{ds}/json_imports/{id}"))
            .json();
        if v["status"] == "completed" {
            return v;
        }
        assert!(Instant::now() < deadline, "import never completed: {v}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn payload() -> Value {
    json!({
        "external_id": "batch-1",
        "plans": [
            {"name": "VPS S (Monthly)", "interval_count": 1, "interval_unit": "month", "external_id": "whmcs-product-7-monthly"},
        ],
        "customers": [
            {"external_id": "whmcs-client-1", "name": "Acme", "country": "DE"},
            {"external_id": "whmcs-client-2", "name": "Beta"},
        ],
        "invoices": [
            {"external_id": "whmcs-invoice-1", "customer_external_id": "whmcs-client-1", "date": "2025-01-01", "currency": "EUR"},
            {"external_id": "whmcs-invoice-2", "customer_external_id": "whmcs-client-2", "date": "2025-01-01", "currency": "USD",
             "line_items": [{"type": "one_time", "amount_in_cents": 500, "external_id": "whmcs-item-20"}]},
        ],
        "line_items": [
            {"invoice_external_id": "whmcs-invoice-1", "type": "subscription", "subscription_external_id": "whmcs-service-1",
             "plan_external_id": "whmcs-product-7-monthly", "service_period_start": "2025-01-01", "service_period_end": "2025-02-01",
             "amount_in_cents": 1190, "tax_amount_in_cents": 190, "external_id": "whmcs-item-10"},
        ],
        "transactions": [
            {"invoice_external_id": "whmcs-invoice-1", "type": "payment", "date": "2025-01-02", "result": "successful", "external_id": "whmcs-txn-1"},
        ],
        "subscription_events": [
            {"external_id": "ev-1", "customer_external_id": "whmcs-client-1", "subscription_external_id": "whmcs-service-1",
             "event_type": "subscription_start_scheduled", "event_date": "2025-01-01", "effective_date": "2025-02-01",
             "plan_external_id": "whmcs-product-7-monthly", "currency": "EUR", "amount_in_cents": 1000, "quantity": 1},
        ],
    })
}

#[test]
fn bulk_import_lifecycle() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let v = c.post_ok(&format!("/data_sources/{ds}/json_imports"), payload(), 201);
    assert_eq!(v["status"], "queued");
    assert_eq!(v["external_id"], "batch-1");
    assert_eq!(v["data_source_uuid"], ds);
    assert_eq!(v["status_details"], json!({}));
    let id = v["id"].as_str().unwrap().to_string();

    let done = wait_completed(&mut c, &ds, &id);
    let d = &done["status_details"];
    let imported = json!({"status": "imported"});
    assert_eq!(d["plans"]["whmcs-product-7-monthly"], imported);
    assert_eq!(d["whmcs-client-1"]["customer"], imported);
    assert_eq!(d["whmcs-client-1"]["invoices"]["whmcs-invoice-1"], imported);
    assert_eq!(d["whmcs-client-1"]["line_items"]["whmcs-item-10"], imported);
    assert_eq!(d["whmcs-client-1"]["transactions"]["whmcs-txn-1"], imported);
    assert_eq!(d["whmcs-client-2"]["invoices"]["whmcs-invoice-2"], imported);
    assert_eq!(d["whmcs-client-2"]["line_items"]["whmcs-item-20"], imported);
    assert_eq!(d["subscription_events"]["ev-1"], imported);

    // Everything is visible through the direct API, and MRR follows.
    let cus = c
        .get(&format!(
            "/customers?data_source_uuid={ds}&external_id=whmcs-client-1"
        ))
        .json();
    assert_eq!(cus["entries"][0]["country"], "DE");
    let inv = c.get("/invoices?external_id=whmcs-invoice-1").json();
    assert_eq!(inv["invoices"][0]["status"], "paid");
    assert_eq!(
        inv["invoices"][0]["line_items"][0]["plan_uuid"]
            .as_str()
            .unwrap()
            .len(),
        39
    );
    assert_eq!(
        sim_mrr(&sim, "2025-01-15", &ds, "whmcs-client-1"),
        json!({"EUR": 1000})
    );
    let state = sim.state_json();
    assert_eq!(state["subscription_events"][0]["external_id"], "ev-1");
    assert_eq!(state["subscription_events"][0]["data_source_uuid"], ds);
}

#[test]
fn bulk_import_reports_per_object_failures_and_goes_on() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    customer(&mut c, &ds, "whmcs-client-1");
    let mut p = payload();
    // An invoice whose line names a plan that does not exist.
    p["invoices"].as_array_mut().unwrap().push(json!({
        "external_id": "whmcs-invoice-3", "customer_external_id": "whmcs-client-2", "date": "2025-01-01", "currency": "USD",
        "line_items": [{"type": "subscription", "subscription_external_id": "s3", "plan_external_id": "nope",
                        "service_period_start": "2025-01-01", "service_period_end": "2025-02-01", "amount_in_cents": 100,
                        "external_id": "whmcs-item-30"}]
    }));
    // A customer with an unassigned country.
    p["customers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"external_id": "whmcs-client-3", "country": "XX"}));
    let v = c.post_ok(&format!("/data_sources/{ds}/json_imports"), p, 201);
    let done = wait_completed(&mut c, &ds, v["id"].as_str().unwrap());
    let d = &done["status_details"];
    assert_eq!(
        d["whmcs-client-1"]["customer"],
        json!({"status": "failed", "errors": {"external_id": "The external ID for this customer already exists in our system."}})
    );
    // The existing customer still receives its invoice.
    assert_eq!(
        d["whmcs-client-1"]["invoices"]["whmcs-invoice-1"]["status"],
        "imported"
    );
    assert_eq!(d["whmcs-client-3"]["customer"]["status"], "failed");
    assert!(d["whmcs-client-3"]["customer"]["errors"]["country"].is_string());
    let failed = &d["whmcs-client-2"]["invoices"]["whmcs-invoice-3"];
    assert_eq!(failed["status"], "failed");
    assert_eq!(
        failed["errors"]["line_items.plan_external_id"],
        "Plan not found"
    );
    assert_eq!(
        d["whmcs-client-2"]["line_items"]["whmcs-item-30"]["status"],
        "failed"
    );
    assert_eq!(
        d["whmcs-client-2"]["invoices"]["whmcs-invoice-2"]["status"],
        "imported"
    );
    assert_eq!(
        c.get("/invoices?external_id=whmcs-invoice-3").json()["invoices"],
        json!([])
    );

    // The same batch again: every object already exists.
    let v = c.post_ok(&format!("/data_sources/{ds}/json_imports"), payload(), 201);
    let done = wait_completed(&mut c, &ds, v["id"].as_str().unwrap());
    let d = &done["status_details"];
    assert_eq!(
        d["plans"]["whmcs-product-7-monthly"]["errors"]["external_id"],
        "A plan with this identifier already exists in our system."
    );
    assert_eq!(
        d["whmcs-client-1"]["invoices"]["whmcs-invoice-1"]["errors"]["external_id"],
        "The external ID for this invoice already exists in our system."
    );
    assert_eq!(
        d["subscription_events"]["ev-1"]["errors"]["external_id"],
        "has already been taken"
    );
}

#[test]
fn bulk_import_adds_to_invoices_imported_earlier() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let v = c.post_ok(&format!("/data_sources/{ds}/json_imports"), payload(), 201);
    wait_completed(&mut c, &ds, v["id"].as_str().unwrap());
    let later = json!({
        "external_id": "batch-2",
        "transactions": [
            {"invoice_external_id": "whmcs-invoice-1", "type": "refund", "date": "2025-01-10", "result": "successful", "amount_in_cents": 500, "external_id": "whmcs-txn-2"},
            {"invoice_external_id": "whmcs-invoice-1", "type": "refund", "date": "2025-01-11", "result": "successful", "amount_in_cents": 5000, "external_id": "whmcs-txn-3"},
            {"invoice_external_id": "missing", "type": "payment", "date": "2025-01-11", "result": "successful", "external_id": "whmcs-txn-4"},
        ],
        "line_items": [
            {"invoice_external_id": "whmcs-invoice-2", "type": "one_time", "amount_in_cents": 100, "external_id": "whmcs-item-21"},
        ],
    });
    let v = c.post_ok(&format!("/data_sources/{ds}/json_imports"), later, 201);
    let done = wait_completed(&mut c, &ds, v["id"].as_str().unwrap());
    let d = &done["status_details"];
    assert_eq!(
        d["whmcs-client-1"]["transactions"]["whmcs-txn-2"]["status"],
        "imported"
    );
    assert_eq!(
        d["whmcs-client-1"]["transactions"]["whmcs-txn-3"]["errors"]["amount_in_cents"],
        "Refund exceeds the amount paid on this invoice"
    );
    assert_eq!(d["transactions"]["whmcs-txn-4"]["status"], "failed");
    assert_eq!(
        d["whmcs-client-2"]["line_items"]["whmcs-item-21"]["status"],
        "imported"
    );
    let inv = c.get("/invoices?external_id=whmcs-invoice-2").json();
    assert_eq!(
        inv["invoices"][0]["line_items"].as_array().unwrap().len(),
        2
    );
}

#[test]
fn bulk_import_moves_from_queued_to_processing_to_completed() {
    let sim = start_with(|o| o.bulk_processing_delay = Duration::from_millis(500));
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let v = c.post_ok(&format!("/data_sources/{ds}/json_imports"), payload(), 201);
    let id = v["id"].as_str().unwrap().to_string();
    let mut seen: Vec<String> = vec!["queued".into()];
    let deadline = Instant::now() + Duration::from_secs(10);
    while seen.last().map(String::as_str) != Some("completed") {
        assert!(Instant::now() < deadline);
        let s = c
            .get(&format!("/data_sources/{ds}/json_imports/{id}"))
            .json()["status"]
            .as_str()
            .unwrap()
            .to_string();
        if seen.last() != Some(&s) {
            seen.push(s);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(seen, ["queued", "processing", "completed"]);
}

#[test]
fn bulk_import_rejects_bad_envelopes() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let path = format!("/data_sources/{ds}/json_imports");
    let r = c.post(&path, json!({"customers": [{"external_id": "x"}]}));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["param"], "external_id");
    let r = c.post(
        &path,
        json!({"external_id": "b", "customers": {"external_id": "x"}}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["param"], "customers");
    let r = c.post(&path, json!({"external_id": "b"}));
    assert_eq!(r.status, 400);
    let r = c.post("/data_sources/ds_nope/json_imports", payload());
    assert_eq!(r.status, 404);
    assert_eq!(r.json(), json!({"error": "Data source not found"}));
    assert_eq!(c.get(&format!("{path}/nope")).status, 404);
}

#[test]
fn bulk_import_over_5_mb_is_413() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let customers: Vec<Value> = (0..60_000)
        .map(|i| json!({"external_id": format!("whmcs-client-{i}"), "name": "A fairly long customer name, Inc.", "country": "US"}))
        .collect();
    let body = json!({"external_id": "big", "customers": customers});
    assert!(serde_json::to_vec(&body).unwrap().len() > 5_000_000);
    let r = c.post(&format!("/data_sources/{ds}/json_imports"), body);
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["code"], 413);
    assert_eq!(c.get("/ping").status, 200, "the server keeps serving");
}
