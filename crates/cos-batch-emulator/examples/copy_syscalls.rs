//! A COSPutObjectCopy job of N objects of 4 KiB (default 10,000), bracketed by two marker
//! `stat`s of paths that do not exist, so that a syscall trace can be cut to the job alone:
//!
//! ```text
//! cargo build -p cos-batch-emulator --example copy_syscalls
//! strace -f -qq -o /tmp/trace target/debug/examples/copy_syscalls 10000
//! awk '/cos-batch-mark-start/{on=1;next} /cos-batch-mark-end/{on=0} on && !/resumed>/' \
//!     /tmp/trace | wc -l     # all syscalls of the job; divide by N
//! ```
//!
//! The job is created with a signed CreateJob and polled with DescribeJob every 250 ms (a few
//! requests in all), so nearly every syscall between the markers is the job's own.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::*;
use cos_batch_model::*;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let objects: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let fixture = Fixture::new(|c| c).await;
    let ks = keys("bench/", objects);
    let (manifest, copy) = fixture.copy_source(&ks, 4096);
    let request = job("syscalls", manifest, copy, 1, no_report(&fixture));

    let _ = std::fs::metadata("/cos-batch-mark-start");
    let start = Instant::now();
    let id = fixture.client.create(&request).await;
    let ended = loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let job = fixture.client.describe(&id).await;
        if job.status.as_ref().is_some_and(JobStatus::is_terminal) {
            break job;
        }
    };
    let elapsed = start.elapsed();
    let _ = std::fs::metadata("/cos-batch-mark-end");
    println!(
        "{objects} objects: {:?}, {:?} (succeeded, failed, total) in {elapsed:?}",
        ended.status,
        progress(&ended)
    );
    fixture.emulator.shutdown().await;
}
