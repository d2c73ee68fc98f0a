//! [`RequestSigner`]: signs a request head with the cache's current credentials and a header
//! policy — the one code path behind the tower layer and any client that signs itself.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use cos_sign::{HeaderPolicy, KeyTime, SignError, Signer};
use http::request::Parts;

use crate::cache::CredentialsCache;
use crate::error::CredentialsError;
use crate::provider::ProvidedCredentials;

/// How long a signature is valid by default.
pub const DEFAULT_SIGNATURE_VALIDITY: Duration = Duration::from_secs(600);

/// Why a request was not signed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SignRequestError {
    /// No usable credentials.
    Credentials(CredentialsError),
    /// The request or the credentials cannot be signed (a secret id or token a header cannot
    /// carry, a URI without a usable host).
    Sign(SignError),
}

impl fmt::Display for SignRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Credentials(e) => write!(f, "no credentials to sign with: {e}"),
            Self::Sign(e) => write!(f, "the request cannot be signed: {e}"),
        }
    }
}

impl std::error::Error for SignRequestError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Credentials(e) => Some(e),
            Self::Sign(e) => Some(e),
        }
    }
}

impl From<CredentialsError> for SignRequestError {
    fn from(e: CredentialsError) -> Self {
        Self::Credentials(e)
    }
}

/// The signer of the credentials it was made for.
type CurrentSigner = Option<(Arc<ProvidedCredentials>, Arc<Signer>)>;

/// Signs request heads with a [`CredentialsCache`]'s current credentials.
///
/// It keeps one [`Signer`] per set of credentials (so the signing key is derived once per key
/// time, not per request) and makes a new one when the cache hands out new keys. Each
/// signature is valid for [`DEFAULT_SIGNATURE_VALIDITY`] or until the keys expire, whichever
/// comes first. Cheap to clone.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::sync::Arc;
/// use cos_credentials::{CredentialsCache, RequestSigner, StaticProvider};
/// use cos_sign::{Credentials, HeaderPolicy};
///
/// let cache = Arc::new(CredentialsCache::new(StaticProvider::new(Credentials::new("AKIDexample", "secret"))));
/// let signer = RequestSigner::new(cache).with_header_policy(HeaderPolicy::All);
/// let (mut parts, ()) = http::Request::get("https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/key")
///     .body(())
///     .unwrap()
///     .into_parts();
/// signer.sign(&mut parts).await.unwrap();
/// assert!(parts.headers["authorization"].to_str().unwrap().contains("q-ak=AKIDexample"));
/// # }
/// ```
#[derive(Clone)]
pub struct RequestSigner {
    cache: Arc<CredentialsCache>,
    policy: HeaderPolicy,
    validity: Duration,
    current: Arc<Mutex<CurrentSigner>>,
}

impl RequestSigner {
    /// Signs with `cache`'s credentials and the default header policy.
    pub fn new(cache: Arc<CredentialsCache>) -> Self {
        Self {
            cache,
            policy: HeaderPolicy::default(),
            validity: DEFAULT_SIGNATURE_VALIDITY,
            current: Arc::new(Mutex::new(None)),
        }
    }

    /// Signs the headers `policy` chooses.
    pub fn with_header_policy(mut self, policy: HeaderPolicy) -> Self {
        self.policy = policy;
        self.current = Arc::new(Mutex::new(None));
        self
    }

    /// Makes signatures valid for `validity` (capped at the keys' expiry).
    pub fn with_signature_validity(mut self, validity: Duration) -> Self {
        self.validity = validity;
        self
    }

    /// The cache it takes credentials from.
    pub fn cache(&self) -> &Arc<CredentialsCache> {
        &self.cache
    }

    /// The signer of the current credentials, with them.
    pub async fn signer(
        &self,
    ) -> Result<(Arc<ProvidedCredentials>, Arc<Signer>), CredentialsError> {
        let provided = self.cache.credentials().await?;
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((for_keys, signer)) = current.as_ref()
            && Arc::ptr_eq(for_keys, &provided)
        {
            return Ok((provided, Arc::clone(signer)));
        }
        let signer = Arc::new(
            Signer::new(provided.credentials().clone()).with_header_policy(self.policy.clone()),
        );
        *current = Some((Arc::clone(&provided), Arc::clone(&signer)));
        Ok((provided, signer))
    }

    /// Signs `parts` now: sets `Authorization` (and `x-cos-security-token` for temporary
    /// keys). Returns the credentials it signed with.
    pub async fn sign(
        &self,
        parts: &mut Parts,
    ) -> Result<Arc<ProvidedCredentials>, SignRequestError> {
        let (provided, signer) = self.signer().await?;
        let validity = provided
            .expires_at()
            .and_then(|at| at.duration_since(SystemTime::now()).ok())
            .map_or(self.validity, |left| {
                self.validity.min(left).max(Duration::from_secs(1))
            });
        signer
            .sign(parts, KeyTime::now(validity))
            .map_err(SignRequestError::Sign)?;
        Ok(provided)
    }
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSigner")
            .field("policy", &self.policy)
            .field("validity", &self.validity)
            .finish_non_exhaustive()
    }
}
