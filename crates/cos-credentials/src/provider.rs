//! The provider trait, [`ProvideCredentials`], and what a provider gives:
//! [`ProvidedCredentials`], the keys with their expiry and where they came from.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use cos_sign::Credentials;

use crate::error::CredentialsError;

/// Credentials from a [`ProvideCredentials`]: the keys, when they stop being valid (temporary
/// keys) and which provider supplied them.
///
/// `Debug` shows the secret id, the expiry and the source, never the key or the token.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use cos_credentials::ProvidedCredentials;
/// use cos_sign::Credentials;
///
/// let at = SystemTime::now() + Duration::from_secs(1800);
/// let provided = ProvidedCredentials::expiring(
///     Credentials::new("AKIDtemporary", "the-key").with_session_token("the-token"),
///     at,
/// )
/// .with_source("my STS");
/// assert_eq!(provided.expires_at(), Some(at));
/// assert_eq!(provided.source(), "my STS");
/// let shown = format!("{provided:?}");
/// assert!(!shown.contains("the-key") && !shown.contains("the-token"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProvidedCredentials {
    credentials: Credentials,
    expires_at: Option<SystemTime>,
    source: Cow<'static, str>,
}

impl ProvidedCredentials {
    /// Credentials that do not expire, from an unnamed source.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            expires_at: None,
            source: Cow::Borrowed("custom provider"),
        }
    }

    /// Credentials valid until `expires_at` (temporary keys with their session token).
    pub fn expiring(credentials: Credentials, expires_at: SystemTime) -> Self {
        Self {
            expires_at: Some(expires_at),
            ..Self::new(credentials)
        }
    }

    /// Names the provider that supplied them (shown by `cos-batch whoami`).
    pub fn with_source(mut self, source: impl Into<Cow<'static, str>>) -> Self {
        self.source = source.into();
        self
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// When they expire, if they do.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// Which provider supplied them, e.g. `environment (TENCENTCLOUD_SECRET_ID)`.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// The future a [`ProvideCredentials`] returns.
pub type CredentialsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<ProvidedCredentials, CredentialsError>> + Send + 'a>>;

/// A source of credentials, asked again when the last ones are about to expire.
///
/// Put a provider behind a [`crate::CredentialsCache`]: the cache asks only when the keys are
/// near their expiry, and concurrent callers share one refresh. A provider that is not set up
/// where it runs (no variables, no file) answers with a
/// [`crate::CredentialsErrorKind::NotFound`] error, so that a [`crate::ChainProvider`] moves
/// on.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use cos_credentials::{CredentialsFuture, ProvideCredentials, ProvidedCredentials};
/// use cos_sign::Credentials;
///
/// /// Temporary keys from your STS of choice.
/// struct MySts;
///
/// impl ProvideCredentials for MySts {
///     fn provide_credentials(&self) -> CredentialsFuture<'_> {
///         Box::pin(async {
///             // ... ask the STS ...
///             let credentials = Credentials::new("AKIDtemporary", "temporary-secret")
///                 .with_session_token("token");
///             Ok(ProvidedCredentials::expiring(
///                 credentials,
///                 SystemTime::now() + Duration::from_secs(1800),
///             )
///             .with_source("my STS"))
///         })
///     }
/// }
/// # let _ = MySts;
/// ```
pub trait ProvideCredentials: Send + Sync {
    /// Fetches credentials.
    fn provide_credentials(&self) -> CredentialsFuture<'_>;
}

impl<P: ProvideCredentials + ?Sized> ProvideCredentials for Arc<P> {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        (**self).provide_credentials()
    }
}

impl<P: ProvideCredentials + ?Sized> ProvideCredentials for Box<P> {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        (**self).provide_credentials()
    }
}
