//! A small async client for the Tencent Cloud COS Batch Operations API over hyper 1: the
//! typed operations of `cos-batch-proto`, signed with `cos-sign`, sent over a pooled
//! connection (rustls for `https`, plain TCP for a local `http` endpoint), or over an HTTP
//! client of your own.
//!
//! # Calls: fluent builders
//!
//! Every operation is a method of [`Client`] returning a builder that ends in `send().await`,
//! like the AWS SDKs. CreateJob's `ClientRequestToken` is optional: left out, the client fills
//! a UUID once and reuses it on every retry.
//!
//! ```no_run
//! use cos_batch_hyper::model::{
//!     DeleteObject, Manifest, ManifestField, ManifestFormat, ManifestLocation, ManifestSpec,
//!     Operation, Report, ReportScope,
//! };
//! use cos_batch_hyper::{Client, Endpoint, EnvProvider};
//!
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder()
//!     .endpoint(Endpoint::new("100000000001", "ap-chengdu", "1250000000")?)
//!     .credentials_provider(EnvProvider::new())
//!     .build()?;
//! let created = client
//!     .create_job()
//!     .manifest(Manifest::new(
//!         ManifestLocation::new(
//!             "qcs::cos:ap-chengdu::sourcebucket-1250000000/manifest.csv",
//!             "\"15150651828fa9cdcb8356b6d1c7638b\"",
//!         ),
//!         ManifestSpec::new(
//!             ManifestFormat::CosBatchOperationsCsvV1,
//!             vec![ManifestField::Bucket, ManifestField::Key],
//!         ),
//!     ))
//!     .operation(Operation::DeleteObject(DeleteObject::default()))
//!     .report(Report::new("qcs::cos:ap-chengdu::sourcebucket-1250000000", true, ReportScope::AllTasks))
//!     .role_arn("qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole")
//!     .priority(5)
//!     .send()
//!     .await?;
//! let job_id = created.job_id.unwrap_or_default();
//! let described = client.describe_job().job_id(&job_id).send().await?;
//! println!("{:?}", described.job.and_then(|job| job.status));
//! # Ok(()) }
//! ```
//!
//! # Every page: the paginator
//!
//! ```no_run
//! # async fn f(client: cos_batch_hyper::Client) -> Result<(), cos_batch_hyper::Error> {
//! use cos_batch_hyper::model::JobStatus;
//! use futures_util::TryStreamExt;
//!
//! let mut jobs = std::pin::pin!(client
//!     .list_jobs()
//!     .job_status(JobStatus::Active)
//!     .into_paginator()
//!     .page_size(100)
//!     .items());
//! while let Some(job) = jobs.try_next().await? {
//!     println!("{:?} {:?}", job.job_id, job.progress_summary);
//! }
//! # Ok(()) }
//! ```
//!
//! # Until it is done: the waiter
//!
//! ```no_run
//! # async fn f(client: cos_batch_hyper::Client) -> Result<(), cos_batch_hyper::Error> {
//! use std::time::Duration;
//!
//! let job = client
//!     .wait_for_job("53dc6228-c50b-46f7-8ad7-65e7159f1aae")
//!     .timeout(Duration::from_secs(600))
//!     .on_progress(|job| println!("{:?}", job.progress_summary))
//!     .await?;
//! println!("ended as {:?}", job.status);
//! # Ok(()) }
//! ```
//!
//! # Objects: manifests in, reports out
//!
//! [`Client::bucket`] gives a [`Bucket`] for the object calls a workflow needs (PUT, HEAD and
//! GET Bucket; PUT, GET, HEAD and DELETE Object), with the same signing, retries and errors:
//!
//! ```no_run
//! # async fn f(client: cos_batch_hyper::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use cos_batch_hyper::object::{ListObjectsInput, PutObjectInput};
//! use futures_util::TryStreamExt;
//!
//! let bucket = client.bucket("sourcebucket-1250000000")?;
//! let etag = bucket
//!     .put_object_file(&PutObjectInput::new("manifests/m.csv"), "m.csv".as_ref())
//!     .await?;
//! let mut objects = std::pin::pin!(bucket.list_objects_stream(ListObjectsInput::default()));
//! while let Some(object) = objects.try_next().await? {
//!     println!("{} {}", object.key, object.size);
//! }
//! # let _ = etag;
//! # Ok(()) }
//! ```
//!
//! # What else
//!
//! - [`Client`]: next to the fluent builders, one async method per operation taking the
//!   model's request struct ([`Client::create_job_with`],
//!   [`Client::describe_job_with`], [`Client::list_jobs_with`], [`Client::update_job_status_with`],
//!   [`Client::update_job_priority_with`], [`Client::delete_job_with`]) and
//!   [`Client::list_jobs_stream`] for every page. Cheap to clone, `Send + Sync`.
//! - Errors keep apart what went wrong where: [`Error::Invalid`] (caught before sending),
//!   [`Error::Service`] (a [`CosError`] with its request id), [`Error::Transport`]
//!   (connect, timeout, closed, body), [`Error::Response`] (an answer that is neither the
//!   output nor an error document: the codec's own error), [`Error::Sign`] and
//!   [`Error::Credentials`]. [`ErrorMetadata`] asks any of them for the code, message,
//!   request id, trace id, HTTP status and retryability; `Display` shows each layer once and
//!   `source()` goes on below it.
//! - Retries ([`RetryPolicy`]): exponential back-off with full jitter, bounded by attempts and
//!   elapsed time, on retryable service errors and transport failures only; a throttling
//!   answer's `Retry-After` is honoured; every retry is paid from a [`RetryBudget`] (a token
//!   bucket) shared by the client's calls, so a failing service is not met with every
//!   caller's full set of retries. Every attempt is
//!   signed afresh. CreateJob is safe to retry: its `ClientRequestToken` is filled once and
//!   reused, and a retry that meets "Duplicate request" returns the job the lost attempt
//!   created — never a second job. That look-up is bounded by [`RecoveryLimits`] (a time
//!   window and a page limit).
//! - Timeouts: connect, per attempt, overall. A `RequestTimeTooSkewed` answer corrects the
//!   client's clock offset from the response `Date` and retries once.
//! - Credentials: fixed, or any [`ProvideCredentials`] of `cos-credentials` (the environment
//!   with [`EnvProvider`], the production chain with [`ChainProvider`], temporary keys of your
//!   own), refreshed before expiry with one refresh shared by concurrent calls.
//! - `tracing`: one `cos_batch` span per call with `operation`, `attempt`, `status` and
//!   `request_id`; never the `Authorization` header, the secret key or the session token.
//!
//! Everything a caller needs is re-exported: [`Endpoint`], [`Credentials`], [`CosError`] and
//! the wire types as [`model`].
//!
//! # Request structs
//! ```no_run
//! use std::time::Duration;
//! use cos_batch_hyper::model::{
//!     CreateJobRequest, DeleteObject, DescribeJobRequest, JobStatus, ListJobsRequest, Manifest,
//!     ManifestField, ManifestFormat, ManifestLocation, ManifestSpec, Operation, Report,
//!     ReportScope,
//! };
//! use cos_batch_hyper::{Client, EnvProvider, Endpoint, Error, RetryPolicy};
//! use futures_util::StreamExt;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = Client::builder()
//!         .endpoint(Endpoint::new("100000000001", "ap-chengdu", "1250000000")?)
//!         // COS_SECRET_ID, COS_SECRET_KEY and optionally COS_SESSION_TOKEN (or TENCENTCLOUD_*)
//!         .credentials_provider(EnvProvider::new())
//!         .retry_policy(RetryPolicy::default().with_max_attempts(5))
//!         .attempt_timeout(Duration::from_secs(10))
//!         .overall_timeout(Duration::from_secs(60))
//!         .build()?;
//!
//!     // Delete every object a manifest lists. No ClientRequestToken is given (`None`): the
//!     // client fills it with a UUID and reuses it on every retry.
//!     let request = CreateJobRequest::builder()
//!         .manifest(Manifest::new(
//!             ManifestLocation::new(
//!                 "qcs::cos:ap-chengdu::sourcebucket-1250000000/manifest.csv",
//!                 "\"15150651828fa9cdcb8356b6d1c7638b\"",
//!             ),
//!             ManifestSpec::new(
//!                 ManifestFormat::CosBatchOperationsCsvV1,
//!                 vec![ManifestField::Bucket, ManifestField::Key],
//!             ),
//!         ))
//!         .operation(Operation::DeleteObject(DeleteObject::default()))
//!         .priority(10)
//!         .report(Report::new("qcs::cos:ap-chengdu::sourcebucket-1250000000", true, ReportScope::AllTasks))
//!         .role_arn("qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole")
//!         .build()?;
//!     let job_id = client.create_job_with(request).await?.job_id.unwrap_or_default();
//!
//!     match client.describe_job_with(DescribeJobRequest::new(job_id.as_str())).await {
//!         Ok(described) => println!("{job_id}: {:?}", described.job.and_then(|j| j.status)),
//!         Err(Error::Service(e)) => println!("the service said {} [{:?}]", e.code(), e.request_id()),
//!         Err(e) if e.is_retryable() => println!("try again later: {e}"),
//!         Err(e) => return Err(e.into()),
//!     }
//!
//!     // Every active job, across pages.
//!     let mut active = ListJobsRequest::new();
//!     active.job_statuses = vec![JobStatus::Active];
//!     let mut jobs = std::pin::pin!(client.list_jobs_stream(active));
//!     while let Some(job) = jobs.next().await {
//!         let job = job?;
//!         println!("{:?} {:?}", job.job_id, job.progress_summary);
//!     }
//!     Ok(())
//! }
//! ```
//!
//! Against the local emulator (or any other base URL), use
//! `Endpoint::with_base_url("http://127.0.0.1:PORT", appid)`; `http` URLs are sent over plain
//! TCP.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod budget;
mod builder;
// The README's examples compile as doc tests here, where every crate they use is a dependency.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
mod readme {}
mod client;
mod clock;
mod error;
mod fluent;
mod metadata;
mod objects;
mod page_token;
mod paginator;
mod recovery;
mod retry;
mod retry_after;
mod signing;
mod transport;
mod upload;
mod waiter;

pub use budget::RetryBudget;
pub use builder::{
    BuildError, ClientBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BODY, DEFAULT_OVERALL_TIMEOUT, DEFAULT_USER_AGENT,
};
pub use client::Client;
pub use cos_batch_model as model;
/// The object API's types (listing input and output, object heads, PUT input, ranges).
pub use cos_batch_proto::object;
pub use cos_batch_proto::{
    CosError, EncodeError, Endpoint, EndpointError, ErrorCode, ResponseError,
};
pub use cos_credentials::{
    ChainProvider, CredentialsError, CredentialsErrorKind, CredentialsFuture,
    DEFAULT_REFRESH_MARGIN, EnvProvider, ProvideCredentials, ProvidedCredentials,
};
pub use cos_sign::Credentials;
pub use cos_sign::SignError;
pub use error::{Error, TransportError, TransportErrorKind};
pub use fluent::{
    CreateJobFluentBuilder, DeleteJobFluentBuilder, DescribeJobFluentBuilder,
    ListJobsFluentBuilder, UpdateJobPriorityFluentBuilder, UpdateJobStatusFluentBuilder,
};
pub use metadata::ErrorMetadata;
pub use objects::{Bucket, DEFAULT_CHUNK_SIZE, GetObjectOutput};
pub use paginator::ListJobsPaginator;
pub use recovery::RecoveryLimits;
pub use retry::{DEFAULT_MAX_RETRY_AFTER, RetryPolicy};
pub use transport::{HttpFuture, HttpTransport, HyperTransport};
pub use upload::UploadBody;
pub use waiter::{
    DEFAULT_MAX_POLL_INTERVAL, DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT, JobWaiter,
};

// The README (the crate page) is compiled and run with the doctests, so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod crate_readme {}
