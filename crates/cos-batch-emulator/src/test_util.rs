//! A test fixture (feature `test-util`): an emulator in a temporary directory, objects and
//! manifests put in place, and a client that signs and sends the API's operations over real
//! HTTP (one connection per request) and waits for jobs. The emulator's own tests, its benches
//! and the client crates' tests share it.
//!
//! ```
//! use cos_batch_emulator::test_util::{TestEmulator, keys, rows};
//! use cos_batch_model::*;
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> Result<(), cos_batch_emulator::test_util::Error> {
//! let test = TestEmulator::start(|config| config.with_workers(2)).await?;
//! let ks = keys("photos/", 3);
//! test.put_objects("src", &ks)?;
//! let manifest = test.manifest("src", "manifest.csv", &rows(&test.bucket_name("src"), &ks))?;
//! let request = CreateJobRequest::new(
//!     "token-1",
//!     manifest,
//!     Operation::PutObjectTagging(PutObjectTagging::new(vec![Tag::new("k", "v")])),
//!     1,
//!     test.report("reports", ReportScope::AllTasks)?,
//!     test.role_arn(),
//! );
//! let id = test.client().create(&request).await?;
//! let job = test.client().wait_end(&id).await?;
//! assert_eq!(job.status, Some(JobStatus::Complete));
//! test.shutdown().await;
//! # Ok(())
//! # }
//! ```

use std::error::Error as StdError;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cos_batch_model::{
    CreateJobRequest, DescribeJobRequest, Job, JobStatus, Manifest, ManifestField, ManifestFormat,
    ManifestLocation, ManifestSpec, Report, ReportScope,
};
use cos_batch_proto::object::{ListObjectsInput, Page};
use cos_batch_proto::{CreateJob, DescribeJob, Endpoint, Operation};
use cos_sign::{KeyTime, Signer};
use http::{Request, Response};
use http_body_util::{BodyExt, Full};

use crate::{Account, Config, Emulator, EmulatorHandle};

/// Any error of the fixture.
pub type Error = Box<dyn StdError + Send + Sync>;

/// How long [`TestClient::wait_for`] waits by default before it gives up.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// Sends `request` on a new connection to `authority` (`host:port`), in origin form (the
/// `Host` header says where); the whole response.
pub async fn send_request(
    authority: &str,
    request: Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let stream = tokio::net::TcpStream::connect(authority).await?;
    let io = hyper_util::rt::TokioIo::new(stream);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
    tokio::spawn(connection);
    let (mut parts, body) = request.into_parts();
    if let Some(pq) = parts.uri.path_and_query() {
        parts.uri = pq.as_str().parse()?;
    }
    let response = sender
        .send_request(Request::from_parts(parts, Full::new(body)))
        .await?;
    let (head, body) = response.into_parts();
    let body = body.collect().await?.to_bytes();
    Ok(Response::from_parts(head, body))
}

/// A client of one account of an emulator: signs with its keys and sends over HTTP.
#[derive(Clone, Debug)]
pub struct TestClient {
    endpoint: Endpoint,
    signer: Signer,
    wait: Duration,
}

impl TestClient {
    /// A client of `account` at `emulator`.
    pub fn new(emulator: &EmulatorHandle, account: &Account) -> Self {
        Self {
            endpoint: emulator.endpoint(account),
            signer: Signer::new(account.credentials()),
            wait: DEFAULT_WAIT,
        }
    }

    /// A client of `account` at an emulator serving at `base_url` (e.g. another process's
    /// `http://127.0.0.1:PORT`).
    pub fn with_base_url(base_url: &str, account: &Account) -> Result<Self, Error> {
        Ok(Self {
            endpoint: Endpoint::with_base_url(base_url, &account.appid)?,
            signer: Signer::new(account.credentials()),
            wait: DEFAULT_WAIT,
        })
    }

    /// Waits up to `wait` in [`TestClient::wait_for`] (default [`DEFAULT_WAIT`]).
    pub fn with_wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// The endpoint the client sends to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The signer of the client's account.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The unsigned request of operation `O`.
    pub fn request<O: Operation>(&self, input: &O::Input) -> Result<Request<Bytes>, Error> {
        Ok(O::encode(input, &self.endpoint)?)
    }

    /// `request`, signed for the next ten minutes.
    pub fn sign(&self, request: Request<Bytes>) -> Result<Request<Bytes>, Error> {
        let (mut parts, body) = request.into_parts();
        self.signer
            .sign(&mut parts, KeyTime::now(Duration::from_secs(600)))?;
        Ok(Request::from_parts(parts, body))
    }

    /// Sends `request` as it is to the emulator (whatever host it names).
    pub async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        send_request(self.endpoint.authority(), request).await
    }

    /// Signs, sends and decodes operation `O`. A service error is a
    /// [`cos_batch_proto::ResponseError`] inside the [`Error`].
    pub async fn call<O: Operation>(&self, input: &O::Input) -> Result<O::Output, Error> {
        let response = self.send(self.sign(self.request::<O>(input)?)?).await?;
        Ok(O::decode_response(&response)?)
    }

    /// Creates a job; its id.
    pub async fn create(&self, request: &CreateJobRequest) -> Result<String, Error> {
        self.call::<CreateJob>(request)
            .await?
            .job_id
            .ok_or_else(|| "CreateJob answered no JobId".into())
    }

    /// DescribeJob's job.
    pub async fn describe(&self, id: &str) -> Result<Job, Error> {
        self.call::<DescribeJob>(&DescribeJobRequest::new(id))
            .await?
            .job
            .ok_or_else(|| "DescribeJob answered no Job".into())
    }

    /// Polls job `id` until `done` holds; an error after the client's wait (`what` says what
    /// was waited for).
    pub async fn wait_for(
        &self,
        id: &str,
        what: &str,
        done: impl Fn(&Job) -> bool,
    ) -> Result<Job, Error> {
        let start = Instant::now();
        loop {
            let job = self.describe(id).await?;
            if done(&job) {
                return Ok(job);
            }
            if start.elapsed() > self.wait {
                return Err(format!(
                    "timed out waiting for {what}: {:?} {:?}",
                    job.status, job.progress_summary
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Polls job `id` until it has `status`.
    pub async fn wait_status(&self, id: &str, status: JobStatus) -> Result<Job, Error> {
        let what = format!("status {status}");
        self.wait_for(id, &what, |j| j.status.as_ref() == Some(&status))
            .await
    }

    /// Polls job `id` until it has ended (`Complete`, `Failed` or `Cancelled`).
    pub async fn wait_end(&self, id: &str) -> Result<Job, Error> {
        self.wait_for(id, "the end", |j| {
            j.status.as_ref().is_some_and(JobStatus::is_terminal)
        })
        .await
    }
}

/// An emulator over a temporary directory (`{dir}/data`, removed when dropped), serving the
/// accounts its configuration gives (the demo account by default), with a client of the
/// first one.
#[derive(Debug)]
pub struct TestEmulator {
    handle: EmulatorHandle,
    client: TestClient,
    account: Account,
    dir: tempfile::TempDir,
}

impl TestEmulator {
    /// Starts an emulator on a new temporary directory, with the configuration `configure`
    /// makes of `Config::new({dir}/data)`.
    pub async fn start(configure: impl FnOnce(Config) -> Config) -> Result<Self, Error> {
        let dir = tempfile::tempdir()?;
        let config = configure(Config::new(dir.path().join("data")));
        let account = config
            .accounts()
            .first()
            .cloned()
            .ok_or("the configuration serves no account")?;
        let handle = Emulator::start(config).await?;
        let client = TestClient::new(&handle, &account);
        Ok(Self {
            handle,
            client,
            account,
            dir,
        })
    }

    /// The running emulator.
    pub fn handle(&self) -> &EmulatorHandle {
        &self.handle
    }

    /// The client of the first account.
    pub fn client(&self) -> &TestClient {
        &self.client
    }

    /// The first account.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The temporary directory (the data directory is its `data`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The full name (`{bucket}-{appid}`) of the first account's bucket `bucket`.
    pub fn bucket_name(&self, bucket: &str) -> String {
        format!("{bucket}-{}", self.account.appid)
    }

    /// A role ARN of the first account, for a CreateJob.
    pub fn role_arn(&self) -> String {
        format!(
            "qcs::cam::uin/{}:roleName/COS_Batch_QcsRole",
            self.account.uin
        )
    }

    /// Puts objects `keys` into `bucket` (created if needed), each with its key as content.
    pub fn put_objects(&self, bucket: &str, keys: &[impl AsRef<str>]) -> Result<(), Error> {
        put_objects(&self.handle, bucket, &self.account.appid, keys)
    }

    /// Puts a CSV manifest `Bucket,Key` of `rows` (keys URL-encoded here) as object `name` of
    /// `bucket`; the manifest element for it.
    pub fn manifest(
        &self,
        bucket: &str,
        name: &str,
        rows: &[(String, String)],
    ) -> Result<Manifest, Error> {
        self.raw_manifest(bucket, name, csv_manifest(rows).as_bytes())
    }

    /// Puts `csv` as CSV manifest `name` of `bucket`; see [`put_manifest`].
    pub fn raw_manifest(&self, bucket: &str, name: &str, csv: &[u8]) -> Result<Manifest, Error> {
        put_manifest(&self.handle, bucket, &self.account.appid, name, csv)
    }

    /// An enabled report of `scope` into bucket `bucket` (created).
    pub fn report(&self, bucket: &str, scope: ReportScope) -> Result<Report, Error> {
        let appid = &self.account.appid;
        self.handle.create_bucket(bucket, appid)?;
        Ok(Report::new(
            self.handle.bucket_arn(bucket, appid),
            true,
            scope,
        ))
    }

    /// Shuts the emulator down (see [`EmulatorHandle::shutdown`]); the directory is removed.
    pub async fn shutdown(self) {
        self.handle.shutdown().await;
    }

    /// The running emulator, the client and the temporary directory, apart.
    pub fn into_parts(self) -> (EmulatorHandle, TestClient, tempfile::TempDir) {
        (self.handle, self.client, self.dir)
    }
}

/// Puts objects `keys` into bucket `{bucket}-{appid}` of `emulator` (created if needed), each
/// with its key as content.
pub fn put_objects(
    emulator: &EmulatorHandle,
    bucket: &str,
    appid: &str,
    keys: &[impl AsRef<str>],
) -> Result<(), Error> {
    for k in keys {
        let k = k.as_ref();
        emulator.put_object(bucket, appid, k, k.as_bytes())?;
    }
    Ok(())
}

/// The page that GET Bucket lists for `input` in bucket `{bucket}-{appid}` of data directory
/// `data_dir`, chosen through the emulator's storage layer as the object API chooses it (the
/// keys and common prefixes only: no HTTP, no ETags). For benches of the listing.
pub fn list_page(
    data_dir: &Path,
    bucket: &str,
    appid: &str,
    input: &ListObjectsInput,
) -> Result<Page<String>, Error> {
    let bucket = crate::storage::Storage::open(data_dir)?.bucket(bucket, appid)?;
    Ok(bucket.list_page(input)?)
}

/// A CSV manifest `Bucket,Key` of `rows` (keys URL-encoded here).
pub fn csv_manifest(rows: &[(String, String)]) -> String {
    let mut csv = String::new();
    for (b, k) in rows {
        csv.push_str(&format!("{b},{}\n", encode_key(k)));
    }
    csv
}

/// Puts `csv` as CSV manifest `name` of bucket `{bucket}-{appid}` of `emulator` (columns
/// `Bucket, Key`); the manifest element for it (its ETag quoted, as COS gives it).
pub fn put_manifest(
    emulator: &EmulatorHandle,
    bucket: &str,
    appid: &str,
    name: &str,
    csv: &[u8],
) -> Result<Manifest, Error> {
    let etag = emulator.put_object(bucket, appid, name, csv)?;
    Ok(Manifest::new(
        ManifestLocation::new(
            emulator.object_arn(bucket, appid, name),
            format!("\"{etag}\""),
        ),
        ManifestSpec::new(
            ManifestFormat::CosBatchOperationsCsvV1,
            vec![ManifestField::Bucket, ManifestField::Key],
        ),
    ))
}

/// A key URL-encoded as manifests and reports carry it (all but the unreserved characters and
/// `/` escaped).
pub fn encode_key(key: &str) -> String {
    crate::manifest::encode_key(key)
}

/// `n` keys `{prefix}00000`, `{prefix}00001`, ...
pub fn keys(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:05}")).collect()
}

/// Manifest rows: `bucket` (a full name) with each of `keys`.
pub fn rows(bucket: &str, keys: &[String]) -> Vec<(String, String)> {
    keys.iter()
        .map(|k| (bucket.to_owned(), k.clone()))
        .collect()
}
