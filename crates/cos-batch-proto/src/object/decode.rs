//! The server side: a request head decoded into an object call.

use cos_batch_model::ErrorCode;
use http::{Method, Request, StatusCode};
use percent_encoding::percent_decode_str;

use super::address::{BucketName, target};
use super::list::ListObjectsInput;
use super::put::PutObjectInput;
use super::range::ByteRange;
use crate::CosError;
use crate::query::pairs;

/// One object API call.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObjectCall {
    /// `PUT /` of a bucket: create it.
    PutBucket,
    /// `HEAD /` of a bucket: does it exist (and may the caller use it).
    HeadBucket,
    /// `GET /` of a bucket: list its objects.
    ListObjects(ListObjectsInput),
    /// `PUT /{key}`: the body is the object.
    PutObject(PutObjectInput),
    /// `GET /{key}`, with the `Range` if it is one well-formed byte range.
    GetObject {
        /// The key.
        key: String,
        /// The range asked for.
        range: Option<ByteRange>,
    },
    /// `HEAD /{key}`.
    HeadObject {
        /// The key.
        key: String,
    },
    /// `DELETE /{key}`.
    DeleteObject {
        /// The key.
        key: String,
    },
}

impl ObjectCall {
    /// The API name (`PutObject`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::PutBucket => "PutBucket",
            Self::HeadBucket => "HeadBucket",
            Self::ListObjects(_) => "GetBucket",
            Self::PutObject(_) => "PutObject",
            Self::GetObject { .. } => "GetObject",
            Self::HeadObject { .. } => "HeadObject",
            Self::DeleteObject { .. } => "DeleteObject",
        }
    }
}

/// A decoded object request: the bucket and the call.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectRequest {
    /// The bucket.
    pub bucket: BucketName,
    /// The call.
    pub call: ObjectCall,
}

/// Sub-resources of the COS API that are not served here (`?acl`, `?tagging`, ...).
const SUBRESOURCES: &[&str] = &[
    "acl",
    "tagging",
    "uploads",
    "uploadId",
    "partNumber",
    "versioning",
    "versions",
    "cors",
    "lifecycle",
    "policy",
    "restore",
    "delete",
    "append",
    "select",
    "website",
    "logging",
    "inventory",
    "replication",
];

/// Decodes a request head as an object call: `Ok(None)` when it is a batch request (a
/// `{uin}.cos-control.{region}...` host, or `/` or `/jobs...` on a host that names no bucket).
/// The bucket comes from a `{bucket}.cos.{region}.myqcloud.com` host, else from the first path
/// segment (path style). Errors: `InvalidBucketName` (400) for a bucket that is not
/// `{name}-{appid}`, `InvalidURI` (400) for a key that is not UTF-8 once decoded,
/// `NotImplemented` (501) for a sub-resource (`?acl`, `?tagging`, `?uploads`, ...) or a copy,
/// `MethodNotAllowed` (405) for another method, and [`PutObjectInput::from_headers`]' and
/// [`ListObjectsInput::from_query`]'s errors. The body is not looked at.
pub fn decode_request<B>(request: &Request<B>) -> Result<Option<ObjectRequest>, CosError> {
    let host = request
        .headers()
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().host());
    let path = request.uri().path();
    let Some(target) = target(host.map(str::to_ascii_lowercase).as_deref(), path)
        .map(|t| (t.bucket.to_owned(), t.raw_key.to_owned()))
    else {
        return Ok(None);
    };
    let (bucket, raw_key) = target;
    let bucket = BucketName::parse(&bucket).map_err(|e| {
        CosError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::from("InvalidBucketName"),
            e.to_string(),
        )
    })?;
    let key = percent_decode_str(&raw_key)
        .decode_utf8()
        .map_err(|_| {
            CosError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::from("InvalidURI"),
                "The object key is not UTF-8 once decoded",
            )
        })?
        .into_owned();
    let query = request.uri().query();
    let sub = pairs(query)
        .filter_map(Result::ok)
        .find(|(k, _)| SUBRESOURCES.contains(&k.as_str()));
    if let Some((k, _)) = sub {
        return Err(not_implemented(&format!("The ?{k} sub-resource")));
    }
    let method = request.method();
    let call = match (key.is_empty(), method) {
        (true, &Method::PUT) => ObjectCall::PutBucket,
        (true, &Method::HEAD) => ObjectCall::HeadBucket,
        (true, &Method::GET) => ObjectCall::ListObjects(ListObjectsInput::from_query(query)?),
        (false, &Method::PUT) => {
            if request.headers().contains_key("x-cos-copy-source") {
                return Err(not_implemented("PUT Object - Copy"));
            }
            ObjectCall::PutObject(PutObjectInput::from_headers(key, request.headers())?)
        }
        (false, &Method::GET) => ObjectCall::GetObject {
            range: request
                .headers()
                .get(http::header::RANGE)
                .and_then(|v| v.to_str().ok())
                .and_then(ByteRange::parse),
            key,
        },
        (false, &Method::HEAD) => ObjectCall::HeadObject { key },
        (false, &Method::DELETE) => ObjectCall::DeleteObject { key },
        _ => {
            return Err(CosError::method_not_allowed(format!(
                "The specified method {method} is not allowed against this resource"
            )));
        }
    };
    Ok(Some(ObjectRequest { bucket, call }))
}

fn not_implemented(what: &str) -> CosError {
    CosError::new(
        StatusCode::NOT_IMPLEMENTED,
        ErrorCode::from("NotImplemented"),
        format!("{what} is not implemented by this service"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
    ) -> Result<Option<ObjectRequest>, CosError> {
        let mut b = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        decode_request(&b.body(()).unwrap())
    }

    #[test]
    fn calls_by_method_and_key() {
        let base = "http://127.0.0.1:1/b-1";
        let call = |m, path: &str| {
            decode(m, &format!("{base}{path}"), &[])
                .unwrap()
                .unwrap()
                .call
        };
        assert_eq!(call("PUT", ""), ObjectCall::PutBucket);
        assert_eq!(call("HEAD", "/"), ObjectCall::HeadBucket);
        assert_eq!(
            call("GET", "?prefix=a"),
            ObjectCall::ListObjects(ListObjectsInput {
                prefix: "a".into(),
                ..ListObjectsInput::default()
            })
        );
        assert_eq!(
            call("DELETE", "/a%20b/c"),
            ObjectCall::DeleteObject {
                key: "a b/c".into()
            }
        );
        assert_eq!(
            call("HEAD", "/k"),
            ObjectCall::HeadObject { key: "k".into() }
        );
        let got = decode("GET", &format!("{base}/k"), &[("range", "bytes=1-2")])
            .unwrap()
            .unwrap();
        assert_eq!(
            got.call,
            ObjectCall::GetObject {
                key: "k".into(),
                range: Some(ByteRange::FromTo(1, 2))
            }
        );
    }

    #[test]
    fn errors_have_their_codes() {
        let code = |m: &str, uri: &str, h: &[(&str, &str)]| {
            decode(m, uri, h).unwrap_err().code().as_str().to_owned()
        };
        assert_eq!(code("GET", "http://h/bucket/k", &[]), "InvalidBucketName");
        assert_eq!(code("GET", "http://h/b-1/%FF", &[]), "InvalidURI");
        assert_eq!(code("GET", "http://h/b-1/k?acl", &[]), "NotImplemented");
        assert_eq!(code("POST", "http://h/b-1/k", &[]), "MethodNotAllowed");
        assert_eq!(code("DELETE", "http://h/b-1", &[]), "MethodNotAllowed");
        assert_eq!(
            code("PUT", "http://h/b-1/k", &[("content-md5", "abc")]),
            "InvalidDigest"
        );
        assert_eq!(
            code("PUT", "http://h/b-1/k", &[("x-cos-storage-class", "GOLD")]),
            "InvalidArgument"
        );
        assert_eq!(
            code("PUT", "http://h/b-1/k", &[("x-cos-copy-source", "x")]),
            "NotImplemented"
        );
    }

    #[test]
    fn batch_requests_are_not_object_requests() {
        assert_eq!(decode("GET", "http://127.0.0.1:1/jobs", &[]).unwrap(), None);
        assert_eq!(
            decode(
                "GET",
                "/jobs/x",
                &[("host", "1.cos-control.ap-x.myqcloud.com")]
            )
            .unwrap(),
            None
        );
    }

    #[test]
    fn put_headers_are_read() {
        let got = decode(
            "PUT",
            "https://b-1.cos.ap-x.myqcloud.com/k",
            &[
                ("x-cos-meta-b", "2"),
                ("x-cos-meta-a", "1"),
                ("x-cos-tagging", "k%201=v&x=%26"),
                ("x-cos-storage-class", "standard_ia"),
                ("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
            ],
        )
        .unwrap()
        .unwrap();
        let ObjectCall::PutObject(put) = got.call else {
            panic!()
        };
        assert_eq!(
            put.user_metadata,
            [
                ("x-cos-meta-a".into(), "1".into()),
                ("x-cos-meta-b".into(), "2".into())
            ]
        );
        assert_eq!(
            put.tags,
            [("k 1".into(), "v".into()), ("x".into(), "&".into())]
        );
        assert_eq!(put.tagging_header().unwrap(), "k%201=v&x=%26");
        assert_eq!(put.storage_class.as_deref(), Some("STANDARD_IA"));
        assert!(put.content_md5.is_some());
    }
}
