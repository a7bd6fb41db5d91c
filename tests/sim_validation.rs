//! The simulator is as strict as ChartMogul: one test per validation rule (docs/simulator.md).

mod sim_support;

use serde_json::{Value, json};
use sim_support::*;

/// Posts one invoice for the fixture's customer and returns the 422 `errors` map.
fn rejected_invoice(c: &mut Client, f: &Fixture, inv: Value) -> Value {
    let r = c.post(
        &format!("/import/customers/{}/invoices", f.customer),
        json!({"invoices": [inv]}),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    r.json()["errors"].clone()
}

fn line(f: &Fixture) -> Value {
    sub_line("sub-1", &f.plan, "2025-01-01", "2025-02-01", 1000)
}

/// The fixture's standard invoice with one field of its only line replaced.
fn invoice_with_line_field(f: &Fixture, field: &str, value: Value) -> Value {
    let mut l = line(f);
    l[field] = value;
    invoice("inv-1", "2025-01-01", vec![l])
}

fn invoice_without_line_field(f: &Fixture, field: &str) -> Value {
    let mut l = line(f);
    l.as_object_mut().unwrap().remove(field);
    invoice("inv-1", "2025-01-01", vec![l])
}

fn stored_invoices(sim: &whmcs_chartmogul::sim::SimHandle) -> usize {
    sim.state_json()["invoices"].as_array().unwrap().len()
}

// ----- data sources

#[test]
fn data_source_name_is_required() {
    let sim = start();
    let mut c = Client::new(&sim);
    let r = c.post("/data_sources", json!({}));
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"code": 400, "message": "Parameter \"name\" is missing", "param": "name"})
    );
}

#[test]
fn data_source_name_is_unique() {
    let sim = start();
    let mut c = Client::new(&sim);
    data_source(&mut c, "WHMCS");
    let r = c.post("/data_sources", json!({"name": "WHMCS"}));
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json(),
        json!({"errors": {"name": "Has already been taken."}})
    );
}

// ----- customers

#[test]
fn customer_duplicate_external_id_is_rejected() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    customer(&mut c, &ds, "whmcs-client-1");
    let r = c.post(
        "/customers",
        json!({"data_source_uuid": ds, "external_id": "whmcs-client-1", "name": "Again"}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json(),
        json!({"errors": {"external_id": "The external ID for this customer already exists in our system."}})
    );
}

#[test]
fn customer_external_id_is_unique_per_data_source_only() {
    let sim = start();
    let mut c = Client::new(&sim);
    let a = data_source(&mut c, "A");
    let b = data_source(&mut c, "B");
    customer(&mut c, &a, "same");
    customer(&mut c, &b, "same");
}

#[test]
fn customer_external_id_is_required() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let r = c.post("/customers", json!({"data_source_uuid": ds, "name": "x"}));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["param"], "external_id");
}

#[test]
fn customer_data_source_uuid_is_required_and_must_exist() {
    let sim = start();
    let mut c = Client::new(&sim);
    let r = c.post("/customers", json!({"external_id": "x"}));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["param"], "data_source_uuid");
    let r = c.post(
        "/customers",
        json!({"data_source_uuid": "ds_nope", "external_id": "x"}),
    );
    assert_eq!(r.status, 422);
    assert!(r.json()["errors"]["data_source_uuid"].is_string());
}

#[test]
fn customer_string_fields_must_be_strings() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let r = c.post(
        "/customers",
        json!({"data_source_uuid": ds, "external_id": "x", "name": 42}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["param"], "name");
}

#[test]
fn customer_country_must_be_an_assigned_iso_3166_code() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    for bad in ["XX", "UK", "USA", "us"] {
        let r = c.post(
            "/customers",
            json!({"data_source_uuid": ds, "external_id": format!("c-{bad}"), "country": bad}),
        );
        assert_eq!(r.status, 422, "{bad}");
        assert!(r.json()["errors"]["country"].is_string());
    }
    c.post_ok(
        "/customers",
        json!({"data_source_uuid": ds, "external_id": "c-de", "country": "DE"}),
        201,
    );
}

#[test]
fn customer_lead_created_at_must_be_in_the_past() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let r = c.post(
        "/customers",
        json!({"data_source_uuid": ds, "external_id": "x", "lead_created_at": "2027-01-01T00:00:00Z"}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["errors"]["lead_created_at"], "must be in the past");
    c.post_ok(
        "/customers",
        json!({"data_source_uuid": ds, "external_id": "x", "lead_created_at": "2025-01-01 10:00:00 UTC"}),
        201,
    );
}

#[test]
fn customer_timestamps_must_be_iso_8601() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let r = c.post(
        "/customers",
        json!({"data_source_uuid": ds, "external_id": "x", "free_trial_started_at": "Thu Nov 10 2022 00:00:00 GMT+0000"}),
    );
    assert_eq!(r.status, 422);
    assert!(r.json()["errors"]["free_trial_started_at"].is_string());
}

#[test]
fn customer_email_must_look_like_an_email() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let r = c.post(
        "/customers",
        json!({"data_source_uuid": ds, "external_id": "x", "email": "not an email"}),
    );
    assert_eq!(r.status, 422);
    assert!(r.json()["errors"]["email"].is_string());
}

#[test]
fn customer_only_lead_statuses_can_be_set() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let r = c.post(
        "/customers",
        json!({"data_source_uuid": ds, "external_id": "x", "status": "Active"}),
    );
    assert_eq!(r.status, 422);
    let v = c.post_ok(
        "/customers",
        json!({"data_source_uuid": ds, "external_id": "x", "status": "Working Lead"}),
        201,
    );
    assert_eq!(v["status"], "Working Lead");
}

#[test]
fn customer_custom_attributes_are_typed() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let r = c.post(
        "/customers",
        json!({"data_source_uuid": ds, "external_id": "x",
               "attributes": {"custom": [{"type": "Integer", "key": "seats", "value": "ten"}]}}),
    );
    assert_eq!(r.status, 422);
    assert!(r.json()["errors"]["attributes.custom"].is_string());
}

// ----- plans

#[test]
fn plan_duplicate_external_id_is_rejected() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    plan(&mut c, &ds, "p", 1, "month");
    let r = c.post(
        "/plans",
        json!({"data_source_uuid": ds, "name": "P", "interval_count": 1, "interval_unit": "month", "external_id": "p"}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json(),
        json!({"errors": {"external_id": "A plan with this identifier already exists in our system."}})
    );
}

#[test]
fn plan_interval_count_must_be_an_integer() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    for bad in [json!(1.5), json!("3"), json!(1.0), json!(null)] {
        let r = c.post(
            "/plans",
            json!({"data_source_uuid": ds, "name": "P", "interval_count": bad, "interval_unit": "month"}),
        );
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.json()["param"], "interval_count");
    }
}

#[test]
fn plan_interval_count_must_be_positive() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let r = c.post(
        "/plans",
        json!({"data_source_uuid": ds, "name": "P", "interval_count": 0, "interval_unit": "month"}),
    );
    assert_eq!(r.status, 422);
    assert!(r.json()["errors"]["interval_count"].is_string());
}

#[test]
fn plan_interval_unit_is_day_month_or_year() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let r = c.post(
        "/plans",
        json!({"data_source_uuid": ds, "name": "P", "interval_count": 1, "interval_unit": "week"}),
    );
    assert_eq!(r.status, 422);
    assert!(r.json()["errors"]["interval_unit"].is_string());
}

#[test]
fn plan_name_is_required() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let r = c.post(
        "/plans",
        json!({"data_source_uuid": ds, "interval_count": 1, "interval_unit": "month"}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["param"], "name");
}

#[test]
fn plan_external_id_is_generated_when_left_out() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let v = c.post_ok(
        "/plans",
        json!({"data_source_uuid": ds, "name": "P", "interval_count": 1, "interval_unit": "month"}),
        201,
    );
    let uuid = v["uuid"].as_str().unwrap();
    assert_eq!(v["external_id"].as_str().unwrap(), &uuid[3..]);
}

// ----- invoices

#[test]
fn invoice_duplicate_external_id_is_rejected_with_its_entities() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let mut l = line(&f);
    l["external_id"] = json!("li-1");
    let mut inv = invoice("inv-1", "2025-01-01", vec![l]);
    inv["transactions"] = json!([{"type": "payment", "date": "2025-01-02", "result": "successful", "external_id": "tx-1"}]);
    import(&mut c, &f.customer, vec![inv.clone()]);
    // A retry of the same invoice: exactly what ChartMogul clients treat as "already done".
    let errors = rejected_invoice(&mut c, &f, inv);
    assert_eq!(
        errors,
        json!({
            "external_id": "The external ID for this invoice already exists in our system.",
            "line_items.external_id": "The external ID for this line item already exists in our system.",
            "transactions.external_id": "has already been taken",
        })
    );
}

#[test]
fn line_item_duplicate_external_id_is_rejected() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let mut l = line(&f);
    l["external_id"] = json!("li-1");
    import(
        &mut c,
        &f.customer,
        vec![invoice("inv-1", "2025-01-01", vec![l.clone()])],
    );
    let errors = rejected_invoice(&mut c, &f, invoice("inv-2", "2025-02-01", vec![l]));
    assert_eq!(
        errors,
        json!({"line_items.external_id": "The external ID for this line item already exists in our system."})
    );
}

#[test]
fn transaction_duplicate_external_id_is_rejected() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let tx = json!([{"type": "payment", "date": "2025-01-02", "result": "successful", "external_id": "tx-1", "amount_in_cents": 100}]);
    let mut a = invoice("inv-1", "2025-01-01", vec![line(&f)]);
    a["transactions"] = tx.clone();
    import(&mut c, &f.customer, vec![a]);
    let mut b = invoice(
        "inv-2",
        "2025-02-01",
        vec![sub_line("sub-1", &f.plan, "2025-02-01", "2025-03-01", 1000)],
    );
    b["transactions"] = tx;
    let errors = rejected_invoice(&mut c, &f, b);
    assert_eq!(
        errors,
        json!({"transactions.external_id": "has already been taken"})
    );
}

#[test]
fn standalone_transaction_duplicate_external_id_is_rejected() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let v = import(
        &mut c,
        &f.customer,
        vec![invoice("inv-1", "2025-01-01", vec![line(&f)])],
    );
    let inv = v["invoices"][0]["uuid"].as_str().unwrap().to_string();
    let tx = json!({"type": "payment", "date": "2025-01-02", "result": "successful", "external_id": "tx-1", "amount_in_cents": 500});
    let path = format!("/import/invoices/{inv}/transactions");
    let created = c.post_ok(&path, tx.clone(), 201);
    assert_eq!(created["external_id"], "tx-1");
    assert_eq!(created["amount_in_cents"], 500);
    let r = c.post(&path, tx);
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json(),
        json!({"errors": {"external_id": "has already been taken"}})
    );
}

#[test]
fn external_ids_must_be_unique_within_one_request() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let a = invoice("inv-1", "2025-01-01", vec![line(&f)]);
    let r = c.post(
        &format!("/import/customers/{}/invoices", f.customer),
        json!({"invoices": [a.clone(), a]}),
    );
    assert_eq!(r.status, 422);
    let v = r.json();
    assert_eq!(v["invoices"][0]["errors"], json!({}));
    assert_eq!(
        v["invoices"][1]["errors"]["external_id"],
        "The external ID for this invoice already exists in our system."
    );
    assert_eq!(stored_invoices(&sim), 0);
}

#[test]
fn whole_request_is_rejected_when_one_invoice_is_invalid() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let good = invoice("inv-1", "2025-01-01", vec![line(&f)]);
    let mut bad = invoice(
        "inv-2",
        "2025-02-01",
        vec![sub_line("sub-1", &f.plan, "2025-02-01", "2025-03-01", 1000)],
    );
    bad["currency"] = json!("ZZZ");
    let r = c.post(
        &format!("/import/customers/{}/invoices", f.customer),
        json!({"invoices": [good, bad]}),
    );
    assert_eq!(r.status, 422);
    let v = r.json();
    assert_eq!(v["invoices"][0]["external_id"], "inv-1");
    assert_eq!(v["invoices"][0]["errors"], json!({}));
    assert!(v["invoices"][1]["errors"]["currency"].is_string());
    assert!(v["errors"]["currency"].is_string());
    assert_eq!(
        stored_invoices(&sim),
        0,
        "nothing of a rejected request is stored"
    );
}

#[test]
fn invoice_currency_must_be_iso_4217() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    for bad in ["ZZZ", "usd", "XAU", "EURO"] {
        let mut inv = invoice("inv-1", "2025-01-01", vec![line(&f)]);
        inv["currency"] = json!(bad);
        let errors = rejected_invoice(&mut c, &f, inv);
        assert_eq!(
            errors["currency"], "is not a valid ISO 4217 currency code",
            "{bad}"
        );
    }
}

#[test]
fn invoice_external_id_date_and_currency_are_required() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let errors = rejected_invoice(&mut c, &f, json!({"line_items": [line(&f)]}));
    for field in ["external_id", "date", "currency"] {
        assert_eq!(errors[field], "can't be blank", "{field}");
    }
}

#[test]
fn invoice_date_must_be_a_timestamp() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    for bad in ["yesterday", "2025-13-01", "01/02/2025", "2025-02-30"] {
        let errors = rejected_invoice(&mut c, &f, invoice("inv-1", bad, vec![line(&f)]));
        assert!(errors["date"].is_string(), "{bad}");
    }
}

#[test]
fn every_reference_timestamp_form_is_accepted() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let forms = [
        "2022-11-10 00:00:00",
        "2022-11-10T00:00:00Z",
        "2016-01-01 12:00:00 UTC",
        "2019-09-03T07:22:39+06:00",
        "2022-11-10",
    ];
    for (i, date) in forms.iter().enumerate() {
        import(
            &mut c,
            &f.customer,
            vec![invoice(
                &format!("inv-{i}"),
                date,
                vec![json!({"type": "one_time", "amount_in_cents": 100})],
            )],
        );
    }
    let v = c.get("/invoices?external_id=inv-3").json();
    assert_eq!(v["invoices"][0]["date"], "2019-09-03T01:22:39.000Z");
}

#[test]
fn invoice_needs_at_least_one_line_item() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let errors = rejected_invoice(&mut c, &f, invoice("inv-1", "2025-01-01", vec![]));
    assert!(errors["line_items"].is_string());
    let errors = rejected_invoice(
        &mut c,
        &f,
        json!({"external_id": "inv-1", "date": "2025-01-01", "currency": "USD"}),
    );
    assert!(errors["line_items"].is_string());
}

#[test]
fn subscription_line_needs_a_plan_uuid() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let errors = rejected_invoice(&mut c, &f, invoice_without_line_field(&f, "plan_uuid"));
    assert_eq!(errors["line_items.plan_uuid"], "can't be blank");
}

#[test]
fn subscription_line_plan_must_exist() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let errors = rejected_invoice(
        &mut c,
        &f,
        invoice_with_line_field(
            &f,
            "plan_uuid",
            json!("pl_00000000-0000-4000-8000-000000000000"),
        ),
    );
    assert_eq!(errors["line_items.plan_uuid"], "Plan not found");
}

#[test]
fn subscription_line_plan_must_be_in_the_same_data_source() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let other = data_source(&mut c, "Other");
    let foreign = plan(&mut c, &other, "monthly", 1, "month");
    let errors = rejected_invoice(
        &mut c,
        &f,
        invoice_with_line_field(&f, "plan_uuid", json!(foreign)),
    );
    assert!(
        errors["line_items.plan_uuid"]
            .as_str()
            .unwrap()
            .contains("another data source")
    );
}

#[test]
fn subscription_line_needs_a_subscription_external_id() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let errors = rejected_invoice(
        &mut c,
        &f,
        invoice_without_line_field(&f, "subscription_external_id"),
    );
    assert_eq!(
        errors["line_items.subscription_external_id"],
        "can't be blank"
    );
}

#[test]
fn subscription_line_needs_both_service_period_bounds() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    for field in ["service_period_start", "service_period_end"] {
        let errors = rejected_invoice(&mut c, &f, invoice_without_line_field(&f, field));
        assert_eq!(errors[format!("line_items.{field}")], "can't be blank");
    }
}

#[test]
fn service_period_end_must_be_after_start() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    for end in ["2025-01-01", "2024-12-01"] {
        let errors = rejected_invoice(
            &mut c,
            &f,
            invoice_with_line_field(&f, "service_period_end", json!(end)),
        );
        assert_eq!(
            errors["line_items.service_period_end"],
            "must be after service_period_start"
        );
    }
}

#[test]
fn trial_line_follows_the_subscription_rules() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let errors = rejected_invoice(
        &mut c,
        &f,
        invoice(
            "inv-1",
            "2025-01-01",
            vec![json!({"type": "trial", "amount_in_cents": 0})],
        ),
    );
    for field in [
        "plan_uuid",
        "subscription_external_id",
        "service_period_start",
        "service_period_end",
    ] {
        assert!(errors[format!("line_items.{field}")].is_string(), "{field}");
    }
}

#[test]
fn line_amount_must_not_be_negative() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let errors = rejected_invoice(
        &mut c,
        &f,
        invoice_with_line_field(&f, "amount_in_cents", json!(-1)),
    );
    assert!(errors["line_items.amount_in_cents"].is_string());
}

#[test]
fn cents_fields_must_be_integers() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    for field in [
        "amount_in_cents",
        "tax_amount_in_cents",
        "discount_amount_in_cents",
        "transaction_fees_in_cents",
    ] {
        for bad in [json!(1.5), json!("100"), json!(100.0)] {
            let errors =
                rejected_invoice(&mut c, &f, invoice_with_line_field(&f, field, bad.clone()));
            assert_eq!(
                errors[format!("line_items.{field}")],
                "must be an integer",
                "{field} = {bad}"
            );
        }
    }
}

#[test]
fn line_amount_is_required() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let errors = rejected_invoice(
        &mut c,
        &f,
        invoice_without_line_field(&f, "amount_in_cents"),
    );
    assert_eq!(errors["line_items.amount_in_cents"], "can't be blank");
}

#[test]
fn quantity_must_not_be_zero() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let errors = rejected_invoice(
        &mut c,
        &f,
        invoice_with_line_field(&f, "quantity", json!(0)),
    );
    assert_eq!(errors["line_items.quantity"], "must not be zero");
}

#[test]
fn line_type_is_subscription_one_time_or_trial() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let errors = rejected_invoice(
        &mut c,
        &f,
        invoice_with_line_field(&f, "type", json!("recurring")),
    );
    assert!(errors["line_items.type"].is_string());
}

#[test]
fn inline_cancelled_at_must_be_in_the_past() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let errors = rejected_invoice(
        &mut c,
        &f,
        invoice_with_line_field(&f, "cancelled_at", json!("2026-06-01T00:00:00Z")),
    );
    assert_eq!(errors["line_items.cancelled_at"], "must be in the past");
}

#[test]
fn subscription_external_id_cannot_move_to_another_customer() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    import(
        &mut c,
        &f.customer,
        vec![invoice("inv-1", "2025-01-01", vec![line(&f)])],
    );
    let other = customer(&mut c, &f.ds, "whmcs-client-2");
    let r = c.post(
        &format!("/import/customers/{other}/invoices"),
        json!({"invoices": [invoice("inv-2", "2025-02-01", vec![sub_line("sub-1", &f.plan, "2025-02-01", "2025-03-01", 1000)])]}),
    );
    assert_eq!(r.status, 422);
    assert!(r.json()["errors"]["line_items.subscription_external_id"].is_string());
}

#[test]
fn transaction_type_must_be_payment_or_refund() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let mut inv = invoice("inv-1", "2025-01-01", vec![line(&f)]);
    inv["transactions"] =
        json!([{"type": "chargeback", "date": "2025-01-02", "result": "successful"}]);
    let errors = rejected_invoice(&mut c, &f, inv);
    assert!(errors["transactions.type"].is_string());
}

#[test]
fn transaction_result_must_be_successful_or_failed() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let mut inv = invoice("inv-1", "2025-01-01", vec![line(&f)]);
    inv["transactions"] = json!([{"type": "payment", "date": "2025-01-02", "result": "pending"}]);
    let errors = rejected_invoice(&mut c, &f, inv);
    assert!(errors["transactions.result"].is_string());
}

#[test]
fn transaction_date_is_required() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let mut inv = invoice("inv-1", "2025-01-01", vec![line(&f)]);
    inv["transactions"] = json!([{"type": "payment", "result": "successful"}]);
    let errors = rejected_invoice(&mut c, &f, inv);
    assert_eq!(errors["transactions.date"], "can't be blank");
}

#[test]
fn refund_amount_must_be_positive() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let mut inv = invoice("inv-1", "2025-01-01", vec![line(&f)]);
    inv["transactions"] = json!([
        {"type": "payment", "date": "2025-01-02", "result": "successful"},
        {"type": "refund", "date": "2025-01-03", "result": "successful", "amount_in_cents": -500},
    ]);
    let errors = rejected_invoice(&mut c, &f, inv);
    assert!(errors["transactions.amount_in_cents"].is_string());
}

#[test]
fn refund_above_paid_is_rejected() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let mut inv = invoice("inv-1", "2025-01-01", vec![line(&f)]);
    inv["transactions"] = json!([
        {"type": "payment", "date": "2025-01-02", "result": "successful", "amount_in_cents": 600},
        {"type": "payment", "date": "2025-01-02", "result": "failed", "amount_in_cents": 400},
        {"type": "refund", "date": "2025-01-03", "result": "successful", "amount_in_cents": 700},
    ]);
    let errors = rejected_invoice(&mut c, &f, inv);
    assert_eq!(
        errors["transactions.amount_in_cents"],
        "Refund exceeds the amount paid on this invoice"
    );

    // Through the standalone endpoint, earlier refunds count too.
    let mut inv = invoice("inv-2", "2025-01-01", vec![line(&f)]);
    inv["transactions"] =
        json!([{"type": "payment", "date": "2025-01-02", "result": "successful"}]);
    let v = import(&mut c, &f.customer, vec![inv]);
    let path = format!(
        "/import/invoices/{}/transactions",
        v["invoices"][0]["uuid"].as_str().unwrap()
    );
    c.post_ok(
        &path,
        json!({"type": "refund", "date": "2025-01-05", "result": "successful", "amount_in_cents": 800}),
        201,
    );
    let r = c.post(
        &path,
        json!({"type": "refund", "date": "2025-01-06", "result": "successful", "amount_in_cents": 201}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json(),
        json!({"errors": {"amount_in_cents": "Refund exceeds the amount paid on this invoice"}})
    );
    c.post_ok(
        &path,
        json!({"type": "refund", "date": "2025-01-06", "result": "successful", "amount_in_cents": 200}),
        201,
    );
}

#[test]
fn payments_never_exceed_the_invoice_total() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let mut inv = invoice("inv-1", "2025-01-01", vec![line(&f)]);
    inv["transactions"] = json!([
        {"type": "payment", "date": "2025-01-02", "result": "successful", "amount_in_cents": 600},
        {"type": "payment", "date": "2025-01-03", "result": "successful", "amount_in_cents": 401},
    ]);
    let errors = rejected_invoice(&mut c, &f, inv);
    assert!(errors["transactions.amount_in_cents"].is_string());
}

#[test]
fn standalone_transaction_missing_fields_are_bad_requests() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let v = import(
        &mut c,
        &f.customer,
        vec![invoice("inv-1", "2025-01-01", vec![line(&f)])],
    );
    let path = format!(
        "/import/invoices/{}/transactions",
        v["invoices"][0]["uuid"].as_str().unwrap()
    );
    let r = c.post(&path, json!({"date": "2025-01-02", "result": "successful"}));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["param"], "type");
}

#[test]
fn invoices_envelope_must_be_an_array() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let path = format!("/import/customers/{}/invoices", f.customer);
    let r = c.post(&path, json!({}));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["param"], "invoices");
    let r = c.post(&path, json!({"invoices": {"external_id": "x"}}));
    assert_eq!(r.status, 400);
}

// ----- subscriptions

#[test]
fn cancellation_dates_must_be_past_timestamps() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    import(
        &mut c,
        &f.customer,
        vec![invoice("inv-1", "2025-01-01", vec![line(&f)])],
    );
    let subs = c
        .get(&format!("/import/customers/{}/subscriptions", f.customer))
        .json();
    let path = format!(
        "/import/subscriptions/{}",
        subs["subscriptions"][0]["uuid"].as_str().unwrap()
    );
    let r = c.patch(&path, json!({"cancelled_at": "2026-02-01T00:00:00Z"}));
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json(),
        json!({"errors": {"cancelled_at": "must be in the past"}})
    );
    let r = c.patch(&path, json!({"cancellation_dates": ["not a date"]}));
    assert_eq!(r.status, 422);
    let r = c.patch(&path, json!({}));
    assert_eq!(r.status, 400);
}
