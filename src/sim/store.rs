//! The simulator's account: every imported object, with the indexes ChartMogul's uniqueness
//! rules need.
//!
//! Contract: objects live in maps keyed by uuid; uuids embed a counter in their leading digits,
//! so key order is creation order (cursor pagination relies on it). The counter survives
//! [`Store::reset`], so a uuid from before a reset never names a new object. All mutation that
//! touches an index goes through the methods here, which keep the indexes exact: external ids
//! of customers (every identity, merged ones included), plans, invoices, line items and
//! transactions are unique per data source, and subscriptions are keyed by
//! (data source, `subscription_external_id`).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::Value;

use super::faults::splitmix64;
use super::time::Millis;

/// (data source uuid, external id).
pub type ExtKey = (String, String);

pub fn ext_key(ds: &str, ext: &str) -> ExtKey {
    (ds.to_string(), ext.to_string())
}

#[derive(Debug, Clone)]
pub struct DataSource {
    pub uuid: String,
    pub name: String,
    pub created_at: Millis,
}

/// One (data source, external id) a customer answers to; merged customers have several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub data_source_uuid: String,
    pub external_id: String,
}

#[derive(Debug, Clone)]
pub struct CustomAttribute {
    pub kind: String,
    pub value: Value,
    pub source: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Customer {
    pub id: u64,
    pub uuid: String,
    /// The first identity is the customer's own; merges append the absorbed ones.
    pub identities: Vec<Identity>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    pub country: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub website_url: Option<String>,
    pub owner: Option<String>,
    pub primary_contact: Option<Value>,
    pub lead_created_at: Option<Millis>,
    pub free_trial_started_at: Option<Millis>,
    /// A lead status set by the client (`New Lead`, …); subscriber statuses are computed.
    pub lead_status: Option<String>,
    pub tags: Vec<String>,
    pub custom: BTreeMap<String, CustomAttribute>,
    pub created_at: Millis,
}

impl Customer {
    pub fn primary(&self) -> &Identity {
        &self.identities[0]
    }

    /// The external id this customer answers to in a data source (its own first).
    pub fn external_id_in(&self, ds: &str) -> Option<&str> {
        self.identities
            .iter()
            .find(|i| i.data_source_uuid == ds)
            .map(|i| i.external_id.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalUnit {
    Day,
    Month,
    Year,
}

impl IntervalUnit {
    pub fn parse(s: &str) -> Option<IntervalUnit> {
        match s {
            "day" => Some(IntervalUnit::Day),
            "month" => Some(IntervalUnit::Month),
            "year" => Some(IntervalUnit::Year),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            IntervalUnit::Day => "day",
            IntervalUnit::Month => "month",
            IntervalUnit::Year => "year",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub uuid: String,
    pub data_source_uuid: String,
    pub external_id: String,
    pub name: String,
    pub interval_count: u32,
    pub interval_unit: IntervalUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Subscription,
    OneTime,
    Trial,
}

impl LineKind {
    pub fn parse(s: &str) -> Option<LineKind> {
        match s {
            "subscription" => Some(LineKind::Subscription),
            "one_time" => Some(LineKind::OneTime),
            "trial" => Some(LineKind::Trial),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            LineKind::Subscription => "subscription",
            LineKind::OneTime => "one_time",
            LineKind::Trial => "trial",
        }
    }
    /// Subscription and trial lines build a subscription's history.
    pub fn is_recurring(self) -> bool {
        self != LineKind::OneTime
    }
}

#[derive(Debug, Clone, Default)]
pub struct LineItem {
    pub uuid: String,
    pub external_id: Option<String>,
    pub kind: Option<LineKind>,
    pub subscription_uuid: Option<String>,
    pub subscription_external_id: Option<String>,
    pub subscription_set_external_id: Option<String>,
    pub plan_uuid: Option<String>,
    pub service_period_start: Option<Millis>,
    pub service_period_end: Option<Millis>,
    pub amount_in_cents: i64,
    pub quantity: i64,
    pub prorated: bool,
    pub proration_type: Option<String>,
    pub cancelled_at: Option<Millis>,
    pub discount_amount_in_cents: i64,
    pub discount_code: Option<String>,
    pub discount_description: Option<String>,
    pub tax_amount_in_cents: i64,
    pub transaction_fees_in_cents: i64,
    pub transaction_fees_currency: Option<String>,
    pub account_code: Option<String>,
    pub description: Option<String>,
    pub event_order: Option<i64>,
    pub balance_transfer: bool,
    /// Import order, the last tie-breaker between lines starting at the same instant.
    pub seq: u64,
}

impl LineItem {
    pub fn kind(&self) -> LineKind {
        self.kind.unwrap_or(LineKind::OneTime)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionKind {
    Payment,
    Refund,
}

#[derive(Debug, Clone)]
pub struct Transaction {
    pub uuid: String,
    pub external_id: Option<String>,
    pub kind: TransactionKind,
    pub date: Millis,
    pub successful: bool,
    /// `None` when not sent: it then stands for the whole invoice amount (reference §5.1).
    pub amount_in_cents: Option<i64>,
    pub transaction_fees_in_cents: Option<i64>,
    pub transaction_fees_currency: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Invoice {
    pub uuid: String,
    pub external_id: String,
    pub data_source_uuid: String,
    pub customer_uuid: String,
    /// The identity of the customer the invoice was booked to (matters for merged customers).
    pub customer_external_id: String,
    pub date: Millis,
    pub due_date: Option<Millis>,
    pub currency: String,
    pub collection_method: Option<String>,
    /// `voided` / `written_off` once set through the status endpoint.
    pub status_override: Option<String>,
    pub line_items: Vec<LineItem>,
    pub transactions: Vec<Transaction>,
}

impl Invoice {
    /// Sum of the line amounts (`i128`: any number of `i64` amounts adds up without overflow).
    pub fn total(&self) -> i128 {
        self.line_items
            .iter()
            .map(|l| i128::from(l.amount_in_cents))
            .sum()
    }

    /// Sum of successful payments and of successful refunds.
    pub fn paid_and_refunded(&self) -> (i128, i128) {
        let total = self.total();
        let mut paid = 0;
        let mut refunded = 0;
        for t in self.transactions.iter().filter(|t| t.successful) {
            let amount = t.amount_in_cents.map_or(total, i128::from);
            match t.kind {
                TransactionKind::Payment => paid += amount,
                TransactionKind::Refund => refunded += amount,
            }
        }
        (paid, refunded)
    }

    /// `open`, `paid`, `refunded`, or the status set through the API.
    pub fn status(&self) -> &str {
        if let Some(s) = &self.status_override {
            return s;
        }
        let (paid, refunded) = self.paid_and_refunded();
        if paid > 0 && refunded >= paid {
            "refunded"
        } else if paid >= self.total() && paid > 0 {
            "paid"
        } else {
            "open"
        }
    }
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub uuid: String,
    pub external_id: String,
    pub data_source_uuid: String,
    pub customer_uuid: String,
    pub subscription_set_external_id: Option<String>,
    /// Sorted, without duplicates.
    pub cancellation_dates: Vec<Millis>,
}

impl Subscription {
    pub fn add_cancellation(&mut self, at: Millis) {
        if let Err(pos) = self.cancellation_dates.binary_search(&at) {
            self.cancellation_dates.insert(pos, at);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    Queued,
    Processing,
    Completed,
}

impl ImportStatus {
    pub fn name(self) -> &'static str {
        match self {
            ImportStatus::Queued => "queued",
            ImportStatus::Processing => "processing",
            ImportStatus::Completed => "completed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct JsonImport {
    pub id: String,
    pub data_source_uuid: String,
    pub external_id: String,
    pub status: ImportStatus,
    pub status_details: serde_json::Map<String, Value>,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The submitted body, kept until it is processed.
    pub payload: Option<Value>,
}

/// Everything the account holds.
#[derive(Debug, Default)]
pub struct Store {
    next_id: u64,
    next_customer_id: u64,
    next_line_seq: u64,
    pub data_sources: BTreeMap<String, DataSource>,
    pub customers: BTreeMap<String, Customer>,
    pub plans: BTreeMap<String, Plan>,
    pub invoices: BTreeMap<String, Invoice>,
    pub subscriptions: BTreeMap<String, Subscription>,
    pub imports: BTreeMap<String, JsonImport>,
    /// Subscription events from bulk imports: stored and shown, never used for MRR
    /// (reference §7: MRR is computed only from invoices).
    pub subscription_events: Vec<Value>,
    customer_by_ext: HashMap<ExtKey, String>,
    plan_by_ext: HashMap<ExtKey, String>,
    invoice_by_ext: HashMap<ExtKey, String>,
    line_ext: HashSet<ExtKey>,
    transaction_ext: HashSet<ExtKey>,
    subscription_by_ext: HashMap<ExtKey, String>,
    invoices_of_customer: HashMap<String, BTreeSet<String>>,
}

impl Store {
    /// Forgets every object; uuid counters keep counting (module docs).
    pub fn reset(&mut self) {
        let (a, b, c) = (self.next_id, self.next_customer_id, self.next_line_seq);
        *self = Store::default();
        self.next_id = a;
        self.next_customer_id = b;
        self.next_line_seq = c;
    }

    /// `prefix_xxxxxxxx-xxxx-4xxx-xxxx-xxxxxxxxxxxx`: the first twelve hex digits count up, the
    /// rest is a hash of the counter so uuids look like ChartMogul's.
    pub fn new_uuid(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        let n = self.next_id;
        let h = splitmix64(n);
        let h2 = splitmix64(h);
        format!(
            "{prefix}_{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            (n >> 16) & 0xffff_ffff,
            n & 0xffff,
            h & 0xfff,
            0x8000 | ((h >> 12) & 0x3fff),
            h2 & 0xffff_ffff_ffff
        )
    }

    pub fn next_customer_id(&mut self) -> u64 {
        self.next_customer_id += 1;
        self.next_customer_id
    }

    pub fn next_line_seq(&mut self) -> u64 {
        self.next_line_seq += 1;
        self.next_line_seq
    }

    // ----- data sources

    pub fn data_source_by_name(&self, name: &str) -> Option<&DataSource> {
        self.data_sources.values().find(|d| d.name == name)
    }

    /// Removes a data source and everything imported into it (reference §2). A merged customer
    /// that also lives in another source keeps its other identities.
    pub fn remove_data_source(&mut self, ds: &str) {
        self.data_sources.remove(ds);
        let invoices: Vec<String> = self
            .invoices
            .values()
            .filter(|i| i.data_source_uuid == ds)
            .map(|i| i.uuid.clone())
            .collect();
        for uuid in invoices {
            self.remove_invoice(&uuid);
        }
        self.subscriptions.retain(|_, s| s.data_source_uuid != ds);
        self.subscription_by_ext.retain(|(d, _), _| d != ds);
        self.plans.retain(|_, p| p.data_source_uuid != ds);
        self.plan_by_ext.retain(|(d, _), _| d != ds);
        self.imports.retain(|_, i| i.data_source_uuid != ds);
        self.subscription_events
            .retain(|e| e.get("data_source_uuid").and_then(Value::as_str) != Some(ds));
        let customers: Vec<String> = self.customers.keys().cloned().collect();
        for uuid in customers {
            let Some(c) = self.customers.get_mut(&uuid) else {
                continue;
            };
            c.identities.retain(|i| i.data_source_uuid != ds);
            if c.identities.is_empty() {
                self.remove_customer(&uuid);
            }
        }
        self.customer_by_ext.retain(|(d, _), _| d != ds);
    }

    // ----- customers

    pub fn customer_by_ext(&self, ds: &str, ext: &str) -> Option<&Customer> {
        let uuid = self.customer_by_ext.get(&ext_key(ds, ext))?;
        self.customers.get(uuid)
    }

    pub fn customer_ext_taken(&self, ds: &str, ext: &str) -> bool {
        self.customer_by_ext.contains_key(&ext_key(ds, ext))
    }

    pub fn insert_customer(&mut self, customer: Customer) {
        for i in &customer.identities {
            self.customer_by_ext.insert(
                ext_key(&i.data_source_uuid, &i.external_id),
                customer.uuid.clone(),
            );
        }
        self.customers.insert(customer.uuid.clone(), customer);
    }

    /// Deletes a customer with its invoices and subscriptions.
    pub fn remove_customer(&mut self, uuid: &str) {
        for inv in self.invoice_uuids_of(uuid) {
            self.remove_invoice(&inv);
        }
        let subs: Vec<String> = self
            .subscriptions
            .values()
            .filter(|s| s.customer_uuid == uuid)
            .map(|s| s.uuid.clone())
            .collect();
        for s in subs {
            if let Some(sub) = self.subscriptions.remove(&s) {
                self.subscription_by_ext
                    .remove(&ext_key(&sub.data_source_uuid, &sub.external_id));
            }
        }
        if let Some(c) = self.customers.remove(uuid) {
            for i in &c.identities {
                self.customer_by_ext
                    .remove(&ext_key(&i.data_source_uuid, &i.external_id));
            }
        }
        self.invoices_of_customer.remove(uuid);
    }

    /// Merges `from` into `into` (reference §3): identities, tags and attributes move over,
    /// invoices and subscriptions are re-parented, `from` disappears.
    pub fn merge_customers(&mut self, from: &str, into: &str) {
        let Some(source) = self.customers.remove(from) else {
            return;
        };
        for i in &source.identities {
            self.customer_by_ext.insert(
                ext_key(&i.data_source_uuid, &i.external_id),
                into.to_string(),
            );
        }
        let moved = self.invoices_of_customer.remove(from).unwrap_or_default();
        for inv in &moved {
            if let Some(i) = self.invoices.get_mut(inv) {
                i.customer_uuid = into.to_string();
            }
        }
        self.invoices_of_customer
            .entry(into.to_string())
            .or_default()
            .extend(moved);
        for s in self.subscriptions.values_mut() {
            if s.customer_uuid == from {
                s.customer_uuid = into.to_string();
            }
        }
        if let Some(target) = self.customers.get_mut(into) {
            target.identities.extend(source.identities);
            for tag in source.tags {
                if !target.tags.contains(&tag) {
                    target.tags.push(tag);
                }
            }
            for (k, v) in source.custom {
                target.custom.entry(k).or_insert(v);
            }
        }
    }

    pub fn invoice_uuids_of(&self, customer: &str) -> Vec<String> {
        self.invoices_of_customer
            .get(customer)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn invoices_of<'a>(&'a self, customer: &str) -> impl Iterator<Item = &'a Invoice> + 'a {
        self.invoices_of_customer
            .get(customer)
            .into_iter()
            .flatten()
            .filter_map(|u| self.invoices.get(u))
    }

    // ----- plans

    pub fn plan_by_ext(&self, ds: &str, ext: &str) -> Option<&Plan> {
        self.plans.get(self.plan_by_ext.get(&ext_key(ds, ext))?)
    }

    pub fn insert_plan(&mut self, plan: Plan) {
        self.plan_by_ext.insert(
            ext_key(&plan.data_source_uuid, &plan.external_id),
            plan.uuid.clone(),
        );
        self.plans.insert(plan.uuid.clone(), plan);
    }

    pub fn plan_in_use(&self, uuid: &str) -> bool {
        self.invoices.values().any(|i| {
            i.line_items
                .iter()
                .any(|l| l.plan_uuid.as_deref() == Some(uuid))
        })
    }

    pub fn remove_plan(&mut self, uuid: &str) {
        if let Some(p) = self.plans.remove(uuid) {
            self.plan_by_ext
                .remove(&ext_key(&p.data_source_uuid, &p.external_id));
        }
    }

    // ----- invoices, line items, transactions

    pub fn invoice_by_ext(&self, ds: &str, ext: &str) -> Option<&Invoice> {
        self.invoices
            .get(self.invoice_by_ext.get(&ext_key(ds, ext))?)
    }

    pub fn invoice_ext_taken(&self, ds: &str, ext: &str) -> bool {
        self.invoice_by_ext.contains_key(&ext_key(ds, ext))
    }

    pub fn line_ext_taken(&self, ds: &str, ext: &str) -> bool {
        self.line_ext.contains(&ext_key(ds, ext))
    }

    pub fn transaction_ext_taken(&self, ds: &str, ext: &str) -> bool {
        self.transaction_ext.contains(&ext_key(ds, ext))
    }

    pub fn subscription_by_ext(&self, ds: &str, ext: &str) -> Option<&Subscription> {
        self.subscriptions
            .get(self.subscription_by_ext.get(&ext_key(ds, ext))?)
    }

    /// Stores a validated invoice: assigns uuids, creates or extends subscriptions (inline
    /// `cancelled_at` is added to the subscription's cancellation dates) and indexes every
    /// external id. Returns the invoice uuid.
    pub fn insert_invoice(&mut self, mut invoice: Invoice) -> String {
        let ds = invoice.data_source_uuid.clone();
        invoice.uuid = self.new_uuid("inv");
        for line in &mut invoice.line_items {
            self.attach_line(&ds, &invoice.customer_uuid, line);
        }
        for t in &mut invoice.transactions {
            t.uuid = self.new_uuid("tr");
            if let Some(ext) = &t.external_id {
                self.transaction_ext.insert(ext_key(&ds, ext));
            }
        }
        let uuid = invoice.uuid.clone();
        self.invoice_by_ext
            .insert(ext_key(&ds, &invoice.external_id), uuid.clone());
        self.invoices_of_customer
            .entry(invoice.customer_uuid.clone())
            .or_default()
            .insert(uuid.clone());
        self.invoices.insert(uuid.clone(), invoice);
        uuid
    }

    /// Adds a validated line item to a stored invoice (bulk import of `line_items` for an
    /// invoice imported earlier).
    pub fn add_line_item(&mut self, invoice: &str, mut line: LineItem) -> Option<()> {
        let (ds, customer) = {
            let inv = self.invoices.get(invoice)?;
            (inv.data_source_uuid.clone(), inv.customer_uuid.clone())
        };
        self.attach_line(&ds, &customer, &mut line);
        self.invoices.get_mut(invoice)?.line_items.push(line);
        Some(())
    }

    /// Gives a line its uuid and import order, indexes its external id and links it to its
    /// subscription, creating the subscription on first sight.
    fn attach_line(&mut self, ds: &str, customer: &str, line: &mut LineItem) {
        line.uuid = self.new_uuid("li");
        line.seq = self.next_line_seq();
        if let Some(ext) = &line.external_id {
            self.line_ext.insert(ext_key(ds, ext));
        }
        if !line.kind().is_recurring() {
            return;
        }
        let Some(sub_ext) = line.subscription_external_id.clone() else {
            return;
        };
        let sub_uuid = match self.subscription_by_ext.get(&ext_key(ds, &sub_ext)) {
            Some(u) => u.clone(),
            None => {
                let uuid = self.new_uuid("sub");
                self.subscription_by_ext
                    .insert(ext_key(ds, &sub_ext), uuid.clone());
                self.subscriptions.insert(
                    uuid.clone(),
                    Subscription {
                        uuid: uuid.clone(),
                        external_id: sub_ext.clone(),
                        data_source_uuid: ds.to_string(),
                        customer_uuid: customer.to_string(),
                        subscription_set_external_id: None,
                        cancellation_dates: Vec::new(),
                    },
                );
                uuid
            }
        };
        if let Some(sub) = self.subscriptions.get_mut(&sub_uuid) {
            if line.subscription_set_external_id.is_some() {
                sub.subscription_set_external_id = line.subscription_set_external_id.clone();
            }
            if let Some(at) = line.cancelled_at {
                sub.add_cancellation(at);
            }
        }
        line.subscription_uuid = Some(sub_uuid);
    }

    /// Adds a validated transaction to an invoice; returns it with its uuid.
    pub fn add_transaction(&mut self, invoice: &str, mut t: Transaction) -> Option<Transaction> {
        t.uuid = self.new_uuid("tr");
        let inv = self.invoices.get_mut(invoice)?;
        if let Some(ext) = &t.external_id {
            self.transaction_ext
                .insert(ext_key(&inv.data_source_uuid, ext));
        }
        inv.transactions.push(t.clone());
        Some(t)
    }

    /// Deletes an invoice with its line items and transactions. Subscriptions stay (with their
    /// cancellation dates) so that delete-and-reimport keeps a subscription's identity; one
    /// without lines is simply not listed.
    pub fn remove_invoice(&mut self, uuid: &str) -> Option<Invoice> {
        let inv = self.invoices.remove(uuid)?;
        let ds = &inv.data_source_uuid;
        self.invoice_by_ext.remove(&ext_key(ds, &inv.external_id));
        for l in &inv.line_items {
            if let Some(ext) = &l.external_id {
                self.line_ext.remove(&ext_key(ds, ext));
            }
        }
        for t in &inv.transactions {
            if let Some(ext) = &t.external_id {
                self.transaction_ext.remove(&ext_key(ds, ext));
            }
        }
        if let Some(set) = self.invoices_of_customer.get_mut(&inv.customer_uuid) {
            set.remove(uuid);
        }
        Some(inv)
    }

    /// The subscription lines of every subscription of a customer, by subscription uuid, with
    /// the currency of the invoice each line is on. Voided invoices are left out (see
    /// docs/simulator.md: a voided invoice neither starts nor renews a subscription).
    pub fn lines_by_subscription<'a>(
        &'a self,
        customer: &str,
    ) -> BTreeMap<&'a str, Vec<(&'a LineItem, &'a str)>> {
        let mut out: BTreeMap<&str, Vec<(&LineItem, &str)>> = BTreeMap::new();
        for inv in self.invoices_of(customer) {
            if inv.status_override.as_deref() == Some("voided") {
                continue;
            }
            for l in &inv.line_items {
                if let (true, Some(sub)) = (l.kind().is_recurring(), &l.subscription_uuid) {
                    out.entry(sub.as_str())
                        .or_default()
                        .push((l, inv.currency.as_str()));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_sort_in_creation_order_and_survive_reset() {
        let mut s = Store::default();
        let a = s.new_uuid("cus");
        let b = s.new_uuid("cus");
        assert!(a < b);
        assert_eq!(a.len(), "cus_".len() + 36);
        s.reset();
        let c = s.new_uuid("cus");
        assert!(b < c);
    }
}
