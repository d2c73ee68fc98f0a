//! Where Tencent Cloud COS keys come from in production, kept fresh, and a tower layer that
//! signs any COS request with them.
//!
//! A service on Tencent Cloud does not hold static keys: it takes temporary keys from its CVM
//! instance role or, on TKE, from an OIDC token exchanged with STS. This crate finds keys
//! wherever they are, caches them and refreshes them before they expire, and signs requests
//! with [`cos_sign`]. It knows nothing of any particular COS API.
//!
//! - [`ProvideCredentials`]: the async provider trait. Providers: [`StaticProvider`],
//!   [`EnvProvider`] (`COS_*`, `TENCENTCLOUD_*`), [`TccliProfileProvider`]
//!   (`~/.tccli/<profile>.credential`), [`CosConfProvider`] (`~/.cos.conf`),
//!   [`CvmRoleProvider`] (the instance metadata service), [`WebIdentityProvider`] (TKE OIDC
//!   and STS `AssumeRoleWithWebIdentity`) and [`ChainProvider`], which tries them in order and
//!   says what each one found.
//! - [`CredentialsCache`]: refreshes before expiry, one refresh at a time, and keeps serving
//!   valid keys when a refresh fails.
//! - [`HttpClient`]: the small trait the network providers send through, so that an embedder
//!   keeps its own HTTP stack; [`HyperHttpClient`] (feature `hyper`, on by default) is the
//!   default. Every call has a timeout.
//! - [`RequestSigner`] signs a request head with the current keys and a header policy;
//!   [`SignLayer`] (feature `tower`) does it for every request through a tower stack.
//!
//! Secrets never reach `Debug`, `Display`, logs or error messages.
//!
//! # Example
//! ```no_run
//! use std::sync::Arc;
//! use cos_credentials::{ChainProvider, CredentialsCache, RequestSigner};
//!
//! # #[cfg(feature = "hyper")]
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // Environment, tccli profile, ~/.cos.conf, TKE web identity, CVM role: the first found.
//!     let cache = Arc::new(CredentialsCache::new(ChainProvider::standard_hyper()?));
//!     let provided = cache.credentials().await?;
//!     println!("keys from {}, expiring {:?}", provided.source(), provided.expires_at());
//!
//!     let signer = RequestSigner::new(cache);
//!     let (mut parts, ()) = http::Request::get("https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/key")
//!         .body(())?
//!         .into_parts();
//!     signer.sign(&mut parts).await?;
//!     Ok(())
//! }
//! # #[cfg(not(feature = "hyper"))]
//! # fn main() {}
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cache;
mod chain;
mod cos_conf;
mod cvm_role;
mod env_provider;
mod environment;
mod error;
mod http_client;
#[cfg(feature = "hyper")]
mod hyper_client;
mod ini;
#[cfg(feature = "tower")]
mod layer;
mod profile_file;
mod provider;
mod request_signer;
mod static_keys;
mod tccli_profile;
mod temporary;
mod web_identity;

pub use cache::{CredentialsCache, DEFAULT_REFRESH_MARGIN, RETRY_AFTER_FAILURE};
pub use chain::ChainProvider;
pub use cos_conf::CosConfProvider;
pub use cvm_role::{CvmRoleProvider, DEFAULT_METADATA_TIMEOUT, METADATA_ENDPOINT, ROLE_PATH};
pub use env_provider::{
    COS_SECRET_ID, COS_SECRET_KEY, COS_SESSION_TOKEN, EnvProvider, TENCENTCLOUD_SECRET_ID,
    TENCENTCLOUD_SECRET_KEY, TENCENTCLOUD_SECURITY_TOKEN, TENCENTCLOUD_TOKEN,
};
pub use environment::Environment;
pub use error::{CredentialsError, CredentialsErrorKind};
pub use http_client::{HttpClient, HttpError, HttpErrorKind, HttpFuture};
#[cfg(feature = "hyper")]
pub use hyper_client::{HyperHttpClient, MAX_BODY};
#[cfg(feature = "tower")]
pub use layer::{BoxError, SignLayer, SignService};
pub use provider::{CredentialsFuture, ProvideCredentials, ProvidedCredentials};
pub use request_signer::{DEFAULT_SIGNATURE_VALIDITY, RequestSigner, SignRequestError};
pub use static_keys::StaticProvider;
pub use tccli_profile::{DEFAULT_PROFILE, TCCLI_PROFILE, TccliProfileProvider};

// The README (the crate page) is compiled and run with the doctests, so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod crate_readme {}

pub use web_identity::{
    DEFAULT_DURATION, DEFAULT_STS_TIMEOUT, STS_ENDPOINT, STS_VERSION, TKE_IDENTITY_TOKEN_FILE,
    TKE_PROVIDER_ID, TKE_REGION, TKE_ROLE_ARN, TKE_WEB_IDENTITY_TOKEN_FILE, WebIdentityProvider,
};
