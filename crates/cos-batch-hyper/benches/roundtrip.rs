//! DescribeJob over loopback: through the client, beside the same request through bare hyper,
//! to the same server.
//!
//! - `bare_hyper`: a hyper-util pooled client sends a pre-built GET with the same headers
//!   (a precomputed `Authorization` included) and collects the body. Nothing is encoded,
//!   signed or decoded.
//! - `bare_hyper_then_decode`: the same, then `DescribeJob::decode` of the body: the least a
//!   client that returns the typed `DescribeJobResult` must do.
//! - `client`: `Client::describe_job`: encode, sign afresh, send, collect, decode the
//!   `DescribeJobResult` XML, inside its span, retry loop and timeouts.
//! - `describe_job_components/*`: the codec's decode of the response and the encode + sign of
//!   the request alone, to see where the difference goes.
//!
//! The server runs on its own thread and answers every request with the same DescribeJob
//! document. Goal: `client` ≤ 1.15 × `bare_hyper`.
//!
//! Before criterion measures, the bench prints an interleaved comparison of the three loopback
//! cases (alternating rounds, median ratio): on a shared machine it is steadier than the
//! ratio of criterion's figures, which are taken seconds apart.
//!
//! Run: `CARGO_TARGET_DIR=/work/target-hyper cargo bench -p cos-batch-hyper --bench roundtrip`.

use std::convert::Infallible;
use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use cos_batch_hyper::model::{
    DeleteObject, DescribeJobRequest, DescribeJobResult, Job, JobStatus, Manifest, ManifestField,
    ManifestFormat, ManifestLocation, ManifestSpec, Operation as JobOperation, ProgressSummary,
    Report, ReportScope, Timestamp,
};
use cos_batch_hyper::{Client, Credentials, Endpoint, RetryPolicy};
use cos_batch_proto::{DescribeJob, Operation};
use cos_sign::{KeyTime, Signer};
use criterion::{Criterion, criterion_group, criterion_main};
use http::{HeaderMap, Method, Request, Response, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client as PoolClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;

const APPID: &str = "1250000000";
const JOB_ID: &str = "53dc6228-c50b-46f7-8ad7-65e7159f1aae";

/// The DescribeJob document the server sends: a job with every part filled in. Its body is saved
/// as `crates/cos-batch-model/tests/data/edge/describe_job_result_roundtrip.xml` for the model's
/// `xml` bench, which sets its decode beside a bare quick-xml scan.
fn describe_response() -> Response<Bytes> {
    let mut job = Job::default();
    job.job_id = Some(JOB_ID.into());
    job.client_request_token = Some("184ce261-18af-5e3d-3e30-253723cfd937".into());
    job.confirmation_required = Some(false);
    job.creation_time = Some(Timestamp::from_unix_seconds(1_576_753_540).unwrap());
    job.description = Some("example job".into());
    job.manifest = Some(Manifest::new(
        ManifestLocation::new(
            "qcs::cos:ap-chengdu::sourcebucket-1250000000/manifest.csv",
            "\"15150651828fa9cdcb8356b6d1c7638b\"",
        ),
        ManifestSpec::new(
            ManifestFormat::CosBatchOperationsCsvV1,
            vec![ManifestField::Bucket, ManifestField::Key],
        ),
    ));
    job.operation = Some(JobOperation::DeleteObject(DeleteObject::default()));
    job.priority = Some(10);
    job.progress_summary = Some(ProgressSummary::new(0, 10, 10));
    job.report = Some(Report::new(
        "qcs::cos:ap-chengdu::sourcebucket-1250000000",
        true,
        ReportScope::AllTasks,
    ));
    job.role_arn = Some("qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole".into());
    job.status = Some(JobStatus::Complete);
    job.termination_date = Some(Timestamp::from_unix_seconds(1_576_753_600).unwrap());
    DescribeJob::encode_response(&DescribeJobResult::new(job), "NWRmMjA5YjZfMjBhYTJhMDlfNjc")
}

/// Starts the server on its own thread; returns its address.
fn start_server() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let response = describe_response();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                stream.set_nodelay(true).unwrap();
                let response = response.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |_req: Request<Incoming>| {
                        let r = response.clone().map(Full::new);
                        async move { Ok::<_, Infallible>(r) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    rx.recv().unwrap()
}

fn credentials() -> Credentials {
    Credentials::new(
        "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
    )
}

/// The bare hyper path: a pooled client and the pre-signed request's parts.
struct Bare {
    client: PoolClient<HttpConnector, Full<Bytes>>,
    uri: Uri,
    headers: HeaderMap,
}

impl Bare {
    /// One GET with the pre-built headers; the body collected and, if `decode`, decoded.
    async fn call(&self, decode: bool) {
        let mut request = Request::new(Full::new(Bytes::new()));
        *request.method_mut() = Method::GET;
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        let response = self.client.request(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        if decode {
            black_box(DescribeJob::decode(parts.status, &parts.headers, &body).unwrap());
        } else {
            black_box(body);
        }
    }
}

async fn client_call(client: &Client) {
    let output = client
        .describe_job_with(DescribeJobRequest::new(JOB_ID))
        .await
        .unwrap();
    black_box(output);
}

/// The machine is shared and noisy, so criterion's figures for cases measured seconds apart
/// can differ by more than the cases do. This runs the three cases in alternating rounds
/// (the order reversed every other round) and prints the median per-call time of each and
/// the median of the per-round ratios, which noise that lasts longer than a round cancels.
fn interleaved(rt: &tokio::runtime::Runtime, bare: &Bare, client: &Client) {
    const ROUNDS: usize = 40;
    const CALLS: u32 = 250;
    let time = |case: usize| {
        rt.block_on(async {
            let start = Instant::now();
            for _ in 0..CALLS {
                match case {
                    0 => bare.call(false).await,
                    1 => bare.call(true).await,
                    _ => client_call(client).await,
                }
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS)
        })
    };
    let mut per_case = [Vec::new(), Vec::new(), Vec::new()];
    let mut ratio_bare = Vec::new();
    let mut ratio_decode = Vec::new();
    for round in 0..ROUNDS {
        let mut t = [0.0; 3];
        let order: [usize; 3] = if round % 2 == 0 { [0, 1, 2] } else { [2, 1, 0] };
        for case in order {
            t[case] = time(case);
        }
        for case in 0..3 {
            per_case[case].push(t[case]);
        }
        ratio_bare.push(t[2] / t[0]);
        ratio_decode.push(t[2] / t[1]);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    eprintln!(
        "interleaved, {ROUNDS} rounds of {CALLS} calls: median per call: bare_hyper {:.1} us, \
         bare_hyper_then_decode {:.1} us, client {:.1} us; median ratio client/bare_hyper {:.3}, \
         client/bare_hyper_then_decode {:.3}",
        median(&mut per_case[0]),
        median(&mut per_case[1]),
        median(&mut per_case[2]),
        median(&mut ratio_bare),
        median(&mut ratio_decode),
    );
}

fn benches(c: &mut Criterion) {
    let addr = start_server();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let endpoint = Endpoint::with_base_url(&format!("http://{addr}"), APPID).unwrap();

    // The bare request: the same headers the client sends, signed once up front.
    let uri: Uri = format!("http://{addr}/jobs/{JOB_ID}").parse().unwrap();
    let (mut head, ()) = Request::get(uri.clone())
        .header("x-cos-appid", APPID)
        .header("user-agent", cos_batch_hyper::DEFAULT_USER_AGENT)
        .body(())
        .unwrap()
        .into_parts();
    Signer::new(credentials())
        .sign(&mut head, KeyTime::now(Duration::from_secs(3600)))
        .unwrap();
    let headers: HeaderMap = head.headers.clone();
    let bare = {
        let _guard = rt.enter();
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        PoolClient::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .build::<_, Full<Bytes>>(http)
    };

    let client = Client::builder()
        .endpoint(endpoint)
        .credentials(credentials())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    // Both paths work and agree before anything is measured.
    rt.block_on(async {
        let job = client
            .describe_job_with(DescribeJobRequest::new(JOB_ID))
            .await
            .unwrap();
        assert_eq!(job.job.unwrap().job_id.as_deref(), Some(JOB_ID));
    });

    let bare = Bare {
        client: bare,
        uri,
        headers,
    };
    interleaved(&rt, &bare, &client);

    let mut group = c.benchmark_group("describe_job_loopback");
    group.bench_function("bare_hyper", |b| {
        b.to_async(&rt).iter(|| bare.call(false));
    });
    group.bench_function("bare_hyper_then_decode", |b| {
        b.to_async(&rt).iter(|| bare.call(true));
    });
    group.bench_function("client", |b| {
        b.to_async(&rt).iter(|| client_call(&client));
    });
    group.finish();

    // Where the client's time goes besides the round trip: the codec's halves alone.
    let mut parts = c.benchmark_group("describe_job_components");
    let response = describe_response();
    parts.bench_function("decode_response", |b| {
        b.iter(|| DescribeJob::decode_response(black_box(&response)).unwrap())
    });
    let signer = Signer::new(credentials());
    let key_time = KeyTime::now(Duration::from_secs(3600));
    parts.bench_function("encode_and_sign", |b| {
        b.iter(|| {
            let request =
                DescribeJob::encode(&DescribeJobRequest::new(JOB_ID), client.endpoint()).unwrap();
            let (mut head, _) = request.into_parts();
            let sign_time = KeyTime::starting_at(SystemTime::now(), Duration::from_secs(3600));
            signer
                .sign_with_sign_time(&mut head, sign_time, key_time)
                .unwrap();
            black_box(head)
        })
    });
    parts.finish();
}

criterion_group!(roundtrip, benches);
criterion_main!(roundtrip);
