//! `Signer`: signs requests with one set of credentials, caching the derived key.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::request::Parts;
use http::uri::PathAndQuery;
use http::{Method, Uri};

use crate::authorization::join_fields;
use crate::canonical::{COS_ENCODE_SET, Canonical, authority_host, key_list};
use crate::key_cache::KeyCache;
use crate::{ALGORITHM, Authorization, Credentials, HeaderPolicy, KeyTime, SigningKey};

/// The header (and presigned query parameter) that carries a session token.
pub const SECURITY_TOKEN: &str = "x-cos-security-token";

/// [`SECURITY_TOKEN`] as a header name.
static TOKEN_HEADER: HeaderName = HeaderName::from_static(SECURITY_TOKEN);

/// Why credentials cannot sign, or why a request could not be signed. Nothing of the request
/// was changed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignError {
    /// The secret id is empty, or holds bytes that cannot go into the `q-ak` field of a header
    /// (only visible ASCII other than `&`, `=` and `;` can).
    InvalidSecretId,
    /// The session token cannot be a header value (it holds control bytes).
    InvalidSessionToken,
    /// The `Host` the URI implies cannot be a header value.
    InvalidHost,
    /// A presigned URL could not be assembled from the given URI.
    InvalidUri,
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidSecretId => "the secret id is empty or not visible ASCII without & = ;",
            Self::InvalidSessionToken => "the session token cannot be sent as a header value",
            Self::InvalidHost => "the URI's authority cannot be sent as a Host header",
            Self::InvalidUri => "a presigned URL could not be built from the URI",
        })
    }
}

impl std::error::Error for SignError {}

/// Signs requests with one set of credentials and a [`HeaderPolicy`], caching the
/// [`SigningKey`] of the last key time it signed for. It is `Send + Sync`: share one between
/// tasks. The [crate documentation](crate) shows signing, presigning and the key cache.
#[derive(Clone, Debug)]
pub struct Signer {
    credentials: Credentials,
    policy: HeaderPolicy,
    /// The session token as a (sensitive) header value, or why the credentials cannot sign.
    token_header: Result<Option<HeaderValue>, SignError>,
    cache: Option<KeyCache>,
}

impl Signer {
    /// A signer with the [`HeaderPolicy::Default`] policy and the key cache on, for credentials
    /// that can sign; otherwise why they cannot.
    ///
    /// ```
    /// use cos_sign::{Credentials, SignError, Signer};
    /// let unusable = Credentials::new("AKID with spaces", "secret");
    /// assert_eq!(Signer::try_new(unusable).unwrap_err(), SignError::InvalidSecretId);
    /// ```
    pub fn try_new(credentials: Credentials) -> Result<Self, SignError> {
        let signer = Self::new(credentials);
        signer.token_header()?;
        Ok(signer)
    }

    /// As [`Signer::try_new`], but credentials that cannot sign are refused by each signature
    /// instead, with the same [`SignError`].
    pub fn new(credentials: Credentials) -> Self {
        Self {
            token_header: checked_token(&credentials),
            credentials,
            policy: HeaderPolicy::Default,
            cache: Some(KeyCache::default()),
        }
    }

    /// Signs the headers `policy` selects.
    pub fn with_header_policy(mut self, policy: HeaderPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Derives the signing key afresh for every request (for measurements, mostly).
    pub fn without_key_cache(mut self) -> Self {
        self.cache = None;
        self
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The header policy.
    pub fn header_policy(&self) -> &HeaderPolicy {
        &self.policy
    }

    /// The signing key for `key_time`: the cached one when it was derived for that key time,
    /// otherwise derived (and cached, in place of the previous one).
    pub fn signing_key(&self, key_time: KeyTime) -> Arc<SigningKey> {
        let secret = self.credentials.secret_key();
        match &self.cache {
            Some(cache) => cache.key(secret, key_time),
            None => Arc::new(SigningKey::derive(secret, key_time)),
        }
    }

    /// The session token's header value, if any, or why the credentials cannot sign.
    fn token_header(&self) -> Result<Option<&HeaderValue>, SignError> {
        self.token_header
            .as_ref()
            .map(Option::as_ref)
            .map_err(Clone::clone)
    }

    /// The `Authorization` for a request, signed over every query parameter and the headers the
    /// policy selects (with `host` from the URI when there is no `Host` header), with
    /// `q-sign-time` = `q-key-time` = `key_time`.
    ///
    /// It signs exactly the headers given: with a session token, put `x-cos-security-token` on
    /// the request first, or use [`Signer::sign`], which does it.
    pub fn authorization(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        key_time: KeyTime,
    ) -> Result<Authorization, SignError> {
        self.authorization_with_sign_time(method, uri, headers, key_time, key_time)
    }

    /// As [`Signer::authorization`], with a `q-sign-time` (`sign_time`, when the request may
    /// be sent) that differs from the key time.
    pub fn authorization_with_sign_time(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        sign_time: KeyTime,
        key_time: KeyTime,
    ) -> Result<Authorization, SignError> {
        self.token_header()?;
        let signs = |name: &HeaderName| self.policy.signs(name);
        let canonical = Canonical::new(method, uri, headers, None, signs, |_| true);
        let signature = self.signing_key(key_time).sign(&canonical.http_string());
        let (headers, params) = (key_list(&canonical.headers), key_list(&canonical.params));
        let id = self.credentials.secret_id();
        Ok(Authorization::new(
            id, sign_time, key_time, headers, params, &signature,
        ))
    }

    /// Signs a request in place for `key_time`: adds `Host` from the URI when it is missing,
    /// sets `x-cos-security-token` when the credentials carry a session token, and sets
    /// `Authorization`, the last two marked sensitive. On error the request is untouched.
    pub fn sign(&self, parts: &mut Parts, key_time: KeyTime) -> Result<(), SignError> {
        self.sign_with_sign_time(parts, key_time, key_time)
    }

    /// As [`Signer::sign`], with a `q-sign-time` (`sign_time`, when the request may be sent)
    /// that differs from the key time: a short window per request within a long-lived key.
    pub fn sign_with_sign_time(
        &self,
        parts: &mut Parts,
        sign_time: KeyTime,
        key_time: KeyTime,
    ) -> Result<(), SignError> {
        let token = self.token_header()?;
        let host = match parts.headers.contains_key(header::HOST) {
            true => None,
            false => authority_host(&parts.uri)
                .map(|host| HeaderValue::from_str(host).map_err(|_| SignError::InvalidHost))
                .transpose()?,
        };
        // A token about to be set replaces any the request already has.
        let set = token.map(|value| (&TOKEN_HEADER, value));
        let (method, uri, headers) = (&parts.method, &parts.uri, &parts.headers);
        let signs = |name: &HeaderName| self.policy.signs(name);
        let canonical = Canonical::new(method, uri, headers, set, signs, |_| true);
        let key = self.signing_key(key_time);
        let signature = key.sign(&canonical.http_string());
        let sign_time = match sign_time == key_time {
            true => Cow::Borrowed(key.key_time_text()),
            false => Cow::Owned(sign_time.text()),
        };
        let (headers, params) = (key_list(&canonical.headers), key_list(&canonical.params));
        let (id, key_time) = (self.credentials.secret_id(), key.key_time_text());
        let signature = std::str::from_utf8(&signature).unwrap_or_default();
        let fields = [
            ALGORITHM, id, &sign_time, key_time, &headers, &params, signature,
        ];
        let authorization = join_fields(fields, false);
        // Only visible ASCII went in (the secret id was checked), so this cannot fail.
        let mut value =
            HeaderValue::try_from(authorization).map_err(|_| SignError::InvalidSecretId)?;
        value.set_sensitive(true);
        if let Some(host) = host {
            parts.headers.insert(header::HOST, host);
        }
        if let Some(token) = token {
            parts.headers.insert(&TOKEN_HEADER, token.clone());
        }
        parts.headers.insert(header::AUTHORIZATION, value);
        Ok(())
    }

    /// The former name of [`Signer::sign_with_sign_time`].
    #[doc(hidden)]
    pub fn sign_at(
        &self,
        parts: &mut Parts,
        sign_time: KeyTime,
        key_time: KeyTime,
    ) -> Result<(), SignError> {
        self.sign_with_sign_time(parts, sign_time, key_time)
    }

    /// A presigned URL: `uri` with the signature in its query, valid for `key_time`. `headers`
    /// are the headers the request will carry (often none: `host` comes from the URI). The
    /// query holds the signature fields, the URI's parameters, then any session token.
    pub fn presign(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        key_time: KeyTime,
    ) -> Result<Uri, SignError> {
        let mut params = uri.query().unwrap_or_default().to_owned();
        if let Some(token) = self.credentials.session_token() {
            let token = percent_encoding::utf8_percent_encode(token.expose(), COS_ENCODE_SET);
            let separator = if params.is_empty() { "" } else { "&" };
            params = format!("{params}{separator}{SECURITY_TOKEN}={token}");
        }
        let signed = with_query(uri, &params)?;
        let auth = self.authorization(method, &signed, headers, key_time)?;
        let separator = if params.is_empty() { "" } else { "&" };
        with_query(uri, &format!("{}{separator}{params}", auth.to_query()))
    }
}

/// Checks that `credentials` can sign: their session token as a sensitive header value, if they
/// carry one, or why they cannot.
fn checked_token(credentials: &Credentials) -> Result<Option<HeaderValue>, SignError> {
    let id = credentials.secret_id();
    let allowed = |b: u8| b.is_ascii_graphic() && !matches!(b, b'&' | b'=' | b';');
    if id.is_empty() || !id.bytes().all(allowed) {
        return Err(SignError::InvalidSecretId);
    }
    let token = credentials.session_token().map(|token| {
        let mut value =
            HeaderValue::from_str(token.expose()).map_err(|_| SignError::InvalidSessionToken)?;
        value.set_sensitive(true);
        Ok(value)
    });
    token.transpose()
}

/// `uri` with its query replaced by `query` (none when empty).
fn with_query(uri: &Uri, query: &str) -> Result<Uri, SignError> {
    let path = match uri.path() {
        "" => "/",
        p => p,
    };
    let separator = if query.is_empty() { "" } else { "?" };
    let path_and_query = PathAndQuery::try_from(format!("{path}{separator}{query}"));
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(path_and_query.map_err(|_| SignError::InvalidUri)?);
    Uri::from_parts(parts).map_err(|_| SignError::InvalidUri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_header_is_kept_and_a_missing_one_added_whatever_the_policy() {
        let key_time = KeyTime::new(1576778429, 1576785629).unwrap();
        for policy in [
            HeaderPolicy::Default,
            HeaderPolicy::Only(vec![header::CONTENT_TYPE]),
        ] {
            let signer =
                Signer::new(Credentials::new("AKIDexample", "secret")).with_header_policy(policy);
            let request = || {
                http::Request::get("https://uri-host.example.com/jobs")
                    .header(header::CONTENT_TYPE, "application/xml")
            };
            // A Host header of the request's own stays as it is, signed or not.
            let (mut parts, ()) = request()
                .header(header::HOST, "given-host")
                .body(())
                .unwrap()
                .into_parts();
            signer.sign(&mut parts, key_time).unwrap();
            let hosts: Vec<_> = parts.headers.get_all(header::HOST).iter().collect();
            assert_eq!(hosts, ["given-host"]);
            // A missing one is added from the URI.
            let (mut parts, ()) = request().body(()).unwrap().into_parts();
            signer.sign(&mut parts, key_time).unwrap();
            assert_eq!(parts.headers[header::HOST], "uri-host.example.com");
        }
    }

    #[test]
    fn a_signer_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>(_: &T) {}
        let signer = Signer::new(Credentials::new("AKIDx", "k"));
        shared(&signer);
        let key_time = KeyTime::new(1, 2).unwrap();
        let keys: Vec<_> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| signer.signing_key(key_time)))
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        });
        // One key, shared: the threads found it cached or derived the same one.
        assert!(keys.iter().all(|k| k.expose_hex() == keys[0].expose_hex()));
    }

    #[test]
    fn try_new_refuses_what_sign_would_refuse() {
        for (credentials, error) in [
            (Credentials::new("", "k"), SignError::InvalidSecretId),
            (Credentials::new("AKID;x", "k"), SignError::InvalidSecretId),
            (
                Credentials::new("AKIDx", "k").with_session_token("bad\ntoken"),
                SignError::InvalidSessionToken,
            ),
        ] {
            let (mut parts, ()) = http::Request::get("http://h/")
                .body(())
                .unwrap()
                .into_parts();
            let key_time = KeyTime::new(1, 2).unwrap();
            let deferred = Signer::new(credentials.clone()).sign(&mut parts, key_time);
            assert_eq!(deferred, Err(error.clone()));
            assert_eq!(Signer::try_new(credentials).unwrap_err(), error);
        }
        assert!(Signer::try_new(Credentials::new("AKIDx", "k").with_session_token("t")).is_ok());
    }

    #[test]
    fn every_signature_refuses_credentials_try_new_refuses() {
        let signer = Signer::new(Credentials::new("AKIDx", "k").with_session_token("bad\ntoken"));
        let (uri, key_time) = ("http://h/o".parse().unwrap(), KeyTime::new(1, 2).unwrap());
        let error = Err(SignError::InvalidSessionToken);
        let authorization = signer.authorization(&Method::GET, &uri, &HeaderMap::new(), key_time);
        assert_eq!(authorization.map(|_| ()), error);
        let url = signer.presign(&Method::GET, &uri, &HeaderMap::new(), key_time);
        assert_eq!(url.map(|_| ()), error);
    }

    #[test]
    fn the_secrets_written_are_marked_sensitive() {
        let credentials = Credentials::new("AKIDx", "k3y").with_session_token("s3cr3t");
        let signer = Signer::try_new(credentials).unwrap();
        let (mut parts, ()) = http::Request::get("http://h/")
            .body(())
            .unwrap()
            .into_parts();
        signer
            .sign(&mut parts, KeyTime::new(1, 2).unwrap())
            .unwrap();
        // Nor does the signer's own Debug show the key, the token or the cached signing key.
        let shown = format!("{signer:?}");
        let key = signer.signing_key(KeyTime::new(1, 2).unwrap());
        for secret in ["k3y", "s3cr3t", key.expose_hex()] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(parts.headers[header::AUTHORIZATION].is_sensitive());
        assert!(parts.headers[SECURITY_TOKEN].is_sensitive());
        let shown = format!("{parts:?}");
        assert!(
            !shown.contains("q-signature") && !shown.contains("s3cr3t"),
            "{shown}"
        );
    }

    #[test]
    fn presigned_urls_put_the_signature_first() {
        let signer = Signer::new(Credentials::new("AKIDx", "k").with_session_token("a b"));
        let uri: Uri = "http://h/o?versionId=1&b".parse().unwrap();
        let key_time = KeyTime::new(1, 2).unwrap();
        let url = signer
            .presign(&Method::GET, &uri, &HeaderMap::new(), key_time)
            .unwrap();
        let query = url.query().unwrap();
        let (signature, own) = query.split_once("&versionId").unwrap();
        assert!(
            signature.starts_with("q-sign-algorithm=sha1&q-ak=AKIDx&"),
            "{query}"
        );
        assert!(signature.contains("&q-url-param-list=b%3Bversionid%3Bx-cos-security-token&"));
        assert_eq!(own, "=1&b&x-cos-security-token=a%20b");
        assert_eq!(url.path(), "/o");
    }
}
