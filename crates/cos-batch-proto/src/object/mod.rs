//! The object API of a bucket (`{bucket}-{appid}.cos.{region}.myqcloud.com`), sans-IO like the
//! batch operations: request builders for clients ([`BucketEndpoint`] and its methods), and
//! [`decode_request`] plus response encoders for servers.
//!
//! Served calls: PUT Bucket, HEAD Bucket, GET Bucket (list objects), PUT Object, GET Object
//! (with `Range`), HEAD Object and DELETE Object. It lives beside the batch operations rather
//! than in a crate of its own because it shares their error type ([`CosError`](crate::CosError)), their error
//! documents and their query codec, and a client of batch jobs needs both (a manifest is put
//! with PUT Object, a report read with GET Object).
//!
//! [`decode_request`] reads the request head alone: the server authenticates the head, then
//! reads the body of a PUT Object under its own limits ([`PutObjectInput::content_md5`] is the
//! digest to check it against, when the client sent one).
//!
//! ```
//! use bytes::Bytes;
//! use cos_batch_proto::object::{BucketEndpoint, ObjectCall, decode_request};
//!
//! // A client builds the request (then signs it with cos-sign and sends it)...
//! let bucket = BucketEndpoint::with_base_url("http://127.0.0.1:9000", "photos-1250000000").unwrap();
//! let request = bucket.get_object("2024/cat.jpg", None).unwrap();
//! assert_eq!(request.uri(), "http://127.0.0.1:9000/photos-1250000000/2024/cat.jpg");
//!
//! // ... and a server decodes it from its head.
//! let incoming = decode_request(&request).unwrap().unwrap();
//! assert_eq!(incoming.bucket.as_str(), "photos-1250000000");
//! let ObjectCall::GetObject { key, range } = incoming.call else { panic!() };
//! assert_eq!((key.as_str(), range), ("2024/cat.jpg", None));
//!
//! // A batch request is not an object request.
//! let jobs = http::Request::get("http://127.0.0.1:9000/jobs").body(()).unwrap();
//! assert!(decode_request(&jobs).unwrap().is_none());
//! ```

mod address;
mod decode;
mod digest;
mod list;
mod manifest_key;
mod put;
mod range;
mod request;
mod response;
mod xml;

pub use address::{BucketEndpoint, BucketName, InvalidBucketName};
pub use decode::{ObjectCall, ObjectRequest, decode_request};
pub use digest::ContentMd5;
pub use list::{ListObjectsInput, ListObjectsOutput, ListedObject, MAX_KEYS, Page};
pub use manifest_key::{decode_manifest_key, encode_manifest_key};
pub use put::{KNOWN_STORAGE_CLASSES, PutObjectInput};
pub use range::{ByteRange, RangeNotSatisfiable};
pub use response::{ObjectHead, encode_empty, encode_get_object, encode_head_object};
