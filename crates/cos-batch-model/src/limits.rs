//! Bounds on the work a decoder does for one document.

/// Bounds on the work of decoding one document; exceeding any is a typed
/// [`DecodeError`](crate::DecodeError).
///
/// The defaults (8 MiB, depth 32, 10 000 items per list) comfortably accept a
/// 1000-member `ListJobsResult` (about 480 KB) and the deepest documents of the API (depth 7).
///
/// ```
/// let mut limits = cos_batch_model::Limits::default();
/// limits.max_bytes = 64 * 1024;
/// assert_eq!(limits.with_max_depth(16).max_depth, 16);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest document accepted, in bytes ([`DecodeErrorKind::TooLarge`](crate::DecodeErrorKind::TooLarge)).
    pub max_bytes: usize,
    /// Deepest element nesting accepted, the root counting as 1
    /// ([`DecodeErrorKind::TooDeep`](crate::DecodeErrorKind::TooDeep)).
    pub max_depth: usize,
    /// Most items in any one list, e.g. `Jobs>member` or `AccessControlGrants>COSGrant`
    /// ([`DecodeErrorKind::TooManyItems`](crate::DecodeErrorKind::TooManyItems)).
    pub max_list_len: usize,
}

impl Limits {
    /// Default for [`Limits::max_bytes`]: 8 MiB.
    pub const DEFAULT_MAX_BYTES: usize = 8 * 1024 * 1024;
    /// Default for [`Limits::max_depth`]: 32.
    pub const DEFAULT_MAX_DEPTH: usize = 32;
    /// Default for [`Limits::max_list_len`]: 10 000.
    pub const DEFAULT_MAX_LIST_LEN: usize = 10_000;

    /// The default limits.
    pub const fn new() -> Self {
        Self {
            max_bytes: Self::DEFAULT_MAX_BYTES,
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_list_len: Self::DEFAULT_MAX_LIST_LEN,
        }
    }

    /// These limits with `max_bytes` replaced.
    pub const fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// These limits with `max_depth` replaced.
    pub const fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// These limits with `max_list_len` replaced.
    pub const fn with_max_list_len(mut self, max_list_len: usize) -> Self {
        self.max_list_len = max_list_len;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::new()
    }
}
