//! The worked HTTP examples of the vendor's CreateJob and ListJobs pages parse and match.

use bytes::Bytes;
use cos_batch_model::{JobStatus, ManifestField, ManifestFormat, OperationName, ReportScope};
use cos_batch_proto::{Call, CreateJob, ListJobs, Operation, decode_request};
use http::{Request, Response};

/// Splits an HTTP/1.1 transcript into start line, headers and body.
fn parse(text: &str) -> (String, Vec<(String, String)>, String) {
    let (head, body) = text
        .split_once("\n\n")
        .expect("a blank line after the headers");
    let mut lines = head.lines();
    let start = lines.next().expect("a start line").to_owned();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(':').expect("name: value");
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    (start, headers, body.to_owned())
}

fn request(text: &str, skip: &[&str]) -> Request<Bytes> {
    let (start, headers, body) = parse(text);
    let mut words = start.split(' ');
    let (method, target) = (words.next().unwrap(), words.next().unwrap());
    let mut b = Request::builder().method(method).uri(target);
    for (k, v) in headers
        .iter()
        .filter(|(k, _)| !skip.iter().any(|s| k.eq_ignore_ascii_case(s)))
    {
        b = b.header(k, v);
    }
    b.body(Bytes::from(body)).unwrap()
}

fn response(text: &str) -> Response<Bytes> {
    let (start, headers, body) = parse(text);
    let status: u16 = start.split(' ').nth(1).unwrap().parse().unwrap();
    let mut b = Response::builder().status(status);
    for (k, v) in &headers {
        b = b.header(k, v);
    }
    b.body(Bytes::from(body)).unwrap()
}

#[test]
fn create_job_request_transcript() {
    let text = include_str!("data/create-job.request.http");
    // The page's Content-MD5 belongs to another body: the server side notices.
    let err = decode_request(&request(text, &[])).unwrap_err();
    assert_eq!(err.code().as_str(), "InvalidDigest");

    let incoming = decode_request(&request(text, &["content-md5"])).unwrap();
    assert_eq!(incoming.appid, "1250000000");
    let Call::CreateJob(job) = incoming.call else {
        panic!("not CreateJob")
    };
    assert_eq!(
        job.client_request_token.as_deref(),
        Some("1829b6c7-3141-42f1-9fe4-17082b841646")
    );
    assert_eq!(job.confirmation_required, Some(false));
    assert_eq!(job.description.as_deref(), Some("example job"));
    assert_eq!(
        job.manifest.location.etag,
        "\"15150651828fa9cdcb8356b6d1c7638b\""
    );
    assert_eq!(
        job.manifest.spec.format,
        ManifestFormat::CosBatchOperationsCsvV1
    );
    assert_eq!(
        job.manifest.spec.fields,
        vec![ManifestField::Bucket, ManifestField::Key]
    );
    assert_eq!(job.priority, 10);
    assert_eq!(job.report.report_scope, ReportScope::AllTasks);
    assert_eq!(
        job.role_arn,
        "qcs::cam::uin/100000000001:roleName/examplerole"
    );
    let cos_batch_model::Operation::PutObjectCopy(copy) = &job.operation else {
        panic!("not a copy")
    };
    assert_eq!(
        copy.target_resource,
        "qcs::cos:ap-chengdu::target-1250000000"
    );

    // Encoding the same input gives the same call back, with a matching Content-MD5.
    let endpoint =
        cos_batch_proto::Endpoint::new("100000000001", "ap-chengdu", "1250000000").unwrap();
    let ours = CreateJob::encode(&job, &endpoint).unwrap();
    let (mut parts, body) = ours.into_parts();
    parts.uri = "/jobs".parse().unwrap();
    let again = decode_request(&Request::from_parts(parts, body)).unwrap();
    assert_eq!(again.call, Call::CreateJob(job));
}

#[test]
fn create_job_response_transcript() {
    let r = response(include_str!("data/create-job.response.http"));
    let out = CreateJob::decode_response(&r).unwrap();
    assert_eq!(
        out.job_id.as_deref(),
        Some("53dc6228-c50b-46f7-8ad7-65e7159f1aae")
    );
}

#[test]
fn list_jobs_transcripts() {
    let incoming =
        decode_request(&request(include_str!("data/list-jobs.request.http"), &[])).unwrap();
    let Call::ListJobs(list) = incoming.call else {
        panic!("not ListJobs")
    };
    assert_eq!(list.max_results, Some(2));
    assert!(list.job_statuses.is_empty() && list.next_token.is_none());

    let page =
        ListJobs::decode_response(&response(include_str!("data/list-jobs.response.http"))).unwrap();
    assert_eq!(page.jobs.len(), 2);
    let first = &page.jobs[0];
    assert_eq!(
        first.job_id.as_deref(),
        Some("021140d8-67ca-4e89-8089-0de9a1e40943")
    );
    assert_eq!(first.operation, Some(OperationName::PutObjectCopy));
    assert_eq!(first.status, Some(JobStatus::Complete));
    assert_eq!(first.priority, Some(10));
    assert_eq!(
        first.creation_time.as_ref().map(|t| t.as_str()),
        Some("2019-12-19T11:05:40Z")
    );
    let progress = first.progress_summary.as_ref().unwrap();
    assert_eq!(
        (
            progress.number_of_tasks_succeeded,
            progress.total_number_of_tasks
        ),
        (Some(10), Some(10))
    );
    assert_eq!(
        page.next_token.as_deref(),
        Some("066d919e-49b9-429e-b844-e17ea7b16421")
    );
    assert_eq!(page.next_token, page.jobs[1].job_id);
}
