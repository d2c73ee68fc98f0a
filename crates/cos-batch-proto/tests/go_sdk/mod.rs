//! The Go SDK's request shapes (see `README.md`), shared by the codec's tests and the
//! emulator's (`#[path]`): the transcripts, and a parser that fills their `${NAME}` placeholders.
#![allow(dead_code)]

use bytes::Bytes;
use http::Request;

/// `(name, transcript)` of every CreateJob body the Go SDK produces.
pub const CREATE_JOB: [(&str, &str); 5] = [
    ("copy-full", include_str!("data/create-job-copy-full.http")),
    (
        "copy-minimal",
        include_str!("data/create-job-copy-minimal.http"),
    ),
    ("restore", include_str!("data/create-job-restore.http")),
    ("tagging", include_str!("data/create-job-tagging.http")),
    ("delete", include_str!("data/create-job-delete.http")),
];

/// `GET /jobs` without options.
pub const LIST_JOBS: &str = include_str!("data/list-jobs.http");
/// `GET /jobs?jobStatuses=Suspended&maxResults=10&nextToken=${JOB_ID}`.
pub const LIST_JOBS_FILTERED: &str = include_str!("data/list-jobs-filtered.http");
/// `GET /jobs/${JOB_ID}`.
pub const DESCRIBE_JOB: &str = include_str!("data/describe-job.http");
/// `POST /jobs/${JOB_ID}/priority?priority=7`.
pub const UPDATE_JOB_PRIORITY: &str = include_str!("data/update-job-priority.http");
/// `POST /jobs/${JOB_ID}/status?requestedJobStatus=Ready`.
pub const UPDATE_JOB_STATUS_READY: &str = include_str!("data/update-job-status-ready.http");
/// `POST /jobs/${JOB_ID}/status?requestedJobStatus=Cancelled&statusUpdateReason=...`.
pub const UPDATE_JOB_STATUS_CANCELLED: &str = include_str!("data/update-job-status-cancelled.http");
/// The `statusUpdateReason` of [`UPDATE_JOB_STATUS_CANCELLED`], decoded.
pub const CANCEL_REASON: &str = "no longer needed: see ticket #42";
/// `DELETE /jobs/${JOB_ID}`.
pub const DELETE_JOB: &str = include_str!("data/delete-job.http");

/// `text` with each `${name}` replaced by its value.
pub fn fill(text: &str, vars: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    for (name, value) in vars {
        out = out.replace(&format!("${{{name}}}"), value);
    }
    assert!(!out.contains("${"), "a placeholder is left: {out}");
    out
}

/// The request of a transcript (start line, headers, blank line, body) once filled.
///
/// `${CONTENT_MD5}` is the base64 MD5 of the filled body: the Go SDK's `newRequest` sends it
/// with every XML body it marshals.
pub fn request(text: &str, vars: &[(&str, &str)]) -> Request<Bytes> {
    let (head, body) = text
        .split_once("\n\n")
        .expect("a blank line after the headers");
    let body = fill(body, vars);
    let digest = {
        use base64::Engine as _;
        use md5::Digest as _;
        base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(body.as_bytes()))
    };
    let mut vars = vars.to_vec();
    vars.push(("CONTENT_MD5", &digest));
    let head = fill(head, &vars);
    let mut lines = head.lines();
    let start = lines.next().expect("a start line");
    let mut words = start.split(' ');
    let (method, target) = (words.next().unwrap(), words.next().unwrap());
    let mut builder = Request::builder().method(method).uri(target);
    for line in lines {
        let (name, value) = line.split_once(':').expect("name: value");
        builder = builder.header(name.trim(), value.trim());
    }
    builder.body(Bytes::from(body.to_owned())).unwrap()
}
