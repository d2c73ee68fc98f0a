//! Fuzz checks for `cos-batch-model`: every decoder must not panic, and whatever it accepts must
//! be stable under decode → encode → decode (equal values, identical bytes on re-encoding).

use std::fmt::Debug;

use cos_batch_model::{
    CreateJobRequest, CreateJobResult, DescribeJobResult, ErrorDocument, ListJobsResult,
    UpdateJobPriorityResult, UpdateJobStatusResult, XmlDocument,
};

/// The `cos-batch-model` fuzz targets.
pub const TARGETS: &[crate::Target] = &[
    ("model_create_job_request", create_job_request),
    ("model_create_job_result", create_job_result),
    ("model_describe_job_result", describe_job_result),
    ("model_list_jobs_result", list_jobs_result),
    ("model_update_job_status_result", update_job_status_result),
    (
        "model_update_job_priority_result",
        update_job_priority_result,
    ),
    ("model_error_document", error_document),
];

/// Decodes `data` as `T`; if accepted, its encoding must decode, and from there on decode and
/// encode must be inverse: the same value and the same bytes.
///
/// The first encoding is the canonical form, not always the input's value: the copy
/// constraints are written as epoch seconds whatever form they were read in, and response
/// values that did not parse (kept as `UnparsedValue`s) are not written back.
fn round_trip<T: XmlDocument + PartialEq + Debug>(data: &[u8]) {
    let Ok(first) = T::from_xml(data) else {
        return;
    };
    let decode = |xml: &str| match T::from_xml(xml.as_bytes()) {
        Ok(v) => v,
        Err(e) => panic!("re-decoding our own encoding failed: {e}\n{xml}"),
    };
    let xml = first.to_xml();
    let second = decode(&xml);
    let again = second.to_xml();
    assert_eq!(xml, again, "encoding is not stable");
    assert_eq!(second, decode(&again), "decode(encode(v)) != v for {xml}");
}

/// `CreateJobRequest` (strict decoder).
pub fn create_job_request(data: &[u8]) {
    round_trip::<CreateJobRequest>(data);
}

/// `CreateJobResult`.
pub fn create_job_result(data: &[u8]) {
    round_trip::<CreateJobResult>(data);
}

/// `DescribeJobResult`.
pub fn describe_job_result(data: &[u8]) {
    round_trip::<DescribeJobResult>(data);
}

/// `ListJobsResult`.
pub fn list_jobs_result(data: &[u8]) {
    round_trip::<ListJobsResult>(data);
}

/// `UpdateJobStatusResult`.
pub fn update_job_status_result(data: &[u8]) {
    round_trip::<UpdateJobStatusResult>(data);
}

/// `UpdateJobPriorityResult`.
pub fn update_job_priority_result(data: &[u8]) {
    round_trip::<UpdateJobPriorityResult>(data);
}

/// `ErrorDocument`.
pub fn error_document(data: &[u8]) {
    round_trip::<ErrorDocument>(data);
}
