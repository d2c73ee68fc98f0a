//! The client side: unsigned requests of the object calls, for a [`BucketEndpoint`].

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue, RANGE};
use http::{Method, Request};

use super::address::BucketEndpoint;
use super::list::ListObjectsInput;
use super::put::PutObjectInput;
use super::range::ByteRange;
use crate::EncodeError;
use crate::body::CONTENT_MD5;

fn header(value: &str) -> Result<HeaderValue, EncodeError> {
    HeaderValue::from_str(value).map_err(|e| EncodeError::Http(e.to_string()))
}

impl BucketEndpoint {
    fn request(
        &self,
        method: Method,
        key: &str,
        query: &str,
        body: Bytes,
    ) -> Result<Request<Bytes>, EncodeError> {
        let uri = self.uri(key, query)?;
        let mut request = Request::builder().method(method).uri(uri).body(body)?;
        if matches!(*request.method(), Method::PUT) {
            let len = request.body().len();
            request.headers_mut().insert(CONTENT_LENGTH, len.into());
        }
        Ok(request)
    }

    /// PUT Bucket: creates the bucket.
    pub fn put_bucket(&self) -> Result<Request<Bytes>, EncodeError> {
        self.request(Method::PUT, "", "", Bytes::new())
    }

    /// HEAD Bucket.
    pub fn head_bucket(&self) -> Result<Request<Bytes>, EncodeError> {
        self.request(Method::HEAD, "", "", Bytes::new())
    }

    /// GET Bucket: one page of the listing.
    pub fn list_objects(&self, input: &ListObjectsInput) -> Result<Request<Bytes>, EncodeError> {
        self.request(Method::GET, "", &input.to_query(), Bytes::new())
    }

    /// PUT Object: `body` under `input.key`, with `Content-MD5` (computed from `body`;
    /// `input.content_md5` is not used) and the headers `input` sets.
    ///
    /// ```
    /// use cos_batch_proto::object::{BucketEndpoint, PutObjectInput};
    /// let bucket = BucketEndpoint::new("photos-1250000000", "ap-chengdu").unwrap();
    /// let mut input = PutObjectInput::new("a/b.txt");
    /// input.tags.push(("pet".into(), "cat".into()));
    /// let request = bucket.put_object(&input, "hello".into()).unwrap();
    /// assert_eq!(request.headers()["content-md5"], "XUFAKrxLKna5cZ2REBfFkg==");
    /// assert_eq!(request.headers()["x-cos-tagging"], "pet=cat");
    /// ```
    pub fn put_object(
        &self,
        input: &PutObjectInput,
        body: Bytes,
    ) -> Result<Request<Bytes>, EncodeError> {
        let mut md5 = super::ContentMd5::new();
        md5.update(&body);
        let (len, digest) = (md5.len(), md5.finish());
        Ok(self.put_object_head(input, len, digest)?.map(|()| body))
    }

    /// The head of a PUT Object whose body the caller sends itself (a file streamed from
    /// disk): `len` bytes whose MD5 is `md5` (see [`ContentMd5`](super::ContentMd5)), under
    /// `input.key`, with the headers `input` sets (`input.content_md5` is not used).
    ///
    /// ```
    /// use cos_batch_proto::object::{BucketEndpoint, ContentMd5, PutObjectInput};
    /// let bucket = BucketEndpoint::new("photos-1250000000", "ap-chengdu").unwrap();
    /// let mut md5 = ContentMd5::new();
    /// md5.update(b"hello");
    /// let head = bucket
    ///     .put_object_head(&PutObjectInput::new("a/b.txt"), md5.len(), md5.finish())
    ///     .unwrap();
    /// assert_eq!(head.headers()["content-md5"], "XUFAKrxLKna5cZ2REBfFkg==");
    /// assert_eq!(head.headers()["content-length"], "5");
    /// ```
    pub fn put_object_head(
        &self,
        input: &PutObjectInput,
        len: u64,
        md5: [u8; 16],
    ) -> Result<Request<()>, EncodeError> {
        let (parts, _) = self
            .request(Method::PUT, &input.key, "", Bytes::new())?
            .into_parts();
        let mut request = Request::from_parts(parts, ());
        let headers = request.headers_mut();
        headers.insert(CONTENT_LENGTH, len.into());
        headers.insert(CONTENT_MD5, header(&STANDARD.encode(md5))?);
        for (name, value) in [
            (CONTENT_TYPE, &input.content_type),
            (http::header::CACHE_CONTROL, &input.cache_control),
            (
                http::header::CONTENT_DISPOSITION,
                &input.content_disposition,
            ),
            (http::header::CONTENT_ENCODING, &input.content_encoding),
            (http::header::EXPIRES, &input.expires),
        ] {
            if let Some(v) = value {
                headers.insert(name, header(v)?);
            }
        }
        for (name, value) in &input.user_metadata {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| EncodeError::Http(e.to_string()))?;
            headers.insert(name, header(value)?);
        }
        if let Some(class) = &input.storage_class {
            headers.insert("x-cos-storage-class", header(class)?);
        }
        if let Some(tagging) = input.tagging_header() {
            headers.insert("x-cos-tagging", header(&tagging)?);
        }
        Ok(request)
    }

    /// GET Object, all of it or `range`.
    pub fn get_object(
        &self,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<Request<Bytes>, EncodeError> {
        let mut request = self.request(Method::GET, key, "", Bytes::new())?;
        if let Some(range) = range {
            request
                .headers_mut()
                .insert(RANGE, header(&range.to_header())?);
        }
        Ok(request)
    }

    /// HEAD Object.
    pub fn head_object(&self, key: &str) -> Result<Request<Bytes>, EncodeError> {
        self.request(Method::HEAD, key, "", Bytes::new())
    }

    /// DELETE Object.
    pub fn delete_object(&self, key: &str) -> Result<Request<Bytes>, EncodeError> {
        self.request(Method::DELETE, key, "", Bytes::new())
    }
}

#[cfg(test)]
mod tests {
    use super::super::decode::{ObjectCall, decode_request};
    use super::*;

    /// What the client builds, the server decodes back.
    #[test]
    fn requests_decode_back() {
        let bucket = BucketEndpoint::with_base_url("http://127.0.0.1:9", "b-1").unwrap();
        let mut put = PutObjectInput::new("dir/a b+c.txt");
        put.user_metadata.push(("x-cos-meta-x".into(), "1".into()));
        put.tags.push(("k=".into(), "v&".into()));
        put.storage_class = Some("ARCHIVE".into());
        put.content_type = Some("text/plain".into());
        let request = bucket.put_object(&put, Bytes::from_static(b"x")).unwrap();
        let ObjectCall::PutObject(back) = decode_request(&request).unwrap().unwrap().call else {
            panic!()
        };
        put.content_md5 = back.content_md5;
        assert!(back.content_md5.is_some());
        assert_eq!(back, put);

        let list = ListObjectsInput {
            prefix: "a/".into(),
            max_keys: 3,
            ..ListObjectsInput::default()
        };
        let request = bucket.list_objects(&list).unwrap();
        assert_eq!(
            decode_request(&request).unwrap().unwrap().call,
            ObjectCall::ListObjects(list)
        );
        let request = bucket.get_object("k", Some(ByteRange::Suffix(2))).unwrap();
        assert_eq!(
            decode_request(&request).unwrap().unwrap().call,
            ObjectCall::GetObject {
                key: "k".into(),
                range: Some(ByteRange::Suffix(2))
            }
        );
    }
}
