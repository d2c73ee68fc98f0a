//! `ObjectApi`: the object calls of `cos-batch-proto::object` served on the data directory:
//! buckets are `{data}/{bucket}-{appid}/`, objects their files, metadata their sidecars.
//!
//! A request names a bucket of the account that signed it, or it is `AccessDenied` (the
//! bucket's APPID decides, by the [`Ownership`] rule of jobs). Keys go through the same
//! [`ObjectPath`] rules as a job's tasks, so nothing a key names can leave its bucket. A key's
//! `/` are directories, so a key cannot be both an object and a prefix of another (`a` and
//! `a/b`): that PUT is `InvalidArgument`.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use cos_batch_model::{ErrorCode, Timestamp};
use cos_batch_proto::CosError;
use cos_batch_proto::object::{
    BucketName, ListObjectsOutput, ListedObject, ObjectCall, ObjectHead, ObjectRequest,
    PutObjectInput, encode_empty, encode_get_object, encode_head_object,
};
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_ENCODING, ETAG, EXPIRES};
use http::{HeaderValue, Response, StatusCode};
use md5::{Digest, Md5};

use crate::Account;
use crate::atomic_file::write_atomically;
use crate::object_meta::{ObjectHeaders, ObjectMeta, read_meta, remove_meta, write_meta};
use crate::object_path::{ObjectPath, PathError, bucket_dir_name};
use crate::ownership::Ownership;

/// The object API over one data directory.
#[derive(Debug)]
pub(crate) struct ObjectApi {
    data_dir: PathBuf,
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

/// Whether a file name is a temporary file of [`write_atomically`] (`.{name}.tmp-{16 hex}`).
fn is_temporary(name: &str) -> bool {
    name.starts_with('.')
        && name
            .rsplit_once(".tmp-")
            .is_some_and(|(_, hex)| hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The quoted MD5 hex of what remains of `file`, as the ETag of a single PUT.
fn etag_of(file: &mut File) -> io::Result<String> {
    let mut hasher = Md5::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match file.read(&mut buffer)? {
            0 => break,
            n => hasher.update(&buffer[..n]),
        }
    }
    Ok(format!("\"{}\"", hex(&hasher.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn whole_seconds(t: SystemTime) -> SystemTime {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    UNIX_EPOCH + std::time::Duration::from_secs(secs)
}

impl ObjectApi {
    pub(crate) fn new(data_dir: PathBuf, accounts: Vec<Account>) -> Self {
        Self { data_dir, accounts }
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

    fn bucket_dir(&self, bucket: &BucketName) -> Result<PathBuf, CosError> {
        let name = bucket_dir_name(bucket.name(), bucket.appid())
            .map_err(|e| error(StatusCode::BAD_REQUEST, "InvalidBucketName", e.to_string()))?;
        Ok(self.data_dir.join(name))
    }

    /// The bucket's directory, if the bucket exists (a real directory, not a link).
    fn existing_bucket(&self, bucket: &BucketName) -> Result<PathBuf, CosError> {
        let dir = self.bucket_dir(bucket)?;
        match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => Ok(dir),
            Ok(_) => Err(no_such_bucket()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(no_such_bucket()),
            Err(e) => Err(internal(&e)),
        }
    }

    /// The checked place of an object of an existing bucket.
    fn object(&self, bucket: &BucketName, key: &str) -> Result<ObjectPath, CosError> {
        self.existing_bucket(bucket)?;
        let object = ObjectPath::resolve(&self.data_dir, bucket.name(), bucket.appid(), key)
            .map_err(|e| bad_key(&e))?;
        object.check_no_symlinks().map_err(|e| bad_key(&e))?;
        Ok(object)
    }

    /// Serves an authenticated call of `account` (the owner check is done); `body` is a PUT
    /// Object's checked body.
    pub(crate) fn serve(
        &self,
        account: &Account,
        request: ObjectRequest,
        body: Bytes,
        request_id: &str,
    ) -> Result<Response<Bytes>, CosError> {
        let bucket = &request.bucket;
        match request.call {
            ObjectCall::PutBucket => {
                let dir = self.bucket_dir(bucket)?;
                match fs::create_dir(&dir) {
                    Ok(()) => Ok(encode_empty(StatusCode::OK, request_id)),
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(error(
                        StatusCode::CONFLICT,
                        "BucketAlreadyExists",
                        "The requested bucket name is not available",
                    )),
                    Err(e) => Err(internal(&e)),
                }
            }
            ObjectCall::HeadBucket => {
                self.existing_bucket(bucket)?;
                Ok(encode_empty(StatusCode::OK, request_id))
            }
            ObjectCall::ListObjects(input) => {
                let dir = self.existing_bucket(bucket)?;
                let mut keys = Vec::new();
                collect_keys(&dir, "", &mut keys).map_err(|e| internal(&e))?;
                keys.sort_unstable();
                let page = input.select(keys.iter());
                let owner = format!("qcs::cam::uin/{0}:uin/{0}", account.uin);
                let mut contents = Vec::with_capacity(page.keys.len());
                for key in page.keys {
                    let object =
                        ObjectPath::resolve(&self.data_dir, bucket.name(), bucket.appid(), key)
                            .map_err(|e| bad_key(&e))?;
                    let Some((size, modified, etag)) =
                        stat(object.path()).map_err(|e| internal(&e))?
                    else {
                        continue;
                    };
                    let meta = read_meta(&object, &self.data_dir).unwrap_or_default();
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
            ObjectCall::PutObject(input) => self.put_object(bucket, input, &body, request_id),
            ObjectCall::GetObject { key, range } => {
                let object = self.object(bucket, &key)?;
                let (head, mut file) = self.head(&object)?;
                let (range, body) = match range {
                    None => (None, read_range(&mut file, 0, head.size)),
                    Some(range) => {
                        let (first, last) = range.resolve(head.size).map_err(|e| {
                            error(
                                StatusCode::RANGE_NOT_SATISFIABLE,
                                "InvalidRange",
                                e.to_string(),
                            )
                        })?;
                        (
                            Some((first, last)),
                            read_range(&mut file, first, last + 1 - first),
                        )
                    }
                };
                let body = body.map_err(|e| internal(&e))?;
                Ok(encode_get_object(&head, range, body, request_id))
            }
            ObjectCall::HeadObject { key } => {
                let object = self.object(bucket, &key)?;
                let (head, _) = self.head(&object)?;
                Ok(encode_head_object(&head, request_id))
            }
            ObjectCall::DeleteObject { key } => {
                let object = self.object(bucket, &key)?;
                match fs::symlink_metadata(object.path()) {
                    Ok(m) if m.is_file() => {
                        fs::remove_file(object.path()).map_err(|e| internal(&e))?;
                        remove_meta(&object, &self.data_dir).map_err(|e| internal(&e))?;
                    }
                    // Deleting what does not exist succeeds, as in COS.
                    _ => {}
                }
                Ok(encode_empty(StatusCode::NO_CONTENT, request_id))
            }
            other => Err(CosError::method_not_allowed(format!(
                "{} is not served",
                other.name()
            ))),
        }
    }

    fn put_object(
        &self,
        bucket: &BucketName,
        input: PutObjectInput,
        body: &[u8],
        request_id: &str,
    ) -> Result<Response<Bytes>, CosError> {
        let object = self.object(bucket, &input.key)?;
        let conflict = || {
            CosError::invalid_argument(
                "The key conflicts with an existing object or prefix (the emulator stores each '/' of a key as a directory)",
            )
        };
        if fs::symlink_metadata(object.path()).is_ok_and(|m| m.is_dir()) {
            return Err(conflict());
        }
        write_atomically(object.path(), body).map_err(|e| match e.kind() {
            io::ErrorKind::NotADirectory
            | io::ErrorKind::AlreadyExists
            | io::ErrorKind::IsADirectory => conflict(),
            _ => internal(&e),
        })?;
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
        write_meta(&object, &self.data_dir, &meta).map_err(|e| internal(&e))?;
        let etag = format!("\"{}\"", hex(&Md5::digest(body)));
        let mut response = encode_empty(StatusCode::OK, request_id);
        if let Ok(v) = HeaderValue::from_str(&etag) {
            response.headers_mut().insert(ETAG, v);
        }
        Ok(response)
    }

    /// The head of an existing object and its open file; `NoSuchKey` when there is none.
    fn head(&self, object: &ObjectPath) -> Result<(ObjectHead, File), CosError> {
        let mut file = match File::open(object.path()) {
            Ok(f) => f,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                return Err(no_such_key());
            }
            Err(e) => return Err(internal(&e)),
        };
        let m = file.metadata().map_err(|e| internal(&e))?;
        if !m.is_file() {
            return Err(no_such_key());
        }
        let etag = etag_of(&mut file).map_err(|e| internal(&e))?;
        let modified = m.modified().unwrap_or(UNIX_EPOCH);
        let meta = read_meta(object, &self.data_dir).unwrap_or_default();
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

/// `len` bytes of `file` from `first`.
fn read_range(file: &mut File, first: u64, len: u64) -> io::Result<Bytes> {
    file.seek(SeekFrom::Start(first))?;
    let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(len).read_to_end(&mut out)?;
    Ok(Bytes::from(out))
}

/// Size, modification time and ETag of a regular file; `None` if it is gone or not a file.
fn stat(path: &Path) -> io::Result<Option<(u64, SystemTime, String)>> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => {
            let etag = match File::open(path).and_then(|mut f| etag_of(&mut f)) {
                Ok(e) => e,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            Ok(Some((m.len(), m.modified().unwrap_or(UNIX_EPOCH), etag)))
        }
        Ok(_) => Ok(None),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Every key under `dir` (its files; links, temporary files and names that are not UTF-8 are
/// left out), as `prefix` + the path below `dir`.
fn collect_keys(dir: &Path, prefix: &str, keys: &mut Vec<String>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect_keys(&entry.path(), &format!("{prefix}{name}/"), keys)?;
        } else if kind.is_file() && !is_temporary(&name) {
            keys.push(format!("{prefix}{name}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_files_are_recognised() {
        assert!(is_temporary(".a.txt.tmp-0123456789abcdef"));
        assert!(!is_temporary("a.txt.tmp-0123456789abcdef"));
        assert!(!is_temporary(".a.txt.tmp-0123"));
        assert!(!is_temporary(".hidden"));
    }
}
