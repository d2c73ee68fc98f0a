//! `ObjectApi`: the object calls of `cos-batch-proto::object` served through the storage
//! layer ([`Storage`]): buckets are `{data}/{bucket}-{appid}/`, objects their files, metadata
//! their sidecars.
//!
//! A request names a bucket of the account that signed it, or it is `AccessDenied` (the
//! bucket's APPID decides, by the [`Ownership`] rule of jobs). Keys go through the same
//! storage layer as a job's tasks, so nothing a key names can leave its bucket, at the moment
//! of the file operation. A key's `/` are directories, so a key cannot be both an object and
//! a prefix of another (`a` and `a/b`): that PUT is `InvalidArgument`. Temporary files of
//! interrupted writes (`.cos-tmp-*`) are never listed, and no key may name one.
//!
//! A PUT Object body is written as it arrives (from the queue of
//! [`object_body`](crate::body_budget::object_body)) into a temporary file that becomes the
//! object only once the body is whole and matches its `Content-MD5`.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use cos_batch_model::{ErrorCode, Timestamp};
use cos_batch_proto::CosError;
use cos_batch_proto::object::{
    BucketName, ByteRange, ListObjectsOutput, ListedObject, ObjectCall, ObjectHead, ObjectRequest,
    PutObjectInput, encode_empty, encode_get_object, encode_head_object,
};
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_ENCODING, ETAG, EXPIRES};
use http::{HeaderValue, Response, StatusCode};
use md5::{Digest, Md5};

use crate::Account;
use crate::body_budget::BodyError;
use crate::body_budget::object_body::{Chunks, Received};
use crate::object_meta::{ObjectHeaders, ObjectMeta};
use crate::object_path::PathError;
use crate::ownership::Ownership;
use crate::response_body::{FileBody, ResponseBody};
use crate::storage::{Bucket, Storage, StorageError, etag};

/// The object API over one data directory.
#[derive(Debug)]
pub(crate) struct ObjectApi {
    storage: Storage,
    accounts: Vec<Account>,
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> CosError {
    CosError::new(status, ErrorCode::from(code), message)
}

fn no_such_bucket() -> CosError {
    error(
        StatusCode::NOT_FOUND,
        "NoSuchBucket",
        "The specified bucket does not exist",
    )
}

fn no_such_key() -> CosError {
    error(
        StatusCode::NOT_FOUND,
        "NoSuchKey",
        "The specified key does not exist",
    )
}

fn internal(e: &io::Error) -> CosError {
    tracing::warn!(error = %e, "an object call failed on the data directory");
    CosError::internal_error("We encountered an internal error. Please try again.")
}

fn bad_key(e: &PathError) -> CosError {
    CosError::invalid_argument(format!("The object key is not accepted: {e}"))
}

/// The error answer of a storage error.
fn storage_error(e: StorageError) -> CosError {
    match e {
        StorageError::NoSuchBucket(_) => no_such_bucket(),
        StorageError::NoSuchKey => no_such_key(),
        StorageError::BucketExists => error(
            StatusCode::CONFLICT,
            "BucketAlreadyExists",
            "The requested bucket name is not available",
        ),
        StorageError::Path(p @ (PathError::InvalidBucket | PathError::InvalidAppId)) => {
            error(StatusCode::BAD_REQUEST, "InvalidBucketName", p.to_string())
        }
        StorageError::Path(p) => bad_key(&p),
        StorageError::Conflict => CosError::invalid_argument(StorageError::Conflict.to_string()),
        StorageError::Io(e) => internal(&e),
    }
}

fn whole_seconds(t: SystemTime) -> SystemTime {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    UNIX_EPOCH + std::time::Duration::from_secs(secs)
}

impl ObjectApi {
    pub(crate) fn new(storage: Storage, accounts: Vec<Account>) -> Self {
        Self { storage, accounts }
    }

    /// `AccessDenied` unless `bucket` belongs to `account`.
    pub(crate) fn check_owner(
        &self,
        account: &Account,
        bucket: &BucketName,
    ) -> Result<(), CosError> {
        if Ownership::new(&account.appid, &self.accounts)
            .owns(Some(bucket.appid()), bucket.as_str())
        {
            Ok(())
        } else {
            Err(error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                format!(
                    "Access Denied: the bucket {:?} is not a bucket of the account that signed the request",
                    bucket.as_str()
                ),
            ))
        }
    }

    /// The open bucket, if it exists (a real directory, not a link).
    fn existing_bucket(&self, bucket: &BucketName) -> Result<Bucket, CosError> {
        match self.storage.bucket(bucket.name(), bucket.appid()) {
            Err(StorageError::Path(PathError::Symlink)) => Err(no_such_bucket()),
            other => other.map_err(storage_error),
        }
    }

    /// Serves an authenticated call of `account` (the owner check is done) but PUT Object
    /// ([`put_object`](Self::put_object)). GET Object streams the object's file; every other
    /// answer is made in memory.
    pub(crate) fn serve(
        &self,
        account: &Account,
        request: ObjectRequest,
        request_id: &str,
    ) -> Result<Response<ResponseBody>, CosError> {
        match request.call {
            ObjectCall::GetObject { key, range } => {
                self.get_object(&request.bucket, &key, range, request_id)
            }
            call => self
                .serve_in_memory(account, &request.bucket, call, request_id)
                .map(|r| r.map(ResponseBody::from)),
        }
    }

    /// GET Object: the head, and the object's bytes (or the range's) streamed from its file.
    fn get_object(
        &self,
        bucket: &BucketName,
        key: &str,
        range: Option<ByteRange>,
        request_id: &str,
    ) -> Result<Response<ResponseBody>, CosError> {
        let (head, mut file) = self.head(&self.existing_bucket(bucket)?, key)?;
        let (range, first, len) = match range {
            None => (None, 0, head.size),
            Some(range) => {
                let (first, last) = range.resolve(head.size).map_err(|e| {
                    error(
                        StatusCode::RANGE_NOT_SATISFIABLE,
                        "InvalidRange",
                        e.to_string(),
                    )
                })?;
                (Some((first, last)), first, last + 1 - first)
            }
        };
        file.seek(SeekFrom::Start(first))
            .map_err(|e| internal(&e))?;
        let mut response =
            encode_get_object(&head, range, Bytes::new(), request_id).map(ResponseBody::from);
        response
            .headers_mut()
            .insert(http::header::CONTENT_LENGTH, HeaderValue::from(len));
        *response.body_mut() = ResponseBody::File(FileBody::new(file, len));
        Ok(response)
    }

    /// Every call but GET Object.
    fn serve_in_memory(
        &self,
        account: &Account,
        bucket: &BucketName,
        call: ObjectCall,
        request_id: &str,
    ) -> Result<Response<Bytes>, CosError> {
        match call {
            ObjectCall::PutBucket => {
                self.storage
                    .create_bucket(bucket.name(), bucket.appid(), false)
                    .map_err(storage_error)?;
                Ok(encode_empty(StatusCode::OK, request_id))
            }
            ObjectCall::HeadBucket => {
                self.existing_bucket(bucket)?;
                Ok(encode_empty(StatusCode::OK, request_id))
            }
            ObjectCall::ListObjects(input) => {
                let open = self.existing_bucket(bucket)?;
                // One page reads the directories on its way, not the bucket.
                let page = open.list_page(&input).map_err(|e| internal(&e))?;
                let owner = format!("qcs::cam::uin/{0}:uin/{0}", account.uin);
                let mut contents = Vec::with_capacity(page.keys.len());
                for key in page.keys {
                    let (mut file, m) = match open.open(&key) {
                        Ok(opened) => opened,
                        // Gone (or replaced by a link) since it was listed.
                        Err(StorageError::NoSuchKey | StorageError::Path(_)) => continue,
                        Err(e) => return Err(storage_error(e)),
                    };
                    let etag = etag::of_file(&mut file, &m).map_err(|e| internal(&e))?;
                    let (size, modified) = (m.len(), m.modified().unwrap_or(UNIX_EPOCH));
                    let meta = open.read_meta(&key).unwrap_or_default();
                    // As COS writes it: `2024-01-01T00:00:00.000Z`.
                    let last_modified = Timestamp::from_system_time(whole_seconds(modified))
                        .map(|t| t.as_str().replacen('Z', ".000Z", 1))
                        .unwrap_or_default();
                    contents.push(ListedObject::new(
                        key.as_str(),
                        last_modified,
                        etag,
                        size,
                        owner.as_str(),
                        meta.storage_class.as_deref().unwrap_or("STANDARD"),
                    ));
                }
                let xml = ListObjectsOutput::new(
                    bucket.as_str(),
                    input,
                    contents,
                    page.common_prefixes,
                    page.is_truncated,
                    page.next_marker,
                )
                .to_xml();
                let mut response = encode_empty(StatusCode::OK, request_id);
                response.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/xml"),
                );
                response
                    .headers_mut()
                    .insert(http::header::CONTENT_LENGTH, HeaderValue::from(xml.len()));
                *response.body_mut() = Bytes::from(xml);
                Ok(response)
            }
            ObjectCall::PutObject(_) => Err(CosError::internal_error(
                "PUT Object is served from its body stream",
            )),
            ObjectCall::HeadObject { key } => {
                let (head, _) = self.head(&self.existing_bucket(bucket)?, &key)?;
                Ok(encode_head_object(&head, request_id))
            }
            ObjectCall::DeleteObject { key } => {
                match self.existing_bucket(bucket)?.delete(&key) {
                    // Deleting what does not exist succeeds, as in COS.
                    Ok(()) | Err(StorageError::NoSuchKey) => {}
                    Err(e) => return Err(storage_error(e)),
                }
                Ok(encode_empty(StatusCode::NO_CONTENT, request_id))
            }
            other => Err(CosError::method_not_allowed(format!(
                "{} is not served",
                other.name()
            ))),
        }
    }

    /// PUT Object (the owner check is done), on a blocking thread: writes the body from
    /// `chunks` into a temporary file as it arrives, computing its MD5, and makes it the
    /// object only when the body ended whole and matches its `Content-MD5` (`BadDigest`
    /// otherwise). A body cut short leaves nothing: the temporary file is removed and an
    /// older object stays as it was.
    pub(crate) fn put_object(
        &self,
        bucket: &BucketName,
        input: PutObjectInput,
        mut chunks: Chunks,
        request_id: &str,
    ) -> Result<Response<Bytes>, CosError> {
        let open = self.existing_bucket(bucket)?;
        let mut writer = open.create(&input.key).map_err(storage_error)?;
        let mut md5 = Md5::new();
        loop {
            match chunks.recv() {
                Received::Chunk(chunk) => {
                    writer.write_all(&chunk).map_err(|e| internal(&e))?;
                    md5.update(&*chunk);
                }
                Received::End => break,
                // The reading side answers why.
                Received::Cut => return Err(BodyError::Unreadable.into()),
            }
        }
        let digest: [u8; 16] = md5.finalize().into();
        if input.content_md5.is_some_and(|d| d != digest) {
            return Err(BodyError::BadDigest.into());
        }
        let etag = etag::of_digest(&digest);
        etag::remember(writer.file().map_err(|e| internal(&e))?, &etag);
        writer.commit().map_err(storage_error)?;
        let meta = ObjectMeta {
            storage_class: input.storage_class.filter(|c| c != "STANDARD"),
            tags: input.tags.into_iter().collect(),
            headers: ObjectHeaders {
                cache_control: input.cache_control,
                content_disposition: input.content_disposition,
                content_encoding: input.content_encoding,
                content_type: input.content_type,
                expires: input.expires,
                sse_algorithm: None,
                user_metadata: input.user_metadata.into_iter().collect(),
            },
            ..ObjectMeta::default()
        };
        open.write_meta(&input.key, &meta).map_err(storage_error)?;
        let mut response = encode_empty(StatusCode::OK, request_id);
        if let Ok(v) = HeaderValue::from_str(&etag) {
            response.headers_mut().insert(ETAG, v);
        }
        Ok(response)
    }

    /// The head of an existing object and its open file; `NoSuchKey` when there is none.
    fn head(&self, bucket: &Bucket, key: &str) -> Result<(ObjectHead, File), CosError> {
        let (mut file, m) = bucket.open(key).map_err(storage_error)?;
        let etag = etag::of_file(&mut file, &m).map_err(|e| internal(&e))?;
        let modified = m.modified().unwrap_or(UNIX_EPOCH);
        let meta = bucket.read_meta(key).unwrap_or_default();
        let h = &meta.headers;
        let mut head = ObjectHead::new(m.len(), etag, httpdate::fmt_http_date(modified));
        head.content_type = h.content_type.clone();
        head.standard_headers = [
            (CACHE_CONTROL, &h.cache_control),
            (CONTENT_DISPOSITION, &h.content_disposition),
            (CONTENT_ENCODING, &h.content_encoding),
            (EXPIRES, &h.expires),
        ]
        .into_iter()
        .filter_map(|(name, v)| v.clone().map(|v| (name, v)))
        .collect();
        head.user_metadata = h
            .user_metadata
            .iter()
            .map(|(k, v)| {
                let name = if k.starts_with("x-cos-meta-") {
                    k.clone()
                } else {
                    format!("x-cos-meta-{k}")
                };
                (name, v.clone())
            })
            .collect();
        head.storage_class = meta.storage_class.clone();
        head.tag_count = meta.tags.len();
        Ok((head, file))
    }
}
