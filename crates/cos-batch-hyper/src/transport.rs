//! The HTTP stack: a pooled hyper-util client over rustls (webpki roots, ring), and one
//! exchange of a request for a whole, size-capped response.

use std::error::Error as StdError;
use std::time::Duration;

use bytes::Bytes;
use cos_batch_proto::REQUEST_ID;
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client as PoolClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::error::{TransportError, TransportErrorKind};

/// The pooled HTTP client.
pub(crate) type HttpClient = PoolClient<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// How long an idle pooled connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// A pooled client speaking HTTP/1.1 over plain TCP (`http://`, for the emulator) or TLS
/// (`https://`, webpki roots, the ring provider), with `TCP_NODELAY` and `connect_timeout`.
pub(crate) fn http_client(connect_timeout: Option<Duration>) -> Result<HttpClient, rustls::Error> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(connect_timeout);
    let https = HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(PoolClient::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .build(https))
}

/// A whole response.
pub(crate) struct Received {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// The `x-cos-request-id` of a response head.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Sends `request` and reads the whole response, refusing a body over `max_body` bytes.
pub(crate) async fn exchange(
    client: &HttpClient,
    request: Request<Full<Bytes>>,
    max_body: usize,
) -> Result<Received, TransportError> {
    let response = client.request(request).await.map_err(send_error)?;
    let (parts, body) = response.into_parts();
    let too_large = || {
        TransportError::new(
            TransportErrorKind::BodyTooLarge,
            format!("the response body exceeds {max_body} bytes"),
        )
        .with_request_id(request_id(&parts.headers))
        .with_status(parts.status)
    };
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_body as u64) {
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
    Ok(Received {
        status: parts.status,
        headers: parts.headers,
        body,
    })
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
