//! `Range: bytes=...` of GET Object: one range (several, or a malformed header, are ignored as
//! RFC 9110 allows, and the whole object is sent).

use std::fmt;

/// One byte range of a `Range` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ByteRange {
    /// `bytes=first-last` (both included).
    FromTo(u64, u64),
    /// `bytes=first-`.
    From(u64),
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

/// A range that selects no byte of the object (416 `InvalidRange`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeNotSatisfiable;

impl fmt::Display for RangeNotSatisfiable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("The requested range is not satisfiable")
    }
}

impl std::error::Error for RangeNotSatisfiable {}

impl ByteRange {
    /// Reads a `Range` header; `None` for anything but one well-formed byte range.
    ///
    /// ```
    /// use cos_batch_proto::object::ByteRange;
    /// assert_eq!(ByteRange::parse("bytes=0-9"), Some(ByteRange::FromTo(0, 9)));
    /// assert_eq!(ByteRange::parse("bytes=-5"), Some(ByteRange::Suffix(5)));
    /// assert_eq!(ByteRange::parse("bytes=0-1,4-5"), None);
    /// assert_eq!(ByteRange::parse("bytes=9-1"), None);
    /// ```
    pub fn parse(header: &str) -> Option<Self> {
        let spec = header.trim().strip_prefix("bytes=")?.trim();
        let (first, last) = spec.split_once('-')?;
        let number = |s: &str| -> Option<u64> {
            let s = s.trim();
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        match (first.trim().is_empty(), last.trim().is_empty()) {
            (true, false) => Some(Self::Suffix(number(last)?)),
            (false, true) => Some(Self::From(number(first)?)),
            (false, false) => {
                let (a, b) = (number(first)?, number(last)?);
                (a <= b).then_some(Self::FromTo(a, b))
            }
            (true, true) => None,
        }
    }

    /// The header value, `bytes=...`.
    pub fn to_header(&self) -> String {
        match self {
            Self::FromTo(a, b) => format!("bytes={a}-{b}"),
            Self::From(a) => format!("bytes={a}-"),
            Self::Suffix(n) => format!("bytes=-{n}"),
        }
    }

    /// The first and last byte (included) of an object of `size` bytes.
    ///
    /// ```
    /// use cos_batch_proto::object::ByteRange;
    /// assert_eq!(ByteRange::FromTo(2, 100).resolve(10), Ok((2, 9)));
    /// assert_eq!(ByteRange::Suffix(3).resolve(10), Ok((7, 9)));
    /// assert!(ByteRange::From(10).resolve(10).is_err());
    /// ```
    pub fn resolve(&self, size: u64) -> Result<(u64, u64), RangeNotSatisfiable> {
        let last = size.checked_sub(1).ok_or(RangeNotSatisfiable)?;
        match *self {
            Self::FromTo(a, b) if a <= last => Ok((a, b.min(last))),
            Self::From(a) if a <= last => Ok((a, last)),
            Self::Suffix(n) if n > 0 => Ok((size.saturating_sub(n), last)),
            _ => Err(RangeNotSatisfiable),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parse_reads_what_to_header_writes(a in 0u64..1 << 40, n in 0u64..1 << 40) {
            for r in [ByteRange::FromTo(a, a + n), ByteRange::From(a), ByteRange::Suffix(n)] {
                prop_assert_eq!(ByteRange::parse(&r.to_header()), Some(r));
            }
        }

        #[test]
        fn resolved_ranges_stay_inside(header in "\\PC{0,24}", size in 0u64..1000) {
            if let Some(r) = ByteRange::parse(&header)
                && let Ok((a, b)) = r.resolve(size)
            {
                prop_assert!(a <= b && b < size);
            }
        }
    }

    #[test]
    fn malformed_ranges_are_ignored() {
        for h in [
            "",
            "bytes=",
            "bytes=-",
            "items=0-1",
            "bytes=a-1",
            "bytes=1-2,3-4",
            "bytes=+1-2",
        ] {
            assert_eq!(ByteRange::parse(h), None, "{h}");
        }
        assert_eq!(ByteRange::Suffix(0).resolve(5), Err(RangeNotSatisfiable));
        assert_eq!(ByteRange::From(0).resolve(0), Err(RangeNotSatisfiable));
    }
}
