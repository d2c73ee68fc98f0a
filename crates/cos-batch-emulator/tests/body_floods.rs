//! Floods of request bodies on loopback, bounded in count and time, with the memory they
//! take: `cargo test -p cos-batch-emulator --test body_floods -- --nocapture` prints the RSS
//! growth and the time a normal request took during each flood.

mod common;

use std::time::Duration;

use common::*;
use cos_batch_emulator::Config;
use cos_batch_model::ListJobsRequest;
use cos_batch_proto::ListJobs;

/// The resident memory of this process (the emulator runs in it), in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// Sends `n` copies of `request` at once, each on its own connection, and one normal request
/// in the middle; (peak RSS growth in MiB, RSS growth after, the normal request's time, the
/// statuses answered).
async fn body_flood(
    f: &Fixture,
    n: usize,
    request: http::Request<bytes::Bytes>,
) -> (f64, f64, Duration, Vec<u16>) {
    let before = rss_mib();
    let peak = std::sync::Arc::new(std::sync::Mutex::new(before));
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(std::sync::atomic::Ordering::SeqCst) {
                let now = rss_mib();
                {
                    let mut p = peak.lock().unwrap();
                    *p = p.max(now);
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };
    let addr = f.emulator.local_addr().to_string();
    let sends: Vec<_> = (0..n)
        .map(|_| {
            let (addr, request) = (addr.clone(), request.clone());
            tokio::spawn(async move {
                send_raw(&addr, request)
                    .await
                    .ok()
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    let latency = f.timed_normal_request().await;
    let mut statuses = Vec::new();
    for s in sends {
        if let Some(status) = s.await.unwrap() {
            statuses.push(status);
        }
    }
    sampling.store(false, std::sync::atomic::Ordering::SeqCst);
    sampler.await.unwrap();
    let peak = *peak.lock().unwrap();
    (peak - before, rss_mib() - before, latency, statuses)
}

/// A POST /jobs of 1 MiB (not a job: only its size matters), its `Content-MD5` set.
fn big_post(f: &Fixture) -> http::Request<bytes::Bytes> {
    let mut request = f.client.request::<ListJobs>(&ListJobsRequest::new());
    *request.method_mut() = http::Method::POST;
    set_body(&mut request, bytes::Bytes::from(vec![b'x'; 1024 * 1024]));
    request
}

/// One test for both floods, so that no other flood of this binary runs while memory is
/// measured (the binary's other test sends two 1 KiB bodies).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_floods_stay_within_memory_bounds() {
    // Unauthenticated: answered 403 from the head, the bodies never read.
    const FLOOD: usize = 300;
    let f = Fixture::new(|c| c).await;
    let request = big_post(&f);
    let (peak, after, latency, statuses) = body_flood(&f, FLOOD, request).await;
    println!(
        "unauthenticated flood of {FLOOD} x 1 MiB bodies: RSS +{peak:.1} MiB at peak, +{after:.1} MiB after; a normal request took {latency:?}"
    );
    assert!(statuses.iter().all(|s| *s == 403), "{statuses:?}");
    assert!(peak < 64.0, "RSS grew {peak:.1} MiB under the flood");
    assert!(latency < Duration::from_secs(5), "{latency:?}");
    f.emulator.shutdown().await;

    // Signed: read, but never more than the budget at once.
    const SIGNED: usize = 200;
    const BUDGET: usize = 16 * 1024 * 1024;
    let f = Fixture::new(|c: Config| c.with_body_budget(BUDGET)).await;
    let request = f.client.sign(big_post(&f));
    let (peak, after, latency, statuses) = body_flood(&f, SIGNED, request).await;
    println!(
        "signed flood of {SIGNED} x 1 MiB bodies (budget 16 MiB): RSS +{peak:.1} MiB at peak, +{after:.1} MiB after; a normal request took {latency:?}"
    );
    // Read and refused as a document (400), or turned away while the budget was spent (503).
    assert!(
        statuses.iter().all(|s| *s == 400 || *s == 503),
        "{statuses:?}"
    );
    assert!(statuses.contains(&400));
    assert!(peak < 96.0, "RSS grew {peak:.1} MiB under the flood");
    assert!(latency < Duration::from_secs(5), "{latency:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_must_match_its_signed_digest() {
    // A small body: the client writes it whole before the emulator answers (an answer from the
    // head to a client still writing a large body can reach it as a broken pipe), and it
    // leaves the memory of the flood test alone.
    let f = Fixture::new(|c| c).await;
    let small_post = || {
        let mut request = f.client.request::<ListJobs>(&ListJobsRequest::new());
        *request.method_mut() = http::Method::POST;
        set_body(&mut request, bytes::Bytes::from(vec![b'x'; 1024]));
        request
    };
    let mut request = small_post();
    request
        .headers_mut()
        .insert("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg==".parse().unwrap());
    let response = f.client.send(f.client.sign(request)).await;
    assert_eq!(response.status(), 400);
    assert!(String::from_utf8_lossy(response.body()).contains("BadDigest"));
    // A body whose digest the signature does not cover: signed without it, then added.
    let mut request = small_post();
    let digest = request.headers_mut().remove("content-md5").unwrap();
    let mut request = f.client.sign(request);
    request.headers_mut().insert("content-md5", digest);
    let response = f.client.send(request).await;
    assert_eq!(response.status(), 400);
    assert!(String::from_utf8_lossy(response.body()).contains("MissingContentMD5"));
}
