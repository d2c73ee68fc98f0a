//! A sans-IO codec for the Tencent Cloud COS Batch Operations API: typed operations to
//! `http::Request`, `http::Response` to typed results or typed errors — for clients and for
//! servers. No sockets, no runtime, no clock and no randomness of its own: hyper, reqwest, a
//! WASM fetch, a proxy or a test double can all carry it.
//!
//! - Each [`Operation`] ([`CreateJob`], [`DescribeJob`], [`ListJobs`], [`UpdateJobStatus`],
//!   [`UpdateJobPriority`], [`DeleteJob`]) encodes its input as an unsigned request and decodes
//!   a response into its output or a [`ResponseError`]: a service [`CosError`], or a 2xx whose
//!   body does not decode.
//! - The server side: [`decode_request`] gives the [`Call`] or the [`CosError`] the service
//!   would answer with; [`Operation::encode_response`] and [`encode_error`] write responses.
//! - [`object`]: the object calls of a bucket (PUT/HEAD/GET Bucket, PUT/GET/HEAD/DELETE
//!   Object), request builders and server-side decoding alike.
//! - [`next_page`] steps through ListJobs pages; [`ensure_client_token`] and
//!   [`CosError::is_duplicate_request`] make CreateJob safe to retry.
//!
//! # A client with your own HTTP stack
//! ```
//! use bytes::Bytes;
//! use cos_batch_model::{ListJobsRequest, JobStatus};
//! use cos_batch_proto::{Endpoint, ListJobs, Operation, next_page};
//!
//! let endpoint = Endpoint::new("100000000001", "ap-chengdu", "1250000000").unwrap();
//! let mut input = ListJobsRequest::new();
//! input.max_results = Some(2);
//! let request = ListJobs::encode(&input, &endpoint).unwrap();
//! assert_eq!(request.uri().path_and_query().unwrap(), "/jobs?maxResults=2");
//! // ... sign `request` with cos-sign, send it with any HTTP client, then:
//! let body = "<ListJobsResult><Jobs><member><JobId>021140d8</JobId><Status>Complete</Status>\
//!             </member></Jobs><NextToken>021140d8</NextToken></ListJobsResult>";
//! let response = http::Response::builder().status(200).body(Bytes::from(body)).unwrap();
//! let page = ListJobs::decode_response(&response).unwrap();
//! assert_eq!(page.jobs[0].status, Some(JobStatus::Complete));
//! let next = next_page(&input, &page).unwrap();
//! assert_eq!(next.next_token.as_deref(), Some("021140d8"));
//! ```
//!
//! # A server (the emulator, a proxy, a test double)
//! ```
//! use bytes::Bytes;
//! use cos_batch_model::{UpdateJobPriorityResult};
//! use cos_batch_proto::{decode_request, encode_error, Call, CosError, Operation, UpdateJobPriority};
//!
//! let request = http::Request::post("/jobs/53dc6228/priority?priority=5")
//!     .header("x-cos-appid", "1250000000")
//!     .body(Bytes::new())
//!     .unwrap();
//! let response = match decode_request(&request) {
//!     Ok(incoming) => match incoming.call {
//!         Call::UpdateJobPriority(input) => UpdateJobPriority::encode_response(
//!             &UpdateJobPriorityResult::new(input.job_id, input.priority),
//!             "req-1",
//!         ),
//!         _ => encode_error(&CosError::internal_error("not served here"), "req-1"),
//!     },
//!     Err(error) => encode_error(&error, "req-1"),
//! };
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.headers()["x-cos-request-id"], "req-1");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod body;
mod endpoint;
mod error;
pub mod idempotency;
pub mod object;
mod operation;
mod pagination;
mod path;
mod query;
mod server;

pub use cos_batch_model::ErrorCode;
pub use endpoint::{Endpoint, EndpointError};
pub use error::{CosError, EncodeError, REQUEST_ID, ResponseError, TRACE_ID};
pub use idempotency::ensure_client_token;
pub use operation::{
    APPID, CreateJob, DeleteJob, DescribeJob, ListJobs, Operation, UpdateJobPriority,
    UpdateJobStatus,
};
pub use pagination::next_page;
pub use server::{Call, IncomingCall, decode_request, encode_error};

// The README (the crate page) is compiled and run with the doctests, so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod crate_readme {}
