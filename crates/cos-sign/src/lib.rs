//! The COS XML request signature (`q-sign-algorithm=sha1`): sign, presign and verify requests
//! to Tencent Cloud Object Storage, byte for byte as the service computes it.
//!
//! It knows nothing of any particular COS API, performs no IO and never reads the clock (except
//! in [`KeyTime::now`]): every call is given the time it signs for.
//!
//! # The signature in four steps
//! 1. `SignKey = hex(HMAC-SHA1(SecretKey, KeyTime))` — a [`SigningKey`], derived once per key
//!    time and reused.
//! 2. `HttpString = lower(method)\n{decoded path}\n{params}\n{headers}\n` — a
//!    [`CanonicalRequest`]: keys percent-encoded and lower-cased, values percent-encoded, pairs
//!    sorted; the headers chosen by a [`HeaderPolicy`].
//! 3. `StringToSign = sha1\n{KeyTime}\n{hex(SHA1(HttpString))}\n`.
//! 4. `Signature = hex(HMAC-SHA1(SignKey, StringToSign))`, sent as an [`Authorization`] header
//!    or a presigned query.
//!
//! # Signing a request
//! ```
//! use cos_sign::{Credentials, KeyTime, Signer};
//! use http::Request;
//!
//! let signer = Signer::new(Credentials::new(
//!     "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
//!     "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
//! ));
//! let request = Request::put("https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject(%E8%85%BE%E8%AE%AF%E4%BA%91)")
//!     .header("Date", "Thu, 16 May 2019 06:45:51 GMT")
//!     .header("Content-Type", "text/plain")
//!     .header("Content-Length", "13")
//!     .header("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg==")
//!     .header("x-cos-acl", "private")
//!     .header("x-cos-grant-read", "uin=\"100000000011\"")
//!     .body(b"ObjectContent".to_vec())
//!     .unwrap();
//! let (mut parts, body) = request.into_parts();
//!
//! // Sign every header, as the vendor's worked example does (the default policy skips `date`).
//! let signer = signer.with_header_policy(cos_sign::HeaderPolicy::All);
//! let key_time: KeyTime = "1557989151;1557996351".parse().unwrap();
//! signer.sign(&mut parts, key_time).unwrap();
//!
//! assert_eq!(
//!     parts.headers["authorization"],
//!     "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q\
//!      &q-sign-time=1557989151;1557996351&q-key-time=1557989151;1557996351\
//!      &q-header-list=content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read\
//!      &q-url-param-list=&q-signature=3b8851a11a569213c17ba8fa7dcf2abec6935172"
//! );
//! let request = http::Request::from_parts(parts, body);
//! # let _ = request;
//! ```
//!
//! In a real client, take the key time from the clock: `KeyTime::now(Duration::from_secs(600))`.
//!
//! # Verifying (the server side)
//! [`Verifier`] parses the `Authorization` header or a presigned query, checks the time windows
//! against a given `now` with a clock-skew allowance, looks the secret key up through your
//! function, recomputes the signature over exactly the listed headers and parameters and
//! compares in constant time. Failures are a [`VerifyError`] with the COS error code.
//!
//! # Secrets
//! [`SecretKey`], [`SessionToken`], [`Credentials`] and [`SigningKey`] never print their secrets
//! in `Debug`; errors never carry them.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod authorization;
mod canonical;
mod credentials;
mod digest;
mod encoding;
mod key_time;
mod scratch;
mod signer;
mod signing_key;
mod verify;

pub use authorization::{ALGORITHM, Authorization, AuthorizationError};
pub use canonical::{CanonicalRequest, HeaderPolicy};
pub use credentials::{Credentials, SecretKey, SessionToken};
pub use key_time::{KeyTime, KeyTimeError};
pub use signer::{SECURITY_TOKEN, SignError, Signer};
pub use signing_key::SigningKey;
pub use verify::{DEFAULT_CLOCK_SKEW, Verified, Verifier, VerifyError};

// The README (the crate page) is compiled and run with the doctests, so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod crate_readme {}
