//! `KeyTime`: the `start;end` validity window of a key or a signature, in Unix seconds.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A validity window `start;end` in Unix seconds, as in `q-key-time` and `q-sign-time`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use cos_sign::KeyTime;
///
/// let start = UNIX_EPOCH + Duration::from_secs(1557989151);
/// let kt = KeyTime::starting_at(start, Duration::from_secs(7200));
/// assert_eq!(kt.to_string(), "1557989151;1557996351");
/// assert_eq!("1557989151;1557996351".parse::<KeyTime>().unwrap(), kt);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyTime {
    start: u64,
    end: u64,
}

/// Why a text or a pair of numbers is not a [`KeyTime`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyTimeError {
    /// The text is not two decimal numbers joined by `;`.
    Syntax,
    /// The window ends before it starts.
    EndBeforeStart {
        /// The start, in Unix seconds.
        start: u64,
        /// The end, in Unix seconds.
        end: u64,
    },
}

impl fmt::Display for KeyTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax => f.write_str("a key time is two Unix times in seconds, `start;end`"),
            Self::EndBeforeStart { start, end } => {
                write!(f, "key time ends ({end}) before it starts ({start})")
            }
        }
    }
}

impl std::error::Error for KeyTimeError {}

impl KeyTime {
    /// A window from `start` to `end`, in Unix seconds; `end` may equal `start`.
    pub fn new(start: u64, end: u64) -> Result<Self, KeyTimeError> {
        if end < start {
            return Err(KeyTimeError::EndBeforeStart { start, end });
        }
        Ok(Self { start, end })
    }

    /// A window that opens at `start` (rounded down to the second; a time before 1970 counts as
    /// 0) and lasts `validity` (rounded down to the second, saturating).
    pub fn starting_at(start: SystemTime, validity: Duration) -> Self {
        let start = unix_seconds(start);
        Self {
            start,
            end: start.saturating_add(validity.as_secs()),
        }
    }

    /// A window that opens now and lasts `validity`. The one place this crate reads the clock.
    pub fn now(validity: Duration) -> Self {
        Self::starting_at(SystemTime::now(), validity)
    }

    /// The first second of the window.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// The last second of the window.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// `start;end`, its digits written by `itoa` (cheaper than the formatting machinery).
    pub(crate) fn text(&self) -> String {
        let mut digits = itoa::Buffer::new();
        let mut text = String::with_capacity(41);
        text.push_str(digits.format(self.start));
        text.push(';');
        text.push_str(digits.format(self.end));
        text
    }
}

/// Seconds since the Unix epoch; 0 for earlier times.
pub(crate) fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl fmt::Display for KeyTime {
    /// `start;end`, the form of `q-key-time` and `q-sign-time`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl FromStr for KeyTime {
    type Err = KeyTimeError;

    /// Parses `start;end`: two runs of ASCII digits, nothing else.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (start, end) = s.split_once(';').ok_or(KeyTimeError::Syntax)?;
        let number = |s: &str| match s.bytes().all(|b| b.is_ascii_digit()) {
            true => s.parse().map_err(|_| KeyTimeError::Syntax),
            false => Err(KeyTimeError::Syntax),
        };
        Self::new(number(start)?, number(end)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rejects_malformed_text() {
        for bad in [
            "",
            ";",
            "1;",
            ";1",
            "1",
            "a;b",
            "+1;2",
            "1;2;3",
            " 1;2",
            "2;1",
            "99999999999999999999;1",
        ] {
            assert!(bad.parse::<KeyTime>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn saturates_instead_of_overflowing() {
        let kt = KeyTime::starting_at(
            UNIX_EPOCH + Duration::from_secs(u64::MAX / 2),
            Duration::MAX,
        );
        assert_eq!(kt.end(), u64::MAX);
        let before_epoch = UNIX_EPOCH - Duration::from_secs(10);
        assert_eq!(
            KeyTime::starting_at(before_epoch, Duration::from_secs(5)).start(),
            0
        );
    }

    proptest! {
        #[test]
        fn text_round_trips(start in any::<u64>(), len in any::<u64>()) {
            let kt = KeyTime::new(start, start.saturating_add(len)).unwrap();
            prop_assert_eq!(kt.to_string(), format!("{start};{}", kt.end()));
            prop_assert_eq!(kt.to_string().parse::<KeyTime>().unwrap(), kt);
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(s in "\\PC{0,40}") {
            let _ = s.parse::<KeyTime>();
        }
    }
}
