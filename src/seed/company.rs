//! The hosting company's catalogue: currencies, client groups, products and their prices,
//! the addon catalogue, domain pricing, promotions, taxes, gateways and `tblconfiguration`.
//!
//! Prices are kept in USD cents and converted per currency by a fixed factor, rounded to
//! 10 cents. Every catalogue price is a multiple of 10 cents on purpose: the 10 % client-group
//! discount then splits over an order's lines without a remainder, so ChartMogul's share of the
//! `GroupDiscount` line on each line equals the discount WHMCS stored on each service
//! (see `expected.rs`).

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use sync_core::Cents;
use sync_core::db::DbError;

use super::model::Cycle;
use super::writer::{Writer, row};

pub const USD: i64 = 1;
pub const EUR: i64 = 2;
pub const GBP: i64 = 3;
pub const CAD: i64 = 4;

pub struct Currency {
    pub id: i64,
    pub code: &'static str,
    pub prefix: &'static str,
    pub suffix: &'static str,
    pub format: i64,
    /// `tblcurrencies.rate` against USD, as stored.
    pub rate: &'static str,
    /// Local price = USD price × `percent` / 100, rounded to 10 cents.
    pub percent: i64,
}

pub const CURRENCIES: [Currency; 4] = [
    Currency {
        id: USD,
        code: "USD",
        prefix: "$",
        suffix: " USD",
        format: 2,
        rate: "1.00000",
        percent: 100,
    },
    Currency {
        id: EUR,
        code: "EUR",
        prefix: "€",
        suffix: " EUR",
        format: 3,
        rate: "0.92000",
        percent: 92,
    },
    Currency {
        id: GBP,
        code: "GBP",
        prefix: "£",
        suffix: " GBP",
        format: 2,
        rate: "0.79000",
        percent: 79,
    },
    Currency {
        id: CAD,
        code: "CAD",
        prefix: "$",
        suffix: " CAD",
        format: 2,
        rate: "1.36000",
        percent: 136,
    },
];

pub fn currency(id: i64) -> &'static Currency {
    CURRENCIES
        .iter()
        .find(|c| c.id == id)
        .expect("known currency")
}

pub const GROUP_RESELLER: i64 = 1;
pub const GROUP_VIP: i64 = 2;
pub const GROUP_TEST: i64 = 3;
/// The reseller group's discount, percent.
pub const RESELLER_DISCOUNT_PERCENT: i64 = 10;

pub struct ClientGroup {
    pub id: i64,
    pub name: &'static str,
    pub colour: &'static str,
    pub discount: &'static str,
}

pub const CLIENT_GROUPS: [ClientGroup; 3] = [
    ClientGroup {
        id: GROUP_RESELLER,
        name: "Reseller",
        colour: "#2f7ed8",
        discount: "10.00",
    },
    ClientGroup {
        id: GROUP_VIP,
        name: "VIP",
        colour: "#f0ad4e",
        discount: "0.00",
    },
    ClientGroup {
        id: GROUP_TEST,
        name: "Test",
        colour: "#999999",
        discount: "0.00",
    },
];

pub const PRODUCT_GROUPS: [(i64, &str, &str); 7] = [
    (1, "Shared Hosting", "shared-hosting"),
    (2, "WordPress Hosting", "wordpress-hosting"),
    (3, "VPS", "vps"),
    (4, "Dedicated Servers", "dedicated-servers"),
    (5, "Email", "email"),
    (6, "SSL Certificates", "ssl-certificates"),
    (7, "Services", "services"),
];

pub fn group_name(gid: i64) -> &'static str {
    PRODUCT_GROUPS
        .iter()
        .find(|g| g.0 == gid)
        .map_or("", |g| g.1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayType {
    Recurring,
    OneTime,
    Free,
}

pub struct Product {
    pub id: i64,
    pub gid: i64,
    pub name: &'static str,
    pub kind: &'static str,
    pub paytype: PayType,
    /// Monthly price in USD cents (the one-time price for one-time products).
    pub monthly_usd: i64,
    pub cycles: &'static [Cycle],
    /// Setup fee in USD cents, charged on Monthly and Quarterly orders.
    pub setup_usd: i64,
    pub taxed: bool,
    pub prorata: bool,
    pub allow_qty: bool,
    pub retired: bool,
    pub upgrade_to: Option<i64>,
    /// Part of the price rise at [`Catalogue::price_rise`] (+1.00 USD a month).
    pub raised: bool,
    pub module: &'static str,
}

const ALL: &[Cycle] = &Cycle::RECURRING;
const VPS_CYCLES: &[Cycle] = &[
    Cycle::Monthly,
    Cycle::Quarterly,
    Cycle::SemiAnnually,
    Cycle::Annually,
];
const DEDI_CYCLES: &[Cycle] = &[Cycle::Monthly, Cycle::Quarterly, Cycle::Annually];

/// The trial product: its services start with a free first month (settings `trial_products`).
pub const TRIAL_PRODUCT: i64 = 8;
pub const ONE_TIME_PRODUCT: i64 = 13;
pub const FREE_PRODUCT: i64 = 14;
pub const LEGACY_PRODUCT: i64 = 15;
pub const EMAIL_PRODUCT: i64 = 11;

pub const PRODUCTS: [Product; 15] = [
    p(
        1,
        1,
        "Shared Starter",
        "hostingaccount",
        490,
        ALL,
        0,
        Some(2),
        true,
        "cpanel",
    ),
    p(
        2,
        1,
        "Shared Business",
        "hostingaccount",
        990,
        ALL,
        0,
        Some(3),
        true,
        "cpanel",
    ),
    p(
        3,
        1,
        "Shared Pro",
        "hostingaccount",
        1990,
        ALL,
        0,
        None,
        true,
        "cpanel",
    ),
    p(
        4,
        2,
        "WordPress Basic",
        "hostingaccount",
        1490,
        &[Cycle::Monthly, Cycle::Annually, Cycle::Biennially],
        0,
        None,
        false,
        "cpanel",
    ),
    p(
        5,
        3,
        "VPS S",
        "server",
        1990,
        VPS_CYCLES,
        0,
        Some(6),
        false,
        "virtualizor",
    ),
    p(
        6,
        3,
        "VPS M",
        "server",
        3990,
        VPS_CYCLES,
        0,
        Some(7),
        false,
        "virtualizor",
    ),
    p(
        7,
        3,
        "VPS L",
        "server",
        7990,
        VPS_CYCLES,
        0,
        None,
        false,
        "virtualizor",
    ),
    p(
        TRIAL_PRODUCT,
        3,
        "VPS Trial",
        "server",
        1990,
        &[Cycle::Monthly],
        0,
        None,
        false,
        "virtualizor",
    ),
    Product {
        prorata: true,
        ..p(
            9,
            4,
            "Dedicated E3",
            "server",
            14900,
            DEDI_CYCLES,
            4900,
            None,
            false,
            "",
        )
    },
    Product {
        prorata: true,
        ..p(
            10,
            4,
            "Dedicated Xeon",
            "server",
            29900,
            DEDI_CYCLES,
            9900,
            None,
            false,
            "",
        )
    },
    Product {
        allow_qty: true,
        ..p(
            EMAIL_PRODUCT,
            5,
            "Business Email",
            "other",
            290,
            &[Cycle::Monthly, Cycle::Annually],
            0,
            None,
            false,
            "",
        )
    },
    Product {
        taxed: false,
        ..p(
            12,
            6,
            "SSL Certificate",
            "other",
            580,
            &[Cycle::Annually, Cycle::Biennially],
            0,
            None,
            false,
            "",
        )
    },
    Product {
        paytype: PayType::OneTime,
        ..p(
            ONE_TIME_PRODUCT,
            7,
            "Website Migration",
            "other",
            9900,
            &[Cycle::OneTime],
            0,
            None,
            false,
            "",
        )
    },
    Product {
        paytype: PayType::Free,
        ..p(
            FREE_PRODUCT,
            1,
            "Free Hosting",
            "hostingaccount",
            0,
            &[Cycle::Free],
            0,
            None,
            false,
            "cpanel",
        )
    },
    Product {
        retired: true,
        ..p(
            LEGACY_PRODUCT,
            1,
            "Legacy Reseller",
            "reselleraccount",
            2490,
            &[Cycle::Monthly, Cycle::Annually],
            0,
            None,
            false,
            "cpanel",
        )
    },
];

#[allow(clippy::too_many_arguments)]
const fn p(
    id: i64,
    gid: i64,
    name: &'static str,
    kind: &'static str,
    monthly_usd: i64,
    cycles: &'static [Cycle],
    setup_usd: i64,
    upgrade_to: Option<i64>,
    raised: bool,
    module: &'static str,
) -> Product {
    Product {
        id,
        gid,
        name,
        kind,
        paytype: PayType::Recurring,
        monthly_usd,
        cycles,
        setup_usd,
        taxed: true,
        prorata: false,
        allow_qty: false,
        retired: false,
        upgrade_to,
        raised,
        module,
    }
}

pub fn product(id: i64) -> &'static Product {
    PRODUCTS.iter().find(|p| p.id == id).expect("known product")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddonBilling {
    /// Billed on its service's cycle.
    Recurring,
    OneTime,
}

pub struct AddonProduct {
    pub id: i64,
    pub name: &'static str,
    pub description: &'static str,
    pub billing: AddonBilling,
    pub monthly_usd: i64,
    pub packages: &'static [i64],
    pub taxed: bool,
    /// Starts with a free first period (settings `trial_addons`).
    pub trial: bool,
}

pub const TRIAL_ADDON: i64 = 4;

pub const ADDONS: [AddonProduct; 6] = [
    AddonProduct {
        id: 1,
        name: "Daily Backups",
        description: "Off-site backups, 30 days retention",
        billing: AddonBilling::Recurring,
        monthly_usd: 290,
        packages: &[1, 2, 3, 4, 5, 6, 7],
        taxed: true,
        trial: false,
    },
    AddonProduct {
        id: 2,
        name: "Dedicated IP",
        description: "An additional IPv4 address",
        billing: AddonBilling::Recurring,
        monthly_usd: 390,
        packages: &[5, 6, 7, 9, 10],
        taxed: true,
        trial: false,
    },
    AddonProduct {
        id: 3,
        name: "cPanel Admin",
        description: "cPanel licence for a VPS or server",
        billing: AddonBilling::Recurring,
        monthly_usd: 1590,
        packages: &[5, 6, 7, 9, 10],
        taxed: true,
        trial: false,
    },
    AddonProduct {
        id: TRIAL_ADDON,
        name: "SiteLock Malware Scan",
        description: "Daily malware scan, first month free",
        billing: AddonBilling::Recurring,
        monthly_usd: 490,
        packages: &[1, 2, 3, 4],
        taxed: true,
        trial: true,
    },
    AddonProduct {
        id: 5,
        name: "Setup Assistance",
        description: "One hour of setup help",
        billing: AddonBilling::OneTime,
        monthly_usd: 4900,
        packages: &[1, 2, 3, 4, 5, 6, 7, 9, 10],
        taxed: true,
        trial: false,
    },
    AddonProduct {
        id: 6,
        name: "Priority Support",
        description: "Replies within one hour",
        billing: AddonBilling::Recurring,
        monthly_usd: 990,
        packages: &[1, 2, 3, 4, 5, 6, 7, 9, 10],
        taxed: true,
        trial: false,
    },
];

pub fn addon(id: i64) -> &'static AddonProduct {
    ADDONS.iter().find(|a| a.id == id).expect("known addon")
}

pub struct Tld {
    pub id: i64,
    pub ext: &'static str,
    /// Price per year in USD cents: registration, transfer and renewal cost the same, so a
    /// registration line is a full-price period of the domain's plan.
    pub yearly_usd: i64,
}

pub const TLDS: [Tld; 8] = [
    Tld {
        id: 1,
        ext: ".com",
        yearly_usd: 1490,
    },
    Tld {
        id: 2,
        ext: ".net",
        yearly_usd: 1690,
    },
    Tld {
        id: 3,
        ext: ".org",
        yearly_usd: 1590,
    },
    Tld {
        id: 4,
        ext: ".io",
        yearly_usd: 4990,
    },
    Tld {
        id: 5,
        ext: ".de",
        yearly_usd: 990,
    },
    Tld {
        id: 6,
        ext: ".co.uk",
        yearly_usd: 1090,
    },
    Tld {
        id: 7,
        ext: ".eu",
        yearly_usd: 990,
    },
    Tld {
        id: 8,
        ext: ".ca",
        yearly_usd: 1590,
    },
];

/// Domain addons per year in USD cents: DNS management, email forwarding, ID protection.
pub const DOMAIN_ADDONS_USD: [i64; 3] = [300, 200, 500];

pub const PROMO_SAVE3: i64 = 1;
pub const PROMO_TENOFF: i64 = 2;
pub const PROMO_FREETRIAL: i64 = 3;
pub const PROMO_DOM2: i64 = 4;
pub const PROMO_BLACKFRIDAY: i64 = 5;
pub const TRIAL_PROMO_CODE: &str = "FREETRIAL";

pub struct Promotion {
    pub id: i64,
    pub code: &'static str,
    pub kind: &'static str,
    pub recurring: bool,
    /// Percent or amount in hundredths, as stored.
    pub value: Cents,
    pub appliesto: &'static str,
    pub notes: &'static str,
}

pub const PROMOTIONS: [Promotion; 5] = [
    Promotion {
        id: PROMO_SAVE3,
        code: "SAVE3",
        kind: "Fixed Amount",
        recurring: true,
        value: Cents(300),
        appliesto: "1,2,3,5,6,7",
        notes: "3.00 off every invoice",
    },
    Promotion {
        id: PROMO_TENOFF,
        code: "TENOFF",
        kind: "Percentage",
        recurring: true,
        value: Cents(1000),
        appliesto: "2,3,5,6,7",
        notes: "10% off for life",
    },
    Promotion {
        id: PROMO_FREETRIAL,
        code: TRIAL_PROMO_CODE,
        kind: "Percentage",
        recurring: false,
        value: Cents(10000),
        appliesto: "1,2,5",
        notes: "First month free (trial)",
    },
    Promotion {
        id: PROMO_DOM2,
        code: "DOM2",
        kind: "Fixed Amount",
        recurring: true,
        value: Cents(200),
        appliesto: "D.com,D.net,D.org",
        notes: "2.00 off domain registrations and renewals",
    },
    Promotion {
        id: PROMO_BLACKFRIDAY,
        code: "BLACKFRIDAY24",
        kind: "Percentage",
        recurring: false,
        value: Cents(3000),
        appliesto: "1,2,3",
        notes: "Expired campaign",
    },
];

pub fn promotion(id: i64) -> &'static Promotion {
    PROMOTIONS
        .iter()
        .find(|p| p.id == id)
        .expect("known promotion")
}

/// `tbltax`: level 1 per country, and a level-2 tax for one province.
pub struct TaxRule {
    pub id: i64,
    pub level: i64,
    pub name: &'static str,
    pub state: &'static str,
    pub country: &'static str,
    /// Thousandths of a percent (19.000 % = 19000).
    pub rate: i64,
}

pub const TAXES: [TaxRule; 9] = [
    TaxRule {
        id: 1,
        level: 1,
        name: "VAT",
        state: "",
        country: "DE",
        rate: 19_000,
    },
    TaxRule {
        id: 2,
        level: 1,
        name: "VAT",
        state: "",
        country: "FR",
        rate: 20_000,
    },
    TaxRule {
        id: 3,
        level: 1,
        name: "VAT",
        state: "",
        country: "NL",
        rate: 21_000,
    },
    TaxRule {
        id: 4,
        level: 1,
        name: "VAT",
        state: "",
        country: "GB",
        rate: 20_000,
    },
    TaxRule {
        id: 5,
        level: 1,
        name: "VAT",
        state: "",
        country: "ES",
        rate: 21_000,
    },
    TaxRule {
        id: 6,
        level: 1,
        name: "VAT",
        state: "",
        country: "IT",
        rate: 22_000,
    },
    TaxRule {
        id: 7,
        level: 1,
        name: "VAT",
        state: "",
        country: "SE",
        rate: 25_000,
    },
    TaxRule {
        id: 8,
        level: 1,
        name: "GST",
        state: "",
        country: "CA",
        rate: 5_000,
    },
    TaxRule {
        id: 9,
        level: 2,
        name: "QST",
        state: "Quebec",
        country: "CA",
        rate: 9_975,
    },
];

/// The client's (level-1, level-2) tax rates by country and state, as WHMCS matches them.
pub fn tax_rates(country: &str, state: &str) -> (i64, i64) {
    let rate = |level: i64| {
        TAXES
            .iter()
            .filter(|t| {
                t.level == level && t.country == country && (t.state.is_empty() || t.state == state)
            })
            .map(|t| t.rate)
            .next()
            .unwrap_or(0)
    };
    (rate(1), rate(2))
}

pub struct Gateway {
    pub module: &'static str,
    pub name: &'static str,
    /// Fee = amount × per-10000 / 10000 + fixed cents.
    pub fee_per_10000: i64,
    pub fee_fixed: i64,
}

pub const GATEWAYS: [Gateway; 3] = [
    Gateway {
        module: "stripe",
        name: "Credit Card (Stripe)",
        fee_per_10000: 290,
        fee_fixed: 30,
    },
    Gateway {
        module: "paypal",
        name: "PayPal",
        fee_per_10000: 349,
        fee_fixed: 49,
    },
    Gateway {
        module: "banktransfer",
        name: "Bank Transfer",
        fee_per_10000: 0,
        fee_fixed: 0,
    },
];

pub fn gateway_fee(module: &str, amount: Cents) -> Cents {
    let g = GATEWAYS
        .iter()
        .find(|g| g.module == module)
        .expect("known gateway");
    if amount.0 <= 0 || g.fee_per_10000 == 0 {
        return Cents::ZERO;
    }
    Cents(div_round(amount.0 * g.fee_per_10000, 10_000) + g.fee_fixed)
}

/// `a / b` rounded half away from zero (b > 0), the rounding WHMCS uses for money.
pub fn div_round(a: i64, b: i64) -> i64 {
    debug_assert!(b > 0);
    let q = a.abs() / b;
    let r = a.abs() % b;
    let q = if 2 * r >= b { q + 1 } else { q };
    if a < 0 { -q } else { q }
}

/// Rounds to a multiple of 10 cents (half away from zero).
fn round10(cents: i64) -> i64 {
    div_round(cents, 10) * 10
}

/// Cycle discount, percent of the monthly price × months.
fn cycle_percent(c: Cycle) -> i64 {
    match c {
        Cycle::Monthly => 100,
        Cycle::Quarterly => 98,
        Cycle::SemiAnnually => 95,
        Cycle::Annually => 85,
        Cycle::Biennially => 80,
        Cycle::Triennially => 75,
        Cycle::OneTime | Cycle::Free | Cycle::Fortnightly => 100,
    }
}

/// A USD price in another currency, rounded to 10 cents.
pub fn convert(usd_cents: i64, currency_id: i64) -> Cents {
    Cents(round10(usd_cents * currency(currency_id).percent / 100))
}

fn cycle_price_usd(monthly_usd: i64, cycle: Cycle) -> i64 {
    match cycle.months() {
        Some(m) => round10(monthly_usd * i64::from(m) * cycle_percent(cycle) / 100),
        None => monthly_usd,
    }
}

/// The catalogue in effect for one `today`.
pub struct Catalogue {
    pub today: NaiveDate,
    /// The first day of the three years of history.
    pub start: NaiveDate,
    /// The day the Shared Hosting prices went up by 1.00 USD a month; existing Monthly,
    /// Quarterly and Semi-Annual services were moved to the new price that day.
    pub price_rise: NaiveDate,
}

/// What the price rise adds to a monthly price, USD cents.
pub const PRICE_RISE_MONTHLY_USD: i64 = 100;

impl Catalogue {
    pub fn new(today: NaiveDate) -> Catalogue {
        let start = today
            .checked_sub_months(chrono::Months::new(36))
            .expect("a date three years back");
        Catalogue {
            today,
            start,
            price_rise: today - Duration::days(300),
        }
    }

    /// A product's price on `cycle` in `currency` for an order placed on `date` (`None` when
    /// the cycle is not offered).
    pub fn product_price(
        &self,
        pid: i64,
        cycle: Cycle,
        currency: i64,
        date: NaiveDate,
    ) -> Option<Cents> {
        let p = product(pid);
        if !p.cycles.contains(&cycle) {
            return None;
        }
        let monthly = if p.raised && date < self.price_rise {
            p.monthly_usd - PRICE_RISE_MONTHLY_USD
        } else {
            p.monthly_usd
        };
        Some(convert(cycle_price_usd(monthly, cycle), currency))
    }

    pub fn setup_fee(&self, pid: i64, cycle: Cycle, currency: i64) -> Cents {
        let p = product(pid);
        if matches!(cycle, Cycle::Monthly | Cycle::Quarterly) {
            convert(p.setup_usd, currency)
        } else {
            Cents::ZERO
        }
    }

    pub fn addon_price(&self, addon_id: i64, cycle: Cycle, currency: i64) -> Cents {
        let a = addon(addon_id);
        match a.billing {
            AddonBilling::OneTime => convert(a.monthly_usd, currency),
            AddonBilling::Recurring => convert(cycle_price_usd(a.monthly_usd, cycle), currency),
        }
    }

    /// Registration/transfer/renewal price for `years`.
    pub fn domain_price(&self, tld: usize, years: i64, currency: i64) -> Cents {
        Cents(convert(TLDS[tld].yearly_usd, currency).0 * years)
    }

    /// DNS management, email forwarding, ID protection prices for `years`.
    pub fn domain_addon_prices(&self, years: i64, currency: i64) -> [Cents; 3] {
        DOMAIN_ADDONS_USD.map(|usd| Cents(convert(usd, currency).0 * years))
    }

    fn created(&self) -> NaiveDateTime {
        (self.start - Duration::days(45)).and_time(NaiveTime::from_hms_opt(9, 0, 0).expect("time"))
    }
}

/// How often each promotion was used, written into `tblpromotions.uses`.
pub type PromoUses = [i64; PROMOTIONS.len()];

/// `tblconfiguration`: the settings the engine reads (TaxType, DateFormat) and the usual ones
/// a WHMCS install has.
pub fn configuration() -> Vec<(&'static str, String)> {
    let s = |v: &str| v.to_string();
    vec![
        ("CompanyName", s("Example Hosting Ltd")),
        ("Email", s("billing@example-hosting.test")),
        ("Domain", s("https://www.example-hosting.test/")),
        ("SystemURL", s("https://billing.example-hosting.test/")),
        ("Version", s("8.4.0-release.1")),
        ("Language", s("english")),
        ("DefaultCountry", s("US")),
        ("DateFormat", s("DD/MM/YYYY")),
        ("ClientDateFormat", s("full")),
        ("TaxEnabled", s("on")),
        ("TaxType", s("Exclusive")),
        ("TaxDomains", s("on")),
        ("TaxLateFee", s("on")),
        ("TaxCustomInvoices", s("on")),
        ("TaxL2Compound", s("")),
        ("TaxInclusiveDeduct", s("")),
        ("CreateInvoiceDaysBefore", s("7")),
        ("CreateDomainInvoiceDaysBefore", s("")),
        ("InvoiceIncrement", s("1")),
        ("SequentialInvoiceNumbering", s("")),
        ("ContinuousInvoiceGeneration", s("")),
        ("LateFeeType", s("Fixed Amount")),
        ("InvoiceLateFeeAmount", s("5.00")),
        ("AddLateFeeDays", s("3")),
        ("AutoSuspension", s("on")),
        ("AutoSuspensionDays", s("5")),
        ("AutoTermination", s("on")),
        ("AutoTerminationDays", s("30")),
        ("AutoCancellationRequests", s("on")),
        ("CancelInvoiceOnCancellation", s("on")),
        ("ProrataClientsAnniversaryDate", s("")),
        ("NoAutoApplyCredit", s("")),
        ("CreditOnDowngrade", s("on")),
        ("DailyCronExecutionHour", s("09")),
        ("AllowedFiletypes", s(".jpg,.gif,.png,.pdf")),
        ("OrderDaysGrace", s("0")),
    ]
}

/// Writes every catalogue table.
pub fn write(w: &mut Writer<'_>, cat: &Catalogue, uses: &PromoUses) -> Result<(), DbError> {
    let created = cat.created();
    for c in &CURRENCIES {
        w.insert(
            "tblcurrencies",
            row! {
                "id" => c.id, "code" => c.code, "prefix" => c.prefix, "suffix" => c.suffix,
                "format" => c.format, "rate" => c.rate, "default" => c.id == USD,
            },
        )?;
    }
    for g in &CLIENT_GROUPS {
        w.insert(
            "tblclientgroups",
            row! {
                "id" => g.id, "groupname" => g.name, "groupcolour" => g.colour,
                "discountpercent" => g.discount, "susptermexempt" => "", "separateinvoices" => "",
            },
        )?;
    }
    for (order, (id, name, slug)) in PRODUCT_GROUPS.iter().enumerate() {
        w.insert(
            "tblproductgroups",
            row! {
                "id" => *id, "name" => *name, "slug" => *slug, "headline" => "", "tagline" => "",
                "orderfrmtpl" => "", "disabledgateways" => "", "hidden" => false, "order" => order,
                "created_at" => created, "updated_at" => created,
            },
        )?;
    }
    for (order, p) in PRODUCTS.iter().enumerate() {
        let paytype = match p.paytype {
            PayType::Recurring => "recurring",
            PayType::OneTime => "onetime",
            PayType::Free => "free",
        };
        let slug = p.name.to_ascii_lowercase().replace(' ', "-");
        let description = match p.id {
            TRIAL_PRODUCT => "A VPS S with the first month free",
            _ => "",
        };
        w.insert(
            "tblproducts",
            row! {
                "id" => p.id, "type" => p.kind, "gid" => p.gid, "name" => p.name, "slug" => slug,
                "description" => description, "hidden" => p.retired, "showdomainoptions" => p.gid <= 2,
                "welcomeemail" => 0i64, "stockcontrol" => false, "qty" => 0i64,
                "proratabilling" => p.prorata, "proratadate" => if p.prorata { 1i64 } else { 0 },
                "proratachargenextmonth" => 0i64, "paytype" => paytype, "allowqty" => p.allow_qty,
                "subdomain" => "", "autosetup" => "payment", "servertype" => p.module,
                "servergroup" => 0i64,
                "configoption1" => "", "configoption2" => "", "configoption3" => "",
                "configoption4" => "", "configoption5" => "", "configoption6" => "",
                "configoption7" => "", "configoption8" => "", "configoption9" => "",
                "configoption10" => "", "configoption11" => "", "configoption12" => "",
                "configoption13" => "", "configoption14" => "", "configoption15" => "",
                "configoption16" => "", "configoption17" => "", "configoption18" => "",
                "configoption19" => "", "configoption20" => "", "configoption21" => "",
                "configoption22" => "", "configoption23" => "", "configoption24" => "",
                "freedomain" => "", "freedomainpaymentterms" => "", "freedomaintlds" => "",
                "recurringcycles" => 0i64, "autoterminatedays" => 0i64, "autoterminateemail" => 0i64,
                "configoptionsupgrade" => false, "billingcycleupgrade" => "", "upgradeemail" => 0i64,
                "overagesenabled" => "", "overagesdisklimit" => 0i64, "overagesbwlimit" => 0i64,
                "overagesdiskprice" => "0.0000", "overagesbwprice" => "0.0000", "tax" => p.taxed,
                "affiliateonetime" => false, "affiliatepaytype" => "", "affiliatepayamount" => Cents::ZERO,
                "order" => order, "retired" => p.retired, "is_featured" => p.id == 2,
                "created_at" => created, "updated_at" => created,
            },
        )?;
    }
    let mut pricing_id = 0i64;
    let mut pricing = |w: &mut Writer<'_>,
                       kind: &str,
                       currency: i64,
                       relid: i64,
                       setup: [Cents; 6],
                       prices: [Cents; 6]| {
        pricing_id += 1;
        w.insert(
            "tblpricing",
            row! {
                "id" => pricing_id, "type" => kind, "currency" => currency, "relid" => relid,
                "msetupfee" => setup[0], "qsetupfee" => setup[1], "ssetupfee" => setup[2],
                "asetupfee" => setup[3], "bsetupfee" => setup[4], "tsetupfee" => setup[5],
                "monthly" => prices[0], "quarterly" => prices[1], "semiannually" => prices[2],
                "annually" => prices[3], "biennially" => prices[4], "triennially" => prices[5],
            },
        )
    };
    let off = Cents(-100);
    for p in &PRODUCTS {
        for c in &CURRENCIES {
            let (setup, prices) = match p.paytype {
                // One-time products keep their price in `monthly`/`msetupfee` (whmcs.md §5).
                PayType::OneTime => (
                    [Cents::ZERO, off, off, off, off, off],
                    [convert(p.monthly_usd, c.id), off, off, off, off, off],
                ),
                PayType::Free => (
                    [Cents::ZERO, off, off, off, off, off],
                    [Cents::ZERO, off, off, off, off, off],
                ),
                PayType::Recurring => {
                    let mut setup = [off; 6];
                    let mut prices = [off; 6];
                    for (i, cycle) in Cycle::RECURRING.iter().enumerate() {
                        if let Some(price) = cat.product_price(p.id, *cycle, c.id, cat.today) {
                            prices[i] = price;
                            setup[i] = cat.setup_fee(p.id, *cycle, c.id);
                        }
                    }
                    (setup, prices)
                }
            };
            pricing(w, "product", c.id, p.id, setup, prices)?;
        }
    }
    for a in &ADDONS {
        for c in &CURRENCIES {
            let (setup, prices) = match a.billing {
                AddonBilling::OneTime => (
                    [Cents::ZERO, off, off, off, off, off],
                    [
                        cat.addon_price(a.id, Cycle::OneTime, c.id),
                        off,
                        off,
                        off,
                        off,
                        off,
                    ],
                ),
                AddonBilling::Recurring => (
                    [Cents::ZERO; 6],
                    Cycle::RECURRING.map(|cycle| cat.addon_price(a.id, cycle, c.id)),
                ),
            };
            pricing(w, "addon", c.id, a.id, setup, prices)?;
        }
    }
    for t in &TLDS {
        let ix = TLDS.iter().position(|x| x.id == t.id).expect("tld");
        for kind in ["domainregister", "domaintransfer", "domainrenew"] {
            for c in &CURRENCIES {
                // Domain rows reuse the columns as years: msetupfee = 1 year … biennially = 10.
                let years: Vec<Cents> = (1..=10)
                    .map(|y| {
                        if kind == "domaintransfer" && y > 1 {
                            off
                        } else {
                            cat.domain_price(ix, y, c.id)
                        }
                    })
                    .collect();
                pricing(
                    w,
                    kind,
                    c.id,
                    t.id,
                    [years[0], years[1], years[2], years[3], years[4], off],
                    [years[5], years[6], years[7], years[8], years[9], off],
                )?;
            }
        }
    }
    for c in &CURRENCIES {
        let [dns, emf, idp] = cat.domain_addon_prices(1, c.id);
        pricing(
            w,
            "domainaddons",
            c.id,
            0,
            [dns, emf, idp, Cents::ZERO, Cents::ZERO, Cents::ZERO],
            [Cents::ZERO; 6],
        )?;
    }
    for a in &ADDONS {
        let packages: Vec<String> = a.packages.iter().map(|p| p.to_string()).collect();
        let cycle = match a.billing {
            AddonBilling::OneTime => "One Time",
            AddonBilling::Recurring => "Monthly",
        };
        w.insert(
            "tbladdons",
            row! {
                "id" => a.id, "packages" => packages.join(","), "name" => a.name,
                "description" => a.description, "billingcycle" => cycle, "allowqty" => 0i64,
                "tax" => a.taxed, "showorder" => true, "hidden" => false, "retired" => false,
                "downloads" => "", "autoactivate" => "payment", "suspendproduct" => true,
                "welcomeemail" => 0i64, "type" => "", "module" => "", "server_group_id" => 0i64,
                "prorate" => false, "weight" => 0i64, "autolinkby" => "",
                "created_at" => created, "updated_at" => created,
            },
        )?;
    }
    for (order, t) in TLDS.iter().enumerate() {
        w.insert(
            "tbldomainpricing",
            row! {
                "id" => t.id, "extension" => t.ext, "dnsmanagement" => true, "emailforwarding" => true,
                "idprotection" => true, "eppcode" => true, "autoreg" => "", "order" => order,
                "group" => if t.ext == ".io" { "hot" } else { "none" },
                "created_at" => created, "updated_at" => created,
            },
        )?;
    }
    for (i, p) in PROMOTIONS.iter().enumerate() {
        let (start, end) = if p.id == PROMO_BLACKFRIDAY {
            let y = cat
                .today
                .format("%Y")
                .to_string()
                .parse::<i32>()
                .unwrap_or(2026)
                - 2;
            (
                NaiveDate::from_ymd_opt(y, 11, 25).unwrap_or(cat.start),
                Some(NaiveDate::from_ymd_opt(y, 12, 2).unwrap_or(cat.start)),
            )
        } else {
            (cat.start - Duration::days(10), None)
        };
        w.insert(
            "tblpromotions",
            row! {
                "id" => p.id, "code" => p.code, "type" => p.kind, "recurring" => p.recurring,
                "value" => p.value, "cycles" => "", "appliesto" => p.appliesto, "requires" => "",
                "requiresexisting" => 0i64, "startdate" => start, "expirationdate" => end,
                "maxuses" => 0i64, "uses" => uses[i], "lifetimepromo" => p.recurring,
                "applyonce" => 0i64, "newsignups" => p.id == PROMO_FREETRIAL, "existingclient" => 0i64,
                "onceperclient" => i64::from(p.id == PROMO_FREETRIAL), "recurfor" => 0i64,
                "upgrades" => 0i64, "upgradeconfig" => "", "notes" => p.notes,
            },
        )?;
    }
    for t in &TAXES {
        w.insert(
            "tbltax",
            row! {
                "id" => t.id, "level" => t.level, "name" => t.name, "state" => t.state,
                "country" => t.country, "taxrate" => rate_text(t.rate),
            },
        )?;
    }
    let mut gw_id = 0i64;
    for (order, g) in GATEWAYS.iter().enumerate() {
        for (setting, value) in [("name", g.name), ("type", "Invoices"), ("visible", "on")] {
            gw_id += 1;
            w.insert(
                "tblpaymentgateways",
                row! { "id" => gw_id, "gateway" => g.module, "setting" => setting, "value" => value, "order" => order + 1 },
            )?;
        }
    }
    for (i, (setting, value)) in configuration().into_iter().enumerate() {
        w.insert(
            "tblconfiguration",
            row! {
                "id" => (i + 1) as i64, "setting" => setting, "value" => value,
                "created_at" => created, "updated_at" => created,
            },
        )?;
    }
    Ok(())
}

/// A rate in thousandths of a percent as `decimal(10,3)` text: 9975 → `9.975`.
pub fn rate_text(milli: i64) -> String {
    format!("{}.{:03}", milli / 1000, milli % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_multiples_of_ten_cents_in_every_currency() {
        let cat = Catalogue::new(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        for p in &PRODUCTS {
            for c in &CURRENCIES {
                for cycle in p.cycles {
                    for date in [cat.start, cat.today] {
                        let price = cat.product_price(p.id, *cycle, c.id, date).unwrap();
                        assert_eq!(price.0 % 10, 0, "{} {:?} {}", p.name, cycle, c.code);
                    }
                }
                assert_eq!(cat.setup_fee(p.id, Cycle::Monthly, c.id).0 % 10, 0);
            }
        }
        for a in &ADDONS {
            for c in &CURRENCIES {
                assert_eq!(cat.addon_price(a.id, Cycle::Annually, c.id).0 % 10, 0);
            }
        }
        assert_eq!(
            cat.product_price(1, Cycle::Monthly, USD, cat.today),
            Some(Cents(490))
        );
        assert_eq!(
            cat.product_price(1, Cycle::Monthly, USD, cat.start),
            Some(Cents(390))
        );
        assert_eq!(
            cat.product_price(1, Cycle::Annually, USD, cat.today),
            Some(Cents(5000))
        );
        assert_eq!(
            cat.product_price(5, Cycle::Biennially, USD, cat.today),
            None
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(div_round(5, 10), 1);
        assert_eq!(div_round(-5, 10), -1);
        assert_eq!(div_round(4, 10), 0);
        assert_eq!(div_round(15, 10), 2);
        assert_eq!(rate_text(9975), "9.975");
        assert_eq!(rate_text(19000), "19.000");
        assert_eq!(tax_rates("CA", "Quebec"), (5000, 9975));
        assert_eq!(tax_rates("CA", "Ontario"), (5000, 0));
        assert_eq!(tax_rates("US", "TX"), (0, 0));
        assert_eq!(gateway_fee("stripe", Cents(1000)), Cents(59));
    }
}
