//! Signing benchmarks. `crypto_floor` is the cryptography a signature cannot avoid (SHA-1 of the
//! `HttpString`, then HMAC-SHA1 of the `StringToSign` keyed with the `SignKey`), over the bytes
//! of the CreateJob-shaped request below; every other case is a whole signature through the
//! public API.
//!
//! Run: `cargo bench -p cos-sign --bench sign`. Before measuring it prints the heap allocations
//! of one signature of each case (counted by the allocator below).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use cos_sign::{CanonicalRequest, Credentials, HeaderPolicy, KeyTime, Signer, SigningKey};
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{KeyInit, Mac};
use http::request::Parts;
use http::{HeaderMap, Method, Request, Uri};
use sha1::{Digest, Sha1};

/// Counts allocations so the bench can report them per signature.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const HOST: &str = "100000000001.cos-control.ap-chengdu.myqcloud.com";

fn key_time() -> KeyTime {
    KeyTime::new(1576778429, 1576785629).unwrap()
}

fn credentials() -> Credentials {
    Credentials::new(
        "AKID8A0fBVtYFrNm02oY1g1JQQF0c3JOxxxx",
        "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
    )
}

/// The CreateJob request of the vendor's worked example: host, content-type, content-length,
/// content-md5, x-cos-appid.
fn create_job() -> Parts {
    Request::post(format!("https://{HOST}/jobs"))
        .header("host", HOST)
        .header("content-type", "application/xml")
        .header("content-length", "1056")
        .header("content-md5", "hHcgq5mu8s0YP4WTGiQ+uA==")
        .header("x-cos-appid", "1250000000")
        .body(())
        .unwrap()
        .into_parts()
        .0
}

fn with_headers(n: usize) -> Parts {
    let mut b = Request::get(format!(
        "https://{HOST}/jobs/53dc6228-c50b-46f7-8ad7-65e7159f1aae"
    ))
    .header("host", HOST)
    .header("x-cos-appid", "1250000000");
    for i in 2..n {
        b = b.header(
            format!("x-cos-meta-field-{i}"),
            format!("value {i} with spaces/and:colons"),
        );
    }
    b.body(()).unwrap().into_parts().0
}

fn query_heavy() -> Parts {
    let mut target = format!("https://{HOST}/jobs?");
    for i in 0..20 {
        target.push_str(&format!("param{i}=value%20{i}%2Fwith%3Dreserved&"));
    }
    target.push_str(
        "jobStatuses=Active&maxResults=1000&nextToken=066d919e-49b9-429e-b844-e17ea7b16421",
    );
    Request::get(target)
        .header("x-cos-appid", "1250000000")
        .body(())
        .unwrap()
        .into_parts()
        .0
}

fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    f();
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

fn report_allocations() {
    let kt = key_time();
    let cached = Signer::new(credentials());
    let uncached = Signer::new(credentials()).without_key_cache();
    let mut parts = create_job();
    cached.sign(&mut parts, kt).unwrap(); // warm the key cache
    let mut rows = vec![
        (
            "create_job/cached",
            allocations(|| cached.sign(&mut parts, kt).unwrap()),
        ),
        (
            "create_job/uncached",
            allocations(|| uncached.sign(&mut parts, kt).unwrap()),
        ),
    ];
    for n in [3, 10, 30] {
        let mut p = with_headers(n);
        cached.sign(&mut p, kt).unwrap();
        rows.push((
            ["headers/3", "headers/10", "headers/30"]
                [[3, 10, 30].iter().position(|&x| x == n).unwrap()],
            allocations(|| cached.sign(&mut p, kt).unwrap()),
        ));
    }
    let mut q = query_heavy();
    cached.sign(&mut q, kt).unwrap();
    rows.push((
        "query_heavy",
        allocations(|| cached.sign(&mut q, kt).unwrap()),
    ));
    let p = create_job();
    rows.push((
        "presign",
        allocations(|| {
            black_box(
                cached
                    .presign(&p.method, &p.uri, &HeaderMap::new(), kt)
                    .unwrap(),
            );
        }),
    ));
    eprintln!("heap allocations per signature:");
    for (name, n) in rows {
        eprintln!("  {name:<22} {n}");
    }
}

fn benches(c: &mut Criterion) {
    report_allocations();
    let kt = key_time();

    // The floor: the bytes of the CreateJob HttpString, hashed, then the HMAC of the
    // StringToSign with a SignKey derived beforehand.
    let create = create_job();
    let canonical = CanonicalRequest::new(
        &create.method,
        &create.uri,
        &create.headers,
        &HeaderPolicy::Default,
    );
    let http_string = canonical.http_string().to_vec();
    let sign_key = SigningKey::derive(
        &cos_sign::SecretKey::new("BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"),
        kt,
    );
    let sign_key_hex = sign_key.expose_hex().to_owned();
    let kt_text = kt.to_string();
    c.bench_function("crypto_floor", |b| {
        b.iter(|| {
            let digest = Sha1::digest(black_box(&http_string));
            let mut mac = hmac::Hmac::<Sha1>::new_from_slice(sign_key_hex.as_bytes()).unwrap();
            mac.update(b"sha1\n");
            mac.update(kt_text.as_bytes());
            mac.update(b"\n");
            mac.update(hex::encode(digest).as_bytes());
            mac.update(b"\n");
            black_box(mac.finalize().into_bytes())
        })
    });

    let cached = Signer::new(credentials());
    let uncached = Signer::new(credentials()).without_key_cache();
    let mut group = c.benchmark_group("create_job");
    let mut parts = create_job();
    group.bench_function("cached", |b| {
        b.iter(|| cached.sign(black_box(&mut parts), kt).unwrap())
    });
    group.bench_function("uncached", |b| {
        b.iter(|| uncached.sign(black_box(&mut parts), kt).unwrap())
    });
    group.finish();

    let mut group = c.benchmark_group("headers");
    for n in [3usize, 10, 30] {
        let mut parts = with_headers(n);
        group.bench_function(n.to_string(), |b| {
            b.iter(|| cached.sign(black_box(&mut parts), kt).unwrap())
        });
    }
    group.finish();

    let mut q = query_heavy();
    c.bench_function("query_heavy", |b| {
        b.iter(|| cached.sign(black_box(&mut q), kt).unwrap())
    });

    let p = create_job();
    let (method, uri): (Method, Uri) = (p.method.clone(), p.uri.clone());
    let empty = HeaderMap::new();
    c.bench_function("presign", |b| {
        b.iter(|| {
            cached
                .presign(black_box(&method), black_box(&uri), &empty, kt)
                .unwrap()
        })
    });
}

criterion_group!(sign, benches);
criterion_main!(sign);
