//! Test helpers: a thin layer over the crate's `test_util` fixture (an emulator in a
//! temporary directory, a client that signs and sends operations over real HTTP) that panics
//! on errors, plus what only these tests need (raw heads, report files).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cos_batch_emulator::test_util::{self, TestClient, TestEmulator};
use cos_batch_emulator::{Account, Config, EmulatorHandle};
use cos_batch_model::*;
use cos_batch_proto::{Endpoint, ListJobs, ResponseError};
use cos_sign::Signer;
use http::{Request, Response};

pub const APPID: &str = "1250000000";
pub const ROLE: &str = "qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole";
/// The longest any wait in a test may take before the test fails.
pub const GUARD: Duration = Duration::from_secs(60);

/// Sends a request on a new connection; the transport error if the connection fails.
pub async fn send_raw(
    addr: &str,
    request: Request<Bytes>,
) -> Result<Response<Bytes>, cos_batch_emulator::test_util::Error> {
    test_util::send_request(addr, request).await
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

/// A client of one account: [`TestClient`] that panics on errors.
#[derive(Clone)]
pub struct Client {
    pub endpoint: Endpoint,
    pub signer: Signer,
    kit: TestClient,
}

impl Client {
    pub fn new(emulator: &EmulatorHandle, account: &Account) -> Self {
        Self::of(TestClient::new(emulator, account))
    }

    fn of(kit: TestClient) -> Self {
        Self {
            endpoint: kit.endpoint().clone(),
            signer: kit.signer().clone(),
            kit,
        }
    }

    /// The unsigned request of an operation.
    pub fn request<O: cos_batch_proto::Operation>(&self, input: &O::Input) -> Request<Bytes> {
        self.kit.request::<O>(input).unwrap()
    }

    /// Signs a request for now.
    pub fn sign(&self, request: Request<Bytes>) -> Request<Bytes> {
        self.kit.sign(request).unwrap()
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
        self.kit.send(request).await.unwrap()
    }

    /// Signs, sends and decodes an operation.
    pub async fn call<O: cos_batch_proto::Operation>(
        &self,
        input: &O::Input,
    ) -> Result<O::Output, ResponseError> {
        match self.kit.call::<O>(input).await {
            Ok(output) => Ok(output),
            Err(e) => match e.downcast::<ResponseError>() {
                Ok(e) => Err(*e),
                Err(e) => panic!("{e}"),
            },
        }
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
        self.kit.create(request).await.unwrap()
    }

    pub async fn describe(&self, id: &str) -> Job {
        self.kit.describe(id).await.unwrap()
    }

    /// Polls the job until `done` holds (the test fails after [`GUARD`]).
    pub async fn wait_for(&self, id: &str, what: &str, done: impl Fn(&Job) -> bool) -> Job {
        self.kit.wait_for(id, what, done).await.unwrap()
    }

    pub async fn wait_status(&self, id: &str, status: JobStatus) -> Job {
        self.kit.wait_status(id, status).await.unwrap()
    }

    pub async fn wait_end(&self, id: &str) -> Job {
        self.kit.wait_end(id).await.unwrap()
    }

    /// The same client, waiting up to `wait` for a job.
    pub fn patient(&self, wait: Duration) -> Self {
        Self::of(self.kit.clone().with_wait(wait))
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
        let (emulator, client, dir) = TestEmulator::start(configure).await.unwrap().into_parts();
        Self {
            dir,
            emulator,
            client: Client::of(client),
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
        test_util::put_objects(&self.emulator, bucket, APPID, keys).unwrap();
    }

    /// A copy job's inputs: objects `keys` of `size` bytes each in `src`, their manifest
    /// `src/manifest.csv` and an empty `dst` bucket; the manifest and the copy into `dst`.
    pub fn copy_source(&self, keys: &[String], size: usize) -> (Manifest, Operation) {
        let payload = vec![0x5a_u8; size];
        for k in keys {
            self.emulator.put_object("src", APPID, k, &payload).unwrap();
        }
        let manifest = self.manifest("src", "manifest.csv", &rows(&format!("src-{APPID}"), keys));
        self.emulator.create_bucket("dst", APPID).unwrap();
        let copy =
            Operation::PutObjectCopy(PutObjectCopy::new(self.emulator.bucket_arn("dst", APPID)));
        (manifest, copy)
    }

    /// Writes a CSV manifest `Bucket,Key` of `rows` (keys URL-encoded here) into
    /// `bucket/manifest.csv`; the manifest element for it.
    pub fn manifest(&self, bucket: &str, name: &str, rows: &[(String, String)]) -> Manifest {
        self.raw_manifest(bucket, name, test_util::csv_manifest(rows).as_bytes())
    }

    pub fn raw_manifest(&self, bucket: &str, name: &str, csv: &[u8]) -> Manifest {
        test_util::put_manifest(&self.emulator, bucket, APPID, name, csv).unwrap()
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

#[allow(unused_imports)] // each test binary uses a part of it
pub use cos_batch_emulator::test_util::{encode_key as encode, keys, rows};

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
