//! The reader (`sync_core::read`) on real databases: every test body runs once on SQLite and
//! once on MariaDB (a throwaway server started by `tests/mariadb.sh`, one per test process,
//! a fresh database per test), with tables created from the committed WHMCS schema files.

mod common;

use chrono::{NaiveDate, NaiveDateTime};
use common::{db, insert, loosen_column, with_invalid_dates};
use sync_core::Cents;
use sync_core::db::{Db, Dialect, Value};
use sync_core::read::{ClientPage, Reader, UNDECODABLE};
use sync_core::whmcs::{
    BillingCycle, CancelType, ClientBundle, ClientStatus, DomainStatus, InvoiceStatus, PricingKind,
    Recurring, ServiceStatus, TaxType,
};

macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(&mut *super::common::sqlite_db());
            })*
        }
        mod mariadb {
            $(#[test]
            fn $name() {
                super::$name(&mut *super::common::mariadb_db());
            })*
        }
    };
}

on_both_databases!(
    decodes_a_complete_client,
    undecodable_rows_are_reported_and_skipped,
    keyset_paging_returns_every_client_once,
    addons_follow_their_service,
    catalog_reads_shared_records,
    bundle_reads_one_client,
    drivers_hand_back_text_ints_and_nulls,
);

fn i(n: i64) -> Value {
    Value::Int(n)
}
fn t(s: &str) -> Value {
    Value::Text(s.to_string())
}
fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn client(db: &mut dyn Db, id: i64) {
    insert(
        db,
        "tblclients",
        &[
            ("id", i(id)),
            ("firstname", t(&format!("First{id}"))),
            ("lastname", t("Lovelace")),
            ("companyname", t("")),
            ("email", t(&format!("client{id}@example.com"))),
            ("address1", t("1 High Street")),
            ("city", t("London")),
            ("postcode", t("N1 9GU")),
            ("country", t("GB")),
            ("currency", i(1)),
            ("datecreated", t("2025-03-01")),
            ("status", t("Active")),
        ],
    );
}

fn service(db: &mut dyn Db, id: i64, userid: i64, extra: &[(&str, Value)]) {
    let mut cols = vec![
        ("id", i(id)),
        ("userid", i(userid)),
        ("packageid", i(3)),
        ("regdate", t("2026-01-05")),
        ("domain", t("example.com")),
        ("paymentmethod", t("stripe")),
        ("firstpaymentamount", t("10.00")),
        ("amount", t("10.00")),
        ("billingcycle", t("Monthly")),
        ("nextduedate", t("2026-02-05")),
        ("nextinvoicedate", t("2026-02-05")),
        ("domainstatus", t("Active")),
    ];
    for (c, v) in extra {
        cols.retain(|(n, _)| n != c);
        cols.push((c, v.clone()));
    }
    insert(db, "tblhosting", &cols);
}

fn invoice(db: &mut dyn Db, id: i64, userid: i64, extra: &[(&str, Value)]) {
    let mut cols = vec![
        ("id", i(id)),
        ("userid", i(userid)),
        ("invoicenum", t("")),
        ("date", t("2026-01-05")),
        ("duedate", t("2026-01-12")),
        ("subtotal", t("10.00")),
        ("credit", t("0.00")),
        ("tax", t("0.00")),
        ("tax2", t("0.00")),
        ("total", t("10.00")),
        ("status", t("Paid")),
        ("paymentmethod", t("stripe")),
    ];
    for (c, v) in extra {
        cols.retain(|(n, _)| n != c);
        cols.push((c, v.clone()));
    }
    insert(db, "tblinvoices", &cols);
}

fn item(
    db: &mut dyn Db,
    id: i64,
    invoiceid: i64,
    userid: i64,
    kind: &str,
    relid: i64,
    amount: &str,
) {
    insert(
        db,
        "tblinvoiceitems",
        &[
            ("id", i(id)),
            ("invoiceid", i(invoiceid)),
            ("userid", i(userid)),
            ("type", t(kind)),
            ("relid", i(relid)),
            (
                "description",
                t(&format!("Item {id} (05/01/2026 - 04/02/2026)")),
            ),
            ("amount", t(amount)),
            ("taxed", i(1)),
            ("duedate", t("2026-01-12")),
            ("paymentmethod", t("stripe")),
        ],
    );
}

fn addon(db: &mut dyn Db, id: i64, hostingid: i64, userid: i64) {
    insert(
        db,
        "tblhostingaddons",
        &[
            ("id", i(id)),
            ("orderid", i(1)),
            ("hostingid", i(hostingid)),
            ("addonid", i(5)),
            ("userid", i(userid)),
            ("name", t("")),
            ("recurring", t("2.50")),
            ("billingcycle", t("Annually")),
            ("tax", t("")),
            ("status", t("Active")),
            ("regdate", t("2026-01-05")),
            ("nextduedate", t("2027-01-05")),
            ("nextinvoicedate", t("2027-01-05")),
            ("paymentmethod", t("stripe")),
        ],
    );
}

fn all_pages(db: &mut dyn Db, page_size: usize) -> Vec<ClientPage> {
    Reader::new(db)
        .with_page_size(page_size)
        .bundles()
        .collect::<Result<_, _>>()
        .expect("pages")
}

fn errors_of(b: &ClientBundle) -> Vec<(String, i64, Option<String>, String)> {
    b.read_errors
        .iter()
        .map(|e| {
            (
                e.record.table.clone(),
                e.record.id,
                e.column.clone(),
                e.kind.clone(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------

fn decodes_a_complete_client(db: &mut dyn Db) {
    client(db, 6);
    client(db, 7);
    client(db, 8);
    insert(
        db,
        "tblclients",
        &[
            ("id", i(9)),
            ("firstname", t("Old")),
            ("datecreated", t("0000-00-00")),
            ("status", t("Closed")),
        ],
    );
    db.execute(
        "UPDATE `tblclients` SET `updated_at` = ? WHERE `id` = ?",
        &[t("2026-01-05 10:11:12"), i(7)],
    )
    .unwrap();
    service(
        db,
        100,
        7,
        &[
            ("amount", t("0.29")),
            ("billingcycle", t("Semi-Annually")),
            ("nextduedate", Value::Null),
            ("promoid", i(2)),
        ],
    );
    service(
        db,
        101,
        7,
        &[
            ("amount", i(30)),
            ("billingcycle", t("one time")),
            ("domainstatus", t("Cancelled")),
        ],
    );
    service(
        db,
        102,
        7,
        &[
            ("billingcycle", t("Fortnightly")),
            ("termination_date", t("2026-03-01")),
            ("domainstatus", t("Terminated")),
        ],
    );
    service(db, 103, 6, &[]);
    insert(
        db,
        "tbldomains",
        &[
            ("id", i(5)),
            ("userid", i(7)),
            ("type", t("Register")),
            ("registrationdate", t("2026-01-05")),
            ("domain", t("example.com")),
            ("firstpaymentamount", t("12.99")),
            ("recurringamount", t("25.98")),
            ("registrationperiod", i(2)),
            ("expirydate", Value::Null),
            ("status", t("Pending Transfer")),
            ("nextduedate", t("2028-01-05")),
        ],
    );
    invoice(
        db,
        900,
        7,
        &[
            ("subtotal", t("10.29")),
            ("tax", t("1.00")),
            ("total", t("11.29")),
            ("invoicenum", t("2026-0001")),
        ],
    );
    invoice(
        db,
        901,
        7,
        &[
            ("status", t("Payment Pending")),
            ("datepaid", t("2026-01-06 09:30:00")),
        ],
    );
    invoice(db, 902, 6, &[]);
    // Inserted out of id order: the reader orders them.
    item(db, 5003, 900, 7, "Hosting", 100, "10.39");
    item(db, 5001, 901, 7, "Hosting", 101, "10.00");
    item(db, 5002, 900, 7, "PromoHosting", 100, "-0.10");
    item(db, 5004, 902, 6, "Hosting", 103, "10.00");
    insert(
        db,
        "tblaccounts",
        &[
            ("id", i(78)),
            ("userid", i(7)),
            ("gateway", t("stripe")),
            ("date", t("2026-01-09 12:00:00")),
            ("description", t("Refund")),
            ("amountout", t("11.29")),
            ("fees", t("-0.35")),
            ("transid", t("re_1")),
            ("invoiceid", i(900)),
            ("refundid", i(77)),
        ],
    );
    insert(
        db,
        "tblaccounts",
        &[
            ("id", i(77)),
            ("userid", i(7)),
            ("gateway", t("stripe")),
            ("date", t("2026-01-06 09:30:00")),
            ("description", t("Invoice Payment")),
            ("amountin", t("11.29")),
            ("fees", t("0.35")),
            ("transid", t("ch_1")),
            ("invoiceid", i(900)),
        ],
    );
    insert(
        db,
        "tblcancelrequests",
        &[
            ("id", i(3)),
            ("date", t("2026-02-01 08:00:00")),
            ("relid", i(100)),
            ("reason", t("Too expensive")),
            ("type", t("End of Billing Period")),
        ],
    );
    insert(
        db,
        "tblcancelrequests",
        &[
            ("id", i(4)),
            ("relid", i(103)),
            ("reason", t("")),
            ("type", t("Immediate")),
        ],
    );
    insert(
        db,
        "tblupgrades",
        &[
            ("id", i(4)),
            ("userid", i(7)),
            ("orderid", i(1)),
            ("type", t("package")),
            ("date", t("2026-01-20")),
            ("relid", i(100)),
            ("originalvalue", t("3")),
            ("newvalue", t("4,Semi-Annually")),
            ("new_cycle", t("semiannually")),
            ("amount", t("5.00")),
            ("days_remaining", i(166)),
            ("total_days_in_cycle", i(181)),
            ("new_recurring_amount", t("9.99")),
            ("status", t("Completed")),
        ],
    );

    let page = Reader::new(&mut *db).client_page(0, 10).expect("page");
    assert_eq!(page.last_id, Some(9));
    assert!(page.errors.is_empty(), "{:?}", page.errors);
    assert_eq!(
        page.bundles.iter().map(|b| b.client.id).collect::<Vec<_>>(),
        vec![6, 7, 8, 9]
    );
    let b = &page.bundles[1];
    assert!(b.read_errors.is_empty(), "{:?}", b.read_errors);

    let c = &b.client;
    assert_eq!(
        (c.firstname.as_str(), c.email.as_str(), c.country.as_str()),
        ("First7", "client7@example.com", "GB")
    );
    assert_eq!(
        (c.currency, c.groupid, &c.status),
        (1, 0, &ClientStatus::Active)
    );
    assert_eq!(c.datecreated, Some(day("2025-03-01")));
    assert_eq!(c.updated_at, Some(at("2026-01-05 10:11:12")));
    let old = &page.bundles[3].client;
    assert_eq!(
        (old.datecreated, old.updated_at, &old.status),
        (None, None, &ClientStatus::Closed)
    );

    let s: Vec<_> = b.services.iter().map(|s| s.id).collect();
    assert_eq!(s, vec![100, 101, 102]);
    let s0 = &b.services[0];
    assert_eq!(s0.amount, Cents(29), "0.29 must be exactly 29 cents");
    assert_eq!(s0.firstpaymentamount, Cents(1000));
    assert_eq!(
        s0.billingcycle,
        BillingCycle::Recurring(Recurring::SemiAnnually)
    );
    assert_eq!(
        (s0.nextduedate, s0.termination_date, s0.regdate),
        (None, None, Some(day("2026-01-05")))
    );
    assert_eq!(
        (s0.status.clone(), s0.promoid, s0.qty, s0.packageid),
        (ServiceStatus::Active, 2, 1, 3)
    );
    assert_eq!(b.services[1].amount, Cents(3000));
    assert_eq!(b.services[1].billingcycle, BillingCycle::OneTime);
    assert_eq!(b.services[1].status, ServiceStatus::Cancelled);
    assert_eq!(
        b.services[2].billingcycle,
        BillingCycle::Unknown("Fortnightly".into())
    );
    assert_eq!(b.services[2].termination_date, Some(day("2026-03-01")));

    let d = &b.domains[0];
    assert_eq!(
        (
            d.id,
            d.kind.as_str(),
            d.domain.as_str(),
            d.registrationperiod
        ),
        (5, "Register", "example.com", 2)
    );
    assert_eq!(
        (d.firstpaymentamount, d.recurringamount),
        (Cents(1299), Cents(2598))
    );
    assert_eq!(
        (d.expirydate, d.nextduedate),
        (None, Some(day("2028-01-05")))
    );
    assert_eq!(d.status, DomainStatus::PendingTransfer);

    assert_eq!(
        b.invoices.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![900, 901]
    );
    let inv = &b.invoices[0];
    assert_eq!(
        inv.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![5002, 5003]
    );
    assert!(inv.items.iter().all(|i| i.invoiceid == 900));
    assert_eq!(
        (inv.subtotal, inv.tax, inv.total, inv.credit),
        (Cents(1029), Cents(100), Cents(1129), Cents(0))
    );
    assert_eq!(inv.gross(), Cents(1129));
    assert_eq!(inv.invoicenum, "2026-0001");
    assert_eq!(
        (inv.date, inv.duedate, inv.datepaid),
        (Some(day("2026-01-05")), Some(day("2026-01-12")), None)
    );
    assert_eq!(inv.status, InvoiceStatus::Paid);
    let promo = &inv.items[0];
    assert_eq!(
        (promo.kind.as_str(), promo.relid, promo.amount, promo.taxed),
        ("PromoHosting", 100, Cents(-10), true)
    );
    assert_eq!(promo.duedate, Some(day("2026-01-12")));
    assert_eq!(b.invoices[1].status, InvoiceStatus::PaymentPending);
    assert_eq!(b.invoices[1].datepaid, Some(at("2026-01-06 09:30:00")));
    assert_eq!(
        b.invoices[1].items.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![5001]
    );

    assert_eq!(
        b.transactions.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![77, 78]
    );
    let (pay, refund) = (&b.transactions[0], &b.transactions[1]);
    assert_eq!(
        (pay.amountin, pay.fees, pay.amountout, pay.invoiceid),
        (Cents(1129), Cents(35), Cents(0), 900)
    );
    assert_eq!(pay.date, Some(at("2026-01-06 09:30:00")));
    assert_eq!(
        (refund.amountout, refund.fees, refund.refundid),
        (Cents(1129), Cents(-35), 77)
    );
    assert_eq!(
        (pay.gateway.as_str(), pay.transid.as_str(), pay.currency),
        ("stripe", "ch_1", 0)
    );

    assert_eq!(b.cancel_requests.len(), 1);
    let cr = &b.cancel_requests[0];
    assert_eq!(
        (cr.id, cr.relid, cr.kind.clone()),
        (3, 100, CancelType::EndOfBillingPeriod)
    );
    assert_eq!(
        (cr.date, cr.reason.as_str()),
        (Some(at("2026-02-01 08:00:00")), "Too expensive")
    );

    let u = &b.upgrades[0];
    assert_eq!(
        (u.id, u.kind.as_str(), u.relid, u.date),
        (4, "package", 100, Some(day("2026-01-20")))
    );
    assert_eq!(
        (u.amount, u.new_recurring_amount, u.completed),
        (Cents(500), Cents(999), true)
    );
    assert_eq!(
        (
            u.days_remaining,
            u.total_days_in_cycle,
            u.new_cycle.as_str()
        ),
        (166, 181, "semiannually")
    );

    // Nothing leaks between clients.
    let other = &page.bundles[0];
    assert_eq!(
        other.services.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![103]
    );
    assert_eq!(
        other.invoices.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![902]
    );
    assert_eq!(
        other.invoices[0]
            .items
            .iter()
            .map(|i| i.id)
            .collect::<Vec<_>>(),
        vec![5004]
    );
    assert_eq!(
        other
            .cancel_requests
            .iter()
            .map(|c| (c.id, c.kind.clone()))
            .collect::<Vec<_>>(),
        vec![(4, CancelType::Immediate)]
    );
    assert!(other.transactions.is_empty() && other.upgrades.is_empty() && other.domains.is_empty());
    let empty = &page.bundles[2];
    assert!(empty.services.is_empty() && empty.invoices.is_empty() && empty.read_errors.is_empty());
}

fn undecodable_rows_are_reported_and_skipped(db: &mut dyn Db) {
    client(db, 1);
    client(db, 2);
    with_invalid_dates(db, |db| {
        insert(
            db,
            "tblclients",
            &[
                ("id", i(3)),
                ("firstname", t("Bad")),
                ("datecreated", t("2026-02-31")),
            ],
        );
        service(db, 20, 2, &[("regdate", t("2026-02-30"))]);
    });
    client(db, 4);
    service(db, 21, 2, &[]);
    service(db, 30, 3, &[]);
    loosen_column(db, "tblinvoices", "total");
    loosen_column(db, "tblinvoiceitems", "amount");
    invoice(db, 10, 1, &[("total", t("12,50"))]);
    invoice(db, 11, 1, &[]);
    item(db, 30, 11, 1, "Hosting", 0, "abc");
    item(db, 31, 11, 1, "Hosting", 0, "10.00");
    item(db, 32, 10, 1, "Hosting", 0, "12.50");

    let page = Reader::new(&mut *db).client_page(0, 3).expect("page");
    // The undecodable client still moves the keyset forward.
    assert_eq!(page.last_id, Some(3));
    assert_eq!(
        page.bundles.iter().map(|b| b.client.id).collect::<Vec<_>>(),
        vec![1, 2]
    );
    let e = &page.errors;
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        (
            e[0].record.table.as_str(),
            e[0].record.id,
            e[0].column.as_deref()
        ),
        ("tblclients", 3, Some("datecreated"))
    );
    assert_eq!(e[0].kind, UNDECODABLE);
    assert!(e[0].is_error());

    let b1 = &page.bundles[0];
    assert_eq!(
        b1.invoices.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![11]
    );
    assert_eq!(
        b1.invoices[0]
            .items
            .iter()
            .map(|i| i.id)
            .collect::<Vec<_>>(),
        vec![31]
    );
    assert_eq!(
        errors_of(b1),
        vec![
            (
                "tblinvoiceitems".into(),
                30,
                Some("amount".into()),
                UNDECODABLE.into()
            ),
            (
                "tblinvoices".into(),
                10,
                Some("total".into()),
                UNDECODABLE.into()
            ),
        ]
    );
    assert!(
        b1.read_errors[1].message.contains("12,50"),
        "{}",
        b1.read_errors[1].message
    );
    assert!(
        b1.read_errors[0].message.contains("invoice #11"),
        "{}",
        b1.read_errors[0].message
    );

    let b2 = &page.bundles[1];
    assert_eq!(
        b2.services.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![21]
    );
    assert_eq!(
        errors_of(b2),
        vec![(
            "tblhosting".into(),
            20,
            Some("regdate".into()),
            UNDECODABLE.into()
        )]
    );

    // The next page carries on after the bad client.
    let next = Reader::new(&mut *db).client_page(3, 3).expect("page");
    assert_eq!(
        next.bundles.iter().map(|b| b.client.id).collect::<Vec<_>>(),
        vec![4]
    );
    assert_eq!(next.last_id, Some(4));
}

fn keyset_paging_returns_every_client_once(db: &mut dyn Db) {
    db.execute("BEGIN", &[]).expect("begin");
    let ids: Vec<i64> = (1..=23).map(|n| n * 4 + n % 3).collect();
    // Inserted in a scrambled order: ids, not insertion order, drive the pages.
    let mut scrambled = ids.clone();
    scrambled.sort_by_key(|id| (id * 7919) % 23);
    for &id in &scrambled {
        client(db, id);
        service(db, id * 10, id, &[]);
        invoice(db, id * 100, id, &[]);
        item(db, id * 1000 + 1, id * 100, id, "Hosting", id * 10, "10.00");
        item(db, id * 1000, id * 100, id, "Setup", id * 10, "5.00");
    }
    db.execute("COMMIT", &[]).expect("commit");
    with_invalid_dates(db, |db| {
        insert(
            db,
            "tblclients",
            &[("id", i(40)), ("datecreated", t("2026-04-31"))],
        );
    });

    let mut reader = Reader::new(&mut *db).with_page_size(5);
    assert_eq!(reader.count_clients(), Ok(24));
    assert_eq!(reader.count_invoices(), Ok(23));
    let pages: Vec<ClientPage> = reader.bundles().collect::<Result<_, _>>().expect("pages");
    assert_eq!(pages.len(), 5);
    let seen: Vec<i64> = pages
        .iter()
        .flat_map(|p| p.bundles.iter().map(|b| b.client.id))
        .collect();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(seen, expected, "every client exactly once, in id order");
    let bad: Vec<i64> = pages
        .iter()
        .flat_map(|p| p.errors.iter().map(|e| e.record.id))
        .collect();
    assert_eq!(bad, vec![40]);
    for p in &pages {
        assert!(p.bundles.len() + p.errors.len() <= 5);
        assert_eq!(
            p.last_id,
            p.bundles
                .iter()
                .map(|b| b.client.id)
                .chain(p.errors.iter().map(|e| e.record.id))
                .max()
        );
        for b in &p.bundles {
            let id = b.client.id;
            assert_eq!(
                b.services
                    .iter()
                    .map(|s| (s.id, s.userid))
                    .collect::<Vec<_>>(),
                vec![(id * 10, id)]
            );
            assert_eq!(b.invoices.len(), 1);
            assert_eq!(
                b.invoices[0].items.iter().map(|i| i.id).collect::<Vec<_>>(),
                vec![id * 1000, id * 1000 + 1]
            );
        }
    }
    // Past the end: no more clients.
    let end = reader.client_page(*ids.last().unwrap(), 5).expect("page");
    assert_eq!((end.bundles.len(), end.last_id), (0, None));
    // A resumed run starts where the last one stopped.
    let resumed: Vec<i64> = reader
        .bundles_after(expected[19])
        .flat_map(|p| p.expect("page").bundles.into_iter().map(|b| b.client.id))
        .collect();
    assert_eq!(resumed, expected[20..].to_vec());
}

fn addons_follow_their_service(db: &mut dyn Db) {
    for id in 1..=3 {
        client(db, id);
    }
    service(db, 10, 1, &[]);
    service(db, 20, 2, &[]);
    addon(db, 100, 20, 0); // old data: userid 0
    addon(db, 101, 20, 1); // userid disagrees with the service's owner: the service wins
    addon(db, 102, 999, 3); // its service is gone: stays with its userid
    addon(db, 103, 10, 1);
    addon(db, 104, 0, 0); // belongs to nobody
    insert(
        db,
        "tblcancelrequests",
        &[
            ("id", i(1)),
            ("relid", i(20)),
            ("reason", t("")),
            ("type", t("Immediate")),
        ],
    );

    for page_size in [1, 2, 10] {
        let pages = all_pages(db, page_size);
        let got: Vec<(i64, Vec<i64>)> = pages
            .iter()
            .flat_map(|p| {
                p.bundles
                    .iter()
                    .map(|b| (b.client.id, b.addons.iter().map(|a| a.id).collect()))
            })
            .collect();
        assert_eq!(
            got,
            vec![(1, vec![103]), (2, vec![100, 101]), (3, vec![102])],
            "page size {page_size}"
        );
        let b2 = pages
            .iter()
            .flat_map(|p| &p.bundles)
            .find(|b| b.client.id == 2)
            .unwrap();
        let a = &b2.addons[0];
        assert_eq!((a.hostingid, a.userid, a.addonid), (20, 0, 5));
        assert_eq!((a.recurring, a.setupfee), (Cents(250), Cents(0)));
        assert_eq!(a.billingcycle, BillingCycle::Recurring(Recurring::Annually));
        assert_eq!(
            (a.status.clone(), a.regdate, a.termination_date),
            (ServiceStatus::Active, Some(day("2026-01-05")), None)
        );
        assert_eq!(
            b2.cancel_requests.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![1]
        );
    }
}

fn catalog_reads_shared_records(db: &mut dyn Db) {
    // No tblconfiguration rows yet: defaults.
    let (empty, errors) = Reader::new(&mut *db).catalog().expect("catalog");
    assert!(errors.is_empty());
    assert_eq!(empty.config.tax_type, TaxType::Exclusive);
    assert_eq!(
        (
            empty.config.date_format.as_str(),
            empty.config.timezone.as_deref()
        ),
        ("DD/MM/YYYY", None)
    );

    insert(
        db,
        "tblcurrencies",
        &[
            ("id", i(1)),
            ("code", t("USD")),
            ("prefix", t("$")),
            ("suffix", t(" USD")),
            ("format", i(1)),
            ("rate", t("1.00000")),
            ("default", i(1)),
        ],
    );
    insert(
        db,
        "tblcurrencies",
        &[
            ("id", i(2)),
            ("code", t("EUR")),
            ("prefix", t("€")),
            ("suffix", t(" EUR")),
            ("format", i(3)),
            ("rate", t("0.92000")),
            ("default", i(0)),
        ],
    );
    insert(
        db,
        "tblclientgroups",
        &[
            ("id", i(1)),
            ("groupname", t("VIP")),
            ("separateinvoices", t("")),
        ],
    );
    insert(
        db,
        "tblproductgroups",
        &[("id", i(1)), ("name", t("Shared Hosting"))],
    );
    insert(
        db,
        "tblproducts",
        &[
            ("id", i(3)),
            ("type", t("hostingaccount")),
            ("gid", i(1)),
            ("name", t("Starter")),
            ("paytype", t("recurring")),
            ("tax", i(1)),
            ("autoterminatedays", i(30)),
            ("retired", i(0)),
            ("updated_at", t("2025-12-01 08:00:00")),
        ],
    );
    insert(
        db,
        "tblproducts",
        &[
            ("id", i(4)),
            ("type", t("other")),
            ("gid", i(1)),
            ("name", t("Old")),
            ("paytype", t("onetime")),
            ("retired", i(1)),
        ],
    );
    insert(
        db,
        "tbladdons",
        &[
            ("id", i(5)),
            ("packages", t("3,4")),
            ("name", t("Backup")),
            ("billingcycle", t("Semi Annually")),
            ("tax", i(0)),
        ],
    );
    insert(
        db,
        "tblpromotions",
        &[
            ("id", i(2)),
            ("code", t("TRIAL")),
            ("type", t("Percentage")),
            ("recurring", Value::Null),
            ("value", t("100.00")),
            ("recurfor", i(0)),
        ],
    );
    insert(
        db,
        "tblpromotions",
        &[
            ("id", i(3)),
            ("code", t("SAVE5")),
            ("type", t("Fixed Amount")),
            ("recurring", i(1)),
            ("value", t("5.00")),
            ("recurfor", i(12)),
        ],
    );
    let price = |id: i64, kind: &str, relid: i64, monthly: &str| {
        vec![
            ("id", i(id)),
            ("type", t(kind)),
            ("currency", i(1)),
            ("relid", i(relid)),
            ("msetupfee", t("0.00")),
            ("qsetupfee", t("-1.00")),
            ("ssetupfee", t("0.00")),
            ("asetupfee", t("0.00")),
            ("bsetupfee", t("0.00")),
            ("tsetupfee", t("0.00")),
            ("monthly", t(monthly)),
            ("quarterly", t("-1.00")),
            ("semiannually", t("29.94")),
            ("annually", t("59.88")),
            ("biennially", t("-1.00")),
            ("triennially", t("-1.00")),
        ]
    };
    insert(db, "tblpricing", &price(1, "product", 3, "4.99"));
    insert(db, "tblpricing", &price(2, "addon", 5, "0.29"));
    loosen_column(db, "tblpricing", "annually");
    let mut bad = price(3, "product", 4, "1.00");
    bad.retain(|(c, _)| *c != "annually");
    bad.push(("annually", t("n/a")));
    insert(db, "tblpricing", &bad);
    insert(
        db,
        "tblconfiguration",
        &[("setting", t("TaxType")), ("value", t("Inclusive"))],
    );
    insert(
        db,
        "tblconfiguration",
        &[("setting", t("DateFormat")), ("value", t("YYYY-MM-DD"))],
    );
    insert(
        db,
        "tblconfiguration",
        &[
            ("setting", t("CompanyName")),
            ("value", t("Example Hosting")),
        ],
    );

    let (cat, errors) = Reader::new(&mut *db).catalog().expect("catalog");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (
            errors[0].record.table.as_str(),
            errors[0].record.id,
            errors[0].column.as_deref()
        ),
        ("tblpricing", 3, Some("annually"))
    );

    assert_eq!(
        cat.currencies.keys().copied().collect::<Vec<_>>(),
        vec![1, 2]
    );
    let usd = &cat.currencies[&1];
    assert_eq!(
        (
            usd.code.as_str(),
            usd.prefix.as_str(),
            usd.suffix.as_str(),
            usd.rate.as_str(),
            usd.default
        ),
        ("USD", "$", " USD", "1.00000", true)
    );
    assert_eq!(
        (
            cat.currencies[&2].prefix.as_str(),
            cat.currencies[&2].default
        ),
        ("€", false)
    );
    assert_eq!(cat.client_groups[&1].name, "VIP");
    assert_eq!(cat.product_groups[&1].name, "Shared Hosting");
    let p = &cat.products[&3];
    assert_eq!(
        (p.gid, p.name.as_str(), p.kind.as_str(), p.paytype.as_str()),
        (1, "Starter", "hostingaccount", "recurring")
    );
    assert_eq!((p.taxed, p.autoterminatedays, p.retired), (true, 30, false));
    assert_eq!(p.updated_at, Some(at("2025-12-01 08:00:00")));
    assert_eq!(
        (cat.products[&4].retired, cat.products[&4].updated_at),
        (true, None)
    );
    let a = &cat.addons[&5];
    assert_eq!(
        (a.name.as_str(), a.taxed, a.retired),
        ("Backup", false, false)
    );
    assert_eq!(
        a.billingcycle,
        BillingCycle::Recurring(Recurring::SemiAnnually)
    );
    let trial = &cat.promotions[&2];
    assert_eq!(
        (
            trial.code.as_str(),
            trial.kind.as_str(),
            trial.recurring,
            trial.value,
            trial.recurfor
        ),
        ("TRIAL", "Percentage", false, Cents(10000), 0)
    );
    assert!(cat.promotions[&3].recurring);
    assert_eq!(
        cat.pricing.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![1, 2]
    );
    let pr = &cat.pricing[0];
    assert_eq!(
        (pr.kind.clone(), pr.currency, pr.relid),
        (PricingKind::Product, 1, 3)
    );
    assert_eq!(
        pr.setup,
        [
            Some(Cents(0)),
            None,
            Some(Cents(0)),
            Some(Cents(0)),
            Some(Cents(0)),
            Some(Cents(0))
        ]
    );
    assert_eq!(
        pr.prices,
        [
            Some(Cents(499)),
            None,
            Some(Cents(2994)),
            Some(Cents(5988)),
            None,
            None
        ]
    );
    assert_eq!(
        (cat.pricing[1].kind.clone(), cat.pricing[1].prices[0]),
        (PricingKind::Addon, Some(Cents(29)))
    );
    assert_eq!(cat.config.tax_type, TaxType::Inclusive);
    assert_eq!(
        (
            cat.config.date_format.as_str(),
            cat.config.timezone.as_deref()
        ),
        ("YYYY-MM-DD", None)
    );
}

fn bundle_reads_one_client(db: &mut dyn Db) {
    client(db, 1);
    client(db, 2);
    with_invalid_dates(db, |db| {
        insert(
            db,
            "tblclients",
            &[("id", i(3)), ("datecreated", t("2026-06-31"))],
        )
    });
    invoice(db, 10, 2, &[]);
    invoice(db, 11, 1, &[]);
    let mut reader = Reader::new(&mut *db);
    let b = reader.bundle(2).expect("bundle").expect("client 2");
    assert_eq!(
        (
            b.client.id,
            b.invoices.iter().map(|i| i.id).collect::<Vec<_>>()
        ),
        (2, vec![10])
    );
    assert_eq!(reader.bundle(99).expect("bundle"), None);
    assert_eq!(reader.bundle(3).expect("bundle"), None);
    let why = reader.client_page(2, 1).expect("page");
    assert_eq!(
        why.errors
            .iter()
            .map(|e| (e.record.id, e.column.clone()))
            .collect::<Vec<_>>(),
        vec![(3, Some("datecreated".into()))]
    );
}

fn drivers_hand_back_text_ints_and_nulls(db: &mut dyn Db) {
    client(db, 1);
    invoice(db, 10, 1, &[("total", t("0.29")), ("duedate", Value::Null)]);
    let rows = db
        .query(
            "SELECT `total`, `datepaid`, `date`, `userid`, `paymethodid`, `duedate` FROM `tblinvoices` WHERE `id` = ?",
            &[i(10)],
        )
        .expect("select");
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r[0], t("0.29"));
    assert!(
        matches!(&r[1], Value::Text(s) if s.starts_with("0000-00-00")),
        "{:?}",
        r[1]
    );
    assert!(
        matches!(&r[2], Value::Text(s) if s.starts_with("2026-01-05")),
        "{:?}",
        r[2]
    );
    assert_eq!((&r[3], &r[4], &r[5]), (&i(1), &Value::Null, &Value::Null));

    // Transactions through `execute`, as batch writers use them.
    db.execute("BEGIN", &[]).expect("begin");
    assert_eq!(
        db.execute(
            "UPDATE `tblinvoices` SET `status` = ? WHERE `id` = ?",
            &[t("Cancelled"), i(10)]
        ),
        Ok(1)
    );
    db.execute("ROLLBACK", &[]).expect("rollback");
    let status = db
        .query(
            "SELECT `status` FROM `tblinvoices` WHERE `id` = ?",
            &[i(10)],
        )
        .expect("select");
    assert_eq!(status, vec![vec![t("Paid")]]);
    db.execute("BEGIN", &[]).expect("begin");
    db.execute(
        "UPDATE `tblinvoices` SET `status` = ? WHERE `id` = ?",
        &[t("Refunded"), i(10)],
    )
    .expect("update");
    db.execute("COMMIT", &[]).expect("commit");
    let status = db
        .query(
            "SELECT `status` FROM `tblinvoices` WHERE `id` = ?",
            &[i(10)],
        )
        .expect("select");
    assert_eq!(status, vec![vec![t("Refunded")]]);
    let count = db
        .query("SELECT COUNT(*) FROM `tblinvoices`", &[])
        .expect("count");
    assert_eq!(count, vec![vec![i(1)]]);
    // Creating the schema again leaves tables and rows alone.
    db::create_whmcs_schema(db).expect("schema again");
    assert_eq!(
        db.query("SELECT COUNT(*) FROM `tblinvoices`", &[])
            .expect("count"),
        vec![vec![i(1)]]
    );
}

// ---------------------------------------------------------------------------------------------
// Backend-specific

#[test]
fn sqlite_source_creates_a_wal_file() {
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("open-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let mut db = db::open(&format!("sqlite:{}", path.display())).expect("open");
    assert!(path.exists());
    assert_eq!(db.dialect(), Dialect::Sqlite);
    assert_eq!(
        db.query("PRAGMA journal_mode", &[]).expect("pragma"),
        vec![vec![t("wal")]]
    );
    assert_eq!(
        db.query("PRAGMA synchronous", &[]).expect("pragma"),
        vec![vec![i(1)]]
    );
    drop(db);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[test]
fn mysql_source_connects_by_socket_and_hides_passwords() {
    let m = common::mariadb();
    let mut db = db::open(&format!(
        "mysql://root:{}@localhost/whmcs?socket={}",
        m.password, m.socket
    ))
    .expect("socket");
    assert_eq!(db.dialect(), Dialect::MySql);
    assert_eq!(
        db.query("SELECT @@SESSION.sql_mode", &[]).expect("mode"),
        vec![vec![t("NO_ENGINE_SUBSTITUTION")]]
    );
    assert_eq!(
        db.query("SELECT @@SESSION.character_set_client", &[])
            .expect("charset"),
        vec![vec![t("utf8mb4")]]
    );
    let err = db::open(&format!(
        "mysql://root:wrong-secret@127.0.0.1:{}/whmcs",
        m.port
    ))
    .err()
    .expect("refused");
    assert!(err.contains("127.0.0.1"), "{err}");
    assert!(!err.contains("wrong-secret"), "{err}");
}
