//! The HTTP stack: the [`HttpTransport`] trait a client sends through, and its default,
//! [`HyperTransport`]: a pooled hyper-util client over rustls (roots chosen by feature, the
//! ring provider), reading each response whole and size-capped, and streaming file bodies
//! ([`UploadBody::File`]) from disk.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use cos_batch_proto::REQUEST_ID;
use futures_util::TryStreamExt;
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, Request, Response};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited, StreamBody};
use hyper::body::Frame;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client as PoolClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::error::{TransportError, TransportErrorKind};
use crate::upload::{UploadBody, file_chunks};

/// The future of one exchange: the whole response, or why none arrived.
pub type HttpFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Response<Bytes>, TransportError>> + Send + 'a>>;

/// What a [`crate::Client`] sends its requests through: give one to
/// [`crate::ClientBuilder::http_transport`] to use your own HTTP stack (a corporate proxy, a
/// recording test double, another TLS set-up); [`HyperTransport`] is the default.
///
/// `send` gets a request that is signed and complete, and returns the whole response (any
/// status: the client decodes errors itself). It must not retry or follow redirects (the
/// client retries, within its policy and budget), and should refuse a body over `max_body`
/// bytes with [`TransportErrorKind::BodyTooLarge`] (the client checks again). Classify failures
/// with [`TransportErrorKind`]: the client retries `Connect`, `Closed`, `Body` and
/// `AttemptTimeout`, and knows that a `Connect` failure sent nothing. Timeouts are the client's:
/// it drops the future when the attempt's time is up.
///
/// A file body ([`crate::Bucket::put_object_file`]) comes through
/// [`send_upload`](Self::send_upload), whose default reads the file into memory and calls
/// `send`; override it to stream the file as [`HyperTransport`] does.
///
/// ```
/// use bytes::Bytes;
/// use cos_batch_hyper::{HttpFuture, HttpTransport};
///
/// /// Answers every request with 503 (a test double).
/// struct Down;
///
/// impl HttpTransport for Down {
///     fn send(&self, _request: http::Request<Bytes>, _max_body: usize) -> HttpFuture<'_> {
///         Box::pin(async {
///             let mut response = http::Response::new(Bytes::new());
///             *response.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
///             Ok(response)
///         })
///     }
/// }
/// # let _ = Down;
/// ```
pub trait HttpTransport: Send + Sync + 'static {
    /// Sends `request` and reads its whole response.
    fn send(&self, request: Request<Bytes>, max_body: usize) -> HttpFuture<'_>;

    /// Sends `request`, whose body may be a file ([`UploadBody::File`]: PUT Object of
    /// [`crate::Bucket::put_object_file`]), and reads its whole response; called for each
    /// attempt, so a file is read again from its start. Bodies in memory go to
    /// [`send`](Self::send).
    ///
    /// The default reads the file into memory and calls [`send`](Self::send) (so a transport
    /// that implements only `send` uploads files too, holding each whole while it is sent; a
    /// file that cannot be read fails with [`TransportErrorKind::Other`]).
    /// [`HyperTransport`] streams the file instead, one chunk in memory at a time.
    fn send_upload(&self, request: Request<UploadBody>, max_body: usize) -> HttpFuture<'_> {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let bytes = body
                .into_bytes()
                .await
                .map_err(|e| TransportError::from_source(TransportErrorKind::Other, e))?;
            self.send(Request::from_parts(parts, bytes), max_body).await
        })
    }
}

impl<T: HttpTransport + ?Sized> HttpTransport for std::sync::Arc<T> {
    fn send(&self, request: Request<Bytes>, max_body: usize) -> HttpFuture<'_> {
        (**self).send(request, max_body)
    }

    fn send_upload(&self, request: Request<UploadBody>, max_body: usize) -> HttpFuture<'_> {
        (**self).send_upload(request, max_body)
    }
}

/// A request body of the pooled client: bytes in memory, or a file read as it is sent.
type PoolBody = UnsyncBoxBody<Bytes, std::io::Error>;

/// The pooled hyper client.
type Pool = PoolClient<HttpsConnector<HttpConnector>, PoolBody>;

/// How long an idle pooled connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The default [`HttpTransport`]: hyper 1 with a connection pool, HTTP/1.1 over plain TCP
/// (`http://`, for the emulator) or rustls (`https://`, the ring provider), `TCP_NODELAY`.
///
/// The TLS roots are chosen by the crate's features: `platform-verifier` (the operating
/// system's verifier), else `native-roots` (the platform's certificate store, read once),
/// else `webpki-roots` (Mozilla's roots compiled in; the default feature). With none of them,
/// [`HyperTransport::new`] fails: give the client a transport of your own.
#[derive(Clone)]
pub struct HyperTransport {
    pool: Pool,
}

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransport").finish_non_exhaustive()
    }
}

impl HyperTransport {
    /// A pooled client with `connect_timeout` for the TCP connection and TLS handshake. Needs
    /// a tokio runtime when it sends, not when it is made.
    pub fn new(connect_timeout: Option<Duration>) -> Result<Self, TransportError> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(connect_timeout);
        let https = tls_roots(HttpsConnectorBuilder::new())?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let pool = PoolClient::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .build(https);
        Ok(Self { pool })
    }
}

type WantsSchemes = HttpsConnectorBuilder<hyper_rustls::builderstates::WantsSchemes>;
type WantsTls = HttpsConnectorBuilder<hyper_rustls::builderstates::WantsTlsConfig>;

#[cfg(any(
    feature = "webpki-roots",
    feature = "native-roots",
    feature = "platform-verifier"
))]
fn tls_failure(e: impl Into<Box<dyn StdError + Send + Sync>>) -> TransportError {
    TransportError::from_source(TransportErrorKind::Other, e)
}

#[cfg(feature = "platform-verifier")]
fn tls_roots(builder: WantsTls) -> Result<WantsSchemes, TransportError> {
    builder
        .with_provider_and_platform_verifier(rustls::crypto::ring::default_provider())
        .map_err(tls_failure)
}

#[cfg(all(feature = "native-roots", not(feature = "platform-verifier")))]
fn tls_roots(builder: WantsTls) -> Result<WantsSchemes, TransportError> {
    builder
        .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
        .map_err(tls_failure)
}

#[cfg(all(
    feature = "webpki-roots",
    not(feature = "native-roots"),
    not(feature = "platform-verifier")
))]
fn tls_roots(builder: WantsTls) -> Result<WantsSchemes, TransportError> {
    builder
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
        .map_err(tls_failure)
}

#[cfg(not(any(
    feature = "webpki-roots",
    feature = "native-roots",
    feature = "platform-verifier"
)))]
fn tls_roots(_builder: WantsTls) -> Result<WantsSchemes, TransportError> {
    Err(TransportError::new(
        TransportErrorKind::Other,
        "no TLS roots: enable the webpki-roots, native-roots or platform-verifier feature, \
         or give the client a transport of your own",
    ))
}

/// The `x-cos-request-id` of a response head.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A body of bytes in memory, for the pool.
fn in_memory(bytes: Bytes) -> PoolBody {
    Full::new(bytes)
        .map_err(|never| match never {})
        .boxed_unsync()
}

impl HttpTransport for HyperTransport {
    fn send(&self, request: Request<Bytes>, max_body: usize) -> HttpFuture<'_> {
        Box::pin(exchange(&self.pool, request.map(in_memory), max_body))
    }

    /// Streams a file body from disk, 64 KiB at a time.
    fn send_upload(&self, request: Request<UploadBody>, max_body: usize) -> HttpFuture<'_> {
        let request = request.map(|body| match body {
            UploadBody::Bytes(bytes) => in_memory(bytes),
            UploadBody::File { path, len } => {
                let frames = file_chunks(path, len).map_ok(Frame::data);
                StreamBody::new(frames).boxed_unsync()
            }
        });
        Box::pin(exchange(&self.pool, request, max_body))
    }
}

/// Sends `request` and reads the whole response, refusing a body over `max_body` bytes.
async fn exchange(
    client: &Pool,
    request: Request<PoolBody>,
    max_body: usize,
) -> Result<Response<Bytes>, TransportError> {
    // A HEAD answer's Content-Length is the object's size, not a body that follows.
    let head = request.method() == http::Method::HEAD;
    let response = client.request(request).await.map_err(send_error)?;
    let (parts, body) = response.into_parts();
    let too_large = || too_large(&parts.headers, max_body).with_status(parts.status);
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if !head && declared.is_some_and(|n| n > max_body as u64) {
        return Err(too_large());
    }
    let body = match Limited::new(body, max_body).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => return Err(too_large()),
        Err(e) => {
            return Err(TransportError::from_source(TransportErrorKind::Body, e)
                .with_request_id(request_id(&parts.headers))
                .with_status(parts.status));
        }
    };
    Ok(Response::from_parts(parts, body))
}

/// The error for a body over `max_body` bytes.
pub(crate) fn too_large(headers: &HeaderMap, max_body: usize) -> TransportError {
    TransportError::new(
        TransportErrorKind::BodyTooLarge,
        format!("the response body exceeds {max_body} bytes"),
    )
    .with_request_id(request_id(headers))
}

/// Classifies a failure to get a response head.
fn send_error(e: hyper_util::client::legacy::Error) -> TransportError {
    if e.is_connect() {
        return TransportError::from_source(TransportErrorKind::Connect, e);
    }
    let kind = match find_hyper_error(&e) {
        Some(h) if h.is_incomplete_message() || h.is_canceled() || h.is_closed() => {
            TransportErrorKind::Closed
        }
        Some(h) if h.is_parse() || h.is_user() => TransportErrorKind::Other,
        // An IO error under the hyper error (a reset, a broken pipe) ends the exchange the
        // same way a close does.
        Some(_) if find_io_error(&e).is_some() => TransportErrorKind::Closed,
        _ if find_io_error(&e).is_some() => TransportErrorKind::Closed,
        _ => TransportErrorKind::Other,
    };
    TransportError::from_source(kind, e)
}

fn find_hyper_error<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a hyper::Error> {
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(h) = err.downcast_ref::<hyper::Error>() {
            return Some(h);
        }
        current = err.source();
    }
    None
}

fn find_io_error<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a std::io::Error> {
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        current = err.source();
    }
    None
}
