// Conversions between sync-core's types and the typed-WIT bindings (wit-typed/typed.wit).
// `include!`d by both the host (wasmtime bindgen!) and the guest (wit_bindgen::generate!):
// the generated Rust types have the same names and fields in both, so the caller only has to
// bring a module alias `w` (the generated `exp::typed::types`) into scope.
//
// Directions: bundle_to_w (&ClientBundle, host), bundle_from_w (owned, guest),
// export_to_w (owned, guest), export_from_w (owned, host).

#[allow(unused_imports)]
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
#[allow(unused_imports)]
use sync_core::chartmogul::types as cm;
#[allow(unused_imports)]
use sync_core::map::{Cancellation, ClientExport, churn::ChurnRule};
#[allow(unused_imports)]
use sync_core::whmcs as m;
#[allow(unused_imports)]
use sync_core::{Cents, RecordError, RecordRef, Severity};

// ---------- dates ----------
#[allow(dead_code)]
fn ymd_to(d: &Option<NaiveDate>) -> Option<w::Ymd> {
    d.map(|d| w::Ymd { year: d.year(), month: d.month() as u8, day: d.day() as u8 })
}
#[allow(dead_code)]
fn ymd_from(d: Option<w::Ymd>) -> Option<NaiveDate> {
    d.map(|d| NaiveDate::from_ymd_opt(d.year, d.month.into(), d.day.into()).expect("valid date"))
}
#[allow(dead_code)]
fn ymdhms_to(t: &Option<NaiveDateTime>) -> Option<w::YmdHms> {
    t.map(|t| w::YmdHms {
        date: w::Ymd { year: t.year(), month: t.month() as u8, day: t.day() as u8 },
        hour: t.hour() as u8,
        minute: t.minute() as u8,
        second: t.second() as u8,
        nanosecond: t.nanosecond(),
    })
}
#[allow(dead_code)]
fn ymdhms_from(t: Option<w::YmdHms>) -> Option<NaiveDateTime> {
    t.map(|t| {
        NaiveDate::from_ymd_opt(t.date.year, t.date.month.into(), t.date.day.into())
            .and_then(|d| {
                d.and_hms_nano_opt(t.hour.into(), t.minute.into(), t.second.into(), t.nanosecond)
            })
            .expect("valid date-time")
    })
}

// ---------- enums / variants ----------
#[allow(dead_code)]
fn rec_to(r: m::Recurring) -> w::Recurring {
    match r {
        m::Recurring::Monthly => w::Recurring::Monthly,
        m::Recurring::Quarterly => w::Recurring::Quarterly,
        m::Recurring::SemiAnnually => w::Recurring::SemiAnnually,
        m::Recurring::Annually => w::Recurring::Annually,
        m::Recurring::Biennially => w::Recurring::Biennially,
        m::Recurring::Triennially => w::Recurring::Triennially,
    }
}
#[allow(dead_code)]
fn rec_from(r: w::Recurring) -> m::Recurring {
    match r {
        w::Recurring::Monthly => m::Recurring::Monthly,
        w::Recurring::Quarterly => m::Recurring::Quarterly,
        w::Recurring::SemiAnnually => m::Recurring::SemiAnnually,
        w::Recurring::Annually => m::Recurring::Annually,
        w::Recurring::Biennially => m::Recurring::Biennially,
        w::Recurring::Triennially => m::Recurring::Triennially,
    }
}
#[allow(dead_code)]
fn cycle_to(c: &m::BillingCycle) -> w::BillingCycle {
    match c {
        m::BillingCycle::Recurring(r) => w::BillingCycle::Recurring(rec_to(*r)),
        m::BillingCycle::OneTime => w::BillingCycle::OneTime,
        m::BillingCycle::FreeAccount => w::BillingCycle::FreeAccount,
        m::BillingCycle::Unknown(s) => w::BillingCycle::Unknown(s.clone()),
    }
}
#[allow(dead_code)]
fn cycle_from(c: w::BillingCycle) -> m::BillingCycle {
    match c {
        w::BillingCycle::Recurring(r) => m::BillingCycle::Recurring(rec_from(r)),
        w::BillingCycle::OneTime => m::BillingCycle::OneTime,
        w::BillingCycle::FreeAccount => m::BillingCycle::FreeAccount,
        w::BillingCycle::Unknown(s) => m::BillingCycle::Unknown(s),
    }
}

// Variants whose cases have the same names on both sides, plus `Other(String)`.
macro_rules! status_conv {
    ($to:ident, $from:ident, $ty:ident, [$($case:ident),*]) => {
        #[allow(dead_code)]
        fn $to(s: &m::$ty) -> w::$ty {
            match s {
                $(m::$ty::$case => w::$ty::$case,)*
                m::$ty::Other(x) => w::$ty::Other(x.clone()),
            }
        }
        #[allow(dead_code)]
        fn $from(s: w::$ty) -> m::$ty {
            match s {
                $(w::$ty::$case => m::$ty::$case,)*
                w::$ty::Other(x) => m::$ty::Other(x),
            }
        }
    };
}
status_conv!(cstat_to, cstat_from, ClientStatus, [Active, Inactive, Closed]);
status_conv!(sstat_to, sstat_from, ServiceStatus, [Pending, Active, Suspended, Terminated, Cancelled, Fraud, Completed]);
status_conv!(dstat_to, dstat_from, DomainStatus, [Pending, PendingRegistration, PendingTransfer, Active, Grace, Redemption, Expired, Cancelled, Fraud, TransferredAway]);
status_conv!(istat_to, istat_from, InvoiceStatus, [Draft, Unpaid, Paid, Cancelled, Refunded, Collections, PaymentPending]);
status_conv!(ctype_to, ctype_from, CancelType, [Immediate, EndOfBillingPeriod]);

#[allow(dead_code)]
fn sev_to(s: Severity) -> w::Severity {
    match s {
        Severity::Warning => w::Severity::Warning,
        Severity::Error => w::Severity::Error,
    }
}
#[allow(dead_code)]
fn sev_from(s: w::Severity) -> Severity {
    match s {
        w::Severity::Warning => Severity::Warning,
        w::Severity::Error => Severity::Error,
    }
}

// ---------- record errors (both directions; by ref and by value) ----------
#[allow(dead_code)]
fn rerr_to_ref(e: &RecordError) -> w::RecordError {
    w::RecordError {
        severity: sev_to(e.severity),
        record: w::RecordRef { table: e.record.table.clone(), id: e.record.id },
        column: e.column.clone(),
        kind: e.kind.clone(),
        message: e.message.clone(),
    }
}
#[allow(dead_code)]
fn rerr_to(e: RecordError) -> w::RecordError {
    w::RecordError {
        severity: sev_to(e.severity),
        record: w::RecordRef { table: e.record.table, id: e.record.id },
        column: e.column,
        kind: e.kind,
        message: e.message,
    }
}
#[allow(dead_code)]
fn rerr_from(e: w::RecordError) -> RecordError {
    RecordError {
        severity: sev_from(e.severity),
        record: RecordRef { table: e.record.table, id: e.record.id },
        column: e.column,
        kind: e.kind,
        message: e.message,
    }
}

// ---------- bundle: host side, by reference ----------
#[allow(dead_code)]
pub fn bundle_to_w(b: &m::ClientBundle) -> w::ClientBundle {
    let c = &b.client;
    w::ClientBundle {
        client: w::Client {
            id: c.id,
            firstname: c.firstname.clone(),
            lastname: c.lastname.clone(),
            companyname: c.companyname.clone(),
            email: c.email.clone(),
            address1: c.address1.clone(),
            city: c.city.clone(),
            state: c.state.clone(),
            postcode: c.postcode.clone(),
            country: c.country.clone(),
            currency: c.currency,
            groupid: c.groupid,
            status: cstat_to(&c.status),
            datecreated: ymd_to(&c.datecreated),
            updated_at: ymdhms_to(&c.updated_at),
        },
        services: b
            .services
            .iter()
            .map(|s| w::Service {
                id: s.id,
                userid: s.userid,
                packageid: s.packageid,
                regdate: ymd_to(&s.regdate),
                qty: s.qty,
                firstpaymentamount: s.firstpaymentamount.0,
                amount: s.amount.0,
                billingcycle: cycle_to(&s.billingcycle),
                nextduedate: ymd_to(&s.nextduedate),
                termination_date: ymd_to(&s.termination_date),
                status: sstat_to(&s.status),
                promoid: s.promoid,
                updated_at: ymdhms_to(&s.updated_at),
            })
            .collect(),
        addons: b
            .addons
            .iter()
            .map(|a| w::ServiceAddon {
                id: a.id,
                hostingid: a.hostingid,
                addonid: a.addonid,
                userid: a.userid,
                name: a.name.clone(),
                qty: a.qty,
                setupfee: a.setupfee.0,
                recurring: a.recurring.0,
                billingcycle: cycle_to(&a.billingcycle),
                status: sstat_to(&a.status),
                regdate: ymd_to(&a.regdate),
                nextduedate: ymd_to(&a.nextduedate),
                termination_date: ymd_to(&a.termination_date),
                updated_at: ymdhms_to(&a.updated_at),
            })
            .collect(),
        domains: b
            .domains
            .iter()
            .map(|d| w::Domain {
                id: d.id,
                userid: d.userid,
                kind: d.kind.clone(),
                registrationdate: ymd_to(&d.registrationdate),
                domain: d.domain.clone(),
                firstpaymentamount: d.firstpaymentamount.0,
                recurringamount: d.recurringamount.0,
                registrationperiod: d.registrationperiod,
                expirydate: ymd_to(&d.expirydate),
                status: dstat_to(&d.status),
                nextduedate: ymd_to(&d.nextduedate),
                promoid: d.promoid,
                updated_at: ymdhms_to(&d.updated_at),
            })
            .collect(),
        invoices: b
            .invoices
            .iter()
            .map(|i| w::Invoice {
                id: i.id,
                userid: i.userid,
                invoicenum: i.invoicenum.clone(),
                date: ymd_to(&i.date),
                duedate: ymd_to(&i.duedate),
                datepaid: ymdhms_to(&i.datepaid),
                subtotal: i.subtotal.0,
                credit: i.credit.0,
                tax: i.tax.0,
                tax2: i.tax2.0,
                total: i.total.0,
                status: istat_to(&i.status),
                updated_at: ymdhms_to(&i.updated_at),
                items: i
                    .items
                    .iter()
                    .map(|it| w::InvoiceItem {
                        id: it.id,
                        invoiceid: it.invoiceid,
                        userid: it.userid,
                        kind: it.kind.clone(),
                        relid: it.relid,
                        description: it.description.clone(),
                        amount: it.amount.0,
                        taxed: it.taxed,
                        duedate: ymd_to(&it.duedate),
                    })
                    .collect(),
            })
            .collect(),
        transactions: b
            .transactions
            .iter()
            .map(|t| w::Transaction {
                id: t.id,
                userid: t.userid,
                currency: t.currency,
                gateway: t.gateway.clone(),
                date: ymdhms_to(&t.date),
                description: t.description.clone(),
                amountin: t.amountin.0,
                fees: t.fees.0,
                amountout: t.amountout.0,
                transid: t.transid.clone(),
                invoiceid: t.invoiceid,
                refundid: t.refundid,
            })
            .collect(),
        cancel_requests: b
            .cancel_requests
            .iter()
            .map(|r| w::CancelRequest {
                id: r.id,
                date: ymdhms_to(&r.date),
                relid: r.relid,
                reason: r.reason.clone(),
                kind: ctype_to(&r.kind),
            })
            .collect(),
        upgrades: b
            .upgrades
            .iter()
            .map(|u| w::Upgrade {
                id: u.id,
                userid: u.userid,
                kind: u.kind.clone(),
                date: ymd_to(&u.date),
                relid: u.relid,
                originalvalue: u.originalvalue.clone(),
                newvalue: u.newvalue.clone(),
                new_cycle: u.new_cycle.clone(),
                amount: u.amount.0,
                days_remaining: u.days_remaining,
                total_days_in_cycle: u.total_days_in_cycle,
                new_recurring_amount: u.new_recurring_amount.0,
                completed: u.completed,
            })
            .collect(),
        read_errors: b.read_errors.iter().map(rerr_to_ref).collect(),
    }
}

// ---------- bundle: guest side, by value ----------
#[allow(dead_code)]
pub fn bundle_from_w(b: w::ClientBundle) -> m::ClientBundle {
    let c = b.client;
    m::ClientBundle {
        client: m::Client {
            id: c.id,
            firstname: c.firstname,
            lastname: c.lastname,
            companyname: c.companyname,
            email: c.email,
            address1: c.address1,
            city: c.city,
            state: c.state,
            postcode: c.postcode,
            country: c.country,
            currency: c.currency,
            groupid: c.groupid,
            status: cstat_from(c.status),
            datecreated: ymd_from(c.datecreated),
            updated_at: ymdhms_from(c.updated_at),
        },
        services: b
            .services
            .into_iter()
            .map(|s| m::Service {
                id: s.id,
                userid: s.userid,
                packageid: s.packageid,
                regdate: ymd_from(s.regdate),
                qty: s.qty,
                firstpaymentamount: Cents(s.firstpaymentamount),
                amount: Cents(s.amount),
                billingcycle: cycle_from(s.billingcycle),
                nextduedate: ymd_from(s.nextduedate),
                termination_date: ymd_from(s.termination_date),
                status: sstat_from(s.status),
                promoid: s.promoid,
                updated_at: ymdhms_from(s.updated_at),
            })
            .collect(),
        addons: b
            .addons
            .into_iter()
            .map(|a| m::ServiceAddon {
                id: a.id,
                hostingid: a.hostingid,
                addonid: a.addonid,
                userid: a.userid,
                name: a.name,
                qty: a.qty,
                setupfee: Cents(a.setupfee),
                recurring: Cents(a.recurring),
                billingcycle: cycle_from(a.billingcycle),
                status: sstat_from(a.status),
                regdate: ymd_from(a.regdate),
                nextduedate: ymd_from(a.nextduedate),
                termination_date: ymd_from(a.termination_date),
                updated_at: ymdhms_from(a.updated_at),
            })
            .collect(),
        domains: b
            .domains
            .into_iter()
            .map(|d| m::Domain {
                id: d.id,
                userid: d.userid,
                kind: d.kind,
                registrationdate: ymd_from(d.registrationdate),
                domain: d.domain,
                firstpaymentamount: Cents(d.firstpaymentamount),
                recurringamount: Cents(d.recurringamount),
                registrationperiod: d.registrationperiod,
                expirydate: ymd_from(d.expirydate),
                status: dstat_from(d.status),
                nextduedate: ymd_from(d.nextduedate),
                promoid: d.promoid,
                updated_at: ymdhms_from(d.updated_at),
            })
            .collect(),
        invoices: b
            .invoices
            .into_iter()
            .map(|i| m::Invoice {
                id: i.id,
                userid: i.userid,
                invoicenum: i.invoicenum,
                date: ymd_from(i.date),
                duedate: ymd_from(i.duedate),
                datepaid: ymdhms_from(i.datepaid),
                subtotal: Cents(i.subtotal),
                credit: Cents(i.credit),
                tax: Cents(i.tax),
                tax2: Cents(i.tax2),
                total: Cents(i.total),
                status: istat_from(i.status),
                updated_at: ymdhms_from(i.updated_at),
                items: i
                    .items
                    .into_iter()
                    .map(|it| m::InvoiceItem {
                        id: it.id,
                        invoiceid: it.invoiceid,
                        userid: it.userid,
                        kind: it.kind,
                        relid: it.relid,
                        description: it.description,
                        amount: Cents(it.amount),
                        taxed: it.taxed,
                        duedate: ymd_from(it.duedate),
                    })
                    .collect(),
            })
            .collect(),
        transactions: b
            .transactions
            .into_iter()
            .map(|t| m::Transaction {
                id: t.id,
                userid: t.userid,
                currency: t.currency,
                gateway: t.gateway,
                date: ymdhms_from(t.date),
                description: t.description,
                amountin: Cents(t.amountin),
                fees: Cents(t.fees),
                amountout: Cents(t.amountout),
                transid: t.transid,
                invoiceid: t.invoiceid,
                refundid: t.refundid,
            })
            .collect(),
        cancel_requests: b
            .cancel_requests
            .into_iter()
            .map(|r| m::CancelRequest {
                id: r.id,
                date: ymdhms_from(r.date),
                relid: r.relid,
                reason: r.reason,
                kind: ctype_from(r.kind),
            })
            .collect(),
        upgrades: b
            .upgrades
            .into_iter()
            .map(|u| m::Upgrade {
                id: u.id,
                userid: u.userid,
                kind: u.kind,
                date: ymd_from(u.date),
                relid: u.relid,
                originalvalue: u.originalvalue,
                newvalue: u.newvalue,
                new_cycle: u.new_cycle,
                amount: Cents(u.amount),
                days_remaining: u.days_remaining,
                total_days_in_cycle: u.total_days_in_cycle,
                new_recurring_amount: Cents(u.new_recurring_amount),
                completed: u.completed,
            })
            .collect(),
        read_errors: b.read_errors.into_iter().map(rerr_from).collect(),
    }
}

// ---------- export ----------
#[allow(dead_code)]
fn churn_to(r: ChurnRule) -> w::ChurnRule {
    match r {
        ChurnRule::TerminationDate => w::ChurnRule::TerminationDate,
        ChurnRule::ImmediateRequest => w::ChurnRule::ImmediateRequest,
        ChurnRule::EndOfBillingPeriodRequest => w::ChurnRule::EndOfBillingPeriodRequest,
        ChurnRule::LastPeriodEnd => w::ChurnRule::LastPeriodEnd,
        ChurnRule::Suspension => w::ChurnRule::Suspension,
    }
}
#[allow(dead_code)]
fn churn_from(r: w::ChurnRule) -> ChurnRule {
    match r {
        w::ChurnRule::TerminationDate => ChurnRule::TerminationDate,
        w::ChurnRule::ImmediateRequest => ChurnRule::ImmediateRequest,
        w::ChurnRule::EndOfBillingPeriodRequest => ChurnRule::EndOfBillingPeriodRequest,
        w::ChurnRule::LastPeriodEnd => ChurnRule::LastPeriodEnd,
        w::ChurnRule::Suspension => ChurnRule::Suspension,
    }
}
#[allow(dead_code)]
fn canc_to(c: Cancellation) -> w::Cancellation {
    w::Cancellation {
        subscription_external_id: c.subscription_external_id,
        cancelled_at: c.cancelled_at,
        rule: churn_to(c.rule),
    }
}
#[allow(dead_code)]
fn canc_from(c: w::Cancellation) -> Cancellation {
    Cancellation {
        subscription_external_id: c.subscription_external_id,
        cancelled_at: c.cancelled_at,
        rule: churn_from(c.rule),
    }
}

#[allow(dead_code)]
pub fn export_to_w(e: ClientExport) -> w::ClientExport {
    w::ClientExport {
        client_id: e.client_id,
        customer: e.customer.map(|c| w::Customer {
            data_source_uuid: c.data_source_uuid,
            external_id: c.external_id,
            name: c.name,
            email: c.email,
            company: c.company,
            country: c.country,
            state: c.state,
            city: c.city,
            zip: c.zip,
            lead_created_at: c.lead_created_at,
            free_trial_started_at: c.free_trial_started_at,
            attributes: c.attributes.map(|a| w::Attributes {
                tags: a.tags,
                custom: a
                    .custom
                    .into_iter()
                    .map(|x| w::CustomAttribute {
                        kind: x.kind,
                        key: x.key,
                        value: x.value.to_string(),
                        source: x.source,
                    })
                    .collect(),
            }),
        }),
        plans: e
            .plans
            .into_iter()
            .map(|p| w::Plan {
                data_source_uuid: p.data_source_uuid,
                name: p.name,
                interval_count: p.interval_count,
                interval_unit: p.interval_unit,
                external_id: p.external_id,
            })
            .collect(),
        invoices: e
            .invoices
            .into_iter()
            .map(|i| w::CmInvoice {
                external_id: i.external_id,
                date: i.date,
                currency: i.currency,
                due_date: i.due_date,
                customer_external_id: i.customer_external_id,
                line_items: i
                    .line_items
                    .into_iter()
                    .map(|l| w::LineItem {
                        kind: match l.kind {
                            cm::LineKind::Subscription => w::LineKind::Subscription,
                            cm::LineKind::OneTime => w::LineKind::OneTime,
                            cm::LineKind::Trial => w::LineKind::Trial,
                        },
                        subscription_external_id: l.subscription_external_id,
                        plan_uuid: l.plan_uuid,
                        plan_external_id: l.plan_external_id,
                        service_period_start: l.service_period_start,
                        service_period_end: l.service_period_end,
                        amount_in_cents: l.amount_in_cents,
                        quantity: l.quantity,
                        prorated: l.prorated,
                        cancelled_at: l.cancelled_at,
                        discount_amount_in_cents: l.discount_amount_in_cents,
                        discount_code: l.discount_code,
                        discount_description: l.discount_description,
                        tax_amount_in_cents: l.tax_amount_in_cents,
                        external_id: l.external_id,
                        description: l.description,
                    })
                    .collect(),
                transactions: i
                    .transactions
                    .into_iter()
                    .map(|t| w::CmTransaction {
                        kind: match t.kind {
                            cm::TransactionKind::Payment => w::TransactionKind::Payment,
                            cm::TransactionKind::Refund => w::TransactionKind::Refund,
                        },
                        date: t.date,
                        result: t.result,
                        external_id: t.external_id,
                        amount_in_cents: t.amount_in_cents,
                        transaction_fees_in_cents: t.transaction_fees_in_cents,
                        invoice_external_id: t.invoice_external_id,
                    })
                    .collect(),
            })
            .collect(),
        cancellations: e.cancellations.into_iter().map(canc_to).collect(),
        pending_cancellations: e.pending_cancellations.into_iter().map(canc_to).collect(),
        issues: e.issues.into_iter().map(rerr_to).collect(),
    }
}

#[allow(dead_code)]
pub fn export_from_w(e: w::ClientExport) -> ClientExport {
    ClientExport {
        client_id: e.client_id,
        customer: e.customer.map(|c| cm::Customer {
            data_source_uuid: c.data_source_uuid,
            external_id: c.external_id,
            name: c.name,
            email: c.email,
            company: c.company,
            country: c.country,
            state: c.state,
            city: c.city,
            zip: c.zip,
            lead_created_at: c.lead_created_at,
            free_trial_started_at: c.free_trial_started_at,
            attributes: c.attributes.map(|a| cm::Attributes {
                tags: a.tags,
                custom: a
                    .custom
                    .into_iter()
                    .map(|x| cm::CustomAttribute {
                        kind: x.kind,
                        key: x.key,
                        value: serde_json::from_str(&x.value).expect("JSON value"),
                        source: x.source,
                    })
                    .collect(),
            }),
        }),
        plans: e
            .plans
            .into_iter()
            .map(|p| cm::Plan {
                data_source_uuid: p.data_source_uuid,
                name: p.name,
                interval_count: p.interval_count,
                interval_unit: p.interval_unit,
                external_id: p.external_id,
            })
            .collect(),
        invoices: e
            .invoices
            .into_iter()
            .map(|i| cm::Invoice {
                external_id: i.external_id,
                date: i.date,
                currency: i.currency,
                due_date: i.due_date,
                customer_external_id: i.customer_external_id,
                line_items: i
                    .line_items
                    .into_iter()
                    .map(|l| cm::LineItem {
                        kind: match l.kind {
                            w::LineKind::Subscription => cm::LineKind::Subscription,
                            w::LineKind::OneTime => cm::LineKind::OneTime,
                            w::LineKind::Trial => cm::LineKind::Trial,
                        },
                        subscription_external_id: l.subscription_external_id,
                        plan_uuid: l.plan_uuid,
                        plan_external_id: l.plan_external_id,
                        service_period_start: l.service_period_start,
                        service_period_end: l.service_period_end,
                        amount_in_cents: l.amount_in_cents,
                        quantity: l.quantity,
                        prorated: l.prorated,
                        cancelled_at: l.cancelled_at,
                        discount_amount_in_cents: l.discount_amount_in_cents,
                        discount_code: l.discount_code,
                        discount_description: l.discount_description,
                        tax_amount_in_cents: l.tax_amount_in_cents,
                        external_id: l.external_id,
                        description: l.description,
                    })
                    .collect(),
                transactions: i
                    .transactions
                    .into_iter()
                    .map(|t| cm::Transaction {
                        kind: match t.kind {
                            w::TransactionKind::Payment => cm::TransactionKind::Payment,
                            w::TransactionKind::Refund => cm::TransactionKind::Refund,
                        },
                        date: t.date,
                        result: t.result,
                        external_id: t.external_id,
                        amount_in_cents: t.amount_in_cents,
                        transaction_fees_in_cents: t.transaction_fees_in_cents,
                        invoice_external_id: t.invoice_external_id,
                    })
                    .collect(),
            })
            .collect(),
        cancellations: e.cancellations.into_iter().map(canc_from).collect(),
        pending_cancellations: e.pending_cancellations.into_iter().map(canc_from).collect(),
        issues: e.issues.into_iter().map(rerr_from).collect(),
    }
}
