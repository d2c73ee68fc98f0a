//! The object API of one bucket: [`Client::bucket`] gives a [`Bucket`], whose calls (PUT,
//! HEAD and GET Bucket, PUT, GET, HEAD and DELETE Object) are signed, retried and timed out
//! like the batch operations, with the same [`Error`].

use std::path::Path;

use bytes::Bytes;
use cos_batch_model::ErrorCode;
use cos_batch_proto::object::{
    BucketEndpoint, ByteRange, ListObjectsInput, ListObjectsOutput, ListedObject, ObjectHead,
    PutObjectInput,
};
use cos_batch_proto::{CosError, EndpointError, ResponseError};
use futures_core::Stream;
use http::{HeaderMap, StatusCode};

use crate::client::Client;
use crate::error::Error;
use crate::upload::{UploadBody, digest_file};

/// The size of each ranged GET of [`Bucket::get_object_chunks`] by default: 1 MiB.
pub const DEFAULT_CHUNK_SIZE: u64 = 1024 * 1024;

/// One bucket of the client's account, for the object calls. Made by [`Client::bucket`];
/// cheap to clone.
///
/// For an endpoint `https://{uin}.cos-control.{region}.myqcloud.com` (the real service), the
/// bucket is addressed virtual-hosted, `https://{bucket}.cos.{region}.myqcloud.com`; for any
/// other base URL (the emulator, a proxy), path style: `{base}/{bucket}/{key}`.
///
/// ```no_run
/// # async fn f(client: cos_batch_hyper::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use cos_batch_hyper::object::{ListObjectsInput, PutObjectInput};
/// use futures_util::TryStreamExt;
///
/// let bucket = client.bucket("photos-1250000000")?;
/// let etag = bucket.put_object(&PutObjectInput::new("a/b.txt"), "hello".into()).await?;
/// let object = bucket.get_object("a/b.txt").await?;
/// assert_eq!(object.head.etag, etag);
/// let mut input = ListObjectsInput::default();
/// input.prefix = "a/".into();
/// let mut objects = std::pin::pin!(bucket.list_objects_stream(input));
/// while let Some(object) = objects.try_next().await? {
///     println!("{} {}", object.key, object.size);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Bucket {
    client: Client,
    endpoint: BucketEndpoint,
    region: Option<String>,
}

/// What GET Object gives: the object's head and its bytes.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct GetObjectOutput {
    /// Its headers.
    pub head: ObjectHead,
    /// Its bytes (or those of the range asked for).
    pub body: Bytes,
}

/// The region of a `{uin}.cos-control.{region}.myqcloud.com` endpoint.
fn control_region(base_url: &str) -> Option<&str> {
    let host = base_url.strip_prefix("https://")?;
    let (_, rest) = host.split_once(".cos-control.")?;
    let region = rest.strip_suffix(".myqcloud.com")?;
    (!region.is_empty() && !region.contains(['.', '/', ':'])).then_some(region)
}

impl Client {
    /// The bucket `name` (`{name}-{appid}`) of this client's account, for the object calls.
    /// Fails when the name is not `{name}-{appid}`.
    pub fn bucket(&self, name: &str) -> Result<Bucket, EndpointError> {
        let base = self.endpoint().base_url();
        let (endpoint, region) = match control_region(&base) {
            Some(region) => (BucketEndpoint::new(name, region)?, Some(region.to_owned())),
            None => (BucketEndpoint::with_base_url(&base, name)?, None),
        };
        Ok(Bucket {
            client: self.clone(),
            endpoint,
            region,
        })
    }
}

/// The service error of a non-2xx answer; an answer without a document (HEAD has no body)
/// gets the code COS means by its status for this kind of call (`missing` for a 404).
fn refusal(status: StatusCode, headers: &HeaderMap, body: &[u8], missing: &str) -> ResponseError {
    let error = CosError::from_response(status, headers, body);
    let implied = match status.as_u16() {
        404 => Some(missing),
        403 => Some("AccessDenied"),
        _ => None,
    };
    match implied {
        Some(code) if error.code().as_str().starts_with("HTTP") => {
            let mut named = CosError::new(status, ErrorCode::from(code), error.message());
            if let Some(id) = error.request_id() {
                named = named.with_request_id(id);
            }
            ResponseError::Service(named)
        }
        _ => ResponseError::Service(error),
    }
}

/// Reads an answer: `ok` for a 2xx, the service error otherwise.
fn answer<T>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &Bytes,
    missing: &str,
    ok: impl FnOnce() -> T,
) -> Result<T, ResponseError> {
    if status.is_success() {
        Ok(ok())
    } else {
        Err(refusal(status, headers, body, missing))
    }
}

/// Reads a PUT Object answer: the ETag.
fn put_answer(
    status: StatusCode,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<String, ResponseError> {
    answer(status, headers, body, "NoSuchBucket", || {
        headers
            .get(http::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    })
}

/// Where the page after `page` starts: its `NextMarker`, or the last key (or common prefix)
/// of a truncated page without one; `None` after the last page.
fn next_marker(page: &ListObjectsOutput) -> Option<String> {
    if !page.is_truncated {
        return None;
    }
    page.next_marker
        .clone()
        .filter(|m| !m.is_empty())
        .or_else(|| {
            let key = page.contents.last().map(|o| o.key.clone());
            let prefix = page.common_prefixes.last().cloned();
            key.max(prefix)
        })
}

impl Bucket {
    /// The bucket's full name, `{name}-{appid}`.
    pub fn name(&self) -> &str {
        self.endpoint.bucket().as_str()
    }

    /// Its address.
    pub fn endpoint(&self) -> &BucketEndpoint {
        &self.endpoint
    }

    /// The region, when the client's endpoint names one (the real service's).
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// PUT Bucket: creates the bucket. `BucketAlreadyExists` (409) when it exists.
    pub async fn put_bucket(&self) -> Result<(), Error> {
        let request = self.endpoint.put_bucket()?;
        self.client
            .send_object("PutBucket", request, true, &|s, h, b| {
                answer(s, h, b, "NoSuchBucket", || ())
            })
            .await
    }

    /// HEAD Bucket: `Ok` when the bucket exists and the caller may use it; `NoSuchBucket`
    /// (404) or `AccessDenied` (403) otherwise.
    pub async fn head_bucket(&self) -> Result<(), Error> {
        let request = self.endpoint.head_bucket()?;
        self.client
            .send_object("HeadBucket", request, true, &|s, h, b| {
                answer(s, h, b, "NoSuchBucket", || ())
            })
            .await
    }

    /// GET Bucket: one page of the listing.
    pub async fn list_objects(&self, input: &ListObjectsInput) -> Result<ListObjectsOutput, Error> {
        let request = self.endpoint.list_objects(input)?;
        self.client
            .send_object("GetBucket", request, true, &|status, headers, body| {
                if !status.is_success() {
                    return Err(refusal(status, headers, body, "NoSuchBucket"));
                }
                let mut response = http::Response::new(body.clone());
                *response.status_mut() = status;
                *response.headers_mut() = headers.clone();
                ListObjectsOutput::decode_response(&response)
            })
            .await
    }

    /// Every page of the listing from `input` on (its `marker`, `prefix`, `delimiter` and
    /// `max_keys`), one page held at a time. The walk follows `NextMarker` (or the last key of
    /// a truncated page that has none); a marker that does not move on ends it with
    /// [`Error::RepeatedPageToken`]. An error ends the stream after it is yielded.
    pub fn list_objects_pages(
        &self,
        input: ListObjectsInput,
    ) -> impl Stream<Item = Result<ListObjectsOutput, Error>> + Send + 'static {
        enum Walk {
            Fetch(ListObjectsInput),
            Fail(Error),
            Done,
        }
        futures_util::stream::unfold(
            (self.clone(), Walk::Fetch(input), 0usize),
            |(bucket, walk, pages)| async move {
                match walk {
                    Walk::Fetch(input) => match bucket.list_objects(&input).await {
                        Ok(page) => {
                            let next = match next_marker(&page) {
                                None => Walk::Done,
                                Some(marker) if marker <= input.marker => {
                                    Walk::Fail(Error::RepeatedPageToken {
                                        token: marker,
                                        pages: pages + 1,
                                    })
                                }
                                Some(marker) => {
                                    let mut next = input;
                                    next.marker = marker;
                                    Walk::Fetch(next)
                                }
                            };
                            Some((Ok(page), (bucket, next, pages + 1)))
                        }
                        Err(e) => Some((Err(e), (bucket, Walk::Done, pages))),
                    },
                    Walk::Fail(e) => Some((Err(e), (bucket, Walk::Done, pages))),
                    Walk::Done => None,
                }
            },
        )
    }

    /// Every object of the listing from `input` on, page by page (one page held at a time):
    /// see [`Bucket::list_objects_pages`].
    pub fn list_objects_stream(
        &self,
        input: ListObjectsInput,
    ) -> impl Stream<Item = Result<ListedObject, Error>> + Send + 'static {
        use futures_util::StreamExt;
        self.list_objects_pages(input).flat_map(|page| {
            let items: Vec<Result<ListedObject, Error>> = match page {
                Ok(page) => page.contents.into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            };
            futures_util::stream::iter(items)
        })
    }

    /// PUT Object: `body` under `input.key` with its `Content-MD5` (the service checks it);
    /// returns the ETag (quoted, as COS gives it; empty if the answer had none). Retried like
    /// a read: putting the same bytes twice leaves the object as putting them once.
    pub async fn put_object(&self, input: &PutObjectInput, body: Bytes) -> Result<String, Error> {
        let request = self.endpoint.put_object(input, body)?;
        self.client
            .send_object("PutObject", request, true, &put_answer)
            .await
    }

    /// [`Bucket::put_object`] of the file at `path`, streamed from disk: never the whole file
    /// in memory (with [`HyperTransport`](crate::HyperTransport); a transport of your own
    /// that does not override [`HttpTransport::send_upload`](crate::HttpTransport::send_upload)
    /// reads it whole for each attempt). The file is read twice: once for its length and
    /// `Content-MD5`, which go in the signed head, then as it is sent (again from its start
    /// on each retry). A file changed in between is refused by the service (`BadDigest`) or
    /// fails the send (shorter); nothing half-written becomes the object. A single PUT
    /// Object carries at most 5 GiB (COS's limit, and the emulator's).
    /// [`Error::File`] when it cannot be read for its digest (then nothing was sent).
    pub async fn put_object_file(
        &self,
        input: &PutObjectInput,
        path: &Path,
    ) -> Result<String, Error> {
        let (len, md5) = digest_file(path).await.map_err(|source| Error::File {
            path: path.to_owned(),
            source: std::sync::Arc::new(source),
        })?;
        let request = self
            .endpoint
            .put_object_head(input, len, md5)?
            .map(|()| UploadBody::file(path, len));
        self.client
            .send_object("PutObject", request, true, &put_answer)
            .await
    }

    /// GET Object, whole (up to the client's largest response body,
    /// [`crate::ClientBuilder::max_response_body`]; use [`Bucket::get_object_chunks`] for
    /// larger objects). `NoSuchKey` (404) when there is none.
    pub async fn get_object(&self, key: &str) -> Result<GetObjectOutput, Error> {
        self.get_object_range(key, None).await
    }

    /// GET Object of `range` (the whole object for `None`).
    pub async fn get_object_range(
        &self,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<GetObjectOutput, Error> {
        let request = self.endpoint.get_object(key, range)?;
        self.client
            .send_object("GetObject", request, true, &|s, h, b| {
                answer(s, h, b, "NoSuchKey", || GetObjectOutput {
                    head: ObjectHead::from_headers(h),
                    body: b.clone(),
                })
            })
            .await
    }

    /// The object's bytes, `chunk_size` at a time (at least 1 byte, at most the client's
    /// largest response body), by ranged GETs after a
    /// HEAD: the memory held is one chunk, whatever the object's size. Each chunk is a call of
    /// its own (with its own retries). An error ends the stream after it is yielded; an
    /// object that changes meanwhile (another ETag) ends it with a `PreconditionFailed` (412)
    /// service error.
    pub fn get_object_chunks(
        &self,
        key: &str,
        chunk_size: u64,
    ) -> impl Stream<Item = Result<Bytes, Error>> + Send + 'static {
        struct Walk {
            bucket: Bucket,
            key: String,
            chunk: u64,
            /// (size, ETag) once the HEAD answered.
            head: Option<(u64, String)>,
            offset: u64,
            done: bool,
        }
        let walk = Walk {
            bucket: self.clone(),
            key: key.to_owned(),
            chunk: chunk_size
                .min(u64::try_from(self.client.max_response_body()).unwrap_or(u64::MAX))
                .max(1),
            head: None,
            offset: 0,
            done: false,
        };
        futures_util::stream::unfold(walk, |mut walk| async move {
            if walk.done {
                return None;
            }
            let (size, etag) = match &walk.head {
                Some(head) => head.clone(),
                None => match walk.bucket.head_object(&walk.key).await {
                    Ok(head) => {
                        walk.head = Some((head.size, head.etag.clone()));
                        (head.size, head.etag)
                    }
                    Err(e) => {
                        walk.done = true;
                        return Some((Err(e), walk));
                    }
                },
            };
            if walk.offset >= size {
                return None;
            }
            let last = walk.offset.saturating_add(walk.chunk - 1).min(size - 1);
            let range = ByteRange::FromTo(walk.offset, last);
            match walk.bucket.get_object_range(&walk.key, Some(range)).await {
                Ok(got) if !got.head.etag.is_empty() && got.head.etag != etag => {
                    walk.done = true;
                    let changed = CosError::new(
                        StatusCode::PRECONDITION_FAILED,
                        ErrorCode::from("PreconditionFailed"),
                        format!(
                            "the object {} changed while it was read (ETag {etag} became {})",
                            walk.key, got.head.etag
                        ),
                    );
                    Some((Err(Error::Service(changed)), walk))
                }
                Ok(got) => {
                    let whole = got.body.len() as u64 >= size && walk.offset == 0;
                    walk.offset = if whole {
                        size
                    } else {
                        walk.offset.saturating_add(got.body.len() as u64)
                    };
                    if got.body.is_empty() {
                        walk.done = true;
                    }
                    Some((Ok(got.body), walk))
                }
                Err(e) => {
                    walk.done = true;
                    Some((Err(e), walk))
                }
            }
        })
    }

    /// HEAD Object: the object's head. `NoSuchKey` (404) when there is none.
    pub async fn head_object(&self, key: &str) -> Result<ObjectHead, Error> {
        let request = self.endpoint.head_object(key)?;
        self.client
            .send_object("HeadObject", request, true, &|s, h, b| {
                answer(s, h, b, "NoSuchKey", || ObjectHead::from_headers(h))
            })
            .await
    }

    /// DELETE Object (deleting a key that is not there succeeds, as on COS).
    pub async fn delete_object(&self, key: &str) -> Result<(), Error> {
        let request = self.endpoint.delete_object(key)?;
        self.client
            .send_object("DeleteObject", request, true, &|s, h, b| {
                answer(s, h, b, "NoSuchKey", || ())
            })
            .await
    }
}
