//! Fault injection: the `--faults` spec, the seeded generator and the per-request decision.
//!
//! Contract: a [`FaultSpec`] turns the `n`-th `/v1` request (counting from 0 since start or the
//! last reset) into a [`Decision`] that depends only on the seed and `n`
//! ([`FaultSpec::decide`]); the same seed therefore gives the same sequence of outcomes to a
//! client that sends its requests one after the other. Syntax (comma-separated `key=value`):
//!
//! | key | meaning |
//! |---|---|
//! | `seed=N` | PRNG seed (default 0) |
//! | `rate=P` | probability P that a request fails, spread evenly over 429, 429ra, 500, 502, 503, drop, drop-after |
//! | `429=P`, `429ra=P`, `500=P`, `502=P`, `503=P`, `drop=P`, `drop-after=P`, `timeout=P` | probability of that one kind (added to `rate`'s share) |
//! | `latency=A-Bms` / `latency=Nms` | extra delay for every request, uniform in [A, B] (`ms` or `s`) |
//! | `stall=D` | how long `timeout` stalls before closing (default 35s) |
//!
//! The probabilities must add up to at most 1.

use std::fmt;
use std::time::Duration;

/// One kind of injected failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// 429 with the rate-limit body, no `Retry-After`.
    RateLimited,
    /// 429 with `Retry-After: 1`.
    RateLimitedRetryAfter,
    /// 500 with a plain-text body.
    InternalError,
    /// 502 with an HTML body, as a proxy in front of the API would send.
    BadGateway,
    /// 503 with a JSON body.
    Unavailable,
    /// Close the connection without answering and without applying the request.
    Drop,
    /// Apply the request, then close the connection without answering.
    DropAfter,
    /// Stall without answering for [`FaultSpec::stall`], then close; the request is not applied.
    Timeout,
}

impl FaultKind {
    /// The kinds `rate=P` spreads over. `timeout` is left out because each one holds a client
    /// for the whole stall; ask for it explicitly.
    pub const SPREAD: [FaultKind; 7] = [
        FaultKind::RateLimited,
        FaultKind::RateLimitedRetryAfter,
        FaultKind::InternalError,
        FaultKind::BadGateway,
        FaultKind::Unavailable,
        FaultKind::Drop,
        FaultKind::DropAfter,
    ];

    pub const ALL: [FaultKind; 8] = [
        FaultKind::RateLimited,
        FaultKind::RateLimitedRetryAfter,
        FaultKind::InternalError,
        FaultKind::BadGateway,
        FaultKind::Unavailable,
        FaultKind::Drop,
        FaultKind::DropAfter,
        FaultKind::Timeout,
    ];

    /// The name used in the spec and in the counters.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::RateLimited => "429",
            FaultKind::RateLimitedRetryAfter => "429ra",
            FaultKind::InternalError => "500",
            FaultKind::BadGateway => "502",
            FaultKind::Unavailable => "503",
            FaultKind::Drop => "drop",
            FaultKind::DropAfter => "drop-after",
            FaultKind::Timeout => "timeout",
        }
    }

    fn from_name(name: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A parsed `--faults` spec. Probabilities are kept in millionths so that decisions are exact
/// integer comparisons and a spec prints back the way it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSpec {
    pub seed: u64,
    /// Probability of each kind, in millionths.
    pub weights: Vec<(FaultKind, u32)>,
    /// Extra delay range for every request.
    pub latency: Option<(Duration, Duration)>,
    /// How long a `timeout` fault stalls.
    pub stall: Duration,
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub fault: Option<FaultKind>,
    pub latency: Duration,
}

const MILLION: u64 = 1_000_000;

impl Default for FaultSpec {
    fn default() -> Self {
        FaultSpec {
            seed: 0,
            weights: Vec::new(),
            latency: None,
            stall: Duration::from_secs(35),
        }
    }
}

impl FaultSpec {
    /// Parses the `--faults` syntax (module docs). Errors name the offending part.
    pub fn parse(spec: &str) -> Result<FaultSpec, String> {
        let mut out = FaultSpec::default();
        let mut explicit: Vec<(FaultKind, u32)> = Vec::new();
        let mut rate = 0u32;
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("fault spec part {part:?} is not key=value"))?;
            match key.trim() {
                "seed" => {
                    out.seed = value
                        .trim()
                        .parse()
                        .map_err(|_| format!("seed {value:?} is not an unsigned integer"))?
                }
                "rate" => rate = parse_probability(key, value)?,
                "latency" => out.latency = Some(parse_range(value)?),
                "stall" => out.stall = parse_duration(value)?,
                name => {
                    let kind = FaultKind::from_name(name)
                        .ok_or_else(|| format!("unknown fault kind {name:?}"))?;
                    let p = parse_probability(name, value)?;
                    explicit.retain(|(k, _)| *k != kind);
                    explicit.push((kind, p));
                }
            }
        }
        // `rate` is spread evenly; the remainder of the division goes to the first kinds so
        // that the shares add up to exactly `rate`.
        let n = FaultKind::SPREAD.len() as u32;
        for (i, kind) in FaultKind::SPREAD.into_iter().enumerate() {
            let share = rate / n + u32::from((i as u32) < rate % n);
            let extra = explicit
                .iter()
                .find(|(k, _)| *k == kind)
                .map_or(0, |(_, p)| *p);
            if share + extra > 0 {
                out.weights.push((kind, share + extra));
            }
        }
        if let Some((_, p)) = explicit.iter().find(|(k, _)| *k == FaultKind::Timeout)
            && *p > 0
        {
            out.weights.push((FaultKind::Timeout, *p));
        }
        let total: u64 = out.weights.iter().map(|(_, p)| u64::from(*p)).sum();
        if total > MILLION {
            return Err(format!(
                "fault probabilities add up to {}, more than 1",
                total as f64 / MILLION as f64
            ));
        }
        Ok(out)
    }

    /// The outcome for the `index`-th request: a pure function of the seed and the index.
    pub fn decide(&self, index: u64) -> Decision {
        let roll = draw(self.seed, index, 0) % MILLION;
        let mut acc = 0u64;
        let mut fault = None;
        for (kind, p) in &self.weights {
            acc += u64::from(*p);
            if roll < acc {
                fault = Some(*kind);
                break;
            }
        }
        let latency = match self.latency {
            None => Duration::ZERO,
            Some((lo, hi)) => {
                let lo_us = lo.as_micros() as u64;
                let hi_us = hi.as_micros() as u64;
                let span = hi_us.saturating_sub(lo_us) + 1;
                Duration::from_micros(lo_us + draw(self.seed, index, 1) % span)
            }
        };
        Decision { fault, latency }
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seed={}", self.seed)?;
        for (kind, p) in &self.weights {
            write!(f, ",{}={}", kind.name(), *p as f64 / MILLION as f64)?;
        }
        if let Some((lo, hi)) = self.latency {
            write!(f, ",latency={}-{}ms", lo.as_millis(), hi.as_millis())?;
        }
        write!(f, ",stall={}ms", self.stall.as_millis())
    }
}

impl std::str::FromStr for FaultSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FaultSpec::parse(s)
    }
}

fn parse_probability(key: &str, value: &str) -> Result<u32, String> {
    let v = value.trim();
    let bad = || format!("{key}={value}: expected a probability between 0 and 1");
    // Decimal parsing by hand keeps the probability exact in millionths.
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 6
    {
        return Err(bad());
    }
    let int: u64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad())?
    };
    let mut frac_m = 0u64;
    for k in 0..6 {
        frac_m = frac_m * 10 + frac.as_bytes().get(k).map_or(0, |d| u64::from(d - b'0'));
    }
    let p = int.saturating_mul(MILLION).saturating_add(frac_m);
    if p > MILLION {
        return Err(bad());
    }
    Ok(p as u32)
}

/// `35s`, `1500ms`, `2` (seconds).
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let v = value.trim();
    let (num, scale_ms) = if let Some(n) = v.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000)
    } else {
        (v, 1000)
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{value:?} is not a duration like 50ms or 2s"))?;
    Ok(Duration::from_millis(n.saturating_mul(scale_ms)))
}

fn parse_range(value: &str) -> Result<(Duration, Duration), String> {
    let v = value.trim();
    // `0-50ms`: the unit written once at the end applies to both bounds.
    let unit = if v.ends_with("ms") {
        "ms"
    } else if v.ends_with('s') {
        "s"
    } else {
        ""
    };
    let body = &v[..v.len() - unit.len()];
    let (lo, hi) = match body.split_once('-') {
        Some((a, b)) => (
            parse_duration(&format!("{a}{unit}"))?,
            parse_duration(&format!("{b}{unit}"))?,
        ),
        None => {
            let d = parse_duration(v)?;
            (d, d)
        }
    };
    if hi < lo {
        return Err(format!("latency range {value:?} ends before it starts"));
    }
    Ok((lo, hi))
}

/// SplitMix64's output function: a good 64-bit mix of a counter.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `stream`-th random number of request `index`: SplitMix64 indexed directly by
/// (seed, request, stream), so no generator state is shared between connection threads.
fn draw(seed: u64, index: u64, stream: u64) -> u64 {
    splitmix64(
        seed.wrapping_mul(0xD1B5_4A32_D192_ED03)
            ^ splitmix64(index.wrapping_mul(4).wrapping_add(stream)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_explicit_form() {
        let s = FaultSpec::parse(
            "seed=7,429=0.05,429ra=0.03,500=0.04,502=0.02,503=0.02,drop=0.02,drop-after=0.02,timeout=0.01,latency=0-50ms",
        )
        .unwrap();
        assert_eq!(s.seed, 7);
        let total: u32 = s.weights.iter().map(|(_, p)| p).sum();
        assert_eq!(total, 210_000);
        assert_eq!(s.latency, Some((Duration::ZERO, Duration::from_millis(50))));
        assert_eq!(s.stall, Duration::from_secs(35));
    }

    #[test]
    fn rate_is_spread_exactly() {
        let s = FaultSpec::parse("seed=7,rate=0.2").unwrap();
        assert_eq!(s.weights.len(), 7);
        assert_eq!(s.weights.iter().map(|(_, p)| p).sum::<u32>(), 200_000);
    }

    #[test]
    fn rejects_bad_specs() {
        for bad in [
            "rate=1.5",
            "rate=-0.1",
            "429=abc",
            "nope=0.1",
            "rate=0.9,500=0.2",
            "latency=50-10ms",
            "seed",
            "stall=forever",
        ] {
            assert!(FaultSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn decisions_are_reproducible_and_close_to_the_rate() {
        let s = FaultSpec::parse("seed=42,rate=0.2,latency=1-5ms").unwrap();
        let a: Vec<_> = (0..10_000).map(|i| s.decide(i)).collect();
        let b: Vec<_> = (0..10_000).map(|i| s.decide(i)).collect();
        assert_eq!(a, b);
        let faults = a.iter().filter(|d| d.fault.is_some()).count();
        assert!((1800..2200).contains(&faults), "{faults}");
        assert!(a.iter().all(
            |d| d.latency >= Duration::from_millis(1) && d.latency <= Duration::from_millis(5)
        ));
        let other = FaultSpec::parse("seed=43,rate=0.2").unwrap();
        assert_ne!(
            a.iter().map(|d| d.fault).collect::<Vec<_>>(),
            (0..10_000)
                .map(|i| other.decide(i).fault)
                .collect::<Vec<_>>()
        );
    }
}
