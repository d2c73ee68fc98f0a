//! The server side: responses of the object calls.

use bytes::Bytes;
use http::HeaderMap;
use http::header::{
    ACCEPT_RANGES, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, HeaderName, HeaderValue,
    LAST_MODIFIED,
};
use http::{Response, StatusCode};

use crate::REQUEST_ID;

/// What GET and HEAD Object say about an object in their headers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectHead {
    /// The size in bytes.
    pub size: u64,
    /// The quoted ETag.
    pub etag: String,
    /// `Last-Modified`, an HTTP date.
    pub last_modified: String,
    /// `Content-Type` (`application/octet-stream` when unset).
    pub content_type: Option<String>,
    /// `Cache-Control`, `Content-Disposition`, `Content-Encoding`, `Expires`, as set.
    pub standard_headers: Vec<(HeaderName, String)>,
    /// `x-cos-meta-*`: (full header name, value).
    pub user_metadata: Vec<(String, String)>,
    /// `x-cos-storage-class`, sent when not `STANDARD`.
    pub storage_class: Option<String>,
    /// `x-cos-tagging-count`, sent when not zero.
    pub tag_count: usize,
}

impl ObjectHead {
    /// The head of an object of `size` bytes.
    pub fn new(size: u64, etag: impl Into<String>, last_modified: impl Into<String>) -> Self {
        Self {
            size,
            etag: etag.into(),
            last_modified: last_modified.into(),
            ..Self::default()
        }
    }
}

impl ObjectHead {
    /// The client side: reads the head of a HEAD or GET Object response. The size is the
    /// total of a `Content-Range` (a ranged GET), else `Content-Length`; a header that is
    /// missing or unreadable leaves its field at its default.
    ///
    /// ```
    /// use cos_batch_proto::object::{ObjectHead, encode_get_object};
    /// let mut head = ObjectHead::new(10, "\"e\"", "Tue, 01 Dec 2026 00:00:00 GMT");
    /// head.user_metadata.push(("x-cos-meta-a".into(), "1".into()));
    /// let r = encode_get_object(&head, Some((2, 4)), "cde".into(), "req-1");
    /// let read = ObjectHead::from_headers(r.headers());
    /// assert_eq!((read.size, read.etag.as_str()), (10, "\"e\""));
    /// assert_eq!(read.user_metadata, head.user_metadata);
    /// ```
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name: &HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let total = text(&CONTENT_RANGE)
            .and_then(|r| r.rsplit_once('/').and_then(|(_, t)| t.trim().parse().ok()));
        let length = text(&CONTENT_LENGTH).and_then(|l| l.trim().parse().ok());
        let standard_headers = [
            http::header::CACHE_CONTROL,
            http::header::CONTENT_DISPOSITION,
            http::header::CONTENT_ENCODING,
            http::header::EXPIRES,
        ]
        .into_iter()
        .filter_map(|name| text(&name).map(|v| (name, v)))
        .collect();
        let user_metadata = headers
            .iter()
            .filter(|(name, _)| name.as_str().starts_with("x-cos-meta-"))
            .filter_map(|(name, v)| Some((name.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        Self {
            size: total.or(length).unwrap_or(0),
            etag: text(&ETAG).unwrap_or_default(),
            last_modified: text(&LAST_MODIFIED).unwrap_or_default(),
            content_type: text(&CONTENT_TYPE),
            standard_headers,
            user_metadata,
            storage_class: text(&HeaderName::from_static("x-cos-storage-class")),
            tag_count: text(&HeaderName::from_static("x-cos-tagging-count"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
        }
    }
}

/// An empty response with `status` and `x-cos-request-id` (PUT Bucket, HEAD Bucket, PUT
/// Object with an `ETag` added, DELETE Object).
pub fn encode_empty(status: StatusCode, request_id: &str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = status;
    if let Ok(id) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert(REQUEST_ID, id);
    }
    response
        .headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
    response
}

fn put_head(response: &mut Response<Bytes>, head: &ObjectHead) {
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(ETAG, &head.etag);
    set(LAST_MODIFIED, &head.last_modified);
    set(ACCEPT_RANGES, "bytes");
    set(
        CONTENT_TYPE,
        head.content_type
            .as_deref()
            .unwrap_or("application/octet-stream"),
    );
    for (name, value) in &head.standard_headers {
        set(name.clone(), value);
    }
    for (name, value) in &head.user_metadata {
        if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
            set(name, value);
        }
    }
    if let Some(class) = head.storage_class.as_deref().filter(|c| *c != "STANDARD") {
        set(HeaderName::from_static("x-cos-storage-class"), class);
    }
    if head.tag_count > 0 {
        set(
            HeaderName::from_static("x-cos-tagging-count"),
            &head.tag_count.to_string(),
        );
    }
}

/// HEAD Object: the object's headers, `Content-Length` its size, no body.
pub fn encode_head_object(head: &ObjectHead, request_id: &str) -> Response<Bytes> {
    let mut response = encode_empty(StatusCode::OK, request_id);
    put_head(&mut response, head);
    response
        .headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(head.size));
    response
}

/// GET Object: `body` is the whole object (200), or the bytes `first..=last` of `range` (206
/// with `Content-Range`).
///
/// ```
/// use cos_batch_proto::object::{ObjectHead, encode_get_object};
/// let head = ObjectHead::new(10, "\"e\"", "Tue, 01 Dec 2026 00:00:00 GMT");
/// let r = encode_get_object(&head, Some((2, 4)), "cde".into(), "req-1");
/// assert_eq!(r.status(), 206);
/// assert_eq!(r.headers()["content-range"], "bytes 2-4/10");
/// ```
pub fn encode_get_object(
    head: &ObjectHead,
    range: Option<(u64, u64)>,
    body: Bytes,
    request_id: &str,
) -> Response<Bytes> {
    let status = if range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut response = encode_empty(status, request_id);
    put_head(&mut response, head);
    if let Some((first, last)) = range
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {first}-{last}/{}", head.size))
    {
        response.headers_mut().insert(CONTENT_RANGE, v);
    }
    response
        .headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    *response.body_mut() = body;
    response
}
