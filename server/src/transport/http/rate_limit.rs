//! A token bucket per API token (and, for failed authentications, per client
//! address). It lives in this process: behind a load
//! balancer each instance enforces it on its own share of the requests, so
//! the effective limit is the per-instance one times the instances a client
//! reaches. That is enough to stop a runaway client; a hard global quota
//! would need shared state (the database), which a request must not wait on.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    /// Keyed by a keyed hash of the token: the token itself is never kept.
    buckets: Mutex<HashMap<u64, Bucket>>,
    hasher: RandomState,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets kept before idle (full) ones are forgotten.
const PRUNE_AT: usize = 10_000;

impl RateLimiter {
    /// `per_minute` requests a minute on average, up to `burst` at once.
    pub fn new(per_minute: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            per_second: f64::from(per_minute.max(1)) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::default(),
            hasher: RandomState::new(),
        }
    }

    /// Takes one request from `credential`'s bucket, or says how long to
    /// wait for the next one.
    pub fn check(&self, credential: impl Hash, now: Instant) -> Result<(), Duration> {
        self.take(credential, now, true)
    }

    /// Whether `credential`'s bucket has a request left, without taking it.
    pub fn peek(&self, credential: impl Hash, now: Instant) -> Result<(), Duration> {
        self.take(credential, now, false)
    }

    fn take(&self, credential: impl Hash, now: Instant, take: bool) -> Result<(), Duration> {
        let key = self.hasher.hash_one(credential);
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= PRUNE_AT {
            let (per_second, burst) = (self.per_second, self.burst);
            buckets.retain(|_, b| b.refilled(now, per_second, burst).tokens < burst);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        *bucket = bucket.refilled(now, self.per_second, self.burst);
        if bucket.tokens >= 1.0 {
            if take {
                bucket.tokens -= 1.0;
            }
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }
}

impl Bucket {
    fn refilled(self, now: Instant, per_second: f64, burst: f64) -> Bucket {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        Bucket {
            tokens: (self.tokens + elapsed * per_second).min(burst),
            at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_the_rate_and_tokens_are_apart() {
        let limiter = RateLimiter::new(60, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check("tt_a", t0).is_ok());
        }
        let wait = limiter.check("tt_a", t0).unwrap_err();
        assert!(
            wait > Duration::from_millis(900) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(
            limiter.check("tt_b", t0).is_ok(),
            "another token has its own bucket"
        );
        assert!(limiter.check("tt_a", t0 + Duration::from_secs(1)).is_ok());
        assert!(limiter.check("tt_a", t0 + Duration::from_secs(1)).is_err());
    }

    #[test]
    fn peeking_takes_nothing() {
        let limiter = RateLimiter::new(1, 2);
        let t0 = Instant::now();
        let address = std::net::IpAddr::from([127, 0, 0, 1]);
        for _ in 0..5 {
            assert!(limiter.peek(address, t0).is_ok());
        }
        assert!(limiter.check(address, t0).is_ok());
        assert!(limiter.check(address, t0).is_ok());
        assert!(limiter.peek(address, t0).is_err());
        assert!(
            limiter
                .peek(std::net::IpAddr::from([10, 0, 0, 1]), t0)
                .is_ok()
        );
    }
}
