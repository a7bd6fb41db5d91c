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

/// The ISO-8601 form sent to ChartMogul: `2026-01-05T00:00:00Z`. Written by hand (the
/// mapping writes several per invoice, and chrono's `format` parses its pattern each time);
/// years outside 0–9999 and leap seconds go through chrono.
pub fn iso(t: DateTime<Utc>) -> String {
    use chrono::Timelike;
    let mut buf = [0u8; 20];
    if t.nanosecond() < 1_000_000_000 && wire::put_iso(&mut buf, t.naive_utc()) {
        return String::from_utf8(buf.to_vec()).expect("ASCII digits");
    }
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The serde form of WHMCS dates in payloads (MessagePack to plugins, JSON in fixtures):
/// exactly chrono's own (`2026-01-05`, `2026-01-05T10:20:30`), written and read without
/// chrono's general formatter and parser, which were the largest single cost of encoding a
/// client's bundle for plugins (≈ 250 ns a date; a bundle holds a few hundred). Values the
/// fast path does not cover (years outside 0–9999, fractional or leap seconds, other text)
/// go through chrono, so what is accepted and produced is unchanged.
pub mod wire {
    use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    fn put2(out: &mut [u8], at: usize, v: u32) {
        out[at] = b'0' + (v / 10) as u8;
        out[at + 1] = b'0' + (v % 10) as u8;
    }

    /// `YYYY-MM-DD` into `out[..10]`; `false` when the year needs a sign.
    fn put_date(out: &mut [u8], d: NaiveDate) -> bool {
        let y = d.year();
        if !(0..=9999).contains(&y) {
            return false;
        }
        let y = y as u32;
        put2(out, 0, y / 100);
        put2(out, 2, y % 100);
        out[4] = b'-';
        put2(out, 5, d.month());
        out[7] = b'-';
        put2(out, 8, d.day());
        true
    }

    fn digits(b: &[u8]) -> Option<u32> {
        b.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    }

    fn take_date(b: &[u8]) -> Option<NaiveDate> {
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        NaiveDate::from_ymd_opt(
            digits(&b[..4])? as i32,
            digits(&b[5..7])?,
            digits(&b[8..10])?,
        )
    }

    /// Parses chrono's serde form of a date.
    pub fn parse_date(s: &str) -> Option<NaiveDate> {
        match s.len() {
            10 => take_date(s.as_bytes()),
            _ => None,
        }
        .or_else(|| s.parse().ok())
    }

    /// Parses chrono's serde form of a date-time.
    pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
        let b = s.as_bytes();
        let fast = (b.len() == 19 && b[10] == b'T' && b[13] == b':' && b[16] == b':')
            .then(|| {
                take_date(b)?.and_hms_opt(
                    digits(&b[11..13])?,
                    digits(&b[14..16])?,
                    digits(&b[17..19])?,
                )
            })
            .flatten();
        fast.or_else(|| s.parse().ok())
    }

    fn ser_date<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 10];
        if put_date(&mut buf, *d) {
            s.serialize_str(std::str::from_utf8(&buf).expect("ASCII digits"))
        } else {
            d.serialize(s)
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS` into `out[..19]`; `false` when the year needs a sign (the
    /// caller has ruled out leap seconds).
    fn put_datetime(out: &mut [u8], t: NaiveDateTime) -> bool {
        if !put_date(out, t.date()) {
            return false;
        }
        out[10] = b'T';
        put2(out, 11, t.hour());
        out[13] = b':';
        put2(out, 14, t.minute());
        out[16] = b':';
        put2(out, 17, t.second());
        true
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` into `out[..20]` (fractions dropped, as `iso` does).
    pub(super) fn put_iso(out: &mut [u8; 20], t: NaiveDateTime) -> bool {
        out[19] = b'Z';
        put_datetime(out, t)
    }

    fn ser_datetime<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 19];
        if t.nanosecond() == 0 && put_datetime(&mut buf, *t) {
            s.serialize_str(std::str::from_utf8(&buf).expect("ASCII digits"))
        } else {
            t.serialize(s)
        }
    }

    struct Text<T>(fn(&str) -> Option<T>, &'static str);

    impl<T> serde::de::Visitor<'_> for Text<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str(self.1)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            (self.0)(v).ok_or_else(|| E::custom(format!("not {}: {v:?}", self.1)))
        }
    }

    struct DateWire(NaiveDate);

    impl<'de> Deserialize<'de> for DateWire {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_str(Text(parse_date, "a date (YYYY-MM-DD)"))
                .map(DateWire)
        }
    }

    struct DateTimeWire(NaiveDateTime);

    impl<'de> Deserialize<'de> for DateTimeWire {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_str(Text(parse_datetime, "a date-time (YYYY-MM-DDTHH:MM:SS)"))
                .map(DateTimeWire)
        }
    }

    /// `#[serde(default, with = "crate::dates::wire::opt_date")]` on `Option<NaiveDate>`.
    pub mod opt_date {
        use super::*;

        pub fn serialize<S: Serializer>(v: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                Some(d) => ser_date(d, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
            Option::<DateWire>::deserialize(d).map(|o| o.map(|w| w.0))
        }
    }

    /// `#[serde(default, with = "crate::dates::wire::opt_datetime")]` on
    /// `Option<NaiveDateTime>`.
    pub mod opt_datetime {
        use super::*;

        pub fn serialize<S: Serializer>(
            v: &Option<NaiveDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match v {
                Some(t) => ser_datetime(t, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<NaiveDateTime>, D::Error> {
            Option::<DateTimeWire>::deserialize(d).map(|o| o.map(|w| w.0))
        }
    }
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

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Dated {
        #[serde(default, with = "wire::opt_date")]
        d: Option<NaiveDate>,
        #[serde(default, with = "wire::opt_datetime")]
        t: Option<NaiveDateTime>,
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Chrono {
        d: Option<NaiveDate>,
        t: Option<NaiveDateTime>,
    }

    #[test]
    fn wire_dates_are_chronos_own_form() {
        let dates = [
            NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            NaiveDate::from_ymd_opt(1, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(9999, 2, 28).unwrap(),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
            // Years that need a sign take chrono's path.
            NaiveDate::from_ymd_opt(-5, 3, 1).unwrap(),
            NaiveDate::from_ymd_opt(12345, 3, 1).unwrap(),
        ];
        let times = [
            NaiveTime::MIN,
            NaiveTime::from_hms_opt(23, 59, 59).unwrap(),
            NaiveTime::from_hms_milli_opt(10, 20, 30, 250).unwrap(),
            // A leap second.
            NaiveTime::from_hms_milli_opt(23, 59, 59, 1_500).unwrap(),
        ];
        for d in dates {
            for t in times {
                for (d, t) in [
                    (Some(d), Some(d.and_time(t))),
                    (None, None),
                    (Some(d), None),
                ] {
                    let ours = Dated { d, t };
                    let theirs = Chrono { d, t };
                    let json = serde_json::to_string(&ours).unwrap();
                    assert_eq!(json, serde_json::to_string(&theirs).unwrap());
                    assert_eq!(serde_json::from_str::<Dated>(&json).unwrap(), ours);
                    let mp = rmp_serde::to_vec_named(&ours).unwrap();
                    assert_eq!(mp, rmp_serde::to_vec_named(&theirs).unwrap());
                    assert_eq!(rmp_serde::from_slice::<Dated>(&mp).unwrap(), ours);
                }
            }
        }
        // Missing fields are `None`, as for a plain `Option`.
        assert_eq!(
            serde_json::from_str::<Dated>("{}").unwrap(),
            Dated { d: None, t: None }
        );
        // What chrono accepts beyond the exact form still parses; what it refuses, fails.
        assert_eq!(
            wire::parse_datetime("2026-01-05T10:20:30.5").map(|t| t.and_utc().timestamp_millis()),
            Some(1_767_608_430_500)
        );
        for text in [
            "2026-1-05",
            "20260105",
            " 2026-01-05",
            "2026-01-05T10:20",
            "+2026-01-05",
        ] {
            assert_eq!(wire::parse_date(text), text.parse().ok(), "{text}");
            assert_eq!(wire::parse_datetime(text), text.parse().ok(), "{text}");
        }
        for bad in ["2026-02-30", "2026-13-01", "2026-01-05T25:00:00", "", "x"] {
            assert!(wire::parse_date(bad).is_none(), "{bad}");
            assert!(
                serde_json::from_str::<Dated>(&format!(r#"{{"d":"{bad}"}}"#)).is_err(),
                "{bad}"
            );
        }
        let err = serde_json::from_str::<Dated>(r#"{"t":"2026-01-05 x"}"#).unwrap_err();
        assert!(err.to_string().contains("2026-01-05 x"), "{err}");
    }

    #[test]
    fn iso_matches_chronos_format() {
        for (d, t) in [
            (NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(), NaiveTime::MIN),
            (
                NaiveDate::from_ymd_opt(999, 12, 31).unwrap(),
                NaiveTime::from_hms_milli_opt(23, 59, 59, 999).unwrap(),
            ),
            (
                NaiveDate::from_ymd_opt(2016, 12, 31).unwrap(),
                NaiveTime::from_hms_milli_opt(23, 59, 59, 1_000).unwrap(),
            ),
            (
                NaiveDate::from_ymd_opt(10000, 1, 1).unwrap(),
                NaiveTime::MIN,
            ),
        ] {
            let u = d.and_time(t).and_utc();
            assert_eq!(iso(u), u.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        }
    }
}
