//! `RetryPolicy`: how often and how long a call retries, with exponential back-off and full
//! jitter.

use std::time::Duration;

/// The longest `Retry-After` a policy waits by default.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(20);

/// How a call retries retryable failures (see [`crate::Error::is_retryable`]).
///
/// The delay before retry `n` (counting from 0) is drawn uniformly from
/// `0..=min(max_delay, base_delay * 2^n)` ("full jitter"). A call stops retrying after
/// `max_attempts` attempts, or when the next delay would take it past `max_elapsed` since it
/// started; it then returns the last error.
///
/// A throttling answer (`503`, `SlowDown`) with a `Retry-After` header (seconds or an HTTP
/// date) is retried after the time it asks for instead of the back-off, up to
/// `max_retry_after` ([`DEFAULT_MAX_RETRY_AFTER`] by default); the elapsed bound and the
/// client's overall timeout still apply, so a wait that would pass them ends the call.
/// Retries are also paid from the client's [`crate::RetryBudget`].
///
/// ```
/// use std::time::Duration;
/// use cos_batch_hyper::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_base_delay(Duration::from_millis(50));
/// assert_eq!(policy.max_attempts(), 5);
/// assert!(policy.backoff(3) <= Duration::from_millis(400));
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_elapsed: Option<Duration>,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 100 ms base delay, 5 s cap, 30 s of retrying at most.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_elapsed: Some(Duration::from_secs(30)),
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retry.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The default policy of a CreateJob's recovery (see
    /// [`crate::ClientBuilder::recovery_policy`]): 12 attempts per request, 100 ms base delay,
    /// 2 s cap, 60 s of retrying at most. A recovery decides whether a job exists, so it keeps
    /// at it longer than a call.
    pub fn recovery() -> Self {
        Self {
            max_attempts: 12,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            max_elapsed: Some(Duration::from_secs(60)),
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
        }
    }

    /// At most `n` attempts in all (0 counts as 1).
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The delay bound of the first retry, doubled for each further one.
    pub fn with_base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// The largest delay bound.
    pub fn with_max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// No retry that would start later than `d` after the call started (`None`: no bound but
    /// the attempts and the client's overall timeout).
    pub fn with_max_elapsed(mut self, d: Option<Duration>) -> Self {
        self.max_elapsed = d;
        self
    }

    /// The longest `Retry-After` honoured; a longer one is cut to this.
    pub fn with_max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// The longest `Retry-After` honoured.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The attempts a call makes at most.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay bound of the first retry.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The largest delay bound.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The bound on retrying since the call started.
    pub fn max_elapsed(&self) -> Option<Duration> {
        self.max_elapsed
    }

    /// The delay bound before retry `retry` (0 for the first retry):
    /// `min(max_delay, base_delay * 2^retry)`.
    pub fn delay_bound(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(Duration::MAX)
            .min(self.max_delay)
    }

    /// A random delay before retry `retry`, uniform in `0..=delay_bound(retry)`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let bound = u64::try_from(self.delay_bound(retry).as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=bound))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bounds_double_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay_bound(0), Duration::from_millis(100));
        assert_eq!(p.delay_bound(1), Duration::from_millis(200));
        assert_eq!(p.delay_bound(5), Duration::from_millis(3200));
        assert_eq!(p.delay_bound(6), Duration::from_secs(5));
        assert_eq!(p.delay_bound(u32::MAX), Duration::from_secs(5));
        assert_eq!(RetryPolicy::none().with_max_attempts(0).max_attempts(), 1);
    }

    proptest! {
        #[test]
        fn backoff_stays_within_its_bound(
            base in 0u64..10_000, cap in 0u64..100_000, retry in any::<u32>()
        ) {
            let p = RetryPolicy::default()
                .with_base_delay(Duration::from_millis(base))
                .with_max_delay(Duration::from_millis(cap));
            let d = p.backoff(retry);
            prop_assert!(d <= p.delay_bound(retry));
            prop_assert!(d <= Duration::from_millis(cap));
        }
    }
}
