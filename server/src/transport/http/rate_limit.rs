//! A request limit per API token (and, for failed authentications, per
//! client address; for OAuth registrations and sign-ins, per flow).
//!
//! On SQLite (one `teetrack serve` on one file) a token bucket in this
//! process. On PostgreSQL, where any number of instances share the database
//! behind a load balancer, a per-instance bucket would allow N times the
//! limit; there the limit is kept in the database (`db::rate_limits`: one
//! upsert per request on an unlogged table, about a round trip), so it holds
//! across instances. Should the database not answer, the instance's own
//! bucket decides, rather than let everything through or refuse everything.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use catalogue::Db;
use catalogue::db::rate_limits::{self, Rate};
use sha2::{Digest as _, Sha256};

#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    /// Keyed by a keyed hash of the token: the token itself is never kept.
    buckets: Mutex<HashMap<u64, Bucket>>,
    hasher: RandomState,
    /// PostgreSQL: the limit every instance shares.
    shared: Option<Shared>,
}

#[derive(Debug)]
struct Shared {
    db: Db,
    /// Tells this limiter's keys from another's in the one table.
    name: &'static str,
    rate: Rate,
    /// Requests since the table was last pruned.
    since_prune: AtomicU64,
}

/// Shared checks between prunes of the keys that are full again.
const PRUNE_EVERY: u64 = 10_000;

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
            shared: None,
        }
    }

    /// On PostgreSQL, the limit is kept in `db` under `name`, for every
    /// instance at once; on SQLite, in this process as before.
    pub fn shared_in(mut self, db: &Db, name: &'static str) -> RateLimiter {
        if matches!(db.location(), catalogue::db::Location::Postgres(_)) {
            let per_minute = (self.per_second * 60.0).round().max(1.0);
            self.shared = Some(Shared {
                db: db.clone(),
                name,
                rate: Rate {
                    interval_ms: (60_000.0 / per_minute).round() as i64,
                    burst: self.burst as i64,
                },
                since_prune: AtomicU64::new(0),
            });
        }
        self
    }

    /// Takes one request from `credential`'s allowance, wherever it is kept.
    pub async fn allow(&self, credential: &str) -> Result<(), Duration> {
        self.decide(credential, true).await
    }

    /// Whether `credential` has a request left, without taking it.
    pub async fn allows(&self, credential: &str) -> Result<(), Duration> {
        self.decide(credential, false).await
    }

    async fn decide(&self, credential: &str, take: bool) -> Result<(), Duration> {
        if let Some(shared) = &self.shared {
            let key = format!(
                "{:x}",
                Sha256::new()
                    .chain_update(shared.name)
                    .chain_update([0])
                    .chain_update(credential)
                    .finalize()
            );
            let rate = shared.rate;
            let prune =
                take && shared.since_prune.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == 0;
            let now_ms = jiff::Timestamp::now().as_millisecond();
            let decided = shared
                .db
                .run(move |conn| {
                    if prune {
                        rate_limits::prune(conn, now_ms)?;
                    }
                    Ok::<_, catalogue::ToolError>(rate_limits::take(
                        conn, &key, rate, now_ms, take,
                    )?)
                })
                .await;
            match decided {
                Ok(outcome) => {
                    return outcome.map_err(|ms| Duration::from_millis(ms.max(0) as u64));
                }
                Err(err) => {
                    tracing::warn!(error = ?err, "shared rate limit unavailable; this instance's own decides")
                }
            }
        }
        self.take(credential, Instant::now(), take)
    }

    /// Takes one request from `credential`'s bucket, or says how long to
    /// wait for the next one.
    #[cfg(test)]
    fn check(&self, credential: impl Hash, now: Instant) -> Result<(), Duration> {
        self.take(credential, now, true)
    }

    /// Whether `credential`'s bucket has a request left, without taking it.
    #[cfg(test)]
    fn peek(&self, credential: impl Hash, now: Instant) -> Result<(), Duration> {
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
