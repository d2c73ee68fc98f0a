//! SHA-1 and HMAC-SHA1 as the signature uses them: lower-case hex out, no allocation.
//!
//! The compression function is the `sha1` crate's. What is here is the message padding
//! (FIPS 180-4, 5.1.1) and the HMAC construction (RFC 2104) around it, so that a signature
//! costs its compressions and little else: an HMAC key is kept as the two states its padded
//! key blocks lead to, and a message is padded in one buffer on the stack. The streaming
//! wrappers of the `digest` crates cost about as much again in buffering and copies; the
//! tests check every function here against the `sha1` and `hmac` crates.

use sha1::block_api::compress;

/// The SHA-1 block size, which is also the HMAC key block.
const BLOCK: usize = 64;

/// The SHA-1 initial hash value (FIPS 180-4, 5.3.1).
const H0: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// A SHA-1 state part-way through a message: the chaining value after `absorbed` bytes
/// (a whole number of blocks).
#[derive(Clone, Copy)]
struct Partial {
    state: [u32; 5],
    absorbed: u64,
}

impl Partial {
    const START: Self = Self {
        state: H0,
        absorbed: 0,
    };

    /// The state after one more block.
    fn then(mut self, block: &[u8; BLOCK]) -> Self {
        compress(&mut self.state, std::slice::from_ref(block));
        self.absorbed += BLOCK as u64;
        self
    }

    /// The digest of the message this state began, followed by `rest`.
    fn finish(mut self, rest: &[u8]) -> [u8; 20] {
        let (blocks, tail) = rest.as_chunks::<BLOCK>();
        if !blocks.is_empty() {
            compress(&mut self.state, blocks);
        }
        // The tail (under a block), 0x80, zeros, and the message length in bits at the end of
        // the first block that has room for it.
        let mut last = [[0u8; BLOCK]; 2];
        let used = if tail.len() < BLOCK - 8 { 1 } else { 2 };
        let flat = last.as_flattened_mut();
        flat[..tail.len()].copy_from_slice(tail);
        flat[tail.len()] = 0x80;
        let bits = (self.absorbed + rest.len() as u64).wrapping_mul(8);
        flat[used * BLOCK - 8..used * BLOCK].copy_from_slice(&bits.to_be_bytes());
        compress(&mut self.state, &last[..used]);
        let mut out = [0u8; 20];
        for (dst, word) in out.chunks_exact_mut(4).zip(self.state) {
            dst.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

/// The SHA-1 of `message`.
pub(crate) fn sha1(message: &[u8]) -> [u8; 20] {
    Partial::START.finish(message)
}

/// The SHA-1 of `message`, in lower-case hex.
pub(crate) fn sha1_hex(message: &[u8]) -> [u8; 40] {
    hex40(&sha1(message))
}

/// An HMAC-SHA1 key, ready for many messages: the states after the inner and the outer padded
/// key blocks.
#[derive(Clone, Copy)]
pub(crate) struct HmacKey {
    inner: Partial,
    outer: Partial,
}

impl HmacKey {
    /// A key of any length. RFC 2104: a key longer than a block is hashed first, then the key
    /// is zero-padded to the block.
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut block = [0u8; BLOCK];
        let hashed;
        let key = if key.len() > BLOCK {
            hashed = sha1(key);
            &hashed[..]
        } else {
            key
        };
        for (dst, src) in block.iter_mut().zip(key) {
            *dst = *src;
        }
        let padded = |pad: u8| block.map(|b| b ^ pad);
        Self {
            inner: Partial::START.then(&padded(0x36)),
            outer: Partial::START.then(&padded(0x5c)),
        }
    }

    /// HMAC-SHA1 of `message`.
    pub(crate) fn mac(&self, message: &[u8]) -> [u8; 20] {
        self.outer.finish(&self.inner.finish(message))
    }
}

/// The two lower-case hex digits of every byte.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut pairs = [[0; 2]; 256];
    let mut b = 0;
    while b < 256 {
        pairs[b] = [HEX[b >> 4], HEX[b & 0x0f]];
        b += 1;
    }
    pairs
};

/// Lower-case hex of a 20-byte digest.
pub(crate) fn hex40(digest: &[u8; 20]) -> [u8; 40] {
    let mut out = [0u8; 40];
    for (pair, byte) in out.chunks_exact_mut(2).zip(digest) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(*byte)]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{KeyInit, Mac};
    use proptest::prelude::*;
    use sha1::Digest;

    fn hmac_hex(key: &[u8], msg: &[u8]) -> String {
        String::from_utf8(hex40(&HmacKey::new(key).mac(msg)).to_vec()).unwrap()
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
    fn sha1_of_the_fips_examples() {
        assert_eq!(
            &sha1_hex(b"abc"),
            b"a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            &sha1_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            b"84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        assert_eq!(&sha1_hex(b""), b"da39a3ee5e6b4b0d3255bfef95601890afd80709");
    }

    #[test]
    fn sha1_of_every_length_around_the_padding_edges() {
        let message: Vec<u8> = (0..=255).cycle().take(3 * BLOCK + 1).collect();
        for len in 0..=message.len() {
            let m = &message[..len];
            assert_eq!(
                sha1(m).to_vec(),
                sha1::Sha1::digest(m).to_vec(),
                "length {len}"
            );
        }
    }

    #[test]
    fn hex_of_every_byte() {
        let bytes: Vec<u8> = (0..=255).collect();
        for chunk in bytes.chunks(20) {
            let mut digest = [0u8; 20];
            digest[..chunk.len()].copy_from_slice(chunk);
            assert_eq!(hex40(&digest).to_vec(), hex::encode(digest).into_bytes());
        }
    }

    proptest! {
        #[test]
        fn hmac_matches_the_hmac_crate(
            key in proptest::collection::vec(any::<u8>(), 0..150),
            message in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
            mac.update(&message);
            prop_assert_eq!(
                HmacKey::new(&key).mac(&message).to_vec(),
                mac.finalize().into_bytes().to_vec()
            );
        }
    }
}
