//! `SigningKey`: the HMAC key derived from a secret key and a key time, reusable across requests.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use crate::{KeyTime, SecretKey};

/// `SignKey = hex(HMAC-SHA1(SecretKey, KeyTime))`, derived once per key time. Its `Debug` shows
/// the key time only; the key is overwritten with zeros when it is dropped.
///
/// ```
/// use cos_sign::{KeyTime, SecretKey, SigningKey};
/// let key = SigningKey::derive(
///     &SecretKey::new("BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"),
///     "1557989151;1557996351".parse().unwrap(),
/// );
/// assert_eq!(key.expose_hex(), "eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f");
/// ```
#[derive(Clone)]
pub struct SigningKey {
    key_time: KeyTime,
    /// `key_time` as text: `start;end`.
    key_time_text: String,
    hex: Zeroizing<[u8; 40]>,
    /// Keyed with `hex`, after `sha1\n{key_time}\n`: each signature clones it. It wipes itself
    /// (the `zeroize` feature of `hmac` and `sha1`).
    string_to_sign: Hmac<Sha1>,
}

impl SigningKey {
    /// Derives the key for `key_time`.
    pub fn derive(secret: &SecretKey, key_time: KeyTime) -> Self {
        let key_time_text = key_time.text();
        let mac = hmac(secret.expose().as_bytes()).chain_update(&key_time_text);
        let hex = hex(&mac.finalize().into_bytes());
        let string_to_sign = hmac(&hex).chain_update(format!("sha1\n{key_time_text}\n"));
        Self {
            key_time,
            key_time_text,
            hex: Zeroizing::new(hex),
            string_to_sign,
        }
    }

    /// The key time this key was derived for.
    pub fn key_time(&self) -> KeyTime {
        self.key_time
    }

    /// The key time as `start;end`.
    pub(crate) fn key_time_text(&self) -> &str {
        &self.key_time_text
    }

    /// The `SignKey` in lower-case hex: a secret, named so that every use is easy to find.
    pub fn expose_hex(&self) -> &str {
        // Always ASCII hex; the fallback keeps this panic-free.
        std::str::from_utf8(&*self.hex).unwrap_or_default()
    }

    /// The signature of an `HttpString`: `hex(HMAC-SHA1(SignKey, StringToSign))`, where
    /// `StringToSign = sha1\n{key_time}\n{hex(SHA1(HttpString))}\n`.
    pub(crate) fn sign(&self, http_string: &[u8]) -> [u8; 40] {
        let mut mac = self.string_to_sign.clone();
        mac.update(&sha1_hex(http_string));
        mac.update(b"\n");
        hex(&mac.finalize().into_bytes())
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_time", &self.key_time)
            .finish_non_exhaustive()
    }
}

/// HMAC-SHA1 keyed with `key` (HMAC takes a key of any length: the error branch is never taken).
fn hmac(key: &[u8]) -> Hmac<Sha1> {
    Hmac::new_from_slice(key).unwrap_or_else(|_| Hmac::new(&Default::default()))
}

/// The SHA-1 of `bytes`, in lower-case hex.
pub(crate) fn sha1_hex(bytes: &[u8]) -> [u8; 40] {
    hex(&Sha1::digest(bytes))
}

/// Lower-case hex of a 20-byte digest.
fn hex(digest: &[u8]) -> [u8; 40] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0; 40];
    for (pair, byte) in out.chunks_exact_mut(2).zip(digest) {
        pair.copy_from_slice(&[
            DIGITS[usize::from(byte >> 4)],
            DIGITS[usize::from(byte & 0x0f)],
        ]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_string_to_sign_of_every_key_time_length() {
        let http_string = b"get\n/\n\nhost=h\n";
        for kt in [
            KeyTime::new(0, 0).unwrap(),
            KeyTime::new(1557989151, 1557996351).unwrap(),
            KeyTime::new(u64::MAX - 1, u64::MAX).unwrap(),
        ] {
            let key = SigningKey::derive(&SecretKey::new("s"), kt);
            let sha1 = ::hex::encode(Sha1::digest(http_string));
            let mut mac = Hmac::<Sha1>::new_from_slice(key.expose_hex().as_bytes()).unwrap();
            mac.update(format!("sha1\n{kt}\n{sha1}\n").as_bytes());
            let expected = ::hex::encode(mac.finalize().into_bytes());
            assert_eq!(key.sign(http_string).to_vec(), expected.into_bytes());
        }
    }

    #[test]
    fn hex_of_every_byte() {
        let bytes: Vec<u8> = (0..=255).collect();
        for chunk in bytes.chunks(20) {
            let mut digest = [0u8; 20];
            digest[..chunk.len()].copy_from_slice(chunk);
            assert_eq!(hex(&digest).to_vec(), ::hex::encode(digest).into_bytes());
        }
    }

    #[test]
    fn debug_does_not_show_the_key() {
        let key = SigningKey::derive(&SecretKey::new("s"), KeyTime::new(1, 2).unwrap());
        let shown = format!("{key:?}");
        assert!(!shown.contains(key.expose_hex()), "{shown}");
        assert!(shown.contains("key_time"));
    }
}
