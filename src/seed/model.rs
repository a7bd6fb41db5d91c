//! The generated records of one client, before they get WHMCS ids.
//!
//! The generator simulates a client's whole history first and only then learns the ids its
//! records get (ids are handed out in date order across all clients, see [`super::ids`]). So
//! records point at each other by *local index* ([`Ref`]) and are turned into rows with ids by
//! [`super::emit`].

use chrono::{NaiveDate, NaiveDateTime};
use sync_core::Cents;
use sync_core::dates::add_months;

/// A billing cycle as the generator uses it. `Fortnightly` is not a WHMCS cycle: it exists only
/// for the planted `unknown_cycle` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cycle {
    Monthly,
    Quarterly,
    SemiAnnually,
    Annually,
    Biennially,
    Triennially,
    OneTime,
    Free,
    Fortnightly,
}

impl Cycle {
    pub const RECURRING: [Cycle; 6] = [
        Cycle::Monthly,
        Cycle::Quarterly,
        Cycle::SemiAnnually,
        Cycle::Annually,
        Cycle::Biennially,
        Cycle::Triennially,
    ];

    /// Months per cycle for the six WHMCS recurring cycles; `None` otherwise.
    pub fn months(self) -> Option<u32> {
        match self {
            Cycle::Monthly => Some(1),
            Cycle::Quarterly => Some(3),
            Cycle::SemiAnnually => Some(6),
            Cycle::Annually => Some(12),
            Cycle::Biennially => Some(24),
            Cycle::Triennially => Some(36),
            Cycle::OneTime | Cycle::Free | Cycle::Fortnightly => None,
        }
    }

    /// The exact text WHMCS stores in `billingcycle` (whmcs.md §6.1).
    pub fn stored(self) -> &'static str {
        match self {
            Cycle::Monthly => "Monthly",
            Cycle::Quarterly => "Quarterly",
            Cycle::SemiAnnually => "Semi-Annually",
            Cycle::Annually => "Annually",
            Cycle::Biennially => "Biennially",
            Cycle::Triennially => "Triennially",
            Cycle::OneTime => "One Time",
            Cycle::Free => "Free Account",
            Cycle::Fortnightly => "Fortnightly",
        }
    }

    /// The lower-case form WHMCS writes into `tblupgrades.newvalue` ("2,monthly").
    pub fn slug(self) -> &'static str {
        match self {
            Cycle::Monthly => "monthly",
            Cycle::Quarterly => "quarterly",
            Cycle::SemiAnnually => "semiannually",
            Cycle::Annually => "annually",
            Cycle::Biennially => "biennially",
            Cycle::Triennially => "triennially",
            Cycle::OneTime => "onetime",
            Cycle::Free => "free",
            Cycle::Fortnightly => "fortnightly",
        }
    }

    /// Whether the cycle bills again after the first invoice.
    pub fn renews(self) -> bool {
        self.months().is_some() || self == Cycle::Fortnightly
    }

    /// The start of the period after the one starting at `d`: `d` + one cycle, with WHMCS's
    /// month-end clamping (the same arithmetic mapping.md §4.3 uses for period ends).
    pub fn next(self, d: NaiveDate) -> NaiveDate {
        match self {
            Cycle::Fortnightly => d + chrono::Duration::days(14),
            c => add_months(d, c.months().unwrap_or(0)),
        }
    }
}

/// A reference to another record of the same client, by local index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    None,
    Service(usize),
    Addon(usize),
    Domain(usize),
    Invoice(usize),
    Upgrade(usize),
    Billable(usize),
    /// Item `.1` of invoice `.0`.
    Item(usize, usize),
    /// The client itself.
    Client,
}

/// `tblhosting.domainstatus` / `tblhostingaddons.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SvcStatus {
    Pending,
    Active,
    Suspended,
    Terminated,
    Cancelled,
    Fraud,
    Completed,
}

impl SvcStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SvcStatus::Pending => "Pending",
            SvcStatus::Active => "Active",
            SvcStatus::Suspended => "Suspended",
            SvcStatus::Terminated => "Terminated",
            SvcStatus::Cancelled => "Cancelled",
            SvcStatus::Fraud => "Fraud",
            SvcStatus::Completed => "Completed",
        }
    }
    pub fn is_ended(self) -> bool {
        matches!(
            self,
            SvcStatus::Terminated | SvcStatus::Cancelled | SvcStatus::Fraud
        )
    }
}

/// `tbldomains.status` (the subset the generator produces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomStatus {
    Pending,
    Active,
    Grace,
    Expired,
    Cancelled,
    Fraud,
    TransferredAway,
}

impl DomStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DomStatus::Pending => "Pending",
            DomStatus::Active => "Active",
            DomStatus::Grace => "Grace",
            DomStatus::Expired => "Expired",
            DomStatus::Cancelled => "Cancelled",
            DomStatus::Fraud => "Fraud",
            DomStatus::TransferredAway => "Transferred Away",
        }
    }
    pub fn is_ended(self) -> bool {
        matches!(
            self,
            DomStatus::Expired
                | DomStatus::Cancelled
                | DomStatus::Fraud
                | DomStatus::TransferredAway
        )
    }
}

/// `tblinvoices.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvStatus {
    Draft,
    Unpaid,
    Paid,
    Cancelled,
    Refunded,
    Collections,
    PaymentPending,
}

impl InvStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvStatus::Draft => "Draft",
            InvStatus::Unpaid => "Unpaid",
            InvStatus::Paid => "Paid",
            InvStatus::Cancelled => "Cancelled",
            InvStatus::Refunded => "Refunded",
            InvStatus::Collections => "Collections",
            InvStatus::PaymentPending => "Payment Pending",
        }
    }
    /// Exported by the default `invoice_statuses` setting (mapping.md §4.1).
    pub fn is_exported(self) -> bool {
        matches!(self, InvStatus::Paid | InvStatus::Refunded)
    }
}

/// The client profile (`tblclients`).
#[derive(Debug, Clone)]
pub struct Client {
    pub firstname: String,
    pub lastname: String,
    pub companyname: String,
    pub email: String,
    pub address1: String,
    pub address2: String,
    pub city: String,
    pub state: String,
    pub postcode: String,
    pub country: String,
    pub phone: String,
    pub tax_id: String,
    pub currency: i64,
    pub gateway: &'static str,
    pub taxexempt: bool,
    /// `None` = the zero date (planted `missing_lead_date`).
    pub datecreated: Option<NaiveDate>,
    pub signup: NaiveDate,
    pub groupid: i64,
    pub status: &'static str,
    pub language: &'static str,
    pub uuid: String,
    pub password_hash: String,
    pub ip: String,
    pub lastlogin: NaiveDateTime,
    pub marketing_opt_in: bool,
    pub credit: Cents,
    pub notes: String,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub order: Option<usize>,
    pub regdate: NaiveDate,
    pub product: i64,
    pub cycle: Cycle,
    pub qty: i64,
    pub domain: String,
    pub gateway: &'static str,
    pub first_payment: Cents,
    /// Current recurring amount, after a recurring promotion (what `tblhosting.amount` holds).
    pub amount: Cents,
    pub status: SvcStatus,
    pub next_due: Option<NaiveDate>,
    pub next_invoice: Option<NaiveDate>,
    pub termination: Option<NaiveDate>,
    pub completed: Option<NaiveDate>,
    pub promo: i64,
    pub username: String,
    pub server: i64,
    pub suspend_reason: String,
    pub notes: String,
    pub updated_at: NaiveDateTime,
    /// Deleted by an admin after it was invoiced: no `tblhosting` row (planted orphans).
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub struct Addon {
    pub order: Option<usize>,
    pub service: usize,
    /// `tbladdons.id`, 0 for an ad-hoc addon.
    pub addon_id: i64,
    pub name: String,
    pub regdate: NaiveDate,
    pub cycle: Cycle,
    pub setup_fee: Cents,
    pub first_payment: Cents,
    pub recurring: Cents,
    pub taxed: bool,
    pub status: SvcStatus,
    pub next_due: Option<NaiveDate>,
    pub next_invoice: Option<NaiveDate>,
    pub termination: Option<NaiveDate>,
    pub gateway: &'static str,
    pub updated_at: NaiveDateTime,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub struct Domain {
    pub order: Option<usize>,
    pub transfer: bool,
    pub regdate: NaiveDate,
    pub name: String,
    pub tld: usize,
    pub years: i64,
    pub first_payment: Cents,
    /// Per `years`, including DNS/email-forwarding/ID-protection and after a recurring promo.
    pub recurring: Cents,
    pub expiry: NaiveDate,
    pub status: DomStatus,
    pub next_due: NaiveDate,
    pub next_invoice: NaiveDate,
    pub promo: i64,
    pub dns: bool,
    pub emf: bool,
    pub idp: bool,
    pub donotrenew: bool,
    pub gateway: &'static str,
    pub updated_at: NaiveDateTime,
}

/// A description that may name the id of another record ("Invoice #123"), known only after ids
/// are assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Desc {
    Text(String),
    /// `prefix` + the id of the referenced record.
    WithId(&'static str, Ref),
}

#[derive(Debug, Clone)]
pub struct Item {
    pub kind: &'static str,
    pub rel: Ref,
    pub desc: Desc,
    pub amount: Cents,
    pub taxed: bool,
    /// `None` = the zero date (only on planted items).
    pub duedate: Option<NaiveDate>,
    /// A subscription line that covers less than a full cycle (prorata first invoice,
    /// upgrade). Not stored; used by the tests that check the expected MRR.
    pub prorated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvKind {
    /// Orders, renewals, upgrades, custom work: revenue.
    Normal,
    /// A mass-payment container: every item is of type `Invoice`.
    Container,
    /// A credit top-up: every item is of type `AddFunds`.
    AddFunds,
}

#[derive(Debug, Clone)]
pub struct Invoice {
    pub kind: InvKind,
    pub date: NaiveDate,
    pub duedate: NaiveDate,
    pub datepaid: Option<NaiveDateTime>,
    pub date_refunded: Option<NaiveDateTime>,
    pub date_cancelled: Option<NaiveDateTime>,
    pub status: InvStatus,
    pub items: Vec<Item>,
    pub subtotal: Cents,
    pub credit: Cents,
    pub tax: Cents,
    pub tax2: Cents,
    pub total: Cents,
    /// Tax rates in thousandths of a percent (19.000 % = 19000).
    pub taxrate: i64,
    pub taxrate2: i64,
    pub gateway: &'static str,
    pub notes: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Invoice {
    /// `subtotal + tax + tax2` (= `total + credit`).
    pub fn gross(&self) -> Cents {
        self.subtotal + self.tax + self.tax2
    }
}

#[derive(Debug, Clone)]
pub struct Txn {
    pub date: NaiveDateTime,
    pub gateway: &'static str,
    pub description: String,
    pub amountin: Cents,
    pub fees: Cents,
    pub amountout: Cents,
    pub transid: String,
    pub invoice: Ref,
    /// For a refund or reversal: the local index of the payment it refunds.
    pub refund_of: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct CancelRequest {
    pub date: NaiveDateTime,
    pub service: usize,
    pub reason: &'static str,
    pub immediate: bool,
}

#[derive(Debug, Clone)]
pub struct Upgrade {
    pub date: NaiveDate,
    pub order: usize,
    pub service: usize,
    pub old_product: i64,
    pub new_product: i64,
    pub cycle: Cycle,
    pub amount: Cents,
    pub days_remaining: i64,
    pub total_days: i64,
    pub new_recurring: Cents,
    pub recurring_change: Cents,
}

#[derive(Debug, Clone)]
pub struct Order {
    pub date: NaiveDateTime,
    pub ordernum: i64,
    pub promocode: &'static str,
    pub promotype: &'static str,
    pub promovalue: String,
    pub amount: Cents,
    pub invoice: Option<usize>,
    pub status: &'static str,
    pub gateway: &'static str,
    pub ip: String,
}

#[derive(Debug, Clone)]
pub struct Credit {
    pub date: NaiveDate,
    pub desc: Desc,
    pub amount: Cents,
}

#[derive(Debug, Clone)]
pub struct Billable {
    pub date: NaiveDate,
    pub description: String,
    pub hours_tenths: i64,
    pub amount: Cents,
}

/// One planted bad record (see the `seed_planted` table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    pub table: &'static str,
    pub record: Ref,
    pub column: &'static str,
    pub kind: &'static str,
}

/// Everything generated for one client.
#[derive(Debug, Clone)]
pub struct ClientData {
    /// Index in the global plan; the client's id is `index + 1`.
    pub index: usize,
    pub client: Client,
    pub services: Vec<Service>,
    pub addons: Vec<Addon>,
    pub domains: Vec<Domain>,
    pub invoices: Vec<Invoice>,
    pub txns: Vec<Txn>,
    pub cancels: Vec<CancelRequest>,
    pub upgrades: Vec<Upgrade>,
    pub orders: Vec<Order>,
    pub credits: Vec<Credit>,
    pub billables: Vec<Billable>,
    pub planted: Vec<Planted>,
}
