//! [`HttpClient`]: the one thing the network providers need from an HTTP stack — a request
//! in, a whole response out, within a timeout — so that an embedder with its own client,
//! runtime or proxy plugs that in instead of a second stack.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};

use crate::error::{CredentialsError, CredentialsErrorKind};

/// The future an [`HttpClient`] returns.
pub type HttpFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Response<Bytes>, HttpError>> + Send + 'a>>;

/// Sends one request and reads the whole response.
///
/// The network providers call it with small requests (a metadata `GET`, an STS `POST` of a
/// few hundred bytes) and expect small answers. An implementation must give up after
/// `timeout` (the providers also enforce it with tokio's timer when they run on tokio) and
/// should refuse bodies over a few kilobytes.
///
/// ```
/// use std::time::Duration;
/// use bytes::Bytes;
/// use cos_credentials::{HttpClient, HttpError, HttpFuture};
///
/// /// Answers every request with an empty 404 (a test double, or your own stack).
/// struct Nothing;
///
/// impl HttpClient for Nothing {
///     fn send(&self, _request: http::Request<Bytes>, _timeout: Duration) -> HttpFuture<'_> {
///         Box::pin(async {
///             http::Response::builder()
///                 .status(404)
///                 .body(Bytes::new())
///                 .map_err(|e| HttpError::other(e.to_string()))
///         })
///     }
/// }
/// # let _ = Nothing;
/// ```
pub trait HttpClient: Send + Sync {
    /// Sends `request`, giving up after `timeout`.
    fn send(&self, request: Request<Bytes>, timeout: Duration) -> HttpFuture<'_>;
}

impl<C: HttpClient + ?Sized> HttpClient for std::sync::Arc<C> {
    fn send(&self, request: Request<Bytes>, timeout: Duration) -> HttpFuture<'_> {
        (**self).send(request, timeout)
    }
}

/// What kind of failure an [`HttpError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpErrorKind {
    /// No answer within the timeout.
    Timeout,
    /// The server could not be reached (DNS, connection refused, TLS).
    Connect,
    /// Anything else (the connection broke, the body was too large).
    Other,
}

/// Why an [`HttpClient`] got no response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpError {
    kind: HttpErrorKind,
    message: String,
}

impl HttpError {
    /// A failure of this kind.
    pub fn new(kind: HttpErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// A timeout.
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(HttpErrorKind::Timeout, message)
    }

    /// A connection failure.
    pub fn connect(message: impl Into<String>) -> Self {
        Self::new(HttpErrorKind::Connect, message)
    }

    /// Any other failure.
    pub fn other(message: impl Into<String>) -> Self {
        Self::new(HttpErrorKind::Other, message)
    }

    /// The kind of failure.
    pub fn kind(&self) -> HttpErrorKind {
        self.kind
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HttpError {}

/// Sends `request` through `client` within `timeout`, enforced here too when running on
/// tokio. Failures become [`CredentialsErrorKind::Timeout`] or
/// [`CredentialsErrorKind::Transport`] errors naming `what` was asked.
pub(crate) async fn exchange(
    client: &dyn HttpClient,
    request: Request<Bytes>,
    timeout: Duration,
    what: &str,
) -> Result<Response<Bytes>, CredentialsError> {
    let timed_out = || {
        CredentialsError::with_kind(
            CredentialsErrorKind::Timeout,
            format!("{what} did not answer within {timeout:?}"),
        )
    };
    let sent = client.send(request, timeout);
    let outcome = if tokio::runtime::Handle::try_current().is_ok() {
        tokio::time::timeout(timeout, sent)
            .await
            .map_err(|_| timed_out())?
    } else {
        sent.await
    };
    outcome.map_err(|e| match e.kind() {
        HttpErrorKind::Timeout => timed_out(),
        _ => CredentialsError::with_kind(
            CredentialsErrorKind::Transport,
            format!("{what} could not be reached: {e}"),
        ),
    })
}
