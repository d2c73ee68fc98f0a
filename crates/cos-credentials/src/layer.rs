//! [`SignLayer`]: a `tower::Layer` that signs every request passing through it, for any COS
//! API and any tower client (hyper-util's, `reqwest` through its tower compatibility, your
//! own).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Request;
use tower_layer::Layer;
use tower_service::Service;

use crate::request_signer::RequestSigner;

/// The error type of a [`SignService`]: a [`crate::SignRequestError`] or the inner service's
/// error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Signs every request with the current credentials of a [`crate::CredentialsCache`] and the
/// header policy of the caller's choice (see [`RequestSigner`]).
///
/// ```
/// use std::sync::Arc;
/// use cos_credentials::{CredentialsCache, RequestSigner, SignLayer, StaticProvider};
/// use cos_sign::{Credentials, HeaderPolicy};
/// use tower_layer::Layer;
///
/// let cache = Arc::new(CredentialsCache::new(StaticProvider::new(Credentials::new("AKIDexample", "secret"))));
/// let layer = SignLayer::new(RequestSigner::new(cache).with_header_policy(HeaderPolicy::All));
/// // Wrap any `Service<http::Request<B>>`: a hyper-util client, say.
/// let service = layer.layer(tower_service_fn());
/// # fn tower_service_fn() {}
/// # let _ = service;
/// ```
#[derive(Clone, Debug)]
pub struct SignLayer {
    signer: RequestSigner,
}

impl SignLayer {
    /// Signs with `signer`.
    pub fn new(signer: RequestSigner) -> Self {
        Self { signer }
    }
}

impl<S> Layer<S> for SignLayer {
    type Service = SignService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SignService {
            inner,
            signer: self.signer.clone(),
        }
    }
}

/// The service a [`SignLayer`] makes: signs, then calls the inner service.
#[derive(Clone, Debug)]
pub struct SignService<S> {
    inner: S,
    signer: RequestSigner,
}

impl<S, B> Service<Request<B>> for SignService<S>
where
    S: Service<Request<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The inner service was made ready by `poll_ready`: take it, leave a clone.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let signer = self.signer.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            signer.sign(&mut parts).await?;
            inner
                .call(Request::from_parts(parts, body))
                .await
                .map_err(Into::into)
        })
    }
}
