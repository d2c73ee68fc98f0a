//! Keys as CSV manifests (`COSBatchOperations_CSV_V1`) and completion reports (`Report_CSV_V1`)
//! carry them: URL-encoded, every byte but the unreserved characters and `/` escaped.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// What is escaped: all but the unreserved characters (`A-Z a-z 0-9 - _ . ~`) and `/`.
const KEY_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// A key as a manifest or report row carries it.
///
/// ```
/// use cos_batch_proto::object::{decode_manifest_key, encode_manifest_key};
/// assert_eq!(encode_manifest_key("a b/c,d+é"), "a%20b/c%2Cd%2B%C3%A9");
/// assert_eq!(decode_manifest_key("a%20b/c%2Cd%2B%C3%A9").unwrap(), "a b/c,d+é");
/// assert!(decode_manifest_key("bad%FF").is_none());
/// ```
pub fn encode_manifest_key(key: &str) -> String {
    utf8_percent_encode(key, KEY_ESCAPES).to_string()
}

/// A key of a manifest or report row, decoded; `None` when it is not UTF-8 once decoded.
pub fn decode_manifest_key(raw: &str) -> Option<Cow<'_, str>> {
    percent_decode_str(raw).decode_utf8().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decode_reads_what_encode_writes(key in "\\PC{0,40}") {
            let encoded = encode_manifest_key(&key);
            prop_assert!(!encoded.contains([',', '"', ' ', '\n']));
            prop_assert_eq!(decode_manifest_key(&encoded).unwrap(), key.as_str());
        }
    }
}
