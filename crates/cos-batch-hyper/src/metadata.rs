//! `ErrorMetadata`: what every error of a call can tell, whatever its kind.

use cos_batch_proto::{CosError, ResponseError};
use http::StatusCode;

use crate::error::{Error, TransportError};

/// What an error can tell about the exchange that failed: the service's code and message, its
/// request and trace ids, the HTTP status, and whether sending the request again may succeed.
/// Each is `None` when the error does not know it (a request never sent has no status); no
/// value is made up.
///
/// The client's retries ask [`ErrorMetadata::is_retryable`] of [`Error`] (and nothing else)
/// to decide.
///
/// ```
/// use cos_batch_hyper::{CosError, Error, ErrorMetadata};
///
/// let e = Error::Service(CosError::no_such_job("gone").with_request_id("req-1"));
/// assert_eq!(e.code(), Some("NoSuchJob"));
/// assert_eq!(e.message(), Some("gone"));
/// assert_eq!(e.request_id(), Some("req-1"));
/// assert_eq!(e.http_status().map(|s| s.as_u16()), Some(404));
/// assert!(!e.is_retryable());
/// ```
pub trait ErrorMetadata {
    /// The service's error code (`NoSuchJob`, `SlowDown`, …).
    fn code(&self) -> Option<&str>;
    /// The service's error message.
    fn message(&self) -> Option<&str>;
    /// `x-cos-request-id` (or the error document's `RequestId`).
    fn request_id(&self) -> Option<&str>;
    /// `x-cos-trace-id` (or the error document's `TraceId`).
    fn trace_id(&self) -> Option<&str>;
    /// The HTTP status of the response, when one arrived.
    fn http_status(&self) -> Option<StatusCode>;
    /// Whether sending the same request again may succeed.
    fn is_retryable(&self) -> bool;
}

impl ErrorMetadata for CosError {
    fn code(&self) -> Option<&str> {
        Some(CosError::code(self).as_str())
    }
    fn message(&self) -> Option<&str> {
        Some(CosError::message(self))
    }
    fn request_id(&self) -> Option<&str> {
        CosError::request_id(self)
    }
    fn trace_id(&self) -> Option<&str> {
        CosError::trace_id(self)
    }
    fn http_status(&self) -> Option<StatusCode> {
        Some(self.status())
    }
    fn is_retryable(&self) -> bool {
        CosError::is_retryable(self)
    }
}

impl ErrorMetadata for ResponseError {
    fn code(&self) -> Option<&str> {
        self.as_service().and_then(ErrorMetadata::code)
    }
    fn message(&self) -> Option<&str> {
        self.as_service().and_then(ErrorMetadata::message)
    }
    fn request_id(&self) -> Option<&str> {
        ResponseError::request_id(self)
    }
    fn trace_id(&self) -> Option<&str> {
        self.as_service().and_then(CosError::trace_id)
    }
    fn http_status(&self) -> Option<StatusCode> {
        match self {
            ResponseError::Service(e) => Some(e.status()),
            ResponseError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }
    fn is_retryable(&self) -> bool {
        self.as_service().is_some_and(CosError::is_retryable)
    }
}

impl ErrorMetadata for TransportError {
    fn code(&self) -> Option<&str> {
        None
    }
    fn message(&self) -> Option<&str> {
        None
    }
    fn request_id(&self) -> Option<&str> {
        TransportError::request_id(self)
    }
    fn trace_id(&self) -> Option<&str> {
        None
    }
    fn http_status(&self) -> Option<StatusCode> {
        self.status()
    }
    fn is_retryable(&self) -> bool {
        TransportError::is_retryable(self)
    }
}

impl ErrorMetadata for Error {
    fn code(&self) -> Option<&str> {
        self.answered().and_then(|e| e.code())
    }
    fn message(&self) -> Option<&str> {
        self.answered().and_then(|e| e.message())
    }
    fn request_id(&self) -> Option<&str> {
        Error::request_id(self)
    }
    fn trace_id(&self) -> Option<&str> {
        self.answered().and_then(|e| e.trace_id())
    }
    fn http_status(&self) -> Option<StatusCode> {
        self.answered().and_then(|e| e.http_status())
    }
    fn is_retryable(&self) -> bool {
        Error::is_retryable(self)
    }
}

impl Error {
    /// The error that carries what the service (or the transport) said, if any.
    fn answered(&self) -> Option<&dyn ErrorMetadata> {
        match self {
            Self::Service(e) => Some(e),
            Self::Response(e) => Some(e),
            Self::Transport(e) => Some(e),
            Self::OutcomeUnknown { last, .. } => last.answered(),
            _ => None,
        }
    }
}
