//! Large objects through PUT Object: the body is streamed to a temporary file in chunks of
//! the body budget, and becomes the object only when it is whole and matches its digest.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use cos_batch_proto::object::{BucketEndpoint, ByteRange, PutObjectInput};
use http::StatusCode;
use md5::Digest;
use tokio::io::AsyncWriteExt;

const MIB: usize = 1024 * 1024;

/// `len` bytes that differ from chunk to chunk (a misplaced chunk changes the object).
fn pattern(len: usize) -> Bytes {
    (0..len)
        .map(|i| (i % 251) as u8 ^ (i >> 17) as u8)
        .collect()
}

fn md5_etag(bytes: &[u8]) -> String {
    let hex: String = md5::Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("\"{hex}\"")
}

/// The temporary files (`.cos-tmp-*`) under `dir`, with their sizes.
fn temporaries(dir: &Path) -> Vec<(String, u64)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let meta = entry.metadata().unwrap();
        if meta.is_dir() {
            found.extend(temporaries(&entry.path()));
        } else if name.starts_with(".cos-tmp-") {
            found.push((name, meta.len()));
        }
    }
    found
}

/// Polls `check` until it holds (or the guard passes: the test fails).
async fn eventually(what: &str, check: impl Fn() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < GUARD, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A fixture whose body budget is its least (1 MiB), with bucket `photos`.
async fn small_budget() -> (Fixture, BucketEndpoint) {
    let f = Fixture::new(|c| c.with_body_budget(0)).await;
    let bucket = f.client.bucket("photos");
    let r = f.client.send_signed(bucket.put_bucket().unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK, "{r:?}");
    (f, bucket)
}

/// Puts object `k`, `old`.
async fn put_old(f: &Fixture, bucket: &BucketEndpoint) {
    let old = bucket
        .put_object(&PutObjectInput::new("k"), Bytes::from_static(b"old"))
        .unwrap();
    assert_eq!(f.client.send_signed(old).await.status(), StatusCode::OK);
}

async fn get(f: &Fixture, bucket: &BucketEndpoint, key: &str, range: Option<ByteRange>) -> Bytes {
    let r = f
        .client
        .send_signed(bucket.get_object(key, range).unwrap())
        .await;
    assert!(r.status().is_success(), "{r:?}");
    r.into_body()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_40_mib_object_is_put_and_read_back_by_ranges() {
    let (f, bucket) = small_budget().await;
    let body = pattern(40 * MIB);
    let request = bucket
        .put_object(&PutObjectInput::new("big/object"), body.clone())
        .unwrap();
    let r = f.client.send_signed(request).await;
    assert_eq!(r.status(), StatusCode::OK, "{r:?}");
    assert_eq!(r.headers()["etag"], md5_etag(&body).as_str());
    let on_disk = f.data().join(format!("photos-{APPID}/big/object"));
    assert_eq!(
        std::fs::metadata(&on_disk).unwrap().len(),
        body.len() as u64
    );
    let last = body.len() as u64 - 1;
    for (range, first, end) in [
        (ByteRange::FromTo(0, 999), 0, 1000),
        // Across chunk boundaries (128 KiB).
        (ByteRange::FromTo(131_000, 400_000), 131_000, 400_001),
        (
            ByteRange::FromTo(20 * MIB as u64, 21 * MIB as u64 + 7),
            20 * MIB,
            21 * MIB + 8,
        ),
        (ByteRange::From(last - 10), body.len() - 11, body.len()),
        (ByteRange::Suffix(5), body.len() - 5, body.len()),
    ] {
        let got = get(&f, &bucket, "big/object", Some(range)).await;
        assert!(got == body.slice(first..end), "{range:?}");
    }
    let whole = get(&f, &bucket, "big/object", None).await;
    assert!(whole == body, "the whole object differs");
    assert!(temporaries(&f.data()).is_empty());
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gone_mid_body_leaves_no_object_and_no_temporary_file() {
    let (f, bucket) = small_budget().await;
    put_old(&f, &bucket).await;
    // A signed PUT of 16 MiB whose client writes 3 MiB and goes away.
    let body = pattern(16 * MIB);
    let request = bucket
        .put_object(&PutObjectInput::new("k"), body.clone())
        .unwrap();
    let (parts, _) = f.client.sign(request).into_parts();
    let mut head = format!("PUT {} HTTP/1.1\r\n", parts.uri.path());
    for (name, value) in &parts.headers {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head.push_str("\r\n");
    let mut stream = tokio::net::TcpStream::connect(f.emulator.local_addr())
        .await
        .unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..3 * MIB]).await.unwrap();
    stream.flush().await.unwrap();
    // The body is on its way to the disk as it arrives, not held in memory.
    let data = f.data();
    eventually("a temporary file holds the body received", || {
        temporaries(&data).iter().any(|(_, len)| *len >= MIB as u64)
    })
    .await;
    drop(stream);
    eventually("the temporary file is removed", || {
        temporaries(&data).is_empty()
    })
    .await;
    assert_eq!(get(&f, &bucket, "k", None).await.as_ref(), b"old");
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_digest_on_a_multi_chunk_body_keeps_the_old_object() {
    let (f, bucket) = small_budget().await;
    put_old(&f, &bucket).await;
    let body = pattern(8 * MIB);
    let mut request = bucket
        .put_object(&PutObjectInput::new("k"), body.clone())
        .unwrap();
    // The digest of the body with its last byte changed.
    let mut other = body.to_vec();
    *other.last_mut().unwrap() ^= 1;
    let digest = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(&other))
    };
    request
        .headers_mut()
        .insert("content-md5", digest.parse().unwrap());
    let r = f.client.send_signed(request).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        String::from_utf8_lossy(r.body()).contains("<Code>BadDigest</Code>"),
        "{r:?}"
    );
    assert_eq!(get(&f, &bucket, "k", None).await.as_ref(), b"old");
    let data = f.data();
    eventually("no temporary file is left", || {
        temporaries(&data).is_empty()
    })
    .await;
    f.emulator.shutdown().await;
}
