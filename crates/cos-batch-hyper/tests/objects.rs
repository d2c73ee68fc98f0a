//! The object calls of `Client::bucket` against the running emulator: each sends a signed
//! request, and each error comes back typed.

mod support;

use bytes::Bytes;
use cos_batch_hyper::object::{ListObjectsInput, PutObjectInput};
use cos_batch_hyper::{Client, Credentials, Error};
use futures_util::TryStreamExt as _;
use support::EmulatorSetup;

fn code(e: &Error) -> String {
    e.service()
        .map(|s| s.code().as_str().to_owned())
        .unwrap_or_else(|| format!("not a service error: {e}"))
}

#[tokio::test]
async fn buckets_are_made_and_checked() {
    let s = EmulatorSetup::start().await;
    let bucket = s.client.bucket(&s.full("made")).unwrap();
    let e = bucket.head_bucket().await.unwrap_err();
    assert_eq!(code(&e), "NoSuchBucket");
    assert_eq!(e.service().unwrap().status(), 404);
    bucket.put_bucket().await.unwrap();
    bucket.head_bucket().await.unwrap();
    let e = bucket.put_bucket().await.unwrap_err();
    assert_eq!(code(&e), "BucketAlreadyExists");
    assert!(s.client.bucket("no-appid").is_err());
}

#[tokio::test]
async fn objects_are_put_read_in_chunks_and_deleted() {
    let s = EmulatorSetup::start().await;
    let bucket = s.client.bucket(&s.full("objs")).unwrap();
    bucket.put_bucket().await.unwrap();
    let body: Vec<u8> = (0..100u8).collect();
    let etag = bucket
        .put_object(
            &PutObjectInput::new("dir/a b+c.bin"),
            Bytes::from(body.clone()),
        )
        .await
        .unwrap();
    // The quoted MD5 hex of the body, as COS gives it.
    assert!(is_quoted_md5(&etag), "{etag}");
    let head = bucket.head_object("dir/a b+c.bin").await.unwrap();
    assert_eq!((head.size, head.etag.as_str()), (100, etag.as_str()));
    let got = bucket.get_object("dir/a b+c.bin").await.unwrap();
    assert_eq!(got.body, body);
    assert_eq!(got.head.etag, etag);
    // Chunk by chunk: 15 ranged GETs of 7 bytes, the same bytes.
    let chunks: Vec<Bytes> = bucket
        .get_object_chunks("dir/a b+c.bin", 7)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(chunks.len(), 15);
    assert!(chunks.iter().all(|c| c.len() <= 7));
    assert_eq!(chunks.concat(), body);
    // An empty object streams no chunk.
    bucket
        .put_object(&PutObjectInput::new("empty"), Bytes::new())
        .await
        .unwrap();
    let none: Vec<Bytes> = bucket
        .get_object_chunks("empty", 7)
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());

    // Chunks never exceed what the client accepts in one response.
    let small = Client::builder()
        .endpoint(s.handle.endpoint(&s.account))
        .credentials(s.account.credentials())
        .max_response_body(10)
        .build()
        .unwrap();
    let chunks: Vec<Bytes> = small
        .bucket(&s.full("objs"))
        .unwrap()
        .get_object_chunks("dir/a b+c.bin", 1 << 20)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(chunks.len(), 10);
    assert_eq!(chunks.concat(), body);

    bucket.delete_object("dir/a b+c.bin").await.unwrap();
    for e in [
        bucket.head_object("dir/a b+c.bin").await.unwrap_err(),
        bucket.get_object("dir/a b+c.bin").await.unwrap_err(),
        bucket
            .get_object_chunks("dir/a b+c.bin", 7)
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err(),
    ] {
        assert_eq!(code(&e), "NoSuchKey", "{e}");
    }
    let missing = s.client.bucket(&s.full("nobucket")).unwrap();
    let e = missing
        .put_object(&PutObjectInput::new("k"), Bytes::from_static(b"x"))
        .await
        .unwrap_err();
    assert_eq!(code(&e), "NoSuchBucket");
}

#[tokio::test]
async fn files_are_put_and_unreadable_files_are_typed() {
    let s = EmulatorSetup::start().await;
    let bucket = s.client.bucket(&s.full("files")).unwrap();
    bucket.put_bucket().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.csv");
    std::fs::write(&path, b"b-1,k\n").unwrap();
    let etag = bucket
        .put_object_file(&PutObjectInput::new("m.csv"), &path)
        .await
        .unwrap();
    // The MD5 of `b-1,k\n`.
    assert_eq!(etag, "\"b6cc9c287025f7c7c02cffb9e8d99cd3\"");
    let e = bucket
        .put_object_file(&PutObjectInput::new("m.csv"), &dir.path().join("nope"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::File { .. }), "{e:?}");
    assert!(e.to_string().contains("nope"), "{e}");
}

#[tokio::test]
async fn listings_stream_page_by_page() {
    let s = EmulatorSetup::start().await;
    let appid = s.account.appid.clone();
    for i in 0..250 {
        s.handle
            .put_object("many", &appid, &format!("in/{i:04}"), b"x")
            .unwrap();
    }
    s.handle.put_object("many", &appid, "out/x", b"x").unwrap();
    let bucket = s.client.bucket(&s.full("many")).unwrap();
    let mut input = ListObjectsInput::default();
    input.prefix = "in/".into();
    input.max_keys = 100;
    let page = bucket.list_objects(&input).await.unwrap();
    assert_eq!(page.contents.len(), 100);
    assert!(page.is_truncated);
    let pages: Vec<_> = bucket
        .list_objects_pages(input.clone())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    let keys: Vec<String> = bucket
        .list_objects_stream(input)
        .map_ok(|o| o.key)
        .try_collect()
        .await
        .unwrap();
    let expected: Vec<String> = (0..250).map(|i| format!("in/{i:04}")).collect();
    assert_eq!(keys, expected);
    let e = s
        .client
        .bucket(&s.full("nolist"))
        .unwrap()
        .list_objects(&ListObjectsInput::default())
        .await
        .unwrap_err();
    assert_eq!(code(&e), "NoSuchBucket");
}

#[tokio::test]
async fn a_wrong_key_is_refused() {
    let s = EmulatorSetup::start().await;
    s.handle.create_bucket("locked", &s.account.appid).unwrap();
    let intruder = Client::builder()
        .endpoint(s.handle.endpoint(&s.account))
        .credentials(Credentials::new(s.account.secret_id.clone(), "wrong"))
        .build()
        .unwrap();
    let bucket = intruder.bucket(&s.full("locked")).unwrap();
    let e = bucket.head_bucket().await.unwrap_err();
    assert_eq!(e.service().unwrap().status(), 403, "{e}");
    assert_eq!(code(&e), "AccessDenied");
    let e = bucket
        .list_objects(&ListObjectsInput::default())
        .await
        .unwrap_err();
    assert_eq!(e.service().unwrap().status(), 403, "{e}");
}

#[tokio::test]
async fn object_calls_are_retried_through_injected_503s() {
    let faults = cos_batch_emulator::Faults::new()
        .with_share_503(0.3)
        .with_seed(7);
    let retry = support::quick_retries().with_max_attempts(12);
    let s = EmulatorSetup::with_faults(faults, retry).await;
    s.handle.create_bucket("flaky", &s.account.appid).unwrap();
    let bucket = s.client.bucket(&s.full("flaky")).unwrap();
    for i in 0..10 {
        let key = format!("k{i}");
        let body = Bytes::from(format!("body {i}"));
        let etag = bucket
            .put_object(&PutObjectInput::new(key.clone()), body.clone())
            .await
            .unwrap();
        assert_eq!(bucket.head_object(&key).await.unwrap().etag, etag);
        assert_eq!(bucket.get_object(&key).await.unwrap().body, body);
    }
    let listed = bucket
        .list_objects(&ListObjectsInput::default())
        .await
        .unwrap();
    assert_eq!(listed.contents.len(), 10);
}

#[tokio::test]
async fn an_object_that_changes_while_it_is_read_in_chunks_ends_the_stream() {
    use futures_util::StreamExt as _;
    let s = EmulatorSetup::start().await;
    s.handle.create_bucket("moving", &s.account.appid).unwrap();
    let bucket = s.client.bucket(&s.full("moving")).unwrap();
    let input = PutObjectInput::new("k");
    bucket
        .put_object(&input, Bytes::from(vec![b'a'; 20]))
        .await
        .unwrap();
    let mut chunks = std::pin::pin!(bucket.get_object_chunks("k", 5));
    assert_eq!(chunks.next().await.unwrap().unwrap(), &b"aaaaa"[..]);
    bucket
        .put_object(&input, Bytes::from(vec![b'b'; 20]))
        .await
        .unwrap();
    let e = chunks.next().await.unwrap().unwrap_err();
    assert_eq!(code(&e), "PreconditionFailed", "{e}");
    assert!(chunks.next().await.is_none());
}

#[test]
fn a_real_endpoint_addresses_buckets_virtual_hosted() {
    let client = Client::builder()
        .endpoint(
            cos_batch_hyper::Endpoint::new("100000000001", "ap-chengdu", "1250000000").unwrap(),
        )
        .credentials(Credentials::new("AKIDx", "k"))
        .build()
        .unwrap();
    let bucket = client.bucket("photos-1250000000").unwrap();
    assert_eq!(
        bucket.endpoint().authority(),
        "photos-1250000000.cos.ap-chengdu.myqcloud.com"
    );
    assert_eq!(bucket.region(), Some("ap-chengdu"));
}

fn is_quoted_md5(etag: &str) -> bool {
    etag.len() == 34
        && etag.starts_with('"')
        && etag.ends_with('"')
        && etag[1..33].bytes().all(|b| b.is_ascii_hexdigit())
}
