//! Test helpers: an emulator in a temporary directory, and a client that signs and sends
//! operations over real HTTP (hyper's client, one connection per request).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cos_batch_emulator::{Account, Config, Emulator, EmulatorHandle};
use cos_batch_model::*;
use cos_batch_proto::{DescribeJob, Endpoint, ListJobs, ResponseError};
use cos_sign::{KeyTime, Signer};
use http::{Request, Response};
use http_body_util::{BodyExt, Full};

pub const APPID: &str = "1250000000";
pub const ROLE: &str = "qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole";
/// The longest any wait in a test may take before the test fails.
pub const GUARD: Duration = Duration::from_secs(60);

/// Sends a request on a new connection; the transport error if the connection fails.
pub async fn send_raw(
    addr: &str,
    request: Request<Bytes>,
) -> Result<Response<Bytes>, hyper::Error> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let io = hyper_util::rt::TokioIo::new(stream);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
    tokio::spawn(connection);
    let (mut parts, body) = request.into_parts();
    // Origin form on the wire; the Host header (signed) says where.
    if let Some(pq) = parts.uri.path_and_query() {
        parts.uri = pq.as_str().parse().unwrap();
    }
    let response = sender
        .send_request(Request::from_parts(parts, Full::new(body)))
        .await?;
    let (head, body) = response.into_parts();
    let body = body.collect().await?.to_bytes();
    Ok(Response::from_parts(head, body))
}

/// Writes a signed request's head alone (no body byte) on a new connection and reads the
/// answer until the emulator closes (it answers some heads before any body byte: a client
/// still writing a large body could see the connection closed before it reads the answer).
pub async fn send_head_alone(addr: std::net::SocketAddr, parts: &http::request::Parts) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut head = format!("{} {} HTTP/1.1\r\n", parts.method, parts.uri.path());
    for (name, value) in &parts.headers {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head.push_str("\r\n");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the emulator answers and closes")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// Replaces a request's body, with its `Content-Length` and `Content-MD5`.
pub fn set_body(request: &mut Request<Bytes>, body: Bytes) {
    use base64::Engine;
    use md5::Digest;
    let digest = base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(&body));
    let headers = request.headers_mut();
    headers.insert("content-md5", digest.parse().unwrap());
    headers.insert(http::header::CONTENT_LENGTH, body.len().into());
    *request.body_mut() = body;
}

/// A client of one account.
#[derive(Clone)]
pub struct Client {
    pub endpoint: Endpoint,
    pub signer: Signer,
}

impl Client {
    pub fn new(emulator: &EmulatorHandle, account: &Account) -> Self {
        Self {
            endpoint: emulator.endpoint(account),
            signer: Signer::new(account.credentials()),
        }
    }

    /// The unsigned request of an operation.
    pub fn request<O: cos_batch_proto::Operation>(&self, input: &O::Input) -> Request<Bytes> {
        O::encode(input, &self.endpoint).unwrap()
    }

    /// Signs a request for now.
    pub fn sign(&self, request: Request<Bytes>) -> Request<Bytes> {
        let (mut parts, body) = request.into_parts();
        self.signer
            .sign(&mut parts, KeyTime::now(Duration::from_secs(600)))
            .unwrap();
        Request::from_parts(parts, body)
    }

    /// The path-style address of bucket `{name}-{APPID}` at this emulator.
    pub fn bucket(&self, name: &str) -> cos_batch_proto::object::BucketEndpoint {
        let base = self.endpoint.base_url();
        cos_batch_proto::object::BucketEndpoint::with_base_url(&base, &format!("{name}-{APPID}"))
            .unwrap()
    }

    /// Signs and sends an object request (to this emulator, whatever host it names).
    pub async fn send_signed(&self, request: Request<Bytes>) -> Response<Bytes> {
        self.send(self.sign(request)).await
    }

    pub async fn send(&self, request: Request<Bytes>) -> Response<Bytes> {
        send_raw(self.endpoint.authority(), request).await.unwrap()
    }

    /// Signs, sends and decodes an operation.
    pub async fn call<O: cos_batch_proto::Operation>(
        &self,
        input: &O::Input,
    ) -> Result<O::Output, ResponseError> {
        let response = self.send(self.sign(self.request::<O>(input))).await;
        O::decode_response(&response)
    }

    /// The service error of a call that must fail.
    pub async fn call_err<O: cos_batch_proto::Operation>(
        &self,
        input: &O::Input,
    ) -> cos_batch_proto::CosError
    where
        O::Output: std::fmt::Debug,
    {
        match self.call::<O>(input).await {
            Err(ResponseError::Service(e)) => e,
            other => panic!("expected a service error, got {other:?}"),
        }
    }

    /// Creates a job that must be accepted; its id.
    pub async fn create(&self, request: &CreateJobRequest) -> String {
        let created = self.call::<cos_batch_proto::CreateJob>(request).await;
        created.unwrap().job_id.unwrap()
    }

    pub async fn describe(&self, id: &str) -> Job {
        self.call::<DescribeJob>(&DescribeJobRequest::new(id))
            .await
            .unwrap()
            .job
            .unwrap()
    }

    /// Polls the job until `done` holds (the guard fails the test after [`GUARD`]).
    pub async fn wait_for(&self, id: &str, what: &str, done: impl Fn(&Job) -> bool) -> Job {
        let start = Instant::now();
        loop {
            let job = self.describe(id).await;
            if done(&job) {
                return job;
            }
            assert!(
                start.elapsed() < GUARD,
                "timed out waiting for {what}: {:?} {:?}",
                job.status,
                job.progress_summary
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    pub async fn wait_status(&self, id: &str, status: JobStatus) -> Job {
        let what = format!("status {status}");
        self.wait_for(id, &what, |j| j.status.as_ref() == Some(&status))
            .await
    }

    pub async fn wait_end(&self, id: &str) -> Job {
        self.wait_for(id, "the end", |j| {
            j.status.as_ref().is_some_and(JobStatus::is_terminal)
        })
        .await
    }
}

/// An emulator over a temporary directory, with a client of the demo account.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub emulator: EmulatorHandle,
    pub client: Client,
}

impl Fixture {
    pub async fn new(configure: impl FnOnce(Config) -> Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = configure(Config::new(dir.path().join("data")));
        let emulator = Emulator::start(config).await.unwrap();
        let client = Client::new(&emulator, &Account::demo());
        Self {
            dir,
            emulator,
            client,
        }
    }

    /// A normal signed ListJobs; how long it took to be answered (the guard fails the test
    /// after [`GUARD`]).
    pub async fn timed_normal_request(&self) -> Duration {
        let start = Instant::now();
        let request = ListJobsRequest::new();
        let listed = tokio::time::timeout(GUARD, self.client.call::<ListJobs>(&request))
            .await
            .expect("a normal request was not answered");
        listed.expect("a normal request failed");
        start.elapsed()
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Writes objects `keys` into `bucket` with their key as content.
    pub fn put_objects(&self, bucket: &str, keys: &[String]) {
        for k in keys {
            self.emulator
                .put_object(bucket, APPID, k, k.as_bytes())
                .unwrap();
        }
    }

    /// Writes a CSV manifest `Bucket,Key` of `rows` (keys URL-encoded here) into
    /// `bucket/manifest.csv`; the manifest element for it.
    pub fn manifest(&self, bucket: &str, name: &str, rows: &[(String, String)]) -> Manifest {
        let mut csv = String::new();
        for (b, k) in rows {
            csv.push_str(&format!("{b},{}\n", encode(k)));
        }
        self.raw_manifest(bucket, name, csv.as_bytes())
    }

    pub fn raw_manifest(&self, bucket: &str, name: &str, csv: &[u8]) -> Manifest {
        let etag = self.emulator.put_object(bucket, APPID, name, csv).unwrap();
        Manifest::new(
            ManifestLocation::new(
                self.emulator.object_arn(bucket, APPID, name),
                format!("\"{etag}\""),
            ),
            ManifestSpec::new(
                ManifestFormat::CosBatchOperationsCsvV1,
                vec![ManifestField::Bucket, ManifestField::Key],
            ),
        )
    }

    pub fn report(&self, scope: ReportScope) -> Report {
        self.emulator.create_bucket("reports", APPID).unwrap();
        Report::new(self.emulator.bucket_arn("reports", APPID), true, scope).with_prefix("batch")
    }

    /// The rows of a job's report file (`succeeded` or `failed`), or none.
    pub fn report_rows(&self, job_id: &str, status: &str) -> Vec<Vec<String>> {
        let path = self.data().join(format!(
            "reports-{APPID}/batch/job-{job_id}/results/{status}.csv"
        ));
        read_csv(&path)
    }

    pub fn report_manifest(&self, job_id: &str) -> serde_json::Value {
        let path = self
            .data()
            .join(format!("reports-{APPID}/batch/job-{job_id}/manifest.json"));
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }
}

pub fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// A key URL-encoded as manifests carry it.
pub fn encode(key: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'/');
    percent_encoding::utf8_percent_encode(key, SET).to_string()
}

pub fn rows(bucket: &str, keys: &[String]) -> Vec<(String, String)> {
    keys.iter()
        .map(|k| (bucket.to_owned(), k.clone()))
        .collect()
}

pub fn keys(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:05}")).collect()
}

pub fn job(
    token: &str,
    manifest: Manifest,
    operation: Operation,
    priority: u32,
    report: Report,
) -> CreateJobRequest {
    CreateJobRequest::new(token, manifest, operation, priority, report, ROLE)
}

pub fn no_report(fixture: &Fixture) -> Report {
    Report::new(
        fixture.emulator.bucket_arn("reports", APPID),
        false,
        ReportScope::AllTasks,
    )
}

pub fn tagging(tags: &[(&str, &str)]) -> Operation {
    Operation::PutObjectTagging(PutObjectTagging::new(
        tags.iter().map(|(k, v)| Tag::new(*k, *v)).collect(),
    ))
}

pub fn progress(job: &Job) -> (u64, u64, u64) {
    let p = job.progress_summary.unwrap();
    (
        p.number_of_tasks_succeeded.unwrap(),
        p.number_of_tasks_failed.unwrap(),
        p.total_number_of_tasks.unwrap(),
    )
}
