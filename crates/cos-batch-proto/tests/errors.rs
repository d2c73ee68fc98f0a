//! Every error row of the API's error table, from status and body to the typed error; and the
//! server side answering each documented bad request with the documented error.

use bytes::Bytes;
use cos_batch_model::ErrorCode;
use cos_batch_proto::{CosError, CreateJob, DescribeJob, Operation, ResponseError, decode_request};
use http::{HeaderMap, HeaderValue, Request, StatusCode};

fn error_body(code: &str, message: &str) -> Vec<u8> {
    format!("<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n  <Code>{code}</Code>\n  <Message>{message}</Message>\n  <Resource>/jobs</Resource>\n  <RequestId>NWRmYmJh</RequestId>\n  <TraceId>OGVmYzZi</TraceId>\n</Error>").into_bytes()
}

/// (code, status, retryable) — the table of API.md section 4.
const ROWS: &[(&str, u16, bool)] = &[
    ("InvalidArgument", 400, false),
    ("InvalidRequest", 400, false),
    ("MalformedXML", 400, false),
    ("NoSuchJob", 404, false),
    ("AccessDenied", 403, false),
    ("InvalidAccessKeyId", 403, false),
    ("SignatureDoesNotMatch", 403, false),
    ("RequestTimeTooSkewed", 403, false),
    ("ExpiredToken", 400, false),
    ("MethodNotAllowed", 405, false),
    ("InternalError", 500, true),
    ("ServiceUnavailable", 500, true),
    ("TooManyJobs", 500, false),
    ("SlowDown", 503, true),
    ("ServiceUnavailable", 503, true),
];

#[test]
fn every_documented_error_decodes_typed() {
    for &(code, status, retryable) in ROWS {
        let status = StatusCode::from_u16(status).unwrap();
        let err = CosError::from_response(status, &HeaderMap::new(), &error_body(code, "m"));
        assert!(err.code().is_known(), "{code} is a known code");
        assert_eq!(err.code().as_str(), code);
        assert_eq!(err.status(), status);
        assert_eq!(err.is_retryable(), retryable, "{code}");
        assert_eq!(err.request_id(), Some("NWRmYmJh"));
        assert_eq!(err.trace_id(), Some("OGVmYzZi"));
        assert_eq!(err.resource(), Some("/jobs"));
        // Through an operation's decoder, a service error.
        let via_op =
            DescribeJob::decode(status, &HeaderMap::new(), &error_body(code, "m")).unwrap_err();
        assert_eq!(via_op, ResponseError::Service(err));
    }
}

#[test]
fn duplicate_request_is_recognised() {
    let err = CosError::from_response(
        StatusCode::BAD_REQUEST,
        &HeaderMap::new(),
        &error_body("InvalidRequest", "Duplicate request"),
    );
    assert!(err.is_duplicate_request());
    let other = CosError::from_response(
        StatusCode::BAD_REQUEST,
        &HeaderMap::new(),
        &error_body(
            "InvalidRequest",
            "Priority must be an integer between 0 and 2147483647",
        ),
    );
    assert!(!other.is_duplicate_request());
    assert!(CosError::duplicate_request().is_duplicate_request());
}

#[test]
fn ids_fall_back_to_headers_and_bodies_need_not_be_xml() {
    let mut headers = HeaderMap::new();
    headers.insert("x-cos-request-id", HeaderValue::from_static("hdr-req"));
    headers.insert("x-cos-trace-id", HeaderValue::from_static("hdr-trace"));
    let body =
        b"<Error><Code>NoSuchJob</Code><Message>The specified job does not exist</Message></Error>";
    let err = CosError::from_response(StatusCode::NOT_FOUND, &headers, body);
    assert_eq!(
        (err.request_id(), err.trace_id()),
        (Some("hdr-req"), Some("hdr-trace"))
    );

    for (status, body, code, retryable) in [
        (
            502,
            &b"<html><body><h1>502 Bad Gateway</h1></body></html>"[..],
            "HTTP502",
            true,
        ),
        (503, b"", "ServiceUnavailable", true),
        (500, b"not xml at all", "InternalError", true),
        (404, b"   ", "HTTP404", false),
        (403, b"<Error><Code>", "HTTP403", false),
    ] {
        let status = StatusCode::from_u16(status).unwrap();
        let err = CosError::from_response(status, &headers, body);
        assert_eq!(err.status(), status);
        assert_eq!(err.code().as_str(), code, "{body:?}");
        assert_eq!(err.is_retryable(), retryable, "{body:?}");
        assert_eq!(err.request_id(), Some("hdr-req"));
        assert!(
            err.message()
                .starts_with(&format!("HTTP {}", status.as_u16())),
            "{}",
            err.message()
        );
    }
    let long = "x".repeat(10_000);
    let err = CosError::from_response(StatusCode::BAD_GATEWAY, &headers, long.as_bytes());
    assert!(err.message().len() < 400);
}

#[test]
fn a_2xx_that_does_not_decode_is_not_a_service_error() {
    let mut headers = HeaderMap::new();
    headers.insert("x-cos-request-id", HeaderValue::from_static("r"));
    let err = CreateJob::decode(StatusCode::OK, &headers, b"<html>oops</html>").unwrap_err();
    assert!(
        matches!(
            err,
            ResponseError::Decode {
                status: StatusCode::OK,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.request_id(), Some("r"));
    assert!(err.as_service().is_none());
}

fn request(method: &str, target: &str, appid: Option<&str>, body: &'static [u8]) -> Request<Bytes> {
    let mut b = Request::builder().method(method).uri(target);
    if let Some(a) = appid {
        b = b.header("x-cos-appid", a);
    }
    b.body(Bytes::from_static(body)).unwrap()
}

/// method, target, x-cos-appid, body, expected status, expected code
type Case = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [u8],
    u16,
    &'static str,
);

#[test]
fn the_server_side_answers_as_documented() {
    let cases: &[Case] = &[
        ("PUT", "/jobs", Some("1"), b"", 405, "MethodNotAllowed"),
        (
            "DELETE",
            "/jobs/abc/status",
            Some("1"),
            b"",
            405,
            "MethodNotAllowed",
        ),
        ("GET", "/jobs", None, b"", 400, "InvalidArgument"),
        (
            "GET",
            "/jobs?maxResults=abc",
            Some("1"),
            b"",
            400,
            "InvalidArgument",
        ),
        (
            "GET",
            "/jobs?maxResults=1001",
            Some("1"),
            b"",
            400,
            "InvalidArgument",
        ),
        (
            "GET",
            "/jobs?jobStatuses=Running",
            Some("1"),
            b"",
            400,
            "InvalidArgument",
        ),
        (
            "GET",
            "/jobs?nextToken=",
            Some("1"),
            b"",
            400,
            "InvalidArgument",
        ),
        (
            "POST",
            "/jobs/abc/status?requestedJobStatus=Active",
            Some("1"),
            b"",
            400,
            "InvalidArgument",
        ),
        (
            "POST",
            "/jobs/abc/status",
            Some("1"),
            b"",
            400,
            "InvalidArgument",
        ),
        (
            "POST",
            "/jobs/abc/priority",
            Some("1"),
            b"",
            400,
            "InvalidRequest",
        ),
        (
            "POST",
            "/jobs/abc/priority?priority=2147483648",
            Some("1"),
            b"",
            400,
            "InvalidArgument",
        ),
        (
            "POST",
            "/jobs/abc/priority?priority=-1",
            Some("1"),
            b"",
            400,
            "InvalidArgument",
        ),
        ("POST", "/jobs", Some("1"), b"", 400, "InvalidRequest"),
        (
            "POST",
            "/jobs",
            Some("1"),
            b"<CreateJobRequest><Priority>1",
            400,
            "MalformedXML",
        ),
        (
            "POST",
            "/jobs",
            Some("1"),
            b"<NotAJob/>",
            400,
            "MalformedXML",
        ),
        ("GET", "/buckets", Some("1"), b"", 404, "NoSuchResource"),
    ];
    for &(method, target, appid, body, status, code) in cases {
        let err = decode_request(&request(method, target, appid, body)).unwrap_err();
        assert_eq!(
            (err.status().as_u16(), err.code().as_str()),
            (status, code),
            "{method} {target}"
        );
        // And it can be sent.
        let response = cos_batch_proto::encode_error(&err, "req");
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(response.headers()["content-type"], "application/xml");
    }
    let long_reason = format!(
        "/jobs/abc/status?requestedJobStatus=Cancelled&statusUpdateReason={}",
        "x".repeat(257)
    );
    let err = decode_request(&request(
        "POST",
        Box::leak(long_reason.into_boxed_str()),
        Some("1"),
        b"",
    ))
    .unwrap_err();
    assert_eq!(err.code(), &ErrorCode::InvalidArgument);
    assert!(
        err.message().contains("statusUpdateReason"),
        "{}",
        err.message()
    );

    // A job id longer than 64 bytes, on every path that carries one.
    let long_id = "j".repeat(65);
    for (method, target) in [
        ("GET", format!("/jobs/{long_id}")),
        ("DELETE", format!("/jobs/{long_id}")),
        (
            "POST",
            format!("/jobs/{long_id}/status?requestedJobStatus=Ready"),
        ),
        ("POST", format!("/jobs/{long_id}/priority?priority=1")),
    ] {
        let err = decode_request(&request(method, &target, Some("1"), b"")).unwrap_err();
        assert_eq!(err.code(), &ErrorCode::InvalidArgument, "{method} {target}");
        assert!(err.message().contains("JobId"), "{}", err.message());
    }
    let ok = format!("/jobs/{}", "j".repeat(64));
    assert!(decode_request(&request("GET", &ok, Some("1"), b"")).is_ok());
}

#[test]
fn create_job_priority_out_of_range_is_invalid_request() {
    let body = include_str!("data/create-job.request.http")
        .split_once("\n\n")
        .unwrap()
        .1;
    let body = body.replace("<Priority>10</Priority>", "<Priority>2147483648</Priority>");
    let req = Request::post("/jobs")
        .header("x-cos-appid", "1")
        .body(Bytes::from(body))
        .unwrap();
    let err = decode_request(&req).unwrap_err();
    assert_eq!(err.code(), &ErrorCode::InvalidRequest);
    assert_eq!(
        err.message(),
        "Priority must be an integer between 0 and 2147483647"
    );
}

#[test]
fn a_create_job_without_a_token_is_malformed_xml_naming_it() {
    use cos_batch_model::*;
    let request = CreateJobRequest::builder()
        .manifest(Manifest::new(
            ManifestLocation::new("qcs::cos:ap-chengdu::b-1250000000/m.csv", "\"e\""),
            ManifestSpec::new(
                ManifestFormat::CosBatchOperationsCsvV1,
                vec![ManifestField::Bucket, ManifestField::Key],
            ),
        ))
        .operation(cos_batch_model::Operation::DeleteObject(
            DeleteObject::default(),
        ))
        .priority(1)
        .report(Report::new("", false, ReportScope::AllTasks))
        .role_arn("qcs::cam::uin/1:roleName/R")
        .build()
        .unwrap();
    // The codec refuses to send it (nothing fills the token here) ...
    let refused = CreateJob::encode(
        &request,
        &cos_batch_proto::Endpoint::new("1", "ap-chengdu", "1").unwrap(),
    );
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("ClientRequestToken")
    );
    // ... and a server answers a body without one as it always has.
    let body: &'static [u8] = Box::leak(request.to_xml().into_bytes().into_boxed_slice());
    let err = decode_request(&self::request("POST", "/jobs", Some("1"), body)).unwrap_err();
    assert_eq!(
        (err.status().as_u16(), err.code().as_str()),
        (400, "MalformedXML")
    );
    assert!(
        err.message()
            .contains("CreateJobRequest/ClientRequestToken: missing required element"),
        "{}",
        err.message()
    );
}
