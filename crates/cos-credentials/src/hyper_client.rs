//! [`HyperHttpClient`]: the default [`HttpClient`], hyper 1 over rustls (webpki roots, the
//! ring provider) or plain TCP for `http://` (the metadata service).

use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::http_client::{HttpClient, HttpError, HttpFuture};

/// The largest response body read: metadata and STS answers are well under a kilobyte.
pub const MAX_BODY: usize = 64 * 1024;

/// hyper over rustls, with a connection pool. Needs a tokio runtime.
///
/// ```no_run
/// use std::sync::Arc;
/// use cos_credentials::{CvmRoleProvider, HyperHttpClient};
///
/// let client = Arc::new(HyperHttpClient::new().unwrap());
/// let provider = CvmRoleProvider::new(client);
/// # let _ = provider;
/// ```
#[derive(Clone, Debug)]
pub struct HyperHttpClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl HyperHttpClient {
    /// A pooled client; fails only when rustls cannot set up the ring provider.
    pub fn new() -> Result<Self, HttpError> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        let https = HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| HttpError::other(format!("TLS set-up failed: {e}")))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(https);
        Ok(Self { client })
    }
}

/// `e` and its sources, `: `-separated (hyper's own message is only "client error (Connect)").
fn with_sources(e: &(dyn std::error::Error + 'static)) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

impl HttpClient for HyperHttpClient {
    fn send(&self, request: Request<Bytes>, timeout: Duration) -> HttpFuture<'_> {
        let request = request.map(Full::new);
        Box::pin(async move {
            let exchange = async {
                let response = self.client.request(request).await.map_err(|e| {
                    let message = with_sources(&e);
                    if e.is_connect() {
                        HttpError::connect(message)
                    } else {
                        HttpError::other(message)
                    }
                })?;
                let (parts, body) = response.into_parts();
                let body = Limited::new(body, MAX_BODY)
                    .collect()
                    .await
                    .map_err(|e| HttpError::other(format!("reading the response failed: {e}")))?
                    .to_bytes();
                Ok(Response::from_parts(parts, body))
            };
            tokio::time::timeout(timeout, exchange)
                .await
                .map_err(|_| HttpError::timeout(format!("no answer within {timeout:?}")))?
        })
    }
}
