//! Properties of sign, presign and verify over generated requests.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cos_sign::{
    Authorization, Credentials, HeaderPolicy, KeyTime, SecretKey, Signer, Verifier, VerifyError,
};
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;

const ID: &str = "AKIDpropertytest";
const KEY: &str = "property-secret-key";

fn verifier() -> Verifier<impl Fn(&str) -> Option<SecretKey>> {
    Verifier::new(|id: &str| (id == ID).then(|| SecretKey::new(KEY)))
        .with_clock_skew(Duration::ZERO)
}

/// A generated request: method, path segments, query pairs, headers.
#[derive(Clone, Debug)]
struct Req {
    method: Method,
    segments: Vec<String>,
    params: Vec<(String, String)>,
    headers: Vec<(String, Vec<u8>)>,
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

impl Req {
    fn uri(&self) -> Uri {
        let mut s = String::from("http://100000000001.cos-control.ap-guangzhou.myqcloud.com");
        for seg in &self.segments {
            s.push('/');
            s.push_str(&enc(seg));
        }
        if self.segments.is_empty() {
            s.push('/');
        }
        for (i, (k, v)) in self.params.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(&enc(k));
            if !v.is_empty() {
                s.push('=');
                s.push_str(&enc(v));
            }
        }
        s.parse().expect("generated URI parses")
    }

    fn parts(&self) -> Parts {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(self.uri());
        for (name, value) in &self.headers {
            builder = builder.header(
                HeaderName::from_bytes(name.as_bytes()).expect("name"),
                HeaderValue::from_bytes(value).expect("value"),
            );
        }
        builder.body(()).expect("request").into_parts().0
    }
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::PUT),
        Just(Method::POST),
        Just(Method::DELETE),
        Just(Method::HEAD),
        "[A-Z]{3,8}".prop_map(|m| Method::from_bytes(m.as_bytes()).expect("token")),
    ]
}

fn text() -> impl Strategy<Value = String> {
    // Unicode, reserved characters, spaces and the characters the encoding must escape.
    "[a-zA-Z0-9 ~._/&=+%;:?#@!*'()腾讯云é\u{1F600}-]{0,12}"
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("content-type".to_owned()),
        Just("content-md5".to_owned()),
        Just("content-length".to_owned()),
        Just("date".to_owned()),
        Just("X-Cos-Acl".to_owned()),
        "x-cos-meta-[a-z]{1,6}",
        "X-COS-[A-Z]{1,6}",
        "[a-z][a-z0-9-]{0,10}",
    ]
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    // Visible ASCII, spaces, tabs and obs-text bytes; no control bytes (not valid in a header).
    proptest::collection::vec(prop_oneof![0x20u8..0x7f, Just(b'\t'), 0x80u8..=0xff], 0..24)
}

fn request() -> impl Strategy<Value = Req> {
    (
        method(),
        proptest::collection::vec(text(), 0..4),
        proptest::collection::vec((text(), text()), 0..5),
        proptest::collection::vec((header_name(), header_value()), 0..8),
    )
        .prop_map(|(method, segments, params, headers)| Req {
            method,
            segments,
            params,
            headers,
        })
}

fn policy() -> impl Strategy<Value = HeaderPolicy> {
    prop_oneof![Just(HeaderPolicy::Default), Just(HeaderPolicy::All)]
}

fn key_time() -> impl Strategy<Value = KeyTime> {
    (1_500_000_000u64..2_000_000_000, 1u64..86_400)
        .prop_map(|(start, len)| KeyTime::new(start, start + len).expect("ordered"))
}

fn inside(kt: KeyTime) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(kt.start() + (kt.end() - kt.start()) / 2)
}

fn signer(policy: HeaderPolicy) -> Signer {
    Signer::new(Credentials::new(ID, KEY)).with_header_policy(policy)
}

fn signed(req: &Req, policy: HeaderPolicy, kt: KeyTime) -> Parts {
    let mut parts = req.parts();
    signer(policy).sign(&mut parts, kt).expect("signs");
    parts
}

fn is_mismatch(r: Result<cos_sign::Verified, VerifyError>) -> bool {
    matches!(r, Err(VerifyError::SignatureMismatch { .. }))
}

/// The non-empty, trimmed, distinct-from-others value a tampered header gets.
fn tampered(value: &[u8]) -> HeaderValue {
    let mut v = value.to_vec();
    v.extend_from_slice(b"Z");
    HeaderValue::from_bytes(&v).expect("value")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sign_then_verify(req in request(), policy in policy(), kt in key_time()) {
        let parts = signed(&req, policy, kt);
        let verified = verifier().verify_parts(&parts, inside(kt));
        prop_assert!(verified.is_ok(), "{:?}", verified);
    }

    #[test]
    fn header_order_name_case_and_query_order_do_not_matter(
        req in request(), policy in policy(), kt in key_time(), seed in any::<u64>()
    ) {
        let signer = signer(policy);
        let base = req.parts();
        let reference = signer.authorization(&base.method, &base.uri, &base.headers, kt).unwrap();

        let mut shuffled = req.clone();
        // A deterministic shuffle from the seed (keeps the generated order otherwise).
        let n = shuffled.headers.len();
        for i in (1..n).rev() {
            let j = (seed.rotate_left(i as u32) % (i as u64 + 1)) as usize;
            shuffled.headers.swap(i, j);
        }
        shuffled.params.reverse();
        for (name, _) in &mut shuffled.headers {
            *name = name.to_ascii_uppercase();
        }
        let other = shuffled.parts();
        let again = signer.authorization(&other.method, &other.uri, &other.headers, kt).unwrap();
        prop_assert_eq!(reference, again);
    }

    #[test]
    fn tampering_with_a_signed_header_fails(req in request(), kt in key_time(), pick in any::<prop::sample::Index>()) {
        let mut parts = signed(&req, HeaderPolicy::All, kt);
        let names: Vec<HeaderName> = parts.headers.keys()
            .filter(|n| *n != http::header::AUTHORIZATION)
            .cloned()
            .collect();
        let name = pick.get(&names).clone();
        let value = parts.headers[&name].as_bytes().to_vec();
        parts.headers.insert(name, tampered(&value));
        prop_assert!(is_mismatch(verifier().verify_parts(&parts, inside(kt))));
    }

    #[test]
    fn dropping_a_signed_header_fails(req in request(), kt in key_time(), pick in any::<prop::sample::Index>()) {
        let mut parts = signed(&req, HeaderPolicy::Default, kt);
        let names: Vec<HeaderName> = parts.headers.keys()
            .filter(|n| *n != http::header::AUTHORIZATION && HeaderPolicy::Default.signs(n) && *n != http::header::HOST)
            .cloned()
            .collect();
        prop_assume!(!names.is_empty());
        parts.headers.remove(pick.get(&names));
        prop_assert!(is_mismatch(verifier().verify_parts(&parts, inside(kt))));
    }

    #[test]
    fn tampering_with_a_parameter_fails(mut req in request(), kt in key_time(), pick in any::<prop::sample::Index>()) {
        // Only named parameters can be listed in q-url-param-list, and so signed.
        let named: Vec<usize> = (0..req.params.len()).filter(|&i| !req.params[i].0.is_empty()).collect();
        prop_assume!(!named.is_empty());
        let parts = signed(&req, HeaderPolicy::Default, kt);
        let i = *pick.get(&named);
        req.params[i].1.push('Z');
        let mut tampered = req.parts();
        tampered.headers = parts.headers.clone();
        prop_assert!(is_mismatch(verifier().verify_parts(&tampered, inside(kt))));
    }

    #[test]
    fn tampering_with_method_or_path_fails(req in request(), kt in key_time(), other in method()) {
        let parts = signed(&req, HeaderPolicy::Default, kt);

        let mut moved = req.clone();
        moved.segments.push("x".into());
        let mut by_path = moved.parts();
        by_path.headers = parts.headers.clone();
        prop_assert!(is_mismatch(verifier().verify_parts(&by_path, inside(kt))));

        prop_assume!(!other.as_str().eq_ignore_ascii_case(req.method.as_str()));
        let mut by_method = parts.clone();
        by_method.method = other;
        prop_assert!(is_mismatch(verifier().verify_parts(&by_method, inside(kt))));
    }

    #[test]
    fn presign_then_verify_with_a_session_token(req in request(), kt in key_time(), token in "[ -~]{1,40}") {
        let signer = Signer::new(Credentials::new(ID, KEY).with_session_token(token.clone()));
        let base = req.parts();
        let mut headers = HeaderMap::new();
        if let Some(ct) = base.headers.get("content-type") {
            headers.insert("content-type", ct.clone());
        }
        let url = signer.presign(&req.method, &base.uri, &headers, kt).unwrap();
        let verified = verifier().verify(&req.method, &url, &headers, inside(kt));
        let verified = verified.unwrap();
        prop_assert!(verified.presigned);
        prop_assert_eq!(verified.session_token, Some(token));

        // Expired and not-yet-valid windows are refused with their own codes.
        let late = UNIX_EPOCH + Duration::from_secs(kt.end() + 1);
        prop_assert_eq!(verifier().verify(&req.method, &url, &headers, late).unwrap_err().code(), "AccessDenied");
        let early = UNIX_EPOCH + Duration::from_secs(kt.start() - 1);
        prop_assert_eq!(verifier().verify(&req.method, &url, &headers, early).unwrap_err().code(), "RequestTimeTooSkewed");
    }

    #[test]
    fn arbitrary_authorizations_never_panic(
        header in proptest::collection::vec(any::<u8>(), 0..300),
        query in "\\PC{0,200}",
        structured in "(q-[a-z-]{1,16}=[ -~]{0,40}&){0,9}",
    ) {
        let _ = Authorization::parse(&String::from_utf8_lossy(&header));
        let _ = Authorization::parse(&structured);
        let _ = Authorization::from_query(&query);
        let _ = Authorization::from_query(&structured);
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_bytes(&header) {
            headers.insert("authorization", v);
        }
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let _ = verifier().verify(&Method::GET, &"/".parse().unwrap(), &headers, now);
        if let Ok(uri) = format!("/p?{structured}").parse::<Uri>() {
            let _ = verifier().verify(&Method::GET, &uri, &HeaderMap::new(), now);
        }
    }
}

/// A bare GET of `segments`, for the example-based tests below.
fn get(segments: &[&str]) -> Req {
    Req {
        method: Method::GET,
        segments: segments.iter().map(|s| s.to_string()).collect(),
        params: vec![],
        headers: vec![],
    }
}

/// The ten-minute window the example-based tests sign for.
fn ten_minutes() -> KeyTime {
    KeyTime::new(1_700_000_000, 1_700_000_600).unwrap()
}

#[test]
fn unknown_key_and_missing_signature_are_typed() {
    let req = get(&["jobs"]);
    let kt = ten_minutes();
    let parts = signed(&req, HeaderPolicy::Default, kt);
    let nobody = Verifier::new(|_: &str| None);
    let err = nobody.verify_parts(&parts, inside(kt)).unwrap_err();
    assert_eq!(err.code(), "InvalidAccessKeyId");
    let err = verifier()
        .verify_parts(&req.parts(), inside(kt))
        .unwrap_err();
    assert_eq!(err, VerifyError::Missing);
    assert_eq!(err.status(), 403);
}

#[test]
fn mismatch_reports_the_server_string_to_sign_and_no_secret() {
    let req = get(&["jobs"]);
    let kt = ten_minutes();
    let mut parts = signed(&req, HeaderPolicy::Default, kt);
    parts.method = Method::DELETE;
    let err = verifier().verify_parts(&parts, inside(kt)).unwrap_err();
    let VerifyError::SignatureMismatch {
        string_to_sign,
        http_string,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(string_to_sign.starts_with("sha1\n1700000000;1700000600\n"));
    assert!(http_string.starts_with("delete\n/jobs\n\nhost="));
    assert!(!format!("{err} {err:?}").contains(KEY));
}

#[test]
fn clock_skew_widens_the_window() {
    let req = get(&[]);
    let kt = ten_minutes();
    let parts = signed(&req, HeaderPolicy::Default, kt);
    let early = UNIX_EPOCH + Duration::from_secs(1_700_000_000 - 300);
    assert!(verifier().verify_parts(&parts, early).is_err());
    let lenient = Verifier::new(|id: &str| (id == ID).then(|| SecretKey::new(KEY)));
    assert!(lenient.verify_parts(&parts, early).is_ok());
}

#[test]
fn a_failed_sign_leaves_the_request_untouched() {
    let req = get(&[]);
    let kt = ten_minutes();
    for bad in [
        Signer::new(Credentials::new("", KEY)),
        Signer::new(Credentials::new("AKID&x", KEY)),
        Signer::new(Credentials::new(ID, KEY).with_session_token("line\nbreak")),
    ] {
        let mut parts = req.parts();
        let before = format!("{parts:?}");
        assert!(bad.sign(&mut parts, kt).is_err());
        assert_eq!(format!("{parts:?}"), before);
    }
}

#[test]
fn sign_time_may_differ_from_key_time() {
    let req = get(&[]);
    let key_time = KeyTime::new(1_700_000_000, 1_700_003_600).unwrap();
    let sign_time = KeyTime::new(1_700_001_000, 1_700_001_600).unwrap();
    let mut parts = req.parts();
    signer(HeaderPolicy::Default)
        .sign_at(&mut parts, sign_time, key_time)
        .unwrap();
    let auth = Authorization::parse(parts.headers["authorization"].to_str().unwrap()).unwrap();
    assert_eq!((auth.sign_time(), auth.key_time()), (sign_time, key_time));
    assert!(verifier().verify_parts(&parts, inside(sign_time)).is_ok());
    // Inside the key time but outside the sign time: expired.
    let late = UNIX_EPOCH + Duration::from_secs(1_700_002_000);
    assert!(matches!(
        verifier().verify_parts(&parts, late),
        Err(VerifyError::Expired { .. })
    ));
}

#[test]
fn session_token_is_set_signed_and_replaces_a_stale_one() {
    let req = Req {
        method: Method::GET,
        segments: vec![],
        params: vec![],
        headers: vec![("x-cos-security-token".into(), b"stale".to_vec())],
    };
    let kt = KeyTime::new(1_700_000_000, 1_700_003_600).unwrap();
    let mut parts = req.parts();
    Signer::new(Credentials::new(ID, KEY).with_session_token("fresh"))
        .sign(&mut parts, kt)
        .unwrap();
    assert_eq!(
        parts.headers.get_all("x-cos-security-token").iter().count(),
        1
    );
    assert_eq!(parts.headers["x-cos-security-token"], "fresh");
    let auth = Authorization::parse(parts.headers["authorization"].to_str().unwrap()).unwrap();
    assert!(auth.header_list().any(|h| h == "x-cos-security-token"));
    let verified = verifier().verify_parts(&parts, inside(kt)).unwrap();
    assert_eq!(verified.session_token.as_deref(), Some("fresh"));
}
