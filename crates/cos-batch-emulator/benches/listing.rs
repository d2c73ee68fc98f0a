//! GET Bucket over buckets of 100,000 keys: one page of 1,000 keys from the middle chosen
//! through the storage layer, by the lazy key walk (`walk`, what the object API does) and by
//! what it replaced (`sort_all`: every key of the bucket read and sorted, then the page chosen,
//! the algorithm of the removed `Bucket::keys`, here with `std::fs`); for a flat bucket (one
//! directory of 100,000 keys) and a nested one (100 directories of 1,000). Then, printed: the
//! time to list all 100,000 keys page by page through the wire (signed GET Bucket requests to
//! the running emulator, each page with its ETags, sizes and dates).
//!
//! `cargo bench -p cos-batch-emulator --bench listing`

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use cos_batch_emulator::test_util::{TestEmulator, list_page};
use cos_batch_proto::object::{BucketEndpoint, ListObjectsInput, ListObjectsOutput, Page};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const KEYS: usize = 100_000;
const PAGE: usize = 1_000;

/// The layouts: bucket name and its keys.
fn layouts() -> [(&'static str, Vec<String>); 2] {
    [
        ("flat", (0..KEYS).map(|i| format!("k{i:06}")).collect()),
        (
            "nested",
            (0..KEYS)
                .map(|i| format!("d{:03}/k{:03}", i / 1000, i % 1000))
                .collect(),
        ),
    ]
}

/// Every key below `dir` as `prefix` + its path, in no order (as the removed `collect_keys`).
fn collect_keys(dir: &Path, prefix: &str, keys: &mut Vec<String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            collect_keys(&entry.path(), &format!("{prefix}{name}/"), keys);
        } else if kind.is_file() && !name.starts_with(".cos-tmp-") {
            keys.push(format!("{prefix}{name}"));
        }
    }
}

/// The page the way GET Bucket chose it before the walk: all keys, sorted, then selected.
fn sort_all(bucket_dir: &Path, input: &ListObjectsInput) -> Page<String> {
    let mut keys = Vec::new();
    collect_keys(bucket_dir, "", &mut keys);
    keys.sort_unstable();
    input.select(keys.into_iter())
}

/// Lists the whole bucket through the wire, page by page; the keys listed and the pages.
async fn list_all_by_wire(test: &TestEmulator, bucket: &BucketEndpoint) -> (usize, usize) {
    let client = test.client();
    let mut input = ListObjectsInput::default();
    input.max_keys = PAGE;
    let (mut keys, mut pages) = (0, 0);
    loop {
        let request = client.sign(bucket.list_objects(&input).unwrap()).unwrap();
        let response = client.send(request).await.unwrap();
        let page = ListObjectsOutput::decode_response(&response).unwrap();
        keys += page.contents.len();
        pages += 1;
        match page.next_marker {
            Some(next) if page.is_truncated => input.marker = next,
            _ => return (keys, pages),
        }
    }
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let test = runtime.block_on(TestEmulator::start(|c| c)).unwrap();
    let appid = test.account().appid.clone();
    let data = test.data_dir();
    let mut group = c.benchmark_group(format!("list_page_{PAGE}_of_{KEYS}"));
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(PAGE as u64));
    let mut wire = Vec::new();
    for (name, keys) in layouts() {
        let started = Instant::now();
        test.put_objects(name, &keys).unwrap();
        eprintln!("{name}: {KEYS} objects put in {:.1?}", started.elapsed());
        let mut input = ListObjectsInput::default();
        input.max_keys = PAGE;
        input.marker = keys[KEYS / 2].clone();
        let bucket_dir = data.join(test.bucket_name(name));
        let walked = list_page(&data, name, &appid, &input).unwrap();
        assert_eq!(walked, sort_all(&bucket_dir, &input));
        assert_eq!(walked.keys[..], keys[KEYS / 2 + 1..KEYS / 2 + 1 + PAGE]);
        group.bench_function(format!("{name}/walk"), |b| {
            b.iter(|| list_page(&data, name, &appid, &input).unwrap());
        });
        group.bench_function(format!("{name}/sort_all"), |b| {
            b.iter(|| sort_all(&bucket_dir, &input));
        });
        let endpoint = BucketEndpoint::with_base_url(
            &test.client().endpoint().base_url(),
            &test.bucket_name(name),
        )
        .unwrap();
        let started = Instant::now();
        let (listed, pages) = runtime.block_on(list_all_by_wire(&test, &endpoint));
        let took = started.elapsed();
        assert_eq!(listed, KEYS);
        wire.push(format!(
            "{name}: all {listed} keys listed through the wire in {pages} pages of {PAGE}: {took:.2?} ({:.2?} a page)",
            took / pages as u32
        ));
    }
    group.finish();
    for line in wire {
        println!("{line}");
    }
    runtime.block_on(test.shutdown());
}

criterion_group!(benches, bench);
criterion_main!(benches);
