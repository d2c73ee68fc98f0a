//! `ContentMd5`: the MD5 of a body computed piece by piece, for a PUT Object whose body is
//! not in memory (a file read in chunks): [`BucketEndpoint::put_object_head`] takes its
//! result.
//!
//! [`BucketEndpoint::put_object_head`]: super::BucketEndpoint::put_object_head

use md5::{Digest, Md5};

/// The MD5 of a body, fed in pieces.
///
/// ```
/// use cos_batch_proto::object::ContentMd5;
/// let mut md5 = ContentMd5::new();
/// md5.update(b"hel");
/// md5.update(b"lo");
/// assert_eq!(md5.len(), 5);
/// // The MD5 of `hello`.
/// assert_eq!(md5.finish()[..4], [0x5d, 0x41, 0x40, 0x2a]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ContentMd5 {
    md5: Md5,
    len: u64,
}

impl ContentMd5 {
    /// Nothing fed yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next piece of the body.
    pub fn update(&mut self, piece: &[u8]) {
        self.md5.update(piece);
        self.len = self.len.saturating_add(piece.len() as u64);
    }

    /// How many bytes were fed.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was fed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The digest of what was fed.
    pub fn finish(self) -> [u8; 16] {
        self.md5.finalize().into()
    }
}
