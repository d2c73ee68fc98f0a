//! `SignLayer`: a batch request the emulator accepts, and a plain object request checked with
//! `cos_sign::Verifier`.
#![cfg(all(feature = "tower", feature = "hyper"))]

use std::convert::Infallible;
use std::future::{Ready, poll_fn, ready};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use cos_batch_emulator::{Account, Config, Emulator};
use cos_credentials::{
    CredentialsCache, ProvidedCredentials, RequestSigner, SignLayer, StaticProvider,
};
use cos_sign::{Credentials, HeaderPolicy, SecretKey, Verifier};
use http::header::HOST;
use http::{HeaderName, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tower_layer::Layer;
use tower_service::Service;

fn signer_for(provided: ProvidedCredentials) -> RequestSigner {
    RequestSigner::new(Arc::new(CredentialsCache::new(
        StaticProvider::from_provided(provided),
    )))
}

/// `ListJobs` through a hyper-util client wrapped in the layer, with these keys.
async fn list_jobs(base_url: &str, appid: &str, credentials: Credentials) -> StatusCode {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut service =
        SignLayer::new(signer_for(ProvidedCredentials::new(credentials))).layer(client);
    let request = Request::get(format!("{base_url}/jobs?maxResults=10"))
        .header("x-cos-appid", appid)
        .body(Full::new(Bytes::new()))
        .unwrap();
    poll_fn(|cx| service.poll_ready(cx)).await.unwrap();
    let response = service.call(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert!(!body.is_empty());
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_accepts_a_batch_request_signed_by_the_layer() {
    let data = tempfile::tempdir().unwrap();
    let account = Account::demo();
    let handle = Emulator::start(Config::new(data.path()).with_account(account.clone()))
        .await
        .unwrap();
    let base = handle.base_url();
    assert_eq!(
        list_jobs(&base, &account.appid, account.credentials()).await,
        StatusCode::OK
    );
    // The same request signed with another key is refused: the layer's signature is what
    // the emulator checked.
    let wrong = Credentials::new(account.secret_id.clone(), "not-the-key");
    assert_eq!(
        list_jobs(&base, &account.appid, wrong).await,
        StatusCode::FORBIDDEN
    );
    handle.shutdown().await;
}

/// An inner service that answers with the request head it was given.
#[derive(Clone)]
struct Echo;

impl Service<Request<()>> for Echo {
    type Response = http::request::Parts;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<()>) -> Self::Future {
        ready(Ok(request.into_parts().0))
    }
}

#[tokio::test]
async fn an_object_get_on_a_bucket_host_verifies_with_temporary_keys_and_the_chosen_policy() {
    let provided = ProvidedCredentials::expiring(
        Credentials::new("AKIDtemporary", "temporary-secret").with_session_token("session-token"),
        SystemTime::now() + Duration::from_secs(1800),
    );
    let meta = HeaderName::from_static("x-cos-meta-owner");
    let policy = HeaderPolicy::Only(vec![HOST, meta.clone()]);
    let mut service = SignLayer::new(signer_for(provided).with_header_policy(policy)).layer(Echo);
    let request = Request::get(
        "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/key?versionId=v1",
    )
    .header(&meta, "me")
    .header("x-cos-traffic-limit", "819200")
    .body(())
    .unwrap();
    poll_fn(|cx| service.poll_ready(cx)).await.unwrap();
    let parts = service.call(request).await.unwrap();

    let auth = parts.headers["authorization"].to_str().unwrap();
    assert!(auth.contains("q-ak=AKIDtemporary"), "{auth}");
    // The caller's policy: host and the listed meta header, not x-cos-traffic-limit.
    assert!(
        auth.contains("q-header-list=host;x-cos-meta-owner&"),
        "{auth}"
    );
    assert!(auth.contains("q-url-param-list=versionid&"), "{auth}");
    assert_eq!(parts.headers["x-cos-security-token"], "session-token");

    let verifier = Verifier::new(|id: &str| {
        (id == "AKIDtemporary").then(|| SecretKey::new("temporary-secret"))
    });
    verifier.verify_parts(&parts, SystemTime::now()).unwrap();
    let wrong = Verifier::new(|_: &str| Some(SecretKey::new("another-secret")));
    assert!(wrong.verify_parts(&parts, SystemTime::now()).is_err());
}

#[tokio::test]
async fn a_request_without_credentials_is_not_sent() {
    let expired = ProvidedCredentials::expiring(
        Credentials::new("AKIDx", "k"),
        SystemTime::now() - Duration::from_secs(1),
    );
    let mut service = SignLayer::new(signer_for(expired)).layer(Echo);
    let request = Request::get("http://127.0.0.1/key").body(()).unwrap();
    let e = service.call(request).await.unwrap_err();
    assert!(e.to_string().contains("no credentials to sign with"), "{e}");
}
