//! Retry policy and client-side rate limit, as data.
//!
//! The official clients retry 20 times over about 15 minutes, which makes a sync hang on a
//! permanent 500 (chartmogul-php #132). Ours retries with exponential backoff and ±50 % jitter,
//! honours `Retry-After`, and stops when a total time budget per call is spent (default 60 s),
//! so a dead API ends a run quickly with a clear error and the next run resumes.

use std::time::Duration;

/// How the client retries retryable failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RetryPolicy {
    /// Most attempts per call, the first included.
    pub max_attempts: u32,
    /// Delay before the first retry.
    #[serde(with = "millis")]
    pub initial_delay: Duration,
    /// Upper bound of one delay.
    #[serde(with = "millis")]
    pub max_delay: Duration,
    /// Total time one call may take, retries and waits included.
    #[serde(with = "millis")]
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 12,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(15),
            budget: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all (for tests and for callers that retry themselves).
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The delay before retry number `retry` (1-based): initial × 2^(retry−1), capped, with
    /// ±50 % jitter drawn from `jitter` (a uniform value in [0, 1)).
    pub fn delay(&self, retry: u32, jitter: f64) -> Duration {
        let base = self
            .initial_delay
            .saturating_mul(1u32 << (retry.saturating_sub(1)).min(20));
        let base = base.min(self.max_delay);
        base.mul_f64(0.5 + jitter.clamp(0.0, 1.0))
    }
}

/// Client-side limits shared by everything one client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Requests per second (ChartMogul allows 40 per account).
    pub requests_per_second: u32,
    /// Connections at once (ChartMogul allows 20); enforced by the transport's pool.
    pub max_connections: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            requests_per_second: 40,
            max_connections: 8,
        }
    }
}

/// A sliding one-second window over the transport's clock: at most `rate` requests start in
/// any one-second interval, which is exactly the limit ChartMogul states (40 requests/s).
#[derive(Debug, Clone)]
pub struct RateLimiter {
    rate: usize,
    /// Start times of the last `rate` requests.
    recent: std::collections::VecDeque<Duration>,
}

impl RateLimiter {
    pub fn new(rate: u32) -> Self {
        let rate = rate.max(1) as usize;
        RateLimiter {
            rate,
            recent: std::collections::VecDeque::with_capacity(rate),
        }
    }

    /// How long to wait, from `now`, before the next request may start; records that start.
    pub fn acquire(&mut self, now: Duration) -> Duration {
        let start = if self.recent.len() < self.rate {
            now
        } else {
            let oldest = self.recent.pop_front().expect("full window");
            now.max(oldest + Duration::from_secs(1))
        };
        self.recent.push_back(start);
        start - now
    }
}

/// A small deterministic PRNG (SplitMix64) for jitter: no dependency, same sequence everywhere.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Self {
        Jitter(seed)
    }
    /// A uniform value in [0, 1).
    pub fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

mod millis {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let ms: u64 = serde::Deserialize::deserialize(d)?;
        Ok(Duration::from_millis(ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jittered() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1, 0.5), Duration::from_millis(500));
        assert_eq!(p.delay(2, 0.5), Duration::from_millis(1000));
        assert_eq!(p.delay(3, 0.0), Duration::from_millis(1000));
        assert_eq!(p.delay(30, 0.5), Duration::from_secs(15));
    }

    #[test]
    fn the_rate_limiter_never_lets_more_than_rate_requests_into_one_second() {
        let mut limiter = RateLimiter::new(40);
        let mut now = Duration::ZERO;
        let mut sent = Vec::new();
        for _ in 0..400 {
            now += limiter.acquire(now);
            sent.push(now);
        }
        for (i, t) in sent.iter().enumerate() {
            let in_window = sent[i..]
                .iter()
                .take_while(|u| **u < *t + Duration::from_secs(1))
                .count();
            assert!(
                in_window <= 40,
                "{in_window} requests within a second from {t:?}"
            );
        }
        assert!(
            now >= Duration::from_secs(8),
            "400 requests at 40/s take about 9 s, took {now:?}"
        );
    }

    #[test]
    fn jitter_is_deterministic_and_uniform_enough() {
        let a: Vec<f64> = (0..5)
            .map({
                let mut j = Jitter::new(7);
                move |_| j.next_unit()
            })
            .collect();
        let b: Vec<f64> = (0..5)
            .map({
                let mut j = Jitter::new(7);
                move |_| j.next_unit()
            })
            .collect();
        assert_eq!(a, b);
        let mut j = Jitter::new(1);
        let mean = (0..10_000).map(|_| j.next_unit()).sum::<f64>() / 10_000.0;
        assert!((0.45..0.55).contains(&mean), "{mean}");
    }
}
