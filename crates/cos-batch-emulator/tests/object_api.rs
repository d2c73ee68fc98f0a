//! The object API on the emulator's port: every call and every error, each a signed request to
//! the running emulator.

mod common;

use bytes::Bytes;
use common::*;
use cos_batch_emulator::Account;
use cos_batch_model::{
    Manifest, ManifestField, ManifestFormat, ManifestLocation, ManifestSpec, Report, ReportScope,
};
use cos_batch_proto::object::{
    BucketEndpoint, ByteRange, ListObjectsInput, ListObjectsOutput, PutObjectInput,
};
use http::{Response, StatusCode};

/// The `<Code>` of an error document.
fn code(response: &Response<Bytes>) -> String {
    texts(response, "Code")
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// The texts of every `<name>` element of a response body, in order.
fn texts(response: &Response<Bytes>, name: &str) -> Vec<String> {
    let body = std::str::from_utf8(response.body()).unwrap();
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    body.split(&open)
        .skip(1)
        .filter_map(|s| s.split_once(&close).map(|(t, _)| t.to_owned()))
        .collect()
}

fn md5_etag(bytes: &[u8]) -> String {
    use md5::Digest;
    let d = md5::Md5::digest(bytes);
    format!(
        "\"{}\"",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// A fixture with bucket `photos-{APPID}` created through PUT Bucket.
async fn with_bucket() -> (Fixture, BucketEndpoint) {
    let f = Fixture::new(|c| c).await;
    let bucket = f.client.bucket("photos");
    let r = f.client.send_signed(bucket.put_bucket().unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK, "{r:?}");
    (f, bucket)
}

async fn put(f: &Fixture, bucket: &BucketEndpoint, key: &str, body: &[u8]) -> Response<Bytes> {
    let request = bucket
        .put_object(&PutObjectInput::new(key), Bytes::copy_from_slice(body))
        .unwrap();
    f.client.send_signed(request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buckets_are_created_and_headed() {
    let (f, bucket) = with_bucket().await;
    assert!(f.data().join(format!("photos-{APPID}")).is_dir());
    let r = f.client.send_signed(bucket.head_bucket().unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key("x-cos-request-id"));

    let again = f.client.send_signed(bucket.put_bucket().unwrap()).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(code(&again), "BucketAlreadyExists");

    let missing = f.client.bucket("nothing");
    let r = f.client.send_signed(missing.head_bucket().unwrap()).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_are_put_got_headed_and_deleted() {
    let (f, bucket) = with_bucket().await;
    let mut input = PutObjectInput::new("2024/cat.jpg");
    input
        .user_metadata
        .push(("x-cos-meta-owner".into(), "alice".into()));
    input.storage_class = Some("STANDARD_IA".into());
    input.tags = vec![("pet".into(), "cat".into()), ("a b".into(), "c&d".into())];
    input.content_type = Some("image/jpeg".into());
    let first = f
        .client
        .send_signed(
            bucket
                .put_object(&input, Bytes::from_static(b"meow"))
                .unwrap(),
        )
        .await;
    assert_eq!(first.status(), StatusCode::OK, "{first:?}");
    assert_eq!(first.headers()["etag"], md5_etag(b"meow").as_str());
    let meta = f
        .emulator
        .object_meta("photos", APPID, "2024/cat.jpg")
        .unwrap();
    assert_eq!(meta.tags["pet"], "cat");
    assert_eq!(meta.tags["a b"], "c&d");
    assert_eq!(meta.storage_class.as_deref(), Some("STANDARD_IA"));

    let got = f
        .client
        .send_signed(bucket.get_object("2024/cat.jpg", None).unwrap())
        .await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.body().as_ref(), b"meow");
    assert_eq!(got.headers()["etag"], md5_etag(b"meow").as_str());
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    assert_eq!(got.headers()["x-cos-meta-owner"], "alice");

    let head = f
        .client
        .send_signed(bucket.head_object("2024/cat.jpg").unwrap())
        .await;
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["content-length"], "4");
    assert_eq!(head.headers()["x-cos-storage-class"], "STANDARD_IA");
    assert_eq!(head.headers()["x-cos-tagging-count"], "2");
    assert_eq!(head.headers()["x-cos-meta-owner"], "alice");
    assert!(head.body().is_empty());

    // A second PUT replaces the bytes and the metadata.
    let again = put(&f, &bucket, "2024/cat.jpg", b"purr").await;
    assert_eq!(again.headers()["etag"], md5_etag(b"purr").as_str());
    assert!(
        f.emulator
            .object_meta("photos", APPID, "2024/cat.jpg")
            .unwrap()
            .is_empty()
    );

    let deleted = f
        .client
        .send_signed(bucket.delete_object("2024/cat.jpg").unwrap())
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = f
        .client
        .send_signed(bucket.get_object("2024/cat.jpg", None).unwrap())
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert_eq!(code(&gone), "NoSuchKey");
    let head = f
        .client
        .send_signed(bucket.head_object("2024/cat.jpg").unwrap())
        .await;
    assert_eq!(head.status(), StatusCode::NOT_FOUND);
    // Deleting what is not there succeeds, as in COS.
    let deleted = f
        .client
        .send_signed(bucket.delete_object("2024/cat.jpg").unwrap())
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn virtual_hosted_requests_name_the_bucket_by_host() {
    let (f, _) = with_bucket().await;
    let vhost = BucketEndpoint::new(&format!("photos-{APPID}"), "ap-guangzhou").unwrap();
    let put = f
        .client
        .send_signed(
            vhost
                .put_object(&PutObjectInput::new("a b/c.txt"), Bytes::from_static(b"hi"))
                .unwrap(),
        )
        .await;
    assert_eq!(put.status(), StatusCode::OK, "{put:?}");
    assert_eq!(
        std::fs::read(f.data().join(format!("photos-{APPID}/a b/c.txt"))).unwrap(),
        b"hi"
    );
    let got = f
        .client
        .send_signed(vhost.get_object("a b/c.txt", None).unwrap())
        .await;
    assert_eq!(got.body().as_ref(), b"hi");
    // The batch API still answers on the same port.
    f.timed_normal_request().await;
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranges_are_served_or_refused() {
    let (f, bucket) = with_bucket().await;
    put(&f, &bucket, "digits", b"0123456789").await;
    let get = |range: Option<ByteRange>| {
        let request = bucket.get_object("digits", range).unwrap();
        f.client.send_signed(request)
    };
    for (range, body, content_range) in [
        (ByteRange::FromTo(2, 4), "234", "bytes 2-4/10"),
        (ByteRange::FromTo(8, 100), "89", "bytes 8-9/10"),
        (ByteRange::From(7), "789", "bytes 7-9/10"),
        (ByteRange::Suffix(3), "789", "bytes 7-9/10"),
    ] {
        let r = get(Some(range)).await;
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT, "{range:?}");
        assert_eq!(r.body().as_ref(), body.as_bytes(), "{range:?}");
        assert_eq!(r.headers()["content-range"], content_range);
    }
    let r = get(Some(ByteRange::From(10))).await;
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(code(&r), "InvalidRange");
    // A malformed range is ignored: the whole object.
    let mut request = bucket.get_object("digits", None).unwrap();
    request
        .headers_mut()
        .insert("range", "bytes=5-2".parse().unwrap());
    let r = f.client.send_signed(request).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.body().as_ref(), b"0123456789");
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_md5_is_optional_and_checked_when_present() {
    let (f, bucket) = with_bucket().await;
    let request = |body: &'static [u8], md5: Option<&str>| {
        let mut r = bucket
            .put_object(&PutObjectInput::new("k"), Bytes::from_static(body))
            .unwrap();
        match md5 {
            Some(v) => r.headers_mut().insert("content-md5", v.parse().unwrap()),
            None => r.headers_mut().remove("content-md5"),
        };
        r
    };
    let without = f.client.send_signed(request(b"abc", None)).await;
    assert_eq!(without.status(), StatusCode::OK, "{without:?}");
    assert_eq!(without.headers()["etag"], md5_etag(b"abc").as_str());

    let invalid = f
        .client
        .send_signed(request(b"abc", Some("not-base64!")))
        .await;
    assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);
    assert_eq!(code(&invalid), "InvalidDigest");

    // The MD5 of "xyz", sent with "abc".
    let other = "0QWQkJ8YRvxNnS8W0/Nkmw==";
    let bad = f.client.send_signed(request(b"abc", Some(other))).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(code(&bad), "BadDigest");
    // Nothing of the refused PUTs was stored.
    let got = f
        .client
        .send_signed(bucket.get_object("k", None).unwrap())
        .await;
    assert_eq!(got.body().as_ref(), b"abc");
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_buckets_are_no_such_bucket() {
    let f = Fixture::new(|c| c).await;
    let bucket = f.client.bucket("nothing");
    for request in [
        bucket
            .put_object(&PutObjectInput::new("k"), Bytes::from_static(b"x"))
            .unwrap(),
        bucket.get_object("k", None).unwrap(),
        bucket.list_objects(&ListObjectsInput::default()).unwrap(),
        bucket.delete_object("k").unwrap(),
    ] {
        let what = format!("{} {}", request.method(), request.uri());
        let r = f.client.send_signed(request).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{what}");
        assert_eq!(code(&r), "NoSuchBucket", "{what}");
    }
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_accounts_buckets_are_access_denied() {
    let other = Account::new("100000000002", "1250000001", "AKIDother", "other-secret");
    let f = Fixture::new(|c| c.with_account(Account::demo()).with_account(other.clone())).await;
    f.emulator.create_bucket("theirs", "1250000001").unwrap();
    f.emulator
        .put_object("theirs", "1250000001", "secret.txt", b"x")
        .unwrap();
    let base = f.emulator.base_url();
    for name in ["theirs-1250000001", "nobody-999"] {
        let theirs = BucketEndpoint::with_base_url(&base, name).unwrap();
        for request in [
            theirs.head_bucket().unwrap(),
            theirs.put_bucket().unwrap(),
            theirs.get_object("secret.txt", None).unwrap(),
            theirs.delete_object("secret.txt").unwrap(),
            theirs
                .put_object(&PutObjectInput::new("k"), Bytes::from_static(b"x"))
                .unwrap(),
            theirs.list_objects(&ListObjectsInput::default()).unwrap(),
        ] {
            let what = format!("{} {}", request.method(), request.uri());
            let r = f.client.send_signed(request).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{what}");
            if r.body().is_empty() {
                continue; // HEAD
            }
            assert_eq!(code(&r), "AccessDenied", "{what}");
        }
    }
    assert!(f.data().join("theirs-1250000001/secret.txt").is_file());
    // Unsigned requests are refused too.
    let mine = f.client.bucket("photos");
    let r = f.client.send(mine.put_bucket().unwrap()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(code(&r), "AccessDenied");
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_objects_are_entity_too_large() {
    // COS's limit for one PUT bounds an object body, not the body budget (here its least,
    // 1 MiB): the body is streamed to disk.
    let f = Fixture::new(|c| c.with_body_budget(0)).await;
    let bucket = f.client.bucket("photos");
    f.client.send_signed(bucket.put_bucket().unwrap()).await;
    let mut request = bucket
        .put_object(&PutObjectInput::new("big"), Bytes::new())
        .unwrap();
    request.headers_mut().remove("content-md5");
    request.headers_mut().insert(
        "content-length",
        (cos_batch_emulator::MAX_OBJECT_SIZE + 1).into(),
    );
    let (parts, _) = f.client.sign(request).into_parts();
    // The emulator answers from the head: write the head alone.
    let answer = send_head_alone(f.emulator.local_addr(), &parts).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("<Code>EntityTooLarge</Code>"), "{answer}");
    // A body three times the budget is taken.
    let r = put(&f, &bucket, "fits", &vec![7; 3 * 1024 * 1024]).await;
    assert_eq!(r.status(), StatusCode::OK, "{r:?}");
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_have_their_codes() {
    let (f, bucket) = with_bucket().await;
    let base = f.emulator.base_url();
    let send = |method: &str, path: &str| {
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{base}{path}"))
            .header("content-length", "0")
            .body(Bytes::new())
            .unwrap();
        f.client.send_signed(request)
    };
    for (method, path, status, expected) in [
        // Keys that could leave the bucket.
        (
            "PUT",
            "/photos-1250000000/a/../../x",
            400,
            "InvalidArgument",
        ),
        ("GET", "/photos-1250000000/%2e%2e/x", 400, "InvalidArgument"),
        ("PUT", "/photos-1250000000/a//b", 400, "InvalidArgument"),
        ("PUT", "/photos-1250000000/a%252fb", 400, "InvalidArgument"),
        ("GET", "/photos-1250000000/%FF", 400, "InvalidURI"),
        ("GET", "/photos/k", 400, "InvalidBucketName"),
        (
            "GET",
            "/photos-1250000000?max-keys=1001",
            400,
            "InvalidArgument",
        ),
        (
            "GET",
            "/photos-1250000000?encoding-type=xml",
            400,
            "InvalidArgument",
        ),
        ("POST", "/photos-1250000000/k", 405, "MethodNotAllowed"),
        ("DELETE", "/photos-1250000000", 405, "MethodNotAllowed"),
        ("GET", "/photos-1250000000/k?acl", 501, "NotImplemented"),
    ] {
        let r = send(method, path).await;
        assert_eq!(r.status().as_u16(), status, "{method} {path}: {r:?}");
        assert_eq!(code(&r), expected, "{method} {path}");
    }
    let mut input = PutObjectInput::new("k");
    input.storage_class = Some("GOLD".into());
    let r = f
        .client
        .send_signed(bucket.put_object(&input, Bytes::new()).unwrap())
        .await;
    assert_eq!(code(&r), "InvalidArgument");
    // A key cannot be both an object and a prefix here.
    put(&f, &bucket, "a", b"x").await;
    let r = put(&f, &bucket, "a/b", b"y").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(code(&r), "InvalidArgument");
    // Nothing left the bucket.
    assert!(!f.data().join("x").exists());
    assert!(!f.dir.path().join("x").exists());
    f.emulator.shutdown().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_cannot_reach_through_links() {
    let (f, bucket) = with_bucket().await;
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"s").unwrap();
    std::os::unix::fs::symlink(
        outside.path(),
        f.data().join(format!("photos-{APPID}/link")),
    )
    .unwrap();
    let r = put(&f, &bucket, "link/new", b"x").await;
    assert_eq!(code(&r), "InvalidArgument");
    for request in [
        bucket.get_object("link/secret", None).unwrap(),
        bucket.delete_object("link/secret").unwrap(),
    ] {
        let r = f.client.send_signed(request).await;
        assert_eq!(code(&r), "InvalidArgument");
    }
    assert!(!outside.path().join("new").exists());
    assert!(outside.path().join("secret").exists());
    // Links are not listed.
    let r = f
        .client
        .send_signed(bucket.list_objects(&ListObjectsInput::default()).unwrap())
        .await;
    assert!(texts(&r, "Key").is_empty(), "{r:?}");
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buckets_are_listed_in_pages() {
    let (f, bucket) = with_bucket().await;
    for key in ["a/1", "a/2", "a/b/3", "b", "c d/e", "z"] {
        put(&f, &bucket, key, key.as_bytes()).await;
    }
    // A temporary file of an interrupted write is not an object.
    std::fs::write(
        f.data()
            .join(format!("photos-{APPID}/.b.tmp-0123456789abcdef")),
        b"partial",
    )
    .unwrap();
    let list = |input: ListObjectsInput| {
        let request = bucket.list_objects(&input).unwrap();
        f.client.send_signed(request)
    };
    let all = list(ListObjectsInput::default()).await;
    assert_eq!(all.status(), StatusCode::OK);
    assert_eq!(
        texts(&all, "Key"),
        ["a/1", "a/2", "a/b/3", "b", "c d/e", "z"]
    );
    assert_eq!(texts(&all, "Name"), [format!("photos-{APPID}")]);
    assert_eq!(texts(&all, "IsTruncated"), ["false"]);
    assert_eq!(
        texts(&all, "ETag")[3],
        md5_etag(b"b").replace('"', "&quot;")
    );
    assert_eq!(texts(&all, "Size")[0], "3");
    assert_eq!(texts(&all, "StorageClass")[0], "STANDARD");

    let modified = &texts(&all, "LastModified")[0];
    assert!(
        modified.len() == 24 && modified.ends_with(".000Z"),
        "{modified}"
    );
    // max-keys=0 lists nothing, and says there is more.
    let mut none = ListObjectsInput::default();
    none.max_keys = 0;
    let r = list(none).await;
    assert!(texts(&r, "Key").is_empty());
    assert_eq!(texts(&r, "IsTruncated"), ["true"]);

    let mut input = ListObjectsInput::default();
    input.delimiter = "/".into();
    let r = list(input.clone()).await;
    assert_eq!(texts(&r, "Key"), ["b", "z"]);
    // Name, then each common prefix's.
    assert_eq!(texts(&r, "Prefix"), ["", "a/", "c d/"]);

    input.prefix = "a/".into();
    let r = list(input.clone()).await;
    assert_eq!(texts(&r, "Key"), ["a/1", "a/2"]);
    assert_eq!(texts(&r, "Prefix"), ["a/", "a/b/"]);

    let mut paged = ListObjectsInput::default();
    paged.max_keys = 4;
    let r = list(paged.clone()).await;
    assert_eq!(texts(&r, "Key"), ["a/1", "a/2", "a/b/3", "b"]);
    assert_eq!(texts(&r, "IsTruncated"), ["true"]);
    assert_eq!(texts(&r, "NextMarker"), ["b"]);
    paged.marker = "b".into();
    let r = list(paged).await;
    assert_eq!(texts(&r, "Key"), ["c d/e", "z"]);
    assert_eq!(texts(&r, "IsTruncated"), ["false"]);
    assert!(texts(&r, "NextMarker").is_empty());

    let mut encoded = ListObjectsInput::default();
    encoded.encoding_url = true;
    encoded.prefix = "c ".into();
    let r = list(encoded).await;
    assert_eq!(texts(&r, "Key"), ["c%20d%2Fe"]);
    assert_eq!(texts(&r, "EncodingType"), ["url"]);
    // The client's decoder reads it back, decoded.
    let page = ListObjectsOutput::decode_response(&r).unwrap();
    assert_eq!(page.contents[0].key, "c d/e");
    assert_eq!(page.contents[0].etag, md5_etag(b"c d/e"));
    assert_eq!(page.contents[0].size, 5);
    assert_eq!(page.input.prefix, "c ");
    let missing = f
        .client
        .send_signed(
            f.client
                .bucket("nothing")
                .list_objects(&ListObjectsInput::default())
                .unwrap(),
        )
        .await;
    let error = ListObjectsOutput::decode_response(&missing).unwrap_err();
    assert_eq!(error.as_service().unwrap().code().as_str(), "NoSuchBucket");
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_objects_feed_a_job() {
    // The whole workflow through the object API: objects and manifest in, report out.
    let (f, bucket) = with_bucket().await;
    put(&f, &bucket, "cat", b"meow").await;
    let manifest = format!("photos-{APPID},cat\n");
    let etag = put(&f, &bucket, "manifest.csv", manifest.as_bytes())
        .await
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let reports = f.client.bucket("reports");
    f.client.send_signed(reports.put_bucket().unwrap()).await;
    let m = Manifest::new(
        ManifestLocation::new(f.emulator.object_arn("photos", APPID, "manifest.csv"), etag),
        ManifestSpec::new(
            ManifestFormat::CosBatchOperationsCsvV1,
            vec![ManifestField::Bucket, ManifestField::Key],
        ),
    );
    let report = Report::new(
        f.emulator.bucket_arn("reports", APPID),
        true,
        ReportScope::AllTasks,
    );
    let id = f
        .client
        .create(&job("t", m, tagging(&[("pet", "yes")]), 10, report))
        .await;
    f.client.wait_end(&id).await;
    let r = f
        .client
        .send_signed(
            reports
                .get_object(&format!("job-{id}/results/succeeded.csv"), None)
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{r:?}");
    assert!(
        std::str::from_utf8(r.body())
            .unwrap()
            .contains("cat,,succeeded"),
        "{r:?}"
    );
    f.emulator.shutdown().await;
}
