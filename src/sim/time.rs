//! Time in the simulator: the injectable [`Clock`], ChartMogul's timestamp forms and calendar
//! arithmetic.
//!
//! Contract: every instant is an `i64` of milliseconds since the Unix epoch, UTC ([`Millis`]).
//! [`parse_timestamp`] accepts exactly the ISO-8601 forms of reference §1 (date only, date and
//! time with `T` or a space, optional fraction, zone `Z`, ` UTC` or a numeric offset; no zone
//! means UTC) and rejects everything else. [`format_timestamp`] writes what ChartMogul answers
//! with: UTC with milliseconds (`2016-01-01T12:00:00.000Z`).

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

pub const DAY_MS: Millis = 86_400_000;

/// Where "now" comes from. Tests pin it so that "must be in the past" checks and the default
/// MRR date do not depend on when the test runs.
#[derive(Clone, Default)]
pub enum Clock {
    /// The machine's clock.
    #[default]
    System,
    /// A fixed instant (milliseconds since the epoch).
    Fixed(Millis),
    /// Any other source, e.g. a clock a test advances by hand.
    Custom(Arc<dyn Fn() -> Millis + Send + Sync>),
}

impl Clock {
    /// A clock fixed at an ISO-8601 timestamp; panics on an invalid one (a test-setup error).
    pub fn fixed_at(timestamp: &str) -> Clock {
        match parse_timestamp(timestamp) {
            Some(ms) => Clock::Fixed(ms),
            None => panic!("Clock::fixed_at: invalid timestamp {timestamp:?}"),
        }
    }

    pub fn now(&self) -> Millis {
        match self {
            Clock::System => system_now(),
            Clock::Fixed(ms) => *ms,
            Clock::Custom(f) => f(),
        }
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Clock::System => f.write_str("Clock::System"),
            Clock::Fixed(ms) => write!(f, "Clock::Fixed({})", format_timestamp(*ms)),
            Clock::Custom(_) => f.write_str("Clock::Custom(..)"),
        }
    }
}

fn system_now() -> Millis {
    let now: DateTime<Utc> = SystemTime::now().into();
    now.timestamp_millis()
}

/// Parses one of ChartMogul's accepted timestamp forms (reference §1). Years outside
/// 1900–2999 are rejected as garbage rather than silently accepted.
pub fn parse_timestamp(input: &str) -> Option<Millis> {
    let mut p = Parser {
        s: input.as_bytes(),
        i: 0,
    };
    let year = p.digits(4)? as i32;
    p.expect(b'-')?;
    let month = p.digits(2)?;
    p.expect(b'-')?;
    let day = p.digits(2)?;
    if !(1900..=2999).contains(&year) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    if p.done() {
        return Some(date.and_time(NaiveTime::MIN).and_utc().timestamp_millis());
    }
    match p.next()? {
        b'T' | b't' | b' ' => {}
        _ => return None,
    }
    let hour = p.digits(2)?;
    p.expect(b':')?;
    let minute = p.digits(2)?;
    let mut second = 0;
    let mut millis = 0;
    if p.peek() == Some(b':') {
        p.i += 1;
        second = p.digits(2)?;
        if p.peek() == Some(b'.') {
            p.i += 1;
            let start = p.i;
            while p.peek().is_some_and(|b| b.is_ascii_digit()) {
                p.i += 1;
            }
            let frac = &p.s[start..p.i];
            if frac.is_empty() || frac.len() > 9 {
                return None;
            }
            // Only milliseconds are kept, like ChartMogul's responses.
            for k in 0..3 {
                millis = millis * 10 + frac.get(k).map_or(0, |d| u32::from(d - b'0'));
            }
        }
    }
    let time = NaiveTime::from_hms_milli_opt(hour, minute, second, millis)?;
    let local = NaiveDateTime::new(date, time).and_utc().timestamp_millis();
    if p.done() {
        return Some(local);
    }
    if p.peek() == Some(b' ') {
        p.i += 1;
    }
    let offset_minutes: i64 = match p.next()? {
        b'Z' | b'z' => 0,
        b'U' => {
            p.expect(b'T')?;
            p.expect(b'C')?;
            0
        }
        sign @ (b'+' | b'-') => {
            let h = p.digits(2)?;
            let mut m = 0;
            if p.peek() == Some(b':') {
                p.i += 1;
                m = p.digits(2)?;
            } else if !p.done() {
                m = p.digits(2)?;
            }
            if h > 23 || m > 59 {
                return None;
            }
            let total = i64::from(h * 60 + m);
            if sign == b'-' { -total } else { total }
        }
        _ => return None,
    };
    if !p.done() {
        return None;
    }
    Some(local - offset_minutes * 60_000)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn done(&self) -> bool {
        self.i == self.s.len()
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }
    fn expect(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }
    fn digits(&mut self, n: usize) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let b = self.next()?;
            if !b.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(b - b'0');
        }
        Some(v)
    }
}

/// `2016-01-01T12:00:00.000Z`.
pub fn format_timestamp(ms: Millis) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => String::from("1970-01-01T00:00:00.000Z"),
    }
}

/// `YYYY-MM-DD` of an instant.
pub fn format_date(ms: Millis) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(dt) => dt.format("%Y-%m-%d").to_string(),
        None => String::from("1970-01-01"),
    }
}

/// A strict `YYYY-MM-DD` (metrics query parameters).
pub fn parse_date(input: &str) -> Option<NaiveDate> {
    let mut p = Parser {
        s: input.as_bytes(),
        i: 0,
    };
    let year = p.digits(4)? as i32;
    p.expect(b'-')?;
    let month = p.digits(2)?;
    p.expect(b'-')?;
    let day = p.digits(2)?;
    if !p.done() || !(1900..=2999).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The last millisecond of a day: metrics report the state at the end of each date.
pub fn end_of_day(date: NaiveDate) -> Millis {
    date.and_time(NaiveTime::MIN).and_utc().timestamp_millis() + DAY_MS - 1
}

/// Adds calendar months; a day past the target month's end clamps to its last day
/// (Jan 31 + 1 month = Feb 28/29), as billing systems count periods.
pub fn add_months(ms: Millis, months: u32) -> Option<Millis> {
    let dt = DateTime::from_timestamp_millis(ms)?;
    let moved = dt.naive_utc().checked_add_months(Months::new(months))?;
    Some(moved.and_utc().timestamp_millis())
}

/// The date part of an instant.
pub fn date_of(ms: Millis) -> Option<NaiveDate> {
    DateTime::from_timestamp_millis(ms).map(|dt| dt.date_naive())
}

/// The last day of the month containing `date`.
pub fn last_day_of_month(date: NaiveDate) -> NaiveDate {
    let first = date.with_day(1).unwrap_or(date);
    first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Option<String> {
        parse_timestamp(s).map(format_timestamp)
    }

    #[test]
    fn accepts_the_reference_forms() {
        assert_eq!(ts("2022-11-10").unwrap(), "2022-11-10T00:00:00.000Z");
        assert_eq!(
            ts("2022-11-10 00:00:00").unwrap(),
            "2022-11-10T00:00:00.000Z"
        );
        assert_eq!(
            ts("2022-11-10T00:00:00Z").unwrap(),
            "2022-11-10T00:00:00.000Z"
        );
        assert_eq!(
            ts("2016-01-01 12:00:00 UTC").unwrap(),
            "2016-01-01T12:00:00.000Z"
        );
        assert_eq!(
            ts("2019-09-03T07:22:39+06:00").unwrap(),
            "2019-09-03T01:22:39.000Z"
        );
        assert_eq!(
            ts("2019-09-03T07:22:39-0130").unwrap(),
            "2019-09-03T08:52:39.000Z"
        );
        assert_eq!(
            ts("2016-01-01T12:00:00.123456Z").unwrap(),
            "2016-01-01T12:00:00.123Z"
        );
        assert_eq!(ts("2016-01-01T12:00").unwrap(), "2016-01-01T12:00:00.000Z");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "yesterday",
            "2022-13-01",
            "2022-02-30",
            "2022-1-01",
            "10/11/2022",
            "2022-11-10T25:00:00Z",
            "2022-11-10T00:00:00+2400",
            "2022-11-10T00:00:00 GMT",
            "2022-11-10T00:00:00Zjunk",
            "Thu Nov 10 2022 00:00:00 GMT+0000 (Coordinated Universal Time)",
            "0000-01-01",
            "2022-11-10T00:00:00.Z",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn month_arithmetic_clamps() {
        let jan31 = parse_timestamp("2024-01-31").unwrap();
        assert_eq!(format_date(add_months(jan31, 1).unwrap()), "2024-02-29");
        let d = NaiveDate::from_ymd_opt(2023, 2, 10).unwrap();
        assert_eq!(last_day_of_month(d).to_string(), "2023-02-28");
    }
}
