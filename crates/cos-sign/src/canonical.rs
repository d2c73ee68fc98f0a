//! Canonicalisation, as the vendor's "Request Signature" page describes it: the `HttpString`
//! of a request and the lists of the keys it signs.
//!
//! ```text
//! HttpString = lower(method) \n decoded path \n params \n headers \n
//! ```
//!
//! - `params` and `headers` are `key=value` pairs joined by `&`.
//! - A key is percent-encoded, then lower-cased (`%E8` becomes `%e8`, as the official Go SDK
//!   does). A value is percent-encoded with upper-case hex. Only `A-Z a-z 0-9 - _ . ~` stay bare.
//! - Pairs are sorted by key and, for a repeated key, by the value before encoding. A repeated
//!   key is kept, and listed once per value in `q-header-list` or `q-url-param-list`.
//! - The path and the query are percent-decoded first (in the query, `+` is a space, as Go's
//!   `url.ParseQuery` has it); an invalid escape stays as it is. A header value is trimmed of
//!   spaces and tabs.

use std::borrow::Cow;

use http::header::{self, HeaderName, HeaderValue};
use http::{HeaderMap, Method, Uri};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, percent_encode};

use crate::signing_key::sha1_hex;
use crate::{HeaderPolicy, KeyTime};

/// The bytes percent-encoding escapes: all but the RFC 3986 unreserved set.
pub(crate) const COS_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Whether a byte is in the unreserved set, which [`COS_ENCODE_SET`] leaves bare.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-_.~".contains(&b)
}

/// One signed `key=value` pair: the canonical key, and the value as the request has it
/// (decoded, trimmed). The derived order, by key then by value, is the signing order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Pair<'a> {
    pub(crate) key: Cow<'a, str>,
    pub(crate) value: Cow<'a, [u8]>,
}

impl<'a> Pair<'a> {
    fn new(raw_key: Cow<'a, [u8]>, value: Cow<'a, [u8]>) -> Self {
        let key = match raw_key {
            Cow::Borrowed(raw) => canonical_key(raw),
            Cow::Owned(raw) => Cow::Owned(canonical_key(&raw).into_owned()),
        };
        Self { key, value }
    }
}

/// A key as it enters the signature: percent-encoded, then lower-cased. Borrowed when that
/// changes nothing, as for every header name COS defines.
pub(crate) fn canonical_key(raw: &[u8]) -> Cow<'_, str> {
    let encoded: Cow<'_, str> = percent_encode(raw, COS_ENCODE_SET).into();
    if encoded.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(encoded.to_ascii_lowercase())
    } else {
        encoded
    }
}

/// Decodes a query component: `+` is a space, then `%XX` escapes are decoded.
fn decode_query_component(raw: &str) -> Cow<'_, [u8]> {
    match raw.contains('+') {
        true => Cow::Owned(percent_decode(raw.replace('+', " ").as_bytes()).collect()),
        false => percent_decode(raw.as_bytes()).into(),
    }
}

/// Splits a raw query string into decoded `(key, value)` pairs. `a` alone is `("a", "")`;
/// empty segments (`a&&b`) are skipped.
pub(crate) fn query_pairs(query: &str) -> impl Iterator<Item = (Cow<'_, [u8]>, Cow<'_, [u8]>)> {
    query.split('&').filter(|s| !s.is_empty()).map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode_query_component(key), decode_query_component(value))
    })
}

/// The `host` a request without a `Host` header is sent with: the URI's authority, without
/// any `user:pass@`.
pub(crate) fn authority_host(uri: &Uri) -> Option<&str> {
    let authority = uri.authority()?.as_str();
    let (_, host) = authority.rsplit_once('@').unwrap_or(("", authority));
    Some(host)
}

/// Appends `bytes` percent-encoded. Most values (numbers, hosts, ids) need no escape: they are
/// copied whole, which costs a tenth of going through `percent_encode`'s pieces.
fn encode_into(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.iter().all(|&b| unreserved(b)) {
        out.extend_from_slice(bytes);
        return;
    }
    for piece in percent_encode(bytes, COS_ENCODE_SET) {
        out.extend_from_slice(piece.as_bytes());
    }
}

/// Everything a signature covers: the request's method and path, and the parameters and
/// headers it signs, in signing order. Sign, presign and verify all build it with
/// [`Canonical::new`]; they differ only in which parameters and headers they select.
#[derive(Debug)]
pub(crate) struct Canonical<'a> {
    method: &'a Method,
    path: Cow<'a, [u8]>,
    pub(crate) params: Vec<Pair<'a>>,
    pub(crate) headers: Vec<Pair<'a>>,
}

impl<'a> Canonical<'a> {
    /// The canonical form of a request: the query parameters whose canonical key `signs_param`
    /// accepts (never one without a name, `?=v`: no `q-url-param-list` can name it), and the
    /// headers `signs_header` accepts, with `set` (a header about to be set) in place of any of
    /// its name, and `host` from the URI when the headers hold none.
    pub(crate) fn new(
        method: &'a Method,
        uri: &'a Uri,
        headers: &'a HeaderMap,
        set: Option<(&'a HeaderName, &'a HeaderValue)>,
        signs_header: impl Fn(&HeaderName) -> bool,
        signs_param: impl Fn(&str) -> bool,
    ) -> Self {
        let mut params: Vec<Pair<'a>> = query_pairs(uri.query().unwrap_or_default())
            .filter(|(key, _)| !key.is_empty())
            .map(|(key, value)| Pair::new(key, value))
            .filter(|pair| signs_param(&pair.key))
            .collect();
        params.sort_unstable();

        let replaced = set.map(|(name, _)| name);
        let mut signed = Vec::with_capacity(headers.len() + 2);
        let mut has_host = false;
        let kept = headers.iter().filter(|(name, _)| Some(*name) != replaced);
        for (name, value) in kept.chain(set) {
            has_host |= name == header::HOST;
            if signs_header(name) {
                // Trimmed of spaces and tabs, as a receiver sees it (the other bytes
                // `trim_ascii` removes cannot be in a header value).
                let value = Cow::Borrowed(value.as_bytes().trim_ascii());
                signed.push(Pair::new(Cow::Borrowed(name.as_str().as_bytes()), value));
            }
        }
        if !has_host
            && signs_header(&header::HOST)
            && let Some(host) = authority_host(uri)
        {
            let host = Cow::Borrowed(host.as_bytes());
            signed.push(Pair::new(Cow::Borrowed(b"host"), host));
        }
        signed.sort_unstable();

        let path = match uri.path() {
            "" => Cow::Borrowed(&b"/"[..]),
            path => percent_decode(path.as_bytes()).into(),
        };
        Self {
            method,
            path,
            params,
            headers: signed,
        }
    }

    /// The `HttpString`.
    pub(crate) fn http_string(&self) -> Vec<u8> {
        let pairs = self.params.iter().chain(&self.headers);
        let room = pairs
            .map(|p| p.key.len() + 3 * p.value.len() + 2)
            .sum::<usize>();
        let mut out = Vec::with_capacity(self.method.as_str().len() + self.path.len() + room + 4);
        out.extend(self.method.as_str().bytes().map(|b| b.to_ascii_lowercase()));
        out.push(b'\n');
        out.extend_from_slice(&self.path);
        for pairs in [&self.params, &self.headers] {
            out.push(b'\n');
            for (i, pair) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(b'&');
                }
                out.extend_from_slice(pair.key.as_bytes());
                out.push(b'=');
                encode_into(&mut out, &pair.value);
            }
        }
        out.push(b'\n');
        out
    }
}

/// `key;key;...`: the keys of `pairs`, a key once per signed value, as the official Go SDK
/// writes `q-header-list` and `q-url-param-list`.
pub(crate) fn key_list(pairs: &[Pair<'_>]) -> String {
    let mut out = String::with_capacity(pairs.iter().map(|p| p.key.len() + 1).sum());
    for (i, pair) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(&pair.key);
    }
    out
}

/// The intermediate values of a signature, for debugging and for tools like `cos-batch sign`:
/// the `HttpString` and the header and parameter lists.
///
/// ```
/// use cos_sign::{CanonicalRequest, HeaderPolicy};
/// use http::{HeaderMap, Method, Uri};
///
/// let uri: Uri = "https://100000000001.cos-control.ap-chengdu.myqcloud.com/jobs?maxResults=2".parse().unwrap();
/// let mut headers = HeaderMap::new();
/// headers.insert("x-cos-appid", "1250000000".parse().unwrap());
/// let c = CanonicalRequest::new(&Method::GET, &uri, &headers, &HeaderPolicy::Default);
/// assert_eq!(c.header_list(), "host;x-cos-appid");
/// assert_eq!(c.param_list(), "maxresults");
/// assert_eq!(
///     c.http_string_lossy(),
///     "get\n/jobs\nmaxresults=2\nhost=100000000001.cos-control.ap-chengdu.myqcloud.com&x-cos-appid=1250000000\n"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonicalRequest {
    http_string: Vec<u8>,
    header_list: String,
    param_list: String,
}

impl CanonicalRequest {
    /// Canonicalises a request as a [`crate::Signer`] with this policy signs it: every query
    /// parameter, and the headers `policy` selects (with `host` from the URI when the header is
    /// missing).
    pub fn new(method: &Method, uri: &Uri, headers: &HeaderMap, policy: &HeaderPolicy) -> Self {
        let canonical = Canonical::new(method, uri, headers, None, |n| policy.signs(n), |_| true);
        Self::from(&canonical)
    }

    /// The `HttpString` as bytes (a decoded path may hold any bytes).
    pub fn http_string(&self) -> &[u8] {
        &self.http_string
    }

    /// The `HttpString` as text, with invalid UTF-8 replaced.
    pub fn http_string_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.http_string)
    }

    /// The lower-case hex SHA-1 of the `HttpString`.
    pub fn http_string_sha1(&self) -> String {
        String::from_utf8_lossy(&sha1_hex(&self.http_string)).into_owned()
    }

    /// The `StringToSign` for a key time: `sha1\n{key_time}\n{sha1(HttpString)}\n`.
    pub fn string_to_sign(&self, key_time: KeyTime) -> String {
        format!("sha1\n{key_time}\n{}\n", self.http_string_sha1())
    }

    /// `q-header-list`: the signed header names, `;`-separated.
    pub fn header_list(&self) -> &str {
        &self.header_list
    }

    /// `q-url-param-list`: the signed parameter names, `;`-separated.
    pub fn param_list(&self) -> &str {
        &self.param_list
    }
}

impl From<&Canonical<'_>> for CanonicalRequest {
    fn from(canonical: &Canonical<'_>) -> Self {
        Self {
            http_string: canonical.http_string(),
            header_list: key_list(&canonical.headers),
            param_list: key_list(&canonical.params),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(method: &Method, uri: &str, headers: &HeaderMap) -> CanonicalRequest {
        let uri: Uri = uri.parse().unwrap();
        CanonicalRequest::new(method, &uri, headers, &HeaderPolicy::Default)
    }

    #[test]
    fn keys_are_encoded_then_lowercased() {
        assert_eq!(canonical_key(b"maxResults"), "maxresults");
        assert!(matches!(canonical_key(b"host"), Cow::Borrowed("host")));
        assert_eq!(canonical_key("Ké y".as_bytes()), "k%c3%a9%20y");
        assert_eq!(canonical_key(b"x-cos-meta-a_b.c~1"), "x-cos-meta-a_b.c~1");
    }

    #[test]
    fn unreserved_bytes_are_those_the_encode_set_leaves_bare() {
        for b in 0..=255u8 {
            let bare = percent_encode(&[b], COS_ENCODE_SET).to_string()
                == [b as char].iter().collect::<String>();
            assert_eq!(unreserved(b), bare, "{b:#04x}");
        }
    }

    #[test]
    fn values_are_encoded_with_upper_case_hex() {
        let mut out = b"kept".to_vec();
        encode_into(&mut out, "aZ09-_.~ /=&+*!'()腾".as_bytes());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "keptaZ09-_.~%20%2F%3D%26%2B%2A%21%27%28%29%E8%85%BE"
        );
    }

    #[test]
    fn query_decoding_follows_go() {
        let pairs: Vec<_> = query_pairs("a=1+2&b&&c=%E8%85%BE&d=%zz&=e")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                (b"a".to_vec(), b"1 2".to_vec()),
                (b"b".to_vec(), b"".to_vec()),
                (b"c".to_vec(), "腾".as_bytes().to_vec()),
                (b"d".to_vec(), b"%zz".to_vec()),
                (b"".to_vec(), b"e".to_vec()),
            ]
        );
    }

    #[test]
    fn repeated_keys_sort_by_raw_value_and_repeat_in_the_list() {
        let uri: Uri = "http://h/p?b=2&a=z&a=y&A=x&c".parse().unwrap();
        let c = CanonicalRequest::new(&Method::GET, &uri, &HeaderMap::new(), &HeaderPolicy::All);
        assert_eq!(c.param_list(), "a;a;a;b;c");
        assert_eq!(
            c.http_string_lossy(),
            "get\n/p\na=x&a=y&a=z&b=2&c=\nhost=h\n"
        );
    }

    #[test]
    fn header_values_are_trimmed_and_non_utf8_is_encoded() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-cos-meta-a",
            HeaderValue::from_bytes(b" \t v\xff \t").unwrap(),
        );
        headers.insert("x-cos-meta-b", HeaderValue::from_static(" \t "));
        headers.insert(header::HOST, HeaderValue::from_static("example.com"));
        let c = canonical(&Method::PUT, "/", &headers);
        assert_eq!(
            c.http_string_lossy(),
            "put\n/\n\nhost=example.com&x-cos-meta-a=v%FF&x-cos-meta-b=\n"
        );
    }

    #[test]
    fn host_comes_from_the_authority_without_userinfo() {
        let uri = "http://user:pw@example.com:8080/a%2Fb";
        let c = canonical(&Method::GET, uri, &HeaderMap::new());
        assert_eq!(
            c.http_string_lossy(),
            "get\n/a/b\n\nhost=example.com%3A8080\n"
        );
        // A present Host header wins over the authority.
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("other"));
        let c = canonical(&Method::GET, uri, &headers);
        assert_eq!(c.header_list(), "host");
        assert!(c.http_string_lossy().ends_with("host=other\n"));
    }

    #[test]
    fn non_utf8_path_bytes_survive() {
        let c = canonical(&Method::GET, "/%FF%E8%85%BE", &HeaderMap::new());
        assert_eq!(&c.http_string()[..10], b"get\n/\xff\xe8\x85\xbe\n");
    }

    #[test]
    fn a_parameter_without_a_name_is_not_signed() {
        let c = canonical(&Method::GET, "/?=x&a=1", &HeaderMap::new());
        assert_eq!(c.param_list(), "a");
        assert_eq!(c.http_string_lossy(), "get\n/\na=1\n\n");
    }

    #[test]
    fn extension_methods_are_lowercased() {
        let m = Method::from_bytes(b"PURGE").unwrap();
        let c = canonical(&m, "/", &HeaderMap::new());
        assert!(c.http_string_lossy().starts_with("purge\n"));
    }

    #[test]
    fn the_selectors_choose_what_is_signed() {
        let uri: Uri = "http://h/p?a=1&B=2".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-cos-a", HeaderValue::from_static("1"));
        headers.insert("x-cos-b", HeaderValue::from_static("2"));
        let c = Canonical::new(
            &Method::GET,
            &uri,
            &headers,
            None,
            |name| name.as_str() == "x-cos-b",
            |key| key == "b",
        );
        assert_eq!(
            String::from_utf8(c.http_string()).unwrap(),
            "get\n/p\nb=2\nx-cos-b=2\n"
        );
    }
}
