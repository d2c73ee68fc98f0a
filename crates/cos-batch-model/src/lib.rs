//! Wire types of the Tencent Cloud COS Batch Operations API, with XML encoding, decoding and
//! validation. No HTTP and no IO: the codec crate maps these types to requests and responses.
//!
//! - XML bodies implement [`XmlDocument`]: [`CreateJobRequest`], [`CreateJobResult`],
//!   [`DescribeJobResult`], [`ListJobsResult`], [`UpdateJobStatusResult`],
//!   [`UpdateJobPriorityResult`] and [`ErrorDocument`].
//! - Inputs without a body are plain data: [`DescribeJobRequest`], [`ListJobsRequest`],
//!   [`UpdateJobStatusRequest`], [`UpdateJobPriorityRequest`], [`DeleteJobRequest`].
//! - Every input has `validate()`, which reports every violated length or range with its path.
//! - With the `serde` feature, every type also implements serde's `Serialize`/`Deserialize`
//!   with the wire names (for JSON). The XML codec does not use serde.
//!
//! Decoding is lenient where the vendor is (whitespace around numbers, booleans, enums and
//! timestamps is trimmed; an empty number, boolean, enum or timestamp element is absent, as the Go
//! SDK sends `<TaggingDirective></TaggingDirective>`; strings are kept verbatim; unknown elements
//! are ignored; any element of a response may be absent; with or without an XML prolog) and
//! strict where it matters (in a request, a missing required element, an out-of-range number or
//! a second operation is an error naming the element path). In a response, one odd value never
//! costs the document: a value that does not parse leaves its typed field `None` and keeps its
//! text as an [`UnparsedValue`] of its job, and a repeated element keeps the first. Work is bounded by [`Limits`]; no DTD is accepted and only the five
//! predefined entities and character references are resolved. Encoding writes no XML prolog.
//!
//! ```
//! use cos_batch_model::{ListJobsResult, JobStatus, XmlDocument};
//!
//! let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
//! <ListJobsResult>
//!   <Jobs><member>
//!     <JobId>021140d8-67ca-4e89-8089-0de9a1e40943</JobId>
//!     <Priority> 10 </Priority>
//!     <Status>Complete</Status>
//!   </member></Jobs>
//!   <NextToken>021140d8-67ca-4e89-8089-0de9a1e40943</NextToken>
//! </ListJobsResult>"#;
//! let page = ListJobsResult::from_xml(xml)?;
//! assert_eq!(page.jobs[0].priority, Some(10));
//! assert_eq!(page.jobs[0].status, Some(JobStatus::Complete));
//! assert!(page.to_xml().starts_with("<ListJobsResult><Jobs><member><JobId>021140d8"));
//! # Ok::<(), cos_batch_model::DecodeError>(())
//! ```
//!
//! Building and validating a request:
//!
//! ```
//! use cos_batch_model::*;
//!
//! let request = CreateJobRequest::new(
//!     "184ce261-18af-5e3d-3e30-253723cfd937",
//!     Manifest::new(
//!         ManifestLocation::new(
//!             "qcs::cos:ap-chengdu::sourcebucket-1250000000/manifest.csv",
//!             "\"15150651828fa9cdcb8356b6d1c7638b\"",
//!         ),
//!         ManifestSpec::new(
//!             ManifestFormat::CosBatchOperationsCsvV1,
//!             vec![ManifestField::Bucket, ManifestField::Key],
//!         ),
//!     ),
//!     Operation::InitiateRestoreObject(InitiateRestoreObject::new(400, JobTier::Bulk)),
//!     10,
//!     Report::new("qcs::cos:ap-chengdu::sourcebucket-1250000000", true, ReportScope::AllTasks),
//!     "qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole",
//! );
//! let errors = request.validate().unwrap_err();
//! assert_eq!(
//!     errors.to_string(),
//!     "1 invalid value(s): CreateJobRequest/Operation/COSInitiateRestoreObject/ExpirationInDays: \
//!      400 is outside 1..=365"
//! );
//!
//! // A decode error names the element path.
//! let err = CreateJobRequest::from_xml(b"<CreateJobRequest><Priority>x</Priority></CreateJobRequest>")
//!     .unwrap_err();
//! assert_eq!(err.path(), "CreateJobRequest/Priority");
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod create_job;
mod describe_job;
mod enums;
mod error;
mod error_document;
mod limits;
mod list_jobs;
mod manifest;
mod operation;
mod request_builders;
#[cfg(any(test, feature = "proptest"))]
pub mod strategy;
mod timestamp;
mod unparsed;
mod update_job;
mod validate;
mod xml;

pub use create_job::{CreateJobRequest, CreateJobResult, MAX_PRIORITY};
pub use describe_job::{DescribeJobRequest, DescribeJobResult, Job, JobFailure, ProgressSummary};
pub use enums::{
    CannedAcl, Directive, ErrorCode, GranteeType, JobStatus, JobTier, ManifestField,
    ManifestFormat, OperationName, Permission, ReportFormat, ReportScope, RequestedJobStatus,
    SseAlgorithm, StorageClass,
};
pub use error::{DecodeError, DecodeErrorKind};
pub use error_document::ErrorDocument;
pub use limits::Limits;
pub use list_jobs::{JobListEntry, ListJobsRequest, ListJobsResult};
pub use manifest::{Manifest, ManifestLocation, ManifestSpec, Report};
pub use operation::{
    DeleteObject, Grant, Grantee, InitiateRestoreObject, MAX_EXPIRATION_DAYS, MIN_EXPIRATION_DAYS,
    NewObjectMetadata, Operation, PutObjectCopy, PutObjectTagging, Tag,
};
pub use request_builders::{CreateJobRequestBuilder, MissingField};
pub use timestamp::{Timestamp, TimestampError};
pub use unparsed::UnparsedValue;
pub use update_job::{
    DeleteJobRequest, DeleteJobResult, UpdateJobPriorityRequest, UpdateJobPriorityResult,
    UpdateJobStatusRequest, UpdateJobStatusResult,
};
pub use validate::{ValidationErrors, Violation, ViolationKind};
pub use xml::XmlDocument;

// Internals stay internal.
/// ```compile_fail,E0432
/// use cos_batch_model::MAX_REPORTED_VALUE_CHARS;
/// ```
#[cfg(doctest)]
mod internals_stay_private {}

// The README (the crate page) is compiled and run with the doctests, so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod crate_readme {}
