//! Rate limits on sign-in (password and MFA code), per client address and per account:
//! a GCRA limiter (governor) allowing `login_attempts_per_minute` in a burst, refilled evenly
//! over the minute. Both keys count every attempt: a per-client limit alone lets a botnet try
//! one account from many addresses, a per-account limit alone lets one client try many names.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;

/// The two limiters of one server.
pub(crate) struct LoginLimits {
    by_client: DefaultKeyedRateLimiter<IpAddr>,
    by_account: DefaultKeyedRateLimiter<String>,
}

impl LoginLimits {
    pub(crate) fn new(per_minute: u32) -> LoginLimits {
        let burst = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(burst).allow_burst(burst);
        LoginLimits {
            by_client: RateLimiter::keyed(quota),
            by_account: RateLimiter::keyed(quota),
        }
    }

    /// One attempt by `client` on `account`; 429 with the wait when either key is spent.
    pub(crate) fn attempt(&self, client: IpAddr, account: &str) -> Result<(), ApiError> {
        let clock = DefaultClock::default();
        let account = account.to_lowercase();
        for check in [
            self.by_client.check_key(&client),
            self.by_account.check_key(&account),
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
