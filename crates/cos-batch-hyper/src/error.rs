//! `Error`: what a call can fail with, kept apart by where it failed — before sending
//! ([`Error::Invalid`]), at the service ([`Error::Service`]), on the way ([`Error::Transport`]),
//! in a 2xx body ([`Error::Response`]) or in getting credentials ([`Error::Credentials`]).

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use cos_batch_model::{JobStatus, MissingField};
use cos_batch_proto::{CosError, EncodeError, ResponseError};
use cos_sign::SignError;
use http::StatusCode;

use cos_credentials::CredentialsError;

/// The error of a client call.
///
/// ```
/// use cos_batch_hyper::{Error, TransportErrorKind};
///
/// fn explain(err: &Error) -> String {
///     match err {
///         Error::Invalid(e) => format!("fix the input: {e}"),
///         Error::Service(e) => format!("the service said {} ({:?})", e.code(), e.request_id()),
///         Error::Transport(e) if e.kind() == TransportErrorKind::Connect => "is the endpoint up?".into(),
///         other => other.to_string(),
///     }
/// }
/// # let _ = explain;
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Error {
    /// The input breaks the documented lengths or ranges (or the request could not be
    /// assembled). Caught before any request is sent.
    Invalid(EncodeError),
    /// The service answered with an error document (or a non-2xx status), with its request id.
    Service(CosError),
    /// The request or its response did not make it: connect, timeout, closed connection, body.
    Transport(TransportError),
    /// The service answered, but not with the operation's output nor an error document: a 2xx
    /// body that is not the document the operation returns (`ResponseError::Decode`), or a
    /// kind of response error the codec adds later. The codec's error, as it gave it.
    Response(ResponseError),
    /// The signer refused the request (a header or query it cannot sign). Nothing was sent.
    Sign(SignError),
    /// No usable credentials: the provider failed, or gave credentials that cannot sign.
    Credentials(CredentialsError),
    /// A CreateJob whose outcome is unknown: an attempt may have created the job, and the
    /// client could not find out (its recovery ran out of retries or time). Do not retry with
    /// a new token, which could make a second job: call `create_job` again with this
    /// `ClientRequestToken`. That call creates the job if no attempt did, or meets the
    /// service's "Duplicate request" if one did (the job exists; ListJobs and DescribeJob
    /// find it by its token).
    OutcomeUnknown {
        /// The `ClientRequestToken` the attempts carried.
        token: String,
        /// The last failure met.
        last: Box<Error>,
    },
    /// A ListJobs walk met a `NextToken` it had met before (not only on the page before):
    /// the service's listing would never end, so the walk stopped.
    RepeatedPageToken {
        /// The token given again.
        token: String,
        /// How many distinct tokens the walk had met.
        pages: usize,
    },
    /// A fluent builder was sent without a required element. Nothing was sent.
    MissingField(MissingField),
    /// A [`crate::JobWaiter`] ran out of time before the job reached a status it waits for.
    WaitTimeout {
        /// The job waited for.
        job_id: String,
        /// How long the waiter waited.
        waited: Duration,
        /// How many polls answered.
        polls: u32,
        /// The status of the last answer, if any.
        last_status: Option<JobStatus>,
    },
    /// A local file could not be read ([`crate::Bucket::put_object_file`]). Nothing was sent.
    File {
        /// The file.
        path: std::path::PathBuf,
        /// Why (shared: the error is `Clone`).
        source: std::sync::Arc<std::io::Error>,
    },
}

impl Error {
    /// The service error, when this is one.
    pub fn service(&self) -> Option<&CosError> {
        match self {
            Self::Service(e) => Some(e),
            _ => None,
        }
    }

    /// The transport error, when this is one.
    pub fn transport(&self) -> Option<&TransportError> {
        match self {
            Self::Transport(e) => Some(e),
            _ => None,
        }
    }

    /// The request id the service gave, when a response (or its head) arrived.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Service(e) => e.request_id(),
            Self::Response(e) => e.request_id(),
            Self::Transport(e) => e.request_id(),
            Self::OutcomeUnknown { last, .. } => last.request_id(),
            Self::Invalid(_)
            | Self::Credentials(_)
            | Self::Sign(_)
            | Self::RepeatedPageToken { .. }
            | Self::MissingField(_)
            | Self::WaitTimeout { .. }
            | Self::File { .. } => None,
        }
    }

    /// Whether sending the same request again may succeed: a retryable service error
    /// ([`CosError::is_retryable`]) or a transport failure other than the overall timeout
    /// and an oversized body. The client retries these itself, within its [`crate::RetryPolicy`].
    /// [`Error::OutcomeUnknown`] is not: only a call with its token is safe.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Service(e) => e.is_retryable(),
            Self::Transport(e) => e.is_retryable(),
            Self::Invalid(_)
            | Self::Response(_)
            | Self::Sign(_)
            | Self::Credentials(_)
            | Self::OutcomeUnknown { .. }
            | Self::RepeatedPageToken { .. }
            | Self::MissingField(_)
            | Self::WaitTimeout { .. }
            | Self::File { .. } => false,
        }
    }

    /// The `ClientRequestToken` to call CreateJob again with, when the outcome of a CreateJob
    /// is unknown ([`Error::OutcomeUnknown`]).
    pub fn outcome_unknown_token(&self) -> Option<&str> {
        match self {
            Self::OutcomeUnknown { token, .. } => Some(token),
            _ => None,
        }
    }
}

/// A variant that wraps another error shows that error's own message (with what this layer
/// adds) and gives that error's [`StdError::source`] as its source, so that a reporter
/// walking the chain prints each message once.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(e) => write!(f, "{e} (nothing was sent)"),
            Self::Service(e) => write!(f, "service error: {e}"),
            Self::Response(e) => fmt::Display::fmt(e, f),
            Self::Transport(e) => write!(f, "transport error: {e}"),
            Self::Sign(e) => write!(f, "the request cannot be signed: {e} (nothing was sent)"),
            Self::Credentials(e) => write!(f, "credentials error: {e}"),
            Self::OutcomeUnknown { token, .. } => write!(
                f,
                "the outcome is unknown: the job may have been created; call CreateJob again \
                 with ClientRequestToken {token:?}, not a new one"
            ),
            Self::RepeatedPageToken { token, pages } => write!(
                f,
                "the service gave the page token {token:?} again after {pages} distinct \
                 tokens: the listing would never end, so it stopped"
            ),
            Self::MissingField(e) => write!(f, "{e} (nothing was sent)"),
            Self::WaitTimeout {
                job_id,
                waited,
                polls,
                last_status,
            } => {
                write!(
                    f,
                    "job {job_id} did not reach the awaited status within {waited:?} ({polls} polls"
                )?;
                match last_status {
                    Some(status) => write!(f, ", last status {status})"),
                    None => f.write_str(")"),
                }
            }
            Self::File { path, .. } => {
                write!(f, "cannot read {} (nothing was sent)", path.display())
            }
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            // The codec's errors show their cause's message in their own (`invalid input:
            // {violations}`, `… could not be decoded: {error}`): the chain goes on below it.
            Self::Invalid(e) => e.source().and_then(StdError::source),
            Self::Service(e) => e.source(),
            Self::Response(e) => e.source().and_then(StdError::source),
            Self::Transport(e) => e.source(),
            Self::Sign(e) => e.source(),
            Self::Credentials(e) => e.source(),
            Self::MissingField(e) => e.source(),
            Self::OutcomeUnknown { last, .. } => Some(&**last),
            Self::File { source, .. } => Some(&**source),
            Self::RepeatedPageToken { .. } | Self::WaitTimeout { .. } => None,
        }
    }
}

impl From<EncodeError> for Error {
    fn from(e: EncodeError) -> Self {
        Self::Invalid(e)
    }
}

impl From<CosError> for Error {
    fn from(e: CosError) -> Self {
        Self::Service(e)
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Self::Transport(e)
    }
}

impl From<CredentialsError> for Error {
    fn from(e: CredentialsError) -> Self {
        Self::Credentials(e)
    }
}

impl From<ResponseError> for Error {
    /// A service error becomes [`Error::Service`]; any other response error is kept as it is
    /// in [`Error::Response`].
    fn from(e: ResponseError) -> Self {
        match e {
            ResponseError::Service(e) => Self::Service(e),
            other => Self::Response(other),
        }
    }
}

/// What kind of transport failure a [`TransportError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made (refused, unreachable, DNS, TLS handshake, connect timeout).
    Connect,
    /// One attempt (sending the request and reading the whole response) took longer than the
    /// attempt timeout.
    AttemptTimeout,
    /// The whole call, retries and back-off included, took longer than the overall timeout.
    OverallTimeout,
    /// The connection closed (or was reset) before a whole response head arrived.
    Closed,
    /// The response head arrived but reading its body failed (cut off, reset).
    Body,
    /// The response body is larger than the client accepts.
    BodyTooLarge,
    /// Anything else: a malformed response, a request hyper refused.
    Other,
}

/// What the failure is, in a few words (`could not connect`, `the attempt timed out`, …).
impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "could not connect",
            Self::AttemptTimeout => "the attempt timed out",
            Self::OverallTimeout => "the call timed out",
            Self::Closed => "the connection closed before a response arrived",
            Self::Body => "reading the response body failed",
            Self::BodyTooLarge => "the response body is too large",
            Self::Other => "the HTTP exchange failed",
        })
    }
}

/// A failure to send a request or to receive its response. It never holds a request header
/// (so never the `Authorization` or the session token).
///
/// Its `Display` is its own layer only: the kind, the detail it was made with
/// ([`TransportError::new`]) and the request id; the error that caused it (hyper's, an I/O
/// error) is its [`StdError::source`], so a reporter that walks the chain prints each message
/// once.
///
/// ```
/// use std::error::Error as _;
/// use cos_batch_hyper::{TransportError, TransportErrorKind};
///
/// let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
/// let e = TransportError::from_source(TransportErrorKind::Connect, refused);
/// assert_eq!(e.to_string(), "could not connect");
/// assert_eq!(e.source().map(|c| c.to_string()).as_deref(), Some("refused"));
/// ```
#[derive(Clone)]
pub struct TransportError {
    kind: TransportErrorKind,
    detail: Option<String>,
    request_id: Option<String>,
    status: Option<StatusCode>,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl TransportError {
    /// An error of `kind` with a human-readable detail (for an [`crate::HttpTransport`] of
    /// your own).
    pub fn new(kind: TransportErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: Some(detail.into()),
            request_id: None,
            status: None,
            source: None,
        }
    }

    /// An error of `kind` caused by `source`, which becomes its [`StdError::source`] (and is
    /// not repeated in its `Display`).
    pub fn from_source(
        kind: TransportErrorKind,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Self {
            kind,
            detail: None,
            request_id: None,
            status: None,
            source: Some(Arc::from(source.into())),
        }
    }

    /// The attempt timeout of `limit` fired.
    pub(crate) fn attempt_timeout(limit: Duration) -> Self {
        Self::new(
            TransportErrorKind::AttemptTimeout,
            format!("no whole response within {limit:?}"),
        )
    }

    /// The overall timeout of `limit` fired.
    pub(crate) fn overall_timeout(limit: Duration) -> Self {
        Self::new(
            TransportErrorKind::OverallTimeout,
            format!("the call did not finish within {limit:?}"),
        )
    }

    /// Adds the request id of a response whose head arrived.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// Adds the status of a response whose head arrived.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// The HTTP status, when the response head arrived before the failure.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The detail this error was made with ([`TransportError::new`]); `None` for one made
    /// from its cause ([`TransportError::from_source`]: the cause's message is its source's).
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// Whether this is a timeout (of one attempt or of the whole call).
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::AttemptTimeout | TransportErrorKind::OverallTimeout
        )
    }

    /// The request id, when the response head arrived before the failure.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Whether the request may succeed if sent again: every kind but
    /// [`TransportErrorKind::OverallTimeout`], [`TransportErrorKind::BodyTooLarge`] and
    /// [`TransportErrorKind::Other`].
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Connect
                | TransportErrorKind::AttemptTimeout
                | TransportErrorKind::Closed
                | TransportErrorKind::Body
        )
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("detail", &self.detail)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, f)?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryability_by_kind() {
        use TransportErrorKind::*;
        for (kind, retryable) in [
            (Connect, true),
            (AttemptTimeout, true),
            (Closed, true),
            (Body, true),
            (OverallTimeout, false),
            (BodyTooLarge, false),
            (Other, false),
        ] {
            let e = Error::Transport(TransportError::new(kind, "x"));
            assert_eq!(e.is_retryable(), retryable, "{kind:?}");
        }
        assert!(Error::Service(CosError::internal_error("boom")).is_retryable());
        assert!(!Error::Service(CosError::duplicate_request()).is_retryable());
    }

    #[test]
    fn display_names_the_kind_detail_and_request_id() {
        let e = TransportError::from_source(
            TransportErrorKind::Body,
            std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "cut off"),
        )
        .with_request_id(Some("req-7".into()));
        // The cause is the source, not part of this layer's message.
        assert_eq!(
            e.to_string(),
            "reading the response body failed [request id req-7]"
        );
        assert_eq!(e.detail(), None);
        assert_eq!(
            e.source().map(ToString::to_string).as_deref(),
            Some("cut off")
        );
        let given = TransportError::new(TransportErrorKind::Other, "no scheme");
        assert_eq!(given.to_string(), "the HTTP exchange failed: no scheme");
        assert_eq!(given.detail(), Some("no scheme"));
        assert!(given.source().is_none());
        let err = Error::Transport(e);
        assert_eq!(err.request_id(), Some("req-7"));
        assert_eq!(
            err.source().map(ToString::to_string).as_deref(),
            Some("cut off")
        );
        let service = Error::Service(CosError::no_such_job("gone").with_request_id("r1"));
        assert_eq!(service.request_id(), Some("r1"));
        assert!(service.service().is_some());
        assert!(service.to_string().contains("NoSuchJob"));
    }

    /// An error with a cause, as hyper's are (`client error (Connect)` over an I/O error).
    #[derive(Debug)]
    struct Layer(&'static str, std::io::Error);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Layer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.1)
        }
    }

    fn refused() -> TransportError {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        TransportError::from_source(
            TransportErrorKind::Connect,
            Layer("client error (Connect)", io),
        )
    }

    /// The messages of an error and its sources, outermost first.
    fn chain(error: &(dyn StdError + 'static)) -> Vec<String> {
        let mut out = vec![error.to_string()];
        let mut current = error.source();
        while let Some(e) = current {
            out.push(e.to_string());
            current = e.source();
        }
        out
    }

    #[test]
    fn a_reporter_walking_the_chain_prints_each_message_once() {
        let decode = ResponseError::Decode {
            status: StatusCode::OK,
            request_id: Some("r2".into()),
            error: cos_batch_model::DecodeError::new(
                cos_batch_model::DecodeErrorKind::Syntax("bad".into()),
                "ListJobsResult",
            ),
        };
        let invalid = cos_batch_model::DescribeJobRequest::new("")
            .validate()
            .map_err(EncodeError::Invalid)
            .unwrap_err();
        let unknown = Error::OutcomeUnknown {
            token: "t".into(),
            last: Box::new(Error::Service(CosError::internal_error("boom"))),
        };
        let lost = Error::OutcomeUnknown {
            token: "t".into(),
            last: Box::new(Error::Transport(refused())),
        };
        for error in [
            Error::from(decode),
            Error::Invalid(invalid),
            unknown,
            Error::Transport(refused()),
            lost,
            Error::Sign(SignError::InvalidHost),
            Error::MissingField(MissingField::new("Manifest")),
        ] {
            let messages = chain(&error);
            for (i, outer) in messages.iter().enumerate() {
                for inner in &messages[i + 1..] {
                    assert!(!outer.contains(inner.as_str()), "{messages:#?}");
                }
            }
        }
        // The outcome-unknown error names the token, and its cause comes next.
        let unknown = Error::OutcomeUnknown {
            token: "t".into(),
            last: Box::new(Error::Service(CosError::internal_error("boom"))),
        };
        let messages = chain(&unknown);
        assert_eq!(messages.len(), 2);
        assert!(messages[1].contains("boom"));
        // A transport error's layers each once: the client's, hyper's, the I/O error.
        assert_eq!(
            chain(&Error::Transport(refused())),
            [
                "transport error: could not connect",
                "client error (Connect)",
                "connection refused"
            ]
        );
        let transport = refused();
        assert_eq!(
            chain(&transport),
            [
                "could not connect",
                "client error (Connect)",
                "connection refused"
            ]
        );
    }

    #[test]
    fn no_value_is_made_up() {
        use crate::ErrorMetadata;
        let decode = ResponseError::Decode {
            status: StatusCode::CREATED,
            request_id: None,
            error: cos_batch_model::DecodeError::new(
                cos_batch_model::DecodeErrorKind::Syntax("bad".into()),
                "",
            ),
        };
        let e = Error::from(decode);
        assert!(matches!(e, Error::Response(_)));
        assert_eq!(e.http_status(), Some(StatusCode::CREATED));
        assert_eq!(e.code(), None);
        assert_eq!(e.request_id(), None);
        for unsent in [
            Error::Sign(SignError::InvalidHost),
            Error::MissingField(MissingField::new("Manifest")),
            Error::Transport(TransportError::new(TransportErrorKind::Connect, "refused")),
        ] {
            assert_eq!(unsent.http_status(), None, "{unsent:?}");
            assert_eq!(unsent.code(), None);
        }
        let service = Error::Service(
            CosError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                crate::ErrorCode::SlowDown,
                "slow",
            )
            .with_trace_id("tr-1"),
        );
        assert_eq!(service.code(), Some("SlowDown"));
        assert_eq!(service.trace_id(), Some("tr-1"));
        assert_eq!(service.http_status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert!(ErrorMetadata::is_retryable(&service));
        let cut = TransportError::new(TransportErrorKind::Body, "cut").with_status(StatusCode::OK);
        assert_eq!(Error::Transport(cut).http_status(), Some(StatusCode::OK));
    }
}
