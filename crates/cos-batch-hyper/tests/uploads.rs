//! `Bucket::put_object_file` streams the file from disk through `HttpTransport::send_upload`
//! (the file read again on each attempt); a transport that implements only `send` still
//! uploads files, holding each whole.

mod support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use cos_batch_hyper::object::{ContentMd5, PutObjectInput};
use cos_batch_hyper::{
    Bucket, Client, HttpFuture, HttpTransport, HyperTransport, TransportError, TransportErrorKind,
    UploadBody,
};
use futures_util::TryStreamExt as _;
use http::Request;
use support::{EmulatorSetup, quick_retries};

const MIB: usize = 1024 * 1024;

/// Writes `len` bytes that differ from chunk to chunk into `path`; their quoted MD5 hex.
fn write_file(path: &Path, len: usize) -> String {
    let bytes: Vec<u8> = (0..len)
        .map(|i| (i % 251) as u8 ^ (i >> 16) as u8)
        .collect();
    std::fs::write(path, &bytes).unwrap();
    let mut md5 = ContentMd5::new();
    md5.update(&bytes);
    let hex: String = md5.finish().iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// What a transport was given: the bodies sent through `send` (their lengths) and through
/// `send_upload` (file or bytes, length).
#[derive(Default)]
struct Seen {
    sent: Vec<usize>,
    uploads: Vec<(bool, u64)>,
}

/// The default transport, recording what it is given; `fail_uploads` first uploads fail
/// before anything is sent (a connection that closed).
struct Streaming {
    inner: HyperTransport,
    seen: Arc<Mutex<Seen>>,
    fail_uploads: Mutex<usize>,
}

impl HttpTransport for Streaming {
    fn send(&self, request: Request<Bytes>, max_body: usize) -> HttpFuture<'_> {
        self.seen.lock().unwrap().sent.push(request.body().len());
        self.inner.send(request, max_body)
    }

    fn send_upload(&self, request: Request<UploadBody>, max_body: usize) -> HttpFuture<'_> {
        let body = request.body();
        let is_file = matches!(body, UploadBody::File { .. });
        self.seen
            .lock()
            .unwrap()
            .uploads
            .push((is_file, body.len()));
        let mut fail = self.fail_uploads.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            return Box::pin(async {
                Err(TransportError::new(
                    TransportErrorKind::Closed,
                    "test: closed",
                ))
            });
        }
        self.inner.send_upload(request, max_body)
    }
}

/// A transport of its own that implements only `send` (through the default transport).
struct SendOnly {
    inner: HyperTransport,
    seen: Arc<Mutex<Seen>>,
}

impl HttpTransport for SendOnly {
    fn send(&self, request: Request<Bytes>, max_body: usize) -> HttpFuture<'_> {
        self.seen.lock().unwrap().sent.push(request.body().len());
        self.inner.send(request, max_body)
    }
}

/// A client of the emulator's demo account through `transport`, and its bucket `name`
/// (created).
async fn bucket_through(s: &EmulatorSetup, transport: impl HttpTransport, name: &str) -> Bucket {
    let client = Client::builder()
        .endpoint(s.handle.endpoint(&s.account))
        .credentials(s.account.credentials())
        .retry_policy(quick_retries())
        .http_transport(transport)
        .build()
        .unwrap();
    let bucket = client.bucket(&s.full(name)).unwrap();
    bucket.put_bucket().await.unwrap();
    bucket
}

/// Writes a file of `len` bytes and puts it as `key` with `put_object_file`; the directory
/// that holds it, its path, and its ETag (checked to be the quoted MD5 hex of the file).
async fn put_file(bucket: &Bucket, key: &str, len: usize) -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(key);
    let md5 = write_file(&path, len);
    let etag = bucket
        .put_object_file(&PutObjectInput::new(key), &path)
        .await
        .unwrap();
    assert_eq!(etag, md5);
    (dir, path, etag)
}

fn hyper() -> HyperTransport {
    HyperTransport::new(Some(Duration::from_secs(5))).unwrap()
}

/// A [`Streaming`] transport whose first `fail` uploads fail, and what it sees.
fn streaming(fail: usize) -> (Streaming, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let transport = Streaming {
        inner: hyper(),
        seen: seen.clone(),
        fail_uploads: Mutex::new(fail),
    };
    (transport, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_40_mib_file_is_streamed_and_read_back() {
    let s = EmulatorSetup::start().await;
    let (transport, seen) = streaming(0);
    let bucket = bucket_through(&s, transport, "big").await;
    let (_dir, path, md5) = put_file(&bucket, "big.bin", 40 * MIB).await;
    // The file went as a file body, not bytes in memory.
    let seen_now = seen.lock().unwrap().uploads.clone();
    assert_eq!(seen_now, [(true, 40 * MIB as u64)]);
    let head = bucket.head_object("big.bin").await.unwrap();
    assert_eq!(
        (head.size, head.etag.as_str()),
        (40 * MIB as u64, md5.as_str())
    );
    let chunks: Vec<Bytes> = bucket
        .get_object_chunks("big.bin", 4 * MIB as u64)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(chunks.len(), 10);
    assert!(chunks.concat() == std::fs::read(&path).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_upload_reads_the_file_again() {
    let s = EmulatorSetup::start().await;
    let (transport, seen) = streaming(2);
    let bucket = bucket_through(&s, transport, "retried").await;
    let (_dir, path, _) = put_file(&bucket, "m.csv", MIB + 3).await;
    let len = (MIB + 3) as u64;
    let uploads = seen.lock().unwrap().uploads.clone();
    assert_eq!(uploads, [(true, len), (true, len), (true, len)]);
    let got = bucket.get_object("m.csv").await.unwrap();
    assert!(got.body == std::fs::read(&path).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transport_without_send_upload_still_uploads_files() {
    let s = EmulatorSetup::start().await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let transport = SendOnly {
        inner: hyper(),
        seen: seen.clone(),
    };
    let bucket = bucket_through(&s, transport, "own").await;
    let (_dir, _, md5) = put_file(&bucket, "m.csv", 3 * MIB + 1).await;
    // PUT Bucket, then the file read whole by the default `send_upload`.
    assert_eq!(seen.lock().unwrap().sent, [0, 3 * MIB + 1]);
    let head = bucket.head_object("m.csv").await.unwrap();
    assert_eq!(head.etag, md5);
}
