//! The plan for all clients, decided before any history is generated: when each client signs
//! up, where they live, whether they are later deleted or merged into another client, and which
//! clients carry a planted bad record.
//!
//! Deciding this first keeps each client's history self-contained (a merge target's currency
//! is known when the merged-away client is generated) and makes the planted records' count a
//! function of the scale only.

use chrono::{Duration, NaiveDate};

use super::clients::COUNTRIES;
use super::rng::{Rng, Stream};

/// One planted bad record kind (and, for two kinds, which table carries it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlantKind {
    InvalidCountry,
    MissingEmail,
    MissingLeadDate,
    UnknownCycleService,
    UnknownCycleAddon,
    OrphanService,
    OrphanAddon,
    PeriodFromDescription,
    PeriodFromInvoiceDate,
    UnknownItemType,
}

impl PlantKind {
    /// The `kind` the mapping engine reports.
    pub fn kind(self) -> &'static str {
        match self {
            PlantKind::InvalidCountry => "invalid_country",
            PlantKind::MissingEmail => "missing_email",
            PlantKind::MissingLeadDate => "missing_lead_date",
            PlantKind::UnknownCycleService | PlantKind::UnknownCycleAddon => "unknown_cycle",
            PlantKind::OrphanService | PlantKind::OrphanAddon => "orphan_item",
            PlantKind::PeriodFromDescription => "period_from_description",
            PlantKind::PeriodFromInvoiceDate => "period_from_invoice_date",
            PlantKind::UnknownItemType => "unknown_item_type",
        }
    }

    /// The eight kinds, each with its variants (alternated when planting several).
    pub const KINDS: [&'static [PlantKind]; 8] = [
        &[PlantKind::InvalidCountry],
        &[PlantKind::MissingEmail],
        &[PlantKind::MissingLeadDate],
        &[PlantKind::UnknownCycleService, PlantKind::UnknownCycleAddon],
        &[PlantKind::OrphanService, PlantKind::OrphanAddon],
        &[PlantKind::PeriodFromDescription],
        &[PlantKind::PeriodFromInvoiceDate],
        &[PlantKind::UnknownItemType],
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Normal,
    /// Deleted by an admin on this date: no rows at all (ids stay as gaps).
    Deleted(NaiveDate),
    /// Merged into the client with this plan index on this date: rows move to that client.
    MergedInto(usize, NaiveDate),
}

#[derive(Debug, Clone)]
pub struct ClientPlan {
    pub signup: NaiveDate,
    /// Index into [`COUNTRIES`].
    pub country: usize,
    pub fate: Fate,
    pub plant: Option<PlantKind>,
    /// Another client is merged into this one: keep its setup plain (no discount group).
    pub merge_target: bool,
}

impl ClientPlan {
    /// Clients whose history stays plain: merged, deleted or merge targets, or planted.
    pub fn is_special(&self) -> bool {
        self.fate != Fate::Normal || self.plant.is_some() || self.merge_target
    }
}

pub struct Plan {
    pub clients: Vec<ClientPlan>,
}

/// Planted records per kind: about 0.5 % of clients, at least one.
pub fn plants_per_kind(clients: usize) -> usize {
    (clients / 200).max(1)
}

/// Deleted and merged-away clients: about 0.5 % each, at least one when there are enough.
fn events_per_kind(clients: usize) -> usize {
    if clients < 20 {
        0
    } else {
        (clients / 200).max(1)
    }
}

pub fn build(seed: u64, clients: usize, start: NaiveDate, today: NaiveDate) -> Plan {
    let mut rng = Rng::derive(seed, Stream::Plan, 0);
    let span = (today - start).num_days(); // days in [start, today)
    let country_weights: Vec<(usize, u32)> = COUNTRIES
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.weight))
        .collect();
    let mut plans: Vec<ClientPlan> = (0..clients)
        .map(|i| {
            let day = signup_day(i as u64, rng.below(1_000_000), clients as u64, span);
            ClientPlan {
                signup: start + Duration::days(day),
                country: *rng.weighted(&country_weights),
                fate: Fate::Normal,
                plant: None,
                merge_target: false,
            }
        })
        .collect();

    let old_enough = |p: &ClientPlan, days: i64| p.signup <= today - Duration::days(days);

    // Planted records first: they need clients with some history.
    let per_kind = plants_per_kind(clients);
    let mut candidates: Vec<usize> = (0..clients)
        .filter(|&i| old_enough(&plans[i], 240))
        .collect();
    shuffle(&mut rng, &mut candidates);
    let mut fallback: Vec<usize> = (0..clients)
        .filter(|&i| !old_enough(&plans[i], 240))
        .collect();
    shuffle(&mut rng, &mut fallback);
    candidates.extend(fallback);
    let mut next = candidates.into_iter();
    'kinds: for n in 0..per_kind {
        for variants in PlantKind::KINDS {
            let Some(i) = next.next() else { break 'kinds };
            plans[i].plant = Some(variants[n % variants.len()]);
        }
    }

    // Deletions and merges among the remaining clients.
    let events = events_per_kind(clients);
    let mut free: Vec<usize> = (0..clients)
        .filter(|&i| plans[i].plant.is_none() && old_enough(&plans[i], 90))
        .collect();
    shuffle(&mut rng, &mut free);
    let mut deleted = 0;
    let mut merged = 0;
    for i in free {
        if deleted == events && merged == events {
            break;
        }
        if plans[i].fate != Fate::Normal || plans[i].merge_target {
            continue;
        }
        if deleted < events {
            let from = plans[i].signup + Duration::days(30);
            let at = from + Duration::days(rng.range(0, (today - from).num_days() - 1));
            plans[i].fate = Fate::Deleted(at);
            deleted += 1;
            continue;
        }
        // The target: a later client with the same currency and a plain history.
        let currency = COUNTRIES[plans[i].country].currency;
        let target = (i + 1..clients).find(|&j| {
            let p = &plans[j];
            p.fate == Fate::Normal
                && p.plant.is_none()
                && !p.merge_target
                && COUNTRIES[p.country].currency == currency
                && old_enough(p, 30)
        });
        if let Some(j) = target {
            let from = plans[j].signup + Duration::days(5);
            let at = from + Duration::days(rng.range(0, (today - from).num_days() - 1));
            plans[i].fate = Fate::MergedInto(j, at);
            plans[j].merge_target = true;
            merged += 1;
        }
    }
    Plan { clients: plans }
}

/// The signup day (offset from the start) of client `i` of `n`: sign-ups grow over time
/// (density rising linearly from 0.8 to 1.2 of the average) and stay in id order. Solved with
/// integers: the smallest `d` with F(d / span) ≥ (i + r) / n, F(x) = 0.8 x + 0.2 x².
fn signup_day(i: u64, r_millionths: u64, n: u64, span: i64) -> i64 {
    let span128 = i128::from(span);
    let target = i128::from(i) * 1_000_000 + i128::from(r_millionths); // over n × 10⁶
    let reaches = |d: i128| {
        (8 * d * span128 + 2 * d * d) * i128::from(n) * 1_000_000 >= target * 10 * span128 * span128
    };
    let (mut lo, mut hi) = (0i128, span128 - 1);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if reaches(mid) { hi = mid } else { lo = mid + 1 }
    }
    lo as i64
}

fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn signups_are_ordered_and_inside_the_window() {
        let plan = build(1, 500, d("2023-11-01"), d("2026-11-01"));
        assert!(plan.clients.windows(2).all(|w| w[0].signup <= w[1].signup));
        assert!(
            plan.clients
                .iter()
                .all(|c| c.signup >= d("2023-11-01") && c.signup < d("2026-11-01"))
        );
        // Growth: more sign-ups in the last year than in the first.
        let first = plan
            .clients
            .iter()
            .filter(|c| c.signup < d("2024-11-01"))
            .count();
        let last = plan
            .clients
            .iter()
            .filter(|c| c.signup >= d("2025-11-01"))
            .count();
        assert!(last > first, "{first} {last}");
    }

    #[test]
    fn every_kind_is_planted_and_merges_keep_the_currency() {
        let plan = build(7, 200, d("2023-11-01"), d("2026-11-01"));
        for variants in PlantKind::KINDS {
            assert!(
                plan.clients
                    .iter()
                    .any(|c| c.plant.is_some_and(|p| variants.contains(&p))),
                "{variants:?}"
            );
        }
        let mut merges = 0;
        for c in &plan.clients {
            if let Fate::MergedInto(j, at) = c.fate {
                merges += 1;
                let t = &plan.clients[j];
                assert_eq!(COUNTRIES[c.country].currency, COUNTRIES[t.country].currency);
                assert!(
                    t.merge_target
                        && t.fate == Fate::Normal
                        && at >= t.signup
                        && at < d("2026-11-01")
                );
            }
        }
        assert_eq!(merges, 1);
        assert_eq!(
            plan.clients
                .iter()
                .filter(|c| matches!(c.fate, Fate::Deleted(_)))
                .count(),
            1
        );
    }
}
