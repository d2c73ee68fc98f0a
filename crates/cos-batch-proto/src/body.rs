//! XML bodies: `Content-MD5`, and the headers every XML request and response carries.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::HeaderValue;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName};
use md5::{Digest, Md5};

/// `application/xml`.
pub(crate) const APPLICATION_XML: HeaderValue = HeaderValue::from_static("application/xml");

/// The `Content-MD5` header name.
pub(crate) const CONTENT_MD5: HeaderName = HeaderName::from_static("content-md5");

/// Base64 of the MD5 of `body`, as `Content-MD5` carries it.
pub(crate) fn content_md5(body: &[u8]) -> String {
    STANDARD.encode(Md5::digest(body))
}

/// Sets `Content-Type: application/xml`, `Content-Length` and `Content-MD5` for `body`.
pub(crate) fn set_xml_headers(headers: &mut HeaderMap, body: &Bytes) {
    headers.insert(CONTENT_TYPE, APPLICATION_XML);
    headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    if let Ok(md5) = HeaderValue::from_str(&content_md5(body)) {
        headers.insert(CONTENT_MD5, md5);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_of_the_empty_body_and_of_a_word() {
        assert_eq!(content_md5(b""), "1B2M2Y8AsgTpgAmY7PhCfg==");
        assert_eq!(content_md5(b"ObjectContent"), "mQ/fVh815F3k6TAUm8m0eg==");
    }
}
