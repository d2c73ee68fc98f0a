//! `KeyCache`: the signing key of the last key time a signer used.

use std::sync::{Arc, PoisonError, RwLock};

use crate::{KeyTime, SecretKey, SigningKey};

/// The [`SigningKey`] of the last key time a [`crate::Signer`] signed for, shared (not copied)
/// with each signature. The lock is taken for writing only when the key time changes.
#[derive(Debug, Default)]
pub(crate) struct KeyCache(RwLock<Option<Arc<SigningKey>>>);

impl KeyCache {
    /// The key for `key_time`: the cached one when it was derived for that key time,
    /// otherwise derived from `secret` and cached in place of the previous one.
    pub(crate) fn key(&self, secret: &SecretKey, key_time: KeyTime) -> Arc<SigningKey> {
        if let Some(key) = self.current().filter(|key| key.key_time() == key_time) {
            return key;
        }
        let key = Arc::new(SigningKey::derive(secret, key_time));
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&key));
        key
    }

    /// The cached key, if any.
    fn current(&self) -> Option<Arc<SigningKey>> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Clone for KeyCache {
    /// A cache that starts with the same key (shared, not copied).
    fn clone(&self) -> Self {
        Self(RwLock::new(self.current()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_once_per_key_time_and_keeps_only_the_last() {
        let secret = SecretKey::new("secret");
        let (first, second) = (KeyTime::new(1, 2).unwrap(), KeyTime::new(3, 4).unwrap());
        let cache = KeyCache::default();
        let key = cache.key(&secret, first);
        assert!(Arc::ptr_eq(&key, &cache.key(&secret, first)));
        assert_eq!(
            key.expose_hex(),
            SigningKey::derive(&secret, first).expose_hex()
        );
        let other = cache.key(&secret, second);
        assert_eq!(other.key_time(), second);
        // The first key is no longer held by the cache: only by `key`.
        assert_eq!(Arc::strong_count(&key), 1);
        assert!(Arc::ptr_eq(&other, &cache.clone().key(&secret, second)));
    }
}
