//! `SigningKey`: the HMAC key derived from a secret key and a key time, reusable across requests.

use std::fmt;

use crate::digest::{HmacKey, hex40};
use crate::{KeyTime, SecretKey};

/// `SignKey = hex(HMAC-SHA1(SecretKey, KeyTime))`, derived once and reused for every request
/// signed within the same key time. It holds the HMAC already keyed with it and the
/// `StringToSign`'s fixed prefix (`sha1\n{key_time}\n`), so each signature costs one HMAC of
/// a short message and no key set-up.
///
/// A derived secret: its `Debug` prints the key time only.
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
    hex: [u8; 40],
    mac: HmacKey,
    /// `sha1\n{key_time}\n`, then room for the SHA-1 of an `HttpString` and its `\n`.
    string_to_sign: [u8; STRING_TO_SIGN],
    /// The length of the prefix in `string_to_sign`.
    prefix_len: usize,
}

/// The longest `StringToSign`: `sha1\n`, a key time of two 20-digit numbers, `\n`, 40 hex
/// digits, `\n`.
const STRING_TO_SIGN: usize = SHA1_LINE.len() + 41 + 1 + 40 + 1;

/// The first line of a `StringToSign`.
const SHA1_LINE: &[u8] = b"sha1\n";

impl SigningKey {
    /// Derives the key for `key_time`.
    pub fn derive(secret: &SecretKey, key_time: KeyTime) -> Self {
        let mut key_time_text = String::with_capacity(41);
        key_time.write_to(&mut key_time_text);
        let hex = hex40(&HmacKey::new(secret.expose().as_bytes()).mac(key_time_text.as_bytes()));
        let mut string_to_sign = [0; STRING_TO_SIGN];
        let mut prefix_len = 0;
        for piece in [SHA1_LINE, key_time_text.as_bytes(), b"\n"] {
            // A key time is at most 41 bytes long, so the prefix always fits.
            if let Some(dst) = string_to_sign.get_mut(prefix_len..prefix_len + piece.len()) {
                dst.copy_from_slice(piece);
                prefix_len += piece.len();
            }
        }
        Self {
            key_time,
            mac: HmacKey::new(&hex),
            hex,
            string_to_sign,
            prefix_len,
        }
    }

    /// The key time this key was derived for.
    pub fn key_time(&self) -> KeyTime {
        self.key_time
    }

    /// The `SignKey` in lower-case hex: a secret, named so that every use is easy to find.
    pub fn expose_hex(&self) -> &str {
        // Always ASCII hex; the fallback keeps this panic-free.
        std::str::from_utf8(&self.hex).unwrap_or_default()
    }

    /// `key_time` as `start;end` (ASCII), read from the `StringToSign` prefix.
    pub(crate) fn key_time_text(&self) -> &[u8] {
        self.string_to_sign
            .get(SHA1_LINE.len()..self.prefix_len.saturating_sub(1))
            .unwrap_or_default()
    }

    /// The signature of `sha1\n{key_time}\n{http_string_sha1}\n`, in lower-case hex.
    pub(crate) fn sign(&self, http_string_sha1: &[u8; 40]) -> [u8; 40] {
        let mut text = self.string_to_sign;
        let end = self.prefix_len + http_string_sha1.len();
        if let Some(dst) = text.get_mut(self.prefix_len..end) {
            dst.copy_from_slice(http_string_sha1);
        }
        if let Some(newline) = text.get_mut(end) {
            *newline = b'\n';
        }
        hex40(&self.mac.mac(text.get(..=end).unwrap_or_default()))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_time", &self.key_time)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_string_to_sign_of_every_key_time_length() {
        use hmac::{KeyInit, Mac};
        let sha1 = *b"0123456789abcdef0123456789abcdef01234567";
        for kt in [
            KeyTime::new(0, 0).unwrap(),
            KeyTime::new(1557989151, 1557996351).unwrap(),
            KeyTime::new(u64::MAX - 1, u64::MAX).unwrap(),
        ] {
            let key = SigningKey::derive(&SecretKey::new("s"), kt);
            assert_eq!(key.key_time_text(), kt.to_string().as_bytes());
            let mut mac =
                hmac::Hmac::<sha1::Sha1>::new_from_slice(key.expose_hex().as_bytes()).unwrap();
            mac.update(format!("sha1\n{kt}\n{}\n", std::str::from_utf8(&sha1).unwrap()).as_bytes());
            assert_eq!(key.sign(&sha1), hex40(&mac.finalize().into_bytes().into()));
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
