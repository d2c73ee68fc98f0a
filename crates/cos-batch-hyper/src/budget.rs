//! `RetryBudget`: a token bucket shared by every call of a client (and its clones), so that a
//! failing service is not answered with every caller's full set of retries.

use std::sync::atomic::{AtomicU32, Ordering};

/// How many retries a client may make in a row, shared by all its calls.
///
/// A bucket starts full with `capacity` tokens. A retry withdraws `retry_cost` tokens
/// (`timeout_cost` after a timeout); when the bucket cannot pay, the call returns its last
/// error instead of retrying. A call that succeeds on its first attempt puts `success_refund`
/// tokens back; one that succeeds after retries puts back what its retries withdrew. First
/// attempts are never refused, so a client whose budget is spent still sends every call
/// once — and refills the bucket as soon as the service answers again.
///
/// The default (500 tokens, 5 per retry, 10 after a timeout, 1 back per success) is that of
/// the AWS SDKs' "standard" retry mode: under a 100 % failure rate a client makes about 100
/// retries in all, however many calls it sends.
///
/// ```
/// use cos_batch_hyper::RetryBudget;
///
/// let budget = RetryBudget::default().with_capacity(20).with_retry_cost(5);
/// assert_eq!(budget.capacity(), 20);
/// assert!(RetryBudget::unlimited().is_unlimited());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryBudget {
    capacity: u32,
    retry_cost: u32,
    timeout_cost: u32,
    success_refund: u32,
    unlimited: bool,
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self {
            capacity: 500,
            retry_cost: 5,
            timeout_cost: 10,
            success_refund: 1,
            unlimited: false,
        }
    }
}

impl RetryBudget {
    /// No budget: every call retries as its [`crate::RetryPolicy`] allows.
    pub fn unlimited() -> Self {
        Self {
            unlimited: true,
            ..Self::default()
        }
    }

    /// The tokens of a full bucket.
    pub fn with_capacity(mut self, tokens: u32) -> Self {
        self.capacity = tokens;
        self
    }

    /// The tokens a retry costs.
    pub fn with_retry_cost(mut self, tokens: u32) -> Self {
        self.retry_cost = tokens;
        self
    }

    /// The tokens a retry after a timeout costs.
    pub fn with_timeout_cost(mut self, tokens: u32) -> Self {
        self.timeout_cost = tokens;
        self
    }

    /// The tokens a first-attempt success puts back.
    pub fn with_success_refund(mut self, tokens: u32) -> Self {
        self.success_refund = tokens;
        self
    }

    /// The tokens of a full bucket.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Whether this is [`RetryBudget::unlimited`].
    pub fn is_unlimited(&self) -> bool {
        self.unlimited
    }
}

/// A budget's bucket, shared by a client's calls.
#[derive(Debug)]
pub(crate) struct Bucket {
    config: RetryBudget,
    tokens: AtomicU32,
}

impl Bucket {
    pub(crate) fn new(config: RetryBudget) -> Self {
        Self {
            config,
            tokens: AtomicU32::new(config.capacity),
        }
    }

    /// The tokens left (the capacity when unlimited).
    pub(crate) fn available(&self) -> u32 {
        self.tokens.load(Ordering::Relaxed)
    }

    /// Takes the cost of one retry; the tokens taken, or `None` when the bucket cannot pay.
    pub(crate) fn withdraw(&self, after_timeout: bool) -> Option<u32> {
        if self.config.unlimited {
            return Some(0);
        }
        let cost = if after_timeout {
            self.config.timeout_cost
        } else {
            self.config.retry_cost
        };
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .ok()
            .map(|_| cost)
    }

    /// A call succeeded after withdrawing `withdrawn` tokens for its retries.
    pub(crate) fn refund(&self, withdrawn: u32) {
        if self.config.unlimited {
            return;
        }
        let back = if withdrawn == 0 {
            self.config.success_refund
        } else {
            withdrawn
        };
        let capacity = self.config.capacity;
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                Some(t.saturating_add(back).min(capacity))
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_bucket_refuses_until_refunded() {
        let bucket = Bucket::new(RetryBudget::default().with_capacity(12).with_retry_cost(5));
        assert_eq!(bucket.withdraw(false), Some(5));
        assert_eq!(bucket.withdraw(false), Some(5));
        assert_eq!(bucket.withdraw(false), None);
        assert_eq!(bucket.available(), 2);
        bucket.refund(5);
        assert_eq!(bucket.available(), 7);
        bucket.refund(0);
        assert_eq!(bucket.available(), 8);
        bucket.refund(100);
        assert_eq!(bucket.available(), 12);
        assert_eq!(bucket.withdraw(true), Some(10));
        assert_eq!(bucket.withdraw(true), None);
    }

    #[test]
    fn an_unlimited_bucket_never_refuses() {
        let bucket = Bucket::new(RetryBudget::unlimited().with_capacity(0));
        for _ in 0..1000 {
            assert_eq!(bucket.withdraw(true), Some(0));
        }
    }
}
