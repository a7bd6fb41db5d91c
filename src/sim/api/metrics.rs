//! `GET /metrics/mrr` (reference §10): MRR at the end of each interval, with movements.
//!
//! Contract: `start-date` and `end-date` (`YYYY-MM-DD`, start ≤ end) are required; `interval`
//! is `day`, `week` (weeks end on Sunday: the account's weeks start on Monday), `month`
//! (default), `quarter` or `year`. Each entry is dated at the end of its interval (the last one
//! at `end-date`) and holds the MRR at the end of that day. What is reported: the `currency`
//! parameter (a simulator extension) or the one in `filters=currency~ANY~'EUR'`, unconverted;
//! without either, when the simulator was given exchange rates (`--fx-rates`), every currency
//! converted into the account currency USD, as ChartMogul reports (each customer's MRR per
//! currency converted, then added; a currency without a rate is a 400 naming it); otherwise
//! the only currency imported, or USD when there are several, unconverted.
//! `data_source_uuid` restricts to one source.
//! Movements compare each customer's MRR with the previous entry (or the day before
//! `start-date`): new business, expansion, contraction, churn (negative) and reactivation
//! (MRR from 0 for a customer that paid before).

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
use serde_json::json;

use super::{ApiError, ApiResult, Ctx, ok};
use crate::sim::fx::{ACCOUNT_CURRENCY, FxRates};
use crate::sim::mrr;
use crate::sim::store::Store;
use crate::sim::time::{Millis, end_of_day, last_day_of_month, parse_date};

const MAX_ENTRIES: usize = 5000;

fn date_param(ctx: &Ctx, name: &str) -> Result<NaiveDate, ApiError> {
    let v = ctx.param(name).ok_or_else(|| ApiError::missing(name))?;
    parse_date(v).ok_or_else(|| {
        ApiError::bad(
            format!("Parameter \"{name}\" must be a date in the format YYYY-MM-DD"),
            Some(name),
        )
    })
}

/// The last day of the interval that contains `d`.
fn interval_end(d: NaiveDate, interval: &str) -> NaiveDate {
    match interval {
        "day" => d,
        "week" => d + Days::new(u64::from(6 - d.weekday().num_days_from_monday())),
        "quarter" => {
            let last_month = (d.month0() / 3) * 3 + 3;
            NaiveDate::from_ymd_opt(d.year(), last_month, 1).map_or(d, last_day_of_month)
        }
        "year" => NaiveDate::from_ymd_opt(d.year(), 12, 31).unwrap_or(d),
        _ => last_day_of_month(d),
    }
}

/// What a request's figures are in.
enum Report<'a> {
    /// One currency's lines only, unconverted.
    Only(String),
    /// Every currency, converted into the account currency.
    Converted(&'a FxRates),
}

impl Report<'_> {
    fn currency(&self) -> &str {
        match self {
            Report::Only(c) => c,
            Report::Converted(_) => ACCOUNT_CURRENCY,
        }
    }
}

/// What a request asks for.
fn report<'a>(ctx: &Ctx, store: &Store, fx: &'a FxRates) -> Report<'a> {
    if let Some(c) = ctx.param("currency") {
        return Report::Only(c.to_string());
    }
    if let Some(f) = ctx.param("filters")
        && let Some(rest) = f.split("currency~ANY~'").nth(1)
        && let Some(code) = rest.split('\'').next()
    {
        return Report::Only(code.to_string());
    }
    if !fx.is_empty() {
        return Report::Converted(fx);
    }
    let mut currencies = store.invoices.values().map(|i| i.currency.as_str());
    Report::Only(match currencies.next() {
        Some(first) if currencies.all(|c| c == first) => first.to_string(),
        _ => ACCOUNT_CURRENCY.to_string(),
    })
}

/// Each customer's MRR in `currency` at `at` (customers at 0 left out).
pub fn mrr_by_customer(
    store: &Store,
    at: Millis,
    currency: &str,
    ds: Option<&str>,
) -> BTreeMap<String, i128> {
    let mut out = BTreeMap::new();
    for c in store.customers.values() {
        let total: i128 = mrr::customer_subscriptions(store, &c.uuid, at)
            .iter()
            .filter(|s| s.currency == Some(currency))
            .filter(|s| ds.is_none_or(|d| s.subscription.data_source_uuid == d))
            .map(|s| s.mrr)
            .sum();
        if total != 0 {
            out.insert(c.uuid.clone(), total);
        }
    }
    out
}

/// Each customer's MRR at `at` as `report` asks (customers at 0 left out).
fn reported_by_customer(
    store: &Store,
    at: Millis,
    report: &Report<'_>,
    ds: Option<&str>,
) -> Result<BTreeMap<String, i128>, ApiError> {
    let fx = match report {
        Report::Only(currency) => return Ok(mrr_by_customer(store, at, currency, ds)),
        Report::Converted(fx) => fx,
    };
    let mut out = BTreeMap::new();
    for c in store.customers.values() {
        let mut per_currency: BTreeMap<&str, i128> = BTreeMap::new();
        for s in mrr::customer_subscriptions(store, &c.uuid, at) {
            if let Some(currency) = s.currency
                && ds.is_none_or(|d| s.subscription.data_source_uuid == d)
            {
                *per_currency.entry(currency).or_default() += s.mrr;
            }
        }
        let mut total = 0i128;
        for (currency, cents) in per_currency {
            total += fx.to_account(currency, cents).ok_or_else(|| {
                ApiError::bad(
                    format!(
                        "No exchange rate for {currency}: start the simulator with \
                         --fx-rates {currency}=RATE or ask for one currency"
                    ),
                    Some("currency"),
                )
            })?;
        }
        if total != 0 {
            out.insert(c.uuid.clone(), total);
        }
    }
    Ok(out)
}

fn percentage(prev: i128, cur: i128) -> f64 {
    if prev == 0 {
        return 0.0;
    }
    let permille = mrr::round_half_away((cur - prev) * 1000, prev.abs());
    permille as f64 / 10.0
}

pub fn mrr(ctx: &Ctx) -> ApiResult {
    let start = date_param(ctx, "start-date")?;
    let end = date_param(ctx, "end-date")?;
    if start > end {
        return Err(ApiError::bad(
            "Parameter \"start-date\" must not be after \"end-date\"",
            Some("start-date"),
        ));
    }
    let interval = ctx.param("interval").unwrap_or("month");
    if !["day", "week", "month", "quarter", "year"].contains(&interval) {
        return Err(ApiError::bad(
            "Parameter \"interval\" must be day, week, month, quarter or year",
            Some("interval"),
        ));
    }
    let mut dates = Vec::new();
    let mut d = start;
    while d <= end {
        let e = interval_end(d, interval).min(end);
        dates.push(e);
        if dates.len() > MAX_ENTRIES {
            return Err(ApiError::bad(
                format!("The requested range has more than {MAX_ENTRIES} entries"),
                Some("interval"),
            ));
        }
        match e.succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    let store = ctx.store();
    let report = report(ctx, &store, &ctx.shared.options.fx_rates);
    let ds = ctx.param("data_source_uuid");
    let before = start.pred_opt().unwrap_or(start);
    let mut prev_at = end_of_day(before);
    let mut prev = reported_by_customer(&store, prev_at, &report, ds)?;
    let first_total: i128 = prev.values().sum();
    let mut entries = Vec::new();
    let mut last_total = first_total;
    for date in dates {
        let at = end_of_day(date);
        let cur = reported_by_customer(&store, at, &report, ds)?;
        let (mut new_business, mut expansion, mut contraction, mut churn, mut reactivation) =
            (0i128, 0i128, 0i128, 0i128, 0i128);
        let customers: std::collections::BTreeSet<&String> =
            prev.keys().chain(cur.keys()).collect();
        for uuid in customers {
            let p = prev.get(uuid).copied().unwrap_or(0);
            let c = cur.get(uuid).copied().unwrap_or(0);
            match (p, c) {
                (0, c) if c > 0 => {
                    if mrr::had_paid_line_before(&store, uuid, prev_at) {
                        reactivation += c;
                    } else {
                        new_business += c;
                    }
                }
                (p, 0) => churn -= p,
                (p, c) if c > p => expansion += c - p,
                (p, c) if c < p => contraction += c - p,
                _ => {}
            }
        }
        let total: i128 = cur.values().sum();
        let prev_total: i128 = prev.values().sum();
        entries.push(json!({
            "date": date.to_string(),
            "mrr": mrr::cents(total),
            "mrr-new-business": mrr::cents(new_business),
            "mrr-expansion": mrr::cents(expansion),
            "mrr-contraction": mrr::cents(contraction),
            "mrr-churn": mrr::cents(churn),
            "mrr-reactivation": mrr::cents(reactivation),
            "percentage-change": percentage(prev_total, total),
        }));
        last_total = total;
        prev = cur;
        prev_at = at;
    }
    ok(
        200,
        json!({
            "entries": entries,
            "currency": report.currency(),
            "summary": {
                "current": mrr::cents(last_total),
                "previous": mrr::cents(first_total),
                "percentage-change": percentage(first_total, last_total),
            }
        }),
    )
}
