//! Tasks per second of a COSPutObjectCopy job of 10,000 objects of 4 KiB run by the emulator
//! (created over HTTP, polled until Complete), beside a plain sequential `std::fs::copy` of the
//! same files in the same run.
//!
//! `cargo bench -p cos-batch-emulator --bench copy_job`

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::*;
use cos_batch_emulator::DEFAULT_WORKERS;
use cos_batch_model::*;
use cos_batch_proto::CreateJob;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const OBJECTS: usize = 10_000;
const SIZE: usize = 4096;

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Setup, once: the objects and their manifest.
    let fixture = runtime.block_on(Fixture::new(|c| c));
    let ks = keys("bench/", OBJECTS);
    let (manifest, copy) = fixture.copy_source(&ks, SIZE);

    let mut group = c.benchmark_group("copy_10000x4KiB");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(OBJECTS as u64));

    let mut run = 0u64;
    group.bench_function(
        format!("emulator_copy_job_{DEFAULT_WORKERS}_workers"),
        |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    run += 1;
                    let request = job(
                        &format!("bench-{run}"),
                        manifest.clone(),
                        copy.clone(),
                        1,
                        no_report(&fixture),
                    );
                    let started = Instant::now();
                    runtime.block_on(async {
                        let id = fixture
                            .client
                            .call::<CreateJob>(&request)
                            .await
                            .unwrap()
                            .job_id
                            .unwrap();
                        loop {
                            let job = fixture.client.describe(&id).await;
                            if job.status.as_ref().is_some_and(JobStatus::is_terminal) {
                                assert_eq!(job.status, Some(JobStatus::Complete));
                                assert_eq!(progress(&job), (OBJECTS as u64, 0, OBJECTS as u64));
                                break;
                            }
                            tokio::time::sleep(Duration::from_millis(2)).await;
                        }
                    });
                    total += started.elapsed();
                }
                total
            });
        },
    );

    let sources: Vec<PathBuf> = ks
        .iter()
        .map(|k| fixture.emulator.object_path("src", APPID, k).unwrap())
        .collect();
    let plain = fixture.dir.path().join("plain-copy");
    std::fs::create_dir_all(plain.join("bench")).unwrap();
    let targets: Vec<PathBuf> = ks.iter().map(|k| plain.join(k)).collect();
    group.bench_function("sequential_fs_copy", |b| {
        b.iter(|| {
            for (from, to) in sources.iter().zip(&targets) {
                std::fs::copy(from, to).unwrap();
            }
        });
    });
    group.finish();
    runtime.block_on(fixture.emulator.shutdown());
}

criterion_group!(benches, bench);
criterion_main!(benches);
