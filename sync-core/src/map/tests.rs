//! One test per rule of mapping.md, named after the rule, plus the worked example of §9 and
//! property tests of the invariants.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use proptest::prelude::*;

use super::changes::{self, ClientRemoval, InvoiceChange, SentInvoice};
use super::*;
use crate::chartmogul::types::{InvoiceStatusChange, LineKind, TransactionKind};
use crate::money::{Cents, parse_cents};
use crate::settings::{ChurnAt, DomainMode};
use crate::whmcs::*;

// ---------- fixtures ----------

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}
fn c(s: &str) -> Cents {
    parse_cents(s).unwrap()
}

struct Fx {
    catalog: Catalog,
    settings: Settings,
    bundle: ClientBundle,
    now: DateTime<Utc>,
}

impl Fx {
    fn new() -> Fx {
        let mut catalog = Catalog::default();
        for (id, code) in [(1, "USD"), (2, "EUR")] {
            catalog.currencies.insert(
                id,
                Currency {
                    id,
                    code: code.into(),
                    prefix: "$".into(),
                    suffix: "".into(),
                    rate: "1.00000".into(),
                    default: id == 1,
                },
            );
        }
        catalog.product_groups.insert(
            1,
            ProductGroup {
                id: 1,
                name: "VPS".into(),
            },
        );
        for (id, name) in [(7, "VPS S"), (8, "Trial VPS"), (9, "VPS L")] {
            catalog.products.insert(
                id,
                Product {
                    id,
                    gid: 1,
                    name: name.into(),
                    kind: "server".into(),
                    paytype: "recurring".into(),
                    taxed: true,
                    autoterminatedays: 0,
                    retired: false,
                    updated_at: None,
                },
            );
        }
        catalog.addons.insert(
            3,
            AddonProduct {
                id: 3,
                name: "Backups".into(),
                billingcycle: BillingCycle::parse("Monthly"),
                taxed: false,
                retired: false,
                updated_at: None,
            },
        );
        catalog.promotions.insert(
            5,
            Promotion {
                id: 5,
                code: "SAVE3".into(),
                kind: "Fixed Amount".into(),
                recurring: true,
                value: c("3.00"),
                recurfor: 0,
            },
        );
        catalog.promotions.insert(
            6,
            Promotion {
                id: 6,
                code: "FREETRIAL".into(),
                kind: "Percentage".into(),
                recurring: false,
                value: c("100.00"),
                recurfor: 0,
            },
        );
        catalog.client_groups.insert(
            2,
            ClientGroup {
                id: 2,
                name: "Resellers".into(),
            },
        );
        let client = Client {
            id: 42,
            firstname: "Ada".into(),
            lastname: "Lovelace".into(),
            companyname: "".into(),
            email: "ada@example.com".into(),
            address1: "".into(),
            city: "Springfield".into(),
            state: "IL".into(),
            postcode: "62701".into(),
            country: "US".into(),
            currency: 1,
            groupid: 0,
            status: ClientStatus::Active,
            datecreated: Some(d("2025-06-01")),
            updated_at: None,
        };
        Fx {
            catalog,
            settings: Settings::default(),
            bundle: ClientBundle {
                client,
                services: vec![],
                addons: vec![],
                domains: vec![],
                invoices: vec![],
                transactions: vec![],
                cancel_requests: vec![],
                upgrades: vec![],
                read_errors: vec![],
            },
            now: Zone::UTC.to_utc(dt("2026-11-01 00:00:00")),
        }
    }

    fn service(&mut self, id: Id, pid: Id, cycle: &str, amount: &str) -> &mut Service {
        self.bundle.services.push(Service {
            id,
            userid: 42,
            packageid: pid,
            regdate: Some(d("2026-01-10")),
            qty: 1,
            firstpaymentamount: c(amount),
            amount: c(amount),
            billingcycle: BillingCycle::parse(cycle),
            nextduedate: Some(d("2026-04-10")),
            termination_date: None,
            status: ServiceStatus::Active,
            promoid: 0,
            updated_at: None,
        });
        self.bundle.services.last_mut().unwrap()
    }

    /// An invoice whose subtotal is the sum of its items and whose total is net of credit.
    fn invoice(
        &mut self,
        id: Id,
        date: &str,
        status: &str,
        items: Vec<InvoiceItem>,
        tax: &str,
        credit: &str,
    ) -> &mut Invoice {
        let subtotal: Cents = items.iter().map(|i| i.amount).sum();
        let items = items.into_iter().map(|mut i| {
            i.invoiceid = id;
            i
        });
        self.bundle.invoices.push(Invoice {
            id,
            userid: 42,
            invoicenum: "".into(),
            date: Some(d(date)),
            duedate: Some(d(date)),
            datepaid: Some(dt(&format!("{date} 12:00:00"))),
            subtotal,
            credit: c(credit),
            tax: c(tax),
            tax2: Cents::ZERO,
            total: subtotal + c(tax) - c(credit),
            status: InvoiceStatus::parse(status),
            updated_at: None,
            items: items.collect(),
        });
        self.bundle.invoices.last_mut().unwrap()
    }

    fn txn(
        &mut self,
        id: Id,
        invoice: Id,
        amountin: &str,
        fees: &str,
        amountout: &str,
        refundid: Id,
    ) {
        self.bundle.transactions.push(Transaction {
            id,
            userid: 42,
            currency: 0,
            gateway: "stripe".into(),
            date: Some(dt("2026-01-06 09:30:00")),
            description: "".into(),
            amountin: c(amountin),
            fees: c(fees),
            amountout: c(amountout),
            transid: format!("ch_{id}"),
            invoiceid: invoice,
            refundid,
        });
    }

    fn run(&self) -> ClientExport {
        let ctx = MapContext::new(&self.catalog, &self.settings, self.now).unwrap();
        map_client(&self.bundle, &ctx)
    }
}

fn item(
    id: Id,
    kind: &str,
    relid: Id,
    amount: &str,
    taxed: bool,
    duedate: Option<&str>,
) -> InvoiceItem {
    InvoiceItem {
        id,
        invoiceid: 0,
        userid: 42,
        kind: kind.into(),
        relid,
        description: format!("{kind} item"),
        amount: c(amount),
        taxed,
        duedate: duedate.map(d),
    }
}

fn kinds(e: &ClientExport) -> Vec<&str> {
    e.issues.iter().map(|i| i.kind.as_str()).collect()
}

/// ChartMogul's MRR of one subscription line (reference §8): (amount − tax) normalised by the
/// plan interval; month/year plans divide by their months, rounded half away from zero.
fn cm_mrr(line: &cm::LineItem, plan: &cm::Plan) -> i64 {
    let months = match plan.interval_unit.as_str() {
        "month" => plan.interval_count as i64,
        "year" => plan.interval_count as i64 * 12,
        other => panic!("unexpected unit {other}"),
    };
    let net = line.amount_in_cents - line.tax_amount_in_cents;
    (2 * net + months * net.signum()) / (2 * months)
}

// ---------- §9 worked example ----------

fn worked_example() -> Fx {
    let mut fx = Fx::new();
    fx.service(900, 7, "Quarterly", "27.00").promoid = 5;
    fx.invoice(
        1001,
        "2026-01-05",
        "Paid",
        vec![
            item(5555, "Hosting", 900, "30.00", true, Some("2026-01-10")),
            item(5556, "PromoHosting", 900, "-3.00", true, None),
            item(5557, "Setup", 900, "5.00", false, None),
        ],
        "2.70",
        "10.00",
    );
    fx.txn(777, 1001, "24.70", "0.82", "0.00", 0);
    fx
}

#[test]
fn worked_example_of_section_9() {
    let fx = worked_example();
    let e = fx.run();
    assert!(e.issues.is_empty(), "{:?}", e.issues);
    assert_eq!(e.plans.len(), 1);
    let plan = &e.plans[0];
    assert_eq!(
        (
            plan.external_id.as_str(),
            plan.name.as_str(),
            plan.interval_count,
            plan.interval_unit.as_str()
        ),
        ("whmcs-product-7-quarterly", "VPS S (Quarterly)", 3, "month")
    );
    assert_eq!(e.invoices.len(), 1);
    let inv = &e.invoices[0];
    assert_eq!(
        (
            inv.external_id.as_str(),
            inv.currency.as_str(),
            inv.date.as_str()
        ),
        ("whmcs-invoice-1001", "USD", "2026-01-05T00:00:00Z")
    );
    assert_eq!(inv.line_items.len(), 2);
    let sub = &inv.line_items[0];
    assert_eq!(sub.kind, LineKind::Subscription);
    assert_eq!(sub.external_id.as_deref(), Some("whmcs-item-5555"));
    assert_eq!(
        sub.subscription_external_id.as_deref(),
        Some("whmcs-service-900")
    );
    assert_eq!(
        sub.plan_external_id.as_deref(),
        Some("whmcs-product-7-quarterly")
    );
    assert_eq!(
        sub.service_period_start.as_deref(),
        Some("2026-01-10T00:00:00Z")
    );
    assert_eq!(
        sub.service_period_end.as_deref(),
        Some("2026-04-10T00:00:00Z")
    );
    assert_eq!(
        (
            sub.amount_in_cents,
            sub.tax_amount_in_cents,
            sub.discount_amount_in_cents
        ),
        (2970, 270, 300)
    );
    assert_eq!(sub.discount_code.as_deref(), Some("SAVE3"));
    assert!(!sub.prorated);
    let setup = &inv.line_items[1];
    assert_eq!(
        (setup.kind, setup.amount_in_cents, setup.tax_amount_in_cents),
        (LineKind::OneTime, 500, 0)
    );
    assert_eq!(setup.description.as_deref(), Some("Setup item"));
    assert_eq!(
        inv.line_items
            .iter()
            .map(|l| l.amount_in_cents)
            .sum::<i64>(),
        3470
    );
    let t: Vec<(&str, Option<i64>, Option<i64>)> = inv
        .transactions
        .iter()
        .map(|t| {
            (
                t.external_id.as_str(),
                t.amount_in_cents,
                t.transaction_fees_in_cents,
            )
        })
        .collect();
    assert_eq!(
        t,
        vec![
            ("whmcs-txn-777", Some(2470), Some(82)),
            ("whmcs-credit-1001", Some(1000), None)
        ]
    );
    assert!(
        inv.transactions
            .iter()
            .all(|t| t.kind == TransactionKind::Payment && t.result == "successful")
    );
    assert_eq!(cm_mrr(sub, plan), 900);
}

// ---------- §1 money, time, currency ----------

#[test]
fn invoice_currency_is_the_clients_currency() {
    let mut fx = worked_example();
    fx.bundle.client.currency = 2;
    assert_eq!(fx.run().invoices[0].currency, "EUR");
}

#[test]
fn client_currency_missing_is_an_error_naming_the_client() {
    let mut fx = worked_example();
    fx.bundle.client.currency = 99;
    let e = fx.run();
    assert!(e.invoices.is_empty());
    assert_eq!(kinds(&e), vec!["unknown_currency"]);
    assert_eq!(e.issues[0].record.to_string(), "tblclients #42");
}

#[test]
fn timezone_setting_converts_wall_clock_dates_to_utc() {
    let mut fx = worked_example();
    fx.settings.timezone = Some("Europe/Berlin".into());
    let e = fx.run();
    assert_eq!(e.invoices[0].date, "2026-01-04T23:00:00Z");
    assert_eq!(e.invoices[0].transactions[0].date, "2026-01-06T08:30:00Z");
    // Without the setting, WHMCS's own zone applies.
    let mut fx = worked_example();
    fx.catalog.config.timezone = Some("America/New_York".into());
    assert_eq!(fx.run().invoices[0].date, "2026-01-05T05:00:00Z");
}

#[test]
fn zero_dates_are_never_sent() {
    let mut fx = worked_example();
    fx.bundle.client.datecreated = None;
    let e = fx.run();
    assert_eq!(kinds(&e), vec!["missing_lead_date"]);
    let cust = e.customer.unwrap();
    assert_eq!(cust.lead_created_at, None);
    assert!(!serde_json::to_string(&cust).unwrap().contains("0000"));
}

#[test]
fn empty_strings_are_left_out() {
    let mut fx = worked_example();
    fx.bundle.client.city = "   ".into();
    fx.bundle.client.postcode = "".into();
    let json = serde_json::to_value(fx.run().customer.unwrap()).unwrap();
    assert!(
        json.get("city").is_none() && json.get("zip").is_none() && json.get("company").is_none(),
        "{json}"
    );
}

#[test]
fn future_lead_created_at_waits() {
    let mut fx = worked_example();
    fx.bundle.client.datecreated = Some(d("2027-01-01"));
    let e = fx.run();
    assert_eq!(e.customer.unwrap().lead_created_at, None);
    assert!(e.issues.is_empty());
}

// ---------- §2 plans ----------

#[test]
fn one_plan_per_product_and_cycle_used() {
    let mut fx = worked_example();
    fx.invoice(
        1002,
        "2026-04-05",
        "Paid",
        vec![
            item(5560, "Hosting", 900, "30.00", true, Some("2026-04-10")),
            item(5561, "PromoHosting", 900, "-3.00", true, None),
        ],
        "2.70",
        "0.00",
    );
    fx.service(901, 9, "Monthly", "10.00"); // never invoiced: no plan
    let e = fx.run();
    assert_eq!(
        e.plans
            .iter()
            .map(|p| p.external_id.as_str())
            .collect::<Vec<_>>(),
        vec!["whmcs-product-7-quarterly"]
    );
}

#[test]
fn plan_interval_follows_the_cycle() {
    let expect = [
        ("Monthly", 1, "month"),
        ("Quarterly", 3, "month"),
        ("Semi-Annually", 6, "month"),
        ("Annually", 1, "year"),
        ("Biennially", 2, "year"),
        ("Triennially", 3, "year"),
    ];
    for (cycle, count, unit) in expect {
        let mut fx = Fx::new();
        fx.service(900, 7, cycle, "10.00");
        fx.invoice(
            1001,
            "2026-01-05",
            "Paid",
            vec![item(1, "Hosting", 900, "10.00", false, Some("2026-01-05"))],
            "0",
            "0",
        );
        let e = fx.run();
        assert_eq!(
            (e.plans[0].interval_count, e.plans[0].interval_unit.as_str()),
            (count, unit),
            "{cycle}"
        );
    }
}

#[test]
fn one_time_and_free_account_services_have_no_plan() {
    for cycle in ["One Time", "Free Account"] {
        let mut fx = Fx::new();
        fx.service(900, 7, cycle, "50.00");
        fx.invoice(
            1001,
            "2026-01-05",
            "Paid",
            vec![item(1, "Hosting", 900, "50.00", false, Some("2026-01-05"))],
            "0",
            "0",
        );
        let e = fx.run();
        assert!(e.plans.is_empty(), "{cycle}");
        assert_eq!(e.invoices[0].line_items[0].kind, LineKind::OneTime);
        assert_eq!(e.invoices[0].line_items[0].subscription_external_id, None);
    }
}

#[test]
fn billing_cycle_is_matched_case_and_punctuation_insensitively() {
    let mut fx = Fx::new();
    fx.service(900, 7, "semi annually", "60.00");
    fx.invoice(
        1001,
        "2026-01-05",
        "Paid",
        vec![item(1, "Hosting", 900, "60.00", false, Some("2026-01-05"))],
        "0",
        "0",
    );
    let e = fx.run();
    assert_eq!(e.plans[0].external_id, "whmcs-product-7-semiannually");
    assert_eq!(e.plans[0].name, "VPS S (Semi-Annually)");
}

#[test]
fn unknown_cycle_is_an_error_and_drops_every_line_of_the_service() {
    let mut fx = worked_example();
    fx.bundle.services[0].billingcycle = BillingCycle::parse("Fortnightly");
    fx.bundle.invoices[0]
        .items
        .push(item(5558, "Item", 0, "1.00", false, None));
    fx.bundle.invoices[0].subtotal += c("1.00");
    let e = fx.run();
    assert_eq!(kinds(&e), vec!["unknown_cycle"]);
    assert_eq!(e.issues[0].record.to_string(), "tblhosting #900");
    assert!(e.issues[0].message.contains("Fortnightly"));
    // Hosting, promo and setup of service 900 are gone; the custom line is still sent.
    let lines = &e.invoices[0].line_items;
    assert_eq!(
        lines
            .iter()
            .map(|l| l.external_id.as_deref().unwrap())
            .collect::<Vec<_>>(),
        vec!["whmcs-item-5558"]
    );
}

#[test]
fn plan_name_prefix_group_prefixes_the_product_group() {
    let mut fx = worked_example();
    fx.settings.plan_name_prefix_group = true;
    assert_eq!(fx.run().plans[0].name, "VPS - VPS S (Quarterly)");
}

#[test]
fn addons_use_the_addon_catalogue_and_ad_hoc_addons_share_one_plan() {
    let mut fx = Fx::new();
    fx.service(900, 7, "Monthly", "10.00");
    for (id, addonid, cycle) in [(55, 3, "Monthly"), (56, 0, "Monthly"), (57, 0, "One Time")] {
        fx.bundle.addons.push(ServiceAddon {
            id,
            hostingid: 900,
            addonid,
            userid: 42,
            name: "Extra IP".into(),
            qty: 2,
            setupfee: Cents::ZERO,
            recurring: c("4.00"),
            billingcycle: BillingCycle::parse(cycle),
            status: ServiceStatus::Active,
            regdate: Some(d("2026-01-05")),
            nextduedate: None,
            termination_date: None,
            updated_at: None,
        });
    }
    fx.invoice(
        1001,
        "2026-01-05",
        "Paid",
        vec![
            item(1, "Addon", 55, "4.00", false, Some("2026-01-05")),
            item(2, "Addon", 56, "4.00", false, Some("2026-01-05")),
            item(3, "Addon", 57, "9.00", false, Some("2026-01-05")),
        ],
        "0",
        "0",
    );
    let e = fx.run();
    let names: Vec<(&str, &str)> = e
        .plans
        .iter()
        .map(|p| (p.external_id.as_str(), p.name.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("whmcs-addon-0-monthly", "Custom addon (Monthly)"),
            ("whmcs-addon-3-monthly", "Backups (Monthly)")
        ]
    );
    let lines = &e.invoices[0].line_items;
    assert_eq!(
        lines[0].subscription_external_id.as_deref(),
        Some("whmcs-serviceaddon-55")
    );
    assert_eq!(lines[0].quantity, Some(2));
    assert_eq!(lines[2].kind, LineKind::OneTime);
}

fn domain_fx(mode: DomainMode) -> Fx {
    let mut fx = Fx::new();
    fx.settings.domains = mode;
    fx.bundle.domains.push(Domain {
        id: 12,
        userid: 42,
        kind: "Register".into(),
        registrationdate: Some(d("2026-01-05")),
        domain: "example.net".into(),
        firstpaymentamount: c("27.00"),
        recurringamount: c("27.00"),
        registrationperiod: 2,
        expirydate: Some(d("2028-01-05")),
        status: DomainStatus::Active,
        nextduedate: Some(d("2028-01-05")),
        promoid: 0,
        updated_at: None,
    });
    fx.invoice(
        1001,
        "2026-01-05",
        "Paid",
        vec![
            item(1, "DomainRegister", 12, "24.00", false, Some("2026-01-05")),
            item(2, "DomainAddonIDP", 12, "3.00", false, None),
            item(3, "Setup", 0, "1.00", false, None),
        ],
        "0",
        "0",
    );
    fx
}

#[test]
fn domains_are_subscriptions_on_a_tld_and_years_plan_by_default() {
    let e = domain_fx(DomainMode::Subscription).run();
    assert_eq!(e.plans[0].external_id, "whmcs-domain-net-2y");
    assert_eq!(
        (
            e.plans[0].name.as_str(),
            e.plans[0].interval_count,
            e.plans[0].interval_unit.as_str()
        ),
        ("Domain .net (2 Years)", 2, "year")
    );
    let line = &e.invoices[0].line_items[0];
    assert_eq!(
        line.subscription_external_id.as_deref(),
        Some("whmcs-domain-12")
    );
    assert_eq!(
        line.service_period_end.as_deref(),
        Some("2028-01-05T00:00:00Z")
    );
}

#[test]
fn domain_addons_fold_into_the_domain_line() {
    let e = domain_fx(DomainMode::Subscription).run();
    let lines = &e.invoices[0].line_items;
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].amount_in_cents, 2700);
}

#[test]
fn domains_setting_one_time_and_exclude() {
    let e = domain_fx(DomainMode::OneTime).run();
    assert!(e.plans.is_empty());
    assert_eq!(
        (
            e.invoices[0].line_items[0].kind,
            e.invoices[0].line_items[0].amount_in_cents
        ),
        (LineKind::OneTime, 2700)
    );
    let e = domain_fx(DomainMode::Exclude).run();
    assert_eq!(
        e.invoices[0]
            .line_items
            .iter()
            .map(|l| l.amount_in_cents)
            .collect::<Vec<_>>(),
        vec![100]
    );
    assert!(e.issues.is_empty(), "{:?}", e.issues);
}

// ---------- §3 customers ----------

#[test]
fn customer_name_is_company_else_first_and_last() {
    let mut fx = worked_example();
    assert_eq!(
        fx.run().customer.unwrap().name.as_deref(),
        Some("Ada Lovelace")
    );
    fx.bundle.client.companyname = " Analytical Engines Ltd ".into();
    let cust = fx.run().customer.unwrap();
    assert_eq!(cust.name.as_deref(), Some("Analytical Engines Ltd"));
    assert_eq!(cust.company.as_deref(), Some("Analytical Engines Ltd"));
}

#[test]
fn country_is_upper_cased_and_sent_only_when_assigned() {
    let mut fx = worked_example();
    fx.bundle.client.country = "de".into();
    assert_eq!(fx.run().customer.unwrap().country.as_deref(), Some("DE"));
    fx.bundle.client.country = "XX".into();
    let e = fx.run();
    assert_eq!(e.customer.as_ref().unwrap().country, None);
    assert_eq!(kinds(&e), vec!["invalid_country"]);
    assert_eq!(e.issues[0].column.as_deref(), Some("country"));
}

#[test]
fn us_state_becomes_iso_3166_2_and_other_states_are_sent_as_stored() {
    let mut fx = worked_example();
    assert_eq!(fx.run().customer.unwrap().state.as_deref(), Some("US-IL"));
    fx.bundle.client.country = "DE".into();
    fx.bundle.client.state = "Bayern".into();
    assert_eq!(fx.run().customer.unwrap().state.as_deref(), Some("Bayern"));
}

#[test]
fn customer_fields_attributes_and_tag() {
    let mut fx = worked_example();
    fx.bundle.client.groupid = 2;
    let cust = fx.run().customer.unwrap();
    assert_eq!(cust.external_id, "whmcs-client-42");
    assert_eq!(cust.email.as_deref(), Some("ada@example.com"));
    assert_eq!(
        (cust.city.as_deref(), cust.zip.as_deref()),
        (Some("Springfield"), Some("62701"))
    );
    assert_eq!(
        cust.lead_created_at.as_deref(),
        Some("2025-06-01T00:00:00Z")
    );
    let json = serde_json::to_value(cust.attributes.unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"tags": ["whmcs"], "custom": [
            {"type": "Integer", "key": "whmcs_client_id", "value": 42},
            {"type": "String", "key": "whmcs_client_group", "value": "Resellers"},
            {"type": "String", "key": "whmcs_status", "value": "Active"}]})
    );
}

#[test]
fn missing_email_is_a_warning_and_the_customer_is_still_sent() {
    let mut fx = worked_example();
    fx.bundle.client.email = " ".into();
    let e = fx.run();
    assert_eq!(kinds(&e), vec!["missing_email"]);
    assert_eq!(e.customer.unwrap().email, None);
}

#[test]
fn export_leads_decides_whether_clients_without_invoices_are_customers() {
    let mut fx = Fx::new();
    assert!(fx.run().customer.is_some());
    fx.settings.export_leads = false;
    assert!(fx.run().customer.is_none());
    let mut fx = worked_example();
    fx.settings.export_leads = false;
    assert!(fx.run().customer.is_some());
}

// ---------- §4.1 which invoices ----------

#[test]
fn only_paid_and_refunded_invoices_are_exported_by_default() {
    for (status, exported) in [
        ("Paid", true),
        ("Refunded", true),
        ("Unpaid", false),
        ("Draft", false),
        ("Cancelled", false),
        ("Payment Pending", false),
        ("Collections", false),
    ] {
        let mut fx = worked_example();
        fx.bundle.invoices[0].status = InvoiceStatus::parse(status);
        assert_eq!(fx.run().invoices.len(), usize::from(exported), "{status}");
    }
    let mut fx = worked_example();
    fx.bundle.invoices[0].status = InvoiceStatus::Collections;
    fx.settings.invoice_statuses.push("Collections".into());
    assert_eq!(fx.run().invoices.len(), 1);
}

#[test]
fn mass_pay_containers_and_add_funds_invoices_are_not_exported() {
    let mut fx = Fx::new();
    fx.invoice(
        1,
        "2026-01-05",
        "Paid",
        vec![item(1, "AddFunds", 0, "50.00", false, None)],
        "0",
        "0",
    );
    fx.invoice(
        2,
        "2026-01-05",
        "Paid",
        vec![
            item(2, "Invoice", 7, "10.00", false, None),
            item(3, "Invoice", 8, "5.00", false, None),
        ],
        "0",
        "0",
    );
    let e = fx.run();
    assert!(e.invoices.is_empty());
    assert!(e.issues.is_empty());
}

#[test]
fn zero_invoices_are_exported_only_with_export_zero_invoices() {
    let mut fx = Fx::new();
    fx.invoice(
        1,
        "2026-01-05",
        "Paid",
        vec![
            item(1, "Item", 0, "10.00", false, None),
            item(2, "Item", 0, "-10.00", false, None),
        ],
        "0",
        "0",
    );
    assert!(fx.run().invoices.is_empty());
    fx.settings.export_zero_invoices = true;
    // Exported, but its lines are a charge of 10.00 and a clamped credit line of 0, dropped.
    let e = fx.run();
    assert_eq!(e.invoices.len(), 1);
}

#[test]
fn invoice_left_without_lines_is_not_exported() {
    let mut fx = Fx::new();
    fx.invoice(
        1,
        "2026-01-05",
        "Paid",
        vec![
            item(1, "LateFee", 0, "0.00", false, None),
            item(2, "AddFunds", 0, "5.00", false, None),
        ],
        "0",
        "0",
    );
    assert!(fx.run().invoices.is_empty());
}

#[test]
fn invoicenum_goes_into_the_first_lines_description() {
    let mut fx = worked_example();
    fx.bundle.invoices[0].invoicenum = "INV-2026-0042".into();
    let e = fx.run();
    assert_eq!(
        e.invoices[0].line_items[0].description.as_deref(),
        Some("Invoice INV-2026-0042: Hosting item")
    );
    assert_eq!(
        e.invoices[0].line_items[1].description.as_deref(),
        Some("Setup item")
    );
}

// ---------- §4.2 one line per item ----------

#[test]
fn upgrade_is_a_prorated_line_on_the_new_plan_until_the_old_next_due_date() {
    let mut fx = Fx::new();
    fx.service(900, 9, "Monthly", "20.00");
    fx.bundle.upgrades.push(Upgrade {
        id: 70,
        userid: 42,
        kind: "package".into(),
        date: Some(d("2026-02-20")),
        relid: 900,
        originalvalue: "7".into(),
        newvalue: "9,monthly".into(),
        new_cycle: "".into(),
        amount: c("5.00"),
        days_remaining: 20,
        total_days_in_cycle: 31,
        new_recurring_amount: c("20.00"),
        completed: true,
    });
    fx.invoice(
        1001,
        "2026-02-10",
        "Paid",
        vec![item(1, "Hosting", 900, "10.00", false, Some("2026-02-10"))],
        "0",
        "0",
    );
    fx.invoice(
        1002,
        "2026-02-20",
        "Paid",
        vec![item(2, "Upgrade", 70, "5.00", false, None)],
        "0",
        "0",
    );
    fx.invoice(
        1003,
        "2026-03-10",
        "Paid",
        vec![item(3, "Hosting", 900, "20.00", false, Some("2026-03-10"))],
        "0",
        "0",
    );
    let e = fx.run();
    assert!(e.issues.is_empty(), "{:?}", e.issues);
    let plan_of = |i: usize| {
        e.invoices[i].line_items[0]
            .plan_external_id
            .clone()
            .unwrap()
    };
    // Before the upgrade the old product, from the upgrade on the new one.
    assert_eq!(plan_of(0), "whmcs-product-7-monthly");
    assert_eq!(plan_of(1), "whmcs-product-9-monthly");
    assert_eq!(plan_of(2), "whmcs-product-9-monthly");
    let up = &e.invoices[1].line_items[0];
    assert!(up.prorated);
    assert_eq!(
        up.subscription_external_id.as_deref(),
        Some("whmcs-service-900")
    );
    assert_eq!(
        (
            up.service_period_start.as_deref(),
            up.service_period_end.as_deref()
        ),
        (Some("2026-02-20T00:00:00Z"), Some("2026-03-12T00:00:00Z"))
    );
}

#[test]
fn promotion_folds_into_its_target_line_with_its_code() {
    let e = worked_example().run();
    let line = &e.invoices[0].line_items[0];
    assert_eq!(
        (
            line.amount_in_cents - line.tax_amount_in_cents,
            line.discount_amount_in_cents,
            line.discount_code.as_deref()
        ),
        (2700, 300, Some("SAVE3"))
    );
}

#[test]
fn group_discount_spreads_over_all_other_lines_in_proportion() {
    let mut fx = Fx::new();
    fx.service(900, 7, "Monthly", "30.00");
    fx.invoice(
        1001,
        "2026-01-05",
        "Paid",
        vec![
            item(1, "Hosting", 900, "30.00", false, Some("2026-01-05")),
            item(2, "Setup", 900, "10.00", false, None),
            item(3, "GroupDiscount", 0, "-4.00", false, None),
        ],
        "0",
        "0",
    );
    let e = fx.run();
    let got: Vec<(i64, i64)> = e.invoices[0]
        .line_items
        .iter()
        .map(|l| (l.amount_in_cents, l.discount_amount_in_cents))
        .collect();
    assert_eq!(got, vec![(2700, 300), (900, 100)]);
}

#[test]
fn discount_without_target_line_is_spread_like_a_group_discount() {
    let mut fx = Fx::new();
    fx.service(900, 7, "Monthly", "30.00");
    fx.invoice(
        1001,
        "2026-01-05",
        "Paid",
        vec![
            item(1, "Item", 0, "20.00", false, None),
            item(2, "LateFee", 0, "20.00", false, None),
            item(3, "PromoHosting", 900, "-2.00", false, None),
        ],
        "0",
        "0",
    );
    let got: Vec<i64> = fx.run().invoices[0]
        .line_items
        .iter()
        .map(|l| l.amount_in_cents)
        .collect();
    assert_eq!(got, vec![1900, 1900]);
}

#[test]
fn folded_line_below_zero_is_clamped_and_logged() {
    let mut fx = Fx::new();
    fx.service(900, 7, "Monthly", "5.00");
    fx.invoice(
        1001,
        "2026-01-05",
        "Paid",
        vec![
            item(1, "Hosting", 900, "5.00", false, Some("2026-01-05")),
            item(2, "PromoHosting", 900, "-8.00", false, None),
            item(3, "Item", 0, "10.00", false, None),
        ],
        "0",
        "0",
    );
    let e = fx.run();
    assert_eq!(e.invoices[0].line_items[0].amount_in_cents, 0);
    assert!(kinds(&e).contains(&"amount_clamped"));
}

#[test]
fn zero_one_time_line_is_dropped() {
    let mut fx = Fx::new();
    fx.invoice(
        1001,
        "2026-01-05",
        "Paid",
        vec![
            item(1, "Item", 0, "10.00", false, None),
            item(2, "Setup", 0, "0.00", false, None),
        ],
        "0",
        "0",
    );
    assert_eq!(fx.run().invoices[0].line_items.len(), 1);
}

#[test]
fn custom_late_fee_redemption_project_and_item_lines_are_one_time() {
    let mut fx = Fx::new();
    let types = ["Item", "LateFee", "DomainRedemptionFee", "Project", ""];
    fx.invoice(
        1001,
        "2026-01-05",
        "Paid",
        types
            .iter()
            .enumerate()
            .map(|(i, t)| item(i as i64 + 1, t, 0, "1.00", false, None))
            .collect(),
        "0",
        "0",
    );
    let e = fx.run();
    assert_eq!(e.invoices[0].line_items.len(), 5);
    assert!(
        e.invoices[0]
            .line_items
            .iter()
            .all(|l| l.kind == LineKind::OneTime)
    );
    assert!(e.issues.is_empty());
}

#[test]
fn add_funds_line_on_a_mixed_invoice_is_dropped() {
    let mut fx = Fx::new();
    fx.invoice(
        1001,
        "2026-01-05",
        "Paid",
        vec![
            item(1, "Item", 0, "10.00", false, None),
            item(2, "AddFunds", 0, "50.00", false, None),
        ],
        "0",
        "0",
    );
    let e = fx.run();
    assert_eq!(e.invoices[0].line_items.len(), 1);
    assert!(
        e.issues.is_empty(),
        "dropped lines are accounted for in the sum check: {:?}",
        e.issues
    );
}

#[test]
fn unknown_item_type_is_one_time_with_a_warning_naming_the_type() {
    let mut fx = Fx::new();
    fx.invoice(
        1001,
        "2026-01-05",
        "Paid",
        vec![item(1, "RCOrder", 0, "10.00", false, None)],
        "0",
        "0",
    );
    let e = fx.run();
    assert_eq!(e.invoices[0].line_items[0].kind, LineKind::OneTime);
    assert_eq!(kinds(&e), vec!["unknown_item_type"]);
    assert!(e.issues[0].message.contains("RCOrder"));
}

#[test]
fn orphan_item_is_an_error_and_the_rest_of_the_invoice_is_sent() {
    let mut fx = worked_example();
    fx.bundle.invoices[0].items.push(item(
        5599,
        "Hosting",
        999,
        "7.00",
        false,
        Some("2026-01-10"),
    ));
    fx.bundle.invoices[0].subtotal += c("7.00");
    let e = fx.run();
    assert_eq!(kinds(&e), vec!["orphan_item"]);
    assert_eq!(
        (
            e.issues[0].record.to_string(),
            e.issues[0].column.as_deref()
        ),
        ("tblinvoiceitems #5599".to_string(), Some("relid"))
    );
    assert_eq!(e.invoices[0].line_items.len(), 2);
}

// ---------- §4.3 service periods and plans ----------

#[test]
fn service_period_end_clamps_to_the_month_end() {
    let mut fx = Fx::new();
    fx.service(900, 7, "Monthly", "10.00");
    fx.invoice(
        1001,
        "2026-01-25",
        "Paid",
        vec![item(1, "Hosting", 900, "10.00", false, Some("2026-01-31"))],
        "0",
        "0",
    );
    let line = &fx.run().invoices[0].line_items[0];
    assert_eq!(
        line.service_period_end.as_deref(),
        Some("2026-02-28T00:00:00Z")
    );
}

#[test]
fn zero_due_date_reads_the_period_from_the_description_in_the_date_format() {
    let mut fx = Fx::new();
    fx.catalog.config.date_format = "MM/DD/YYYY".into();
    fx.service(900, 7, "Monthly", "10.00");
    let mut it = item(1, "Hosting", 900, "10.00", false, None);
    it.description = "VPS S - host.example (02/01/2026 - 02/28/2026)".into();
    fx.invoice(1001, "2026-01-25", "Paid", vec![it], "0", "0");
    let e = fx.run();
    let line = &e.invoices[0].line_items[0];
    assert_eq!(
        (
            line.service_period_start.as_deref(),
            line.service_period_end.as_deref()
        ),
        (Some("2026-02-01T00:00:00Z"), Some("2026-03-01T00:00:00Z"))
    );
    assert!(!line.prorated);
    assert_eq!(kinds(&e), vec!["period_from_description"]);
}

#[test]
fn zero_due_date_without_a_range_starts_on_the_invoice_date() {
    let mut fx = Fx::new();
    fx.service(900, 7, "Monthly", "10.00");
    fx.invoice(
        1001,
        "2026-01-25",
        "Paid",
        vec![item(1, "Hosting", 900, "10.00", false, None)],
        "0",
        "0",
    );
    let e = fx.run();
    assert_eq!(
        e.invoices[0].line_items[0].service_period_start.as_deref(),
        Some("2026-01-25T00:00:00Z")
    );
    assert_eq!(kinds(&e), vec!["period_from_invoice_date"]);
}

#[test]
fn a_period_shorter_than_the_cycle_is_prorated() {
    let mut fx = Fx::new();
    fx.service(900, 7, "Monthly", "10.00");
    let mut it = item(1, "Hosting", 900, "5.00", false, Some("2026-01-16"));
    it.description = "VPS S (16/01/2026 - 31/01/2026)".into();
    fx.invoice(1001, "2026-01-16", "Paid", vec![it], "0", "0");
    let line = &fx.run().invoices[0].line_items[0];
    assert!(line.prorated);
    assert_eq!(
        line.service_period_end.as_deref(),
        Some("2026-02-01T00:00:00Z")
    );
}

#[test]
fn plan_in_effect_on_the_invoice_date_ignores_later_upgrades_and_recovers_the_old_cycle() {
    let mut fx = Fx::new();
    fx.service(900, 9, "Annually", "100.00");
    fx.bundle.upgrades.push(Upgrade {
        id: 70,
        userid: 42,
        kind: "package".into(),
        date: Some(d("2026-03-01")),
        relid: 900,
        originalvalue: "7".into(),
        newvalue: "9,annually".into(),
        new_cycle: "".into(),
        amount: c("0"),
        days_remaining: 10,
        total_days_in_cycle: 31,
        new_recurring_amount: c("100.00"),
        completed: true,
    });
    let mut it = item(1, "Hosting", 900, "10.00", false, Some("2026-02-01"));
    it.description = "VPS S (01/02/2026 - 28/02/2026)".into();
    fx.invoice(1001, "2026-02-01", "Paid", vec![it], "0", "0");
    let e = fx.run();
    assert_eq!(
        e.invoices[0].line_items[0].plan_external_id.as_deref(),
        Some("whmcs-product-7-monthly")
    );
    // An upgrade still pending does not count.
    fx.bundle.upgrades[0].completed = false;
    assert_eq!(
        fx.run().invoices[0].line_items[0]
            .plan_external_id
            .as_deref(),
        Some("whmcs-product-9-annually")
    );
}

#[test]
fn quantity_is_the_services_qty_and_the_amount_covers_all_units() {
    let mut fx = Fx::new();
    fx.service(900, 7, "Monthly", "30.00").qty = 3;
    fx.invoice(
        1001,
        "2026-01-05",
        "Paid",
        vec![item(1, "Hosting", 900, "30.00", false, Some("2026-01-05"))],
        "0",
        "0",
    );
    let line = &fx.run().invoices[0].line_items[0];
    assert_eq!((line.quantity, line.amount_in_cents), (Some(3), 3000));
}

// ---------- §4.4 amounts and tax ----------

#[test]
fn exclusive_tax_is_added_to_the_taxed_lines_amount() {
    let e = worked_example().run();
    let l = &e.invoices[0].line_items;
    assert_eq!(
        (
            l[0].amount_in_cents,
            l[0].tax_amount_in_cents,
            l[1].tax_amount_in_cents
        ),
        (2970, 270, 0)
    );
}

#[test]
fn inclusive_tax_is_contained_in_the_amount() {
    let mut fx = Fx::new();
    fx.catalog.config.tax_type = TaxType::Inclusive;
    fx.service(900, 7, "Monthly", "12.00");
    fx.invoice(
        1001,
        "2026-01-05",
        "Paid",
        vec![item(1, "Hosting", 900, "12.00", true, Some("2026-01-05"))],
        "2.00",
        "0",
    );
    fx.bundle.invoices[0].subtotal = c("10.00");
    let e = fx.run();
    let l = &e.invoices[0].line_items[0];
    assert_eq!((l.amount_in_cents, l.tax_amount_in_cents), (1200, 200));
    assert!(e.issues.is_empty(), "{:?}", e.issues);
}

#[test]
fn tax_of_two_levels_is_allocated_by_largest_remainder_and_sums_to_the_invoice_tax() {
    let mut fx = Fx::new();
    fx.invoice(
        1001,
        "2026-01-05",
        "Paid",
        vec![
            item(1, "Item", 0, "10.00", true, None),
            item(2, "Item", 0, "10.00", true, None),
            item(3, "Item", 0, "10.00", true, None),
            item(4, "Item", 0, "10.00", false, None),
        ],
        "1.00",
        "0",
    );
    fx.bundle.invoices[0].tax2 = c("0.01");
    fx.bundle.invoices[0].total += c("0.01");
    let e = fx.run();
    let taxes: Vec<i64> = e.invoices[0]
        .line_items
        .iter()
        .map(|l| l.tax_amount_in_cents)
        .collect();
    assert_eq!(taxes, vec![34, 34, 33, 0]);
    assert!(e.issues.is_empty(), "{:?}", e.issues);
}

#[test]
fn applied_credit_does_not_reduce_line_amounts() {
    let mut fx = worked_example();
    fx.bundle.invoices[0].credit = c("34.70");
    fx.bundle.invoices[0].total = Cents::ZERO;
    assert_eq!(
        fx.run().invoices[0]
            .line_items
            .iter()
            .map(|l| l.amount_in_cents)
            .sum::<i64>(),
        3470
    );
}

#[test]
fn sum_mismatch_is_an_error_with_both_numbers_and_the_invoice_is_still_sent() {
    let mut fx = worked_example();
    fx.bundle.invoices[0].subtotal = c("33.00");
    let e = fx.run();
    assert_eq!(kinds(&e), vec!["invoice_sum_mismatch"]);
    assert!(
        e.issues[0].message.contains("34.70") && e.issues[0].message.contains("35.70"),
        "{}",
        e.issues[0].message
    );
    assert_eq!(e.invoices.len(), 1);
}

// ---------- §5 transactions ----------

#[test]
fn refunds_are_positive_and_found_through_refundid() {
    let mut fx = worked_example();
    // WHMCS wrote the refund against another invoice; refundid points at the payment.
    fx.txn(778, 555, "0.00", "0.00", "10.00", 777);
    let e = fx.run();
    let r = e.invoices[0]
        .transactions
        .iter()
        .find(|t| t.external_id == "whmcs-txn-778")
        .unwrap();
    assert_eq!(
        (r.kind, r.amount_in_cents),
        (TransactionKind::Refund, Some(1000))
    );
}

#[test]
fn transactions_without_an_exported_invoice_are_not_sent() {
    let mut fx = worked_example();
    fx.txn(779, 0, "50.00", "0.00", "0.00", 0);
    fx.txn(780, 2000, "5.00", "0.00", "0.00", 0);
    let e = fx.run();
    assert_eq!(e.invoices[0].transactions.len(), 2);
}

#[test]
fn applied_credit_is_a_payment_dated_datepaid() {
    let e = worked_example().run();
    let credit = &e.invoices[0].transactions[1];
    assert_eq!(
        (
            credit.external_id.as_str(),
            credit.date.as_str(),
            credit.transaction_fees_in_cents
        ),
        ("whmcs-credit-1001", "2026-01-05T12:00:00Z", None)
    );
}

#[test]
fn mass_pay_originals_get_shares_of_the_container_payment_and_no_credit_payment() {
    let mut fx = Fx::new();
    fx.invoice(
        10,
        "2026-01-05",
        "Paid",
        vec![item(1, "Item", 0, "10.00", false, None)],
        "0",
        "10.00",
    );
    fx.invoice(
        11,
        "2026-01-05",
        "Paid",
        vec![item(2, "Item", 0, "20.00", false, None)],
        "0",
        "20.00",
    );
    fx.invoice(
        12,
        "2026-01-06",
        "Paid",
        vec![
            item(3, "Invoice", 10, "10.00", false, None),
            item(4, "Invoice", 11, "20.00", false, None),
        ],
        "0",
        "0",
    );
    fx.txn(900, 12, "30.00", "1.00", "0.00", 0);
    let e = fx.run();
    type Txn = (String, Option<i64>, Option<i64>);
    let got: Vec<Vec<Txn>> = e
        .invoices
        .iter()
        .map(|i| {
            i.transactions
                .iter()
                .map(|t| {
                    (
                        t.external_id.clone(),
                        t.amount_in_cents,
                        t.transaction_fees_in_cents,
                    )
                })
                .collect()
        })
        .collect();
    assert_eq!(
        got,
        vec![
            vec![("whmcs-txn-900-10".to_string(), Some(1000), Some(33))],
            vec![("whmcs-txn-900-11".to_string(), Some(2000), Some(67))]
        ]
    );
}

// ---------- §6 trials ----------

fn trial_fx() -> Fx {
    let mut fx = Fx::new();
    fx.settings.trial_products = vec![8];
    fx.service(900, 8, "Monthly", "10.00").regdate = Some(d("2026-01-05"));
    fx.invoice(
        1001,
        "2026-01-05",
        "Paid",
        vec![item(1, "Hosting", 900, "0.00", false, Some("2026-01-05"))],
        "0",
        "0",
    );
    fx.invoice(
        1002,
        "2026-02-05",
        "Paid",
        vec![item(2, "Hosting", 900, "10.00", false, Some("2026-02-05"))],
        "0",
        "0",
    );
    fx
}

#[test]
fn trial_products_set_free_trial_started_at_and_their_zero_invoices_are_not_sent() {
    let e = trial_fx().run();
    assert_eq!(
        e.customer.unwrap().free_trial_started_at.as_deref(),
        Some("2026-01-05T00:00:00Z")
    );
    assert_eq!(
        e.invoices
            .iter()
            .map(|i| i.external_id.as_str())
            .collect::<Vec<_>>(),
        vec!["whmcs-invoice-1002"]
    );
}

#[test]
fn free_first_period_is_a_trial() {
    let mut fx = trial_fx();
    fx.settings.trial_products.clear();
    assert!(fx.run().customer.unwrap().free_trial_started_at.is_some());
    fx.settings.detect_free_first_period = false;
    assert!(fx.run().customer.unwrap().free_trial_started_at.is_none());
}

#[test]
fn trial_promotion_codes_are_trials() {
    let mut fx = trial_fx();
    fx.settings.trial_products.clear();
    fx.settings.detect_free_first_period = false;
    fx.bundle.services[0].promoid = 6;
    fx.settings.trial_promotions = vec!["FREETRIAL".into()];
    assert!(fx.run().customer.unwrap().free_trial_started_at.is_some());
}

#[test]
fn trial_line_items_setting_sends_the_trial_invoice_as_trial_lines() {
    let mut fx = trial_fx();
    fx.settings.trial_line_items = true;
    let e = fx.run();
    assert_eq!(e.invoices.len(), 2);
    assert_eq!(
        (
            e.invoices[0].line_items[0].kind,
            e.invoices[0].line_items[0].amount_in_cents
        ),
        (LineKind::Trial, 0)
    );
}

#[test]
fn unconverted_trial_stays_a_lead_with_its_trial_date() {
    let mut fx = trial_fx();
    fx.bundle.invoices.pop();
    fx.settings.export_leads = false;
    let e = fx.run();
    assert!(e.invoices.is_empty());
    assert!(e.customer.unwrap().free_trial_started_at.is_some());
}

// ---------- §7 cancellations ----------

fn churn_fx(status: ServiceStatus) -> Fx {
    let mut fx = worked_example();
    fx.bundle.services[0].status = status;
    fx
}

fn cancellation(e: &ClientExport) -> (&str, churn::ChurnRule) {
    let c = e.cancellations.first().expect("a cancellation");
    (c.cancelled_at.as_str(), c.rule)
}

#[test]
fn termination_date_is_the_first_churn_rule() {
    let mut fx = churn_fx(ServiceStatus::Terminated);
    fx.bundle.services[0].termination_date = Some(d("2026-03-15"));
    let e = fx.run();
    assert_eq!(
        e.cancellations[0].subscription_external_id,
        "whmcs-service-900"
    );
    assert_eq!(
        cancellation(&e),
        ("2026-03-15T00:00:00Z", churn::ChurnRule::TerminationDate)
    );
}

#[test]
fn newest_cancellation_request_is_the_second_churn_rule() {
    let mut fx = churn_fx(ServiceStatus::Cancelled);
    fx.bundle.cancel_requests.push(CancelRequest {
        id: 1,
        date: Some(dt("2026-02-01 10:00:00")),
        relid: 900,
        reason: "".into(),
        kind: CancelType::EndOfBillingPeriod,
    });
    assert_eq!(
        cancellation(&fx.run()),
        (
            "2026-04-10T00:00:00Z",
            churn::ChurnRule::EndOfBillingPeriodRequest
        )
    );
    fx.bundle.cancel_requests.push(CancelRequest {
        id: 2,
        date: Some(dt("2026-02-03 10:00:00")),
        relid: 900,
        reason: "".into(),
        kind: CancelType::Immediate,
    });
    assert_eq!(
        cancellation(&fx.run()),
        ("2026-02-03T10:00:00Z", churn::ChurnRule::ImmediateRequest)
    );
}

#[test]
fn without_dates_churn_is_the_end_of_the_last_exported_period() {
    let e = churn_fx(ServiceStatus::Fraud).run();
    assert_eq!(
        cancellation(&e),
        ("2026-04-10T00:00:00Z", churn::ChurnRule::LastPeriodEnd)
    );
}

#[test]
fn churn_at_period_end_always_uses_the_last_period() {
    let mut fx = churn_fx(ServiceStatus::Terminated);
    fx.bundle.services[0].termination_date = Some(d("2026-03-15"));
    fx.settings.churn_at = ChurnAt::PeriodEnd;
    assert_eq!(
        cancellation(&fx.run()),
        ("2026-04-10T00:00:00Z", churn::ChurnRule::LastPeriodEnd)
    );
}

#[test]
fn ended_domains_churn_at_their_past_expiry_date() {
    let mut fx = domain_fx(DomainMode::Subscription);
    fx.bundle.domains[0].status = DomainStatus::Expired;
    fx.bundle.domains[0].expirydate = Some(d("2026-06-01"));
    assert_eq!(
        cancellation(&fx.run()),
        ("2026-06-01T00:00:00Z", churn::ChurnRule::TerminationDate)
    );
}

#[test]
fn suspended_services_keep_their_mrr_unless_the_setting_is_off() {
    let mut fx = churn_fx(ServiceStatus::Suspended);
    assert!(fx.run().cancellations.is_empty());
    fx.settings.suspended_is_active = false;
    assert_eq!(
        cancellation(&fx.run()),
        ("2026-04-10T00:00:00Z", churn::ChurnRule::Suspension)
    );
}

#[test]
fn a_future_cancellation_waits_until_its_date() {
    let mut fx = churn_fx(ServiceStatus::Cancelled);
    fx.bundle.services[0].termination_date = Some(d("2026-12-01"));
    let e = fx.run();
    assert!(e.cancellations.is_empty());
    assert_eq!(
        e.pending_cancellations[0].cancelled_at,
        "2026-12-01T00:00:00Z"
    );
}

#[test]
fn a_subscription_never_exported_is_not_cancelled() {
    let mut fx = Fx::new();
    fx.service(900, 7, "Monthly", "10.00").status = ServiceStatus::Cancelled;
    assert!(fx.run().cancellations.is_empty());
}

// ---------- §8 changes after export ----------

#[test]
fn edited_client_is_patched_with_the_changed_fields_only() {
    let mut fx = worked_example();
    let sent = fx.run().customer.unwrap();
    fx.bundle.client.email = "ada@newmail.example".into();
    fx.bundle.client.city = "".into();
    let patch = changes::customer_patch(&sent, &fx.run().customer.unwrap());
    let json = serde_json::to_value(&patch).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"email": "ada@newmail.example", "city": ""})
    );
    assert!(changes::customer_patch(&sent, &sent).is_empty());
}

#[test]
fn renamed_product_patches_its_plans_names() {
    let mut fx = worked_example();
    let sent = fx.run().plans[0].clone();
    fx.catalog.products.get_mut(&7).unwrap().name = "VPS Small".into();
    let now = fx.run().plans[0].clone();
    assert_eq!(now.external_id, sent.external_id);
    assert_eq!(
        changes::plan_patch(&sent, &now).unwrap().name,
        "VPS Small (Quarterly)"
    );
}

fn sent_of(inv: &cm::Invoice) -> SentInvoice {
    SentInvoice {
        fingerprint: changes::invoice_fingerprint(inv),
        transactions: inv
            .transactions
            .iter()
            .map(|t| t.external_id.clone())
            .collect(),
        status: None,
    }
}

#[test]
fn invoice_changes_after_export() {
    let mut fx = worked_example();
    let s = Settings::default();
    let first = fx.run().invoices[0].clone();
    let sent = sent_of(&first);
    let paid = InvoiceStatus::Paid;
    assert_eq!(
        changes::invoice_change(Some(&paid), Some(&first), None, &s),
        InvoiceChange::Import
    );
    assert_eq!(
        changes::invoice_change(Some(&paid), Some(&first), Some(&sent), &s),
        InvoiceChange::Nothing
    );
    // A refund appears: added to the existing invoice.
    fx.txn(778, 1001, "0.00", "0.00", "5.00", 777);
    let now = fx.run().invoices[0].clone();
    match changes::invoice_change(Some(&paid), Some(&now), Some(&sent), &s) {
        InvoiceChange::AddTransactions(t) => assert_eq!(
            t.iter().map(|t| t.external_id.as_str()).collect::<Vec<_>>(),
            vec!["whmcs-txn-778"]
        ),
        other => panic!("{other:?}"),
    }
    // Lines edited: delete and import again.
    fx.bundle.invoices[0].items[2].amount = c("6.00");
    fx.bundle.invoices[0].subtotal = c("33.00");
    let now = fx.run().invoices[0].clone();
    assert_eq!(
        changes::invoice_change(Some(&paid), Some(&now), Some(&sent), &s),
        InvoiceChange::Reimport
    );
    // Status changes and deletion.
    assert_eq!(
        changes::invoice_change(Some(&InvoiceStatus::Cancelled), None, Some(&sent), &s),
        InvoiceChange::SetStatus(InvoiceStatusChange::Voided)
    );
    assert_eq!(
        changes::invoice_change(Some(&InvoiceStatus::Unpaid), None, Some(&sent), &s),
        InvoiceChange::SetStatus(InvoiceStatusChange::Voided)
    );
    assert_eq!(
        changes::invoice_change(Some(&InvoiceStatus::Collections), None, Some(&sent), &s),
        InvoiceChange::SetStatus(InvoiceStatusChange::WrittenOff)
    );
    assert_eq!(
        changes::invoice_change(None, None, Some(&sent), &s),
        InvoiceChange::Delete
    );
    let voided = SentInvoice {
        status: Some(InvoiceStatusChange::Voided),
        ..sent.clone()
    };
    assert_eq!(
        changes::invoice_change(Some(&InvoiceStatus::Cancelled), None, Some(&voided), &s),
        InvoiceChange::Nothing
    );
    assert_eq!(
        changes::invoice_change(Some(&paid), Some(&first), Some(&voided), &s),
        InvoiceChange::Reimport
    );
}

#[test]
fn reactivated_service_has_its_cancellation_removed() {
    let sent = vec!["2026-04-10T00:00:00Z".to_string()];
    assert_eq!(
        changes::cancellation_change(&sent, None)
            .unwrap()
            .cancellation_dates,
        Vec::<String>::new()
    );
    assert_eq!(
        changes::cancellation_change(&sent, Some("2026-04-10T00:00:00Z")),
        None
    );
    assert_eq!(
        changes::cancellation_change(&[], Some("2026-05-01T00:00:00Z"))
            .unwrap()
            .cancellation_dates,
        vec!["2026-05-01T00:00:00Z".to_string()]
    );
}

#[test]
fn merged_client_becomes_a_customer_merge_and_deletion_follows_the_setting() {
    let mut s = Settings::default();
    match changes::client_removal(7, Some(42), &s) {
        ClientRemoval::Merge(m) => assert_eq!(
            (m.from.external_id.as_str(), m.into.external_id.as_str()),
            ("whmcs-client-7", "whmcs-client-42")
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(changes::client_removal(7, None, &s), ClientRemoval::Delete);
    s.propagate_deletions = false;
    assert_eq!(changes::client_removal(7, None, &s), ClientRemoval::Keep);
}

// ---------- invariants ----------

proptest! {
    /// Σ line amounts = cents(subtotal + tax + tax2), and Σ line taxes = tax + tax2, for any mix
    /// of hosting, setup, promotion, custom and group-discount items, taxed or not.
    #[test]
    fn line_amounts_sum_to_the_gross_and_tax_shares_to_the_tax(
        lines in proptest::collection::vec((0u8..4, 1i64..100_000, any::<bool>()), 1..8),
        promo in 0i64..500,
        group in 0i64..500,
        tax in 0i64..20_000,
        tax2 in 0i64..5_000,
    ) {
        let mut fx = Fx::new();
        fx.service(900, 7, "Monthly", "10.00");
        let mut items = Vec::new();
        let mut has_hosting = false;
        for (n, (k, amount, taxed)) in lines.iter().enumerate() {
            let (kind, relid) = match k { 0 => ("Hosting", 900), 1 => ("Setup", 900), 2 => ("Item", 0), _ => ("LateFee", 0) };
            if kind == "Hosting" { if has_hosting { continue } has_hosting = true; }
            items.push(item(n as i64 + 1, kind, relid, &Cents(*amount).to_string(), *taxed, Some("2026-01-05")));
        }
        let total: i64 = items.iter().map(|i| i.amount.0).sum();
        // A promotion never exceeds the line it discounts (that case is clamped, tested apart).
        let hosting: i64 = items.iter().filter(|i| i.kind == "Hosting").map(|i| i.amount.0).sum();
        if has_hosting && promo > 0 {
            items.push(item(100, "PromoHosting", 900, &Cents(-promo.min(hosting / 2)).to_string(), true, None));
        }
        if group > 0 { items.push(item(101, "GroupDiscount", 0, &Cents(-group.min(total / 4)).to_string(), false, None)); }
        fx.invoice(1001, "2026-01-05", "Paid", items, &Cents(tax).to_string(), "0");
        fx.bundle.invoices[0].tax2 = Cents(tax2);
        let gross = fx.bundle.invoices[0].gross().0;
        let e = fx.run();
        prop_assert!(e.issues.is_empty(), "{:?}", e.issues);
        let inv = &e.invoices[0];
        prop_assert_eq!(inv.line_items.iter().map(|l| l.amount_in_cents).sum::<i64>(), gross);
        prop_assert_eq!(inv.line_items.iter().map(|l| l.tax_amount_in_cents).sum::<i64>(), tax + tax2);
    }

    /// Mass-pay shares of a container payment (and its fees) sum to the payment.
    #[test]
    fn mass_pay_shares_sum_to_the_payment(originals in proptest::collection::vec(1i64..100_000, 1..6), fees in 0i64..1_000) {
        let mut fx = Fx::new();
        let mut container_items = Vec::new();
        for (n, amount) in originals.iter().enumerate() {
            let id = 10 + n as i64;
            fx.invoice(id, "2026-01-05", "Paid", vec![item(id, "Item", 0, &Cents(*amount).to_string(), false, None)], "0", &Cents(*amount).to_string());
            container_items.push(item(100 + id, "Invoice", id, &Cents(*amount).to_string(), false, None));
        }
        let sum: i64 = originals.iter().sum();
        fx.invoice(99, "2026-01-06", "Paid", container_items, "0", "0");
        fx.txn(500, 99, &Cents(sum).to_string(), &Cents(fees).to_string(), "0", 0);
        let e = fx.run();
        let txns: Vec<&cm::Transaction> = e.invoices.iter().flat_map(|i| i.transactions.iter()).collect();
        prop_assert_eq!(txns.iter().map(|t| t.amount_in_cents.unwrap()).sum::<i64>(), sum);
        prop_assert_eq!(txns.iter().map(|t| t.transaction_fees_in_cents.unwrap_or(0)).sum::<i64>(), fees);
        prop_assert!(txns.iter().all(|t| t.external_id.starts_with("whmcs-txn-500-")));
    }

    /// For a regularly invoiced service, ChartMogul's MRR of its line (reference §8 formula)
    /// equals the recurring amount (after its recurring promotion, before tax) ÷ cycle months.
    #[test]
    fn mrr_of_a_regularly_invoiced_service_is_its_recurring_amount_per_month(
        cycle in 0usize..6,
        price in 100i64..1_000_000,
        promo in 0i64..100,
        rate_permille in 0i64..300,
        taxed in any::<bool>(),
        inclusive in any::<bool>(),
    ) {
        let cycle = Recurring::ALL[cycle];
        let promo = promo.min(price / 2);
        let recurring = price - promo;
        let mut fx = Fx::new();
        if inclusive { fx.catalog.config.tax_type = TaxType::Inclusive; }
        fx.service(900, 7, cycle.display(), &Cents(recurring).to_string()).promoid = 5;
        let tax = if taxed { (recurring * rate_permille + 500) / 1000 } else { 0 };
        let mut items = vec![item(1, "Hosting", 900, &Cents(price).to_string(), taxed, Some("2026-01-05"))];
        if promo > 0 { items.push(item(2, "PromoHosting", 900, &Cents(-promo).to_string(), taxed, None)); }
        fx.invoice(1001, "2026-01-05", "Paid", items, &Cents(tax).to_string(), "0");
        if inclusive {
            // Inclusive: item amounts contain the tax, the subtotal does not.
            fx.bundle.invoices[0].subtotal = Cents(recurring - tax);
        }
        let e = fx.run();
        prop_assert!(e.issues.is_empty(), "{:?}", e.issues);
        let line = &e.invoices[0].line_items[0];
        let months = i64::from(cycle.months());
        let net = if inclusive { recurring - tax } else { recurring };
        let expected = (2 * net + months) / (2 * months);
        prop_assert_eq!(cm_mrr(line, &e.plans[0]), expected);
    }
}

#[test]
fn a_termination_before_an_already_paid_period_churns_at_that_periods_start() {
    // Terminated on 03-24, but the period from 04-10 had been invoiced and paid already.
    let mut fx = churn_fx(ServiceStatus::Terminated);
    fx.invoice(
        1002,
        "2026-03-20",
        "Paid",
        vec![
            item(5560, "Hosting", 900, "30.00", true, Some("2026-04-10")),
            item(5561, "PromoHosting", 900, "-3.00", true, None),
        ],
        "2.70",
        "0.00",
    );
    fx.bundle.services[0].termination_date = Some(d("2026-03-24"));
    assert_eq!(
        cancellation(&fx.run()),
        ("2026-04-10T00:00:00Z", churn::ChurnRule::TerminationDate)
    );
}

#[test]
fn payments_never_exceed_what_the_exported_lines_add_up_to() {
    // The orphan line (7.00) is dropped, the payment covered it too: it is capped at 34.70.
    let mut fx = worked_example();
    fx.bundle.invoices[0].items.push(item(
        5599,
        "Hosting",
        999,
        "7.00",
        false,
        Some("2026-01-10"),
    ));
    fx.bundle.invoices[0].subtotal += c("7.00");
    fx.bundle.invoices[0].credit = Cents::ZERO;
    fx.bundle.transactions[0].amountin = c("41.70");
    fx.txn(778, 1001, "0.00", "0.00", "40.00", 777);
    let e = fx.run();
    let t: Vec<(&str, Option<i64>)> = e.invoices[0]
        .transactions
        .iter()
        .map(|t| (t.external_id.as_str(), t.amount_in_cents))
        .collect();
    assert_eq!(
        t,
        vec![("whmcs-txn-777", Some(3470)), ("whmcs-txn-778", Some(3470))]
    );
}
