//! `ClientBuilder`: everything a [`Client`] is made of, with the defaults documented.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use cos_batch_proto::Endpoint;
use cos_sign::Credentials;
use http::HeaderValue;

use crate::budget::{Bucket, RetryBudget};
use crate::client::{Client, Inner};
use crate::clock::Clock;
use crate::recovery::RecoveryLimits;
use crate::retry::RetryPolicy;
use crate::signing::{SignerSource, signer_for};
use crate::transport::{HttpTransport, HyperTransport};
use cos_credentials::{
    CredentialsCache, CredentialsError, DEFAULT_REFRESH_MARGIN, ProvideCredentials, RequestSigner,
};

/// The connect timeout by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The attempt timeout by default (one request and its whole response).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// The overall timeout by default (all attempts and back-off of one call).
pub const DEFAULT_OVERALL_TIMEOUT: Duration = Duration::from_secs(120);
/// The largest response body accepted by default.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 16 * 1024 * 1024;
/// The `User-Agent` by default.
pub const DEFAULT_USER_AGENT: &str = concat!("cos-batch-rs/", env!("CARGO_PKG_VERSION"));

/// The credentials a builder was given.
enum CredentialsChoice {
    Static(Credentials),
    Provider(Box<dyn ProvideCredentials>),
}

/// Builds a [`Client`]. Every setter takes and returns the builder.
///
/// Defaults: [`RetryPolicy::default`], [`RetryBudget::default`], [`RecoveryLimits::default`], connect timeout [`DEFAULT_CONNECT_TIMEOUT`], attempt
/// timeout [`DEFAULT_ATTEMPT_TIMEOUT`], overall timeout [`DEFAULT_OVERALL_TIMEOUT`],
/// user agent [`DEFAULT_USER_AGENT`], response bodies up to [`DEFAULT_MAX_RESPONSE_BODY`].
/// The endpoint and the credentials have no default.
pub struct ClientBuilder {
    endpoint: Option<Endpoint>,
    credentials: Option<CredentialsChoice>,
    refresh_margin: Duration,
    retry: RetryPolicy,
    recovery: RetryPolicy,
    recovery_limits: RecoveryLimits,
    budget: RetryBudget,
    connect_timeout: Option<Duration>,
    attempt_timeout: Option<Duration>,
    overall_timeout: Option<Duration>,
    user_agent: String,
    max_response_body: usize,
    transport: Option<Arc<dyn HttpTransport>>,
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            endpoint: None,
            credentials: None,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            retry: RetryPolicy::default(),
            recovery: RetryPolicy::recovery(),
            recovery_limits: RecoveryLimits::default(),
            budget: RetryBudget::default(),
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            attempt_timeout: Some(DEFAULT_ATTEMPT_TIMEOUT),
            overall_timeout: Some(DEFAULT_OVERALL_TIMEOUT),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            transport: None,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials = match &self.credentials {
            None => "none",
            Some(CredentialsChoice::Static(_)) => "static",
            Some(CredentialsChoice::Provider(_)) => "provider",
        };
        f.debug_struct("ClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("credentials", &credentials)
            .field("retry", &self.retry)
            .field("recovery", &self.recovery)
            .field("recovery_limits", &self.recovery_limits)
            .field("budget", &self.budget)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("overall_timeout", &self.overall_timeout)
            .field("user_agent", &self.user_agent)
            .field("custom_transport", &self.transport.is_some())
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder with the defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The endpoint (required): `Endpoint::new(uin, region, appid)` for the service,
    /// `Endpoint::with_base_url(url, appid)` for the emulator or a proxy.
    pub fn endpoint(mut self, e: Endpoint) -> Self {
        self.endpoint = Some(e);
        self
    }

    /// Fixed credentials (replaces a provider).
    pub fn credentials(mut self, c: Credentials) -> Self {
        self.credentials = Some(CredentialsChoice::Static(c));
        self
    }

    /// A provider of credentials, e.g. [`crate::EnvProvider`], [`crate::ChainProvider`] or one of temporary keys
    /// (replaces fixed credentials).
    pub fn credentials_provider(mut self, p: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(CredentialsChoice::Provider(Box::new(p)));
        self
    }

    /// Provided credentials are refreshed this long before they expire (default 5 minutes).
    pub fn credentials_refresh_margin(mut self, d: Duration) -> Self {
        self.refresh_margin = d;
        self
    }

    /// The retry policy.
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry = p;
        self
    }

    /// The retry policy of each request of a CreateJob's recovery (default
    /// [`RetryPolicy::recovery`]): after its attempts ran out, or met "Duplicate request",
    /// when an attempt may have created the job (see [`Client::create_job_with`]).
    pub fn recovery_policy(mut self, p: RetryPolicy) -> Self {
        self.recovery = p;
        self
    }

    /// The bounds of a CreateJob's look-up of the job a lost attempt created (default
    /// [`RecoveryLimits::default`]: 60 s, 10 pages of 1000 jobs).
    pub fn recovery_limits(mut self, limits: RecoveryLimits) -> Self {
        self.recovery_limits = limits;
        self
    }

    /// The retry budget shared by every call of the client and its clones (default
    /// [`RetryBudget::default`]; [`RetryBudget::unlimited`] to turn it off).
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.budget = budget;
        self
    }

    /// How long to wait for a TCP connection (and TLS handshake).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self
    }

    /// How long one attempt may take: sending the request and reading the whole response.
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = Some(d);
        self
    }

    /// How long a whole call may take: every attempt, back-off sleep and, for CreateJob, the
    /// look-up of a job an earlier attempt created.
    pub fn overall_timeout(mut self, d: Duration) -> Self {
        self.overall_timeout = Some(d);
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// The largest response body accepted; a larger one is a
    /// [`crate::TransportErrorKind::BodyTooLarge`] error.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// The HTTP stack to send through instead of the default [`HyperTransport`] (whose
    /// [`ClientBuilder::connect_timeout`] then does not apply). Signing, retries, timeouts
    /// and decoding stay the client's.
    pub fn http_transport(mut self, transport: impl HttpTransport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// The client. No connection is made yet (and no runtime is needed yet).
    pub fn build(self) -> Result<Client, BuildError> {
        let endpoint = self.endpoint.ok_or(BuildError::MissingEndpoint)?;
        let signer = match self.credentials.ok_or(BuildError::MissingCredentials)? {
            CredentialsChoice::Static(c) => {
                SignerSource::Static(Arc::new(signer_for(c).map_err(BuildError::Credentials)?))
            }
            CredentialsChoice::Provider(p) => SignerSource::Provided(RequestSigner::new(Arc::new(
                CredentialsCache::new(p).with_refresh_margin(self.refresh_margin),
            ))),
        };
        let user_agent =
            HeaderValue::from_str(&self.user_agent).map_err(|_| BuildError::InvalidUserAgent)?;
        let http: Arc<dyn HttpTransport> = match self.transport {
            Some(transport) => transport,
            None => Arc::new(
                HyperTransport::new(self.connect_timeout)
                    .map_err(|e| BuildError::Tls(e.to_string()))?,
            ),
        };
        Ok(Client::from_inner(Inner {
            endpoint,
            http,
            signer,
            retry: self.retry,
            recovery: self.recovery,
            attempt_timeout: self.attempt_timeout,
            overall_timeout: self.overall_timeout,
            user_agent,
            max_response_body: self.max_response_body,
            clock: Clock::default(),
            budget: Bucket::new(self.budget),
            recovery_limits: self.recovery_limits,
        }))
    }
}

/// Why a [`ClientBuilder`] could not build a client.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// No endpoint was given ([`ClientBuilder::endpoint`]).
    MissingEndpoint,
    /// No credentials were given ([`ClientBuilder::credentials`] or
    /// [`ClientBuilder::credentials_provider`]).
    MissingCredentials,
    /// The fixed credentials cannot sign a request.
    Credentials(CredentialsError),
    /// The user agent cannot be a header value.
    InvalidUserAgent,
    /// The TLS configuration could not be built.
    Tls(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingEndpoint => f.write_str("no endpoint: call ClientBuilder::endpoint"),
            Self::MissingCredentials => f.write_str(
                "no credentials: call ClientBuilder::credentials or ClientBuilder::credentials_provider",
            ),
            Self::Credentials(e) => write!(f, "unusable credentials: {e}"),
            Self::InvalidUserAgent => f.write_str("the user agent cannot be a header value"),
            Self::Tls(e) => write!(f, "TLS set-up failed: {e}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Credentials(e) => Some(e),
            _ => None,
        }
    }
}
