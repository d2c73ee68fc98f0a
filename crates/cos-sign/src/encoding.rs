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

/// Whether a byte stays bare: `A-Z a-z 0-9 - . _ ~`. Arithmetic rather than a table, so
/// that [`all_bytes`] becomes vector code.
pub(crate) const fn is_unreserved(b: u8) -> bool {
    within(b, b'0', b'9') | within(b | 0x20, b'a', b'z') | is_mark(b)
}

/// Whether a byte is its own canonical form in a key: unreserved, and not upper case.
fn is_canonical_key_byte(b: u8) -> bool {
    is_unreserved(b) & !b.is_ascii_uppercase()
}

/// `- . _ ~`, the unreserved bytes that are not letters or digits.
const fn is_mark(b: u8) -> bool {
    within(b, b'-', b'.') | (b == b'_') | (b == b'~')
}

const fn within(b: u8, lo: u8, hi: u8) -> bool {
    b.wrapping_sub(lo) <= hi - lo
}

/// Whether `class` holds for every byte of `bytes`, looked at sixteen at a time with no
/// branch per byte (the compiler turns each sixteen into a few vector instructions).
#[inline(always)]
fn all_bytes(bytes: &[u8], class: impl Fn(u8) -> bool + Copy) -> bool {
    #[inline(always)]
    fn chunk<const N: usize>(chunk: &[u8; N], class: impl Fn(u8) -> bool) -> bool {
        chunk.iter().fold(true, |all, &b| all & class(b))
    }
    let (chunks, _) = bytes.as_chunks::<16>();
    // The end, read as fixed-size pieces that may overlap what was already looked at.
    let end = match (
        bytes.last_chunk::<16>(),
        bytes.last_chunk::<8>(),
        bytes.first_chunk::<8>(),
    ) {
        (Some(last), _, _) => chunk(last, class),
        (None, Some(last), Some(first)) => chunk(first, class) & chunk(last, class),
        _ => bytes.iter().all(|&b| class(b)),
    };
    end && chunks.iter().all(|c| chunk(c, class))
}

/// Percent-encodes `bytes` onto `out` with [`COS_ENCODE_SET`]. Equivalent to
/// `percent_encoding::percent_encode` (a test checks it), which yields one piece per escaped
/// byte and was the largest cost of a signature. A value with nothing to escape, as most
/// header values are, is found so with vector instructions and copied whole; otherwise no
/// branch depends on the bytes, so a byte that needs escaping costs no mispredicted branch.
pub(crate) fn encode_into(out: &mut Vec<u8>, bytes: &[u8]) {
    if all_bytes(bytes, is_unreserved) {
        out.extend_from_slice(bytes);
        return;
    }
    // Each byte is one 4-byte store of its encoding, straight into `out`, which is first
    // grown by the most the encoding can take (three bytes a byte, and the last store's
    // spill), then cut to what was written.
    let start = out.len();
    out.resize(start + 3 * bytes.len() + 1, 0);
    let mut len = start;
    for &b in bytes {
        let encoded = ENCODED[usize::from(b)];
        if let Some(dst) = out.get_mut(len..len + 4) {
            dst.copy_from_slice(&encoded.to_le_bytes());
        }
        len += (encoded >> 24) as usize;
    }
    out.truncate(len);
}

/// Every byte as it is encoded, little-endian: up to three bytes, then how many of them count.
const ENCODED: [u32; 256] = {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        let bytes = if is_unreserved(b as u8) {
            [b as u8, 0, 0, 1]
        } else {
            [b'%', HEX[b >> 4], HEX[b & 0x0f], 3]
        };
        table[b] = u32::from_le_bytes(bytes);
        b += 1;
    }
    table
};

/// Whether a key is its own canonical form: unreserved bytes only, none upper case. Most
/// keys are (every header name COS defines, for one), and are then signed as they are.
pub(crate) fn is_canonical_key(raw: &[u8]) -> bool {
    all_bytes(raw, is_canonical_key_byte)
}

/// The bytes of a key as it enters the signature: percent-encoded, then lower-cased (so `%E8`
/// becomes `%e8`, as the official Go SDK does).
pub(crate) fn canonical_key_bytes(raw: &[u8]) -> impl Iterator<Item = u8> + '_ {
    raw.iter().flat_map(|&b| {
        let [c0, c1, c2, len] = ENCODED[usize::from(b)].to_le_bytes();
        [c0, c1, c2]
            .into_iter()
            .take(usize::from(len))
            .map(|c| c.to_ascii_lowercase())
    })
}

/// A key as it enters the signature ([`canonical_key_bytes`]), borrowed when nothing changes.
pub(crate) fn canonical_key(raw: &[u8]) -> Cow<'_, str> {
    if is_canonical_key(raw) {
        // All bytes are ASCII, so this cannot fail; the fallback keeps the code panic-free.
        if let Ok(s) = std::str::from_utf8(raw) {
            return Cow::Borrowed(s);
        }
    }
    Cow::Owned(canonical_key_bytes(raw).map(char::from).collect())
}

/// Decodes `%XX` escapes; an invalid escape is kept as it is.
pub(crate) fn decode_path(raw: &str) -> Cow<'_, [u8]> {
    // Paths are short: a plain loop costs less than a call to `memchr`.
    if raw.bytes().any(|b| b == b'%') {
        percent_decode(raw.as_bytes()).into()
    } else {
        Cow::Borrowed(raw.as_bytes())
    }
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
        let mut s = Vec::new();
        encode_into(&mut s, bytes);
        String::from_utf8(s).unwrap()
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
        fn matches_the_percent_encoding_crate(
            before in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..8),
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        ) {
            // Appended after what `out` holds, and nothing beyond the encoding left behind.
            let mut out = before.clone();
            encode_into(&mut out, &bytes);
            let expected = percent_encoding::percent_encode(&bytes, COS_ENCODE_SET).to_string();
            proptest::prop_assert_eq!(out, [before, expected.into_bytes()].concat());
        }
    }

    #[test]
    fn keys_are_encoded_then_lowercased() {
        assert_eq!(canonical_key(b"maxResults"), "maxresults");
        assert!(matches!(canonical_key(b"host"), Cow::Borrowed("host")));
        assert_eq!(canonical_key("Ké y".as_bytes()), "k%c3%a9%20y");
        assert!(!is_canonical_key(b"maxResults") && !is_canonical_key(b"a!b"));
        assert!(is_canonical_key(b"x-cos-meta-a_b.c~1"));
    }

    proptest::proptest! {
        #[test]
        fn a_canonical_key_is_the_encoding_lowercased(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..32)) {
            let expected = percent_encoding::percent_encode(&bytes, COS_ENCODE_SET)
                .to_string()
                .to_ascii_lowercase();
            proptest::prop_assert_eq!(canonical_key(&bytes), expected.as_str());
            proptest::prop_assert_eq!(is_canonical_key(&bytes), expected.as_bytes() == &bytes[..]);
        }
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
