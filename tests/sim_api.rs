//! The simulator's API surface: auth, resources, pagination, merges, cancellations, invoice
//! status, error shapes and the `/__sim/` test endpoints.

mod sim_support;

use serde_json::{Value, json};
use sim_support::*;

#[test]
fn ping_with_a_key_answers_pong() {
    let sim = start();
    let r = Client::new(&sim).get("/ping");
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"data": "pong!"}));
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
}

#[test]
fn missing_or_bad_credentials_are_401() {
    let sim = start_with(|o| o.api_keys = vec!["secret-key".into(), "token:secret".into()]);
    let expected = json!({"code": 401, "message": "No valid API key provided", "param": null});
    for creds in [
        None,
        Some("wrong-key:"),
        Some(":secret-key"),
        Some("token:other"),
    ] {
        let r = Client::with_key(&sim, creds).get("/ping");
        assert_eq!(r.status, 401, "{creds:?}");
        assert_eq!(r.json(), expected);
    }
    for creds in ["secret-key:", "secret-key:secret-key", "token:secret"] {
        let r = Client::with_key(&sim, Some(creds)).get("/ping");
        assert_eq!(r.status, 200, "{creds}");
    }
}

#[test]
fn any_non_empty_key_is_accepted_when_none_is_configured() {
    let sim = start();
    assert_eq!(
        Client::with_key(&sim, Some("whatever:"))
            .get("/ping")
            .status,
        200
    );
    assert_eq!(Client::with_key(&sim, Some(":")).get("/ping").status, 401);
    assert_eq!(Client::with_key(&sim, None).get("/ping").status, 401);
}

#[test]
fn account_reports_usd_utc_monday() {
    let sim = start();
    let v = Client::new(&sim).get("/account").json();
    assert_eq!(v["currency"], "USD");
    assert_eq!(v["time_zone"], "UTC");
    assert_eq!(v["week_start_on"], "monday");
    assert!(v["name"].is_string());
}

#[test]
fn a_real_http_client_works_over_keep_alive() {
    let sim = start();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let auth = "Basic dGVzdC1rZXk6"; // "test-key:"
    for _ in 0..3 {
        let mut r = agent
            .get(format!("{}/ping", sim.base_url()))
            .header("Authorization", auth)
            .call()
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.body_mut().read_json().unwrap();
        assert_eq!(body["data"], "pong!");
    }
    let mut r = agent
        .post(format!("{}/data_sources", sim.base_url()))
        .header("Authorization", auth)
        .send_json(json!({"name": "WHMCS"}))
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: Value = r.body_mut().read_json().unwrap();
    assert!(body["uuid"].as_str().unwrap().starts_with("ds_"));
    assert_eq!(
        sim.state_json()["counters"]["requests"],
        4,
        "all requests counted"
    );
}

#[test]
fn data_source_lifecycle() {
    let sim = start();
    let mut c = Client::new(&sim);
    let v = c.post_ok("/data_sources", json!({"name": "WHMCS"}), 201);
    let uuid = v["uuid"].as_str().unwrap().to_string();
    assert_eq!(v["system"], "Custom");
    assert_eq!(v["status"], "idle");
    assert_eq!(v["created_at"], "2026-01-15T12:00:00.000Z");
    data_source(&mut c, "Other");
    let list = c.get("/data_sources?name=WHMCS").json();
    assert_eq!(list["data_sources"].as_array().unwrap().len(), 1);
    assert_eq!(
        c.get(&format!("/data_sources/{uuid}")).json()["name"],
        "WHMCS"
    );
    // Deleting a source deletes what was imported into it.
    customer(&mut c, &uuid, "c1");
    assert_eq!(c.delete(&format!("/data_sources/{uuid}")).status, 204);
    let r = c.get(&format!("/data_sources/{uuid}"));
    assert_eq!(r.status, 404);
    assert_eq!(r.json(), json!({"error": "Data source not found"}));
    assert_eq!(sim.state_json()["customers"], json!([]));
}

#[test]
fn customer_lifecycle_with_attributes() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let v = c.post_ok(
        "/customers",
        json!({
            "data_source_uuid": ds, "external_id": "whmcs-client-42", "name": "Acme", "email": "a@acme.test",
            "country": "DE", "city": "Berlin", "zip": "10115", "lead_created_at": "2024-05-01",
            "attributes": {"tags": ["vip", "hosting"], "custom": [{"type": "Integer", "key": "services", "value": 3, "source": "integration"}]}
        }),
        201,
    );
    let uuid = v["uuid"].as_str().unwrap().to_string();
    assert!(uuid.starts_with("cus_"));
    assert_eq!(v["external_id"], "whmcs-client-42");
    assert_eq!(v["data_source_uuid"], ds);
    assert_eq!(v["external_ids"], json!(["whmcs-client-42"]));
    assert_eq!(v["data_source_uuids"], json!([ds]));
    assert_eq!(v["mrr"], 0);
    assert_eq!(v["arr"], 0);
    assert_eq!(v["currency"], "USD");
    assert_eq!(v["status"], "New Lead");
    assert_eq!(v["address"]["address_zip"], "10115");
    assert_eq!(v["attributes"]["tags"], json!(["vip", "hosting"]));
    assert_eq!(v["attributes"]["custom"]["services"], 3);
    assert_eq!(v["lead_created_at"], "2024-05-01T00:00:00.000Z");

    let r = c.patch(
        &format!("/customers/{uuid}"),
        json!({"name": "Acme GmbH", "attributes": {"tags": ["vip"]}}),
    );
    assert_eq!(r.status, 200);
    let got = c.get(&format!("/customers/{uuid}")).json();
    assert_eq!(got["name"], "Acme GmbH");
    assert_eq!(got["email"], "a@acme.test", "fields not sent stay");
    assert_eq!(got["attributes"]["tags"], json!(["vip"]));
    let attrs = c.get(&format!("/customers/{uuid}/attributes")).json();
    assert_eq!(attrs["attributes"]["custom"]["services"], 3);

    let found = c.get("/customers/search?email=a@acme.test").json();
    assert_eq!(found["entries"][0]["uuid"], uuid);
    let r = c.get("/customers/search?email=nobody@acme.test");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["param"], "email");

    assert_eq!(c.delete(&format!("/customers/{uuid}")).status, 204);
    let r = c.get(&format!("/customers/{uuid}"));
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"code": 404, "message": "Customer not found", "param": null})
    );
}

#[test]
fn list_by_external_id_spans_sources_unless_filtered() {
    let sim = start();
    let mut c = Client::new(&sim);
    let a = data_source(&mut c, "A");
    let b = data_source(&mut c, "B");
    customer(&mut c, &a, "same");
    customer(&mut c, &b, "same");
    let all = c.get("/customers?external_id=same").json();
    assert_eq!(all["entries"].as_array().unwrap().len(), 2);
    let one = c
        .get(&format!("/customers?external_id=same&data_source_uuid={b}"))
        .json();
    assert_eq!(one["entries"].as_array().unwrap().len(), 1);
    assert_eq!(one["entries"][0]["data_source_uuid"], b);
    assert_eq!(one["has_more"], false);
}

#[test]
fn cursor_pagination_walks_every_customer_once() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    for i in 0..23 {
        customer(&mut c, &ds, &format!("c{i:02}"));
    }
    let mut seen = Vec::new();
    let mut path = format!("/customers?data_source_uuid={ds}&per_page=5");
    let mut pages = 0;
    loop {
        let v = c.get(&path).json();
        pages += 1;
        for e in v["entries"].as_array().unwrap() {
            seen.push(e["external_id"].as_str().unwrap().to_string());
        }
        if v["has_more"] == false {
            assert!(v["cursor"].is_null());
            break;
        }
        path = format!(
            "/customers?data_source_uuid={ds}&per_page=5&cursor={}",
            v["cursor"].as_str().unwrap()
        );
    }
    assert_eq!(pages, 5);
    let expected: Vec<String> = (0..23).map(|i| format!("c{i:02}")).collect();
    assert_eq!(seen, expected);
}

#[test]
fn per_page_above_200_is_rejected() {
    let sim = start();
    let mut c = Client::new(&sim);
    for path in [
        "/customers?per_page=201",
        "/plans?per_page=0",
        "/invoices?per_page=abc",
    ] {
        let r = c.get(path);
        assert_eq!(r.status, 400, "{path}");
        assert_eq!(r.json()["param"], "per_page");
    }
    assert_eq!(c.get("/customers?per_page=200").status, 200);
}

#[test]
fn page_parameter_is_deprecated() {
    let sim = start();
    let r = Client::new(&sim).get("/customers?page=2");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"code": 400, "message": "Parameter \"page\" is deprecated", "param": "page"})
    );
}

#[test]
fn malformed_cursor_is_rejected() {
    let sim = start();
    let r = Client::new(&sim).get("/customers?cursor=%%%");
    assert_eq!(r.status, 400);
    let r = Client::new(&sim).get("/customers?cursor=bm90LWEtY3Vyc29y");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["param"], "cursor");
}

#[test]
fn plans_lifecycle() {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let uuid = plan(&mut c, &ds, "whmcs-product-7-quarterly", 3, "month");
    assert!(uuid.starts_with("pl_"));
    let list = c
        .get(&format!(
            "/plans?data_source_uuid={ds}&external_id=whmcs-product-7-quarterly"
        ))
        .json();
    assert_eq!(list["plans"][0]["uuid"], uuid);
    assert_eq!(list["plans"][0]["interval_count"], 3);
    let r = c.patch(
        &format!("/plans/{uuid}"),
        json!({"name": "VPS S (Quarterly)"}),
    );
    assert_eq!(r.status, 202);
    assert_eq!(r.json()["name"], "VPS S (Quarterly)");
    assert_eq!(
        c.get(&format!("/plans/{uuid}")).json()["name"],
        "VPS S (Quarterly)"
    );
    assert_eq!(c.delete(&format!("/plans/{uuid}")).status, 204);
    assert_eq!(c.get(&format!("/plans/{uuid}")).status, 404);
}

#[test]
fn plan_in_use_cannot_be_deleted() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    import(
        &mut c,
        &f.customer,
        vec![invoice(
            "inv-1",
            "2025-01-01",
            vec![sub_line("s", &f.plan, "2025-01-01", "2025-02-01", 100)],
        )],
    );
    assert_eq!(c.delete(&format!("/plans/{}", f.plan)).status, 422);
}

#[test]
fn invoice_import_list_get_delete() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let mut inv = invoice(
        "whmcs-invoice-1001",
        "2026-01-05",
        vec![
            json!({"type": "subscription", "subscription_external_id": "whmcs-service-900", "plan_uuid": f.plan,
                   "service_period_start": "2026-01-10", "service_period_end": "2026-04-10", "amount_in_cents": 2970,
                   "tax_amount_in_cents": 270, "discount_amount_in_cents": 300, "discount_code": "SAVE3", "external_id": "whmcs-item-1"}),
            json!({"type": "one_time", "amount_in_cents": 500, "description": "Setup", "external_id": "whmcs-item-2"}),
        ],
    );
    inv["transactions"] = json!([
        {"type": "payment", "date": "2026-01-06", "result": "successful", "amount_in_cents": 2470, "transaction_fees_in_cents": 82, "external_id": "whmcs-txn-777"},
        {"type": "payment", "date": "2026-01-06", "result": "successful", "amount_in_cents": 1000, "external_id": "whmcs-credit-1001"},
    ]);
    let v = import(&mut c, &f.customer, vec![inv]);
    let created = &v["invoices"][0];
    let uuid = created["uuid"].as_str().unwrap().to_string();
    assert!(uuid.starts_with("inv_"));
    assert_eq!(created["errors"], json!({}));
    assert_eq!(created["status"], "paid");
    assert!(
        created["line_items"][0]["subscription_uuid"]
            .as_str()
            .unwrap()
            .starts_with("sub_")
    );
    assert_eq!(created["line_items"][1]["subscription_uuid"], Value::Null);
    assert_eq!(created["transactions"][0]["amount_in_cents"], 2470);

    let by_ext = c
        .get(&format!(
            "/invoices?data_source_uuid={}&external_id=whmcs-invoice-1001",
            f.ds
        ))
        .json();
    assert_eq!(by_ext["invoices"][0]["uuid"], uuid);
    let of_customer = c
        .get(&format!("/import/customers/{}/invoices", f.customer))
        .json();
    assert_eq!(of_customer["customer_uuid"], f.customer);
    assert_eq!(of_customer["invoices"].as_array().unwrap().len(), 1);
    assert_eq!(
        c.get(&format!("/invoices/{uuid}")).json()["currency"],
        "USD"
    );

    assert_eq!(c.delete(&format!("/invoices/{uuid}")).status, 204);
    let r = c.get(&format!("/invoices/{uuid}"));
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"], "Invoice not found");
    // Its external ids are free again: delete + re-import is how edits are sent.
    let v = import(
        &mut c,
        &f.customer,
        vec![invoice(
            "whmcs-invoice-1001",
            "2026-01-05",
            vec![
                json!({"type": "one_time", "amount_in_cents": 500, "external_id": "whmcs-item-2"}),
            ],
        )],
    );
    assert_eq!(v["invoices"][0]["status"], "open");
}

#[test]
fn importing_for_an_unknown_customer_is_invoice_not_found() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let r = c.post(
        "/import/customers/whmcs-client-1/invoices",
        json!({"invoices": [invoice("i", "2025-01-01", vec![sub_line("s", &f.plan, "2025-01-01", "2025-02-01", 1)])]}),
    );
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"error": "Invoice not found", "error_details": [{"param": "invoice", "code": "invalid", "message": "Invoice not found"}]})
    );
}

#[test]
fn invoice_status_can_be_voided_or_written_off() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    import(
        &mut c,
        &f.customer,
        vec![
            invoice(
                "inv-a",
                "2025-01-01",
                vec![json!({"type": "one_time", "amount_in_cents": 100})],
            ),
            invoice(
                "inv-b",
                "2025-01-01",
                vec![json!({"type": "one_time", "amount_in_cents": 100})],
            ),
        ],
    );
    for (ext, status) in [("inv-a", "voided"), ("inv-b", "written_off")] {
        let r = c.put(
            &format!("/data_sources/{}/invoices/{ext}/status", f.ds),
            json!({"status": status}),
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.json(), json!({"message": "Invoice updated"}));
        let v = c.get(&format!("/invoices?external_id={ext}")).json();
        assert_eq!(v["invoices"][0]["status"], status);
    }
    let r = c.put(
        &format!("/data_sources/{}/invoices/inv-a/status", f.ds),
        json!({"status": "paid"}),
    );
    assert_eq!(r.status, 422);
    let r = c.put(
        &format!("/data_sources/{}/invoices/nope/status", f.ds),
        json!({"status": "voided"}),
    );
    assert_eq!(r.status, 404);
}

#[test]
fn merge_moves_invoices_and_keeps_external_ids() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let other = customer(&mut c, &f.ds, "whmcs-client-2");
    import(
        &mut c,
        &other,
        vec![invoice(
            "inv-2",
            "2025-01-01",
            vec![sub_line("s2", &f.plan, "2025-01-01", "2025-02-01", 1000)],
        )],
    );
    let r = c.post(
        "/customers/merges",
        json!({"from": {"customer_uuid": other}, "into": {"data_source_uuid": f.ds, "external_id": "whmcs-client-1"}}),
    );
    assert_eq!(r.status, 202);
    assert_eq!(r.json(), json!({}));
    assert_eq!(c.get(&format!("/customers/{other}")).status, 404);
    let into = c.get(&format!("/customers/{}", f.customer)).json();
    assert_eq!(
        into["external_ids"],
        json!(["whmcs-client-1", "whmcs-client-2"])
    );
    assert_eq!(into["mrr"], 1000);
    let invs = c
        .get(&format!("/import/customers/{}/invoices", f.customer))
        .json();
    assert_eq!(invs["invoices"][0]["external_id"], "inv-2");
    // The absorbed external id still finds the merged customer and stays taken.
    let found = c
        .get(&format!(
            "/customers?data_source_uuid={}&external_id=whmcs-client-2",
            f.ds
        ))
        .json();
    assert_eq!(found["entries"][0]["uuid"], f.customer);
    let r = c.post(
        "/customers",
        json!({"data_source_uuid": f.ds, "external_id": "whmcs-client-2"}),
    );
    assert_eq!(r.status, 422);
    // Invoices for the absorbed identity go through the merged customer.
    let mut inv = invoice(
        "inv-3",
        "2025-02-01",
        vec![sub_line("s2", &f.plan, "2025-02-01", "2025-03-01", 1000)],
    );
    inv["customer_external_id"] = json!("whmcs-client-2");
    let v = import(&mut c, &f.customer, vec![inv]);
    assert_eq!(v["invoices"][0]["customer_external_id"], "whmcs-client-2");
    let r = c.post(
        "/customers/merges",
        json!({"from": {"customer_uuid": "cus_nope"}, "into": {"customer_uuid": f.customer}}),
    );
    assert_eq!(r.status, 404);
}

fn first_subscription(c: &mut Client, customer: &str) -> String {
    let v = c
        .get(&format!("/import/customers/{customer}/subscriptions"))
        .json();
    v["subscriptions"][0]["uuid"].as_str().unwrap().to_string()
}

#[test]
fn cancellation_append_replace_and_clear() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    import(
        &mut c,
        &f.customer,
        vec![invoice(
            "inv-1",
            "2025-01-01",
            vec![sub_line(
                "whmcs-service-900",
                &f.plan,
                "2025-01-01",
                "2025-02-01",
                1000,
            )],
        )],
    );
    let list = c
        .get(&format!("/import/customers/{}/subscriptions", f.customer))
        .json();
    assert_eq!(list["customer_uuid"], f.customer);
    assert_eq!(list["subscriptions"][0]["external_id"], "whmcs-service-900");
    assert_eq!(list["subscriptions"][0]["plan_uuid"], f.plan);
    assert_eq!(list["subscriptions"][0]["data_source_uuid"], f.ds);
    assert_eq!(list["subscriptions"][0]["cancellation_dates"], json!([]));
    let path = format!(
        "/import/subscriptions/{}",
        first_subscription(&mut c, &f.customer)
    );

    let r = c.patch(&path, json!({"cancelled_at": "2025-03-01T00:00:00Z"}));
    assert_eq!(r.status, 202);
    assert_eq!(
        r.json()["cancellation_dates"],
        json!(["2025-03-01T00:00:00.000Z"])
    );
    let r = c.patch(&path, json!({"cancelled_at": "2025-01-20"}));
    assert_eq!(
        r.json()["cancellation_dates"],
        json!(["2025-01-20T00:00:00.000Z", "2025-03-01T00:00:00.000Z"])
    );
    let r = c.patch(&path, json!({"cancellation_dates": ["2025-04-01"]}));
    assert_eq!(r.status, 202);
    assert_eq!(
        r.json()["cancellation_dates"],
        json!(["2025-04-01T00:00:00.000Z"])
    );
    let r = c.patch(&path, json!({"cancellation_dates": []}));
    assert_eq!(r.json()["cancellation_dates"], json!([]));
    let state = sim.state_json();
    assert_eq!(state["subscriptions"][0]["cancellation_dates"], json!([]));
    assert_eq!(
        c.patch(
            "/import/subscriptions/sub_nope",
            json!({"cancelled_at": "2025-01-01"})
        )
        .status,
        404
    );
}

#[test]
fn metrics_view_of_customer_subscriptions() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    import(
        &mut c,
        &f.customer,
        vec![invoice(
            "inv-1",
            "2025-12-20",
            vec![sub_line("s", &f.plan, "2025-12-20", "2026-01-20", 1999)],
        )],
    );
    let v = c
        .get(&format!("/customers/{}/subscriptions", f.customer))
        .json();
    let e = &v["entries"][0];
    assert_eq!(e["external_id"], "s");
    assert_eq!(e["mrr"], 1999);
    assert_eq!(e["arr"], 1999 * 12);
    assert_eq!(e["status"], "active");
    assert_eq!(e["billing-cycle"], "month");
    assert_eq!(e["billing-cycle-count"], 1);
    assert_eq!(e["plan"], "Plan monthly");
    let cus = c.get(&format!("/customers/{}", f.customer)).json();
    assert_eq!(cus["status"], "Active");
    assert_eq!(cus["customer-since"], "2025-12-20T00:00:00.000Z");
}

#[test]
fn unknown_routes_and_methods() {
    let sim = start();
    let mut c = Client::new(&sim);
    let r = c.get("/nothing/here");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["code"], 404);
    assert_eq!(c.request("PUT", "/ping", None).status, 405);
    let r = c.get("/plans/pl_missing");
    assert_eq!(
        r.json(),
        json!({"code": 404, "message": "Plan not found", "param": null})
    );
    assert_eq!(c.get("/customers/cus_missing/subscriptions").status, 404);
    assert_eq!(
        c.get("/import/customers/cus_missing/subscriptions").status,
        404
    );
    let r = Client::new(&sim).request("GET", "/../v2/ping", None);
    assert_eq!(r.status, 404);
    assert_eq!(c.get("foo/ping").status, 404, "/v1foo/ping is not /v1/ping");
}

#[test]
fn sim_state_reset_and_mrr_endpoints() {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    import(
        &mut c,
        &f.customer,
        vec![invoice(
            "inv-1",
            "2025-01-01",
            vec![sub_line("s", &f.plan, "2025-01-01", "2025-02-01", 1000)],
        )],
    );
    let mut anon = Client::with_key(&sim, None);
    let state = anon.get("/__sim/state").json();
    assert_eq!(state["customers"][0]["external_id"], "whmcs-client-1");
    assert_eq!(
        state["invoices"][0]["line_items"][0]["amount_in_cents"],
        1000
    );
    assert_eq!(state["subscriptions"][0]["external_id"], "s");
    assert_eq!(state["counters"]["writes"], 4);
    assert_eq!(state["counters"]["by_route"]["POST /customers"], 1);
    assert_eq!(state["now"], "2026-01-15T12:00:00.000Z");

    let m = anon.get("/__sim/mrr?date=2025-01-15").json();
    assert_eq!(
        m["data_sources"][&f.ds]["customers"]["whmcs-client-1"]["USD"],
        1000
    );
    assert_eq!(m["data_sources"][&f.ds]["totals"]["USD"], 1000);
    assert_eq!(anon.get("/__sim/mrr?date=yesterday").status, 400);
    let now = anon.get("/__sim/mrr").json();
    assert_eq!(now["at"], "2026-01-15T12:00:00.000Z");

    assert_eq!(anon.request("POST", "/__sim/reset", None).status, 200);
    let state = sim.state_json();
    assert_eq!(state["customers"], json!([]));
    assert_eq!(state["counters"]["requests"], 0);
    // Uuids never repeat across a reset.
    let ds = data_source(&mut c, "WHMCS");
    assert_ne!(ds, f.ds);
}
