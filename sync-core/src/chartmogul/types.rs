//! ChartMogul Import API payloads, field for field as in chartmogul-api.md §3–§7.
//!
//! Contract: serialising one of these gives exactly the JSON body ChartMogul expects; optional
//! fields that are not set are left out (never sent as `null` or `""`). Money is integer cents,
//! timestamps are ISO-8601 UTC strings. Where the direct API wants a uuid that the mapping
//! cannot know yet (`plan_uuid`), the payload carries the external id as well and the sender
//! resolves it (bulk import uses `plan_external_id` itself, reference §5.5).

use serde::{Deserialize, Serialize};

/// `POST /customers` body (reference §3). `data_source_uuid` is filled in by the sender.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub data_source_uuid: String,
    pub external_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_trial_started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Attributes>,
}

/// `attributes` of a customer: tags and custom attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attributes {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom: Vec<CustomAttribute>,
}

/// One custom attribute: `type` ∈ String, Integer, Decimal, Timestamp, Boolean.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomAttribute {
    #[serde(rename = "type")]
    pub kind: String,
    pub key: String,
    pub value: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// `PATCH /customers/{uuid}` body: only the fields that changed (mapping.md §3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_trial_started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Attributes>,
}

impl CustomerPatch {
    pub fn is_empty(&self) -> bool {
        *self == CustomerPatch::default()
    }
}

/// `POST /plans` body (reference §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub data_source_uuid: String,
    pub name: String,
    pub interval_count: u32,
    /// `day`, `month` or `year`.
    pub interval_unit: String,
    pub external_id: String,
}

/// `PATCH /plans/{uuid}` body for a renamed product (mapping.md §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanPatch {
    pub name: String,
}

/// One invoice of `POST /import/customers/{uuid}/invoices` (reference §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub external_id: String,
    pub date: String,
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// Set for bulk import (reference §5.5) and for merged customers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_external_id: Option<String>,
    pub line_items: Vec<LineItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transactions: Vec<Transaction>,
}

/// The three kinds of line item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Subscription,
    OneTime,
    Trial,
}

/// A line item (reference §5.1). Subscription and trial lines carry subscription, plan and
/// service period; one-time lines leave them out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    #[serde(rename = "type")]
    pub kind: LineKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_external_id: Option<String>,
    /// Filled in by the sender from `plan_external_id` for the direct API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_uuid: Option<String>,
    /// The plan's external id; bulk import sends it as is (reference §5.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_period_start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_period_end: Option<String>,
    /// Final, tax-inclusive amount after discounts, for the whole quantity.
    pub amount_in_cents: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub prorated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub discount_amount_in_cents: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_description: Option<String>,
    #[serde(default)]
    pub tax_amount_in_cents: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_zero(i: &i64) -> bool {
    *i == 0
}

/// `payment` or `refund`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionKind {
    Payment,
    Refund,
}

/// A transaction, inside an invoice or posted to `/import/invoices/{uuid}/transactions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    #[serde(rename = "type")]
    pub kind: TransactionKind,
    pub date: String,
    /// `successful` or `failed`.
    pub result: String,
    pub external_id: String,
    /// Always positive, refunds included (reference §5.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_in_cents: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_fees_in_cents: Option<i64>,
    /// Set by the bulk import only (reference §5.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_external_id: Option<String>,
}

/// `PUT /data_sources/{ds}/invoices/{external_id}/status` body (reference §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatusChange {
    Voided,
    WrittenOff,
}

/// `POST /customers/merges` body (reference §3), addressed by external ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerMerge {
    pub from: MergeSide,
    pub into: MergeSide,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeSide {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub data_source_uuid: String,
    pub external_id: String,
}

/// `PATCH /import/subscriptions/{uuid}` body: the full list of cancellation dates
/// (reference §7). An empty list removes every cancellation (un-churn).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancellationDates {
    pub cancellation_dates: Vec<String>,
}
