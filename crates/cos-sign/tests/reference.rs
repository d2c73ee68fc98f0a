//! The signer against a reference written as plainly as the vendor's page describes the
//! signature: strings and vectors built step by step, the `percent-encoding`, `sha1` and `hmac`
//! crates called once each. The signer gets the same answer by another road (pairs kept without
//! copies, a reused `HttpString` buffer, SHA-1 padding and HMAC of its own), and this is the
//! test that the two roads meet, over raw query strings (`+`, bad escapes, empty keys, repeated
//! keys) and raw header bytes.

use cos_sign::{CanonicalRequest, Credentials, HeaderPolicy, KeyTime, Signer};
use hmac::{KeyInit, Mac};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, percent_encode};
use proptest::prelude::*;
use sha1::{Digest, Sha1};

const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn encode(bytes: &[u8]) -> String {
    percent_encode(bytes, UNRESERVED).to_string()
}

/// `+` is a space, then `%XX` is decoded (a bad escape stays as it is).
fn decode_query(raw: &str) -> Vec<u8> {
    let spaced = raw.replace('+', " ");
    percent_decode(spaced.as_bytes()).collect()
}

fn is_ows(b: &u8) -> bool {
    *b == b' ' || *b == b'\t'
}

fn trim(mut v: &[u8]) -> &[u8] {
    while v.first().is_some_and(is_ows) {
        v = &v[1..];
    }
    while v.last().is_some_and(is_ows) {
        v = &v[..v.len() - 1];
    }
    v
}

fn default_policy_signs(name: &str) -> bool {
    matches!(
        name,
        "host" | "content-type" | "content-length" | "content-md5"
    ) || name.starts_with("x-cos-")
}

/// Pairs sorted by key, then by raw value, rendered as `key=encoded-value&...`, and the key list.
fn render(mut pairs: Vec<(String, Vec<u8>)>) -> (String, String) {
    pairs.sort();
    let rendered: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    (rendered.join("&"), keys.join(";"))
}

/// `(HttpString, header list, param list)` of the Default policy.
fn reference(method: &Method, uri: &Uri, headers: &HeaderMap) -> (Vec<u8>, String, String) {
    let path = if uri.path().is_empty() {
        "/"
    } else {
        uri.path()
    };
    let path: Vec<u8> = percent_decode(path.as_bytes()).collect();

    let mut params = Vec::new();
    for pair in uri.query().unwrap_or("").split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode_query(k);
        if key.is_empty() {
            continue;
        }
        params.push((encode(&key).to_lowercase(), decode_query(v)));
    }

    let mut signed_headers = Vec::new();
    for (name, value) in headers {
        if default_policy_signs(name.as_str()) {
            signed_headers.push((
                encode(name.as_str().as_bytes()).to_lowercase(),
                trim(value.as_bytes()).to_vec(),
            ));
        }
    }
    if !headers.contains_key("host") {
        let host = uri.authority().unwrap().as_str();
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        signed_headers.push(("host".to_owned(), host.as_bytes().to_vec()));
    }

    let (params, param_list) = render(params);
    let (headers, header_list) = render(signed_headers);
    let mut http_string = method.as_str().to_lowercase().into_bytes();
    http_string.push(b'\n');
    http_string.extend_from_slice(&path);
    http_string.extend_from_slice(format!("\n{params}\n{headers}\n").as_bytes());
    (http_string, header_list, param_list)
}

fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    let mut mac = hmac::Hmac::<Sha1>::new_from_slice(key).unwrap();
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// The characters of a raw query: escapes good and bad, `+`, separators, upper case, Unicode.
fn query() -> impl Strategy<Value = String> {
    "([a-zA-Z0-9~._-]|%[0-9a-fA-F]{2}|%[g-z]?|\\+|=|&|/|:|腾|é| ){0,40}"
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("content-type".to_owned()),
        Just("content-md5".to_owned()),
        Just("content-length".to_owned()),
        Just("host".to_owned()),
        Just("user-agent".to_owned()),
        "x-cos-[a-z0-9!#$%&'*+^_`|~-]{1,20}",
        "[a-z][a-z0-9-]{0,10}",
    ]
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(prop_oneof![0x20u8..0x7f, Just(b'\t'), 0x80u8..=0xff], 0..40)
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::DELETE),
        "[A-Z]{3,8}".prop_map(|m| Method::from_bytes(m.as_bytes()).unwrap()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_signer_meets_the_reference(
        method in method(),
        path in "(/([a-zA-Z0-9._~-]|%[0-9A-F]{2}|%zz){0,8}){0,3}",
        query in proptest::option::of(query()),
        headers in proptest::collection::vec((header_name(), header_value()), 0..20),
        start in 1_500_000_000u64..2_000_000_000,
    ) {
        let target = match &query {
            Some(q) => format!("https://user@1250000000.cos-control.ap-guangzhou.myqcloud.com{path}?{q}"),
            None => format!("https://1250000000.cos-control.ap-guangzhou.myqcloud.com{path}"),
        };
        let Ok(uri) = target.parse::<Uri>() else {
            // Not a URI `http` accepts: nothing to sign.
            return Ok(());
        };
        let mut map = HeaderMap::new();
        for (name, value) in &headers {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(value).unwrap(),
            );
        }
        let kt = KeyTime::new(start, start + 3600).unwrap();
        let (http_string, header_list, param_list) = reference(&method, &uri, &map);

        let canonical = CanonicalRequest::new(&method, &uri, &map, &HeaderPolicy::Default);
        prop_assert_eq!(
            String::from_utf8_lossy(canonical.http_string()),
            String::from_utf8_lossy(&http_string)
        );
        prop_assert_eq!(canonical.header_list(), header_list.as_str());
        prop_assert_eq!(canonical.param_list(), param_list.as_str());

        let secret = "reference-secret";
        let sign_key = hmac_hex(secret.as_bytes(), kt.to_string().as_bytes());
        let string_to_sign = format!("sha1\n{kt}\n{}\n", hex::encode(Sha1::digest(&http_string)));
        let signature = hmac_hex(sign_key.as_bytes(), string_to_sign.as_bytes());
        let expected = format!(
            "q-sign-algorithm=sha1&q-ak=AKIDreference&q-sign-time={kt}&q-key-time={kt}\
             &q-header-list={header_list}&q-url-param-list={param_list}&q-signature={signature}"
        );

        let signer = Signer::new(Credentials::new("AKIDreference", secret));
        let authorization = signer.authorization(&method, &uri, &map, kt).unwrap();
        prop_assert_eq!(authorization.to_string(), expected.clone());

        // In place, twice (the second time over a request that carries the first Authorization).
        let (mut parts, ()) = http::Request::builder()
            .method(method.clone())
            .uri(uri.clone())
            .body(())
            .unwrap()
            .into_parts();
        parts.headers = map.clone();
        for _ in 0..2 {
            signer.sign(&mut parts, kt).unwrap();
            prop_assert_eq!(parts.headers["authorization"].to_str().unwrap(), expected.as_str());
        }
        // A signer that derives its key every time agrees.
        let uncached = Signer::new(Credentials::new("AKIDreference", secret)).without_key_cache();
        prop_assert_eq!(
            uncached.authorization(&method, &uri, &map, kt).unwrap().to_string(),
            expected
        );
    }
}
