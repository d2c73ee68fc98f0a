//! Fuzz checks for `cos-sign`.

use std::time::{Duration, UNIX_EPOCH};

use cos_sign::{Authorization, Credentials, HeaderPolicy, KeyTime, SecretKey, Signer, Verifier};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};

/// The `cos-sign` fuzz targets.
pub const TARGETS: &[crate::Target] = &[
    ("sign_parse_authorization", parse_authorization),
    ("sign_verify", verify),
];

/// Parses arbitrary text as an `Authorization` header and as a presigned query; whatever
/// parses must print and parse back to itself.
pub fn parse_authorization(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(auth) = Authorization::parse(&text) {
        let again = Authorization::parse(&auth.to_string());
        assert_eq!(again.as_ref(), Ok(&auth), "header form is not stable");
        let from_query = Authorization::from_query(&auth.to_query());
        assert_eq!(from_query, Ok(Some(auth)), "query form is not stable");
    }
    if let Ok(Some(auth)) = Authorization::from_query(&text) {
        let again = Authorization::from_query(&auth.to_query());
        assert_eq!(again, Ok(Some(auth)), "query form is not stable");
    }
}

/// Splits fuzz bytes into a request: `method \n target \n (name: value \n)*`.
fn request(data: &[u8]) -> Option<(Method, Uri, HeaderMap)> {
    let mut lines = data.split(|&b| b == b'\n');
    let method = Method::from_bytes(lines.next()?).ok()?;
    let uri = Uri::try_from(lines.next()?).ok()?;
    let mut headers = HeaderMap::new();
    for line in lines {
        let colon = line.iter().position(|&b| b == b':')?;
        let (name, value) = line.split_at(colon);
        let name = HeaderName::from_bytes(name).ok()?;
        let value = HeaderValue::from_bytes(value.get(1..)?).ok()?;
        headers.append(name, value);
    }
    Some((method, uri, headers))
}

/// Verifies an arbitrary request (which must not panic), then signs it and verifies again,
/// which must succeed: any request `http` can represent can be signed and verified.
pub fn verify(data: &[u8]) {
    let Some((method, uri, headers)) = request(data) else {
        return;
    };
    let verifier = Verifier::new(|id: &str| (id == "AKIDfuzz").then(|| SecretKey::new("fuzz")));
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_100);
    let _ = verifier.verify(&method, &uri, &headers, now);

    let key_time = KeyTime::new(1_700_000_000, 1_700_000_600).unwrap_or_else(|e| panic!("{e}"));
    for policy in [HeaderPolicy::Default, HeaderPolicy::All] {
        let signer = Signer::new(Credentials::new("AKIDfuzz", "fuzz")).with_header_policy(policy);
        let mut signed = headers.clone();
        signed.remove(http::header::AUTHORIZATION);
        // The http crate folds repeated headers of one name; the signer signs each value.
        let auth = match signer.authorization(&method, &uri, &signed, key_time) {
            Ok(auth) => auth,
            Err(_) => return,
        };
        let Ok(value) = HeaderValue::from_str(&auth.to_string()) else {
            return;
        };
        signed.insert(http::header::AUTHORIZATION, value);
        if let Err(e) = verifier.verify(&method, &uri, &signed, now) {
            panic!("a freshly signed request does not verify: {e}");
        }
    }
}
