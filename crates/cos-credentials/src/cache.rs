//! [`CredentialsCache`]: a provider's credentials kept until they near their expiry, then
//! refreshed by one caller while the others wait for that one refresh.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::error::{CredentialsError, CredentialsErrorKind};
use crate::provider::{CredentialsFuture, ProvideCredentials, ProvidedCredentials};

/// Credentials are refreshed this long before they expire, by default (capped at half their
/// lifetime, so that short-lived keys are still used for a while).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// After a failed refresh, keys that are still valid are served this long before the next
/// attempt (never past their expiry), so that a failing provider is not asked by every
/// caller in turn.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

/// The credentials last provided, with their deadlines on the monotonic clock.
#[derive(Clone)]
struct Cached {
    provided: Arc<ProvidedCredentials>,
    /// Refresh from this instant on.
    refresh_at: Option<Instant>,
    /// Never hand them out from this instant on.
    expires: Option<Instant>,
}

impl Cached {
    fn fresh(&self, now: Instant) -> bool {
        self.refresh_at.is_none_or(|t| now < t)
    }

    fn valid(&self, now: Instant) -> bool {
        self.expires.is_none_or(|t| now < t)
    }
}

/// What the cache holds between calls.
#[derive(Default)]
struct State {
    cached: Option<Cached>,
    /// Counts finished refreshes: a caller that waited for the refresh lock and sees it
    /// changed takes that refresh's outcome instead of starting another.
    generation: u64,
    last_error: Option<CredentialsError>,
    /// Serve valid keys without a refresh until then (after a failed refresh).
    retry_at: Option<Instant>,
}

impl State {
    /// Keys usable at `now` without asking the provider.
    fn usable(&self, now: Instant) -> Option<Arc<ProvidedCredentials>> {
        let cached = self.cached.as_ref()?;
        let backing_off = self.retry_at.is_some_and(|t| now < t);
        (cached.fresh(now) || (backing_off && cached.valid(now)))
            .then(|| Arc::clone(&cached.provided))
    }
}

/// A provider behind a cache.
///
/// - It asks the provider only when it has no keys or they are within the refresh margin of
///   their expiry ([`DEFAULT_REFRESH_MARGIN`], at most half their lifetime).
/// - One refresh runs at a time: concurrent callers wait for it and share its outcome.
/// - When a refresh fails and the current keys have not expired, they keep being served
///   (and the provider is asked again after [`RETRY_AFTER_FAILURE`]); expired keys are never
///   handed out.
///
/// Deadlines are kept on tokio's monotonic clock, so a wall-clock jump does not expire keys
/// early and tests can run on a paused clock.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use cos_credentials::{CredentialsCache, StaticProvider};
/// use cos_sign::Credentials;
///
/// let cache = CredentialsCache::new(StaticProvider::new(Credentials::new("AKIDexample", "secret")));
/// let first = cache.credentials().await.unwrap();
/// let again = cache.credentials().await.unwrap();
/// assert!(std::sync::Arc::ptr_eq(&first, &again)); // asked once
/// # }
/// ```
pub struct CredentialsCache {
    provider: Box<dyn ProvideCredentials>,
    margin: Duration,
    state: Mutex<State>,
    refresh: tokio::sync::Mutex<()>,
}

impl CredentialsCache {
    /// Caches `provider`'s credentials with [`DEFAULT_REFRESH_MARGIN`].
    pub fn new(provider: impl ProvideCredentials + 'static) -> Self {
        Self {
            provider: Box::new(provider),
            margin: DEFAULT_REFRESH_MARGIN,
            state: Mutex::new(State::default()),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// Refreshes `margin` before expiry (at most half the keys' lifetime).
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The refresh margin.
    pub fn refresh_margin(&self) -> Duration {
        self.margin
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets the cached keys: the next call asks the provider (after the service refused
    /// them, say).
    pub fn invalidate(&self) {
        let mut state = self.state();
        state.cached = None;
        state.retry_at = None;
    }

    /// The current credentials, refreshed first when they near their expiry.
    pub async fn credentials(&self) -> Result<Arc<ProvidedCredentials>, CredentialsError> {
        let seen = {
            let state = self.state();
            if let Some(provided) = state.usable(Instant::now()) {
                return Ok(provided);
            }
            state.generation
        };
        let _refreshing = self.refresh.lock().await;
        {
            let state = self.state();
            let now = Instant::now();
            if let Some(provided) = state.usable(now) {
                return Ok(provided);
            }
            if state.generation != seen {
                // A refresh finished while we waited: its outcome is ours.
                if let Some(cached) = state.cached.as_ref().filter(|c| c.valid(now)) {
                    return Ok(Arc::clone(&cached.provided));
                }
                if let Some(e) = &state.last_error {
                    return Err(e.clone());
                }
            }
        }
        tracing::debug!("refreshing credentials");
        let outcome = self.fetch().await;
        let mut state = self.state();
        state.generation = state.generation.wrapping_add(1);
        let now = Instant::now();
        match outcome {
            Ok(cached) => {
                let provided = Arc::clone(&cached.provided);
                state.cached = Some(cached);
                state.last_error = None;
                state.retry_at = None;
                Ok(provided)
            }
            Err(e) => {
                state.last_error = Some(e.clone());
                match state.cached.clone().filter(|c| c.valid(now)) {
                    Some(cached) => {
                        tracing::warn!(error = %e, "credentials refresh failed; using the current ones until they expire");
                        let retry_at = now + RETRY_AFTER_FAILURE;
                        state.retry_at = Some(cached.expires.map_or(retry_at, |t| retry_at.min(t)));
                        Ok(cached.provided)
                    }
                    None => {
                        state.cached = None;
                        Err(e)
                    }
                }
            }
        }
    }

    /// Asks the provider and sets the deadlines.
    async fn fetch(&self) -> Result<Cached, CredentialsError> {
        let provided = self.provider.provide_credentials().await?;
        let now = Instant::now();
        let (refresh_at, expires) = match provided.expires_at() {
            None => (None, None),
            Some(at) => {
                let left = at.duration_since(SystemTime::now()).map_err(|_| {
                    CredentialsError::with_kind(
                        CredentialsErrorKind::Expired,
                        format!(
                            "the credentials from {} have already expired",
                            provided.source()
                        ),
                    )
                })?;
                let margin = self.margin.min(left / 2);
                (Some(now + (left - margin)), Some(now + left))
            }
        };
        Ok(Cached {
            provided: Arc::new(provided),
            refresh_at,
            expires,
        })
    }
}

impl fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsCache")
            .field("refresh_margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl ProvideCredentials for CredentialsCache {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async { self.credentials().await.map(|p| (*p).clone()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request_signer::RequestSigner;
    use cos_sign::Credentials;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Keys `AKID{n}` for the n-th call, after `delay`, valid for `lifetime`; fails from the
    /// `fail_from`-th call on. Records when each set expires on the (paused) tokio clock.
    struct Scripted {
        calls: AtomicUsize,
        delay: Duration,
        lifetime: Option<Duration>,
        fail_from: usize,
        expiries: Mutex<HashMap<String, Instant>>,
    }

    impl Scripted {
        fn new(delay: Duration, lifetime: Option<Duration>, fail_from: usize) -> Arc<Self> {
            Arc::new(Self {
                calls: AtomicUsize::new(0),
                delay,
                lifetime,
                fail_from,
                expiries: Mutex::new(HashMap::new()),
            })
        }

        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }

        fn expiry_of(&self, id: &str) -> Option<Instant> {
            self.expiries.lock().unwrap().get(id).copied()
        }
    }

    impl ProvideCredentials for Scripted {
        fn provide_credentials(&self) -> CredentialsFuture<'_> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(self.delay).await;
                if n >= self.fail_from {
                    return Err(CredentialsError::new("sts down"));
                }
                let id = format!("AKID{n}");
                let c = Credentials::new(id.clone(), "k").with_session_token("t");
                Ok(match self.lifetime {
                    Some(l) => {
                        self.expiries.lock().unwrap().insert(id, Instant::now() + l);
                        ProvidedCredentials::expiring(c, SystemTime::now() + l)
                    }
                    None => ProvidedCredentials::new(c),
                })
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_thousand_concurrent_callers_share_one_100ms_refresh() {
        let provider = Scripted::new(
            Duration::from_millis(100),
            Some(Duration::from_secs(3600)),
            usize::MAX,
        );
        let cache = Arc::new(CredentialsCache::new(Arc::clone(&provider)));
        let started = Instant::now();
        let tasks: Vec<_> = (0..1000)
            .map(|_| {
                let cache = Arc::clone(&cache);
                tokio::spawn(async move { cache.credentials().await.unwrap() })
            })
            .collect();
        let mut first = None;
        for t in tasks {
            let got = t.await.unwrap();
            assert_eq!(got.credentials().secret_id(), "AKID0");
            let first = first.get_or_insert_with(|| Arc::clone(&got));
            assert!(Arc::ptr_eq(first, &got));
        }
        assert_eq!(provider.calls(), 1);
        assert_eq!(started.elapsed(), Duration::from_millis(100));
    }

    #[tokio::test(start_paused = true)]
    async fn keys_expiring_mid_run_are_refreshed_before_a_request_is_signed_with_them() {
        // Keys last 10 min and are refreshed 5 min before; 1,000 requests over 1,000 s.
        let lifetime = Duration::from_secs(600);
        let provider = Scripted::new(Duration::from_millis(100), Some(lifetime), usize::MAX);
        let cache = Arc::new(CredentialsCache::new(Arc::clone(&provider)));
        let signer = RequestSigner::new(Arc::clone(&cache));
        let tasks: Vec<_> = (0..1000u64)
            .map(|i| {
                let signer = signer.clone();
                let provider = Arc::clone(&provider);
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(i)).await;
                    let (mut parts, ()) = http::Request::get("http://127.0.0.1/jobs")
                        .body(())
                        .unwrap()
                        .into_parts();
                    signer.sign(&mut parts).await.unwrap();
                    let signed_at = Instant::now();
                    let auth = parts.headers["authorization"].to_str().unwrap().to_owned();
                    let id = auth
                        .split('&')
                        .find_map(|f| f.strip_prefix("q-ak="))
                        .unwrap()
                        .to_owned();
                    let expires = provider.expiry_of(&id).unwrap();
                    // Signed with keys that had at least the refresh margin left.
                    assert!(
                        expires - signed_at >= DEFAULT_REFRESH_MARGIN,
                        "request {i} signed with {id} {:?} before expiry",
                        expires - signed_at
                    );
                    id
                })
            })
            .collect();
        let mut ids = Vec::new();
        for t in tasks {
            ids.push(t.await.unwrap());
        }
        // Refreshes at 0 s, ~300 s, ~600 s, ~900 s.
        assert_eq!(provider.calls(), 4);
        ids.dedup();
        assert_eq!(ids, ["AKID0", "AKID1", "AKID2", "AKID3"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_refresh_keeps_valid_keys_then_retries_and_never_serves_expired_ones() {
        let provider = Scripted::new(Duration::ZERO, Some(Duration::from_secs(600)), 1);
        let cache = CredentialsCache::new(Arc::clone(&provider));
        assert_eq!(
            cache.credentials().await.unwrap().credentials().secret_id(),
            "AKID0"
        );
        // Within the margin: the refresh fails, the valid keys serve.
        tokio::time::advance(Duration::from_secs(301)).await;
        assert_eq!(
            cache.credentials().await.unwrap().credentials().secret_id(),
            "AKID0"
        );
        assert_eq!(provider.calls(), 2);
        // No new attempt until RETRY_AFTER_FAILURE has passed.
        tokio::time::advance(Duration::from_secs(1)).await;
        cache.credentials().await.unwrap();
        assert_eq!(provider.calls(), 2);
        tokio::time::advance(RETRY_AFTER_FAILURE).await;
        cache.credentials().await.unwrap();
        assert_eq!(provider.calls(), 3);
        // Past the expiry: the error, not the old keys.
        tokio::time::advance(Duration::from_secs(300)).await;
        let e = cache.credentials().await.unwrap_err();
        assert_eq!(e.to_string(), "sts down");
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_a_failed_refresh() {
        let provider = Scripted::new(Duration::from_millis(100), None, 0);
        let cache = Arc::new(CredentialsCache::new(Arc::clone(&provider)));
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let cache = Arc::clone(&cache);
                tokio::spawn(async move { cache.credentials().await })
            })
            .collect();
        for t in tasks {
            assert!(t.await.unwrap().is_err());
        }
        assert_eq!(provider.calls(), 1);
        // A later call asks again.
        assert!(cache.credentials().await.is_err());
        assert_eq!(provider.calls(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn the_margin_is_capped_at_half_the_lifetime() {
        // 60 s keys with a 5 min margin: refreshed after 30 s, not on every call.
        let provider = Scripted::new(Duration::ZERO, Some(Duration::from_secs(60)), usize::MAX);
        let cache = CredentialsCache::new(Arc::clone(&provider));
        cache.credentials().await.unwrap();
        cache.credentials().await.unwrap();
        assert_eq!(provider.calls(), 1);
        tokio::time::advance(Duration::from_secs(31)).await;
        assert_eq!(
            cache.credentials().await.unwrap().credentials().secret_id(),
            "AKID1"
        );
    }

    #[tokio::test]
    async fn expired_keys_from_the_provider_are_an_error_and_invalidate_forces_a_refresh() {
        let expired = crate::StaticProvider::from_provided(ProvidedCredentials::expiring(
            Credentials::new("AKIDx", "k"),
            SystemTime::now() - Duration::from_secs(1),
        ));
        let e = CredentialsCache::new(expired)
            .credentials()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), CredentialsErrorKind::Expired);

        let provider = Scripted::new(Duration::ZERO, None, usize::MAX);
        let cache = CredentialsCache::new(Arc::clone(&provider));
        cache.credentials().await.unwrap();
        cache.invalidate();
        assert_eq!(
            cache.credentials().await.unwrap().credentials().secret_id(),
            "AKID1"
        );
    }
}
