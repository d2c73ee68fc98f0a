//! SHA-1 and HMAC-SHA1 as the signature uses them: lower-case hex out, no allocation.

use hmac::{Hmac, KeyInit};
use sha1::{Digest, Sha1};

use crate::encoding::Sink;

/// The SHA-1 block size, which is also the HMAC key block.
const BLOCK: usize = 64;

pub(crate) type HmacSha1 = Hmac<Sha1>;

/// A SHA-1 that canonical bytes stream into.
pub(crate) struct Sha1Sink(Sha1);

impl Sha1Sink {
    pub(crate) fn new() -> Self {
        Self(Sha1::new())
    }

    pub(crate) fn finish_hex(self) -> [u8; 40] {
        hex40(&self.0.finalize())
    }
}

impl Sink for Sha1Sink {
    fn put(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// An HMAC-SHA1 keyed with `key`, of any length. RFC 2104: a key longer than a block is hashed
/// first, then the key is zero-padded to the block; done here so that keying cannot fail.
pub(crate) fn hmac_sha1(key: &[u8]) -> HmacSha1 {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        let hashed = Sha1::digest(key);
        for (dst, src) in block.iter_mut().zip(hashed.iter()) {
            *dst = *src;
        }
    } else {
        for (dst, src) in block.iter_mut().zip(key) {
            *dst = *src;
        }
    }
    HmacSha1::new(&block.into())
}

/// Lower-case hex of a 20-byte digest.
pub(crate) fn hex40(digest: &[u8]) -> [u8; 40] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 40];
    for (pair, byte) in out.chunks_exact_mut(2).zip(digest) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0x0f)];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::Mac;

    fn hmac_hex(key: &[u8], msg: &[u8]) -> String {
        let mut mac = hmac_sha1(key);
        mac.update(msg);
        String::from_utf8(hex40(&mac.finalize().into_bytes()).to_vec()).unwrap()
    }

    #[test]
    fn hmac_matches_rfc_2202() {
        // RFC 2202 test cases 2 (short key) and 6 (key longer than a block).
        assert_eq!(
            hmac_hex(b"Jefe", b"what do ya want for nothing?"),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        assert_eq!(
            hmac_hex(
                &[0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112"
        );
    }

    #[test]
    fn sha1_hex_of_abc() {
        let mut s = Sha1Sink::new();
        s.put(b"abc");
        assert_eq!(&s.finish_hex(), b"a9993e364706816aba3e25717850c26c9cd0d89d");
    }
}
