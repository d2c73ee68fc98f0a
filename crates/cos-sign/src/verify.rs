//! `Verifier`: the server half. Checks a signed or presigned request.

use std::fmt;
use std::time::{Duration, SystemTime};

use http::header::{self, HeaderMap, HeaderName};
use http::request::Parts;
use http::{Method, StatusCode, Uri};
use subtle::ConstantTimeEq;

use crate::canonical::{Canonical, CanonicalRequest, canonical_key, query_pairs};
use crate::key_time::unix_seconds;
use crate::signer::SECURITY_TOKEN;
use crate::{Authorization, AuthorizationError, KeyTime, SecretKey, SigningKey};

/// The clock skew [`Verifier`] allows by default: 15 minutes either side of a time window.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

/// Why a request's signature was refused. [`VerifyError::code`] gives the COS error code to
/// answer with.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// No `Authorization` header and no presigned query.
    Missing,
    /// The authorization is not well formed.
    Malformed(AuthorizationError),
    /// No secret key is known for this secret id.
    UnknownAccessKey {
        /// The `q-ak` of the request.
        secret_id: String,
    },
    /// The sign time or key time starts after `now` (plus the allowed skew).
    NotYetValid {
        /// The window that is not open yet.
        window: KeyTime,
        /// The verifier's time, Unix seconds.
        now: u64,
    },
    /// The sign time or key time ended before `now` (minus the allowed skew).
    Expired {
        /// The window that has closed.
        window: KeyTime,
        /// The verifier's time, Unix seconds.
        now: u64,
    },
    /// The signature is not the one the listed headers and parameters give.
    SignatureMismatch {
        /// The `StringToSign` the server computed, for comparing with the client's.
        string_to_sign: String,
        /// The `HttpString` the server computed (invalid UTF-8 replaced).
        http_string: String,
    },
}

impl VerifyError {
    /// The COS error code for this failure.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing | Self::Malformed(_) | Self::Expired { .. } => "AccessDenied",
            Self::UnknownAccessKey { .. } => "InvalidAccessKeyId",
            Self::NotYetValid { .. } => "RequestTimeTooSkewed",
            Self::SignatureMismatch { .. } => "SignatureDoesNotMatch",
        }
    }

    /// The HTTP status to answer with: 403 Forbidden for every failure.
    pub fn status(&self) -> StatusCode {
        StatusCode::FORBIDDEN
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("the request carries no signature"),
            Self::Malformed(e) => write!(f, "malformed authorization: {e}"),
            Self::UnknownAccessKey { secret_id } => {
                write!(f, "the secret id {secret_id:?} is not known")
            }
            Self::NotYetValid { window, now } => {
                let start = window.start();
                write!(f, "the signature is valid from {start}; now is {now}")
            }
            Self::Expired { window, now } => {
                let end = window.end();
                write!(f, "the signature expired at {end}; now is {now}")
            }
            Self::SignatureMismatch {
                string_to_sign: s, ..
            } => {
                write!(f, "signature mismatch; the server's StringToSign: {s:?}")
            }
        }
    }
}

impl std::error::Error for VerifyError {}

impl From<AuthorizationError> for VerifyError {
    fn from(e: AuthorizationError) -> Self {
        Self::Malformed(e)
    }
}

/// A request whose signature checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// The authorization the request carried.
    pub authorization: Authorization,
    /// `x-cos-security-token`, from the header or the presigned query, when present.
    pub session_token: Option<String>,
    /// Whether the signature came in the query (a presigned URL) rather than a header.
    pub presigned: bool,
}

/// Where a [`Verifier`] finds the secret key of a secret id: an account table, a database, or
/// a closure (`Fn(&str) -> Option<SecretKey>`). The [crate documentation](crate) has an example.
pub trait KeyLookup {
    /// The secret key of `secret_id`, or `None` for a secret id it does not know.
    fn secret_key(&self, secret_id: &str) -> Option<SecretKey>;
}

impl<F: Fn(&str) -> Option<SecretKey>> KeyLookup for F {
    fn secret_key(&self, secret_id: &str) -> Option<SecretKey> {
        self(secret_id)
    }
}

/// Checks request signatures, looking secret keys up by secret id. The
/// [crate documentation](crate) has an example.
pub struct Verifier<L> {
    lookup: L,
    clock_skew: Duration,
}

impl<L> fmt::Debug for Verifier<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("clock_skew", &self.clock_skew)
            .finish_non_exhaustive()
    }
}

impl<L: Fn(&str) -> Option<SecretKey>> Verifier<L> {
    /// A verifier that finds secret keys with the function `lookup` and allows
    /// [`DEFAULT_CLOCK_SKEW`].
    pub fn new(lookup: L) -> Self {
        Self::with_key_lookup(lookup)
    }
}

impl<L: KeyLookup> Verifier<L> {
    /// A verifier that finds secret keys in `lookup` and allows [`DEFAULT_CLOCK_SKEW`].
    pub fn with_key_lookup(lookup: L) -> Self {
        Self {
            lookup,
            clock_skew: DEFAULT_CLOCK_SKEW,
        }
    }

    /// Allows `skew` either side of the sign-time and key-time windows.
    pub fn with_clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Verifies a request's head.
    pub fn verify_parts(&self, parts: &Parts, now: SystemTime) -> Result<Verified, VerifyError> {
        self.verify(&parts.method, &parts.uri, &parts.headers, now)
    }

    /// Verifies a request: the `Authorization` header or, without one, a presigned query.
    pub fn verify(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        let presigned = !headers.contains_key(header::AUTHORIZATION);
        let authorization = match headers.get(header::AUTHORIZATION) {
            Some(value) => {
                let invalid = AuthorizationError::InvalidValue("Authorization");
                Authorization::parse(value.to_str().map_err(|_| invalid)?)?
            }
            None => Authorization::from_query(uri.query().unwrap_or_default())?
                .ok_or(VerifyError::Missing)?,
        };

        let secret_id = authorization.secret_id();
        let unknown = || VerifyError::UnknownAccessKey {
            secret_id: secret_id.to_owned(),
        };
        let secret = self.lookup.secret_key(secret_id).ok_or_else(unknown)?;

        let now = unix_seconds(now);
        let skew = self.clock_skew.as_secs();
        for window in [authorization.sign_time(), authorization.key_time()] {
            if now.saturating_add(skew) < window.start() {
                return Err(VerifyError::NotYetValid { window, now });
            }
            if window.end().saturating_add(skew) < now {
                return Err(VerifyError::Expired { window, now });
            }
        }

        // Exactly the listed headers and parameters are signed.
        let signs_header = |name: &HeaderName| {
            let key = canonical_key(name.as_str().as_bytes());
            authorization.header_list().any(|listed| listed == key)
        };
        let signs_param = |key: &str| authorization.param_list().any(|listed| listed == key);
        let canonical = Canonical::new(method, uri, headers, None, signs_header, signs_param);
        let key = SigningKey::derive(&secret, authorization.key_time());
        let expected = key.sign(&canonical.http_string());
        let given = authorization.signature().as_bytes();
        // Compared in constant time (`ct_eq` tells unequal lengths apart at once: they are public).
        if !bool::from(given.ct_eq(&expected[..])) {
            let debug = CanonicalRequest::from(&canonical);
            return Err(VerifyError::SignatureMismatch {
                string_to_sign: debug.string_to_sign(authorization.key_time()),
                http_string: debug.http_string_lossy().into_owned(),
            });
        }

        let session_token = match headers.get(SECURITY_TOKEN) {
            Some(v) => Some(String::from_utf8_lossy(v.as_bytes()).into_owned()),
            None if presigned => uri.query().and_then(|q| {
                query_pairs(q)
                    .find(|(k, _)| &**k == SECURITY_TOKEN.as_bytes())
                    .map(|(_, v)| String::from_utf8_lossy(&v).into_owned())
            }),
            None => None,
        };
        Ok(Verified {
            authorization,
            session_token,
            presigned,
        })
    }
}
