//! Where each attempt gets its signer: fixed credentials, or a provider whose credentials
//! are cached and refreshed before they expire, with one refresh shared by concurrent callers.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use cos_sign::{Credentials, Signer};

use crate::credentials::{CredentialsError, CredentialsErrorKind, ProvideCredentials};

/// The refresh margin by default: credentials are refreshed this long before they expire.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// A signer for the credentials, or why they cannot sign (an invalid secret id or token).
pub(crate) fn signer_for(credentials: Credentials) -> Result<Signer, CredentialsError> {
    Signer::try_new(credentials).map_err(CredentialsError::unusable)
}

/// The source of signers of a client.
#[derive(Clone)]
pub(crate) enum SignerSource {
    /// Fixed credentials: one signer for the client's life.
    Static(Arc<Signer>),
    /// A provider, behind a cache.
    Provided(Arc<CachedProvider>),
}

impl SignerSource {
    /// The signer to use now.
    pub(crate) async fn signer(&self) -> Result<Arc<Signer>, CredentialsError> {
        match self {
            Self::Static(signer) => Ok(Arc::clone(signer)),
            Self::Provided(cache) => cache.signer().await,
        }
    }
}

impl fmt::Debug for SignerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The credentials' Debug shows the secret id only.
            Self::Static(signer) => f.debug_tuple("Static").field(signer.credentials()).finish(),
            Self::Provided(cache) => f
                .debug_struct("Provided")
                .field("refresh_margin", &cache.margin)
                .finish_non_exhaustive(),
        }
    }
}

/// The credentials a provider gave last, as a signer.
struct Current {
    signer: Arc<Signer>,
    expires_at: Option<SystemTime>,
}

impl Current {
    /// Usable without a refresh at `now`: not within `margin` of expiry.
    fn fresh(&self, now: SystemTime, margin: Duration) -> bool {
        match self.expires_at {
            None => true,
            Some(at) => now.checked_add(margin).is_some_and(|t| t < at),
        }
    }

    /// Not expired yet at `now` (a stale but valid signer is better than none when a refresh
    /// fails).
    fn valid(&self, now: SystemTime) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

/// A [`ProvideCredentials`] behind a cache.
pub(crate) struct CachedProvider {
    provider: Box<dyn ProvideCredentials>,
    margin: Duration,
    current: RwLock<Option<Current>>,
    /// Held while refreshing: callers that find the credentials stale wait here, then find
    /// them fresh.
    refresh: tokio::sync::Mutex<()>,
}

impl CachedProvider {
    pub(crate) fn new(provider: Box<dyn ProvideCredentials>, margin: Duration) -> Self {
        Self {
            provider,
            margin,
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// The cached signer when fresh at `now`.
    fn cached(&self, now: SystemTime) -> Option<Arc<Signer>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .filter(|c| c.fresh(now, self.margin))
            .map(|c| Arc::clone(&c.signer))
    }

    /// The cached signer, refreshed first if it is stale.
    pub(crate) async fn signer(&self) -> Result<Arc<Signer>, CredentialsError> {
        if let Some(signer) = self.cached(SystemTime::now()) {
            return Ok(signer);
        }
        let _refreshing = self.refresh.lock().await;
        // Whoever held the lock before may have refreshed already.
        if let Some(signer) = self.cached(SystemTime::now()) {
            return Ok(signer);
        }
        tracing::debug!("refreshing credentials");
        let outcome = match self.provider.provide_credentials().await {
            Ok(provided) => {
                let now = SystemTime::now();
                match provided.expires_at() {
                    Some(at) if at <= now => Err(CredentialsError::with_kind(
                        CredentialsErrorKind::Expired,
                        "the credentials provider gave credentials that have already expired",
                    )),
                    expires_at => {
                        signer_for(provided.credentials().clone()).map(|signer| Current {
                            signer: Arc::new(signer),
                            expires_at,
                        })
                    }
                }
            }
            Err(e) => Err(e),
        };
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        match outcome {
            Ok(fresh) => {
                let signer = Arc::clone(&fresh.signer);
                *current = Some(fresh);
                Ok(signer)
            }
            Err(e) => match current.as_ref() {
                Some(c) if c.valid(SystemTime::now()) => {
                    tracing::warn!(error = %e, "credentials refresh failed; using the current ones until they expire");
                    Ok(Arc::clone(&c.signer))
                }
                _ => Err(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{CredentialsFuture, ProvidedCredentials};
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting {
        calls: AtomicUsize,
        lifetime: Option<Duration>,
        fail_after: usize,
    }

    impl ProvideCredentials for Counting {
        fn provide_credentials(&self) -> CredentialsFuture<'_> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst);
                // Let other callers pile up behind the refresh.
                tokio::task::yield_now().await;
                if n >= self.fail_after {
                    return Err(CredentialsError::new("sts down"));
                }
                let c = Credentials::new(format!("AKID{n}"), "k").with_session_token("t");
                Ok(match self.lifetime {
                    Some(l) => ProvidedCredentials::expiring(c, SystemTime::now() + l),
                    None => ProvidedCredentials::new(c),
                })
            })
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_refresh() {
        let counter = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            lifetime: Some(Duration::from_secs(3600)),
            fail_after: usize::MAX,
        });
        let cache = Arc::new(CachedProvider::new(
            Box::new(Arc::clone(&counter)),
            DEFAULT_REFRESH_MARGIN,
        ));
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let cache = Arc::clone(&cache);
                tokio::spawn(async move { cache.signer().await.unwrap() })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().credentials().secret_id(), "AKID0");
        }
        assert_eq!(counter.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn refreshes_within_the_margin_and_keeps_valid_ones_when_refresh_fails() {
        // Valid for 60 s, margin 5 min: stale at once, so each call refreshes.
        let counter = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            lifetime: Some(Duration::from_secs(60)),
            fail_after: 2,
        });
        let cache = CachedProvider::new(Box::new(Arc::clone(&counter)), DEFAULT_REFRESH_MARGIN);
        assert_eq!(
            cache.signer().await.unwrap().credentials().secret_id(),
            "AKID0"
        );
        assert_eq!(
            cache.signer().await.unwrap().credentials().secret_id(),
            "AKID1"
        );
        // The third refresh fails: the second credentials have not expired, so they serve.
        assert_eq!(
            cache.signer().await.unwrap().credentials().secret_id(),
            "AKID1"
        );
        assert_eq!(counter.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn errors_without_credentials_and_refuses_expired_or_unusable_ones() {
        let counter = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            lifetime: None,
            fail_after: 0,
        });
        let failing = CachedProvider::new(Box::new(Arc::clone(&counter)), DEFAULT_REFRESH_MARGIN);
        let e = failing.signer().await.unwrap_err();
        assert_eq!(e.kind(), CredentialsErrorKind::Provider);
        // No credentials were cached: the next call asks again.
        assert!(failing.signer().await.is_err());
        assert_eq!(counter.calls.load(Ordering::SeqCst), 2);

        struct Fixed(ProvidedCredentials);
        impl ProvideCredentials for Fixed {
            fn provide_credentials(&self) -> CredentialsFuture<'_> {
                let p = self.0.clone();
                Box::pin(async move { Ok(p) })
            }
        }
        let expired = CachedProvider::new(
            Box::new(Fixed(ProvidedCredentials::expiring(
                Credentials::new("AKIDx", "k"),
                SystemTime::now() - Duration::from_secs(1),
            ))),
            DEFAULT_REFRESH_MARGIN,
        );
        assert_eq!(
            expired.signer().await.unwrap_err().kind(),
            CredentialsErrorKind::Expired
        );
        let unusable = CachedProvider::new(
            Box::new(Fixed(ProvidedCredentials::new(Credentials::new(
                "AKID x&y", "k",
            )))),
            DEFAULT_REFRESH_MARGIN,
        );
        assert_eq!(
            unusable.signer().await.unwrap_err().kind(),
            CredentialsErrorKind::Unusable
        );
    }

    #[test]
    fn signer_for_checks_the_token() {
        assert!(signer_for(Credentials::new("AKIDx", "k").with_session_token("ok")).is_ok());
        let e = signer_for(Credentials::new("AKIDx", "k").with_session_token("bad\ntoken"))
            .unwrap_err();
        assert_eq!(e.kind(), CredentialsErrorKind::Unusable);
        assert!(!e.to_string().contains("bad\ntoken"));
    }
}
