//! Canonicalisation: which headers and parameters are signed, and the `HttpString` built from
//! them.
//!
//! `HttpString = lower(method) \n decoded-path \n params \n headers \n`, where `params` and
//! `headers` are `key=value` pairs joined by `&`: keys percent-encoded then lower-cased, values
//! percent-encoded (upper-case hex), pairs sorted by key and, for a repeated key, by raw value.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::ops::Deref;

use http::header::{self, HeaderMap, HeaderName};
use http::{Method, Uri};

use crate::encoding::{
    canonical_key, canonical_key_bytes, decode_path, encode_into, is_canonical_key, query_pairs,
};

/// Which request headers a signature covers.
///
/// Whatever the policy, `authorization`, `user-agent` and the hop-by-hop headers (`connection`,
/// `keep-alive`, `proxy-*`, `te`, `trailer`, `transfer-encoding`, `upgrade`) are never signed:
/// proxies and HTTP stacks rewrite them.
///
/// ```
/// use cos_sign::HeaderPolicy;
/// use http::header::{HeaderName, CONTENT_TYPE, USER_AGENT};
///
/// let policy = HeaderPolicy::default();
/// assert!(policy.signs(&CONTENT_TYPE));
/// assert!(policy.signs(&HeaderName::from_static("x-cos-appid")));
/// assert!(!policy.signs(&HeaderName::from_static("date")));
/// assert!(!HeaderPolicy::All.signs(&USER_AGENT));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderPolicy {
    /// `host`, `content-type`, `content-length`, `content-md5` and every `x-cos-*` header, as the
    /// official SDKs do for the batch API.
    #[default]
    Default,
    /// Every header present.
    All,
    /// Exactly these headers, where present.
    Only(Vec<HeaderName>),
}

impl HeaderPolicy {
    /// Whether a header of this name is signed.
    pub fn signs(&self, name: &HeaderName) -> bool {
        self.group(name).is_some()
    }

    /// `None` for a header that is not signed; otherwise its group in the signing order, where
    /// the policy knows one. The signing order sorts by group first: the [`HeaderPolicy::Default`]
    /// groups are `content-length`, `content-md5`, `content-type`, `host` and `x-cos-*`, which is
    /// their order by name, so that sorting them costs no comparison of names (but among
    /// `x-cos-*` headers). Other policies put every header in one group, [`OPEN_GROUP`]; a
    /// group below it holds one fixed name, already canonical.
    #[inline]
    pub(crate) fn group(&self, name: &HeaderName) -> Option<u8> {
        match self {
            Self::Default => default_group(name),
            Self::All => listed_group(name, None),
            Self::Only(names) => listed_group(name, Some(names)),
        }
    }
}

/// [`HeaderPolicy::group`] for [`HeaderPolicy::Default`]. None of its names is in the
/// never-signed list, so there is nothing to rule out first.
#[inline(always)]
fn default_group(name: &HeaderName) -> Option<u8> {
    if name == header::AUTHORIZATION {
        // On every request signed again (a retry, say). Ruled out before the name is read,
        // which costs a lookup for a header `http` knows.
        None
    } else if name == header::CONTENT_LENGTH {
        Some(0)
    } else if name == header::CONTENT_TYPE {
        Some(2)
    } else if name == header::HOST {
        Some(3)
    } else {
        let name = name.as_str();
        if name == "content-md5" {
            Some(1)
        } else {
            name.starts_with("x-cos-").then_some(OPEN_GROUP)
        }
    }
}

/// [`HeaderPolicy::group`] for [`HeaderPolicy::All`] (no `names`) and [`HeaderPolicy::Only`],
/// kept out of line so that the default policy's test, inlined, stays small.
#[inline(never)]
fn listed_group(name: &HeaderName, names: Option<&[HeaderName]>) -> Option<u8> {
    let listed = names.is_none_or(|names| names.contains(name));
    (listed && !never_signed(name)).then_some(OPEN_GROUP)
}

/// The group of the signing order that keys of any name fall in (see [`HeaderPolicy::group`]).
pub(crate) const OPEN_GROUP: u8 = 4;

fn never_signed(name: &HeaderName) -> bool {
    name == header::AUTHORIZATION
        || name == header::USER_AGENT
        || name == header::CONNECTION
        || name == header::PROXY_AUTHENTICATE
        || name == header::PROXY_AUTHORIZATION
        || name == header::TE
        || name == header::TRAILER
        || name == header::TRANSFER_ENCODING
        || name == header::UPGRADE
        || matches!(name.as_str(), "keep-alive" | "proxy-connection")
}

/// One signed `key=value` pair, borrowed from the request (or from [`Params`]): the key and the
/// value as the request has them (decoded, trimmed), canonicalised as they are written.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry<'a> {
    /// The group in the signing order (see [`HeaderPolicy::group`]); [`OPEN_GROUP`] for
    /// parameters.
    group: u8,
    raw_key: &'a [u8],
    /// Whether `raw_key` is its own canonical form, as most keys are.
    plain: bool,
    pub(crate) value: &'a [u8],
}

impl<'a> Entry<'a> {
    /// What unused [`EntrySlots`] hold.
    const EMPTY: Entry<'static> = Entry {
        group: OPEN_GROUP,
        raw_key: b"",
        plain: true,
        value: b"",
    };

    fn new(group: u8, raw_key: &'a [u8], value: &'a [u8]) -> Self {
        Self {
            group,
            raw_key,
            plain: group < OPEN_GROUP || is_canonical_key(raw_key),
            value,
        }
    }

    /// The canonical key: percent-encoded, then lower-cased.
    pub(crate) fn key(&self) -> Cow<'a, str> {
        canonical_key(self.raw_key)
    }

    /// Writes the canonical key.
    fn write_key(&self, out: &mut Vec<u8>) {
        if self.plain {
            out.extend_from_slice(self.raw_key);
        } else {
            out.extend(canonical_key_bytes(self.raw_key));
        }
    }

    /// The length of the canonical key.
    fn key_len(&self) -> usize {
        if self.plain {
            self.raw_key.len()
        } else {
            canonical_key_bytes(self.raw_key).count()
        }
    }

    /// The signing order: by group, then by canonical key, then (for a repeated key) by raw
    /// value.
    fn order(&self, other: &Self) -> Ordering {
        if self.group != other.group {
            return self.group.cmp(&other.group);
        }
        let keys = if self.plain && other.plain {
            // Most keys differ in their first byte, which spares a call to `memcmp`.
            match (self.raw_key.first(), other.raw_key.first()) {
                (Some(a), Some(b)) if a != b => a.cmp(b),
                _ => self.raw_key.cmp(other.raw_key),
            }
        } else {
            canonical_key_bytes(self.raw_key).cmp(canonical_key_bytes(other.raw_key))
        };
        keys.then_with(|| self.value.cmp(other.value))
    }
}

/// How many entries [`EntrySlots`] hold: more than most requests sign.
const SLOTS: usize = 8;

/// Room for the signed headers of a request, on the caller's stack, so that canonicalising
/// one allocates nothing for them unless it signs more than [`SLOTS`].
pub(crate) struct EntrySlots<'a>([Entry<'a>; SLOTS]);

impl EntrySlots<'_> {
    /// Empty slots. They are copied from a constant: built in place, the compiler stores them
    /// piecemeal and then copies them whole to where they live, and that copy waits for the
    /// stores (10 to 14 ns of a 520 ns signature, measured A/B on the `sign` bench's CreateJob).
    pub(crate) const fn new() -> Self {
        const EMPTY: EntrySlots<'static> = EntrySlots([Entry::EMPTY; SLOTS]);
        EMPTY
    }
}

/// The entries a signature covers, of one kind (headers or parameters), in signing order:
/// in [`EntrySlots`], or on the heap.
pub(crate) enum Entries<'a> {
    Slots(&'a [Entry<'a>]),
    Heap(Vec<Entry<'a>>),
}

impl<'a> Deref for Entries<'a> {
    type Target = [Entry<'a>];

    fn deref(&self) -> &Self::Target {
        match self {
            Self::Slots(entries) => entries,
            Self::Heap(entries) => entries,
        }
    }
}

/// The `host` value taken from a URI's authority when the request has no `Host` header.
pub(crate) fn authority_host(uri: &Uri) -> Option<&str> {
    let authority = uri.authority()?.as_str();
    // Drop any `user:pass@`; a Host header never carries it.
    Some(
        authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host),
    )
}

/// Trims the optional white space (SP, HTAB) around a header value, as a receiver sees it.
fn trim_ows(mut v: &[u8]) -> &[u8] {
    let ows = |b: &u8| matches!(b, b' ' | b'\t');
    // Most values have nothing to trim, which their two ends tell.
    if !v.first().is_some_and(ows) && !v.last().is_some_and(ows) {
        return v;
    }
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// The signed headers, in signing order: those of `headers` that `group` puts in a group (see
/// [`HeaderPolicy::group`]), plus `extra` (headers about to be added), plus `host` from the URI
/// when selected and absent. Also whether `headers` or `extra` hold a `Host` (signed or not).
pub(crate) fn header_entries<'s, 'a: 's>(
    slots: &'s mut EntrySlots<'a>,
    headers: &'a HeaderMap,
    extra: &[(&'a HeaderName, &'a [u8])],
    uri: &'a Uri,
    group: impl Fn(&HeaderName) -> Option<u8>,
) -> (Entries<'s>, bool) {
    // At most one entry per header value, one per `extra`, and `host`.
    let most = headers.len() + extra.len() + 1;
    let on_heap = most > SLOTS;
    let mut heap = Vec::new();
    if on_heap {
        heap.reserve_exact(most);
    }
    let mut filled = 0;
    let mut push = |entry| {
        if on_heap {
            heap.push(entry);
        } else if let Some(slot) = slots.0.get_mut(filled) {
            *slot = entry;
            filled += 1;
        }
    };
    let mut has_host = false;
    for (name, value) in headers
        .iter()
        .map(|(n, v)| (n, v.as_bytes()))
        .chain(extra.iter().copied())
    {
        has_host |= name == header::HOST;
        if let Some(group) = group(name) {
            push(Entry::new(group, name.as_str().as_bytes(), trim_ows(value)));
        }
    }
    if !has_host
        && let Some(group) = group(&header::HOST)
        && let Some(host) = authority_host(uri)
    {
        push(Entry::new(group, b"host", host.as_bytes()));
    }
    let entries = if on_heap {
        sort(&mut heap);
        Entries::Heap(heap)
    } else {
        let signed = slots.0.get_mut(..filled).unwrap_or_default();
        sort(signed);
        Entries::Slots(signed)
    };
    (entries, has_host)
}

/// The query parameters of a request, decoded: what its signed [`Entry`]s borrow.
pub(crate) struct Params<'a> {
    pairs: Vec<DecodedPair<'a>>,
}

/// A query parameter's name and value, percent-decoded.
type DecodedPair<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

impl<'a> Params<'a> {
    /// The parameters of `uri`'s query. A parameter with an empty name (`?=v`) is left out: it
    /// is never signed, as `q-url-param-list` has no way to name it, so a verifier could never
    /// select it.
    pub(crate) fn of(uri: &'a Uri) -> Self {
        Self {
            pairs: uri
                .query()
                .map(|q| query_pairs(q).filter(|(k, _)| !k.is_empty()).collect())
                .unwrap_or_default(),
        }
    }

    /// The signed parameters, in signing order: those `select` accepts.
    pub(crate) fn entries(&self, select: impl Fn(&Entry<'_>) -> bool) -> Entries<'_> {
        if self.pairs.is_empty() {
            return Entries::Slots(&[]);
        }
        let mut entries: Vec<_> = self
            .pairs
            .iter()
            .map(|(k, v)| Entry::new(OPEN_GROUP, k, v))
            .filter(|e| select(e))
            .collect();
        sort(&mut entries);
        Entries::Heap(entries)
    }
}

/// Sorts entries into signing order. A request has few, mostly in distinct groups, for which
/// an insertion sort written here beats the general one; more go to the general sort, which
/// never takes quadratic time.
fn sort(entries: &mut [Entry<'_>]) {
    if entries.len() > SLOTS {
        entries.sort_unstable_by(Entry::order);
        return;
    }
    for i in 1..entries.len() {
        // Move entry `i` left past the sorted entries that sort after it.
        let mut j = i;
        while j > 0 {
            match (entries.get(j - 1), entries.get(j)) {
                (Some(before), Some(entry)) if before.order(entry) == Ordering::Greater => {
                    entries.swap(j - 1, j);
                }
                _ => break,
            }
            j -= 1;
        }
    }
}

/// Writes `key=value&key=value` (values encoded).
fn write_pairs(sink: &mut Vec<u8>, entries: &[Entry<'_>]) {
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            sink.push(b'&');
        }
        e.write_key(sink);
        sink.push(b'=');
        encode_into(sink, e.value);
    }
}

/// The length of [`write_key_list`]'s output.
pub(crate) fn key_list_len(entries: &[Entry<'_>]) -> usize {
    entries
        .iter()
        .map(|e| e.key_len() + 1)
        .sum::<usize>()
        .saturating_sub(1)
}

/// Writes `key;key;...`, a key once per signed value, as the official Go SDK does.
pub(crate) fn write_key_list(out: &mut Vec<u8>, entries: &[Entry<'_>]) {
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            out.push(b';');
        }
        e.write_key(out);
    }
}

/// [`write_key_list`] as a `String`.
pub(crate) fn key_list(entries: &[Entry<'_>]) -> String {
    let mut out = Vec::with_capacity(key_list_len(entries));
    write_key_list(&mut out, entries);
    // Canonical keys are ASCII, so this cannot fail; the fallback keeps the code panic-free.
    String::from_utf8(out).unwrap_or_default()
}

fn lower_method(method: &Method) -> Cow<'_, str> {
    Cow::Borrowed(match *method {
        Method::GET => "get",
        Method::PUT => "put",
        Method::POST => "post",
        Method::DELETE => "delete",
        Method::HEAD => "head",
        Method::OPTIONS => "options",
        Method::PATCH => "patch",
        _ => return Cow::Owned(method.as_str().to_ascii_lowercase()),
    })
}

/// Everything the `HttpString` is made of, borrowed from the request where possible.
pub(crate) struct Canonical<'a> {
    pub(crate) method: Cow<'a, str>,
    pub(crate) path: Cow<'a, [u8]>,
    pub(crate) params: Entries<'a>,
    pub(crate) headers: Entries<'a>,
}

impl<'a> Canonical<'a> {
    /// The canonical request a [`crate::Signer`] signs: every parameter of `params` (the
    /// URI's), and the headers of `headers` and `extra` that `policy` selects, with `host` from
    /// the URI when neither holds a `Host`. Also whether one of them does.
    pub(crate) fn of_request<'r: 'a>(
        slots: &'a mut EntrySlots<'r>,
        method: &'r Method,
        uri: &'r Uri,
        params: &'r Params<'r>,
        headers: &'r HeaderMap,
        extra: &[(&'r HeaderName, &'r [u8])],
        policy: &HeaderPolicy,
    ) -> (Self, bool) {
        let (signed_headers, has_host) =
            header_entries(slots, headers, extra, uri, |n| policy.group(n));
        let canonical = Self::new(method, uri, params.entries(|_| true), signed_headers);
        (canonical, has_host)
    }

    pub(crate) fn new(
        method: &'a Method,
        uri: &'a Uri,
        params: Entries<'a>,
        headers: Entries<'a>,
    ) -> Self {
        let raw_path = uri.path();
        let path = if raw_path.is_empty() {
            Cow::Borrowed(&b"/"[..])
        } else {
            decode_path(raw_path)
        };
        Self {
            method: lower_method(method),
            path,
            params,
            headers,
        }
    }

    /// A capacity that holds the `HttpString` unless many bytes need escaping.
    pub(crate) fn estimated_len(&self) -> usize {
        let pairs: usize = self
            .params
            .iter()
            .chain(self.headers.iter())
            .map(|e| e.raw_key.len() + e.value.len() * 3 / 2 + 2)
            .sum();
        self.method.len() + self.path.len() + pairs + 8
    }

    pub(crate) fn write_http_string(&self, sink: &mut Vec<u8>) {
        sink.extend_from_slice(self.method.as_bytes());
        sink.push(b'\n');
        sink.extend_from_slice(&self.path);
        sink.push(b'\n');
        write_pairs(sink, &self.params);
        sink.push(b'\n');
        write_pairs(sink, &self.headers);
        sink.push(b'\n');
    }
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
    /// Canonicalises a request: every query parameter, and the headers `policy` selects (with
    /// `host` from the URI when the header is missing).
    pub fn new(method: &Method, uri: &Uri, headers: &HeaderMap, policy: &HeaderPolicy) -> Self {
        let params = Params::of(uri);
        let mut slots = EntrySlots::new();
        let (canonical, _) =
            Canonical::of_request(&mut slots, method, uri, &params, headers, &[], policy);
        Self::from_canonical(&canonical)
    }

    pub(crate) fn from_canonical(c: &Canonical<'_>) -> Self {
        let mut http_string = Vec::new();
        c.write_http_string(&mut http_string);
        Self {
            http_string,
            header_list: key_list(&c.headers),
            param_list: key_list(&c.params),
        }
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
        String::from_utf8_lossy(&crate::digest::sha1_hex(&self.http_string)).into_owned()
    }

    /// The `StringToSign` for a key time: `sha1\n{key_time}\n{sha1(HttpString)}\n`.
    pub fn string_to_sign(&self, key_time: crate::KeyTime) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn never_signs_hop_by_hop_even_when_asked() {
        let policy = HeaderPolicy::Only(vec![
            header::AUTHORIZATION,
            header::CONNECTION,
            header::CONTENT_TYPE,
        ]);
        assert!(!policy.signs(&header::AUTHORIZATION));
        assert!(!policy.signs(&header::CONNECTION));
        assert!(policy.signs(&header::CONTENT_TYPE));
        assert!(!policy.signs(&header::CONTENT_LENGTH));
    }

    #[test]
    fn entries_are_the_same_in_slots_or_on_the_heap() {
        let uri: Uri = "https://uri-host.example.com/jobs".parse().unwrap();
        // From no header to more than the slots hold, with and without a Host of their own,
        // so that the signed entries fill the slots, fill them exactly, and spill.
        for n in 0..=2 * SLOTS {
            for with_host in [false, true] {
                let mut headers = HeaderMap::new();
                // Inserted in reverse order, so that they must be sorted.
                for i in (0..n).rev() {
                    let name = HeaderName::try_from(format!("x-cos-h{i:02}")).unwrap();
                    headers.insert(name, HeaderValue::from(i));
                }
                // A repeated header, whose values sort by value.
                if n % 2 == 1 {
                    let name = HeaderName::from_static("x-cos-repeated");
                    headers.append(&name, HeaderValue::from_static("b"));
                    headers.append(&name, HeaderValue::from_static("a"));
                }
                headers.insert(header::USER_AGENT, HeaderValue::from_static("unsigned"));
                if with_host {
                    headers.insert(header::HOST, HeaderValue::from_static("header-host"));
                }
                let mut expected: Vec<(String, Vec<u8>)> = headers
                    .iter()
                    .filter(|(name, _)| HeaderPolicy::Default.signs(name))
                    .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
                    .collect();
                if !with_host {
                    expected.push(("host".to_owned(), b"uri-host.example.com".to_vec()));
                }
                expected.sort();
                let mut slots = EntrySlots::new();
                let (entries, has_host) = header_entries(&mut slots, &headers, &[], &uri, |n| {
                    HeaderPolicy::Default.group(n)
                });
                let got: Vec<(String, Vec<u8>)> = entries
                    .iter()
                    .map(|e| (e.key().into_owned(), e.value.to_vec()))
                    .collect();
                assert_eq!(got, expected, "{n} headers, host header: {with_host}");
                assert_eq!(has_host, with_host);
                assert_eq!(
                    matches!(entries, Entries::Heap(_)),
                    headers.len() + 1 > SLOTS,
                    "{n} headers"
                );
            }
        }
    }

    #[test]
    fn the_default_groups_agree_with_the_order_of_names() {
        let names = [
            "content-length",
            "content-md5",
            "content-type",
            "host",
            "x-cos-a",
            "x-cos-appid",
            "x-cos-meta-!",
            "x-cos-security-token",
            "x-cos-~",
        ];
        let policy = HeaderPolicy::Default;
        for a in names {
            for b in names {
                let (na, nb) = (HeaderName::from_static(a), HeaderName::from_static(b));
                let (ga, gb) = (policy.group(&na).unwrap(), policy.group(&nb).unwrap());
                if ga != gb {
                    let (ka, kb) = (canonical_key(a.as_bytes()), canonical_key(b.as_bytes()));
                    assert_eq!(ga.cmp(&gb), ka.cmp(&kb), "{a} {b}");
                }
            }
        }
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
        headers.insert(header::HOST, HeaderValue::from_static("example.com"));
        let uri: Uri = "/".parse().unwrap();
        let c = CanonicalRequest::new(&Method::PUT, &uri, &headers, &HeaderPolicy::Default);
        assert_eq!(
            c.http_string_lossy(),
            "put\n/\n\nhost=example.com&x-cos-meta-a=v%FF\n"
        );
    }

    #[test]
    fn host_comes_from_the_authority_without_userinfo() {
        let uri: Uri = "http://user:pw@example.com:8080/a%2Fb".parse().unwrap();
        let c = CanonicalRequest::new(
            &Method::GET,
            &uri,
            &HeaderMap::new(),
            &HeaderPolicy::Default,
        );
        assert_eq!(
            c.http_string_lossy(),
            "get\n/a/b\n\nhost=example.com%3A8080\n"
        );
        // A present Host header wins over the authority.
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("other"));
        let c = CanonicalRequest::new(&Method::GET, &uri, &headers, &HeaderPolicy::Default);
        assert_eq!(c.header_list(), "host");
        assert!(c.http_string_lossy().ends_with("host=other\n"));
    }

    #[test]
    fn non_utf8_path_bytes_survive() {
        let uri: Uri = "/%FF%E8%85%BE".parse().unwrap();
        let c = CanonicalRequest::new(
            &Method::GET,
            &uri,
            &HeaderMap::new(),
            &HeaderPolicy::Default,
        );
        assert_eq!(&c.http_string()[..10], b"get\n/\xff\xe8\x85\xbe\n");
    }

    #[test]
    fn a_parameter_without_a_name_is_not_signed() {
        let uri: Uri = "/?=x&a=1".parse().unwrap();
        let c = CanonicalRequest::new(
            &Method::GET,
            &uri,
            &HeaderMap::new(),
            &HeaderPolicy::Default,
        );
        assert_eq!(c.param_list(), "a");
        assert_eq!(c.http_string_lossy(), "get\n/\na=1\n\n");
    }

    #[test]
    fn extension_methods_are_lowercased() {
        let m = Method::from_bytes(b"PURGE").unwrap();
        let uri: Uri = "/".parse().unwrap();
        let c = CanonicalRequest::new(&m, &uri, &HeaderMap::new(), &HeaderPolicy::Default);
        assert!(c.http_string_lossy().starts_with("purge\n"));
    }
}
