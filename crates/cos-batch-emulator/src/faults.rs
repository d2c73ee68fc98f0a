//! Drawing the faults of [`Faults`] for each request.

use std::sync::Mutex;
use std::time::Duration;

use crate::Faults;

/// What a request meets before it is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Nothing.
    None,
    /// A `500 InternalError`.
    InternalError,
    /// A `503 ServiceUnavailable`.
    Unavailable,
}

/// The faults of one emulator and the generator they are drawn from.
#[derive(Debug)]
pub(crate) struct FaultInjector {
    faults: Faults,
    rng: Mutex<fastrand::Rng>,
}

impl FaultInjector {
    pub(crate) fn new(faults: Faults) -> Self {
        let rng = fastrand::Rng::with_seed(faults.seed());
        Self {
            faults,
            rng: Mutex::new(rng),
        }
    }

    fn draw(&self, share: f64) -> bool {
        if share <= 0.0 {
            return false;
        }
        if share >= 1.0 {
            return true;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        rng.f64() < share
    }

    /// The error a request is answered with instead of being served, if any.
    pub(crate) fn error(&self) -> Fault {
        let (s500, s503) = (self.faults.share_500(), self.faults.share_503());
        if s500 <= 0.0 && s503 <= 0.0 {
            return Fault::None;
        }
        let x = {
            let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
            rng.f64()
        };
        if x < s500 || s500 >= 1.0 {
            Fault::InternalError
        } else if x < s500 + s503 || s503 >= 1.0 {
            Fault::Unavailable
        } else {
            Fault::None
        }
    }

    /// How long to hold a request before serving it, if at all.
    pub(crate) fn delay(&self) -> Option<Duration> {
        let (share, delay) = self.faults.delay();
        (!delay.is_zero() && self.draw(share)).then_some(delay)
    }

    /// Whether to drop the connection after a job was created.
    pub(crate) fn drop_after_create(&self) -> bool {
        self.draw(self.faults.share_drop_after_create())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_of_zero_and_one_are_exact() {
        let none = FaultInjector::new(Faults::new());
        assert_eq!(none.error(), Fault::None);
        assert_eq!(none.delay(), None);
        assert!(!none.drop_after_create());
        let all = FaultInjector::new(Faults::new().with_share_503(1.0));
        assert!((0..100).all(|_| all.error() == Fault::Unavailable));
        let all = FaultInjector::new(
            Faults::new()
                .with_share_500(1.0)
                .with_delay(1.0, Duration::from_millis(1))
                .with_share_drop_after_create(1.0),
        );
        assert_eq!(all.error(), Fault::InternalError);
        assert_eq!(all.delay(), Some(Duration::from_millis(1)));
        assert!(all.drop_after_create());
    }

    #[test]
    fn shares_in_between_are_roughly_kept_and_repeatable() {
        let faults = Faults::new()
            .with_share_500(0.2)
            .with_share_503(0.3)
            .with_seed(42);
        let draw = || {
            let f = FaultInjector::new(faults.clone());
            (0..10_000).map(|_| f.error()).collect::<Vec<_>>()
        };
        let a = draw();
        assert_eq!(a, draw());
        let n500 = a.iter().filter(|f| **f == Fault::InternalError).count();
        let n503 = a.iter().filter(|f| **f == Fault::Unavailable).count();
        assert!((1_500..2_500).contains(&n500), "{n500}");
        assert!((2_500..3_500).contains(&n503), "{n503}");
    }
}
