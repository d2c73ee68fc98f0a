//! The errors of the codec: a service error (`CosError`), an undecodable success
//! (`ResponseError::Decode`), and an input that cannot be encoded (`EncodeError`).

use std::fmt;

use cos_batch_model::{
    DecodeError, ErrorCode, ErrorDocument, Limits, ValidationErrors, XmlDocument,
};
use http::{HeaderMap, StatusCode};

/// The header that carries the request id of every response.
pub const REQUEST_ID: &str = "x-cos-request-id";
/// The header that carries the trace id of error responses.
pub const TRACE_ID: &str = "x-cos-trace-id";

/// How much of a non-XML error body goes into the message.
const BODY_EXCERPT: usize = 160;

/// An error the service answered with (or, on the server side, will answer with).
///
/// ```
/// use cos_batch_proto::{CosError, ErrorCode};
/// use http::{HeaderMap, StatusCode};
///
/// let body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>\
///              <RequestId>NWRm</RequestId></Error>";
/// let err = CosError::from_response(StatusCode::SERVICE_UNAVAILABLE, &HeaderMap::new(), body);
/// assert_eq!(err.code(), &ErrorCode::SlowDown);
/// assert_eq!(err.request_id(), Some("NWRm"));
/// assert!(err.is_retryable());
///
/// // A proxy's HTML page still gives a typed error with the status.
/// let err = CosError::from_response(StatusCode::BAD_GATEWAY, &HeaderMap::new(), b"<html>Bad Gateway</html>");
/// assert_eq!(err.status(), StatusCode::BAD_GATEWAY);
/// assert!(err.is_retryable());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CosError(Box<Fields>);

/// The fields behind the box: errors are the cold path, so a `Result` stays one pointer wide.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Fields {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    resource: Option<String>,
    request_id: Option<String>,
    trace_id: Option<String>,
}

impl CosError {
    /// An error with a status, a code and a message (the server side builds these).
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self(Box::new(Fields {
            status,
            code,
            message: message.into(),
            resource: None,
            request_id: None,
            trace_id: None,
        }))
    }

    /// `InvalidArgument`, 400.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidArgument, message)
    }

    /// `InvalidRequest`, 400.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, message)
    }

    /// `MalformedXML`, 400.
    pub fn malformed_xml(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedXml, message)
    }

    /// `NoSuchJob`, 404.
    pub fn no_such_job(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NoSuchJob, message)
    }

    /// `MethodNotAllowed`, 405.
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            message,
        )
    }

    /// `InternalError`, 500.
    pub fn internal_error(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalError,
            message,
        )
    }

    /// `InvalidRequest`, 400, for an operation on a job that has ended, with `message` (the
    /// UpdateJobStatus page's "The specified job has already been completed"); see
    /// [`CosError::is_job_ended`].
    pub fn job_ended(message: impl Into<String>) -> Self {
        Self::invalid_request(message)
    }

    /// The `InvalidRequest` "Duplicate request" the service gives a repeated
    /// `ClientRequestToken`.
    pub fn duplicate_request() -> Self {
        Self::invalid_request("Duplicate request")
    }

    /// Sets the resource (the path the error is about).
    pub fn with_resource(mut self, resource: impl Into<String>) -> Self {
        self.0.resource = Some(resource.into());
        self
    }

    /// Sets the request id.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.0.request_id = Some(request_id.into());
        self
    }

    /// Sets the trace id.
    pub fn with_trace_id(mut self, trace_id: impl Into<String>) -> Self {
        self.0.trace_id = Some(trace_id.into());
        self
    }

    /// Reads an error response: the XML error document first, the `x-cos-request-id` and
    /// `x-cos-trace-id` headers where the document lacks them. A body that is empty or not an
    /// error document (an HTML page from a proxy, say) still gives an error with the status,
    /// the code the status implies and an excerpt of the body.
    pub fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let limits = Limits::default();
        match ErrorDocument::from_xml_with(body, &limits) {
            Ok(doc) if doc.code.is_some() || doc.message.is_some() => Self(Box::new(Fields {
                status,
                code: doc.code.unwrap_or_else(|| code_for_status(status)),
                message: doc.message.unwrap_or_default(),
                resource: doc.resource,
                request_id: doc.request_id.or_else(|| header(REQUEST_ID)),
                trace_id: doc.trace_id.or_else(|| header(TRACE_ID)),
            })),
            _ => Self(Box::new(Fields {
                status,
                code: code_for_status(status),
                message: describe_body(status, body),
                resource: None,
                request_id: header(REQUEST_ID),
                trace_id: header(TRACE_ID),
            })),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The error code.
    pub fn code(&self) -> &ErrorCode {
        &self.0.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The resource the error is about, when given.
    pub fn resource(&self) -> Option<&str> {
        self.0.resource.as_deref()
    }

    /// The request id, from the body or the `x-cos-request-id` header.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// The trace id, from the body or the `x-cos-trace-id` header.
    pub fn trace_id(&self) -> Option<&str> {
        self.0.trace_id.as_deref()
    }

    /// Whether the same request may succeed if sent again: `InternalError`,
    /// `ServiceUnavailable` and `SlowDown`, and any 429, 500, 502, 503 or 504 whose code the
    /// codec does not know (a proxy's page, say). `TooManyJobs` is a limit, not a fault: not
    /// retryable.
    pub fn is_retryable(&self) -> bool {
        self.0.code.is_retryable()
            || (!self.0.code.is_known()
                && matches!(self.0.status.as_u16(), 429 | 500 | 502 | 503 | 504))
    }

    /// Whether this is the service's answer to a repeated `ClientRequestToken`
    /// (`InvalidRequest`, "Duplicate request"): the job of that token exists already.
    pub fn is_duplicate_request(&self) -> bool {
        self.0.code == ErrorCode::InvalidRequest
            && self.0.message.to_ascii_lowercase().contains("duplicate")
    }

    /// Whether the job this error is about has ended (Complete, Failed or Cancelled), so its
    /// status can no longer change. The UpdateJobStatus page documents two answers for it, and
    /// both count: `InvalidRequest` (400) "The specified job has already been completed", and
    /// `NoSuchJob` (404) "The specified job does not exist or has already been completed". A
    /// `NoSuchJob` that does not mention completion (an id that never existed) does not.
    ///
    /// ```
    /// use cos_batch_proto::CosError;
    /// assert!(CosError::job_ended("The specified job has already been completed").is_job_ended());
    /// assert!(CosError::no_such_job(
    ///     "The specified job does not exist or has already been completed"
    /// ).is_job_ended());
    /// assert!(!CosError::no_such_job("The specified job does not exist").is_job_ended());
    /// ```
    pub fn is_job_ended(&self) -> bool {
        let message = self.0.message.to_ascii_lowercase();
        let says_ended = ["completed", "has ended", "already ended"]
            .iter()
            .any(|w| message.contains(w));
        matches!(
            self.0.code,
            ErrorCode::InvalidRequest | ErrorCode::NoSuchJob
        ) && says_ended
    }

    /// The error document this error is sent as.
    pub fn to_document(&self) -> ErrorDocument {
        let mut doc = ErrorDocument::new(self.0.code.clone(), self.0.message.clone());
        doc.resource = self.0.resource.clone();
        doc.request_id = self.0.request_id.clone();
        doc.trace_id = self.0.trace_id.clone();
        doc
    }
}

/// The code a status implies when the body names none.
fn code_for_status(status: StatusCode) -> ErrorCode {
    match status.as_u16() {
        405 => ErrorCode::MethodNotAllowed,
        500 => ErrorCode::InternalError,
        503 => ErrorCode::ServiceUnavailable,
        s => ErrorCode::Other(format!("HTTP{s}")),
    }
}

/// A message for a body that is not an error document.
fn describe_body(status: StatusCode, body: &[u8]) -> String {
    let reason = status.canonical_reason().unwrap_or("");
    if body.iter().all(u8::is_ascii_whitespace) {
        return format!("HTTP {} {reason} with an empty body", status.as_u16());
    }
    let text = String::from_utf8_lossy(body);
    let excerpt: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(BODY_EXCERPT)
        .collect();
    let more = if text.chars().count() > BODY_EXCERPT {
        "..."
    } else {
        ""
    };
    format!(
        "HTTP {} {reason} with a body that is not a COS error document: {}{more}",
        status.as_u16(),
        excerpt.trim()
    )
}

impl fmt::Display for CosError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.0.code,
            self.0.status.as_u16(),
            self.0.message
        )?;
        if let Some(id) = &self.0.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for CosError {}

/// Why a response could not be turned into an operation's output.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ResponseError {
    /// The service answered with an error.
    Service(CosError),
    /// The service answered 2xx, but the body is not the document the operation returns.
    Decode {
        /// The (successful) status.
        status: StatusCode,
        /// `x-cos-request-id`, when present.
        request_id: Option<String>,
        /// What is wrong with the body.
        error: DecodeError,
    },
}

impl ResponseError {
    /// The service error, when this is one.
    pub fn as_service(&self) -> Option<&CosError> {
        match self {
            Self::Service(e) => Some(e),
            Self::Decode { .. } => None,
        }
    }

    /// The request id, from either kind.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Service(e) => e.request_id(),
            Self::Decode { request_id, .. } => request_id.as_deref(),
        }
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Service(e) => write!(f, "service error: {e}"),
            Self::Decode {
                status,
                error,
                request_id,
            } => {
                write!(
                    f,
                    "HTTP {} response body could not be decoded: {error}",
                    status.as_u16()
                )?;
                if let Some(id) = request_id {
                    write!(f, " [request id {id}]")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ResponseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Service(e) => Some(e),
            Self::Decode { error, .. } => Some(error),
        }
    }
}

impl From<CosError> for ResponseError {
    fn from(e: CosError) -> Self {
        Self::Service(e)
    }
}

/// Why an input could not be encoded as a request. Nothing was sent.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The input breaks documented lengths or ranges (every violation is listed).
    Invalid(ValidationErrors),
    /// The request could not be assembled (a URI the `http` crate refuses).
    Http(String),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(e) => write!(f, "invalid input: {e}"),
            Self::Http(e) => write!(f, "the request could not be built: {e}"),
        }
    }
}

impl std::error::Error for EncodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Invalid(e) => Some(e),
            Self::Http(_) => None,
        }
    }
}

impl From<ValidationErrors> for EncodeError {
    fn from(e: ValidationErrors) -> Self {
        Self::Invalid(e)
    }
}

impl From<http::Error> for EncodeError {
    fn from(e: http::Error) -> Self {
        Self::Http(e.to_string())
    }
}
