//! WHMCS dates: zero dates, calendar arithmetic, local wall-clock → UTC.
//!
//! Contract: WHMCS stores local wall-clock dates without a zone and uses zero dates
//! (`0000-00-00`) for "not set" (mapping.md §1). Parsing returns `None` for those, never a
//! made-up date; conversion to UTC goes through the configured [`Zone`].

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// A date/time text that is neither a valid date nor a zero date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a date: {0:?}")]
pub struct DateError(pub String);

fn is_zero_date(s: &str) -> bool {
    s.is_empty() || s.starts_with("0000-00-00")
}

/// Parses `YYYY-MM-DD` (a trailing time is ignored). Zero dates and empty text → `None`.
pub fn parse_date(text: &str) -> Result<Option<NaiveDate>, DateError> {
    let s = text.trim();
    if is_zero_date(s) {
        return Ok(None);
    }
    let day = s.get(..10).unwrap_or(s);
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| DateError(text.to_string()))
}

/// Parses `YYYY-MM-DD HH:MM:SS` (or a bare date, taken as midnight). Zero dates → `None`.
pub fn parse_datetime(text: &str) -> Result<Option<NaiveDateTime>, DateError> {
    let s = text.trim();
    if is_zero_date(s) {
        return Ok(None);
    }
    let s = s.replace('T', " ");
    let s = s.trim_end_matches('Z');
    let s = s.split('.').next().unwrap_or(s);
    if let Ok(dt) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
        return Ok(Some(dt));
    }
    if let Ok(dt) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M") {
        return Ok(Some(dt));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| Some(d.and_time(NaiveTime::MIN)))
        .map_err(|_| DateError(text.to_string()))
}

/// `date` + `months` calendar months; a day past the target month's end clamps to its last
/// day (Jan 31 + 1 month = Feb 28/29), as mapping.md §4.3 requires.
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    let total = date.year() * 12 + date.month0() as i32 + months as i32;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12) as u32);
    let last = last_day_of_month(year, month0 + 1);
    NaiveDate::from_ymd_opt(year, month0 + 1, date.day().min(last)).expect("clamped day is valid")
}

/// `date` + `years` calendar years (Feb 29 clamps to Feb 28).
pub fn add_years(date: NaiveDate, years: u32) -> NaiveDate {
    add_months(date, years * 12)
}

fn last_day_of_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .map_or(28, |d| d.day())
}

/// The time zone WHMCS's wall-clock dates are in (setting `timezone`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(chrono_tz::Tz);

impl Default for Zone {
    fn default() -> Self {
        Zone(chrono_tz::UTC)
    }
}

impl Zone {
    pub const UTC: Zone = Zone(chrono_tz::UTC);

    /// Parses an IANA zone name such as `Europe/Berlin` or `UTC`.
    pub fn parse(name: &str) -> Result<Zone, String> {
        name.trim().parse::<chrono_tz::Tz>().map(Zone).map_err(|_| {
            format!("unknown time zone {name:?} (expected an IANA name such as \"Europe/Berlin\")")
        })
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// Converts a local wall-clock time to UTC. A time skipped by a DST change is moved
    /// forward by an hour; an ambiguous one takes the earlier instant.
    pub fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
            LocalResult::None => self.to_utc(local + chrono::Duration::hours(1)),
        }
    }

    /// Midnight of a local date, in UTC.
    pub fn date_to_utc(&self, date: NaiveDate) -> DateTime<Utc> {
        self.to_utc(date.and_time(NaiveTime::MIN))
    }
}

/// The ISO-8601 form sent to ChartMogul: `2026-01-05T00:00:00Z`.
pub fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap().unwrap()
    }

    #[test]
    fn zero_dates_are_not_set() {
        assert_eq!(parse_date("0000-00-00"), Ok(None));
        assert_eq!(parse_date(""), Ok(None));
        assert_eq!(parse_datetime("0000-00-00 00:00:00"), Ok(None));
        assert!(parse_date("2026-13-01").is_err());
        assert_eq!(parse_date("2026-01-05 10:00:00"), Ok(Some(d("2026-01-05"))));
        assert_eq!(
            parse_datetime("2026-01-05").unwrap().unwrap().to_string(),
            "2026-01-05 00:00:00"
        );
    }

    #[test]
    fn month_arithmetic_clamps_to_month_end() {
        assert_eq!(add_months(d("2026-01-31"), 1), d("2026-02-28"));
        assert_eq!(add_months(d("2024-01-31"), 1), d("2024-02-29"));
        assert_eq!(add_months(d("2026-01-10"), 3), d("2026-04-10"));
        assert_eq!(add_months(d("2026-11-30"), 3), d("2027-02-28"));
        assert_eq!(add_years(d("2024-02-29"), 1), d("2025-02-28"));
    }

    #[test]
    fn local_times_convert_to_utc() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(
            iso(berlin.date_to_utc(d("2026-01-05"))),
            "2026-01-04T23:00:00Z"
        );
        assert_eq!(
            iso(berlin.date_to_utc(d("2026-07-05"))),
            "2026-07-04T22:00:00Z"
        );
        assert_eq!(
            iso(Zone::UTC.date_to_utc(d("2026-01-05"))),
            "2026-01-05T00:00:00Z"
        );
        assert!(Zone::parse("Mars/Olympus").is_err());
    }
}
