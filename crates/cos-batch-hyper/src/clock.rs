//! The client's view of the service's clock: a shared offset corrected from a
//! `RequestTimeTooSkewed` response's `Date`, and the key times each attempt signs with.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cos_sign::KeyTime;
use http::HeaderMap;
use http::header::DATE;

/// Key times start on a multiple of this (in Unix seconds), so that every request in the same
/// window signs with the same key time and the signer derives the key once.
const KEY_WINDOW: u64 = 15 * 60;
/// How long a signature stays valid after it is made: longer than any attempt.
const SIGN_VALIDITY: u64 = 60 * 60;

/// The offset (service time minus local time, in seconds) shared by clones of a client.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    /// The service's time as far as we know it.
    pub(crate) fn now(&self) -> SystemTime {
        shift(SystemTime::now(), self.offset_secs.load(Ordering::Relaxed))
    }

    /// The current offset in seconds.
    pub(crate) fn offset_secs(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    /// Sets the offset from a response's `Date` header, read at local time `local_now`.
    /// Returns the new offset, or `None` when there is no usable `Date`.
    pub(crate) fn correct_from(&self, headers: &HeaderMap, local_now: SystemTime) -> Option<i64> {
        let date = headers.get(DATE)?.to_str().ok()?;
        let server = httpdate::parse_http_date(date).ok()?;
        let offset = signed_secs(server) - signed_secs(local_now);
        self.offset_secs.store(offset, Ordering::Relaxed);
        Some(offset)
    }
}

/// `t` moved by `secs` seconds (unchanged if that is out of `SystemTime`'s range).
fn shift(t: SystemTime, secs: i64) -> SystemTime {
    let by = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 {
        t.checked_add(by).unwrap_or(t)
    } else {
        t.checked_sub(by).unwrap_or(t)
    }
}

/// Seconds since the Unix epoch, negative before it.
fn signed_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// The `(sign time, key time)` of a signature made at `now` (service time): the sign time
/// opens at `now` and lasts an hour; the key time opens at the start of the current
/// [`KEY_WINDOW`] and closes no sooner than the sign time, so it stays the same (and its key
/// cached) across the window, yet never closes within an hour of a signature.
pub(crate) fn key_times(now: SystemTime) -> (KeyTime, KeyTime) {
    let sign = KeyTime::starting_at(now, Duration::from_secs(SIGN_VALIDITY));
    let window_start = sign.start() - sign.start() % KEY_WINDOW;
    let key = KeyTime::new(
        window_start,
        window_start.saturating_add(KEY_WINDOW + SIGN_VALIDITY),
    )
    .unwrap_or(sign);
    (sign, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn key_time_is_stable_within_a_window_and_covers_the_signature() {
        let base = UNIX_EPOCH + Duration::from_secs(1_700_000_100);
        let (s1, k1) = key_times(base);
        let (s2, k2) = key_times(base + Duration::from_secs(60));
        assert_eq!(k1, k2);
        assert_ne!(s1, s2);
        for secs in (0..3 * KEY_WINDOW).step_by(37) {
            let (sign, key) = key_times(base + Duration::from_secs(secs));
            assert!(key.start() <= sign.start(), "{key} {sign}");
            assert!(key.end() >= sign.end(), "{key} {sign}");
            assert_eq!(sign.end() - sign.start(), SIGN_VALIDITY);
            assert!(sign.start() - key.start() < KEY_WINDOW);
        }
    }

    #[test]
    fn offset_follows_the_date_header() {
        let clock = Clock::default();
        let local = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let server = local - Duration::from_secs(7200);
        let mut headers = HeaderMap::new();
        headers.insert(
            DATE,
            HeaderValue::from_str(&httpdate::fmt_http_date(server)).unwrap(),
        );
        assert_eq!(clock.correct_from(&headers, local), Some(-7200));
        assert_eq!(clock.offset_secs(), -7200);
        let now = clock.now();
        let diff = signed_secs(SystemTime::now()) - signed_secs(now);
        assert!((7199..=7201).contains(&diff), "{diff}");

        headers.insert(DATE, HeaderValue::from_static("yesterday"));
        assert_eq!(clock.correct_from(&headers, local), None);
        assert_eq!(clock.correct_from(&HeaderMap::new(), local), None);
        assert_eq!(clock.offset_secs(), -7200);
    }

    #[test]
    fn shifting_both_ways() {
        let t = UNIX_EPOCH + Duration::from_secs(100);
        assert_eq!(shift(t, -10), UNIX_EPOCH + Duration::from_secs(90));
        assert_eq!(shift(t, 10), UNIX_EPOCH + Duration::from_secs(110));
        assert_eq!(signed_secs(UNIX_EPOCH - Duration::from_secs(5)), -5);
    }
}
