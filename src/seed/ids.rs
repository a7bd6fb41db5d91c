//! Ids in date order across all clients.
//!
//! In WHMCS, ids grow with time: invoice 1000 is older than invoice 2000, whichever client they
//! belong to. The generator works client by client, so it runs twice: the first pass only
//! counts, per table and per day, how many records each day creates; the prefix sums give every
//! day a block of ids; the second pass regenerates each client (deterministically, the same
//! records) and takes ids from its days' blocks. Within a day, ids follow client order, then
//! the order the client created them in. Deleted clients' records take ids too, leaving gaps as
//! in a real install.

use chrono::NaiveDate;

use super::model::ClientData;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Service,
    Addon,
    Domain,
    Invoice,
    Item,
    Txn,
    Cancel,
    Upgrade,
    Order,
    Credit,
    Billable,
}

const KINDS: usize = 11;

/// The ids of one client's records, in the order of the vectors of [`ClientData`].
#[derive(Debug, Default)]
pub struct Assigned {
    pub services: Vec<i64>,
    pub addons: Vec<i64>,
    pub domains: Vec<i64>,
    pub invoices: Vec<i64>,
    /// Per invoice, its items' ids.
    pub items: Vec<Vec<i64>>,
    pub txns: Vec<i64>,
    pub cancels: Vec<i64>,
    pub upgrades: Vec<i64>,
    pub orders: Vec<i64>,
    pub credits: Vec<i64>,
    pub billables: Vec<i64>,
}

pub struct IdSpace {
    origin: NaiveDate,
    days: usize,
    counts: Vec<u32>,
    base: Vec<i64>,
    used: Vec<u32>,
}

/// Calls `f` for every record that gets an id, with the date its id is ordered by.
fn walk(d: &ClientData, mut f: impl FnMut(Kind, NaiveDate)) {
    for s in &d.services {
        f(Kind::Service, s.regdate);
    }
    for a in &d.addons {
        f(Kind::Addon, a.regdate);
    }
    for x in &d.domains {
        f(Kind::Domain, x.regdate);
    }
    for inv in &d.invoices {
        f(Kind::Invoice, inv.date);
        for _ in &inv.items {
            f(Kind::Item, inv.date);
        }
    }
    for t in &d.txns {
        f(Kind::Txn, t.date.date());
    }
    for c in &d.cancels {
        f(Kind::Cancel, c.date.date());
    }
    for u in &d.upgrades {
        f(Kind::Upgrade, u.date);
    }
    for o in &d.orders {
        f(Kind::Order, o.date.date());
    }
    for c in &d.credits {
        f(Kind::Credit, c.date);
    }
    for b in &d.billables {
        f(Kind::Billable, b.date);
    }
}

impl IdSpace {
    /// Ids for records dated `origin ..= last` (dates outside are clamped).
    pub fn new(origin: NaiveDate, last: NaiveDate) -> IdSpace {
        let days = (last - origin).num_days().max(0) as usize + 1;
        IdSpace {
            origin,
            days,
            counts: vec![0; KINDS * days],
            base: Vec::new(),
            used: vec![0; KINDS * days],
        }
    }

    fn slot(&self, kind: Kind, date: NaiveDate) -> usize {
        let day = (date - self.origin)
            .num_days()
            .clamp(0, self.days as i64 - 1) as usize;
        kind as usize * self.days + day
    }

    /// First pass: counts a client's records.
    pub fn count(&mut self, d: &ClientData) {
        let mut slots = Vec::new();
        walk(d, |k, date| slots.push(self.slot(k, date)));
        for s in slots {
            self.counts[s] += 1;
        }
    }

    /// Ends the first pass: every (kind, day) gets its block of ids.
    pub fn freeze(&mut self) {
        self.base = vec![0; KINDS * self.days];
        for k in 0..KINDS {
            let mut next = 1i64;
            for day in 0..self.days {
                let s = k * self.days + day;
                self.base[s] = next;
                next += i64::from(self.counts[s]);
            }
        }
    }

    /// Second pass: the ids of a client's records.
    pub fn assign(&mut self, d: &ClientData) -> Assigned {
        let mut slots = Vec::new();
        walk(d, |k, date| slots.push((k, self.slot(k, date))));
        let mut a = Assigned::default();
        let mut next = slots.into_iter().map(|(k, s)| {
            let id = self.base[s] + i64::from(self.used[s]);
            self.used[s] += 1;
            debug_assert!(
                self.used[s] <= self.counts[s],
                "second pass created more records than the first"
            );
            (k, id)
        });
        let mut take = |want: Kind| {
            let (k, id) = next.next().expect("one id per record");
            debug_assert_eq!(k, want);
            id
        };
        a.services = d.services.iter().map(|_| take(Kind::Service)).collect();
        a.addons = d.addons.iter().map(|_| take(Kind::Addon)).collect();
        a.domains = d.domains.iter().map(|_| take(Kind::Domain)).collect();
        for inv in &d.invoices {
            a.invoices.push(take(Kind::Invoice));
            a.items
                .push(inv.items.iter().map(|_| take(Kind::Item)).collect());
        }
        a.txns = d.txns.iter().map(|_| take(Kind::Txn)).collect();
        a.cancels = d.cancels.iter().map(|_| take(Kind::Cancel)).collect();
        a.upgrades = d.upgrades.iter().map(|_| take(Kind::Upgrade)).collect();
        a.orders = d.orders.iter().map(|_| take(Kind::Order)).collect();
        a.credits = d.credits.iter().map(|_| take(Kind::Credit)).collect();
        a.billables = d.billables.iter().map(|_| take(Kind::Billable)).collect();
        a
    }
}
