//! The storage layer seen from outside: temporary files of interrupted writes are never
//! objects and are removed when the emulator starts, and a directory swapped for a link to an
//! outside directory while jobs run never lets a job change anything outside the data
//! directory. Every job is a signed CreateJob to the running emulator.
#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use bytes::Bytes;
use common::*;
use cos_batch_emulator::{Account, Config, Emulator};
use cos_batch_model::*;
use cos_batch_proto::object::{ListObjectsInput, PutObjectInput};
use http::StatusCode;

/// The `<Key>`s of a listing.
fn listed_keys(body: &[u8]) -> Vec<String> {
    let body = std::str::from_utf8(body).unwrap();
    body.split("<Key>")
        .skip(1)
        .filter_map(|s| s.split_once("</Key>").map(|(k, _)| k.to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporaries_of_interrupted_writes_are_never_objects_and_go_at_start() {
    let f = Fixture::new(|c| c).await;
    f.put_objects("src", &["a/x".to_owned(), "top".to_owned()]);
    f.emulator
        .set_object_meta("src", APPID, "a/x", &{
            let mut meta = cos_batch_emulator::ObjectMeta::default();
            meta.tags.insert("k".into(), "v".into());
            meta
        })
        .unwrap();
    let Fixture {
        dir,
        emulator,
        client: _,
    } = f;
    emulator.shutdown().await;

    // What a kill in the middle of writes leaves: temporary files beside objects and sidecars.
    let data = dir.path().join("data");
    let bucket = data.join(format!("src-{APPID}"));
    let left = [
        bucket.join(".cos-tmp-0123456789abcdef"),
        bucket.join("a/.cos-tmp-00000000000000ff"),
        bucket.join("a/.x.tmp-00000000000000ff"),
    ];
    for path in &left {
        std::fs::write(path, b"half an object").unwrap();
    }
    let sidecars = data.join(format!(".cos-meta/src-{APPID}"));
    let sidecar_dir = std::fs::read_dir(&sidecars)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(sidecar_dir.join(".cos-tmp-0000000000000001"), b"{").unwrap();

    let emulator = Emulator::start(Config::new(&data)).await.unwrap();
    let client = Client::new(&emulator, &Account::demo());
    for path in &left {
        assert!(!path.exists(), "{} is left", path.display());
    }
    assert_eq!(std::fs::read_dir(&sidecar_dir).unwrap().count(), 1);
    assert_eq!(
        emulator.object_meta("src", APPID, "a/x").unwrap().tags["k"],
        "v"
    );

    // One written while the emulator runs (a write in flight) is not listed, and no request
    // may name it.
    std::fs::write(bucket.join("a/.cos-tmp-00000000000000aa"), b"half").unwrap();
    let endpoint = client.bucket("src");
    let r = client
        .send_signed(endpoint.list_objects(&ListObjectsInput::default()).unwrap())
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(listed_keys(r.body()), ["a/x", "top"]);
    for request in [
        endpoint
            .get_object("a/.cos-tmp-00000000000000aa", None)
            .unwrap(),
        endpoint.head_object("a/.cos-tmp-00000000000000aa").unwrap(),
        endpoint
            .delete_object("a/.cos-tmp-00000000000000aa")
            .unwrap(),
    ] {
        let r = client.send_signed(request).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{r:?}");
    }
    assert!(bucket.join("a/.cos-tmp-00000000000000aa").exists());

    // Nor may a manifest row: the task fails, the file stays.
    let etag = emulator
        .put_object(
            "src",
            APPID,
            "manifest.csv",
            format!("src-{APPID},a/.cos-tmp-00000000000000aa\nsrc-{APPID},a/x\n").as_bytes(),
        )
        .unwrap();
    let manifest = Manifest::new(
        ManifestLocation::new(emulator.object_arn("src", APPID, "manifest.csv"), etag),
        ManifestSpec::new(
            ManifestFormat::CosBatchOperationsCsvV1,
            vec![ManifestField::Bucket, ManifestField::Key],
        ),
    );
    emulator.create_bucket("reports", APPID).unwrap();
    let report = Report::new(
        emulator.bucket_arn("reports", APPID),
        true,
        ReportScope::AllTasks,
    );
    let request = job(
        "temporaries",
        manifest,
        Operation::DeleteObject(DeleteObject::new()),
        1,
        report,
    );
    let id = client.create(&request).await;
    let ended = client.wait_end(&id).await;
    assert_eq!(progress(&ended), (1, 1, 2));
    let failed = read_csv(&data.join(format!("reports-{APPID}/job-{id}/results/failed.csv")));
    assert_eq!(failed[0][1], "a/.cos-tmp-00000000000000aa");
    assert_eq!(
        (failed[0][4].as_str(), failed[0][5].as_str()),
        ("InvalidObjectKey", "400")
    );
    assert!(bucket.join("a/.cos-tmp-00000000000000aa").exists());
    emulator.shutdown().await;
}

/// What can be seen of a directory tree without following links: each entry's kind, size,
/// modification time and (for files) content.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (String, u64, SystemTime, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut todo = vec![root.to_owned()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let m = std::fs::symlink_metadata(&path).unwrap();
            let content = if m.is_file() {
                std::fs::read(&path).unwrap()
            } else {
                Vec::new()
            };
            let kind = format!("{:?}", m.file_type());
            out.insert(
                path.strip_prefix(root).unwrap().to_owned(),
                (kind, m.len(), m.modified().unwrap(), content),
            );
            if m.is_dir() {
                todo.push(path);
            }
        }
    }
    out
}

/// Sets its flag when dropped.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Swaps `dir` with `link` (a link to an outside directory) and back, in a tight loop, until
/// `stop`; how many times. Each swap is one atomic `renameat2(RENAME_EXCHANGE)`, so `dir` is
/// always there: the real directory or the link.
fn swap_in_a_loop(
    dir: PathBuf,
    link: PathBuf,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<usize> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    std::thread::spawn(move || {
        let mut swaps = 0;
        while !stop.load(Ordering::Relaxed) {
            // The link in place, then the real directory, each for about as long.
            renameat_with(CWD, &dir, CWD, &link, RenameFlags::EXCHANGE).unwrap();
            std::thread::yield_now();
            renameat_with(CWD, &dir, CWD, &link, RenameFlags::EXCHANGE).unwrap();
            std::thread::yield_now();
            swaps += 1;
        }
        swaps
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_swapped_for_a_link_never_lets_a_job_out() {
    const KEYS: usize = 1000;
    let f = Fixture::new(|c| c.with_active_jobs(3)).await;
    // The copy and the tagging run over `dir/k*`, the delete over `dir/d*`: all three find
    // their objects while they run at the same time.
    let names: Vec<String> = keys("k", KEYS);
    let doomed: Vec<String> = keys("d", KEYS);
    let in_dir =
        |names: &[String]| -> Vec<String> { names.iter().map(|k| format!("dir/{k}")).collect() };
    f.put_objects("src", &in_dir(&names));
    f.put_objects("src", &in_dir(&doomed));
    // Keeps `dir` from being removed when the delete job empties it.
    f.put_objects("src", &["dir/keep/x".to_owned()]);

    // Outside the data directory: files with the names the jobs would reach through the link
    // (what a delete would remove, what a copy would overwrite).
    let outside = tempfile::tempdir().unwrap();
    for name in names.iter().chain(&doomed) {
        std::fs::write(outside.path().join(name), format!("outside {name}")).unwrap();
        std::fs::write(
            outside.path().join(format!("copy-{name}")),
            format!("outside copy-{name}"),
        )
        .unwrap();
    }
    std::fs::create_dir(outside.path().join("keep")).unwrap();
    let before = snapshot(outside.path());

    let bucket = f.data().join(format!("src-{APPID}"));
    let link = f.data().join(".swap-link");
    std::os::unix::fs::symlink(outside.path(), &link).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = swap_in_a_loop(bucket.join("dir"), link, stop.clone());
    // A failed assertion stops the swapper too, before the directories go.
    let _stop_on_failure = StopOnDrop(stop.clone());

    // The three jobs run at once over the keys under the swapped directory.
    let src = format!("src-{APPID}");
    let manifest = f.manifest("src", "manifest.csv", &rows(&src, &in_dir(&names)));
    let doomed_manifest = f.manifest("src", "doomed.csv", &rows(&src, &in_dir(&doomed)));
    let mut copy = PutObjectCopy::new(f.emulator.bucket_arn("src", APPID));
    copy.prefix_replace = Some(true);
    copy.resources_prefix = Some("dir/".into());
    copy.target_key_prefix = Some("dir/copy-".into());
    let ops = [
        ("copy", manifest.clone(), Operation::PutObjectCopy(copy)),
        ("tag", manifest, tagging(&[("swapped", "yes")])),
        (
            "delete",
            doomed_manifest,
            Operation::DeleteObject(DeleteObject::new()),
        ),
    ];
    let mut ids = Vec::new();
    for (token, manifest, op) in ops {
        let request = job(token, manifest, op, 1, no_report(&f));
        ids.push(f.client.create(&request).await);
    }
    // Meanwhile the object API writes, reads and deletes under the swapped directory too.
    let endpoint = f.client.bucket("src");
    let mut api_ok = 0;
    for i in 0..300 {
        let put = endpoint
            .put_object(
                &PutObjectInput::new(format!("dir/copy-{}", doomed[i])),
                Bytes::from_static(b"inside"),
            )
            .unwrap();
        let got = endpoint.get_object(&in_dir(&names)[i], None).unwrap();
        let deleted = endpoint
            .delete_object(&in_dir(&doomed)[KEYS - 1 - i])
            .unwrap();
        for request in [put, got, deleted] {
            let r = f.client.send_signed(request).await;
            assert!(!r.body().starts_with(b"outside"), "read through the link");
            api_ok += usize::from(r.status().is_success());
        }
    }
    let mut succeeded = Vec::new();
    for id in &ids {
        let ended = f.client.wait_end(id).await;
        // A job whose tasks mostly met the link may end Failed; what matters is below.
        succeeded.push(progress(&ended).0);
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(swaps > 0);

    eprintln!(
        "{swaps} swaps; tasks succeeded by copy, tagging, delete: {succeeded:?}; \
         {api_ok} of 900 object calls succeeded"
    );
    let after = snapshot(outside.path());
    let changed: Vec<_> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(
        changed.is_empty(),
        "{} entries outside the data directory changed ({swaps} swaps; tasks succeeded by \
         copy, tagging, delete: {succeeded:?}), e.g. {:?}",
        changed.len(),
        &changed[..changed.len().min(5)]
    );
    // Nor was anything read through the link: no object holds outside bytes.
    for (path, (_, _, _, content)) in snapshot(&bucket) {
        assert!(
            !content.starts_with(b"outside"),
            "{} was copied from outside",
            path.display()
        );
    }
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_objects_are_streamed_whole_and_by_range() {
    let f = Fixture::new(|c| c).await;
    // Several chunks of the stream (64 KiB each) and a partial one.
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let etag = f
        .emulator
        .put_object("big", APPID, "blob", &content)
        .unwrap();
    let bucket = f.client.bucket("big");
    let whole = f
        .client
        .send_signed(bucket.get_object("blob", None).unwrap())
        .await;
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.headers()["content-length"], "300000");
    assert_eq!(whole.headers()["etag"], format!("\"{etag}\""));
    assert!(whole.body()[..] == content[..]);
    let range = cos_batch_proto::object::ByteRange::parse("bytes=65000-200000").unwrap();
    let part = f
        .client
        .send_signed(bucket.get_object("blob", Some(range)).unwrap())
        .await;
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.headers()["content-length"], "135001");
    assert_eq!(part.headers()["content-range"], "bytes 65000-200000/300000");
    assert!(part.body()[..] == content[65_000..=200_000]);
    f.emulator.shutdown().await;
}
