//! A local control plane for the Tencent Cloud COS Batch Operations API that really runs jobs:
//! try batch jobs, test clients and run CI without a cloud account.
//!
//! - Serves the six operations of the API (CreateJob, DescribeJob, ListJobs, UpdateJobStatus,
//!   UpdateJobPriority, DeleteJob) over HTTP/1.1 on a loopback address (`127.0.0.1:0` by
//!   default), through `cos-batch-proto`'s server side. Every request's signature is verified
//!   with `cos-sign` (header or presigned form) against the configured [`Account`]s.
//! - Serves the object API of its buckets on the same port, signed and verified the same way:
//!   PUT/HEAD/GET Bucket (list objects) and PUT/GET (with `Range`)/HEAD/DELETE Object, through
//!   `cos_batch_proto::object`. A request names its bucket by host
//!   (`{bucket}-{appid}.cos.{region}.myqcloud.com`) or, on a plain `127.0.0.1:port`, by path
//!   (`/{bucket}-{appid}/{key}`); it may use only buckets of the account that signed it
//!   (`AccessDenied`). A PUT Object body is at most [`MAX_OBJECT_SIZE`] (5 GiB) and is streamed
//!   to disk in chunks of the body budget; its `Content-MD5` is optional and checked when present.
//! - Buckets are directories under a data directory, `{data}/{bucket}-{appid}/{key}`; ARNs
//!   (`qcs::cos:{region}:uid/{appid}:{bucket}/{key}` or `qcs::cos:{region}::{bucket}/{key}`)
//!   map to them. Keys that could leave their bucket fail their task.
//!   Object metadata (tags, headers, ACL, storage class, restore state) lives in sidecars under
//!   `{data}/.cos-meta/` ([`ObjectMeta`]). The object API, the tasks and the handle's helpers
//!   share one storage layer: every file operation is relative to an open directory handle and
//!   refuses symbolic links and `..` at the moment it happens (`openat2` with
//!   `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS` on Linux 5.6+, else an `O_NOFOLLOW` walk), so a
//!   directory swapped for a link while a job runs fails its tasks instead of letting them
//!   out. Writes go through `.cos-tmp-*` files renamed into place; those an interrupted write
//!   leaves are never objects and are removed at start. A key's `/` are directories, so `a`
//!   and `a/b` cannot both be objects. Unix only.
//! - Jobs go through the whole lifecycle (`New → Preparing → Suspended → Ready → Active →
//!   Complete`, with `Pausing`/`Paused`, `Cancelling`/`Cancelled`, `Failing`/`Failed`), run
//!   their tasks with a configurable number of workers, keep live progress counters, and write
//!   their completion report into the report bucket as they end.
//! - Accounts are isolated: a job may read and write only buckets of its own account (the
//!   `uid/{appid}` of an ARN, or a bucket name ending with another served account's APPID, is
//!   `AccessDenied` at CreateJob, and per task for a manifest row), with messages that say
//!   nothing about the other account's objects. The handle's object helpers keep the same rule.
//! - Jobs of any size run in bounded memory: the manifest is streamed (its ETag checked on the
//!   way) into the job's task file, tasks run in manifest order and their outcomes are appended
//!   to a task log in that order and counted, and the report is streamed from the two files;
//!   no per-task state is held in memory (without a state directory the files live in a
//!   private temporary directory). The report's rows are in manifest order.
//! - With a state directory, jobs survive a restart: an active job resumes without running its
//!   finished tasks again. A restart reads the task logs of the jobs that have not ended only;
//!   an ended job is its record (its task files are removed when it ends). CreateJob answers once the job is on disk (written, `fsync`ed,
//!   renamed, directory `fsync`ed), else `500 InternalError` and no job; a job directory that
//!   cannot be read on start is moved to `{state}/set-aside/` and reported (stderr, `tracing`,
//!   [`EmulatorHandle::set_aside_jobs`]), and the emulator starts.
//! - Connections are bounded ([`Config::with_max_connections`]) and closed when they send no
//!   request head in time ([`Config::with_header_read_timeout`]) or stay idle
//!   ([`Config::with_idle_timeout`]); the signature is checked from the request head before
//!   any body is read, and bodies in flight share a memory budget.
//! - Faults can be injected ([`Faults`]): a share of requests answered 500 or 503, delayed, or
//!   (for CreateJob) cut off after the job was made.
//!
//! The `test-util` feature adds the module `test_util`: the fixture the crate's tests,
//! benches and other crates' tests share.
//!
//! Decisions where the API is silent: a job that has ended is `InvalidRequest` "has already
//! been completed" to UpdateJobStatus and `NoSuchJob` "does not exist or has already been
//! completed" to UpdateJobPriority (both `CosError::is_job_ended`); a copy without
//! `StorageClass` is `STANDARD` and one without ACL settings gets the bucket's default ACL, as
//! PUT Object - Copy does; DeleteJob deletes only jobs that have ended (`InvalidRequest`
//! otherwise); the job limit counts an account's jobs that have not ended; `TooManyJobs` is a
//! 500; the ARN's region is not checked; manifest keys are percent-decoded (`+` stays `+`).
//!
//! # Example
//! ```
//! use std::time::Duration;
//! use cos_batch_emulator::{Account, Config, Emulator};
//! use cos_batch_model::*;
//! use cos_batch_proto::{CreateJob, DescribeJob, Endpoint};
//! use cos_sign::{KeyTime, Signer};
//! use http_body_util::{BodyExt, Full};
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let data = tempfile::tempdir()?;
//! let emulator = Emulator::start(Config::new(data.path())).await?;
//! let account = Account::demo();
//! let appid = account.appid.as_str();
//!
//! // Two objects, a manifest that lists them, and a bucket for the report.
//! emulator.put_object("photos", appid, "2024/cat.jpg", b"meow")?;
//! emulator.put_object("photos", appid, "2024/dog.jpg", b"woof")?;
//! let etag = emulator.put_object(
//!     "photos",
//!     appid,
//!     "manifest.csv",
//!     b"photos-1250000000,2024/cat.jpg\nphotos-1250000000,2024/dog.jpg\n",
//! )?;
//! emulator.create_bucket("reports", appid)?;
//!
//! // A job that tags both objects.
//! let request = CreateJobRequest::new(
//!     "token-1",
//!     Manifest::new(
//!         ManifestLocation::new(emulator.object_arn("photos", appid, "manifest.csv"), etag),
//!         ManifestSpec::new(
//!             ManifestFormat::CosBatchOperationsCsvV1,
//!             vec![ManifestField::Bucket, ManifestField::Key],
//!         ),
//!     ),
//!     Operation::PutObjectTagging(PutObjectTagging::new(vec![Tag::new("pet", "yes")])),
//!     10,
//!     Report::new(emulator.bucket_arn("reports", appid), true, ReportScope::AllTasks),
//!     "qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole",
//! );
//! let endpoint = emulator.endpoint(&account);
//! let signer = Signer::new(account.credentials());
//! let job_id = send::<CreateJob>(&signer, &endpoint, &request).await?.job_id.unwrap();
//!
//! // Poll until the job ends.
//! let job = loop {
//!     let describe = DescribeJobRequest::new(job_id.as_str());
//!     let job = send::<DescribeJob>(&signer, &endpoint, &describe).await?.job.unwrap();
//!     if job.status.as_ref().is_some_and(JobStatus::is_terminal) {
//!         break job;
//!     }
//!     tokio::time::sleep(Duration::from_millis(20)).await;
//! };
//! assert_eq!(job.status, Some(JobStatus::Complete));
//! assert_eq!(job.progress_summary.unwrap().number_of_tasks_succeeded, Some(2));
//! assert_eq!(emulator.object_meta("photos", appid, "2024/cat.jpg")?.tags["pet"], "yes");
//! let report = data.path().join(format!("reports-1250000000/job-{job_id}/results/succeeded.csv"));
//! assert_eq!(
//!     std::fs::read_to_string(report)?,
//!     "photos-1250000000,2024/cat.jpg,,succeeded,,200,Successful\n\
//!      photos-1250000000,2024/dog.jpg,,succeeded,,200,Successful\n"
//! );
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//!
//! /// Signs and sends one operation on a new connection.
//! async fn send<O: cos_batch_proto::Operation>(
//!     signer: &Signer,
//!     endpoint: &Endpoint,
//!     input: &O::Input,
//! ) -> Result<O::Output, Box<dyn std::error::Error>> {
//!     let (mut parts, body) = O::encode(input, endpoint)?.into_parts();
//!     signer.sign(&mut parts, KeyTime::now(Duration::from_secs(600)))?;
//!     let stream = tokio::net::TcpStream::connect(endpoint.authority()).await?;
//!     let io = hyper_util::rt::TokioIo::new(stream);
//!     let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
//!     tokio::spawn(connection);
//!     let response = sender
//!         .send_request(http::Request::from_parts(parts, Full::new(body)))
//!         .await?;
//!     let (head, body) = response.into_parts();
//!     let body = body.collect().await?.to_bytes();
//!     Ok(O::decode(head.status, &head.headers, &body)?)
//! }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod account;
mod arn;
mod atomic_file;
mod body_budget;
mod config;
mod connections;
mod control_plane;
mod faults;
mod job;
mod manifest;
mod object_api;
mod object_meta;
mod object_path;
mod ownership;
mod persist;
mod registry;
mod report;
mod response_body;
mod scheduler;
mod server;
mod service;
mod settings;
mod storage;
mod task;
mod task_log;
mod task_outcome;
mod task_queue;
#[cfg(feature = "test-util")]
pub mod test_util;

pub use account::Account;
pub use body_budget::{DEFAULT_BODY_BUDGET, MAX_OBJECT_SIZE};
pub use config::{
    Config, DEFAULT_ACTIVE_JOBS, DEFAULT_JOB_LIMIT, DEFAULT_REGION, DEFAULT_WORKERS, Faults,
};
pub use connections::{DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS};
pub use object_meta::{AclGrant, ObjectAcl, ObjectHeaders, ObjectMeta, RestoreState};
pub use server::{Emulator, EmulatorHandle, StartError, run_until};

// Internals stay internal: none of the path helpers can be named from outside the crate.
/// ```compile_fail,E0432
/// use cos_batch_emulator::ObjectPath;
/// ```
/// ```compile_fail,E0432
/// use cos_batch_emulator::PathError;
/// ```
/// ```compile_fail,E0432
/// use cos_batch_emulator::META_DIR;
/// ```
/// ```compile_fail,E0432
/// use cos_batch_emulator::MAX_KEY_LEN;
/// ```
/// ```compile_fail,E0432
/// use cos_batch_emulator::MAX_SEGMENT_LEN;
/// ```
/// ```compile_fail,E0432
/// use cos_batch_emulator::check_key;
/// ```
/// ```compile_fail,E0432
/// use cos_batch_emulator::bucket_dir_name;
/// ```
#[cfg(doctest)]
mod internals_stay_private {}

// The README (the crate page) is compiled and run with the doctests, so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod crate_readme {}
