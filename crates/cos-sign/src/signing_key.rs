//! `SigningKey`: the HMAC key derived from a secret key and a key time, reusable across requests.

use std::fmt;

use hmac::Mac;

use crate::digest::{HmacSha1, hex40, hmac_sha1};
use crate::{KeyTime, SecretKey};

/// `SignKey = hex(HMAC-SHA1(SecretKey, KeyTime))`, derived once and reused for every request
/// signed within the same key time. It holds the HMAC already keyed with it, so each signature
/// costs one HMAC of the short `StringToSign` and no key set-up.
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
    key_time_text: String,
    hex: [u8; 40],
    mac: HmacSha1,
}

impl SigningKey {
    /// Derives the key for `key_time`.
    pub fn derive(secret: &SecretKey, key_time: KeyTime) -> Self {
        let mut key_time_text = String::with_capacity(41);
        key_time.write_to(&mut key_time_text);
        let mut mac = hmac_sha1(secret.expose().as_bytes());
        mac.update(key_time_text.as_bytes());
        let hex = hex40(&mac.finalize().into_bytes());
        Self {
            key_time,
            key_time_text,
            mac: hmac_sha1(&hex),
            hex,
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

    /// `key_time` as `start;end`.
    pub(crate) fn key_time_text(&self) -> &str {
        &self.key_time_text
    }

    /// The signature of `sha1\n{key_time}\n{http_string_sha1}\n`, in lower-case hex.
    pub(crate) fn sign(&self, http_string_sha1: &[u8; 40]) -> [u8; 40] {
        let mut mac = self.mac.clone();
        mac.update(b"sha1\n");
        mac.update(self.key_time_text.as_bytes());
        mac.update(b"\n");
        mac.update(http_string_sha1);
        mac.update(b"\n");
        hex40(&mac.finalize().into_bytes())
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
    fn debug_does_not_show_the_key() {
        let key = SigningKey::derive(&SecretKey::new("s"), KeyTime::new(1, 2).unwrap());
        let shown = format!("{key:?}");
        assert!(!shown.contains(key.expose_hex()), "{shown}");
        assert!(shown.contains("key_time"));
    }
}
