//! One client's records → WHMCS rows, with the ids of [`super::ids`].

use sync_core::Cents;
use sync_core::db::{DbError, Value};

use super::company;
use super::ids::Assigned;
use super::model::*;
use super::writer::{Writer, row};

/// Resolves a local reference to the id it got.
pub fn id_of(r: Ref, ids: &Assigned, client_id: i64) -> i64 {
    match r {
        Ref::None => 0,
        Ref::Service(i) => ids.services[i],
        Ref::Addon(i) => ids.addons[i],
        Ref::Domain(i) => ids.domains[i],
        Ref::Invoice(i) => ids.invoices[i],
        Ref::Upgrade(i) => ids.upgrades[i],
        Ref::Billable(i) => ids.billables[i],
        Ref::Item(i, j) => ids.items[i][j],
        Ref::Client => client_id,
    }
}

fn desc(d: &Desc, ids: &Assigned, client_id: i64) -> String {
    match d {
        Desc::Text(s) => s.clone(),
        Desc::WithId(prefix, r) => format!("{prefix}{}", id_of(*r, ids, client_id)),
    }
}

/// A stored-password look-alike (WHMCS keeps them encrypted): deterministic per record.
fn secret(id: i64, salt: u64) -> String {
    let mut x = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(24);
    for _ in 0..22 {
        x ^= x >> 29;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        s.push(char::from(alphabet[(x >> 58) as usize]));
    }
    s.push_str("==");
    s
}

/// Writes the client row (unless the client was merged away) and every record of the client.
/// `userid` is the client the records belong to now (the merge target for a merged client).
pub fn client(
    w: &mut Writer<'_>,
    d: &ClientData,
    ids: &Assigned,
    userid: i64,
    write_client: bool,
) -> Result<(), DbError> {
    let client_id = d.index as i64 + 1;
    let c = &d.client;
    let created = c.signup.and_hms_opt(8, 0, 0).expect("time");
    if write_client {
        w.insert(
            "tblclients",
            row! {
                "id" => client_id, "uuid" => &c.uuid, "firstname" => &c.firstname, "lastname" => &c.lastname,
                "companyname" => &c.companyname, "email" => &c.email, "address1" => &c.address1,
                "address2" => &c.address2, "city" => &c.city, "state" => &c.state, "postcode" => &c.postcode,
                "country" => &c.country, "phonenumber" => &c.phone, "tax_id" => &c.tax_id,
                "password" => &c.password_hash, "authmodule" => "", "authdata" => "", "currency" => c.currency,
                "defaultgateway" => c.gateway, "credit" => c.credit, "taxexempt" => c.taxexempt,
                "latefeeoveride" => false, "overideduenotices" => false, "separateinvoices" => false,
                "disableautocc" => false, "datecreated" => c.datecreated, "notes" => &c.notes,
                "billingcid" => 0i64, "securityqid" => 0i64, "securityqans" => "", "groupid" => c.groupid,
                "cardtype" => "", "cardlastfour" => "", "cardnum" => "", "startdate" => "", "expdate" => "",
                "issuenumber" => "", "bankname" => "", "banktype" => "", "bankcode" => "", "bankacct" => "",
                "gatewayid" => "", "lastlogin" => c.lastlogin, "ip" => &c.ip, "host" => "", "status" => c.status,
                "language" => c.language, "pwresetkey" => "", "emailoptout" => false,
                "marketing_emails_opt_in" => c.marketing_opt_in, "overrideautoclose" => false,
                "allow_sso" => true, "email_verified" => !c.email.is_empty(),
                "email_preferences" => "{\"general\":1,\"invoice\":1,\"support\":1,\"product\":1,\"domain\":1,\"affiliate\":1}",
                "created_at" => created, "updated_at" => c.lastlogin.max(created), "pwresetexpiry" => None::<chrono::NaiveDateTime>,
            },
        )?;
    }
    let order_id = |o: Option<usize>| o.map_or(0, |o| ids.orders[o]);
    for (i, s) in d.services.iter().enumerate() {
        if s.deleted {
            continue;
        }
        let id = ids.services[i];
        w.insert(
            "tblhosting",
            row! {
                "id" => id, "userid" => userid, "orderid" => order_id(s.order), "packageid" => s.product,
                "server" => s.server, "regdate" => s.regdate, "domain" => &s.domain, "paymentmethod" => s.gateway,
                "qty" => s.qty, "firstpaymentamount" => s.first_payment, "amount" => s.amount,
                "billingcycle" => s.cycle.stored(), "nextduedate" => s.next_due, "nextinvoicedate" => s.next_invoice,
                "termination_date" => s.termination, "completed_date" => s.completed,
                "domainstatus" => s.status.as_str(), "username" => &s.username, "password" => secret(id, 1),
                "notes" => &s.notes, "subscriptionid" => "", "promoid" => s.promo, "promocount" => 0i64,
                "suspendreason" => &s.suspend_reason, "overideautosuspend" => false,
                "overidesuspenduntil" => None::<chrono::NaiveDate>, "dedicatedip" => "", "assignedips" => "",
                "ns1" => "ns1.example-hosting.test", "ns2" => "ns2.example-hosting.test",
                "diskusage" => 0i64, "disklimit" => 0i64, "bwusage" => 0i64, "bwlimit" => 0i64,
                "lastupdate" => None::<chrono::NaiveDateTime>,
                "created_at" => s.regdate.and_hms_opt(10, 0, 0).expect("time"), "updated_at" => s.updated_at,
            },
        )?;
    }
    for (i, a) in d.addons.iter().enumerate() {
        if a.deleted {
            continue;
        }
        // Catalogue addons take their name from tbladdons; only ad-hoc ones store it.
        let name = if a.addon_id == 0 { a.name.as_str() } else { "" };
        w.insert(
            "tblhostingaddons",
            row! {
                "id" => ids.addons[i], "orderid" => order_id(a.order), "hostingid" => ids.services[a.service],
                "addonid" => a.addon_id, "userid" => userid, "server" => 0i64, "name" => name, "qty" => 1i64,
                "firstpaymentamount" => a.first_payment, "setupfee" => a.setup_fee, "recurring" => a.recurring,
                "billingcycle" => a.cycle.stored(), "tax" => if a.taxed { "on" } else { "" },
                "status" => a.status.as_str(), "regdate" => a.regdate, "nextduedate" => a.next_due,
                "nextinvoicedate" => a.next_invoice, "termination_date" => a.termination,
                "proratadate" => None::<chrono::NaiveDate>, "paymentmethod" => a.gateway, "notes" => "",
                "subscriptionid" => "", "created_at" => a.regdate.and_hms_opt(10, 0, 0).expect("time"),
                "updated_at" => a.updated_at,
            },
        )?;
    }
    for (i, x) in d.domains.iter().enumerate() {
        w.insert(
            "tbldomains",
            row! {
                "id" => ids.domains[i], "userid" => userid, "orderid" => order_id(x.order),
                "type" => if x.transfer { "Transfer" } else { "Register" }, "registrationdate" => x.regdate,
                "domain" => &x.name, "firstpaymentamount" => x.first_payment, "recurringamount" => x.recurring,
                "registrar" => if x.tld % 2 == 0 { "enom" } else { "resellerclub" },
                "registrationperiod" => x.years, "expirydate" => x.expiry, "subscriptionid" => "",
                "promoid" => x.promo, "status" => x.status.as_str(), "nextduedate" => x.next_due,
                "nextinvoicedate" => x.next_invoice, "additionalnotes" => "", "paymentmethod" => x.gateway,
                "dnsmanagement" => x.dns, "emailforwarding" => x.emf, "idprotection" => x.idp,
                "is_premium" => false, "donotrenew" => x.donotrenew, "reminders" => "", "synced" => true,
                "created_at" => x.regdate.and_hms_opt(10, 0, 0).expect("time"), "updated_at" => x.updated_at,
            },
        )?;
    }
    for (i, inv) in d.invoices.iter().enumerate() {
        let id = ids.invoices[i];
        w.insert(
            "tblinvoices",
            row! {
                "id" => id, "userid" => userid, "invoicenum" => "", "date" => inv.date, "duedate" => inv.duedate,
                "datepaid" => inv.datepaid, "last_capture_attempt" => None::<chrono::NaiveDateTime>,
                "date_refunded" => inv.date_refunded, "date_cancelled" => inv.date_cancelled,
                "subtotal" => inv.subtotal, "credit" => inv.credit, "tax" => inv.tax, "tax2" => inv.tax2,
                "total" => inv.total, "taxrate" => company::rate_text(inv.taxrate),
                "taxrate2" => company::rate_text(inv.taxrate2), "status" => inv.status.as_str(),
                "paymentmethod" => inv.gateway, "paymethodid" => Value::Null, "notes" => &inv.notes,
                "created_at" => inv.created_at, "updated_at" => inv.updated_at,
            },
        )?;
        for (j, item) in inv.items.iter().enumerate() {
            w.insert(
                "tblinvoiceitems",
                row! {
                    "id" => ids.items[i][j], "invoiceid" => id, "userid" => userid, "type" => item.kind,
                    "relid" => id_of(item.rel, ids, client_id), "description" => desc(&item.desc, ids, client_id),
                    "amount" => item.amount, "taxed" => item.taxed, "duedate" => item.duedate,
                    "paymentmethod" => inv.gateway, "notes" => "",
                },
            )?;
        }
    }
    let rate = company::currency(c.currency).rate;
    for (i, t) in d.txns.iter().enumerate() {
        w.insert(
            "tblaccounts",
            row! {
                "id" => ids.txns[i], "userid" => userid, "currency" => 0i64, "gateway" => t.gateway,
                "date" => t.date, "description" => &t.description, "amountin" => t.amountin, "fees" => t.fees,
                "amountout" => t.amountout, "rate" => rate, "transid" => &t.transid,
                "invoiceid" => id_of(t.invoice, ids, client_id),
                "refundid" => t.refund_of.map_or(0, |r| ids.txns[r]),
            },
        )?;
    }
    for (i, r) in d.cancels.iter().enumerate() {
        w.insert(
            "tblcancelrequests",
            row! {
                "id" => ids.cancels[i], "date" => r.date, "relid" => ids.services[r.service], "reason" => r.reason,
                "type" => if r.immediate { "Immediate" } else { "End of Billing Period" },
                "created_at" => r.date, "updated_at" => r.date,
            },
        )?;
    }
    for (i, u) in d.upgrades.iter().enumerate() {
        w.insert(
            "tblupgrades",
            row! {
                "id" => ids.upgrades[i], "userid" => userid, "orderid" => ids.orders[u.order], "type" => "package",
                "date" => u.date, "relid" => ids.services[u.service], "originalvalue" => u.old_product.to_string(),
                "newvalue" => format!("{},{}", u.new_product, u.cycle.slug()), "new_cycle" => "",
                "amount" => u.amount, "credit_amount" => Cents::ZERO, "days_remaining" => u.days_remaining,
                "total_days_in_cycle" => u.total_days, "new_recurring_amount" => u.new_recurring,
                "recurringchange" => u.recurring_change, "status" => "Completed", "paid" => "Y",
            },
        )?;
    }
    for (i, o) in d.orders.iter().enumerate() {
        w.insert(
            "tblorders",
            row! {
                "id" => ids.orders[i], "ordernum" => o.ordernum, "userid" => userid, "contactid" => 0i64,
                "requestor_id" => 0i64, "admin_requestor_id" => 0i64, "date" => o.date, "nameservers" => "",
                "transfersecret" => "", "renewals" => "", "promocode" => o.promocode, "promotype" => o.promotype,
                "promovalue" => &o.promovalue, "orderdata" => "[]", "amount" => o.amount,
                "paymentmethod" => o.gateway, "invoiceid" => o.invoice.map_or(0, |i| ids.invoices[i]),
                "status" => o.status, "ipaddress" => &o.ip, "fraudmodule" => "",
                "fraudoutput" => "", "notes" => "",
            },
        )?;
    }
    for (i, cr) in d.credits.iter().enumerate() {
        w.insert(
            "tblcredit",
            row! {
                "id" => ids.credits[i], "clientid" => userid, "admin_id" => 0i64, "date" => cr.date,
                "description" => desc(&cr.desc, ids, client_id), "amount" => cr.amount, "relid" => 0i64,
            },
        )?;
    }
    for (i, b) in d.billables.iter().enumerate() {
        w.insert(
            "tblbillableitems",
            row! {
                "id" => ids.billables[i], "userid" => userid, "description" => &b.description,
                "hours" => format!("{}.{}", b.hours_tenths / 10, b.hours_tenths % 10), "amount" => b.amount,
                "recur" => 0i64, "recurcycle" => "", "recurfor" => 0i64, "invoiceaction" => 1i64, "unit" => 0i64,
                "duedate" => b.date, "invoicecount" => 1i64,
            },
        )?;
    }
    for p in &d.planted {
        w.insert(
            "seed_planted",
            row! {
                "table_name" => p.table, "record_id" => id_of(p.record, ids, client_id),
                "column_name" => p.column, "kind" => p.kind,
            },
        )?;
    }
    Ok(())
}
