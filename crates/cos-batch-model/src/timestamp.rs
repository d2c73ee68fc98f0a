//! Timestamps as they appear on the wire: ISO 8601 text or epoch seconds.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A point in time with the exact text it had on the wire, so re-encoding is byte-identical.
///
/// Parses ISO 8601 / RFC 3339 (`2019-12-19T11:05:40Z`, with fractional seconds or an offset such
/// as `+08:00`) and, as the copy constraints `ModifiedSinceConstraint` and
/// `UnModifiedSinceConstraint` allow, epoch seconds (`1576753540`). Equality compares the wire
/// text (two texts for the same instant are different values); compare
/// [`Timestamp::unix_seconds`] or [`Timestamp::to_system_time`] for instants.
///
/// Build response times with [`Timestamp::from_system_time`] / [`Timestamp::from_unix_seconds`]
/// (ISO 8601, `Z`) and copy constraints with [`Timestamp::epoch_seconds`] (epoch seconds, as the
/// Go SDK sends them).
///
/// ```
/// use cos_batch_model::Timestamp;
/// let t: Timestamp = "2019-12-19T11:05:40Z".parse()?;
/// assert_eq!(t.unix_seconds(), 1_576_753_540);
/// assert_eq!(Timestamp::from_unix_seconds(1_576_753_540)?, t);
/// assert_eq!(Timestamp::epoch_seconds(1_576_753_540)?.as_str(), "1576753540");
/// # Ok::<(), cos_batch_model::TimestampError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    text: String,
    at: OffsetDateTime,
}

/// A text is not a timestamp this crate understands, or an instant is out of range
/// (years 0000 to 9999).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError {
    text: String,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not an ISO 8601 timestamp or epoch seconds in years 0000-9999",
            self.text
        )
    }
}

impl std::error::Error for TimestampError {}

impl TimestampError {
    fn new(text: &str) -> Self {
        Self {
            text: crate::error::truncate_value(text),
        }
    }
}

impl Timestamp {
    /// Parses ISO 8601 (RFC 3339 profile) or epoch seconds (`-?[0-9]{1,12}`), keeping `text`.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let at = if !digits.is_empty()
            && digits.len() <= 12
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            let secs: i64 = text.parse().map_err(|_| TimestampError::new(text))?;
            OffsetDateTime::from_unix_timestamp(secs).map_err(|_| TimestampError::new(text))?
        } else if let Some(at) = parse_utc_seconds(text) {
            at
        } else {
            let at =
                OffsetDateTime::parse(text, &Rfc3339).map_err(|_| TimestampError::new(text))?;
            // Keep only instants that convert back to Unix time and `SystemTime` in range.
            if !(0..=9999).contains(&at.to_offset(time::UtcOffset::UTC).year()) {
                return Err(TimestampError::new(text));
            }
            at
        };
        Ok(Self {
            text: text.to_owned(),
            at,
        })
    }

    /// The instant `t` as ISO 8601 in UTC (`2019-12-19T11:05:40Z`, fractional seconds only when non-zero).
    pub fn from_system_time(t: SystemTime) -> Result<Self, TimestampError> {
        let nanos: i128 = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => i128::try_from(d.as_nanos()).unwrap_or(i128::MAX),
            Err(e) => -i128::try_from(e.duration().as_nanos()).unwrap_or(i128::MAX),
        };
        let at = OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .map_err(|_| TimestampError::new("<SystemTime out of range>"))?;
        Self::from_offset_date_time(at)
    }

    /// `secs` seconds after the Unix epoch as ISO 8601 in UTC (`2019-12-19T11:05:40Z`).
    pub fn from_unix_seconds(secs: i64) -> Result<Self, TimestampError> {
        let at = OffsetDateTime::from_unix_timestamp(secs)
            .map_err(|_| TimestampError::new(&secs.to_string()))?;
        Self::from_offset_date_time(at)
    }

    /// `secs` seconds after the Unix epoch written as epoch seconds (`1576753540`), the form the
    /// Go SDK sends for the copy constraints.
    pub fn epoch_seconds(secs: i64) -> Result<Self, TimestampError> {
        Self::parse(&secs.to_string())
    }

    fn from_offset_date_time(at: OffsetDateTime) -> Result<Self, TimestampError> {
        let text = at
            .format(&Rfc3339)
            .map_err(|_| TimestampError::new(&at.unix_timestamp().to_string()))?;
        Self::parse(&text)
    }

    /// The wire text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the wire text is epoch seconds rather than ISO 8601.
    pub fn is_epoch_seconds(&self) -> bool {
        !self.text.contains(['T', 't'])
    }

    /// Whole seconds since the Unix epoch (negative before it).
    pub fn unix_seconds(&self) -> i64 {
        self.at.unix_timestamp()
    }

    /// The instant as a `SystemTime`.
    pub fn to_system_time(&self) -> SystemTime {
        let nanos = self.at.unix_timestamp_nanos();
        let magnitude = nanos.unsigned_abs();
        let secs = u64::try_from(magnitude / 1_000_000_000).unwrap_or(u64::MAX);
        let sub = u32::try_from(magnitude % 1_000_000_000).unwrap_or(0);
        let d = Duration::new(secs, sub);
        // Years 0000-9999 are within `SystemTime` on every supported platform.
        let t = if nanos >= 0 {
            UNIX_EPOCH.checked_add(d)
        } else {
            UNIX_EPOCH.checked_sub(d)
        };
        t.unwrap_or(UNIX_EPOCH)
    }
}

/// Fast path for the vendor's usual form `YYYY-MM-DDTHH:MM:SSZ`; `None` sends any other text
/// (and invalid dates) to the general RFC 3339 parser.
fn parse_utc_seconds(text: &str) -> Option<OffsetDateTime> {
    let b = text.as_bytes();
    if b.len() != 20
        || b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || b.get(10) != Some(&b'T')
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
        || b.get(19) != Some(&b'Z')
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u16> {
        b.get(from..to)?.iter().try_fold(0u16, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u16::from(d - b'0'))
        })
    };
    let year = i32::from(num(0, 4)?);
    let month = time::Month::try_from(u8::try_from(num(5, 7)?).ok()?).ok()?;
    let day = u8::try_from(num(8, 10)?).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(num(11, 13)?).ok()?,
        u8::try_from(num(14, 16)?).ok()?,
        u8::try_from(num(17, 19)?).ok()?,
    )
    .ok()?;
    Some(time::PrimitiveDateTime::new(date, clock).assume_utc())
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_vendor_form() {
        let t = Timestamp::parse("2019-12-19T11:05:40Z").unwrap();
        assert_eq!(t.unix_seconds(), 1_576_753_540);
        assert_eq!(t.as_str(), "2019-12-19T11:05:40Z");
        assert!(!t.is_epoch_seconds());
        assert_eq!(
            t.to_system_time(),
            UNIX_EPOCH + Duration::from_secs(1_576_753_540)
        );
    }

    #[test]
    fn parses_fractions_and_offsets() {
        let t = Timestamp::parse("2019-12-19T19:05:40.250+08:00").unwrap();
        assert_eq!(t.unix_seconds(), 1_576_753_540);
        assert_eq!(
            t.to_system_time(),
            UNIX_EPOCH + Duration::from_millis(1_576_753_540_250)
        );
    }

    #[test]
    fn parses_epoch_seconds() {
        let t = Timestamp::parse("1576753540").unwrap();
        assert!(t.is_epoch_seconds());
        assert_eq!(t.unix_seconds(), 1_576_753_540);
        assert_eq!(Timestamp::parse("-1").unwrap().unix_seconds(), -1);
    }

    #[test]
    fn fast_path_agrees_with_rfc3339() {
        for text in [
            "2019-12-19T11:05:40Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2020-02-29T12:00:00Z",
        ] {
            let fast = parse_utc_seconds(text).unwrap();
            assert_eq!(
                fast,
                OffsetDateTime::parse(text, &Rfc3339).unwrap(),
                "{text}"
            );
        }
        for text in [
            "2019-02-29T00:00:00Z",
            "2019-12-19T24:00:00Z",
            "2019-12-19T11:05:40z",
        ] {
            assert!(parse_utc_seconds(text).is_none(), "{text}");
        }
    }

    #[test]
    fn rejects_other_text() {
        for bad in [
            "",
            "timestamp",
            "2019-12-19",
            "2019-13-19T11:05:40Z",
            "-",
            "9999999999999999999",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn constructors_encode_as_documented() {
        let t = Timestamp::from_unix_seconds(1_576_753_540).unwrap();
        assert_eq!(t.as_str(), "2019-12-19T11:05:40Z");
        let t = Timestamp::from_system_time(UNIX_EPOCH + Duration::from_millis(1_576_753_540_500))
            .unwrap();
        assert_eq!(t.as_str(), "2019-12-19T11:05:40.5Z");
        assert_eq!(
            Timestamp::epoch_seconds(1_576_753_540).unwrap().as_str(),
            "1576753540"
        );
        let before = UNIX_EPOCH - Duration::from_secs(86_400);
        assert_eq!(
            Timestamp::from_system_time(before).unwrap().as_str(),
            "1969-12-31T00:00:00Z"
        );
        assert_eq!(
            Timestamp::from_system_time(before)
                .unwrap()
                .to_system_time(),
            before
        );
    }
}
