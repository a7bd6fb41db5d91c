//! One client's history, simulated day by day the way WHMCS bills (whmcs.md §6).
//!
//! Orders create services, addons and domains with a first invoice; renewal invoices are
//! generated `CreateInvoiceDaysBefore` (7) days before each due date, one per due date (items
//! due the same day share an invoice); a service's next invoice waits until the previous one is
//! paid (WHMCS's default, Continuous Invoice Generation off). Unpaid invoices get a late fee
//! after 3 days, suspend their services after 5 and terminate them after 30. Cancellation
//! requests, upgrades, a price rise, reactivations, add-funds, credit, mass payments, refunds and
//! chargebacks happen along the way.
//!
//! Some events are *forced* to keep the expected MRR exact (see `expected.rs`): the renewal
//! after an upgrade, a price change, a prorated first period or a reactivation is always paid
//! on time, so every live subscription's latest exported line is a full period at its current
//! amount.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use sync_core::Cents;

use super::clients::{self, Behaviour};
use super::company::{
    self, AddonBilling, Catalogue, EMAIL_PRODUCT, FREE_PRODUCT, LEGACY_PRODUCT, ONE_TIME_PRODUCT,
    PROMO_DOM2, PROMO_FREETRIAL, PROMO_SAVE3, PROMO_TENOFF, RESELLER_DISCOUNT_PERCENT, TRIAL_ADDON,
    TRIAL_PRODUCT, div_round, gateway_fee,
};
use super::model::*;
use super::plan::{Fate, Plan, PlantKind};
use super::rng::{ALNUM, DIGITS, Rng, Stream, UPPER_ALNUM};
use super::writer::dmy;

/// `CreateInvoiceDaysBefore`.
const LEAD: i64 = 7;
const LATE_FEE_AFTER: i64 = 3;
const SUSPEND_AFTER: i64 = 5;
const TERMINATE_AFTER: i64 = 30;

/// What the generator needs besides the client's index.
pub struct Ctx<'a> {
    pub cat: &'a Catalogue,
    pub plan: &'a Plan,
    pub seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SubRef {
    Service(usize),
    Addon(usize),
    Domain(usize),
}

/// What a renewal invoice bills for a subscription.
#[derive(Debug, Clone)]
enum Renewal {
    /// `Hosting` at `hosting`, plus a `PromoHosting` of `promo` (≤ 0) when non-zero.
    Service {
        hosting: Cents,
        promo: Cents,
    },
    Addon {
        amount: Cents,
    },
    /// `Domain` at `base`, DNS/EMF/IDP items, `PromoDomain` of `promo` (≤ 0).
    Domain {
        base: Cents,
        addons: [Cents; 3],
        promo: Cents,
    },
}

#[derive(Debug, Clone, Copy)]
struct PendingEnd {
    at: NaiveDate,
    termination: Option<NaiveDate>,
    domain_status: DomStatus,
}

/// Simulation state of one subscription (service, addon or domain).
#[derive(Debug, Clone)]
struct Sub {
    r: SubRef,
    cycle: Cycle,
    /// Start of the next period to invoice.
    next_due: NaiveDate,
    /// Start of the last paid period.
    period_start: Option<NaiveDate>,
    open: Option<usize>,
    ended: bool,
    pending_end: Option<PendingEnd>,
    churn_at: Option<NaiveDate>,
    /// The next `force` invoices with this subscription are paid on time.
    force: u32,
    /// The next renewal is paid on time.
    force_next: bool,
    /// The next renewal is never paid (a trial that does not convert).
    never_next: bool,
    /// Planted orphan: the record is deleted after this many paid invoices.
    stop_after: Option<u32>,
    paid_count: u32,
    last_paid: Option<NaiveDate>,
    renewal: Renewal,
    reactivated: bool,
    unconverted_trial: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PayPlan {
    OnTime(NaiveDate),
    Late(NaiveDate),
    Never,
}

#[derive(Debug, Clone)]
struct Open {
    inv: usize,
    due: NaiveDate,
    pay: Option<NaiveDate>,
    suspended: bool,
    /// The order's first invoice: unpaid means the order is cancelled, not suspended.
    first_order: Option<usize>,
    fraud: bool,
    late_fee: bool,
    forced: bool,
    credit_applied: bool,
}

/// How a service is ordered.
#[derive(Debug, Clone, Copy)]
struct ServiceSpec {
    pid: i64,
    /// `None`: the customer picks one of the product's cycles.
    cycle: Option<Cycle>,
    promo: i64,
    /// Overrides the first period's charge (0 for trials).
    first_hosting: Option<Cents>,
    /// Random addons and a later upgrade may come with it. Trials and planted services stay a
    /// single line, so they are exactly what their kind needs.
    extras: bool,
}

impl ServiceSpec {
    fn plain(pid: i64, cycle: Option<Cycle>) -> ServiceSpec {
        ServiceSpec {
            pid,
            cycle,
            promo: 0,
            first_hosting: None,
            extras: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrialKind {
    Product,
    FreeFirst,
    Promo,
    Addon,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OrderKind {
    Services,
    DomainOnly,
    AddonForExisting,
    Trial(TrialKind),
    Plant(PlantKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Order(OrderKind),
    Upgrade(usize),
    AddFunds,
    Custom,
    /// A custom invoice the admin has not published yet.
    Draft,
    Manual,
    Refund {
        inv: usize,
        txn: usize,
        full: bool,
    },
    Chargeback {
        inv: usize,
        txn: usize,
    },
    Reactivate(usize),
    PriceRise,
    RcOrder,
}

/// A line of an invoice being built: the item and the subscription period it pays for.
struct Line {
    item: Item,
    sub: Option<usize>,
    period_end: Option<NaiveDate>,
}

struct Sim<'a> {
    ctx: &'a Ctx<'a>,
    today: NaiveDate,
    rng: Rng,
    plant: Option<PlantKind>,
    behaviour: Behaviour,
    client_id: i64,
    d: ClientData,
    subs: Vec<Sub>,
    opens: Vec<Open>,
    events: Vec<(NaiveDate, u32, Event)>,
    event_seq: u32,
    balance: Cents,
    taxrate: (i64, i64),
    /// The subscription a planted record is about.
    plant_sub: Option<usize>,
    plant_invoice: Option<usize>,
    /// Per invoice: the subscription each line bills and the end of the period it pays for.
    invoice_lines: Vec<Vec<(Option<usize>, Option<NaiveDate>)>>,
}

/// Generates the whole history of client `index` of the plan.
pub fn generate(ctx: &Ctx<'_>, index: usize) -> ClientData {
    let plan = &ctx.plan.clients[index];
    let mut rng = Rng::derive(ctx.seed, Stream::Client, index as u64);
    let client_id = index as i64 + 1;
    let (client, behaviour) = clients::profile(&mut rng, plan, client_id);
    let taxrate = clients::client_tax(&client);
    let mut sim = Sim {
        ctx,
        // A deleted client's history ends on the day it is deleted: later ids stay unused.
        today: match plan.fate {
            Fate::Deleted(at) => at.min(ctx.cat.today),
            _ => ctx.cat.today,
        },
        rng,
        plant: plan.plant,
        behaviour,
        client_id,
        d: ClientData {
            index,
            client,
            services: Vec::new(),
            addons: Vec::new(),
            domains: Vec::new(),
            invoices: Vec::new(),
            txns: Vec::new(),
            cancels: Vec::new(),
            upgrades: Vec::new(),
            orders: Vec::new(),
            credits: Vec::new(),
            billables: Vec::new(),
            planted: Vec::new(),
        },
        subs: Vec::new(),
        opens: Vec::new(),
        events: Vec::new(),
        event_seq: 0,
        balance: Cents::ZERO,
        taxrate,
        plant_sub: None,
        plant_invoice: None,
        invoice_lines: Vec::new(),
    };
    sim.schedule_life(plan.is_special());
    sim.run();
    sim.finalize();
    sim.apply_plants();
    sim.d
}

fn at(d: NaiveDate, h: i64, m: i64, s: i64) -> NaiveDateTime {
    d.and_time(NaiveTime::from_hms_opt(h as u32, m as u32, s as u32).expect("valid time"))
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// `(dd/mm/yyyy - dd/mm/yyyy)` with WHMCS's inclusive last day.
fn period_text(start: NaiveDate, end: NaiveDate) -> String {
    format!("({} - {})", dmy(start), dmy(end - days(1)))
}

const CANCEL_REASONS: &[&str] = &[
    "No longer needed",
    "Moving to another provider",
    "Too expensive",
    "Project finished",
    "Consolidating accounts",
    "Not satisfied with performance",
];

const CUSTOM_LINES: &[&str] = &[
    "Custom development work",
    "Website design - deposit",
    "Server migration (admin time)",
    "Emergency restore from backup",
    "SSL installation service",
];

const ADHOC_ADDONS: &[(&str, i64)] = &[
    ("Extra 10 GB storage", 200),
    ("Custom firewall rules", 500),
    ("Additional backup retention", 300),
];

impl Sim<'_> {
    // ----------------------------------------------------------------------------------------
    // Planning the client's life

    fn schedule(&mut self, date: NaiveDate, e: Event) {
        if date <= self.today {
            self.event_seq += 1;
            self.events.push((date, self.event_seq, e));
        }
    }

    fn random_day_between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        if to <= from {
            from
        } else {
            from + days(self.rng.range(0, (to - from).num_days()))
        }
    }

    fn schedule_life(&mut self, special: bool) {
        let signup = self.d.client.signup;
        let today = self.today;
        // About 8 % of clients never order: leads.
        let lead_only = !special && self.rng.chance(80);
        if !lead_only {
            let first = (signup + days(self.rng.range(0, 2))).min(today);
            self.schedule(first, Event::Order(OrderKind::Services));
            let mut d = first;
            loop {
                d += days(self.rng.range(20, 200));
                if d > today {
                    break;
                }
                if self.rng.chance(750) {
                    let kind = *self.rng.weighted(&[
                        (OrderKind::Services, 55),
                        (OrderKind::DomainOnly, 25),
                        (OrderKind::AddonForExisting, 20),
                    ]);
                    self.schedule(d, Event::Order(kind));
                }
            }
        }
        let after_signup =
            |days_back: i64| (today - days(days_back)).max(signup + days(1)).min(today);
        match self.plant {
            Some(k @ (PlantKind::UnknownCycleService | PlantKind::UnknownCycleAddon)) => {
                let back = self.rng.range(70, 130);
                self.schedule(after_signup(back), Event::Order(OrderKind::Plant(k)));
            }
            Some(k @ (PlantKind::OrphanService | PlantKind::OrphanAddon)) => {
                let back = self.rng.range(150, 300);
                self.schedule(after_signup(back), Event::Order(OrderKind::Plant(k)));
            }
            Some(k @ (PlantKind::PeriodFromDescription | PlantKind::PeriodFromInvoiceDate)) => {
                let back = self.rng.range(150, 250);
                self.schedule(after_signup(back), Event::Order(OrderKind::Plant(k)));
            }
            Some(PlantKind::UnknownItemType) => {
                let d = self.random_day_between(signup, today - days(5));
                self.schedule(d.max(signup), Event::RcOrder);
            }
            _ => {}
        }
        if self.behaviour.credit_user {
            for _ in 0..self.rng.range(1, 3) {
                let d = self.random_day_between(signup, today);
                self.schedule(d, Event::AddFunds);
            }
        }
        if !special && self.rng.chance(40) {
            for _ in 0..self.rng.range(1, 2) {
                let d = self.random_day_between(signup, today);
                self.schedule(d, Event::Custom);
            }
        }
        if !special && self.rng.chance(15) {
            let d = self.random_day_between(signup, today);
            self.schedule(d, Event::Manual);
        }
        if !special && self.rng.chance(35) {
            let d = self.random_day_between(signup.max(today - days(15)), today);
            self.schedule(d, Event::Draft);
        }
        if signup < self.ctx.cat.price_rise {
            self.schedule(self.ctx.cat.price_rise, Event::PriceRise);
        }
    }

    /// When a customer will want to cancel: monthly hazard of about 2 %.
    fn churn_date(&mut self, from: NaiveDate, hazard_per_mille: u32) -> Option<NaiveDate> {
        let mut months = 1;
        while months < 72 {
            if self.rng.chance(hazard_per_mille) {
                let d = sync_core::dates::add_months(from, months) - days(self.rng.range(0, 20));
                return Some(d.max(from + days(1)));
            }
            months += 1;
        }
        None
    }

    // ----------------------------------------------------------------------------------------
    // The day loop

    fn run(&mut self) {
        let mut now = self.d.client.signup;
        while let Some(t) = self.next_day(now) {
            if t > self.today {
                break;
            }
            self.day(t);
            now = t + days(1);
        }
    }

    fn renewable(&self, i: usize) -> bool {
        let s = &self.subs[i];
        if s.ended || s.pending_end.is_some() || s.open.is_some() || !s.cycle.renews() {
            return false;
        }
        match s.r {
            SubRef::Service(k) => self.d.services[k].status == SvcStatus::Active,
            SubRef::Addon(k) => self.d.addons[k].status == SvcStatus::Active,
            SubRef::Domain(k) => {
                self.d.domains[k].status == DomStatus::Active && !self.d.domains[k].donotrenew
            }
        }
    }

    fn next_day(&self, now: NaiveDate) -> Option<NaiveDate> {
        let mut best: Option<NaiveDate> = None;
        let mut consider = |d: NaiveDate| {
            let d = d.max(now);
            if best.is_none_or(|b| d < b) {
                best = Some(d);
            }
        };
        for (d, _, _) in &self.events {
            consider(*d);
        }
        for o in &self.opens {
            if let Some(p) = o.pay {
                consider(p);
            }
            if o.fraud {
                consider(self.d.invoices[o.inv].date + days(1));
            }
            if !o.suspended && o.first_order.is_none() {
                consider(o.due + days(SUSPEND_AFTER));
            }
            consider(o.due + days(TERMINATE_AFTER));
        }
        for (i, s) in self.subs.iter().enumerate() {
            if let Some(p) = s.pending_end
                && !s.ended
            {
                consider(p.at);
            }
            if self.renewable(i) {
                consider(s.next_due - days(LEAD));
            }
        }
        best
    }

    fn day(&mut self, t: NaiveDate) {
        // 1. Scheduled events, in date then scheduling order.
        loop {
            let next = self
                .events
                .iter()
                .enumerate()
                .filter(|(_, e)| e.0 <= t)
                .min_by_key(|(_, e)| (e.0, e.1))
                .map(|(i, _)| i);
            let Some(i) = next else { break };
            let (_, _, e) = self.events.swap_remove(i);
            self.handle(t, e);
        }
        // 2. Payments.
        self.payments(t);
        // 3. Fraud checks, overdue invoices.
        self.overdue(t);
        // 4. Cancellations that take effect at the end of a billing period.
        for i in 0..self.subs.len() {
            if let Some(p) = self.subs[i].pending_end
                && !self.subs[i].ended
                && p.at <= t
            {
                self.subs[i].pending_end = None;
                match self.subs[i].r {
                    SubRef::Domain(_) => self.end_domain(i, p.at, p.domain_status),
                    _ => self.end_sub(i, p.at, SvcStatus::Cancelled, p.termination),
                }
            }
        }
        // 5. Renewal invoices.
        self.renewals(t);
    }

    fn handle(&mut self, t: NaiveDate, e: Event) {
        match e {
            Event::Order(kind) => self.order(t, kind),
            Event::Upgrade(i) => self.upgrade(t, i),
            Event::AddFunds => self.add_funds(t),
            Event::Custom => self.custom_invoice(t, false),
            Event::Draft => self.custom_invoice(t, true),
            Event::Manual => self.manual_entry(t),
            Event::Refund { inv, txn, full } => self.refund(t, inv, txn, full),
            Event::Chargeback { inv, txn } => self.chargeback(t, inv, txn),
            Event::Reactivate(i) => self.reactivate(t, i),
            Event::PriceRise => self.price_rise(t),
            Event::RcOrder => self.rc_order(t),
        }
    }

    // ----------------------------------------------------------------------------------------
    // Orders

    fn new_order(&mut self, t: NaiveDate, promo: i64) -> usize {
        let (code, kind, value) = if promo == 0 {
            ("", "", String::new())
        } else {
            let p = company::promotion(promo);
            (p.code, p.kind, p.value.to_string())
        };
        let time = at(
            t,
            self.rng.range(6, 23),
            self.rng.range(0, 59),
            self.rng.range(0, 59),
        );
        let ordernum = self.rng.range(1_000_000_000, 9_999_999_999);
        let ip = format!("203.0.113.{}", self.rng.range(1, 254));
        self.d.orders.push(Order {
            date: time,
            ordernum,
            promocode: code,
            promotype: kind,
            promovalue: value,
            amount: Cents::ZERO,
            invoice: None,
            status: "Pending",
            gateway: self.d.client.gateway,
            ip,
        });
        self.d.orders.len() - 1
    }

    fn pick_product(&mut self, t: NaiveDate) -> i64 {
        let early = t < self.ctx.cat.start + days(365);
        let recent = t > self.today - days(62);
        let mut choices: Vec<(i64, u32)> = vec![
            (1, 180),
            (2, 160),
            (3, 80),
            (4, 80),
            (5, 80),
            (6, 50),
            (7, 30),
            (EMAIL_PRODUCT, 60),
            (12, 40),
            (ONE_TIME_PRODUCT, 25),
            (FREE_PRODUCT, 20),
        ];
        // Prorata products only where their prorated first period is long superseded.
        if !recent {
            choices.push((9, 20));
            choices.push((10, 10));
        }
        if early {
            choices.push((LEGACY_PRODUCT, 40));
        }
        *self.rng.weighted(&choices)
    }

    fn pick_cycle(&mut self, pid: i64) -> Cycle {
        let p = company::product(pid);
        let weights: Vec<(Cycle, u32)> = p
            .cycles
            .iter()
            .map(|c| {
                let w = match c {
                    Cycle::Monthly => 700,
                    Cycle::Quarterly => 100,
                    Cycle::SemiAnnually => 60,
                    Cycle::Annually => 170,
                    Cycle::Biennially => 45,
                    Cycle::Triennially => 35,
                    _ => 100,
                };
                (*c, w)
            })
            .collect();
        *self.rng.weighted(&weights)
    }

    fn discounted(&self, amount: Cents) -> Cents {
        if self.behaviour.discount {
            // Exact: every catalogue price is a multiple of 10 cents.
            Cents(amount.0 * (100 - RESELLER_DISCOUNT_PERCENT) / 100)
        } else {
            amount
        }
    }

    fn order(&mut self, t: NaiveDate, kind: OrderKind) {
        match kind {
            OrderKind::Services => {
                if !self.behaviour.discount && self.rng.chance(80) {
                    let k = *self.rng.weighted(&[
                        (TrialKind::Product, 30),
                        (TrialKind::FreeFirst, 20),
                        (TrialKind::Promo, 30),
                        (TrialKind::Addon, 20),
                    ]);
                    return self.order(t, OrderKind::Trial(k));
                }
                let n = *self.rng.weighted(&[(1usize, 65), (2, 25), (3, 10)]);
                let order = self.new_order(t, 0);
                let mut lines = Vec::new();
                let mut promo_used = 0;
                for _ in 0..n {
                    let pid = self.pick_product(t);
                    let promo = self.pick_promo(pid);
                    if promo != 0 {
                        promo_used = promo;
                    }
                    let with_domain = company::product(pid).gid <= 2 && self.rng.chance(450);
                    let spec = ServiceSpec {
                        promo,
                        extras: true,
                        ..ServiceSpec::plain(pid, None)
                    };
                    self.new_service(t, order, spec, &mut lines);
                    if with_domain {
                        self.new_domain(t, order, &mut lines);
                    }
                }
                self.finish_order(t, order, promo_used, lines);
            }
            OrderKind::DomainOnly => {
                let order = self.new_order(t, 0);
                let mut lines = Vec::new();
                self.new_domain(t, order, &mut lines);
                self.finish_order(t, order, 0, lines);
            }
            OrderKind::AddonForExisting => {
                let Some(svc) = self.pick_active_service(true) else {
                    return self.order(t, OrderKind::Services);
                };
                let order = self.new_order(t, 0);
                let mut lines = Vec::new();
                if !self.new_catalogue_addon(t, order, svc, false, &mut lines) {
                    self.new_adhoc_addon(t, order, svc, &mut lines);
                }
                self.finish_order(t, order, 0, lines);
            }
            OrderKind::Trial(k) => self.trial_order(t, k),
            OrderKind::Plant(k) => self.plant_order(t, k),
        }
    }

    fn pick_promo(&mut self, pid: i64) -> i64 {
        if self.behaviour.discount || self.plant.is_some() {
            return 0;
        }
        let r = self.rng.below(1000);
        let fits = |id: i64| {
            company::promotion(id)
                .appliesto
                .split(',')
                .any(|p| p == pid.to_string())
        };
        if r < 40 && fits(PROMO_SAVE3) {
            PROMO_SAVE3
        } else if (40..70).contains(&r) && fits(PROMO_TENOFF) {
            PROMO_TENOFF
        } else {
            0
        }
    }

    /// An active service with a recurring WHMCS cycle and nothing pending.
    fn pick_active_service(&mut self, recurring: bool) -> Option<usize> {
        let candidates: Vec<usize> = (0..self.subs.len())
            .filter(|&i| {
                let s = &self.subs[i];
                matches!(s.r, SubRef::Service(k) if self.d.services[k].status == SvcStatus::Active && !self.d.services[k].deleted)
                    && !s.ended
                    && s.pending_end.is_none()
                    && (!recurring || s.cycle.months().is_some())
            })
            .collect();
        if candidates.is_empty() {
            None
        } else {
            Some(*self.rng.pick(&candidates))
        }
    }

    fn service_desc(&self, k: usize, start: NaiveDate, end: Option<NaiveDate>) -> String {
        let s = &self.d.services[k];
        let p = company::product(s.product);
        let name = if s.qty > 1 {
            format!("{} x {}", s.qty, p.name)
        } else {
            p.name.to_string()
        };
        let dom = if s.domain.is_empty() {
            String::new()
        } else {
            format!(" - {}", s.domain)
        };
        match end {
            Some(end) => format!(
                "{} - {}{} {}",
                company::group_name(p.gid),
                name,
                dom,
                period_text(start, end)
            ),
            None => format!("{} - {}{}", company::group_name(p.gid), name, dom),
        }
    }

    fn promo_desc(&self, promo: i64) -> String {
        let p = company::promotion(promo);
        let cur = company::currency(self.d.client.currency);
        let value = if p.kind == "Percentage" {
            format!("{}%", p.value.0 / 100)
        } else {
            format!("{}{}{}", cur.prefix, p.value, cur.suffix)
        };
        let how = if p.recurring { "Recurring" } else { "One Time" };
        format!("Promotional Code: {} - {value} {how} Discount", p.code)
    }

    fn item(
        kind: &'static str,
        rel: Ref,
        desc: String,
        amount: Cents,
        taxed: bool,
        due: NaiveDate,
    ) -> Item {
        Item {
            kind,
            rel,
            desc: Desc::Text(desc),
            amount,
            taxed,
            duedate: Some(due),
            prorated: false,
        }
    }

    fn taxable(&self) -> bool {
        !self.d.client.taxexempt
    }

    /// Adds a service and its first-invoice lines.
    fn new_service(
        &mut self,
        t: NaiveDate,
        order: usize,
        spec: ServiceSpec,
        lines: &mut Vec<Line>,
    ) -> usize {
        let ServiceSpec {
            pid,
            cycle,
            promo,
            first_hosting,
            extras,
        } = spec;
        let cur = self.d.client.currency;
        let p = company::product(pid);
        let cycle = cycle.unwrap_or_else(|| self.pick_cycle(pid));
        let qty = if p.allow_qty {
            *self
                .rng
                .weighted(&[(1i64, 30), (2, 20), (3, 15), (5, 15), (10, 12), (25, 8)])
        } else {
            1
        };
        let unit = match cycle {
            Cycle::Fortnightly => company::convert(250, cur),
            Cycle::Free => Cents::ZERO,
            c => self
                .ctx
                .cat
                .product_price(pid, c, cur, t)
                .expect("offered cycle"),
        };
        let list = Cents(unit.0 * qty);
        let promo_amount = match promo {
            0 => Cents::ZERO,
            id => {
                let pr = company::promotion(id);
                if pr.kind == "Percentage" {
                    Cents(div_round(list.0 * pr.value.0, 10_000))
                } else {
                    pr.value.min(list)
                }
            }
        };
        let recurring_promo = promo != 0 && company::promotion(promo).recurring;
        let hosting = self.discounted(list);
        let amount = hosting
            - if recurring_promo {
                promo_amount
            } else {
                Cents::ZERO
            };
        let domain = if p.gid <= 2 || p.id == TRIAL_PRODUCT || self.rng.chance(300) {
            let tld = company::TLDS[self.rng.below(3) as usize].ext;
            clients::domain_name(&mut self.rng, self.client_id, tld)
        } else {
            String::new()
        };
        let username = if domain.is_empty() {
            format!("user{}", self.rng.string(DIGITS, 5))
        } else {
            domain
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .take(8)
                .collect::<String>()
        };
        let taxed = p.taxed && self.taxable();
        let setup = if first_hosting.is_some() {
            Cents::ZERO
        } else {
            self.ctx.cat.setup_fee(pid, cycle, cur)
        };
        // Prorata products bill up to the 1st of the next month first (whmcs.md §6.6).
        let (first_end, first_charge, prorated) = if p.prorata && t.day() != 1 {
            let end = NaiveDate::from_ymd_opt(t.year(), t.month(), 1)
                .expect("first of month")
                .checked_add_months(chrono::Months::new(1))
                .expect("next month");
            let full_start = end
                .checked_sub_months(chrono::Months::new(cycle.months().unwrap_or(1)))
                .expect("start");
            let part = div_round(list.0 * (end - t).num_days(), (end - full_start).num_days());
            (Some(end), Cents(part), true)
        } else if cycle.renews() {
            (Some(cycle.next(t)), list, false)
        } else {
            (None, list, false)
        };
        let first_charge = first_hosting.unwrap_or(first_charge);
        let first_promo = if promo == 0 {
            Cents::ZERO
        } else if promo == PROMO_FREETRIAL {
            first_charge
        } else {
            promo_amount
        };
        let k = self.d.services.len();
        self.d.services.push(Service {
            order: Some(order),
            regdate: t,
            product: pid,
            cycle,
            qty,
            domain,
            gateway: self.d.client.gateway,
            first_payment: self.discounted(first_charge - first_promo + setup),
            amount,
            status: SvcStatus::Pending,
            next_due: Some(t),
            next_invoice: Some(t),
            termination: None,
            completed: None,
            promo,
            username,
            server: if p.module.is_empty() {
                0
            } else {
                1 + (self.client_id % 3)
            },
            suspend_reason: String::new(),
            notes: String::new(),
            updated_at: at(t, 10, 0, 0),
            deleted: false,
        });
        let churn_at = self.churn_date(t, 14);
        let i = self.subs.len();
        self.subs.push(Sub {
            r: SubRef::Service(k),
            cycle,
            next_due: t,
            period_start: None,
            open: None,
            ended: false,
            pending_end: None,
            churn_at,
            force: 0,
            force_next: prorated,
            never_next: false,
            stop_after: None,
            paid_count: 0,
            last_paid: None,
            renewal: Renewal::Service {
                hosting,
                promo: if recurring_promo {
                    -promo_amount
                } else {
                    Cents::ZERO
                },
            },
            reactivated: false,
            unconverted_trial: false,
        });
        if cycle == Cycle::Free {
            // Free accounts are never invoiced: active from the order.
            self.d.services[k].status = SvcStatus::Active;
            self.d.services[k].next_due = None;
            self.d.services[k].next_invoice = None;
            self.subs[i].ended = true;
            return i;
        }
        let desc = self.service_desc(k, t, first_end);
        let mut item = Self::item("Hosting", Ref::Service(k), desc, first_charge, taxed, t);
        item.prorated = prorated;
        lines.push(Line {
            item,
            sub: Some(i),
            period_end: first_end,
        });
        if !first_promo.is_zero() {
            let desc = self.promo_desc(promo);
            lines.push(Line {
                item: Self::item(
                    "PromoHosting",
                    Ref::Service(k),
                    desc,
                    -first_promo,
                    taxed,
                    t,
                ),
                sub: None,
                period_end: None,
            });
        }
        if !setup.is_zero() {
            let desc = format!("{} - {} Setup Fee", company::group_name(p.gid), p.name);
            lines.push(Line {
                item: Self::item("Setup", Ref::Service(k), desc, setup, taxed, t),
                sub: None,
                period_end: None,
            });
        }
        if extras && cycle.months().is_some() {
            // Now and then an addon comes with the order, billed on the service's cycle.
            if self.rng.chance(180) {
                self.new_catalogue_addon(t, order, i, true, lines);
            } else if self.rng.chance(30) {
                self.new_adhoc_addon(t, order, i, lines);
            }
            if p.upgrade_to.is_some() && promo == 0 && self.rng.chance(100) {
                let u = t + days(self.rng.range(40, 700));
                self.schedule(u, Event::Upgrade(i));
            }
        }
        i
    }

    /// Adds a catalogue addon to service-subscription `svc`. `aligned`: ordered with the service,
    /// so it shares the service's due dates. Returns false when no addon fits.
    fn new_catalogue_addon(
        &mut self,
        t: NaiveDate,
        order: usize,
        svc: usize,
        aligned: bool,
        lines: &mut Vec<Line>,
    ) -> bool {
        let SubRef::Service(k) = self.subs[svc].r else {
            return false;
        };
        let pid = self.d.services[k].product;
        let fitting: Vec<i64> = company::ADDONS
            .iter()
            .filter(|a| !a.trial && a.packages.contains(&pid))
            .map(|a| a.id)
            .collect();
        if fitting.is_empty() {
            return false;
        }
        let addon_id = *self.rng.pick(&fitting);
        let a = company::addon(addon_id);
        let cycle = match a.billing {
            AddonBilling::OneTime => Cycle::OneTime,
            AddonBilling::Recurring => self.subs[svc].cycle,
        };
        let price = self
            .ctx
            .cat
            .addon_price(addon_id, cycle, self.d.client.currency);
        let start = if aligned {
            self.d.services[k].regdate
        } else {
            t
        };
        self.push_addon(
            t,
            order,
            svc,
            addon_id,
            a.name.to_string(),
            cycle,
            price,
            a.taxed,
            None,
            start,
            lines,
        );
        true
    }

    fn new_adhoc_addon(&mut self, t: NaiveDate, order: usize, svc: usize, lines: &mut Vec<Line>) {
        let (name, monthly) = *self.rng.pick(ADHOC_ADDONS);
        let cycle = self.subs[svc].cycle;
        let months = i64::from(cycle.months().unwrap_or(1));
        let price = company::convert(monthly * months, self.d.client.currency);
        self.push_addon(
            t,
            order,
            svc,
            0,
            name.to_string(),
            cycle,
            price,
            true,
            None,
            t,
            lines,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn push_addon(
        &mut self,
        t: NaiveDate,
        order: usize,
        svc: usize,
        addon_id: i64,
        name: String,
        cycle: Cycle,
        price: Cents,
        taxed: bool,
        first_charge: Option<Cents>,
        start: NaiveDate,
        lines: &mut Vec<Line>,
    ) -> usize {
        let SubRef::Service(k) = self.subs[svc].r else {
            unreachable!("addons hang on services")
        };
        let recurring = self.discounted(price);
        let first = first_charge.unwrap_or(price);
        let taxed = taxed && self.taxable();
        let a = self.d.addons.len();
        self.d.addons.push(Addon {
            order: Some(order),
            service: k,
            addon_id,
            name: name.clone(),
            regdate: t,
            cycle,
            setup_fee: Cents::ZERO,
            first_payment: self.discounted(first),
            recurring,
            taxed,
            status: SvcStatus::Pending,
            next_due: Some(start),
            next_invoice: Some(start),
            termination: None,
            gateway: self.d.client.gateway,
            updated_at: at(t, 10, 0, 0),
            deleted: false,
        });
        let churn_at = self.churn_date(t, 15);
        let i = self.subs.len();
        self.subs.push(Sub {
            r: SubRef::Addon(a),
            cycle,
            next_due: start,
            period_start: None,
            open: None,
            ended: false,
            pending_end: None,
            churn_at,
            force: 0,
            force_next: false,
            never_next: false,
            stop_after: None,
            paid_count: 0,
            last_paid: None,
            renewal: Renewal::Addon { amount: recurring },
            reactivated: false,
            unconverted_trial: false,
        });
        let end = if cycle.renews() {
            Some(cycle.next(start))
        } else {
            None
        };
        let target = if self.d.services[k].domain.is_empty() {
            company::product(self.d.services[k].product)
                .name
                .to_string()
        } else {
            self.d.services[k].domain.clone()
        };
        let desc = match end {
            Some(end) => format!("{name} - {target} {}", period_text(start, end)),
            None => format!("{name} - {target}"),
        };
        lines.push(Line {
            item: Self::item("Addon", Ref::Addon(a), desc, first, taxed, start),
            sub: Some(i),
            period_end: end,
        });
        i
    }

    fn new_domain(&mut self, t: NaiveDate, order: usize, lines: &mut Vec<Line>) -> usize {
        let cur = self.d.client.currency;
        let tld = *self.rng.weighted(&[
            (0usize, 450),
            (1, 120),
            (2, 100),
            (3, 50),
            (4, 90),
            (5, 70),
            (6, 60),
            (7, 60),
        ]);
        let transfer = self.rng.chance(200);
        let years = if transfer {
            1
        } else {
            *self.rng.weighted(&[(1i64, 75), (2, 15), (3, 10)])
        };
        let name = clients::domain_name(&mut self.rng, self.client_id, company::TLDS[tld].ext);
        let base = self.ctx.cat.domain_price(tld, years, cur);
        let prices = self.ctx.cat.domain_addon_prices(years, cur);
        let flags = [
            self.rng.chance(200),
            self.rng.chance(100),
            self.rng.chance(150),
        ];
        let addons: [Cents; 3] =
            std::array::from_fn(|j| if flags[j] { prices[j] } else { Cents::ZERO });
        let promo = if !self.behaviour.discount
            && self.plant.is_none()
            && tld <= 2
            && self.rng.chance(60)
        {
            PROMO_DOM2
        } else {
            0
        };
        let promo_amount = if promo == 0 {
            Cents::ZERO
        } else {
            company::promotion(promo).value
        };
        let d_base = self.discounted(base);
        let d_addons = addons.map(|a| self.discounted(a));
        let recurring = d_base + d_addons.iter().copied().sum::<Cents>() - promo_amount;
        let expiry = sync_core::dates::add_years(t, years as u32);
        let k = self.d.domains.len();
        self.d.domains.push(Domain {
            order: Some(order),
            transfer,
            regdate: t,
            name: name.clone(),
            tld,
            years,
            first_payment: base + addons.iter().copied().sum::<Cents>() - promo_amount,
            recurring,
            expiry,
            status: DomStatus::Pending,
            next_due: expiry,
            next_invoice: expiry,
            promo,
            dns: flags[0],
            emf: flags[1],
            idp: flags[2],
            donotrenew: false,
            gateway: self.d.client.gateway,
            updated_at: at(t, 10, 0, 0),
        });
        let i = self.subs.len();
        self.subs.push(Sub {
            r: SubRef::Domain(k),
            cycle: Cycle::Annually,
            next_due: t,
            period_start: None,
            open: None,
            ended: false,
            pending_end: None,
            churn_at: None,
            force: 0,
            force_next: false,
            never_next: false,
            stop_after: None,
            paid_count: 0,
            last_paid: None,
            renewal: Renewal::Domain {
                base: d_base,
                addons: d_addons,
                promo: -promo_amount,
            },
            reactivated: false,
            unconverted_trial: false,
        });
        let kind = if transfer {
            "DomainTransfer"
        } else {
            "DomainRegister"
        };
        self.domain_lines(t, k, i, kind, base, addons, -promo_amount, lines);
        i
    }

    #[allow(clippy::too_many_arguments)]
    fn domain_lines(
        &self,
        start: NaiveDate,
        k: usize,
        sub: usize,
        kind: &'static str,
        base: Cents,
        addons: [Cents; 3],
        promo: Cents,
        lines: &mut Vec<Line>,
    ) {
        let d = &self.d.domains[k];
        let end = sync_core::dates::add_years(start, d.years as u32);
        let taxed = self.taxable();
        let what = match kind {
            "DomainRegister" => "Domain Registration",
            "DomainTransfer" => "Domain Transfer",
            _ => "Domain Renewal",
        };
        let desc = format!(
            "{what} - {} - {} Year/s {}",
            d.name,
            d.years,
            period_text(start, end)
        );
        lines.push(Line {
            item: Self::item(kind, Ref::Domain(k), desc, base, taxed, start),
            sub: Some(sub),
            period_end: Some(end),
        });
        for (j, (kind, label)) in [
            ("DomainAddonDNS", "DNS Management"),
            ("DomainAddonEMF", "Email Forwarding"),
            ("DomainAddonIDP", "ID Protection"),
        ]
        .into_iter()
        .enumerate()
        {
            if !addons[j].is_zero() {
                let desc = format!("{label} - {}", d.name);
                lines.push(Line {
                    item: Self::item(kind, Ref::Domain(k), desc, addons[j], taxed, start),
                    sub: None,
                    period_end: None,
                });
            }
        }
        if !promo.is_zero() {
            let desc = self.promo_desc(d.promo);
            lines.push(Line {
                item: Self::item("PromoDomain", Ref::Domain(k), desc, promo, taxed, start),
                sub: None,
                period_end: None,
            });
        }
    }

    /// Adds the group discount line, creates the first invoice and links it to the order.
    fn finish_order(&mut self, t: NaiveDate, order: usize, promo: i64, mut lines: Vec<Line>) {
        if promo != 0 {
            let p = company::promotion(promo);
            self.d.orders[order].promocode = p.code;
            self.d.orders[order].promotype = p.kind;
            self.d.orders[order].promovalue = p.value.to_string();
        }
        if lines.is_empty() {
            // Only free accounts: nothing to invoice.
            self.d.orders[order].status = "Active";
            return;
        }
        if self.behaviour.discount {
            let total: Cents = lines.iter().map(|l| l.item.amount).sum();
            let discount = Cents(div_round(total.0 * RESELLER_DISCOUNT_PERCENT, 100));
            if !discount.is_zero() {
                let taxed = lines.iter().any(|l| l.item.taxed);
                let desc = format!("Client Discount ({RESELLER_DISCOUNT_PERCENT}%)");
                lines.push(Line {
                    item: Self::item("GroupDiscount", Ref::None, desc, -discount, taxed, t),
                    sub: None,
                    period_end: None,
                });
            }
        }
        let forced = lines
            .iter()
            .filter_map(|l| l.sub)
            .any(|s| self.subs[s].force > 0);
        for s in lines.iter().filter_map(|l| l.sub).collect::<Vec<_>>() {
            self.subs[s].force = self.subs[s].force.saturating_sub(1);
        }
        let fraud = !forced && self.plant.is_none() && self.rng.chance(10);
        let inv = self.create_invoice(
            t,
            t,
            lines,
            InvOpts {
                forced,
                first_order: Some(order),
                fraud,
                ..InvOpts::default()
            },
        );
        self.d.orders[order].invoice = Some(inv);
        self.d.orders[order].amount = self.d.invoices[inv].total + self.d.invoices[inv].credit;
        if self.d.invoices[inv].status == InvStatus::Paid {
            self.d.orders[order].status = "Active";
        }
    }

    fn trial_order(&mut self, t: NaiveDate, kind: TrialKind) {
        let converts = self.rng.chance(600);
        let mut lines = Vec::new();
        let i = match kind {
            TrialKind::Product => {
                let order = self.new_order(t, 0);
                let spec = ServiceSpec {
                    first_hosting: Some(Cents::ZERO),
                    ..ServiceSpec::plain(TRIAL_PRODUCT, Some(Cycle::Monthly))
                };
                let i = self.new_service(t, order, spec, &mut lines);
                self.finish_order(t, order, 0, lines);
                i
            }
            TrialKind::FreeFirst => {
                let pid = *self.rng.pick(&[1i64, 2, 5]);
                let order = self.new_order(t, 0);
                let spec = ServiceSpec {
                    first_hosting: Some(Cents::ZERO),
                    ..ServiceSpec::plain(pid, Some(Cycle::Monthly))
                };
                let i = self.new_service(t, order, spec, &mut lines);
                self.finish_order(t, order, 0, lines);
                i
            }
            TrialKind::Promo => {
                let pid = *self.rng.pick(&[1i64, 2, 5]);
                let order = self.new_order(t, PROMO_FREETRIAL);
                let spec = ServiceSpec {
                    promo: PROMO_FREETRIAL,
                    ..ServiceSpec::plain(pid, Some(Cycle::Monthly))
                };
                let i = self.new_service(t, order, spec, &mut lines);
                self.finish_order(t, order, PROMO_FREETRIAL, lines);
                i
            }
            TrialKind::Addon => {
                let Some(svc) = self.pick_active_service(true) else {
                    return self.trial_order(t, TrialKind::Product);
                };
                let SubRef::Service(k) = self.subs[svc].r else {
                    return;
                };
                if !company::addon(TRIAL_ADDON)
                    .packages
                    .contains(&self.d.services[k].product)
                {
                    return self.trial_order(t, TrialKind::Promo);
                }
                let order = self.new_order(t, 0);
                let price =
                    self.ctx
                        .cat
                        .addon_price(TRIAL_ADDON, Cycle::Monthly, self.d.client.currency);
                let name = company::addon(TRIAL_ADDON).name.to_string();
                let i = self.push_addon(
                    t,
                    order,
                    svc,
                    TRIAL_ADDON,
                    name,
                    Cycle::Monthly,
                    price,
                    true,
                    Some(Cents::ZERO),
                    t,
                    &mut lines,
                );
                self.finish_order(t, order, 0, lines);
                i
            }
        };
        self.subs[i].churn_at = self.subs[i].churn_at.map(|c| c.max(t + days(45)));
        if !converts {
            self.subs[i].never_next = true;
            self.subs[i].unconverted_trial = true;
        }
    }

    fn plant_order(&mut self, t: NaiveDate, kind: PlantKind) {
        let order = self.new_order(t, 0);
        let mut lines = Vec::new();
        match kind {
            PlantKind::UnknownCycleService => {
                let spec = ServiceSpec::plain(1, Some(Cycle::Fortnightly));
                let i = self.new_service(t, order, spec, &mut lines);
                self.subs[i].force = u32::MAX;
                self.subs[i].churn_at = None;
                self.plant_sub = Some(i);
            }
            PlantKind::UnknownCycleAddon => {
                let svc = self.new_service(
                    t,
                    order,
                    ServiceSpec::plain(2, Some(Cycle::Monthly)),
                    &mut lines,
                );
                let price = company::convert(150, self.d.client.currency);
                let i = self.push_addon(
                    t,
                    order,
                    svc,
                    1,
                    "Daily Backups".to_string(),
                    Cycle::Fortnightly,
                    price,
                    true,
                    None,
                    t,
                    &mut lines,
                );
                self.subs[i].force = u32::MAX;
                self.subs[i].churn_at = None;
                self.subs[svc].force = 1;
                self.plant_sub = Some(i);
            }
            PlantKind::OrphanService => {
                let svc = self.new_service(
                    t,
                    order,
                    ServiceSpec::plain(1, Some(Cycle::Monthly)),
                    &mut lines,
                );
                let n = self.rng.range(2, 3) as u32;
                self.subs[svc].force = n;
                self.subs[svc].stop_after = Some(n);
                self.subs[svc].churn_at = None;
                self.plant_sub = Some(svc);
            }
            PlantKind::OrphanAddon => {
                let svc = self.new_service(
                    t,
                    order,
                    ServiceSpec::plain(1, Some(Cycle::Monthly)),
                    &mut lines,
                );
                let price = self
                    .ctx
                    .cat
                    .addon_price(1, Cycle::Monthly, self.d.client.currency);
                let i = self.push_addon(
                    t,
                    order,
                    svc,
                    1,
                    "Daily Backups".to_string(),
                    Cycle::Monthly,
                    price,
                    true,
                    None,
                    t,
                    &mut lines,
                );
                let n = self.rng.range(2, 3) as u32;
                self.subs[i].force = n;
                self.subs[i].stop_after = Some(n);
                self.subs[i].churn_at = None;
                self.subs[svc].force = n;
                self.plant_sub = Some(i);
            }
            PlantKind::PeriodFromDescription | PlantKind::PeriodFromInvoiceDate => {
                let svc = self.new_service(
                    t,
                    order,
                    ServiceSpec::plain(2, Some(Cycle::Monthly)),
                    &mut lines,
                );
                self.subs[svc].force = 4;
                self.subs[svc].churn_at = self.subs[svc].churn_at.map(|c| c.max(t + days(200)));
                self.plant_sub = Some(svc);
            }
            _ => {}
        }
        self.finish_order(t, order, 0, lines);
    }

    // ----------------------------------------------------------------------------------------
    // Invoices and payments

    fn pay_plan(&mut self, t: NaiveDate, due: NaiveDate, opts: &InvOpts) -> PayPlan {
        if opts.forced {
            let p = self.random_day_between(t, due).min(self.today).max(t);
            return PayPlan::OnTime(p);
        }
        if opts.never {
            return PayPlan::Never;
        }
        let r = self.rng.below(1000);
        if r < 7 {
            PayPlan::Never
        } else if r < 62 {
            PayPlan::Late(due + days(self.rng.range(LATE_FEE_AFTER + 1, TERMINATE_AFTER - 2)))
        } else {
            let p = match self.d.client.gateway {
                // Cards are charged on the due date, mostly.
                "stripe" if self.rng.chance(700) => due,
                "banktransfer" => self.random_day_between(t, due + days(2)),
                _ => self.random_day_between(t, due),
            };
            PayPlan::OnTime(p.max(t))
        }
    }

    fn totals(&self, items: &[Item]) -> (Cents, Cents, Cents) {
        let subtotal: Cents = items.iter().map(|i| i.amount).sum();
        let taxable: i64 = items.iter().filter(|i| i.taxed).map(|i| i.amount.0).sum();
        let (r1, r2) = self.taxrate;
        // Exclusive tax, level 2 not compound: each level on the taxed items, rounded to cents.
        let tax = Cents(div_round(taxable * r1, 100_000));
        let tax2 = Cents(div_round(taxable * r2, 100_000));
        (subtotal, tax, tax2)
    }

    fn create_invoice(
        &mut self,
        t: NaiveDate,
        due: NaiveDate,
        mut lines: Vec<Line>,
        opts: InvOpts,
    ) -> usize {
        let gross_before: Cents = lines.iter().map(|l| l.item.amount).sum();
        let zero = gross_before.is_zero();
        let plan = if zero {
            PayPlan::OnTime(t)
        } else {
            self.pay_plan(t, due, &opts)
        };
        let late_fee = match plan {
            PayPlan::Late(p) => due + days(LATE_FEE_AFTER) < p.min(self.today + days(1)),
            PayPlan::Never => {
                due + days(LATE_FEE_AFTER) <= self.today && opts.kind == InvKind::Normal
            }
            PayPlan::OnTime(_) => false,
        } && opts.first_order.is_none()
            && !opts.draft;
        if late_fee {
            let amount = company::convert(500, self.d.client.currency);
            let desc = format!("Late Fee (Added {})", dmy(due + days(LATE_FEE_AFTER)));
            lines.push(Line {
                item: Self::item("LateFee", Ref::None, desc, amount, self.taxable(), due),
                sub: None,
                period_end: None,
            });
        }
        let items: Vec<Item> = lines.iter().map(|l| l.item.clone()).collect();
        let (subtotal, tax, tax2) = self.totals(&items);
        let gross = subtotal + tax + tax2;
        let inv = self.d.invoices.len();
        let created = at(t, 0, self.rng.range(1, 30), self.rng.range(0, 59));
        self.d.invoices.push(Invoice {
            kind: opts.kind,
            date: t,
            duedate: due,
            datepaid: None,
            date_refunded: None,
            date_cancelled: None,
            status: if opts.draft {
                InvStatus::Draft
            } else {
                InvStatus::Unpaid
            },
            items,
            subtotal,
            credit: Cents::ZERO,
            tax,
            tax2,
            total: gross,
            taxrate: self.taxrate.0,
            taxrate2: self.taxrate.1,
            gateway: self.d.client.gateway,
            notes: String::new(),
            created_at: created,
            updated_at: created,
        });
        self.invoice_lines
            .push(lines.iter().map(|l| (l.sub, l.period_end)).collect());
        if opts.draft {
            return inv;
        }
        // Credit is applied when the invoice is created (NoAutoApplyCredit off).
        let mut credit_applied = false;
        if self.balance.is_positive()
            && !zero
            && plan != PayPlan::Never
            && opts.kind == InvKind::Normal
        {
            let credit = self.balance.min(gross);
            self.balance -= credit;
            let invoice = &mut self.d.invoices[inv];
            invoice.credit = credit;
            invoice.total = gross - credit;
            credit_applied = true;
            self.d.credits.push(Credit {
                date: t,
                desc: Desc::WithId("Credit Applied to Invoice #", Ref::Invoice(inv)),
                amount: -credit,
            });
        }
        for l in &lines {
            if let Some(s) = l.sub
                && l.period_end.is_some()
            {
                self.subs[s].open = Some(inv);
            }
        }
        if zero || self.d.invoices[inv].total.is_zero() {
            // $0 invoices (trials) and invoices paid in full by credit are Paid at once.
            self.pay(inv, t, false);
            return inv;
        }
        let pay = match plan {
            PayPlan::OnTime(p) | PayPlan::Late(p) => Some(p),
            PayPlan::Never => None,
        };
        self.opens.push(Open {
            inv,
            due,
            pay: if opts.fraud { None } else { pay },
            suspended: false,
            first_order: opts.first_order,
            fraud: opts.fraud,
            late_fee,
            forced: opts.forced,
            credit_applied,
        });
        inv
    }

    fn txn_id(&mut self, gateway: &str) -> String {
        match gateway {
            "stripe" => format!("ch_{}", self.rng.string(ALNUM, 24)),
            "paypal" => self.rng.string(UPPER_ALNUM, 17),
            _ => format!("BT{}", self.rng.string(DIGITS, 10)),
        }
    }

    fn pay_time(&mut self, d: NaiveDate) -> NaiveDateTime {
        at(
            d,
            self.rng.range(8, 22),
            self.rng.range(0, 59),
            self.rng.range(0, 59),
        )
    }

    /// Marks invoice `inv` paid on `d` (through the gateway when `gateway`), with the effects
    /// of the payment on its subscriptions. Returns the payment transaction, if any.
    fn pay(&mut self, inv: usize, d: NaiveDate, gateway: bool) -> Option<usize> {
        let time = self.pay_time(d);
        self.opens.retain(|o| o.inv != inv);
        let invoice = &mut self.d.invoices[inv];
        invoice.status = InvStatus::Paid;
        invoice.datepaid = Some(time);
        invoice.updated_at = time;
        let total = invoice.total;
        let kind = invoice.kind;
        let mut txn = None;
        if gateway && total.is_positive() {
            let gw = self.d.client.gateway;
            let transid = self.txn_id(gw);
            self.d.txns.push(Txn {
                date: time,
                gateway: gw,
                description: "Invoice Payment".to_string(),
                amountin: total,
                fees: gateway_fee(gw, total),
                amountout: Cents::ZERO,
                transid,
                invoice: Ref::Invoice(inv),
                refund_of: None,
            });
            txn = Some(self.d.txns.len() - 1);
        }
        if kind == InvKind::AddFunds {
            let amount = self.d.invoices[inv].subtotal;
            self.balance += amount;
            self.d.credits.push(Credit {
                date: d,
                desc: Desc::WithId("Add Funds Invoice #", Ref::Invoice(inv)),
                amount,
            });
        }
        self.payment_effects(inv, d);
        txn
    }

    fn payment_effects(&mut self, inv: usize, d: NaiveDate) {
        for o in self
            .d
            .orders
            .iter_mut()
            .filter(|o| o.invoice == Some(inv) && o.status == "Pending")
        {
            o.status = "Active";
        }
        let lines = self.invoice_lines[inv].clone();
        for (sub, end) in lines {
            let Some(s) = sub else { continue };
            if self.subs[s].ended {
                continue;
            }
            let sub = &mut self.subs[s];
            if sub.open == Some(inv) {
                sub.open = None;
            }
            sub.paid_count += 1;
            sub.last_paid = Some(d);
            if let Some(end) = end {
                sub.period_start = Some(sub.next_due);
                sub.next_due = end;
            }
            let r = sub.r;
            let stop = sub.stop_after.is_some_and(|n| sub.paid_count >= n);
            match r {
                SubRef::Service(k) => {
                    let svc = &mut self.d.services[k];
                    if matches!(svc.status, SvcStatus::Pending | SvcStatus::Suspended) {
                        svc.status = SvcStatus::Active;
                        svc.suspend_reason.clear();
                    }
                    svc.updated_at = at(d, 12, 0, 0);
                    if stop {
                        svc.deleted = true;
                    }
                }
                SubRef::Addon(k) => {
                    let a = &mut self.d.addons[k];
                    if matches!(a.status, SvcStatus::Pending | SvcStatus::Suspended) {
                        a.status = SvcStatus::Active;
                    }
                    a.updated_at = at(d, 12, 0, 0);
                    if stop {
                        a.deleted = true;
                    }
                }
                SubRef::Domain(k) => {
                    let dom = &mut self.d.domains[k];
                    if matches!(dom.status, DomStatus::Pending | DomStatus::Grace) {
                        dom.status = DomStatus::Active;
                    }
                    dom.updated_at = at(d, 12, 0, 0);
                }
            }
            if stop {
                self.subs[s].ended = true;
            }
        }
    }

    fn payments(&mut self, t: NaiveDate) {
        let due_now: Vec<usize> = self
            .opens
            .iter()
            .filter(|o| o.pay.is_some_and(|p| p <= t))
            .map(|o| o.inv)
            .collect();
        if due_now.is_empty() {
            return;
        }
        let mut individually = due_now.clone();
        if self.behaviour.mass_pay {
            let horizon = (t + days(20)).min(self.today);
            let batch: Vec<usize> = self
                .opens
                .iter()
                .filter(|o| {
                    !o.credit_applied
                        && !o.late_fee
                        && self.d.invoices[o.inv].kind == InvKind::Normal
                        && o.pay.is_some_and(|p| p <= horizon)
                })
                .map(|o| o.inv)
                .collect();
            if batch.len() >= 2 && batch.iter().any(|i| due_now.contains(i)) {
                self.mass_pay(t, &batch);
                individually.retain(|i| !batch.contains(i));
            }
        }
        for inv in individually {
            let forced = self.opens.iter().any(|o| o.inv == inv && o.forced);
            if let Some(txn) = self.pay(inv, t, true)
                && !forced
            {
                self.maybe_refund(t, inv, txn);
            }
        }
    }

    fn mass_pay(&mut self, t: NaiveDate, originals: &[usize]) {
        let items: Vec<Item> = originals
            .iter()
            .map(|&o| {
                let orig = &self.d.invoices[o];
                Item {
                    kind: "Invoice",
                    rel: Ref::Invoice(o),
                    desc: Desc::WithId("Invoice #", Ref::Invoice(o)),
                    amount: orig.total,
                    taxed: false,
                    duedate: Some(orig.duedate),
                    prorated: false,
                }
            })
            .collect();
        let lines = items
            .into_iter()
            .map(|item| Line {
                item,
                sub: None,
                period_end: None,
            })
            .collect();
        let container = self.create_invoice(
            t,
            t,
            lines,
            InvOpts {
                kind: InvKind::Container,
                forced: true,
                ..InvOpts::default()
            },
        );
        // The container is paid through the gateway; the originals are paid by the credit that
        // payment creates (whmcs.md §6.5).
        self.pay(container, t, true);
        let total = self.d.invoices[container].total;
        self.d.credits.push(Credit {
            date: t,
            desc: Desc::WithId(
                "Mass Invoice Payment Credit for Invoice #",
                Ref::Invoice(container),
            ),
            amount: total,
        });
        for &o in originals {
            let gross = self.d.invoices[o].gross();
            self.d.invoices[o].credit = gross;
            self.d.invoices[o].total = Cents::ZERO;
            self.d.credits.push(Credit {
                date: t,
                desc: Desc::WithId("Credit Applied to Invoice #", Ref::Invoice(o)),
                amount: -gross,
            });
            self.pay(o, t, false);
        }
    }

    fn overdue(&mut self, t: NaiveDate) {
        let opens = self.opens.clone();
        for o in opens {
            // An earlier step of this loop may have settled it (a parent's cancellation).
            if !self.opens.iter().any(|x| x.inv == o.inv) {
                continue;
            }
            if o.fraud && t > self.d.invoices[o.inv].date {
                self.fraud(t, o.inv, o.first_order);
                continue;
            }
            if o.pay.is_some_and(|p| p <= t) {
                continue;
            }
            if o.due + days(TERMINATE_AFTER) <= t {
                self.terminate_unpaid(t, &o);
            } else if !o.suspended && o.first_order.is_none() && o.due + days(SUSPEND_AFTER) <= t {
                self.suspend(t, o.inv);
            }
        }
    }

    fn subs_of_invoice(&self, inv: usize) -> Vec<usize> {
        self.invoice_lines[inv]
            .iter()
            .filter_map(|(s, _)| *s)
            .collect()
    }

    fn suspend(&mut self, t: NaiveDate, inv: usize) {
        for o in self.opens.iter_mut().filter(|o| o.inv == inv) {
            o.suspended = true;
        }
        for s in self.subs_of_invoice(inv) {
            if self.subs[s].ended {
                continue;
            }
            match self.subs[s].r {
                SubRef::Service(k) => {
                    let svc = &mut self.d.services[k];
                    if svc.status == SvcStatus::Active {
                        svc.status = SvcStatus::Suspended;
                        svc.suspend_reason = "Overdue on Payment".to_string();
                        svc.updated_at = at(t, 9, 0, 0);
                    }
                }
                SubRef::Addon(k) => {
                    if self.d.addons[k].status == SvcStatus::Active {
                        self.d.addons[k].status = SvcStatus::Suspended;
                        self.d.addons[k].updated_at = at(t, 9, 0, 0);
                    }
                }
                SubRef::Domain(_) => {}
            }
        }
    }

    fn cancel_invoice(&mut self, t: NaiveDate, inv: usize) {
        self.opens.retain(|o| o.inv != inv);
        let time = at(t, 9, 5, 0);
        let invoice = &mut self.d.invoices[inv];
        invoice.status = InvStatus::Cancelled;
        invoice.date_cancelled = Some(time);
        invoice.updated_at = time;
        for s in self.subs_of_invoice(inv) {
            if self.subs[s].open == Some(inv) {
                self.subs[s].open = None;
            }
        }
    }

    fn terminate_unpaid(&mut self, t: NaiveDate, o: &Open) {
        let subs = self.subs_of_invoice(o.inv);
        self.cancel_invoice(t, o.inv);
        if let Some(order) = o.first_order {
            self.d.orders[order].status = "Cancelled";
        }
        for s in subs {
            if self.subs[s].ended {
                continue;
            }
            match self.subs[s].r {
                SubRef::Domain(_) => {
                    let status = if o.first_order.is_some() {
                        DomStatus::Cancelled
                    } else {
                        DomStatus::Expired
                    };
                    self.end_domain(s, t, status);
                }
                _ => {
                    if o.first_order.is_some() {
                        self.end_sub(s, t, SvcStatus::Cancelled, None);
                    } else {
                        let term = if self.subs[s].reactivated || self.rng.chance(800) {
                            Some(t)
                        } else {
                            None
                        };
                        self.end_sub(s, t, SvcStatus::Terminated, term);
                    }
                }
            }
        }
    }

    fn fraud(&mut self, t: NaiveDate, inv: usize, order: Option<usize>) {
        let subs = self.subs_of_invoice(inv);
        self.cancel_invoice(t, inv);
        if let Some(order) = order {
            self.d.orders[order].status = "Fraud";
        }
        for s in subs {
            match self.subs[s].r {
                SubRef::Domain(_) => self.end_domain(s, t, DomStatus::Fraud),
                _ => self.end_sub(s, t, SvcStatus::Fraud, None),
            }
        }
    }

    /// Ends a service or addon (and a service's addons). `at` is when it ended.
    fn end_sub(
        &mut self,
        s: usize,
        at_date: NaiveDate,
        status: SvcStatus,
        termination: Option<NaiveDate>,
    ) {
        if self.subs[s].ended {
            return;
        }
        self.subs[s].ended = true;
        self.subs[s].pending_end = None;
        let stamp = at(at_date, 9, 10, 0);
        match self.subs[s].r {
            SubRef::Service(k) => {
                let svc = &mut self.d.services[k];
                svc.status = status;
                svc.termination = termination;
                svc.updated_at = stamp;
                // The service's addons end with it, unless they wait on an invoice shared
                // with other subscriptions.
                let addon_subs: Vec<usize> = (0..self.subs.len())
                    .filter(|&j| {
                        matches!(self.subs[j].r, SubRef::Addon(a) if self.d.addons[a].service == k)
                            && !self.subs[j].ended
                    })
                    .collect();
                for j in addon_subs {
                    if let Some(open) = self.subs[j].open {
                        let others = self
                            .subs_of_invoice(open)
                            .into_iter()
                            .any(|x| x != j && x != s && !self.subs[x].ended);
                        if others {
                            continue;
                        }
                        self.cancel_invoice(at_date, open);
                    }
                    // Addons have no cancellation requests of their own: without a termination
                    // date their churn would fall back to the end of their last period.
                    self.end_sub(j, at_date, status, Some(at_date));
                }
                let unconverted = self.subs[s].unconverted_trial;
                if !unconverted
                    && status != SvcStatus::Fraud
                    && self.subs[s].paid_count > 0
                    && self.subs[s].cycle.months().is_some()
                    && self.subs[s].stop_after.is_none()
                    && self.rng.chance(80)
                {
                    // After the last paid period: a reactivation never overlaps a period ChartMogul
                    // already has a line for.
                    let r = at_date.max(self.subs[s].next_due) + days(self.rng.range(20, 150));
                    if r <= self.today - days(10) {
                        self.schedule(r, Event::Reactivate(s));
                    }
                }
            }
            SubRef::Addon(k) => {
                let a = &mut self.d.addons[k];
                a.status = status;
                a.termination = termination;
                a.updated_at = stamp;
            }
            SubRef::Domain(_) => unreachable!("domains end through end_domain"),
        }
    }

    fn end_domain(&mut self, s: usize, at_date: NaiveDate, status: DomStatus) {
        if self.subs[s].ended {
            return;
        }
        self.subs[s].ended = true;
        self.subs[s].pending_end = None;
        let SubRef::Domain(k) = self.subs[s].r else {
            return;
        };
        let d = &mut self.d.domains[k];
        d.status = status;
        d.updated_at = at(at_date, 9, 10, 0);
    }

    // ----------------------------------------------------------------------------------------
    // Renewals and cancellations

    fn renewals(&mut self, t: NaiveDate) {
        let due: Vec<usize> = (0..self.subs.len())
            .filter(|&i| self.renewable(i) && self.subs[i].next_due - days(LEAD) <= t)
            .collect();
        if due.is_empty() {
            return;
        }
        let mut groups: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
        for i in due {
            if !self.renewable(i) {
                continue; // ended by a parent's cancellation just now
            }
            let s = &self.subs[i];
            let protected = s.force > 0 || s.force_next;
            if !protected && self.wants_to_leave(i, t) {
                self.leave(i, t);
                continue;
            }
            groups.entry(self.subs[i].next_due).or_default().push(i);
        }
        for (due, group) in groups {
            self.renewal_invoice(t, due, group);
        }
    }

    fn wants_to_leave(&mut self, i: usize, t: NaiveDate) -> bool {
        match self.subs[i].r {
            // Domains: about 15 % are not renewed.
            SubRef::Domain(_) => self.rng.chance(150),
            _ => self.subs[i].churn_at.is_some_and(|c| c <= t),
        }
    }

    /// The customer cancels instead of renewing.
    fn leave(&mut self, i: usize, t: NaiveDate) {
        let next_due = self.subs[i].next_due;
        match self.subs[i].r {
            SubRef::Domain(k) => {
                self.d.domains[k].donotrenew = true;
                let status = *self.rng.weighted(&[
                    (DomStatus::Expired, 60),
                    (DomStatus::TransferredAway, 25),
                    (DomStatus::Cancelled, 15),
                ]);
                self.subs[i].pending_end = Some(PendingEnd {
                    at: next_due,
                    termination: None,
                    domain_status: status,
                });
            }
            SubRef::Addon(_) => self.end_sub(i, t, SvcStatus::Cancelled, Some(t)),
            SubRef::Service(k) => {
                let floor = self.subs[i].last_paid.unwrap_or(self.d.services[k].regdate);
                let c = (t - days(self.rng.range(0, 6))).max(floor).min(t);
                let immediate = self.rng.chance(400);
                let time = at(
                    c,
                    self.rng.range(8, 20),
                    self.rng.range(0, 59),
                    self.rng.range(0, 59),
                );
                let reason = *self.rng.pick(CANCEL_REASONS);
                self.d.cancels.push(CancelRequest {
                    date: time,
                    service: k,
                    reason,
                    immediate,
                });
                let reactivated = self.subs[i].reactivated;
                if immediate {
                    let term = if reactivated || self.rng.chance(800) {
                        Some(c)
                    } else {
                        None
                    };
                    self.end_sub(i, c, SvcStatus::Cancelled, term);
                } else {
                    let term = if reactivated || self.rng.chance(700) {
                        Some(next_due)
                    } else {
                        None
                    };
                    let end = PendingEnd {
                        at: next_due,
                        termination: term,
                        domain_status: DomStatus::Cancelled,
                    };
                    self.subs[i].pending_end = Some(end);
                    let addon_subs: Vec<usize> = (0..self.subs.len())
                        .filter(|&j| {
                            matches!(self.subs[j].r, SubRef::Addon(a) if self.d.addons[a].service == k)
                                && !self.subs[j].ended
                                && self.subs[j].open.is_none()
                        })
                        .collect();
                    for j in addon_subs {
                        self.subs[j].pending_end = Some(PendingEnd {
                            termination: Some(next_due),
                            ..end
                        });
                    }
                }
            }
        }
    }

    fn renewal_invoice(&mut self, t: NaiveDate, due: NaiveDate, group: Vec<usize>) {
        let mut lines = Vec::new();
        let mut forced = false;
        let mut never = false;
        for &i in &group {
            let s = &mut self.subs[i];
            forced |= s.force > 0 || s.force_next;
            never |= s.never_next;
            s.force = s.force.saturating_sub(1);
            s.force_next = false;
            s.never_next = false;
            let end = s.cycle.next(due);
            match (s.r, s.renewal.clone()) {
                (SubRef::Service(k), Renewal::Service { hosting, promo }) => {
                    let taxed =
                        company::product(self.d.services[k].product).taxed && self.taxable();
                    let desc = self.service_desc(k, due, Some(end));
                    lines.push(Line {
                        item: Self::item("Hosting", Ref::Service(k), desc, hosting, taxed, due),
                        sub: Some(i),
                        period_end: Some(end),
                    });
                    if !promo.is_zero() {
                        let desc = self.promo_desc(self.d.services[k].promo);
                        lines.push(Line {
                            item: Self::item(
                                "PromoHosting",
                                Ref::Service(k),
                                desc,
                                promo,
                                taxed,
                                due,
                            ),
                            sub: None,
                            period_end: None,
                        });
                    }
                }
                (SubRef::Addon(k), Renewal::Addon { amount }) => {
                    let a = &self.d.addons[k];
                    let target = {
                        let svc = &self.d.services[a.service];
                        if svc.domain.is_empty() {
                            company::product(svc.product).name.to_string()
                        } else {
                            svc.domain.clone()
                        }
                    };
                    let desc = format!("{} - {target} {}", a.name, period_text(due, end));
                    lines.push(Line {
                        item: Self::item("Addon", Ref::Addon(k), desc, amount, a.taxed, due),
                        sub: Some(i),
                        period_end: Some(end),
                    });
                }
                (
                    SubRef::Domain(k),
                    Renewal::Domain {
                        base,
                        addons,
                        promo,
                    },
                ) => {
                    self.domain_lines(due, k, i, "Domain", base, addons, promo, &mut lines);
                }
                _ => unreachable!("renewal kind matches the subscription"),
            }
        }
        let never = never && !forced;
        self.create_invoice(
            t,
            due,
            lines,
            InvOpts {
                forced,
                never,
                ..InvOpts::default()
            },
        );
    }

    // ----------------------------------------------------------------------------------------
    // Other events

    fn upgrade(&mut self, u: NaiveDate, i: usize) {
        let s = &self.subs[i];
        let SubRef::Service(k) = s.r else { return };
        let svc = &self.d.services[k];
        let Some(period_start) = s.period_start else {
            return;
        };
        let Some(new_pid) = company::product(svc.product).upgrade_to else {
            return;
        };
        // Only between invoices, and early enough that the renewal at the new price is invoiced
        // and paid before today.
        if s.ended
            || s.pending_end.is_some()
            || s.open.is_some()
            || svc.status != SvcStatus::Active
            || svc.promo != 0
            || svc.deleted
            || s.next_due - days(LEAD) <= u
            || s.next_due > self.today - days(3)
        {
            return;
        }
        let Renewal::Service { hosting: old, .. } = s.renewal else {
            return;
        };
        let cycle = s.cycle;
        let next_due = s.next_due;
        let cur = self.d.client.currency;
        let Some(list) = self.ctx.cat.product_price(new_pid, cycle, cur, u) else {
            return;
        };
        let new = self.discounted(Cents(list.0 * svc.qty));
        if new <= old {
            return;
        }
        let total_days = (next_due - period_start).num_days();
        let remaining = (next_due - u).num_days();
        let charge = Cents(div_round((new - old).0 * remaining, total_days));
        let old_pid = svc.product;
        let order = self.new_order(u, 0);
        let up = self.d.upgrades.len();
        self.d.upgrades.push(Upgrade {
            date: u,
            order,
            service: k,
            old_product: old_pid,
            new_product: new_pid,
            cycle,
            amount: charge,
            days_remaining: remaining,
            total_days,
            new_recurring: new,
            recurring_change: new - old,
        });
        let taxed = company::product(new_pid).taxed && self.taxable();
        let desc = format!(
            "Upgrade: {} => {} {}",
            company::product(old_pid).name,
            company::product(new_pid).name,
            period_text(u, next_due)
        );
        let mut item = Self::item("Upgrade", Ref::Upgrade(up), desc, charge, taxed, u);
        item.prorated = true;
        let inv = self.create_invoice(
            u,
            u,
            vec![Line {
                item,
                sub: None,
                period_end: None,
            }],
            InvOpts {
                forced: true,
                ..InvOpts::default()
            },
        );
        self.d.orders[order].invoice = Some(inv);
        self.d.orders[order].amount = self.d.invoices[inv].gross();
        self.d.orders[order].status = "Active";
        let svc = &mut self.d.services[k];
        svc.product = new_pid;
        svc.amount = new;
        svc.updated_at = at(u, 11, 0, 0);
        self.subs[i].renewal = Renewal::Service {
            hosting: new,
            promo: Cents::ZERO,
        };
        self.subs[i].force_next = true;
    }

    fn price_rise(&mut self, t: NaiveDate) {
        if self.behaviour.discount {
            return;
        }
        let cur = self.d.client.currency;
        for i in 0..self.subs.len() {
            let s = &self.subs[i];
            let SubRef::Service(k) = s.r else { continue };
            let svc = &self.d.services[k];
            let p = company::product(svc.product);
            if s.ended
                || s.open.is_some()
                || s.pending_end.is_some()
                || !p.raised
                || svc.promo != 0
                || svc.qty != 1
                || svc.deleted
                || !matches!(
                    s.cycle,
                    Cycle::Monthly | Cycle::Quarterly | Cycle::SemiAnnually
                )
            {
                continue;
            }
            let old = self
                .ctx
                .cat
                .product_price(svc.product, s.cycle, cur, t - days(1));
            let new = self.ctx.cat.product_price(svc.product, s.cycle, cur, t);
            let (Some(old), Some(new)) = (old, new) else {
                continue;
            };
            if svc.amount != old || new == old {
                continue;
            }
            self.d.services[k].amount = new;
            self.d.services[k].updated_at = at(t, 3, 0, 0);
            self.subs[i].renewal = Renewal::Service {
                hosting: new,
                promo: Cents::ZERO,
            };
            self.subs[i].force_next = true;
        }
    }

    fn reactivate(&mut self, r: NaiveDate, i: usize) {
        let s = &self.subs[i];
        let SubRef::Service(k) = s.r else { return };
        let svc = &self.d.services[k];
        if !s.ended
            || s.open.is_some()
            || svc.deleted
            || !matches!(svc.status, SvcStatus::Cancelled | SvcStatus::Terminated)
        {
            return;
        }
        let Renewal::Service { hosting, promo } = s.renewal else {
            return;
        };
        let cycle = s.cycle;
        let end = cycle.next(r);
        let svc = &mut self.d.services[k];
        svc.status = SvcStatus::Active;
        svc.termination = None;
        svc.suspend_reason.clear();
        svc.updated_at = at(r, 10, 30, 0);
        let churn = self.churn_date(r, 14);
        let sub = &mut self.subs[i];
        sub.ended = false;
        sub.pending_end = None;
        sub.reactivated = true;
        sub.churn_at = churn;
        sub.next_due = r;
        let taxed = company::product(self.d.services[k].product).taxed && self.taxable();
        let desc = self.service_desc(k, r, Some(end));
        let mut lines = vec![Line {
            item: Self::item("Hosting", Ref::Service(k), desc, hosting, taxed, r),
            sub: Some(i),
            period_end: Some(end),
        }];
        if !promo.is_zero() {
            let desc = self.promo_desc(self.d.services[k].promo);
            lines.push(Line {
                item: Self::item("PromoHosting", Ref::Service(k), desc, promo, taxed, r),
                sub: None,
                period_end: None,
            });
        }
        self.create_invoice(
            r,
            r,
            lines,
            InvOpts {
                forced: true,
                ..InvOpts::default()
            },
        );
    }

    fn add_funds(&mut self, t: NaiveDate) {
        let usd = *self.rng.pick(&[2000i64, 5000, 10000]);
        let amount = company::convert(usd, self.d.client.currency);
        let item = Self::item(
            "AddFunds",
            Ref::None,
            "Add Funds".to_string(),
            amount,
            false,
            t,
        );
        self.create_invoice(
            t,
            t,
            vec![Line {
                item,
                sub: None,
                period_end: None,
            }],
            InvOpts {
                kind: InvKind::AddFunds,
                forced: true,
                ..InvOpts::default()
            },
        );
    }

    fn custom_invoice(&mut self, t: NaiveDate, draft: bool) {
        let cur = self.d.client.currency;
        let taxed = self.taxable();
        let mut lines = Vec::new();
        if self.rng.chance(500) {
            let hours_tenths = self.rng.range(5, 40);
            let rate = company::convert(6000, cur);
            let amount = Cents(div_round(rate.0 * hours_tenths, 10));
            let description = format!(
                "Hourly support - {}.{} hours",
                hours_tenths / 10,
                hours_tenths % 10
            );
            let b = self.d.billables.len();
            self.d.billables.push(Billable {
                date: t,
                description: description.clone(),
                hours_tenths,
                amount,
            });
            lines.push(Line {
                item: Self::item(
                    "Item",
                    Ref::Billable(b),
                    description,
                    amount,
                    taxed,
                    t + days(14),
                ),
                sub: None,
                period_end: None,
            });
        } else {
            for _ in 0..self.rng.range(1, 2) {
                let desc = self.rng.pick(CUSTOM_LINES).to_string();
                let amount = company::convert(self.rng.range(5, 50) * 1000, cur);
                lines.push(Line {
                    item: Self::item("", Ref::None, desc, amount, taxed, t + days(14)),
                    sub: None,
                    period_end: None,
                });
            }
        }
        self.create_invoice(
            t,
            t + days(14),
            lines,
            InvOpts {
                draft,
                ..InvOpts::default()
            },
        );
    }

    fn manual_entry(&mut self, t: NaiveDate) {
        let amount = company::convert(self.rng.range(10, 100) * 100, self.d.client.currency);
        let time = self.pay_time(t);
        let transid = format!("MAN{}", self.rng.string(DIGITS, 8));
        let incoming = self.rng.chance(600);
        self.d.txns.push(Txn {
            date: time,
            gateway: "banktransfer",
            description: if incoming {
                "Payment received - not allocated".into()
            } else {
                "Account adjustment".into()
            },
            amountin: if incoming { amount } else { Cents::ZERO },
            fees: Cents::ZERO,
            amountout: if incoming { Cents::ZERO } else { amount },
            transid,
            invoice: Ref::None,
            refund_of: None,
        });
    }

    fn rc_order(&mut self, t: NaiveDate) {
        let amount = Cents(self.rng.range(500, 2599));
        let desc = format!(
            "ResellerClub order #{} - {}",
            self.rng.string(DIGITS, 8),
            clients::domain_name(&mut self.rng, self.client_id, ".net")
        );
        let item = Self::item("RCOrder", Ref::None, desc, amount, false, t);
        let inv = self.create_invoice(
            t,
            t,
            vec![Line {
                item,
                sub: None,
                period_end: None,
            }],
            InvOpts {
                forced: true,
                ..InvOpts::default()
            },
        );
        self.plant_invoice = Some(inv);
    }

    /// Refunds and chargebacks, decided when a gateway payment arrives.
    fn maybe_refund(&mut self, t: NaiveDate, inv: usize, txn: usize) {
        if self.d.invoices[inv].kind != InvKind::Normal {
            return;
        }
        let items = &self.d.invoices[inv].items;
        let hosting_lines = items.iter().filter(|i| i.kind == "Hosting").count();
        let first_order = self.d.orders.iter().any(|o| o.invoice == Some(inv));
        let has_domain = items.iter().any(|i| i.kind.starts_with("Domain"));
        if first_order && hosting_lines == 1 && !has_domain && self.rng.chance(30) {
            let d = t + days(self.rng.range(1, 20));
            self.schedule(
                d,
                Event::Refund {
                    inv,
                    txn,
                    full: true,
                },
            );
        } else if self.rng.chance(8) {
            let d = t + days(self.rng.range(1, 30));
            self.schedule(
                d,
                Event::Refund {
                    inv,
                    txn,
                    full: false,
                },
            );
        } else if !has_domain && self.rng.chance(4) {
            let d = t + days(self.rng.range(20, 60));
            self.schedule(d, Event::Chargeback { inv, txn });
        }
    }

    fn refund(&mut self, t: NaiveDate, inv: usize, txn: usize, full: bool) {
        if self.d.invoices[inv].status != InvStatus::Paid {
            return;
        }
        let subs = self.subs_of_invoice(inv);
        let full = full
            && subs
                .iter()
                .all(|&s| !self.subs[s].ended && self.subs[s].open.is_none());
        let paid = self.d.txns[txn].amountin;
        let amount = if full {
            paid
        } else {
            Cents(div_round(paid.0 * self.rng.range(10, 50), 100).max(1))
        };
        let gw = self.d.txns[txn].gateway;
        let transid = self.txn_id(gw);
        let orig_transid = self.d.txns[txn].transid.clone();
        // WHMCS sometimes files a refund under another invoice; the original is found through
        // `refundid` (whmcs.md §12.2).
        let other = (0..self.d.invoices.len())
            .rev()
            .find(|&j| j != inv && self.d.invoices[j].kind == InvKind::Normal);
        let r = self.rng.below(100);
        let invoice_ref = match other {
            Some(j) if r < 20 => Ref::Invoice(j),
            _ if r >= 90 => Ref::None,
            _ => Ref::Invoice(inv),
        };
        let time = self.pay_time(t);
        self.d.txns.push(Txn {
            date: time,
            gateway: gw,
            description: format!("Refund of Transaction ID {orig_transid}"),
            amountin: Cents::ZERO,
            fees: Cents::ZERO,
            amountout: amount,
            transid,
            invoice: invoice_ref,
            refund_of: Some(txn),
        });
        if full {
            let invoice = &mut self.d.invoices[inv];
            invoice.status = InvStatus::Refunded;
            invoice.date_refunded = Some(time);
            invoice.updated_at = time;
            for s in subs {
                match self.subs[s].r {
                    SubRef::Service(k) => {
                        self.d.cancels.push(CancelRequest {
                            date: time,
                            service: k,
                            reason: "Refund requested",
                            immediate: true,
                        });
                        self.end_sub(s, t, SvcStatus::Cancelled, Some(t));
                    }
                    SubRef::Addon(_) => self.end_sub(s, t, SvcStatus::Cancelled, Some(t)),
                    SubRef::Domain(_) => {}
                }
            }
        }
    }

    fn chargeback(&mut self, t: NaiveDate, inv: usize, txn: usize) {
        if self.d.invoices[inv].status != InvStatus::Paid {
            return;
        }
        let subs = self.subs_of_invoice(inv);
        if subs
            .iter()
            .any(|&s| self.subs[s].open.is_some() || matches!(self.subs[s].r, SubRef::Domain(_)))
        {
            return;
        }
        let paid = self.d.txns[txn].amountin;
        let gw = self.d.txns[txn].gateway;
        let transid = self.txn_id(gw);
        let orig = self.d.txns[txn].transid.clone();
        let time = self.pay_time(t);
        self.d.txns.push(Txn {
            date: time,
            gateway: gw,
            description: format!("Payment Reversed (Chargeback) - Transaction ID {orig}"),
            amountin: Cents::ZERO,
            fees: Cents::ZERO,
            amountout: paid,
            transid,
            invoice: Ref::Invoice(inv),
            refund_of: Some(txn),
        });
        let invoice = &mut self.d.invoices[inv];
        invoice.status = InvStatus::Collections;
        invoice.updated_at = time;
        for s in subs {
            if !self.subs[s].ended {
                self.end_sub(s, t, SvcStatus::Terminated, Some(t));
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // The state on `today`

    fn finalize(&mut self) {
        let today = self.today;
        // Invoices still open today stay Unpaid; a recent bank transfer may be on its way.
        for o in self.opens.clone() {
            let inv = &self.d.invoices[o.inv];
            if inv.gateway == "banktransfer"
                && inv.date >= today - days(14)
                && o.pay.is_some_and(|p| p > today)
                && self.rng.chance(500)
            {
                self.d.invoices[o.inv].status = InvStatus::PaymentPending;
            }
        }
        for i in 0..self.subs.len() {
            let s = self.subs[i].clone();
            match s.r {
                SubRef::Service(k) => {
                    let svc = &mut self.d.services[k];
                    if svc.cycle.renews() {
                        svc.next_due = Some(s.next_due);
                        svc.next_invoice = Some(match s.open {
                            Some(_) => s.cycle.next(s.next_due),
                            None => s.next_due,
                        });
                    } else {
                        svc.next_due = None;
                        svc.next_invoice = None;
                        if svc.cycle == Cycle::OneTime
                            && svc.status == SvcStatus::Active
                            && svc.regdate <= today - days(30)
                            && self.rng.chance(500)
                        {
                            svc.status = SvcStatus::Completed;
                            svc.completed = Some(svc.regdate + days(self.rng.range(7, 30)));
                        }
                    }
                }
                SubRef::Addon(k) => {
                    let a = &mut self.d.addons[k];
                    if a.cycle.renews() {
                        a.next_due = Some(s.next_due);
                        a.next_invoice = Some(match s.open {
                            Some(_) => s.cycle.next(s.next_due),
                            None => s.next_due,
                        });
                    } else {
                        a.next_due = None;
                        a.next_invoice = None;
                    }
                }
                SubRef::Domain(k) => {
                    let d = &mut self.d.domains[k];
                    if d.status != DomStatus::Pending {
                        d.expiry = s.next_due;
                        d.next_due = s.next_due;
                        d.next_invoice = if s.open.is_some() {
                            sync_core::dates::add_years(s.next_due, d.years as u32)
                        } else {
                            s.next_due
                        };
                    }
                    if d.status == DomStatus::Active && s.open.is_some() && s.next_due <= today {
                        d.status = DomStatus::Grace;
                    }
                }
            }
        }
        let live = self
            .d
            .services
            .iter()
            .any(|s| !s.deleted && !s.status.is_ended())
            || self.d.domains.iter().any(|d| !d.status.is_ended());
        let anything = !self.d.services.is_empty() || !self.d.domains.is_empty();
        self.d.client.status = if live || !anything {
            "Active"
        } else if self.rng.chance(750) {
            "Inactive"
        } else {
            "Closed"
        };
        self.d.client.credit = self.balance;
        clients::clamp_login(&mut self.d.client, today);
    }

    /// Turns the planted client's chosen records bad (see `seed_planted`).
    fn apply_plants(&mut self) {
        let Some(plant) = self.plant else { return };
        let kind = plant.kind();
        let add = |d: &mut ClientData, table: &'static str, record: Ref, column: &'static str| {
            d.planted.push(Planted {
                table,
                record,
                column,
                kind,
            });
        };
        match plant {
            PlantKind::InvalidCountry => add(&mut self.d, "tblclients", Ref::Client, "country"),
            PlantKind::MissingEmail => add(&mut self.d, "tblclients", Ref::Client, "email"),
            PlantKind::MissingLeadDate => {
                add(&mut self.d, "tblclients", Ref::Client, "datecreated")
            }
            PlantKind::UnknownCycleService | PlantKind::UnknownCycleAddon => {
                let Some(s) = self.plant_sub else { return };
                let paid = self.paid_items_of(s);
                if paid.is_empty() {
                    return;
                }
                match self.subs[s].r {
                    SubRef::Service(k) => {
                        add(&mut self.d, "tblhosting", Ref::Service(k), "billingcycle")
                    }
                    SubRef::Addon(k) => add(
                        &mut self.d,
                        "tblhostingaddons",
                        Ref::Addon(k),
                        "billingcycle",
                    ),
                    SubRef::Domain(_) => {}
                }
            }
            PlantKind::OrphanService | PlantKind::OrphanAddon => {
                let Some(s) = self.plant_sub else { return };
                let deleted = match self.subs[s].r {
                    SubRef::Service(k) => self.d.services[k].deleted,
                    SubRef::Addon(k) => self.d.addons[k].deleted,
                    SubRef::Domain(_) => false,
                };
                if !deleted {
                    return;
                }
                for (inv, item) in self.paid_items_of(s) {
                    add(
                        &mut self.d,
                        "tblinvoiceitems",
                        Ref::Item(inv, item),
                        "relid",
                    );
                }
            }
            PlantKind::PeriodFromDescription | PlantKind::PeriodFromInvoiceDate => {
                let Some(s) = self.plant_sub else { return };
                let paid = self.paid_items_of(s);
                // Not the first invoice and not the latest: an ordinary renewal in the middle.
                if paid.len() < 3 {
                    return;
                }
                let (inv, ix) = paid[1];
                let item = &mut self.d.invoices[inv].items[ix];
                item.duedate = None;
                if plant == PlantKind::PeriodFromInvoiceDate {
                    let SubRef::Service(k) = self.subs[s].r else {
                        return;
                    };
                    let desc = self.service_desc(k, self.d.invoices[inv].date, None);
                    self.d.invoices[inv].items[ix].desc = Desc::Text(desc);
                }
                add(
                    &mut self.d,
                    "tblinvoiceitems",
                    Ref::Item(inv, ix),
                    "duedate",
                );
            }
            PlantKind::UnknownItemType => {
                let Some(inv) = self.plant_invoice else {
                    return;
                };
                if self.d.invoices[inv].status == InvStatus::Paid {
                    add(&mut self.d, "tblinvoiceitems", Ref::Item(inv, 0), "type");
                }
            }
        }
    }

    /// The `Hosting`/`Addon` items of subscription `s` on Paid invoices, in invoice order.
    fn paid_items_of(&self, s: usize) -> Vec<(usize, usize)> {
        let (kind, rel) = match self.subs[s].r {
            SubRef::Service(k) => ("Hosting", Ref::Service(k)),
            SubRef::Addon(k) => ("Addon", Ref::Addon(k)),
            SubRef::Domain(_) => return Vec::new(),
        };
        let mut out = Vec::new();
        for (i, inv) in self.d.invoices.iter().enumerate() {
            if inv.status != InvStatus::Paid {
                continue;
            }
            for (j, item) in inv.items.iter().enumerate() {
                if item.kind == kind && item.rel == rel {
                    out.push((i, j));
                }
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy)]
struct InvOpts {
    kind: InvKind,
    forced: bool,
    never: bool,
    draft: bool,
    fraud: bool,
    first_order: Option<usize>,
}

impl Default for InvOpts {
    fn default() -> Self {
        InvOpts {
            kind: InvKind::Normal,
            forced: false,
            never: false,
            draft: false,
            fraud: false,
            first_order: None,
        }
    }
}
