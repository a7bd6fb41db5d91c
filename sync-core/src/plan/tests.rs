//! Planning against the ledger: first sync, second sync (nothing), and each change of
//! mapping.md §8.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};

use super::*;
use crate::map::{MapContext, map_client};
use crate::money::{Cents, parse_cents};
use crate::whmcs::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn catalog() -> Catalog {
    let mut c = Catalog::default();
    c.currencies.insert(
        1,
        Currency {
            id: 1,
            code: "USD".into(),
            prefix: "$".into(),
            suffix: "".into(),
            rate: "1".into(),
            default: true,
        },
    );
    c.products.insert(
        7,
        Product {
            id: 7,
            gid: 0,
            name: "VPS S".into(),
            kind: "server".into(),
            paytype: "recurring".into(),
            taxed: false,
            autoterminatedays: 0,
            retired: false,
            updated_at: None,
        },
    );
    c
}

fn bundle() -> ClientBundle {
    let item = |id: i64, inv: i64, due: &str| InvoiceItem {
        id,
        invoiceid: inv,
        userid: 42,
        kind: "Hosting".into(),
        relid: 900,
        description: "VPS".into(),
        amount: parse_cents("10.00").unwrap(),
        taxed: false,
        duedate: Some(d(due)),
    };
    let invoice = |id: i64, date: &str| Invoice {
        id,
        userid: 42,
        invoicenum: "".into(),
        date: Some(d(date)),
        duedate: Some(d(date)),
        datepaid: None,
        subtotal: parse_cents("10.00").unwrap(),
        credit: Cents::ZERO,
        tax: Cents::ZERO,
        tax2: Cents::ZERO,
        total: parse_cents("10.00").unwrap(),
        status: InvoiceStatus::Paid,
        updated_at: None,
        items: vec![item(id * 10, id, date)],
    };
    ClientBundle {
        client: Client {
            id: 42,
            firstname: "Ada".into(),
            lastname: "L".into(),
            companyname: "".into(),
            email: "ada@example.com".into(),
            address1: "".into(),
            city: "".into(),
            state: "".into(),
            postcode: "".into(),
            country: "GB".into(),
            currency: 1,
            groupid: 0,
            status: ClientStatus::Active,
            datecreated: Some(d("2026-01-01")),
            updated_at: None,
        },
        services: vec![Service {
            id: 900,
            userid: 42,
            packageid: 7,
            regdate: Some(d("2026-01-05")),
            qty: 1,
            firstpaymentamount: parse_cents("10.00").unwrap(),
            amount: parse_cents("10.00").unwrap(),
            billingcycle: BillingCycle::parse("Monthly"),
            nextduedate: Some(d("2026-04-05")),
            termination_date: None,
            status: ServiceStatus::Active,
            promoid: 0,
            updated_at: None,
        }],
        addons: vec![],
        domains: vec![],
        invoices: vec![
            invoice(1, "2026-01-05"),
            invoice(2, "2026-02-05"),
            invoice(3, "2026-03-05"),
        ],
        transactions: vec![],
        cancel_requests: vec![],
        upgrades: vec![],
        read_errors: vec![],
    }
}

struct World {
    catalog: Catalog,
    settings: Settings,
    sent: Sent,
    plans: BTreeMap<String, String>,
}

impl World {
    fn new() -> Self {
        World {
            catalog: catalog(),
            settings: Settings::default(),
            sent: Sent::default(),
            plans: BTreeMap::new(),
        }
    }

    /// Plans the bundle and records every write as confirmed, like a successful send.
    fn sync(&mut self, b: &ClientBundle) -> Vec<Write> {
        let now = Utc.from_utc_datetime(
            &NaiveDateTime::parse_from_str("2026-11-01 00:00:00", "%Y-%m-%d %H:%M:%S").unwrap(),
        );
        let ctx = MapContext::new(&self.catalog, &self.settings, now).unwrap();
        let export = map_client(b, &ctx);
        let plan = plan_client(b, &export, &self.sent, &self.plans, &self.settings);
        for w in &plan.writes {
            if let Write::CreatePlan(p) = w {
                self.plans.insert(p.external_id.clone(), p.name.clone());
            }
            if let Write::RenamePlan { external_id, patch } = w {
                self.plans.insert(external_id.clone(), patch.name.clone());
            }
            self.sent.apply(w, &plan);
        }
        plan.writes
    }
}

fn kinds(writes: &[Write]) -> Vec<&'static str> {
    writes
        .iter()
        .map(|w| match w {
            Write::CreatePlan(_) => "create_plan",
            Write::RenamePlan { .. } => "rename_plan",
            Write::CreateCustomer(_) => "create_customer",
            Write::UpdateCustomer { .. } => "update_customer",
            Write::ImportInvoices { .. } => "import_invoices",
            Write::ReimportInvoice { .. } => "reimport_invoice",
            Write::AddTransactions { .. } => "add_transactions",
            Write::SetInvoiceStatus { .. } => "set_invoice_status",
            Write::DeleteInvoice { .. } => "delete_invoice",
            Write::SetCancellationDates { .. } => "set_cancellation_dates",
        })
        .collect()
}

#[test]
fn a_first_sync_creates_plan_customer_and_all_invoices_in_one_import_and_a_second_sends_nothing() {
    let mut w = World::new();
    let b = bundle();
    let first = w.sync(&b);
    assert_eq!(
        kinds(&first),
        vec!["create_plan", "create_customer", "import_invoices"]
    );
    match &first[2] {
        Write::ImportInvoices {
            customer_external_id,
            invoices,
        } => {
            assert_eq!(customer_external_id, "whmcs-client-42");
            assert_eq!(invoices.len(), 3);
        }
        other => panic!("{other:?}"),
    }
    assert!(w.sync(&b).is_empty());
}

#[test]
fn a_cancellation_known_at_backfill_travels_inline_on_the_newest_line() {
    let mut w = World::new();
    let mut b = bundle();
    b.services[0].status = ServiceStatus::Cancelled;
    b.services[0].termination_date = Some(d("2026-04-01"));
    let writes = w.sync(&b);
    assert_eq!(
        kinds(&writes),
        vec!["create_plan", "create_customer", "import_invoices"]
    );
    let Write::ImportInvoices { invoices, .. } = &writes[2] else {
        unreachable!()
    };
    let cancelled: Vec<Option<&str>> = invoices
        .iter()
        .map(|i| i.line_items[0].cancelled_at.as_deref())
        .collect();
    assert_eq!(cancelled, vec![None, None, Some("2026-04-01T00:00:00Z")]);
    assert!(
        w.sync(&b).is_empty(),
        "the inline cancellation must not look like an invoice edit"
    );
}

#[test]
fn later_changes_become_the_writes_of_section_8() {
    let mut w = World::new();
    let mut b = bundle();
    w.sync(&b);

    // A payment arrives on invoice 3.
    b.transactions.push(Transaction {
        id: 77,
        userid: 42,
        currency: 0,
        gateway: "stripe".into(),
        date: Some(
            NaiveDateTime::parse_from_str("2026-03-06 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap(),
        ),
        description: "".into(),
        amountin: parse_cents("10.00").unwrap(),
        fees: Cents::ZERO,
        amountout: Cents::ZERO,
        transid: "ch_1".into(),
        invoiceid: 3,
        refundid: 0,
    });
    assert_eq!(kinds(&w.sync(&b)), vec!["add_transactions"]);

    // The client edits their email; the product is renamed.
    b.client.email = "ada@new.example".into();
    w.catalog.products.get_mut(&7).unwrap().name = "VPS Small".into();
    let writes = w.sync(&b);
    assert_eq!(kinds(&writes), vec!["rename_plan", "update_customer"]);
    let Write::UpdateCustomer { patch, .. } = &writes[1] else {
        unreachable!()
    };
    assert_eq!(
        serde_json::to_value(patch).unwrap(),
        serde_json::json!({"email": "ada@new.example"})
    );

    // Invoice 2's amount is edited; invoice 1 is cancelled; then the service ends.
    b.invoices[1].items[0].amount = parse_cents("12.00").unwrap();
    b.invoices[1].subtotal = parse_cents("12.00").unwrap();
    b.invoices[0].status = InvoiceStatus::Cancelled;
    b.services[0].status = ServiceStatus::Terminated;
    b.services[0].termination_date = Some(d("2026-04-01"));
    let writes = w.sync(&b);
    assert_eq!(
        kinds(&writes),
        vec![
            "set_invoice_status",
            "reimport_invoice",
            "set_cancellation_dates"
        ]
    );
    assert!(w.sync(&b).is_empty());

    // The service comes back: its churn is removed; invoice 3 is deleted in WHMCS.
    b.services[0].status = ServiceStatus::Active;
    b.services[0].termination_date = None;
    b.invoices.remove(2);
    let writes = w.sync(&b);
    assert_eq!(
        kinds(&writes),
        vec!["delete_invoice", "set_cancellation_dates"]
    );
    let Write::SetCancellationDates { dates, .. } = &writes[1] else {
        unreachable!()
    };
    assert!(dates.is_empty());
    assert!(w.sync(&b).is_empty());
}

#[test]
fn a_client_without_customer_gets_no_invoice_writes() {
    let mut w = World::new();
    w.settings.export_leads = false;
    let mut b = bundle();
    b.invoices.clear();
    assert!(w.sync(&b).is_empty());
}
