//! The vendor's two worked examples (`tests/data/signature-vectors.json`, copied from the
//! vendor's "Request Signature" page): every intermediate value is asserted, through the public
//! API, so a failing step points at itself.

use std::time::{Duration, UNIX_EPOCH};

use cos_sign::{
    Authorization, CanonicalRequest, Credentials, HeaderPolicy, KeyTime, SecretKey, Signer,
    SigningKey, Verifier,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};
use serde_json::Value;

struct Vector {
    name: String,
    secret_id: String,
    secret_key: String,
    key_time: KeyTime,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    field: Value,
}

impl Vector {
    fn text(&self, key: &str) -> &str {
        self.field[key]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no {key}", self.name))
    }
}

fn vectors() -> Vec<Vector> {
    let data: Value =
        serde_json::from_str(include_str!("data/signature-vectors.json")).expect("valid JSON");
    let list = data["vectors"].as_array().expect("a vectors array");
    assert_eq!(list.len(), 2, "the vendor page has two worked examples");
    list.iter()
        .map(|v| {
            let s = |k: &str| v[k].as_str().expect(k).to_owned();
            let mut headers = HeaderMap::new();
            for pair in v["headers"].as_array().expect("headers") {
                let name = pair[0].as_str().expect("header name");
                let value = pair[1].as_str().expect("header value");
                headers.append(
                    HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                    HeaderValue::from_str(value).expect("header value"),
                );
            }
            assert_eq!(s("signed_headers"), "all listed");
            Vector {
                name: s("name"),
                secret_id: s("secret_id"),
                secret_key: s("secret_key"),
                key_time: s("key_time").parse().expect("key time"),
                method: s("method").parse().expect("method"),
                uri: s("request_target").parse().expect("request target"),
                headers,
                field: v.clone(),
            }
        })
        .collect()
}

fn signer(v: &Vector) -> Signer {
    Signer::new(Credentials::new(&v.secret_id, &v.secret_key)).with_header_policy(HeaderPolicy::All)
}

#[test]
fn sign_key() {
    for v in vectors() {
        let key = SigningKey::derive(&SecretKey::new(&v.secret_key), v.key_time);
        assert_eq!(key.expose_hex(), v.text("sign_key"), "{}", v.name);
    }
}

#[test]
fn http_string_its_sha1_and_string_to_sign() {
    for v in vectors() {
        let c = CanonicalRequest::new(&v.method, &v.uri, &v.headers, &HeaderPolicy::All);
        assert_eq!(c.http_string_lossy(), v.text("http_string"), "{}", v.name);
        assert_eq!(
            c.http_string(),
            v.text("http_string").as_bytes(),
            "{}",
            v.name
        );
        assert_eq!(
            c.http_string_sha1(),
            v.text("sha1_of_http_string"),
            "{}",
            v.name
        );
        assert_eq!(
            c.string_to_sign(v.key_time),
            v.text("string_to_sign"),
            "{}",
            v.name
        );
    }
}

#[test]
fn path_enters_the_http_string_decoded() {
    for v in vectors() {
        let c = CanonicalRequest::new(&v.method, &v.uri, &v.headers, &HeaderPolicy::All);
        let second_line = c.http_string_lossy().split('\n').nth(1).map(str::to_owned);
        assert_eq!(
            second_line.as_deref(),
            Some(v.text("uri_pathname")),
            "{}",
            v.name
        );
    }
}

#[test]
fn signature_and_authorization() {
    for v in vectors() {
        let auth = signer(&v)
            .authorization(&v.method, &v.uri, &v.headers, v.key_time)
            .expect("signs");
        assert_eq!(auth.signature(), v.text("signature"), "{}", v.name);
        assert_eq!(auth.to_string(), v.text("authorization"), "{}", v.name);
        assert_eq!(
            Authorization::parse(v.text("authorization")),
            Ok(auth),
            "{}",
            v.name
        );
    }
}

#[test]
fn in_place_signing_matches_and_the_uncached_path_agrees() {
    for v in vectors() {
        for s in [signer(&v), signer(&v).without_key_cache()] {
            let mut builder = Request::builder()
                .method(v.method.clone())
                .uri(v.uri.clone());
            for (name, value) in &v.headers {
                builder = builder.header(name, value);
            }
            let (mut parts, ()) = builder.body(()).expect("request").into_parts();
            s.sign(&mut parts, v.key_time).expect("signs");
            assert_eq!(
                parts.headers["authorization"],
                v.text("authorization"),
                "{}",
                v.name
            );
        }
    }
}

#[test]
fn the_vectors_verify_and_fail_once_expired() {
    for v in vectors() {
        let mut headers = v.headers.clone();
        headers.insert(
            "authorization",
            HeaderValue::from_str(v.text("authorization")).expect("ascii"),
        );
        let (id, key) = (v.secret_id.clone(), v.secret_key.clone());
        let verifier = Verifier::new(move |q: &str| (q == id).then(|| SecretKey::new(&key)))
            .with_clock_skew(Duration::ZERO);
        let inside = UNIX_EPOCH + Duration::from_secs(v.key_time.start() + 60);
        let verified = verifier
            .verify(&v.method, &v.uri, &headers, inside)
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert!(!verified.presigned);
        let after = UNIX_EPOCH + Duration::from_secs(v.key_time.end() + 1);
        let err = verifier
            .verify(&v.method, &v.uri, &headers, after)
            .unwrap_err();
        assert_eq!(err.code(), "AccessDenied", "{}", v.name);
    }
}
