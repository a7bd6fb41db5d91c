//! MRR as ChartMogul derives it (reference §8), exactly to the cent.

mod sim_support;

use serde_json::{Value, json};
use sim_support::*;
use whmcs_chartmogul::sim::SimHandle;
use whmcs_chartmogul::sim::fx::FxRates;

/// One customer with one subscription line on a fresh plan; returns the customer's MRR in
/// cents (USD) at `date` from `/__sim/mrr`, cross-checked against the API's customer view when
/// `date` is today.
fn line_mrr(count: u32, unit: &str, line: Value, date: &str) -> i64 {
    let sim = start();
    let mut c = Client::new(&sim);
    let ds = data_source(&mut c, "WHMCS");
    let cus = customer(&mut c, &ds, "c");
    let pl = plan(&mut c, &ds, "p", count, unit);
    let mut line = line;
    line["plan_uuid"] = json!(pl);
    line["type"] = json!("subscription");
    line["subscription_external_id"] = json!("s");
    import(&mut c, &cus, vec![invoice("inv", "2025-01-01", vec![line])]);
    sim_mrr(&sim, date, &ds, "c")["USD"].as_i64().unwrap_or(0)
}

fn period(start: &str, end: &str, amount: i64) -> Value {
    json!({"service_period_start": start, "service_period_end": end, "amount_in_cents": amount})
}

#[test]
fn seven_day_plan_billed_over_31_days_gives_4348() {
    assert_eq!(
        line_mrr(
            7,
            "day",
            period("2025-01-01", "2025-02-01", 1000),
            "2025-01-10"
        ),
        4348
    );
}

#[test]
fn quarterly_9000_gives_3000() {
    assert_eq!(
        line_mrr(
            3,
            "month",
            period("2025-01-01", "2025-04-01", 9000),
            "2025-01-10"
        ),
        3000
    );
}

#[test]
fn yearly_plans_divide_by_twelve_times_count() {
    assert_eq!(
        line_mrr(
            1,
            "year",
            period("2025-01-01", "2026-01-01", 12_000),
            "2025-02-01"
        ),
        1000
    );
    assert_eq!(
        line_mrr(
            2,
            "year",
            period("2025-01-01", "2027-01-01", 24_000),
            "2025-02-01"
        ),
        1000
    );
}

#[test]
fn rounding_is_half_away_from_zero() {
    // 8 × 30.4375 = 243.5 → 244.
    assert_eq!(
        line_mrr(
            1,
            "day",
            period("2025-01-01", "2025-01-02", 8),
            "2025-01-01"
        ),
        244
    );
    // 1000 / 3 = 333.33 → 333; 2000 / 3 = 666.67 → 667.
    assert_eq!(
        line_mrr(
            3,
            "month",
            period("2025-01-01", "2025-04-01", 1000),
            "2025-01-02"
        ),
        333
    );
    assert_eq!(
        line_mrr(
            3,
            "month",
            period("2025-01-01", "2025-04-01", 2000),
            "2025-01-02"
        ),
        667
    );
}

#[test]
fn tax_is_removed() {
    let mut l = period("2025-01-01", "2025-02-01", 1190);
    l["tax_amount_in_cents"] = json!(190);
    assert_eq!(line_mrr(1, "month", l, "2025-01-10"), 1000);
    // The mapping's worked example: (2970 − 270) / 3 = 900.
    let mut l = period("2026-01-10", "2026-04-10", 2970);
    l["tax_amount_in_cents"] = json!(270);
    assert_eq!(line_mrr(3, "month", l, "2026-01-11"), 900);
}

#[test]
fn prorated_lines_scale_by_full_over_charged_period() {
    // Monthly plan charged for Jan 16 → Feb 1 (16 of the 31 days Jan 16 → Feb 16):
    // 516 × 31 / 16 = 999.75 → 1000.
    let mut l = period("2025-01-16", "2025-02-01", 516);
    l["prorated"] = json!(true);
    assert_eq!(line_mrr(1, "month", l, "2025-01-20"), 1000);
    // Without the flag the amount is taken as a full period.
    assert_eq!(
        line_mrr(
            1,
            "month",
            period("2025-01-16", "2025-02-01", 516),
            "2025-01-20"
        ),
        516
    );
}

#[test]
fn quantity_does_not_multiply() {
    let mut l = period("2025-01-01", "2025-02-01", 3000);
    l["quantity"] = json!(3);
    assert_eq!(line_mrr(1, "month", l, "2025-01-10"), 3000);
}

#[test]
fn mrr_starts_at_the_service_period_start() {
    assert_eq!(
        line_mrr(
            1,
            "month",
            period("2025-03-01", "2025-04-01", 1000),
            "2025-02-28"
        ),
        0
    );
    assert_eq!(
        line_mrr(
            1,
            "month",
            period("2025-03-01", "2025-04-01", 1000),
            "2025-03-01"
        ),
        1000
    );
}

struct Setup {
    sim: SimHandle,
    c: Client,
    f: Fixture,
}

fn setup() -> Setup {
    let sim = start();
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    Setup { sim, c, f }
}

impl Setup {
    fn mrr(&self, date: &str) -> i64 {
        sim_mrr(&self.sim, date, &self.f.ds, "whmcs-client-1")["USD"]
            .as_i64()
            .unwrap_or(0)
    }
    fn import(&mut self, invoices: Vec<Value>) {
        import(&mut self.c, &self.f.customer, invoices);
    }
    fn monthly(&self, sub: &str, start: &str, end: &str, amount: i64) -> Value {
        sub_line(sub, &self.f.plan, start, end, amount)
    }
}

#[test]
fn one_time_lines_are_excluded() {
    let mut s = setup();
    let l = s.monthly("s", "2025-01-01", "2025-02-01", 1000);
    s.import(vec![invoice(
        "inv",
        "2025-01-01",
        vec![
            l,
            json!({"type": "one_time", "amount_in_cents": 5000, "description": "Setup"}),
        ],
    )]);
    assert_eq!(s.mrr("2025-01-10"), 1000);
}

#[test]
fn live_until_cancelled_even_without_renewal() {
    let mut s = setup();
    let l = s.monthly("s", "2025-01-01", "2025-02-01", 1000);
    s.import(vec![invoice("inv", "2025-01-01", vec![l])]);
    assert_eq!(s.mrr("2025-12-31"), 1000);
    let cus = s.c.get(&format!("/customers/{}", s.f.customer)).json();
    assert_eq!(cus["status"], "Past Due");
    assert_eq!(cus["mrr"], 1000);
}

#[test]
fn cancellation_is_honoured_and_a_later_invoice_reactivates() {
    let mut s = setup();
    let l = s.monthly("s", "2025-01-01", "2025-02-01", 1000);
    s.import(vec![invoice("inv-1", "2025-01-01", vec![l])]);
    let sub =
        s.c.get(&format!("/import/customers/{}/subscriptions", s.f.customer))
            .json()["subscriptions"][0]["uuid"]
            .as_str()
            .unwrap()
            .to_string();
    s.c.patch(
        &format!("/import/subscriptions/{sub}"),
        json!({"cancelled_at": "2025-01-20T00:00:00Z"}),
    );
    assert_eq!(s.mrr("2025-01-19"), 1000);
    assert_eq!(s.mrr("2025-01-20"), 0);
    assert_eq!(s.mrr("2025-02-15"), 0);
    let cus = s.c.get(&format!("/customers/{}", s.f.customer)).json();
    assert_eq!(cus["status"], "Cancelled");

    let l = s.monthly("s", "2025-03-01", "2025-04-01", 1200);
    s.import(vec![invoice("inv-2", "2025-03-01", vec![l])]);
    assert_eq!(s.mrr("2025-02-28"), 0);
    assert_eq!(s.mrr("2025-03-05"), 1200, "a later invoice reactivates");
    assert_eq!(
        s.mrr("2025-01-10"),
        1000,
        "history before the churn is kept"
    );

    // Removing every cancellation un-churns February too.
    s.c.patch(
        &format!("/import/subscriptions/{sub}"),
        json!({"cancellation_dates": []}),
    );
    assert_eq!(s.mrr("2025-02-15"), 1000);
}

#[test]
fn inline_cancelled_at_cancels() {
    let mut s = setup();
    let mut l = s.monthly("s", "2025-01-01", "2025-02-01", 1000);
    l["cancelled_at"] = json!("2025-01-15 00:00:00");
    s.import(vec![invoice("inv", "2025-01-01", vec![l])]);
    assert_eq!(s.mrr("2025-01-14"), 1000);
    assert_eq!(s.mrr("2025-01-15"), 0);
    let subs =
        s.c.get(&format!("/import/customers/{}/subscriptions", s.f.customer))
            .json();
    assert_eq!(
        subs["subscriptions"][0]["cancellation_dates"],
        json!(["2025-01-15T00:00:00.000Z"])
    );
}

#[test]
fn latest_line_defines_the_subscription() {
    let mut s = setup();
    let yearly = plan(&mut s.c, &s.f.ds, "yearly", 1, "year");
    let a = s.monthly("s", "2025-01-01", "2025-02-01", 1000);
    let b = sub_line("s", &yearly, "2025-02-01", "2026-02-01", 24_000);
    s.import(vec![
        invoice("inv-1", "2025-01-01", vec![a]),
        invoice("inv-2", "2025-02-01", vec![b]),
    ]);
    assert_eq!(s.mrr("2025-01-31"), 1000);
    assert_eq!(s.mrr("2025-02-01"), 2000);
}

#[test]
fn subscriptions_add_up_per_customer() {
    let mut s = setup();
    let a = s.monthly("s1", "2025-01-01", "2025-02-01", 1000);
    let b = s.monthly("s2", "2025-01-01", "2025-02-01", 250);
    s.import(vec![invoice("inv", "2025-01-01", vec![a, b])]);
    assert_eq!(s.mrr("2025-01-10"), 1250);
}

#[test]
fn voided_invoices_do_not_count() {
    let mut s = setup();
    let a = s.monthly("s", "2025-01-01", "2025-02-01", 1000);
    s.import(vec![invoice("inv", "2025-01-01", vec![a])]);
    s.c.put(
        &format!("/data_sources/{}/invoices/inv/status", s.f.ds),
        json!({"status": "voided"}),
    );
    assert_eq!(s.mrr("2025-01-10"), 0);
}

#[test]
fn multiple_currencies_are_kept_apart() {
    let mut s = setup();
    let a = s.monthly("s-usd", "2025-01-01", "2025-02-01", 1000);
    let b = s.monthly("s-eur", "2025-01-01", "2025-02-01", 2000);
    let mut eur = invoice("inv-eur", "2025-01-01", vec![b]);
    eur["currency"] = json!("EUR");
    s.import(vec![invoice("inv-usd", "2025-01-01", vec![a]), eur]);
    let m = sim_mrr(&s.sim, "2025-01-10", &s.f.ds, "whmcs-client-1");
    assert_eq!(m, json!({"EUR": 2000, "USD": 1000}));
    let cus = s.c.get(&format!("/customers/{}", s.f.customer)).json();
    assert_eq!(cus["mrr_by_currency"], json!({"EUR": 2000, "USD": 1000}));
    let q = "/metrics/mrr?start-date=2025-01-01&end-date=2025-01-31";
    let eur = s.c.get(&format!("{q}&currency=EUR")).json();
    assert_eq!(eur["entries"][0]["mrr"], 2000);
    let usd = s.c.get(&format!("{q}&filters=currency~ANY~'USD'")).json();
    assert_eq!(usd["entries"][0]["mrr"], 1000);
}

#[test]
fn with_exchange_rates_metrics_are_in_the_account_currency() {
    let sim = start_with(|o| o.fx_rates = FxRates::parse("EUR=0.92000,GBP=0.79").unwrap());
    let mut c = Client::new(&sim);
    let f = fixture(&mut c);
    let mut s = Setup { sim, c, f };
    let a = s.monthly("s-usd", "2025-01-01", "2025-02-01", 1000);
    let b = s.monthly("s-eur", "2025-01-01", "2025-02-01", 2000);
    let mut eur = invoice("inv-eur", "2025-01-01", vec![b]);
    eur["currency"] = json!("EUR");
    s.import(vec![invoice("inv-usd", "2025-01-01", vec![a]), eur]);
    let q = "/metrics/mrr?start-date=2025-01-01&end-date=2025-01-31";
    // 1000 USD + 2000 EUR ÷ 0.92 (2173.91… → 2174) USD.
    let all = s.c.get(q).json();
    assert_eq!(all["currency"], "USD");
    assert_eq!(all["entries"][0]["mrr"], 1000 + 2174);
    assert_eq!(all["entries"][0]["mrr-new-business"], 1000 + 2174);
    // One currency asked for stays unconverted.
    assert_eq!(
        s.c.get(&format!("{q}&currency=EUR")).json()["entries"][0]["mrr"],
        2000
    );

    // A currency the simulator has no rate for is named, not silently left out.
    let g = s.monthly("s-cad", "2025-01-01", "2025-02-01", 500);
    let mut cad = invoice("inv-cad", "2025-01-02", vec![g]);
    cad["currency"] = json!("CAD");
    s.import(vec![cad]);
    let r = s.c.get(q);
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    assert!(
        r.json().to_string().contains("No exchange rate for CAD"),
        "{}",
        r.json()
    );
}

#[test]
fn zero_amount_subscriptions_leave_a_lead() {
    let mut s = setup();
    let a = s.monthly("s", "2025-12-20", "2026-01-20", 0);
    s.import(vec![invoice("inv", "2025-12-20", vec![a])]);
    let cus = s.c.get(&format!("/customers/{}", s.f.customer)).json();
    assert_eq!(cus["mrr"], 0);
    assert_eq!(cus["status"], "New Lead");
}

#[test]
fn metrics_mrr_reports_movements_per_interval() {
    let mut s = setup();
    let other = customer(&mut s.c, &s.f.ds, "whmcs-client-2");
    // Customer 1: new in January (1000), expands in March (+500).
    let a = s.monthly("s1", "2025-01-05", "2025-02-05", 1000);
    let b = s.monthly("s1", "2025-03-05", "2025-04-05", 1500);
    s.import(vec![
        invoice("i1", "2025-01-05", vec![a]),
        invoice("i2", "2025-03-05", vec![b]),
    ]);
    // Customer 2: new in February (300), churns in April, comes back in May.
    let c1 = s.monthly("s2", "2025-02-10", "2025-03-10", 300);
    import(
        &mut s.c,
        &other,
        vec![invoice("i3", "2025-02-10", vec![c1])],
    );
    let sub2 =
        s.c.get(&format!("/import/customers/{other}/subscriptions"))
            .json()["subscriptions"][0]["uuid"]
            .as_str()
            .unwrap()
            .to_string();
    s.c.patch(
        &format!("/import/subscriptions/{sub2}"),
        json!({"cancelled_at": "2025-04-10"}),
    );
    let c2 = s.monthly("s2", "2025-05-10", "2025-06-10", 300);
    import(
        &mut s.c,
        &other,
        vec![invoice("i4", "2025-05-10", vec![c2])],
    );

    let v =
        s.c.get("/metrics/mrr?start-date=2025-01-01&end-date=2025-05-20&interval=month")
            .json();
    let e = v["entries"].as_array().unwrap();
    let dates: Vec<&str> = e.iter().map(|x| x["date"].as_str().unwrap()).collect();
    assert_eq!(
        dates,
        [
            "2025-01-31",
            "2025-02-28",
            "2025-03-31",
            "2025-04-30",
            "2025-05-20"
        ]
    );
    let mrr: Vec<i64> = e.iter().map(|x| x["mrr"].as_i64().unwrap()).collect();
    assert_eq!(mrr, [1000, 1300, 1800, 1500, 1800]);
    assert_eq!(e[0]["mrr-new-business"], 1000);
    assert_eq!(e[1]["mrr-new-business"], 300);
    assert_eq!(e[2]["mrr-expansion"], 500);
    assert_eq!(e[3]["mrr-churn"], -300);
    assert_eq!(e[4]["mrr-reactivation"], 300);
    assert_eq!(e[1]["percentage-change"], 30.0);
    assert_eq!(v["summary"]["current"], 1800);
    assert_eq!(v["summary"]["previous"], 0);

    let r = s.c.get("/metrics/mrr?start-date=2025-02-01");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["param"], "end-date");
    let r =
        s.c.get("/metrics/mrr?start-date=2025-02-01&end-date=2025-01-01");
    assert_eq!(r.status, 400);
    let r =
        s.c.get("/metrics/mrr?start-date=2025-02-01&end-date=2025-03-01&interval=fortnight");
    assert_eq!(r.status, 400);
}

#[test]
fn customer_list_carries_hyphenated_mrr_fields() {
    let mut s = setup();
    let a = s.monthly("s", "2025-12-20", "2026-01-20", 4999);
    s.import(vec![invoice("inv", "2025-12-20", vec![a])]);
    let v =
        s.c.get(&format!("/customers?data_source_uuid={}", s.f.ds))
            .json();
    let e = &v["entries"][0];
    assert_eq!(e["mrr"], 4999);
    assert_eq!(e["arr"], 4999 * 12);
    assert_eq!(e["currency"], "USD");
    assert_eq!(e["currency-sign"], "$");
    assert_eq!(e["status"], "Active");
    let active = s.c.get("/customers?status=Active").json();
    assert_eq!(active["entries"].as_array().unwrap().len(), 1);
    let leads = s.c.get("/customers?status=New_Lead").json();
    assert_eq!(leads["entries"].as_array().unwrap().len(), 0);
}
