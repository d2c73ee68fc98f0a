//! `Signer`: signs requests with one set of credentials, caching the derived key.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::request::Parts;
use http::uri::PathAndQuery;
use http::{Method, Uri};

use crate::authorization::ALGORITHM;
use crate::canonical::{
    Canonical, EntrySlots, HeaderPolicy, Params, authority_host, key_list, key_list_len,
    write_key_list,
};
use crate::digest::sha1_hex;
use crate::encoding::COS_ENCODE_SET;
use crate::scratch::with_scratch;
use crate::{Authorization, Credentials, KeyTime, SigningKey};

/// The header (and presigned query parameter) that carries a session token.
pub const SECURITY_TOKEN: &str = "x-cos-security-token";

/// [`SECURITY_TOKEN`] as a header name, built at compile time.
const TOKEN_HEADER: HeaderName = HeaderName::from_static(SECURITY_TOKEN);

/// Why a request could not be signed. Nothing of the request was changed.
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
            Self::InvalidSecretId => {
                "the secret id is empty or holds bytes other than visible ASCII (without & = ;)"
            }
            Self::InvalidSessionToken => "the session token cannot be sent as a header value",
            Self::InvalidHost => "the URI's authority cannot be sent as a Host header",
            Self::InvalidUri => "a presigned URL could not be built from the URI",
        })
    }
}

impl std::error::Error for SignError {}

/// Signs requests with one set of credentials and a [`HeaderPolicy`].
///
/// It never reads the clock: every call takes the [`KeyTime`] to sign for. It caches the
/// [`SigningKey`] of the last key time it saw (one key: the cache never grows), so a caller that
/// reuses a key time across requests (a `q-key-time` of an hour, say, with a fresh
/// `q-sign-time` per request) derives the key once.
///
/// ```
/// use cos_sign::{Credentials, KeyTime, Signer};
/// use http::Request;
///
/// let signer = Signer::new(Credentials::new(
///     "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
///     "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
/// ));
/// let (mut parts, body) = Request::get("https://100000000001.cos-control.ap-chengdu.myqcloud.com/jobs?maxResults=2")
///     .header("x-cos-appid", "1250000000")
///     .body(())
///     .unwrap()
///     .into_parts();
/// signer.sign(&mut parts, KeyTime::new(1576812701, 1576819901).unwrap()).unwrap();
/// let auth = parts.headers["authorization"].to_str().unwrap();
/// assert!(auth.starts_with("q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&"));
/// assert!(auth.contains("&q-header-list=host;x-cos-appid&q-url-param-list=maxresults&"));
/// // The Host header the signature covers is now on the request.
/// assert_eq!(parts.headers["host"], "100000000001.cos-control.ap-chengdu.myqcloud.com");
/// ```
pub struct Signer {
    credentials: Credentials,
    policy: HeaderPolicy,
    secret_id_valid: bool,
    token_header: Option<Result<HeaderValue, SignError>>,
    cache: Option<Mutex<Option<SigningKey>>>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("credentials", &self.credentials)
            .field("policy", &self.policy)
            .field("key_cache", &self.cache.is_some())
            .finish_non_exhaustive()
    }
}

impl Clone for Signer {
    fn clone(&self) -> Self {
        let cache = self.cache.as_ref().map(|c| {
            let current = c.lock().unwrap_or_else(PoisonError::into_inner).clone();
            Mutex::new(current)
        });
        Self {
            credentials: self.credentials.clone(),
            policy: self.policy.clone(),
            secret_id_valid: self.secret_id_valid,
            token_header: self.token_header.clone(),
            cache,
        }
    }
}

fn secret_id_is_valid(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'&' | b'=' | b';'))
}

impl Signer {
    /// A signer with the [`HeaderPolicy::Default`] policy and the key cache on.
    pub fn new(credentials: Credentials) -> Self {
        let token_header = credentials
            .session_token()
            .map(|t| HeaderValue::from_str(t.expose()).map_err(|_| SignError::InvalidSessionToken));
        Self {
            secret_id_valid: secret_id_is_valid(credentials.secret_id()),
            credentials,
            policy: HeaderPolicy::Default,
            token_header,
            cache: Some(Mutex::new(None)),
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

    /// The signing key for `key_time`: from the cache when it holds that key time, otherwise
    /// derived (and cached, replacing the previous one). A key holds nothing on the heap, so it
    /// is copied out of the cache, and the cache's lock is held for that copy only.
    pub fn signing_key(&self, key_time: KeyTime) -> SigningKey {
        let Some(cache) = &self.cache else {
            return SigningKey::derive(self.credentials.secret_key(), key_time);
        };
        let mut slot = cache.lock().unwrap_or_else(PoisonError::into_inner);
        match &*slot {
            Some(key) if key.key_time() == key_time => key.clone(),
            _ => {
                let key = SigningKey::derive(self.credentials.secret_key(), key_time);
                *slot = Some(key.clone());
                key
            }
        }
    }

    fn check_secret_id(&self) -> Result<(), SignError> {
        if self.secret_id_valid {
            Ok(())
        } else {
            Err(SignError::InvalidSecretId)
        }
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
        self.authorization_at(method, uri, headers, key_time, key_time)
    }

    /// As [`Signer::authorization`], with a `q-sign-time` that differs from the key time.
    pub fn authorization_at(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        sign_time: KeyTime,
        key_time: KeyTime,
    ) -> Result<Authorization, SignError> {
        self.check_secret_id()?;
        let key = self.signing_key(key_time);
        let params = Params::of(uri);
        let mut slots = EntrySlots::new();
        let (canonical, _) =
            Canonical::of_request(&mut slots, method, uri, &params, headers, &[], &self.policy);
        let signature = signature_of(&key, &canonical);
        Ok(Authorization::from_parts(
            self.credentials.secret_id(),
            sign_time,
            key_time,
            key_list(&canonical.headers),
            key_list(&canonical.params),
            &signature,
        ))
    }

    /// Signs a request in place for `key_time`: adds `Host` from the URI when it is missing,
    /// sets `x-cos-security-token` when the credentials carry a session token, and sets
    /// `Authorization`. Everything is computed first; on error the request is untouched.
    pub fn sign(&self, parts: &mut Parts, key_time: KeyTime) -> Result<(), SignError> {
        self.sign_at(parts, key_time, key_time)
    }

    /// As [`Signer::sign`], with a `q-sign-time` that differs from the key time.
    pub fn sign_at(
        &self,
        parts: &mut Parts,
        sign_time: KeyTime,
        key_time: KeyTime,
    ) -> Result<(), SignError> {
        self.check_secret_id()?;
        let token = match &self.token_header {
            Some(Ok(value)) => Some(value.clone()),
            Some(Err(e)) => return Err(e.clone()),
            None => None,
        };
        let token_name = TOKEN_HEADER;
        let (host, value) = {
            // A token about to be set replaces any the request already has.
            let mut extra: Vec<(&HeaderName, &[u8])> = Vec::new();
            let headers_view;
            let headers = if let Some(token) = &token {
                extra.push((&token_name, token.as_bytes()));
                if parts.headers.contains_key(&token_name) {
                    let mut without = parts.headers.clone();
                    without.remove(&token_name);
                    headers_view = without;
                    &headers_view
                } else {
                    &parts.headers
                }
            } else {
                &parts.headers
            };
            let key = self.signing_key(key_time);
            let params = Params::of(&parts.uri);
            let mut slots = EntrySlots::new();
            // Without a Host header, `host` is signed from the URI, and the header is added.
            let (canonical, has_host) = Canonical::of_request(
                &mut slots,
                &parts.method,
                &parts.uri,
                &params,
                headers,
                &extra,
                &self.policy,
            );
            let host = match has_host {
                true => None,
                false => authority_host(&parts.uri)
                    .map(|host| HeaderValue::from_str(host).map_err(|_| SignError::InvalidHost))
                    .transpose()?,
            };
            let signature = signature_of(&key, &canonical);
            let out = render_header(
                self.credentials.secret_id(),
                sign_time,
                &key,
                &canonical,
                &signature,
            );
            // Only visible ASCII went in (the secret id was checked), so this cannot fail.
            let value = HeaderValue::try_from(out).map_err(|_| SignError::InvalidSecretId)?;
            (host, value)
        };
        // Commit.
        if let Some(host) = host {
            parts.headers.insert(header::HOST, host);
        }
        if let Some(token) = token {
            parts.headers.insert(token_name, token);
        }
        parts.headers.insert(header::AUTHORIZATION, value);
        Ok(())
    }

    /// A presigned URL: `uri` with the signature (and `x-cos-security-token` for temporary
    /// credentials) in its query, valid for `key_time`. `headers` are the headers the request
    /// will carry (often none: `host` comes from the URI).
    ///
    /// ```
    /// use cos_sign::{Credentials, KeyTime, Signer};
    /// use http::{HeaderMap, Method};
    ///
    /// let signer = Signer::new(Credentials::new("AKIDexample", "secret"));
    /// let uri = "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/a.txt".parse().unwrap();
    /// let url = signer
    ///     .presign(&Method::GET, &uri, &HeaderMap::new(), KeyTime::new(1557989753, 1557996953).unwrap())
    ///     .unwrap();
    /// let q = url.query().unwrap();
    /// assert!(q.starts_with("q-sign-algorithm=sha1&q-ak=AKIDexample&q-sign-time=1557989753%3B1557996953&"));
    /// assert!(q.contains("&q-header-list=host&q-url-param-list=&q-signature="));
    /// ```
    pub fn presign(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        key_time: KeyTime,
    ) -> Result<Uri, SignError> {
        let mut query = uri.query().unwrap_or_default().to_owned();
        if let Some(token) = self.credentials.session_token() {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(SECURITY_TOKEN);
            query.push('=');
            query.extend(percent_encoding::utf8_percent_encode(
                token.expose(),
                COS_ENCODE_SET,
            ));
        }
        let with_token = with_query(uri, &query)?;
        let auth = self.authorization(method, &with_token, headers, key_time)?;
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&auth.to_query());
        with_query(uri, &query)
    }
}

/// `uri` with its query replaced by `query` (none when empty).
fn with_query(uri: &Uri, query: &str) -> Result<Uri, SignError> {
    let path = match uri.path() {
        "" => "/",
        p => p,
    };
    let pq = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(pq).map_err(|_| SignError::InvalidUri)?);
    Uri::from_parts(parts).map_err(|_| SignError::InvalidUri)
}

/// The signature over a canonical request. The `HttpString` is rendered into one buffer and
/// hashed in one call: feeding SHA-1 the many small pieces percent-encoding yields costs several
/// times more than the hash itself.
pub(crate) fn signature_of(key: &SigningKey, canonical: &Canonical<'_>) -> [u8; 40] {
    with_scratch(|http_string| {
        http_string.reserve(canonical.estimated_len());
        canonical.write_http_string(http_string);
        key.sign(&sha1_hex(http_string))
    })
}

/// The `Authorization` header value, in a buffer of exactly its length: a header value takes
/// over such a buffer as it is, where a larger one would cost another allocation.
fn render_header(
    secret_id: &str,
    sign_time: KeyTime,
    key: &SigningKey,
    canonical: &Canonical<'_>,
    signature: &[u8; 40],
) -> Vec<u8> {
    let mut sign_time_text = String::new();
    let sign_time_text = if sign_time == key.key_time() {
        key.key_time_text()
    } else {
        sign_time.write_to(&mut sign_time_text);
        sign_time_text.as_bytes()
    };
    let pieces: [&[u8]; 9] = [
        b"q-sign-algorithm=",
        ALGORITHM.as_bytes(),
        b"&q-ak=",
        secret_id.as_bytes(),
        b"&q-sign-time=",
        sign_time_text,
        b"&q-key-time=",
        key.key_time_text(),
        b"&q-header-list=",
    ];
    let len = pieces.iter().map(|p| p.len()).sum::<usize>()
        + key_list_len(&canonical.headers)
        + "&q-url-param-list=".len()
        + key_list_len(&canonical.params)
        + "&q-signature=".len()
        + signature.len();
    let mut out = Vec::with_capacity(len);
    for piece in pieces {
        out.extend_from_slice(piece);
    }
    write_key_list(&mut out, &canonical.headers);
    out.extend_from_slice(b"&q-url-param-list=");
    write_key_list(&mut out, &canonical.params);
    out.extend_from_slice(b"&q-signature=");
    out.extend_from_slice(signature);
    debug_assert_eq!(out.len(), len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretKey;

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
    fn the_header_value_fills_its_buffer_exactly() {
        let uri: Uri = "https://100000000001.cos-control.ap-chengdu.myqcloud.com/jobs?maxResults=2&nextToken=a"
            .parse()
            .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-cos-appid", HeaderValue::from_static("1250000000"));
        headers.insert(
            "content-md5",
            HeaderValue::from_static("hHcgq5mu8s0YP4WTGiQ+uA=="),
        );
        let params = Params::of(&uri);
        let mut slots = EntrySlots::new();
        let (canonical, _) = Canonical::of_request(
            &mut slots,
            &Method::POST,
            &uri,
            &params,
            &headers,
            &[],
            &HeaderPolicy::Default,
        );
        let key_time = KeyTime::new(1576778429, 1576785629).unwrap();
        let key = SigningKey::derive(&SecretKey::new("secret"), key_time);
        let signature = signature_of(&key, &canonical);
        let signer = Signer::new(Credentials::new("AKIDexample", "secret"));
        for sign_time in [key_time, KeyTime::new(1576778430, 1576779000).unwrap()] {
            let out = render_header("AKIDexample", sign_time, &key, &canonical, &signature);
            assert_eq!(out.capacity(), out.len());
            let expected = signer
                .authorization_at(&Method::POST, &uri, &headers, sign_time, key_time)
                .unwrap();
            assert_eq!(out, expected.to_string().into_bytes());
        }
    }
}
