//! Rate limits on sign-in (password and MFA code), per client address and per account:
//! a GCRA limiter (governor) allowing `login_attempts_per_minute` in a burst, refilled evenly
//! over the minute. Both keys count every attempt: a per-client limit alone lets a botnet try
//! one account from many addresses, a per-account limit alone lets one client try many names.
//!
//! Several server processes (replicas behind a proxy) share the limit through Redis when the
//! server has one ([`LoginLimits::shared`]): a counter per key and per minute-long window, so an
//! attacker spreading attempts over the replicas still gets `login_attempts_per_minute` in all.
//! While Redis does not answer, each process falls back to its own limiter (fail closed per
//! process rather than open): the limit is then at most replicas × the setting.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::error::ApiError;

/// The window of the shared counters.
const WINDOW_SECS: u64 = 60;

/// The limiters of one server.
pub(crate) struct LoginLimits {
    per_minute: u32,
    by_client: DefaultKeyedRateLimiter<IpAddr>,
    by_account: DefaultKeyedRateLimiter<String>,
    shared: Option<Shared>,
}

/// The counters in Redis.
struct Shared {
    conn: ConnectionManager,
    prefix: String,
}

impl LoginLimits {
    pub(crate) fn new(per_minute: u32) -> LoginLimits {
        let burst = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(burst).allow_burst(burst);
        LoginLimits {
            per_minute: burst.get(),
            by_client: RateLimiter::keyed(quota),
            by_account: RateLimiter::keyed(quota),
            shared: None,
        }
    }

    /// The same limits, counted in the Redis at `url` under `prefix` (does not connect yet).
    pub(crate) fn shared(self, url: &str, prefix: &str) -> Result<LoginLimits, redis::RedisError> {
        let client = redis::Client::open(url)?;
        // A sign-in must not hang on a Redis that is down: the local limiter answers instead.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_secs(1)))
            .set_number_of_retries(0);
        let conn = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(LoginLimits {
            shared: Some(Shared {
                conn,
                prefix: format!("{prefix}:login"),
            }),
            ..self
        })
    }

    /// One attempt by `client` on `account`; 429 with the wait when either key is spent.
    pub(crate) async fn attempt(&self, client: IpAddr, account: &str) -> Result<(), ApiError> {
        let account = account.to_lowercase();
        if let Some(shared) = &self.shared {
            match shared.count(client, &account).await {
                Ok(counts) => {
                    return match counts
                        .into_iter()
                        .find(|(n, _)| *n > u64::from(self.per_minute))
                    {
                        Some((_, ttl)) => Err(ApiError::TooManyRequests(ttl.max(1))),
                        None => Ok(()),
                    };
                }
                Err(err) => {
                    tracing::warn!(%err, "shared sign-in limits unavailable; this server's own apply");
                }
            }
        }
        self.attempt_here(client, &account)
    }

    fn attempt_here(&self, client: IpAddr, account: &str) -> Result<(), ApiError> {
        let clock = DefaultClock::default();
        for check in [
            self.by_client.check_key(&client),
            self.by_account.check_key(&account.to_owned()),
        ] {
            if let Err(not_until) = check {
                let wait: Duration = not_until.wait_time_from(clock.now());
                return Err(ApiError::TooManyRequests(wait.as_secs() + 1));
            }
        }
        self.by_client.retain_recent();
        self.by_account.retain_recent();
        Ok(())
    }
}

impl Shared {
    /// Counts the attempt on both keys: `(attempts in the window, seconds it has left)` each.
    async fn count(&self, client: IpAddr, account: &str) -> redis::RedisResult<Vec<(u64, u64)>> {
        let keys = [
            format!("{}:client:{client}", self.prefix),
            format!("{}:account:{account}", self.prefix),
        ];
        let mut pipe = redis::pipe();
        pipe.atomic();
        for key in &keys {
            // The window starts with its first attempt (SET NX) and ends with the key.
            pipe.cmd("SET")
                .arg(key)
                .arg(0)
                .arg("EX")
                .arg(WINDOW_SECS)
                .arg("NX")
                .ignore();
            pipe.cmd("INCR").arg(key).cmd("TTL").arg(key);
        }
        let mut conn = self.conn.clone();
        let (a, a_ttl, b, b_ttl): (u64, i64, u64, i64) = pipe.query_async(&mut conn).await?;
        let left = |ttl: i64| u64::try_from(ttl).unwrap_or(WINDOW_SECS);
        Ok(vec![(a, left(a_ttl)), (b, left(b_ttl))])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CI machine's Redis (or TRACEBOOK_TEST_REDIS); the test fails without one.
    fn redis_url() -> String {
        std::env::var("TRACEBOOK_TEST_REDIS")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
    }

    fn unique_prefix() -> String {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("random");
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("tracebook-test-{hex}")
    }

    /// Two servers (two limiters) on one Redis: attempts alternating between them meet one
    /// limit, where each server's own limiter would allow twice as many.
    #[tokio::test]
    async fn replicas_share_the_limit_through_redis() {
        let prefix = unique_prefix();
        let one = LoginLimits::new(5)
            .shared(&redis_url(), &prefix)
            .expect("client");
        let two = LoginLimits::new(5)
            .shared(&redis_url(), &prefix)
            .expect("client");
        let client: IpAddr = "192.0.2.7".parse().expect("address");
        let mut refused_at = None;
        for attempt in 1..=10 {
            let limits = if attempt % 2 == 1 { &one } else { &two };
            if let Err(err) = limits.attempt(client, "Alice").await {
                assert!(matches!(err, ApiError::TooManyRequests(wait) if (1..=60).contains(&wait)));
                refused_at = Some(attempt);
                break;
            }
        }
        assert_eq!(
            refused_at,
            Some(6),
            "the sixth attempt over both servers is refused"
        );
        // The account key is shared too, whatever the case of the name: another address
        // trying the same account is refused at once.
        let other: IpAddr = "192.0.2.8".parse().expect("address");
        assert!(two.attempt(other, "alice").await.is_err());
        // And nothing else is limited.
        assert!(one.attempt(other, "bob").await.is_ok());
    }

    /// With Redis unreachable, each server still limits on its own (and answers quickly).
    #[tokio::test]
    async fn without_redis_each_server_limits_on_its_own() {
        let limits = LoginLimits::new(3)
            .shared("redis://127.0.0.1:1", &unique_prefix())
            .expect("client");
        let client: IpAddr = "192.0.2.9".parse().expect("address");
        let started = std::time::Instant::now();
        for _ in 0..3 {
            assert!(limits.attempt(client, "carol").await.is_ok());
        }
        assert!(limits.attempt(client, "carol").await.is_err());
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
