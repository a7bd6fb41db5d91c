//! Typed WHMCS records: what the engine reads from a WHMCS 8.x database (whmcs.md §5).
//!
//! Contract: every field here is already decoded — money as [`Cents`], zero dates as `None`,
//! cycles as [`BillingCycle`], empty strings kept as empty (the mapping decides what "not set"
//! means). Field names follow the WHMCS columns so a reader can match them to the schema.

use chrono::{NaiveDate, NaiveDateTime};
use std::collections::BTreeMap;

use super::cycle::BillingCycle;
use crate::error::RecordError;
use crate::money::Cents;

pub type Id = i64;

/// `tblcurrencies`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Currency {
    pub id: Id,
    pub code: String,
    pub prefix: String,
    pub suffix: String,
    /// Exchange rate against the default currency, kept as the stored decimal text.
    pub rate: String,
    pub default: bool,
}

/// `tblclientgroups`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClientGroup {
    pub id: Id,
    pub name: String,
}

/// `tblproductgroups`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProductGroup {
    pub id: Id,
    pub name: String,
}

/// `tblproducts`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Product {
    pub id: Id,
    pub gid: Id,
    pub name: String,
    /// `hostingaccount`, `reselleraccount`, `server`, `other`.
    pub kind: String,
    /// `free`, `onetime`, `recurring`.
    pub paytype: String,
    pub taxed: bool,
    pub autoterminatedays: i64,
    pub retired: bool,
    #[serde(default, with = "crate::dates::wire::opt_datetime")]
    pub updated_at: Option<NaiveDateTime>,
}

/// `tbladdons` (the addon catalogue).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AddonProduct {
    pub id: Id,
    pub name: String,
    pub billingcycle: BillingCycle,
    pub taxed: bool,
    pub retired: bool,
    #[serde(default, with = "crate::dates::wire::opt_datetime")]
    pub updated_at: Option<NaiveDateTime>,
}

/// `tblpricing.type`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PricingKind {
    Product,
    Addon,
    ConfigOptions,
    DomainRegister,
    DomainTransfer,
    DomainRenew,
    DomainAddons,
    Usage,
    Other(String),
}

impl PricingKind {
    pub fn parse(s: &str) -> PricingKind {
        match s {
            "product" => PricingKind::Product,
            "addon" => PricingKind::Addon,
            "configoptions" => PricingKind::ConfigOptions,
            "domainregister" => PricingKind::DomainRegister,
            "domaintransfer" => PricingKind::DomainTransfer,
            "domainrenew" => PricingKind::DomainRenew,
            "domainaddons" => PricingKind::DomainAddons,
            "usage" => PricingKind::Usage,
            other => PricingKind::Other(other.to_string()),
        }
    }
}

/// `tblpricing`: one row per (type, relid, currency). `-1.00` ("not offered") is `None`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Pricing {
    pub id: Id,
    pub kind: PricingKind,
    pub currency: Id,
    pub relid: Id,
    /// Setup fees m, q, s, a, b, t (for domains: years 1–5, see whmcs.md §5).
    pub setup: [Option<Cents>; 6],
    /// Prices monthly … triennially (for domains: years 6–10 after the setup columns).
    pub prices: [Option<Cents>; 6],
}

/// `tblpromotions`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Promotion {
    pub id: Id,
    pub code: String,
    /// `Percentage`, `Fixed Amount`, `Price Override`, `Free Setup`.
    pub kind: String,
    pub recurring: bool,
    /// Percent or amount, as stored (`decimal(16,2)`), in hundredths.
    pub value: Cents,
    pub recurfor: i64,
}

/// `tblclients.status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ClientStatus {
    Active,
    Inactive,
    Closed,
    Other(String),
}

impl ClientStatus {
    pub fn parse(s: &str) -> ClientStatus {
        match s {
            "Active" => ClientStatus::Active,
            "Inactive" => ClientStatus::Inactive,
            "Closed" => ClientStatus::Closed,
            other => ClientStatus::Other(other.to_string()),
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            ClientStatus::Active => "Active",
            ClientStatus::Inactive => "Inactive",
            ClientStatus::Closed => "Closed",
            ClientStatus::Other(s) => s,
        }
    }
}

/// `tblclients` (the billing account).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Client {
    pub id: Id,
    pub firstname: String,
    pub lastname: String,
    pub companyname: String,
    pub email: String,
    pub address1: String,
    pub city: String,
    pub state: String,
    pub postcode: String,
    pub country: String,
    /// `tblcurrencies.id`.
    pub currency: Id,
    /// `tblclientgroups.id`, 0 = none.
    pub groupid: Id,
    pub status: ClientStatus,
    #[serde(default, with = "crate::dates::wire::opt_date")]
    pub datecreated: Option<NaiveDate>,
    #[serde(default, with = "crate::dates::wire::opt_datetime")]
    pub updated_at: Option<NaiveDateTime>,
}

/// `tblhosting.domainstatus` / `tblhostingaddons.status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ServiceStatus {
    Pending,
    Active,
    Suspended,
    Terminated,
    Cancelled,
    Fraud,
    Completed,
    Other(String),
}

impl ServiceStatus {
    pub fn parse(s: &str) -> ServiceStatus {
        match s {
            "Pending" => ServiceStatus::Pending,
            "Active" => ServiceStatus::Active,
            "Suspended" => ServiceStatus::Suspended,
            "Terminated" => ServiceStatus::Terminated,
            "Cancelled" => ServiceStatus::Cancelled,
            "Fraud" => ServiceStatus::Fraud,
            "Completed" => ServiceStatus::Completed,
            other => ServiceStatus::Other(other.to_string()),
        }
    }
    /// Cancelled, Terminated or Fraud: the service has ended (mapping.md §7).
    pub fn is_ended(&self) -> bool {
        matches!(
            self,
            ServiceStatus::Cancelled | ServiceStatus::Terminated | ServiceStatus::Fraud
        )
    }
}

/// `tblhosting` (a service: one subscription).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Service {
    pub id: Id,
    pub userid: Id,
    pub packageid: Id,
    #[serde(default, with = "crate::dates::wire::opt_date")]
    pub regdate: Option<NaiveDate>,
    pub qty: i64,
    pub firstpaymentamount: Cents,
    /// Current recurring amount (after a recurring promotion), client currency.
    pub amount: Cents,
    pub billingcycle: BillingCycle,
    #[serde(default, with = "crate::dates::wire::opt_date")]
    pub nextduedate: Option<NaiveDate>,
    #[serde(default, with = "crate::dates::wire::opt_date")]
    pub termination_date: Option<NaiveDate>,
    pub status: ServiceStatus,
    pub promoid: Id,
    #[serde(default, with = "crate::dates::wire::opt_datetime")]
    pub updated_at: Option<NaiveDateTime>,
}

/// `tblhostingaddons` (an addon attached to a service: its own subscription).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ServiceAddon {
    pub id: Id,
    pub hostingid: Id,
    /// `tbladdons.id`; 0 for an ad-hoc addon (then `name` says what it is).
    pub addonid: Id,
    pub userid: Id,
    pub name: String,
    pub qty: i64,
    pub setupfee: Cents,
    pub recurring: Cents,
    pub billingcycle: BillingCycle,
    pub status: ServiceStatus,
    #[serde(default, with = "crate::dates::wire::opt_date")]
    pub regdate: Option<NaiveDate>,
    #[serde(default, with = "crate::dates::wire::opt_date")]
    pub nextduedate: Option<NaiveDate>,
    #[serde(default, with = "crate::dates::wire::opt_date")]
    pub termination_date: Option<NaiveDate>,
    #[serde(default, with = "crate::dates::wire::opt_datetime")]
    pub updated_at: Option<NaiveDateTime>,
}

/// `tbldomains.status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DomainStatus {
    Pending,
    PendingRegistration,
    PendingTransfer,
    Active,
    Grace,
    Redemption,
    Expired,
    Cancelled,
    Fraud,
    TransferredAway,
    Other(String),
}

impl DomainStatus {
    pub fn parse(s: &str) -> DomainStatus {
        match s {
            "Pending" => DomainStatus::Pending,
            "Pending Registration" => DomainStatus::PendingRegistration,
            "Pending Transfer" => DomainStatus::PendingTransfer,
            "Active" => DomainStatus::Active,
            "Grace" => DomainStatus::Grace,
            "Redemption" => DomainStatus::Redemption,
            "Expired" => DomainStatus::Expired,
            "Cancelled" => DomainStatus::Cancelled,
            "Fraud" => DomainStatus::Fraud,
            "Transferred Away" => DomainStatus::TransferredAway,
            other => DomainStatus::Other(other.to_string()),
        }
    }
    /// Expired, Cancelled, Transferred Away or Fraud (mapping.md §7).
    pub fn is_ended(&self) -> bool {
        matches!(
            self,
            DomainStatus::Expired
                | DomainStatus::Cancelled
                | DomainStatus::TransferredAway
                | DomainStatus::Fraud
        )
    }
}

/// `tbldomains`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Domain {
    pub id: Id,
    pub userid: Id,
    /// `Register` or `Transfer`.
    pub kind: String,
    #[serde(default, with = "crate::dates::wire::opt_date")]
    pub registrationdate: Option<NaiveDate>,
    pub domain: String,
    pub firstpaymentamount: Cents,
    /// Per `registrationperiod` years.
    pub recurringamount: Cents,
    pub registrationperiod: i64,
    #[serde(default, with = "crate::dates::wire::opt_date")]
    pub expirydate: Option<NaiveDate>,
    pub status: DomainStatus,
    #[serde(default, with = "crate::dates::wire::opt_date")]
    pub nextduedate: Option<NaiveDate>,
    pub promoid: Id,
    #[serde(default, with = "crate::dates::wire::opt_datetime")]
    pub updated_at: Option<NaiveDateTime>,
}

impl Domain {
    /// The TLD without the leading dot, lower-cased (`example.co.uk` → `co.uk` is not
    /// guessed: everything after the first dot).
    pub fn tld(&self) -> String {
        self.domain
            .split_once('.')
            .map(|(_, t)| t.to_ascii_lowercase())
            .unwrap_or_default()
    }
}

/// `tblinvoices.status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum InvoiceStatus {
    Draft,
    Unpaid,
    Paid,
    Cancelled,
    Refunded,
    Collections,
    PaymentPending,
    Other(String),
}

impl InvoiceStatus {
    pub fn parse(s: &str) -> InvoiceStatus {
        match s {
            "Draft" => InvoiceStatus::Draft,
            "Unpaid" => InvoiceStatus::Unpaid,
            "Paid" => InvoiceStatus::Paid,
            "Cancelled" => InvoiceStatus::Cancelled,
            "Refunded" => InvoiceStatus::Refunded,
            "Collections" => InvoiceStatus::Collections,
            "Payment Pending" => InvoiceStatus::PaymentPending,
            other => InvoiceStatus::Other(other.to_string()),
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            InvoiceStatus::Draft => "Draft",
            InvoiceStatus::Unpaid => "Unpaid",
            InvoiceStatus::Paid => "Paid",
            InvoiceStatus::Cancelled => "Cancelled",
            InvoiceStatus::Refunded => "Refunded",
            InvoiceStatus::Collections => "Collections",
            InvoiceStatus::PaymentPending => "Payment Pending",
            InvoiceStatus::Other(s) => s,
        }
    }
}

/// `tblinvoices`. Its currency is its client's (mapping.md §1).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Invoice {
    pub id: Id,
    pub userid: Id,
    pub invoicenum: String,
    #[serde(default, with = "crate::dates::wire::opt_date")]
    pub date: Option<NaiveDate>,
    #[serde(default, with = "crate::dates::wire::opt_date")]
    pub duedate: Option<NaiveDate>,
    #[serde(default, with = "crate::dates::wire::opt_datetime")]
    pub datepaid: Option<NaiveDateTime>,
    pub subtotal: Cents,
    /// Applied credit; `total` is already net of it (whmcs.md §12.1).
    pub credit: Cents,
    pub tax: Cents,
    pub tax2: Cents,
    pub total: Cents,
    pub status: InvoiceStatus,
    #[serde(default, with = "crate::dates::wire::opt_datetime")]
    pub updated_at: Option<NaiveDateTime>,
    /// The invoice's items, ordered by id.
    pub items: Vec<InvoiceItem>,
}

impl Invoice {
    /// `subtotal + tax + tax2` (= `total + credit`).
    pub fn gross(&self) -> Cents {
        self.subtotal + self.tax + self.tax2
    }
}

/// `tblinvoiceitems`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InvoiceItem {
    pub id: Id,
    pub invoiceid: Id,
    pub userid: Id,
    /// `Hosting`, `Setup`, `PromoHosting`, `Addon`, … or `''` (whmcs.md §5).
    pub kind: String,
    pub relid: Id,
    pub description: String,
    pub amount: Cents,
    pub taxed: bool,
    #[serde(default, with = "crate::dates::wire::opt_date")]
    pub duedate: Option<NaiveDate>,
}

/// `tblaccounts` (a payment, refund, add-funds or manual entry).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Transaction {
    pub id: Id,
    pub userid: Id,
    pub currency: Id,
    pub gateway: String,
    #[serde(default, with = "crate::dates::wire::opt_datetime")]
    pub date: Option<NaiveDateTime>,
    pub description: String,
    pub amountin: Cents,
    pub fees: Cents,
    pub amountout: Cents,
    pub transid: String,
    pub invoiceid: Id,
    /// For a refund: the `tblaccounts.id` of the payment it refunds.
    pub refundid: Id,
}

/// `tblcancelrequests.type`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CancelType {
    Immediate,
    EndOfBillingPeriod,
    Other(String),
}

impl CancelType {
    pub fn parse(s: &str) -> CancelType {
        match s {
            "Immediate" => CancelType::Immediate,
            "End of Billing Period" => CancelType::EndOfBillingPeriod,
            other => CancelType::Other(other.to_string()),
        }
    }
}

/// `tblcancelrequests`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CancelRequest {
    pub id: Id,
    #[serde(default, with = "crate::dates::wire::opt_datetime")]
    pub date: Option<NaiveDateTime>,
    /// `tblhosting.id`.
    pub relid: Id,
    pub reason: String,
    pub kind: CancelType,
}

/// `tblupgrades`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Upgrade {
    pub id: Id,
    pub userid: Id,
    /// `service`, `addon`, `package`, `configoptions`.
    pub kind: String,
    #[serde(default, with = "crate::dates::wire::opt_date")]
    pub date: Option<NaiveDate>,
    /// `tblhosting.id` (or `tblhostingaddons.id` for addon upgrades).
    pub relid: Id,
    pub originalvalue: String,
    pub newvalue: String,
    pub new_cycle: String,
    pub amount: Cents,
    pub days_remaining: i64,
    pub total_days_in_cycle: i64,
    pub new_recurring_amount: Cents,
    /// Only `Completed` upgrades count (mapping.md §4.3).
    pub completed: bool,
}

/// `tblconfiguration` `TaxType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum TaxType {
    #[default]
    Exclusive,
    Inclusive,
}

/// The few `tblconfiguration` settings the engine reads.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WhmcsConfig {
    pub tax_type: TaxType,
    /// `DateFormat`, e.g. `DD/MM/YYYY` (used to read periods out of item descriptions).
    pub date_format: String,
    /// The WHMCS server's zone when configured (`Timezone`), else `None`.
    pub timezone: Option<String>,
}

impl Default for WhmcsConfig {
    fn default() -> Self {
        WhmcsConfig {
            tax_type: TaxType::Exclusive,
            date_format: "DD/MM/YYYY".to_string(),
            timezone: None,
        }
    }
}

/// Everything that is shared by all clients: loaded once per run.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Catalog {
    pub currencies: BTreeMap<Id, Currency>,
    pub client_groups: BTreeMap<Id, ClientGroup>,
    pub product_groups: BTreeMap<Id, ProductGroup>,
    pub products: BTreeMap<Id, Product>,
    pub addons: BTreeMap<Id, AddonProduct>,
    pub promotions: BTreeMap<Id, Promotion>,
    pub pricing: Vec<Pricing>,
    pub config: WhmcsConfig,
}

/// One client and everything of theirs the mapping needs: self-contained, because WHMCS
/// mass payments, credit and refunds never cross clients. This is the unit the engine streams
/// through (and, later, sends as one bulk-import group).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClientBundle {
    pub client: Client,
    pub services: Vec<Service>,
    pub addons: Vec<ServiceAddon>,
    pub domains: Vec<Domain>,
    /// All the client's invoices (every status) with their items, ordered by id.
    pub invoices: Vec<Invoice>,
    /// All the client's transactions, ordered by id.
    pub transactions: Vec<Transaction>,
    pub cancel_requests: Vec<CancelRequest>,
    pub upgrades: Vec<Upgrade>,
    /// Rows of this client's that could not be decoded (already skipped).
    pub read_errors: Vec<RecordError>,
}
