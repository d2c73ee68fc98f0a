//! The percent-encoding of the COS signature: every byte but `A-Z a-z 0-9 - _ . ~` becomes `%XX`
//! with upper-case hex, and the decoding of paths and query strings.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode};

/// Bytes that stay bare: the RFC 3986 unreserved set.
pub(crate) const COS_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Where canonical bytes go: a buffer, or straight into a hash.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for String {
    fn put(&mut self, bytes: &[u8]) {
        // Only ever fed encoded (ASCII) text; anything else would be a bug, shown lossily.
        self.push_str(&String::from_utf8_lossy(bytes));
    }
}

/// Which bytes stay bare, as a table: the signing path asks once per byte.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~');
        b += 1;
    }
    table
};

pub(crate) fn is_unreserved(b: u8) -> bool {
    UNRESERVED[usize::from(b)]
}

/// Percent-encodes `bytes` into `sink` with [`COS_ENCODE_SET`]: runs of bare bytes go in whole,
/// each other byte as `%XX`. Equivalent to `percent_encoding::percent_encode` (a test checks
/// it), which yields one piece per escaped byte and was the largest cost of a signature.
pub(crate) fn encode_into(sink: &mut impl Sink, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut rest = bytes;
    while !rest.is_empty() {
        let run = rest
            .iter()
            .position(|&b| !is_unreserved(b))
            .unwrap_or(rest.len());
        let (bare, tail) = rest.split_at(run);
        if !bare.is_empty() {
            sink.put(bare);
        }
        let Some((&b, tail)) = tail.split_first() else {
            break;
        };
        sink.put(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0x0f)]]);
        rest = tail;
    }
}

/// A key as it enters the signature: percent-encoded, then lower-cased (so `%E8` becomes `%e8`,
/// as the official Go SDK does). Borrowed when nothing changes.
pub(crate) fn canonical_key(raw: &[u8]) -> Cow<'_, str> {
    if raw
        .iter()
        .all(|&b| is_unreserved(b) && !b.is_ascii_uppercase())
    {
        // All bytes are ASCII, so this cannot fail; the fallback keeps the code panic-free.
        if let Ok(s) = std::str::from_utf8(raw) {
            return Cow::Borrowed(s);
        }
    }
    encoded_lowercase(raw)
}

/// [`canonical_key`] of a header name, which is already a lower-case `str`.
pub(crate) fn canonical_name(name: &str) -> Cow<'_, str> {
    if name.bytes().all(is_unreserved) {
        Cow::Borrowed(name)
    } else {
        encoded_lowercase(name.as_bytes())
    }
}

fn encoded_lowercase(raw: &[u8]) -> Cow<'static, str> {
    let mut out = String::with_capacity(raw.len() * 3);
    encode_into(&mut out, raw);
    out.make_ascii_lowercase();
    Cow::Owned(out)
}

/// Decodes `%XX` escapes; an invalid escape is kept as it is.
pub(crate) fn decode_path(raw: &str) -> Cow<'_, [u8]> {
    percent_decode(raw.as_bytes()).into()
}

/// Decodes a query component: `+` is a space (as Go's `url.ParseQuery`, which the official SDK
/// uses), then `%XX` escapes; an invalid escape is kept as it is.
pub(crate) fn decode_query_component(raw: &str) -> Cow<'_, [u8]> {
    if raw.as_bytes().contains(&b'+') {
        let spaced: Vec<u8> = raw
            .bytes()
            .map(|b| if b == b'+' { b' ' } else { b })
            .collect();
        let decoded: Vec<u8> = percent_decode(&spaced).collect();
        Cow::Owned(decoded)
    } else {
        percent_decode(raw.as_bytes()).into()
    }
}

/// Splits a raw query string into decoded `(key, value)` pairs. `a` alone is `("a", "")`;
/// empty segments (`a&&b`) are skipped.
pub(crate) fn query_pairs(query: &str) -> impl Iterator<Item = (Cow<'_, [u8]>, Cow<'_, [u8]>)> {
    query.split('&').filter(|s| !s.is_empty()).map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode_query_component(k), decode_query_component(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(bytes: &[u8]) -> String {
        let mut s = String::new();
        encode_into(&mut s, bytes);
        s
    }

    #[test]
    fn encodes_everything_but_unreserved_with_upper_hex() {
        assert_eq!(encoded(b"aZ09-_.~"), "aZ09-_.~");
        assert_eq!(
            encoded(b"a b/c=d&e+f*g!h'(i)"),
            "a%20b%2Fc%3Dd%26e%2Bf%2Ag%21h%27%28i%29"
        );
        assert_eq!(encoded("腾".as_bytes()), "%E8%85%BE");
        assert_eq!(encoded(&[0xff, 0x00]), "%FF%00");
    }

    proptest::proptest! {
        #[test]
        fn matches_the_percent_encoding_crate(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let expected = percent_encoding::percent_encode(&bytes, COS_ENCODE_SET).to_string();
            proptest::prop_assert_eq!(encoded(&bytes), expected);
        }
    }

    #[test]
    fn keys_are_encoded_then_lowercased() {
        assert_eq!(canonical_key(b"maxResults"), "maxresults");
        assert!(matches!(canonical_key(b"host"), Cow::Borrowed("host")));
        assert_eq!(canonical_key("Ké y".as_bytes()), "k%c3%a9%20y");
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
}
