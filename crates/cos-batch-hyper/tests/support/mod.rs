//! A small COS batch server on 127.0.0.1 for the client's tests: it verifies every request's
//! signature with `cos_sign::Verifier`, decodes it with `cos_batch_proto::decode_request`,
//! keeps jobs in memory, and can be scripted to fail requests in the ways networks and
//! services do.
#![allow(dead_code)] // each test binary uses a part of it

use std::collections::{HashMap, VecDeque};
use std::error::Error as StdError;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use cos_batch_hyper::model::{
    CreateJobRequest, CreateJobResult, DeleteJobResult, DeleteObject, DescribeJobResult, Job,
    JobListEntry, JobStatus, ListJobsResult, Manifest, ManifestField, ManifestFormat,
    ManifestLocation, ManifestSpec, Operation as JobOperation, Report, ReportScope, Timestamp,
    UpdateJobPriorityResult, UpdateJobStatusResult,
};
use cos_batch_hyper::{ClientBuilder, CosError, Credentials, Endpoint, ErrorCode, RetryPolicy};
use cos_batch_proto::{
    Call, CreateJob, DeleteJob, DescribeJob, ListJobs, Operation, UpdateJobPriority,
    UpdateJobStatus, decode_request, encode_error,
};
use cos_sign::{SecretKey, Verifier};
use http::header::{CONTENT_LENGTH, DATE};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

pub type BoxError = Box<dyn StdError + Send + Sync>;
type Body = BoxBody<Bytes, BoxError>;

pub const SECRET_ID: &str = "AKIDtestclient0000000000000000000000";
pub const SECRET_KEY: &str = "test-secret-key-must-never-show";
pub const APPID: &str = "1250000000";

/// A way to fail one request.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this error instead of serving the call.
    Error(CosError),
    /// Answer with this error and a `Retry-After` header of this value.
    RetryAfter(CosError, String),
    /// Answer with this status and raw body instead of serving the call.
    Raw(StatusCode, &'static str),
    /// Serve the call, then send the head (with the full Content-Length) and half the body,
    /// and close the connection.
    CutBody,
    /// Serve the call, then close the connection without answering: the response is lost.
    DropAfterServing,
    /// Close the connection without serving the call.
    DropBefore,
    /// Never answer.
    Hang,
}

/// What the server saw of one request that passed verification and decoding.
#[derive(Clone, Debug)]
pub struct Seen {
    pub operation: &'static str,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub struct State {
    /// Every request that arrived (before verification).
    pub requests: AtomicUsize,
    seen: Mutex<Vec<Seen>>,
    jobs: Mutex<Vec<Job>>,
    next_id: AtomicUsize,
    faults: Mutex<VecDeque<(Option<&'static str>, Fault)>>,
    accounts: Mutex<HashMap<String, String>>,
    /// The server's clock runs this many seconds off the real one.
    clock_offset_secs: AtomicI64,
}

impl State {
    fn now(&self) -> SystemTime {
        let offset = self.clock_offset_secs.load(Ordering::SeqCst);
        let by = Duration::from_secs(offset.unsigned_abs());
        if offset >= 0 {
            SystemTime::now() + by
        } else {
            SystemTime::now() - by
        }
    }

    fn take_fault(&self, operation: &'static str) -> Option<Fault> {
        let mut faults = self.faults.lock().unwrap();
        let i = faults
            .iter()
            .position(|(op, _)| op.is_none_or(|op| op == operation))?;
        faults.remove(i).map(|(_, f)| f)
    }

    fn serve(&self, call: Call, request_id: &str) -> Response<Bytes> {
        let mut jobs = self.jobs.lock().unwrap();
        let no_such_job = || {
            encode_error(
                &CosError::no_such_job("The specified job does not exist"),
                request_id,
            )
        };
        match call {
            Call::CreateJob(input) => {
                if jobs.iter().any(|j| {
                    j.client_request_token.is_some()
                        && j.client_request_token == input.client_request_token
                }) {
                    return encode_error(&CosError::duplicate_request(), request_id);
                }
                let n = self.next_id.fetch_add(1, Ordering::SeqCst);
                let id = format!("job-{n:04}");
                let mut job = Job::default();
                job.job_id = Some(id.clone());
                job.client_request_token = input.client_request_token.clone();
                job.creation_time = Some(Timestamp::from_system_time(self.now()).unwrap());
                job.description = input.description.clone();
                job.priority = Some(input.priority);
                job.status = Some(JobStatus::New);
                job.confirmation_required = input.confirmation_required;
                jobs.push(job);
                CreateJob::encode_response(&CreateJobResult::new(id), request_id)
            }
            Call::DescribeJob(input) => match jobs
                .iter()
                .find(|j| j.job_id.as_deref() == Some(&input.job_id))
            {
                Some(job) => {
                    DescribeJob::encode_response(&DescribeJobResult::new(job.clone()), request_id)
                }
                None => no_such_job(),
            },
            Call::ListJobs(input) => {
                let matching: Vec<&Job> = jobs
                    .iter()
                    .filter(|j| {
                        input.job_statuses.is_empty()
                            || j.status
                                .as_ref()
                                .is_some_and(|s| input.job_statuses.contains(s))
                    })
                    .collect();
                let start = match &input.next_token {
                    None => 0,
                    Some(token) => match matching
                        .iter()
                        .position(|j| j.job_id.as_deref() == Some(token))
                    {
                        Some(i) => i + 1,
                        None => {
                            return encode_error(
                                &CosError::invalid_argument("bad nextToken"),
                                request_id,
                            );
                        }
                    },
                };
                let max = input.max_results.unwrap_or(1000) as usize;
                let page: Vec<JobListEntry> = matching[start..]
                    .iter()
                    .take(max)
                    .map(|j| entry(j))
                    .collect();
                let next = (start + page.len() < matching.len())
                    .then(|| page.last().and_then(|e| e.job_id.clone()))
                    .flatten();
                ListJobs::encode_response(&ListJobsResult::new(page, next), request_id)
            }
            Call::UpdateJobStatus(input) => match jobs
                .iter_mut()
                .find(|j| j.job_id.as_deref() == Some(&input.job_id))
            {
                Some(job) => {
                    let status = JobStatus::from(input.requested_job_status.as_str());
                    job.status = Some(status.clone());
                    job.status_update_reason = input.status_update_reason.clone();
                    let mut result = UpdateJobStatusResult::new(input.job_id.clone(), status);
                    result.status_update_reason = input.status_update_reason.clone();
                    UpdateJobStatus::encode_response(&result, request_id)
                }
                None => no_such_job(),
            },
            Call::UpdateJobPriority(input) => match jobs
                .iter_mut()
                .find(|j| j.job_id.as_deref() == Some(&input.job_id))
            {
                Some(job) => {
                    job.priority = Some(input.priority);
                    UpdateJobPriority::encode_response(
                        &UpdateJobPriorityResult::new(input.job_id.clone(), input.priority),
                        request_id,
                    )
                }
                None => no_such_job(),
            },
            Call::DeleteJob(input) => {
                let before = jobs.len();
                jobs.retain(|j| j.job_id.as_deref() != Some(&input.job_id));
                if jobs.len() == before {
                    return no_such_job();
                }
                DeleteJob::encode_response(&DeleteJobResult, request_id)
            }
            other => encode_error(
                &CosError::internal_error(format!("{} not served", other.name())),
                request_id,
            ),
        }
    }
}

fn entry(job: &Job) -> JobListEntry {
    let mut e = JobListEntry::default();
    e.job_id = job.job_id.clone();
    e.creation_time = job.creation_time.clone();
    e.description = job.description.clone();
    e.priority = job.priority;
    e.status = job.status.clone();
    e
}

fn full(response: Response<Bytes>) -> Response<Body> {
    response.map(|b| Full::new(b).map_err(|never| match never {}).boxed())
}

/// The head of `response` with its full Content-Length, but only half its body, then an error
/// that makes hyper close the connection.
fn cut(response: Response<Bytes>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(body.len().max(2)));
    let half = body.slice(..body.len() / 2);
    // Step 0 sends half the body; step 1 pauses (the body is pending, so hyper flushes what
    // it has: the head and the half), then fails, which makes hyper close the connection.
    let frames = futures_util::stream::unfold((0u8, Some(half)), |(step, half)| async move {
        match step {
            0 => Some((Ok(Frame::data(half.clone().unwrap_or_default())), (1, half))),
            1 => {
                tokio::time::sleep(Duration::from_millis(1)).await;
                Some((Err::<Frame<Bytes>, BoxError>("cut off".into()), (2, None)))
            }
            _ => None,
        }
    });
    Response::from_parts(parts, StreamBody::new(frames).boxed())
}

async fn handle(state: Arc<State>, request: Request<Incoming>) -> Result<Response<Body>, BoxError> {
    let n = state.requests.fetch_add(1, Ordering::SeqCst);
    let request_id = format!("req-{n}");
    let (parts, body) = request.into_parts();
    let body = body.collect().await?.to_bytes();
    let now = state.now();
    let mut response = respond(&state, Request::from_parts(parts, body), &request_id, now).await?;
    response.headers_mut().insert(
        DATE,
        HeaderValue::from_str(&httpdate::fmt_http_date(now)).unwrap(),
    );
    Ok(response)
}

async fn respond(
    state: &State,
    request: Request<Bytes>,
    request_id: &str,
    now: SystemTime,
) -> Result<Response<Body>, BoxError> {
    let verified = {
        let accounts = state.accounts.lock().unwrap().clone();
        let (parts, _) = request.clone().into_parts();
        Verifier::new(move |id: &str| accounts.get(id).map(SecretKey::new))
            .verify_parts(&parts, now)
    };
    if let Err(e) = verified {
        let error = CosError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::from(e.code()),
            e.to_string(),
        );
        return Ok(full(encode_error(&error, request_id)));
    }
    let incoming = match decode_request(&request) {
        Ok(incoming) => incoming,
        Err(e) => return Ok(full(encode_error(&e, request_id))),
    };
    let operation = incoming.call.name();
    state.seen.lock().unwrap().push(Seen {
        operation,
        headers: request.headers().clone(),
        body: request.body().clone(),
    });
    let fault = state.take_fault(operation);
    match &fault {
        Some(Fault::Error(e)) => return Ok(full(encode_error(e, request_id))),
        Some(Fault::RetryAfter(e, after)) => {
            let mut r = encode_error(e, request_id);
            r.headers_mut()
                .insert("retry-after", HeaderValue::from_str(after).unwrap());
            return Ok(full(r));
        }
        Some(Fault::Raw(status, body)) => {
            let mut r = Response::new(Bytes::from_static(body.as_bytes()));
            *r.status_mut() = *status;
            r.headers_mut().insert(
                "x-cos-request-id",
                HeaderValue::from_str(request_id).unwrap(),
            );
            return Ok(full(r));
        }
        Some(Fault::DropBefore) => return Err("dropped before serving".into()),
        Some(Fault::Hang) => std::future::pending::<()>().await,
        _ => {}
    }
    let response = state.serve(incoming.call, request_id);
    match fault {
        Some(Fault::DropAfterServing) => Err("response lost".into()),
        Some(Fault::CutBody) => Ok(cut(response)),
        _ => Ok(full(response)),
    }
}

/// A running test server; stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    pub state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            requests: AtomicUsize::new(0),
            seen: Mutex::new(Vec::new()),
            jobs: Mutex::new(Vec::new()),
            next_id: AtomicUsize::new(1),
            faults: Mutex::new(VecDeque::new()),
            accounts: Mutex::new(HashMap::from([(
                SECRET_ID.to_owned(),
                SECRET_KEY.to_owned(),
            )])),
            clock_offset_secs: AtomicI64::new(0),
        });
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(Arc::clone(&state), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, state, task }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn endpoint(&self) -> Endpoint {
        Endpoint::with_base_url(&self.base_url(), APPID).unwrap()
    }

    /// A builder for this server with the test credentials and quick retries.
    pub fn client(&self) -> ClientBuilder {
        cos_batch_hyper::Client::builder()
            .endpoint(self.endpoint())
            .credentials(Credentials::new(SECRET_ID, SECRET_KEY))
            .retry_policy(quick_retries())
    }

    /// Fails the next request of `operation` (any operation for `None`) with `fault`.
    pub fn fail_next(&self, operation: Option<&'static str>, fault: Fault) {
        self.state
            .faults
            .lock()
            .unwrap()
            .push_back((operation, fault));
    }

    pub fn add_account(&self, secret_id: &str, secret_key: &str) {
        self.state
            .accounts
            .lock()
            .unwrap()
            .insert(secret_id.to_owned(), secret_key.to_owned());
    }

    pub fn set_clock_offset(&self, secs: i64) {
        self.state.clock_offset_secs.store(secs, Ordering::SeqCst);
    }

    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// How many requests of `operation` passed verification.
    pub fn seen_of(&self, operation: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.operation == operation)
            .count()
    }

    pub fn jobs(&self) -> Vec<Job> {
        self.state.jobs.lock().unwrap().clone()
    }

    /// Adds a job directly, as if created `age` ago with `token`.
    pub fn seed_job(&self, token: &str, age: Duration) -> String {
        let n = self.state.next_id.fetch_add(1, Ordering::SeqCst);
        let id = format!("job-{n:04}");
        let mut job = Job::default();
        job.job_id = Some(id.clone());
        job.client_request_token = Some(token.to_owned());
        job.creation_time = Some(Timestamp::from_system_time(self.state.now() - age).unwrap());
        job.status = Some(JobStatus::New);
        job.priority = Some(1);
        self.state.jobs.lock().unwrap().push(job);
        id
    }
}

pub fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(4)
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
}

/// A valid CreateJob input (with `token`, `None` for "fill it for me").
pub fn create_request(token: Option<&str>) -> CreateJobRequest {
    let mut request = CreateJobRequest::new(
        "-",
        Manifest::new(
            ManifestLocation::new(
                "qcs::cos:ap-chengdu::sourcebucket-1250000000/manifest.csv",
                "\"15150651828fa9cdcb8356b6d1c7638b\"",
            ),
            ManifestSpec::new(
                ManifestFormat::CosBatchOperationsCsvV1,
                vec![ManifestField::Bucket, ManifestField::Key],
            ),
        ),
        JobOperation::DeleteObject(DeleteObject::default()),
        10,
        Report::new(
            "qcs::cos:ap-chengdu::sourcebucket-1250000000",
            true,
            ReportScope::AllTasks,
        ),
        "qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole",
    );
    request.description = Some("a test job".into());
    request.client_request_token = token.map(str::to_owned);
    request
}

/// The service's throttling answer (503 `SlowDown`).
pub fn slow_down() -> CosError {
    CosError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::SlowDown,
        "Please reduce your request rate.",
    )
}

/// Runs `f` with a generous guard: a hung client fails the test instead of hanging it.
pub async fn guarded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .expect("the test hung")
}

/// The real emulator (the object API and jobs) with a client of its demo account, for the
/// tests that need the whole service rather than the scripted server above.
pub struct EmulatorSetup {
    pub handle: cos_batch_emulator::EmulatorHandle,
    pub account: cos_batch_emulator::Account,
    pub client: cos_batch_hyper::Client,
    _dir: tempfile::TempDir,
}

impl EmulatorSetup {
    /// Starts an emulator in a temporary data directory.
    pub async fn start() -> Self {
        Self::with_faults(cos_batch_emulator::Faults::new(), quick_retries()).await
    }

    /// Starts an emulator that injects `faults`, with a client retrying by `retry`.
    pub async fn with_faults(faults: cos_batch_emulator::Faults, retry: RetryPolicy) -> Self {
        Self::with(faults, |client| client.retry_policy(retry)).await
    }

    /// Starts an emulator that injects `faults` (the emulator crate's test fixture), with a
    /// client of its demo account that `client` configures.
    pub async fn with(
        faults: cos_batch_emulator::Faults,
        client: impl FnOnce(cos_batch_hyper::ClientBuilder) -> cos_batch_hyper::ClientBuilder,
    ) -> Self {
        let emulator =
            cos_batch_emulator::test_util::TestEmulator::start(|config| config.with_faults(faults))
                .await
                .unwrap();
        let account = emulator.account().clone();
        let (handle, _, dir) = emulator.into_parts();
        let client = client(
            cos_batch_hyper::Client::builder()
                .endpoint(handle.endpoint(&account))
                .credentials(account.credentials()),
        )
        .build()
        .unwrap();
        Self {
            handle,
            account,
            client,
            _dir: dir,
        }
    }

    /// The full name of `bucket` in the demo account.
    pub fn full(&self, bucket: &str) -> String {
        format!("{bucket}-{}", self.account.appid)
    }
}
